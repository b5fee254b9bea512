/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nfdbus: D-Bus wire-format parser.
 *
 * The parser works on one contiguous buffer and never reads outside it. It
 * allocates nothing: the result is a struct nfdbus_msg that points into the
 * buffer. The same source builds in userspace (for libFuzzer) with a shim
 * that provides the few kernel headers it includes.
 */
#ifndef _NFDBUS_PARSE_H
#define _NFDBUS_PARSE_H

#include <linux/types.h>

/* Limits of the D-Bus specification */
#define NFDBUS_MAX_MESSAGE_LEN		(128U << 20)
#define NFDBUS_MAX_ARRAY_LEN		(64U << 20)
#define NFDBUS_MAX_NAME_LEN		255
#define NFDBUS_MAX_SIGNATURE_LEN	255
#define NFDBUS_MAX_ARRAY_DEPTH		32
#define NFDBUS_MAX_STRUCT_DEPTH		32
#define NFDBUS_MAX_DEPTH		64
#define NFDBUS_FIXED_HEADER_LEN		12
/* the fixed header and the length of the header-field array */
#define NFDBUS_MIN_HEADER_LEN		16
/* argN, argNpath: N is 0..63 */
#define NFDBUS_MAX_MATCH_ARGS		64

enum nfdbus_msg_type {
	NFDBUS_MSG_INVALID,
	NFDBUS_MSG_METHOD_CALL,
	NFDBUS_MSG_METHOD_RETURN,
	NFDBUS_MSG_ERROR,
	NFDBUS_MSG_SIGNAL,
};

enum nfdbus_msg_flags {
	NFDBUS_FLAG_NO_REPLY_EXPECTED		= 0x1,
	NFDBUS_FLAG_NO_AUTO_START		= 0x2,
	NFDBUS_FLAG_ALLOW_INTERACTIVE_AUTH	= 0x4,
};

enum nfdbus_field_code {
	NFDBUS_FIELD_INVALID,
	NFDBUS_FIELD_PATH,
	NFDBUS_FIELD_INTERFACE,
	NFDBUS_FIELD_MEMBER,
	NFDBUS_FIELD_ERROR_NAME,
	NFDBUS_FIELD_REPLY_SERIAL,
	NFDBUS_FIELD_DESTINATION,
	NFDBUS_FIELD_SENDER,
	NFDBUS_FIELD_SIGNATURE,
	NFDBUS_FIELD_UNIX_FDS,
	NFDBUS_FIELD_MAX = NFDBUS_FIELD_UNIX_FDS,
};

/**
 * struct nfdbus_str - a string inside the message buffer
 * @s:   first byte; the buffer holds a NUL at @s[@len]. NULL when absent.
 * @len: length without the NUL
 */
struct nfdbus_str {
	const char *s;
	u32 len;
};

/**
 * struct nfdbus_msg - what the parser extracted from one message
 * @type:         enum nfdbus_msg_type
 * @flags:        the flags byte, unknown bits kept
 * @big_endian:   true if the message was marshalled big-endian
 * @fields:       bit N set if header field N was present
 * @serial:       the message serial (never 0)
 * @reply_serial: REPLY_SERIAL, 0 when absent
 * @unix_fds:     UNIX_FDS, 0 when absent
 * @body_len:     length of the body in bytes
 * @total_len:    length of the whole message (header, padding, body)
 * @path:         PATH
 * @interface:    INTERFACE
 * @member:       MEMBER
 * @error_name:   ERROR_NAME
 * @destination:  DESTINATION
 * @sender:       SENDER
 * @signature:    SIGNATURE (empty when absent)
 * @nargs:        number of top-level body arguments
 * @walk_steps:   steps the body walk took (the KUnit tests bound the work)
 * @arg_type:     type code of top-level argument N, for N < 64
 * @arg_off:      for an s, o or g argument N < 64, offset of its first
 *                byte from the start of the message
 * @arg_len:      its length without the NUL
 * @buf:          the message buffer the offsets refer to
 */
struct nfdbus_msg {
	u8 type;
	u8 flags;
	bool big_endian;
	u16 fields;
	u32 serial;
	u32 reply_serial;
	u32 unix_fds;
	u32 body_len;
	u32 total_len;
	struct nfdbus_str path;
	struct nfdbus_str interface;
	struct nfdbus_str member;
	struct nfdbus_str error_name;
	struct nfdbus_str destination;
	struct nfdbus_str sender;
	struct nfdbus_str signature;
	u32 nargs;
	u32 walk_steps;
	u8 arg_type[NFDBUS_MAX_MATCH_ARGS];
	u32 arg_off[NFDBUS_MAX_MATCH_ARGS];
	u32 arg_len[NFDBUS_MAX_MATCH_ARGS];
	const u8 *buf;
};

int nfdbus_message_length(const void *buf, size_t len, size_t *msg_len);
int nfdbus_parse_message(const void *buf, size_t len, struct nfdbus_msg *msg);
bool nfdbus_msg_arg(const struct nfdbus_msg *msg, unsigned int n,
		    struct nfdbus_str *arg, char *type);

bool nfdbus_valid_object_path(const char *s, size_t len);
bool nfdbus_valid_interface(const char *s, size_t len);
bool nfdbus_valid_member(const char *s, size_t len);
bool nfdbus_valid_error_name(const char *s, size_t len);
bool nfdbus_valid_bus_name(const char *s, size_t len);
bool nfdbus_valid_signature(const char *s, size_t len);

#endif /* _NFDBUS_PARSE_H */
