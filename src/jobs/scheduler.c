#include "jobs/scheduler.h"
#include "jobs/worker.h"
#include "service/collection.h"
#include "service/subscription.h"
#include "service/subscription_schedule.h"
#include "store/idempotency.h"
#include "core/log.h"

#include <stdlib.h>
#include <time.h>

struct scheduler {
	struct jobs_worker w;
	int64_t next_purge;
};

int scheduler_purge_idempotency(struct store *db, int64_t now, struct recur_err *e)
{
	/* Batches keep each delete short: API writers wait on the same lock. */
	int total = 0;
	for (;;) {
		int n = store_idem_purge(db, now - STORE_IDEM_TTL, SCHEDULER_PURGE_BATCH, e);
		if (n < 0)
			return n;
		total += n;
		if (n < SCHEDULER_PURGE_BATCH)
			return total;
	}
}

static void *run(void *arg)
{
	struct scheduler *s = arg;
	while (!jobs_worker_stopping(&s->w)) {
		struct recur_err e;
		err_clear(&e);
		int64_t now = (int64_t)time(NULL);
		if (now >= s->next_purge) {
			int n = scheduler_purge_idempotency(s->w.db, now, &e);
			if (n < 0)
				log_warn("scheduler: purging idempotency keys failed: %s", e.message);
			else if (n > 0)
				log_info("scheduler: purged %d expired idempotency keys", n);
			s->next_purge = now + SCHEDULER_PURGE_SECONDS;
		}
		int done = 0, total = 0;
		/*
		 * Schedules that start come first: a subscription a schedule creates
		 * at t is not due at t, and nothing of a subscription waits on it.
		 */
		do {
			if (svc_schedule_run_due_wall(&done, s->w.db, now, &e) < 0) {
				log_warn("scheduler: subscription schedule starts failed: %s", e.message);
				break;
			}
			total += done;
		} while (done == SVC_SCHEDULE_BATCH && !jobs_worker_stopping(&s->w));
		if (total)
			log_info("scheduler: started %d subscription schedules", total);
		total = 0;
		do {
			if (svc_subscription_run_due_wall(&done, s->w.db, now, &e) < 0) {
				log_warn("scheduler: subscription due work failed: %s", e.message);
				break;
			}
			total += done;
		} while (done == SVC_RENEWAL_BATCH && !jobs_worker_stopping(&s->w));
		if (total)
			log_info("scheduler: ran the due work of %d subscriptions", total);
		/* Payment retries and other collection work of invoices (collection.h). */
		total = 0;
		do {
			if (svc_collection_run_due_wall(&done, s->w.db, now, &e) < 0) {
				log_warn("scheduler: invoice collection failed: %s", e.message);
				break;
			}
			total += done;
		} while (done == SVC_COLLECTION_BATCH && !jobs_worker_stopping(&s->w));
		if (total)
			log_info("scheduler: ran the collection work of %d invoices", total);
		jobs_worker_idle(&s->w, (int64_t)SCHEDULER_TICK_SECONDS * 1000);
	}
	return NULL;
}

int scheduler_start(struct scheduler **out, const char *db_url, struct recur_err *e)
{
	struct scheduler *s = calloc(1, sizeof(*s));
	int rc;
	*out = NULL;
	if (!s)
		return err_internal(e, "out of memory");
	if ((rc = jobs_worker_open(&s->w, db_url, e)) < 0 ||
	    (rc = jobs_worker_run(&s->w, run, s, "scheduler", e)) < 0) {
		jobs_worker_close(&s->w);
		free(s);
		return rc;
	}
	*out = s;
	return 0;
}

void scheduler_stop(struct scheduler *s)
{
	if (!s)
		return;
	jobs_worker_close(&s->w);
	free(s);
}
