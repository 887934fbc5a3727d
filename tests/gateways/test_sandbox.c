/*
 * Sandbox gateway and payment attempt tests on a real SQLite file: the test
 * cards' details and deterministic outcomes, idempotency per key (same key,
 * same outcome, one row, across a reopen; another request under the key is
 * refused), refunds capped at the charge, svc_payment_attempt exactly once
 * per (invoice, attempt), Stripe's payment method resolution order, and
 * refunds through the service, with the ledger postings a charge and its
 * refunds make.
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

#include "gateways/gateway.h"
#include "gateways/sandbox.h"
#include "service/customer.h"
#include "service/invoice.h"
#include "service/payments.h"
#include "store/store.h"
#include "../support/testdb.h"

#define NOW 1767225600 /* 2026-01-01 */

struct fixture {
	struct testdb t;
	struct store *db;
	struct svc s;
	char customer[64];
};

static const char *str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static int64_t num(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

/*
 * An open invoice of amount for the customer, charged automatically: a charge
 * that succeeds posts its payment against it, so it must exist.
 */
static void open_invoice(struct fixture *f, int64_t amount, const char *currency, char *id,
			 size_t cap)
{
	struct recur_err e;
	struct svc_invoice_line line = { .amount = amount, .quantity = 1, .description = "Work",
					 .period_start = NOW, .period_end = NOW + 86400 };
	struct svc_invoice_spec spec = {
		.customer = f->customer, .billing_reason = "manual", .currency = currency,
		.collection_method = "charge_automatically", .period_start = NOW,
		.period_end = NOW + 86400, .now = NOW, .finalize = true, .lines = &line, .n_lines = 1,
	};
	assert_int_equal(store_begin(f->db, &e), 0);
	assert_int_equal(svc_invoice_create_id(id, cap, &f->s, &spec, &e), 0);
	assert_int_equal(store_commit(f->db, &e), 0);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	f->db = testdb_open(&f->t, "sandbox");
	f->s = testdb_svc(f->db, NOW);
	testdb_customer(f->customer, sizeof(f->customer), &f->s, NULL);
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

/* One number from the ledger; $1 is prefix followed by id. */
static int64_t ledger_int(struct fixture *f, const char *sql, const char *prefix, const char *id)
{
	char param[128];
	snprintf(param, sizeof(param), "%s%s", prefix, id);
	return testdb_int(f->db, sql, param);
}

static struct gateway_ctx ctx_of(struct fixture *f)
{
	return (struct gateway_ctx){ .db = f->db, .scope = f->s.scope, .now = NOW };
}

/* Attaches a test token to customer; returns the new pm id in out. */
static void attach(struct fixture *f, const char *token, const char *customer, char *out,
		   size_t cap)
{
	struct recur_err e;
	json_t *p = json_pack("{s:s}", "customer", customer), *pm = NULL;
	assert_int_equal(svc_payment_method_attach(&pm, &f->s, token, p, &e), 0);
	snprintf(out, cap, "%s", str(pm, "id"));
	json_decref(pm);
	json_decref(p);
}

static void test_cards(void **state)
{
	static const struct {
		const char *token, *brand, *last4;
	} rows[] = {
		{ "pm_card_visa", "visa", "4242" },
		{ "tok_visa", "visa", "4242" },
		{ "pm_card_mastercard", "mastercard", "4444" },
		{ "pm_card_chargeDeclined", "visa", "0002" },
		{ "pm_card_chargeDeclinedInsufficientFunds", "visa", "9995" },
		{ "pm_card_chargeCustomerFail", "visa", "0341" },
		{ "pm_card_chargeDeclinedExpiredCard", "visa", "0069" },
		{ "tok_chargeDeclinedExpiredCard", "visa", "0069" },
	};
	struct fixture *f = *state;
	struct gateway_ctx ctx = ctx_of(f);
	struct gateway_card c, again;
	struct recur_err e;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		assert_int_equal(sandbox_gateway.card(&c, &ctx, rows[i].token, &e), 0);
		assert_string_equal(c.brand, rows[i].brand);
		assert_string_equal(c.last4, rows[i].last4);
		assert_int_equal(c.exp_month, 12);
		assert_int_equal(c.exp_year, 2034);
		assert_int_equal(strncmp(c.token, "pm_card_", 8), 0);
		assert_int_equal(strlen(c.fingerprint), 16);
	}
	/* tok_visa and pm_card_visa are one card: same canonical token and fingerprint */
	assert_int_equal(sandbox_gateway.card(&c, &ctx, "tok_visa", &e), 0);
	assert_int_equal(sandbox_gateway.card(&again, &ctx, "pm_card_visa", &e), 0);
	assert_string_equal(c.token, "pm_card_visa");
	assert_string_equal(c.fingerprint, again.fingerprint);
	/* a fingerprint is per tenant, as Stripe's is per account */
	ctx.scope.tenant = "acct_other";
	assert_int_equal(sandbox_gateway.card(&again, &ctx, "pm_card_visa", &e), 0);
	assert_string_not_equal(c.fingerprint, again.fingerprint);
	assert_int_equal(sandbox_gateway.card(&c, &ctx, "pm_card_bogus", &e), RECUR_EINVAL);
	assert_int_equal(sandbox_gateway.card(&c, &ctx, "4242424242424242", &e), RECUR_EINVAL);
	assert_int_equal(e.status, 400);
	assert_ptr_equal(gateway_find("sandbox"), &sandbox_gateway);
	assert_null(gateway_find("stripe"));
	assert_ptr_equal(gateway_for_mode(0), &sandbox_gateway);
	assert_null(gateway_for_mode(1));
}

static void test_charge_outcomes(void **state)
{
	static const struct {
		const char *token;
		enum gateway_status status;
		const char *code, *decline_code;
		bool retryable, attachable;
	} rows[] = {
		{ "pm_card_visa", GATEWAY_SUCCEEDED, "", "", false, true },
		{ "pm_card_mastercard", GATEWAY_SUCCEEDED, "", "", false, true },
		{ "pm_card_chargeDeclined", GATEWAY_DECLINED, "card_declined", "generic_decline", false, false },
		{ "pm_card_chargeDeclinedInsufficientFunds", GATEWAY_DECLINED, "card_declined",
		  "insufficient_funds", false, false },
		{ "pm_card_chargeCustomerFail", GATEWAY_DECLINED, "card_declined", "generic_decline",
		  false, true },
		{ "pm_card_chargeDeclinedExpiredCard", GATEWAY_DECLINED, "expired_card", "expired_card",
		  false, false },
		{ "pm_card_chargeDeclinedLostCard", GATEWAY_DECLINED, "card_declined", "lost_card", false,
		  false },
		{ "pm_card_chargeDeclinedStolenCard", GATEWAY_DECLINED, "card_declined", "stolen_card",
		  false, false },
		{ "pm_card_chargeDeclinedProcessingError", GATEWAY_FAILED, "processing_error", "", true,
		  false },
	};
	struct fixture *f = *state;
	struct gateway_ctx ctx = ctx_of(f);
	struct gateway_result r;
	struct recur_err e;
	char key[64];
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		snprintf(key, sizeof(key), "in_test:%zu", i + 1);
		assert_int_equal(sandbox_gateway.charge(&r, &ctx, 1000, "nok", rows[i].token, key, &e), 0);
		assert_int_equal(r.status, rows[i].status);
		assert_string_equal(r.code, rows[i].code);
		assert_string_equal(r.decline_code, rows[i].decline_code);
		assert_int_equal(r.retryable, rows[i].retryable);
		assert_false(r.replayed);
		assert_string_equal(r.reference, key);
		if (r.status != GATEWAY_SUCCEEDED)
			assert_true(strlen(r.message) > 0);
		assert_int_equal(sandbox_gateway.verify(&r, &ctx, rows[i].token, &e), 0);
		assert_int_equal(r.status == GATEWAY_SUCCEEDED, rows[i].attachable);
	}
	assert_int_equal(testdb_count(f->db, "gateway_sandbox_attempts"),
			 (int64_t)(sizeof(rows) / sizeof(rows[0])));
	/* verify records nothing; an unknown token is an error, not an outcome */
	assert_int_equal(sandbox_gateway.charge(&r, &ctx, 1000, "nok", "pm_card_nope", "k:x", &e),
			 RECUR_EINVAL);
}

static void test_charge_idempotent_per_key(void **state)
{
	struct fixture *f = *state;
	struct gateway_ctx ctx = ctx_of(f);
	struct gateway_result a, b;
	struct recur_err e;
	assert_int_equal(sandbox_gateway.charge(&a, &ctx, 2500, "nok", "pm_card_chargeDeclined",
						"in_1:1", &e), 0);
	assert_int_equal(sandbox_gateway.charge(&b, &ctx, 2500, "nok", "tok_chargeDeclined",
						"in_1:1", &e), 0);
	assert_false(a.replayed);
	assert_true(b.replayed);
	assert_int_equal(a.status, b.status);
	assert_string_equal(a.code, b.code);
	assert_string_equal(a.decline_code, b.decline_code);
	assert_string_equal(a.message, b.message);
	assert_string_equal(a.reference, b.reference);
	assert_int_equal(testdb_count(f->db, "gateway_sandbox_attempts"), 1);

	/* the same key for another request is refused and records nothing */
	assert_int_equal(sandbox_gateway.charge(&b, &ctx, 2600, "nok", "pm_card_chargeDeclined",
						"in_1:1", &e), RECUR_ECONFLICT);
	assert_string_equal(e.type, "idempotency_error");
	assert_int_equal(sandbox_gateway.charge(&b, &ctx, 2500, "nok", "pm_card_visa", "in_1:1", &e),
			 RECUR_ECONFLICT);
	assert_int_equal(testdb_count(f->db, "gateway_sandbox_attempts"), 1);

	/* keys are per tenant and mode */
	ctx.scope.livemode = 1;
	assert_int_equal(sandbox_gateway.charge(&b, &ctx, 2500, "nok", "pm_card_visa", "in_1:1", &e), 0);
	assert_false(b.replayed);
	assert_int_equal(b.status, GATEWAY_SUCCEEDED);
	assert_int_equal(testdb_count(f->db, "gateway_sandbox_attempts"), 2);

	/* the record survives a restart: a new connection answers from it */
	store_close(f->db);
	assert_int_equal(store_open(&f->db, f->t.url, &e), 0);
	f->s.db = f->db;
	ctx = ctx_of(f);
	assert_int_equal(sandbox_gateway.charge(&b, &ctx, 2500, "nok", "pm_card_chargeDeclined",
						"in_1:1", &e), 0);
	assert_true(b.replayed);
	assert_int_equal(b.status, GATEWAY_DECLINED);
	assert_string_equal(b.decline_code, "generic_decline");
	assert_int_equal(testdb_count(f->db, "gateway_sandbox_attempts"), 2);
}

static void test_refund_limits(void **state)
{
	struct fixture *f = *state;
	struct gateway_ctx ctx = ctx_of(f);
	struct gateway_result r;
	struct recur_err e;
	assert_int_equal(sandbox_gateway.charge(&r, &ctx, 1000, "nok", "pm_card_visa", "in_2:1", &e), 0);
	assert_int_equal(sandbox_gateway.refund(&r, &ctx, "in_2:1", 400, "re:1", &e), 0);
	assert_int_equal(r.status, GATEWAY_SUCCEEDED);
	assert_int_equal(sandbox_gateway.refund(&r, &ctx, "in_2:1", 700, "re:2", &e), 0);
	assert_int_equal(r.status, GATEWAY_FAILED);
	assert_string_equal(r.code, "amount_too_large");
	assert_false(r.retryable);
	assert_int_equal(sandbox_gateway.refund(&r, &ctx, "in_2:1", 600, "re:3", &e), 0);
	assert_int_equal(r.status, GATEWAY_SUCCEEDED);
	assert_int_equal(sandbox_gateway.refund(&r, &ctx, "in_2:1", 1, "re:4", &e), 0);
	assert_int_equal(r.status, GATEWAY_FAILED);
	/* a replayed refund is not a second refund */
	assert_int_equal(sandbox_gateway.refund(&r, &ctx, "in_2:1", 400, "re:1", &e), 0);
	assert_true(r.replayed);
	assert_int_equal(r.status, GATEWAY_SUCCEEDED);
	/* nothing to refund on a declined or unknown charge */
	assert_int_equal(sandbox_gateway.charge(&r, &ctx, 1000, "nok", "pm_card_chargeDeclined",
						"in_3:1", &e), 0);
	assert_int_equal(sandbox_gateway.refund(&r, &ctx, "in_3:1", 1, "re:5", &e), 0);
	assert_int_equal(r.status, GATEWAY_FAILED);
	assert_string_equal(r.code, "charge_not_refundable");
	assert_int_equal(sandbox_gateway.refund(&r, &ctx, "in_nope:1", 1, "re:6", &e), 0);
	assert_string_equal(r.code, "resource_missing");
	assert_int_equal(sandbox_gateway.refund(&r, &ctx, "re:1", 1, "re:7", &e), 0);
	assert_string_equal(r.code, "resource_missing"); /* a refund is not a charge */
}

static int attempt(struct fixture *f, json_t **pi, struct svc_payment_result *res,
		   const struct svc_payment_request *req, struct recur_err *e)
{
	struct recur_err ignored;
	assert_int_equal(store_begin(f->db, &ignored), 0);
	int rc = svc_payment_attempt(pi, res, &f->s, req, e);
	if (rc == 0)
		assert_int_equal(store_commit(f->db, &ignored), 0);
	else
		store_rollback(f->db);
	return rc;
}

static void test_attempt_succeeds_once(void **state)
{
	struct fixture *f = *state;
	struct svc_payment_result res, again;
	struct recur_err e;
	json_t *pi = NULL, *ch = NULL, *pi2 = NULL;
	char pm[64], in_a[64];
	attach(f, "pm_card_visa", f->customer, pm, sizeof(pm));
	open_invoice(f, 29900, "nok", in_a, sizeof(in_a));
	int64_t events = testdb_count(f->db, "events");
	struct svc_payment_request req = { .customer = f->customer, .invoice = in_a,
					   .amount = 29900, .currency = "nok",
					   .payment_method = pm, .attempt = 1 };
	assert_int_equal(attempt(f, &pi, &res, &req, &e), 0);
	assert_int_equal(res.status, GATEWAY_SUCCEEDED);
	assert_false(res.replayed);
	assert_string_equal(res.payment_intent, str(pi, "id"));
	assert_int_equal(strncmp(res.charge, "ch_", 3), 0);
	assert_string_equal(str(pi, "status"), "succeeded");
	assert_int_equal(num(pi, "amount"), 29900);
	assert_int_equal(num(pi, "amount_received"), 29900);
	assert_string_equal(str(pi, "invoice"), in_a);
	assert_string_equal(str(pi, "latest_charge"), res.charge);
	assert_true(json_is_null(json_object_get(pi, "last_payment_error")));
	assert_null(json_object_get(pi, "attempt"));     /* bookkeeping stays inside */
	assert_null(json_object_get(pi, "gateway_key"));
	assert_int_equal(svc_charge_retrieve(&ch, &f->s, res.charge, &e), 0);
	assert_string_equal(str(ch, "status"), "succeeded");
	assert_true(json_is_true(json_object_get(ch, "paid")));
	assert_true(json_is_true(json_object_get(ch, "captured")));
	assert_int_equal(num(ch, "amount_captured"), 29900);
	assert_string_equal(str(json_object_get(ch, "outcome"), "type"), "authorized");
	assert_string_equal(str(json_object_get(json_object_get(ch, "payment_method_details"), "card"),
				"last4"), "4242");
	assert_null(json_object_get(ch, "gateway_reference"));
	/* pi.created, charge.succeeded, pi.succeeded */
	assert_int_equal(testdb_count(f->db, "events") - events, 3);
	/* The money is on the books: clearing debited, the invoice's receivable settled. */
	assert_int_equal(ledger_int(f, "SELECT count(*) FROM ledger_entries WHERE source = $1",
				    "payment:", res.payment_intent), 2);
	assert_int_equal(ledger_int(f, "SELECT debit FROM ledger_entries WHERE source = $1"
				    " AND account = 'payment_clearing'", "payment:",
				    res.payment_intent), 29900);
	assert_int_equal(ledger_int(f, "SELECT credit FROM ledger_entries WHERE source = $1"
				    " AND account = 'receivables'", "payment:", res.payment_intent),
			 29900);

	/* the same attempt again: same answer, nothing new anywhere */
	assert_int_equal(attempt(f, &pi2, &again, &req, &e), 0);
	assert_true(again.replayed);
	assert_int_equal(again.status, GATEWAY_SUCCEEDED);
	assert_string_equal(again.payment_intent, res.payment_intent);
	assert_string_equal(again.charge, res.charge);
	assert_string_equal(str(pi2, "id"), str(pi, "id"));
	assert_int_equal(testdb_count(f->db, "payment_intents"), 1);
	assert_int_equal(testdb_count(f->db, "charges"), 1);
	assert_int_equal(testdb_count(f->db, "gateway_sandbox_attempts"), 1);
	assert_int_equal(testdb_count(f->db, "events") - events, 3);
	assert_int_equal(ledger_int(f, "SELECT count(*) FROM ledger_entries WHERE source = $1",
				    "payment:", res.payment_intent), 2);

	/* the same attempt for another amount is a conflict, and writes nothing */
	req.amount = 30000;
	assert_int_equal(attempt(f, NULL, &again, &req, &e), RECUR_ECONFLICT);
	assert_string_equal(e.type, "idempotency_error");
	assert_int_equal(testdb_count(f->db, "payment_intents"), 1);
	json_decref(pi);
	json_decref(pi2);
	json_decref(ch);
}

static void test_attempt_declines_and_retries(void **state)
{
	struct fixture *f = *state;
	struct svc_payment_result res;
	struct recur_err e, card;
	json_t *pi = NULL, *ch = NULL;
	char pm[64];
	attach(f, "pm_card_chargeCustomerFail", f->customer, pm, sizeof(pm));
	struct svc_payment_request req = { .customer = f->customer, .invoice = "in_B",
					   .amount = 19900, .currency = "sek",
					   .payment_method = pm, .attempt = 1 };
	for (int n = 1; n <= 3; n++) {
		req.attempt = n;
		assert_int_equal(attempt(f, &pi, &res, &req, &e), 0);
		assert_int_equal(res.status, GATEWAY_DECLINED);
		assert_false(res.replayed);
		assert_string_equal(res.code, "card_declined");
		assert_string_equal(res.decline_code, "generic_decline");
		assert_string_equal(res.message, "Your card was declined.");
		assert_string_equal(str(pi, "status"), "requires_payment_method");
		assert_int_equal(num(pi, "amount_received"), 0);
		const json_t *lpe = json_object_get(pi, "last_payment_error");
		assert_string_equal(str(lpe, "type"), "card_error");
		assert_string_equal(str(lpe, "code"), "card_declined");
		assert_string_equal(str(lpe, "decline_code"), "generic_decline");
		assert_string_equal(str(lpe, "charge"), res.charge);
		assert_string_equal(str(json_object_get(lpe, "payment_method"), "id"), pm);
		assert_int_equal(svc_charge_retrieve(&ch, &f->s, res.charge, &e), 0);
		assert_string_equal(str(ch, "status"), "failed");
		assert_false(json_is_true(json_object_get(ch, "paid")));
		assert_string_equal(str(ch, "failure_code"), "card_declined");
		assert_string_equal(str(json_object_get(ch, "outcome"), "reason"), "generic_decline");
		assert_string_equal(str(json_object_get(ch, "outcome"), "type"), "issuer_declined");
		json_decref(pi);
		json_decref(ch);
		pi = ch = NULL;
	}
	/* each attempt is its own gateway call, keyed <invoice>:<attempt> */
	int64_t n = 0;
	struct store_val p[] = { SV_TEXT("in_B:%") };
	assert_int_equal(store_query_int(&n, NULL, f->db, "SELECT count(*) FROM"
					 " gateway_sandbox_attempts WHERE idempotency_key LIKE $1",
					 p, 1, &e), 0);
	assert_int_equal(n, 3);
	assert_int_equal(testdb_count(f->db, "payment_intents"), 3);
	assert_int_equal(svc_payment_result_error(&card, &res), RECUR_ECARD);
	assert_int_equal(card.status, 402);
	assert_string_equal(card.type, "card_error");
	assert_string_equal(card.code, "card_declined");

	/* a processing error is a failure worth retrying */
	attach(f, "pm_card_visa", f->customer, pm, sizeof(pm));
	json_t *row = NULL;
	assert_int_equal(store_obj_get(&row, f->db, &svc_payment_methods_table, &f->s.scope, pm, &e), 0);
	json_object_set_new(row, "gateway_token", json_string("pm_card_chargeDeclinedProcessingError"));
	assert_int_equal(store_obj_update(f->db, &svc_payment_methods_table, &f->s.scope, row, &e), 0);
	json_decref(row);
	req = (struct svc_payment_request){ .customer = f->customer, .invoice = "in_C", .amount = 100,
					    .currency = "eur", .payment_method = pm, .attempt = 1 };
	assert_int_equal(attempt(f, &pi, &res, &req, &e), 0);
	assert_int_equal(res.status, GATEWAY_FAILED);
	assert_true(res.retryable);
	assert_string_equal(res.code, "processing_error");
	json_decref(pi);
}

static void test_attempt_rolled_back_never_happened(void **state)
{
	struct fixture *f = *state;
	struct svc_payment_result res;
	struct recur_err e;
	char pm[64], in_d[64];
	attach(f, "pm_card_visa", f->customer, pm, sizeof(pm));
	open_invoice(f, 5000, "nok", in_d, sizeof(in_d));
	struct svc_payment_request req = { .customer = f->customer, .invoice = in_d,
					   .amount = 5000, .currency = "nok",
					   .payment_method = pm, .attempt = 1 };
	assert_int_equal(store_begin(f->db, &e), 0);
	assert_int_equal(svc_payment_attempt(NULL, &res, &f->s, &req, &e), 0);
	store_rollback(f->db);
	assert_int_equal(testdb_count(f->db, "payment_intents"), 0);
	assert_int_equal(testdb_count(f->db, "charges"), 0);
	assert_int_equal(testdb_count(f->db, "gateway_sandbox_attempts"), 0);
	assert_int_equal(ledger_int(f, "SELECT count(*) FROM ledger_entries WHERE source LIKE $1",
				    "payment:", "%"), 0);
	assert_int_equal(attempt(f, NULL, &res, &req, &e), 0);
	assert_false(res.replayed);
	assert_int_equal(res.status, GATEWAY_SUCCEEDED);
	assert_int_equal(testdb_count(f->db, "charges"), 1);
}

static void test_attempt_bad_requests(void **state)
{
	struct fixture *f = *state;
	struct svc_payment_result res;
	struct recur_err e;
	char pm[64], other[64], pm_other[64];
	attach(f, "pm_card_visa", f->customer, pm, sizeof(pm));
	testdb_customer(other, sizeof(other), &f->s, NULL);
	attach(f, "pm_card_visa", other, pm_other, sizeof(pm_other));
	struct svc_payment_request req = { .customer = f->customer, .invoice = "in_E",
					   .amount = 5000, .currency = "nok",
					   .payment_method = pm_other, .attempt = 1 };
	assert_int_equal(attempt(f, NULL, &res, &req, &e), RECUR_EINVAL);
	assert_string_equal(e.param, "payment_method");
	req.payment_method = "pm_missing";
	assert_int_equal(attempt(f, NULL, &res, &req, &e), RECUR_EINVAL);
	assert_string_equal(e.param, "payment_method");
	req.payment_method = pm;
	req.amount = 0;
	assert_int_equal(attempt(f, NULL, &res, &req, &e), RECUR_EINVAL);
	assert_string_equal(e.param, "amount");
	req.amount = 100;
	req.attempt = 0;
	assert_int_equal(attempt(f, NULL, &res, &req, &e), RECUR_EINVAL);
	assert_string_equal(e.param, "attempt");
	req.attempt = 1;
	req.currency = "xyz";
	assert_int_equal(attempt(f, NULL, &res, &req, &e), RECUR_EINVAL);
	assert_string_equal(e.param, "currency");
	assert_int_equal(testdb_count(f->db, "payment_intents"), 0);
	assert_int_equal(testdb_count(f->db, "gateway_sandbox_attempts"), 0);
}

static void set_customer_default(struct fixture *f, const char *pm)
{
	struct recur_err e;
	json_t *p = json_pack("{s:{s:s}}", "invoice_settings", "default_payment_method", pm), *c = NULL;
	assert_int_equal(svc_customer_update(&c, &f->s, f->customer, p, &e), 0);
	json_decref(c);
	json_decref(p);
}

static void test_resolution_order(void **state)
{
	struct fixture *f = *state;
	struct recur_err e;
	json_t *cus = NULL, *pm = NULL, *out = NULL;
	char sub_pm[64], cus_pm[64];
	attach(f, "pm_card_visa", f->customer, sub_pm, sizeof(sub_pm));
	attach(f, "pm_card_mastercard", f->customer, cus_pm, sizeof(cus_pm));

	assert_int_equal(svc_customer_retrieve(&cus, &f->s, f->customer, &e), 0);
	assert_int_equal(svc_payment_method_resolve(&pm, &f->s, NULL, cus, &e), 0);
	assert_null(pm);
	assert_int_equal(svc_payment_method_resolve(&pm, &f->s, sub_pm, cus, &e), 1);
	assert_string_equal(str(pm, "id"), sub_pm);
	assert_string_equal(str(pm, "gateway_token"), "pm_card_visa");
	json_decref(pm);
	json_decref(cus);

	set_customer_default(f, cus_pm);
	assert_int_equal(svc_customer_retrieve(&cus, &f->s, f->customer, &e), 0);
	assert_int_equal(svc_payment_method_resolve(&pm, &f->s, sub_pm, cus, &e), 1);
	assert_string_equal(str(pm, "id"), sub_pm); /* the subscription's comes first */
	json_decref(pm);
	assert_int_equal(svc_payment_method_resolve(&pm, &f->s, NULL, cus, &e), 1);
	assert_string_equal(str(pm, "id"), cus_pm);
	json_decref(pm);
	assert_int_equal(svc_payment_method_check(&f->s, f->customer, cus_pm, "default_payment_method",
						  &e), 0);

	/* a detached subscription default cannot be charged: the customer's is used */
	assert_int_equal(svc_payment_method_detach(&out, &f->s, sub_pm, NULL, &e), 0);
	json_decref(out);
	assert_int_equal(svc_payment_method_resolve(&pm, &f->s, sub_pm, cus, &e), 1);
	assert_string_equal(str(pm, "id"), cus_pm);
	json_decref(pm);
	assert_int_equal(svc_payment_method_check(&f->s, f->customer, sub_pm, "default_payment_method",
						  &e), RECUR_EINVAL);
	assert_string_equal(e.param, "default_payment_method");
	assert_int_equal(svc_payment_method_check(&f->s, f->customer, "pm_card_visa",
						  "invoice_settings[default_payment_method]", &e),
			 RECUR_EINVAL);
	assert_string_equal(e.code, "resource_missing");
	json_decref(cus);

	/* detaching the customer's default clears it from invoice_settings */
	assert_int_equal(svc_payment_method_detach(&out, &f->s, cus_pm, NULL, &e), 0);
	json_decref(out);
	assert_int_equal(svc_customer_retrieve(&cus, &f->s, f->customer, &e), 0);
	assert_true(json_is_null(json_object_get(json_object_get(cus, "invoice_settings"),
						 "default_payment_method")));
	assert_int_equal(svc_payment_method_resolve(&pm, &f->s, sub_pm, cus, &e), 0);
	json_decref(cus);
}

static json_t *refund(struct fixture *f, int *rc, struct recur_err *e, const char *fmt, ...)
{
	va_list ap;
	json_t *out = NULL;
	va_start(ap, fmt);
	json_t *p = json_vpack_ex(NULL, 0, fmt, ap);
	va_end(ap);
	*rc = svc_refund_create(&out, &f->s, p, e);
	json_decref(p);
	return out;
}

static void test_refunds(void **state)
{
	struct fixture *f = *state;
	struct svc_payment_result res;
	struct recur_err e;
	json_t *pi = NULL, *re = NULL, *ch = NULL;
	char pm[64], in_f[64];
	int rc;
	attach(f, "pm_card_visa", f->customer, pm, sizeof(pm));
	open_invoice(f, 10000, "nok", in_f, sizeof(in_f));
	struct svc_payment_request req = { .customer = f->customer, .invoice = in_f,
					   .amount = 10000, .currency = "nok",
					   .payment_method = pm, .attempt = 1 };
	assert_int_equal(attempt(f, &pi, &res, &req, &e), 0);

	re = refund(f, &rc, &e, "{s:s, s:i, s:s}", "charge", res.charge, "amount", 2500, "reason",
		    "requested_by_customer");
	assert_int_equal(rc, 0);
	assert_int_equal(num(re, "amount"), 2500);
	assert_string_equal(str(re, "status"), "succeeded");
	assert_string_equal(str(re, "charge"), res.charge);
	assert_string_equal(str(re, "payment_intent"), res.payment_intent);
	assert_string_equal(str(re, "currency"), "nok");
	assert_null(json_object_get(re, "gateway_key"));
	json_decref(re);
	assert_int_equal(svc_charge_retrieve(&ch, &f->s, res.charge, &e), 0);
	assert_int_equal(num(ch, "amount_refunded"), 2500);
	assert_false(json_is_true(json_object_get(ch, "refunded")));
	json_decref(ch);

	/* more than is left: 400 on amount, nothing written */
	int64_t before = testdb_count(f->db, "gateway_sandbox_attempts");
	re = refund(f, &rc, &e, "{s:s, s:i}", "payment_intent", res.payment_intent, "amount", 7501);
	assert_int_equal(rc, RECUR_EINVAL);
	assert_int_equal(e.status, 400);
	assert_string_equal(e.param, "amount");
	assert_string_equal(e.message, "Refund amount (75.01 NOK) is greater than unrefunded amount"
				       " on charge (75.00 NOK)");
	assert_int_equal(testdb_count(f->db, "gateway_sandbox_attempts"), before);

	/* the rest, by payment intent and without an amount */
	re = refund(f, &rc, &e, "{s:s}", "payment_intent", res.payment_intent);
	assert_int_equal(rc, 0);
	assert_int_equal(num(re, "amount"), 7500);
	json_decref(re);
	assert_int_equal(svc_charge_retrieve(&ch, &f->s, res.charge, &e), 0);
	assert_int_equal(num(ch, "amount_refunded"), 10000);
	assert_true(json_is_true(json_object_get(ch, "refunded")));
	json_decref(ch);

	re = refund(f, &rc, &e, "{s:s}", "charge", res.charge);
	assert_int_equal(rc, RECUR_EINVAL);
	assert_string_equal(e.code, "charge_already_refunded");
	re = refund(f, &rc, &e, "{s:s}", "charge", "ch_missing");
	assert_int_equal(rc, RECUR_ENOTFOUND);
	assert_int_equal(e.status, 400);
	assert_string_equal(e.param, "charge");
	re = refund(f, &rc, &e, "{s:i}", "amount", 1);
	assert_int_equal(rc, RECUR_EINVAL);
	assert_string_equal(e.param, "charge");
	assert_int_equal(testdb_count(f->db, "refunds"), 2);
	/*
	 * Each refund takes the sale back (revenue; the invoice has no VAT) and
	 * pays it out of clearing; refunds_payable nets to zero between them.
	 */
	assert_int_equal(ledger_int(f, "SELECT count(*) FROM ledger_entries WHERE source LIKE $1",
				    "refund:", "%"), 4);
	assert_int_equal(ledger_int(f, "SELECT count(*) FROM ledger_entries WHERE source LIKE $1",
				    "credit_note:", "%"), 4);
	assert_int_equal(ledger_int(f, "SELECT SUM(credit) - SUM(debit) FROM ledger_entries"
				    " WHERE account = $1", "", "payment_clearing"), 0);
	assert_int_equal(ledger_int(f, "SELECT SUM(debit) - SUM(credit) FROM ledger_entries"
				    " WHERE account = $1", "", "revenue"), 0);
	assert_int_equal(ledger_int(f, "SELECT SUM(debit) - SUM(credit) FROM ledger_entries"
				    " WHERE account = $1", "", "refunds_payable"), 0);
	json_decref(pi);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cards, setup, teardown),
		cmocka_unit_test_setup_teardown(test_charge_outcomes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_charge_idempotent_per_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refund_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attempt_succeeds_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attempt_declines_and_retries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attempt_rolled_back_never_happened, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attempt_bad_requests, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolution_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refunds, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
