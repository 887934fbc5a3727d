#include "jobs/webhook_policy.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

int webhook_signature(char *out, size_t cap, const char *secret, int64_t t, const char *body,
		      size_t len)
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	char prefix[32], hex[2 * crypto_auth_hmacsha256_BYTES + 1];
	crypto_auth_hmacsha256_state st;
	int plen = snprintf(prefix, sizeof(prefix), "%" PRId64 ".", t);
	if (plen < 0 || (size_t)plen >= sizeof(prefix))
		return -1;
	/* the key is the secret's text, whsec_ prefix included, as Stripe's SDKs take it */
	if (crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret)) != 0 ||
	    crypto_auth_hmacsha256_update(&st, (const unsigned char *)prefix, (size_t)plen) != 0 ||
	    crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, len) != 0 ||
	    crypto_auth_hmacsha256_final(&st, mac) != 0)
		return -1;
	sodium_bin2hex(hex, sizeof(hex), mac, sizeof(mac));
	int n = snprintf(out, cap, "t=%" PRId64 ",v1=%s", t, hex);
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

int64_t webhook_backoff_ms(int64_t attempts, int64_t base_ms, uint32_t rnd)
{
	int64_t cap = base_ms * WEBHOOK_BACKOFF_CAP_FACTOR;
	int64_t d = base_ms;
	for (int64_t i = 1; i < attempts && d < cap; i++)
		d *= 2;
	if (d > cap)
		d = cap;
	/* jitter in [0, d/4]: integer division truncates, a millisecond either way is moot */
	return d + (d / 4) * (int64_t)(rnd % 1001) / 1000;
}

enum svc_webhook_outcome webhook_outcome(int64_t *next_at, int status, int64_t attempts,
					 int64_t first_at, int64_t now, int64_t window,
					 int64_t base_ms, uint32_t rnd)
{
	*next_at = 0;
	if (status >= 200 && status <= 299)
		return SVC_WEBHOOK_SUCCEEDED;
	if (now - (first_at ? first_at : now) >= window)
		return SVC_WEBHOOK_FAILED;
	/* rounded up: the queue is kept in whole seconds, and never sooner than asked */
	*next_at = now + (webhook_backoff_ms(attempts, base_ms, rnd) + 999) / 1000;
	return SVC_WEBHOOK_RETRY;
}
