/*
 * Tests for billing/dunning: the default policy; retry schedules after a
 * first failure in a leap February, a common February, at a month end and
 * at a year end; hard and soft declines (Stripe's list, a tenant's own
 * list, none); payment stop; reminders with fees per currency over leap
 * years; the Nordic statutory limits (Sweden 60 kr, Denmark 100 kr / 3
 * reminders / 10 days, Norway's configurable cap) with the parameter each
 * error names; malformed policies; late-payment interest with exact
 * rounding. Every time and amount is a literal worked out by hand
 * (times with Python's calendar.timegm).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "billing/dunning.h"
#include "core/calendar.h"
#include "core/err.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* 2028 is a leap year, 2027 is not. */
#define FEB27_2028_1200 INT64_C(1835265600)
#define MAR01_2028_1200 INT64_C(1835524800)
#define MAR03_2028_1200 INT64_C(1835697600)
#define MAR05_2028_1200 INT64_C(1835870400)
#define FEB27_2027_1200 INT64_C(1803729600)
#define MAR02_2027_1200 INT64_C(1803988800)
#define MAR04_2027_1200 INT64_C(1804161600)
#define MAR06_2027_1200 INT64_C(1804334400)
#define JAN31_2026_0930 INT64_C(1769851800)
#define FEB03_2026_0930 INT64_C(1770111000)
#define FEB05_2026_0930 INT64_C(1770283800)
#define FEB07_2026_0930 INT64_C(1770456600)
#define DEC30_2026 INT64_C(1798588800)
#define JAN02_2027 INT64_C(1798848000)
#define JAN04_2027 INT64_C(1799020800)
#define JAN06_2027 INT64_C(1799193600)
#define FEB15_2028 INT64_C(1834185600)
#define FEB29_2028 INT64_C(1835395200)
#define MAR14_2028 INT64_C(1836604800)
#define MAR28_2028 INT64_C(1837814400)
#define FEB15_2027 INT64_C(1802649600)
#define MAR01_2027 INT64_C(1803859200)
#define MAR15_2027 INT64_C(1805068800)
#define MAR01_2026 INT64_C(1772323200)
#define MAR31_2026 INT64_C(1774915200)
#define APR30_2026 INT64_C(1777507200)
#define JAN01_2026 INT64_C(1767225600)
#define JAN01_2028 INT64_C(1830297600)
#define JAN01_2029 INT64_C(1861920000)
#define DAY INT64_C(86400)

static void test_default_policy(void **state)
{
	struct billing_dunning_policy p;
	const char *const *hard;
	size_t n;
	(void)state;

	memset(&p, 0xA5, sizeof(p));
	billing_dunning_policy_default(&p);
	assert_int_equal(p.n_retries, 3);
	assert_int_equal(p.retry_days[0], 3);
	assert_int_equal(p.retry_days[1], 5);
	assert_int_equal(p.retry_days[2], 7);
	assert_int_equal(p.final_action, BILLING_DUNNING_CANCEL);
	hard = billing_dunning_hard_declines_default(&n);
	assert_ptr_equal(p.hard_declines, hard);
	assert_int_equal(p.n_hard_declines, 9);
	assert_int_equal(n, 9);
	assert_int_equal(p.reminders_count, 2);
	assert_int_equal(p.reminders_first_days, 14);
	assert_int_equal(p.reminders_interval_days, 14);
	assert_int_equal(p.n_fees, 0);
	assert_int_equal(p.interest_rate_bps, 0);
	assert_int_equal(billing_dunning_policy_check(&p, NULL, 0, NULL), 0);
}

/* ---- retries ------------------------------------------------------------- */

struct retry_case {
	const char *name;
	int64_t t0;
	int64_t at[4]; /* after 1, 2, 3 failed attempts: retries; after 4: the final action */
};

static const struct retry_case retry_cases[] = {
	/* 27 Feb + 3 days is 1 Mar in a leap year ... */
	{ "leap February", FEB27_2028_1200,
	  { MAR01_2028_1200, MAR03_2028_1200, MAR05_2028_1200, MAR05_2028_1200 } },
	/* ... and 2 Mar otherwise. */
	{ "common February", FEB27_2027_1200,
	  { MAR02_2027_1200, MAR04_2027_1200, MAR06_2027_1200, MAR06_2027_1200 } },
	{ "from the 31st, keeping the time of day", JAN31_2026_0930,
	  { FEB03_2026_0930, FEB05_2026_0930, FEB07_2026_0930, FEB07_2026_0930 } },
	{ "across the new year", DEC30_2026, { JAN02_2027, JAN04_2027, JAN06_2027, JAN06_2027 } },
};

static void test_retry_schedule(void **state)
{
	struct billing_dunning_policy p;
	size_t k;
	int a;
	(void)state;

	billing_dunning_policy_default(&p);
	for (k = 0; k < N(retry_cases); k++) {
		const struct retry_case *c = &retry_cases[k];
		for (a = 1; a <= 5; a++) {
			struct billing_dunning_retry r;
			struct recur_err e;
			bool final = a > 3;
			int64_t want = c->at[a <= 4 ? a - 1 : 3];
			memset(&e, 0, sizeof(e));
			assert_int_equal(billing_dunning_next_retry(&r, &p, c->t0, a,
								    "insufficient_funds", false,
								    &e), 0);
			if (r.next != (final ? BILLING_DUNNING_FINAL : BILLING_DUNNING_RETRY) ||
			    r.at != want || r.attempt != (final ? 0 : a + 1))
				fail_msg("%s, after %d attempts: next %d at %lld attempt %d, want "
					 "at %lld", c->name, a, (int)r.next, (long long)r.at,
					 r.attempt, (long long)want);
		}
	}
}

/* A tenant's own schedule: 1, 2, 4 ... 60 days; none at all. */
static void test_custom_schedules(void **state)
{
	static const int days[] = { 1, 2, 4, 8, 16, 32, 60 };
	struct billing_dunning_policy p;
	struct billing_dunning_retry r;
	size_t i;
	(void)state;

	billing_dunning_policy_default(&p);
	p.n_retries = N(days);
	memcpy(p.retry_days, days, sizeof(days));
	p.final_action = BILLING_DUNNING_UNPAID;
	assert_int_equal(billing_dunning_policy_check(&p, NULL, 0, NULL), 0);
	for (i = 0; i < N(days); i++) {
		assert_int_equal(billing_dunning_next_retry(&r, &p, JAN01_2026, (int)i + 1, NULL,
							    false, NULL), 0);
		assert_int_equal(r.next, BILLING_DUNNING_RETRY);
		assert_int_equal(r.attempt, (int)i + 2);
		assert_int_equal(r.at, JAN01_2026 + days[i] * DAY);
	}
	assert_int_equal(billing_dunning_next_retry(&r, &p, JAN01_2026, 8, NULL, false, NULL), 0);
	assert_int_equal(r.next, BILLING_DUNNING_FINAL);
	assert_int_equal(r.at, JAN01_2026 + 60 * DAY); /* 2 Mar 2026 */

	p.n_retries = 0;
	assert_int_equal(billing_dunning_next_retry(&r, &p, JAN01_2026, 1, NULL, false, NULL), 0);
	assert_int_equal(r.next, BILLING_DUNNING_FINAL);
	assert_int_equal(r.at, JAN01_2026);
}

/* ---- declines -------------------------------------------------------------- */

static void test_hard_declines(void **state)
{
	/* Stripe's non-retryable codes (dunning.h). */
	static const char *const hard[] = {
		"incorrect_number", "lost_card", "pickup_card", "stolen_card",
		"revocation_of_authorization", "revocation_of_all_authorizations",
		"authentication_required", "highest_risk_level", "transaction_not_allowed",
	};
	/* Retried: not on Stripe's list. */
	static const char *const soft[] = {
		"insufficient_funds", "fraudulent", "expired_card", "do_not_honor",
		"generic_decline", "try_again_later", "processing_error", "card_velocity_exceeded",
		"STOLEN_CARD", /* codes are exact: Stripe never sends this */
		"stolen_card_x", "",
	};
	struct billing_dunning_policy p;
	struct billing_dunning_retry r;
	size_t i;
	(void)state;

	billing_dunning_policy_default(&p);
	for (i = 0; i < N(hard); i++) {
		assert_false(billing_dunning_retryable(&p, hard[i]));
		assert_int_equal(billing_dunning_next_retry(&r, &p, FEB27_2028_1200, 1, hard[i],
							    false, NULL), 0);
		/* No retry; the final action when the 7-day window ends. */
		if (r.next != BILLING_DUNNING_FINAL || r.at != MAR05_2028_1200 || r.attempt != 0)
			fail_msg("%s was retried", hard[i]);
	}
	for (i = 0; i < N(soft); i++) {
		assert_true(billing_dunning_retryable(&p, soft[i]));
		assert_int_equal(billing_dunning_next_retry(&r, &p, FEB27_2028_1200, 1, soft[i],
							    false, NULL), 0);
		if (r.next != BILLING_DUNNING_RETRY || r.at != MAR01_2028_1200 || r.attempt != 2)
			fail_msg("%s was not retried", soft[i]);
	}
	assert_true(billing_dunning_retryable(&p, NULL));
	/* A hard decline on a retry ends the retries too. */
	assert_int_equal(billing_dunning_next_retry(&r, &p, FEB27_2028_1200, 2, "lost_card",
						    false, NULL), 0);
	assert_int_equal(r.next, BILLING_DUNNING_FINAL);
	assert_int_equal(r.at, MAR05_2028_1200);

	/* A tenant who also gives up on expired cards. */
	{
		static const char *const mine[] = { "expired_card", "stolen_card" };
		p.hard_declines = mine;
		p.n_hard_declines = N(mine);
		assert_int_equal(billing_dunning_policy_check(&p, NULL, 0, NULL), 0);
		assert_false(billing_dunning_retryable(&p, "expired_card"));
		assert_true(billing_dunning_retryable(&p, "lost_card"));
	}
	/* No list: everything is retried. */
	p.hard_declines = NULL;
	p.n_hard_declines = 0;
	assert_true(billing_dunning_retryable(&p, "stolen_card"));
	assert_int_equal(billing_dunning_next_retry(&r, &p, FEB27_2028_1200, 1, "stolen_card",
						    false, NULL), 0);
	assert_int_equal(r.next, BILLING_DUNNING_RETRY);
}

/* ---- payment stop ------------------------------------------------------------- */

static void test_payment_stop(void **state)
{
	struct billing_dunning_policy p;
	struct billing_dunning_retry r;
	struct billing_dunning_reminder m;
	(void)state;

	billing_dunning_policy_default(&p);
	p.n_fees = 1;
	p.fees[0] = (struct billing_dunning_fee){ "SEK", 6000 };
	assert_int_equal(billing_dunning_next_retry(&r, &p, FEB27_2028_1200, 2, NULL, true, NULL), 0);
	assert_int_equal(r.next, BILLING_DUNNING_STOPPED);
	assert_int_equal(r.at, 0);
	assert_int_equal(r.attempt, 0);
	/* Even a hard decline or used-up retries: nothing happens while stopped. */
	assert_int_equal(billing_dunning_next_retry(&r, &p, FEB27_2028_1200, 9, "lost_card", true,
						    NULL), 0);
	assert_int_equal(r.next, BILLING_DUNNING_STOPPED);
	assert_int_equal(billing_dunning_next_reminder(&m, &p, "sek", FEB15_2028, 1, true, NULL), 0);
	assert_false(m.due);
	assert_true(m.stopped);
	assert_int_equal(m.at, 0);
	assert_int_equal(m.fee, 0);
	/* Lifted: the same schedule as before, so the overdue reminder runs at once. */
	assert_int_equal(billing_dunning_next_reminder(&m, &p, "sek", FEB15_2028, 1, false, NULL), 0);
	assert_true(m.due);
	assert_false(m.stopped);
	assert_int_equal(m.at, MAR14_2028);
	assert_int_equal(billing_dunning_next_retry(&r, &p, FEB27_2028_1200, 2, NULL, false, NULL), 0);
	assert_int_equal(r.next, BILLING_DUNNING_RETRY);
	assert_int_equal(r.at, MAR03_2028_1200);
}

/* ---- reminders ------------------------------------------------------------------ */

struct reminder_case {
	const char *name;
	int64_t due_date;
	const char *currency;
	int sent;
	bool due;
	int number;
	int64_t at, fee;
};

static const struct reminder_case reminder_cases[] = {
	/* 15 Feb + 14 days is 29 Feb in a leap year ... */
	{ "leap year, first", FEB15_2028, "sek", 0, true, 1, FEB29_2028, 6000 },
	{ "leap year, second", FEB15_2028, "SEK", 1, true, 2, MAR14_2028, 6000 },
	{ "leap year, third", FEB15_2028, "Sek", 2, true, 3, MAR28_2028, 6000 },
	{ "leap year, all sent", FEB15_2028, "sek", 3, false, 0, 0, 0 },
	{ "leap year, more than all", FEB15_2028, "sek", 7, false, 0, 0, 0 },
	/* ... and 1 Mar otherwise. */
	{ "common year, first", FEB15_2027, "dkk", 0, true, 1, MAR01_2027, 10000 },
	{ "common year, second", FEB15_2027, "dkk", 1, true, 2, MAR15_2027, 10000 },
	{ "no fee in this currency", FEB15_2027, "eur", 0, true, 1, MAR01_2027, 0 },
	{ "a fee of zero", FEB15_2027, "nok", 0, true, 1, MAR01_2027, 0 },
};

static void test_reminders(void **state)
{
	struct billing_dunning_policy p;
	size_t k;
	(void)state;

	billing_dunning_policy_default(&p);
	p.reminders_count = 3;
	p.n_fees = 3;
	p.fees[0] = (struct billing_dunning_fee){ "SEK", 6000 };
	p.fees[1] = (struct billing_dunning_fee){ "dkk", 10000 };
	p.fees[2] = (struct billing_dunning_fee){ "nok", 0 };
	/* Three reminders with a fee: fine in Sweden and Denmark; Norway's fee is 0. */
	assert_int_equal(billing_dunning_policy_check(&p, NULL, 0, NULL), 0);
	for (k = 0; k < N(reminder_cases); k++) {
		const struct reminder_case *c = &reminder_cases[k];
		struct billing_dunning_reminder m;
		struct recur_err e;
		memset(&e, 0, sizeof(e));
		assert_int_equal(billing_dunning_next_reminder(&m, &p, c->currency, c->due_date,
							       c->sent, false, &e), 0);
		if (m.due != c->due || m.number != c->number || m.at != c->at || m.fee != c->fee ||
		    m.stopped)
			fail_msg("%s: due %d number %d at %lld fee %lld", c->name, m.due, m.number,
				 (long long)m.at, (long long)m.fee);
	}
}

/* Reminders counted from the due date, so a month end does not drift them. */
static void test_reminders_month_end(void **state)
{
	struct billing_dunning_policy p;
	struct billing_dunning_reminder m;
	int i;
	(void)state;

	billing_dunning_policy_default(&p);
	p.reminders_count = 10;
	p.reminders_first_days = 1;
	p.reminders_interval_days = 30;
	for (i = 0; i < 10; i++) {
		assert_int_equal(billing_dunning_next_reminder(&m, &p, "nok", MAR01_2026, i, false,
							       NULL), 0);
		assert_int_equal(m.at, MAR01_2026 + (1 + 30 * (int64_t)i) * DAY);
	}
	/* 1 March + 30 days is 31 March, + 30 more is 30 April: no clamping, just days. */
	p.reminders_first_days = 30;
	assert_int_equal(billing_dunning_next_reminder(&m, &p, "nok", MAR01_2026, 0, false, NULL),
			 0);
	assert_int_equal(m.at, MAR31_2026);
	assert_int_equal(billing_dunning_next_reminder(&m, &p, "nok", MAR01_2026, 1, false, NULL),
			 0);
	assert_int_equal(m.at, APR30_2026);
	p.reminders_count = 0;
	assert_int_equal(billing_dunning_next_reminder(&m, &p, "nok", MAR01_2026, 0, false, NULL),
			 0);
	assert_false(m.due);
}

/* ---- statutory limits ---------------------------------------------------------- */

struct limit_case {
	const char *name;
	const char *currency;
	int64_t fee;
	int count, first, interval;
	int rc;
	const char *param;
	const char *cites; /* a piece of the message */
};

static const struct limit_case limit_cases[] = {
	{ "Sweden: 60 kr", "SEK", 6000, 3, 14, 14, 0, NULL, NULL },
	{ "Sweden: 75 kr", "SEK", 7500, 2, 14, 14, RECUR_EINVAL, "reminders[fee][sek]",
	  "lag (1981:739)" },
	{ "Sweden: 60.01 kr", "sek", 6001, 1, 1, 1, RECUR_EINVAL, "reminders[fee][sek]",
	  "60.00 SEK" },
	{ "Sweden: many reminders, close together", "SEK", 6000, 10, 1, 1, 0, NULL, NULL },
	{ "Denmark: 100 kr, 3 reminders, 10 days apart", "DKK", 10000, 3, 1, 10, 0, NULL, NULL },
	{ "Denmark: 100.01 kr", "DKK", 10001, 3, 14, 14, RECUR_EINVAL, "reminders[fee][dkk]",
	  "renteloven § 9 b" },
	{ "Denmark: 4 reminders", "DKK", 10000, 4, 14, 14, RECUR_EINVAL, "reminders[count]",
	  "at most 3 reminders (renteloven § 9 b)" },
	{ "Denmark: 7 days apart", "DKK", 10000, 3, 14, 7, RECUR_EINVAL, "reminders[interval_days]",
	  "at least 10 days between" },
	{ "Denmark: one reminder, spacing moot", "DKK", 10000, 1, 14, 7, 0, NULL, NULL },
	{ "Denmark: 4 reminders without a fee", "DKK", 0, 4, 14, 7, 0, NULL, NULL },
	{ "Denmark: a fee but no reminders", "DKK", 10000, 0, 14, 7, 0, NULL, NULL },
	{ "Norway: 35 kr, 2 reminders, 14/14 days", "NOK", 3500, 2, 14, 14, 0, NULL, NULL },
	{ "Norway: a fee but no reminders", "NOK", 3500, 0, 1, 1, 0, NULL, NULL },
	{ "Norway: 70 kr", "NOK", 7000, 2, 14, 14, RECUR_EINVAL, "reminders[fee][nok]", "Norway" },
	{ "Norway: 3 reminders", "NOK", 3500, 3, 14, 14, RECUR_EINVAL, "reminders[count]", NULL },
	{ "Norway: 10 days apart", "NOK", 3500, 2, 14, 10, RECUR_EINVAL,
	  "reminders[interval_days]", NULL },
	{ "Norway: first after 13 days", "NOK", 3500, 2, 13, 14, RECUR_EINVAL,
	  "reminders[first_days]", "at least 14 days after the due date" },
	{ "euro: no statutory cap here", "EUR", 50000, 10, 1, 1, 0, NULL, NULL },
};

static void test_limits(void **state)
{
	size_t k;
	(void)state;
	for (k = 0; k < N(limit_cases); k++) {
		const struct limit_case *c = &limit_cases[k];
		struct billing_dunning_policy p;
		struct recur_err e;
		int rc;

		billing_dunning_policy_default(&p);
		p.n_fees = 1;
		memcpy(p.fees[0].currency, c->currency, 4);
		p.fees[0].amount = c->fee;
		p.reminders_count = c->count;
		p.reminders_first_days = c->first;
		p.reminders_interval_days = c->interval;
		memset(&e, 0, sizeof(e));
		rc = billing_dunning_policy_check(&p, NULL, 0, &e);
		if (rc != c->rc)
			fail_msg("%s: rc %d, want %d (%s)", c->name, rc, c->rc, e.message);
		if (c->param && strcmp(e.param, c->param) != 0)
			fail_msg("%s: param '%s', want '%s'", c->name, e.param, c->param);
		if (c->cites && !strstr(e.message, c->cites))
			fail_msg("%s: message '%s' lacks '%s'", c->name, e.message, c->cites);
		if (rc != 0)
			assert_int_equal(e.status, 400);
		/* Same answer without an error struct. */
		assert_int_equal(billing_dunning_policy_check(&p, NULL, 0, NULL), c->rc);
	}
}

/* The Norwegian cap is a setting: a copy of the table with another value. */
static void test_limits_configurable(void **state)
{
	struct billing_dunning_limit mine[3];
	const struct billing_dunning_limit *nordic;
	struct billing_dunning_policy p;
	struct recur_err e;
	size_t n, i;
	(void)state;

	nordic = billing_dunning_limits_nordic(&n);
	assert_int_equal(n, 3);
	assert_string_equal(nordic[0].currency, "SEK");
	assert_int_equal(nordic[0].max_fee, 6000);
	assert_string_equal(nordic[1].currency, "DKK");
	assert_int_equal(nordic[1].max_fee, 10000);
	assert_int_equal(nordic[1].max_reminders, 3);
	assert_int_equal(nordic[1].min_interval_days, 10);
	assert_string_equal(nordic[2].currency, "NOK");
	assert_int_equal(nordic[2].max_fee, 3500);
	memcpy(mine, nordic, sizeof(mine));
	for (i = 0; i < n; i++)
		if (strcmp(mine[i].currency, "NOK") == 0)
			mine[i].max_fee = 7000;

	billing_dunning_policy_default(&p);
	p.n_fees = 1;
	p.fees[0] = (struct billing_dunning_fee){ "NOK", 7000 };
	assert_int_equal(billing_dunning_policy_check(&p, NULL, 0, NULL), RECUR_EINVAL);
	assert_int_equal(billing_dunning_policy_check(&p, mine, n, NULL), 0);
	/* No limits at all. */
	p.fees[0].amount = 100000;
	assert_int_equal(billing_dunning_policy_check(&p, mine, 0, NULL), 0);
	/* A malformed limits table is refused. */
	memcpy(mine[0].currency, "XYZ", 4);
	memset(&e, 0, sizeof(e));
	assert_int_equal(billing_dunning_policy_check(&p, mine, n, &e), RECUR_EINVAL);
	assert_non_null(strstr(e.message, "Dunning limit 0"));
	memcpy(mine[0].currency, "SEK", 4);
	mine[0].max_fee = -1;
	assert_int_equal(billing_dunning_policy_check(&p, mine, n, NULL), RECUR_EINVAL);
}

/* ---- malformed policies ----------------------------------------------------------- */

enum field {
	F_RETRIES, F_DAYS, F_FINAL, F_NHARD, F_HARD_NULL, F_HARD_CODE, F_COUNT, F_FIRST,
	F_INTERVAL, F_NFEES, F_FEE_CUR, F_FEE_AMOUNT, F_FEE_DUP, F_RATE
};

struct shape_case {
	const char *name;
	enum field f;
	int64_t v[3];
	const char *code;
	const char *param;
};

static const struct shape_case shape_cases[] = {
	{ "nine retries", F_RETRIES, { 9 }, NULL, "retries[days]" },
	{ "day 0", F_DAYS, { 0, 5, 7 }, NULL, "retries[days][0]" },
	{ "not increasing", F_DAYS, { 3, 3, 7 }, NULL, "retries[days][1]" },
	{ "decreasing", F_DAYS, { 3, 5, 4 }, NULL, "retries[days][2]" },
	{ "61 days", F_DAYS, { 3, 5, 61 }, NULL, "retries[days][2]" },
	{ "unknown final action", F_FINAL, { 7 }, NULL, "retries[final_action]" },
	{ "33 hard declines", F_NHARD, { 33 }, NULL, "retries[hard_decline_codes]" },
	{ "hard declines missing", F_HARD_NULL, { 1 }, NULL, "retries[hard_decline_codes]" },
	{ "upper-case code", F_HARD_CODE, { 0 }, "Stolen_card", "retries[hard_decline_codes][0]" },
	{ "empty code", F_HARD_CODE, { 0 }, "", "retries[hard_decline_codes][0]" },
	{ "code with a space", F_HARD_CODE, { 0 }, "lost card", "retries[hard_decline_codes][0]" },
	{ "65-letter code", F_HARD_CODE, { 0 },
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	  "retries[hard_decline_codes][0]" },
	{ "negative count", F_COUNT, { -1 }, NULL, "reminders[count]" },
	{ "eleven reminders", F_COUNT, { 11 }, NULL, "reminders[count]" },
	{ "reminder on the due date", F_FIRST, { 0 }, NULL, "reminders[first_days]" },
	{ "first after a year and a day", F_FIRST, { 366 }, NULL, "reminders[first_days]" },
	{ "interval 0", F_INTERVAL, { 0 }, NULL, "reminders[interval_days]" },
	{ "interval 366", F_INTERVAL, { 366 }, NULL, "reminders[interval_days]" },
	{ "17 fee currencies", F_NFEES, { 17 }, NULL, "reminders[fee]" },
	{ "unknown fee currency", F_FEE_CUR, { 0 }, "XYZ", "reminders[fee]" },
	{ "negative fee", F_FEE_AMOUNT, { -1 }, NULL, "reminders[fee][sek]" },
	{ "fee out of range", F_FEE_AMOUNT, { INT64_C(1000000000000001) }, NULL,
	  "reminders[fee][sek]" },
	{ "two SEK fees", F_FEE_DUP, { 0 }, NULL, "reminders[fee][sek]" },
	{ "negative interest", F_RATE, { -1 }, NULL, "late_interest[annual_rate_bps]" },
	{ "interest above 100 %", F_RATE, { 10001 }, NULL, "late_interest[annual_rate_bps]" },
};

static void break_policy(struct billing_dunning_policy *p, const struct shape_case *c,
			 const char **codes)
{
	switch (c->f) {
	case F_RETRIES: p->n_retries = (size_t)c->v[0]; break;
	case F_DAYS:
		p->retry_days[0] = (int)c->v[0];
		p->retry_days[1] = (int)c->v[1];
		p->retry_days[2] = (int)c->v[2];
		break;
	case F_FINAL: p->final_action = (enum billing_dunning_final_action)c->v[0]; break;
	case F_NHARD: p->n_hard_declines = (size_t)c->v[0]; break;
	case F_HARD_NULL: p->hard_declines = NULL; break;
	case F_HARD_CODE:
		codes[0] = c->code;
		p->hard_declines = codes;
		p->n_hard_declines = 1;
		break;
	case F_COUNT: p->reminders_count = (int)c->v[0]; break;
	case F_FIRST: p->reminders_first_days = (int)c->v[0]; break;
	case F_INTERVAL: p->reminders_interval_days = (int)c->v[0]; break;
	case F_NFEES: p->n_fees = (size_t)c->v[0]; break;
	case F_FEE_CUR:
		p->n_fees = 1;
		memcpy(p->fees[0].currency, c->code, 4);
		break;
	case F_FEE_AMOUNT:
		p->n_fees = 1;
		p->fees[0] = (struct billing_dunning_fee){ "SEK", c->v[0] };
		break;
	case F_FEE_DUP:
		p->n_fees = 2;
		p->fees[0] = (struct billing_dunning_fee){ "SEK", 1000 };
		p->fees[1] = (struct billing_dunning_fee){ "sek", 2000 };
		break;
	case F_RATE: p->interest_rate_bps = c->v[0]; break;
	}
}

static void test_malformed_policies(void **state)
{
	size_t k;
	(void)state;
	for (k = 0; k < N(shape_cases); k++) {
		const struct shape_case *c = &shape_cases[k];
		struct billing_dunning_policy p;
		struct billing_dunning_retry r;
		struct billing_dunning_reminder m;
		const char *codes[1];
		struct recur_err e;
		int rc;

		billing_dunning_policy_default(&p);
		break_policy(&p, c, codes);
		memset(&e, 0, sizeof(e));
		rc = billing_dunning_policy_check(&p, NULL, 0, &e);
		if (rc != RECUR_EINVAL || strcmp(e.param, c->param) != 0)
			fail_msg("%s: rc %d param '%s', want '%s'", c->name, rc, e.param, c->param);
		/* The schedule functions refuse it too (rates are checked where used). */
		if (c->f == F_RATE)
			continue;
		assert_int_equal(billing_dunning_next_retry(&r, &p, JAN01_2026, 1, NULL, false,
							    NULL), RECUR_EINVAL);
		assert_int_equal(billing_dunning_next_reminder(&m, &p, "sek", JAN01_2026, 0, false,
							       NULL), RECUR_EINVAL);
	}
}

static void test_time_errors(void **state)
{
	struct billing_dunning_policy p;
	struct billing_dunning_retry r;
	struct billing_dunning_reminder m;
	struct recur_err e;
	(void)state;

	billing_dunning_policy_default(&p);
	memset(&e, 0, sizeof(e));
	assert_int_equal(billing_dunning_next_retry(&r, &p, JAN01_2026, 0, NULL, false, &e),
			 RECUR_EINVAL);
	assert_int_equal(billing_dunning_next_retry(&r, &p, CALENDAR_MAX_T + 1, 1, NULL, false,
						    &e), RECUR_EINVAL);
	assert_int_equal(billing_dunning_next_retry(&r, &p, CALENDAR_MAX_T - DAY, 1, NULL, false,
						    &e), RECUR_EOVERFLOW);
	assert_non_null(strstr(e.message, "calendar"));
	assert_int_equal(billing_dunning_next_retry(&r, &p, CALENDAR_MAX_T - DAY, 4, NULL, false,
						    NULL), RECUR_EOVERFLOW);
	assert_int_equal(billing_dunning_next_reminder(&m, &p, "sek", JAN01_2026, -1, false, &e),
			 RECUR_EINVAL);
	assert_int_equal(billing_dunning_next_reminder(&m, &p, "xyz", JAN01_2026, 0, false, &e),
			 RECUR_EINVAL);
	assert_int_equal(billing_dunning_next_reminder(&m, &p, NULL, JAN01_2026, 0, false, &e),
			 RECUR_EINVAL);
	assert_int_equal(billing_dunning_next_reminder(&m, &p, "sek", CALENDAR_MIN_T - 1, 0, false,
						       &e), RECUR_EINVAL);
	assert_int_equal(billing_dunning_next_reminder(&m, &p, "sek", CALENDAR_MAX_T - DAY, 0,
						       false, &e), RECUR_EOVERFLOW);
	/* The last second of 9999 plus nothing is fine; the first retry is not. */
	assert_int_equal(billing_dunning_next_retry(&r, &p, CALENDAR_MAX_T, 1, NULL, true, NULL), 0);
	assert_int_equal(r.next, BILLING_DUNNING_STOPPED);
}

/* ---- interest -------------------------------------------------------------------- */

struct interest_case {
	const char *name;
	int64_t amount, bps, days, want;
};

static const struct interest_case interest_cases[] = {
	/* 10 000.00 x 12.50 % x 30 / 365 = 102.739... */
	{ "Norway 2025, 30 days", 1000000, 1250, 30, 10274 },
	{ "a credit mirrors it", -1000000, 1250, 30, -10274 },
	/* 5 000.00 x 10.75 % x 45 / 365 = 66.267... */
	{ "Sweden, 45 days", 500000, 1075, 45, 6627 },
	{ "a whole common year", 1000000, 1000, 365, 100000 },
	/* 366 / 365 of the rate: 1 002.739... */
	{ "a whole leap year", 1000000, 1000, 366, 100274 },
	/* 0.73 x 50 % x 5 / 365 = exactly 0.005: half up to 0.01 */
	{ "a tie rounds away from zero", 73, 5000, 5, 1 },
	{ "a negative tie too", -73, 5000, 5, -1 },
	{ "less than half a minor unit", 3, 1, 1, 0 },
	{ "100 000.00 at 8.50 % for one day", 10000000, 850, 1, 2329 },
	{ "no days", 1000000, 1250, 0, 0 },
	{ "no rate", 1000000, 0, 30, 0 },
	{ "the largest inputs fit", INT64_C(1000000000000000), 10000, 36600,
	  INT64_C(100273972602739726) },
};

static void test_interest(void **state)
{
	size_t k;
	(void)state;
	for (k = 0; k < N(interest_cases); k++) {
		const struct interest_case *c = &interest_cases[k];
		int64_t got = -7;
		assert_int_equal(billing_dunning_interest(&got, c->amount, c->bps, c->days, NULL), 0);
		if (got != c->want)
			fail_msg("%s: %lld, want %lld", c->name, (long long)got, (long long)c->want);
	}
}

static void test_interest_errors(void **state)
{
	struct recur_err e;
	int64_t got;
	(void)state;

	memset(&e, 0, sizeof(e));
	assert_int_equal(billing_dunning_interest(&got, 100, -1, 1, &e), RECUR_EINVAL);
	assert_int_equal(billing_dunning_interest(&got, 100, 10001, 1, &e), RECUR_EINVAL);
	assert_int_equal(billing_dunning_interest(&got, 100, 1000, -1, &e), RECUR_EINVAL);
	assert_int_equal(billing_dunning_interest(&got, 100, 1000, 36601, &e), RECUR_EINVAL);
	assert_int_equal(billing_dunning_interest(&got, INT64_C(1000000000000001), 1000, 1, &e),
			 RECUR_EINVAL);
	assert_int_equal(e.status, 400);
}

static void test_late_interest(void **state)
{
	struct billing_dunning_policy p;
	struct recur_err e;
	int64_t got;
	(void)state;

	billing_dunning_policy_default(&p);
	/* No rate in the policy: no interest. */
	assert_int_equal(billing_dunning_late_interest(&got, &p, 1000000, MAR01_2026, MAR31_2026,
						       NULL), 0);
	assert_int_equal(got, 0);
	p.interest_rate_bps = 1250;
	/* 1 to 31 March 2026: 30 days. */
	assert_int_equal(billing_dunning_late_interest(&got, &p, 1000000, MAR01_2026, MAR31_2026,
						       NULL), 0);
	assert_int_equal(got, 10274);
	/* 29 days and 23:59:59 are 29 whole days: 99.315... */
	assert_int_equal(billing_dunning_late_interest(&got, &p, 1000000, MAR01_2026,
						       MAR31_2026 - 1, NULL), 0);
	assert_int_equal(got, 9932);
	/* Paid early or on time: none. */
	assert_int_equal(billing_dunning_late_interest(&got, &p, 1000000, MAR31_2026, MAR01_2026,
						       NULL), 0);
	assert_int_equal(got, 0);
	assert_int_equal(billing_dunning_late_interest(&got, &p, 1000000, MAR31_2026, MAR31_2026,
						       NULL), 0);
	assert_int_equal(got, 0);
	/* All of leap year 2028 at 10 %: 366 days. */
	p.interest_rate_bps = 1000;
	assert_int_equal(billing_dunning_late_interest(&got, &p, 1000000, JAN01_2028, JAN01_2029,
						       NULL), 0);
	assert_int_equal(got, 100274);
	assert_int_equal(billing_dunning_late_interest(&got, &p, 1000000, JAN01_2026,
						       JAN01_2026 + 365 * DAY, NULL), 0);
	assert_int_equal(got, 100000);

	memset(&e, 0, sizeof(e));
	p.interest_rate_bps = 10001;
	assert_int_equal(billing_dunning_late_interest(&got, &p, 1000000, JAN01_2028, JAN01_2029,
						       &e), RECUR_EINVAL);
	assert_string_equal(e.param, "late_interest[annual_rate_bps]");
	p.interest_rate_bps = 1000;
	assert_int_equal(billing_dunning_late_interest(&got, &p, 1000000, CALENDAR_MIN_T - 1,
						       JAN01_2029, &e), RECUR_EINVAL);
	assert_int_equal(billing_dunning_late_interest(&got, &p, 1000000, JAN01_2028,
						       CALENDAR_MAX_T + 1, &e), RECUR_EINVAL);
	/* More than a century late. */
	assert_int_equal(billing_dunning_late_interest(&got, &p, 1000000, CALENDAR_MIN_T,
						       CALENDAR_MAX_T, &e), RECUR_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_policy),
		cmocka_unit_test(test_retry_schedule),
		cmocka_unit_test(test_custom_schedules),
		cmocka_unit_test(test_hard_declines),
		cmocka_unit_test(test_payment_stop),
		cmocka_unit_test(test_reminders),
		cmocka_unit_test(test_reminders_month_end),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_limits_configurable),
		cmocka_unit_test(test_malformed_policies),
		cmocka_unit_test(test_time_errors),
		cmocka_unit_test(test_interest),
		cmocka_unit_test(test_interest_errors),
		cmocka_unit_test(test_late_interest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
