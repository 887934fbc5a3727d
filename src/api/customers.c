/* customers.c - /v1/customers: create, retrieve, update, delete, list, search. */
#include "api/api.h"
#include "service/customer.h"

static int create(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_customer_create(out, &c->svc, c->params, e);
}

static int retrieve(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_customer_retrieve(out, &c->svc, c->id, e);
}

static int update(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_customer_update(out, &c->svc, c->id, c->params, e);
}

static int delete(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_customer_delete(out, &c->svc, c->id, e);
}

static int list(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_customer_list(out, &c->svc, c->params, e);
}

static int search(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_customer_search(out, &c->svc, c->params, e);
}

const struct api_route api_customer_routes[] = {
	{ "GET", "/v1/customers/search", search },
	{ "POST", "/v1/customers", create },
	{ "GET", "/v1/customers", list },
	{ "GET", "/v1/customers/:id", retrieve, API_NO_PARAMS },
	{ "POST", "/v1/customers/:id", update },
	{ "DELETE", "/v1/customers/:id", delete, API_NO_PARAMS },
	{ 0 },
};
