/*
 * refund.h - refunds: money given back on a charge that succeeded, in full
 * or in parts, never more than what is left of it.
 *
 * A refund calls the charge's gateway with its own idempotency key
 * ("refund:<charge>:<Idempotency-Key of the request>", or "refund:<re_id>"
 * when the request carries none), then records the refund and raises the
 * charge's amount_refunded (refunded once it reaches the amount), appending
 * refund.created and charge.refunded, all in one transaction.
 */
#ifndef RECUR_SERVICE_REFUND_H
#define RECUR_SERVICE_REFUND_H

#include "service/service.h"

extern const struct store_table svc_refunds_table;

/* charge or payment_intent (its latest charge), amount (default: all that is left), reason, metadata. */
int svc_refund_create(json_t **out, struct svc *s, const json_t *p, struct recur_err *e);
/*
 * Inside the caller's open transaction (credit_note.c): refunds amount of
 * charge for the credit note credit_note, recording it on the refund. The
 * refund posts nothing to the ledger: the credit note took the sale back and
 * posts the payout with it. reason may be NULL. *out is the refund (new
 * reference). Errors as svc_refund_create's, param "amount".
 */
int svc_refund_for_credit_note(json_t **out, struct svc *s, const char *charge, int64_t amount,
			       const char *reason, const char *credit_note, struct recur_err *e);
int svc_refund_retrieve(json_t **out, struct svc *s, const char *id, struct recur_err *e);
/* metadata only, as on Stripe. */
int svc_refund_update(json_t **out, struct svc *s, const char *id, const json_t *p,
		      struct recur_err *e);
/* GET /v1/refunds: charge, payment_intent. */
int svc_refund_list(json_t **out, struct svc *s, const json_t *p, struct recur_err *e);

/* Completes a stored row in place into the object clients see (drops bookkeeping). */
void svc_refund_present(json_t *re, int64_t now);

#endif
