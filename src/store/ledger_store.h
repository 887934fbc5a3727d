/*
 * ledger_store.h - the ledger_entries table (migration 005) and the reads the
 * receivables ledger needs from other tables (open invoices for the aging
 * report and recur verify, customer balances, payments).
 *
 * The store knows the schema and nothing of the posting rules: accounts are
 * their names ("receivables", ...), amounts plain integers. billing/ledger.h
 * makes the entries and service/ledger.h puts the two together.
 *
 * Every function reads or writes within one (tenant, mode) scope. Row
 * callbacks get strings borrowed until they return; a callback returning
 * non-zero stops the stream and that value is returned (positive) or passed
 * on (negative, with e filled by the callback).
 */
#ifndef RECUR_STORE_LEDGER_STORE_H
#define RECUR_STORE_LEDGER_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/objects.h"
#include "store/store.h"

/* The most entries one posting may write at once (billing/ledger.h needs at most 69). */
#define STORE_LEDGER_POSTING_MAX 128

/* One ledger entry, as written and as read back. */
struct store_ledger_row {
	int64_t seq;             /* read only: the table's order of insertion */
	const char *id;          /* le_... */
	int64_t created;
	const char *source;      /* the posting's source key */
	int64_t line;            /* 0..n-1 within the posting */
	const char *account;     /* the chart's name: "receivables", "revenue", ... */
	const char *customer;    /* per-customer accounts only; NULL otherwise */
	const char *currency;    /* ISO 4217, lower case */
	int64_t debit;
	int64_t credit;
	int64_t vat_rate;        /* BILLING_TAX_SCALE units; < 0 for none (stored as NULL) */
	const char *description; /* may be NULL */
};

/*
 * Writes one posting: rows[0..n) under source as lines 0..n-1, in one
 * multi-row INSERT that does nothing on a (source, line) that exists. Each
 * row's id, account, currency, debit and credit must be set; source, created
 * and line come from the arguments and the row's position (the rows' own are
 * ignored). Runs in the caller's transaction.
 *
 * Returns 1 when the posting was written, 0 when it exists already (nothing
 * written: the caller decides whether the stored one is the same), negative
 * on error: RECUR_EINVAL for more than STORE_LEDGER_POSTING_MAX rows,
 * RECUR_ECONFLICT when only some of its lines exist (a half-written posting,
 * which the schema's transactions should make impossible). n == 0 returns 1
 * and writes nothing.
 */
int store_ledger_insert(struct store *db, const struct store_scope *sc, const char *source,
			int64_t created, const struct store_ledger_row *rows, size_t n,
			struct recur_err *e);

enum store_ledger_order {
	STORE_LEDGER_SEQ_ASC,    /* oldest first */
	STORE_LEDGER_SEQ_DESC,   /* newest first */
	STORE_LEDGER_BY_SOURCE,  /* by source, then line: postings together */
};

/* What to read; a zeroed query reads every entry of the scope, oldest first. */
struct store_ledger_query {
	const char *source;      /* one posting only, or NULL */
	const char *customer;    /* one customer's entries only, or NULL */
	const char *currency;    /* one currency only, or NULL */
	int64_t seq_gt;          /* entries after this seq (0: from the start) */
	int64_t seq_lt;          /* entries before this seq (0: to the end) */
	bool has_created_gte;
	int64_t created_gte;
	bool has_created_lt;
	int64_t created_lt;
	int limit;               /* 0: no limit */
	enum store_ledger_order order;
};

typedef int (*store_ledger_row_fn)(void *ctx, const struct store_ledger_row *r);

/* Streams the entries q selects through fn, in q's order. */
int store_ledger_stream(struct store *db, const struct store_scope *sc,
			const struct store_ledger_query *q, store_ledger_row_fn fn, void *ctx,
			struct recur_err *e);

/* Sums of one account in one currency (and of one customer, if the query named one). */
struct store_ledger_sum {
	const char *account;
	const char *currency;
	int64_t debit;
	int64_t credit;
	int64_t n;               /* entries summed */
};

typedef int (*store_ledger_sum_fn)(void *ctx, const struct store_ledger_sum *s);

/*
 * Streams the debit and credit sums of the entries q selects, per account and
 * currency, ordered by currency then account (q's order and limit are
 * ignored). A sum that leaves int64 fails (SQLite raises "integer overflow").
 */
int store_ledger_aggregate(struct store *db, const struct store_scope *sc,
			   const struct store_ledger_query *q, store_ledger_sum_fn fn, void *ctx,
			   struct recur_err *e);

/*
 * Finds the seq of one of customer's entries by its id (a page cursor), through
 * the customer index: ids have none of their own. 1 found, 0 not (also when the
 * entry is another customer's), < 0 error.
 */
int store_ledger_entry_seq(int64_t *out, struct store *db, const struct store_scope *sc,
			   const char *id, const char *customer, struct recur_err *e);

/* ---- what the ledger checks against ---------------------------------------- */

/* An invoice still owed: status open, amount_remaining > 0. */
struct store_open_invoice {
	const char *id;
	const char *customer;
	const char *currency;
	int64_t amount_remaining;
	bool has_due_date;
	int64_t due_date;
	int64_t finalized_at;    /* status_transitions.finalized_at, read only without a
				    due date; 0 then if absent */
};

typedef int (*store_open_invoice_fn)(void *ctx, const struct store_open_invoice *inv);

/*
 * Streams the scope's open invoices with something left to pay, ordered by
 * customer, currency and id: only customer's when customer is not NULL, only
 * those of customers after after (in the database's order) when after is not
 * NULL, for paging a report by customer.
 */
int store_open_invoices(struct store *db, const struct store_scope *sc, const char *customer,
			const char *after, store_open_invoice_fn fn, void *ctx,
			struct recur_err *e);

/* A customer's balance fields, for recur verify; deleted customers included. */
struct store_ledger_customer {
	char id[64];
	char currency[4];        /* "" when the customer has none yet */
	int64_t balance;         /* Stripe's customer.balance */
	int64_t seq;
};

/*
 * Fills out[0..cap) with the scope's customers after seq after_seq, in seq
 * order; *n gets how many. Page through with the last one's seq.
 */
int store_ledger_customers_page(struct store_ledger_customer *out, size_t cap, size_t *n,
				struct store *db, const struct store_scope *sc, int64_t after_seq,
				struct recur_err *e);

/* The sum of amount_remaining of a customer's open invoices, per currency. */
typedef int (*store_owed_fn)(void *ctx, const char *currency, int64_t amount_remaining);
int store_ledger_customer_owed(struct store *db, const struct store_scope *sc,
			       const char *customer, store_owed_fn fn, void *ctx,
			       struct recur_err *e);

/* Customers of ledger entries that are no customer of the scope (deleted ones count as customers). */
typedef int (*store_id_fn)(void *ctx, const char *id);
int store_ledger_unknown_customers(struct store *db, const struct store_scope *sc,
				   store_id_fn fn, void *ctx, struct recur_err *e);

/* Tenant ids in order; only tenant when it is not NULL (then 0 rows if it does not exist). */
int store_ledger_tenants(struct store *db, const char *tenant, store_id_fn fn, void *ctx,
			 struct recur_err *e);

/*
 * 1 if table exists and has column (NULL: any), 0 if not, < 0 on error.
 * Asks with a query that selects nothing, so it works on every back end; it
 * must run outside a transaction on PostgreSQL, where a failed statement
 * aborts the transaction.
 */
int store_ledger_has(struct store *db, const char *table, const char *column,
		     struct recur_err *e);

/*
 * Paid invoices (status paid, amount_paid > 0) with no succeeded payment
 * intent; when with_out_of_band, the ones marked paid_out_of_band count as
 * paid; when with_bank (needs with_out_of_band and migration 009), so do the
 * ones a bank transfer was applied to (bank_transactions.invoice). Needs the
 * payment_intents table (migration 004). Streams invoice ids.
 */
int store_ledger_paid_without_payment(struct store *db, const struct store_scope *sc,
				      bool with_out_of_band, bool with_bank, store_id_fn fn,
				      void *ctx, struct recur_err *e);

/*
 * What credit notes (migration 010) say against the books: invoices whose
 * pre_payment_credit_notes_amount or post_payment_credit_notes_amount is not
 * the sum of their issued credit notes' parts, then credit notes without
 * their posting (credit_note:<id>:issued, and :voided for a void one).
 * Streams the ids, invoices first.
 */
int store_ledger_credit_note_mismatches(struct store *db, const struct store_scope *sc,
					store_id_fn fn, void *ctx, struct recur_err *e);

/*
 * (invoice, attempt) pairs with more than one succeeded charge, through their
 * payment intents. Needs the payment_intents and charges tables.
 */
typedef int (*store_double_charge_fn)(void *ctx, const char *invoice, int64_t attempt,
				      int64_t charges);
int store_ledger_double_charges(struct store *db, const struct store_scope *sc,
				store_double_charge_fn fn, void *ctx, struct recur_err *e);

/* The scope's paid invoices that had something to pay (amount_paid > 0). */
int store_ledger_count_paid_invoices(int64_t *out, struct store *db,
				     const struct store_scope *sc, struct recur_err *e);

#endif
