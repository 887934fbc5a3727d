/*
 * import_balances.c - the balances import type: a customer's opening balance
 * from the old system. A debt or credit becomes a customer balance
 * transaction (Stripe's customer balance: a credit lowers the next invoices,
 * a debt is added to the next one), which the ledger posts between
 * customer_credit and adjustments, the opening-balance account. An invoice
 * the customer has still to pay becomes an open invoice with the old
 * system's number, due date and payment reference (svc_invoice_opening), so
 * that reminders chase it and the bank's payment of it matches. Each row
 * carries the old system's reference: a row whose reference the customer
 * already has is unchanged, so running a file twice never doubles a balance
 * (docs/import.md).
 */
#include "service/import_internal.h"

#include "core/money.h"
#include "service/balance.h"
#include "service/customer.h"
#include "service/invoice.h"

#include <stdio.h>
#include <string.h>

static const char *const cols[] = {
	"customer", "reference", "type", "amount", "currency", "description", "invoice_number",
	"due_date", "payment_reference", NULL
};
static const char *const required[] = { "customer", "reference", "type", "amount", "currency",
					NULL };
static const char *const example1[] = {
	"CRM-10001", "INV-20391", "invoice", "1250.00", "nok", "Subscription October 2026",
	"20391", "2026-11-30", "0000203915", 
};
static const char *const example2[] = {
	"CRM-10002", "OB-2026-10002", "credit", "300.00", "sek",
	"Opening balance: prepaid credit", "", "", ""
};

static const char *const param_map[] = { "amount", "amount", "currency", "currency",
					 "description", "description", "due_date", "due_date",
					 "payment_reference", "payment_reference",
					 "number", "invoice_number", "customer", "customer",
					 "reference", "reference", NULL };

struct found_ref {
	const char *ref;
	json_t *txn;
};

/* The customer's balance transaction that an earlier import of ref made, or NULL. */
static int find_ref(json_t **out, struct svc *s, const char *customer, const char *ref,
		    struct recur_err *e)
{
	struct store_filter f = { .col = "customer", .op = "=", .val = SV_TEXT(customer) };
	char after[128] = "";
	bool more = true;
	int rc = 0;
	*out = NULL;
	while (more && !*out) {
		struct store_page page = { .limit = 100, .starting_after = *after ? after : NULL };
		json_t *rows = NULL, *t;
		size_t i;
		if ((rc = store_obj_list(&rows, &more, s->db, &svc_balance_transactions_table,
					 &s->scope, &f, 1, &page, e)) < 0)
			return rc;
		json_array_foreach(rows, i, t) {
			const char *r = json_string_value(json_object_get(json_object_get(t, "metadata"),
									  "import_reference"));
			if (r && strcmp(r, ref) == 0) {
				*out = json_incref(t);
				break;
			}
			snprintf(after, sizeof(after), "%s", json_string_value(json_object_get(t, "id")));
		}
		if (!json_array_size(rows))
			more = false;
		json_decref(rows);
	}
	return 0;
}

/* type invoice: an open invoice the customer still has to pay (svc_invoice_opening). */
static int opening_invoice(struct imp_run *r, const struct imp_row *row, const char *cus,
			   const char *ref, int64_t amount, const char *currency, const char *desc,
			   enum svc_outcome *oc, struct recur_err *e)
{
	const char *number = NULL, *payref = NULL;
	int64_t due = 0;
	json_t *out = NULL;
	int rc, bad = 0;
	if ((rc = imp_date(&due, r, row, "due_date")) == 0)
		bad = imp_error(r, row, "due_date", "An invoice needs its due date");
	else if (rc < 0)
		bad = rc;
	if (imp_text(&number, r, row, "invoice_number", 64) < 0 ||
	    imp_text(&payref, r, row, "payment_reference", 25) < 0)
		bad = IMP_ROW_FAILED;
	if (bad)
		return bad;
	json_t *p = json_pack("{s:s, s:s, s:I, s:s, s:I, s:s?, s:s?, s:s?}", "customer", cus,
			      "reference", ref, "amount", (json_int_t)amount, "currency", currency,
			      "due_date", (json_int_t)due, "number", number, "payment_reference",
			      payref, "description", desc);
	if ((rc = svc_invoice_opening(&out, oc, imp_svc(r), p, e)) < 0)
		rc = imp_fail(r, row, param_map, rc, e);
	json_decref(p);
	json_decref(out);
	return rc;
}

static int apply(struct imp_run *r, const struct imp_row *row, enum svc_outcome *oc,
		 struct recur_err *e)
{
	struct svc *s = imp_svc(r);
	const char *ref = NULL, *cref = NULL, *type = NULL, *cur = NULL, *desc = NULL;
	char cus[64] = "", currency[4] = "";
	int64_t amount = 0;
	json_t *had = NULL, *p = NULL, *out = NULL;
	int rc = 0, bad = 0;

	if (imp_text(&cref, r, row, "customer", 255) <= 0) {
		bad = imp_error(r, row, "customer", "A customer (id or external_id) is required");
	} else {
		json_t *c = NULL;
		if ((rc = store_obj_get(&c, s->db, &svc_customers_table, &s->scope, cref, e)) == 0)
			snprintf(cus, sizeof(cus), "%s", cref);
		else if (rc == RECUR_ENOTFOUND)
			rc = svc_customer_by_external_id(cus, sizeof(cus), s, cref, e);
		json_decref(c);
		if (rc < 0)
			return rc;
		if (!*cus)
			bad = imp_error(r, row, "customer", "No customer with the id or external_id"
					" '%s'", cref);
	}
	if (imp_text(&ref, r, row, "reference", 200) <= 0)
		bad = imp_error(r, row, "reference", "The old system's reference is required: it"
				" keeps a second import of the row from counting twice");
	if (imp_text(&type, r, row, "type", 10) <= 0 ||
	    (strcmp(type, "credit") != 0 && strcmp(type, "debt") != 0 &&
	     strcmp(type, "invoice") != 0))
		bad = imp_error(r, row, "type", "The type is credit (the customer has paid ahead),"
				" debt (the customer owes it) or invoice (an invoice to be paid)");
	if (imp_text(&cur, r, row, "currency", 3) <= 0)
		bad = imp_error(r, row, "currency", "A currency is required (ISO 4217: nok, sek)");
	for (int i = 0; cur && cur[i] && i < 3; i++)
		currency[i] = (char)(cur[i] >= 'A' && cur[i] <= 'Z' ? cur[i] - 'A' + 'a' : cur[i]);
	if (cur && (rc = imp_amount(&amount, r, row, "amount", currency)) == 0)
		bad = imp_error(r, row, "amount", "An amount is required");
	else if (rc < 0)
		bad = rc;
	else if (amount <= 0)
		bad = imp_error(r, row, "amount", "The amount must be above zero; the type says"
				" which way it goes");
	if (imp_text(&desc, r, row, "description", 350) < 0)
		bad = IMP_ROW_FAILED;
	if (bad)
		return bad;
	if (strcmp(type, "invoice") == 0)
		return opening_invoice(r, row, cus, ref, amount, currency, desc, oc, e);
	/* Stripe's sign: a credit is negative on the customer's balance. */
	int64_t signed_amount = strcmp(type, "credit") == 0 ? -amount : amount;
	if ((rc = find_ref(&had, s, cus, ref, e)) < 0)
		return rc;
	if (had) {
		if (json_integer_value(json_object_get(had, "amount")) != signed_amount)
			rc = imp_error(r, row, "amount", "The reference %s was imported with another"
				       " amount; correct the balance with a balance transaction", ref);
		*oc = SVC_UNCHANGED;
		json_decref(had);
		return rc;
	}
	p = json_pack("{s:I, s:s, s:s?, s:{s:s}}", "amount", (json_int_t)signed_amount, "currency",
		      currency, "description", desc, "metadata", "import_reference", ref);
	if ((rc = svc_balance_create(&out, s, cus, p, e)) < 0)
		rc = imp_fail(r, row, param_map, rc, e);
	*oc = SVC_CREATED;
	json_decref(p);
	json_decref(out);
	return rc;
}

struct export_ctx {
	struct imp_export *x;
};

static int export_one(void *ctx, const json_t *t, struct recur_err *e)
{
	struct export_ctx *c = ctx;
	const char *ref = json_string_value(json_object_get(json_object_get(t, "metadata"),
							    "import_reference"));
	char amount[48];
	if (!ref)
		return 0; /* only opening balances: the rest is billing's own history */
	int64_t a = json_integer_value(json_object_get(t, "amount"));
	const char *cur = json_string_value(json_object_get(t, "currency"));
	imp_format_amount(amount, sizeof(amount), a < 0 ? -a : a, cur, c->x->decimal_comma);
	const char *f[] = { json_string_value(json_object_get(t, "customer")), ref,
			    a < 0 ? "credit" : "debt", amount, cur,
			    json_string_value(json_object_get(t, "description")), NULL, NULL, NULL };
	return imp_export_row(c->x, f, NULL, e);
}

static int export_invoice(void *ctx, const json_t *inv, struct recur_err *e)
{
	struct export_ctx *c = ctx;
	const json_t *md = json_object_get(inv, "metadata");
	const char *cur = json_string_value(json_object_get(inv, "currency"));
	char amount[48], due[32] = "";
	imp_format_amount(amount, sizeof(amount), json_integer_value(json_object_get(inv, "total")),
			  cur, c->x->decimal_comma);
	if (json_is_integer(json_object_get(inv, "due_date")))
		imp_format_date(due, sizeof(due), json_integer_value(json_object_get(inv, "due_date")));
	const char *f[] = { json_string_value(json_object_get(inv, "customer")),
			    json_string_value(json_object_get(md, "import_reference")), "invoice",
			    amount, cur, json_string_value(json_object_get(inv, "description")),
			    json_string_value(json_object_get(md, "opening_number")), due,
			    json_string_value(json_object_get(inv, "payment_reference")) };
	return imp_export_row(c->x, f, NULL, e);
}

static int export(struct imp_export *x, struct svc *s, struct recur_err *e)
{
	struct export_ctx c = { x };
	struct store_filter opening = { .col = "opening_balance", .op = "=", .val = SV_INT(1) };
	int rc = imp_export_header(x, &imp_balances, s, "customer_balance_transactions", e);
	if (rc == 0)
		rc = imp_export_each(s, &svc_balance_transactions_table, NULL, 0, export_one, &c, e);
	return rc < 0 ? rc : imp_export_each(s, &svc_invoices_table, &opening, 1, export_invoice,
					     &c, e);
}

const struct imp_type imp_balances = {
	.name = "balances", .cols = cols, .required = required,
	.examples = { example1, example2 }, .metadata = false, .apply = apply, .export = export,
	.one_use_case = true,
};
