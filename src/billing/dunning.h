/*
 * dunning.h - chasing unpaid invoices: when to retry a failed charge, which
 * declines are never retried, when to send a payment reminder (påminnelse,
 * purring, rykker) and what it may cost, and late-payment interest.
 *
 * Pure: no I/O, no clock ("now" never appears: every time is computed from
 * the first failure or the due date, which the caller passes), no
 * allocation. The scheduler stores the times these functions return as due
 * rows; a time already in the past simply runs at once.
 *
 * RETRIES (collection_method charge_automatically)
 *
 * After the first failed charge at t0, retry k is due at t0 + retry_days[k-1]
 * days (calendar_add_interval, CAL_DAY: whole days of 86 400 s, so a retry
 * keeps the time of day and a leap day simply counts). The default is
 * 3, 5 and 7 days, as issue 4 asks; every offset counts from the first
 * failure, never from the previous retry, so a late-running job does not
 * push the schedule. When every retry has failed, the final action is due: cancel
 * the subscription, mark it unpaid, or leave it past_due (Stripe's "if all
 * retries for a payment fail" setting).
 *
 * Hard declines are not retried. Stripe: "Stripe doesn't retry payments if
 * the issuer returned a hard decline code"; its list of non-retryable codes
 * (docs.stripe.com/billing/revenue-recovery/smart-retries, "hard decline
 * codes") is the default here:
 *
 *   incorrect_number, lost_card, pickup_card, stolen_card,
 *   revocation_of_authorization, revocation_of_all_authorizations,
 *   authentication_required, highest_risk_level, transaction_not_allowed
 *
 * Not on it, so retried by default: fraudulent (Stripe retries it; it is
 * often a false positive of the issuer's risk check), expired_card (the
 * customer or the network's card updater may replace the card before the
 * next attempt; a retry uses the payment method current then),
 * insufficient_funds, do_not_honor, generic_decline, try_again_later,
 * processing_error. A tenant may list more codes. A hard decline does not
 * end dunning at once: no retry is scheduled, and the final action is due
 * when the schedule would have ended, so the customer has the same window to
 * put in a working card (which the service answers with a new attempt).
 *
 * REMINDERS (collection_method send_invoice)
 *
 * Reminder n (1-based) of an unpaid invoice is due at
 * due_date + reminders_first_days + (n - 1) * reminders_interval_days days,
 * for n up to reminders_count, with the fee the policy sets for the
 * invoice's currency (none if it sets none). A payment stop (a customer or
 * invoice flag) halts reminders and retries until it is lifted; then the
 * same functions give the same times again, and whatever is already due runs.
 *
 * STATUTORY LIMITS (checked by billing_dunning_policy_check)
 *
 * A reminder fee is a claim on the debtor that the law caps; the cap is
 * looked up by the fee's currency, standing in for the debtor's country
 * (recur does not know which law governs each customer; a tenant billing
 * Danish customers in EUR is not covered by this check):
 *
 *   Sweden, SEK: at most 60 kr per written reminder (lag (1981:739) om
 *     ersättning för inkassokostnader m.m., 2 and 5 §§; the fee must also have
 *     been agreed when the debt arose, which recur cannot check).
 *   Denmark, DKK: at most 100 kr per rykker, at most 3 rykkere for the same
 *     claim, at least 10 days apart (renteloven § 9 b, stk. 1-2).
 *   Norway, NOK: purregebyr per inkassoforskriften, tied to the inkassosats,
 *     with a purring sent no earlier than 14 days after the due date and
 *     giving 14 days to pay, and at most two purregebyr per claim. The cap is
 *     a fraction of the inkassosats, which the ministry sets every year:
 *     sources from 2015-2018 give 1/10 of it (70 kr at a sats of 700 kr);
 *     the rates published for 2025 (Finanstilsynet, as relayed by
 *     Kreditorforeningen) give purring 35 kr with the sats still 700 kr.
 *     recur's default cap is 35 kr, the lower figure. It is NOT verified
 *     against the regulation's current text, nor are the 14-day and
 *     two-fee rules: keep it a setting (pass your own limits) and check it
 *     before relying on it.
 *
 * LATE-PAYMENT INTEREST
 *
 * amount x annual rate x days / 365, rounded half up once
 * (money_mul_ratio, MONEY_ROUND_HALF_UP, as everything recur bills). The
 * rate is the tenant's (Norway: forsinkelsesrente, styringsrenten + 8
 * points, 12.5 % for the first half of 2025; Sweden: referensräntan + 8
 * points, räntelagen 6 §; Denmark: Nationalbankens udlånsrente + 8 points,
 * renteloven § 5). Days are whole days (86 400 s) from the due date; the
 * divisor is always 365, so a leap year's 366 days give 366/365 of the rate.
 */
#ifndef RECUR_BILLING_DUNNING_H
#define RECUR_BILLING_DUNNING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct recur_err;

#define BILLING_DUNNING_RETRIES_MAX 8
#define BILLING_DUNNING_RETRY_DAYS_MAX 60   /* Stripe's longest retry window is two months */
#define BILLING_DUNNING_DECLINES_MAX 32
#define BILLING_DUNNING_DECLINE_LEN 64      /* longest decline code, without the NUL */
#define BILLING_DUNNING_REMINDERS_MAX 10
#define BILLING_DUNNING_REMINDER_DAYS_MAX 365
#define BILLING_DUNNING_FEES_MAX 16
#define BILLING_DUNNING_RATE_BPS_MAX 10000  /* 100 % a year */

enum billing_dunning_final_action {
	BILLING_DUNNING_CANCEL,        /* the subscription is canceled (the default) */
	BILLING_DUNNING_UNPAID,        /* status unpaid: invoices stay open, no new charges */
	BILLING_DUNNING_LEAVE_PAST_DUE /* nothing changes */
};

struct billing_dunning_fee {
	char currency[4]; /* ISO 4217, any letter case */
	int64_t amount;   /* per reminder, minor units, >= 0 */
};

/*
 * A tenant's policy. Parameter names in errors are those of the settings
 * endpoint: retries[days][i], retries[final_action],
 * retries[hard_decline_codes][i], reminders[count], reminders[first_days],
 * reminders[interval_days], reminders[fee][<currency, lower case>],
 * late_interest[annual_rate_bps].
 */
struct billing_dunning_policy {
	size_t n_retries;                             /* 0..BILLING_DUNNING_RETRIES_MAX */
	int retry_days[BILLING_DUNNING_RETRIES_MAX];  /* after the first failure; increasing, 1..60 */
	enum billing_dunning_final_action final_action;
	/*
	 * Decline codes never retried, exact (Stripe's are lower-case snake
	 * case). The strings are the caller's; billing_dunning_policy_default
	 * points them at a static table. None: every decline is retried.
	 */
	const char *const *hard_declines;
	size_t n_hard_declines;

	int reminders_count;         /* 0..BILLING_DUNNING_REMINDERS_MAX; 0: no reminders */
	int reminders_first_days;    /* after the due date, 1..365 */
	int reminders_interval_days; /* between reminders, 1..365 */
	size_t n_fees;
	struct billing_dunning_fee fees[BILLING_DUNNING_FEES_MAX]; /* one per currency at most */

	int64_t interest_rate_bps; /* annual, 0..BILLING_DUNNING_RATE_BPS_MAX; 0: none */
};

/*
 * The defaults: retries after 3, 5 and 7 days, then cancel; Stripe's hard
 * decline codes; 2 reminders, 14 days after the due date and 14 days apart
 * (inside all three Nordic limits); no reminder fee and no interest, since
 * both must be agreed with the customer (Sweden) or chosen by the tenant.
 */
void billing_dunning_policy_default(struct billing_dunning_policy *out);

/* Stripe's hard decline codes (above): a static table of *n entries. */
const char *const *billing_dunning_hard_declines_default(size_t *n);

/* The statutory limits for reminder fees in one currency. */
struct billing_dunning_limit {
	char currency[4];      /* upper case */
	const char *country;   /* for messages: "Sweden" */
	const char *law;       /* for messages: "lag (1981:739) om ersättning för inkassokostnader" */
	int64_t max_fee;       /* per reminder, minor units */
	int max_reminders;     /* most reminders with a fee; 0: no limit */
	int min_interval_days; /* between reminders with a fee; 0: none */
	int min_first_days;    /* before the first one, after the due date; 0: none */
};

/*
 * The Nordic limits above (SEK, DKK, NOK): a static table of *n entries. To
 * change one (the Norwegian cap moves every year), copy the table, edit it
 * and pass the copy to billing_dunning_policy_check.
 */
const struct billing_dunning_limit *billing_dunning_limits_nordic(size_t *n);

/*
 * Validates a policy: its shape (ranges above, increasing retry days,
 * distinct supported fee currencies, well-formed decline codes), then every
 * fee > 0 in a currency that has a limit: the fee at most max_fee, and
 * then count, interval and first reminder against the limit. limits NULL
 * means billing_dunning_limits_nordic. Returns 0, or RECUR_EINVAL with
 * e->param naming the parameter ("reminders[fee][sek]", "reminders[count]",
 * "reminders[interval_days]") and a message citing the law.
 */
int billing_dunning_policy_check(const struct billing_dunning_policy *p,
				 const struct billing_dunning_limit *limits, size_t n_limits,
				 struct recur_err *e);

/* true unless decline_code is one of p's hard declines. NULL or "" is retryable. */
bool billing_dunning_retryable(const struct billing_dunning_policy *p,
			       const char *decline_code);

enum billing_dunning_next {
	BILLING_DUNNING_RETRY,  /* charge again at `at` */
	BILLING_DUNNING_FINAL,  /* apply p->final_action at `at` */
	BILLING_DUNNING_STOPPED /* payment stop: schedule nothing */
};

struct billing_dunning_retry {
	enum billing_dunning_next next;
	int64_t at;  /* RETRY, FINAL; 0 when STOPPED */
	int attempt; /* RETRY: the attempt to make (2 is the first retry); else 0 */
};

/*
 * What follows a failed charge. attempts is how many attempts were made,
 * all failed (1 after the first failure at first_failure); decline_code is
 * the last attempt's (NULL when the failure had none, e.g. a network
 * error, which is retried). Retry k = attempts is due at first_failure +
 * retry_days[k-1] days while k <= n_retries; after that, or after a hard
 * decline, the final action is due at first_failure + retry_days[last]
 * (first_failure itself with no retries). payment_stop wins over both.
 *
 * Returns 0; RECUR_EINVAL for attempts < 1, a malformed policy
 * (billing_dunning_policy_check's shape tests, limits not applied) or
 * first_failure outside the calendar; RECUR_EOVERFLOW if a time leaves it.
 */
int billing_dunning_next_retry(struct billing_dunning_retry *out,
			       const struct billing_dunning_policy *p, int64_t first_failure,
			       int attempts, const char *decline_code, bool payment_stop,
			       struct recur_err *e);

struct billing_dunning_reminder {
	bool due;      /* a reminder is to be scheduled */
	bool stopped;  /* payment stop (due is false) */
	int number;    /* 1-based number of that reminder; 0 when not due */
	int64_t at;    /* when; 0 when not due */
	int64_t fee;   /* in the invoice currency, minor units; 0 if the policy sets none */
};

/*
 * The next reminder of an invoice due at due_date in currency, after `sent`
 * reminders (0..). Not due once sent >= reminders_count. Returns 0;
 * RECUR_EINVAL for sent < 0, an unsupported currency, a malformed policy,
 * or a due_date outside the calendar; RECUR_EOVERFLOW.
 */
int billing_dunning_next_reminder(struct billing_dunning_reminder *out,
				  const struct billing_dunning_policy *p, const char *currency,
				  int64_t due_date, int sent, bool payment_stop,
				  struct recur_err *e);

/*
 * *out = amount x rate_bps x days / (365 x 10 000), MONEY_ROUND_HALF_UP.
 * 10 000.00 at 12.50 % (1250 bps) for 30 days: 102.74 (102.739...).
 * amount in money_in_range (a credit gives negative interest), rate_bps
 * 0..BILLING_DUNNING_RATE_BPS_MAX, days 0..BILLING_DUNNING_INTEREST_DAYS_MAX;
 * RECUR_EINVAL otherwise (the result always fits).
 */
#define BILLING_DUNNING_INTEREST_DAYS_MAX 36600 /* a century */
int billing_dunning_interest(int64_t *out, int64_t amount, int64_t rate_bps, int64_t days,
			     struct recur_err *e);

/*
 * The policy's late-payment interest on amount from due_date until `until`:
 * whole days elapsed (none when until <= due_date) at p->interest_rate_bps,
 * through billing_dunning_interest. 0 when the policy charges none.
 */
int billing_dunning_late_interest(int64_t *out, const struct billing_dunning_policy *p,
				  int64_t amount, int64_t due_date, int64_t until,
				  struct recur_err *e);

#endif
