// SPDX-License-Identifier: LGPL-2.1-or-later
#include "afbus_master.hpp"

#include "../log.hpp"

#include <afbus/dbus/address.hpp>

#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace afbusd::transport {

namespace dbus = afbus::dbus;

namespace {

// Well-known names get addresses of this prefix (prefix 0 is the kernel's).
constexpr std::uint16_t name_prefix = 1;
// Handles accepted while looking for a proxy's own, before giving up.
constexpr int max_accepts_for_proxy = 1024;

std::uint64_t peer_address(bus::PeerId id) noexcept
{
    return afbus::bus_address(0, id);
}

} // namespace

AfbusMaster::AfbusMaster(EventLoop &loop, bus::Bus &bus, Limits limits, std::string guid)
    : loop_{&loop}, bus_{&bus}, limits_{limits}, guid_{std::move(guid)},
      auth_timer_{loop, [this] {
                      const auto now = std::chrono::steady_clock::now();
                      for (const auto &[id, p] : peers_) {
                          p->check_auth_deadline(now);
                      }
                  }}
{
}

AfbusMaster::~AfbusMaster()
{
    // Closing the listener ends the bus: every peer sees EOF, and nfdbus
    // frees the bus's tables, so nothing is removed one by one.
    closing_ = true;
    bus_->set_observer(nullptr);
    peers_.clear();
    proxies_.clear();
    if (master_.fd() >= 0) {
        loop_->remove(master_.fd());
    }
    master_ = afbus::BusMaster{};
    if (!unlink_path_.empty()) {
        ::unlink(unlink_path_.c_str());
    }
}

std::expected<std::string, std::string> AfbusMaster::listen(std::string_view address)
{
    // The first afbus:path= entry of the list.
    const auto list = dbus::parse_address(address);
    std::optional<dbus::ConnectTarget> target;
    for (const dbus::Address &a : list ? *list : std::vector<dbus::Address>{}) {
        if (auto t = dbus::connect_target(a); t && t->kind == dbus::ConnectTarget::Kind::afbus_path) {
            target = std::move(*t);
            break;
        }
    }
    if (!target) {
        return std::unexpected{"no afbus:path= entry in \"" + std::string{address} + "\""};
    }
    path_ = afbus::BusPath{.name = target->path, .abstract = false};
    auto m = afbus::BusMaster::create(path_, afbus::bus_proto_dbus);
    if (!m) {
        if (m.error().value() == EAFNOSUPPORT) {
            return std::unexpected{"afbus:path=" + target->path +
                                   ": the running kernel has no AF_BUS (" + m.error().message() + ")"};
        }
        return std::unexpected{"cannot create the AF_BUS bus " + target->path + ": " + m.error().message()};
    }
    master_ = std::move(*m);
    unlink_path_ = target->path;
    if (const auto r = master_.set_nonblocking(true); !r) {
        return std::unexpected{"AF_BUS listener: " + r.error().message()};
    }
    if (auto nl = afbus::Nfdbus::open(); nl) {
        nfdbus_ = std::move(*nl);
        if (const auto r = nfdbus_->set_strict(path_, true); !r) {
            log(LogLevel::warning, "nfdbus: cannot switch strict SENDER checking on: ", r.error().message(), " ",
                nfdbus_->last_error());
        }
        push_policy();
    } else {
        log(LogLevel::warning, "nfdbus is not available (", nl.error().message(),
            "): AF_BUS signals reach every peer, SENDER is not checked by the kernel");
    }
    if (const int e = loop_->add(master_.fd(), EPOLLIN, *this); e != 0) {
        return std::unexpected{std::string{"epoll: "} + errno_text(-e)};
    }
    if (const int e = auth_timer_.start(std::max(limits_.auth_timeout / 4, std::chrono::milliseconds{10})); e != 0) {
        return std::unexpected{std::string{"timerfd: "} + errno_text(-e)};
    }
    bus_->set_observer(this);
    return "afbus:path=" + dbus::escape_address_value(target->path) + ",guid=" + guid_;
}

// The policy's send rules as nfdbus rules (last match wins in both). A
// rule for a name pattern ("a.b.*") has no nfdbus form: the broker still
// applies it to what it routes, and says so.
void AfbusMaster::push_policy()
{
    if (const auto r = nfdbus_->flush_policy(path_); !r) {
        log(LogLevel::warning, "nfdbus: cannot flush the policy: ", r.error().message());
        return;
    }
    for (const auto &rule : bus_->config().policy.send_rules()) {
        afbus::PolicyRule p;
        p.allow = rule.allow;
        if (rule.uid) {
            p.uid = *rule.uid;
        }
        if (rule.pattern.ends_with(".*")) {
            log(LogLevel::warning, "policy: send rule for ", rule.pattern,
                " is not applied to direct AF_BUS traffic (nfdbus matches exact names)");
            continue;
        }
        if (rule.pattern != "*") {
            p.destination = rule.pattern;
        }
        if (const auto r = nfdbus_->add_policy(path_, p); !r) {
            log(LogLevel::warning, "nfdbus: cannot add a policy rule: ", r.error().message(), " ",
                nfdbus_->last_error());
        }
    }
}

void AfbusMaster::handle(std::uint32_t /*events*/)
{
    for (;;) {
        auto h = master_.accept(true);
        if (!h) {
            if (h.error().value() == ECONNABORTED) {
                continue;
            }
            if (h.error().value() != EAGAIN) {
                log(LogLevel::warning, "AF_BUS accept: ", h.error().message());
            }
            return;
        }
        adopt(std::move(*h));
    }
}

void AfbusMaster::adopt(afbus::PeerHandle handle)
{
    const auto address = handle.peer_address();
    if (!address) {
        log(LogLevel::warning, "AF_BUS: a peer without an address: ", address.error().message());
        return;
    }
    const auto incomplete = static_cast<std::size_t>(
        std::ranges::count_if(peers_, [](const auto &p) { return !p.second->closed() && !p.second->authenticated(); }));
    if (peers_.size() + proxies_.size() >= limits_.max_connections || incomplete >= limits_.max_incomplete_connections) {
        log(LogLevel::warning, "too many AF_BUS connections; refusing one");
        return; // closing the handle disconnects it
    }
    auto peer = std::make_unique<AfbusPeer>(*this, std::move(handle), *address);
    if (const int e = peer->start(); e != 0) {
        log(LogLevel::warning, "cannot serve an AF_BUS peer: ", errno_text(-e));
        return;
    }
    peers_.emplace(afbus::bus_client(*address), std::move(peer));
}

afbus::Result<afbus::PeerHandle> AfbusMaster::accept_own(std::uint64_t address)
{
    for (int i = 0; i < max_accepts_for_proxy; ++i) {
        auto h = master_.accept(true);
        if (!h) {
            if (h.error().value() == ECONNABORTED) {
                continue;
            }
            return h;
        }
        if (h->peer_address().value_or(0) == address) {
            return h;
        }
        adopt(std::move(*h));
    }
    return afbus::fail(-EAGAIN);
}

bus::PeerId AfbusMaster::link_opened(bus::Link &legacy)
{
    const auto refuse = [&legacy](std::string_view why, const std::error_code &e) -> bus::PeerId {
        log(LogLevel::warning, "cannot give a legacy client its AF_BUS proxy: ", why, ": ", e.message(),
            "; disconnecting it");
        legacy.close();
        return 0;
    };
    auto sock = afbus::BusSocket::connect(path_, afbus::bus_proto_dbus, true);
    if (!sock) {
        return refuse("connect", sock.error());
    }
    const auto own = sock->address();
    if (!own) {
        return refuse("getsockname", own.error());
    }
    auto handle = accept_own(*own);
    if (!handle) {
        return refuse("accept", handle.error());
    }
    if (const auto j = handle->join(); !j) {
        return refuse("join", j.error());
    }
    auto proxy = std::make_unique<LegacyProxy>(*this, legacy, std::move(*sock), std::move(*handle), *own);
    if (const int e = proxy->start(); e != 0) {
        return refuse("epoll", std::error_code{-e, std::system_category()});
    }
    const bus::PeerId id = bus_->link_opened(*proxy);
    proxy->set_peer(id);
    proxies_.emplace(id, std::move(proxy));
    return id;
}

void AfbusMaster::link_message(bus::PeerId id, const dbus::Message &msg, std::vector<UniqueFd> fds)
{
    bus_->link_message(id, msg, std::move(fds));
}

void AfbusMaster::link_closed(bus::PeerId id)
{
    bus_->link_closed(id);
    if (LegacyProxy *p = proxy(id); p != nullptr) {
        p->detach();
    }
}

LegacyProxy *AfbusMaster::proxy(bus::PeerId id) const
{
    const auto it = proxies_.find(id);
    return it == proxies_.end() || it->second->closed() ? nullptr : it->second.get();
}

const afbus::PeerHandle *AfbusMaster::handle_of(bus::PeerId id) const
{
    if (const auto it = peers_.find(id); it != peers_.end() && !it->second->closed()) {
        return &it->second->handle_socket();
    }
    if (const LegacyProxy *p = proxy(id); p != nullptr) {
        return &p->handle_socket();
    }
    return nullptr;
}

void AfbusMaster::forget(std::uint64_t address)
{
    if (nfdbus_ && !closing_) {
        static_cast<void>(nfdbus_->remove_all(path_, address));
    }
}

void AfbusMaster::match_added(bus::PeerId id, const dbus::MatchRule &rule)
{
    mirror_match(id, rule, true);
}

void AfbusMaster::match_removed(bus::PeerId id, const dbus::MatchRule &rule)
{
    mirror_match(id, rule, false);
}

void AfbusMaster::mirror_match(bus::PeerId id, const dbus::MatchRule &rule, bool add)
{
    if (!nfdbus_ || handle_of(id) == nullptr) {
        return;
    }
    const std::string text = rule.to_string();
    const auto r = add ? nfdbus_->add_match(path_, peer_address(id), text)
                       : nfdbus_->remove_match(path_, peer_address(id), text);
    if (!r) {
        log(LogLevel::warning, "nfdbus: cannot ", add ? "install" : "remove", " match rule ", text, " for ", id,
            ": ", r.error().message(), " ", nfdbus_->last_error());
    }
}

std::uint64_t AfbusMaster::name_address(std::string_view name)
{
    const auto it = name_addresses_.find(name);
    if (it != name_addresses_.end()) {
        return it->second;
    }
    const std::uint64_t addr = afbus::bus_address(name_prefix, next_name_address_++);
    name_addresses_.emplace(std::string{name}, addr);
    return addr;
}

// The name's address leaves the old owner before it reaches the new one
// (EADDRINUSE otherwise); nfdbus follows, so SENDER checks and sender=
// rules see the new owner from the next message on.
void AfbusMaster::owner_changed(std::string_view name, bus::PeerId old_owner, bus::PeerId new_owner)
{
    const std::uint64_t addr = name_address(name);
    if (old_owner != 0) {
        if (const afbus::PeerHandle *h = handle_of(old_owner); h != nullptr) {
            static_cast<void>(h->del_address(addr));
        }
        if (nfdbus_) {
            static_cast<void>(nfdbus_->del_name(path_, peer_address(old_owner), name));
        }
    }
    if (new_owner != 0) {
        const afbus::PeerHandle *h = handle_of(new_owner);
        if (h == nullptr) {
            return;
        }
        if (const auto r = h->add_address(addr); !r) {
            log(LogLevel::warning, "cannot give ", name, "'s address to ", new_owner, ": ", r.error().message());
        }
        if (nfdbus_) {
            if (const auto r = nfdbus_->add_name(path_, peer_address(new_owner), name); !r) {
                log(LogLevel::warning, "nfdbus: cannot record ", name, " as owned by ", new_owner, ": ",
                    r.error().message(), " ", nfdbus_->last_error());
            }
        }
    }
}

void AfbusMaster::reap()
{
    for (const auto &[id, p] : peers_) {
        if (p->closed()) {
            p->retire();
        }
    }
    for (const auto &[id, p] : proxies_) {
        if (p->closed()) {
            p->retire();
        }
    }
    std::erase_if(peers_, [](const auto &p) { return p.second->closed(); });
    std::erase_if(proxies_, [](const auto &p) { return p.second->closed(); });
}

} // namespace afbusd::transport
