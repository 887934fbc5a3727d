/*
 * migrate.h - the numbered schema migrations compiled into the binary.
 *
 * src/store/migrations/NNN_name.sql become store_migrations[] at build time
 * (scripts/embed-migrations.cmake). Each runs once, in order, in its own
 * transaction, and is recorded in schema_migrations.
 */
#ifndef RECUR_STORE_MIGRATE_H
#define RECUR_STORE_MIGRATE_H

struct migration {
	int version;
	const char *name;
	const char *sql;
};

extern const struct migration store_migrations[];
extern const int store_migration_count;

#endif
