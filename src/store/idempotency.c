#include "store/idempotency.h"

int store_idem_purge(struct store *db, int64_t cutoff, int batch, struct recur_err *e)
{
	struct store_val p[] = { SV_INT(cutoff), SV_INT(batch) };
	return store_exec(db, "DELETE FROM idempotency_keys WHERE (tenant_id, livemode, ikey) IN"
			  " (SELECT tenant_id, livemode, ikey FROM idempotency_keys"
			  " WHERE created < $1 LIMIT $2)", p, 2, e);
}
