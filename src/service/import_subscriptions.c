/*
 * import_subscriptions.c - the subscriptions import type: one subscription
 * per row with up to five items (price, quantity, price_2, quantity_2, ...),
 * the next billing date and the period the old system has billed. Rows name
 * customers by id or external_id and prices by id or lookup_key; a row that
 * names an existing subscription (id or external_id) corrects it
 * (svc_subscription_import, docs/import.md).
 */
#include "service/import_internal.h"

#include "core/ids.h"
#include "service/customer.h"
#include "service/discount.h"
#include "service/price.h"
#include "service/subscription.h"

#include <stdio.h>
#include <string.h>

#define ITEMS 5

static const char *const cols[] = {
	"id", "external_id", "customer", "status", "price", "quantity", "price_2", "quantity_2",
	"price_3", "quantity_3", "price_4", "quantity_4", "price_5", "quantity_5",
	"current_period_start", "next_billing_date", "trial_end", "coupon", "collection_method",
	"days_until_due", "cancel_at_period_end", NULL
};
static const char *const required[] = { "customer", "price", "next_billing_date", NULL };
static const char *const example1[] = {
	"", "OLD-SUB-2291", "CRM-10001", "active", "basic_monthly_nok", "3", "", "", "", "", "",
	"", "", "", "2026-11-01", "2026-12-01", "", "", "charge_automatically", "", "false"
};
static const char *const example2[] = {
	"", "OLD-SUB-2292", "CRM-10002", "trialing", "pro_yearly_sek", "1", "", "", "", "", "", "",
	"", "", "2026-11-15", "2026-12-15", "2026-12-15", "", "send_invoice", "14", "false"
};
static const char *const price_cols[ITEMS] = { "price", "price_2", "price_3", "price_4", "price_5" };
static const char *const quantity_cols[ITEMS] = { "quantity", "quantity_2", "quantity_3",
						  "quantity_4", "quantity_5" };

static const char *const param_map[] = {
	"items[0][quantity]", "quantity", "items[0]", "price",
	"items[1][quantity]", "quantity_2", "items[1]", "price_2",
	"items[2][quantity]", "quantity_3", "items[2]", "price_3",
	"items[3][quantity]", "quantity_4", "items[3]", "price_4",
	"items[4][quantity]", "quantity_5", "items[4]", "price_5", "items", "price",
	"current_period_end", "next_billing_date", "current_period_start", "current_period_start",
	"trial_end", "trial_end", "coupon", "coupon", "collection_method", "collection_method",
	"days_until_due", "days_until_due", "cancel_at_period_end", "cancel_at_period_end",
	"customer", "customer", "id", "id", "external_id", "external_id", "status", "status", NULL
};

/* An object of t by recur id, else the one whose key column holds ref; 1 when found. */
static int resolve(char *id, size_t cap, struct svc *s, const struct store_table *t,
		   const char *key_col, const char *ref, struct recur_err *e)
{
	int rc = svc_find_id(id, cap, s, t, "id", ref, e);
	return rc != 0 ? rc : svc_find_id(id, cap, s, t, key_col, ref, e);
}

/* The subscription the row names: by id (must exist) or external_id (may not). */
static int find(char *id, size_t cap, struct imp_run *r, const struct imp_row *row,
		struct recur_err *e)
{
	struct svc *s = imp_svc(r);
	const char *given = NULL, *ext = NULL;
	int rc;
	*id = '\0';
	if (imp_text(&given, r, row, "id", IDS_MAX - 1) < 0 ||
	    imp_text(&ext, r, row, "external_id", 255) < 0)
		return IMP_ROW_FAILED;
	if (given) {
		json_t *sub = NULL;
		rc = store_obj_get(&sub, s->db, &svc_subscriptions_table, &s->scope, given, e);
		json_decref(sub);
		if (rc == RECUR_ENOTFOUND)
			return imp_error(r, row, "id", "No such subscription: %s", given);
		if (rc == 0)
			snprintf(id, cap, "%s", given);
		return rc;
	}
	if (ext && (rc = svc_subscription_by_external_id(id, cap, s, ext, e)) < 0)
		return rc;
	return 0;
}

/* items[] from price/quantity pairs; every bad cell is reported. */
static int items(json_t *p, struct imp_run *r, const struct imp_row *row, struct recur_err *e)
{
	struct svc *s = imp_svc(r);
	json_t *list = json_array();
	int bad = 0;
	for (int i = 0; i < ITEMS; i++) {
		const char *ref = NULL;
		int64_t qty = 1;
		char id[IDS_MAX];
		int has_qty = imp_int(&qty, r, row, quantity_cols[i], 0, 1000000000);
		if (has_qty < 0)
			bad = has_qty;
		if (imp_text(&ref, r, row, price_cols[i], 200) <= 0) {
			if (has_qty > 0)
				bad = imp_error(r, row, quantity_cols[i], "A quantity needs its price");
			continue;
		}
		int rc = resolve(id, sizeof(id), s, &svc_prices_table, "lookup_key", ref, e);
		if (rc < 0) {
			json_decref(list);
			return rc;
		}
		if (rc == 0) {
			bad = imp_error(r, row, price_cols[i], "No price with the id or lookup_key '%s'",
					ref);
			continue;
		}
		json_array_append_new(list, json_pack("{s:s, s:I}", "price", id, "quantity",
						      (json_int_t)qty));
	}
	if (!bad && json_array_size(list) == 0)
		bad = imp_error(r, row, "price", "A subscription needs at least one price");
	json_object_set_new(p, "items", list);
	return bad;
}

static void put_date(json_t *p, const char *key, int64_t t)
{
	json_object_set_new(p, key, json_integer(t));
}

static int apply(struct imp_run *r, const struct imp_row *row, enum svc_outcome *oc,
		 struct recur_err *e)
{
	struct svc *s = imp_svc(r);
	char sub[IDS_MAX], cus[IDS_MAX];
	const char *ref = NULL, *v = NULL;
	int64_t t = 0, days = 0;
	bool cancel = false;
	json_t *p = json_object(), *out = NULL;
	int rc, bad = 0;

	if ((rc = find(sub, sizeof(sub), r, row, e)) < 0)
		bad = rc;
	if (*sub)
		json_object_set_new(p, "id", json_string(sub));
	if (imp_text(&ref, r, row, "customer", 255) <= 0) {
		bad = imp_error(r, row, "customer", "A customer (id or external_id) is required");
	} else if ((rc = resolve(cus, sizeof(cus), s, &svc_customers_table, "external_id", ref,
				 e)) < 0) {
		bad = rc;
	} else if (rc == 0) {
		bad = imp_error(r, row, "customer", "No customer with the id or external_id '%s'",
				ref);
	} else {
		json_object_set_new(p, "customer", json_string(cus));
	}
	if ((rc = items(p, r, row, e)) < 0)
		bad = rc;
	if ((rc = imp_date(&t, r, row, "next_billing_date")) == 0)
		bad = imp_error(r, row, "next_billing_date", "The next billing date is required");
	else if (rc > 0)
		put_date(p, "current_period_end", t);
	else
		bad = rc;
	if ((rc = imp_date(&t, r, row, "current_period_start")) > 0)
		put_date(p, "current_period_start", t);
	else if (rc < 0)
		bad = rc;
	if ((rc = imp_date(&t, r, row, "trial_end")) > 0)
		put_date(p, "trial_end", t);
	else if (rc < 0)
		bad = rc;
	static const char *const text[] = { "external_id", "status", "collection_method", NULL };
	for (int i = 0; text[i]; i++) {
		v = NULL;
		if ((rc = imp_text(&v, r, row, text[i], 255)) > 0)
			json_object_set_new(p, text[i], json_string(v));
		else if (rc < 0)
			bad = rc;
	}
	if (imp_has(row, &imp_subscriptions, "coupon"))
		json_object_set_new(p, "coupon", json_string(row->vals[imp_col(&imp_subscriptions,
									       "coupon")]));
	if ((rc = imp_int(&days, r, row, "days_until_due", 0, 730)) > 0)
		json_object_set_new(p, "days_until_due", json_integer(days));
	else if (rc < 0)
		bad = rc;
	if ((rc = imp_bool(&cancel, r, row, "cancel_at_period_end")) > 0)
		json_object_set_new(p, "cancel_at_period_end", json_boolean(cancel));
	else if (rc < 0)
		bad = rc;
	imp_put_metadata(p, row);
	if (bad)
		goto done;
	if ((rc = svc_subscription_import(&out, oc, s, p, e)) < 0)
		rc = imp_fail(r, row, param_map, rc, e);
done:
	json_decref(p);
	json_decref(out);
	return bad ? bad : rc;
}

struct export_ctx {
	struct imp_export *x;
	struct svc *s;
};

static int export_one(void *ctx, const json_t *sub, struct recur_err *e)
{
	struct export_ctx *c = ctx;
	struct svc *s = c->s;
	const char *id = json_string_value(json_object_get(sub, "id"));
	struct store_filter f = { .col = "subscription", .op = "=", .val = SV_TEXT(id) };
	struct store_page pg = { .limit = ITEMS + 1 };
	json_t *its = NULL, *disc = NULL;
	bool more = false;
	char qty[ITEMS][24], cps[32], cpe[32], te[32], days[24];
	const char *f_[IMP_MAX_COLS] = { 0 };
	int rc = store_obj_list(&its, &more, s->db, &svc_subscription_items_table, &s->scope, &f, 1,
				&pg, e);
	if (rc < 0)
		return rc;
	const json_t *dl = json_object_get(sub, "discounts");
	if (json_array_size(dl) &&
	    (rc = store_obj_get(&disc, s->db, &svc_discounts_table, &s->scope,
				json_string_value(json_array_get(dl, 0)), e)) < 0)
		goto done;
	f_[0] = id;
	f_[1] = json_string_value(json_object_get(sub, "external_id"));
	f_[2] = json_string_value(json_object_get(sub, "customer"));
	f_[3] = json_string_value(json_object_get(sub, "status"));
	/* the list is newest first: items in the order they were added */
	size_t n = json_array_size(its);
	if (n > ITEMS) {
		rc = err_invalid(e, "type", "The subscription %s has more than %d items, which the"
				 " CSV format does not carry", id, ITEMS);
		goto done;
	}
	for (size_t i = 0; i < n && i < ITEMS; i++) {
		const json_t *it = json_array_get(its, n - 1 - i);
		snprintf(qty[i], sizeof(qty[i]), "%lld",
			 (long long)json_integer_value(json_object_get(it, "quantity")));
		f_[4 + 2 * i] = json_string_value(json_object_get(it, "price"));
		f_[5 + 2 * i] = qty[i];
	}
	imp_format_date(cps, sizeof(cps), json_integer_value(json_object_get(sub,
			"current_period_start")));
	imp_format_date(cpe, sizeof(cpe), json_integer_value(json_object_get(sub,
			"current_period_end")));
	f_[14] = cps;
	f_[15] = cpe;
	if (json_is_integer(json_object_get(sub, "trial_end")) &&
	    strcmp(f_[3], "trialing") == 0) {
		imp_format_date(te, sizeof(te), json_integer_value(json_object_get(sub, "trial_end")));
		f_[16] = te;
	}
	f_[17] = json_string_value(json_object_get(json_object_get(disc, "coupon"), "id"));
	f_[18] = json_string_value(json_object_get(sub, "collection_method"));
	if (json_is_integer(json_object_get(sub, "days_until_due"))) {
		snprintf(days, sizeof(days), "%lld",
			 (long long)json_integer_value(json_object_get(sub, "days_until_due")));
		f_[19] = days;
	}
	f_[20] = json_is_true(json_object_get(sub, "cancel_at_period_end")) ? "true" : "false";
	rc = imp_export_row(c->x, f_, json_object_get(sub, "metadata"), e);
done:
	json_decref(its);
	json_decref(disc);
	return rc;
}

static int export(struct imp_export *x, struct svc *s, struct recur_err *e)
{
	static const struct store_val live[] = { { .type = STORE_TEXT, .s = "active" },
						 { .type = STORE_TEXT, .s = "trialing" },
						 { .type = STORE_TEXT, .s = "past_due" } };
	struct store_filter f = { .col = "status", .op = "IN", .in = live, .nin = 3 };
	struct export_ctx c = { x, s };
	int rc = imp_export_header(x, &imp_subscriptions, s, "subscriptions", e);
	return rc < 0 ? rc : imp_export_each(s, &svc_subscriptions_table, &f, 1, export_one, &c, e);
}

const struct imp_type imp_subscriptions = {
	.name = "subscriptions", .cols = cols, .required = required,
	.examples = { example1, example2 }, .metadata = true, .apply = apply, .export = export,
	.one_use_case = true,
};
