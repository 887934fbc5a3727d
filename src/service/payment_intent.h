/*
 * payment_intent.h - payment intents, and the one way money is collected:
 * svc_payment_attempt, one gateway charge per (invoice, attempt).
 *
 * Payment intents are read-only over the API (retrieve, list); they are
 * made by invoice collection, which calls svc_payment_attempt for the first
 * charge and for every retry.
 */
#ifndef RECUR_SERVICE_PAYMENT_INTENT_H
#define RECUR_SERVICE_PAYMENT_INTENT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/ids.h"
#include "gateways/gateway.h"
#include "service/service.h"

extern const struct store_table svc_payment_intents_table;

int svc_payment_intent_retrieve(json_t **out, struct svc *s, const char *id, struct recur_err *e);
/* GET /v1/payment_intents: customer. */
int svc_payment_intent_list(json_t **out, struct svc *s, const json_t *p, struct recur_err *e);

/* Completes a stored row in place into the object clients see (drops bookkeeping). */
void svc_payment_intent_present(json_t *pi, int64_t now);

/* One collection attempt of an invoice. Strings are borrowed. */
struct svc_payment_request {
	const char *customer;       /* cus_..., required */
	const char *invoice;        /* in_..., required */
	int64_t amount;             /* minor units, 1 .. 10^15 */
	const char *currency;       /* lower-case ISO 4217 */
	const char *payment_method; /* pm_... attached to customer, required */
	int attempt;                /* 1 for the first charge, 2.. for retries */
	const char *description;    /* may be NULL ("Payment for Invoice") */
	/*
	 * Rows the caller has just read, as the store holds them (borrowed; NULL:
	 * the attempt reads them): payment_method's row and the invoice's. A
	 * renewal has both in hand, and reading them again cost two queries.
	 */
	const json_t *method_row;
	const json_t *invoice_row;
};

/* What the attempt came to. */
struct svc_payment_result {
	enum gateway_status status;      /* succeeded | declined | failed */
	bool retryable;                  /* failed: the gateway says trying again may work */
	bool replayed;                   /* (invoice, attempt) existed: nothing new was charged or written */
	char code[48];                   /* card_declined, expired_card, processing_error, ... */
	char decline_code[48];           /* generic_decline, insufficient_funds, lost_card, ... */
	char message[256];
	char payment_intent[IDS_MAX];
	char charge[IDS_MAX];
};

/*
 * Charges req->payment_method for one attempt, inside the caller's
 * transaction (it neither begins nor commits). Creates the payment intent
 * and its charge and appends payment_intent.created, then charge.succeeded +
 * payment_intent.succeeded, or charge.failed + payment_intent.payment_failed.
 * The gateway call carries the idempotency key "<invoice>:<attempt>" and the
 * intent is unique on (invoice, attempt): calling again for an attempt that
 * exists makes no new rows, no events and no charge, and answers with the
 * same result (res->replayed set); the same attempt with another amount,
 * currency or payment method is a 400 idempotency_error
 * (RECUR_ECONFLICT), as Stripe answers a key reused for another request.
 *
 * A decline is not an error: the call returns 0 and res says what happened.
 * On 0, *out is a new reference to the payment intent as clients see it
 * (out may be NULL when the caller needs only res). Negative: bad request
 * (400 naming the field), a method whose gateway is unknown, or a
 * database error.
 * Times are s->now: a caller on a test clock sets s->now to the clock's time.
 */
int svc_payment_attempt(json_t **out, struct svc_payment_result *res, struct svc *s,
			const struct svc_payment_request *req, struct recur_err *e);

/*
 * Fills e with the 402 card_error a declined or failed attempt answers an
 * API call with (e.g. POST /v1/invoices/:id/pay), and returns RECUR_ECARD.
 */
int svc_payment_result_error(struct recur_err *e, const struct svc_payment_result *res);

#endif
