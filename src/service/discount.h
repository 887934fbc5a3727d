/*
 * discount.h - discounts: a coupon (or promotion code) applied to a customer or
 * a subscription, from `start`, until its duration runs out.
 *
 * A discount keeps a copy of its coupon as it was when applied, so changing or
 * deleting the coupon later never changes what a customer was promised.
 */
#ifndef RECUR_SERVICE_DISCOUNT_H
#define RECUR_SERVICE_DISCOUNT_H

#include "billing/discount.h"
#include "service/service.h"

extern const struct store_table svc_discounts_table;

/*
 * Applies coupon_id (or the coupon of promotion_code_id) for a customer or a
 * subscription inside the caller's transaction: checks the coupon is valid at
 * now and usable in currency, a promotion code's restrictions against amount
 * (what the code is redeemed on, before discounts and tax; see
 * svc_promotion_code_check), counts the redemption, and inserts the discount.
 * Errors name param. *out is the discount object (new reference).
 */
int svc_discount_create(json_t **out, struct svc *s, const char *coupon_id,
			const char *promotion_code_id, const char *customer,
			const char *subscription, const char *currency, int64_t amount,
			int64_t now, const char *param, struct recur_err *e);

#define SVC_COUPON_CURRENCIES 32

/* A coupon as the billing core sees it, with storage for its currency options. */
struct svc_coupon {
	struct billing_coupon c;
	struct billing_coupon_currency options[SVC_COUPON_CURRENCIES];
};

/* The billing core's view of a stored coupon object. */
int svc_coupon_to_billing(struct svc_coupon *out, const json_t *coupon, struct recur_err *e);

/*
 * Loads the discounts named by ids (array of di_ ids) for invoice assembly:
 * coupons[i] and discounts[i] (discounts[i].coupon points into coupons) in
 * order; *n how many (at most BILLING_DISCOUNTS_MAX). Deleted ones are skipped.
 */
int svc_discounts_load(struct svc_coupon *coupons, struct billing_discount *discounts,
		       size_t *n, struct svc *s, const json_t *ids, struct recur_err *e);

/* Counts one more invoice a discount reduced (its "once" is then used up). */
int svc_discount_applied(struct svc *s, const char *id, struct recur_err *e);

#endif
