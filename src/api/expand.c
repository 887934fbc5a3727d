/*
 * expand.c - Stripe's expand[]: replace an id with the object it names.
 *
 * Paths are dotted ("latest_invoice.payment_intent"); on a list, "data.x"
 * expands x in every element. The id's prefix says where the object lives.
 * Stripe allows four levels; so do we.
 */
#include "api/api.h"
#include "service/coupon.h"
#include "service/customer.h"
#include "service/invoice.h"
#include "service/invoiceitem.h"
#include "service/price.h"
#include "service/product.h"
#include "service/tax_rate.h"
#include "service/test_clock.h"
#include "service/subscription.h"
#include "service/promotion_code.h"
#include "service/payments.h"

#include <stdio.h>
#include <string.h>

#define EXPAND_MAX_DEPTH 4

struct expandable {
	const char *prefix; /* id prefix, or the field name for ids callers may choose */
	const struct store_table *table;
};

/* Fields whose ids may be chosen by the caller are found by the field's name. */
static const struct expandable fields[] = {
	{ "product", &svc_products_table },
	{ "default_price", &svc_prices_table },
	{ "price", &svc_prices_table },
	{ "customer", &svc_customers_table },
	{ "test_clock", &svc_test_clocks_table },
	{ "invoice", &svc_invoices_table },
	{ "latest_invoice", &svc_invoices_table },
};

static const struct expandable kinds[] = {
	{ "cus_", &svc_customers_table },
	{ "prod_", &svc_products_table },
	{ "price_", &svc_prices_table },
	{ "txr_", &svc_tax_rates_table },
	{ "clock_", &svc_test_clocks_table },
	{ "promo_", &svc_promotion_codes_table },
	{ "in_", &svc_invoices_table },
	{ "ii_", &svc_invoiceitems_table },
	{ "pm_", &svc_payment_methods_table }, { "pi_", &svc_payment_intents_table },
	{ "ch_", &svc_charges_table }, { "re_", &svc_refunds_table },
};

/*
 * The fields Stripe documents as expandable (ids that name another object) or
 * includable (tiers, currency_options, applies_to: left out unless asked for).
 * Anything else is refused, even when its value happens to be null; otherwise
 * expand[]=email would pass on a customer without an email and fail on one
 * with it.
 */
static const char *const expandable_fields[] = {
	"applies_to", "charge", "coupon", "currency_options", "customer", "default_payment_method",
	"default_price", "default_source", "invoice", "latest_charge", "latest_invoice",
	"payment_intent", "payment_method", "payments", "price", "product", "promotion_code",
	"refund", "schedule", "subscription", "test_clock", "tiers", NULL
};

static int is_expandable(const char *field)
{
	for (int i = 0; expandable_fields[i]; i++)
		if (strcmp(expandable_fields[i], field) == 0)
			return 1;
	return 0;
}

/* Includable fields: an object that has none simply has nothing to include. */
static int is_includable(const char *field)
{
	return strcmp(field, "applies_to") == 0 || strcmp(field, "currency_options") == 0 ||
	       strcmp(field, "tiers") == 0;
}

static int cannot(struct recur_err *e, const char *path)
{
	return err_invalid(e, "expand", "This property cannot be expanded (%s).", path);
}

static int expand_path(json_t *obj, const char *path, const char *full, int depth,
		       struct api_call *c, struct recur_err *e)
{
	char seg[128];
	const char *dot = strchr(path, '.');
	size_t n = dot ? (size_t)(dot - path) : strlen(path);
	if (depth >= EXPAND_MAX_DEPTH)
		return err_invalid(e, "expand", "You cannot expand more than %d levels of a property (%s).",
				   EXPAND_MAX_DEPTH, full);
	if (n == 0 || n >= sizeof(seg) || !json_is_object(obj))
		return cannot(e, full);
	memcpy(seg, path, n);
	seg[n] = '\0';
	const char *type = json_string_value(json_object_get(obj, "object"));
	if (strcmp(seg, "data") == 0 && type &&
	    (strcmp(type, "list") == 0 || strcmp(type, "search_result") == 0)) {
		if (!dot)
			return cannot(e, full);
		size_t i;
		json_t *item;
		json_array_foreach(json_object_get(obj, "data"), i, item) {
			int rc = expand_path(item, dot + 1, full, depth, c, e);
			if (rc < 0)
				return rc;
		}
		return 0;
	}
	json_t *v = json_object_get(obj, seg);
	if (!v)
		return !dot && is_includable(seg) ? 0 : cannot(e, full);
	/* A field not on the list may only be passed through on the way to one
	 * that is ("invoice_settings.default_payment_method"). */
	if (!is_expandable(seg) && (!dot || !json_is_object(v)))
		return cannot(e, full);
	if (json_is_array(v) && !dot)
		return 0; /* an includable list (tiers) is rendered whole */
	if (json_is_string(v)) {
		const char *id = json_string_value(v);
		const struct expandable *k = NULL;
		for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
			if (strcmp(seg, fields[i].prefix) == 0)
				k = &fields[i];
		for (size_t i = 0; !k && i < sizeof(kinds) / sizeof(kinds[0]); i++)
			if (strncmp(id, kinds[i].prefix, strlen(kinds[i].prefix)) == 0)
				k = &kinds[i];
		if (!k)
			return cannot(e, full);
		json_t *loaded = NULL;
		bool deleted = false;
		/* Invoices and items render more than their row holds. */
		int rc = k->table == &svc_invoices_table ? svc_invoice_retrieve(&loaded, &c->svc, id, e)
			 : k->table == &svc_invoiceitems_table
				 ? svc_invoiceitem_retrieve(&loaded, &c->svc, id, e)
				 : svc_payments_owns(k->table) ? svc_payments_retrieve(&loaded, &c->svc, k->table, id, e)
				 : store_obj_get_any(&loaded, &deleted, c->svc.db, k->table,
						     &c->svc.scope, id, e);
		if (rc < 0)
			return rc;
		if (deleted) {
			json_decref(loaded);
			loaded = json_pack("{s:s, s:s, s:b}", "id", id, "object", k->table->object,
					   "deleted", 1);
		}
		json_object_set_new(obj, seg, loaded);
		v = loaded;
	} else if (!json_is_null(v) && !json_is_object(v)) {
		return cannot(e, full);
	}
	if (!dot || json_is_null(v))
		return 0;
	return expand_path(v, dot + 1, full, depth + 1, c, e);
}

/*
 * What can be known about a path without the object: every segment named, the
 * last one a field Stripe lets expand[] name, at most four levels ("data." on
 * a list is not a level). Run before the handler, so that a POST with a bad
 * expand[] is refused before it changes anything rather than after.
 */
static int check_path(const char *path)
{
	int levels = 0;
	for (;;) {
		const char *dot = strchr(path, '.');
		size_t n = dot ? (size_t)(dot - path) : strlen(path);
		char seg[128];
		if (n == 0 || n >= sizeof(seg))
			return -1;
		memcpy(seg, path, n);
		seg[n] = '\0';
		if (strcmp(seg, "data") != 0 && ++levels > EXPAND_MAX_DEPTH)
			return -2;
		if (!dot)
			return is_expandable(seg) ? 0 : -1;
		path = dot + 1;
	}
}

int api_expand_check(const json_t *expand, struct recur_err *e)
{
	size_t i;
	json_t *p;
	json_array_foreach(expand, i, p) {
		const char *path = json_string_value(p);
		int rc = check_path(path);
		if (rc == -2)
			err_invalid(e, "expand", "You cannot expand more than %d levels of a property (%s).",
				    EXPAND_MAX_DEPTH, path);
		else if (rc < 0)
			cannot(e, path);
		if (rc < 0) {
			snprintf(e->param, sizeof(e->param), "expand[%zu]", i);
			return RECUR_EINVAL;
		}
	}
	return 0;
}

int api_expand(json_t *obj, struct api_call *c, struct recur_err *e)
{
	size_t i;
	json_t *p;
	json_array_foreach(c->expand, i, p) {
		int rc = expand_path(obj, json_string_value(p), json_string_value(p), 0, c, e);
		if (rc < 0) {
			snprintf(e->param, sizeof(e->param), "expand[%zu]", i);
			return rc;
		}
	}
	return 0;
}
