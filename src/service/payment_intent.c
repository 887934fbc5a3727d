#include "service/payment_intent.h"
#include "core/money.h"
#include "service/ledger_hooks.h"
#include "service/list.h"
#include "service/params.h"
#include "service/payments.h"

#include <stdio.h>
#include <string.h>

static const struct store_col cols[] = {
	{ "amount", COL_INT, 0 },
	{ "amount_received", COL_INT, 0 },
	{ "currency", COL_TEXT, 0 },
	{ "customer", COL_TEXT, 0 },
	{ "invoice", COL_TEXT, 0 },
	{ "payment_method", COL_TEXT, 0 },
	{ "status", COL_TEXT, 0 },
	{ "last_payment_error", COL_JSON, 0 },
	{ "latest_charge", COL_TEXT, 0 },
	{ "description", COL_TEXT, 0 },
	{ "client_secret", COL_TEXT, 0 },
	{ "canceled_at", COL_INT, 0 },
	{ "cancellation_reason", COL_TEXT, 0 },
	{ "metadata", COL_JSON, 0 },
	/* bookkeeping, dropped by present */
	{ "attempt", COL_INT, 0 },
	{ "gateway_key", COL_TEXT, 0 },
};

const struct store_table svc_payment_intents_table = {
	.table = "payment_intents", .object = "payment_intent", .noun = "payment_intent",
	.cols = cols, .ncols = sizeof(cols) / sizeof(cols[0]),
};

/* Fields that are the same on every intent recur makes (automatic capture, cards only). */
void svc_payment_intent_present(json_t *pi, int64_t now)
{
	static const char *const nulls[] = {
		"application", "application_fee_amount", "automatic_payment_methods",
		"customer_account", "excluded_payment_method_types", "next_action", "on_behalf_of",
		"payment_method_configuration_details", "processing", "receipt_email", "review",
		"setup_future_usage", "shipping", "source", "statement_descriptor",
		"statement_descriptor_suffix", "transfer_data", "transfer_group", NULL
	};
	(void)now;
	if (!pi)
		return;
	json_object_del(pi, "attempt");
	json_object_del(pi, "gateway_key");
	for (int i = 0; nulls[i]; i++)
		json_object_set_new(pi, nulls[i], json_null());
	json_object_set_new(pi, "amount_capturable", json_integer(0));
	json_object_set_new(pi, "amount_details", json_pack("{s:{}}", "tip"));
	json_object_set_new(pi, "capture_method", json_string("automatic"));
	json_object_set_new(pi, "confirmation_method", json_string("automatic"));
	json_object_set_new(pi, "payment_method_options", json_object());
	json_object_set_new(pi, "payment_method_types", json_pack("[s]", "card"));
}

int svc_payment_intent_retrieve(json_t **out, struct svc *s, const char *id, struct recur_err *e)
{
	int rc = store_obj_get(out, s->db, &svc_payment_intents_table, &s->scope, id, e);
	if (rc == 0)
		svc_payment_intent_present(*out, s->now);
	return rc;
}

static const char *const list_params[] = { SVC_LIST_PARAMS, "customer", NULL };

int svc_payment_intent_list(json_t **out, struct svc *s, const json_t *p, struct recur_err *e)
{
	struct svc_list l;
	const char *customer = NULL;
	int rc;
	*out = NULL;
	if ((rc = params_only(p, list_params, e)) < 0 || (rc = svc_list_params(&l, p, e)) < 0 ||
	    (rc = params_string(&customer, p, "customer", 255, e)) < 0)
		return rc;
	if (customer && *customer)
		svc_list_filter(&l, "customer", "=", SV_TEXT(customer));
	if ((rc = svc_list(out, s, &svc_payment_intents_table, &l, "/v1/payment_intents", e)) < 0)
		return rc;
	size_t i;
	json_t *pi;
	json_array_foreach(json_object_get(*out, "data"), i, pi)
		svc_payment_intent_present(pi, s->now);
	return 0;
}

static const char *str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static void put(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src ? src : "");
}

static int check_request(const struct svc_payment_request *r, struct recur_err *e)
{
	if (!r->customer || !*r->customer)
		return err_invalid(e, "customer", "A payment needs a customer");
	if (!r->invoice || !*r->invoice)
		return err_invalid(e, "invoice", "A payment needs an invoice");
	if (!r->payment_method || !*r->payment_method)
		return err_invalid(e, "payment_method", "A payment needs a payment method");
	if (r->amount <= 0 || r->amount > PARAMS_MAX_AMOUNT)
		return err_invalid(e, "amount", "A payment is 1 to 10^15 minor units");
	if (!r->currency || !money_currency_find(r->currency))
		return err_invalid(e, "currency", "Unknown currency");
	if (r->attempt < 1)
		return err_invalid(e, "attempt", "Attempts are numbered from 1");
	return 0;
}

/* The intent made for (invoice, attempt) earlier, if any: 1 with *out, or 0. */
static int find_attempt(json_t **out, struct svc *s, const char *invoice, int attempt,
			struct recur_err *e)
{
	struct store_filter f[] = {
		{ .col = "invoice", .op = "=", .val = SV_TEXT(invoice) },
		{ .col = "attempt", .op = "=", .val = SV_INT(attempt) },
	};
	struct store_page page = { .limit = 1 };
	json_t *arr = NULL;
	bool more = false;
	*out = NULL;
	int rc = store_obj_list(&arr, &more, s->db, &svc_payment_intents_table, &s->scope, f, 2,
				&page, e);
	if (rc < 0)
		return rc;
	if (json_array_size(arr) > 0)
		*out = json_incref(json_array_get(arr, 0));
	json_decref(arr);
	return *out ? 1 : 0;
}

/*
 * Stripe's charge.outcome: how the network answered, in the words Stripe's
 * dashboard uses ("The bank returned the decline code `insufficient_funds`.").
 */
static json_t *outcome(const struct gateway_result *r)
{
	char seller[160];
	if (r->status == GATEWAY_SUCCEEDED)
		return json_pack("{s:n, s:n, s:n, s:s, s:n, s:s, s:s, s:s}", "advice_code",
				 "network_advice_code", "network_decline_code", "network_status",
				 "approved_by_network", "reason", "risk_level", "normal",
				 "seller_message", "Payment complete.", "type", "authorized");
	const char *reason = r->decline_code[0] ? r->decline_code : r->code;
	if (strcmp(reason, "generic_decline") == 0)
		snprintf(seller, sizeof(seller),
			 "The bank did not return any further details with this decline.");
	else
		snprintf(seller, sizeof(seller), "The bank returned the decline code `%s`.", reason);
	return json_pack("{s:n, s:n, s:n, s:s, s:s, s:s, s:s, s:s}", "advice_code",
			 "network_advice_code", "network_decline_code", "network_status",
			 "declined_by_network", "reason", reason, "risk_level", "normal",
			 "seller_message", seller, "type", "issuer_declined");
}

/* Stripe's charge.payment_method_details for a card payment. */
static json_t *method_details(const json_t *pm, int64_t amount, bool ok)
{
	const json_t *card = json_object_get(pm, "card");
	json_t *d = json_pack("{s:O?, s:O?, s:O?, s:O?, s:O?, s:O?, s:O?, s:O?, s:O?}", "brand",
			      json_object_get(card, "brand"), "checks", json_object_get(card, "checks"),
			      "country", json_object_get(card, "country"), "exp_month",
			      json_object_get(card, "exp_month"), "exp_year",
			      json_object_get(card, "exp_year"), "fingerprint",
			      json_object_get(card, "fingerprint"), "funding",
			      json_object_get(card, "funding"), "last4", json_object_get(card, "last4"),
			      "network", json_object_get(card, "brand"));
	if (!d)
		return json_null();
	json_object_set_new(d, "amount_authorized", ok ? json_integer(amount) : json_null());
	json_object_set_new(d, "three_d_secure", json_null());
	json_object_set_new(d, "wallet", json_null());
	return json_pack("{s:o, s:s}", "card", d, "type", "card");
}

/* Stripe links each error code to its page: card_declined -> .../card-declined. */
static json_t *doc_url(const char *code)
{
	char url[128];
	int n = snprintf(url, sizeof(url), "https://stripe.com/docs/error-codes/%s", code);
	for (int i = n - (int)strlen(code); i < n && i < (int)sizeof(url) - 1; i++)
		if (url[i] == '_')
			url[i] = '-';
	return json_string(url);
}

static void fill_result(struct svc_payment_result *res, const struct gateway_result *r,
			const char *pi, const char *ch)
{
	memset(res, 0, sizeof(*res));
	res->status = r->status;
	res->retryable = r->retryable;
	res->replayed = r->replayed;
	put(res->code, sizeof(res->code), r->code);
	put(res->decline_code, sizeof(res->decline_code), r->decline_code);
	put(res->message, sizeof(res->message), r->message);
	put(res->payment_intent, sizeof(res->payment_intent), pi);
	put(res->charge, sizeof(res->charge), ch);
}

/*
 * Loads the method the request names (or takes the row the caller holds; it
 * is not modified); it must be the customer's unless this is a replay.
 */
static int load_method(json_t **out, const struct gateway **g, struct svc *s,
		       const struct svc_payment_request *req, bool replay, struct recur_err *e)
{
	const char *held = str(req->method_row, "id");
	int rc = 0;
	if (held && strcmp(held, req->payment_method) == 0)
		*out = json_incref((json_t *)(uintptr_t)req->method_row);
	else
		rc = store_obj_get(out, s->db, &svc_payment_methods_table, &s->scope,
				   req->payment_method, e);
	if (rc == RECUR_ENOTFOUND)
		return err_set(e, RECUR_EINVAL, 400, "invalid_request_error", "resource_missing",
			       "payment_method", "No such PaymentMethod: '%s'", req->payment_method);
	if (rc < 0)
		return rc;
	const char *owner = str(*out, "customer");
	if (!replay && (!owner || strcmp(owner, req->customer) != 0))
		return err_set(e, RECUR_EINVAL, 400, "invalid_request_error", "resource_missing",
			       "payment_method", "The customer does not have a payment method with"
			       " the ID %s. The payment method must be attached to the customer.",
			       req->payment_method);
	if (!(*g = gateway_find(str(*out, "gateway"))))
		return err_internal(e, "payment method %s names an unknown gateway",
				    req->payment_method);
	return 0;
}

/* An attempt made before: the gateway answers its key again, and nothing is written. */
static int replay_attempt(json_t **out, struct svc_payment_result *res, struct svc *s,
			  const struct svc_payment_request *req, json_t *pi, struct recur_err *e)
{
	const struct gateway *g = NULL;
	struct gateway_result r;
	json_t *pm = NULL;
	int rc;
	if (json_integer_value(json_object_get(pi, "amount")) != req->amount ||
	    strcmp(str(pi, "currency"), req->currency) != 0 ||
	    strcmp(str(pi, "payment_method") ? str(pi, "payment_method") : "",
		   req->payment_method) != 0) {
		return err_set(e, RECUR_ECONFLICT, 400, "idempotency_error", NULL, NULL,
			       "Attempt %d of invoice %s was made with another amount, currency or"
			       " payment method (%s).", req->attempt, req->invoice, str(pi, "id"));
	}
	if ((rc = load_method(&pm, &g, s, req, true, e)) < 0)
		goto done;
	struct gateway_ctx ctx = svc_payments_gateway_ctx(s, s->now);
	if ((rc = g->charge(&r, &ctx, req->amount, req->currency, str(pm, "gateway_token"),
			    str(pi, "gateway_key"), e)) < 0)
		goto done;
	fill_result(res, &r, str(pi, "id"), str(pi, "latest_charge"));
	res->replayed = true;
	if (out) {
		*out = json_incref(pi);
		svc_payment_intent_present(*out, s->now);
	}
done:
	json_decref(pm);
	return rc;
}

int svc_payment_attempt(json_t **out, struct svc_payment_result *res, struct svc *s,
			const struct svc_payment_request *req, struct recur_err *e)
{
	char pi_id[IDS_MAX], ch_id[IDS_MAX], key[GATEWAY_REF_MAX], secret[IDS_MAX + 40];
	char rnd[IDS_RANDOM_LEN + 1];
	const struct gateway *g = NULL;
	struct gateway_result r;
	json_t *existing = NULL, *pm = NULL, *pi = NULL, *ch = NULL, *shown_pm = NULL;
	json_t *pi_out = NULL, *ch_out = NULL, *snapshot = NULL;
	int rc;
	if (out)
		*out = NULL;
	memset(res, 0, sizeof(*res));
	if ((rc = check_request(req, e)) < 0)
		return rc;
	if ((rc = find_attempt(&existing, s, req->invoice, req->attempt, e)) < 0)
		return rc;
	if (rc == 1) {
		rc = replay_attempt(out, res, s, req, existing, e);
		json_decref(existing);
		return rc;
	}
	if ((rc = load_method(&pm, &g, s, req, false, e)) < 0)
		goto done;
	if (snprintf(key, sizeof(key), "%s:%d", req->invoice, req->attempt) >= (int)sizeof(key)) {
		rc = err_invalid(e, "invoice", "Invoice id too long");
		goto done;
	}
	struct gateway_ctx ctx = svc_payments_gateway_ctx(s, s->now);
	if ((rc = g->charge(&r, &ctx, req->amount, req->currency, str(pm, "gateway_token"), key,
			    e)) < 0)
		goto done;
	bool ok = r.status == GATEWAY_SUCCEEDED;
	ids_new(pi_id, sizeof(pi_id), "pi");
	ids_new(ch_id, sizeof(ch_id), "ch");
	ids_random_base62(rnd, IDS_RANDOM_LEN);
	snprintf(secret, sizeof(secret), "%s_secret_%s", pi_id, rnd);
	shown_pm = json_deep_copy(pm);
	svc_payment_method_present(shown_pm, s->now);

	ch = json_pack("{s:s, s:I, s:I, s:I, s:I, s:b, s:s, s:s, s:s?, s:s, s:s, s:s, s:o, s:O*,"
		       " s:b, s:b, s:s, s:o, s:n, s:{}, s:s, s:s}",
		       "id", ch_id, "created", (json_int_t)s->now, "amount", (json_int_t)req->amount,
		       "amount_captured", (json_int_t)(ok ? req->amount : 0), "amount_refunded",
		       (json_int_t)0, "captured", ok, "currency", req->currency, "customer",
		       req->customer, "description", req->description, "invoice", req->invoice,
		       "payment_intent", pi_id, "payment_method", req->payment_method,
		       "payment_method_details", method_details(pm, req->amount, ok),
		       "billing_details", json_object_get(pm, "billing_details"), "paid", ok,
		       "refunded", 0, "status", ok ? "succeeded" : "failed", "outcome", outcome(&r),
		       "balance_transaction", "metadata", "gateway", g->name, "gateway_reference",
		       r.reference);
	json_object_set_new(ch, "failure_code", ok ? json_null() : json_string(r.code));
	json_object_set_new(ch, "failure_message", ok ? json_null() : json_string(r.message));

	json_t *lpe = json_null();
	if (!ok) {
		lpe = json_pack("{s:s, s:s, s:o, s:s, s:O, s:s}", "charge", ch_id, "code", r.code,
				"doc_url", doc_url(r.code), "message", r.message, "payment_method",
				shown_pm, "type", "card_error");
		if (r.decline_code[0])
			json_object_set_new(lpe, "decline_code", json_string(r.decline_code));
	}
	pi = json_pack("{s:s, s:I, s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:s?, s:s, s:n,"
		       " s:n, s:{}, s:i, s:s}",
		       "id", pi_id, "created", (json_int_t)s->now, "amount", (json_int_t)req->amount,
		       "amount_received", (json_int_t)(ok ? req->amount : 0), "currency",
		       req->currency, "customer", req->customer, "invoice", req->invoice,
		       "payment_method", req->payment_method, "status",
		       ok ? "succeeded" : "requires_payment_method", "last_payment_error", lpe,
		       "latest_charge", ch_id, "description", req->description, "client_secret",
		       secret, "canceled_at", "cancellation_reason", "metadata", "attempt",
		       req->attempt, "gateway_key", key);
	if (!pi || !ch) {
		rc = err_internal(e, "cannot build the payment intent or charge");
		goto done;
	}
	if ((rc = store_obj_insert(s->db, &svc_payment_intents_table, &s->scope, pi, e)) < 0 ||
	    (rc = store_obj_insert(s->db, &svc_charges_table, &s->scope, ch, e)) < 0)
		goto done;
	/* What a retrieve would show now, without reading back the rows just written. */
	pi_out = store_obj_as_read(&svc_payment_intents_table, &s->scope, pi);
	ch_out = store_obj_as_read(&svc_charges_table, &s->scope, ch);
	if (!pi_out || !ch_out) {
		rc = err_internal(e, "cannot show the payment intent or charge");
		goto done;
	}
	svc_payment_intent_present(pi_out, s->now);
	svc_charge_present(ch_out, s->now);
	/* payment_intent.created shows the intent as it was before the charge. */
	snapshot = json_deep_copy(pi_out);
	json_object_set_new(snapshot, "status", json_string("requires_confirmation"));
	json_object_set_new(snapshot, "amount_received", json_integer(0));
	json_object_set_new(snapshot, "latest_charge", json_null());
	json_object_set_new(snapshot, "last_payment_error", json_null());
	if ((rc = svc_event(s, "payment_intent.created", snapshot, NULL, e)) < 0 ||
	    (rc = svc_event(s, ok ? "charge.succeeded" : "charge.failed", ch_out, NULL, e)) < 0 ||
	    (rc = svc_event(s, ok ? "payment_intent.succeeded" : "payment_intent.payment_failed",
			    pi_out, NULL, e)) < 0)
		goto done;
	/* Money that arrived is on the books in the same transaction; a decline posts nothing. */
	if (ok && (rc = svc_ledger_card_payment(s, pi_id, req->customer, req->invoice,
						req->invoice_row, req->amount, req->currency,
						e)) < 0)
		goto done;
	fill_result(res, &r, pi_id, ch_id);
	if (out) {
		*out = pi_out;
		pi_out = NULL;
	}
done:
	json_decref(existing);
	json_decref(pm);
	json_decref(pi);
	json_decref(ch);
	json_decref(shown_pm);
	json_decref(pi_out);
	json_decref(ch_out);
	json_decref(snapshot);
	return rc;
}

int svc_payment_result_error(struct recur_err *e, const struct svc_payment_result *res)
{
	return svc_payments_card_error(e, res->code, res->decline_code, res->message);
}
