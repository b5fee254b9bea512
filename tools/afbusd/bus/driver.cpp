// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The org.freedesktop.DBus methods, with dbus-daemon's replies and error
// names (the texts are close to its texts; clients test the names).
#include "driver.hpp"

#include "../log.hpp"
#include "bus.hpp"
#include "errors.hpp"

#include <afbus/dbus/match.hpp>
#include <afbus/dbus/names.hpp>
#include <afbus/dbus/writer.hpp>

#include <unistd.h>

#include <algorithm>
#include <array>

namespace afbusd::bus {

namespace dbus = afbus::dbus;

namespace {

constexpr std::string_view monitoring_interface = "org.freedesktop.DBus.Monitoring";
constexpr std::string_view introspectable_interface = "org.freedesktop.DBus.Introspectable";
constexpr std::string_view peer_interface = "org.freedesktop.DBus.Peer";
constexpr std::string_view properties_interface = "org.freedesktop.DBus.Properties";
// dbus-daemon's name for its counters; afbusd's keys are its own.
constexpr std::string_view stats_interface = "org.freedesktop.DBus.Debug.Stats";

// dbus-daemon's max_match_rules_per_connection (session bus).
constexpr std::size_t max_match_rules = 512;

// ALREADY_RUNNING, StartServiceByName's answer for a name with an owner.
constexpr std::uint32_t start_reply_already_running = 2;

// Properties of org.freedesktop.DBus. HeaderFiltering: the bus rebuilds
// every header it forwards, so header fields it does not know never reach
// a recipient.
constexpr std::array<std::string_view, 1> features{"HeaderFiltering"};
constexpr std::array<std::string_view, 1> extra_interfaces{monitoring_interface};

void put_string_array(dbus::Writer &w, std::span<const std::string_view> values)
{
    w.open_array("s");
    for (const std::string_view v : values) {
        w.put_string(v);
    }
    w.close_array();
}

void put_property(dbus::Writer &w, std::string_view name)
{
    w.open_variant("as");
    put_string_array(w, name == "Features" ? std::span{features} : std::span{extra_interfaces});
    w.close_variant();
}

bool is_property(std::string_view name) noexcept
{
    return name == "Features" || name == "Interfaces";
}

bool privileged(const Bus &bus, const Peer &p) noexcept
{
    const uid_t uid = p.link->credentials().uid;
    return uid == 0 || uid == bus.config().uid;
}

} // namespace

std::span<const Driver::Method> Driver::methods()
{
    using D = Driver;
    static constexpr std::string_view bus = driver_name;
    static constexpr std::array<Method, 27> table{{
        {bus, "Hello", "", "s", &D::hello, false},
        {bus, "RequestName", "su", "u", &D::request_name, false},
        {bus, "ReleaseName", "s", "u", &D::release_name, false},
        {bus, "StartServiceByName", "su", "u", &D::start_service_by_name, false},
        {bus, "UpdateActivationEnvironment", "a{ss}", "", &D::update_activation_environment, true},
        {bus, "NameHasOwner", "s", "b", &D::name_has_owner, false},
        {bus, "ListNames", "", "as", &D::list_names, false},
        {bus, "ListActivatableNames", "", "as", &D::list_activatable_names, false},
        {bus, "AddMatch", "s", "", &D::add_match, false},
        {bus, "RemoveMatch", "s", "", &D::remove_match, false},
        {bus, "GetNameOwner", "s", "s", &D::get_name_owner, false},
        {bus, "ListQueuedOwners", "s", "as", &D::list_queued_owners, false},
        {bus, "GetConnectionUnixUser", "s", "u", &D::get_unix_user, false},
        {bus, "GetConnectionUnixProcessID", "s", "u", &D::get_unix_process_id, false},
        {bus, "GetAdtAuditSessionData", "s", "ay", &D::get_adt_audit_session_data, false},
        {bus, "GetConnectionSELinuxSecurityContext", "s", "ay", &D::get_selinux_context, false},
        {bus, "GetConnectionCredentials", "s", "a{sv}", &D::get_credentials, false},
        {bus, "ReloadConfig", "", "", &D::reload_config, false},
        {bus, "GetId", "", "s", &D::get_id, false},
        {monitoring_interface, "BecomeMonitor", "asu", "", &D::become_monitor, true},
        {introspectable_interface, "Introspect", "", "s", &D::introspect, false},
        {peer_interface, "Ping", "", "", &D::ping, false},
        {peer_interface, "GetMachineId", "", "s", &D::get_machine_id, false},
        {properties_interface, "Get", "ss", "v", &D::get_property, false},
        {properties_interface, "GetAll", "s", "a{sv}", &D::get_all_properties, false},
        {properties_interface, "Set", "ssv", "", &D::set_property, false},
        {stats_interface, "GetStats", "", "a{sv}", &D::get_stats, false},
    }};
    return table;
}

void Driver::handle(Peer &caller, const dbus::Message &call)
{
    const dbus::Header &h = call.header;
    bool known_interface = h.interface.empty();
    const Method *found = nullptr;
    for (const Method &m : methods()) {
        if (m.interface == h.interface) {
            known_interface = true;
        }
        if (m.member == h.member && (h.interface.empty() || h.interface == m.interface)) {
            found = &m;
            break;
        }
    }
    if (found == nullptr) {
        bus_->reply_error(caller, call, known_interface ? errors::unknown_method : errors::unknown_interface,
                          std::string{driver_name} + " does not understand message " + std::string{h.member});
        return;
    }
    if (h.signature != found->in) {
        bus_->reply_error(caller, call, errors::invalid_args,
                          "Call to " + std::string{h.member} + " has wrong args (" + std::string{h.signature} +
                             ", expected " + std::string{found->in} + ")");
        return;
    }
    if (found->privileged && (h.path != driver_path || !privileged(*bus_, caller))) {
        bus_->reply_error(caller, call, errors::access_denied,
                          "Connection \"" + caller.unique_name + "\" is not allowed to call " +
                             std::string{h.member} + " (it is privileged, on " + std::string{driver_path} + ")");
        return;
    }
    dbus::Reader args = call.reader();
    (this->*(found->handler))(caller, call, args);
}

void Driver::hello(Peer &caller, const dbus::Message &call, dbus::Reader & /*args*/)
{
    bus_->reply_error(caller, call, errors::failed, "Already handled an Hello message");
}

bool Driver::check_bus_name(Peer &caller, const dbus::Message &call, std::string_view name)
{
    if (dbus::validate_bus_name(name) == dbus::Errc::ok) {
        return true;
    }
    bus_->reply_error(caller, call, errors::invalid_args, "Given bus name \"" + std::string{name} + "\" is not valid");
    return false;
}

bool Driver::check_well_known(Peer &caller, const dbus::Message &call, std::string_view name,
                              std::string_view verb)
{
    if (!check_bus_name(caller, call, name)) {
        return false;
    }
    if (name.starts_with(':')) {
        bus_->reply_error(caller, call, errors::invalid_args,
                          "Cannot " + std::string{verb} + " a service starting with ':' such as \"" +
                             std::string{name} + "\"");
        return false;
    }
    if (name == driver_name) {
        bus_->reply_error(caller, call, errors::invalid_args,
                          "Connection \"" + caller.unique_name + "\" is not allowed to " + std::string{verb} +
                             " the service \"" + std::string{name} +
                             "\" because it is reserved for D-Bus' use only");
        return false;
    }
    return true;
}

void Driver::request_name(Peer &caller, const dbus::Message &call, dbus::Reader &args)
{
    const std::string_view name = args.get_string().value_or("");
    const std::uint32_t flags = args.get_uint32().value_or(0);
    if (!check_well_known(caller, call, name, "acquire")) {
        return;
    }
    if (!bus_->config().policy.may_own(caller.link->credentials().uid, name)) {
        bus_->reply_error(caller, call, errors::access_denied,
                         "Connection \"" + caller.unique_name + "\" is not allowed to own the service \"" +
                             std::string{name} + "\" due to security policies in the configuration file");
        return;
    }
    bus_->request_name(caller, name, flags, call);
}

void Driver::release_name(Peer &caller, const dbus::Message &call, dbus::Reader &args)
{
    const std::string_view name = args.get_string().value_or("");
    if (check_well_known(caller, call, name, "release")) {
        bus_->release_name(caller, name, call);
    }
}

// No activation: a name with an owner is "already running", any other is
// unknown, as dbus-daemon answers without a .service file for it.
void Driver::start_service_by_name(Peer &caller, const dbus::Message &call, dbus::Reader &args)
{
    const std::string_view name = args.get_string().value_or("");
    if (bus_->resolve(name) != nullptr || name == driver_name) {
        dbus::Writer w;
        w.put_uint32(start_reply_already_running);
        bus_->reply(caller, call, w);
        return;
    }
    bus_->reply_error(caller, call, errors::service_unknown,
                      "The name " + std::string{name} + " was not provided by any .service files");
}

// Kept for the activated services the bus would start; it starts none.
void Driver::update_activation_environment(Peer &caller, const dbus::Message &call, dbus::Reader &args)
{
    auto array = args.enter_array();
    while (array && !array->at_end()) {
        auto entry = array->enter_dict_entry();
        if (!entry) {
            break;
        }
        const std::string_view key = entry->get_string().value_or("");
        const std::string_view value = entry->get_string().value_or("");
        array->leave(*entry);
        activation_environment_.insert_or_assign(std::string{key}, std::string{value});
    }
    bus_->reply(caller, call, dbus::Writer{});
}

void Driver::name_has_owner(Peer &caller, const dbus::Message &call, dbus::Reader &args)
{
    const std::string_view name = args.get_string().value_or("");
    if (!check_bus_name(caller, call, name)) {
        return;
    }
    dbus::Writer w;
    w.put_bool(name == driver_name || bus_->resolve(name) != nullptr);
    bus_->reply(caller, call, w);
}

// org.freedesktop.DBus first, then unique names, then well-known names.
void Driver::list_names(Peer &caller, const dbus::Message &call, dbus::Reader & /*args*/)
{
    dbus::Writer w;
    w.open_array("s");
    w.put_string(driver_name);
    for (const std::string &n : bus_->unique_names()) {
        w.put_string(n);
    }
    for (const std::string &n : bus_->registry().names()) {
        w.put_string(n);
    }
    w.close_array();
    bus_->reply(caller, call, w);
}

void Driver::list_activatable_names(Peer &caller, const dbus::Message &call, dbus::Reader & /*args*/)
{
    dbus::Writer w;
    const std::array<std::string_view, 1> names{driver_name};
    put_string_array(w, names);
    bus_->reply(caller, call, w);
}

void Driver::add_match(Peer &caller, const dbus::Message &call, dbus::Reader &args)
{
    const std::string_view text = args.get_string().value_or("");
    auto rule = dbus::parse_match_rule(text);
    if (!rule) {
        bus_->reply_error(caller, call, errors::match_rule_invalid,
                          "The match rule \"" + std::string{text} + "\" is not valid");
        return;
    }
    if (caller.matches.size() >= max_match_rules) {
        bus_->reply_error(caller, call, errors::limits_exceeded,
                          "Connection \"" + caller.unique_name +
                             "\" is not allowed to add more match rules (max_match_rules_per_connection=" +
                             std::to_string(max_match_rules) + ")");
        return;
    }
    bus_->add_match(caller, std::move(*rule));
    bus_->reply(caller, call, dbus::Writer{});
}

void Driver::remove_match(Peer &caller, const dbus::Message &call, dbus::Reader &args)
{
    const std::string_view text = args.get_string().value_or("");
    const auto rule = dbus::parse_match_rule(text);
    if (!rule) {
        bus_->reply_error(caller, call, errors::match_rule_invalid,
                          "The match rule \"" + std::string{text} + "\" is not valid");
        return;
    }
    if (!bus_->remove_match(caller, *rule)) {
        bus_->reply_error(caller, call, errors::match_rule_not_found,
                         "The given match rule wasn't found and can't be removed");
        return;
    }
    bus_->reply(caller, call, dbus::Writer{});
}

void Driver::get_name_owner(Peer &caller, const dbus::Message &call, dbus::Reader &args)
{
    const std::string_view name = args.get_string().value_or("");
    if (!check_bus_name(caller, call, name)) {
        return;
    }
    const Peer *owner = bus_->resolve(name);
    if (owner == nullptr && name != driver_name) {
        bus_->reply_error(caller, call, errors::name_has_no_owner,
                          "Could not get owner of name '" + std::string{name} + "': no such name");
        return;
    }
    dbus::Writer w;
    w.put_string(owner != nullptr ? std::string_view{owner->unique_name} : driver_name);
    bus_->reply(caller, call, w);
}

void Driver::list_queued_owners(Peer &caller, const dbus::Message &call, dbus::Reader &args)
{
    const std::string_view name = args.get_string().value_or("");
    if (!check_bus_name(caller, call, name)) {
        return;
    }
    dbus::Writer w;
    w.open_array("s");
    if (name == driver_name) {
        w.put_string(driver_name);
    } else if (name.starts_with(':')) {
        if (const Peer *p = bus_->resolve(name); p != nullptr) {
            w.put_string(p->unique_name);
        }
    } else {
        for (const PeerId id : bus_->registry().queue(name)) {
            if (const Peer *p = bus_->find(id); p != nullptr) {
                w.put_string(p->unique_name);
            }
        }
    }
    w.close_array();
    if (w.data().size() <= 4) { // an empty array: only its length
        bus_->reply_error(caller, call, errors::name_has_no_owner,
                          "Could not get owners of name '" + std::string{name} + "': no such name");
        return;
    }
    bus_->reply(caller, call, w);
}

Peer *Driver::connection_arg(Peer &caller, const dbus::Message &call, std::string_view name, std::string_view what,
                             bool &is_driver)
{
    is_driver = name == driver_name;
    Peer *p = is_driver ? nullptr : bus_->resolve(name);
    if (p == nullptr && !is_driver) {
        bus_->reply_error(caller, call, errors::name_has_no_owner,
                          "Could not get " + std::string{what} + " of name '" + std::string{name} + "': no such name");
    }
    return p;
}

void Driver::get_unix_user(Peer &caller, const dbus::Message &call, dbus::Reader &args)
{
    bool is_driver = false;
    const Peer *p = connection_arg(caller, call, args.get_string().value_or(""), "UID", is_driver);
    if (p != nullptr || is_driver) {
        dbus::Writer w;
        w.put_uint32(is_driver ? bus_->config().uid : p->link->credentials().uid);
        bus_->reply(caller, call, w);
    }
}

void Driver::get_unix_process_id(Peer &caller, const dbus::Message &call, dbus::Reader &args)
{
    bool is_driver = false;
    const Peer *p = connection_arg(caller, call, args.get_string().value_or(""), "PID", is_driver);
    if (p != nullptr || is_driver) {
        dbus::Writer w;
        w.put_uint32(static_cast<std::uint32_t>(is_driver ? ::getpid() : p->link->credentials().pid));
        bus_->reply(caller, call, w);
    }
}

void Driver::get_credentials(Peer &caller, const dbus::Message &call, dbus::Reader &args)
{
    bool is_driver = false;
    const Peer *p = connection_arg(caller, call, args.get_string().value_or(""), "credentials", is_driver);
    if (p == nullptr && !is_driver) {
        return;
    }
    Credentials own;
    own.uid = bus_->config().uid;
    own.pid = ::getpid(); // not cached: afbusd forks once listening
    const Credentials &c = is_driver ? own : p->link->credentials();
    dbus::Writer w;
    w.open_array("{sv}");
    w.open_dict_entry();
    w.put_string("UnixUserID");
    w.open_variant("u");
    w.put_uint32(c.uid);
    w.close_variant();
    w.close_dict_entry();
    if (!c.groups.empty()) {
        w.open_dict_entry();
        w.put_string("UnixGroupIDs");
        w.open_variant("au");
        w.open_array("u");
        for (const gid_t g : c.groups) {
            w.put_uint32(g);
        }
        w.close_array();
        w.close_variant();
        w.close_dict_entry();
    }
    if (c.pid > 0) {
        w.open_dict_entry();
        w.put_string("ProcessID");
        w.open_variant("u");
        w.put_uint32(static_cast<std::uint32_t>(c.pid));
        w.close_variant();
        w.close_dict_entry();
    }
    w.close_array();
    bus_->reply(caller, call, w);
}

void Driver::get_adt_audit_session_data(Peer &caller, const dbus::Message &call, dbus::Reader &args)
{
    bool is_driver = false;
    if (connection_arg(caller, call, args.get_string().value_or(""), "audit session data", is_driver) != nullptr ||
        is_driver) {
        bus_->reply_error(caller, call, errors::adt_audit_data_unknown, "Could not determine audit session data");
    }
}

void Driver::get_selinux_context(Peer &caller, const dbus::Message &call, dbus::Reader &args)
{
    bool is_driver = false;
    if (connection_arg(caller, call, args.get_string().value_or(""), "security context", is_driver) != nullptr ||
        is_driver) {
        bus_->reply_error(caller, call, errors::selinux_context_unknown, "Could not determine security context");
    }
}

void Driver::reload_config(Peer &caller, const dbus::Message &call, dbus::Reader & /*args*/)
{
    const std::string &path = bus_->config().policy_path;
    if (!path.empty()) {
        auto p = Policy::load(path);
        if (!p) {
            bus_->reply_error(caller, call, errors::failed, p.error());
            return;
        }
        bus_->set_policy(std::move(*p));
        log(LogLevel::info, "policy reloaded from ", path);
    }
    bus_->reply(caller, call, dbus::Writer{});
}

void Driver::reply_string(Peer &caller, const dbus::Message &call, std::string_view value)
{
    dbus::Writer w;
    w.put_string(value);
    bus_->reply(caller, call, w);
}

void Driver::get_id(Peer &caller, const dbus::Message &call, dbus::Reader & /*args*/)
{
    reply_string(caller, call, bus_->config().guid);
}

// Counters of what passed through the broker, so a test (or an operator)
// can see that AF_BUS peer-to-peer traffic never did.
void Driver::get_stats(Peer &caller, const dbus::Message &call, dbus::Reader & /*args*/)
{
    const Bus::Stats &s = bus_->stats();
    dbus::Writer w;
    w.open_array("{sv}");
    const auto put = [&w](std::string_view key, std::uint64_t value) {
        w.open_dict_entry();
        w.put_string(key);
        w.open_variant("t");
        w.put_uint64(value);
        w.close_variant();
        w.close_dict_entry();
    };
    put("ActiveConnections", bus_->peer_count());
    put("MessagesReceived", s.received);
    put("MessagesRouted", s.routed);
    put("MessagesFromKernel", s.from_kernel);
    w.close_array();
    bus_->reply(caller, call, w);
}

void Driver::become_monitor(Peer &caller, const dbus::Message &call, dbus::Reader &args)
{
    std::vector<dbus::MatchRule> rules;
    auto array = args.enter_array();
    while (array && !array->at_end()) {
        const std::string_view text = array->get_string().value_or("");
        auto rule = dbus::parse_match_rule(text);
        if (!rule) {
            bus_->reply_error(caller, call, errors::match_rule_invalid,
                              "The match rule \"" + std::string{text} + "\" is not valid");
            return;
        }
        rules.push_back(std::move(*rule));
    }
    if (args.get_uint32().value_or(1) != 0) {
        bus_->reply_error(caller, call, errors::invalid_args, "BecomeMonitor does not support any flags yet");
        return;
    }
    bus_->become_monitor(caller, std::move(rules), call);
}

std::string Driver::introspection_xml()
{
    std::string xml = "<!DOCTYPE node PUBLIC \"-//freedesktop//DTD D-BUS Object Introspection 1.0//EN\"\n"
                      "\"http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd\">\n<node>\n";
    const auto args = [&xml](std::string_view sig, std::string_view direction) {
        for (std::size_t i = 0; i < sig.size();) {
            const std::size_t n = dbus::complete_type_length(sig.substr(i));
            xml += "      <arg direction=\"" + std::string{direction} + "\" type=\"" + std::string{sig.substr(i, n)} +
                   "\"/>\n";
            i += n;
        }
    };
    std::string_view open;
    for (const Method &m : methods()) {
        if (m.interface != open) {
            if (!open.empty()) {
                xml += "  </interface>\n";
            }
            open = m.interface;
            xml += "  <interface name=\"" + std::string{open} + "\">\n";
            if (open == driver_name) {
                xml += "    <property name=\"Features\" type=\"as\" access=\"read\"/>\n"
                       "    <property name=\"Interfaces\" type=\"as\" access=\"read\"/>\n"
                       "    <signal name=\"NameOwnerChanged\">\n      <arg type=\"s\"/>\n      <arg type=\"s\"/>\n"
                       "      <arg type=\"s\"/>\n    </signal>\n"
                       "    <signal name=\"NameLost\">\n      <arg type=\"s\"/>\n    </signal>\n"
                       "    <signal name=\"NameAcquired\">\n      <arg type=\"s\"/>\n    </signal>\n";
            }
        }
        xml += "    <method name=\"" + std::string{m.member} + "\">\n";
        args(m.in, "in");
        args(m.out, "out");
        xml += "    </method>\n";
    }
    xml += "  </interface>\n</node>\n";
    return xml;
}

void Driver::introspect(Peer &caller, const dbus::Message &call, dbus::Reader & /*args*/)
{
    reply_string(caller, call, introspection_xml());
}

void Driver::ping(Peer &caller, const dbus::Message &call, dbus::Reader & /*args*/)
{
    bus_->reply(caller, call, dbus::Writer{});
}

void Driver::get_machine_id(Peer &caller, const dbus::Message &call, dbus::Reader & /*args*/)
{
    reply_string(caller, call, bus_->config().machine_id);
}

// Replies UnknownInterface or UnknownProperty and returns false unless
// @interface has a property @name (empty @name: any property).
bool Driver::check_property(Peer &caller, const dbus::Message &call, std::string_view interface,
                            std::string_view name)
{
    if (interface != driver_name) {
        bus_->reply_error(caller, call, errors::unknown_interface,
                          "Interface \"" + std::string{interface} + "\" has no properties");
        return false;
    }
    if (!name.empty() && !is_property(name)) {
        bus_->reply_error(caller, call, errors::unknown_property,
                          "Property \"" + std::string{name} + "\" does not exist");
        return false;
    }
    return true;
}

void Driver::get_property(Peer &caller, const dbus::Message &call, dbus::Reader &args)
{
    const std::string_view interface = args.get_string().value_or("");
    const std::string_view name = args.get_string().value_or("");
    if (check_property(caller, call, interface, name)) {
        dbus::Writer w;
        put_property(w, name);
        bus_->reply(caller, call, w);
    }
}

void Driver::get_all_properties(Peer &caller, const dbus::Message &call, dbus::Reader &args)
{
    const std::string_view interface = args.get_string().value_or("");
    if (!check_property(caller, call, interface.empty() ? driver_name : interface, {})) {
        return;
    }
    dbus::Writer w;
    w.open_array("{sv}");
    for (const std::string_view name : {std::string_view{"Features"}, std::string_view{"Interfaces"}}) {
        w.open_dict_entry();
        w.put_string(name);
        put_property(w, name);
        w.close_dict_entry();
    }
    w.close_array();
    bus_->reply(caller, call, w);
}

void Driver::set_property(Peer &caller, const dbus::Message &call, dbus::Reader &args)
{
    const std::string_view interface = args.get_string().value_or("");
    const std::string_view name = args.get_string().value_or("");
    if (check_property(caller, call, interface, name)) {
        bus_->reply_error(caller, call, errors::property_read_only,
                          "Property \"" + std::string{name} + "\" cannot be set");
    }
}

} // namespace afbusd::bus
