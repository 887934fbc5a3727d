/*
 * discount.c - see discount.h. Integer arithmetic only (scripts/lint.sh).
 */
#include "billing/discount.h"

#include "core/calendar.h"
#include "core/err.h"
#include "core/money.h"

#include <stdarg.h>
#include <stdio.h>

/*
 * The allocation forms total * weight exactly; GCC and Clang have a 128-bit
 * integer on every target recur builds for (core/money.c relies on it too).
 */
__extension__ typedef __int128 i128;

__attribute__((format(printf, 3, 4)))
static int fail(struct recur_err *e, int rc, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (!e)
		return rc;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return err_set(e, rc, 400, "invalid_request_error", "parameter_invalid", NULL,
		       "%s", msg);
}

/*
 * ISO 4217 codes compared without regard to letter case: the API renders them
 * in lower case, core/money.h's table is upper case. Folded by hand because
 * toupper() depends on the process locale.
 */
static char fold(char c)
{
	return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

static bool same_currency(const char *a, const char *b)
{
	size_t i;

	if (!a || !b)
		return false;
	for (i = 0; i < 4; i++) {
		if (fold(a[i]) != fold(b[i]))
			return false;
		if (a[i] == '\0')
			return true;
	}
	return false; /* neither is a NUL-terminated code of at most three letters */
}

int billing_coupon_check(const struct billing_coupon *c, struct recur_err *e)
{
	size_t i;

	if ((c->percent_off != 0) == (c->amount_off != 0))
		return fail(e, RECUR_EINVAL,
			    "A coupon must have exactly one of percent_off and amount_off");
	if (c->percent_off != 0 &&
	    (c->percent_off < 0 || c->percent_off > BILLING_PERCENT_OFF_SCALE))
		return fail(e, RECUR_EINVAL, "percent_off must be greater than 0 and at most 100");
	if (c->amount_off < 0)
		return fail(e, RECUR_EINVAL, "amount_off must be positive");
	if (c->amount_off > 0 && !money_currency_find(c->currency))
		return fail(e, RECUR_EINVAL, "An amount_off coupon needs a supported currency");
	if (c->n_currency_options > 0 && !c->currency_options)
		return fail(e, RECUR_EINVAL, "currency_options is missing");
	for (i = 0; i < c->n_currency_options; i++) {
		const struct billing_coupon_currency *o = &c->currency_options[i];
		if (!money_currency_find(o->currency) || o->amount_off <= 0)
			return fail(e, RECUR_EINVAL,
				    "currency_options entry %zu needs a supported currency and a "
				    "positive amount_off", i);
	}
	switch (c->duration) {
	case BILLING_COUPON_REPEATING:
		if (c->duration_in_months < 1)
			return fail(e, RECUR_EINVAL,
				    "A repeating coupon needs duration_in_months of at least 1");
		break;
	case BILLING_COUPON_ONCE:
	case BILLING_COUPON_FOREVER:
		if (c->duration_in_months != 0)
			return fail(e, RECUR_EINVAL,
				    "duration_in_months is only for repeating coupons");
		break;
	default:
		return fail(e, RECUR_EINVAL, "Unknown coupon duration %d", (int)c->duration);
	}
	if (c->max_redemptions < 0 || c->times_redeemed < 0 || c->redeem_by < 0)
		return fail(e, RECUR_EINVAL,
			    "max_redemptions, times_redeemed and redeem_by must not be negative");
	return 0;
}

/*
 * Stripe: redeem_by is the "date after which the coupon can no longer be
 * redeemed", so the second itself still counts (service/coupon.c renders
 * valid the same way). max_redemptions counts redemptions, not invoices.
 */
bool billing_coupon_valid(const struct billing_coupon *c, int64_t now)
{
	if (c->redeem_by != 0 && now > c->redeem_by)
		return false;
	if (c->max_redemptions != 0 && c->times_redeemed >= c->max_redemptions)
		return false;
	return true;
}

/*
 * Stripe: an amount_off coupon applies to invoices in its currency, or in a
 * currency listed in currency_options with that currency's amount. Anything
 * else cannot be discounted by it; see invoice.h for why assembly skips such
 * a discount rather than failing.
 */
bool billing_coupon_applies(const struct billing_coupon *c, const char *currency,
			    int64_t *amount_off)
{
	size_t i;

	if (c->amount_off == 0) {
		if (amount_off)
			*amount_off = 0;
		return true;
	}
	if (same_currency(c->currency, currency)) {
		if (amount_off)
			*amount_off = c->amount_off;
		return true;
	}
	for (i = 0; i < c->n_currency_options; i++) {
		if (same_currency(c->currency_options[i].currency, currency)) {
			if (amount_off)
				*amount_off = c->currency_options[i].amount_off;
			return true;
		}
	}
	return false;
}

/*
 * Month arithmetic from the discount's start, never chained, so a discount
 * started on Jan 31 for 3 months ends Apr 30 (not Apr 28): calendar.h.
 */
enum billing_promo_refusal billing_promo_check(const struct billing_promo_restrictions *r,
					       bool has_transactions, const char *currency,
					       int64_t amount)
{
	size_t i;
	int64_t minimum = -1;

	if (r->first_time_transaction && has_transactions)
		return BILLING_PROMO_NOT_FIRST_TIME;
	if (r->minimum_amount <= 0)
		return BILLING_PROMO_OK;
	if (same_currency(r->minimum_amount_currency, currency))
		minimum = r->minimum_amount;
	for (i = 0; i < r->n_currency_options && minimum < 0; i++)
		if (same_currency(r->currency_options[i].currency, currency))
			minimum = r->currency_options[i].amount_off;
	if (minimum < 0)
		return BILLING_PROMO_CURRENCY;
	return amount < minimum ? BILLING_PROMO_BELOW_MINIMUM : BILLING_PROMO_OK;
}

int billing_discount_end(int64_t *out, const struct billing_discount *d)
{
	int64_t end = 0;
	int rc = 0;

	if (d->coupon->duration == BILLING_COUPON_REPEATING) {
		rc = calendar_add_interval(&end, d->start, CAL_MONTH,
					   d->coupon->duration_in_months);
		if (rc < 0)
			goto done;
	}
	*out = end;
done:
	return rc;
}

/*
 * Stripe: "once" applies to the next invoice only; "repeating" applies to
 * every invoice for duration_in_months months from when the discount was
 * applied, i.e. while the invoice period starts before discount.end; so a
 * monthly subscription with repeating 3 gets exactly three discounted
 * invoices. "forever" never ends.
 */
int billing_discount_active(bool *out, const struct billing_discount *d,
			    int64_t period_start)
{
	int64_t end;
	int rc = 0;

	switch (d->coupon->duration) {
	case BILLING_COUPON_ONCE:
		*out = d->times_applied == 0;
		break;
	case BILLING_COUPON_REPEATING:
		rc = billing_discount_end(&end, d);
		if (rc < 0)
			goto done;
		*out = period_start < end;
		break;
	case BILLING_COUPON_FOREVER:
		*out = true;
		break;
	default:
		rc = RECUR_EINVAL;
		break;
	}
done:
	return rc;
}

int billing_discount_amount(int64_t *out, const struct billing_coupon *c,
			    const char *currency, int64_t base)
{
	int64_t off, r = 0;
	int rc = 0;

	if (billing_coupon_applies(c, currency, &off)) {
		if (c->percent_off != 0) {
			/* One rounding on the whole discountable amount, half away from zero. */
			rc = money_mul_ratio(&r, base, c->percent_off, BILLING_PERCENT_OFF_SCALE,
					     MONEY_ROUND_HALF_UP);
			if (rc < 0)
				goto done;
		} else if (base > 0) {
			/* Stripe: an amount_off larger than the invoice takes it to zero, no further. */
			r = off < base ? off : base;
		}
	}
	*out = r;
done:
	return rc;
}

/* floor(p / den) with the remainder in [0, den); den > 0. */
static i128 floor_div(i128 p, i128 den, i128 *rem)
{
	i128 q = p / den, r = p % den;

	if (r < 0) {
		q -= 1;
		r += den;
	}
	*rem = r;
	return q;
}

/*
 * Hamilton's largest-remainder method. Working on exact rationals
 * (total * w / S formed in 128 bits) rather than on rounded shares is what
 * guarantees the sum: the floors fall short of total by exactly the sum of the
 * fractional parts, an integer k < n, and k shares get one more unit. A
 * negative total is allocated as its magnitude and the shares negated, so a
 * credit splits exactly as the same charge would (-1.00 over three equal lines
 * is -0.34, -0.33, -0.33, not -0.33, -0.33, -0.34).
 *
 * No scratch memory: the k-th largest remainder is found by k selection
 * passes, after which every share depends only on its own weight and that
 * threshold, so it can overwrite its weight in place. O(n * k) with k < n;
 * invoices have few lines.
 */
int billing_allocate_slots(int64_t total, size_t n,
			   int64_t *(*slot)(void *ctx, size_t i), void *ctx)
{
	i128 sum = 0, den, mag, floors = 0, rem, q, k, thr_rem = 0;
	size_t i, thr_i = 0;
	int64_t *w;
	int neg, rc = 0;

	for (i = 0; i < n; i++)
		if ((w = slot(ctx, i)))
			sum += *w;
	if (sum == 0) {
		if (total != 0) {
			rc = RECUR_EINVAL;
			goto done;
		}
		for (i = 0; i < n; i++)
			if ((w = slot(ctx, i)))
				*w = 0;
		goto done;
	}
	/*
	 * share_i = sign(total) * |total| * w_i / S. Dividing by |S| with the sign
	 * of S moved into the numerator keeps floor a floor.
	 */
	neg = total < 0;
	mag = neg ? -(i128)total : (i128)total;
	if (sum < 0) {
		den = -sum;
		mag = -mag;
	} else {
		den = sum;
	}
	for (i = 0; i < n; i++) {
		if (!(w = slot(ctx, i)))
			continue;
		floors += floor_div(mag * *w, den, &rem);
	}
	k = (mag < 0 ? -mag : mag) - floors; /* 0 <= k < n */
	for (i128 step = 0; step < k; step++) {
		bool have = false;
		i128 best = 0;
		size_t best_i = 0;
		for (i = 0; i < n; i++) {
			if (!(w = slot(ctx, i)))
				continue;
			floor_div(mag * *w, den, &rem);
			/* Only candidates ranked after the previous pick. */
			if (step > 0 && !(rem < thr_rem || (rem == thr_rem && i > thr_i)))
				continue;
			if (!have || rem > best) {
				have = true;
				best = rem;
				best_i = i;
			}
		}
		thr_rem = best;
		thr_i = best_i;
	}
	/* Check every share before writing any, so an overflow changes nothing. */
	for (int pass = 0; pass < 2; pass++) {
		for (i = 0; i < n; i++) {
			if (!(w = slot(ctx, i)))
				continue;
			q = floor_div(mag * *w, den, &rem);
			if (k > 0 && (rem > thr_rem || (rem == thr_rem && i <= thr_i)))
				q += 1;
			if (neg)
				q = -q;
			if (q > INT64_MAX || q < INT64_MIN) {
				rc = RECUR_EOVERFLOW;
				goto done;
			}
			if (pass == 1)
				*w = (int64_t)q;
		}
	}
done:
	return rc;
}

static int64_t *array_slot(void *ctx, size_t i)
{
	return (int64_t *)ctx + i;
}

int billing_allocate(int64_t *values, size_t n, int64_t total)
{
	return billing_allocate_slots(total, n, array_slot, values);
}
