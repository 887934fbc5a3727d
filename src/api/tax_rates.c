/*
 * tax_rates.c - /v1/tax_rates: create, retrieve, update, list.
 *
 * No DELETE route, as in Stripe: a tax rate is archived with POST
 * /v1/tax_rates/:id active=false, so DELETE gets the router's 404.
 */
#include "api/api.h"
#include "service/tax_rate.h"

static int create(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_tax_rate_create(out, &c->svc, c->params, e);
}

static int retrieve(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_tax_rate_retrieve(out, &c->svc, c->id, e);
}

static int update(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_tax_rate_update(out, &c->svc, c->id, c->params, e);
}

static int list(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_tax_rate_list(out, &c->svc, c->params, e);
}

const struct api_route api_tax_rate_routes[] = {
	{ "POST", "/v1/tax_rates", create },
	{ "GET", "/v1/tax_rates", list },
	{ "GET", "/v1/tax_rates/:id", retrieve, API_NO_PARAMS },
	{ "POST", "/v1/tax_rates/:id", update },
	{ 0 },
};
