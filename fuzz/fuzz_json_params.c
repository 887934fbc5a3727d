/*
 * fuzz_json_params - a JSON request body into parameters: form_decode_json
 * (api/form.c), then the service layer's typed getters (service/params.c)
 * over every key, as the handlers read them.
 *
 * Properties: a body that is not a JSON object of bounded depth is a 400;
 * every getter on any decoded tree answers 1 (valid), 0 (absent) or a 4xx
 * naming a param, never a 500; a decoded tree re-serialises to equal JSON.
 */
#include "fuzz.h"

#include "api/form.h"
#include "core/err.h"
#include "service/params.h"

#include <jansson.h>

static const char *const enum_values[] = { "day", "week", "month", "year", NULL };

/* A getter's answer: present, absent, or bad input named by param. */
static void check(int rc, const struct recur_err *e)
{
	FUZZ_CHECK(rc == 0 || rc == 1 || (rc < 0 && rc != RECUR_EINTERNAL));
	if (rc < 0) {
		FUZZ_CHECK(e->status >= 400 && e->status < 500);
		FUZZ_CHECK(e->message[0] != '\0');
	}
}

/* Every getter on key of p, as a handler might ask for it. */
static void read_all(const json_t *p, const char *key)
{
	struct recur_err e;
	const char *s = NULL;
	const json_t *sub = NULL;
	int64_t i = 0;
	bool b = false;
	json_t *md = NULL;

	err_clear(&e);
	check(params_string(&s, p, key, 255, &e), &e);
	check(params_int(&i, p, key, -PARAMS_MAX_AMOUNT, PARAMS_MAX_AMOUNT, &e), &e);
	check(params_int(&i, p, key, INT64_MIN, INT64_MAX, &e), &e);
	check(params_bool(&b, p, key, &e), &e);
	check(params_enum(&s, p, key, enum_values, &e), &e);
	check(params_currency(&s, p, key, &e), &e);
	check(params_fixed(&i, p, key, 4, 0, 100 * 10000, &e), &e);
	check(params_fixed(&i, p, key, 12, INT64_MIN, INT64_MAX, &e), &e);
	check(params_object(&sub, p, key, &e), &e);
	check(params_array(&sub, p, key, &e), &e);
	check(params_string_array(&sub, p, key, 200, &e), &e);
	check(params_require(p, key, &e), &e);
	int rc = params_metadata(&md, NULL, p, &e);
	check(rc, &e);
	json_decref(md);
	/* A nested error names outer[inner], within the param buffer. */
	rc = params_nest_index(&e, params_nest(&e, err_invalid(&e, key, "x"), key), key, 7);
	FUZZ_CHECK(rc == RECUR_EINVAL && strlen(e.param) < sizeof(e.param));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct recur_err e;
	err_clear(&e);
	json_t *tree = NULL;
	int rc = form_decode_json(&tree, (const char *)data, size, &e);
	if (rc < 0) {
		FUZZ_CHECK(rc == RECUR_EINVAL && e.status == 400 && tree == NULL);
		return 0;
	}
	FUZZ_CHECK(json_is_object(tree));
	char *text = json_dumps(tree, JSON_COMPACT | JSON_SORT_KEYS);
	FUZZ_CHECK(text != NULL);
	json_t *back = json_loads(text, 0, NULL);
	FUZZ_CHECK(back != NULL && json_equal(back, tree));
	json_decref(back);
	free(text);

	const char *key;
	json_t *v;
	read_all(tree, "metadata");
	json_object_foreach(tree, key, v) {
		read_all(tree, key);
		if (json_is_object(v)) {
			const char *k2;
			json_t *v2;
			json_object_foreach(v, k2, v2)
				read_all(v, k2);
		}
	}
	json_decref(tree);
	return 0;
}
