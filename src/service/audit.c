/* audit.c - writing audit entries in the transaction of the change they record. */
#include "service/audit.h"
#include "core/ids.h"

#include <string.h>

static const struct store_col audit_cols[] = {
	{ "actor", COL_TEXT, 0 },
	{ "key_id", COL_TEXT, 0 },
	{ "request_id", COL_TEXT, 0 },
	{ "idempotency_key", COL_TEXT, 0 },
	{ "method", COL_TEXT, 0 },
	{ "path", COL_TEXT, 0 },
	{ "action", COL_TEXT, 0 },
	{ "object_type", COL_TEXT, 0 },
	{ "object_id", COL_TEXT, 0 },
	{ "status", COL_INT, 0 },
	{ "diff", COL_JSON, 0 },
};

const struct store_table svc_audit_log_table = {
	.table = "audit_log", .object = "audit_log_entry", .noun = "audit log entry",
	.cols = audit_cols, .ncols = sizeof(audit_cols) / sizeof(audit_cols[0]),
};

int svc_audit_mark(struct svc_audit_mark *out, struct svc *s, struct recur_err *e)
{
	/* events.seq is the rowid (an identity on PostgreSQL): max() is one step down the b-tree. */
	int rc = store_query_int(&out->seq, NULL, s->db, "SELECT coalesce(max(seq), 0) FROM events",
				 NULL, 0, e);
	out->changes = store_total_changes(s->db);
	return rc < 0 ? rc : 0;
}

/* Whether the connection wrote a row since the mark (rolled-back savepoints count too). */
static int written_since(bool *out, struct svc *s, const struct svc_audit_mark *mark,
			 struct recur_err *e)
{
	(void)e;
	*out = store_total_changes(s->db) > mark->changes;
	return 0;
}

struct event_reader {
	json_t *events;
	bool refs; /* keep only the type and the id, not the data */
};

static int read_event(void *ctx, const struct store_row *row)
{
	struct event_reader *r = ctx;
	size_t len = 0;
	const char *text = store_row_text(row, 1, &len);
	json_t *ev = r->refs ? json_pack("{s:s, s:s}", "type", store_row_text(row, 0, NULL), "id",
					 text) :
			       json_pack("{s:s, s:o?}", "type", store_row_text(row, 0, NULL), "data",
					 json_loadb(text ? text : "", len, 0, NULL));
	return ev ? json_array_append_new(r->events, ev) : -1;
}

/* The events of this transaction, in the order written (new reference in *out). */
static int events_since(json_t **out, struct svc *s, int64_t mark, bool refs,
			struct recur_err *e)
{
	struct store_val p[] = { SV_INT(mark), SV_TEXT(s->scope.tenant), SV_INT(s->scope.livemode) };
	struct event_reader r = { .events = json_array(), .refs = refs };
	*out = r.events;
	if (!*out)
		return err_internal(e, "out of memory");
	int rc = store_query(s->db, refs ? "SELECT type, id FROM events WHERE seq > $1"
					   " AND tenant_id = $2 AND livemode = $3 ORDER BY seq" :
					   "SELECT type, data FROM events WHERE seq > $1"
					   " AND tenant_id = $2 AND livemode = $3 ORDER BY seq",
			     p, 3, read_event, &r, e);
	if (rc == -1 && !e->message[0])
		rc = err_internal(e, "out of memory");
	return rc < 0 ? rc : 0;
}

/* {object_id: {"events": [types], "event_ids": [ids]}}, or {} without events (new reference). */
static json_t *refs_diff(const json_t *events, const char *object_id)
{
	json_t *types = json_array(), *ids = json_array(), *out = json_object();
	size_t i;
	const json_t *ev;
	json_array_foreach((json_t *)(uintptr_t)events, i, ev) {
		json_array_append(types, json_object_get(ev, "type"));
		json_array_append(ids, json_object_get(ev, "id"));
	}
	if (out && json_array_size(ids) > 0)
		json_object_set_new(out, object_id ? object_id : "",
				    json_pack("{s:O, s:O}", "events", types, "event_ids", ids));
	json_decref(types);
	json_decref(ids);
	return out;
}

int svc_audit_write(struct svc *s, const struct svc_audit_entry *a,
		    const struct svc_audit_mark *mark, const json_t *diff, struct recur_err *e)
{
	char id[IDS_MAX];
	json_t *events = NULL, *built = NULL, *row = NULL;
	const char *type = a->object_type;
	bool written = true;
	int rc = 0;
	if (a->when == SVC_AUDIT_IF_WRITTEN && (rc = written_since(&written, s, mark, e)) < 0)
		return rc;
	if (!written)
		return 1;
	if (!diff) {
		if ((rc = events_since(&events, s, mark->seq, a->refs_only, e)) < 0)
			goto done;
		built = a->refs_only ? refs_diff(events, a->object_id) : svc_audit_diff(events);
		if (!built) {
			rc = err_internal(e, "out of memory");
			goto done;
		}
		diff = built;
	}
	if (a->when == SVC_AUDIT_IF_EVENTS && json_object_size(diff) == 0) {
		rc = 1;
		goto done;
	}
	if (built && a->created && a->object_id && !json_object_get(built, a->object_id)) {
		json_t *entry = json_pack("{s:O?, s:[], s:n, s:O}", "object",
					  json_object_get(a->created, "object"), "events",
					  "before", "after", a->created);
		if (!entry) {
			rc = err_internal(e, "cannot build the audit entry");
			goto done;
		}
		json_object_set_new(built, a->object_id, entry);
	}
	if (built && a->before && a->object_id)
		svc_audit_diff_against(built, a->object_id, a->before);
	if (!type && a->object_id)
		type = json_string_value(json_object_get(json_object_get(diff, a->object_id),
							 "object"));
	ids_new(id, sizeof(id), "aud");
	row = json_pack("{s:s, s:I, s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:s, s:s?, s:s?, s:O}",
			"id", id, "created", (json_int_t)s->now, "actor", a->actor, "key_id",
			a->key_id, "request_id", s->request_id, "idempotency_key",
			s->idempotency_key, "method", a->method, "path", a->path, "action",
			a->action, "object_type", type, "object_id", a->object_id, "diff", diff);
	if (!row) {
		rc = err_internal(e, "cannot build the audit entry");
		goto done;
	}
	if (a->status)
		json_object_set_new(row, "status", json_integer(a->status));
	if ((rc = store_obj_insert(s->db, &svc_audit_log_table, &s->scope, row, e)) > 0)
		rc = 0;
done:
	json_decref(row);
	json_decref(built);
	json_decref(events);
	return rc;
}

int svc_audit_begin(struct svc_audit_mark *mark, struct svc *s, struct recur_err *e)
{
	int rc = svc_begin(s, e);
	if (rc >= 0)
		rc = svc_audit_mark(mark, s, e);
	return rc < 0 ? rc : 0;
}

int svc_audit_finish(struct svc *s, const struct svc_audit_entry *a,
		     const struct svc_audit_mark *mark, int rc, struct recur_err *e)
{
	if (rc >= 0 && (rc = svc_audit_write(s, a, mark, NULL, e)) > 0)
		rc = 0; /* nothing changed: no entry */
	return svc_finish(s, rc < 0 ? rc : 0, e);
}
