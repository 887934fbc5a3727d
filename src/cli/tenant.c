#include "cli/cli.h"
#include "service/tenant.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char usage[] =
	"usage: recur tenant create --name NAME [--db URL]\n"
	"\n"
	"Creates a tenant (a business) and prints one JSON object:\n"
	"  {\"id\":\"acct_...\",\"name\":...,\"secret_key\":\"sk_test_...\",\"live_secret_key\":\"sk_live_...\",\n"
	"   \"secret_key_id\":\"key_...\",\"live_secret_key_id\":\"key_...\"}\n"
	"The keys are shown only now; recur keeps only their hashes (the ids name\n"
	"them in the audit log). A running recur serve accepts them at once.\n";

int cli_tenant(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "db", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *db_url = cli_default_db(), *name = NULL;
	int c, status = 1;
	struct store *db = NULL;
	json_t *out = NULL;
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0)) {
		fputs(usage, stdout);
		return 0;
	}
	if (argc < 2 || strcmp(argv[1], "create") != 0) {
		fputs(usage, stderr);
		return 2;
	}
	argc--;
	argv++;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'n': name = optarg; break;
		case 'd': db_url = optarg; break;
		case 'h': fputs(usage, stdout); return 0;
		default: fputs(usage, stderr); return 2;
		}
	}
	if (!name || optind < argc) {
		fputs(usage, stderr);
		return 2;
	}
	struct recur_err e;
	err_clear(&e);
	db = cli_open_db(db_url);
	if (!db)
		goto done;
	if (svc_tenant_create(&out, db, name, (int64_t)time(NULL), &e) < 0) {
		fprintf(stderr, "recur: %s\n", e.message);
		goto done;
	}
	json_dumpf(out, stdout, JSON_COMPACT);
	fputc('\n', stdout);
	status = 0;
done:
	json_decref(out);
	store_close(db);
	return status;
}
