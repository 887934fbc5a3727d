/*
 * price_rules.h - the rules of a price's shape that need no database.
 *
 * Decimal amounts (unit_amount_decimal, flat_amount_decimal), the longest
 * recurring interval, and the order of a tier table, as Stripe enforces them
 * when a price is created. Pure functions: no I/O, no clock, no allocation.
 * On failure they fill e with a message and leave e->param empty, so the
 * service names the parameter (params_nest / params_nest_index).
 */
#ifndef RECUR_BILLING_PRICE_RULES_H
#define RECUR_BILLING_PRICE_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/calendar.h"

struct recur_err;

/* Stripe accepts *_decimal amounts with at most 12 decimal places. */
#define PRICE_DECIMAL_PLACES 12
/* 16 integer digits (10^15), '.', 12 decimals and the NUL fit. */
#define PRICE_DECIMAL_SIZE 32

/* A decimal amount of minor units, possibly finer than one minor unit. */
struct price_decimal {
	char text[PRICE_DECIMAL_SIZE]; /* normalised: "1250", "12.5", "0.000001" */
	bool whole;                    /* no fractional part: units is the exact amount */
	int64_t units;                 /* the integer part */
};

/*
 * Reads a non-negative decimal ("12.50", "0.0005", "007") of at most
 * PRICE_DECIMAL_PLACES places and at most max (minor units) into *out, in the
 * normalised form Stripe renders back: no leading zeros, no trailing fraction
 * zeros, no '.' for whole numbers ("12.50" -> "12.5", "007.0" -> "7"). No sign,
 * no exponent, no whitespace, at least one digit before a '.' and one after it.
 * Returns 0, or RECUR_EINVAL with *out untouched.
 */
int price_rules_decimal(struct price_decimal *out, const char *in, int64_t max,
			struct recur_err *e);


/* One tier's upper bound: up_to, or "inf" for the open-ended last tier. */
struct price_tier_bound {
	bool inf;
	int64_t up_to;
};

/*
 * Checks a tier table's bounds as Stripe does: at least one tier; every up_to
 * a positive integer, strictly increasing; only the last tier, and always the
 * last tier, is "inf". Returns 0, or RECUR_EINVAL with *bad set to the index of
 * the offending tier (its up_to is the parameter to name).
 */
int price_rules_tiers(size_t *bad, const struct price_tier_bound *tiers, size_t n,
		      struct recur_err *e);

#endif
