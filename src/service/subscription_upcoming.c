/*
 * subscription_upcoming.c - invoice.upcoming as due work.
 *
 * Stripe sends invoice.upcoming "X days before a subscription is scheduled to
 * create an invoice that is automatically charged", X being an account
 * setting; here it is the tenant's invoice_upcoming_days
 * (subscription_settings.h, default 7, 0 off). Its data.object is the invoice
 * create_preview shows for the subscription (subscription_preview.c), without
 * an id, as Stripe's has none.
 *
 * Once per (subscription, period): invoice_upcoming_sent (bookkeeping,
 * migration 021) keeps the current_period_end it was sent for, written in the
 * step's own transaction with the event, so a step run again after a crash,
 * or a clock advanced over the same instant again, finds it sent.
 *
 * Who gets none (docs/webhooks.md): a subscription that is not active,
 * past_due or trialing (canceled, incomplete, paused: nothing renews), one
 * collected by send_invoice (Stripe's "automatically charged"), one that
 * cancels at the period end (cancel_at_period_end, cancel_at by then), one
 * whose collection is paused (pause_collection), a period shorter than the
 * setting (the notice would fall before the period began), and a trial that
 * ends the subscription or pauses it for want of a payment method (the last
 * is only known when the step runs: it is skipped then, and recorded as sent).
 */
#include "service/subscription_internal.h"
#include "service/subscription_settings.h"

#include <string.h>

static bool is(const json_t *row, const char *field, const char *value)
{
	const char *v = json_string_value(json_object_get(row, field));
	return v && strcmp(v, value) == 0;
}

/* Whether row's current period may owe a notice, whatever the setting says. */
static bool owes(const json_t *row)
{
	json_t *cancel_at = json_object_get(row, "cancel_at");
	json_t *sent = json_object_get(row, "invoice_upcoming_sent");
	int64_t cpe = json_integer_value(json_object_get(row, "current_period_end"));
	if (!is(row, "status", "active") && !is(row, "status", "past_due") &&
	    !is(row, "status", "trialing"))
		return false;
	if (!is(row, "collection_method", "charge_automatically") ||
	    json_is_true(json_object_get(row, "cancel_at_period_end")) ||
	    (json_is_integer(cancel_at) && json_integer_value(cancel_at) <= cpe) ||
	    !json_is_null(json_object_get(row, "pause_collection")))
		return false;
	return !(json_is_integer(sent) && json_integer_value(sent) == cpe);
}

/* The instant the notice falls due with days, or -1 (off, or before the period began). */
static int64_t notice_at(const json_t *row, int64_t days)
{
	int64_t cpe = json_integer_value(json_object_get(row, "current_period_end"));
	int64_t cps = json_integer_value(json_object_get(row, "current_period_start"));
	int64_t at = cpe - days * 86400;
	return days > 0 && at >= cps ? at : -1;
}

int sub_upcoming_set_due(struct svc *s, json_t *row, struct recur_err *e)
{
	json_t *due = json_object_get(row, "due_at");
	int64_t days = 0;
	int rc;
	/* Most saves need no settings read: the notice is sent, or never owed. */
	if (!json_is_integer(due) || !owes(row))
		return 0;
	if ((rc = svc_upcoming_days_load(&days, s, e)) < 0)
		return rc;
	int64_t at = notice_at(row, days);
	if (at >= 0 && at < json_integer_value(due))
		json_object_set_new(row, "due_at", json_integer(at));
	return 0;
}

int sub_upcoming_by(bool *out, struct svc *s, const json_t *row, int64_t t, struct recur_err *e)
{
	int64_t days = 0;
	int rc;
	*out = false;
	/* At the renewal itself it is too late to announce it (a setting turned on late). */
	if (t >= json_integer_value(json_object_get(row, "current_period_end")) || !owes(row))
		return 0;
	if ((rc = svc_upcoming_days_load(&days, s, e)) < 0)
		return rc;
	int64_t at = notice_at(row, days);
	*out = at >= 0 && at <= t;
	return 0;
}

/* A trial that ends without a payment method and cancels or pauses then bills nothing. */
static bool trial_ends_it(struct svc *s, const json_t *row)
{
	const char *behavior = json_string_value(json_object_get(
		json_object_get(json_object_get(row, "trial_settings"), "end_behavior"),
		"missing_payment_method"));
	return is(row, "status", "trialing") && behavior &&
	       (strcmp(behavior, "cancel") == 0 || strcmp(behavior, "pause") == 0) &&
	       !sub_has_payment_method(s, row);
}

/* Shows the preview as Stripe's upcoming invoice: no id, charged at the renewal. */
static void strip_id(json_t *inv, int64_t renews_at)
{
	size_t i;
	json_t *line;
	json_object_set_new(inv, "id", json_null());
	json_object_set_new(inv, "next_payment_attempt", json_integer(renews_at));
	json_object_set_new(json_object_get(inv, "lines"), "url", json_null());
	json_array_foreach(json_object_get(json_object_get(inv, "lines"), "data"), i, line)
		json_object_set_new(line, "invoice", json_null());
}

int sub_upcoming_notice(struct svc *s, json_t *row, const json_t *before, struct recur_err *e)
{
	json_t *cpe = json_object_get(row, "current_period_end");
	json_t *inv = NULL;
	int rc;
	json_object_set(row, "invoice_upcoming_sent", cpe);
	if (trial_ends_it(s, row))
		return sub_save(s, row, before, NULL, e);
	if ((rc = sub_next_renewal(&inv, s, row, e)) < 0)
		goto done;
	strip_id(inv, json_integer_value(cpe));
	if ((rc = sub_save(s, row, before, NULL, e)) < 0)
		goto done;
	rc = svc_event(s, "invoice.upcoming", inv, NULL, e);
done:
	json_decref(inv);
	return rc;
}
