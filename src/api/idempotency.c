#include "api/idempotency.h"
#include "core/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct existing {
	char hash[65];
	char state[16];
	int status;
	char *body;
	int64_t created;
	int found;
};

static int read_existing(void *ctx, const struct store_row *row)
{
	struct existing *x = ctx;
	const char *h = store_row_text(row, 0, NULL);
	const char *s = store_row_text(row, 1, NULL);
	snprintf(x->hash, sizeof(x->hash), "%s", h ? h : "");
	snprintf(x->state, sizeof(x->state), "%s", s ? s : "");
	x->status = (int)store_row_int(row, 2);
	const char *b = store_row_text(row, 3, NULL);
	x->body = b ? strdup(b) : NULL;
	x->created = store_row_int(row, 4);
	x->found = 1;
	return 1;
}

#define SELECT_KEY \
	"SELECT request_hash, state, status, body, created FROM idempotency_keys" \
	" WHERE tenant_id = $1 AND livemode = $2 AND ikey = $3"

int idem_claim(struct store *db, const struct store_scope *sc, const char *key,
	       const char *hash, int64_t now, int *status, char **body, struct recur_err *e)
{
	struct existing x = { 0 };
	int rc;
	*body = NULL;
	struct store_val ins[] = { SV_TEXT(sc->tenant), SV_INT(sc->livemode), SV_TEXT(key),
				   SV_TEXT(hash), SV_INT(now) };
	/*
	 * A retry of a finished request is answered from one read: the INSERT
	 * below is a write, and a write waits for the process's writer lock
	 * behind every other request's transaction. A done key never changes
	 * again until it expires, so what this read finds is what the INSERT
	 * path would find. Anything else (no key, running, other parameters,
	 * expired) takes the INSERT path, which decides under the lock.
	 */
	rc = store_query(db, SELECT_KEY, ins, 3, read_existing, &x, e);
	if (rc < 0)
		return rc;
	if (x.found && strcmp(x.state, "done") == 0 && x.body && strcmp(x.hash, hash) == 0 &&
	    now - x.created <= IDEM_TTL) {
		*status = x.status;
		*body = x.body;
		return 1;
	}
	free(x.body);
	memset(&x, 0, sizeof(x));
	rc = store_exec(db, "INSERT INTO idempotency_keys (tenant_id, livemode, ikey, request_hash,"
			" state, created) VALUES ($1, $2, $3, $4, 'running', $5)"
			" ON CONFLICT (tenant_id, livemode, ikey) DO NOTHING", ins, 5, e);
	if (rc < 0)
		return rc;
	if (rc == 1)
		return 0;
	rc = store_query(db, SELECT_KEY, ins, 3, read_existing, &x, e);
	if (rc < 0)
		goto done;
	if (!x.found) { /* released between our insert and select: try once more */
		rc = err_set(e, RECUR_ECONFLICT, 409, "idempotency_error", NULL, NULL,
			     "There is currently another in-progress request using this"
			     " idempotency key. Retry this request later.");
		goto done;
	}
	/*
	 * An expired record, or a running one whose request died, is taken over. The
	 * UPDATE compares the old created value so only one taker wins.
	 */
	int expired = now - x.created > IDEM_TTL;
	int abandoned = strcmp(x.state, "running") == 0 && now - x.created > IDEM_ABANDONED;
	if (expired || abandoned) {
		struct store_val up[] = { SV_TEXT(sc->tenant), SV_INT(sc->livemode), SV_TEXT(key),
					  SV_TEXT(hash), SV_INT(now), SV_INT(x.created) };
		rc = store_exec(db, "UPDATE idempotency_keys SET request_hash = $4, state = 'running',"
				" status = NULL, body = NULL, created = $5 WHERE tenant_id = $1 AND"
				" livemode = $2 AND ikey = $3 AND created = $6", up, 6, e);
		if (rc < 0)
			goto done;
		if (rc == 1) {
			rc = 0;
			goto done;
		}
		rc = err_set(e, RECUR_ECONFLICT, 409, "idempotency_error", NULL, NULL,
			     "There is currently another in-progress request using this"
			     " idempotency key. Retry this request later.");
		goto done;
	}
	if (strcmp(x.hash, hash) != 0) {
		rc = err_set(e, RECUR_EINVAL, 400, "idempotency_error", NULL, NULL,
			     "Keys for idempotent requests can only be used with the same parameters"
			     " they were first used with. Try using a key other than '%s' if you"
			     " meant to execute a different request.", key);
		goto done;
	}
	if (strcmp(x.state, "done") == 0 && !x.body) {
		/* The change committed but the process died before storing the response. */
		rc = err_set(e, RECUR_ECONFLICT, 409, "idempotency_error", NULL, NULL,
			     "The request with idempotency key '%s' completed, but its response"
			     " was lost; retrieve the object instead of retrying.", key);
		goto done;
	}
	if (strcmp(x.state, "running") == 0) {
		rc = err_set(e, RECUR_ECONFLICT, 409, "idempotency_error", NULL, NULL,
			     "There is currently another in-progress request using this"
			     " idempotency key. Retry this request later.");
		goto done;
	}
	*status = x.status;
	*body = x.body;
	x.body = NULL;
	rc = 1;
done:
	free(x.body);
	return rc;
}

void idem_complete(struct store *db, const struct store_scope *sc, const char *key, int status,
		   const char *body)
{
	struct recur_err e;
	/* Only a key still "running" is released: one whose change committed stays. */
	int keep = (status >= 200 && status < 300) || status == 402;
	struct store_val p[] = { SV_TEXT(sc->tenant), SV_INT(sc->livemode), SV_TEXT(key),
				 SV_INT(status), SV_TEXT(body) };
	int rc = keep ? store_exec(db, "UPDATE idempotency_keys SET state = 'done', status = $4,"
				   " body = $5 WHERE tenant_id = $1 AND livemode = $2 AND ikey = $3",
				   p, 5, &e)
		      : store_exec(db, "DELETE FROM idempotency_keys WHERE tenant_id = $1 AND"
				   " livemode = $2 AND ikey = $3 AND state = 'running'", p, 3, &e);
	if (rc < 0)
		log_error("idempotency key %s not recorded: %s", key, e.message);
}
