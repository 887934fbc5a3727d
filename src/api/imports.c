/*
 * imports.c - /v1/imports, its templates and error reports, and /v1/exports
 * (service/import.h, docs/import.md).
 */
#include "api/api.h"
#include "api/server.h"
#include "core/buf.h"
#include "service/import.h"

#include <stdio.h>
#include <string.h>

/* An answer is built whole in memory; `recur export` streams any size. */
#define EXPORT_MAX ((size_t)1 << 30)

static int create(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_import_create(out, &c->svc, c->params, API_IMPORT_INLINE_MAX, e);
}

static int retrieve(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_import_retrieve(out, &c->svc, c->id, e);
}

static int list(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_import_list(out, &c->svc, c->params, e);
}

/* Hands b's text to the server as a CSV download named name. */
static int answer_csv(json_t **out, struct api_call *c, struct buf *b, const char *name)
{
	c->raw = b->data ? b->data : strdup("");
	c->raw_type = "text/csv; charset=utf-8";
	snprintf(c->raw_filename, sizeof(c->raw_filename), "%s", name);
	b->data = NULL;
	*out = json_object();
	return 0;
}

/* "customers.csv" -> "customers" in type; anything else is no such file. */
static int csv_name(char *type, size_t cap, const char *name, struct recur_err *e)
{
	size_t n = strlen(name);
	if (n < 5 || n - 4 >= cap || strcmp(name + n - 4, ".csv") != 0)
		return err_set(e, RECUR_ENOTFOUND, 404, "invalid_request_error", "resource_missing",
			       NULL, "No such file: %s (customers.csv, prices.csv, subscriptions.csv"
			       " or balances.csv)", name);
	memcpy(type, name, n - 4);
	type[n - 4] = '\0';
	return 0;
}

static int errors_csv(json_t **out, struct api_call *c, struct recur_err *e)
{
	struct buf b;
	char name[160];
	buf_init(&b, EXPORT_MAX);
	int rc = svc_import_errors_csv(&b, &c->svc, c->id, e);
	snprintf(name, sizeof(name), "%s-errors.csv", c->id);
	if (rc == 0)
		rc = answer_csv(out, c, &b, name);
	buf_free(&b);
	return rc;
}

static int make_template(struct buf *b, struct api_call *c, const char *type,
			 struct recur_err *e)
{
	(void)c;
	return svc_import_template(b, type, e);
}

static int make_export(struct buf *b, struct api_call *c, const char *type, struct recur_err *e)
{
	return svc_export(b, &c->svc, type, c->params, NULL, NULL, e);
}

/* A file named by the path's "{type}.csv", made by make. */
static int type_file(json_t **out, struct api_call *c, struct recur_err *e,
		     int (*make)(struct buf *, struct api_call *, const char *, struct recur_err *))
{
	struct buf b;
	char type[64];
	int rc = csv_name(type, sizeof(type), c->id, e);
	if (rc < 0)
		return rc;
	buf_init(&b, EXPORT_MAX);
	if ((rc = make(&b, c, type, e)) == 0)
		rc = answer_csv(out, c, &b, c->id);
	buf_free(&b);
	return rc;
}

static int template(json_t **out, struct api_call *c, struct recur_err *e)
{
	return type_file(out, c, e, make_template);
}

static int export(json_t **out, struct api_call *c, struct recur_err *e)
{
	return type_file(out, c, e, make_export);
}

const struct api_route api_import_routes[] = {
	{ "POST", "/v1/imports", create },
	{ "GET", "/v1/imports", list },
	{ "GET", "/v1/imports/templates/:id", template, API_NO_PARAMS },
	{ "GET", "/v1/imports/:id", retrieve, API_NO_PARAMS },
	{ "GET", "/v1/imports/:id/errors.csv", errors_csv, API_NO_PARAMS },
	{ "GET", "/v1/exports/:id", export },
	{ 0 },
};
