/* importer.c - the import worker (importer.h). */
#include "jobs/importer.h"

#include "core/log.h"
#include "service/audit.h"
#include "service/import.h"
#include "store/store.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

struct importer {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	int stopping;
	struct store *db;
};

/* Runs one import with its audit entry (actor system). */
static void run_one(struct importer *w, const char *tenant, int livemode, const char *id)
{
	struct recur_err e;
	struct svc_import_progress progress = { 0 };
	struct svc s = { .db = w->db, .scope = { .tenant = tenant, .livemode = livemode },
			 .now = (int64_t)time(NULL) };
	struct svc_audit_mark mark;
	struct svc_audit_entry a = { .actor = "system", .action = "import", .object_type = "import",
				     .object_id = id, .when = SVC_AUDIT_IF_WRITTEN,
				     .refs_only = true };
	err_clear(&e);
	int rc = svc_audit_begin(&mark, &s, &e);
	if (rc == 0)
		rc = svc_import_run(&s, id, &progress, &e);
	rc = svc_audit_finish(&s, &a, &mark, rc, &e);
	if (rc == 0) {
		log_info("import %s: %lld rows", id, (long long)progress.rows);
		return;
	}
	/* Not the file's fault (that is a finished, failed import): say why and stop retrying. */
	log_error("import %s failed: %s", id, e.message);
	struct store_val v[] = { SV_TEXT(e.message), SV_INT(s.now), SV_TEXT(id) };
	struct recur_err e2;
	err_clear(&e2);
	if (store_exec(w->db, "UPDATE imports SET status = 'failed', failure_message = $1,"
		       " finished_at = $2 WHERE id = $3", v, 3, &e2) < 0)
		log_error("import %s: cannot mark it failed: %s", id, e2.message);
}

static void *loop(void *arg)
{
	struct importer *w = arg;
	for (;;) {
		char tenant[128], id[128];
		int livemode = 0, found;
		struct recur_err e;
		err_clear(&e);
		pthread_mutex_lock(&w->lock);
		int stop = w->stopping;
		pthread_mutex_unlock(&w->lock);
		if (stop)
			break;
		found = svc_import_next(tenant, sizeof(tenant), &livemode, id, sizeof(id), w->db, &e);
		if (found < 0)
			log_error("importer: %s", e.message);
		if (found > 0) {
			run_one(w, tenant, livemode, id);
			continue;
		}
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += (long)IMPORTER_IDLE_MS * 1000000L;
		until.tv_sec += until.tv_nsec / 1000000000L;
		until.tv_nsec %= 1000000000L;
		pthread_mutex_lock(&w->lock);
		while (!w->stopping &&
		       pthread_cond_timedwait(&w->wake, &w->lock, &until) != ETIMEDOUT)
			;
		pthread_mutex_unlock(&w->lock);
	}
	return NULL;
}

int importer_start(struct importer **out, const char *db_url, struct recur_err *e)
{
	struct importer *w = calloc(1, sizeof(*w));
	*out = NULL;
	if (!w)
		return err_internal(e, "out of memory");
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	int rc = store_open(&w->db, db_url, e);
	if (rc == 0 && pthread_create(&w->thread, NULL, loop, w) != 0)
		rc = err_internal(e, "cannot start the import worker");
	if (rc < 0) {
		store_close(w->db);
		pthread_mutex_destroy(&w->lock);
		pthread_cond_destroy(&w->wake);
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
	pthread_mutex_lock(&w->lock);
	w->stopping = 1;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	store_close(w->db);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->wake);
	free(w);
}
