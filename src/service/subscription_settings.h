/*
 * subscription_settings.h - the tenant's subscription notices (GET/POST
 * /v1/settings/subscriptions, recur's own; Stripe keeps the same setting in
 * its dashboard: "send upcoming renewal events X days before renewal").
 *
 * The settings object, as rendered and as accepted (every field optional on
 * POST; a POST changes what it names and keeps the rest):
 *
 *   invoice_upcoming_days  days before a renewal that invoice.upcoming is
 *                          sent (0 to SVC_UPCOMING_DAYS_MAX; 0, null or ""
 *                          turns it off). No settings stored: 7.
 */
#ifndef RECUR_SERVICE_SUBSCRIPTION_SETTINGS_H
#define RECUR_SERVICE_SUBSCRIPTION_SETTINGS_H

#include "service/service.h"

#define SVC_UPCOMING_DAYS_DEFAULT 7
#define SVC_UPCOMING_DAYS_MAX 365

/* The tenant's (s->scope) invoice_upcoming_days into *out; 0 is off. */
int svc_upcoming_days_load(int64_t *out, struct svc *s, struct recur_err *e);

int svc_subscription_settings_get(json_t **out, struct svc *s, struct recur_err *e);
int svc_subscription_settings_update(json_t **out, struct svc *s, const json_t *p,
				     struct recur_err *e);

#endif
