// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Test data for scatter-gather transfers: deterministic byte patterns, random
// element layouts, and a plain in-process reference copy of one flattened
// stream into another.
#ifndef CMA_TESTS_IOV_TESTING_HPP
#define CMA_TESTS_IOV_TESTING_HPP

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <random>
#include <span>
#include <vector>

namespace cma::test {

// Byte @pos of the pattern named by @salt. Every 8-byte word is a hash of
// (salt, word index), so a byte in the wrong place or from the wrong pattern
// is caught.
std::byte pattern_at(std::uint64_t salt, std::size_t pos) noexcept;

// buf[i] = pattern_at(salt, first_pos + i).
void fill_pattern(std::span<std::byte> buf, std::uint64_t salt, std::size_t first_pos = 0) noexcept;

// The first i with buf[i] != pattern_at(salt, first_pos + i), or buf.size().
std::size_t find_pattern_mismatch(std::span<const std::byte> buf, std::uint64_t salt,
                                  std::size_t first_pos = 0) noexcept;

std::size_t total_length(std::span<const iovec> list) noexcept;

// The reference: copies the first @n bytes of the flattened @src into the
// flattened @dst, in this process, element by element. Both lists must hold
// at least @n bytes.
void copy_stream(std::span<const iovec> dst, std::span<const iovec> src, std::size_t n) noexcept;

// Where one scatter-gather element lies in an arena.
struct Piece {
    std::size_t offset;
    std::size_t length;
};

// @count pieces of 1..@max_length bytes, about one in eight of them empty,
// laid out in an arena with random gaps and then shuffled, so the flattened
// stream visits the arena out of order and gaps must stay untouched.
std::vector<Piece> random_pieces(std::mt19937_64 &rng, std::size_t count, std::size_t max_length);

// Bytes an arena needs for @pieces.
std::size_t arena_size(std::span<const Piece> pieces) noexcept;

std::size_t total_length(std::span<const Piece> pieces) noexcept;

// The elements for @pieces in an arena that starts at @base.
std::vector<iovec> to_iovecs(std::span<const Piece> pieces, std::byte *base);

// A random copy problem in this process: a source arena holding the pattern
// kRandomSourceSalt and a destination arena holding kRandomSentinelSalt, each
// cut into random_pieces(), and the destination arena as it must look once
// the first min(total source, total destination) bytes of the source stream
// have been copied into the destination stream.
inline constexpr std::uint64_t kRandomSourceSalt = 0x50c7ce;
inline constexpr std::uint64_t kRandomSentinelSalt = 0x5e7715e1;

struct RandomCopy {
    RandomCopy(std::mt19937_64 &rng, std::size_t src_count, std::size_t dst_count, std::size_t max_length);

    std::vector<Piece> src_pieces;
    std::vector<Piece> dst_pieces;
    std::vector<std::byte> src_arena;
    std::vector<std::byte> dst_arena;
    std::vector<iovec> src;
    std::vector<iovec> dst;
    std::size_t want;
    std::vector<std::byte> expected_dst;
};

// Seed for randomized tests: $CMA_TEST_SEED if set, else a fresh one. It is
// printed and recorded as a test property so that a failure can be replayed.
std::uint64_t test_seed();

} // namespace cma::test

#endif // CMA_TESTS_IOV_TESTING_HPP
