/*
 * settings_row.h - a tenant's settings object kept as one JSON text row per
 * tenant and mode (dunning_settings.policy, payment_reference_settings.format):
 * stored as the endpoint renders it and parsed back by the same code that
 * validates a POST, so what is stored is always what a POST would accept.
 */
#ifndef RECUR_SERVICE_SETTINGS_ROW_H
#define RECUR_SERVICE_SETTINGS_ROW_H

#include "service/service.h"

/*
 * The stored object of s->scope in table.column into *out (a new reference),
 * or NULL when the tenant has none. table and column are recur's own
 * constants, never input.
 */
int svc_settings_row_read(json_t **out, struct svc *s, const char *table, const char *column,
			  struct recur_err *e);

/* Stores obj as the row of s->scope (inside the caller's transaction), dated s->now. */
int svc_settings_row_write(struct svc *s, const char *table, const char *column, const json_t *obj,
			   struct recur_err *e);

#endif
