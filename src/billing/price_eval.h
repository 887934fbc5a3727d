/*
 * price_eval.h - what a quantity of a price costs, exactly.
 *
 * The billing-relevant part of a Stripe price as a plain struct: per_unit
 * (optionally in packages via transform_quantity) or tiered (graduated or
 * volume), with amounts that may be finer than one minor unit
 * (unit_amount_decimal, flat_amount_decimal: at most 12 decimal places).
 * Everything is integer arithmetic; a line is rounded once, at the end, with
 * the rounding the caller names. Overflow is RECUR_EOVERFLOW, never a wrap.
 *
 * Pure: no I/O, no allocation. Parsing the price object from JSON belongs to
 * the service layer; only the decimal strings are read here, because their
 * exactness is a billing rule. On any error the outputs are left untouched.
 */
#ifndef RECUR_BILLING_PRICE_EVAL_H
#define RECUR_BILLING_PRICE_EVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/money.h"

/* Decimal places of a *_decimal amount, and 10^that. */
#define BILLING_DECIMAL_PLACES 12
#define BILLING_DECIMAL_SCALE INT64_C(1000000000000)

/* Buffer size for billing_decimal_format: sign, 19 digits, '.', 12, NUL. */
#define BILLING_DECIMAL_SIZE 40

/*
 * An exact amount of minor units with up to 12 decimal places:
 * units + pico / 10^12. "0.0125" is {0, 12500000000}; 1250 is {1250, 0};
 * "-2.5" is {-2, -500000000000}. Invariant: |pico| < 10^12 and pico is 0 or
 * has the sign of the value (units and pico never disagree in sign).
 *
 * Range: any decimal with at most 12 places whose integer part fits int64
 * (|units| <= 2^63 - 1), so every amount Stripe accepts (at most 10^15 minor
 * units, price_rules) is represented exactly.
 */
struct billing_decimal {
	int64_t units;
	int64_t pico;
};

/* A whole number of minor units as a billing_decimal. */
#define BILLING_DECIMAL_MINOR(x) ((struct billing_decimal){(x), 0})

/*
 * Parses a decimal string of minor units: an optional '-', at least one
 * digit, and optionally '.' followed by 1..12 digits ("1250", "0.0125",
 * "12.500000000000", "-3"). No '+', no whitespace, no exponent, no grouping.
 * RECUR_EINVAL for anything else (including a NULL s or 13+ decimals, even
 * zeros, as Stripe rejects them), RECUR_EOVERFLOW if the integer part does not
 * fit int64. Negative values are representable (invoice items may be
 * negative); a price's amounts are checked non-negative by its validator.
 */
int billing_decimal_parse(struct billing_decimal *out, const char *s);

/*
 * Writes d in the normalised form Stripe renders (no trailing fraction zeros,
 * no '.' for whole numbers): "0.0125", "1250", "-2.5". Returns the length
 * without the NUL, RECUR_ETOOBIG if buf is NULL or cap too small (buf then
 * holds "" if cap > 0), RECUR_EINVAL if d breaks its invariant.
 * BILLING_DECIMAL_SIZE bytes always suffice.
 */
int billing_decimal_format(char *buf, size_t cap, const struct billing_decimal *d);

/* true if d keeps the invariant above. */
bool billing_decimal_valid(const struct billing_decimal *d);

enum billing_scheme {
	BILLING_SCHEME_PER_UNIT,
	BILLING_SCHEME_TIERED
};

enum billing_tiers_mode {
	BILLING_TIERS_GRADUATED, /* each tier's share of the quantity at its rate */
	BILLING_TIERS_VOLUME     /* the whole quantity at the rate of its tier */
};

/* transform_quantity[round]: how a quantity divided into packages rounds. */
enum billing_transform_round {
	BILLING_TRANSFORM_ROUND_UP,
	BILLING_TRANSFORM_ROUND_DOWN
};

/*
 * One tier. Quantities up to and including up_to fall in it (the previous
 * tier's up_to + 1 is its lower bound); inf marks the open last tier.
 * unit_amount applies per unit, flat_amount once per tier touched.
 */
struct billing_tier {
	bool inf;
	int64_t up_to;
	struct billing_decimal unit_amount;
	struct billing_decimal flat_amount;
};

/*
 * The billing-relevant part of a price.
 *   per_unit  unit_amount per unit. If divide_by > 0 (transform_quantity),
 *             the quantity is first divided by divide_by and rounded as
 *             transform_round says: 7 with divide_by 5 is 2 packages
 *             rounded up, 1 rounded down. divide_by 0 means no transform.
 *   tiered    tiers[0..ntiers-1] (borrowed, not freed here), ascending, the
 *             last one inf, evaluated per tiers_mode. unit_amount and
 *             divide_by must be unused (Stripe: transform_quantity cannot be
 *             combined with tiers).
 */
struct billing_price {
	enum billing_scheme scheme;
	struct billing_decimal unit_amount;
	int64_t divide_by;
	enum billing_transform_round transform_round;
	enum billing_tiers_mode tiers_mode;
	const struct billing_tier *tiers;
	size_t ntiers;
};

/*
 * *out = the amount, in minor units, of `quantity` of price p, rounded once
 * with r:
 *   per_unit    unit_amount * (transformed) quantity.
 *   graduated   for every tier the quantity reaches: unit_amount * the part
 *               of the quantity above the previous tier's up_to and up to this
 *               one's, plus that tier's flat_amount.
 *   volume      unit_amount * quantity + flat_amount of the one tier the
 *               whole quantity falls in.
 * Quantity 0 costs 0 under every scheme: no unit falls in any tier, so no
 * flat_amount is touched either.
 *
 * The exact sum (to 10^-12 minor units) is rounded once per line, so
 * 3 x "0.5" is 1.5 -> 2 with MONEY_ROUND_HALF_UP (what invoice lines use, as
 * Stripe rounds half up) and 1 with MONEY_ROUND_DOWN.
 *
 * RECUR_EINVAL for a negative quantity, a negative divide_by, an unknown
 * scheme, mode or rounding, a decimal that breaks its invariant, a tier table
 * that is empty, not strictly ascending, not ending in inf, or a tiered price
 * with a transform. RECUR_EOVERFLOW if any step or the result leaves int64.
 */
int billing_price_amount(int64_t *out, const struct billing_price *p,
			 int64_t quantity, enum money_rounding r);

/* One tier's share of a tiered line, for invoice line detail. */
struct billing_tier_part {
	size_t tier;      /* index into the price's tiers */
	int64_t quantity; /* units billed at this tier's unit_amount */
	int64_t amount;   /* unit_amount * quantity + flat_amount, rounded with r */
};

/*
 * The tiers a quantity of a tiered price touches, in order, into
 * parts[0..*n-1]: every reached tier for graduated, the one tier for volume,
 * none for quantity 0 or a per_unit price. Each part is rounded on its own,
 * so with decimal amounts the parts may differ from billing_price_amount's
 * line total by rounding; the line total is the amount billed. At most
 * p->ntiers parts are produced; RECUR_ETOOBIG if cap is smaller than needed.
 * Other errors as billing_price_amount. On error *n is untouched and parts
 * may have been partly written.
 */
int billing_price_tier_parts(struct billing_tier_part *parts, size_t cap,
			     size_t *n, const struct billing_price *p,
			     int64_t quantity, enum money_rounding r);

#endif
