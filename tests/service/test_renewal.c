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

#define NOW 1768435200LL               /* 2026-01-15 */
#define NEXT (NOW + 31 * 86400LL)      /* 2026-02-15: the first period's end */
#define SUBS 5

struct fixture {
	char path[64];
	struct store *db;
	struct svc s;
	char subs[SUBS][64];
};

static json_t *call(int (*fn)(json_t **, struct svc *, const json_t *, struct recur_err *),
		    struct svc *s, json_t *p)
{
	json_t *out = NULL;
	struct recur_err e;
	assert_int_equal(fn(&out, s, p, &e), 0);
	json_decref(p);
	return out;
}

static void id_of(char *dst, size_t cap, json_t *obj)
{
	snprintf(dst, cap, "%s", json_string_value(json_object_get(obj, "id")));
	json_decref(obj);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct recur_err e;
	char url[80], product[64], price[64];
	snprintf(f->path, sizeof(f->path), "/tmp/recur-test-renewal-XXXXXX");
	int fd = mkstemp(f->path);
	assert_true(fd >= 0);
	close(fd);
	snprintf(url, sizeof(url), "sqlite:%s", f->path);
	assert_int_equal(store_open(&f->db, url, &e), 0);
	assert_int_equal(store_migrate(f->db, &e), 0);
	f->s = (struct svc){ .db = f->db, .scope = { "acct_test", 0 }, .now = NOW };
	id_of(product, sizeof(product), call(svc_product_create, &f->s,
					     json_pack("{s:s}", "name", "Plan")));
	id_of(price, sizeof(price), call(svc_price_create, &f->s,
					 json_pack("{s:s, s:s, s:i, s:{s:s}}", "product", product,
						   "currency", "nok", "unit_amount", 10000,
						   "recurring", "interval", "month")));
	for (int i = 0; i < SUBS; i++) {
		char customer[64];
		id_of(customer, sizeof(customer), call(svc_customer_create, &f->s,
						       json_pack("{s:s}", "name", "Kari")));
		id_of(f->subs[i], sizeof(f->subs[i]),
		      call(svc_subscription_create, &f->s,
			   json_pack("{s:s, s:[{s:s}]}", "customer", customer, "items", "price",
				     price)));
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char side[96];
	store_close(f->db);
	unlink(f->path);
	snprintf(side, sizeof(side), "%s-wal", f->path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", f->path);
	unlink(side);
	free(f);
	return 0;
}

static int64_t query_int(struct fixture *f, const char *sql, const char *arg)
{
	struct recur_err e;
	struct store_val p[] = { SV_TEXT(arg) };
	int64_t v = -1;
	assert_int_equal(store_query_int(&v, NULL, f->db, sql, p, arg ? 1 : 0, &e), 0);
	return v;
}

static int64_t cycle_invoices(struct fixture *f, const char *sub)
{
	return query_int(f, "SELECT count(*) FROM invoices WHERE subscription = $1 AND"
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
		assert_int_equal(query_int(f, "SELECT total FROM invoices WHERE subscription = $1"
					   " AND billing_reason = 'subscription_cycle'", f->subs[i]),
				 10000);
		assert_int_equal(query_int(f, "SELECT current_period_start FROM subscriptions"
					   " WHERE id = $1", f->subs[i]), NEXT);
	}
	/* gapless: the first invoices took 1..SUBS, the renewals SUBS+1..2*SUBS */
	assert_int_equal(query_int(f, "SELECT count(DISTINCT number) FROM invoices", NULL),
			 2 * SUBS);
	assert_int_equal(query_int(f, "SELECT count(*) FROM events WHERE type ="
				   " 'invoice.finalized'", NULL), 2 * SUBS);
	/* run again at the same time: nothing is due, nothing is billed twice */
	assert_int_equal(svc_subscription_run_due_wall(&done, f->db, NEXT, &e), 0);
	assert_int_equal(done, 0);
	assert_int_equal(query_int(f, "SELECT count(*) FROM invoices", NULL), 2 * SUBS);
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
	int64_t events = query_int(f, "SELECT count(*) FROM events", NULL);
	/* the failing one is rolled back alone; the others before and after it renew */
	assert_int_equal(svc_subscription_run_due_wall(&done, f->db, NEXT + SUBS, &e), 0);
	assert_int_equal(done, SUBS - 1);
	assert_int_equal(cycle_invoices(f, f->subs[0]), 1);
	assert_int_equal(cycle_invoices(f, f->subs[1]), 1);
	assert_int_equal(cycle_invoices(f, f->subs[2]), 0);
	assert_int_equal(cycle_invoices(f, f->subs[3]), 1);
	assert_int_equal(query_int(f, "SELECT periods_billed FROM subscriptions WHERE id = $1",
				   f->subs[2]), 1);
	/*
	 * the others' events (3 each, and the invoice.upcoming due 7 days before
	 * the renewal, which this pass runs first), none of the failed one's
	 */
	assert_int_equal(query_int(f, "SELECT count(*) FROM events", NULL), events + (SUBS - 1) * 4);
	assert_int_equal(query_int(f, "SELECT count(*) FROM events WHERE type = 'invoice.upcoming'",
				   NULL), SUBS - 1);
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
