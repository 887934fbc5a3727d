/*
 * gateway.h - payment gateways behind one interface.
 *
 * A gateway moves money: it charges a payment method and refunds a charge.
 * Services decide when to call it and record what it answered; the gateway
 * holds no billing rules. Every call carries an idempotency key chosen by the
 * caller, one per attempt ("<invoice>:<attempt>" for invoice collection), and
 * a gateway MUST be idempotent per key: the same key again gives the same
 * outcome and never moves money a second time, so a job retried after a crash
 * cannot charge twice. The same key with a different request is refused
 * (RECUR_ECONFLICT, idempotency_error), as Stripe refuses it.
 *
 * Outcomes are data, not errors: a declined card is a successful call whose
 * result says "declined". A call returns < 0 only when it could not say
 * anything (the database failed, a key was reused for another request).
 */
#ifndef RECUR_GATEWAYS_GATEWAY_H
#define RECUR_GATEWAYS_GATEWAY_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "store/objects.h"
#include "store/store.h"

enum gateway_status {
	GATEWAY_SUCCEEDED,
	GATEWAY_DECLINED, /* the issuer said no: code, decline_code, message */
	GATEWAY_FAILED    /* the payment did not go through for another reason; see retryable */
};

#define GATEWAY_REF_MAX 300

struct gateway_result {
	enum gateway_status status;
	char reference[GATEWAY_REF_MAX]; /* the gateway's id for the charge or refund */
	char code[48];                   /* Stripe's error code: card_declined, expired_card, ... */
	char decline_code[48];           /* the issuer's reason: generic_decline, insufficient_funds, ... */
	char message[256];               /* for the customer, as Stripe words it */
	bool retryable;                  /* failed: the same request may succeed later */
	bool replayed;                   /* the key was seen before: this is the first answer again */
};

/* The public details of a card: never its number. */
struct gateway_card {
	char token[GATEWAY_REF_MAX]; /* the canonical token, to keep and charge later */
	char brand[24];      /* visa, mastercard, amex */
	char last4[5];
	int exp_month;
	int exp_year;
	char funding[16];    /* credit, debit, prepaid */
	char country[3];
	char fingerprint[33]; /* the same card gives the same fingerprint, per tenant */
};

/*
 * What a call may use besides its arguments. The sandbox keeps its record of
 * attempts in db (inside the caller's transaction, so an attempt the caller
 * rolls back never happened); a real provider would ignore it.
 */
struct gateway_ctx {
	struct store *db;
	struct store_scope scope;
	int64_t now;
};

struct gateway {
	const char *name;
	/*
	 * Describes the card a token stands for. An unknown token gives
	 * RECUR_EINVAL with a message and no param (the caller names its own).
	 */
	int (*card)(struct gateway_card *out, const struct gateway_ctx *ctx, const char *token,
		    struct recur_err *e);
	/*
	 * Checks a card before it is saved to a customer, as Stripe does when a
	 * payment method is attached; moves no money and keeps no record.
	 */
	int (*verify)(struct gateway_result *out, const struct gateway_ctx *ctx, const char *token,
		      struct recur_err *e);
	/* Charges amount (minor units of currency, > 0) to the payment method token. */
	int (*charge)(struct gateway_result *out, const struct gateway_ctx *ctx, int64_t amount,
		      const char *currency, const char *token, const char *idempotency_key,
		      struct recur_err *e);
	/*
	 * Returns amount (> 0) of the charge the gateway called charge_reference.
	 * More than what is left of the charge is declined, never partly done.
	 */
	int (*refund)(struct gateway_result *out, const struct gateway_ctx *ctx,
		      const char *charge_reference, int64_t amount, const char *idempotency_key,
		      struct recur_err *e);
};

/* The gateway registered under name ("sandbox"), or NULL. */
const struct gateway *gateway_find(const char *name);

/*
 * The gateway that collects payments in a mode. Test mode uses the sandbox;
 * live mode has none until a real provider is configured (NULL), so a live
 * invoice can never be marked paid by a pretend charge.
 */
const struct gateway *gateway_for_mode(int livemode);

/* "succeeded", "declined" or "failed". */
const char *gateway_status_name(enum gateway_status s);

/* Fills out as a success / decline / failure; strings may be NULL. */
void gateway_result_succeeded(struct gateway_result *out, const char *reference);
void gateway_result_declined(struct gateway_result *out, const char *reference, const char *code,
			     const char *decline_code, const char *message);
void gateway_result_failed(struct gateway_result *out, const char *reference, const char *code,
			   const char *message, bool retryable);

#endif
