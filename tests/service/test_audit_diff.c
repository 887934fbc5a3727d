/*
 * The audit log's before/after difference from a transaction's events
 * (svc_audit_diff) and against the object read before a change
 * (svc_audit_diff_against): table-driven, each case events in, the exact
 * difference out, compared as JSON.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>

#include "service/audit.h"

struct diff_case {
	const char *name;
	const char *events; /* [{"type", "data": {"object", "previous_attributes"?}}] */
	const char *want;
};

static const struct diff_case cases[] = {
	{ "created, then updated in the same change: before null, after as it ended",
	  "[{\"type\":\"customer.created\",\"data\":{\"object\":{\"id\":\"cus_1\",\"object\":\"customer\",\"name\":\"A\"}}},"
	  " {\"type\":\"customer.updated\",\"data\":{\"object\":{\"id\":\"cus_1\",\"object\":\"customer\",\"name\":\"B\"},"
	  "  \"previous_attributes\":{\"name\":\"A\"}}}]",
	  "{\"cus_1\":{\"object\":\"customer\",\"events\":[\"customer.created\",\"customer.updated\"],"
	  " \"before\":null,\"after\":{\"id\":\"cus_1\",\"object\":\"customer\",\"name\":\"B\"}}}" },
	{ "two updates: the first previous value, the last new value, metadata key by key",
	  "[{\"type\":\"customer.updated\",\"data\":{\"object\":{\"id\":\"cus_1\",\"object\":\"customer\",\"name\":\"B\","
	  "  \"balance\":0,\"metadata\":{\"a\":\"2\"}},\"previous_attributes\":{\"name\":\"A\",\"metadata\":{\"a\":\"1\"}}}},"
	  " {\"type\":\"customer.updated\",\"data\":{\"object\":{\"id\":\"cus_1\",\"object\":\"customer\",\"name\":\"C\","
	  "  \"balance\":-5,\"metadata\":{\"a\":\"2\",\"b\":\"x\"}},"
	  "  \"previous_attributes\":{\"name\":\"B\",\"balance\":0,\"metadata\":{\"b\":null}}}}]",
	  "{\"cus_1\":{\"object\":\"customer\",\"events\":[\"customer.updated\",\"customer.updated\"],"
	  " \"before\":{\"name\":\"A\",\"metadata\":{\"a\":\"1\",\"b\":null},\"balance\":0},"
	  " \"after\":{\"name\":\"C\",\"metadata\":{\"a\":\"2\",\"b\":\"x\"},\"balance\":-5}}}" },
	{ "deleted: after null, deleted true, before what updates said",
	  "[{\"type\":\"product.deleted\",\"data\":{\"object\":{\"id\":\"prod_1\",\"object\":\"product\",\"deleted\":true}}}]",
	  "{\"prod_1\":{\"object\":\"product\",\"events\":[\"product.deleted\"],\"deleted\":true,"
	  " \"before\":{},\"after\":null}}" },
	{ "no previous values: no before, the whole object after; objects in first-touched order",
	  "[{\"type\":\"invoice.voided\",\"data\":{\"object\":{\"id\":\"in_1\",\"object\":\"invoice\",\"status\":\"void\"}}},"
	  " {\"type\":\"customer.updated\",\"data\":{\"object\":{\"id\":\"cus_1\",\"object\":\"customer\",\"balance\":-5},"
	  "  \"previous_attributes\":{\"balance\":0}}}]",
	  "{\"in_1\":{\"object\":\"invoice\",\"events\":[\"invoice.voided\"],"
	  " \"after\":{\"id\":\"in_1\",\"object\":\"invoice\",\"status\":\"void\"}},"
	  " \"cus_1\":{\"object\":\"customer\",\"events\":[\"customer.updated\"],"
	  " \"before\":{\"balance\":0},\"after\":{\"balance\":-5}}}" },
	{ "no events: an empty difference", "[]", "{}" },
};

static void assert_json(const json_t *got, const char *want_text, const char *name)
{
	json_t *want = json_loads(want_text, 0, NULL);
	assert_non_null(want);
	if (!json_equal(got, want)) {
		char *g = json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS);
		fprintf(stderr, "%s:\n got  %s\n want %s\n", name, g ? g : "(null)", want_text);
		free(g);
		fail();
	}
	json_decref(want);
}

static void test_diff_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *events = json_loads(cases[i].events, 0, NULL);
		assert_non_null(events);
		json_t *got = svc_audit_diff(events);
		assert_non_null(got);
		assert_json(got, cases[i].want, cases[i].name);
		json_decref(got);
		json_decref(events);
	}
}

/* The order of the objects is the order the change first touched them. */
static void test_diff_order(void **state)
{
	(void)state;
	json_t *events = json_loads(cases[3].events, 0, NULL);
	json_t *got = svc_audit_diff(events);
	void *it = json_object_iter(got);
	assert_string_equal(json_object_iter_key(it), "in_1");
	assert_string_equal(json_object_iter_key(json_object_iter_next(got, it)), "cus_1");
	json_decref(got);
	json_decref(events);
}

/* Past SVC_AUDIT_FULL_OBJECTS objects, only "object" and "events". */
static void test_diff_cap(void **state)
{
	(void)state;
	json_t *events = json_array();
	char id[32];
	for (int i = 0; i < SVC_AUDIT_FULL_OBJECTS + 2; i++) {
		snprintf(id, sizeof(id), "cus_%d", i);
		json_array_append_new(events, json_pack("{s:s, s:{s:{s:s, s:s}}}", "type",
							"customer.created", "data", "object", "id",
							id, "object", "customer"));
	}
	json_t *got = svc_audit_diff(events);
	assert_int_equal(json_object_size(got), SVC_AUDIT_FULL_OBJECTS + 2);
	snprintf(id, sizeof(id), "cus_%d", SVC_AUDIT_FULL_OBJECTS - 1);
	assert_non_null(json_object_get(json_object_get(got, id), "after"));
	snprintf(id, sizeof(id), "cus_%d", SVC_AUDIT_FULL_OBJECTS);
	assert_json(json_object_get(got, id), "{\"object\":\"customer\",\"events\":[\"customer.created\"]}",
		    "capped");
	json_decref(got);
	json_decref(events);
}

/* Against the object read before: the fields that differ, or a deleted object whole. */
static void test_diff_against(void **state)
{
	(void)state;
	json_t *events = json_loads(cases[3].events, 0, NULL);
	json_t *got = svc_audit_diff(events);
	json_t *before = json_loads("{\"id\":\"in_1\",\"object\":\"invoice\",\"status\":\"open\"}", 0, NULL);
	svc_audit_diff_against(got, "in_1", before);
	/* an entry that has a before already is left alone */
	json_t *other = json_loads("{\"balance\":7}", 0, NULL);
	svc_audit_diff_against(got, "cus_1", other);
	assert_json(got,
		    "{\"in_1\":{\"object\":\"invoice\",\"events\":[\"invoice.voided\"],"
		    " \"before\":{\"status\":\"open\"},\"after\":{\"status\":\"void\"}},"
		    " \"cus_1\":{\"object\":\"customer\",\"events\":[\"customer.updated\"],"
		    " \"before\":{\"balance\":0},\"after\":{\"balance\":-5}}}",
		    "against");
	json_decref(got);
	json_decref(events);

	events = json_loads(cases[2].events, 0, NULL);
	got = svc_audit_diff(events);
	json_t *prod = json_loads("{\"id\":\"prod_1\",\"object\":\"product\",\"name\":\"Gone\"}", 0, NULL);
	svc_audit_diff_against(got, "prod_1", prod);
	assert_json(got,
		    "{\"prod_1\":{\"object\":\"product\",\"events\":[\"product.deleted\"],\"deleted\":true,"
		    " \"before\":{\"id\":\"prod_1\",\"object\":\"product\",\"name\":\"Gone\"},\"after\":null}}",
		    "deleted against");
	json_decref(prod);
	json_decref(got);
	json_decref(events);
	json_decref(before);
	json_decref(other);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_diff_cases),
		cmocka_unit_test(test_diff_order),
		cmocka_unit_test(test_diff_cap),
		cmocka_unit_test(test_diff_against),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
