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

/* Every metadata key of the scope's rows of table, into keys (a set: key -> null). */
static int take_keys(void *ctx, const struct store_row *row)
{
	json_t *keys = ctx, *md = NULL;
	size_t len = 0;
	const char *text = store_row_text(row, 0, &len);
	const char *k;
	json_t *v;
	if (!text || !(md = json_loadb(text, len, 0, NULL)))
		return 0;
	json_object_foreach(md, k, v)
		json_object_set_new(keys, k, json_null());
	json_decref(md);
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int imp_export_header(struct imp_export *x, const struct imp_type *t, struct svc *s,
		      const char *table, struct recur_err *e)
{
	const char *head[IMP_MAX_COLS * 2];
	/*
	 * "metadata." and a key of up to 40 characters of up to 4 UTF-8 bytes
	 * (params_metadata): 80 bytes cut a key of Nordic letters, and the file
	 * then named, and re-imported into, another key.
	 */
	char names[IMP_MAX_COLS][9 + 40 * 4 + 1];
	char sql[200];
	int n = 0, rc;
	while (t->cols[n]) {
		head[n] = t->cols[n];
		n++;
	}
	x->ncols = n;
	if (t->metadata) {
		/*
		 * The keys in use, so that every object's metadata survives the round
		 * trip. Read in C rather than with the SQL JSON functions, which
		 * differ between SQLite and PostgreSQL.
		 */
		json_t *keys = json_object();
		const char *k;
		json_t *v;
		snprintf(sql, sizeof(sql), "SELECT metadata FROM %s WHERE tenant_id = $1"
			 " AND livemode = $2", table);
		struct store_val p[] = { SV_TEXT(s->scope.tenant), SV_INT(s->scope.livemode) };
		if (!keys)
			return err_internal(e, "out of memory");
		rc = store_query(s->db, sql, p, 2, take_keys, keys, e);
		/* a key left out would be metadata lost on the round trip: refuse instead */
		/*
		 * and so would a file wider than the import reads (CSV_MAX_FIELDS
		 * cells): subscriptions' 21 columns leave room for 43 keys, not 48.
		 */
		int most = CSV_MAX_FIELDS - n < IMP_MAX_COLS ? CSV_MAX_FIELDS - n : IMP_MAX_COLS;
		if (rc >= 0 && json_object_size(keys) > (size_t)most)
			rc = err_invalid(e, "type", "The %s use %zu metadata keys; an export carries"
					 " at most %d", t->name, json_object_size(keys), most);
		json_object_foreach(keys, k, v) {
			if (rc < 0)
				break;
			if (!(x->meta[x->nmeta] = strdup(k))) {
				rc = err_internal(e, "out of memory");
				break;
			}
			x->nmeta++;
		}
		json_decref(keys);
		if (rc < 0)
			return rc;
		qsort(x->meta, (size_t)x->nmeta, sizeof(x->meta[0]), by_name);
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
