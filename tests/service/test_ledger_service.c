/*
 * Ledger service tests on real SQLite: a customer's history posted through
 * svc_ledger_post_at in the transactions that would make it (every template
 * once), exactly-once per source, recur verify's checks passing on it and
 * failing, by name, after one row is corrupted or a balance changes without a
 * posting; the customer's ledger (running balances, paging), the statement,
 * and the aging buckets at their boundaries.
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

#include "core/ids.h"
#include "service/customer.h"
#include "service/invoice.h"
#include "service/ledger.h"
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
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct recur_err e;
	f->db = testdb_open(&f->t, "ledger");
	/* recur verify walks the tenants table. */
	assert_int_equal(store_tenant_insert(f->db, "acct_test", "Test AS", NOW, &e), 0);
	f->s = testdb_svc(f->db, NOW);
	testdb_customer(f->customer, sizeof(f->customer), &f->s, "nok");
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

/* Posts ev at time at in its own transaction, as a service would; returns svc_ledger_post_at's. */
static int post(struct fixture *f, const struct billing_ledger_event *ev, int64_t at,
		struct recur_err *e)
{
	assert_int_equal(store_begin(f->db, e), 0);
	int rc = svc_ledger_post_at(&f->s, ev, at, NULL, e);
	if (rc < 0) {
		store_rollback(f->db);
		return rc;
	}
	assert_int_equal(store_commit(f->db, e), 0);
	return rc;
}

/*
 * Sets what the customer object says her balance is. Written straight to the
 * row: the services that move it (balance transactions, invoice finalization)
 * are to post their own entries, and this test must not depend on whether
 * they do yet.
 */
static void set_balance(struct fixture *f, int64_t balance)
{
	struct recur_err e;
	struct store_val p[] = { SV_INT(balance), SV_TEXT(f->customer) };
	assert_int_equal(store_exec(f->db, "UPDATE customers SET balance = $1 WHERE id = $2", p, 2,
				    &e), 1);
}

static const struct billing_ledger_split tax_a[] = { { 250000, 25000 } };
static const struct billing_ledger_split tax_b[] = { { 250000, 2500 } };

/*
 * Kari's year, one posting per day from NOW + 1 day (thirteen postings,
 * thirty entries, fourteen of them on her accounts):
 *   1 in_A finalized 1 250.00 (1 000.00 + 25 % VAT)     receivable 1 250.00
 *   2 card pays 800.00                                   receivable   450.00
 *   3 bank transfer of 600.00 pays 450.00, 150.00 credit   balance   -150.00
 *   4 in_B 125.00 paid from the credit                      balance    -25.00
 *   5 goodwill adjustment -5.00                             balance    -30.00
 *   6 reminder fee 60.00 on in_A; 7 the card pays it
 *   8 credit note 125.00 to refund; 9 refunded to the card
 *  10 in_D 50.00; 11 written off
 *  12 in_E 20.00; 13 voided
 * She ends owing nothing with 30.00 of credit.
 */
static void post_history(struct fixture *f)
{
	struct recur_err e;
	const char *cus = f->customer;
	const struct billing_ledger_event ev[] = {
		{ .type = BILLING_LEDGER_INVOICE_FINALIZED, .currency = "nok", .id = "in_A",
		  .customer = cus, .invoice = { .total = 125000, .amount_due = 125000,
						.tax = tax_a, .n_tax = 1 } },
		{ .type = BILLING_LEDGER_PAYMENT, .currency = "nok", .id = "pi_1", .customer = cus,
		  .payment = { .amount = 80000, .applied = 80000, .method = BILLING_LEDGER_METHOD_CARD } },
		{ .type = BILLING_LEDGER_PAYMENT, .currency = "nok", .id = "bank_1", .customer = cus,
		  .payment = { .amount = 60000, .applied = 45000, .method = BILLING_LEDGER_METHOD_BANK } },
		{ .type = BILLING_LEDGER_INVOICE_FINALIZED, .currency = "nok", .id = "in_B",
		  .customer = cus, .invoice = { .total = 12500, .amount_due = 0,
						.applied_balance = 12500, .tax = tax_b, .n_tax = 1 } },
		{ .type = BILLING_LEDGER_BALANCE_ADJUSTMENT, .currency = "nok", .id = "cbtxn_1",
		  .customer = cus, .adjustment = { .amount = -500 } },
		{ .type = BILLING_LEDGER_REMINDER_FEE, .currency = "nok", .id = "in_A", .customer = cus,
		  .charge = { .amount = 6000, .seq = 1 } },
		{ .type = BILLING_LEDGER_PAYMENT, .currency = "nok", .id = "pi_2", .customer = cus,
		  .payment = { .amount = 6000, .applied = 6000, .method = BILLING_LEDGER_METHOD_CARD } },
		{ .type = BILLING_LEDGER_CREDIT_NOTE, .currency = "nok", .id = "cn_1", .customer = cus,
		  .credit_note = { .total = 12500, .refund = 12500, .tax = tax_b, .n_tax = 1 } },
		{ .type = BILLING_LEDGER_REFUND, .currency = "nok", .id = "re_1", .customer = cus,
		  .refund = { .amount = 12500, .method = BILLING_LEDGER_METHOD_CARD,
			      .from = BILLING_LEDGER_FROM_REFUNDS_PAYABLE } },
		{ .type = BILLING_LEDGER_INVOICE_FINALIZED, .currency = "nok", .id = "in_D",
		  .customer = cus, .invoice = { .total = 5000, .amount_due = 5000 } },
		{ .type = BILLING_LEDGER_WRITE_OFF, .currency = "nok", .id = "in_D", .customer = cus,
		  .write_off = { .amount = 5000 } },
		{ .type = BILLING_LEDGER_INVOICE_FINALIZED, .currency = "nok", .id = "in_E",
		  .customer = cus, .invoice = { .total = 2000, .amount_due = 2000 } },
		{ .type = BILLING_LEDGER_INVOICE_VOIDED, .currency = "nok", .id = "in_E",
		  .customer = cus, .invoice = { .total = 2000, .amount_due = 2000 } },
	};
	static const int entries[] = { 3, 2, 3, 3, 2, 2, 2, 3, 2, 2, 2, 2, 2 };

	for (size_t i = 0; i < sizeof(ev) / sizeof(ev[0]); i++) {
		assert_int_equal(post(f, &ev[i], NOW + (int64_t)(i + 1) * DAY, &e), entries[i]);
	}
	/* Her credit: 150.00 over-paid, 125.00 used by in_B, 5.00 of goodwill. */
	set_balance(f, -3000);
}

struct report {
	struct svc_ledger_verify_result res;
	char text[16384];
	size_t len;
};

static void collect(void *ctx, const struct svc_ledger_check *c)
{
	struct report *r = ctx;
	static const char *const verdict[] = { "ok", "FAIL", "skip", "  ", "tenant" };
	int n = snprintf(r->text + r->len, sizeof(r->text) - r->len, "%s %s %s: %s\n",
			 verdict[c->verdict], c->livemode ? "live" : "test", c->name, c->detail);
	if (n > 0 && (size_t)n < sizeof(r->text) - r->len)
		r->len += (size_t)n;
}

static void verify(struct fixture *f, struct report *r)
{
	struct recur_err e;
	memset(r, 0, sizeof(*r));
	assert_int_equal(svc_ledger_verify(&r->res, f->db, NULL, collect, r, &e), 0);
}

static void test_history_posts_once_and_verifies(void **state)
{
	struct fixture *f = *state;
	struct recur_err e;
	struct report r;

	post_history(f);
	assert_int_equal(testdb_count(f->db, "ledger_entries"), 30);
	assert_int_equal(testdb_int(f->db, "SELECT count(DISTINCT source) FROM ledger_entries",
				    NULL), 13);
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM ledger_entries WHERE customer IS"
				    " NOT NULL", NULL), 14);
	assert_int_equal(testdb_int(f->db, "SELECT SUM(debit) - SUM(credit) FROM ledger_entries",
				    NULL), 0);
	/* VAT is on its rate; nothing else carries one. */
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM ledger_entries WHERE vat_rate ="
				    " 250000 AND account = 'tax_payable'", NULL), 3);
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM ledger_entries WHERE vat_rate IS"
				    " NOT NULL AND account != 'tax_payable'", NULL), 0);
	assert_int_equal(testdb_int(f->db, "SELECT created FROM ledger_entries WHERE source ="
				    " 'invoice:in_A:reminder:1' AND line = 0", NULL),
			 NOW + 6 * DAY);

	verify(f, &r);
	assert_int_equal(r.res.failed, 0);
	assert_int_equal(r.res.scopes, 2);
	assert_non_null(strstr(r.text, "ok test entries are well formed: 30 entries"));
	assert_non_null(strstr(r.text, "ok test every posting balances: 13 postings"));
	assert_non_null(strstr(r.text, "ok test debits equal credits: debits 329000 = credits 329000"));
	assert_non_null(strstr(r.text, "ok test debits equal credits per currency: nok: debits 329000 = credits 329000"));
	assert_non_null(strstr(r.text, "ok test customer balances equal their entries: 1 customers"));
	assert_null(strstr(r.text, "FAIL"));
	(void)e;
}

static void test_repost_is_a_no_op_and_a_different_one_conflicts(void **state)
{
	struct fixture *f = *state;
	struct recur_err e;
	struct billing_ledger_event ev = {
		.type = BILLING_LEDGER_INVOICE_FINALIZED, .currency = "NOK", .id = "in_A",
		.customer = f->customer,
		.invoice = { .total = 125000, .amount_due = 125000, .tax = tax_a, .n_tax = 1 },
	};
	struct billing_ledger_event empty = {
		.type = BILLING_LEDGER_INVOICE_FINALIZED, .currency = "nok", .id = "in_zero",
		.customer = f->customer, .invoice = { .total = 0, .amount_due = 0 },
	};

	assert_int_equal(post(f, &ev, NOW, &e), 3);
	/* A retried job: the same facts, later, written nothing. */
	assert_int_equal(post(f, &ev, NOW + DAY, &e), 0);
	assert_int_equal(testdb_count(f->db, "ledger_entries"), 3);
	assert_int_equal(testdb_int(f->db, "SELECT MAX(created) FROM ledger_entries", NULL), NOW);

	/* The same source computed another way is a bug upstream, refused with its change. */
	ev.invoice.total = 125100;
	ev.invoice.amount_due = 125100;
	assert_int_equal(post(f, &ev, NOW, &e), RECUR_ECONFLICT);
	assert_string_equal(e.code, "ledger_source_conflict");
	assert_non_null(strstr(e.message, "invoice:in_A:finalized"));
	assert_int_equal(testdb_count(f->db, "ledger_entries"), 3);

	/* An invoice of 0.00 posts nothing, and nothing again. */
	assert_int_equal(post(f, &empty, NOW, &e), 0);
	assert_int_equal(post(f, &empty, NOW, &e), 0);
	assert_int_equal(testdb_count(f->db, "ledger_entries"), 3);

	/* What the rules refuse is refused before anything is written. */
	ev.id = "in_bad";
	ev.invoice.amount_due = -1;
	assert_int_equal(post(f, &ev, NOW, &e), RECUR_EINVAL);
	ev.id = NULL;
	assert_int_equal(post(f, &ev, NOW, &e), RECUR_EINVAL);
	assert_int_equal(testdb_count(f->db, "ledger_entries"), 3);

	/* The mode is part of the scope: live mode has its own in_A. */
	ev = (struct billing_ledger_event){
		.type = BILLING_LEDGER_INVOICE_FINALIZED, .currency = "nok", .id = "in_A",
		.customer = f->customer,
		.invoice = { .total = 125000, .amount_due = 125000, .tax = tax_a, .n_tax = 1 },
	};
	f->s.scope.livemode = 1;
	assert_int_equal(post(f, &ev, NOW, &e), 3);
	f->s.scope.livemode = 0;
	assert_int_equal(testdb_count(f->db, "ledger_entries"), 6);
}

static void test_a_corrupted_row_fails_verify_by_name(void **state)
{
	struct fixture *f = *state;
	struct recur_err e;
	struct report r;

	post_history(f);
	/* One amount off by 1.00 on Kari's receivable. */
	assert_int_equal(store_exec(f->db, "UPDATE ledger_entries SET debit = debit + 100"
				    " WHERE source = 'invoice:in_A:finalized' AND line = 0", NULL, 0,
				    &e), 1);
	verify(f, &r);
	assert_true(r.res.failed >= 3);
	assert_non_null(strstr(r.text, "FAIL test every posting balances: 1 of 13 postings do not balance"));
	assert_non_null(strstr(r.text, "posting invoice:in_A:finalized: debits 125100, credits 125000"));
	assert_non_null(strstr(r.text, "FAIL test debits equal credits: debits 329100, credits 329000"));
	assert_non_null(strstr(r.text, "FAIL test debits equal credits per currency: nok"));
	assert_non_null(strstr(r.text, "FAIL test customer balances equal their entries: 1 of 1 customers"));
	assert_non_null(strstr(r.text, "receivable 100 from 14 ledger entries"));
	/* Live mode is untouched and says so. */
	assert_non_null(strstr(r.text, "ok live every posting balances: 0 postings"));

	/* A row the chart cannot read is malformed, and kept out of the sums. */
	assert_int_equal(store_exec(f->db, "UPDATE ledger_entries SET debit = debit - 100"
				    " WHERE source = 'invoice:in_A:finalized' AND line = 0", NULL, 0,
				    &e), 1);
	assert_int_equal(store_exec(f->db, "UPDATE ledger_entries SET account = 'petty_cash'"
				    " WHERE source = 'payment:pi_1' AND line = 0", NULL, 0, &e), 1);
	verify(f, &r);
	assert_non_null(strstr(r.text, "FAIL test entries are well formed: 1 of 30 entries are malformed"));
	assert_non_null(strstr(r.text, "(payment:pi_1 line 0, petty_cash nok): an unknown account"));
	assert_non_null(strstr(r.text, "FAIL test every posting balances: 1 of 13 postings"));
}

static void test_a_balance_without_its_posting_fails_verify(void **state)
{
	struct fixture *f = *state;
	struct report r;

	post_history(f);
	/* The customer object moves, the ledger does not: the books disagree. */
	set_balance(f, -3700);
	verify(f, &r);
	assert_int_equal(r.res.failed, 1);
	assert_non_null(strstr(r.text, "FAIL test customer balances equal their entries: 1 of 1 customers"));
	char want[256];
	snprintf(want, sizeof(want), "Customer %s (nok): balance -3000 and receivable 0 from 14 "
		 "ledger entries, but the customer's balance is -3700", f->customer);
	assert_non_null(strstr(r.text, want));

	/* Entries for a customer nobody has. */
	struct recur_err e;
	struct billing_ledger_event ghost = {
		.type = BILLING_LEDGER_REMINDER_FEE, .currency = "nok", .id = "in_X",
		.customer = "cus_ghost", .charge = { .amount = 100, .seq = 1 },
	};
	assert_int_equal(post(f, &ghost, NOW, &e), 2);
	verify(f, &r);
	assert_non_null(strstr(r.text, "FAIL test entries name existing customers: 1 unknown customers"));
	assert_non_null(strstr(r.text, "cus_ghost"));
}

static void test_customer_ledger_pages_with_running_balances(void **state)
{
	struct fixture *f = *state;
	struct recur_err e;
	json_t *out = NULL, *p, *data;

	post_history(f);
	p = json_pack("{s:s}", "limit", "3");
	assert_int_equal(svc_ledger_customer(&out, &f->s, f->customer, p, &e), 0);
	json_decref(p);
	assert_string_equal(str(out, "object"), "list");
	assert_string_equal(str(out, "currency"), "nok");
	assert_true(json_is_true(json_object_get(out, "has_more")));
	assert_int_equal(num(out, "receivable"), 0);
	assert_int_equal(num(out, "credit_balance"), -3000);
	assert_int_equal(num(out, "refunds_payable"), 0);
	assert_int_equal(num(out, "balance"), -3000);
	data = json_object_get(out, "data");
	assert_int_equal(json_array_size(data), 3);
	/* Newest first: in_E voided, in_E finalized, in_D written off. */
	assert_string_equal(str(json_array_get(data, 0), "source"), "invoice:in_E:voided");
	assert_int_equal(num(json_array_get(data, 0), "credit"), 2000);
	assert_int_equal(num(json_array_get(data, 0), "running_balance"), -3000);
	assert_string_equal(str(json_array_get(data, 1), "source"), "invoice:in_E:finalized");
	assert_int_equal(num(json_array_get(data, 1), "running_balance"), -1000);
	assert_string_equal(str(json_array_get(data, 2), "source"), "invoice:in_D:uncollectible");
	assert_int_equal(num(json_array_get(data, 2), "running_balance"), -3000);
	assert_string_equal(str(json_array_get(data, 2), "account"), "receivables");
	assert_string_equal(str(json_array_get(data, 2), "object"), "ledger_entry");
	assert_string_equal(str(json_array_get(data, 2), "description"), "Invoice written off");
	assert_true(json_is_null(json_object_get(json_array_get(data, 2), "vat_rate")));

	/* The next page starts where the running balance left off. */
	char after[64];
	snprintf(after, sizeof(after), "%s", str(json_array_get(data, 2), "id"));
	json_decref(out);
	p = json_pack("{s:s, s:s}", "limit", "3", "starting_after", after);
	assert_int_equal(svc_ledger_customer(&out, &f->s, f->customer, p, &e), 0);
	json_decref(p);
	data = json_object_get(out, "data");
	assert_int_equal(json_array_size(data), 3);
	assert_string_equal(str(json_array_get(data, 0), "source"), "invoice:in_D:finalized");
	assert_int_equal(num(json_array_get(data, 0), "running_balance"), 2000);
	assert_string_equal(str(json_array_get(data, 1), "source"), "refund:re_1");
	assert_int_equal(num(json_array_get(data, 1), "running_balance"), -3000);
	assert_string_equal(str(json_array_get(data, 2), "source"), "credit_note:cn_1:issued");
	assert_string_equal(str(json_array_get(data, 2), "account"), "refunds_payable");
	assert_int_equal(num(json_array_get(data, 2), "running_balance"), -15500);

	/* And back: ending_before the first of this page is the first page. */
	snprintf(after, sizeof(after), "%s", str(json_array_get(data, 0), "id"));
	json_decref(out);
	p = json_pack("{s:s, s:s}", "limit", "3", "ending_before", after);
	assert_int_equal(svc_ledger_customer(&out, &f->s, f->customer, p, &e), 0);
	json_decref(p);
	data = json_object_get(out, "data");
	assert_int_equal(json_array_size(data), 3);
	assert_string_equal(str(json_array_get(data, 0), "source"), "invoice:in_E:voided");
	assert_int_equal(num(json_array_get(data, 0), "running_balance"), -3000);
	assert_int_equal(num(json_array_get(data, 2), "running_balance"), -3000);
	json_decref(out);

	/* The whole ledger: fourteen entries, the oldest opening at 1 250.00. */
	p = json_pack("{s:s}", "limit", "100");
	assert_int_equal(svc_ledger_customer(&out, &f->s, f->customer, p, &e), 0);
	json_decref(p);
	data = json_object_get(out, "data");
	assert_int_equal(json_array_size(data), 14);
	assert_false(json_is_true(json_object_get(out, "has_more")));
	assert_int_equal(num(json_array_get(data, 13), "running_balance"), 125000);
	assert_int_equal(num(json_array_get(data, 13), "debit"), 125000);
	json_decref(out);

	/* Bad input names its parameter; an unknown customer is a 404. */
	p = json_pack("{s:s}", "starting_after", "le_nope");
	assert_int_equal(svc_ledger_customer(&out, &f->s, f->customer, p, &e), RECUR_EINVAL);
	assert_string_equal(e.param, "starting_after");
	json_decref(p);
	p = json_pack("{s:s}", "currency", "xyz");
	assert_int_equal(svc_ledger_customer(&out, &f->s, f->customer, p, &e), RECUR_EINVAL);
	assert_string_equal(e.param, "currency");
	json_decref(p);
	p = json_pack("{s:s}", "account", "revenue");
	assert_int_equal(svc_ledger_customer(&out, &f->s, f->customer, p, &e), RECUR_EINVAL);
	json_decref(p);
	p = json_object();
	assert_int_equal(svc_ledger_customer(&out, &f->s, "cus_nobody", p, &e), RECUR_ENOTFOUND);
	/* Another currency holds nothing. */
	json_object_set_new(p, "currency", json_string("sek"));
	assert_int_equal(svc_ledger_customer(&out, &f->s, f->customer, p, &e), 0);
	assert_int_equal(json_array_size(json_object_get(out, "data")), 0);
	assert_int_equal(num(out, "balance"), 0);
	json_decref(out);
	json_decref(p);
}

static void test_statement_opens_and_closes(void **state)
{
	struct fixture *f = *state;
	struct recur_err e;
	json_t *out = NULL, *p, *entries;

	post_history(f);
	/* Days 6 to 9: the fee and its payment, the credit note and its refund. */
	p = json_pack("{s:I, s:I}", "from", (json_int_t)(NOW + 6 * DAY), "to",
		      (json_int_t)(NOW + 10 * DAY));
	assert_int_equal(svc_ledger_statement(&out, &f->s, f->customer, p, &e), 0);
	json_decref(p);
	assert_string_equal(str(out, "object"), "customer_statement");
	assert_string_equal(str(out, "customer"), f->customer);
	assert_string_equal(str(out, "currency"), "nok");
	assert_int_equal(num(out, "from"), NOW + 6 * DAY);
	assert_int_equal(num(out, "opening_balance"), -3000);
	assert_int_equal(num(out, "closing_balance"), -3000);
	assert_int_equal(num(out, "total_debit"), 18500);
	assert_int_equal(num(out, "total_credit"), 18500);
	entries = json_object_get(out, "entries");
	assert_int_equal(json_array_size(entries), 4);
	/* Oldest first, as a statement reads. */
	assert_string_equal(str(json_array_get(entries, 0), "source"), "invoice:in_A:reminder:1");
	assert_int_equal(num(json_array_get(entries, 0), "running_balance"), 3000);
	assert_int_equal(num(json_array_get(entries, 1), "running_balance"), -3000);
	assert_int_equal(num(json_array_get(entries, 2), "running_balance"), -15500);
	assert_int_equal(num(json_array_get(entries, 3), "running_balance"), -3000);
	json_decref(out);

	/* Without bounds: from nothing to everything. */
	p = json_object();
	assert_int_equal(svc_ledger_statement(&out, &f->s, f->customer, p, &e), 0);
	assert_true(json_is_null(json_object_get(out, "from")));
	assert_true(json_is_null(json_object_get(out, "to")));
	assert_int_equal(num(out, "opening_balance"), 0);
	assert_int_equal(num(out, "closing_balance"), -3000);
	assert_int_equal(json_array_size(json_object_get(out, "entries")), 14);
	json_decref(out);
	json_decref(p);

	p = json_pack("{s:I, s:I}", "from", (json_int_t)(NOW + 6 * DAY), "to", (json_int_t)NOW);
	assert_int_equal(svc_ledger_statement(&out, &f->s, f->customer, p, &e), RECUR_EINVAL);
	assert_string_equal(e.param, "to");
	json_decref(p);
}

/* A finalized send_invoice invoice for amount, due days after now, through the invoice service. */
static void open_invoice(struct fixture *f, int64_t amount, int64_t days, const char *method)
{
	struct recur_err e;
	char id[IDS_MAX];
	struct svc_invoice_line line = { .amount = amount, .quantity = 1, .description = "Work",
					 .period_start = NOW, .period_end = NOW + DAY };
	struct svc_invoice_spec spec = {
		.customer = f->customer, .billing_reason = "manual", .currency = "nok",
		.collection_method = method, .days_until_due = days, .period_start = NOW,
		.period_end = NOW + DAY, .now = NOW, .finalize = true, .lines = &line, .n_lines = 1,
	};
	assert_int_equal(store_begin(f->db, &e), 0);
	assert_int_equal(svc_invoice_create_id(id, sizeof(id), &f->s, &spec, &e), 0);
	assert_int_equal(store_commit(f->db, &e), 0);
}

static json_t *aging(struct fixture *f, int64_t as_of)
{
	struct recur_err e;
	json_t *out = NULL, *p = json_pack("{s:I}", "as_of", (json_int_t)as_of);
	assert_int_equal(svc_ledger_aging(&out, &f->s, p, &e), 0);
	json_decref(p);
	return out;
}

static void test_aging_buckets_at_their_boundaries(void **state)
{
	struct fixture *f = *state;
	json_t *r, *row, *total;

	open_invoice(f, 1000, 0, "send_invoice");   /* due NOW */
	open_invoice(f, 2000, 30, "send_invoice");  /* due NOW + 30 days */
	open_invoice(f, 4000, 60, "send_invoice");
	open_invoice(f, 8000, 90, "send_invoice");
	open_invoice(f, 16000, 0, "charge_automatically"); /* no due date: due when finalized */

	/* At NOW nothing is late. */
	r = aging(f, NOW);
	assert_string_equal(str(r, "object"), "aging_report");
	assert_int_equal(num(r, "as_of"), NOW);
	row = json_array_get(json_object_get(r, "data"), 0);
	assert_string_equal(str(row, "customer"), f->customer);
	assert_int_equal(num(row, "current"), 31000);
	assert_int_equal(num(row, "total"), 31000);
	assert_int_equal(num(row, "invoices"), 5);
	json_decref(r);

	/* A second late is a day late. */
	r = aging(f, NOW + 1);
	row = json_array_get(json_object_get(r, "data"), 0);
	assert_int_equal(num(row, "1_30"), 17000);
	assert_int_equal(num(row, "current"), 14000);
	json_decref(r);

	/* 30 days late is still 1_30; a second more is 31_60. */
	r = aging(f, NOW + 30 * DAY);
	row = json_array_get(json_object_get(r, "data"), 0);
	assert_int_equal(num(row, "1_30"), 17000);
	assert_int_equal(num(row, "current"), 14000);
	json_decref(r);
	r = aging(f, NOW + 30 * DAY + 1);
	row = json_array_get(json_object_get(r, "data"), 0);
	assert_int_equal(num(row, "31_60"), 17000);
	assert_int_equal(num(row, "1_30"), 2000);
	assert_int_equal(num(row, "current"), 12000);
	json_decref(r);

	/* 91 days on: 1.00+160.00 over 90, 20.00 at 61, 40.00 at 31, 80.00 a day late. */
	r = aging(f, NOW + 90 * DAY + DAY);
	row = json_array_get(json_object_get(r, "data"), 0);
	assert_int_equal(num(row, "over_90"), 17000);
	assert_int_equal(num(row, "61_90"), 2000);
	assert_int_equal(num(row, "31_60"), 4000);
	assert_int_equal(num(row, "1_30"), 8000);
	assert_int_equal(num(row, "current"), 0);
	assert_int_equal(num(row, "total"), 31000);
	total = json_array_get(json_object_get(r, "totals"), 0);
	assert_string_equal(str(total, "currency"), "nok");
	assert_int_equal(num(total, "over_90"), 17000);
	assert_int_equal(num(total, "total"), 31000);
	assert_null(json_object_get(total, "customer"));
	json_decref(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_history_posts_once_and_verifies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_repost_is_a_no_op_and_a_different_one_conflicts,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_corrupted_row_fails_verify_by_name, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_a_balance_without_its_posting_fails_verify, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_customer_ledger_pages_with_running_balances,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_statement_opens_and_closes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_aging_buckets_at_their_boundaries, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
