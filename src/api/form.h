/*
 * form.h - decoding request parameters into one jansson tree.
 *
 * Stripe clients send application/x-www-form-urlencoded bodies with bracket
 * nesting: items[0][price]=x&metadata[plan]=pro&expand[]=a. These decode into
 * the same tree a JSON body gives ({"items":[{"price":"x"}], ...}), so the
 * services see one shape whatever the wire carried. Values stay strings; the
 * services' params_* getters convert them.
 */
#ifndef RECUR_API_FORM_H
#define RECUR_API_FORM_H

#include <jansson.h>
#include <stddef.h>

#include "core/err.h"

#define FORM_MAX_DEPTH 8
#define FORM_MAX_KEY 256
#define FORM_MAX_PAIRS 4000
#define FORM_MAX_INDEX 1000

/*
 * Length of the longest prefix of s[0..len) that is well-formed UTF-8 (no
 * overlong forms, surrogates or code points past U+10FFFF); len when all is.
 */
size_t form_utf8_prefix(const char *s, size_t len);

/* Adds one decoded key/value pair ("items[0][price]", "x") to tree. */
int form_add(json_t *tree, const char *key, const char *value, size_t value_len,
	     struct recur_err *e);

/*
 * Decodes a whole urlencoded body (or query string) into tree. Malformed
 * percent-escapes, invalid UTF-8 and conflicting or overlong names are
 * refused with a 400 naming the parameter.
 */
int form_decode(json_t *tree, const char *body, size_t len, struct recur_err *e);

/*
 * Turns objects whose keys are all indices ("0", "1", ...) into arrays, in
 * index order, except under "metadata" where numeric keys are just keys.
 * Call once after the last form_add.
 */
void form_finish(json_t *tree);

/* Parses a JSON body; it must be an object and nest at most FORM_MAX_DEPTH deep. */
int form_decode_json(json_t **out, const char *body, size_t len, struct recur_err *e);

#endif
