// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The C++ API of libafbus-dbus, all of it. Everything is in afbus::dbus;
// nothing throws; failures are Errc values (convertible to std::error_code
// through make_error_code()).
//   types.hpp    byte orders, message types, limits, Errc
//   names.hpp    name, signature and UTF-8 validation
//   writer.hpp   Writer: marshalling a body
//   reader.hpp   Reader: zero-copy reading of a validated body
//   message.hpp  Header, Message, parse_message(), build_message()
//   match.hpp    MatchRule: AddMatch rules, parsing and matching
//   sasl.hpp     SaslClient, SaslServer: EXTERNAL, pure state machines
//   address.hpp  parse_address(), session/system bus defaults
#ifndef AFBUS_DBUS_DBUS_HPP
#define AFBUS_DBUS_DBUS_HPP

#include <afbus/dbus/address.hpp>
#include <afbus/dbus/match.hpp>
#include <afbus/dbus/message.hpp>
#include <afbus/dbus/names.hpp>
#include <afbus/dbus/reader.hpp>
#include <afbus/dbus/sasl.hpp>
#include <afbus/dbus/types.hpp>
#include <afbus/dbus/writer.hpp>

#endif // AFBUS_DBUS_DBUS_HPP
