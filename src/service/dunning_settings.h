/*
 * dunning_settings.h - the tenant's dunning policy (GET/POST
 * /v1/settings/dunning) and payment stops (POST /v1/customers/:id/payment_stop,
 * POST /v1/invoices/:id/payment_stop), recur's own endpoints.
 *
 * The settings object, as rendered and as accepted (every field optional on
 * POST; a POST changes what it names and keeps the rest):
 *
 *   retries[days][]            days after the first failure, increasing
 *   retries[final_action]      cancel | unpaid | leave_past_due
 *   reminders[count]           reminders of an unpaid send_invoice invoice
 *   reminders[first_days]      the first one, days after the due date
 *   reminders[interval_days]   between reminders
 *   reminders[fee][<currency>] fee per reminder, minor units ("" removes one)
 *   late_interest[annual_rate_bps]
 *
 * The whole policy is checked with billing_dunning_policy_check against
 * billing_dunning_limits_nordic (errors name the parameter, e.g.
 * reminders[fee][sek]). Hard decline codes are Stripe's (not settable yet).
 * No settings stored: billing_dunning_policy_default.
 */
#ifndef RECUR_SERVICE_DUNNING_SETTINGS_H
#define RECUR_SERVICE_DUNNING_SETTINGS_H

#include <stdbool.h>

#include "billing/dunning.h"
#include "service/service.h"

/* The tenant's policy (s->scope), or the default when it has none. */
int svc_dunning_policy_load(struct billing_dunning_policy *out, struct svc *s,
			    struct recur_err *e);

int svc_dunning_settings_get(json_t **out, struct svc *s, struct recur_err *e);
int svc_dunning_settings_update(json_t **out, struct svc *s, const json_t *p,
				struct recur_err *e);

/* Whether the invoice or its customer (either may be NULL) is under a payment stop. */
int svc_payment_stopped(bool *out, struct svc *s, const char *invoice, const char *customer,
			struct recur_err *e);

/*
 * POST /v1/{customers,invoices}/:id/payment_stop {enabled}: sets or lifts the
 * stop. Lifting reschedules the open invoices concerned (collection.h:
 * svc_collection_resume), so whatever fell due meanwhile runs at once.
 * *out is {object: "payment_stop", id, enabled}.
 */
int svc_payment_stop_set(json_t **out, struct svc *s, const char *id, bool customer,
			 const json_t *p, struct recur_err *e);

#endif
