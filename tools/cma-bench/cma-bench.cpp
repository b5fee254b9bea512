// SPDX-License-Identifier: LGPL-2.1-or-later
//
// cma-bench: moving a buffer from another process, seven ways, in one run.
//
//   cma-bench [--max-size=SIZE] [--separate | --threshold-scan] [Google Benchmark flags]
//
// A child process holds a source buffer (filled, resident); each benchmark
// iteration brings SIZE bytes of it into a resident buffer of the parent:
//   libcma_1t    cma_read() on a handle without a context (one thread)
//   libcma_all   cma_read() on a handle with a context of one thread per CPU
//                (default threshold: small copies stay on one thread)
//   raw          process_vm_readv(2), one element a side, looping on short
//                counts: what libcma wraps
//   shm          the double copy MPI does without CMA: the child copies
//                64 KiB chunks into a POSIX shared-memory ring of 16 slots,
//                the parent copies them out, both at once (pipelined)
//   procmem      pread(2) of /proc/<child>/mem
//   pipe         the child write(2)s into a pipe (1 MiB capacity), the
//                parent read(2)s
//   memcpy       one thread copying within the parent: the limit
// Sizes go from 4 KiB to SIZE (256 MiB by default) by factors of 4.
//
// The methods are measured interleaved: one benchmark per size
// (interleaved/SIZE) whose every iteration runs each method in turn, in a
// rotating order, timing each on its own; a method's figure is the median
// of its samples. On a shared, noisy machine this is what makes the ratios
// mean something: drifting load hits every method alike, where running the
// methods one after another measured the same code path at 12.7 and
// 25.9 GB/s minutes apart. --separate runs each method as a benchmark of
// its own instead (for profiling one method).
//
// After the runs a table gives each bandwidth and the ratios libcma/raw,
// libcma/shm and libcma/memcpy, and whether the project's targets are met.
// --threshold-scan instead compares one thread with a forced split from
// 64 KiB to 8 MiB: the data behind CMA_CONTEXT_DEFAULT_THRESHOLD.
#include <cma/cma.h>

#include <benchmark/benchmark.h>

#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr std::size_t kKiB = 1024;
constexpr std::size_t kMiB = kKiB * kKiB;
constexpr std::size_t kSlot = 64 * kKiB;
constexpr std::size_t kSlots = 16;
constexpr int kPipeSize = 1 << 20;

enum class Command : std::uint32_t { none, pipe_send, ring_send, exit };

using Slot = std::array<std::byte, kSlot>;

// Shared between parent and child (POSIX shm): a command word the child
// waits on, and the ring. The padding is deliberate: the two ring counters,
// each written by one side, on cache lines of their own.
struct Shared { // NOLINT(clang-analyzer-optin.performance.Padding)
    std::atomic<std::uint32_t> seq;      // futex word: one more per command
    std::atomic<std::uint32_t> sleeping; // the child waits in the kernel
    Command command;
    std::uint64_t size;
    alignas(64) std::atomic<std::uint64_t> head; // slots filled, ever
    alignas(64) std::atomic<std::uint64_t> tail; // slots emptied, ever
    alignas(64) std::array<Slot, kSlots> ring;

    [[nodiscard]] Slot &slot(std::uint64_t n) noexcept { return std::span{ring}[n % kSlots]; }
};

long futex(std::atomic<std::uint32_t> &word, int op, std::uint32_t value)
{
    return ::syscall(SYS_futex, reinterpret_cast<std::uint32_t *>(&word), op, value, nullptr, nullptr, 0);
}

// One round of a wait loop: a pause, and after a while a yield, so that a
// waiter does not burn the time slice of the process it waits for when the
// CPUs are oversubscribed (MPI progress loops do the same).
void cpu_relax(unsigned &rounds)
{
    constexpr unsigned kSpinsBeforeYield = 2000;
    if (++rounds < kSpinsBeforeYield) {
#if defined(__x86_64__)
        __builtin_ia32_pause();
#endif
    } else {
        ::sched_yield();
    }
}

[[noreturn]] void die(const char *what)
{
    std::perror(what);
    std::_Exit(2);
}

struct Setup {
    std::size_t max_size = 256 * kMiB;
    bool threshold_scan = false;
    bool separate = false;
    double min_time = 2.0; // seconds per interleaved size; 0 once --benchmark_min_time is given
    pid_t child = -1;
    std::byte *src = nullptr; // the child's copy is what gets read
    std::byte *dst = nullptr;
    Shared *shared = nullptr;
    int pipe_read = -1;
    int pipe_write = -1;
    int mem_fd = -1;
    cma_process *single = nullptr;
    cma_process *pooled = nullptr;
    cma_process *split = nullptr;
    cma_context *pool = nullptr;
    cma_context *forced = nullptr;
};

Setup g; // NOLINT(cppcoreguidelines-avoid-non-const-global-variables): the benchmarks' shared fixture

void *map_resident(std::size_t size)
{
    void *mem = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (mem == MAP_FAILED) {
        die("mmap");
    }
    return mem;
}

// Calls @step(done) until @size bytes are done; each call returns the bytes
// it moved, or -1 with errno (EINTR is retried). 0, or the negative errno
// value (-EIO for a 0) that stopped it.
template <typename Step>
ssize_t until_done(std::size_t size, Step step)
{
    std::size_t done = 0;
    while (done < size) {
        const ssize_t n = step(done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return n < 0 ? -errno : -EIO;
        }
        done += static_cast<std::size_t>(n);
    }
    return 0;
}

// The child: waits for commands and sends what it is asked to.
void child_send_pipe(std::size_t size)
{
    if (until_done(size, [&](std::size_t done) { return ::write(g.pipe_write, g.src + done, size - done); }) < 0) {
        std::_Exit(3);
    }
}

void child_send_ring(std::size_t size)
{
    Shared &sh = *g.shared;
    std::uint64_t head = sh.head.load(std::memory_order_relaxed);
    for (std::size_t off = 0; off < size; off += kSlot) {
        for (unsigned rounds = 0; head - sh.tail.load(std::memory_order_acquire) >= kSlots;) {
            cpu_relax(rounds);
        }
        std::memcpy(sh.slot(head).data(), g.src + off, std::min(kSlot, size - off));
        sh.head.store(++head, std::memory_order_release);
    }
}

[[noreturn]] void child_main()
{
    ::close(g.pipe_read);
    Shared &sh = *g.shared;
    std::uint32_t seen = 0;
    for (;;) {
        // Spin a little (the next command of a running benchmark comes at
        // once), then sleep in the kernel so as not to take a CPU from the
        // parent's threads.
        for (unsigned rounds = 0; rounds < 20000 && sh.seq.load(std::memory_order_acquire) == seen;) {
            cpu_relax(rounds);
        }
        while (sh.seq.load(std::memory_order_acquire) == seen) {
            sh.sleeping.store(1, std::memory_order_seq_cst);
            if (sh.seq.load(std::memory_order_seq_cst) == seen) {
                futex(sh.seq, FUTEX_WAIT, seen);
            }
            sh.sleeping.store(0, std::memory_order_relaxed);
        }
        seen = sh.seq.load(std::memory_order_acquire);
        switch (sh.command) {
        case Command::pipe_send:
            child_send_pipe(sh.size);
            break;
        case Command::ring_send:
            child_send_ring(sh.size);
            break;
        case Command::exit:
            std::_Exit(0);
        case Command::none:
            break;
        }
    }
}

void post(Command command, std::size_t size)
{
    Shared &sh = *g.shared;
    sh.command = command;
    sh.size = size;
    sh.seq.fetch_add(1, std::memory_order_seq_cst);
    if (sh.sleeping.load(std::memory_order_seq_cst) != 0) {
        futex(sh.seq, FUTEX_WAKE, 1);
    }
}

void start()
{
    g.src = static_cast<std::byte *>(map_resident(g.max_size));
    g.dst = static_cast<std::byte *>(map_resident(g.max_size));
    for (std::size_t i = 0; i < g.max_size; ++i) {
        g.src[i] = static_cast<std::byte>((i * 131) ^ (i >> 12));
    }
    const std::string name = "/cma-bench-" + std::to_string(::getpid());
    const int shm = ::shm_open(name.c_str(), O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
    if (shm < 0 || ::ftruncate(shm, sizeof(Shared)) < 0) {
        die("shm_open");
    }
    void *mem = ::mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, shm, 0);
    ::close(shm);
    ::shm_unlink(name.c_str());
    if (mem == MAP_FAILED) {
        die("mmap shm");
    }
    g.shared = static_cast<Shared *>(mem); // zero-filled: every field starts at 0
    std::array<int, 2> fds{-1, -1};
    if (::pipe2(fds.data(), O_CLOEXEC) < 0) {
        die("pipe");
    }
    g.pipe_read = fds[0];
    g.pipe_write = fds[1];
    (void)::fcntl(g.pipe_write, F_SETPIPE_SZ, kPipeSize);

    const pid_t parent = ::getpid();
    g.child = ::fork();
    if (g.child < 0) {
        die("fork");
    }
    if (g.child == 0) {
        if (::prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || ::getppid() != parent) {
            std::_Exit(4);
        }
        child_main();
    }
    ::close(g.pipe_write);
    // The parent's own copy must not be what a transfer reads. Writing both
    // buffers here also takes the parent's pages out of copy-on-write
    // sharing with the child: otherwise the first benchmark at each new size
    // pays for breaking it (seen: the first 256 MiB read took 5.9 s instead
    // of 0.06 s).
    std::memset(g.src, 0xee, g.max_size);
    std::memset(g.dst, 0, g.max_size);

    const std::string mem_path = "/proc/" + std::to_string(g.child) + "/mem";
    g.mem_fd = ::open(mem_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (g.mem_fd < 0) {
        die("open /proc/<child>/mem");
    }
    if (cma_process_open(g.child, 0, &g.single) < 0 || cma_process_open(g.child, 0, &g.pooled) < 0 ||
        cma_process_open(g.child, 0, &g.split) < 0 || cma_context_create(0, 0, &g.pool) < 0 ||
        cma_context_create(0, 0, &g.forced) < 0 || cma_context_set_threshold(g.forced, 1) < 0 ||
        cma_process_set_context(g.pooled, g.pool) < 0 || cma_process_set_context(g.split, g.forced) < 0) {
        (void)std::fprintf(stderr, "cma-bench: cannot set up libcma handles\n");
        std::_Exit(2);
    }
}

void stop()
{
    post(Command::exit, 0);
    ::waitpid(g.child, nullptr, 0);
    cma_process_close(g.single);
    cma_process_close(g.pooled);
    cma_process_close(g.split);
    cma_context_destroy(g.pool);
    cma_context_destroy(g.forced);
}

bool fail(benchmark::State &state, const char *what, ssize_t ret)
{
    const std::string message = std::string{what} + " returned " + std::to_string(ret);
    state.SkipWithError(message.c_str());
    return false;
}

// One transfer of @size bytes from the child's src into dst.
using Transfer = bool (*)(benchmark::State &state, std::size_t size);

bool via_libcma(benchmark::State &state, cma_process *proc, std::size_t size)
{
    const ssize_t ret = cma_read(proc, g.dst, g.src, size, 0);
    return ret == static_cast<ssize_t>(size) || fail(state, "cma_read", ret);
}

bool libcma_1t(benchmark::State &state, std::size_t size)
{
    return via_libcma(state, g.single, size);
}

bool libcma_all(benchmark::State &state, std::size_t size)
{
    return via_libcma(state, g.pooled, size);
}

bool libcma_split(benchmark::State &state, std::size_t size)
{
    return via_libcma(state, g.split, size);
}

bool raw(benchmark::State &state, std::size_t size)
{
    const ssize_t err = until_done(size, [&](std::size_t done) {
        const iovec local{g.dst + done, size - done};
        const iovec remote{g.src + done, size - done};
        return ::process_vm_readv(g.child, &local, 1, &remote, 1, 0);
    });
    return err == 0 || fail(state, "process_vm_readv", err);
}

bool shm(benchmark::State & /*state*/, std::size_t size)
{
    Shared &sh = *g.shared;
    post(Command::ring_send, size);
    std::uint64_t tail = sh.tail.load(std::memory_order_relaxed);
    for (std::size_t off = 0; off < size; off += kSlot) {
        for (unsigned rounds = 0; sh.head.load(std::memory_order_acquire) == tail;) {
            cpu_relax(rounds);
        }
        std::memcpy(g.dst + off, sh.slot(tail).data(), std::min(kSlot, size - off));
        sh.tail.store(++tail, std::memory_order_release);
    }
    return true;
}

bool procmem(benchmark::State &state, std::size_t size)
{
    const ssize_t err = until_done(size, [&](std::size_t done) {
        const auto offset = static_cast<off_t>(reinterpret_cast<std::uintptr_t>(g.src + done));
        return ::pread(g.mem_fd, g.dst + done, size - done, offset);
    });
    return err == 0 || fail(state, "pread /proc/<child>/mem", err);
}

bool pipe(benchmark::State &state, std::size_t size)
{
    post(Command::pipe_send, size);
    const ssize_t err =
            until_done(size, [&](std::size_t done) { return ::read(g.pipe_read, g.dst + done, size - done); });
    return err == 0 || fail(state, "read from the pipe", err);
}

bool copy(benchmark::State & /*state*/, std::size_t size)
{
    // The parent's own (overwritten) src: local memory, like the others' dst.
    std::memcpy(g.dst, g.src, size);
    benchmark::ClobberMemory();
    return true;
}

// A benchmark of @Fn; its one argument is the size.
template <Transfer Fn>
void run(benchmark::State &state)
{
    const auto size = static_cast<std::size_t>(state.range(0));
    while (state.KeepRunning()) {
        if (!Fn(state, size)) {
            break;
        }
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(size));
}

struct Method {
    const char *name;
    benchmark::internal::Function *bench; // the method alone (--separate)
    Transfer transfer;                    // one transfer (interleaved)
};

constexpr std::array<Method, 7> kMethods{{
        {"libcma_1t", run<libcma_1t>, libcma_1t},
        {"libcma_all", run<libcma_all>, libcma_all},
        {"raw", run<raw>, raw},
        {"shm", run<shm>, shm},
        {"procmem", run<procmem>, procmem},
        {"pipe", run<pipe>, pipe},
        {"memcpy", run<copy>, copy},
}};

// benchmark::RegisterBenchmark(), spelled out: the registry owns what it is
// given, which the static analyzer cannot see through the library's inline
// wrapper (it reports a leak there, in a header that cannot carry a NOLINT).
void add(const Method &method, std::size_t size)
{
    using benchmark::internal::FunctionBenchmark;
    // NOLINTNEXTLINE(cppcoreguidelines-owning-memory,clang-analyzer-cplusplus.NewDeleteLeaks): owned by the registry
    benchmark::internal::RegisterBenchmarkInternal(new FunctionBenchmark(method.name, method.bench))
            ->Arg(static_cast<std::int64_t>(size))
            ->UseRealTime();
}

// Transfers per timed sample: enough that a sample of a small size lasts
// tens of microseconds, far above the clock's resolution and overhead.
std::size_t batch_for(std::size_t size)
{
    constexpr std::size_t kSampleBytes = kMiB;
    constexpr std::size_t kMaxBatch = 64;
    return std::clamp<std::size_t>(kSampleBytes / size, 1, kMaxBatch);
}

double median(std::vector<double> &samples)
{
    if (samples.empty()) {
        return 0.0;
    }
    const auto mid = samples.begin() + static_cast<std::ptrdiff_t>(samples.size() / 2);
    std::nth_element(samples.begin(), mid, samples.end());
    return *mid;
}

// Every method in turn, each timed on its own; the counters are each
// method's median bandwidth in bytes/s.
void interleaved(benchmark::State &state)
{
    using Clock = std::chrono::steady_clock;
    const auto size = static_cast<std::size_t>(state.range(0));
    const std::size_t batch = batch_for(size);
    std::array<std::vector<double>, kMethods.size()> seconds; // per transfer
    std::size_t round = 0;
    bool ok = true;
    while (ok && state.KeepRunning()) {
        for (std::size_t k = 0; ok && k < kMethods.size(); ++k) {
            const std::size_t m = (round + k) % kMethods.size();
            const Clock::time_point begin = Clock::now();
            for (std::size_t i = 0; ok && i < batch; ++i) {
                ok = kMethods.at(m).transfer(state, size);
            }
            const std::chrono::duration<double> took = Clock::now() - begin;
            seconds.at(m).push_back(took.count() / static_cast<double>(batch));
        }
        ++round;
    }
    for (std::size_t m = 0; ok && m < kMethods.size(); ++m) {
        const double per_transfer = median(seconds.at(m));
        state.counters[kMethods.at(m).name] = per_transfer > 0 ? static_cast<double>(size) / per_transfer : 0.0;
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * batch * kMethods.size() * size));
}

void add_interleaved(std::size_t size)
{
    using benchmark::internal::FunctionBenchmark;
    // NOLINTNEXTLINE(cppcoreguidelines-owning-memory,clang-analyzer-cplusplus.NewDeleteLeaks): owned by the registry
    auto *bench = benchmark::internal::RegisterBenchmarkInternal(new FunctionBenchmark("interleaved", interleaved));
    bench->Arg(static_cast<std::int64_t>(size))->UseRealTime();
    if (g.min_time > 0) {
        bench->MinTime(g.min_time);
    }
}

std::vector<std::size_t> sizes(std::size_t from, std::size_t to, std::size_t factor = 4)
{
    std::vector<std::size_t> out;
    for (std::size_t size = from; size <= to; size *= factor) {
        out.push_back(size);
    }
    return out;
}

std::string size_name(std::size_t size)
{
    if (size >= kMiB && size % kMiB == 0) {
        return std::to_string(size / kMiB) + " MiB";
    }
    return std::to_string(size / kKiB) + " KiB";
}

// Keeps each run's bandwidth (bytes/s) by name, and prints as usual.
class Recorder : public benchmark::ConsoleReporter {
public:
    void ReportRuns(const std::vector<Run> &report) override
    {
        // With --benchmark_repetitions, the median of the repetitions.
        for (const Run &run : report) {
            if (run.error_occurred) {
                continue;
            }
            // Keyed METHOD/SIZE; interleaved/SIZE has a counter per method.
            const std::string &function = run.run_name.function_name;
            const bool mixed = function == "interleaved";
            for (const auto &[counter, value] : run.counters) {
                if ((counter == "bytes_per_second") != mixed) {
                    record(run, (mixed ? counter : function) + "/" + run.run_name.args, value.value);
                }
            }
        }
        ConsoleReporter::ReportRuns(report);
    }

    std::map<std::string, double> results;
    std::set<std::string> medians;

private:
    void record(const Run &run, const std::string &name, double value)
    {
        if (run.run_type == Run::RT_Aggregate) {
            if (run.aggregate_name == "median") {
                results[name] = value;
                medians.insert(name);
            }
        } else if (!medians.contains(name)) {
            results[name] = value;
        }
    }
};

std::string bench_name(const char *method, std::size_t size)
{
    return std::string{method} + "/" + std::to_string(size);
}

double bandwidth(const Recorder &recorder, const char *method, std::size_t size)
{
    const auto found = recorder.results.find(bench_name(method, size));
    return found != recorder.results.end() ? found->second : 0.0;
}

void print_table(const Recorder &recorder)
{
    std::printf("\nBandwidth in GB/s (10^9 bytes/s), %s; libcma = libcma_all (one thread per CPU, "
                "default threshold)\n",
                g.separate ? "each method run separately" : "median of interleaved samples");
    std::printf("%-8s", "size");
    for (const Method &method : kMethods) {
        std::printf(" %10s", method.name);
    }
    std::printf(" %10s %10s %10s %10s\n", "1t/raw", "cma/raw", "cma/shm", "cma/memcpy");
    bool overhead_met = true;
    bool large_met = true;
    bool any_large = false;
    double overhead_4k = 0;
    for (const std::size_t size : sizes(4 * kKiB, g.max_size)) {
        std::printf("%-8s", size_name(size).c_str());
        for (const Method &method : kMethods) {
            std::printf(" %10.2f", bandwidth(recorder, method.name, size) / 1e9);
        }
        const double single = bandwidth(recorder, "libcma_1t", size);
        const double all = bandwidth(recorder, "libcma_all", size);
        const double raw_bw = bandwidth(recorder, "raw", size);
        const double shm_bw = bandwidth(recorder, "shm", size);
        const double memcpy_bw = bandwidth(recorder, "memcpy", size);
        const auto ratio = [](double a, double b) { return b > 0 ? a / b : 0.0; };
        std::printf(" %10.3f %10.3f %10.3f %10.3f\n", ratio(single, raw_bw), ratio(all, raw_bw), ratio(all, shm_bw),
                    ratio(all, memcpy_bw));
        if (size == 4 * kKiB) {
            overhead_4k = 1.0 - ratio(single, raw_bw);
            overhead_met = ratio(single, raw_bw) >= 0.95 && ratio(all, raw_bw) >= 0.95;
        }
        if (size >= 64 * kMiB) {
            any_large = true;
            large_met = large_met && ratio(all, shm_bw) >= 1.5 && ratio(all, memcpy_bw) >= 0.9;
        }
    }
    std::printf("\nTargets:\n");
    std::printf("  4 KiB: libcma within 5%% of the raw system call: %s (1 thread: %+.1f%% overhead)\n",
                overhead_met ? "met" : "NOT met", overhead_4k * 100);
    if (any_large) {
        std::printf("  64 MiB and up: libcma >= 1.5x shm double copy and >= 0.9x memcpy: %s\n",
                    large_met ? "met" : "NOT met");
    }
}

void print_scan(const Recorder &recorder)
{
    std::printf("\nThreshold scan: one thread vs a forced split across %d threads (GB/s)\n",
                cma_context_threads(g.forced));
    std::printf("%-8s %10s %10s %8s\n", "size", "1 thread", "split", "ratio");
    for (const std::size_t size : sizes(64 * kKiB, 8 * kMiB, 2)) {
        const double single = bandwidth(recorder, "libcma_1t", size);
        const double split = bandwidth(recorder, "libcma_split", size);
        std::printf("%-8s %10.2f %10.2f %8.3f\n", size_name(size).c_str(), single / 1e9, split / 1e9,
                    single > 0 ? split / single : 0.0);
    }
}

// SIZE with an optional K, M or G suffix (powers of 1024).
std::size_t parse_size(std::string_view text)
{
    char *end = nullptr;
    const std::string copy{text};
    std::size_t value = std::strtoull(copy.c_str(), &end, 10);
    const std::string_view suffixes{"KMG"};
    const std::size_t power = *end == '\0' ? std::string_view::npos : suffixes.find(*end);
    for (std::size_t i = 0; power != std::string_view::npos && i <= power; ++i) {
        value *= kKiB;
    }
    return value;
}

} // namespace

int main(int argc, char **argv)
{
    std::vector<char *> args;
    for (int i = 0; i < argc; ++i) {
        const std::string_view arg{argv[i]};
        if (arg.starts_with("--max-size=")) {
            g.max_size = std::max(4 * kKiB, parse_size(arg.substr(11)));
        } else if (arg == "--separate") {
            g.separate = true;
        } else if (arg.starts_with("--benchmark_min_time=")) {
            g.min_time = 0;
            args.push_back(argv[i]);
        } else if (arg == "--threshold-scan") {
            g.threshold_scan = true;
        } else {
            args.push_back(argv[i]);
        }
    }
    int count = static_cast<int>(args.size());
    benchmark::Initialize(&count, args.data());
    if (benchmark::ReportUnrecognizedArguments(count, args.data())) {
        return 1;
    }
    if (g.threshold_scan) {
        g.max_size = std::max(g.max_size, 8 * kMiB);
    }
    start();

    cma_probe_result probe{};
    if (cma_probe(g.single, &probe) == 0) {
        std::printf("cma-bench: %ld CPUs, %d threads per libcma context, split threshold %zu bytes\n%s\n",
                    ::sysconf(_SC_NPROCESSORS_ONLN), cma_context_threads(g.pool),
                    static_cast<std::size_t>(CMA_CONTEXT_DEFAULT_THRESHOLD), probe.message);
    }
    if (g.threshold_scan) {
        for (const std::size_t size : sizes(64 * kKiB, 8 * kMiB, 2)) {
            add({"libcma_1t", run<libcma_1t>}, size);
            add({"libcma_split", run<libcma_split>}, size);
        }
    } else {
        for (const std::size_t size : sizes(4 * kKiB, g.max_size)) {
            if (!g.separate) {
                add_interleaved(size);
                continue;
            }
            for (const Method &method : kMethods) {
                add(method, size);
            }
        }
    }
    Recorder recorder;
    benchmark::RunSpecifiedBenchmarks(&recorder);
    if (g.threshold_scan) {
        print_scan(recorder);
    } else {
        print_table(recorder);
    }
    stop();
    benchmark::Shutdown();
    return 0;
}
