/*
 * calendar.c - see calendar.h.
 *
 * The C library's broken-down-time functions are banned (docs/architecture.md,
 * scripts/lint.sh): the local-time ones depend on the process TZ, the classic
 * forms share a static buffer, the inverse of the UTC one (timegm) is not in
 * C11 or POSIX, and time_t's range is platform-defined. The conversions below
 * are pure integer arithmetic after Howard Hinnant, "chrono-Compatible
 * Low-Level Date Algorithms" (days_from_civil / civil_from_days), exact for
 * every date of the proleptic Gregorian calendar.
 */
#include "core/calendar.h"

#include "core/err.h"

#include <stdio.h>
#include <string.h>

#define SECS_PER_DAY INT64_C(86400)
#define MIN_YEAR 1
#define MAX_YEAR 9999
#define MIN_DAYS INT64_C(-719162) /* 0001-01-01 */
#define MAX_DAYS INT64_C(2932896) /* 9999-12-31 */

/* Division rounding toward negative infinity; C's / truncates toward zero. */
static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

bool calendar_is_leap(int year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int calendar_days_in_month(int year, int month)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30,
				      31, 31, 30, 31, 30, 31};
	if (month < 1 || month > 12)
		return 0;
	if (month == 2 && calendar_is_leap(year))
		return 29;
	return days[month - 1];
}

bool calendar_civil_valid(const struct civil *c)
{
	return c->year >= MIN_YEAR && c->year <= MAX_YEAR && c->month >= 1 &&
	       c->month <= 12 && c->day >= 1 &&
	       c->day <= calendar_days_in_month(c->year, c->month) &&
	       c->hour >= 0 && c->hour <= 23 && c->min >= 0 && c->min <= 59 &&
	       c->sec >= 0 && c->sec <= 59;
}

/*
 * Hinnant's days_from_civil on int64. The year is shifted to start on March 1
 * so the leap day is the last day of the shifted year; an era is the 400-year
 * (146097-day) Gregorian cycle, and 719468 is the day number of 1970-01-01
 * counted from 0000-03-01.
 */
static int64_t days_from_ymd(int64_t y, int64_t m, int64_t d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = floor_div(y, 400);
	yoe = y - era * 400;                                    /* [0, 399] */
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* linear in d */
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int64_t calendar_days_from_civil(int year, int month, int day)
{
	/* Normalise the month first so that the day stays the only linear field. */
	int64_t m0 = (int64_t)month - 1;
	int64_t y = (int64_t)year + floor_div(m0, 12);
	int64_t m = m0 - floor_div(m0, 12) * 12 + 1;
	return days_from_ymd(y, m, day);
}

void calendar_civil_from_days(struct civil *out, int64_t days)
{
	int64_t z, era, doe, yoe, doy, mp, y, m, d;

	/* Clamping keeps the year inside int, which the fields are. */
	if (days < MIN_DAYS)
		days = MIN_DAYS;
	if (days > MAX_DAYS)
		days = MAX_DAYS;
	z = days + 719468;
	era = floor_div(z, 146097);
	doe = z - era * 146097;                                     /* [0, 146096] */
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);              /* [0, 365] */
	mp = (5 * doy + 2) / 153;                                   /* Mar = 0 */
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y = yoe + era * 400 + (m <= 2);

	out->year = (int)y;
	out->month = (int)m;
	out->day = (int)d;
	out->hour = 0;
	out->min = 0;
	out->sec = 0;
}

bool calendar_in_range(int64_t t)
{
	return t >= CALENDAR_MIN_T && t <= CALENDAR_MAX_T;
}

void calendar_to_civil(struct civil *out, int64_t t)
{
	int64_t days, secs;

	if (t < CALENDAR_MIN_T)
		t = CALENDAR_MIN_T;
	if (t > CALENDAR_MAX_T)
		t = CALENDAR_MAX_T;
	/* Floor, so 1969-12-31T23:59:59Z (t = -1) is day -1, second 86399. */
	days = floor_div(t, SECS_PER_DAY);
	secs = t - days * SECS_PER_DAY;
	calendar_civil_from_days(out, days);
	out->hour = (int)(secs / 3600);
	out->min = (int)(secs / 60 % 60);
	out->sec = (int)(secs % 60);
}

int64_t calendar_from_civil(const struct civil *c)
{
	/*
	 * Every term is an int scaled by at most 86400 * 366: far inside int64,
	 * whatever the fields hold.
	 */
	return calendar_days_from_civil(c->year, c->month, c->day) * SECS_PER_DAY +
	       (int64_t)c->hour * 3600 + (int64_t)c->min * 60 + c->sec;
}

/* The month-clamping core of calendar_add_interval; n is a month count. */
static int add_months(int64_t *out, int64_t anchor, int64_t n)
{
	struct civil c;
	int64_t idx, y;
	int dim;

	calendar_to_civil(&c, anchor);
	/* Months since year 0; anchor is in range, so only + n can overflow. */
	if (__builtin_add_overflow((int64_t)c.year * 12 + (c.month - 1), n, &idx))
		return RECUR_EOVERFLOW;
	y = floor_div(idx, 12);
	if (y < MIN_YEAR || y > MAX_YEAR)
		return RECUR_EOVERFLOW;
	c.year = (int)y;
	c.month = (int)(idx - y * 12) + 1;
	/* Stripe's rule: a day the target month lacks becomes its last day. */
	dim = calendar_days_in_month(c.year, c.month);
	if (c.day > dim)
		c.day = dim;
	*out = calendar_from_civil(&c);
	return 0;
}

int calendar_add_interval(int64_t *out, int64_t anchor, enum calendar_unit u,
			  int64_t count)
{
	int64_t step, delta, t, months;

	if (!calendar_in_range(anchor))
		return RECUR_EINVAL;
	switch (u) {
	case CAL_DAY:
	case CAL_WEEK:
		step = u == CAL_DAY ? SECS_PER_DAY : 7 * SECS_PER_DAY;
		if (__builtin_mul_overflow(count, step, &delta) ||
		    __builtin_add_overflow(anchor, delta, &t) ||
		    !calendar_in_range(t))
			return RECUR_EOVERFLOW;
		*out = t;
		return 0;
	case CAL_MONTH:
		return add_months(out, anchor, count);
	case CAL_YEAR:
		if (__builtin_mul_overflow(count, 12, &months))
			return RECUR_EOVERFLOW;
		return add_months(out, anchor, months);
	}
	return RECUR_EINVAL;
}

int calendar_add_months_anchored(int64_t *out, int64_t anchor, int64_t n)
{
	return calendar_add_interval(out, anchor, CAL_MONTH, n);
}

static const char *const unit_names[] = {
	[CAL_DAY] = "day",
	[CAL_WEEK] = "week",
	[CAL_MONTH] = "month",
	[CAL_YEAR] = "year",
};

int calendar_unit_parse(enum calendar_unit *out, const char *s)
{
	size_t i;

	if (!s)
		return RECUR_EINVAL;
	for (i = 0; i < sizeof(unit_names) / sizeof(unit_names[0]); i++) {
		if (strcmp(s, unit_names[i]) == 0) {
			*out = (enum calendar_unit)i;
			return 0;
		}
	}
	return RECUR_EINVAL;
}

const char *calendar_unit_name(enum calendar_unit u)
{
	if ((unsigned)u >= sizeof(unit_names) / sizeof(unit_names[0]))
		return "";
	return unit_names[u];
}

/* See money.c: echoed input is printable ASCII only, so messages stay UTF-8. */
static void echo(char *dst, size_t cap, const char *s)
{
	size_t i = 0;
	for (; s && *s && i + 4 < cap && i < 32; s++)
		dst[i++] = (*s >= 0x20 && *s <= 0x7e) ? *s : '?';
	if (s && *s && i + 4 <= cap) {
		memcpy(dst + i, "...", 3);
		i += 3;
	}
	dst[i] = '\0';
}

static int fail(struct recur_err *e, const char *s, const char *why)
{
	char shown[40];
	if (!e)
		return RECUR_EINVAL;
	echo(shown, sizeof(shown), s);
	return err_invalid(e, NULL, "Invalid time '%s': %s.", shown, why);
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Reads exactly n digits; leaves *p alone on failure. */
static bool digits(const char **p, int n, int *val)
{
	int i, v = 0;
	for (i = 0; i < n; i++) {
		if (!is_digit((*p)[i]))
			return false;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*val = v;
	return true;
}

/* Consumes ch if it is next; never steps past the terminating NUL. */
static bool expect(const char **p, char ch)
{
	if (**p != ch)
		return false;
	(*p)++;
	return true;
}

int calendar_parse_iso8601(int64_t *out, const char *s, struct recur_err *e)
{
	const char *p = s;
	struct civil c = {0};
	int off_h = 0, off_m = 0, nfrac = 0, sign;
	int64_t t;

	if (!s)
		return fail(e, s, "no time given");
	if (!digits(&p, 4, &c.year) || !expect(&p, '-') ||
	    !digits(&p, 2, &c.month) || !expect(&p, '-') ||
	    !digits(&p, 2, &c.day))
		return fail(e, s, "expected YYYY-MM-DD");
	if (c.year < MIN_YEAR)
		return fail(e, s, "year must be 0001 or later");
	if (c.month < 1 || c.month > 12)
		return fail(e, s, "month must be 01-12");
	if (c.day < 1 || c.day > calendar_days_in_month(c.year, c.month))
		return fail(e, s, "no such day in that month");
	if (*p == '\0') {
		*out = calendar_from_civil(&c);
		return 0;
	}

	if (!expect(&p, 'T') && !expect(&p, 't'))
		return fail(e, s, "expected 'T' after the date");
	if (!digits(&p, 2, &c.hour) || !expect(&p, ':') ||
	    !digits(&p, 2, &c.min) || !expect(&p, ':') ||
	    !digits(&p, 2, &c.sec))
		return fail(e, s, "expected hh:mm:ss after 'T'");
	if (c.hour > 23 || c.min > 59 || c.sec > 59)
		return fail(e, s, "time of day out of range");
	/* ISO 8601 allows ',' as the fraction mark too. Truncated: recur counts seconds. */
	if (expect(&p, '.') || expect(&p, ',')) {
		while (is_digit(*p)) {
			p++;
			nfrac++;
		}
		if (nfrac < 1 || nfrac > 9)
			return fail(e, s, "fraction of a second must have 1-9 digits");
	}

	if (expect(&p, 'Z') || expect(&p, 'z')) {
		sign = 0;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '-' ? -1 : 1;
		p++;
		if (!digits(&p, 2, &off_h) || !expect(&p, ':') ||
		    !digits(&p, 2, &off_m))
			return fail(e, s, "expected an offset of the form +hh:mm");
		if (off_h > 23 || off_m > 59)
			return fail(e, s, "offset out of range");
	} else {
		return fail(e, s, "expected 'Z' or an offset such as +01:00");
	}
	if (*p != '\0')
		return fail(e, s, "unexpected text after the time");

	/* 12:00+01:00 is 11:00Z: subtract the offset. */
	t = calendar_from_civil(&c) - sign * ((int64_t)off_h * 3600 + off_m * 60);
	if (!calendar_in_range(t))
		return fail(e, s, "outside 0001-01-01 .. 9999-12-31 UTC");
	*out = t;
	return 0;
}

/* Shared tail of the formatters: fit checks and the "" on failure. */
static int finish(char *buf, size_t cap, int n)
{
	if (n < 0 || (size_t)n >= cap) {
		if (cap > 0)
			buf[0] = '\0';
		return RECUR_ETOOBIG;
	}
	return n;
}

int calendar_format_iso8601(char *buf, size_t cap, int64_t t)
{
	struct civil c;

	if (!calendar_in_range(t))
		return RECUR_EINVAL;
	if (!buf)
		return RECUR_ETOOBIG;
	calendar_to_civil(&c, t);
	return finish(buf, cap,
		      snprintf(buf, cap, "%04d-%02d-%02dT%02d:%02d:%02dZ", c.year,
			       c.month, c.day, c.hour, c.min, c.sec));
}

int calendar_format_date(char *buf, size_t cap, int64_t t)
{
	struct civil c;

	if (!calendar_in_range(t))
		return RECUR_EINVAL;
	if (!buf)
		return RECUR_ETOOBIG;
	calendar_to_civil(&c, t);
	return finish(buf, cap,
		      snprintf(buf, cap, "%04d-%02d-%02d", c.year, c.month, c.day));
}
