/*
 * invoice_opening.c - an open invoice brought over from another system
 * (svc_invoice_opening, invoice.h; docs/import.md, "balances").
 *
 * The customer owes it from before recur: it is made as an ordinary invoice
 * for bank transfer (send_invoice) with one line, finalized at once, so that
 * reminders, payments, the bank import and the statement treat it as any
 * other. Three things differ, because its amount was earned in the old
 * system: it is marked opening_balance, so the ledger posts it against
 * adjustments instead of revenue and VAT (billing/ledger.h); it keeps the old
 * system's due date and payment reference, so the customer's payment with
 * the old KID/OCR matches it; and it takes no credit note (it is voided or
 * adjusted instead). It is made once per (customer, reference): the import
 * of the same row again finds it and changes nothing.
 */
#include "core/ids.h"
#include "core/money.h"
#include "service/customer.h"
#include "service/invoice.h"
#include "service/invoice_internal.h"
#include "service/params.h"
#include "service/test_clock.h"

#include <stdio.h>
#include <string.h>

#define OPENING_REF_MAX 25 /* KID is at most 25 digits; OCR fewer */

static const char *const allowed[] = { "customer", "reference", "amount", "currency",
				       "due_date", "number", "payment_reference",
				       "description", NULL };

/* A KID or OCR as the old system printed it: digits only. */
static int check_reference(struct svc *s, const char *ref, struct recur_err *e)
{
	char other[IDS_MAX];
	size_t n = strlen(ref);
	int rc;
	if (n < 2 || n > OPENING_REF_MAX || strspn(ref, "0123456789") != n)
		return err_invalid(e, "payment_reference", "A payment reference is 2 to %d digits",
				   OPENING_REF_MAX);
	/* The bank's payment is matched by it: two invoices must not share one. */
	if ((rc = svc_find_id(other, sizeof(other), s, &svc_invoices_table, "payment_reference",
			      ref, e)) < 0)
		return rc;
	if (rc > 0)
		return err_invalid(e, "payment_reference", "The invoice %s has the payment"
				   " reference %s already", other, ref);
	return 0;
}

int svc_invoice_opening(json_t **out, enum svc_outcome *outcome, struct svc *s,
			const json_t *p, struct recur_err *e)
{
	const char *cus = NULL, *ref = NULL, *currency = NULL, *number = NULL, *payref = NULL;
	const char *desc = NULL;
	int64_t amount = 0, due = 0, now = 0;
	json_t *customer = NULL, *inv = NULL, *found = NULL;
	/*
	 * line_desc holds a description of 200 characters, ": invoice " and a
	 * number of 64, each character up to 4 UTF-8 bytes: 256 bytes cut the old
	 * invoice number off the line. dedupe holds "opening:", the customer id
	 * and the reference (255 and 200 characters).
	 */
	char id[IDS_MAX], dedupe[9 + 255 * 4 + 1 + 200 * 4 + 1], line_desc[200 * 4 + 10 + 64 * 4 + 1];
	int rc, began = 0;
	*out = NULL;
	if ((rc = params_only(p, allowed, e)) < 0 || (rc = params_require(p, "customer", e)) < 0 ||
	    (rc = params_require(p, "reference", e)) < 0 || (rc = params_require(p, "amount", e)) < 0 ||
	    (rc = params_require(p, "due_date", e)) < 0 ||
	    (rc = params_string(&cus, p, "customer", 255, e)) < 0 ||
	    (rc = params_string(&ref, p, "reference", 200, e)) < 0 ||
	    (rc = params_int(&amount, p, "amount", 1, MONEY_MAX_ABS, e)) < 0 ||
	    (rc = params_currency(&currency, p, "currency", e)) < 0 ||
	    (rc = params_int(&due, p, "due_date", 1, INT64_MAX, e)) < 0 ||
	    (rc = params_string(&number, p, "number", 64, e)) < 0 ||
	    (rc = params_string(&payref, p, "payment_reference", OPENING_REF_MAX, e)) < 0 ||
	    (rc = params_string(&desc, p, "description", 200, e)) < 0)
		return rc;
	if ((rc = store_obj_get(&customer, s->db, &svc_customers_table, &s->scope, cus, e)) < 0) {
		e->status = 400;
		snprintf(e->param, sizeof(e->param), "customer");
		goto done;
	}
	const char *cur = json_string_value(json_object_get(customer, "currency"));
	if (!currency && !(currency = cur)) {
		rc = err_set(e, RECUR_EINVAL, 400, "invalid_request_error", "parameter_missing",
			     "currency", "Missing required param: currency.");
		goto done;
	}
	if (cur && strcmp(cur, currency) != 0) {
		rc = err_invalid(e, "currency", "The customer's currency is %s", cur);
		goto done;
	}
	snprintf(dedupe, sizeof(dedupe), "opening:%s:%s", cus, ref);
	if ((rc = svc_find_id(id, sizeof(id), s, &svc_invoices_table, "dedupe_key", dedupe, e)) < 0)
		goto done;
	if (rc > 0) {
		/* imported before: the same amount is no change, another is a mistake */
		if ((rc = svc_invoice_retrieve(&found, s, id, e)) < 0)
			goto done;
		if (json_integer_value(json_object_get(found, "total")) != amount) {
			rc = err_invalid(e, "amount", "The opening invoice %s (reference %s) was imported"
					 " with another amount", id, ref);
			goto done;
		}
		*outcome = SVC_UNCHANGED;
		*out = found;
		found = NULL;
		rc = 0;
		goto done;
	}
	if (payref && *payref && (rc = check_reference(s, payref, e)) < 0)
		goto done;
	if ((rc = svc_test_clock_now(&now, s, json_string_value(json_object_get(customer,
							"test_clock")), e)) < 0)
		goto done;
	if ((rc = svc_begin(s, e)) < 0)
		goto done;
	began = 1;
	snprintf(line_desc, sizeof(line_desc), "%s%s%s", desc && *desc ? desc : "Opening balance",
		 number && *number ? ": invoice " : "", number && *number ? number : "");
	json_t *no_rates = json_array();
	struct svc_invoice_line line = {
		.amount = amount, .quantity = 1, .description = line_desc,
		.period_start = now, .period_end = now, .tax_rates = no_rates,
	};
	struct svc_invoice_spec spec = {
		.customer = cus, .billing_reason = "manual", .currency = currency,
		.collection_method = "send_invoice", .period_start = now, .period_end = now,
		.now = now, .dedupe_key = dedupe, .hold = true, .lines = &line, .n_lines = 1,
		/* as given, so that an export carries it back unchanged; the line says more */
		.description = desc && *desc ? desc : NULL,
	};
	rc = svc_invoice_create_id(id, sizeof(id), s, &spec, e);
	json_decref(no_rates);
	if (rc < 0 || (rc = store_obj_get(&inv, s->db, &svc_invoices_table, &s->scope, id, e)) < 0)
		goto done;
	json_object_set_new(inv, "opening_balance", json_true());
	json_object_set_new(inv, "due_date", json_integer(due));
	if (payref && *payref)
		json_object_set_new(inv, "payment_reference", json_string(payref));
	json_t *md = json_object_get(inv, "metadata");
	if (json_is_object(md)) {
		json_object_set_new(md, "import_reference", json_string(ref));
		if (number && *number)
			json_object_set_new(md, "opening_number", json_string(number));
	}
	json_t *none = json_object();
	if ((rc = store_obj_update(s->db, &svc_invoices_table, &s->scope, inv, e)) == 0)
		rc = svc_invoice_finalize(out, s, id, none, e);
	json_decref(none);
	*outcome = SVC_CREATED;
done:
	if (began)
		rc = svc_finish(s, rc, e);
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	}
	json_decref(customer);
	json_decref(inv);
	json_decref(found);
	return rc;
}
