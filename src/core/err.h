/*
 * err.h - the one error type every fallible function fills.
 *
 * Functions that can fail return int (0 ok, negative on error) and fill a
 * caller-owned struct recur_err. The fields map one to one onto Stripe's error
 * object, so the API layer renders an error without translating it.
 */
#ifndef RECUR_CORE_ERR_H
#define RECUR_CORE_ERR_H

#include <stdarg.h>

enum {
	RECUR_OK = 0,
	RECUR_EINVAL = -1,    /* bad input: 400 */
	RECUR_ENOTFOUND = -2, /* 404 */
	RECUR_ECONFLICT = -3, /* 409 */
	RECUR_EOVERFLOW = -4, /* arithmetic overflow, reported as bad input */
	RECUR_EAUTH = -5,     /* 401 */
	RECUR_EINTERNAL = -6, /* 500: a bug or the database failed */
	RECUR_ETOOBIG = -7,   /* 413 */
	RECUR_ECARD = -8,     /* 402 */
	RECUR_EBUSY = -9      /* 429 or retryable contention */
};

struct recur_err {
	int status;          /* HTTP status to answer with */
	char type[32];       /* invalid_request_error, api_error, idempotency_error, card_error */
	char code[48];       /* resource_missing, parameter_unknown, ... or empty */
	char param[128];     /* the offending parameter, bracketed as the client sent it */
	char decline_code[48]; /* card_error only: the issuer's reason (insufficient_funds, ...) */
	char message[512];
};

/* Clears an error to "no error". */
void err_clear(struct recur_err *e);

/*
 * Fills e and returns rc, so callers can write `return err_set(e, ...)`.
 * param and code may be NULL. The message is printf-formatted and truncated
 * to fit.
 */
int err_set(struct recur_err *e, int rc, int status, const char *type,
	    const char *code, const char *param, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));

/* Shorthands for the common cases. */
int err_invalid(struct recur_err *e, const char *param, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int err_missing(struct recur_err *e, const char *param, const char *kind,
		const char *id);
int err_internal(struct recur_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
