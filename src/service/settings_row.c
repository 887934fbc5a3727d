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

int svc_settings_row_read(json_t **out, struct svc *s, const char *table, const char *column,
			  struct recur_err *e)
{
	struct store_val p[] = { SV_TEXT(s->scope.tenant), SV_INT(s->scope.livemode) };
	char sql[160];
	int rc;

	*out = NULL;
	snprintf(sql, sizeof(sql), "SELECT %s FROM %s WHERE tenant_id = $1 AND livemode = $2",
		 column, table);
	rc = store_query(s->db, sql, p, 2, read_text, out, e);
	return rc < 0 ? rc : 0;
}

int svc_settings_row_write(struct svc *s, const char *table, const char *column, const json_t *obj,
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
		 table, column, column, column);
	rc = store_exec(s->db, sql, v, 4, e);
	free(text);
	return rc < 0 ? rc : 0;
}
