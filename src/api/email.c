/*
 * email.c (api) - recur's own e-mail endpoints: the queue of notification
 * mails and the tenant's e-mail settings (service/email.h, docs/email.md).
 */
#include "api/api.h"
#include "service/email.h"

static int list(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_email_message_list(out, &c->svc, c->params, e);
}

static int settings_get(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_email_settings_get(out, &c->svc, e);
}

static int settings_update(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_email_settings_update(out, &c->svc, c->params, e);
}

const struct api_route api_email_routes[] = {
	{ "GET", "/v1/email_messages", list },
	{ "GET", "/v1/settings/email", settings_get, API_NO_PARAMS },
	{ "POST", "/v1/settings/email", settings_update, 0 },
	{ 0 },
};
