/*
 * verify.c - recur verify: proves that the books balance (svc_ledger_verify)
 * and prints a report a person reads, one line per check.
 */
#include "cli/cli.h"
#include "service/ledger.h"
#include "store/store.h"

#include <getopt.h>
#include <stdio.h>

static const char usage[] =
	"usage: recur verify [--db URL] [--tenant ID]\n"
	"\n"
	"Proves the receivables ledger of every tenant (or of one), in test and\n"
	"live mode: every entry is well formed, every posting and the whole ledger\n"
	"balance (debits = credits, overall and per currency), every customer's\n"
	"balance and open invoices equal its ledger entries, every paid invoice has\n"
	"its payment, and no invoice attempt was charged twice. Prints one line per\n"
	"check (ok, FAIL or skip, with the numbers) and examples under a FAIL.\n"
	"\n"
	"Exit status: 0 when every check passes, 1 when any fails, 2 on a usage\n"
	"error or when the database cannot be read.\n";

void cli_verify_line(void *ctx, const struct svc_ledger_check *c)
{
	FILE *f = ctx ? ctx : stdout;
	switch (c->verdict) {
	case SVC_LEDGER_SCOPE:
		fprintf(f, "tenant %s, %s mode\n", c->tenant, c->livemode ? "live" : "test");
		break;
	case SVC_LEDGER_OK:
		fprintf(f, "  ok    %s: %s\n", c->name, c->detail);
		break;
	case SVC_LEDGER_FAIL:
		fprintf(f, "  FAIL  %s: %s\n", c->name, c->detail);
		break;
	case SVC_LEDGER_SKIP:
		fprintf(f, "  skip  %s: %s\n", c->name, c->detail);
		break;
	case SVC_LEDGER_DETAIL:
		fprintf(f, "          %s\n", c->detail);
		break;
	}
}

int cli_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "tenant", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct svc_ledger_verify_result res;
	const char *db_url = cli_default_db(), *tenant = NULL;
	struct store *db = NULL;
	struct recur_err e;
	int c, status = 2;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db_url = optarg; break;
		case 't': tenant = optarg; break;
		case 'h': fputs(usage, stdout); return 0;
		default: fputs(usage, stderr); return 2;
		}
	}
	if (optind < argc) {
		fputs(usage, stderr);
		return 2;
	}
	err_clear(&e);
	if (!(db = cli_open_db(db_url)))
		goto done;
	printf("recur verify %s\n", db_url);
	if (svc_ledger_verify(&res, db, tenant, cli_verify_line, NULL, &e) < 0) {
		fflush(stdout);
		fprintf(stderr, "recur: %s\n", e.message);
		goto done;
	}
	if (res.scopes == 0)
		printf("no tenants: nothing to verify\n");
	printf("%s: %d checks, %d failed, %d skipped\n", res.failed ? "FAIL" : "ok", res.checks,
	       res.failed, res.skipped);
	status = res.failed ? 1 : 0;
done:
	store_close(db);
	return status;
}
