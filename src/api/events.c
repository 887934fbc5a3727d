/* events.c - /v1/events: the append-only record of every change. */
#include "api/api.h"
#include "service/list.h"
#include "service/params.h"

#include <stdlib.h>
#include <string.h>

static int retrieve(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_get(out, &c->svc, &svc_events_table, c->id, e);
}

static const char *const list_params[] = { SVC_LIST_PARAMS, "type", "types", NULL };

static int list(json_t **out, struct api_call *c, struct recur_err *e)
{
	struct svc_list l;
	const char *type = NULL;
	const json_t *types = NULL;
	int rc;
	if ((rc = params_only(c->params, list_params, e)) < 0 ||
	    (rc = svc_list_params(&l, c->params, e)) < 0 ||
	    (rc = params_string(&type, c->params, "type", 100, e)) < 0 ||
	    (rc = params_string_array(&types, c->params, "types", 100, e)) < 0)
		return rc;
	if (type && strchr(type, '*')) {
		/* "customer.*" matches every customer event. */
		char *pattern = strdup(type);
		for (char *p = pattern; *p; p++)
			if (*p == '*')
				*p = '%';
		svc_list_filter(&l, "type", "LIKE", SV_TEXT(pattern));
		rc = svc_list(out, &c->svc, &svc_events_table, &l, "/v1/events", e);
		free(pattern);
		return rc;
	}
	if (type)
		svc_list_filter(&l, "type", "=", SV_TEXT(type));
	if (types) {
		size_t i, n = json_array_size(types);
		if (n > 20)
			return err_invalid(e, "types", "At most 20 types");
		for (i = 0; i < n; i++)
			l.in_vals[i] = SV_TEXT(json_string_value(json_array_get(types, i)));
		l.filters[l.nfilters++] = (struct store_filter){ .col = "type", .op = "IN",
								 .in = l.in_vals, .nin = (int)n };
	}
	return svc_list(out, &c->svc, &svc_events_table, &l, "/v1/events", e);
}

const struct api_route api_event_routes[] = {
	{ "GET", "/v1/events", list },
	{ "GET", "/v1/events/:id", retrieve, API_NO_PARAMS },
	{ 0 },
};
