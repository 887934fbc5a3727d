/*
 * recur - a subscription billing engine. One binary: the server, the command
 * line tool and the batch runner.
 */
#include "cli/cli.h"
#include "formats/camt054.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

static const char usage[] =
	"usage: recur <command> [options]\n"
	"\n"
	"commands:\n"
	"  serve     serve the Stripe-compatible HTTP API\n"
	"  tenant    create a tenant and its API keys (recur tenant create --name NAME)\n"
	"  migrate   apply pending schema migrations\n"
	"  migrate-db copy a database to the other back end (--from URL --to URL)\n"
	"  verify    prove the ledger balances (recur verify [--db URL] [--tenant ID])\n"
	"  bank      import a camt.054 bank file (recur bank import FILE --tenant ID)\n"
	"  webhooks  send an event's webhooks again (recur webhooks replay EVT_ID)\n"
	"  import    import a CSV file (recur import TYPE FILE --tenant ID; template TYPE)\n"
	"  export    export a type as CSV (recur export TYPE --tenant ID)\n"
	"  version   print the version\n"
	"  help      print this help\n"
	"\n"
	"Every command takes --help. RECUR_DB (default " CLI_DEFAULT_DB ") and\n"
	"RECUR_LISTEN (default " CLI_DEFAULT_LISTEN ") set defaults.\n";

int main(int argc, char **argv)
{
	if (sodium_init() < 0) {
		fputs("recur: libsodium failed to initialise\n", stderr);
		return 1;
	}
	/* libxml2's one-time setup, before the server's threads (camt054.h). */
	camt054_global_init();
	if (argc < 2) {
		fputs(usage, stderr);
		return 2;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "serve") == 0)
		return cli_serve(argc - 1, argv + 1);
	if (strcmp(cmd, "tenant") == 0)
		return cli_tenant(argc - 1, argv + 1);
	if (strcmp(cmd, "migrate") == 0)
		return cli_migrate(argc - 1, argv + 1);
	if (strcmp(cmd, "migrate-db") == 0)
		return cli_migrate_db(argc - 1, argv + 1);
	if (strcmp(cmd, "verify") == 0)
		return cli_verify(argc - 1, argv + 1);
	if (strcmp(cmd, "bank") == 0)
		return cli_bank(argc - 1, argv + 1);
	if (strcmp(cmd, "webhooks") == 0)
		return cli_webhooks(argc - 1, argv + 1);
	if (strcmp(cmd, "import") == 0)
		return cli_import(argc - 1, argv + 1);
	if (strcmp(cmd, "export") == 0)
		return cli_export(argc - 1, argv + 1);
	if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
		printf("recur %s\n", RECUR_VERSION);
		return 0;
	}
	if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		fputs(usage, stdout);
		return 0;
	}
	fprintf(stderr, "recur: unknown command '%s'\n\n%s", cmd, usage);
	return 2;
}
