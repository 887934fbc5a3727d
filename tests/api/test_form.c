/*
 * Tests for api/form: urlencoded bodies with bracket nesting decode into the
 * tree a JSON body gives; malformed escapes, invalid UTF-8, conflicting,
 * overlong and too deeply nested names are refused with the parameter named;
 * JSON bodies must be objects. Expected trees are literal JSON texts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api/form.h"
#include "core/err.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Decodes body as the server does and returns the canonical JSON text (caller frees). */
static char *decode(const char *body, struct recur_err *e, int *rc)
{
	json_t *tree = json_object();
	char *text = NULL;
	err_clear(e);
	*rc = form_decode(tree, body, strlen(body), e);
	if (*rc == 0) {
		form_finish(tree);
		text = json_dumps(tree, JSON_COMPACT | JSON_SORT_KEYS);
	}
	json_decref(tree);
	return text;
}

static void test_decode_ok(void **state)
{
	static const struct {
		const char *body;
		const char *tree;
	} cases[] = {
		{ "", "{}" },
		{ "name=Kari", "{\"name\":\"Kari\"}" },
		{ "name=Kari+Nordmann", "{\"name\":\"Kari Nordmann\"}" },
		{ "name=a%2Bb%20c", "{\"name\":\"a+b c\"}" },
		{ "name=", "{\"name\":\"\"}" },
		{ "name", "{\"name\":\"\"}" },
		{ "a=1&&b=2&", "{\"a\":\"1\",\"b\":\"2\"}" },
		{ "name=%C3%B8l", "{\"name\":\"\xc3\xb8l\"}" },
		{ "metadata[plan]=pro&metadata[tier]=gold",
		  "{\"metadata\":{\"plan\":\"pro\",\"tier\":\"gold\"}}" },
		{ "metadata%5Bplan%5D=pro", "{\"metadata\":{\"plan\":\"pro\"}}" },
		{ "metadata%5bplan%5d=pro", "{\"metadata\":{\"plan\":\"pro\"}}" },
		{ "metadata[0]=a&metadata[1]=b", "{\"metadata\":{\"0\":\"a\",\"1\":\"b\"}}" },
		{ "expand[]=a&expand[]=b", "{\"expand\":[\"a\",\"b\"]}" },
		{ "expand[0]=a&expand[1]=b", "{\"expand\":[\"a\",\"b\"]}" },
		{ "expand[1]=b&expand[0]=a", "{\"expand\":[\"a\",\"b\"]}" },
		{ "expand[0]=a&expand[5]=b", "{\"expand\":[\"a\",\"b\"]}" },
		{ "items[0][price]=price_x&items[0][quantity]=2&items[1][price]=price_y",
		  "{\"items\":[{\"price\":\"price_x\",\"quantity\":\"2\"},{\"price\":\"price_y\"}]}" },
		{ "a[b][c][d][e][f][g][h][i]=deep",
		  "{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":{\"f\":{\"g\":{\"h\":{\"i\":\"deep\"}}}}}}}}}" },
		{ "name=a&name=b", "{\"name\":\"b\"}" },
		{ "q=a%3Db%26c", "{\"q\":\"a=b&c\"}" },
	};
	(void)state;
	for (size_t i = 0; i < N(cases); i++) {
		struct recur_err e;
		int rc;
		char *got = decode(cases[i].body, &e, &rc);
		if (rc != 0)
			fail_msg("'%s' refused: %s (param %s)", cases[i].body, e.message, e.param);
		if (strcmp(got, cases[i].tree) != 0)
			fail_msg("'%s' gave %s, want %s", cases[i].body, got, cases[i].tree);
		free(got);
	}
}

static void test_decode_refused(void **state)
{
	static char long_name[400], long_metadata[400], deep[400];
	memset(long_name, 'n', 257);
	memcpy(long_name + 257, "=1", 3);
	memcpy(long_metadata, "metadata[", 9);
	memset(long_metadata + 9, 'k', 250);
	memcpy(long_metadata + 259, "]=1", 4);
	snprintf(deep, sizeof(deep), "a[b][c][d][e][f][g][h][i][j]=1");
	static const struct {
		const char *body;
		const char *param; /* "" when the error names none */
	} cases[] = {
		{ "name=%ZZ", "name" },
		{ "name=%4", "name" },
		{ "name=abc%", "name" },
		{ "na%ZZme=1", "na%ZZme" },
		{ "name=%FF", "name" },
		{ "name=%C3", "name" },
		{ "name=%C0%AF", "name" },       /* overlong "/" */
		{ "name=%ED%A0%80", "name" },    /* UTF-16 surrogate */
		{ "name=%F4%90%80%80", "name" }, /* past U+10FFFF */
		{ "%FF=1", "" },
		{ "metadata[%FF]=1", "metadata" },
		{ "a[b=1", "a[b" },
		{ "a[b]c=1", "a[b]c" },
		{ "a[b[c]]=1", "a[b[c]]" },
		{ "[a]=1", "[a]" },
		{ "=1", "" },
		{ "a=1&a[b]=2", "a[b]" },
		{ "a[b]=2&a=1", "a" },
		{ "a[b]=1&a[b][c]=2", "a[b][c]" },
		{ "na%00me=1", "" },
		{ "name=a%00b", "name" },
		{ "metadata[a]=x%00y", "metadata[a]" }, /* was stored, then read back as null */
		{ NULL, "metadata" }, /* long_metadata */
		{ NULL, "" },         /* deep */
	};
	(void)state;
	for (size_t i = 0; i < N(cases); i++) {
		struct recur_err e;
		int rc;
		const char *body = cases[i].body;
		if (!body)
			body = strcmp(cases[i].param, "metadata") == 0 ? long_metadata : deep;
		char *got = decode(body, &e, &rc);
		if (rc >= 0)
			fail_msg("'%s' accepted as %s", body, got);
		assert_int_equal(rc, RECUR_EINVAL);
		assert_int_equal(e.status, 400);
		assert_string_equal(e.type, "invalid_request_error");
		if (body == deep)
			assert_string_equal(e.param, "a[b][c][d][e][f][g][h][i][j]");
		else if (strcmp(e.param, cases[i].param) != 0)
			fail_msg("'%s': param '%s', want '%s'", body, e.param, cases[i].param);
	}
	/* A top-level name past the limit names itself, cut to fit. */
	struct recur_err e;
	int rc;
	free(decode(long_name, &e, &rc));
	assert_int_equal(rc, RECUR_EINVAL);
	assert_int_equal(strspn(e.param, "n"), strlen(e.param));
	assert_true(strlen(e.param) > 100);
}

static void test_too_many_pairs(void **state)
{
	(void)state;
	size_t n = FORM_MAX_PAIRS + 1, len = n * 4;
	char *body = malloc(len + 1);
	assert_non_null(body);
	for (size_t i = 0; i < n; i++)
		memcpy(body + i * 4, "a=1&", 4);
	body[len] = '\0';
	struct recur_err e;
	int rc;
	free(decode(body, &e, &rc));
	assert_int_equal(rc, RECUR_EINVAL);
	assert_string_equal(e.param, "");
	body[len - 4] = '\0'; /* exactly FORM_MAX_PAIRS */
	free(decode(body, &e, &rc));
	assert_int_equal(rc, 0);
	free(body);
}

static void test_utf8_prefix(void **state)
{
	static const struct {
		const char *s;
		size_t valid;
	} cases[] = {
		{ "", 0 },
		{ "abc", 3 },
		{ "\xc3\xb8l", 3 },
		{ "a\xff", 1 },
		{ "a\xc3", 1 },
		{ "\xe2\x82\xac", 3 },
		{ "\xe2\x82", 0 },
		{ "\xf0\x9f\x98\x80x", 5 },
		{ "\xc0\xaf", 0 },
		{ "\xc1\xbf", 0 },
		{ "\xe0\x80\xaf", 0 },
		{ "\xed\xa0\x80", 0 },
		{ "\xed\x9f\xbf", 3 },
		{ "\xf4\x8f\xbf\xbf", 4 },
		{ "\xf4\x90\x80\x80", 0 },
		{ "\xf5\x80\x80\x80", 0 },
		{ "ab\x80", 2 },
	};
	(void)state;
	for (size_t i = 0; i < N(cases); i++) {
		size_t got = form_utf8_prefix(cases[i].s, strlen(cases[i].s));
		if (got != cases[i].valid)
			fail_msg("case %zu: %zu valid bytes, want %zu", i, got, cases[i].valid);
	}
}

static void test_json(void **state)
{
	static const struct {
		const char *body;
		int ok;
	} cases[] = {
		{ "{\"name\":\"Kari\",\"metadata\":{\"a\":\"1\"},\"expand\":[\"x\"]}", 1 },
		{ "{}", 1 },
		{ "", 1 },
		{ "{bad", 0 },
		{ "[1,2]", 0 },
		{ "\"name\"", 0 },
		{ "null", 0 },
		{ "{\"name\":\"\xff\"}", 0 },
		{ "{\"a\":1,\"a\":2}", 0 },
		{ "{\"name\":\"a\\u0000b\"}", 0 },
		{ "{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":{\"f\":{\"g\":{\"h\":{\"i\":1}}}}}}}}}", 1 },
		{ "{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":{\"f\":{\"g\":{\"h\":{\"i\":{\"j\":1}}}}}}}}}}", 0 },
	};
	(void)state;
	for (size_t i = 0; i < N(cases); i++) {
		struct recur_err e;
		json_t *tree = NULL;
		err_clear(&e);
		int rc = form_decode_json(&tree, cases[i].body, strlen(cases[i].body), &e);
		if (cases[i].ok) {
			if (rc != 0)
				fail_msg("'%s' refused: %s", cases[i].body, e.message);
			assert_true(json_is_object(tree));
		} else {
			if (rc == 0)
				fail_msg("'%s' accepted", cases[i].body);
			assert_int_equal(e.status, 400);
			assert_null(tree);
		}
		json_decref(tree);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_ok),
		cmocka_unit_test(test_decode_refused),
		cmocka_unit_test(test_too_many_pairs),
		cmocka_unit_test(test_utf8_prefix),
		cmocka_unit_test(test_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
