/*
 * renewal.c - the due work of subscriptions: renewals, trial ends, scheduled
 * cancellations, incomplete expiry.
 *
 * Each subscription's due_at is the next instant something happens to it.
 * sub_run_due performs its steps in time order up to `until`, one step per
 * due_at, so a clock advanced over three months renews three times, each on
 * its own boundary. Renewal invoices carry dedupe_key "cycle:<sub>:<start>":
 * a step repeated after a crash finds its invoice and bills nothing twice.
 */
#include "service/subscription_internal.h"
#include "core/ids.h"
#include "service/collection.h"
#include "service/customer.h"
#include "service/subscription_schedule.h"

#include <stdio.h>
#include <string.h>

/* A step may not loop forever on bad data: no subscription renews this often. */
#define MAX_STEPS_PER_RUN 100000

bool sub_has_payment_method(struct svc *s, const json_t *row)
{
	json_t *customer = NULL;
	struct recur_err ignored;
	if (json_is_string(json_object_get(row, "default_payment_method")))
		return true;
	if (store_obj_get(&customer, s->db, &svc_customers_table, &s->scope,
			  json_string_value(json_object_get(row, "customer")), &ignored) < 0)
		return false;
	bool has = json_is_string(json_object_get(json_object_get(customer, "invoice_settings"),
						  "default_payment_method"));
	json_decref(customer);
	return has;
}

/*
 * Starts the period beginning at t and invoices it. *items_out gets the item
 * rows it read (new reference, also on failure), for the save that follows:
 * nothing in between changes them.
 */
static int renew(struct svc *s, json_t *row, int64_t t, json_t **items_out, struct recur_err *e)
{
	struct billing_interval iv;
	int64_t full_start = 0, start = 0, end = 0;
	json_t *items = NULL;
	const char *id = json_string_value(json_object_get(row, "id"));
	int rc = sub_interval(&iv, row, e);
	if (rc < 0)
		return rc;
	if (billing_period_containing_day(&full_start, &end,
					  json_integer_value(json_object_get(row, "billing_cycle_anchor")),
					  sub_anchor_day(row), iv.unit, iv.count, t) < 0)
		return err_internal(e, "cannot compute the period of %s at %lld", id, (long long)t);
	/*
	 * t is a boundary, so the period that contains it starts at it, except
	 * when a trial ended before a later anchor: then [t, anchor) is a stub.
	 */
	start = t;
	json_object_set_new(row, "current_period_start", json_integer(start));
	json_object_set_new(row, "current_period_end", json_integer(end));
	if ((rc = sub_load_items(&items, s, id, e)) < 0)
		return rc;
	/* The lines borrow the items' tax rates: items live until the invoice is made. */
	*items_out = items;
	struct sub_lines lines;
	rc = sub_period_lines(&lines, s, items, start, end, false, e);
	if (rc < 0)
		return rc;
	struct svc_invoice_line flat[SUB_MAX_ITEMS];
	for (size_t i = 0; i < lines.n; i++) {
		flat[i] = lines.lines[i].line;
		if (full_start == start)
			continue;
		/*
		 * The stub is billed as a share of the full period that ends at the
		 * anchor, as at creation (Stripe's create_prorations default).
		 */
		struct billing_proration_line pl;
		if (billing_prorate_line(&pl, BILLING_PRORATION_REMAINING_TIME, flat[i].amount,
					 full_start, end, start, MONEY_ROUND_HALF_UP) < 0)
			return err_internal(e, "cannot prorate the stub of %s", id);
		flat[i].amount = pl.amount;
		flat[i].proration = true;
	}
	char dedupe[96];
	snprintf(dedupe, sizeof(dedupe), "cycle:%s:%lld", id, (long long)start);
	rc = sub_invoice(NULL, s, row, "subscription_cycle", t, start, end, flat, lines.n, dedupe, e);
	if (rc < 0)
		return rc;
	json_object_set_new(row, "periods_billed",
			    json_integer(json_integer_value(json_object_get(row, "periods_billed")) + 1));
	return 0;
}

/* One step at t = due_at. */
static int step(struct svc *s, json_t *row, const json_t *before, int64_t t, struct recur_err *e)
{
	const char *status = json_string_value(json_object_get(row, "status"));
	json_t *cancel_at = json_object_get(row, "cancel_at");
	int64_t cpe = json_integer_value(json_object_get(row, "current_period_end"));

	/*
	 * A schedule's phase ends first: a renewal due at the same moment (the
	 * next step) then bills the new phase's items and prices.
	 */
	if (sub_schedule_due_by(row, t))
		return sub_schedule_phase_end(s, row, before, t, e);
	/*
	 * pause_collection's resumes_at has come: collection resumes first, so a
	 * renewal due at the same moment (the next step) is collected.
	 */
	if (sub_pause_ends_by(row, t))
		return sub_pause_resume(s, row, before, e);
	/* Three days before a trial ends, Stripe's trial_will_end. */
	if (sub_trial_notice_by(row, t))
		return sub_trial_notice(s, row, before, e);
	/* The tenant's invoice_upcoming_days before a renewal, Stripe's invoice.upcoming. */
	bool upcoming = false;
	int rc = sub_upcoming_by(&upcoming, s, row, t, e);
	if (rc < 0 || upcoming)
		return rc < 0 ? rc : sub_upcoming_notice(s, row, before, e);
	if (strcmp(status, "incomplete") == 0 && t < cpe &&
	    t >= json_integer_value(json_object_get(row, "created")) + SUB_INCOMPLETE_TTL) {
		/* Stripe voids the unpaid first invoice when the subscription expires. */
		const char *latest = json_string_value(json_object_get(row, "latest_invoice"));
		if (latest) {
			json_t *inv = NULL, *none = json_object();
			rc = svc_invoice_retrieve(&inv, s, latest, e);
			if (rc == 0 && strcmp(json_string_value(json_object_get(inv, "status")), "open") == 0) {
				json_decref(inv);
				inv = NULL;
				rc = svc_invoice_void(&inv, s, latest, none, e);
			}
			json_decref(inv);
			json_decref(none);
			if (rc < 0)
				return rc;
		}
		json_object_set_new(row, "status", json_string("incomplete_expired"));
		json_object_set_new(row, "ended_at", json_integer(t));
		return sub_save(s, row, before, "customer.subscription.updated", e);
	}
	if (json_is_integer(cancel_at) && json_integer_value(cancel_at) <= t) {
		/*
		 * Stripe prorates a scheduled cancellation that falls inside a
		 * period as the update that set cancel_at said: pending credits
		 * (create_prorations, the default), a final invoice now
		 * (always_invoice), or nothing (none).
		 */
		const char *how = json_string_value(json_object_get(row, "cancel_at_proration"));
		bool none = how && strcmp(how, "none") == 0;
		bool invoice_now = how && strcmp(how, "always_invoice") == 0;
		return sub_end(s, row, before, json_integer_value(cancel_at),
			       json_integer_value(cancel_at) < cpe && !none, invoice_now,
			       "cancellation_requested", e);
	}
	/* Nothing else is due while paused: its scheduled resume has come. */
	if (strcmp(status, "paused") == 0)
		return sub_resume_due(s, row, before, t, e);
	if (t < cpe) {
		/*
		 * Due early for an invoice.upcoming that the tenant's setting, changed
		 * since, no longer wants then: saving recomputes due_at.
		 */
		json_t *fresh = json_deep_copy(row);
		sub_set_due(fresh);
		rc = sub_upcoming_set_due(s, fresh, e);
		bool stale = json_integer_value(json_object_get(fresh, "due_at")) > t;
		json_decref(fresh);
		if (rc < 0 || stale)
			return rc < 0 ? rc : sub_save(s, row, before, NULL, e);
		return err_internal(e, "subscription due at %lld before its period ends", (long long)t);
	}
	if (json_is_true(json_object_get(row, "cancel_at_period_end")))
		return sub_end(s, row, before, cpe, false, false, "cancellation_requested", e);
	if (strcmp(status, "trialing") == 0) {
		/*
		 * The trial ends. Without a payment method the trial's end_behavior
		 * decides: cancel, pause, or (default) invoice anyway.
		 */
		const char *behavior = json_string_value(json_object_get(
			json_object_get(json_object_get(row, "trial_settings"), "end_behavior"),
			"missing_payment_method"));
		if (behavior && !sub_has_payment_method(s, row)) {
			if (strcmp(behavior, "cancel") == 0)
				return sub_end(s, row, before, cpe, false, false,
					       "cancellation_requested", e);
			if (strcmp(behavior, "pause") == 0) {
				json_object_set_new(row, "status", json_string("paused"));
				return sub_save(s, row, before, "customer.subscription.paused", e);
			}
		}
		json_object_set_new(row, "status", json_string("active"));
	}
	json_t *items = NULL;
	rc = renew(s, row, cpe, &items, e);
	if (rc >= 0)
		rc = sub_save_items(s, row, before, "customer.subscription.updated", items, e);
	json_decref(items);
	/* Automatic collection: the renewal invoice is charged in the same step. */
	if (rc >= 0)
		rc = sub_collect(s, row, before, NULL, cpe, e);
	return rc < 0 ? rc : 0;
}

int sub_run_due(struct svc *s, const char *id, int64_t until, struct recur_err *e)
{
	int rc = 0;
	for (int n = 0; n < MAX_STEPS_PER_RUN; n++) {
		json_t *before = NULL, *row = NULL;
		if ((rc = sub_get(&before, s, id, e)) < 0)
			return rc;
		json_t *due = json_object_get(before, "due_at");
		if (!json_is_integer(due) || json_integer_value(due) > until) {
			json_decref(before);
			return 0;
		}
		row = json_deep_copy(before);
		rc = step(s, row, before, json_integer_value(due), e);
		json_decref(before);
		/*
		 * Every step ends by saving row (sub_save recomputes its due_at), so
		 * row is what the store now holds: when it is not due again, reading
		 * it back to find that out would only cost a query per renewal.
		 */
		due = json_object_get(row, "due_at");
		bool again = json_is_integer(due) && json_integer_value(due) <= until;
		json_decref(row);
		if (rc < 0 || !again)
			return rc;
	}
	return err_internal(e, "subscription %s had more than %d steps due", id, MAX_STEPS_PER_RUN);
}

struct due_row {
	char id[64];
	int64_t due;
};

struct due_batch {
	struct due_row rows[256];
	size_t n;
};

static int read_due(void *ctx, const struct store_row *row)
{
	struct due_batch *b = ctx;
	if (b->n >= sizeof(b->rows) / sizeof(b->rows[0]))
		return 1;
	snprintf(b->rows[b->n].id, sizeof(b->rows[b->n].id), "%s", store_row_text(row, 0, NULL));
	b->rows[b->n].due = store_row_int(row, 1);
	b->n++;
	return 0;
}

int svc_subscription_run_due_clock(struct svc *s, const char *clock, int64_t until,
				   struct recur_err *e)
{
	/*
	 * Time order across the clock's subscriptions and invoices: take the
	 * earliest due one, run its next step, look again. Each step moves that
	 * subscription's due_at (or invoice's collection_due_at) forward, so this
	 * ends. At a tie the invoice goes first: its retry was scheduled earlier.
	 */
	for (;;) {
		struct due_batch b = { .n = 0 };
		struct store_val p[] = { SV_TEXT(s->scope.tenant), SV_INT(s->scope.livemode),
					 SV_TEXT(clock), SV_INT(until) };
		char inv[IDS_MAX];
		int64_t inv_due = 0;
		int rc = store_query(s->db, "SELECT id, due_at FROM subscriptions WHERE test_clock = $3"
				     " AND due_at IS NOT NULL AND due_at <= $4 AND tenant_id = $1"
				     " AND livemode = $2 ORDER BY due_at, seq LIMIT 1",
				     p, 4, read_due, &b, e);
		if (rc < 0 ||
		    (rc = svc_collection_next_due_clock(inv, sizeof(inv), &inv_due, s, clock, until,
							e)) < 0)
			return rc;
		/* A schedule that starts creates its subscription before anything else at its time. */
		char sched[IDS_MAX];
		int64_t sched_due = 0;
		if ((rc = svc_schedule_next_due_clock(sched, sizeof(sched), &sched_due, s, clock,
						      until, e)) < 0)
			return rc;
		if (sched[0] && (b.n == 0 || sched_due <= b.rows[0].due) &&
		    (!inv[0] || sched_due <= inv_due)) {
			if ((rc = svc_schedule_start_due(s, sched, sched_due, e)) < 0)
				return rc;
			continue;
		}
		if (inv[0] && (b.n == 0 || inv_due <= b.rows[0].due)) {
			if ((rc = svc_collection_run_due(NULL, s, inv, inv_due, 0, e)) < 0)
				return rc;
			continue;
		}
		if (b.n == 0)
			return 0;
		if ((rc = sub_run_due(s, b.rows[0].id, b.rows[0].due, e)) < 0)
			return rc;
	}
}

/* A subscription's steps due by now, for the wall-clock runner. */
static int run_one(struct svc *s, const char *id, int64_t now, struct recur_err *e)
{
	return sub_run_due(s, id, now, e);
}

int svc_subscription_run_due_wall(int *done, struct store *db, int64_t now, struct recur_err *e)
{
	/* Renewals read prices and products and never write them: one read per batch. */
	struct svc_cache *cache = svc_cache_new();
	int seen = 0;
	int rc = svc_run_due_wall(done, &seen, db, now,
				  "SELECT tenant_id, livemode, id, due_at FROM subscriptions"
				  " WHERE test_clock IS NULL AND due_at IS NOT NULL AND due_at <= $1"
				  " ORDER BY due_at LIMIT $2", SVC_RENEWAL_BATCH, run_one, cache, e);
	svc_cache_free(cache);
	/* A full batch that made progress may have more behind it: say so even if a step failed. */
	if (rc == 0 && seen == SVC_RENEWAL_BATCH && *done > 0)
		*done = SVC_RENEWAL_BATCH;
	return rc;
}
