#include "service/tenant.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

static void key_hash(char hex[crypto_hash_sha256_BYTES * 2 + 1], const char *key)
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, (const unsigned char *)key, strlen(key));
	sodium_bin2hex(hex, crypto_hash_sha256_BYTES * 2 + 1, h, sizeof(h));
}

static int insert_key(struct store *db, const char *tenant, int live, int64_t now,
		      char *key_out, size_t cap, struct recur_err *e)
{
	char random[TENANT_KEY_RANDOM + 1];
	char hex[crypto_hash_sha256_BYTES * 2 + 1];
	char prefix[16];
	ids_random_base62(random, TENANT_KEY_RANDOM);
	snprintf(key_out, cap, "sk_%s_%s", live ? "live" : "test", random);
	snprintf(prefix, sizeof(prefix), "%.12s", key_out);
	key_hash(hex, key_out);
	struct store_val p[] = { SV_TEXT(hex), SV_TEXT(tenant), SV_INT(live), SV_TEXT(prefix),
				 SV_INT(now) };
	int rc = store_exec(db, "INSERT INTO api_keys (key_hash, tenant_id, livemode, key_prefix,"
			    " created) VALUES ($1, $2, $3, $4, $5)", p, 5, e);
	return rc < 0 ? rc : 0;
}

int svc_tenant_create(json_t **out, struct store *db, const char *name, int64_t now,
		      struct recur_err *e)
{
	char id[IDS_MAX], test_key[64], live_key[64];
	int rc;
	*out = NULL;
	if (!name || !*name || strlen(name) > 200)
		return err_invalid(e, "name", "A tenant needs a name of 1 to 200 characters");
	ids_new(id, sizeof(id), "acct");
	rc = store_begin(db, e);
	if (rc < 0)
		return rc;
	struct store_val p[] = { SV_TEXT(id), SV_TEXT(name), SV_INT(now) };
	rc = store_exec(db, "INSERT INTO tenants (id, name, created) VALUES ($1, $2, $3)", p, 3, e);
	if (rc < 0)
		goto done;
	rc = insert_key(db, id, 0, now, test_key, sizeof(test_key), e);
	if (rc < 0)
		goto done;
	rc = insert_key(db, id, 1, now, live_key, sizeof(live_key), e);
	if (rc < 0)
		goto done;
	rc = store_commit(db, e);
done:
	if (rc < 0) {
		store_rollback(db);
		return rc;
	}
	*out = json_pack("{s:s, s:s, s:s, s:s}", "id", id, "name", name, "secret_key", test_key,
			 "live_secret_key", live_key);
	return 0;
}

struct auth_reader {
	struct tenant_auth *out;
	int found;
};

static int read_auth(void *ctx, const struct store_row *row)
{
	struct auth_reader *r = ctx;
	snprintf(r->out->tenant, sizeof(r->out->tenant), "%s", store_row_text(row, 0, NULL));
	r->out->livemode = (int)store_row_int(row, 1);
	r->found = 1;
	return 1;
}

int svc_tenant_authenticate(struct tenant_auth *out, struct store *db, const char *key,
			    struct recur_err *e)
{
	char hex[crypto_hash_sha256_BYTES * 2 + 1];
	struct auth_reader r = { .out = out };
	if (!key || (strncmp(key, "sk_test_", 8) != 0 && strncmp(key, "sk_live_", 8) != 0) ||
	    strlen(key) > 128)
		goto unauthorized;
	key_hash(hex, key);
	struct store_val p[] = { SV_TEXT(hex) };
	int rc = store_query(db, "SELECT tenant_id, livemode FROM api_keys WHERE key_hash = $1",
			     p, 1, read_auth, &r, e);
	if (rc < 0)
		return rc;
	if (r.found)
		return 0;
unauthorized:
	return err_set(e, RECUR_EAUTH, 401, "invalid_request_error", NULL, NULL,
		       "Invalid API Key provided: %.12s****", key ? key : "");
}
