#include "jobs/scheduler.h"
#include "service/collection.h"
#include "service/subscription.h"
#include "service/subscription_schedule.h"
#include "store/idempotency.h"
#include "core/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

struct scheduler {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	int stopping;
	int64_t next_purge;
	struct store *db;
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
	pthread_mutex_lock(&s->lock);
	while (!s->stopping) {
		pthread_mutex_unlock(&s->lock);
		struct recur_err e;
		err_clear(&e);
		int64_t now = (int64_t)time(NULL);
		if (now >= s->next_purge) {
			int n = scheduler_purge_idempotency(s->db, now, &e);
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
			if (svc_schedule_run_due_wall(&done, s->db, now, &e) < 0) {
				log_warn("scheduler: subscription schedule starts failed: %s", e.message);
				break;
			}
			total += done;
		} while (done == SVC_SCHEDULE_BATCH && !s->stopping);
		if (total)
			log_info("scheduler: started %d subscription schedules", total);
		total = 0;
		do {
			if (svc_subscription_run_due_wall(&done, s->db, now, &e) < 0) {
				log_warn("scheduler: subscription due work failed: %s", e.message);
				break;
			}
			total += done;
		} while (done == SVC_RENEWAL_BATCH && !s->stopping);
		if (total)
			log_info("scheduler: ran the due work of %d subscriptions", total);
		/* Payment retries and other collection work of invoices (collection.h). */
		total = 0;
		do {
			if (svc_collection_run_due_wall(&done, s->db, now, &e) < 0) {
				log_warn("scheduler: invoice collection failed: %s", e.message);
				break;
			}
			total += done;
		} while (done == SVC_COLLECTION_BATCH && !s->stopping);
		if (total)
			log_info("scheduler: ran the collection work of %d invoices", total);
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += SCHEDULER_TICK_SECONDS;
		pthread_mutex_lock(&s->lock);
		while (!s->stopping &&
		       pthread_cond_timedwait(&s->wake, &s->lock, &until) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

int scheduler_start(struct scheduler **out, const char *db_url, struct recur_err *e)
{
	struct scheduler *s = calloc(1, sizeof(*s));
	int rc;
	*out = NULL;
	if (!s)
		return err_internal(e, "out of memory");
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->wake, NULL);
	if ((rc = store_open(&s->db, db_url, e)) < 0)
		goto fail;
	if (pthread_create(&s->thread, NULL, run, s) != 0) {
		rc = err_internal(e, "cannot start the scheduler thread");
		goto fail;
	}
	*out = s;
	return 0;
fail:
	store_close(s->db);
	pthread_cond_destroy(&s->wake);
	pthread_mutex_destroy(&s->lock);
	free(s);
	return rc;
}

void scheduler_stop(struct scheduler *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	s->stopping = 1;
	pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->thread, NULL);
	store_close(s->db);
	pthread_cond_destroy(&s->wake);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
