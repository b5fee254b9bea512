// SPDX-License-Identifier: LGPL-2.1-or-later
//
// A peer process for one transfer test, with a libcma handle open on it.
//
// The child runs @prepare (fill its copy of a buffer, mprotect a page...),
// tells the parent, and waits; the parent transfers through proc(), then
// finish() lets the child run @check (verify what the parent wrote) and
// returns the child's exit status: 0 when @check returned 0.
#ifndef CMA_TESTS_PEER_HPP
#define CMA_TESTS_PEER_HPP

#include <cma/cma.h>

#include "child_process.hpp"

#include <functional>

namespace cma::test {

class Peer {
public:
    using Prepare = std::function<void()>;
    using Check = std::function<int()>;

    explicit Peer(const Prepare &prepare, const Check &check = {});
    Peer(const Peer &) = delete;
    Peer &operator=(const Peer &) = delete;
    Peer(Peer &&) = delete;
    Peer &operator=(Peer &&) = delete;
    ~Peer();

    // The child was forked and prepared, and the handle opened.
    [[nodiscard]] bool started() const noexcept { return proc_ != nullptr; }
    [[nodiscard]] pid_t pid() const noexcept { return child_.pid(); }
    [[nodiscard]] cma_process *proc() const noexcept { return proc_; }

    // Runs @check in the child and reaps it.
    int finish() noexcept;

private:
    Child child_;
    cma_process *proc_ = nullptr;
};

// A handle on @child (from spawn_waiting_child()), opened before the child
// was told to exit and reaped: a handle on a process that no longer exists.
// NULL if that could not be arranged.
cma_process *open_then_reap(Child &child);

} // namespace cma::test

#endif // CMA_TESTS_PEER_HPP
