// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The nfdbus generic netlink client; see include/afbus/nfdbus.hpp. Requests
// are built attribute by attribute into a byte vector; every request asks
// for an ack, whose error is the result.
#include <afbus/nfdbus.hpp>

#include "msg_io.hpp"

#include <linux/genetlink.h>
#include <linux/netfilter/nfdbus.h>
#include <linux/netlink.h>

#include <cerrno>
#include <cstddef>
#include <cstring>

namespace afbus {
namespace {

constexpr std::size_t nl_align(std::size_t n) noexcept
{
    return (n + NLMSG_ALIGNTO - 1) & ~std::size_t{NLMSG_ALIGNTO - 1};
}

constexpr std::size_t nlmsg_header = nl_align(sizeof(nlmsghdr));
constexpr std::size_t nla_header = nl_align(sizeof(nlattr));
constexpr std::size_t genl_header = nl_align(sizeof(genlmsghdr));
constexpr std::size_t receive_size = 65536;

template <typename T>
T load(const std::byte *p) noexcept
{
    T v{};
    std::memcpy(&v, p, sizeof(v));
    return v;
}

// Walks the attributes in [begin, end): calls @fn(type, payload) for each.
// False if one is malformed.
template <typename Fn>
bool for_each_attr(std::span<const std::byte> bytes, Fn fn)
{
    std::size_t off = 0;
    while (off + nla_header <= bytes.size()) {
        const auto a = load<nlattr>(bytes.data() + off);
        if (a.nla_len < nla_header || off + a.nla_len > bytes.size()) {
            return false;
        }
        fn(static_cast<std::uint16_t>(a.nla_type & NLA_TYPE_MASK),
           bytes.subspan(off + nla_header, a.nla_len - nla_header));
        off += nl_align(a.nla_len);
    }
    return true;
}

} // namespace

class Nfdbus::Request {
public:
    Request(std::uint16_t family, std::uint8_t cmd, std::uint8_t version)
    {
        bytes_.resize(nlmsg_header + genl_header);
        nlmsghdr h{};
        h.nlmsg_type = family;
        h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
        std::memcpy(bytes_.data(), &h, sizeof(h));
        genlmsghdr g{};
        g.cmd = cmd;
        g.version = version;
        std::memcpy(bytes_.data() + nlmsg_header, &g, sizeof(g));
    }

    void put(std::uint16_t type, const void *data, std::size_t len)
    {
        const std::size_t at = bytes_.size();
        bytes_.resize(at + nl_align(nla_header + len));
        const nlattr a{.nla_len = static_cast<std::uint16_t>(nla_header + len), .nla_type = type};
        std::memcpy(bytes_.data() + at, &a, sizeof(a));
        if (len != 0) {
            std::memcpy(bytes_.data() + at + nla_header, data, len);
        }
    }
    // A NUL-terminated string attribute.
    void put_string(std::uint16_t type, std::string_view s)
    {
        const std::string z{s};
        put(type, z.c_str(), z.size() + 1);
    }
    template <typename T>
    void put_value(std::uint16_t type, T v)
    {
        put(type, &v, sizeof(v));
    }
    void put_bus(const BusPath &bus)
    {
        const std::string bytes = bus.bound_bytes();
        put(NFDBUS_ATTR_BUS_PATH, bytes.data(), bytes.size());
    }
    std::size_t nest_start(std::uint16_t type)
    {
        const std::size_t at = bytes_.size();
        put(type | NLA_F_NESTED, nullptr, 0);
        return at;
    }
    void nest_end(std::size_t at)
    {
        const auto len = static_cast<std::uint16_t>(bytes_.size() - at);
        std::memcpy(bytes_.data() + at + offsetof(nlattr, nla_len), &len, sizeof(len));
    }
    // Finishes the header: length and sequence number.
    std::span<const std::byte> finish(std::uint32_t seq)
    {
        const auto len = static_cast<std::uint32_t>(bytes_.size());
        std::memcpy(bytes_.data() + offsetof(nlmsghdr, nlmsg_len), &len, sizeof(len));
        std::memcpy(bytes_.data() + offsetof(nlmsghdr, nlmsg_seq), &seq, sizeof(seq));
        return bytes_;
    }

private:
    std::vector<std::byte> bytes_;
};

Result<std::vector<std::byte>> Nfdbus::call(Request &request, bool want_reply)
{
    last_error_.clear();
    const std::uint32_t seq = ++seq_;
    const auto bytes = request.finish(seq);
    if (const ssize_t ret = detail::send_with_fds(*sys_, fd_.get(), nullptr, 0, bytes, {}, 0); ret < 0) {
        return fail(static_cast<int>(ret));
    }
    std::vector<std::byte> reply;
    std::vector<std::byte> buf(receive_size);
    std::vector<Fd> no_fds;
    std::optional<Credentials> no_creds;
    for (;;) {
        const auto r = detail::receive_with_fds(*sys_, fd_.get(), nullptr, 0, buf, no_fds, no_creds, 0);
        if (r.bytes < 0) {
            return fail(static_cast<int>(r.bytes));
        }
        std::size_t off = 0;
        const auto n = static_cast<std::size_t>(r.bytes);
        while (off + sizeof(nlmsghdr) <= n) {
            const auto h = load<nlmsghdr>(buf.data() + off);
            if (h.nlmsg_len < sizeof(nlmsghdr) || off + h.nlmsg_len > n) {
                return fail(-EPROTO);
            }
            const std::span<const std::byte> msg{buf.data() + off, h.nlmsg_len};
            off += nl_align(h.nlmsg_len);
            if (h.nlmsg_seq != seq) {
                continue;
            }
            if (h.nlmsg_type != NLMSG_ERROR) {
                if (want_reply) {
                    reply.assign(msg.begin(), msg.end());
                }
                continue;
            }
            if (msg.size() < nlmsg_header + sizeof(nlmsgerr)) {
                return fail(-EPROTO);
            }
            const auto e = load<nlmsgerr>(msg.data() + nlmsg_header);
            if ((h.nlmsg_flags & NLM_F_ACK_TLVS) != 0) {
                std::size_t tlv = nlmsg_header + sizeof(nlmsgerr);
                if ((h.nlmsg_flags & NLM_F_CAPPED) == 0) {
                    tlv += e.msg.nlmsg_len - nlmsg_header;
                }
                if (tlv <= msg.size()) {
                    for_each_attr(msg.subspan(tlv), [&](std::uint16_t type, std::span<const std::byte> p) {
                        if (type == NLMSGERR_ATTR_MSG) {
                            last_error_.assign(reinterpret_cast<const char *>(p.data()),
                                               strnlen(reinterpret_cast<const char *>(p.data()), p.size()));
                        }
                    });
                }
            }
            if (e.error != 0) {
                return fail(e.error);
            }
            return reply;
        }
    }
}

Result<Nfdbus> Nfdbus::open(const Syscalls &sys)
{
    Nfdbus nl;
    nl.sys_ = &sys;
    const int fd = sys.socket(sys.context, AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
    if (fd < 0) {
        return fail(fd);
    }
    nl.fd_ = Fd{fd, sys};
    const int one = 1;
    // Best effort: without them errors still arrive, only less detailed.
    (void)sys.setsockopt(sys.context, fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
    (void)sys.setsockopt(sys.context, fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));

    Request r{GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1};
    r.put_string(CTRL_ATTR_FAMILY_NAME, NFDBUS_GENL_NAME);
    auto reply = nl.call(r, true);
    if (!reply) {
        return std::unexpected{reply.error()};
    }
    const std::size_t attrs = nlmsg_header + genl_header;
    if (reply->size() < attrs) {
        return fail(-EPROTO);
    }
    bool found = false;
    for_each_attr(std::span<const std::byte>{*reply}.subspan(attrs), [&](std::uint16_t type, std::span<const std::byte> p) {
        if (type == CTRL_ATTR_FAMILY_ID && p.size() >= sizeof(std::uint16_t)) {
            nl.family_ = load<std::uint16_t>(p.data());
            found = true;
        }
    });
    if (!found) {
        return fail(-EPROTO);
    }
    return nl;
}

namespace {

Result<void> as_void(const Result<std::vector<std::byte>> &r)
{
    if (!r) {
        return std::unexpected{r.error()};
    }
    return {};
}

} // namespace

Result<void> Nfdbus::connection_command(std::uint8_t cmd, const BusPath &bus, std::uint64_t addr,
                                        std::uint16_t attr, std::string_view text)
{
    Request r{family_, cmd, NFDBUS_GENL_VERSION};
    r.put_bus(bus);
    r.put_value<std::uint64_t>(NFDBUS_ATTR_ADDR, addr);
    if (attr != NFDBUS_ATTR_UNSPEC) {
        r.put_string(attr, text);
    }
    return as_void(call(r, false));
}

Result<void> Nfdbus::add_match(const BusPath &bus, std::uint64_t addr, std::string_view rule)
{
    return connection_command(NFDBUS_CMD_ADD_MATCH, bus, addr, NFDBUS_ATTR_RULE, rule);
}

Result<void> Nfdbus::remove_match(const BusPath &bus, std::uint64_t addr, std::string_view rule)
{
    return connection_command(NFDBUS_CMD_REMOVE_MATCH, bus, addr, NFDBUS_ATTR_RULE, rule);
}

Result<void> Nfdbus::remove_all(const BusPath &bus, std::uint64_t addr)
{
    return connection_command(NFDBUS_CMD_REMOVE_ALL, bus, addr, NFDBUS_ATTR_UNSPEC, {});
}

Result<void> Nfdbus::set_names(const BusPath &bus, std::uint64_t addr, std::span<const std::string> names)
{
    Request r{family_, NFDBUS_CMD_SET_NAMES, NFDBUS_GENL_VERSION};
    r.put_bus(bus);
    r.put_value<std::uint64_t>(NFDBUS_ATTR_ADDR, addr);
    const std::size_t nest = r.nest_start(NFDBUS_ATTR_NAMES);
    for (const auto &name : names) {
        r.put_string(NFDBUS_ATTR_NAME, name);
    }
    r.nest_end(nest);
    return as_void(call(r, false));
}

Result<void> Nfdbus::add_name(const BusPath &bus, std::uint64_t addr, std::string_view name)
{
    return connection_command(NFDBUS_CMD_ADD_NAME, bus, addr, NFDBUS_ATTR_NAME, name);
}

Result<void> Nfdbus::del_name(const BusPath &bus, std::uint64_t addr, std::string_view name)
{
    return connection_command(NFDBUS_CMD_DEL_NAME, bus, addr, NFDBUS_ATTR_NAME, name);
}

Result<void> Nfdbus::add_policy(const BusPath &bus, const PolicyRule &rule)
{
    Request r{family_, NFDBUS_CMD_ADD_POLICY, NFDBUS_GENL_VERSION};
    r.put_bus(bus);
    const std::size_t nest = r.nest_start(NFDBUS_ATTR_POLICY);
    r.put_value<std::uint8_t>(NFDBUS_POLICY_ATTR_ACTION, rule.allow ? NFDBUS_POLICY_ALLOW : NFDBUS_POLICY_DENY);
    if (rule.uid) {
        r.put_value<std::uint32_t>(NFDBUS_POLICY_ATTR_UID, *rule.uid);
    }
    if (rule.type) {
        r.put_value<std::uint8_t>(NFDBUS_POLICY_ATTR_TYPE, *rule.type);
    }
    if (!rule.destination.empty()) {
        r.put_string(NFDBUS_POLICY_ATTR_DESTINATION, rule.destination);
    }
    if (!rule.interface.empty()) {
        r.put_string(NFDBUS_POLICY_ATTR_INTERFACE, rule.interface);
    }
    if (!rule.member.empty()) {
        r.put_string(NFDBUS_POLICY_ATTR_MEMBER, rule.member);
    }
    r.nest_end(nest);
    return as_void(call(r, false));
}

Result<void> Nfdbus::flush_policy(const BusPath &bus)
{
    Request r{family_, NFDBUS_CMD_FLUSH_POLICY, NFDBUS_GENL_VERSION};
    r.put_bus(bus);
    return as_void(call(r, false));
}

Result<void> Nfdbus::set_strict(const BusPath &bus, bool on)
{
    Request r{family_, NFDBUS_CMD_SET_STRICT, NFDBUS_GENL_VERSION};
    r.put_bus(bus);
    r.put_value<std::uint8_t>(NFDBUS_ATTR_STRICT, on ? 1 : 0);
    return as_void(call(r, false));
}

Result<NfdbusStats> Nfdbus::stats(const BusPath &bus)
{
    Request r{family_, NFDBUS_CMD_GET_STATS, NFDBUS_GENL_VERSION};
    r.put_bus(bus);
    auto reply = call(r, true);
    if (!reply) {
        return std::unexpected{reply.error()};
    }
    const std::size_t attrs = nlmsg_header + genl_header;
    if (reply->size() < attrs) {
        return fail(-EPROTO);
    }
    NfdbusStats st;
    bool found = false;
    const bool ok = for_each_attr(std::span<const std::byte>{*reply}.subspan(attrs),
                                  [&](std::uint16_t type, std::span<const std::byte> nested) {
        if (type != NFDBUS_ATTR_STATS) {
            return;
        }
        found = true;
        for_each_attr(nested, [&](std::uint16_t counter, std::span<const std::byte> p) {
            if (p.size() != sizeof(std::uint64_t)) {
                return;
            }
            const auto v = load<std::uint64_t>(p.data());
            switch (counter) {
            case NFDBUS_STATS_PARSED: st.parsed = v; break;
            case NFDBUS_STATS_ACCEPTED: st.accepted = v; break;
            case NFDBUS_STATS_DROPPED_MALFORMED: st.dropped_malformed = v; break;
            case NFDBUS_STATS_DROPPED_NO_MATCH: st.dropped_no_match = v; break;
            case NFDBUS_STATS_DROPPED_POLICY: st.dropped_policy = v; break;
            case NFDBUS_STATS_DROPPED_SPOOFED: st.dropped_spoofed = v; break;
            case NFDBUS_STATS_MESSAGES: st.messages = v; break;
            default: break;
            }
        });
    });
    if (!ok || !found) {
        return fail(-EPROTO);
    }
    return st;
}

} // namespace afbus
