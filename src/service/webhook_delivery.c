/*
 * webhook_delivery.c - the queue of webhook deliveries: listing an event's,
 * replaying them, and the claim/record pair the delivery worker runs.
 *
 * Times here are the wall clock the worker passes in (a test clock's frozen
 * time has nothing to say about when a receiver is tried again); a new
 * delivery is due at 0, that is at once.
 */
#include "service/webhook.h"
#include "core/ids.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int collect_attempt(void *ctx, const struct store_row *row)
{
	json_t *arr = ctx;
	json_t *a = json_pack("{s:I, s:o, s:o, s:I}",
			      "attempted_at", (json_int_t)store_row_int(row, 0),
			      "status_code", store_row_is_null(row, 1) ? json_null()
				      : json_integer(store_row_int(row, 1)),
			      "error", store_row_is_null(row, 2) ? json_null()
				      : json_string(store_row_text(row, 2, NULL)),
			      "duration_ms", (json_int_t)store_row_int(row, 3));
	return a ? json_array_append_new(arr, a) : -1;
}

struct deliveries_ctx {
	json_t *data;
	struct svc *s;
	struct recur_err *e;
};

static int collect_delivery(void *ctx, const struct store_row *row)
{
	struct deliveries_ctx *c = ctx;
	json_t *attempts = json_array();
	json_t *d = json_pack(
		"{s:s, s:s, s:s, s:I, s:o, s:o, s:o, s:I, s:I, s:o}", "object", "webhook_delivery",
		"endpoint", store_row_text(row, 1, NULL), "status", store_row_text(row, 2, NULL),
		"attempt_count", (json_int_t)store_row_int(row, 3), "next_attempt_at",
		!strcmp(store_row_text(row, 2, NULL), "pending")
			? json_integer(store_row_int(row, 4)) : json_null(),
		"last_status_code", store_row_is_null(row, 5) ? json_null()
			: json_integer(store_row_int(row, 5)),
		"last_error", store_row_is_null(row, 6) ? json_null()
			: json_string(store_row_text(row, 6, NULL)),
		"created", (json_int_t)store_row_int(row, 7), "updated",
		(json_int_t)store_row_int(row, 8), "attempts", attempts);
	if (!d)
		return -1;
	json_array_append_new(c->data, d);
	struct store_val v[] = { SV_INT(store_row_int(row, 0)) };
	if (store_query(c->s->db, "SELECT attempted_at, status_code, error, duration_ms "
			"FROM webhook_attempts WHERE delivery = $1 ORDER BY seq", v, 1,
			collect_attempt, attempts, c->e) < 0)
		return -1;
	return 0;
}

static int event_exists(struct svc *s, const char *event_id, struct recur_err *e)
{
	json_t *ev = NULL;
	int rc = store_obj_get(&ev, s->db, &svc_events_table, &s->scope, event_id, e);
	json_decref(ev);
	return rc;
}

int svc_webhook_deliveries(json_t **out, struct svc *s, const char *event_id,
			   struct recur_err *e)
{
	struct deliveries_ctx c = { .data = json_array(), .s = s, .e = e };
	struct store_val v[] = { SV_TEXT(s->scope.tenant), SV_INT(s->scope.livemode),
				 SV_TEXT(event_id) };
	int rc;
	char url[128];
	*out = NULL;
	if ((rc = event_exists(s, event_id, e)) < 0)
		goto done;
	rc = store_query(s->db, "SELECT seq, endpoint, status, attempts, next_attempt_at, "
			 "last_status_code, last_error, created, updated FROM webhook_deliveries "
			 "WHERE tenant_id = $1 AND livemode = $2 AND event = $3 ORDER BY seq",
			 v, 3, collect_delivery, &c, e);
	if (rc < 0)
		goto done;
	snprintf(url, sizeof(url), "/v1/events/%s/deliveries", event_id);
	*out = json_pack("{s:s, s:s, s:b, s:O}", "object", "list", "url", url, "has_more", 0,
			 "data", c.data);
	if (!*out)
		rc = err_internal(e, "out of memory");
done:
	json_decref(c.data);
	return rc < 0 ? rc : 0;
}

int svc_webhook_replay(int *n, struct svc *s, const char *event_id, struct recur_err *e)
{
	struct store_val v[] = { SV_TEXT(s->scope.tenant), SV_INT(s->scope.livemode),
				 SV_TEXT(event_id), SV_INT(s->now) };
	int rc;
	*n = 0;
	if ((rc = svc_begin(s, e)) < 0)
		return rc;
	if ((rc = event_exists(s, event_id, e)) < 0)
		goto done;
	/* A delivery that had succeeded is pending again: count it back. */
	rc = store_exec(s->db, "UPDATE events SET pending_webhooks = pending_webhooks + "
			"(SELECT COUNT(*) FROM webhook_deliveries WHERE tenant_id = $1 AND "
			"livemode = $2 AND event = $3 AND status = 'succeeded') WHERE id = $3 "
			"AND tenant_id = $1 AND livemode = $2", v, 3, e);
	if (rc < 0)
		goto done;
	rc = store_exec(s->db, "UPDATE webhook_deliveries SET status = 'pending', "
			"next_attempt_at = 0, first_attempt_at = NULL, updated = $4 "
			"WHERE tenant_id = $1 AND livemode = $2 AND event = $3", v, 4, e);
	if (rc >= 0)
		*n = rc;
done:
	return svc_finish(s, rc < 0 ? rc : 0, e);
}

struct claim_ctx {
	struct svc_webhook_job *jobs;
	int n, cap;
};

static int collect_due(void *ctx, const struct store_row *row)
{
	struct claim_ctx *c = ctx;
	struct svc_webhook_job *j = &c->jobs[c->n++];
	memset(j, 0, sizeof(*j));
	j->seq = store_row_int(row, 0);
	snprintf(j->tenant, sizeof(j->tenant), "%s", store_row_text(row, 1, NULL));
	j->livemode = (int)store_row_int(row, 2);
	snprintf(j->endpoint, sizeof(j->endpoint), "%s", store_row_text(row, 3, NULL));
	snprintf(j->event, sizeof(j->event), "%s", store_row_text(row, 4, NULL));
	j->attempts = store_row_int(row, 5);
	j->first_attempt_at = store_row_is_null(row, 6) ? 0 : store_row_int(row, 6);
	return c->n >= c->cap;
}

static int read_endpoint(void *ctx, const struct store_row *row)
{
	struct svc_webhook_job *j = ctx;
	j->url = strdup(store_row_text(row, 0, NULL));
	j->secret = store_row_is_null(row, 1) ? NULL : strdup(store_row_text(row, 1, NULL));
	if (strcmp(store_row_text(row, 2, NULL), "enabled") != 0)
		j->skip = "endpoint disabled";
	return 1;
}

/* A batch is mostly one endpoint's: prev's endpoint row is not read again. */
int svc_webhook_load(struct store *db, struct svc_webhook_job *j,
		     const struct svc_webhook_job *prev, struct recur_err *e)
{
	struct store_scope sc = { .tenant = j->tenant, .livemode = j->livemode };
	struct store_val v[] = { SV_TEXT(j->endpoint) };
	json_t *ev = NULL;
	int rc = 0;
	if (prev && prev->url && strcmp(prev->endpoint, j->endpoint) == 0) {
		j->url = strdup(prev->url);
		j->secret = prev->secret ? strdup(prev->secret) : NULL;
		if (prev->skip && strcmp(prev->skip, "endpoint disabled") == 0)
			j->skip = prev->skip;
	} else {
		rc = store_query(db, "SELECT url, secret, status FROM webhook_endpoints "
				 "WHERE id = $1", v, 1, read_endpoint, j, e);
	}
	if (rc < 0)
		return rc;
	if (!j->url) {
		j->skip = "endpoint deleted";
		return 0;
	}
	rc = store_obj_get(&ev, db, &svc_events_table, &sc, j->event, e);
	if (rc == RECUR_ENOTFOUND) {
		j->skip = "event not found";
		return 0;
	}
	if (rc < 0)
		return rc;
	/* api/render.h promises these bytes equal the API's rendering */
	j->body = json_dumps(ev, JSON_COMPACT | JSON_REAL_PRECISION(15));
	json_decref(ev);
	if (!j->body || !j->url || (!j->secret && !j->skip))
		return err_internal(e, "cannot load webhook delivery %lld", (long long)j->seq);
	return 0;
}

int svc_webhook_claim(struct svc_webhook_job *jobs, int *n, int cap, struct store *db,
		      int64_t now, int64_t lease, struct recur_err *e)
{
	struct claim_ctx c = { .jobs = jobs, .cap = cap };
	struct store_val v[] = { SV_INT(now), SV_INT(cap), SV_INT(now + lease) };
	int rc;
	*n = 0;
	if ((rc = store_begin(db, e)) < 0)
		return rc;
	/* one statement claims the batch: a statement per row was a third of a round */
	rc = store_query(db, "UPDATE webhook_deliveries SET next_attempt_at = $3, claimed_at = $1 "
			 "WHERE seq IN (SELECT seq FROM webhook_deliveries WHERE status = 'pending' "
			 "AND next_attempt_at <= $1 ORDER BY next_attempt_at, seq LIMIT $2) "
			 "RETURNING seq, tenant_id, livemode, endpoint, event, attempts, "
			 "first_attempt_at", v, 3, collect_due, &c, e);
	if (rc < 0 || (rc = store_commit(db, e)) < 0) {
		store_rollback(db);
		return rc;
	}
	*n = c.n;
	return 0;
}

void svc_webhook_jobs_free(struct svc_webhook_job *jobs, int n)
{
	for (int i = 0; i < n; i++) {
		free(jobs[i].url);
		free(jobs[i].secret);
		free(jobs[i].body);
		jobs[i].url = jobs[i].secret = jobs[i].body = NULL;
	}
}

/*
 * A delivery failed for good: when its endpoint has had no success within
 * the window either, the receiver is taken to be gone, and the endpoint is
 * disabled (Stripe does the same after days of failures) with an event that
 * says so, so the tenant learns of it from the events list.
 */
static int maybe_disable(int *disabled, struct store *db, const struct svc_webhook_job *j,
			 int64_t now, int64_t window, struct recur_err *e)
{
	struct store_val v[] = { SV_TEXT(j->endpoint), SV_INT(now - window), SV_INT(now) };
	int64_t ok = 0;
	bool found = false;
	json_t *ep = NULL;
	int rc = store_query_int(&ok, &found, db, "SELECT COUNT(*) FROM webhook_deliveries "
				 "WHERE endpoint = $1 AND status = 'succeeded' AND updated >= $2",
				 v, 2, e);
	if (rc < 0 || ok > 0)
		return rc < 0 ? rc : 0;
	rc = store_exec(db, "UPDATE webhook_endpoints SET status = 'disabled' WHERE id = $1 "
			"AND status = 'enabled'", v, 1, e);
	if (rc <= 0)
		return rc;
	(*disabled)++;
	struct svc s = { .db = db, .scope = { .tenant = j->tenant, .livemode = j->livemode },
			 .now = now };
	if ((rc = store_obj_get(&ep, db, &svc_webhook_endpoints_table, &s.scope, j->endpoint,
				e)) < 0)
		return rc;
	rc = svc_event(&s, "webhook_endpoint.disabled", ep, NULL, e);
	json_decref(ep);
	return rc;
}

static int record_one(int *disabled, struct store *db, const struct svc_webhook_job *j,
		      const struct svc_webhook_result *r, int64_t now, int64_t window,
		      struct recur_err *e)
{
	static const char *const names[] = { "succeeded", "pending", "failed" };
	int rc;
	if (r->sent) {
		struct store_val a[] = { SV_INT(j->seq), SV_INT(now),
					 r->status_code ? SV_INT(r->status_code) : SV_NULL,
					 SV_TEXT(r->error[0] ? r->error : NULL),
					 SV_INT(r->duration_ms) };
		if ((rc = store_exec(db, "INSERT INTO webhook_attempts (delivery, attempted_at, "
				     "status_code, error, duration_ms) VALUES ($1, $2, $3, $4, $5)",
				     a, 5, e)) < 0)
			return rc;
	}
	const char *err = r->sent ? (r->error[0] ? r->error : NULL) : j->skip;
	struct store_val d[] = { SV_INT(j->seq), SV_TEXT(names[r->outcome]),
				 SV_INT(r->sent ? 1 : 0), SV_INT(r->next_attempt_at),
				 r->status_code ? SV_INT(r->status_code) : SV_NULL, SV_TEXT(err),
				 SV_INT(now) };
	if ((rc = store_exec(db, "UPDATE webhook_deliveries SET status = $2, attempts = "
			     "attempts + $3, next_attempt_at = $4, last_status_code = $5, "
			     "last_error = $6, updated = $7, claimed_at = NULL, "
			     "first_attempt_at = COALESCE(first_attempt_at, $7) WHERE seq = $1", d, 7, e)) < 0)
		return rc;
	if (r->outcome == SVC_WEBHOOK_SUCCEEDED) {
		struct store_val ev[] = { SV_TEXT(j->event) };
		return store_exec(db, "UPDATE events SET pending_webhooks = pending_webhooks - 1 "
				  "WHERE id = $1 AND pending_webhooks > 0", ev, 1, e);
	}
	if (r->outcome == SVC_WEBHOOK_FAILED && j->url && !j->skip)
		return maybe_disable(disabled, db, j, now, window, e);
	return 0;
}

int svc_webhook_record(int *disabled, struct store *db, const struct svc_webhook_job *jobs,
		       const struct svc_webhook_result *res, int n, int64_t now, int64_t window,
		       struct recur_err *e)
{
	int rc;
	*disabled = 0;
	if ((rc = store_begin(db, e)) < 0)
		return rc;
	for (int i = 0; rc >= 0 && i < n; i++)
		rc = record_one(disabled, db, &jobs[i], &res[i], now, window, e);
	if (rc < 0) {
		store_rollback(db);
		return rc;
	}
	if ((rc = store_commit(db, e)) < 0)
		store_rollback(db);
	return rc;
}

static int read_scope(void *ctx, const struct store_row *row)
{
	struct svc *s = ctx;
	s->scope.tenant = strdup(store_row_text(row, 0, NULL));
	s->scope.livemode = (int)store_row_int(row, 1);
	return 1;
}

int svc_webhook_replay_event(int *n, struct store *db, const char *event_id, int64_t now,
			     struct recur_err *e)
{
	struct svc s = { .db = db, .now = now };
	struct store_val v[] = { SV_TEXT(event_id) };
	int rc;
	*n = 0;
	if ((rc = store_query(db, "SELECT tenant_id, livemode FROM events WHERE id = $1", v, 1,
			      read_scope, &s, e)) < 0)
		return rc;
	if (!s.scope.tenant)
		return err_set(e, RECUR_ENOTFOUND, 404, "invalid_request_error",
			       "resource_missing", "id", "No such event: '%s'", event_id);
	rc = svc_webhook_replay(n, &s, event_id, e);
	free((char *)(uintptr_t)s.scope.tenant);
	return rc;
}

int svc_webhook_release_claims(int *n, struct store *db, struct recur_err *e)
{
	int rc = store_exec(db, "UPDATE webhook_deliveries SET next_attempt_at = 0, "
			    "claimed_at = NULL WHERE status = 'pending' AND claimed_at IS NOT NULL",
			    NULL, 0, e);
	*n = rc < 0 ? 0 : rc;
	return rc < 0 ? rc : 0;
}
