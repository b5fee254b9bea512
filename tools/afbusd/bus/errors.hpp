// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The error names the bus replies with: dbus-daemon's, so clients that
// test for them behave the same on both.
#ifndef AFBUSD_BUS_ERRORS_HPP
#define AFBUSD_BUS_ERRORS_HPP

#include <string_view>

namespace afbusd::bus::errors {

inline constexpr std::string_view access_denied = "org.freedesktop.DBus.Error.AccessDenied";
inline constexpr std::string_view adt_audit_data_unknown = "org.freedesktop.DBus.Error.AdtAuditDataUnknown";
inline constexpr std::string_view failed = "org.freedesktop.DBus.Error.Failed";
inline constexpr std::string_view invalid_args = "org.freedesktop.DBus.Error.InvalidArgs";
inline constexpr std::string_view limits_exceeded = "org.freedesktop.DBus.Error.LimitsExceeded";
inline constexpr std::string_view match_rule_invalid = "org.freedesktop.DBus.Error.MatchRuleInvalid";
inline constexpr std::string_view match_rule_not_found = "org.freedesktop.DBus.Error.MatchRuleNotFound";
inline constexpr std::string_view name_has_no_owner = "org.freedesktop.DBus.Error.NameHasNoOwner";
inline constexpr std::string_view no_reply = "org.freedesktop.DBus.Error.NoReply";
inline constexpr std::string_view not_supported = "org.freedesktop.DBus.Error.NotSupported";
inline constexpr std::string_view property_read_only = "org.freedesktop.DBus.Error.PropertyReadOnly";
inline constexpr std::string_view selinux_context_unknown =
    "org.freedesktop.DBus.Error.SELinuxSecurityContextUnknown";
inline constexpr std::string_view service_unknown = "org.freedesktop.DBus.Error.ServiceUnknown";
inline constexpr std::string_view unknown_interface = "org.freedesktop.DBus.Error.UnknownInterface";
inline constexpr std::string_view unknown_method = "org.freedesktop.DBus.Error.UnknownMethod";
inline constexpr std::string_view unknown_property = "org.freedesktop.DBus.Error.UnknownProperty";

} // namespace afbusd::bus::errors

#endif // AFBUSD_BUS_ERRORS_HPP
