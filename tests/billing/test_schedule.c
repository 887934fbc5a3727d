/*
 * Tests for billing/schedule: phase dates from iterations (one step of
 * count*iterations from the phase's start, so a Jan 31 start keeps its day
 * where the month has it), from end_date, the default of one iteration,
 * contiguity, each fault with the index of the phase at fault, and which
 * phase a time falls in at and around the boundaries. Times are literals
 * (calendar.timegm).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "billing/schedule.h"

#define JAN01_2026 INT64_C(1767225600)
#define JAN15_2026 INT64_C(1768435200)
#define JAN31_2026 INT64_C(1769817600)
#define FEB15_2026 INT64_C(1771113600)
#define FEB28_2026 INT64_C(1772236800)
#define MAR31_2026 INT64_C(1774915200)
#define APR01_2026 INT64_C(1775001600)
#define APR30_2026 INT64_C(1777507200)
#define JUL01_2026 INT64_C(1782864000)
#define JAN01_2027 INT64_C(1798761600)

static struct billing_schedule_phase monthly(int64_t iterations, int64_t end_date)
{
	return (struct billing_schedule_phase){ .iterations = iterations, .end_date = end_date,
						.unit = CAL_MONTH, .count = 1 };
}

static void test_iterations(void **state)
{
	(void)state;
	/* 3 months at A, then 3 iterations of a quarterly price (9 months), then the default. */
	struct billing_schedule_phase p[3] = { monthly(3, 0), monthly(3, 0), monthly(0, 0) };
	p[1].count = 3;
	enum billing_schedule_fault f = BILLING_SCHEDULE_RANGE;
	size_t bad = 99;
	assert_int_equal(billing_schedule_dates(p, 3, JAN01_2026, &f, &bad), 0);
	assert_int_equal(f, BILLING_SCHEDULE_OK);
	assert_true(p[0].start == JAN01_2026 && p[0].end == APR01_2026);
	assert_true(p[1].start == APR01_2026 && p[1].end == JAN01_2027);
	/* neither end_date nor iterations: one iteration, Jan 1 2027 + 1 month */
	assert_true(p[2].start == JAN01_2027 && p[2].end == JAN01_2027 + 31 * 86400);
}

static void test_anchor_day_is_the_phase_start(void **state)
{
	(void)state;
	/* Jan 31 + 2 months is Mar 31 (one step), not Feb 28 + 1 month = Mar 28. */
	struct billing_schedule_phase p[2] = { monthly(2, 0), monthly(1, 0) };
	enum billing_schedule_fault f;
	size_t bad;
	assert_int_equal(billing_schedule_dates(p, 2, JAN31_2026, &f, &bad), 0);
	assert_true(p[0].end == MAR31_2026);
	/* the second phase starts on Mar 31: + 1 month clamps to Apr 30 */
	assert_true(p[1].start == MAR31_2026 && p[1].end == APR30_2026);
	struct billing_schedule_phase one[1] = { monthly(1, 0) };
	assert_int_equal(billing_schedule_dates(one, 1, JAN31_2026, &f, &bad), 0);
	assert_true(one[0].end == FEB28_2026);
}

static void test_end_dates(void **state)
{
	(void)state;
	/* An explicit end mid-month; the next phase counts its iterations from there. */
	struct billing_schedule_phase p[2] = { monthly(0, FEB15_2026), monthly(1, 0) };
	enum billing_schedule_fault f;
	size_t bad;
	assert_int_equal(billing_schedule_dates(p, 2, JAN15_2026, &f, &bad), 0);
	assert_true(p[0].start == JAN15_2026 && p[0].end == FEB15_2026);
	assert_true(p[1].start == FEB15_2026 && p[1].end == FEB15_2026 + 28 * 86400);
}

static void test_faults(void **state)
{
	(void)state;
	enum billing_schedule_fault f;
	size_t bad;
	/* both given */
	struct billing_schedule_phase both[2] = { monthly(1, 0), monthly(2, JUL01_2026) };
	assert_int_equal(billing_schedule_dates(both, 2, JAN01_2026, &f, &bad), -1);
	assert_int_equal(f, BILLING_SCHEDULE_BOTH);
	assert_int_equal(bad, 1);
	/* phases out of order: the second ends before the first does */
	struct billing_schedule_phase order[2] = { monthly(0, JUL01_2026), monthly(0, APR01_2026) };
	assert_int_equal(billing_schedule_dates(order, 2, JAN01_2026, &f, &bad), -1);
	assert_int_equal(f, BILLING_SCHEDULE_END_BEFORE);
	assert_int_equal(bad, 1);
	assert_true(order[0].end == JUL01_2026); /* the phase before it was filled */
	/* an end exactly at the start is empty: refused too */
	struct billing_schedule_phase empty[1] = { monthly(0, JAN01_2026) };
	assert_int_equal(billing_schedule_dates(empty, 1, JAN01_2026, &f, &bad), -1);
	assert_int_equal(f, BILLING_SCHEDULE_END_BEFORE);
	assert_int_equal(bad, 0);
	/* iterations out of range */
	struct billing_schedule_phase many[1] = { monthly(BILLING_SCHEDULE_MAX_ITERATIONS + 1, 0) };
	assert_int_equal(billing_schedule_dates(many, 1, JAN01_2026, &f, &bad), -1);
	assert_int_equal(f, BILLING_SCHEDULE_RANGE);
	struct billing_schedule_phase neg[1] = { monthly(-1, 0) };
	assert_int_equal(billing_schedule_dates(neg, 1, JAN01_2026, &f, &bad), -1);
	assert_int_equal(f, BILLING_SCHEDULE_RANGE);
	/* no phases: nothing to fill, no fault */
	assert_int_equal(billing_schedule_dates(NULL, 0, JAN01_2026, &f, &bad), 0);
}

static void test_phase_at(void **state)
{
	(void)state;
	struct billing_schedule_phase p[2] = { monthly(3, 0), monthly(0, JUL01_2026) };
	enum billing_schedule_fault f;
	size_t bad;
	assert_int_equal(billing_schedule_dates(p, 2, JAN01_2026, &f, &bad), 0);
	assert_int_equal(billing_schedule_phase_at(p, 2, JAN01_2026 - 1), (size_t)-1);
	assert_int_equal(billing_schedule_phase_at(p, 2, JAN01_2026), 0);
	assert_int_equal(billing_schedule_phase_at(p, 2, APR01_2026 - 1), 0);
	/* the boundary belongs to the next phase */
	assert_int_equal(billing_schedule_phase_at(p, 2, APR01_2026), 1);
	assert_int_equal(billing_schedule_phase_at(p, 2, JUL01_2026 - 1), 1);
	assert_int_equal(billing_schedule_phase_at(p, 2, JUL01_2026), 2);
	assert_int_equal(billing_schedule_phase_at(p, 0, JUL01_2026), (size_t)-1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_iterations),
		cmocka_unit_test(test_anchor_day_is_the_phase_start),
		cmocka_unit_test(test_end_dates),
		cmocka_unit_test(test_faults),
		cmocka_unit_test(test_phase_at),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
