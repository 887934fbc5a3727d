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

/*
 * A promotion code's restrictions, checked when it is redeemed by customer on
 * amount (before discounts and tax; the recurring amount of a subscription's
 * items, or an invoice's subtotal) in currency: first_time_transaction
 * refuses a customer with a paid invoice of a positive total, minimum_amount
 * an amount below it. promo is the code's row (borrowed). A refusal is a 400
 * naming param.
 */
int svc_promotion_code_check(struct svc *s, const json_t *promo, const char *customer,
			     const char *currency, int64_t amount, const char *param,
			     struct recur_err *e);

#endif
