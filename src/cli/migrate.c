#include "cli/cli.h"
#include "store/store.h"

#include <getopt.h>
#include <stdio.h>

static const char usage[] =
	"usage: recur migrate [--db URL]\n"
	"\n"
	"Applies the schema migrations the database has not seen yet.\n";

int cli_migrate(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *db_url = cli_default_db();
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db_url = optarg; break;
		case 'h': fputs(usage, stdout); return 0;
		default: fputs(usage, stderr); return 2;
		}
	}
	struct store *db = cli_open_db(db_url);
	if (!db)
		return 1;
	store_close(db);
	printf("migrations applied to %s\n", db_url);
	return 0;
}
