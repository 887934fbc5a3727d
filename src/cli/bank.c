/*
 * bank.c - recur bank import: reads a camt.054 file into a tenant's books
 * (svc_bank_statement_import, service/bank.h), as POST /v1/bank_statements does.
 */
#include "api/form.h"
#include "cli/cli.h"
#include "formats/camt054.h"
#include "service/audit.h"
#include "service/bank.h"
#include "store/store.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char usage[] =
	"usage: recur bank import FILE --tenant ID [--db URL] [--live]\n"
	"\n"
	"Imports an ISO 20022 camt.054 notification (001.02 or 001.08): each credit\n"
	"is matched by its KID/OCR reference to an open invoice (exact: paid; under:\n"
	"partly paid; over: paid, the rest to the customer's credit) or kept as an\n"
	"unmatched payment. A transaction imported before is counted as a duplicate\n"
	"and changes nothing. Test mode unless --live. Prints the bank_statement\n"
	"object as JSON.\n"
	"\n"
	"Exit status: 0 on success, 1 when the file or the import fails, 2 on a\n"
	"usage error.\n";

/* The whole file into a new NUL-terminated buffer (*len bytes), at most CAMT054_MAX_BYTES. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0;

	if (!f)
		return NULL;
	for (;;) {
		if (n == cap) {
			char *nb;
			cap = cap ? cap * 2 : 65536;
			if (cap > CAMT054_MAX_BYTES + 1 || !(nb = realloc(buf, cap + 1))) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (buf && ferror(f)) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf) {
		buf[n] = '\0';
		*len = n;
	}
	return buf;
}

int cli_bank(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "tenant", required_argument, NULL, 't' },
		{ "live", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *db_url = cli_default_db(), *tenant = NULL;
	struct store *db = NULL;
	struct recur_err e;
	json_t *p = NULL, *out = NULL;
	char *text = NULL, *dump = NULL;
	size_t len = 0;
	int livemode = 0, c, status = 2;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db_url = optarg; break;
		case 't': tenant = optarg; break;
		case 'l': livemode = 1; break;
		case 'h': fputs(usage, stdout); return 0;
		default: fputs(usage, stderr); return 2;
		}
	}
	if (optind + 2 != argc || strcmp(argv[optind], "import") != 0 || !tenant) {
		fputs(usage, stderr);
		return 2;
	}
	err_clear(&e);
	status = 1;
	if (!(text = slurp(argv[optind + 1], &len))) {
		fprintf(stderr, "recur: cannot read %s (or it exceeds %zu bytes)\n", argv[optind + 1],
			CAMT054_MAX_BYTES);
		goto done;
	}
	if (form_utf8_prefix(text, len) != len) {
		fprintf(stderr, "recur: %s is not valid UTF-8\n", argv[optind + 1]);
		goto done;
	}
	if (!(db = cli_open_db(db_url)))
		goto done;
	if (cli_check_tenant(db, tenant) < 0)
		goto done;
	p = json_pack("{s:s%}", "file", text, len);
	struct svc s = {
		.db = db,
		.scope = { .tenant = tenant, .livemode = livemode },
		.now = (int64_t)time(NULL),
	};
	/* One transaction with its audit entry (actor cli; none for a file seen before). */
	struct svc_audit_mark mark;
	struct svc_audit_entry a = { .actor = "cli", .action = "import",
				     .object_type = "bank_statement", .when = SVC_AUDIT_IF_WRITTEN };
	int rc = p ? svc_audit_begin(&mark, &s, &e) : err_internal(&e, "out of memory");
	if (p) {
		if (rc == 0)
			rc = svc_bank_statement_import(&out, &s, p, &e);
		a.object_id = json_string_value(json_object_get(out, "id"));
		a.created = out;
		rc = svc_audit_finish(&s, &a, &mark, rc, &e);
	}
	if (rc < 0) {
		fprintf(stderr, "recur: %s\n", e.message);
		goto done;
	}
	if ((dump = json_dumps(out, JSON_INDENT(2))))
		puts(dump);
	status = 0;
done:
	free(dump);
	json_decref(out);
	json_decref(p);
	free(text);
	store_close(db);
	return status;
}
