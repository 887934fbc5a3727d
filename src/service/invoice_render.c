/*
 * invoice_render.c - Stripe's invoice and line_item objects from the rows.
 *
 * The rows keep what recur decides; the fields Stripe has and recur has no
 * source for (hosted pages, PDFs, Connect, shipping, Stripe Tax) are rendered
 * as Stripe renders them when unused, so a client written against Stripe's
 * types finds every field it reads. recur's bookkeeping columns (dedupe_key,
 * days_until_due, a line's own tax_rates and invoice_item) are removed.
 */
#include "service/collection.h"
#include "service/invoice_internal.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Stripe's pretax_credit_amounts list discounts among credits before tax. */
static json_t *pretax_credits(const json_t *discount_amounts)
{
	json_t *out = json_array(), *d;
	size_t i;

	json_array_foreach(discount_amounts, i, d)
		json_array_append_new(out, json_pack("{s:O, s:O, s:s}", "amount",
						     json_object_get(d, "amount"), "discount",
						     json_object_get(d, "discount"), "type",
						     "discount"));
	return out;
}

json_t *svc_invoice_line_render(const json_t *line, int livemode)
{
	/*
	 * A shallow copy: only top-level fields are added or removed, and nothing
	 * changes a line row's nested values in place (apply() replaces them).
	 * Deep copies of every rendered object were a tenth of a renewal's cost.
	 */
	json_t *r = json_copy((json_t *)(uintptr_t)line);
	char q[32];

	if (!r)
		return NULL;
	json_object_del(r, "tax_rates");
	json_object_del(r, "invoice_item");
	json_object_del(r, "created"); /* Stripe's line items have no created */
	json_object_set_new(r, "object", json_string("line_item"));
	json_object_set_new(r, "livemode", json_boolean(livemode));
	/* Stripe: subtotal is "before any discounts or taxes", i.e. the amount. */
	json_object_set(r, "subtotal", json_object_get(r, "amount"));
	json_object_set_new(r, "pretax_credit_amounts",
			    pretax_credits(json_object_get(r, "discount_amounts")));
	snprintf(q, sizeof(q), "%lld", (long long)json_integer_value(json_object_get(r, "quantity")));
	json_object_set_new(r, "quantity_decimal", json_string(q));
	return r;
}

/* The fields of Stripe's invoice that recur leaves at Stripe's unused values. */
static void constants(json_t *r)
{
	static const char *const nulls[] = {
		"account_country", "account_name", "account_tax_ids", "application",
		"automatically_finalizes_at", "custom_fields", "customer_account",
		"default_payment_method", "default_source", "from_invoice", "hosted_invoice_url",
		"invoice_pdf", "last_finalization_error", "latest_revision", "on_behalf_of", "receipt_number", "rendering", "shipping_cost", "shipping_details",
		"statement_descriptor", NULL
	};
	for (int i = 0; nulls[i]; i++)
		json_object_set_new(r, nulls[i], json_null());
	json_object_set_new(r, "amount_overpaid", json_integer(0));
	json_object_set_new(r, "amount_shipping", json_integer(0));
	/* Credit notes keep these sums on the row (credit_note.c); an invoice without any has 0. */
	if (!json_is_integer(json_object_get(r, "post_payment_credit_notes_amount")))
		json_object_set_new(r, "post_payment_credit_notes_amount", json_integer(0));
	if (!json_is_integer(json_object_get(r, "pre_payment_credit_notes_amount")))
		json_object_set_new(r, "pre_payment_credit_notes_amount", json_integer(0));
	json_object_set_new(r, "automatic_tax", json_pack("{s:n, s:b, s:n, s:n, s:n}",
		"disabled_reason", "enabled", 0, "liability", "provider", "status"));
	json_object_set_new(r, "customer_tax_ids", json_array());
	json_object_set_new(r, "issuer", json_pack("{s:s}", "type", "self"));
	json_object_set_new(r, "payment_settings", json_pack("{s:n, s:n, s:n}",
		"default_mandate", "payment_method_options", "payment_method_types"));
}

json_t *svc_invoice_render(struct svc *s, struct inv_ctx *c)
{
	/*
	 * A shallow copy, as for lines, except status_transitions: the one nested
	 * value changed in place (svc_invoice_transition), which a rendering taken
	 * before the change (an update's "before") must not see.
	 */
	json_t *r = json_copy(c->inv), *rates, *data, *v;
	const char *id, *sub;
	char url[160];
	size_t i, n;

	if (!r)
		return NULL;
	id = json_string_value(json_object_get(r, "id"));
	sub = json_string_value(json_object_get(r, "subscription"));
	json_object_set_new(r, "status_transitions",
			    json_deep_copy(json_object_get(c->inv, "status_transitions")));
	json_object_del(r, "dedupe_key");
	json_object_del(r, "days_until_due");
	json_object_del(r, "paid_out_of_band");
	/* recur's KID for bank transfers (bank.h): shown only on invoices that have one. */
	if (!json_is_string(json_object_get(r, "payment_reference")))
		json_object_del(r, "payment_reference");
	/* recur's opening balances (invoice_opening.c): shown only on them. */
	if (!json_is_true(json_object_get(r, "opening_balance")))
		json_object_del(r, "opening_balance");
	/* recur's dunning charges (collection.c): shown once an invoice has any. */
	json_object_del(r, "late_interest_until");
	if (!json_is_integer(json_object_get(r, "reminder_fees")) &&
	    !json_is_integer(json_object_get(r, "late_interest"))) {
		json_object_del(r, "reminder_fees");
		json_object_del(r, "late_interest");
	} else {
		json_object_set_new(r, "reminder_fees", json_integer(inv_num(c->inv, "reminder_fees")));
		json_object_set_new(r, "late_interest", json_integer(inv_num(c->inv, "late_interest")));
	}
	json_object_set_new(r, "object", json_string("invoice"));
	json_object_set_new(r, "livemode", json_boolean(s->scope.livemode));
	constants(r);
	svc_collection_render(r, c->inv);

	/* Stripe renders an invoice's default_tax_rates as the rate objects. */
	rates = json_array();
	json_array_foreach(json_object_get(c->inv, "default_tax_rates"), i, v) {
		const json_t *t = NULL;
		struct recur_err ignored;
		if (svc_invoice_rate(&t, c, s, json_string_value(v), &ignored) == 0)
			json_array_append_new(rates, json_deep_copy(t));
		else
			json_array_append(rates, v);
	}
	json_object_set_new(r, "default_tax_rates", rates);

	data = json_array();
	n = json_array_size(c->lines);
	for (i = 0; i < n && i < INV_EMBEDDED_LINES; i++)
		json_array_append_new(data, svc_invoice_line_render(json_array_get(c->lines, i),
								    s->scope.livemode));
	snprintf(url, sizeof(url), "/v1/invoices/%s/lines", id ? id : "");
	json_object_set_new(r, "lines", json_pack("{s:s, s:o, s:b, s:s}", "object", "list",
						  "data", data, "has_more",
						  n > INV_EMBEDDED_LINES, "url", url));
	json_object_set_new(r, "total_pretax_credit_amounts",
			    pretax_credits(json_object_get(r, "total_discount_amounts")));
	/* The current API names an invoice's origin in parent; recur also keeps
	 * the older top-level subscription field, which clients still read. */
	json_object_set_new(r, "parent", sub ? json_pack("{s:s, s:n, s:{s:n, s:s}}", "type",
							 "subscription_details", "quote_details",
							 "subscription_details", "metadata",
							 "subscription", sub)
					     : json_null());
	/* Events are recorded in the creating transaction, so they are "delivered"
	 * (ready for the webhook deliverer) when the invoice exists. */
	json_object_set(r, "webhooks_delivered_at", json_object_get(r, "created"));
	return r;
}
