/*
 * tax_rate.h - the tax_rate use cases.
 *
 * Every function takes the request's parameter tree (without "expand") and on
 * success sets *out to a new reference to the Stripe-shaped object, which the
 * caller releases with json_decref. On failure *out is NULL and e says why;
 * nothing has been written.
 *
 * There is no delete: Stripe archives a tax rate with active=false (an update),
 * because invoices and subscriptions that used it keep citing it.
 */
#ifndef RECUR_SERVICE_TAX_RATE_H
#define RECUR_SERVICE_TAX_RATE_H

#include "service/service.h"

extern const struct store_table svc_tax_rates_table;

int svc_tax_rate_create(json_t **out, struct svc *s, const json_t *p, struct recur_err *e);
int svc_tax_rate_retrieve(json_t **out, struct svc *s, const char *id, struct recur_err *e);
/* percentage and inclusive are immutable; active=false archives the rate. */
int svc_tax_rate_update(json_t **out, struct svc *s, const char *id, const json_t *p,
			struct recur_err *e);
/* Filters: active, inclusive, created; newest first. */
int svc_tax_rate_list(json_t **out, struct svc *s, const json_t *p, struct recur_err *e);

#endif
