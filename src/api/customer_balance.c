/*
 * customer_balance.c - /v1/customers/:id/balance_transactions: the customer's
 * credit balance, adjusted by hand (create), read, and annotated (update).
 */
#include "api/api.h"
#include "service/balance.h"

static int create(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_balance_create(out, &c->svc, c->id, c->params, e);
}

static int retrieve(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_balance_retrieve(out, &c->svc, c->id, c->id2, e);
}

static int update(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_balance_update(out, &c->svc, c->id, c->id2, c->params, e);
}

static int list(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_balance_list(out, &c->svc, c->id, c->params, e);
}

const struct api_route api_customer_balance_routes[] = {
	{ "POST", "/v1/customers/:id/balance_transactions", create, 0 },
	{ "GET", "/v1/customers/:id/balance_transactions", list, 0 },
	{ "GET", "/v1/customers/:id/balance_transactions/:txn", retrieve, API_NO_PARAMS },
	{ "POST", "/v1/customers/:id/balance_transactions/:txn", update, 0 },
	{ 0 },
};
