/*
 * pricing.h - from a stored price object to what the billing core prices.
 *
 * Services hold prices as Stripe-shaped jansson objects; the billing core works
 * on plain structs. This is the one place that converts between them.
 */
#ifndef RECUR_SERVICE_PRICING_H
#define RECUR_SERVICE_PRICING_H

#include <jansson.h>

#include "billing/period.h"
#include "billing/price_eval.h"
#include "core/err.h"

#define SVC_PRICING_MAX_TIERS 64

struct svc_pricing {
	struct billing_price price;
	struct billing_tier tiers[SVC_PRICING_MAX_TIERS];
};

/* Fills out from a price object (as store_obj_get returns it). */
int svc_pricing_load(struct svc_pricing *out, const json_t *price, struct recur_err *e);

/*
 * The amount for quantity units of price for one whole period, rounded once,
 * half up (Stripe rounds line amounts half up).
 */
int svc_pricing_amount(int64_t *out, const json_t *price, int64_t quantity, struct recur_err *e);

/* A recurring price's interval; RECUR_EINVAL (param price) for a one-time price. */
int svc_pricing_interval(struct billing_interval *out, const json_t *price, struct recur_err *e);

#endif
