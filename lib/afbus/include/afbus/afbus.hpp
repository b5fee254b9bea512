// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The C++ API of libafbus, all of it (lib/dbus's afbus::dbus comes along):
//   syscalls.hpp    Syscalls: the seam every system call goes through
//   result.hpp      Result<T>: std::expected with an errno std::error_code
//   fd.hpp          Fd: an owned descriptor
//   socket.hpp      BusSocket, PeerHandle, BusMaster: AF_BUS sockets
//   nfdbus.hpp      Nfdbus: the "nfdbus" generic netlink family
//   connection.hpp  Connection: D-Bus over AF_UNIX or AF_BUS
//   event_loop.hpp  EventLoop: io_uring (or poll()) for many connections
// The C API is <afbus/afbus.h>.
#ifndef AFBUS_AFBUS_HPP
#define AFBUS_AFBUS_HPP

#include <afbus/connection.hpp>
#include <afbus/event_loop.hpp>
#include <afbus/fd.hpp>
#include <afbus/nfdbus.hpp>
#include <afbus/result.hpp>
#include <afbus/socket.hpp>
#include <afbus/syscalls.hpp>
#include <afbus/dbus/dbus.hpp>

#endif // AFBUS_AFBUS_HPP
