/*
 * settings.c (api) - recur's own settings endpoints: the tenant's dunning policy
 * and payment stops (service/dunning_settings.h), and its payment reference
 * format (service/payment_reference_settings.h), and its subscription notices
 * (service/subscription_settings.h).
 */
#include "api/api.h"
#include "service/dunning_settings.h"
#include "service/payment_reference_settings.h"
#include "service/subscription_settings.h"

static int dunning_get(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_dunning_settings_get(out, &c->svc, e);
}

static int dunning_update(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_dunning_settings_update(out, &c->svc, c->params, e);
}

static int payref_get(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_payref_settings_get(out, &c->svc, e);
}

static int payref_update(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_payref_settings_update(out, &c->svc, c->params, e);
}

static int subscription_get(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_subscription_settings_get(out, &c->svc, e);
}

static int subscription_update(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_subscription_settings_update(out, &c->svc, c->params, e);
}

static int customer_stop(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_payment_stop_set(out, &c->svc, c->id, true, c->params, e);
}

static int invoice_stop(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_payment_stop_set(out, &c->svc, c->id, false, c->params, e);
}

const struct api_route api_settings_routes[] = {
	{ "GET", "/v1/settings/dunning", dunning_get, API_NO_PARAMS },
	{ "POST", "/v1/settings/dunning", dunning_update, 0 },
	{ "GET", "/v1/settings/payment_references", payref_get, API_NO_PARAMS },
	{ "POST", "/v1/settings/payment_references", payref_update, 0 },
	{ "GET", "/v1/settings/subscriptions", subscription_get, API_NO_PARAMS },
	{ "POST", "/v1/settings/subscriptions", subscription_update, 0 },
	{ "POST", "/v1/customers/:id/payment_stop", customer_stop, 0 },
	{ "POST", "/v1/invoices/:id/payment_stop", invoice_stop, 0 },
	{ 0 },
};
