/*
 * coupon.h - the coupon use cases.
 *
 * Every function takes the request's parameter tree (without "expand") and on
 * success sets *out to a new reference to the Stripe-shaped object.
 */
#ifndef RECUR_SERVICE_COUPON_H
#define RECUR_SERVICE_COUPON_H

#include "service/service.h"

extern const struct store_table svc_coupons_table;

int svc_coupon_create(json_t **out, struct svc *s, const json_t *p, struct recur_err *e);
int svc_coupon_retrieve(json_t **out, struct svc *s, const char *id, struct recur_err *e);
int svc_coupon_update(json_t **out, struct svc *s, const char *id, const json_t *p,
		       struct recur_err *e);
int svc_coupon_list(json_t **out, struct svc *s, const json_t *p, struct recur_err *e);

#endif
