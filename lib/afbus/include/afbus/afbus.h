/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libafbus: D-Bus connections over AF_UNIX and AF_BUS, for C callers (a C
 * D-Bus library such as libdbus, sd-bus or GDBus opening an AF_BUS
 * connection through it).
 *
 * Messages are marshalled and parsed with libafbus-dbus's C API
 * (<afbus/dbus/dbus.h>): build a message with afbus_dbus_message_build()
 * (any serial: the connection assigns its own), send it here; a received
 * message (struct afbus_msg) hands its bytes to afbus_dbus_message_parse().
 *
 *     struct afbus_conn *c;
 *     int err = afbus_conn_open("afbus:path=/run/afbus/system_bus", 0, &c);
 *     struct afbus_msg *reply;
 *     err = afbus_conn_call(c, bytes, len, NULL, 0, 1000, &reply);
 *
 * Conventions (liburing's, as in libcma): functions return 0 or a count on
 * success and a negative errno value on failure; errno is never used to
 * report anything. Handles are opaque. Nothing throws. A connection and
 * the loops it is added to are used by one thread at a time. Callbacks run
 * from afbus_conn_process(), afbus_loop_run_once() and afbus_conn_cancel(),
 * never from inside a send.
 *
 * Errors of calls: -ETIMEDOUT (no reply in time), -EREMOTEIO (the peer
 * answered with a D-Bus error: the reply is that error message),
 * -ECANCELED, -ECONNRESET (the connection went away), -EOPNOTSUPP (fds on
 * a connection that did not negotiate them), -EINVAL (a malformed message).
 *
 * This header compiles as C99 and later and as C++11 and later.
 */
#ifndef AFBUS_AFBUS_H
#define AFBUS_AFBUS_H

#include <stddef.h> /* NOLINT(modernize-deprecated-headers): a C header */
#include <stdint.h> /* NOLINT(modernize-deprecated-headers): a C header */

#define AFBUS_VERSION_MAJOR 0
#define AFBUS_VERSION_MINOR 1

#ifdef __cplusplus
extern "C" {
#define AFBUS_NOEXCEPT noexcept
#else
#define AFBUS_NOEXCEPT
#endif

/* Which bus afbus_conn_open() opens when its address is NULL. */
#define AFBUS_BUS_SESSION 0x0
#define AFBUS_BUS_SYSTEM 0x1
/* Do not ask for unix fd passing (NEGOTIATE_UNIX_FD). */
#define AFBUS_NO_UNIX_FDS 0x2

/* Transports (afbus_conn_transport()). */
#define AFBUS_TRANSPORT_UNIX 0
#define AFBUS_TRANSPORT_AFBUS 1

/* RequestName flags and replies (the D-Bus specification's values). */
#define AFBUS_NAME_ALLOW_REPLACEMENT 0x1
#define AFBUS_NAME_REPLACE_EXISTING 0x2
#define AFBUS_NAME_DO_NOT_QUEUE 0x4
#define AFBUS_NAME_PRIMARY_OWNER 1
#define AFBUS_NAME_IN_QUEUE 2
#define AFBUS_NAME_EXISTS 3
#define AFBUS_NAME_ALREADY_OWNER 4

/** struct afbus_conn - a D-Bus connection (opaque). */
struct afbus_conn;
/** struct afbus_msg - a received message with its fds (opaque). */
struct afbus_msg;
/** struct afbus_loop - an event loop for many connections (opaque). */
struct afbus_loop;

/**
 * typedef afbus_msg_handler - called for a matched signal or a method call
 * @conn: the connection it came on
 * @msg: the message, valid during the call only
 * @userdata: as registered
 */
typedef void (*afbus_msg_handler)  /* NOLINT(modernize-use-using): a C header */
	(struct afbus_conn *conn, struct afbus_msg *msg, void *userdata);

/**
 * typedef afbus_reply_handler - called once with the outcome of an async call
 * @conn: the connection
 * @error: 0, or as afbus_conn_call() returns
 * @reply: the reply (0) or error reply (-EREMOTEIO), valid during the call
 *	only; NULL for the other errors
 * @userdata: as registered
 */
typedef void (*afbus_reply_handler) /* NOLINT(modernize-use-using): a C header */
	(struct afbus_conn *conn, int error, struct afbus_msg *reply, void *userdata);

/**
 * afbus_conn_open() - connect, authenticate and say Hello
 * @address: a D-Bus address list (unix:path=, unix:abstract=,
 *	afbus:path=); NULL: the session or system bus by @flags
 * @flags: AFBUS_BUS_*, AFBUS_NO_UNIX_FDS
 * @out: the connection
 *
 * Return: 0, or -errno (-ENOENT: no session bus address).
 */
int afbus_conn_open(const char *address, unsigned flags, struct afbus_conn **out) AFBUS_NOEXCEPT;
/** afbus_conn_close() - close and free @conn (NULL is allowed). */
void afbus_conn_close(struct afbus_conn *conn) AFBUS_NOEXCEPT;

/** afbus_conn_fd() - the socket, for the caller's own poll loop. */
int afbus_conn_fd(const struct afbus_conn *conn) AFBUS_NOEXCEPT;
/** afbus_conn_events() - the poll events the connection waits for now. */
short afbus_conn_events(const struct afbus_conn *conn) AFBUS_NOEXCEPT;
/** afbus_conn_unique_name() - ":1.N", owned by @conn. */
const char *afbus_conn_unique_name(const struct afbus_conn *conn) AFBUS_NOEXCEPT;
/** afbus_conn_transport() - AFBUS_TRANSPORT_UNIX or AFBUS_TRANSPORT_AFBUS. */
int afbus_conn_transport(const struct afbus_conn *conn) AFBUS_NOEXCEPT;
/** afbus_conn_unix_fds() - 1 if fds can be passed, 0 if not. */
int afbus_conn_unix_fds(const struct afbus_conn *conn) AFBUS_NOEXCEPT;

/**
 * afbus_conn_send() - send a marshalled message
 * @conn: the connection
 * @message: the message (its serial is replaced), @length bytes
 * @length: its size
 * @fds: @nfds fds to pass (duplicated: the caller keeps its own)
 * @nfds: as the message's UNIX_FDS header field says
 *
 * Return: the serial it was sent with (> 0), or -errno.
 */
long afbus_conn_send(struct afbus_conn *conn, const void *message, size_t length, const int *fds,
		     unsigned nfds) AFBUS_NOEXCEPT;

/**
 * afbus_conn_call() - a method call, waiting for its reply
 * @conn: the connection
 * @message: the method call, @length bytes
 * @length: its size
 * @fds: fds to pass
 * @nfds: how many
 * @timeout_ms: how long to wait (< 0: the default 25 s)
 * @reply: the reply, or the error reply with -EREMOTEIO; free it with
 *	afbus_msg_free(). NULL on other errors.
 *
 * Messages other than the reply that arrive meanwhile wait for
 * afbus_conn_process().
 *
 * Return: 0 or -errno.
 */
int afbus_conn_call(struct afbus_conn *conn, const void *message, size_t length, const int *fds, unsigned nfds,
		    int timeout_ms, struct afbus_msg **reply) AFBUS_NOEXCEPT;

/**
 * afbus_conn_call_async() - a method call whose outcome goes to @handler
 * @conn: the connection
 * @message: the method call, @length bytes
 * @length: its size
 * @fds: fds to pass
 * @nfds: how many
 * @timeout_ms: < 0: the default 25 s
 * @handler: called exactly once: reply, error, timeout, or cancellation
 * @userdata: passed to @handler
 *
 * Return: the call's id (> 0) for afbus_conn_cancel(), or -errno (then
 * @handler is not called).
 */
long afbus_conn_call_async(struct afbus_conn *conn, const void *message, size_t length, const int *fds,
			   unsigned nfds, int timeout_ms, afbus_reply_handler handler, void *userdata) AFBUS_NOEXCEPT;

/**
 * afbus_conn_cancel() - cancel an async call; its handler runs now with
 *	-ECANCELED
 * Return: 0, or -ENOENT if it is not pending.
 */
int afbus_conn_cancel(struct afbus_conn *conn, long id) AFBUS_NOEXCEPT;

/**
 * afbus_conn_add_match() - AddMatch @rule; @handler runs for each message
 *	it matches
 * @conn: the connection
 * @rule: a match rule
 * @timeout_ms: for the AddMatch call (< 0: default)
 * @handler: the handler
 * @userdata: passed to it
 *
 * Return: an id (> 0) for afbus_conn_remove_match(), or -errno (-EINVAL:
 * a bad rule; -EREMOTEIO: the bus refused it).
 */
long afbus_conn_add_match(struct afbus_conn *conn, const char *rule, int timeout_ms, afbus_msg_handler handler,
			  void *userdata) AFBUS_NOEXCEPT;
/** afbus_conn_remove_match() - RemoveMatch; 0 or -errno (-ENOENT: no such id). */
int afbus_conn_remove_match(struct afbus_conn *conn, long id, int timeout_ms) AFBUS_NOEXCEPT;

/**
 * afbus_conn_set_method_handler() - method calls to this connection go to
 *	@handler (NULL: answered with UnknownMethod); it replies with
 *	afbus_conn_reply().
 */
void afbus_conn_set_method_handler(struct afbus_conn *conn, afbus_msg_handler handler,
				   void *userdata) AFBUS_NOEXCEPT;

/**
 * afbus_conn_reply() - send a reply to the method call @call
 * @conn: the connection
 * @call: the method call being answered
 * @reply: a marshalled METHOD_RETURN or ERROR, @length bytes, whose
 *	REPLY_SERIAL and DESTINATION the caller took from @call's header
 *	(its serial is replaced). On AF_BUS it goes to the address @call
 *	came from, whatever DESTINATION says.
 * @length: its size
 * @fds: fds to pass
 * @nfds: how many
 *
 * Return: 0 or -errno.
 */
int afbus_conn_reply(struct afbus_conn *conn, const struct afbus_msg *call, const void *reply, size_t length,
		     const int *fds, unsigned nfds) AFBUS_NOEXCEPT;

/**
 * afbus_conn_request_name() - RequestName
 * Return: AFBUS_NAME_PRIMARY_OWNER ... AFBUS_NAME_ALREADY_OWNER, or -errno.
 */
int afbus_conn_request_name(struct afbus_conn *conn, const char *name, uint32_t flags,
			    int timeout_ms) AFBUS_NOEXCEPT;
/** afbus_conn_release_name() - ReleaseName; the reply code (1-3) or -errno. */
int afbus_conn_release_name(struct afbus_conn *conn, const char *name, int timeout_ms) AFBUS_NOEXCEPT;

/**
 * afbus_conn_process() - wait up to @timeout_ms for messages, read them,
 *	run their handlers
 * Return: the number of messages dispatched, or -errno (-ECONNRESET once
 * the connection is gone).
 */
int afbus_conn_process(struct afbus_conn *conn, int timeout_ms) AFBUS_NOEXCEPT;

/** afbus_msg_data() - the marshalled bytes; *@length gets their size. */
const void *afbus_msg_data(const struct afbus_msg *msg, size_t *length) AFBUS_NOEXCEPT;
/** afbus_msg_fd_count() - how many fds came with it. */
unsigned afbus_msg_fd_count(const struct afbus_msg *msg) AFBUS_NOEXCEPT;
/**
 * afbus_msg_take_fd() - take ownership of fd @index (the value of an 'h'
 *	argument)
 * Return: the fd (close it yourself), -ENOENT if taken or out of range.
 */
int afbus_msg_take_fd(struct afbus_msg *msg, unsigned index) AFBUS_NOEXCEPT;
/** afbus_msg_sender_address() - on AF_BUS, the kernel's sending address. */
uint64_t afbus_msg_sender_address(const struct afbus_msg *msg) AFBUS_NOEXCEPT;
/** afbus_msg_free() - free a reply (NULL is allowed). */
void afbus_msg_free(struct afbus_msg *msg) AFBUS_NOEXCEPT;

/**
 * afbus_loop_new() - an event loop on io_uring, or poll() where io_uring is
 *	unavailable
 * @flags: AFBUS_LOOP_POLL: use poll() even where io_uring works
 * @out: the loop
 * Return: 0 or -errno.
 */
#define AFBUS_LOOP_POLL 0x1
int afbus_loop_new(unsigned flags, struct afbus_loop **out) AFBUS_NOEXCEPT;
/** afbus_loop_free() - free @loop; its connections stay open (NULL is allowed). */
void afbus_loop_free(struct afbus_loop *loop) AFBUS_NOEXCEPT;
/** afbus_loop_add() - 0, or -EBUSY if @conn is in a loop already. */
int afbus_loop_add(struct afbus_loop *loop, struct afbus_conn *conn) AFBUS_NOEXCEPT;
/** afbus_loop_remove() - take @conn out of @loop. */
void afbus_loop_remove(struct afbus_loop *loop, struct afbus_conn *conn) AFBUS_NOEXCEPT;
/** afbus_loop_uses_io_uring() - 1 on io_uring, 0 on poll(). */
int afbus_loop_uses_io_uring(const struct afbus_loop *loop) AFBUS_NOEXCEPT;
/**
 * afbus_loop_run_once() - wait up to @timeout_ms, handle events, dispatch
 * Return: the number of messages dispatched, or -errno.
 */
int afbus_loop_run_once(struct afbus_loop *loop, int timeout_ms) AFBUS_NOEXCEPT;

#ifdef __cplusplus
}
#endif

#endif /* AFBUS_AFBUS_H */
