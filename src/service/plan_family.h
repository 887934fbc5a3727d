/*
 * plan_family.h - the plan family catalog (recur's own /v1/plan_families):
 * a name, member prices and migration rules (billing/plan_family.h).
 *
 * A price belongs to at most one family (plan_family_prices' key). Rules are
 * between members, from != to, each (from, to) once. A rule's defaults:
 * kind custom, timings [now], proration_behavior always_invoice,
 * credit_unused true, carry_discounts true, alignment auto.
 */
#ifndef RECUR_SERVICE_PLAN_FAMILY_H
#define RECUR_SERVICE_PLAN_FAMILY_H

#include "billing/plan_family.h"
#include "service/service.h"

#define SVC_FAMILY_MAX_PRICES 50
#define SVC_FAMILY_MAX_RULES 100

extern const struct store_table svc_plan_families_table;

int svc_plan_family_create(json_t **out, struct svc *s, const json_t *p, struct recur_err *e);
int svc_plan_family_retrieve(json_t **out, struct svc *s, const char *id, struct recur_err *e);
int svc_plan_family_update(json_t **out, struct svc *s, const char *id, const json_t *p,
			   struct recur_err *e);
int svc_plan_family_list(json_t **out, struct svc *s, const json_t *p, struct recur_err *e);

/*
 * The family price is a member of, inside the caller's transaction: 1 with
 * *out the family (new reference), 0 when the price is in no family.
 */
int svc_plan_family_of_price(json_t **out, struct svc *s, const char *price, struct recur_err *e);

/*
 * The rules of a stored family as structs (strings borrowed from family,
 * which must outlive them); *n their number (at most SVC_FAMILY_MAX_RULES).
 */
int svc_plan_family_rules(struct billing_migration_rule *out, size_t *n, const json_t *family,
			  struct recur_err *e);

/* A rule as the API renders it (new reference). */
json_t *svc_plan_family_rule_json(const struct billing_migration_rule *r);

#endif
