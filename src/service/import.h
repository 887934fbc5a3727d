/*
 * import.h - CSV imports and exports of customers, prices, subscriptions and
 * opening balances (docs/import.md).
 *
 * An import is an object (imp_...) with the file it was given. Running it
 * reads the file as a stream (formats/csv.h), turns each row into the
 * parameters of the same use cases the API calls, and applies them:
 *
 *   - all of it inside one transaction, which also writes the import's final
 *     status, its counts and its error report: a process killed half-way has
 *     applied nothing, and the import is simply run again;
 *   - each row inside its own savepoint, so a bad row is rolled back alone and
 *     reported (row, column, value, message), and the rows after it still see
 *     what the rows before created (a subscription may name a customer created
 *     earlier in the same file... of another import, since one file holds one
 *     type);
 *   - dry_run rolls everything back and keeps the report; commit keeps the
 *     rows only if none failed, unless partial, which keeps the good ones.
 *
 * A row that names an existing object (by recur id, or by its external key:
 * a customer's or subscription's external_id, a price's lookup_key) updates
 * it; otherwise the row creates one. An imported subscription is not billed
 * for the period it is in: its next invoice comes at the imported next
 * billing date, for the imported items.
 */
#ifndef RECUR_SERVICE_IMPORT_H
#define RECUR_SERVICE_IMPORT_H

#include <stdio.h>

#include "core/buf.h"
#include "service/audit.h"
#include "service/service.h"

#define SVC_IMPORT_CHUNK (1024 * 1024)  /* bytes per stored piece of an uploaded file */
#define SVC_IMPORT_MAX_ERRORS 100000     /* errors kept in the report; error_count counts all */
#define SVC_IMPORT_SHOWN_ERRORS 100      /* errors shown in the import object itself */

extern const struct store_table svc_imports_table;

/* What a running import has done so far (read by another thread: plain words). */
struct svc_import_progress {
	volatile int64_t rows;  /* data rows read */
	volatile int64_t bytes; /* bytes of the file read */
	volatile int64_t size;  /* the file's size, 0 when unknown */
};

/* Reads up to cap bytes of the file into buf: the count, 0 at the end, < 0 on error. */
typedef int64_t (*svc_import_read_fn)(void *ctx, char *buf, size_t cap, struct recur_err *e);

/*
 * POST /v1/imports: p holds type, file (the CSV text), and optionally
 * filename, mode (dry_run | commit), partial, emit_events, delimiter
 * (auto | comma | semicolon | tab), decimal (point | comma; default comma
 * for a semicolon-separated file), date_format (iso | dmy), metadata. Stores
 * the import with its file; a file of at most inline_max bytes is run at
 * once, a larger one is left pending for the import worker (jobs/importer.c).
 */
int svc_import_create(json_t **out, struct svc *s, const json_t *p, size_t inline_max,
		      struct recur_err *e);

/*
 * The CLI's import: the same options as p above, without file; the file is
 * read from read (streamed, never stored). Creates the import object and runs
 * it at once; *out is the finished import.
 */
int svc_import_stream(json_t **out, struct svc *s, const json_t *p, svc_import_read_fn read,
		      void *read_ctx, struct svc_import_progress *progress, struct recur_err *e);

/*
 * Runs the pending (or interrupted) import id from its stored file. Returns
 * 0 when it ran (the import then says whether it succeeded).
 */
int svc_import_run(struct svc *s, const char *id, struct svc_import_progress *progress,
		   struct recur_err *e);

/*
 * Makes progress (NULL: none) what GET /v1/imports/:id shows as the running
 * import id's progress and status processing, in this process. The worker
 * sets it before the import's transaction begins and clears it after it
 * commits, so that nobody reads "pending" while the import runs.
 */
void svc_import_track(const char *id, const struct svc_import_progress *p);

/*
 * The oldest import waiting to run, of any tenant: copies its tenant, mode
 * and id and returns 1, or returns 0 when none waits.
 */
int svc_import_next(char *tenant, size_t tenant_cap, int *livemode, char *id, size_t id_cap,
		    struct store *db, struct recur_err *e);

int svc_import_retrieve(json_t **out, struct svc *s, const char *id, struct recur_err *e);
int svc_import_list(json_t **out, struct svc *s, const json_t *p, struct recur_err *e);
/* The whole error report as CSV (row,column,value,message) into b. */
int svc_import_errors_csv(struct buf *b, struct svc *s, const char *id, struct recur_err *e);

/*
 * svc_audit_finish for a run of import id (the CLI's, the worker's): the
 * entry's difference is the import's result and the range of the events it
 * wrote after mark ({id: {object, after, events: {count, first, last}}}),
 * not a list of every object it touched, which for a million rows would not
 * fit in memory. a->object_id is id.
 */
int svc_import_audit_finish(struct svc *s, const struct svc_audit_entry *a,
			    const struct svc_audit_mark *mark, int rc, struct recur_err *e);

/* The example file of a type: its header and two realistic rows. */
int svc_import_template(struct buf *b, const char *type, struct recur_err *e);
/* Takes what b holds so far (and empties it), or leaves it (returns 0 either way). */
typedef int (*svc_export_flush_fn)(void *ctx, struct buf *b, struct recur_err *e);

/*
 * Every object of a type as a CSV file that imports back unchanged (comma
 * separated, decimal point, ISO dates, one metadata.<key> column per key in
 * use). p may hold delimiter (comma | semicolon | tab) and decimal (point |
 * comma). The file is written into b; flush (NULL: keep it all in b) is
 * called whenever b holds more than 64 KiB and at the end.
 */
int svc_export(struct buf *b, struct svc *s, const char *type, const json_t *p,
	       svc_export_flush_fn flush, void *flush_ctx, struct recur_err *e);

#endif
