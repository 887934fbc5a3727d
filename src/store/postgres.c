/*
 * postgres.c - the PostgreSQL back end, on libpq (docs/scaling.md).
 *
 * One connection per struct store, as on SQLite; the server keeps one per
 * worker thread. The SQL is the text the rest of recur writes for SQLite too:
 *
 * - Statements are prepared once per connection (PQprepare), cached by their
 *   SQL text, and run with text parameters whose types PostgreSQL infers from
 *   the statement. A statement whose parameter types cannot be inferred
 *   ("SELECT $1") is prepared again with the types of the values it is run
 *   with (bigint or text).
 * - Results come back whole (PQexecPrepared), so a row callback may run other
 *   queries on the same connection, as it may on SQLite.
 * - SQLite undoes a failed statement and leaves its transaction usable;
 *   PostgreSQL aborts the whole transaction. So a write inside a transaction
 *   runs inside its own savepoint (pipelined with it: one round trip), and a
 *   failure rolls back to it: the caller sees the same error and the same
 *   transaction as on SQLite.
 * - store_begin queues on this process's writer mutex and takes a transaction
 *   advisory lock, so writers run one at a time across every process on the
 *   database, exactly as BEGIN IMMEDIATE makes them on SQLite. BEGIN, the
 *   lock and savepoints are sent with the next statement (one round trip) (the isolation
 *   each use case needs, and what the multi-process work will loosen, is in
 *   docs/scaling.md). Nested transactions are savepoints.
 * - Errors map as sqlite.c maps them: a constraint violation (SQLSTATE class
 *   23) is RECUR_ECONFLICT; a serialization failure, deadlock or lock timeout
 *   is RECUR_EBUSY, which a caller may retry.
 */
#include "store/driver.h"
#include "store/postgres.h"

#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PARAMS 256
#define MAX_PENDING 32
#define BOOLOID 16
#define INT8OID 20
#define TEXTOID 25
/* The advisory lock every writing transaction takes: "recur" in ASCII. */
#define WRITER_LOCK "SELECT pg_advisory_xact_lock(491496043890)"

struct cached {
	char *sql;
	char name[16];
	int nparams; /* how many $n the statement has */
};

struct store {
	struct store_base base;
	PGconn *conn;
	int in_tx;
	int holds_writer; /* this connection holds the process's writer mutex */
	int changes; /* rows the last INSERT, UPDATE or DELETE changed */
	int64_t total_changes; /* rows changed since the connection opened */
	unsigned next_name;
	/*
	 * Transaction control not yet sent: it goes down the pipeline of the next
	 * statement (see pipeline()), so BEGIN, SAVEPOINT and RELEASE cost no
	 * round trip of their own, and a savepoint no statement used costs none.
	 */
	char pending[MAX_PENDING][48];
	int npending;
	struct cached cache[STORE_CACHE_SLOTS];
};

struct store_row {
	struct store_base base;
	const PGresult *res;
	int row;
};

/* The writers of this process queue here first, as they do in sqlite.c. */
static pthread_mutex_t writer = PTHREAD_MUTEX_INITIALIZER;

static int flush(struct store *s, struct recur_err *e);

static bool sqlstate_is(const PGresult *res, const char *code)
{
	const char *st = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	return st && strncmp(st, code, strlen(code)) == 0;
}

static int db_error(struct recur_err *e, struct store *s, const PGresult *res, const char *what)
{
	const char *msg = res ? PQresultErrorMessage(res) : PQerrorMessage(s->conn);
	char clean[400];
	snprintf(clean, sizeof(clean), "%s", msg && *msg ? msg : "?");
	clean[strcspn(clean, "\n")] = '\0';
	/* 40001 serialization_failure, 40P01 deadlock_detected, 55P03 lock_not_available */
	if (sqlstate_is(res, "40001") || sqlstate_is(res, "40P01") || sqlstate_is(res, "55P03"))
		return err_set(e, RECUR_EBUSY, 503, "api_error", "lock_timeout", NULL,
			       "The database is busy; retry the request");
	if (sqlstate_is(res, "23"))
		return err_set(e, RECUR_ECONFLICT, 409, "invalid_request_error",
			       "resource_already_exists", NULL, "%s: %s", what, clean);
	return err_internal(e, "%s: %s", what, clean);
}

/* Notices (CREATE TABLE IF NOT EXISTS on a table that exists) are not errors. */
static void ignore_notice(void *arg, const PGresult *res)
{
	(void)arg;
	(void)res;
}

/* Runs a command without parameters or rows (transaction control). */
static int command(struct store *s, const char *sql, struct recur_err *e)
{
	PGresult *res = PQexec(s->conn, sql);
	int rc = 0;
	if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK)
		rc = db_error(e, s, res, sql);
	PQclear(res);
	return rc;
}

static int pg_open(struct store **out, const char *url, struct recur_err *e)
{
	struct store *s = calloc(1, sizeof(*s));
	int rc = RECUR_EINTERNAL;
	if (!s)
		return err_internal(e, "out of memory");
	s->base.drv = &store_postgres_driver;
	s->conn = PQconnectdb(url);
	if (!s->conn || PQstatus(s->conn) != CONNECTION_OK) {
		char msg[300];
		snprintf(msg, sizeof(msg), "%s", s->conn ? PQerrorMessage(s->conn) : "out of memory");
		msg[strcspn(msg, "\n")] = '\0';
		rc = err_internal(e, "cannot connect to PostgreSQL: %s", msg);
		goto done;
	}
	PQsetNoticeReceiver(s->conn, ignore_notice, NULL);
	/*
	 * UTC and UTF-8 whatever the server's defaults; text compares byte by byte
	 * because every TEXT column is COLLATE "C" (postgres_ddl.c).
	 */
	if ((rc = command(s, "SET client_encoding = 'UTF8'; SET TIME ZONE 'UTC';"
			     " SET standard_conforming_strings = on", e)) < 0)
		goto done;
	*out = s;
	s = NULL;
	rc = 0;
done:
	if (s) {
		PQfinish(s->conn);
		free(s);
	}
	return rc;
}

static void pg_rollback(struct store *s);

static void pg_close(struct store *s)
{
	if (s->in_tx > 0) {
		s->in_tx = 1;
		pg_rollback(s);
	}
	for (int i = 0; i < STORE_CACHE_SLOTS; i++)
		free(s->cache[i].sql);
	PQfinish(s->conn);
	free(s);
}

/*
 * Prepares sql as statement `name`. Parameter types are left to PostgreSQL;
 * if it cannot infer one (42P18), the statement is prepared again with the
 * types of the values at hand: bigint for integers, text for text.
 */
static int prepare_as(struct store *s, const char *name, const char *sql,
		      const struct store_val *params, int n, int *nparams, struct recur_err *e)
{
	/* Queued transaction control first: a PREPARE in an aborted transaction fails. */
	int rc = flush(s, e);
	if (rc < 0)
		return rc;
	PGresult *res = PQprepare(s->conn, name, sql, 0, NULL);
	if (PQresultStatus(res) != PGRES_COMMAND_OK && sqlstate_is(res, "42P18") &&
	    n <= MAX_PARAMS) {
		Oid types[MAX_PARAMS];
		for (int i = 0; i < n; i++)
			types[i] = params[i].type == STORE_INT ? INT8OID :
				   params[i].type == STORE_TEXT ? TEXTOID : 0;
		PQclear(res);
		res = PQprepare(s->conn, name, sql, n, types);
	}
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		rc = db_error(e, s, res, "prepare");
		goto done;
	}
	PQclear(res);
	res = PQdescribePrepared(s->conn, name);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		rc = db_error(e, s, res, "describe");
		goto done;
	}
	*nparams = PQnparams(res);
done:
	PQclear(res);
	return rc;
}

/*
 * The name of sql's prepared statement (cached per connection by its text),
 * and its parameter count; the unnamed statement, prepared again on every
 * use, when the cache is full around sql's hash.
 */
static int prepare(struct store *s, const char *sql, const struct store_val *params, int n,
		   const char **name, int *nparams, struct recur_err *e)
{
	uint32_t h = store_sql_hash(sql);
	for (int probe = 0; probe < STORE_CACHE_PROBES; probe++) {
		struct cached *c = &s->cache[(h + (uint32_t)probe) & (STORE_CACHE_SLOTS - 1)];
		if (c->sql && strcmp(c->sql, sql) == 0) {
			*name = c->name;
			*nparams = c->nparams;
			return 0;
		}
		if (!c->sql) {
			snprintf(c->name, sizeof(c->name), "r%u", s->next_name++);
			int rc = prepare_as(s, c->name, sql, params, n, &c->nparams, e);
			if (rc < 0)
				return rc;
			if (!(c->sql = strdup(sql))) {
				/* PostgreSQL keeps the statement; the name is never used again. */
				return err_internal(e, "out of memory");
			}
			*name = c->name;
			*nparams = c->nparams;
			return 0;
		}
	}
	*name = "";
	return prepare_as(s, "", sql, params, n, nparams, e);
}

/* The result of a pipelined query (and the NULL that ends it); the caller PQclears it. */
static PGresult *next_result(PGconn *conn)
{
	PGresult *res = PQgetResult(conn), *end;
	while (res && (end = PQgetResult(conn)) != NULL) /* a query yields one result, then NULL */
		PQclear(end);
	return res;
}

static bool failed(const PGresult *r)
{
	return PQresultStatus(r) == PGRES_FATAL_ERROR || !r;
}

/*
 * One round trip: the pending transaction control, then (when name is given)
 * prepared statement name, inside its own savepoint when guarded, down one
 * pipeline. Returns the statement's result when it ran, else the first error
 * (a pipeline skips what follows an error); without a statement, an empty
 * COMMAND_OK result when all went well. If the statement fails in its
 * savepoint, a second round trip rolls back to it, leaving the transaction as
 * it was before the statement.
 */
static PGresult *pipeline(struct store *s, const char *name, int nparams,
			  const char *const *values, bool guarded)
{
	PGconn *c = s->conn;
	PGresult *res = NULL, *first_error = NULL;
	int queries = s->npending + (name ? 1 : 0) + (guarded ? 2 : 0);
	int stmt = name ? s->npending + (guarded ? 1 : 0) : -1; /* the statement's place */
	bool sent = PQenterPipelineMode(c), guard_ok = false;
	for (int i = 0; sent && i < s->npending; i++)
		sent = PQsendQueryParams(c, s->pending[i], 0, NULL, NULL, NULL, NULL, 0);
	s->npending = 0;
	if (sent && guarded)
		sent = PQsendQueryParams(c, "SAVEPOINT recur_stmt", 0, NULL, NULL, NULL, NULL, 0);
	if (sent && name)
		sent = PQsendQueryPrepared(c, name, nparams, values, NULL, NULL, 0);
	if (sent && guarded)
		sent = PQsendQueryParams(c, "RELEASE SAVEPOINT recur_stmt", 0, NULL, NULL, NULL,
					 NULL, 0);
	if (sent && PQpipelineSync(c)) {
		for (int i = 0; i < queries; i++) {
			PGresult *r = next_result(c);
			if (guarded && i == stmt - 1)
				guard_ok = PQresultStatus(r) == PGRES_COMMAND_OK;
			ExecStatusType st = PQresultStatus(r);
			if (i == stmt && (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)) {
				res = r;
			} else if (failed(r) && !first_error) {
				first_error = r;
			} else {
				PQclear(r);
			}
		}
		PQclear(PQgetResult(c)); /* the sync */
	}
	PQexitPipelineMode(c);
	if (guard_ok && !res && first_error) {
		PGresult *undo = PQexec(c, "ROLLBACK TO SAVEPOINT recur_stmt;"
				    " RELEASE SAVEPOINT recur_stmt");
		PQclear(undo);
	}
	if (res || first_error) {
		PQclear(first_error && res ? first_error : NULL);
		return res ? res : first_error;
	}
	return sent ? PQmakeEmptyPGresult(c, name ? PGRES_FATAL_ERROR : PGRES_COMMAND_OK) : NULL;
}

/* Sends the pending transaction control now (before a script, a COMMIT). */
static int flush(struct store *s, struct recur_err *e)
{
	if (s->npending == 0)
		return 0;
	PGresult *res = pipeline(s, NULL, 0, NULL, false);
	int rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : db_error(e, s, res, "transaction");
	PQclear(res);
	return rc;
}

/* Queues transaction control for the next round trip (sent at once if the queue is full). */
static int defer(struct store *s, const char *sql, struct recur_err *e)
{
	int rc = s->npending == MAX_PENDING ? flush(s, e) : 0;
	if (rc == 0)
		snprintf(s->pending[s->npending++], sizeof(s->pending[0]), "%s", sql);
	return rc;
}

/* Takes back the last queued command if it is sql (a savepoint nothing used). */
static bool undefer(struct store *s, const char *sql)
{
	if (s->npending == 0 || strcmp(s->pending[s->npending - 1], sql) != 0)
		return false;
	s->npending--;
	return true;
}

/* Whether a statement may write: anything but a plain SELECT. */
static bool writes(const char *sql)
{
	while (*sql == ' ' || *sql == '\n' || *sql == '\t' || *sql == '(')
		sql++;
	return strncasecmp(sql, "SELECT", 6) != 0;
}

/* Whether s is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, at most U+10FFFF). */
static bool utf8_valid(const unsigned char *s)
{
	while (*s) {
		int n = *s < 0x80 ? 0 : (*s & 0xe0) == 0xc0 ? 1 : (*s & 0xf0) == 0xe0 ? 2 :
			(*s & 0xf8) == 0xf0 ? 3 : -1;
		if (n < 0 || (n == 1 && *s < 0xc2) || (n == 3 && *s > 0xf4))
			return false;
		unsigned lead = *s++;
		for (int i = 0; i < n; i++, s++)
			if ((*s & 0xc0) != 0x80)
				return false;
		if (n == 2 && ((lead == 0xe0 && s[-2] < 0xa0) || (lead == 0xed && s[-2] >= 0xa0)))
			return false;
		if (n == 3 && ((lead == 0xf0 && s[-3] < 0x90) || (lead == 0xf4 && s[-3] >= 0x90)))
			return false;
	}
	return true;
}

/*
 * PostgreSQL refuses text that is not UTF-8 where SQLite keeps it as bytes.
 * Every stored text is UTF-8 (the API checks its input), so a read with such a
 * parameter (an id from a URL, say) matches nothing: *none is set and nothing
 * runs. A write with one is bad input.
 */
static int check_text(bool *none, const char *sql, const struct store_val *params, int n,
		      struct recur_err *e)
{
	*none = false;
	for (int i = 0; i < n; i++) {
		if (params[i].type != STORE_TEXT || utf8_valid((const unsigned char *)params[i].s))
			continue;
		if (writes(sql))
			return err_invalid(e, NULL, "Invalid UTF-8 in the request");
		*none = true;
	}
	return 0;
}

/*
 * Runs sql with params (inside its own savepoint when guarded); *out is its
 * result, the caller's to PQclear (NULL: no rows, nothing ran).
 */
static int execute(PGresult **out, struct store *s, const char *sql,
		   const struct store_val *params, int n, bool guarded, struct recur_err *e)
{
	const char *values[MAX_PARAMS];
	char ints[MAX_PARAMS][24];
	const char *name = NULL;
	int nparams = 0;
	bool none = false;
	*out = NULL;
	if (n > MAX_PARAMS)
		return err_internal(e, "too many parameters (%d)", n);
	int rc = check_text(&none, sql, params, n, e);
	if (rc < 0 || none)
		return rc;
	rc = prepare(s, sql, params, n, &name, &nparams, e);
	if (rc < 0)
		return rc;
	/* Parameters the statement does not use are ignored, missing ones are NULL, as on SQLite. */
	for (int i = 0; i < nparams; i++) {
		values[i] = NULL;
		if (i >= n || params[i].type == STORE_NULL)
			continue;
		if (params[i].type == STORE_TEXT) {
			values[i] = params[i].s;
		} else {
			snprintf(ints[i], sizeof(ints[i]), "%lld", (long long)params[i].i);
			values[i] = ints[i];
		}
	}
	*out = guarded || s->npending ? pipeline(s, name, nparams, values, guarded) :
					PQexecPrepared(s->conn, name, nparams, values, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(*out);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		return db_error(e, s, *out, "query");
	return 0;
}

/* Counts the rows an INSERT, UPDATE or DELETE changed (sqlite3_changes and total_changes). */
static void count_changes(struct store *s, const PGresult *res)
{
	const char *status = PQcmdStatus((PGresult *)(uintptr_t)res);
	if (strncmp(status, "INSERT", 6) != 0 && strncmp(status, "UPDATE", 6) != 0 &&
	    strncmp(status, "DELETE", 6) != 0)
		return;
	s->changes = (int)strtol(PQcmdTuples((PGresult *)(uintptr_t)res), NULL, 10);
	s->total_changes += s->changes;
}

static int pg_begin(struct store *s, struct recur_err *e);
static int pg_commit(struct store *s, struct recur_err *e);

/* Runs sql and calls fn for each row; a write inside a transaction runs in its own savepoint. */
static int run(struct store *s, const char *sql, const struct store_val *params, int nparams,
	       bool guarded, store_row_fn fn, void *ctx, struct recur_err *e)
{
	PGresult *res = NULL;
	int rc = execute(&res, s, sql, params, nparams, guarded, e);
	if (rc < 0 || !res)
		goto done;
	count_changes(s, res);
	if (fn) {
		int rows = PQntuples(res);
		struct store_row row = { .base.drv = &store_postgres_driver, .res = res };
		for (row.row = 0; row.row < rows; row.row++) {
			if ((rc = fn(ctx, &row)) != 0)
				goto done;
		}
	}
	rc = 0;
done:
	PQclear(res);
	return rc;
}

static int pg_query(struct store *s, const char *sql, const struct store_val *params,
		    int nparams, store_row_fn fn, void *ctx, struct recur_err *e)
{
	if (!writes(sql))
		return run(s, sql, params, nparams, false, fn, ctx, e);
	if (s->in_tx > 0)
		return run(s, sql, params, nparams, true, fn, ctx, e);
	/*
	 * A write outside a transaction queues behind the writers too (on SQLite
	 * it needs the write lock): it is a transaction of its own.
	 */
	int rc = pg_begin(s, e);
	if (rc < 0)
		return rc;
	rc = run(s, sql, params, nparams, false, fn, ctx, e);
	if (rc == 0)
		return pg_commit(s, e);
	pg_rollback(s);
	return rc;
}

static int pg_changes(struct store *s)
{
	return s->changes;
}

static int64_t pg_total_changes(struct store *s)
{
	return s->total_changes;
}

static int pg_script(struct store *s, const char *sql, struct recur_err *e)
{
	char *ddl = NULL;
	int rc = flush(s, e);
	if (rc < 0)
		return rc;
	if (store_postgres_ddl(&ddl, sql) < 0)
		return err_internal(e, "out of memory");
	PGresult *res = PQexec(s->conn, ddl);
	if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK &&
	    PQresultStatus(res) != PGRES_EMPTY_QUERY) {
		char msg[400];
		snprintf(msg, sizeof(msg), "%s", PQresultErrorMessage(res));
		msg[strcspn(msg, "\n")] = '\0';
		rc = err_internal(e, "migration failed: %s", msg);
	}
	PQclear(res);
	free(ddl);
	return rc;
}

static int pg_begin(struct store *s, struct recur_err *e)
{
	char sql[48];
	if (s->in_tx > 0) {
		snprintf(sql, sizeof(sql), "SAVEPOINT sp%d", s->in_tx);
		int rc = defer(s, sql, e);
		if (rc == 0)
			s->in_tx++;
		return rc;
	}
	pthread_mutex_lock(&writer);
	s->holds_writer = 1;
	s->in_tx = 1;
	/*
	 * READ COMMITTED is enough while writers run one at a time (the advisory
	 * lock). Both go with the transaction's first statement.
	 */
	s->npending = 0;
	defer(s, "BEGIN ISOLATION LEVEL READ COMMITTED", e);
	defer(s, WRITER_LOCK, e);
	return 0;
}

static void release_writer(struct store *s)
{
	s->in_tx = 0;
	s->npending = 0;
	if (s->holds_writer) {
		s->holds_writer = 0;
		pthread_mutex_unlock(&writer);
	}
}

/* Whether the outermost BEGIN is still queued: nothing of the transaction reached the server. */
static bool unsent(const struct store *s)
{
	return s->npending > 0 && strncmp(s->pending[0], "BEGIN", 5) == 0;
}

static int pg_commit(struct store *s, struct recur_err *e)
{
	char sql[48];
	int rc;
	if (s->in_tx > 1) {
		snprintf(sql, sizeof(sql), "SAVEPOINT sp%d", s->in_tx - 1);
		if (!undefer(s, sql)) {
			snprintf(sql, sizeof(sql), "RELEASE SAVEPOINT sp%d", s->in_tx - 1);
			if ((rc = defer(s, sql, e)) < 0)
				return rc;
		}
		s->in_tx--;
		return 0;
	}
	if (s->in_tx == 0)
		return 0;
	/*
	 * A failed COMMIT (a deferred constraint, a serialization failure) ends
	 * the transaction all the same: PostgreSQL rolled it back. A transaction
	 * that never reached the server has nothing to commit.
	 */
	rc = unsent(s) ? 0 : defer(s, "COMMIT", e);
	if (rc == 0 && !unsent(s))
		rc = flush(s, e);
	if (rc < 0 && PQtransactionStatus(s->conn) != PQTRANS_IDLE) {
		struct recur_err ignored;
		command(s, "ROLLBACK", &ignored);
	}
	release_writer(s);
	return rc;
}

static void pg_rollback(struct store *s)
{
	struct recur_err ignored;
	char sql[48];
	if (s->in_tx > 1) {
		snprintf(sql, sizeof(sql), "SAVEPOINT sp%d", s->in_tx - 1);
		if (!undefer(s, sql)) {
			snprintf(sql, sizeof(sql), "ROLLBACK TO SAVEPOINT sp%d", s->in_tx - 1);
			defer(s, sql, &ignored);
			snprintf(sql, sizeof(sql), "RELEASE SAVEPOINT sp%d", s->in_tx - 1);
			defer(s, sql, &ignored);
		}
		s->in_tx--;
		return;
	}
	s->npending = 0; /* whatever was queued, the ROLLBACK undoes */
	if (PQtransactionStatus(s->conn) != PQTRANS_IDLE)
		command(s, "ROLLBACK", &ignored);
	release_writer(s);
}

static int pg_row_count(const struct store_row *r)
{
	return PQnfields(r->res);
}

static bool pg_row_is_null(const struct store_row *r, int col)
{
	return col >= PQnfields(r->res) || PQgetisnull(r->res, r->row, col);
}

/*
 * Integers arrive as text. A boolean expression ("count(*) > 0") is 1 or 0,
 * as SQLite has it; a numeric (sum() of bigints) is cut at its point, which
 * truncates toward zero like SQLite's integer arithmetic.
 */
static int64_t pg_row_int(const struct store_row *r, int col)
{
	if (pg_row_is_null(r, col))
		return 0;
	const char *v = PQgetvalue(r->res, r->row, col);
	if (PQftype(r->res, col) == BOOLOID)
		return v[0] == 't';
	return strtoll(v, NULL, 10);
}

static const char *pg_row_text(const struct store_row *r, int col, size_t *len)
{
	if (pg_row_is_null(r, col)) {
		if (len)
			*len = 0;
		return NULL;
	}
	if (len)
		*len = (size_t)PQgetlength(r->res, r->row, col);
	return PQgetvalue(r->res, r->row, col);
}

struct names {
	char name[4][64];
	int n;
};

static int add_name(void *ctx, const struct store_row *row)
{
	struct names *n = ctx;
	if (n->n < 4)
		snprintf(n->name[n->n++], sizeof(n->name[0]), "%s", pg_row_text(row, 0, NULL));
	return 0;
}

/*
 * Rows copied in with their own seq leave the identity's sequence where it
 * was (BY DEFAULT takes a given value without drawing one): set it past the
 * table's largest, so the next insert draws a new number.
 */
static int pg_reseed(struct store *s, const char *table, struct recur_err *e)
{
	struct names ids = { 0 };
	struct store_val tv = SV_TEXT(table);
	int rc = pg_query(s, "SELECT column_name FROM information_schema.columns"
			     " WHERE table_schema = current_schema() AND table_name = $1"
			     " AND is_identity = 'YES'", &tv, 1, add_name, &ids, e);
	for (int i = 0; rc == 0 && i < ids.n; i++) {
		char *t = PQescapeIdentifier(s->conn, table, strlen(table));
		char *c = PQescapeIdentifier(s->conn, ids.name[i], strlen(ids.name[i]));
		char sql[512];
		/* the table argument is parsed as SQL (so quoted), the column is taken as it is */
		snprintf(sql, sizeof(sql), "SELECT setval(pg_get_serial_sequence($1, $2),"
			 " coalesce(max(%s), 0) + 1, false) FROM %s", c ? c : "", t ? t : "");
		struct store_val v[] = { SV_TEXT(t), SV_TEXT(ids.name[i]) };
		rc = t && c ? pg_query(s, sql, v, 2, NULL, NULL, e) : err_internal(e, "out of memory");
		PQfreemem(t);
		PQfreemem(c);
	}
	return rc;
}

const struct store_driver store_postgres_driver = {
	.name = "postgres",
	.open = pg_open,
	.close = pg_close,
	.query = pg_query,
	.changes = pg_changes,
	.total_changes = pg_total_changes,
	.script = pg_script,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.row_count = pg_row_count,
	.row_is_null = pg_row_is_null,
	.row_int = pg_row_int,
	.row_text = pg_row_text,
	/* a table's oid is drawn when it is created: creation order */
	.tables_sql = "SELECT relname FROM pg_class WHERE relnamespace = current_schema()::regnamespace"
		      " AND relkind IN ('r', 'p') ORDER BY oid",
	.columns_sql = "SELECT column_name FROM information_schema.columns"
		       " WHERE table_schema = current_schema() AND table_name = $1"
		       " ORDER BY ordinal_position",
	.reseed = pg_reseed,
};
