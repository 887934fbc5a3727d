/*
 * calendar.h - UTC civil dates over int64_t Unix seconds.
 *
 * A point in time is an int64_t count of seconds since 1970-01-01T00:00:00Z,
 * without leap seconds (POSIX time). Calendar fields are derived on demand with
 * the proleptic Gregorian calendar; nothing here reads the clock or consults a
 * time zone database (docs/architecture.md, "Time"). Nothing allocates.
 *
 * Supported range: 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59Z, the years an
 * ISO 8601 four-digit year can write. Fallible functions reject times outside
 * it; the void conversions clamp into it.
 */
#ifndef RECUR_CORE_CALENDAR_H
#define RECUR_CORE_CALENDAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct recur_err;

#define CALENDAR_MIN_T INT64_C(-62135596800) /* 0001-01-01T00:00:00Z */
#define CALENDAR_MAX_T INT64_C(253402300799) /* 9999-12-31T23:59:59Z */

/* Buffer sizes, NUL included, for the two formatters below. */
#define CALENDAR_ISO8601_SIZE 21 /* "2026-01-31T12:00:00Z" */
#define CALENDAR_DATE_SIZE 11    /* "2026-01-31" */

/* Broken-down UTC time. month 1-12, day 1-31, hour 0-23, min/sec 0-59. */
struct civil {
	int year, month, day, hour, min, sec;
};

enum calendar_unit {
	CAL_DAY,
	CAL_WEEK,
	CAL_MONTH,
	CAL_YEAR
};

/* true for Gregorian leap years: divisible by 4, except centuries not by 400. */
bool calendar_is_leap(int year);

/* 28-31; 0 if month is outside 1-12. */
int calendar_days_in_month(int year, int month);

/* true if every field of c is in range and the date exists in the supported range. */
bool calendar_civil_valid(const struct civil *c);

/*
 * Days since 1970-01-01 for a civil date, and back (Howard Hinnant's
 * days_from_civil / civil_from_days). days_from_civil is linear in day, so a
 * day outside the month counts on into the neighbouring months.
 * calendar_civil_from_days sets the time fields to 0 and clamps days into the
 * supported range.
 */
int64_t calendar_days_from_civil(int year, int month, int day);
void calendar_civil_from_days(struct civil *out, int64_t days);

/*
 * Splits t into UTC fields. t outside [CALENDAR_MIN_T, CALENDAR_MAX_T] is
 * clamped to the nearest end; check with calendar_in_range first if that matters.
 */
void calendar_to_civil(struct civil *out, int64_t t);

/*
 * The Unix time of c. Like timegm(), out-of-range fields are normalised rather
 * than rejected: month 13 is January of the next year, day 32 of January is
 * February 1, hour 24 is the next day. Use calendar_civil_valid to be strict.
 * Never overflows for any int field values.
 */
int64_t calendar_from_civil(const struct civil *c);

/* true if CALENDAR_MIN_T <= t <= CALENDAR_MAX_T. */
bool calendar_in_range(int64_t t);

/*
 * *out = anchor + count units (count may be negative). Days and weeks are exact
 * multiples of 86400 s (UTC has no DST). Months and years keep the anchor's
 * day of month and time of day, clamping the day to the target month's last
 * day, as Stripe does for billing cycle anchors: Jan 31 + 1 month = Feb 28
 * (Feb 29 in a leap year), + 2 months = Mar 31; Feb 29 + 1 year = Feb 28.
 *
 * Because of the clamp, month arithmetic does not chain: (Jan 31 + 1) + 1 is
 * Mar 28, while Jan 31 + 2 is Mar 31. Callers computing a sequence of billing
 * periods must always add n from the ORIGINAL anchor, never from the previous
 * period end; calendar_add_months_anchored spells that out.
 *
 * RECUR_EINVAL for an unknown unit or an anchor outside the supported range,
 * RECUR_EOVERFLOW if the result would leave it.
 */
int calendar_add_interval(int64_t *out, int64_t anchor, enum calendar_unit u,
			  int64_t count);

/*
 * The n-th monthly period boundary of a schedule anchored at anchor: exactly
 * calendar_add_interval(out, anchor, CAL_MONTH, n). A schedule anchored on
 * Jan 31 gives Feb 28, Mar 31, Apr 30, ... and never drifts to the 28th.
 */
int calendar_add_months_anchored(int64_t *out, int64_t anchor, int64_t n);

/*
 * "day", "week", "month", "year" (lower case, as Stripe's interval field) to
 * the unit. RECUR_EINVAL otherwise; *out untouched.
 */
int calendar_unit_parse(enum calendar_unit *out, const char *s);

/* The name calendar_unit_parse accepts, or "" for an unknown value. Static string. */
const char *calendar_unit_name(enum calendar_unit u);

/*
 * Parses an RFC 3339 / ISO 8601 extended-format time:
 *   "2026-01-31"                      midnight UTC
 *   "2026-01-31T12:00:00Z"            ('t' and 'z' accepted too, RFC 3339 §5.6)
 *   "2026-01-31T12:00:00.250+01:00"   fraction of 1-9 digits, truncated
 * A date-time must carry Z or an offset: a local time is ambiguous and recur
 * stores UTC. Fields are range-checked (month 13, Feb 30, hour 24 and leap
 * second 60 are rejected; Unix time has no leap seconds) and the result must be
 * in the supported range. RECUR_EINVAL on error, filling e if it is not NULL
 * (e->param left empty for the caller).
 */
int calendar_parse_iso8601(int64_t *out, const char *s, struct recur_err *e);

/*
 * Writes t as "2026-01-31T12:00:00Z" / "2026-01-31" into buf (cap bytes,
 * NUL-terminated). Returns the length (20 / 10), RECUR_ETOOBIG if buf is NULL
 * or cap is too small (buf then holds "" if cap > 0), or RECUR_EINVAL for t
 * outside the supported range.
 */
int calendar_format_iso8601(char *buf, size_t cap, int64_t t);
int calendar_format_date(char *buf, size_t cap, int64_t t);

#endif
