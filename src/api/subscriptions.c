/* subscriptions.c - /v1/subscriptions and /v1/subscription_items (read). */
#include "api/api.h"
#include "service/subscription.h"

static int create(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_subscription_create(out, &c->svc, c->params, e);
}

static int retrieve(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_subscription_retrieve(out, &c->svc, c->id, e);
}

static int update(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_subscription_update(out, &c->svc, c->id, c->params, e);
}

static int cancel(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_subscription_cancel(out, &c->svc, c->id, c->params, e);
}

static int resume(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_subscription_resume(out, &c->svc, c->id, c->params, e);
}

static int pause(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_subscription_pause(out, &c->svc, c->id, c->params, e);
}

static int list(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_subscription_list(out, &c->svc, c->params, e);
}

const struct api_route api_subscription_routes[] = {
	{ "POST", "/v1/subscriptions", create },
	{ "GET", "/v1/subscriptions", list },
	{ "GET", "/v1/subscriptions/:id", retrieve, API_NO_PARAMS },
	{ "POST", "/v1/subscriptions/:id", update },
	{ "DELETE", "/v1/subscriptions/:id", cancel },
	{ "POST", "/v1/subscriptions/:id/pause", pause },
	{ "POST", "/v1/subscriptions/:id/resume", resume },
	{ 0 },
};
