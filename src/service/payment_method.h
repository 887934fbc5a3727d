/*
 * payment_method.h - saved cards: create from a gateway token, attach to a
 * customer, detach, update, list; and which method pays an invoice.
 *
 * A payment method keeps the card's public details and the gateway's token
 * for it, never a card number. In test mode the tokens are Stripe's test
 * payment methods (gateways/sandbox.h). Attaching a test token id directly
 * (POST /v1/payment_methods/pm_card_visa/attach) makes a new pm_... bound to
 * the customer, as Stripe does; attaching verifies the card first, so a card
 * that declines is refused with a 402 card_error and nothing is saved. A
 * detached method can never be attached or charged again (Stripe's rule).
 *
 * Every function sets *out to a new reference on success.
 */
#ifndef RECUR_SERVICE_PAYMENT_METHOD_H
#define RECUR_SERVICE_PAYMENT_METHOD_H

#include <stdbool.h>

#include "service/service.h"

extern const struct store_table svc_payment_methods_table;

int svc_payment_method_create(json_t **out, struct svc *s, const json_t *p, struct recur_err *e);
int svc_payment_method_retrieve(json_t **out, struct svc *s, const char *id, struct recur_err *e);
/* billing_details, allow_redisplay, metadata; attached methods only, as on Stripe. */
int svc_payment_method_update(json_t **out, struct svc *s, const char *id, const json_t *p,
			      struct recur_err *e);
/* p: customer. id is a pm_... or a gateway token (pm_card_visa). */
int svc_payment_method_attach(json_t **out, struct svc *s, const char *id, const json_t *p,
			      struct recur_err *e);
/*
 * Detaches; a customer whose invoice_settings.default_payment_method named
 * the method loses that default in the same transaction (customer.updated).
 */
int svc_payment_method_detach(json_t **out, struct svc *s, const char *id, const json_t *p,
			      struct recur_err *e);
/* GET /v1/payment_methods: customer, type. */
int svc_payment_method_list(json_t **out, struct svc *s, const json_t *p, struct recur_err *e);
/* GET /v1/customers/:customer/payment_methods: type. */
int svc_payment_method_list_customer(json_t **out, struct svc *s, const char *customer,
				     const json_t *p, struct recur_err *e);

/* Completes a stored row in place into the object clients see (drops bookkeeping). */
void svc_payment_method_present(json_t *pm, int64_t now);

/*
 * Stripe's resolution order for the method that pays a subscription's
 * invoice: the subscription's default_payment_method, then the customer's
 * invoice_settings.default_payment_method, then none. A default that names
 * no method attached to this customer (deleted, detached, someone else's)
 * cannot be charged and is passed over. customer is the customer object
 * (borrowed); subscription_default may be NULL. Returns 1 with *out a new
 * reference to the stored row (bookkeeping included: gateway, gateway_token),
 * 0 with *out NULL when there is none, negative on a database error. Runs in
 * the caller's transaction, if any.
 */
int svc_payment_method_resolve(json_t **out, struct svc *s, const char *subscription_default,
			       const json_t *customer, struct recur_err *e);

/*
 * Whether pm is attached to customer and usable, for validating a default
 * when it is set: 0, or a 400 naming param, with Stripe's messages
 * ("No such PaymentMethod", "The customer does not have a payment method
 * with the ID ..."). Runs in the caller's transaction, if any.
 */
int svc_payment_method_check(struct svc *s, const char *customer, const char *pm,
			     const char *param, struct recur_err *e);

#endif
