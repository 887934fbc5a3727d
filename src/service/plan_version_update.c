/*
 * plan_version_update.c - POST /v1/plan_families/:id/version_updates: moves
 * every live subscription on an old price to its new version at each one's
 * next period (docs/billing.md "Plan version updates").
 *
 * Nothing is billed here: each subscription gets a scheduled migration
 * (migration_schedule.c) along the family's rule from -> to, so the switch
 * itself is its own due work at its own period end, run by the clock like
 * any renewal. Scheduling is done in batches of PVU_BATCH subscriptions,
 * each batch its own transaction, so 100,000 subscriptions are not one
 * transaction holding the database; each subscription in a batch is a
 * savepoint, so one that cannot be scheduled (a schedule made by hand
 * manages it) is skipped and counted, not fatal. A run cut short leaves the
 * update in_progress with the batches done committed; the same request again
 * schedules the rest (a subscription scheduled already is rescheduled to the
 * same thing).
 */
#include "service/plan_version_update.h"
#include "core/ids.h"
#include "service/migration_internal.h"
#include "service/params.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PVU_BATCH 200

static const struct store_col cols[] = {
	{ "plan_family", COL_TEXT, 0 },
	{ "from_price", COL_TEXT, 0 },
	{ "to_price", COL_TEXT, 0 },
	{ "status", COL_TEXT, 0 },
	{ "subscriptions", COL_INT, 0 },
	{ "scheduled", COL_INT, 0 },
	{ "skipped", COL_INT, 0 },
};

const struct store_table svc_plan_version_updates_table = {
	.table = "plan_version_updates", .object = "plan_version_update",
	.noun = "plan version update", .cols = cols, .ncols = sizeof(cols) / sizeof(cols[0]),
};

/* Live subscriptions with an item on the price (a subscription once even with two). */
static const char on_price[] =
	" FROM subscriptions s WHERE s.tenant_id = $1 AND s.livemode = $2"
	" AND s.status IN ('active', 'trialing', 'past_due') AND EXISTS (SELECT 1 FROM"
	" subscription_items i WHERE i.tenant_id = s.tenant_id AND i.livemode = s.livemode"
	" AND i.subscription = s.id AND i.deleted = 0 AND i.price = $3)";

struct batch {
	char ids[PVU_BATCH][IDS_MAX];
	int64_t last_seq;
	size_t n;
};

static int read_batch(void *ctx, const struct store_row *row)
{
	struct batch *b = ctx;
	snprintf(b->ids[b->n], sizeof(b->ids[b->n]), "%s", store_row_text(row, 0, NULL));
	b->last_seq = store_row_int(row, 1);
	b->n++;
	return b->n >= PVU_BATCH;
}

static int next_batch(struct batch *b, struct svc *s, const char *price, int64_t after,
		      struct recur_err *e)
{
	char sql[1024];
	struct store_val p[] = { SV_TEXT(s->scope.tenant), SV_INT(s->scope.livemode),
				 SV_TEXT(price), SV_INT(after), SV_INT(PVU_BATCH) };
	b->n = 0;
	snprintf(sql, sizeof(sql), "SELECT s.id, s.seq%s AND s.seq > $4 ORDER BY s.seq LIMIT $5",
		 on_price);
	int rc = store_query(s->db, sql, p, 5, read_batch, b, e);
	return rc < 0 ? rc : 0;
}

/* Checks the request against the family: from and to members, a rule allowing next_period. */
static int check(json_t **family, struct svc *s, const char *id, const char *from,
		 const char *to, struct recur_err *e)
{
	struct billing_migration_rule rules[SVC_FAMILY_MAX_RULES];
	size_t n = 0;
	json_t *f = NULL;
	int rc = store_obj_get(&f, s->db, &svc_plan_families_table, &s->scope, id, e);
	if (rc < 0)
		return rc;
	*family = f;
	if ((rc = svc_plan_family_rules(rules, &n, f, e)) < 0)
		return rc;
	bool has_from = false, has_to = false;
	size_t i;
	json_t *pr;
	json_array_foreach(json_object_get(f, "prices"), i, pr) {
		has_from = has_from || strcmp(json_string_value(pr), from) == 0;
		has_to = has_to || strcmp(json_string_value(pr), to) == 0;
	}
	if (!has_from)
		return err_invalid(e, "from", "The price %s is not in the plan family %s", from, id);
	if (!has_to)
		return err_invalid(e, "to", "The price %s is not in the plan family %s", to, id);
	const struct billing_migration_rule *rule = billing_migration_rule_find(rules, n, from, to);
	if (!rule)
		return err_invalid(e, "to", "The plan family %s has no rule from %s to %s", id, from,
				   to);
	if (!billing_migration_timing_allowed(rule, BILLING_MIGRATION_NEXT_PERIOD))
		return err_invalid(e, "to", "The rule from %s to %s does not allow timing"
				   " next_period, which a version update uses", from, to);
	return 0;
}

/* Schedules one subscription's migration in a savepoint: 1 scheduled, 0 skipped. */
static int schedule_one(struct svc *s, const char *sub, const char *from, const char *to,
			const char *vu, struct recur_err *e)
{
	struct mig_plan p;
	struct migrate_req r = { .price = to, .timing = BILLING_MIGRATION_NEXT_PERIOD,
				 .version_update = vu };
	int rc = store_begin(s->db, e);
	if (rc < 0)
		return rc;
	rc = mig_plan_load(&p, s, sub, to, e);
	/* Its plan item must be on from: a subscription with from as an add-on is not moved. */
	if (rc == 0 && strcmp(p.from, from) != 0)
		rc = err_invalid(e, "from", "The plan item of %s is not on %s", sub, from);
	if (rc == 0)
		rc = mig_schedule(NULL, NULL, s, &p, &r, e);
	mig_plan_free(&p);
	if (rc < 0) {
		store_rollback(s->db);
		if (e->status != 400)
			return rc;
		memset(e, 0, sizeof(*e));
		return 0;
	}
	rc = store_commit(s->db, e);
	return rc < 0 ? rc : 1;
}

static json_t *render(const json_t *row)
{
	json_t *o = json_deep_copy(row);
	json_object_set(o, "from", json_object_get(o, "from_price"));
	json_object_set(o, "to", json_object_get(o, "to_price"));
	json_object_del(o, "from_price");
	json_object_del(o, "to_price");
	return o;
}

static const char *const create_params[] = { "from", "to", "dry_run", NULL };

int svc_plan_version_update_create(json_t **out, struct svc *s, const char *family_id,
				   const json_t *p, struct recur_err *e)
{
	const char *from = NULL, *to = NULL;
	bool dry_run = false;
	json_t *family = NULL, *row = NULL;
	int64_t count = 0;
	bool found = false;
	int rc;
	*out = NULL;
	if ((rc = params_only(p, create_params, e)) < 0 ||
	    (rc = params_require(p, "from", e)) < 0 || (rc = params_require(p, "to", e)) < 0 ||
	    (rc = params_string(&from, p, "from", 255, e)) < 0 ||
	    (rc = params_string(&to, p, "to", 255, e)) < 0 ||
	    (rc = params_bool(&dry_run, p, "dry_run", e)) < 0)
		return rc;
	if ((rc = svc_begin(s, e)) < 0)
		return rc;
	char sql[1024];
	struct store_val q[] = { SV_TEXT(s->scope.tenant), SV_INT(s->scope.livemode),
				 SV_TEXT(from) };
	snprintf(sql, sizeof(sql), "SELECT COUNT(*)%s", on_price);
	if ((rc = check(&family, s, family_id, from, to, e)) < 0 ||
	    (rc = store_query_int(&count, &found, s->db, sql, q, 3, e)) < 0)
		goto done;
	char vid[IDS_MAX];
	ids_new(vid, sizeof(vid), "pvu");
	row = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:I, s:I, s:I}", "id", vid, "created",
			(json_int_t)s->now, "plan_family", family_id, "from_price", from, "to_price",
			to, "status", dry_run ? "dry_run" : "in_progress", "subscriptions",
			(json_int_t)count, "scheduled", (json_int_t)0, "skipped", (json_int_t)0);
	if (dry_run) {
		/* The count alone: nothing is written. */
		*out = render(row);
		json_object_set_new(*out, "id", json_null());
		json_object_set_new(*out, "object", json_string("plan_version_update"));
		json_object_set_new(*out, "dry_run", json_true());
		goto done;
	}
	if ((rc = store_obj_insert(s->db, &svc_plan_version_updates_table, &s->scope, row, e)) < 0)
		goto done;
	/* Each batch commits on its own; the request's commit hook runs with the last. */
	int (*hook)(void *, struct store *, struct recur_err *) = s->commit_hook;
	s->commit_hook = NULL;
	int64_t cursor = 0, scheduled = 0, skipped = 0;
	struct batch *b = calloc(1, sizeof(*b));
	if (!b) {
		rc = err_internal(e, "out of memory");
		goto restore;
	}
	for (;;) {
		if ((rc = next_batch(b, s, from, cursor, e)) < 0)
			break;
		for (size_t i = 0; i < b->n && rc >= 0; i++) {
			rc = schedule_one(s, b->ids[i], from, to, vid, e);
			scheduled += rc == 1;
			skipped += rc == 0;
		}
		if (rc < 0)
			break;
		cursor = b->last_seq;
		json_object_set_new(row, "scheduled", json_integer(scheduled));
		json_object_set_new(row, "skipped", json_integer(skipped));
		if (b->n < PVU_BATCH)
			break;
		if ((rc = store_obj_update(s->db, &svc_plan_version_updates_table, &s->scope, row,
					   e)) < 0 ||
		    (rc = svc_finish(s, 0, e)) < 0 || (rc = svc_begin(s, e)) < 0)
			break;
	}
	free(b);
restore:
	s->commit_hook = hook;
	if (rc < 0)
		goto done;
	/* Subscriptions that came or left while it ran: the count is what it did. */
	json_object_set_new(row, "subscriptions", json_integer(scheduled + skipped));
	json_object_set_new(row, "status", json_string("completed"));
	if ((rc = store_obj_update(s->db, &svc_plan_version_updates_table, &s->scope, row, e)) < 0)
		goto done;
	*out = render(row);
	json_object_set_new(*out, "object", json_string("plan_version_update"));
	json_object_set_new(*out, "dry_run", json_false());
done:
	if (dry_run && rc >= 0) {
		store_rollback(s->db);
	} else {
		rc = svc_finish(s, rc, e);
		if (rc < 0) {
			json_decref(*out);
			*out = NULL;
		}
	}
	json_decref(family);
	json_decref(row);
	return rc < 0 ? rc : 0;
}
