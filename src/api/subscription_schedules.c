/* subscription_schedules.c - /v1/subscription_schedules. */
#include "api/api.h"
#include "service/subscription_schedule.h"

static int create(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_schedule_create(out, &c->svc, c->params, e);
}

static int retrieve(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_schedule_retrieve(out, &c->svc, c->id, e);
}

static int update(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_schedule_update(out, &c->svc, c->id, c->params, e);
}

static int list(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_schedule_list(out, &c->svc, c->params, e);
}

static int cancel(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_schedule_cancel(out, &c->svc, c->id, c->params, e);
}

static int release(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_schedule_release(out, &c->svc, c->id, c->params, e);
}

const struct api_route api_subscription_schedule_routes[] = {
	{ "POST", "/v1/subscription_schedules", create },
	{ "GET", "/v1/subscription_schedules", list },
	{ "GET", "/v1/subscription_schedules/:id", retrieve, API_NO_PARAMS },
	{ "POST", "/v1/subscription_schedules/:id", update },
	{ "POST", "/v1/subscription_schedules/:id/cancel", cancel },
	{ "POST", "/v1/subscription_schedules/:id/release", release },
	{ 0 },
};
