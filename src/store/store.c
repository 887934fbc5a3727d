#include "store/store.h"
#include "store/driver.h"
#include "store/migrate.h"

#include <stdlib.h>
#include <string.h>

#define DRV(s) (((const struct store_base *)(const void *)(s))->drv)

int store_open(struct store **out, const char *url, struct recur_err *e)
{
	*out = NULL;
	if (strncmp(url, "sqlite:", 7) == 0)
		return store_sqlite_driver.open(out, url + 7, e);
	if (strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0)
		return store_postgres_driver.open(out, url, e);
	return err_invalid(e, "db", "Unsupported database URL '%s' (expected sqlite:PATH or"
			   " postgres://...)", url);
}

uint32_t store_sql_hash(const char *sql)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (; *sql; sql++)
		h = (h ^ (unsigned char)*sql) * 16777619u;
	return h;
}

const char *store_dialect(const struct store *s)
{
	return DRV(s)->name;
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

int64_t store_total_changes(struct store *s)
{
	return DRV(s)->total_changes(s);
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

int store_tables(struct store *s, store_row_fn fn, void *ctx, struct recur_err *e)
{
	return store_query(s, DRV(s)->tables_sql, NULL, 0, fn, ctx, e);
}

int store_columns(struct store *s, const char *table, store_row_fn fn, void *ctx,
		  struct recur_err *e)
{
	struct store_val v = SV_TEXT(table);
	return store_query(s, DRV(s)->columns_sql, &v, 1, fn, ctx, e);
}

int store_reseed(struct store *s, const char *table, struct recur_err *e)
{
	return DRV(s)->reseed(s, table, e);
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

/*
 * A migration as one back end runs it. Lines between "-- @sqlite" (or
 * "-- @postgres") and "-- @end" are for that back end only; the markers are
 * SQL comments, so a migration reads as plain SQL (docs/scaling.md). *out is
 * the caller's to free.
 */
static int for_dialect(char **out, const char *sql, const char *dialect)
{
	size_t len = strlen(sql), n = 0;
	char *buf = malloc(len + 1);
	const char *only = NULL; /* the dialect of the block we are in, if any */
	*out = buf;
	if (!buf)
		return -1;
	for (const char *line = sql; *line;) {
		const char *nl = strchr(line, '\n');
		size_t l = nl ? (size_t)(nl - line) + 1 : strlen(line);
		bool marker = strncmp(line, "-- @", 4) == 0;
		if (marker && strncmp(line + 4, "end", 3) == 0)
			only = NULL;
		else if (marker)
			only = strncmp(line + 4, "sqlite", 6) == 0 ? "sqlite" : "postgres";
		else if (!only || strcmp(only, dialect) == 0) {
			memcpy(buf + n, line, l);
			n += l;
		}
		line += l;
	}
	buf[n] = '\0';
	return 0;
}

static int run_migration(struct store *s, const struct migration *m, struct recur_err *e)
{
	char *sql = NULL;
	int rc;
	if (for_dialect(&sql, m->sql, DRV(s)->name) < 0)
		return err_internal(e, "out of memory");
	rc = DRV(s)->script(s, sql, e);
	free(sql);
	return rc;
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
		rc = run_migration(s, m, e);
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
