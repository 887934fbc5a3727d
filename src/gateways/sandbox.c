#include "gateways/sandbox.h"
#include "store/gateway_store.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

/*
 * Stripe's test cards (docs.stripe.com/testing): the last four digits are
 * those of the documented card numbers, the messages those Stripe returns.
 * The expiry is fixed, far enough ahead that no test meets it.
 */
#define PREFIX "pm_card_"
#define TOK_PREFIX "tok_"
#define EXP_MONTH 12
#define EXP_YEAR 2034

struct card {
	const char *name; /* the token without "pm_card_" / "tok_" */
	const char *brand, *last4;
	enum gateway_status charge;
	const char *code, *decline_code, *message;
	bool attachable;
};

static const char msg_declined[] = "Your card was declined.";

static const struct card cards[] = {
	{ "visa", "visa", "4242", GATEWAY_SUCCEEDED, NULL, NULL, NULL, true },
	{ "mastercard", "mastercard", "4444", GATEWAY_SUCCEEDED, NULL, NULL, NULL, true },
	{ "chargeDeclined", "visa", "0002", GATEWAY_DECLINED, "card_declined", "generic_decline",
	  msg_declined, false },
	{ "chargeDeclinedInsufficientFunds", "visa", "9995", GATEWAY_DECLINED, "card_declined",
	  "insufficient_funds", "Your card has insufficient funds.", false },
	{ "chargeDeclinedExpiredCard", "visa", "0069", GATEWAY_DECLINED, "expired_card",
	  "expired_card", "Your card has expired.", false },
	{ "chargeDeclinedLostCard", "visa", "9987", GATEWAY_DECLINED, "card_declined", "lost_card",
	  msg_declined, false },
	{ "chargeDeclinedStolenCard", "visa", "9979", GATEWAY_DECLINED, "card_declined",
	  "stolen_card", msg_declined, false },
	/* Stripe answers 4000000000000119 with processing_error: nothing the issuer
	 * decided, so the same charge may go through later. */
	{ "chargeDeclinedProcessingError", "visa", "0119", GATEWAY_FAILED, "processing_error", NULL,
	  "An error occurred while processing your card. Try again in a little bit.", false },
	/* Attaches, then every charge fails: Stripe's card for failed renewals. */
	{ "chargeCustomerFail", "visa", "0341", GATEWAY_DECLINED, "card_declined",
	  "generic_decline", msg_declined, true },
};

static const struct card *find_card(const char *token)
{
	const char *name = NULL;
	if (!token)
		return NULL;
	if (strncmp(token, PREFIX, strlen(PREFIX)) == 0)
		name = token + strlen(PREFIX);
	else if (strncmp(token, TOK_PREFIX, strlen(TOK_PREFIX)) == 0)
		name = token + strlen(TOK_PREFIX);
	if (!name)
		return NULL;
	for (size_t i = 0; i < sizeof(cards) / sizeof(cards[0]); i++)
		if (strcmp(cards[i].name, name) == 0)
			return &cards[i];
	return NULL;
}

static int unknown_token(struct recur_err *e, const char *token)
{
	return err_set(e, RECUR_EINVAL, 400, "invalid_request_error", "resource_missing", NULL,
		       "No such test payment method: '%s'. The sandbox accepts Stripe's test"
		       " payment methods, such as pm_card_visa or tok_visa.", token ? token : "");
}

/*
 * A stable fingerprint per tenant and card, as Stripe gives one per account:
 * the same test card attached twice can be recognised as one card.
 */
static void fingerprint(char *out, size_t cap, const struct gateway_ctx *ctx, const struct card *c)
{
	static const char alphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	unsigned char h[16];
	crypto_generichash_state st;
	crypto_generichash_init(&st, NULL, 0, sizeof(h));
	crypto_generichash_update(&st, (const unsigned char *)"sandbox\n", 8);
	if (ctx && ctx->scope.tenant)
		crypto_generichash_update(&st, (const unsigned char *)ctx->scope.tenant,
					  strlen(ctx->scope.tenant));
	crypto_generichash_update(&st, (const unsigned char *)"\n", 1);
	crypto_generichash_update(&st, (const unsigned char *)c->name, strlen(c->name));
	crypto_generichash_final(&st, h, sizeof(h));
	size_t n = cap - 1 < sizeof(h) ? cap - 1 : sizeof(h);
	for (size_t i = 0; i < n; i++)
		out[i] = alphabet[h[i] % 62]; /* display only: the bias does not matter */
	out[n] = '\0';
}

static int sb_card(struct gateway_card *out, const struct gateway_ctx *ctx, const char *token,
		   struct recur_err *e)
{
	const struct card *c = find_card(token);
	memset(out, 0, sizeof(*out));
	if (!c)
		return unknown_token(e, token);
	snprintf(out->token, sizeof(out->token), PREFIX "%s", c->name);
	snprintf(out->brand, sizeof(out->brand), "%s", c->brand);
	snprintf(out->last4, sizeof(out->last4), "%s", c->last4);
	out->exp_month = EXP_MONTH;
	out->exp_year = EXP_YEAR;
	snprintf(out->funding, sizeof(out->funding), "credit");
	snprintf(out->country, sizeof(out->country), "US");
	fingerprint(out->fingerprint, sizeof(out->fingerprint), ctx, c);
	return 0;
}

/* The outcome a charge to card c gets. */
static void charge_outcome(struct gateway_result *out, const struct card *c, const char *ref)
{
	if (c->charge == GATEWAY_SUCCEEDED)
		gateway_result_succeeded(out, ref);
	else if (c->charge == GATEWAY_DECLINED)
		gateway_result_declined(out, ref, c->code, c->decline_code, c->message);
	else
		gateway_result_failed(out, ref, c->code, c->message, true);
}

static int sb_verify(struct gateway_result *out, const struct gateway_ctx *ctx, const char *token,
		     struct recur_err *e)
{
	(void)ctx;
	const struct card *c = find_card(token);
	if (!c)
		return unknown_token(e, token);
	if (c->attachable)
		gateway_result_succeeded(out, NULL);
	else
		charge_outcome(out, c, NULL);
	return 0;
}

static json_t *result_json(const struct gateway_result *r)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:b}", "status", gateway_status_name(r->status),
			 "reference", r->reference, "code", r->code, "decline_code", r->decline_code,
			 "message", r->message, "retryable", r->retryable);
}

static void copy_str(char *dst, size_t cap, const json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));
	snprintf(dst, cap, "%s", v ? v : "");
}

static void result_from_json(struct gateway_result *out, const json_t *o)
{
	const char *status = json_string_value(json_object_get(o, "status"));
	memset(out, 0, sizeof(*out));
	out->status = status && strcmp(status, "succeeded") == 0  ? GATEWAY_SUCCEEDED
		      : status && strcmp(status, "declined") == 0 ? GATEWAY_DECLINED
								  : GATEWAY_FAILED;
	copy_str(out->reference, sizeof(out->reference), o, "reference");
	copy_str(out->code, sizeof(out->code), o, "code");
	copy_str(out->decline_code, sizeof(out->decline_code), o, "decline_code");
	copy_str(out->message, sizeof(out->message), o, "message");
	out->retryable = json_is_true(json_object_get(o, "retryable"));
}

/*
 * Answers a key seen before: 1 with *out filled from the record when the
 * request is the same, an idempotency_error when it is not, 0 when the key is
 * new.
 */
static int replay(struct gateway_result *out, const struct gateway_ctx *ctx, const char *key,
		  const char *request, struct recur_err *e)
{
	struct store_sandbox_found f;
	int rc = store_sandbox_attempt_find(&f, ctx->db, &ctx->scope, key, e);
	if (rc <= 0)
		return rc;
	if (strcmp(f.request, request) != 0) {
		json_decref(f.outcome);
		return err_set(e, RECUR_ECONFLICT, 400, "idempotency_error", NULL, NULL,
			       "Keys for idempotent requests can only be used with the same"
			       " parameters they were first used with (gateway key '%s').", key);
	}
	result_from_json(out, f.outcome);
	out->replayed = true;
	json_decref(f.outcome);
	return 1;
}

static int record(const struct gateway_ctx *ctx, const char *key, const char *kind,
		  const char *request, const char *charge_key, int64_t amount,
		  const struct gateway_result *r, struct recur_err *e)
{
	json_t *outcome = result_json(r);
	struct store_sandbox_attempt a = {
		.key = key, .kind = kind, .request = request, .charge_key = charge_key,
		.amount = amount, .status = gateway_status_name(r->status), .outcome = outcome,
		.created = ctx->now,
	};
	int rc = outcome ? store_sandbox_attempt_insert(ctx->db, &ctx->scope, &a, e)
			 : err_internal(e, "cannot encode a sandbox outcome");
	json_decref(outcome);
	return rc;
}

static int check_key(const char *key, struct recur_err *e)
{
	if (!key || !*key || strlen(key) >= GATEWAY_REF_MAX)
		return err_internal(e, "a gateway call needs an idempotency key of 1 to %d characters",
				    GATEWAY_REF_MAX - 1);
	return 0;
}

static int sb_charge(struct gateway_result *out, const struct gateway_ctx *ctx, int64_t amount,
		     const char *currency, const char *token, const char *key, struct recur_err *e)
{
	char request[STORE_SANDBOX_REQUEST_MAX];
	const struct card *c = find_card(token);
	int rc;
	memset(out, 0, sizeof(*out));
	if ((rc = check_key(key, e)) < 0)
		return rc;
	if (!c)
		return unknown_token(e, token);
	if (amount <= 0 || !currency || !*currency)
		return err_internal(e, "a charge needs a positive amount and a currency");
	/* The canonical token, so tok_visa and pm_card_visa are one request. */
	snprintf(request, sizeof(request), "charge:%" PRId64 ":%s:" PREFIX "%s", amount, currency,
		 c->name);
	if ((rc = replay(out, ctx, key, request, e)) != 0)
		return rc < 0 ? rc : 0;
	/* The sandbox's reference for a charge is its key: unique, and what refunds name. */
	charge_outcome(out, c, key);
	return record(ctx, key, "charge", request, NULL, amount, out, e);
}

static int sb_refund(struct gateway_result *out, const struct gateway_ctx *ctx,
		     const char *charge_reference, int64_t amount, const char *key,
		     struct recur_err *e)
{
	char request[STORE_SANDBOX_REQUEST_MAX];
	struct store_sandbox_found charge = { 0 };
	int64_t refunded = 0;
	int rc;
	memset(out, 0, sizeof(*out));
	if ((rc = check_key(key, e)) < 0)
		return rc;
	if (!charge_reference || amount <= 0)
		return err_internal(e, "a refund needs a charge and a positive amount");
	snprintf(request, sizeof(request), "refund:%s:%" PRId64, charge_reference, amount);
	if ((rc = replay(out, ctx, key, request, e)) != 0)
		return rc < 0 ? rc : 0;
	if ((rc = store_sandbox_attempt_find(&charge, ctx->db, &ctx->scope, charge_reference, e)) < 0)
		return rc;
	if (rc == 0 || strcmp(charge.kind, "charge") != 0)
		gateway_result_failed(out, key, "resource_missing", "No such charge.", false);
	else if (strcmp(charge.status, "succeeded") != 0)
		gateway_result_failed(out, key, "charge_not_refundable",
				      "A charge that did not succeed cannot be refunded.", false);
	else if ((rc = store_sandbox_refunded(&refunded, ctx->db, &ctx->scope, charge_reference,
					      e)) < 0)
		goto done;
	else if (amount > charge.amount - refunded)
		gateway_result_failed(out, key, "amount_too_large",
				      "The refund is more than what is left of the charge.", false);
	else
		gateway_result_succeeded(out, key);
	rc = record(ctx, key, "refund", request, charge_reference, amount, out, e);
done:
	json_decref(charge.outcome);
	return rc;
}

const struct gateway sandbox_gateway = {
	.name = "sandbox",
	.card = sb_card,
	.verify = sb_verify,
	.charge = sb_charge,
	.refund = sb_refund,
};
