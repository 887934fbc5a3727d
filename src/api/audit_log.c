/*
 * audit_log.c - GET /v1/audit_log (recur's own; read-only: no route changes
 * an entry) and the entry every changing request writes (docs/audit.md).
 */
#include "api/api.h"
#include "service/audit.h"
#include "service/list.h"
#include "service/params.h"

#include <stdio.h>
#include <string.h>

/* Routes whose action is not what their shape says (see route_action). */
static const struct {
	const char *pattern, *action;
} special[] = {
	{ "/v1/invoices/create_preview", "preview" },
	{ "/v1/customers/:id/balance_transactions", "create" },
	{ "/v1/plan_families/:id/version_updates", "version_update" },
	{ "/v1/bank_statements", "import" },
};

/*
 * The action of a route from its shape: DELETE deletes; a POST to a
 * collection creates, to an object (ending in an id) updates, and to a verb
 * after an id ("/v1/invoices/:id/void") does that verb.
 */
static const char *route_action(const char *method, const char *pattern)
{
	for (size_t i = 0; i < sizeof(special) / sizeof(special[0]); i++)
		if (strcmp(pattern, special[i].pattern) == 0)
			return special[i].action;
	if (strcmp(method, "DELETE") == 0)
		return "delete";
	if (strncmp(pattern, "/v1/settings/", 13) == 0) /* one object per tenant, always there */
		return "update";
	const char *last = strrchr(pattern, '/');
	if (last[1] == ':')
		return "update";
	/* the segment before the last one */
	const char *prev = last;
	while (prev > pattern && prev[-1] != '/')
		prev--;
	return prev[0] == ':' ? last + 1 : "create";
}

/*
 * A preview runs the real change and rolls it back (create_preview, a
 * migration's preview=true, a version update's dry_run=true): it changes
 * nothing, so it has no entry, and a test comparing the database before and
 * after still finds it unchanged.
 */
static bool is_preview(const struct api_call *c, const char *action)
{
	static const char *const flags[] = { "preview", "dry_run" };
	struct recur_err ignored;
	bool on = false;
	if (strcmp(action, "preview") == 0)
		return true;
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]) && !on; i++)
		if (params_bool(&on, c->params, flags[i], &ignored) < 0)
			on = false;
	return on;
}

/*
 * The object the path names as it is now: the GET of the path cut after its
 * first id ("/v1/invoices/in_1/void" -> "/v1/invoices/in_1"), or NULL (no id,
 * no such object, no GET there). Reads only, with the request's scope.
 */
static json_t *snapshot(struct api_call *c, const char *pattern)
{
	char path[1024], id[256], id2[256];
	const char *p = pattern, *q = c->path;
	int known = 0;
	json_t *out = NULL, *none = json_object();
	struct recur_err ignored;
	err_clear(&ignored);
	if (!strchr(pattern, ':') || !none)
		goto done;
	/* walk both to the end of the pattern's first ":x" segment */
	while (*p && *p != ':') {
		p++;
		q++;
	}
	q = strchr(q, '/');
	snprintf(path, sizeof(path), "%.*s", q ? (int)(q - c->path) : (int)strlen(c->path), c->path);
	const struct api_route *get = api_route_find("GET", path, id, sizeof(id), id2, sizeof(id2),
						     &known);
	if (!get)
		goto done;
	struct api_call g = *c;
	g.method = "GET";
	g.path = path;
	g.params = none;
	g.expand = NULL;
	g.id = id;
	g.id2 = id2;
	if (get->fn(&out, &g, &ignored) < 0) {
		json_decref(out);
		out = NULL;
	}
done:
	json_decref(none);
	return out;
}

int api_audit_begin(struct api_audit *a, struct api_call *c, const char *pattern,
		    struct recur_err *e)
{
	a->before = snapshot(c, pattern);
	return svc_audit_mark(&a->mark, &c->svc, e);
}

void api_audit_free(struct api_audit *a)
{
	json_decref(a->before);
	a->before = NULL;
}

int api_audit_record(const struct api_audit *au, struct api_call *c, const char *pattern,
		     const char *key_id, int status, const json_t *out, struct recur_err *e)
{
	const char *type = json_string_value(json_object_get(out, "object"));
	const char *id = json_string_value(json_object_get(out, "id"));
	int rc;
	if (!id || (type && strcmp(type, "list") == 0)) {
		/*
		 * No object answered (a 402, a list): the path names it, when the
		 * route has an id at all (c->id is not cleared for routes without).
		 */
		type = NULL;
		id = strchr(pattern, ':') && c->id[0] ? c->id : NULL;
	}
	struct svc_audit_entry a = {
		.actor = "api", .key_id = key_id, .method = c->method, .path = c->path,
		.action = route_action(c->method, pattern), .object_type = type,
		.object_id = id, .status = status,
		.when = status == 402 ? SVC_AUDIT_IF_EVENTS : SVC_AUDIT_IF_WRITTEN,
		.before = au->before,
	};
	if (is_preview(c, a.action))
		return 1;
	if (strcmp(a.action, "create") == 0 && id == json_string_value(json_object_get(out, "id")))
		a.created = out;
	rc = svc_audit_write(&c->svc, &a, &au->mark, NULL, e);
	return rc < 0 ? rc : rc > 0 ? 1 : 0;
}

static int retrieve(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_get(out, &c->svc, &svc_audit_log_table, c->id, e);
}

static const char *const list_params[] = { SVC_LIST_PARAMS, "object", "key", "action",
					   "request", NULL };

static int list(json_t **out, struct api_call *c, struct recur_err *e)
{
	static const char *const filters[][2] = {
		{ "object", "object_id" }, { "key", "key_id" }, { "action", "action" },
		{ "request", "request_id" },
	};
	struct svc_list l;
	int rc;
	if ((rc = params_only(c->params, list_params, e)) < 0 ||
	    (rc = svc_list_params(&l, c->params, e)) < 0)
		return rc;
	for (size_t i = 0; i < sizeof(filters) / sizeof(filters[0]); i++) {
		const char *v = NULL;
		if ((rc = params_string(&v, c->params, filters[i][0], 255, e)) < 0)
			return rc;
		if (v)
			svc_list_filter(&l, filters[i][1], "=", SV_TEXT(v));
	}
	return svc_list(out, &c->svc, &svc_audit_log_table, &l, "/v1/audit_log", e);
}

const struct api_route api_audit_log_routes[] = {
	{ "GET", "/v1/audit_log", list },
	{ "GET", "/v1/audit_log/:id", retrieve, API_NO_PARAMS },
	{ 0 },
};
