/*
 * gateway_store.h - the sandbox gateway's record of attempts
 * (gateway_sandbox_attempts), standing in for a payment provider's memory.
 *
 * One row per (tenant, mode, idempotency key): what was asked and what was
 * answered. Rows are written in the caller's transaction and never changed.
 */
#ifndef RECUR_STORE_GATEWAY_STORE_H
#define RECUR_STORE_GATEWAY_STORE_H

#include <jansson.h>
#include <stdint.h>

#include "store/objects.h"
#include "store/store.h"

#define STORE_SANDBOX_REQUEST_MAX 640

struct store_sandbox_attempt {
	const char *key;
	const char *kind;       /* "charge" or "refund" */
	const char *request;    /* a canonical text of the call's arguments */
	const char *charge_key; /* refunds: the key of the charge refunded; else NULL */
	int64_t amount;
	const char *status;     /* "succeeded", "declined", "failed" */
	const json_t *outcome;  /* the result as JSON */
	int64_t created;
};

/* The found attempt; strings live in the struct, outcome is a new reference. */
struct store_sandbox_found {
	char kind[8];
	char request[STORE_SANDBOX_REQUEST_MAX];
	char status[16];
	int64_t amount;
	json_t *outcome;
};

/*
 * Looks key up. Returns 1 and fills *out (release out->outcome with
 * json_decref) when found, 0 when not, negative on error.
 */
int store_sandbox_attempt_find(struct store_sandbox_found *out, struct store *db,
			       const struct store_scope *sc, const char *key,
			       struct recur_err *e);

/* Inserts a. RECUR_ECONFLICT if the key exists. */
int store_sandbox_attempt_insert(struct store *db, const struct store_scope *sc,
				 const struct store_sandbox_attempt *a, struct recur_err *e);

/* The sum of the succeeded refunds of the charge with key charge_key. */
int store_sandbox_refunded(int64_t *out, struct store *db, const struct store_scope *sc,
			   const char *charge_key, struct recur_err *e);

#endif
