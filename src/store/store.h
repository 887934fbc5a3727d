/*
 * store.h - the database, behind one interface.
 *
 * A struct store is one connection, used by one thread at a time (the server
 * keeps one per worker thread). SQL is written once, in the subset SQLite and
 * PostgreSQL both accept: $1..$n placeholders, INSERT ... ON CONFLICT, RETURNING.
 * The back end is chosen by the URL: "sqlite:PATH" or "postgres://..."
 * (docs/scaling.md); nothing above this header knows which one runs.
 */
#ifndef RECUR_STORE_STORE_H
#define RECUR_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct store;
struct store_row;

enum store_type { STORE_NULL, STORE_INT, STORE_TEXT };

/* A bound parameter. Text is borrowed for the duration of the call. */
struct store_val {
	enum store_type type;
	int64_t i;
	const char *s;
};

#define SV_INT(v) ((struct store_val){ .type = STORE_INT, .i = (v) })
#define SV_TEXT(v) store_val_text(v)

/* Text, or SQL NULL for a NULL pointer. */
static inline struct store_val store_val_text(const char *s)
{
	return (struct store_val){ .type = s ? STORE_TEXT : STORE_NULL, .s = s };
}
#define SV_NULL ((struct store_val){ .type = STORE_NULL })

/* Called once per result row; return non-zero to stop early (that value is returned). */
typedef int (*store_row_fn)(void *ctx, const struct store_row *row);

struct store_driver {
	const char *name;
	int (*open)(struct store **out, const char *target, struct recur_err *e);
	void (*close)(struct store *s);
	int (*query)(struct store *s, const char *sql, const struct store_val *params,
		     int nparams, store_row_fn fn, void *ctx, struct recur_err *e);
	int (*changes)(struct store *s);
	int64_t (*total_changes)(struct store *s);
	int (*script)(struct store *s, const char *sql, struct recur_err *e);
	int (*begin)(struct store *s, struct recur_err *e);
	int (*commit)(struct store *s, struct recur_err *e);
	void (*rollback)(struct store *s);
	int (*row_count)(const struct store_row *r);
	bool (*row_is_null)(const struct store_row *r, int col);
	int64_t (*row_int)(const struct store_row *r, int col);
	const char *(*row_text)(const struct store_row *r, int col, size_t *len);
	/* The catalog, as one text column per row: tables in creation order, a table's ($1) columns in order. */
	const char *tables_sql;
	const char *columns_sql;
	/* After rows came in with their own seq: the next generated one follows the largest. */
	int (*reseed)(struct store *s, const char *table, struct recur_err *e);
};

/* Every connection starts with its driver, so the dispatchers below find it. */
struct store_base {
	const struct store_driver *drv;
};

/*
 * Opens a connection for url: "sqlite:PATH", or a libpq URL
 * ("postgres://user@host:port/db", "postgresql://..."). Free with store_close.
 */
int store_open(struct store **out, const char *url, struct recur_err *e);
void store_close(struct store *s);

/* Runs sql; calls fn for each row (fn may be NULL). */
int store_query(struct store *s, const char *sql, const struct store_val *params,
		int nparams, store_row_fn fn, void *ctx, struct recur_err *e);
/* Runs a statement without rows; returns the number of rows changed, or < 0. */
int store_exec(struct store *s, const char *sql, const struct store_val *params,
	       int nparams, struct recur_err *e);

/*
 * Rows this connection inserted, updated or deleted since it opened, rolled
 * back ones included (SQLite's total_changes()): a cheap "did I write?" test.
 */
int64_t store_total_changes(struct store *s);

/* Runs a query whose first row's first column is an integer; *found tells if a row came. */
int store_query_int(int64_t *out, bool *found, struct store *s, const char *sql,
		    const struct store_val *params, int nparams, struct recur_err *e);

/*
 * Transactions. store_begin takes the write lock up front (BEGIN IMMEDIATE on
 * SQLite, an advisory lock on PostgreSQL) so two writers never deadlock on a
 * lock upgrade. They nest: inside
 * a transaction, begin/commit/rollback work on a savepoint.
 */
int store_begin(struct store *s, struct recur_err *e);
int store_commit(struct store *s, struct recur_err *e);
void store_rollback(struct store *s);

int store_row_count(const struct store_row *r);
bool store_row_is_null(const struct store_row *r, int col);
int64_t store_row_int(const struct store_row *r, int col);
/* Borrowed until fn returns. */
const char *store_row_text(const struct store_row *r, int col, size_t *len);

/* Applies the numbered migrations that this database has not seen yet. */
int store_migrate(struct store *s, struct recur_err *e);

/*
 * The catalog, for copying a database between back ends (recur migrate-db).
 * store_tables calls fn once per table, in the order the migrations created
 * them (so a referenced table comes before the tables referring to it);
 * store_columns once per column of table, in table order. Column 0 of each
 * row is the name. Back-end tables (sqlite_sequence) are left out.
 */
int store_tables(struct store *s, store_row_fn fn, void *ctx, struct recur_err *e);
int store_columns(struct store *s, const char *table, store_row_fn fn, void *ctx,
		  struct recur_err *e);
/*
 * After rows were inserted into table with their own seq values: the seq the
 * database generates next is past the largest (PostgreSQL's identity sequence;
 * SQLite's rowid does it by itself).
 */
int store_reseed(struct store *s, const char *table, struct recur_err *e);

/* The back end's name: "sqlite" or "postgres". */
const char *store_dialect(const struct store *s);

extern const struct store_driver store_sqlite_driver;
extern const struct store_driver store_postgres_driver;

#endif
