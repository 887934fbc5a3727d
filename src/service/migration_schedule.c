/*
 * migration_schedule.c - scheduled migrations (timing next_period | date):
 * stored as a subscription schedule phase, run when that phase starts,
 * previewed, replaced and removed (docs/billing.md "Scheduled migrations").
 *
 * The subscription's schedule (made from it when it has none) gets two
 * phases: the current one, as it is, until the migration's moment, then one
 * iteration of the same items with the plan item on the destination price.
 * When that phase starts, the schedule's phase change does not apply the
 * phase's terms itself: it hands the subscription to
 * svc_migration_run_scheduled, which reads the family's rule and the
 * destination price as they are then and migrates as timing=now would at
 * that instant (at a period end nothing is prorated and the renewal in the
 * next step bills the new price). After that one iteration the schedule
 * completes and the subscription goes on alone.
 */
#include "service/migration_internal.h"
#include "core/ids.h"
#include "service/params.h"
#include "service/subscription_internal.h"
#include "service/subscription_schedule.h"

#include <stdio.h>
#include <string.h>

int mig_scheduled_row(json_t **out, struct svc *s, const char *sub_id, struct recur_err *e)
{
	json_t *rows = NULL;
	bool more = false;
	struct store_filter f[] = {
		{ .col = "subscription", .op = "=", .val = SV_TEXT(sub_id) },
		{ .col = "status", .op = "=", .val = SV_TEXT("scheduled") },
	};
	struct store_page page = { .limit = 1 };
	*out = NULL;
	int rc = store_obj_list(&rows, &more, s->db, &svc_migrations_table, &s->scope, f, 2, &page,
				e);
	if (rc < 0)
		return rc;
	if (json_array_size(rows)) {
		*out = json_incref(json_array_get(rows, 0));
		rc = 1;
	}
	json_decref(rows);
	return rc;
}

/* A rendered schedule item as phases[i][items][j] takes it. */
static json_t *item_input(const json_t *it, const char *price, int64_t qty)
{
	json_t *o = json_pack("{s:s, s:I, s:O}", "price", price, "quantity", (json_int_t)qty,
			      "tax_rates", json_object_get(it, "tax_rates"));
	if (json_object_size(json_object_get(it, "metadata")))
		json_object_set(o, "metadata", json_object_get(it, "metadata"));
	return o;
}

/* The current phase as phases[0] takes it, ending at `until`; its items in *items. */
static json_t *current_input(const json_t *ph, int64_t until)
{
	static const char *const keep[] = { "proration_behavior", "coupon", "billing_cycle_anchor",
					    "trial_end", "collection_method", NULL };
	json_t *in = json_pack("{s:[], s:O, s:I, s:O}", "items", "start_date",
			       json_object_get(ph, "start_date"), "end_date", (json_int_t)until,
			       "default_tax_rates", json_object_get(ph, "default_tax_rates"));
	size_t i;
	json_t *it;
	json_array_foreach(json_object_get(ph, "items"), i, it)
		json_array_append_new(json_object_get(in, "items"),
				      item_input(it, json_string_value(json_object_get(it, "price")),
						 json_integer_value(json_object_get(it, "quantity"))));
	for (i = 0; keep[i]; i++) {
		json_t *v = json_object_get(ph, keep[i]);
		if (v && !json_is_null(v))
			json_object_set(in, keep[i], v);
	}
	if (json_object_size(json_object_get(ph, "metadata")))
		json_object_set(in, "metadata", json_object_get(ph, "metadata"));
	return in;
}

/*
 * The migration's phase: the current phase's items with the plan item
 * (price from) on `to`, for one iteration. Its proration and anchor are
 * shown for the reader; the run applies the rule's as they are then.
 */
static json_t *migration_input(const json_t *ph, const char *from, const char *to, int64_t qty,
			       const char *proration, bool new_period)
{
	json_t *in = json_pack("{s:[], s:O, s:s, s:s}", "items", "default_tax_rates",
			       json_object_get(ph, "default_tax_rates"), "proration_behavior",
			       proration, "billing_cycle_anchor",
			       new_period ? "phase_start" : "automatic");
	size_t i;
	json_t *it;
	json_array_foreach(json_object_get(ph, "items"), i, it) {
		const char *price = json_string_value(json_object_get(it, "price"));
		bool plan = strcmp(price, from) == 0;
		json_array_append_new(json_object_get(in, "items"),
				      item_input(it, plan ? to : price,
						 plan ? qty : json_integer_value(json_object_get(
							      it, "quantity"))));
	}
	return in;
}

/* The phase of a rendered schedule in force now (current_phase's start). */
static const json_t *current_phase(const json_t *sched)
{
	json_t *start = json_object_get(json_object_get(sched, "current_phase"), "start_date");
	size_t i;
	json_t *ph;
	json_array_foreach(json_object_get(sched, "phases"), i, ph)
		if (json_equal(json_object_get(ph, "start_date"), start))
			return ph;
	return NULL;
}

/* The overrides a request gave, stored to be applied over the rule when it runs. */
static json_t *overrides_json(const struct migrate_req *r)
{
	json_t *o = json_object();
	if (r->proration)
		json_object_set_new(o, "proration_behavior", json_string(r->proration));
	if (r->has_credit)
		json_object_set_new(o, "credit_unused", json_boolean(r->credit_unused));
	if (r->has_alignment)
		json_object_set_new(o, "alignment",
				    json_string(billing_alignment_name(r->alignment)));
	return o;
}

int mig_schedule(json_t **sub_out, json_t **mig_out, struct svc *s, struct mig_plan *p,
		 const struct migrate_req *r, struct recur_err *e)
{
	json_t *old = NULL, *sched = NULL, *after = NULL, *phases = NULL, *mig = NULL;
	json_t *sub = NULL;
	bool created = false, new_period = false;
	const char *id = json_string_value(json_object_get(p->sub, "id"));
	int64_t cpe = json_integer_value(json_object_get(p->sub, "current_period_end"));
	int64_t at = r->timing == BILLING_MIGRATION_NEXT_PERIOD ? cpe : r->date;
	int rc;
	if (at <= p->now) {
		rc = err_invalid(e, "date", "date must be in the future (after %lld)",
				 (long long)p->now);
		goto done;
	}
	/* A bad alignment is refused now, not when the migration runs. */
	struct billing_interval old_iv, new_iv;
	if ((rc = mig_alignment(&new_period, &old_iv, &new_iv, p, r, e)) < 0)
		goto done;
	if ((rc = mig_scheduled_row(&old, s, id, e)) < 0 ||
	    (rc = svc_schedule_for_subscription(&sched, &created, s, id, NULL, e)) < 0)
		goto done;
	json_t *sched_id = json_object_get(sched, "id");
	/* A schedule someone made by hand decides the subscription's future itself. */
	if (!created && !(old && json_equal(json_object_get(old, "schedule"), sched_id))) {
		rc = err_invalid(e, "timing", "The subscription is managed by the subscription"
				 " schedule %s: change its phases instead (POST"
				 " /v1/subscription_schedules/%s)", json_string_value(sched_id),
				 json_string_value(sched_id));
		goto done;
	}
	const json_t *ph = current_phase(sched);
	if (!ph) {
		rc = err_internal(e, "the schedule %s has no current phase",
				  json_string_value(sched_id));
		goto done;
	}
	int64_t qty = r->quantity ? r->quantity
				  : json_integer_value(json_object_get(p->item, "quantity"));
	const char *proration = r->proration ? r->proration
					     : billing_proration_behavior_name(p->rule->proration);
	phases = json_pack("[o, o]", current_input(ph, at),
			   migration_input(ph, p->from, r->price, qty, proration, new_period));
	if ((rc = svc_schedule_set_phases(&after, s, json_string_value(sched_id), phases, NULL,
					  NULL, e)) < 0)
		goto done;
	if (old) {
		/* Changed: the migration scheduled before is replaced by this one. */
		json_object_set_new(old, "status", json_string("canceled"));
		if ((rc = store_obj_update(s->db, &svc_migrations_table, &s->scope, old, e)) < 0)
			goto done;
	}
	char mid[IDS_MAX];
	ids_new(mid, sizeof(mid), "mig");
	mig = json_pack("{s:s, s:I, s:s, s:O, s:O, s:s, s:s, s:I, s:s, s:s, s:I, s:s, s:{},"
			" s:n, s:o, s:O, s:b, s:o, s:s?}",
			"id", mid, "created", (json_int_t)p->now, "subscription", id, "customer",
			json_object_get(p->sub, "customer"), "plan_family",
			json_object_get(p->family, "id"), "from_price", p->from, "to_price",
			r->price, "quantity", (json_int_t)qty, "kind",
			billing_migration_kind_name(p->rule->kind), "timing",
			billing_migration_timing_name(r->timing), "effective_at", (json_int_t)at,
			"status", "scheduled", "settings", "invoice", "metadata",
			r->metadata ? json_incref(r->metadata) : json_object(), "schedule", sched_id,
			"schedule_created",
			created || (old && json_is_true(json_object_get(old, "schedule_created"))),
			"overrides", overrides_json(r), "version_update", r->version_update);
	if (!mig) {
		rc = err_internal(e, "cannot build the migration");
		goto done;
	}
	if ((rc = store_obj_insert(s->db, &svc_migrations_table, &s->scope, mig, e)) < 0 ||
	    (rc = sub_get(&sub, s, id, e)) < 0)
		goto done;
	if (sub_out && (rc = sub_render(sub_out, s, sub, e)) < 0)
		goto done;
	if (mig_out) {
		*mig_out = mig_as_read(s, mig);
		if (!*mig_out)
			rc = err_internal(e, "out of memory");
	}
done:
	json_decref(old);
	json_decref(sched);
	json_decref(after);
	json_decref(phases);
	json_decref(mig);
	json_decref(sub);
	return rc;
}

int mig_schedule_preview(json_t **inv, json_t **mig, struct svc *s, const char *sub_id,
			 struct recur_err *e)
{
	json_t *row = NULL, *before = NULL, *after = NULL;
	int rc;
	*inv = NULL;
	if ((rc = mig_scheduled_row(&row, s, sub_id, e)) <= 0) {
		if (rc == 0)
			rc = err_internal(e, "the migration just scheduled is gone");
		goto done;
	}
	if ((rc = sub_get(&before, s, sub_id, e)) < 0)
		goto done;
	/*
	 * The subscription's own due work up to the migration's moment, as the
	 * clock would run it (the preview's s is a dry run: no card charged).
	 */
	struct svc at = *s;
	int64_t t = json_integer_value(json_object_get(row, "effective_at"));
	at.now = t;
	at.commit_hook = NULL;
	if ((rc = sub_run_due(&at, sub_id, t, e)) < 0 || (rc = sub_get(&after, s, sub_id, e)) < 0)
		goto done;
	json_t *was = json_object_get(before, "latest_invoice");
	json_t *now = json_object_get(after, "latest_invoice");
	if (json_is_string(now) && !json_equal(was, now) &&
	    (rc = svc_invoice_retrieve(inv, s, json_string_value(now), e)) < 0)
		goto done;
	json_decref(*mig);
	*mig = NULL;
	if ((rc = store_obj_get(mig, s->db, &svc_migrations_table, &s->scope,
				json_string_value(json_object_get(row, "id")), e)) < 0)
		goto done;
	mig_present(*mig);
done:
	json_decref(row);
	json_decref(before);
	json_decref(after);
	return rc;
}

/* The stored overrides back into a request. */
static int stored_req(struct migrate_req *r, const json_t *row, struct recur_err *e)
{
	json_t *wrap = json_pack("{s:O}", "overrides", json_object_get(row, "overrides"));
	memset(r, 0, sizeof(*r));
	r->price = json_string_value(json_object_get(row, "to_price"));
	r->quantity = json_integer_value(json_object_get(row, "quantity"));
	billing_migration_timing_parse(&r->timing, json_string_value(json_object_get(row,
											"timing")));
	r->metadata = json_object_get(row, "metadata");
	int rc = mig_overrides_param(r, wrap, e);
	json_decref(wrap);
	return rc;
}

int svc_migration_run_scheduled(bool *ran, struct svc *at, const char *subscription, int64_t t,
				struct recur_err *e)
{
	json_t *row = NULL, *sub = NULL, *mig = NULL;
	struct mig_plan p = { 0 };
	struct migrate_req r;
	int rc;
	*ran = false;
	if ((rc = mig_scheduled_row(&row, at, subscription, e)) <= 0)
		goto done;
	/* A schedule changed by hand since no longer starts the migration's phase now. */
	if (json_integer_value(json_object_get(row, "effective_at")) != t) {
		rc = 0;
		goto done;
	}
	*ran = true;
	if ((rc = stored_req(&r, row, e)) < 0)
		goto done;
	if ((rc = mig_plan_load(&p, at, subscription, r.price, e)) < 0) {
		if (e->status != 400)
			goto done;
		/*
		 * The path is gone (the rule removed, the plan item changed): the
		 * subscription stays as it is and the migration is canceled, with why.
		 */
		json_object_set_new(row, "status", json_string("canceled"));
		json_object_set_new(row, "settings", json_pack("{s:s}", "canceled_reason", e->message));
		rc = store_obj_update(at->db, &svc_migrations_table, &at->scope, row, e);
		goto done;
	}
	int64_t cpe = json_integer_value(json_object_get(p.sub, "current_period_end"));
	rc = mig_apply(&sub, &mig, at, &p, &r, row, t >= cpe, e);
done:
	mig_plan_free(&p);
	json_decref(row);
	json_decref(sub);
	json_decref(mig);
	return rc < 0 ? rc : 0;
}

int svc_subscription_migration_delete(json_t **out, struct svc *s, const char *id,
				      struct recur_err *e)
{
	json_t *sub = NULL, *row = NULL, *released = NULL;
	int rc;
	*out = NULL;
	if ((rc = svc_begin(s, e)) < 0)
		return rc;
	if ((rc = sub_get(&sub, s, id, e)) < 0 || (rc = mig_scheduled_row(&row, s, id, e)) < 0)
		goto done;
	if (rc == 0) {
		rc = err_set(e, RECUR_ENOTFOUND, 404, "invalid_request_error", "resource_missing",
			     NULL, "The subscription %s has no scheduled migration", id);
		goto done;
	}
	json_object_set_new(row, "status", json_string("canceled"));
	if ((rc = store_obj_update(s->db, &svc_migrations_table, &s->scope, row, e)) < 0)
		goto done;
	json_t *sched = json_object_get(row, "schedule");
	if (json_is_true(json_object_get(row, "schedule_created")) &&
	    json_equal(sched, json_object_get(sub, "schedule"))) {
		/* The schedule was the migration's: released, the subscription goes on alone. */
		json_t *none = json_object();
		int (*hook)(void *, struct store *, struct recur_err *) = s->commit_hook;
		s->commit_hook = NULL;
		rc = svc_schedule_release(&released, s, json_string_value(sched), none, e);
		s->commit_hook = hook;
		json_decref(none);
		if (rc < 0)
			goto done;
	}
	*out = mig_as_read(s, row);
	if (!*out)
		rc = err_internal(e, "out of memory");
done:
	rc = svc_finish(s, rc, e);
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	}
	json_decref(sub);
	json_decref(row);
	json_decref(released);
	return rc;
}

int svc_migration_abandon(struct svc *s, const char *subscription, struct recur_err *e)
{
	json_t *row = NULL;
	int rc = subscription ? mig_scheduled_row(&row, s, subscription, e) : 0;
	if (rc > 0) {
		json_object_set_new(row, "status", json_string("canceled"));
		rc = store_obj_update(s->db, &svc_migrations_table, &s->scope, row, e);
	}
	json_decref(row);
	return rc < 0 ? rc : 0;
}
