/*
 * idempotency.h - Idempotency-Key handling, per tenant and mode.
 *
 * The first request with a key records it as running; when it ends its status
 * and body are stored and replayed to every retry for 24 hours. The same key
 * with other parameters is a 400 idempotency_error; the same key while the first
 * request still runs is a 409. Only results of requests that began executing
 * are kept (2xx and 402): a request rejected as invalid may be retried corrected.
 */
#ifndef RECUR_API_IDEMPOTENCY_H
#define RECUR_API_IDEMPOTENCY_H

#include <stdint.h>

#include "core/err.h"
#include "store/objects.h"

#define IDEM_MAX_KEY 255
#define IDEM_TTL (24 * 3600)
/* A "running" record older than this belongs to a request that died (crash). */
#define IDEM_ABANDONED 60

/*
 * Claims key for a request with hash. Returns 0 when the caller should run the
 * request, 1 when *status and *body (malloc'd, caller frees) hold the response
 * to replay, negative with e filled otherwise.
 */
int idem_claim(struct store *db, const struct store_scope *sc, const char *key,
	       const char *hash, int64_t now, int *status, char **body, struct recur_err *e);

/*
 * Records the response of a claimed request, or releases the key if it is not
 * kept. The server calls it inside the request's transaction for an answer
 * that is kept, so the change and its stored answer commit together.
 */
void idem_complete(struct store *db, const struct store_scope *sc, const char *key, int status,
		   const char *body);

#endif
