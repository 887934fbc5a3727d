/*
 * subscription.h - subscriptions: create, change, cancel, renew.
 *
 * Statuses follow Stripe: trialing -> active -> past_due -> unpaid | canceled,
 * incomplete -> active | incomplete_expired, paused. Renewals, trial ends and
 * scheduled cancellations are due work: each subscription carries due_at, the
 * next instant something happens to it, and svc_subscription_run_due performs
 * everything due up to a time, in order.
 */
#ifndef RECUR_SERVICE_SUBSCRIPTION_H
#define RECUR_SERVICE_SUBSCRIPTION_H

#include "billing/dunning.h"
#include "service/service.h"

extern const struct store_table svc_subscriptions_table;
extern const struct store_table svc_subscription_items_table;

int svc_subscription_create(json_t **out, struct svc *s, const json_t *p, struct recur_err *e);
int svc_subscription_retrieve(json_t **out, struct svc *s, const char *id, struct recur_err *e);
int svc_subscription_update(json_t **out, struct svc *s, const char *id, const json_t *p,
			    struct recur_err *e);
int svc_subscription_cancel(json_t **out, struct svc *s, const char *id, const json_t *p,
			    struct recur_err *e);
/*
 * POST /v1/subscriptions/:id/pause (recur's own): an active subscription
 * becomes paused, optionally until resumes_at; see subscription_resume.c.
 */
int svc_subscription_pause(json_t **out, struct svc *s, const char *id, const json_t *p,
			   struct recur_err *e);
int svc_subscription_resume(json_t **out, struct svc *s, const char *id, const json_t *p,
			    struct recur_err *e);
int svc_subscription_list(json_t **out, struct svc *s, const json_t *p, struct recur_err *e);

/*
 * POST /v1/invoices/create_preview: the invoice that customer or subscription
 * would get next, with subscription_details applied, writing nothing.
 */
/*
 * A subscription brought over from another system (subscription_import.c,
 * docs/import.md): p holds customer (an id), items[] (price ids and
 * quantities), current_period_end (the next billing date, in the future),
 * and optionally id (update that subscription), external_id, status (active
 * | trialing), current_period_start, trial_end, coupon, collection_method,
 * days_until_due, cancel_at_period_end, metadata. Bills nothing now.
 */
int svc_subscription_import(json_t **out, enum svc_outcome *outcome, struct svc *s,
			    const json_t *p, struct recur_err *e);
/* The subscription whose external_id is ext: its id into id and 1, or 0. */
int svc_subscription_by_external_id(char *id, size_t cap, struct svc *s, const char *ext,
				    struct recur_err *e);

int svc_subscription_preview(json_t **out, struct svc *s, const json_t *p, struct recur_err *e);

/*
 * Cancels every live subscription of a customer at `at`, inside the caller's
 * transaction (Stripe cancels them when the customer is deleted).
 */
int svc_subscription_cancel_customer(struct svc *s, const char *customer, int64_t at,
				     struct recur_err *e);

/*
 * Called by the invoice service, inside its transaction, when an invoice of
 * the subscription is paid: incomplete and past_due subscriptions become active.
 */
int svc_subscription_invoice_paid(struct svc *s, const char *subscription, const char *invoice,
				  struct recur_err *e);

/*
 * Called by collection (collection.h), inside its transaction, when a charge
 * of the subscription's invoice failed at `at`: an active subscription whose
 * latest invoice it is becomes past_due. Any other status is kept.
 */
int svc_subscription_payment_failed(struct svc *s, const char *subscription, const char *invoice,
				    int64_t at, struct recur_err *e);

/*
 * Called by collection when every retry of an invoice of the subscription has
 * failed: a past_due subscription is canceled at `at` (cancellation_details
 * reason payment_failed), becomes unpaid, or stays past_due, as action says.
 */
int svc_subscription_payment_final(struct svc *s, const char *subscription,
				   enum billing_dunning_final_action action, int64_t at,
				   struct recur_err *e);

/*
 * Runs the due work of one test clock's subscriptions up to until, in time
 * order, inside the caller's transaction (the clock's advance), together with
 * the collection work of the clock's invoices (payment retries): whichever is
 * due first runs first, an invoice first at a tie.
 */
int svc_subscription_run_due_clock(struct svc *s, const char *clock, int64_t until,
				   struct recur_err *e);

/* Subscriptions one wall-clock pass takes at most. */
#define SVC_RENEWAL_BATCH 500

/*
 * Runs the due work of wall-clock subscriptions (no test clock) of every
 * tenant due at or before now, oldest first, at most SVC_RENEWAL_BATCH of
 * them, in one transaction with a savepoint each: a failing subscription is
 * rolled back alone, those before it are committed and its error returned.
 * *done counts those handled; call again while it equals the batch size.
 */
int svc_subscription_run_due_wall(int *done, struct store *db, int64_t now, struct recur_err *e);

#endif
