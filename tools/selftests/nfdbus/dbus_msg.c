// SPDX-License-Identifier: GPL-2.0
/* A small D-Bus marshaller for the nfdbus selftests; see dbus_msg.h. */

#include <stdio.h>
#include <string.h>

#include <linux/bus.h>

#include "dbus_msg.h"

struct writer {
	uint8_t *buf;
	size_t size;
	size_t pos;
	int overflow;
};

static void put(struct writer *w, const void *p, size_t n)
{
	if (w->pos + n > w->size) {
		w->overflow = 1;
		return;
	}
	memcpy(w->buf + w->pos, p, n);
	w->pos += n;
}

static void pad(struct writer *w, size_t align)
{
	static const uint8_t zero[8];

	put(w, zero, (align - w->pos % align) % align);
}

static void put_u32(struct writer *w, uint32_t v)
{
	uint8_t b[4] = { v, v >> 8, v >> 16, v >> 24 }; /* little-endian */

	pad(w, 4);
	put(w, b, 4);
}

static void put_string(struct writer *w, const char *s)
{
	put_u32(w, strlen(s));
	put(w, s, strlen(s) + 1);
}

static void put_signature(struct writer *w, const char *s)
{
	uint8_t len = strlen(s);

	put(w, &len, 1);
	put(w, s, len + 1);
}

/* One header field (code, variant of type @sig) */
static void put_field(struct writer *w, uint8_t code, char sig,
		      const char *s)
{
	char sigstr[2] = { sig, 0 };

	if (!s)
		return;
	pad(w, 8);
	put(w, &code, 1);
	put_signature(w, sigstr);
	if (sig == 'g')
		put_signature(w, s);
	else
		put_string(w, s);
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

/* The fixed header, the header fields (a signature field if @sig is not
 * NULL) with their length, and the padding before the body; a body length
 * of 0 can be patched at offset 4 once the body is written.
 */
static void put_header(struct writer *w, const struct dbus_hdr *h,
		       const char *sig, uint32_t body_len)
{
	uint8_t fixed[4] = { 'l', h->type, 0, 1 };
	size_t fields_start;

	put(w, fixed, 4);
	put_u32(w, body_len);
	put_u32(w, h->serial ? h->serial : 1);
	put_u32(w, 0);			/* field array length, below */
	fields_start = w->pos;
	put_field(w, 1, 'o', h->path);
	put_field(w, 2, 's', h->interface);
	put_field(w, 3, 's', h->member);
	put_field(w, 6, 's', h->destination);
	put_field(w, 7, 's', h->sender);
	put_field(w, 8, 'g', sig);
	if (w->overflow)
		return;
	put_le32(w->buf + 12, w->pos - fields_start);
	pad(w, 8);
}

int dbus_build_size(uint8_t *buf, size_t size, const struct dbus_hdr *h,
		    const struct dbus_arg *args, unsigned int nargs)
{
	struct writer w = { .buf = buf, .size = size };
	char sig[64] = "";
	size_t body_start;
	unsigned int i;

	if (nargs >= sizeof(sig))
		return -1;
	for (i = 0; i < nargs; i++)
		sig[i] = args[i].type;

	put_header(&w, h, nargs ? sig : NULL, 0);
	if (w.overflow)
		return -1;
	body_start = w.pos;
	for (i = 0; i < nargs; i++)
		put_string(&w, args[i].value);
	if (w.overflow)
		return -1;
	put_le32(buf + 4, w.pos - body_start);
	return w.pos;
}

int dbus_build_raw(uint8_t *buf, size_t size, const struct dbus_hdr *h,
		   const char *sig, const void *body, size_t body_len)
{
	struct writer w = { .buf = buf, .size = size };

	put_header(&w, h, sig, body_len);
	put(&w, body, body_len);
	return w.overflow ? -1 : (int)w.pos;
}

int dbus_build(uint8_t *buf, const struct dbus_hdr *h,
	       const struct dbus_arg *args, unsigned int nargs)
{
	return dbus_build_size(buf, DBUS_MSG_MAX, h, args, nargs);
}

const char *const dbus_worst_names[DBUS_WORST_MAX] = {
	[DBUS_WORST_AY]		= "ay (payload)",
	[DBUS_WORST_NESTED_Y]	= "a(((y))) 32 deep",
	[DBUS_WORST_NESTED_S]	= "a(((s))) 32 deep",
	[DBUS_WORST_AG]		= "ag",
	[DBUS_WORST_AV]		= "av of y",
};

size_t dbus_worst_body(enum dbus_worst shape, uint8_t *body, size_t size,
		       char *sig)
{
	size_t n, len, i, stride = 8, used;
	const char *inner = shape == DBUS_WORST_NESTED_S ? "s" : "y";

	memset(body, 0, size);
	switch (shape) {
	case DBUS_WORST_NESTED_Y:
	case DBUS_WORST_NESTED_S:
		n = 0;
		sig[n++] = 'a';
		for (i = 0; i < DBUS_WORST_DEPTH; i++)
			sig[n++] = '(';
		sig[n++] = inner[0];
		for (i = 0; i < DBUS_WORST_DEPTH; i++)
			sig[n++] = ')';
		sig[n] = 0;
		/* y: one byte; s: the empty string, length 0 and NUL */
		used = shape == DBUS_WORST_NESTED_Y ? 1 : 5;
		n = (size - 8) / stride;
		len = (n - 1) * stride + used;
		for (i = 0; shape == DBUS_WORST_NESTED_Y && i < n; i++)
			body[8 + i * stride] = 1 + i % 255;
		put_le32(body, len);
		return 8 + len;
	case DBUS_WORST_AG:
		strcpy(sig, "ag");	/* empty signatures: length 0, NUL */
		len = (size - 4) / 2 * 2;
		break;
	case DBUS_WORST_AV:
		strcpy(sig, "av");	/* each "y" and one byte */
		len = (size - 4) / 4 * 4;
		for (i = 0; i < len; i += 4) {
			body[4 + i] = 1;
			body[4 + i + 1] = 'y';
			body[4 + i + 3] = i / 4 % 256;
		}
		break;
	default:
		strcpy(sig, "ay");
		len = size - 4;
		memset(body + 4, 0x5a, len);
		break;
	}
	put_le32(body, len);
	return 4 + len;
}

uint32_t dbus_serial(const uint8_t *buf, size_t len)
{
	if (len < 12)
		return 0;
	return buf[8] | buf[9] << 8 | buf[10] << 16 | (uint32_t)buf[11] << 24;
}

const char *dbus_unique_name(char *buf, size_t size, uint64_t addr)
{
	snprintf(buf, size, ":1.%llu",
		 (unsigned long long)BUS_ADDR_CLIENT(addr));
	return buf;
}
