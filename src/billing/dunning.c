/*
 * dunning.c - see dunning.h. Integer arithmetic only (scripts/lint.sh).
 */
#include "billing/dunning.h"

#include "core/calendar.h"
#include "core/err.h"
#include "core/money.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define DAY INT64_C(86400)

__attribute__((format(printf, 4, 5)))
static int fail(struct recur_err *e, int rc, const char *param, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (!e)
		return rc;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return err_set(e, rc, 400, "invalid_request_error", "parameter_invalid", param, "%s",
		       msg);
}

/*
 * Stripe's non-retryable ("hard") decline codes, from the smart retries
 * page; dunning.h says why fraudulent and expired_card are not among them.
 */
static const char *const stripe_hard_declines[] = {
	"incorrect_number",
	"lost_card",
	"pickup_card",
	"stolen_card",
	"revocation_of_authorization",
	"revocation_of_all_authorizations",
	"authentication_required",
	"highest_risk_level",
	"transaction_not_allowed",
};

#define N_STRIPE_HARD (sizeof(stripe_hard_declines) / sizeof(stripe_hard_declines[0]))

const char *const *billing_dunning_hard_declines_default(size_t *n)
{
	*n = N_STRIPE_HARD;
	return stripe_hard_declines;
}

/* dunning.h, STATUTORY LIMITS; the Norwegian row is unverified, as it says. */
static const struct billing_dunning_limit nordic[] = {
	{ "SEK", "Sweden", "lag (1981:739) om ersättning för inkassokostnader m.m.",
	  6000, 0, 0, 0 },
	{ "DKK", "Denmark", "renteloven § 9 b", 10000, 3, 10, 0 },
	{ "NOK", "Norway", "inkassoforskriften (a configurable default, see dunning.h)",
	  3500, 2, 14, 14 },
};

const struct billing_dunning_limit *billing_dunning_limits_nordic(size_t *n)
{
	*n = sizeof(nordic) / sizeof(nordic[0]);
	return nordic;
}

void billing_dunning_policy_default(struct billing_dunning_policy *out)
{
	memset(out, 0, sizeof(*out));
	out->n_retries = 3;
	out->retry_days[0] = 3;
	out->retry_days[1] = 5;
	out->retry_days[2] = 7;
	out->final_action = BILLING_DUNNING_CANCEL;
	out->hard_declines = stripe_hard_declines;
	out->n_hard_declines = N_STRIPE_HARD;
	out->reminders_count = 2;
	out->reminders_first_days = 14;
	out->reminders_interval_days = 14;
}

/* "SEK" or "sek" -> "sek", for parameter names. */
static void lower3(char out[4], const char *code)
{
	size_t i;

	for (i = 0; i < 3; i++)
		out[i] = (code[i] >= 'A' && code[i] <= 'Z') ? (char)(code[i] - 'A' + 'a') : code[i];
	out[3] = '\0';
}

static bool same_currency(const char *a, const char *b)
{
	const struct currency *ca = money_currency_find(a);

	return ca && ca == money_currency_find(b);
}

/* Lower-case letters, digits and '_', as Stripe's decline codes are written. */
static bool decline_code_ok(const char *s)
{
	size_t i;

	if (!s || !s[0])
		return false;
	for (i = 0; s[i]; i++) {
		if (i >= BILLING_DUNNING_DECLINE_LEN)
			return false;
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	}
	return true;
}

/* The shape of a policy, without statutory limits. */
static int check_shape(const struct billing_dunning_policy *p, struct recur_err *e)
{
	char param[64];
	size_t i, j;

	if (p->n_retries > BILLING_DUNNING_RETRIES_MAX)
		return fail(e, RECUR_EINVAL, "retries[days]", "At most %d retries",
			    BILLING_DUNNING_RETRIES_MAX);
	for (i = 0; i < p->n_retries; i++) {
		int lo = i == 0 ? 1 : p->retry_days[i - 1] + 1;
		if (p->retry_days[i] < lo || p->retry_days[i] > BILLING_DUNNING_RETRY_DAYS_MAX) {
			snprintf(param, sizeof(param), "retries[days][%zu]", i);
			return fail(e, RECUR_EINVAL, param, "Retry days must increase, from 1 to "
				    "%d days after the first failure", BILLING_DUNNING_RETRY_DAYS_MAX);
		}
	}
	switch (p->final_action) {
	case BILLING_DUNNING_CANCEL:
	case BILLING_DUNNING_UNPAID:
	case BILLING_DUNNING_LEAVE_PAST_DUE:
		break;
	default:
		return fail(e, RECUR_EINVAL, "retries[final_action]",
			    "The final action must be cancel, unpaid or leave_past_due");
	}
	if (p->n_hard_declines > BILLING_DUNNING_DECLINES_MAX ||
	    (p->n_hard_declines > 0 && !p->hard_declines))
		return fail(e, RECUR_EINVAL, "retries[hard_decline_codes]",
			    "At most %d hard decline codes", BILLING_DUNNING_DECLINES_MAX);
	for (i = 0; i < p->n_hard_declines; i++) {
		if (!decline_code_ok(p->hard_declines[i])) {
			snprintf(param, sizeof(param), "retries[hard_decline_codes][%zu]", i);
			return fail(e, RECUR_EINVAL, param, "A decline code is 1 to %d lower-case "
				    "letters, digits and '_'", BILLING_DUNNING_DECLINE_LEN);
		}
	}
	if (p->reminders_count < 0 || p->reminders_count > BILLING_DUNNING_REMINDERS_MAX)
		return fail(e, RECUR_EINVAL, "reminders[count]", "At most %d reminders",
			    BILLING_DUNNING_REMINDERS_MAX);
	if (p->reminders_first_days < 1 ||
	    p->reminders_first_days > BILLING_DUNNING_REMINDER_DAYS_MAX)
		return fail(e, RECUR_EINVAL, "reminders[first_days]", "The first reminder comes "
			    "1 to %d days after the due date", BILLING_DUNNING_REMINDER_DAYS_MAX);
	if (p->reminders_interval_days < 1 ||
	    p->reminders_interval_days > BILLING_DUNNING_REMINDER_DAYS_MAX)
		return fail(e, RECUR_EINVAL, "reminders[interval_days]", "Reminders come 1 to %d "
			    "days apart", BILLING_DUNNING_REMINDER_DAYS_MAX);
	if (p->n_fees > BILLING_DUNNING_FEES_MAX)
		return fail(e, RECUR_EINVAL, "reminders[fee]", "At most %d fee currencies",
			    BILLING_DUNNING_FEES_MAX);
	for (i = 0; i < p->n_fees; i++) {
		const struct billing_dunning_fee *f = &p->fees[i];
		char cur[4];

		if (!money_currency_find(f->currency))
			return fail(e, RECUR_EINVAL, "reminders[fee]", "Unsupported fee currency");
		lower3(cur, f->currency);
		snprintf(param, sizeof(param), "reminders[fee][%s]", cur);
		if (f->amount < 0 || !money_in_range(f->amount))
			return fail(e, RECUR_EINVAL, param, "A reminder fee must be >= 0");
		for (j = 0; j < i; j++)
			if (same_currency(p->fees[j].currency, f->currency))
				return fail(e, RECUR_EINVAL, param, "One fee per currency");
	}
	if (p->interest_rate_bps < 0 || p->interest_rate_bps > BILLING_DUNNING_RATE_BPS_MAX)
		return fail(e, RECUR_EINVAL, "late_interest[annual_rate_bps]", "The annual rate "
			    "is 0 to %d basis points", BILLING_DUNNING_RATE_BPS_MAX);
	return 0;
}

/* One fee against the limit of its currency (dunning.h, STATUTORY LIMITS). */
static int check_limit(const struct billing_dunning_policy *p,
		       const struct billing_dunning_fee *f, const struct billing_dunning_limit *l,
		       struct recur_err *e)
{
	char param[64], cur[4], fee[48], max[48];
	int exp = money_currency_find(l->currency)->exponent;

	lower3(cur, f->currency);
	if (f->amount > l->max_fee) {
		snprintf(param, sizeof(param), "reminders[fee][%s]", cur);
		money_format(fee, sizeof(fee), f->amount, exp, MONEY_LOCALE_C);
		money_format(max, sizeof(max), l->max_fee, exp, MONEY_LOCALE_C);
		return fail(e, RECUR_EINVAL, param, "A reminder fee of %s %s is above the %s "
			    "limit of %s %s per reminder (%s)", fee, l->currency, l->country, max,
			    l->currency, l->law);
	}
	if (p->reminders_count == 0)
		return 0; /* a fee that is never charged breaks no law */
	if (l->max_reminders > 0 && p->reminders_count > l->max_reminders)
		return fail(e, RECUR_EINVAL, "reminders[count]", "%s allows a fee on at most %d "
			    "reminders (%s); the policy sends %d with a %s fee", l->country,
			    l->max_reminders, l->law, p->reminders_count, l->currency);
	if (p->reminders_count > 1 && p->reminders_interval_days < l->min_interval_days)
		return fail(e, RECUR_EINVAL, "reminders[interval_days]", "%s requires at least "
			    "%d days between reminders with a fee (%s); the policy has %d",
			    l->country, l->min_interval_days, l->law, p->reminders_interval_days);
	if (p->reminders_first_days < l->min_first_days)
		return fail(e, RECUR_EINVAL, "reminders[first_days]", "%s allows a fee only on a "
			    "reminder at least %d days after the due date (%s); the policy "
			    "sends the first after %d", l->country, l->min_first_days, l->law,
			    p->reminders_first_days);
	return 0;
}

int billing_dunning_policy_check(const struct billing_dunning_policy *p,
				 const struct billing_dunning_limit *limits, size_t n_limits,
				 struct recur_err *e)
{
	size_t i, j;
	int rc;

	if (!limits)
		limits = billing_dunning_limits_nordic(&n_limits);
	if ((rc = check_shape(p, e)) < 0)
		return rc;
	for (j = 0; j < n_limits; j++)
		if (!money_currency_find(limits[j].currency) || limits[j].max_fee < 0)
			return fail(e, RECUR_EINVAL, NULL, "Dunning limit %zu needs a supported "
				    "currency and a fee cap >= 0", j);
	for (i = 0; i < p->n_fees; i++) {
		if (p->fees[i].amount == 0)
			continue;
		for (j = 0; j < n_limits; j++) {
			if (!same_currency(p->fees[i].currency, limits[j].currency))
				continue;
			if ((rc = check_limit(p, &p->fees[i], &limits[j], e)) < 0)
				return rc;
		}
	}
	return 0;
}

bool billing_dunning_retryable(const struct billing_dunning_policy *p,
			       const char *decline_code)
{
	size_t i;

	if (!decline_code || !decline_code[0])
		return true;
	for (i = 0; i < p->n_hard_declines; i++)
		if (p->hard_declines[i] && strcmp(p->hard_declines[i], decline_code) == 0)
			return false;
	return true;
}

static int add_days(int64_t *out, int64_t t, int64_t days, struct recur_err *e)
{
	int rc = calendar_add_interval(out, t, CAL_DAY, days);

	if (rc < 0)
		return fail(e, rc, NULL, "The dunning time leaves the supported calendar");
	return 0;
}

int billing_dunning_next_retry(struct billing_dunning_retry *out,
			       const struct billing_dunning_policy *p, int64_t first_failure,
			       int attempts, const char *decline_code, bool payment_stop,
			       struct recur_err *e)
{
	int64_t last;
	int rc;

	memset(out, 0, sizeof(*out));
	if (attempts < 1)
		return fail(e, RECUR_EINVAL, NULL, "A retry follows at least one failed attempt");
	if ((rc = check_shape(p, e)) < 0)
		return rc;
	if (!calendar_in_range(first_failure))
		return fail(e, RECUR_EINVAL, NULL, "The first failure is outside the calendar");
	if (payment_stop) {
		out->next = BILLING_DUNNING_STOPPED;
		return 0;
	}
	if ((size_t)attempts <= p->n_retries && billing_dunning_retryable(p, decline_code)) {
		out->next = BILLING_DUNNING_RETRY;
		out->attempt = attempts + 1;
		return add_days(&out->at, first_failure, p->retry_days[attempts - 1], e);
	}
	/* Retries used up, or a hard decline: the final action, when the window ends. */
	last = p->n_retries ? p->retry_days[p->n_retries - 1] : 0;
	out->next = BILLING_DUNNING_FINAL;
	return add_days(&out->at, first_failure, last, e);
}

int billing_dunning_next_reminder(struct billing_dunning_reminder *out,
				  const struct billing_dunning_policy *p, const char *currency,
				  int64_t due_date, int sent, bool payment_stop,
				  struct recur_err *e)
{
	int64_t days;
	size_t i;
	int rc;

	memset(out, 0, sizeof(*out));
	if (sent < 0)
		return fail(e, RECUR_EINVAL, NULL, "The number of reminders sent must be >= 0");
	if (!money_currency_find(currency))
		return fail(e, RECUR_EINVAL, NULL, "Unsupported invoice currency");
	if ((rc = check_shape(p, e)) < 0)
		return rc;
	if (!calendar_in_range(due_date))
		return fail(e, RECUR_EINVAL, NULL, "The due date is outside the calendar");
	if (payment_stop) {
		out->stopped = true;
		return 0;
	}
	if (sent >= p->reminders_count)
		return 0;
	/* From the due date, not from the previous reminder: no drift (both are whole days). */
	days = p->reminders_first_days + (int64_t)sent * p->reminders_interval_days;
	if ((rc = add_days(&out->at, due_date, days, e)) < 0)
		return rc;
	out->due = true;
	out->number = sent + 1;
	for (i = 0; i < p->n_fees; i++)
		if (same_currency(p->fees[i].currency, currency))
			out->fee = p->fees[i].amount;
	return 0;
}

int billing_dunning_interest(int64_t *out, int64_t amount, int64_t rate_bps, int64_t days,
			     struct recur_err *e)
{
	if (!money_in_range(amount) || rate_bps < 0 || rate_bps > BILLING_DUNNING_RATE_BPS_MAX ||
	    days < 0 || days > BILLING_DUNNING_INTEREST_DAYS_MAX)
		return fail(e, RECUR_EINVAL, NULL, "Interest needs an amount in range, a rate of "
			    "0 to %d basis points and 0 to %d days", BILLING_DUNNING_RATE_BPS_MAX,
			    BILLING_DUNNING_INTEREST_DAYS_MAX);
	/*
	 * rate_bps x days <= 10^4 x 36600 fits easily, and money_mul_ratio forms
	 * amount x that in 128 bits; the quotient is at most 366 x amount, so
	 * it cannot overflow for an amount in range either.
	 */
	return money_mul_ratio(out, amount, rate_bps * days, INT64_C(365) * 10000,
			       MONEY_ROUND_HALF_UP);
}

int billing_dunning_late_interest(int64_t *out, const struct billing_dunning_policy *p,
				  int64_t amount, int64_t due_date, int64_t until,
				  struct recur_err *e)
{
	int64_t days = 0;

	if (p->interest_rate_bps < 0 || p->interest_rate_bps > BILLING_DUNNING_RATE_BPS_MAX)
		return fail(e, RECUR_EINVAL, "late_interest[annual_rate_bps]", "The annual rate "
			    "is 0 to %d basis points", BILLING_DUNNING_RATE_BPS_MAX);
	if (!calendar_in_range(due_date) || !calendar_in_range(until))
		return fail(e, RECUR_EINVAL, NULL, "Interest dates are outside the calendar");
	if (until > due_date)
		days = (until - due_date) / DAY; /* whole days elapsed */
	return billing_dunning_interest(out, amount, p->interest_rate_bps, days, e);
}
