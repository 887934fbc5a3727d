/*
 * Tests for billing/proration: Stripe's credit for unused time and charge for
 * remaining time, to the second, under every rounding mode: an upgrade at
 * exactly half a 30-day period, a 31-day month halfway and one second either
 * side, a downgrade, quantity changes in common and leap Februaries, changes
 * at the first and last second, cancellation, the proration_behavior rules
 * and the line descriptions. Expected amounts are literal, computed with
 * exact rational arithmetic (Python's fractions), not with the code under
 * test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "billing/proration.h"
#include "core/calendar.h"
#include "core/err.h"
#include "core/money.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define SENTINEL INT64_C(0x5EED5EED5EED)

static const enum money_rounding modes[4] = {
	MONEY_ROUND_HALF_UP, MONEY_ROUND_HALF_EVEN, MONEY_ROUND_DOWN, MONEY_ROUND_UP};

static int64_t T(const char *iso)
{
	int64_t t = 0;
	struct recur_err e;
	err_clear(&e);
	if (calendar_parse_iso8601(&t, iso, &e) != 0)
		fail_msg("fixture '%s' does not parse: %s", iso, e.message);
	return t;
}

static const struct {
	const char *start, *end, *at;
	int64_t old_amount, new_amount;
	int64_t credit[4], charge[4]; /* half_up, half_even, down, up */
} change_cases[] = {
	/* Upgrade at exactly half a 30-day period: 10000 -> 20000. */
	{"2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z", "2026-04-16T00:00:00Z",
	 10000, 20000, {-5000, -5000, -5000, -5000}, {10000, 10000, 10000, 10000}},
	/* Downgrade with a third of the period gone: 40000/3 and 20000/3. */
	{"2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z", "2026-04-11T00:00:00Z",
	 20000, 10000, {-13333, -13333, -13333, -13334}, {6667, 6667, 6666, 6667}},
	/* A 31-day month, halfway (Jan 16 12:00): exact ties. */
	{"2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z", "2026-01-16T12:00:00Z",
	 10001, 20001, {-5001, -5000, -5000, -5001}, {10001, 10000, 10000, 10001}},
	/* ... one second later and one second earlier. */
	{"2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z", "2026-01-16T12:00:01Z",
	 10001, 20001, {-5000, -5000, -5000, -5001}, {10000, 10000, 10000, 10001}},
	{"2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z", "2026-01-16T11:59:59Z",
	 10001, 20001, {-5001, -5001, -5000, -5001}, {10001, 10001, 10000, 10001}},
	{"2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z", "2026-01-16T12:00:00Z",
	 9999, 12345, {-5000, -5000, -4999, -5000}, {6173, 6172, 6172, 6173}},
	/* One second in, and one second before the end. */
	{"2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z", "2026-01-01T00:00:01Z",
	 10000, 20000, {-10000, -10000, -9999, -10000}, {20000, 20000, 19999, 20000}},
	{"2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z", "2026-01-31T23:59:59Z",
	 10000, 20000, {0, 0, 0, -1}, {0, 0, 0, 1}},
	/* Quantity 2 -> 3 of 1500 after 7 days 3 hours of February. */
	{"2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z", "2026-02-08T03:00:00Z",
	 3000, 4500, {-2237, -2237, -2236, -2237}, {3355, 3355, 3354, 3355}},
	{"2024-02-01T00:00:00Z", "2024-03-01T00:00:00Z", "2024-02-08T03:00:00Z",
	 3000, 4500, {-2263, -2263, -2262, -2263}, {3394, 3394, 3394, 3395}},
	/* At the very start: the whole period either way. */
	{"2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z", "2026-04-01T00:00:00Z",
	 10000, 20000, {-10000, -10000, -10000, -10000}, {20000, 20000, 20000, 20000}},
	/* Two-second period, halfway: 0.5 and 1.5. */
	{"2026-01-01T00:00:00Z", "2026-01-01T00:00:02Z", "2026-01-01T00:00:01Z",
	 1, 3, {-1, 0, 0, -1}, {2, 2, 1, 2}},
	/* A year at an odd second; a negative new amount mirrors a positive one. */
	{"2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z", "2026-07-02T12:34:56Z",
	 119900, -5000, {-59942, -59942, -59942, -59943}, {-2500, -2500, -2499, -2500}},
	/* A large amount: the 128-bit product keeps it exact. */
	{"2026-01-01T00:00:00Z", "2026-01-08T00:00:00Z", "2026-01-04T13:13:13Z",
	 INT64_C(999999999999), 1,
	 {INT64_C(-492736441798), INT64_C(-492736441798), INT64_C(-492736441798),
	  INT64_C(-492736441799)},
	 {0, 0, 0, 1}},
};

static void test_change(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(change_cases); i++) {
		int64_t s = T(change_cases[i].start), e = T(change_cases[i].end);
		int64_t at = T(change_cases[i].at);
		for (size_t m = 0; m < 4; m++) {
			struct billing_proration p;
			memset(&p, 0x5a, sizeof(p));
			assert_int_equal(billing_prorate(&p, change_cases[i].old_amount,
							 change_cases[i].new_amount, s, e,
							 at, modes[m]),
					 0);
			assert_int_equal(p.n, 2);
			if (p.lines[0].amount != change_cases[i].credit[m] ||
			    p.lines[1].amount != change_cases[i].charge[m])
				fail_msg("case %zu mode %zu: %lld / %lld, want %lld / %lld", i,
					 m, (long long)p.lines[0].amount,
					 (long long)p.lines[1].amount,
					 (long long)change_cases[i].credit[m],
					 (long long)change_cases[i].charge[m]);
			assert_int_equal(p.lines[0].kind, BILLING_PRORATION_UNUSED_TIME);
			assert_int_equal(p.lines[1].kind, BILLING_PRORATION_REMAINING_TIME);
			for (size_t l = 0; l < 2; l++) {
				assert_int_equal(p.lines[l].period_start, at);
				assert_int_equal(p.lines[l].period_end, e);
			}
		}
	}
}

/* Every supported rounding is symmetric: a credit negates the charge exactly. */
static void test_credit_mirrors_charge(void **state)
{
	int64_t s = T("2026-01-01T00:00:00Z"), e = T("2026-02-01T00:00:00Z");
	static const int64_t amounts[] = {1, 2, 3, 7, 99, 1000, 10001, 123457,
					  -1, -3, -10001, INT64_MAX, INT64_MIN + 1};
	(void)state;
	for (size_t a = 0; a < N(amounts); a++) {
		for (int64_t at = s; at <= e; at += 86400 / 2 + 1) {
			for (size_t m = 0; m < 4; m++) {
				struct billing_proration_line c, r;
				assert_int_equal(billing_prorate_line(&c,
								      BILLING_PRORATION_UNUSED_TIME,
								      amounts[a], s, e, at,
								      modes[m]),
						 0);
				assert_int_equal(billing_prorate_line(&r,
								      BILLING_PRORATION_REMAINING_TIME,
								      amounts[a], s, e, at,
								      modes[m]),
						 0);
				assert_int_equal(c.amount, -r.amount);
			}
		}
	}
}

/* t == end: nothing remains, no lines. */
static void test_zero_remainder(void **state)
{
	int64_t s = T("2026-04-01T00:00:00Z"), e = T("2026-05-01T00:00:00Z");
	struct billing_proration p;
	struct billing_proration_line line;
	(void)state;

	memset(&p, 0x5a, sizeof(p));
	assert_int_equal(billing_prorate(&p, 10000, 20000, s, e, e,
					 MONEY_ROUND_HALF_UP),
			 0);
	assert_int_equal(p.n, 0);
	assert_int_equal(billing_prorate_cancel(&p, 10000, s, e, e,
						MONEY_ROUND_HALF_UP),
			 0);
	assert_int_equal(p.n, 0);
	/* The single-line form still answers, with an empty span and 0. */
	assert_int_equal(billing_prorate_line(&line, BILLING_PRORATION_REMAINING_TIME,
					      10000, s, e, e, MONEY_ROUND_UP),
			 0);
	assert_int_equal(line.amount, 0);
	assert_int_equal(line.period_start, e);
	assert_int_equal(line.period_end, e);
}

static void test_cancel(void **state)
{
	int64_t s = T("2026-04-01T00:00:00Z"), e = T("2026-05-01T00:00:00Z");
	struct billing_proration p;
	(void)state;

	memset(&p, 0x5a, sizeof(p));
	assert_int_equal(billing_prorate_cancel(&p, 10000, s, e,
						T("2026-04-16T00:00:00Z"),
						MONEY_ROUND_HALF_UP),
			 0);
	assert_int_equal(p.n, 1);
	assert_int_equal(p.lines[0].kind, BILLING_PRORATION_UNUSED_TIME);
	assert_int_equal(p.lines[0].amount, -5000);
	assert_int_equal(p.lines[0].period_start, T("2026-04-16T00:00:00Z"));
	assert_int_equal(p.lines[0].period_end, e);
	/* Two thirds unused of 20000, under each rounding. */
	for (size_t m = 0; m < 4; m++) {
		static const int64_t want[4] = {-13333, -13333, -13333, -13334};
		assert_int_equal(billing_prorate_cancel(&p, 20000, s, e,
							T("2026-04-11T00:00:00Z"),
							modes[m]),
				 0);
		assert_int_equal(p.lines[0].amount, want[m]);
	}
	/* Cancelling at the start credits the whole period. */
	assert_int_equal(billing_prorate_cancel(&p, 10000, s, e, s,
						MONEY_ROUND_HALF_UP),
			 0);
	assert_int_equal(p.n, 1);
	assert_int_equal(p.lines[0].amount, -10000);
}

static void test_errors(void **state)
{
	int64_t s = T("2026-04-01T00:00:00Z"), e = T("2026-05-01T00:00:00Z");
	struct billing_proration p = {.n = 77};
	struct billing_proration_line line = {.amount = SENTINEL};
	(void)state;

	/* The proration date must lie within the period. */
	assert_int_equal(billing_prorate(&p, 1, 2, s, e, s - 1, MONEY_ROUND_HALF_UP),
			 RECUR_EINVAL);
	assert_int_equal(billing_prorate(&p, 1, 2, s, e, e + 1, MONEY_ROUND_HALF_UP),
			 RECUR_EINVAL);
	/* The period must not be empty or reversed. */
	assert_int_equal(billing_prorate(&p, 1, 2, s, s, s, MONEY_ROUND_HALF_UP),
			 RECUR_EINVAL);
	assert_int_equal(billing_prorate(&p, 1, 2, e, s, e, MONEY_ROUND_HALF_UP),
			 RECUR_EINVAL);
	assert_int_equal(billing_prorate(&p, 1, 2, s, e, s,
					 (enum money_rounding)9),
			 RECUR_EINVAL);
	assert_int_equal(billing_prorate_cancel(&p, 1, s, e, e + 1,
						MONEY_ROUND_HALF_UP),
			 RECUR_EINVAL);
	assert_int_equal(p.n, 77);
	assert_int_equal(billing_prorate_line(&line, (enum billing_proration_kind)5,
					      1, s, e, s, MONEY_ROUND_HALF_UP),
			 RECUR_EINVAL);
	/* INT64_MIN's full credit cannot be negated. */
	assert_int_equal(billing_prorate_line(&line, BILLING_PRORATION_UNUSED_TIME,
					      INT64_MIN, s, e, s, MONEY_ROUND_HALF_UP),
			 RECUR_EOVERFLOW);
	assert_int_equal(billing_prorate(&p, INT64_MIN, 1, s, e, s,
					 MONEY_ROUND_HALF_UP),
			 RECUR_EOVERFLOW);
	/* A span wider than int64 seconds. */
	assert_int_equal(billing_prorate_line(&line, BILLING_PRORATION_REMAINING_TIME,
					      1, INT64_MIN, INT64_MAX, 0,
					      MONEY_ROUND_HALF_UP),
			 RECUR_EOVERFLOW);
	assert_int_equal(line.amount, SENTINEL);
	assert_int_equal(p.n, 77);
	/* INT64_MIN's charge is fine; half of its credit is too. */
	assert_int_equal(billing_prorate_line(&line, BILLING_PRORATION_REMAINING_TIME,
					      INT64_MIN, s, e, s, MONEY_ROUND_HALF_UP),
			 0);
	assert_int_equal(line.amount, INT64_MIN);
	assert_int_equal(billing_prorate_line(&line, BILLING_PRORATION_UNUSED_TIME,
					      INT64_MIN, s, e,
					      T("2026-04-16T00:00:00Z"),
					      MONEY_ROUND_HALF_UP),
			 0);
	assert_int_equal(line.amount, INT64_C(4611686018427387904));
}

static void test_behavior(void **state)
{
	static const struct {
		const char *name;
		enum billing_proration_behavior b;
		enum billing_proration_outcome same_cycle, reset;
	} cases[] = {
		{"create_prorations", BILLING_PRORATION_BEHAVIOR_CREATE_PRORATIONS,
		 BILLING_PRORATION_PENDING, BILLING_PRORATION_INVOICE_NOW},
		{"none", BILLING_PRORATION_BEHAVIOR_NONE, BILLING_PRORATION_DISCARD,
		 BILLING_PRORATION_DISCARD},
		{"always_invoice", BILLING_PRORATION_BEHAVIOR_ALWAYS_INVOICE,
		 BILLING_PRORATION_INVOICE_NOW, BILLING_PRORATION_INVOICE_NOW},
	};
	static const char *const bad[] = {"", "None", "create-prorations", "always",
					  "create_prorations ", "nonee"};
	enum billing_proration_behavior b;
	(void)state;

	for (size_t i = 0; i < N(cases); i++) {
		b = (enum billing_proration_behavior)99;
		assert_int_equal(billing_proration_behavior_parse(&b, cases[i].name), 0);
		assert_int_equal(b, cases[i].b);
		assert_string_equal(billing_proration_behavior_name(b), cases[i].name);
		assert_int_equal(billing_proration_decide(b, false), cases[i].same_cycle);
		assert_int_equal(billing_proration_decide(b, true), cases[i].reset);
	}
	for (size_t i = 0; i < N(bad); i++) {
		b = (enum billing_proration_behavior)99;
		assert_int_equal(billing_proration_behavior_parse(&b, bad[i]),
				 RECUR_EINVAL);
		assert_int_equal(b, 99);
	}
	assert_int_equal(billing_proration_behavior_parse(&b, NULL), RECUR_EINVAL);
	assert_string_equal(billing_proration_behavior_name(
				    (enum billing_proration_behavior)3),
			    "");
	/* Unknown behaviors act as Stripe's default. */
	assert_int_equal(billing_proration_decide((enum billing_proration_behavior)9,
						  false),
			 BILLING_PRORATION_PENDING);
}

static void test_describe(void **state)
{
	struct billing_proration p;
	char buf[128];
	(void)state;

	assert_int_equal(billing_prorate(&p, 10000, 20000, T("2026-01-01T00:00:00Z"),
					 T("2026-02-01T00:00:00Z"),
					 T("2026-01-15T13:00:00Z"), MONEY_ROUND_HALF_UP),
			 0);
	assert_int_equal(billing_proration_describe(buf, sizeof(buf), &p.lines[0], 1,
						    "Pro"),
			 (int)strlen("Unused time on Pro after 15 Jan 2026"));
	assert_string_equal(buf, "Unused time on Pro after 15 Jan 2026");
	assert_int_equal(billing_proration_describe(buf, sizeof(buf), &p.lines[1], 2,
						    "Pro"),
			 (int)strlen("Remaining time on 2 \xc3\x97 Pro after 15 Jan 2026"));
	assert_string_equal(buf, "Remaining time on 2 \xc3\x97 Pro after 15 Jan 2026");
	assert_int_equal(billing_proration_describe(buf, sizeof(buf), &p.lines[1], 0,
						    NULL),
			 (int)strlen("Remaining time on 0 \xc3\x97  after 15 Jan 2026"));

	p.lines[0].period_start = T("0999-12-01T00:00:00Z");
	assert_true(billing_proration_describe(buf, sizeof(buf), &p.lines[0], 1,
					       "Basic") > 0);
	assert_string_equal(buf, "Unused time on Basic after 1 Dec 0999");

	/* Errors. */
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(billing_proration_describe(buf, 10, &p.lines[1], 1, "Pro"),
			 RECUR_ETOOBIG);
	assert_string_equal(buf, "");
	assert_int_equal(billing_proration_describe(buf, 0, &p.lines[1], 1, "Pro"),
			 RECUR_ETOOBIG);
	assert_int_equal(billing_proration_describe(NULL, 10, &p.lines[1], 1, "Pro"),
			 RECUR_ETOOBIG);
	p.lines[1].kind = (enum billing_proration_kind)7;
	assert_int_equal(billing_proration_describe(buf, sizeof(buf), &p.lines[1], 1,
						    "Pro"),
			 RECUR_EINVAL);
	p.lines[0].period_start = CALENDAR_MAX_T + 1;
	assert_int_equal(billing_proration_describe(buf, sizeof(buf), &p.lines[0], 1,
						    "Pro"),
			 RECUR_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_change),
		cmocka_unit_test(test_credit_mirrors_charge),
		cmocka_unit_test(test_zero_remainder),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_behavior),
		cmocka_unit_test(test_describe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
