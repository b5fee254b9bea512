// SPDX-License-Identifier: GPL-2.0
/*
 * nfdbus: D-Bus wire-format parser.
 *
 * Written from the D-Bus specification ("Message Protocol"): a 12-byte fixed
 * header, the header-field array a(yv) aligned to 8, padding to 8, then the
 * body described by the SIGNATURE field. Both byte orders. Everything read is
 * validated: lengths stay inside the message and the buffer, padding is zero,
 * strings are NUL-terminated without inner NULs, names and signatures follow
 * their grammars, booleans are 0 or 1, containers respect the nesting limits.
 *
 * Work is bounded: containers are walked with an explicit stack of at most
 * NFDBUS_MAX_DEPTH frames (no recursion), every step consumes at least one
 * byte or closes a container, so a message costs O(length * depth).
 *
 * An array whose elements are of a fixed-size basic type (y, n, q, i, u, h,
 * x, t, d) has elements without padding between them and nothing to check
 * inside them: it is skipped in one step, not walked element by element.
 * Only its length is checked (a whole number of elements), which is what
 * the element walk would have found. Large payloads are such arrays
 * (``ay``), and the hook parses every copy of a message while the bus's
 * sequencing lock is held: walking 64 KiB byte by byte there took about
 * 2.5 ms in a TCG guest (Documentation/netfilter/nfdbus.rst, "Cost").
 * Arrays of b are checked in a tight loop (each must be 0 or 1).
 *
 * An array of structs (or dict entries) whose members are all of fixed size,
 * however deeply nested, is checked the same way: the element's layout is
 * worked out once from the signature, then each element's padding and
 * booleans are checked in a tight loop, without walking its containers.
 * Other containers are walked, but a run of struct openings or closings is
 * one step. Every other step consumes bytes of the message, so a walk
 * takes at most about one step per byte (ag, av of y), whatever the
 * nesting; a(((...y...))) 32 deep took 65 steps per 8-byte element, 0.17 to
 * 0.57 s for 480 KB in a debug guest with the bus's lock held
 * (Documentation/netfilter/nfdbus.rst, "Cost").
 *
 * Strings in the body are not checked for valid UTF-8: the kernel routes
 * messages and never interprets text; names, which it compares, are ASCII by
 * grammar and are checked.
 */

#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/types.h>
#include <asm/unaligned.h>

#include "nfdbus_parse.h"

/* Reserved by the specification for messages a library makes up itself */
#define NFDBUS_LOCAL_PATH	"/org/freedesktop/DBus/Local"
#define NFDBUS_LOCAL_INTERFACE	"org.freedesktop.DBus.Local"

struct nfdbus_reader {
	const u8 *buf;
	bool be;
};

static u32 rd_u32(const struct nfdbus_reader *r, u32 pos)
{
	return r->be ? get_unaligned_be32(r->buf + pos) :
		       get_unaligned_le32(r->buf + pos);
}

static bool is_alpha_(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/**
 * nfdbus_valid_object_path() - check the object path grammar
 * @s:   the path, not necessarily NUL-terminated
 * @len: its length
 *
 * "/" or "/" followed by elements of [A-Za-z0-9_]+ separated by single
 * slashes, without a trailing slash.
 *
 * Return: true if @s is a valid object path.
 */
bool nfdbus_valid_object_path(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || s[0] != '/')
		return false;
	if (len == 1)
		return true;
	if (s[len - 1] == '/')
		return false;
	for (i = 1; i < len; i++) {
		if (s[i] == '/') {
			if (s[i - 1] == '/')
				return false;
		} else if (!is_alpha_(s[i]) && !is_digit(s[i])) {
			return false;
		}
	}
	return true;
}

/* Interface and error names: two or more dot-separated [A-Za-z_][A-Za-z0-9_]* */
static bool valid_dotted_name(const char *s, size_t len)
{
	unsigned int elements = 1;
	size_t i;

	if (len == 0 || len > NFDBUS_MAX_NAME_LEN)
		return false;
	for (i = 0; i < len; i++) {
		bool start = i == 0 || s[i - 1] == '.';

		if (s[i] == '.') {
			if (start)
				return false;
			elements++;
		} else if (!is_alpha_(s[i]) && (start || !is_digit(s[i]))) {
			return false;
		}
	}
	return s[len - 1] != '.' && elements >= 2;
}

/**
 * nfdbus_valid_interface() - check the interface name grammar
 * @s:   the name, not necessarily NUL-terminated
 * @len: its length
 *
 * Return: true if @s has at most 255 bytes and two or more elements of
 * [A-Za-z_][A-Za-z0-9_]* separated by dots.
 */
bool nfdbus_valid_interface(const char *s, size_t len)
{
	return valid_dotted_name(s, len);
}

/**
 * nfdbus_valid_error_name() - check the error name grammar
 * @s:   the name, not necessarily NUL-terminated
 * @len: its length
 *
 * Error names follow the interface name grammar.
 *
 * Return: true if @s is a valid error name.
 */
bool nfdbus_valid_error_name(const char *s, size_t len)
{
	return valid_dotted_name(s, len);
}

/**
 * nfdbus_valid_member() - check the member name grammar
 * @s:   the name, not necessarily NUL-terminated
 * @len: its length
 *
 * Return: true if @s is 1 to 255 bytes of [A-Za-z0-9_], not starting with
 * a digit.
 */
bool nfdbus_valid_member(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > NFDBUS_MAX_NAME_LEN || is_digit(s[0]))
		return false;
	for (i = 0; i < len; i++)
		if (!is_alpha_(s[i]) && !is_digit(s[i]))
			return false;
	return true;
}

/**
 * nfdbus_valid_bus_name() - check the bus name grammar
 * @s:   the name, not necessarily NUL-terminated
 * @len: its length
 *
 * A unique name is ':' and two or more dot-separated elements of
 * [A-Za-z0-9_-]+; a well-known name is two or more elements of
 * [A-Za-z_-][A-Za-z0-9_-]*. At most 255 bytes.
 *
 * Return: true if @s is a valid unique or well-known bus name.
 */
bool nfdbus_valid_bus_name(const char *s, size_t len)
{
	bool unique = len > 0 && s[0] == ':';
	unsigned int elements = 1;
	size_t i;

	if (len == 0 || len > NFDBUS_MAX_NAME_LEN)
		return false;
	for (i = unique; i < len; i++) {
		bool start = i == unique || s[i - 1] == '.';

		if (s[i] == '.') {
			if (start)
				return false;
			elements++;
		} else if (!is_alpha_(s[i]) && s[i] != '-' &&
			   (!is_digit(s[i]) || (start && !unique))) {
			return false;
		}
	}
	return len > (size_t)unique && s[len - 1] != '.' && elements >= 2;
}

static bool sig_basic(char c)
{
	return c && strchr("ybnqiuxtdsogh", c);
}

/* Check that @s holds a sequence of complete types; return how many there
 * are at the top level, or -EINVAL. Arrays and structs (dict entries count
 * as structs, as in the reference implementation) nest at most 32 deep each.
 */
static int sig_check(const char *s, size_t len)
{
	u8 kind[NFDBUS_MAX_STRUCT_DEPTH + 1];
	u16 count[NFDBUS_MAX_STRUCT_DEPTH + 1];
	u8 arrays[NFDBUS_MAX_STRUCT_DEPTH + 1];
	unsigned int sp = 0, array_depth = 0, ntypes = 0;
	size_t i;

	if (len > NFDBUS_MAX_SIGNATURE_LEN)
		return -EINVAL;
	kind[0] = 0;
	arrays[0] = 0;
	count[0] = 0;
	for (i = 0; i < len; i++) {
		char c = s[i];
		bool basic = false;

		switch (c) {
		case 'a':
			if (++array_depth > NFDBUS_MAX_ARRAY_DEPTH)
				return -EINVAL;
			arrays[sp]++;
			continue;
		case '{':
			/* dict entries exist only as array elements */
			if (i == 0 || s[i - 1] != 'a')
				return -EINVAL;
			fallthrough;
		case '(':
			if (sp == NFDBUS_MAX_STRUCT_DEPTH)
				return -EINVAL;
			sp++;
			kind[sp] = c;
			count[sp] = 0;
			arrays[sp] = 0;
			continue;
		case ')':
		case '}':
			if (sp == 0 || arrays[sp] ||
			    kind[sp] != (c == ')' ? '(' : '{'))
				return -EINVAL;
			if (c == ')' ? count[sp] == 0 : count[sp] != 2)
				return -EINVAL;
			sp--;
			break;
		case 'v':
			break;
		default:
			if (!sig_basic(c))
				return -EINVAL;
			basic = true;
			break;
		}
		/* a complete type ended at level sp */
		if (kind[sp] == '{' && count[sp] == 0 && (!basic || arrays[sp]))
			return -EINVAL;
		array_depth -= arrays[sp];
		arrays[sp] = 0;
		if (sp == 0)
			ntypes++;
		else if (++count[sp] > 2 && kind[sp] == '{')
			return -EINVAL;
	}
	if (sp || arrays[0])
		return -EINVAL;
	return ntypes;
}

/**
 * nfdbus_valid_signature() - check the type signature grammar
 * @s:   the signature, not necessarily NUL-terminated
 * @len: its length
 *
 * Return: true if @s is at most 255 bytes of complete types, with arrays
 * and structs nested at most 32 deep each and dict entries only inside
 * arrays, with a basic key and one value.
 */
bool nfdbus_valid_signature(const char *s, size_t len)
{
	return sig_check(s, len) >= 0;
}

/* End of the complete type starting at s[i] of a valid signature */
static unsigned int sig_skip(const char *s, unsigned int i)
{
	int depth = 0;

	for (;;) {
		char c = s[i++];

		if (c == 'a')
			continue;
		if (c == '(' || c == '{')
			depth++;
		else if (c == ')' || c == '}')
			depth--;
		if (depth == 0)
			return i;
	}
}

static unsigned int type_align(char c)
{
	switch (c) {
	case 'n':
	case 'q':
		return 2;
	case 'b':
	case 'i':
	case 'u':
	case 'h':
	case 's':
	case 'o':
	case 'a':
		return 4;
	case 'x':
	case 't':
	case 'd':
	case '(':
	case '{':
		return 8;
	default:
		return 1;
	}
}

/* Size of a value of basic type @c if every value of the type has it and
 * it equals the type's alignment (so an array of them has no padding
 * between elements), and no value of it is invalid; 0 for other types.
 * b is fixed-size too but only 0 and 1 are valid: it is not one of these.
 */
static unsigned int fixed_size(char c)
{
	switch (c) {
	case 'y':
		return 1;
	case 'n':
	case 'q':
		return 2;
	case 'i':
	case 'u':
	case 'h':
		return 4;
	case 'x':
	case 't':
	case 'd':
		return 8;
	default:
		return 0;
	}
}

/* Padding and booleans inside an array element whose members are all of
 * fixed size. More runs than this (a struct of many small members) and the
 * array is walked instead, which then costs about one step per member.
 */
#define NFDBUS_LAYOUT_MAX_RUNS	16

/**
 * struct nfdbus_layout - one element of an array of fixed-size structs
 * @size:   bytes from the element's start to the end of its last member
 * @stride: from one element's start to the next's: @size aligned to 8
 * @depth:  structs nested in the element, itself included
 * @nruns:  entries of @run
 * @run:    the element's padding (bytes that must be 0) and booleans (u32
 *          0 or 1), by offset from the element's start
 */
struct nfdbus_layout {
	u32 size;
	u32 stride;
	u8 depth;
	u8 nruns;
	struct {
		u16 off;
		u8 len;
		bool is_bool;
	} run[NFDBUS_LAYOUT_MAX_RUNS];
};

static bool layout_add(struct nfdbus_layout *lay, u32 off, u32 len,
		       bool is_bool)
{
	if (lay->nruns == NFDBUS_LAYOUT_MAX_RUNS)
		return false;
	lay->run[lay->nruns].off = off;
	lay->run[lay->nruns].len = len;
	lay->run[lay->nruns].is_bool = is_bool;
	lay->nruns++;
	return true;
}

/* The layout of array element type [elem, elem_end) of the valid signature
 * @s, if it is a struct or dict entry of fixed-size members only (nested
 * structs included). Elements start 8-aligned, so offsets from an
 * element's start align as offsets in the message do.
 */
static bool fixed_layout(const char *s, unsigned int elem,
			 unsigned int elem_end, struct nfdbus_layout *lay)
{
	unsigned int i, depth = 0, size;
	u32 off = 0, to;

	if (s[elem] != '(' && s[elem] != '{')
		return false;
	lay->nruns = 0;
	lay->depth = 0;
	for (i = elem; i < elem_end; i++) {
		char c = s[i];

		if (c == ')' || c == '}') {
			depth--;
			continue;
		}
		if (c == '(' || c == '{') {
			if (++depth > lay->depth)
				lay->depth = depth;
			size = 0;
		} else {
			size = c == 'b' ? 4 : fixed_size(c);
			if (!size)
				return false;
		}
		to = ALIGN(off, type_align(c));
		if (to > off && !layout_add(lay, off, to - off, false))
			return false;
		off = to;
		if (c == 'b' && !layout_add(lay, off, 4, true))
			return false;
		off += size;
	}
	lay->size = off;
	lay->stride = ALIGN(off, 8);
	return true;
}

/* The @len bytes at @p are an array of elements laid out as @lay: whole
 * elements, zero padding inside and between them, booleans 0 or 1. This is
 * what walking them would check, at the cost of a memory scan.
 */
static int check_fixed_elements(const struct nfdbus_reader *r, u32 p,
				u32 len, const struct nfdbus_layout *lay)
{
	u32 n, k, base, i, j;

	if (len < lay->size || (len - lay->size) % lay->stride)
		return -EINVAL;
	n = (len - lay->size) / lay->stride + 1;
	if (!lay->nruns && lay->size == lay->stride)
		return 0;
	for (k = 0, base = p; k < n; k++, base += lay->stride) {
		for (i = 0; i < lay->nruns; i++) {
			u32 at = base + lay->run[i].off;

			if (lay->run[i].is_bool) {
				if (rd_u32(r, at) > 1)
					return -EINVAL;
				continue;
			}
			for (j = 0; j < lay->run[i].len; j++)
				if (r->buf[at + j])
					return -EINVAL;
		}
		/* padding to the next element */
		for (j = lay->size; k + 1 < n && j < lay->stride; j++)
			if (r->buf[base + j])
				return -EINVAL;
	}
	return 0;
}

/* Skip zero padding up to @align; the padding must end at or before @end. */
static int skip_pad(const struct nfdbus_reader *r, u32 *pos, u32 end,
		    unsigned int align)
{
	u32 p = *pos, to = ALIGN(p, align);

	if (to > end)
		return -EINVAL;
	for (; p < to; p++)
		if (r->buf[p])
			return -EINVAL;
	*pos = to;
	return 0;
}

/* Read a string of type s or o at *pos (aligned already): u32 length, bytes,
 * NUL. On success *pos is past the NUL.
 */
static int read_string(const struct nfdbus_reader *r, u32 *pos, u32 end,
		       char type, struct nfdbus_str *out)
{
	u32 p = *pos, len;
	const char *s;

	if (end - p < 4)
		return -EINVAL;
	len = rd_u32(r, p);
	p += 4;
	if (len >= end - p)
		return -EINVAL;
	s = (const char *)r->buf + p;
	if (s[len] || memchr(s, 0, len))
		return -EINVAL;
	if (type == 'o' && !nfdbus_valid_object_path(s, len))
		return -EINVAL;
	out->s = s;
	out->len = len;
	*pos = p + len + 1;
	return 0;
}

/* A signature value: u8 length, bytes, NUL. */
static int read_signature(const struct nfdbus_reader *r, u32 *pos, u32 end,
			  struct nfdbus_str *out, int *ntypes)
{
	u32 p = *pos, len;
	const char *s;
	int n;

	if (p >= end)
		return -EINVAL;
	len = r->buf[p++];
	if (len >= end - p)
		return -EINVAL;
	s = (const char *)r->buf + p;
	if (s[len])
		return -EINVAL;
	n = sig_check(s, len);
	if (n < 0)
		return n;
	out->s = s;
	out->len = len;
	if (ntypes)
		*ntypes = n;
	*pos = p + len + 1;
	return 0;
}

/**
 * struct nfdbus_frame - one open array or variant of the value walker
 * @sig:       offset of the signature this frame walks, in the message
 * @pos:       next type code, as an index into that signature
 * @end:       end of the types this frame walks
 * @elem:      arrays: first code of the element type
 * @is_array:  frame is an array, repeated until @array_end
 * @array_end: arrays: message offset where the elements end
 */
struct nfdbus_frame {
	u32 sig;
	u8 pos;
	u8 end;
	u8 elem;
	bool is_array;
	u32 array_end;
};

/* Walk the values of signature [sig, sig + siglen) of the message, which is
 * valid and lives in the message too, from *pos up to at most @end.
 * @depth is the container depth around the values already. When @msg is
 * given, the top-level values are the body's arguments: count them and note
 * where the s, o and g among the first 64 are.
 */
static int walk_values(const struct nfdbus_reader *r, u32 *pos, u32 end,
		       u32 sig, u32 siglen, unsigned int depth,
		       struct nfdbus_msg *msg)
{
	struct nfdbus_frame stack[NFDBUS_MAX_DEPTH + 1];
	struct nfdbus_frame *fr = stack;
	struct nfdbus_layout lay;
	unsigned int structs = 0;
	u32 steps = 0;
	u32 p = *pos;
	int err;

	fr->sig = sig;
	fr->pos = 0;
	fr->end = siglen;
	fr->is_array = false;
	for (;; steps++) {
		const char *s = (const char *)r->buf + fr->sig;
		struct nfdbus_str str;
		unsigned int elem, elem_end, size, run;
		int argn = -1, ntypes;
		u32 len, i;
		char c;

		if (fr->pos == fr->end) {
			if (fr->is_array && p < fr->array_end) {
				fr->pos = fr->elem;
				continue;
			}
			if (fr->is_array && p != fr->array_end)
				return -EINVAL;
			if (fr == stack)
				break;
			fr--;
			depth--;
			continue;
		}
		c = s[fr->pos];
		if (msg && fr == stack && structs == 0) {
			argn = msg->nargs++;
			if (argn < NFDBUS_MAX_MATCH_ARGS)
				msg->arg_type[argn] = c;
		}
		if (c != ')' && c != '}') {
			err = skip_pad(r, &p, end, type_align(c));
			if (err)
				return err;
		}
		switch (c) {
		case 'y':
		case 'n':
		case 'q':
		case 'i':
		case 'u':
		case 'h':
		case 'x':
		case 't':
		case 'd':
			len = c == 'y' ? 1 : type_align(c);
			if (end - p < len)
				return -EINVAL;
			p += len;
			fr->pos++;
			break;
		case 'b':
			if (end - p < 4 || rd_u32(r, p) > 1)
				return -EINVAL;
			p += 4;
			fr->pos++;
			break;
		case 's':
		case 'o':
		case 'g':
			if (c == 'g')
				err = read_signature(r, &p, end, &str, NULL);
			else
				err = read_string(r, &p, end, c, &str);
			if (err)
				return err;
			if (argn >= 0 && argn < NFDBUS_MAX_MATCH_ARGS) {
				msg->arg_off[argn] = (const u8 *)str.s - r->buf;
				msg->arg_len[argn] = str.len;
			}
			fr->pos++;
			break;
		case 'a':
			if (end - p < 4)
				return -EINVAL;
			len = rd_u32(r, p);
			p += 4;
			if (len > NFDBUS_MAX_ARRAY_LEN)
				return -EINVAL;
			/* padding to the first element is there even if empty */
			err = skip_pad(r, &p, end, type_align(s[fr->pos + 1]));
			if (err)
				return err;
			if (len > end - p)
				return -EINVAL;
			elem = fr->pos + 1;
			elem_end = sig_skip(s, elem);
			fr->pos = elem_end;
			if (len == 0)
				break;
			if (depth + 1 > NFDBUS_MAX_DEPTH)
				return -EINVAL;
			/* Fixed-size elements: all at once (see the top). */
			size = s[elem] == 'b' ? 4 : fixed_size(s[elem]);
			if (size) {
				if (len % size)
					return -EINVAL;
				for (i = 0; s[elem] == 'b' && i < len; i += 4)
					if (rd_u32(r, p + i) > 1)
						return -EINVAL;
				p += len;
				break;
			}
			/* Structs of fixed-size members: likewise. */
			if (fixed_layout(s, elem, elem_end, &lay)) {
				if (depth + 1 + lay.depth > NFDBUS_MAX_DEPTH)
					return -EINVAL;
				err = check_fixed_elements(r, p, len, &lay);
				if (err)
					return err;
				p += len;
				break;
			}
			depth++;
			fr++;
			fr->sig = fr[-1].sig;
			fr->elem = elem;
			fr->pos = elem;
			fr->end = elem_end;
			fr->is_array = true;
			fr->array_end = p + len;
			break;
		case '(':
		case '{':
			/* A run of openings is one step: the first one
			 * aligned the value for all of them.
			 */
			for (run = 1; fr->pos + run < fr->end &&
			     s[fr->pos + run] == '('; run++)
				;
			depth += run;
			if (depth > NFDBUS_MAX_DEPTH)
				return -EINVAL;
			structs += run;
			fr->pos += run;
			break;
		case ')':
		case '}':
			for (run = 1; fr->pos + run < fr->end &&
			     (s[fr->pos + run] == ')' || s[fr->pos + run] == '}');
			     run++)
				;
			depth -= run;
			structs -= run;
			fr->pos += run;
			break;
		case 'v':
			err = read_signature(r, &p, end, &str, &ntypes);
			if (err)
				return err;
			if (ntypes != 1 || ++depth > NFDBUS_MAX_DEPTH)
				return -EINVAL;
			fr->pos++;
			fr++;
			fr->sig = (const u8 *)str.s - r->buf;
			fr->pos = 0;
			fr->end = str.len;
			fr->is_array = false;
			break;
		default:
			return -EINVAL;
		}
	}
	if (msg)
		msg->walk_steps = steps;
	*pos = p;
	return 0;
}

/**
 * nfdbus_message_length() - length of the message a buffer starts with
 * @buf:     at least the first 16 bytes of a message
 * @len:     bytes available at @buf
 * @msg_len: set to the length the fixed header announces
 *
 * Checks only what the length depends on: the byte order mark and the
 * 128 MiB limit. Lets a caller find message boundaries in a stream.
 *
 * Return: 0, -ENODATA if fewer than 16 bytes are available, -EINVAL for a
 * bad byte order mark or header-field array length, -EMSGSIZE if the
 * message would exceed 128 MiB.
 */
int nfdbus_message_length(const void *buf, size_t len, size_t *msg_len)
{
	struct nfdbus_reader r = { .buf = buf };
	u32 fields_len, body_len;
	u64 total;

	if (len < NFDBUS_MIN_HEADER_LEN)
		return -ENODATA;
	if (r.buf[0] != 'l' && r.buf[0] != 'B')
		return -EINVAL;
	r.be = r.buf[0] == 'B';
	body_len = rd_u32(&r, 4);
	fields_len = rd_u32(&r, 12);
	if (fields_len > NFDBUS_MAX_ARRAY_LEN)
		return -EINVAL;
	total = ALIGN((u64)NFDBUS_MIN_HEADER_LEN + fields_len, 8) + body_len;
	if (total > NFDBUS_MAX_MESSAGE_LEN)
		return -EMSGSIZE;
	*msg_len = total;
	return 0;
}

/* The type each known header field must have, by code */
static const char nfdbus_field_type[NFDBUS_FIELD_MAX + 1] = {
	[NFDBUS_FIELD_PATH]		= 'o',
	[NFDBUS_FIELD_INTERFACE]	= 's',
	[NFDBUS_FIELD_MEMBER]		= 's',
	[NFDBUS_FIELD_ERROR_NAME]	= 's',
	[NFDBUS_FIELD_REPLY_SERIAL]	= 'u',
	[NFDBUS_FIELD_DESTINATION]	= 's',
	[NFDBUS_FIELD_SENDER]		= 's',
	[NFDBUS_FIELD_SIGNATURE]	= 'g',
	[NFDBUS_FIELD_UNIX_FDS]		= 'u',
};

/* The value of known header field @code, whose type was checked, at *pos */
static int read_known_field(const struct nfdbus_reader *r, u32 *pos, u32 end,
			    u8 code, struct nfdbus_msg *msg)
{
	static const size_t str_field[NFDBUS_FIELD_MAX + 1] = {
		[NFDBUS_FIELD_PATH] = offsetof(struct nfdbus_msg, path),
		[NFDBUS_FIELD_INTERFACE] = offsetof(struct nfdbus_msg, interface),
		[NFDBUS_FIELD_MEMBER] = offsetof(struct nfdbus_msg, member),
		[NFDBUS_FIELD_ERROR_NAME] = offsetof(struct nfdbus_msg, error_name),
		[NFDBUS_FIELD_DESTINATION] = offsetof(struct nfdbus_msg, destination),
		[NFDBUS_FIELD_SENDER] = offsetof(struct nfdbus_msg, sender),
		[NFDBUS_FIELD_SIGNATURE] = offsetof(struct nfdbus_msg, signature),
	};
	char type = nfdbus_field_type[code];
	struct nfdbus_str *str;
	bool ok;
	u32 val;
	int err;

	err = skip_pad(r, pos, end, type_align(type));
	if (err)
		return err;
	if (type == 'u') {
		if (end - *pos < 4)
			return -EINVAL;
		val = rd_u32(r, *pos);
		*pos += 4;
		if (code == NFDBUS_FIELD_REPLY_SERIAL) {
			if (!val)
				return -EINVAL;
			msg->reply_serial = val;
		} else {
			msg->unix_fds = val;
		}
		return 0;
	}
	str = (struct nfdbus_str *)((char *)msg + str_field[code]);
	if (type == 'g')
		return read_signature(r, pos, end, str, NULL);
	err = read_string(r, pos, end, type, str);
	if (err)
		return err;
	switch (code) {
	case NFDBUS_FIELD_PATH:
		ok = str->len != sizeof(NFDBUS_LOCAL_PATH) - 1 ||
		     memcmp(str->s, NFDBUS_LOCAL_PATH, str->len);
		break;
	case NFDBUS_FIELD_INTERFACE:
		ok = nfdbus_valid_interface(str->s, str->len) &&
		     (str->len != sizeof(NFDBUS_LOCAL_INTERFACE) - 1 ||
		      memcmp(str->s, NFDBUS_LOCAL_INTERFACE, str->len));
		break;
	case NFDBUS_FIELD_MEMBER:
		ok = nfdbus_valid_member(str->s, str->len);
		break;
	case NFDBUS_FIELD_ERROR_NAME:
		ok = nfdbus_valid_error_name(str->s, str->len);
		break;
	default: /* DESTINATION, SENDER */
		ok = nfdbus_valid_bus_name(str->s, str->len);
		break;
	}
	return ok ? 0 : -EINVAL;
}

/* The header-field array a(yv), from offset 16 up to @end */
static int parse_fields(const struct nfdbus_reader *r, u32 end,
			struct nfdbus_msg *msg)
{
	u32 pos = NFDBUS_MIN_HEADER_LEN;
	struct nfdbus_str sig;
	int err, ntypes;
	u8 code;

	while (pos < end) {
		err = skip_pad(r, &pos, end, 8);
		if (err)
			return err;
		if (pos >= end)
			return -EINVAL;
		code = r->buf[pos++];
		if (code == NFDBUS_FIELD_INVALID)
			return -EINVAL;
		err = read_signature(r, &pos, end, &sig, &ntypes);
		if (err)
			return err;
		if (ntypes != 1)
			return -EINVAL;
		if (code > NFDBUS_FIELD_MAX) {
			/* unknown fields are skipped, as the spec requires */
			err = walk_values(r, &pos, end, (const u8 *)sig.s - r->buf,
					  sig.len, 3, NULL);
			if (err)
				return err;
			continue;
		}
		if (msg->fields & BIT(code))
			return -EINVAL;
		msg->fields |= BIT(code);
		if (sig.len != 1 || sig.s[0] != nfdbus_field_type[code])
			return -EINVAL;
		err = read_known_field(r, &pos, end, code, msg);
		if (err)
			return err;
	}
	return 0;
}

static bool has_fields(const struct nfdbus_msg *msg, u16 fields)
{
	return (msg->fields & fields) == fields;
}

/**
 * nfdbus_parse_message() - parse and validate one D-Bus message
 * @buf: the message, contiguous
 * @len: bytes available at @buf; the message may be followed by others
 * @msg: filled in; its strings point into @buf
 *
 * Validates the whole message: fixed header, header fields (codes 1 to 9
 * at most once each, with their types and grammars, required fields per
 * message type), padding, and the body against its signature. Never reads
 * outside [@buf, @buf + @len).
 *
 * Return: 0 on success, -ENODATA if @len is shorter than the message,
 * -EMSGSIZE if it exceeds 128 MiB, -EINVAL if it is malformed.
 */
int nfdbus_parse_message(const void *buf, size_t len, struct nfdbus_msg *msg)
{
	struct nfdbus_reader r = { .buf = buf };
	u32 pos, fields_end;
	size_t total;
	int err;

	memset(msg, 0, offsetof(struct nfdbus_msg, arg_type));
	msg->buf = buf;
	err = nfdbus_message_length(buf, len, &total);
	if (err)
		return err;
	if (total > len)
		return -ENODATA;
	r.be = r.buf[0] == 'B';
	msg->big_endian = r.be;
	msg->type = r.buf[1];
	msg->flags = r.buf[2];
	if (msg->type == NFDBUS_MSG_INVALID || msg->type > NFDBUS_MSG_SIGNAL)
		return -EINVAL;
	if (r.buf[3] != 1)
		return -EINVAL;
	msg->body_len = rd_u32(&r, 4);
	msg->serial = rd_u32(&r, 8);
	msg->total_len = total;
	if (!msg->serial)
		return -EINVAL;

	fields_end = NFDBUS_MIN_HEADER_LEN + rd_u32(&r, 12);
	err = parse_fields(&r, fields_end, msg);
	if (err)
		return err;
	pos = fields_end;
	err = skip_pad(&r, &pos, total, 8);
	if (err)
		return err;

	switch (msg->type) {
	case NFDBUS_MSG_METHOD_CALL:
		if (!has_fields(msg, BIT(NFDBUS_FIELD_PATH) |
				BIT(NFDBUS_FIELD_MEMBER)))
			return -EINVAL;
		break;
	case NFDBUS_MSG_METHOD_RETURN:
		if (!has_fields(msg, BIT(NFDBUS_FIELD_REPLY_SERIAL)))
			return -EINVAL;
		break;
	case NFDBUS_MSG_ERROR:
		if (!has_fields(msg, BIT(NFDBUS_FIELD_ERROR_NAME) |
				BIT(NFDBUS_FIELD_REPLY_SERIAL)))
			return -EINVAL;
		break;
	case NFDBUS_MSG_SIGNAL:
		if (!has_fields(msg, BIT(NFDBUS_FIELD_PATH) |
				BIT(NFDBUS_FIELD_INTERFACE) |
				BIT(NFDBUS_FIELD_MEMBER)))
			return -EINVAL;
		break;
	}

	if (!msg->signature.s) {
		/* no SIGNATURE: the body is empty */
		msg->signature.s = "";
		return msg->body_len ? -EINVAL : 0;
	}
	err = walk_values(&r, &pos, total,
			  (const u8 *)msg->signature.s - r.buf,
			  msg->signature.len, 0, msg);
	if (err)
		return err;
	return pos == total ? 0 : -EINVAL;
}

/**
 * nfdbus_msg_arg() - a string-like body argument of a parsed message
 * @msg:  the parsed message
 * @n:    argument index, 0 to 63
 * @arg:  set to the argument's text when it is of type s, o or g
 * @type: set to its type code ('s', 'o', 'g'), or 0 when absent
 *
 * Return: true if argument @n exists and is of type s, o or g.
 */
bool nfdbus_msg_arg(const struct nfdbus_msg *msg, unsigned int n,
		    struct nfdbus_str *arg, char *type)
{
	char t;

	*type = 0;
	if (n >= NFDBUS_MAX_MATCH_ARGS || n >= msg->nargs)
		return false;
	t = msg->arg_type[n];
	if (t != 's' && t != 'o' && t != 'g')
		return false;
	arg->s = (const char *)msg->buf + msg->arg_off[n];
	arg->len = msg->arg_len[n];
	*type = t;
	return true;
}
