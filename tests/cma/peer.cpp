// SPDX-License-Identifier: LGPL-2.1-or-later
#include "peer.hpp"

namespace cma::test {
namespace {

constexpr std::uint64_t kPrepared = 1;
constexpr std::uint64_t kCheck = 2;
constexpr int kNoGoAhead = 3;

} // namespace

Peer::Peer(const Prepare &prepare, const Check &check)
        : child_{Child::spawn([&](const Link &parent) {
              if (prepare) {
                  prepare();
              }
              if (!parent.send(kPrepared) || parent.receive() != kCheck) {
                  return kNoGoAhead;
              }
              return check ? check() : 0;
          })}
{
    if (child_.pid() > 0 && child_.link().receive() == kPrepared &&
        cma_process_open(child_.pid(), 0, &proc_) < 0) {
        proc_ = nullptr;
    }
}

Peer::~Peer()
{
    cma_process_close(proc_);
}

int Peer::finish() noexcept
{
    if (!child_.link().send(kCheck)) {
        return -1;
    }
    return child_.wait();
}

cma_process *open_then_reap(Child &child)
{
    cma_process *proc = nullptr;
    if (child.pid() <= 0 || cma_process_open(child.pid(), 0, &proc) < 0) {
        return nullptr;
    }
    if (!child.link().send(0) || child.wait() != 0) {
        cma_process_close(proc);
        return nullptr;
    }
    return proc;
}

} // namespace cma::test
