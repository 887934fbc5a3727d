/* invoiceitems.c - /v1/invoiceitems: create, retrieve, update, delete, list. */
#include "api/api.h"
#include "service/invoiceitem.h"

static int create(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_invoiceitem_create(out, &c->svc, c->params, e);
}

static int retrieve(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_invoiceitem_retrieve(out, &c->svc, c->id, e);
}

static int update(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_invoiceitem_update(out, &c->svc, c->id, c->params, e);
}

static int delete(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_invoiceitem_delete(out, &c->svc, c->id, e);
}

static int list(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_invoiceitem_list(out, &c->svc, c->params, e);
}

const struct api_route api_invoiceitem_routes[] = {
	{ "POST", "/v1/invoiceitems", create, 0 },
	{ "GET", "/v1/invoiceitems", list, 0 },
	{ "GET", "/v1/invoiceitems/:id", retrieve, API_NO_PARAMS },
	{ "POST", "/v1/invoiceitems/:id", update, 0 },
	{ "DELETE", "/v1/invoiceitems/:id", delete, API_NO_PARAMS },
	{ 0 },
};
