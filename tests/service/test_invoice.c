/*
 * Invoice service tests on real SQLite: what subscriptions call
 * (svc_invoice_create_internal, svc_invoice_preview_internal,
 * svc_invoiceitem_create_internal) inside their own transactions, with exact
 * amounts: lines for a period and a proration, pending items taken once,
 * exactly-once by dedupe key, the gapless number, and a preview that writes
 * nothing.
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

#include "service/customer.h"
#include "service/invoice.h"
#include "service/invoiceitem.h"
#include "service/tax_rate.h"
#include "store/store.h"
#include "../support/testdb.h"

#define NOW 1767225600 /* 2026-01-01 */

struct fixture {
	struct testdb t;
	struct store *db;
	struct svc s;
	char customer[64];
	char rate[64];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	f->db = testdb_open(&f->t, "invoice");
	f->s = testdb_svc(f->db, NOW);

	testdb_customer(f->customer, sizeof(f->customer), &f->s, "nok");
	testdb_id_of(f->rate, sizeof(f->rate),
		     testdb_call(svc_tax_rate_create, &f->s,
				 json_pack("{s:s, s:s, s:s}", "display_name", "MVA", "percentage",
					   "25", "inclusive", "false")));
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

static int64_t num(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

static const char *str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* A renewal's spec: one item for January plus a proration credit. */
static struct svc_invoice_spec spec_for(struct fixture *f, const struct svc_invoice_line *lines,
					size_t n, const json_t *rates)
{
	return (struct svc_invoice_spec){
		.customer = f->customer, .subscription = "sub_test", .billing_reason = "subscription_cycle",
		.currency = "nok", .collection_method = "charge_automatically",
		.period_start = NOW, .period_end = NOW + 31 * 86400, .now = NOW,
		.default_tax_rates = rates, .dedupe_key = "cycle:sub_test:1767225600",
		.include_pending_items = true, .finalize = true, .lines = lines, .n_lines = n,
	};
}

static void test_create_internal_is_exactly_once(void **state)
{
	struct fixture *f = *state;
	struct recur_err e;
	json_t *rates = json_pack("[s]", f->rate), *inv = NULL, *again = NULL, *item = NULL;
	struct svc_invoice_line lines[] = {
		{ .amount = 29900, .quantity = 1, .description = "1 x Pro (at 299.00 / month)",
		  .subscription_item = "si_test", .period_start = NOW, .period_end = NOW + 31 * 86400,
		  .discountable = true },
		{ .amount = -5000, .quantity = 1, .description = "Unused time on Basic",
		  .subscription_item = "si_old", .period_start = NOW, .period_end = NOW + 86400,
		  .proration = true },
	};
	struct svc_invoice_line extra = { .amount = 1000, .quantity = 2, .description = "Overage",
					  .period_start = NOW - 86400, .period_end = NOW,
					  .discountable = true };
	struct svc_invoice_spec spec = spec_for(f, lines, 2, rates);

	/* A pending proration item lands on the invoice. */
	assert_int_equal(store_begin(f->db, &e), 0);
	assert_int_equal(svc_invoiceitem_create_internal(&item, &f->s, f->customer, "sub_test", "nok",
							 &extra, &e), 0);
	assert_true(json_is_null(json_object_get(item, "invoice")));
	assert_int_equal(num(item, "amount"), 1000);
	assert_int_equal(svc_invoice_create_internal(&inv, &f->s, &spec, &e), 0);
	assert_int_equal(store_commit(f->db, &e), 0);

	assert_string_equal(str(inv, "status"), "open");
	assert_string_equal(str(inv, "number"), "RCR-0001");
	assert_string_equal(str(inv, "billing_reason"), "subscription_cycle");
	assert_string_equal(str(inv, "subscription"), "sub_test");
	/* 299.00 - 50.00 + 10.00 = 259.00; 25 % on it: 64.75. */
	assert_int_equal(num(inv, "subtotal"), 25900);
	assert_int_equal(num(inv, "total"), 32375);
	assert_int_equal(num(inv, "amount_due"), 32375);
	assert_int_equal(num(json_object_get(inv, "status_transitions"), "finalized_at"), NOW);
	assert_null(json_object_get(inv, "dedupe_key"));
	json_t *data = json_object_get(json_object_get(inv, "lines"), "data");
	assert_int_equal(json_array_size(data), 3);
	/* The caller's lines in its order, then the pending item. */
	assert_int_equal(num(json_array_get(data, 0), "amount"), 29900);
	assert_int_equal(num(json_array_get(data, 1), "amount"), -5000);
	assert_int_equal(num(json_array_get(data, 2), "amount"), 1000);
	json_t *sid = json_object_get(json_object_get(json_array_get(data, 1), "parent"),
				      "subscription_item_details");
	assert_string_equal(str(sid, "subscription_item"), "si_old");
	assert_true(json_is_true(json_object_get(sid, "proration")));
	assert_string_equal(str(json_object_get(json_object_get(json_array_get(data, 2), "parent"),
						"invoice_item_details"), "invoice_item"),
			    str(item, "id"));

	/* The same period again: the same invoice, nothing written. */
	int64_t invoices = testdb_count(f->db, "invoices"), events = testdb_count(f->db, "events");
	assert_int_equal(store_begin(f->db, &e), 0);
	assert_int_equal(svc_invoice_create_internal(&again, &f->s, &spec, &e), 0);
	assert_int_equal(store_commit(f->db, &e), 0);
	assert_string_equal(str(again, "id"), str(inv, "id"));
	assert_int_equal(testdb_count(f->db, "invoices"), invoices);
	assert_int_equal(testdb_count(f->db, "events"), events);
	json_decref(again);
	again = NULL;

	/* A new period takes the next number. */
	spec.dedupe_key = "cycle:sub_test:1769904000";
	spec.period_start = NOW + 31 * 86400;
	assert_int_equal(store_begin(f->db, &e), 0);
	assert_int_equal(svc_invoice_create_internal(&again, &f->s, &spec, &e), 0);
	assert_int_equal(store_commit(f->db, &e), 0);
	assert_string_equal(str(again, "number"), "RCR-0002");
	/* The pending item was taken once. */
	assert_int_equal(json_array_size(json_object_get(json_object_get(again, "lines"), "data")), 2);

	json_decref(inv);
	json_decref(again);
	json_decref(item);
	json_decref(rates);
}

static void test_preview_writes_nothing(void **state)
{
	struct fixture *f = *state;
	struct recur_err e;
	json_t *out = NULL;
	struct svc_invoice_line line = { .amount = 10000, .quantity = 1, .description = "Pro",
					 .period_start = NOW, .period_end = NOW + 86400,
					 .discountable = true };
	json_t *rates = json_pack("[s]", f->rate);
	struct svc_invoice_spec spec = spec_for(f, &line, 1, rates);
	int64_t before = testdb_count(f->db, "invoices") + testdb_count(f->db, "invoice_lines") +
			 testdb_count(f->db, "events") +
			 testdb_count(f->db, "invoice_number_sequences");

	assert_int_equal(svc_invoice_preview_internal(&out, &f->s, &spec, &e), 0);
	assert_int_equal(strncmp(str(out, "id"), "upcoming_in_", 12), 0);
	assert_string_equal(str(out, "status"), "draft");
	assert_true(json_is_null(json_object_get(out, "number")));
	assert_int_equal(num(out, "total"), 12500);
	json_t *l = json_array_get(json_object_get(json_object_get(out, "lines"), "data"), 0);
	assert_int_equal(strncmp(str(l, "id"), "il_tmp_", 7), 0);
	assert_int_equal(testdb_count(f->db, "invoices") + testdb_count(f->db, "invoice_lines") +
			 testdb_count(f->db, "events") +
			 testdb_count(f->db, "invoice_number_sequences"), before);
	json_decref(out);
	json_decref(rates);
}

static void test_amount_due_zero_is_paid_on_finalization(void **state)
{
	struct fixture *f = *state;
	struct recur_err e;
	json_t *out = NULL;
	struct svc_invoice_line line = { .amount = 0, .quantity = 1, .description = "Trial",
					 .period_start = NOW, .period_end = NOW + 14 * 86400 };
	struct svc_invoice_spec spec = spec_for(f, &line, 1, NULL);
	spec.billing_reason = "subscription_create";
	spec.dedupe_key = NULL;
	assert_int_equal(store_begin(f->db, &e), 0);
	assert_int_equal(svc_invoice_create_internal(&out, &f->s, &spec, &e), 0);
	assert_int_equal(store_commit(f->db, &e), 0);
	assert_string_equal(str(out, "status"), "paid");
	assert_int_equal(num(out, "amount_due"), 0);
	assert_int_equal(num(json_object_get(out, "status_transitions"), "paid_at"), NOW);
	json_decref(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_internal_is_exactly_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_preview_writes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_amount_due_zero_is_paid_on_finalization, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
