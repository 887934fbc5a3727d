/*
 * schedule.c - phase dates of subscription schedules (schedule.h).
 */
#include "billing/schedule.h"

int billing_schedule_dates(struct billing_schedule_phase *phases, size_t n, int64_t start,
			   enum billing_schedule_fault *fault, size_t *bad)
{
	int64_t at = start;
	*fault = BILLING_SCHEDULE_OK;
	*bad = 0;
	for (size_t i = 0; i < n; i++) {
		struct billing_schedule_phase *p = &phases[i];
		p->start = at;
		*bad = i;
		if (p->end_date && p->iterations) {
			*fault = BILLING_SCHEDULE_BOTH;
			return -1;
		}
		if (p->end_date) {
			if (p->end_date <= at) {
				*fault = BILLING_SCHEDULE_END_BEFORE;
				return -1;
			}
			p->end = p->end_date;
		} else {
			int64_t iterations = p->iterations ? p->iterations : 1;
			/*
			 * One step of count*iterations units from the phase's start (not
			 * iterations steps of count): the anchor day is the start's, so
			 * Jan 31 + 2 months is Mar 31, not Mar 28.
			 */
			if (iterations < 1 || iterations > BILLING_SCHEDULE_MAX_ITERATIONS ||
			    p->count < 1 ||
			    calendar_add_interval(&p->end, at, p->unit, p->count * iterations) < 0 ||
			    p->end <= at) {
				*fault = BILLING_SCHEDULE_RANGE;
				return -1;
			}
		}
		at = p->end;
	}
	return 0;
}

size_t billing_schedule_phase_at(const struct billing_schedule_phase *phases, size_t n, int64_t t)
{
	if (n == 0 || t < phases[0].start)
		return (size_t)-1;
	for (size_t i = 0; i < n; i++)
		if (t < phases[i].end)
			return i;
	return n;
}
