/*
 * ledger.h (service) - the receivables ledger: posting business events in the
 * transaction that makes them, reading a customer's ledger, statement and the
 * aging of what is owed, and proving the books (recur verify).
 *
 * The posting rules are billing/ledger.h's; this module writes what they make
 * through store/ledger_store.h, under the event's source key, so a posting is
 * exactly-once: the same event posted again writes nothing.
 *
 * Signs in what the endpoints render: a customer's running balance is the
 * sum of debit - credit over its per-customer entries (receivables,
 * customer_credit, refunds_payable) in one currency; positive means the
 * customer owes, negative that the tenant owes the customer (credit to use,
 * a refund to pay out).
 *
 * The endpoint functions set *out to a new reference (json_decref) on
 * success; on failure *out is NULL and e says why. They only read.
 */
#ifndef RECUR_SERVICE_LEDGER_H
#define RECUR_SERVICE_LEDGER_H

#include <stdbool.h>

#include "billing/ledger.h"
#include "service/service.h"

/*
 * Posts ev inside the caller's open transaction (it opens none): builds the
 * entries with billing_ledger_post, checks that they balance, and writes them
 * under ev's source key (billing_ledger_source) dated s->now. ev and the
 * strings it points to are borrowed for the call.
 *
 * Returns the number of entries written (> 0); 0 when nothing was written,
 * because the source was posted before with the same entries (a retried job)
 * or because the posting has none (an invoice of 0.00); negative on error:
 * the errors of billing_ledger_source and billing_ledger_post (RECUR_EINVAL,
 * 400, for an event the rules refuse), RECUR_ECONFLICT (409, code
 * ledger_source_conflict) when the source was posted before with different
 * entries, store errors. The caller rolls its transaction back on any error,
 * so the change and its posting stay together.
 */
int svc_ledger_post(struct svc *s, const struct billing_ledger_event *ev, struct recur_err *e);

/*
 * The same, dated at (the customer's now: its test clock's time when it has
 * one, which svc_test_clock_now gives) and with a description for its entries
 * (NULL: one derived from the event type, "Invoice finalized").
 */
int svc_ledger_post_at(struct svc *s, const struct billing_ledger_event *ev, int64_t at,
		       const char *description, struct recur_err *e);

/*
 * GET /v1/customers/:id/ledger: the customer's entries newest first, each
 * with running_balance (the customer's balance after it), in one currency
 * (param currency; default the customer's, else that of its first entry),
 * paginated as Stripe lists are (limit, starting_after, ending_before with
 * entry ids). Besides the list fields: currency, and the balances over all
 * the customer's entries in it: receivable (open claims), credit_balance
 * (customer_credit debit - credit: Stripe's customer.balance),
 * refunds_payable, and balance (receivable + credit_balance - refunds_payable).
 */
int svc_ledger_customer(json_t **out, struct svc *s, const char *customer, const json_t *p,
			struct recur_err *e);

/*
 * GET /v1/customers/:id/statement?from=&to=&currency=: the entries created in
 * [from, to) oldest first with running balances, the opening balance (every
 * entry before from) and the closing one. from defaults to the beginning, to
 * to no end. At most SVC_LEDGER_STATEMENT_MAX entries; a longer period is a
 * 400 asking for a shorter one.
 */
#define SVC_LEDGER_STATEMENT_MAX 10000
int svc_ledger_statement(json_t **out, struct svc *s, const char *customer, const json_t *p,
			 struct recur_err *e);

/*
 * GET /v1/reports/aging?as_of=&customer=&limit=&starting_after=: what open
 * invoices still owe (amount_remaining), by how late they are at as_of
 * (default s->now): current (not yet due), 1_30, 31_60, 61_90 and over_90
 * days past due. An invoice is due at its due_date, or at finalization when it
 * has none (charged automatically); a day late starts the second after the
 * due time. data has one row per customer and currency, by customer, limit
 * customers a page (default 100, at most 100), paged with starting_after (a
 * customer id); totals has one row per currency over every customer the
 * report covers (customer, if given, narrows it to one).
 */
int svc_ledger_aging(json_t **out, struct svc *s, const json_t *p, struct recur_err *e);

/* ---- recur verify ------------------------------------------------------------ */

enum svc_ledger_verdict {
	SVC_LEDGER_OK,
	SVC_LEDGER_FAIL,
	SVC_LEDGER_SKIP,   /* could not be checked in this database (said why) */
	SVC_LEDGER_DETAIL, /* one example under the FAIL before it */
	SVC_LEDGER_SCOPE   /* a tenant and mode begins; name is "tenant", detail empty */
};

/* One line of the report; borrowed for the callback's duration. */
struct svc_ledger_check {
	const char *tenant;
	int livemode;
	enum svc_ledger_verdict verdict;
	const char *name;  /* what was checked: "postings balance", ... */
	char detail[600];  /* the numbers */
};

typedef void (*svc_ledger_report_fn)(void *ctx, const struct svc_ledger_check *c);

struct svc_ledger_verify_result {
	int scopes;  /* tenant and mode pairs checked */
	int checks;  /* OK + FAIL + SKIP lines */
	int failed;
	int skipped;
};

/* Failing examples a check reports under its FAIL line. */
#define SVC_LEDGER_VERIFY_EXAMPLES 10

/*
 * Checks the books of every tenant (or of tenant only) in both modes, each
 * scope in one snapshot: a transaction that writes nothing and is rolled back,
 * so a change committed meanwhile cannot look like books that disagree (on
 * SQLite it holds the write lock while one scope is checked):
 *
 *   entries are well formed     a known account, a supported currency, one
 *                               positive side, a customer exactly on
 *                               per-customer accounts
 *   every posting balances      per source key: debits = credits
 *   the ledger balances         debits = credits overall and per currency
 *   customer balances           per customer and currency, from its entries:
 *                               customer_credit equals customers.balance and
 *                               receivables equal what its open invoices still
 *                               owe (billing_ledger_customer_verify); and no
 *                               entry names a customer that does not exist
 *   paid invoices have payments every paid invoice with amount_paid > 0 has a
 *                               succeeded payment intent or is marked
 *                               paid_out_of_band (skipped without the
 *                               payments tables)
 *   no attempt charged twice    no (invoice, attempt) with two succeeded
 *                               charges (skipped without them)
 *
 * Reports every line through fn. Returns 0 when the checks ran (whatever they
 * found: see out->failed), RECUR_ENOTFOUND for a tenant that does not exist,
 * other negative errors when the database could not be read.
 */
int svc_ledger_verify(struct svc_ledger_verify_result *out, struct store *db,
		      const char *tenant, svc_ledger_report_fn fn, void *ctx,
		      struct recur_err *e);

#endif
