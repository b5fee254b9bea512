// SPDX-License-Identifier: LGPL-2.1-or-later
// Links the installed libafbus (and, through it, libafbus-dbus) from C++.
#include <afbus/afbus.hpp>

#include <cstdio>

int main()
{
    afbus::dbus::Writer body;
    body.put_string("hello");
    auto loop = afbus::EventLoop::create({.syscalls = &afbus::real_syscalls(), .use_io_uring = false,
                                          .ring_entries = 8});
    auto conn = afbus::Connection::open("unix:path=/nonexistent/afbus-consumer");
    if (!loop || conn || body.error() != afbus::dbus::Errc::ok) {
        return 1;
    }
    std::printf("libafbus from C++: %s\n", conn.error().message().c_str());
    return 0;
}
