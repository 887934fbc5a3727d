#include "api/server.h"
#include "cli/cli.h"
#include "jobs/importer.h"
#include "jobs/mailer.h"
#include "jobs/scheduler.h"
#include "jobs/webhooks.h"
#include "service/webhook.h"
#include "store/store.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"usage: recur serve [--db URL] [--listen HOST:PORT] [--threads N]\n"
	"\n"
	"Serves the Stripe-compatible API. Migrations are applied at start.\n"
	"  --db URL          database (default $RECUR_DB or " CLI_DEFAULT_DB ")\n"
	"  --listen H:P      address to listen on (default $RECUR_LISTEN or " CLI_DEFAULT_LISTEN ")\n"
	"  --threads N       worker threads, each with its own connection (default 4)\n"
	"  --smtp URL        mail server for notifications, smtp://host:port or smtps://\n"
	"                    (default $RECUR_SMTP_URL; none: no mail is queued, docs/email.md)\n"
	"  --mail-from ADDR  the sender of notifications (default $RECUR_MAIL_FROM)\n"
	"  --allow-private-webhooks\n"
	"                    let webhook endpoints use loopback and private addresses\n"
	"                    (also $RECUR_WEBHOOKS_ALLOW_PRIVATE=1; for tests and\n"
	"                    receivers on the same network, docs/webhooks.md)\n"
	"\n"
	"For tests only: $RECUR_WEBHOOK_BACKOFF_MS sets the first retry delay\n"
	"(default 60000) and $RECUR_WEBHOOK_RETRY_WINDOW the seconds deliveries are\n"
	"retried (default 259200, 3 days).\n";

int cli_serve(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "listen", required_argument, NULL, 'l' },
		{ "threads", required_argument, NULL, 't' },
		{ "allow-private-webhooks", no_argument, NULL, 'p' },
		{ "smtp", required_argument, NULL, 'S' },
		{ "mail-from", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *db = cli_default_db();
	const char *listen = getenv("RECUR_LISTEN");
	long threads = 4;
	const char *env_private = getenv("RECUR_WEBHOOKS_ALLOW_PRIVATE");
	bool allow_private = env_private && strcmp(env_private, "1") == 0;
	const char *smtp = NULL, *mail_from = NULL;
	int c;
	if (!listen || !*listen)
		listen = CLI_DEFAULT_LISTEN;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'l': listen = optarg; break;
		case 't': threads = strtol(optarg, NULL, 10); break;
		case 'p': allow_private = true; break;
		case 'S': smtp = optarg; break;
		case 'F': mail_from = optarg; break;
		case 'h': fputs(usage, stdout); return 0;
		default: fputs(usage, stderr); return 2;
		}
	}
	if (optind < argc || threads < 1 || threads > 256) {
		fputs(usage, stderr);
		return 2;
	}
	char host[256];
	const char *colon = strrchr(listen, ':');
	long port = colon ? strtol(colon + 1, NULL, 10) : 0;
	if (!colon || port <= 0 || port > 65535 || (size_t)(colon - listen) >= sizeof(host)) {
		fprintf(stderr, "recur: --listen wants HOST:PORT, got '%s'\n", listen);
		return 2;
	}
	snprintf(host, sizeof(host), "%.*s", (int)(colon - listen), listen);
	struct store *s = cli_open_db(db);
	if (!s)
		return 1;
	store_close(s);
	struct recur_err e;
	err_clear(&e);
	struct api_server_opts o = { .db_url = db, .host = host, .port = (int)port,
				     .threads = (int)threads };
	struct scheduler *sched = NULL;
	struct mailer *mail = NULL;
	struct webhooks *hooks = NULL;
	struct importer *imports = NULL;
	const char *backoff = getenv("RECUR_WEBHOOK_BACKOFF_MS");
	const char *window = getenv("RECUR_WEBHOOK_RETRY_WINDOW");
	struct webhooks_opts wo = {
		.db_url = db, .allow_private = allow_private,
		.backoff_base_ms = backoff ? strtoll(backoff, NULL, 10) : 0,
		.retry_window = window ? strtoll(window, NULL, 10) : 0,
	};
	int status = 0;
	svc_webhook_set_allow_private(allow_private);
	if (mailer_start_configured(&mail, db, smtp, mail_from, &e) < 0 ||
	    scheduler_start(&sched, db, &e) < 0 || webhooks_start(&hooks, &wo, &e) < 0 ||
	    importer_start(&imports, db, &e) < 0 || api_server_run(&o, &e) < 0) {
		fprintf(stderr, "recur: %s\n", e.message);
		status = 1;
	}
	importer_stop(imports);
	webhooks_stop(hooks);
	scheduler_stop(sched);
	mailer_stop(mail);
	return status;
}
