/*
 * payments.h - what the payment resources share: payment methods, payment
 * intents, charges and refunds (one file each under service/), the gateway
 * context a service hands to a gateway, the 402 card error, and one door for
 * api/expand.c.
 */
#ifndef RECUR_SERVICE_PAYMENTS_H
#define RECUR_SERVICE_PAYMENTS_H

#include <stdbool.h>

#include "gateways/gateway.h"
#include "service/charge.h"
#include "service/payment_intent.h"
#include "service/payment_method.h"
#include "service/refund.h"
#include "service/service.h"

/* A gateway call's context in s's store, tenant and mode, at now. */
struct gateway_ctx svc_payments_gateway_ctx(const struct svc *s, int64_t now);

/*
 * Fills e as Stripe's 402 card_error (type card_error, code, message) and
 * returns RECUR_ECARD. decline_code is not carried by struct recur_err yet,
 * so it is not rendered; the charge and payment intent keep it.
 */
int svc_payments_card_error(struct recur_err *e, const char *code, const char *decline_code,
			    const char *message);

/* For api/expand.c: whether t is a payment table, and its retrieve (as clients see it). */
bool svc_payments_owns(const struct store_table *t);
int svc_payments_retrieve(json_t **out, struct svc *s, const struct store_table *t,
			  const char *id, struct recur_err *e);

#endif
