#include "service/service.h"
#include "service/audit.h"
#include "core/ids.h"
#include "service/webhook.h"
#include "core/log.h"
#include "service/email.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int svc_begin(struct svc *s, struct recur_err *e)
{
	return store_begin(s->db, e);
}

int svc_finish(struct svc *s, int rc, struct recur_err *e)
{
	if (rc < 0) {
		store_rollback(s->db);
		return rc;
	}
	if (s->commit_hook && (rc = s->commit_hook(s->commit_ctx, s->db, e)) < 0) {
		store_rollback(s->db);
		return rc;
	}
	rc = store_commit(s->db, e);
	if (rc < 0)
		store_rollback(s->db);
	return rc;
}

static const struct store_col event_cols[] = {
	{ "type", COL_TEXT, 0 },
	{ "api_version", COL_TEXT, 0 },
	{ "data", COL_JSON, 0 },
	{ "request", COL_JSON, 0 },
	{ "pending_webhooks", COL_INT, 0 },
};

const struct store_table svc_events_table = {
	.table = "events", .object = "event", .noun = "event",
	.cols = event_cols, .ncols = sizeof(event_cols) / sizeof(event_cols[0]),
};

int svc_event(struct svc *s, const char *type, const json_t *obj, const json_t *prev,
	      struct recur_err *e)
{
	char id[IDS_MAX];
	int64_t webhooks = 0;
	if (s->quiet)
		return 0;
	ids_new(id, sizeof(id), "evt");
	/* its deliveries in the same transaction (webhook.h): written together or not at all */
	int rc = svc_webhook_enqueue(&webhooks, s, id, type, e);
	if (rc < 0)
		return rc;
	json_t *data = json_pack("{s:O}", "object", obj);
	if (prev)
		json_object_set(data, "previous_attributes", (json_t *)(uintptr_t)prev);
	json_t *ev = json_pack("{s:s, s:I, s:s, s:s?, s:o, s:{s:s?, s:s?}, s:I}",
			       "id", id, "created", (json_int_t)s->now, "type", type,
			       "api_version", s->api_version, "data", data,
			       "request", "id", s->request_id, "idempotency_key",
			       s->idempotency_key, "pending_webhooks", (json_int_t)webhooks);
	if (!ev)
		return err_internal(e, "cannot build event %s", type);
	rc = store_obj_insert(s->db, &svc_events_table, &s->scope, ev, e);
	json_decref(ev);
	/* the mail it causes, in the same transaction too (email.h) */
	if (rc == 0)
		rc = svc_email_on_event(s, id, type, obj, e);
	return rc;
}

json_t *svc_previous_attributes(const json_t *before, const json_t *after)
{
	json_t *prev = json_object();
	const char *key;
	json_t *old;
	json_object_foreach((json_t *)(uintptr_t)before, key, old) {
		json_t *now = json_object_get(after, key);
		if (now && json_equal(old, now))
			continue;
		if (json_is_object(old) && json_is_object(now)) {
			json_t *sub = svc_previous_attributes(old, now);
			/* keys that are new in after were null before */
			const char *k2;
			json_t *v2;
			json_object_foreach(now, k2, v2)
				if (!json_object_get(old, k2))
					json_object_set_new(sub ? sub : (sub = json_object()), k2,
							    json_null());
			if (sub)
				json_object_set_new(prev, key, sub);
			continue;
		}
		json_object_set(prev, key, old);
	}
	if (json_object_size(prev) == 0) {
		json_decref(prev);
		return NULL;
	}
	return prev;
}

int svc_update_object(json_t **out, struct svc *s, const struct store_table *t,
		      const json_t *before, const json_t *obj, svc_present_fn present,
		      struct recur_err *e)
{
	const char *id = json_string_value(json_object_get(obj, "id"));
	char type[96];
	int rc;
	*out = NULL;
	if ((rc = store_obj_update(s->db, t, &s->scope, obj, e)) < 0 ||
	    (rc = store_obj_get(out, s->db, t, &s->scope, id, e)) < 0)
		return rc;
	if (present)
		present(*out, s->now);
	json_t *prev = svc_previous_attributes(before, *out);
	if (prev) {
		snprintf(type, sizeof(type), "%s.updated", t->object);
		rc = svc_event(s, type, *out, prev, e);
		json_decref(prev);
	}
	return rc;
}

/* Entries before the cache starts over: a bound on memory, far above a batch's prices. */
#define CACHE_MAX 4096

struct svc_cache {
	json_t *objects; /* "<table>/<tenant>/<livemode>/<id>" -> object */
};

struct svc_cache *svc_cache_new(void)
{
	struct svc_cache *c = calloc(1, sizeof(*c));
	if (c && !(c->objects = json_object())) {
		free(c);
		c = NULL;
	}
	return c;
}

void svc_cache_free(struct svc_cache *c)
{
	if (!c)
		return;
	json_decref(c->objects);
	free(c);
}

int svc_get_cached(json_t **out, struct svc *s, const struct store_table *t, const char *id,
		   struct recur_err *e)
{
	char key[400];
	int rc;
	/* Scoped like the store: a batch spans tenants, and product ids are per tenant. */
	if (!s->cache || !id || !s->scope.tenant ||
	    snprintf(key, sizeof(key), "%s/%s/%d/%s", t->table, s->scope.tenant,
		     s->scope.livemode, id) >= (int)sizeof(key))
		return store_obj_get(out, s->db, t, &s->scope, id, e);
	json_t *hit = json_object_get(s->cache->objects, key);
	if (hit) {
		*out = json_incref(hit);
		return 0;
	}
	if ((rc = store_obj_get(out, s->db, t, &s->scope, id, e)) < 0)
		return rc;
	if (json_object_size(s->cache->objects) >= CACHE_MAX)
		json_object_clear(s->cache->objects);
	json_object_set(s->cache->objects, key, *out);
	return 0;
}

struct found_id {
	char *id;
	size_t cap;
	bool found;
};

static int take_id(void *ctx, const struct store_row *row)
{
	struct found_id *f = ctx;
	snprintf(f->id, f->cap, "%s", store_row_text(row, 0, NULL));
	f->found = true;
	return 0;
}

int svc_find_id(char *id, size_t cap, struct svc *s, const struct store_table *t,
		const char *col, const char *value, struct recur_err *e)
{
	char sql[256];
	struct found_id f = { .id = id, .cap = cap };
	struct store_val v[] = { SV_TEXT(s->scope.tenant), SV_INT(s->scope.livemode),
				 SV_TEXT(value) };
	snprintf(sql, sizeof(sql), "SELECT id FROM %s WHERE tenant_id = $1 AND livemode = $2"
		 " AND %s = $3%s LIMIT 1", t->table, col, t->soft_delete ? " AND deleted = 0" : "");
	int rc = store_query(s->db, sql, v, 3, take_id, &f, e);
	return rc < 0 ? rc : f.found ? 1 : 0;
}

int svc_get(json_t **out, struct svc *s, const struct store_table *t, const char *id,
	    struct recur_err *e)
{
	return store_obj_get(out, s->db, t, &s->scope, id, e);
}

struct due_row {
	char tenant[64];
	int livemode;
	char id[64];
};

struct due_batch {
	struct due_row rows[SVC_DUE_BATCH_MAX];
	size_t n, cap;
};

static int read_due(void *ctx, const struct store_row *row)
{
	struct due_batch *b = ctx;
	struct due_row *w = &b->rows[b->n++];
	snprintf(w->tenant, sizeof(w->tenant), "%s", store_row_text(row, 0, NULL));
	w->livemode = (int)store_row_int(row, 1);
	snprintf(w->id, sizeof(w->id), "%s", store_row_text(row, 2, NULL));
	return b->n >= b->cap;
}

int svc_run_due_wall(int *done, int *seen, struct store *db, int64_t now, const char *sql,
		     int batch, svc_due_step_fn step, struct svc_cache *cache, struct recur_err *e)
{
	static _Thread_local struct due_batch b; /* 64 KiB: not on the stack */
	struct store_val p[] = { SV_INT(now), SV_INT(batch) };
	int rc;
	*done = *seen = 0;
	b.n = 0;
	b.cap = batch > 0 && batch <= SVC_DUE_BATCH_MAX ? (size_t)batch : SVC_DUE_BATCH_MAX;
	if ((rc = store_query(db, sql, p, 2, read_due, &b, e)) < 0 || b.n == 0)
		return rc < 0 ? rc : 0;
	*seen = (int)b.n;
	/*
	 * One transaction for the batch pays one fsync instead of one per object
	 * (synchronous=FULL); exactly-once does not depend on it (dedupe keys and
	 * attempt numbers are unique in the schema).
	 */
	if ((rc = store_begin(db, e)) < 0)
		return rc;
	for (size_t i = 0; i < b.n; i++) {
		struct svc s = { .db = db, .scope = { .tenant = b.rows[i].tenant,
						      .livemode = b.rows[i].livemode },
				 .now = now, .cache = cache };
		/* Each step's change has its audit entry (actor system, docs/audit.md). */
		struct svc_audit_entry a = { .actor = "system", .action = "due_work",
					     .object_id = b.rows[i].id,
					     .when = SVC_AUDIT_IF_WRITTEN, .refs_only = true };
		struct svc_audit_mark mark;
		struct recur_err step_err;
		err_clear(&step_err);
		int step_rc = svc_audit_begin(&mark, &s, &step_err);
		if (step_rc >= 0)
			step_rc = step(&s, b.rows[i].id, now, &step_err);
		if (svc_audit_finish(&s, &a, &mark, step_rc, &step_err) < 0) {
			log_warn("due work of %s (%s) failed, the others go on: %s", b.rows[i].id,
				 b.rows[i].tenant, step_err.message);
			continue;
		}
		(*done)++;
	}
	if ((rc = store_commit(db, e)) < 0) {
		store_rollback(db);
		*done = 0;
	}
	return rc;
}
