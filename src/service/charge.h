/*
 * charge.h - charges: one per gateway call that tried to move money, made by
 * svc_payment_attempt (payment_intent.h). Read-only over the API; refunds
 * (refund.h) change amount_refunded and refunded.
 */
#ifndef RECUR_SERVICE_CHARGE_H
#define RECUR_SERVICE_CHARGE_H

#include "service/service.h"

extern const struct store_table svc_charges_table;

int svc_charge_retrieve(json_t **out, struct svc *s, const char *id, struct recur_err *e);
/* GET /v1/charges: customer, payment_intent. */
int svc_charge_list(json_t **out, struct svc *s, const json_t *p, struct recur_err *e);

/* Completes a stored row in place into the object clients see (drops bookkeeping). */
void svc_charge_present(json_t *ch, int64_t now);

#endif
