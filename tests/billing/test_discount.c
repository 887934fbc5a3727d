/*
 * Tests for billing/discount: coupon shape and validity, currency
 * applicability, once / repeating / forever over six monthly renewals from
 * Jan 31 (month clamping), the discount amount with its rounding, and the
 * largest-remainder allocation. Expected values are literal; timestamps were
 * computed with Python's calendar.timegm, the allocation tables by hand with
 * exact fractions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "billing/discount.h"
#include "core/calendar.h"
#include "core/err.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define SENTINEL INT64_C(0x5EED5EED5EED)

/* 2026-01-31 and the next five monthly boundaries anchored on it. */
#define JAN31 INT64_C(1769817600)
#define FEB28 INT64_C(1772236800)
#define MAR31 INT64_C(1774915200)
#define APR30 INT64_C(1777507200)
#define MAY31 INT64_C(1780185600)
#define JUN30 INT64_C(1782777600)
#define APR28 INT64_C(1777334400)
/* The same in the leap year 2024. */
#define JAN31_24 INT64_C(1706659200)
#define FEB29_24 INT64_C(1709164800)
#define MAR31_24 INT64_C(1711843200)
#define APR30_24 INT64_C(1714435200)
#define MAY31_24 INT64_C(1717113600)
#define JUN30_24 INT64_C(1719705600)

static const struct billing_coupon percent25 = {
	.percent_off = 2500, .duration = BILLING_COUPON_FOREVER,
};

static const struct billing_coupon_currency eur_option[] = { { "eur", 900 } };

static const struct billing_coupon usd10 = {
	.amount_off = 1000, .currency = "usd", .duration = BILLING_COUPON_FOREVER,
	.currency_options = eur_option, .n_currency_options = 1,
};

static void test_coupon_check(void **state)
{
	static const struct billing_coupon_currency bad_option[] = { { "zzz", 100 } };
	static const struct billing_coupon_currency zero_option[] = { { "eur", 0 } };
	static const struct {
		struct billing_coupon c;
		int rc;
	} cases[] = {
		{ { .percent_off = 2550, .duration = BILLING_COUPON_ONCE }, 0 },
		{ { .percent_off = 1, .duration = BILLING_COUPON_FOREVER }, 0 },
		{ { .percent_off = 10000, .duration = BILLING_COUPON_FOREVER }, 0 },
		{ { .percent_off = 5000, .duration = BILLING_COUPON_REPEATING,
		    .duration_in_months = 3 }, 0 },
		{ { .amount_off = 500, .currency = "NOK", .duration = BILLING_COUPON_ONCE }, 0 },
		{ { .amount_off = 500, .currency = "nok", .duration = BILLING_COUPON_ONCE,
		    .currency_options = eur_option, .n_currency_options = 1 }, 0 },
		{ { .percent_off = 2500, .duration = BILLING_COUPON_ONCE, .max_redemptions = 5,
		    .times_redeemed = 5, .redeem_by = JAN31 }, 0 },
		/* neither, both */
		{ { .duration = BILLING_COUPON_ONCE }, RECUR_EINVAL },
		{ { .percent_off = 10, .amount_off = 10, .currency = "usd",
		    .duration = BILLING_COUPON_ONCE }, RECUR_EINVAL },
		/* out of range */
		{ { .percent_off = 10001, .duration = BILLING_COUPON_ONCE }, RECUR_EINVAL },
		{ { .percent_off = -1, .duration = BILLING_COUPON_ONCE }, RECUR_EINVAL },
		{ { .amount_off = -5, .currency = "usd", .duration = BILLING_COUPON_ONCE },
		  RECUR_EINVAL },
		/* currency */
		{ { .amount_off = 5, .duration = BILLING_COUPON_ONCE }, RECUR_EINVAL },
		{ { .amount_off = 5, .currency = "zzz", .duration = BILLING_COUPON_ONCE },
		  RECUR_EINVAL },
		{ { .amount_off = 5, .currency = "usd", .duration = BILLING_COUPON_ONCE,
		    .n_currency_options = 1 }, RECUR_EINVAL },
		{ { .amount_off = 5, .currency = "usd", .duration = BILLING_COUPON_ONCE,
		    .currency_options = bad_option, .n_currency_options = 1 }, RECUR_EINVAL },
		{ { .amount_off = 5, .currency = "usd", .duration = BILLING_COUPON_ONCE,
		    .currency_options = zero_option, .n_currency_options = 1 }, RECUR_EINVAL },
		/* duration */
		{ { .percent_off = 10, .duration = BILLING_COUPON_REPEATING }, RECUR_EINVAL },
		{ { .percent_off = 10, .duration = BILLING_COUPON_ONCE, .duration_in_months = 2 },
		  RECUR_EINVAL },
		{ { .percent_off = 10, .duration = BILLING_COUPON_FOREVER,
		    .duration_in_months = 2 }, RECUR_EINVAL },
		{ { .percent_off = 10, .duration = (enum billing_coupon_duration)7 },
		  RECUR_EINVAL },
		/* limits */
		{ { .percent_off = 10, .duration = BILLING_COUPON_ONCE, .max_redemptions = -1 },
		  RECUR_EINVAL },
		{ { .percent_off = 10, .duration = BILLING_COUPON_ONCE, .times_redeemed = -1 },
		  RECUR_EINVAL },
		{ { .percent_off = 10, .duration = BILLING_COUPON_ONCE, .redeem_by = -1 },
		  RECUR_EINVAL },
	};
	struct recur_err e;
	size_t i;
	(void)state;
	for (i = 0; i < N(cases); i++) {
		memset(&e, 0, sizeof(e));
		int rc = billing_coupon_check(&cases[i].c, &e);
		if (rc != cases[i].rc)
			fail_msg("case %zu: rc %d, want %d (%s)", i, rc, cases[i].rc, e.message);
		if (rc < 0) {
			assert_int_equal(e.status, 400);
			assert_string_equal(e.param, "");
			assert_true(e.message[0] != '\0');
			/* Without an error struct the answer is the same. */
			assert_int_equal(billing_coupon_check(&cases[i].c, NULL), rc);
		}
	}
}

static void test_coupon_valid(void **state)
{
	static const struct {
		int64_t max, redeemed, redeem_by, now;
		bool valid;
	} cases[] = {
		{ 0, 0, 0, JAN31, true },                /* no limits */
		{ 0, 1000000, 0, JUN30, true },          /* unlimited redemptions */
		{ 3, 2, 0, JAN31, true },                /* one left */
		{ 3, 3, 0, JAN31, false },               /* max reached */
		{ 3, 4, 0, JAN31, false },
		{ 1, 0, 0, JAN31, true },
		{ 0, 0, FEB28, FEB28 - 1, true },        /* before redeem_by */
		{ 0, 0, FEB28, FEB28, true },            /* the last second still counts */
		{ 0, 0, FEB28, FEB28 + 1, false },       /* passed */
		{ 5, 5, FEB28, JAN31, false },           /* both: max decides */
		{ 5, 1, FEB28, MAR31, false },           /* both: date decides */
	};
	size_t i;
	(void)state;
	for (i = 0; i < N(cases); i++) {
		struct billing_coupon c = {
			.percent_off = 1000, .duration = BILLING_COUPON_ONCE,
			.max_redemptions = cases[i].max, .times_redeemed = cases[i].redeemed,
			.redeem_by = cases[i].redeem_by,
		};
		if (billing_coupon_valid(&c, cases[i].now) != cases[i].valid)
			fail_msg("case %zu: want %d", i, cases[i].valid);
	}
}

static void test_coupon_applies(void **state)
{
	static const struct {
		const struct billing_coupon *c;
		const char *currency;
		bool applies;
		int64_t amount_off;
	} cases[] = {
		{ &percent25, "usd", true, 0 },
		{ &percent25, "JPY", true, 0 },
		{ &percent25, NULL, true, 0 },
		{ &usd10, "usd", true, 1000 },
		{ &usd10, "USD", true, 1000 },
		{ &usd10, "Usd", true, 1000 },
		{ &usd10, "eur", true, 900 },  /* currency_options */
		{ &usd10, "EUR", true, 900 },
		{ &usd10, "nok", false, SENTINEL },
		{ &usd10, "us", false, SENTINEL },
		{ &usd10, "usdx", false, SENTINEL },
		{ &usd10, "", false, SENTINEL },
		{ &usd10, NULL, false, SENTINEL },
	};
	size_t i;
	(void)state;
	for (i = 0; i < N(cases); i++) {
		int64_t off = SENTINEL;
		bool ok = billing_coupon_applies(cases[i].c, cases[i].currency, &off);
		if (ok != cases[i].applies || off != cases[i].amount_off)
			fail_msg("case %zu: %d %lld", i, ok, (long long)off);
		assert_int_equal(billing_coupon_applies(cases[i].c, cases[i].currency, NULL),
				 cases[i].applies);
	}
	/* A code that is not NUL-terminated within four bytes never matches. */
	{
		struct billing_coupon c = usd10;
		memcpy(c.currency, "usdx", 4);
		assert_false(billing_coupon_applies(&c, "usd", NULL));
		assert_false(billing_coupon_applies(&c, "usdx", NULL));
	}
}

static void test_discount_amount(void **state)
{
	static const struct billing_coupon huge = { .percent_off = 20000,
						    .duration = BILLING_COUPON_FOREVER };
	static const struct {
		const struct billing_coupon *c;
		int64_t percent_off;    /* used when c is NULL */
		const char *currency;
		int64_t base;
		int rc;
		int64_t want;
	} cases[] = {
		{ &percent25, 0, "usd", 10000, 0, 2500 },
		{ &percent25, 0, "usd", 0, 0, 0 },
		{ &percent25, 0, "usd", 99, 0, 25 },      /* 24.75 -> 25 */
		{ &percent25, 0, "usd", 98, 0, 25 },      /* 24.5 -> 25: half away from zero */
		{ &percent25, 0, "usd", 97, 0, 24 },      /* 24.25 -> 24 */
		{ &percent25, 0, "usd", -98, 0, -25 },    /* a credit mirrors a charge */
		{ &percent25, 0, "usd", -5000, 0, -1250 },
		{ NULL, 2550, "usd", 999, 0, 255 },       /* 254.745 -> 255 */
		{ NULL, 2550, "usd", 10000, 0, 2550 },
		{ NULL, 1, "usd", 4999, 0, 0 },           /* 0.4999 -> 0 */
		{ NULL, 1, "usd", 5000, 0, 1 },           /* 0.5 -> 1 */
		{ NULL, 10000, "usd", INT64_MAX, 0, INT64_MAX },
		{ NULL, 10000, "usd", INT64_MIN, 0, INT64_MIN },
		{ &usd10, 0, "usd", 10000, 0, 1000 },
		{ &usd10, 0, "usd", 1000, 0, 1000 },
		{ &usd10, 0, "usd", 999, 0, 999 },        /* never below zero */
		{ &usd10, 0, "usd", 1, 0, 1 },
		{ &usd10, 0, "usd", 0, 0, 0 },
		{ &usd10, 0, "usd", -500, 0, 0 },         /* never grows a credit */
		{ &usd10, 0, "EUR", 10000, 0, 900 },      /* currency_options */
		{ &usd10, 0, "eur", 500, 0, 500 },
		{ &usd10, 0, "nok", 10000, 0, 0 },        /* not applicable: nothing off */
		{ &huge, 0, "usd", INT64_MAX, RECUR_EOVERFLOW, SENTINEL },
	};
	size_t i;
	(void)state;
	for (i = 0; i < N(cases); i++) {
		struct billing_coupon c = { .percent_off = cases[i].percent_off,
					    .duration = BILLING_COUPON_FOREVER };
		int64_t out = SENTINEL;
		int rc = billing_discount_amount(&out, cases[i].c ? cases[i].c : &c,
						 cases[i].currency, cases[i].base);
		if (rc != cases[i].rc || out != cases[i].want)
			fail_msg("case %zu: rc %d out %lld, want %d %lld", i, rc, (long long)out,
				 cases[i].rc, (long long)cases[i].want);
	}
}

/*
 * Six monthly renewals of a subscription created (and the coupon applied) on
 * Jan 31: the periods start on the anchored boundaries. once discounts the
 * first invoice, repeating 3 the first three (the discount ends Apr 30, not
 * the Apr 28 that chained month steps would give), forever all six.
 */
static void test_schedule_six_renewals(void **state)
{
	static const struct {
		int64_t start;
		int64_t periods[6];
	} years[] = {
		{ JAN31, { JAN31, FEB28, MAR31, APR30, MAY31, JUN30 } },
		{ JAN31_24, { JAN31_24, FEB29_24, MAR31_24, APR30_24, MAY31_24, JUN30_24 } },
	};
	static const struct {
		enum billing_coupon_duration duration;
		int64_t months;
		bool want[6];
	} plans[] = {
		{ BILLING_COUPON_ONCE, 0, { true, false, false, false, false, false } },
		{ BILLING_COUPON_REPEATING, 1, { true, false, false, false, false, false } },
		{ BILLING_COUPON_REPEATING, 3, { true, true, true, false, false, false } },
		{ BILLING_COUPON_REPEATING, 6, { true, true, true, true, true, true } },
		{ BILLING_COUPON_FOREVER, 0, { true, true, true, true, true, true } },
	};
	size_t y, p, k;
	(void)state;
	for (y = 0; y < N(years); y++) {
		for (k = 0; k < 6; k++) {
			/* The fixture agrees with the calendar's anchored boundaries. */
			int64_t b;
			assert_int_equal(calendar_add_months_anchored(&b, years[y].start,
								      (int64_t)k), 0);
			assert_int_equal(b, years[y].periods[k]);
		}
		for (p = 0; p < N(plans); p++) {
			struct billing_coupon c = { .percent_off = 1000,
						    .duration = plans[p].duration,
						    .duration_in_months = plans[p].months };
			struct billing_discount d = { .coupon = &c, .start = years[y].start };
			int applied = 0;
			assert_int_equal(billing_coupon_check(&c, NULL), 0);
			for (k = 0; k < 6; k++) {
				bool active = !plans[p].want[k];
				assert_int_equal(billing_discount_active(&active, &d,
									 years[y].periods[k]), 0);
				if (active != plans[p].want[k])
					fail_msg("year %zu plan %zu renewal %zu: %d", y, p, k, active);
				if (active) {
					d.times_applied++;
					applied++;
				}
			}
			assert_int_equal(applied, plans[p].duration == BILLING_COUPON_REPEATING
					 ? (plans[p].months < 6 ? plans[p].months : 6)
					 : plans[p].duration == BILLING_COUPON_ONCE ? 1 : 6);
		}
	}
}

static void test_discount_end(void **state)
{
	static const struct {
		enum billing_coupon_duration duration;
		int64_t months, start;
		int rc;
		int64_t end;
	} cases[] = {
		{ BILLING_COUPON_REPEATING, 3, JAN31, 0, APR30 },   /* clamped, not chained */
		{ BILLING_COUPON_REPEATING, 1, JAN31, 0, FEB28 },
		{ BILLING_COUPON_REPEATING, 1, JAN31_24, 0, FEB29_24 },
		{ BILLING_COUPON_REPEATING, 2, JAN31, 0, MAR31 },
		{ BILLING_COUPON_REPEATING, 12, JAN31_24, 0, INT64_C(1738281600) }, /* 2025-01-31 */
		{ BILLING_COUPON_ONCE, 0, JAN31, 0, 0 },
		{ BILLING_COUPON_FOREVER, 0, JAN31, 0, 0 },
		{ BILLING_COUPON_REPEATING, 1, CALENDAR_MAX_T, RECUR_EOVERFLOW, SENTINEL },
		{ BILLING_COUPON_REPEATING, 1, CALENDAR_MAX_T + 1, RECUR_EINVAL, SENTINEL },
	};
	size_t i;
	(void)state;
	assert_true(APR28 != APR30);
	for (i = 0; i < N(cases); i++) {
		struct billing_coupon c = { .percent_off = 1, .duration = cases[i].duration,
					    .duration_in_months = cases[i].months };
		struct billing_discount d = { .coupon = &c, .start = cases[i].start };
		int64_t end = SENTINEL;
		bool active = true;
		int rc = billing_discount_end(&end, &d);
		if (rc != cases[i].rc || end != cases[i].end)
			fail_msg("case %zu: rc %d end %lld", i, rc, (long long)end);
		/* active fails the same way, leaving its output alone. */
		assert_int_equal(billing_discount_active(&active, &d, JAN31), rc);
		if (rc < 0)
			assert_true(active);
	}
}

static void test_active_edges(void **state)
{
	struct billing_coupon c = { .percent_off = 1, .duration = BILLING_COUPON_REPEATING,
				    .duration_in_months = 3 };
	struct billing_discount d = { .coupon = &c, .start = JAN31 + 3600 };
	bool active = false;
	(void)state;
	/* Applied an hour into the first period: the end keeps that time of day. */
	assert_int_equal(billing_discount_active(&active, &d, APR30), 0);
	assert_true(active);
	assert_int_equal(billing_discount_active(&active, &d, APR30 + 3599), 0);
	assert_true(active);
	assert_int_equal(billing_discount_active(&active, &d, APR30 + 3600), 0);
	assert_false(active);
	/* A period before the discount started still counts (the caller decides). */
	assert_int_equal(billing_discount_active(&active, &d, JAN31 - 86400), 0);
	assert_true(active);
	/* once: any earlier use ends it. */
	c.duration = BILLING_COUPON_ONCE;
	c.duration_in_months = 0;
	d.times_applied = 2;
	assert_int_equal(billing_discount_active(&active, &d, JAN31), 0);
	assert_false(active);
	/* An unknown duration is an error and leaves the output alone. */
	c.duration = (enum billing_coupon_duration)9;
	active = true;
	assert_int_equal(billing_discount_active(&active, &d, JAN31), RECUR_EINVAL);
	assert_true(active);
}

#define MAXW 6

static void test_allocate_table(void **state)
{
	static const struct {
		size_t n;
		int64_t total;
		int64_t w[MAXW];
		int rc;
		int64_t want[MAXW];
	} cases[] = {
		/* three lines of 0.33 share a tax of 0.25: the first gets the extra unit */
		{ 3, 25, { 33, 33, 33 }, 0, { 9, 8, 8 } },
		{ 3, 100, { 1, 1, 1 }, 0, { 34, 33, 33 } },
		{ 3, -100, { 1, 1, 1 }, 0, { -34, -33, -33 } },   /* credits mirror charges */
		{ 4, 2, { 1, 1, 1, 1 }, 0, { 1, 1, 0, 0 } },       /* ties: lower index */
		{ 3, 10, { 1, 2, 3 }, 0, { 2, 3, 5 } },            /* 1.67 3.33 5: largest first */
		{ 3, -10, { 1, 2, 3 }, 0, { -2, -3, -5 } },
		{ 3, 10, { 3, 2, 1 }, 0, { 5, 3, 2 } },
		{ 3, 3, { 0, 5, 5 }, 0, { 0, 2, 1 } },             /* zero weight, zero share */
		{ 2, 5, { 100, -50 }, 0, { 10, -5 } },             /* 10 % of +100 and -50 */
		{ 2, 30, { 100, -50 }, 0, { 60, -30 } },
		{ 3, 7, { -1, -1, -1 }, 0, { 3, 2, 2 } },          /* negative weights */
		{ 3, 0, { 10, 20, 30 }, 0, { 0, 0, 0 } },
		{ 2, 0, { 5, -5 }, 0, { 0, 0 } },                  /* zero sum, zero total */
		{ 0, 0, { 0 }, 0, { 0 } },
		{ 1, 12345, { 7 }, 0, { 12345 } },
		{ 1, -12345, { -7 }, 0, { -12345 } },
		{ 5, 1, { 1, 1, 1, 1, 1 }, 0, { 1, 0, 0, 0, 0 } },
		{ 5, 4, { 1, 1, 1, 1, 1 }, 0, { 1, 1, 1, 1, 0 } },
		{ 6, 100, { 1, 1, 1, 1, 1, 1 }, 0, { 17, 17, 17, 17, 16, 16 } },
		{ 2, INT64_MAX, { INT64_MAX, INT64_MAX }, 0,
		  { INT64_C(4611686018427387904), INT64_C(4611686018427387903) } },
		{ 2, INT64_MIN, { 1, 1 }, 0,
		  { INT64_C(-4611686018427387904), INT64_C(-4611686018427387904) } },
		{ 2, 5, { 5, -5 }, RECUR_EINVAL, { 5, -5 } },     /* nothing to carry it */
		{ 0, 5, { 0 }, RECUR_EINVAL, { 0 } },
		/* opposite weights nearly cancel: shares far beyond int64 */
		{ 2, 2, { INT64_MAX, -INT64_MAX + 1 }, RECUR_EOVERFLOW,
		  { INT64_MAX, -INT64_MAX + 1 } },
		{ 2, INT64_MAX, { 1, 0 }, 0, { INT64_MAX, 0 } },
		{ 2, INT64_MIN, { 1, 0 }, 0, { INT64_MIN, 0 } },
		{ 2, -1, { 2, -1 }, 0, { -2, 1 } },
	};
	size_t i, j;
	(void)state;
	for (i = 0; i < N(cases); i++) {
		int64_t v[MAXW];
		memcpy(v, cases[i].w, sizeof(v));
		int rc = billing_allocate(v, cases[i].n, cases[i].total);
		if (rc != cases[i].rc)
			fail_msg("case %zu: rc %d, want %d", i, rc, cases[i].rc);
		for (j = 0; j < cases[i].n; j++)
			if (v[j] != cases[i].want[j])
				fail_msg("case %zu share %zu: %lld, want %lld", i, j,
					 (long long)v[j], (long long)cases[i].want[j]);
	}
}

/*
 * Deterministic pseudo-random weights and totals: the shares always sum to
 * the total, each is within one unit of its exact proportion (checked in
 * 128 bits), and a larger fractional part never loses to a smaller one.
 */
__extension__ typedef __int128 i128;

static uint64_t rng = 0x9E3779B97F4A7C15u;

static int64_t rnd(int64_t lo, int64_t hi)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return lo + (int64_t)(rng % (uint64_t)(hi - lo + 1));
}

static void test_allocate_property(void **state)
{
	int round;
	(void)state;
	for (round = 0; round < 2000; round++) {
		int64_t w[40], v[40], total = rnd(-2000000, 2000000), sum = 0, got = 0;
		size_t n = (size_t)rnd(1, 40), i;
		bool mixed = round % 3 == 0;
		for (i = 0; i < n; i++) {
			w[i] = mixed ? rnd(-100000, 100000) : rnd(0, 100000);
			sum += w[i];
		}
		if (sum == 0) {
			w[0] += 1;
			sum += 1;
		}
		memcpy(v, w, sizeof(v));
		assert_int_equal(billing_allocate(v, n, total), 0);
		for (i = 0; i < n; i++) {
			/* |share * sum - total * w| < |sum| */
			i128 diff = (i128)v[i] * sum - (i128)total * w[i];
			if (diff < 0)
				diff = -diff;
			assert_true(diff < (i128)(sum < 0 ? -sum : sum));
			got += v[i];
		}
		assert_int_equal(got, total);
	}
}

/* billing_allocate_slots skips elements whose slot is NULL. */
struct every_other {
	int64_t v[6];
};

static int64_t *odd_slot(void *ctx, size_t i)
{
	struct every_other *c = ctx;
	return i % 2 ? &c->v[i] : NULL;
}

static void test_allocate_slots(void **state)
{
	struct every_other c = { { 100, 1, 100, 1, 100, 2 } };
	(void)state;
	assert_int_equal(billing_allocate_slots(9, 6, odd_slot, &c), 0);
	assert_int_equal(c.v[0], 100);
	assert_int_equal(c.v[1], 2);  /* 2.25 */
	assert_int_equal(c.v[2], 100);
	assert_int_equal(c.v[3], 2);  /* 2.25 */
	assert_int_equal(c.v[4], 100);
	assert_int_equal(c.v[5], 5);  /* 4.5: the largest remainder */
}

/* Promotion code restrictions: first transaction, minimum per currency. */
static void test_promo_check(void **state)
{
	static const struct billing_coupon_currency eur[] = { { "eur", 1000 } };
	const struct billing_promo_restrictions none = { 0 };
	const struct billing_promo_restrictions first = { .first_time_transaction = true };
	const struct billing_promo_restrictions min = {
		.minimum_amount = 50000, .minimum_amount_currency = "nok",
		.currency_options = eur, .n_currency_options = 1,
	};
	const struct {
		const struct billing_promo_restrictions *r;
		bool has_transactions;
		const char *currency;
		int64_t amount;
		enum billing_promo_refusal want;
	} cases[] = {
		{ &none, true, "nok", 0, BILLING_PROMO_OK },
		{ &first, false, "nok", 0, BILLING_PROMO_OK },
		{ &first, true, "nok", 100000, BILLING_PROMO_NOT_FIRST_TIME },
		{ &min, true, "nok", 50000, BILLING_PROMO_OK },        /* the minimum itself */
		{ &min, false, "NOK", 49999, BILLING_PROMO_BELOW_MINIMUM },
		{ &min, false, "eur", 1000, BILLING_PROMO_OK },        /* currency_options */
		{ &min, false, "eur", 999, BILLING_PROMO_BELOW_MINIMUM },
		{ &min, false, "sek", 10000000, BILLING_PROMO_CURRENCY },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(billing_promo_check(cases[i].r, cases[i].has_transactions,
						     cases[i].currency, cases[i].amount),
				 cases[i].want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_coupon_check),
		cmocka_unit_test(test_coupon_valid),
		cmocka_unit_test(test_coupon_applies),
		cmocka_unit_test(test_discount_amount),
		cmocka_unit_test(test_schedule_six_renewals),
		cmocka_unit_test(test_discount_end),
		cmocka_unit_test(test_active_edges),
		cmocka_unit_test(test_allocate_table),
		cmocka_unit_test(test_allocate_property),
		cmocka_unit_test(test_allocate_slots),
		cmocka_unit_test(test_promo_check),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
