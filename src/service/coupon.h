/*
 * coupon.h - the coupon use cases.
 *
 * Every function takes the request's parameter tree (without "expand") and on
 * success sets *out to a new reference to the Stripe-shaped object, which the
 * caller releases with json_decref. On failure *out is NULL and e says why;
 * nothing has been written.
 *
 * A coupon's "valid" is recomputed against s->now whenever one is returned,
 * so it never goes stale between writes: it is false once redeem_by has passed
 * or times_redeemed has reached max_redemptions.
 */
#ifndef RECUR_SERVICE_COUPON_H
#define RECUR_SERVICE_COUPON_H

#include "service/service.h"

extern const struct store_table svc_coupons_table;

int svc_coupon_create(json_t **out, struct svc *s, const json_t *p, struct recur_err *e);
/* A deleted coupon is a 404, as in Stripe (unlike a deleted customer). */
int svc_coupon_retrieve(json_t **out, struct svc *s, const char *id, struct recur_err *e);
/* Only name, metadata and currency_options can change; the rest is immutable. */
int svc_coupon_update(json_t **out, struct svc *s, const char *id, const json_t *p,
		       struct recur_err *e);
/* Soft delete; *out is {"id", "object":"coupon", "deleted":true}. */
int svc_coupon_delete(json_t **out, struct svc *s, const char *id, struct recur_err *e);
int svc_coupon_list(json_t **out, struct svc *s, const json_t *p, struct recur_err *e);

#endif
