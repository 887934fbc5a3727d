#include "store/store.h"
#include "store/migrate.h"

#include <string.h>

#define DRV(s) (((const struct store_base *)(const void *)(s))->drv)

int store_open(struct store **out, const char *url, struct recur_err *e)
{
	*out = NULL;
	if (strncmp(url, "sqlite:", 7) == 0)
		return store_sqlite_driver.open(out, url + 7, e);
	return err_invalid(e, "db", "Unsupported database URL '%s' (expected sqlite:PATH)", url);
}

void store_close(struct store *s)
{
	if (s)
		DRV(s)->close(s);
}

int store_query(struct store *s, const char *sql, const struct store_val *params,
		int nparams, store_row_fn fn, void *ctx, struct recur_err *e)
{
	return DRV(s)->query(s, sql, params, nparams, fn, ctx, e);
}

int store_exec(struct store *s, const char *sql, const struct store_val *params,
	       int nparams, struct recur_err *e)
{
	int rc = DRV(s)->query(s, sql, params, nparams, NULL, NULL, e);
	return rc < 0 ? rc : DRV(s)->changes(s);
}

int store_begin(struct store *s, struct recur_err *e) { return DRV(s)->begin(s, e); }
int store_commit(struct store *s, struct recur_err *e) { return DRV(s)->commit(s, e); }
void store_rollback(struct store *s) { DRV(s)->rollback(s); }

int store_row_count(const struct store_row *r) { return DRV(r)->row_count(r); }
bool store_row_is_null(const struct store_row *r, int col) { return DRV(r)->row_is_null(r, col); }
int64_t store_row_int(const struct store_row *r, int col) { return DRV(r)->row_int(r, col); }
const char *store_row_text(const struct store_row *r, int col, size_t *len)
{
	return DRV(r)->row_text(r, col, len);
}

struct int_reader {
	int64_t *out;
	bool found;
};

static int read_int(void *ctx, const struct store_row *row)
{
	struct int_reader *r = ctx;
	*r->out = store_row_int(row, 0);
	r->found = true;
	return 1;
}

int store_query_int(int64_t *out, bool *found, struct store *s, const char *sql,
		    const struct store_val *params, int nparams, struct recur_err *e)
{
	struct int_reader r = { .out = out };
	*out = 0;
	int rc = store_query(s, sql, params, nparams, read_int, &r, e);
	if (found)
		*found = r.found;
	return rc < 0 ? rc : 0;
}

int store_migrate(struct store *s, struct recur_err *e)
{
	int rc = store_exec(s, "CREATE TABLE IF NOT EXISTS schema_migrations ("
			       " version BIGINT PRIMARY KEY, name TEXT NOT NULL)", NULL, 0, e);
	if (rc < 0)
		return rc;
	for (int i = 0; i < store_migration_count; i++) {
		const struct migration *m = &store_migrations[i];
		rc = store_begin(s, e);
		if (rc < 0)
			return rc;
		int64_t seen = 0;
		struct store_val v = SV_INT(m->version);
		rc = store_query_int(&seen, NULL, s,
				     "SELECT count(*) FROM schema_migrations WHERE version = $1",
				     &v, 1, e);
		if (rc < 0)
			goto fail;
		if (seen) {
			store_rollback(s);
			continue;
		}
		rc = DRV(s)->script(s, m->sql, e);
		if (rc < 0)
			goto fail;
		struct store_val rec[] = { SV_INT(m->version), SV_TEXT(m->name) };
		rc = store_exec(s, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
				rec, 2, e);
		if (rc < 0)
			goto fail;
		rc = store_commit(s, e);
		if (rc < 0)
			return rc;
	}
	return 0;
fail:
	store_rollback(s);
	return rc;
}
