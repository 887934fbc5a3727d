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

/* The subscription's pending migration, else its last one (404 when none). */
int svc_subscription_migration(json_t **out, struct svc *s, const char *id, struct recur_err *e);

#endif
