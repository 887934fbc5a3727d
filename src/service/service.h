/*
 * service.h - what every use case receives, and the transaction around it.
 *
 * A service function validates its parameter tree completely before writing
 * anything, runs in exactly one transaction, and appends the events its change
 * causes inside that same transaction, so a change and its notification are
 * never split. Shells (HTTP, CLI, imports, jobs) build a struct svc and call in.
 */
#ifndef RECUR_SERVICE_SERVICE_H
#define RECUR_SERVICE_SERVICE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "store/objects.h"
#include "store/store.h"

struct svc {
	struct store *db;
	struct store_scope scope;    /* tenant and mode chosen by the API key */
	int64_t now;                 /* the caller's "now"; services never read the clock */
	const char *request_id;      /* req_..., recorded on events; may be NULL */
	const char *idempotency_key; /* recorded on events; may be NULL */
	const char *api_version;
	/*
	 * Runs inside the transaction just before it commits (may be NULL). The
	 * API no longer needs it (a request with an Idempotency-Key runs in one
	 * transaction with its stored answer, api/server.c); callers that run
	 * nested work clear it.
	 */
	int (*commit_hook)(void *ctx, struct store *db, struct recur_err *e);
	void *commit_ctx;
	/*
	 * A read cache for objects the caller knows nobody writes while it is set
	 * (may be NULL: every read goes to the store). The billing run sets one per
	 * batch for prices, products and tax rates, which renewals read but never
	 * change.
	 */
	struct svc_cache *cache;
	/*
	 * Set by create_preview, which runs the real use cases and rolls them
	 * back: whatever cannot be rolled back is skipped (no payment is
	 * attempted, collection.h).
	 */
	bool dry_run;
	/*
	 * svc_event writes nothing (and so no webhook delivery or mail follows):
	 * an import with emit_events=false (docs/import.md).
	 */
	bool quiet;
};

/* What an upsert did (imports: a row that names an existing object updates it). */
enum svc_outcome { SVC_CREATED, SVC_UPDATED, SVC_UNCHANGED };

/* Opens the use case's transaction. */
int svc_begin(struct svc *s, struct recur_err *e);
/* Commits if rc == 0, otherwise rolls back; returns rc or the commit's error. */
int svc_finish(struct svc *s, int rc, struct recur_err *e);

/*
 * Appends an event of type for obj (borrowed; copied into the event) in the
 * current transaction. prev, if not NULL, becomes data.previous_attributes.
 */
int svc_event(struct svc *s, const char *type, const json_t *obj, const json_t *prev,
	      struct recur_err *e);

/*
 * Builds previous_attributes for an update: the fields of before whose values
 * differ in after (new reference, NULL if nothing changed). Nested objects such
 * as metadata are diffed one level down, as Stripe does.
 */
json_t *svc_previous_attributes(const json_t *before, const json_t *after);

/* Adds the fields a resource computes when it is read (may be NULL). */
typedef void (*svc_present_fn)(json_t *obj, int64_t now);

/*
 * The second half of every update, inside the caller's transaction: writes obj
 * over its row, reads the stored object back into *out (new reference), lets
 * present complete it, and appends "<object>.updated" with previous_attributes
 * against before; when nothing a client can see changed, no event.
 */
int svc_update_object(json_t **out, struct svc *s, const struct store_table *t,
		      const json_t *before, const json_t *obj, svc_present_fn present,
		      struct recur_err *e);

/* One step of due work for one object, inside its own savepoint. */
typedef int (*svc_due_step_fn)(struct svc *s, const char *id, int64_t now, struct recur_err *e);

#define SVC_DUE_BATCH_MAX 500

/*
 * The wall clock's due work: sql selects (tenant_id, livemode, id, due) of up to
 * $2 rows due at or before $1, across tenants. All run in one transaction, each
 * in its own savepoint with its tenant's scope: a step that fails is rolled back
 * alone, logged, and the others still commit, so one broken object never holds
 * up everybody's renewals. Each step that wrote something has its audit entry
 * (actor system, service/audit.h). *done counts the steps that succeeded; *seen the rows
 * taken (call again while it equals batch). cache may be NULL.
 */
int svc_run_due_wall(int *done, int *seen, struct store *db, int64_t now, const char *sql,
		     int batch, svc_due_step_fn step, struct svc_cache *cache, struct recur_err *e);

/* A cache for struct svc's cache field; svc_cache_free accepts NULL. */
struct svc_cache *svc_cache_new(void);
void svc_cache_free(struct svc_cache *c);

/*
 * store_obj_get through s->cache: a new reference to the object, which is
 * shared with the cache and with other callers, so it must not be modified.
 * Without a cache, a plain store_obj_get.
 */
int svc_get_cached(json_t **out, struct svc *s, const struct store_table *t, const char *id,
		   struct recur_err *e);

/*
 * The id of t's object (not deleted) whose column col equals value, by one
 * indexed query that builds no object: copies it into id and returns 1, or
 * returns 0 when there is none. col is a name written in code, never input.
 */
int svc_find_id(char *id, size_t cap, struct svc *s, const struct store_table *t,
		const char *col, const char *value, struct recur_err *e);

/* Generic retrieve/list for resources without special rules. */
int svc_get(json_t **out, struct svc *s, const struct store_table *t, const char *id,
	    struct recur_err *e);

extern const struct store_table svc_events_table;

#endif
