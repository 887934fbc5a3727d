/*
 * plan_family.c - migration rules, alignment and MRR normalisation
 * (plan_family.h).
 */
#include "billing/plan_family.h"
#include "core/err.h"

#include <string.h>

static const char *const kind_names[] = { "upgrade", "downgrade", "frequency_change",
					  "trial_conversion", "version_update", "custom" };
static const char *const timing_names[] = { "now", "next_period", "date" };
static const char *const alignment_names[] = { "auto", "keep", "new_period" };
static const char *const mrr_names[] = { "", "new", "expansion", "contraction", "churn",
					 "reactivation" };

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The index of s in names, or -1 (s NULL included). */
static int lookup(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; s && i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return (int)i;
	return -1;
}

int billing_migration_kind_parse(enum billing_migration_kind *out, const char *s)
{
	int i = lookup(kind_names, N(kind_names), s);
	if (i < 0)
		return RECUR_EINVAL;
	*out = (enum billing_migration_kind)i;
	return 0;
}

const char *billing_migration_kind_name(enum billing_migration_kind k)
{
	return (unsigned)k < N(kind_names) ? kind_names[k] : "";
}

int billing_migration_timing_parse(enum billing_migration_timing *out, const char *s)
{
	int i = lookup(timing_names, N(timing_names), s);
	if (i < 0)
		return RECUR_EINVAL;
	*out = (enum billing_migration_timing)i;
	return 0;
}

const char *billing_migration_timing_name(enum billing_migration_timing t)
{
	return (unsigned)t < N(timing_names) ? timing_names[t] : "";
}

int billing_alignment_parse(enum billing_alignment *out, const char *s)
{
	int i = lookup(alignment_names, N(alignment_names), s);
	if (i < 0)
		return RECUR_EINVAL;
	*out = (enum billing_alignment)i;
	return 0;
}

const char *billing_alignment_name(enum billing_alignment a)
{
	return (unsigned)a < N(alignment_names) ? alignment_names[a] : "";
}

static bool is_member(const char *const *members, size_t n, const char *price)
{
	for (size_t i = 0; price && i < n; i++)
		if (strcmp(members[i], price) == 0)
			return true;
	return false;
}

enum billing_family_fault billing_plan_family_validate(size_t *index, const char *const *members,
						       size_t nmembers,
						       const struct billing_migration_rule *rules,
						       size_t nrules)
{
	for (size_t i = 0; i < nmembers; i++)
		if (is_member(members, i, members[i])) {
			*index = i;
			return BILLING_FAMILY_DUPLICATE_PRICE;
		}
	for (size_t i = 0; i < nrules; i++) {
		const struct billing_migration_rule *r = &rules[i];
		enum billing_family_fault f = BILLING_FAMILY_OK;
		if (!is_member(members, nmembers, r->from))
			f = BILLING_FAMILY_FROM_NOT_MEMBER;
		else if (!is_member(members, nmembers, r->to))
			f = BILLING_FAMILY_TO_NOT_MEMBER;
		else if (strcmp(r->from, r->to) == 0)
			f = BILLING_FAMILY_SAME_PRICE;
		else if ((r->timings & 7u) == 0)
			f = BILLING_FAMILY_NO_TIMING;
		else if (billing_migration_rule_find(rules, i, r->from, r->to))
			f = BILLING_FAMILY_DUPLICATE_RULE;
		if (f != BILLING_FAMILY_OK) {
			*index = i;
			return f;
		}
	}
	return BILLING_FAMILY_OK;
}

const struct billing_migration_rule *
billing_migration_rule_find(const struct billing_migration_rule *rules, size_t n,
			    const char *from, const char *to)
{
	for (size_t i = 0; from && to && i < n; i++)
		if (strcmp(rules[i].from, from) == 0 && strcmp(rules[i].to, to) == 0)
			return &rules[i];
	return NULL;
}

bool billing_migration_timing_allowed(const struct billing_migration_rule *rule,
				      enum billing_migration_timing t)
{
	return (unsigned)t < N(timing_names) && (rule->timings & (1u << t)) != 0;
}

int billing_alignment_resolve(bool *new_period, enum billing_alignment a,
			      const struct billing_interval *from,
			      const struct billing_interval *to)
{
	bool same = from->unit == to->unit && from->count == to->count;
	switch (a) {
	case BILLING_ALIGN_AUTO:
		*new_period = !same;
		return 0;
	case BILLING_ALIGN_KEEP:
		/* A period of another length cannot end on the old billing date. */
		if (!same)
			return RECUR_EINVAL;
		*new_period = false;
		return 0;
	case BILLING_ALIGN_NEW_PERIOD:
		*new_period = true;
		return 0;
	}
	return RECUR_EINVAL;
}

int billing_mrr_monthly(int64_t *out, int64_t amount, const struct billing_interval *iv,
			enum money_rounding r)
{
	int64_t num = 1, den = 0;
	if (iv->count < 1 || iv->count > 1000)
		return RECUR_EINVAL;
	switch (iv->unit) {
	case CAL_MONTH:
		den = iv->count;
		break;
	case CAL_YEAR:
		den = 12 * iv->count;
		break;
	case CAL_WEEK:
		num = 52;
		den = 12 * iv->count;
		break;
	case CAL_DAY:
		num = 365;
		den = 12 * iv->count;
		break;
	default:
		return RECUR_EINVAL;
	}
	return money_mul_ratio(out, amount, num, den, r);
}

enum billing_mrr_kind billing_mrr_kind_of(int64_t before, int64_t after, bool returning)
{
	if (before == after)
		return BILLING_MRR_NONE;
	if (before == 0)
		return returning ? BILLING_MRR_REACTIVATION : BILLING_MRR_NEW;
	if (after == 0)
		return BILLING_MRR_CHURN;
	return after > before ? BILLING_MRR_EXPANSION : BILLING_MRR_CONTRACTION;
}

const char *billing_mrr_kind_name(enum billing_mrr_kind k)
{
	return (unsigned)k < N(mrr_names) ? mrr_names[k] : "";
}
