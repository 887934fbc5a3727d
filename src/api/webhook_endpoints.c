/*
 * webhook_endpoints.c - /v1/webhook_endpoints (create, retrieve, update,
 * delete, list) and GET /v1/events/:id/deliveries, recur's own view of
 * what became of an event's webhooks (docs/webhooks.md).
 */
#include "api/api.h"
#include "service/webhook.h"

static int create(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_webhook_endpoint_create(out, &c->svc, c->params, e);
}

static int retrieve(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_webhook_endpoint_retrieve(out, &c->svc, c->id, e);
}

static int update(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_webhook_endpoint_update(out, &c->svc, c->id, c->params, e);
}

static int delete(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_webhook_endpoint_delete(out, &c->svc, c->id, e);
}

static int list(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_webhook_endpoint_list(out, &c->svc, c->params, e);
}

static int deliveries(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_webhook_deliveries(out, &c->svc, c->id, e);
}

const struct api_route api_webhook_routes[] = {
	{ "POST", "/v1/webhook_endpoints", create },
	{ "GET", "/v1/webhook_endpoints", list },
	{ "GET", "/v1/webhook_endpoints/:id", retrieve, API_NO_PARAMS },
	{ "POST", "/v1/webhook_endpoints/:id", update },
	{ "DELETE", "/v1/webhook_endpoints/:id", delete, API_NO_PARAMS },
	{ "GET", "/v1/events/:id/deliveries", deliveries, API_NO_PARAMS },
	{ 0 },
};
