/*
 * payment_methods.c - /v1/payment_methods (+ /attach, /detach) and
 * /v1/customers/:id/payment_methods.
 */
#include "api/api.h"
#include "service/payment_method.h"

static int create(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_payment_method_create(out, &c->svc, c->params, e);
}

static int retrieve(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_payment_method_retrieve(out, &c->svc, c->id, e);
}

static int update(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_payment_method_update(out, &c->svc, c->id, c->params, e);
}

static int attach(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_payment_method_attach(out, &c->svc, c->id, c->params, e);
}

static int detach(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_payment_method_detach(out, &c->svc, c->id, c->params, e);
}

static int list(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_payment_method_list(out, &c->svc, c->params, e);
}

static int list_customer(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_payment_method_list_customer(out, &c->svc, c->id, c->params, e);
}

const struct api_route api_payment_method_routes[] = {
	{ "POST", "/v1/payment_methods", create },
	{ "GET", "/v1/payment_methods", list },
	{ "GET", "/v1/payment_methods/:id", retrieve, API_NO_PARAMS },
	{ "POST", "/v1/payment_methods/:id", update },
	{ "POST", "/v1/payment_methods/:id/attach", attach },
	{ "POST", "/v1/payment_methods/:id/detach", detach },
	{ "GET", "/v1/customers/:id/payment_methods", list_customer },
	{ 0 },
};
