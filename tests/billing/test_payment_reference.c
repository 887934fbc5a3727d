/*
 * Tests for billing/payment_reference: Luhn (MOD10) and Nets MOD11 check
 * digits, Norwegian KID and Swedish OCR references with padding and the
 * Bankgirot length digit, and validation of references as payers type them.
 *
 * Expected values are literal and were not derived from the code under
 * test. The published ones:
 *   - Luhn "7992739871" -> 3 (the worked example of ISO/IEC 7812-1 Luhn
 *     found in every reference on the algorithm, e.g. Wikipedia "Luhn
 *     algorithm").
 *   - Luhn "640823323" -> 4: Skatteverket's sample personnummer 640823-3234
 *     (Swedish personal numbers use the same "10-modulen" as Bankgirot OCR).
 *   - MOD11 "1234567890" -> 3: the Norwegian sample account number
 *     1234.56.78903 (account numbers use the same MOD11 as KID: weights
 *     5,4,3,2,7,6,5,4,3,2 left to right, i.e. 2..7 repeating from the right).
 * Every other value was worked by hand (shown in the comments) and
 * cross-checked with an independent Python implementation
 * (sum of digit*weight, weights [2,3,4,5,6,7][pos % 6] from the right;
 * Luhn as sum of the decimal digits of digit*(2,1,2,1...) from the right).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "billing/payment_reference.h"
#include "core/err.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct billing_payref_format KID10 = {BILLING_PAYREF_KID_MOD10, 0, false, false};
static const struct billing_payref_format KID11 = {BILLING_PAYREF_KID_MOD11, 0, false, false};
static const struct billing_payref_format OCR = {BILLING_PAYREF_OCR, 0, false, false};
static const struct billing_payref_format OCRL = {BILLING_PAYREF_OCR, 0, true, false};

static void test_mod10(void **state)
{
	static const struct {
		const char *digits;
		int want;
	} cases[] = {
		/* published */
		{"7992739871", '3'},
		{"640823323", '4'},
		/* 9*2=18->9, 8, 7*2=14->5, 6, 5*2=10->1, 4, 3*2=6, 2, 1*2=2: 43 -> 7 */
		{"123456789", '7'},
		/* 0*2=0 -> 0 */
		{"0", '0'},
		/* 1*2=2 -> 8 */
		{"1", '8'},
		/* 2*2=4, 4: 8 -> 2 */
		{"42", '2'},
		/* leading zeros do not change a Luhn digit */
		{"0000000042", '2'},
		/* 5*2=10->1, 4, 3*2=6, 2, 1*2=2: 15 -> 5 */
		{"12345", '5'},
		/* base 12345 with OCR length digit 7: 7*2=14->5, 5, 4*2=8, 3, 2*2=4, 1: 26 -> 4 */
		{"123457", '4'},
		/* UINT64_MAX; Python: 3 */
		{"18446744073709551615", '3'},
		/* 24 nines: 12 x (18->9) + 12 x 9 = 216 -> 4 */
		{"999999999999999999999999", '4'},
	};
	size_t i;
	(void)state;
	for (i = 0; i < N(cases); i++) {
		int got = billing_payref_mod10(cases[i].digits, strlen(cases[i].digits));
		if (got != cases[i].want)
			fail_msg("mod10('%s') = %d, want '%c'", cases[i].digits, got,
				 cases[i].want);
	}
	/* n limits the digits read: "79927398713" minus its check digit */
	assert_int_equal(billing_payref_mod10("79927398713", 10), '3');
	assert_int_equal(billing_payref_mod10("", 0), RECUR_EINVAL);
	assert_int_equal(billing_payref_mod10(NULL, 3), RECUR_EINVAL);
	assert_int_equal(billing_payref_mod10("12a4", 4), RECUR_EINVAL);
	assert_int_equal(billing_payref_mod10("12 4", 4), RECUR_EINVAL);
	assert_int_equal(billing_payref_mod10("-1", 2), RECUR_EINVAL);
}

static void test_mod11(void **state)
{
	static const struct {
		const char *digits;
		int want;
	} cases[] = {
		/* published: 1234.56.78903. 0*2+9*3+8*4+7*5+6*6+5*7+4*2+3*3+2*4+1*5
		 * = 195 = 17*11 + 8 -> 11-8 = 3 */
		{"1234567890", '3'},
		/* 6*2 = 12 = 11 + 1: remainder 1 -> '-' */
		{"6", '-'},
		/* 3*2+2*3 = 12: remainder 1 -> '-' */
		{"23", '-'},
		/* 4*2+1*3 = 11: remainder 0 -> '0' */
		{"14", '0'},
		/* 2*2+4*3 = 16: remainder 5 -> 6 */
		{"42", '6'},
		/* 5*2+4*3+3*4+2*5+1*6 = 50 = 44 + 6 -> 5 */
		{"12345", '5'},
		/* 9*2+8*3+7*4+6*5+5*6+4*7+3*2+2*3+1*4 = 174 = 165 + 9 -> 2 */
		{"123456789", '2'},
		/* leading zeros change nothing: 1*2 = 2 -> 11-2 = 9 */
		{"000000000000000000000001", '9'},
		/* 1 in 7th place from the right: weight 2 again (cycle of six): 2 -> 9 */
		{"1000000", '9'},
		/* 1 in 6th place: weight 7: 7 -> 4 */
		{"100000", '4'},
		/* 0 -> remainder 0 -> '0' */
		{"0", '0'},
		/* 24 nines: 9 * 4 * (2+3+4+5+6+7) = 972 = 88*11 + 4 -> 7 */
		{"999999999999999999999999", '7'},
		/* Skatteverket's digits under MOD11; Python: 0 */
		{"640823323", '0'},
		{"7992739871", '6'},
	};
	size_t i;
	(void)state;
	for (i = 0; i < N(cases); i++) {
		int got = billing_payref_mod11(cases[i].digits, strlen(cases[i].digits));
		if (got != cases[i].want)
			fail_msg("mod11('%s') = %d, want '%c'", cases[i].digits, got,
				 cases[i].want);
	}
	assert_int_equal(billing_payref_mod11("", 0), RECUR_EINVAL);
	assert_int_equal(billing_payref_mod11(NULL, 1), RECUR_EINVAL);
	assert_int_equal(billing_payref_mod11("6-", 2), RECUR_EINVAL);
	assert_int_equal(billing_payref_mod11("1x", 2), RECUR_EINVAL);
}

static void test_generate(void **state)
{
	static const struct {
		struct billing_payref_format f;
		const char *base;
		const char *want; /* NULL: expect rc */
		int rc;
	} cases[] = {
		/* KID MOD10 */
		{{BILLING_PAYREF_KID_MOD10, 0, false, false}, "7992739871", "79927398713", 0},
		{{BILLING_PAYREF_KID_MOD10, 0, false, false}, "42", "422", 0},
		{{BILLING_PAYREF_KID_MOD10, 0, false, false}, "1", "18", 0},
		{{BILLING_PAYREF_KID_MOD10, 10, false, false}, "42", "0000000422", 0},
		{{BILLING_PAYREF_KID_MOD10, 2, false, false}, "0", "00", 0},
		{{BILLING_PAYREF_KID_MOD10, 25, false, false}, "999999999999999999999999",
		 "9999999999999999999999994", 0},
		{{BILLING_PAYREF_KID_MOD10, 0, false, false}, "0042", "00422", 0}, /* zeros kept */
		{{BILLING_PAYREF_KID_MOD10, 10, false, false}, "1234567890", NULL, RECUR_EINVAL}, /* 11 > 10 */
		{{BILLING_PAYREF_KID_MOD10, 0, false, false}, "1234567890123456789012345", NULL, RECUR_EINVAL}, /* 26 */
		{{BILLING_PAYREF_KID_MOD10, 0, false, false}, "", NULL, RECUR_EINVAL},
		{{BILLING_PAYREF_KID_MOD10, 0, false, false}, "12a", NULL, RECUR_EINVAL},
		{{BILLING_PAYREF_KID_MOD10, 0, false, false}, "-12", NULL, RECUR_EINVAL},
		{{BILLING_PAYREF_KID_MOD10, 0, false, false}, " 12", NULL, RECUR_EINVAL},
		/* KID MOD11 */
		{{BILLING_PAYREF_KID_MOD11, 0, false, false}, "1234567890", "12345678903", 0},
		{{BILLING_PAYREF_KID_MOD11, 0, false, false}, "6", "6-", 0},
		{{BILLING_PAYREF_KID_MOD11, 0, false, false}, "23", "23-", 0},
		{{BILLING_PAYREF_KID_MOD11, 0, false, false}, "14", "140", 0},
		{{BILLING_PAYREF_KID_MOD11, 10, false, false}, "42", "0000000426", 0},
		{{BILLING_PAYREF_KID_MOD11, 8, false, false}, "23", "0000023-", 0},
		{{BILLING_PAYREF_KID_MOD11, 0, false, true}, "23", NULL, RECUR_ECONFLICT},
		{{BILLING_PAYREF_KID_MOD11, 0, false, true}, "6", NULL, RECUR_ECONFLICT},
		{{BILLING_PAYREF_KID_MOD11, 0, false, true}, "14", "140", 0},
		{{BILLING_PAYREF_KID_MOD11, 0, false, true}, "42", "426", 0},
		/* OCR without length digit: Luhn, like MOD10 KID */
		{{BILLING_PAYREF_OCR, 0, false, false}, "640823323", "6408233234", 0},
		{{BILLING_PAYREF_OCR, 0, false, false}, "123456789", "1234567897", 0},
		{{BILLING_PAYREF_OCR, 6, false, false}, "42", "000422", 0},
		/* OCR with length digit: base, total length mod 10, Luhn over both */
		{{BILLING_PAYREF_OCR, 0, true, false}, "12345", "1234574", 0},
		/* 1, length 3, then 3*2=6, 1: 7 -> 3 */
		{{BILLING_PAYREF_OCR, 0, true, false}, "1", "133", 0},
		/* 11 digits: length digit 1 */
		{{BILLING_PAYREF_OCR, 0, true, false}, "123456789", "12345678911", 0},
		/* 12 digits: length digit 2 */
		{{BILLING_PAYREF_OCR, 0, true, false}, "1234567890", "123456789023", 0},
		/* 10 digits: length digit 0; base 00012345 */
		{{BILLING_PAYREF_OCR, 10, true, false}, "12345", "0001234509", 0},
		/* 25 digits: length digit 5 */
		{{BILLING_PAYREF_OCR, 25, true, false}, "42", "0000000000000000000004259", 0},
		{{BILLING_PAYREF_OCR, 10, true, false}, "123456789", NULL, RECUR_EINVAL}, /* 9 > 8 */
		/* bad formats */
		{{BILLING_PAYREF_KID_MOD10, 1, false, false}, "1", NULL, RECUR_EINVAL},
		{{BILLING_PAYREF_KID_MOD10, 26, false, false}, "1", NULL, RECUR_EINVAL},
		{{BILLING_PAYREF_OCR, 2, true, false}, "1", NULL, RECUR_EINVAL},
		{{BILLING_PAYREF_KID_MOD10, 0, true, false}, "1", NULL, RECUR_EINVAL},
		{{BILLING_PAYREF_OCR, 0, false, true}, "1", NULL, RECUR_EINVAL},
		{{(enum billing_payref_kind)7, 0, false, false}, "1", NULL, RECUR_EINVAL},
	};
	size_t i;
	(void)state;
	for (i = 0; i < N(cases); i++) {
		char out[BILLING_PAYREF_SIZE];
		struct recur_err e;
		int rc;

		err_clear(&e);
		memset(out, 'x', sizeof(out));
		rc = billing_payref_generate(out, sizeof(out), &cases[i].f, cases[i].base, &e);
		if (cases[i].want) {
			if (rc != 0)
				fail_msg("case %zu '%s': rc %d (%s)", i, cases[i].base, rc,
					 e.message);
			if (strcmp(out, cases[i].want) != 0)
				fail_msg("case %zu '%s': got '%s', want '%s'", i, cases[i].base,
					 out, cases[i].want);
			/* what we generate, we accept */
			rc = billing_payref_validate(&cases[i].f, out, &e);
			if (rc != 0)
				fail_msg("case %zu: '%s' does not validate: %s", i, out,
					 e.message);
		} else {
			if (rc != cases[i].rc)
				fail_msg("case %zu '%s': rc %d, want %d", i, cases[i].base, rc,
					 cases[i].rc);
			assert_string_equal(out, "");
			assert_true(e.message[0] != '\0');
		}
	}
}

/* The edges: the longest base that fits, buffers, NULLs, the shortest KID. */
static void test_generate_limits(void **state)
{
	char out[BILLING_PAYREF_SIZE], small[7], exact[8];
	struct recur_err e;
	(void)state;

	err_clear(&e);
	/* a 23-digit base, length digit 5 (25 digits), Luhn 7 (Python) */
	assert_int_equal(billing_payref_generate(out, sizeof(out), &OCRL,
						 "12345678901234567890123", &e), 0);
	assert_string_equal(out, "1234567890123456789012357");
	assert_int_equal(billing_payref_validate(&OCRL, out, NULL), 0);
	/* 24 digits + 2 is 26: too long */
	assert_int_equal(billing_payref_generate(out, sizeof(out), &OCRL,
						 "123456789012345678901234", &e),
			 RECUR_EINVAL);
	assert_non_null(strstr(e.message, "does not fit"));
	/* buffer too small, and NULL */
	assert_int_equal(billing_payref_generate(small, sizeof(small), &KID10, "123456", &e),
			 RECUR_ETOOBIG);
	assert_string_equal(small, "");
	/* 7 characters need 8 bytes: 7 is one short */
	assert_int_equal(billing_payref_generate(exact, sizeof(exact), &KID10, "123456", NULL), 0);
	assert_string_equal(exact, "1234566");
	assert_int_equal(billing_payref_generate(NULL, 0, &KID10, "1", NULL), RECUR_ETOOBIG);
	assert_int_equal(billing_payref_generate(out, sizeof(out), NULL, "1", NULL),
			 RECUR_EINVAL);
	assert_int_equal(billing_payref_generate(out, sizeof(out), &KID10, NULL, NULL),
			 RECUR_EINVAL);
	/* the one-digit base with no fixed length: "0" -> "00" is the shortest KID */
	assert_int_equal(billing_payref_generate(out, sizeof(out), &KID10, "0", NULL), 0);
	assert_string_equal(out, "00");
	/* the '-' refusal names the problem and is a conflict, not bad input */
	{
		struct billing_payref_format f = KID11;
		f.mod11_no_dash = true;
		err_clear(&e);
		assert_int_equal(billing_payref_generate(out, sizeof(out), &f, "6", &e),
				 RECUR_ECONFLICT);
		assert_int_equal(e.status, 409);
		assert_non_null(strstr(e.message, "'-'"));
	}
}

static void test_from_number(void **state)
{
	char out[BILLING_PAYREF_SIZE];
	struct billing_payref_format f10 = {BILLING_PAYREF_KID_MOD10, 10, false, false};
	struct billing_payref_format f11 = {BILLING_PAYREF_KID_MOD11, 0, false, false};
	(void)state;

	assert_int_equal(billing_payref_from_number(out, sizeof(out), &f10, 42, NULL), 0);
	assert_string_equal(out, "0000000422");
	assert_int_equal(billing_payref_from_number(out, sizeof(out), &f11, 1234567890, NULL), 0);
	assert_string_equal(out, "12345678903");
	assert_int_equal(billing_payref_from_number(out, sizeof(out), &KID10, 0, NULL), 0);
	assert_string_equal(out, "00");
	assert_int_equal(billing_payref_from_number(out, sizeof(out), &KID10, UINT64_MAX, NULL), 0);
	assert_string_equal(out, "184467440737095516153");
	assert_int_equal(billing_payref_from_number(out, sizeof(out), &KID11, UINT64_MAX, NULL), 0);
	assert_string_equal(out, "184467440737095516154");
	assert_int_equal(billing_payref_from_number(out, sizeof(out), &OCRL, 12345, NULL), 0);
	assert_string_equal(out, "1234574");
	/* 11 digits do not fit 10 */
	assert_int_equal(billing_payref_from_number(out, sizeof(out), &f10, 10000000000u, NULL),
			 RECUR_EINVAL);
	assert_int_equal(billing_payref_from_number(out, sizeof(out), &f10, 999999999u, NULL), 0);
	assert_int_equal(billing_payref_from_number(out, sizeof(out), &f10, 1000000000u, NULL),
			 RECUR_EINVAL);
}

static void test_compose(void **state)
{
	char out[BILLING_PAYREF_SIZE];
	struct recur_err e;
	struct billing_payref_format f15 = {BILLING_PAYREF_KID_MOD10, 15, false, false};
	(void)state;

	/* 000123 + 00004567 + Luhn("00012300004567"): Python 4 */
	assert_int_equal(billing_payref_compose(out, sizeof(out), &f15, 123, 6, 4567, NULL), 0);
	assert_string_equal(out, "000123000045674");
	/* natural width invoice, OCR with length digit: 000123 4567, length 12 -> 2,
	 * Luhn("00012345672"): Python 5 */
	assert_int_equal(billing_payref_compose(out, sizeof(out), &OCRL, 123, 6, 4567, NULL), 0);
	assert_string_equal(out, "000123456725");
	/* 1234567 needs 7 digits */
	err_clear(&e);
	assert_int_equal(billing_payref_compose(out, sizeof(out), &f15, 1234567, 6, 1, &e),
			 RECUR_EINVAL);
	assert_non_null(strstr(e.message, "1234567"));
	assert_string_equal(out, "");
	/* 6 + 9 digits do not fit 14 */
	assert_int_equal(billing_payref_compose(out, sizeof(out), &f15, 1, 6, 123456789, NULL),
			 RECUR_EINVAL);
	assert_int_equal(billing_payref_compose(out, sizeof(out), &f15, 1, 6, 12345678, NULL), 0);
	/* Luhn("00000112345678"): Python 0 */
	assert_string_equal(out, "000001123456780");
	assert_int_equal(billing_payref_compose(out, sizeof(out), &f15, 1, 0, 1, NULL), RECUR_EINVAL);
	assert_int_equal(billing_payref_compose(out, sizeof(out), &f15, 1, 25, 1, NULL), RECUR_EINVAL);
	/* natural width that overflows 25 */
	assert_int_equal(billing_payref_compose(out, sizeof(out), &KID10, 1, 20, UINT64_MAX, NULL),
			 RECUR_EINVAL);
}

static void test_validate_accepts(void **state)
{
	static const struct {
		struct billing_payref_format f;
		const char *ref;
	} cases[] = {
		{{BILLING_PAYREF_KID_MOD10, 0, false, false}, "79927398713"},
		{{BILLING_PAYREF_KID_MOD10, 11, false, false}, "79927398713"},
		{{BILLING_PAYREF_KID_MOD10, 0, false, false}, "00"},
		{{BILLING_PAYREF_KID_MOD10, 0, false, false}, "18"},
		{{BILLING_PAYREF_KID_MOD10, 0, false, false}, "9999999999999999999999994"},
		{{BILLING_PAYREF_KID_MOD11, 0, false, false}, "12345678903"},
		{{BILLING_PAYREF_KID_MOD11, 0, false, false}, "6-"},
		{{BILLING_PAYREF_KID_MOD11, 0, false, false}, "23-"},
		{{BILLING_PAYREF_KID_MOD11, 0, false, true}, "23-"}, /* issued before the setting */
		{{BILLING_PAYREF_KID_MOD11, 0, false, false}, "140"},
		{{BILLING_PAYREF_KID_MOD11, 0, false, false}, "9999999999999999999999997"},
		{{BILLING_PAYREF_OCR, 0, false, false}, "6408233234"},
		{{BILLING_PAYREF_OCR, 0, false, false}, "1234567897"},
		{{BILLING_PAYREF_OCR, 0, true, false}, "1234574"},
		{{BILLING_PAYREF_OCR, 0, true, false}, "133"},
		{{BILLING_PAYREF_OCR, 0, true, false}, "0001234509"},
		{{BILLING_PAYREF_OCR, 10, true, false}, "0001234509"},
		{{BILLING_PAYREF_OCR, 0, true, false}, "123456789023"},
	};
	size_t i;
	(void)state;
	for (i = 0; i < N(cases); i++) {
		struct recur_err e;
		err_clear(&e);
		if (billing_payref_validate(&cases[i].f, cases[i].ref, &e) != 0)
			fail_msg("'%s' rejected: %s", cases[i].ref, e.message);
	}
}

static void test_validate_rejects(void **state)
{
	static const struct {
		struct billing_payref_format f;
		const char *ref;
		const char *msg; /* a substring of the message */
	} cases[] = {
		/* wrong check digit */
		{{BILLING_PAYREF_KID_MOD10, 0, false, false}, "79927398710", "wrong check digit"},
		{{BILLING_PAYREF_KID_MOD10, 0, false, false}, "79927398712", "wrong check digit"},
		{{BILLING_PAYREF_KID_MOD10, 0, false, false}, "426", "wrong check digit"}, /* MOD11 KID as MOD10 (Luhn: 2) */
		{{BILLING_PAYREF_KID_MOD11, 0, false, false}, "79927398713", "wrong check digit"}, /* MOD10 KID as MOD11 */
		{{BILLING_PAYREF_KID_MOD11, 0, false, false}, "12345678900", "wrong check digit"},
		{{BILLING_PAYREF_KID_MOD11, 0, false, false}, "60", "wrong check digit"}, /* should be '-' */
		{{BILLING_PAYREF_KID_MOD11, 0, false, false}, "14-", "wrong check digit"}, /* should be 0 */
		{{BILLING_PAYREF_OCR, 0, false, false}, "6408233235", "wrong check digit"},
		{{BILLING_PAYREF_OCR, 0, true, false}, "1234575", "wrong check digit"},
		/* wrong length digit: 7 digits but length digit 8, with a correct Luhn over it:
		 * 8*2=16->7, 5, 8, 3, 4, 1 = 28 -> 2 */
		{{BILLING_PAYREF_OCR, 0, true, false}, "1234582", "wrong length digit"},
		/* length digit 7 on an 8-digit ref with correct Luhn ("0123457" -> 4) */
		{{BILLING_PAYREF_OCR, 0, true, false}, "01234574", "wrong length digit"},
		/* a valid plain OCR is not valid with the length-digit control */
		{{BILLING_PAYREF_OCR, 0, true, false}, "1234567897", "wrong length digit"},
		/* non-digits */
		{{BILLING_PAYREF_KID_MOD10, 0, false, false}, "7992 7398713", "not a digit at position 5"},
		{{BILLING_PAYREF_KID_MOD10, 0, false, false}, "A9927398713", "not a digit at position 1"},
		{{BILLING_PAYREF_KID_MOD10, 0, false, false}, "6-", "not a digit at position 2"}, /* '-' is MOD11 only */
		{{BILLING_PAYREF_OCR, 0, false, false}, "6-", "not a digit at position 2"},
		{{BILLING_PAYREF_KID_MOD11, 0, false, false}, "-6", "not a digit at position 1"}, /* '-' last only */
		{{BILLING_PAYREF_KID_MOD11, 0, false, false}, "12345678903 ", "not a digit at position 12"},
		{{BILLING_PAYREF_KID_MOD11, 0, false, false}, "1234\xc3\xa9", "not a digit at position 5"},
		{{BILLING_PAYREF_KID_MOD10, 0, false, false}, "+18", "not a digit at position 1"},
		/* lengths */
		{{BILLING_PAYREF_KID_MOD10, 0, false, false}, "", "No KID given"},
		{{BILLING_PAYREF_OCR, 0, false, false}, "", "No OCR reference given"},
		{{BILLING_PAYREF_KID_MOD10, 0, false, false}, "0", "too short"},
		{{BILLING_PAYREF_OCR, 0, true, false}, "00", "too short"},
		{{BILLING_PAYREF_KID_MOD10, 0, false, false}, "99999999999999999999999994", "too long"},
		{{BILLING_PAYREF_KID_MOD10, 10, false, false}, "79927398713", "has 11 characters; expected 10"},
		{{BILLING_PAYREF_KID_MOD10, 12, false, false}, "79927398713", "has 11 characters; expected 12"},
		{{BILLING_PAYREF_OCR, 12, true, false}, "0001234509", "has 10 characters; expected 12"},
		/* bad format */
		{{BILLING_PAYREF_KID_MOD11, 0, true, false}, "140", "only defined for OCR"},
		{{BILLING_PAYREF_KID_MOD10, 30, false, false}, "18", "2 to 25 characters"},
	};
	size_t i;
	(void)state;
	for (i = 0; i < N(cases); i++) {
		struct recur_err e;
		int rc;
		err_clear(&e);
		rc = billing_payref_validate(&cases[i].f, cases[i].ref, &e);
		if (rc != RECUR_EINVAL)
			fail_msg("'%s' (case %zu): rc %d, want RECUR_EINVAL", cases[i].ref, i, rc);
		if (!strstr(e.message, cases[i].msg))
			fail_msg("'%s' (case %zu): message '%s' lacks '%s'", cases[i].ref, i,
				 e.message, cases[i].msg);
		assert_int_equal(e.status, 400);
		assert_string_equal(e.param, "");
	}
	assert_int_equal(billing_payref_validate(&KID10, NULL, NULL), RECUR_EINVAL);
	assert_int_equal(billing_payref_validate(NULL, "18", NULL), RECUR_EINVAL);
}

/*
 * Every single-character error in a reference is caught, by both check
 * digits (Luhn and MOD11 both detect any one changed digit), and MOD11 also
 * catches every swap of two adjacent different base digits (neighbouring
 * weights differ by 1 or 5, neither a multiple of 11).
 */
static void test_detects_single_errors(void **state)
{
	const struct billing_payref_format *formats[] = {&KID10, &KID11, &OCR, &OCRL};
	static const char alphabet[] = "0123456789-";
	size_t fi, i, k;
	uint64_t n;
	(void)state;
	for (fi = 0; fi < N(formats); fi++) {
		for (n = 1; n < 3000000; n = n * 7 + 3) {
			char ref[BILLING_PAYREF_SIZE], bad[BILLING_PAYREF_SIZE];
			size_t len;

			assert_int_equal(billing_payref_from_number(ref, sizeof(ref), formats[fi],
								    n, NULL), 0);
			assert_int_equal(billing_payref_validate(formats[fi], ref, NULL), 0);
			len = strlen(ref);
			for (i = 0; i < len; i++) {
				for (k = 0; alphabet[k]; k++) {
					if (alphabet[k] == ref[i])
						continue;
					memcpy(bad, ref, len + 1);
					bad[i] = alphabet[k];
					if (billing_payref_validate(formats[fi], bad, NULL) == 0)
						fail_msg("%s: '%s' accepted as a variant of '%s'",
							 billing_payref_kind_name(formats[fi]->kind),
							 bad, ref);
				}
			}
			if (formats[fi] != &KID11)
				continue;
			for (i = 0; i + 2 < len; i++) {
				if (ref[i] == ref[i + 1])
					continue;
				memcpy(bad, ref, len + 1);
				bad[i] = ref[i + 1];
				bad[i + 1] = ref[i];
				if (billing_payref_validate(formats[fi], bad, NULL) == 0)
					fail_msg("MOD11 accepted the transposition '%s' of '%s'",
						 bad, ref);
			}
		}
	}
}

/* Every number 0..99999 round-trips in every format, padded and not. */
static void test_round_trip(void **state)
{
	struct billing_payref_format formats[] = {
		{BILLING_PAYREF_KID_MOD10, 0, false, false},
		{BILLING_PAYREF_KID_MOD10, 8, false, false},
		{BILLING_PAYREF_KID_MOD11, 0, false, false},
		{BILLING_PAYREF_KID_MOD11, 9, false, false},
		{BILLING_PAYREF_OCR, 0, false, false},
		{BILLING_PAYREF_OCR, 0, true, false},
		{BILLING_PAYREF_OCR, 12, true, false},
	};
	struct billing_payref_format nodash = {BILLING_PAYREF_KID_MOD11, 0, false, true};
	size_t fi;
	uint64_t n, dashes = 0;
	(void)state;
	for (fi = 0; fi < N(formats); fi++) {
		for (n = 0; n < 100000; n++) {
			char ref[BILLING_PAYREF_SIZE];
			if (billing_payref_from_number(ref, sizeof(ref), &formats[fi], n, NULL) != 0)
				fail_msg("format %zu: %llu not generated", fi, (unsigned long long)n);
			if (formats[fi].length && strlen(ref) != formats[fi].length)
				fail_msg("format %zu: '%s' is not %u long", fi, ref, formats[fi].length);
			if (billing_payref_validate(&formats[fi], ref, NULL) != 0)
				fail_msg("format %zu: '%s' rejected", fi, ref);
		}
	}
	/* mod11_no_dash refuses exactly the numbers whose check would be '-' */
	for (n = 0; n < 100000; n++) {
		char a[BILLING_PAYREF_SIZE], b[BILLING_PAYREF_SIZE];
		int rc = billing_payref_from_number(b, sizeof(b), &nodash, n, NULL);
		assert_int_equal(billing_payref_from_number(a, sizeof(a), &KID11, n, NULL), 0);
		if (a[strlen(a) - 1] == '-') {
			assert_int_equal(rc, RECUR_ECONFLICT);
			dashes++;
		} else {
			assert_int_equal(rc, 0);
			assert_string_equal(a, b);
		}
	}
	/* about one in eleven; Python: 9091 of 0..99999 */
	assert_int_equal(dashes, 9091);
}

static void test_kind_names(void **state)
{
	enum billing_payref_kind k = BILLING_PAYREF_OCR;
	(void)state;
	assert_int_equal(billing_payref_kind_parse(&k, "kid_mod10"), 0);
	assert_int_equal(k, BILLING_PAYREF_KID_MOD10);
	assert_int_equal(billing_payref_kind_parse(&k, "kid_mod11"), 0);
	assert_int_equal(k, BILLING_PAYREF_KID_MOD11);
	assert_int_equal(billing_payref_kind_parse(&k, "ocr"), 0);
	assert_int_equal(k, BILLING_PAYREF_OCR);
	assert_int_equal(billing_payref_kind_parse(&k, "OCR"), RECUR_EINVAL);
	assert_int_equal(billing_payref_kind_parse(&k, "kid"), RECUR_EINVAL);
	assert_int_equal(billing_payref_kind_parse(&k, ""), RECUR_EINVAL);
	assert_int_equal(billing_payref_kind_parse(&k, NULL), RECUR_EINVAL);
	assert_int_equal(k, BILLING_PAYREF_OCR);
	assert_string_equal(billing_payref_kind_name(BILLING_PAYREF_KID_MOD10), "kid_mod10");
	assert_string_equal(billing_payref_kind_name(BILLING_PAYREF_KID_MOD11), "kid_mod11");
	assert_string_equal(billing_payref_kind_name(BILLING_PAYREF_OCR), "ocr");
	assert_string_equal(billing_payref_kind_name((enum billing_payref_kind)9), "");
}

static void test_format_check(void **state)
{
	static const struct {
		struct billing_payref_format f;
		int rc;
	} cases[] = {
		{{BILLING_PAYREF_KID_MOD10, 0, false, false}, 0},
		{{BILLING_PAYREF_KID_MOD10, 2, false, false}, 0},
		{{BILLING_PAYREF_KID_MOD10, 25, false, false}, 0},
		{{BILLING_PAYREF_KID_MOD10, 1, false, false}, RECUR_EINVAL},
		{{BILLING_PAYREF_KID_MOD10, 26, false, false}, RECUR_EINVAL},
		{{BILLING_PAYREF_KID_MOD11, 2, false, true}, 0},
		{{BILLING_PAYREF_OCR, 2, false, false}, 0},
		{{BILLING_PAYREF_OCR, 3, true, false}, 0},
		{{BILLING_PAYREF_OCR, 2, true, false}, RECUR_EINVAL},
		{{BILLING_PAYREF_OCR, 25, true, false}, 0},
		{{BILLING_PAYREF_KID_MOD10, 0, true, false}, RECUR_EINVAL},
		{{BILLING_PAYREF_KID_MOD11, 0, true, false}, RECUR_EINVAL},
		{{BILLING_PAYREF_KID_MOD10, 0, false, true}, RECUR_EINVAL},
		{{BILLING_PAYREF_OCR, 0, false, true}, RECUR_EINVAL},
		{{(enum billing_payref_kind)3, 0, false, false}, RECUR_EINVAL},
		{{(enum billing_payref_kind)-1, 0, false, false}, RECUR_EINVAL},
	};
	size_t i;
	(void)state;
	for (i = 0; i < N(cases); i++) {
		struct recur_err e;
		err_clear(&e);
		if (billing_payref_format_check(&cases[i].f, &e) != cases[i].rc)
			fail_msg("case %zu: want %d (%s)", i, cases[i].rc, e.message);
	}
	assert_int_equal(billing_payref_format_check(NULL, NULL), RECUR_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mod10),
		cmocka_unit_test(test_mod11),
		cmocka_unit_test(test_generate),
		cmocka_unit_test(test_generate_limits),
		cmocka_unit_test(test_from_number),
		cmocka_unit_test(test_compose),
		cmocka_unit_test(test_validate_accepts),
		cmocka_unit_test(test_validate_rejects),
		cmocka_unit_test(test_detects_single_errors),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_kind_names),
		cmocka_unit_test(test_format_check),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
