/* products.c - /v1/products: create, retrieve, update, delete, list. */
#include "api/api.h"
#include "service/product.h"

static int create(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_product_create(out, &c->svc, c->params, e);
}

static int retrieve(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_product_retrieve(out, &c->svc, c->id, e);
}

static int update(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_product_update(out, &c->svc, c->id, c->params, e);
}

static int delete(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_product_delete(out, &c->svc, c->id, e);
}

static int list(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_product_list(out, &c->svc, c->params, e);
}

const struct api_route api_product_routes[] = {
	{ "POST", "/v1/products", create },
	{ "GET", "/v1/products", list },
	{ "GET", "/v1/products/:id", retrieve, API_NO_PARAMS },
	{ "POST", "/v1/products/:id", update },
	{ "DELETE", "/v1/products/:id", delete, API_NO_PARAMS },
	{ 0 },
};
