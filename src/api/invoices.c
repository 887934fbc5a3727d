/*
 * invoices.c - /v1/invoices: create (manual), retrieve, update, delete (drafts),
 * list, lines, and the lifecycle: finalize, pay, void, mark_uncollectible, send.
 * POST /v1/invoices/create_preview belongs to the subscriptions' routes, which
 * router.c lists before these (otherwise it would match /v1/invoices/:id).
 */
#include "api/api.h"
#include "service/invoice.h"

static int create(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_invoice_create(out, &c->svc, c->params, e);
}

static int retrieve(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_invoice_retrieve(out, &c->svc, c->id, e);
}

static int update(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_invoice_update(out, &c->svc, c->id, c->params, e);
}

static int delete(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_invoice_delete(out, &c->svc, c->id, e);
}

static int list(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_invoice_list(out, &c->svc, c->params, e);
}

static int lines(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_invoice_lines(out, &c->svc, c->id, c->params, e);
}

static int finalize(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_invoice_finalize(out, &c->svc, c->id, c->params, e);
}

static int pay(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_invoice_pay(out, &c->svc, c->id, c->params, e);
}

static int void_invoice(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_invoice_void(out, &c->svc, c->id, c->params, e);
}

static int uncollectible(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_invoice_mark_uncollectible(out, &c->svc, c->id, c->params, e);
}

static int send(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_invoice_send(out, &c->svc, c->id, c->params, e);
}

const struct api_route api_invoice_routes[] = {
	{ "POST", "/v1/invoices", create, 0 },
	{ "GET", "/v1/invoices", list, 0 },
	{ "GET", "/v1/invoices/:id", retrieve, API_NO_PARAMS },
	{ "POST", "/v1/invoices/:id", update, 0 },
	{ "DELETE", "/v1/invoices/:id", delete, API_NO_PARAMS },
	{ "GET", "/v1/invoices/:id/lines", lines, 0 },
	{ "POST", "/v1/invoices/:id/finalize", finalize, 0 },
	{ "POST", "/v1/invoices/:id/pay", pay, 0 },
	{ "POST", "/v1/invoices/:id/void", void_invoice, API_NO_PARAMS },
	{ "POST", "/v1/invoices/:id/mark_uncollectible", uncollectible, API_NO_PARAMS },
	{ "POST", "/v1/invoices/:id/send", send, API_NO_PARAMS },
	{ 0 },
};
