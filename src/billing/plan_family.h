/*
 * plan_family.h - plan families and their migration rules, and MRR
 * normalisation (Fusebill's plan migrations, docs/billing.md "Plan families
 * and migrations").
 *
 * A plan family is a set of member prices and rules "from price A to price B"
 * with a kind, the timings allowed and the defaults a migration along the
 * rule uses. A subscription on a member price moves only along a declared
 * rule. Pure: no I/O, no clock, no allocation; strings are borrowed.
 */
#ifndef RECUR_BILLING_PLAN_FAMILY_H
#define RECUR_BILLING_PLAN_FAMILY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "billing/period.h"
#include "billing/proration.h"
#include "core/money.h"

enum billing_migration_kind {
	BILLING_MIGRATION_UPGRADE,
	BILLING_MIGRATION_DOWNGRADE,
	BILLING_MIGRATION_FREQUENCY_CHANGE,
	BILLING_MIGRATION_TRIAL_CONVERSION,
	BILLING_MIGRATION_VERSION_UPDATE,
	BILLING_MIGRATION_CUSTOM
};

/* When a migration happens; a rule allows a set of them (bit 1 << timing). */
enum billing_migration_timing {
	BILLING_MIGRATION_NOW,
	BILLING_MIGRATION_NEXT_PERIOD,
	BILLING_MIGRATION_DATE
};

/*
 * Billing-period alignment. AUTO keeps the billing date when the interval
 * stays the same and starts a new period at the migration when it differs
 * (Fusebill: the destination "adopts" the source's period only at the same
 * frequency).
 */
enum billing_alignment {
	BILLING_ALIGN_AUTO,
	BILLING_ALIGN_KEEP,
	BILLING_ALIGN_NEW_PERIOD
};

struct billing_migration_rule {
	const char *from;  /* price id */
	const char *to;    /* price id */
	enum billing_migration_kind kind;
	unsigned timings;  /* bits 1u << enum billing_migration_timing */
	enum billing_proration_behavior proration;
	bool credit_unused;
	bool carry_discounts;
	enum billing_alignment alignment;
};

/*
 * Names as the API spells them: parse gives RECUR_EINVAL (out untouched) for
 * anything else, NULL included; name gives "" for an unknown value (static).
 */
int billing_migration_kind_parse(enum billing_migration_kind *out, const char *s);
const char *billing_migration_kind_name(enum billing_migration_kind k);
int billing_migration_timing_parse(enum billing_migration_timing *out, const char *s);
const char *billing_migration_timing_name(enum billing_migration_timing t);
int billing_alignment_parse(enum billing_alignment *out, const char *s);
const char *billing_alignment_name(enum billing_alignment a);

/* What is wrong with a family's rules (billing_plan_family_validate). */
enum billing_family_fault {
	BILLING_FAMILY_OK,
	BILLING_FAMILY_DUPLICATE_PRICE, /* members[index] appears earlier too */
	BILLING_FAMILY_FROM_NOT_MEMBER, /* rules[index].from is not a member */
	BILLING_FAMILY_TO_NOT_MEMBER,   /* rules[index].to is not a member */
	BILLING_FAMILY_SAME_PRICE,      /* rules[index].from == to */
	BILLING_FAMILY_NO_TIMING,       /* rules[index].timings is empty */
	BILLING_FAMILY_DUPLICATE_RULE   /* rules[index] repeats an earlier from -> to */
};

/*
 * Checks a family: members distinct, every rule between two different
 * members, with at least one timing, each (from, to) pair once. The first
 * fault found, members before rules, with its index in *index.
 */
enum billing_family_fault billing_plan_family_validate(size_t *index, const char *const *members,
						       size_t nmembers,
						       const struct billing_migration_rule *rules,
						       size_t nrules);

/* The rule from -> to among rules, or NULL when there is none. */
const struct billing_migration_rule *
billing_migration_rule_find(const struct billing_migration_rule *rules, size_t n,
			    const char *from, const char *to);

/* true when rule allows timing t. */
bool billing_migration_timing_allowed(const struct billing_migration_rule *rule,
				      enum billing_migration_timing t);

/*
 * Resolves alignment a for a move from interval `from` to interval `to`:
 * *new_period is false when the billing date is kept, true when a new period
 * starts at the migration. RECUR_EINVAL for KEEP across different intervals
 * (a yearly period cannot keep a monthly billing date) or an unknown a.
 */
int billing_alignment_resolve(bool *new_period, enum billing_alignment a,
			      const struct billing_interval *from,
			      const struct billing_interval *to);

/*
 * Monthly recurring revenue of amount billed every iv (the items' amount per
 * period, after quantity and discounts), rounded with r:
 *   month x c   amount / c
 *   year x c    amount / (12 c)
 *   week x c    amount * 52 / (12 c)
 *   day x c     amount * 365 / (12 c)
 * (a year of 52 weeks or 365 days, as MRR reports commonly count). One
 * rounding over the exact quotient (money_mul_ratio). RECUR_EINVAL for an
 * invalid interval, RECUR_EOVERFLOW beyond int64.
 */
int billing_mrr_monthly(int64_t *out, int64_t amount, const struct billing_interval *iv,
			enum money_rounding r);

/* The kinds of MRR movement, as reports name them. */
enum billing_mrr_kind {
	BILLING_MRR_NONE, /* no change: nothing to record */
	BILLING_MRR_NEW,
	BILLING_MRR_EXPANSION,
	BILLING_MRR_CONTRACTION,
	BILLING_MRR_CHURN,
	BILLING_MRR_REACTIVATION
};

/*
 * The movement from before to after (both >= 0): from 0 up is new, or
 * reactivation when the subscription had revenue once (returning); down to 0
 * is churn; otherwise up is expansion, down contraction; equal is NONE.
 */
enum billing_mrr_kind billing_mrr_kind_of(int64_t before, int64_t after, bool returning);
const char *billing_mrr_kind_name(enum billing_mrr_kind k);

#endif
