/*
 * balance.h - the customer's credit balance and its transactions (Stripe's
 * customer_balance_transaction, under /v1/customers/:id/balance_transactions).
 *
 * Stripe's sign convention throughout: a negative amount is credit for the
 * customer (it lowers what later invoices ask for), a positive amount is a
 * debit (the customer owes it on the next invoice). customers.balance is the
 * sum of the customer's transactions; every change to it goes through
 * svc_balance_post, which writes the transaction and the balance in the
 * caller's transaction and appends customer.updated with previous_attributes
 * (svc_balance_record_adjustment is the exception: for customer create and
 * update, which write the balance and append their own event). Adjustments
 * post to the receivables ledger in the same transaction (ledger_hooks.h).
 *
 * The endpoint functions set *out to a new reference (json_decref) on success;
 * on failure *out is NULL, e says why, and nothing was written.
 */
#ifndef RECUR_SERVICE_BALANCE_H
#define RECUR_SERVICE_BALANCE_H

#include "service/service.h"

extern const struct store_table svc_balance_transactions_table;

/*
 * Inside the caller's open transaction: adds amount (non-zero) to the
 * customer's balance, records a transaction of type ("adjustment",
 * "applied_to_invoice", "unapplied_from_invoice", ...) with its
 * ending_balance, and appends customer.updated. currency must be the
 * customer's; a customer without one takes it (Stripe sets the customer's
 * currency with its first balance transaction). invoice and description may be
 * NULL. *out (may be NULL) gets the transaction, a new reference.
 */
int svc_balance_post(json_t **out, struct svc *s, const char *customer, int64_t amount,
		     const char *currency, const char *type, const char *invoice,
		     const char *description, struct recur_err *e);

/*
 * svc_balance_post of a transaction of type credit_note naming credit_note
 * and its invoice (Stripe: a credit note's credit_amount, negative, and its
 * reversal when voided, positive). Like every type but adjustment it posts
 * nothing itself: the credit note's own posting moves customer_credit.
 */
int svc_balance_post_credit_note(json_t **out, struct svc *s, const char *customer,
				 int64_t amount, const char *currency, const char *invoice,
				 const char *credit_note, struct recur_err *e);

/*
 * For customer create and update, which write the customer's new balance
 * themselves, so that the one customer.created or customer.updated they
 * append shows it (as Stripe's does): inside the caller's transaction,
 * records the transaction of type adjustment, of amount (non-zero), that
 * brought customer (its row as written: id, balance, currency, test_clock)
 * to its balance, and posts it to the ledger. The caller has checked that
 * the customer has a currency and that the balance is in range.
 */
int svc_balance_record_adjustment(struct svc *s, const json_t *customer, int64_t amount,
				  struct recur_err *e);

/* The endpoints; customer is the :id of the path. */
int svc_balance_create(json_t **out, struct svc *s, const char *customer, const json_t *p,
		       struct recur_err *e);
int svc_balance_retrieve(json_t **out, struct svc *s, const char *customer, const char *id,
			 struct recur_err *e);
/* Only description and metadata change, as in Stripe. */
int svc_balance_update(json_t **out, struct svc *s, const char *customer, const char *id,
		       const json_t *p, struct recur_err *e);
/* Newest first; filters created and invoice. */
int svc_balance_list(json_t **out, struct svc *s, const char *customer, const json_t *p,
		     struct recur_err *e);

#endif
