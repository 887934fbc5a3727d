/* importer.c - the import worker (importer.h). */
#include "jobs/importer.h"
#include "jobs/worker.h"

#include "core/log.h"
#include "service/audit.h"
#include "service/import.h"
#include "store/store.h"

#include <stdlib.h>
#include <time.h>

struct importer {
	struct jobs_worker w;
};

/* Runs one import with its audit entry (actor system). */
static void run_one(struct importer *w, const char *tenant, int livemode, const char *id)
{
	struct recur_err e;
	struct svc_import_progress progress = { 0 };
	struct svc s = { .db = w->w.db, .scope = { .tenant = tenant, .livemode = livemode },
			 .now = (int64_t)time(NULL) };
	struct svc_audit_mark mark;
	struct svc_audit_entry a = { .actor = "system", .action = "import", .object_type = "import",
				     .object_id = id, .when = SVC_AUDIT_IF_WRITTEN };
	err_clear(&e);
	svc_import_track(id, &progress);
	int rc = svc_audit_begin(&mark, &s, &e);
	if (rc == 0)
		rc = svc_import_run(&s, id, &progress, &e);
	rc = svc_import_audit_finish(&s, &a, &mark, rc, &e);
	svc_import_track(id, NULL);
	if (rc == 0) {
		log_info("import %s: %lld rows", id, (long long)progress.rows);
		return;
	}
	/* Not the file's fault (that is a finished, failed import): say why and stop retrying. */
	log_error("import %s failed: %s", id, e.message);
	struct store_val v[] = { SV_TEXT(e.message), SV_INT(s.now), SV_TEXT(id) };
	struct recur_err e2;
	err_clear(&e2);
	if (store_exec(w->w.db, "UPDATE imports SET status = 'failed', failure_message = $1,"
		       " finished_at = $2 WHERE id = $3", v, 3, &e2) < 0)
		log_error("import %s: cannot mark it failed: %s", id, e2.message);
}

static void *loop(void *arg)
{
	struct importer *w = arg;
	while (!jobs_worker_stopping(&w->w)) {
		char tenant[128], id[128];
		int livemode = 0, found;
		struct recur_err e;
		err_clear(&e);
		found = svc_import_next(tenant, sizeof(tenant), &livemode, id, sizeof(id), w->w.db, &e);
		if (found < 0)
			log_error("importer: %s", e.message);
		if (found > 0)
			run_one(w, tenant, livemode, id);
		else
			jobs_worker_idle(&w->w, IMPORTER_IDLE_MS);
	}
	return NULL;
}

int importer_start(struct importer **out, const char *db_url, struct recur_err *e)
{
	struct importer *w = calloc(1, sizeof(*w));
	int rc;
	*out = NULL;
	if (!w)
		return err_internal(e, "out of memory");
	if ((rc = jobs_worker_open(&w->w, db_url, e)) < 0 ||
	    (rc = jobs_worker_run(&w->w, loop, w, "import worker", e)) < 0) {
		jobs_worker_close(&w->w);
		free(w);
		return rc;
	}
	*out = w;
	return 0;
}

void importer_stop(struct importer *w)
{
	if (!w)
		return;
	jobs_worker_close(&w->w);
	free(w);
}
