/*
 * subscription_schedule_run.c - what a schedule does to its subscription:
 * creates it at start_date, moves it to the next phase when a phase ends,
 * releases or cancels it after the last phase, and the cancel and release
 * endpoints. Changes go through the subscription use cases (create, update,
 * cancel) inside the caller's transaction, so a phase change prorates,
 * invoices and notifies exactly as the same change made through the API.
 */
#include "service/subscription_schedule_internal.h"
#include "core/log.h"
#include "service/migration.h"
#include "service/params.h"
#include "service/subscription_internal.h"

#include <stdio.h>
#include <string.h>

/* The create/update parameters for phase's items, tax rates, coupon and metadata. */
static void phase_terms(json_t *p, const json_t *phase)
{
	json_t *rates = json_object_get(phase, "default_tax_rates");
	json_t *md = json_object_get(phase, "metadata");
	const char *coupon = json_string_value(json_object_get(phase, "coupon"));
	const char *collection = json_string_value(json_object_get(phase, "collection_method"));
	json_object_set_new(p, "default_tax_rates", json_deep_copy(rates));
	if (json_object_size(md))
		json_object_set(p, "metadata", md);
	if (coupon)
		json_object_set_new(p, "coupon", json_string(coupon));
	if (collection)
		json_object_set_new(p, "collection_method", json_string(collection));
}

static json_t *item_param(const json_t *item)
{
	return json_pack("{s:O, s:O, s:O, s:O}", "price", json_object_get(item, "price"), "quantity",
			 json_object_get(item, "quantity"), "tax_rates",
			 json_object_get(item, "tax_rates"), "metadata",
			 json_object_get(item, "metadata"));
}

int sched_start(struct svc *s, json_t *row, int64_t t, struct recur_err *e)
{
	struct svc at;
	json_t *sub = NULL, *sub_row = NULL, *sub_before = NULL;
	json_t *phase = json_array_get(json_object_get(row, "phases"), 0);
	json_t *p = json_pack("{s:O, s:[]}", "customer", json_object_get(row, "customer"), "items");
	json_t *items = json_object_get(phase, "items"), *it;
	size_t i;
	int rc;
	json_array_foreach(items, i, it)
		json_array_append_new(json_object_get(p, "items"), item_param(it));
	phase_terms(p, phase);
	if (json_is_integer(json_object_get(phase, "trial_end")))
		json_object_set(p, "trial_end", json_object_get(phase, "trial_end"));
	if ((rc = sched_at(&at, s, json_string_value(json_object_get(row, "test_clock")), t, e)) < 0)
		goto done;
	if ((rc = svc_subscription_create(&sub, &at, p, e)) < 0) {
		/* The phase was checked when it was set; name it if the subscription refuses. */
		if (e->param[0])
			params_nest_index(e, rc, "phases", 0);
		goto done;
	}
	const char *sub_id = json_string_value(json_object_get(sub, "id"));
	if ((rc = sub_get(&sub_before, s, sub_id, e)) < 0)
		goto done;
	sub_row = json_deep_copy(sub_before);
	json_object_set(sub_row, "schedule", json_object_get(row, "id"));
	json_object_set(sub_row, "schedule_due_at", json_object_get(phase, "end_date"));
	if ((rc = sub_save(s, sub_row, sub_before, "customer.subscription.updated", e)) < 0)
		goto done;
	json_object_set_new(row, "status", json_string("active"));
	json_object_set_new(row, "subscription", json_string(sub_id));
	json_object_set_new(row, "phase_index", json_integer(0));
	json_object_set_new(row, "due_at", json_null());
	rc = sched_save(s, row, NULL, NULL, e);
done:
	json_decref(p);
	json_decref(sub);
	json_decref(sub_row);
	json_decref(sub_before);
	return rc;
}

int sched_apply_phase(struct svc *s, const json_t *row, const json_t *phase, int64_t t,
		      const char *proration, struct recur_err *e)
{
	struct svc at;
	json_t *sub = NULL, *items = NULL, *out = NULL, *p = json_pack("{s:[]}", "items");
	json_t *pub_before = NULL, *prev = NULL;
	json_t *want = json_object_get(phase, "items"), *it, *w;
	const char *sub_id = json_string_value(json_object_get(row, "subscription"));
	size_t i, j;
	int rc;
	if ((rc = sub_get(&sub, s, sub_id, e)) < 0 || (rc = sub_load_items(&items, s, sub_id, e)) < 0)
		goto done;
	/* Items of a price the phase keeps stay (same si_ id); the others go; new ones come. */
	json_array_foreach(items, i, it) {
		json_t *keep = NULL;
		json_array_foreach(want, j, w)
			if (json_equal(json_object_get(w, "price"), json_object_get(it, "price")))
				keep = w;
		json_t *c = keep ? item_param(keep) : json_pack("{s:b}", "deleted", 1);
		if (keep)
			json_object_del(c, "price");
		json_object_set(c, "id", json_object_get(it, "id"));
		json_array_append_new(json_object_get(p, "items"), c);
	}
	json_array_foreach(want, j, w) {
		bool have = false;
		json_array_foreach(items, i, it)
			have = have || json_equal(json_object_get(w, "price"), json_object_get(it, "price"));
		if (!have)
			json_array_append_new(json_object_get(p, "items"), item_param(w));
	}
	phase_terms(p, phase);
	int64_t cpe = json_integer_value(json_object_get(sub, "current_period_end"));
	const char *anchor = json_string_value(json_object_get(phase, "billing_cycle_anchor"));
	if (!proration)
		proration = json_string_value(json_object_get(phase, "proration_behavior"));
	/*
	 * At the end of the current period nothing is left to prorate, and the
	 * renewal due at the same instant (the next step) starts the new period
	 * at the new prices; phase_start changes nothing then either.
	 */
	if (t >= cpe)
		proration = "none";
	else if (anchor && strcmp(anchor, "phase_start") == 0)
		json_object_set_new(p, "billing_cycle_anchor", json_string("now"));
	json_object_set_new(p, "proration_behavior", json_string(proration ? proration
									  : "create_prorations"));
	if ((rc = sched_at(&at, s, json_string_value(json_object_get(sub, "test_clock")), t, e)) < 0)
		goto done;
	if ((rc = sub_render(&pub_before, s, sub, e)) < 0)
		goto done;
	rc = svc_subscription_update(&out, &at, sub_id, p, e);
	if (rc < 0) {
		if (e->param[0])
			params_nest(e, rc, "phases");
		goto done;
	}
	/*
	 * The update's own event diffs the subscription's fields, not its items
	 * (both sides are rendered with the items it leaves): the items a phase
	 * changes are told here, with the subscription as the update left it.
	 */
	prev = svc_previous_attributes(pub_before, out);
	if (prev && json_object_get(prev, "items"))
		rc = svc_event(&at, "customer.subscription.updated", out, prev, e);
done:
	json_decref(pub_before);
	json_decref(prev);
	json_decref(p);
	json_decref(sub);
	json_decref(items);
	json_decref(out);
	return rc;
}

/*
 * A phase starts at t: a scheduled plan migration's phase runs the migration
 * (migration.h: the family rule and the price as they are now); any other
 * phase applies its terms.
 */
static int start_phase(struct svc *s, const json_t *sched, const json_t *phase, int64_t t,
		       struct recur_err *e)
{
	struct svc at;
	bool ran = false;
	int rc = sched_at(&at, s, json_string_value(json_object_get(sched, "test_clock")), t, e);
	if (rc == 0)
		rc = svc_migration_run_scheduled(&ran, &at, json_string_value(json_object_get(
							 sched, "subscription")), t, e);
	if (rc == 0 && !ran)
		rc = sched_apply_phase(s, sched, phase, t, NULL, e);
	return rc;
}

bool sub_schedule_due_by(const json_t *row, int64_t t)
{
	json_t *due = json_object_get(row, "schedule_due_at");
	return json_is_string(json_object_get(row, "schedule")) && json_is_integer(due) &&
	       json_integer_value(due) <= t;
}

int sub_schedule_phase_end(struct svc *s, json_t *row, const json_t *before, int64_t t,
			   struct recur_err *e)
{
	json_t *sched = NULL, *sched_before = NULL, *fresh = NULL;
	const char *id = json_string_value(json_object_get(row, "schedule"));
	int rc;
	if ((rc = sched_get(&sched_before, s, id, e)) < 0)
		return rc;
	sched = json_deep_copy(sched_before);
	json_t *phases = json_object_get(sched, "phases");
	size_t next = (size_t)json_integer_value(json_object_get(sched, "phase_index")) + 1;
	json_object_set_new(row, "schedule_due_at", json_null());
	if (next >= json_array_size(phases)) {
		/* After the last phase: end_behavior. */
		if (strcmp(json_string_value(json_object_get(sched, "end_behavior")), "cancel") == 0) {
			int64_t cpe = json_integer_value(json_object_get(row, "current_period_end"));
			/* sub_end tells the schedule (svc_schedule_subscription_ended). */
			rc = sub_end(s, row, before, t, t < cpe, false, "cancellation_requested", e);
			goto done;
		}
		json_object_set_new(row, "schedule", json_null());
		if ((rc = sub_save(s, row, before, "customer.subscription.updated", e)) < 0)
			goto done;
		json_object_set_new(sched, "status", json_string("completed"));
		json_object_set_new(sched, "completed_at", json_integer(t));
		json_object_set_new(sched, "released_subscription",
				    json_incref(json_object_get(sched, "subscription")));
		json_object_set_new(sched, "subscription", json_null());
		rc = sched_save(s, sched, sched_before, "subscription_schedule.completed", e);
		goto done;
	}
	/* The next phase: its end is the next step; the update then changes the items. */
	json_t *phase = json_array_get(phases, next);
	json_object_set(row, "schedule_due_at", json_object_get(phase, "end_date"));
	json_object_set_new(sched, "phase_index", json_integer((json_int_t)next));
	if ((rc = sub_save(s, row, before, NULL, e)) < 0 ||
	    (rc = sched_save(s, sched, sched_before, "subscription_schedule.updated", e)) < 0 ||
	    (rc = start_phase(s, sched, phase, t, e)) < 0)
		goto done;
	/* renewal.c reads row's due_at after the step: give it what the store holds now. */
	if ((rc = sub_get(&fresh, s, json_string_value(json_object_get(row, "id")), e)) < 0)
		goto done;
	json_object_update(row, fresh);
done:
	json_decref(sched);
	json_decref(sched_before);
	json_decref(fresh);
	return rc;
}

int svc_schedule_subscription_ended(struct svc *s, const char *schedule, int64_t at,
				    struct recur_err *e)
{
	json_t *before = NULL, *row = NULL;
	int rc = sched_get(&before, s, schedule, e);
	if (rc < 0)
		return rc;
	if (strcmp(json_string_value(json_object_get(before, "status")), "active") == 0) {
		row = json_deep_copy(before);
		json_object_set_new(row, "status", json_string("canceled"));
		json_object_set_new(row, "canceled_at", json_integer(at));
		rc = sched_save(s, row, before, "subscription_schedule.canceled", e);
		/* A migration waiting for one of its phases will not run now. */
		if (rc == 0)
			rc = svc_migration_abandon(s, json_string_value(json_object_get(before,
						   "subscription")), e);
	}
	json_decref(before);
	json_decref(row);
	return rc;
}

/* Loads a schedule that cancel or release may act on (active or not_started). */
static int live_schedule(json_t **out, struct svc *s, const char *id, const char *verb,
			 struct recur_err *e)
{
	int rc = sched_get(out, s, id, e);
	if (rc < 0)
		return rc;
	const char *status = json_string_value(json_object_get(*out, "status"));
	if (strcmp(status, "active") != 0 && strcmp(status, "not_started") != 0)
		return err_invalid(e, "", "You cannot %s a subscription schedule that is %s", verb,
				   status);
	return 0;
}

static const char *const cancel_params[] = { "invoice_now", "prorate", NULL };

int svc_schedule_cancel(json_t **out, struct svc *s, const char *id, const json_t *p,
			struct recur_err *e)
{
	json_t *before = NULL, *row = NULL, *sub = NULL;
	bool invoice_now = true, prorate = true;
	int64_t now = 0;
	int rc;
	*out = NULL;
	if ((rc = params_only(p, cancel_params, e)) < 0 ||
	    (rc = params_bool(&invoice_now, p, "invoice_now", e)) < 0 ||
	    (rc = params_bool(&prorate, p, "prorate", e)) < 0)
		return rc;
	if ((rc = svc_begin(s, e)) < 0)
		return rc;
	if ((rc = live_schedule(&before, s, id, "cancel", e)) < 0 ||
	    (rc = sched_now(&now, s, before, e)) < 0)
		goto done;
	if (strcmp(json_string_value(json_object_get(before, "status")), "active") == 0) {
		/* Canceling the subscription cancels the schedule (svc_schedule_subscription_ended). */
		struct svc at;
		json_t *cp = json_pack("{s:b, s:b}", "invoice_now", invoice_now, "prorate", prorate);
		rc = sched_at(&at, s, NULL, now, e);
		if (rc == 0)
			rc = svc_subscription_cancel(&sub, &at, json_string_value(json_object_get(
						    before, "subscription")), cp, e);
		json_decref(cp);
		if (rc < 0 || (rc = sched_get(&row, s, id, e)) < 0)
			goto done;
	} else {
		row = json_deep_copy(before);
		json_object_set_new(row, "status", json_string("canceled"));
		json_object_set_new(row, "canceled_at", json_integer(now));
		json_object_set_new(row, "due_at", json_null());
		if ((rc = sched_save(s, row, before, "subscription_schedule.canceled", e)) < 0)
			goto done;
	}
	*out = sched_render(row);
done:
	rc = svc_finish(s, rc, e);
	json_decref(before);
	json_decref(row);
	json_decref(sub);
	return rc;
}

static const char *const release_params[] = { "preserve_cancel_date", NULL };

int svc_schedule_release(json_t **out, struct svc *s, const char *id, const json_t *p,
			 struct recur_err *e)
{
	json_t *before = NULL, *row = NULL, *sub_before = NULL, *sub = NULL;
	bool preserve = true;
	int64_t now = 0;
	int rc;
	*out = NULL;
	/* recur's schedules never set cancel_at: there is no cancel date to preserve. */
	if ((rc = params_only(p, release_params, e)) < 0 ||
	    (rc = params_bool(&preserve, p, "preserve_cancel_date", e)) < 0)
		return rc;
	if ((rc = svc_begin(s, e)) < 0)
		return rc;
	if ((rc = live_schedule(&before, s, id, "release", e)) < 0 ||
	    (rc = sched_now(&now, s, before, e)) < 0)
		goto done;
	row = json_deep_copy(before);
	const char *sub_id = json_string_value(json_object_get(before, "subscription"));
	if (sub_id) {
		/* The subscription goes on alone, with the items it has now. */
		if ((rc = sub_get(&sub_before, s, sub_id, e)) < 0)
			goto done;
		sub = json_deep_copy(sub_before);
		json_object_set_new(sub, "schedule", json_null());
		json_object_set_new(sub, "schedule_due_at", json_null());
		if ((rc = sub_save(s, sub, sub_before, "customer.subscription.updated", e)) < 0 ||
		    (rc = svc_migration_abandon(s, sub_id, e)) < 0)
			goto done;
	}
	json_object_set_new(row, "status", json_string("released"));
	json_object_set_new(row, "released_at", json_integer(now));
	json_object_set_new(row, "released_subscription", sub_id ? json_string(sub_id) : json_null());
	json_object_set_new(row, "subscription", json_null());
	json_object_set_new(row, "due_at", json_null());
	if ((rc = sched_save(s, row, before, "subscription_schedule.released", e)) < 0)
		goto done;
	*out = sched_render(row);
done:
	rc = svc_finish(s, rc, e);
	json_decref(before);
	json_decref(row);
	json_decref(sub_before);
	json_decref(sub);
	return rc;
}

/* ---- not_started schedules as due work ---- */

int svc_schedule_start_due(struct svc *s, const char *id, int64_t t, struct recur_err *e)
{
	json_t *before = NULL, *row = NULL;
	int rc = sched_get(&before, s, id, e);
	if (rc < 0)
		return rc;
	/* Run again after a crash, a started schedule is not due any more: nothing twice. */
	if (strcmp(json_string_value(json_object_get(before, "status")), "not_started") == 0 &&
	    json_is_integer(json_object_get(before, "due_at")) &&
	    json_integer_value(json_object_get(before, "due_at")) <= t) {
		row = json_deep_copy(before);
		rc = sched_start(s, row, json_integer_value(json_object_get(before, "due_at")), e);
		if (rc == 0)
			rc = sched_save(s, row, before, "subscription_schedule.updated", e);
	}
	json_decref(before);
	json_decref(row);
	return rc;
}

struct due_one {
	char *id;
	size_t cap;
	int64_t *due;
};

static int read_one(void *ctx, const struct store_row *row)
{
	struct due_one *d = ctx;
	snprintf(d->id, d->cap, "%s", store_row_text(row, 0, NULL));
	*d->due = store_row_int(row, 1);
	return 1;
}

int svc_schedule_next_due_clock(char *id, size_t cap, int64_t *due, struct svc *s,
				const char *clock, int64_t until, struct recur_err *e)
{
	struct due_one d = { id, cap, due };
	struct store_val p[] = { SV_TEXT(s->scope.tenant), SV_INT(s->scope.livemode),
				 SV_TEXT(clock), SV_INT(until) };
	id[0] = '\0';
	*due = 0;
	int rc = store_query(s->db, "SELECT id, due_at FROM subscription_schedules WHERE"
			     " test_clock = $3 AND due_at IS NOT NULL AND due_at <= $4 AND"
			     " tenant_id = $1 AND livemode = $2 ORDER BY due_at, seq LIMIT 1",
			     p, 4, read_one, &d, e);
	return rc < 0 ? rc : 0;
}

static int start_one(struct svc *s, const char *id, int64_t now, struct recur_err *e)
{
	return svc_schedule_start_due(s, id, now, e);
}

int svc_schedule_run_due_wall(int *done, struct store *db, int64_t now, struct recur_err *e)
{
	int seen = 0;
	int rc = svc_run_due_wall(done, &seen, db, now,
				  "SELECT tenant_id, livemode, id, due_at FROM subscription_schedules"
				  " WHERE test_clock IS NULL AND due_at IS NOT NULL AND due_at <= $1"
				  " ORDER BY due_at LIMIT $2", SVC_SCHEDULE_BATCH, start_one, NULL, e);
	if (rc == 0 && seen == SVC_SCHEDULE_BATCH && *done > 0)
		*done = SVC_SCHEDULE_BATCH;
	return rc;
}
