/*
 * plan_version_update.h - plan version updates in bulk (recur's own
 * POST /v1/plan_families/:id/version_updates; docs/billing.md "Plan version
 * updates"): every active, trialing or past_due subscription whose plan item
 * is on price `from` gets a scheduled migration to `to` at its next period,
 * along the family's rule from -> to (which must allow next_period).
 *
 * dry_run=true answers the number of such subscriptions and writes nothing.
 * Otherwise the answer is the plan_version_update (pvu_...) with status
 * completed and its counts: subscriptions (seen), scheduled, skipped (a
 * subscription a hand-made schedule manages, or whose plan item is another
 * price). Opens its own transactions: one per batch (plan_version_update.c).
 */
#ifndef RECUR_SERVICE_PLAN_VERSION_UPDATE_H
#define RECUR_SERVICE_PLAN_VERSION_UPDATE_H

#include "service/service.h"

extern const struct store_table svc_plan_version_updates_table;

int svc_plan_version_update_create(json_t **out, struct svc *s, const char *family_id,
				   const json_t *p, struct recur_err *e);

#endif
