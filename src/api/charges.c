/* charges.c - /v1/charges, read-only: charges are made by svc_payment_attempt. */
#include "api/api.h"
#include "service/charge.h"

static int retrieve(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_charge_retrieve(out, &c->svc, c->id, e);
}

static int list(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_charge_list(out, &c->svc, c->params, e);
}

const struct api_route api_charge_routes[] = {
	{ "GET", "/v1/charges", list },
	{ "GET", "/v1/charges/:id", retrieve, API_NO_PARAMS },
	{ 0 },
};
