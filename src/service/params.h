/*
 * params.h - reading and validating a request's parameter tree.
 *
 * HTTP form bodies, JSON bodies, query strings, CLI flags and CSV rows all
 * decode into one jansson tree; these helpers read typed values out of it and
 * fill a Stripe-shaped error naming the parameter on bad input. Form values
 * arrive as strings, JSON values typed, so every getter accepts both forms.
 *
 * Getters return 1 when the parameter is present and valid, 0 when absent (out
 * untouched), negative on bad input. Pointers they return borrow from the tree.
 */
#ifndef RECUR_SERVICE_PARAMS_H
#define RECUR_SERVICE_PARAMS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"

#define PARAMS_MAX_STRING 5000
#define PARAMS_MAX_AMOUNT 1000000000000000LL /* 10^15 minor units, api.md */

/* Fails with parameter_unknown on the first key of p not in allowed (NULL-terminated). */
int params_only(const json_t *p, const char *const allowed[], struct recur_err *e);
/* Fails with parameter_missing unless key is present and not empty. */
int params_require(const json_t *p, const char *key, struct recur_err *e);

int params_string(const char **out, const json_t *p, const char *key, size_t maxlen,
		  struct recur_err *e);
int params_int(int64_t *out, const json_t *p, const char *key, int64_t min, int64_t max,
	       struct recur_err *e);
int params_bool(bool *out, const json_t *p, const char *key, struct recur_err *e);
/* values is NULL-terminated; *out points at the matching entry of values. */
int params_enum(const char **out, const json_t *p, const char *key,
		const char *const values[], struct recur_err *e);
/* An ISO 4217 code recur knows; *out is the lower-case code from the table. */
int params_currency(const char **out, const json_t *p, const char *key, struct recur_err *e);
/* A decimal ("25.5" or 25.5) kept as an integer scaled by 10^scale. */
int params_fixed(int64_t *out, const json_t *p, const char *key, int scale, int64_t min,
		 int64_t max, struct recur_err *e);
/* A nested object; "" (the form way to unset) gives 1 with *out = NULL. */
int params_object(const json_t **out, const json_t *p, const char *key, struct recur_err *e);
/* An array (form "a[0]=x" or "a[]=x" decode to arrays); "" gives 1 with *out = NULL. */
int params_array(const json_t **out, const json_t *p, const char *key, struct recur_err *e);
/* A list of strings, e.g. expand[] or lookup_keys[]. */
int params_string_array(const json_t **out, const json_t *p, const char *key, size_t maxlen,
			struct recur_err *e);

/*
 * Applies the "metadata" parameter to existing (may be NULL) as Stripe does:
 * keys merge, a key set to "" is removed, metadata="" clears everything. At most
 * 50 keys, keys up to 40 characters, values up to 500. *out is a new reference
 * (a copy of existing when the parameter is absent).
 */
int params_metadata(json_t **out, const json_t *existing, const json_t *p,
		    struct recur_err *e);

/*
 * After a nested validator failed, prefixes e->param with "outer[...]", so
 * "city" becomes "address[city]". Returns rc unchanged for chaining.
 */
int params_nest(struct recur_err *e, int rc, const char *outer);
int params_nest_index(struct recur_err *e, int rc, const char *outer, size_t index);

/* Copies field key of src into dst (absent → null), for building objects. */
void params_copy(json_t *dst, const json_t *src, const char *key);

#endif
