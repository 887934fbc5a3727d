/*
 * Tests for core/money: the ISO 4217 table, overflow at the int64 limits,
 * every rounding mode of money_mul_ratio on positive and negative ties, and
 * parsing/formatting in both locales. Expected values are literal; the
 * rounding table was checked against exact rational arithmetic (Python's
 * fractions), not derived from the code under test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/err.h"
#include "core/money.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define SENTINEL INT64_C(0x5EED5EED5EED)

static void test_currency_find(void **state)
{
	static const struct {
		const char *code;
		const char *canon; /* NULL: not found */
		int exponent;
	} cases[] = {
		{"nok", "NOK", 2}, {"NOK", "NOK", 2}, {"Nok", "NOK", 2},
		{"sek", "SEK", 2}, {"dkk", "DKK", 2}, {"eur", "EUR", 2},
		{"usd", "USD", 2}, {"gbp", "GBP", 2}, {"chf", "CHF", 2},
		{"cad", "CAD", 2}, {"aud", "AUD", 2}, {"nzd", "NZD", 2},
		{"pln", "PLN", 2}, {"czk", "CZK", 2}, {"huf", "HUF", 2},
		{"inr", "INR", 2}, {"brl", "BRL", 2}, {"mxn", "MXN", 2},
		{"zar", "ZAR", 2}, {"sgd", "SGD", 2}, {"hkd", "HKD", 2},
		{"cny", "CNY", 2},
		{"jpy", "JPY", 0}, {"JPY", "JPY", 0}, {"krw", "KRW", 0},
		{"isk", "ISK", 0}, {"clp", "CLP", 0}, {"vnd", "VND", 0},
		{"bhd", "BHD", 3}, {"kwd", "KWD", 3}, {"jod", "JOD", 3},
		{"omr", "OMR", 3}, {"tnd", "TND", 3},
		{"clf", "CLF", 4},
		{"zzz", NULL, 0}, {"xxx", NULL, 0}, {"", NULL, 0}, {"us", NULL, 0},
		{"usdx", NULL, 0}, {"usd ", NULL, 0}, {" usd", NULL, 0},
		{"u5d", NULL, 0}, {"\xc3\xa9ur", NULL, 0},
	};
	size_t i;
	(void)state;
	for (i = 0; i < N(cases); i++) {
		const struct currency *c = money_currency_find(cases[i].code);
		if (!cases[i].canon) {
			if (c)
				fail_msg("'%s' should be unknown", cases[i].code);
			continue;
		}
		if (!c)
			fail_msg("'%s' not found", cases[i].code);
		assert_string_equal(c->code, cases[i].canon);
		assert_int_equal(c->exponent, cases[i].exponent);
	}
	assert_null(money_currency_find(NULL));
}

/* The table itself: upper-case, unique, sane exponents, findable. */
static void test_currency_table(void **state)
{
	size_t i, j, n = money_currency_count();
	(void)state;
	assert_true(n >= 40);
	assert_null(money_currency_at(n));
	for (i = 0; i < n; i++) {
		const struct currency *c = money_currency_at(i);
		assert_non_null(c);
		assert_int_equal(strlen(c->code), 3);
		for (j = 0; j < 3; j++)
			assert_true(c->code[j] >= 'A' && c->code[j] <= 'Z');
		assert_true(c->exponent >= 0 && c->exponent <= 4);
		assert_ptr_equal(money_currency_find(c->code), c);
		for (j = 0; j < i; j++)
			assert_string_not_equal(money_currency_at(j)->code, c->code);
	}
}

enum op { ADD, SUB, MUL };

static void test_add_sub_mul(void **state)
{
	static const struct {
		enum op op;
		int64_t a, b;
		int rc;
		int64_t want;
	} cases[] = {
		{ADD, 1250, 301, 0, 1551},
		{ADD, -1250, 301, 0, -949},
		{ADD, INT64_MAX, 0, 0, INT64_MAX},
		{ADD, INT64_MAX, INT64_MIN, 0, -1},
		{ADD, INT64_MAX - 1, 1, 0, INT64_MAX},
		{ADD, INT64_MIN + 1, -1, 0, INT64_MIN},
		{ADD, INT64_MAX, 1, RECUR_EOVERFLOW, 0},
		{ADD, 1, INT64_MAX, RECUR_EOVERFLOW, 0},
		{ADD, INT64_MIN, -1, RECUR_EOVERFLOW, 0},
		{ADD, INT64_MAX, INT64_MAX, RECUR_EOVERFLOW, 0},
		{ADD, INT64_MIN, INT64_MIN, RECUR_EOVERFLOW, 0},
		{SUB, 1250, 301, 0, 949},
		{SUB, 0, INT64_MAX, 0, -INT64_MAX},
		{SUB, -1, INT64_MAX, 0, INT64_MIN},
		{SUB, INT64_MAX, INT64_MAX, 0, 0},
		{SUB, INT64_MIN, -1, 0, INT64_MIN + 1},
		{SUB, INT64_MIN, 1, RECUR_EOVERFLOW, 0},
		{SUB, 0, INT64_MIN, RECUR_EOVERFLOW, 0},
		{SUB, INT64_MAX, -1, RECUR_EOVERFLOW, 0},
		{SUB, -2, INT64_MAX, RECUR_EOVERFLOW, 0},
		{MUL, 1250, 3, 0, 3750},
		{MUL, -1250, 3, 0, -3750},
		{MUL, INT64_MAX, 1, 0, INT64_MAX},
		{MUL, INT64_MAX, -1, 0, -INT64_MAX},
		{MUL, INT64_MIN, 1, 0, INT64_MIN},
		{MUL, INT64_C(3037000499), INT64_C(3037000499), 0,
		 INT64_C(9223372030926249001)},
		{MUL, INT64_C(3037000500), INT64_C(3037000500), RECUR_EOVERFLOW, 0},
		{MUL, INT64_MAX, 2, RECUR_EOVERFLOW, 0},
		{MUL, INT64_MIN, -1, RECUR_EOVERFLOW, 0},
		{MUL, -1, INT64_MIN, RECUR_EOVERFLOW, 0},
		{MUL, INT64_MIN, 2, RECUR_EOVERFLOW, 0},
		{MUL, INT64_C(4611686018427387904), 2, RECUR_EOVERFLOW, 0},
		{MUL, INT64_C(-4611686018427387904), 2, 0, INT64_MIN},
	};
	size_t i;
	(void)state;
	for (i = 0; i < N(cases); i++) {
		int64_t got = SENTINEL;
		int rc = cases[i].op == ADD ? money_add(&got, cases[i].a, cases[i].b)
			 : cases[i].op == SUB ? money_sub(&got, cases[i].a, cases[i].b)
					      : money_mul(&got, cases[i].a, cases[i].b);
		if (rc != cases[i].rc)
			fail_msg("case %zu: rc %d, want %d", i, rc, cases[i].rc);
		/* On error the output is untouched. */
		assert_int_equal(got, cases[i].rc == 0 ? cases[i].want : SENTINEL);
	}
}

/*
 * amount * num / den under each mode, in enum order: half-up, half-even, down,
 * up. Ties (x.5) on both signs are the point; negatives must mirror positives.
 */
static void test_mul_ratio(void **state)
{
	static const struct {
		int64_t amount, num, den;
		int64_t want[4];
	} cases[] = {
		{5, 1, 2, {3, 2, 2, 3}},           /* 2.5 */
		{-5, 1, 2, {-3, -2, -2, -3}},      /* -2.5 */
		{5, -1, 2, {-3, -2, -2, -3}},      /* sign on num */
		{15, 1, 2, {8, 8, 7, 8}},          /* 7.5 */
		{-15, 1, 2, {-8, -8, -7, -8}},
		{3, 1, 2, {2, 2, 1, 2}},           /* 1.5 */
		{-3, 1, 2, {-2, -2, -1, -2}},
		{1, 1, 2, {1, 0, 0, 1}},           /* 0.5 */
		{-1, 1, 2, {-1, 0, 0, -1}},
		{25, 1, 10, {3, 2, 2, 3}},         /* 2.5 */
		{-25, 1, 10, {-3, -2, -2, -3}},
		{35, 1, 10, {4, 4, 3, 4}},         /* 3.5 */
		{-35, 1, 10, {-4, -4, -3, -4}},
		{26, 1, 10, {3, 3, 2, 3}},         /* 2.6 */
		{24, 1, 10, {2, 2, 2, 3}},         /* 2.4 */
		{7, 1, 3, {2, 2, 2, 3}},           /* 2.33 */
		{-7, 1, 3, {-2, -2, -2, -3}},
		{8, 1, 3, {3, 3, 2, 3}},           /* 2.67 */
		{-8, 1, 3, {-3, -3, -2, -3}},
		{6, 1, 3, {2, 2, 2, 2}},           /* exact */
		{-6, 1, 3, {-2, -2, -2, -2}},
		{0, 5, 7, {0, 0, 0, 0}},
		/* proration: 99.00 for 10 of 31 days, 21 of 31 days */
		{9900, 10, 31, {3194, 3194, 3193, 3194}},
		{-9900, 10, 31, {-3194, -3194, -3193, -3194}},
		{9900, 21, 31, {6706, 6706, 6706, 6707}},
		/* 128-bit intermediate: the product overflows int64, the result not */
		{INT64_MAX, INT64_MAX, INT64_MAX, {INT64_MAX, INT64_MAX, INT64_MAX, INT64_MAX}},
		{INT64_MIN, INT64_MAX, INT64_MAX, {INT64_MIN, INT64_MIN, INT64_MIN, INT64_MIN}},
		{INT64_MAX, 2, 4,
		 {INT64_C(4611686018427387904), INT64_C(4611686018427387904),
		  INT64_C(4611686018427387903), INT64_C(4611686018427387904)}},
		{-INT64_MAX, 2, 4,
		 {INT64_C(-4611686018427387904), INT64_C(-4611686018427387904),
		  INT64_C(-4611686018427387903), INT64_C(-4611686018427387904)}},
		/* -(2^64 - 1) / 2: rounding away lands exactly on INT64_MIN */
		{INT64_C(-6148914691236517205), 3, 2, {INT64_MIN, INT64_MIN, -INT64_MAX, INT64_MIN}},
		{INT64_MIN, -1, 2,
		 {INT64_C(4611686018427387904), INT64_C(4611686018427387904),
		  INT64_C(4611686018427387904), INT64_C(4611686018427387904)}},
		{1, 1, INT64_MAX, {0, 0, 0, 1}},
		{INT64_C(4611686018427387904), 1, INT64_MAX, {1, 1, 0, 1}}, /* just over 0.5 */
	};
	static const enum money_rounding modes[4] = {
		MONEY_ROUND_HALF_UP, MONEY_ROUND_HALF_EVEN, MONEY_ROUND_DOWN,
		MONEY_ROUND_UP};
	size_t i, m;
	(void)state;
	for (i = 0; i < N(cases); i++) {
		for (m = 0; m < 4; m++) {
			int64_t got = SENTINEL;
			int rc = money_mul_ratio(&got, cases[i].amount, cases[i].num,
						 cases[i].den, modes[m]);
			if (rc != 0 || got != cases[i].want[m])
				fail_msg("case %zu mode %zu: rc %d got %lld want %lld", i,
					 m, rc, (long long)got, (long long)cases[i].want[m]);
		}
	}
}

static void test_mul_ratio_errors(void **state)
{
	static const struct {
		int64_t amount, num, den;
		int mode;
		int rc;
	} cases[] = {
		{INT64_MAX, 2, 1, MONEY_ROUND_DOWN, RECUR_EOVERFLOW},
		{INT64_MIN, -1, 1, MONEY_ROUND_DOWN, RECUR_EOVERFLOW},
		{INT64_MIN, INT64_MIN, 1, MONEY_ROUND_HALF_UP, RECUR_EOVERFLOW},
		{INT64_MAX, INT64_MAX, INT64_MAX - 1, MONEY_ROUND_DOWN, RECUR_EOVERFLOW},
		/* (2^64 - 1) / 2 = INT64_MAX + 0.5: fits only when rounded down */
		{INT64_C(6148914691236517205), 3, 2, MONEY_ROUND_HALF_UP, RECUR_EOVERFLOW},
		{INT64_C(6148914691236517205), 3, 2, MONEY_ROUND_HALF_EVEN, RECUR_EOVERFLOW},
		{INT64_C(6148914691236517205), 3, 2, MONEY_ROUND_UP, RECUR_EOVERFLOW},
		{1, 1, 0, MONEY_ROUND_DOWN, RECUR_EINVAL},
		{1, 1, -1, MONEY_ROUND_DOWN, RECUR_EINVAL},
		{1, 1, INT64_MIN, MONEY_ROUND_HALF_UP, RECUR_EINVAL},
		{1, 1, 2, 99, RECUR_EINVAL},
		{1, 1, 2, -1, RECUR_EINVAL},
		{2, 1, 2, 99, RECUR_EINVAL}, /* even when the division is exact */
	};
	size_t i;
	int64_t got = SENTINEL;
	(void)state;
	for (i = 0; i < N(cases); i++) {
		int rc = money_mul_ratio(&got, cases[i].amount, cases[i].num,
					 cases[i].den, (enum money_rounding)cases[i].mode);
		if (rc != cases[i].rc)
			fail_msg("case %zu: rc %d, want %d", i, rc, cases[i].rc);
		assert_int_equal(got, SENTINEL);
	}
	assert_int_equal(money_mul_ratio(&got, INT64_C(6148914691236517205), 3, 2,
					 MONEY_ROUND_DOWN), 0);
	assert_int_equal(got, INT64_MAX);
}

static void test_in_range(void **state)
{
	(void)state;
	assert_int_equal(MONEY_MAX_ABS, INT64_C(1000000000000000));
	assert_true(money_in_range(0));
	assert_true(money_in_range(MONEY_MAX_ABS));
	assert_true(money_in_range(-MONEY_MAX_ABS));
	assert_false(money_in_range(MONEY_MAX_ABS + 1));
	assert_false(money_in_range(-MONEY_MAX_ABS - 1));
	assert_false(money_in_range(INT64_MAX));
	assert_false(money_in_range(INT64_MIN));
}

#define C MONEY_LOCALE_C
#define NORDIC MONEY_LOCALE_NORDIC

static void test_parse(void **state)
{
	static const struct {
		const char *s;
		int exponent;
		enum money_locale loc;
		int64_t want;
	} cases[] = {
		{"12.50", 2, C, 1250},
		{"12.5", 2, C, 1250},
		{"12", 2, C, 1200},
		{"-3.01", 2, C, -301},
		{"0", 2, C, 0},
		{"-0", 2, C, 0},
		{"0.01", 2, C, 1},
		{"-0.01", 2, C, -1},
		{"007.10", 2, C, 710},
		{"1250", 0, C, 1250},
		{"1.234", 3, C, 1234},
		{"1.2", 3, C, 1200},
		{"0.0001", 4, C, 1},
		{"10000000000000.00", 2, C, MONEY_MAX_ABS},
		{"92233720368547758.07", 2, C, INT64_MAX},
		{"-92233720368547758.08", 2, C, INT64_MIN},
		{"9223372036854775807", 0, C, INT64_MAX},
		{"-9223372036854775808", 0, C, INT64_MIN},
		{"9.223372036854775807", 18, C, INT64_MAX},
		{"1 250,50", 2, NORDIC, 125050},
		{"1\xc2\xa0" "250,50", 2, NORDIC, 125050},     /* U+00A0 */
		{"1\xe2\x80\xaf" "250,50", 2, NORDIC, 125050}, /* U+202F */
		{"1.250,50", 2, NORDIC, 125050},
		{"1250,50", 2, NORDIC, 125050},
		{"-1 250,50", 2, NORDIC, -125050},
		{"1 234 567,89", 2, NORDIC, 123456789},
		{"1.234.567,8", 2, NORDIC, 123456780},
		{"999,99", 2, NORDIC, 99999},
		{"12,5", 2, NORDIC, 1250},
		{"250", 2, NORDIC, 25000},
		{"0,05", 2, NORDIC, 5},
		{"1 250 000", 0, NORDIC, 1250000},
		{"1 250,500", 3, NORDIC, 1250500},
		{"-92 233 720 368 547 758,08", 2, NORDIC, INT64_MIN},
	};
	size_t i;
	(void)state;
	for (i = 0; i < N(cases); i++) {
		int64_t got = SENTINEL;
		struct recur_err e;
		err_clear(&e);
		if (money_parse(&got, cases[i].s, cases[i].exponent, cases[i].loc, &e) != 0)
			fail_msg("'%s': %s", cases[i].s, e.message);
		assert_int_equal(got, cases[i].want);
		got = SENTINEL;
		assert_int_equal(money_parse(&got, cases[i].s, cases[i].exponent,
					     cases[i].loc, NULL), 0);
		assert_int_equal(got, cases[i].want);
	}
}

static void test_parse_rejects(void **state)
{
	static const struct {
		const char *s;
		int exponent;
		enum money_locale loc;
		int rc;
	} cases[] = {
		{"", 2, C, RECUR_EINVAL},
		{"-", 2, C, RECUR_EINVAL},
		{".", 2, C, RECUR_EINVAL},
		{".5", 2, C, RECUR_EINVAL},
		{"-.5", 2, C, RECUR_EINVAL},
		{"12.", 2, C, RECUR_EINVAL},
		{"12.345", 2, C, RECUR_EINVAL},  /* more decimals than NOK has */
		{"12.500", 2, C, RECUR_EINVAL},  /* even when they are zeros */
		{"12.0", 0, C, RECUR_EINVAL},    /* JPY has none */
		{"1.2345", 3, C, RECUR_EINVAL},
		{"1,50", 2, C, RECUR_EINVAL},
		{"1 250.50", 2, C, RECUR_EINVAL},
		{"1,250.50", 2, C, RECUR_EINVAL},
		{"12a", 2, C, RECUR_EINVAL},
		{"a12", 2, C, RECUR_EINVAL},
		{" 12", 2, C, RECUR_EINVAL},
		{"12 ", 2, C, RECUR_EINVAL},
		{"+12", 2, C, RECUR_EINVAL},
		{"--1", 2, C, RECUR_EINVAL},
		{"1-", 2, C, RECUR_EINVAL},
		{"1e5", 2, C, RECUR_EINVAL},
		{"0x10", 2, C, RECUR_EINVAL},
		{"1.2.3", 2, C, RECUR_EINVAL},
		{"12", -1, C, RECUR_EINVAL},
		{"12", 19, C, RECUR_EINVAL},
		{"12", 2, (enum money_locale)7, RECUR_EINVAL},
		{"92233720368547758.08", 2, C, RECUR_EOVERFLOW},
		{"-92233720368547758.09", 2, C, RECUR_EOVERFLOW},
		{"100000000000000000", 2, C, RECUR_EOVERFLOW},     /* overflows in scaling */
		{"9223372036854775808", 0, C, RECUR_EOVERFLOW},
		{"99999999999999999999999", 0, C, RECUR_EOVERFLOW},
		{"10", 18, C, RECUR_EOVERFLOW},
		/* nordic */
		{"12.50", 2, NORDIC, RECUR_EINVAL},   /* '.' groups thousands here */
		{"1 25,00", 2, NORDIC, RECUR_EINVAL},
		{"1 2500,00", 2, NORDIC, RECUR_EINVAL},
		{"1234 567,00", 2, NORDIC, RECUR_EINVAL},
		{"1  250,00", 2, NORDIC, RECUR_EINVAL},
		{"1 250 ,00", 2, NORDIC, RECUR_EINVAL},
		{"1 250.50", 2, NORDIC, RECUR_EINVAL},
		{"1.250 000,00", 2, NORDIC, RECUR_EINVAL}, /* mixed separators */
		{"1\xc2\xa0" "250 000,00", 2, NORDIC, RECUR_EINVAL},
		{"1,250.50", 2, NORDIC, RECUR_EINVAL},
		{" 1 250", 2, NORDIC, RECUR_EINVAL},
		{"1 250 ", 2, NORDIC, RECUR_EINVAL},
		{"- 1 250", 2, NORDIC, RECUR_EINVAL},
		{"1 250,", 2, NORDIC, RECUR_EINVAL},
		{"1 250,5 0", 2, NORDIC, RECUR_EINVAL},
		{"12,345", 2, NORDIC, RECUR_EINVAL},
		{"1\xc2" "250,00", 2, NORDIC, RECUR_EINVAL},     /* cut UTF-8 */
		{"1\xe2\x80" "250,00", 2, NORDIC, RECUR_EINVAL},
		{"1\xe2\x80\x89" "250,00", 2, NORDIC, RECUR_EINVAL}, /* U+2009 */
		{",50", 2, NORDIC, RECUR_EINVAL},
	};
	size_t i;
	(void)state;
	for (i = 0; i < N(cases); i++) {
		int64_t got = SENTINEL;
		struct recur_err e;
		int rc;
		err_clear(&e);
		rc = money_parse(&got, cases[i].s, cases[i].exponent, cases[i].loc, &e);
		if (rc != cases[i].rc)
			fail_msg("'%s' exp %d: rc %d, want %d", cases[i].s,
				 cases[i].exponent, rc, cases[i].rc);
		assert_int_equal(got, SENTINEL);
		assert_int_equal(e.status, 400);
		assert_string_equal(e.type, "invalid_request_error");
		assert_string_equal(e.param, "");
		assert_true(strlen(e.message) > 0);
		assert_int_equal(money_parse(&got, cases[i].s, cases[i].exponent,
					     cases[i].loc, NULL), cases[i].rc);
	}
	{
		int64_t got = SENTINEL;
		struct recur_err e;
		err_clear(&e);
		assert_int_equal(money_parse(&got, NULL, 2, C, &e), RECUR_EINVAL);
		assert_int_equal(got, SENTINEL);
	}
}

/* Echoed input in messages is printable ASCII and capped, so JSON stays valid. */
static void test_parse_error_message(void **state)
{
	int64_t got;
	struct recur_err e;
	size_t i;
	(void)state;
	err_clear(&e);
	assert_int_equal(money_parse(&got, "12,3\xc2\xa0x", 2, C, &e), RECUR_EINVAL);
	assert_non_null(strstr(e.message, "'12,3??x'"));
	err_clear(&e);
	assert_int_equal(money_parse(&got,
				     "1111111111222222222233333333334444444444x",
				     2, C, &e), RECUR_EOVERFLOW);
	assert_non_null(strstr(e.message, "'11111111112222222222333333333344...'"));
	for (i = 0; e.message[i]; i++)
		assert_true(e.message[i] >= 0x20 && e.message[i] <= 0x7e);
}

static void test_format(void **state)
{
	static const struct {
		int64_t amount;
		int exponent;
		enum money_locale loc;
		const char *want;
	} cases[] = {
		{1250, 2, C, "12.50"},
		{-301, 2, C, "-3.01"},
		{0, 2, C, "0.00"},
		{1, 2, C, "0.01"},
		{-1, 2, C, "-0.01"},
		{10, 2, C, "0.10"},
		{100, 2, C, "1.00"},
		{125050, 2, C, "1250.50"},
		{5, 0, C, "5"},
		{-5, 0, C, "-5"},
		{1234, 3, C, "1.234"},
		{5, 3, C, "0.005"},
		{1, 4, C, "0.0001"},
		{MONEY_MAX_ABS, 2, C, "10000000000000.00"},
		{INT64_MAX, 2, C, "92233720368547758.07"},
		{INT64_MIN, 2, C, "-92233720368547758.08"},
		{INT64_MIN, 0, C, "-9223372036854775808"},
		{INT64_MAX, 18, C, "9.223372036854775807"},
		{1, 18, C, "0.000000000000000001"},
		{125050, 2, NORDIC, "1 250,50"},
		{-125050, 2, NORDIC, "-1 250,50"},
		{123456789, 2, NORDIC, "1 234 567,89"},
		{99999, 2, NORDIC, "999,99"},
		{100000, 2, NORDIC, "1 000,00"},
		{-99999, 2, NORDIC, "-999,99"},
		{0, 2, NORDIC, "0,00"},
		{5, 2, NORDIC, "0,05"},
		{1250000, 0, NORDIC, "1 250 000"},
		{125000, 0, NORDIC, "125 000"},
		{1250500, 3, NORDIC, "1 250,500"},
		{INT64_MAX, 2, NORDIC, "92 233 720 368 547 758,07"},
		{INT64_MIN, 2, NORDIC, "-92 233 720 368 547 758,08"},
		{INT64_MIN, 0, NORDIC, "-9 223 372 036 854 775 808"},
	};
	size_t i;
	(void)state;
	for (i = 0; i < N(cases); i++) {
		char buf[48];
		int64_t back = SENTINEL;
		int n = money_format(buf, sizeof(buf), cases[i].amount,
				     cases[i].exponent, cases[i].loc);
		assert_int_equal(n, (int)strlen(cases[i].want));
		assert_string_equal(buf, cases[i].want);
		/* and back: format's output is always valid parse input */
		assert_int_equal(money_parse(&back, buf, cases[i].exponent,
					     cases[i].loc, NULL), 0);
		assert_int_equal(back, cases[i].amount);
	}
}

static void test_format_errors(void **state)
{
	char buf[16];
	(void)state;
	/* "12.50" is 5 bytes plus the NUL */
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(money_format(buf, 5, 1250, 2, C), RECUR_ETOOBIG);
	assert_string_equal(buf, "");
	assert_int_equal(money_format(buf, 6, 1250, 2, C), 5);
	assert_string_equal(buf, "12.50");
	assert_int_equal(money_format(buf, 0, 1250, 2, C), RECUR_ETOOBIG);
	assert_int_equal(money_format(NULL, 0, 1250, 2, C), RECUR_ETOOBIG);
	assert_int_equal(money_format(buf, sizeof(buf), 1250, -1, C), RECUR_EINVAL);
	assert_int_equal(money_format(buf, sizeof(buf), 1250, 19, C), RECUR_EINVAL);
	assert_int_equal(money_format(buf, sizeof(buf), 1250, 2,
				      (enum money_locale)7), RECUR_EINVAL);
}

/*
 * Round trips across magnitudes, signs, exponents and both locales: a
 * deterministic spread of values (powers of ten and their neighbours, and an
 * LCG walk) through format then parse.
 */
static void test_round_trip(void **state)
{
	static const int exps[] = {0, 2, 3, 4};
	static const enum money_locale locs[] = {C, NORDIC};
	uint64_t x = 0x9E3779B97F4A7C15u;
	int64_t p = 1;
	int k;
	(void)state;
	for (k = 0; k < 4000; k++) {
		int64_t v;
		size_t ei, li;
		if (k < 19 * 3) { /* 10^j - 1, 10^j, 10^j + 1 for j = 0..18 */
			if (k % 3 == 0 && k > 0)
				p *= 10;
			v = p + (k % 3) - 1;
		} else {
			x = x * 6364136223846793005u + 1442695040888963407u;
			v = (int64_t)(x >> (1 + x % 63)); /* every magnitude, >= 0 */
		}
		if (k % 2)
			v = -v;
		for (ei = 0; ei < N(exps); ei++) {
			for (li = 0; li < N(locs); li++) {
				char buf[48];
				int64_t back = SENTINEL;
				assert_true(money_format(buf, sizeof(buf), v, exps[ei],
							 locs[li]) > 0);
				if (money_parse(&back, buf, exps[ei], locs[li], NULL) != 0 ||
				    back != v)
					fail_msg("%lld via '%s'", (long long)v, buf);
			}
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_currency_find),
		cmocka_unit_test(test_currency_table),
		cmocka_unit_test(test_add_sub_mul),
		cmocka_unit_test(test_mul_ratio),
		cmocka_unit_test(test_mul_ratio_errors),
		cmocka_unit_test(test_in_range),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_parse_error_message),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_errors),
		cmocka_unit_test(test_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
