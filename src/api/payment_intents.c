/*
 * payment_intents.c - /v1/payment_intents, read-only: intents are made by
 * invoice collection (svc_payment_attempt).
 */
#include "api/api.h"
#include "service/payment_intent.h"

static int retrieve(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_payment_intent_retrieve(out, &c->svc, c->id, e);
}

static int list(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_payment_intent_list(out, &c->svc, c->params, e);
}

const struct api_route api_payment_intent_routes[] = {
	{ "GET", "/v1/payment_intents", list },
	{ "GET", "/v1/payment_intents/:id", retrieve, API_NO_PARAMS },
	{ 0 },
};
