/*
 * testdb.h - the database a unit test runs on, and the small reads its
 * assertions make.
 *
 * Every tests/<module>/test_*.c is built as its own single-file cmocka
 * program (CMakeLists.txt globs them), so this support module is header-only:
 * static inline functions, included as "../support/testdb.h". A test gets a
 * fresh, fully migrated database of its own (testdb_open), real as the server
 * would use it, and removes it afterwards (testdb_close).
 *
 * That database is a temporary SQLite file, or, when RECUR_TEST_PG names a
 * PostgreSQL server (its admin URL, as scripts/pg-server.sh prints it), a new
 * database of its own there, dropped afterwards. Which one is decided in
 * exactly one place, testdb_url; nothing else here assumes either.
 */
#ifndef RECUR_TESTS_SUPPORT_TESTDB_H
#define RECUR_TESTS_SUPPORT_TESTDB_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "service/customer.h"
#include "service/price.h"
#include "service/product.h"
#include "service/service.h"
#include "store/store.h"

#include <libpq-fe.h>
#include <string.h>

struct testdb {
	char path[64]; /* the SQLite file testdb_url made; "" when it made none */
	char pg[64];   /* the PostgreSQL database testdb_url made; "" when it made none */
	char url[512]; /* what store_open is given; a test that reopens uses it again */
};

/* Runs one command on the PostgreSQL server at admin (CREATE/DROP DATABASE run outside a transaction). */
static inline void testdb_pg_admin(const char *admin, const char *sql)
{
	PGconn *c = PQconnectdb(admin);
	assert_int_equal(PQstatus(c), CONNECTION_OK);
	PGresult *r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		fprintf(stderr, "%s: %s", sql, PQresultErrorMessage(r));
	assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
	PQclear(r);
	PQfinish(c);
}

/* admin with its database name (the URL's path) replaced by db. */
static inline void testdb_pg_url(char *out, size_t cap, const char *admin, const char *db)
{
	const char *host = strstr(admin, "://");
	assert_non_null(host);
	const char *path = strchr(host + 3, '/');
	assert_non_null(path);
	const char *query = strchr(path, '?');
	int n = snprintf(out, cap, "%.*s/%s%s", (int)(path - admin), admin, db, query ? query : "");
	assert_true(n > 0 && (size_t)n < cap);
}

/*
 * Chooses the database for one test and fills t->url: a new empty file
 * /tmp/recur-test-<name>-XXXXXX, opened as sqlite:<path>; or with RECUR_TEST_PG
 * set, a new database recur_test_<name>_<pid>_<n> on that server.
 */
static inline void testdb_url(struct testdb *t, const char *name)
{
	static int made;
	const char *admin = getenv("RECUR_TEST_PG");
	int n;
	/* t may be a fixture's uninitialised stack or heap memory: testdb_close reads every field */
	memset(t, 0, sizeof(*t));
	if (admin && *admin) {
		char sql[128];
		n = snprintf(t->pg, sizeof(t->pg), "recur_test_%s_%ld_%d", name, (long)getpid(), made++);
		assert_true(n > 0 && (size_t)n < sizeof(t->pg));
		snprintf(sql, sizeof(sql), "CREATE DATABASE \"%s\"", t->pg);
		testdb_pg_admin(admin, sql);
		testdb_pg_url(t->url, sizeof(t->url), admin, t->pg);
		return;
	}
	n = snprintf(t->path, sizeof(t->path), "/tmp/recur-test-%s-XXXXXX", name);
	assert_true(n > 0 && (size_t)n < sizeof(t->path));
	int fd = mkstemp(t->path);
	assert_true(fd >= 0);
	close(fd);
	n = snprintf(t->url, sizeof(t->url), "sqlite:%s", t->path);
	assert_true(n > 0 && (size_t)n < sizeof(t->url));
}

/* A fresh database for one test, every migration applied; name tells its files apart. */
static inline struct store *testdb_open(struct testdb *t, const char *name)
{
	struct store *db = NULL;
	struct recur_err e;
	testdb_url(t, name);
	assert_int_equal(store_open(&db, t->url, &e), 0);
	assert_int_equal(store_migrate(db, &e), 0);
	return db;
}

/*
 * Closes db and removes what testdb_url made: the file and SQLite's -wal and
 * -shm beside it, or the PostgreSQL database.
 */
static inline void testdb_close(struct testdb *t, struct store *db)
{
	char side[sizeof(t->path) + 8];
	store_close(db);
	if (t->pg[0]) {
		char sql[128];
		snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS \"%s\" WITH (FORCE)", t->pg);
		testdb_pg_admin(getenv("RECUR_TEST_PG"), sql);
		t->pg[0] = '\0';
	}
	if (!t->path[0])
		return;
	unlink(t->path);
	snprintf(side, sizeof(side), "%s-wal", t->path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", t->path);
	unlink(side);
	t->path[0] = '\0';
}

/* The service context of tenant acct_test in test mode at now, as the API would build it. */
static inline struct svc testdb_svc(struct store *db, int64_t now)
{
	return (struct svc){ .db = db, .scope = { "acct_test", 0 }, .now = now };
}

/* The one integer sql reads; $1 is arg (NULL when the query takes no parameter). */
static inline int64_t testdb_int(struct store *db, const char *sql, const char *arg)
{
	struct recur_err e;
	struct store_val p[] = { SV_TEXT(arg) };
	int64_t v = -1;
	assert_int_equal(store_query_int(&v, NULL, db, sql, p, arg ? 1 : 0, &e), 0);
	return v;
}

/* How many rows table holds (a name the test wrote, never input). */
static inline int64_t testdb_count(struct store *db, const char *table)
{
	char sql[128];
	int n = snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
	assert_true(n > 0 && (size_t)n < sizeof(sql));
	return testdb_int(db, sql, NULL);
}

/* Runs a create use case on p, which it consumes; the object made, which must succeed. */
static inline json_t *testdb_call(int (*fn)(json_t **, struct svc *, const json_t *,
					     struct recur_err *),
				  struct svc *s, json_t *p)
{
	json_t *out = NULL;
	struct recur_err e;
	int rc = fn(&out, s, p, &e);
	if (rc != 0)
		fprintf(stderr, "call failed: %s\n", e.message);
	assert_int_equal(rc, 0);
	json_decref(p);
	return out;
}

/* Copies obj's id into dst and releases obj: testdb_id_of(id, sizeof(id), testdb_call(...)). */
static inline void testdb_id_of(char *dst, size_t cap, json_t *obj)
{
	snprintf(dst, cap, "%s", json_string_value(json_object_get(obj, "id")));
	json_decref(obj);
}

/* A customer named Kari, in currency when it is not NULL; her id into dst. */
static inline void testdb_customer(char *dst, size_t cap, struct svc *s, const char *currency)
{
	json_t *p = json_pack("{s:s}", "name", "Kari");
	if (currency)
		json_object_set_new(p, "currency", json_string(currency));
	testdb_id_of(dst, cap, testdb_call(svc_customer_create, s, p));
}

/* A product "Plan" and its monthly NOK price of amount (minor units); the price's id into dst. */
static inline void testdb_monthly_price(char *dst, size_t cap, struct svc *s, int64_t amount)
{
	char product[64];
	testdb_id_of(product, sizeof(product),
		     testdb_call(svc_product_create, s, json_pack("{s:s}", "name", "Plan")));
	testdb_id_of(dst, cap, testdb_call(svc_price_create, s,
					   json_pack("{s:s, s:s, s:I, s:{s:s}}", "product", product,
						     "currency", "nok", "unit_amount",
						     (json_int_t)amount, "recurring", "interval",
						     "month")));
}

#endif
