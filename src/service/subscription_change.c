/*
 * subscription_change.c - changing a subscription: update (prices, quantities,
 * items, trial, cancellation settings), cancel, and what an invoice payment
 * does to its status. Pause and resume are subscription_resume.c's.
 *
 * Proration follows Stripe: a change at time t inside [start, end) credits the
 * unused time of what was there and charges the remaining time of what is
 * there now, each rounded half up on its own line (billing/proration.h). Under
 * create_prorations the lines wait as pending invoice items for the next
 * invoice; always_invoice bills them at once; none drops them. A change of
 * billing interval starts a new cycle now and is invoiced at once.
 */
#include "billing/invoice.h"
#include "core/ids.h"
#include "core/money.h"
#include "service/subscription_schedule.h"
#include "service/customer.h"
#include "service/discount.h"
#include "service/params.h"
#include "service/price.h"
#include "service/payment_method.h"
#include "service/subscription_internal.h"
#include "service/test_clock.h"

#include <stdio.h>
#include <string.h>

static const char *const proration_behaviors[] = { "create_prorations", "none",
						   "always_invoice", NULL };

int sub_proration_param(const char **out, const json_t *p, struct recur_err *e)
{
	return params_enum(out, p, "proration_behavior", proration_behaviors, e);
}

int sub_trial_settings_param(json_t **out, const json_t *p, struct recur_err *e)
{
	static const char *const behaviors[] = { "cancel", "create_invoice", "pause", NULL };
	const json_t *ts = NULL, *eb = NULL;
	const char *missing = NULL;
	int rc;
	*out = NULL;
	if ((rc = params_object(&ts, p, "trial_settings", e)) <= 0 || !ts)
		return rc;
	static const char *const keys[] = { "end_behavior", NULL };
	static const char *const ebkeys[] = { "missing_payment_method", NULL };
	if ((rc = params_nest(e, params_only(ts, keys, e), "trial_settings")) < 0 ||
	    (rc = params_nest(e, params_object(&eb, ts, "end_behavior", e), "trial_settings")) < 0)
		return rc;
	if (eb) {
		rc = params_only(eb, ebkeys, e);
		if (rc >= 0)
			rc = params_enum(&missing, eb, "missing_payment_method", behaviors, e);
		if (rc < 0)
			return params_nest(e, params_nest(e, rc, "end_behavior"), "trial_settings");
	}
	*out = json_pack("{s:{s:s}}", "end_behavior", "missing_payment_method",
			 missing ? missing : "create_invoice");
	return 1;
}

int sub_discounts_param(json_t **out, struct svc *s, const json_t *p, const char *customer,
			const char *subscription, const char *currency, int64_t amount,
			int64_t now, struct recur_err *e)
{
	static const char *const keys[] = { "coupon", "promotion_code", "discount", NULL };
	const json_t *arr = NULL;
	const char *coupon = NULL, *promo = NULL;
	json_t *ids = json_array();
	int rc, given;
	*out = NULL;
	if ((rc = given = params_array(&arr, p, "discounts", e)) < 0 ||
	    (rc = params_string(&coupon, p, "coupon", 255, e)) < 0 ||
	    (rc = params_string(&promo, p, "promotion_code", 255, e)) < 0)
		goto done;
	/* Nothing asked: *out stays NULL, so an update keeps the discounts it has. */
	if (!given && !coupon && !promo)
		goto done;
	size_t i;
	json_t *d;
	json_array_foreach(arr, i, d) {
		const char *c = NULL, *pc = NULL, *existing = NULL;
		char param[64];
		json_t *disc = NULL;
		if (!json_is_object(d)) {
			rc = params_nest_index(e, err_invalid(e, "", "Each discount is a hash"),
					       "discounts", i);
			goto done;
		}
		if ((rc = params_only(d, keys, e)) < 0 ||
		    (rc = params_string(&c, d, "coupon", 255, e)) < 0 ||
		    (rc = params_string(&pc, d, "promotion_code", 255, e)) < 0 ||
		    (rc = params_string(&existing, d, "discount", 255, e)) < 0) {
			rc = params_nest_index(e, rc, "discounts", i);
			goto done;
		}
		if (existing) {
			/*
			 * Stripe reuses a discount of this subscription or of its customer;
			 * any other id would only fail later, at the next invoice.
			 */
			json_t *row = NULL;
			rc = store_obj_get(&row, s->db, &svc_discounts_table, &s->scope, existing, e);
			const char *dsub = json_string_value(json_object_get(row, "subscription"));
			const char *dcus = json_string_value(json_object_get(row, "customer"));
			bool ours = rc == 0 && (dsub ? subscription && strcmp(dsub, subscription) == 0
						     : dcus && customer && strcmp(dcus, customer) == 0);
			json_decref(row);
			if (rc == RECUR_ENOTFOUND || (rc == 0 && !ours))
				rc = err_invalid(e, "discount", "No such discount on this subscription or"
						 " its customer: '%s'", existing);
			if (rc < 0) {
				rc = params_nest_index(e, rc, "discounts", i);
				goto done;
			}
			json_array_append_new(ids, json_string(existing));
			continue;
		}
		if (!c && !pc) {
			rc = params_nest_index(e, err_invalid(e, "coupon", "Each discount needs a coupon"
							      " or a promotion_code"), "discounts", i);
			goto done;
		}
		snprintf(param, sizeof(param), "discounts[%zu][%s]", i, c ? "coupon" : "promotion_code");
		if ((rc = svc_discount_create(&disc, s, c, c ? NULL : pc, customer, subscription,
					      currency, amount, now, param, e)) < 0)
			goto done;
		json_array_append(ids, json_object_get(disc, "id"));
		json_decref(disc);
	}
	if (coupon || promo) {
		json_t *disc = NULL;
		if ((rc = svc_discount_create(&disc, s, coupon, coupon ? NULL : promo, customer,
					      subscription, currency, amount, now,
					      coupon ? "coupon" : "promotion_code", e)) < 0)
			goto done;
		json_array_append(ids, json_object_get(disc, "id"));
		json_decref(disc);
	}
	if (json_array_size(ids) > BILLING_DISCOUNTS_MAX) {
		rc = err_invalid(e, "discounts", "At most %d discounts", BILLING_DISCOUNTS_MAX);
		goto done;
	}
	*out = ids;
	ids = NULL;
	rc = json_array_size(*out) > 0;
done:
	json_decref(ids);
	return rc;
}

/*
 * A set of items (prices and quantities) with their full-period amounts net
 * of the subscription's discounts. Stripe prorates the discounted amount (its
 * default, proration_discounts=included): a proration line carries its
 * discount already, and is not discountable again on the invoice it lands on.
 */
struct item_set {
	size_t n;
	json_t *prices[SUB_MAX_ITEMS * 2];
	int64_t qty[SUB_MAX_ITEMS * 2];
	int64_t net[SUB_MAX_ITEMS * 2];
};

static void item_set_free(struct item_set *set)
{
	for (size_t i = 0; i < set->n; i++)
		json_decref(set->prices[i]);
	set->n = 0;
}

/* Adds price (borrowed) at qty; the index it takes. */
static size_t item_set_add(struct item_set *set, json_t *price, int64_t qty)
{
	set->prices[set->n] = json_incref(price);
	set->qty[set->n] = qty;
	return set->n++;
}

/* Fills set->net: the amounts less the discounts discount_ids give in row's period. */
static int item_set_net(struct item_set *set, struct svc *s, const json_t *row,
			const json_t *discount_ids, struct recur_err *e)
{
	struct svc_coupon coupons[BILLING_DISCOUNTS_MAX];
	struct billing_discount discounts[BILLING_DISCOUNTS_MAX];
	int64_t amounts[SUB_MAX_ITEMS * 2];
	size_t nd = 0;
	int rc;
	for (size_t i = 0; i < set->n; i++)
		if ((rc = svc_pricing_amount(&amounts[i], set->prices[i], set->qty[i], e)) < 0)
			return rc;
	if ((rc = svc_discounts_load(coupons, discounts, &nd, s, discount_ids, e)) < 0)
		return rc;
	/* A repeating discount applies as it would to this period's invoice. */
	if (billing_invoice_net_amounts(set->net, amounts, set->n,
					json_string_value(json_object_get(row, "currency")),
					json_integer_value(json_object_get(row,
									   "current_period_start")),
					discounts, nd, e) < 0)
		return err_internal(e, "cannot discount the prorated amounts");
	return 0;
}

/* The set of items as they are (one entry per item, in order), net of row's discounts. */
static int item_set_load(struct item_set *set, struct svc *s, const json_t *row,
			 const json_t *items, struct recur_err *e)
{
	size_t i;
	json_t *it;
	int rc;
	set->n = 0;
	json_array_foreach(items, i, it) {
		json_t *price = NULL;
		if ((rc = svc_get_cached(&price, s, &svc_prices_table,
					 json_string_value(json_object_get(it, "price")), e)) < 0)
			return rc;
		item_set_add(set, price, json_integer_value(json_object_get(it, "quantity")));
		json_decref(price);
	}
	return item_set_net(set, s, row, json_object_get(row, "discounts"), e);
}

/* Lines for the time left of one item, at full (its discounted amount) per full period. */
static int prorate_item(struct sub_lines *out, struct svc *s, const json_t *row,
			const json_t *item, const json_t *price, int64_t qty, int64_t full,
			int64_t at, enum billing_proration_kind kind, struct recur_err *e)
{
	int64_t cps = json_integer_value(json_object_get(row, "current_period_start"));
	int64_t cpe = json_integer_value(json_object_get(row, "current_period_end"));
	char name[200];
	struct billing_proration_line pl;
	if (at >= cpe || out->n >= sizeof(out->lines) / sizeof(out->lines[0]))
		return 0;
	if (billing_prorate_line(&pl, kind, full, cps, cpe, at, MONEY_ROUND_HALF_UP) < 0)
		return err_internal(e, "cannot prorate");
	struct sub_line *l = &out->lines[out->n++];
	sub_line_description(name, sizeof(name), s, price, qty);
	billing_proration_describe(l->description, sizeof(l->description), &pl, qty,
				   strstr(name, "× ") ? strstr(name, "× ") + strlen("× ") : name);
	snprintf(l->price, sizeof(l->price), "%s", json_string_value(json_object_get(price, "id")));
	snprintf(l->item, sizeof(l->item), "%s", json_string_value(json_object_get(item, "id")));
	l->tax_rates = json_object_get(item, "tax_rates");
	l->line = (struct svc_invoice_line){
		.amount = pl.amount, .quantity = qty, .description = l->description,
		.price = l->price, .subscription_item = l->item, .period_start = pl.period_start,
		.period_end = pl.period_end, .proration = true, .discountable = false,
		.tax_rates = json_array_size(l->tax_rates) ? l->tax_rates : NULL,
	};
	return 0;
}

/*
 * The final subscription_cancel invoice of a subscription ending at `at`: the
 * lines and what is pending. With neither Stripe makes no invoice, so no
 * number is taken.
 */
static int final_invoice(struct svc *s, json_t *row, const struct svc_invoice_line *lines,
			 size_t n, int64_t at, int64_t start, int64_t end, struct recur_err *e)
{
	bool pending = false;
	int rc = 0;
	if (n == 0 &&
	    (rc = svc_invoice_has_pending(&pending, s,
					  json_string_value(json_object_get(row, "customer")),
					  json_string_value(json_object_get(row, "id")),
					  json_string_value(json_object_get(row, "currency")), e)) < 0)
		return rc;
	if (n == 0 && !pending)
		return 0;
	return sub_invoice(NULL, s, row, "subscription_cancel", at, start, end, lines, n, NULL, e);
}

/* Puts proration lines where the behaviour says: pending items, an invoice now, nowhere. */
static int settle_prorations(struct svc *s, json_t *row, bool ending, struct sub_lines *lines,
			     enum billing_proration_outcome outcome, int64_t at, int64_t start,
			     int64_t end, const char *reason, struct recur_err *e)
{
	struct svc_invoice_line flat[SUB_MAX_ITEMS * 2];
	size_t n = 0;
	int rc = 0;
	const char *customer = json_string_value(json_object_get(row, "customer"));
	const char *sub = json_string_value(json_object_get(row, "id"));
	const char *currency = json_string_value(json_object_get(row, "currency"));
	if (outcome == BILLING_PRORATION_DISCARD)
		return 0;
	for (size_t i = 0; i < lines->n; i++) {
		if (lines->lines[i].line.amount == 0 && lines->lines[i].line.proration)
			continue;
		flat[n++] = lines->lines[i].line;
	}
	if (outcome == BILLING_PRORATION_PENDING) {
		for (size_t i = 0; i < n && rc >= 0; i++) {
			json_t *ii = NULL;
			/*
			 * A subscription that has ended bills nothing more, so its credits
			 * wait for the customer's next invoice, not the subscription's.
			 */
			const char *link = strcmp(json_string_value(json_object_get(row, "status")),
						  "canceled") == 0 || ending ? NULL : sub;
			rc = svc_invoiceitem_create_internal(&ii, s, customer, link, currency, &flat[i], e);
			json_decref(ii);
		}
		return rc;
	}
	if (ending)
		return final_invoice(s, row, flat, n, at, start, end, e);
	if (n == 0)
		return 0;
	return sub_invoice(NULL, s, row, reason, at, start, end, flat, n, NULL, e);
}

/*
 * cancellation_details of update and cancel, set on row: only the keys given,
 * "" unsets one; feedback is one of Stripe's reasons.
 */
static int cancellation_details_param(json_t *row, const json_t *p, struct recur_err *e)
{
	static const char *const keys[] = { "comment", "feedback", NULL };
	static const char *const feedbacks[] = { "", "customer_service", "low_quality",
						 "missing_features", "other", "switched_service",
						 "too_complex", "too_expensive", "unused", NULL };
	const json_t *details = NULL;
	const char *comment = NULL, *feedback = NULL;
	int rc;
	if ((rc = params_object(&details, p, "cancellation_details", e)) <= 0)
		return rc;
	if ((rc = params_only(details, keys, e)) < 0 ||
	    (rc = params_string(&comment, details, "comment", 5000, e)) < 0 ||
	    (rc = params_enum(&feedback, details, "feedback", feedbacks, e)) < 0)
		return params_nest(e, rc, "cancellation_details");
	json_t *cd = json_object_get(row, "cancellation_details");
	if (!json_is_object(cd)) {
		cd = json_pack("{s:n, s:n, s:n}", "comment", "feedback", "reason");
		json_object_set_new(row, "cancellation_details", cd);
	}
	if (comment || !details)
		json_object_set_new(cd, "comment", comment && *comment ? json_string(comment)
								      : json_null());
	if (feedback || !details)
		json_object_set_new(cd, "feedback", feedback && *feedback ? json_string(feedback)
									: json_null());
	return 0;
}

static int refuse_ended(const json_t *row, struct recur_err *e)
{
	const char *status = json_string_value(json_object_get(row, "status"));
	if (strcmp(status, "canceled") == 0 || strcmp(status, "incomplete_expired") == 0)
		return err_invalid(e, NULL, "A %s subscription can only update its"
				   " cancellation_details and metadata", status);
	return 0;
}

/* One entry of update's items[]. */
struct item_change {
	const char *id;       /* existing si_ or NULL for a new item */
	json_t *price;        /* new price object, or NULL if unchanged */
	int64_t quantity;
	bool has_quantity;
	bool deleted;
	json_t *tax_rates;    /* new ids, or NULL if unchanged */
	json_t *metadata;     /* merged, or NULL if unchanged */
};

static int item_change_param(struct item_change *out, struct svc *s, const json_t *it,
			     const json_t *items, struct recur_err *e)
{
	static const char *const keys[] = { "id", "price", "quantity", "deleted", "clear_usage",
					    "tax_rates", "metadata", NULL };
	const char *price = NULL;
	int rc;
	memset(out, 0, sizeof(*out));
	if (!json_is_object(it))
		return err_invalid(e, "", "Each item must be a hash");
	if ((rc = params_only(it, keys, e)) < 0 || (rc = params_string(&out->id, it, "id", 64, e)) < 0 ||
	    (rc = params_string(&price, it, "price", 255, e)) < 0 ||
	    (rc = params_int(&out->quantity, it, "quantity", 0, SUB_MAX_QUANTITY, e)) < 0 ||
	    (rc = params_bool(&out->deleted, it, "deleted", e)) < 0 ||
	    (rc = sub_check_tax_rates(&out->tax_rates, s, it, "tax_rates", e)) < 0)
		return rc;
	/* Set apart: assigned in the chain above, a bool would turn an error into true. */
	out->has_quantity = !json_is_null(json_object_get(it, "quantity")) &&
			    json_object_get(it, "quantity");
	const json_t *existing = NULL;
	size_t i;
	json_t *cur;
	if (out->id) {
		json_array_foreach(items, i, cur)
			if (strcmp(json_string_value(json_object_get(cur, "id")), out->id) == 0)
				existing = cur;
		if (!existing)
			return err_invalid(e, "id", "No such subscription item on this subscription: '%s'",
					   out->id);
	} else if (!price) {
		return err_set(e, RECUR_EINVAL, 400, "invalid_request_error", "parameter_missing",
			       "price", "A new item needs a price");
	}
	if (out->deleted && !out->id)
		return err_invalid(e, "deleted", "Only an existing item (with id) can be deleted");
	if (price) {
		if ((rc = store_obj_get(&out->price, s->db, &svc_prices_table, &s->scope, price, e)) < 0) {
			e->status = 400;
			snprintf(e->param, sizeof(e->param), "price");
			return RECUR_EINVAL;
		}
		struct billing_interval iv;
		if ((rc = svc_pricing_interval(&iv, out->price, e)) < 0)
			return rc;
		if (!json_is_true(json_object_get(out->price, "active")))
			return err_invalid(e, "price", "The price %s is archived", price);
		/* The rules create applies to items hold for items added or changed later. */
		const char *usage = json_string_value(json_object_get(json_object_get(out->price,
									 "recurring"), "usage_type"));
		if (usage && strcmp(usage, "metered") == 0)
			return err_invalid(e, "price", "Metered prices are billed with usage-based"
					   " billing, which recur does not offer yet");
	}
	if ((rc = params_metadata(&out->metadata, existing ? json_object_get(existing, "metadata")
							   : NULL, it, e)) < 0)
		return rc;
	if (!out->has_quantity)
		out->quantity = existing ? json_integer_value(json_object_get(existing, "quantity")) : 1;
	return 0;
}

static void item_changes_free(struct item_change *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		json_decref(c[i].price);
		json_decref(c[i].tax_rates);
		json_decref(c[i].metadata);
	}
}

/*
 * The recurring amount of the items as the update leaves them (changes
 * applied to items), which a promotion code's minimum_amount is checked
 * against.
 */
static int amount_after(int64_t *out, struct svc *s, const json_t *items,
			const struct item_change *changes, size_t n, struct recur_err *e)
{
	size_t i;
	json_t *it;
	int64_t sum = 0, a = 0;
	int rc = 0;
	*out = 0;
	json_array_foreach(items, i, it) {
		const struct item_change *c = NULL;
		for (size_t k = 0; k < n; k++)
			if (changes[k].id &&
			    strcmp(changes[k].id, json_string_value(json_object_get(it, "id"))) == 0)
				c = &changes[k];
		if (c && c->deleted)
			continue;
		json_t *owned = NULL, *item = json_copy(it);
		if (c && c->price)
			json_object_set(item, "price", c->price);
		if (c)
			json_object_set_new(item, "quantity", json_integer(c->quantity));
		rc = sub_item_amount(&a, s, item, NULL, &owned, e);
		json_decref(owned);
		json_decref(item);
		if (rc < 0)
			return rc;
		if (money_add(&sum, sum, a) < 0)
			return err_invalid(e, "items", "The items' amounts add up beyond what recur can"
					   " bill");
	}
	for (size_t k = 0; k < n; k++) {
		if (changes[k].id || !changes[k].price)
			continue;
		if ((rc = svc_pricing_amount(&a, changes[k].price, changes[k].quantity, e)) < 0)
			return rc;
		if (money_add(&sum, sum, a) < 0)
			return err_invalid(e, "items", "The items' amounts add up beyond what recur can"
					   " bill");
	}
	*out = sum;
	return 0;
}

static const char *const update_params[] = {
	"items", "proration_behavior", "proration_date", "cancel_at_period_end", "cancel_at",
	"trial_end", "trial_from_plan", "trial_settings", "default_tax_rates", "metadata",
	"description", "collection_method", "days_until_due", "billing_cycle_anchor",
	"discounts", "coupon", "promotion_code", "payment_behavior", "default_payment_method",
	"cancellation_details", "off_session", "pause_collection", NULL
};

int svc_subscription_update(json_t **out, struct svc *s, const char *id, const json_t *p,
			    struct recur_err *e)
{
	static const struct sub_update_opts stripe = { .credit_unused = true };
	return sub_update(out, s, id, p, &stripe, e);
}

int sub_update(json_t **out, struct svc *s, const char *id, const json_t *p,
	       const struct sub_update_opts *opts, struct recur_err *e)
{
	struct item_change changes[SUB_MAX_ITEMS];
	size_t nchanges = 0;
	json_t *before = NULL, *row = NULL, *items = NULL, *md = NULL, *rates = NULL;
	json_t *discounts = NULL, *trial_settings = NULL, *pause = NULL, *before_items = NULL;
	struct item_set old_set = { 0 }, new_set = { 0 };
	const char *proration = "create_prorations", *desc = NULL, *collection = NULL, *anchor = NULL;
	const char *pm = NULL, *pay_behavior = NULL;
	int64_t proration_date = 0, cancel_at = 0, days = 0, trial_end = 0, now = 0;
	bool cancel_at_period_end = false;
	int has_cape, has_cancel_at, has_days, has_trial_end = 0, trial_now = 0;
	int rc;
	*out = NULL;
	static const char *const collections[] = { "charge_automatically", "send_invoice", NULL };
	static const char *const anchors[] = { "now", "unchanged", NULL };
	static const char *const pay_behaviors[] = { "allow_incomplete", "default_incomplete",
						     "error_if_incomplete", "pending_if_incomplete",
						     NULL };
	if ((rc = params_only(p, update_params, e)) < 0)
		return rc;
	if ((rc = svc_begin(s, e)) < 0)
		return rc;
	if ((rc = sub_get(&before, s, id, e)) < 0)
		goto done;
	row = json_deep_copy(before);
	if ((rc = svc_test_clock_now(&now, s, json_string_value(json_object_get(row, "test_clock")),
				     e)) < 0)
		goto done;
	/* A canceled subscription keeps only its metadata and cancellation details changeable. */
	const char *status = json_string_value(json_object_get(row, "status"));
	bool ended = strcmp(status, "canceled") == 0 || strcmp(status, "incomplete_expired") == 0;
	if (ended) {
		const char *k;
		json_t *v;
		json_object_foreach((json_t *)(uintptr_t)p, k, v)
			if (strcmp(k, "metadata") != 0 && strcmp(k, "cancellation_details") != 0) {
				rc = refuse_ended(row, e);
				snprintf(e->param, sizeof(e->param), "%s", k);
				goto done;
			}
	}
	if ((rc = sub_load_items(&items, s, id, e)) < 0)
		goto done;
	const json_t *arr = NULL;
	if ((rc = params_array(&arr, p, "items", e)) < 0)
		goto done;
	if (json_array_size(arr) > SUB_MAX_ITEMS) {
		rc = err_invalid(e, "items", "At most %d items", SUB_MAX_ITEMS);
		goto done;
	}
	/* The items as they were, for previous_attributes (Stripe shows the old list). */
	if (json_array_size(arr) && (rc = sub_items_render(&before_items, s, id, e)) < 0)
		goto done;
	size_t i;
	json_t *it;
	json_array_foreach(arr, i, it) {
		rc = item_change_param(&changes[i], s, it, items, e);
		nchanges = i + 1;
		if (rc < 0) {
			rc = params_nest_index(e, rc, "items", i);
			goto done;
		}
	}
	if ((rc = sub_proration_param(&proration, p, e)) < 0 ||
	    (rc = params_int(&proration_date, p, "proration_date", 1, INT64_MAX, e)) < 0 ||
	    (rc = has_cape = params_bool(&cancel_at_period_end, p, "cancel_at_period_end", e)) < 0 ||
	    (rc = params_string(&desc, p, "description", 500, e)) < 0 ||
	    (rc = params_enum(&collection, p, "collection_method", collections, e)) < 0 ||
	    (rc = has_days = params_int(&days, p, "days_until_due", 0, 730, e)) < 0 ||
	    (rc = params_enum(&anchor, p, "billing_cycle_anchor", anchors, e)) < 0 ||
	    (rc = params_enum(&pay_behavior, p, "payment_behavior", pay_behaviors, e)) < 0 ||
	    (rc = params_string(&pm, p, "default_payment_method", 255, e)) < 0 ||
	    (rc = sub_check_tax_rates(&rates, s, p, "default_tax_rates", e)) < 0 ||
	    (rc = sub_trial_settings_param(&trial_settings, p, e)) < 0 ||
	    (rc = params_metadata(&md, json_object_get(row, "metadata"), p, e)) < 0 ||
	    (rc = sub_pause_param(&pause, p, now, e)) < 0)
		goto done;
	if (pm && *pm && (rc = svc_payment_method_check(s, json_string_value(json_object_get(row,
									  "customer")),
							pm, "default_payment_method", e)) < 0)
		goto done;
	json_t *ca = json_object_get(p, "cancel_at");
	has_cancel_at = ca != NULL;
	if ((has_cancel_at || has_cape) && json_is_string(json_object_get(row, "schedule"))) {
		/* Stripe: a schedule decides when its subscription ends (its end_behavior). */
		rc = err_invalid(e, has_cancel_at ? "cancel_at" : "cancel_at_period_end",
				 "The subscription is managed by the subscription schedule %s: update"
				 " or cancel the schedule instead",
				 json_string_value(json_object_get(row, "schedule")));
		goto done;
	}
	if (json_is_string(ca) && json_string_length(ca) == 0) {
		cancel_at = 0; /* "" clears a scheduled cancellation */
	} else if ((rc = params_int(&cancel_at, p, "cancel_at", now + 1, INT64_MAX, e)) < 0) {
		goto done;
	}
	json_t *te = json_object_get(p, "trial_end");
	if (json_is_string(te) && strcmp(json_string_value(te), "now") == 0)
		trial_now = 1;
	else if ((rc = has_trial_end = params_int(&trial_end, p, "trial_end", now + 1,
						  now + BILLING_TRIAL_MAX_DAYS * 86400LL, e)) < 0)
		goto done;
	int64_t cps = json_integer_value(json_object_get(row, "current_period_start"));
	int64_t cpe = json_integer_value(json_object_get(row, "current_period_end"));
	int64_t at = proration_date ? proration_date : now;
	if (proration_date && (proration_date < cps || proration_date > cpe)) {
		rc = err_invalid(e, "proration_date", "proration_date must lie within the current"
				 " period (%lld to %lld)", (long long)cps, (long long)cpe);
		goto done;
	}
	if (ended && nchanges) {
		rc = refuse_ended(row, e);
		goto done;
	}
	int64_t amount = 0;
	if ((rc = amount_after(&amount, s, items, changes, nchanges, e)) < 0 ||
	    (rc = sub_discounts_param(&discounts, s, p,
				      json_string_value(json_object_get(row, "customer")), id,
				      json_string_value(json_object_get(row, "currency")), amount, now,
				      e)) < 0)
		goto done;

	/* Interval and currency must stay one across items; a new interval resets the cycle. */
	struct billing_interval old_iv, new_iv;
	if ((rc = sub_interval(&old_iv, row, e)) < 0)
		goto done;
	new_iv = old_iv;
	/* An item neither deleted nor given a new price keeps the old interval. */
	bool interval_seen = false;
	json_array_foreach(items, i, it) {
		bool kept = true;
		for (size_t k = 0; k < nchanges; k++)
			if (changes[k].id && (changes[k].deleted || changes[k].price) &&
			    strcmp(changes[k].id, json_string_value(json_object_get(it, "id"))) == 0)
				kept = false;
		interval_seen = interval_seen || kept;
	}
	for (size_t k = 0; k < nchanges; k++) {
		struct billing_interval iv;
		if (!changes[k].price || changes[k].deleted)
			continue;
		svc_pricing_interval(&iv, changes[k].price, e);
		if (!json_equal(json_object_get(changes[k].price, "currency"), json_object_get(row, "currency"))) {
			rc = params_nest_index(e, err_invalid(e, "price", "All prices on a subscription"
							      " must have the subscription's currency"),
					       "items", k);
			goto done;
		}
		if (interval_seen && (iv.unit != new_iv.unit || iv.count != new_iv.count)) {
			rc = params_nest_index(e, err_invalid(e, "price", "All prices on a subscription"
							      " must have the same billing interval"),
					       "items", k);
			goto done;
		}
		new_iv = iv;
		interval_seen = true;
	}
	bool cycle_resets = (anchor && strcmp(anchor, "now") == 0) || new_iv.unit != old_iv.unit ||
			    new_iv.count != old_iv.count;
	enum billing_proration_behavior pb;
	billing_proration_behavior_parse(&pb, proration);

	/* Apply the item changes, collecting proration lines at `at`. */
	struct sub_lines prorations = { 0 };
	bool trialing = strcmp(status, "trialing") == 0;
	/*
	 * What is credited is the items as they are, under the discounts they
	 * have; what is charged, the items as the update leaves them, under the
	 * discounts they will have: both discounted as Stripe prorates them.
	 */
	size_t new_of_change[SUB_MAX_ITEMS] = { 0 };
	if (!trialing && (rc = item_set_load(&old_set, s, before, items, e)) < 0)
		goto done;
	if (!trialing && !cycle_resets) {
		json_array_foreach(items, i, it) {
			const struct item_change *c = NULL;
			for (size_t k = 0; k < nchanges; k++)
				if (changes[k].id && strcmp(changes[k].id, json_string_value(
						json_object_get(it, "id"))) == 0)
					c = &changes[k];
			if (c && c->deleted)
				continue;
			size_t at_new = item_set_add(&new_set, c && c->price ? c->price : old_set.prices[i],
						     c ? c->quantity : old_set.qty[i]);
			for (size_t k = 0; k < nchanges; k++)
				if (&changes[k] == c)
					new_of_change[k] = at_new;
		}
		for (size_t k = 0; k < nchanges; k++)
			if (!changes[k].id)
				new_of_change[k] = item_set_add(&new_set, changes[k].price,
								changes[k].quantity);
		if ((rc = item_set_net(&new_set, s, row, discounts ? discounts
						: json_object_get(row, "discounts"), e)) < 0)
			goto done;
	}
	if (cycle_resets && !trialing && pb != BILLING_PRORATION_BEHAVIOR_NONE &&
	    opts->credit_unused) {
		/* A new cycle credits the unused time of everything billed so far. */
		json_array_foreach(items, i, it)
			if ((rc = prorate_item(&prorations, s, row, it, old_set.prices[i],
					       old_set.qty[i], old_set.net[i], now,
					       BILLING_PRORATION_UNUSED_TIME, e)) < 0)
				goto done;
	}
	for (size_t k = 0; k < nchanges; k++) {
		struct item_change *c = &changes[k];
		json_t *cur = NULL;
		size_t j, cur_at = 0;
		json_t *x;
		json_array_foreach(items, j, x)
			if (c->id && strcmp(json_string_value(json_object_get(x, "id")), c->id) == 0) {
				cur = x;
				cur_at = j;
			}
		json_t *old_price = NULL, *new_price = NULL;
		if (cur && (rc = store_obj_get(&old_price, s->db, &svc_prices_table, &s->scope,
					       json_string_value(json_object_get(cur, "price")), e)) < 0)
			goto done;
		new_price = c->price ? json_incref(c->price) : json_incref(old_price);
		int64_t old_qty = cur ? json_integer_value(json_object_get(cur, "quantity")) : 0;
		if (!trialing && !cycle_resets) {
			if (cur && opts->credit_unused &&
			    (rc = prorate_item(&prorations, s, row, cur, old_price, old_qty,
						      old_set.net[cur_at], at,
						      BILLING_PRORATION_UNUSED_TIME, e)) < 0)
				goto item_done;
			if (!c->deleted && (rc = prorate_item(&prorations, s, row, cur ? cur : json_null(),
							      new_price, c->quantity,
							      new_set.net[new_of_change[k]], at,
							      BILLING_PRORATION_REMAINING_TIME, e)) < 0)
				goto item_done;
		}
		if (cur && c->deleted) {
			rc = store_obj_delete(s->db, &svc_subscription_items_table, &s->scope, c->id, e);
		} else if (cur) {
			json_t *upd = json_deep_copy(cur);
			json_object_set(upd, "price", json_object_get(new_price, "id"));
			json_object_set_new(upd, "quantity", json_integer(c->quantity));
			if (c->tax_rates)
				json_object_set(upd, "tax_rates", c->tax_rates);
			json_object_set(upd, "metadata", c->metadata);
			rc = store_obj_update(s->db, &svc_subscription_items_table, &s->scope, upd, e);
			json_decref(upd);
		} else {
			char si[IDS_MAX];
			ids_new(si, sizeof(si), "si");
			json_t *ins = json_pack("{s:s, s:I, s:s, s:O, s:I, s:o, s:o, s:O}", "id", si,
						"created", (json_int_t)now, "subscription", id, "price",
						json_object_get(new_price, "id"), "quantity",
						(json_int_t)c->quantity, "tax_rates",
						c->tax_rates ? json_incref(c->tax_rates) : json_array(),
						"discounts", json_array(), "metadata", c->metadata);
			rc = store_obj_insert(s->db, &svc_subscription_items_table, &s->scope, ins, e);
			json_decref(ins);
		}
item_done:
		json_decref(old_price);
		json_decref(new_price);
		if (rc < 0)
			goto done;
	}
	json_decref(items);
	items = NULL;
	if ((rc = sub_load_items(&items, s, id, e)) < 0)
		goto done;
	if (json_array_size(items) == 0) {
		rc = err_invalid(e, "items", "A subscription needs at least one item; cancel it instead");
		goto done;
	}
	/* Stripe: a price appears once on a subscription; name the change that repeats it. */
	json_array_foreach(items, i, it) {
		const char *price = json_string_value(json_object_get(it, "price"));
		size_t j;
		json_t *other;
		json_array_foreach(items, j, other) {
			if (j <= i || strcmp(price, json_string_value(json_object_get(other, "price"))) != 0)
				continue;
			size_t k;
			for (k = 0; k + 1 < nchanges; k++)
				if (changes[k].price && json_equal(json_object_get(changes[k].price, "id"),
								   json_object_get(it, "price")))
					break;
			rc = params_nest_index(e, err_invalid(e, "price", "The price %s is on this"
							      " subscription already", price), "items", k);
			goto done;
		}
	}

	/* Plain fields. */
	json_object_set(row, "metadata", md);
	if (desc)
		json_object_set_new(row, "description", *desc ? json_string(desc) : json_null());
	if (pm)
		json_object_set_new(row, "default_payment_method", *pm ? json_string(pm) : json_null());
	if (collection)
		json_object_set_new(row, "collection_method", json_string(collection));
	if (has_days)
		json_object_set_new(row, "days_until_due", json_integer(days));
	if (strcmp(json_string_value(json_object_get(row, "collection_method")), "send_invoice") == 0 &&
	    !json_is_integer(json_object_get(row, "days_until_due"))) {
		rc = err_invalid(e, "days_until_due", "days_until_due is required when collection_method"
				 " is send_invoice");
		goto done;
	}
	if (rates)
		json_object_set(row, "default_tax_rates", rates);
	if (trial_settings)
		json_object_set(row, "trial_settings", trial_settings);
	if (discounts)
		json_object_set(row, "discounts", discounts);
	/* Set before any invoice below: an invoice this update makes is held back too. */
	if (pause)
		json_object_set(row, "pause_collection", pause);
	if ((rc = cancellation_details_param(row, p, e)) < 0)
		goto done;
	if (has_cape) {
		json_object_set_new(row, "cancel_at_period_end", json_boolean(cancel_at_period_end));
		if (cancel_at_period_end)
			json_object_set_new(row, "cancel_at", json_null());
	}
	if (has_cancel_at) {
		json_object_set_new(row, "cancel_at", cancel_at ? json_integer(cancel_at) : json_null());
		/* Kept for the cancellation's own proration when cancel_at comes (renewal.c). */
		json_object_set_new(row, "cancel_at_proration",
				    cancel_at ? json_string(proration) : json_null());
		if (cancel_at)
			json_object_set_new(row, "cancel_at_period_end", json_false());
	}

	/* Trial changes: end it now, or move its end. */
	if (trial_now && trialing) {
		json_object_set_new(row, "trial_end", json_integer(now));
		cycle_resets = true;
	} else if (has_trial_end && trialing) {
		/*
		 * An anchor that was the trial's end (no anchor of its own given)
		 * moves with it: the first paid period starts when the trial ends.
		 */
		if (json_equal(json_object_get(row, "billing_cycle_anchor"),
			       json_object_get(row, "trial_end")))
			json_object_set_new(row, "billing_cycle_anchor", json_integer(trial_end));
		json_object_set_new(row, "trial_end", json_integer(trial_end));
		json_object_set_new(row, "current_period_end", json_integer(trial_end));
	} else if (has_trial_end) {
		/*
		 * A trial given to a running subscription (Stripe: "extend a trial on
		 * an existing subscription"): it is trialing from now to trial_end,
		 * the unused time of the period it paid for is credited as the
		 * proration behaviour says, and its cycle starts again at trial_end.
		 */
		if (strcmp(status, "active") != 0) {
			rc = err_invalid(e, "trial_end", "A trial can be given only to an active or"
					 " trialing subscription (this one is %s)", status);
			goto done;
		}
		if (nchanges || cycle_resets) {
			rc = err_invalid(e, "trial_end", "Give a trial and change the items or the"
					 " billing cycle in two updates");
			goto done;
		}
		if ((rc = sub_prorate_items(&prorations, s, row, at, BILLING_PRORATION_UNUSED_TIME,
					    e)) < 0)
			goto done;
		json_object_set_new(row, "status", json_string("trialing"));
		json_object_set_new(row, "trial_start", json_integer(now));
		json_object_set_new(row, "trial_end", json_integer(trial_end));
		json_object_set_new(row, "current_period_start", json_integer(now));
		json_object_set_new(row, "current_period_end", json_integer(trial_end));
		json_object_set_new(row, "billing_cycle_anchor", json_integer(trial_end));
		json_object_set_new(row, "billing_cycle_anchor_config", json_null());
	}

	if (cycle_resets && !ended) {
		/*
		 * A new cycle starts now: the anchor moves to now, the unused time of
		 * the old period is credited, and the new period is invoiced at once.
		 */
		int64_t ncpe = 0;
		if ((rc = calendar_add_interval(&ncpe, now, new_iv.unit, new_iv.count)) < 0) {
			rc = err_internal(e, "cannot compute the new period");
			goto done;
		}
		json_object_set_new(row, "billing_cycle_anchor", json_integer(now));
		json_object_set_new(row, "billing_cycle_anchor_config", json_null());
		json_object_set_new(row, "plan_interval", json_string(calendar_unit_name(new_iv.unit)));
		json_object_set_new(row, "plan_interval_count", json_integer(new_iv.count));
		json_object_set_new(row, "current_period_start", json_integer(now));
		json_object_set_new(row, "current_period_end", json_integer(ncpe));
		if (trialing)
			json_object_set_new(row, "status", json_string("active"));
		struct sub_lines lines;
		if ((rc = sub_period_lines(&lines, s, items, now, ncpe, false, e)) < 0)
			goto done;
		for (size_t k = 0; k < prorations.n && lines.n < sizeof(lines.lines) / sizeof(lines.lines[0]); k++)
			lines.lines[lines.n++] = prorations.lines[k];
		struct svc_invoice_line flat[SUB_MAX_ITEMS * 2];
		for (size_t k = 0; k < lines.n; k++)
			flat[k] = lines.lines[k].line;
		if ((rc = sub_invoice(NULL, s, row, "subscription_update", now, now, ncpe, flat,
				      lines.n, NULL, e)) < 0)
			goto done;
	} else if (prorations.n) {
		enum billing_proration_outcome outcome = billing_proration_decide(pb, false);
		if ((rc = settle_prorations(s, row, false, &prorations, outcome, now, at, cpe,
					    "subscription_update", e)) < 0)
			goto done;
	}
	if ((rc = sub_save_full(s, row, before, before_items, "customer.subscription.updated",
				NULL, e)) < 0 ||
	    (rc = sub_collect(s, row, before, pay_behavior, now, e)) < 0)
		goto done;
	if (rc > 0) {
		/* Collecting the change's invoice may have made the subscription past_due. */
		json_decref(row);
		row = NULL;
		if ((rc = sub_get(&row, s, id, e)) < 0)
			goto done;
	}
	rc = sub_render(out, s, row, e);
done:
	rc = svc_finish(s, rc, e);
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	}
	item_changes_free(changes, nchanges);
	json_decref(before);
	json_decref(row);
	json_decref(items);
	json_decref(md);
	json_decref(rates);
	json_decref(discounts);
	json_decref(trial_settings);
	json_decref(pause);
	json_decref(before_items);
	item_set_free(&old_set);
	item_set_free(&new_set);
	return rc;
}

int sub_prorate_items(struct sub_lines *out, struct svc *s, const json_t *row, int64_t at,
		      enum billing_proration_kind kind, struct recur_err *e)
{
	json_t *items = NULL;
	struct item_set set = { 0 };
	size_t i;
	json_t *it;
	int rc = sub_load_items(&items, s, json_string_value(json_object_get(row, "id")), e);
	if (rc < 0 || (rc = item_set_load(&set, s, row, items, e)) < 0)
		goto done;
	json_array_foreach(items, i, it)
		if ((rc = prorate_item(out, s, row, it, set.prices[i], set.qty[i], set.net[i], at, kind,
				       e)) < 0)
			goto done;
done:
	json_decref(items);
	item_set_free(&set);
	return rc < 0 ? rc : 0;
}

int sub_credit_pending(struct svc *s, json_t *row, struct sub_lines *credits, int64_t at,
		       struct recur_err *e)
{
	int64_t cpe = json_integer_value(json_object_get(row, "current_period_end"));
	return settle_prorations(s, row, true, credits, BILLING_PRORATION_PENDING, at, at, cpe,
				 "subscription_update", e);
}

/*
 * Ends a subscription at `at`: status canceled, ended. With prorate, the unused
 * time of every item is credited; with invoice_now, at once on a final invoice
 * (a negative total is credited to the customer's balance), otherwise as
 * pending items.
 */
int sub_end(struct svc *s, json_t *row, const json_t *before, int64_t at, bool prorate,
	    bool invoice_now, const char *reason, struct recur_err *e)
{
	int rc = 0;
	const char *status = json_string_value(json_object_get(row, "status"));
	int64_t cpe = json_integer_value(json_object_get(row, "current_period_end"));
	/*
	 * A paused subscription's billed time may end before its period does
	 * (its unused time was credited when it paused): only what is still
	 * billed and unused is credited again.
	 */
	json_t *paid_through = json_object_get(row, "paid_through");
	int64_t paid = json_is_integer(paid_through) ? json_integer_value(paid_through) : cpe;
	if (prorate && strcmp(status, "trialing") != 0 && at < cpe && at < paid) {
		struct sub_lines credits = { 0 };
		if ((rc = sub_prorate_items(&credits, s, row, at, BILLING_PRORATION_UNUSED_TIME, e)) < 0)
			goto done;
		if ((rc = settle_prorations(s, row, true, &credits,
					    invoice_now ? BILLING_PRORATION_INVOICE_NOW
							: BILLING_PRORATION_PENDING,
					    at, at, cpe, "subscription_cancel", e)) < 0)
			goto done;
	} else if (invoice_now) {
		/* Bill what is pending (earlier prorations) on a final invoice. */
		if ((rc = final_invoice(s, row, NULL, 0, at, at, at, e)) < 0)
			goto done;
	}
	/* The schedule managing it ends with it (Stripe cancels the schedule too). */
	const char *schedule = json_string_value(json_object_get(row, "schedule"));
	if (schedule && (rc = svc_schedule_subscription_ended(s, schedule, at, e)) < 0)
		goto done;
	json_object_set_new(row, "status", json_string("canceled"));
	json_object_set_new(row, "canceled_at", json_integer(at));
	json_object_set_new(row, "ended_at", json_integer(at));
	json_t *cd = json_object_get(row, "cancellation_details");
	if (json_is_object(cd))
		json_object_set_new(cd, "reason", json_string(reason));
	rc = sub_save(s, row, before, "customer.subscription.deleted", e);
done:
	return rc;
}

static const char *const cancel_params[] = { "invoice_now", "prorate", "cancellation_details",
					     NULL };

int svc_subscription_cancel(json_t **out, struct svc *s, const char *id, const json_t *p,
			    struct recur_err *e)
{
	json_t *before = NULL, *row = NULL;
	bool invoice_now = false, prorate = false;
	int64_t now = 0;
	int rc;
	*out = NULL;
	if ((rc = params_only(p, cancel_params, e)) < 0 ||
	    (rc = params_bool(&invoice_now, p, "invoice_now", e)) < 0 ||
	    (rc = params_bool(&prorate, p, "prorate", e)) < 0)
		return rc;
	if ((rc = svc_begin(s, e)) < 0)
		return rc;
	if ((rc = sub_get(&before, s, id, e)) < 0)
		goto done;
	if ((rc = refuse_ended(before, e)) < 0) {
		snprintf(e->message, sizeof(e->message), "This subscription is already %s",
			 json_string_value(json_object_get(before, "status")));
		goto done;
	}
	if ((rc = svc_test_clock_now(&now, s, json_string_value(json_object_get(before, "test_clock")),
				     e)) < 0)
		goto done;
	row = json_deep_copy(before);
	if ((rc = cancellation_details_param(row, p, e)) < 0)
		goto done;
	/* A final invoice with something due is charged (a canceled subscription keeps its status). */
	if ((rc = sub_end(s, row, before, now, prorate, invoice_now, "cancellation_requested", e)) < 0 ||
	    (rc = sub_collect(s, row, before, NULL, now, e)) < 0)
		goto done;
	rc = sub_render(out, s, row, e);
done:
	rc = svc_finish(s, rc, e);
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	}
	json_decref(before);
	json_decref(row);
	return rc;
}

int svc_subscription_cancel_customer(struct svc *s, const char *customer, int64_t at,
				     struct recur_err *e)
{
	struct store_filter f[] = {
		{ .col = "customer", .op = "=", .val = SV_TEXT(customer) },
		{ .col = "status", .op = "!=", .val = SV_TEXT("canceled") },
		{ .col = "status", .op = "!=", .val = SV_TEXT("incomplete_expired") },
	};
	struct store_page page = { .limit = 100 };
	for (;;) {
		json_t *rows = NULL;
		bool more = false;
		int rc = store_obj_list(&rows, &more, s->db, &svc_subscriptions_table, &s->scope, f, 3,
					&page, e);
		if (rc < 0)
			return rc;
		size_t i;
		json_t *row;
		json_array_foreach(rows, i, row) {
			json_t *ended = json_deep_copy(row);
			rc = sub_end(s, ended, row, at, false, false, "cancellation_requested", e);
			json_decref(ended);
			if (rc < 0)
				break;
		}
		json_decref(rows);
		if (rc < 0 || !more)
			return rc;
	}
}

int svc_subscription_invoice_paid(struct svc *s, const char *subscription, const char *invoice,
				  struct recur_err *e)
{
	json_t *before = NULL, *row = NULL;
	int rc;
	(void)invoice;
	if (!subscription)
		return 0;
	if ((rc = sub_get(&before, s, subscription, e)) < 0)
		return rc == RECUR_ENOTFOUND ? 0 : rc;
	const char *status = json_string_value(json_object_get(before, "status"));
	/* Stripe: paying the open invoice of an incomplete or past_due subscription makes it active. */
	if (strcmp(status, "incomplete") != 0 && strcmp(status, "past_due") != 0 &&
	    strcmp(status, "unpaid") != 0)
		goto done;
	row = json_deep_copy(before);
	json_object_set_new(row, "status", json_string("active"));
	rc = sub_save(s, row, before, "customer.subscription.updated", e);
done:
	json_decref(before);
	json_decref(row);
	return rc;
}

int sub_items_net(int64_t *out, struct svc *s, const json_t *row, const json_t *items,
		  struct recur_err *e)
{
	struct item_set set = { 0 };
	int64_t sum = 0;
	int rc = item_set_load(&set, s, row, items, e);
	for (size_t i = 0; rc >= 0 && i < set.n; i++)
		if (money_add(&sum, sum, set.net[i]) < 0)
			rc = err_internal(e, "the items' amounts overflow");
	item_set_free(&set);
	*out = rc < 0 ? 0 : sum;
	return rc < 0 ? rc : 0;
}
