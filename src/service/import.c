/*
 * import.c - the import object: create (with its file stored in pieces), run,
 * retrieve, list, the error report as CSV, templates and exports (import.h).
 */
#include "service/import_internal.h"

#include "core/ids.h"
#include "formats/csv.h"
#include "service/list.h"
#include "service/params.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct store_col cols[] = {
	{ "type", COL_TEXT, 0 },
	{ "mode", COL_TEXT, 0 },
	{ "partial", COL_BOOL, 0 },
	{ "emit_events", COL_BOOL, 0 },
	{ "status", COL_TEXT, 0 },
	{ "filename", COL_TEXT, 0 },
	{ "size", COL_INT, 0 },
	{ "options", COL_JSON, 0 },
	{ "rows", COL_INT, 0 },
	{ "created_count", COL_INT, 0 },
	{ "updated_count", COL_INT, 0 },
	{ "unchanged_count", COL_INT, 0 },
	{ "error_count", COL_INT, 0 },
	{ "failure_message", COL_TEXT, 0 },
	{ "started_at", COL_INT, 0 },
	{ "finished_at", COL_INT, 0 },
	{ "metadata", COL_JSON, 0 },
};

const struct store_table svc_imports_table = {
	.table = "imports", .object = "import", .noun = "import",
	.cols = cols, .ncols = sizeof(cols) / sizeof(cols[0]),
};

/* --- imports running in this process, for their progress ---------------------------- */

#define RUNNING_MAX 8

static pthread_mutex_t running_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	char id[IDS_MAX];
	const struct svc_import_progress *p;
} running[RUNNING_MAX];

void svc_import_track(const char *id, const struct svc_import_progress *p)
{
	pthread_mutex_lock(&running_lock);
	for (int i = 0; i < RUNNING_MAX; i++) {
		if (p && !running[i].p) {
			snprintf(running[i].id, sizeof(running[i].id), "%s", id);
			running[i].p = p;
			break;
		}
		if (!p && running[i].p && strcmp(running[i].id, id) == 0) {
			running[i].p = NULL;
			break;
		}
	}
	pthread_mutex_unlock(&running_lock);
}

static json_t *running_progress(const char *id)
{
	json_t *out = NULL;
	pthread_mutex_lock(&running_lock);
	for (int i = 0; i < RUNNING_MAX && !out; i++)
		if (running[i].p && strcmp(running[i].id, id) == 0)
			out = json_pack("{s:I, s:I, s:I}", "rows", (json_int_t)running[i].p->rows,
					"bytes", (json_int_t)running[i].p->bytes, "size",
					(json_int_t)running[i].p->size);
	pthread_mutex_unlock(&running_lock);
	return out;
}

/* --- rendering ------------------------------------------------------------------------ */

struct err_rows {
	json_t *list;
	struct buf *csv;
};

static int take_error(void *ctx, const struct store_row *row)
{
	struct err_rows *x = ctx;
	char rowno[24];
	snprintf(rowno, sizeof(rowno), "%lld", (long long)store_row_int(row, 0));
	const char *f[] = { rowno, store_row_text(row, 1, NULL), store_row_text(row, 2, NULL),
			    store_row_text(row, 3, NULL) };
	if (x->csv)
		return csv_write_row(x->csv, f, 4, ',') < 0 ? -1 : 0;
	json_t *o = json_pack("{s:I, s:s, s:s, s:s}", "row", (json_int_t)store_row_int(row, 0),
			      "column", f[1], "value", f[2], "message", f[3]);
	return o && json_array_append_new(x->list, o) == 0 ? 0 : -1;
}

static int render(json_t **out, struct svc *s, json_t *imp, struct recur_err *e)
{
	const char *id = json_string_value(json_object_get(imp, "id"));
	struct err_rows x = { .list = json_array() };
	struct store_val v[] = { SV_TEXT(id), SV_INT(SVC_IMPORT_SHOWN_ERRORS) };
	int rc = store_query(s->db, "SELECT row, col, value, message FROM import_errors"
			     " WHERE import = $1 ORDER BY n LIMIT $2", v, 2, take_error, &x, e);
	if (rc < 0) {
		json_decref(x.list);
		return rc;
	}
	char url[128];
	snprintf(url, sizeof(url), "/v1/imports/%s/errors.csv", id);
	json_object_set_new(imp, "errors", x.list);
	json_object_set_new(imp, "errors_url", json_string(url));
	/*
	 * The worker writes "processing" inside the import's one transaction, so
	 * others read "pending" until it commits: an import running in this
	 * process says processing, as it is, with its progress. One that has
	 * committed its result is finished, whatever the tracker still holds.
	 */
	const char *status = json_string_value(json_object_get(imp, "status"));
	bool unfinished = strcmp(status, "pending") == 0 || strcmp(status, "processing") == 0;
	json_t *p = unfinished ? running_progress(id) : NULL;
	json_object_set_new(imp, "progress", p ? p : json_null());
	if (p)
		json_object_set_new(imp, "status", json_string("processing"));
	*out = json_incref(imp);
	return 0;
}

int svc_import_retrieve(json_t **out, struct svc *s, const char *id, struct recur_err *e)
{
	json_t *imp = NULL;
	int rc = store_obj_get(&imp, s->db, &svc_imports_table, &s->scope, id, e);
	if (rc == 0)
		rc = render(out, s, imp, e);
	json_decref(imp);
	return rc;
}

static const char *const list_params[] = { SVC_LIST_PARAMS, "status", "type", NULL };
static const char *const statuses[] = { "pending", "processing", "succeeded", "failed", NULL };
static const char *const types[] = { "customers", "prices", "subscriptions", "balances", NULL };

int svc_import_list(json_t **out, struct svc *s, const json_t *p, struct recur_err *e)
{
	struct svc_list l;
	const char *status = NULL, *type = NULL;
	int rc;
	if ((rc = params_only(p, list_params, e)) < 0 || (rc = svc_list_params(&l, p, e)) < 0 ||
	    (rc = params_enum(&status, p, "status", statuses, e)) < 0 ||
	    (rc = params_enum(&type, p, "type", types, e)) < 0)
		return rc;
	if (status)
		svc_list_filter(&l, "status", "=", SV_TEXT(status));
	if (type)
		svc_list_filter(&l, "type", "=", SV_TEXT(type));
	return svc_list(out, s, &svc_imports_table, &l, "/v1/imports", e);
}

int svc_import_errors_csv(struct buf *b, struct svc *s, const char *id, struct recur_err *e)
{
	json_t *imp = NULL;
	int rc = store_obj_get(&imp, s->db, &svc_imports_table, &s->scope, id, e);
	json_decref(imp);
	if (rc < 0)
		return rc;
	static const char *const head[] = { "row", "column", "value", "message" };
	struct err_rows x = { .csv = b };
	if (csv_write_row(b, head, 4, ',') < 0)
		return err_internal(e, "out of memory");
	return store_query(s->db, "SELECT row, col, value, message FROM import_errors"
			   " WHERE import = $1 ORDER BY n", (struct store_val[]){ SV_TEXT(id) }, 1,
			   take_error, &x, e);
}

/* --- create ------------------------------------------------------------------------- */

static const char *const create_params[] = { "type", "file", "filename", "mode", "partial",
					     "emit_events", "delimiter", "decimal",
					     "date_format", "metadata", NULL };
static const char *const modes[] = { "dry_run", "commit", NULL };
static const char *const delimiters[] = { "auto", "comma", "semicolon", "tab", NULL };
static const char *const decimals[] = { "auto", "point", "comma", NULL };
static const char *const date_formats[] = { "iso", "dmy", NULL };

/* Reads the options every import takes into a new import row (not stored yet). */
static int new_import(json_t **out, struct svc *s, const json_t *p, int64_t size,
		      struct recur_err *e)
{
	const char *type = NULL, *mode = "commit", *delim = "auto", *dec = "auto", *df = "iso";
	const char *filename = NULL;
	bool partial = false, events = true;
	json_t *metadata = NULL;
	int rc;
	*out = NULL;
	if ((rc = params_require(p, "type", e)) < 0 ||
	    (rc = params_enum(&type, p, "type", types, e)) < 0 ||
	    (rc = params_enum(&mode, p, "mode", modes, e)) < 0 ||
	    (rc = params_bool(&partial, p, "partial", e)) < 0 ||
	    (rc = params_bool(&events, p, "emit_events", e)) < 0 ||
	    (rc = params_enum(&delim, p, "delimiter", delimiters, e)) < 0 ||
	    (rc = params_enum(&dec, p, "decimal", decimals, e)) < 0 ||
	    (rc = params_enum(&df, p, "date_format", date_formats, e)) < 0 ||
	    (rc = params_string(&filename, p, "filename", 255, e)) < 0 ||
	    (rc = params_metadata(&metadata, NULL, p, e)) < 0)
		return rc;
	char id[IDS_MAX];
	ids_new(id, sizeof(id), "imp");
	*out = json_pack("{s:s, s:I, s:s, s:s, s:b, s:b, s:s, s:s?, s:I, s:{s:s, s:s, s:s},"
			 " s:I, s:I, s:I, s:I, s:I, s:n, s:n, s:n, s:o}",
			 "id", id, "created", (json_int_t)s->now, "type", type, "mode", mode,
			 "partial", partial, "emit_events", events, "status", "pending",
			 "filename", filename, "size", (json_int_t)size, "options", "delimiter",
			 delim, "decimal", dec, "date_format", df, "rows", (json_int_t)0,
			 "created_count", (json_int_t)0, "updated_count", (json_int_t)0,
			 "unchanged_count", (json_int_t)0, "error_count", (json_int_t)0,
			 "failure_message", "started_at", "finished_at", "metadata", metadata);
	return *out ? 0 : err_internal(e, "out of memory");
}

/* Stores the file in pieces of at most SVC_IMPORT_CHUNK bytes, cut between UTF-8 characters. */
static int store_file(struct svc *s, const char *id, const char *data, size_t len,
		      struct recur_err *e)
{
	int64_t n = 0;
	int rc = 0;
	for (size_t off = 0; off < len && rc >= 0; n++) {
		size_t take = len - off < SVC_IMPORT_CHUNK ? len - off : SVC_IMPORT_CHUNK;
		/* never end a piece inside a character: back up over continuation bytes */
		while (off + take < len && take > 0 && ((unsigned char)data[off + take] & 0xC0) == 0x80)
			take--;
		char *piece = strndup(data + off, take);
		if (!piece)
			return err_internal(e, "out of memory");
		struct store_val v[] = { SV_TEXT(s->scope.tenant), SV_INT(s->scope.livemode),
					 SV_TEXT(id), SV_INT(n), SV_TEXT(piece) };
		rc = store_exec(s->db, "INSERT INTO import_chunks (tenant_id, livemode, import, n, data)"
				" VALUES ($1, $2, $3, $4, $5)", v, 5, e);
		free(piece);
		off += take;
	}
	return rc;
}

int svc_import_execute_stored(json_t *imp, struct svc *s, struct svc_import_progress *progress,
			      struct recur_err *e);
int svc_import_execute_stream(json_t *imp, struct svc *s, svc_import_read_fn read, void *ctx,
			      struct svc_import_progress *progress, struct recur_err *e);

int svc_import_create(json_t **out, struct svc *s, const json_t *p, size_t inline_max,
		      struct recur_err *e)
{
	const json_t *file = json_object_get(p, "file");
	json_t *imp = NULL;
	int rc, began = 0;
	*out = NULL;
	if ((rc = params_only(p, create_params, e)) < 0)
		return rc;
	if (!file)
		return err_set(e, RECUR_EINVAL, 400, "invalid_request_error", "parameter_missing",
			       "file", "Missing required param: file (the CSV, as a multipart part"
			       " or a text/csv body).");
	if (!json_is_string(file))
		return err_invalid(e, "file", "The file must be text (CSV)");
	size_t len = json_string_length(file);
	const char *data = json_string_value(file);
	if (strlen(data) != len)
		return err_invalid(e, "file", "The file holds a NUL byte: it is not a CSV text file");
	if ((rc = new_import(&imp, s, p, (int64_t)len, e)) < 0)
		goto done;
	if ((rc = svc_begin(s, e)) < 0)
		goto done;
	began = 1;
	const char *id = json_string_value(json_object_get(imp, "id"));
	if ((rc = store_obj_insert(s->db, &svc_imports_table, &s->scope, imp, e)) < 0 ||
	    (rc = store_file(s, id, data, len, e)) < 0)
		goto done;
	if (len <= inline_max) {
		json_object_set_new(imp, "status", json_string("processing"));
		json_object_set_new(imp, "started_at", json_integer(s->now));
		rc = svc_import_execute_stored(imp, s, NULL, e);
	}
done:
	if (began)
		rc = svc_finish(s, rc, e);
	if (rc == 0)
		rc = svc_import_retrieve(out, s, json_string_value(json_object_get(imp, "id")), e);
	json_decref(imp);
	return rc;
}

int svc_import_stream(json_t **out, struct svc *s, const json_t *p, svc_import_read_fn read,
		      void *read_ctx, struct svc_import_progress *progress, struct recur_err *e)
{
	json_t *imp = NULL;
	int rc, began = 0;
	*out = NULL;
	if ((rc = params_only(p, create_params, e)) < 0 ||
	    (rc = new_import(&imp, s, p, progress ? progress->size : 0, e)) < 0)
		goto done;
	json_object_set_new(imp, "status", json_string("processing"));
	json_object_set_new(imp, "started_at", json_integer(s->now));
	if ((rc = svc_begin(s, e)) < 0)
		goto done;
	began = 1;
	if ((rc = store_obj_insert(s->db, &svc_imports_table, &s->scope, imp, e)) < 0)
		goto done;
	rc = svc_import_execute_stream(imp, s, read, read_ctx, progress, e);
done:
	if (began)
		rc = svc_finish(s, rc, e);
	if (rc == 0)
		rc = svc_import_retrieve(out, s, json_string_value(json_object_get(imp, "id")), e);
	json_decref(imp);
	return rc;
}

int svc_import_run(struct svc *s, const char *id, struct svc_import_progress *progress,
		   struct recur_err *e)
{
	json_t *imp = NULL;
	int rc, began = 0;
	if ((rc = svc_begin(s, e)) < 0)
		return rc;
	began = 1;
	if ((rc = store_obj_get(&imp, s->db, &svc_imports_table, &s->scope, id, e)) < 0)
		goto done;
	const char *status = json_string_value(json_object_get(imp, "status"));
	if (strcmp(status, "pending") != 0 && strcmp(status, "processing") != 0)
		goto done; /* another worker finished it */
	json_object_set_new(imp, "status", json_string("processing"));
	json_object_set_new(imp, "started_at", json_integer(s->now));
	if (progress)
		progress->size = json_integer_value(json_object_get(imp, "size"));
	rc = svc_import_execute_stored(imp, s, progress, e);
done:
	if (began)
		rc = svc_finish(s, rc, e);
	json_decref(imp);
	return rc;
}

struct next_import {
	char *tenant, *id;
	size_t tcap, icap;
	int livemode;
	bool found;
};

static int take_next(void *ctx, const struct store_row *row)
{
	struct next_import *n = ctx;
	snprintf(n->tenant, n->tcap, "%s", store_row_text(row, 0, NULL));
	n->livemode = (int)store_row_int(row, 1);
	snprintf(n->id, n->icap, "%s", store_row_text(row, 2, NULL));
	n->found = true;
	return 0;
}

int svc_import_next(char *tenant, size_t tenant_cap, int *livemode, char *id, size_t id_cap,
		    struct store *db, struct recur_err *e)
{
	struct next_import n = { .tenant = tenant, .id = id, .tcap = tenant_cap, .icap = id_cap };
	int rc = store_query(db, "SELECT tenant_id, livemode, id FROM imports"
			     " WHERE status IN ('pending', 'processing') ORDER BY seq LIMIT 1",
			     NULL, 0, take_next, &n, e);
	if (rc < 0)
		return rc;
	*livemode = n.livemode;
	return n.found ? 1 : 0;
}

/* --- the audit entry of a run -------------------------------------------------------- */

struct event_range {
	int64_t count;
	char first[IDS_MAX], last[IDS_MAX];
};

static int take_range(void *ctx, const struct store_row *row)
{
	struct event_range *r = ctx;
	r->count = store_row_int(row, 0);
	if (!store_row_is_null(row, 1))
		snprintf(r->first, sizeof(r->first), "%s", store_row_text(row, 1, NULL));
	if (!store_row_is_null(row, 2))
		snprintf(r->last, sizeof(r->last), "%s", store_row_text(row, 2, NULL));
	return 0;
}

static int summary_diff(json_t **out, struct svc *s, const char *id,
			const struct svc_audit_mark *mark, struct recur_err *e)
{
	static const char *const keep[] = { "type", "mode", "partial", "emit_events", "status",
					    "rows", "created_count", "updated_count",
					    "unchanged_count", "error_count", NULL };
	struct event_range r = { 0 };
	json_t *imp = NULL;
	/* the write lock is held since the mark: every later event is this import's */
	int rc = store_query(s->db, "SELECT count(*), (SELECT id FROM events WHERE seq > $1 ORDER BY"
			     " seq LIMIT 1), (SELECT id FROM events WHERE seq > $1 ORDER BY seq DESC"
			     " LIMIT 1) FROM events WHERE seq > $1",
			     (struct store_val[]){ SV_INT(mark->seq) }, 1, take_range, &r, e);
	if (rc < 0 || (rc = store_obj_get(&imp, s->db, &svc_imports_table, &s->scope, id, e)) < 0)
		return rc;
	json_t *after = json_object();
	for (int i = 0; keep[i]; i++)
		json_object_set(after, keep[i], json_object_get(imp, keep[i]));
	*out = json_pack("{s:{s:s, s:n, s:o, s:{s:I, s:s?, s:s?}}}", id, "object", "import",
			 "before", "after", after, "events", "count", (json_int_t)r.count, "first",
			 r.first[0] ? r.first : NULL, "last", r.last[0] ? r.last : NULL);
	json_decref(imp);
	return *out ? 0 : err_internal(e, "out of memory");
}

int svc_import_audit_finish(struct svc *s, const struct svc_audit_entry *a,
			    const struct svc_audit_mark *mark, int rc, struct recur_err *e)
{
	json_t *diff = NULL;
	if (rc >= 0 && a->object_id)
		rc = summary_diff(&diff, s, a->object_id, mark, e);
	if (rc >= 0 && (rc = svc_audit_write(s, a, mark, diff, e)) > 0)
		rc = 0; /* nothing changed: no entry */
	json_decref(diff);
	return svc_finish(s, rc < 0 ? rc : 0, e);
}

/* --- templates and exports ------------------------------------------------------------ */

static const struct imp_type *type_or_404(int *rc, const char *type, struct recur_err *e)
{
	const struct imp_type *t = imp_type_find(type);
	if (!t)
		*rc = err_set(e, RECUR_ENOTFOUND, 404, "invalid_request_error", "resource_missing", "type",
			"No import type '%s': customers, prices, subscriptions or balances",
			type ? type : "");
	return t;
}

static int header(struct buf *b, const struct imp_type *t, char delim)
{
	int n = 0;
	while (t->cols[n])
		n++;
	return csv_write_row(b, t->cols, n, delim);
}

int svc_import_template(struct buf *b, const char *type, struct recur_err *e)
{
	int rc = 0;
	const struct imp_type *t = type_or_404(&rc, type, e);
	if (!t)
		return rc;
	int n = 0;
	while (t->cols[n])
		n++;
	if (header(b, t, ',') < 0 || csv_write_row(b, t->examples[0], n, ',') < 0 ||
	    csv_write_row(b, t->examples[1], n, ',') < 0)
		return err_internal(e, "out of memory");
	return 0;
}

static int keep_in_buf(void *ctx, struct buf *b, struct recur_err *e)
{
	(void)ctx;
	(void)b;
	(void)e;
	return 0; /* the whole file stays in b */
}

int svc_export(struct buf *b, struct svc *s, const char *type, const json_t *p,
	       svc_export_flush_fn flush, void *flush_ctx, struct recur_err *e)
{
	static const char *const keys[] = { "delimiter", "decimal", NULL };
	static const char *const delims[] = { "comma", "semicolon", "tab", NULL };
	static const char *const decs[] = { "point", "comma", NULL };
	const char *delim = "comma", *dec = "point";
	int rc = 0;
	const struct imp_type *t = type_or_404(&rc, type, e);
	if (!t)
		return rc;
	if ((rc = params_only(p, keys, e)) < 0 ||
	    (rc = params_enum(&delim, p, "delimiter", delims, e)) < 0 ||
	    (rc = params_enum(&dec, p, "decimal", decs, e)) < 0)
		return rc;
	struct imp_export x = {
		.b = b, .delim = strcmp(delim, "comma") == 0 ? ',' : strcmp(delim, "tab") == 0 ? '\t' : ';',
		.decimal_comma = strcmp(dec, "comma") == 0, .flush = flush ? flush : keep_in_buf,
		.ctx = flush_ctx,
	};
	if (x.decimal_comma && x.delim == ',')
		return err_invalid(e, "decimal", "Decimal commas need a semicolon or tab delimiter");
	rc = t->export(&x, s, e);
	if (rc == 0)
		rc = x.flush(x.ctx, b, e);
	for (int i = 0; i < x.nmeta; i++)
		free(x.meta[i]);
	return rc;
}
