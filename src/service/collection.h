/*
 * collection.h - automatic collection of invoices: the charge that follows
 * finalization, payment retries on the dunning schedule, the final action
 * when they are spent, and POST /v1/invoices/:id/pay with a payment method.
 *
 * Stripe "automatically attempts payment" of a charge_automatically invoice
 * whose auto_advance is true, and retries a failed payment on a schedule
 * (docs.stripe.com/invoicing/automatic-collection, .../billing/revenue-
 * recovery/smart-retries). recur keeps that schedule as due work on the
 * invoice (next_payment_attempt, and the bookkeeping column
 * collection_due_at, migration 007):
 *
 *   finalization          next_payment_attempt = the finalization time, when
 *                         charge_automatically, auto_advance and amount_due > 0
 *   attempt succeeds      paid (svc_invoice_mark_paid: invoice.paid, and the
 *                         subscription's incomplete | past_due | unpaid -> active)
 *   attempt fails         open, attempt_count + 1, invoice.payment_failed; the
 *                         next attempt per billing/dunning.h (the tenant's
 *                         policy, dunning_settings.h; by default 3, 5 and 7
 *                         days after the first failure, hard declines not
 *                         retried); an active subscription whose latest
 *                         invoice this is becomes past_due
 *   retries spent         the final action, due when the schedule ends:
 *                         cancel the past_due subscription (reason
 *                         payment_failed), make it unpaid, or leave it
 *   send_invoice          reminders after the due date in the same column
 *                         (reminders_sent counts them): invoice.reminder, and
 *                         the policy's fee added to amount_due and posted
 *                         (REMINDER_FEE). A payment stop halts every step.
 *
 * Every attempt goes through svc_payment_attempt, whose idempotency is per
 * (invoice, attempt number): the number is attempt_count + 1, written in the
 * same transaction as the attempt, so no job run twice charges twice.
 *
 * recur's deviations, documented in docs/payments.md: an automatic first
 * attempt with no payment method to charge leaves the invoice open with no
 * schedule and the subscription's status unchanged (Stripe records a failed
 * attempt); the first invoice of a subscription being created is attempted
 * once and never retried (its subscription is incomplete, and expires).
 *
 * Everything here runs inside the caller's transaction unless it says
 * otherwise, at the time it is given ("now" of the invoice's test clock).
 */
#ifndef RECUR_SERVICE_COLLECTION_H
#define RECUR_SERVICE_COLLECTION_H

#include <stdbool.h>
#include <stdint.h>

#include "service/payment_intent.h"
#include "service/service.h"

/*
 * At finalization, on the raw invoice row (before it is written; customer is
 * the invoice's, borrowed): schedules the first automatic attempt at now when
 * the invoice is collected automatically (charge_automatically, auto_advance,
 * amount_due > 0) and the customer or the invoice's subscription names a
 * default payment method; clears the schedule otherwise. Reads at most the
 * subscription's default.
 */
/*
 * Stripe finalizes a draft whose auto_advance is true about an hour after it
 * was created. For a draft, sets its collection_due_at to that moment (or now,
 * when auto_advance is turned on later), or clears it when auto_advance is
 * false; the due work then finalizes it (svc_collection_run_due) and collects
 * it as any finalized invoice. Does nothing to an invoice that is not a draft.
 */
#define SVC_INVOICE_AUTO_FINALIZE_SECONDS 3600
void svc_collection_plan_draft(json_t *inv, int64_t now);

int svc_collection_schedule(struct svc *s, json_t *inv, int64_t now, const json_t *customer,
			    struct recur_err *e);

/*
 * Rendering: Stripe's next_payment_attempt from the raw row inv (null unless
 * the invoice is open), and recur's collection bookkeeping removed from r.
 */
void svc_collection_render(json_t *r, const json_t *inv);

/* A subscription being created: its status is the caller's, and a failure schedules no retry. */
#define SVC_COLLECTION_FIRST_INVOICE 1u

/* What svc_collection_run_due did. */
struct svc_collection_result {
	int attempts;                     /* charges attempted */
	bool paid;                        /* the invoice was paid */
	bool failed;                      /* the last charge attempted failed */
	struct svc_payment_result last;   /* the last charge's result, when attempts > 0 */
};

/*
 * Runs the collection work of one invoice due at or before until, in time
 * order, each step at its own due time: a charge, or the final action. An
 * invoice that is not open, or has nothing due, is left as it is (one
 * indexed read finds that out). out may be NULL.
 */
int svc_collection_run_due(struct svc_collection_result *out, struct svc *s, const char *invoice,
			   int64_t until, unsigned flags, struct recur_err *e);

/*
 * Schedules the first automatic attempt of an open invoice at now, when it is
 * collected automatically and was neither attempted nor scheduled: the
 * invoice of a change that also named the subscription's default payment
 * method, which finalization could not see yet.
 */
int svc_collection_schedule_now(struct svc *s, const char *invoice, int64_t now,
				struct recur_err *e);

/*
 * A payment stop was lifted (dunning_settings.h): recomputes the open
 * invoice's next reminder (send_invoice) or, when automatic attempts failed,
 * its next retry or final action, from the stored reminder count and first
 * failure, so the schedule is what it would have been; what fell due during
 * the stop runs at once. The last decline code is not kept: a retry schedule
 * ended by a hard decline resumes with the remaining retries.
 */
int svc_collection_resume(struct svc *s, const char *invoice, struct recur_err *e);

/* Takes an open invoice out of automatic collection (payment_behavior=default_incomplete). */
int svc_collection_unschedule(struct svc *s, const char *invoice, struct recur_err *e);

/*
 * The clock's open invoice whose collection is due first, at or before until:
 * its id in id (cap >= IDS_MAX) and its due time, or id "" when none is.
 */
int svc_collection_next_due_clock(char *id, size_t cap, int64_t *due, struct svc *s,
				  const char *clock, int64_t until, struct recur_err *e);

/* Invoices one wall-clock pass takes at most. */
#define SVC_COLLECTION_BATCH 500

/*
 * The collection work of wall-clock invoices (no test clock) of every tenant
 * due at or before now, earliest first, at most SVC_COLLECTION_BATCH of them,
 * in one transaction with a savepoint each (as svc_subscription_run_due_wall).
 * *done counts those handled; call again while it equals the batch size.
 */
int svc_collection_run_due_wall(int *done, struct store *db, int64_t now, struct recur_err *e);

/* Whether POST /v1/invoices/:id/pay records a payment made elsewhere (paid_out_of_band=true). */
bool svc_collection_out_of_band(const json_t *p);

/*
 * POST /v1/invoices/:id/pay that charges: payment_method (attached to the
 * invoice's customer), else the subscription's and then the customer's
 * default. A draft is finalized first. One transaction. A declined charge is
 * committed (the attempt, attempt_count, invoice.payment_failed, the dunning
 * schedule and past_due) and then answered with Stripe's 402 card_error,
 * decline_code included: *out is NULL then, as on every error.
 */
int svc_collection_pay(json_t **out, struct svc *s, const char *id, const json_t *p,
		       struct recur_err *e);

#endif
