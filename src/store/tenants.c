#include "store/tenants.h"

#include <stdio.h>

int store_tenant_insert(struct store *db, const char *id, const char *name, int64_t created,
			struct recur_err *e)
{
	struct store_val p[] = { SV_TEXT(id), SV_TEXT(name), SV_INT(created) };
	int rc = store_exec(db, "INSERT INTO tenants (id, name, created) VALUES ($1, $2, $3)",
			    p, 3, e);
	return rc < 0 ? rc : 0;
}

int store_api_key_insert(struct store *db, const char *id, const char *key_hash,
			 const char *tenant, int livemode, const char *prefix, int64_t created,
			 struct recur_err *e)
{
	struct store_val p[] = { SV_TEXT(key_hash), SV_TEXT(tenant), SV_INT(livemode),
				 SV_TEXT(prefix), SV_INT(created), SV_TEXT(id) };
	int rc = store_exec(db, "INSERT INTO api_keys (key_hash, tenant_id, livemode, key_prefix,"
			    " created, id) VALUES ($1, $2, $3, $4, $5, $6)", p, 6, e);
	return rc < 0 ? rc : 0;
}

struct key_reader {
	char *tenant, *key_id;
	size_t cap;
	int *livemode;
	int found;
};

static int read_key(void *ctx, const struct store_row *row)
{
	struct key_reader *r = ctx;
	snprintf(r->tenant, r->cap, "%s", store_row_text(row, 0, NULL));
	*r->livemode = (int)store_row_int(row, 1);
	snprintf(r->key_id, r->cap, "%s", store_row_text(row, 2, NULL));
	r->found = 1;
	return 1;
}

int store_api_key_find(struct store *db, const char *key_hash, char *tenant, char *key_id,
		       size_t cap, int *livemode, struct recur_err *e)
{
	struct key_reader r = { .tenant = tenant, .key_id = key_id, .cap = cap,
				.livemode = livemode };
	struct store_val p[] = { SV_TEXT(key_hash) };
	int rc = store_query(db, "SELECT tenant_id, livemode, id FROM api_keys WHERE key_hash = $1",
			     p, 1, read_key, &r, e);
	return rc < 0 ? rc : r.found;
}
