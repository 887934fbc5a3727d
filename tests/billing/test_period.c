/*
 * Tests for billing/period: boundaries of month-end anchors (29th, 30th, 31st)
 * over 24 months from leap and common years and across the 2100 century
 * rule, yearly from Feb 29, weekly, quarterly and day schedules, nominal
 * anchor days from billing_cycle_anchor_config, the period containing times
 * on and one second around every boundary (cross-checked against a plain walk
 * of the boundaries), trials and anchor resolution with every Stripe rule.
 * Expected dates are literal, taken from an independent implementation
 * (Python's datetime/calendar), not recomputed with the code under test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "billing/period.h"
#include "billing/proration.h"
#include "core/calendar.h"
#include "core/err.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define SENTINEL INT64_C(0x5EED5EED5EED)
#define DAY INT64_C(86400)

/* Parses a literal the test knows to be valid. */
static int64_t T(const char *iso)
{
	int64_t t = 0;
	struct recur_err e;
	err_clear(&e);
	if (calendar_parse_iso8601(&t, iso, &e) != 0)
		fail_msg("fixture '%s' does not parse: %s", iso, e.message);
	return t;
}

static void assert_time(int64_t got, const char *want)
{
	char buf[CALENDAR_ISO8601_SIZE];
	assert_int_equal(calendar_format_iso8601(buf, sizeof(buf), got), 20);
	assert_string_equal(buf, want);
}

/*
 * A schedule and its expected boundaries k0, k0+1, ... as dates; every
 * boundary keeps the anchor's time of day.
 */
struct sched_case {
	const char *anchor; /* full ISO time */
	int anchor_day;
	enum calendar_unit unit;
	int64_t count;
	int64_t k0;
	const char *dates[26];
};

static int64_t expected_at(const struct sched_case *c, size_t i)
{
	int64_t a = T(c->anchor);
	int64_t tod = a - (a / DAY) * DAY; /* anchors here are after 1970 */
	return T(c->dates[i]) + tod;
}

static size_t ndates(const struct sched_case *c)
{
	size_t n = 0;
	while (n < N(c->dates) && c->dates[n])
		n++;
	return n;
}

static void check_containing(const struct sched_case *c, int64_t t,
			     int64_t want_start, int64_t want_end)
{
	int64_t s = SENTINEL, e = SENTINEL;
	int rc = billing_period_containing_day(&s, &e, T(c->anchor),
					       c->anchor_day, c->unit,
					       c->count, t);
	if (rc != 0)
		fail_msg("%s: containing(%lld) failed: %d", c->anchor, (long long)t, rc);
	if (s != want_start || e != want_end)
		fail_msg("%s/%d/%s x%lld: t=%lld got [%lld, %lld) want [%lld, %lld)",
			 c->anchor, c->anchor_day, calendar_unit_name(c->unit),
			 (long long)c->count, (long long)t, (long long)s,
			 (long long)e, (long long)want_start, (long long)want_end);
	if (c->anchor_day == 0) {
		s = e = SENTINEL;
		assert_int_equal(billing_period_containing(&s, &e, T(c->anchor),
							   c->unit, c->count, t),
				 0);
		assert_int_equal(s, want_start);
		assert_int_equal(e, want_end);
	}
}

static void run_sched(const struct sched_case *c)
{
	size_t i, n = ndates(c);
	int64_t b;

	for (i = 0; i < n; i++) {
		int64_t want = expected_at(c, i);
		b = SENTINEL;
		if (billing_period_boundary(&b, T(c->anchor), c->anchor_day, c->unit,
					    c->count, c->k0 + (int64_t)i) != 0)
			fail_msg("%s: boundary %lld failed", c->anchor,
				 (long long)(c->k0 + (int64_t)i));
		if (b != want)
			fail_msg("%s/%d/%s x%lld: boundary %lld is %lld, want %s",
				 c->anchor, c->anchor_day, calendar_unit_name(c->unit),
				 (long long)c->count, (long long)(c->k0 + (int64_t)i),
				 (long long)b, c->dates[i]);
	}
	for (i = 0; i + 1 < n; i++) {
		int64_t s = expected_at(c, i), e = expected_at(c, i + 1);
		check_containing(c, s, s, e);         /* exactly on the boundary */
		check_containing(c, s + 1, s, e);
		check_containing(c, s + (e - s) / 2, s, e);
		check_containing(c, e - 1, s, e);     /* one second before the next */
	}
}

/* Jan 29/30/31 anchors over 24 months, from a common and a leap year. */
static void test_month_end_anchors(void **state)
{
	static const struct sched_case cases[] = {
		{"2023-01-29T12:34:56Z", 0, CAL_MONTH, 1, 0, {
			"2023-01-29", "2023-02-28", "2023-03-29", "2023-04-29", "2023-05-29",
			"2023-06-29", "2023-07-29", "2023-08-29", "2023-09-29", "2023-10-29",
			"2023-11-29", "2023-12-29", "2024-01-29", "2024-02-29", "2024-03-29",
			"2024-04-29", "2024-05-29", "2024-06-29", "2024-07-29", "2024-08-29",
			"2024-09-29", "2024-10-29", "2024-11-29", "2024-12-29", "2025-01-29",
		}},
		{"2023-01-30T00:00:00Z", 0, CAL_MONTH, 1, 0, {
			"2023-01-30", "2023-02-28", "2023-03-30", "2023-04-30", "2023-05-30",
			"2023-06-30", "2023-07-30", "2023-08-30", "2023-09-30", "2023-10-30",
			"2023-11-30", "2023-12-30", "2024-01-30", "2024-02-29", "2024-03-30",
			"2024-04-30", "2024-05-30", "2024-06-30", "2024-07-30", "2024-08-30",
			"2024-09-30", "2024-10-30", "2024-11-30", "2024-12-30", "2025-01-30",
		}},
		{"2023-01-31T23:59:59Z", 0, CAL_MONTH, 1, 0, {
			"2023-01-31", "2023-02-28", "2023-03-31", "2023-04-30", "2023-05-31",
			"2023-06-30", "2023-07-31", "2023-08-31", "2023-09-30", "2023-10-31",
			"2023-11-30", "2023-12-31", "2024-01-31", "2024-02-29", "2024-03-31",
			"2024-04-30", "2024-05-31", "2024-06-30", "2024-07-31", "2024-08-31",
			"2024-09-30", "2024-10-31", "2024-11-30", "2024-12-31", "2025-01-31",
		}},
		{"2024-01-29T08:00:00Z", 0, CAL_MONTH, 1, 0, {
			"2024-01-29", "2024-02-29", "2024-03-29", "2024-04-29", "2024-05-29",
			"2024-06-29", "2024-07-29", "2024-08-29", "2024-09-29", "2024-10-29",
			"2024-11-29", "2024-12-29", "2025-01-29", "2025-02-28", "2025-03-29",
			"2025-04-29", "2025-05-29", "2025-06-29", "2025-07-29", "2025-08-29",
			"2025-09-29", "2025-10-29", "2025-11-29", "2025-12-29", "2026-01-29",
		}},
		{"2024-01-30T12:00:00Z", 0, CAL_MONTH, 1, 0, {
			"2024-01-30", "2024-02-29", "2024-03-30", "2024-04-30", "2024-05-30",
			"2024-06-30", "2024-07-30", "2024-08-30", "2024-09-30", "2024-10-30",
			"2024-11-30", "2024-12-30", "2025-01-30", "2025-02-28", "2025-03-30",
			"2025-04-30", "2025-05-30", "2025-06-30", "2025-07-30", "2025-08-30",
			"2025-09-30", "2025-10-30", "2025-11-30", "2025-12-30", "2026-01-30",
		}},
		{"2024-01-31T00:00:01Z", 0, CAL_MONTH, 1, 0, {
			"2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30", "2024-05-31",
			"2024-06-30", "2024-07-31", "2024-08-31", "2024-09-30", "2024-10-31",
			"2024-11-30", "2024-12-31", "2025-01-31", "2025-02-28", "2025-03-31",
			"2025-04-30", "2025-05-31", "2025-06-30", "2025-07-31", "2025-08-31",
			"2025-09-30", "2025-10-31", "2025-11-30", "2025-12-31", "2026-01-31",
		}},
		/* 2100 is not a leap year (century not divisible by 400). */
		{"2099-12-31T06:30:00Z", 0, CAL_MONTH, 1, 0, {
			"2099-12-31", "2100-01-31", "2100-02-28", "2100-03-31", "2100-04-30",
			"2100-05-31", "2100-06-30", "2100-07-31", "2100-08-31", "2100-09-30",
			"2100-10-31", "2100-11-30", "2100-12-31", "2101-01-31", "2101-02-28",
			"2101-03-31", "2101-04-30", "2101-05-31", "2101-06-30", "2101-07-31",
			"2101-08-31", "2101-09-30", "2101-10-31", "2101-11-30", "2101-12-31",
		}},
	};
	(void)state;
	for (size_t i = 0; i < N(cases); i++)
		run_sched(&cases[i]);
}

/* Yearly from Feb 29: Feb 28 in common years, Feb 29 again in leap years. */
static void test_yearly_feb29(void **state)
{
	static const struct sched_case cases[] = {
		{"2024-02-29T10:00:00Z", 0, CAL_YEAR, 1, -1, {
			"2023-02-28", "2024-02-29", "2025-02-28", "2026-02-28", "2027-02-28",
			"2028-02-29", "2029-02-28", "2030-02-28", "2031-02-28", "2032-02-29",
		}},
		{"2096-02-29T00:00:00Z", 0, CAL_YEAR, 1, -1, {
			"2095-02-28", "2096-02-29", "2097-02-28", "2098-02-28", "2099-02-28",
			"2100-02-28", "2101-02-28", "2102-02-28", "2103-02-28", "2104-02-29",
		}},
		/* Every two years from a leap day stays on leap years. */
		{"2024-02-29T10:00:00Z", 0, CAL_YEAR, 2, -1, {
			"2022-02-28", "2024-02-29", "2026-02-28", "2028-02-29", "2030-02-28",
			"2032-02-29",
		}},
		/* Yearly 3 is the longest interval Stripe allows. */
		{"2024-02-29T10:00:00Z", 0, CAL_YEAR, 3, 0, {
			"2024-02-29", "2027-02-28", "2030-02-28", "2033-02-28", "2036-02-29",
		}},
	};
	(void)state;
	for (size_t i = 0; i < N(cases); i++)
		run_sched(&cases[i]);
}

static void test_quarterly(void **state)
{
	static const struct sched_case cases[] = {
		{"2025-11-30T09:15:00Z", 0, CAL_MONTH, 3, -2, {
			"2025-05-30", "2025-08-30", "2025-11-30", "2026-02-28", "2026-05-30",
			"2026-08-30", "2026-11-30", "2027-02-28", "2027-05-30", "2027-08-30",
			"2027-11-30", "2028-02-29", "2028-05-30", "2028-08-30", "2028-11-30",
		}},
		{"2025-08-31T09:15:00Z", 0, CAL_MONTH, 3, -2, {
			"2025-02-28", "2025-05-31", "2025-08-31", "2025-11-30", "2026-02-28",
			"2026-05-31", "2026-08-31", "2026-11-30", "2027-02-28", "2027-05-31",
			"2027-08-31", "2027-11-30", "2028-02-29", "2028-05-31", "2028-08-31",
		}},
		/* 36 months, the longest monthly interval. */
		{"2024-01-31T00:00:00Z", 0, CAL_MONTH, 36, -1, {
			"2021-01-31", "2024-01-31", "2027-01-31", "2030-01-31",
		}},
	};
	(void)state;
	for (size_t i = 0; i < N(cases); i++)
		run_sched(&cases[i]);
}

static void test_weeks_and_days(void **state)
{
	static const struct sched_case cases[] = {
		/* Wednesday 2026-01-07: every Wednesday, across the year end too. */
		{"2026-01-07T10:00:00Z", 0, CAL_WEEK, 1, -2, {
			"2025-12-24", "2025-12-31", "2026-01-07", "2026-01-14", "2026-01-21",
			"2026-01-28", "2026-02-04", "2026-02-11", "2026-02-18", "2026-02-25",
			"2026-03-04",
		}},
		{"2024-02-22T00:00:00Z", 0, CAL_WEEK, 2, 0, {
			"2024-02-22", "2024-03-07", "2024-03-21", "2024-04-04",
		}},
		{"2024-02-27T18:00:00Z", 0, CAL_DAY, 1, -1, {
			"2024-02-26", "2024-02-27", "2024-02-28", "2024-02-29", "2024-03-01",
			"2024-03-02",
		}},
		{"2024-02-20T18:00:00Z", 0, CAL_DAY, 10, -1, {
			"2024-02-10", "2024-02-20", "2024-03-01", "2024-03-11", "2024-03-21",
		}},
		{"2024-01-01T00:00:00Z", 0, CAL_DAY, 1095, 0, {
			"2024-01-01", "2026-12-31", "2029-12-30",
		}},
		/* Before 1970: negative Unix times floor correctly. */
		{"1969-12-31T23:00:00Z", 0, CAL_DAY, 1, -1, {
			"1969-12-30", "1969-12-31", "1970-01-01", "1970-01-02",
		}},
	};
	(void)state;
	for (size_t i = 0; i < N(cases); i++) {
		if (T(cases[i].anchor) < 0) {
			/* expected_at assumes t >= 0; check this one by hand. */
			int64_t s = SENTINEL, e = SENTINEL;
			int64_t a = T(cases[i].anchor);
			assert_int_equal(billing_period_containing(&s, &e, a, CAL_DAY, 1,
								   a - 1),
					 0);
			assert_time(s, "1969-12-30T23:00:00Z");
			assert_time(e, "1969-12-31T23:00:00Z");
			assert_int_equal(billing_period_containing(&s, &e, a, CAL_DAY, 1,
								   T("1970-01-01T00:00:00Z")),
					 0);
			assert_time(s, "1969-12-31T23:00:00Z");
			assert_time(e, "1970-01-01T23:00:00Z");
			continue;
		}
		run_sched(&cases[i]);
	}
}

/* A nominal day from billing_cycle_anchor_config returns after short months. */
static void test_anchor_day(void **state)
{
	static const struct sched_case cases[] = {
		{"2025-02-28T10:00:00Z", 31, CAL_MONTH, 1, -2, {
			"2024-12-31", "2025-01-31", "2025-02-28", "2025-03-31", "2025-04-30",
			"2025-05-31", "2025-06-30", "2025-07-31", "2025-08-31", "2025-09-30",
			"2025-10-31", "2025-11-30", "2025-12-31", "2026-01-31", "2026-02-28",
		}},
		{"2025-04-30T10:00:00Z", 31, CAL_MONTH, 2, -2, {
			"2024-12-31", "2025-02-28", "2025-04-30", "2025-06-30", "2025-08-31",
			"2025-10-31", "2025-12-31", "2026-02-28", "2026-04-30", "2026-06-30",
		}},
		{"2025-02-28T00:00:00Z", 29, CAL_YEAR, 1, -1, {
			"2024-02-29", "2025-02-28", "2026-02-28", "2027-02-28", "2028-02-29",
			"2029-02-28", "2030-02-28", "2031-02-28", "2032-02-29",
		}},
		{"2025-02-28T00:00:00Z", 30, CAL_MONTH, 1, -1, {
			"2025-01-30", "2025-02-28", "2025-03-30", "2025-04-30", "2025-05-30",
			"2025-06-30", "2025-07-30", "2025-08-30", "2025-09-30", "2025-10-30",
			"2025-11-30", "2025-12-30", "2026-01-30", "2026-02-28",
		}},
		/* The anchor's own day given explicitly is the plain schedule. */
		{"2025-02-28T00:00:00Z", 28, CAL_MONTH, 1, 0, {
			"2025-02-28", "2025-03-28", "2025-04-28",
		}},
		/* Nov 30 with day 31: the reference is Oct 31. */
		{"2025-11-30T00:00:00Z", 31, CAL_MONTH, 1, 0, {
			"2025-11-30", "2025-12-31", "2026-01-31", "2026-02-28",
		}},
	};
	int64_t b;
	(void)state;
	for (size_t i = 0; i < N(cases); i++)
		run_sched(&cases[i]);

	/* Nominal days that do not fit the anchor. */
	b = SENTINEL;
	assert_int_equal(billing_period_boundary(&b, T("2025-02-15T00:00:00Z"), 31,
						 CAL_MONTH, 1, 1),
			 RECUR_EINVAL); /* Feb 15 is not day 31 clamped */
	assert_int_equal(billing_period_boundary(&b, T("2025-03-30T00:00:00Z"), 31,
						 CAL_MONTH, 1, 1),
			 RECUR_EINVAL); /* March has a 31st */
	assert_int_equal(billing_period_boundary(&b, T("2025-02-28T00:00:00Z"), 32,
						 CAL_MONTH, 1, 1),
			 RECUR_EINVAL);
	assert_int_equal(billing_period_boundary(&b, T("2025-02-28T00:00:00Z"), 10,
						 CAL_MONTH, 1, 1),
			 RECUR_EINVAL);
	assert_int_equal(billing_period_boundary(&b, T("2025-02-28T00:00:00Z"), -1,
						 CAL_MONTH, 1, 1),
			 RECUR_EINVAL);
	assert_int_equal(billing_period_boundary(&b, T("2025-02-28T00:00:00Z"), 31,
						 CAL_WEEK, 1, 1),
			 RECUR_EINVAL);
	assert_int_equal(billing_period_boundary(&b, T("2025-02-28T00:00:00Z"), 28,
						 CAL_DAY, 1, 1),
			 RECUR_EINVAL);
	assert_int_equal(b, SENTINEL);
}

/*
 * The O(1) index estimate against a plain walk: for every anchor day of a
 * leap year, monthly, quarterly, yearly, weekly and every 3 days, every day
 * from 400 days before to 800 days after the anchor, at three times of day
 * (midnight, one second before the anchor's time of day, and on it), the
 * period found must be the one a walk over consecutive boundaries gives.
 */
static void test_containing_matches_walk(void **state)
{
	static const struct {
		enum calendar_unit unit;
		int64_t count;
	} ivs[] = {{CAL_MONTH, 1}, {CAL_MONTH, 3}, {CAL_YEAR, 1}, {CAL_WEEK, 1},
		   {CAL_DAY, 3}};
	const int64_t tod = 12 * 3600 + 34 * 60 + 56;
	const int64_t offsets[3] = {0, tod - 1, tod}; /* ascending: the walk only moves forward */
	int64_t a0 = T("2024-01-01T00:00:00Z");
	long checked = 0;
	(void)state;

	for (int64_t d = 0; d < 366; d++) {
		int64_t anchor = a0 + d * DAY + tod;
		for (size_t v = 0; v < N(ivs); v++) {
			int64_t k = -200, lo, hi;
			assert_int_equal(billing_period_boundary(&lo, anchor, 0, ivs[v].unit,
								 ivs[v].count, k),
					 0);
			assert_int_equal(billing_period_boundary(&hi, anchor, 0, ivs[v].unit,
								 ivs[v].count, k + 1),
					 0);
			for (int64_t day = -400; day <= 800; day++) {
				for (int o = 0; o < 3; o++) {
					int64_t t = anchor - tod + day * DAY + offsets[o];
					int64_t s = SENTINEL, e = SENTINEL;
					while (t >= hi) {
						k++;
						lo = hi;
						assert_int_equal(billing_period_boundary(&hi, anchor, 0,
											 ivs[v].unit,
											 ivs[v].count,
											 k + 1),
								 0);
					}
					assert_true(lo <= t);
					assert_int_equal(billing_period_containing(&s, &e, anchor,
										   ivs[v].unit,
										   ivs[v].count, t),
							 0);
					if (s != lo || e != hi)
						fail_msg("anchor %lld %s x%lld t %lld: got [%lld,%lld) want [%lld,%lld)",
							 (long long)anchor,
							 calendar_unit_name(ivs[v].unit),
							 (long long)ivs[v].count, (long long)t,
							 (long long)s, (long long)e, (long long)lo,
							 (long long)hi);
					checked++;
				}
			}
		}
	}
	assert_true(checked > 6000000);
}

/*
 * Before the anchor: the schedule extends backwards, so a stub's containing
 * period is the full period that ends at the anchor.
 */
static void test_before_anchor(void **state)
{
	int64_t s, e, anchor = T("2026-01-31T00:00:00Z");
	(void)state;

	assert_int_equal(billing_period_containing(&s, &e, anchor, CAL_MONTH, 1,
						   T("2026-01-15T00:00:00Z")),
			 0);
	assert_time(s, "2025-12-31T00:00:00Z");
	assert_time(e, "2026-01-31T00:00:00Z");
	assert_int_equal(billing_period_containing(&s, &e, anchor, CAL_MONTH, 1,
						   anchor - 1),
			 0);
	assert_time(s, "2025-12-31T00:00:00Z");
	assert_time(e, "2026-01-31T00:00:00Z");
	assert_int_equal(billing_period_containing(&s, &e, anchor, CAL_MONTH, 1,
						   T("2025-06-01T00:00:00Z")),
			 0);
	assert_time(s, "2025-05-31T00:00:00Z");
	assert_time(e, "2025-06-30T00:00:00Z");
	/* Far away in either direction stays O(1) and exact. */
	assert_int_equal(billing_period_containing(&s, &e, anchor, CAL_MONTH, 1,
						   T("1601-03-01T00:00:00Z")),
			 0);
	assert_time(s, "1601-02-28T00:00:00Z");
	assert_time(e, "1601-03-31T00:00:00Z");
	assert_int_equal(billing_period_containing(&s, &e, anchor, CAL_MONTH, 1,
						   T("9999-12-30T23:59:59Z")),
			 0);
	assert_time(s, "9999-11-30T00:00:00Z");
	assert_time(e, "9999-12-31T00:00:00Z");
	assert_int_equal(billing_period_containing(&s, &e, anchor, CAL_WEEK, 1,
						   T("1900-01-01T00:00:00Z")),
			 0);
	assert_true(s <= T("1900-01-01T00:00:00Z") && e > T("1900-01-01T00:00:00Z"));
	assert_int_equal(e - s, 7 * DAY);
	assert_int_equal((anchor - s) % (7 * DAY), 0);
}

static void test_period_errors(void **state)
{
	int64_t s = SENTINEL, e = SENTINEL, b = SENTINEL;
	int64_t a = T("2026-01-31T00:00:00Z");
	(void)state;

	assert_int_equal(billing_period_containing(&s, &e, a, CAL_MONTH, 0, a),
			 RECUR_EINVAL);
	assert_int_equal(billing_period_containing(&s, &e, a, CAL_MONTH, -1, a),
			 RECUR_EINVAL);
	assert_int_equal(billing_period_containing(&s, &e, a, (enum calendar_unit)9,
						   1, a),
			 RECUR_EINVAL);
	assert_int_equal(billing_period_containing(&s, &e, CALENDAR_MAX_T + 1,
						   CAL_MONTH, 1, a),
			 RECUR_EINVAL);
	assert_int_equal(billing_period_containing(&s, &e, a, CAL_MONTH, 1,
						   CALENDAR_MIN_T - 1),
			 RECUR_EINVAL);
	/* The period would end after 9999-12-31. */
	assert_int_equal(billing_period_containing(&s, &e, T("9999-12-01T00:00:00Z"),
						   CAL_MONTH, 1,
						   T("9999-12-15T00:00:00Z")),
			 RECUR_EOVERFLOW);
	assert_int_equal(billing_period_containing(&s, &e, a, CAL_DAY, 1,
						   CALENDAR_MAX_T),
			 RECUR_EOVERFLOW);
	/* ... or start before 0001-01-01. */
	assert_int_equal(billing_period_containing(&s, &e, T("0001-01-15T00:00:00Z"),
						   CAL_MONTH, 1, CALENDAR_MIN_T),
			 RECUR_EOVERFLOW);
	assert_int_equal(billing_period_containing(&s, &e, T("0001-01-15T00:00:00Z"),
						   CAL_DAY, 30, CALENDAR_MIN_T),
			 RECUR_EOVERFLOW);
	/* Counts whose step overflows. */
	assert_int_equal(billing_period_containing(&s, &e, a, CAL_DAY, INT64_MAX, a),
			 RECUR_EOVERFLOW);
	assert_int_equal(billing_period_containing(&s, &e, a, CAL_YEAR, INT64_MAX, a),
			 RECUR_EOVERFLOW);
	assert_int_equal(s, SENTINEL);
	assert_int_equal(e, SENTINEL);

	assert_int_equal(billing_period_boundary(&b, a, 0, CAL_MONTH, 1, INT64_MAX),
			 RECUR_EOVERFLOW);
	assert_int_equal(billing_period_boundary(&b, a, 0, CAL_MONTH, 2,
						 INT64_MAX / 2 + 1),
			 RECUR_EOVERFLOW);
	assert_int_equal(billing_period_boundary(&b, T("2025-02-28T00:00:00Z"), 31,
						 CAL_MONTH, 1, INT64_MAX),
			 RECUR_EOVERFLOW);
	assert_int_equal(billing_period_boundary(&b, a, 0, CAL_WEEK, 1, INT64_MAX),
			 RECUR_EOVERFLOW);
	assert_int_equal(billing_period_boundary(&b, a, 0, CAL_DAY, 1,
						 INT64_C(200000000)),
			 RECUR_EOVERFLOW);
	assert_int_equal(billing_period_boundary(&b, a, 0, CAL_MONTH, 1,
						 INT64_C(200000)),
			 RECUR_EOVERFLOW);
	assert_int_equal(b, SENTINEL);
	assert_int_equal(billing_period_boundary(&b, a, 0, CAL_MONTH, 1, 0), 0);
	assert_int_equal(b, a);
}

static void test_interval_validate(void **state)
{
	static const struct {
		enum calendar_unit unit;
		int64_t count;
		int ok;
	} cases[] = {
		{CAL_DAY, 1, 1},     {CAL_DAY, 1095, 1},  {CAL_DAY, 1096, 0},
		{CAL_WEEK, 1, 1},    {CAL_WEEK, 156, 1},  {CAL_WEEK, 157, 0},
		{CAL_MONTH, 1, 1},   {CAL_MONTH, 36, 1},  {CAL_MONTH, 37, 0},
		{CAL_YEAR, 1, 1},    {CAL_YEAR, 3, 1},    {CAL_YEAR, 4, 0},
		{CAL_MONTH, 0, 0},   {CAL_MONTH, -1, 0},  {CAL_DAY, INT64_MIN, 0},
		{CAL_YEAR, INT64_MAX, 0}, {(enum calendar_unit)4, 1, 0},
		{(enum calendar_unit)-1, 1, 0},
	};
	(void)state;
	for (size_t i = 0; i < N(cases); i++) {
		struct billing_interval iv = {cases[i].unit, cases[i].count};
		struct recur_err e;
		err_clear(&e);
		int rc = billing_interval_validate(&iv, &e);
		if (cases[i].ok) {
			assert_int_equal(rc, 0);
		} else {
			assert_int_equal(rc, RECUR_EINVAL);
			assert_int_equal(e.status, 400);
			assert_string_equal(e.param, "");
			assert_true(strlen(e.message) > 0);
		}
	}
	assert_int_equal(billing_interval_count_max(CAL_DAY), 1095);
	assert_int_equal(billing_interval_count_max(CAL_WEEK), 156);
	assert_int_equal(billing_interval_count_max(CAL_MONTH), 36);
	assert_int_equal(billing_interval_count_max(CAL_YEAR), 3);
	assert_int_equal(billing_interval_count_max((enum calendar_unit)7), 0);
}

static void test_trials(void **state)
{
	const int64_t now = T("2026-01-31T10:00:00Z");
	static const struct {
		enum billing_trial_kind kind;
		int64_t value; /* for END: offset from now in seconds */
		int rc;
		bool trialing;
		const char *end;
		const char *param;
	} cases[] = {
		{BILLING_TRIAL_NONE, 0, 0, false, "2026-01-31T10:00:00Z", NULL},
		{BILLING_TRIAL_END_NOW, 12345, 0, false, "2026-01-31T10:00:00Z", NULL},
		{BILLING_TRIAL_DAYS, 0, 0, false, "2026-01-31T10:00:00Z", NULL},
		{BILLING_TRIAL_DAYS, 1, 0, true, "2026-02-01T10:00:00Z", NULL},
		{BILLING_TRIAL_DAYS, 14, 0, true, "2026-02-14T10:00:00Z", NULL},
		{BILLING_TRIAL_DAYS, 30, 0, true, "2026-03-02T10:00:00Z", NULL},
		{BILLING_TRIAL_DAYS, 730, 0, true, "2028-01-31T10:00:00Z", NULL},
		{BILLING_TRIAL_DAYS, 731, RECUR_EINVAL, false, NULL, "trial_period_days"},
		{BILLING_TRIAL_DAYS, -1, RECUR_EINVAL, false, NULL, "trial_period_days"},
		{BILLING_TRIAL_DAYS, INT64_MAX, RECUR_EINVAL, false, NULL, "trial_period_days"},
		{BILLING_TRIAL_END, 1, 0, true, "2026-01-31T10:00:01Z", NULL},
		{BILLING_TRIAL_END, 14 * DAY + 3600, 0, true, "2026-02-14T11:00:00Z", NULL},
		{BILLING_TRIAL_END, 730 * DAY, 0, true, "2028-01-31T10:00:00Z", NULL},
		{BILLING_TRIAL_END, 730 * DAY + 1, RECUR_EINVAL, false, NULL, "trial_end"},
		{BILLING_TRIAL_END, 0, RECUR_EINVAL, false, NULL, "trial_end"},
		{BILLING_TRIAL_END, -1, RECUR_EINVAL, false, NULL, "trial_end"},
		{(enum billing_trial_kind)9, 0, RECUR_EINVAL, false, NULL, ""},
	};
	(void)state;
	for (size_t i = 0; i < N(cases); i++) {
		struct billing_trial_spec spec = {cases[i].kind, cases[i].value};
		struct billing_trial tr = {true, SENTINEL, SENTINEL};
		struct recur_err e;
		err_clear(&e);
		if (cases[i].kind == BILLING_TRIAL_END)
			spec.value = now + cases[i].value;
		int rc = billing_trial_resolve(&tr, &spec, now, &e);
		if (rc != cases[i].rc)
			fail_msg("case %zu: rc %d want %d (%s)", i, rc, cases[i].rc,
				 e.message);
		if (rc != 0) {
			assert_string_equal(e.param, cases[i].param);
			assert_int_equal(tr.start, SENTINEL);
			continue;
		}
		assert_int_equal(tr.trialing, cases[i].trialing);
		assert_int_equal(tr.start, now);
		assert_time(tr.end, cases[i].end);
	}
}

static void test_trial_range(void **state)
{
	struct billing_trial tr = {false, SENTINEL, SENTINEL};
	struct billing_trial_spec days = {BILLING_TRIAL_DAYS, 14};
	struct billing_trial_spec end = {BILLING_TRIAL_END, CALENDAR_MAX_T + 10};
	struct recur_err e;
	(void)state;

	err_clear(&e);
	assert_int_equal(billing_trial_resolve(&tr, &days, CALENDAR_MAX_T - 10 * DAY,
					       &e),
			 RECUR_EINVAL);
	assert_string_equal(e.param, "trial_period_days");
	err_clear(&e);
	assert_int_equal(billing_trial_resolve(&tr, &end, CALENDAR_MAX_T - 10, &e),
			 RECUR_EINVAL);
	assert_string_equal(e.param, "trial_end");
	err_clear(&e);
	assert_int_equal(billing_trial_resolve(&tr, &days, CALENDAR_MAX_T + 1, &e),
			 RECUR_EINVAL);
	assert_int_equal(tr.start, SENTINEL);
}

/* Resolves with no trial; fails the test on error. */
static struct billing_anchor resolve(const struct billing_anchor_spec *spec,
				     enum calendar_unit unit, int64_t count,
				     int64_t now, const struct billing_trial *tr)
{
	struct billing_interval iv = {unit, count};
	struct billing_anchor a;
	struct recur_err e;
	err_clear(&e);
	if (billing_anchor_resolve(&a, spec, &iv, now, tr, &e) != 0)
		fail_msg("anchor resolve failed: %s (%s)", e.message, e.param);
	return a;
}

static void expect_reject(const struct billing_anchor_spec *spec,
			  enum calendar_unit unit, int64_t count, int64_t now,
			  const struct billing_trial *tr, int rc,
			  const char *param, const char *msg_part)
{
	struct billing_interval iv = {unit, count};
	struct billing_anchor a = {SENTINEL, 99, SENTINEL, SENTINEL};
	struct recur_err e;
	err_clear(&e);
	assert_int_equal(billing_anchor_resolve(&a, spec, &iv, now, tr, &e), rc);
	assert_string_equal(e.param, param);
	if (msg_part && !strstr(e.message, msg_part))
		fail_msg("message '%s' lacks '%s'", e.message, msg_part);
	assert_int_equal(a.anchor, SENTINEL);
	assert_int_equal(a.anchor_day, 99);
}

static void test_anchor_default_and_timestamp(void **state)
{
	const int64_t now = T("2026-01-31T10:00:00Z");
	struct billing_anchor_spec def = {BILLING_ANCHOR_DEFAULT, 0, {0, 0, -1, -1, -1}};
	struct billing_anchor_spec ts = def;
	struct billing_trial trial = {true, now, T("2026-02-14T10:00:00Z")};
	struct billing_trial no_trial = {false, now, now};
	struct billing_anchor a;
	(void)state;

	/* Default: creation time; the stub is empty. */
	a = resolve(&def, CAL_MONTH, 1, now, NULL);
	assert_int_equal(a.anchor, now);
	assert_int_equal(a.start, now);
	assert_int_equal(a.anchor_day, 0);
	assert_time(a.stub_period_start, "2025-12-31T10:00:00Z");
	a = resolve(&def, CAL_MONTH, 1, now, &no_trial);
	assert_int_equal(a.anchor, now);

	/* Default with a trial: the trial end (Stripe). */
	a = resolve(&def, CAL_MONTH, 1, now, &trial);
	assert_time(a.anchor, "2026-02-14T10:00:00Z");
	assert_time(a.start, "2026-02-14T10:00:00Z");
	assert_time(a.stub_period_start, "2026-01-14T10:00:00Z");

	/* A future timestamp within one interval: stub [now, anchor). */
	ts.kind = BILLING_ANCHOR_TIMESTAMP;
	ts.timestamp = T("2026-02-01T00:00:00Z");
	a = resolve(&ts, CAL_MONTH, 1, now, NULL);
	assert_time(a.anchor, "2026-02-01T00:00:00Z");
	assert_int_equal(a.start, now);
	assert_int_equal(a.anchor_day, 0);
	assert_time(a.stub_period_start, "2026-01-01T00:00:00Z");
	/* Exactly the next natural billing date (Jan 31 + 1 month = Feb 28). */
	ts.timestamp = T("2026-02-28T10:00:00Z");
	a = resolve(&ts, CAL_MONTH, 1, now, NULL);
	assert_time(a.anchor, "2026-02-28T10:00:00Z");
	assert_time(a.stub_period_start, "2026-01-28T10:00:00Z");
	/* Equal to now: the default. */
	ts.timestamp = now;
	a = resolve(&ts, CAL_MONTH, 1, now, NULL);
	assert_int_equal(a.anchor, now);
	/* Weekly: at most seven days ahead. */
	ts.timestamp = now + 7 * DAY;
	a = resolve(&ts, CAL_WEEK, 1, now, NULL);
	assert_int_equal(a.anchor, now + 7 * DAY);
	assert_int_equal(a.stub_period_start, now);

	ts.timestamp = T("2026-02-28T10:00:01Z");
	expect_reject(&ts, CAL_MONTH, 1, now, NULL, RECUR_EINVAL,
		      "billing_cycle_anchor", "next natural billing date");
	ts.timestamp = now + 7 * DAY + 1;
	expect_reject(&ts, CAL_WEEK, 1, now, NULL, RECUR_EINVAL,
		      "billing_cycle_anchor", "next natural billing date");
	ts.timestamp = now - 1;
	expect_reject(&ts, CAL_MONTH, 1, now, NULL, RECUR_EINVAL,
		      "billing_cycle_anchor", "in the future");

	/* With a trial the anchor counts from the trial end. */
	ts.timestamp = T("2026-03-01T00:00:00Z");
	a = resolve(&ts, CAL_MONTH, 1, now, &trial);
	assert_time(a.anchor, "2026-03-01T00:00:00Z");
	assert_time(a.start, "2026-02-14T10:00:00Z");
	assert_time(a.stub_period_start, "2026-02-01T00:00:00Z");
	ts.timestamp = T("2026-02-10T00:00:00Z");
	expect_reject(&ts, CAL_MONTH, 1, now, &trial, RECUR_EINVAL,
		      "billing_cycle_anchor", "trial_end");
	ts.timestamp = T("2026-03-14T10:00:01Z");
	expect_reject(&ts, CAL_MONTH, 1, now, &trial, RECUR_EINVAL,
		      "billing_cycle_anchor", "next natural billing date");

	/* Near the calendar's end the natural date overflows; the range still holds. */
	ts.timestamp = CALENDAR_MAX_T;
	a = resolve(&ts, CAL_MONTH, 1, T("9999-12-15T00:00:00Z"), NULL);
	assert_int_equal(a.anchor, CALENDAR_MAX_T);
	ts.timestamp = CALENDAR_MAX_T + 1;
	expect_reject(&ts, CAL_MONTH, 1, T("9999-12-15T00:00:00Z"), NULL,
		      RECUR_EINVAL, "billing_cycle_anchor", NULL);
}

static void test_anchor_config(void **state)
{
	static const struct {
		const char *now;
		enum calendar_unit unit;
		int64_t count;
		struct billing_anchor_config cfg;
		const char *anchor;
		const char *stub_period_start;
		const char *next; /* boundary 1 */
	} cases[] = {
		/* day_of_month 31 in February: Feb 28, then back to the 31st. */
		{"2025-02-10T10:00:00Z", CAL_MONTH, 1, {31, 0, -1, -1, -1},
		 "2025-02-28T10:00:00Z", "2025-01-31T10:00:00Z", "2025-03-31T10:00:00Z"},
		{"2024-02-10T10:00:00Z", CAL_MONTH, 1, {31, 0, 0, 0, 0},
		 "2024-02-29T00:00:00Z", "2024-01-31T00:00:00Z", "2024-03-31T00:00:00Z"},
		/* Already past this month's day: next month. */
		{"2026-01-20T10:00:00Z", CAL_MONTH, 1, {15, 0, 0, 0, 0},
		 "2026-02-15T00:00:00Z", "2026-01-15T00:00:00Z", "2026-03-15T00:00:00Z"},
		{"2026-12-20T10:00:00Z", CAL_MONTH, 1, {1, 0, 0, 0, 0},
		 "2027-01-01T00:00:00Z", "2026-12-01T00:00:00Z", "2027-02-01T00:00:00Z"},
		/* Exactly now: no stub. */
		{"2026-01-20T09:00:00Z", CAL_MONTH, 1, {20, 0, 9, 0, 0},
		 "2026-01-20T09:00:00Z", "2025-12-20T09:00:00Z", "2026-02-20T09:00:00Z"},
		/* Same day, earlier time: next month. */
		{"2026-01-20T09:00:00Z", CAL_MONTH, 1, {20, 0, 8, 59, 59},
		 "2026-02-20T08:59:59Z", "2026-01-20T08:59:59Z", "2026-03-20T08:59:59Z"},
		/* Same day, later time: today. Partial time: hour given, rest from now. */
		{"2026-01-20T09:10:11Z", CAL_MONTH, 1, {20, 0, 17, -1, -1},
		 "2026-01-20T17:10:11Z", "2025-12-20T17:10:11Z", "2026-02-20T17:10:11Z"},
		{"2026-01-20T09:10:11Z", CAL_MONTH, 3, {30, 0, -1, 0, -1},
		 "2026-01-30T09:00:11Z", "2025-10-30T09:00:11Z", "2026-04-30T09:00:11Z"},
		/* Yearly with a month. */
		{"2025-03-01T00:00:00Z", CAL_YEAR, 1, {29, 2, 0, 0, 0},
		 "2026-02-28T00:00:00Z", "2025-02-28T00:00:00Z", "2027-02-28T00:00:00Z"},
		{"2025-01-15T00:00:00Z", CAL_YEAR, 1, {1, 7, 12, 0, 0},
		 "2025-07-01T12:00:00Z", "2024-07-01T12:00:00Z", "2026-07-01T12:00:00Z"},
		/* Yearly without a month: the next such day in any month. */
		{"2025-12-20T00:00:00Z", CAL_YEAR, 1, {5, 0, 0, 0, 0},
		 "2026-01-05T00:00:00Z", "2025-01-05T00:00:00Z", "2027-01-05T00:00:00Z"},
	};
	(void)state;
	for (size_t i = 0; i < N(cases); i++) {
		struct billing_anchor_spec spec = {BILLING_ANCHOR_CONFIG, 0, cases[i].cfg};
		int64_t now = T(cases[i].now), next = SENTINEL;
		struct billing_anchor a = resolve(&spec, cases[i].unit, cases[i].count,
						  now, NULL);
		assert_time(a.anchor, cases[i].anchor);
		assert_int_equal(a.start, now);
		assert_int_equal(a.anchor_day, cases[i].cfg.day_of_month);
		assert_time(a.stub_period_start, cases[i].stub_period_start);
		assert_int_equal(billing_period_boundary(&next, a.anchor, a.anchor_day,
							 cases[i].unit, cases[i].count,
							 1),
				 0);
		assert_time(next, cases[i].next);
	}
}

static void test_anchor_config_leap_followup(void **state)
{
	/* Yearly day 29 of February, resolved to Feb 28 2026: back to Feb 29 in 2028. */
	struct billing_anchor_spec spec = {BILLING_ANCHOR_CONFIG, 0, {29, 2, 0, 0, 0}};
	struct billing_anchor a = resolve(&spec, CAL_YEAR, 1,
					  T("2025-03-01T00:00:00Z"), NULL);
	int64_t s, e;
	(void)state;
	assert_int_equal(billing_period_containing_day(&s, &e, a.anchor, a.anchor_day,
						       CAL_YEAR, 1,
						       T("2028-01-01T00:00:00Z")),
			 0);
	assert_time(s, "2027-02-28T00:00:00Z");
	assert_time(e, "2028-02-29T00:00:00Z");
}

static void test_anchor_with_trial_and_config(void **state)
{
	/* A 14-day trial, then the stub to the 1st, then full months. */
	const int64_t now = T("2026-01-10T15:00:00Z");
	struct billing_trial_spec ts = {BILLING_TRIAL_DAYS, 14};
	struct billing_anchor_spec spec = {BILLING_ANCHOR_CONFIG, 0, {1, 0, 0, 0, 0}};
	struct billing_trial tr;
	struct billing_anchor a;
	struct recur_err e;
	(void)state;

	err_clear(&e);
	assert_int_equal(billing_trial_resolve(&tr, &ts, now, &e), 0);
	a = resolve(&spec, CAL_MONTH, 1, now, &tr);
	assert_time(a.start, "2026-01-24T15:00:00Z");
	assert_time(a.anchor, "2026-02-01T00:00:00Z");
	assert_time(a.stub_period_start, "2026-01-01T00:00:00Z");
}

/*
 * The stub Stripe prorates at creation: created Jan 10, anchored on the 1st;
 * 22 of January's 31 days, of a 3100 price, is exactly 2200.
 */
static void test_anchor_stub_proration(void **state)
{
	struct billing_anchor_spec spec = {BILLING_ANCHOR_CONFIG, 0, {1, 0, -1, -1, -1}};
	struct billing_anchor a = resolve(&spec, CAL_MONTH, 1,
					  T("2026-01-10T00:00:00Z"), NULL);
	struct billing_proration_line line;
	(void)state;

	assert_time(a.anchor, "2026-02-01T00:00:00Z");
	assert_int_equal(billing_prorate_line(&line, BILLING_PRORATION_REMAINING_TIME,
					      3100, a.stub_period_start, a.anchor,
					      a.start, MONEY_ROUND_HALF_UP),
			 0);
	assert_int_equal(line.amount, 2200);
	assert_int_equal(line.period_start, a.start);
	assert_int_equal(line.period_end, a.anchor);
}

static void test_anchor_rejects(void **state)
{
	const int64_t now = T("2026-01-31T10:00:00Z");
	struct billing_anchor_spec cfg = {BILLING_ANCHOR_CONFIG, 0, {15, 0, -1, -1, -1}};
	struct billing_anchor_spec c;
	struct billing_anchor_spec def = {BILLING_ANCHOR_DEFAULT, 0, {0, 0, -1, -1, -1}};
	struct billing_anchor_spec bad = {(enum billing_anchor_kind)7, 0, {0, 0, 0, 0, 0}};
	struct billing_trial far = {true, now, CALENDAR_MAX_T + 1};
	(void)state;

	/* Config is for months and years only. */
	expect_reject(&cfg, CAL_WEEK, 1, now, NULL, RECUR_EINVAL,
		      "billing_cycle_anchor_config", "monthly and yearly");
	expect_reject(&cfg, CAL_DAY, 7, now, NULL, RECUR_EINVAL,
		      "billing_cycle_anchor_config", NULL);
	c = cfg;
	c.config.day_of_month = 0;
	expect_reject(&c, CAL_MONTH, 1, now, NULL, RECUR_EINVAL,
		      "billing_cycle_anchor_config[day_of_month]", "between 1 and 31");
	c.config.day_of_month = 32;
	expect_reject(&c, CAL_MONTH, 1, now, NULL, RECUR_EINVAL,
		      "billing_cycle_anchor_config[day_of_month]", NULL);
	c = cfg;
	c.config.month = 3;
	expect_reject(&c, CAL_MONTH, 1, now, NULL, RECUR_EINVAL,
		      "billing_cycle_anchor_config[month]", "yearly");
	c.config.month = 13;
	expect_reject(&c, CAL_YEAR, 1, now, NULL, RECUR_EINVAL,
		      "billing_cycle_anchor_config[month]", NULL);
	c.config.month = -1;
	expect_reject(&c, CAL_YEAR, 1, now, NULL, RECUR_EINVAL,
		      "billing_cycle_anchor_config[month]", NULL);
	c = cfg;
	c.config.hour = 24;
	expect_reject(&c, CAL_MONTH, 1, now, NULL, RECUR_EINVAL,
		      "billing_cycle_anchor_config[hour]", "between 0 and 23");
	c.config.hour = -2;
	expect_reject(&c, CAL_MONTH, 1, now, NULL, RECUR_EINVAL,
		      "billing_cycle_anchor_config[hour]", NULL);
	c = cfg;
	c.config.minute = 60;
	expect_reject(&c, CAL_MONTH, 1, now, NULL, RECUR_EINVAL,
		      "billing_cycle_anchor_config[minute]", NULL);
	c.config.minute = -2;
	expect_reject(&c, CAL_MONTH, 1, now, NULL, RECUR_EINVAL,
		      "billing_cycle_anchor_config[minute]", "between 0 and 59");
	c = cfg;
	c.config.second = -2;
	expect_reject(&c, CAL_MONTH, 1, now, NULL, RECUR_EINVAL,
		      "billing_cycle_anchor_config[second]", NULL);
	c.config.second = 60;
	expect_reject(&c, CAL_MONTH, 1, now, NULL, RECUR_EINVAL,
		      "billing_cycle_anchor_config[second]", NULL);
	/* The next day 31 at midnight would be in the year 10000. */
	c = cfg;
	c.config.day_of_month = 31;
	c.config.hour = 0;
	expect_reject(&c, CAL_MONTH, 1, T("9999-12-31T12:00:00Z"), NULL, RECUR_EINVAL,
		      "billing_cycle_anchor_config", "9999");

	/* A bad interval is named by the caller. */
	expect_reject(&def, CAL_MONTH, 37, now, NULL, RECUR_EINVAL, "", NULL);
	expect_reject(&def, CAL_MONTH, 0, now, NULL, RECUR_EINVAL, "", NULL);
	/* Times outside the calendar. */
	expect_reject(&def, CAL_MONTH, 1, CALENDAR_MAX_T + 1, NULL, RECUR_EINVAL, "",
		      NULL);
	expect_reject(&def, CAL_MONTH, 1, now, &far, RECUR_EINVAL, "trial_end", NULL);
	/* The full period before the anchor would start before year 1. */
	expect_reject(&def, CAL_MONTH, 1, CALENDAR_MIN_T, NULL, RECUR_EINVAL,
		      "billing_cycle_anchor", "0001-01-01");
	expect_reject(&bad, CAL_MONTH, 1, now, NULL, RECUR_EINVAL,
		      "billing_cycle_anchor", NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_month_end_anchors),
		cmocka_unit_test(test_yearly_feb29),
		cmocka_unit_test(test_quarterly),
		cmocka_unit_test(test_weeks_and_days),
		cmocka_unit_test(test_anchor_day),
		cmocka_unit_test(test_containing_matches_walk),
		cmocka_unit_test(test_before_anchor),
		cmocka_unit_test(test_period_errors),
		cmocka_unit_test(test_interval_validate),
		cmocka_unit_test(test_trials),
		cmocka_unit_test(test_trial_range),
		cmocka_unit_test(test_anchor_default_and_timestamp),
		cmocka_unit_test(test_anchor_config),
		cmocka_unit_test(test_anchor_config_leap_followup),
		cmocka_unit_test(test_anchor_with_trial_and_config),
		cmocka_unit_test(test_anchor_stub_proration),
		cmocka_unit_test(test_anchor_rejects),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
