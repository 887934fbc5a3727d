/*
 * import_customers.c - the customers import type: one customer per row,
 * found by id or external_id (updated) or created (docs/import.md).
 */
#include "service/import_internal.h"

#include "core/ids.h"
#include "service/customer.h"

#include <stdio.h>
#include <string.h>

static const char *const cols[] = {
	"id", "external_id", "name", "email", "phone", "description", "preferred_locale",
	"currency", "tax_exempt", "invoice_prefix", "address_line1", "address_line2",
	"address_postal_code", "address_city", "address_state", "address_country", NULL
};
static const char *const required[] = { NULL };
static const char *const example1[] = {
	"", "CRM-10001", "Fjordkraft Bakeri AS", "faktura@fjordbakeri.no", "+47 22 33 44 55",
	"Bakery chain, 4 shops", "nb", "nok", "none", "FJORD", "Storgata 12", "",
	"0155", "Oslo", "", "NO"
};
static const char *const example2[] = {
	"", "CRM-10002", "Solberg & Lind Redovisning AB", "ekonomi@solberglind.se", "",
	"", "sv", "sek", "none", "", "Drottninggatan 88", "3 tr", "111 36", "Stockholm", "", "SE"
};

/* Cells that are one customer parameter each ("" unsets it, as in the API). */
static const char *const plain[] = { "name", "email", "phone", "description", "currency",
				     "tax_exempt", "invoice_prefix", NULL };
static const char *const address_keys[] = { "line1", "line2", "postal_code", "city", "state",
					    "country", NULL };

/* A use case's parameter -> its column. */
static const char *const param_map[] = {
	"name", "name", "email", "email", "phone", "phone", "description", "description",
	"currency", "currency", "tax_exempt", "tax_exempt", "invoice_prefix", "invoice_prefix",
	"external_id", "external_id", "preferred_locales", "preferred_locale",
	"address[line1]", "address_line1", "address[line2]", "address_line2",
	"address[postal_code]", "address_postal_code", "address[city]", "address_city",
	"address[state]", "address_state", "address[country]", "address_country",
	"address", "address_line1", "id", "id", NULL
};

/* The customer a row names: by id (which must exist) or by external_id (may not). */
static int find(char *id, size_t cap, struct imp_run *r, const struct imp_row *row,
		struct recur_err *e)
{
	struct svc *s = imp_svc(r);
	const char *given = NULL, *ext = NULL;
	int rc;
	*id = '\0';
	if ((rc = imp_text(&given, r, row, "id", IDS_MAX - 1)) < 0 ||
	    imp_text(&ext, r, row, "external_id", 255) < 0)
		return IMP_ROW_FAILED;
	if (given) {
		json_t *c = NULL;
		if ((rc = store_obj_get(&c, s->db, &svc_customers_table, &s->scope, given, e)) < 0)
			return rc == RECUR_ENOTFOUND ? imp_error(r, row, "id", "No such customer: %s",
								 given) : rc;
		json_decref(c);
		snprintf(id, cap, "%s", given);
		return 1;
	}
	if (ext && (rc = svc_customer_by_external_id(id, cap, s, ext, e)) != 0)
		return rc;
	return 0;
}

/*
 * The address from the address_* columns, over the customer's own (before:
 * NULL for a new one): a column the file lacks keeps its line, as an absent
 * column leaves a field. An address whose every line is empty is none (""
 * unsets it), so a customer without an address, exported and imported back,
 * still has none rather than an address of empty lines.
 */
static json_t *address_param(const struct imp_row *row, const json_t *before)
{
	const json_t *had = json_object_get(before, "address");
	json_t *addr = NULL;
	bool any = false;
	for (int i = 0; address_keys[i]; i++) {
		char col[32];
		snprintf(col, sizeof(col), "address_%s", address_keys[i]);
		if (imp_has(row, &imp_customers, col) && !addr)
			addr = json_object();
	}
	for (int i = 0; addr && address_keys[i]; i++) {
		char col[32];
		snprintf(col, sizeof(col), "address_%s", address_keys[i]);
		const char *v = imp_has(row, &imp_customers, col)
				? row->vals[imp_col(&imp_customers, col)]
				: json_string_value(json_object_get(had, address_keys[i]));
		json_object_set_new(addr, address_keys[i], json_string(v ? v : ""));
		any = any || (v && *v);
	}
	if (addr && !any) {
		json_decref(addr);
		return json_string("");
	}
	return addr;
}

static int params(json_t **out, struct imp_run *r, const struct imp_row *row, const json_t *before)
{
	json_t *p = json_object();
	const char *v = NULL;
	for (int i = 0; plain[i]; i++) {
		const char *cell = imp_has(row, &imp_customers, plain[i])
				   ? row->vals[imp_col(&imp_customers, plain[i])] : NULL;
		/*
		 * A currency cannot be unset (as in Stripe): an empty cell gives none.
		 * It was sent as "" and refused, so the export of a customer without a
		 * currency did not import back.
		 */
		if (cell && !(*cell == '\0' && strcmp(plain[i], "currency") == 0))
			json_object_set_new(p, plain[i], json_string(cell));
	}
	if (imp_text(&v, r, row, "external_id", 255) > 0)
		json_object_set_new(p, "external_id", json_string(v));
	if (imp_has(row, &imp_customers, "preferred_locale")) {
		v = NULL;
		/*
		 * A cell too long is reported and the row must then write nothing: it
		 * went on with the locale cleared, and a partial import kept the
		 * customer of a row it reported as bad (this type has no savepoint of
		 * its own around the row).
		 */
		if (imp_text(&v, r, row, "preferred_locale", 16) < 0) {
			json_decref(p);
			return IMP_ROW_FAILED;
		}
		json_object_set_new(p, "preferred_locales", v ? json_pack("[s]", v) : json_array());
	}
	json_t *addr = address_param(row, before);
	if (addr)
		json_object_set_new(p, "address", addr);
	imp_put_metadata(p, row);
	*out = p;
	return 0;
}

static int apply(struct imp_run *r, const struct imp_row *row, enum svc_outcome *oc,
		 struct recur_err *e)
{
	struct svc *s = imp_svc(r);
	char id[IDS_MAX];
	json_t *p = NULL, *before = NULL, *after = NULL;
	int rc = find(id, sizeof(id), r, row, e);
	if (rc < 0)
		return rc;
	if (rc == 0) {
		if ((rc = params(&p, r, row, NULL)) < 0)
			goto done;
		rc = svc_customer_create(&after, s, p, e);
		*oc = SVC_CREATED;
	} else if ((rc = store_obj_get(&before, s->db, &svc_customers_table, &s->scope, id, e)) == 0) {
		if ((rc = params(&p, r, row, before)) < 0)
			goto done;
		rc = svc_customer_update(&after, s, id, p, e);
		*oc = rc == 0 && json_equal(before, after) ? SVC_UNCHANGED : SVC_UPDATED;
	}
	if (rc < 0)
		rc = imp_fail(r, row, param_map, rc, e);
done:
	json_decref(p);
	json_decref(before);
	json_decref(after);
	return rc;
}

static int export_one(void *ctx, const json_t *c, struct recur_err *e)
{
	struct imp_export *x = ctx;
	const json_t *a = json_object_get(c, "address");
	const char *f[IMP_MAX_COLS] = { 0 };
	const char *const *col = cols;
	for (int i = 0; col[i]; i++) {
		if (strncmp(col[i], "address_", 8) == 0)
			f[i] = json_string_value(json_object_get(a, col[i] + 8));
		else if (strcmp(col[i], "preferred_locale") == 0)
			f[i] = json_string_value(json_array_get(json_object_get(c, "preferred_locales"), 0));
		else
			f[i] = json_string_value(json_object_get(c, col[i]));
	}
	return imp_export_row(x, f, json_object_get(c, "metadata"), e);
}

static int export(struct imp_export *x, struct svc *s, struct recur_err *e)
{
	int rc = imp_export_header(x, &imp_customers, s, "customers", e);
	return rc < 0 ? rc : imp_export_each(s, &svc_customers_table, NULL, 0, export_one, x, e);
}

const struct imp_type imp_customers = {
	.name = "customers", .cols = cols, .required = required,
	.examples = { example1, example2 }, .metadata = true, .apply = apply, .export = export,
	.one_use_case = true,
};
