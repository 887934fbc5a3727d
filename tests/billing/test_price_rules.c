/*
 * Tests for billing/price_rules: decimal amounts normalised as Stripe renders
 * them, the three-year cap on recurring intervals, and tier table ordering.
 * Expected values are literal.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "billing/period.h"
#include "billing/price_rules.h"
#include "core/err.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define MAX INT64_C(1000000000000000) /* 10^15, the API's amount cap */

static void test_decimal_ok(void **state)
{
	static const struct {
		const char *in;
		const char *text;
		bool whole;
		int64_t units;
	} cases[] = {
		{ "0", "0", true, 0 },
		{ "000", "0", true, 0 },
		{ "0.0", "0", true, 0 },
		{ "1250", "1250", true, 1250 },
		{ "007", "7", true, 7 },
		{ "12.50", "12.5", false, 12 },
		{ "12.500000000000", "12.5", false, 12 },
		{ "007.000", "7", true, 7 },
		{ "0.5", "0.5", false, 0 },
		{ "0.000000000001", "0.000000000001", false, 0 },
		{ "1.123456789012", "1.123456789012", false, 1 },
		{ "999999999999999.999999999999", "999999999999999.999999999999", false,
		  INT64_C(999999999999999) },
		{ "1000000000000000", "1000000000000000", true, MAX },
		{ "1000000000000000.000", "1000000000000000", true, MAX },
		{ "0001000000000000000", "1000000000000000", true, MAX },
	};
	(void)state;
	for (size_t i = 0; i < N(cases); i++) {
		struct price_decimal d;
		struct recur_err e;
		err_clear(&e);
		memset(&d, 0x5a, sizeof(d));
		if (price_rules_decimal(&d, cases[i].in, MAX, &e) != 0)
			fail_msg("'%s' rejected: %s", cases[i].in, e.message);
		assert_string_equal(d.text, cases[i].text);
		assert_int_equal(d.whole, cases[i].whole);
		assert_int_equal(d.units, cases[i].units);
	}
}

static void test_decimal_rejects(void **state)
{
	static const char *const bad[] = {
		"", "-1", "-0.5", "+1", " 1", "1 ", "1.", ".5", "1.2.3", "1e3", "0x10", "abc",
		"1,5", "1.1234567890123",            /* 13 places */
		"1000000000000000.000000000001",     /* just over 10^15 */
		"1000000000000001", "99999999999999999999999999",
	};
	(void)state;
	for (size_t i = 0; i < N(bad); i++) {
		struct price_decimal d;
		struct recur_err e;
		err_clear(&e);
		memset(&d, 0x5a, sizeof(d));
		if (price_rules_decimal(&d, bad[i], MAX, &e) != RECUR_EINVAL)
			fail_msg("'%s' accepted", bad[i]);
		assert_int_equal(e.status, 400);
		assert_string_equal(e.param, "");
		assert_true(e.message[0] != '\0');
		assert_int_equal((unsigned char)d.text[0], 0x5a); /* untouched on error */
	}
	struct recur_err e;
	err_clear(&e);
	struct price_decimal d;
	assert_int_equal(price_rules_decimal(&d, NULL, MAX, &e), RECUR_EINVAL);
}

static void test_interval_cap(void **state)
{
	(void)state;
	assert_int_equal(billing_interval_count_max(CAL_DAY), 1095);
	assert_int_equal(billing_interval_count_max(CAL_WEEK), 156);
	assert_int_equal(billing_interval_count_max(CAL_MONTH), 36);
	assert_int_equal(billing_interval_count_max(CAL_YEAR), 3);
	assert_int_equal(billing_interval_count_max((enum calendar_unit)99), 0);
}

#define T(n) { false, (n) }
#define INF { true, 0 }

static void test_tiers(void **state)
{
	static const struct {
		struct price_tier_bound t[5];
		size_t n;
		int ok;
		size_t bad;
	} cases[] = {
		{ { INF }, 1, 1, 0 },
		{ { T(10), INF }, 2, 1, 0 },
		{ { T(1), T(2), T(1000), INF }, 4, 1, 0 },
		{ { T(5) }, 1, 0, 0 },                      /* last must be inf */
		{ { T(10), T(20) }, 2, 0, 1 },
		{ { T(10), T(10), INF }, 3, 0, 1 },         /* strictly increasing */
		{ { T(10), T(20), T(15), INF }, 4, 0, 2 },
		{ { INF, T(10) }, 2, 0, 0 },                /* inf only last */
		{ { T(5), INF, INF }, 3, 0, 1 },
		{ { T(0), INF }, 2, 0, 0 },                 /* positive */
		{ { T(10), T(-1), INF }, 3, 0, 1 },
		{ { { false, 0 } }, 0, 0, 0 },              /* empty */
	};
	(void)state;
	for (size_t i = 0; i < N(cases); i++) {
		struct recur_err e;
		size_t bad = 99;
		err_clear(&e);
		int rc = price_rules_tiers(&bad, cases[i].t, cases[i].n, &e);
		if (cases[i].ok) {
			if (rc != 0)
				fail_msg("case %zu rejected: %s", i, e.message);
			continue;
		}
		if (rc != RECUR_EINVAL)
			fail_msg("case %zu accepted", i);
		assert_int_equal(bad, cases[i].bad);
		assert_string_equal(e.param, "");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decimal_ok),
		cmocka_unit_test(test_decimal_rejects),
		cmocka_unit_test(test_interval_cap),
		cmocka_unit_test(test_tiers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
