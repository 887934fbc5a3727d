/*
 * invoice_charges.c - see invoice_charges.h.
 */
#include "service/invoice_charges.h"
#include "billing/ledger.h"
#include "core/ids.h"
#include "core/money.h"
#include "service/ledger.h"

#include <stdio.h>

/* Adds amount to the integer field key of inv (absent counts as 0). */
static int bump(json_t *inv, const char *key, int64_t amount, struct recur_err *e)
{
	int64_t v = 0;

	if (money_add(&v, inv_num(inv, key), amount) < 0)
		return err_internal(e, "invoice %s: %s out of range", inv_str(inv, "id"), key);
	json_object_set_new(inv, key, json_integer(v));
	return 0;
}

static json_t *charge_line(const struct inv_ctx *c, const struct svc_invoice_charge *ch,
			   int64_t at)
{
	char id[IDS_MAX];

	ids_new(id, sizeof(id), "il");
	return json_pack("{s:s, s:I, s:O, s:I, s:O, s:s, s:b, s:[], s:[], s:{s:I, s:I}, s:i, "
			 "s:n, s:n, s:{s:s, s:o}, s:[], s:{}, s:n, s:n}",
			 "id", id, "created", (json_int_t)at, "invoice", json_object_get(c->inv, "id"),
			 "amount", (json_int_t)ch->amount,
			 "currency", json_object_get(c->inv, "currency"),
			 "description", ch->description, "discountable", 0,
			 "discount_amounts", "discounts", "period", "start",
			 (json_int_t)ch->period_start, "end", (json_int_t)ch->period_end,
			 "quantity", 1, "subscription", "parent", "pricing", "type",
			 "price_details", "unit_amount_decimal",
			 svc_invoice_unit_decimal(ch->amount, 1), "taxes", "metadata",
			 "tax_rates", "invoice_item");
}

int svc_invoice_charge_add(struct svc *s, struct inv_ctx *c, const struct svc_invoice_charge *ch,
			   int64_t at, struct recur_err *e)
{
	static const char *const totals[] = { "subtotal", "subtotal_excluding_tax", "total",
					      "total_excluding_tax", "amount_due",
					      "amount_remaining" };
	bool fee = ch->kind == SVC_CHARGE_REMINDER_FEE;
	struct billing_ledger_event ev = {
		.type = fee ? BILLING_LEDGER_REMINDER_FEE : BILLING_LEDGER_LATE_INTEREST,
		.id = inv_str(c->inv, "id"),
		.customer = inv_str(c->inv, "customer"),
		.charge = { .amount = ch->amount, .seq = ch->seq },
	};
	json_t *line = NULL;
	int rc;

	snprintf(ev.currency, sizeof(ev.currency), "%s", inv_str(c->inv, "currency"));
	if ((rc = svc_ledger_post_at(s, &ev, at, ch->description, e)) < 0)
		goto done;
	if (!(line = charge_line(c, ch, at))) {
		rc = err_internal(e, "cannot build a charge line");
		goto done;
	}
	if ((rc = store_obj_insert(s->db, &svc_invoice_lines_table, &s->scope, line, e)) < 0)
		goto done;
	for (size_t i = 0; i < sizeof(totals) / sizeof(totals[0]); i++)
		if ((rc = bump(c->inv, totals[i], ch->amount, e)) < 0)
			goto done;
	if ((rc = bump(c->inv, fee ? "reminder_fees" : "late_interest", ch->amount, e)) < 0)
		goto done;
	if (c->lines)
		json_array_insert(c->lines, 0, line);
	rc = 0;
done:
	json_decref(line);
	return rc;
}
