/*
 * Tests for billing/invoice: subtotal, discounts (percent, amount, stacked,
 * larger than the invoice, other currency, non-discountable lines), tax after
 * discounts (exclusive, inclusive, several rates, default rates), proration
 * credits, the customer balance (credit used across two invoices, debt added,
 * a negative total credited), coupons over six monthly renewals, per-line
 * allocations that add up exactly, overflow and bad input. Every expected
 * amount is a literal worked out by hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "billing/invoice.h"
#include "core/calendar.h"
#include "core/err.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define PCT(x) ((int64_t)(x) * 10000) /* whole percent in tax ten-thousandths */

/* 2026-01-31 and the five monthly boundaries anchored on it (calendar.timegm). */
#define JAN31 INT64_C(1769817600)
#define FEB28 INT64_C(1772236800)
#define MAR31 INT64_C(1774915200)
#define APR30 INT64_C(1777507200)
#define MAY31 INT64_C(1780185600)
#define JUN30 INT64_C(1782777600)

static const struct billing_coupon pct10 = { .percent_off = 1000,
					     .duration = BILLING_COUPON_FOREVER };
static const struct billing_coupon pct20 = { .percent_off = 2000,
					     .duration = BILLING_COUPON_FOREVER };
static const struct billing_coupon pct25 = { .percent_off = 2500,
					     .duration = BILLING_COUPON_FOREVER };
static const struct billing_coupon pct50 = { .percent_off = 5000,
					     .duration = BILLING_COUPON_ONCE };
static const struct billing_coupon usd5 = { .amount_off = 500, .currency = "usd",
					    .duration = BILLING_COUPON_FOREVER };
static const struct billing_coupon usd10 = { .amount_off = 1000, .currency = "USD",
					     .duration = BILLING_COUPON_ONCE };
static const struct billing_coupon usd150 = { .amount_off = 15000, .currency = "usd",
					      .duration = BILLING_COUPON_FOREVER };
static const struct billing_coupon eur5 = { .amount_off = 500, .currency = "eur",
					    .duration = BILLING_COUPON_FOREVER };

#define MAXL 4
#define MAXD 3

struct line_spec {
	int64_t amount;
	bool discountable;
	size_t n_rates;
	size_t r[2];
	/* want */
	int64_t disc[MAXD];
	int64_t excl;  /* amount_excluding_tax */
	int64_t after; /* after discounts */
	int64_t tax[2];
};

struct disc_spec {
	const struct billing_coupon *c;
	bool applied;
	int64_t amount;
};

struct totals {
	int64_t subtotal, subtotal_excl, discount, incl, excl, total, total_excl;
	int64_t applied, ending, due;
};

struct inv_case {
	const char *name;
	size_t n_rates;
	struct billing_tax_rate rates[3];
	size_t n_defaults;
	size_t defaults[2];
	size_t n_discounts;
	struct disc_spec d[MAXD];
	size_t n_lines;
	struct line_spec l[MAXL];
	int64_t balance;
	struct totals want;
};

/* Lines without rates of their own: the defaults apply. */
#define D true, 0, { 0 }
#define ND false, 0, { 0 }

static const struct inv_case inv_cases[] = {
	{ "25 % off 100.00",
	  0, { { 0 } }, 0, { 0 },
	  1, { { &pct25, true, 2500 } },
	  1, { { 10000, D, { 2500 }, 10000, 7500, { 0 } } },
	  0, { 10000, 10000, 2500, 0, 0, 7500, 7500, 0, 0, 7500 } },
	{ "10.00 off 100.00, coupon currency in upper case",
	  0, { { 0 } }, 0, { 0 },
	  1, { { &usd10, true, 1000 } },
	  2, { { 6000, D, { 600 }, 6000, 5400, { 0 } },
	       { 4000, D, { 400 }, 4000, 3600, { 0 } } },
	  0, { 10000, 10000, 1000, 0, 0, 9000, 9000, 0, 0, 9000 } },
	/* 10 % of 100.00 = 10.00; 5.00 of the 90.00 left; 20 % of the 85.00 left = 17.00 */
	{ "three discounts stacked in order",
	  0, { { 0 } }, 0, { 0 },
	  3, { { &pct10, true, 1000 }, { &usd5, true, 500 }, { &pct20, true, 1700 } },
	  2, { { 6000, D, { 600, 300, 1020 }, 6000, 4080, { 0 } },
	       { 4000, D, { 400, 200, 680 }, 4000, 2720, { 0 } } },
	  0, { 10000, 10000, 3200, 0, 0, 6800, 6800, 0, 0, 6800 } },
	{ "the same discounts in the other order",
	  0, { { 0 } }, 0, { 0 },
	  3, { { &pct20, true, 2000 }, { &usd5, true, 500 }, { &pct10, true, 750 } },
	  2, { { 6000, D, { 1200, 300, 450 }, 6000, 4050, { 0 } },
	       { 4000, D, { 800, 200, 300 }, 4000, 2700, { 0 } } },
	  0, { 10000, 10000, 3250, 0, 0, 6750, 6750, 0, 0, 6750 } },
	{ "amount_off larger than the subtotal stops at zero",
	  0, { { 0 } }, 0, { 0 },
	  2, { { &usd150, true, 10000 }, { &usd5, true, 0 } },
	  1, { { 10000, D, { 10000, 0 }, 10000, 0, { 0 } } },
	  0, { 10000, 10000, 10000, 0, 0, 0, 0, 0, 0, 0 } },
	{ "an amount_off coupon in another currency is skipped",
	  0, { { 0 } }, 0, { 0 },
	  2, { { &eur5, false, 0 }, { &pct10, true, 1000 } },
	  1, { { 10000, D, { 0, 1000 }, 10000, 9000, { 0 } } },
	  0, { 10000, 10000, 1000, 0, 0, 9000, 9000, 0, 0, 9000 } },
	{ "a non-discountable line keeps its price",
	  0, { { 0 } }, 0, { 0 },
	  2, { { &pct50, true, 5000 }, { &usd5, true, 500 } },
	  2, { { 10000, D, { 5000, 500 }, 10000, 4500, { 0 } },
	       { 5000, ND, { 0, 0 }, 5000, 5000, { 0 } } },
	  0, { 15000, 15000, 5500, 0, 0, 9500, 9500, 0, 0, 9500 } },
	{ "25 % VAT exclusive on 100.00",
	  1, { { PCT(25), false } }, 1, { 0 },
	  0, { { 0 } },
	  1, { { 10000, D, { 0 }, 10000, 10000, { 2500 } } },
	  0, { 10000, 10000, 0, 0, 2500, 12500, 10000, 0, 0, 12500 } },
	{ "25 % VAT inclusive in 125.00",
	  1, { { PCT(25), true } }, 1, { 0 },
	  0, { { 0 } },
	  1, { { 12500, D, { 0 }, 10000, 12500, { 2500 } } },
	  0, { 12500, 10000, 0, 2500, 0, 12500, 10000, 0, 0, 12500 } },
	{ "discount before exclusive tax",
	  1, { { PCT(25), false } }, 1, { 0 },
	  1, { { &pct20, true, 2000 } },
	  1, { { 10000, D, { 2000 }, 10000, 8000, { 2000 } } },
	  0, { 10000, 10000, 2000, 0, 2000, 10000, 8000, 0, 0, 10000 } },
	/* 125.00 less 20 % = 100.00, which holds 20.00 of VAT on 80.00 */
	{ "discount before inclusive tax",
	  1, { { PCT(25), true } }, 1, { 0 },
	  1, { { &pct20, true, 2500 } },
	  1, { { 12500, D, { 2500 }, 10000, 10000, { 2000 } } },
	  0, { 12500, 10000, 2500, 2000, 0, 10000, 8000, 0, 0, 10000 } },
	{ "12 % and 25 % on different lines; defaults for lines without rates",
	  2, { { PCT(25), false }, { PCT(12), false } }, 1, { 0 },
	  0, { { 0 } },
	  2, { { 10000, false, 0, { 0 }, { 0 }, 10000, 10000, { 2500 } },
	       { 10000, false, 1, { 1 }, { 0 }, 10000, 10000, { 1200 } } },
	  0, { 20000, 20000, 0, 0, 3700, 23700, 20000, 0, 0, 23700 } },
	{ "two rates on one line",
	  2, { { PCT(25), false }, { PCT(5), false } }, 0, { 0 },
	  0, { { 0 } },
	  1, { { 10000, false, 2, { 0, 1 }, { 0 }, 10000, 10000, { 2500, 500 } } },
	  0, { 10000, 10000, 0, 0, 3000, 13000, 10000, 0, 0, 13000 } },
	{ "three lines of 0.33 at 25 %: 0.25 on 0.99, not 3 x 0.08",
	  1, { { PCT(25), false } }, 1, { 0 },
	  0, { { 0 } },
	  3, { { 33, D, { 0 }, 33, 33, { 9 } },
	       { 33, D, { 0 }, 33, 33, { 8 } },
	       { 33, D, { 0 }, 33, 33, { 8 } } },
	  0, { 99, 99, 0, 0, 25, 124, 99, 0, 0, 124 } },
	/*
	 * An upgrade at mid-period: -50.00 for the unused old price, +100.00 for
	 * the rest on the new one, +200.00 for the next period; 10 % off and 25 %
	 * VAT. The credit carries its share of the discount and of the tax.
	 */
	{ "proration credit mixed with charges",
	  1, { { PCT(25), false } }, 1, { 0 },
	  1, { { &pct10, true, 2500 } },
	  3, { { -5000, D, { -500 }, -5000, -4500, { -1125 } },
	       { 10000, D, { 1000 }, 10000, 9000, { 2250 } },
	       { 20000, D, { 2000 }, 20000, 18000, { 4500 } } },
	  0, { 25000, 25000, 2500, 0, 5625, 28125, 22500, 0, 0, 28125 } },
	/* Only a credit: the invoice total is negative and goes to the balance. */
	{ "a negative total is credited to the balance",
	  1, { { PCT(25), false } }, 1, { 0 },
	  1, { { &usd5, true, 0 } },
	  1, { { -5000, D, { 0 }, -5000, -5000, { -1250 } } },
	  0, { -5000, -5000, 0, 0, -1250, -6250, -5000, -6250, -6250, 0 } },
	{ "a credit balance larger than the total",
	  0, { { 0 } }, 0, { 0 },
	  0, { { 0 } },
	  1, { { 10000, D, { 0 }, 10000, 10000, { 0 } } },
	  -15000, { 10000, 10000, 0, 0, 0, 10000, 10000, 10000, -5000, 0 } },
	{ "a debt is added to what is due",
	  1, { { PCT(25), false } }, 1, { 0 },
	  0, { { 0 } },
	  1, { { 10000, D, { 0 }, 10000, 10000, { 2500 } } },
	  3000, { 10000, 10000, 0, 0, 2500, 12500, 10000, -3000, 0, 15500 } },
	{ "no lines: a debt alone is due",
	  0, { { 0 } }, 0, { 0 },
	  1, { { &pct10, true, 0 } },
	  0, { { 0 } },
	  700, { 0, 0, 0, 0, 0, 0, 0, -700, 0, 700 } },
};

static void run(const struct inv_case *c, struct billing_invoice *out,
		struct billing_invoice_line_result *lr)
{
	struct billing_invoice_line lines[MAXL];
	struct billing_discount discounts[MAXD];
	struct billing_invoice_input in;
	struct recur_err e;
	size_t i;

	memset(&in, 0, sizeof(in));
	memset(lines, 0, sizeof(lines));
	memcpy(in.currency, "usd", 4);
	in.period_start = JAN31;
	for (i = 0; i < c->n_lines; i++) {
		lines[i].amount = c->l[i].amount;
		lines[i].quantity = 1;
		lines[i].discountable = c->l[i].discountable;
		lines[i].proration = c->l[i].amount < 0;
		lines[i].period_start = JAN31;
		lines[i].period_end = FEB28;
		lines[i].n_tax_rates = c->l[i].n_rates;
		lines[i].tax_rates[0] = c->l[i].r[0];
		lines[i].tax_rates[1] = c->l[i].r[1];
	}
	for (i = 0; i < c->n_discounts; i++)
		discounts[i] = (struct billing_discount){ .coupon = c->d[i].c, .start = JAN31 };
	in.lines = lines;
	in.n_lines = c->n_lines;
	in.discounts = discounts;
	in.n_discounts = c->n_discounts;
	in.tax_rates = c->rates;
	in.n_tax_rates = c->n_rates;
	in.n_default_tax_rates = c->n_defaults;
	memcpy(in.default_tax_rates, c->defaults, sizeof(c->defaults));
	in.starting_balance = c->balance;
	memset(out, 0xA5, sizeof(*out));
	memset(lr, 0xA5, MAXL * sizeof(*lr));
	memset(&e, 0, sizeof(e));
	int rc = billing_invoice_assemble(out, lr, &in, &e);
	if (rc != 0)
		fail_msg("%s: rc %d %s", c->name, rc, e.message);
}

#define EQ(what, got, want)                                                              \
	do {                                                                             \
		if ((int64_t)(got) != (int64_t)(want))                                   \
			fail_msg("%s: %s is %lld, want %lld", c->name, what,              \
				 (long long)(got), (long long)(want));                    \
	} while (0)

static void test_cases(void **state)
{
	size_t k, i, d, j;
	(void)state;
	for (k = 0; k < N(inv_cases); k++) {
		const struct inv_case *c = &inv_cases[k];
		struct billing_invoice out;
		struct billing_invoice_line_result lr[MAXL];
		int64_t disc_sum[MAXD] = { 0 }, tax_sum = 0, all_tax;
		run(c, &out, lr);
		EQ("subtotal", out.subtotal, c->want.subtotal);
		EQ("subtotal_excluding_tax", out.subtotal_excluding_tax, c->want.subtotal_excl);
		EQ("total_discount", out.total_discount, c->want.discount);
		EQ("inclusive tax", out.tax.inclusive, c->want.incl);
		EQ("exclusive tax", out.tax.exclusive, c->want.excl);
		EQ("total", out.total, c->want.total);
		EQ("total_excluding_tax", out.total_excluding_tax, c->want.total_excl);
		EQ("starting_balance", out.starting_balance, c->balance);
		EQ("applied_balance", out.applied_balance, c->want.applied);
		EQ("ending_balance", out.ending_balance, c->want.ending);
		EQ("amount_due", out.amount_due, c->want.due);
		EQ("n_discounts", out.n_discounts, c->n_discounts);
		for (d = 0; d < c->n_discounts; d++) {
			EQ("discount applied", out.discounts[d].applied, c->d[d].applied);
			EQ("discount amount", out.discounts[d].amount, c->d[d].amount);
		}
		for (i = 0; i < c->n_lines; i++) {
			const struct line_spec *l = &c->l[i];
			for (d = 0; d < c->n_discounts; d++) {
				EQ("line discount", lr[i].discount_amounts[d], l->disc[d]);
				disc_sum[d] += lr[i].discount_amounts[d];
			}
			EQ("line amount_excluding_tax", lr[i].amount_excluding_tax, l->excl);
			EQ("line after discounts", lr[i].tax.amount, l->after);
			for (j = 0; j < lr[i].tax.n_rates; j++) {
				EQ("line tax", lr[i].tax.amounts[j].amount, l->tax[j]);
				tax_sum += lr[i].tax.amounts[j].amount;
			}
		}
		/* The lines add up to the invoice, to the minor unit. */
		for (d = 0; d < c->n_discounts; d++)
			EQ("sum of line discounts", disc_sum[d], out.discounts[d].amount);
		all_tax = 0;
		for (j = 0; j < out.tax.n; j++)
			all_tax += out.tax.amounts[j].amount;
		EQ("sum of line taxes", tax_sum, all_tax);
		EQ("sum of rate taxes", all_tax, out.tax.inclusive + out.tax.exclusive);
		/* Stripe's identities. */
		EQ("total identity", out.total,
		   out.subtotal - out.total_discount + out.tax.exclusive);
		EQ("amount_due identity", out.amount_due, out.total - out.applied_balance);
		EQ("balance identity", out.ending_balance,
		   out.starting_balance + out.applied_balance);
	}
}

static void assemble_one(struct billing_invoice *out, int64_t amount, int64_t balance,
			 const struct billing_discount *d, size_t n_d, int64_t period_start)
{
	struct billing_invoice_line line = { .amount = amount, .quantity = 1,
					     .discountable = true,
					     .period_start = period_start,
					     .period_end = period_start };
	struct billing_invoice_input in = {
		.currency = "usd", .period_start = period_start, .lines = &line, .n_lines = 1,
		.discounts = d, .n_discounts = n_d, .starting_balance = balance,
	};
	struct billing_invoice_line_result lr;
	assert_int_equal(billing_invoice_assemble(out, &lr, &in, NULL), 0);
}

/* Credit -150.00 consumed across two invoices of 100.00. */
static void test_credit_across_two_invoices(void **state)
{
	struct billing_invoice a, b;
	(void)state;
	assemble_one(&a, 10000, -15000, NULL, 0, JAN31);
	assert_int_equal(a.total, 10000);
	assert_int_equal(a.amount_due, 0);
	assert_int_equal(a.applied_balance, 10000);
	assert_int_equal(a.ending_balance, -5000);
	assemble_one(&b, 10000, a.ending_balance, NULL, 0, FEB28);
	assert_int_equal(b.starting_balance, -5000);
	assert_int_equal(b.amount_due, 5000);
	assert_int_equal(b.applied_balance, 5000);
	assert_int_equal(b.ending_balance, 0);
}

static void test_balance_table(void **state)
{
	static const struct {
		int64_t total, balance, due, ending, applied;
	} cases[] = {
		{ 10000, -15000, 0, -5000, 10000 },   /* credit left over */
		{ 10000, -5000, 5000, 0, 5000 },      /* credit used up */
		{ 10000, -10000, 0, 0, 10000 },       /* exactly */
		{ 10000, 0, 10000, 0, 0 },
		{ 10000, 3000, 13000, 0, -3000 },     /* debt added */
		{ 0, 0, 0, 0, 0 },
		{ 0, -300, 0, -300, 0 },
		{ 0, 300, 300, 0, -300 },
		{ -5000, 0, 0, -5000, -5000 },        /* negative total credited */
		{ -5000, -1000, 0, -6000, -5000 },
		{ -5000, 3000, 0, -2000, -5000 },     /* the credit pays the debt first */
		{ -5000, 8000, 3000, 0, -8000 },
		{ INT64_MAX, INT64_MIN, 0, -1, INT64_MAX },
	};
	size_t i;
	(void)state;
	for (i = 0; i < N(cases); i++) {
		struct billing_invoice out;
		assemble_one(&out, cases[i].total, cases[i].balance, NULL, 0, JAN31);
		if (out.amount_due != cases[i].due || out.ending_balance != cases[i].ending ||
		    out.applied_balance != cases[i].applied)
			fail_msg("case %zu: due %lld ending %lld applied %lld", i,
				 (long long)out.amount_due, (long long)out.ending_balance,
				 (long long)out.applied_balance);
	}
}

/*
 * A 100.00 monthly subscription from Jan 31 with 25 % off, renewed six times:
 * once discounts the first invoice, repeating 3 the first three, forever all.
 * The caller counts applications of a once discount from `applied`.
 */
static void test_six_renewals(void **state)
{
	static const int64_t periods[6] = { JAN31, FEB28, MAR31, APR30, MAY31, JUN30 };
	static const struct {
		enum billing_coupon_duration duration;
		int64_t months;
		int64_t due[6];
	} plans[] = {
		{ BILLING_COUPON_ONCE, 0, { 7500, 10000, 10000, 10000, 10000, 10000 } },
		{ BILLING_COUPON_REPEATING, 3, { 7500, 7500, 7500, 10000, 10000, 10000 } },
		{ BILLING_COUPON_FOREVER, 0, { 7500, 7500, 7500, 7500, 7500, 7500 } },
	};
	size_t p, k;
	(void)state;
	for (p = 0; p < N(plans); p++) {
		struct billing_coupon c = { .percent_off = 2500, .duration = plans[p].duration,
					    .duration_in_months = plans[p].months };
		struct billing_discount d = { .coupon = &c, .start = JAN31 };
		for (k = 0; k < 6; k++) {
			struct billing_invoice out;
			assemble_one(&out, 10000, 0, &d, 1, periods[k]);
			if (out.amount_due != plans[p].due[k])
				fail_msg("plan %zu renewal %zu: due %lld", p, k,
					 (long long)out.amount_due);
			assert_int_equal(out.discounts[0].applied, plans[p].due[k] == 7500);
			if (out.discounts[0].applied)
				d.times_applied++;
		}
	}
}

/*
 * Many lines, three stacked discounts, three rates (one inclusive), a credit
 * here and there: every line column adds up to its invoice amount exactly.
 */
static void test_allocations_add_up(void **state)
{
	enum { L = 37 };
	static const struct billing_tax_rate rates[] = { { PCT(25), false },
							 { 125000, false },
							 { PCT(15), true } };
	const struct billing_discount ds[] = { { .coupon = &pct10 }, { .coupon = &usd5 },
					       { .coupon = &pct25 } };
	struct billing_invoice_line lines[L];
	struct billing_invoice_line_result lr[L];
	struct billing_invoice out;
	struct billing_invoice_input in = {
		.currency = "usd", .period_start = JAN31, .lines = lines, .n_lines = L,
		.discounts = ds, .n_discounts = 3, .tax_rates = rates, .n_tax_rates = 3,
		.n_default_tax_rates = 1, .default_tax_rates = { 0 },
	};
	int64_t disc[3] = { 0 }, tax[3] = { 0 }, after = 0, net = 0, excl = 0;
	size_t i, j;
	(void)state;
	memset(lines, 0, sizeof(lines));
	for (i = 0; i < L; i++) {
		lines[i].amount = (int64_t)((i * 7919) % 2000) - (i % 5 == 0 ? 2500 : 0);
		lines[i].quantity = (int64_t)i;
		lines[i].discountable = i % 7 != 3;
		lines[i].n_tax_rates = i % 3;
		lines[i].tax_rates[0] = i % 2 ? 2 : 1;
		lines[i].tax_rates[1] = i % 2 ? 1 : 0;
	}
	assert_int_equal(billing_invoice_assemble(&out, lr, &in, NULL), 0);
	for (i = 0; i < L; i++) {
		int64_t line_disc = 0;
		for (j = 0; j < 3; j++) {
			disc[j] += lr[i].discount_amounts[j];
			line_disc += lr[i].discount_amounts[j];
		}
		if (!lines[i].discountable)
			assert_int_equal(line_disc, 0);
		assert_int_equal(lr[i].tax.amount, lines[i].amount - line_disc);
		for (j = 0; j < lr[i].tax.n_rates; j++)
			tax[lr[i].tax.amounts[j].rate] += lr[i].tax.amounts[j].amount;
		after += lr[i].tax.amount;
		net += lr[i].tax.net;
		excl += lr[i].amount_excluding_tax;
	}
	for (j = 0; j < 3; j++) {
		assert_true(out.discounts[j].applied);
		assert_int_equal(disc[j], out.discounts[j].amount);
	}
	assert_int_equal(out.tax.n, 3);
	for (j = 0; j < out.tax.n; j++)
		assert_int_equal(tax[out.tax.amounts[j].rate], out.tax.amounts[j].amount);
	assert_int_equal(after, out.subtotal - out.total_discount);
	assert_int_equal(net, out.total_excluding_tax);
	assert_int_equal(excl, out.subtotal_excluding_tax);
	assert_int_equal(out.total, out.subtotal - out.total_discount + out.tax.exclusive);
}

static void test_overflow(void **state)
{
	static const struct billing_tax_rate rates[] = { { PCT(25), false }, { PCT(100), true } };
	static const struct {
		int64_t amount[3];
		bool discountable[3];
		size_t n_lines;
		bool taxed;
		int64_t balance;
	} cases[] = {
		{ { INT64_MAX, 1 }, { true, true }, 2, false, 0 },            /* subtotal */
		{ { -10, INT64_MAX, 1 }, { false, true, true }, 3, false, 0 }, /* discount base */
		{ { INT64_MAX }, { true }, 1, true, 0 },                       /* total with tax */
		{ { 1 }, { true }, 1, false, INT64_MAX },                      /* balance */
		{ { INT64_MIN }, { false }, 1, false, -1 },                    /* balance */
		/*
		 * subtotal_excluding_tax: the credit shrinks by its inclusive tax
		 * (-100 holds -50 at 100 %) while the charges do not.
		 */
		{ { INT64_MAX - 10, -100, 80 }, { false, false, false }, 3, false, 0 },
	};
	const struct billing_discount d = { .coupon = &pct10 };
	size_t k;
	(void)state;
	for (k = 0; k < N(cases); k++) {
		struct billing_invoice_line lines[3];
		struct billing_invoice_line_result lr[3];
		struct billing_invoice out;
		struct recur_err e;
		struct billing_invoice_input in = {
			.currency = "usd", .period_start = JAN31, .lines = lines,
			.n_lines = cases[k].n_lines, .discounts = &d, .n_discounts = 1,
			.tax_rates = rates, .n_tax_rates = 2,
			.n_default_tax_rates = cases[k].taxed ? 1 : 0,
			.starting_balance = cases[k].balance,
		};
		memset(lines, 0, sizeof(lines));
		memset(&e, 0, sizeof(e));
		for (size_t i = 0; i < cases[k].n_lines; i++) {
			lines[i].amount = cases[k].amount[i];
			lines[i].discountable = cases[k].discountable[i];
			/* A credit carries the inclusive rate. */
			if (lines[i].amount == -100) {
				lines[i].n_tax_rates = 1;
				lines[i].tax_rates[0] = 1;
			}
		}
		int rc = billing_invoice_assemble(&out, lr, &in, &e);
		if (rc != RECUR_EOVERFLOW)
			fail_msg("case %zu: rc %d", k, rc);
		assert_string_equal(e.message, "Invoice amounts are too large");
		assert_int_equal(billing_invoice_assemble(&out, lr, &in, NULL), RECUR_EOVERFLOW);
	}
}

static void test_rejects(void **state)
{
	static const struct billing_tax_rate vat = { PCT(25), false };
	static const struct billing_tax_rate bad_rate = { PCT(125), false };
	static const struct billing_coupon malformed = { .percent_off = 2500,
							 .amount_off = 100,
							 .currency = "usd" };
	static const struct billing_coupon repeating = { .percent_off = 2500,
							 .duration = BILLING_COUPON_REPEATING,
							 .duration_in_months = 1 };
	struct billing_discount many[BILLING_DISCOUNTS_MAX + 1];
	size_t k;
	(void)state;
	for (k = 0; k < N(many); k++)
		many[k] = (struct billing_discount){ .coupon = &pct10 };
	for (k = 0; k < 15; k++) {
		struct billing_invoice_line line = { .amount = 100, .quantity = 1,
						     .period_start = JAN31, .period_end = FEB28 };
		struct billing_invoice_line_result lr;
		struct billing_invoice_line_result *lrp = &lr;
		struct billing_invoice out;
		struct recur_err e;
		struct billing_discount nocoupon = { .coupon = NULL };
		struct billing_discount badcoupon = { .coupon = &malformed };
		/* Its end, a month after the last representable second, does not exist. */
		struct billing_discount late = { .coupon = &repeating, .start = CALENDAR_MAX_T };
		struct billing_invoice_input in = {
			.currency = "usd", .period_start = JAN31, .lines = &line, .n_lines = 1,
			.tax_rates = &vat, .n_tax_rates = 1,
		};
		switch (k) {
		case 0: memcpy(in.currency, "zzz", 4); break;
		case 1: in.discounts = many; in.n_discounts = N(many); break;
		case 2: in.discounts = NULL; in.n_discounts = 1; break;
		case 3: in.discounts = &nocoupon; in.n_discounts = 1; break;
		case 4: in.discounts = &badcoupon; in.n_discounts = 1; break;
		case 5: in.n_default_tax_rates = BILLING_TAX_RATES_PER_LINE + 1; break;
		case 6: line.quantity = -1; break;
		case 7: line.period_end = JAN31 - 1; break;
		case 8: line.n_tax_rates = BILLING_TAX_RATES_PER_LINE + 1; break;
		case 9: line.n_tax_rates = 1; line.tax_rates[0] = 1; break;   /* no such rate */
		case 10: in.tax_rates = &bad_rate; line.n_tax_rates = 1; break;
		case 11: in.lines = NULL; break;
		case 12: lrp = NULL; break;
		case 13: in.tax_rates = NULL; break;
		case 14: in.discounts = &late; in.n_discounts = 1; break;
		}
		memset(&e, 0, sizeof(e));
		int rc = billing_invoice_assemble(&out, lrp, &in, &e);
		if (rc != RECUR_EINVAL)
			fail_msg("case %zu: rc %d", k, rc);
		assert_true(e.message[0] != '\0');
		assert_string_equal(e.param, "");
		assert_int_equal(e.status, 400);
		assert_int_equal(billing_invoice_assemble(&out, lrp, &in, NULL), RECUR_EINVAL);
	}
	/* Exactly the maximum number of discounts is fine. */
	{
		struct billing_invoice out;
		struct billing_invoice_input in = { .currency = "usd", .discounts = many,
						    .n_discounts = BILLING_DISCOUNTS_MAX };
		assert_int_equal(billing_invoice_assemble(&out, NULL, &in, NULL), 0);
		assert_int_equal(out.n_discounts, BILLING_DISCOUNTS_MAX);
		assert_int_equal(out.total, 0);
	}
}

/* The discounted amounts Stripe prorates: each discount shared as on an invoice. */
static void test_net_amounts(void **state)
{
	static const struct billing_coupon nok2000 = { .amount_off = 2000, .currency = "nok",
						       .duration = BILLING_COUPON_FOREVER };
	const struct billing_discount both[] = { { .coupon = &pct10 }, { .coupon = &nok2000 } };
	const struct billing_discount used[] = { { .coupon = &pct50, .times_applied = 1 } };
	const int64_t amounts[] = { 10000, 5000 };
	int64_t net[2];
	(void)state;
	/* 10 % of 150.00 is 10.00 + 5.00; 20.00 of the 135.00 left is 13.33 + 6.67. */
	assert_int_equal(billing_invoice_net_amounts(net, amounts, 2, "nok", JAN31, both, 2, NULL), 0);
	assert_int_equal(net[0], 7667);
	assert_int_equal(net[1], 3833);
	/* A 20.00 NOK coupon does not apply in USD; a used "once" does not apply at all. */
	assert_int_equal(billing_invoice_net_amounts(net, amounts, 2, "usd", JAN31, both, 2, NULL), 0);
	assert_int_equal(net[0], 9000);
	assert_int_equal(net[1], 4500);
	assert_int_equal(billing_invoice_net_amounts(net, amounts, 2, "usd", JAN31, used, 1, NULL), 0);
	assert_int_equal(net[0], 10000);
	assert_int_equal(net[1], 5000);
	assert_int_equal(billing_invoice_net_amounts(net, amounts, BILLING_NET_AMOUNTS_MAX + 1, "usd",
						     JAN31, NULL, 0, NULL), RECUR_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_credit_across_two_invoices),
		cmocka_unit_test(test_balance_table),
		cmocka_unit_test(test_six_renewals),
		cmocka_unit_test(test_allocations_add_up),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_net_amounts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
