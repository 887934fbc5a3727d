/*
 * money.h - amounts, currencies, checked arithmetic, parsing and formatting.
 *
 * An amount is an int64_t count of a currency's minor units (cents, øre, yen):
 * 1250 in NOK is 12,50 kr. There is no fractional type anywhere in recur's money
 * path; docs/architecture.md ("Money") bans it and scripts/lint.sh enforces it.
 *
 * Every operation that can leave the int64 range reports RECUR_EOVERFLOW instead
 * of wrapping, and every division names its rounding. On any error the output
 * parameter is left untouched. Nothing here allocates; nothing returns memory
 * the caller must free.
 */
#ifndef RECUR_CORE_MONEY_H
#define RECUR_CORE_MONEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct recur_err;

/* An ISO 4217 currency: upper-case alphabetic code and its minor-unit exponent. */
struct currency {
	char code[4];
	int exponent;
};

/*
 * The largest magnitude recur accepts as a stored amount: 10^15 minor units
 * (ten trillion of a two-decimal currency). The arithmetic below works on the
 * full int64 range; this bound is for validating input, so that sums of many
 * accepted amounts still have ample headroom before overflow.
 */
#define MONEY_MAX_ABS INT64_C(1000000000000000)

/* The largest exponent money_parse / money_format accept (10^18 fits int64). */
#define MONEY_MAX_EXPONENT 18

/*
 * How a division that does not come out even is rounded. The names describe
 * magnitudes, so negative results mirror positive ones exactly:
 *
 *   MONEY_ROUND_HALF_UP    nearest; a tie goes away from zero (commercial
 *                          rounding): 2.5 -> 3, -2.5 -> -3, 2.4 -> 2.
 *   MONEY_ROUND_HALF_EVEN  nearest; a tie goes to the even neighbour (banker's
 *                          rounding): 2.5 -> 2, 3.5 -> 4, -2.5 -> -2.
 *   MONEY_ROUND_DOWN       toward zero (truncate): 2.9 -> 2, -2.9 -> -2.
 *   MONEY_ROUND_UP         away from zero: 2.1 -> 3, -2.1 -> -3.
 */
enum money_rounding {
	MONEY_ROUND_HALF_UP,
	MONEY_ROUND_HALF_EVEN,
	MONEY_ROUND_DOWN,
	MONEY_ROUND_UP
};

/*
 * Textual conventions for amounts.
 *
 *   MONEY_LOCALE_C       "-1250.50": '.' decimal separator, no grouping.
 *   MONEY_LOCALE_NORDIC  "-1 250,50": ',' decimal separator; thousands grouped
 *                        by a space. Parsing also accepts U+00A0 (no-break
 *                        space), U+202F (narrow no-break space) and '.' as the
 *                        group separator, as Norwegian, Swedish and Danish
 *                        banks and spreadsheets write them.
 */
enum money_locale {
	MONEY_LOCALE_C,
	MONEY_LOCALE_NORDIC
};

/*
 * Looks up an ISO 4217 code, case-insensitively ("nok", "NOK"). Returns a
 * pointer into a static table (never free it), or NULL if code is NULL, not
 * exactly three ASCII letters, or not a currency recur supports.
 */
const struct currency *money_currency_find(const char *code);

/* The supported currencies, for listing: index 0 .. count-1, NULL past the end. */
size_t money_currency_count(void);
const struct currency *money_currency_at(size_t i);

/* *out = a + b, a - b, a * b. RECUR_EOVERFLOW if the result leaves int64. */
int money_add(int64_t *out, int64_t a, int64_t b);
int money_sub(int64_t *out, int64_t a, int64_t b);
int money_mul(int64_t *out, int64_t a, int64_t b);

/*
 * *out = amount * num / den, rounded as r says. The product is formed exactly in
 * 128 bits, so only the final quotient can overflow (RECUR_EOVERFLOW). den must
 * be positive (RECUR_EINVAL otherwise); put a sign on num instead. An unknown r
 * is RECUR_EINVAL. Proration is the typical caller:
 * money_mul_ratio(&due, price, seconds_left, seconds_in_period, MONEY_ROUND_HALF_UP).
 */
int money_mul_ratio(int64_t *out, int64_t amount, int64_t num, int64_t den,
		    enum money_rounding r);

/* true if |amount| <= MONEY_MAX_ABS. */
bool money_in_range(int64_t amount);

/*
 * Parses a decimal string into minor units of a currency with the given
 * exponent: "12.50", "12.5" and "12" are 1250, 1250 and 1200 at exponent 2;
 * "-3.01" is -301. Under MONEY_LOCALE_NORDIC "1 250,50" is 125050.
 *
 * Strict on purpose, because a misread amount is worse than a rejected one:
 * an optional leading '-', at least one integer digit, and, if there is a
 * decimal separator, between 1 and `exponent` digits after it. No '+', no
 * surrounding whitespace, no exponent notation. Grouping (nordic only) must be
 * regular: a first group of 1-3 digits, then groups of exactly 3, all with the
 * same separator, and only in the integer part; so nordic "12.50" is rejected
 * rather than read as 1250 units.
 *
 * Returns 0, RECUR_EINVAL (malformed, too many decimals, exponent outside
 * 0..MONEY_MAX_EXPONENT) or RECUR_EOVERFLOW (does not fit int64; note that
 * money_in_range is a separate, tighter check the caller applies). On error
 * fills e if it is not NULL; e->param is left empty for the caller to set.
 */
int money_parse(int64_t *out, const char *s, int exponent,
		enum money_locale loc, struct recur_err *e);

/*
 * Writes amount as text into buf (cap bytes, NUL-terminated): 1250 at exponent 2
 * is "12.50" (C) or "12,50" (nordic); 125050 nordic is "1 250,50", grouped with
 * a plain ASCII space. Always shows exactly `exponent` decimals and at least one
 * integer digit ("0.05"). Returns the length written (without the NUL), or
 * RECUR_ETOOBIG if buf is NULL or too small (buf then holds "" if cap > 0), or
 * RECUR_EINVAL for an exponent outside 0..MONEY_MAX_EXPONENT. 48 bytes always
 * suffice.
 */
int money_format(char *buf, size_t cap, int64_t amount, int exponent,
		 enum money_locale loc);

#endif
