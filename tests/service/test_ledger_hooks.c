/*
 * The postings of card money, on real SQLite through the services that move
 * it (no HTTP path charges a card yet): a charge that pays an invoice with
 * 25 % VAT, partial and full refunds that take the sale and its VAT back to
 * the minor unit, a charge beyond what the invoice owes credited to the
 * customer's balance, a charge on a written-off invoice recovering it, a
 * replayed attempt posting nothing, a declined one posting nothing; recur
 * verify clean after each.
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
#include "service/invoice_internal.h"
#include "service/ledger.h"
#include "service/payments.h"
#include "service/tax_rate.h"
#include "store/store.h"
#include "../support/testdb.h"
#include "store/tenants.h"

#define NOW 1767225600 /* 2026-01-01 */
#define DAY 86400

struct fixture {
	struct testdb t;
	struct store *db;
	struct svc s;
	char customer[64];
	char rate[64];
	char pm[64];
};

static const char *str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct recur_err e;
	json_t *p, *out = NULL;
	f->db = testdb_open(&f->t, "hooks");
	assert_int_equal(store_tenant_insert(f->db, "acct_test", "Test AS", NOW, &e), 0);
	f->s = testdb_svc(f->db, NOW);
	testdb_customer(f->customer, sizeof(f->customer), &f->s, "nok");
	testdb_id_of(f->rate, sizeof(f->rate),
		     testdb_call(svc_tax_rate_create, &f->s,
				 json_pack("{s:s, s:i, s:b}", "display_name", "MVA", "percentage",
					   25, "inclusive", 0)));
	p = json_pack("{s:s}", "customer", f->customer);
	assert_int_equal(svc_payment_method_attach(&out, &f->s, "pm_card_visa", p, &e), 0);
	snprintf(f->pm, sizeof(f->pm), "%s", str(out, "id"));
	json_decref(out);
	json_decref(p);
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

/* An account's debit less credit over the whole journal. */
static int64_t net(struct fixture *f, const char *account)
{
	return testdb_int(f->db, "SELECT COALESCE(SUM(debit) - SUM(credit), 0) FROM ledger_entries"
				 " WHERE account = $1", account);
}

/* An open charge_automatically invoice of net amount, with 25 % VAT when taxed. */
static void open_invoice(struct fixture *f, int64_t amount, bool taxed, char *id, size_t cap)
{
	struct recur_err e;
	json_t *rates = json_pack("[s]", f->rate);
	struct svc_invoice_line line = { .amount = amount, .quantity = 1, .description = "Work",
					 .period_start = NOW, .period_end = NOW + DAY };
	struct svc_invoice_spec spec = {
		.customer = f->customer, .billing_reason = "manual", .currency = "nok",
		.collection_method = "charge_automatically", .period_start = NOW,
		.period_end = NOW + DAY, .now = NOW, .finalize = true, .lines = &line, .n_lines = 1,
		.default_tax_rates = taxed ? rates : NULL,
	};
	assert_int_equal(store_begin(f->db, &e), 0);
	assert_int_equal(svc_invoice_create_id(id, cap, &f->s, &spec, &e), 0);
	assert_int_equal(store_commit(f->db, &e), 0);
	json_decref(rates);
}

/*
 * Collection as it will run: one attempt of amount on the invoice and, when
 * it succeeds, the invoice marked paid, in one transaction.
 */
static void collect(struct fixture *f, const char *invoice, int64_t amount, int attempt,
		    struct svc_payment_result *res)
{
	struct recur_err e;
	struct inv_ctx c = { 0 };
	struct svc_payment_request req = { .customer = f->customer, .invoice = invoice,
					   .amount = amount, .currency = "nok",
					   .payment_method = f->pm, .attempt = attempt };
	assert_int_equal(store_begin(f->db, &e), 0);
	assert_int_equal(svc_payment_attempt(NULL, res, &f->s, &req, &e), 0);
	if (res->status == GATEWAY_SUCCEEDED && !res->replayed) {
		assert_int_equal(svc_invoice_ctx_load(&c, &f->s, invoice, false, &e), 0);
		assert_int_equal(svc_invoice_mark_paid(&c, &f->s, NOW, &e), 0);
		svc_invoice_ctx_free(&c);
	}
	assert_int_equal(store_commit(f->db, &e), 0);
}

static void refund(struct fixture *f, const char *charge, int64_t amount)
{
	struct recur_err e;
	json_t *out = NULL, *p = amount ? json_pack("{s:s, s:I}", "charge", charge, "amount",
						    (json_int_t)amount)
					: json_pack("{s:s}", "charge", charge);
	assert_int_equal(svc_refund_create(&out, &f->s, p, &e), 0);
	json_decref(out);
	json_decref(p);
}

struct report {
	struct svc_ledger_verify_result res;
	char text[16384];
	size_t len;
};

static void report_line(void *ctx, const struct svc_ledger_check *c)
{
	struct report *r = ctx;
	static const char *const verdict[] = { "ok", "FAIL", "skip", "  ", "tenant" };
	int n = snprintf(r->text + r->len, sizeof(r->text) - r->len, "%s %s: %s\n",
			 verdict[c->verdict], c->name, c->detail);
	if (n > 0 && (size_t)n < sizeof(r->text) - r->len)
		r->len += (size_t)n;
}

/* recur verify over the database: every check passes. */
static void assert_verified(struct fixture *f)
{
	struct recur_err e;
	struct report *r = calloc(1, sizeof(*r));
	assert_int_equal(svc_ledger_verify(&r->res, f->db, NULL, report_line, r, &e), 0);
	if (r->res.failed != 0)
		fprintf(stderr, "%s", r->text);
	assert_int_equal(r->res.failed, 0);
	assert_int_equal(r->res.skipped, 0);
	free(r);
}

static void test_a_card_payment_and_its_refunds(void **state)
{
	struct fixture *f = *state;
	struct svc_payment_result res;
	char in[64];

	/* 999.99 + 25 % VAT (250.00, half up) = 1 249.99: VAT that does not split evenly. */
	open_invoice(f, 99999, true, in, sizeof(in));
	collect(f, in, 124999, 1, &res);
	assert_int_equal(res.status, GATEWAY_SUCCEEDED);
	assert_int_equal(net(f, "payment_clearing"), 124999);
	assert_int_equal(net(f, "receivables"), 0);
	assert_int_equal(net(f, "tax_payable"), -25000);
	assert_verified(f);

	/* The same attempt replayed posts nothing. */
	collect(f, in, 124999, 1, &res);
	assert_true(res.replayed);
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM ledger_entries WHERE source"
				    " LIKE $1", "payment:%"), 2);

	/* A third back, then the rest: VAT comes back in proportion, to the unit in the end. */
	refund(f, res.charge, 41666);
	assert_int_equal(net(f, "tax_payable"), -25000 + 8333);
	assert_int_equal(net(f, "payment_clearing"), 124999 - 41666);
	assert_int_equal(net(f, "refunds_payable"), 0);
	assert_verified(f);
	refund(f, res.charge, 0);
	assert_int_equal(net(f, "tax_payable"), 0);
	assert_int_equal(net(f, "revenue"), 0);
	assert_int_equal(net(f, "payment_clearing"), 0);
	assert_int_equal(net(f, "refunds_payable"), 0);
	assert_int_equal(testdb_int(f->db, "SELECT count(DISTINCT source) FROM ledger_entries WHERE"
				    " source LIKE $1", "refund:%"), 2);
	assert_verified(f);
}

static void test_a_charge_beyond_the_invoice_is_credit(void **state)
{
	struct fixture *f = *state;
	struct svc_payment_result res;
	json_t *cus = NULL;
	struct recur_err e;
	char in[64];

	open_invoice(f, 5000, false, in, sizeof(in));
	collect(f, in, 6000, 1, &res);
	assert_int_equal(res.status, GATEWAY_SUCCEEDED);
	/* 10.00 more than owed: customer credit on the books and on the customer. */
	assert_int_equal(net(f, "customer_credit"), -1000);
	assert_int_equal(svc_customer_retrieve(&cus, &f->s, f->customer, &e), 0);
	assert_int_equal(json_integer_value(json_object_get(cus, "balance")), -1000);
	json_decref(cus);
	assert_int_equal(testdb_int(f->db, "SELECT amount FROM customer_balance_transactions"
				    " WHERE type = $1", "invoice_overpaid"), -1000);
	assert_verified(f);
}

static void test_a_written_off_invoice_paid_by_card_is_recovered(void **state)
{
	struct fixture *f = *state;
	struct svc_payment_result res;
	json_t *out = NULL, *none = json_object();
	struct recur_err e;
	char in[64];

	open_invoice(f, 8000, true, in, sizeof(in));
	assert_int_equal(svc_invoice_mark_uncollectible(&out, &f->s, in, none, &e), 0);
	json_decref(out);
	json_decref(none);
	assert_int_equal(net(f, "write_offs"), 10000);
	assert_verified(f);
	collect(f, in, 10000, 1, &res);
	assert_int_equal(res.status, GATEWAY_SUCCEEDED);
	assert_int_equal(net(f, "write_offs"), 0);
	assert_int_equal(net(f, "receivables"), 0);
	assert_int_equal(net(f, "payment_clearing"), 10000);
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM ledger_entries WHERE source"
				    " LIKE $1", "payment:%:recovery"), 2);
	assert_verified(f);
}

static void test_a_declined_charge_posts_nothing(void **state)
{
	struct fixture *f = *state;
	struct svc_payment_result res;
	json_t *p, *out = NULL;
	struct recur_err e;
	char in[64];

	p = json_pack("{s:s}", "customer", f->customer);
	assert_int_equal(svc_payment_method_attach(&out, &f->s, "pm_card_chargeCustomerFail", p, &e), 0);
	snprintf(f->pm, sizeof(f->pm), "%s", str(out, "id"));
	json_decref(out);
	json_decref(p);
	open_invoice(f, 5000, false, in, sizeof(in));
	collect(f, in, 5000, 1, &res);
	assert_int_equal(res.status, GATEWAY_DECLINED);
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM ledger_entries WHERE source"
				    " LIKE $1", "payment:%"), 0);
	assert_int_equal(net(f, "receivables"), 5000);
	assert_verified(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_a_card_payment_and_its_refunds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_charge_beyond_the_invoice_is_credit, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_a_written_off_invoice_paid_by_card_is_recovered,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_declined_charge_posts_nothing, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
