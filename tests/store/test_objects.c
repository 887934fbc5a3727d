/*
 * Store tests on real SQLite files: migrations, object round trips, tenant and
 * mode isolation, soft deletes, and list pagination in both directions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/migrate.h"
#include "store/objects.h"
#include "store/store.h"
#include "../support/testdb.h"

static const struct store_col cols[] = {
	{ "name", COL_TEXT, 0 },
	{ "balance", COL_INT, 0 },
	{ "delinquent", COL_BOOL, 0 },
	{ "metadata", COL_JSON, 0 },
};

static const struct store_table customers = {
	.table = "customers", .object = "customer", .noun = "customer",
	.cols = cols, .ncols = 4, .soft_delete = true,
};

static const struct store_col tax_cols[] = {
	{ "active", COL_BOOL, 0 },
	{ "display_name", COL_TEXT, 0 },
	{ "percentage", COL_FIXED, 4 },
	{ "inclusive", COL_BOOL, 0 },
	{ "metadata", COL_JSON, 0 },
};

static const struct store_table tax_rates = {
	.table = "tax_rates", .object = "tax_rate", .noun = "tax_rate",
	.cols = tax_cols, .ncols = 5,
};

struct fixture {
	struct testdb t;
	struct store *db;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	f->db = testdb_open(&f->t, "store");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	testdb_close(&f->t, f->db);
	free(f);
	return 0;
}

static json_t *customer(const char *id, int64_t created, const char *name, int64_t balance)
{
	return json_pack("{s:s, s:I, s:s, s:I, s:b, s:{s:s}}", "id", id, "created",
			 (json_int_t)created, "name", name, "balance", (json_int_t)balance,
			 "delinquent", 0, "metadata", "k", "v");
}

static void test_migrate_twice_is_a_no_op(void **state)
{
	struct fixture *f = *state;
	struct recur_err e;
	int64_t n = 0;
	assert_int_equal(store_migrate(f->db, &e), 0);
	assert_int_equal(store_query_int(&n, NULL, f->db, "SELECT count(*) FROM schema_migrations",
					 NULL, 0, &e), 0);
	assert_int_equal(n, store_migration_count);
}

static void test_round_trip(void **state)
{
	struct fixture *f = *state;
	struct recur_err e;
	struct store_scope sc = { "acct_a", 0 };
	json_t *c = customer("cus_1", 1700000000, "Kari", -1000000000000000LL), *got = NULL;
	assert_int_equal(store_obj_insert(f->db, &customers, &sc, c, &e), 0);
	assert_int_equal(store_obj_get(&got, f->db, &customers, &sc, "cus_1", &e), 0);
	assert_string_equal(json_string_value(json_object_get(got, "object")), "customer");
	assert_string_equal(json_string_value(json_object_get(got, "name")), "Kari");
	assert_int_equal(json_integer_value(json_object_get(got, "balance")), -1000000000000000LL);
	assert_true(json_is_false(json_object_get(got, "delinquent")));
	assert_true(json_is_false(json_object_get(got, "livemode")));
	assert_string_equal(json_string_value(json_object_get(json_object_get(got, "metadata"), "k")), "v");
	/* the same id twice is a conflict, not a second row */
	assert_int_equal(store_obj_insert(f->db, &customers, &sc, c, &e), RECUR_ECONFLICT);
	json_decref(got);
	json_decref(c);
}

static void test_fixed_point_is_exact(void **state)
{
	struct fixture *f = *state;
	struct recur_err e;
	struct store_scope sc = { "acct_a", 0 };
	json_t *t = json_pack("{s:s, s:I, s:b, s:s, s:I, s:b, s:{}}", "id", "txr_1", "created",
			      (json_int_t)1, "active", 1, "display_name", "MVA", "percentage",
			      (json_int_t)123456, "inclusive", 0, "metadata");
	json_t *got = NULL;
	int64_t raw = 0;
	assert_int_equal(store_obj_insert(f->db, &tax_rates, &sc, t, &e), 0);
	assert_int_equal(store_query_int(&raw, NULL, f->db, "SELECT percentage FROM tax_rates", NULL,
					 0, &e), 0);
	assert_int_equal(raw, 123456); /* 12.3456 % kept as an integer */
	assert_int_equal(store_obj_get(&got, f->db, &tax_rates, &sc, "txr_1", &e), 0);
	char *text = json_dumps(json_object_get(got, "percentage"), JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));
	assert_string_equal(text, "12.3456");
	free(text);
	json_decref(got);
	json_decref(t);
}

static void test_tenants_and_modes_are_isolated(void **state)
{
	struct fixture *f = *state;
	struct recur_err e;
	struct store_scope a = { "acct_a", 0 }, b = { "acct_b", 0 }, a_live = { "acct_a", 1 };
	json_t *c = customer("cus_iso", 10, "A", 0), *got = NULL, *list = NULL;
	bool more = true;
	struct store_page page = { .limit = 10 };
	assert_int_equal(store_obj_insert(f->db, &customers, &a, c, &e), 0);
	assert_int_equal(store_obj_get(&got, f->db, &customers, &b, "cus_iso", &e), RECUR_ENOTFOUND);
	assert_int_equal(e.status, 404);
	assert_string_equal(e.code, "resource_missing");
	assert_int_equal(store_obj_get(&got, f->db, &customers, &a_live, "cus_iso", &e), RECUR_ENOTFOUND);
	assert_int_equal(store_obj_update(f->db, &customers, &b, c, &e), RECUR_ENOTFOUND);
	assert_int_equal(store_obj_delete(f->db, &customers, &b, "cus_iso", &e), RECUR_ENOTFOUND);
	assert_int_equal(store_obj_list(&list, &more, f->db, &customers, &b, NULL, 0, &page, &e), 0);
	assert_int_equal(json_array_size(list), 0);
	assert_false(more);
	json_decref(list);
	json_decref(c);
}

static void test_soft_delete(void **state)
{
	struct fixture *f = *state;
	struct recur_err e;
	struct store_scope sc = { "acct_a", 0 };
	json_t *c = customer("cus_del", 10, "D", 0), *got = NULL;
	bool deleted = false;
	assert_int_equal(store_obj_insert(f->db, &customers, &sc, c, &e), 0);
	assert_int_equal(store_obj_delete(f->db, &customers, &sc, "cus_del", &e), 0);
	assert_int_equal(store_obj_get(&got, f->db, &customers, &sc, "cus_del", &e), RECUR_ENOTFOUND);
	assert_int_equal(store_obj_get_any(&got, &deleted, f->db, &customers, &sc, "cus_del", &e), 0);
	assert_true(deleted);
	json_decref(got);
	assert_int_equal(store_obj_delete(f->db, &customers, &sc, "cus_del", &e), RECUR_ENOTFOUND);
	json_decref(c);
}

/* Lists ids of a page into out (comma separated). */
static void page_ids(char *out, size_t cap, json_t *list)
{
	size_t i, len = 0;
	json_t *o;
	out[0] = '\0';
	json_array_foreach(list, i, o)
		len += (size_t)snprintf(out + len, cap - len, "%s%s", i ? "," : "",
					json_string_value(json_object_get(o, "id")));
}

static void test_pagination_both_ways(void **state)
{
	struct fixture *f = *state;
	struct recur_err e;
	struct store_scope sc = { "acct_p", 0 };
	char id[16], ids[256];
	json_t *list = NULL;
	bool more = false;
	/* all created in the same second: seq, not created, orders them */
	for (int i = 0; i < 7; i++) {
		snprintf(id, sizeof(id), "cus_%d", i);
		json_t *c = customer(id, 500, "P", i);
		assert_int_equal(store_obj_insert(f->db, &customers, &sc, c, &e), 0);
		json_decref(c);
	}
	struct store_page p1 = { .limit = 3 };
	assert_int_equal(store_obj_list(&list, &more, f->db, &customers, &sc, NULL, 0, &p1, &e), 0);
	page_ids(ids, sizeof(ids), list);
	assert_string_equal(ids, "cus_6,cus_5,cus_4");
	assert_true(more);
	json_decref(list);
	struct store_page p2 = { .limit = 3, .starting_after = "cus_4" };
	assert_int_equal(store_obj_list(&list, &more, f->db, &customers, &sc, NULL, 0, &p2, &e), 0);
	page_ids(ids, sizeof(ids), list);
	assert_string_equal(ids, "cus_3,cus_2,cus_1");
	assert_true(more);
	json_decref(list);
	struct store_page p3 = { .limit = 3, .starting_after = "cus_1" };
	assert_int_equal(store_obj_list(&list, &more, f->db, &customers, &sc, NULL, 0, &p3, &e), 0);
	page_ids(ids, sizeof(ids), list);
	assert_string_equal(ids, "cus_0");
	assert_false(more);
	json_decref(list);
	struct store_page back = { .limit = 2, .ending_before = "cus_2" };
	assert_int_equal(store_obj_list(&list, &more, f->db, &customers, &sc, NULL, 0, &back, &e), 0);
	page_ids(ids, sizeof(ids), list);
	assert_string_equal(ids, "cus_4,cus_3");
	assert_true(more);
	json_decref(list);
	struct store_filter gte = { .col = "balance", .op = ">=", .val = SV_INT(5) };
	struct store_page all = { .limit = 10 };
	assert_int_equal(store_obj_list(&list, &more, f->db, &customers, &sc, &gte, 1, &all, &e), 0);
	page_ids(ids, sizeof(ids), list);
	assert_string_equal(ids, "cus_6,cus_5");
	json_decref(list);
	struct store_page bad = { .limit = 2, .starting_after = "cus_nope" };
	assert_int_equal(store_obj_list(&list, &more, f->db, &customers, &sc, NULL, 0, &bad, &e),
			 RECUR_EINVAL);
	assert_string_equal(e.param, "starting_after");
}

static void test_rollback_discards(void **state)
{
	struct fixture *f = *state;
	struct recur_err e;
	struct store_scope sc = { "acct_r", 0 };
	json_t *c = customer("cus_rb", 1, "R", 0), *got = NULL;
	assert_int_equal(store_begin(f->db, &e), 0);
	assert_int_equal(store_obj_insert(f->db, &customers, &sc, c, &e), 0);
	store_rollback(f->db);
	assert_int_equal(store_obj_get(&got, f->db, &customers, &sc, "cus_rb", &e), RECUR_ENOTFOUND);
	json_decref(c);
}

/* Reads back the text the store wrote for a customer's metadata column. */
static int read_text(void *ctx, const struct store_row *row)
{
	size_t len = 0;
	const char *t = store_row_text(row, 0, &len);
	*(char **)ctx = strndup(t, len);
	return 1;
}

/*
 * JSON columns are stored exactly as json_dumps(JSON_COMPACT | JSON_ENCODE_ANY)
 * writes them (objects.c has its own serializer): key order, escapes, UTF-8,
 * integer extremes, reals, nesting, embedded NULs.
 */
static void test_json_text_is_jansson_s(void **state)
{
	struct fixture *f = *state;
	struct recur_err e;
	struct store_scope sc = { "acct_1", 0 };
	json_t *cases[] = {
		json_object(),
		json_pack("{s:s, s:i, s:b, s:n, s:[], s:{}}", "z", "last first", "a", 1, "t", 1,
			  "n", "e", "o"),
		json_pack("{s:I, s:I, s:I}", "min", (json_int_t)INT64_MIN, "max",
			  (json_int_t)INT64_MAX, "zero", (json_int_t)0),
		json_pack("{s:s}", "esc", "quote \" backslash \\ slash / \b\f\n\r\t \x01\x1f\x7f end"),
		json_pack("{s:s, s:s}", "utf8", "\xc3\xa5 \xe2\x82\xac \xf0\x9f\x98\x80 \xe2\x80\xa8",
			  "ke\xc3\xbf", "v"),
		json_pack("{s:f, s:f, s:f, s:f}", "r1", 25.5, "r2", 0.1, "r3", 1e300, "r4", -3.0),
		json_pack("{s:[i, [s, {s:[]}], {}], s:{s:{s:{s:s}}}}", "arr", 1, "x", "k", "deep",
			  "a", "b", "c", "d"),
		json_stringn("nul\0inside", 10),
		json_integer(-42),
	};
	json_t *withnul = json_object();
	json_object_setn_new(withnul, "k\0ey", 4, json_string("v"));
	for (size_t i = 0; i <= sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *v = i < sizeof(cases) / sizeof(cases[0]) ? cases[i] : withnul;
		char id[32];
		snprintf(id, sizeof(id), "cus_json%zu", i);
		json_t *c = customer(id, 1, "J", 0);
		json_object_set(c, "metadata", v);
		assert_int_equal(store_obj_insert(f->db, &customers, &sc, c, &e), 0);
		char *stored = NULL;
		struct store_val p[] = { SV_TEXT(id) };
		assert_true(store_query(f->db, "SELECT metadata FROM customers WHERE id = $1",
					p, 1, read_text, &stored, &e) >= 0);
		char *want = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		assert_non_null(want);
		assert_non_null(stored);
		assert_string_equal(stored, want);
		free(want);
		free(stored);
		json_decref(c);
		json_decref(v);
	}
	/* What jansson cannot encode (invalid UTF-8) is an error, as before. */
	json_t *bad = customer("cus_badutf8", 1, "J", 0);
	json_object_set_new(bad, "metadata", json_pack("{s:o}", "k", json_string_nocheck("\xff")));
	assert_true(store_obj_insert(f->db, &customers, &sc, bad, &e) < 0);
	json_decref(bad);
}

/* A deterministic generator for random JSON: strings of any code point. */
static uint64_t rnd_state = 88172645463325252ULL;

static uint32_t rnd(uint32_t n)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return (uint32_t)(rnd_state % n);
}

static void put_utf8(char *b, size_t *n, uint32_t cp)
{
	if (cp < 0x80) {
		b[(*n)++] = (char)cp;
	} else if (cp < 0x800) {
		b[(*n)++] = (char)(0xC0 | (cp >> 6));
		b[(*n)++] = (char)(0x80 | (cp & 0x3F));
	} else if (cp < 0x10000) {
		b[(*n)++] = (char)(0xE0 | (cp >> 12));
		b[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[(*n)++] = (char)(0x80 | (cp & 0x3F));
	} else {
		b[(*n)++] = (char)(0xF0 | (cp >> 18));
		b[(*n)++] = (char)(0x80 | ((cp >> 12) & 0x3F));
		b[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[(*n)++] = (char)(0x80 | (cp & 0x3F));
	}
}

static json_t *random_string(void)
{
	char b[256];
	size_t n = 0, len = rnd(40);
	for (size_t i = 0; i < len; i++) {
		uint32_t kind = rnd(10), cp;
		if (kind < 5)
			cp = 0x20 + rnd(0x60); /* printable ASCII, quotes and backslashes included */
		else if (kind < 7)
			cp = rnd(0x20); /* control characters, NUL included */
		else if (kind < 8)
			cp = 0x80 + rnd(0x780);
		else if (kind < 9)
			cp = 0x800 + rnd(0xD800 - 0x800);
		else
			cp = 0x10000 + rnd(0x100000);
		put_utf8(b, &n, cp);
	}
	return json_stringn(b, n);
}

static json_t *random_json(int depth)
{
	switch (depth > 3 ? rnd(4) : rnd(7)) {
	case 0: return random_string();
	case 1: return json_integer((json_int_t)((int64_t)rnd(0xFFFFFFFFu) * (rnd(2) ? 1 : -1)));
	case 2: return rnd(2) ? json_true() : json_null();
	case 3: return rnd(2) ? json_false()
			      : json_real((double)rnd(100000000) / (double)(1 + rnd(1000)) *
					  (rnd(2) ? 1e-3 : 1e12));
	case 4: {
		json_t *a = json_array();
		for (uint32_t i = rnd(5); i > 0; i--)
			json_array_append_new(a, random_json(depth + 1));
		return a;
	}
	default: {
		json_t *o = json_object();
		for (uint32_t i = rnd(6); i > 0; i--) {
			json_t *k = random_string();
			json_object_setn_new(o, json_string_value(k), json_string_length(k),
					     random_json(depth + 1));
			json_decref(k);
		}
		return o;
	}
	}
}

/* The same, over a thousand random trees. */
static void test_json_text_random(void **state)
{
	struct fixture *f = *state;
	struct recur_err e;
	struct store_scope sc = { "acct_1", 0 };
	for (int i = 0; i < 1000; i++) {
		char id[32];
		snprintf(id, sizeof(id), "cus_rnd%d", i);
		/* wrapped: a top-level null is SQL NULL, which the column refuses */
		json_t *v = json_pack("{s:o}", "v", random_json(0)), *c = customer(id, 1, "R", 0);
		json_object_set(c, "metadata", v);
		assert_int_equal(store_obj_insert(f->db, &customers, &sc, c, &e), 0);
		char *stored = NULL;
		struct store_val p[] = { SV_TEXT(id) };
		assert_true(store_query(f->db, "SELECT metadata FROM customers WHERE id = $1",
					p, 1, read_text, &stored, &e) >= 0);
		char *want = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		assert_non_null(want);
		assert_non_null(stored);
		assert_string_equal(stored, want);
		free(want);
		free(stored);
		json_decref(c);
		json_decref(v);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_migrate_twice_is_a_no_op, setup, teardown),
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fixed_point_is_exact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tenants_and_modes_are_isolated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_soft_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pagination_both_ways, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollback_discards, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_text_is_jansson_s, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_text_random, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
