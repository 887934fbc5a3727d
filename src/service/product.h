/*
 * product.h - the product use cases.
 *
 * Every function takes the request's parameter tree (without "expand") and on
 * success sets *out to a new reference to the Stripe-shaped object.
 */
#ifndef RECUR_SERVICE_PRODUCT_H
#define RECUR_SERVICE_PRODUCT_H

#include <stdbool.h>

#include "service/service.h"

extern const struct store_table svc_products_table;

/*
 * Create also takes default_price_data: the price is created with the product
 * and becomes its default_price, in the same transaction (product.created,
 * then price.created).
 */
int svc_product_create(json_t **out, struct svc *s, const json_t *p, struct recur_err *e);
/* A deleted product is a 404, as in Stripe. */
int svc_product_retrieve(json_t **out, struct svc *s, const char *id, struct recur_err *e);
int svc_product_update(json_t **out, struct svc *s, const char *id, const json_t *p,
		       struct recur_err *e);
/*
 * Stripe refuses to delete a product that has prices (400; archive it with
 * active=false instead). *out is {"id","object":"product","deleted":true}.
 */
int svc_product_delete(json_t **out, struct svc *s, const char *id, struct recur_err *e);
int svc_product_list(json_t **out, struct svc *s, const json_t *p, struct recur_err *e);

/*
 * For the price service's product_data. Validates p as a new product and
 * builds the unsaved object (new reference in *out) with a fresh or a
 * caller-chosen id; writes nothing. With inline_data only the keys Stripe
 * accepts in product_data are allowed (active, id, metadata, name,
 * statement_descriptor, tax_code, unit_label); e->param names them bare, the
 * caller nests them.
 */
int svc_product_build(json_t **out, struct svc *s, const json_t *p, bool inline_data,
		      struct recur_err *e);
/*
 * Inside the caller's transaction: inserts a product from svc_product_build,
 * reloads it into *out (new reference) and appends product.created. A taken
 * id is a 400 resource_already_exists on "id".
 */
int svc_product_insert(json_t **out, struct svc *s, const json_t *product,
		       struct recur_err *e);

#endif
