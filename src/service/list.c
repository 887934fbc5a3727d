#include "service/list.h"
#include "service/params.h"

#include <string.h>

void svc_list_filter(struct svc_list *l, const char *col, const char *op, struct store_val v)
{
	if (l->nfilters < SVC_LIST_MAX_FILTERS)
		l->filters[l->nfilters++] = (struct store_filter){ .col = col, .op = op, .val = v };
}

static int created_range(struct svc_list *l, const json_t *p, struct recur_err *e)
{
	static const char *const ops[][2] = {
		{ "gt", ">" }, { "gte", ">=" }, { "lt", "<" }, { "lte", "<=" }
	};
	static const char *const allowed[] = { "gt", "gte", "lt", "lte", NULL };
	json_t *c = json_object_get(p, "created");
	int64_t v;
	if (!c)
		return 0;
	if (!json_is_object(c)) {
		int rc = params_int(&v, p, "created", 0, INT64_MAX, e);
		if (rc > 0)
			svc_list_filter(l, "created", "=", SV_INT(v));
		return rc < 0 ? rc : 0;
	}
	int rc = params_nest(e, params_only(c, allowed, e), "created");
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		rc = params_nest(e, params_int(&v, c, ops[i][0], 0, INT64_MAX, e), "created");
		if (rc < 0)
			return rc;
		if (rc > 0)
			svc_list_filter(l, "created", ops[i][1], SV_INT(v));
	}
	return 0;
}

int svc_list_params(struct svc_list *out, const json_t *p, struct recur_err *e)
{
	int64_t limit = 10;
	const char *after = NULL, *before = NULL;
	memset(out, 0, sizeof(*out));
	if (params_int(&limit, p, "limit", 1, 100, e) < 0)
		return RECUR_EINVAL;
	if (params_string(&after, p, "starting_after", 255, e) < 0 ||
	    params_string(&before, p, "ending_before", 255, e) < 0)
		return RECUR_EINVAL;
	if (after && before)
		return err_invalid(e, "ending_before",
				   "You may only specify one of these parameters: starting_after, ending_before.");
	out->page.limit = (int)limit;
	out->page.starting_after = after && *after ? after : NULL;
	out->page.ending_before = before && *before ? before : NULL;
	return created_range(out, p, e);
}

int svc_list(json_t **out, struct svc *s, const struct store_table *t, struct svc_list *l,
	     const char *url, struct recur_err *e)
{
	json_t *data = NULL;
	bool more = false;
	*out = NULL;
	int rc = store_obj_list(&data, &more, s->db, t, &s->scope, l->filters, l->nfilters,
				&l->page, e);
	if (rc < 0)
		return rc;
	*out = json_pack("{s:s, s:s, s:b, s:o}", "object", "list", "url", url, "has_more", more,
			 "data", data);
	return 0;
}
