// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Internal: what the two halves of the C API share.
#ifndef AFBUS_DBUS_C_API_HPP
#define AFBUS_DBUS_C_API_HPP

#include <afbus/dbus/message.hpp>

struct afbus_dbus_message {
    afbus::dbus::Message message;
};

#endif // AFBUS_DBUS_C_API_HPP
