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
    explicit Driver(Bus &bus) : bus_{bus} {}

    // A method call to org.freedesktop.DBus from a registered peer. Hello
    // is handled by the bus before registration; here it is an error.
    void handle(Peer &caller, const afbus::dbus::Message &call);

    // The method table's entry type (public for the table in driver.cpp).
    using Handler = void (Driver::*)(Peer &, const afbus::dbus::Message &, afbus::dbus::Reader &);
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
    void hello(Peer &, const afbus::dbus::Message &, afbus::dbus::Reader &);
    void request_name(Peer &, const afbus::dbus::Message &, afbus::dbus::Reader &);
    void release_name(Peer &, const afbus::dbus::Message &, afbus::dbus::Reader &);
    void start_service_by_name(Peer &, const afbus::dbus::Message &, afbus::dbus::Reader &);
    void update_activation_environment(Peer &, const afbus::dbus::Message &, afbus::dbus::Reader &);
    void name_has_owner(Peer &, const afbus::dbus::Message &, afbus::dbus::Reader &);
    void list_names(Peer &, const afbus::dbus::Message &, afbus::dbus::Reader &);
    void list_activatable_names(Peer &, const afbus::dbus::Message &, afbus::dbus::Reader &);
    void add_match(Peer &, const afbus::dbus::Message &, afbus::dbus::Reader &);
    void remove_match(Peer &, const afbus::dbus::Message &, afbus::dbus::Reader &);
    void get_name_owner(Peer &, const afbus::dbus::Message &, afbus::dbus::Reader &);
    void list_queued_owners(Peer &, const afbus::dbus::Message &, afbus::dbus::Reader &);
    void get_unix_user(Peer &, const afbus::dbus::Message &, afbus::dbus::Reader &);
    void get_unix_process_id(Peer &, const afbus::dbus::Message &, afbus::dbus::Reader &);
    void get_credentials(Peer &, const afbus::dbus::Message &, afbus::dbus::Reader &);
    void get_adt_audit_session_data(Peer &, const afbus::dbus::Message &, afbus::dbus::Reader &);
    void get_selinux_context(Peer &, const afbus::dbus::Message &, afbus::dbus::Reader &);
    void reload_config(Peer &, const afbus::dbus::Message &, afbus::dbus::Reader &);
    void get_id(Peer &, const afbus::dbus::Message &, afbus::dbus::Reader &);
    void become_monitor(Peer &, const afbus::dbus::Message &, afbus::dbus::Reader &);
    void introspect(Peer &, const afbus::dbus::Message &, afbus::dbus::Reader &);
    void ping(Peer &, const afbus::dbus::Message &, afbus::dbus::Reader &);
    void get_machine_id(Peer &, const afbus::dbus::Message &, afbus::dbus::Reader &);
    void get_property(Peer &, const afbus::dbus::Message &, afbus::dbus::Reader &);
    void get_all_properties(Peer &, const afbus::dbus::Message &, afbus::dbus::Reader &);
    void set_property(Peer &, const afbus::dbus::Message &, afbus::dbus::Reader &);

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

    void reply_string(Peer &caller, const afbus::dbus::Message &call, std::string_view value);

    Bus &bus_;
    std::map<std::string, std::string, std::less<>> activation_environment_;
};

} // namespace afbusd::bus

#endif // AFBUSD_BUS_DRIVER_HPP
