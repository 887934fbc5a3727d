/*
 * subscription_schedule.c - subscription schedules: the object, reading its
 * phases from a request, create, retrieve, list and update. Starting, phase
 * changes, the end, cancel and release are in subscription_schedule_run.c.
 */
#include "service/subscription_schedule_internal.h"
#include "billing/schedule.h"
#include "core/ids.h"
#include "service/coupon.h"
#include "service/customer.h"
#include "service/list.h"
#include "service/params.h"
#include "service/price.h"
#include "service/subscription_internal.h"
#include "service/test_clock.h"

#include <stdio.h>
#include <string.h>

static const struct store_col sched_cols[] = {
	{ "customer", COL_TEXT, 0 },
	{ "status", COL_TEXT, 0 },
	{ "subscription", COL_TEXT, 0 },
	{ "end_behavior", COL_TEXT, 0 },
	{ "phases", COL_JSON, 0 },
	{ "default_settings", COL_JSON, 0 },
	{ "released_at", COL_INT, 0 },
	{ "released_subscription", COL_TEXT, 0 },
	{ "canceled_at", COL_INT, 0 },
	{ "completed_at", COL_INT, 0 },
	{ "test_clock", COL_TEXT, 0 },
	{ "metadata", COL_JSON, 0 },
	/* bookkeeping, removed by sched_render */
	{ "phase_index", COL_INT, 0 },
	{ "due_at", COL_INT, 0 },
};

const struct store_table svc_subscription_schedules_table = {
	.table = "subscription_schedules", .object = "subscription_schedule",
	.noun = "subscription schedule",
	.cols = sched_cols, .ncols = sizeof(sched_cols) / sizeof(sched_cols[0]),
};

int sched_get(json_t **out, struct svc *s, const char *id, struct recur_err *e)
{
	return store_obj_get(out, s->db, &svc_subscription_schedules_table, &s->scope, id, e);
}

json_t *sched_render(const json_t *row)
{
	json_t *o = json_deep_copy(row);
	const char *status = json_string_value(json_object_get(row, "status"));
	json_t *phase = json_array_get(json_object_get(row, "phases"),
				       (size_t)json_integer_value(json_object_get(row, "phase_index")));
	json_object_del(o, "phase_index");
	json_object_del(o, "due_at");
	/* Stripe shows the current phase's dates only while the schedule is active. */
	json_object_set_new(o, "current_phase",
			    strcmp(status, "active") == 0 && phase
				    ? json_pack("{s:O, s:O}", "start_date",
						json_object_get(phase, "start_date"), "end_date",
						json_object_get(phase, "end_date"))
				    : json_null());
	json_object_set_new(o, "application", json_null());
	return o;
}

int sched_save(struct svc *s, const json_t *row, const json_t *before, const char *type,
	       struct recur_err *e)
{
	json_t *pub = NULL, *prev_pub = NULL, *prev = NULL;
	int rc = store_obj_update(s->db, &svc_subscription_schedules_table, &s->scope, row, e);
	if (rc < 0 || !type)
		return rc;
	pub = sched_render(row);
	if (before) {
		prev_pub = sched_render(before);
		prev = svc_previous_attributes(prev_pub, pub);
		if (!prev && strcmp(type, "subscription_schedule.updated") == 0)
			goto done; /* nothing a client can see changed: no event */
	}
	rc = svc_event(s, type, pub, prev, e);
done:
	json_decref(pub);
	json_decref(prev_pub);
	json_decref(prev);
	return rc;
}

int sched_at(struct svc *inner, struct svc *s, const char *clock, int64_t t,
	     struct recur_err *e)
{
	json_t *c = NULL;
	*inner = *s;
	inner->now = t;
	inner->commit_hook = NULL;
	inner->commit_ctx = NULL;
	if (!clock)
		return 0;
	int rc = store_obj_get(&c, s->db, &svc_test_clocks_table, &s->scope, clock, e);
	if (rc == 0 && json_integer_value(json_object_get(c, "frozen_time")) < t) {
		json_object_set_new(c, "frozen_time", json_integer(t));
		rc = store_obj_update(s->db, &svc_test_clocks_table, &s->scope, c, e);
	}
	json_decref(c);
	return rc;
}

int sched_now(int64_t *out, struct svc *s, const json_t *row, struct recur_err *e)
{
	return svc_test_clock_now(out, s, json_string_value(json_object_get(row, "test_clock")), e);
}

/* ---- phases from a request ---- */

static const char *const phase_keys[] = {
	"items", "iterations", "end_date", "start_date", "proration_behavior", "collection_method",
	"default_tax_rates", "coupon", "discounts", "trial", "trial_end", "billing_cycle_anchor",
	"metadata", NULL
};
static const char *const item_keys[] = { "price", "quantity", "tax_rates", "metadata", NULL };
static const char *const anchors[] = { "automatic", "phase_start", NULL };

/* One phases[i][items][j]: the rendered item; *iv its price's interval. */
static int phase_item(json_t **out, struct billing_interval *iv, struct svc *s, const json_t *it,
		      char *currency, size_t cap, struct recur_err *e)
{
	const char *price_id = NULL;
	int64_t quantity = 1;
	json_t *price = NULL, *rates = NULL, *md = NULL;
	int rc;
	*out = NULL;
	if (!json_is_object(it))
		return err_invalid(e, "", "Each item must be a hash");
	if ((rc = params_only(it, item_keys, e)) < 0 || (rc = params_require(it, "price", e)) < 0 ||
	    (rc = params_string(&price_id, it, "price", 255, e)) < 0 ||
	    (rc = params_int(&quantity, it, "quantity", 0, SUB_MAX_QUANTITY, e)) < 0)
		return rc;
	if (store_obj_get(&price, s->db, &svc_prices_table, &s->scope, price_id, e) < 0) {
		e->status = 400;
		snprintf(e->param, sizeof(e->param), "price");
		return RECUR_EINVAL;
	}
	const char *usage = json_string_value(json_object_get(json_object_get(price, "recurring"),
							      "usage_type"));
	const char *cur = json_string_value(json_object_get(price, "currency"));
	if (!json_is_true(json_object_get(price, "active")))
		rc = err_invalid(e, "price", "The price %s is archived", price_id);
	else if ((rc = svc_pricing_interval(iv, price, e)) < 0)
		;
	else if (usage && strcmp(usage, "metered") == 0)
		rc = err_invalid(e, "price", "Metered prices are billed with usage-based billing,"
				 " which recur does not offer yet");
	else if (currency[0] && strcmp(currency, cur) != 0)
		rc = err_invalid(e, "price", "All prices of a schedule must be in %s, not %s",
				 currency, cur);
	else if ((rc = sub_check_tax_rates(&rates, s, it, "tax_rates", e)) >= 0 &&
		 (rc = params_metadata(&md, NULL, it, e)) >= 0) {
		snprintf(currency, cap, "%s", cur);
		*out = json_pack("{s:n, s:[], s:o, s:s, s:s, s:I, s:o}", "billing_thresholds",
				 "discounts", "metadata", md, "plan", price_id, "price", price_id,
				 "quantity", (json_int_t)quantity, "tax_rates",
				 rates ? rates : json_array());
		md = rates = NULL;
		rc = 0;
	}
	json_decref(rates);
	json_decref(md);
	json_decref(price);
	return rc;
}

/*
 * One phases[i] without its dates: the rendered phase and its billing
 * interval, its dating input in *dates. currency: see sched_phases_param
 * (kept in a caller-owned buffer).
 */
static int phase_param(json_t **out, struct billing_schedule_phase *dates, struct svc *s,
		       const json_t *ph, size_t index, char *currency, size_t cap,
		       struct recur_err *e)
{
	const json_t *items = NULL;
	const char *proration = "create_prorations", *collection = NULL, *anchor = NULL;
	const char *coupon = NULL;
	json_t *phase = NULL, *rates = NULL, *md = NULL, *list = json_array();
	int64_t trial_end = 0;
	bool trial = false;
	int rc;
	static const char *const collections[] = { "charge_automatically", NULL };
	*out = NULL;
	memset(dates, 0, sizeof(*dates));
	if (!json_is_object(ph)) {
		rc = err_invalid(e, "", "Each phase must be a hash");
		goto done;
	}
	if ((rc = params_only(ph, phase_keys, e)) < 0 || (rc = params_array(&items, ph, "items", e)) < 0)
		goto done;
	if (!items || json_array_size(items) == 0) {
		rc = err_set(e, RECUR_EINVAL, 400, "invalid_request_error", "parameter_missing",
			     "items", "Each phase needs at least one item.");
		goto done;
	}
	if (json_array_size(items) > SUB_MAX_ITEMS) {
		rc = err_invalid(e, "items", "A phase can have at most %d items", SUB_MAX_ITEMS);
		goto done;
	}
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it) {
		json_t *item = NULL;
		struct billing_interval iv;
		if ((rc = params_nest_index(e, phase_item(&item, &iv, s, it, currency, cap, e), "items", i)) < 0)
			goto done;
		json_array_append_new(list, item);
		if (i == 0) {
			dates->unit = iv.unit;
			dates->count = iv.count;
		} else if (iv.unit != dates->unit || iv.count != dates->count) {
			rc = params_nest_index(e, err_invalid(e, "price", "All prices of a phase must"
							      " have the same billing interval"),
					       "items", i);
			goto done;
		}
		for (size_t j = 0; j < i; j++)
			if (json_equal(json_object_get(json_array_get(list, j), "price"),
				       json_object_get(item, "price"))) {
				rc = params_nest_index(e, err_invalid(e, "price", "A price may appear"
								      " only once in a phase"),
						       "items", i);
				goto done;
			}
	}
	if ((rc = params_int(&dates->iterations, ph, "iterations", 1,
			     BILLING_SCHEDULE_MAX_ITERATIONS, e)) < 0 ||
	    (rc = params_int(&dates->end_date, ph, "end_date", 1, INT64_MAX, e)) < 0 ||
	    (rc = sub_proration_param(&proration, ph, e)) < 0 ||
	    (rc = params_enum(&collection, ph, "collection_method", collections, e)) < 0 ||
	    (rc = params_enum(&anchor, ph, "billing_cycle_anchor", anchors, e)) < 0 ||
	    (rc = sub_check_tax_rates(&rates, s, ph, "default_tax_rates", e)) < 0 ||
	    (rc = params_string(&coupon, ph, "coupon", 255, e)) < 0 ||
	    (rc = params_bool(&trial, ph, "trial", e)) < 0 ||
	    (rc = params_metadata(&md, NULL, ph, e)) < 0)
		goto done;
	if (dates->iterations && dates->end_date) {
		rc = err_invalid(e, "iterations", "You may only specify one of end_date and"
				 " iterations");
		goto done;
	}
	/* discounts[]: coupons only (promotion codes are redeemed on subscriptions). */
	const json_t *discounts = NULL;
	if ((rc = params_array(&discounts, ph, "discounts", e)) < 0)
		goto done;
	if (json_array_size(discounts) > 1 || (coupon && json_array_size(discounts))) {
		rc = err_invalid(e, "discounts", "recur applies one coupon per phase");
		goto done;
	}
	if (json_array_size(discounts)) {
		static const char *const dkeys[] = { "coupon", NULL };
		const json_t *d = json_array_get(discounts, 0);
		if (!json_is_object(d) || (rc = params_only(d, dkeys, e)) < 0 ||
		    (rc = params_require(d, "coupon", e)) < 0 ||
		    (rc = params_string(&coupon, d, "coupon", 255, e)) < 0) {
			if (rc == 0)
				rc = err_invalid(e, "", "Each discount must be a hash");
			rc = params_nest_index(e, rc, "discounts", 0);
			goto done;
		}
	}
	if (coupon) {
		json_t *c = NULL;
		if (store_obj_get(&c, s->db, &svc_coupons_table, &s->scope, coupon, e) < 0) {
			rc = err_invalid(e, json_array_size(discounts) ? "discounts[0][coupon]" : "coupon",
					 "No such coupon: '%s'", coupon);
			goto done;
		}
		json_decref(c);
	}
	/* A trial is the first phase's: later phases change a running subscription. */
	json_t *te = json_object_get(ph, "trial_end");
	if (te && (rc = params_int(&trial_end, ph, "trial_end", 1, INT64_MAX, e)) < 0)
		goto done;
	if ((trial_end || trial) && index > 0) {
		rc = err_invalid(e, trial_end ? "trial_end" : "trial", "recur supports a trial in"
				 " the first phase only");
		goto done;
	}
	if (trial_end && trial) {
		rc = err_invalid(e, "trial", "You may only specify one of trial and trial_end");
		goto done;
	}
	phase = json_pack("{s:[], s:n, s:{s:b, s:n}, s:o, s:n, s:o, s:o, s:s, s:n, s:o, s:n,"
			  " s:o, s:n, s:n, s:o, s:n, s:n, s:s, s:n, s:n, s:o}",
			  "add_invoice_items", "application_fee_percent", "automatic_tax", "enabled",
			  0, "liability", "billing_cycle_anchor",
			  anchor ? json_string(anchor) : json_null(), "billing_thresholds",
			  "collection_method", collection ? json_string(collection) : json_null(),
			  "coupon", coupon ? json_string(coupon) : json_null(), "currency", currency,
			  "default_payment_method", "default_tax_rates",
			  rates ? json_incref(rates) : json_array(), "description", "discounts",
			  coupon ? json_pack("[{s:s, s:n, s:n}]", "coupon", coupon, "discount",
					     "promotion_code")
				 : json_array(),
			  "end_date", "invoice_settings", "items", json_incref(list),
			  "on_behalf_of", "transfer_data", "proration_behavior", proration,
			  "start_date", "trial_end", "metadata", md);
	md = NULL;
	/* trial: true runs the trial to the phase's end (filled in with the dates). */
	json_object_set_new(phase, "trial_end", trial_end ? json_integer(trial_end)
				   : trial ? json_true() : json_null());
	*out = phase;
	phase = NULL;
done:
	json_decref(phase);
	json_decref(rates);
	json_decref(md);
	json_decref(list);
	return rc;
}

int sched_phases_param(json_t **out, struct svc *s, const json_t *phases, int64_t start,
		       const char *currency, const char *param, struct recur_err *e)
{
	struct billing_schedule_phase dates[BILLING_SCHEDULE_MAX_PHASES];
	json_t *list = json_array();
	char cur[8] = "";
	int rc = 0;
	*out = NULL;
	if (!param)
		param = "phases";
	if (currency)
		snprintf(cur, sizeof(cur), "%s", currency);
	if (!json_is_array(phases) || json_array_size(phases) == 0) {
		rc = err_set(e, RECUR_EINVAL, 400, "invalid_request_error", "parameter_missing",
			     param, "A schedule needs at least one phase.");
		goto done;
	}
	if (json_array_size(phases) > BILLING_SCHEDULE_MAX_PHASES) {
		rc = err_invalid(e, param, "A schedule can have at most %d phases",
				 BILLING_SCHEDULE_MAX_PHASES);
		goto done;
	}
	size_t i;
	json_t *ph;
	json_array_foreach(phases, i, ph) {
		json_t *phase = NULL;
		if ((rc = params_nest_index(e, phase_param(&phase, &dates[i], s, ph, i, cur,
							   sizeof(cur), e), param, i)) < 0)
			goto done;
		json_array_append_new(list, phase);
	}
	enum billing_schedule_fault fault;
	size_t bad = 0;
	if (billing_schedule_dates(dates, json_array_size(phases), start, &fault, &bad) < 0) {
		rc = err_invalid(e, fault == BILLING_SCHEDULE_RANGE ? "iterations" : "end_date",
				 fault == BILLING_SCHEDULE_RANGE ? "iterations give a date recur cannot"
				 " represent" : "Phases must be in order: each phase's end_date must be"
				 " after its start (%lld)", (long long)dates[bad].start);
		rc = params_nest_index(e, rc, param, bad);
		goto done;
	}
	json_array_foreach(list, i, ph) {
		/* A start_date given must be where the phase starts: phases have no gaps. */
		int64_t given = 0;
		const json_t *in = json_array_get(phases, i);
		json_t *sd = json_object_get(in, "start_date");
		if (sd && !(i == 0 && json_is_string(sd) && strcmp(json_string_value(sd), "now") == 0)) {
			if ((rc = params_nest_index(e, params_int(&given, in, "start_date", 1, INT64_MAX,
								  e), param, i)) < 0)
				goto done;
			if (given != dates[i].start) {
				rc = params_nest_index(e, err_invalid(e, "start_date", i == 0
					? "The first phase starts at %lld" : "Phases must be contiguous:"
					" this phase starts where the one before ends (%lld)",
					(long long)dates[i].start), param, i);
				goto done;
			}
		}
		json_object_set_new(ph, "start_date", json_integer(dates[i].start));
		json_object_set_new(ph, "end_date", json_integer(dates[i].end));
		if (json_is_true(json_object_get(ph, "trial_end")))
			json_object_set_new(ph, "trial_end", json_integer(dates[i].end));
		int64_t te = json_integer_value(json_object_get(ph, "trial_end"));
		if (json_is_integer(json_object_get(ph, "trial_end")) &&
		    (te <= dates[i].start || te > dates[i].end)) {
			rc = params_nest_index(e, err_invalid(e, "trial_end", "trial_end must lie"
							      " within the phase"), param, i);
			goto done;
		}
	}
	*out = list;
	list = NULL;
done:
	json_decref(list);
	return rc;
}

/* ---- create ---- */

static json_t *default_settings(void)
{
	return json_pack("{s:n, s:{s:b, s:n}, s:s, s:n, s:s, s:n, s:n, s:{s:n, s:{s:s}}, s:n, s:n}",
			 "application_fee_percent", "automatic_tax", "enabled", 0, "liability",
			 "billing_cycle_anchor", "automatic", "billing_thresholds",
			 "collection_method", "charge_automatically", "default_payment_method",
			 "description", "invoice_settings", "days_until_due", "issuer", "type",
			 "self", "on_behalf_of", "transfer_data");
}

static json_t *new_row(const char *customer, const char *clock,
		       const char *end_behavior, json_t *phases, json_t *metadata, int64_t now)
{
	char id[IDS_MAX];
	ids_new(id, sizeof(id), "sub_sched");
	return json_pack("{s:s, s:I, s:s, s:s, s:n, s:s, s:o, s:o, s:n, s:n, s:n, s:n, s:s?, s:o,"
			 " s:i, s:n}",
			 "id", id, "created", (json_int_t)now, "customer", customer, "status",
			 "not_started", "subscription", "end_behavior", end_behavior, "phases", phases,
			 "default_settings", default_settings(), "released_at",
			 "released_subscription", "canceled_at", "completed_at", "test_clock", clock,
			 "metadata", metadata, "phase_index", 0, "due_at");
}

/*
 * A new schedule's rendering and subscription_schedule.created: *row is read
 * back (object, livemode) as every later read will show it.
 */
static int announce(json_t **out, struct svc *s, json_t **row, struct recur_err *e)
{
	json_t *stored = NULL;
	int rc = sched_get(&stored, s, json_string_value(json_object_get(*row, "id")), e);
	if (rc < 0)
		return rc;
	json_decref(*row);
	*row = stored;
	*out = sched_render(stored);
	return svc_event(s, "subscription_schedule.created", *out, NULL, e);
}

static int from_subscription(json_t **out, bool *created, struct svc *s, const char *sub_id,
			     const char *param, struct recur_err *e)
{
	json_t *sub = NULL, *items = NULL, *phases = NULL, *row = NULL, *sub_before = NULL;
	int rc;
	*out = NULL;
	*created = false;
	if (!param)
		param = "subscription";
	if ((rc = sub_get(&sub, s, sub_id, e)) < 0) {
		e->status = 400;
		snprintf(e->param, sizeof(e->param), "%s", param);
		goto done;
	}
	const char *status = json_string_value(json_object_get(sub, "status"));
	const char *existing = json_string_value(json_object_get(sub, "schedule"));
	if (existing) {
		rc = sched_get(&row, s, existing, e);
		if (rc == 0)
			*out = sched_render(row);
		goto done;
	}
	if (strcmp(status, "canceled") == 0 || strcmp(status, "incomplete_expired") == 0) {
		rc = err_invalid(e, param, "The subscription %s is %s: a schedule needs a live"
				 " subscription", sub_id, status);
		goto done;
	}
	if ((rc = sub_load_items(&items, s, sub_id, e)) < 0)
		goto done;
	/* The current phase as the subscription has it: its items over its current period. */
	json_t *pitems = json_array(), *it;
	size_t i;
	json_array_foreach(items, i, it)
		json_array_append_new(pitems, json_pack("{s:O, s:O, s:O, s:O}", "price",
							json_object_get(it, "price"), "quantity",
							json_object_get(it, "quantity"), "tax_rates",
							json_object_get(it, "tax_rates"), "metadata",
							json_object_get(it, "metadata")));
	json_t *in = json_pack("[{s:o, s:O, s:O}]", "items", pitems, "start_date",
			       json_object_get(sub, "current_period_start"), "end_date",
			       json_object_get(sub, "current_period_end"));
	json_t *rates = json_object_get(sub, "default_tax_rates");
	if (json_array_size(rates))
		json_object_set(json_array_get(in, 0), "default_tax_rates", rates);
	rc = sched_phases_param(&phases, s, in,
				json_integer_value(json_object_get(sub, "current_period_start")),
				json_string_value(json_object_get(sub, "currency")), param, e);
	json_decref(in);
	if (rc < 0)
		goto done;
	int64_t now = 0;
	if ((rc = sched_now(&now, s, sub, e)) < 0)
		goto done;
	row = new_row(json_string_value(json_object_get(sub, "customer")),
		      json_string_value(json_object_get(sub, "test_clock")), "release", phases,
		      json_object(), now);
	phases = NULL;
	json_object_set_new(row, "status", json_string("active"));
	json_object_set(row, "subscription", json_object_get(sub, "id"));
	if ((rc = store_obj_insert(s->db, &svc_subscription_schedules_table, &s->scope, row, e)) < 0)
		goto done;
	sub_before = json_deep_copy(sub);
	json_object_set(sub, "schedule", json_object_get(row, "id"));
	json_object_set(sub, "schedule_due_at", json_object_get(sub, "current_period_end"));
	if ((rc = sub_save(s, sub, sub_before, "customer.subscription.updated", e)) < 0)
		goto done;
	*created = true;
	rc = announce(out, s, &row, e);
done:
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	}
	json_decref(sub);
	json_decref(sub_before);
	json_decref(items);
	json_decref(phases);
	json_decref(row);
	return rc;
}

int svc_schedule_for_subscription(json_t **out, bool *created, struct svc *s,
				  const char *subscription, const char *param,
				  struct recur_err *e)
{
	return from_subscription(out, created, s, subscription, param, e);
}

static const char *const create_params[] = { "customer", "start_date", "phases", "end_behavior",
					     "metadata", "from_subscription", NULL };
static const char *const end_behaviors[] = { "release", "cancel", NULL };

int svc_schedule_create(json_t **out, struct svc *s, const json_t *p, struct recur_err *e)
{
	json_t *customer = NULL, *phases = NULL, *md = NULL, *row = NULL;
	const char *customer_id = NULL, *end_behavior = "release", *from = NULL;
	const json_t *in_phases = NULL;
	int64_t now = 0, start = 0;
	int rc, began = 0;
	*out = NULL;
	if ((rc = params_only(p, create_params, e)) < 0 ||
	    (rc = params_string(&from, p, "from_subscription", 255, e)) < 0)
		goto done;
	if (from) {
		/* Stripe: from_subscription copies the subscription; nothing else may be given. */
		const char *k;
		json_t *v;
		json_object_foreach((json_t *)(uintptr_t)p, k, v)
			if (strcmp(k, "from_subscription") != 0) {
				rc = err_invalid(e, k, "%s cannot be set with from_subscription: update"
						 " the schedule after creating it", k);
				goto done;
			}
		bool created = false;
		if ((rc = svc_begin(s, e)) < 0)
			goto done;
		began = 1;
		json_t *sub = NULL;
		if ((rc = sub_get(&sub, s, from, e)) == 0 &&
		    json_is_string(json_object_get(sub, "schedule")))
			rc = err_invalid(e, "from_subscription", "The subscription %s is managed by the"
					 " schedule %s already", from,
					 json_string_value(json_object_get(sub, "schedule")));
		json_decref(sub);
		if (rc == RECUR_ENOTFOUND) {
			e->status = 400;
			snprintf(e->param, sizeof(e->param), "from_subscription");
		}
		if (rc == 0)
			rc = from_subscription(out, &created, s, from, "from_subscription", e);
		goto done;
	}
	if ((rc = params_require(p, "customer", e)) < 0 ||
	    (rc = params_string(&customer_id, p, "customer", 255, e)) < 0 ||
	    (rc = params_enum(&end_behavior, p, "end_behavior", end_behaviors, e)) < 0 ||
	    (rc = params_metadata(&md, NULL, p, e)) < 0 ||
	    (rc = params_array(&in_phases, p, "phases", e)) < 0)
		goto done;
	if (store_obj_get(&customer, s->db, &svc_customers_table, &s->scope, customer_id, e) < 0) {
		rc = RECUR_EINVAL;
		e->status = 400;
		snprintf(e->param, sizeof(e->param), "customer");
		goto done;
	}
	const char *clock = json_string_value(json_object_get(customer, "test_clock"));
	if ((rc = svc_test_clock_now(&now, s, clock, e)) < 0)
		goto done;
	start = now;
	json_t *sd = json_object_get(p, "start_date");
	if (!(json_is_string(sd) && strcmp(json_string_value(sd), "now") == 0) &&
	    (rc = params_int(&start, p, "start_date", now, INT64_MAX, e)) < 0) {
		/* recur does not backdate: a start in the past would bill time already gone. */
		snprintf(e->message, sizeof(e->message), "start_date must be now or in the future"
			 " (%lld)", (long long)now);
		goto done;
	}
	if ((rc = sched_phases_param(&phases, s, in_phases, start,
				     json_string_value(json_object_get(customer, "currency")), NULL,
				     e)) < 0)
		goto done;
	if ((rc = svc_begin(s, e)) < 0)
		goto done;
	began = 1;
	row = new_row(customer_id, clock, end_behavior, phases, md, now);
	phases = md = NULL;
	json_object_set_new(row, "due_at", json_integer(start));
	if ((rc = store_obj_insert(s->db, &svc_subscription_schedules_table, &s->scope, row, e)) < 0)
		goto done;
	/* start_date now: the subscription is created in this same transaction. */
	if (start <= now && (rc = sched_start(s, row, now, e)) < 0)
		goto done;
	rc = announce(out, s, &row, e);
done:
	if (began)
		rc = svc_finish(s, rc, e);
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	}
	json_decref(customer);
	json_decref(phases);
	json_decref(md);
	json_decref(row);
	return rc;
}

int svc_schedule_retrieve(json_t **out, struct svc *s, const char *id, struct recur_err *e)
{
	json_t *row = NULL;
	int rc = sched_get(&row, s, id, e);
	*out = rc == 0 ? sched_render(row) : NULL;
	json_decref(row);
	return rc;
}

static const char *const list_params[] = { SVC_LIST_PARAMS, "customer", NULL };

int svc_schedule_list(json_t **out, struct svc *s, const json_t *p, struct recur_err *e)
{
	struct svc_list l;
	const char *customer = NULL;
	json_t *rows = NULL;
	int rc;
	*out = NULL;
	if ((rc = params_only(p, list_params, e)) < 0 || (rc = svc_list_params(&l, p, e)) < 0 ||
	    (rc = params_string(&customer, p, "customer", 255, e)) < 0)
		return rc;
	if (customer)
		svc_list_filter(&l, "customer", "=", SV_TEXT(customer));
	if ((rc = svc_list(&rows, s, &svc_subscription_schedules_table, &l,
			   "/v1/subscription_schedules", e)) < 0)
		return rc;
	json_t *data = json_object_get(rows, "data"), *row;
	size_t i;
	json_array_foreach(data, i, row)
		json_array_set_new(data, i, sched_render(row));
	*out = rows;
	return 0;
}

/* ---- update ---- */

/* What of a phase the subscription has: everything but its dates. */
static bool same_terms(const json_t *a, const json_t *b)
{
	json_t *x = json_copy((json_t *)(uintptr_t)a), *y = json_copy((json_t *)(uintptr_t)b);
	static const char *const dates[] = { "start_date", "end_date", NULL };
	for (int i = 0; dates[i]; i++) {
		json_object_del(x, dates[i]);
		json_object_del(y, dates[i]);
	}
	bool same = json_equal(x, y);
	json_decref(x);
	json_decref(y);
	return same;
}

/* set_phases on a row already loaded (row is changed in place, not saved). */
static int set_phases(struct svc *s, json_t *row, const json_t *in, const char *proration,
		      const char *param, struct recur_err *e)
{
	json_t *phases = NULL, *old = json_object_get(row, "phases");
	const char *status = json_string_value(json_object_get(row, "status"));
	size_t k = (size_t)json_integer_value(json_object_get(row, "phase_index"));
	const json_t *first = json_array_get(old, 0);
	int64_t now = 0;
	int rc;
	if (!param)
		param = "phases";
	if ((rc = sched_now(&now, s, row, e)) < 0)
		return rc;
	if (strcmp(status, "not_started") == 0) {
		int64_t start = json_integer_value(json_object_get(first, "start_date"));
		json_t *sd = json_object_get(json_array_get(in, 0), "start_date");
		if (json_is_string(sd) && strcmp(json_string_value(sd), "now") == 0)
			start = now;
		else if (sd && (rc = params_int(&start, json_array_get(in, 0), "start_date", now,
						INT64_MAX, e)) < 0)
			return params_nest_index(e, rc, param, 0);
		if ((rc = sched_phases_param(&phases, s, in, start,
					     json_string_value(json_object_get(first, "currency")),
					     param, e)) < 0)
			return rc;
		json_object_set_new(row, "phases", phases);
		json_object_set_new(row, "due_at", json_integer(start));
		return start <= now ? sched_start(s, row, now, e) : 0;
	}
	const json_t *cur = json_array_get(old, k);
	int64_t cur_start = json_integer_value(json_object_get(cur, "start_date"));
	json_t *sd = json_object_get(json_array_get(in, 0), "start_date");
	int64_t given = cur_start;
	if (sd && (rc = params_int(&given, json_array_get(in, 0), "start_date", 1, INT64_MAX, e)) < 0)
		return params_nest_index(e, rc, param, 0);
	if (given != cur_start) {
		/* Stripe: phases that have ended cannot change; the current one keeps its start. */
		return params_nest_index(e, err_invalid(e, "start_date", "phases[0] is the current"
							"phase, which started at %lld: past phases"
							" cannot be changed", (long long)cur_start),
					 param, 0);
	}
	if (json_array_size(in) + k > BILLING_SCHEDULE_MAX_PHASES)
		return err_invalid(e, param, "A schedule can have at most %d phases",
				   BILLING_SCHEDULE_MAX_PHASES);
	if ((rc = sched_phases_param(&phases, s, in, cur_start,
				     json_string_value(json_object_get(cur, "currency")), param, e)) < 0)
		return rc;
	json_t *now_phase = json_array_get(phases, 0);
	int rc2 = 0;
	if (json_integer_value(json_object_get(now_phase, "end_date")) <= now)
		rc2 = params_nest_index(e, err_invalid(e, "end_date", "The current phase must end"
						       " after now (%lld)", (long long)now), param, 0);
	else if (json_is_integer(json_object_get(now_phase, "trial_end")) &&
		 !json_equal(json_object_get(now_phase, "trial_end"), json_object_get(cur, "trial_end")))
		rc2 = params_nest_index(e, err_invalid(e, "trial_end", "The current phase's trial"
						       " cannot change"), param, 0);
	if (rc2 < 0) {
		json_decref(phases);
		return rc2;
	}
	/* Past phases are kept as they were; cur is compared below, after old is replaced. */
	json_t *cur_kept = json_deep_copy(cur);
	cur = cur_kept;
	json_t *all = json_array();
	for (size_t i = 0; i < k; i++)
		json_array_append(all, json_array_get(old, i));
	json_array_extend(all, phases);
	json_decref(phases);
	json_object_set_new(row, "phases", all);
	/* The current phase's new end is the subscription's next schedule step. */
	json_t *sub = NULL, *sub_before = NULL;
	const char *sub_id = json_string_value(json_object_get(row, "subscription"));
	if ((rc = sub_get(&sub_before, s, sub_id, e)) == 0) {
		sub = json_deep_copy(sub_before);
		json_object_set(sub, "schedule_due_at", json_object_get(now_phase, "end_date"));
		rc = sub_save(s, sub, sub_before, "customer.subscription.updated", e);
	}
	json_decref(sub);
	json_decref(sub_before);
	/* A change of the current phase's terms applies to the subscription now. */
	if (rc == 0 && !same_terms(cur, now_phase))
		rc = sched_apply_phase(s, row, now_phase, now, proration, e);
	json_decref(cur_kept);
	return rc;
}

int svc_schedule_set_phases(json_t **out, struct svc *s, const char *schedule,
			    const json_t *phases, const char *proration_behavior,
			    const char *param, struct recur_err *e)
{
	json_t *before = NULL, *row = NULL;
	int rc;
	*out = NULL;
	if ((rc = sched_get(&before, s, schedule, e)) < 0)
		return rc;
	const char *status = json_string_value(json_object_get(before, "status"));
	if (strcmp(status, "active") != 0 && strcmp(status, "not_started") != 0) {
		rc = err_invalid(e, param ? param : "phases", "You cannot update a subscription"
				 " schedule that is %s", status);
		goto done;
	}
	row = json_deep_copy(before);
	if ((rc = set_phases(s, row, phases, proration_behavior, param, e)) < 0 ||
	    (rc = sched_save(s, row, before, "subscription_schedule.updated", e)) < 0)
		goto done;
	*out = sched_render(row);
done:
	json_decref(before);
	json_decref(row);
	return rc;
}

static const char *const update_params[] = { "phases", "end_behavior", "metadata",
					     "proration_behavior", NULL };

int svc_schedule_update(json_t **out, struct svc *s, const char *id, const json_t *p,
			struct recur_err *e)
{
	json_t *before = NULL, *row = NULL, *md = NULL;
	const json_t *phases = NULL;
	const char *end_behavior = NULL, *proration = NULL;
	int rc;
	*out = NULL;
	if ((rc = params_only(p, update_params, e)) < 0 ||
	    (rc = params_enum(&end_behavior, p, "end_behavior", end_behaviors, e)) < 0 ||
	    (rc = params_array(&phases, p, "phases", e)) < 0)
		return rc;
	if (json_object_get(p, "proration_behavior") &&
	    (rc = sub_proration_param(&proration, p, e)) < 0)
		return rc;
	if (json_object_get(p, "phases") && !phases)
		return err_set(e, RECUR_EINVAL, 400, "invalid_request_error", "parameter_missing",
			       "phases", "A schedule needs at least one phase.");
	if ((rc = svc_begin(s, e)) < 0)
		return rc;
	if ((rc = sched_get(&before, s, id, e)) < 0)
		goto done;
	const char *status = json_string_value(json_object_get(before, "status"));
	if (strcmp(status, "active") != 0 && strcmp(status, "not_started") != 0) {
		rc = err_invalid(e, "", "You cannot update a subscription schedule that is %s",
				 status);
		goto done;
	}
	row = json_deep_copy(before);
	if ((rc = params_metadata(&md, json_object_get(row, "metadata"), p, e)) < 0)
		goto done;
	json_object_set(row, "metadata", md);
	if (end_behavior)
		json_object_set_new(row, "end_behavior", json_string(end_behavior));
	if (phases && (rc = set_phases(s, row, phases, proration, NULL, e)) < 0)
		goto done;
	if ((rc = sched_save(s, row, before, "subscription_schedule.updated", e)) < 0)
		goto done;
	*out = sched_render(row);
done:
	rc = svc_finish(s, rc, e);
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	}
	json_decref(before);
	json_decref(row);
	json_decref(md);
	return rc;
}
