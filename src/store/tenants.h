/*
 * tenants.h - the tenants and api_keys tables.
 */
#ifndef RECUR_STORE_TENANTS_H
#define RECUR_STORE_TENANTS_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

int store_tenant_insert(struct store *db, const char *id, const char *name, int64_t created,
			struct recur_err *e);
/*
 * key_hash is the hex SHA-256 of the key; prefix its first characters, for
 * display; id (key_...) names the key where the secret must not appear (the
 * audit log).
 */
int store_api_key_insert(struct store *db, const char *id, const char *key_hash,
			 const char *tenant, int livemode, const char *prefix, int64_t created,
			 struct recur_err *e);
/*
 * Finds the tenant, mode and id of a key hash. Returns 1 and fills tenant and
 * key_id (cap bytes each) and *livemode when found, 0 when not, negative on
 * error.
 */
int store_api_key_find(struct store *db, const char *key_hash, char *tenant, char *key_id,
		       size_t cap, int *livemode, struct recur_err *e);

#endif
