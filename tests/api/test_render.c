/*
 * Tests for api/render: api_render_json writes exactly what
 * json_dumps(v, JSON_COMPACT | JSON_REAL_PRECISION(15)) writes (the server's
 * responses were json_dumps output, and clients may compare bytes), for
 * literal documents covering every type, every escape, UTF-8 of 1 to 4 bytes,
 * embedded NUL, reals, empty and nested containers, insertion order after
 * deletes, a large list; and refuses what json_dumps refuses or cannot reach.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api/render.h"

#define FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(15))

/* Renders v both ways and asserts the same bytes; takes v's reference. */
static void same(json_t *v)
{
	char *want = json_dumps(v, FLAGS);
	char *got = api_render_json(v);
	assert_non_null(want);
	assert_non_null(got);
	assert_string_equal(got, want);
	free(want);
	free(got);
	json_decref(v);
}

static void test_literal_documents(void **state)
{
	(void)state;
	static const char *const docs[] = {
		"{}",
		"[]",
		"[null,true,false,0,-1,9223372036854775807,-9223372036854775808]",
		"{\"a\":{\"b\":{\"c\":[[],{},[{}]]}},\"d\":\"\"}",
		"{\"id\":\"cus_123\",\"object\":\"customer\",\"metadata\":{},\"tax_ids\":{\"data\":[]}}",
		"[\"quote \\\" backslash \\\\ slash / tab \\t nl \\n cr \\r bs \\b ff \\f\"]",
		"[\"\\u0001\\u001f\\u007f \\u00e6\\u00f8\\u00e5 \\u20ac \\ud83d\\ude00 \\u2028\"]",
		"{\"key\":\"v\\u0000al\"}",
		"[0.1,1.5,-2.25,100.0,1e300,1.23456789012345678,0.000001,1e-7,123456789012345680000.0]",
		"{\"z\":1,\"a\":2,\"m\":{\"y\":[1,2,{\"x\":null}]}}",
	};
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		json_error_t err;
		json_t *v = json_loads(docs[i], JSON_ALLOW_NUL, &err);
		if (!v)
			fail_msg("doc %zu: %s", i, err.text);
		same(v);
	}
}

/* Every byte value below 0x80 in a string, and as a key. */
static void test_every_ascii_byte(void **state)
{
	(void)state;
	char s[128];
	for (int c = 0; c < 128; c++)
		s[c] = (char)c;
	json_t *o = json_object();
	json_object_set_new(o, "all", json_stringn(s, sizeof(s)));
	for (int c = 1; c < 128; c++) {
		char key[3] = { 'k', (char)c, 0 };
		json_object_set_new(o, key, json_integer(c));
	}
	same(o);
}

/* Keys come out in insertion order, also after a delete and a replace. */
static void test_insertion_order(void **state)
{
	(void)state;
	json_t *o = json_object();
	const char *keys[] = { "zeta", "alpha", "mid", "beta", "omega" };
	for (size_t i = 0; i < 5; i++)
		json_object_set_new(o, keys[i], json_integer((json_int_t)i));
	json_object_del(o, "mid");
	json_object_set_new(o, "alpha", json_string("replaced"));
	json_object_set_new(o, "mid", json_true());
	char *got = api_render_json(o);
	assert_string_equal(got, "{\"zeta\":0,\"alpha\":\"replaced\",\"beta\":3,\"omega\":4,"
				 "\"mid\":true}");
	free(got);
	same(o);
}

/* A list page of the size the API answers (100 objects of ~40 fields). */
static void test_large_list(void **state)
{
	(void)state;
	json_t *data = json_array();
	for (int i = 0; i < 100; i++) {
		json_t *o = json_object();
		for (int f = 0; f < 40; f++) {
			char key[16], val[48];
			snprintf(key, sizeof(key), "field_%d", f);
			snprintf(val, sizeof(val), "in_%08d_%d \"x\"\n", i, f);
			json_object_set_new(o, key, f % 3 ? json_string(val) : json_integer(i * f));
		}
		json_array_append_new(data, o);
	}
	same(json_pack("{s:s, s:o, s:b}", "object", "list", "data", data, "has_more", 0));
}

/* Not a container, too deep: NULL, as json_dumps gives NULL for a bare value. */
static void test_refused(void **state)
{
	(void)state;
	json_t *s = json_string("bare");
	assert_null(api_render_json(s));
	assert_null(json_dumps(s, FLAGS));
	json_decref(s);
	assert_null(api_render_json(NULL));

	json_t *root = json_array(), *cur = root;
	for (int i = 0; i < API_RENDER_MAX_DEPTH; i++) {
		json_t *next = json_array();
		json_array_append_new(cur, next);
		cur = next;
	}
	assert_null(api_render_json(root)); /* depth API_RENDER_MAX_DEPTH + 1 */
	json_array_remove(json_array_get(root, 0), 0);
	json_t *shallow = json_array();
	json_t *c2 = shallow;
	for (int i = 0; i < API_RENDER_MAX_DEPTH - 1; i++) {
		json_t *next = json_array();
		json_array_append_new(c2, next);
		c2 = next;
	}
	same(shallow); /* exactly API_RENDER_MAX_DEPTH levels */
	json_decref(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_literal_documents),
		cmocka_unit_test(test_every_ascii_byte),
		cmocka_unit_test(test_insertion_order),
		cmocka_unit_test(test_large_list),
		cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
