/*
 * proration.h - Stripe's proration, to the second.
 *
 * When a subscription item changes at time `at` inside its period
 * [start, end), the customer is credited for the unused time of the old item
 * and charged for the remaining time of the new one:
 *
 *   unused time     -round(old_amount * (end - at) / (end - start))
 *   remaining time  +round(new_amount * (end - at) / (end - start))
 *
 * old_amount and new_amount are full-period line amounts (billing_price_amount
 * of the item's quantity). Each line is rounded on its own with the named
 * rounding, as Stripe rounds every proration line separately; invoice lines
 * use MONEY_ROUND_HALF_UP. Because every supported rounding is symmetric in
 * sign, a credit is exactly the negation of the matching charge.
 *
 * Pure: no I/O, no clock (the proration date is an argument), no allocation.
 * On any error the outputs are left untouched.
 */
#ifndef RECUR_BILLING_PRORATION_H
#define RECUR_BILLING_PRORATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/money.h"

enum billing_proration_kind {
	BILLING_PRORATION_UNUSED_TIME,   /* credit: "Unused time on ..." */
	BILLING_PRORATION_REMAINING_TIME /* charge: "Remaining time on ..." */
};

/*
 * One proration line: amount (negative for unused time) covering
 * [period_start, period_end) = [at, end) of the billing period.
 */
struct billing_proration_line {
	enum billing_proration_kind kind;
	int64_t amount;
	int64_t period_start;
	int64_t period_end;
};

/* Up to two lines, in invoice order: the credit first, then the charge. */
struct billing_proration {
	size_t n;
	struct billing_proration_line lines[2];
};

/*
 * One line of kind `kind` for a full-period amount, prorated from `at` to the
 * end of [start, end). The line is produced even when it rounds to 0, and when
 * at == end (amount 0, empty span); billing_prorate drops those.
 * RECUR_EINVAL unless start < end and start <= at <= end (Stripe: the
 * proration_date must lie within the current period) and kind and r are
 * known; RECUR_EOVERFLOW if the credit of INT64_MIN cannot be negated.
 */
int billing_prorate_line(struct billing_proration_line *out,
			 enum billing_proration_kind kind, int64_t full_amount,
			 int64_t start, int64_t end, int64_t at,
			 enum money_rounding r);

/*
 * An item changing at `at` from old_amount to new_amount per full period
 * (a price change, a quantity change, or both: Stripe credits the old line and
 * charges the new one in full rather than netting them). lines[0] is the
 * unused-time credit, lines[1] the remaining-time charge; n is 0 when
 * at == end (nothing remains to prorate), else 2. Errors as
 * billing_prorate_line.
 */
int billing_prorate(struct billing_proration *out, int64_t old_amount,
		    int64_t new_amount, int64_t start, int64_t end, int64_t at,
		    enum money_rounding r);

/*
 * Cancelling (or removing an item) at `at` with prorate: only the credit for
 * the unused time; n is 0 when at == end, else 1. Errors as
 * billing_prorate_line.
 */
int billing_prorate_cancel(struct billing_proration *out, int64_t amount,
			   int64_t start, int64_t end, int64_t at,
			   enum money_rounding r);

/* proration_behavior, as the API spells it. */
enum billing_proration_behavior {
	BILLING_PRORATION_BEHAVIOR_CREATE_PRORATIONS, /* Stripe's default */
	BILLING_PRORATION_BEHAVIOR_NONE,
	BILLING_PRORATION_BEHAVIOR_ALWAYS_INVOICE
};

/*
 * "create_prorations", "none", "always_invoice" to the behavior; RECUR_EINVAL
 * (out untouched) for anything else, NULL included.
 */
int billing_proration_behavior_parse(enum billing_proration_behavior *out,
				     const char *s);

/* The name billing_proration_behavior_parse accepts; "" if unknown. Static. */
const char *billing_proration_behavior_name(enum billing_proration_behavior b);

/* What becomes of the proration lines of one change. */
enum billing_proration_outcome {
	BILLING_PRORATION_DISCARD,    /* no lines at all */
	BILLING_PRORATION_PENDING,    /* pending invoice items for the next invoice */
	BILLING_PRORATION_INVOICE_NOW /* an invoice now, with these lines */
};

/*
 * Stripe's rule for a change under behavior b:
 *   none               DISCARD.
 *   always_invoice     INVOICE_NOW.
 *   create_prorations  PENDING, unless the change starts a new billing cycle
 *                      (cycle_resets: billing_cycle_anchor=now, or a change of
 *                      billing interval), which Stripe invoices at once, so
 *                      INVOICE_NOW.
 * An unknown b is treated as Stripe's default, create_prorations.
 */
enum billing_proration_outcome
billing_proration_decide(enum billing_proration_behavior b, bool cycle_resets);

/*
 * Writes the Stripe line description into buf (cap bytes, NUL-terminated):
 *   "Unused time on Pro after 15 Jan 2026"
 *   "Remaining time on 2 × Pro after 15 Jan 2026"
 * The quantity prefix ("2 × ", U+00D7) appears unless quantity is 1; the date
 * is line->period_start, the proration date. name is the product name (NULL
 * reads as ""). Returns the length without the NUL, RECUR_ETOOBIG if buf is
 * NULL or too small (buf then holds "" if cap > 0), RECUR_EINVAL for an
 * unknown kind or a date outside the calendar range.
 */
int billing_proration_describe(char *buf, size_t cap,
			       const struct billing_proration_line *line,
			       int64_t quantity, const char *name);

#endif
