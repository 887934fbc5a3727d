#include "service/params.h"
#include "core/money.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int params_only(const json_t *p, const char *const allowed[], struct recur_err *e)
{
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)(uintptr_t)p, key, v) {
		int ok = 0;
		for (int i = 0; allowed[i]; i++)
			if (strcmp(allowed[i], key) == 0) {
				ok = 1;
				break;
			}
		if (!ok)
			return err_set(e, RECUR_EINVAL, 400, "invalid_request_error",
				       "parameter_unknown", key,
				       "Received unknown parameter: %s", key);
	}
	return 0;
}

int params_require(const json_t *p, const char *key, struct recur_err *e)
{
	json_t *v = json_object_get(p, key);
	if (!v || json_is_null(v) || (json_is_string(v) && json_string_length(v) == 0))
		return err_set(e, RECUR_EINVAL, 400, "invalid_request_error",
			       "parameter_missing", key, "Missing required param: %s.", key);
	return 0;
}

/*
 * Stripe's length limits count characters, not bytes: "Bjørnstjerne" is 12.
 * Strings in the tree are valid UTF-8 (jansson refuses anything else), so the
 * characters are the bytes that do not continue a sequence.
 */
static size_t utf8_chars(const char *s, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			n++;
	return n;
}

static size_t string_chars(const json_t *v)
{
	return utf8_chars(json_string_value(v), json_string_length(v));
}

int params_string(const char **out, const json_t *p, const char *key, size_t maxlen,
		  struct recur_err *e)
{
	json_t *v = json_object_get(p, key);
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return err_invalid(e, key, "Invalid string: %s must be a string", key);
	if (string_chars(v) > maxlen)
		return err_invalid(e, key, "Invalid string: %s must be at most %zu characters",
				   key, maxlen);
	if (memchr(json_string_value(v), '\0', json_string_length(v)))
		return err_invalid(e, key, "Invalid string: %s contains a NUL character", key);
	*out = json_string_value(v);
	return 1;
}

/* Parses a whole decimal integer; no spaces, no "+", no fractions. */
static int parse_int(int64_t *out, const char *s)
{
	if (*s == '\0' || (*s == '-' && s[1] == '\0'))
		return -1;
	for (const char *c = (*s == '-') ? s + 1 : s; *c; c++)
		if (*c < '0' || *c > '9')
			return -1;
	errno = 0;
	char *end = NULL;
	long long v = strtoll(s, &end, 10);
	if (errno == ERANGE || *end)
		return -1;
	*out = v;
	return 0;
}

int params_int(int64_t *out, const json_t *p, const char *key, int64_t min, int64_t max,
	       struct recur_err *e)
{
	json_t *v = json_object_get(p, key);
	int64_t n;
	if (!v || json_is_null(v))
		return 0;
	if (json_is_integer(v))
		n = json_integer_value(v);
	else if (!json_is_string(v) || parse_int(&n, json_string_value(v)) < 0)
		return err_set(e, RECUR_EINVAL, 400, "invalid_request_error",
			       "parameter_invalid_integer", key,
			       "Invalid integer: %s must be a whole number", key);
	if (n < min || n > max)
		return err_set(e, RECUR_EINVAL, 400, "invalid_request_error",
			       "parameter_invalid_integer", key,
			       "Invalid integer: %s must be between %lld and %lld", key,
			       (long long)min, (long long)max);
	*out = n;
	return 1;
}

int params_bool(bool *out, const json_t *p, const char *key, struct recur_err *e)
{
	json_t *v = json_object_get(p, key);
	if (!v || json_is_null(v))
		return 0;
	if (json_is_boolean(v)) {
		*out = json_is_true(v);
		return 1;
	}
	if (json_is_string(v)) {
		if (strcmp(json_string_value(v), "true") == 0) {
			*out = true;
			return 1;
		}
		if (strcmp(json_string_value(v), "false") == 0) {
			*out = false;
			return 1;
		}
	}
	return err_invalid(e, key, "Invalid boolean: %s must be true or false", key);
}

int params_enum(const char **out, const json_t *p, const char *key,
		const char *const values[], struct recur_err *e)
{
	json_t *v = json_object_get(p, key);
	if (!v || json_is_null(v))
		return 0;
	if (json_is_string(v))
		for (int i = 0; values[i]; i++)
			if (strcmp(values[i], json_string_value(v)) == 0) {
				*out = values[i];
				return 1;
			}
	char list[256] = "";
	size_t len = 0;
	for (int i = 0; values[i] && len < sizeof(list); i++)
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s", i ? ", " : "",
					values[i]);
	return err_invalid(e, key, "Invalid %s: must be one of %s", key, list);
}

/* Stripe spells currencies lower-case; the ISO table in core/money spells them upper-case. */
#define MAX_CURRENCIES 256
static char lower_codes[MAX_CURRENCIES][4];
static pthread_once_t lower_once = PTHREAD_ONCE_INIT;

static void lower_init(void)
{
	for (size_t i = 0; i < money_currency_count() && i < MAX_CURRENCIES; i++) {
		const char *code = money_currency_at(i)->code;
		for (int j = 0; j < 3; j++)
			lower_codes[i][j] = (char)tolower((unsigned char)code[j]);
	}
}

int params_currency(const char **out, const json_t *p, const char *key, struct recur_err *e)
{
	const char *code = NULL;
	int rc = params_string(&code, p, key, 3, e);
	if (rc <= 0)
		return rc;
	const struct currency *c = money_currency_find(code);
	if (!c)
		return err_invalid(e, key, "Invalid currency: %s", code);
	size_t index = (size_t)(c - money_currency_at(0));
	if (index >= MAX_CURRENCIES)
		return err_internal(e, "currency table larger than expected");
	pthread_once(&lower_once, lower_init);
	*out = lower_codes[index];
	return 1;
}

int params_fixed(int64_t *out, const json_t *p, const char *key, int scale, int64_t min,
		 int64_t max, struct recur_err *e)
{
	json_t *v = json_object_get(p, key);
	char text[64];
	const char *s;
	int64_t n;
	struct recur_err ignored;
	if (!v || json_is_null(v))
		return 0;
	if (json_is_string(v)) {
		s = json_string_value(v);
	} else if (json_is_integer(v)) {
		snprintf(text, sizeof(text), "%lld", (long long)json_integer_value(v));
		s = text;
	} else if (json_is_real(v)) {
		/* JSON bodies carry decimals as doubles; 15 significant digits give back
		 * exactly the decimal the client wrote. */
		snprintf(text, sizeof(text), "%.15g", json_real_value(v));
		s = text;
	} else {
		return err_invalid(e, key, "Invalid decimal: %s must be a number", key);
	}
	if (money_parse(&n, s, scale, MONEY_LOCALE_C, &ignored) < 0)
		return err_invalid(e, key, "Invalid decimal: %s must be a number with at most %d decimals",
				   key, scale);
	if (n < min || n > max)
		return err_invalid(e, key, "Invalid %s: out of range", key);
	*out = n;
	return 1;
}

static int container(const json_t **out, const json_t *p, const char *key, int want_object,
		     struct recur_err *e)
{
	json_t *v = json_object_get(p, key);
	if (!v || json_is_null(v))
		return 0;
	if (json_is_string(v) && json_string_length(v) == 0) {
		*out = NULL;
		return 1;
	}
	if (want_object ? !json_is_object(v) : !json_is_array(v))
		return err_invalid(e, key, "Invalid %s: %s must be %s", want_object ? "object" : "array",
				   key, want_object ? "an object (hash)" : "an array");
	*out = v;
	return 1;
}

int params_object(const json_t **out, const json_t *p, const char *key, struct recur_err *e)
{
	return container(out, p, key, 1, e);
}

int params_array(const json_t **out, const json_t *p, const char *key, struct recur_err *e)
{
	return container(out, p, key, 0, e);
}

int params_string_array(const json_t **out, const json_t *p, const char *key, size_t maxlen,
			struct recur_err *e)
{
	const json_t *arr = NULL;
	int rc = params_array(&arr, p, key, e);
	if (rc <= 0)
		return rc;
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v) {
		if (!json_is_string(v) || string_chars(v) > maxlen)
			return params_nest_index(e, err_invalid(e, "", "Invalid string in %s", key),
						 key, i);
	}
	*out = arr;
	return 1;
}

int params_metadata(json_t **out, const json_t *existing, const json_t *p,
		    struct recur_err *e)
{
	json_t *v = json_object_get(p, "metadata");
	json_t *md = existing && json_is_object(existing) ? json_deep_copy(existing) : json_object();
	int rc = 0;
	*out = NULL;
	if (!v || json_is_null(v))
		goto done;
	rc = 1;
	if (json_is_string(v) && json_string_length(v) == 0) {
		json_object_clear(md);
		goto done;
	}
	if (!json_is_object(v)) {
		rc = err_invalid(e, "metadata", "Invalid object: metadata must be a hash");
		goto done;
	}
	const char *key;
	json_t *val;
	json_object_foreach(v, key, val) {
		char param[sizeof(e->param)];
		size_t klen = utf8_chars(key, strlen(key));
		snprintf(param, sizeof(param), "metadata[%s]", key);
		if (klen > 40 || klen == 0) {
			rc = err_invalid(e, param, "Metadata keys must be 1 to 40 characters");
			goto done;
		}
		if (json_is_integer(val) || json_is_real(val) || json_is_boolean(val)) {
			/* JSON clients send numbers; Stripe stores every value as a string. */
			char *t = json_dumps(val, JSON_ENCODE_ANY);
			json_object_set_new(md, key, json_string(t));
			free(t);
			continue;
		}
		if (!json_is_string(val) && !json_is_null(val)) {
			rc = err_invalid(e, param, "Metadata values must be strings");
			goto done;
		}
		if (json_is_null(val) || json_string_length(val) == 0) {
			json_object_del(md, key);
			continue;
		}
		if (string_chars(val) > 500) {
			rc = err_invalid(e, param, "Metadata values can be at most 500 characters");
			goto done;
		}
		json_object_set(md, key, val);
	}
	if (json_object_size(md) > 50)
		rc = err_invalid(e, "metadata", "Metadata can have at most 50 keys");
done:
	if (rc < 0) {
		json_decref(md);
		return rc;
	}
	*out = md;
	return rc;
}

/* "city" under "address" -> "address[city]"; "a[b]" under "x[0]" -> "x[0][a][b]". */
static void prefix_param(struct recur_err *e, const char *prefix)
{
	char inner[sizeof(e->param)];
	snprintf(inner, sizeof(inner), "%s", e->param);
	char *bracket = strchr(inner, '[');
	if (!inner[0]) {
		snprintf(e->param, sizeof(e->param), "%s", prefix);
	} else if (bracket) {
		*bracket = '\0';
		snprintf(e->param, sizeof(e->param), "%s[%s][%s", prefix, inner, bracket + 1);
	} else {
		snprintf(e->param, sizeof(e->param), "%s[%s]", prefix, inner);
	}
}

int params_nest(struct recur_err *e, int rc, const char *outer)
{
	if (rc < 0)
		prefix_param(e, outer);
	return rc;
}

int params_nest_index(struct recur_err *e, int rc, const char *outer, size_t index)
{
	if (rc < 0) {
		char prefix[sizeof(e->param)];
		snprintf(prefix, sizeof(prefix), "%s[%zu]", outer, index);
		prefix_param(e, prefix);
	}
	return rc;
}

void params_copy(json_t *dst, const json_t *src, const char *key)
{
	json_t *v = json_object_get(src, key);
	json_object_set(dst, key, v ? v : json_null());
}
