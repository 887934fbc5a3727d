/*
 * ledger.c (api) - the receivables ledger, read only: a customer's ledger and
 * statement, and the aging report. Postings are written by the services whose
 * changes they record, never through an endpoint of their own.
 */
#include "api/api.h"
#include "service/ledger.h"

static int customer_ledger(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_ledger_customer(out, &c->svc, c->id, c->params, e);
}

static int statement(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_ledger_statement(out, &c->svc, c->id, c->params, e);
}

static int aging(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_ledger_aging(out, &c->svc, c->params, e);
}

const struct api_route api_ledger_routes[] = {
	{ "GET", "/v1/customers/:id/ledger", customer_ledger, 0 },
	{ "GET", "/v1/customers/:id/statement", statement, 0 },
	{ "GET", "/v1/reports/aging", aging, 0 },
	{ 0 },
};
