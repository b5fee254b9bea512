// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The C API (include/afbus/afbus.h) over Connection and EventLoop.
#include <afbus/afbus.h>

#include <afbus/connection.hpp>
#include <afbus/event_loop.hpp>

#include <cerrno>
#include <new>

struct afbus_conn {
    std::unique_ptr<afbus::Connection> conn;
};

struct afbus_msg {
    afbus::IncomingMessage message;
};

struct afbus_loop {
    std::unique_ptr<afbus::EventLoop> loop;
};

namespace {

using afbus::CallResult;
using afbus::IncomingMessage;

int to_errno(const std::error_code &ec) noexcept
{
    return ec.value() > 0 ? -ec.value() : -EIO;
}

std::chrono::milliseconds timeout_of(int timeout_ms) noexcept
{
    return timeout_ms < 0 ? afbus::default_call_timeout : std::chrono::milliseconds{timeout_ms};
}

std::vector<std::byte> copy_message(const void *message, size_t length)
{
    const auto *p = static_cast<const std::byte *>(message);
    return {p, p + length};
}

std::span<const int> fd_span(const int *fds, unsigned nfds) noexcept
{
    return fds == nullptr ? std::span<const int>{} : std::span<const int>{fds, nfds};
}

afbus::MessageHandler wrap(afbus_conn *conn, afbus_msg_handler handler, void *userdata)
{
    return [conn, handler, userdata](IncomingMessage &m) {
        afbus_msg msg{std::move(m)};
        handler(conn, &msg, userdata);
        m = std::move(msg.message); // the C++ side may look at it again
    };
}

} // namespace

int afbus_conn_open(const char *address, unsigned flags, afbus_conn **out) noexcept
{
    *out = nullptr;
    afbus::Connection::Options options;
    options.negotiate_unix_fd = (flags & AFBUS_NO_UNIX_FDS) == 0;
    afbus::Result<std::unique_ptr<afbus::Connection>> c =
        address != nullptr                ? afbus::Connection::open(address, options)
        : (flags & AFBUS_BUS_SYSTEM) != 0 ? afbus::Connection::open_system(options)
                                          : afbus::Connection::open_session(options);
    if (!c) {
        return to_errno(c.error());
    }
    *out = new (std::nothrow) afbus_conn{std::move(*c)};
    return *out == nullptr ? -ENOMEM : 0;
}

void afbus_conn_close(afbus_conn *conn) noexcept
{
    delete conn;
}

int afbus_conn_fd(const afbus_conn *conn) noexcept
{
    return conn->conn->fd();
}

short afbus_conn_events(const afbus_conn *conn) noexcept
{
    return conn->conn->wanted_events();
}

const char *afbus_conn_unique_name(const afbus_conn *conn) noexcept
{
    return conn->conn->unique_name().c_str();
}

int afbus_conn_transport(const afbus_conn *conn) noexcept
{
    return conn->conn->transport() == afbus::Connection::Transport::afbus ? AFBUS_TRANSPORT_AFBUS
                                                                          : AFBUS_TRANSPORT_UNIX;
}

int afbus_conn_unix_fds(const afbus_conn *conn) noexcept
{
    return conn->conn->unix_fds_enabled() ? 1 : 0;
}

long afbus_conn_send(afbus_conn *conn, const void *message, size_t length, const int *fds, unsigned nfds) noexcept
{
    auto serial = conn->conn->send_message(copy_message(message, length), fd_span(fds, nfds));
    return serial ? static_cast<long>(*serial) : to_errno(serial.error());
}

int afbus_conn_call(afbus_conn *conn, const void *message, size_t length, const int *fds, unsigned nfds,
                    int timeout_ms, afbus_msg **reply) noexcept
{
    *reply = nullptr;
    auto r = conn->conn->call_message(copy_message(message, length), timeout_of(timeout_ms), fd_span(fds, nfds));
    IncomingMessage *got = r ? &*r : r.error().reply.get();
    if (got != nullptr) {
        *reply = new (std::nothrow) afbus_msg{std::move(*got)};
        if (*reply == nullptr) {
            return -ENOMEM;
        }
    }
    return r ? 0 : to_errno(r.error().code);
}

long afbus_conn_call_async(afbus_conn *conn, const void *message, size_t length, const int *fds, unsigned nfds,
                           int timeout_ms, afbus_reply_handler handler, void *userdata) noexcept
{
    auto id = conn->conn->call_message_async(
        copy_message(message, length), timeout_of(timeout_ms),
        [conn, handler, userdata](CallResult<IncomingMessage> r) {
            IncomingMessage *got = r ? &*r : r.error().reply.get();
            const int error = r ? 0 : to_errno(r.error().code);
            if (got != nullptr) {
                afbus_msg msg{std::move(*got)};
                handler(conn, error, &msg, userdata);
            } else {
                handler(conn, error, nullptr, userdata);
            }
        },
        fd_span(fds, nfds));
    return id ? static_cast<long>(*id) : to_errno(id.error());
}

int afbus_conn_cancel(afbus_conn *conn, long id) noexcept
{
    if (id <= 0 || id > static_cast<long>(UINT32_MAX)) {
        return -ENOENT;
    }
    return conn->conn->cancel(static_cast<afbus::CallId>(id)) ? 0 : -ENOENT;
}

long afbus_conn_add_match(afbus_conn *conn, const char *rule, int timeout_ms, afbus_msg_handler handler,
                          void *userdata) noexcept
{
    auto id = conn->conn->add_match(rule, wrap(conn, handler, userdata), timeout_of(timeout_ms));
    return id ? static_cast<long>(*id) : to_errno(id.error().code);
}

int afbus_conn_remove_match(afbus_conn *conn, long id, int timeout_ms) noexcept
{
    if (id <= 0) {
        return -ENOENT;
    }
    auto r = conn->conn->remove_match(static_cast<afbus::MatchId>(id), timeout_of(timeout_ms));
    return r ? 0 : to_errno(r.error().code);
}

void afbus_conn_set_method_handler(afbus_conn *conn, afbus_msg_handler handler, void *userdata) noexcept
{
    conn->conn->set_method_handler(handler == nullptr ? afbus::MessageHandler{} : wrap(conn, handler, userdata));
}

int afbus_conn_reply(afbus_conn *conn, const afbus_msg *call, const void *reply, size_t length, const int *fds,
                     unsigned nfds) noexcept
{
    auto r = conn->conn->send_reply_message(call->message, copy_message(reply, length), fd_span(fds, nfds));
    return r ? 0 : to_errno(r.error());
}

int afbus_conn_request_name(afbus_conn *conn, const char *name, uint32_t flags, int timeout_ms) noexcept
{
    auto r = conn->conn->request_name(name, flags, timeout_of(timeout_ms));
    return r ? static_cast<int>(*r) : to_errno(r.error().code);
}

int afbus_conn_release_name(afbus_conn *conn, const char *name, int timeout_ms) noexcept
{
    auto r = conn->conn->release_name(name, timeout_of(timeout_ms));
    return r ? static_cast<int>(*r) : to_errno(r.error().code);
}

int afbus_conn_process(afbus_conn *conn, int timeout_ms) noexcept
{
    auto r = conn->conn->wait_and_dispatch(std::chrono::milliseconds{timeout_ms < 0 ? 1 << 30 : timeout_ms});
    return r ? static_cast<int>(*r) : to_errno(r.error());
}

const void *afbus_msg_data(const afbus_msg *msg, size_t *length) noexcept
{
    *length = msg->message.bytes().size();
    return msg->message.bytes().data();
}

unsigned afbus_msg_fd_count(const afbus_msg *msg) noexcept
{
    return static_cast<unsigned>(msg->message.fds().size());
}

int afbus_msg_take_fd(afbus_msg *msg, unsigned index) noexcept
{
    const int fd = msg->message.take_fd(index);
    return fd < 0 ? -ENOENT : fd;
}

uint64_t afbus_msg_sender_address(const afbus_msg *msg) noexcept
{
    return msg->message.sender_address();
}

void afbus_msg_free(afbus_msg *msg) noexcept
{
    delete msg;
}

int afbus_loop_new(unsigned flags, afbus_loop **out) noexcept
{
    *out = nullptr;
    afbus::EventLoop::Options options;
    options.use_io_uring = (flags & AFBUS_LOOP_POLL) == 0;
    auto loop = afbus::EventLoop::create(options);
    if (!loop) {
        return to_errno(loop.error());
    }
    *out = new (std::nothrow) afbus_loop{std::move(*loop)};
    return *out == nullptr ? -ENOMEM : 0;
}

void afbus_loop_free(afbus_loop *loop) noexcept
{
    delete loop;
}

int afbus_loop_add(afbus_loop *loop, afbus_conn *conn) noexcept
{
    auto r = loop->loop->add(*conn->conn);
    return r ? 0 : to_errno(r.error());
}

void afbus_loop_remove(afbus_loop *loop, afbus_conn *conn) noexcept
{
    loop->loop->remove(*conn->conn);
}

int afbus_loop_uses_io_uring(const afbus_loop *loop) noexcept
{
    return loop->loop->uses_io_uring() ? 1 : 0;
}

int afbus_loop_run_once(afbus_loop *loop, int timeout_ms) noexcept
{
    auto r = loop->loop->run_once(std::chrono::milliseconds{timeout_ms < 0 ? 1 << 30 : timeout_ms});
    return r ? static_cast<int>(*r) : to_errno(r.error());
}
