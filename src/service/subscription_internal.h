/*
 * subscription_internal.h - what subscription.c, subscription_change.c and
 * renewal.c share. Not for other services: they use subscription.h.
 *
 * A subscription row (as the store returns it) carries bookkeeping next to the
 * Stripe fields: its interval, the current period and due_at. sub_render turns
 * a row into the Stripe object (bookkeeping removed, items and tax rates
 * embedded); sub_save writes a row back, recomputing due_at, with its event.
 */
#ifndef RECUR_SERVICE_SUBSCRIPTION_INTERNAL_H
#define RECUR_SERVICE_SUBSCRIPTION_INTERNAL_H

#include <stdbool.h>

#include "billing/pause.h"
#include "billing/period.h"
#include "billing/proration.h"
#include "service/invoice.h"
#include "service/pricing.h"
#include "service/subscription.h"

#define SUB_MAX_ITEMS 20             /* Stripe's limit of items per subscription */
#define SUB_MAX_QUANTITY 1000000000LL
#define SUB_INCOMPLETE_TTL (23 * 3600) /* Stripe: incomplete expires after 23 hours */

/* One invoice line built from a subscription item, with storage for its strings. */
struct sub_line {
	struct svc_invoice_line line;
	char description[256];
	char price[128];
	char item[64];
	const json_t *tax_rates;
};

struct sub_lines {
	size_t n;
	struct sub_line lines[SUB_MAX_ITEMS * 2];
};

/* One entry of items[] as create reads it (sub_items_param). */
struct sub_item_in {
	json_t *price;       /* loaded price object */
	int64_t quantity;
	json_t *tax_rates;   /* array of ids, validated */
	json_t *metadata;
};

/*
 * Reads p's items[] (at least one, at most SUB_MAX_ITEMS, active recurring
 * prices of one currency and interval, no price twice) into items; *n tells
 * how many were filled, also on error, for sub_items_free.
 */
int sub_items_param(struct sub_item_in *items, size_t *n, struct svc *s, const json_t *p,
		    struct recur_err *e);
void sub_items_free(struct sub_item_in *items, size_t n);

int sub_get(json_t **out, struct svc *s, const char *id, struct recur_err *e);
/* The live items of a subscription, oldest first (new reference). */
int sub_load_items(json_t **out, struct svc *s, const char *sub, struct recur_err *e);
/* The Stripe object for a row (new reference). */
int sub_render(json_t **out, struct svc *s, const json_t *row, struct recur_err *e);
int sub_interval(struct billing_interval *out, const json_t *row, struct recur_err *e);
/* The anchor's nominal day of month (from billing_cycle_anchor_config), or 0. */
int sub_anchor_day(const json_t *row);
/* Recomputes due_at: the period end, an earlier cancel_at, an incomplete expiry. */
void sub_set_due(json_t *row);
/*
 * Writes row back; when type is set, appends that event (with
 * previous_attributes against before, when given; an update that changes
 * nothing visible appends none).
 */
int sub_save(struct svc *s, json_t *row, const json_t *before, const char *type,
	     struct recur_err *e);
/*
 * sub_save with the subscription's item rows as sub_load_items gave them in
 * the same step, when nothing has changed them since (borrowed): they are not
 * read again. NULL: as sub_save.
 */
int sub_save_items(struct svc *s, json_t *row, const json_t *before, const char *type,
		   const json_t *item_rows, struct recur_err *e);
/*
 * sub_save_items with the items as they were before the change
 * (before_items, from sub_items_render; NULL: unchanged), so that
 * previous_attributes shows a change of items too.
 */
int sub_save_full(struct svc *s, json_t *row, const json_t *before, const json_t *before_items,
		  const char *type, const json_t *item_rows, struct recur_err *e);
/* The subscription's items rendered as its `items` list (new reference). */
int sub_items_render(json_t **out, struct svc *s, const char *id, struct recur_err *e);

/* One item's amount for a whole period. item's "price" is an id or an object. */
int sub_item_amount(int64_t *out, struct svc *s, const json_t *item, const json_t **price_out,
		    json_t **owned_price, struct recur_err *e);
int sub_line_description(char *buf, size_t cap, struct svc *s, const json_t *price,
			 int64_t quantity);
/* Lines for every item over [start, end); trial lines are free. */
int sub_period_lines(struct sub_lines *out, struct svc *s, const json_t *items, int64_t start,
		     int64_t end, bool trial, struct recur_err *e);
/*
 * Creates and finalizes an invoice of the subscription row with lines (and the
 * customer's pending items), setting row's latest_invoice. dedupe makes it
 * exactly-once. *out (if not NULL) gets the invoice.
 */
int sub_invoice(json_t **out, struct svc *s, json_t *row, const char *reason, int64_t now,
		int64_t start, int64_t end, const struct svc_invoice_line *lines, size_t n,
		const char *dedupe, struct recur_err *e);

/* Parameters shared by create and update. */
int sub_check_tax_rates(json_t **out, struct svc *s, const json_t *p, const char *key,
			struct recur_err *e);
int sub_proration_param(const char **out, const json_t *p, struct recur_err *e);
int sub_trial_settings_param(json_t **out, const json_t *p, struct recur_err *e);
/*
 * discounts[] / coupon / promotion_code: creates the discount rows; *out is
 * their ids. amount: the items' recurring amount a promotion code's
 * minimum_amount is checked against.
 */
int sub_discounts_param(json_t **out, struct svc *s, const json_t *p, const char *customer,
			const char *subscription, const char *currency, int64_t amount,
			int64_t now, struct recur_err *e);

/*
 * Ends the subscription row at `at` (status canceled, canceled_at, ended_at),
 * crediting unused time when prorate (on a final invoice when invoice_now,
 * else as pending items), and saves it with customer.subscription.deleted.
 */
int sub_end(struct svc *s, json_t *row, const json_t *before, int64_t at, bool prorate,
	    bool invoice_now, const char *reason, struct recur_err *e);

/*
 * Proration lines of kind for every item of row at `at` against row's current
 * period (its discounts applied as prorations count them), appended to *out;
 * nothing for `at` at or after the period end.
 */
int sub_prorate_items(struct sub_lines *out, struct svc *s, const json_t *row, int64_t at,
		      enum billing_proration_kind kind, struct recur_err *e);
/*
 * Leaves credits (proration lines) as pending invoice items of row's customer,
 * linked to no subscription: the customer's next invoice takes them.
 */
int sub_credit_pending(struct svc *s, json_t *row, struct sub_lines *credits, int64_t at,
		       struct recur_err *e);

/*
 * The paused status (subscription_resume.c). sub_paused_due: a paused row's
 * due_at (new reference: its scheduled resume or cancellation, or json null).
 * sub_resume_due: the step at t of a paused row whose pause_resumes_at has
 * come: resumes it with a new period from t, saving row (a resume invoice is
 * made and collected).
 */
json_t *sub_paused_due(const json_t *row);
int sub_resume_due(struct svc *s, json_t *row, const json_t *before, int64_t t,
		   struct recur_err *e);

/*
 * Automatic collection of the invoice a change made (subscription_dunning.c):
 * after row is saved, when row's latest_invoice differs from before's, it is
 * charged at now (collection.h), which may make the subscription past_due in
 * the store: 1 then (reload row to render it), 0 when there was nothing to
 * collect. payment_behavior (may be NULL) default_incomplete charges nothing;
 * error_if_incomplete turns a failed charge into its 402 card_error, and the
 * caller's transaction rolls back.
 */
int sub_collect(struct svc *s, const json_t *row, const json_t *before, const char *behavior,
		int64_t now, struct recur_err *e);

/*
 * The first invoice of a subscription being created (row's latest_invoice),
 * charged before the subscription is saved: 0 when paid or not charged, 1
 * when the charge failed (the caller makes the subscription incomplete), or
 * the 402 card_error under error_if_incomplete. The subscription's status in
 * the store is not touched, and a failure schedules no retry.
 */
int sub_collect_first(struct svc *s, const json_t *row, const char *behavior, int64_t now,
		      struct recur_err *e);

/*
 * pause_collection (subscription_pause.c, rules in billing/pause.h).
 * sub_pause_read: the row's pause (BILLING_PAUSE_NONE when there is none).
 * sub_pause_param: update's pause_collection, checked against now (the
 * subscription's): 1 with *out the value to store (new reference: an object,
 * or json null for ""), 0 when absent, or a 400 naming the parameter.
 * sub_pause_spec: adjusts spec for an invoice the row makes at now (a draft
 * held back under keep_as_draft) and returns the behavior in force, which
 * sub_pause_settle then applies to the invoice made (finalized, it is marked
 * uncollectible or voided at now, never charged).
 * sub_pause_due: due with the pause's resumes_at taken into account.
 * sub_pause_ends_by: the pause's resumes_at has come by t; sub_pause_resume
 * then clears it and saves row with customer.subscription.updated.
 */
void sub_pause_read(struct billing_pause *out, const json_t *row);
int sub_pause_param(json_t **out, const json_t *p, int64_t now, struct recur_err *e);
enum billing_pause_behavior sub_pause_spec(struct svc_invoice_spec *spec, const json_t *row,
					   int64_t now);
int sub_pause_settle(struct svc *s, const char *invoice, enum billing_pause_behavior b,
		     int64_t now, struct recur_err *e);
int64_t sub_pause_due(const json_t *row, int64_t due);
bool sub_pause_ends_by(const json_t *row, int64_t t);
int sub_pause_resume(struct svc *s, json_t *row, const json_t *before, struct recur_err *e);

/*
 * customer.subscription.trial_will_end (subscription_notice.c), due
 * SUB_TRIAL_NOTICE before a trial ends. sub_trial_notice_due: due with the
 * notice taken into account; sub_trial_notice_by: it has come by t;
 * sub_trial_notice then records it and saves row with the event.
 */
#define SUB_TRIAL_NOTICE (3 * 86400)
int64_t sub_trial_notice_due(const json_t *row, int64_t due);
bool sub_trial_notice_by(const json_t *row, int64_t t);
int sub_trial_notice(struct svc *s, json_t *row, const json_t *before, struct recur_err *e);

/*
 * invoice.upcoming (subscription_upcoming.c), due the tenant's
 * invoice_upcoming_days before a period ends. sub_upcoming_set_due lowers
 * row's due_at (set by sub_set_due) to the notice when one is owed, reading
 * the setting only then; sub_upcoming_by: the notice has come by t;
 * sub_upcoming_notice then records it and appends the event in the step's
 * transaction.
 */
int sub_upcoming_set_due(struct svc *s, json_t *row, struct recur_err *e);
int sub_upcoming_by(bool *out, struct svc *s, const json_t *row, int64_t t, struct recur_err *e);
int sub_upcoming_notice(struct svc *s, json_t *row, const json_t *before, struct recur_err *e);

/* Whether row or its customer has a default payment method (renewal.c). */
bool sub_has_payment_method(struct svc *s, const json_t *row);

/*
 * svc_subscription_update with what a plan migration (migration.c) changes:
 * credit_unused false credits nothing for the unused time of the items
 * replaced (Stripe's update always credits it). Its own transaction, nested
 * in the caller's when there is one.
 */
struct sub_update_opts {
	bool credit_unused;
};
int sub_update(json_t **out, struct svc *s, const char *id, const json_t *p,
	       const struct sub_update_opts *opts, struct recur_err *e);

/*
 * The items' recurring amount per period (quantity applied), net of row's
 * discounts as they apply to its current period, as prorations count it.
 */
int sub_items_net(int64_t *out, struct svc *s, const json_t *row, const json_t *items,
		  struct recur_err *e);

/*
 * Shows an invoice a rolled-back change made as the draft preview it is
 * (upcoming_ ids, il_tmp_ lines, no number), subscription_preview.c.
 */
void sub_mark_upcoming(json_t *inv);

/*
 * The invoice row's next renewal would make, with the customer's pending
 * items, assembled and rendered without writing anything (create_preview's,
 * subscription_preview.c). *out is a new reference.
 */
int sub_next_renewal(json_t **out, struct svc *s, const json_t *row, struct recur_err *e);

/*
 * A subscription schedule's phase change as due work (subscription_schedule_run.c):
 * sub_schedule_due_by tells that row's schedule has a phase ending by t
 * (schedule_due_at); sub_schedule_phase_end moves the subscription into the
 * next phase at t (or releases or cancels it after the last), saving row
 * and leaving in it what the store holds. renewal.c runs it before anything
 * else due at t, so a renewal at the same instant bills the new phase.
 */
bool sub_schedule_due_by(const json_t *row, int64_t t);
int sub_schedule_phase_end(struct svc *s, json_t *row, const json_t *before, int64_t t,
			   struct recur_err *e);

/* Runs everything due for one subscription up to until (renewal.c). */
int sub_run_due(struct svc *s, const char *id, int64_t until, struct recur_err *e);

#endif
