// SPDX-License-Identifier: LGPL-2.1-or-later
//
// An installed libcma from C++23 (<cma/cma.hpp>): a reduction from this
// process into itself, through a context. Exit status 0 on success.
#include <cma/cma.hpp>

#include <unistd.h>

#include <array>
#include <cstdio>

int main()
{
    auto self = cma::Process::open(::getpid());
    auto pool = cma::Context::create();
    if (!self || !pool || self->set_context(*pool)) {
        return 1;
    }
    const std::array<double, 4> remote{1.5, -2.0, 0.25, 8.0};
    std::array<double, 4> local{1.0, 1.0, 1.0, 1.0};
    const cma::Result moved = self->reduce_read(std::span{local}, remote.data(), cma::Op::sum);
    if (!moved || *moved != sizeof(local) || local != std::array<double, 4>{2.5, -1.0, 1.25, 9.0}) {
        return 1;
    }
    std::printf("installed libcma from C++: reduce ok with %u threads\n", pool->threads());
    return 0;
}
