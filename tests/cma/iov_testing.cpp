// SPDX-License-Identifier: LGPL-2.1-or-later
#include "iov_testing.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace cma::test {
namespace {

// splitmix64's finaliser.
std::uint64_t mix64(std::uint64_t x) noexcept
{
    x ^= x >> 30U;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27U;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31U;
    return x;
}

std::uint64_t pattern_word(std::uint64_t salt, std::size_t word) noexcept
{
    return mix64((salt * 0x9e3779b97f4a7c15ULL) + word);
}

std::byte word_byte(std::uint64_t word, std::size_t pos) noexcept
{
    return static_cast<std::byte>(word >> ((pos % 8) * 8));
}

} // namespace

std::byte pattern_at(std::uint64_t salt, std::size_t pos) noexcept
{
    return word_byte(pattern_word(salt, pos / 8), pos);
}

void fill_pattern(std::span<std::byte> buf, std::uint64_t salt, std::size_t first_pos) noexcept
{
    std::uint64_t word = pattern_word(salt, first_pos / 8);
    for (std::size_t i = 0; i < buf.size(); ++i) {
        const std::size_t pos = first_pos + i;
        if (pos % 8 == 0) {
            word = pattern_word(salt, pos / 8);
        }
        buf[i] = word_byte(word, pos);
    }
}

std::size_t find_pattern_mismatch(std::span<const std::byte> buf, std::uint64_t salt,
                                  std::size_t first_pos) noexcept
{
    std::uint64_t word = pattern_word(salt, first_pos / 8);
    for (std::size_t i = 0; i < buf.size(); ++i) {
        const std::size_t pos = first_pos + i;
        if (pos % 8 == 0) {
            word = pattern_word(salt, pos / 8);
        }
        if (buf[i] != word_byte(word, pos)) {
            return i;
        }
    }
    return buf.size();
}

std::size_t total_length(std::span<const iovec> list) noexcept
{
    std::size_t total = 0;
    for (const iovec &element : list) {
        total += element.iov_len;
    }
    return total;
}

void copy_stream(std::span<const iovec> dst, std::span<const iovec> src, std::size_t n) noexcept
{
    std::size_t di = 0;
    std::size_t doff = 0;
    std::size_t si = 0;
    std::size_t soff = 0;
    while (n > 0) {
        while (doff == dst[di].iov_len) {
            ++di;
            doff = 0;
        }
        while (soff == src[si].iov_len) {
            ++si;
            soff = 0;
        }
        const std::size_t chunk = std::min({n, dst[di].iov_len - doff, src[si].iov_len - soff});
        std::memmove(static_cast<std::byte *>(dst[di].iov_base) + doff,
                     static_cast<const std::byte *>(src[si].iov_base) + soff, chunk);
        doff += chunk;
        soff += chunk;
        n -= chunk;
    }
}

std::vector<Piece> random_pieces(std::mt19937_64 &rng, std::size_t count, std::size_t max_length)
{
    std::uniform_int_distribution<std::size_t> length(1, max_length);
    std::uniform_int_distribution<std::size_t> gap(0, 64);
    std::bernoulli_distribution empty(1.0 / 8);
    std::vector<Piece> pieces;
    pieces.reserve(count);
    std::size_t offset = gap(rng);
    for (std::size_t i = 0; i < count; ++i) {
        const std::size_t len = empty(rng) ? 0 : length(rng);
        pieces.push_back({offset, len});
        offset += len + gap(rng);
    }
    std::shuffle(pieces.begin(), pieces.end(), rng);
    return pieces;
}

std::size_t arena_size(std::span<const Piece> pieces) noexcept
{
    std::size_t end = 0;
    for (const Piece &piece : pieces) {
        end = std::max(end, piece.offset + piece.length);
    }
    return end + 64;
}

std::size_t total_length(std::span<const Piece> pieces) noexcept
{
    std::size_t total = 0;
    for (const Piece &piece : pieces) {
        total += piece.length;
    }
    return total;
}

std::vector<iovec> to_iovecs(std::span<const Piece> pieces, std::byte *base)
{
    std::vector<iovec> list;
    list.reserve(pieces.size());
    for (const Piece &piece : pieces) {
        list.push_back({base + piece.offset, piece.length});
    }
    return list;
}

RandomCopy::RandomCopy(std::mt19937_64 &rng, std::size_t src_count, std::size_t dst_count,
                       std::size_t max_length)
        : src_pieces{random_pieces(rng, src_count, max_length)},
          dst_pieces{random_pieces(rng, dst_count, max_length)},
          src_arena(arena_size(src_pieces)),
          dst_arena(arena_size(dst_pieces)),
          src{to_iovecs(src_pieces, src_arena.data())},
          dst{to_iovecs(dst_pieces, dst_arena.data())},
          want{std::min(total_length(src), total_length(dst))}
{
    fill_pattern(src_arena, kRandomSourceSalt);
    fill_pattern(dst_arena, kRandomSentinelSalt);
    // A copy of the sentinel-filled destination, so not a member initializer.
    expected_dst = dst_arena; // NOLINT(cppcoreguidelines-prefer-member-initializer)
    copy_stream(to_iovecs(dst_pieces, expected_dst.data()), src, want);
}

std::uint64_t test_seed()
{
    std::uint64_t seed = 0;
    // Called from test bodies, before they start any thread.
    if (const char *env = std::getenv("CMA_TEST_SEED"); // NOLINT(concurrency-mt-unsafe)
        env != nullptr && *env != '\0') {
        seed = std::strtoull(env, nullptr, 0);
    } else {
        seed = (std::uint64_t{std::random_device{}()} << 32U) | std::random_device{}();
    }
    std::printf("[   SEED   ] CMA_TEST_SEED=%llu (set it to replay)\n", static_cast<unsigned long long>(seed));
    (void)std::fflush(stdout);
    ::testing::Test::RecordProperty("seed", std::to_string(seed));
    return seed;
}

} // namespace cma::test
