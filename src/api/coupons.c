/* coupons.c - /v1/coupons: create, retrieve, update, delete, list. */
#include "api/api.h"
#include "service/coupon.h"

static int create(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_coupon_create(out, &c->svc, c->params, e);
}

static int retrieve(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_coupon_retrieve(out, &c->svc, c->id, e);
}

static int update(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_coupon_update(out, &c->svc, c->id, c->params, e);
}

static int delete(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_coupon_delete(out, &c->svc, c->id, e);
}

static int list(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_coupon_list(out, &c->svc, c->params, e);
}

const struct api_route api_coupon_routes[] = {
	{ "POST", "/v1/coupons", create },
	{ "GET", "/v1/coupons", list },
	{ "GET", "/v1/coupons/:id", retrieve, API_NO_PARAMS },
	{ "POST", "/v1/coupons/:id", update },
	{ "DELETE", "/v1/coupons/:id", delete, API_NO_PARAMS },
	{ 0 },
};
