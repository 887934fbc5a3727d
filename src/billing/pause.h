/*
 * pause.h - pausing a subscription's payment collection (Stripe's
 * pause_collection): which invoices it holds back, how, and until when.
 *
 * Stripe (docs.stripe.com/billing/subscriptions/pause-payment): while
 * collection is paused the subscription keeps its status and keeps
 * generating invoices, and every invoice generated before resumes_at is
 * handled by the behavior:
 *
 *   keep_as_draft        stays a draft with auto_advance false: nothing is
 *                        finalized, charged or sent; it can be finalized later
 *   mark_uncollectible   finalized and marked uncollectible at once: nothing
 *                        is charged (the claim is written off)
 *   void                 finalized and voided at once: nothing is charged
 *
 * At resumes_at (when given) the pause ends by itself; without it, it lasts
 * until pause_collection is unset. Invoices made before the pause are not
 * touched and their retries go on.
 *
 * Pure: no I/O, no clock, no allocation. Every time is an argument.
 */
#ifndef RECUR_BILLING_PAUSE_H
#define RECUR_BILLING_PAUSE_H

#include <stdbool.h>
#include <stdint.h>

enum billing_pause_behavior {
	BILLING_PAUSE_NONE = 0, /* collection is not paused */
	BILLING_PAUSE_KEEP_AS_DRAFT,
	BILLING_PAUSE_MARK_UNCOLLECTIBLE,
	BILLING_PAUSE_VOID,
};

struct billing_pause {
	enum billing_pause_behavior behavior;
	int64_t resumes_at; /* 0: until unset */
};

/* Stripe's name ("keep_as_draft", ...) -> behavior; -1 for any other string or NULL. */
int billing_pause_behavior_parse(enum billing_pause_behavior *out, const char *name);
/* The wire name of a behavior; NULL for BILLING_PAUSE_NONE. */
const char *billing_pause_behavior_name(enum billing_pause_behavior b);

/* Why billing_pause_check refused a new pause. */
enum billing_pause_fault {
	BILLING_PAUSE_OK = 0,
	BILLING_PAUSE_BAD_BEHAVIOR,   /* names pause_collection[behavior] */
	BILLING_PAUSE_RESUMES_PAST,   /* names pause_collection[resumes_at] */
};

/*
 * A pause being set at now (the subscription's "now": its test clock's time):
 * the behavior must be one of the three, and resumes_at, when given, must lie
 * after now (a pause that has already ended would never hold anything back).
 */
enum billing_pause_fault billing_pause_check(const struct billing_pause *p, int64_t now);

/*
 * The behavior that applies to an invoice the subscription makes at t:
 * BILLING_PAUSE_NONE when not paused, or when resumes_at <= t (an invoice due
 * at the moment collection resumes is collected as usual).
 */
enum billing_pause_behavior billing_pause_at(const struct billing_pause *p, int64_t t);

/* Whether the pause has a resumes_at that has come by t (it is to be cleared). */
bool billing_pause_ends_by(const struct billing_pause *p, int64_t t);

/*
 * The subscription's next due time with the pause's end taken into account:
 * the earlier of due and resumes_at. due 0 means nothing else is due; the
 * result is 0 when neither is.
 */
int64_t billing_pause_due(const struct billing_pause *p, int64_t due);

#endif
