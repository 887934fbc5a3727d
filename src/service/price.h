/*
 * price.h - the price use cases.
 *
 * Every function takes the request's parameter tree (without "expand") and on
 * success sets *out to a new reference to the Stripe-shaped object.
 *
 * A price's amounts, currency, recurrence and tiers are immutable once created,
 * as in Stripe: update changes only active, nickname, metadata, lookup_key and
 * an unspecified tax_behavior. Prices are never deleted, only archived.
 */
#ifndef RECUR_SERVICE_PRICE_H
#define RECUR_SERVICE_PRICE_H

#include <stdbool.h>

#include "service/service.h"

extern const struct store_table svc_prices_table;

/*
 * Takes product (an existing product of the tenant) or product_data (a product
 * created inline, in the same transaction: product.created, then
 * price.created), and transfer_lookup_key to move a taken lookup_key here.
 */
int svc_price_create(json_t **out, struct svc *s, const json_t *p, struct recur_err *e);
int svc_price_retrieve(json_t **out, struct svc *s, const char *id, struct recur_err *e);
int svc_price_update(json_t **out, struct svc *s, const char *id, const json_t *p,
		     struct recur_err *e);
int svc_price_list(json_t **out, struct svc *s, const json_t *p, struct recur_err *e);

/*
 * For the product service's default_price_data. Validates the price
 * parameters of p (currency, unit_amount, unit_amount_decimal, billing_scheme,
 * tiers, tiers_mode, transform_quantity, recurring, custom_unit_amount,
 * tax_behavior, lookup_key, nickname, active, metadata; any other key is
 * ignored, so the caller checks the allowed set first) and builds the unsaved
 * price of product (new reference in *out). Writes nothing; e->param names the
 * parameter bare, the caller nests it.
 */
int svc_price_build(json_t **out, struct svc *s, const json_t *p, const char *product,
		    struct recur_err *e);
/*
 * Inside the caller's transaction: enforces the tenant's unique lookup keys
 * (a taken key is a 400 on "lookup_key" unless transfer moves it, appending
 * price.updated for the price that loses it), inserts a price from
 * svc_price_build, reloads it into *out (new reference) and appends
 * price.created. The product must have been checked or inserted already.
 */
int svc_price_insert(json_t **out, struct svc *s, const json_t *price, bool transfer,
		     struct recur_err *e);

#endif
