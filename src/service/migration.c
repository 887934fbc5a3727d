/*
 * migration.c - subscription migrations along plan family rules (migration.h).
 *
 * A migration now does not bill anything itself: it is a subscription update
 * (sub_update) of the plan item, so its prorations, discounts, tax, invoice,
 * collection, ledger postings and customer.subscription.updated event are
 * exactly an update's. The preview runs the same code in a transaction it
 * rolls back, as create_preview does, so the invoice it shows is the one the
 * real call makes.
 */
#include "service/migration_internal.h"
#include "core/ids.h"
#include "service/mrr.h"
#include "service/params.h"
#include "service/price.h"
#include "service/subscription_internal.h"
#include "service/test_clock.h"

#include <stdio.h>
#include <string.h>

static const struct store_col cols[] = {
	{ "subscription", COL_TEXT, 0 },
	{ "customer", COL_TEXT, 0 },
	{ "plan_family", COL_TEXT, 0 },
	{ "from_price", COL_TEXT, 0 },
	{ "to_price", COL_TEXT, 0 },
	{ "quantity", COL_INT, 0 },
	{ "kind", COL_TEXT, 0 },
	{ "timing", COL_TEXT, 0 },
	{ "effective_at", COL_INT, 0 },
	{ "status", COL_TEXT, 0 },
	{ "settings", COL_JSON, 0 },
	{ "invoice", COL_TEXT, 0 },
	{ "metadata", COL_JSON, 0 },
	{ "schedule", COL_TEXT, 0 },
	{ "schedule_created", COL_BOOL, 0 },
	{ "overrides", COL_JSON, 0 },
	{ "version_update", COL_TEXT, 0 },
};

const struct store_table svc_migrations_table = {
	.table = "subscription_migrations", .object = "migration", .noun = "migration",
	.cols = cols, .ncols = sizeof(cols) / sizeof(cols[0]),
};

/* from_price / to_price are stored so; the object says from and to. */
void mig_present(json_t *m)
{
	json_object_del(m, "schedule_created");
	json_object_set(m, "from", json_object_get(m, "from_price"));
	json_object_set(m, "to", json_object_get(m, "to_price"));
	json_object_del(m, "from_price");
	json_object_del(m, "to_price");
}

static const char *const migrate_params[] = { "price", "quantity", "items", "timing", "date",
					      "overrides", "preview", "metadata", NULL };

int mig_overrides_param(struct migrate_req *r, const json_t *p, struct recur_err *e)
{
	static const char *const keys[] = { "proration_behavior", "credit_unused", "alignment",
					    NULL };
	static const char *const prorations[] = { "create_prorations", "none", "always_invoice",
						  NULL };
	static const char *const alignments[] = { "auto", "keep", "new_period", NULL };
	const json_t *o = NULL;
	const char *al = NULL;
	int rc;
	if ((rc = params_object(&o, p, "overrides", e)) <= 0 || !o)
		return rc;
	if ((rc = params_only(o, keys, e)) < 0 ||
	    (rc = params_enum(&r->proration, o, "proration_behavior", prorations, e)) < 0 ||
	    (rc = r->has_credit = params_bool(&r->credit_unused, o, "credit_unused", e)) < 0 ||
	    (rc = r->has_alignment = params_enum(&al, o, "alignment", alignments, e)) < 0)
		return params_nest(e, rc, "overrides");
	if (al)
		billing_alignment_parse(&r->alignment, al);
	return 0;
}

static int req_param(struct migrate_req *r, const json_t *p, struct recur_err *e)
{
	static const char *const item_keys[] = { "price", "quantity", NULL };
	const json_t *items = NULL;
	const char *timing = "now";
	static const char *const timings[] = { "now", "next_period", "date", NULL };
	int rc;
	memset(r, 0, sizeof(*r));
	if ((rc = params_only(p, migrate_params, e)) < 0 ||
	    (rc = params_string(&r->price, p, "price", 255, e)) < 0 ||
	    (rc = params_int(&r->quantity, p, "quantity", 1, SUB_MAX_QUANTITY, e)) < 0 ||
	    (rc = params_array(&items, p, "items", e)) < 0 ||
	    (rc = params_enum(&timing, p, "timing", timings, e)) < 0 ||
	    (rc = params_int(&r->date, p, "date", 1, INT64_MAX, e)) < 0 ||
	    (rc = params_bool(&r->preview, p, "preview", e)) < 0 ||
	    (rc = mig_overrides_param(r, p, e)) < 0 ||
	    (rc = params_metadata(&r->metadata, NULL, p, e)) < 0)
		return rc;
	billing_migration_timing_parse(&r->timing, timing);
	if (items && r->price)
		return err_invalid(e, "items", "Give price or items, not both");
	if (items) {
		/* One plan item moves per migration; the other items stay as they are. */
		const json_t *it = json_array_get(items, 0);
		if (json_array_size(items) != 1 || !json_is_object(it))
			return err_invalid(e, "items", "A migration moves one plan item: give"
					   " items[0][price] (and quantity) only");
		if ((rc = params_only(it, item_keys, e)) < 0 ||
		    (rc = params_require(it, "price", e)) < 0 ||
		    (rc = params_string(&r->price, it, "price", 255, e)) < 0 ||
		    (rc = params_int(&r->quantity, it, "quantity", 1, SUB_MAX_QUANTITY, e)) < 0)
			return params_nest_index(e, rc, "items", 0);
	}
	if (!r->price)
		return err_set(e, RECUR_EINVAL, 400, "invalid_request_error", "parameter_missing",
			       "price", "Missing required param: price.");
	if (r->timing == BILLING_MIGRATION_DATE && !r->date)
		return err_set(e, RECUR_EINVAL, 400, "invalid_request_error", "parameter_missing",
			       "date", "timing=date needs a date");
	if (r->timing != BILLING_MIGRATION_DATE && r->date)
		return err_invalid(e, "date", "date is only for timing=date");
	return 0;
}

/*
 * The plan item of a subscription: its first item on a family price, with
 * that family (new reference). 0 when no item is in a family.
 */
static int plan_item(const json_t **item, json_t **family, struct svc *s, const json_t *items,
		     struct recur_err *e)
{
	size_t i;
	json_t *it;
	int rc;
	json_array_foreach(items, i, it) {
		if ((rc = svc_plan_family_of_price(family, s, json_string_value(json_object_get(it,
								"price")), e)) != 0) {
			*item = it;
			return rc;
		}
	}
	return 0;
}

/* A 400 on price naming where from may go, so the caller sees the declared paths. */
static int no_path(struct recur_err *e, const json_t *family, const char *from, const char *to,
		   const struct billing_migration_rule *rules, size_t n)
{
	char dest[300] = "";
	size_t len = 0;
	for (size_t i = 0; i < n && len < sizeof(dest); i++)
		if (strcmp(rules[i].from, from) == 0)
			len += (size_t)snprintf(dest + len, sizeof(dest) - len, "%s%s", len ? ", " : "",
						rules[i].to);
	return err_invalid(e, "price", "No migration path from %s to %s in plan family %s; from %s"
			   " it allows: %s", from, to,
			   json_string_value(json_object_get(family, "id")), from,
			   dest[0] ? dest : "none");
}

/* The parameters of the subscription update a migration now is. */
static json_t *update_params(const struct mig_plan *p, const char *price, int64_t qty,
			     const char *proration, bool new_period, bool same_interval,
			     bool at_boundary)
{
	json_t *u = json_pack("{s:[{s:O, s:s, s:I}], s:s}", "items", "id",
			      json_object_get(p->item, "id"), "price", price, "quantity",
			      (json_int_t)qty, "proration_behavior", proration);
	/* Another interval starts a new cycle by itself; the same one only when asked. */
	if (new_period && same_interval && !at_boundary)
		json_object_set_new(u, "billing_cycle_anchor", json_string("now"));
	/* Discount counters left behind: the subscription's discounts end with its old plan. */
	if (!p->rule->carry_discounts)
		json_object_set_new(u, "discounts", json_string(""));
	/*
	 * A trial converted before its end ends now and the paid period starts
	 * (a new cycle, invoiced at once); at the trial's end the trial-end step
	 * that follows bills the paid price.
	 */
	if (p->rule->kind == BILLING_MIGRATION_TRIAL_CONVERSION && !at_boundary &&
	    strcmp(json_string_value(json_object_get(p->sub, "status")), "trialing") == 0)
		json_object_set_new(u, "trial_end", json_string("now"));
	return u;
}

int mig_alignment(bool *new_period, struct billing_interval *old_iv,
		  struct billing_interval *new_iv, const struct mig_plan *p,
		  const struct migrate_req *r, struct recur_err *e)
{
	int rc;
	if ((rc = sub_interval(old_iv, p->sub, e)) < 0 ||
	    (rc = svc_pricing_interval(new_iv, p->target, e)) < 0)
		return rc;
	if (billing_alignment_resolve(new_period, r->has_alignment ? r->alignment
								   : p->rule->alignment,
				      old_iv, new_iv) < 0)
		return err_invalid(e, r->has_alignment ? "overrides[alignment]" : "price",
				   "The billing date cannot be kept when the interval changes");
	return 0;
}

json_t *mig_as_read(struct svc *s, const json_t *row)
{
	json_t *m = store_obj_as_read(&svc_migrations_table, &s->scope, row);
	if (m)
		mig_present(m);
	return m;
}

void mig_plan_free(struct mig_plan *p)
{
	json_decref(p->sub);
	json_decref(p->items);
	json_decref(p->family);
	json_decref(p->target);
	memset(p, 0, sizeof(*p));
}

int mig_plan_load(struct mig_plan *p, struct svc *s, const char *id, const char *to,
		  struct recur_err *e)
{
	int rc;
	memset(p, 0, sizeof(*p));
	if ((rc = sub_get(&p->sub, s, id, e)) < 0)
		return rc;
	const char *status = json_string_value(json_object_get(p->sub, "status"));
	if (strcmp(status, "canceled") == 0 || strcmp(status, "incomplete_expired") == 0 ||
	    strcmp(status, "incomplete") == 0)
		return err_invalid(e, NULL, "A subscription that is %s cannot be migrated", status);
	if ((rc = svc_test_clock_now(&p->now, s, json_string_value(json_object_get(p->sub,
						"test_clock")), e)) < 0 ||
	    (rc = sub_load_items(&p->items, s, id, e)) < 0 ||
	    (rc = plan_item(&p->item, &p->family, s, p->items, e)) < 0)
		return rc;
	if (rc == 0)
		return err_invalid(e, "price", "This subscription has no price in a plan family, so it"
				   " has no migration paths; change its price with POST"
				   " /v1/subscriptions/%s instead", id);
	p->from = json_string_value(json_object_get(p->item, "price"));
	if (strcmp(p->from, to) == 0)
		return err_invalid(e, "price", "The subscription is on %s already", p->from);
	if (store_obj_get(&p->target, s->db, &svc_prices_table, &s->scope, to, e) < 0)
		return err_invalid(e, "price", "No such price: '%s'", to);
	if ((rc = svc_plan_family_rules(p->rules, &p->nrules, p->family, e)) < 0)
		return rc;
	p->rule = billing_migration_rule_find(p->rules, p->nrules, p->from, to);
	if (!p->rule)
		return no_path(e, p->family, p->from, to, p->rules, p->nrules);
	return 0;
}

int mig_apply(json_t **sub_out, json_t **mig_out, struct svc *s, struct mig_plan *p,
	      const struct migrate_req *r, json_t *row, bool at_boundary, struct recur_err *e)
{
	json_t *after = NULL, *up = NULL, *mig = NULL;
	int64_t mrr_before = 0, mrr_after = 0;
	const char *id = json_string_value(json_object_get(p->sub, "id"));
	int rc;
	struct billing_interval old_iv, new_iv;
	bool new_period = false;
	if ((rc = mig_alignment(&new_period, &old_iv, &new_iv, p, r, e)) < 0)
		goto done;
	/* At a period's end nothing is left to prorate: the renewal bills the new price. */
	const char *proration = at_boundary ? "none"
			      : r->proration ? r->proration
					     : billing_proration_behavior_name(p->rule->proration);
	struct sub_update_opts opts = { .credit_unused = r->has_credit ? r->credit_unused
								     : p->rule->credit_unused };
	int64_t qty = r->quantity ? r->quantity : json_integer_value(json_object_get(p->item,
										       "quantity"));
	if ((rc = svc_mrr_of(&mrr_before, s, p->sub, e)) < 0)
		goto done;
	up = update_params(p, r->price, qty, proration, new_period,
			   old_iv.unit == new_iv.unit && old_iv.count == new_iv.count, at_boundary);
	/* The update nests in this transaction: the request's commit hook runs once, at the end. */
	int (*hook)(void *, struct store *, struct recur_err *) = s->commit_hook;
	s->commit_hook = NULL;
	rc = sub_update(sub_out, s, id, up, &opts, e);
	s->commit_hook = hook;
	if (rc < 0)
		goto done;
	if ((rc = sub_get(&after, s, id, e)) < 0 || (rc = svc_mrr_of(&mrr_after, s, after, e)) < 0)
		goto done;
	const char *inv = json_string_value(json_object_get(after, "latest_invoice"));
	const char *inv_before = json_string_value(json_object_get(p->sub, "latest_invoice"));
	json_t *settings = json_pack("{s:s, s:b, s:b, s:s}", "proration_behavior", proration,
				     "credit_unused", opts.credit_unused, "carry_discounts",
				     p->rule->carry_discounts, "alignment",
				     new_period ? "new_period" : "keep");
	json_t *invoice = inv && (!inv_before || strcmp(inv, inv_before) != 0) ? json_string(inv)
									       : json_null();
	if (row) {
		/* A scheduled migration runs: its record becomes the completed migration. */
		mig = json_deep_copy(row);
		json_object_set_new(mig, "status", json_string("completed"));
		json_object_set_new(mig, "settings", settings);
		json_object_set_new(mig, "invoice", invoice);
		json_object_set_new(mig, "effective_at", json_integer(p->now));
		json_object_set_new(mig, "quantity", json_integer(qty));
		json_object_set_new(mig, "kind", json_string(billing_migration_kind_name(p->rule->kind)));
		rc = store_obj_update(s->db, &svc_migrations_table, &s->scope, mig, e);
	} else {
		char mid[IDS_MAX];
		ids_new(mid, sizeof(mid), "mig");
		mig = json_pack("{s:s, s:I, s:s, s:O, s:O, s:s, s:s, s:I, s:s, s:s, s:I, s:s, s:o,"
				" s:o, s:O, s:{}, s:b}",
				"id", mid, "created", (json_int_t)p->now, "subscription", id,
				"customer", json_object_get(p->sub, "customer"), "plan_family",
				json_object_get(p->family, "id"), "from_price", p->from, "to_price",
				r->price, "quantity", (json_int_t)qty, "kind",
				billing_migration_kind_name(p->rule->kind), "timing",
				billing_migration_timing_name(r->timing), "effective_at",
				(json_int_t)p->now, "status", "completed", "settings", settings,
				"invoice", invoice, "metadata", r->metadata, "overrides",
				"schedule_created", 0);
		if (!mig) {
			rc = err_internal(e, "cannot build the migration");
			goto done;
		}
		rc = store_obj_insert(s->db, &svc_migrations_table, &s->scope, mig, e);
	}
	if (rc < 0 ||
	    (rc = svc_mrr_record(s, after, mrr_before, mrr_after, p->now,
				 json_string_value(json_object_get(mig, "id")), e)) < 0)
		goto done;
	*mig_out = mig_as_read(s, mig);
	if (!*mig_out)
		rc = err_internal(e, "out of memory");
done:
	json_decref(after);
	json_decref(up);
	json_decref(mig);
	return rc;
}

/*
 * The migration, inside the caller's transaction: *sub_out the subscription
 * after, *mig_out the migration.
 */
static int migrate(json_t **sub_out, json_t **mig_out, struct svc *s, const char *id,
		   const struct migrate_req *r, struct recur_err *e)
{
	struct mig_plan p;
	int rc;
	if ((rc = mig_plan_load(&p, s, id, r->price, e)) < 0)
		goto done;
	if (!billing_migration_timing_allowed(p.rule, r->timing)) {
		rc = err_invalid(e, "timing", "The rule from %s to %s does not allow timing %s",
				 p.from, r->price, billing_migration_timing_name(r->timing));
		goto done;
	}
	if (r->timing != BILLING_MIGRATION_NOW) {
		rc = mig_schedule(sub_out, mig_out, s, &p, r, e);
		goto done;
	}
	rc = mig_apply(sub_out, mig_out, s, &p, r, NULL, false, e);
done:
	mig_plan_free(&p);
	return rc;
}

int svc_subscription_migrate(json_t **out, struct svc *s, const char *id, const json_t *p,
			     struct recur_err *e)
{
	struct migrate_req r;
	json_t *sub = NULL, *mig = NULL, *inv = NULL;
	int rc;
	*out = NULL;
	if ((rc = req_param(&r, p, e)) < 0)
		goto out;
	if ((rc = svc_begin(s, e)) < 0)
		goto out;
	if (r.preview) {
		/* Nothing of a preview survives it, and no card is charged (service.h). */
		s->commit_hook = NULL;
		s->dry_run = true;
	}
	rc = migrate(&sub, &mig, s, id, &r, e);
	if (rc < 0 || !r.preview) {
		rc = svc_finish(s, rc, e);
		if (rc >= 0) {
			*out = sub;
			sub = NULL;
		}
		goto out;
	}
	if (r.timing != BILLING_MIGRATION_NOW) {
		/* What the switch will bill: the due work up to it, run in this transaction. */
		rc = mig_schedule_preview(&inv, &mig, s, id, e);
	} else {
		const char *invoice = json_string_value(json_object_get(mig, "invoice"));
		if (invoice)
			rc = svc_invoice_retrieve(&inv, s, invoice, e);
	}
	if (inv)
		sub_mark_upcoming(inv);
	if (rc >= 0)
		*out = json_pack("{s:s, s:O, s:O, s:O}", "object", "subscription_migration_preview",
				 "invoice", inv ? inv : json_null(), "subscription", sub,
				 "migration", mig);
	store_rollback(s->db);
out:
	json_decref(r.metadata);
	json_decref(sub);
	json_decref(mig);
	json_decref(inv);
	return rc < 0 ? rc : 0;
}

int svc_subscription_migration(json_t **out, struct svc *s, const char *id, struct recur_err *e)
{
	json_t *sub = NULL, *rows = NULL;
	bool more = false;
	int rc;
	*out = NULL;
	if ((rc = sub_get(&sub, s, id, e)) < 0)
		goto done;
	/* A scheduled one first: it is what will still happen. */
	struct store_filter f[] = {
		{ .col = "subscription", .op = "=", .val = SV_TEXT(id) },
		{ .col = "status", .op = "=", .val = SV_TEXT("scheduled") },
	};
	struct store_page page = { .limit = 1 };
	if ((rc = store_obj_list(&rows, &more, s->db, &svc_migrations_table, &s->scope, f, 2, &page,
				 e)) < 0)
		goto done;
	if (json_array_size(rows) == 0) {
		json_decref(rows);
		rows = NULL;
		if ((rc = store_obj_list(&rows, &more, s->db, &svc_migrations_table, &s->scope, f, 1,
					 &page, e)) < 0)
			goto done;
	}
	if (json_array_size(rows) == 0) {
		rc = err_set(e, RECUR_ENOTFOUND, 404, "invalid_request_error", "resource_missing",
			     NULL, "The subscription %s has no migration", id);
		goto done;
	}
	*out = json_incref(json_array_get(rows, 0));
	mig_present(*out);
done:
	json_decref(sub);
	json_decref(rows);
	return rc;
}
