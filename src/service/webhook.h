/*
 * webhook.h - webhook endpoints, and the deliveries each event becomes.
 *
 * An endpoint is a URL, the event types it wants (or "*"), and a signing
 * secret (whsec_...) shown only in the answer to create. svc_event calls
 * svc_webhook_enqueue inside the event's transaction, so an event and its
 * deliveries are written together or not at all; the delivery worker
 * (jobs/webhooks.h) claims the due ones, sends them and records each attempt
 * through svc_webhook_claim / svc_webhook_record. docs/webhooks.md.
 *
 * Functions returning objects set *out to a new reference the caller
 * releases with json_decref; on failure *out is NULL and nothing is written.
 */
#ifndef RECUR_SERVICE_WEBHOOK_H
#define RECUR_SERVICE_WEBHOOK_H

#include "service/service.h"

extern const struct store_table svc_webhook_endpoints_table;

/*
 * Whether endpoints may point at loopback, private or link-local addresses
 * (core/netaddr.h). Off unless the server is started with
 * --allow-private-webhooks or RECUR_WEBHOOKS_ALLOW_PRIVATE=1; process-wide,
 * set once before serving.
 */
void svc_webhook_set_allow_private(bool allow);
bool svc_webhook_allow_private(void);

int svc_webhook_endpoint_create(json_t **out, struct svc *s, const json_t *p,
				struct recur_err *e);
int svc_webhook_endpoint_retrieve(json_t **out, struct svc *s, const char *id,
				  struct recur_err *e);
/* url, enabled_events, disabled, description, metadata. */
int svc_webhook_endpoint_update(json_t **out, struct svc *s, const char *id, const json_t *p,
				struct recur_err *e);
/* Removes the endpoint; its pending deliveries fail ("endpoint deleted"). */
int svc_webhook_endpoint_delete(json_t **out, struct svc *s, const char *id,
				struct recur_err *e);
int svc_webhook_endpoint_list(json_t **out, struct svc *s, const json_t *p,
			      struct recur_err *e);

/*
 * Inside the caller's transaction: one pending delivery for event_id per
 * enabled endpoint of the scope whose enabled_events holds type or "*".
 * *n is the number written (the event's pending_webhooks). One indexed
 * statement, which finds nothing when the tenant has no endpoint.
 */
int svc_webhook_enqueue(int64_t *n, struct svc *s, const char *event_id, const char *type,
			struct recur_err *e);

/*
 * The deliveries of an event, oldest first, each with its attempts:
 * {"object":"list","url","has_more":false,"data":[{"object":"webhook_delivery",...}]}.
 */
int svc_webhook_deliveries(json_t **out, struct svc *s, const char *event_id,
			   struct recur_err *e);

/*
 * Puts every delivery of the event back in the queue, due now, with a fresh
 * retry window (attempts are kept). *n is the number re-queued; an event
 * without deliveries is not an error (n = 0). Unknown event: RECUR_ENOTFOUND.
 */
int svc_webhook_replay(int *n, struct svc *s, const char *event_id, struct recur_err *e);

/* svc_webhook_replay for the CLI, in the event's own tenant and mode. */
int svc_webhook_replay_event(int *n, struct store *db, const char *event_id, int64_t now,
			     struct recur_err *e);

/* One claimed delivery: what the worker needs to send it. Strings are malloc'd. */
struct svc_webhook_job {
	int64_t seq;
	char tenant[64];
	int livemode;
	char endpoint[64];
	char event[64];
	int64_t attempts;         /* before this one */
	int64_t first_attempt_at; /* wall clock, 0 before the first */
	char *url, *secret, *body; /* NULL when the endpoint or event is gone */
	const char *skip;         /* set: do not send, fail with this error */
};

/*
 * Claims up to cap deliveries due at or before now (wall clock): one
 * statement pushes their next_attempt_at to now + lease so a worker that
 * dies while sending leaves them due again after the lease (at least once,
 * none lost). *n is the number claimed; nothing is loaded yet.
 */
int svc_webhook_claim(struct svc_webhook_job *jobs, int *n, int cap, struct store *db,
		      int64_t now, int64_t lease, struct recur_err *e);

/*
 * Loads a claimed job's endpoint (url, secret; skip when it is disabled or
 * gone) and its event's JSON exactly as GET /v1/events/:id renders it,
 * outside any transaction, so the worker can do it between sends. prev (may
 * be NULL) is the job loaded just before: its endpoint row is reused when it
 * is the same. Free the jobs' strings with svc_webhook_jobs_free.
 */
int svc_webhook_load(struct store *db, struct svc_webhook_job *j,
		     const struct svc_webhook_job *prev, struct recur_err *e);
void svc_webhook_jobs_free(struct svc_webhook_job *jobs, int n);

/*
 * At start-up: deliveries a previous process claimed and never recorded (it
 * was killed while sending) become due at once rather than when their lease
 * ends. They may have reached the receiver already: delivery is at least
 * once. With several servers on one database this also takes over claims
 * another live server holds (a duplicate at worst, never a loss).
 */
int svc_webhook_release_claims(int *n, struct store *db, struct recur_err *e);

enum svc_webhook_outcome { SVC_WEBHOOK_SUCCEEDED, SVC_WEBHOOK_RETRY, SVC_WEBHOOK_FAILED };

/* What one attempt gave; the worker decides the outcome (jobs/webhook_policy.h). */
struct svc_webhook_result {
	int status_code;          /* 0: no HTTP answer */
	char error[160];          /* "" when the endpoint answered */
	int64_t duration_ms;
	enum svc_webhook_outcome outcome;
	int64_t next_attempt_at;  /* SVC_WEBHOOK_RETRY: when */
	bool sent;                /* false: skipped, no attempt row */
};

/*
 * Records the attempts of n claimed jobs in one transaction: an attempt row
 * each, the delivery's new state, the event's pending_webhooks on success.
 * A delivery that fails for good, on an endpoint without a success within
 * window seconds, disables the endpoint and appends the recur event
 * "webhook_endpoint.disabled". *disabled counts endpoints disabled.
 */
int svc_webhook_record(int *disabled, struct store *db, const struct svc_webhook_job *jobs,
		       const struct svc_webhook_result *res, int n, int64_t now, int64_t window,
		       struct recur_err *e);

#endif
