/*
 * subscription.c - creating, reading and listing subscriptions, and how they
 * look on the wire. Changes (update, cancel) are in subscription_change.c,
 * pause and resume in subscription_resume.c, renewals and other due work in renewal.c; the shared
 * pieces between them are in subscription_internal.h.
 */
#include "service/subscription.h"
#include "service/payment_method.h"
#include "core/ids.h"
#include "core/money.h"
#include "service/customer.h"
#include "service/invoice.h"
#include "service/list.h"
#include "service/params.h"
#include "service/price.h"
#include "service/product.h"
#include "billing/tax.h"
#include "service/subscription_internal.h"
#include "service/tax_rate.h"
#include "service/test_clock.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static const struct store_col sub_cols[] = {
	{ "customer", COL_TEXT, 0 },
	{ "status", COL_TEXT, 0 },
	{ "currency", COL_TEXT, 0 },
	{ "collection_method", COL_TEXT, 0 },
	{ "days_until_due", COL_INT, 0 },
	{ "billing_cycle_anchor", COL_INT, 0 },
	{ "billing_cycle_anchor_config", COL_JSON, 0 },
	{ "cancel_at", COL_INT, 0 },
	{ "cancel_at_period_end", COL_BOOL, 0 },
	{ "canceled_at", COL_INT, 0 },
	{ "cancellation_details", COL_JSON, 0 },
	{ "ended_at", COL_INT, 0 },
	{ "start_date", COL_INT, 0 },
	{ "trial_start", COL_INT, 0 },
	{ "trial_end", COL_INT, 0 },
	{ "trial_settings", COL_JSON, 0 },
	{ "default_payment_method", COL_TEXT, 0 },
	{ "default_tax_rates", COL_JSON, 0 },
	{ "description", COL_TEXT, 0 },
	{ "discounts", COL_JSON, 0 },
	{ "latest_invoice", COL_TEXT, 0 },
	{ "pause_collection", COL_JSON, 0 },
	{ "invoice_settings", COL_JSON, 0 },
	{ "pending_invoice_item_interval", COL_JSON, 0 },
	{ "test_clock", COL_TEXT, 0 },
	{ "schedule", COL_TEXT, 0 },
	{ "metadata", COL_JSON, 0 },
	{ "external_id", COL_TEXT, 0 }, /* the old system's key (imports, docs/import.md) */
	/* bookkeeping, removed by sub_render */
	{ "schedule_due_at", COL_INT, 0 },
	{ "plan_interval", COL_TEXT, 0 },
	{ "plan_interval_count", COL_INT, 0 },
	{ "current_period_start", COL_INT, 0 },
	{ "current_period_end", COL_INT, 0 },
	{ "periods_billed", COL_INT, 0 },
	{ "due_at", COL_INT, 0 },
	{ "pause_resumes_at", COL_INT, 0 },
	{ "paid_through", COL_INT, 0 },
	{ "cancel_at_proration", COL_TEXT, 0 },
	{ "trial_will_end_sent", COL_INT, 0 },
	{ "invoice_upcoming_sent", COL_INT, 0 },
};

const struct store_table svc_subscriptions_table = {
	.table = "subscriptions", .object = "subscription", .noun = "subscription",
	.cols = sub_cols, .ncols = sizeof(sub_cols) / sizeof(sub_cols[0]),
};

static const struct store_col item_cols[] = {
	{ "subscription", COL_TEXT, 0 },
	{ "price", COL_TEXT, 0 },
	{ "quantity", COL_INT, 0 },
	{ "tax_rates", COL_JSON, 0 },
	{ "discounts", COL_JSON, 0 },
	{ "metadata", COL_JSON, 0 },
};

const struct store_table svc_subscription_items_table = {
	.table = "subscription_items", .object = "subscription_item", .noun = "subscription_item",
	.cols = item_cols, .ncols = sizeof(item_cols) / sizeof(item_cols[0]), .soft_delete = true,
};

static const char *const bookkeeping[] = { "plan_interval", "plan_interval_count",
					   "current_period_start", "current_period_end",
					   "periods_billed", "due_at", "schedule_due_at",
					   "pause_resumes_at", "paid_through", "cancel_at_proration",
					   "trial_will_end_sent",
					   "invoice_upcoming_sent", NULL };

/* Replaces an array of ids with the objects they name (Stripe embeds tax rates). */
static int embed_tax_rates(json_t *obj, const char *field, struct svc *s, struct recur_err *e)
{
	json_t *ids = json_object_get(obj, field);
	json_t *full = json_array();
	size_t i;
	json_t *id;
	json_array_foreach(ids, i, id) {
		json_t *rate = NULL;
		int rc = store_obj_get(&rate, s->db, &svc_tax_rates_table, &s->scope,
				       json_string_value(id), e);
		if (rc < 0) {
			json_decref(full);
			return rc;
		}
		json_array_append_new(full, rate);
	}
	json_object_set_new(obj, field, full);
	return 0;
}

int sub_load_items(json_t **out, struct svc *s, const char *sub, struct recur_err *e)
{
	struct store_filter f = { .col = "subscription", .op = "=", .val = SV_TEXT(sub) };
	struct store_page page = { .limit = SUB_MAX_ITEMS };
	bool more = false;
	json_t *newest_first = NULL;
	int rc = store_obj_list(&newest_first, &more, s->db, &svc_subscription_items_table,
				&s->scope, &f, 1, &page, e);
	if (rc < 0)
		return rc;
	/* Stripe lists a subscription's items in the order they were added. */
	json_t *items = json_array();
	for (size_t i = json_array_size(newest_first); i-- > 0;)
		json_array_append(items, json_array_get(newest_first, i));
	json_decref(newest_first);
	*out = items;
	return 0;
}

/*
 * The items as Stripe embeds them (price and tax rates as objects), without
 * their current period, which comes from the row (new reference). Split from
 * the rest of rendering so sub_save loads them once for before and after.
 * raw: the item rows as sub_load_items gives them, when the caller has them
 * (borrowed, not changed); NULL loads them.
 */
static int render_items(json_t **out, struct svc *s, const char *id, const json_t *raw,
			struct recur_err *e)
{
	json_t *loaded = NULL, *items = json_array(), *row;
	size_t i;
	int rc = 0;
	*out = NULL;
	if (!raw) {
		if ((rc = sub_load_items(&loaded, s, id, e)) < 0)
			goto done;
		raw = loaded;
	}
	json_array_foreach(raw, i, row) {
		json_t *price = NULL, *item = json_copy(row);
		json_array_append_new(items, item);
		const char *pid = json_string_value(json_object_get(item, "price"));
		if ((rc = svc_get_cached(&price, s, &svc_prices_table, pid, e)) < 0)
			goto done;
		json_object_set_new(item, "price", price);
		/* filled per row by render_with; set here so the fields keep their order */
		json_object_set_new(item, "current_period_start", json_null());
		json_object_set_new(item, "current_period_end", json_null());
		json_object_set_new(item, "billing_thresholds", json_null());
		if (!json_is_array(json_object_get(item, "discounts")))
			json_object_set_new(item, "discounts", json_array());
		if ((rc = embed_tax_rates(item, "tax_rates", s, e)) < 0)
			goto done;
	}
	*out = items;
	items = NULL;
done:
	json_decref(items);
	json_decref(loaded);
	return rc;
}

/* The Stripe object for row with its items from render_items (borrowed, not changed). */
static int render_with(json_t **out, struct svc *s, const json_t *row, const json_t *items,
		       struct recur_err *e)
{
	/* shallow: only top-level fields change, and the row is not changed while it is used */
	json_t *sub = json_copy((json_t *)(uintptr_t)row), *data = json_array(), *item;
	const char *id = json_string_value(json_object_get(row, "id"));
	int64_t cps = json_integer_value(json_object_get(row, "current_period_start"));
	int64_t cpe = json_integer_value(json_object_get(row, "current_period_end"));
	size_t i;
	int rc;
	*out = NULL;
	for (int k = 0; bookkeeping[k]; k++)
		json_object_del(sub, bookkeeping[k]);
	json_array_foreach(items, i, item) {
		/* a shallow copy: the embedded price and tax rates are shared, read only */
		json_t *it = json_copy(item);
		json_object_set_new(it, "current_period_start", json_integer(cps));
		json_object_set_new(it, "current_period_end", json_integer(cpe));
		json_array_append_new(data, it);
	}
	char url[96];
	snprintf(url, sizeof(url), "/v1/subscription_items?subscription=%s", id);
	json_object_set_new(sub, "items", json_pack("{s:s, s:o, s:b, s:i, s:s}", "object", "list",
						    "data", data, "has_more", 0, "total_count",
						    (int)json_array_size(items), "url", url));
	if ((rc = embed_tax_rates(sub, "default_tax_rates", s, e)) < 0)
		goto done;
	if (!json_is_array(json_object_get(sub, "discounts")))
		json_object_set_new(sub, "discounts", json_array());
	json_object_set_new(sub, "collection_method",
			    json_incref(json_object_get(row, "collection_method")));
	json_object_set_new(sub, "automatic_tax", json_pack("{s:b, s:n}", "enabled", 0, "liability"));
	json_object_set_new(sub, "application_fee_percent", json_null());
	json_object_set_new(sub, "default_source", json_null());
	json_object_set_new(sub, "on_behalf_of", json_null());
	json_object_set_new(sub, "transfer_data", json_null());
	json_object_set_new(sub, "pending_update", json_null());
	json_object_set_new(sub, "pending_setup_intent", json_null());
	if (!json_is_string(json_object_get(sub, "schedule")))
		json_object_set_new(sub, "schedule", json_null());
	json_object_set_new(sub, "next_pending_invoice_item_invoice", json_null());
	*out = sub;
	sub = NULL;
done:
	json_decref(sub);
	return rc < 0 ? rc : 0;
}

int sub_render(json_t **out, struct svc *s, const json_t *row, struct recur_err *e)
{
	json_t *items = NULL;
	*out = NULL;
	int rc = render_items(&items, s, json_string_value(json_object_get(row, "id")), NULL, e);
	if (rc == 0)
		rc = render_with(out, s, row, items, e);
	json_decref(items);
	return rc;
}

int sub_get(json_t **out, struct svc *s, const char *id, struct recur_err *e)
{
	return store_obj_get(out, s->db, &svc_subscriptions_table, &s->scope, id, e);
}

int sub_interval(struct billing_interval *out, const json_t *row, struct recur_err *e)
{
	if (calendar_unit_parse(&out->unit, json_string_value(json_object_get(row, "plan_interval"))) < 0)
		return err_internal(e, "subscription has an unknown interval");
	out->count = json_integer_value(json_object_get(row, "plan_interval_count"));
	return 0;
}

int sub_anchor_day(const json_t *row)
{
	json_t *config = json_object_get(row, "billing_cycle_anchor_config");
	return json_is_object(config)
		       ? (int)json_integer_value(json_object_get(config, "day_of_month"))
		       : 0;
}

void sub_set_due(json_t *row)
{
	const char *status = json_string_value(json_object_get(row, "status"));
	json_t *cancel_at = json_object_get(row, "cancel_at");
	int64_t due = json_integer_value(json_object_get(row, "current_period_end"));
	if (!status || strcmp(status, "canceled") == 0 || strcmp(status, "incomplete_expired") == 0) {
		json_object_set_new(row, "due_at", json_null());
		return;
	}
	if (strcmp(status, "paused") == 0) {
		/*
		 * Nothing renews while paused: only a scheduled resume and a
		 * scheduled cancellation fall due (subscription_resume.c).
		 */
		json_object_set_new(row, "due_at", sub_paused_due(row));
		return;
	}
	if (strcmp(status, "incomplete") == 0) {
		/* Stripe expires an unpaid first invoice's subscription after 23 hours. */
		int64_t expiry = json_integer_value(json_object_get(row, "created")) + SUB_INCOMPLETE_TTL;
		if (expiry < due)
			due = expiry;
	}
	if (json_is_integer(cancel_at) && json_integer_value(cancel_at) < due)
		due = json_integer_value(cancel_at);
	/* A pause_collection with resumes_at ends as due work too. */
	due = sub_pause_due(row, due);
	/* So does the notice that a trial ends (trial_will_end). */
	due = sub_trial_notice_due(row, due);
	/* So does the current phase of the subscription's schedule. */
	json_t *phase_end = json_object_get(row, "schedule_due_at");
	if (json_is_string(json_object_get(row, "schedule")) && json_is_integer(phase_end) &&
	    json_integer_value(phase_end) < due)
		due = json_integer_value(phase_end);
	json_object_set_new(row, "due_at", json_integer(due));
}

int sub_item_amount(int64_t *out, struct svc *s, const json_t *item, const json_t **price_out,
		    json_t **owned_price, struct recur_err *e)
{
	json_t *price = json_object_get(item, "price");
	int rc;
	*owned_price = NULL;
	if (json_is_string(price)) {
		rc = svc_get_cached(owned_price, s, &svc_prices_table, json_string_value(price), e);
		if (rc < 0)
			return rc;
		price = *owned_price;
	}
	if (price_out)
		*price_out = price;
	return svc_pricing_amount(out, price, json_integer_value(json_object_get(item, "quantity")), e);
}

int sub_line_description(char *buf, size_t cap, struct svc *s, const json_t *price,
			 int64_t quantity)
{
	json_t *product = NULL;
	struct recur_err ignored;
	const char *pid = json_string_value(json_object_get(price, "product"));
	const char *name = pid;
	if (pid && svc_get_cached(&product, s, &svc_products_table, pid, &ignored) == 0)
		name = json_string_value(json_object_get(product, "name"));
	snprintf(buf, cap, "%lld × %s", (long long)quantity, name ? name : "item");
	json_decref(product);
	return 0;
}

int sub_period_lines(struct sub_lines *out, struct svc *s, const json_t *items, int64_t start,
		     int64_t end, bool trial, struct recur_err *e)
{
	size_t i;
	json_t *item;
	memset(out, 0, sizeof(*out));
	json_array_foreach(items, i, item) {
		const json_t *price = NULL;
		json_t *owned = NULL;
		int64_t amount = 0;
		int64_t qty = json_integer_value(json_object_get(item, "quantity"));
		int rc = sub_item_amount(&amount, s, item, &price, &owned, e);
		if (rc < 0)
			return rc;
		struct sub_line *l = &out->lines[out->n];
		char name[200];
		sub_line_description(name, sizeof(name), s, price, qty);
		if (trial)
			snprintf(l->description, sizeof(l->description), "Trial period for %s",
				 strstr(name, "× ") ? strstr(name, "× ") + strlen("× ") : name);
		else
			snprintf(l->description, sizeof(l->description), "%s", name);
		snprintf(l->price, sizeof(l->price), "%s", json_string_value(json_object_get(price, "id")));
		snprintf(l->item, sizeof(l->item), "%s", json_string_value(json_object_get(item, "id")));
		l->tax_rates = json_object_get(item, "tax_rates");
		l->line = (struct svc_invoice_line){
			.amount = trial ? 0 : amount, .quantity = qty, .description = l->description,
			.price = l->price, .subscription_item = l->item, .period_start = start,
			.period_end = end, .discountable = true,
			.tax_rates = json_array_size(l->tax_rates) ? l->tax_rates : NULL,
		};
		out->n++;
		json_decref(owned);
	}
	return 0;
}

int sub_invoice(json_t **out, struct svc *s, json_t *row, const char *reason, int64_t now,
		int64_t start, int64_t end, const struct svc_invoice_line *lines, size_t n,
		const char *dedupe, struct recur_err *e)
{
	const char *collection = json_string_value(json_object_get(row, "collection_method"));
	json_t *days = json_object_get(row, "days_until_due");
	struct svc_invoice_spec spec = {
		.customer = json_string_value(json_object_get(row, "customer")),
		.subscription = json_string_value(json_object_get(row, "id")),
		.billing_reason = reason,
		.currency = json_string_value(json_object_get(row, "currency")),
		.collection_method = collection,
		.days_until_due = json_is_integer(days) ? json_integer_value(days) : 0,
		.period_start = start,
		.period_end = end,
		.now = now,
		.default_tax_rates = json_object_get(row, "default_tax_rates"),
		.discounts = json_object_get(row, "discounts"),
		.dedupe_key = dedupe,
		.include_pending_items = true,
		.finalize = true,
		.lines = lines,
		.n_lines = n,
	};
	/* Under pause_collection the invoice is held back (subscription_pause.c). */
	enum billing_pause_behavior paused = sub_pause_spec(&spec, row, now);
	if (!out) {
		/* Only the id is needed: the invoice is not rendered. */
		char id[IDS_MAX];
		int rc = svc_invoice_create_id(id, sizeof(id), s, &spec, e);
		if (rc < 0)
			return rc;
		json_object_set_new(row, "latest_invoice", json_string(id));
		return sub_pause_settle(s, id, paused, now, e);
	}
	json_t *inv = NULL;
	int rc = svc_invoice_create_internal(&inv, s, &spec, e);
	if (rc < 0)
		return rc;
	const char *id = json_string_value(json_object_get(inv, "id"));
	json_object_set_new(row, "latest_invoice", json_string(id));
	if (paused == BILLING_PAUSE_MARK_UNCOLLECTIBLE || paused == BILLING_PAUSE_VOID) {
		/* Closed after it was rendered: render it as it ends up. */
		rc = sub_pause_settle(s, id, paused, now, e);
		json_decref(inv);
		inv = NULL;
		if (rc >= 0)
			rc = svc_invoice_retrieve(&inv, s, json_string_value(json_object_get(row,
										"latest_invoice")), e);
		if (rc < 0)
			return rc;
	}
	*out = inv;
	return 0;
}

int sub_save(struct svc *s, json_t *row, const json_t *before, const char *type,
	     struct recur_err *e)
{
	return sub_save_items(s, row, before, type, NULL, e);
}

int sub_save_items(struct svc *s, json_t *row, const json_t *before, const char *type,
		   const json_t *item_rows, struct recur_err *e)
{
	return sub_save_full(s, row, before, NULL, type, item_rows, e);
}

int sub_items_render(json_t **out, struct svc *s, const char *id, struct recur_err *e)
{
	return render_items(out, s, id, NULL, e);
}

int sub_save_full(struct svc *s, json_t *row, const json_t *before, const json_t *before_items,
		  const char *type, const json_t *item_rows, struct recur_err *e)
{
	json_t *pub = NULL, *prev_pub = NULL, *prev = NULL, *items = NULL;
	int rc;
	sub_set_due(row);
	if ((rc = sub_upcoming_set_due(s, row, e)) < 0 ||
	    (rc = store_obj_update(s->db, &svc_subscriptions_table, &s->scope, row, e)) < 0)
		return rc;
	if (!type)
		return 0;
	/* One load of the items for both: before differs from row in its own fields. */
	if ((rc = render_items(&items, s, json_string_value(json_object_get(row, "id")), item_rows,
				e)) < 0 ||
	    (rc = render_with(&pub, s, row, items, e)) < 0)
		goto done;
	if (before) {
		if ((rc = render_with(&prev_pub, s, before, before_items ? before_items : items,
				      e)) < 0)
			goto done;
		prev = svc_previous_attributes(prev_pub, pub);
		if (!prev && strcmp(type, "customer.subscription.updated") == 0)
			goto done; /* nothing a client can see changed: no event */
	}
	rc = svc_event(s, type, pub, prev, e);
done:
	json_decref(items);
	json_decref(pub);
	json_decref(prev_pub);
	json_decref(prev);
	return rc;
}

/* ---- create ---- */

int sub_check_tax_rates(json_t **out, struct svc *s, const json_t *p, const char *key,
			struct recur_err *e)
{
	const json_t *ids = NULL;
	int rc = params_string_array(&ids, p, key, 64, e);
	*out = NULL;
	if (rc <= 0)
		return rc;
	json_t *list = json_array();
	size_t i;
	json_t *id;
	json_array_foreach(ids, i, id) {
		json_t *rate = NULL;
		rc = store_obj_get(&rate, s->db, &svc_tax_rates_table, &s->scope,
				   json_string_value(id), e);
		if (rc == 0 && !json_is_true(json_object_get(rate, "active")))
			rc = err_invalid(e, "", "The tax rate %s is archived", json_string_value(id));
		else if (rc < 0)
			e->param[0] = '\0'; /* named by the index below */
		json_decref(rate);
		if (rc < 0) {
			json_decref(list);
			e->status = 400;
			return params_nest_index(e, RECUR_EINVAL, key, i);
		}
		json_array_append(list, id);
	}
	if (json_array_size(list) > BILLING_TAX_RATES_PER_LINE) {
		json_decref(list);
		return err_invalid(e, key, "At most %d tax rates", BILLING_TAX_RATES_PER_LINE);
	}
	*out = list;
	return 1;
}

void sub_items_free(struct sub_item_in *items, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		json_decref(items[i].price);
		json_decref(items[i].tax_rates);
		json_decref(items[i].metadata);
	}
}

/* Reads one items[i] entry of create. */
static int item_param(struct sub_item_in *out, struct svc *s, const json_t *it, struct recur_err *e)
{
	static const char *const keys[] = { "price", "quantity", "tax_rates", "metadata", NULL };
	const char *price = NULL;
	int rc;
	memset(out, 0, sizeof(*out));
	out->quantity = 1;
	if (!json_is_object(it))
		return err_invalid(e, "", "Each item must be a hash");
	if ((rc = params_only(it, keys, e)) < 0 || (rc = params_require(it, "price", e)) < 0 ||
	    (rc = params_string(&price, it, "price", 255, e)) < 0 ||
	    (rc = params_int(&out->quantity, it, "quantity", 0, SUB_MAX_QUANTITY, e)) < 0)
		return rc;
	/* through the caller's cache (an import of subscriptions reads few prices many times) */
	if ((rc = svc_get_cached(&out->price, s, &svc_prices_table, price, e)) < 0) {
		snprintf(e->param, sizeof(e->param), "price");
		e->status = 400;
		return RECUR_EINVAL;
	}
	if (!json_is_true(json_object_get(out->price, "active")))
		return err_invalid(e, "price", "The price %s is archived and cannot be used for new"
				   " subscriptions", price);
	struct billing_interval iv;
	if ((rc = svc_pricing_interval(&iv, out->price, e)) < 0)
		return rc;
	json_t *rec = json_object_get(out->price, "recurring");
	const char *usage = json_string_value(json_object_get(rec, "usage_type"));
	if (usage && strcmp(usage, "metered") == 0)
		return err_invalid(e, "price", "Metered prices are billed with usage-based billing,"
				   " which recur does not offer yet");
	if ((rc = sub_check_tax_rates(&out->tax_rates, s, it, "tax_rates", e)) < 0)
		return rc;
	if ((rc = params_metadata(&out->metadata, NULL, it, e)) < 0)
		return rc;
	return 0;
}

int sub_items_param(struct sub_item_in *items, size_t *n, struct svc *s, const json_t *p,
		    struct recur_err *e)
{
	const json_t *arr = NULL;
	int rc = params_array(&arr, p, "items", e);
	*n = 0;
	if (rc < 0)
		return rc;
	if (!arr || json_array_size(arr) == 0)
		return err_set(e, RECUR_EINVAL, 400, "invalid_request_error", "parameter_missing",
			       "items", "Missing required param: items.");
	if (json_array_size(arr) > SUB_MAX_ITEMS)
		return err_invalid(e, "items", "A subscription can have at most %d items", SUB_MAX_ITEMS);
	size_t i;
	json_t *it;
	json_array_foreach(arr, i, it) {
		rc = item_param(&items[i], s, it, e);
		*n = i + 1;
		if (rc < 0)
			return params_nest_index(e, rc, "items", i);
		/* Stripe: every item shares one currency and one billing interval. */
		if (i > 0) {
			json_t *a = items[0].price, *b = items[i].price;
			json_t *ra = json_object_get(a, "recurring"), *rb = json_object_get(b, "recurring");
			if (!json_equal(json_object_get(a, "currency"), json_object_get(b, "currency")))
				return params_nest_index(e, err_invalid(e, "price",
					"All prices on a subscription must have the same currency"), "items", i);
			if (!json_equal(json_object_get(ra, "interval"), json_object_get(rb, "interval")) ||
			    !json_equal(json_object_get(ra, "interval_count"),
					json_object_get(rb, "interval_count")))
				return params_nest_index(e, err_invalid(e, "price",
					"All prices on a subscription must have the same billing interval"),
					"items", i);
		}
		for (size_t j = 0; j < i; j++)
			if (json_equal(json_object_get(items[j].price, "id"),
				       json_object_get(items[i].price, "id")))
				return params_nest_index(e, err_invalid(e, "price",
					"A price may appear only once on a subscription"), "items", i);
	}
	return 0;
}

static const char *const collection_methods[] = { "charge_automatically", "send_invoice", NULL };
static const char *const payment_behaviors[] = { "allow_incomplete", "default_incomplete",
						 "error_if_incomplete", "pending_if_incomplete", NULL };

/* trial_end is a timestamp or "now". */
static int trial_param(struct billing_trial_spec *out, const json_t *p, const json_t *price,
		       struct recur_err *e)
{
	int64_t days = 0, end = 0;
	bool from_plan = false;
	int rc;
	out->kind = BILLING_TRIAL_NONE;
	json_t *te = json_object_get(p, "trial_end");
	if (json_is_string(te) && strcmp(json_string_value(te), "now") == 0) {
		out->kind = BILLING_TRIAL_END_NOW;
	} else if ((rc = params_int(&end, p, "trial_end", 1, INT64_MAX, e)) < 0) {
		return rc;
	} else if (rc > 0) {
		out->kind = BILLING_TRIAL_END;
		out->value = end;
	}
	if ((rc = params_int(&days, p, "trial_period_days", 0, BILLING_TRIAL_MAX_DAYS, e)) < 0)
		return rc;
	if (rc > 0) {
		if (out->kind != BILLING_TRIAL_NONE)
			return err_invalid(e, "trial_period_days", "You may only specify one of"
					   " trial_end and trial_period_days");
		if (days > 0) {
			out->kind = BILLING_TRIAL_DAYS;
			out->value = days;
		}
	}
	if ((rc = params_bool(&from_plan, p, "trial_from_plan", e)) < 0)
		return rc;
	if (from_plan && out->kind == BILLING_TRIAL_NONE) {
		json_t *d = json_object_get(json_object_get(price, "recurring"), "trial_period_days");
		if (json_is_integer(d) && json_integer_value(d) > 0) {
			out->kind = BILLING_TRIAL_DAYS;
			out->value = json_integer_value(d);
		}
	}
	return 0;
}

static int anchor_param(struct billing_anchor_spec *out, json_t **config_out, const json_t *p,
			struct recur_err *e)
{
	static const char *const keys[] = { "day_of_month", "month", "hour", "minute", "second", NULL };
	const json_t *config = NULL;
	int64_t ts = 0;
	int rc;
	memset(out, 0, sizeof(*out));
	*config_out = NULL;
	out->kind = BILLING_ANCHOR_DEFAULT;
	if ((rc = params_int(&ts, p, "billing_cycle_anchor", 1, INT64_MAX, e)) < 0)
		return rc;
	if (rc > 0) {
		out->kind = BILLING_ANCHOR_TIMESTAMP;
		out->timestamp = ts;
	}
	if ((rc = params_object(&config, p, "billing_cycle_anchor_config", e)) < 0)
		return rc;
	if (!config)
		return 0;
	if (out->kind != BILLING_ANCHOR_DEFAULT)
		return err_invalid(e, "billing_cycle_anchor_config", "You may only specify one of"
				   " billing_cycle_anchor and billing_cycle_anchor_config");
	if ((rc = params_nest(e, params_only(config, keys, e), "billing_cycle_anchor_config")) < 0 ||
	    (rc = params_nest(e, params_require(config, "day_of_month", e),
			      "billing_cycle_anchor_config")) < 0)
		return rc;
	/* day_of_month, month (0 = not given), hour, minute, second (-1 = keep the start's) */
	int64_t v[5] = { 0, 0, -1, -1, -1 };
	const int64_t max[5] = { 31, 12, 23, 59, 59 };
	for (int i = 0; i < 5; i++)
		if ((rc = params_nest(e, params_int(&v[i], config, keys[i], i == 0 || i == 1 ? 1 : 0,
						    max[i], e), "billing_cycle_anchor_config")) < 0)
			return rc;
	out->kind = BILLING_ANCHOR_CONFIG;
	out->config = (struct billing_anchor_config){ (int)v[0], (int)v[1], (int)v[2], (int)v[3],
						      (int)v[4] };
	/* o: the pack takes the new integers' only references (O leaked them; LSan). */
	*config_out = json_pack("{s:I, s:o, s:o, s:o, s:o}", "day_of_month", (json_int_t)v[0],
				"month", v[1] ? json_integer(v[1]) : json_null(),
				"hour", v[2] >= 0 ? json_integer(v[2]) : json_null(),
				"minute", v[3] >= 0 ? json_integer(v[3]) : json_null(),
				"second", v[4] >= 0 ? json_integer(v[4]) : json_null());
	return 0;
}

static const char *const create_params[] = {
	"customer", "items", "collection_method", "days_until_due", "default_payment_method",
	"default_tax_rates", "description", "metadata", "trial_period_days", "trial_end",
	"trial_from_plan", "trial_settings", "billing_cycle_anchor", "billing_cycle_anchor_config",
	"proration_behavior", "cancel_at_period_end", "cancel_at", "payment_behavior",
	"discounts", "coupon", "promotion_code", "currency", "off_session", NULL
};

int svc_subscription_create(json_t **out, struct svc *s, const json_t *p, struct recur_err *e)
{
	struct sub_item_in items[SUB_MAX_ITEMS];
	size_t nitems = 0;
	json_t *customer = NULL, *row = NULL, *default_rates = NULL, *metadata = NULL;
	json_t *anchor_config = NULL, *discounts = NULL, *trial_settings = NULL;
	json_t *item_rows = NULL; /* the lines below borrow from it until the invoice exists */
	const char *customer_id = NULL, *collection = "charge_automatically", *desc = NULL;
	const char *pay_behavior = "allow_incomplete", *pm = NULL, *proration = NULL;
	int64_t days_until_due = 0, cancel_at = 0, now = 0;
	bool cancel_at_period_end = false;
	int has_days = 0; /* an int: params_int's error code must survive the assignment */
	struct billing_trial_spec trial_spec;
	struct billing_anchor_spec anchor_spec;
	struct billing_trial trial;
	struct billing_anchor anchor;
	struct billing_interval iv;
	int rc, began = 0;
	*out = NULL;

	if ((rc = params_only(p, create_params, e)) < 0 || (rc = params_require(p, "customer", e)) < 0 ||
	    (rc = params_string(&customer_id, p, "customer", 255, e)) < 0)
		goto done;
	if ((rc = store_obj_get(&customer, s->db, &svc_customers_table, &s->scope, customer_id, e)) < 0) {
		e->status = 400;
		snprintf(e->param, sizeof(e->param), "customer");
		goto done;
	}
	if ((rc = sub_items_param(items, &nitems, s, p, e)) < 0)
		goto done;
	if ((rc = params_enum(&collection, p, "collection_method", collection_methods, e)) < 0 ||
	    (rc = has_days = params_int(&days_until_due, p, "days_until_due", 0, 730, e)) < 0 ||
	    (rc = params_enum(&pay_behavior, p, "payment_behavior", payment_behaviors, e)) < 0 ||
	    (rc = params_string(&desc, p, "description", 500, e)) < 0 ||
	    (rc = params_string(&pm, p, "default_payment_method", 255, e)) < 0 ||
	    (rc = params_bool(&cancel_at_period_end, p, "cancel_at_period_end", e)) < 0 ||
	    (rc = params_int(&cancel_at, p, "cancel_at", 1, INT64_MAX, e)) < 0 ||
	    (rc = sub_proration_param(&proration, p, e)) < 0)
		goto done;
	if (strcmp(collection, "send_invoice") == 0 && !has_days) {
		rc = err_set(e, RECUR_EINVAL, 400, "invalid_request_error", "parameter_missing",
			     "days_until_due", "days_until_due is required when collection_method"
			     " is send_invoice");
		goto done;
	}
	if (strcmp(collection, "send_invoice") != 0 && has_days) {
		rc = err_invalid(e, "days_until_due", "days_until_due can only be set when"
				 " collection_method is send_invoice");
		goto done;
	}
	if ((rc = sub_check_tax_rates(&default_rates, s, p, "default_tax_rates", e)) < 0 ||
	    (rc = params_metadata(&metadata, NULL, p, e)) < 0 ||
	    (rc = trial_param(&trial_spec, p, items[0].price, e)) < 0 ||
	    (rc = anchor_param(&anchor_spec, &anchor_config, p, e)) < 0 ||
	    (rc = sub_trial_settings_param(&trial_settings, p, e)) < 0 ||
	    (rc = svc_pricing_interval(&iv, items[0].price, e)) < 0)
		goto done;
	if ((rc = svc_test_clock_now(&now, s, json_string_value(json_object_get(customer, "test_clock")),
				     e)) < 0)
		goto done;
	if (cancel_at && cancel_at <= now) {
		rc = err_invalid(e, "cancel_at", "cancel_at must be in the future");
		goto done;
	}
	if (cancel_at && cancel_at_period_end) {
		rc = err_invalid(e, "cancel_at_period_end", "You may only specify one of cancel_at"
				 " and cancel_at_period_end");
		goto done;
	}
	/* A default must be one of the customer's methods, as Stripe checks it when set. */
	if (pm && *pm && (rc = svc_payment_method_check(s, customer_id, pm,
							"default_payment_method", e)) < 0)
		goto done;
	if ((rc = billing_trial_resolve(&trial, &trial_spec, now, e)) < 0 ||
	    (rc = billing_anchor_resolve(&anchor, &anchor_spec, &iv, now, &trial, e)) < 0) {
		e->status = 400;
		goto done;
	}
	const char *currency = json_string_value(json_object_get(items[0].price, "currency"));
	const char *cust_currency = json_string_value(json_object_get(customer, "currency"));
	const char *asked = NULL;
	/*
	 * Stripe's currency picks one of a multi-currency price's currency_options;
	 * recur's prices have one currency, so it can only name that one.
	 */
	if ((rc = params_currency(&asked, p, "currency", e)) < 0)
		goto done;
	if (asked && strcmp(asked, currency) != 0) {
		rc = err_invalid(e, "currency", "The prices are in %s, not %s", currency, asked);
		goto done;
	}
	if (cust_currency && strcmp(cust_currency, currency) != 0) {
		rc = err_invalid(e, "items[0][price]", "The price's currency (%s) differs from the"
				 " customer's currency (%s)", currency, cust_currency);
		goto done;
	}

	if ((rc = svc_begin(s, e)) < 0)
		goto done;
	began = 1;
	char id[IDS_MAX];
	ids_new(id, sizeof(id), "sub");
	/* A promotion code's minimum_amount is checked against the items' recurring amount. */
	int64_t amount = 0;
	for (size_t i = 0; i < nitems; i++) {
		int64_t a = 0;
		if ((rc = svc_pricing_amount(&a, items[i].price, items[i].quantity, e)) < 0)
			goto done;
		if (money_add(&amount, amount, a) < 0) {
			rc = err_invalid(e, "items", "The items' amounts add up beyond what recur"
					 " can bill");
			goto done;
		}
	}
	if ((rc = sub_discounts_param(&discounts, s, p, customer_id, id, currency, amount, now,
				      e)) < 0)
		goto done;

	/*
	 * The first period: the trial, or the stub up to a future anchor, or the
	 * period of the anchor that contains now.
	 */
	int64_t cps = now, cpe = 0;
	if (trial.trialing) {
		cpe = trial.end;
	} else if (anchor.anchor > now) {
		cpe = anchor.anchor;
	} else if ((rc = billing_period_containing_day(&cps, &cpe, anchor.anchor, anchor.anchor_day,
						       iv.unit, iv.count, now)) < 0) {
		rc = err_internal(e, "cannot compute the first period");
		goto done;
	}
	const char *status = trial.trialing ? "trialing" : "active";
	row = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:I, s:O, s:b, s:I, s:s?, s:o, s:o,"
			" s:s?, s:s?, s:I, s:I, s:I, s:I, s:I}",
			"id", id, "created", (json_int_t)now, "customer", customer_id,
			"status", status, "currency", currency, "collection_method", collection,
			"billing_cycle_anchor", (json_int_t)anchor.anchor,
			"billing_cycle_anchor_config", anchor_config ? anchor_config : json_null(),
			"cancel_at_period_end", cancel_at_period_end,
			"start_date", (json_int_t)now, "description", desc && *desc ? desc : NULL,
			"metadata", metadata, "default_tax_rates",
			default_rates ? json_incref(default_rates) : json_array(),
			"default_payment_method", pm && *pm ? pm : NULL,
			"test_clock", json_string_value(json_object_get(customer, "test_clock")),
			"plan_interval_count", (json_int_t)iv.count,
			"current_period_start", (json_int_t)cps, "current_period_end", (json_int_t)cpe,
			"periods_billed", (json_int_t)0, "due_at", (json_int_t)cpe);
	metadata = NULL;
	json_object_set_new(row, "plan_interval", json_string(calendar_unit_name(iv.unit)));
	json_object_set_new(row, "days_until_due", has_days ? json_integer(days_until_due) : json_null());
	json_object_set_new(row, "cancel_at", cancel_at ? json_integer(cancel_at) : json_null());
	json_object_set_new(row, "trial_start", trial.trialing ? json_integer(trial.start) : json_null());
	json_object_set_new(row, "trial_end", trial.trialing ? json_integer(trial.end) : json_null());
	json_object_set_new(row, "trial_settings", trial_settings ? json_incref(trial_settings)
				: json_pack("{s:{s:s}}", "end_behavior", "missing_payment_method",
					    "create_invoice"));
	json_object_set_new(row, "discounts", discounts ? json_incref(discounts) : json_array());
	json_object_set_new(row, "cancellation_details",
			    json_pack("{s:n, s:n, s:n}", "comment", "feedback", "reason"));
	json_object_set_new(row, "pause_collection", json_null());
	json_object_set_new(row, "invoice_settings", json_pack("{s:n, s:{s:s}}", "account_tax_ids",
							       "issuer", "type", "self"));
	json_object_set_new(row, "pending_invoice_item_interval", json_null());
	json_object_set_new(row, "latest_invoice", json_null());
	if (strcmp(pay_behavior, "default_incomplete") == 0 && !trial.trialing)
		json_object_set_new(row, "status", json_string("incomplete"));
	sub_set_due(row);
	if ((rc = sub_upcoming_set_due(s, row, e)) < 0 ||
	    (rc = store_obj_insert(s->db, &svc_subscriptions_table, &s->scope, row, e)) < 0)
		goto done;
	item_rows = json_array();
	for (size_t i = 0; i < nitems; i++) {
		char si[IDS_MAX];
		ids_new(si, sizeof(si), "si");
		json_t *it = json_pack("{s:s, s:I, s:s, s:O, s:I, s:o, s:o, s:o}", "id", si,
				       "created", (json_int_t)now, "subscription", id, "price",
				       json_object_get(items[i].price, "id"), "quantity",
				       (json_int_t)items[i].quantity, "tax_rates",
				       items[i].tax_rates ? json_incref(items[i].tax_rates) : json_array(),
				       "discounts", json_array(), "metadata",
				       items[i].metadata ? json_incref(items[i].metadata) : json_object());
		rc = store_obj_insert(s->db, &svc_subscription_items_table, &s->scope, it, e);
		json_object_set(it, "price", items[i].price);
		json_array_append_new(item_rows, it);
		if (rc < 0)
			goto done;
	}

	/* The first invoice: the trial at zero, a prorated stub, or the first period. */
	struct sub_lines lines;
	rc = sub_period_lines(&lines, s, item_rows, cps, cpe, trial.trialing, e);
	if (rc >= 0 && !trial.trialing && anchor.anchor > now) {
		/*
		 * A future anchor bills the stub [now, anchor) as a share of the full
		 * period that ends at the anchor (Stripe prorates it unless
		 * proration_behavior is none, when the stub is free).
		 */
		for (size_t i = 0; i < lines.n && rc >= 0; i++) {
			struct billing_proration_line pl;
			if (proration && strcmp(proration, "none") == 0) {
				lines.lines[i].line.amount = 0;
				continue;
			}
			rc = billing_prorate_line(&pl, BILLING_PRORATION_REMAINING_TIME,
						  lines.lines[i].line.amount, anchor.stub_period_start,
						  anchor.anchor, now, MONEY_ROUND_HALF_UP);
			if (rc < 0)
				rc = err_internal(e, "cannot prorate the first period");
			lines.lines[i].line.amount = pl.amount;
			lines.lines[i].line.proration = true;
		}
	}
	if (rc < 0)
		goto done;
	struct svc_invoice_line flat[SUB_MAX_ITEMS];
	for (size_t i = 0; i < lines.n; i++)
		flat[i] = lines.lines[i].line;
	char dedupe[96];
	snprintf(dedupe, sizeof(dedupe), "create:%s", id);
	if ((rc = sub_invoice(NULL, s, row, "subscription_create", now, cps, cpe, flat, lines.n,
			      dedupe, e)) < 0)
		goto done;
	/* Stripe charges the first invoice at once; a decline leaves the subscription incomplete. */
	int first_failed;
	if ((rc = first_failed = sub_collect_first(s, row, pay_behavior, now, e)) < 0)
		goto done;
	/* Re-read: paying a zero invoice at finalization may have moved the status. */
	json_t *fresh = NULL;
	if ((rc = sub_get(&fresh, s, id, e)) < 0)
		goto done;
	json_object_set(fresh, "latest_invoice", json_object_get(row, "latest_invoice"));
	/* _new: fresh takes the only reference (json_object_set leaked it; LSan found it). */
	json_object_set_new(fresh, "periods_billed", json_integer(1));
	if (first_failed)
		json_object_set_new(fresh, "status", json_string("incomplete"));
	json_decref(row);
	row = fresh;
	if ((rc = sub_save(s, row, NULL, "customer.subscription.created", e)) < 0)
		goto done;
	rc = sub_render(out, s, row, e);
done:
	if (began)
		rc = svc_finish(s, rc, e);
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	}
	sub_items_free(items, nitems);
	json_decref(item_rows);
	json_decref(customer);
	json_decref(row);
	json_decref(default_rates);
	json_decref(metadata);
	json_decref(anchor_config);
	json_decref(discounts);
	json_decref(trial_settings);
	return rc;
}

int svc_subscription_retrieve(json_t **out, struct svc *s, const char *id, struct recur_err *e)
{
	json_t *row = NULL;
	int rc = sub_get(&row, s, id, e);
	if (rc == 0)
		rc = sub_render(out, s, row, e);
	json_decref(row);
	return rc;
}

static const char *const list_params[] = { SVC_LIST_PARAMS, "customer", "price", "status",
					   "collection_method", "test_clock", NULL };
static const char *const list_statuses[] = { "active", "all", "canceled", "ended", "incomplete",
					     "incomplete_expired", "past_due", "paused", "trialing",
					     "unpaid", NULL };

int svc_subscription_list(json_t **out, struct svc *s, const json_t *p, struct recur_err *e)
{
	struct svc_list l;
	const char *customer = NULL, *price = NULL, *status = NULL, *collection = NULL, *clock = NULL;
	json_t *rows = NULL;
	int rc;
	*out = NULL;
	if ((rc = params_only(p, list_params, e)) < 0 || (rc = svc_list_params(&l, p, e)) < 0 ||
	    (rc = params_string(&customer, p, "customer", 255, e)) < 0 ||
	    (rc = params_string(&price, p, "price", 255, e)) < 0 ||
	    (rc = params_enum(&status, p, "status", list_statuses, e)) < 0 ||
	    (rc = params_enum(&collection, p, "collection_method", collection_methods, e)) < 0 ||
	    (rc = params_string(&clock, p, "test_clock", 255, e)) < 0)
		return rc;
	if (customer)
		svc_list_filter(&l, "customer", "=", SV_TEXT(customer));
	if (collection)
		svc_list_filter(&l, "collection_method", "=", SV_TEXT(collection));
	if (clock)
		svc_list_filter(&l, "test_clock", "=", SV_TEXT(clock));
	/* Stripe lists subscriptions that are not canceled unless asked otherwise. */
	if (!status)
		svc_list_filter(&l, "status", "!=", SV_TEXT("canceled"));
	else if (strcmp(status, "ended") == 0) {
		l.in_vals[0] = SV_TEXT("canceled");
		l.in_vals[1] = SV_TEXT("incomplete_expired");
		l.filters[l.nfilters++] = (struct store_filter){ .col = "status", .op = "IN",
								 .in = l.in_vals, .nin = 2 };
	} else if (strcmp(status, "all") != 0)
		svc_list_filter(&l, "status", "=", SV_TEXT(status));
	if (price && l.nfilters < SVC_LIST_MAX_FILTERS)
		l.filters[l.nfilters++] = (struct store_filter){
			.col = "id", .op = "IN_SUB", .val = SV_TEXT(price),
			.sub = "SELECT subscription FROM subscription_items WHERE tenant_id = $1"
			       " AND livemode = $2 AND deleted = 0 AND price = $%d",
		};
	if ((rc = svc_list(&rows, s, &svc_subscriptions_table, &l, "/v1/subscriptions", e)) < 0)
		return rc;
	json_t *data = json_object_get(rows, "data");
	size_t i;
	json_t *row;
	json_array_foreach(data, i, row) {
		json_t *pub = NULL;
		if ((rc = sub_render(&pub, s, row, e)) < 0) {
			json_decref(rows);
			return rc;
		}
		json_array_set_new(data, i, pub);
	}
	*out = rows;
	return 0;
}
