/*
 * import.c - recur import TYPE FILE, recur import template TYPE and recur
 * export TYPE: the CSV imports and exports of service/import.h from the
 * command line. The file is streamed (never held in memory whole), with a
 * progress bar when stderr is a terminal.
 */
#include "cli/cli.h"
#include "core/buf.h"
#include "service/audit.h"
#include "service/import.h"
#include "store/store.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char import_usage[] =
	"usage: recur import TYPE FILE --tenant ID [--db URL] [--live] [--dry-run] [--partial]\n"
	"                    [--no-events] [--delimiter auto|comma|semicolon|tab]\n"
	"                    [--decimal auto|point|comma] [--dmy]\n"
	"       recur import template TYPE\n"
	"\n"
	"Imports a CSV file of TYPE (customers, prices, subscriptions or balances) into\n"
	"a tenant (test mode unless --live), as POST /v1/imports does, and prints the\n"
	"import object as JSON. A row naming an existing object (id or external key)\n"
	"updates it; other rows create. All or nothing unless --partial (keep the good\n"
	"rows); --dry-run checks everything and writes nothing. Semicolon files read\n"
	"decimal commas (1 250,00) unless --decimal says otherwise; --dmy reads dates as\n"
	"DD.MM.YYYY. Every error is printed on stderr as 'row R, column C: message'.\n"
	"`recur import template TYPE` prints the type's example file. docs/import.md\n"
	"describes every column.\n"
	"\n"
	"Exit status: 0 when the import succeeded, 1 when it failed (or found errors\n"
	"in a dry run), 2 on a usage error.\n";

static const char export_usage[] =
	"usage: recur export TYPE --tenant ID [--db URL] [--live]\n"
	"                    [--delimiter comma|semicolon|tab] [--decimal point|comma]\n"
	"\n"
	"Writes every object of TYPE (customers, prices, subscriptions or balances) as\n"
	"CSV on stdout, in the form `recur import` reads back unchanged.\n";

struct file_reader {
	FILE *f;
	struct svc_import_progress *progress;
	bool tty;
	struct timespec last;
};

static void draw(struct file_reader *r, bool final)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	int64_t ms = (now.tv_sec - r->last.tv_sec) * 1000 + (now.tv_nsec - r->last.tv_nsec) / 1000000;
	if (!r->tty || (!final && ms < 100))
		return;
	r->last = now;
	int64_t size = r->progress->size, bytes = r->progress->bytes;
	int pct = size > 0 ? (int)(bytes * 100 / size) : 0;
	char bar[31];
	for (int i = 0; i < 30; i++)
		bar[i] = i < pct * 30 / 100 ? '#' : '.';
	bar[30] = '\0';
	fprintf(stderr, "\r[%s] %3d%% %lld rows%s", bar, pct, (long long)r->progress->rows,
		final ? "\n" : "");
}

static int64_t read_file(void *ctx, char *buf, size_t cap, struct recur_err *e)
{
	struct file_reader *r = ctx;
	size_t n = fread(buf, 1, cap, r->f);
	if (n == 0 && ferror(r->f))
		return err_internal(e, "cannot read the file");
	draw(r, n == 0);
	return (int64_t)n;
}

static void print_errors(const json_t *imp, struct svc *s)
{
	struct buf b;
	struct recur_err e;
	buf_init(&b, (size_t)1 << 30);
	err_clear(&e);
	if (json_integer_value(json_object_get(imp, "error_count")) == 0)
		return;
	/* The whole report, not only the first errors the object shows. */
	if (svc_import_errors_csv(&b, s, json_string_value(json_object_get(imp, "id")), &e) == 0 &&
	    b.data)
		fputs(b.data, stderr);
	buf_free(&b);
}

struct opts {
	const char *db_url, *tenant;
	int livemode;
	json_t *p;
};

/* The options both commands share, into o (p gets delimiter/decimal/... as strings). */
static int parse(struct opts *o, int argc, char **argv, const char *usage, bool import)
{
	static const struct option long_opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "tenant", required_argument, NULL, 't' },
		{ "live", no_argument, NULL, 'l' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "partial", no_argument, NULL, 'p' },
		{ "no-events", no_argument, NULL, 'q' },
		{ "delimiter", required_argument, NULL, 'D' },
		{ "decimal", required_argument, NULL, 'c' },
		{ "dmy", no_argument, NULL, 'y' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;
	o->db_url = cli_default_db();
	while ((c = getopt_long(argc, argv, "", long_opts, NULL)) != -1) {
		bool import_only = strchr("npqy", c) != NULL;
		if (import_only && !import)
			c = '?';
		switch (c) {
		case 'd': o->db_url = optarg; break;
		case 't': o->tenant = optarg; break;
		case 'l': o->livemode = 1; break;
		case 'n': json_object_set_new(o->p, "mode", json_string("dry_run")); break;
		case 'p': json_object_set_new(o->p, "partial", json_string("true")); break;
		case 'q': json_object_set_new(o->p, "emit_events", json_string("false")); break;
		case 'D': json_object_set_new(o->p, "delimiter", json_string(optarg)); break;
		case 'c': json_object_set_new(o->p, "decimal", json_string(optarg)); break;
		case 'y': json_object_set_new(o->p, "date_format", json_string("dmy")); break;
		case 'h': fputs(usage, stdout); return 1;
		default: fputs(usage, stderr); return 2;
		}
	}
	return 0;
}

static int template(int argc, char **argv)
{
	struct buf b;
	struct recur_err e;
	int status = 1;
	if (argc != 3) {
		fputs(import_usage, stderr);
		return 2;
	}
	buf_init(&b, 0);
	err_clear(&e);
	if (svc_import_template(&b, argv[2], &e) < 0)
		fprintf(stderr, "recur: %s\n", e.message);
	else if (fwrite(b.data, 1, b.len, stdout) == b.len)
		status = 0;
	buf_free(&b);
	return status;
}

int cli_import(int argc, char **argv)
{
	struct opts o = { .p = json_object() };
	struct store *db = NULL;
	struct recur_err e;
	struct svc_import_progress progress = { 0 };
	struct file_reader fr = { .progress = &progress, .tty = isatty(STDERR_FILENO) };
	json_t *out = NULL;
	char *dump = NULL;
	int status;

	if (argc >= 2 && strcmp(argv[1], "template") == 0) {
		json_decref(o.p);
		return template(argc, argv);
	}
	if ((status = parse(&o, argc, argv, import_usage, true)) != 0)
		goto done;
	status = 2;
	if (optind + 2 != argc || !o.tenant) {
		fputs(import_usage, stderr);
		goto done;
	}
	status = 1;
	const char *path = argv[optind + 1];
	struct stat st;
	if (!(fr.f = fopen(path, "rb")) || fstat(fileno(fr.f), &st) < 0) {
		fprintf(stderr, "recur: cannot read %s\n", path);
		goto done;
	}
	progress.size = st.st_size;
	const char *slash = strrchr(path, '/');
	json_object_set_new(o.p, "type", json_string(argv[optind]));
	json_object_set_new(o.p, "filename", json_string(slash ? slash + 1 : path));
	if (!(db = cli_open_db(o.db_url)) || cli_check_tenant(db, o.tenant) < 0)
		goto done;
	err_clear(&e);
	struct svc s = { .db = db, .scope = { .tenant = o.tenant, .livemode = o.livemode },
			 .now = (int64_t)time(NULL) };
	/* One transaction with its audit entry (actor cli): the result and its events' range. */
	struct svc_audit_mark mark;
	struct svc_audit_entry a = { .actor = "cli", .action = "import", .object_type = "import",
				     .when = SVC_AUDIT_ALWAYS };
	int rc = svc_audit_begin(&mark, &s, &e);
	if (rc == 0)
		rc = svc_import_stream(&out, &s, o.p, read_file, &fr, &progress, &e);
	a.object_id = json_string_value(json_object_get(out, "id"));
	rc = svc_import_audit_finish(&s, &a, &mark, rc, &e);
	if (rc < 0) {
		fprintf(stderr, "recur: %s\n", e.message);
		goto done;
	}
	print_errors(out, &s);
	if ((dump = json_dumps(out, JSON_INDENT(2))))
		puts(dump);
	status = strcmp(json_string_value(json_object_get(out, "status")), "succeeded") == 0 ? 0 : 1;
done:
	free(dump);
	json_decref(out);
	json_decref(o.p);
	if (fr.f)
		fclose(fr.f);
	store_close(db);
	return status;
}

static int to_stdout(void *ctx, struct buf *b, struct recur_err *e)
{
	(void)ctx;
	if (b->len && fwrite(b->data, 1, b->len, stdout) != b->len)
		return err_internal(e, "cannot write the export");
	buf_reset(b);
	return 0;
}

int cli_export(int argc, char **argv)
{
	struct opts o = { .p = json_object() };
	struct store *db = NULL;
	struct recur_err e;
	struct buf b;
	int status;
	buf_init(&b, 0);
	if ((status = parse(&o, argc, argv, export_usage, false)) != 0)
		goto done;
	status = 2;
	if (optind + 1 != argc || !o.tenant) {
		fputs(export_usage, stderr);
		goto done;
	}
	status = 1;
	if (!(db = cli_open_db(o.db_url)) || cli_check_tenant(db, o.tenant) < 0)
		goto done;
	err_clear(&e);
	struct svc s = { .db = db, .scope = { .tenant = o.tenant, .livemode = o.livemode },
			 .now = (int64_t)time(NULL) };
	if (svc_export(&b, &s, argv[optind], o.p, to_stdout, NULL, &e) < 0) {
		fprintf(stderr, "recur: %s\n", e.message);
		goto done;
	}
	status = fflush(stdout) == 0 ? 0 : 1;
done:
	buf_free(&b);
	json_decref(o.p);
	store_close(db);
	return status;
}
