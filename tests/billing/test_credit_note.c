/*
 * Tests for billing/credit_note: the cumulative share of discounts and taxes
 * (parts that add up to the whole however they round), credit by quantity,
 * the totals in Stripe's terms, the pre/post payment split and the limit.
 * Expected values are literal, worked out by hand with exact fractions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "billing/credit_note.h"
#include "core/err.h"

/* A line of 100.00 with a 10.00 discount and 25 % exclusive VAT on 90.00 (22.50). */
static const struct billing_cn_basis line = {
	.base = 10000, .discount = 1000, .n_taxes = 1,
	.taxes = { { .rate = 0, .inclusive = false, .taxable_amount = 9000, .amount = 2250 } },
};

static void test_share(void **state)
{
	struct billing_cn_share s;
	struct recur_err e;

	(void)state;
	/* Half of it: 5.00 discount, 11.25 VAT on 45.00. */
	assert_int_equal(billing_cn_share(&s, &line, 0, 5000, &e), 0);
	assert_int_equal(s.discount, 500);
	assert_int_equal(s.n_taxes, 1);
	assert_int_equal(s.taxes[0].amount, 1125);
	assert_int_equal(s.taxes[0].taxable_amount, 4500);
	assert_int_equal(s.exclusive_tax, 1125);
	assert_int_equal(s.inclusive_tax, 0);
	/* A third: 2250 x 1/3 = 750 exactly; 33.33 of 100.00: 2250 x 3333/10000 = 749.925 -> 750. */
	assert_int_equal(billing_cn_share(&s, &line, 0, 3333, &e), 0);
	assert_int_equal(s.taxes[0].amount, 750);
	assert_int_equal(s.discount, 333); /* 333.3 -> 333 */
}

/* Three credits of 33.33, 33.33 and 33.34 take back exactly 22.50 and 10.00. */
static void test_share_cumulative(void **state)
{
	static const int64_t parts[] = { 3333, 3333, 3334 };
	static const int64_t tax[] = { 750, 750, 750 };   /* 749.925, 1499.85 -> 1500, 2250 */
	static const int64_t disc[] = { 333, 334, 333 };  /* 333.3, 666.6 -> 667, 1000 */
	struct billing_cn_share s;
	int64_t before = 0, sum_tax = 0, sum_disc = 0;

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(billing_cn_share(&s, &line, before, parts[i], NULL), 0);
		assert_int_equal(s.taxes[0].amount, tax[i]);
		assert_int_equal(s.discount, disc[i]);
		sum_tax += s.taxes[0].amount;
		sum_disc += s.discount;
		before += parts[i];
	}
	assert_int_equal(sum_tax, 2250);
	assert_int_equal(sum_disc, 1000);
}

static void test_share_rejects(void **state)
{
	struct billing_cn_share s;
	struct recur_err e;
	struct billing_cn_basis bad = line;

	(void)state;
	assert_int_equal(billing_cn_share(&s, &line, 0, 0, &e), RECUR_EINVAL);
	assert_int_equal(billing_cn_share(&s, &line, 5000, 5001, &e), RECUR_EINVAL);
	assert_string_equal(e.param, "amount");
	assert_int_equal(billing_cn_share(&s, &line, -1, 10, &e), RECUR_EINVAL);
	bad.base = 0;
	assert_int_equal(billing_cn_share(&s, &bad, 0, 1, &e), RECUR_EINVAL);
	bad = line;
	bad.taxes[0].amount = -1;
	assert_int_equal(billing_cn_share(&s, &bad, 0, 1, &e), RECUR_EINVAL);
	assert_int_equal(billing_cn_share(&s, &line, INT64_MAX - 1, 5, &e), RECUR_EINVAL);
}

static void test_quantity(void **state)
{
	int64_t a;
	struct recur_err e;

	(void)state;
	assert_int_equal(billing_cn_quantity_amount(&a, 30000, 3, 1, &e), 0);
	assert_int_equal(a, 10000);
	/* A prorated 3-unit line of 100.00: one unit is 33.333... -> 33.33, two 66.67. */
	assert_int_equal(billing_cn_quantity_amount(&a, 10000, 3, 1, &e), 0);
	assert_int_equal(a, 3333);
	assert_int_equal(billing_cn_quantity_amount(&a, 10000, 3, 2, &e), 0);
	assert_int_equal(a, 6667);
	assert_int_equal(billing_cn_quantity_amount(&a, 10000, 3, 4, &e), RECUR_EINVAL);
	assert_string_equal(e.param, "quantity");
	assert_int_equal(billing_cn_quantity_amount(&a, 10000, 3, 0, &e), RECUR_EINVAL);
	assert_int_equal(billing_cn_quantity_amount(&a, 10000, 0, 1, &e), RECUR_EINVAL);
}

static void test_totals(void **state)
{
	/* 125.00 with 25 % inclusive VAT (25.00), no discount. */
	static const struct billing_cn_basis incl = {
		.base = 12500, .n_taxes = 1,
		.taxes = { { .rate = 1, .inclusive = true, .taxable_amount = 10000,
			     .amount = 2500 } },
	};
	struct billing_cn_share a, b;
	struct billing_cn_totals t;
	struct recur_err e;

	(void)state;
	billing_cn_totals_init(&t);
	assert_int_equal(billing_cn_share(&a, &line, 0, 4000, &e), 0);  /* 40.00: -4.00, +9.00 */
	assert_int_equal(billing_cn_totals_add(&t, 4000, &a, &e), 0);
	assert_int_equal(billing_cn_share(&b, &incl, 0, 12500, &e), 0); /* all of it */
	assert_int_equal(billing_cn_totals_add(&t, 12500, &b, &e), 0);
	assert_int_equal(t.subtotal, 16500);
	assert_int_equal(t.discount, 400);
	assert_int_equal(t.exclusive_tax, 900);
	assert_int_equal(t.inclusive_tax, 2500);
	assert_int_equal(t.total, 16500 - 400 + 900);
	assert_int_equal(t.total_excluding_tax, 17000 - 900 - 2500);
	assert_int_equal(t.subtotal_excluding_tax, 16500 - 2500);
	assert_int_equal(t.n_taxes, 2);
	assert_int_equal(t.taxes[0].rate, 0);
	assert_int_equal(t.taxes[0].amount, 900);
	assert_int_equal(t.taxes[1].rate, 1);
	assert_int_equal(t.taxes[1].amount, 2500);
	/* The same rate again merges. */
	assert_int_equal(billing_cn_totals_add(&t, 4000, &a, &e), 0);
	assert_int_equal(t.n_taxes, 2);
	assert_int_equal(t.taxes[0].amount, 1800);
	assert_int_equal(billing_cn_totals_add(&t, -1, &a, &e), RECUR_EINVAL);
}

/* 250.00 invoice: 200.00 + 25 % VAT 50.00. Crediting 100.00 of it takes 20.00 VAT. */
static void test_totals_of_amount(void **state)
{
	static const struct billing_cn_basis inv = {
		.base = 25000, .n_taxes = 1,
		.taxes = { { .rate = 0, .inclusive = false, .taxable_amount = 20000,
			     .amount = 5000 } },
	};
	struct billing_cn_totals t;
	struct recur_err e;

	(void)state;
	assert_int_equal(billing_cn_totals_of_amount(&t, &inv, 0, 10000, &e), 0);
	assert_int_equal(t.total, 10000);
	assert_int_equal(t.taxes[0].amount, 2000);
	assert_int_equal(t.taxes[0].taxable_amount, 8000);
	assert_int_equal(t.subtotal, 8000);
	assert_int_equal(t.total_excluding_tax, 8000);
	/* 0.01 of it: VAT 0.002 -> 0; then the rest (249.89) takes 49.98 - 0 ... exactly 50.00 in all. */
	assert_int_equal(billing_cn_totals_of_amount(&t, &inv, 10000, 1, &e), 0);
	assert_int_equal(t.taxes[0].amount, 0);
	assert_int_equal(t.total, 1);
	assert_int_equal(billing_cn_totals_of_amount(&t, &inv, 10001, 14999, &e), 0);
	assert_int_equal(t.taxes[0].amount, 3000);
	assert_int_equal(billing_cn_totals_of_amount(&t, &inv, 10001, 15000, &e), RECUR_EINVAL);
}

static void test_split(void **state)
{
	static const struct {
		int64_t total, remaining, refund, credit, oob;
		int rc;
		int64_t pre, post;
		const char *type, *param;
	} cases[] = {
		{ 5000, 10000, 0, 0, 0, 0, 5000, 0, "pre_payment", "" },
		{ 10000, 10000, 0, 0, 0, 0, 10000, 0, "pre_payment", "" },
		{ 10000, 0, 0, 10000, 0, 0, 0, 10000, "post_payment", "" },
		{ 10000, 0, 4000, 5000, 1000, 0, 0, 10000, "post_payment", "" },
		{ 10000, 3000, 0, 7000, 0, 0, 3000, 7000, "mixed", "" },
		{ 10000, -5, 0, 0, 10000, 0, 0, 10000, "post_payment", "" },
		{ 10000, 0, 0, 0, 0, RECUR_EINVAL, 0, 0, NULL, "out_of_band_amount" },
		{ 10000, 0, 0, 9999, 0, RECUR_EINVAL, 0, 0, NULL, "out_of_band_amount" },
		{ 10000, 0, 0, 10001, 0, RECUR_EINVAL, 0, 0, NULL, "credit_amount" },
		{ 10000, 0, 10001, 0, 0, RECUR_EINVAL, 0, 0, NULL, "refund_amount" },
		{ 5000, 10000, 0, 1, 0, RECUR_EINVAL, 0, 0, NULL, "credit_amount" },
		{ 0, 10000, 0, 0, 0, RECUR_EINVAL, 0, 0, NULL, "amount" },
		{ 100, 0, -1, 101, 0, RECUR_EINVAL, 0, 0, NULL, "amount" },
	};

	(void)state;
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct billing_cn_split s;
		struct recur_err e;
		int rc;

		err_clear(&e);
		rc = billing_cn_split(&s, cases[k].total, cases[k].remaining, cases[k].refund,
				      cases[k].credit, cases[k].oob, &e);
		if (rc != cases[k].rc)
			fail_msg("case %zu: rc %d, %s", k, rc, e.message);
		assert_string_equal(e.param, cases[k].param);
		if (rc < 0)
			continue;
		assert_int_equal(s.pre_payment, cases[k].pre);
		assert_int_equal(s.post_payment, cases[k].post);
		assert_string_equal(billing_cn_type(&s), cases[k].type);
	}
}

static void test_limit(void **state)
{
	struct recur_err e;

	(void)state;
	assert_int_equal(billing_cn_limit(12500, 0, 12500, &e), 0);
	assert_int_equal(billing_cn_limit(12500, 2500, 10000, &e), 0);
	assert_int_equal(billing_cn_limit(12500, 2500, 10001, &e), RECUR_EINVAL);
	assert_string_equal(e.param, "amount");
	assert_string_equal(e.message, "The credit note's total (10001) is greater than what the "
			    "invoice can still be credited (10000 of its total 12500)");
	assert_int_equal(billing_cn_limit(12500, 0, 0, &e), RECUR_EINVAL);
	assert_int_equal(billing_cn_limit(-100, 0, 1, &e), RECUR_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_share),
		cmocka_unit_test(test_share_cumulative),
		cmocka_unit_test(test_share_rejects),
		cmocka_unit_test(test_quantity),
		cmocka_unit_test(test_totals),
		cmocka_unit_test(test_totals_of_amount),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
