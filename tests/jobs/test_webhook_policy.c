/* webhook_policy: the signature receivers check, and the retry schedule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <string.h>

#include "jobs/webhook_policy.h"

/* Expected values from an independent HMAC-SHA256 (Python's hmac module). */
static void test_signature(void **state)
{
	(void)state;
	char out[WEBHOOK_SIGNATURE_MAX];
	const char *body = "{\"id\":\"evt_1\"}";
	assert_int_equal(webhook_signature(out, sizeof(out), "whsec_test", 1700000000, body,
					   strlen(body)), 0);
	assert_string_equal(out, "t=1700000000,v1=c89214b5b5da833daed6f0b8c5bb6bd58cea9022bd80"
			    "ccc78230f3942d632925");
	assert_int_equal(webhook_signature(out, sizeof(out), "whsec_test", 1700000000, "", 0), 0);
	assert_string_equal(out, "t=1700000000,v1=5967f3c560522fa40cf2876ebc3c3a08551dd6959aaa"
			    "de3b413460591895bdcc");
	/* too small a buffer fails rather than truncating */
	assert_int_equal(webhook_signature(out, 40, "whsec_test", 1700000000, body, strlen(body)),
			 -1);
}

static void test_backoff(void **state)
{
	(void)state;
	const int64_t m = 60000;
	static const struct { int64_t attempts; int64_t ms; } rows[] = {
		{ 1, 60000 }, { 2, 120000 }, { 3, 240000 }, { 4, 480000 }, { 5, 960000 },
		{ 6, 1920000 }, { 7, 3600000 }, { 8, 3600000 }, { 100, 3600000 },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		/* rnd % 1001 == 0: no jitter; == 1000: a quarter more */
		assert_int_equal(webhook_backoff_ms(rows[i].attempts, m, 0), rows[i].ms);
		assert_int_equal(webhook_backoff_ms(rows[i].attempts, m, 1000),
				 rows[i].ms + rows[i].ms / 4);
		assert_int_equal(webhook_backoff_ms(rows[i].attempts, m, 1001), rows[i].ms);
	}
	assert_int_equal(webhook_backoff_ms(1, m, 500), 60000 + 7500);
	/* the test setting: 100 ms, capped at 6 s */
	assert_int_equal(webhook_backoff_ms(10, 100, 0), 6000);
}

static void test_outcome(void **state)
{
	(void)state;
	int64_t next = -1;
	const int64_t t0 = 1700000000, w = WEBHOOK_RETRY_WINDOW;
	assert_int_equal(webhook_outcome(&next, 200, 1, 0, t0, w, 60000, 0), SVC_WEBHOOK_SUCCEEDED);
	assert_int_equal(next, 0);
	assert_int_equal(webhook_outcome(&next, 299, 9, t0, t0 + 5, w, 60000, 0),
			 SVC_WEBHOOK_SUCCEEDED);
	/* 3xx is not success: redirects are not followed */
	assert_int_equal(webhook_outcome(&next, 301, 1, 0, t0, w, 60000, 0), SVC_WEBHOOK_RETRY);
	assert_int_equal(next, t0 + 60);
	assert_int_equal(webhook_outcome(&next, 0, 3, t0, t0 + 200, w, 60000, 0), SVC_WEBHOOK_RETRY);
	assert_int_equal(next, t0 + 200 + 240);
	/* 100 ms rounds up to a whole second */
	assert_int_equal(webhook_outcome(&next, 500, 1, 0, t0, w, 100, 0), SVC_WEBHOOK_RETRY);
	assert_int_equal(next, t0 + 1);
	/* within the window it retries; at its end it gives up */
	assert_int_equal(webhook_outcome(&next, 500, 80, t0, t0 + w - 1, w, 60000, 0),
			 SVC_WEBHOOK_RETRY);
	assert_int_equal(webhook_outcome(&next, 500, 81, t0, t0 + w, w, 60000, 0),
			 SVC_WEBHOOK_FAILED);
	assert_int_equal(next, 0);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signature),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_outcome),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
