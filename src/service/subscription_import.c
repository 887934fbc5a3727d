/*
 * subscription_import.c - a subscription brought over from another billing
 * system (svc_subscription_import, subscription.h; docs/import.md).
 *
 * Unlike create, an import bills nothing now: the old system has billed the
 * period the subscription is in, so the row starts inside that period and is
 * due at the imported next billing date, when the renewal bills the next
 * period at the imported items' prices. The billing cycle is anchored on
 * that date. An update (a re-import correcting dates or quantities) rewrites
 * the same fields without prorating: it corrects the record, it is not a
 * change of plan.
 */
#include "core/calendar.h"
#include "core/ids.h"
#include "core/money.h"
#include "service/customer.h"
#include "service/discount.h"
#include "service/params.h"
#include "service/subscription_internal.h"
#include "service/test_clock.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static const char *const params_allowed[] = {
	"id", "external_id", "customer", "items", "status", "current_period_start",
	"current_period_end", "trial_end", "coupon", "collection_method", "days_until_due",
	"cancel_at_period_end", "metadata", NULL
};
static const char *const statuses[] = { "active", "trialing", "past_due", NULL };
static const char *const collection_methods[] = { "charge_automatically", "send_invoice", NULL };

struct import_in {
	const char *id, *external_id, *customer, *status, *collection, *coupon;
	int64_t cps, cpe, trial_end, days_until_due;
	int has_status, has_cps, has_trial_end, has_days, has_cancel, has_coupon, has_collection;
	bool cancel_at_period_end;
	json_t *metadata;
	struct sub_item_in items[SUB_MAX_ITEMS];
	size_t nitems;
	struct billing_interval iv;
	int64_t now; /* the customer's now (its test clock's) */
};

static void in_free(struct import_in *in)
{
	sub_items_free(in->items, in->nitems);
	json_decref(in->metadata);
}

static int read_in(struct import_in *in, struct svc *s, const json_t *p, const json_t *customer,
		   struct recur_err *e)
{
	int rc;
	in->status = "active";
	if ((rc = in->has_status = params_enum(&in->status, p, "status", statuses, e)) < 0 ||
	    (rc = params_string(&in->external_id, p, "external_id", 255, e)) < 0 ||
	    (rc = params_int(&in->cpe, p, "current_period_end", 1, INT64_MAX, e)) < 0 ||
	    (rc = in->has_cps = params_int(&in->cps, p, "current_period_start", 1, INT64_MAX, e)) < 0 ||
	    (rc = in->has_trial_end = params_int(&in->trial_end, p, "trial_end", 1, INT64_MAX, e)) < 0 ||
	    (rc = in->has_collection = params_enum(&in->collection, p, "collection_method",
						   collection_methods, e)) < 0 ||
	    (rc = in->has_days = params_int(&in->days_until_due, p, "days_until_due", 0, 730, e)) < 0 ||
	    (rc = in->has_cancel = params_bool(&in->cancel_at_period_end, p,
					       "cancel_at_period_end", e)) < 0 ||
	    (rc = in->has_coupon = params_string(&in->coupon, p, "coupon", 255, e)) < 0 ||
	    (rc = params_metadata(&in->metadata, NULL, p, e)) < 0 ||
	    (rc = sub_items_param(in->items, &in->nitems, s, p, e)) < 0 ||
	    (rc = svc_pricing_interval(&in->iv, in->items[0].price, e)) < 0 ||
	    (rc = svc_test_clock_now(&in->now, s, json_string_value(json_object_get(customer,
				     "test_clock")), e)) < 0)
		return rc;
	if (!in->cpe)
		return err_set(e, RECUR_EINVAL, 400, "invalid_request_error", "parameter_missing",
			       "current_period_end", "Missing required param: current_period_end"
			       " (the next billing date).");
	/* The renewal at the next billing date would bill at once a period already billed. */
	if (in->cpe <= in->now)
		return err_invalid(e, "current_period_end", "The next billing date must be in the"
				   " future: recur bills the subscription on it");
	if (strcmp(in->status, "trialing") == 0) {
		if (in->has_trial_end && in->trial_end != in->cpe)
			return err_invalid(e, "trial_end", "A trialing subscription's trial ends on its"
					   " next billing date");
		in->trial_end = in->cpe;
	} else if (in->has_trial_end) {
		return err_invalid(e, "trial_end", "Only a trialing subscription has a trial_end");
	}
	if (!in->has_cps && calendar_add_interval(&in->cps, in->cpe, in->iv.unit, -in->iv.count) < 0)
		return err_internal(e, "cannot compute the period before %lld", (long long)in->cpe);
	if (in->cps >= in->cpe)
		return err_invalid(e, "current_period_start", "The period must start before the next"
				   " billing date");
	if (in->cps > in->now)
		return err_invalid(e, "current_period_start", "The current period cannot start in"
				   " the future");
	const char *collection = in->has_collection ? in->collection : "charge_automatically";
	if (strcmp(collection, "send_invoice") == 0 && !in->has_days)
		return err_set(e, RECUR_EINVAL, 400, "invalid_request_error", "parameter_missing",
			       "days_until_due", "days_until_due is required when collection_method"
			       " is send_invoice");
	if (strcmp(collection, "send_invoice") != 0 && in->has_days)
		return err_invalid(e, "days_until_due", "days_until_due can only be set when"
				   " collection_method is send_invoice");
	return 0;
}

/* The items' recurring amount, for a promotion code's minimum. */
static int items_amount(int64_t *out, const struct import_in *in, struct recur_err *e)
{
	*out = 0;
	for (size_t i = 0; i < in->nitems; i++) {
		int64_t a = 0;
		int rc = svc_pricing_amount(&a, in->items[i].price, in->items[i].quantity, e);
		if (rc < 0)
			return rc;
		if (money_add(out, *out, a) < 0)
			return err_invalid(e, "items", "The items' amounts add up beyond what recur"
					   " can bill");
	}
	return 0;
}

/* Sets the period, trial and cycle fields of row from in. */
/*
 * Sets the period, trial and cycle fields of row from in. On a new row
 * everything is set; on an existing one only what the file changes, so that
 * re-importing an export changes nothing: the cycle's anchor moves only when
 * the next billing date does (a subscription renewed since its import keeps
 * its first anchor), and an ended trial's dates stay as history.
 */
static void set_period(json_t *row, const struct import_in *in, bool existing)
{
	bool trialing = strcmp(in->status, "trialing") == 0;
	bool moved = !existing ||
		     json_integer_value(json_object_get(row, "current_period_end")) != in->cpe;
	json_object_set_new(row, "status", json_string(in->status));
	json_object_set_new(row, "current_period_start", json_integer(in->cps));
	json_object_set_new(row, "current_period_end", json_integer(in->cpe));
	if (moved) {
		json_object_set_new(row, "billing_cycle_anchor", json_integer(in->cpe));
		json_object_set_new(row, "billing_cycle_anchor_config", json_null());
	}
	if (trialing || !existing) {
		json_object_set_new(row, "trial_start", trialing ? json_integer(in->cps) : json_null());
		json_object_set_new(row, "trial_end", trialing ? json_integer(in->cpe) : json_null());
	}
	json_object_set_new(row, "plan_interval", json_string(calendar_unit_name(in->iv.unit)));
	json_object_set_new(row, "plan_interval_count", json_integer(in->iv.count));
}

static void set_terms(json_t *row, const struct import_in *in)
{
	if (in->has_collection) {
		json_object_set_new(row, "collection_method", json_string(in->collection));
		json_object_set_new(row, "days_until_due", in->has_days
				    ? json_integer(in->days_until_due) : json_null());
	} else if (in->has_days) {
		json_object_set_new(row, "days_until_due", json_integer(in->days_until_due));
	}
	if (in->has_cancel)
		json_object_set_new(row, "cancel_at_period_end", json_boolean(in->cancel_at_period_end));
	if (in->external_id)
		json_object_set_new(row, "external_id", *in->external_id
				    ? json_string(in->external_id) : json_null());
	if (in->metadata) {
		/* the row's keys with the file's over them; "" removed a key */
		json_t *m = json_deep_copy(json_object_get(row, "metadata"));
		if (!json_is_object(m)) {
			json_decref(m);
			m = json_object();
		}
		json_object_update(m, in->metadata);
		json_object_set_new(row, "metadata", m);
	}
}

static int new_item(struct svc *s, const char *sub, const struct sub_item_in *it,
		    struct recur_err *e)
{
	char si[IDS_MAX];
	ids_new(si, sizeof(si), "si");
	json_t *row = json_pack("{s:s, s:I, s:s, s:O, s:I, s:o, s:o, s:o}", "id", si,
				"created", (json_int_t)s->now, "subscription", sub, "price",
				json_object_get(it->price, "id"), "quantity",
				(json_int_t)it->quantity, "tax_rates",
				it->tax_rates ? json_incref(it->tax_rates) : json_array(),
				"discounts", json_array(), "metadata",
				it->metadata ? json_incref(it->metadata) : json_object());
	int rc = store_obj_insert(s->db, &svc_subscription_items_table, &s->scope, row, e);
	json_decref(row);
	return rc;
}

/* The discount rows for in's coupon ("": none). */
static int discounts(json_t **out, struct svc *s, const struct import_in *in, const char *sub,
		     const char *currency, struct recur_err *e)
{
	int64_t amount = 0;
	int rc;
	*out = NULL;
	if (!in->coupon || !*in->coupon) {
		*out = json_array();
		return 0;
	}
	if ((rc = items_amount(&amount, in, e)) < 0)
		return rc;
	json_t *p = json_pack("{s:s}", "coupon", in->coupon);
	rc = sub_discounts_param(out, s, p, in->customer, sub, currency, amount, in->now, e);
	json_decref(p);
	if (rc >= 0 && !*out)
		*out = json_array();
	return rc;
}

static int create(json_t **out, struct svc *s, struct import_in *in, const json_t *customer,
		  struct recur_err *e)
{
	char id[IDS_MAX];
	json_t *row = NULL, *disc = NULL;
	const char *currency = json_string_value(json_object_get(in->items[0].price, "currency"));
	const char *cust_currency = json_string_value(json_object_get(customer, "currency"));
	int rc;
	if (cust_currency && strcmp(cust_currency, currency) != 0)
		return err_invalid(e, "items[0][price]", "The price's currency (%s) differs from the"
				   " customer's currency (%s)", currency, cust_currency);
	ids_new(id, sizeof(id), "sub");
	if ((rc = discounts(&disc, s, in, id, currency, e)) < 0)
		goto done;
	row = json_pack("{s:s, s:I, s:s, s:s, s:s, s:n, s:b, s:I, s:n, s:o, s:o, s:n, s:n, s:s?,"
			" s:I, s:n, s:n, s:n, s:n, s:n, s:n}",
			"id", id, "created", (json_int_t)s->now, "customer", in->customer,
			"currency", currency, "collection_method", "charge_automatically",
			"days_until_due", "cancel_at_period_end", 0, "start_date", (json_int_t)in->cps,
			"description", "metadata", json_object(), "default_tax_rates", json_array(),
			"default_payment_method", "cancel_at", "test_clock",
			json_string_value(json_object_get(customer, "test_clock")),
			"periods_billed", (json_int_t)1, "latest_invoice", "pause_collection",
			"pending_invoice_item_interval", "schedule", "external_id", "trial_will_end_sent");
	if (!row) {
		rc = err_internal(e, "cannot build subscription");
		goto done;
	}
	json_object_set_new(row, "discounts", disc);
	disc = NULL;
	json_object_set_new(row, "trial_settings", json_pack("{s:{s:s}}", "end_behavior",
				"missing_payment_method", "create_invoice"));
	json_object_set_new(row, "cancellation_details",
			    json_pack("{s:n, s:n, s:n}", "comment", "feedback", "reason"));
	json_object_set_new(row, "invoice_settings", json_pack("{s:n, s:{s:s}}", "account_tax_ids",
							       "issuer", "type", "self"));
	set_period(row, in, false);
	set_terms(row, in);
	/*
	 * Written once, complete, with every due date sub_save would set (the
	 * renewal, the trial's notice, invoice.upcoming): an import writes a
	 * million of these, and insert-then-update cost a fifth of a row.
	 */
	sub_set_due(row);
	if ((rc = sub_upcoming_set_due(s, row, e)) < 0 ||
	    (rc = store_obj_insert(s->db, &svc_subscriptions_table, &s->scope, row, e)) < 0)
		goto done;
	for (size_t i = 0; i < in->nitems && rc >= 0; i++)
		rc = new_item(s, id, &in->items[i], e);
	if (rc >= 0)
		rc = sub_render(out, s, row, e);
	if (rc >= 0)
		rc = svc_event(s, "customer.subscription.created", *out, NULL, e);
done:
	json_decref(row);
	json_decref(disc);
	return rc;
}

/*
 * Makes the subscription's items those of in: quantities set, prices added,
 * prices not named removed. *changed tells whether anything was written.
 */
static int sync_items(bool *changed, struct svc *s, const char *sub, const struct import_in *in,
		      struct recur_err *e)
{
	json_t *have = NULL, *it;
	size_t i;
	int rc = sub_load_items(&have, s, sub, e);
	bool kept[SUB_MAX_ITEMS] = { 0 };
	json_array_foreach(have, i, it) {
		const char *price = json_string_value(json_object_get(it, "price"));
		size_t k = 0;
		while (k < in->nitems && strcmp(price, json_string_value(json_object_get(
			in->items[k].price, "id"))) != 0)
			k++;
		if (rc < 0)
			break;
		if (k == in->nitems) {
			rc = store_obj_delete(s->db, &svc_subscription_items_table, &s->scope,
					      json_string_value(json_object_get(it, "id")), e);
			*changed = true;
			continue;
		}
		kept[k] = true;
		if (json_integer_value(json_object_get(it, "quantity")) != in->items[k].quantity) {
			json_t *row = json_deep_copy(it);
			json_object_set_new(row, "quantity", json_integer(in->items[k].quantity));
			rc = store_obj_update(s->db, &svc_subscription_items_table, &s->scope, row, e);
			json_decref(row);
			*changed = true;
		}
	}
	for (size_t k = 0; k < in->nitems && rc >= 0; k++)
		if (!kept[k]) {
			rc = new_item(s, sub, &in->items[k], e);
			*changed = true;
		}
	json_decref(have);
	return rc;
}

/* Whether a and b differ in anything but due_at, which saving recomputes from the rest. */
static bool same_fields(const json_t *a, const json_t *b)
{
	json_t *x = json_copy((json_t *)(uintptr_t)a), *y = json_copy((json_t *)(uintptr_t)b);
	json_object_del(x, "due_at");
	json_object_del(y, "due_at");
	bool same = json_equal(x, y);
	json_decref(x);
	json_decref(y);
	return same;
}

static int update(json_t **out, bool *changed, struct svc *s, struct import_in *in,
		  const char *id, struct recur_err *e)
{
	json_t *row = NULL, *before = NULL, *before_items = NULL, *disc = NULL;
	bool items_changed = false;
	int rc;
	if ((rc = sub_get(&before, s, id, e)) < 0)
		return rc;
	const char *status = json_string_value(json_object_get(before, "status"));
	if (strcmp(json_string_value(json_object_get(before, "customer")), in->customer) != 0) {
		rc = err_invalid(e, "customer", "A subscription cannot move to another customer");
		goto done;
	}
	if (strcmp(status, "active") != 0 && strcmp(status, "trialing") != 0 &&
	    strcmp(status, "past_due") != 0) {
		rc = err_invalid(e, "id", "The subscription is %s: an import updates only active,"
				 " trialing and past_due subscriptions", status);
		goto done;
	}
	const char *currency = json_string_value(json_object_get(before, "currency"));
	if (strcmp(currency, json_string_value(json_object_get(in->items[0].price, "currency")))) {
		rc = err_invalid(e, "items[0][price]", "A subscription's currency cannot change");
		goto done;
	}
	if ((rc = sub_items_render(&before_items, s, id, e)) < 0 ||
	    (rc = sync_items(&items_changed, s, id, in, e)) < 0)
		goto done;
	row = json_deep_copy(before);
	/*
	 * past_due stays past_due: its open invoice is still being collected. An
	 * export writes it, so its re-import must accept it; nothing else may
	 * become past_due by a file.
	 */
	if (strcmp(in->status, "past_due") == 0 && strcmp(status, "past_due") != 0) {
		rc = err_invalid(e, "status", "An import cannot make a subscription past_due (it"
				 " becomes past_due when a payment of its invoice fails)");
		goto done;
	}
	if (strcmp(status, "past_due") == 0 || !in->has_status)
		in->status = status;
	set_period(row, in, true);
	set_terms(row, in);
	if (in->has_coupon) {
		const json_t *d = json_object_get(row, "discounts");
		bool same = in->coupon && *in->coupon && json_array_size(d) == 1;
		if (same) {
			json_t *old = NULL;
			same = store_obj_get(&old, s->db, &svc_discounts_table, &s->scope,
					     json_string_value(json_array_get(d, 0)), e) == 0 &&
			       strcmp(json_string_value(json_object_get(json_object_get(old, "coupon"),
							"id")), in->coupon) == 0;
			json_decref(old);
		}
		if (!same && !(json_array_size(d) == 0 && (!in->coupon || !*in->coupon))) {
			if ((rc = discounts(&disc, s, in, id, currency, e)) < 0)
				goto done;
			json_object_set_new(row, "discounts", disc);
			disc = NULL;
		}
	}
	sub_set_due(row);
	*changed = items_changed || !same_fields(row, before);
	if (*changed && (rc = sub_save_full(s, row, before, items_changed ? before_items : NULL,
					    "customer.subscription.updated", NULL, e)) < 0)
		goto done;
	rc = sub_render(out, s, row, e);
done:
	json_decref(row);
	json_decref(before);
	json_decref(before_items);
	json_decref(disc);
	return rc;
}

int svc_subscription_import(json_t **out, enum svc_outcome *outcome, struct svc *s,
			    const json_t *p, struct recur_err *e)
{
	struct import_in in = { 0 };
	json_t *customer = NULL;
	bool changed = false;
	int rc, began = 0;
	*out = NULL;
	if ((rc = params_only(p, params_allowed, e)) < 0 ||
	    (rc = params_require(p, "customer", e)) < 0 ||
	    (rc = params_string(&in.customer, p, "customer", 255, e)) < 0 ||
	    (rc = params_string(&in.id, p, "id", 255, e)) < 0)
		goto done;
	if ((rc = store_obj_get(&customer, s->db, &svc_customers_table, &s->scope, in.customer,
				e)) < 0) {
		e->status = 400;
		snprintf(e->param, sizeof(e->param), "customer");
		goto done;
	}
	if ((rc = read_in(&in, s, p, customer, e)) < 0)
		goto done;
	if (!in.id && strcmp(in.status, "past_due") == 0) {
		rc = err_invalid(e, "status", "A new subscription is active or trialing: past_due"
				 " belongs to one whose invoice is being collected");
		goto done;
	}
	if ((rc = svc_begin(s, e)) < 0)
		goto done;
	began = 1;
	if (in.id) {
		rc = update(out, &changed, s, &in, in.id, e);
		*outcome = changed ? SVC_UPDATED : SVC_UNCHANGED;
	} else {
		rc = create(out, s, &in, customer, e);
		*outcome = SVC_CREATED;
	}
done:
	if (began)
		rc = svc_finish(s, rc, e);
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	}
	in_free(&in);
	json_decref(customer);
	return rc;
}

int svc_subscription_by_external_id(char *id, size_t cap, struct svc *s, const char *ext,
				    struct recur_err *e)
{
	return svc_find_id(id, cap, s, &svc_subscriptions_table, "external_id", ext, e);
}
