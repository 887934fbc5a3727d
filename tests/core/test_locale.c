/*
 * Tests for core/locale: amounts and dates in nb, sv, da and en, exact
 * strings (the no-break space spelled out as \u00a0's UTF-8 bytes).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/err.h"
#include "core/locale.h"

#define NB LOCALE_NBSP
#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_money(void **state)
{
	static const struct {
		enum locale_id l;
		int64_t amount;
		const char *cur, *want;
	} cases[] = {
		{ LOCALE_NB, 125000, "nok", "kr" NB "1" NB "250,00" },
		{ LOCALE_NB, 5, "NOK", "kr" NB "0,05" },
		{ LOCALE_NB, -125000, "nok", "-kr" NB "1" NB "250,00" },
		{ LOCALE_NB, 123456789, "eur", "EUR" NB "1" NB "234" NB "567,89" },
		{ LOCALE_SV, 125000, "sek", "1" NB "250,00" NB "kr" },
		{ LOCALE_SV, 99900, "nok", "999,00" NB "NOK" },
		{ LOCALE_DA, 125000, "dkk", "1.250,00" NB "kr." },
		{ LOCALE_DA, 100000000, "dkk", "1.000.000,00" NB "kr." },
		{ LOCALE_EN, 125000, "usd", "$1,250.00" },
		{ LOCALE_EN, 125000, "nok", "NOK" NB "1,250.00" },
		{ LOCALE_EN, -50, "usd", "-$0.50" },
		{ LOCALE_EN, 125000, "eur", "\xe2\x82\xac" "1,250.00" },
		{ LOCALE_EN, 1250, "jpy", "JPY" NB "1,250" },
		{ LOCALE_NB, 1250, "jpy", "JPY" NB "1" NB "250" },
		{ LOCALE_EN, 1250500, "bhd", "BHD" NB "1,250.500" },
		{ LOCALE_EN, INT64_MIN, "jpy", "-JPY" NB "9,223,372,036,854,775,808" },
	};
	char buf[LOCALE_MONEY_SIZE];
	(void)state;
	for (size_t i = 0; i < N(cases); i++) {
		int n = locale_format_money(buf, sizeof(buf), cases[i].l, cases[i].amount,
					    cases[i].cur);
		assert_string_equal(buf, cases[i].want);
		assert_int_equal(n, (int)strlen(cases[i].want));
	}
	assert_int_equal(locale_format_money(buf, sizeof(buf), LOCALE_EN, 1, "xxx"), RECUR_EINVAL);
	assert_int_equal(locale_format_money(buf, 5, LOCALE_EN, 125000, "usd"), RECUR_ETOOBIG);
	assert_string_equal(buf, "");
}

static void test_date(void **state)
{
	static const struct {
		enum locale_id l;
		int64_t t;
		const char *want;
	} cases[] = {
		{ LOCALE_NB, 1773532800, "15. mars 2026" },     /* 2026-03-15T00:00:00Z */
		{ LOCALE_SV, 1773532800, "15 mars 2026" },
		{ LOCALE_DA, 1773532800, "15. marts 2026" },
		{ LOCALE_EN, 1773532800, "15 March 2026" },
		{ LOCALE_EN, 1773619199, "15 March 2026" },     /* 23:59:59 the same day */
		{ LOCALE_NB, 1767225600, "1. januar 2026" },
		{ LOCALE_SV, 1779840000, "27 maj 2026" },
		{ LOCALE_DA, 1798675200, "31. december 2026" },
	};
	char buf[LOCALE_DATE_SIZE];
	(void)state;
	for (size_t i = 0; i < N(cases); i++) {
		locale_format_date(buf, sizeof(buf), cases[i].l, cases[i].t);
		assert_string_equal(buf, cases[i].want);
	}
	assert_int_equal(locale_format_date(buf, sizeof(buf), LOCALE_EN, INT64_MAX), RECUR_EINVAL);
}

static void test_from_tag(void **state)
{
	(void)state;
	assert_int_equal(locale_from_tag("nb"), LOCALE_NB);
	assert_int_equal(locale_from_tag("no"), LOCALE_NB);
	assert_int_equal(locale_from_tag("nb-NO"), LOCALE_NB);
	assert_int_equal(locale_from_tag("NN"), LOCALE_NB);
	assert_int_equal(locale_from_tag("sv-SE"), LOCALE_SV);
	assert_int_equal(locale_from_tag("da"), LOCALE_DA);
	assert_int_equal(locale_from_tag("de"), LOCALE_EN);
	assert_int_equal(locale_from_tag("nob"), LOCALE_EN);
	assert_int_equal(locale_from_tag(NULL), LOCALE_EN);
	assert_string_equal(locale_name(LOCALE_DA), "da");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_money),
		cmocka_unit_test(test_date),
		cmocka_unit_test(test_from_tag),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
