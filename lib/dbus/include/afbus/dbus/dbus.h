/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libafbus-dbus: the D-Bus wire protocol for C callers.
 *
 * Build a message: a writer marshals the body, afbus_dbus_message_build()
 * adds the header. Parse one: afbus_dbus_message_parse() validates a
 * received message completely (as dbus-daemon does) and returns a handle
 * that views the caller's buffer (zero copy: strings returned point into
 * it, NUL-terminated, as the wire format guarantees); a reader walks its
 * body.
 *
 * Conventions (as libcma and liburing): functions return 0 or a
 * non-negative count on success and a negative errno value on failure
 * (-EINVAL misuse, -EBADMSG invalid message or value, -EMSGSIZE over the
 * 128 MiB / 64 MiB limits, -ENODATA truncated, -ENOMEM); errno is not
 * used. Handles are opaque and not thread-safe; distinct handles may be
 * used from distinct threads.
 *
 * This header compiles as C99 and later and as C++11 and later. C++
 * callers may prefer <afbus/dbus/dbus.hpp>.
 */
#ifndef AFBUS_DBUS_DBUS_H
#define AFBUS_DBUS_DBUS_H

#include <stddef.h> /* NOLINT(modernize-deprecated-headers): a C header */
#include <stdint.h> /* NOLINT(modernize-deprecated-headers): a C header */

#define AFBUS_DBUS_VERSION_MAJOR 0
#define AFBUS_DBUS_VERSION_MINOR 1

#if defined(__cplusplus) && __cplusplus >= 201103L
#define AFBUS_DBUS_NOEXCEPT noexcept
#else
#define AFBUS_DBUS_NOEXCEPT
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Message types (the second header byte). */
#define AFBUS_DBUS_METHOD_CALL 1
#define AFBUS_DBUS_METHOD_RETURN 2
#define AFBUS_DBUS_ERROR 3
#define AFBUS_DBUS_SIGNAL 4

/* Byte orders (the first header byte). */
#define AFBUS_DBUS_LITTLE_ENDIAN 'l'
#define AFBUS_DBUS_BIG_ENDIAN 'B'

/**
 * struct afbus_dbus_header - the header of a message to build
 *
 * String fields are NUL-terminated, NULL when absent. reply_serial and
 * unix_fds are 0 when absent. The body signature comes from the writer.
 */
struct afbus_dbus_header {
	uint8_t type;
	uint8_t flags;
	uint32_t serial;
	const char *path;
	const char *interface;
	const char *member;
	const char *error_name;
	const char *destination;
	const char *sender;
	uint32_t reply_serial;
	uint32_t unix_fds;
};

/** struct afbus_dbus_writer - marshals a message body (opaque). */
struct afbus_dbus_writer;

/**
 * afbus_dbus_writer_new() - create a writer
 * @byte_order: AFBUS_DBUS_LITTLE_ENDIAN or AFBUS_DBUS_BIG_ENDIAN.
 * @out:        receives the writer, NULL on failure.
 *
 * Return: 0, -EINVAL for another @byte_order, -ENOMEM.
 */
int afbus_dbus_writer_new(char byte_order, struct afbus_dbus_writer **out) AFBUS_DBUS_NOEXCEPT;

/** afbus_dbus_writer_free() - destroy @w (NULL is allowed). */
void afbus_dbus_writer_free(struct afbus_dbus_writer *w) AFBUS_DBUS_NOEXCEPT;

/**
 * afbus_dbus_writer_append() - append one basic value
 * @w:     the writer.
 * @type:  a basic type code: y b n q i u x t d h s o g.
 * @value: points to the value: uint8_t (y), int (b: 0 or non-zero),
 *         int16_t/uint16_t (n q), int32_t/uint32_t (i u h), int64_t/uint64_t
 *         (x t), double (d), or a const char * (s o g), NUL-terminated.
 *
 * Inside an array or variant the type must be the one declared when it was
 * opened. Errors are sticky: once one is returned, later calls fail too.
 *
 * Return: 0; -EINVAL for a type mismatch or misuse; -EBADMSG for an invalid
 * string (UTF-8, path or signature grammar); -EMSGSIZE over the limits.
 */
int afbus_dbus_writer_append(struct afbus_dbus_writer *w, char type, const void *value) AFBUS_DBUS_NOEXCEPT;

/**
 * afbus_dbus_writer_append_fixed_array() - append a whole array of numbers
 * @w:        the writer.
 * @type:     the element type: y n q i u x t d h.
 * @elements: @count elements in this machine's representation.
 * @count:    the element count.
 *
 * Return: as afbus_dbus_writer_append().
 */
int afbus_dbus_writer_append_fixed_array(struct afbus_dbus_writer *w, char type, const void *elements,
					 size_t count) AFBUS_DBUS_NOEXCEPT;

/**
 * afbus_dbus_writer_open() - open a container
 * @w:         the writer.
 * @container: 'a' (array), 'r' (struct), 'e' (dict entry) or 'v' (variant).
 * @signature: for 'a' the element type, for 'v' the value's type; NULL
 *             for 'r' and 'e'.
 *
 * Return: as afbus_dbus_writer_append().
 */
int afbus_dbus_writer_open(struct afbus_dbus_writer *w, char container, const char *signature) AFBUS_DBUS_NOEXCEPT;

/**
 * afbus_dbus_writer_close() - close the innermost open container
 *
 * Return: 0; -EINVAL if none is open or it is incomplete (a variant
 * without its value); as afbus_dbus_writer_append() otherwise.
 */
int afbus_dbus_writer_close(struct afbus_dbus_writer *w) AFBUS_DBUS_NOEXCEPT;

/** afbus_dbus_writer_signature() - the body signature so far (owned by @w). */
const char *afbus_dbus_writer_signature(struct afbus_dbus_writer *w) AFBUS_DBUS_NOEXCEPT;

/** afbus_dbus_writer_reset() - empty @w for reuse. */
void afbus_dbus_writer_reset(struct afbus_dbus_writer *w) AFBUS_DBUS_NOEXCEPT;

/**
 * afbus_dbus_message_build() - marshal a message
 * @header: the header; its names are validated.
 * @body:   the writer holding the body (all containers closed).
 * @out:    receives a malloc'ed buffer holding the message; free() it.
 * @length: receives its length in bytes.
 *
 * Return: 0; -EINVAL for a missing required field, bad name or serial 0
 * (names: -EBADMSG); -EMSGSIZE; -ENOMEM.
 */
int afbus_dbus_message_build(const struct afbus_dbus_header *header, const struct afbus_dbus_writer *body,
			     void **out, size_t *length) AFBUS_DBUS_NOEXCEPT;

/**
 * afbus_dbus_message_size() - how long a message is, from its start
 * @data:   the first bytes of a message.
 * @length: how many there are; at least 16 are needed.
 *
 * Return: the total length of the message (header and body), -ENODATA if
 * @length is below 16, -EBADMSG or -EMSGSIZE if the start is invalid.
 */
long afbus_dbus_message_size(const void *data, size_t length) AFBUS_DBUS_NOEXCEPT;

/** struct afbus_dbus_message - a parsed, validated message (opaque). */
struct afbus_dbus_message;

/**
 * afbus_dbus_message_parse() - validate and parse one message
 * @data:   exactly one whole message; must outlive the handle.
 * @length: its length.
 * @out:    receives the handle, NULL on failure.
 *
 * Return: 0, -EBADMSG, -EMSGSIZE, -ENODATA, -ENOMEM.
 */
int afbus_dbus_message_parse(const void *data, size_t length, struct afbus_dbus_message **out) AFBUS_DBUS_NOEXCEPT;

/** afbus_dbus_message_free() - destroy @m (NULL is allowed). */
void afbus_dbus_message_free(struct afbus_dbus_message *m) AFBUS_DBUS_NOEXCEPT;

/**
 * afbus_dbus_message_get_header() - the header of @m
 * @m:   the message.
 * @out: filled in; its strings point into the message buffer, NULL when
 *       the field is absent.
 */
void afbus_dbus_message_get_header(const struct afbus_dbus_message *m,
				   struct afbus_dbus_header *out) AFBUS_DBUS_NOEXCEPT;

/** afbus_dbus_message_signature() - the body signature of @m ("" if none). */
const char *afbus_dbus_message_signature(const struct afbus_dbus_message *m) AFBUS_DBUS_NOEXCEPT;

/** afbus_dbus_message_byte_order() - 'l' or 'B'. */
char afbus_dbus_message_byte_order(const struct afbus_dbus_message *m) AFBUS_DBUS_NOEXCEPT;

/** struct afbus_dbus_reader - walks the body of a parsed message (opaque). */
struct afbus_dbus_reader;

/**
 * afbus_dbus_reader_new() - a reader at the start of @m's body
 *
 * @m must outlive the reader. Return: 0, -ENOMEM.
 */
int afbus_dbus_reader_new(const struct afbus_dbus_message *m, struct afbus_dbus_reader **out) AFBUS_DBUS_NOEXCEPT;

/** afbus_dbus_reader_free() - destroy @r (NULL is allowed). */
void afbus_dbus_reader_free(struct afbus_dbus_reader *r) AFBUS_DBUS_NOEXCEPT;

/**
 * afbus_dbus_reader_type() - the type of the next value
 *
 * Return: its type code ('a', 'r' for a struct, 'e' for a dict entry, 'v',
 * or a basic code), or 0 at the end of the current container.
 */
char afbus_dbus_reader_type(const struct afbus_dbus_reader *r) AFBUS_DBUS_NOEXCEPT;

/**
 * afbus_dbus_reader_read() - read the next basic value
 * @r:     the reader.
 * @type:  the type expected.
 * @value: receives it, in the representations of afbus_dbus_writer_append()
 *         (b: an int 0 or 1; s o g: a const char * into the message).
 *
 * Return: 0, -EINVAL if the next value is not of @type.
 */
int afbus_dbus_reader_read(struct afbus_dbus_reader *r, char type, void *value) AFBUS_DBUS_NOEXCEPT;

/**
 * afbus_dbus_reader_enter() - step into the container that is next
 *
 * Reads continue inside it until afbus_dbus_reader_type() returns 0;
 * afbus_dbus_reader_leave() then continues after it.
 * Return: 0, -EINVAL if the next value is not a container.
 */
int afbus_dbus_reader_enter(struct afbus_dbus_reader *r) AFBUS_DBUS_NOEXCEPT;

/** afbus_dbus_reader_leave() - continue after the current container. Return: 0, -EINVAL at top level. */
int afbus_dbus_reader_leave(struct afbus_dbus_reader *r) AFBUS_DBUS_NOEXCEPT;

/** afbus_dbus_reader_skip() - skip the next value. Return: 0, -EINVAL at the end. */
int afbus_dbus_reader_skip(struct afbus_dbus_reader *r) AFBUS_DBUS_NOEXCEPT;

/**
 * afbus_dbus_validate_name() - check a name against its grammar
 * @kind: 'o' object path, 'i' interface, 'm' member, 'e' error name,
 *        'b' bus name, 'g' signature.
 * @name: NUL-terminated.
 *
 * Return: 0 if valid, -EBADMSG if not, -EINVAL for an unknown @kind.
 */
int afbus_dbus_validate_name(char kind, const char *name) AFBUS_DBUS_NOEXCEPT;

#ifdef __cplusplus
}
#endif

#endif /* AFBUS_DBUS_DBUS_H */
