/*
 * objects.h - Stripe-shaped objects persisted column by column.
 *
 * A table descriptor lists the object's top-level fields and how each is kept:
 * text, integer (amounts and times as BIGINT), boolean, fixed-point decimal
 * (percentages, kept as scaled integers so no float ever touches them) or JSON
 * text (nested structures and metadata). From it this module writes the SQL
 * (the same text on every back end) and maps rows to jansson objects and back.
 *
 * Every row is keyed by (tenant, livemode) first: nothing here can read across
 * tenants or between test and live data.
 */
#ifndef RECUR_STORE_OBJECTS_H
#define RECUR_STORE_OBJECTS_H

#include <jansson.h>
#include <stdbool.h>

#include "store/store.h"

enum store_col_kind { COL_TEXT, COL_INT, COL_BOOL, COL_JSON, COL_FIXED };

struct store_col {
	const char *name;          /* column name = field name in the object */
	enum store_col_kind kind;
	int scale;                 /* COL_FIXED: decimal places kept (2 -> hundredths) */
};

struct store_table {
	const char *table;         /* SQL table */
	const char *object;        /* Stripe "object" value */
	const char *noun;          /* for "No such <noun>: 'id'" */
	const struct store_col *cols; /* id and created excluded: every table has them */
	int ncols;
	bool soft_delete;          /* rows are marked deleted, never removed */
};

struct store_scope {
	const char *tenant;
	int livemode;
};

/*
 * A WHERE condition on one column: op is "=", "!=", "<", "<=", ">", ">=",
 * "LIKE", "IN" (in[0..nin)) or "IN_SUB": col IN (sub), where sub is a SELECT
 * written in code with one "%d" standing for val's placeholder number and
 * "$1"/"$2" for the tenant and mode, e.g. "SELECT subscription FROM
 * subscription_items WHERE tenant_id = $1 AND livemode = $2 AND price = $%d".
 */
struct store_filter {
	const char *col;
	const char *op;
	struct store_val val;
	const struct store_val *in; /* op "IN": nin values */
	int nin;
	const char *sub;            /* op "IN_SUB" */
};

struct store_page {
	int limit;                  /* 1..100 */
	const char *starting_after; /* id or NULL */
	const char *ending_before;  /* id or NULL */
};

/*
 * Inserts obj (its "id" and "created" must be set). Fields absent from obj are
 * stored as NULL. Fails with RECUR_ECONFLICT if the id exists.
 */
int store_obj_insert(struct store *s, const struct store_table *t,
		     const struct store_scope *sc, const json_t *obj, struct recur_err *e);

/* Rewrites every column of the row with obj's id. RECUR_ENOTFOUND if absent. */
int store_obj_update(struct store *s, const struct store_table *t,
		     const struct store_scope *sc, const json_t *obj, struct recur_err *e);

/*
 * Loads one object; *out is a new reference the caller releases with
 * json_decref. A missing (or soft-deleted, unless with_deleted) object gives
 * RECUR_ENOTFOUND with param "id" named in e. *deleted tells a soft-deleted row.
 */
int store_obj_get(json_t **out, struct store *s, const struct store_table *t,
		  const struct store_scope *sc, const char *id, struct recur_err *e);
int store_obj_get_any(json_t **out, bool *deleted, struct store *s,
		      const struct store_table *t, const struct store_scope *sc,
		      const char *id, struct recur_err *e);

/*
 * The object store_obj_get would return right after obj was written by
 * store_obj_insert (or by store_obj_update over a row with obj's "created"),
 * built from obj instead of read back: the same fields in the same order,
 * each column as the store turns it (a non-string in a text column is null,
 * a fixed-point field a decimal, booleans and integers as bound). New
 * reference, NULL when out of memory or a fixed-point field cannot be
 * encoded. A write followed by this saves the read and the re-parse of every
 * JSON column (docs/benchmarks.md).
 */
json_t *store_obj_as_read(const struct store_table *t, const struct store_scope *sc,
			  const json_t *obj);

/* Deletes (or marks deleted) one object. RECUR_ENOTFOUND if absent. */
int store_obj_delete(struct store *s, const struct store_table *t,
		     const struct store_scope *sc, const char *id, struct recur_err *e);

/*
 * Lists objects newest first. *out is a new array reference; *has_more tells
 * whether more objects lie beyond the page in the direction of travel.
 */
int store_obj_list(json_t **out, bool *has_more, struct store *s,
		   const struct store_table *t, const struct store_scope *sc,
		   const struct store_filter *filters, int nfilters,
		   const struct store_page *page, struct recur_err *e);

/* Counts rows matching filters (soft-deleted rows excluded). */
int store_obj_count(int64_t *out, struct store *s, const struct store_table *t,
		    const struct store_scope *sc, const struct store_filter *filters,
		    int nfilters, struct recur_err *e);

#endif
