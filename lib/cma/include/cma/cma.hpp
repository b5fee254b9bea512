// SPDX-License-Identifier: LGPL-2.1-or-later
//
// C++23 interface to libcma.
//
// Header-only, inline over the C API in <cma/cma.h>, whose documentation is
// the reference for semantics and errors. libcma.so therefore exports C
// symbols only and its ABI does not depend on the C++ standard library.
//
// Nothing here throws or allocates. Results are std::expected: the value is
// the byte count (fewer than requested after a partial transfer, exactly as
// in C), the error a std::error_code in std::generic_category(), so it
// compares equal to std::errc values:
//
//     auto peer = cma::Process::open(pid);
//     if (!peer) { ... peer.error() == std::errc::no_such_process ... }
//     auto moved = peer->read(std::as_writable_bytes(std::span{buf}), remote_addr);
//
// Reductions are typed: peer->reduce_read(std::span{sums}, remote_doubles,
// cma::Op::sum) combines the peer's doubles into sums (CMA_REDUCE(SUM, F64)).
// Large copies use a context's threads:
//
//     auto pool = cma::Context::create();          // as many threads as CPUs
//     peer->set_context(*pool);                    // pool must outlive its use
#ifndef CMA_CMA_HPP
#define CMA_CMA_HPP

#include <cma/cma.h>

#include <cstddef>
#include <cstdint>
#include <expected>
#include <span>
#include <system_error>
#include <type_traits>
#include <utility>

namespace cma {

// Bytes moved, or the error that stopped the transfer before any moved.
using Result = std::expected<std::size_t, std::error_code>;

namespace detail {

inline std::error_code errno_code(long negative_errno) noexcept
{
    return {static_cast<int>(-negative_errno), std::generic_category()};
}

inline Result to_result(ssize_t ret) noexcept
{
    if (ret < 0) {
        return std::unexpected{errno_code(ret)};
    }
    return static_cast<std::size_t>(ret);
}

inline std::error_code to_error(int ret) noexcept
{
    return ret < 0 ? errno_code(ret) : std::error_code{};
}

} // namespace detail

// Transfer flag: CMA_NOWAIT.
inline constexpr unsigned nowait = CMA_NOWAIT;

// Reduce operations (CMA_OP_*) and element types (CMA_TYPE_*).
enum class Op : unsigned {
    sum = CMA_OP_SUM,
    prod = CMA_OP_PROD,
    min = CMA_OP_MIN,
    max = CMA_OP_MAX,
    band = CMA_OP_BAND,
    bor = CMA_OP_BOR,
    bxor = CMA_OP_BXOR,
};

enum class Type : unsigned {
    s8 = CMA_TYPE_S8,
    u8 = CMA_TYPE_U8,
    s16 = CMA_TYPE_S16,
    u16 = CMA_TYPE_U16,
    s32 = CMA_TYPE_S32,
    u32 = CMA_TYPE_U32,
    s64 = CMA_TYPE_S64,
    u64 = CMA_TYPE_U64,
    f32 = CMA_TYPE_F32,
    f64 = CMA_TYPE_F64,
};

// CMA_REDUCE(op, type) as a value.
[[nodiscard]] constexpr unsigned reduce_flags(Op op, Type type) noexcept
{
    return (static_cast<unsigned>(op) << CMA_OP_SHIFT) | (static_cast<unsigned>(type) << CMA_TYPE_SHIFT);
}

namespace detail {

template <typename T>
struct TypeOf;
template <> struct TypeOf<std::int8_t> { static constexpr Type value = Type::s8; };
template <> struct TypeOf<std::uint8_t> { static constexpr Type value = Type::u8; };
template <> struct TypeOf<std::int16_t> { static constexpr Type value = Type::s16; };
template <> struct TypeOf<std::uint16_t> { static constexpr Type value = Type::u16; };
template <> struct TypeOf<std::int32_t> { static constexpr Type value = Type::s32; };
template <> struct TypeOf<std::uint32_t> { static constexpr Type value = Type::u32; };
template <> struct TypeOf<std::int64_t> { static constexpr Type value = Type::s64; };
template <> struct TypeOf<std::uint64_t> { static constexpr Type value = Type::u64; };
template <> struct TypeOf<float> { static constexpr Type value = Type::f32; };
template <> struct TypeOf<double> { static constexpr Type value = Type::f64; };

} // namespace detail

// The element types reductions know: the fixed-width integers, float, double.
template <typename T>
concept ReduceElement = requires { detail::TypeOf<std::remove_cv_t<T>>::value; };

template <ReduceElement T>
inline constexpr Type type_of = detail::TypeOf<std::remove_cv_t<T>>::value;

namespace detail {

// Move-only ownership of a C handle, released with @Release. Empty when
// default-constructed or moved from.
template <typename T, void (*Release)(T *) noexcept>
class Owner {
public:
    Owner() noexcept = default;

    // Adopts @handle, which may be NULL.
    explicit Owner(T *handle) noexcept : handle_{handle} {}

    Owner(Owner &&other) noexcept : handle_{std::exchange(other.handle_, nullptr)} {}

    Owner &operator=(Owner &&other) noexcept
    {
        if (this != &other) {
            Release(handle_);
            handle_ = std::exchange(other.handle_, nullptr);
        }
        return *this;
    }

    Owner(const Owner &) = delete;
    Owner &operator=(const Owner &) = delete;

    ~Owner() { Release(handle_); }

    [[nodiscard]] explicit operator bool() const noexcept { return handle_ != nullptr; }

    [[nodiscard]] T *native_handle() const noexcept { return handle_; }

    // Gives up ownership; the caller must release the result.
    [[nodiscard]] T *release() noexcept { return std::exchange(handle_, nullptr); }

private:
    T *handle_ = nullptr;
};

// What an open or create call that returned @err and filled in @handle
// becomes. (Make the call first: in adopt(call(&handle), handle) the
// second argument may be evaluated before the first.)
template <typename Owned, typename T>
std::expected<Owned, std::error_code> adopt(int err, T *handle) noexcept
{
    if (err < 0) {
        return std::unexpected{errno_code(err)};
    }
    return Owned{handle};
}

} // namespace detail

// An owned struct cma_context: a pool of threads for large copies (see
// cma_context_create()). Move-only; destroying it joins its threads, so it
// must outlive every Process that uses it.
class Context : public detail::Owner<cma_context, cma_context_destroy> {
public:
    using Owner::Owner;

    // cma_context_create(): @threads 0 means one per CPU.
    [[nodiscard]] static std::expected<Context, std::error_code> create(unsigned threads = 0,
                                                                      unsigned flags = 0) noexcept
    {
        cma_context *handle = nullptr;
        const int err = cma_context_create(threads, flags, &handle);
        return detail::adopt<Context>(err, handle);
    }

    // cma_context_set_threshold(): 0 restores the default.
    std::error_code set_threshold(std::size_t bytes) noexcept
    {
        return detail::to_error(cma_context_set_threshold(native_handle(), bytes));
    }

    // cma_context_threads(); requires a non-empty Context.
    [[nodiscard]] unsigned threads() const noexcept
    {
        return static_cast<unsigned>(cma_context_threads(native_handle()));
    }
};

// An owned struct cma_process. Move-only; a default-constructed or moved-from
// Process is empty, and transfers on it fail with std::errc::invalid_argument.
// Transfers are const: one Process may be used by several threads at once.
class Process : public detail::Owner<cma_process, cma_process_close> {
public:
    using Owner::Owner;

    // cma_process_open().
    [[nodiscard]] static std::expected<Process, std::error_code> open(pid_t pid, unsigned flags = 0) noexcept
    {
        cma_process *handle = nullptr;
        const int err = cma_process_open(pid, flags, &handle);
        return detail::adopt<Process>(err, handle);
    }

    // cma_process_open_pidfd(): the Process holds its own duplicate of @pidfd.
    [[nodiscard]] static std::expected<Process, std::error_code> open_pidfd(int pidfd,
                                                                          unsigned flags = 0) noexcept
    {
        cma_process *handle = nullptr;
        const int err = cma_process_open_pidfd(pidfd, flags, &handle);
        return detail::adopt<Process>(err, handle);
    }

    // cma_probe(): done once per handle. The error is set only for an empty
    // Process; whether CMA works is in the result's error and reason.
    [[nodiscard]] std::expected<cma_probe_result, std::error_code> probe() const noexcept
    {
        cma_probe_result result{};
        if (const int err = cma_probe(native_handle(), &result); err < 0) {
            return std::unexpected{detail::errno_code(err)};
        }
        return result;
    }

    // cma_process_set_context(): large copies use @ctx's threads, which must
    // outlive this Process's use of them. Not while transfers run.
    std::error_code set_context(const Context &ctx) noexcept
    {
        return detail::to_error(cma_process_set_context(native_handle(), ctx.native_handle()));
    }

    // Back to single-threaded transfers.
    std::error_code clear_context() noexcept
    {
        return detail::to_error(cma_process_set_context(native_handle(), nullptr));
    }

    // The peer's pid; requires a non-empty Process.
    [[nodiscard]] pid_t pid() const noexcept { return cma_process_pid(native_handle()); }

    // cma_readv(): remote (in the peer) into local.
    [[nodiscard]] Result readv(std::span<const iovec> local, std::span<const iovec> remote,
                               unsigned flags = 0) const noexcept
    {
        return detail::to_result(
                cma_readv(native_handle(), local.data(), local.size(), remote.data(), remote.size(), flags));
    }

    // cma_writev(): local into remote (in the peer).
    [[nodiscard]] Result writev(std::span<const iovec> local, std::span<const iovec> remote,
                                unsigned flags = 0) const noexcept
    {
        return detail::to_result(
                cma_writev(native_handle(), local.data(), local.size(), remote.data(), remote.size(), flags));
    }

    // cma_read(): local.size() bytes from @remote (in the peer) into local.
    [[nodiscard]] Result read(std::span<std::byte> local, const void *remote, unsigned flags = 0) const noexcept
    {
        return detail::to_result(cma_read(native_handle(), local.data(), remote, local.size(), flags));
    }

    // cma_write(): local into local.size() bytes at @remote (in the peer).
    [[nodiscard]] Result write(std::span<const std::byte> local, void *remote, unsigned flags = 0) const noexcept
    {
        return detail::to_result(cma_write(native_handle(), local.data(), remote, local.size(), flags));
    }

    // cma_readv() with CMA_REDUCE(): each local element becomes op(local,
    // remote). @flags may add cma::nowait.
    [[nodiscard]] Result reduce_readv(std::span<const iovec> local, std::span<const iovec> remote, Op op,
                                      Type type, unsigned flags = 0) const noexcept
    {
        return readv(local, remote, flags | reduce_flags(op, type));
    }

    // cma_writev() with CMA_REDUCE(): each remote element becomes op(remote,
    // local).
    [[nodiscard]] Result reduce_writev(std::span<const iovec> local, std::span<const iovec> remote, Op op,
                                       Type type, unsigned flags = 0) const noexcept
    {
        return writev(local, remote, flags | reduce_flags(op, type));
    }

    // Typed: local[i] = op(local[i], remote[i]) for local.size() elements.
    // The result counts bytes (whole elements).
    template <ReduceElement T, std::size_t Extent>
    [[nodiscard]] Result reduce_read(std::span<T, Extent> local, const T *remote, Op op,
                                     unsigned flags = 0) const noexcept
    {
        return detail::to_result(cma_read(native_handle(), local.data(), remote, local.size_bytes(),
                                          flags | reduce_flags(op, type_of<T>)));
    }

    // Typed: remote[i] = op(remote[i], local[i]) for local.size() elements.
    template <ReduceElement T, std::size_t Extent>
    [[nodiscard]] Result reduce_write(std::span<const T, Extent> local, T *remote, Op op,
                                      unsigned flags = 0) const noexcept
    {
        return detail::to_result(cma_write(native_handle(), local.data(), remote, local.size_bytes(),
                                           flags | reduce_flags(op, type_of<T>)));
    }
};

} // namespace cma

#endif // CMA_CMA_HPP
