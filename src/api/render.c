#include "api/render.h"
#include "core/buf.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A response may be a large list; the body is ours, not the client's input. */
#define RENDER_CAP ((size_t)1 << 30)

static int put(struct buf *b, const char *s, size_t n)
{
	return buf_append(b, s, n);
}

/*
 * A JSON string. jansson keeps only valid UTF-8 in its strings, so bytes of
 * 0x80 and up are copied as they are; runs without anything to escape are
 * copied in one append.
 */
static int put_string(struct buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t run = 0;
	if (put(b, "\"", 1) < 0)
		return -1;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		if (put(b, s + run, i - run) < 0)
			return -1;
		run = i + 1;
		char esc[6] = { '\\', 0 };
		size_t n = 2;
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default: /* other control characters as \u00XX, upper-case hex as jansson */
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			n = 6;
		}
		if (put(b, esc, n) < 0)
			return -1;
	}
	if (put(b, s + run, len - run) < 0)
		return -1;
	return put(b, "\"", 1);
}

/* A real as json_dumps writes it (its precision and its ".0"/exponent rules). */
static int put_real(struct buf *b, const json_t *v)
{
	char *text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(15));
	int rc = text ? buf_puts(b, text) : -1;
	free(text);
	return rc;
}

static int put_value(struct buf *b, const json_t *v, int depth)
{
	char num[32];
	int n;
	switch (json_typeof(v)) {
	case JSON_NULL: return put(b, "null", 4);
	case JSON_TRUE: return put(b, "true", 4);
	case JSON_FALSE: return put(b, "false", 5);
	case JSON_STRING: return put_string(b, json_string_value(v), json_string_length(v));
	case JSON_REAL: return put_real(b, v);
	case JSON_INTEGER:
		n = snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return put(b, num, (size_t)n);
	case JSON_ARRAY:
		if (depth >= API_RENDER_MAX_DEPTH || put(b, "[", 1) < 0)
			return -1;
		for (size_t i = 0; i < json_array_size(v); i++) {
			if ((i && put(b, ",", 1) < 0) || put_value(b, json_array_get(v, i), depth + 1) < 0)
				return -1;
		}
		return put(b, "]", 1);
	case JSON_OBJECT:
		if (depth >= API_RENDER_MAX_DEPTH || put(b, "{", 1) < 0)
			return -1;
		/* json_object_iter walks the keys in insertion order, as json_dumps does. */
		for (void *it = json_object_iter((json_t *)(uintptr_t)v), *first = it; it;
		     it = json_object_iter_next((json_t *)(uintptr_t)v, it)) {
			if (it != first && put(b, ",", 1) < 0)
				return -1;
			if (put_string(b, json_object_iter_key(it), json_object_iter_key_len(it)) < 0 ||
			    put(b, ":", 1) < 0 || put_value(b, json_object_iter_value(it), depth + 1) < 0)
				return -1;
		}
		return put(b, "}", 1);
	}
	return -1;
}

char *api_render_json(const json_t *v)
{
	struct buf b;
	buf_init(&b, RENDER_CAP);
	if (!v || !(json_is_object(v) || json_is_array(v)) || put_value(&b, v, 0) < 0) {
		buf_free(&b);
		return NULL;
	}
	return b.data; /* the buffer's memory is the caller's now */
}
