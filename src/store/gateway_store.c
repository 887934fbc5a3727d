#include "store/gateway_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct found_reader {
	struct store_sandbox_found *out;
	int found;
};

static int read_found(void *ctx, const struct store_row *row)
{
	struct found_reader *r = ctx;
	size_t len = 0;
	const char *outcome;
	snprintf(r->out->kind, sizeof(r->out->kind), "%s", store_row_text(row, 0, NULL));
	snprintf(r->out->request, sizeof(r->out->request), "%s", store_row_text(row, 1, NULL));
	snprintf(r->out->status, sizeof(r->out->status), "%s", store_row_text(row, 2, NULL));
	r->out->amount = store_row_int(row, 3);
	outcome = store_row_text(row, 4, &len);
	r->out->outcome = outcome ? json_loadb(outcome, len, 0, NULL) : NULL;
	r->found = 1;
	return 1;
}

int store_sandbox_attempt_find(struct store_sandbox_found *out, struct store *db,
			       const struct store_scope *sc, const char *key,
			       struct recur_err *e)
{
	struct found_reader r = { .out = out };
	struct store_val p[] = { SV_TEXT(sc->tenant), SV_INT(sc->livemode), SV_TEXT(key) };
	memset(out, 0, sizeof(*out));
	int rc = store_query(db, "SELECT kind, request, status, amount, outcome"
			     " FROM gateway_sandbox_attempts WHERE tenant_id = $1 AND livemode = $2"
			     " AND idempotency_key = $3", p, 3, read_found, &r, e);
	if (rc < 0)
		return rc;
	if (r.found && !out->outcome)
		return err_internal(e, "gateway_sandbox_attempts: unreadable outcome for %s", key);
	return r.found;
}

int store_sandbox_attempt_insert(struct store *db, const struct store_scope *sc,
				 const struct store_sandbox_attempt *a, struct recur_err *e)
{
	char *outcome = json_dumps(a->outcome, JSON_COMPACT | JSON_SORT_KEYS);
	if (!outcome)
		return err_internal(e, "cannot encode a sandbox outcome");
	struct store_val p[] = { SV_TEXT(sc->tenant), SV_INT(sc->livemode), SV_TEXT(a->key),
				 SV_TEXT(a->kind), SV_TEXT(a->request), SV_TEXT(a->charge_key),
				 SV_INT(a->amount), SV_TEXT(a->status), SV_TEXT(outcome),
				 SV_INT(a->created) };
	int rc = store_exec(db, "INSERT INTO gateway_sandbox_attempts (tenant_id, livemode,"
			    " idempotency_key, kind, request, charge_key, amount, status, outcome,"
			    " created) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)", p, 10, e);
	free(outcome);
	return rc < 0 ? rc : 0;
}

int store_sandbox_refunded(int64_t *out, struct store *db, const struct store_scope *sc,
			   const char *charge_key, struct recur_err *e)
{
	struct store_val p[] = { SV_TEXT(sc->tenant), SV_INT(sc->livemode), SV_TEXT(charge_key) };
	return store_query_int(out, NULL, db, "SELECT COALESCE(SUM(amount), 0)"
			       " FROM gateway_sandbox_attempts WHERE tenant_id = $1 AND livemode = $2"
			       " AND charge_key = $3 AND kind = 'refund' AND status = 'succeeded'",
			       p, 3, e);
}
