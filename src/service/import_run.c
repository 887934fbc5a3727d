/*
 * import_run.c - the import engine: reads a CSV stream record by record,
 * maps the header onto the type's columns, applies each row in its own
 * savepoint and keeps the error report (import.h, docs/import.md).
 */
#include "service/import_internal.h"

#include "core/calendar.h"
#include "core/money.h"
#include "formats/csv.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define IMP_ERROR_VALUE_MAX 200 /* bytes of a bad cell kept in the error report */
#define IMP_STOP (-1001) /* on_record's "stop reading": the header is wrong */

struct imp_err {
	int64_t row;
	char *col;
	char *value;
	char *message;
};

struct imp_run {
	struct svc *s;
	const struct imp_type *t;
	bool partial, dmy;
	int decimal;                /* 1 comma, 0 point, -1 decided by the delimiter */
	int map[CSV_MAX_FIELDS];    /* file column -> type column; -1 metadata, -2 ignored */
	char *meta_keys[CSV_MAX_FIELDS];
	int nfile_cols;
	int64_t header_row;
	bool header_done, header_bad, file_bad;
	int64_t rows, created, updated, unchanged, error_count;
	struct imp_err *errs;
	size_t nerrs, cap;
	bool oom;
	struct svc_import_progress *progress;
	struct csv_reader *csv;
};

struct svc *imp_svc(struct imp_run *r)
{
	return r->s;
}

const struct imp_type *imp_type_find(const char *name)
{
	static const struct imp_type *const types[] = { &imp_customers, &imp_prices,
							&imp_subscriptions, &imp_balances, NULL };
	for (int i = 0; name && types[i]; i++)
		if (strcmp(types[i]->name, name) == 0)
			return types[i];
	return NULL;
}

int imp_col(const struct imp_type *t, const char *name)
{
	for (int i = 0; t->cols[i]; i++)
		if (strcmp(t->cols[i], name) == 0)
			return i;
	return -1;
}

bool imp_has(const struct imp_row *row, const struct imp_type *t, const char *col)
{
	int i = imp_col(t, col);
	return i >= 0 && row->vals[i] != NULL;
}

/* Keeps one error; beyond SVC_IMPORT_MAX_ERRORS only the count grows. */
static void keep_error(struct imp_run *r, int64_t row, const char *col, const char *value,
		       const char *message)
{
	r->error_count++;
	if (r->nerrs == SVC_IMPORT_MAX_ERRORS)
		return;
	if (r->nerrs == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		struct imp_err *n = realloc(r->errs, cap * sizeof(*n));
		if (!n) {
			r->oom = true;
			return;
		}
		r->errs = n;
		r->cap = cap;
	}
	struct imp_err *x = &r->errs[r->nerrs];
	x->row = row;
	x->col = strdup(col ? col : "");
	/*
	 * A cell can be 4 KiB: the report keeps its first IMP_ERROR_VALUE_MAX
	 * bytes (cut between characters), so 100,000 errors stay tens of MiB.
	 */
	size_t vlen = value ? strlen(value) : 0;
	if (vlen > IMP_ERROR_VALUE_MAX) {
		vlen = IMP_ERROR_VALUE_MAX;
		while (vlen > 0 && ((unsigned char)value[vlen] & 0xC0) == 0x80)
			vlen--;
	}
	x->value = strndup(value ? value : "", vlen);
	x->message = strdup(message);
	if (!x->col || !x->value || !x->message) {
		free(x->col);
		free(x->value);
		free(x->message);
		r->oom = true;
		return;
	}
	r->nerrs++;
}

static const char *cell(const struct imp_run *r, const struct imp_row *row, const char *col)
{
	int i = col && *col ? imp_col(r->t, col) : -1;
	return i >= 0 ? row->vals[i] : NULL;
}

int imp_error(struct imp_run *r, const struct imp_row *row, const char *col, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	keep_error(r, row->row, col, cell(r, row, col), msg);
	return IMP_ROW_FAILED;
}

int imp_fail(struct imp_run *r, const struct imp_row *row, const char *const *map, int rc,
	     struct recur_err *e)
{
	if (e->status < 400 || e->status >= 500 || e->status == 409)
		return rc < 0 ? rc : err_internal(e, "import failed");
	const char *col = "";
	for (int i = 0; map && map[i]; i += 2) {
		size_t n = strlen(map[i]);
		if (strncmp(e->param, map[i], n) == 0 &&
		    (e->param[n] == '\0' || e->param[n] == '[')) {
			col = map[i + 1];
			break;
		}
	}
	/* A parameter without a column of its own is the row's, said with its name. */
	if (!*col && e->param[0])
		return imp_error(r, row, "", "%s: %s", e->param, e->message);
	return imp_error(r, row, col, "%s", e->message);
}

static const char *nonempty(const struct imp_run *r, const struct imp_row *row, const char *col)
{
	const char *v = cell(r, row, col);
	return v && *v ? v : NULL;
}

int imp_text(const char **out, struct imp_run *r, const struct imp_row *row, const char *col,
	     size_t max)
{
	const char *v = nonempty(r, row, col);
	if (!v)
		return 0;
	/* characters, as the message and the use cases' params_string count, not bytes */
	size_t chars = 0;
	for (const char *p = v; *p; p++)
		chars += ((unsigned char)*p & 0xC0) != 0x80;
	if (chars > max)
		return imp_error(r, row, col, "At most %zu characters", max);
	*out = v;
	return 1;
}

int imp_int(int64_t *out, struct imp_run *r, const struct imp_row *row, const char *col,
	    int64_t min, int64_t max)
{
	const char *v = nonempty(r, row, col);
	int64_t n = 0;
	if (!v)
		return 0;
	for (const char *p = v; *p; p++) {
		int d = *p - '0';
		if (d < 0 || d > 9 || n > (INT64_MAX - d) / 10)
			return imp_error(r, row, col, "Not a whole number from %lld to %lld",
					 (long long)min, (long long)max);
		n = n * 10 + d;
	}
	if (n < min || n > max)
		return imp_error(r, row, col, "Must be from %lld to %lld", (long long)min,
				 (long long)max);
	*out = n;
	return 1;
}

int imp_bool(bool *out, struct imp_run *r, const struct imp_row *row, const char *col)
{
	const char *v = nonempty(r, row, col);
	struct recur_err e;
	if (!v)
		return 0;
	err_clear(&e);
	if (csv_parse_bool(out, v, &e) < 0)
		return imp_error(r, row, col, "Not true or false (true, false, yes, no, 1, 0)");
	return 1;
}

int imp_date(int64_t *out, struct imp_run *r, const struct imp_row *row, const char *col)
{
	const char *v = nonempty(r, row, col);
	struct recur_err e;
	if (!v)
		return 0;
	err_clear(&e);
	if (csv_parse_date(out, v, r->dmy, &e) < 0)
		return imp_error(r, row, col, r->dmy ? "Not a date (DD.MM.YYYY)"
				 : "Not a date (YYYY-MM-DD, or an ISO 8601 time)");
	return 1;
}

static bool decimal_comma(const struct imp_run *r)
{
	if (r->decimal >= 0)
		return r->decimal == 1;
	/* Nordic Excel writes semicolon-separated files with decimal commas. */
	return csv_reader_delimiter(r->csv) == ';';
}

int imp_amount(int64_t *out, struct imp_run *r, const struct imp_row *row, const char *col,
	       const char *currency)
{
	const char *v = nonempty(r, row, col);
	const struct currency *c = currency ? money_currency_find(currency) : NULL;
	struct recur_err e;
	if (!v)
		return 0;
	if (!c)
		return imp_error(r, row, col, "The amount's currency is not known");
	err_clear(&e);
	if (csv_parse_amount(out, v, c->exponent, decimal_comma(r), &e) < 0)
		return imp_error(r, row, col, "Not an amount in %s with at most %d decimals%s",
				 c->code, c->exponent,
				 decimal_comma(r) ? " (decimal comma: 1 250,00)" : " (1250.00)");
	if (!money_in_range(*out))
		return imp_error(r, row, col, "The amount is beyond what recur can bill");
	return 1;
}

void imp_put_metadata(json_t *p, const struct imp_row *row)
{
	if (row->metadata && json_object_size(row->metadata))
		json_object_set(p, "metadata", row->metadata);
}

/* --- the header ------------------------------------------------------------------- */

static void trim(char *s)
{
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	size_t lead = strspn(s, " \t");
	memmove(s, s + lead, n - lead + 1);
}

static void header_error(struct imp_run *r, const char *col, const char *name, const char *fmt,
			 ...) __attribute__((format(printf, 4, 5)));

static void header_error(struct imp_run *r, const char *col, const char *name, const char *fmt,
			 ...)
{
	char msg[300];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	keep_error(r, r->header_row, col, name, msg);
	r->header_bad = true;
}

static void read_header(struct imp_run *r, const struct csv_record *rec)
{
	bool seen[IMP_MAX_COLS] = { 0 };
	r->nfile_cols = rec->nfields;
	r->header_row = rec->row; /* 1, unless blank lines come first (formats/csv.h) */
	for (int i = 0; i < rec->nfields; i++) {
		char name[CSV_MAX_FIELD + 1], given[CSV_MAX_FIELD + 1];
		snprintf(name, sizeof(name), "%s", rec->fields[i]);
		trim(name);
		memcpy(given, name, strlen(name) + 1);
		for (char *p = name; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
		r->map[i] = -2;
		if (r->t->metadata && strncmp(name, "metadata.", 9) == 0 && name[9]) {
			/*
			 * The key as the file spells it: metadata keys are case-sensitive,
			 * and a lower-cased key made an export's "metadata.CustomerNo"
			 * re-import as another key, customerno.
			 */
			const char *key = given + 9;
			for (int j = 0; j < i; j++)
				if (r->map[j] == -1 && r->meta_keys[j] && strcmp(r->meta_keys[j], key) == 0)
					key = NULL;
			if (!key) {
				header_error(r, given, given, "The column '%s' appears twice", given);
				continue;
			}
			r->map[i] = -1;
			if (!(r->meta_keys[i] = strdup(key)))
				r->oom = true;
			continue;
		}
		int c = imp_col(r->t, name);
		if (c < 0) {
			header_error(r, name, name, "Unknown column '%s' (docs/import.md lists the"
				     " columns)", name);
			continue;
		}
		if (seen[c]) {
			header_error(r, name, name, "The column '%s' appears twice", name);
			continue;
		}
		seen[c] = true;
		r->map[i] = c;
	}
	for (int i = 0; r->t->required[i]; i++)
		if (!seen[imp_col(r->t, r->t->required[i])])
			header_error(r, r->t->required[i], "", "The required column '%s' is missing",
				     r->t->required[i]);
}

/* --- rows ------------------------------------------------------------------------- */

static int read_row(struct imp_run *r, const struct csv_record *rec, struct recur_err *e)
{
	struct imp_row row = { .row = rec->row };
	enum svc_outcome oc = SVC_UNCHANGED;
	int rc;
	r->rows++;
	if (rec->nfields != r->nfile_cols) {
		char msg[128];
		snprintf(msg, sizeof(msg), "The row has %d fields; the header has %d", rec->nfields,
			 r->nfile_cols);
		keep_error(r, rec->row, "", "", msg);
		return r->oom ? err_internal(e, "out of memory") : 0;
	}
	for (int i = 0; i < rec->nfields; i++) {
		if (r->map[i] >= 0) {
			row.vals[r->map[i]] = rec->fields[i];
		} else if (r->map[i] == -1) {
			if (!row.metadata)
				row.metadata = json_object();
			/* An empty cell unsets the key, as "" does in the API. */
			json_object_set_new(row.metadata, r->meta_keys[i], json_string(rec->fields[i]));
		}
	}
	bool own = !r->t->one_use_case;
	if (own && (rc = svc_begin(r->s, e)) < 0)
		goto done;
	rc = r->t->apply(r, &row, &oc, e);
	if (own)
		rc = svc_finish(r->s, rc, e);
	if (rc == IMP_ROW_FAILED) {
		rc = 0;
	} else if (rc == 0) {
		if (oc == SVC_CREATED)
			r->created++;
		else if (oc == SVC_UPDATED)
			r->updated++;
		else
			r->unchanged++;
	}
done:
	json_decref(row.metadata);
	if (rc == 0 && r->oom)
		rc = err_internal(e, "out of memory keeping the error report");
	return rc;
}

static int on_record(void *ctx, const struct csv_record *rec, struct recur_err *e)
{
	struct imp_run *r = ctx;
	if (r->progress)
		r->progress->rows = r->rows;
	if (!r->header_done) {
		r->header_done = true;
		read_header(r, rec);
		/* Rows cannot be read against a header that is wrong. */
		return r->oom ? err_internal(e, "out of memory") : r->header_bad ? IMP_STOP : 0;
	}
	return read_row(r, rec, e);
}

/* --- one run ---------------------------------------------------------------------- */

struct imp_opts {
	bool dry_run, partial, events, dmy;
	int decimal;
	enum csv_delim delim;
};

static int read_opts(struct imp_opts *o, const json_t *imp)
{
	const json_t *opt = json_object_get(imp, "options");
	const char *d = json_string_value(json_object_get(opt, "delimiter"));
	const char *dec = json_string_value(json_object_get(opt, "decimal"));
	const char *df = json_string_value(json_object_get(opt, "date_format"));
	o->dry_run = strcmp(json_string_value(json_object_get(imp, "mode")), "dry_run") == 0;
	o->partial = json_is_true(json_object_get(imp, "partial"));
	o->events = !json_is_false(json_object_get(imp, "emit_events"));
	o->dmy = df && strcmp(df, "dmy") == 0;
	o->decimal = !dec || strcmp(dec, "auto") == 0 ? -1 : strcmp(dec, "comma") == 0;
	o->delim = !d || strcmp(d, "auto") == 0 ? CSV_DELIM_AUTO
		 : strcmp(d, "comma") == 0     ? CSV_DELIM_COMMA
		 : strcmp(d, "semicolon") == 0 ? CSV_DELIM_SEMICOLON
					       : CSV_DELIM_TAB;
	return 0;
}

static int write_errors(struct imp_run *r, const char *id, struct recur_err *e)
{
	static const char sql[] =
		"INSERT INTO import_errors (tenant_id, livemode, import, n, row, col, value, message)"
		" VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
	int rc = store_exec(r->s->db, "DELETE FROM import_errors WHERE import = $1",
			    (struct store_val[]){ SV_TEXT(id) }, 1, e);
	for (size_t i = 0; rc >= 0 && i < r->nerrs; i++) {
		struct store_val v[] = { SV_TEXT(r->s->scope.tenant), SV_INT(r->s->scope.livemode),
					 SV_TEXT(id), SV_INT((int64_t)i), SV_INT(r->errs[i].row),
					 SV_TEXT(r->errs[i].col), SV_TEXT(r->errs[i].value),
					 SV_TEXT(r->errs[i].message) };
		rc = store_exec(r->s->db, sql, v, 8, e);
	}
	return rc;
}

static void run_free(struct imp_run *r)
{
	for (size_t i = 0; i < r->nerrs; i++) {
		free(r->errs[i].col);
		free(r->errs[i].value);
		free(r->errs[i].message);
	}
	free(r->errs);
	for (int i = 0; i < CSV_MAX_FIELDS; i++)
		free(r->meta_keys[i]);
	csv_reader_free(r->csv);
}

/* Feeds the whole stream through the reader; a malformed file is reported, not fatal. */
static int feed(struct imp_run *r, svc_import_read_fn read, void *ctx, struct recur_err *e)
{
	char *chunk = malloc(65536);
	int rc = 0;
	if (!chunk)
		return err_internal(e, "out of memory");
	for (;;) {
		int64_t n = read(ctx, chunk, 65536, e);
		if (n < 0) {
			rc = (int)n;
			break;
		}
		rc = n ? csv_reader_feed(r->csv, chunk, (size_t)n, on_record, r, e)
		       : csv_reader_finish(r->csv, on_record, r, e);
		if (r->progress)
			r->progress->bytes += n;
		if (rc == IMP_STOP) { /* a bad header: stop reading */
			rc = 0;
			break;
		}
		if (rc == RECUR_EINVAL && e->status == 400 && !r->file_bad) {
			/* the CSV itself is malformed at a place the reader names */
			keep_error(r, csv_reader_row(r->csv), "", "", e->message);
			r->file_bad = true;
			err_clear(e);
			rc = 0;
			break;
		}
		if (rc < 0 || n == 0)
			break;
	}
	free(chunk);
	return rc;
}

/*
 * Runs imp (the import's row, updated in place) over the stream in one
 * transaction with its final status. The rows' work is a savepoint of its
 * own, kept or rolled back as the mode and the errors say.
 */
static int execute(json_t *imp, struct svc *s, svc_import_read_fn read, void *ctx,
		   struct svc_import_progress *progress, struct recur_err *e)
{
	struct imp_opts o;
	struct imp_run r = { .s = s, .progress = progress };
	const char *id = json_string_value(json_object_get(imp, "id"));
	int rc, began = 0, rows_began = 0;
	read_opts(&o, imp);
	r.t = imp_type_find(json_string_value(json_object_get(imp, "type")));
	r.partial = o.partial;
	r.dmy = o.dmy;
	r.decimal = o.decimal;
	if (!r.t)
		return err_internal(e, "import %s has an unknown type", id);
	if (!(r.csv = csv_reader_new(o.delim)))
		return err_internal(e, "out of memory");
	if ((rc = svc_begin(s, e)) < 0)
		goto done;
	began = 1;
	if ((rc = svc_begin(s, e)) < 0)
		goto done;
	rows_began = 1;
	bool quiet = s->quiet;
	struct svc_cache *cache = s->cache;
	s->quiet = !o.events;
	/* Rows of subscriptions and balances read prices and products but never change them. */
	if (!cache && r.t != &imp_prices && !(s->cache = svc_cache_new())) {
		rc = err_internal(e, "out of memory");
		goto done;
	}
	rc = feed(&r, read, ctx, e);
	if (s->cache != cache)
		svc_cache_free(s->cache);
	s->cache = cache;
	s->quiet = quiet;
	if (rc == 0 && !r.header_done)
		keep_error(&r, 1, "", "", "The file is empty: it needs a header row");
	bool ok = rc == 0 && !r.header_bad && !r.file_bad && !r.oom && r.header_done;
	bool keep = ok && !o.dry_run && (r.error_count == 0 || o.partial);
	rows_began = 0;
	if ((rc = svc_finish(s, rc < 0 ? rc : keep ? 0 : RECUR_EINVAL, e)) == RECUR_EINVAL)
		rc = 0;
	if (rc < 0)
		goto done;
	const char *status = ok && (r.error_count == 0 || (o.partial && !o.dry_run)) ? "succeeded"
										      : "failed";
	json_object_set_new(imp, "status", json_string(status));
	json_object_set_new(imp, "rows", json_integer(r.rows));
	/* What the rows did, or in a dry run would do; nothing when they were rolled back. */
	bool counted = keep || (o.dry_run && ok);
	json_object_set_new(imp, "created_count", json_integer(counted ? r.created : 0));
	json_object_set_new(imp, "updated_count", json_integer(counted ? r.updated : 0));
	json_object_set_new(imp, "unchanged_count", json_integer(counted ? r.unchanged : 0));
	json_object_set_new(imp, "error_count", json_integer(r.error_count));
	json_object_set_new(imp, "finished_at", json_integer(s->now));
	const char *why = r.header_bad ? "The header is wrong: no row was read"
		: r.file_bad ? "The file is not well-formed CSV: reading stopped at the error"
		: !r.header_done ? "The file is empty"
		: !r.error_count || (o.partial && !o.dry_run) ? NULL
		: o.dry_run ? "Some rows have errors (a dry run: nothing was written)"
		: "Some rows have errors: nothing was imported (partial=true imports the good rows)";
	json_object_set_new(imp, "failure_message", why ? json_string(why) : json_null());
	if ((rc = write_errors(&r, id, e)) < 0 ||
	    (rc = store_obj_update(s->db, &svc_imports_table, &s->scope, imp, e)) < 0)
		goto done;
done:
	if (rows_began)
		rc = svc_finish(s, rc, e);
	if (began)
		rc = svc_finish(s, rc, e);
	run_free(&r);
	return rc;
}

/* --- the stored file -------------------------------------------------------------- */

struct chunk_reader {
	struct svc *s;
	const char *id;
	int64_t n;
	char *pending; /* the rest of the current chunk */
	size_t len, off;
};

static int take_chunk(void *ctx, const struct store_row *row)
{
	struct chunk_reader *cr = ctx;
	size_t len = 0;
	const char *t = store_row_text(row, 0, &len);
	if (!(cr->pending = malloc(len ? len : 1)))
		return -1;
	memcpy(cr->pending, t, len);
	cr->len = len;
	cr->off = 0;
	return 0;
}

static int64_t chunk_read(void *ctx, char *buf, size_t cap, struct recur_err *e)
{
	struct chunk_reader *cr = ctx;
	if (cr->off == cr->len) {
		free(cr->pending);
		cr->pending = NULL;
		cr->len = cr->off = 0;
		struct store_val v[] = { SV_TEXT(cr->id), SV_INT(cr->n) };
		int rc = store_query(cr->s->db, "SELECT data FROM import_chunks WHERE import = $1"
				     " AND n = $2", v, 2, take_chunk, cr, e);
		if (rc < 0)
			return rc;
		if (!cr->pending)
			return 0;
		cr->n++;
	}
	size_t n = cr->len - cr->off < cap ? cr->len - cr->off : cap;
	memcpy(buf, cr->pending + cr->off, n);
	cr->off += n;
	return (int64_t)n;
}

int svc_import_execute_stored(json_t *imp, struct svc *s, struct svc_import_progress *progress,
			      struct recur_err *e);

int svc_import_execute_stored(json_t *imp, struct svc *s, struct svc_import_progress *progress,
			      struct recur_err *e)
{
	struct chunk_reader cr = { .s = s, .id = json_string_value(json_object_get(imp, "id")) };
	int rc = execute(imp, s, chunk_read, &cr, progress, e);
	free(cr.pending);
	return rc;
}

int svc_import_execute_stream(json_t *imp, struct svc *s, svc_import_read_fn read, void *ctx,
			      struct svc_import_progress *progress, struct recur_err *e);

int svc_import_execute_stream(json_t *imp, struct svc *s, svc_import_read_fn read, void *ctx,
			      struct svc_import_progress *progress, struct recur_err *e)
{
	return execute(imp, s, read, ctx, progress, e);
}
