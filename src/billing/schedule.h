/*
 * schedule.h - the dates of a subscription schedule's phases (Stripe's
 * subscription_schedules).
 *
 * Phases follow each other without gaps: the first starts at the schedule's
 * start_date, each later one where the one before it ends. A phase ends at
 * its end_date when one is given, otherwise after `iterations` billing
 * periods of its prices (Stripe: iterations=2 of a price billed every 3
 * months is 6 months), counted from the phase's start with the calendar's
 * anchor-day clamping (Jan 31 + 1 month = Feb 28/29). A phase given neither
 * lasts one iteration.
 *
 * Pure: no I/O, no clock, no allocation. Every time is an argument.
 */
#ifndef RECUR_BILLING_SCHEDULE_H
#define RECUR_BILLING_SCHEDULE_H

#include <stddef.h>
#include <stdint.h>

#include "core/calendar.h"

#define BILLING_SCHEDULE_MAX_PHASES 10 /* Stripe's limit of phases per schedule */
#define BILLING_SCHEDULE_MAX_ITERATIONS 1000

struct billing_schedule_phase {
	/* in */
	int64_t end_date;         /* 0: none given */
	int64_t iterations;       /* 0: none given (one iteration unless end_date) */
	enum calendar_unit unit;  /* the interval of the phase's prices */
	int64_t count;
	/* out */
	int64_t start;
	int64_t end;
};

enum billing_schedule_fault {
	BILLING_SCHEDULE_OK = 0,
	BILLING_SCHEDULE_BOTH,       /* end_date and iterations both given */
	BILLING_SCHEDULE_END_BEFORE, /* end_date at or before the phase's start */
	BILLING_SCHEDULE_RANGE,      /* iterations out of 1..MAX, or the date overflows */
};

/*
 * Fills start and end of phases[0..n) from start. Returns 0, or -1 with
 * *fault and *bad (the index of the first phase at fault) set; phases before
 * *bad are filled.
 */
int billing_schedule_dates(struct billing_schedule_phase *phases, size_t n, int64_t start,
			   enum billing_schedule_fault *fault, size_t *bad);

/*
 * The phase t falls in (start <= t < end) among dated phases: its index, n
 * when t is at or after the last end, or (size_t)-1 before the first start.
 */
size_t billing_schedule_phase_at(const struct billing_schedule_phase *phases, size_t n, int64_t t);

#endif
