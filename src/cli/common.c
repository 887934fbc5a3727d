#include "cli/cli.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>

const char *cli_default_db(void)
{
	const char *v = getenv("RECUR_DB");
	return v && *v ? v : CLI_DEFAULT_DB;
}

struct store *cli_open_db(const char *url)
{
	struct recur_err e;
	struct store *db = NULL;
	err_clear(&e);
	if (store_open(&db, url, &e) < 0 || store_migrate(db, &e) < 0) {
		fprintf(stderr, "recur: %s\n", e.message);
		store_close(db);
		return NULL;
	}
	return db;
}
