/*
 * Automatic collection on real SQLite, through the wall-clock passes the
 * scheduler runs (svc_subscription_run_due_wall, svc_collection_run_due_wall):
 * the declines the API cannot produce, since the sandbox refuses to attach
 * the cards that give them (the card's token is switched underneath). A hard
 * decline (lost_card) is not retried and the final action comes when the
 * schedule would have ended; expired_card and processing_error are retried
 * (Stripe's smart retries list neither as a hard decline); a pass repeated
 * at the same time charges nothing more; a voided invoice is not collected;
 * a retry that finds the card detached counts as failed without a charge.
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

#include "service/collection.h"
#include "service/customer.h"
#include "service/invoice.h"
#include "service/payments.h"
#include "service/price.h"
#include "service/product.h"
#include "service/subscription.h"
#include "store/store.h"
#include "../support/testdb.h"

#define DAY 86400LL
#define NOW 1768435200LL           /* 2026-01-15 */
#define NEXT (NOW + 31 * DAY)      /* 2026-02-15: the first renewal */

struct fixture {
	struct testdb t;
	struct store *db;
	struct svc s;
	char customer[64], pm[64], sub[64];
};

static void exec(struct fixture *f, const char *sql, const char *a, const char *b)
{
	struct recur_err e;
	struct store_val p[] = { SV_TEXT(a), SV_TEXT(b) };
	assert_true(store_exec(f->db, sql, p, 2, &e) >= 0);
}

/* A customer paying 100.00 NOK a month with pm_card_visa as default, subscribed at NOW. */
static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct recur_err e;
	char price[64];
	json_t *out = NULL;
	f->db = testdb_open(&f->t, "collection");
	f->s = testdb_svc(f->db, NOW);
	testdb_monthly_price(price, sizeof(price), &f->s, 10000);
	testdb_customer(f->customer, sizeof(f->customer), &f->s, NULL);
	json_t *p = json_pack("{s:s}", "customer", f->customer);
	assert_int_equal(svc_payment_method_attach(&out, &f->s, "pm_card_visa", p, &e), 0);
	json_decref(p);
	testdb_id_of(f->pm, sizeof(f->pm), out);
	p = json_pack("{s:{s:s}}", "invoice_settings", "default_payment_method", f->pm);
	assert_int_equal(svc_customer_update(&out, &f->s, f->customer, p, &e), 0);
	json_decref(p);
	json_decref(out);
	testdb_id_of(f->sub, sizeof(f->sub),
		     testdb_call(svc_subscription_create, &f->s,
				 json_pack("{s:s, s:[{s:s}]}", "customer", f->customer, "items",
					   "price", price)));
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

/* From now on the customer's card answers as token does. */
static void card_becomes(struct fixture *f, const char *token)
{
	exec(f, "UPDATE payment_methods SET gateway_token = $2 WHERE id = $1", f->pm, token);
}

static void renew(struct fixture *f)
{
	struct recur_err e;
	int done = -1;
	assert_int_equal(svc_subscription_run_due_wall(&done, f->db, NEXT, &e), 0);
	assert_int_equal(done, 1);
}

static int collect(struct fixture *f, int64_t now)
{
	struct recur_err e;
	int done = -1;
	int rc = svc_collection_run_due_wall(&done, f->db, now, &e);
	if (rc != 0)
		fprintf(stderr, "collection failed: %s\n", e.message);
	assert_int_equal(rc, 0);
	return done;
}

static const char *status(struct fixture *f)
{
	static char buf[32];
	json_t *sub = NULL;
	struct recur_err e;
	assert_int_equal(svc_subscription_retrieve(&sub, &f->s, f->sub, &e), 0);
	snprintf(buf, sizeof(buf), "%s", json_string_value(json_object_get(sub, "status")));
	json_decref(sub);
	return buf;
}

#define RENEWAL_SQL(col) "SELECT " col " FROM invoices WHERE subscription = $1 AND" \
	" billing_reason = 'subscription_cycle'"

static void test_a_hard_decline_is_not_retried(void **state)
{
	struct fixture *f = *state;
	card_becomes(f, "pm_card_chargeDeclinedLostCard");
	renew(f);
	assert_string_equal(status(f), "past_due");
	assert_int_equal(testdb_int(f->db, RENEWAL_SQL("attempt_count"), f->sub), 1);
	/* No retry is planned; the final action waits for the end of the 7-day window. */
	assert_int_equal(testdb_int(f->db, RENEWAL_SQL("next_payment_attempt IS NULL"), f->sub), 1);
	assert_int_equal(testdb_int(f->db, RENEWAL_SQL("collection_due_at"), f->sub),
			 NEXT + 7 * DAY);
	assert_int_equal(collect(f, NEXT + 3 * DAY), 0);
	assert_int_equal(collect(f, NEXT + 5 * DAY), 0);
	assert_int_equal(collect(f, NEXT + 7 * DAY), 1);
	assert_string_equal(status(f), "canceled");
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM subscriptions WHERE id = $1 AND"
				    " cancellation_details LIKE '%payment_failed%'", f->sub), 1);
	assert_int_equal(testdb_int(f->db, RENEWAL_SQL("attempt_count"), f->sub), 1);
	assert_int_equal(testdb_int(f->db, RENEWAL_SQL("collection_due_at IS NULL"), f->sub), 1);
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM charges WHERE status = 'failed'",
				    NULL), 1);
	assert_int_equal(collect(f, NEXT + 30 * DAY), 0);
}

static void retried(struct fixture *f, const char *token)
{
	card_becomes(f, token);
	renew(f);
	assert_string_equal(status(f), "past_due");
	assert_int_equal(testdb_int(f->db, RENEWAL_SQL("next_payment_attempt"), f->sub),
			 NEXT + 3 * DAY);
	assert_int_equal(collect(f, NEXT + 3 * DAY), 1);
	assert_int_equal(testdb_int(f->db, RENEWAL_SQL("attempt_count"), f->sub), 2);
	/* The same pass again: nothing is due, nothing is charged. */
	assert_int_equal(collect(f, NEXT + 3 * DAY), 0);
	assert_int_equal(testdb_int(f->db, RENEWAL_SQL("attempt_count"), f->sub), 2);
	assert_int_equal(testdb_int(f->db, RENEWAL_SQL("next_payment_attempt"), f->sub),
			 NEXT + 5 * DAY);
	/* The card works again: the day-5 retry pays and the subscription is active. */
	card_becomes(f, "pm_card_visa");
	assert_int_equal(collect(f, NEXT + 6 * DAY), 1);
	assert_string_equal(status(f), "active");
	assert_int_equal(testdb_int(f->db, RENEWAL_SQL("count(*)"), f->sub), 1);
	assert_int_equal(testdb_int(f->db, RENEWAL_SQL("status = 'paid'"), f->sub), 1);
	assert_int_equal(testdb_int(f->db, RENEWAL_SQL("attempt_count"), f->sub), 3);
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM charges WHERE status ="
				    " 'succeeded'", NULL), 2);
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM charges WHERE status = 'failed'",
				    NULL), 2);
	/* Paid at the retry's time, which was due at day 5. */
	assert_int_equal(testdb_int(f->db, "SELECT max(created) FROM charges", NULL),
			 NEXT + 5 * DAY);
	assert_int_equal(collect(f, NEXT + 30 * DAY), 0);
}

static void test_expired_card_is_retried(void **state)
{
	retried(*state, "pm_card_chargeDeclinedExpiredCard");
}

static void test_processing_error_is_retried(void **state)
{
	retried(*state, "pm_card_chargeDeclinedProcessingError");
}

static void test_a_voided_invoice_is_not_collected(void **state)
{
	struct fixture *f = *state;
	struct recur_err e;
	json_t *out = NULL, *none = json_object();
	char inv[64];
	card_becomes(f, "pm_card_chargeCustomerFail");
	renew(f);
	assert_string_equal(status(f), "past_due");
	/* The newest invoice of the subscription is the renewal. */
	json_t *list = NULL, *q = json_pack("{s:s}", "subscription", f->sub);
	assert_int_equal(svc_invoice_list(&list, &f->s, q, &e), 0);
	json_decref(q);
	snprintf(inv, sizeof(inv), "%s",
		 json_string_value(json_object_get(json_array_get(json_object_get(list, "data"), 0),
						   "id")));
	json_decref(list);
	assert_int_equal(svc_invoice_void(&out, &f->s, inv, none, &e), 0);
	json_decref(out);
	json_decref(none);
	assert_int_equal(collect(f, NEXT + 30 * DAY), 0);
	assert_int_equal(testdb_int(f->db, RENEWAL_SQL("attempt_count"), f->sub), 1);
	/* Rendered: nothing planned for a void invoice. */
	assert_int_equal(svc_invoice_retrieve(&out, &f->s, inv, &e), 0);
	assert_true(json_is_null(json_object_get(out, "next_payment_attempt")));
	assert_null(json_object_get(out, "collection_due_at"));
	json_decref(out);
}

static void test_a_retry_with_no_method_left_counts_as_failed(void **state)
{
	struct fixture *f = *state;
	struct recur_err e;
	json_t *out = NULL, *none = json_object();
	card_becomes(f, "pm_card_chargeCustomerFail");
	renew(f);
	assert_string_equal(status(f), "past_due");
	/* The customer removes the card: the retries find nothing to charge. */
	assert_int_equal(svc_payment_method_detach(&out, &f->s, f->pm, none, &e), 0);
	json_decref(out);
	json_decref(none);
	assert_int_equal(collect(f, NEXT + 3 * DAY), 1);
	assert_int_equal(testdb_int(f->db, RENEWAL_SQL("attempt_count"), f->sub), 2);
	assert_int_equal(testdb_int(f->db, RENEWAL_SQL("next_payment_attempt"), f->sub),
			 NEXT + 5 * DAY);
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM charges WHERE status = 'failed'",
				    NULL), 1);
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM events WHERE type ="
				    " 'invoice.payment_failed'", NULL), 2);
	assert_int_equal(collect(f, NEXT + 7 * DAY), 1);
	assert_int_equal(testdb_int(f->db, RENEWAL_SQL("attempt_count"), f->sub), 4);
	assert_string_equal(status(f), "canceled");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_a_hard_decline_is_not_retried, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expired_card_is_retried, setup, teardown),
		cmocka_unit_test_setup_teardown(test_processing_error_is_retried, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_voided_invoice_is_not_collected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_retry_with_no_method_left_counts_as_failed, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
