#include "service/payment_method.h"
#include "core/ids.h"
#include "gateways/gateway.h"
#include "service/customer.h"
#include "service/list.h"
#include "service/params.h"
#include "service/payments.h"

#include <stdio.h>
#include <string.h>

static const struct store_col cols[] = {
	{ "type", COL_TEXT, 0 },
	{ "card", COL_JSON, 0 },
	{ "billing_details", COL_JSON, 0 },
	{ "customer", COL_TEXT, 0 },
	{ "allow_redisplay", COL_TEXT, 0 },
	{ "metadata", COL_JSON, 0 },
	/* bookkeeping, dropped by present */
	{ "gateway", COL_TEXT, 0 },
	{ "gateway_token", COL_TEXT, 0 },
	{ "detached", COL_BOOL, 0 },
};

const struct store_table svc_payment_methods_table = {
	.table = "payment_methods", .object = "payment_method", .noun = "PaymentMethod",
	.cols = cols, .ncols = sizeof(cols) / sizeof(cols[0]),
};

void svc_payment_method_present(json_t *pm, int64_t now)
{
	(void)now;
	if (!pm)
		return;
	json_object_del(pm, "gateway");
	json_object_del(pm, "gateway_token");
	json_object_del(pm, "detached");
	if (!json_object_get(pm, "customer_account"))
		json_object_set_new(pm, "customer_account", json_null());
}

static const char *str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static const char *const redisplay_values[] = { "always", "limited", "unspecified", NULL };

/*
 * Applies billing_details onto existing (may be NULL) into *out: fields
 * given replace, "" unsets, address keys merge one by one.
 */
static int billing_details(json_t **out, const json_t *existing, const json_t *p,
			   struct recur_err *e)
{
	static const char *const keys[] = { "address", "email", "name", "phone", "tax_id", NULL };
	static const char *const addr_keys[] = { "city", "country", "line1", "line2",
						 "postal_code", "state", NULL };
	static const size_t limits[] = { 0, 800, 5000, 5000, 5000 };
	const json_t *bd = NULL, *addr = NULL;
	json_t *b = existing ? json_deep_copy(existing)
			     : json_pack("{s:{s:n, s:n, s:n, s:n, s:n, s:n}, s:n, s:n, s:n, s:n}",
					 "address", "city", "country", "line1", "line2",
					 "postal_code", "state", "email", "name", "phone", "tax_id");
	int rc = params_object(&bd, p, "billing_details", e);
	if (rc <= 0 || !bd)
		goto done;
	if ((rc = params_nest(e, params_only(bd, keys, e), "billing_details")) < 0)
		goto done;
	for (int i = 1; keys[i]; i++) {
		const char *v = NULL;
		if ((rc = params_nest(e, params_string(&v, bd, keys[i], limits[i], e),
				      "billing_details")) < 0)
			goto done;
		if (rc > 0)
			json_object_set_new(b, keys[i], *v ? json_string(v) : json_null());
	}
	if ((rc = params_nest(e, params_object(&addr, bd, "address", e), "billing_details")) < 0)
		goto done;
	if (rc > 0) {
		json_t *a = json_object_get(b, "address");
		if (!json_is_object(a)) {
			a = json_object();
			json_object_set_new(b, "address", a);
		}
		if (!addr) { /* address="" clears it */
			for (int i = 0; addr_keys[i]; i++)
				json_object_set_new(a, addr_keys[i], json_null());
		} else {
			if ((rc = params_only(addr, addr_keys, e)) < 0) {
				params_nest(e, params_nest(e, rc, "address"), "billing_details");
				goto done;
			}
			for (int i = 0; addr_keys[i]; i++) {
				const char *v = NULL;
				if ((rc = params_string(&v, addr, addr_keys[i], 200, e)) < 0) {
					params_nest(e, params_nest(e, rc, "address"), "billing_details");
					goto done;
				}
				if (rc > 0)
					json_object_set_new(a, addr_keys[i],
							    *v ? json_string(v) : json_null());
			}
		}
	}
	rc = 0;
done:
	if (rc < 0) {
		json_decref(b);
		return rc;
	}
	*out = b;
	return 0;
}

/* The gateway that collects in this mode, or a 400 saying there is none. */
static int mode_gateway(const struct gateway **out, struct svc *s, struct recur_err *e)
{
	*out = gateway_for_mode(s->scope.livemode);
	if (!*out)
		return err_set(e, RECUR_EINVAL, 400, "invalid_request_error", NULL, NULL,
			       "No payment gateway is configured for live mode; test payment"
			       " methods work with a test key (sk_test_...).");
	return 0;
}

/* A new payment method row (bookkeeping included) for a card the gateway described. */
static json_t *new_row(struct svc *s, const struct gateway *g, const struct gateway_card *c,
		       const char *customer, json_t *bd, json_t *md, const char *redisplay)
{
	char id[IDS_MAX];
	ids_new(id, sizeof(id), "pm");
	json_t *card = json_pack(
		"{s:s, s:{s:n, s:n, s:n}, s:s, s:s, s:i, s:i, s:s, s:s, s:n, s:s, s:{s:[s], s:n},"
		" s:n, s:{s:b}, s:n}",
		"brand", c->brand, "checks", "address_line1_check", "address_postal_code_check",
		"cvc_check", "country", c->country, "display_brand", c->brand, "exp_month",
		c->exp_month, "exp_year", c->exp_year, "fingerprint", c->fingerprint, "funding",
		c->funding, "generated_from", "last4", c->last4, "networks", "available", c->brand,
		"preferred", "regulated_status", "three_d_secure_usage", "supported", 1, "wallet");
	return json_pack("{s:s, s:I, s:s, s:o, s:O, s:s?, s:s, s:O, s:s, s:s, s:b}", "id", id,
			 "created", (json_int_t)s->now, "type", "card", "card", card,
			 "billing_details", bd, "customer", customer, "allow_redisplay",
			 redisplay ? redisplay : "unspecified", "metadata", md, "gateway", g->name,
			 "gateway_token", c->token, "detached", 0);
}

/* Reads card[token]; a card number is refused, whatever else comes with it. */
static int card_token(const char **out, const json_t *p, struct recur_err *e)
{
	static const char *const keys[] = { "token", NULL };
	const json_t *card = NULL;
	int rc;
	if ((rc = params_require(p, "card", e)) < 0 || (rc = params_object(&card, p, "card", e)) < 0)
		return rc;
	if (!card)
		return err_set(e, RECUR_EINVAL, 400, "invalid_request_error", "parameter_missing",
			       "card", "Missing required param: card.");
	if (json_object_get(card, "number"))
		return err_invalid(e, "card[number]", "recur never takes card numbers. Use a test"
				   " payment method in card[token], such as pm_card_visa or tok_visa.");
	if ((rc = params_only(card, keys, e)) < 0 || (rc = params_require(card, "token", e)) < 0 ||
	    (rc = params_string(out, card, "token", 255, e)) < 0)
		return params_nest(e, rc, "card");
	return 0;
}

static const char *const create_params[] = { "type", "card", "billing_details", "metadata",
					     "allow_redisplay", NULL };

int svc_payment_method_create(json_t **out, struct svc *s, const json_t *p, struct recur_err *e)
{
	static const char *const types[] = { "card", NULL };
	const struct gateway *g = NULL;
	const char *type = NULL, *token = NULL, *redisplay = NULL;
	struct gateway_card card;
	json_t *bd = NULL, *md = NULL, *row = NULL;
	int rc;
	*out = NULL;
	if ((rc = params_only(p, create_params, e)) < 0 || (rc = params_require(p, "type", e)) < 0 ||
	    (rc = params_enum(&type, p, "type", types, e)) < 0 ||
	    (rc = card_token(&token, p, e)) < 0 ||
	    (rc = params_enum(&redisplay, p, "allow_redisplay", redisplay_values, e)) < 0 ||
	    (rc = billing_details(&bd, NULL, p, e)) < 0 ||
	    (rc = params_metadata(&md, NULL, p, e)) < 0 || (rc = mode_gateway(&g, s, e)) < 0)
		goto done;
	struct gateway_ctx ctx = svc_payments_gateway_ctx(s, s->now);
	if ((rc = g->card(&card, &ctx, token, e)) < 0) {
		snprintf(e->param, sizeof(e->param), "card[token]");
		goto done;
	}
	row = new_row(s, g, &card, NULL, bd, md, redisplay);
	if ((rc = svc_begin(s, e)) < 0)
		goto done;
	/* Stripe sends no event for a payment method that is only created. */
	if ((rc = store_obj_insert(s->db, &svc_payment_methods_table, &s->scope, row, e)) >= 0)
		rc = store_obj_get(out, s->db, &svc_payment_methods_table, &s->scope, str(row, "id"),
				   e);
	rc = svc_finish(s, rc, e);
done:
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	} else {
		svc_payment_method_present(*out, s->now);
	}
	json_decref(bd);
	json_decref(md);
	json_decref(row);
	return rc;
}

int svc_payment_method_retrieve(json_t **out, struct svc *s, const char *id, struct recur_err *e)
{
	int rc = store_obj_get(out, s->db, &svc_payment_methods_table, &s->scope, id, e);
	if (rc == 0)
		svc_payment_method_present(*out, s->now);
	return rc;
}

static const char *const update_params[] = { "billing_details", "metadata", "allow_redisplay",
					     NULL };

int svc_payment_method_update(json_t **out, struct svc *s, const char *id, const json_t *p,
			      struct recur_err *e)
{
	json_t *before = NULL, *row = NULL, *bd = NULL, *md = NULL, *shown = NULL;
	const char *redisplay = NULL;
	int rc;
	*out = NULL;
	if ((rc = params_only(p, update_params, e)) < 0 ||
	    (rc = params_enum(&redisplay, p, "allow_redisplay", redisplay_values, e)) < 0)
		return rc;
	if ((rc = svc_begin(s, e)) < 0)
		return rc;
	if ((rc = store_obj_get(&before, s->db, &svc_payment_methods_table, &s->scope, id, e)) < 0)
		goto done;
	if (!str(before, "customer")) {
		rc = err_set(e, RECUR_EINVAL, 400, "invalid_request_error", NULL, NULL,
			     "You must save this PaymentMethod to a customer before you can update it.");
		goto done;
	}
	if ((rc = billing_details(&bd, json_object_get(before, "billing_details"), p, e)) < 0 ||
	    (rc = params_metadata(&md, json_object_get(before, "metadata"), p, e)) < 0)
		goto done;
	row = json_deep_copy(before);
	json_object_set(row, "billing_details", bd);
	json_object_set(row, "metadata", md);
	if (redisplay)
		json_object_set_new(row, "allow_redisplay", json_string(redisplay));
	shown = json_deep_copy(before);
	svc_payment_method_present(shown, s->now);
	rc = svc_update_object(out, s, &svc_payment_methods_table, shown, row,
			       svc_payment_method_present, e);
done:
	rc = svc_finish(s, rc, e);
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	}
	json_decref(before);
	json_decref(row);
	json_decref(bd);
	json_decref(md);
	json_decref(shown);
	return rc;
}

/* Loads the customer a parameter names; a missing one is a 400 on that parameter. */
static int param_customer(json_t **out, struct svc *s, const char *id, const char *param,
			  struct recur_err *e)
{
	int rc = store_obj_get(out, s->db, &svc_customers_table, &s->scope, id, e);
	if (rc == RECUR_ENOTFOUND) {
		e->status = 400;
		snprintf(e->param, sizeof(e->param), "%s", param);
	}
	return rc;
}

/* Stripe verifies a card when it is saved; a decline is a 402 and saves nothing. */
static int verify(struct svc *s, const struct gateway *g, const char *token, struct recur_err *e)
{
	struct gateway_result r;
	struct gateway_ctx ctx = svc_payments_gateway_ctx(s, s->now);
	int rc = g->verify(&r, &ctx, token, e);
	if (rc < 0)
		return rc;
	if (r.status == GATEWAY_SUCCEEDED)
		return 0;
	return svc_payments_card_error(e, r.code, r.decline_code, r.message);
}

static const char *const attach_params[] = { "customer", NULL };

int svc_payment_method_attach(json_t **out, struct svc *s, const char *id, const json_t *p,
			      struct recur_err *e)
{
	const struct gateway *g = NULL;
	const char *customer = NULL;
	struct gateway_card card;
	json_t *cus = NULL, *pm = NULL, *row = NULL, *bd = NULL, *md = NULL;
	int rc;
	*out = NULL;
	if ((rc = params_only(p, attach_params, e)) < 0 ||
	    (rc = params_require(p, "customer", e)) < 0 ||
	    (rc = params_string(&customer, p, "customer", 255, e)) < 0)
		return rc;
	if ((rc = svc_begin(s, e)) < 0)
		return rc;
	if ((rc = param_customer(&cus, s, customer, "customer", e)) < 0)
		goto done;
	rc = store_obj_get(&pm, s->db, &svc_payment_methods_table, &s->scope, id, e);
	if (rc == RECUR_ENOTFOUND && (g = gateway_for_mode(s->scope.livemode))) {
		/* Not a saved method: a test token (pm_card_visa) makes a new one. */
		struct recur_err ignored;
		struct gateway_ctx ctx = svc_payments_gateway_ctx(s, s->now);
		if (g->card(&card, &ctx, id, &ignored) == 0 && strncmp(id, "pm_", 3) == 0) {
			if ((rc = verify(s, g, card.token, e)) < 0 ||
			    (rc = billing_details(&bd, NULL, NULL, e)) < 0)
				goto done;
			md = json_object();
			row = new_row(s, g, &card, customer, bd, md, NULL);
			if ((rc = store_obj_insert(s->db, &svc_payment_methods_table, &s->scope, row,
						   e)) < 0 ||
			    (rc = store_obj_get(out, s->db, &svc_payment_methods_table, &s->scope,
						str(row, "id"), e)) < 0)
				goto done;
			svc_payment_method_present(*out, s->now);
			rc = svc_event(s, "payment_method.attached", *out, NULL, e);
			goto done;
		}
	}
	if (rc < 0)
		goto done;
	const char *owner = str(pm, "customer");
	if (json_is_true(json_object_get(pm, "detached"))) {
		rc = err_set(e, RECUR_EINVAL, 400, "invalid_request_error", NULL, NULL,
			     "This PaymentMethod was previously used without being attached to a"
			     " Customer or was detached from a Customer, and may not be used again.");
		goto done;
	}
	if (owner && strcmp(owner, customer) == 0) { /* already there: nothing changes */
		*out = json_incref(pm);
		svc_payment_method_present(*out, s->now);
		goto done;
	}
	if (owner) {
		rc = err_set(e, RECUR_EINVAL, 400, "invalid_request_error", NULL, NULL,
			     "The payment method you provided has already been attached to a customer.");
		goto done;
	}
	if (!(g = gateway_find(str(pm, "gateway")))) {
		rc = err_internal(e, "payment method %s names an unknown gateway", id);
		goto done;
	}
	if ((rc = verify(s, g, str(pm, "gateway_token"), e)) < 0)
		goto done;
	row = json_deep_copy(pm);
	json_object_set_new(row, "customer", json_string(customer));
	if ((rc = store_obj_update(s->db, &svc_payment_methods_table, &s->scope, row, e)) < 0 ||
	    (rc = store_obj_get(out, s->db, &svc_payment_methods_table, &s->scope, id, e)) < 0)
		goto done;
	svc_payment_method_present(*out, s->now);
	rc = svc_event(s, "payment_method.attached", *out, NULL, e);
done:
	rc = svc_finish(s, rc, e);
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	}
	json_decref(cus);
	json_decref(pm);
	json_decref(row);
	json_decref(bd);
	json_decref(md);
	return rc;
}

/* Clears the customer's invoice_settings.default_payment_method if it names pm. */
static int drop_customer_default(struct svc *s, const char *customer, const char *pm,
				 struct recur_err *e)
{
	json_t *before = NULL, *after = NULL, *updated = NULL;
	int rc = store_obj_get(&before, s->db, &svc_customers_table, &s->scope, customer, e);
	if (rc == RECUR_ENOTFOUND)
		return 0; /* a deleted customer has no defaults to keep straight */
	if (rc < 0)
		return rc;
	const char *dflt = str(json_object_get(before, "invoice_settings"),
			       "default_payment_method");
	if (dflt && strcmp(dflt, pm) == 0) {
		after = json_deep_copy(before);
		json_object_set_new(json_object_get(after, "invoice_settings"),
				    "default_payment_method", json_null());
		rc = svc_update_object(&updated, s, &svc_customers_table, before, after, NULL, e);
	}
	json_decref(before);
	json_decref(after);
	json_decref(updated);
	return rc;
}

int svc_payment_method_detach(json_t **out, struct svc *s, const char *id, const json_t *p,
			      struct recur_err *e)
{
	static const char *const none[] = { NULL };
	json_t *pm = NULL, *row = NULL, *prev = NULL;
	int rc;
	*out = NULL;
	if ((rc = params_only(p, none, e)) < 0)
		return rc;
	if ((rc = svc_begin(s, e)) < 0)
		return rc;
	if ((rc = store_obj_get(&pm, s->db, &svc_payment_methods_table, &s->scope, id, e)) < 0)
		goto done;
	const char *owner = str(pm, "customer");
	if (!owner) {
		rc = err_set(e, RECUR_EINVAL, 400, "invalid_request_error", NULL, NULL,
			     "The payment method you provided is not attached to a customer so"
			     " detachment is impossible.");
		goto done;
	}
	prev = json_pack("{s:s}", "customer", owner);
	row = json_deep_copy(pm);
	json_object_set_new(row, "customer", json_null());
	json_object_set_new(row, "detached", json_true());
	if ((rc = store_obj_update(s->db, &svc_payment_methods_table, &s->scope, row, e)) < 0 ||
	    (rc = store_obj_get(out, s->db, &svc_payment_methods_table, &s->scope, id, e)) < 0)
		goto done;
	svc_payment_method_present(*out, s->now);
	if ((rc = svc_event(s, "payment_method.detached", *out, prev, e)) < 0)
		goto done;
	rc = drop_customer_default(s, owner, id, e);
done:
	rc = svc_finish(s, rc, e);
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	}
	json_decref(pm);
	json_decref(row);
	json_decref(prev);
	return rc;
}

/* Lists with the filters both list endpoints share; customer may be NULL. */
static int list(json_t **out, struct svc *s, const char *customer, const json_t *p,
		const char *const allowed[], const char *url, struct recur_err *e)
{
	struct svc_list l;
	const char *type = NULL;
	int rc;
	if ((rc = params_only(p, allowed, e)) < 0 || (rc = svc_list_params(&l, p, e)) < 0 ||
	    (rc = params_string(&type, p, "type", 64, e)) < 0)
		return rc;
	if (customer && *customer)
		svc_list_filter(&l, "customer", "=", SV_TEXT(customer));
	/* Stripe accepts every payment method type here; recur has cards only. */
	if (type && *type)
		svc_list_filter(&l, "type", "=", SV_TEXT(type));
	if ((rc = svc_list(out, s, &svc_payment_methods_table, &l, url, e)) < 0)
		return rc;
	size_t i;
	json_t *pm;
	json_array_foreach(json_object_get(*out, "data"), i, pm)
		svc_payment_method_present(pm, s->now);
	return 0;
}

static const char *const list_params[] = { SVC_LIST_PARAMS, "customer", "type", NULL };

int svc_payment_method_list(json_t **out, struct svc *s, const json_t *p, struct recur_err *e)
{
	const char *customer = NULL;
	int rc;
	*out = NULL;
	if ((rc = params_string(&customer, p, "customer", 255, e)) < 0)
		return rc;
	return list(out, s, customer, p, list_params, "/v1/payment_methods", e);
}

static const char *const customer_list_params[] = { SVC_LIST_PARAMS, "type", NULL };

int svc_payment_method_list_customer(json_t **out, struct svc *s, const char *customer,
				     const json_t *p, struct recur_err *e)
{
	char url[128];
	json_t *cus = NULL;
	int rc;
	*out = NULL;
	if ((rc = store_obj_get(&cus, s->db, &svc_customers_table, &s->scope, customer, e)) < 0)
		return rc;
	json_decref(cus);
	snprintf(url, sizeof(url), "/v1/customers/%s/payment_methods", customer);
	return list(out, s, customer, p, customer_list_params, url, e);
}

/* 1 with *out the stored row when id names a method attached to customer, else 0. */
static int usable(json_t **out, struct svc *s, const char *id, const char *customer,
		  struct recur_err *e)
{
	json_t *pm = NULL;
	*out = NULL;
	if (!id || !*id || !customer)
		return 0;
	int rc = store_obj_get(&pm, s->db, &svc_payment_methods_table, &s->scope, id, e);
	if (rc == RECUR_ENOTFOUND)
		return 0;
	if (rc < 0)
		return rc;
	const char *owner = str(pm, "customer");
	if (!owner || strcmp(owner, customer) != 0 || json_is_true(json_object_get(pm, "detached"))) {
		json_decref(pm);
		return 0;
	}
	*out = pm;
	return 1;
}

int svc_payment_method_resolve(json_t **out, struct svc *s, const char *subscription_default,
			       const json_t *customer, struct recur_err *e)
{
	const char *cus = str(customer, "id");
	const char *dflt = str(json_object_get(customer, "invoice_settings"),
			       "default_payment_method");
	int rc = usable(out, s, subscription_default, cus, e);
	if (rc != 0)
		return rc;
	return usable(out, s, dflt, cus, e);
}

int svc_payment_method_check(struct svc *s, const char *customer, const char *pm,
			     const char *param, struct recur_err *e)
{
	json_t *row = NULL;
	int rc = usable(&row, s, pm, customer, e);
	json_decref(row);
	if (rc < 0)
		return rc;
	if (rc == 1)
		return 0;
	if (pm && strncmp(pm, "pm_", 3) == 0) {
		rc = store_obj_get(&row, s->db, &svc_payment_methods_table, &s->scope, pm, e);
		json_decref(row);
		if (rc < 0 && rc != RECUR_ENOTFOUND)
			return rc;
		if (rc == 0)
			return err_set(e, RECUR_EINVAL, 400, "invalid_request_error",
				       "resource_missing", param,
				       "The customer does not have a payment method with the ID %s."
				       " The payment method must be attached to the customer.", pm);
	}
	return err_set(e, RECUR_EINVAL, 400, "invalid_request_error", "resource_missing", param,
		       "No such PaymentMethod: '%s'", pm ? pm : "");
}
