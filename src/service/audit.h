/*
 * audit.h - the append-only audit log (docs/audit.md).
 *
 * One entry per change: who (actor api with the API key's id, or system, or
 * cli), when, the request id and Idempotency-Key, the request line, the action
 * and primary object, and the difference before/after of every object the
 * change touched. An entry is written inside the transaction of the change it
 * records, so a change never commits without its entry, and the database
 * refuses to update or delete entries (triggers, migration 018).
 *
 * The difference is read from the events the transaction wrote: they carry
 * each object as it ended and, for updates, previous_attributes. The caller
 * takes a mark (the last event's position) when its transaction begins and
 * hands it to svc_audit_write before it commits; the write lock held from
 * BEGIN IMMEDIATE on means every event after the mark is this change's.
 */
#ifndef RECUR_SERVICE_AUDIT_H
#define RECUR_SERVICE_AUDIT_H

#include "service/service.h"

/* Objects of a diff beyond this many keep only "object" and "events". */
#define SVC_AUDIT_FULL_OBJECTS 100

enum svc_audit_when {
	SVC_AUDIT_ALWAYS,     /* the caller knows it changed something */
	SVC_AUDIT_IF_WRITTEN, /* only if a row was written (an import of a file seen before: none) */
	SVC_AUDIT_IF_EVENTS,  /* only if an event was written (a 402 that kept no attempt: none) */
};

struct svc_audit_entry {
	const char *actor;       /* "api", "system" or "cli" */
	const char *key_id;      /* key_..., or NULL */
	const char *method;      /* may be NULL (not a request) */
	const char *path;        /* may be NULL */
	const char *action;      /* create, update, delete, void, pay, ... */
	const char *object_type; /* NULL: taken from the diff's entry for object_id */
	const char *object_id;   /* may be NULL */
	int status;              /* HTTP status; 0 for none */
	/*
	 * For a create: the object answered, the diff's entry for object_id when
	 * no event told of it (a payment method is created without one). May be
	 * NULL.
	 */
	const json_t *created;
	/*
	 * The primary object as it was before the change (may be NULL): where
	 * no event said what changed (a void, a finalize) the difference is
	 * taken against it, and a delete shows it whole as before.
	 */
	const json_t *before;
	enum svc_audit_when when;
	/*
	 * Name the events instead of copying their objects: the diff is
	 * {object_id: {"events": [types], "event_ids": [ids]}}, and the events
	 * hold the objects and previous_attributes. The billing run writes one
	 * entry per renewal; copying every object into it cost 40 % of the
	 * renewal (docs/audit.md).
	 */
	bool refs_only;
};

/*
 * Where a transaction stood when its change began: the last event's position
 * (every later one is this change's) and SQLite's total_changes() (rows
 * written by the connection so far; PostgreSQL: txid_current_if_assigned()
 * tells the same, whether the transaction wrote).
 */
struct svc_audit_mark {
	int64_t seq;
	int64_t changes;
};

/* Takes the mark; call inside the transaction, before the change. */
int svc_audit_mark(struct svc_audit_mark *out, struct svc *s, struct recur_err *e);

/*
 * Appends the entry for a's change in s's transaction, with s's tenant, mode,
 * request id, idempotency key and now. diff (borrowed) is used as is when not
 * NULL; otherwise it is built from the events after mark. Returns 1, and
 * writes nothing, when a->when asks for a change mark says did not happen.
 */
int svc_audit_write(struct svc *s, const struct svc_audit_entry *a,
		    const struct svc_audit_mark *mark, const json_t *diff, struct recur_err *e);

/*
 * For changes outside the API (the CLI, the scheduler), around a use case:
 * svc_audit_begin opens the transaction and takes the mark; svc_audit_finish
 * writes a's entry when rc is 0 and then commits, or rolls back (svc_finish).
 * As with svc_begin, svc_audit_finish follows whatever begin returned.
 */
int svc_audit_begin(struct svc_audit_mark *mark, struct svc *s, struct recur_err *e);
int svc_audit_finish(struct svc *s, const struct svc_audit_entry *a,
		     const struct svc_audit_mark *mark, int rc, struct recur_err *e);

/*
 * The difference a list of events (each {"type", "data"} as stored, in order)
 * describes, as {object id: {"object", "events", "before", "after"}} (new
 * reference; NULL when out of memory):
 *   created in the list:  before null, after the object as it ended;
 *   deleted in the list:  after null, before what updates said, "deleted" true;
 *   updated:              before the first previous value of every field an
 *                         update changed, after the same fields' last values;
 *   otherwise:            no before (the events did not say), after the whole
 *                         object as it ended.
 * Objects beyond SVC_AUDIT_FULL_OBJECTS keep only "object" and "events".
 */
json_t *svc_audit_diff(const json_t *events);

/*
 * Completes diff's entry for id from before, the object as it was: an entry
 * whose events said no previous values gets the fields that differ from
 * before (and after becomes the same fields' new values); a deleted one gets
 * before whole. Others are left as they are.
 */
void svc_audit_diff_against(json_t *diff, const char *id, const json_t *before);

extern const struct store_table svc_audit_log_table;

#endif
