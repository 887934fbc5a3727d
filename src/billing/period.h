/*
 * period.h - billing intervals, billing cycle anchors, trials and the period
 * that contains a given time, as Stripe computes them for subscriptions.
 *
 * A subscription's billing periods are the half-open intervals
 * [boundary k, boundary k+1), where boundary k is the billing cycle anchor
 * plus k intervals (k may be negative). Every boundary is computed from the
 * anchor itself, never from the previous boundary, so month-end clamping never
 * drifts: an anchor of Jan 31 gives Feb 28 (29 in a leap year), Mar 31,
 * Apr 30, ...; a yearly anchor of Feb 29 gives Feb 28 in common years and
 * Feb 29 again in the next leap year.
 *
 * Pure functions: no I/O, no clock ("now" is an argument), no allocation. On
 * any error the output parameters are left untouched. Times are int64_t Unix
 * seconds, UTC, in the range core/calendar.h supports.
 */
#ifndef RECUR_BILLING_PERIOD_H
#define RECUR_BILLING_PERIOD_H

#include <stdbool.h>
#include <stdint.h>

#include "core/calendar.h"

struct recur_err;

/* Stripe's trial limit: at most 730 days (two years) from now. */
#define BILLING_TRIAL_MAX_DAYS 730

/* A recurring interval: `count` units, e.g. {CAL_MONTH, 3} is quarterly. */
struct billing_interval {
	enum calendar_unit unit;
	int64_t count;
};

/*
 * The largest count Stripe allows for a unit, so that one period lasts at
 * most three years: 1095 days, 156 weeks, 36 months, 3 years. 0 for an
 * unknown unit.
 */
int64_t billing_interval_count_max(enum calendar_unit unit);

/*
 * 0 if iv is a valid interval (known unit, 1 <= count <= the maximum above),
 * else RECUR_EINVAL with a message in e and e->param left empty: the caller
 * names the parameter (recurring[interval_count], ...). e must not be NULL.
 */
int billing_interval_validate(const struct billing_interval *iv,
			      struct recur_err *e);

/*
 * *out = boundary k of the schedule anchored at `anchor` with `count` units
 * of `unit`: anchor + k * count units, month and year steps clamped to the
 * target month's last day.
 *
 * anchor_day is the nominal day of month of a month or year schedule: 0 means
 * the anchor's own day, which is what an anchor set from a timestamp or the
 * creation time uses. A schedule made from billing_cycle_anchor_config keeps
 * the configured day_of_month instead, so that day 31 resolved to Feb 28
 * continues Mar 31, Apr 30 (billing_anchor_resolve returns it). A non-zero
 * anchor_day must be 1..31 and agree with the anchor: the anchor's day is
 * anchor_day clamped to its month; it must be 0 for day and week schedules.
 *
 * RECUR_EINVAL for count < 1, an unknown unit, an anchor outside the calendar
 * range or an anchor_day that does not fit; RECUR_EOVERFLOW if the boundary
 * leaves the calendar range.
 */
int billing_period_boundary(int64_t *out, int64_t anchor, int anchor_day,
			    enum calendar_unit unit, int64_t count, int64_t k);

/*
 * The billing period [*start, *end) that contains t: *start <= t < *end, both
 * boundaries of the schedule anchored at `anchor` (the anchor's own day of
 * month, see billing_period_boundary). A t exactly on a boundary starts the
 * period that begins there.
 *
 * t before the anchor is answered by the same schedule extended backwards
 * (boundary -1, -2, ...). For a subscription whose first paid period is a
 * stub from its start to a future anchor, the period containing any t in the
 * stub is [boundary -1, anchor): exactly the full period whose length Stripe
 * prorates the stub against. The stub itself is [start, anchor); see
 * struct billing_anchor.
 *
 * Constant time: the period index is computed from the civil dates (months)
 * or by division (days, weeks) and corrected by at most one step, never by
 * walking the periods. Errors as billing_period_boundary, and RECUR_EINVAL
 * for t outside the calendar range.
 */
int billing_period_containing(int64_t *start, int64_t *end, int64_t anchor,
			      enum calendar_unit interval, int64_t count,
			      int64_t t);

/* billing_period_containing with a nominal anchor_day (0 = the anchor's own). */
int billing_period_containing_day(int64_t *start, int64_t *end,
				  int64_t anchor, int anchor_day,
				  enum calendar_unit interval, int64_t count,
				  int64_t t);

/* How a new subscription's trial is given. */
enum billing_trial_kind {
	BILLING_TRIAL_NONE,     /* no trial */
	BILLING_TRIAL_DAYS,     /* trial_period_days: value is a day count */
	BILLING_TRIAL_END,      /* trial_end=<timestamp>: value is the time */
	BILLING_TRIAL_END_NOW   /* trial_end=now: no trial; value is ignored */
};

struct billing_trial_spec {
	enum billing_trial_kind kind;
	int64_t value;
};

/* A resolved trial: [start, end) when trialing; end == start == now when not. */
struct billing_trial {
	bool trialing;
	int64_t start;
	int64_t end;
};

/*
 * Resolves a trial request made at `now`:
 *   NONE, END_NOW        no trial.
 *   DAYS                 0..730; 0 is no trial, else end = now + days * 86400
 *                        (whole days of seconds: UTC has no DST).
 *   END                  now < value <= now + 730 days.
 * RECUR_EINVAL with e filled (e->param "trial_period_days" or "trial_end")
 * otherwise, or for an unknown kind or a now outside the calendar range.
 * e must not be NULL.
 */
int billing_trial_resolve(struct billing_trial *out,
			  const struct billing_trial_spec *spec, int64_t now,
			  struct recur_err *e);

/* How a new subscription's billing cycle anchor is chosen. */
enum billing_anchor_kind {
	BILLING_ANCHOR_DEFAULT,   /* creation time, or trial end when trialing */
	BILLING_ANCHOR_TIMESTAMP, /* billing_cycle_anchor=<timestamp> */
	BILLING_ANCHOR_CONFIG     /* billing_cycle_anchor_config */
};

/*
 * billing_cycle_anchor_config. day_of_month 1..31 is required; month 1..12
 * (0 = not given) is for yearly intervals only; hour 0..23, minute and second
 * 0..59, each -1 when not given, in which case that field is taken from the
 * time paid billing starts (the creation time, or the trial end).
 */
struct billing_anchor_config {
	int day_of_month;
	int month;
	int hour;
	int minute;
	int second;
};

struct billing_anchor_spec {
	enum billing_anchor_kind kind;
	int64_t timestamp;                   /* BILLING_ANCHOR_TIMESTAMP */
	struct billing_anchor_config config; /* BILLING_ANCHOR_CONFIG */
};

/*
 * A resolved anchor. Paid billing starts at `start` (creation time, or the
 * trial end); [start, anchor) is the stub, empty when start == anchor. Stripe
 * prorates the stub against the full period that ends at the anchor,
 * [stub_period_start, anchor), i.e. amount * (anchor - start) /
 * (anchor - stub_period_start): billing_prorate_line(..., REMAINING_TIME,
 * amount, stub_period_start, anchor, start, ...) in billing/proration.h.
 * Full periods follow from billing_period_containing_day(..., anchor,
 * anchor_day, ...).
 */
struct billing_anchor {
	int64_t anchor;
	int anchor_day;            /* nominal day of month; 0 = the anchor's own */
	int64_t start;
	int64_t stub_period_start; /* boundary -1 of the schedule */
};

/*
 * Resolves the billing cycle anchor of a subscription created at `now` with
 * interval iv and, if trial is not NULL and trialing, a trial. Paid billing
 * starts at start = trial->end when trialing, else now.
 *
 *   DEFAULT    anchor = start (Stripe: creation time, or trial end).
 *   TIMESTAMP  start <= timestamp <= start + one interval. Stripe requires a
 *              future anchor no later than the next natural billing date
 *              ("billing_cycle_anchor cannot be later than next natural
 *              billing date"); a timestamp equal to start is accepted and
 *              means the default.
 *   CONFIG     monthly and yearly intervals only (as Stripe): the first
 *              instant at or after start with the configured day (clamped
 *              to the month's last day), time of day and, for yearly, month.
 *              anchor_day is set to day_of_month so later periods return to
 *              it after a short month.
 *
 * RECUR_EINVAL with e filled (e->param "billing_cycle_anchor" or
 * "billing_cycle_anchor_config[...]", or empty for a bad interval) for any
 * rule broken; RECUR_EOVERFLOW if a boundary leaves the calendar range.
 * e must not be NULL.
 */
int billing_anchor_resolve(struct billing_anchor *out,
			   const struct billing_anchor_spec *spec,
			   const struct billing_interval *iv, int64_t now,
			   const struct billing_trial *trial,
			   struct recur_err *e);

#endif
