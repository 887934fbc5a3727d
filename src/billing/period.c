/*
 * period.c - see period.h.
 *
 * All month arithmetic goes through calendar_add_interval, which clamps to
 * the month's last day as Stripe does ("a subscription starting on January 31
 * bills on February 28 (or February 29 in a leap year), then March 31,
 * April 30"). The one thing this file adds is the schedule: every boundary is
 * the anchor plus k intervals, computed from a fixed reference, so a clamp in
 * one month never leaks into the next.
 */
#include "billing/period.h"

#include "core/err.h"

#include <stdio.h>

#define SECS_PER_DAY INT64_C(86400)

/* Division rounding toward negative infinity; C's / truncates toward zero. */
static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int64_t billing_interval_count_max(enum calendar_unit unit)
{
	/* Stripe: "Maximum of three years interval allowed". */
	switch (unit) {
	case CAL_DAY:
		return 1095;
	case CAL_WEEK:
		return 156;
	case CAL_MONTH:
		return 36;
	case CAL_YEAR:
		return 3;
	}
	return 0;
}

int billing_interval_validate(const struct billing_interval *iv,
			      struct recur_err *e)
{
	int64_t max = billing_interval_count_max(iv->unit);

	if (max == 0)
		return err_invalid(e, NULL,
				   "Invalid interval: must be one of day, week, month or year.");
	if (iv->count < 1 || iv->count > max)
		return err_invalid(e, NULL,
				   "Invalid interval_count: must be between 1 and %lld for interval '%s' (at most three years).",
				   (long long)max, calendar_unit_name(iv->unit));
	return 0;
}

/*
 * A schedule reduced to one reference point and a step:
 *   seconds schedules (day, week): boundary k = ref + k * step seconds;
 *   month schedules (month, year): boundary k = ref + (offset + k * step)
 *   months via calendar_add_interval.
 * For a month schedule ref carries the nominal day of month. When the
 * anchor's month is too short for that day (an anchor_day of 31 resolved to
 * Apr 30), ref is the same day and time one month earlier, which always
 * exists: every month shorter than 31 days follows a 31-day month (Jan, Mar,
 * May, Aug, Oct), so ref + 1 month is exactly the anchor again.
 */
struct schedule {
	bool months;
	int64_t ref;
	int64_t offset;
	int64_t step;
	struct civil anchor; /* the anchor's civil fields, for estimating k */
};

static int schedule_init(struct schedule *s, int64_t anchor, int anchor_day,
			 enum calendar_unit unit, int64_t count)
{
	struct civil c;
	int dim;

	if (count < 1 || !calendar_in_range(anchor))
		return RECUR_EINVAL;
	s->offset = 0;
	s->ref = anchor;
	switch (unit) {
	case CAL_DAY:
	case CAL_WEEK:
		if (anchor_day != 0)
			return RECUR_EINVAL;
		s->months = false;
		/* A step beyond the calendar's span can only overflow later. */
		if (__builtin_mul_overflow(count, unit == CAL_DAY ? SECS_PER_DAY
								 : 7 * SECS_PER_DAY,
					   &s->step))
			return RECUR_EOVERFLOW;
		return 0;
	case CAL_MONTH:
	case CAL_YEAR:
		s->months = true;
		if (__builtin_mul_overflow(count, unit == CAL_YEAR ? 12 : 1,
					   &s->step))
			return RECUR_EOVERFLOW;
		calendar_to_civil(&c, anchor);
		s->anchor = c;
		if (anchor_day == 0 || anchor_day == c.day)
			return 0;
		dim = calendar_days_in_month(c.year, c.month);
		/* The anchor must be anchor_day clamped to its own month. */
		if (anchor_day < c.day || anchor_day > 31 || c.day != dim)
			return RECUR_EINVAL;
		c.month -= 1; /* calendar_from_civil normalises month 0 */
		c.day = anchor_day;
		s->ref = calendar_from_civil(&c);
		s->offset = 1;
		return 0;
	}
	return RECUR_EINVAL;
}

static int schedule_boundary(int64_t *out, const struct schedule *s, int64_t k)
{
	int64_t n, t;

	if (!s->months) {
		if (__builtin_mul_overflow(k, s->step, &n) ||
		    __builtin_add_overflow(s->ref, n, &t) || !calendar_in_range(t))
			return RECUR_EOVERFLOW;
		*out = t;
		return 0;
	}
	if (__builtin_mul_overflow(k, s->step, &n) ||
	    __builtin_add_overflow(n, s->offset, &n))
		return RECUR_EOVERFLOW;
	return calendar_add_interval(out, s->ref, CAL_MONTH, n);
}

int billing_period_boundary(int64_t *out, int64_t anchor, int anchor_day,
			    enum calendar_unit unit, int64_t count, int64_t k)
{
	struct schedule s;
	int rc = schedule_init(&s, anchor, anchor_day, unit, count);

	if (rc == 0)
		rc = schedule_boundary(out, &s, k);
	return rc;
}

int billing_period_containing_day(int64_t *start, int64_t *end,
				  int64_t anchor, int anchor_day,
				  enum calendar_unit interval, int64_t count,
				  int64_t t)
{
	struct schedule s;
	struct civil c;
	int64_t k, months, b0, b1;
	int rc;

	rc = schedule_init(&s, anchor, anchor_day, interval, count);
	if (rc != 0)
		goto done;
	if (!calendar_in_range(t)) {
		rc = RECUR_EINVAL;
		goto done;
	}
	if (!s.months) {
		/* Both times are in range, so the difference is far from overflow. */
		k = floor_div(t - anchor, s.step);
	} else {
		/*
		 * Boundary k lies in the month anchor + k * step, so the whole months
		 * between the two civil dates give k up to one: boundary k may still
		 * be later in t's own month than t (a later day or time of day),
		 * while boundary k + 1 is always in a later month than t.
		 */
		calendar_to_civil(&c, t);
		months = ((int64_t)c.year - s.anchor.year) * 12 +
			 (c.month - s.anchor.month);
		k = floor_div(months, s.step);
	}
	rc = schedule_boundary(&b0, &s, k);
	if (rc != 0)
		goto done;
	if (b0 > t) {
		k--;
		rc = schedule_boundary(&b0, &s, k);
		if (rc != 0)
			goto done;
	}
	rc = schedule_boundary(&b1, &s, k + 1);
	if (rc != 0)
		goto done;
	*start = b0;
	*end = b1;
done:
	return rc;
}

int billing_period_containing(int64_t *start, int64_t *end, int64_t anchor,
			      enum calendar_unit interval, int64_t count,
			      int64_t t)
{
	return billing_period_containing_day(start, end, anchor, 0, interval,
					     count, t);
}

int billing_trial_resolve(struct billing_trial *out,
			  const struct billing_trial_spec *spec, int64_t now,
			  struct recur_err *e)
{
	/* Stripe: "The maximum number of trial period days is 730 (2 years)." */
	const int64_t max_secs = BILLING_TRIAL_MAX_DAYS * SECS_PER_DAY;
	struct billing_trial r = {false, now, now};

	if (!calendar_in_range(now))
		return err_invalid(e, NULL, "Invalid current time.");
	switch (spec->kind) {
	case BILLING_TRIAL_NONE:
	case BILLING_TRIAL_END_NOW:
		break;
	case BILLING_TRIAL_DAYS:
		if (spec->value < 0 || spec->value > BILLING_TRIAL_MAX_DAYS)
			return err_invalid(e, "trial_period_days",
					   "Invalid trial_period_days: must be between 0 and %d.",
					   BILLING_TRIAL_MAX_DAYS);
		r.trialing = spec->value > 0;
		r.end = now + spec->value * SECS_PER_DAY;
		break;
	case BILLING_TRIAL_END:
		if (spec->value <= now)
			return err_invalid(e, "trial_end",
					   "Invalid trial_end: must be in the future, or 'now' to end the trial.");
		if (spec->value > now + max_secs)
			return err_invalid(e, "trial_end",
					   "Invalid trial_end: the maximum number of trial period days is %d (2 years).",
					   BILLING_TRIAL_MAX_DAYS);
		r.trialing = true;
		r.end = spec->value;
		break;
	default:
		return err_invalid(e, NULL, "Invalid trial kind.");
	}
	/* now + 730 days may pass 9999-12-31; keep every result in range. */
	if (!calendar_in_range(r.end))
		return err_invalid(e, spec->kind == BILLING_TRIAL_DAYS ? "trial_period_days"
								     : "trial_end",
				   "Invalid trial: it would end after 9999-12-31.");
	*out = r;
	return 0;
}

/* day, or the month's last day if the month is shorter (Stripe's clamp). */
static int clamp_day(int year, int month, int day)
{
	int dim = calendar_days_in_month(year, month);
	return day < dim ? day : dim;
}

/*
 * The first instant at or after `from` whose month is `month` (0: any), whose
 * day is `day` clamped to that month and whose time of day is tod's. Only two
 * candidates can qualify: in `from`'s own month (or this year's `month`), and
 * otherwise in the next month (or next year's `month`), which always lies
 * after `from`.
 */
static int next_config_instant(int64_t *out, int64_t from, int day, int month,
			       const struct civil *tod)
{
	struct civil c;
	int64_t t;

	calendar_to_civil(&c, from);
	c.hour = tod->hour;
	c.min = tod->min;
	c.sec = tod->sec;
	if (month != 0)
		c.month = month;
	c.day = clamp_day(c.year, c.month, day);
	t = calendar_from_civil(&c);
	if (t < from) {
		if (month == 0) {
			c.year += c.month == 12;
			c.month = c.month % 12 + 1;
		} else {
			c.year += 1;
		}
		c.day = clamp_day(c.year, c.month, day);
		t = calendar_from_civil(&c);
	}
	if (!calendar_in_range(t))
		return RECUR_EOVERFLOW;
	*out = t;
	return 0;
}

static int config_invalid(struct recur_err *e, const char *field,
			  const char *range)
{
	char param[64];

	/* The bracketed name the client sent, as params_nest would write it. */
	(void)snprintf(param, sizeof(param), "billing_cycle_anchor_config[%s]",
		       field);
	return err_invalid(e, param,
			   "Invalid billing_cycle_anchor_config[%s]: must be %s.",
			   field, range);
}

static int resolve_config(int64_t *out, const struct billing_anchor_config *cfg,
			  enum calendar_unit unit, int64_t start,
			  struct recur_err *e)
{
	struct civil tod;
	int rc;

	if (unit != CAL_MONTH && unit != CAL_YEAR)
		return err_invalid(e, "billing_cycle_anchor_config",
				   "billing_cycle_anchor_config is only valid with monthly and yearly intervals.");
	if (cfg->day_of_month < 1 || cfg->day_of_month > 31)
		return config_invalid(e, "day_of_month", "between 1 and 31");
	if (cfg->month != 0 && (unit != CAL_YEAR || cfg->month < 1 ||
				cfg->month > 12))
		return config_invalid(e, "month",
				      "between 1 and 12, and is only valid with a yearly interval");
	if (cfg->hour < -1 || cfg->hour > 23)
		return config_invalid(e, "hour", "between 0 and 23");
	if (cfg->minute < -1 || cfg->minute > 59)
		return config_invalid(e, "minute", "between 0 and 59");
	if (cfg->second < -1 || cfg->second > 59)
		return config_invalid(e, "second", "between 0 and 59");

	calendar_to_civil(&tod, start);
	if (cfg->hour >= 0)
		tod.hour = cfg->hour;
	if (cfg->minute >= 0)
		tod.min = cfg->minute;
	if (cfg->second >= 0)
		tod.sec = cfg->second;
	rc = next_config_instant(out, start, cfg->day_of_month, cfg->month, &tod);
	if (rc == RECUR_EOVERFLOW)
		return err_invalid(e, "billing_cycle_anchor_config",
				   "Invalid billing_cycle_anchor_config: the anchor would be after 9999-12-31.");
	return rc;
}

int billing_anchor_resolve(struct billing_anchor *out,
			   const struct billing_anchor_spec *spec,
			   const struct billing_interval *iv, int64_t now,
			   const struct billing_trial *trial,
			   struct recur_err *e)
{
	struct billing_anchor r = {0};
	int64_t natural;
	int rc;

	rc = billing_interval_validate(iv, e);
	if (rc != 0)
		goto done;
	if (!calendar_in_range(now)) {
		rc = err_invalid(e, NULL, "Invalid current time.");
		goto done;
	}
	/* Stripe: with a trial, the anchor defaults to the trial end. */
	r.start = trial && trial->trialing ? trial->end : now;
	if (!calendar_in_range(r.start)) {
		rc = err_invalid(e, "trial_end", "Invalid trial_end.");
		goto done;
	}

	switch (spec->kind) {
	case BILLING_ANCHOR_DEFAULT:
		r.anchor = r.start;
		break;
	case BILLING_ANCHOR_TIMESTAMP:
		if (spec->timestamp < r.start) {
			rc = err_invalid(e, "billing_cycle_anchor",
					 trial && trial->trialing
						 ? "Invalid billing_cycle_anchor: must not be before trial_end."
						 : "Invalid billing_cycle_anchor: must be in the future.");
			goto done;
		}
		/* Past the calendar's end every later timestamp is out of range anyway. */
		if (calendar_add_interval(&natural, r.start, iv->unit, iv->count) != 0)
			natural = CALENDAR_MAX_T;
		if (spec->timestamp > natural) {
			rc = err_invalid(e, "billing_cycle_anchor",
					 "Invalid billing_cycle_anchor: cannot be later than next natural billing date (%lld).",
					 (long long)natural);
			goto done;
		}
		r.anchor = spec->timestamp;
		break;
	case BILLING_ANCHOR_CONFIG:
		rc = resolve_config(&r.anchor, &spec->config, iv->unit, r.start, e);
		if (rc != 0)
			goto done;
		r.anchor_day = spec->config.day_of_month;
		break;
	default:
		rc = err_invalid(e, "billing_cycle_anchor",
				 "Invalid billing_cycle_anchor kind.");
		goto done;
	}

	rc = billing_period_boundary(&r.stub_period_start, r.anchor, r.anchor_day,
				     iv->unit, iv->count, -1);
	if (rc != 0) {
		rc = err_invalid(e, "billing_cycle_anchor",
				 "Invalid billing_cycle_anchor: the period before it starts before 0001-01-01.");
		goto done;
	}
	*out = r;
done:
	return rc;
}
