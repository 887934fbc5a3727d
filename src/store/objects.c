#include "store/objects.h"
#include "core/buf.h"
#include "core/money.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * SQL is assembled per call from the descriptor; column names are quoted so a
 * field may be named like an SQL keyword ("end"). The text is identical for
 * identical calls, so the driver's statement cache still hits. It is assembled
 * by plain appends, not printf: a billing run executes some twenty of these
 * statements per renewal, and formatting their text with printf once cost as
 * much as SQLite executing them (bench/billing_run.c, docs/benchmarks.md).
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

/*
 * JSON columns are written as json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY)
 * would write them, byte for byte, by the serializer below: jansson's dump
 * guards against cycles with a hash table keyed by a snprintf'd pointer for
 * every object and array, and formats every integer with snprintf, which made
 * it a fifth of a renewal's cost (every event carries a whole object). Keys
 * come in jansson's iteration order, strings are escaped as jansson escapes
 * them (\" \\ \b \f \n \r \t, other control characters as \u00XX, UTF-8
 * as is), reals by jansson itself. A tree it cannot write (invalid UTF-8, or
 * deeper than JSON_MAX_DEPTH, which only a cycle reaches) goes back to
 * json_dumps whole, so the stored text, and every error, is jansson's.
 */
#define JSON_MAX_DEPTH 2048

struct out {
	char *data;
	size_t len, alloc;
};

static int out_reserve(struct out *o, size_t more)
{
	if (o->len + more + 1 <= o->alloc)
		return 0;
	size_t n = o->alloc ? o->alloc : 512;
	while (n < o->len + more + 1)
		n *= 2;
	char *p = realloc(o->data, n);
	if (!p)
		return -1;
	o->data = p;
	o->alloc = n;
	return 0;
}

static int out_put(struct out *o, const char *s, size_t n)
{
	if (out_reserve(o, n) < 0)
		return -1;
	memcpy(o->data + o->len, s, n);
	o->len += n;
	return 0;
}

/* Length of the valid UTF-8 sequence at s (lim bytes left), 0 if invalid (jansson's rules). */
static size_t utf8_len(const unsigned char *s, size_t lim)
{
	unsigned char c = s[0];
	size_t n;
	uint32_t v;
	if (c < 0x80)
		return 1;
	if (c < 0xC2)
		return 0; /* a continuation byte, or an overlong two-byte sequence */
	if (c < 0xE0) {
		n = 2;
		v = c & 0x1F;
	} else if (c < 0xF0) {
		n = 3;
		v = c & 0x0F;
	} else if (c < 0xF5) {
		n = 4;
		v = c & 0x07;
	} else {
		return 0;
	}
	if (n > lim)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3F);
	}
	if ((n == 3 && v < 0x800) || (n == 4 && v < 0x10000) || v > 0x10FFFF ||
	    (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	return n;
}

/* Bytes jansson writes as they are without looking further: ASCII from space on, but " and \\. */
static inline bool plain(unsigned char c)
{
	return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

/*
 * The length of the run of plain bytes at s, eight at a time: a word has a
 * byte that is not plain when one is below 0x20, at or above 0x80, '"' or
 * '\\' (the classic "has a zero byte" test on x, x ^ '"' and x ^ '\\').
 */
static size_t plain_run(const unsigned char *s, size_t len)
{
	const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
	size_t i = 0;
	for (; i + 8 <= len; i += 8) {
		uint64_t x;
		memcpy(&x, s + i, 8);
		uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');
		uint64_t bad = (x - ones * 0x20) | x | ((q - ones) & ~q) | ((b - ones) & ~b);
		if (bad & highs)
			break;
	}
	while (i < len && plain(s[i]))
		i++;
	return i;
}

static int dump_str(struct out *o, const char *str, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run = 0;
	if (out_reserve(o, len + 2) < 0)
		return -1;
	o->data[o->len++] = '"';
	while (i < len) {
		i += plain_run(s + i, len - i);
		if (i == len)
			break;
		unsigned char c = s[i];
		if (c >= 0x80) {
			size_t n = utf8_len(s + i, len - i);
			if (n == 0)
				return -1;
			i += n;
			continue;
		}
		if (out_put(o, str + run, i - run) < 0)
			return -1;
		char esc[6] = { '\\', 0, '0', '0', 0, 0 };
		size_t elen = 2;
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default:
			esc[1] = 'u';
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 0xF];
			elen = 6;
		}
		if (out_put(o, esc, elen) < 0)
			return -1;
		run = ++i;
	}
	if (out_reserve(o, len - run + 1) < 0)
		return -1;
	memcpy(o->data + o->len, str + run, len - run);
	o->len += len - run;
	o->data[o->len++] = '"';
	return 0;
}

static int dump_int(struct out *o, json_int_t v)
{
	char t[24];
	size_t i = sizeof(t);
	/* negate in unsigned arithmetic: -INT64_MIN does not fit */
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	do {
		t[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		t[--i] = '-';
	return out_put(o, t + i, sizeof(t) - i);
}

static int dump_value(struct out *o, const json_t *v, int depth)
{
	if (!v || depth > JSON_MAX_DEPTH)
		return -1;
	switch (json_typeof(v)) {
	case JSON_NULL: return out_put(o, "null", 4);
	case JSON_TRUE: return out_put(o, "true", 4);
	case JSON_FALSE: return out_put(o, "false", 5);
	case JSON_INTEGER: return dump_int(o, json_integer_value(v));
	case JSON_STRING: return dump_str(o, json_string_value(v), json_string_length(v));
	case JSON_ARRAY: {
		size_t n = json_array_size(v);
		if (out_put(o, "[", 1) < 0)
			return -1;
		for (size_t i = 0; i < n; i++)
			if ((i && out_put(o, ",", 1) < 0) ||
			    dump_value(o, json_array_get(v, i), depth + 1) < 0)
				return -1;
		return out_put(o, "]", 1);
	}
	case JSON_OBJECT: {
		if (out_put(o, "{", 1) < 0)
			return -1;
		bool first = true;
		for (void *it = json_object_iter((json_t *)(uintptr_t)v); it;
		     it = json_object_iter_next((json_t *)(uintptr_t)v, it)) {
			if ((!first && out_put(o, ",", 1) < 0) ||
			    dump_str(o, json_object_iter_key(it), json_object_iter_key_len(it)) < 0 ||
			    out_put(o, ":", 1) < 0 ||
			    dump_value(o, json_object_iter_value(it), depth + 1) < 0)
				return -1;
			first = false;
		}
		return out_put(o, "}", 1);
	}
	case JSON_REAL: {
		/* jansson's own formatting (%.17g, ".0" added, exponent tidied) */
		char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		int rc = text ? out_put(o, text, strlen(text)) : -1;
		free(text);
		return rc;
	}
	default:
		return -1;
	}
}

/* json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY): a malloc'd string, or NULL. */
static char *dump_json(const json_t *v)
{
	struct out o = { 0 };
	if (dump_value(&o, v, 0) == 0 && out_reserve(&o, 0) == 0) {
		o.data[o.len] = '\0';
		return o.data;
	}
	free(o.data);
	return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

/*
 * A fixed-point field's stored integer. Services hand these fields over
 * scaled, as integers. An object read back from the store carries them
 * rendered as decimals; those are turned back into the exact scaled integer
 * through their decimal text.
 */
static int fixed_value(int64_t *out, const struct store_col *c, const json_t *v)
{
	char text[64];
	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return 0;
	}
	snprintf(text, sizeof(text), "%.*f", c->scale, json_number_value(v));
	return money_parse(out, text, c->scale, MONEY_LOCALE_C, NULL) < 0 ? -1 : 0;
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
		int64_t scaled = 0;
		if (fixed_value(&scaled, c, v) < 0)
			return -1;
		return push(p, SV_INT(scaled));
	}
	case COL_JSON: {
		char *text = dump_json(v);
		if (!text)
			return -1;
		p->owned[p->n] = text;
		return push(p, SV_TEXT(text));
	}
	}
	return -1;
}

/* Appends "$n". */
static void put_param(struct buf *b, int n)
{
	char t[16];
	size_t i = sizeof(t);
	unsigned v = n > 0 ? (unsigned)n : 0;
	do {
		t[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v && i > 1);
	t[--i] = '$';
	buf_append(b, t + i, sizeof(t) - i);
}

/* Appends sep, then the column name quoted. */
static void put_col(struct buf *b, const char *sep, const char *name)
{
	buf_puts(b, sep);
	buf_append(b, "\"", 1);
	buf_puts(b, name);
	buf_append(b, "\"", 1);
}

static int scope_params(struct params *p, const struct store_scope *sc)
{
	push(p, SV_TEXT(sc->tenant));
	return push(p, SV_INT(sc->livemode));
}

/*
 * The statements that depend on the descriptor alone: placeholders are
 * numbered in push order (scope $1 $2, then id, created, the columns).
 */
static void insert_sql(struct buf *sql, const struct store_table *t)
{
	buf_puts(sql, "INSERT INTO ");
	buf_puts(sql, t->table);
	buf_puts(sql, " (tenant_id, livemode, id, created");
	for (int i = 0; i < t->ncols; i++)
		put_col(sql, ", ", t->cols[i].name);
	buf_puts(sql, ") VALUES ($1, $2, $3, $4");
	for (int i = 0; i < t->ncols; i++) {
		buf_puts(sql, ", ");
		put_param(sql, i + 5);
	}
	buf_puts(sql, ")");
}

static void update_sql(struct buf *sql, const struct store_table *t)
{
	buf_puts(sql, "UPDATE ");
	buf_puts(sql, t->table);
	buf_puts(sql, " SET ");
	for (int i = 0; i < t->ncols; i++) {
		put_col(sql, i ? ", " : "", t->cols[i].name);
		buf_puts(sql, " = ");
		put_param(sql, i + 4);
	}
	buf_puts(sql, " WHERE tenant_id = $1 AND livemode = $2 AND id = $3");
}

static void select_list(struct buf *sql, const struct store_table *t);

static void get_sql(struct buf *sql, const struct store_table *t)
{
	select_list(sql, t);
	buf_puts(sql, " FROM ");
	buf_puts(sql, t->table);
	buf_puts(sql, " WHERE tenant_id = $1 AND livemode = $2 AND id = $3");
}

/*
 * Those statements, written once per descriptor and kept for the life of the
 * process. Descriptors are file-scope constants, so their number is small and
 * fixed; one that does not match what was cached at its address (or comes
 * when the table is full) just gets its SQL written per call. Entries are
 * filled under the lock and published by the release store of their count,
 * so readers need no lock.
 */
#define SQL_CACHE_MAX 64

struct table_sql {
	const struct store_table *t;
	const char *table;
	const struct store_col *cols;
	int ncols;
	char *insert, *update, *get;
};

static struct table_sql sql_cache[SQL_CACHE_MAX];
static atomic_int sql_cached;
static pthread_mutex_t sql_lock = PTHREAD_MUTEX_INITIALIZER;

static const struct table_sql *find_sql(const struct store_table *t, int n)
{
	for (int i = 0; i < n; i++)
		if (sql_cache[i].t == t)
			return sql_cache[i].table == t->table && sql_cache[i].cols == t->cols &&
				       sql_cache[i].ncols == t->ncols
				       ? &sql_cache[i]
				       : NULL;
	return NULL;
}

static char *built(void (*build)(struct buf *, const struct store_table *),
		   const struct store_table *t)
{
	struct buf b;
	buf_init(&b, 0);
	build(&b, t);
	return b.data; /* NULL when out of memory */
}

static const struct table_sql *table_sql(const struct store_table *t)
{
	int n = atomic_load_explicit(&sql_cached, memory_order_acquire);
	for (int i = 0; i < n; i++)
		if (sql_cache[i].t == t)
			return find_sql(t, n);
	const struct table_sql *found = NULL;
	pthread_mutex_lock(&sql_lock);
	n = atomic_load_explicit(&sql_cached, memory_order_relaxed);
	bool seen = false;
	for (int i = 0; i < n; i++)
		seen = seen || sql_cache[i].t == t;
	if (seen) {
		found = find_sql(t, n);
	} else if (n < SQL_CACHE_MAX) {
		struct table_sql *c = &sql_cache[n];
		*c = (struct table_sql){ .t = t, .table = t->table, .cols = t->cols,
					 .ncols = t->ncols, .insert = built(insert_sql, t),
					 .update = built(update_sql, t), .get = built(get_sql, t) };
		if (c->insert && c->update && c->get) {
			atomic_store_explicit(&sql_cached, n + 1, memory_order_release);
			found = c;
		} else {
			free(c->insert);
			free(c->update);
			free(c->get);
			memset(c, 0, sizeof(*c));
		}
	}
	pthread_mutex_unlock(&sql_lock);
	return found;
}

int store_obj_insert(struct store *s, const struct store_table *t,
		     const struct store_scope *sc, const json_t *obj, struct recur_err *e)
{
	struct params p = { 0 };
	struct buf sql;
	const struct table_sql *cached = table_sql(t);
	int rc = RECUR_EINTERNAL;
	buf_init(&sql, 0);
	scope_params(&p, sc);
	push(&p, SV_TEXT(json_string_value(json_object_get(obj, "id"))));
	push(&p, SV_INT(json_integer_value(json_object_get(obj, "created"))));
	for (int i = 0; i < t->ncols; i++) {
		int n = field_value(&p, &t->cols[i], json_object_get(obj, t->cols[i].name));
		if (n < 0) {
			rc = err_internal(e, "cannot encode %s.%s", t->table, t->cols[i].name);
			goto done;
		}
	}
	if (!cached)
		insert_sql(&sql, t);
	rc = store_exec(s, cached ? cached->insert : sql.data, p.v, p.n, e);
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
	const struct table_sql *cached = table_sql(t);
	int rc = RECUR_EINTERNAL;
	const char *id = json_string_value(json_object_get(obj, "id"));
	buf_init(&sql, 0);
	scope_params(&p, sc);
	push(&p, SV_TEXT(id));
	for (int i = 0; i < t->ncols; i++) {
		int n = field_value(&p, &t->cols[i], json_object_get(obj, t->cols[i].name));
		if (n < 0) {
			rc = err_internal(e, "cannot encode %s.%s", t->table, t->cols[i].name);
			goto done;
		}
	}
	if (!cached)
		update_sql(&sql, t);
	rc = store_exec(s, cached ? cached->update : sql.data, p.v, p.n, e);
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
		put_col(sql, ", ", t->cols[i].name);
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

/*
 * Mirrors field_value and row_object column by column: what the bound value
 * reads back as. A JSON column's tree is copied, not dumped and re-parsed:
 * the store's text is jansson's compact form of it, which parses back to an
 * equal tree in the same key order (reals are written with %.17g, exact).
 */
static json_t *column_as_read(const struct store_col *c, const json_t *v)
{
	int64_t scaled = 0;
	if (!v || json_is_null(v))
		return json_null();
	switch (c->kind) {
	case COL_TEXT: {
		/* bound with length -1: the text ends at its first NUL, as stored */
		const char *txt = json_string_value(v);
		return txt ? json_string(txt) : json_null();
	}
	case COL_INT: return json_integer(json_integer_value(v));
	case COL_BOOL: return json_boolean(json_is_true(v));
	case COL_FIXED:
		if (fixed_value(&scaled, c, v) < 0)
			return NULL;
		return json_real((double)scaled / (double)pow10_table[c->scale]);
	case COL_JSON: return json_deep_copy(v);
	}
	return NULL;
}

json_t *store_obj_as_read(const struct store_table *t, const struct store_scope *sc,
			  const json_t *obj)
{
	const char *id = json_string_value(json_object_get(obj, "id"));
	json_t *o = json_object();
	if (!o)
		return NULL;
	json_object_set_new(o, "id", id ? json_string(id) : json_null());
	json_object_set_new(o, "object", json_string(t->object));
	json_object_set_new(o, "created",
			    json_integer(json_integer_value(json_object_get(obj, "created"))));
	for (int i = 0; i < t->ncols; i++) {
		json_t *v = column_as_read(&t->cols[i], json_object_get(obj, t->cols[i].name));
		if (!v || json_object_set_new(o, t->cols[i].name, v) < 0) {
			json_decref(o);
			return NULL;
		}
	}
	json_object_set_new(o, "livemode", json_boolean(sc->livemode));
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
	const struct table_sql *cached = table_sql(t);
	*out = NULL;
	buf_init(&sql, 0);
	if (!cached)
		get_sql(&sql, t);
	int rc = store_query(s, cached ? cached->get : sql.data, p, 3, collect_one, &g, e);
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
			buf_puts(sql, " AND ");
			buf_puts(sql, f[i].col);
			buf_puts(sql, " IS NULL");
		} else {
			int n = push(p, f[i].val);
			if (n < 0)
				return -1;
			buf_puts(sql, " AND ");
			buf_puts(sql, f[i].col);
			buf_puts(sql, " ");
			buf_puts(sql, f[i].op);
			buf_puts(sql, " ");
			put_param(sql, n);
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
	buf_puts(&sql, " FROM ");
	buf_puts(&sql, t->table);
	buf_puts(&sql, " WHERE tenant_id = $1 AND livemode = $2");
	if (t->soft_delete)
		buf_puts(&sql, " AND deleted = 0");
	if (where_filters(&sql, &p, filters, nfilters) < 0) {
		rc = err_invalid(e, NULL, "Too many filters");
		goto done;
	}
	if (page->starting_after || page->ending_before)
		buf_printf(&sql, " AND seq %s $%d", backward ? ">" : "<", push(&p, SV_INT(cursor)));
	/* One row past the page tells whether there is more. */
	buf_puts(&sql, backward ? " ORDER BY seq ASC LIMIT " : " ORDER BY seq DESC LIMIT ");
	put_param(&sql, push(&p, SV_INT(page->limit + 1)));
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
