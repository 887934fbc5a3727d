/* prices.c - /v1/prices: create, retrieve, update, list (prices are never deleted). */
#include "api/api.h"
#include "service/price.h"

static int create(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_price_create(out, &c->svc, c->params, e);
}

static int retrieve(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_price_retrieve(out, &c->svc, c->id, e);
}

static int update(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_price_update(out, &c->svc, c->id, c->params, e);
}

static int list(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_price_list(out, &c->svc, c->params, e);
}

const struct api_route api_price_routes[] = {
	{ "POST", "/v1/prices", create },
	{ "GET", "/v1/prices", list },
	{ "GET", "/v1/prices/:id", retrieve, API_NO_PARAMS },
	{ "POST", "/v1/prices/:id", update },
	{ 0 },
};
