/*
 * webhook_policy.h - the pure rules of webhook delivery: the signature a
 * receiver checks, and when a failed delivery is tried again or given up.
 *
 * No I/O and no clock: times are arguments, randomness (the jitter) too, so
 * tests/jobs/test_webhook_policy.c can pin every case.
 */
#ifndef RECUR_JOBS_WEBHOOK_POLICY_H
#define RECUR_JOBS_WEBHOOK_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "service/webhook.h"

/* "t=" + 20 digits + ",v1=" + 64 hex + NUL fits. */
#define WEBHOOK_SIGNATURE_MAX 96

#define WEBHOOK_BACKOFF_BASE_MS 60000      /* 1 minute after the first failure */
#define WEBHOOK_BACKOFF_CAP_FACTOR 60      /* at most 60 bases apart: 1 hour */
#define WEBHOOK_RETRY_WINDOW (3 * 86400)   /* api.md: retried for up to 3 days */

/*
 * The Stripe-Signature header value for body sent at t: "t=<t>,v1=<hex>",
 * hex = HMAC-SHA256 keyed with the whole secret ("whsec_..." as text, as
 * Stripe's libraries use it) over "<t>.<body>". Returns 0, or -1 when out is
 * too small or the input too large to sign.
 */
int webhook_signature(char *out, size_t cap, const char *secret, int64_t t, const char *body,
		      size_t len);

/*
 * Milliseconds to wait after the attempts-th failed attempt (1 = the first):
 * base, 2 base, 4 base, ... capped at WEBHOOK_BACKOFF_CAP_FACTOR bases, plus
 * a jitter of up to a quarter of that taken from rnd, so receivers that come
 * back are not hit by every sender in the same second.
 */
int64_t webhook_backoff_ms(int64_t attempts, int64_t base_ms, uint32_t rnd);

/*
 * What an attempt that got status (0: no answer) means. 2xx: succeeded.
 * Otherwise retried at *next_at (Unix seconds, now + the backoff rounded up to
 * a whole second) while now is within window seconds of the first attempt
 * (first_at, 0 when this was it), then failed.
 */
enum svc_webhook_outcome webhook_outcome(int64_t *next_at, int status, int64_t attempts,
					 int64_t first_at, int64_t now, int64_t window,
					 int64_t base_ms, uint32_t rnd);

#endif
