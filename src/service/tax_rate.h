/*
 * tax_rate.h - the tax_rate use cases.
 *
 * Every function takes the request's parameter tree (without "expand") and on
 * success sets *out to a new reference to the Stripe-shaped object.
 */
#ifndef RECUR_SERVICE_TAX_RATE_H
#define RECUR_SERVICE_TAX_RATE_H

#include "service/service.h"

extern const struct store_table svc_tax_rates_table;

int svc_tax_rate_create(json_t **out, struct svc *s, const json_t *p, struct recur_err *e);
int svc_tax_rate_retrieve(json_t **out, struct svc *s, const char *id, struct recur_err *e);
int svc_tax_rate_update(json_t **out, struct svc *s, const char *id, const json_t *p,
		       struct recur_err *e);
int svc_tax_rate_list(json_t **out, struct svc *s, const json_t *p, struct recur_err *e);

#endif
