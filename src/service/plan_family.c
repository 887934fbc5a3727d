/*
 * plan_family.c - the plan family catalog (plan_family.h).
 *
 * The rules are checked as a whole by billing_plan_family_validate after each
 * one is parsed, so a fault names the exact rules[i][field]. Membership is
 * written to plan_family_prices in the same transaction as the family: the
 * lookup a migration makes is one indexed read, and two families can never
 * claim one price (the key refuses it even under a race).
 */
#include "service/plan_family.h"
#include "core/ids.h"
#include "service/list.h"
#include "service/params.h"
#include "service/price.h"

#include <stdio.h>
#include <string.h>

static const struct store_col cols[] = {
	{ "name", COL_TEXT, 0 },
	{ "prices", COL_JSON, 0 },
	{ "rules", COL_JSON, 0 },
	{ "metadata", COL_JSON, 0 },
};

const struct store_table svc_plan_families_table = {
	.table = "plan_families", .object = "plan_family", .noun = "plan_family",
	.cols = cols, .ncols = sizeof(cols) / sizeof(cols[0]),
};

json_t *svc_plan_family_rule_json(const struct billing_migration_rule *r)
{
	json_t *timings = json_array();
	for (int t = BILLING_MIGRATION_NOW; t <= BILLING_MIGRATION_DATE; t++)
		if (billing_migration_timing_allowed(r, (enum billing_migration_timing)t))
			json_array_append_new(timings, json_string(billing_migration_timing_name(
								     (enum billing_migration_timing)t)));
	return json_pack("{s:s, s:s, s:s, s:o, s:s, s:b, s:b, s:s}", "from", r->from, "to", r->to,
			 "kind", billing_migration_kind_name(r->kind), "timings", timings,
			 "proration_behavior", billing_proration_behavior_name(r->proration),
			 "credit_unused", r->credit_unused, "carry_discounts", r->carry_discounts,
			 "alignment", billing_alignment_name(r->alignment));
}

int svc_plan_family_rules(struct billing_migration_rule *out, size_t *n, const json_t *family,
			  struct recur_err *e)
{
	const json_t *rules = json_object_get(family, "rules");
	size_t i;
	json_t *r;
	*n = 0;
	json_array_foreach(rules, i, r) {
		struct billing_migration_rule *x = &out[i];
		if (i >= SVC_FAMILY_MAX_RULES)
			return err_internal(e, "plan family with too many rules");
		memset(x, 0, sizeof(*x));
		x->from = json_string_value(json_object_get(r, "from"));
		x->to = json_string_value(json_object_get(r, "to"));
		x->credit_unused = json_is_true(json_object_get(r, "credit_unused"));
		x->carry_discounts = json_is_true(json_object_get(r, "carry_discounts"));
		size_t k;
		json_t *t;
		json_array_foreach(json_object_get(r, "timings"), k, t) {
			enum billing_migration_timing tm;
			if (billing_migration_timing_parse(&tm, json_string_value(t)) == 0)
				x->timings |= 1u << tm;
		}
		if (!x->from || !x->to ||
		    billing_migration_kind_parse(&x->kind, json_string_value(json_object_get(r, "kind"))) < 0 ||
		    billing_proration_behavior_parse(&x->proration, json_string_value(
				json_object_get(r, "proration_behavior"))) < 0 ||
		    billing_alignment_parse(&x->alignment, json_string_value(
				json_object_get(r, "alignment"))) < 0)
			return err_internal(e, "stored plan family rule %zu does not parse", i);
		*n = i + 1;
	}
	return 0;
}

static const char *const rule_keys[] = { "from", "to", "kind", "timings", "proration_behavior",
					 "credit_unused", "carry_discounts", "alignment", NULL };
static const char *const kinds[] = { "upgrade", "downgrade", "frequency_change",
				     "trial_conversion", "version_update", "custom", NULL };
static const char *const prorations[] = { "create_prorations", "none", "always_invoice", NULL };
static const char *const alignments[] = { "auto", "keep", "new_period", NULL };

/* One rule of rules[] into out (strings borrowed from p), with the defaults. */
static int rule_param(struct billing_migration_rule *out, const json_t *p, struct recur_err *e)
{
	const char *kind = "custom", *pb = "always_invoice", *al = "auto";
	const json_t *tms = NULL;
	int rc;
	*out = (struct billing_migration_rule){ .credit_unused = true, .carry_discounts = true };
	if (!json_is_object(p))
		return err_invalid(e, "", "Each rule must be a hash");
	if ((rc = params_only(p, rule_keys, e)) < 0 || (rc = params_require(p, "from", e)) < 0 ||
	    (rc = params_require(p, "to", e)) < 0 ||
	    (rc = params_string(&out->from, p, "from", 255, e)) < 0 ||
	    (rc = params_string(&out->to, p, "to", 255, e)) < 0 ||
	    (rc = params_enum(&kind, p, "kind", kinds, e)) < 0 ||
	    (rc = params_enum(&pb, p, "proration_behavior", prorations, e)) < 0 ||
	    (rc = params_enum(&al, p, "alignment", alignments, e)) < 0 ||
	    (rc = params_bool(&out->credit_unused, p, "credit_unused", e)) < 0 ||
	    (rc = params_bool(&out->carry_discounts, p, "carry_discounts", e)) < 0 ||
	    (rc = params_string_array(&tms, p, "timings", 20, e)) < 0)
		return rc;
	billing_migration_kind_parse(&out->kind, kind);
	billing_proration_behavior_parse(&out->proration, pb);
	billing_alignment_parse(&out->alignment, al);
	if (!tms) {
		out->timings = 1u << BILLING_MIGRATION_NOW;
		return 0;
	}
	size_t i;
	json_t *t;
	json_array_foreach(tms, i, t) {
		enum billing_migration_timing tm;
		if (billing_migration_timing_parse(&tm, json_string_value(t)) < 0)
			return params_nest_index(e, err_invalid(e, "", "Invalid timing: must be one of"
								" now, next_period or date"),
						 "timings", i);
		out->timings |= 1u << tm;
	}
	return 0;
}

/* The catalog a request gives: names and messages for billing_plan_family_validate's faults. */
static int family_fault(struct recur_err *e, enum billing_family_fault f, size_t i,
			const struct billing_migration_rule *rules, const char *const *members)
{
	char param[64];
	switch (f) {
	case BILLING_FAMILY_OK:
		return 0;
	case BILLING_FAMILY_DUPLICATE_PRICE:
		snprintf(param, sizeof(param), "prices[%zu]", i);
		return err_invalid(e, param, "The price %s is listed twice", members[i]);
	case BILLING_FAMILY_FROM_NOT_MEMBER:
		snprintf(param, sizeof(param), "rules[%zu][from]", i);
		return err_invalid(e, param, "The price %s is not a member of this family",
				   rules[i].from);
	case BILLING_FAMILY_TO_NOT_MEMBER:
		snprintf(param, sizeof(param), "rules[%zu][to]", i);
		return err_invalid(e, param, "The price %s is not a member of this family",
				   rules[i].to);
	case BILLING_FAMILY_SAME_PRICE:
		snprintf(param, sizeof(param), "rules[%zu][to]", i);
		return err_invalid(e, param, "A rule must move to another price than its from");
	case BILLING_FAMILY_NO_TIMING:
		snprintf(param, sizeof(param), "rules[%zu][timings]", i);
		return err_invalid(e, param, "A rule needs at least one timing");
	case BILLING_FAMILY_DUPLICATE_RULE:
		snprintf(param, sizeof(param), "rules[%zu]", i);
		return err_invalid(e, param, "A rule from %s to %s is given twice", rules[i].from,
				   rules[i].to);
	}
	return err_internal(e, "unknown plan family fault");
}

/* Reads one family id (plan_family_prices.family). */
static int read_family(void *ctx, const struct store_row *row)
{
	snprintf(ctx, IDS_MAX, "%s", store_row_text(row, 0, NULL));
	return 1;
}

/*
 * prices[] (checked against the catalog and other families) and rules[] of
 * p into fam's "prices" and "rules"; when given, membership is rewritten.
 * Inside the caller's transaction.
 */
static int apply_members(json_t *fam, struct svc *s, const json_t *p, struct recur_err *e)
{
	const char *members[SVC_FAMILY_MAX_PRICES];
	struct billing_migration_rule rules[SVC_FAMILY_MAX_RULES];
	const json_t *prices = NULL, *rarr = NULL;
	size_t nm = 0, nr = 0, i, bad = 0;
	const char *id = json_string_value(json_object_get(fam, "id"));
	json_t *v;
	int rc, has_prices, has_rules;
	if ((rc = has_prices = params_string_array(&prices, p, "prices", 255, e)) < 0 ||
	    (rc = has_rules = params_array(&rarr, p, "rules", e)) < 0)
		return rc;
	if (json_array_size(prices) > SVC_FAMILY_MAX_PRICES)
		return err_invalid(e, "prices", "At most %d prices", SVC_FAMILY_MAX_PRICES);
	if (json_array_size(rarr) > SVC_FAMILY_MAX_RULES)
		return err_invalid(e, "rules", "At most %d rules", SVC_FAMILY_MAX_RULES);
	json_array_foreach(has_prices ? prices : json_object_get(fam, "prices"), i, v)
		members[nm++] = json_string_value(v);
	if (has_rules) {
		json_array_foreach(rarr, i, v)
			if ((rc = params_nest_index(e, rule_param(&rules[nr++], v, e), "rules", i)) < 0)
				return rc;
	} else if ((rc = svc_plan_family_rules(rules, &nr, fam, e)) < 0) {
		return rc;
	}
	if ((rc = family_fault(e, billing_plan_family_validate(&bad, members, nm, rules, nr), bad,
			       rules, members)) < 0)
		return rc;
	/* Each new member: a recurring price of this tenant that no other family holds. */
	for (i = 0; has_prices && i < nm; i++) {
		json_t *price = NULL;
		char other[IDS_MAX] = "", param[32];
		snprintf(param, sizeof(param), "prices[%zu]", i);
		if (store_obj_get(&price, s->db, &svc_prices_table, &s->scope, members[i], e) < 0)
			return err_invalid(e, param, "No such price: '%s'", members[i]);
		bool recurring = json_is_object(json_object_get(price, "recurring"));
		json_decref(price);
		if (!recurring)
			return err_invalid(e, param, "The price %s is not recurring; a plan family"
					   " holds subscription prices", members[i]);
		struct store_val q[] = { SV_TEXT(s->scope.tenant), SV_INT(s->scope.livemode),
					 SV_TEXT(members[i]), SV_TEXT(id) };
		if ((rc = store_query(s->db, "SELECT family FROM plan_family_prices WHERE tenant_id = $1"
				      " AND livemode = $2 AND price = $3 AND family != $4", q, 4,
				      read_family, other, e)) < 0)
			return rc;
		if (other[0])
			return err_invalid(e, param, "The price %s belongs to the plan family %s"
					   " already; a price belongs to at most one family",
					   members[i], other);
	}
	if (has_prices) {
		struct store_val q[] = { SV_TEXT(s->scope.tenant), SV_INT(s->scope.livemode),
					 SV_TEXT(id), SV_NULL };
		if ((rc = store_exec(s->db, "DELETE FROM plan_family_prices WHERE tenant_id = $1 AND"
				     " livemode = $2 AND family = $3", q, 3, e)) < 0)
			return rc;
		for (i = 0; i < nm; i++) {
			q[3] = SV_TEXT(members[i]);
			if ((rc = store_exec(s->db, "INSERT INTO plan_family_prices (tenant_id, livemode,"
					     " family, price) VALUES ($1, $2, $3, $4)", q, 4, e)) < 0)
				return rc;
		}
		json_object_set(fam, "prices", (json_t *)(uintptr_t)prices);
	}
	json_t *out_rules = json_array();
	for (i = 0; i < nr; i++)
		json_array_append_new(out_rules, svc_plan_family_rule_json(&rules[i]));
	json_object_set_new(fam, "rules", out_rules);
	return 0;
}

/* name and metadata of p onto fam. */
static int apply_plain(json_t *fam, const json_t *p, struct recur_err *e)
{
	const char *name = NULL;
	json_t *md = NULL;
	int rc;
	if ((rc = params_string(&name, p, "name", 500, e)) < 0)
		return rc;
	if (rc > 0) {
		if (!*name)
			return err_invalid(e, "name", "name cannot be empty");
		json_object_set_new(fam, "name", json_string(name));
	}
	if ((rc = params_metadata(&md, json_object_get(fam, "metadata"), p, e)) < 0)
		return rc;
	json_object_set_new(fam, "metadata", md);
	return 0;
}

static const char *const create_params[] = { "name", "prices", "rules", "metadata", NULL };

int svc_plan_family_create(json_t **out, struct svc *s, const json_t *p, struct recur_err *e)
{
	char id[IDS_MAX];
	json_t *fam = NULL;
	int rc;
	*out = NULL;
	if ((rc = params_only(p, create_params, e)) < 0 || (rc = params_require(p, "name", e)) < 0)
		return rc;
	ids_new(id, sizeof(id), "fam");
	fam = json_pack("{s:s, s:I, s:s, s:[], s:[], s:{}}", "id", id, "created", (json_int_t)s->now,
			"name", "", "prices", "rules", "metadata");
	if ((rc = apply_plain(fam, p, e)) < 0 || (rc = svc_begin(s, e)) < 0)
		goto done;
	if ((rc = apply_members(fam, s, p, e)) >= 0 &&
	    (rc = store_obj_insert(s->db, &svc_plan_families_table, &s->scope, fam, e)) >= 0 &&
	    (rc = store_obj_get(out, s->db, &svc_plan_families_table, &s->scope, id, e)) >= 0)
		rc = svc_event(s, "plan_family.created", *out, NULL, e);
	rc = svc_finish(s, rc, e);
done:
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	}
	json_decref(fam);
	return rc < 0 ? rc : 0;
}

int svc_plan_family_retrieve(json_t **out, struct svc *s, const char *id, struct recur_err *e)
{
	return store_obj_get(out, s->db, &svc_plan_families_table, &s->scope, id, e);
}

int svc_plan_family_update(json_t **out, struct svc *s, const char *id, const json_t *p,
			   struct recur_err *e)
{
	json_t *before = NULL, *fam = NULL;
	int rc;
	*out = NULL;
	if ((rc = params_only(p, create_params, e)) < 0 || (rc = svc_begin(s, e)) < 0)
		return rc;
	if ((rc = store_obj_get(&before, s->db, &svc_plan_families_table, &s->scope, id, e)) < 0)
		goto done;
	fam = json_deep_copy(before);
	if ((rc = apply_plain(fam, p, e)) < 0 || (rc = apply_members(fam, s, p, e)) < 0)
		goto done;
	rc = svc_update_object(out, s, &svc_plan_families_table, before, fam, NULL, e);
done:
	rc = svc_finish(s, rc, e);
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	}
	json_decref(before);
	json_decref(fam);
	return rc;
}

static const char *const list_params[] = { SVC_LIST_PARAMS, NULL };

int svc_plan_family_list(json_t **out, struct svc *s, const json_t *p, struct recur_err *e)
{
	struct svc_list l;
	int rc;
	*out = NULL;
	if ((rc = params_only(p, list_params, e)) < 0 || (rc = svc_list_params(&l, p, e)) < 0)
		return rc;
	return svc_list(out, s, &svc_plan_families_table, &l, "/v1/plan_families", e);
}

int svc_plan_family_of_price(json_t **out, struct svc *s, const char *price, struct recur_err *e)
{
	char fam[IDS_MAX] = "";
	struct store_val q[] = { SV_TEXT(s->scope.tenant), SV_INT(s->scope.livemode),
				 SV_TEXT(price) };
	int rc;
	*out = NULL;
	if ((rc = store_query(s->db, "SELECT family FROM plan_family_prices WHERE tenant_id = $1 AND"
			      " livemode = $2 AND price = $3", q, 3, read_family, fam, e)) < 0)
		return rc;
	if (!fam[0])
		return 0;
	if ((rc = store_obj_get(out, s->db, &svc_plan_families_table, &s->scope, fam, e)) < 0)
		return rc;
	return 1;
}
