/*
 * Tests for billing/tax: exclusive and inclusive rates, several per line,
 * tax per rate on the sum of its lines rounded once (EN 16931 BR-CO-17) and
 * allocated back to the lines so that they add up exactly. Expected values
 * are literal and were worked out by hand with exact fractions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "billing/tax.h"
#include "core/err.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define SENTINEL INT64_C(0x5EED5EED5EED)

#define PCT(x) ((int64_t)(x) * 10000) /* whole percent to ten-thousandths */

static void test_rate_check(void **state)
{
	static const struct {
		int64_t percentage;
		int rc;
	} cases[] = {
		{ 0, 0 }, { 1, 0 }, { PCT(25), 0 }, { 125000, 0 }, { PCT(100), 0 },
		{ -1, RECUR_EINVAL }, { PCT(100) + 1, RECUR_EINVAL }, { INT64_MIN, RECUR_EINVAL },
	};
	size_t i;
	(void)state;
	for (i = 0; i < N(cases); i++) {
		struct billing_tax_rate r = { .percentage = cases[i].percentage };
		struct recur_err e;
		memset(&e, 0, sizeof(e));
		assert_int_equal(billing_tax_rate_check(&r, &e), cases[i].rc);
		assert_int_equal(billing_tax_rate_check(&r, NULL), cases[i].rc);
		if (cases[i].rc)
			assert_true(e.message[0] != '\0');
	}
}

static void test_exclusive(void **state)
{
	static const struct {
		int64_t taxable, pct;
		int rc;
		int64_t want;
	} cases[] = {
		{ 10000, PCT(25), 0, 2500 },   /* 25 % of 100.00 */
		{ 99, PCT(25), 0, 25 },        /* 24.75 */
		{ 33, PCT(25), 0, 8 },         /* 8.25 */
		{ 2, PCT(25), 0, 1 },          /* 0.5: half away from zero */
		{ -2, PCT(25), 0, -1 },
		{ -99, PCT(25), 0, -25 },
		{ 10000, PCT(12), 0, 1200 },
		{ 999, 125000, 0, 125 },       /* 12.5 % of 9.99 = 1.24875 */
		{ 10000, 0, 0, 0 },
		{ 0, PCT(25), 0, 0 },
		{ INT64_MAX, PCT(100), 0, INT64_MAX },
		{ INT64_MAX, PCT(200), RECUR_EOVERFLOW, SENTINEL },
	};
	size_t i;
	(void)state;
	for (i = 0; i < N(cases); i++) {
		int64_t out = SENTINEL;
		int rc = billing_tax_exclusive(&out, cases[i].taxable, cases[i].pct);
		if (rc != cases[i].rc || out != cases[i].want)
			fail_msg("case %zu: rc %d out %lld", i, rc, (long long)out);
	}
}

static void test_inclusive(void **state)
{
	static const struct {
		int64_t gross, pct, total;
		int rc;
		int64_t want;
	} cases[] = {
		{ 12500, PCT(25), PCT(25), 0, 2500 },    /* 125.00 holds 25.00 */
		{ 12500, PCT(10), PCT(25), 0, 1000 },    /* 10 % and 15 % inside 125.00 */
		{ 12500, PCT(15), PCT(25), 0, 1500 },
		{ 100, PCT(25), PCT(25), 0, 20 },
		{ 101, PCT(25), PCT(25), 0, 20 },        /* 20.2 */
		{ 103, PCT(25), PCT(25), 0, 21 },        /* 20.6 */
		{ -12500, PCT(25), PCT(25), 0, -2500 },
		{ 11200, PCT(12), PCT(12), 0, 1200 },
		{ 10000, 0, 0, 0, 0 },
		{ 12500, PCT(25), -PCT(100), RECUR_EINVAL, SENTINEL },   /* divisor 0 */
		{ 12500, PCT(25), INT64_MAX, RECUR_EINVAL, SENTINEL },   /* divisor overflows */
		{ INT64_MAX, PCT(100), PCT(100), 0, INT64_C(4611686018427387904) },
	};
	size_t i;
	(void)state;
	for (i = 0; i < N(cases); i++) {
		int64_t out = SENTINEL;
		int rc = billing_tax_inclusive(&out, cases[i].gross, cases[i].pct, cases[i].total);
		if (rc != cases[i].rc || out != cases[i].want)
			fail_msg("case %zu: rc %d out %lld", i, rc, (long long)out);
	}
}

#define MAXL 4
#define MAXR 4

struct want_line {
	int64_t amount;
	size_t n;
	size_t r[3];
	int64_t net;
	int64_t tax[3];
};

struct scenario {
	const char *name;
	size_t n_rates;
	struct billing_tax_rate rates[MAXR];
	size_t n_lines;
	struct want_line lines[MAXL];
	size_t n_totals;
	struct billing_tax_amount totals[MAXR]; /* rate, inclusive, taxable, amount */
	int64_t inclusive, exclusive;
};

static const struct scenario scenarios[] = {
	{ "25 % exclusive on 100.00",
	  1, { { PCT(25), false } },
	  1, { { 10000, 1, { 0 }, 10000, { 2500 } } },
	  1, { { 0, false, 10000, 2500 } }, 0, 2500 },
	{ "25 % inclusive in 125.00",
	  1, { { PCT(25), true } },
	  1, { { 12500, 1, { 0 }, 10000, { 2500 } } },
	  1, { { 0, true, 10000, 2500 } }, 2500, 0 },
	{ "12 % and 25 % on different lines",
	  2, { { PCT(12), false }, { PCT(25), false } },
	  3, { { 10000, 1, { 0 }, 10000, { 1200 } },
	       { 20000, 1, { 1 }, 20000, { 5000 } },
	       { 5000, 1, { 0 }, 5000, { 600 } } },
	  2, { { 0, false, 15000, 1800 }, { 1, false, 20000, 5000 } }, 0, 6800 },
	/* BR-CO-17: 25 % of 0.99 is 0.2475 -> 0.25; per line it would be 3 x 0.08 */
	{ "three lines of 0.33 at 25 %",
	  1, { { PCT(25), false } },
	  3, { { 33, 1, { 0 }, 33, { 9 } },
	       { 33, 1, { 0 }, 33, { 8 } },
	       { 33, 1, { 0 }, 33, { 8 } } },
	  1, { { 0, false, 99, 25 } }, 0, 25 },
	{ "two lines of 0.05 at 10 %: 0.01, not 2 x 0.01",
	  1, { { PCT(10), false } },
	  2, { { 5, 1, { 0 }, 5, { 1 } }, { 5, 1, { 0 }, 5, { 0 } } },
	  1, { { 0, false, 10, 1 } }, 0, 1 },
	{ "two exclusive rates on one line",
	  2, { { PCT(25), false }, { PCT(5), false } },
	  1, { { 10000, 2, { 0, 1 }, 10000, { 2500, 500 } } },
	  2, { { 0, false, 10000, 2500 }, { 1, false, 10000, 500 } }, 0, 3000 },
	{ "two inclusive rates in one line: 10 % and 15 % on the same net",
	  2, { { PCT(10), true }, { PCT(15), true } },
	  1, { { 12500, 2, { 1, 0 }, 10000, { 1500, 1000 } } },
	  2, { { 0, true, 10000, 1000 }, { 1, true, 10000, 1500 } }, 2500, 0 },
	{ "inclusive and exclusive on one line: the exclusive is on the net",
	  2, { { PCT(25), true }, { PCT(5), false } },
	  1, { { 12500, 2, { 0, 1 }, 10000, { 2500, 500 } } },
	  2, { { 0, true, 10000, 2500 }, { 1, false, 10000, 500 } }, 2500, 500 },
	{ "proration credit mixed with a charge",
	  1, { { PCT(25), false } },
	  2, { { 10000, 1, { 0 }, 10000, { 2500 } },
	       { -5000, 1, { 0 }, -5000, { -1250 } } },
	  1, { { 0, false, 5000, 1250 } }, 0, 1250 },
	{ "a credit only: rounding mirrors",
	  1, { { PCT(25), false } },
	  1, { { -9999, 1, { 0 }, -9999, { -2500 } } },
	  1, { { 0, false, -9999, -2500 } }, 0, -2500 },
	{ "inclusive credit",
	  1, { { PCT(25), true } },
	  2, { { -12500, 1, { 0 }, -10000, { -2500 } },
	       { 25000, 1, { 0 }, 20000, { 5000 } } },
	  1, { { 0, true, 10000, 2500 } }, 2500, 0 },
	{ "lines that cancel: no tax",
	  1, { { PCT(25), false } },
	  2, { { 5000, 1, { 0 }, 5000, { 0 } }, { -5000, 1, { 0 }, -5000, { 0 } } },
	  1, { { 0, false, 0, 0 } }, 0, 0 },
	/*
	 * Inclusive 25 % alone on lines 0 and 2 (one group: 2.02 -> 0.404 ->
	 * 0.40, split 0.20 / 0.20) and together with 5 % on line 1 (130.00 holds
	 * 25.00 and 5.00).
	 */
	{ "an inclusive rate with different companions",
	  2, { { PCT(25), true }, { PCT(5), true } },
	  3, { { 101, 1, { 0 }, 81, { 20 } },
	       { 13000, 2, { 0, 1 }, 10000, { 2500, 500 } },
	       { 101, 1, { 0 }, 81, { 20 } } },
	  2, { { 0, true, 10162, 2540 }, { 1, true, 10000, 500 } }, 3040, 0 },
	{ "zero rate, unused rate, untaxed line",
	  3, { { PCT(25), false }, { 0, false }, { PCT(12), true } },
	  2, { { 10000, 1, { 1 }, 10000, { 0 } }, { 700, 0, { 0 }, 700, { 0 } } },
	  1, { { 1, false, 10000, 0 } }, 0, 0 },
	{ "no lines",
	  1, { { PCT(25), false } },
	  0, { { 0 } },
	  0, { { 0 } }, 0, 0 },
};

static void check_scenario(const struct scenario *s, struct billing_tax_line *lines,
			   size_t stride, const struct billing_tax_result *out)
{
	size_t i, j;
	assert_int_equal(out->n, s->n_totals);
	for (i = 0; i < s->n_totals; i++) {
		const struct billing_tax_amount *a = &out->amounts[i], *w = &s->totals[i];
		if (a->rate != w->rate || a->inclusive != w->inclusive ||
		    a->taxable_amount != w->taxable_amount || a->amount != w->amount)
			fail_msg("%s: total %zu is rate %zu incl %d taxable %lld tax %lld", s->name,
				 i, a->rate, a->inclusive, (long long)a->taxable_amount,
				 (long long)a->amount);
	}
	assert_int_equal(out->inclusive, s->inclusive);
	assert_int_equal(out->exclusive, s->exclusive);
	for (i = 0; i < s->n_lines; i++) {
		const struct billing_tax_line *l =
			(const struct billing_tax_line *)(const void *)((const char *)lines +
									  i * stride);
		if (l->net != s->lines[i].net)
			fail_msg("%s: line %zu net %lld", s->name, i, (long long)l->net);
		for (j = 0; j < s->lines[i].n; j++) {
			const struct billing_tax_amount *a = &l->amounts[j];
			if (a->rate != s->lines[i].r[j] || a->amount != s->lines[i].tax[j] ||
			    a->taxable_amount != s->lines[i].net ||
			    a->inclusive != s->rates[s->lines[i].r[j]].inclusive)
				fail_msg("%s: line %zu rate %zu: %lld", s->name, i, j,
					 (long long)a->amount);
		}
	}
}

static void fill(struct billing_tax_line *l, const struct want_line *w)
{
	memset(l, 0xA5, sizeof(*l)); /* outputs must be written, not assumed zero */
	l->amount = w->amount;
	l->n_rates = w->n;
	memcpy(l->rates, w->r, sizeof(w->r));
}

static void test_scenarios(void **state)
{
	size_t k, i;
	(void)state;
	for (k = 0; k < N(scenarios); k++) {
		const struct scenario *s = &scenarios[k];
		struct billing_tax_line lines[MAXL];
		struct billing_tax_result out;
		struct recur_err e;
		for (i = 0; i < s->n_lines; i++)
			fill(&lines[i], &s->lines[i]);
		memset(&out, 0xA5, sizeof(out));
		memset(&e, 0, sizeof(e));
		int rc = billing_tax_compute(&out, lines, s->n_lines, sizeof(lines[0]), s->rates,
					     s->n_rates, &e);
		if (rc != 0)
			fail_msg("%s: rc %d %s", s->name, rc, e.message);
		check_scenario(s, lines, sizeof(lines[0]), &out);
	}
}

/* The lines may be members of a larger per-line struct, stride apart. */
struct wrapped {
	char before[13];
	struct billing_tax_line tax;
	int64_t after;
};

static void test_stride(void **state)
{
	size_t k, i;
	(void)state;
	for (k = 0; k < N(scenarios); k++) {
		const struct scenario *s = &scenarios[k];
		struct wrapped w[MAXL];
		struct billing_tax_result out;
		for (i = 0; i < s->n_lines; i++) {
			memset(w[i].before, 'x', sizeof(w[i].before));
			w[i].after = SENTINEL;
			fill(&w[i].tax, &s->lines[i]);
		}
		assert_int_equal(billing_tax_compute(&out, &w[0].tax, s->n_lines, sizeof(w[0]),
						     s->rates, s->n_rates, NULL), 0);
		check_scenario(s, &w[0].tax, sizeof(w[0]), &out);
		for (i = 0; i < s->n_lines; i++) {
			assert_int_equal(w[i].after, SENTINEL);
			assert_int_equal(w[i].before[0], 'x');
			assert_int_equal(w[i].before[12], 'x');
		}
	}
}

/* The allocated line taxes always add up to the rate's tax. */
static void test_many_lines_sum(void **state)
{
	struct billing_tax_rate rates[] = { { PCT(25), false }, { 125000, false },
					    { PCT(15), true } };
	struct billing_tax_line lines[50];
	struct billing_tax_result out;
	int64_t sum[3] = { 0 };
	size_t i, j;
	(void)state;
	for (i = 0; i < N(lines); i++) {
		memset(&lines[i], 0, sizeof(lines[i]));
		lines[i].amount = (int64_t)((i * 7919) % 1000) - 300; /* some credits */
		lines[i].n_rates = 1 + i % 2;
		lines[i].rates[0] = i % 3 == 0 ? 2 : 0;
		lines[i].rates[1] = 1;
	}
	assert_int_equal(billing_tax_compute(&out, lines, N(lines), sizeof(lines[0]), rates,
					     3, NULL), 0);
	for (i = 0; i < N(lines); i++)
		for (j = 0; j < lines[i].n_rates; j++)
			sum[lines[i].amounts[j].rate] += lines[i].amounts[j].amount;
	assert_int_equal(out.n, 3);
	for (i = 0; i < out.n; i++)
		assert_int_equal(sum[out.amounts[i].rate], out.amounts[i].amount);
}

static void test_rejects(void **state)
{
	static const struct billing_tax_rate ok[2] = { { PCT(25), false }, { PCT(12), true } };
	static const struct billing_tax_rate bad[2] = { { PCT(25), false }, { PCT(101), true } };
	struct billing_tax_rate many[BILLING_TAX_RATES_MAX + 1];
	static const struct {
		const struct billing_tax_rate *rates;
		size_t n_rates;
		size_t n;
		size_t r[BILLING_TAX_RATES_PER_LINE + 1];
	} cases[] = {
		{ bad, 2, 1, { 0 } },                                /* a bad rate */
		{ ok, 2, 1, { 2 } },                                 /* index outside */
		{ ok, 2, 2, { 1, 1 } },                              /* twice on a line */
		{ ok, 2, BILLING_TAX_RATES_PER_LINE + 1, { 0 } },    /* too many on a line */
		{ NULL, 0, 0, { 0 } },                               /* table too large */
	};
	size_t i;
	(void)state;
	memset(many, 0, sizeof(many));
	for (i = 0; i < N(cases); i++) {
		struct billing_tax_line l;
		struct billing_tax_result out;
		struct recur_err e;
		memset(&l, 0, sizeof(l));
		memset(&e, 0, sizeof(e));
		l.amount = 100;
		l.n_rates = cases[i].n;
		memcpy(l.rates, cases[i].r, sizeof(l.rates));
		int rc = billing_tax_compute(&out, &l, 1, sizeof(l),
					     cases[i].rates ? cases[i].rates : many,
					     cases[i].rates ? cases[i].n_rates : N(many), &e);
		if (rc != RECUR_EINVAL)
			fail_msg("case %zu: rc %d", i, rc);
		assert_true(e.message[0] != '\0');
		assert_string_equal(e.param, "");
		assert_int_equal(billing_tax_compute(&out, &l, 1, sizeof(l),
						     cases[i].rates ? cases[i].rates : many,
						     cases[i].rates ? cases[i].n_rates : N(many),
						     NULL), RECUR_EINVAL);
	}
	/* Exactly the maximum is fine. */
	{
		struct billing_tax_result out;
		assert_int_equal(billing_tax_compute(&out, NULL, 0, 0, many,
						     BILLING_TAX_RATES_MAX, NULL), 0);
		assert_int_equal(out.n, 0);
	}
}

static void test_overflow(void **state)
{
	static const struct {
		struct billing_tax_rate rates[3];
		size_t n_lines;
		int64_t amount[3];
		size_t n[3];
		size_t r[3][2];
	} cases[] = {
		/* exclusive taxable sum */
		{ { { PCT(25), false } }, 2, { INT64_MAX, 1 }, { 1, 1 }, { { 0 }, { 0 } } },
		/* inclusive group sum */
		{ { { PCT(25), true } }, 2, { INT64_MIN, -1 }, { 1, 1 }, { { 0 }, { 0 } } },
		/* one rate in two groups: each fits, the taxable sum does not */
		{ { { PCT(25), true }, { PCT(5), true } }, 2, { INT64_MAX, INT64_MAX },
		  { 1, 2 }, { { 0 }, { 0, 1 } } },
		/* three inclusive rates whose taxes each fit but not together */
		{ { { PCT(100), true }, { PCT(100), true }, { PCT(100), true } }, 3,
		  { INT64_MAX, INT64_MAX, INT64_MAX }, { 1, 1, 1 }, { { 0 }, { 1 }, { 2 } } },
		/* exclusive taxes that each fit but not together */
		{ { { PCT(100), false }, { PCT(100), false } }, 2,
		  { INT64_MAX, INT64_MAX }, { 1, 1 }, { { 0 }, { 1 } } },
	};
	size_t k, i;
	(void)state;
	for (k = 0; k < N(cases); k++) {
		struct billing_tax_line lines[3];
		struct billing_tax_result out;
		struct recur_err e;
		memset(lines, 0, sizeof(lines));
		memset(&e, 0, sizeof(e));
		for (i = 0; i < cases[k].n_lines; i++) {
			lines[i].amount = cases[k].amount[i];
			lines[i].n_rates = cases[k].n[i];
			lines[i].rates[0] = cases[k].r[i][0];
			lines[i].rates[1] = cases[k].r[i][1];
		}
		int rc = billing_tax_compute(&out, lines, cases[k].n_lines, sizeof(lines[0]),
					     cases[k].rates, 3, &e);
		if (rc != RECUR_EOVERFLOW)
			fail_msg("case %zu: rc %d", k, rc);
		assert_string_equal(e.message, "Tax amounts are too large");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rate_check),
		cmocka_unit_test(test_exclusive),
		cmocka_unit_test(test_inclusive),
		cmocka_unit_test(test_scenarios),
		cmocka_unit_test(test_stride),
		cmocka_unit_test(test_many_lines_sum),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_overflow),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
