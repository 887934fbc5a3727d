/*
 * clone.c - see clone.h. The loader and writer of template rows the billing
 * run and the crash test's generator share.
 */
#include "clone.h"
#include "service/customer.h"
#include "service/payment_method.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void clone_die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("clone: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

sqlite3 *clone_open(const char *path, const char *pragmas)
{
	sqlite3 *db = NULL;
	char *msg = NULL;
	if (sqlite3_open(path, &db) != SQLITE_OK)
		clone_die("open %s: %s", path, sqlite3_errmsg(db));
	sqlite3_busy_timeout(db, 10000);
	if (sqlite3_exec(db, pragmas, NULL, NULL, &msg) != SQLITE_OK)
		clone_die("pragmas on %s: %s", path, msg);
	return db;
}

void clone_exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		clone_die("%s: %s", sql, msg);
}

sqlite3_stmt *clone_prepare(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		clone_die("prepare %s: %s", sql, sqlite3_errmsg(db));
	return st;
}

void clone_step_done(sqlite3 *db, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		clone_die("step: %s", sqlite3_errmsg(db));
	sqlite3_reset(st);
}

int64_t clone_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = clone_prepare(db, sql);
	int64_t v = 0;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Loads the one row of table matched by where (bound to arg), seq excluded. */
void clone_row_load(struct clone_row *t, sqlite3 *db, const char *table, const char *where,
		      const char *arg)
{
	char sql[512];
	memset(t, 0, sizeof(*t));
	snprintf(t->table, sizeof(t->table), "%s", table);
	snprintf(sql, sizeof(sql), "SELECT * FROM %s WHERE %s", table, where);
	sqlite3_stmt *st = clone_prepare(db, sql);
	sqlite3_bind_text(st, 1, arg, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_ROW)
		clone_die("no template row in %s", table);
	for (int i = 0; i < sqlite3_column_count(st); i++) {
		if (strcmp(sqlite3_column_name(st, i), "seq") == 0)
			continue;
		if (t->ncols >= CLONE_MAX_COLS)
			clone_die("%s has too many columns", table);
		struct clone_col *c = &t->cols[t->ncols++];
		snprintf(c->name, sizeof(c->name), "%s", sqlite3_column_name(st, i));
		c->value = sqlite3_value_dup(sqlite3_column_value(st, i));
		c->override = -1;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		clone_die("the template has more than one row in %s", table);
	sqlite3_finalize(st);
}

struct clone_col *clone_row_col(struct clone_row *t, const char *name)
{
	for (int i = 0; i < t->ncols; i++)
		if (strcmp(t->cols[i].name, name) == 0)
			return &t->cols[i];
	clone_die("%s has no column %s", t->table, name);
}

const char *clone_row_text(struct clone_row *t, const char *name)
{
	return (const char *)sqlite3_value_text(clone_row_col(t, name)->value);
}

/*
 * Finds where each of the template's ids occurs in each text column, so a
 * clone only copies the text and writes its own ids (of the same length) over.
 */
void clone_row_find_ids(struct clone_row *t, const char *const *old, int nold)
{
	for (int i = 0; i < t->ncols; i++) {
		struct clone_col *c = &t->cols[i];
		if (sqlite3_value_type(c->value) != SQLITE_TEXT)
			continue;
		const char *text = (const char *)sqlite3_value_text(c->value);
		size_t len = (size_t)sqlite3_value_bytes(c->value);
		if (len + 1 > t->scratch_cap)
			t->scratch_cap = len + 1;
		for (int w = 0; w < nold; w++) {
			size_t idlen = strlen(old[w]);
			for (const char *p = strstr(text, old[w]); p; p = strstr(p + idlen, old[w])) {
				if (c->nsubst >= CLONE_MAX_SUBST)
					clone_die("%s.%s names ids too often", t->table, c->name);
				c->subst[c->nsubst++] = (struct clone_subst){ w, (size_t)(p - text) };
			}
		}
	}
	t->scratch = malloc(t->scratch_cap ? t->scratch_cap : 1);
}

void clone_row_prepare_insert(struct clone_row *t, sqlite3 *db)
{
	char sql[8192];
	size_t n = (size_t)snprintf(sql, sizeof(sql), "INSERT INTO %s (", t->table);
	for (int i = 0; i < t->ncols; i++)
		n += (size_t)snprintf(sql + n, sizeof(sql) - n, "%s\"%s\"", i ? ", " : "",
				      t->cols[i].name);
	n += (size_t)snprintf(sql + n, sizeof(sql) - n, ") VALUES (");
	for (int i = 0; i < t->ncols; i++)
		n += (size_t)snprintf(sql + n, sizeof(sql) - n, "%s?", i ? ", " : "");
	snprintf(sql + n, sizeof(sql) - n, ")");
	t->insert = clone_prepare(db, sql);
}

/* Inserts the template with ids[] in place of the template's ids. */
void clone_row_insert(struct clone_row *t, sqlite3 *db, const char *const *ids)
{
	for (int i = 0; i < t->ncols; i++) {
		struct clone_col *c = &t->cols[i];
		if (c->override >= 0) {
			sqlite3_bind_text(t->insert, i + 1, ids[c->override], -1, SQLITE_TRANSIENT);
		} else if (c->nsubst) {
			size_t len = (size_t)sqlite3_value_bytes(c->value);
			memcpy(t->scratch, sqlite3_value_text(c->value), len);
			for (int k = 0; k < c->nsubst; k++)
				memcpy(t->scratch + c->subst[k].offset, ids[c->subst[k].which],
				       strlen(ids[c->subst[k].which]));
			sqlite3_bind_text(t->insert, i + 1, t->scratch, (int)len, SQLITE_TRANSIENT);
		} else {
			sqlite3_bind_value(t->insert, i + 1, c->value);
		}
	}
	clone_step_done(db, t->insert);
}

void clone_row_free(struct clone_row *t)
{
	for (int i = 0; i < t->ncols; i++)
		sqlite3_value_free(t->cols[i].value);
	sqlite3_finalize(t->insert);
	free(t->scratch);
}

int clone_set_old(struct clone_set *t, const char *id)
{
	for (int i = 0; i < t->nold; i++)
		if (strcmp(t->old[i], id) == 0)
			return i;
	if (t->nold >= CLONE_MAX_IDS)
		clone_die("too many ids in a template");
	snprintf(t->old[t->nold], IDS_MAX, "%s", id);
	const char *us = strrchr(id, '_');
	snprintf(t->prefix[t->nold], IDS_MAX, "%.*s", us ? (int)(us - id) : 0, id);
	return t->nold++;
}

/* Adds row rowid of table; its "id" becomes one of the set's ids. */
void clone_set_add(struct clone_set *t, sqlite3 *db, const char *table, int64_t rowid)
{
	char arg[32];
	if (t->n >= CLONE_MAX_ROWS)
		clone_die("too many rows in a template");
	snprintf(arg, sizeof(arg), "%lld", (long long)rowid);
	clone_row_load(&t->rows[t->n], db, table, "rowid = CAST(? AS INTEGER)", arg);
	for (int i = 0; i < t->rows[t->n].ncols; i++)
		if (strcmp(t->rows[t->n].cols[i].name, "id") == 0 &&
		    sqlite3_value_type(t->rows[t->n].cols[i].value) == SQLITE_TEXT)
			clone_set_old(t, (const char *)sqlite3_value_text(t->rows[t->n].cols[i].value));
	t->n++;
}

/* Finds the ids in the rows and prepares their inserts on db. */
void clone_set_prepare(struct clone_set *t, sqlite3 *db)
{
	const char *old[CLONE_MAX_IDS];
	for (int i = 0; i < t->nold; i++)
		old[i] = t->old[i];
	for (int r = 0; r < t->n; r++) {
		if (strcmp(t->rows[r].table, "invoices") == 0)
			clone_row_col(&t->rows[r], "number")->override = t->nold;
		clone_row_find_ids(&t->rows[r], old, t->nold);
		clone_row_prepare_insert(&t->rows[r], db);
	}
}

/* Fresh ids, of the same kinds, for the set's ids (buf: nold + 1 buffers). */
void clone_set_fresh(struct clone_set *t, char (*buf)[IDS_MAX + 32])
{
	for (int i = 0; i < t->nold; i++)
		ids_new(buf[i], IDS_MAX, t->prefix[i]);
}

/* Inserts every row with ids[i] in place of old[i] (ids[nold]: the number). */
void clone_set_write(struct clone_set *t, sqlite3 *db, const char *const *ids)
{
	for (int r = 0; r < t->n; r++)
		clone_row_insert(&t->rows[r], db, ids);
}

void clone_set_free(struct clone_set *t)
{
	for (int r = 0; r < t->n; r++)
		clone_row_free(&t->rows[r]);
}

/*
 * The tables a renewal or a template can have rows in: every table but
 * SQLite's own (events included: the floor writes them; generation leaves
 * them out itself).
 */
int clone_data_tables(char (*names)[64], int max, sqlite3 *db)
{
	sqlite3_stmt *st = clone_prepare(db, "SELECT name FROM sqlite_master WHERE type = 'table'"
				       " AND name NOT LIKE 'sqlite_%' ORDER BY rowid");
	int n = 0;
	while (sqlite3_step(st) == SQLITE_ROW && n < max)
		snprintf(names[n++], 64, "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return n;
}

/*
 * The rows that belong to one subscription: every row (of the tables, with
 * rowid in (from[i], to[i]]) that names its customer or itself, or names a
 * row that does (its item, invoice, line, payment method, payment intent,
 * charge, gateway attempt, ledger entries, events, ...), found to a fixed
 * point. Only rows with an id column add ids; the others (the gateway's
 * attempts) are found through the ids they name.
 */
void clone_owned_rows(struct clone_set *t, sqlite3 *db, const char *customer, const char *sub,
		       char (*tables)[64], int nt, const int64_t *from, const int64_t *to)
{
	clone_set_old(t, customer);
	clone_set_old(t, sub);
	for (bool grew = true; grew;) {
		grew = false;
		for (int i = 0; i < nt; i++) {
			char sql[160];
			snprintf(sql, sizeof(sql), "SELECT rowid, * FROM \"%s\" WHERE rowid > ?1"
				 " AND rowid <= ?2", tables[i]);
			sqlite3_stmt *q = clone_prepare(db, sql);
			sqlite3_bind_int64(q, 1, from[i]);
			sqlite3_bind_int64(q, 2, to[i]);
			while (sqlite3_step(q) == SQLITE_ROW) {
				int64_t rowid = sqlite3_column_int64(q, 0);
				bool taken = false, names = false;
				for (int r = 0; r < t->n && !taken; r++)
					taken = strcmp(t->rows[r].table, tables[i]) == 0 &&
						t->rows[r].rowid == rowid;
				for (int c = 1; c < sqlite3_column_count(q) && !taken && !names; c++) {
					const char *text = (const char *)sqlite3_column_text(q, c);
					for (int k = 0; text && k < t->nold && !names; k++)
						names = strstr(text, t->old[k]) != NULL;
				}
				if (!taken && names) {
					clone_set_add(t, db, tables[i], rowid);
					t->rows[t->n - 1].rowid = rowid;
					grew = true;
				}
			}
			sqlite3_finalize(q);
		}
	}
}

void clone_load_templates(struct clone_set *sets, int nsets, sqlite3 *db,
			  const char (*customers)[IDS_MAX], const char (*subs)[IDS_MAX])
{
	static char tables[CLONE_MAX_TABLES][64];
	char all[CLONE_MAX_TABLES][64];
	int64_t from[CLONE_MAX_TABLES], to[CLONE_MAX_TABLES];
	int ntab = 0, nall = clone_data_tables(all, CLONE_MAX_TABLES, db);
	for (int i = 0; i < nall; i++)
		if (strcmp(all[i], "events") != 0) {
			snprintf(tables[ntab], 64, "%s", all[i]);
			from[ntab] = 0;
			to[ntab++] = INT64_MAX;
		}
	for (int j = 0; j < nsets; j++) {
		clone_owned_rows(&sets[j], db, customers[j], subs[j], tables, ntab, from, to);
		clone_set_prepare(&sets[j], db);
	}
}

void clone_write_all(struct clone_set *sets, int nsets, sqlite3 *db, long n,
		     int (*of)(long i, void *ctx), void *ctx, long *number, long per_tx)
{
	static char buf[CLONE_MAX_IDS + 1][IDS_MAX + 32];
	const char *ids[CLONE_MAX_IDS + 1];
	bool *first = calloc((size_t)nsets, sizeof(*first));
	if (!first)
		clone_die("out of memory");
	for (int i = 0; i <= CLONE_MAX_IDS; i++)
		ids[i] = buf[i];
	clone_exec(db, "BEGIN");
	for (long i = 0; i < n; i++) {
		int j = of(i, ctx);
		if (!first[j]) {
			first[j] = true; /* the template itself */
			continue;
		}
		struct clone_set *tj = &sets[j];
		snprintf(buf[tj->nold], sizeof(buf[tj->nold]), "RCR-%04ld", ++*number);
		clone_set_fresh(tj, buf);
		clone_set_write(tj, db, ids);
		if (i % per_tx == 0) {
			clone_exec(db, "COMMIT");
			clone_exec(db, "BEGIN");
		}
	}
	char sql[256];
	snprintf(sql, sizeof(sql), "UPDATE invoice_number_sequences SET next_number = %ld",
		 *number + 1);
	clone_exec(db, sql);
	clone_exec(db, "COMMIT");
	free(first);
}

json_t *clone_call(int (*fn)(json_t **, struct svc *, const json_t *, struct recur_err *),
		   struct svc *s, json_t *params, const char *what)
{
	json_t *out = NULL;
	struct recur_err e;
	err_clear(&e);
	if (fn(&out, s, params, &e) < 0)
		clone_die("%s: %s", what, e.message);
	json_decref(params);
	return out;
}

void clone_copy_id(char *dst, json_t *obj)
{
	snprintf(dst, IDS_MAX, "%s", json_string_value(json_object_get(obj, "id")));
	json_decref(obj);
}

void clone_give_card(struct svc *s, const char *customer, const char *token)
{
	json_t *pm = NULL, *cus = NULL, *p = json_pack("{s:s}", "customer", customer);
	struct recur_err e;
	err_clear(&e);
	if (svc_payment_method_attach(&pm, s, token, p, &e) < 0)
		clone_die("attach %s: %s", token, e.message);
	json_decref(p);
	p = json_pack("{s:{s:O}}", "invoice_settings", "default_payment_method",
		      json_object_get(pm, "id"));
	if (svc_customer_update(&cus, s, customer, p, &e) < 0)
		clone_die("default payment method: %s", e.message);
	json_decref(p);
	json_decref(pm);
	json_decref(cus);
}
