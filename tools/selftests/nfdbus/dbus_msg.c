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

int dbus_build_size(uint8_t *buf, size_t size, const struct dbus_hdr *h,
		    const struct dbus_arg *args, unsigned int nargs)
{
	struct writer w = { .buf = buf, .size = size };
	uint8_t fixed[4] = { 'l', h->type, 0, 1 };
	char sig[64] = "";
	size_t fields_start, body_start;
	unsigned int i;

	if (nargs >= sizeof(sig))
		return -1;
	for (i = 0; i < nargs; i++)
		sig[i] = args[i].type;

	put(&w, fixed, 4);
	put_u32(&w, 0);			/* body length, below */
	put_u32(&w, h->serial ? h->serial : 1);
	put_u32(&w, 0);			/* field array length, below */
	fields_start = w.pos;
	put_field(&w, 1, 'o', h->path);
	put_field(&w, 2, 's', h->interface);
	put_field(&w, 3, 's', h->member);
	put_field(&w, 6, 's', h->destination);
	put_field(&w, 7, 's', h->sender);
	if (nargs)
		put_field(&w, 8, 'g', sig);
	if (w.overflow)
		return -1;
	buf[12] = (w.pos - fields_start);
	buf[13] = (w.pos - fields_start) >> 8;
	buf[14] = (w.pos - fields_start) >> 16;
	buf[15] = (w.pos - fields_start) >> 24;
	pad(&w, 8);
	body_start = w.pos;
	for (i = 0; i < nargs; i++)
		put_string(&w, args[i].value);
	if (w.overflow)
		return -1;
	buf[4] = (w.pos - body_start);
	buf[5] = (w.pos - body_start) >> 8;
	buf[6] = (w.pos - body_start) >> 16;
	buf[7] = (w.pos - body_start) >> 24;
	return w.pos;
}

int dbus_build(uint8_t *buf, const struct dbus_hdr *h,
	       const struct dbus_arg *args, unsigned int nargs)
{
	return dbus_build_size(buf, DBUS_MSG_MAX, h, args, nargs);
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
