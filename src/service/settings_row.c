/*
 * settings_row.c - see settings_row.h.
 */
#include "service/settings_row.h"

#include <stdio.h>
#include <stdlib.h>

static int read_text(void *ctx, const struct store_row *row)
{
	json_t **out = ctx;
	*out = json_loads(store_row_text(row, 0, NULL), 0, NULL);
	return 1;
}

int svc_settings_load(void *value, struct svc *s, const struct svc_settings_kind *k,
		      struct recur_err *e)
{
	struct store_val p[] = { SV_TEXT(s->scope.tenant), SV_INT(s->scope.livemode) };
	json_t *stored = NULL;
	char sql[160];
	int rc;

	k->init(value);
	snprintf(sql, sizeof(sql), "SELECT %s FROM %s WHERE tenant_id = $1 AND livemode = $2",
		 k->column, k->table);
	if ((rc = store_query(s->db, sql, p, 2, read_text, &stored, e)) < 0)
		return rc;
	if (!stored)
		return 0;
	rc = k->apply(value, stored, e);
	json_decref(stored);
	if (rc < 0)
		return err_internal(e, "stored %s do not parse: %s", k->what, e->message);
	return 0;
}

int svc_settings_get(json_t **out, struct svc *s, const struct svc_settings_kind *k, void *value,
		     struct recur_err *e)
{
	int rc;

	*out = NULL;
	if ((rc = svc_settings_load(value, s, k, e)) < 0)
		return rc;
	*out = k->render(value, s->scope.livemode);
	return 0;
}

/* Stores obj as the row of s->scope (inside the caller's transaction), dated s->now. */
static int write_row(struct svc *s, const struct svc_settings_kind *k, const json_t *obj,
		     struct recur_err *e)
{
	char sql[256];
	char *text = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
	int rc;

	if (!text)
		return err_internal(e, "out of memory");
	struct store_val v[] = { SV_TEXT(s->scope.tenant), SV_INT(s->scope.livemode),
				 SV_TEXT(text), SV_INT(s->now) };
	snprintf(sql, sizeof(sql), "INSERT INTO %s (tenant_id, livemode, %s, updated)"
		 " VALUES ($1, $2, $3, $4) ON CONFLICT (tenant_id, livemode)"
		 " DO UPDATE SET %s = excluded.%s, updated = excluded.updated",
		 k->table, k->column, k->column, k->column);
	rc = store_exec(s->db, sql, v, 4, e);
	free(text);
	return rc < 0 ? rc : 0;
}

int svc_settings_update(json_t **out, struct svc *s, const struct svc_settings_kind *k,
			void *value, const json_t *p, struct recur_err *e)
{
	json_t *r = NULL;
	int rc;

	*out = NULL;
	if ((rc = svc_begin(s, e)) < 0)
		return rc;
	if ((rc = svc_settings_load(value, s, k, e)) < 0 || (rc = k->apply(value, p, e)) < 0 ||
	    (k->check && (rc = k->check(value, e)) < 0))
		goto done;
	r = k->render(value, s->scope.livemode);
	rc = write_row(s, k, r, e);
done:
	rc = svc_finish(s, rc, e);
	if (rc < 0) {
		json_decref(r);
		return rc;
	}
	*out = r;
	return 0;
}
