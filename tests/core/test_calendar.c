/*
 * Tests for core/calendar: leap years, the civil <-> day-count conversion over
 * the whole supported range, month-end clamping from anchors on the 29th, 30th
 * and 31st of every month of a leap and a non-leap year, and ISO 8601 parsing
 * and formatting. Expected values are literal, taken from an independent
 * implementation (Python's datetime/calendar), not recomputed with the code
 * under test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/calendar.h"
#include "core/err.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define SENTINEL INT64_C(0x5EED5EED5EED)

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

static void test_leap_years(void **state)
{
	static const struct {
		int year;
		bool leap;
	} cases[] = {
		{1, false},    {4, true},     {100, false},  {400, true},
		{1600, true},  {1700, false}, {1800, false}, {1900, false},
		{1970, false}, {1972, true},  {2000, true},  {2023, false},
		{2024, true},  {2025, false}, {2100, false}, {2400, true},
		{9996, true},  {9999, false},
	};
	size_t i;
	(void)state;
	for (i = 0; i < N(cases); i++)
		assert_int_equal(calendar_is_leap(cases[i].year), cases[i].leap);
}

static void test_days_in_month(void **state)
{
	static const int leap[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	static const int common[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int m;
	(void)state;
	for (m = 1; m <= 12; m++) {
		assert_int_equal(calendar_days_in_month(2024, m), leap[m - 1]);
		assert_int_equal(calendar_days_in_month(2025, m), common[m - 1]);
	}
	assert_int_equal(calendar_days_in_month(1900, 2), 28);
	assert_int_equal(calendar_days_in_month(2000, 2), 29);
	assert_int_equal(calendar_days_in_month(2024, 0), 0);
	assert_int_equal(calendar_days_in_month(2024, 13), 0);
	assert_int_equal(calendar_days_in_month(2024, -1), 0);
}

/* Known instants, both directions. */
static void test_known_times(void **state)
{
	static const struct {
		int64_t t;
		struct civil c;
	} cases[] = {
		{0, {1970, 1, 1, 0, 0, 0}},
		{-1, {1969, 12, 31, 23, 59, 59}},
		{-86400, {1969, 12, 31, 0, 0, 0}},
		{951782400, {2000, 2, 29, 0, 0, 0}},
		{951868800, {2000, 3, 1, 0, 0, 0}},
		{1234567890, {2009, 2, 13, 23, 31, 30}},
		{1709164800, {2024, 2, 29, 0, 0, 0}},
		{1769860800, {2026, 1, 31, 12, 0, 0}},
		{INT64_C(2147483648), {2038, 1, 19, 3, 14, 8}},
		{INT64_C(-2147483648), {1901, 12, 13, 20, 45, 52}},
		{INT64_C(-2208988800), {1900, 1, 1, 0, 0, 0}},
		{INT64_C(-11670955200), {1600, 2, 29, 12, 0, 0}},
		{INT64_C(-28502722800), {1066, 10, 14, 9, 0, 0}},
		{INT64_C(4107542400), {2100, 3, 1, 0, 0, 0}},
		{CALENDAR_MIN_T, {1, 1, 1, 0, 0, 0}},
		{CALENDAR_MAX_T, {9999, 12, 31, 23, 59, 59}},
	};
	size_t i;
	(void)state;
	for (i = 0; i < N(cases); i++) {
		struct civil c;
		calendar_to_civil(&c, cases[i].t);
		assert_memory_equal(&c, &cases[i].c, sizeof(c));
		assert_true(calendar_civil_valid(&c));
		assert_int_equal(calendar_from_civil(&cases[i].c), cases[i].t);
	}
}

/*
 * Every day from 0001-01-01 to 9999-12-31 (which includes every day of
 * 1970-2100), against a plain day-by-day counter: days_from_civil and
 * civil_from_days agree with it and with each other, and the first and last
 * second of each day map back to that day.
 */
static void test_every_day_round_trip(void **state)
{
	int64_t n = INT64_C(-719162); /* 0001-01-01, from Python */
	int y, m, d;
	(void)state;
	for (y = 1; y <= 9999; y++) {
		for (m = 1; m <= 12; m++) {
			int dim = calendar_days_in_month(y, m);
			for (d = 1; d <= dim; d++, n++) {
				struct civil c;
				if (calendar_days_from_civil(y, m, d) != n)
					fail_msg("days_from_civil(%d-%d-%d)", y, m, d);
				calendar_civil_from_days(&c, n);
				if (c.year != y || c.month != m || c.day != d ||
				    c.hour != 0 || c.min != 0 || c.sec != 0)
					fail_msg("civil_from_days(%lld)", (long long)n);
				calendar_to_civil(&c, n * 86400 + 86399);
				if (c.year != y || c.month != m || c.day != d ||
				    c.hour != 23 || c.min != 59 || c.sec != 59)
					fail_msg("to_civil(end of %d-%d-%d)", y, m, d);
				if (calendar_from_civil(&c) != n * 86400 + 86399)
					fail_msg("from_civil(end of %d-%d-%d)", y, m, d);
			}
		}
	}
	assert_int_equal(n - 1, 2932896); /* 9999-12-31, from Python */
	assert_int_equal(calendar_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(calendar_days_from_civil(2100, 12, 31), 47846);
}

/* Like timegm: fields outside their range carry into the next one. */
static void test_from_civil_normalises(void **state)
{
	static const struct {
		struct civil c;
		const char *want;
	} cases[] = {
		{{2025, 13, 1, 0, 0, 0}, "2026-01-01T00:00:00Z"},
		{{2025, 0, 15, 0, 0, 0}, "2024-12-15T00:00:00Z"},
		{{2025, -11, 1, 0, 0, 0}, "2024-01-01T00:00:00Z"},
		{{2025, 25, 1, 0, 0, 0}, "2027-01-01T00:00:00Z"},
		{{2025, 1, 32, 0, 0, 0}, "2025-02-01T00:00:00Z"},
		{{2024, 3, 0, 0, 0, 0}, "2024-02-29T00:00:00Z"},
		{{2025, 2, 29, 0, 0, 0}, "2025-03-01T00:00:00Z"},
		{{2025, 12, 31, 24, 0, 0}, "2026-01-01T00:00:00Z"},
		{{2025, 1, 1, 0, 0, -1}, "2024-12-31T23:59:59Z"},
		{{2025, 1, 1, 0, 90, 0}, "2025-01-01T01:30:00Z"},
	};
	size_t i;
	(void)state;
	for (i = 0; i < N(cases); i++)
		assert_time(calendar_from_civil(&cases[i].c), cases[i].want);
}

static void test_civil_valid(void **state)
{
	static const struct {
		struct civil c;
		bool ok;
	} cases[] = {
		{{2024, 2, 29, 23, 59, 59}, true},
		{{1, 1, 1, 0, 0, 0}, true},
		{{9999, 12, 31, 23, 59, 59}, true},
		{{2025, 2, 29, 0, 0, 0}, false},
		{{2024, 2, 30, 0, 0, 0}, false},
		{{2024, 4, 31, 0, 0, 0}, false},
		{{2024, 13, 1, 0, 0, 0}, false},
		{{2024, 0, 1, 0, 0, 0}, false},
		{{2024, 1, 0, 0, 0, 0}, false},
		{{2024, 1, 1, 24, 0, 0}, false},
		{{2024, 1, 1, 0, 60, 0}, false},
		{{2024, 1, 1, 0, 0, 60}, false},
		{{2024, 1, 1, -1, 0, 0}, false},
		{{0, 1, 1, 0, 0, 0}, false},
		{{10000, 1, 1, 0, 0, 0}, false},
	};
	size_t i;
	(void)state;
	for (i = 0; i < N(cases); i++)
		assert_int_equal(calendar_civil_valid(&cases[i].c), cases[i].ok);
}

static void test_to_civil_clamps(void **state)
{
	struct civil c;
	static const struct civil lo = {1, 1, 1, 0, 0, 0};
	static const struct civil hi = {9999, 12, 31, 23, 59, 59};
	(void)state;
	calendar_to_civil(&c, INT64_MIN);
	assert_memory_equal(&c, &lo, sizeof(c));
	calendar_to_civil(&c, CALENDAR_MIN_T - 1);
	assert_memory_equal(&c, &lo, sizeof(c));
	calendar_to_civil(&c, INT64_MAX);
	assert_memory_equal(&c, &hi, sizeof(c));
	calendar_to_civil(&c, CALENDAR_MAX_T + 1);
	assert_memory_equal(&c, &hi, sizeof(c));
	calendar_civil_from_days(&c, INT64_MIN);
	assert_int_equal(c.year, 1);
	calendar_civil_from_days(&c, INT64_MAX);
	assert_int_equal(c.year, 9999);
	assert_true(calendar_in_range(CALENDAR_MIN_T));
	assert_true(calendar_in_range(CALENDAR_MAX_T));
	assert_false(calendar_in_range(CALENDAR_MIN_T - 1));
	assert_false(calendar_in_range(CALENDAR_MAX_T + 1));
}

/*
 * Anchors on Jan 29, 30 and 31 of 2024 (leap) and 2025, plus 0..11 months:
 * every month of each year, the day clamped to the month's last day, the time
 * of day kept. Both entry points must agree.
 */
static void test_month_end_clamping(void **state)
{
	static const struct {
		const char *anchor;
		int64_t n;
		const char *want;
	} cases[] = {
		{"2024-01-31T10:20:30Z",  0, "2024-01-31T10:20:30Z"},
		{"2024-01-31T10:20:30Z",  1, "2024-02-29T10:20:30Z"},
		{"2024-01-31T10:20:30Z",  2, "2024-03-31T10:20:30Z"},
		{"2024-01-31T10:20:30Z",  3, "2024-04-30T10:20:30Z"},
		{"2024-01-31T10:20:30Z",  4, "2024-05-31T10:20:30Z"},
		{"2024-01-31T10:20:30Z",  5, "2024-06-30T10:20:30Z"},
		{"2024-01-31T10:20:30Z",  6, "2024-07-31T10:20:30Z"},
		{"2024-01-31T10:20:30Z",  7, "2024-08-31T10:20:30Z"},
		{"2024-01-31T10:20:30Z",  8, "2024-09-30T10:20:30Z"},
		{"2024-01-31T10:20:30Z",  9, "2024-10-31T10:20:30Z"},
		{"2024-01-31T10:20:30Z", 10, "2024-11-30T10:20:30Z"},
		{"2024-01-31T10:20:30Z", 11, "2024-12-31T10:20:30Z"},
		{"2024-01-30T10:20:30Z",  0, "2024-01-30T10:20:30Z"},
		{"2024-01-30T10:20:30Z",  1, "2024-02-29T10:20:30Z"},
		{"2024-01-30T10:20:30Z",  2, "2024-03-30T10:20:30Z"},
		{"2024-01-30T10:20:30Z",  3, "2024-04-30T10:20:30Z"},
		{"2024-01-30T10:20:30Z",  4, "2024-05-30T10:20:30Z"},
		{"2024-01-30T10:20:30Z",  5, "2024-06-30T10:20:30Z"},
		{"2024-01-30T10:20:30Z",  6, "2024-07-30T10:20:30Z"},
		{"2024-01-30T10:20:30Z",  7, "2024-08-30T10:20:30Z"},
		{"2024-01-30T10:20:30Z",  8, "2024-09-30T10:20:30Z"},
		{"2024-01-30T10:20:30Z",  9, "2024-10-30T10:20:30Z"},
		{"2024-01-30T10:20:30Z", 10, "2024-11-30T10:20:30Z"},
		{"2024-01-30T10:20:30Z", 11, "2024-12-30T10:20:30Z"},
		{"2024-01-29T10:20:30Z",  0, "2024-01-29T10:20:30Z"},
		{"2024-01-29T10:20:30Z",  1, "2024-02-29T10:20:30Z"},
		{"2024-01-29T10:20:30Z",  2, "2024-03-29T10:20:30Z"},
		{"2024-01-29T10:20:30Z",  3, "2024-04-29T10:20:30Z"},
		{"2024-01-29T10:20:30Z",  4, "2024-05-29T10:20:30Z"},
		{"2024-01-29T10:20:30Z",  5, "2024-06-29T10:20:30Z"},
		{"2024-01-29T10:20:30Z",  6, "2024-07-29T10:20:30Z"},
		{"2024-01-29T10:20:30Z",  7, "2024-08-29T10:20:30Z"},
		{"2024-01-29T10:20:30Z",  8, "2024-09-29T10:20:30Z"},
		{"2024-01-29T10:20:30Z",  9, "2024-10-29T10:20:30Z"},
		{"2024-01-29T10:20:30Z", 10, "2024-11-29T10:20:30Z"},
		{"2024-01-29T10:20:30Z", 11, "2024-12-29T10:20:30Z"},
		{"2025-01-31T10:20:30Z",  0, "2025-01-31T10:20:30Z"},
		{"2025-01-31T10:20:30Z",  1, "2025-02-28T10:20:30Z"},
		{"2025-01-31T10:20:30Z",  2, "2025-03-31T10:20:30Z"},
		{"2025-01-31T10:20:30Z",  3, "2025-04-30T10:20:30Z"},
		{"2025-01-31T10:20:30Z",  4, "2025-05-31T10:20:30Z"},
		{"2025-01-31T10:20:30Z",  5, "2025-06-30T10:20:30Z"},
		{"2025-01-31T10:20:30Z",  6, "2025-07-31T10:20:30Z"},
		{"2025-01-31T10:20:30Z",  7, "2025-08-31T10:20:30Z"},
		{"2025-01-31T10:20:30Z",  8, "2025-09-30T10:20:30Z"},
		{"2025-01-31T10:20:30Z",  9, "2025-10-31T10:20:30Z"},
		{"2025-01-31T10:20:30Z", 10, "2025-11-30T10:20:30Z"},
		{"2025-01-31T10:20:30Z", 11, "2025-12-31T10:20:30Z"},
		{"2025-01-30T10:20:30Z",  0, "2025-01-30T10:20:30Z"},
		{"2025-01-30T10:20:30Z",  1, "2025-02-28T10:20:30Z"},
		{"2025-01-30T10:20:30Z",  2, "2025-03-30T10:20:30Z"},
		{"2025-01-30T10:20:30Z",  3, "2025-04-30T10:20:30Z"},
		{"2025-01-30T10:20:30Z",  4, "2025-05-30T10:20:30Z"},
		{"2025-01-30T10:20:30Z",  5, "2025-06-30T10:20:30Z"},
		{"2025-01-30T10:20:30Z",  6, "2025-07-30T10:20:30Z"},
		{"2025-01-30T10:20:30Z",  7, "2025-08-30T10:20:30Z"},
		{"2025-01-30T10:20:30Z",  8, "2025-09-30T10:20:30Z"},
		{"2025-01-30T10:20:30Z",  9, "2025-10-30T10:20:30Z"},
		{"2025-01-30T10:20:30Z", 10, "2025-11-30T10:20:30Z"},
		{"2025-01-30T10:20:30Z", 11, "2025-12-30T10:20:30Z"},
		{"2025-01-29T10:20:30Z",  0, "2025-01-29T10:20:30Z"},
		{"2025-01-29T10:20:30Z",  1, "2025-02-28T10:20:30Z"},
		{"2025-01-29T10:20:30Z",  2, "2025-03-29T10:20:30Z"},
		{"2025-01-29T10:20:30Z",  3, "2025-04-29T10:20:30Z"},
		{"2025-01-29T10:20:30Z",  4, "2025-05-29T10:20:30Z"},
		{"2025-01-29T10:20:30Z",  5, "2025-06-29T10:20:30Z"},
		{"2025-01-29T10:20:30Z",  6, "2025-07-29T10:20:30Z"},
		{"2025-01-29T10:20:30Z",  7, "2025-08-29T10:20:30Z"},
		{"2025-01-29T10:20:30Z",  8, "2025-09-29T10:20:30Z"},
		{"2025-01-29T10:20:30Z",  9, "2025-10-29T10:20:30Z"},
		{"2025-01-29T10:20:30Z", 10, "2025-11-29T10:20:30Z"},
		{"2025-01-29T10:20:30Z", 11, "2025-12-29T10:20:30Z"},
	};
	size_t i;
	(void)state;
	for (i = 0; i < N(cases); i++) {
		int64_t a = T(cases[i].anchor), got = SENTINEL, got2 = SENTINEL;
		assert_int_equal(calendar_add_interval(&got, a, CAL_MONTH, cases[i].n), 0);
		assert_time(got, cases[i].want);
		assert_int_equal(calendar_add_months_anchored(&got2, a, cases[i].n), 0);
		assert_int_equal(got2, got);
	}
}

/*
 * From the 29th, 30th and 31st of every month of 2024 and 2025 (where the day
 * exists), one month forward and one back: the day is kept where it exists and
 * clamped to the month's last day where it does not.
 */
static void test_month_end_every_month(void **state)
{
	static const struct {
		const char *anchor, *next, *prev;
	} cases[] = {
		{"2024-01-31", "2024-02-29", "2023-12-31"},
		{"2024-01-30", "2024-02-29", "2023-12-30"},
		{"2024-01-29", "2024-02-29", "2023-12-29"},
		{"2024-02-29", "2024-03-29", "2024-01-29"},
		{"2024-03-31", "2024-04-30", "2024-02-29"},
		{"2024-03-30", "2024-04-30", "2024-02-29"},
		{"2024-03-29", "2024-04-29", "2024-02-29"},
		{"2024-04-30", "2024-05-30", "2024-03-30"},
		{"2024-04-29", "2024-05-29", "2024-03-29"},
		{"2024-05-31", "2024-06-30", "2024-04-30"},
		{"2024-05-30", "2024-06-30", "2024-04-30"},
		{"2024-05-29", "2024-06-29", "2024-04-29"},
		{"2024-06-30", "2024-07-30", "2024-05-30"},
		{"2024-06-29", "2024-07-29", "2024-05-29"},
		{"2024-07-31", "2024-08-31", "2024-06-30"},
		{"2024-07-30", "2024-08-30", "2024-06-30"},
		{"2024-07-29", "2024-08-29", "2024-06-29"},
		{"2024-08-31", "2024-09-30", "2024-07-31"},
		{"2024-08-30", "2024-09-30", "2024-07-30"},
		{"2024-08-29", "2024-09-29", "2024-07-29"},
		{"2024-09-30", "2024-10-30", "2024-08-30"},
		{"2024-09-29", "2024-10-29", "2024-08-29"},
		{"2024-10-31", "2024-11-30", "2024-09-30"},
		{"2024-10-30", "2024-11-30", "2024-09-30"},
		{"2024-10-29", "2024-11-29", "2024-09-29"},
		{"2024-11-30", "2024-12-30", "2024-10-30"},
		{"2024-11-29", "2024-12-29", "2024-10-29"},
		{"2024-12-31", "2025-01-31", "2024-11-30"},
		{"2024-12-30", "2025-01-30", "2024-11-30"},
		{"2024-12-29", "2025-01-29", "2024-11-29"},
		{"2025-01-31", "2025-02-28", "2024-12-31"},
		{"2025-01-30", "2025-02-28", "2024-12-30"},
		{"2025-01-29", "2025-02-28", "2024-12-29"},
		{"2025-03-31", "2025-04-30", "2025-02-28"},
		{"2025-03-30", "2025-04-30", "2025-02-28"},
		{"2025-03-29", "2025-04-29", "2025-02-28"},
		{"2025-04-30", "2025-05-30", "2025-03-30"},
		{"2025-04-29", "2025-05-29", "2025-03-29"},
		{"2025-05-31", "2025-06-30", "2025-04-30"},
		{"2025-05-30", "2025-06-30", "2025-04-30"},
		{"2025-05-29", "2025-06-29", "2025-04-29"},
		{"2025-06-30", "2025-07-30", "2025-05-30"},
		{"2025-06-29", "2025-07-29", "2025-05-29"},
		{"2025-07-31", "2025-08-31", "2025-06-30"},
		{"2025-07-30", "2025-08-30", "2025-06-30"},
		{"2025-07-29", "2025-08-29", "2025-06-29"},
		{"2025-08-31", "2025-09-30", "2025-07-31"},
		{"2025-08-30", "2025-09-30", "2025-07-30"},
		{"2025-08-29", "2025-09-29", "2025-07-29"},
		{"2025-09-30", "2025-10-30", "2025-08-30"},
		{"2025-09-29", "2025-10-29", "2025-08-29"},
		{"2025-10-31", "2025-11-30", "2025-09-30"},
		{"2025-10-30", "2025-11-30", "2025-09-30"},
		{"2025-10-29", "2025-11-29", "2025-09-29"},
		{"2025-11-30", "2025-12-30", "2025-10-30"},
		{"2025-11-29", "2025-12-29", "2025-10-29"},
		{"2025-12-31", "2026-01-31", "2025-11-30"},
		{"2025-12-30", "2026-01-30", "2025-11-30"},
		{"2025-12-29", "2026-01-29", "2025-11-29"},
	};
	char buf[CALENDAR_DATE_SIZE];
	size_t i;
	(void)state;
	for (i = 0; i < N(cases); i++) {
		int64_t a = T(cases[i].anchor), got = SENTINEL;
		assert_int_equal(calendar_add_interval(&got, a, CAL_MONTH, 1), 0);
		assert_int_equal(calendar_format_date(buf, sizeof(buf), got), 10);
		assert_string_equal(buf, cases[i].next);
		assert_int_equal(calendar_add_interval(&got, a, CAL_MONTH, -1), 0);
		assert_int_equal(calendar_format_date(buf, sizeof(buf), got), 10);
		assert_string_equal(buf, cases[i].prev);
	}
}

/*
 * The reason periods are computed from the anchor: chaining +1 month from a
 * Jan 31 anchor sticks at the 28th after February; anchored arithmetic does not.
 */
static void test_anchored_not_chained(void **state)
{
	static const char *const anchored[] = {
		"2025-01-31T00:00:00Z", "2025-02-28T00:00:00Z", "2025-03-31T00:00:00Z",
		"2025-04-30T00:00:00Z", "2025-05-31T00:00:00Z", "2025-06-30T00:00:00Z",
		"2025-07-31T00:00:00Z", "2025-08-31T00:00:00Z", "2025-09-30T00:00:00Z",
		"2025-10-31T00:00:00Z", "2025-11-30T00:00:00Z", "2025-12-31T00:00:00Z",
		"2026-01-31T00:00:00Z", "2026-02-28T00:00:00Z", "2026-03-31T00:00:00Z",
	};
	int64_t anchor = T("2025-01-31"), chained = anchor, got;
	size_t i;
	(void)state;
	for (i = 0; i < N(anchored); i++) {
		assert_int_equal(calendar_add_months_anchored(&got, anchor, (int64_t)i), 0);
		assert_time(got, anchored[i]);
	}
	for (i = 0; i < 3; i++)
		assert_int_equal(calendar_add_interval(&chained, chained, CAL_MONTH, 1), 0);
	assert_time(chained, "2025-04-28T00:00:00Z");
}

static void test_add_interval(void **state)
{
	static const struct {
		const char *anchor;
		enum calendar_unit u;
		int64_t n;
		const char *want;
	} cases[] = {
		/* Feb 29 + years: clamped in common years, kept in leap years. */
		{"2024-02-29T08:00:00Z", CAL_YEAR, 1, "2025-02-28T08:00:00Z"},
		{"2024-02-29T08:00:00Z", CAL_YEAR, 4, "2028-02-29T08:00:00Z"},
		{"2024-02-29T08:00:00Z", CAL_YEAR, -1, "2023-02-28T08:00:00Z"},
		{"2024-02-29T08:00:00Z", CAL_YEAR, 100, "2124-02-29T08:00:00Z"},
		{"2096-02-29T08:00:00Z", CAL_YEAR, 4, "2100-02-28T08:00:00Z"},
		{"1996-02-29T00:00:00Z", CAL_YEAR, 4, "2000-02-29T00:00:00Z"},
		{"2025-06-15T01:02:03Z", CAL_YEAR, 0, "2025-06-15T01:02:03Z"},
		/* Months: negative counts, year boundaries, century rules. */
		{"2024-03-31T00:00:00Z", CAL_MONTH, -1, "2024-02-29T00:00:00Z"},
		{"2025-03-31T00:00:00Z", CAL_MONTH, -1, "2025-02-28T00:00:00Z"},
		{"2025-05-31T00:00:00Z", CAL_MONTH, -15, "2024-02-29T00:00:00Z"},
		{"2024-12-31T00:00:00Z", CAL_MONTH, 2, "2025-02-28T00:00:00Z"},
		{"2024-11-30T00:00:00Z", CAL_MONTH, 3, "2025-02-28T00:00:00Z"},
		{"2025-01-31T00:00:00Z", CAL_MONTH, 13, "2026-02-28T00:00:00Z"},
		{"2025-01-31T00:00:00Z", CAL_MONTH, 37, "2028-02-29T00:00:00Z"},
		{"2025-01-31T00:00:00Z", CAL_MONTH, -11, "2024-02-29T00:00:00Z"},
		{"2025-08-31T00:00:00Z", CAL_MONTH, 1, "2025-09-30T00:00:00Z"},
		{"2025-12-15T00:00:00Z", CAL_MONTH, 1, "2026-01-15T00:00:00Z"},
		{"1900-01-31T00:00:00Z", CAL_MONTH, 1, "1900-02-28T00:00:00Z"},
		{"2000-01-31T00:00:00Z", CAL_MONTH, 1, "2000-02-29T00:00:00Z"},
		{"1969-12-31T23:59:59Z", CAL_MONTH, 1, "1970-01-31T23:59:59Z"},
		{"1970-01-31T00:00:01Z", CAL_MONTH, -1, "1969-12-31T00:00:01Z"},
		{"9999-11-30T12:00:00Z", CAL_MONTH, 1, "9999-12-30T12:00:00Z"},
		{"0001-02-28T00:00:00Z", CAL_MONTH, -1, "0001-01-28T00:00:00Z"},
		/* Days and weeks are exact multiples of 86400 s. */
		{"2024-01-15T00:00:00Z", CAL_DAY, 1, "2024-01-16T00:00:00Z"},
		{"2024-01-15T00:00:00Z", CAL_DAY, 45, "2024-02-29T00:00:00Z"},
		{"2024-02-28T23:59:59Z", CAL_DAY, 1, "2024-02-29T23:59:59Z"},
		{"2025-02-28T23:59:59Z", CAL_DAY, 1, "2025-03-01T23:59:59Z"},
		{"2025-12-31T06:00:00Z", CAL_DAY, 1, "2026-01-01T06:00:00Z"},
		{"1970-01-01T00:00:00Z", CAL_DAY, -1, "1969-12-31T00:00:00Z"},
		{"2024-01-01T00:00:00Z", CAL_DAY, 366, "2025-01-01T00:00:00Z"},
		{"2024-01-01T09:30:00Z", CAL_WEEK, 1, "2024-01-08T09:30:00Z"},
		{"2024-01-01T09:30:00Z", CAL_WEEK, 52, "2024-12-30T09:30:00Z"},
		{"2024-01-01T09:30:00Z", CAL_WEEK, -1, "2023-12-25T09:30:00Z"},
		{"2024-02-26T00:00:00Z", CAL_WEEK, 1, "2024-03-04T00:00:00Z"},
	};
	size_t i;
	(void)state;
	for (i = 0; i < N(cases); i++) {
		int64_t got = SENTINEL;
		assert_int_equal(calendar_add_interval(&got, T(cases[i].anchor),
						       cases[i].u, cases[i].n), 0);
		assert_time(got, cases[i].want);
	}
}

static void test_add_interval_errors(void **state)
{
	static const struct {
		int64_t anchor;
		int u;
		int64_t n;
		int rc;
	} cases[] = {
		{CALENDAR_MAX_T, CAL_DAY, 1, RECUR_EOVERFLOW},
		{CALENDAR_MIN_T, CAL_DAY, -1, RECUR_EOVERFLOW},
		{0, CAL_DAY, INT64_MAX, RECUR_EOVERFLOW},
		{0, CAL_DAY, INT64_MIN, RECUR_EOVERFLOW},
		{0, CAL_WEEK, INT64_MAX / 7, RECUR_EOVERFLOW},
		{0, CAL_WEEK, INT64_MIN, RECUR_EOVERFLOW},
		{0, CAL_MONTH, INT64_MAX, RECUR_EOVERFLOW},
		{0, CAL_MONTH, INT64_MIN, RECUR_EOVERFLOW},
		{0, CAL_MONTH, 12 * 8030, RECUR_EOVERFLOW},
		{0, CAL_YEAR, INT64_MAX, RECUR_EOVERFLOW},
		{0, CAL_YEAR, INT64_MIN, RECUR_EOVERFLOW},
		{0, CAL_YEAR, 8030, RECUR_EOVERFLOW},
		{0, CAL_YEAR, -1970, RECUR_EOVERFLOW},
		{CALENDAR_MAX_T, CAL_MONTH, 1, RECUR_EOVERFLOW},
		{CALENDAR_MIN_T, CAL_MONTH, -1, RECUR_EOVERFLOW},
		{CALENDAR_MAX_T + 1, CAL_DAY, 0, RECUR_EINVAL},
		{CALENDAR_MIN_T - 1, CAL_MONTH, 0, RECUR_EINVAL},
		{INT64_MIN, CAL_YEAR, 1, RECUR_EINVAL},
		{0, 99, 1, RECUR_EINVAL},
		{0, -1, 1, RECUR_EINVAL},
	};
	size_t i;
	(void)state;
	for (i = 0; i < N(cases); i++) {
		int64_t got = SENTINEL;
		assert_int_equal(calendar_add_interval(&got, cases[i].anchor,
						       (enum calendar_unit)cases[i].u,
						       cases[i].n),
				 cases[i].rc);
		assert_int_equal(got, SENTINEL);
	}
}

static void test_unit_parse(void **state)
{
	static const struct {
		const char *s;
		enum calendar_unit u;
	} ok[] = {
		{"day", CAL_DAY},
		{"week", CAL_WEEK},
		{"month", CAL_MONTH},
		{"year", CAL_YEAR},
	};
	static const char *const bad[] = {"", "Day", "MONTH", "months", "d",
					  "yearly", "month ", " week"};
	size_t i;
	(void)state;
	for (i = 0; i < N(ok); i++) {
		enum calendar_unit u = (enum calendar_unit)42;
		assert_int_equal(calendar_unit_parse(&u, ok[i].s), 0);
		assert_int_equal(u, ok[i].u);
		assert_string_equal(calendar_unit_name(ok[i].u), ok[i].s);
	}
	for (i = 0; i < N(bad); i++) {
		enum calendar_unit u = (enum calendar_unit)42;
		assert_int_equal(calendar_unit_parse(&u, bad[i]), RECUR_EINVAL);
		assert_int_equal(u, 42);
	}
	{
		enum calendar_unit u = (enum calendar_unit)42;
		assert_int_equal(calendar_unit_parse(&u, NULL), RECUR_EINVAL);
	}
	assert_string_equal(calendar_unit_name((enum calendar_unit)99), "");
}

static void test_parse_iso8601(void **state)
{
	static const struct {
		const char *s;
		int64_t t;
	} cases[] = {
		{"2026-01-31", 1769817600},
		{"2026-01-31T12:00:00Z", 1769860800},
		{"2026-01-31T12:00:00+01:00", 1769857200},
		{"2026-01-31T12:00:00-01:30", 1769866200},
		{"2026-01-31T12:00:00-00:00", 1769860800},
		{"2026-01-31t12:00:00z", 1769860800},
		{"2026-01-31T12:00:00.5Z", 1769860800},
		{"2026-01-31T12:00:00.999999999Z", 1769860800},
		{"2026-01-31T12:00:00,25+00:00", 1769860800},
		{"2026-01-31T00:00:00+14:00", 1769767200},
		{"2026-01-01T00:30:00+01:00", 1767223800}, /* 2025-12-31T23:30Z */
		{"1970-01-01T00:00:00Z", 0},
		{"1969-12-31T23:59:59Z", -1},
		{"1969-12-31", -86400},
		{"2024-02-29", 1709164800},
		{"2000-02-29T00:00:00Z", 951782400},
		{"1600-02-29T12:00:00Z", INT64_C(-11670955200)},
		{"0001-01-01T00:00:00Z", CALENDAR_MIN_T},
		{"0001-01-01T01:00:00+01:00", CALENDAR_MIN_T},
		{"9999-12-31T23:59:59Z", CALENDAR_MAX_T},
		{"9999-12-31T23:59:59+01:00", CALENDAR_MAX_T - 3600},
	};
	size_t i;
	(void)state;
	for (i = 0; i < N(cases); i++) {
		int64_t got = SENTINEL;
		struct recur_err e;
		err_clear(&e);
		if (calendar_parse_iso8601(&got, cases[i].s, &e) != 0)
			fail_msg("'%s': %s", cases[i].s, e.message);
		assert_int_equal(got, cases[i].t);
		got = SENTINEL; /* and without an error object */
		assert_int_equal(calendar_parse_iso8601(&got, cases[i].s, NULL), 0);
		assert_int_equal(got, cases[i].t);
	}
}

static void test_parse_iso8601_rejects(void **state)
{
	static const char *const bad[] = {
		"", "2026", "2026-01", "2026-1-31", "2026-01-1", "20260131",
		"2026/01/31", "+2026-01-31", "-2026-01-31", " 2026-01-31",
		"2026-01-31 ", "2026-01-31x", "02026-01-31",
		/* ranges */
		"0000-01-01", "2026-00-10", "2026-13-01", "2026-01-00", "2026-01-32",
		"2026-02-29", "2025-02-29", "2024-02-30", "2026-04-31", "2026-06-31",
		"2026-09-31", "2026-11-31",
		/* time of day */
		"2026-01-31T", "2026-01-31 12:00:00Z", "2026-01-31T12:00Z",
		"2026-01-31T12Z", "2026-01-31T1:00:00Z", "2026-01-31T24:00:00Z",
		"2026-01-31T12:60:00Z", "2026-01-31T23:59:60Z",
		"2026-01-31T12:00:00.Z", "2026-01-31T12:00:00.1234567890Z",
		"2026-01-31T12:00:00.+01:00",
		/* zone */
		"2026-01-31T12:00:00", "2026-01-31T12:00:00.5",
		"2026-01-31T12:00:00+0100", "2026-01-31T12:00:00+01",
		"2026-01-31T12:00:00+1:00", "2026-01-31T12:00:00+24:00",
		"2026-01-31T12:00:00+01:60", "2026-01-31T12:00:00+01:00:00",
		"2026-01-31T12:00:00ZZ", "2026-01-31T12:00:00Z ",
		"2026-01-31T12:00:00UTC", "2026-01-31T12:00:00\xc2\xa0Z",
		/* beyond the supported range after applying the offset */
		"9999-12-31T23:59:59-00:01", "0001-01-01T00:00:00+00:01",
	};
	size_t i;
	(void)state;
	for (i = 0; i < N(bad); i++) {
		int64_t got = SENTINEL;
		struct recur_err e;
		err_clear(&e);
		if (calendar_parse_iso8601(&got, bad[i], &e) != RECUR_EINVAL)
			fail_msg("accepted '%s'", bad[i]);
		assert_int_equal(got, SENTINEL);
		assert_int_equal(e.status, 400);
		assert_string_equal(e.type, "invalid_request_error");
		assert_true(strlen(e.message) > 0);
		assert_int_equal(calendar_parse_iso8601(&got, bad[i], NULL),
				 RECUR_EINVAL);
	}
	{
		int64_t got = SENTINEL;
		struct recur_err e;
		err_clear(&e);
		assert_int_equal(calendar_parse_iso8601(&got, NULL, &e), RECUR_EINVAL);
		assert_int_equal(got, SENTINEL);
	}
}

static void test_format(void **state)
{
	static const struct {
		int64_t t;
		const char *iso, *date;
	} cases[] = {
		{0, "1970-01-01T00:00:00Z", "1970-01-01"},
		{-1, "1969-12-31T23:59:59Z", "1969-12-31"},
		{951782400, "2000-02-29T00:00:00Z", "2000-02-29"},
		{1234567890, "2009-02-13T23:31:30Z", "2009-02-13"},
		{1769860800, "2026-01-31T12:00:00Z", "2026-01-31"},
		{INT64_C(2147483648), "2038-01-19T03:14:08Z", "2038-01-19"},
		{INT64_C(-2147483648), "1901-12-13T20:45:52Z", "1901-12-13"},
		{INT64_C(-28502722800), "1066-10-14T09:00:00Z", "1066-10-14"},
		{CALENDAR_MIN_T, "0001-01-01T00:00:00Z", "0001-01-01"},
		{CALENDAR_MAX_T, "9999-12-31T23:59:59Z", "9999-12-31"},
	};
	size_t i;
	(void)state;
	for (i = 0; i < N(cases); i++) {
		char iso[CALENDAR_ISO8601_SIZE], date[CALENDAR_DATE_SIZE];
		int64_t back = SENTINEL;
		assert_int_equal(calendar_format_iso8601(iso, sizeof(iso), cases[i].t), 20);
		assert_string_equal(iso, cases[i].iso);
		assert_int_equal(calendar_format_date(date, sizeof(date), cases[i].t), 10);
		assert_string_equal(date, cases[i].date);
		assert_int_equal(calendar_parse_iso8601(&back, iso, NULL), 0);
		assert_int_equal(back, cases[i].t);
	}
}

static void test_format_errors(void **state)
{
	char buf[32];
	(void)state;
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(calendar_format_iso8601(buf, 20, 0), RECUR_ETOOBIG);
	assert_string_equal(buf, "");
	assert_int_equal(calendar_format_iso8601(buf, 21, 0), 20);
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(calendar_format_date(buf, 10, 0), RECUR_ETOOBIG);
	assert_string_equal(buf, "");
	assert_int_equal(calendar_format_date(buf, 11, 0), 10);
	assert_int_equal(calendar_format_iso8601(buf, 0, 0), RECUR_ETOOBIG);
	assert_int_equal(calendar_format_iso8601(NULL, 0, 0), RECUR_ETOOBIG);
	assert_int_equal(calendar_format_date(NULL, 0, 0), RECUR_ETOOBIG);
	assert_int_equal(calendar_format_iso8601(buf, sizeof(buf), CALENDAR_MAX_T + 1),
			 RECUR_EINVAL);
	assert_int_equal(calendar_format_iso8601(buf, sizeof(buf), CALENDAR_MIN_T - 1),
			 RECUR_EINVAL);
	assert_int_equal(calendar_format_date(buf, sizeof(buf), INT64_MAX),
			 RECUR_EINVAL);
}

/* format then parse is the identity, 1900-2100, stepping across all seconds of day. */
static void test_iso_round_trip(void **state)
{
	int64_t t;
	(void)state;
	for (t = INT64_C(-2208988800); t < INT64_C(4102444800); t += 86400 * 3 + 7919) {
		char buf[CALENDAR_ISO8601_SIZE];
		int64_t back = SENTINEL;
		assert_int_equal(calendar_format_iso8601(buf, sizeof(buf), t), 20);
		if (calendar_parse_iso8601(&back, buf, NULL) != 0 || back != t)
			fail_msg("round trip of %lld via '%s'", (long long)t, buf);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_leap_years),
		cmocka_unit_test(test_days_in_month),
		cmocka_unit_test(test_known_times),
		cmocka_unit_test(test_every_day_round_trip),
		cmocka_unit_test(test_from_civil_normalises),
		cmocka_unit_test(test_civil_valid),
		cmocka_unit_test(test_to_civil_clamps),
		cmocka_unit_test(test_month_end_clamping),
		cmocka_unit_test(test_month_end_every_month),
		cmocka_unit_test(test_anchored_not_chained),
		cmocka_unit_test(test_add_interval),
		cmocka_unit_test(test_add_interval_errors),
		cmocka_unit_test(test_unit_parse),
		cmocka_unit_test(test_parse_iso8601),
		cmocka_unit_test(test_parse_iso8601_rejects),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_errors),
		cmocka_unit_test(test_iso_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
