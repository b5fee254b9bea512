// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Driver: the org.freedesktop.DBus service the bus itself provides (the
// bus driver), with its Monitoring, Introspectable, Peer and Properties
// interfaces. One table lists every method with its signatures; it drives
// dispatch, argument checking and the introspection data.
#ifndef AFBUSD_BUS_DRIVER_HPP
#define AFBUSD_BUS_DRIVER_HPP

#include <afbus/dbus/message.hpp>
#include <afbus/dbus/reader.hpp>

#include <map>
#include <span>
#include <string>
#include <string_view>

namespace afbusd::bus {

class Bus;
struct Peer;

class Driver {
public:
    explicit Driver(Bus &bus) : bus_{&bus} {}

    // A method call to org.freedesktop.DBus from a registered peer. Hello
    // is handled by the bus before registration; here it is an error.
    void handle(Peer &caller, const afbus::dbus::Message &call);

    // The method table's entry type (public for the table in driver.cpp).
    using Handler = void (Driver::*)(Peer &caller, const afbus::dbus::Message &call, afbus::dbus::Reader &args);
    struct Method {
        std::string_view interface;
        std::string_view member;
        std::string_view in;  // argument signature
        std::string_view out; // reply signature
        Handler handler;
        bool privileged;      // the bus's uid or root, on the bus's path
    };

    // The table of every method the driver answers.
    static std::span<const Method> methods();

    // The introspection data of the bus driver, from the table.
    static std::string introspection_xml();

private:
    void hello(Peer &caller, const afbus::dbus::Message &call, afbus::dbus::Reader &args);
    void request_name(Peer &caller, const afbus::dbus::Message &call, afbus::dbus::Reader &args);
    void release_name(Peer &caller, const afbus::dbus::Message &call, afbus::dbus::Reader &args);
    void start_service_by_name(Peer &caller, const afbus::dbus::Message &call, afbus::dbus::Reader &args);
    void update_activation_environment(Peer &caller, const afbus::dbus::Message &call, afbus::dbus::Reader &args);
    void name_has_owner(Peer &caller, const afbus::dbus::Message &call, afbus::dbus::Reader &args);
    void list_names(Peer &caller, const afbus::dbus::Message &call, afbus::dbus::Reader &args);
    void list_activatable_names(Peer &caller, const afbus::dbus::Message &call, afbus::dbus::Reader &args);
    void add_match(Peer &caller, const afbus::dbus::Message &call, afbus::dbus::Reader &args);
    void remove_match(Peer &caller, const afbus::dbus::Message &call, afbus::dbus::Reader &args);
    void get_name_owner(Peer &caller, const afbus::dbus::Message &call, afbus::dbus::Reader &args);
    void list_queued_owners(Peer &caller, const afbus::dbus::Message &call, afbus::dbus::Reader &args);
    void get_unix_user(Peer &caller, const afbus::dbus::Message &call, afbus::dbus::Reader &args);
    void get_unix_process_id(Peer &caller, const afbus::dbus::Message &call, afbus::dbus::Reader &args);
    void get_credentials(Peer &caller, const afbus::dbus::Message &call, afbus::dbus::Reader &args);
    void get_adt_audit_session_data(Peer &caller, const afbus::dbus::Message &call, afbus::dbus::Reader &args);
    void get_selinux_context(Peer &caller, const afbus::dbus::Message &call, afbus::dbus::Reader &args);
    void reload_config(Peer &caller, const afbus::dbus::Message &call, afbus::dbus::Reader &args);
    void get_id(Peer &caller, const afbus::dbus::Message &call, afbus::dbus::Reader &args);
    void get_stats(Peer &caller, const afbus::dbus::Message &call, afbus::dbus::Reader &args);
    void become_monitor(Peer &caller, const afbus::dbus::Message &call, afbus::dbus::Reader &args);
    void introspect(Peer &caller, const afbus::dbus::Message &call, afbus::dbus::Reader &args);
    void ping(Peer &caller, const afbus::dbus::Message &call, afbus::dbus::Reader &args);
    void get_machine_id(Peer &caller, const afbus::dbus::Message &call, afbus::dbus::Reader &args);
    void get_property(Peer &caller, const afbus::dbus::Message &call, afbus::dbus::Reader &args);
    void get_all_properties(Peer &caller, const afbus::dbus::Message &call, afbus::dbus::Reader &args);
    void set_property(Peer &caller, const afbus::dbus::Message &call, afbus::dbus::Reader &args);

    // The name argument of the GetConnection* methods: the peer it names,
    // or nullptr after replying NameHasNoOwner ("Could not get @what of
    // name ..."). @is_driver is set for org.freedesktop.DBus itself.
    Peer *connection_arg(Peer &caller, const afbus::dbus::Message &call, std::string_view name,
                         std::string_view what, bool &is_driver);
    // Replies InvalidArgs and returns false if @name is not a bus name.
    bool check_bus_name(Peer &caller, const afbus::dbus::Message &call, std::string_view name);
    // Checks a name argument that must be a valid well-known name; replies
    // InvalidArgs and returns false if it is not.
    bool check_well_known(Peer &caller, const afbus::dbus::Message &call, std::string_view name,
                          std::string_view verb);

    bool check_property(Peer &caller, const afbus::dbus::Message &call, std::string_view interface,
                        std::string_view name);
    void reply_string(Peer &caller, const afbus::dbus::Message &call, std::string_view value);

    Bus *bus_;
    std::map<std::string, std::string, std::less<>> activation_environment_;
};

} // namespace afbusd::bus

#endif // AFBUSD_BUS_DRIVER_HPP
