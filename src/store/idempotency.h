/*
 * idempotency.h - the idempotency_keys table.
 *
 * The policy (what is replayed, what conflicts) lives in api/idempotency.c;
 * this is only how the records are kept.
 */
#ifndef RECUR_STORE_IDEMPOTENCY_H
#define RECUR_STORE_IDEMPOTENCY_H

#include <stdint.h>

#include "store/store.h"

/* api.md: a key and its response are kept for at least 24 hours. */
#define STORE_IDEM_TTL (24 * 3600)

/* Deletes up to batch keys created before cutoff; returns how many, or < 0. */
int store_idem_purge(struct store *db, int64_t cutoff, int batch, struct recur_err *e);

#endif
