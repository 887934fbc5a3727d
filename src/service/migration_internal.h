/*
 * migration_internal.h - what migration.c (the request, migrations now and
 * the record), migration_schedule.c (scheduled migrations: scheduling,
 * removing, running at the phase start, previewing) and plan_version_update.c
 * (bulk version updates) share. Not for other services: they use
 * migration.h.
 */
#ifndef RECUR_SERVICE_MIGRATION_INTERNAL_H
#define RECUR_SERVICE_MIGRATION_INTERNAL_H

#include "service/migration.h"
#include "service/plan_family.h"

/* What a request asks (or, at run time, what a scheduled migration stored). */
struct migrate_req {
	const char *price;
	int64_t quantity;      /* 0: the plan item's */
	enum billing_migration_timing timing;
	int64_t date;
	const char *proration; /* overrides, NULL when not given */
	int has_credit, has_alignment;
	bool credit_unused;
	enum billing_alignment alignment;
	bool preview;
	json_t *metadata;
	const char *version_update; /* the bulk update scheduling it, NULL otherwise */
};

/*
 * A subscription and the rule its plan item moves along (mig_plan_load):
 * sub is its row, items its items, item the plan item (in items), family
 * and target (the destination price) rows, rule one of rules. now is the
 * subscription's time.
 */
struct mig_plan {
	json_t *sub, *items, *family, *target;
	const json_t *item;
	const char *from;
	struct billing_migration_rule rules[SVC_FAMILY_MAX_RULES];
	size_t nrules;
	const struct billing_migration_rule *rule;
	int64_t now;
};

/*
 * Loads the plan of moving subscription id's plan item to price `to`: a 400
 * (param price) when the subscription cannot move there along a rule of
 * its family. Timings are the caller's to check.
 */
int mig_plan_load(struct mig_plan *p, struct svc *s, const char *id, const char *to,
		  struct recur_err *e);
void mig_plan_free(struct mig_plan *p);

/*
 * The billing-period alignment of the plan's move under r's override or the
 * rule's: *new_period, with the intervals from and to; a 400 (param price,
 * or overrides[alignment]) for keep across different intervals.
 */
int mig_alignment(bool *new_period, struct billing_interval *old_iv,
		  struct billing_interval *new_iv, const struct mig_plan *p,
		  const struct migrate_req *r, struct recur_err *e);

/* A migration row just written, as the API shows it (new reference; NULL: out of memory). */
json_t *mig_as_read(struct svc *s, const json_t *row);

/* Reads overrides {proration_behavior, credit_unused, alignment} into r. */
int mig_overrides_param(struct migrate_req *r, const json_t *p, struct recur_err *e);

/*
 * Moves the plan item now (at s->now), inside the caller's transaction: the
 * subscription update under the rule's settings with r's overrides,
 * the MRR movement, and the migration row: inserted as completed when row
 * is NULL, else row (a scheduled migration as stored) updated to completed.
 * at_boundary: the move happens where a period ends (a scheduled migration
 * at the next period), so nothing is prorated and the renewal that follows
 * bills the new price. *sub_out the rendered subscription, *mig_out the
 * migration object.
 */
int mig_apply(json_t **sub_out, json_t **mig_out, struct svc *s, struct mig_plan *p,
	      const struct migrate_req *r, json_t *row, bool at_boundary, struct recur_err *e);

/*
 * Schedules the plan's migration at r->timing (next_period: the current
 * period's end; date: r->date), inside the caller's transaction: a
 * scheduled migration of the subscription is replaced (canceled), the
 * subscription's schedule (made when it has none) gets the phases "as now
 * until then, then the destination price". *sub_out the rendered
 * subscription, *mig_out the migration object (status scheduled).
 */
int mig_schedule(json_t **sub_out, json_t **mig_out, struct svc *s, struct mig_plan *p,
		 const struct migrate_req *r, struct recur_err *e);

/*
 * The preview of a scheduled migration just made inside a transaction the
 * caller rolls back: runs the subscription's due work up to the migration's
 * effective_at and gives the invoice made then (new reference, NULL when
 * none) and the migration as it ran (*mig replaced).
 */
int mig_schedule_preview(json_t **inv, json_t **mig, struct svc *s, const char *sub_id,
			 struct recur_err *e);

/* The subscription's scheduled migration row (new reference), 0 when none, 1 when found. */
int mig_scheduled_row(json_t **out, struct svc *s, const char *sub_id, struct recur_err *e);

/* The stored row as the API shows it (in place). */
void mig_present(json_t *m);

#endif
