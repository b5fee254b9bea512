// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the nfdbus D-Bus message parser, match-rule parser and
 * matcher.
 *
 * Messages are built here by a small marshaller in either byte order, so
 * every case runs little- and big-endian; two messages that GDBus produced
 * are checked byte for byte as they came. Each parse gets a heap buffer of
 * exactly the message's length, so KASAN reports any read past the end.
 * The match-rule cases come from tests/vectors/match-rules.txt.
 */

#include <kunit/test.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "nfdbus_kunit.h"

static void mb_u8(struct mb *m, u8 v)
{
	if (m->pos < MB_CAP)
		m->buf[m->pos] = v;
	m->pos++;
}

static void mb_pad(struct mb *m, u32 align)
{
	while (m->pos % align) {
		if (m->npads < ARRAY_SIZE(m->pads))
			m->pads[m->npads++] = m->pos;
		mb_u8(m, 0);
	}
}

static void mb_u32_at(struct mb *m, u32 pos, u32 v)
{
	int i;

	for (i = 0; i < 4; i++)
		m->buf[pos + i] = m->be ? v >> (24 - 8 * i) : v >> (8 * i);
}

static void mb_u32(struct mb *m, u32 v)
{
	mb_pad(m, 4);
	if (m->pos + 4 <= MB_CAP)
		mb_u32_at(m, m->pos, v);
	m->pos += 4;
}

static void mb_bytes(struct mb *m, const char *s, size_t len)
{
	while (len--)
		mb_u8(m, *s++);
	mb_u8(m, 0);
}

static void mb_str(struct mb *m, const char *s)
{
	mb_u32(m, strlen(s));
	mb_bytes(m, s, strlen(s));
}

static void mb_sig(struct mb *m, const char *s)
{
	mb_u8(m, strlen(s));
	mb_bytes(m, s, strlen(s));
}

static void mb_field(struct mb *m, u8 code, const char *sig, const char *s,
		     u32 u)
{
	mb_pad(m, 8);
	mb_u8(m, code);
	mb_sig(m, sig);
	if (sig[0] == 'u')
		mb_u32(m, u);
	else if (sig[0] == 'g')
		mb_sig(m, s);
	else
		mb_str(m, s);
}

/* Marshal @v (args only of types s, o, g; gaps are INT32 0); returns length */
u32 nfdbus_test_build(struct mb *m, const struct nfdbus_vector *v, bool be,
		      const struct raw_field *extra, unsigned int nextra)
{
	char sig[NFDBUS_MAX_MATCH_ARGS + 1] = "";
	unsigned int i, a, top = 0;
	u32 fields_start, body_start;

	memset(m, 0, sizeof(*m));
	m->be = be;
	for (i = 0; i < v->nargs; i++)
		top = max_t(unsigned int, top, v->args[i].index + 1);
	for (a = 0; a < top; a++)
		sig[a] = 'i';
	for (i = 0; i < v->nargs; i++)
		sig[v->args[i].index] = v->args[i].type;

	mb_u8(m, be ? 'B' : 'l');
	mb_u8(m, v->type);
	mb_u8(m, 0);
	mb_u8(m, 1);
	mb_u32(m, 0);	/* body length, below */
	mb_u32(m, 1);	/* serial */
	mb_u32(m, 0);	/* header-field array length, below */
	fields_start = m->pos;
	if (v->path)
		mb_field(m, NFDBUS_FIELD_PATH, "o", v->path, 0);
	if (v->interface)
		mb_field(m, NFDBUS_FIELD_INTERFACE, "s", v->interface, 0);
	if (v->member)
		mb_field(m, NFDBUS_FIELD_MEMBER, "s", v->member, 0);
	if (v->error_name)
		mb_field(m, NFDBUS_FIELD_ERROR_NAME, "s", v->error_name, 0);
	if (v->reply_serial)
		mb_field(m, NFDBUS_FIELD_REPLY_SERIAL, "u", NULL,
			 v->reply_serial);
	if (v->destination)
		mb_field(m, NFDBUS_FIELD_DESTINATION, "s", v->destination, 0);
	if (v->sender)
		mb_field(m, NFDBUS_FIELD_SENDER, "s", v->sender, 0);
	if (top)
		mb_field(m, NFDBUS_FIELD_SIGNATURE, "g", sig, 0);
	for (i = 0; i < nextra; i++)
		mb_field(m, extra[i].code, extra[i].sig, extra[i].s, extra[i].u);
	mb_u32_at(m, 12, m->pos - fields_start);
	mb_pad(m, 8);
	body_start = m->pos;
	for (a = 0; a < top; a++) {
		const char *val = NULL;

		for (i = 0; i < v->nargs; i++)
			if (v->args[i].index == a)
				val = v->args[i].value;
		if (sig[a] == 'i')
			mb_u32(m, 0);
		else if (sig[a] == 'g')
			mb_sig(m, val);
		else
			mb_str(m, val);
	}
	mb_u32_at(m, 4, m->pos - body_start);
	return m->pos;
}

/* Parse a copy of exactly @len bytes, so that KASAN sees any overread. The
 * copy lives until the end of the test: @msg points into it.
 */
int nfdbus_test_parse(struct kunit *test, const u8 *buf, size_t len,
		      struct nfdbus_msg *msg)
{
	u8 *copy = kunit_kmalloc(test, len ? len : 1, GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, copy);
	memcpy(copy, buf, len);
	return nfdbus_parse_message(copy, len, msg);
}

const struct nfdbus_vector nfdbus_test_sample_signal = {
	.type = NFDBUS_MSG_SIGNAL,
	.sender = ":1.42",
	.destination = "org.example.Dest",
	.path = "/org/example/Obj",
	.interface = "org.example.Iface",
	.member = "Changed",
	.nargs = 3,
	.args = {
		{ 0, 's', "hello" },
		{ 1, 'o', "/a/b" },
		{ 3, 'g', "a{sv}" },
	},
};

struct nfdbus_msg *nfdbus_test_alloc_msg(struct kunit *test)
{
	struct nfdbus_msg *msg = kunit_kzalloc(test, sizeof(*msg), GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, msg);
	return msg;
}

struct mb *nfdbus_test_alloc_mb(struct kunit *test)
{
	struct mb *m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, m);
	return m;
}

static void expect_str(struct kunit *test, const struct nfdbus_str *got,
		       const char *want)
{
	KUNIT_ASSERT_NOT_NULL(test, got->s);
	KUNIT_EXPECT_EQ(test, got->len, strlen(want));
	KUNIT_EXPECT_EQ(test, memcmp(got->s, want, got->len), 0);
	KUNIT_EXPECT_EQ(test, got->s[got->len], 0);
}

static void parse_valid_signal(struct kunit *test)
{
	struct nfdbus_msg *msg = nfdbus_test_alloc_msg(test);
	struct mb *m = nfdbus_test_alloc_mb(test);
	struct nfdbus_str arg;
	int be;
	char t;

	for (be = 0; be < 2; be++) {
		u32 len = nfdbus_test_build(m, &nfdbus_test_sample_signal, be, NULL, 0);

		KUNIT_ASSERT_EQ(test, nfdbus_parse_message(m->buf, len, msg), 0);
		KUNIT_EXPECT_EQ(test, msg->big_endian, (bool)be);
		KUNIT_EXPECT_EQ(test, msg->type, NFDBUS_MSG_SIGNAL);
		KUNIT_EXPECT_EQ(test, msg->serial, 1);
		KUNIT_EXPECT_EQ(test, msg->total_len, len);
		expect_str(test, &msg->sender, ":1.42");
		expect_str(test, &msg->destination, "org.example.Dest");
		expect_str(test, &msg->path, "/org/example/Obj");
		expect_str(test, &msg->interface, "org.example.Iface");
		expect_str(test, &msg->member, "Changed");
		expect_str(test, &msg->signature, "soig");
		KUNIT_EXPECT_EQ(test, msg->nargs, 4);
		KUNIT_ASSERT_TRUE(test, nfdbus_msg_arg(msg, 0, &arg, &t));
		KUNIT_EXPECT_EQ(test, t, 's');
		expect_str(test, &arg, "hello");
		KUNIT_ASSERT_TRUE(test, nfdbus_msg_arg(msg, 1, &arg, &t));
		KUNIT_EXPECT_EQ(test, t, 'o');
		expect_str(test, &arg, "/a/b");
		KUNIT_EXPECT_FALSE(test, nfdbus_msg_arg(msg, 2, &arg, &t));
		KUNIT_ASSERT_TRUE(test, nfdbus_msg_arg(msg, 3, &arg, &t));
		KUNIT_EXPECT_EQ(test, t, 'g');
		expect_str(test, &arg, "a{sv}");
		KUNIT_EXPECT_FALSE(test, nfdbus_msg_arg(msg, 4, &arg, &t));
		/* a second message after this one does not disturb it */
		KUNIT_EXPECT_EQ(test, nfdbus_parse_message(m->buf, MB_CAP, msg), 0);
	}
}

/* Two messages marshalled by GDBus (Gio.DBusMessage.to_blob), one per byte
 * order: signal /org/example/Obj org.example.Iface.Changed from :1.5 to
 * org.x.Y, serial 5, body (sou) "hello", "/a/b", 7.
 */
static const u8 gdbus_le[] = {
	0x6c, 0x04, 0x01, 0x01, 0x1c, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00,
	0x80, 0x00, 0x00, 0x00, 0x07, 0x01, 0x73, 0x00, 0x04, 0x00, 0x00, 0x00,
	0x3a, 0x31, 0x2e, 0x35, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01, 0x6f, 0x00,
	0x10, 0x00, 0x00, 0x00, 0x2f, 0x6f, 0x72, 0x67, 0x2f, 0x65, 0x78, 0x61,
	0x6d, 0x70, 0x6c, 0x65, 0x2f, 0x4f, 0x62, 0x6a, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x02, 0x01, 0x73, 0x00, 0x11, 0x00, 0x00, 0x00,
	0x6f, 0x72, 0x67, 0x2e, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x2e,
	0x49, 0x66, 0x61, 0x63, 0x65, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x06, 0x01, 0x73, 0x00, 0x07, 0x00, 0x00, 0x00, 0x6f, 0x72, 0x67, 0x2e,
	0x78, 0x2e, 0x59, 0x00, 0x08, 0x01, 0x67, 0x00, 0x03, 0x73, 0x6f, 0x75,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x01, 0x73, 0x00,
	0x07, 0x00, 0x00, 0x00, 0x43, 0x68, 0x61, 0x6e, 0x67, 0x65, 0x64, 0x00,
	0x05, 0x00, 0x00, 0x00, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x00, 0x00, 0x00,
	0x04, 0x00, 0x00, 0x00, 0x2f, 0x61, 0x2f, 0x62, 0x00, 0x00, 0x00, 0x00,
	0x07, 0x00, 0x00, 0x00,
};

static const u8 gdbus_be[] = {
	0x42, 0x04, 0x01, 0x01, 0x00, 0x00, 0x00, 0x1c, 0x00, 0x00, 0x00, 0x05,
	0x00, 0x00, 0x00, 0x80, 0x07, 0x01, 0x73, 0x00, 0x00, 0x00, 0x00, 0x04,
	0x3a, 0x31, 0x2e, 0x35, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01, 0x6f, 0x00,
	0x00, 0x00, 0x00, 0x10, 0x2f, 0x6f, 0x72, 0x67, 0x2f, 0x65, 0x78, 0x61,
	0x6d, 0x70, 0x6c, 0x65, 0x2f, 0x4f, 0x62, 0x6a, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x02, 0x01, 0x73, 0x00, 0x00, 0x00, 0x00, 0x11,
	0x6f, 0x72, 0x67, 0x2e, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x2e,
	0x49, 0x66, 0x61, 0x63, 0x65, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x06, 0x01, 0x73, 0x00, 0x00, 0x00, 0x00, 0x07, 0x6f, 0x72, 0x67, 0x2e,
	0x78, 0x2e, 0x59, 0x00, 0x08, 0x01, 0x67, 0x00, 0x03, 0x73, 0x6f, 0x75,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x01, 0x73, 0x00,
	0x00, 0x00, 0x00, 0x07, 0x43, 0x68, 0x61, 0x6e, 0x67, 0x65, 0x64, 0x00,
	0x00, 0x00, 0x00, 0x05, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x04, 0x2f, 0x61, 0x2f, 0x62, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x07,
};

static void parse_gdbus_messages(struct kunit *test)
{
	static const struct {
		const u8 *buf;
		size_t len;
	} msgs[] = {
		{ gdbus_le, sizeof(gdbus_le) },
		{ gdbus_be, sizeof(gdbus_be) },
	};
	struct nfdbus_msg *msg = nfdbus_test_alloc_msg(test);
	struct nfdbus_str arg;
	unsigned int i;
	char t;

	for (i = 0; i < ARRAY_SIZE(msgs); i++) {
		KUNIT_ASSERT_EQ(test, nfdbus_test_parse(test, msgs[i].buf,
							msgs[i].len, msg), 0);
		KUNIT_EXPECT_EQ(test, msg->big_endian, i == 1);
		KUNIT_EXPECT_EQ(test, msg->serial, 5);
		expect_str(test, &msg->sender, ":1.5");
		expect_str(test, &msg->destination, "org.x.Y");
		expect_str(test, &msg->member, "Changed");
		KUNIT_EXPECT_EQ(test, msg->nargs, 3);
		KUNIT_ASSERT_TRUE(test, nfdbus_msg_arg(msg, 1, &arg, &t));
		expect_str(test, &arg, "/a/b");
	}
}

/* Every proper prefix of a valid message is refused, in both byte orders. */
static void parse_truncated(struct kunit *test)
{
	struct nfdbus_msg *msg = nfdbus_test_alloc_msg(test);
	struct mb *m = nfdbus_test_alloc_mb(test);
	u32 len, i;
	int be;

	for (be = 0; be < 2; be++) {
		len = nfdbus_test_build(m, &nfdbus_test_sample_signal, be, NULL, 0);
		for (i = 0; i < len; i++)
			KUNIT_EXPECT_NE_MSG(test, nfdbus_test_parse(test, m->buf, i, msg),
					    0, "prefix of %u bytes accepted", i);
		KUNIT_EXPECT_EQ(test, nfdbus_test_parse(test, m->buf, len, msg), 0);
	}
	for (i = 0; i < sizeof(gdbus_be); i++)
		KUNIT_EXPECT_NE(test, nfdbus_test_parse(test, gdbus_be, i, msg), 0);
}

/* Nonzero padding anywhere, or padding left out, makes the message invalid. */
static void parse_bad_padding(struct kunit *test)
{
	struct nfdbus_msg *msg = nfdbus_test_alloc_msg(test);
	struct mb *m = nfdbus_test_alloc_mb(test);
	u8 *copy = kunit_kmalloc(test, MB_CAP, GFP_KERNEL);
	u32 len, i, p;
	int be;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, copy);
	for (be = 0; be < 2; be++) {
		len = nfdbus_test_build(m, &nfdbus_test_sample_signal, be, NULL, 0);
		KUNIT_ASSERT_GT(test, m->npads, 10);
		for (i = 0; i < m->npads; i++) {
			p = m->pads[i];
			memcpy(copy, m->buf, len);
			copy[p] = 0x20;
			KUNIT_EXPECT_EQ_MSG(test, nfdbus_test_parse(test, copy, len, msg),
					    -EINVAL, "padding byte %u", p);
			/* without the padding byte, something is misaligned */
			memcpy(copy, m->buf, p);
			memcpy(copy + p, m->buf + p + 1, len - p - 1);
			KUNIT_EXPECT_NE_MSG(test, nfdbus_test_parse(test, copy, len - 1, msg),
					    0, "padding byte %u removed", p);
		}
	}
}

static void parse_fixed_header(struct kunit *test)
{
	struct nfdbus_msg *msg = nfdbus_test_alloc_msg(test);
	struct mb *m = nfdbus_test_alloc_mb(test);
	size_t total;
	u32 len;
	int be;

	for (be = 0; be < 2; be++) {
		len = nfdbus_test_build(m, &nfdbus_test_sample_signal, be, NULL, 0);
		m->buf[0] = 'x';
		KUNIT_EXPECT_EQ(test, nfdbus_test_parse(test, m->buf, len, msg), -EINVAL);
		len = nfdbus_test_build(m, &nfdbus_test_sample_signal, be, NULL, 0);
		m->buf[3] = 2;	/* protocol version */
		KUNIT_EXPECT_EQ(test, nfdbus_test_parse(test, m->buf, len, msg), -EINVAL);
		len = nfdbus_test_build(m, &nfdbus_test_sample_signal, be, NULL, 0);
		m->buf[1] = 0;	/* type INVALID */
		KUNIT_EXPECT_EQ(test, nfdbus_test_parse(test, m->buf, len, msg), -EINVAL);
		m->buf[1] = 5;	/* unknown type */
		KUNIT_EXPECT_EQ(test, nfdbus_test_parse(test, m->buf, len, msg), -EINVAL);
		len = nfdbus_test_build(m, &nfdbus_test_sample_signal, be, NULL, 0);
		m->buf[2] = 0xff;	/* unknown flags are ignored */
		KUNIT_EXPECT_EQ(test, nfdbus_test_parse(test, m->buf, len, msg), 0);
		KUNIT_EXPECT_EQ(test, msg->flags, 0xff);
		mb_u32_at(m, 8, 0);	/* serial 0 */
		KUNIT_EXPECT_EQ(test, nfdbus_test_parse(test, m->buf, len, msg), -EINVAL);
		len = nfdbus_test_build(m, &nfdbus_test_sample_signal, be, NULL, 0);
		mb_u32_at(m, 4, 4);	/* body shorter than the signature needs */
		KUNIT_EXPECT_NE(test, nfdbus_test_parse(test, m->buf, len, msg), 0);
		/* 128 MiB is the limit; the header says how long it will be */
		len = nfdbus_test_build(m, &nfdbus_test_sample_signal, be, NULL, 0);
		mb_u32_at(m, 4, NFDBUS_MAX_MESSAGE_LEN);
		KUNIT_EXPECT_EQ(test, nfdbus_message_length(m->buf, len, &total),
				-EMSGSIZE);
		KUNIT_EXPECT_EQ(test, nfdbus_test_parse(test, m->buf, len, msg),
				-EMSGSIZE);
		mb_u32_at(m, 4, NFDBUS_MAX_MESSAGE_LEN - 256);
		KUNIT_EXPECT_EQ(test, nfdbus_message_length(m->buf, len, &total), 0);
		KUNIT_EXPECT_EQ(test, nfdbus_test_parse(test, m->buf, len, msg), -ENODATA);
		mb_u32_at(m, 12, NFDBUS_MAX_ARRAY_LEN + 1);
		KUNIT_EXPECT_EQ(test, nfdbus_test_parse(test, m->buf, len, msg), -EINVAL);
		KUNIT_EXPECT_EQ(test, nfdbus_message_length(m->buf, 15, &total),
				-ENODATA);
	}
}

struct field_case {
	const char *what;
	struct raw_field extra;
	int err;
};

static const struct field_case field_cases[] = {
	{ "PATH twice", { NFDBUS_FIELD_PATH, "o", 0, "/x" }, -EINVAL },
	{ "INTERFACE twice", { NFDBUS_FIELD_INTERFACE, "s", 0, "a.b" }, -EINVAL },
	{ "MEMBER twice", { NFDBUS_FIELD_MEMBER, "s", 0, "M" }, -EINVAL },
	{ "SENDER twice", { NFDBUS_FIELD_SENDER, "s", 0, ":1.1" }, -EINVAL },
	{ "SIGNATURE twice", { NFDBUS_FIELD_SIGNATURE, "g", 0, "soig" }, -EINVAL },
	{ "ERROR_NAME", { NFDBUS_FIELD_ERROR_NAME, "s", 0, "a.b.E" }, 0 },
	{ "ERROR_NAME bad", { NFDBUS_FIELD_ERROR_NAME, "s", 0, "E" }, -EINVAL },
	{ "ERROR_NAME as o", { NFDBUS_FIELD_ERROR_NAME, "o", 0, "/E" }, -EINVAL },
	{ "REPLY_SERIAL", { NFDBUS_FIELD_REPLY_SERIAL, "u", 7, NULL }, 0 },
	{ "REPLY_SERIAL 0", { NFDBUS_FIELD_REPLY_SERIAL, "u", 0, NULL }, -EINVAL },
	{ "REPLY_SERIAL as s", { NFDBUS_FIELD_REPLY_SERIAL, "s", 0, "7" }, -EINVAL },
	{ "UNIX_FDS", { NFDBUS_FIELD_UNIX_FDS, "u", 3, NULL }, 0 },
	{ "UNIX_FDS as g", { NFDBUS_FIELD_UNIX_FDS, "g", 0, "u" }, -EINVAL },
	{ "code 0", { 0, "u", 1, NULL }, -EINVAL },
	{ "unknown code 10, s", { 10, "s", 0, "anything" }, 0 },
	{ "unknown code 200, u", { 200, "u", 1, NULL }, 0 },
	{ "unknown code, bad variant", { 10, "uu", 1, NULL }, -EINVAL },
};

static const struct nfdbus_vector bare_signal = {
	.type = NFDBUS_MSG_SIGNAL,
	.path = "/org/example/Obj",
	.interface = "org.example.Iface",
	.member = "Changed",
	.nargs = 3,
	.args = {
		{ 0, 's', "hello" },
		{ 1, 'o', "/a/b" },
		{ 3, 'g', "a{sv}" },
	},
};

static void parse_header_fields(struct kunit *test)
{
	struct nfdbus_msg *msg = nfdbus_test_alloc_msg(test);
	struct mb *m = nfdbus_test_alloc_mb(test);
	unsigned int i;
	u32 len;
	int be;

	for (be = 0; be < 2; be++) {
		for (i = 0; i < ARRAY_SIZE(field_cases); i++) {
			len = nfdbus_test_build(m, &nfdbus_test_sample_signal, be,
						&field_cases[i].extra, 1);
			KUNIT_EXPECT_EQ_MSG(test, nfdbus_test_parse(test, m->buf, len, msg),
					    field_cases[i].err, "%s", field_cases[i].what);
		}
		len = nfdbus_test_build(m, &bare_signal, be, &field_cases[8].extra, 1);
		KUNIT_ASSERT_EQ(test, nfdbus_test_parse(test, m->buf, len, msg), 0);
		KUNIT_EXPECT_EQ(test, msg->reply_serial, 7);
		KUNIT_EXPECT_EQ(test, msg->fields,
				BIT(NFDBUS_FIELD_PATH) | BIT(NFDBUS_FIELD_INTERFACE) |
				BIT(NFDBUS_FIELD_MEMBER) | BIT(NFDBUS_FIELD_SIGNATURE) |
				BIT(NFDBUS_FIELD_REPLY_SERIAL));
		len = nfdbus_test_build(m, &bare_signal, be, &field_cases[11].extra, 1);
		KUNIT_ASSERT_EQ(test, nfdbus_test_parse(test, m->buf, len, msg), 0);
		KUNIT_EXPECT_EQ(test, msg->unix_fds, 3);
	}
}

/* The fields each message type needs */
static void parse_required_fields(struct kunit *test)
{
	static const struct nfdbus_vector cases[] = {
		{ .type = 1, .path = "/a", .member = "M", .expect = 0 },
		{ .type = 1, .path = "/a", .expect = 1 },
		{ .type = 1, .member = "M", .expect = 1 },
		{ .type = 2, .reply_serial = 1, .expect = 0 },
		{ .type = 2, .expect = 1 },
		{ .type = 3, .reply_serial = 1, .error_name = "a.E", .expect = 0 },
		{ .type = 3, .reply_serial = 1, .expect = 1 },
		{ .type = 3, .error_name = "a.E", .expect = 1 },
		{ .type = 4, .path = "/a", .interface = "a.b", .member = "M" },
		{ .type = 4, .path = "/a", .member = "M", .expect = 1 },
		{ .type = 4, .interface = "a.b", .member = "M", .expect = 1 },
		{ .type = 4, .path = "/a", .interface = "a.b", .expect = 1 },
		/* reserved for libraries' own use */
		{ .type = 4, .path = "/org/freedesktop/DBus/Local",
		  .interface = "a.b", .member = "M", .expect = 1 },
		{ .type = 4, .path = "/a", .interface = "org.freedesktop.DBus.Local",
		  .member = "M", .expect = 1 },
	};
	struct nfdbus_msg *msg = nfdbus_test_alloc_msg(test);
	struct mb *m = nfdbus_test_alloc_mb(test);
	unsigned int i;
	int be, want;
	u32 len;

	for (be = 0; be < 2; be++) {
		for (i = 0; i < ARRAY_SIZE(cases); i++) {
			want = 0;
			if (cases[i].expect)
				want = -EINVAL;
			len = nfdbus_test_build(m, &cases[i], be, NULL, 0);
			KUNIT_EXPECT_EQ_MSG(test, nfdbus_test_parse(test, m->buf, len, msg),
					    want, "case %u", i);
		}
	}
}

struct name_case {
	bool (*valid)(const char *s, size_t len);
	const char *name;
	bool ok;
};

static const struct name_case name_cases[] = {
	{ nfdbus_valid_object_path, "/", true },
	{ nfdbus_valid_object_path, "/a/b_c/D9", true },
	{ nfdbus_valid_object_path, "", false },
	{ nfdbus_valid_object_path, "a", false },
	{ nfdbus_valid_object_path, "/a/", false },
	{ nfdbus_valid_object_path, "//", false },
	{ nfdbus_valid_object_path, "/a//b", false },
	{ nfdbus_valid_object_path, "/a-b", false },
	{ nfdbus_valid_object_path, "/a.b", false },
	{ nfdbus_valid_interface, "a.b", true },
	{ nfdbus_valid_interface, "org.Example_1.X", true },
	{ nfdbus_valid_interface, "_a._b", true },
	{ nfdbus_valid_interface, "a", false },
	{ nfdbus_valid_interface, "a.", false },
	{ nfdbus_valid_interface, ".a.b", false },
	{ nfdbus_valid_interface, "a..b", false },
	{ nfdbus_valid_interface, "a.1b", false },
	{ nfdbus_valid_interface, "1a.b", false },
	{ nfdbus_valid_interface, "a-b.c", false },
	{ nfdbus_valid_interface, "", false },
	{ nfdbus_valid_error_name, "org.example.Error.Failed", true },
	{ nfdbus_valid_error_name, "Failed", false },
	{ nfdbus_valid_member, "Get", true },
	{ nfdbus_valid_member, "_x9", true },
	{ nfdbus_valid_member, "9x", false },
	{ nfdbus_valid_member, "a.b", false },
	{ nfdbus_valid_member, "a-b", false },
	{ nfdbus_valid_member, "", false },
	{ nfdbus_valid_bus_name, ":1.42", true },
	{ nfdbus_valid_bus_name, ":1.2.3", true },
	{ nfdbus_valid_bus_name, ":a-b.c_d", true },
	{ nfdbus_valid_bus_name, "org.freedesktop.DBus", true },
	{ nfdbus_valid_bus_name, "org.a-b.c_d", true },
	{ nfdbus_valid_bus_name, "-a.b", true },
	{ nfdbus_valid_bus_name, ":1", false },
	{ nfdbus_valid_bus_name, ":", false },
	{ nfdbus_valid_bus_name, ":.1", false },
	{ nfdbus_valid_bus_name, ":1.", false },
	{ nfdbus_valid_bus_name, "org", false },
	{ nfdbus_valid_bus_name, "org.1a", false },
	{ nfdbus_valid_bus_name, "1org.a", false },
	{ nfdbus_valid_bus_name, "org..a", false },
	{ nfdbus_valid_bus_name, "org.a:b", false },
	{ nfdbus_valid_bus_name, "", false },
};

static void names_grammar(struct kunit *test)
{
	char *long_name = kunit_kzalloc(test, 300, GFP_KERNEL);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(name_cases); i++) {
		const struct name_case *c = &name_cases[i];

		KUNIT_EXPECT_EQ_MSG(test, c->valid(c->name, strlen(c->name)),
				    c->ok, "'%s'", c->name);
	}
	/* 255 bytes at most */
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, long_name);
	memset(long_name, 'a', 299);
	long_name[1] = '.';
	KUNIT_EXPECT_TRUE(test, nfdbus_valid_interface(long_name, 255));
	KUNIT_EXPECT_FALSE(test, nfdbus_valid_interface(long_name, 256));
	KUNIT_EXPECT_TRUE(test, nfdbus_valid_bus_name(long_name, 255));
	KUNIT_EXPECT_FALSE(test, nfdbus_valid_bus_name(long_name, 256));
	KUNIT_EXPECT_TRUE(test, nfdbus_valid_member(long_name + 2, 255));
	KUNIT_EXPECT_FALSE(test, nfdbus_valid_member(long_name + 2, 256));
	/* object paths have no length limit of their own */
	long_name[0] = '/';
	long_name[1] = 'a';
	KUNIT_EXPECT_TRUE(test, nfdbus_valid_object_path(long_name, 299));
}

static const struct {
	const char *sig;
	bool ok;
} sig_cases[] = {
	{ "", true },
	{ "ybnqiuxtdsogh", true },
	{ "v", true },
	{ "as", true },
	{ "aas", true },
	{ "a{sv}", true },
	{ "a{ya{sv}}", true },
	{ "(i)", true },
	{ "((i)(s))", true },
	{ "a(ia{s(v)})", true },
	{ "a", false },
	{ "aa", false },
	{ "()", false },
	{ "(", false },
	{ ")", false },
	{ "(i", false },
	{ "i)", false },
	{ "{sv}", false },
	{ "a{}", false },
	{ "a{s}", false },
	{ "a{svv}", false },
	{ "a{vs}", false },
	{ "a{(i)s}", false },
	{ "a{asi}", false },
	{ "a{sv", false },
	{ "a(}", false },
	{ "z", false },
	{ "m", false },
	{ "*", false },
	{ "(a)", false },
};

static void signature_grammar(struct kunit *test)
{
	char *buf = kunit_kzalloc(test, 300, GFP_KERNEL);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sig_cases); i++) {
		const char *sig = sig_cases[i].sig;

		KUNIT_EXPECT_EQ_MSG(test, nfdbus_valid_signature(sig, strlen(sig)),
				    sig_cases[i].ok, "'%s'", sig);
	}
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, buf);
	/* 32 nested arrays, not 33 */
	memset(buf, 'a', 32);
	buf[32] = 'y';
	KUNIT_EXPECT_TRUE(test, nfdbus_valid_signature(buf, 33));
	memset(buf, 'a', 33);
	buf[33] = 'y';
	KUNIT_EXPECT_FALSE(test, nfdbus_valid_signature(buf, 34));
	/* 32 nested structs, not 33 */
	memset(buf, '(', 32);
	buf[32] = 'y';
	memset(buf + 33, ')', 32);
	KUNIT_EXPECT_TRUE(test, nfdbus_valid_signature(buf, 65));
	memset(buf, '(', 33);
	buf[33] = 'y';
	memset(buf + 34, ')', 33);
	KUNIT_EXPECT_FALSE(test, nfdbus_valid_signature(buf, 67));
	/* arrays and structs together: 32 of each is the maximum */
	for (i = 0; i < 32; i++) {
		buf[2 * i] = 'a';
		buf[2 * i + 1] = '(';
	}
	buf[64] = 'y';
	memset(buf + 65, ')', 32);
	KUNIT_EXPECT_TRUE(test, nfdbus_valid_signature(buf, 97));
	/* 255 bytes at most */
	memset(buf, 'y', 256);
	KUNIT_EXPECT_TRUE(test, nfdbus_valid_signature(buf, 255));
	KUNIT_EXPECT_FALSE(test, nfdbus_valid_signature(buf, 256));
}

/* A signal with a hand-marshalled body: signature @sig, @body of @blen bytes */
static int parse_body(struct kunit *test, struct mb *m, bool be, const char *sig,
		      const u8 *body, u32 blen, struct nfdbus_msg *msg)
{
	static const struct nfdbus_vector v = {
		.type = NFDBUS_MSG_SIGNAL, .path = "/a", .interface = "a.b",
		.member = "M",
	};
	struct raw_field f = { NFDBUS_FIELD_SIGNATURE, "g", 0, sig };
	u32 len = nfdbus_test_build(m, &v, be, &f, 1);

	KUNIT_ASSERT_LE(test, len + blen, (u32)MB_CAP);
	memcpy(m->buf + len, body, blen);
	mb_u32_at(m, 4, blen);
	return nfdbus_test_parse(test, m->buf, len + blen, msg);
}

/* Bodies in little-endian; values chosen so that byte order does not matter */
static void parse_body_values(struct kunit *test)
{
	static const u8 two_bools[] = { 1, 0, 0, 0, 0, 0, 0, 0 };
	static const u8 bad_bool[] = { 2, 0, 0, 0 };
	/* ay of 3 bytes, then s "" */
	static const u8 bytes_then_str[] = { 3, 0, 0, 0, 1, 2, 3, 0,
					     0, 0, 0, 0, 0 };
	/* at: 8 bytes, padded to 8 after the length even when empty */
	static const u8 empty_at[] = { 0, 0, 0, 0, 0, 0, 0, 0 };
	static const u8 empty_at_nopad[] = { 0, 0, 0, 0 };
	/* a{yy} with two entries, each 8-aligned */
	static const u8 dict[] = { 10, 0, 0, 0, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0,
				   0, 0, 3, 4 };
	/* ay whose length runs past the body */
	static const u8 long_ay[] = { 9, 0, 0, 0, 1, 2, 3, 4 };
	/* ai of 6 bytes: an element straddles the end */
	static const u8 ragged_ai[] = { 6, 0, 0, 0, 1, 0, 0, 0, 2, 0 };
	/* v holding u 7 */
	static const u8 variant_u[] = { 1, 'u', 0, 0, 7, 0, 0, 0 };
	/* v whose signature is two types */
	static const u8 variant_uu[] = { 2, 'u', 'u', 0, 7, 0, 0, 0, 8, 0, 0, 0 };
	/* s with a NUL inside */
	static const u8 nul_str[] = { 3, 0, 0, 0, 'a', 0, 'b', 0 };
	/* s without its NUL */
	static const u8 unterminated[] = { 1, 0, 0, 0, 'a', 'b' };
	/* o that is not a path */
	static const u8 bad_path[] = { 1, 0, 0, 0, 'a', 0 };
	/* g that is not a signature */
	static const u8 bad_sig[] = { 1, '(', 0 };
	/* bytes after the last argument */
	static const u8 trailing[] = { 1, 2 };
	struct nfdbus_msg *msg = nfdbus_test_alloc_msg(test);
	struct mb *m = nfdbus_test_alloc_mb(test);

	KUNIT_EXPECT_EQ(test, parse_body(test, m, 0, "bb", two_bools,
					 sizeof(two_bools), msg), 0);
	KUNIT_EXPECT_EQ(test, parse_body(test, m, 0, "b", bad_bool,
					 sizeof(bad_bool), msg), -EINVAL);
	KUNIT_EXPECT_EQ(test, parse_body(test, m, 0, "ays", bytes_then_str,
					 sizeof(bytes_then_str), msg), 0);
	KUNIT_EXPECT_EQ(test, msg->nargs, 2);
	KUNIT_EXPECT_EQ(test, msg->arg_type[0], 'a');
	KUNIT_EXPECT_EQ(test, parse_body(test, m, 0, "at", empty_at,
					 sizeof(empty_at), msg), 0);
	KUNIT_EXPECT_NE(test, parse_body(test, m, 0, "at", empty_at_nopad,
					 sizeof(empty_at_nopad), msg), 0);
	KUNIT_EXPECT_EQ(test, parse_body(test, m, 0, "a{yy}", dict,
					 sizeof(dict), msg), 0);
	KUNIT_EXPECT_NE(test, parse_body(test, m, 0, "ay", long_ay,
					 sizeof(long_ay), msg), 0);
	KUNIT_EXPECT_NE(test, parse_body(test, m, 0, "ai", ragged_ai,
					 sizeof(ragged_ai), msg), 0);
	KUNIT_EXPECT_EQ(test, parse_body(test, m, 0, "v", variant_u,
					 sizeof(variant_u), msg), 0);
	KUNIT_EXPECT_EQ(test, parse_body(test, m, 0, "v", variant_uu,
					 sizeof(variant_uu), msg), -EINVAL);
	KUNIT_EXPECT_EQ(test, parse_body(test, m, 0, "s", nul_str,
					 sizeof(nul_str), msg), -EINVAL);
	KUNIT_EXPECT_NE(test, parse_body(test, m, 0, "s", unterminated,
					 sizeof(unterminated), msg), 0);
	KUNIT_EXPECT_EQ(test, parse_body(test, m, 0, "o", bad_path,
					 sizeof(bad_path), msg), -EINVAL);
	KUNIT_EXPECT_EQ(test, parse_body(test, m, 0, "g", bad_sig,
					 sizeof(bad_sig), msg), -EINVAL);
	KUNIT_EXPECT_EQ(test, parse_body(test, m, 0, "y", trailing,
					 sizeof(trailing), msg), -EINVAL);
	/* a body needs a SIGNATURE */
	KUNIT_EXPECT_EQ(test, parse_body(test, m, 0, "", trailing,
					 sizeof(trailing), msg), -EINVAL);
}

/* Variants nest up to a total depth of 64 containers, not beyond. */
static void parse_nested_variants(struct kunit *test)
{
	struct nfdbus_msg *msg = nfdbus_test_alloc_msg(test);
	struct mb *m = nfdbus_test_alloc_mb(test);
	u8 *body = kunit_kzalloc(test, 256, GFP_KERNEL);
	unsigned int n, i;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, body);
	for (n = 63; n <= 65; n++) {
		/* n variants: "v" n - 1 times, then a variant holding y 0 */
		for (i = 0; i < n - 1; i++) {
			body[3 * i] = 1;
			body[3 * i + 1] = 'v';
			body[3 * i + 2] = 0;
		}
		body[3 * i] = 1;
		body[3 * i + 1] = 'y';
		body[3 * i + 2] = 0;
		body[3 * i + 3] = 0;
		KUNIT_EXPECT_EQ_MSG(test, parse_body(test, m, 1, "v", body,
						     3 * n + 1, msg),
				    n <= NFDBUS_MAX_DEPTH ? 0 : -EINVAL,
				    "%u variants", n);
	}
}

/* As parse_body(), for a body of any size: the message is copied whole. */
static int parse_big_body(struct kunit *test, struct mb *m, bool be,
			  const char *sig, const u8 *body, u32 blen,
			  struct nfdbus_msg *msg)
{
	static const struct nfdbus_vector v = {
		.type = NFDBUS_MSG_METHOD_CALL, .path = "/a", .member = "Echo",
	};
	struct raw_field f = { NFDBUS_FIELD_SIGNATURE, "g", 0, sig };
	u32 len = nfdbus_test_build(m, &v, be, &f, 1);
	u8 *buf = kunit_kmalloc(test, len + blen, GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, buf);
	mb_u32_at(m, 4, blen);
	memcpy(buf, m->buf, len);
	memcpy(buf + len, body, blen);
	return nfdbus_test_parse(test, buf, len + blen, msg);
}

static void put_u32(u8 *p, bool be, u32 v)
{
	unsigned int i;

	for (i = 0; i < 4; i++)
		p[be ? 3 - i : i] = v >> (8 * i);
}

/* An array of @n elements of @size bytes, each @val, in byte order @be */
static u8 *fixed_array(struct kunit *test, bool be, u32 n, u32 size, u8 val,
		       u32 *blen)
{
	u32 start = size == 8 ? 8 : 4, len = n * size;
	u8 *body = kunit_kzalloc(test, start + len, GFP_KERNEL);
	u32 i;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, body);
	put_u32(body, be, len);
	/* @val in the element's last byte (big-endian) or first */
	for (i = 0; i < n; i++)
		body[start + i * size + (be ? size - 1 : 0)] = val;
	*blen = start + len;
	return body;
}

/* Arrays of fixed-size elements (payloads: ay) are skipped in one step, so
 * that the hook's work for a large message does not grow with its size.
 * The checks the element walk made still apply: a whole number of
 * elements, and booleans 0 or 1.
 */
static void parse_fixed_arrays(struct kunit *test)
{
	static const struct {
		const char *sig;
		u32 size;
	} types[] = {
		{ "ay", 1 }, { "an", 2 }, { "aq", 2 }, { "ai", 4 }, { "au", 4 },
		{ "ah", 4 }, { "ax", 8 }, { "at", 8 }, { "ad", 8 }, { "ab", 4 },
	};
	struct nfdbus_msg *msg = nfdbus_test_alloc_msg(test);
	struct mb *m = nfdbus_test_alloc_mb(test);
	u32 blen, small_steps, i;
	unsigned int be;
	u8 *body;

	for (be = 0; be <= 1; be++) {
		body = fixed_array(test, be, 16, 1, 0x5a, &blen);
		KUNIT_ASSERT_EQ(test, parse_big_body(test, m, be, "ay", body,
						     blen, msg), 0);
		small_steps = msg->walk_steps;
		body = fixed_array(test, be, 65536, 1, 0x5a, &blen);
		KUNIT_ASSERT_EQ(test, parse_big_body(test, m, be, "ay", body,
						     blen, msg), 0);
		KUNIT_EXPECT_EQ(test, msg->nargs, 1);
		KUNIT_EXPECT_EQ(test, msg->arg_type[0], 'a');
		KUNIT_EXPECT_EQ_MSG(test, msg->walk_steps, small_steps,
				    "64 KiB ay walked in %u steps, 16 B in %u",
				    msg->walk_steps, small_steps);

		for (i = 0; i < ARRAY_SIZE(types); i++) {
			u32 size = types[i].size;

			body = fixed_array(test, be, 4096 / size, size, 1,
					   &blen);
			KUNIT_EXPECT_EQ_MSG(test,
					    parse_big_body(test, m, be,
							   types[i].sig, body,
							   blen, msg), 0,
					    "%s", types[i].sig);
			KUNIT_EXPECT_EQ(test, msg->walk_steps, small_steps);
			if (size == 1)
				continue;
			/* one byte short of a whole number of elements */
			body = fixed_array(test, be, 3, size, 1, &blen);
			put_u32(body, be, 3 * size - 1);
			KUNIT_EXPECT_EQ_MSG(test,
					    parse_big_body(test, m, be,
							   types[i].sig, body,
							   blen - 1, msg),
					    -EINVAL, "%s", types[i].sig);
		}
		/* a boolean that is not 0 or 1, last of 4096 */
		body = fixed_array(test, be, 4096, 4, 1, &blen);
		body[blen - (be ? 1 : 4)] = 2;
		KUNIT_EXPECT_EQ(test, parse_big_body(test, m, be, "ab", body,
						     blen, msg), -EINVAL);
	}
}

/* @sig: "a", @depth openings, @inner, @depth closings */
static void nested_sig(char *sig, unsigned int depth, const char *inner)
{
	unsigned int n = 0, i;

	sig[n++] = 'a';
	for (i = 0; i < depth; i++)
		sig[n++] = '(';
	for (i = 0; inner[i]; i++)
		sig[n++] = inner[i];
	for (i = 0; i < depth; i++)
		sig[n++] = ')';
	sig[n] = 0;
}

/* An array of @n elements @stride bytes apart, @size bytes each (zero,
 * but for the first byte of each, 1), 8-aligned after its length.
 */
static u8 *struct_array(struct kunit *test, bool be, u32 n, u32 size,
			u32 stride, u32 *blen)
{
	u32 len = (n - 1) * stride + size, i;
	u8 *body = kunit_kzalloc(test, 8 + len, GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, body);
	put_u32(body, be, len);
	for (i = 0; i < n; i++)
		body[8 + i * stride] = 1;
	*blen = 8 + len;
	return body;
}

/* An array of structs whose members are all of fixed size is checked
 * against the element's layout, not walked, however deep the structs nest
 * (issue 23: a((((...y...)))) 32 deep took 65 steps per 8-byte element
 * with the bus's lock held). The walk's checks still apply: padding zero
 * inside and between elements, booleans 0 or 1, whole elements. Other
 * structs are walked with a run of openings or closings as one step.
 */
static void parse_fixed_struct_arrays(struct kunit *test)
{
	struct nfdbus_msg *msg = nfdbus_test_alloc_msg(test);
	struct mb *m = nfdbus_test_alloc_mb(test);
	char sig[2 * NFDBUS_MAX_STRUCT_DEPTH + 4];
	u32 blen, small_steps, n = 8192;
	unsigned int be;
	u8 *body;

	nested_sig(sig, NFDBUS_MAX_STRUCT_DEPTH, "y");
	for (be = 0; be <= 1; be++) {
		body = struct_array(test, be, 1, 1, 8, &blen);
		KUNIT_ASSERT_EQ(test, parse_big_body(test, m, be, sig, body,
						     blen, msg), 0);
		small_steps = msg->walk_steps;
		body = struct_array(test, be, n, 1, 8, &blen);
		KUNIT_ASSERT_EQ(test, parse_big_body(test, m, be, sig, body,
						     blen, msg), 0);
		KUNIT_EXPECT_EQ(test, msg->nargs, 1);
		KUNIT_EXPECT_EQ_MSG(test, msg->walk_steps, small_steps,
				    "%u elements walked in %u steps, 1 in %u",
				    n, msg->walk_steps, small_steps);
		/* padding after the y of an element in the middle */
		body[8 + (n / 2) * 8 + 3] = 1;
		KUNIT_EXPECT_EQ(test, parse_big_body(test, m, be, sig, body,
						     blen, msg), -EINVAL);
		/* one byte more than whole elements */
		body = struct_array(test, be, n + 1, 1, 8, &blen);
		put_u32(body, be, (n - 1) * 8 + 2);
		KUNIT_EXPECT_EQ(test, parse_big_body(test, m, be, sig, body,
						     8 + (n - 1) * 8 + 2, msg),
				-EINVAL);

		/* (yb): y, 3 bytes of padding, a boolean */
		body = struct_array(test, be, 64, 8, 8, &blen);
		KUNIT_EXPECT_EQ(test, parse_big_body(test, m, be, "a(yb)",
						     body, blen, msg), 0);
		put_u32(body + 8 + 63 * 8 + 4, be, 2);
		KUNIT_EXPECT_EQ(test, parse_big_body(test, m, be, "a(yb)",
						     body, blen, msg), -EINVAL);
		put_u32(body + 8 + 63 * 8 + 4, be, 1);
		KUNIT_EXPECT_EQ(test, parse_big_body(test, m, be, "a(yb)",
						     body, blen, msg), 0);
		body[8 + 5 * 8 + 2] = 1;
		KUNIT_EXPECT_EQ(test, parse_big_body(test, m, be, "a(yb)",
						     body, blen, msg), -EINVAL);

		/* {ty}: 9 bytes, then 7 of padding to the next element */
		body = struct_array(test, be, 64, 9, 16, &blen);
		KUNIT_EXPECT_EQ(test, parse_big_body(test, m, be, "a{ty}",
						     body, blen, msg), 0);
		body[8 + 10 * 16 + 12] = 1;
		KUNIT_EXPECT_EQ(test, parse_big_body(test, m, be, "a{ty}",
						     body, blen, msg), -EINVAL);
	}

	/* s is not of fixed size: walked, one step per run of parentheses */
	nested_sig(sig, NFDBUS_MAX_STRUCT_DEPTH, "s");
	blen = 8 + (n - 1) * 8 + 5;	/* empty strings: length 0, NUL */
	body = kunit_kzalloc(test, blen, GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, body);
	put_u32(body, 0, blen - 8);
	KUNIT_ASSERT_EQ(test, parse_big_body(test, m, 0, sig, body, blen, msg),
			0);
	KUNIT_EXPECT_EQ_MSG(test, msg->walk_steps <= 4 * n + 8, true,
			    "%u elements of %u nested structs: %u steps", n,
			    NFDBUS_MAX_STRUCT_DEPTH, msg->walk_steps);
}

/* Depth counts the structs of a skipped array as the walk did. */
static void parse_fixed_struct_array_depth(struct kunit *test)
{
	struct nfdbus_msg *msg = nfdbus_test_alloc_msg(test);
	struct mb *m = nfdbus_test_alloc_mb(test);
	u8 *body = kunit_kzalloc(test, 256, GFP_KERNEL);
	unsigned int n, i, pos;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, body);
	for (n = 61; n <= 63; n++) {
		/* n variants, the innermost holding a((y)) of one element */
		memset(body, 0, 256);
		for (i = 0, pos = 0; i < n - 1; i++) {
			body[pos++] = 1;
			body[pos++] = 'v';
			pos++;
		}
		body[pos++] = 6;
		memcpy(body + pos, "a((y))", 6);
		pos = ALIGN(pos + 6 + 1, 4);
		body[pos] = 1;		/* little-endian length */
		pos = ALIGN(pos + 4, 8) + 1;
		KUNIT_EXPECT_EQ_MSG(test, parse_body(test, m, 0, "v", body,
						     pos, msg),
				    n + 3 <= NFDBUS_MAX_DEPTH ? 0 : -EINVAL,
				    "%u variants", n);
	}
}

/* An array counts as a container for the depth limit, skipped or not. */
static void parse_fixed_array_depth(struct kunit *test)
{
	struct nfdbus_msg *msg = nfdbus_test_alloc_msg(test);
	struct mb *m = nfdbus_test_alloc_mb(test);
	u8 *body = kunit_kzalloc(test, 256, GFP_KERNEL);
	unsigned int n, i, pos, elems;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, body);
	for (elems = 0; elems <= 1; elems++) {
		for (n = 63; n <= 64; n++) {
			/* n variants, the innermost holding ay of elems bytes */
			memset(body, 0, 256);
			for (i = 0, pos = 0; i < n - 1; i++) {
				body[pos++] = 1;
				body[pos++] = 'v';
				pos++;
			}
			body[pos++] = 2;
			body[pos++] = 'a';
			body[pos++] = 'y';
			pos = ALIGN(pos + 1, 4);
			body[pos] = elems;	/* little-endian length */
			pos += 4 + elems;
			KUNIT_EXPECT_EQ_MSG(test,
					    parse_body(test, m, 0, "v", body,
						       pos, msg),
					    n + elems <= NFDBUS_MAX_DEPTH ?
					    0 : -EINVAL,
					    "%u variants, %u elements", n,
					    elems);
		}
	}
}

static struct kunit_case nfdbus_parse_cases[] = {
	KUNIT_CASE(parse_valid_signal),
	KUNIT_CASE(parse_gdbus_messages),
	KUNIT_CASE(parse_truncated),
	KUNIT_CASE(parse_bad_padding),
	KUNIT_CASE(parse_fixed_header),
	KUNIT_CASE(parse_header_fields),
	KUNIT_CASE(parse_required_fields),
	KUNIT_CASE(names_grammar),
	KUNIT_CASE(signature_grammar),
	KUNIT_CASE(parse_body_values),
	KUNIT_CASE(parse_nested_variants),
	KUNIT_CASE(parse_fixed_arrays),
	KUNIT_CASE(parse_fixed_array_depth),
	KUNIT_CASE(parse_fixed_struct_arrays),
	KUNIT_CASE(parse_fixed_struct_array_depth),
	{}
};

static struct kunit_suite nfdbus_parse_suite = {
	.name = "nfdbus_parse",
	.test_cases = nfdbus_parse_cases,
};

kunit_test_suite(nfdbus_parse_suite);
