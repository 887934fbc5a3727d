/*
 * webhooks.c - recur webhooks replay: sends an event's webhooks again.
 *
 * The running server's delivery worker does the sending: replay only puts
 * the event's deliveries back in the queue, due now.
 */
#include "cli/cli.h"
#include "service/webhook.h"
#include "store/store.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char usage[] =
	"usage: recur webhooks replay EVT_ID [--db URL]\n"
	"\n"
	"Queues every webhook delivery of the event again, due at once, with a new\n"
	"3-day retry window; `recur serve` sends them. Earlier attempts are kept.\n";

int cli_webhooks(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *db_url = cli_default_db();
	struct store *db = NULL;
	struct recur_err e;
	int c, n = 0, status = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db_url = optarg; break;
		case 'h': fputs(usage, stdout); return 0;
		default: fputs(usage, stderr); return 2;
		}
	}
	if (argc - optind != 2 || strcmp(argv[optind], "replay") != 0) {
		fputs(usage, stderr);
		return 2;
	}
	err_clear(&e);
	if (!(db = cli_open_db(db_url)))
		return 1;
	/* the queue runs on the wall clock (service/webhook.h) */
	if (svc_webhook_replay_event(&n, db, argv[optind + 1], (int64_t)time(NULL), &e) < 0) {
		fprintf(stderr, "recur: %s\n", e.message);
		goto done;
	}
	printf("%d deliveries of %s queued\n", n, argv[optind + 1]);
	status = 0;
done:
	store_close(db);
	return status;
}
