/*
 * Tests for billing/pause: behavior names both ways (and what is not one),
 * the check of a new pause against the subscription's now (a resumes_at at
 * or before now is refused, one second later is not), which behavior an
 * invoice made at t gets around resumes_at (the boundary resumes), when the
 * pause is to be cleared, and the due time with and without a resumes_at.
 * Times are literals (calendar.timegm).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "billing/pause.h"

#define MAY01_2026 INT64_C(1777593600)
#define JUN01_2026 INT64_C(1780272000)
#define JUL01_2026 INT64_C(1782864000)

static void test_names(void **state)
{
	(void)state;
	enum billing_pause_behavior b = BILLING_PAUSE_NONE;
	assert_int_equal(billing_pause_behavior_parse(&b, "keep_as_draft"), 0);
	assert_int_equal(b, BILLING_PAUSE_KEEP_AS_DRAFT);
	assert_int_equal(billing_pause_behavior_parse(&b, "mark_uncollectible"), 0);
	assert_int_equal(b, BILLING_PAUSE_MARK_UNCOLLECTIBLE);
	assert_int_equal(billing_pause_behavior_parse(&b, "void"), 0);
	assert_int_equal(b, BILLING_PAUSE_VOID);
	b = BILLING_PAUSE_VOID;
	assert_int_equal(billing_pause_behavior_parse(&b, "Void"), -1);
	assert_int_equal(billing_pause_behavior_parse(&b, ""), -1);
	assert_int_equal(billing_pause_behavior_parse(&b, "draft"), -1);
	assert_int_equal(billing_pause_behavior_parse(&b, NULL), -1);
	assert_int_equal(b, BILLING_PAUSE_VOID); /* untouched on failure */
	assert_string_equal(billing_pause_behavior_name(BILLING_PAUSE_KEEP_AS_DRAFT), "keep_as_draft");
	assert_string_equal(billing_pause_behavior_name(BILLING_PAUSE_MARK_UNCOLLECTIBLE),
			    "mark_uncollectible");
	assert_string_equal(billing_pause_behavior_name(BILLING_PAUSE_VOID), "void");
	assert_null(billing_pause_behavior_name(BILLING_PAUSE_NONE));
	assert_null(billing_pause_behavior_name((enum billing_pause_behavior)99));
}

static void test_check(void **state)
{
	(void)state;
	const struct {
		struct billing_pause p;
		int64_t now;
		enum billing_pause_fault want;
	} cases[] = {
		{ { BILLING_PAUSE_VOID, 0 }, MAY01_2026, BILLING_PAUSE_OK },
		{ { BILLING_PAUSE_KEEP_AS_DRAFT, JUN01_2026 }, MAY01_2026, BILLING_PAUSE_OK },
		{ { BILLING_PAUSE_MARK_UNCOLLECTIBLE, MAY01_2026 + 1 }, MAY01_2026, BILLING_PAUSE_OK },
		/* resumes_at at now or before: refused */
		{ { BILLING_PAUSE_VOID, MAY01_2026 }, MAY01_2026, BILLING_PAUSE_RESUMES_PAST },
		{ { BILLING_PAUSE_VOID, MAY01_2026 - 1 }, MAY01_2026, BILLING_PAUSE_RESUMES_PAST },
		/* a test clock ahead of the wall clock: the clock's now counts */
		{ { BILLING_PAUSE_VOID, JUN01_2026 }, JUL01_2026, BILLING_PAUSE_RESUMES_PAST },
		/* the behavior is checked first */
		{ { BILLING_PAUSE_NONE, MAY01_2026 - 1 }, MAY01_2026, BILLING_PAUSE_BAD_BEHAVIOR },
		{ { (enum billing_pause_behavior)7, 0 }, MAY01_2026, BILLING_PAUSE_BAD_BEHAVIOR },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(billing_pause_check(&cases[i].p, cases[i].now), cases[i].want);
}

static void test_at(void **state)
{
	(void)state;
	struct billing_pause until_jun = { BILLING_PAUSE_MARK_UNCOLLECTIBLE, JUN01_2026 };
	struct billing_pause open_ended = { BILLING_PAUSE_KEEP_AS_DRAFT, 0 };
	struct billing_pause none = { BILLING_PAUSE_NONE, 0 };

	assert_int_equal(billing_pause_at(&until_jun, MAY01_2026), BILLING_PAUSE_MARK_UNCOLLECTIBLE);
	assert_int_equal(billing_pause_at(&until_jun, JUN01_2026 - 1),
			 BILLING_PAUSE_MARK_UNCOLLECTIBLE);
	/* a renewal at the very moment collection resumes is collected */
	assert_int_equal(billing_pause_at(&until_jun, JUN01_2026), BILLING_PAUSE_NONE);
	assert_int_equal(billing_pause_at(&until_jun, JUL01_2026), BILLING_PAUSE_NONE);
	assert_int_equal(billing_pause_at(&open_ended, JUL01_2026), BILLING_PAUSE_KEEP_AS_DRAFT);
	assert_int_equal(billing_pause_at(&none, JUL01_2026), BILLING_PAUSE_NONE);

	assert_false(billing_pause_ends_by(&until_jun, JUN01_2026 - 1));
	assert_true(billing_pause_ends_by(&until_jun, JUN01_2026));
	assert_true(billing_pause_ends_by(&until_jun, JUL01_2026));
	assert_false(billing_pause_ends_by(&open_ended, JUL01_2026));
	assert_false(billing_pause_ends_by(&none, JUL01_2026));
}

static void test_due(void **state)
{
	(void)state;
	struct billing_pause until_jun = { BILLING_PAUSE_VOID, JUN01_2026 };
	struct billing_pause open_ended = { BILLING_PAUSE_VOID, 0 };
	struct billing_pause none = { BILLING_PAUSE_NONE, MAY01_2026 };

	/* the period ends 1 Jul, the pause 1 Jun: due 1 Jun, then 1 Jul once cleared */
	assert_int_equal(billing_pause_due(&until_jun, JUL01_2026), JUN01_2026);
	/* the period ends first */
	assert_int_equal(billing_pause_due(&until_jun, MAY01_2026), MAY01_2026);
	/* a tie: one due time, both run at it */
	assert_int_equal(billing_pause_due(&until_jun, JUN01_2026), JUN01_2026);
	/* nothing else due */
	assert_int_equal(billing_pause_due(&until_jun, 0), JUN01_2026);
	assert_int_equal(billing_pause_due(&open_ended, JUL01_2026), JUL01_2026);
	assert_int_equal(billing_pause_due(&open_ended, 0), 0);
	/* not paused: a stray resumes_at means nothing */
	assert_int_equal(billing_pause_due(&none, JUL01_2026), JUL01_2026);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_at),
		cmocka_unit_test(test_due),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
