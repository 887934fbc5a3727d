/*
 * balance.c - customer balance transactions (see balance.h).
 *
 * The customer's balance and its transactions change together, in one
 * transaction, so customers.balance always equals the ending_balance of the
 * customer's newest transaction and the sum of them all: a balance given
 * when the customer is created or updated is a transaction too, and so is an
 * entry in the receivables ledger.
 */
#include "service/balance.h"
#include "core/ids.h"
#include "core/money.h"
#include "service/customer.h"
#include "service/ledger_hooks.h"
#include "service/list.h"
#include "service/params.h"
#include "service/test_clock.h"

#include <stdio.h>
#include <string.h>

static const struct store_col cols[] = {
	{ "customer", COL_TEXT, 0 },
	{ "amount", COL_INT, 0 },
	{ "currency", COL_TEXT, 0 },
	{ "description", COL_TEXT, 0 },
	{ "ending_balance", COL_INT, 0 },
	{ "invoice", COL_TEXT, 0 },
	{ "credit_note", COL_TEXT, 0 },
	{ "type", COL_TEXT, 0 },
	{ "metadata", COL_JSON, 0 },
};

/* Transactions are history: never deleted. */
const struct store_table svc_balance_transactions_table = {
	.table = "customer_balance_transactions", .object = "customer_balance_transaction",
	.noun = "customer_balance_transaction",
	.cols = cols, .ncols = sizeof(cols) / sizeof(cols[0]),
};

#define DESCRIPTION_MAX 350 /* Stripe: description "maximum 350 characters" */

/* Fields of Stripe's object that recur has no source for. */
static void present(json_t *t)
{
	json_object_set_new(t, "checkout_session", json_null());
	json_object_set_new(t, "customer_account", json_null());
}

/* The customer of a path, for the nested endpoints: a 404 names the customer. */
static int load_customer(json_t **out, struct svc *s, const char *customer,
			 struct recur_err *e)
{
	return store_obj_get(out, s->db, &svc_customers_table, &s->scope, customer, e);
}

/*
 * Writes the transaction that took customer's balance by amount to ending,
 * dated at, and its ledger posting (svc_ledger_balance_transaction: only
 * adjustments post). *out (may be NULL) gets the row as inserted.
 */
static int record(json_t **out, struct svc *s, const char *customer, int64_t amount,
		  const char *currency, int64_t ending, int64_t at, const char *type,
		  const char *invoice, const char *credit_note, const char *description,
		  const json_t *metadata, struct recur_err *e)
{
	char id[IDS_MAX];
	json_t *txn;
	int rc;

	ids_new(id, sizeof(id), "cbtxn");
	txn = json_pack("{s:s, s:I, s:s, s:I, s:s, s:s?, s:I, s:s?, s:s?, s:s, s:o}",
			"id", id, "created", (json_int_t)at, "customer", customer,
			"amount", (json_int_t)amount, "currency", currency,
			"description", description, "ending_balance", (json_int_t)ending,
			"invoice", invoice, "credit_note", credit_note, "type", type,
			"metadata", metadata ? json_deep_copy(metadata) : json_object());
	if (!txn)
		return err_internal(e, "cannot build balance transaction");
	if ((rc = store_obj_insert(s->db, &svc_balance_transactions_table, &s->scope, txn, e)) < 0 ||
	    (rc = svc_ledger_balance_transaction(s, txn, at, e)) < 0) {
		json_decref(txn);
		return rc;
	}
	if (out)
		*out = txn;
	else
		json_decref(txn);
	return 0;
}

static int post(json_t **out, struct svc *s, const char *customer, int64_t amount,
		const char *currency, const char *type, const char *invoice,
		const char *credit_note, const char *description, const json_t *metadata,
		struct recur_err *e)
{
	json_t *before = NULL, *after = NULL, *txn = NULL, *prev = NULL;
	const char *have;
	int64_t balance, now;
	int rc;

	if (out)
		*out = NULL;
	if ((rc = load_customer(&before, s, customer, e)) < 0)
		goto done;
	have = json_string_value(json_object_get(before, "currency"));
	/* Stripe keeps one balance per customer, in the customer's currency. */
	if (have && strcmp(have, currency) != 0) {
		rc = err_invalid(e, "currency", "The currency (%s) must match the customer's "
				 "currency (%s): a customer's balance is kept in one currency",
				 currency, have);
		goto done;
	}
	if (money_add(&balance, json_integer_value(json_object_get(before, "balance")),
		      amount) < 0 || !money_in_range(balance)) {
		rc = err_invalid(e, "amount", "The customer's balance would leave the range of "
				 "+/-10^15 minor units");
		goto done;
	}
	if ((rc = svc_test_clock_now(&now, s, json_string_value(json_object_get(before,
						"test_clock")), e)) < 0)
		goto done;
	if ((rc = record(out ? &txn : NULL, s, customer, amount, currency, balance, now, type,
			 invoice, credit_note, description, metadata, e)) < 0)
		goto done;
	after = json_deep_copy(before);
	json_object_set_new(after, "balance", json_integer(balance));
	json_object_set_new(after, "currency", json_string(currency));
	if ((rc = store_obj_update(s->db, &svc_customers_table, &s->scope, after, e)) < 0)
		goto done;
	prev = svc_previous_attributes(before, after);
	if (prev && (rc = svc_event(s, "customer.updated", after, prev, e)) < 0)
		goto done;
	if (out) {
		json_object_set_new(txn, "object", json_string("customer_balance_transaction"));
		json_object_set_new(txn, "livemode", json_boolean(s->scope.livemode));
		present(txn);
		*out = txn;
		txn = NULL;
	}
done:
	json_decref(before);
	json_decref(after);
	json_decref(txn);
	json_decref(prev);
	return rc;
}

int svc_balance_record_adjustment(struct svc *s, const json_t *customer, int64_t amount,
				  struct recur_err *e)
{
	int64_t now;
	int rc = svc_test_clock_now(&now, s, json_string_value(json_object_get(customer,
									     "test_clock")), e);
	if (rc < 0)
		return rc;
	return record(NULL, s, json_string_value(json_object_get(customer, "id")), amount,
		      json_string_value(json_object_get(customer, "currency")),
		      json_integer_value(json_object_get(customer, "balance")), now, "adjustment",
		      NULL, NULL, NULL, NULL, e);
}

int svc_balance_post(json_t **out, struct svc *s, const char *customer, int64_t amount,
		     const char *currency, const char *type, const char *invoice,
		     const char *description, struct recur_err *e)
{
	return post(out, s, customer, amount, currency, type, invoice, NULL, description, NULL, e);
}

int svc_balance_post_credit_note(json_t **out, struct svc *s, const char *customer,
				 int64_t amount, const char *currency, const char *invoice,
				 const char *credit_note, struct recur_err *e)
{
	return post(out, s, customer, amount, currency, "credit_note", invoice, credit_note, NULL,
		    NULL, e);
}

static const char *const create_params[] = { "amount", "currency", "description", "metadata",
					     NULL };

int svc_balance_create(json_t **out, struct svc *s, const char *customer, const json_t *p,
		       struct recur_err *e)
{
	const char *currency = NULL, *description = NULL;
	json_t *md = NULL, *c = NULL;
	int64_t amount = 0;
	int rc;

	*out = NULL;
	if ((rc = params_only(p, create_params, e)) < 0 ||
	    (rc = params_require(p, "amount", e)) < 0 ||
	    (rc = params_require(p, "currency", e)) < 0 ||
	    (rc = params_int(&amount, p, "amount", -PARAMS_MAX_AMOUNT, PARAMS_MAX_AMOUNT, e)) < 0 ||
	    (rc = params_currency(&currency, p, "currency", e)) < 0 ||
	    (rc = params_string(&description, p, "description", DESCRIPTION_MAX, e)) < 0 ||
	    (rc = params_metadata(&md, NULL, p, e)) < 0)
		goto done;
	/* Stripe: "amount: The integer amount in cents to apply to the customer's
	 * credit balance" - a zero adjustment would record nothing. */
	if (amount == 0) {
		rc = err_invalid(e, "amount", "amount must not be zero: a negative amount credits "
				 "the customer, a positive one debits them");
		goto done;
	}
	if ((rc = svc_begin(s, e)) < 0)
		goto done;
	/* The path's customer must exist before anything else is said about it. */
	rc = load_customer(&c, s, customer, e);
	if (rc >= 0)
		rc = post(out, s, customer, amount, currency, "adjustment", NULL, NULL,
			  description && *description ? description : NULL, md, e);
	rc = svc_finish(s, rc, e);
done:
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	}
	json_decref(md);
	json_decref(c);
	return rc;
}

/* A transaction of another customer is as missing as one that does not exist. */
static int load_txn(json_t **out, struct svc *s, const char *customer, const char *id,
		    struct recur_err *e)
{
	int rc = store_obj_get(out, s->db, &svc_balance_transactions_table, &s->scope, id, e);
	if (rc < 0)
		return rc;
	if (strcmp(json_string_value(json_object_get(*out, "customer")), customer) != 0) {
		json_decref(*out);
		*out = NULL;
		return err_missing(e, "id", "customer_balance_transaction", id);
	}
	return 0;
}

int svc_balance_retrieve(json_t **out, struct svc *s, const char *customer, const char *id,
			 struct recur_err *e)
{
	json_t *c = NULL;
	int rc;

	*out = NULL;
	if ((rc = load_customer(&c, s, customer, e)) < 0)
		return rc;
	json_decref(c);
	if ((rc = load_txn(out, s, customer, id, e)) < 0)
		return rc;
	present(*out);
	return 0;
}

static const char *const update_params[] = { "description", "metadata", NULL };

int svc_balance_update(json_t **out, struct svc *s, const char *customer, const char *id,
		       const json_t *p, struct recur_err *e)
{
	json_t *c = NULL, *before = NULL, *t = NULL, *md = NULL;
	const char *description = NULL;
	int rc;

	*out = NULL;
	if ((rc = params_only(p, update_params, e)) < 0 ||
	    (rc = params_string(&description, p, "description", DESCRIPTION_MAX, e)) < 0)
		return rc;
	if ((rc = svc_begin(s, e)) < 0)
		return rc;
	if ((rc = load_customer(&c, s, customer, e)) < 0 ||
	    (rc = load_txn(&before, s, customer, id, e)) < 0)
		goto done;
	t = json_deep_copy(before);
	if (description)
		json_object_set_new(t, "description", *description ? json_string(description)
								     : json_null());
	if ((rc = params_metadata(&md, json_object_get(t, "metadata"), p, e)) < 0)
		goto done;
	json_object_set(t, "metadata", md);
	if ((rc = store_obj_update(s->db, &svc_balance_transactions_table, &s->scope, t, e)) < 0)
		goto done;
	/* Stripe has no event for balance transactions; customer.updated is for the balance. */
	present(t);
	*out = t;
	t = NULL;
done:
	rc = svc_finish(s, rc, e);
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	}
	json_decref(c);
	json_decref(before);
	json_decref(t);
	json_decref(md);
	return rc;
}

static const char *const list_params[] = { SVC_LIST_PARAMS, "invoice", NULL };

int svc_balance_list(json_t **out, struct svc *s, const char *customer, const json_t *p,
		     struct recur_err *e)
{
	struct svc_list l;
	const char *invoice = NULL;
	char url[160];
	json_t *c = NULL, *t;
	size_t i;
	int rc;

	*out = NULL;
	if ((rc = params_only(p, list_params, e)) < 0 || (rc = svc_list_params(&l, p, e)) < 0 ||
	    (rc = params_string(&invoice, p, "invoice", 255, e)) < 0)
		return rc;
	if ((rc = load_customer(&c, s, customer, e)) < 0)
		return rc;
	json_decref(c);
	svc_list_filter(&l, "customer", "=", SV_TEXT(customer));
	if (invoice && *invoice)
		svc_list_filter(&l, "invoice", "=", SV_TEXT(invoice));
	snprintf(url, sizeof(url), "/v1/customers/%s/balance_transactions", customer);
	if ((rc = svc_list(out, s, &svc_balance_transactions_table, &l, url, e)) < 0)
		return rc;
	json_array_foreach(json_object_get(*out, "data"), i, t)
		present(t);
	return 0;
}
