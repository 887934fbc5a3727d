/*
 * import_internal.h - what the import engine (import_run.c) and the files of
 * each import type (import_customers.c, import_prices.c,
 * import_subscriptions.c, import_balances.c) share. Not for other services.
 *
 * A type describes its columns once: the header of its template and its
 * export, the columns a file must have, two example rows, how a row is
 * applied and how the objects are exported. Cells reach apply already split;
 * apply parses them with the imp_* helpers, which report a bad cell against
 * its row and column and let apply go on to find the row's other errors.
 */
#ifndef RECUR_SERVICE_IMPORT_INTERNAL_H
#define RECUR_SERVICE_IMPORT_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "service/import.h"

#define IMP_MAX_COLS 48

struct imp_run;

/* One data row: vals[i] is the cell of the type's column i, NULL when the file lacks it. */
struct imp_row {
	int64_t row;
	const char *vals[IMP_MAX_COLS];
	json_t *metadata; /* from "metadata.<key>" columns; NULL when the file has none */
};

/* Streams export rows: flush is called whenever b holds more than 64 KiB, and at the end. */
struct imp_export {
	struct buf *b;
	int ncols;                     /* the type's columns */
	char *meta[IMP_MAX_COLS];      /* the metadata keys exported, sorted */
	int nmeta;
	char delim;
	bool decimal_comma;
	svc_export_flush_fn flush;
	void *ctx;
};

struct imp_type {
	const char *name;              /* customers, prices, subscriptions, balances */
	const char *const *cols;       /* in the template's and the export's order */
	const char *const *required;   /* columns the header must have */
	const char *const *examples[2];/* the template's two rows, aligned with cols */
	bool metadata;                 /* accepts metadata.<key> columns */
	/*
	 * apply writes through one use case, which is a savepoint of its own:
	 * the engine adds none around the row (a savepoint's release costs a
	 * quarter of a row in a large transaction, docs/benchmarks.md).
	 */
	bool one_use_case;
	/*
	 * Applies one row inside its own savepoint: 0 with *out set, or
	 * IMP_ROW_FAILED when the row's errors have been reported (the engine
	 * rolls the row back), or another negative code for a failure that stops
	 * the whole import (e set).
	 */
	int (*apply)(struct imp_run *r, const struct imp_row *row, enum svc_outcome *out,
		     struct recur_err *e);
	/* Writes the header (imp_export_header) and every object of the type as rows. */
	int (*export)(struct imp_export *x, struct svc *s, struct recur_err *e);
};

#define IMP_ROW_FAILED (-1000)

extern const struct imp_type imp_customers, imp_prices, imp_subscriptions, imp_balances;

/* The type named name, or NULL. */
const struct imp_type *imp_type_find(const char *name);

/* The run's service context (tenant, mode, now, quiet when events are off). */
struct svc *imp_svc(struct imp_run *r);

/* The column index of name in t->cols, or -1. */
int imp_col(const struct imp_type *t, const char *name);

/*
 * Reports an error in row at column col (a name of the type's columns, or ""
 * for the whole row) with the cell's value. Returns IMP_ROW_FAILED, so that
 * `return imp_error(...)` ends a row; a failure to keep the error (out of
 * memory) is remembered by the run and stops it.
 */
int imp_error(struct imp_run *r, const struct imp_row *row, const char *col, const char *fmt,
	      ...) __attribute__((format(printf, 4, 5)));

/*
 * Reports a use case's error: e->param (as "items[0][price]") is turned into
 * the column through map (pairs of param prefix and column, ended by NULL),
 * else into the row. Returns IMP_ROW_FAILED for bad input (4xx), or e's code
 * for anything else (a failure of the store stops the import).
 */
int imp_fail(struct imp_run *r, const struct imp_row *row, const char *const *map,
	     int rc, struct recur_err *e);

/*
 * Cell readers: the cell of column col, parsed. They return 1 with *out set
 * when the cell has a value, 0 when the column is absent or the cell empty
 * (*out untouched), or IMP_ROW_FAILED after reporting a bad value.
 */
int imp_text(const char **out, struct imp_run *r, const struct imp_row *row, const char *col,
	     size_t max);
int imp_int(int64_t *out, struct imp_run *r, const struct imp_row *row, const char *col,
	    int64_t min, int64_t max);
int imp_bool(bool *out, struct imp_run *r, const struct imp_row *row, const char *col);
int imp_date(int64_t *out, struct imp_run *r, const struct imp_row *row, const char *col);
/* An amount in the currency's major unit ("1 250,00"), in minor units. */
int imp_amount(int64_t *out, struct imp_run *r, const struct imp_row *row, const char *col,
	       const char *currency);
/* 1 when the column is in the file (even with an empty cell). */
bool imp_has(const struct imp_row *row, const struct imp_type *t, const char *col);

/*
 * Export helpers. imp_export_header writes the type's columns and then one
 * metadata.<key> column for each key in use in table's metadata (kept in x);
 * imp_export_row writes the type's cells (aligned with its cols, NULL: empty)
 * followed by the cells of those keys from metadata, and flushes x when
 * its buffer is full.
 */
int imp_export_header(struct imp_export *x, const struct imp_type *t, struct svc *s,
		      const char *table, struct recur_err *e);
int imp_export_row(struct imp_export *x, const char *const *fields, const json_t *metadata,
		   struct recur_err *e);
/* Calls fn for every object of t matching f (oldest pages last), 100 at a time. */
int imp_export_each(struct svc *s, const struct store_table *t, const struct store_filter *f,
		    int nf, int (*fn)(void *ctx, const json_t *obj, struct recur_err *e),
		    void *ctx, struct recur_err *e);
/* Formats a date (YYYY-MM-DD when at midnight UTC, else the full ISO 8601 time). */
void imp_format_date(char *buf, size_t cap, int64_t t);
void imp_format_amount(char *buf, size_t cap, int64_t amount, const char *currency,
		       bool decimal_comma);
/* Copies row->metadata into p's "metadata" (when the file has metadata columns). */
void imp_put_metadata(json_t *p, const struct imp_row *row);

#endif
