/*
 * tax.h - tax rates, inclusive and exclusive, computed per rate on the sum of
 * the lines each rate applies to, and allocated back to those lines.
 *
 * The rule is EN 16931 BR-CO-17: a VAT category's tax amount is its taxable
 * amount times its rate, rounded once to the minor unit. recur therefore
 * never adds up per-line rounded taxes: three lines of 0.33 at 25 % owe 0.25
 * (25 % of 0.99 is 0.2475), not 3 x 0.08 = 0.24. The rounding is
 * MONEY_ROUND_HALF_UP (half away from zero, so credits mirror charges). The
 * per-line tax amounts that Stripe's line items show are the rate's tax
 * allocated over its lines by largest remainder (billing_allocate), so they
 * add up exactly to the invoice's total_tax_amounts.
 *
 * Pure functions: no I/O, no clock, no allocation; all storage is the
 * caller's. Arithmetic is checked (RECUR_EOVERFLOW).
 */
#ifndef RECUR_BILLING_TAX_H
#define RECUR_BILLING_TAX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct recur_err;

/* percentage units in 100 %: 250000 is 25 %, 125000 is 12.5 %. */
#define BILLING_TAX_SCALE INT64_C(1000000)

/* The most tax rates one line carries (Stripe's tax_rates on an item). */
#define BILLING_TAX_RATES_PER_LINE 5

/* The most distinct tax rates one invoice's rate table may hold. */
#define BILLING_TAX_RATES_MAX 32

struct billing_tax_rate {
	int64_t percentage; /* ten-thousandths of a percent, 0..1000000 */
	bool inclusive;     /* the line amounts already contain this tax */
};

/* One rate's tax, for one line or for the whole invoice. */
struct billing_tax_amount {
	size_t rate;            /* index into the caller's rate table */
	bool inclusive;
	int64_t taxable_amount; /* the amount the tax is on, tax not included */
	int64_t amount;         /* the tax */
};

/*
 * One line, in and out. The caller fills amount and rates; the computation
 * fills net and amounts.
 */
struct billing_tax_line {
	/* in */
	int64_t amount; /* after discounts; contains the line's inclusive taxes; may be negative */
	size_t n_rates;
	size_t rates[BILLING_TAX_RATES_PER_LINE]; /* indices into the rate table, distinct */
	/* out */
	int64_t net; /* amount less its inclusive taxes: every rate's taxable amount on this line */
	struct billing_tax_amount amounts[BILLING_TAX_RATES_PER_LINE]; /* [j] is for rates[j] */
};

/* The invoice's taxes: Stripe's total_tax_amounts. */
struct billing_tax_result {
	size_t n; /* rates used by at least one line, in rate-table order */
	struct billing_tax_amount amounts[BILLING_TAX_RATES_MAX];
	int64_t inclusive; /* sum of the inclusive taxes (already inside the amounts) */
	int64_t exclusive; /* sum of the exclusive taxes (added on top) */
};

/*
 * 0 if r is a usable rate (0 <= percentage <= 100 %, Stripe's bounds), else
 * RECUR_EINVAL with a message in e if e is not NULL (e->param left empty).
 */
int billing_tax_rate_check(const struct billing_tax_rate *r, struct recur_err *e);

/*
 * Exclusive tax on a taxable amount: *out = taxable * percentage / 1000000,
 * MONEY_ROUND_HALF_UP. 25 % of 100.00 is 25.00.
 */
int billing_tax_exclusive(int64_t *out, int64_t taxable, int64_t percentage);

/*
 * Inclusive tax inside a gross amount that contains taxes totalling
 * inclusive_total (the sum of the percentages of all inclusive rates the gross
 * contains, this one among them):
 *   *out = gross * percentage / (1000000 + inclusive_total), MONEY_ROUND_HALF_UP.
 * 25 % inside 125.00 is 25.00. With 10 % and 15 % both inside 125.00 they are
 * 10.00 and 15.00: the gross is net * (1 + sum of rates), not compounded.
 * RECUR_EINVAL if 1000000 + inclusive_total is not positive.
 */
int billing_tax_inclusive(int64_t *out, int64_t gross, int64_t percentage,
			  int64_t inclusive_total);

/*
 * Computes every rate's tax for a set of lines and allocates it to them.
 *
 * lines points at the first line; line i is at (char *)lines + i * stride, so
 * the lines may be an array of struct billing_tax_line (stride =
 * sizeof(struct billing_tax_line)) or a member of a larger per-line struct
 * (invoice.c passes its line results). rates[0..n_rates) is the rate table.
 *
 * Inclusive rates are taken first. For rate r, the lines carrying it are
 * grouped by the sum P of the inclusive percentages each line contains; for
 * each group, tax = (sum of the group's amounts) * r / (1000000 + P), rounded
 * once. A rate nearly always meets the same companions, so there is one group
 * and one rounding per rate, as BR-CO-17 wants; a rate that shares lines with
 * different sets of other inclusive rates gets one rounding per set, because
 * no single division describes it. Each line's net is then its amount less
 * the inclusive tax allocated to it.
 *
 * Exclusive rates come second: taxable = sum of the nets of the lines carrying
 * the rate (so on a line that mixes both kinds, the exclusive tax is on the
 * amount without the inclusive tax), tax = taxable * r / 1000000, rounded once.
 *
 * On return each line's amounts[j] is rates[j]'s share of its rate's tax
 * (largest remainder by the line's amount or net) with taxable_amount = net;
 * out->amounts lists, in rate-table order, every rate some line carries, with
 * taxable_amount the sum of those lines' nets and amount the rate's tax, which
 * the line shares add up to exactly.
 *
 * RECUR_EINVAL (message in e if not NULL, e->param left empty) for more than
 * BILLING_TAX_RATES_MAX rates, a bad rate, a line with more than
 * BILLING_TAX_RATES_PER_LINE rates, an index outside the table or the same
 * rate twice on a line; RECUR_EOVERFLOW if a sum leaves int64. On error *out
 * and the lines' out fields are unspecified.
 */
int billing_tax_compute(struct billing_tax_result *out, struct billing_tax_line *lines,
			size_t n_lines, size_t stride, const struct billing_tax_rate *rates,
			size_t n_rates, struct recur_err *e);

#endif
