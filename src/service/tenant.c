#include "service/tenant.h"
#include "service/audit.h"
#include "store/tenants.h"

#include <pthread.h>
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
		      char *key_out, size_t cap, char id[IDS_MAX], struct recur_err *e)
{
	char random[TENANT_KEY_RANDOM + 1];
	char hex[crypto_hash_sha256_BYTES * 2 + 1];
	char prefix[16];
	ids_random_base62(random, TENANT_KEY_RANDOM);
	snprintf(key_out, cap, "sk_%s_%s", live ? "live" : "test", random);
	snprintf(prefix, sizeof(prefix), "%.12s", key_out);
	key_hash(hex, key_out);
	ids_new(id, IDS_MAX, "key");
	return store_api_key_insert(db, id, hex, tenant, live, prefix, now, e);
}

/* The creation's audit entry in both modes: each mode's log starts with it. */
static int audit_create(struct store *db, const char *id, const char *name, const char *test_id,
			const char *live_id, int64_t now, struct recur_err *e)
{
	json_t *diff = json_pack("{s:{s:s, s:[], s:n, s:{s:s, s:s, s:s, s:s}}}", id, "object",
				 "tenant", "events", "before", "after", "id", id, "name", name,
				 "secret_key_id", test_id, "live_secret_key_id", live_id);
	int rc = diff ? 0 : err_internal(e, "out of memory");
	for (int live = 0; live <= 1 && rc == 0; live++) {
		struct svc s = { .db = db, .scope = { .tenant = id, .livemode = live }, .now = now };
		struct svc_audit_entry a = { .actor = "cli", .action = "create",
					     .object_type = "tenant", .object_id = id };
		rc = svc_audit_write(&s, &a, NULL, diff, e);
	}
	json_decref(diff);
	return rc;
}

int svc_tenant_create(json_t **out, struct store *db, const char *name, int64_t now,
		      struct recur_err *e)
{
	char id[IDS_MAX], test_key[64], live_key[64], test_id[IDS_MAX], live_id[IDS_MAX];
	int rc;
	*out = NULL;
	if (!name || !*name || strlen(name) > 200)
		return err_invalid(e, "name", "A tenant needs a name of 1 to 200 characters");
	ids_new(id, sizeof(id), "acct");
	rc = store_begin(db, e);
	if (rc < 0)
		return rc;
	if ((rc = store_tenant_insert(db, id, name, now, e)) < 0 ||
	    (rc = insert_key(db, id, 0, now, test_key, sizeof(test_key), test_id, e)) < 0 ||
	    (rc = insert_key(db, id, 1, now, live_key, sizeof(live_key), live_id, e)) < 0 ||
	    (rc = audit_create(db, id, name, test_id, live_id, now, e)) < 0)
		goto done;
	rc = store_commit(db, e);
done:
	if (rc < 0) {
		store_rollback(db);
		return rc;
	}
	*out = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "id", id, "name", name, "secret_key",
			 test_key, "live_secret_key", live_key, "secret_key_id", test_id,
			 "live_secret_key_id", live_id);
	return 0;
}

/*
 * Keys that authenticated once, by hash. Only hits are cached, so a key created
 * while the server runs is found in the database on its first use; keys cannot
 * be revoked yet, so a hit never goes stale (revocation must clear this cache).
 * A lookup costs a hash and a read lock instead of a query.
 */
#define AUTH_CACHE_SLOTS 1024

struct auth_slot {
	char hash[crypto_hash_sha256_BYTES * 2 + 1];
	struct tenant_auth auth;
};

static struct auth_slot auth_cache[AUTH_CACHE_SLOTS];
static pthread_rwlock_t auth_lock = PTHREAD_RWLOCK_INITIALIZER;

/* The hash is uniformly random: its first hex digits pick the slot. */
static size_t slot_of(const char *hex)
{
	size_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v * 16 + (size_t)(hex[i] <= '9' ? hex[i] - '0' : hex[i] - 'a' + 10);
	return v % AUTH_CACHE_SLOTS;
}

static int cache_get(struct tenant_auth *out, const char *hex)
{
	struct auth_slot *slot = &auth_cache[slot_of(hex)];
	int hit = 0;
	pthread_rwlock_rdlock(&auth_lock);
	if (strcmp(slot->hash, hex) == 0) {
		*out = slot->auth;
		hit = 1;
	}
	pthread_rwlock_unlock(&auth_lock);
	return hit;
}

static void cache_put(const char *hex, const struct tenant_auth *auth)
{
	struct auth_slot *slot = &auth_cache[slot_of(hex)];
	pthread_rwlock_wrlock(&auth_lock);
	memcpy(slot->hash, hex, sizeof(slot->hash));
	slot->auth = *auth;
	pthread_rwlock_unlock(&auth_lock);
}

int svc_tenant_authenticate(struct tenant_auth *out, struct store *db, const char *key,
			    struct recur_err *e)
{
	char hex[crypto_hash_sha256_BYTES * 2 + 1];
	if (!key || (strncmp(key, "sk_test_", 8) != 0 && strncmp(key, "sk_live_", 8) != 0) ||
	    strlen(key) > 128)
		goto unauthorized;
	key_hash(hex, key);
	if (cache_get(out, hex))
		return 0;
	int rc = store_api_key_find(db, hex, out->tenant, out->key_id, sizeof(out->tenant),
				    &out->livemode, e);
	if (rc < 0)
		return rc;
	if (rc == 1) {
		cache_put(hex, out);
		return 0;
	}
unauthorized:
	return err_set(e, RECUR_EAUTH, 401, "invalid_request_error", NULL, NULL,
		       "Invalid API Key provided: %.12s****", key ? key : "");
}
