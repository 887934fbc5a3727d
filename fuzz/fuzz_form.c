/*
 * fuzz_form - form_decode + form_finish (api/form.c): an
 * application/x-www-form-urlencoded body or query string, as any client may
 * send it, into the parameter tree every service reads.
 *
 * Properties: bad input is a 400 (RECUR_EINVAL, status 400), never a 500;
 * a decoded tree is an object no deeper than FORM_MAX_DEPTH levels below the
 * top, and it serialises to JSON that parses back equal (what the idempotency
 * hash and the events store rely on).
 */
#include "fuzz.h"

#include "api/form.h"
#include "core/err.h"

#include <jansson.h>

static int depth(const json_t *v)
{
	int d = 0;
	const char *k;
	size_t i;
	json_t *c;
	if (json_is_object(v)) {
		json_object_foreach((json_t *)(uintptr_t)v, k, c)
			if (depth(c) > d)
				d = depth(c);
		return d + 1;
	}
	if (json_is_array(v)) {
		json_array_foreach(v, i, c)
			if (depth(c) > d)
				d = depth(c);
		return d + 1;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct recur_err e;
	err_clear(&e);
	json_t *tree = json_object();
	int rc = form_decode(tree, (const char *)data, size, &e);
	if (rc == 0) {
		form_finish(tree);
		FUZZ_CHECK(json_is_object(tree));
		FUZZ_CHECK(depth(tree) <= FORM_MAX_DEPTH + 1);
		char *text = json_dumps(tree, JSON_COMPACT | JSON_SORT_KEYS);
		FUZZ_CHECK(text != NULL);
		json_error_t je;
		json_t *back = json_loads(text, JSON_REJECT_DUPLICATES, &je);
		FUZZ_CHECK(back != NULL);
		FUZZ_CHECK(json_equal(back, tree));
		json_decref(back);
		free(text);
	} else {
		FUZZ_CHECK(rc == RECUR_EINVAL && e.status == 400);
		FUZZ_CHECK(e.message[0] != '\0');
	}
	json_decref(tree);
	return 0;
}
