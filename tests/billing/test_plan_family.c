/*
 * Tests for billing/plan_family: family validation, rule matching and the
 * timings a rule allows, the alignment decision, MRR normalisation of every
 * interval under the named roundings, and the movement kinds. Expected
 * amounts are literal, worked out by hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "billing/plan_family.h"
#include "core/err.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define NOW (1u << BILLING_MIGRATION_NOW)
#define NEXT (1u << BILLING_MIGRATION_NEXT_PERIOD)
#define DATE (1u << BILLING_MIGRATION_DATE)

static const char *const members[] = { "price_basic", "price_pro", "price_pro_year" };

static struct billing_migration_rule rule(const char *from, const char *to, unsigned timings)
{
	return (struct billing_migration_rule){ .from = from, .to = to, .timings = timings,
						.kind = BILLING_MIGRATION_UPGRADE,
						.credit_unused = true };
}

static void test_validate(void **state)
{
	(void)state;
	size_t at = 99;
	struct billing_migration_rule ok[] = {
		rule("price_basic", "price_pro", NOW | NEXT),
		rule("price_pro", "price_basic", NEXT),
		rule("price_pro", "price_pro_year", NOW),
	};
	assert_int_equal(billing_plan_family_validate(&at, members, 3, ok, N(ok)),
			 BILLING_FAMILY_OK);
	assert_int_equal(at, 99);
	assert_int_equal(billing_plan_family_validate(&at, members, 3, NULL, 0), BILLING_FAMILY_OK);

	const char *const dup[] = { "price_a", "price_b", "price_a" };
	assert_int_equal(billing_plan_family_validate(&at, dup, 3, NULL, 0),
			 BILLING_FAMILY_DUPLICATE_PRICE);
	assert_int_equal(at, 2);

	static const struct {
		const char *from, *to;
		unsigned timings;
		enum billing_family_fault fault;
	} bad[] = {
		{ "price_other", "price_pro", NOW, BILLING_FAMILY_FROM_NOT_MEMBER },
		{ "price_basic", "price_other", NOW, BILLING_FAMILY_TO_NOT_MEMBER },
		{ "price_pro", "price_pro", NOW, BILLING_FAMILY_SAME_PRICE },
		{ "price_pro", "price_basic", 0, BILLING_FAMILY_NO_TIMING },
		{ "price_basic", "price_pro", DATE, BILLING_FAMILY_DUPLICATE_RULE },
	};
	for (size_t i = 0; i < N(bad); i++) {
		struct billing_migration_rule rules[2] = {
			rule("price_basic", "price_pro", NOW),
			rule(bad[i].from, bad[i].to, bad[i].timings),
		};
		at = 99;
		assert_int_equal(billing_plan_family_validate(&at, members, 3, rules, 2), bad[i].fault);
		assert_int_equal(at, 1);
	}
}

static void test_find(void **state)
{
	(void)state;
	struct billing_migration_rule rules[] = {
		rule("price_basic", "price_pro", NOW | NEXT),
		rule("price_pro", "price_basic", NEXT),
	};
	const struct billing_migration_rule *r =
		billing_migration_rule_find(rules, N(rules), "price_pro", "price_basic");
	assert_ptr_equal(r, &rules[1]);
	/* A rule has a direction: basic -> pro does not allow pro -> basic now. */
	assert_false(billing_migration_timing_allowed(r, BILLING_MIGRATION_NOW));
	assert_true(billing_migration_timing_allowed(r, BILLING_MIGRATION_NEXT_PERIOD));
	assert_true(billing_migration_timing_allowed(&rules[0], BILLING_MIGRATION_NOW));
	assert_false(billing_migration_timing_allowed(&rules[0], BILLING_MIGRATION_DATE));
	assert_false(billing_migration_timing_allowed(&rules[0], (enum billing_migration_timing)9));
	assert_null(billing_migration_rule_find(rules, N(rules), "price_basic", "price_pro_year"));
	assert_null(billing_migration_rule_find(rules, N(rules), "price_pro_year", "price_pro"));
	assert_null(billing_migration_rule_find(rules, N(rules), NULL, "price_pro"));
	assert_null(billing_migration_rule_find(rules, 0, "price_basic", "price_pro"));
}

static void test_names(void **state)
{
	(void)state;
	enum billing_migration_kind k;
	enum billing_migration_timing t;
	enum billing_alignment a;
	assert_int_equal(billing_migration_kind_parse(&k, "trial_conversion"), 0);
	assert_int_equal(k, BILLING_MIGRATION_TRIAL_CONVERSION);
	assert_string_equal(billing_migration_kind_name(BILLING_MIGRATION_VERSION_UPDATE),
			    "version_update");
	assert_int_equal(billing_migration_kind_parse(&k, "sidegrade"), RECUR_EINVAL);
	assert_int_equal(billing_migration_kind_parse(&k, NULL), RECUR_EINVAL);
	assert_string_equal(billing_migration_kind_name((enum billing_migration_kind)42), "");
	assert_int_equal(billing_migration_timing_parse(&t, "next_period"), 0);
	assert_int_equal(t, BILLING_MIGRATION_NEXT_PERIOD);
	assert_int_equal(billing_migration_timing_parse(&t, "later"), RECUR_EINVAL);
	assert_int_equal(billing_alignment_parse(&a, "new_period"), 0);
	assert_int_equal(a, BILLING_ALIGN_NEW_PERIOD);
	assert_string_equal(billing_alignment_name(BILLING_ALIGN_AUTO), "auto");
	assert_string_equal(billing_mrr_kind_name(BILLING_MRR_REACTIVATION), "reactivation");
}

static void test_alignment(void **state)
{
	(void)state;
	const struct billing_interval month = { CAL_MONTH, 1 }, year = { CAL_YEAR, 1 },
				      quarter = { CAL_MONTH, 3 };
	bool np = true;
	assert_int_equal(billing_alignment_resolve(&np, BILLING_ALIGN_AUTO, &month, &month), 0);
	assert_false(np);
	assert_int_equal(billing_alignment_resolve(&np, BILLING_ALIGN_AUTO, &month, &year), 0);
	assert_true(np);
	/* The same unit with another count is another frequency. */
	assert_int_equal(billing_alignment_resolve(&np, BILLING_ALIGN_AUTO, &month, &quarter), 0);
	assert_true(np);
	assert_int_equal(billing_alignment_resolve(&np, BILLING_ALIGN_NEW_PERIOD, &month, &month), 0);
	assert_true(np);
	assert_int_equal(billing_alignment_resolve(&np, BILLING_ALIGN_KEEP, &month, &month), 0);
	assert_false(np);
	np = true;
	assert_int_equal(billing_alignment_resolve(&np, BILLING_ALIGN_KEEP, &month, &year),
			 RECUR_EINVAL);
	assert_true(np);
	assert_int_equal(billing_alignment_resolve(&np, (enum billing_alignment)7, &month, &month),
			 RECUR_EINVAL);
}

static void test_mrr(void **state)
{
	(void)state;
	static const struct {
		int64_t amount;
		enum calendar_unit unit;
		int64_t count;
		int64_t half_up, down;
	} cases[] = {
		{ 29900, CAL_MONTH, 1, 29900, 29900 },
		/* 299000 / 12 = 24916.67 */
		{ 299000, CAL_YEAR, 1, 24917, 24916 },
		/* 120000 / 12 = 10000 exactly */
		{ 120000, CAL_YEAR, 1, 10000, 10000 },
		/* a quarter: 30000 / 3 */
		{ 30000, CAL_MONTH, 3, 10000, 10000 },
		/* 1000 a week: 1000 * 52 / 12 = 4333.33 */
		{ 1000, CAL_WEEK, 1, 4333, 4333 },
		/* 100 a day: 100 * 365 / 12 = 3041.67 */
		{ 100, CAL_DAY, 1, 3042, 3041 },
		/* every two years: 24006 / 24 = 1000.25 */
		{ 24006, CAL_YEAR, 2, 1000, 1000 },
		/* an exact tie rounds half up away from zero: 18 / 12 = 1.5 */
		{ 18, CAL_YEAR, 1, 2, 1 },
		{ 0, CAL_YEAR, 1, 0, 0 },
	};
	for (size_t i = 0; i < N(cases); i++) {
		struct billing_interval iv = { cases[i].unit, cases[i].count };
		int64_t m = -1;
		assert_int_equal(billing_mrr_monthly(&m, cases[i].amount, &iv, MONEY_ROUND_HALF_UP), 0);
		assert_int_equal(m, cases[i].half_up);
		assert_int_equal(billing_mrr_monthly(&m, cases[i].amount, &iv, MONEY_ROUND_DOWN), 0);
		assert_int_equal(m, cases[i].down);
	}
	struct billing_interval bad = { CAL_MONTH, 0 };
	int64_t m = 7;
	assert_int_equal(billing_mrr_monthly(&m, 100, &bad, MONEY_ROUND_HALF_UP), RECUR_EINVAL);
	bad = (struct billing_interval){ (enum calendar_unit)9, 1 };
	assert_int_equal(billing_mrr_monthly(&m, 100, &bad, MONEY_ROUND_HALF_UP), RECUR_EINVAL);
	assert_int_equal(m, 7);
}

static void test_mrr_kind(void **state)
{
	(void)state;
	assert_int_equal(billing_mrr_kind_of(10000, 10000, false), BILLING_MRR_NONE);
	assert_int_equal(billing_mrr_kind_of(0, 10000, false), BILLING_MRR_NEW);
	assert_int_equal(billing_mrr_kind_of(0, 10000, true), BILLING_MRR_REACTIVATION);
	assert_int_equal(billing_mrr_kind_of(10000, 0, true), BILLING_MRR_CHURN);
	assert_int_equal(billing_mrr_kind_of(10000, 24917, false), BILLING_MRR_EXPANSION);
	assert_int_equal(billing_mrr_kind_of(24917, 10000, false), BILLING_MRR_CONTRACTION);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validate), cmocka_unit_test(test_find),
		cmocka_unit_test(test_names),    cmocka_unit_test(test_alignment),
		cmocka_unit_test(test_mrr),      cmocka_unit_test(test_mrr_kind),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
