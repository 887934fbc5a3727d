/*
 * import_export.c - writing exports: the header with the metadata keys in use,
 * rows, and cells formatted the way the import reads them back (import.h).
 */
#include "service/import_internal.h"

#include "core/calendar.h"
#include "core/money.h"
#include "formats/csv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FLUSH_AT (64 * 1024)

struct keys {
	struct imp_export *x;
	bool oom;
};

static int take_key(void *ctx, const struct store_row *row)
{
	struct keys *k = ctx;
	if (k->x->nmeta == IMP_MAX_COLS)
		return 0;
	char *key = strdup(store_row_text(row, 0, NULL));
	if (!key) {
		k->oom = true;
		return -1;
	}
	k->x->meta[k->x->nmeta++] = key;
	return 0;
}

int imp_export_header(struct imp_export *x, const struct imp_type *t, struct svc *s,
		      const char *table, struct recur_err *e)
{
	const char *head[IMP_MAX_COLS * 2];
	char names[IMP_MAX_COLS][80];
	char sql[300];
	struct keys k = { .x = x };
	int n = 0, rc;
	while (t->cols[n]) {
		head[n] = t->cols[n];
		n++;
	}
	x->ncols = n;
	if (t->metadata) {
		/* The keys in use, so that every object's metadata survives the round trip. */
		snprintf(sql, sizeof(sql), "SELECT DISTINCT j.key FROM %s, json_each(%s.metadata) j"
			 " WHERE %s.tenant_id = $1 AND %s.livemode = $2 ORDER BY j.key", table, table,
			 table, table);
		struct store_val v[] = { SV_TEXT(s->scope.tenant), SV_INT(s->scope.livemode) };
		if ((rc = store_query(s->db, sql, v, 2, take_key, &k, e)) < 0)
			return k.oom ? err_internal(e, "out of memory") : rc;
	}
	for (int i = 0; i < x->nmeta; i++) {
		snprintf(names[i], sizeof(names[i]), "metadata.%s", x->meta[i]);
		head[n + i] = names[i];
	}
	if (csv_write_row(x->b, head, n + x->nmeta, x->delim) < 0)
		return err_internal(e, "out of memory");
	return 0;
}

int imp_export_row(struct imp_export *x, const char *const *fields, const json_t *metadata,
		   struct recur_err *e)
{
	const char *row[IMP_MAX_COLS * 2];
	int n = x->ncols;
	memcpy(row, fields, (size_t)n * sizeof(*row));
	for (int i = 0; i < x->nmeta; i++)
		row[n + i] = json_string_value(json_object_get(metadata, x->meta[i]));
	if (csv_write_row(x->b, row, n + x->nmeta, x->delim) < 0)
		return err_internal(e, "out of memory");
	return x->b->len >= FLUSH_AT ? x->flush(x->ctx, x->b, e) : 0;
}

void imp_format_date(char *buf, size_t cap, int64_t t)
{
	if (t % 86400 == 0)
		calendar_format_date(buf, cap, t);
	else
		calendar_format_iso8601(buf, cap, t);
}

void imp_format_amount(char *buf, size_t cap, int64_t amount, const char *currency,
		       bool decimal_comma)
{
	const struct currency *c = money_currency_find(currency);
	if (!c || money_format(buf, cap, amount, c->exponent,
			       decimal_comma ? MONEY_LOCALE_NORDIC : MONEY_LOCALE_C) < 0)
		snprintf(buf, cap, "%lld", (long long)amount);
}

int imp_export_each(struct svc *s, const struct store_table *t, const struct store_filter *f,
		    int nf, int (*fn)(void *ctx, const json_t *obj, struct recur_err *e),
		    void *ctx, struct recur_err *e)
{
	char after[128] = "";
	bool more = true;
	int rc = 0;
	while (more && rc >= 0) {
		struct store_page page = { .limit = 100, .starting_after = *after ? after : NULL };
		json_t *rows = NULL, *obj;
		size_t i;
		if ((rc = store_obj_list(&rows, &more, s->db, t, &s->scope, f, nf, &page, e)) < 0)
			break;
		json_array_foreach(rows, i, obj) {
			if ((rc = fn(ctx, obj, e)) < 0)
				break;
			snprintf(after, sizeof(after), "%s", json_string_value(json_object_get(obj, "id")));
		}
		if (json_array_size(rows) == 0)
			more = false;
		json_decref(rows);
	}
	return rc;
}
