// SPDX-License-Identifier: LGPL-2.1-or-later
//
// afbus::Nfdbus: a client of the "nfdbus" generic netlink family
// (include/uapi/linux/netfilter/nfdbus.h, Documentation/netfilter/nfdbus.rst),
// through which a bus master installs match rules, tells the kernel which
// names each connection owns, sets strict SENDER checking and policy, and
// reads the counters. Every command of the family has a method here.
//
// Only the bus master (the uid that bound the bus) or CAP_NET_ADMIN may use
// a bus; others get EPERM. Errors are errno values; the kernel's extended
// ack message of the last failed request is in last_error().
#ifndef AFBUS_NFDBUS_HPP
#define AFBUS_NFDBUS_HPP

#include <afbus/fd.hpp>
#include <afbus/result.hpp>
#include <afbus/socket.hpp>
#include <afbus/syscalls.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace afbus {

// One policy rule (NFDBUS_CMD_ADD_POLICY); absent conditions hold always.
struct PolicyRule {
    bool allow = true;
    std::optional<std::uint32_t> uid;
    std::optional<std::uint8_t> type; // 1 call, 2 return, 3 error, 4 signal
    std::string destination;          // empty: any
    std::string interface;
    std::string member;
};

// NFDBUS_CMD_GET_STATS. Every counter but messages counts copies (one per
// recipient); messages counts each message once (0 from a kernel that
// predates the counter).
struct NfdbusStats {
    std::uint64_t parsed = 0;
    std::uint64_t accepted = 0;
    std::uint64_t dropped_malformed = 0;
    std::uint64_t dropped_no_match = 0;
    std::uint64_t dropped_policy = 0;
    std::uint64_t dropped_spoofed = 0;
    std::uint64_t messages = 0;
};

class Nfdbus {
public:
    // Opens a generic netlink socket and resolves the family: ENOENT when
    // the kernel has no nfdbus (module not loaded and not loadable).
    static Result<Nfdbus> open(const Syscalls &sys = real_syscalls());

    Result<void> add_match(const BusPath &bus, std::uint64_t addr, std::string_view rule);
    Result<void> remove_match(const BusPath &bus, std::uint64_t addr, std::string_view rule);
    Result<void> remove_all(const BusPath &bus, std::uint64_t addr);
    Result<void> set_names(const BusPath &bus, std::uint64_t addr, std::span<const std::string> names);
    Result<void> add_name(const BusPath &bus, std::uint64_t addr, std::string_view name);
    Result<void> del_name(const BusPath &bus, std::uint64_t addr, std::string_view name);
    Result<void> add_policy(const BusPath &bus, const PolicyRule &rule);
    Result<void> flush_policy(const BusPath &bus);
    Result<void> set_strict(const BusPath &bus, bool on);
    Result<NfdbusStats> stats(const BusPath &bus);

    // The extended ack message of the last failed request ("" if none).
    [[nodiscard]] const std::string &last_error() const noexcept { return last_error_; }
    [[nodiscard]] std::uint16_t family() const noexcept { return family_; }

private:
    class Request;
    Result<std::vector<std::byte>> call(Request &request, bool want_reply);
    // A command on one connection, with one string attribute (none when
    // @attr is 0).
    Result<void> connection_command(std::uint8_t cmd, const BusPath &bus, std::uint64_t addr, std::uint16_t attr,
                                    std::string_view text);

    Fd fd_;
    const Syscalls *sys_ = &real_syscalls();
    std::uint16_t family_ = 0;
    std::uint32_t seq_ = 0;
    std::string last_error_;
};

} // namespace afbus

#endif // AFBUS_NFDBUS_HPP
