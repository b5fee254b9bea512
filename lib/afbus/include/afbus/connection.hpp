// SPDX-License-Identifier: LGPL-2.1-or-later
//
// afbus::Connection: a D-Bus connection to a bus, over AF_UNIX
// (unix:path=, unix:abstract=) or AF_BUS (afbus:path=).
//
//     auto conn = afbus::Connection::open_session();        // or open("afbus:path=/run/afbus/bus")
//     dbus::Header h{.type = dbus::MessageType::method_call, .path = "/org/example",
//                    .interface = "org.example.I", .member = "Get", .destination = "org.example"};
//     dbus::Writer body;
//     auto reply = (*conn)->call(h, body, 1000ms);           // reply->reader() ...
//
// Opening authenticates with SASL EXTERNAL (and NEGOTIATE_UNIX_FD) through
// lib/dbus's SaslClient and says Hello. Messages are built and parsed by
// lib/dbus; this class moves them, pairs replies with calls, runs the
// handlers of signals and method calls, and on AF_BUS routes each message
// straight to its recipient's address (Documentation/libafbus/afbus.rst):
//   ":1.N"                     prefix-0 address N, computed locally
//   "org.freedesktop.DBus"     the master, address 0
//   a well-known name          its owner's address, resolved once with
//                              GetNameOwner and cached until a
//                              NameOwnerChanged for it arrives
//   no destination (a signal)  the multicast address of prefix 0
// and when the kernel refuses a unicast address (its holder is gone), the
// message goes to the master instead, which answers as dbus-daemon would.
//
// Not thread safe: one thread uses a connection (and its event loop) at a
// time. Handlers run from dispatch(), never from inside send(). Nothing
// throws; handlers must not throw either (the library is built without
// exceptions).
#ifndef AFBUS_CONNECTION_HPP
#define AFBUS_CONNECTION_HPP

#include <afbus/fd.hpp>
#include <afbus/result.hpp>
#include <afbus/socket.hpp>
#include <afbus/syscalls.hpp>
#include <afbus/dbus/address.hpp>
#include <afbus/dbus/match.hpp>
#include <afbus/dbus/message.hpp>
#include <afbus/dbus/writer.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace afbus {

class EventLoop;

// The default method call timeout of the reference implementation.
inline constexpr std::chrono::milliseconds default_call_timeout{25000};

// A received message: owns its bytes (which the parsed view points into)
// and the fds that came with it. Move-only.
class IncomingMessage {
public:
    IncomingMessage() = default;
    IncomingMessage(std::vector<std::byte> bytes, const dbus::Message &parsed, std::vector<Fd> fds,
                    std::uint64_t sender_address) noexcept;
    // A message whose bytes may be a receive buffer it keeps.
    IncomingMessage(ReceivedBytes bytes, const dbus::Message &parsed, std::vector<Fd> fds,
                    std::uint64_t sender_address) noexcept;

    [[nodiscard]] const dbus::Message &message() const noexcept { return parsed_; }
    [[nodiscard]] const dbus::Header &header() const noexcept { return parsed_.header; }
    [[nodiscard]] dbus::Reader reader() const noexcept { return parsed_.reader(); }
    [[nodiscard]] std::span<const std::byte> bytes() const noexcept { return bytes_.bytes(); }
    // The fds of the message, indexed as its 'h' values.
    [[nodiscard]] std::span<const Fd> fds() const noexcept { return fds_; }
    // Takes ownership of fd @index (-1 if out of range or taken already).
    [[nodiscard]] int take_fd(std::size_t index) noexcept;
    // On AF_BUS, the address the kernel says sent it (0: the master).
    [[nodiscard]] std::uint64_t sender_address() const noexcept { return sender_address_; }

private:
    ReceivedBytes bytes_;
    dbus::Message parsed_;
    std::vector<Fd> fds_;
    std::uint64_t sender_address_ = 0;
};

// Why a call failed.
struct CallError {
    // ETIMEDOUT (no reply in time), ECANCELED (cancel()), ECONNRESET /
    // ENOTCONN (the connection went away), EREMOTEIO (the peer answered
    // with an error: see name and text), or what sending failed with.
    std::error_code code;
    std::string name; // the D-Bus error name, for EREMOTEIO
    std::string text; // the error's first string argument, if any
    // For EREMOTEIO, the error reply itself (its other arguments, fds).
    std::unique_ptr<IncomingMessage> reply;
};

template <typename T>
using CallResult = std::expected<T, CallError>;

// Ids of async calls (the call's serial) and of match handlers.
using CallId = std::uint32_t;
using MatchId = std::uint64_t;

using ReplyHandler = std::function<void(CallResult<IncomingMessage> reply)>;
using MessageHandler = std::function<void(IncomingMessage &message)>;

// RequestName flags and replies (the D-Bus specification's values).
inline constexpr std::uint32_t name_allow_replacement = 0x1;
inline constexpr std::uint32_t name_replace_existing = 0x2;
inline constexpr std::uint32_t name_do_not_queue = 0x4;
enum class NameReply : std::uint32_t { primary_owner = 1, in_queue = 2, exists = 3, already_owner = 4 };

// How to open a Connection (outside the class so that it can be a default
// argument of its members).
struct ConnectionOptions {
    const Syscalls *syscalls = &real_syscalls();
    bool negotiate_unix_fd = true;
    // Bounds authentication and Hello together.
    std::chrono::milliseconds connect_timeout = default_call_timeout;
    // Say Hello (false: a raw peer-to-peer connection, no bus).
    bool hello = true;
};

class Connection {
public:
    enum class Transport : std::uint8_t { unix_stream, afbus };

    using Options = ConnectionOptions;

    // Connects to the first entry of the D-Bus address list @address that
    // works, authenticates and says Hello.
    static Result<std::unique_ptr<Connection>> open(std::string_view address, const Options &options);
    static Result<std::unique_ptr<Connection>> open(std::string_view address);
    // DBUS_SESSION_BUS_ADDRESS / DBUS_SYSTEM_BUS_ADDRESS and their defaults.
    static Result<std::unique_ptr<Connection>> open_session(const Options &options = {});
    static Result<std::unique_ptr<Connection>> open_system(const Options &options = {});
    // Over an already connected socket (tests; socket activation).
    static Result<std::unique_ptr<Connection>> from_socket(Fd fd, Transport transport, const Options &options,
                                                           BusPath afbus_path = {});

    Connection(const Connection &) = delete;
    Connection &operator=(const Connection &) = delete;
    Connection(Connection &&) = delete;
    Connection &operator=(Connection &&) = delete;
    ~Connection();

    [[nodiscard]] int fd() const noexcept { return sock_.fd(); }
    [[nodiscard]] Transport transport() const noexcept { return transport_; }
    [[nodiscard]] const std::string &unique_name() const noexcept { return unique_name_; }
    [[nodiscard]] bool unix_fds_enabled() const noexcept { return unix_fds_; }
    [[nodiscard]] bool connected() const noexcept { return !closed_; }
    // On AF_BUS: this connection's prefix-0 address (0 otherwise).
    [[nodiscard]] std::uint64_t bus_address() const noexcept { return own_address_; }
    [[nodiscard]] const std::string &server_guid() const noexcept { return guid_; }

    // Sends a message built from @header (its serial is assigned here) and
    // @body, with @fds (duplicated: the caller keeps its own). Returns the
    // serial. Queued if the socket is full: flush() or the event loop sends
    // it later.
    //
    // send(), call() and reply() given a writer that is not const build the
    // message in the writer's buffer, around the body where it was
    // marshalled (dbus::build_message_in_place()), and write it from there;
    // it is copied only if it must wait in the queue. The writer's body is
    // unchanged. Given a const writer they build a copy.
    Result<std::uint32_t> send(const dbus::Header &header, const dbus::Writer &body, std::span<const int> fds = {});
    Result<std::uint32_t> send(const dbus::Header &header, dbus::Writer &body, std::span<const int> fds = {});
    // The same for a message already marshalled (its serial is replaced).
    Result<std::uint32_t> send_message(std::vector<std::byte> message, std::span<const int> fds = {});

    // A method call, waiting at most @timeout for its reply. Messages other
    // than the reply that arrive meanwhile are queued for dispatch().
    CallResult<IncomingMessage> call(const dbus::Header &header, const dbus::Writer &body,
                                     std::chrono::milliseconds timeout = default_call_timeout,
                                     std::span<const int> fds = {});
    CallResult<IncomingMessage> call(const dbus::Header &header, dbus::Writer &body,
                                     std::chrono::milliseconds timeout = default_call_timeout,
                                     std::span<const int> fds = {});
    CallResult<IncomingMessage> call_message(std::vector<std::byte> message, std::chrono::milliseconds timeout,
                                             std::span<const int> fds = {});

    // A method call whose reply (or failure: timeout, disconnection,
    // cancellation) goes to @handler, exactly once, from dispatch() or
    // cancel() or expire().
    Result<CallId> call_async(const dbus::Header &header, const dbus::Writer &body,
                              std::chrono::milliseconds timeout, ReplyHandler handler, std::span<const int> fds = {});
    Result<CallId> call_message_async(std::vector<std::byte> message, std::chrono::milliseconds timeout,
                                      ReplyHandler handler, std::span<const int> fds = {});
    // Cancels an async call: its handler runs now with ECANCELED. False if
    // it is not pending (answered, timed out or cancelled already).
    bool cancel(CallId id);

    // Replies to the method call @call (nothing if it asked for no reply).
    Result<void> reply(const IncomingMessage &call, const dbus::Writer &body, std::span<const int> fds = {});
    Result<void> reply(const IncomingMessage &call, dbus::Writer &body, std::span<const int> fds = {});
    Result<void> reply_error(const IncomingMessage &call, std::string_view error_name, std::string_view text);
    // A marshalled reply to @call (REPLY_SERIAL and DESTINATION already
    // set by the caller): on AF_BUS it goes to the address @call came from.
    Result<void> send_reply_message(const IncomingMessage &call, std::vector<std::byte> reply,
                                    std::span<const int> fds = {});

    // Method calls addressed to this connection go to @handler (which
    // should reply); without one they get org.freedesktop.DBus.Error.UnknownMethod.
    // org.freedesktop.DBus.Peer.Ping is always answered.
    void set_method_handler(MessageHandler handler) { method_handler_ = std::move(handler); }

    // Asks the bus for the signals @rule matches (AddMatch) and runs
    // @handler for each received message it matches. The rule is parsed by
    // lib/dbus first: a bad one is EINVAL without asking the bus.
    CallResult<MatchId> add_match(std::string_view rule, MessageHandler handler,
                                  std::chrono::milliseconds timeout = default_call_timeout);
    // RemoveMatch, and the handler is dropped.
    CallResult<void> remove_match(MatchId id, std::chrono::milliseconds timeout = default_call_timeout);

    // RequestName / ReleaseName (the reply codes of the specification).
    CallResult<NameReply> request_name(std::string_view name, std::uint32_t flags = 0,
                                       std::chrono::milliseconds timeout = default_call_timeout);
    CallResult<std::uint32_t> release_name(std::string_view name,
                                           std::chrono::milliseconds timeout = default_call_timeout);

    // I/O, for event loops. wanted_events() is POLLIN, plus POLLOUT while
    // messages wait to be sent. process() reads what is there, sends what
    // it can and dispatches; ECONNRESET once the connection is gone.
    [[nodiscard]] short wanted_events() const noexcept;
    Result<void> process(short revents);
    // Sends queued messages until done or the socket is full.
    Result<void> flush();
    // Runs the handlers of queued messages; returns how many were handled.
    std::size_t dispatch();
    // The earliest deadline of a pending call, if any.
    [[nodiscard]] std::optional<std::chrono::steady_clock::time_point> next_deadline() const;
    // Fails the calls whose deadline is past with ETIMEDOUT.
    void expire(std::chrono::steady_clock::time_point now);
    // A blocking loop for this connection alone: waits up to @timeout for
    // something to happen, processes and dispatches it. The number of
    // messages dispatched.
    Result<std::size_t> wait_and_dispatch(std::chrono::milliseconds timeout);

    // Outgoing messages not yet written, and received ones not yet dispatched.
    [[nodiscard]] std::size_t queued_outgoing() const noexcept { return out_.size(); }
    [[nodiscard]] std::size_t queued_incoming() const noexcept { return incoming_.size(); }

    // AF_BUS name cache (for tests and diagnostics): the cached address of
    // well-known name @name, if any.
    [[nodiscard]] std::optional<std::uint64_t> cached_name_address(std::string_view name) const;

private:
    friend class EventLoop;

    struct Outgoing {
        std::vector<std::byte> bytes;
        // Instead of @bytes, while enqueue() runs: the caller's buffer.
        // enqueue() copies it into @bytes before returning if still queued.
        std::span<const std::byte> borrowed;
        std::vector<Fd> fds;
        std::uint64_t destination = 0; // AF_BUS
        std::size_t offset = 0;        // stream: bytes written so far
        bool rerouted = false;         // AF_BUS: already fell back to the master
        std::uint32_t serial = 0;
    };
    struct Pending {
        std::chrono::steady_clock::time_point deadline;
        ReplyHandler handler;
        // Completed as soon as the reply is read (sync calls and the
        // library's own calls), not from dispatch().
        bool immediate = false;
    };
    struct Match {
        std::string text;
        dbus::MatchRule rule;
        MessageHandler handler;
    };

    Connection(Fd fd, Transport transport, const Options &options, BusPath path);

    static Result<std::unique_ptr<Connection>> open_one(const dbus::Address &address, const Options &options);
    Result<void> handshake(const Options &options);
    Result<void> authenticate(std::chrono::steady_clock::time_point deadline, bool negotiate_unix_fd);
    Result<void> say_hello(std::chrono::steady_clock::time_point deadline);
    Result<void> wait_io(short events, std::chrono::steady_clock::time_point deadline);

    // dbus::build_message() with SENDER set to our unique name on AF_BUS,
    // so that enqueue() need not build the message again.
    std::expected<std::vector<std::byte>, dbus::Errc> build(dbus::Header h, const dbus::Writer &body) const;
    // The same in @body's buffer (see send()).
    std::expected<std::span<std::byte>, dbus::Errc> build_in_place(dbus::Header h, dbus::Writer &body) const;
    Result<std::uint32_t> enqueue(std::vector<std::byte> message, std::span<const int> fds,
                                  std::optional<std::uint64_t> address = {});
    // @message is @*owned's bytes, or (@owned null) a buffer of the
    // caller's that is copied only if the message must stay queued.
    Result<std::uint32_t> enqueue_bytes(std::span<std::byte> message, std::vector<std::byte> *owned,
                                        std::span<const int> fds, std::optional<std::uint64_t> address);
    void keep_borrowed(const dbus::Header &header);
    Result<void> send_reply_bytes(const IncomingMessage &call, std::span<std::byte> reply,
                                  std::vector<std::byte> *owned, std::span<const int> fds);
    Result<std::uint32_t> register_call(std::span<std::byte> message, std::vector<std::byte> *owned,
                                        std::chrono::milliseconds timeout, std::span<const int> fds,
                                        ReplyHandler handler, bool immediate);
    CallResult<IncomingMessage> sync_call(std::span<std::byte> message, std::vector<std::byte> *owned,
                                          std::chrono::milliseconds timeout, std::span<const int> fds);
    void route(Outgoing &&out, const dbus::Header &header, std::optional<std::uint64_t> address);
    void resolve_name(const std::string &name);
    void on_name_resolved(const std::string &name, std::optional<std::uint64_t> address);
    Result<void> write_one(Outgoing &out);

    Result<void> read_available();
    Result<void> read_stream();
    Result<void> read_datagram();
    void accept_message(IncomingMessage msg);
    void dispatch_one(IncomingMessage &msg);
    void dispatch_method_call(IncomingMessage &msg);
    void dispatch_signal(IncomingMessage &msg);
    bool complete_call(IncomingMessage &msg);
    void fail_all(std::error_code code);
    Result<void> closed_error(int err);
    void finish_call(std::uint32_t serial, CallResult<IncomingMessage> &&result);
    CallResult<IncomingMessage> bus_call(std::string_view member, const dbus::Writer &body,
                                         std::chrono::milliseconds timeout);

    BusSocket sock_; // on AF_UNIX too: only its fd and seam are used then
    const Syscalls *sys_;
    Transport transport_;
    BusPath bus_path_;
    std::string unique_name_;
    std::string guid_;
    std::uint64_t own_address_ = 0;
    bool unix_fds_ = false;
    bool closed_ = false;
    std::error_code close_reason_;
    std::uint32_t next_serial_ = 1;

    std::deque<Outgoing> out_;
    std::deque<IncomingMessage> incoming_;
    std::map<std::uint32_t, Pending> pending_;
    std::map<MatchId, Match> matches_;
    MatchId next_match_ = 1;
    MessageHandler method_handler_;

    // Stream framing.
    std::vector<std::byte> rx_;
    std::size_t rx_len_ = 0;
    std::deque<Fd> rx_fds_;

    // AF_BUS routing: well-known name -> address, and messages waiting for
    // a name to be resolved.
    std::unordered_map<std::string, std::uint64_t> name_cache_;
    std::unordered_map<std::string, std::vector<Outgoing>> unresolved_;
    std::unordered_set<std::string> watched_names_;

    EventLoop *loop_ = nullptr;
};

} // namespace afbus

#endif // AFBUS_CONNECTION_HPP
