/*
 * postgres.h - the PostgreSQL back end's own helpers (docs/scaling.md).
 *
 * The driver itself is store_postgres_driver (store.h); store_open picks it for
 * "postgres://" and "postgresql://" URLs, which libpq reads as they are.
 */
#ifndef RECUR_STORE_POSTGRES_H
#define RECUR_STORE_POSTGRES_H

#include "store/store.h"

/*
 * The PostgreSQL form of a migration written for SQLite (postgres_ddl.c):
 * in CREATE TABLE and ALTER TABLE statements, "INTEGER PRIMARY KEY" becomes
 * an identity column, every other INTEGER a BIGINT, and TEXT is
 * TEXT COLLATE "C"; other statements are kept as they are. *out is the
 * caller's to free. Returns 0, or -1 when out of memory.
 */
int store_postgres_ddl(char **out, const char *sql);

#endif
