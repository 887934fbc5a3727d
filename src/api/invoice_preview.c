/*
 * invoice_preview.c - POST /v1/invoices/create_preview: the invoice a customer
 * or a subscription would get, with proposed changes, writing nothing. Its
 * table sits before the invoices' own, so "/v1/invoices/:id" does not take it.
 */
#include "api/api.h"
#include "service/subscription.h"

static int preview(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_subscription_preview(out, &c->svc, c->params, e);
}

const struct api_route api_invoice_preview_routes[] = {
	{ "POST", "/v1/invoices/create_preview", preview },
	{ 0 },
};
