/*
 * promotion_code.h - customer-facing codes ("SUMMER25") for a coupon.
 *
 * A code is unique per tenant and mode, can be restricted to one customer,
 * limited in redemptions and given an expiry; applying it applies its coupon.
 */
#ifndef RECUR_SERVICE_PROMOTION_CODE_H
#define RECUR_SERVICE_PROMOTION_CODE_H

#include "service/service.h"

extern const struct store_table svc_promotion_codes_table;

int svc_promotion_code_create(json_t **out, struct svc *s, const json_t *p, struct recur_err *e);
int svc_promotion_code_retrieve(json_t **out, struct svc *s, const char *id, struct recur_err *e);
int svc_promotion_code_update(json_t **out, struct svc *s, const char *id, const json_t *p,
			      struct recur_err *e);
int svc_promotion_code_list(json_t **out, struct svc *s, const json_t *p, struct recur_err *e);

#endif
