// SPDX-License-Identifier: LGPL-2.1-or-later
//
// afbus::Connection: opening, sending, receiving and pairing replies; see
// include/afbus/connection.hpp. The AF_BUS routing is in src/routing.cpp,
// the bus driver helpers (AddMatch, RequestName...) in src/driver.cpp.
#include <afbus/connection.hpp>

#include <afbus/event_loop.hpp>
#include <afbus/dbus/address.hpp>
#include <afbus/dbus/sasl.hpp>

#include "msg_io.hpp"
#include "rewrite.hpp"

#include <sys/socket.h>
#include <sys/un.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <span>

namespace afbus {

using Clock = std::chrono::steady_clock;

namespace {

// Each read of a stream takes at least this much room.
constexpr std::size_t stream_read_chunk = 65536;

std::error_code dbus_error(dbus::Errc e) noexcept
{
    return errno_code(dbus::to_errno(e));
}

int remaining_ms(Clock::time_point deadline) noexcept
{
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return left <= 0 ? 0 : static_cast<int>(std::min<long long>(left, 1 << 30));
}

Result<Fd> connect_unix(const Syscalls &sys, const dbus::ConnectTarget &t)
{
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    const bool abstract = t.kind == dbus::ConnectTarget::Kind::unix_abstract;
    const std::size_t offset = abstract ? 1 : 0;
    if (t.path.empty() || t.path.size() + offset >= sizeof(sa.sun_path)) {
        return fail(-EINVAL);
    }
    std::ranges::copy(t.path, std::span{sa.sun_path}.subspan(offset).begin());
    const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + offset + t.path.size() +
                                            (abstract ? 0 : 1));
    const int fd = sys.socket(sys.context, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return fail(fd);
    }
    Fd owned{fd, sys};
    int ret = 0;
    do {
        ret = sys.connect(sys.context, fd, reinterpret_cast<const sockaddr *>(&sa), len);
    } while (ret == -EINTR);
    if (ret < 0) {
        return fail(ret);
    }
    return owned;
}

// @header as it goes out: serial @serial (1: replaced when queued) and
// UNIX_FDS the number of @fds.
dbus::Header outgoing_header(const dbus::Header &header, std::uint32_t serial, std::span<const int> fds)
{
    dbus::Header h = header;
    h.serial = serial;
    h.unix_fds = static_cast<std::uint32_t>(fds.size());
    return h;
}

// The header of a method return to @call carrying @fds.
dbus::Header reply_header(const IncomingMessage &call, std::span<const int> fds)
{
    const auto &c = call.header();
    return {.type = dbus::MessageType::method_return,
            .serial = 1,
            .destination = c.sender,
            .reply_serial = c.serial,
            .unix_fds = static_cast<std::uint32_t>(fds.size())};
}

} // namespace

IncomingMessage::IncomingMessage(std::vector<std::byte> bytes, const dbus::Message &parsed, std::vector<Fd> fds,
                                 std::uint64_t sender_address) noexcept
    : IncomingMessage{ReceivedBytes{.data = std::move(bytes)}, parsed, std::move(fds), sender_address}
{
}

IncomingMessage::IncomingMessage(ReceivedBytes bytes, const dbus::Message &parsed, std::vector<Fd> fds,
                                 std::uint64_t sender_address) noexcept
    : bytes_{std::move(bytes)}, parsed_{parsed}, fds_{std::move(fds)}, sender_address_{sender_address}
{
}

int IncomingMessage::take_fd(std::size_t index) noexcept
{
    if (index >= fds_.size()) {
        return -1;
    }
    return fds_[index].release();
}

Connection::Connection(Fd fd, Transport transport, const Options &options, BusPath path)
    : sock_{std::move(fd), *options.syscalls}, sys_{options.syscalls}, transport_{transport},
      bus_path_{std::move(path)}
{
}

Connection::~Connection()
{
    if (loop_ != nullptr) {
        loop_->remove(*this);
    }
}

Result<std::unique_ptr<Connection>> Connection::from_socket(Fd fd, Transport transport, const Options &options,
                                                            BusPath afbus_path)
{
    std::unique_ptr<Connection> c{new Connection{std::move(fd), transport, options, std::move(afbus_path)}};
    if (auto r = c->sock_.set_nonblocking(true); !r) {
        return std::unexpected{r.error()};
    }
    if (auto r = c->handshake(options); !r) {
        return std::unexpected{r.error()};
    }
    return c;
}

Result<std::unique_ptr<Connection>> Connection::open_one(const dbus::Address &address, const Options &options)
{
    auto target = dbus::connect_target(address);
    if (!target) {
        return fail(-EINVAL); // a transport we do not speak, or an ambiguous entry
    }
    if (target->kind == dbus::ConnectTarget::Kind::afbus_path) {
        BusPath path{.name = target->path, .abstract = false};
        auto sock = BusSocket::connect(path, bus_proto_dbus, false, *options.syscalls);
        if (!sock) {
            return std::unexpected{sock.error()};
        }
        return from_socket(sock->release(), Transport::afbus, options, std::move(path));
    }
    auto fd = connect_unix(*options.syscalls, *target);
    if (!fd) {
        return std::unexpected{fd.error()};
    }
    return from_socket(std::move(*fd), Transport::unix_stream, options);
}

Result<std::unique_ptr<Connection>> Connection::open(std::string_view address, const Options &options)
{
    auto list = dbus::parse_address(address);
    if (!list) {
        return fail(-EINVAL);
    }
    std::error_code last = errno_code(-EINVAL); // an empty list
    for (const auto &entry : *list) {
        auto c = open_one(entry, options);
        if (c) {
            return c;
        }
        last = c.error();
    }
    return std::unexpected{last};
}

Result<std::unique_ptr<Connection>> Connection::open(std::string_view address)
{
    return open(address, Options{});
}

Result<std::unique_ptr<Connection>> Connection::open_session(const Options &options)
{
    const std::string address = dbus::session_bus_address();
    if (address.empty()) {
        return fail(-ENOENT);
    }
    return open(address, options);
}

Result<std::unique_ptr<Connection>> Connection::open_system(const Options &options)
{
    return open(dbus::system_bus_address(), options);
}

Result<void> Connection::wait_io(short events, Clock::time_point deadline)
{
    pollfd p{.fd = fd(), .events = events, .revents = 0};
    for (;;) {
        const int ret = sys_->poll(sys_->context, &p, 1, remaining_ms(deadline));
        if (ret == -EINTR) {
            continue;
        }
        if (ret < 0) {
            return fail(ret);
        }
        if (ret == 0) {
            return fail(-ETIMEDOUT);
        }
        return {};
    }
}

// SASL EXTERNAL through lib/dbus's SaslClient. On AF_BUS the exchange is
// with the master, one datagram per batch of lines, before the peer is
// joined: an unjoined peer can talk to nobody else (af_bus.rst).
Result<void> Connection::authenticate(Clock::time_point deadline, bool negotiate_unix_fd)
{
    dbus::SaslClient sasl{{.uid = static_cast<std::uint32_t>(sys_->getuid(sys_->context)),
                           .negotiate_unix_fd = negotiate_unix_fd}};
    std::vector<std::byte> buf(4096);
    for (;;) {
        while (!sasl.output().empty()) {
            const std::string_view out = sasl.output();
            const std::span<const std::byte> bytes{reinterpret_cast<const std::byte *>(out.data()), out.size()};
            const ssize_t n = detail::send_with_fds(*sys_, fd(), nullptr, 0, bytes, {}, 0);
            if (n == -EAGAIN) {
                if (auto w = wait_io(POLLOUT, deadline); !w) {
                    return w;
                }
                continue;
            }
            if (n < 0) {
                return fail(static_cast<int>(n));
            }
            sasl.consume_output(static_cast<std::size_t>(n));
        }
        if (sasl.state() == dbus::SaslState::authenticated) {
            break;
        }
        if (sasl.state() == dbus::SaslState::failed) {
            return fail(-EACCES);
        }
        if (auto w = wait_io(POLLIN, deadline); !w) {
            return w;
        }
        std::vector<Fd> no_fds;
        std::optional<Credentials> no_creds;
        const auto r = detail::receive_with_fds(*sys_, fd(), nullptr, 0, buf, no_fds, no_creds, 0);
        if (r.bytes == -EAGAIN) {
            continue;
        }
        if (r.bytes < 0) {
            return fail(static_cast<int>(r.bytes));
        }
        if (r.bytes == 0) {
            return fail(-ECONNRESET);
        }
        const std::string_view in{reinterpret_cast<const char *>(buf.data()), static_cast<std::size_t>(r.bytes)};
        auto used = sasl.feed(in);
        if (!used) {
            return fail(-EPROTO);
        }
        if (*used < in.size() && transport_ == Transport::unix_stream) {
            // The server spoke D-Bus right after its last line: keep it.
            rx_.assign(buf.begin() + static_cast<std::ptrdiff_t>(*used), buf.begin() + r.bytes);
            rx_len_ = rx_.size();
        }
    }
    unix_fds_ = sasl.unix_fd_agreed();
    guid_ = sasl.server_guid();
    return {};
}

Result<void> Connection::say_hello(Clock::time_point deadline)
{
    const auto timeout = std::chrono::milliseconds{remaining_ms(deadline)};
    auto reply = bus_call("Hello", dbus::Writer{}, timeout);
    if (!reply) {
        return std::unexpected{reply.error().code};
    }
    auto r = reply->reader();
    auto name = r.get_string();
    if (!name) {
        return fail(-EPROTO);
    }
    unique_name_ = *name;
    if (transport_ != Transport::afbus) {
        return {};
    }
    // The master answers Hello with the unique name of our own address,
    // after joining us: check both, so a confused master is caught here
    // rather than by misrouted messages later.
    auto own = sock_.address();
    if (!own) {
        return std::unexpected{own.error()};
    }
    own_address_ = *own;
    if (unique_name_ != ":1." + std::to_string(bus_client(own_address_))) {
        return fail(-EPROTO);
    }
    auto joined = sock_.joined();
    if (!joined) {
        return std::unexpected{joined.error()};
    }
    return *joined ? Result<void>{} : fail(-EPROTO);
}

Result<void> Connection::handshake(const Options &options)
{
    const auto deadline = Clock::now() + options.connect_timeout;
    if (auto r = authenticate(deadline, options.negotiate_unix_fd); !r) {
        return r;
    }
    if (options.hello) {
        return say_hello(deadline);
    }
    return {};
}

Result<std::uint32_t> Connection::send(const dbus::Header &header, const dbus::Writer &body, std::span<const int> fds)
{
    auto bytes = build(outgoing_header(header, next_serial_, fds), body);
    if (!bytes) {
        return std::unexpected{dbus_error(bytes.error())};
    }
    return enqueue(std::move(*bytes), fds);
}

Result<std::uint32_t> Connection::send(const dbus::Header &header, dbus::Writer &body, std::span<const int> fds)
{
    auto bytes = build_in_place(outgoing_header(header, next_serial_, fds), body);
    if (!bytes) {
        return std::unexpected{dbus_error(bytes.error())};
    }
    return enqueue_bytes(*bytes, nullptr, fds, {});
}

std::expected<std::vector<std::byte>, dbus::Errc> Connection::build(dbus::Header h, const dbus::Writer &body) const
{
    if (transport_ == Transport::afbus && !unique_name_.empty()) {
        h.sender = unique_name_;
    }
    return dbus::build_message(h, body);
}

std::expected<std::span<std::byte>, dbus::Errc> Connection::build_in_place(dbus::Header h, dbus::Writer &body) const
{
    if (transport_ == Transport::afbus && !unique_name_.empty()) {
        h.sender = unique_name_;
    }
    return dbus::build_message_in_place(h, body);
}

Result<std::uint32_t> Connection::send_message(std::vector<std::byte> message, std::span<const int> fds)
{
    return enqueue(std::move(message), fds);
}

Result<std::uint32_t> Connection::enqueue(std::vector<std::byte> message, std::span<const int> fds,
                                          std::optional<std::uint64_t> address)
{
    return enqueue_bytes(message, &message, fds, address);
}

Result<std::uint32_t> Connection::enqueue_bytes(std::span<std::byte> message, std::vector<std::byte> *owned,
                                                std::span<const int> fds, std::optional<std::uint64_t> address)
{
    if (closed_) {
        return std::unexpected{close_reason_};
    }
    if (!fds.empty() && !unix_fds_) {
        return fail(-EOPNOTSUPP);
    }
    if (fds.size() > max_fds_per_message) {
        return fail(-EINVAL);
    }
    const std::uint32_t serial = next_serial_;
    if (const dbus::Errc e = dbus::set_serial(message, serial); e != dbus::Errc::ok) {
        return std::unexpected{dbus_error(e)};
    }
    auto parsed = dbus::parse_message(message);
    if (!parsed) {
        return std::unexpected{dbus_error(parsed.error())};
    }
    if (parsed->header.unix_fds != fds.size()) {
        return fail(-EINVAL);
    }
    std::vector<std::byte> rebuilt_bytes;
    if (transport_ == Transport::afbus && !unique_name_.empty() && parsed->header.sender != unique_name_) {
        auto rebuilt = detail::with_sender(*parsed, unique_name_);
        if (!rebuilt) {
            return std::unexpected{dbus_error(rebuilt.error())};
        }
        rebuilt_bytes = std::move(*rebuilt);
        owned = &rebuilt_bytes;
        message = rebuilt_bytes;
        parsed = dbus::parse_message(message);
        if (!parsed) {
            return std::unexpected{dbus_error(parsed.error())};
        }
    }
    Outgoing out;
    out.serial = serial;
    out.fds.reserve(fds.size());
    for (const int f : fds) {
        const int copy = sys_->dup_cloexec(sys_->context, f);
        if (copy < 0) {
            return fail(copy);
        }
        out.fds.emplace_back(copy, *sys_);
    }
    // The header views the message's buffer, which moving the vector into
    // out.bytes keeps where it is (and a borrowed buffer stays put until
    // this returns).
    const dbus::Header header = parsed->header;
    if (owned != nullptr) {
        out.bytes = std::move(*owned);
    } else {
        out.borrowed = message;
    }
    next_serial_ = next_serial_ == UINT32_MAX ? 1 : next_serial_ + 1;
    route(std::move(out), header, address);
    auto flushed = flush();
    if (owned == nullptr) {
        keep_borrowed(header);
    }
    if (!flushed && flushed.error() != std::errc::resource_unavailable_try_again) {
        return std::unexpected{flushed.error()};
    }
    return serial;
}

// The message enqueue_bytes() borrowed was not written at once: it waits on
// out_ (last, or nearly: nothing runs a handler in between) or for its
// destination's name, and copies the caller's buffer now.
void Connection::keep_borrowed(const dbus::Header &header)
{
    const auto keep = [](auto &queue) {
        const auto it = std::find_if(queue.rbegin(), queue.rend(), [](const Outgoing &o) { return !o.borrowed.empty(); });
        if (it == queue.rend()) {
            return false;
        }
        it->bytes.assign(it->borrowed.begin(), it->borrowed.end());
        it->borrowed = {};
        return true;
    };
    if (keep(out_)) {
        return;
    }
    if (const auto it = unresolved_.find(std::string{header.destination}); it != unresolved_.end()) {
        (void)keep(it->second);
    }
}

Result<void> Connection::write_one(Outgoing &out)
{
    const std::span<const std::byte> data = out.borrowed.empty() ? std::span<const std::byte>{out.bytes} : out.borrowed;
    if (transport_ == Transport::afbus) {
        for (;;) {
            std::vector<int> raw(out.fds.size());
            std::transform(out.fds.begin(), out.fds.end(), raw.begin(), [](const Fd &f) { return f.get(); });
            auto sent = sock_.send(out.destination, data, raw, MSG_DONTWAIT);
            if (sent) {
                return {};
            }
            const int err = sent.error().value();
            const bool gone = err == EHOSTUNREACH || err == ECONNREFUSED || err == EADDRNOTAVAIL || err == ENOENT;
            if (gone && !out.rerouted && out.destination != bus_master_address &&
                !bus_is_multicast(out.destination)) {
                // The holder of the address left: forget it, and let the
                // master answer (ServiceUnknown, or deliver to a new owner).
                std::erase_if(name_cache_, [&](const auto &entry) { return entry.second == out.destination; });
                out.destination = bus_master_address;
                out.rerouted = true;
                continue;
            }
            return std::unexpected{sent.error()};
        }
    }
    while (out.offset < data.size()) {
        std::vector<int> raw;
        if (out.offset == 0) {
            raw.resize(out.fds.size());
            std::transform(out.fds.begin(), out.fds.end(), raw.begin(), [](const Fd &f) { return f.get(); });
        }
        const ssize_t n = detail::send_with_fds(*sys_, fd(), nullptr, 0,
                                                data.subspan(out.offset), raw,
                                                MSG_DONTWAIT);
        if (n < 0) {
            return fail(static_cast<int>(n));
        }
        out.offset += static_cast<std::size_t>(n);
        out.fds.clear(); // they went with the first byte
    }
    return {};
}

Result<void> Connection::flush()
{
    while (!out_.empty()) {
        auto r = write_one(out_.front());
        if (r) {
            out_.pop_front();
            continue;
        }
        const int err = r.error().value();
        if (err == EAGAIN) {
            return r;
        }
        if (err == EPIPE || err == ECONNRESET || err == ENOTCONN || transport_ == Transport::unix_stream) {
            return closed_error(-err);
        }
        // This message cannot be sent (EMSGSIZE, EPERM from policy...):
        // drop it, and fail its call if it was one.
        const std::uint32_t serial = out_.front().serial;
        out_.pop_front();
        finish_call(serial, std::unexpected{CallError{.code = r.error(), .name = {}, .text = {}}});
    }
    return {};
}

Result<void> Connection::closed_error(int err)
{
    if (!closed_) {
        closed_ = true;
        close_reason_ = errno_code(err);
        out_.clear();
        unresolved_.clear();
        fail_all(close_reason_);
    }
    return std::unexpected{close_reason_};
}

void Connection::fail_all(std::error_code code)
{
    auto pending = std::move(pending_);
    pending_.clear();
    for (auto &[serial, p] : pending) {
        p.handler(std::unexpected{CallError{.code = code, .name = {}, .text = {}}});
    }
}

void Connection::finish_call(std::uint32_t serial, CallResult<IncomingMessage> &&result)
{
    const auto it = pending_.find(serial);
    if (it == pending_.end()) {
        return;
    }
    const ReplyHandler handler = std::move(it->second.handler);
    pending_.erase(it);
    handler(std::move(result));
}

Result<void> Connection::read_stream()
{
    for (;;) {
        if (rx_.size() - rx_len_ < stream_read_chunk) {
            rx_.resize(rx_len_ + stream_read_chunk);
        }
        std::vector<Fd> fds;
        std::optional<Credentials> no_creds;
        const auto r = detail::receive_with_fds(*sys_, fd(), nullptr, 0,
                                                std::span<std::byte>{rx_}.subspan(rx_len_), fds, no_creds,
                                                MSG_DONTWAIT);
        if (r.bytes == -EAGAIN) {
            return {};
        }
        if (r.bytes < 0) {
            return closed_error(static_cast<int>(r.bytes));
        }
        if (r.bytes == 0) {
            return closed_error(-ECONNRESET);
        }
        for (auto &f : fds) {
            rx_fds_.push_back(std::move(f));
        }
        rx_len_ += static_cast<std::size_t>(r.bytes);
        // Every complete message in the buffer.
        std::size_t start = 0;
        while (rx_len_ - start >= dbus::fixed_header_size) {
            auto size = dbus::message_size(std::span<const std::byte>{rx_}.subspan(start, dbus::fixed_header_size));
            if (!size) {
                return closed_error(-EPROTO);
            }
            if (rx_len_ - start < *size) {
                break;
            }
            std::vector<std::byte> bytes(rx_.begin() + static_cast<std::ptrdiff_t>(start),
                                         rx_.begin() + static_cast<std::ptrdiff_t>(start + *size));
            start += *size;
            // Parsed once: the views stay valid as the vector moves.
            auto parsed = dbus::parse_message(bytes);
            if (!parsed || parsed->header.unix_fds > rx_fds_.size()) {
                return closed_error(-EPROTO);
            }
            std::vector<Fd> mine;
            for (std::uint32_t i = 0; i < parsed->header.unix_fds; ++i) {
                mine.push_back(std::move(rx_fds_.front()));
                rx_fds_.pop_front();
            }
            accept_message(IncomingMessage{std::move(bytes), *parsed, std::move(mine), 0});
        }
        std::copy(rx_.begin() + static_cast<std::ptrdiff_t>(start), rx_.begin() + static_cast<std::ptrdiff_t>(rx_len_),
                  rx_.begin());
        rx_len_ -= start;
    }
}

Result<void> Connection::read_datagram()
{
    for (;;) {
        auto d = sock_.receive(MSG_DONTWAIT, true);
        if (!d) {
            if (d.error() == std::errc::resource_unavailable_try_again) {
                return {};
            }
            return closed_error(-d.error().value());
        }
        const auto parsed = dbus::parse_message(d->bytes());
        if (!parsed || parsed->header.unix_fds > d->fds.size()) {
            // On AF_BUS, one bad datagram is dropped; nfdbus drops them
            // before they get here when it is loaded.
            continue;
        }
        d->fds.resize(parsed->header.unix_fds);
        // The bytes move as they are (a large message keeps the buffer it
        // was received into): parsed's views into them stay valid.
        accept_message(
                IncomingMessage{std::move(static_cast<ReceivedBytes &>(*d)), *parsed, std::move(d->fds), d->sender});
    }
}

Result<void> Connection::read_available()
{
    if (closed_) {
        return std::unexpected{close_reason_};
    }
    return transport_ == Transport::afbus ? read_datagram() : read_stream();
}

void Connection::accept_message(IncomingMessage msg)
{
    const auto type = msg.header().type;
    if (type == dbus::MessageType::method_return || type == dbus::MessageType::error) {
        const auto it = pending_.find(msg.header().reply_serial);
        if (it != pending_.end() && it->second.immediate) {
            complete_call(msg);
            return;
        }
    }
    incoming_.push_back(std::move(msg));
}

bool Connection::complete_call(IncomingMessage &msg)
{
    const std::uint32_t serial = msg.header().reply_serial;
    if (!pending_.contains(serial)) {
        return false;
    }
    if (msg.header().type == dbus::MessageType::error) {
        CallError err{.code = errno_code(-EREMOTEIO), .name = std::string{msg.header().error_name}, .text = {}};
        auto r = msg.reader();
        if (r.peek_type() == 's') {
            err.text = std::string{r.get_string().value_or("")};
        }
        err.reply = std::make_unique<IncomingMessage>(std::move(msg));
        finish_call(serial, std::unexpected{std::move(err)});
    } else {
        finish_call(serial, std::move(msg));
    }
    return true;
}

std::size_t Connection::dispatch()
{
    std::size_t handled = 0;
    while (!incoming_.empty()) {
        IncomingMessage msg = std::move(incoming_.front());
        incoming_.pop_front();
        dispatch_one(msg);
        ++handled;
    }
    return handled;
}

void Connection::dispatch_one(IncomingMessage &msg)
{
    switch (msg.header().type) {
    case dbus::MessageType::method_return:
    case dbus::MessageType::error:
        complete_call(msg);
        break;
    case dbus::MessageType::signal:
        dispatch_signal(msg);
        break;
    case dbus::MessageType::method_call:
        dispatch_method_call(msg);
        break;
    default:
        break;
    }
}

void Connection::dispatch_method_call(IncomingMessage &msg)
{
    const auto &h = msg.header();
    if (h.interface == "org.freedesktop.DBus.Peer" && h.member == "Ping") {
        (void)reply(msg, dbus::Writer{});
        return;
    }
    if (method_handler_) {
        const MessageHandler handler = method_handler_; // it may replace itself
        handler(msg);
        return;
    }
    (void)reply_error(msg, "org.freedesktop.DBus.Error.UnknownMethod",
                      "No handler for method " + std::string{h.member});
}

void Connection::dispatch_signal(IncomingMessage &msg)
{
    const auto &h = msg.header();
    const bool from_bus = h.sender == "org.freedesktop.DBus" &&
                          (transport_ != Transport::afbus || msg.sender_address() == bus_master_address);
    if (from_bus && h.interface == "org.freedesktop.DBus" && h.member == "NameOwnerChanged") {
        auto r = msg.reader();
        if (auto name = r.get_string(); name) {
            name_cache_.erase(std::string{*name});
        }
    }
    if (matches_.empty()) {
        return;
    }
    const dbus::MatchArgs args = dbus::extract_match_args(msg.message());
    std::vector<MatchId> hits;
    for (const auto &[id, m] : matches_) {
        if (m.rule.matches(msg.message(), args, {})) {
            hits.push_back(id);
        }
    }
    for (const MatchId id : hits) {
        const auto it = matches_.find(id); // an earlier handler may have removed it
        if (it != matches_.end()) {
            const MessageHandler handler = it->second.handler;
            handler(msg);
        }
    }
}

Result<std::uint32_t> Connection::register_call(std::span<std::byte> message, std::vector<std::byte> *owned,
                                                std::chrono::milliseconds timeout, std::span<const int> fds,
                                                ReplyHandler handler, bool immediate)
{
    const std::uint32_t serial = next_serial_;
    // Registered first: a reply can only follow the send, but a send that
    // fails at once must find the call to fail.
    pending_[serial] = Pending{.deadline = Clock::now() + timeout, .handler = std::move(handler), .immediate = immediate};
    auto sent = enqueue_bytes(message, owned, fds, {});
    if (!sent) {
        pending_.erase(serial);
        return sent;
    }
    return serial;
}

Result<CallId> Connection::call_message_async(std::vector<std::byte> message, std::chrono::milliseconds timeout,
                                              ReplyHandler handler, std::span<const int> fds)
{
    return register_call(message, &message, timeout, fds, std::move(handler), false);
}

Result<CallId> Connection::call_async(const dbus::Header &header, const dbus::Writer &body,
                                      std::chrono::milliseconds timeout, ReplyHandler handler,
                                      std::span<const int> fds)
{
    auto bytes = build(outgoing_header(header, 1, fds), body);
    if (!bytes) {
        return std::unexpected{dbus_error(bytes.error())};
    }
    return call_message_async(std::move(*bytes), timeout, std::move(handler), fds);
}

CallResult<IncomingMessage> Connection::call_message(std::vector<std::byte> message, std::chrono::milliseconds timeout,
                                                     std::span<const int> fds)
{
    return sync_call(message, &message, timeout, fds);
}

// Sends the call @message (as enqueue_bytes() takes it) and runs the
// connection until its answer.
CallResult<IncomingMessage> Connection::sync_call(std::span<std::byte> message, std::vector<std::byte> *owned,
                                                  std::chrono::milliseconds timeout, std::span<const int> fds)
{
    std::optional<CallResult<IncomingMessage>> slot;
    auto id = register_call(message, owned, timeout, fds,
                            [&slot](CallResult<IncomingMessage> r) { slot = std::move(r); }, true);
    if (!id) {
        return std::unexpected{CallError{.code = id.error(), .name = {}, .text = {}}};
    }
    const auto it = pending_.find(*id);
    if (it == pending_.end()) {
        // Failed while being sent (the message was refused).
        if (slot) {
            return std::move(*slot);
        }
        return std::unexpected{CallError{.code = errno_code(-EPROTO), .name = {}, .text = {}}};
    }
    const auto deadline = it->second.deadline;
    while (!slot) {
        if (Clock::now() >= deadline) {
            finish_call(*id, std::unexpected{CallError{.code = errno_code(-ETIMEDOUT), .name = {}, .text = {}}});
            break;
        }
        const short events = wanted_events();
        if (auto w = wait_io(events, deadline); !w) {
            if (w.error() != std::errc::timed_out) {
                finish_call(*id, std::unexpected{CallError{.code = w.error(), .name = {}, .text = {}}});
            }
            continue;
        }
        if (auto f = flush(); !f && f.error() != std::errc::resource_unavailable_try_again) {
            break; // closed: the call has failed
        }
        (void)read_available();
    }
    return std::move(*slot);
}

CallResult<IncomingMessage> Connection::call(const dbus::Header &header, const dbus::Writer &body,
                                             std::chrono::milliseconds timeout, std::span<const int> fds)
{
    auto bytes = build(outgoing_header(header, 1, fds), body);
    if (!bytes) {
        return std::unexpected{CallError{.code = dbus_error(bytes.error()), .name = {}, .text = {}}};
    }
    return call_message(std::move(*bytes), timeout, fds);
}

CallResult<IncomingMessage> Connection::call(const dbus::Header &header, dbus::Writer &body,
                                             std::chrono::milliseconds timeout, std::span<const int> fds)
{
    auto bytes = build_in_place(outgoing_header(header, 1, fds), body);
    if (!bytes) {
        return std::unexpected{CallError{.code = dbus_error(bytes.error()), .name = {}, .text = {}}};
    }
    return sync_call(*bytes, nullptr, timeout, fds);
}

bool Connection::cancel(CallId id)
{
    if (!pending_.contains(id)) {
        return false;
    }
    finish_call(id, std::unexpected{CallError{.code = errno_code(-ECANCELED), .name = {}, .text = {}}});
    return true;
}

Result<void> Connection::send_reply_message(const IncomingMessage &call, std::vector<std::byte> reply,
                                            std::span<const int> fds)
{
    return send_reply_bytes(call, reply, &reply, fds);
}

Result<void> Connection::send_reply_bytes(const IncomingMessage &call, std::span<std::byte> reply,
                                          std::vector<std::byte> *owned, std::span<const int> fds)
{
    if ((call.header().flags & dbus::flag_no_reply_expected) != 0) {
        return {};
    }
    std::optional<std::uint64_t> address;
    if (transport_ == Transport::afbus) {
        address = call.sender_address(); // the kernel's word, whatever SENDER says
    }
    auto sent = enqueue_bytes(reply, owned, fds, address);
    if (!sent) {
        return std::unexpected{sent.error()};
    }
    return {};
}

Result<void> Connection::reply(const IncomingMessage &call, const dbus::Writer &body, std::span<const int> fds)
{
    auto bytes = build(reply_header(call, fds), body);
    if (!bytes) {
        return std::unexpected{dbus_error(bytes.error())};
    }
    return send_reply_message(call, std::move(*bytes), fds);
}

Result<void> Connection::reply(const IncomingMessage &call, dbus::Writer &body, std::span<const int> fds)
{
    auto bytes = build_in_place(reply_header(call, fds), body);
    if (!bytes) {
        return std::unexpected{dbus_error(bytes.error())};
    }
    return send_reply_bytes(call, *bytes, nullptr, fds);
}

Result<void> Connection::reply_error(const IncomingMessage &call, std::string_view error_name, std::string_view text)
{
    const auto &c = call.header();
    const dbus::Header h{.type = dbus::MessageType::error,
                         .serial = 1,
                         .error_name = error_name,
                         .destination = c.sender,
                         .reply_serial = c.serial};
    dbus::Writer body;
    body.put_string(text);
    auto bytes = build(h, body);
    if (!bytes) {
        return std::unexpected{dbus_error(bytes.error())};
    }
    return send_reply_message(call, std::move(*bytes), {});
}

short Connection::wanted_events() const noexcept
{
    return static_cast<short>(POLLIN | (out_.empty() ? 0 : POLLOUT));
}

Result<void> Connection::process(short revents)
{
    if ((revents & POLLOUT) != 0) {
        if (auto f = flush(); !f && f.error() != std::errc::resource_unavailable_try_again) {
            return f;
        }
    }
    if ((revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
        if (auto r = read_available(); !r) {
            return r;
        }
    }
    return {};
}

std::optional<Clock::time_point> Connection::next_deadline() const
{
    std::optional<Clock::time_point> earliest;
    for (const auto &[serial, p] : pending_) {
        if (!earliest || p.deadline < *earliest) {
            earliest = p.deadline;
        }
    }
    return earliest;
}

void Connection::expire(Clock::time_point now)
{
    std::vector<std::uint32_t> late;
    for (const auto &[serial, p] : pending_) {
        if (p.deadline <= now) {
            late.push_back(serial);
        }
    }
    for (const std::uint32_t serial : late) {
        finish_call(serial, std::unexpected{CallError{.code = errno_code(-ETIMEDOUT), .name = {}, .text = {}}});
    }
}

Result<std::size_t> Connection::wait_and_dispatch(std::chrono::milliseconds timeout)
{
    auto deadline = Clock::now() + timeout;
    if (const auto d = next_deadline(); d && *d < deadline) {
        deadline = *d;
    }
    if (incoming_.empty()) {
        pollfd p{.fd = fd(), .events = wanted_events(), .revents = 0};
        const int ret = sys_->poll(sys_->context, &p, 1, remaining_ms(deadline));
        if (ret < 0 && ret != -EINTR) {
            return fail(ret);
        }
        if (ret > 0) {
            if (auto r = process(p.revents); !r) {
                expire(Clock::now());
                const std::size_t n = dispatch();
                if (n != 0) {
                    return n;
                }
                return std::unexpected{r.error()};
            }
        }
    }
    expire(Clock::now());
    return dispatch();
}

std::optional<std::uint64_t> Connection::cached_name_address(std::string_view name) const
{
    const auto it = name_cache_.find(std::string{name});
    if (it == name_cache_.end()) {
        return std::nullopt;
    }
    return it->second;
}

} // namespace afbus
