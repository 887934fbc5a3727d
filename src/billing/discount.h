/*
 * discount.h - coupons, the discounts made from them, and how a discount is
 * spread over an invoice's lines.
 *
 * A coupon is a plain struct the service fills from its row: a percentage off
 * (in hundredths of a percent) or a fixed amount off in one currency (plus
 * optional per-currency amounts, Stripe's currency_options), a duration (once,
 * repeating for N months, forever) and redemption limits. A discount is a
 * coupon applied to a customer or subscription at some time.
 *
 * Pure functions: no I/O, no clock ("now" is an argument), no allocation.
 * Nothing here keeps a pointer past the call; every pointer passed in stays
 * owned by the caller. On any error the output parameters are left untouched
 * unless a function says otherwise.
 *
 * This header also holds billing_allocate, the largest-remainder allocation
 * tax.c and invoice.c use as well: it is how an invoice-level amount (a
 * discount, a rate's tax) is split over lines so that the line amounts add up
 * exactly to the invoice amount.
 */
#ifndef RECUR_BILLING_DISCOUNT_H
#define RECUR_BILLING_DISCOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct recur_err;

/* percent_off units in 100 %: 2550 is 25.5 %. */
#define BILLING_PERCENT_OFF_SCALE INT64_C(10000)

/* The most discounts one invoice takes (Stripe caps discounts[] at 20). */
#define BILLING_DISCOUNTS_MAX 20

enum billing_coupon_duration {
	BILLING_COUPON_ONCE,      /* the first invoice only */
	BILLING_COUPON_REPEATING, /* invoices whose period starts within N months */
	BILLING_COUPON_FOREVER    /* every invoice */
};

/* One entry of a coupon's currency_options: amount_off in another currency. */
struct billing_coupon_currency {
	char currency[4]; /* ISO 4217, any letter case */
	int64_t amount_off; /* minor units of that currency, > 0 */
};

struct billing_coupon {
	/* Exactly one of percent_off and amount_off is non-zero. */
	int64_t percent_off; /* hundredths of a percent, 1..10000 */
	int64_t amount_off;  /* minor units of currency, > 0 */
	char currency[4];    /* amount_off's currency, any letter case; "" for percent_off */
	/* Optional amounts in other currencies; caller-owned, may be NULL if n is 0. */
	const struct billing_coupon_currency *currency_options;
	size_t n_currency_options;

	enum billing_coupon_duration duration;
	int64_t duration_in_months; /* REPEATING only, >= 1; 0 otherwise */

	int64_t max_redemptions; /* 0 = unlimited */
	int64_t times_redeemed;
	int64_t redeem_by; /* last second at which it can be redeemed; 0 = no limit */
};

/*
 * A coupon applied to a customer or subscription (Stripe's discount object).
 * coupon is borrowed; it must outlive every call the discount is passed to.
 */
struct billing_discount {
	const struct billing_coupon *coupon;
	int64_t start;         /* when it was applied */
	int64_t times_applied; /* invoices it has already been applied to (for ONCE) */
};

/*
 * 0 if c is well formed: exactly one of percent_off (1..10000) and amount_off
 * (> 0, with a known currency) is set; every currency option has a known
 * currency and a positive amount; a known duration; duration_in_months >= 1
 * for REPEATING and 0 otherwise; max_redemptions, times_redeemed and redeem_by
 * not negative. Else RECUR_EINVAL, with a message in e if e is not NULL
 * (e->param is left empty for the caller to name).
 */
int billing_coupon_check(const struct billing_coupon *c, struct recur_err *e);

/*
 * Whether c can be redeemed at `now` (Stripe's coupon.valid): false once now is
 * past redeem_by or times_redeemed has reached max_redemptions. This is the
 * check for attaching the coupon to a customer or subscription; a discount
 * already made from it keeps applying after the coupon stops being valid.
 * It does not check the shape (billing_coupon_check does).
 */
bool billing_coupon_valid(const struct billing_coupon *c, int64_t now);

/*
 * Whether c can discount an invoice in `currency` (any letter case): every
 * percent_off coupon can; an amount_off coupon only in its own currency or one
 * of its currency_options. If so and amount_off is not NULL, *amount_off is
 * the amount in that currency (0 for a percent_off coupon).
 */
bool billing_coupon_applies(const struct billing_coupon *c, const char *currency,
			    int64_t *amount_off);

/*
 * The end of a discount (Stripe's discount.end): for REPEATING, start plus
 * duration_in_months calendar months, the day clamped to the target month's
 * last day (Jan 31 + 1 month = Feb 28). ONCE and FOREVER have no end: *out = 0,
 * which the API renders as null. Errors of calendar_add_interval
 * (RECUR_EINVAL, RECUR_EOVERFLOW).
 */
int billing_discount_end(int64_t *out, const struct billing_discount *d);

/*
 * Whether d discounts an invoice whose period starts at period_start:
 *   ONCE       only if it has not been applied yet (times_applied == 0);
 *   REPEATING  while period_start < billing_discount_end(d);
 *   FOREVER    always.
 * It does not look at the currency (billing_coupon_applies) or at whether the
 * coupon is still redeemable (that is checked when it is attached).
 * Errors as billing_discount_end.
 */
int billing_discount_active(bool *out, const struct billing_discount *d,
			    int64_t period_start);

/*
 * *out = the discount c gives on `base`, the discountable amount of an invoice
 * in `currency` that earlier discounts have left:
 *   percent_off  base * percent_off / 10000, MONEY_ROUND_HALF_UP. A negative
 *                base (a net credit) gives a negative discount: the credit
 *                shrinks in the same proportion as a charge would.
 *   amount_off   min(amount_off, base), and 0 when base <= 0: a fixed discount
 *                never makes the invoice negative and never grows a credit.
 * 0 if the coupon does not apply in currency (billing_coupon_applies).
 * RECUR_EOVERFLOW if the product leaves int64 (only for absurd bases).
 */
int billing_discount_amount(int64_t *out, const struct billing_coupon *c,
			    const char *currency, int64_t base);

/*
 * A promotion code's restrictions (Stripe's promotion_code.restrictions):
 * only for a customer without earlier transactions, and a minimum amount in
 * one currency, optionally with per-currency minimums (currency_options).
 * minimum_amount 0 means none.
 */
struct billing_promo_restrictions {
	bool first_time_transaction;
	int64_t minimum_amount;
	char minimum_amount_currency[4]; /* any letter case */
	/* minimums in other currencies (amount_off holds the minimum); caller-owned */
	const struct billing_coupon_currency *currency_options;
	size_t n_currency_options;
};

enum billing_promo_refusal {
	BILLING_PROMO_OK,
	BILLING_PROMO_NOT_FIRST_TIME, /* the customer has transactions already */
	BILLING_PROMO_BELOW_MINIMUM,  /* amount < the minimum in currency */
	BILLING_PROMO_CURRENCY        /* no minimum is set for currency */
};

/*
 * Whether a promotion code with restrictions r may be redeemed by a customer
 * who has_transactions (a paid invoice), on `amount` (before discounts and
 * tax) in `currency`. The minimum in currency is minimum_amount when the
 * currency is minimum_amount_currency, else the currency_options entry; a
 * currency with neither cannot meet a minimum.
 */
enum billing_promo_refusal billing_promo_check(const struct billing_promo_restrictions *r,
					       bool has_transactions, const char *currency,
					       int64_t amount);

/*
 * Largest-remainder allocation, in place: on entry values[0..n) are weights,
 * on return they are integer shares of `total` in proportion to the weights
 * that sum exactly to total. Each share is the exact quotient
 * |total| * weight / sum(weights) rounded down (toward minus infinity); the
 * minor units that rounding leaves over (fewer than n) go one each to the
 * shares with the largest fractional parts, ties to the lower index; for a
 * negative total the shares are then negated, so credits split as charges
 * do: 1.00 over three equal weights is 0.34, 0.33, 0.33 and -1.00 is -0.34,
 * -0.33, -0.33. Weights may be negative or zero (a zero weight gets exactly 0)
 * as long as their sum is not 0; with a zero sum, total must be 0 too and
 * every share is 0.
 *
 * RECUR_EINVAL for a zero weight sum with a non-zero total; RECUR_EOVERFLOW if
 * a share leaves int64 (possible only when weights of opposite signs nearly
 * cancel). On error values are unchanged.
 */
int billing_allocate(int64_t *values, size_t n, int64_t total);

/*
 * billing_allocate over values that are not in one array: slot(ctx, i)
 * returns a pointer to element i's weight, which is replaced by its share, or
 * NULL if element i takes no part. slot must return the same pointer every
 * time it is called with the same i.
 */
int billing_allocate_slots(int64_t total, size_t n,
			   int64_t *(*slot)(void *ctx, size_t i), void *ctx);

#endif
