/* promotion_codes.c - /v1/promotion_codes. */
#include "api/api.h"
#include "service/promotion_code.h"

static int create(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_promotion_code_create(out, &c->svc, c->params, e);
}

static int retrieve(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_promotion_code_retrieve(out, &c->svc, c->id, e);
}

static int update(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_promotion_code_update(out, &c->svc, c->id, c->params, e);
}

static int list(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_promotion_code_list(out, &c->svc, c->params, e);
}

const struct api_route api_promotion_code_routes[] = {
	{ "POST", "/v1/promotion_codes", create },
	{ "GET", "/v1/promotion_codes", list },
	{ "GET", "/v1/promotion_codes/:id", retrieve, API_NO_PARAMS },
	{ "POST", "/v1/promotion_codes/:id", update },
	{ 0 },
};
