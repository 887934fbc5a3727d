#include "service/refund.h"
#include "core/ids.h"
#include "core/money.h"
#include "service/customer.h"
#include "service/ledger_hooks.h"
#include "service/list.h"
#include "service/params.h"
#include "service/payments.h"
#include "service/test_clock.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static const struct store_col cols[] = {
	{ "amount", COL_INT, 0 },
	{ "charge", COL_TEXT, 0 },
	{ "payment_intent", COL_TEXT, 0 },
	{ "currency", COL_TEXT, 0 },
	{ "reason", COL_TEXT, 0 },
	{ "status", COL_TEXT, 0 },
	{ "failure_reason", COL_TEXT, 0 },
	{ "balance_transaction", COL_TEXT, 0 },
	{ "metadata", COL_JSON, 0 },
	/* bookkeeping, dropped by present */
	{ "gateway_reference", COL_TEXT, 0 },
	{ "gateway_key", COL_TEXT, 0 },
	{ "credit_note", COL_TEXT, 0 }, /* the credit note that made it (migration 010) */
};

const struct store_table svc_refunds_table = {
	.table = "refunds", .object = "refund", .noun = "refund",
	.cols = cols, .ncols = sizeof(cols) / sizeof(cols[0]),
};

void svc_refund_present(json_t *re, int64_t now)
{
	(void)now;
	if (!re)
		return;
	json_object_del(re, "gateway_reference");
	json_object_del(re, "gateway_key");
	json_object_del(re, "credit_note");
	if (json_is_null(json_object_get(re, "failure_reason")))
		json_object_del(re, "failure_reason"); /* Stripe shows it on failed refunds only */
	/* A card refund goes back to the card it came from. */
	json_object_set_new(re, "destination_details",
			    json_pack("{s:{s:n, s:s, s:n, s:s}, s:s}", "card", "reference",
				      "reference_status", "pending", "reference_type", "type",
				      "refund", "type", "card"));
	json_object_set_new(re, "receipt_number", json_null());
	json_object_set_new(re, "source_transfer_reversal", json_null());
	json_object_set_new(re, "transfer_reversal", json_null());
}

static const char *str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static int64_t num(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

/* "10.00 NOK", for messages. */
static void amount_text(char *out, size_t cap, int64_t amount, const char *currency)
{
	const struct currency *c = money_currency_find(currency);
	char n[48], code[4] = { 0 };
	if (!c || money_format(n, sizeof(n), amount, c->exponent, MONEY_LOCALE_C) < 0) {
		snprintf(out, cap, "%lld", (long long)amount);
		return;
	}
	for (int i = 0; i < 3 && currency[i]; i++)
		code[i] = (char)toupper((unsigned char)currency[i]);
	snprintf(out, cap, "%s %s", n, code);
}

/* Loads the object a parameter names; a missing one is a 400 on that parameter. */
static int param_obj(json_t **out, struct svc *s, const struct store_table *t, const char *id,
		     const char *param, struct recur_err *e)
{
	int rc = store_obj_get(out, s->db, t, &s->scope, id, e);
	if (rc == RECUR_ENOTFOUND) {
		e->status = 400;
		snprintf(e->param, sizeof(e->param), "%s", param);
	}
	return rc;
}

/* The charge to refund: named, or the payment intent's latest, which must agree. */
static int find_charge(json_t **out, struct svc *s, const char *charge, const char *pi_id,
		       struct recur_err *e)
{
	char latest_id[IDS_MAX];
	json_t *pi = NULL;
	int rc;
	*out = NULL;
	if (pi_id) {
		if ((rc = param_obj(&pi, s, &svc_payment_intents_table, pi_id, "payment_intent", e)) < 0)
			return rc;
		const char *latest = str(pi, "latest_charge");
		if (strcmp(str(pi, "status"), "succeeded") != 0 || !latest)
			rc = err_invalid(e, "payment_intent", "This PaymentIntent (%s) does not have a"
					 " successful charge to refund.", pi_id);
		else if (charge && strcmp(charge, latest) != 0)
			rc = err_invalid(e, "charge", "The charge %s does not belong to the"
					 " PaymentIntent %s.", charge, pi_id);
		else
			charge = latest_id; /* pi is released below; latest borrows from it */
		if (rc >= 0)
			snprintf(latest_id, sizeof(latest_id), "%s", latest);
		json_decref(pi);
		if (rc < 0)
			return rc;
	}
	return param_obj(out, s, &svc_charges_table, charge, pi_id ? "payment_intent" : "charge", e);
}

static const char *const create_params[] = { "charge", "payment_intent", "amount", "reason",
					     "metadata", NULL };
static const char *const reasons[] = { "duplicate", "fraudulent", "requested_by_customer", NULL };

/*
 * The refund itself, inside the caller's open transaction: amount of the
 * charge (charge_id, or the payment intent's latest), all that is left when
 * has_amount is false. credit_note names the credit note making it (or
 * NULL): such a credit note has taken the sale back and posts the payout
 * itself, so the refund posts nothing of its own (no second revenue
 * reversal); a refund made alone takes the sale back here.
 */
static int refund(json_t **out, struct svc *s, const char *charge_id, const char *pi_id,
		  int64_t amount, bool has_amount, const char *reason, const json_t *md,
		  const char *credit_note, struct recur_err *e)
{
	char id[IDS_MAX], key[GATEWAY_REF_MAX], want[64], left_text[64];
	const struct gateway *g = NULL;
	struct gateway_result r;
	json_t *ch = NULL, *ch_after = NULL, *ch_before = NULL, *ch_out = NULL;
	json_t *row = NULL, *cus = NULL, *prev = NULL;
	int64_t now = s->now;
	int rc;

	*out = NULL;
	if ((rc = find_charge(&ch, s, charge_id, pi_id, e)) < 0)
		goto fail;
	const char *cid = str(ch, "id"), *currency = str(ch, "currency");
	if (strcmp(str(ch, "status"), "succeeded") != 0) {
		rc = err_invalid(e, pi_id ? "payment_intent" : "charge",
				 "Charge %s has not succeeded, so there is nothing to refund.", cid);
		goto fail;
	}
	int64_t left = num(ch, "amount") - num(ch, "amount_refunded");
	if (left <= 0) {
		rc = err_set(e, RECUR_EINVAL, 400, "invalid_request_error", "charge_already_refunded",
			     NULL, "Charge %s has already been refunded.", cid);
		goto fail;
	}
	if (!has_amount)
		amount = left;
	if (amount > left) {
		amount_text(want, sizeof(want), amount, currency);
		amount_text(left_text, sizeof(left_text), left, currency);
		rc = err_invalid(e, "amount", "Refund amount (%s) is greater than unrefunded amount"
				 " on charge (%s)", want, left_text);
		goto fail;
	}
	if (!(g = gateway_find(str(ch, "gateway")))) {
		rc = err_internal(e, "charge %s names an unknown gateway", cid);
		goto fail;
	}
	/* A customer on a test clock lives at the clock's time; so do its refunds. */
	if (str(ch, "customer") &&
	    store_obj_get(&cus, s->db, &svc_customers_table, &s->scope, str(ch, "customer"), e) == 0 &&
	    (rc = svc_test_clock_now(&now, s, str(cus, "test_clock"), e)) < 0)
		goto fail;
	ids_new(id, sizeof(id), "re");
	/*
	 * The gateway key follows the request's Idempotency-Key where there is one,
	 * so a client retrying after a crash between the gateway call and the
	 * commit is answered by the gateway, not refunded twice.
	 */
	if (s->idempotency_key && *s->idempotency_key)
		snprintf(key, sizeof(key), "refund:%s:%s", cid, s->idempotency_key);
	else
		snprintf(key, sizeof(key), "refund:%s", id);
	struct gateway_ctx ctx = svc_payments_gateway_ctx(s, now);
	if ((rc = g->refund(&r, &ctx, str(ch, "gateway_reference"), amount, key, e)) < 0)
		goto fail;
	if (r.status != GATEWAY_SUCCEEDED) {
		rc = err_set(e, RECUR_EINVAL, 400, "invalid_request_error", r.code, "amount",
			     "The gateway refused the refund: %s", r.message);
		goto fail;
	}
	row = json_pack("{s:s, s:I, s:I, s:s, s:s?, s:s, s:s?, s:s, s:n, s:n, s:O, s:s, s:s, "
			"s:s?}",
			"id", id, "created", (json_int_t)now, "amount", (json_int_t)amount,
			"charge", cid, "payment_intent", str(ch, "payment_intent"), "currency",
			currency, "reason", reason, "status", "succeeded", "failure_reason",
			"balance_transaction", "metadata", md, "gateway_reference", r.reference,
			"gateway_key", key, "credit_note", credit_note);
	if ((rc = store_obj_insert(s->db, &svc_refunds_table, &s->scope, row, e)) < 0 ||
	    (!credit_note && (rc = svc_ledger_refund(s, ch, id, amount, now, e)) < 0) ||
	    (rc = svc_refund_retrieve(out, s, id, e)) < 0 ||
	    (rc = svc_event(s, "refund.created", *out, NULL, e)) < 0)
		goto fail;
	int64_t refunded = num(ch, "amount_refunded") + amount;
	ch_after = json_deep_copy(ch);
	json_object_set_new(ch_after, "amount_refunded", json_integer(refunded));
	json_object_set_new(ch_after, "refunded", json_boolean(refunded == num(ch, "amount")));
	ch_before = json_deep_copy(ch);
	svc_charge_present(ch_before, s->now);
	if ((rc = store_obj_update(s->db, &svc_charges_table, &s->scope, ch_after, e)) < 0 ||
	    (rc = svc_charge_retrieve(&ch_out, s, cid, e)) < 0)
		goto fail;
	/* Stripe appends charge.refunded for every refund, partial ones too. */
	prev = svc_previous_attributes(ch_before, ch_out);
	rc = svc_event(s, "charge.refunded", ch_out, prev, e);
fail:
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	}
	json_decref(ch);
	json_decref(ch_after);
	json_decref(ch_before);
	json_decref(ch_out);
	json_decref(row);
	json_decref(cus);
	json_decref(prev);
	return rc;
}

int svc_refund_create(json_t **out, struct svc *s, const json_t *p, struct recur_err *e)
{
	const char *charge_id = NULL, *pi_id = NULL, *reason = NULL;
	json_t *md = NULL;
	int64_t amount = 0;
	int rc, has_amount;
	*out = NULL;
	if ((rc = params_only(p, create_params, e)) < 0 ||
	    (rc = params_string(&charge_id, p, "charge", 255, e)) < 0 ||
	    (rc = params_string(&pi_id, p, "payment_intent", 255, e)) < 0 ||
	    (rc = has_amount = params_int(&amount, p, "amount", 1, PARAMS_MAX_AMOUNT, e)) < 0 ||
	    (rc = params_enum(&reason, p, "reason", reasons, e)) < 0 ||
	    (rc = params_metadata(&md, NULL, p, e)) < 0)
		goto done;
	if (charge_id && !*charge_id)
		charge_id = NULL;
	if (pi_id && !*pi_id)
		pi_id = NULL;
	if (!charge_id && !pi_id) {
		rc = err_set(e, RECUR_EINVAL, 400, "invalid_request_error", "parameter_missing",
			     "charge", "One of the following params should be provided for this"
			     " request: payment_intent or charge.");
		goto done;
	}
	if ((rc = svc_begin(s, e)) < 0)
		goto done;
	rc = refund(out, s, charge_id, pi_id, amount, has_amount > 0, reason, md, NULL, e);
	rc = svc_finish(s, rc, e);
done:
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	}
	json_decref(md);
	return rc;
}

int svc_refund_for_credit_note(json_t **out, struct svc *s, const char *charge, int64_t amount,
			       const char *reason, const char *credit_note, struct recur_err *e)
{
	json_t *md = json_object();
	int rc = refund(out, s, charge, NULL, amount, true, reason, md, credit_note, e);

	json_decref(md);
	return rc;
}

int svc_refund_retrieve(json_t **out, struct svc *s, const char *id, struct recur_err *e)
{
	int rc = store_obj_get(out, s->db, &svc_refunds_table, &s->scope, id, e);
	if (rc == 0)
		svc_refund_present(*out, s->now);
	return rc;
}

static const char *const update_params[] = { "metadata", NULL };

int svc_refund_update(json_t **out, struct svc *s, const char *id, const json_t *p,
		      struct recur_err *e)
{
	json_t *before = NULL, *row = NULL, *md = NULL, *shown = NULL;
	int rc;
	*out = NULL;
	if ((rc = params_only(p, update_params, e)) < 0)
		return rc;
	if ((rc = svc_begin(s, e)) < 0)
		return rc;
	if ((rc = store_obj_get(&before, s->db, &svc_refunds_table, &s->scope, id, e)) < 0 ||
	    (rc = params_metadata(&md, json_object_get(before, "metadata"), p, e)) < 0)
		goto done;
	row = json_deep_copy(before);
	json_object_set(row, "metadata", md);
	shown = json_deep_copy(before);
	svc_refund_present(shown, s->now);
	rc = svc_update_object(out, s, &svc_refunds_table, shown, row, svc_refund_present, e);
done:
	rc = svc_finish(s, rc, e);
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	}
	json_decref(before);
	json_decref(row);
	json_decref(md);
	json_decref(shown);
	return rc;
}

static const char *const list_params[] = { SVC_LIST_PARAMS, "charge", "payment_intent", NULL };

int svc_refund_list(json_t **out, struct svc *s, const json_t *p, struct recur_err *e)
{
	struct svc_list l;
	const char *charge = NULL, *pi = NULL;
	int rc;
	*out = NULL;
	if ((rc = params_only(p, list_params, e)) < 0 || (rc = svc_list_params(&l, p, e)) < 0 ||
	    (rc = params_string(&charge, p, "charge", 255, e)) < 0 ||
	    (rc = params_string(&pi, p, "payment_intent", 255, e)) < 0)
		return rc;
	if (charge && *charge)
		svc_list_filter(&l, "charge", "=", SV_TEXT(charge));
	if (pi && *pi)
		svc_list_filter(&l, "payment_intent", "=", SV_TEXT(pi));
	if ((rc = svc_list(out, s, &svc_refunds_table, &l, "/v1/refunds", e)) < 0)
		return rc;
	size_t i;
	json_t *re;
	json_array_foreach(json_object_get(*out, "data"), i, re)
		svc_refund_present(re, s->now);
	return 0;
}
