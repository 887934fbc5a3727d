/*
 * collection.c - see collection.h. The rules of the schedule are the billing
 * core's (billing/dunning.h); this file applies them to invoices and hands
 * the subscription's side to subscription_dunning.c.
 */
#include "service/collection.h"
#include "billing/dunning.h"
#include "service/customer.h"
#include "service/dunning_settings.h"
#include "service/invoice_charges.h"
#include "service/invoice_internal.h"
#include "service/ledger.h"
#include "service/params.h"
#include "service/payments.h"
#include "service/subscription.h"

#include <stdio.h>
#include <string.h>

/* An invoice has a handful of steps (a charge and three retries, a final action). */
#define MAX_STEPS_PER_RUN 64

/* ---- the schedule on the row -------------------------------------------- */

static bool collected_automatically(const json_t *inv)
{
	const char *method = inv_str(inv, "collection_method");
	return method && strcmp(method, "charge_automatically") == 0 &&
	       json_is_true(json_object_get(inv, "auto_advance"));
}

static void set_due(json_t *inv, const char *key, bool set, int64_t at)
{
	json_object_set_new(inv, key, set ? json_integer(at) : json_null());
}

/* Next: a charge at `at`. */
static void plan_attempt(json_t *inv, int64_t at)
{
	set_due(inv, "next_payment_attempt", true, at);
	set_due(inv, "collection_due_at", true, at);
}

/* Next: the final action at `at`; no charge is planned (Stripe shows none). */
static void plan_final(json_t *inv, int64_t at)
{
	set_due(inv, "next_payment_attempt", false, 0);
	set_due(inv, "collection_due_at", true, at);
}

static void plan_nothing(json_t *inv)
{
	set_due(inv, "next_payment_attempt", false, 0);
	set_due(inv, "collection_due_at", false, 0);
}

/*
 * Whether a method may be there to charge: a default named on the customer or
 * on the invoice's subscription. Cheap (no method is read), so that the many
 * invoices of customers without a card cost no collection work at all; a
 * default that turns out unusable is found when the attempt resolves it.
 */
static int has_default(bool *out, struct svc *s, const json_t *inv, const json_t *customer,
		       struct recur_err *e)
{
	const char *sub = inv_str(inv, "subscription");
	int64_t n = 0;
	int rc;

	*out = json_is_string(json_object_get(json_object_get(customer, "invoice_settings"),
					      "default_payment_method"));
	if (*out || !sub)
		return 0;
	struct store_val p[] = { SV_TEXT(s->scope.tenant), SV_INT(s->scope.livemode), SV_TEXT(sub) };
	rc = store_query_int(&n, NULL, s->db, "SELECT count(*) FROM subscriptions WHERE tenant_id = $1"
			     " AND livemode = $2 AND id = $3 AND default_payment_method IS NOT NULL",
			     p, 3, e);
	*out = n > 0;
	return rc < 0 ? rc : 0;
}

/* ---- reminders (send_invoice) -------------------------------------------- */

static bool by_reminders(const json_t *inv)
{
	const char *method = inv_str(inv, "collection_method");
	return method && strcmp(method, "send_invoice") == 0 &&
	       json_is_integer(json_object_get(inv, "due_date"));
}

/*
 * The next reminder of a send_invoice invoice into collection_due_at, per the
 * tenant's policy, after reminders_sent; nothing when none is left, nothing
 * is owed, or a payment stop holds (lifting it calls svc_collection_resume).
 */
static int plan_reminder(struct svc *s, json_t *inv, struct recur_err *e)
{
	struct billing_dunning_policy policy;
	struct billing_dunning_reminder next;
	bool stop = false;
	int rc;

	plan_nothing(inv);
	if (inv_num(inv, "amount_due") - inv_num(inv, "amount_paid") <= 0)
		return 0;
	if ((rc = svc_dunning_policy_load(&policy, s, e)) < 0 ||
	    (rc = svc_payment_stopped(&stop, s, inv_str(inv, "id"), inv_str(inv, "customer"),
				      e)) < 0 ||
	    (rc = billing_dunning_next_reminder(&next, &policy, inv_str(inv, "currency"),
						inv_num(inv, "due_date"),
						(int)inv_num(inv, "reminders_sent"), stop, e)) < 0)
		return rc;
	if (next.due)
		set_due(inv, "collection_due_at", true, next.at);
	return 0;
}

void svc_collection_plan_draft(json_t *inv, int64_t now)
{
	if (!inv_status_is(inv, "draft"))
		return;
	if (!json_is_true(json_object_get(inv, "auto_advance"))) {
		plan_nothing(inv);
		return;
	}
	int64_t at = inv_num(inv, "created") + SVC_INVOICE_AUTO_FINALIZE_SECONDS;
	set_due(inv, "collection_due_at", true, at > now ? at : now);
}

int svc_collection_schedule(struct svc *s, json_t *inv, int64_t now, const json_t *customer,
			    struct recur_err *e)
{
	bool method = false;
	int rc;

	json_object_set_new(inv, "dunning_first_failure", json_null());
	json_object_set_new(inv, "dunning_attempts", json_integer(0));
	json_object_set_new(inv, "reminders_sent", json_integer(0));
	plan_nothing(inv);
	if (by_reminders(inv))
		return plan_reminder(s, inv, e);
	if (!collected_automatically(inv) || inv_num(inv, "amount_due") <= 0)
		return 0;
	if ((rc = has_default(&method, s, inv, customer, e)) < 0)
		return rc;
	/*
	 * Stripe attempts payment of an automatically collected invoice once it
	 * is finalized; recur's subscription paths collect it in the same
	 * transaction, and anything else finalized with auto_advance is picked up
	 * by the scheduler (or the test clock) as due work. With no method to
	 * charge nothing is planned (collection.h: recur's deviation).
	 */
	if (method)
		plan_attempt(inv, now);
	return 0;
}

void svc_collection_render(json_t *r, const json_t *inv)
{
	const json_t *next = json_object_get(inv, "next_payment_attempt");
	json_object_set_new(r, "next_payment_attempt",
			    inv_status_is(inv, "open") && json_is_integer(next)
				    ? json_integer(json_integer_value(next)) : json_null());
	json_object_del(r, "collection_due_at");
	json_object_del(r, "dunning_first_failure");
	json_object_del(r, "dunning_attempts");
	json_object_del(r, "reminders_sent");
}

static int save(struct svc *s, struct inv_ctx *c, struct recur_err *e)
{
	return store_obj_update(s->db, &svc_invoices_table, &s->scope, c->inv, e);
}

/* ---- who pays ------------------------------------------------------------- */

/* The rows an attempt reads: the invoice's subscription and customer (either may be NULL). */
struct payer {
	json_t *sub;
	json_t *customer;
};

static void payer_free(struct payer *p)
{
	json_decref(p->sub);
	json_decref(p->customer);
	memset(p, 0, sizeof(*p));
}

static int payer_load(struct payer *p, struct svc *s, const json_t *inv, struct recur_err *e)
{
	const char *sub = inv_str(inv, "subscription");
	int rc;

	memset(p, 0, sizeof(*p));
	if (sub) {
		rc = store_obj_get(&p->sub, s->db, &svc_subscriptions_table, &s->scope, sub, e);
		if (rc < 0 && rc != RECUR_ENOTFOUND)
			return rc;
	}
	/* A deleted customer has nothing to charge; that is not an error here. */
	rc = store_obj_get(&p->customer, s->db, &svc_customers_table, &s->scope,
			   inv_str(inv, "customer"), e);
	if (rc < 0 && rc != RECUR_ENOTFOUND) {
		payer_free(p);
		return rc;
	}
	return 0;
}

static bool sub_status_is(const struct payer *p, const char *status)
{
	const char *st = p->sub ? inv_str(p->sub, "status") : NULL;
	return st && strcmp(st, status) == 0;
}

/* Stripe's order: the subscription's default_payment_method, then the customer's. 1, 0 or < 0. */
static int resolve_method(json_t **out, struct svc *s, const struct payer *p, struct recur_err *e)
{
	*out = NULL;
	if (!p->customer)
		return 0;
	return svc_payment_method_resolve(out, s,
					  p->sub ? inv_str(p->sub, "default_payment_method") : NULL,
					  p->customer, e);
}

/* ---- one attempt ----------------------------------------------------------- */

/* Stripe's descriptions of the payment intents it makes for invoices. */
static const char *description(const json_t *inv)
{
	const char *reason = inv_str(inv, "billing_reason");
	if (reason && strcmp(reason, "subscription_create") == 0)
		return "Subscription creation";
	if (reason && strncmp(reason, "subscription", 12) == 0)
		return "Subscription update";
	return "Payment for Invoice";
}

/*
 * Charges what is left of the invoice to method, as attempt attempt_count + 1,
 * at `at` (the payment intent's and charge's time). Counts the attempt on
 * the row, which the caller writes.
 */
static int charge(struct svc_payment_result *res, struct svc *s, struct inv_ctx *c,
		  const json_t *method, int64_t at, struct recur_err *e)
{
	int64_t attempt = inv_num(c->inv, "attempt_count") + 1;
	struct svc_payment_request req = {
		.customer = inv_str(c->inv, "customer"),
		.invoice = inv_str(c->inv, "id"),
		.amount = inv_num(c->inv, "amount_remaining"),
		.currency = inv_str(c->inv, "currency"),
		.payment_method = inv_str(method, "id"),
		.attempt = (int)attempt,
		.description = description(c->inv),
		/* Both as stored: the method just resolved, the invoice not yet changed. */
		.method_row = method,
		.invoice_row = c->inv,
	};
	int64_t saved = s->now;
	int rc;

	if (attempt > 1000000)
		return err_internal(e, "invoice %s has been attempted too often", req.invoice);
	/* svc_payment_attempt dates what it makes at s->now: the invoice's time, on a test clock too. */
	s->now = at;
	rc = svc_payment_attempt(NULL, res, s, &req, e);
	s->now = saved;
	if (rc < 0)
		return rc;
	json_object_set_new(c->inv, "attempt_count", json_integer(attempt));
	json_object_set_new(c->inv, "attempted", json_true());
	return 0;
}

/* The attempt succeeded: nothing more is planned, and the invoice is paid. */
static int succeeded(struct svc *s, struct inv_ctx *c, int64_t at, struct recur_err *e)
{
	plan_nothing(c->inv);
	return svc_invoice_mark_paid(c, s, at, e);
}

/*
 * Whether a failure of this invoice may start or continue dunning: it is
 * collected automatically, open, and not the first invoice of a subscription
 * that is incomplete (Stripe does not retry those: the subscription expires
 * after 23 hours instead).
 */
static bool dunning_applies(const struct inv_ctx *c, const struct payer *p, unsigned flags)
{
	return !(flags & SVC_COLLECTION_FIRST_INVOICE) && collected_automatically(c->inv) &&
	       inv_status_is(c->inv, "open") && !sub_status_is(p, "incomplete");
}

/*
 * An attempt failed at `at` (or, during dunning, there was no method left to
 * charge: decline_code NULL, retried like a network error). An automatic
 * attempt moves the schedule on (billing_dunning_next_retry, counted from the
 * first failure); a manual one (the pay endpoint) starts it when none runs
 * and leaves a running one alone, so a customer trying another card does not
 * cost them a retry. Then invoice.payment_failed, and the subscription's side.
 */
static int failed(struct svc *s, struct inv_ctx *c, const struct payer *p, int64_t at,
		  const char *decline_code, bool automatic, unsigned flags, struct recur_err *e)
{
	struct billing_dunning_policy policy;
	struct billing_dunning_retry next;
	int64_t made = inv_num(c->inv, "dunning_attempts");
	int rc;

	json_object_set_new(c->inv, "attempted", json_true());
	if (dunning_applies(c, p, flags) && (automatic || made == 0)) {
		int64_t first = made > 0 ? inv_num(c->inv, "dunning_first_failure") : at;
		if ((rc = svc_dunning_policy_load(&policy, s, e)) < 0)
			return rc;
		if (made < 0 || made > 1000)
			return err_internal(e, "invoice %s has %lld automatic attempts",
					    inv_str(c->inv, "id"), (long long)made);
		if ((rc = billing_dunning_next_retry(&next, &policy, first, (int)(made + 1),
						     decline_code, false, e)) < 0)
			return rc;
		json_object_set_new(c->inv, "dunning_first_failure", json_integer(first));
		json_object_set_new(c->inv, "dunning_attempts", json_integer(made + 1));
		if (next.next == BILLING_DUNNING_RETRY)
			plan_attempt(c->inv, next.at);
		else if (next.next == BILLING_DUNNING_FINAL)
			plan_final(c->inv, next.at);
		else
			plan_nothing(c->inv);
	} else if (automatic) {
		plan_nothing(c->inv);
	}
	if ((rc = save(s, c, e)) < 0 ||
	    (rc = svc_invoice_event(s, c, "invoice.payment_failed", NULL, e)) < 0)
		return rc;
	if (p->sub && !(flags & SVC_COLLECTION_FIRST_INVOICE))
		rc = svc_subscription_payment_failed(s, inv_str(p->sub, "id"), inv_str(c->inv, "id"),
						     at, e);
	return rc;
}

/* The automatic attempt due at `at`. */
static int attempt_due(struct svc_collection_result *res, struct svc *s, struct inv_ctx *c,
		       int64_t at, unsigned flags, struct recur_err *e)
{
	struct payer p;
	json_t *method = NULL;
	int rc;

	bool stop = false;

	if ((rc = payer_load(&p, s, c->inv, e)) < 0)
		return rc;
	if ((rc = svc_payment_stopped(&stop, s, inv_str(c->inv, "id"),
				      inv_str(c->inv, "customer"), e)) < 0)
		goto done;
	/*
	 * Stripe: an unpaid subscription's invoices are not attempted
	 * automatically. A payment stop halts the schedule until it is lifted.
	 */
	if (stop || sub_status_is(&p, "unpaid")) {
		plan_nothing(c->inv);
		rc = save(s, c, e);
		goto done;
	}
	if ((rc = resolve_method(&method, s, &p, e)) < 0)
		goto done;
	if (!method) {
		if (inv_num(c->inv, "dunning_attempts") == 0) {
			/* recur's deviation (collection.h): nothing to charge, nothing failed. */
			plan_nothing(c->inv);
			rc = save(s, c, e);
		} else {
			/* Stripe counts a retry with nothing to charge as a failed attempt. */
			json_object_set_new(c->inv, "attempt_count",
					    json_integer(inv_num(c->inv, "attempt_count") + 1));
			rc = failed(s, c, &p, at, NULL, true, flags, e);
		}
		goto done;
	}
	if ((rc = charge(&res->last, s, c, method, at, e)) < 0)
		goto done;
	res->attempts++;
	res->failed = res->last.status != GATEWAY_SUCCEEDED;
	if (!res->failed) {
		res->paid = true;
		rc = succeeded(s, c, at, e);
	} else {
		rc = failed(s, c, &p, at, res->last.decline_code, true, flags, e);
	}
done:
	json_decref(method);
	payer_free(&p);
	return rc;
}

/* Every retry failed (or a hard decline ended them): the policy's final action at `at`. */
static int final_action(struct svc *s, struct inv_ctx *c, int64_t at, struct recur_err *e)
{
	struct billing_dunning_policy policy;
	const char *sub = inv_str(c->inv, "subscription");
	bool stop = false;
	int rc;

	if ((rc = svc_dunning_policy_load(&policy, s, e)) < 0 ||
	    (rc = svc_payment_stopped(&stop, s, inv_str(c->inv, "id"),
				      inv_str(c->inv, "customer"), e)) < 0)
		return rc;
	plan_nothing(c->inv);
	if ((rc = save(s, c, e)) < 0 || stop)
		return rc;
	/* The invoice stays open, past due (Stripe's default for the invoice itself). */
	if (!sub)
		return 0;
	return svc_subscription_payment_final(s, sub, policy.final_action, at, e);
}

/*
 * Late-payment interest for the days since the invoice's due date (or the
 * last interest charge) up to `at`, at the policy's rate, on what is still
 * owed of the sale: min(amount_remaining, amount_due less the charges), so
 * a partial payment is taken to settle fees and interest first, as Nordic
 * practice has it, and fees never bear interest. Whole days only; the
 * remainder of a day counts towards the next charge.
 */
static int interest_due(struct svc *s, struct inv_ctx *c, const struct billing_dunning_policy *p,
			int64_t seq, int64_t at, struct recur_err *e)
{
	int64_t from = json_is_integer(json_object_get(c->inv, "late_interest_until"))
			       ? inv_num(c->inv, "late_interest_until")
			       : inv_num(c->inv, "due_date");
	int64_t sale = inv_num(c->inv, "amount_due") - inv_num(c->inv, "reminder_fees") -
		       inv_num(c->inv, "late_interest");
	int64_t owed = inv_num(c->inv, "amount_remaining");
	int64_t amount = 0, days;
	char what[96];
	int rc;

	if (p->interest_rate_bps <= 0 || at <= from)
		return 0;
	if (owed > sale)
		owed = sale;
	if (owed <= 0)
		return 0;
	days = (at - from) / 86400;
	if ((rc = billing_dunning_late_interest(&amount, p, owed, from, at, e)) < 0)
		return rc;
	json_object_set_new(c->inv, "late_interest_until", json_integer(from + days * 86400));
	if (amount <= 0)
		return 0;
	snprintf(what, sizeof(what), "Late-payment interest, %lld days at %lld.%02lld %% a year",
		 (long long)days, (long long)(p->interest_rate_bps / 100),
		 (long long)(p->interest_rate_bps % 100));
	return svc_invoice_charge_add(s, c, &(struct svc_invoice_charge){
					      .kind = SVC_CHARGE_LATE_INTEREST, .amount = amount,
					      .seq = seq, .period_start = from,
					      .period_end = from + days * 86400,
					      .description = what }, at, e);
}

/*
 * The reminder due at `at`: under a payment stop nothing (the schedule is
 * cleared until the stop is lifted); otherwise reminder n with the interest
 * accrued so far and the policy's fee for the invoice's currency added to
 * the invoice as lines (invoice_charges.h), then recur's event
 * invoice.reminder, and the next reminder planned.
 */
static int reminder_due(struct svc *s, struct inv_ctx *c, int64_t at, struct recur_err *e)
{
	struct billing_dunning_policy policy;
	struct billing_dunning_reminder r;
	const char *id = inv_str(c->inv, "id");
	int64_t interest_before;
	bool stop = false;
	int rc;

	if ((rc = svc_dunning_policy_load(&policy, s, e)) < 0 ||
	    (rc = svc_payment_stopped(&stop, s, id, inv_str(c->inv, "customer"), e)) < 0 ||
	    (rc = billing_dunning_next_reminder(&r, &policy, inv_str(c->inv, "currency"),
						inv_num(c->inv, "due_date"),
						(int)inv_num(c->inv, "reminders_sent"), stop, e)) < 0)
		return rc;
	if (!r.due || inv_num(c->inv, "amount_remaining") <= 0) {
		plan_nothing(c->inv);
		return save(s, c, e);
	}
	interest_before = inv_num(c->inv, "late_interest");
	if ((rc = interest_due(s, c, &policy, r.number, at, e)) < 0)
		return rc;
	if (r.fee > 0) {
		char what[64];
		snprintf(what, sizeof(what), "Reminder fee (reminder %d)", r.number);
		rc = svc_invoice_charge_add(s, c, &(struct svc_invoice_charge){
						    .kind = SVC_CHARGE_REMINDER_FEE, .amount = r.fee,
						    .seq = r.number, .period_start = at,
						    .period_end = at, .description = what }, at, e);
		if (rc < 0)
			return rc;
	}
	json_object_set_new(c->inv, "reminders_sent", json_integer(r.number));
	if ((rc = plan_reminder(s, c->inv, e)) < 0 || (rc = save(s, c, e)) < 0)
		return rc;
	json_t *obj = svc_invoice_render(s, c);
	json_object_set_new(obj, "reminder",
			    json_pack("{s:i, s:I, s:I, s:I}", "number", r.number, "fee",
				      (json_int_t)r.fee, "interest",
				      (json_int_t)(inv_num(c->inv, "late_interest") - interest_before),
				      "sent_at", (json_int_t)at));
	rc = svc_event(s, "invoice.reminder", obj, NULL, e);
	json_decref(obj);
	return rc;
}

int svc_collection_resume(struct svc *s, const char *invoice, struct recur_err *e)
{
	struct billing_dunning_policy policy;
	struct billing_dunning_retry next;
	struct inv_ctx c;
	int64_t made;
	int rc;

	if ((rc = svc_invoice_ctx_load(&c, s, invoice, false, e)) < 0)
		return rc;
	made = inv_num(c.inv, "dunning_attempts");
	if (!inv_status_is(c.inv, "open")) {
		rc = 0;
	} else if (by_reminders(c.inv)) {
		if ((rc = plan_reminder(s, c.inv, e)) >= 0)
			rc = save(s, &c, e);
	} else if (collected_automatically(c.inv) && made > 0 && made <= 1000) {
		if ((rc = svc_dunning_policy_load(&policy, s, e)) >= 0 &&
		    (rc = billing_dunning_next_retry(&next, &policy,
						     inv_num(c.inv, "dunning_first_failure"),
						     (int)made, NULL, false, e)) >= 0) {
			if (next.next == BILLING_DUNNING_RETRY)
				plan_attempt(c.inv, next.at);
			else
				plan_final(c.inv, next.at);
			rc = save(s, &c, e);
		}
	}
	svc_invoice_ctx_free(&c);
	return rc;
}

/* Whether the open invoice has collection work due at or before until: one indexed row. */
static int is_due(bool *out, struct svc *s, const char *invoice, int64_t until,
		  struct recur_err *e)
{
	struct store_val p[] = { SV_TEXT(s->scope.tenant), SV_INT(s->scope.livemode),
				 SV_TEXT(invoice), SV_INT(until) };
	int64_t n = 0;
	int rc = store_query_int(&n, NULL, s->db, "SELECT count(*) FROM invoices WHERE tenant_id = $1"
				 " AND livemode = $2 AND id = $3 AND status IN ('draft', 'open')"
				 " AND collection_due_at IS NOT NULL AND collection_due_at <= $4",
				 p, 4, e);
	*out = n > 0;
	return rc < 0 ? rc : 0;
}

int svc_collection_run_due(struct svc_collection_result *out, struct svc *s, const char *invoice,
			   int64_t until, unsigned flags, struct recur_err *e)
{
	struct svc_collection_result ignored;
	int rc = 0;

	if (!out)
		out = &ignored;
	memset(out, 0, sizeof(*out));
	/* A gateway call cannot be rolled back: a preview charges nothing. */
	if (s->dry_run)
		return 0;
	for (int n = 0; n < MAX_STEPS_PER_RUN; n++) {
		struct inv_ctx c;
		bool due_now = false;
		if ((rc = is_due(&due_now, s, invoice, until, e)) < 0 || !due_now)
			return rc;
		if ((rc = svc_invoice_ctx_load(&c, s, invoice, false, e)) < 0)
			return rc;
		const json_t *due = json_object_get(c.inv, "collection_due_at");
		if (!json_is_integer(due) || json_integer_value(due) > until) {
			svc_invoice_ctx_free(&c);
			return 0;
		}
		int64_t at = json_integer_value(due);
		if (inv_status_is(c.inv, "draft")) {
			/* auto_advance: finalized an hour after it was made, then collected */
			rc = svc_invoice_finalize_ctx(&c, s, at, e);
		} else if (by_reminders(c.inv)) {
			rc = reminder_due(s, &c, at, e);
		} else if (json_is_integer(json_object_get(c.inv, "next_payment_attempt"))) {
			rc = attempt_due(out, s, &c, at, flags, e);
		} else {
			rc = final_action(s, &c, at, e);
		}
		/* Every step leaves the invoice due later, or not at all: the loop ends. */
		svc_invoice_ctx_free(&c);
		if (rc < 0)
			return rc;
	}
	return err_internal(e, "invoice %s had more than %d collection steps due", invoice,
			    MAX_STEPS_PER_RUN);
}

int svc_collection_unschedule(struct svc *s, const char *invoice, struct recur_err *e)
{
	struct inv_ctx c;
	int rc;

	if ((rc = svc_invoice_ctx_load(&c, s, invoice, false, e)) < 0)
		return rc;
	if (json_is_integer(json_object_get(c.inv, "collection_due_at")) ||
	    json_is_integer(json_object_get(c.inv, "next_payment_attempt"))) {
		plan_nothing(c.inv);
		rc = save(s, &c, e);
	}
	svc_invoice_ctx_free(&c);
	return rc;
}

int svc_collection_schedule_now(struct svc *s, const char *invoice, int64_t now,
				struct recur_err *e)
{
	struct inv_ctx c;
	int rc;

	if ((rc = svc_invoice_ctx_load(&c, s, invoice, false, e)) < 0)
		return rc;
	if (inv_status_is(c.inv, "open") && collected_automatically(c.inv) &&
	    inv_num(c.inv, "amount_remaining") > 0 && inv_num(c.inv, "attempt_count") == 0 &&
	    !json_is_integer(json_object_get(c.inv, "collection_due_at"))) {
		plan_attempt(c.inv, now);
		rc = save(s, &c, e);
	}
	svc_invoice_ctx_free(&c);
	return rc;
}

/* ---- due work ------------------------------------------------------------- */

struct first_due {
	char *id;
	size_t cap;
	int64_t *due;
};

static int read_first_due(void *ctx, const struct store_row *row)
{
	struct first_due *f = ctx;
	snprintf(f->id, f->cap, "%s", store_row_text(row, 0, NULL));
	*f->due = store_row_int(row, 1);
	return 1;
}

int svc_collection_next_due_clock(char *id, size_t cap, int64_t *due, struct svc *s,
				  const char *clock, int64_t until, struct recur_err *e)
{
	struct store_val p[] = { SV_TEXT(s->scope.tenant), SV_INT(s->scope.livemode),
				 SV_TEXT(clock), SV_INT(until) };
	struct first_due f = { .id = id, .cap = cap, .due = due };
	int rc;

	id[0] = '\0';
	*due = 0;
	/* the status condition as in the partial index (migration 023), so the index serves it */
	rc = store_query(s->db, "SELECT id, collection_due_at FROM invoices WHERE test_clock = $3"
			 " AND collection_due_at IS NOT NULL AND status IN ('draft', 'open')"
			 " AND collection_due_at <= $4 AND tenant_id = $1 AND livemode = $2"
			 " ORDER BY collection_due_at, seq LIMIT 1", p, 4, read_first_due, &f, e);
	return rc < 0 ? rc : 0;
}

/* One invoice's collection steps due by now, for the wall-clock runner. */
static int collect_one(struct svc *s, const char *id, int64_t now, struct recur_err *e)
{
	return svc_collection_run_due(NULL, s, id, now, 0, e);
}

int svc_collection_run_due_wall(int *done, struct store *db, int64_t now, struct recur_err *e)
{
	int seen = 0;
	int rc = svc_run_due_wall(done, &seen, db, now,
				  "SELECT tenant_id, livemode, id, collection_due_at FROM invoices"
				  " WHERE test_clock IS NULL AND collection_due_at IS NOT NULL"
				  " AND status IN ('draft', 'open') AND collection_due_at <= $1"
				  " ORDER BY collection_due_at LIMIT $2", SVC_COLLECTION_BATCH,
				  collect_one, NULL, e);
	if (rc == 0 && seen == SVC_COLLECTION_BATCH && *done > 0)
		*done = SVC_COLLECTION_BATCH;
	return rc;
}

/* ---- POST /v1/invoices/:id/pay ------------------------------------------- */

bool svc_collection_out_of_band(const json_t *p)
{
	struct recur_err ignored;
	bool oob = false;
	return params_bool(&oob, p, "paid_out_of_band", &ignored) > 0 && oob;
}

static const char *const pay_params[] = { "paid_out_of_band", "payment_method", "off_session",
					  NULL };

/* The method a pay request charges: the one named (attached to the customer), or the default. */
static int pay_method(json_t **out, struct svc *s, const struct payer *p, const json_t *inv,
		      const char *named, struct recur_err *e)
{
	int rc;

	*out = NULL;
	if (named) {
		if ((rc = svc_payment_method_check(s, inv_str(inv, "customer"), named,
						   "payment_method", e)) < 0)
			return rc;
		/* The row itself: the attempt charges the row it is handed. */
		return store_obj_get(out, s->db, &svc_payment_methods_table, &s->scope, named, e);
	}
	if ((rc = resolve_method(out, s, p, e)) < 0)
		return rc;
	if (!*out)
		return err_set(e, RECUR_EINVAL, 400, "invalid_request_error", NULL, "payment_method",
			       "This customer has no attached payment source or default payment "
			       "method. Please consider adding a default payment method.");
	return 0;
}

/* Charges an open or uncollectible invoice now: *declined tells a decline (committed, then a 402). */
static int pay_now(struct svc_payment_result *res, bool *declined, struct svc *s,
		   struct inv_ctx *c, const char *named, int64_t now, struct recur_err *e)
{
	struct payer payer;
	json_t *method = NULL;
	int rc;

	if ((rc = payer_load(&payer, s, c->inv, e)) < 0)
		return rc;
	if ((rc = pay_method(&method, s, &payer, c->inv, named, e)) < 0 ||
	    (rc = charge(res, s, c, method, now, e)) < 0)
		goto done;
	*declined = res->status != GATEWAY_SUCCEEDED;
	if (*declined)
		rc = failed(s, c, &payer, now, res->decline_code, false, 0, e);
	else
		rc = succeeded(s, c, now, e);
done:
	json_decref(method);
	payer_free(&payer);
	return rc;
}

int svc_collection_pay(json_t **out, struct svc *s, const char *id, const json_t *p,
		       struct recur_err *e)
{
	struct inv_ctx c = { 0 };
	struct svc_payment_result res;
	const char *named = NULL;
	bool oob = false, off_session = false, declined = false;
	int64_t now = 0;
	int rc;

	*out = NULL;
	memset(&res, 0, sizeof(res));
	if ((rc = params_only(p, pay_params, e)) < 0 ||
	    (rc = params_bool(&oob, p, "paid_out_of_band", e)) < 0 ||
	    (rc = params_string(&named, p, "payment_method", 255, e)) < 0 ||
	    (rc = params_bool(&off_session, p, "off_session", e)) < 0)
		return rc;
	if (oob)
		return err_internal(e, "paid_out_of_band=true is recorded by invoice_endpoints.c");
	if (named && !*named)
		named = NULL;
	if ((rc = svc_begin(s, e)) < 0)
		return rc;
	if ((rc = svc_invoice_ctx_load(&c, s, id, false, e)) < 0 ||
	    (rc = svc_invoice_now(&now, s, c.inv, e)) < 0)
		goto done;
	if (inv_status_is(c.inv, "paid")) {
		rc = svc_invoice_state_error(e, c.inv, "Invoice is already paid");
		goto done;
	}
	if (inv_status_is(c.inv, "void")) {
		rc = svc_invoice_state_error(e, c.inv, "A void invoice cannot be paid");
		goto done;
	}
	/* Stripe pays a draft by finalizing it first; one with nothing due is paid by that. */
	if (inv_status_is(c.inv, "draft") && (rc = svc_invoice_finalize_ctx(&c, s, now, e)) < 0)
		goto done;
	if (!inv_status_is(c.inv, "paid") &&
	    (rc = pay_now(&res, &declined, s, &c, named, now, e)) < 0)
		goto done;
	*out = svc_invoice_render(s, &c);
	if (!*out)
		rc = err_internal(e, "cannot render invoice");
done:
	rc = svc_finish(s, rc, e);
	/*
	 * A decline is committed first (the attempt happened and must stay on
	 * record: attempt_count, the charge, invoice.payment_failed), then
	 * answered with the 402 card_error Stripe answers it with.
	 */
	if (rc == 0 && declined)
		rc = svc_payment_result_error(e, &res);
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	}
	svc_invoice_ctx_free(&c);
	return rc;
}
