/* test_clocks.c - /v1/test_helpers/test_clocks: simulated time. */
#include "api/api.h"
#include "service/test_clock.h"

static int create(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_test_clock_create(out, &c->svc, c->params, e);
}

static int retrieve(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_test_clock_retrieve(out, &c->svc, c->id, e);
}

static int list(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_test_clock_list(out, &c->svc, c->params, e);
}

static int delete(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_test_clock_delete(out, &c->svc, c->id, e);
}

static int advance(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_test_clock_advance(out, &c->svc, c->id, c->params, e);
}

const struct api_route api_test_clock_routes[] = {
	{ "POST", "/v1/test_helpers/test_clocks", create },
	{ "GET", "/v1/test_helpers/test_clocks", list },
	{ "GET", "/v1/test_helpers/test_clocks/:id", retrieve, API_NO_PARAMS },
	{ "DELETE", "/v1/test_helpers/test_clocks/:id", delete, API_NO_PARAMS },
	{ "POST", "/v1/test_helpers/test_clocks/:id/advance", advance },
	{ 0 },
};
