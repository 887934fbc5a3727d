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

int cli_check_tenant(struct store *db, const char *tenant)
{
	struct recur_err e;
	struct store_val tp[] = { SV_TEXT(tenant) };
	int64_t n = 0;
	bool found = false;
	err_clear(&e);
	if (store_query_int(&n, &found, db, "SELECT count(*) FROM tenants WHERE id = $1", tp, 1,
			    &e) < 0 || !found || n == 0) {
		fprintf(stderr, "recur: %s\n", e.message[0] ? e.message : "no such tenant");
		return -1;
	}
	return 0;
}
