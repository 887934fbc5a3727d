/*
 * subscription_schedule_internal.h - what subscription_schedule.c (the
 * object, its phases and the endpoints that edit it) and
 * subscription_schedule_run.c (starting, phase changes, ending, cancel and
 * release) share. Not for other services: they use subscription_schedule.h.
 *
 * A schedule row carries phase_index (the phase its subscription is in) and
 * due_at (a not_started schedule's start) next to the Stripe fields;
 * sched_render removes them and adds current_phase.
 */
#ifndef RECUR_SERVICE_SUBSCRIPTION_SCHEDULE_INTERNAL_H
#define RECUR_SERVICE_SUBSCRIPTION_SCHEDULE_INTERNAL_H

#include "service/subscription_schedule.h"

int sched_get(json_t **out, struct svc *s, const char *id, struct recur_err *e);
/* The Stripe object for a row (new reference). */
json_t *sched_render(const json_t *row);
/*
 * Writes row over its stored row; when type is set, appends that event with
 * previous_attributes against before (when given; an update that changes
 * nothing visible appends no subscription_schedule.updated).
 */
int sched_save(struct svc *s, const json_t *row, const json_t *before, const char *type,
	       struct recur_err *e);

/*
 * A copy of s for running another use case (subscription create, update,
 * cancel) at t inside s's transaction: now is t, no commit hook (the outer
 * transaction's hook runs once, at its own commit). A customer on a test
 * clock has the clock's frozen_time moved to t first when it is earlier:
 * during an advance the due work at t runs with the clock at t, so the use
 * case sees t as its now (the advance sets the final time after).
 */
int sched_at(struct svc *inner, struct svc *s, const char *clock, int64_t t,
	     struct recur_err *e);

/* The subscription's now: its test clock's time, or s->now. */
int sched_now(int64_t *out, struct svc *s, const json_t *row, struct recur_err *e);

/*
 * Creates the subscription of a not_started schedule at t from its first
 * phase and makes the schedule active (row is updated in place and saved,
 * with no event: the caller appends it).
 */
int sched_start(struct svc *s, json_t *row, int64_t t, struct recur_err *e);

/*
 * Applies phase (a rendered phase of row) to row's subscription at t:
 * items, default tax rates, coupon, collection method and metadata, through
 * the subscription update (its proration rules and customer.subscription.
 * updated), with proration (NULL: the phase's proration_behavior; none when
 * t is the end of the current period, where nothing is left to prorate) and
 * a new billing cycle when the phase's billing_cycle_anchor is phase_start.
 */
int sched_apply_phase(struct svc *s, const json_t *row, const json_t *phase, int64_t t,
		      const char *proration, struct recur_err *e);

/*
 * Reads phases (a parameter array) into *out, rendered, dated from start.
 * param prefixes errors ("phases"). currency: what every price must be in
 * (NULL: the first price's).
 */
int sched_phases_param(json_t **out, struct svc *s, const json_t *phases, int64_t start,
		       const char *currency, const char *param, struct recur_err *e);

#endif
