/*
 * subscription_dunning.c - what payment outcomes do to a subscription's
 * status, and the subscription paths' hand-over to automatic collection
 * (collection.h).
 *
 * Stripe's statuses (docs.stripe.com/billing/subscriptions/overview):
 * "past_due: payment on the latest finalized invoice either failed or wasn't
 * attempted"; when every retry has failed, the subscription settings decide
 * ("cancel the subscription", "mark the subscription as unpaid", "leave the
 * subscription past-due"). Paying an invoice makes it active again
 * (svc_subscription_invoice_paid, subscription_change.c).
 */
#include "service/collection.h"
#include "service/payments.h"
#include "service/subscription_internal.h"

#include <string.h>

static const char *str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static bool is(const json_t *row, const char *key, const char *value)
{
	const char *v = str(row, key);
	return v && value && strcmp(v, value) == 0;
}

int svc_subscription_payment_failed(struct svc *s, const char *subscription, const char *invoice,
				    int64_t at, struct recur_err *e)
{
	json_t *before = NULL, *row = NULL;
	int rc;

	(void)at;
	if ((rc = sub_get(&before, s, subscription, e)) < 0)
		return rc == RECUR_ENOTFOUND ? 0 : rc;
	/*
	 * Only the latest invoice decides the status: a retry of an older one
	 * failing does not undo a newer payment. trialing, incomplete, past_due,
	 * unpaid, paused and ended subscriptions keep their status.
	 */
	if (!is(before, "status", "active") || !is(before, "latest_invoice", invoice))
		goto done;
	row = json_deep_copy(before);
	json_object_set_new(row, "status", json_string("past_due"));
	rc = sub_save(s, row, before, "customer.subscription.updated", e);
done:
	json_decref(before);
	json_decref(row);
	return rc;
}

int svc_subscription_payment_final(struct svc *s, const char *subscription,
				   enum billing_dunning_final_action action, int64_t at,
				   struct recur_err *e)
{
	json_t *before = NULL, *row = NULL;
	int rc;

	if ((rc = sub_get(&before, s, subscription, e)) < 0)
		return rc == RECUR_ENOTFOUND ? 0 : rc;
	/* A subscription that recovered (or ended) meanwhile is left as it is. */
	if (!is(before, "status", "past_due") || action == BILLING_DUNNING_LEAVE_PAST_DUE)
		goto done;
	row = json_deep_copy(before);
	if (action == BILLING_DUNNING_CANCEL) {
		/* Stripe's cancellation_details.reason for this case is payment_failed. */
		rc = sub_end(s, row, before, at, false, false, "payment_failed", e);
	} else {
		/* unpaid: renewals go on being invoiced, but nothing is charged automatically. */
		json_object_set_new(row, "status", json_string("unpaid"));
		rc = sub_save(s, row, before, "customer.subscription.updated", e);
	}
done:
	json_decref(before);
	json_decref(row);
	return rc;
}

static bool behaves(const char *behavior, const char *value)
{
	return behavior && strcmp(behavior, value) == 0;
}

int sub_collect(struct svc *s, const json_t *row, const json_t *before, const char *behavior,
		int64_t now, struct recur_err *e)
{
	struct svc_collection_result r;
	const char *inv = str(row, "latest_invoice");
	const char *prev = before ? str(before, "latest_invoice") : NULL;
	int rc;

	/* Only an invoice this change made: an older one is collected on its own schedule. */
	if (!inv || (prev && strcmp(inv, prev) == 0))
		return 0;
	/* Stripe: default_incomplete leaves the payment to be confirmed; nothing is charged. */
	if (behaves(behavior, "default_incomplete"))
		return svc_collection_unschedule(s, inv, e);
	/*
	 * The change that made the invoice also named the subscription's default
	 * method: finalization read the subscription as it was, before this save.
	 */
	const char *pm = str(row, "default_payment_method");
	const char *old_pm = before ? str(before, "default_payment_method") : NULL;
	if (pm && (!old_pm || strcmp(pm, old_pm) != 0) &&
	    (rc = svc_collection_schedule_now(s, inv, now, e)) < 0)
		return rc;
	if ((rc = svc_collection_run_due(&r, s, inv, now, 0, e)) < 0)
		return rc;
	/* error_if_incomplete: a payment that fails fails the request, which changes nothing. */
	if (r.failed && behaves(behavior, "error_if_incomplete"))
		return svc_payment_result_error(e, &r.last);
	return 1;
}

int sub_collect_first(struct svc *s, const json_t *row, const char *behavior, int64_t now,
		      struct recur_err *e)
{
	struct svc_collection_result r;
	const char *inv = str(row, "latest_invoice");
	int rc;

	if (!inv)
		return 0;
	if (behaves(behavior, "default_incomplete"))
		return svc_collection_unschedule(s, inv, e);
	if ((rc = svc_collection_run_due(&r, s, inv, now, SVC_COLLECTION_FIRST_INVOICE, e)) < 0)
		return rc;
	if (!r.failed)
		return 0;
	if (behaves(behavior, "error_if_incomplete"))
		return svc_payment_result_error(e, &r.last);
	return 1;
}
