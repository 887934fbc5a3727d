/*
 * settings.c (api) - recur's own endpoints for dunning (service/dunning_settings.h):
 * the tenant's policy, and payment stops on a customer or an invoice.
 */
#include "api/api.h"
#include "service/dunning_settings.h"

static int dunning_get(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_dunning_settings_get(out, &c->svc, e);
}

static int dunning_update(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_dunning_settings_update(out, &c->svc, c->params, e);
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
	{ "POST", "/v1/customers/:id/payment_stop", customer_stop, 0 },
	{ "POST", "/v1/invoices/:id/payment_stop", invoice_stop, 0 },
	{ 0 },
};
