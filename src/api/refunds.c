/* refunds.c - /v1/refunds: create (full or partial), retrieve, update metadata, list. */
#include "api/api.h"
#include "service/refund.h"

static int create(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_refund_create(out, &c->svc, c->params, e);
}

static int retrieve(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_refund_retrieve(out, &c->svc, c->id, e);
}

static int update(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_refund_update(out, &c->svc, c->id, c->params, e);
}

static int list(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_refund_list(out, &c->svc, c->params, e);
}

const struct api_route api_refund_routes[] = {
	{ "POST", "/v1/refunds", create },
	{ "GET", "/v1/refunds", list },
	{ "GET", "/v1/refunds/:id", retrieve, API_NO_PARAMS },
	{ "POST", "/v1/refunds/:id", update },
	{ 0 },
};
