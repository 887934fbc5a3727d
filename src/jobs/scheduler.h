/*
 * scheduler.h - the background thread that runs work which becomes due with time.
 *
 * It runs the due work of wall-clock subscriptions (renewals, trial ends,
 * scheduled cancellations), then that of wall-clock invoices (payment
 * retries and the dunning policy's final action), and purges idempotency
 * keys past their 24-hour life; webhook deliveries have their own thread
 * (jobs/webhooks.h). Jobs call the store or services; they hold no rules of
 * their own. Each tick is bounded so
 * one run never holds the write lock for long.
 */
#ifndef RECUR_JOBS_SCHEDULER_H
#define RECUR_JOBS_SCHEDULER_H

#include <stdint.h>

#include "core/err.h"
#include "store/store.h"

#define SCHEDULER_TICK_SECONDS 1    /* how often due work is looked for */
#define SCHEDULER_PURGE_SECONDS 60  /* how often expired idempotency keys go */
#define SCHEDULER_PURGE_BATCH 1000

struct scheduler;

/* Starts the thread on its own connection to db_url. Free with scheduler_stop. */
int scheduler_start(struct scheduler **out, const char *db_url, struct recur_err *e);
/* Stops the thread (waits for the running tick) and frees it; accepts NULL. */
void scheduler_stop(struct scheduler *s);

/*
 * One pass of the maintenance work as of now, on db. Returns the number of
 * expired idempotency keys removed, or negative on error. Exposed for tests.
 */
int scheduler_purge_idempotency(struct store *db, int64_t now, struct recur_err *e);

#endif
