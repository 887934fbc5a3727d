/*
 * subscription_schedule.h - subscription schedules (Stripe's
 * subscription_schedules): a list of phases, each a set of items (prices and
 * quantities) and settings a subscription has for a while, and what happens
 * when the last phase ends (end_behavior release: the subscription goes on
 * alone; cancel: it is canceled).
 *
 * Statuses: not_started (start_date in the future, no subscription yet) ->
 * active (it manages its subscription) -> completed (the last phase ended
 * under end_behavior release) | canceled (canceled, or ended under
 * end_behavior cancel, or its subscription was canceled) | released
 * (released by request: the subscription goes on alone).
 *
 * Driving (docs/billing.md "Subscription schedules"): a started schedule's
 * phase changes are its subscription's due work. The subscription carries
 * schedule_due_at, the current phase's end, and its due_at is never later;
 * renewal.c runs a due phase change first in its step, so a phase change
 * due at the same instant as a renewal is applied before the renewal bills,
 * and the renewal bills the new phase's prices. A not_started schedule's
 * start is due work of the schedule itself (its due_at), run before any
 * subscription due at the same instant.
 *
 * Every function here runs inside the caller's transaction unless it says it
 * opens one. *out values are new references the caller releases.
 */
#ifndef RECUR_SERVICE_SUBSCRIPTION_SCHEDULE_H
#define RECUR_SERVICE_SUBSCRIPTION_SCHEDULE_H

#include <stdbool.h>

#include "service/service.h"

extern const struct store_table svc_subscription_schedules_table;

/* The endpoints: each opens its own transaction. */
int svc_schedule_create(json_t **out, struct svc *s, const json_t *p, struct recur_err *e);
int svc_schedule_retrieve(json_t **out, struct svc *s, const char *id, struct recur_err *e);
int svc_schedule_update(json_t **out, struct svc *s, const char *id, const json_t *p,
			struct recur_err *e);
int svc_schedule_list(json_t **out, struct svc *s, const json_t *p, struct recur_err *e);
/* invoice_now and prorate (both default true) go to the subscription's cancellation. */
int svc_schedule_cancel(json_t **out, struct svc *s, const char *id, const json_t *p,
			struct recur_err *e);
int svc_schedule_release(json_t **out, struct svc *s, const char *id, const json_t *p,
			 struct recur_err *e);

/*
 * For other services (scheduled plan migrations), inside the caller's
 * transaction; the caller commits or rolls back.
 *
 * svc_schedule_for_subscription: the schedule managing subscription (the
 * rendered object). When it has none, one is made from it as
 * POST /v1/subscription_schedules from_subscription does (one phase: its
 * items from its current period start to its current period end,
 * end_behavior release, status active) with subscription_schedule.created,
 * and *created is set. A canceled subscription is a 400 naming param
 * (may be NULL: "subscription").
 *
 * svc_schedule_set_phases: replaces the current and future phases of an
 * active or not_started schedule with phases, an array in the form of
 * POST /v1/subscription_schedules/:id's phases[] (parameter tree: strings
 * or typed values). For an active schedule phases[0] is the current phase:
 * its start_date, when given, must be the current phase's start; past
 * phases are kept as they are. A change to the current phase's items or
 * settings is applied to the subscription at once with proration_behavior
 * (NULL: the phase's own). Bad input is a 400 whose param is prefixed with
 * param (NULL: "phases"), e.g. "phases[1][items][0][price]"; the caller's
 * transaction is then to be rolled back. Appends subscription_schedule.updated
 * when anything visible changed.
 *
 * Typical use (a migration at the next period): for_subscription, then
 * set_phases with [ {current phase as rendered: items, end_date}, {the new
 * items, iterations or end_date} ].
 */
int svc_schedule_for_subscription(json_t **out, bool *created, struct svc *s,
				  const char *subscription, const char *param,
				  struct recur_err *e);
int svc_schedule_set_phases(json_t **out, struct svc *s, const char *schedule,
			    const json_t *phases, const char *proration_behavior,
			    const char *param, struct recur_err *e);

/*
 * Called when a subscription managed by schedule is canceled at `at` (from
 * sub_end, inside its transaction): an active schedule becomes canceled with
 * subscription_schedule.canceled. Other statuses are left alone.
 */
int svc_schedule_subscription_ended(struct svc *s, const char *schedule, int64_t at,
				    struct recur_err *e);

/*
 * The not_started schedules of a test clock due by until: the earliest one's
 * id (empty when none) and due time. svc_schedule_start_due starts one at t
 * (creates its subscription). Both inside the caller's transaction (the
 * clock's advance).
 */
int svc_schedule_next_due_clock(char *id, size_t cap, int64_t *due, struct svc *s,
				const char *clock, int64_t until, struct recur_err *e);
int svc_schedule_start_due(struct svc *s, const char *id, int64_t t, struct recur_err *e);

/*
 * The wall clock's not_started schedules due by now, as
 * svc_subscription_run_due_wall (service.h's svc_run_due_wall), at most
 * SVC_SCHEDULE_BATCH per call: the scheduler runs it before the
 * subscriptions' due work of the same tick.
 */
#define SVC_SCHEDULE_BATCH 500
int svc_schedule_run_due_wall(int *done, struct store *db, int64_t now, struct recur_err *e);

#endif
