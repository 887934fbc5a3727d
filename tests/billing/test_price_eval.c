/*
 * Tests for billing/price_eval: exact decimal amounts (parse, format, range),
 * per-unit and package pricing, graduated and volume tiers on the same
 * quantities, decimal amounts rounded once per line under every rounding
 * mode, the per-tier breakdown, overflow at the int64 and 128-bit limits,
 * and malformed prices. Expected amounts are literal, computed with exact
 * rational arithmetic (Python's fractions), not with the code under test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "billing/price_eval.h"
#include "core/err.h"
#include "core/money.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define SENTINEL INT64_C(0x5EED5EED5EED)
#define MINOR(x) BILLING_DECIMAL_MINOR(x)
#define SCALE BILLING_DECIMAL_SCALE

static const enum money_rounding modes[4] = {
	MONEY_ROUND_HALF_UP, MONEY_ROUND_HALF_EVEN, MONEY_ROUND_DOWN, MONEY_ROUND_UP};

/* Parses a decimal the test knows to be valid. */
static struct billing_decimal D(const char *s)
{
	struct billing_decimal d = {SENTINEL, SENTINEL};
	if (billing_decimal_parse(&d, s) != 0)
		fail_msg("fixture '%s' does not parse", s);
	return d;
}

static void test_decimal_parse(void **state)
{
	static const struct {
		const char *in;
		int64_t units, pico;
	} cases[] = {
		{"0", 0, 0},
		{"-0", 0, 0},
		{"007", 7, 0},
		{"1250", 1250, 0},
		{"0.0125", 0, INT64_C(12500000000)},
		{"12.5", 12, INT64_C(500000000000)},
		{"12.500000000000", 12, INT64_C(500000000000)},
		{"0.000000000001", 0, 1},
		{"0.999999999999", 0, INT64_C(999999999999)},
		{"1.123456789012", 1, INT64_C(123456789012)},
		{"-2.5", -2, INT64_C(-500000000000)},
		{"-0.5", 0, INT64_C(-500000000000)},
		{"-0.000000000001", 0, -1},
		{"999999999999999.999999999999", INT64_C(999999999999999),
		 INT64_C(999999999999)},
		{"9223372036854775807", INT64_MAX, 0},
		{"9223372036854775807.999999999999", INT64_MAX, INT64_C(999999999999)},
		{"-9223372036854775808", INT64_MIN, 0},
		{"-9223372036854775808.5", INT64_MIN, INT64_C(-500000000000)},
	};
	(void)state;
	for (size_t i = 0; i < N(cases); i++) {
		struct billing_decimal d = {SENTINEL, SENTINEL};
		if (billing_decimal_parse(&d, cases[i].in) != 0)
			fail_msg("'%s' rejected", cases[i].in);
		assert_int_equal(d.units, cases[i].units);
		assert_int_equal(d.pico, cases[i].pico);
		assert_true(billing_decimal_valid(&d));
	}
}

static void test_decimal_parse_rejects(void **state)
{
	static const struct {
		const char *in;
		int rc;
	} cases[] = {
		{"", RECUR_EINVAL},
		{"-", RECUR_EINVAL},
		{".5", RECUR_EINVAL},
		{"-.5", RECUR_EINVAL},
		{"5.", RECUR_EINVAL},
		{"+5", RECUR_EINVAL},
		{" 5", RECUR_EINVAL},
		{"5 ", RECUR_EINVAL},
		{"1e3", RECUR_EINVAL},
		{"1,5", RECUR_EINVAL},
		{"1.2.3", RECUR_EINVAL},
		{"--1", RECUR_EINVAL},
		{"12a", RECUR_EINVAL},
		{"1 000", RECUR_EINVAL},
		{"0x10", RECUR_EINVAL},
		{"0.0000000000001", RECUR_EINVAL}, /* 13 places */
		{"0.1000000000000", RECUR_EINVAL}, /* 13 places, even as zeros */
		{"9223372036854775808", RECUR_EOVERFLOW},
		{"-9223372036854775809", RECUR_EOVERFLOW},
		{"99999999999999999999", RECUR_EOVERFLOW},
		{"99999999999999999999.5", RECUR_EOVERFLOW},
	};
	struct billing_decimal d = {SENTINEL, SENTINEL};
	(void)state;
	for (size_t i = 0; i < N(cases); i++) {
		int rc = billing_decimal_parse(&d, cases[i].in);
		if (rc != cases[i].rc)
			fail_msg("'%s': rc %d, want %d", cases[i].in, rc, cases[i].rc);
		assert_int_equal(d.units, SENTINEL);
		assert_int_equal(d.pico, SENTINEL);
	}
	assert_int_equal(billing_decimal_parse(&d, NULL), RECUR_EINVAL);
	assert_int_equal(d.units, SENTINEL);
}

static void test_decimal_format(void **state)
{
	static const struct {
		struct billing_decimal d;
		const char *want;
	} cases[] = {
		{{0, 0}, "0"},
		{{7, 0}, "7"},
		{{1250, 0}, "1250"},
		{{-3, 0}, "-3"},
		{{0, INT64_C(12500000000)}, "0.0125"},
		{{12, INT64_C(500000000000)}, "12.5"},
		{{0, 1}, "0.000000000001"},
		{{0, -1}, "-0.000000000001"},
		{{-2, INT64_C(-500000000000)}, "-2.5"},
		{{0, INT64_C(-500000000000)}, "-0.5"},
		{{1, INT64_C(123456789012)}, "1.123456789012"},
		{{10, INT64_C(100000000000)}, "10.1"},
		{{INT64_MAX, INT64_C(999999999999)}, "9223372036854775807.999999999999"},
		{{INT64_MIN, INT64_C(-999999999999)}, "-9223372036854775808.999999999999"},
	};
	char buf[BILLING_DECIMAL_SIZE];
	(void)state;
	for (size_t i = 0; i < N(cases); i++) {
		struct billing_decimal back = {SENTINEL, SENTINEL};
		int n = billing_decimal_format(buf, sizeof(buf), &cases[i].d);
		assert_int_equal(n, (int)strlen(cases[i].want));
		assert_string_equal(buf, cases[i].want);
		/* Round trip. */
		assert_int_equal(billing_decimal_parse(&back, buf), 0);
		assert_int_equal(back.units, cases[i].d.units);
		assert_int_equal(back.pico, cases[i].d.pico);
	}
}

static void test_decimal_format_errors(void **state)
{
	static const struct billing_decimal bad[] = {
		{1, -1}, {-1, 1}, {0, SCALE}, {0, -SCALE}, {0, INT64_MAX},
	};
	struct billing_decimal d = {12, INT64_C(500000000000)}; /* "12.5" */
	char buf[8];
	(void)state;
	for (size_t i = 0; i < N(bad); i++) {
		assert_false(billing_decimal_valid(&bad[i]));
		assert_int_equal(billing_decimal_format(buf, sizeof(buf), &bad[i]),
				 RECUR_EINVAL);
	}
	assert_int_equal(billing_decimal_format(NULL, 10, &d), RECUR_ETOOBIG);
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(billing_decimal_format(buf, 4, &d), RECUR_ETOOBIG);
	assert_string_equal(buf, "");
	assert_int_equal(billing_decimal_format(buf, 0, &d), RECUR_ETOOBIG);
	assert_int_equal(billing_decimal_format(buf, 5, &d), 4);
	assert_string_equal(buf, "12.5");
}

static int64_t amount(const struct billing_price *p, int64_t q,
		      enum money_rounding r)
{
	int64_t out = SENTINEL;
	int rc = billing_price_amount(&out, p, q, r);
	if (rc != 0)
		fail_msg("amount(q=%lld) failed: %d", (long long)q, rc);
	return out;
}

static void test_per_unit(void **state)
{
	struct billing_price p = {.scheme = BILLING_SCHEME_PER_UNIT,
				  .unit_amount = MINOR(1000)};
	(void)state;
	assert_int_equal(amount(&p, 0, MONEY_ROUND_HALF_UP), 0);
	assert_int_equal(amount(&p, 1, MONEY_ROUND_HALF_UP), 1000);
	assert_int_equal(amount(&p, 7, MONEY_ROUND_HALF_UP), 7000);
	assert_int_equal(amount(&p, 100, MONEY_ROUND_DOWN), 100000);
	p.unit_amount = MINOR(0);
	assert_int_equal(amount(&p, 100, MONEY_ROUND_HALF_UP), 0);
	p.unit_amount = MINOR(-250); /* negative invoice item amounts */
	assert_int_equal(amount(&p, 4, MONEY_ROUND_HALF_UP), -1000);
}

/* Decimal unit amounts, rounded once per line under each mode. */
static void test_per_unit_decimal(void **state)
{
	static const struct {
		const char *unit;
		int64_t quantity;
		int64_t want[4]; /* half_up, half_even, down, up */
	} cases[] = {
		{"0.5", 3, {2, 2, 1, 2}},                 /* 1.5 */
		{"0.5", 5, {3, 2, 2, 3}},                 /* 2.5 */
		{"0.0125", 100, {1, 1, 1, 2}},            /* 1.25 */
		{"0.0125", 120, {2, 2, 1, 2}},            /* 1.5 */
		{"0.0125", 1000000, {12500, 12500, 12500, 12500}},
		{"-0.5", 3, {-2, -2, -1, -2}},            /* -1.5 */
		{"-0.5", 5, {-3, -2, -2, -3}},            /* -2.5 */
		{"2.5", 1, {3, 2, 2, 3}},
		{"3.5", 1, {4, 4, 3, 4}},
		{"0.000000000001", 499999999999, {0, 0, 0, 1}},
		{"0.000000000001", 500000000000, {1, 0, 0, 1}},
		{"1234.567890123456", 7, {8642, 8642, 8641, 8642}},
		{"-1234.567890123456", 7, {-8642, -8642, -8641, -8642}},
		{"12.5", 0, {0, 0, 0, 0}},
	};
	(void)state;
	for (size_t i = 0; i < N(cases); i++) {
		struct billing_price p = {.scheme = BILLING_SCHEME_PER_UNIT,
					  .unit_amount = D(cases[i].unit)};
		for (size_t m = 0; m < 4; m++) {
			int64_t got = amount(&p, cases[i].quantity, modes[m]);
			if (got != cases[i].want[m])
				fail_msg("%s x %lld mode %zu: %lld, want %lld", cases[i].unit,
					 (long long)cases[i].quantity, m, (long long)got,
					 (long long)cases[i].want[m]);
		}
	}
}

/* Package pricing: transform_quantity divide_by 5, rounded up and down. */
static void test_package(void **state)
{
	static const struct {
		int64_t quantity, up, down;
	} cases[] = {
		{0, 0, 0},       {1, 1000, 0},    {4, 1000, 0},    {5, 1000, 1000},
		{6, 2000, 1000}, {7, 2000, 1000}, {10, 2000, 2000}, {11, 3000, 2000},
		{100, 20000, 20000}, {101, 21000, 20000},
	};
	struct billing_price p = {.scheme = BILLING_SCHEME_PER_UNIT,
				  .unit_amount = MINOR(1000),
				  .divide_by = 5};
	(void)state;
	for (size_t i = 0; i < N(cases); i++) {
		p.transform_round = BILLING_TRANSFORM_ROUND_UP;
		assert_int_equal(amount(&p, cases[i].quantity, MONEY_ROUND_HALF_UP),
				 cases[i].up);
		p.transform_round = BILLING_TRANSFORM_ROUND_DOWN;
		assert_int_equal(amount(&p, cases[i].quantity, MONEY_ROUND_HALF_UP),
				 cases[i].down);
	}
	/* divide_by 1 is the identity; a decimal package price rounds once. */
	p.divide_by = 1;
	assert_int_equal(amount(&p, 7, MONEY_ROUND_HALF_UP), 7000);
	p.divide_by = 3;
	p.unit_amount = D("0.5");
	p.transform_round = BILLING_TRANSFORM_ROUND_UP;
	assert_int_equal(amount(&p, 7, MONEY_ROUND_HALF_UP), 2);   /* 3 x 0.5 */
	assert_int_equal(amount(&p, 7, MONEY_ROUND_HALF_EVEN), 2); /* 1.5 -> 2 */
	p.transform_round = BILLING_TRANSFORM_ROUND_DOWN;
	assert_int_equal(amount(&p, 7, MONEY_ROUND_HALF_UP), 1);   /* 2 x 0.5 */
}

/* up_to 5 @ 1000; up_to 10 @ 800 + flat 500; inf @ 600. */
static const struct billing_tier tiers_abc[] = {
	{false, 5, {1000, 0}, {0, 0}},
	{false, 10, {800, 0}, {500, 0}},
	{true, 0, {600, 0}, {0, 0}},
};

static void test_graduated_vs_volume(void **state)
{
	static const struct {
		int64_t quantity, graduated, volume;
	} cases[] = {
		{0, 0, 0},
		{1, 1000, 1000},
		{5, 5000, 5000},
		{6, 6300, 5300},   /* 5000 + 800 + 500 | 6 x 800 + 500 */
		{10, 9500, 8500},  /* 5000 + 4000 + 500 | 10 x 800 + 500 */
		{11, 10100, 6600}, /* 9500 + 600 | 11 x 600 */
		{100, 63500, 60000},
	};
	struct billing_price g = {.scheme = BILLING_SCHEME_TIERED,
				  .tiers_mode = BILLING_TIERS_GRADUATED,
				  .tiers = tiers_abc,
				  .ntiers = N(tiers_abc)};
	struct billing_price v = g;
	(void)state;
	v.tiers_mode = BILLING_TIERS_VOLUME;
	for (size_t i = 0; i < N(cases); i++) {
		for (size_t m = 0; m < 4; m++) {
			assert_int_equal(amount(&g, cases[i].quantity, modes[m]),
					 cases[i].graduated);
			assert_int_equal(amount(&v, cases[i].quantity, modes[m]),
					 cases[i].volume);
		}
	}
}

/* A single inf tier is per-unit pricing with a flat fee once any unit is billed. */
static void test_single_tier(void **state)
{
	static const struct billing_tier one[] = {{true, 0, {250, 0}, {1000, 0}}};
	struct billing_price p = {.scheme = BILLING_SCHEME_TIERED,
				  .tiers_mode = BILLING_TIERS_GRADUATED,
				  .tiers = one,
				  .ntiers = 1};
	(void)state;
	assert_int_equal(amount(&p, 0, MONEY_ROUND_HALF_UP), 0);
	assert_int_equal(amount(&p, 1, MONEY_ROUND_HALF_UP), 1250);
	assert_int_equal(amount(&p, 4, MONEY_ROUND_HALF_UP), 2000);
	p.tiers_mode = BILLING_TIERS_VOLUME;
	assert_int_equal(amount(&p, 0, MONEY_ROUND_HALF_UP), 0);
	assert_int_equal(amount(&p, 4, MONEY_ROUND_HALF_UP), 2000);
}

/* Decimal unit and flat amounts in tiers: the line is rounded once. */
static void test_tiers_decimal(void **state)
{
	struct billing_tier t2[2], t4[3];
	static const struct {
		int64_t quantity;
		int64_t grad[4], vol[4]; /* half_up, half_even, down, up */
	} c2[] = {
		{1, {0, 0, 0, 1}, {0, 0, 0, 1}},   /* 0.4 */
		{2, {1, 1, 0, 1}, {1, 1, 0, 1}},   /* 0.8 */
		{3, {1, 1, 1, 2}, {1, 1, 0, 1}},   /* 1.1 | 0.9 */
		{5, {2, 2, 1, 2}, {2, 2, 1, 2}},   /* 1.7 | 1.5 */
		{10, {3, 3, 3, 4}, {3, 3, 3, 3}},  /* 3.2 | 3 */
	}, c4[] = {
		{1, {1, 1, 0, 1}, {1, 1, 0, 1}},          /* 0.5125 */
		{40, {1, 1, 1, 1}, {1, 1, 1, 1}},         /* 1 */
		{100, {2, 2, 1, 2}, {2, 2, 1, 2}},        /* 1.75 */
		{101, {14, 14, 14, 15}, {13, 13, 13, 14}}, /* 14.01 | 13.26 */
		{1000, {23, 23, 23, 23}, {22, 22, 22, 23}}, /* 23 | 22.25 */
		{1001, {23, 23, 23, 24}, {0, 0, 0, 1}},   /* 23.000000000002 | 1.002e-9 */
		{123456789, {23, 23, 23, 24}, {0, 0, 0, 1}},
	};
	struct billing_price p = {.scheme = BILLING_SCHEME_TIERED};
	(void)state;

	t2[0] = (struct billing_tier){false, 2, D("0.4"), MINOR(0)};
	t2[1] = (struct billing_tier){true, 0, D("0.3"), MINOR(0)};
	t4[0] = (struct billing_tier){false, 100, D("0.0125"), D("0.5")};
	t4[1] = (struct billing_tier){false, 1000, D("0.01"), D("12.25")};
	t4[2] = (struct billing_tier){true, 0, D("0.000000000001"),
				      D("0.000000000001")};
	for (int which = 0; which < 2; which++) {
		size_t n = which ? N(c4) : N(c2);
		p.tiers = which ? t4 : t2;
		p.ntiers = which ? 3 : 2;
		for (size_t i = 0; i < n; i++) {
			int64_t q = which ? c4[i].quantity : c2[i].quantity;
			const int64_t *g = which ? c4[i].grad : c2[i].grad;
			const int64_t *v = which ? c4[i].vol : c2[i].vol;
			for (size_t m = 0; m < 4; m++) {
				p.tiers_mode = BILLING_TIERS_GRADUATED;
				if (amount(&p, q, modes[m]) != g[m])
					fail_msg("table %d q %lld mode %zu graduated: %lld want %lld",
						 which, (long long)q, m,
						 (long long)amount(&p, q, modes[m]), (long long)g[m]);
				p.tiers_mode = BILLING_TIERS_VOLUME;
				if (amount(&p, q, modes[m]) != v[m])
					fail_msg("table %d q %lld mode %zu volume: %lld want %lld",
						 which, (long long)q, m,
						 (long long)amount(&p, q, modes[m]), (long long)v[m]);
			}
		}
	}
}

static void test_tier_parts(void **state)
{
	struct billing_price g = {.scheme = BILLING_SCHEME_TIERED,
				  .tiers_mode = BILLING_TIERS_GRADUATED,
				  .tiers = tiers_abc,
				  .ntiers = N(tiers_abc)};
	struct billing_price v = g;
	struct billing_tier_part parts[3];
	size_t n = 99;
	(void)state;
	v.tiers_mode = BILLING_TIERS_VOLUME;

	assert_int_equal(billing_price_tier_parts(parts, N(parts), &n, &g, 11,
						  MONEY_ROUND_HALF_UP),
			 0);
	assert_int_equal(n, 3);
	assert_int_equal(parts[0].tier, 0);
	assert_int_equal(parts[0].quantity, 5);
	assert_int_equal(parts[0].amount, 5000);
	assert_int_equal(parts[1].tier, 1);
	assert_int_equal(parts[1].quantity, 5);
	assert_int_equal(parts[1].amount, 4500);
	assert_int_equal(parts[2].tier, 2);
	assert_int_equal(parts[2].quantity, 1);
	assert_int_equal(parts[2].amount, 600);

	assert_int_equal(billing_price_tier_parts(parts, N(parts), &n, &g, 6,
						  MONEY_ROUND_HALF_UP),
			 0);
	assert_int_equal(n, 2);
	assert_int_equal(parts[1].quantity, 1);
	assert_int_equal(parts[1].amount, 1300);

	assert_int_equal(billing_price_tier_parts(parts, N(parts), &n, &v, 11,
						  MONEY_ROUND_HALF_UP),
			 0);
	assert_int_equal(n, 1);
	assert_int_equal(parts[0].tier, 2);
	assert_int_equal(parts[0].quantity, 11);
	assert_int_equal(parts[0].amount, 6600);

	assert_int_equal(billing_price_tier_parts(parts, N(parts), &n, &v, 0,
						  MONEY_ROUND_HALF_UP),
			 0);
	assert_int_equal(n, 0);

	/* Not enough room: nothing reported. */
	n = 99;
	assert_int_equal(billing_price_tier_parts(parts, 2, &n, &g, 11,
						  MONEY_ROUND_HALF_UP),
			 RECUR_ETOOBIG);
	assert_int_equal(n, 99);
	assert_int_equal(billing_price_tier_parts(parts, 0, &n, &v, 1,
						  MONEY_ROUND_HALF_UP),
			 RECUR_ETOOBIG);
	assert_int_equal(n, 99);
	/* A malformed price or quantity. */
	assert_int_equal(billing_price_tier_parts(parts, 3, &n, &g, -1,
						  MONEY_ROUND_HALF_UP),
			 RECUR_EINVAL);
	assert_int_equal(n, 99);
}

/* Parts round on their own; the line total is rounded once and may differ. */
static void test_tier_parts_rounding(void **state)
{
	struct billing_tier t[2];
	struct billing_price p = {.scheme = BILLING_SCHEME_TIERED,
				  .tiers_mode = BILLING_TIERS_GRADUATED,
				  .tiers = t,
				  .ntiers = 2};
	struct billing_price pu = {.scheme = BILLING_SCHEME_PER_UNIT,
				   .unit_amount = MINOR(5)};
	struct billing_tier_part parts[2];
	size_t n = 99;
	(void)state;

	t[0] = (struct billing_tier){false, 1, D("0.5"), MINOR(0)};
	t[1] = (struct billing_tier){true, 0, D("0.5"), MINOR(0)};
	assert_int_equal(amount(&p, 2, MONEY_ROUND_HALF_UP), 1); /* 0.5 + 0.5 */
	assert_int_equal(billing_price_tier_parts(parts, 2, &n, &p, 2,
						  MONEY_ROUND_HALF_UP),
			 0);
	assert_int_equal(n, 2);
	assert_int_equal(parts[0].amount, 1);
	assert_int_equal(parts[1].amount, 1);
	/* Per-unit prices have no tiers to break down. */
	assert_int_equal(billing_price_tier_parts(parts, 2, &n, &pu, 7,
						  MONEY_ROUND_HALF_UP),
			 0);
	assert_int_equal(n, 0);
}

static void test_overflow(void **state)
{
	struct billing_price p = {.scheme = BILLING_SCHEME_PER_UNIT};
	struct billing_tier t[2];
	struct billing_tier_part parts[2];
	int64_t out = SENTINEL;
	size_t n = 99;
	(void)state;

	/* Results at the int64 limits are exact. */
	p.unit_amount = MINOR(INT64_MAX);
	assert_int_equal(amount(&p, 1, MONEY_ROUND_HALF_UP), INT64_MAX);
	p.unit_amount = MINOR(1);
	assert_int_equal(amount(&p, INT64_MAX, MONEY_ROUND_HALF_UP), INT64_MAX);
	p.unit_amount = MINOR(-1);
	assert_int_equal(amount(&p, INT64_MAX, MONEY_ROUND_HALF_UP), -INT64_MAX);
	p.unit_amount = MINOR(INT64_MIN);
	assert_int_equal(amount(&p, 1, MONEY_ROUND_HALF_UP), INT64_MIN);
	p.unit_amount = (struct billing_decimal){INT64_MAX, INT64_C(499999999999)};
	assert_int_equal(amount(&p, 1, MONEY_ROUND_HALF_UP), INT64_MAX);

	/* One past them is an error, never a wrap. */
	p.unit_amount = MINOR(INT64_MAX);
	assert_int_equal(billing_price_amount(&out, &p, 2, MONEY_ROUND_HALF_UP),
			 RECUR_EOVERFLOW);
	p.unit_amount = MINOR(INT64_MIN);
	assert_int_equal(billing_price_amount(&out, &p, 2, MONEY_ROUND_HALF_UP),
			 RECUR_EOVERFLOW);
	p.unit_amount = MINOR(2);
	assert_int_equal(billing_price_amount(&out, &p, INT64_MAX / 2 + 1,
					      MONEY_ROUND_HALF_UP),
			 RECUR_EOVERFLOW);
	p.unit_amount = (struct billing_decimal){INT64_MAX, INT64_C(500000000000)};
	assert_int_equal(billing_price_amount(&out, &p, 1, MONEY_ROUND_HALF_UP),
			 RECUR_EOVERFLOW); /* rounds up past INT64_MAX */
	assert_int_equal(billing_price_amount(&out, &p, 1, MONEY_ROUND_UP),
			 RECUR_EOVERFLOW);
	assert_int_equal(billing_price_amount(&out, &p, 1, MONEY_ROUND_HALF_EVEN),
			 RECUR_EOVERFLOW); /* ...807.5: the even neighbour is ...808 */
	assert_int_equal(amount(&p, 1, MONEY_ROUND_DOWN), INT64_MAX);
	p.unit_amount = (struct billing_decimal){INT64_MIN, INT64_C(-500000000000)};
	assert_int_equal(billing_price_amount(&out, &p, 1, MONEY_ROUND_HALF_UP),
			 RECUR_EOVERFLOW);
	assert_int_equal(amount(&p, 1, MONEY_ROUND_HALF_EVEN), INT64_MIN);
	/* Beyond even 128 bits: INT64_MAX units of INT64_MAX. */
	p.unit_amount = MINOR(INT64_MAX);
	assert_int_equal(billing_price_amount(&out, &p, INT64_MAX, MONEY_ROUND_DOWN),
			 RECUR_EOVERFLOW);
	assert_int_equal(out, SENTINEL);

	/*
	 * Graduated sums: each tier fits, the sum does not. The first product is
	 * just below 2^127 in 10^-12 units, so adding the second tier's flat
	 * amount overflows the 128-bit accumulator itself.
	 */
	t[0] = (struct billing_tier){false, INT64_MAX - 1, MINOR(18446744), MINOR(0)};
	t[1] = (struct billing_tier){true, 0, MINOR(0), MINOR(INT64_MAX)};
	p = (struct billing_price){.scheme = BILLING_SCHEME_TIERED,
				   .tiers_mode = BILLING_TIERS_GRADUATED,
				   .tiers = t,
				   .ntiers = 2};
	assert_int_equal(billing_price_amount(&out, &p, INT64_MAX, MONEY_ROUND_DOWN),
			 RECUR_EOVERFLOW);
	assert_int_equal(billing_price_tier_parts(parts, 2, &n, &p, INT64_MAX,
						  MONEY_ROUND_DOWN),
			 RECUR_EOVERFLOW); /* tier 0 alone is past int64 */
	t[0] = (struct billing_tier){false, 1, MINOR(INT64_MAX), MINOR(0)};
	t[1] = (struct billing_tier){true, 0, MINOR(0), MINOR(1)};
	assert_int_equal(billing_price_amount(&out, &p, 2, MONEY_ROUND_DOWN),
			 RECUR_EOVERFLOW);
	assert_int_equal(billing_price_tier_parts(parts, 2, &n, &p, 2,
						  MONEY_ROUND_DOWN),
			 0); /* each part fits on its own */
	assert_int_equal(n, 2);
	assert_int_equal(parts[0].amount, INT64_MAX);
	assert_int_equal(parts[1].amount, 1);
	/* Volume: the flat amount tips it over. */
	t[0] = (struct billing_tier){true, 0, MINOR(1), MINOR(INT64_MAX)};
	p.ntiers = 1;
	p.tiers_mode = BILLING_TIERS_VOLUME;
	assert_int_equal(billing_price_amount(&out, &p, 1, MONEY_ROUND_DOWN),
			 RECUR_EOVERFLOW);
	assert_int_equal(out, SENTINEL);
}

static void test_invalid_prices(void **state)
{
	static const struct billing_tier ok[] = {
		{false, 5, {1000, 0}, {0, 0}},
		{true, 0, {600, 0}, {0, 0}},
	};
	static const struct billing_tier no_inf[] = {
		{false, 5, {1000, 0}, {0, 0}},
		{false, 10, {600, 0}, {0, 0}},
	};
	static const struct billing_tier inf_first[] = {
		{true, 0, {1000, 0}, {0, 0}},
		{true, 0, {600, 0}, {0, 0}},
	};
	static const struct billing_tier zero_up_to[] = {
		{false, 0, {1000, 0}, {0, 0}},
		{true, 0, {600, 0}, {0, 0}},
	};
	static const struct billing_tier descending[] = {
		{false, 10, {1000, 0}, {0, 0}},
		{false, 10, {800, 0}, {0, 0}},
		{true, 0, {600, 0}, {0, 0}},
	};
	static const struct billing_tier bad_unit[] = {
		{false, 5, {1, -1}, {0, 0}},
		{true, 0, {600, 0}, {0, 0}},
	};
	static const struct billing_tier bad_flat[] = {
		{false, 5, {1, 0}, {0, 0}},
		{true, 0, {600, 0}, {0, BILLING_DECIMAL_SCALE}},
	};
	const struct billing_price tiered = {.scheme = BILLING_SCHEME_TIERED,
					     .tiers_mode = BILLING_TIERS_VOLUME,
					     .tiers = ok,
					     .ntiers = 2};
	const struct billing_price per_unit = {.scheme = BILLING_SCHEME_PER_UNIT,
					       .unit_amount = {1000, 0}};
	struct billing_price p;
	int64_t out = SENTINEL;
	(void)state;

#define REJECT(price, q, r)                                                  \
	assert_int_equal(billing_price_amount(&out, &(price), (q), (r)),     \
			 RECUR_EINVAL)

	REJECT(per_unit, -1, MONEY_ROUND_HALF_UP);
	REJECT(tiered, -1, MONEY_ROUND_HALF_UP);
	REJECT(per_unit, 1, (enum money_rounding)9);
	REJECT(per_unit, 0, (enum money_rounding)-1);
	REJECT(tiered, 0, (enum money_rounding)4);
	p = per_unit;
	p.scheme = (enum billing_scheme)5;
	REJECT(p, 1, MONEY_ROUND_HALF_UP);
	p = per_unit;
	p.divide_by = -5;
	REJECT(p, 1, MONEY_ROUND_HALF_UP);
	p = per_unit;
	p.divide_by = 5;
	p.transform_round = (enum billing_transform_round)3;
	REJECT(p, 1, MONEY_ROUND_HALF_UP);
	p = per_unit;
	p.unit_amount = (struct billing_decimal){-1, 1};
	REJECT(p, 1, MONEY_ROUND_HALF_UP);

	p = tiered;
	p.tiers_mode = (enum billing_tiers_mode)2;
	REJECT(p, 1, MONEY_ROUND_HALF_UP);
	p = tiered;
	p.divide_by = 5; /* transform_quantity cannot be combined with tiers */
	REJECT(p, 1, MONEY_ROUND_HALF_UP);
	p = tiered;
	p.tiers = NULL;
	REJECT(p, 1, MONEY_ROUND_HALF_UP);
	p = tiered;
	p.ntiers = 0;
	REJECT(p, 1, MONEY_ROUND_HALF_UP);
	p = tiered;
	p.ntiers = 1; /* only the 5-tier: no inf */
	REJECT(p, 1, MONEY_ROUND_HALF_UP);
	p.tiers = no_inf;
	p.ntiers = 2;
	REJECT(p, 1, MONEY_ROUND_HALF_UP);
	p.tiers = inf_first;
	REJECT(p, 1, MONEY_ROUND_HALF_UP);
	p.tiers = zero_up_to;
	REJECT(p, 1, MONEY_ROUND_HALF_UP);
	p.tiers = descending;
	p.ntiers = 3;
	REJECT(p, 1, MONEY_ROUND_HALF_UP);
	p.tiers = bad_unit;
	p.ntiers = 2;
	REJECT(p, 1, MONEY_ROUND_HALF_UP);
	p.tiers = bad_flat;
	REJECT(p, 1, MONEY_ROUND_HALF_UP);
	assert_int_equal(out, SENTINEL);
#undef REJECT

	/* The well-formed ones pass. */
	assert_int_equal(amount(&tiered, 6, MONEY_ROUND_HALF_UP), 3600);
	assert_int_equal(amount(&per_unit, 6, MONEY_ROUND_HALF_UP), 6000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decimal_parse),
		cmocka_unit_test(test_decimal_parse_rejects),
		cmocka_unit_test(test_decimal_format),
		cmocka_unit_test(test_decimal_format_errors),
		cmocka_unit_test(test_per_unit),
		cmocka_unit_test(test_per_unit_decimal),
		cmocka_unit_test(test_package),
		cmocka_unit_test(test_graduated_vs_volume),
		cmocka_unit_test(test_single_tier),
		cmocka_unit_test(test_tiers_decimal),
		cmocka_unit_test(test_tier_parts),
		cmocka_unit_test(test_tier_parts_rounding),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_invalid_prices),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
