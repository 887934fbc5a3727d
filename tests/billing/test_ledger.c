/*
 * Tests for billing/ledger: every posting template with exact entries (one
 * table, each row also checked to balance and to give its source key),
 * multi-rate VAT with and without a revenue split, negative invoices,
 * partial payments, over-payments, unmatched payments, refunds from every
 * source, credit notes before and after payment, fees, interest, write-offs
 * with and without VAT and their recovery, balance adjustments, opening
 * invoices (against adjustments, refused with VAT); a customer's
 * life replayed through the customer balance and recur verify's test; the
 * check catching an unbalanced set, a per-currency imbalance and malformed
 * entries; the chart; bad input. Every amount is a literal worked out by
 * hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "billing/ledger.h"
#include "core/err.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define PCT(x) ((int64_t)(x) * 10000) /* whole percent in BILLING_TAX_SCALE units */
#define NR BILLING_LEDGER_NO_RATE

#define RCV BILLING_LEDGER_RECEIVABLES
#define CRD BILLING_LEDGER_CUSTOMER_CREDIT
#define RFP BILLING_LEDGER_REFUNDS_PAYABLE
#define UNA BILLING_LEDGER_UNAPPLIED_CASH
#define REV BILLING_LEDGER_REVENUE
#define TAX BILLING_LEDGER_TAX_PAYABLE
#define BNK BILLING_LEDGER_BANK
#define CLR BILLING_LEDGER_PAYMENT_CLEARING
#define OOB BILLING_LEDGER_OUT_OF_BAND
#define FEE BILLING_LEDGER_FEES
#define INT BILLING_LEDGER_INTEREST
#define WOF BILLING_LEDGER_WRITE_OFFS
#define ADJ BILLING_LEDGER_ADJUSTMENTS

static const char CUS[] = "cus_A1b2";

/* 1 000.00 at 25 % and 100.00 at 6 % (Swedish rates). */
static const struct billing_ledger_split tax_25_6[] = { { PCT(25), 25000 }, { PCT(6), 600 } };
static const struct billing_ledger_split rev_25_6[] = { { PCT(25), 100000 }, { PCT(6), 10000 } };
static const struct billing_ledger_split tax_25[] = { { PCT(25), 25000 } };
static const struct billing_ledger_split tax_25_small[] = { { PCT(25), 2500 } };
static const struct billing_ledger_split rev_mixed[] = { { PCT(25), 10000 }, { NR, 5000 } };
static const struct billing_ledger_split tax_25_neg[] = { { PCT(25), -1250 } };
/* Norway: 25 %, 15 % (food) and 12 % on one invoice. */
static const struct billing_ledger_split tax_no3[] = {
	{ PCT(25), 20000 }, { PCT(15), 1500 }, { PCT(12), 1200 },
};

struct want {
	enum billing_ledger_account account;
	bool customer;
	int64_t debit, credit;
	int64_t rate;
};

struct post_case {
	const char *name;
	struct billing_ledger_event ev;
	const char *source;
	size_t n;
	struct want w[8];
};

#define EV(t, oid, cus) .type = (t), .currency = "sek", .id = (oid), .customer = (cus)

static const struct post_case cases[] = {
	/* ledger.h's worked example: 56.00 of credit used on 1 356.00. */
	{ "finalized: two rates, credit used, revenue split by rate",
	  { EV(BILLING_LEDGER_INVOICE_FINALIZED, "in_1", CUS),
	    .invoice = { .total = 135600, .amount_due = 130000, .applied_balance = 5600,
			 .tax = tax_25_6, .n_tax = 2, .revenue = rev_25_6, .n_revenue = 2 } },
	  "invoice:in_1:finalized", 6,
	  { { RCV, true, 130000, 0, NR }, { CRD, true, 5600, 0, NR },
	    { REV, false, 0, 100000, PCT(25) }, { REV, false, 0, 10000, PCT(6) },
	    { TAX, false, 0, 25000, PCT(25) }, { TAX, false, 0, 600, PCT(6) } } },
	{ "finalized: two rates, one revenue entry without a split",
	  { EV(BILLING_LEDGER_INVOICE_FINALIZED, "in_1", CUS),
	    .invoice = { .total = 135600, .amount_due = 135600, .tax = tax_25_6, .n_tax = 2 } },
	  "invoice:in_1:finalized", 4,
	  { { RCV, true, 135600, 0, NR }, { REV, false, 0, 110000, NR },
	    { TAX, false, 0, 25000, PCT(25) }, { TAX, false, 0, 600, PCT(6) } } },
	/* 100.00 at 25 % and 50.00 outside VAT (a split entry without a rate). */
	{ "finalized: a revenue split with an untaxed part",
	  { EV(BILLING_LEDGER_INVOICE_FINALIZED, "in_mix", CUS),
	    .invoice = { .total = 17500, .amount_due = 17500, .tax = tax_25_small, .n_tax = 1,
			 .revenue = rev_mixed, .n_revenue = 2 } },
	  "invoice:in_mix:finalized", 4,
	  { { RCV, true, 17500, 0, NR }, { REV, false, 0, 10000, PCT(25) },
	    { REV, false, 0, 5000, NR }, { TAX, false, 0, 2500, PCT(25) } } },
	/* 800.00 at 25 %, 100.00 at 15 %, 100.00 at 12 %: 1 000.00 + 227.00 VAT. */
	{ "finalized: three Norwegian rates",
	  { EV(BILLING_LEDGER_INVOICE_FINALIZED, "in_no", CUS),
	    .invoice = { .total = 122700, .amount_due = 122700, .tax = tax_no3, .n_tax = 3 } },
	  "invoice:in_no:finalized", 5,
	  { { RCV, true, 122700, 0, NR }, { REV, false, 0, 100000, NR },
	    { TAX, false, 0, 20000, PCT(25) }, { TAX, false, 0, 1500, PCT(15) },
	    { TAX, false, 0, 1200, PCT(12) } } },
	/* A downgrade credited: -50.00 + -12.50 VAT goes to the balance. */
	{ "finalized: negative total credited to the balance",
	  { EV(BILLING_LEDGER_INVOICE_FINALIZED, "in_neg", CUS),
	    .invoice = { .total = -6250, .amount_due = 0, .applied_balance = -6250,
			 .tax = tax_25_neg, .n_tax = 1 } },
	  "invoice:in_neg:finalized", 3,
	  { { CRD, true, 0, 6250, NR }, { REV, false, 5000, 0, NR },
	    { TAX, false, 1250, 0, PCT(25) } } },
	/* A debt of 30.00 on the balance is collected with a 125.00 invoice. */
	{ "finalized: a debt on the balance added to what is due",
	  { EV(BILLING_LEDGER_INVOICE_FINALIZED, "in_debt", CUS),
	    .invoice = { .total = 12500, .amount_due = 15500, .applied_balance = -3000,
			 .tax = tax_25_small, .n_tax = 1 } },
	  "invoice:in_debt:finalized", 4,
	  { { RCV, true, 15500, 0, NR }, { CRD, true, 0, 3000, NR },
	    { REV, false, 0, 10000, NR }, { TAX, false, 0, 2500, PCT(25) } } },
	{ "finalized: credit covers it all, nothing due",
	  { EV(BILLING_LEDGER_INVOICE_FINALIZED, "in_cov", CUS),
	    .invoice = { .total = 10000, .amount_due = 0, .applied_balance = 10000 } },
	  "invoice:in_cov:finalized", 2,
	  { { CRD, true, 10000, 0, NR }, { REV, false, 0, 10000, NR } } },
	{ "finalized: a 0.00 invoice posts nothing",
	  { EV(BILLING_LEDGER_INVOICE_FINALIZED, "in_zero", CUS), .invoice = { 0 } },
	  "invoice:in_zero:finalized", 0, { { 0 } } },
	{ "voided: the mirror of the first example",
	  { EV(BILLING_LEDGER_INVOICE_VOIDED, "in_1", CUS),
	    .invoice = { .total = 135600, .amount_due = 130000, .applied_balance = 5600,
			 .tax = tax_25_6, .n_tax = 2, .revenue = rev_25_6, .n_revenue = 2 } },
	  "invoice:in_1:voided", 6,
	  { { RCV, true, 0, 130000, NR }, { CRD, true, 0, 5600, NR },
	    { REV, false, 100000, 0, PCT(25) }, { REV, false, 10000, 0, PCT(6) },
	    { TAX, false, 25000, 0, PCT(25) }, { TAX, false, 600, 0, PCT(6) } } },
	/*
	 * Opening invoices (an import's balances row of type invoice): earned in
	 * the old system, so the total goes to adjustments, never to revenue or
	 * tax_payable. 1 250.00 owed from before recur.
	 */
	{ "finalized: opening invoice, against adjustments",
	  { EV(BILLING_LEDGER_INVOICE_FINALIZED, "in_open", CUS),
	    .invoice = { .total = 125000, .amount_due = 125000, .opening = true } },
	  "invoice:in_open:finalized", 2,
	  { { RCV, true, 125000, 0, NR }, { ADJ, false, 0, 125000, NR } } },
	/* 250.00 of the customer's credit used on it: 1 000.00 left to pay. */
	{ "finalized: opening invoice, credit used",
	  { EV(BILLING_LEDGER_INVOICE_FINALIZED, "in_open", CUS),
	    .invoice = { .total = 125000, .amount_due = 100000, .applied_balance = 25000,
			 .opening = true } },
	  "invoice:in_open:finalized", 3,
	  { { RCV, true, 100000, 0, NR }, { CRD, true, 25000, 0, NR },
	    { ADJ, false, 0, 125000, NR } } },
	/* A debt of 300.00 on the balance added to it: 1 550.00 to pay. */
	{ "finalized: opening invoice, a debt added",
	  { EV(BILLING_LEDGER_INVOICE_FINALIZED, "in_open", CUS),
	    .invoice = { .total = 125000, .amount_due = 155000, .applied_balance = -30000,
			 .opening = true } },
	  "invoice:in_open:finalized", 3,
	  { { RCV, true, 155000, 0, NR }, { CRD, true, 0, 30000, NR },
	    { ADJ, false, 0, 125000, NR } } },
	{ "voided: opening invoice, credit used (the mirror)",
	  { EV(BILLING_LEDGER_INVOICE_VOIDED, "in_open", CUS),
	    .invoice = { .total = 125000, .amount_due = 100000, .applied_balance = 25000,
			 .opening = true } },
	  "invoice:in_open:voided", 3,
	  { { RCV, true, 0, 100000, NR }, { CRD, true, 0, 25000, NR },
	    { ADJ, false, 125000, 0, NR } } },
	{ "voided: opening invoice, a debt added (the mirror)",
	  { EV(BILLING_LEDGER_INVOICE_VOIDED, "in_open", CUS),
	    .invoice = { .total = 125000, .amount_due = 155000, .applied_balance = -30000,
			 .opening = true } },
	  "invoice:in_open:voided", 3,
	  { { RCV, true, 0, 155000, NR }, { CRD, true, 30000, 0, NR },
	    { ADJ, false, 125000, 0, NR } } },
	{ "payment: card, partial",
	  { EV(BILLING_LEDGER_PAYMENT, "pi_1", CUS),
	    .payment = { .amount = 80000, .applied = 80000, .method = BILLING_LEDGER_METHOD_CARD } },
	  "payment:pi_1", 2,
	  { { CLR, false, 80000, 0, NR }, { RCV, true, 0, 80000, NR } } },
	{ "payment: bank transfer, 100.00 over",
	  { EV(BILLING_LEDGER_PAYMENT, "bt_20260301-77", CUS),
	    .payment = { .amount = 60000, .applied = 50000, .method = BILLING_LEDGER_METHOD_BANK } },
	  "payment:bt_20260301-77", 3,
	  { { BNK, false, 60000, 0, NR }, { RCV, true, 0, 50000, NR },
	    { CRD, true, 0, 10000, NR } } },
	{ "payment: out of band, exact",
	  { EV(BILLING_LEDGER_PAYMENT, "pi_oob", CUS),
	    .payment = { .amount = 12500, .applied = 12500,
			 .method = BILLING_LEDGER_METHOD_OUT_OF_BAND } },
	  "payment:pi_oob", 2,
	  { { OOB, false, 12500, 0, NR }, { RCV, true, 0, 12500, NR } } },
	{ "payment: nothing open, all to credit",
	  { EV(BILLING_LEDGER_PAYMENT, "pi_pre", CUS),
	    .payment = { .amount = 5000, .applied = 0, .method = BILLING_LEDGER_METHOD_BANK } },
	  "payment:pi_pre", 2,
	  { { BNK, false, 5000, 0, NR }, { CRD, true, 0, 5000, NR } } },
	{ "unmatched payment",
	  { EV(BILLING_LEDGER_UNMATCHED_PAYMENT, "up_9", NULL),
	    .payment = { .amount = 99900, .method = BILLING_LEDGER_METHOD_BANK } },
	  "unmatched_payment:up_9:received", 2,
	  { { BNK, false, 99900, 0, NR }, { UNA, false, 0, 99900, NR } } },
	{ "unmatched payment assigned, 9.00 over",
	  { EV(BILLING_LEDGER_UNMATCHED_ASSIGNED, "up_9", CUS),
	    .payment = { .amount = 99900, .applied = 99000 } },
	  "unmatched_payment:up_9:assigned", 3,
	  { { UNA, false, 99900, 0, NR }, { RCV, true, 0, 99000, NR },
	    { CRD, true, 0, 900, NR } } },
	{ "refund of a credit note, to the card",
	  { EV(BILLING_LEDGER_REFUND, "re_1", CUS),
	    .refund = { .amount = 12500, .method = BILLING_LEDGER_METHOD_CARD,
			.from = BILLING_LEDGER_FROM_REFUNDS_PAYABLE } },
	  "refund:re_1", 2,
	  { { RFP, true, 12500, 0, NR }, { CLR, false, 0, 12500, NR } } },
	{ "refund of the credit balance, by bank",
	  { EV(BILLING_LEDGER_REFUND, "re_2", CUS),
	    .refund = { .amount = 10000, .method = BILLING_LEDGER_METHOD_BANK,
			.from = BILLING_LEDGER_FROM_CUSTOMER_CREDIT } },
	  "refund:re_2", 2,
	  { { CRD, true, 10000, 0, NR }, { BNK, false, 0, 10000, NR } } },
	{ "refund of an unmatched payment, no customer",
	  { EV(BILLING_LEDGER_REFUND, "re_3", NULL),
	    .refund = { .amount = 99900, .method = BILLING_LEDGER_METHOD_BANK,
			.from = BILLING_LEDGER_FROM_UNAPPLIED_CASH } },
	  "refund:re_3", 2,
	  { { UNA, false, 99900, 0, NR }, { BNK, false, 0, 99900, NR } } },
	{ "credit note before payment: less to pay",
	  { EV(BILLING_LEDGER_CREDIT_NOTE, "cn_1", CUS),
	    .credit_note = { .total = 12500, .pre_payment = 12500, .tax = tax_25_small,
			     .n_tax = 1 } },
	  "credit_note:cn_1:issued", 3,
	  { { REV, false, 10000, 0, NR }, { TAX, false, 2500, 0, PCT(25) },
	    { RCV, true, 0, 12500, NR } } },
	/* 1 356.00 credited after payment: 1 000.00 refunded, 300.00 to the balance, 56.00 by hand. */
	{ "credit note after payment: refund, credit and out of band",
	  { EV(BILLING_LEDGER_CREDIT_NOTE, "cn_2", CUS),
	    .credit_note = { .total = 135600, .refund = 100000, .credit = 30000,
			     .out_of_band = 5600, .tax = tax_25_6, .n_tax = 2,
			     .revenue = rev_25_6, .n_revenue = 2 } },
	  "credit_note:cn_2:issued", 7,
	  { { REV, false, 100000, 0, PCT(25) }, { REV, false, 10000, 0, PCT(6) },
	    { TAX, false, 25000, 0, PCT(25) }, { TAX, false, 600, 0, PCT(6) },
	    { RFP, true, 0, 100000, NR }, { CRD, true, 0, 30000, NR },
	    { OOB, false, 0, 5600, NR } } },
	{ "credit note voided",
	  { EV(BILLING_LEDGER_CREDIT_NOTE_VOIDED, "cn_1", CUS),
	    .credit_note = { .total = 12500, .pre_payment = 12500, .tax = tax_25_small,
			     .n_tax = 1 } },
	  "credit_note:cn_1:voided", 3,
	  { { REV, false, 0, 10000, NR }, { TAX, false, 0, 2500, PCT(25) },
	    { RCV, true, 12500, 0, NR } } },
	{ "reminder fee, 60.00",
	  { EV(BILLING_LEDGER_REMINDER_FEE, "in_1", CUS), .charge = { .amount = 6000, .seq = 2 } },
	  "invoice:in_1:reminder:2", 2,
	  { { RCV, true, 6000, 0, NR }, { FEE, false, 0, 6000, NR } } },
	{ "late interest",
	  { EV(BILLING_LEDGER_LATE_INTEREST, "in_1", CUS), .charge = { .amount = 10274, .seq = 1 } },
	  "invoice:in_1:interest:1", 2,
	  { { RCV, true, 10274, 0, NR }, { INT, false, 0, 10274, NR } } },
	{ "reminder fees voided with their invoice",
	  { EV(BILLING_LEDGER_REMINDER_FEES_VOIDED, "in_1", CUS),
	    .charge = { .amount = 12000, .seq = 1 } },
	  "invoice:in_1:reminder:voided:1", 2,
	  { { RCV, true, 0, 12000, NR }, { FEE, false, 12000, 0, NR } } },
	{ "late interest voided with its invoice",
	  { EV(BILLING_LEDGER_LATE_INTEREST_VOIDED, "in_1", CUS),
	    .charge = { .amount = 10274, .seq = 1 } },
	  "invoice:in_1:interest:voided:1", 2,
	  { { RCV, true, 0, 10274, NR }, { INT, false, 10274, 0, NR } } },
	{ "write-off with the VAT taken back",
	  { EV(BILLING_LEDGER_WRITE_OFF, "in_lost", CUS),
	    .write_off = { .amount = 125000, .tax = tax_25, .n_tax = 1 } },
	  "invoice:in_lost:uncollectible", 3,
	  { { WOF, false, 100000, 0, NR }, { TAX, false, 25000, 0, PCT(25) },
	    { RCV, true, 0, 125000, NR } } },
	{ "write-off of the gross amount",
	  { EV(BILLING_LEDGER_WRITE_OFF, "in_lost", CUS), .write_off = { .amount = 125000 } },
	  "invoice:in_lost:uncollectible", 2,
	  { { WOF, false, 125000, 0, NR }, { RCV, true, 0, 125000, NR } } },
	{ "write-off recovered",
	  { EV(BILLING_LEDGER_WRITE_OFF_RECOVERED, "pi_late", CUS),
	    .write_off = { .amount = 125000, .tax = tax_25, .n_tax = 1 } },
	  "payment:pi_late:recovery", 3,
	  { { WOF, false, 0, 100000, NR }, { TAX, false, 0, 25000, PCT(25) },
	    { RCV, true, 125000, 0, NR } } },
	{ "balance adjustment: goodwill credit",
	  { EV(BILLING_LEDGER_BALANCE_ADJUSTMENT, "cbtxn_1", CUS), .adjustment = { -5000 } },
	  "balance_transaction:cbtxn_1", 2,
	  { { CRD, true, 0, 5000, NR }, { ADJ, false, 5000, 0, NR } } },
	{ "balance adjustment: a debt recorded",
	  { EV(BILLING_LEDGER_BALANCE_ADJUSTMENT, "cbtxn_2", CUS), .adjustment = { 3000 } },
	  "balance_transaction:cbtxn_2", 2,
	  { { CRD, true, 3000, 0, NR }, { ADJ, false, 0, 3000, NR } } },
};

static void expect_entries(const char *name, const struct billing_ledger_event *ev,
			   const struct billing_ledger_entry *got, size_t n,
			   const struct want *w, size_t n_want)
{
	size_t i;

	if (n != n_want)
		fail_msg("%s: %zu entries, want %zu", name, n, n_want);
	for (i = 0; i < n; i++) {
		const struct billing_ledger_entry *x = &got[i];
		if (x->account != w[i].account || x->debit != w[i].debit ||
		    x->credit != w[i].credit || x->rate != w[i].rate)
			fail_msg("%s: entry %zu is %s %lld/%lld rate %lld, want %s %lld/%lld "
				 "rate %lld", name, i, billing_ledger_account_name(x->account),
				 (long long)x->debit, (long long)x->credit, (long long)x->rate,
				 billing_ledger_account_name(w[i].account), (long long)w[i].debit,
				 (long long)w[i].credit, (long long)w[i].rate);
		if (w[i].customer ? (!x->customer || strcmp(x->customer, ev->customer) != 0)
				  : x->customer != NULL)
			fail_msg("%s: entry %zu has the wrong customer", name, i);
		if (strcmp(x->currency, "sek") != 0)
			fail_msg("%s: entry %zu currency %s", name, i, x->currency);
	}
}

static void test_templates(void **state)
{
	size_t k;
	(void)state;
	for (k = 0; k < N(cases); k++) {
		const struct post_case *c = &cases[k];
		struct billing_ledger_entry out[BILLING_LEDGER_ENTRIES_MAX];
		char key[BILLING_LEDGER_SOURCE_SIZE];
		struct recur_err e;
		int64_t debit = 0, credit = 0;
		size_t n = 99, i;
		int rc;

		memset(&e, 0, sizeof(e));
		rc = billing_ledger_post(out, N(out), &n, &c->ev, &e);
		if (rc != 0)
			fail_msg("%s: rc %d %s", c->name, rc, e.message);
		expect_entries(c->name, &c->ev, out, n, c->w, c->n);
		/* Every template balances, in its one currency. */
		for (i = 0; i < n; i++) {
			debit += out[i].debit;
			credit += out[i].credit;
		}
		if (debit != credit)
			fail_msg("%s: debits %lld, credits %lld", c->name, (long long)debit,
				 (long long)credit);
		if ((rc = billing_ledger_check(out, n, &e)) != 0)
			fail_msg("%s: check rc %d %s", c->name, rc, e.message);
		/* Exactly the room it needs is enough. */
		assert_int_equal(billing_ledger_post(out, c->n, &n, &c->ev, NULL), 0);
		assert_int_equal(n, c->n);
		rc = billing_ledger_source(key, sizeof(key), &c->ev, &e);
		if (rc != (int)strlen(c->source) || strcmp(key, c->source) != 0)
			fail_msg("%s: source '%s' (rc %d), want '%s'", c->name, key, rc, c->source);
	}
}

/* The currency is stored in lower case whatever the event says. */
static void test_currency_case(void **state)
{
	struct billing_ledger_event ev = {
		.type = BILLING_LEDGER_REMINDER_FEE, .currency = "NoK", .id = "in_x",
		.customer = CUS, .charge = { .amount = 3500, .seq = 1 },
	};
	struct billing_ledger_entry out[2];
	size_t n;
	(void)state;
	assert_int_equal(billing_ledger_post(out, 2, &n, &ev, NULL), 0);
	assert_int_equal(n, 2);
	assert_string_equal(out[0].currency, "nok");
	assert_string_equal(out[1].currency, "nok");
}

/* ---- a customer's life, replayed -------------------------------------- */

struct journal {
	struct billing_ledger_entry e[128];
	size_t n;
};

static void post(struct journal *j, const struct billing_ledger_event *ev)
{
	struct recur_err err;
	size_t n;
	int rc;

	memset(&err, 0, sizeof(err));
	rc = billing_ledger_post(&j->e[j->n], N(j->e) - j->n, &n, ev, &err);
	if (rc != 0)
		fail_msg("post rc %d %s", rc, err.message);
	assert_int_equal(billing_ledger_check(&j->e[j->n], n, NULL), 0);
	j->n += n;
}

static void expect_customer(const struct journal *j, const char *cus, const char *cur,
			    int64_t receivable, int64_t balance, int64_t refunds)
{
	struct billing_ledger_customer_balance b;
	struct recur_err e;

	memset(&e, 0, sizeof(e));
	assert_int_equal(billing_ledger_customer_balance(&b, j->e, j->n, cus, cur, &e), 0);
	if (b.receivable != receivable || b.balance != balance || b.refunds_payable != refunds)
		fail_msg("%s: receivable %lld balance %lld refunds %lld, want %lld %lld %lld", cus,
			 (long long)b.receivable, (long long)b.balance, (long long)b.refunds_payable,
			 (long long)receivable, (long long)balance, (long long)refunds);
	assert_int_equal(billing_ledger_customer_verify(j->e, j->n, cus, cur, balance,
							receivable, &e), 0);
	/* The whole journal balances after every step. */
	assert_int_equal(billing_ledger_check(j->e, j->n, &e), 0);
}

/*
 * Customer A (SEK) starts with 56.00 of credit from an over-payment,
 * gets 1 356.00 invoiced, pays 800.00 by card and 600.00 by bank (100.00
 * over), gets a credit note of 125.00 to refund, which is refunded; then a
 * second invoice of 625.00 eats the 156.00 credit, gets a reminder fee,
 * and is written off with its VAT. Customer B (NOK) interleaves. At every
 * step A's balances from the entries are what the invoice objects say.
 */
static void test_customer_life(void **state)
{
	static struct journal j; /* 128 entries: off the stack */
	static const struct billing_ledger_split tax_500[] = { { PCT(25), 12500 } };
	static const struct billing_ledger_split tax_wo[] = { { PCT(25), 9380 } };
	const char *A = "cus_A", *B = "cus_B";
	(void)state;
	j.n = 0;

	post(&j, &(struct billing_ledger_event){ .type = BILLING_LEDGER_PAYMENT,
		.currency = "sek", .id = "pi_0", .customer = A,
		.payment = { .amount = 5600, .applied = 0, .method = BILLING_LEDGER_METHOD_BANK } });
	expect_customer(&j, A, "sek", 0, -5600, 0);

	post(&j, &(struct billing_ledger_event){ .type = BILLING_LEDGER_INVOICE_FINALIZED,
		.currency = "sek", .id = "in_1", .customer = A,
		.invoice = { .total = 135600, .amount_due = 130000, .applied_balance = 5600,
			     .tax = tax_25_6, .n_tax = 2 } });
	expect_customer(&j, A, "sek", 130000, 0, 0);

	post(&j, &(struct billing_ledger_event){ .type = BILLING_LEDGER_INVOICE_FINALIZED,
		.currency = "nok", .id = "in_b", .customer = B,
		.invoice = { .total = 122700, .amount_due = 122700, .tax = tax_no3, .n_tax = 3 } });
	expect_customer(&j, B, "nok", 122700, 0, 0);
	expect_customer(&j, A, "sek", 130000, 0, 0);

	/* Partial payments: 800.00 by card, then 600.00 by bank, 100.00 over. */
	post(&j, &(struct billing_ledger_event){ .type = BILLING_LEDGER_PAYMENT,
		.currency = "sek", .id = "pi_1", .customer = A,
		.payment = { .amount = 80000, .applied = 80000, .method = BILLING_LEDGER_METHOD_CARD } });
	expect_customer(&j, A, "sek", 50000, 0, 0);
	post(&j, &(struct billing_ledger_event){ .type = BILLING_LEDGER_PAYMENT,
		.currency = "sek", .id = "bt_2", .customer = A,
		.payment = { .amount = 60000, .applied = 50000, .method = BILLING_LEDGER_METHOD_BANK } });
	expect_customer(&j, A, "sek", 0, -10000, 0);

	/* After payment: 125.00 credited to refund, then refunded to the card. */
	post(&j, &(struct billing_ledger_event){ .type = BILLING_LEDGER_CREDIT_NOTE,
		.currency = "sek", .id = "cn_1", .customer = A,
		.credit_note = { .total = 12500, .refund = 12500, .tax = tax_25_small, .n_tax = 1 } });
	expect_customer(&j, A, "sek", 0, -10000, 12500);
	post(&j, &(struct billing_ledger_event){ .type = BILLING_LEDGER_REFUND,
		.currency = "sek", .id = "re_1", .customer = A,
		.refund = { .amount = 12500, .method = BILLING_LEDGER_METHOD_CARD,
			    .from = BILLING_LEDGER_FROM_REFUNDS_PAYABLE } });
	expect_customer(&j, A, "sek", 0, -10000, 0);

	/* A goodwill credit of 56.00, then 625.00 invoiced: the 156.00 credit is used. */
	post(&j, &(struct billing_ledger_event){ .type = BILLING_LEDGER_BALANCE_ADJUSTMENT,
		.currency = "sek", .id = "cbtxn_1", .customer = A, .adjustment = { -5600 } });
	expect_customer(&j, A, "sek", 0, -15600, 0);
	post(&j, &(struct billing_ledger_event){ .type = BILLING_LEDGER_INVOICE_FINALIZED,
		.currency = "sek", .id = "in_2", .customer = A,
		.invoice = { .total = 62500, .amount_due = 46900, .applied_balance = 15600,
			     .tax = tax_500, .n_tax = 1 } });
	expect_customer(&j, A, "sek", 46900, 0, 0);

	/* Unpaid: a 60.00 reminder fee, then written off (VAT 25 % of 375.20 of it). */
	post(&j, &(struct billing_ledger_event){ .type = BILLING_LEDGER_REMINDER_FEE,
		.currency = "sek", .id = "in_2", .customer = A, .charge = { .amount = 6000, .seq = 1 } });
	expect_customer(&j, A, "sek", 52900, 0, 0);
	post(&j, &(struct billing_ledger_event){ .type = BILLING_LEDGER_WRITE_OFF,
		.currency = "sek", .id = "in_2", .customer = A,
		.write_off = { .amount = 52900, .tax = tax_wo, .n_tax = 1 } });
	expect_customer(&j, A, "sek", 0, 0, 0);

	/* B pays by an unmatched bank transfer that is assigned later. */
	post(&j, &(struct billing_ledger_event){ .type = BILLING_LEDGER_UNMATCHED_PAYMENT,
		.currency = "nok", .id = "up_1",
		.payment = { .amount = 122700, .method = BILLING_LEDGER_METHOD_BANK } });
	expect_customer(&j, B, "nok", 122700, 0, 0);
	post(&j, &(struct billing_ledger_event){ .type = BILLING_LEDGER_UNMATCHED_ASSIGNED,
		.currency = "nok", .id = "up_1", .customer = B,
		.payment = { .amount = 122700, .applied = 122700 } });
	expect_customer(&j, B, "nok", 0, 0, 0);
	/* A has nothing in NOK, B nothing in SEK. */
	expect_customer(&j, A, "nok", 0, 0, 0);
	expect_customer(&j, B, "sek", 0, 0, 0);

	/* recur verify sees a corrupted row: the books and the customer are off. */
	{
		struct billing_ledger_customer_balance b;
		struct recur_err e;
		size_t i;

		for (i = 0; i < j.n; i++)
			if (j.e[i].account == RCV && j.e[i].customer &&
			    strcmp(j.e[i].customer, A) == 0 && j.e[i].credit == 80000)
				break;
		assert_true(i < j.n);
		j.e[i].credit = 8000;
		memset(&e, 0, sizeof(e));
		assert_int_equal(billing_ledger_check(j.e, j.n, &e), RECUR_ECONFLICT);
		assert_non_null(strstr(e.message, "does not balance"));
		assert_int_equal(billing_ledger_customer_verify(j.e, j.n, A, "sek", 0, 0, &e),
				 RECUR_ECONFLICT);
		assert_non_null(strstr(e.message, "cus_A"));
		assert_non_null(strstr(e.message, "receivable 72000"));
		assert_int_equal(billing_ledger_customer_balance(&b, j.e, j.n, A, "SEK", NULL), 0);
		assert_int_equal(b.receivable, 72000);
		assert_int_equal(billing_ledger_customer_verify(j.e, j.n, A, "sek", 0, 72000, NULL),
				 0);
		/* A wrong expected balance alone is caught too. */
		assert_int_equal(billing_ledger_customer_verify(j.e, j.n, A, "sek", -1, 72000, NULL),
				 RECUR_ECONFLICT);
	}
}

/* ---- the check ------------------------------------------------------------- */

#define E(acc, cus, cur, dr, cr) { (acc), (cus), cur, (dr), (cr), NR }

static void test_check_unbalanced(void **state)
{
	const struct billing_ledger_entry ok[] = {
		E(RCV, CUS, "nok", 12500, 0), E(REV, NULL, "nok", 0, 10000),
		E(TAX, NULL, "nok", 0, 2500),
	};
	const struct billing_ledger_entry off[] = {
		E(RCV, CUS, "nok", 12500, 0), E(REV, NULL, "nok", 0, 10000),
		E(TAX, NULL, "nok", 0, 2400),
	};
	/* Balanced overall, but 100.00 NOK debited against 100.00 EUR credited. */
	const struct billing_ledger_entry cross[] = {
		E(BNK, NULL, "nok", 10000, 0), E(UNA, NULL, "eur", 0, 10000),
	};
	const struct billing_ledger_entry two_ok[] = {
		E(BNK, NULL, "NOK", 10000, 0), E(UNA, NULL, "nok", 0, 10000),
		E(BNK, NULL, "eur", 700, 0), E(UNA, NULL, "EUR", 0, 700),
	};
	struct recur_err e;
	(void)state;

	memset(&e, 0, sizeof(e));
	assert_int_equal(billing_ledger_check(ok, N(ok), &e), 0);
	assert_int_equal(billing_ledger_check(NULL, 0, &e), 0);
	assert_int_equal(billing_ledger_check(two_ok, N(two_ok), &e), 0);

	assert_int_equal(billing_ledger_check(off, N(off), &e), RECUR_ECONFLICT);
	assert_int_equal(e.status, 409);
	assert_string_equal(e.message, "The ledger does not balance: debits 12500, credits "
			    "12400 (minor units, all currencies, 3 entries)");

	assert_int_equal(billing_ledger_check(cross, N(cross), &e), RECUR_ECONFLICT);
	assert_string_equal(e.message, "The ledger does not balance in nok: debits 10000, "
			    "credits 0 (minor units)");
	assert_int_equal(billing_ledger_check(cross, N(cross), NULL), RECUR_ECONFLICT);
}

/* recur verify streams: totals over batches equal totals over the whole. */
static void test_check_streaming(void **state)
{
	const struct billing_ledger_entry all[] = {
		E(RCV, CUS, "sek", 135600, 0), E(REV, NULL, "sek", 0, 110000),
		E(TAX, NULL, "sek", 0, 25600), E(CLR, NULL, "sek", 80000, 0),
		E(RCV, CUS, "sek", 0, 80000), E(BNK, NULL, "dkk", 500, 0),
		E(UNA, NULL, "dkk", 0, 500),
	};
	struct billing_ledger_totals t;
	size_t k;
	(void)state;

	billing_ledger_totals_init(&t);
	for (k = 0; k < N(all); k += 2)
		assert_int_equal(billing_ledger_totals_add(&t, &all[k],
							   k + 2 <= N(all) ? 2 : 1, NULL), 0);
	assert_int_equal(t.n_entries, N(all));
	assert_int_equal(t.n, 2);
	assert_string_equal(t.per[0].currency, "sek");
	assert_int_equal(t.per[0].debit, 215600);
	assert_int_equal(t.per[0].credit, 215600);
	assert_string_equal(t.per[1].currency, "dkk");
	assert_int_equal(t.per[1].debit, 500);
	assert_int_equal(t.debit, 216100);
	assert_int_equal(billing_ledger_totals_check(&t, NULL), 0);
}

static void test_check_malformed(void **state)
{
	static const struct billing_ledger_entry bad[] = {
		E(RCV, CUS, "nok", 100, 100),                 /* both sides */
		E(RCV, CUS, "nok", 0, 0),                     /* neither */
		E(RCV, CUS, "nok", -100, 0),                  /* negative */
		E(REV, NULL, "nok", 0, -5),
		E(RCV, NULL, "nok", 100, 0),                  /* receivables need a customer */
		E(REV, CUS, "nok", 0, 100),                   /* revenue has none */
		E(RCV, "cus:x", "nok", 100, 0),               /* malformed customer */
		E(BNK, NULL, "xyz", 100, 0),                  /* unknown currency */
		E(BILLING_LEDGER_ACCOUNT_COUNT, NULL, "nok", 100, 0),
		E(BNK, NULL, "nok", INT64_C(1000000000000001), 0), /* out of money range */
	};
	struct billing_ledger_entry many[2 * (BILLING_LEDGER_CURRENCIES_MAX + 1)];
	static const char *const codes[] = { "nok", "sek", "dkk", "eur", "usd", "gbp", "chf",
					     "jpy", "pln", "czk", "huf", "isk", "aud", "cad",
					     "nzd", "sgd", "hkd" };
	struct recur_err e;
	size_t i;
	(void)state;

	for (i = 0; i < N(bad); i++) {
		memset(&e, 0, sizeof(e));
		if (billing_ledger_check(&bad[i], 1, &e) != RECUR_EINVAL)
			fail_msg("bad entry %zu accepted", i);
		assert_non_null(strstr(e.message, "Ledger entry 0 is malformed"));
	}
	assert_int_equal(billing_ledger_check(NULL, 1, NULL), RECUR_EINVAL);

	assert_true(N(codes) == BILLING_LEDGER_CURRENCIES_MAX + 1);
	for (i = 0; i < N(codes); i++) {
		many[2 * i] = (struct billing_ledger_entry)E(BNK, NULL, "", 1, 0);
		many[2 * i + 1] = (struct billing_ledger_entry)E(UNA, NULL, "", 0, 1);
		memcpy(many[2 * i].currency, codes[i], 4);
		memcpy(many[2 * i + 1].currency, codes[i], 4);
	}
	assert_int_equal(billing_ledger_check(many, 2 * BILLING_LEDGER_CURRENCIES_MAX, NULL), 0);
	memset(&e, 0, sizeof(e));
	assert_int_equal(billing_ledger_check(many, N(many), &e), RECUR_ETOOBIG);
	assert_non_null(strstr(e.message, "More than 16 currencies"));
}

static void test_check_overflow(void **state)
{
	struct billing_ledger_entry big[11];
	struct billing_ledger_totals t;
	size_t i;
	(void)state;

	for (i = 0; i < N(big); i++)
		big[i] = (struct billing_ledger_entry)E(BNK, NULL, "nok", INT64_C(1000000000000000), 0);
	billing_ledger_totals_init(&t);
	t.per[0].debit = INT64_MAX - 5; /* as if after a very long stream */
	memcpy(t.per[0].currency, "nok", 4);
	t.n = 1;
	assert_int_equal(billing_ledger_totals_add(&t, big, 1, NULL), RECUR_EOVERFLOW);
}

/* ---- customer balance ------------------------------------------------------ */

static void test_customer_balance_filters(void **state)
{
	const struct billing_ledger_entry x[] = {
		E(RCV, "cus_A", "sek", 10000, 0), E(RCV, "cus_B", "sek", 700, 0),
		E(RCV, "cus_A", "nok", 300, 0), E(CRD, "cus_A", "SEK", 0, 2500),
		E(RFP, "cus_A", "sek", 0, 1200), E(RFP, "cus_A", "sek", 200, 0),
		E(REV, NULL, "sek", 0, 10000), E(RCV, "cus_A", "sek", 0, 4000),
	};
	struct billing_ledger_customer_balance b;
	struct recur_err e;
	(void)state;

	assert_int_equal(billing_ledger_customer_balance(&b, x, N(x), "cus_A", "sek", NULL), 0);
	assert_int_equal(b.receivable, 6000);
	assert_int_equal(b.balance, -2500);
	assert_int_equal(b.refunds_payable, 1000);
	assert_int_equal(b.n_entries, 5);
	assert_int_equal(billing_ledger_customer_balance(&b, x, N(x), "cus_A", "NOK", NULL), 0);
	assert_int_equal(b.receivable, 300);
	assert_int_equal(b.n_entries, 1);
	assert_int_equal(billing_ledger_customer_balance(&b, x, N(x), "cus_C", "sek", NULL), 0);
	assert_int_equal(b.n_entries, 0);

	memset(&e, 0, sizeof(e));
	assert_int_equal(billing_ledger_customer_balance(&b, x, N(x), NULL, "sek", &e),
			 RECUR_EINVAL);
	assert_int_equal(billing_ledger_customer_balance(&b, x, N(x), "cus_A", "xyz", &e),
			 RECUR_EINVAL);
	assert_int_equal(billing_ledger_customer_balance(&b, NULL, 1, "cus_A", "sek", &e),
			 RECUR_EINVAL);
	assert_int_equal(billing_ledger_customer_verify(x, N(x), "cus_A", NULL, 0, 0, &e),
			 RECUR_EINVAL);
	{
		const struct billing_ledger_entry huge[] = {
			E(RCV, "cus_A", "sek", INT64_MAX, 0), E(RCV, "cus_A", "sek", 1, 0),
		};
		assert_int_equal(billing_ledger_customer_balance(&b, huge, N(huge), "cus_A",
								 "sek", &e), RECUR_EOVERFLOW);
	}
}

/* ---- source keys ------------------------------------------------------------ */

static void test_source_bad(void **state)
{
	struct billing_ledger_event ev = { .type = BILLING_LEDGER_PAYMENT, .currency = "nok",
					   .id = "pi_123", .customer = CUS };
	char buf[BILLING_LEDGER_SOURCE_SIZE], small[8];
	char long_id[BILLING_LEDGER_ID_MAX + 2];
	struct recur_err e;
	(void)state;

	memset(&e, 0, sizeof(e));
	assert_int_equal(billing_ledger_source(buf, sizeof(buf), &ev, &e), 14);
	assert_string_equal(buf, "payment:pi_123");
	assert_int_equal(billing_ledger_source(buf, 15, &ev, &e), 14);
	assert_int_equal(billing_ledger_source(buf, 14, &ev, &e), RECUR_ETOOBIG);
	assert_string_equal(buf, "");
	assert_int_equal(billing_ledger_source(small, sizeof(small), &ev, &e), RECUR_ETOOBIG);
	assert_int_equal(billing_ledger_source(NULL, 0, &ev, &e), RECUR_ETOOBIG);

	ev.id = "in:1"; /* a ':' would make keys ambiguous */
	assert_int_equal(billing_ledger_source(buf, sizeof(buf), &ev, &e), RECUR_EINVAL);
	ev.id = "";
	assert_int_equal(billing_ledger_source(buf, sizeof(buf), &ev, &e), RECUR_EINVAL);
	ev.id = NULL;
	assert_int_equal(billing_ledger_source(buf, sizeof(buf), &ev, NULL), RECUR_EINVAL);
	memset(long_id, 'a', sizeof(long_id) - 1);
	long_id[sizeof(long_id) - 1] = '\0';
	ev.id = long_id;
	assert_int_equal(billing_ledger_source(buf, sizeof(buf), &ev, &e), RECUR_EINVAL);
	long_id[BILLING_LEDGER_ID_MAX] = '\0'; /* exactly the longest id */
	assert_int_equal(billing_ledger_source(buf, sizeof(buf), &ev, &e),
			 (int)strlen("payment:") + BILLING_LEDGER_ID_MAX);
	/* The longest key of all fits BILLING_LEDGER_SOURCE_SIZE. */
	ev.type = BILLING_LEDGER_UNMATCHED_PAYMENT;
	assert_true(billing_ledger_source(buf, sizeof(buf), &ev, &e) > 0);
	ev.type = BILLING_LEDGER_REMINDER_FEE;
	ev.charge.seq = INT64_MAX;
	assert_true(billing_ledger_source(buf, sizeof(buf), &ev, &e) > 0);

	ev.id = "in_1";
	ev.charge.seq = 0;
	assert_int_equal(billing_ledger_source(buf, sizeof(buf), &ev, &e), RECUR_EINVAL);
	ev.type = BILLING_LEDGER_LATE_INTEREST;
	assert_int_equal(billing_ledger_source(buf, sizeof(buf), &ev, &e), RECUR_EINVAL);
	ev.type = BILLING_LEDGER_REMINDER_FEES_VOIDED;
	assert_int_equal(billing_ledger_source(buf, sizeof(buf), &ev, &e), RECUR_EINVAL);
	ev.type = BILLING_LEDGER_LATE_INTEREST_VOIDED;
	assert_int_equal(billing_ledger_source(buf, sizeof(buf), &ev, &e), RECUR_EINVAL);
	ev.type = (enum billing_ledger_event_type)99;
	assert_int_equal(billing_ledger_source(buf, sizeof(buf), &ev, &e), RECUR_EINVAL);
}

/* ---- the chart ----------------------------------------------------------------- */

static void test_chart(void **state)
{
	static const struct {
		enum billing_ledger_account a;
		const char *name;
		bool per_customer;
		int ns, bas;
	} chart[] = {
		{ RCV, "receivables", true, 1500, 1510 },
		{ CRD, "customer_credit", true, 2900, 2420 },
		{ RFP, "refunds_payable", true, 2900, 2420 },
		{ UNA, "unapplied_cash", false, 2900, 2420 },
		{ REV, "revenue", false, 3000, 3001 },
		{ TAX, "tax_payable", false, 2700, 2611 },
		{ BNK, "bank", false, 1920, 1930 },
		{ CLR, "payment_clearing", false, 1579, 1580 },
		{ OOB, "out_of_band", false, 1790, 2999 },
		{ FEE, "fees", false, 3970, 3590 },
		{ INT, "interest", false, 8050, 8313 },
		{ WOF, "write_offs", false, 7830, 6351 },
		{ ADJ, "adjustments", false, 3180, 3790 },
	};
	enum billing_ledger_account a;
	size_t i;
	(void)state;

	assert_int_equal(N(chart), BILLING_LEDGER_ACCOUNT_COUNT);
	for (i = 0; i < N(chart); i++) {
		assert_string_equal(billing_ledger_account_name(chart[i].a), chart[i].name);
		assert_int_equal(billing_ledger_account_parse(&a, chart[i].name), 0);
		assert_int_equal(a, chart[i].a);
		assert_int_equal(billing_ledger_account_per_customer(chart[i].a),
				 chart[i].per_customer);
		assert_int_equal(billing_ledger_account_number(chart[i].a, BILLING_LEDGER_NS4102,
							       NR), chart[i].ns);
		assert_int_equal(billing_ledger_account_number(chart[i].a, BILLING_LEDGER_BAS, NR),
				 chart[i].bas);
	}
	/* BAS by rate; NS 4102 keeps one account. */
	assert_int_equal(billing_ledger_account_number(REV, BILLING_LEDGER_BAS, PCT(25)), 3001);
	assert_int_equal(billing_ledger_account_number(REV, BILLING_LEDGER_BAS, PCT(12)), 3002);
	assert_int_equal(billing_ledger_account_number(REV, BILLING_LEDGER_BAS, PCT(6)), 3003);
	assert_int_equal(billing_ledger_account_number(REV, BILLING_LEDGER_BAS, 0), 3004);
	assert_int_equal(billing_ledger_account_number(REV, BILLING_LEDGER_BAS, NR), 3001);
	assert_int_equal(billing_ledger_account_number(TAX, BILLING_LEDGER_BAS, PCT(25)), 2611);
	assert_int_equal(billing_ledger_account_number(TAX, BILLING_LEDGER_BAS, PCT(12)), 2621);
	assert_int_equal(billing_ledger_account_number(TAX, BILLING_LEDGER_BAS, PCT(6)), 2631);
	assert_int_equal(billing_ledger_account_number(TAX, BILLING_LEDGER_BAS, 0), 2611);
	assert_int_equal(billing_ledger_account_number(TAX, BILLING_LEDGER_BAS, PCT(15)), 2611);
	assert_int_equal(billing_ledger_account_number(TAX, BILLING_LEDGER_NS4102, PCT(15)), 2700);
	assert_int_equal(billing_ledger_account_number(BNK, BILLING_LEDGER_BAS, PCT(25)), 1930);
	/* Unknown accounts and charts. */
	assert_string_equal(billing_ledger_account_name(BILLING_LEDGER_ACCOUNT_COUNT), "");
	assert_string_equal(billing_ledger_account_name((enum billing_ledger_account)-1), "");
	assert_false(billing_ledger_account_per_customer(BILLING_LEDGER_ACCOUNT_COUNT));
	assert_int_equal(billing_ledger_account_number(BILLING_LEDGER_ACCOUNT_COUNT,
						       BILLING_LEDGER_BAS, NR), 0);
	assert_int_equal(billing_ledger_account_number(BNK, (enum billing_ledger_chart)7, NR), 0);
	assert_int_equal(billing_ledger_account_parse(&a, "Bank"), RECUR_EINVAL);
	assert_int_equal(billing_ledger_account_parse(&a, NULL), RECUR_EINVAL);
}

/* ---- bad input ------------------------------------------------------------------ */

static const struct billing_ledger_split bad_rate[] = { { PCT(101), 100 } };
static const struct billing_ledger_split no_rate_tax[] = { { NR, 100 } };
static const struct billing_ledger_split huge_tax[] = { { PCT(25), INT64_C(1000000000000001) } };
static const struct billing_ledger_split max_tax[] = {
	{ PCT(25), INT64_C(1000000000000000) }, { PCT(25), INT64_C(1000000000000000) },
};
static const struct billing_ledger_split neg_tax[] = { { PCT(25), 100 }, { PCT(12), -50 } };
static const struct billing_ledger_split rev_wrong[] = { { PCT(25), 9000 } };
static const struct billing_ledger_split many[BILLING_LEDGER_SPLITS_MAX + 1];

struct bad_case {
	const char *name;
	struct billing_ledger_event ev;
	int rc;
};

#define BEV(t, cus) .type = (t), .currency = "nok", .id = "x_1", .customer = (cus)
#define INV(...) { BEV(BILLING_LEDGER_INVOICE_FINALIZED, CUS), .invoice = { __VA_ARGS__ } }
#define PAY(...) { BEV(BILLING_LEDGER_PAYMENT, CUS), .payment = { __VA_ARGS__ } }
#define CN(...) { BEV(BILLING_LEDGER_CREDIT_NOTE, CUS), .credit_note = { __VA_ARGS__ } }
#define WO(...) { BEV(BILLING_LEDGER_WRITE_OFF, CUS), .write_off = { __VA_ARGS__ } }
#define RF(cus, ...) { BEV(BILLING_LEDGER_REFUND, cus), .refund = { __VA_ARGS__ } }

static const struct bad_case bad_cases[] = {
	{ "unknown currency", { .type = BILLING_LEDGER_PAYMENT, .currency = "xyz", .id = "x_1",
				.customer = CUS, .payment = { 100, 100 } }, RECUR_EINVAL },
	{ "no id", { .type = BILLING_LEDGER_PAYMENT, .currency = "nok", .customer = CUS,
		     .payment = { 100, 100 } }, RECUR_EINVAL },
	{ "no customer", { BEV(BILLING_LEDGER_PAYMENT, NULL), .payment = { 100, 100 } },
	  RECUR_EINVAL },
	{ "a customer on an unmatched payment",
	  { BEV(BILLING_LEDGER_UNMATCHED_PAYMENT, CUS), .payment = { 100, 0 } }, RECUR_EINVAL },
	{ "no customer on an assignment",
	  { BEV(BILLING_LEDGER_UNMATCHED_ASSIGNED, NULL), .payment = { 100, 0 } }, RECUR_EINVAL },
	{ "malformed customer", { BEV(BILLING_LEDGER_PAYMENT, "cus 1"), .payment = { 100, 100 } },
	  RECUR_EINVAL },
	{ "unknown type", { BEV((enum billing_ledger_event_type)42, CUS) }, RECUR_EINVAL },
	{ "invoice: parts do not add up", INV(.total = 1000, .amount_due = 900), RECUR_EINVAL },
	{ "invoice: negative amount due", INV(.total = -100, .amount_due = -100), RECUR_EINVAL },
	{ "invoice: total out of range",
	  INV(.total = INT64_C(1000000000000001), .amount_due = INT64_C(1000000000000001)),
	  RECUR_EINVAL },
	{ "invoice: tax rate above 100 %", INV(.total = 100, .amount_due = 100, .tax = bad_rate,
					       .n_tax = 1), RECUR_EINVAL },
	{ "invoice: tax without a rate", INV(.total = 100, .amount_due = 100, .tax = no_rate_tax,
					     .n_tax = 1), RECUR_EINVAL },
	{ "invoice: tax out of range", INV(.total = 100, .amount_due = 100, .tax = huge_tax,
					   .n_tax = 1), RECUR_EINVAL },
	{ "invoice: total less tax out of range",
	  INV(.total = -100, .amount_due = 0, .applied_balance = -100, .tax = max_tax, .n_tax = 2),
	  RECUR_EINVAL },
	{ "invoice: too many tax splits", INV(.total = 0, .tax = many,
					      .n_tax = BILLING_LEDGER_SPLITS_MAX + 1), RECUR_EINVAL },
	{ "invoice: tax splits missing", INV(.total = 0, .n_tax = 1), RECUR_EINVAL },
	{ "invoice: revenue split does not add up",
	  INV(.total = 12500, .amount_due = 12500, .tax = tax_25_small, .n_tax = 1,
	      .revenue = rev_wrong, .n_revenue = 1), RECUR_EINVAL },
	{ "invoice: revenue split missing", INV(.total = 0, .n_revenue = 2), RECUR_EINVAL },
	/* An opening invoice's VAT was the old system's: splits on it are a caller's mistake. */
	{ "opening invoice: tax splits",
	  INV(.total = 12500, .amount_due = 12500, .tax = tax_25_small, .n_tax = 1,
	      .opening = true), RECUR_EINVAL },
	{ "opening invoice: revenue splits",
	  INV(.total = 15000, .amount_due = 15000, .revenue = rev_mixed, .n_revenue = 2,
	      .opening = true), RECUR_EINVAL },
	{ "opening invoice voided: tax splits",
	  { BEV(BILLING_LEDGER_INVOICE_VOIDED, CUS),
	    .invoice = { .total = 12500, .amount_due = 12500, .tax = tax_25_small, .n_tax = 1,
			 .opening = true } }, RECUR_EINVAL },
	{ "opening invoice: parts do not add up",
	  INV(.total = 1000, .amount_due = 900, .opening = true), RECUR_EINVAL },
	{ "payment: zero", PAY(0, 0), RECUR_EINVAL },
	{ "payment: applied above the amount", PAY(100, 101), RECUR_EINVAL },
	{ "payment: negative applied", PAY(100, -1), RECUR_EINVAL },
	{ "payment: unknown method", PAY(100, 100, (enum billing_ledger_method)9), RECUR_EINVAL },
	{ "payment: out of range", PAY(INT64_C(1000000000000001), 0), RECUR_EINVAL },
	{ "refund: zero", RF(CUS, 0), RECUR_EINVAL },
	{ "refund: unknown method", RF(CUS, 100, (enum billing_ledger_method)9), RECUR_EINVAL },
	{ "refund: unknown source", RF(CUS, 100, BILLING_LEDGER_METHOD_BANK,
				       (enum billing_ledger_refund_from)9), RECUR_EINVAL },
	{ "refund of unapplied cash with a customer",
	  RF(CUS, 100, BILLING_LEDGER_METHOD_BANK, BILLING_LEDGER_FROM_UNAPPLIED_CASH),
	  RECUR_EINVAL },
	{ "refund of credit without a customer",
	  RF(NULL, 100, BILLING_LEDGER_METHOD_BANK, BILLING_LEDGER_FROM_CUSTOMER_CREDIT),
	  RECUR_EINVAL },
	{ "credit note: parts do not add up", CN(.total = 100, .refund = 50, .credit = 40),
	  RECUR_EINVAL },
	{ "credit note: zero", CN(.total = 0), RECUR_EINVAL },
	{ "credit note: negative part", CN(.total = 100, .refund = 150, .credit = -50),
	  RECUR_EINVAL },
	{ "credit note: bad tax", CN(.total = 100, .credit = 100, .tax = bad_rate, .n_tax = 1),
	  RECUR_EINVAL },
	{ "credit note: revenue split off",
	  CN(.total = 12500, .credit = 12500, .tax = tax_25_small, .n_tax = 1,
	     .revenue = rev_wrong, .n_revenue = 1), RECUR_EINVAL },
	{ "credit note: total less tax out of range",
	  CN(.total = 100, .credit = 100, .tax = max_tax, .n_tax = 2), RECUR_EINVAL },
	{ "fee: zero", { BEV(BILLING_LEDGER_REMINDER_FEE, CUS), .charge = { 0, 1 } },
	  RECUR_EINVAL },
	{ "fee: seq 0", { BEV(BILLING_LEDGER_REMINDER_FEE, CUS), .charge = { 100, 0 } },
	  RECUR_EINVAL },
	{ "interest: negative", { BEV(BILLING_LEDGER_LATE_INTEREST, CUS), .charge = { -1, 1 } },
	  RECUR_EINVAL },
	{ "write-off: zero", WO(.amount = 0), RECUR_EINVAL },
	{ "write-off: VAT above the amount", WO(.amount = 100, .tax = tax_25_small, .n_tax = 1),
	  RECUR_EINVAL },
	{ "write-off: negative VAT", WO(.amount = 1000, .tax = neg_tax, .n_tax = 2),
	  RECUR_EINVAL },
	{ "write-off: bad rate", WO(.amount = 1000, .tax = bad_rate, .n_tax = 1), RECUR_EINVAL },
	{ "adjustment: zero", { BEV(BILLING_LEDGER_BALANCE_ADJUSTMENT, CUS), .adjustment = { 0 } },
	  RECUR_EINVAL },
	{ "adjustment: out of range", { BEV(BILLING_LEDGER_BALANCE_ADJUSTMENT, CUS),
					.adjustment = { INT64_C(-1000000000000001) } },
	  RECUR_EINVAL },
};

static void test_bad_input(void **state)
{
	size_t k;
	(void)state;
	for (k = 0; k < N(bad_cases); k++) {
		const struct bad_case *c = &bad_cases[k];
		struct billing_ledger_entry out[BILLING_LEDGER_ENTRIES_MAX];
		struct recur_err e;
		size_t n = 99;
		int rc;

		memset(&e, 0, sizeof(e));
		rc = billing_ledger_post(out, N(out), &n, &c->ev, &e);
		if (rc != c->rc)
			fail_msg("%s: rc %d, want %d (%s)", c->name, rc, c->rc, e.message);
		if (rc != 0) {
			if (n != 0 || e.status != 400 || !e.message[0])
				fail_msg("%s: n %zu status %d message '%s'", c->name, n, e.status,
					 e.message);
			/* The same without an error struct. */
			assert_int_equal(billing_ledger_post(out, N(out), &n, &c->ev, NULL), c->rc);
		}
	}
}

/*
 * An opening invoice's void is its finalization's exact mirror, whatever the
 * balance did to it, so that the two net every account to zero; the same
 * invoice with VAT is refused, not posted without it.
 */
static void test_opening_mirror(void **state)
{
	static const int64_t applied[] = { 0, 25000, -30000, 125000 };
	size_t k, i;
	(void)state;
	for (k = 0; k < N(applied); k++) {
		struct billing_ledger_event fin = {
			.type = BILLING_LEDGER_INVOICE_FINALIZED, .currency = "nok", .id = "in_open",
			.customer = CUS,
			.invoice = { .total = 125000, .amount_due = 125000 - applied[k],
				     .applied_balance = applied[k], .opening = true },
		};
		struct billing_ledger_event vd = fin;
		struct billing_ledger_entry a[BILLING_LEDGER_ENTRIES_MAX],
			b[BILLING_LEDGER_ENTRIES_MAX];
		size_t na = 99, nb = 99;
		int64_t adj = 0;

		vd.type = BILLING_LEDGER_INVOICE_VOIDED;
		assert_int_equal(billing_ledger_post(a, N(a), &na, &fin, NULL), 0);
		assert_int_equal(billing_ledger_post(b, N(b), &nb, &vd, NULL), 0);
		assert_int_equal(na, nb);
		for (i = 0; i < na; i++) {
			assert_int_equal(a[i].account, b[i].account);
			assert_int_equal(a[i].debit, b[i].credit);
			assert_int_equal(a[i].credit, b[i].debit);
			assert_int_equal(a[i].rate, NR);
			assert_true(a[i].account != REV && a[i].account != TAX);
			if (a[i].account == ADJ)
				adj += a[i].credit - a[i].debit;
		}
		/* adjustments takes the whole total, however it was paid for */
		assert_int_equal(adj, 125000);
	}
	{
		struct billing_ledger_event taxed = {
			.type = BILLING_LEDGER_INVOICE_FINALIZED, .currency = "nok", .id = "in_open",
			.customer = CUS,
			.invoice = { .total = 12500, .amount_due = 12500, .tax = tax_25_small,
				     .n_tax = 1, .opening = true },
		};
		struct billing_ledger_entry out[BILLING_LEDGER_ENTRIES_MAX];
		struct recur_err e;
		size_t n = 99;

		memset(&e, 0, sizeof(e));
		assert_int_equal(billing_ledger_post(out, N(out), &n, &taxed, &e), RECUR_EINVAL);
		assert_int_equal(n, 0);
		assert_string_equal(e.message, "An opening balance has no tax or revenue splits");
		/* the same invoice as an ordinary sale posts (the refusal is the opening's) */
		taxed.invoice.opening = false;
		assert_int_equal(billing_ledger_post(out, N(out), &n, &taxed, NULL), 0);
		assert_int_equal(n, 3);
	}
}

static void test_too_little_room(void **state)
{
	const struct billing_ledger_event *ev = &cases[0].ev; /* 6 entries */
	struct billing_ledger_entry out[6];
	struct recur_err e;
	size_t n = 99;
	(void)state;

	memset(&e, 0, sizeof(e));
	assert_int_equal(billing_ledger_post(out, 5, &n, ev, &e), RECUR_ETOOBIG);
	assert_int_equal(n, 0);
	assert_non_null(strstr(e.message, "holds 5 entries"));
	assert_int_equal(billing_ledger_post(NULL, 6, &n, ev, NULL), RECUR_ETOOBIG);
	assert_int_equal(billing_ledger_post(out, 6, &n, ev, NULL), 0);
	assert_int_equal(n, 6);
	/* The largest posting fits BILLING_LEDGER_ENTRIES_MAX. */
	{
		static struct billing_ledger_split t[BILLING_LEDGER_SPLITS_MAX],
			r[BILLING_LEDGER_SPLITS_MAX];
		struct billing_ledger_entry big[BILLING_LEDGER_ENTRIES_MAX];
		struct billing_ledger_event cn = {
			.type = BILLING_LEDGER_CREDIT_NOTE, .currency = "nok", .id = "cn_big",
			.customer = CUS,
		};
		size_t i;

		for (i = 0; i < BILLING_LEDGER_SPLITS_MAX; i++) {
			t[i] = (struct billing_ledger_split){ (int64_t)i * 10000, 1 };
			r[i] = (struct billing_ledger_split){ (int64_t)i * 10000, 10 };
		}
		cn.credit_note = (struct billing_ledger_credit_note){
			.total = 352, .pre_payment = 1, .refund = 1, .credit = 1, .out_of_band = 349,
			.tax = t, .n_tax = BILLING_LEDGER_SPLITS_MAX,
			.revenue = r, .n_revenue = BILLING_LEDGER_SPLITS_MAX,
		};
		assert_int_equal(billing_ledger_post(big, N(big), &n, &cn, NULL), 0);
		assert_int_equal(n, 4 + 2 * BILLING_LEDGER_SPLITS_MAX);
		assert_int_equal(billing_ledger_check(big, n, NULL), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_templates),
		cmocka_unit_test(test_currency_case),
		cmocka_unit_test(test_customer_life),
		cmocka_unit_test(test_check_unbalanced),
		cmocka_unit_test(test_check_streaming),
		cmocka_unit_test(test_check_malformed),
		cmocka_unit_test(test_check_overflow),
		cmocka_unit_test(test_customer_balance_filters),
		cmocka_unit_test(test_source_bad),
		cmocka_unit_test(test_chart),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_opening_mirror),
		cmocka_unit_test(test_too_little_room),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
