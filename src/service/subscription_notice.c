/*
 * subscription_notice.c - customer.subscription.trial_will_end as due work.
 *
 * Stripe sends it three days before a trial ends (at once when the trial is
 * shorter), once per trial end: trial_will_end_sent (bookkeeping, migration
 * 019) keeps the trial_end it was sent for, so a trial moved to a new end
 * gets a new notice and a repeated step none. The e-mail notifications
 * (email.h) mail it as trial_ending.
 */
#include "service/subscription_internal.h"

#include <string.h>

/* The instant the notice of row's trial falls due, or -1 when none is owed. */
static int64_t notice_at(const json_t *row)
{
	const char *status = json_string_value(json_object_get(row, "status"));
	json_t *end = json_object_get(row, "trial_end");
	json_t *sent = json_object_get(row, "trial_will_end_sent");
	if (!status || strcmp(status, "trialing") != 0 || !json_is_integer(end))
		return -1;
	if (json_is_integer(sent) && json_integer_value(sent) == json_integer_value(end))
		return -1;
	return json_integer_value(end) - SUB_TRIAL_NOTICE;
}

int64_t sub_trial_notice_due(const json_t *row, int64_t due)
{
	int64_t at = notice_at(row);
	return at >= 0 && at < due ? at : due;
}

bool sub_trial_notice_by(const json_t *row, int64_t t)
{
	int64_t at = notice_at(row);
	return at >= 0 && at <= t;
}

int sub_trial_notice(struct svc *s, json_t *row, const json_t *before, struct recur_err *e)
{
	json_object_set(row, "trial_will_end_sent", json_object_get(row, "trial_end"));
	return sub_save(s, row, before, "customer.subscription.trial_will_end", e);
}
