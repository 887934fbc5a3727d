/*
 * sqlite.c - the embedded SQLite back end.
 *
 * WAL mode so readers never wait for the writer; a busy timeout so concurrent
 * writers queue instead of failing. synchronous=NORMAL would never corrupt a WAL
 * database but could lose the last commits on power loss; billing must not lose
 * a committed payment, so synchronous stays FULL.
 * Prepared statements are cached per connection, keyed by their SQL text.
 *
 * The page cache starts at SQLite's default (2 MB) and grows to BULK_CACHE_KIB
 * on a connection whose transactions outgrow it: SQLite then spills dirty pages
 * to the WAL in the middle of the transaction, writes them again at commit, and
 * reads back what it spilled. Only bulk work does that (a billing run commits
 * a batch of renewals at once); connections serving requests keep the small
 * cache, so the server's memory does not grow with its thread count.
 */
#include "store/driver.h"
#include "store/store.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BULK_CACHE_KIB 65536 /* page cache of a connection doing bulk work */

struct cached {
	char *sql;
	sqlite3_stmt *stmt;
	/*
	 * map[i] is SQLite's index of "$<i+1>" (0: not in the statement), found once
	 * when the statement is prepared instead of by name on every bind.
	 */
	int *map;
	int nmap;
};

struct store {
	struct store_base base;
	sqlite3 *db;
	int in_tx;
	int holds_writer; /* this connection holds the process's writer mutex */
	int bulk_cache; /* the page cache has grown to BULK_CACHE_KIB */
	struct cached cache[STORE_CACHE_SLOTS];
};

struct store_row {
	struct store_base base;
	sqlite3_stmt *stmt;
};

/*
 * The writers of this process queue on one mutex rather than in SQLite's busy
 * handler, which sleeps in steps of milliseconds and gave POSTs a p99 of
 * seconds under concurrency. Held from the outermost BEGIN to its COMMIT or
 * ROLLBACK, and around each write outside a transaction. Other processes (the
 * CLI) still meet the busy timeout.
 */
static pthread_mutex_t writer = PTHREAD_MUTEX_INITIALIZER;

static int db_error(struct recur_err *e, sqlite3 *db, const char *what)
{
	int code = sqlite3_errcode(db);
	if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
		return err_set(e, RECUR_EBUSY, 503, "api_error", "lock_timeout", NULL,
			       "The database is busy; retry the request");
	if ((code & 0xff) == SQLITE_CONSTRAINT)
		return err_set(e, RECUR_ECONFLICT, 409, "invalid_request_error",
			       "resource_already_exists", NULL, "%s: %s", what,
			       sqlite3_errmsg(db));
	return err_internal(e, "%s: %s", what, sqlite3_errmsg(db));
}

static int sq_open(struct store **out, const char *path, struct recur_err *e)
{
	struct store *s = calloc(1, sizeof(*s));
	int rc = RECUR_EINTERNAL;
	if (!s)
		return err_internal(e, "out of memory");
	s->base.drv = &store_sqlite_driver;
	if (sqlite3_open_v2(path, &s->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		rc = err_internal(e, "cannot open database '%s': %s", path,
				  s->db ? sqlite3_errmsg(s->db) : "out of memory");
		goto done;
	}
	sqlite3_busy_timeout(s->db, 10000);
	char *msg = NULL;
	if (sqlite3_exec(s->db,
			 "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
			 "PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;",
			 NULL, NULL, &msg) != SQLITE_OK) {
		rc = err_internal(e, "configuring '%s': %s", path, msg ? msg : "?");
		sqlite3_free(msg);
		goto done;
	}
	*out = s;
	s = NULL;
	rc = 0;
done:
	if (s) {
		sqlite3_close(s->db);
		free(s);
	}
	return rc;
}

static void sq_rollback(struct store *s);

static void sq_close(struct store *s)
{
	/* Closing inside a transaction rolls it back, and lets the next writer in. */
	if (s->in_tx > 0) {
		s->in_tx = 1;
		sq_rollback(s);
	}
	for (int i = 0; i < STORE_CACHE_SLOTS; i++) {
		sqlite3_finalize(s->cache[i].stmt);
		free(s->cache[i].sql);
		free(s->cache[i].map);
	}
	sqlite3_close(s->db);
	free(s);
}

/*
 * Maps our $n placeholders to SQLite's parameter indexes. SQLite reads "$1" as
 * a named parameter, so the SQL may use $n in any order and repeat them, as
 * PostgreSQL allows; the names are resolved here, once per prepared statement.
 */
static int param_map(struct cached *c)
{
	int count = sqlite3_bind_parameter_count(c->stmt), max = 0;
	for (int idx = 1; idx <= count; idx++) {
		const char *name = sqlite3_bind_parameter_name(c->stmt, idx);
		long n = name && name[0] == '$' ? strtol(name + 1, NULL, 10) : 0;
		if (n > max)
			max = (int)n;
	}
	c->map = calloc(max ? (size_t)max : 1, sizeof(*c->map));
	if (!c->map)
		return -1;
	c->nmap = max;
	for (int idx = 1; idx <= count; idx++) {
		const char *name = sqlite3_bind_parameter_name(c->stmt, idx);
		long n = name && name[0] == '$' ? strtol(name + 1, NULL, 10) : 0;
		if (n > 0 && c->map[n - 1] == 0)
			c->map[n - 1] = idx;
	}
	return 0;
}

/*
 * Returns the cache slot holding sql's statement, preparing it on first use;
 * NULL in *out_slot (and the statement in *out, the caller's to finalize) when
 * the cache is full around its hash.
 */
static int prepare(struct store *s, const char *sql, sqlite3_stmt **out, struct cached **out_slot,
		   struct recur_err *e)
{
	uint32_t h = store_sql_hash(sql);
	for (int probe = 0; probe < STORE_CACHE_PROBES; probe++) {
		struct cached *c = &s->cache[(h + (uint32_t)probe) & (STORE_CACHE_SLOTS - 1)];
		if (c->sql && strcmp(c->sql, sql) == 0) {
			*out = c->stmt;
			*out_slot = c;
			return 0;
		}
		if (!c->sql) {
			if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
					       &c->stmt, NULL) != SQLITE_OK)
				return db_error(e, s->db, "prepare");
			c->sql = strdup(sql);
			if (!c->sql || param_map(c) < 0) {
				sqlite3_finalize(c->stmt);
				free(c->sql);
				memset(c, 0, sizeof(*c));
				return err_internal(e, "out of memory");
			}
			*out = c->stmt;
			*out_slot = c;
			return 0;
		}
	}
	if (sqlite3_prepare_v2(s->db, sql, -1, out, NULL) != SQLITE_OK)
		return db_error(e, s->db, "prepare");
	*out_slot = NULL;
	return 0;
}

static int bind_one(struct store *s, sqlite3_stmt *st, int idx, const struct store_val *v,
		    struct recur_err *e)
{
	int rc;
	switch (v->type) {
	case STORE_INT: rc = sqlite3_bind_int64(st, idx, v->i); break;
	case STORE_TEXT: rc = sqlite3_bind_text(st, idx, v->s, -1, SQLITE_STATIC); break;
	default: rc = sqlite3_bind_null(st, idx); break;
	}
	return rc == SQLITE_OK ? 0 : db_error(e, s->db, "bind");
}

/* Binds params[i] to "$<i+1>", through the slot's map or (uncached) by name. */
static int bind(struct store *s, sqlite3_stmt *st, const struct cached *slot,
		const struct store_val *params, int n, struct recur_err *e)
{
	for (int i = 0; i < n; i++) {
		int idx;
		if (slot) {
			idx = i < slot->nmap ? slot->map[i] : 0;
		} else {
			char name[16];
			snprintf(name, sizeof(name), "$%d", i + 1);
			idx = sqlite3_bind_parameter_index(st, name);
		}
		if (idx == 0)
			continue;
		int rc = bind_one(s, st, idx, &params[i], e);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int sq_query(struct store *s, const char *sql, const struct store_val *params,
		    int nparams, store_row_fn fn, void *ctx, struct recur_err *e)
{
	sqlite3_stmt *st = NULL;
	struct cached *slot = NULL;
	int locked = 0;
	int rc = prepare(s, sql, &st, &slot, e);
	if (rc < 0)
		return rc;
	rc = bind(s, st, slot, params, nparams, e);
	if (rc < 0)
		goto done;
	struct store_row row = { .base.drv = &store_sqlite_driver, .stmt = st };
	/* A write outside a transaction queues on the writer mutex too. */
	locked = !s->holds_writer && !sqlite3_stmt_readonly(st);
	if (locked)
		pthread_mutex_lock(&writer);
	for (;;) {
		int step = sqlite3_step(st);
		if (step == SQLITE_DONE)
			break;
		if (step != SQLITE_ROW) {
			rc = db_error(e, s->db, "step");
			goto done;
		}
		if (fn) {
			rc = fn(ctx, &row);
			if (rc)
				goto done;
		}
	}
	rc = 0;
done:
	if (locked)
		pthread_mutex_unlock(&writer);
	if (!slot) {
		sqlite3_finalize(st);
	} else {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	}
	return rc;
}

static int sq_changes(struct store *s)
{
	return sqlite3_changes(s->db);
}

static int64_t sq_total_changes(struct store *s)
{
	return sqlite3_total_changes64(s->db);
}

static int sq_script(struct store *s, const char *sql, struct recur_err *e)
{
	char *msg = NULL;
	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		int rc = err_internal(e, "migration failed: %s", msg ? msg : "?");
		sqlite3_free(msg);
		return rc;
	}
	return 0;
}

/*
 * Transactions nest: the outermost is a real transaction (BEGIN IMMEDIATE takes
 * the write lock up front), inner ones are savepoints, so a use case can run
 * inside another's transaction (create_preview runs a change and rolls it back).
 */
static int sq_begin(struct store *s, struct recur_err *e)
{
	char sql[32];
	if (s->in_tx == 0) {
		pthread_mutex_lock(&writer);
		s->holds_writer = 1;
		snprintf(sql, sizeof(sql), "BEGIN IMMEDIATE");
	} else {
		snprintf(sql, sizeof(sql), "SAVEPOINT sp%d", s->in_tx);
	}
	int rc = sq_query(s, sql, NULL, 0, NULL, NULL, e);
	if (rc == 0) {
		s->in_tx++;
	} else if (s->in_tx == 0) {
		s->holds_writer = 0;
		pthread_mutex_unlock(&writer);
	}
	return rc;
}

/* After a commit: a transaction that spilled pages gets the bulk cache from now on. */
static void grow_cache_after_spill(struct store *s)
{
	int spilled = 0, highwater = 0;
	if (s->bulk_cache ||
	    sqlite3_db_status(s->db, SQLITE_DBSTATUS_CACHE_SPILL, &spilled, &highwater, 1) !=
		    SQLITE_OK || spilled == 0)
		return;
	char sql[64];
	snprintf(sql, sizeof(sql), "PRAGMA cache_size = -%d", BULK_CACHE_KIB);
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) == SQLITE_OK)
		s->bulk_cache = 1;
}

static int sq_commit(struct store *s, struct recur_err *e)
{
	char sql[32];
	if (s->in_tx <= 1)
		snprintf(sql, sizeof(sql), "COMMIT");
	else
		snprintf(sql, sizeof(sql), "RELEASE sp%d", s->in_tx - 1);
	int rc = sq_query(s, sql, NULL, 0, NULL, NULL, e);
	if (rc < 0)
		return rc;
	if (s->in_tx > 0 && --s->in_tx == 0) {
		s->holds_writer = 0;
		pthread_mutex_unlock(&writer);
		grow_cache_after_spill(s);
	}
	return 0;
}

static void sq_rollback(struct store *s)
{
	struct recur_err ignored;
	char sql[64];
	if (s->in_tx > 1) {
		snprintf(sql, sizeof(sql), "ROLLBACK TO sp%d", s->in_tx - 1);
		sq_query(s, sql, NULL, 0, NULL, NULL, &ignored);
		snprintf(sql, sizeof(sql), "RELEASE sp%d", s->in_tx - 1);
		sq_query(s, sql, NULL, 0, NULL, NULL, &ignored);
		s->in_tx--;
		return;
	}
	if (sqlite3_get_autocommit(s->db) == 0)
		sq_query(s, "ROLLBACK", NULL, 0, NULL, NULL, &ignored);
	if (s->holds_writer) {
		s->holds_writer = 0;
		pthread_mutex_unlock(&writer);
	}
	s->in_tx = 0;
}

static int sq_row_count(const struct store_row *r)
{
	return sqlite3_column_count(r->stmt);
}

static bool sq_row_is_null(const struct store_row *r, int col)
{
	return sqlite3_column_type(r->stmt, col) == SQLITE_NULL;
}

static int64_t sq_row_int(const struct store_row *r, int col)
{
	return sqlite3_column_int64(r->stmt, col);
}

static const char *sq_row_text(const struct store_row *r, int col, size_t *len)
{
	const char *t = (const char *)sqlite3_column_text(r->stmt, col);
	if (len)
		*len = (size_t)sqlite3_column_bytes(r->stmt, col);
	return t;
}

/*
 * A rowid (seq INTEGER PRIMARY KEY) is chosen past the largest one present,
 * and AUTOINCREMENT's sqlite_sequence follows explicit inserts: nothing to do.
 */
static int sq_reseed(struct store *s, const char *table, struct recur_err *e)
{
	(void)s;
	(void)table;
	(void)e;
	return 0;
}

const struct store_driver store_sqlite_driver = {
	.name = "sqlite",
	.open = sq_open,
	.close = sq_close,
	.query = sq_query,
	.changes = sq_changes,
	.total_changes = sq_total_changes,
	.script = sq_script,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.row_count = sq_row_count,
	.row_is_null = sq_row_is_null,
	.row_int = sq_row_int,
	.row_text = sq_row_text,
	/* sqlite_schema's rowids follow creation order. */
	.tables_sql = "SELECT name FROM sqlite_schema WHERE type = 'table'"
		      " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY rowid",
	.columns_sql = "SELECT name FROM pragma_table_info($1) ORDER BY cid",
	.reseed = sq_reseed,
};
