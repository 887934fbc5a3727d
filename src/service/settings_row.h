/*
 * settings_row.h - a tenant's settings object kept as one JSON text row per
 * tenant and mode (dunning_settings.policy, payment_reference_settings.format):
 * stored as the endpoint renders it and parsed back by the same code that
 * validates a POST, so what is stored is always what a POST would accept.
 *
 * A kind of settings says where it lives and how its value (a struct of the
 * kind's own) is defaulted, changed by a POST or a stored object, checked as
 * a whole, and rendered; the load, GET and POST around it are shared.
 */
#ifndef RECUR_SERVICE_SETTINGS_ROW_H
#define RECUR_SERVICE_SETTINGS_ROW_H

#include "service/service.h"

struct svc_settings_kind {
	const char *table;  /* recur's own constants, never input */
	const char *column;
	const char *what;   /* for the message when a stored row does not parse */
	void (*init)(void *value);                                       /* the default */
	int (*apply)(void *value, const json_t *p, struct recur_err *e); /* what p names */
	int (*check)(const void *value, struct recur_err *e);  /* the whole; may be NULL */
	json_t *(*render)(const void *value, int livemode);
};

/* The tenant's value (s->scope) into value, or the kind's default when it has none. */
int svc_settings_load(void *value, struct svc *s, const struct svc_settings_kind *k,
		      struct recur_err *e);

/* GET: the value rendered (value is the caller's scratch of the kind's type). */
int svc_settings_get(json_t **out, struct svc *s, const struct svc_settings_kind *k, void *value,
		     struct recur_err *e);

/*
 * POST: the stored value with what p names applied, checked, stored and
 * rendered, in one transaction; a refusal changes nothing.
 */
int svc_settings_update(json_t **out, struct svc *s, const struct svc_settings_kind *k,
			void *value, const json_t *p, struct recur_err *e);

#endif
