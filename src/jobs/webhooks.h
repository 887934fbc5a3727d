/*
 * webhooks.h - the delivery worker: a thread of `recur serve` that sends the
 * webhook deliveries that are due and records every attempt.
 *
 * It claims due deliveries in batches (service/webhook.h), POSTs each event's
 * JSON signed with its endpoint's secret (webhook_policy.h), up to
 * WEBHOOKS_IN_FLIGHT at once on libcurl's multi interface, and records the
 * batch in one transaction. It reads the wall clock; nothing it calls does.
 */
#ifndef RECUR_JOBS_WEBHOOKS_H
#define RECUR_JOBS_WEBHOOKS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"

#define WEBHOOKS_BATCH 500
#define WEBHOOKS_IN_FLIGHT 32
#define WEBHOOKS_TIMEOUT_MS 10000  /* issue 7: a receiver has 10 s to answer */
#define WEBHOOKS_LEASE 60          /* seconds a claim holds a delivery */
#define WEBHOOKS_IDLE_MS 200       /* how often an idle worker looks again */

struct webhooks_opts {
	const char *db_url;
	int64_t backoff_base_ms; /* 0: WEBHOOK_BACKOFF_BASE_MS */
	int64_t retry_window;    /* seconds; 0: WEBHOOK_RETRY_WINDOW */
	bool allow_private;      /* may connect to loopback/private addresses */
};

struct webhooks;

/* Starts the worker on its own connection. Free with webhooks_stop. */
int webhooks_start(struct webhooks **out, const struct webhooks_opts *o, struct recur_err *e);
/* Stops it (the batch in flight is finished and recorded) and frees it; accepts NULL. */
void webhooks_stop(struct webhooks *w);

#endif
