/*
 * tenant.h - businesses (tenants) and their secret API keys.
 *
 * A tenant has a test key and a live key; the key a request carries chooses
 * the tenant and the mode, so test and live data never mix. Keys are shown
 * once, at creation, and stored only as SHA-256 hashes.
 */
#ifndef RECUR_SERVICE_TENANT_H
#define RECUR_SERVICE_TENANT_H

#include <jansson.h>

#include "core/err.h"
#include "core/ids.h"
#include "store/store.h"

#define TENANT_KEY_RANDOM 32 /* base62 characters after sk_test_ / sk_live_ */

/* The tenant a key belongs to, for the length of one request. */
struct tenant_auth {
	char tenant[IDS_MAX];
	char key_id[IDS_MAX]; /* key_..., the key's name in the audit log */
	int livemode;
};

/*
 * Creates a tenant with a fresh test and live key. *out (new reference) is
 * {"id", "name", "secret_key", "live_secret_key", "secret_key_id",
 * "live_secret_key_id"}: the only time the keys exist in clear (their ids
 * name them in the audit log). An audit entry (actor cli) records the
 * creation in each mode.
 */
int svc_tenant_create(json_t **out, struct store *db, const char *name, int64_t now,
		      struct recur_err *e);

/* Resolves a secret key. Unknown or malformed keys give RECUR_EAUTH (401). */
int svc_tenant_authenticate(struct tenant_auth *out, struct store *db, const char *key,
			    struct recur_err *e);

#endif
