/*
 * subscription_resume.c - the paused status: pausing an active subscription
 * (POST /v1/subscriptions/:id/pause, recur's own), resuming a paused one
 * (POST /v1/subscriptions/:id/resume, Stripe's), and a scheduled resume as
 * due work. The other pause, pause_collection, keeps the subscription active
 * and is subscription_pause.c's.
 *
 * While paused nothing is invoiced and nothing renews: the row's due_at is
 * only its scheduled resume (pause_resumes_at) or cancellation (cancel_at).
 * The period the subscription was in when it paused stays on the row, and
 * paid_through records how far its billed time reaches: the period end, or
 * the pause time when the pause credited the unused time. A resume bills from
 * there, so no time is billed twice and none for free unless asked:
 *
 * - billing_cycle_anchor=now: a new period from the resume, invoiced in full;
 *   billed time still unused (a resume inside the period paid before the
 *   pause) is credited on the same invoice unless proration_behavior=none.
 * - billing_cycle_anchor=unchanged: the subscription resumes into the period
 *   of its anchor that holds the resume time; its remainder is charged
 *   (prorated as Stripe prorates, half up per line) unless it was paid
 *   already, or proration_behavior=none makes it free until the renewal.
 */
#include "core/calendar.h"
#include "service/params.h"
#include "service/subscription_internal.h"
#include "service/test_clock.h"

#include <stdio.h>
#include <string.h>

json_t *sub_paused_due(const json_t *row)
{
	json_t *resumes = json_object_get(row, "pause_resumes_at");
	json_t *cancel_at = json_object_get(row, "cancel_at");
	if (json_is_integer(cancel_at) &&
	    (!json_is_integer(resumes) || json_integer_value(cancel_at) < json_integer_value(resumes)))
		return json_integer(json_integer_value(cancel_at));
	return json_is_integer(resumes) ? json_integer(json_integer_value(resumes)) : json_null();
}

/* How far the time billed before the pause reaches: the period end unless the pause credited it. */
static int64_t paid_through(const json_t *row)
{
	json_t *v = json_object_get(row, "paid_through");
	return json_is_integer(v) ? json_integer_value(v)
				  : json_integer_value(json_object_get(row, "current_period_end"));
}

struct resume_opts {
	bool unchanged;          /* billing_cycle_anchor=unchanged */
	bool prorate;            /* proration_behavior is not none */
	int64_t proration_date;  /* 0: the resume time */
};

/* Flattens lines for an invoice, leaving out zero prorations (nothing to bill). */
static size_t flatten(struct svc_invoice_line *flat, const struct sub_lines *lines)
{
	size_t n = 0;
	for (size_t k = 0; k < lines->n; k++)
		if (lines->lines[k].line.amount != 0 || !lines->lines[k].line.proration)
			flat[n++] = lines->lines[k].line;
	return n;
}

/* billing_cycle_anchor=now: a new period [now, now + interval), invoiced in full. */
static int resume_new_period(struct svc *s, json_t *row, int64_t now, const struct resume_opts *o,
			     struct recur_err *e)
{
	struct billing_interval iv;
	struct sub_lines lines = { 0 }, credits = { 0 };
	struct svc_invoice_line flat[SUB_MAX_ITEMS * 2];
	json_t *items = NULL;
	int64_t end = 0;
	char dedupe[96];
	const char *id = json_string_value(json_object_get(row, "id"));
	int rc = sub_interval(&iv, row, e);
	if (rc < 0)
		return rc;
	if (calendar_add_interval(&end, now, iv.unit, iv.count) < 0)
		return err_internal(e, "cannot compute the new period");
	/* Billed time the pause left unused: credited against the old period, before it changes. */
	if (o->prorate && now < paid_through(row) &&
	    (rc = sub_prorate_items(&credits, s, row, now, BILLING_PRORATION_UNUSED_TIME, e)) < 0)
		return rc;
	json_object_set_new(row, "billing_cycle_anchor", json_integer(now));
	json_object_set_new(row, "billing_cycle_anchor_config", json_null());
	json_object_set_new(row, "current_period_start", json_integer(now));
	json_object_set_new(row, "current_period_end", json_integer(end));
	if ((rc = sub_load_items(&items, s, id, e)) < 0 ||
	    (rc = sub_period_lines(&lines, s, items, now, end, false, e)) < 0)
		goto done;
	for (size_t k = 0; k < credits.n && lines.n < sizeof(lines.lines) / sizeof(lines.lines[0]); k++)
		lines.lines[lines.n++] = credits.lines[k];
	snprintf(dedupe, sizeof(dedupe), "cycle:%s:%lld", id, (long long)now);
	rc = sub_invoice(NULL, s, row, "subscription_cycle", now, now, end, flat, flatten(flat, &lines),
			 dedupe, e);
done:
	/* The lines borrow the items' tax rates until the invoice is made. */
	json_decref(items);
	return rc;
}

/* billing_cycle_anchor=unchanged: the anchor's period holding now, its unpaid remainder charged. */
static int resume_same_cycle(struct svc *s, json_t *row, int64_t now, const struct resume_opts *o,
			     struct recur_err *e)
{
	struct billing_interval iv;
	struct sub_lines charges = { 0 };
	struct svc_invoice_line flat[SUB_MAX_ITEMS * 2];
	int64_t start = 0, end = 0, paid = paid_through(row);
	char dedupe[96];
	const char *id = json_string_value(json_object_get(row, "id"));
	int rc = sub_interval(&iv, row, e);
	if (rc < 0)
		return rc;
	if (billing_period_containing_day(&start, &end,
					  json_integer_value(json_object_get(row, "billing_cycle_anchor")),
					  sub_anchor_day(row), iv.unit, iv.count, now) < 0)
		return err_internal(e, "cannot compute the period of %s at %lld", id, (long long)now);
	int64_t at = o->proration_date ? o->proration_date : now;
	if (at < start || at >= end)
		return err_invalid(e, "proration_date", "proration_date must fall in the period the"
				   " subscription resumes into, [%lld, %lld)", (long long)start,
				   (long long)end);
	json_object_set_new(row, "current_period_start", json_integer(start));
	json_object_set_new(row, "current_period_end", json_integer(end));
	/*
	 * A resume inside the period billed before the pause owes nothing more;
	 * otherwise Stripe charges the rest of the period (create_prorations,
	 * its default, and always_invoice alike: the resume invoices it at once).
	 */
	if (end <= paid || !o->prorate)
		return 0;
	if ((rc = sub_prorate_items(&charges, s, row, at, BILLING_PRORATION_REMAINING_TIME, e)) < 0)
		return rc;
	size_t n = flatten(flat, &charges);
	if (n == 0)
		return 0;
	snprintf(dedupe, sizeof(dedupe), "resume:%s:%lld", id, (long long)now);
	return sub_invoice(NULL, s, row, "subscription_update", now, at, end, flat, n, dedupe, e);
}

/*
 * Resumes the paused row at now, saves it with customer.subscription.resumed
 * and collects the resume invoice: sub_collect's result (1: reload row).
 */
static int resume(struct svc *s, json_t *row, const json_t *before, int64_t now,
		  const struct resume_opts *o, struct recur_err *e)
{
	int rc = o->unchanged ? resume_same_cycle(s, row, now, o, e)
			      : resume_new_period(s, row, now, o, e);
	if (rc < 0)
		return rc;
	json_object_set_new(row, "status", json_string("active"));
	json_object_set_new(row, "pause_resumes_at", json_null());
	json_object_set_new(row, "paid_through", json_null());
	if ((rc = sub_save(s, row, before, "customer.subscription.resumed", e)) < 0)
		return rc;
	return sub_collect(s, row, before, NULL, now, e);
}

int sub_resume_due(struct svc *s, json_t *row, const json_t *before, int64_t t,
		   struct recur_err *e)
{
	/* A scheduled resume starts a new period, as Stripe's resume does by default. */
	static const struct resume_opts opts = { .unchanged = false, .prorate = true };
	json_t *resumes = json_object_get(row, "pause_resumes_at");
	if (!json_is_integer(resumes) || json_integer_value(resumes) > t)
		return err_internal(e, "paused subscription due at %lld with no resume", (long long)t);
	int rc = resume(s, row, before, t, &opts, e);
	return rc < 0 ? rc : 0;
}

/* Renders the subscription after a change that may have moved it on in the store (rc 1). */
static int render_after(json_t **out, struct svc *s, json_t **row, int rc, struct recur_err *e)
{
	if (rc > 0) {
		/* A declined charge of the resume invoice made the subscription past_due. */
		const char *id = json_string_value(json_object_get(*row, "id"));
		json_t *fresh = NULL;
		if ((rc = sub_get(&fresh, s, id, e)) < 0)
			return rc;
		json_decref(*row);
		*row = fresh;
	}
	return sub_render(out, s, *row, e);
}

static const char *const pause_params[] = { "resumes_at", "proration_behavior", NULL };

int svc_subscription_pause(json_t **out, struct svc *s, const char *id, const json_t *p,
			   struct recur_err *e)
{
	/* Fusebill-style: the time paid for stays paid unless the pause credits it. */
	static const char *const prorations[] = { "none", "create_prorations", NULL };
	json_t *before = NULL, *row = NULL;
	const char *proration = NULL;
	int64_t resumes_at = 0, now = 0;
	int rc;
	*out = NULL;
	if ((rc = params_only(p, pause_params, e)) < 0 ||
	    (rc = params_int(&resumes_at, p, "resumes_at", 1, INT64_MAX, e)) < 0 ||
	    (rc = params_enum(&proration, p, "proration_behavior", prorations, e)) < 0)
		return rc;
	if ((rc = svc_begin(s, e)) < 0)
		return rc;
	if ((rc = sub_get(&before, s, id, e)) < 0)
		goto done;
	const char *status = json_string_value(json_object_get(before, "status"));
	const char *schedule = json_string_value(json_object_get(before, "schedule"));
	if (strcmp(status, "active") != 0) {
		rc = err_invalid(e, NULL, "Only an active subscription can be paused; this one is %s",
				 status);
		goto done;
	}
	if (schedule) {
		/* As Stripe: a subscription a schedule manages cannot be paused. */
		rc = err_invalid(e, NULL, "The subscription is managed by the subscription schedule"
				 " %s: release it to pause the subscription", schedule);
		goto done;
	}
	if ((rc = svc_test_clock_now(&now, s, json_string_value(json_object_get(before, "test_clock")),
				     e)) < 0)
		goto done;
	if (resumes_at && resumes_at <= now) {
		/* now is the subscription's: its test clock's time when it has one. */
		rc = err_invalid(e, "resumes_at", "resumes_at must be in the future (after %lld)",
				 (long long)now);
		goto done;
	}
	row = json_deep_copy(before);
	int64_t cpe = json_integer_value(json_object_get(row, "current_period_end"));
	int64_t paid = cpe;
	if (proration && strcmp(proration, "create_prorations") == 0 && now < cpe) {
		struct sub_lines credits = { 0 };
		if ((rc = sub_prorate_items(&credits, s, row, now, BILLING_PRORATION_UNUSED_TIME, e)) < 0 ||
		    (rc = sub_credit_pending(s, row, &credits, now, e)) < 0)
			goto done;
		paid = now;
	}
	json_object_set_new(row, "status", json_string("paused"));
	json_object_set_new(row, "paid_through", json_integer(paid));
	json_object_set_new(row, "pause_resumes_at", resumes_at ? json_integer(resumes_at) : json_null());
	if ((rc = sub_save(s, row, before, "customer.subscription.paused", e)) < 0)
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

static const char *const resume_params[] = { "billing_cycle_anchor", "proration_behavior",
					     "proration_date", NULL };

int svc_subscription_resume(json_t **out, struct svc *s, const char *id, const json_t *p,
			    struct recur_err *e)
{
	static const char *const anchors[] = { "now", "unchanged", NULL };
	json_t *before = NULL, *row = NULL;
	const char *anchor = NULL, *proration = NULL;
	struct resume_opts opts = { .prorate = true };
	int64_t now = 0;
	int rc;
	*out = NULL;
	if ((rc = params_only(p, resume_params, e)) < 0 ||
	    (rc = params_enum(&anchor, p, "billing_cycle_anchor", anchors, e)) < 0 ||
	    (rc = sub_proration_param(&proration, p, e)) < 0 ||
	    (rc = params_int(&opts.proration_date, p, "proration_date", 1, INT64_MAX, e)) < 0)
		return rc;
	opts.unchanged = anchor && strcmp(anchor, "unchanged") == 0;
	opts.prorate = !proration || strcmp(proration, "none") != 0;
	/* Stripe: with a new cycle from now, proration_date has nothing to date. */
	if (!opts.unchanged)
		opts.proration_date = 0;
	if ((rc = svc_begin(s, e)) < 0)
		return rc;
	if ((rc = sub_get(&before, s, id, e)) < 0)
		goto done;
	if (strcmp(json_string_value(json_object_get(before, "status")), "paused") != 0) {
		rc = err_invalid(e, NULL, "Only a paused subscription can be resumed; this one is %s",
				 json_string_value(json_object_get(before, "status")));
		goto done;
	}
	if ((rc = svc_test_clock_now(&now, s, json_string_value(json_object_get(before, "test_clock")),
				     e)) < 0)
		goto done;
	row = json_deep_copy(before);
	if ((rc = resume(s, row, before, now, &opts, e)) < 0)
		goto done;
	rc = render_after(out, s, &row, rc, e);
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
