#include "api/form.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Percent-decodes src[0..len) into dst (at least len + 1 bytes); '+' is a space.
 * A '%' not followed by two hex digits is refused, as Rack (Stripe's own front
 * end) refuses it: guessing what "%ZZ" meant would store something the client
 * never sent. Returns the decoded length, or -1 on a malformed escape.
 */
static long unescape(char *dst, const char *src, size_t len)
{
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		if (src[i] == '+') {
			dst[o++] = ' ';
		} else if (src[i] == '%') {
			if (i + 2 >= len || hexval(src[i + 1]) < 0 || hexval(src[i + 2]) < 0)
				return -1;
			dst[o++] = (char)(hexval(src[i + 1]) * 16 + hexval(src[i + 2]));
			i += 2;
		} else {
			dst[o++] = src[i];
		}
	}
	dst[o] = '\0';
	return (long)o;
}

size_t form_utf8_prefix(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;
	while (i < len) {
		unsigned char c = u[i];
		size_t n;
		uint32_t cp;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			n = 1;
			cp = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			n = 2;
			cp = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			n = 3;
			cp = c & 0x07;
		} else {
			break; /* a continuation byte, an overlong lead (C0, C1) or F5..FF */
		}
		size_t k;
		for (k = 1; k <= n; k++) {
			if (i + k >= len || (u[i + k] & 0xC0) != 0x80)
				break;
			cp = (cp << 6) | (u[i + k] & 0x3F);
		}
		if (k <= n)
			break;
		/* Overlong forms, UTF-16 surrogates and code points past U+10FFFF. */
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			break;
		i += n + 1;
	}
	return i;
}

static int bad(struct recur_err *e, const char *key, const char *why)
{
	char param[FORM_MAX_KEY + 1];
	snprintf(param, sizeof(param), "%s", key);
	return err_invalid(e, param, "Invalid parameter %s: %s", param, why);
}

int form_add(json_t *tree, const char *key, const char *value, size_t value_len,
	     struct recur_err *e)
{
	char segs[FORM_MAX_DEPTH + 1][FORM_MAX_KEY + 1];
	int nseg = 0;
	size_t klen = strlen(key);
	if (klen == 0)
		return bad(e, "", "empty parameter name");
	/* Split "a[b][0]" into a, b, 0; "[]" gives an empty segment (append). */
	const char *open = strchr(key, '[');
	size_t base = open ? (size_t)(open - key) : klen;
	if (base == 0)
		return bad(e, key, "parameter names cannot start with '['");
	/*
	 * Errors about the name as a whole point at its top-level parameter, the
	 * part a client can act on ("metadata" for an overlong metadata key), and
	 * only when that part is valid UTF-8, since the error is rendered as JSON.
	 */
	if (klen > FORM_MAX_KEY || form_utf8_prefix(key, klen) != klen) {
		char top[FORM_MAX_KEY + 1];
		size_t n = base < FORM_MAX_KEY ? base : FORM_MAX_KEY;
		int utf8 = form_utf8_prefix(key, n) == n;
		snprintf(top, sizeof(top), "%.*s", (int)n, key);
		if (klen > FORM_MAX_KEY)
			return err_invalid(e, utf8 ? top : NULL,
					   "Parameter name too long (at most %d characters)", FORM_MAX_KEY);
		return err_invalid(e, utf8 ? top : NULL, "Parameter names must be valid UTF-8");
	}
	memcpy(segs[0], key, base);
	segs[0][base] = '\0';
	nseg = 1;
	const char *c = open;
	while (c && *c) {
		if (*c != '[')
			return bad(e, key, "malformed brackets");
		const char *close = strchr(c, ']');
		if (!close)
			return bad(e, key, "unbalanced brackets");
		if (nseg > FORM_MAX_DEPTH)
			return bad(e, key, "nested too deeply");
		size_t n = (size_t)(close - c - 1);
		memcpy(segs[nseg], c + 1, n);
		segs[nseg][n] = '\0';
		if (strchr(segs[nseg], '['))
			return bad(e, key, "malformed brackets");
		nseg++;
		c = close + 1;
	}
	/*
	 * A NUL in a value (%00) is refused here, as a JSON body's \u0000 is:
	 * metadata kept it, stored "\u0000" that the store cannot read back, and
	 * the customer's metadata came back null (found by fuzz/fuzz_form.c).
	 */
	if (memchr(value, '\0', value_len))
		return err_invalid(e, key, "Invalid string: %s contains a NUL character", key);
	json_t *val = json_stringn(value, value_len);
	if (!val)
		return err_invalid(e, key, "Invalid UTF-8 in parameter %s", key);
	json_t *node = tree;
	for (int i = 0; i < nseg; i++) {
		char index[24];
		const char *name = segs[i];
		if (segs[i][0] == '\0') { /* a[] appends: use the next free index */
			snprintf(index, sizeof(index), "%zu", json_object_size(node));
			name = index;
		}
		if (i == nseg - 1) {
			json_t *old = json_object_get(node, name);
			if (old && json_is_object(old)) {
				json_decref(val);
				return bad(e, key, "given both as a value and as a hash");
			}
			if (json_object_set_new(node, name, val) < 0)
				return err_internal(e, "cannot store parameter");
			return 0;
		}
		json_t *child = json_object_get(node, name);
		if (!child) {
			child = json_object();
			if (json_object_set_new(node, name, child) < 0) {
				json_decref(val);
				return err_internal(e, "cannot store parameter");
			}
		} else if (!json_is_object(child)) {
			json_decref(val);
			return bad(e, key, "given both as a value and as a hash");
		}
		node = child;
	}
	json_decref(val);
	return 0;
}

int form_decode(json_t *tree, const char *body, size_t len, struct recur_err *e)
{
	char *key = NULL, *val = NULL;
	int rc = 0, pairs = 0;
	size_t i = 0;
	key = malloc(len + 1);
	val = malloc(len + 1);
	if (!key || !val) {
		rc = err_internal(e, "out of memory");
		goto done;
	}
	while (i < len) {
		size_t end = i;
		while (end < len && body[end] != '&')
			end++;
		if (end > i) {
			if (++pairs > FORM_MAX_PAIRS) {
				rc = err_invalid(e, NULL, "Too many parameters");
				goto done;
			}
			const char *eq = memchr(body + i, '=', end - i);
			size_t klen = eq ? (size_t)(eq - (body + i)) : end - i;
			long kdec = unescape(key, body + i, klen);
			if (kdec < 0) {
				char raw[FORM_MAX_KEY + 1];
				snprintf(raw, sizeof(raw), "%.*s", (int)(klen < FORM_MAX_KEY ? klen : FORM_MAX_KEY),
					 body + i);
				rc = err_invalid(e, raw, "Invalid percent-encoding in parameter name %s", raw);
				goto done;
			}
			long vlen = eq ? unescape(val, eq + 1, (size_t)(body + end - eq - 1)) : 0;
			if (vlen < 0) {
				rc = bad(e, key, "invalid percent-encoding in the value");
				goto done;
			}
			val[vlen] = '\0';
			if (strlen(key) != (size_t)kdec) {
				rc = err_invalid(e, NULL, "Parameter names cannot contain NUL bytes");
				goto done;
			}
			if ((rc = form_add(tree, key, val, (size_t)vlen, e)) < 0)
				goto done;
		}
		i = end + 1;
	}
done:
	free(key);
	free(val);
	return rc;
}

static int index_keys(json_t *obj)
{
	const char *k;
	json_t *v;
	if (json_object_size(obj) == 0)
		return 0;
	json_object_foreach(obj, k, v) {
		if (!*k || strlen(k) > 4)
			return 0;
		for (const char *c = k; *c; c++)
			if (*c < '0' || *c > '9')
				return 0;
		if (strtol(k, NULL, 10) >= FORM_MAX_INDEX)
			return 0;
	}
	return 1;
}

static json_t *finish(json_t *node, int in_metadata)
{
	if (!json_is_object(node))
		return json_incref(node);
	const char *k;
	json_t *v;
	json_object_foreach(node, k, v) {
		json_t *f = finish(v, in_metadata || strcmp(k, "metadata") == 0);
		json_object_set_new(node, k, f);
	}
	if (in_metadata || !index_keys(node))
		return json_incref(node);
	/* {"1": b, "0": a} -> [a, b]: ordered by index, gaps closed. */
	json_t *arr = json_array();
	for (long i = 0; i < FORM_MAX_INDEX && json_array_size(arr) < json_object_size(node); i++) {
		char idx[8];
		snprintf(idx, sizeof(idx), "%ld", i);
		json_t *item = json_object_get(node, idx);
		if (item)
			json_array_append(arr, item);
	}
	return arr;
}

void form_finish(json_t *tree)
{
	const char *k;
	json_t *v;
	json_object_foreach(tree, k, v)
		json_object_set_new(tree, k, finish(v, strcmp(k, "metadata") == 0));
}

static int depth(const json_t *v)
{
	int d = 0;
	if (json_is_object(v)) {
		const char *k;
		json_t *c;
		json_object_foreach((json_t *)(uintptr_t)v, k, c) {
			int cd = depth(c);
			if (cd > d)
				d = cd;
		}
		return d + 1;
	}
	if (json_is_array(v)) {
		size_t i;
		json_t *c;
		json_array_foreach(v, i, c) {
			int cd = depth(c);
			if (cd > d)
				d = cd;
		}
		return d + 1;
	}
	return 0;
}

int form_decode_json(json_t **out, const char *body, size_t len, struct recur_err *e)
{
	json_error_t je;
	*out = NULL;
	if (len == 0) {
		*out = json_object();
		return 0;
	}
	json_t *v = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
	if (!v)
		return err_invalid(e, NULL, "Invalid JSON body: %s (line %d, column %d)", je.text,
				   je.line, je.column);
	if (!json_is_object(v)) {
		json_decref(v);
		return err_invalid(e, NULL, "Invalid JSON body: the body must be a JSON object");
	}
	if (depth(v) > FORM_MAX_DEPTH + 1) {
		json_decref(v);
		return err_invalid(e, NULL, "Invalid JSON body: nested too deeply");
	}
	*out = v;
	return 0;
}
