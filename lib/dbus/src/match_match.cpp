// SPDX-License-Identifier: LGPL-2.1-or-later
//
// MatchRule::matches() and extract_match_args(): dbus-daemon's semantics.
#include <afbus/dbus/match.hpp>

#include <algorithm>

namespace afbus::dbus {

namespace {

// path_namespace='/a/b' matches /a/b and /a/b/..., and '/' matches all.
bool in_path_namespace(std::string_view path, std::string_view ns) noexcept
{
    if (ns == "/") {
        return true;
    }
    return path.starts_with(ns) && (path.size() == ns.size() || path[ns.size()] == '/');
}

// argNpath: equal, or one of them ends in '/' and is a prefix of the other.
bool path_arg_matches(std::string_view arg, std::string_view rule) noexcept
{
    if (arg == rule) {
        return true;
    }
    if (rule.ends_with('/') && arg.starts_with(rule)) {
        return true;
    }
    return arg.ends_with('/') && rule.starts_with(arg);
}

// arg0namespace='com.example' matches com.example and com.example.*.
bool in_name_namespace(std::string_view name, std::string_view ns) noexcept
{
    return name.starts_with(ns) && (name.size() == ns.size() || name[ns.size()] == '.');
}

bool sender_matches(std::string_view rule, const Message &msg, const MatchContext &ctx) noexcept
{
    if (ctx.sender_names.empty()) {
        return msg.header.sender == rule;
    }
    return std::find(ctx.sender_names.begin(), ctx.sender_names.end(), rule) != ctx.sender_names.end();
}

bool destination_matches(std::string_view rule, const Message &msg, const MatchContext &ctx) noexcept
{
    if (msg.header.destination.empty()) {
        return false;
    }
    if (ctx.destination_names.empty()) {
        return msg.header.destination == rule;
    }
    return std::find(ctx.destination_names.begin(), ctx.destination_names.end(), rule) !=
           ctx.destination_names.end();
}

} // namespace

bool MatchRule::matches(const Message &msg, const MatchArgs &margs, const MatchContext &ctx) const noexcept
{
    const Header &h = msg.header;
    // dbus-daemon: a message addressed to someone else reaches a peer only
    // through a rule that asks to eavesdrop.
    if (ctx.eavesdropping && !eavesdrop) {
        return false;
    }
    if (type != MessageType::invalid && type != h.type) {
        return false;
    }
    if (!interface.empty() && interface != h.interface) {
        return false;
    }
    if (!member.empty() && member != h.member) {
        return false;
    }
    if (!path.empty() && path != h.path) {
        return false;
    }
    if (!path_namespace.empty() && (h.path.empty() || !in_path_namespace(h.path, path_namespace))) {
        return false;
    }
    if (!destination.empty() && !destination_matches(destination, msg, ctx)) {
        return false;
    }
    if (!sender.empty() && !sender_matches(sender, msg, ctx)) {
        return false;
    }
    if (!arg0namespace.empty() &&
        (margs.count == 0 || margs.type[0] != 's' || !in_name_namespace(margs.text[0], arg0namespace))) {
        return false;
    }
    return std::all_of(args.begin(), args.end(), [&margs](const MatchArg &a) {
        if (a.index >= margs.count) {
            return false;
        }
        const char t = margs.type.at(a.index);
        const std::string_view text = margs.text.at(a.index);
        if (a.is_path) {
            return (t == 's' || t == 'o') && path_arg_matches(text, a.value);
        }
        return t == 's' && text == a.value;
    });
}

MatchArgs extract_match_args(const Message &msg) noexcept
{
    MatchArgs out;
    Reader r = msg.reader();
    while (out.count < max_match_args) {
        const char t = r.peek_type();
        if (t == '\0') {
            break;
        }
        out.type.at(out.count) = t;
        if (t == 's' || t == 'o' || t == 'g') {
            auto text = t == 's' ? r.get_string() : t == 'o' ? r.get_object_path() : r.get_signature();
            out.text.at(out.count) = text.value_or(std::string_view{});
        } else if (r.skip() != Errc::ok) {
            break;
        }
        ++out.count;
    }
    return out;
}

} // namespace afbus::dbus
