/*
 * migration.h - moving a subscription along its plan family's rules
 * (POST /v1/subscriptions/:id/migrate, GET /v1/subscriptions/:id/migration;
 * docs/billing.md "Plan families and migrations").
 *
 * A subscription's plan item is its item on a family price; it moves only
 * along a rule of that family from its price to the target, at a timing the
 * rule allows (400 on price or timing otherwise). A subscription with no item
 * in a family has nothing to migrate along: changing its price is an update.
 *
 * Timing now is a subscription update with the plan item's price replaced,
 * under the rule's settings (overrides given win): the unused time credited
 * (unless credit_unused is false), the new price charged pro rata; the same
 * interval keeps the billing date, another starts a new period now
 * (alignment auto); the invoice is made, finalized and collected as an
 * update's is. The migration (mig_...) and the MRR movement are written in
 * the same transaction.
 */
#ifndef RECUR_SERVICE_MIGRATION_H
#define RECUR_SERVICE_MIGRATION_H

#include <stdbool.h>

#include "service/service.h"

extern const struct store_table svc_migrations_table;

/*
 * Migrates; *out is the subscription as it is after. With preview=true
 * nothing is written and *out is {object: "subscription_migration_preview",
 * invoice, subscription, migration}: exactly the invoice the real call makes
 * (as a draft with upcoming_ ids) or null when it makes none.
 */
int svc_subscription_migrate(json_t **out, struct svc *s, const char *id, const json_t *p,
			     struct recur_err *e);

/*
 * Timing next_period | date schedules the migration as a subscription
 * schedule phase (migration_schedule.c): status scheduled until it runs,
 * replaced by a later migrate call, removed by
 * svc_subscription_migration_delete (DELETE /v1/subscriptions/:id/migration;
 * a schedule the migration made is released), canceled with its reason when
 * the path is gone by then.
 */
int svc_subscription_migration_delete(json_t **out, struct svc *s, const char *id,
				      struct recur_err *e);

/*
 * Called by the schedule when a phase of subscription starts at t, with at
 * the service at t inside the phase change's transaction: when the phase is
 * a scheduled migration's, runs it (the rule and the destination price read
 * now; at a period end nothing is prorated) and sets *ran, so the schedule
 * does not apply the phase's terms itself.
 */
int svc_migration_run_scheduled(bool *ran, struct svc *at, const char *subscription, int64_t t,
				struct recur_err *e);

/*
 * The schedule of subscription stops managing it (canceled with it, or
 * released by hand), inside the caller's transaction: a scheduled migration
 * of it is canceled, since its phase will never start.
 */
int svc_migration_abandon(struct svc *s, const char *subscription, struct recur_err *e);

/* The subscription's pending migration, else its last one (404 when none). */
int svc_subscription_migration(json_t **out, struct svc *s, const char *id, struct recur_err *e);

#endif
