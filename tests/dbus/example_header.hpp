// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The method call header the message tests build around their bodies.
#ifndef AFBUS_TESTS_DBUS_EXAMPLE_HEADER_HPP
#define AFBUS_TESTS_DBUS_EXAMPLE_HEADER_HPP

#include <afbus/dbus/message.hpp>

namespace afbus::dbus::testing {

inline Header call()
{
    Header h;
    h.type = MessageType::method_call;
    h.serial = 7;
    h.path = "/org/example/Obj";
    h.interface = "org.example.Iface";
    h.member = "Method";
    h.destination = "org.example.Service";
    return h;
}

} // namespace afbus::dbus::testing

#endif // AFBUS_TESTS_DBUS_EXAMPLE_HEADER_HPP
