/* worker.c - a background thread with its own connection (worker.h). */
#include "jobs/worker.h"

#include <errno.h>
#include <time.h>

int jobs_worker_open(struct jobs_worker *w, const char *db_url, struct recur_err *e)
{
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	w->opened = true;
	return store_open(&w->db, db_url, e);
}

int jobs_worker_run(struct jobs_worker *w, void *(*fn)(void *), void *arg, const char *what,
		    struct recur_err *e)
{
	if (pthread_create(&w->thread, NULL, fn, arg) != 0)
		return err_internal(e, "cannot start the %s thread", what);
	w->running = true;
	return 0;
}

void jobs_worker_close(struct jobs_worker *w)
{
	if (!w->opened)
		return;
	if (w->running) {
		pthread_mutex_lock(&w->lock);
		w->stopping = true;
		pthread_cond_signal(&w->wake);
		pthread_mutex_unlock(&w->lock);
		pthread_join(w->thread, NULL);
	}
	store_close(w->db);
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
	w->opened = w->running = false;
	w->db = NULL;
}

bool jobs_worker_stopping(struct jobs_worker *w)
{
	pthread_mutex_lock(&w->lock);
	bool stop = w->stopping;
	pthread_mutex_unlock(&w->lock);
	return stop;
}

bool jobs_worker_idle(struct jobs_worker *w, int64_t ms)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (long)(ms % 1000) * 1000000L;
	until.tv_sec += until.tv_nsec / 1000000000L;
	until.tv_nsec %= 1000000000L;
	pthread_mutex_lock(&w->lock);
	while (!w->stopping && pthread_cond_timedwait(&w->wake, &w->lock, &until) != ETIMEDOUT)
		;
	bool stop = w->stopping;
	pthread_mutex_unlock(&w->lock);
	return stop;
}
