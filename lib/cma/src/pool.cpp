// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Contexts: a pool of threads for large copies.
//
// A split copy is a Job on the caller's stack: up to kMaxSlices slices,
// contiguous ranges of the flattened streams, each with the cursor positions
// where it starts. The job goes on the context's list; workers (and, without
// NUMA placement, the caller) claim slices one at a time and run the
// ordinary transfer loop on them; the caller waits until every slice has
// finished, then adds up the contiguous prefix that completed. Everything
// about jobs is under the context's one mutex, taken twice per slice; a
// slice is at least kMinSlice bytes, tens of microseconds of copying.
//
// Built on pthreads directly (no std::thread or std::condition_variable,
// whose implementations live in libstdc++.so, which libcma does not link).
#include "pool.hpp"

#include "lock.hpp"

#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <new>
#include <span>

namespace cma::detail {

struct Slice {
    IovCursor local; // where the slice starts
    IovCursor remote;
    std::size_t len = 0;
    int node = -1; // NUMA node of its first destination page, or -1
    Moved result{.bytes = 0, .error = 0};
};

struct Job {
    Job *next = nullptr;
    const Request *req = nullptr;
    std::array<Slice, kMaxSlices> slices;
    std::size_t count = 0;
    std::size_t claimed = 0;
    std::size_t finished = 0;
    std::size_t first_short = 0; // lowest index of a slice that moved less than its length, or count

    // The slices in use.
    [[nodiscard]] std::span<Slice> active() noexcept { return std::span{slices}.first(count); }
    [[nodiscard]] std::span<const Slice> active() const noexcept { return std::span{slices}.first(count); }
};

} // namespace cma::detail

struct cma_context {
    cma::detail::Syscalls sys;
    unsigned threads; // per transfer, the caller's included
    bool numa_allowed;
    pid_t owner; // the process whose threads these are
    std::atomic<std::size_t> threshold;

    pthread_mutex_t lock;
    pthread_cond_t work; // a job was added, or stopping
    pthread_cond_t done; // a job finished
    bool started;
    bool stopping;
    unsigned nworkers;
    pthread_t *workers;
    cma::detail::Job *jobs; // jobs with unclaimed slices, oldest first

    int nodes;           // more than 1 when slices are placed
    cpu_set_t *node_cpus; // [nodes]
};

namespace cma::detail {
namespace {

constexpr unsigned kMaxThreads = 1024;
constexpr std::size_t kNone = SIZE_MAX;

void unlink(cma_context &ctx, const Job &job) noexcept
{
    Job **link = &ctx.jobs;
    while (*link != nullptr && *link != &job) {
        link = &(*link)->next;
    }
    if (*link != nullptr) {
        *link = job.next;
    }
}

// Under the lock. Records that slice @i has finished.
void complete(cma_context &ctx, Job &job, std::size_t i) noexcept
{
    const Slice &slice = job.active()[i];
    if (slice.result.bytes < slice.len) {
        job.first_short = std::min(job.first_short, i);
    }
    if (++job.finished == job.count) {
        pthread_cond_broadcast(&ctx.done);
    }
}

// Under the lock. The next slice of @job to run, or kNone. A job leaves the
// list when its last slice is claimed. Slices after a short one are not run:
// they cannot be part of the prefix that is returned.
std::size_t claim(cma_context &ctx, Job &job) noexcept
{
    while (job.claimed < job.count) {
        const std::size_t i = job.claimed++;
        if (job.claimed == job.count) {
            unlink(ctx, job);
        }
        if (i < job.first_short) {
            return i;
        }
        job.active()[i].result = {.bytes = 0, .error = 0};
        complete(ctx, job, i);
    }
    return kNone;
}

void run(const Job &job, Slice &slice, std::size_t i) noexcept
{
    const Request &req = *job.req;
    IovCursor local = slice.local;
    IovCursor remote = slice.remote;
    // Only the last slice ends where the shorter list does.
    slice.result = move(*req.proc, req.dir, local, remote, slice.len, i + 1 < job.count, req.flags);
}

// Moves the calling worker to the CPUs of @node, unless it is there already.
void place(const cma_context &ctx, int node, int &current) noexcept
{
    if (ctx.nodes <= 1 || node < 0 || node >= ctx.nodes || node == current) {
        return;
    }
    const std::span<const cpu_set_t> sets{ctx.node_cpus, static_cast<std::size_t>(ctx.nodes)};
    const cpu_set_t &cpus = sets[static_cast<std::size_t>(node)];
    if (CPU_COUNT(&cpus) > 0 && ctx.sys.set_affinity(ctx.sys.context, &cpus) == 0) {
        current = node;
    }
}

void *worker_main(void *arg) noexcept
{
    cma_context &ctx = *static_cast<cma_context *>(arg);
    int node = -1; // not pinned
    Lock lock{ctx.lock};
    while (!ctx.stopping) {
        Job *job = ctx.jobs;
        if (job == nullptr) {
            lock.wait(ctx.work);
            continue;
        }
        const std::size_t i = claim(ctx, *job);
        if (i == kNone) {
            continue;
        }
        Slice &slice = job->active()[i];
        lock.unlock();
        place(ctx, slice.node, node);
        run(*job, slice, i);
        lock.relock();
        complete(ctx, *job, i);
    }
    return nullptr;
}

void setup_numa(cma_context &ctx) noexcept
{
    const int nodes = ctx.sys.numa_nodes(ctx.sys.context);
    if (nodes <= 1) {
        return; // one node, or libnuma says there is no NUMA support
    }
    auto *cpus = static_cast<cpu_set_t *>(std::calloc(static_cast<std::size_t>(nodes), sizeof(cpu_set_t)));
    if (cpus == nullptr) {
        return;
    }
    int node = 0;
    for (cpu_set_t &set : std::span{cpus, static_cast<std::size_t>(nodes)}) {
        if (ctx.sys.node_cpus(ctx.sys.context, node++, &set) < 0) {
            CPU_ZERO(&set); // no placement on that node
        }
    }
    ctx.node_cpus = cpus;
    ctx.nodes = nodes;
}

// Under the lock. Starts the workers the first time; returns how many there
// are. With NUMA placement the caller does not take slices (it never changes
// its own affinity), so there is one more worker.
unsigned start(cma_context &ctx) noexcept
{
    if (ctx.started) {
        return ctx.nworkers;
    }
    ctx.started = true;
    if (ctx.numa_allowed) {
        setup_numa(ctx);
    }
    const auto slices = static_cast<unsigned>(std::min<std::size_t>(ctx.threads, kMaxSlices));
    const unsigned wanted = ctx.nodes > 1 ? slices : slices - 1;
    ctx.workers = static_cast<pthread_t *>(std::calloc(wanted, sizeof(pthread_t)));
    if (ctx.workers == nullptr) {
        return 0;
    }
    // The workers inherit this mask: the process's signals go to its own
    // threads, never to ours.
    sigset_t all;
    sigset_t old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    for (pthread_t &worker : std::span{ctx.workers, wanted}) {
        if (pthread_create(&worker, nullptr, worker_main, &ctx) != 0) {
            break;
        }
        ++ctx.nworkers;
    }
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    return ctx.nworkers;
}

// The NUMA node of each slice's first destination page: the caller's memory
// for a read, the peer's for a write. Pages not faulted in yet have none.
void locate(const cma_context &ctx, Job &job) noexcept
{
    const Request &req = *job.req;
    const bool read = req.dir == Direction::read;
    const pid_t pid = read ? 0 : req.proc->pid;
    if (pid < 0 || (!read && pid == 0)) {
        return;
    }
    std::array<const void *, kMaxSlices> addresses{};
    std::array<int, kMaxSlices> nodes{};
    std::ranges::transform(job.active(), addresses.begin(), [read](const Slice &slice) {
        const IovCursor &dest = read ? slice.local : slice.remote;
        // NOLINTNEXTLINE(performance-no-int-to-ptr): the peer's address, kept as an integer
        return reinterpret_cast<const void *>(dest.address());
    });
    if (ctx.sys.page_nodes(ctx.sys.context, pid, job.count, addresses.data(), nodes.data()) < 0) {
        return;
    }
    const std::span<const int> found{nodes};
    std::size_t i = 0;
    for (Slice &slice : job.active()) {
        slice.node = std::max(found[i++], -1); // a negative errno: the page is not present
    }
}

// Cuts the request into slices of equal length (a multiple of kSliceAlign,
// the last one shorter), one per thread.
void plan(const cma_context &ctx, const Request &req, Job &job) noexcept
{
    const std::size_t count =
            std::max<std::size_t>(1, std::min({std::size_t{ctx.threads}, kMaxSlices, req.want / kMinSlice}));
    const std::size_t per_slice = (req.want + count - 1) / count;
    const std::size_t len = (per_slice + kSliceAlign - 1) / kSliceAlign * kSliceAlign;
    IovCursor local{req.local};
    IovCursor remote{req.remote};
    job.req = &req;
    job.count = (req.want + len - 1) / len;
    std::size_t begin = 0;
    for (Slice &slice : job.active()) {
        local.skip_consumed();
        remote.skip_consumed();
        slice = Slice{
                .local = local,
                .remote = remote,
                .len = std::min(len, req.want - begin),
                .node = -1,
                .result = {.bytes = 0, .error = 0},
        };
        local.advance(slice.len);
        remote.advance(slice.len);
        begin += slice.len;
    }
    job.first_short = job.count;
    if (ctx.nodes > 1) {
        locate(ctx, job);
    }
}

Moved prefix(const Job &job) noexcept
{
    Moved total{.bytes = 0, .error = 0};
    for (const Slice &slice : job.active()) {
        total.bytes += slice.result.bytes;
        if (slice.result.bytes < slice.len) {
            total.error = slice.result.error != 0 ? slice.result.error : -EIO;
            break;
        }
    }
    return total;
}

} // namespace

int create_context(unsigned threads, unsigned flags, const Syscalls &sys, cma_context **out) noexcept
{
    if (out == nullptr) {
        return -EINVAL;
    }
    *out = nullptr;
    if ((flags & ~CMA_CONTEXT_NO_NUMA) != 0 || threads > kMaxThreads) {
        return -EINVAL;
    }
    if (threads == 0) {
        const int cpus = sys.cpu_count(sys.context);
        threads = cpus > 0 ? static_cast<unsigned>(std::min(cpus, static_cast<int>(kMaxThreads))) : 1;
    }
    void *mem = std::malloc(sizeof(cma_context));
    if (mem == nullptr) {
        return -ENOMEM;
    }
    *out = ::new (mem) cma_context{
            .sys = sys,
            .threads = threads,
            .numa_allowed = (flags & CMA_CONTEXT_NO_NUMA) == 0,
            .owner = ::getpid(),
            .threshold = {CMA_CONTEXT_DEFAULT_THRESHOLD},
            .lock = PTHREAD_MUTEX_INITIALIZER,
            .work = PTHREAD_COND_INITIALIZER,
            .done = PTHREAD_COND_INITIALIZER,
            .started = false,
            .stopping = false,
            .nworkers = 0,
            .workers = nullptr,
            .jobs = nullptr,
            .nodes = 0,
            .node_cpus = nullptr,
    };
    return 0;
}

bool splits(const cma_context &ctx, std::size_t want) noexcept
{
    return ctx.threads > 1 && want >= ctx.threshold.load(std::memory_order_relaxed) && want >= 2 * kMinSlice;
}

Moved parallel_copy(cma_context &ctx, const Request &req) noexcept
{
    // A fork child has the context's memory but not its threads.
    if (::getpid() != ctx.owner) {
        return move_all(req);
    }
    unsigned workers = 0;
    {
        const Lock lock{ctx.lock};
        workers = start(ctx);
    }
    if (workers == 0) {
        return move_all(req);
    }
    // ctx.nodes was set by start(), before the lock was released.
    Job job{};
    plan(ctx, req, job);
    Lock lock{ctx.lock};
    Job **tail = &ctx.jobs;
    while (*tail != nullptr) {
        tail = &(*tail)->next;
    }
    *tail = &job;
    pthread_cond_broadcast(&ctx.work);
    if (ctx.nodes <= 1) {
        for (std::size_t i = claim(ctx, job); i != kNone; i = claim(ctx, job)) {
            lock.unlock();
            run(job, job.active()[i], i);
            lock.relock();
            complete(ctx, job, i);
        }
    }
    while (job.finished < job.count) {
        lock.wait(ctx.done);
    }
    return prefix(job);
}

} // namespace cma::detail

extern "C" int cma_context_create(unsigned threads, unsigned flags, cma_context **out) noexcept
{
    return cma::detail::create_context(threads, flags, cma::detail::real_syscalls(), out);
}

extern "C" int cma_context_set_threshold(cma_context *ctx, size_t bytes) noexcept
{
    if (ctx == nullptr) {
        return -EINVAL;
    }
    ctx->threshold.store(bytes == 0 ? CMA_CONTEXT_DEFAULT_THRESHOLD : bytes, std::memory_order_relaxed);
    return 0;
}

extern "C" int cma_context_threads(const cma_context *ctx) noexcept
{
    return ctx != nullptr ? static_cast<int>(ctx->threads) : -EINVAL;
}

extern "C" void cma_context_destroy(cma_context *ctx) noexcept
{
    if (ctx == nullptr) {
        return;
    }
    // In a fork child the workers do not exist, and the mutex may have been
    // copied locked: free the memory only.
    if (::getpid() == ctx->owner) {
        pthread_mutex_lock(&ctx->lock);
        ctx->stopping = true;
        pthread_cond_broadcast(&ctx->work);
        pthread_mutex_unlock(&ctx->lock);
        for (const pthread_t worker : std::span{ctx->workers, ctx->nworkers}) {
            pthread_join(worker, nullptr);
        }
        pthread_cond_destroy(&ctx->done);
        pthread_cond_destroy(&ctx->work);
        pthread_mutex_destroy(&ctx->lock);
    }
    std::free(ctx->node_cpus);
    std::free(ctx->workers);
    ctx->~cma_context();
    std::free(ctx);
}
