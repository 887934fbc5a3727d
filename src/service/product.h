/*
 * product.h - the product use cases.
 *
 * Every function takes the request's parameter tree (without "expand") and on
 * success sets *out to a new reference to the Stripe-shaped object.
 */
#ifndef RECUR_SERVICE_PRODUCT_H
#define RECUR_SERVICE_PRODUCT_H

#include "service/service.h"

extern const struct store_table svc_products_table;

int svc_product_create(json_t **out, struct svc *s, const json_t *p, struct recur_err *e);
int svc_product_retrieve(json_t **out, struct svc *s, const char *id, struct recur_err *e);
int svc_product_update(json_t **out, struct svc *s, const char *id, const json_t *p,
		       struct recur_err *e);
int svc_product_list(json_t **out, struct svc *s, const json_t *p, struct recur_err *e);

#endif
