/*
 * worker.h - what the background threads of `recur serve` share (the
 * scheduler, the webhook sender, the mailer, the import worker): a thread with
 * its own database connection, which sleeps between passes and is woken to
 * stop.
 *
 * Use: jobs_worker_open (the lock and the connection, which the owner may use
 * before the thread runs), jobs_worker_run (the thread), and jobs_worker_close
 * (asks the thread to stop, waits for the pass it is in, closes the
 * connection) — close also undoes an open whose run never happened.
 */
#ifndef RECUR_JOBS_WORKER_H
#define RECUR_JOBS_WORKER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "store/store.h"

struct jobs_worker {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool opened, running, stopping;
	struct store *db;
};

int jobs_worker_open(struct jobs_worker *w, const char *db_url, struct recur_err *e);
/* Starts fn(arg) on the worker's thread; what names it in the error. */
int jobs_worker_run(struct jobs_worker *w, void *(*fn)(void *), void *arg, const char *what,
		    struct recur_err *e);
/* Accepts a zeroed worker (never opened). */
void jobs_worker_close(struct jobs_worker *w);
/* Whether close has asked the thread to stop. */
bool jobs_worker_stopping(struct jobs_worker *w);
/* Sleeps ms milliseconds or until stop is asked; returns jobs_worker_stopping. */
bool jobs_worker_idle(struct jobs_worker *w, int64_t ms);

#endif
