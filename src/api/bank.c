/* bank.c - /v1/bank_statements and /v1/unmatched_payments (service/bank.h). */
#include "api/api.h"
#include "service/bank.h"

static int import(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_bank_statement_import(out, &c->svc, c->params, e);
}

static int list_unmatched(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_unmatched_payment_list(out, &c->svc, c->params, e);
}

static int retrieve_unmatched(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_unmatched_payment_retrieve(out, &c->svc, c->id, e);
}

static int assign(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_unmatched_payment_assign(out, &c->svc, c->id, c->params, e);
}

const struct api_route api_bank_routes[] = {
	{ "POST", "/v1/bank_statements", import },
	{ "GET", "/v1/unmatched_payments", list_unmatched },
	{ "GET", "/v1/unmatched_payments/:id", retrieve_unmatched, API_NO_PARAMS },
	{ "POST", "/v1/unmatched_payments/:id/assign", assign },
	{ 0 },
};
