/*
 * clone.h - many subscriptions from a few made by the real services.
 *
 * A template is one customer and its subscription, made through the services
 * as a client would make them. Every row that belongs to it (the customer,
 * its payment methods, the subscription, its item and discount, the first
 * invoice and its lines, the payment intent, the charge, the gateway's
 * record, the ledger entries, ...) is loaded once and written again with
 * fresh ids of the same kinds by plain prepared INSERTs, so N clones cost N
 * times a handful of inserts instead of N times the API, and the database
 * reads as if N customers had each subscribed once. Used by the billing run
 * (bench/billing_run.c) and the crash test's generator (tests/crash/gen.c).
 *
 * Everything here dies (prints to stderr and exits 1) on a SQLite error:
 * these are tools, not the server.
 */
#ifndef RECUR_BENCH_CLONE_H
#define RECUR_BENCH_CLONE_H

#include "core/ids.h"
#include "service/service.h"

#include <sqlite3.h>
#include <stdint.h>

#define CLONE_MAX_COLS 64
#define CLONE_MAX_SUBST 64
#define CLONE_MAX_ROWS 64   /* rows in a template */
#define CLONE_MAX_IDS 80    /* ids substituted in them */
#define CLONE_MAX_TABLES 64

void clone_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Raw sqlite3 on path with pragmas; busy timeout 10 s. */
sqlite3 *clone_open(const char *path, const char *pragmas);
void clone_exec(sqlite3 *db, const char *sql);
sqlite3_stmt *clone_prepare(sqlite3 *db, const char *sql);
/* Steps st once (a row or done) and resets it. */
void clone_step_done(sqlite3 *db, sqlite3_stmt *st);
/* The first column of the first row of sql, 0 when there is none. */
int64_t clone_int(sqlite3 *db, const char *sql);

/* ---- a row as a template: its columns, with ids to substitute ---------- */

struct clone_subst {
	int which;     /* index into the clone's id table */
	size_t offset; /* where the old id starts in the text */
};

struct clone_col {
	char name[64];
	sqlite3_value *value; /* the template's value (owned) */
	int override;         /* -1: template value (with substs), else an id index */
	struct clone_subst subst[CLONE_MAX_SUBST];
	int nsubst;
};

struct clone_row {
	char table[64];
	int64_t rowid; /* where it was loaded from, when that matters */
	struct clone_col cols[CLONE_MAX_COLS];
	int ncols;
	sqlite3_stmt *insert;
	char *scratch; /* one text column at a time, ids replaced */
	size_t scratch_cap;
};

/* Loads the one row of table matched by where (bound to arg), seq excluded. */
void clone_row_load(struct clone_row *t, sqlite3 *db, const char *table, const char *where,
		    const char *arg);
struct clone_col *clone_row_col(struct clone_row *t, const char *name);
const char *clone_row_text(struct clone_row *t, const char *name);
/* Finds where each of old[0..nold) occurs in each text column. */
void clone_row_find_ids(struct clone_row *t, const char *const *old, int nold);
void clone_row_prepare_insert(struct clone_row *t, sqlite3 *db);
/* Inserts the template with ids[] (same lengths as the old ones) in their place. */
void clone_row_insert(struct clone_row *t, sqlite3 *db, const char *const *ids);
void clone_row_free(struct clone_row *t);

/* ---- a template: its rows and the ids they carry -------------------------- */

/*
 * old[i] is replaced by ids[i] in every text column of every row; ids[nold]
 * is the invoice number (bound whole to invoices.number: its length varies).
 */
struct clone_set {
	struct clone_row rows[CLONE_MAX_ROWS];
	int n;
	char old[CLONE_MAX_IDS][IDS_MAX];
	char prefix[CLONE_MAX_IDS][IDS_MAX]; /* of old[i]: a new id gets the same */
	int nold;
};

/* The index of id among the set's ids, added if new. */
int clone_set_old(struct clone_set *t, const char *id);
/* Adds row rowid of table; its "id" becomes one of the set's ids. */
void clone_set_add(struct clone_set *t, sqlite3 *db, const char *table, int64_t rowid);
/* Finds the ids in the rows and prepares their inserts on db. */
void clone_set_prepare(struct clone_set *t, sqlite3 *db);
/* Fresh ids, of the same kinds, for the set's ids (buf: nold + 1 buffers). */
void clone_set_fresh(struct clone_set *t, char (*buf)[IDS_MAX + 32]);
/* Inserts every row with ids[i] in place of old[i] (ids[nold]: the number). */
void clone_set_write(struct clone_set *t, sqlite3 *db, const char *const *ids);
void clone_set_free(struct clone_set *t);

/* Every table but SQLite's own, in creation order; returns how many. */
int clone_data_tables(char (*names)[64], int max, sqlite3 *db);

/*
 * The rows that belong to one subscription: every row (of the tables, with
 * rowid in (from[i], to[i]]) that names its customer or itself, or names a
 * row that does, found to a fixed point. Only rows with an id column add ids.
 */
void clone_owned_rows(struct clone_set *t, sqlite3 *db, const char *customer, const char *sub,
		      char (*tables)[64], int nt, const int64_t *from, const int64_t *to);

/*
 * Loads template j (customers[j], subs[j]) into sets[j] from every table but
 * events (which only append: N copies would double the setup) and prepares
 * its inserts on db.
 */
void clone_load_templates(struct clone_set *sets, int nsets, sqlite3 *db,
			  const char (*customers)[IDS_MAX], const char (*subs)[IDS_MAX]);

/*
 * Writes clones 0..n-1, clone i from template of(i, ctx), each with fresh ids
 * and the next invoice number "RCR-%04ld" after *number (which it advances);
 * the first clone of each template is the template itself and writes nothing.
 * Commits every per_tx clones; leaves invoice_number_sequences at *number + 1.
 */
void clone_write_all(struct clone_set *sets, int nsets, sqlite3 *db, long n,
		     int (*of)(long i, void *ctx), void *ctx, long *number, long per_tx);

/* ---- making the templates through the services ------------------------- */

/* fn(&out, s, params): the result (new reference); dies with what on failure. Steals params. */
json_t *clone_call(int (*fn)(json_t **, struct svc *, const json_t *, struct recur_err *),
		   struct svc *s, json_t *params, const char *what);
/* Copies obj's id into dst (IDS_MAX bytes) and releases obj. */
void clone_copy_id(char *dst, json_t *obj);
/* Attaches the sandbox's test card token to the customer and makes it the default. */
void clone_give_card(struct svc *s, const char *customer, const char *token);

#endif
