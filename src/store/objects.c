#include "store/objects.h"
#include "core/buf.h"
#include "core/money.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * SQL is assembled per call from the descriptor; column names are quoted so a
 * field may be named like an SQL keyword ("end"). The text is identical for
 * identical calls, so the driver's statement cache still hits; building it costs
 * far less than executing it.
 */

#define MAX_PARAMS 64

static const int64_t pow10_table[] = { 1, 10, 100, 1000, 10000, 100000, 1000000 };

struct params {
	struct store_val v[MAX_PARAMS];
	char *owned[MAX_PARAMS]; /* JSON texts we allocated, freed in params_free */
	int n;
};

static int push(struct params *p, struct store_val v)
{
	if (p->n >= MAX_PARAMS)
		return -1;
	p->v[p->n++] = v;
	return p->n;
}

static void params_free(struct params *p)
{
	for (int i = 0; i < p->n; i++)
		free(p->owned[i]);
}

/* Converts one object field into a bound value according to its column kind. */
static int field_value(struct params *p, const struct store_col *c, const json_t *v)
{
	if (!v || json_is_null(v))
		return push(p, SV_NULL);
	switch (c->kind) {
	case COL_TEXT:
		return push(p, SV_TEXT(json_string_value(v)));
	case COL_INT:
		return push(p, SV_INT(json_integer_value(v)));
	case COL_BOOL:
		return push(p, SV_INT(json_is_true(v) ? 1 : 0));
	case COL_FIXED: {
		/*
		 * Services hand fixed-point fields over scaled, as integers. An object
		 * read back from the store carries them rendered as decimals; those are
		 * turned back into the exact scaled integer through their decimal text.
		 */
		if (json_is_integer(v))
			return push(p, SV_INT(json_integer_value(v)));
		char text[64];
		int64_t scaled = 0;
		snprintf(text, sizeof(text), "%.*f", c->scale, json_number_value(v));
		if (money_parse(&scaled, text, c->scale, MONEY_LOCALE_C, NULL) < 0)
			return -1;
		return push(p, SV_INT(scaled));
	}
	case COL_JSON: {
		char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		if (!text)
			return -1;
		p->owned[p->n] = text;
		return push(p, SV_TEXT(text));
	}
	}
	return -1;
}

static int scope_params(struct params *p, const struct store_scope *sc)
{
	push(p, SV_TEXT(sc->tenant));
	return push(p, SV_INT(sc->livemode));
}

int store_obj_insert(struct store *s, const struct store_table *t,
		     const struct store_scope *sc, const json_t *obj, struct recur_err *e)
{
	struct params p = { 0 };
	struct buf sql;
	int rc = RECUR_EINTERNAL;
	buf_init(&sql, 0);
	scope_params(&p, sc);
	push(&p, SV_TEXT(json_string_value(json_object_get(obj, "id"))));
	push(&p, SV_INT(json_integer_value(json_object_get(obj, "created"))));
	buf_printf(&sql, "INSERT INTO %s (tenant_id, livemode, id, created", t->table);
	for (int i = 0; i < t->ncols; i++)
		buf_printf(&sql, ", \"%s\"", t->cols[i].name);
	buf_puts(&sql, ") VALUES ($1, $2, $3, $4");
	for (int i = 0; i < t->ncols; i++) {
		int n = field_value(&p, &t->cols[i], json_object_get(obj, t->cols[i].name));
		if (n < 0) {
			rc = err_internal(e, "cannot encode %s.%s", t->table, t->cols[i].name);
			goto done;
		}
		buf_printf(&sql, ", $%d", n);
	}
	buf_puts(&sql, ")");
	rc = store_exec(s, sql.data, p.v, p.n, e);
	if (rc > 0)
		rc = 0;
done:
	params_free(&p);
	buf_free(&sql);
	return rc;
}

int store_obj_update(struct store *s, const struct store_table *t,
		     const struct store_scope *sc, const json_t *obj, struct recur_err *e)
{
	struct params p = { 0 };
	struct buf sql;
	int rc = RECUR_EINTERNAL;
	const char *id = json_string_value(json_object_get(obj, "id"));
	buf_init(&sql, 0);
	scope_params(&p, sc);
	push(&p, SV_TEXT(id));
	buf_printf(&sql, "UPDATE %s SET ", t->table);
	for (int i = 0; i < t->ncols; i++) {
		int n = field_value(&p, &t->cols[i], json_object_get(obj, t->cols[i].name));
		if (n < 0) {
			rc = err_internal(e, "cannot encode %s.%s", t->table, t->cols[i].name);
			goto done;
		}
		buf_printf(&sql, "%s\"%s\" = $%d", i ? ", " : "", t->cols[i].name, n);
	}
	buf_puts(&sql, " WHERE tenant_id = $1 AND livemode = $2 AND id = $3");
	rc = store_exec(s, sql.data, p.v, p.n, e);
	if (rc == 0)
		rc = err_missing(e, "id", t->noun, id ? id : "");
	else if (rc > 0)
		rc = 0;
done:
	params_free(&p);
	buf_free(&sql);
	return rc;
}

static void select_list(struct buf *sql, const struct store_table *t)
{
	buf_puts(sql, "SELECT id, created");
	for (int i = 0; i < t->ncols; i++)
		buf_printf(sql, ", \"%s\"", t->cols[i].name);
	buf_puts(sql, t->soft_delete ? ", deleted" : ", 0");
}

/* Builds {"id", "object", ...columns..., "livemode"} from a row. */
static json_t *row_object(const struct store_table *t, const struct store_row *row,
			  int livemode)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_string(store_row_text(row, 0, NULL)));
	json_object_set_new(o, "object", json_string(t->object));
	json_object_set_new(o, "created", json_integer(store_row_int(row, 1)));
	for (int i = 0; i < t->ncols; i++) {
		const struct store_col *c = &t->cols[i];
		int col = i + 2;
		json_t *v = NULL;
		if (store_row_is_null(row, col)) {
			v = json_null();
		} else {
			switch (c->kind) {
			case COL_TEXT: {
				size_t len;
				const char *txt = store_row_text(row, col, &len);
				v = json_stringn(txt, len);
				break;
			}
			case COL_INT: v = json_integer(store_row_int(row, col)); break;
			case COL_BOOL: v = json_boolean(store_row_int(row, col)); break;
			case COL_FIXED:
				/* Rendering only: the stored value stays an exact scaled integer. */
				v = json_real((double)store_row_int(row, col) / (double)pow10_table[c->scale]);
				break;
			case COL_JSON: {
				size_t len;
				const char *txt = store_row_text(row, col, &len);
				v = json_loadb(txt, len, JSON_DECODE_ANY, NULL);
				break;
			}
			}
		}
		json_object_set_new(o, c->name, v ? v : json_null());
	}
	json_object_set_new(o, "livemode", json_boolean(livemode));
	return o;
}

struct get_ctx {
	const struct store_table *t;
	int livemode;
	json_t *obj;
	bool deleted;
};

static int collect_one(void *ctx, const struct store_row *row)
{
	struct get_ctx *g = ctx;
	g->obj = row_object(g->t, row, g->livemode);
	g->deleted = store_row_int(row, g->t->ncols + 2) != 0;
	return 1;
}

int store_obj_get_any(json_t **out, bool *deleted, struct store *s,
		      const struct store_table *t, const struct store_scope *sc,
		      const char *id, struct recur_err *e)
{
	struct buf sql;
	struct get_ctx g = { .t = t, .livemode = sc->livemode };
	struct store_val p[] = { SV_TEXT(sc->tenant), SV_INT(sc->livemode), SV_TEXT(id) };
	*out = NULL;
	buf_init(&sql, 0);
	select_list(&sql, t);
	buf_printf(&sql, " FROM %s WHERE tenant_id = $1 AND livemode = $2 AND id = $3", t->table);
	int rc = store_query(s, sql.data, p, 3, collect_one, &g, e);
	buf_free(&sql);
	if (rc < 0)
		return rc;
	if (!g.obj)
		return err_missing(e, "id", t->noun, id);
	*out = g.obj;
	if (deleted)
		*deleted = g.deleted;
	return 0;
}

int store_obj_get(json_t **out, struct store *s, const struct store_table *t,
		  const struct store_scope *sc, const char *id, struct recur_err *e)
{
	bool deleted = false;
	int rc = store_obj_get_any(out, &deleted, s, t, sc, id, e);
	if (rc == 0 && deleted) {
		json_decref(*out);
		*out = NULL;
		return err_missing(e, "id", t->noun, id);
	}
	return rc;
}

int store_obj_delete(struct store *s, const struct store_table *t,
		     const struct store_scope *sc, const char *id, struct recur_err *e)
{
	struct store_val p[] = { SV_TEXT(sc->tenant), SV_INT(sc->livemode), SV_TEXT(id) };
	char sql[256];
	if (t->soft_delete)
		snprintf(sql, sizeof(sql), "UPDATE %s SET deleted = 1 WHERE tenant_id = $1"
			 " AND livemode = $2 AND id = $3 AND deleted = 0", t->table);
	else
		snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE tenant_id = $1"
			 " AND livemode = $2 AND id = $3", t->table);
	int rc = store_exec(s, sql, p, 3, e);
	if (rc == 0)
		return err_missing(e, "id", t->noun, id);
	return rc < 0 ? rc : 0;
}

/* Appends " AND col op $n" for each filter. */
static int where_filters(struct buf *sql, struct params *p,
			 const struct store_filter *f, int nf)
{
	for (int i = 0; i < nf; i++) {
		if (strcmp(f[i].op, "IN") == 0) {
			buf_printf(sql, " AND %s IN (", f[i].col);
			for (int j = 0; j < f[i].nin; j++) {
				int n = push(p, f[i].in[j]);
				if (n < 0)
					return -1;
				buf_printf(sql, "%s$%d", j ? ", " : "", n);
			}
			buf_puts(sql, f[i].nin ? ")" : "NULL)");
		} else if (strcmp(f[i].op, "IN_SUB") == 0) {
			int n = push(p, f[i].val);
			if (n < 0)
				return -1;
			/* sub is SQL written in code; its one "%d" becomes val's placeholder */
			const char *mark = strstr(f[i].sub, "%d");
			if (!mark)
				return -1;
			buf_printf(sql, " AND \"%s\" IN (", f[i].col);
			buf_append(sql, f[i].sub, (size_t)(mark - f[i].sub));
			buf_printf(sql, "%d%s)", n, mark + 2);
		} else if (f[i].val.type == STORE_NULL && strcmp(f[i].op, "=") == 0) {
			buf_printf(sql, " AND %s IS NULL", f[i].col);
		} else {
			int n = push(p, f[i].val);
			if (n < 0)
				return -1;
			buf_printf(sql, " AND %s %s $%d", f[i].col, f[i].op, n);
		}
	}
	return 0;
}

struct list_ctx {
	const struct store_table *t;
	int livemode;
	json_t *arr;
};

static int collect_many(void *ctx, const struct store_row *row)
{
	struct list_ctx *l = ctx;
	json_array_append_new(l->arr, row_object(l->t, row, l->livemode));
	return 0;
}

/* Finds the seq of a pagination cursor; a cursor that does not exist is bad input. */
static int cursor_seq(int64_t *out, struct store *s, const struct store_table *t,
		      const struct store_scope *sc, const char *id, const char *param,
		      struct recur_err *e)
{
	char sql[256];
	struct store_val p[] = { SV_TEXT(sc->tenant), SV_INT(sc->livemode), SV_TEXT(id) };
	bool found = false;
	snprintf(sql, sizeof(sql), "SELECT seq FROM %s WHERE tenant_id = $1 AND livemode = $2"
		 " AND id = $3", t->table);
	int rc = store_query_int(out, &found, s, sql, p, 3, e);
	if (rc < 0)
		return rc;
	if (!found)
		return err_set(e, RECUR_EINVAL, 400, "invalid_request_error", "resource_missing",
			       param, "No such %s: '%s'", t->noun, id);
	return 0;
}

int store_obj_list(json_t **out, bool *has_more, struct store *s,
		   const struct store_table *t, const struct store_scope *sc,
		   const struct store_filter *filters, int nfilters,
		   const struct store_page *page, struct recur_err *e)
{
	struct params p = { 0 };
	struct buf sql;
	struct list_ctx l = { .t = t, .livemode = sc->livemode, .arr = json_array() };
	int rc = 0;
	bool backward = page->ending_before != NULL;
	int64_t cursor = 0;
	*out = NULL;
	*has_more = false;
	buf_init(&sql, 0);
	if (page->starting_after)
		rc = cursor_seq(&cursor, s, t, sc, page->starting_after, "starting_after", e);
	else if (page->ending_before)
		rc = cursor_seq(&cursor, s, t, sc, page->ending_before, "ending_before", e);
	if (rc < 0)
		goto done;
	scope_params(&p, sc);
	select_list(&sql, t);
	buf_printf(&sql, " FROM %s WHERE tenant_id = $1 AND livemode = $2", t->table);
	if (t->soft_delete)
		buf_puts(&sql, " AND deleted = 0");
	if (where_filters(&sql, &p, filters, nfilters) < 0) {
		rc = err_invalid(e, NULL, "Too many filters");
		goto done;
	}
	if (page->starting_after || page->ending_before)
		buf_printf(&sql, " AND seq %s $%d", backward ? ">" : "<", push(&p, SV_INT(cursor)));
	/* One row past the page tells whether there is more. */
	buf_printf(&sql, " ORDER BY seq %s LIMIT $%d", backward ? "ASC" : "DESC",
		   push(&p, SV_INT(page->limit + 1)));
	rc = store_query(s, sql.data, p.v, p.n, collect_many, &l, e);
	if (rc < 0)
		goto done;
	if (json_array_size(l.arr) > (size_t)page->limit) {
		*has_more = true;
		json_array_remove(l.arr, (size_t)page->limit);
	}
	if (backward) { /* fetched oldest first; lists are newest first */
		size_t n = json_array_size(l.arr);
		for (size_t i = 0; i < n / 2; i++) {
			json_t *a = json_incref(json_array_get(l.arr, i));
			json_array_set(l.arr, i, json_array_get(l.arr, n - 1 - i));
			json_array_set_new(l.arr, n - 1 - i, a);
		}
	}
	*out = l.arr;
	l.arr = NULL;
done:
	json_decref(l.arr);
	params_free(&p);
	buf_free(&sql);
	return rc;
}

int store_obj_count(int64_t *out, struct store *s, const struct store_table *t,
		    const struct store_scope *sc, const struct store_filter *filters,
		    int nfilters, struct recur_err *e)
{
	struct params p = { 0 };
	struct buf sql;
	int rc;
	buf_init(&sql, 0);
	scope_params(&p, sc);
	buf_printf(&sql, "SELECT count(*) FROM %s WHERE tenant_id = $1 AND livemode = $2",
		   t->table);
	if (t->soft_delete)
		buf_puts(&sql, " AND deleted = 0");
	if (where_filters(&sql, &p, filters, nfilters) < 0) {
		rc = err_invalid(e, NULL, "Too many filters");
		goto done;
	}
	rc = store_query_int(out, NULL, s, sql.data, p.v, p.n, e);
done:
	params_free(&p);
	buf_free(&sql);
	return rc;
}
