/*
 * customer.h - the customer use cases.
 *
 * Every function takes the request's parameter tree (without "expand"), and
 * on success sets *out to a new reference to the Stripe-shaped object.
 */
#ifndef RECUR_SERVICE_CUSTOMER_H
#define RECUR_SERVICE_CUSTOMER_H

#include "service/service.h"

extern const struct store_table svc_customers_table;

int svc_customer_create(json_t **out, struct svc *s, const json_t *p, struct recur_err *e);
int svc_customer_retrieve(json_t **out, struct svc *s, const char *id, struct recur_err *e);
int svc_customer_update(json_t **out, struct svc *s, const char *id, const json_t *p,
			struct recur_err *e);
int svc_customer_delete(json_t **out, struct svc *s, const char *id, struct recur_err *e);
int svc_customer_list(json_t **out, struct svc *s, const json_t *p, struct recur_err *e);
/* Stripe's search query language, the subset: field:'value' [AND ...] on email, name, phone. */
/*
 * The customer (not deleted) whose external_id is ext: copies its id into id
 * and returns 1, or returns 0 when there is none.
 */
int svc_customer_by_external_id(char *id, size_t cap, struct svc *s, const char *ext,
				struct recur_err *e);
int svc_customer_search(json_t **out, struct svc *s, const json_t *p, struct recur_err *e);

#endif
