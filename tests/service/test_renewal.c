/*
 * The wall-clock renewal pass on real SQLite (svc_subscription_run_due_wall,
 * what the scheduler calls): a batch renews every due subscription once, a
 * second pass renews nothing, and a subscription that fails is rolled back
 * alone while those before it stay renewed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "service/customer.h"
#include "service/price.h"
#include "service/product.h"
#include "service/subscription.h"
#include "store/store.h"
#include "../support/testdb.h"

#define NOW 1768435200LL               /* 2026-01-15 */
#define NEXT (NOW + 31 * 86400LL)      /* 2026-02-15: the first period's end */
#define SUBS 5

struct fixture {
	struct testdb t;
	struct store *db;
	struct svc s;
	char subs[SUBS][64];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char price[64];
	f->db = testdb_open(&f->t, "renewal");
	f->s = testdb_svc(f->db, NOW);
	testdb_monthly_price(price, sizeof(price), &f->s, 10000);
	for (int i = 0; i < SUBS; i++) {
		char customer[64];
		testdb_customer(customer, sizeof(customer), &f->s, NULL);
		testdb_id_of(f->subs[i], sizeof(f->subs[i]),
			     testdb_call(svc_subscription_create, &f->s,
					 json_pack("{s:s, s:[{s:s}]}", "customer", customer,
						   "items", "price", price)));
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	testdb_close(&f->t, f->db);
	free(f);
	return 0;
}

static int64_t cycle_invoices(struct fixture *f, const char *sub)
{
	return testdb_int(f->db, "SELECT count(*) FROM invoices WHERE subscription = $1 AND"
			  " billing_reason = 'subscription_cycle'", sub);
}

static void test_a_pass_renews_each_due_subscription_once(void **state)
{
	struct fixture *f = *state;
	struct recur_err e;
	int done = -1;
	assert_int_equal(svc_subscription_run_due_wall(&done, f->db, NOW + 86400, &e), 0);
	assert_int_equal(done, 0); /* nothing due yet */
	assert_int_equal(svc_subscription_run_due_wall(&done, f->db, NEXT, &e), 0);
	assert_int_equal(done, SUBS);
	for (int i = 0; i < SUBS; i++) {
		assert_int_equal(cycle_invoices(f, f->subs[i]), 1);
		assert_int_equal(testdb_int(f->db, "SELECT total FROM invoices WHERE subscription ="
					    " $1 AND billing_reason = 'subscription_cycle'",
					    f->subs[i]),
				 10000);
		assert_int_equal(testdb_int(f->db, "SELECT current_period_start FROM subscriptions"
					    " WHERE id = $1", f->subs[i]), NEXT);
	}
	/* gapless: the first invoices took 1..SUBS, the renewals SUBS+1..2*SUBS */
	assert_int_equal(testdb_int(f->db, "SELECT count(DISTINCT number) FROM invoices", NULL),
			 2 * SUBS);
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM events WHERE type ="
				    " 'invoice.finalized'", NULL), 2 * SUBS);
	/* run again at the same time: nothing is due, nothing is billed twice */
	assert_int_equal(svc_subscription_run_due_wall(&done, f->db, NEXT, &e), 0);
	assert_int_equal(done, 0);
	assert_int_equal(testdb_count(f->db, "invoices"), 2 * SUBS);
}

static void test_a_failing_subscription_is_rolled_back_alone(void **state)
{
	struct fixture *f = *state;
	struct recur_err e;
	int done = -1;
	/* the third in due order cannot renew: its interval is unknown */
	for (int i = 0; i < SUBS; i++) {
		struct store_val p[] = { SV_TEXT(f->subs[i]), SV_INT(i) };
		assert_int_equal(store_exec(f->db, "UPDATE subscriptions SET due_at = due_at + $2"
					    " WHERE id = $1", p, 2, &e), 1);
	}
	struct store_val bad[] = { SV_TEXT(f->subs[2]) };
	assert_int_equal(store_exec(f->db, "UPDATE subscriptions SET plan_interval = 'fortnight'"
				    " WHERE id = $1", bad, 1, &e), 1);
	int64_t events = testdb_count(f->db, "events");
	/* the failing one is rolled back alone; the others before and after it renew */
	assert_int_equal(svc_subscription_run_due_wall(&done, f->db, NEXT + SUBS, &e), 0);
	assert_int_equal(done, SUBS - 1);
	assert_int_equal(cycle_invoices(f, f->subs[0]), 1);
	assert_int_equal(cycle_invoices(f, f->subs[1]), 1);
	assert_int_equal(cycle_invoices(f, f->subs[2]), 0);
	assert_int_equal(cycle_invoices(f, f->subs[3]), 1);
	assert_int_equal(testdb_int(f->db, "SELECT periods_billed FROM subscriptions WHERE id = $1",
				    f->subs[2]), 1);
	/*
	 * the others' events (3 each, and the invoice.upcoming due 7 days before
	 * the renewal, which this pass runs first), none of the failed one's
	 */
	assert_int_equal(testdb_count(f->db, "events"), events + (SUBS - 1) * 4);
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM events WHERE type ="
				    " 'invoice.upcoming'", NULL), SUBS - 1);
	/* once it is fixed, the next pass renews it */
	assert_int_equal(store_exec(f->db, "UPDATE subscriptions SET plan_interval = 'month'"
				    " WHERE id = $1", bad, 1, &e), 1);
	assert_int_equal(svc_subscription_run_due_wall(&done, f->db, NEXT + SUBS, &e), 0);
	assert_int_equal(done, 1);
	for (int i = 0; i < SUBS; i++)
		assert_int_equal(cycle_invoices(f, f->subs[i]), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_a_pass_renews_each_due_subscription_once, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_a_failing_subscription_is_rolled_back_alone,
						setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
