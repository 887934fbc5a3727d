/*
 * invoice.c - invoices: assembly, the lifecycle draft -> open -> paid | void |
 * uncollectible, gapless numbers, and the customer's balance at finalization.
 *
 * Every amount is computed by the billing core (billing/invoice.h) from the
 * lines as stored: a draft is reassembled whenever something that feeds it
 * changes (an invoice item lands on it, its tax rates or discounts change) and
 * once more at finalization, with the customer's balance as it is then, since
 * Stripe applies the balance "when the invoice is finalized". Money is int64
 * minor units throughout; nothing here divides.
 *
 * This file is the model (assembly, building, finalization, payment); the
 * endpoints are in invoice_endpoints.c, rendering in invoice_render.c, and
 * what they share in invoice_internal.h.
 *
 * Lines are shown in the order they were put on the invoice: the caller's
 * lines in the caller's order, then pending invoice items newest first; an
 * item added to a draft later comes first. The store lists rows newest first,
 * so lines are inserted last-shown first.
 */
#include "service/invoice.h"
#include "billing/invoice.h"
#include "billing/price_eval.h"
#include "core/ids.h"
#include "core/money.h"
#include "service/balance.h"
#include "service/bank.h"
#include "service/collection.h"
#include "service/coupon.h"
#include "service/customer.h"
#include "service/discount.h"
#include "service/invoice_internal.h"
#include "service/invoiceitem.h"
#include "service/ledger_hooks.h"
#include "service/list.h"
#include "service/params.h"
#include "service/price.h"
#include "service/subscription.h"
#include "service/tax_rate.h"
#include "service/test_clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct store_col invoice_cols[] = {
	{ "customer", COL_TEXT, 0 },
	{ "subscription", COL_TEXT, 0 },
	{ "status", COL_TEXT, 0 },
	{ "number", COL_TEXT, 0 },
	{ "billing_reason", COL_TEXT, 0 },
	{ "collection_method", COL_TEXT, 0 },
	{ "currency", COL_TEXT, 0 },
	{ "description", COL_TEXT, 0 },
	{ "footer", COL_TEXT, 0 },
	{ "auto_advance", COL_BOOL, 0 },
	{ "period_start", COL_INT, 0 },
	{ "period_end", COL_INT, 0 },
	{ "due_date", COL_INT, 0 },
	{ "effective_at", COL_INT, 0 },
	{ "subtotal", COL_INT, 0 },
	{ "subtotal_excluding_tax", COL_INT, 0 },
	{ "total", COL_INT, 0 },
	{ "total_excluding_tax", COL_INT, 0 },
	{ "total_discount_amounts", COL_JSON, 0 },
	{ "total_taxes", COL_JSON, 0 },
	{ "amount_due", COL_INT, 0 },
	{ "amount_paid", COL_INT, 0 },
	{ "amount_remaining", COL_INT, 0 },
	{ "starting_balance", COL_INT, 0 },
	{ "ending_balance", COL_INT, 0 },
	{ "attempt_count", COL_INT, 0 },
	{ "attempted", COL_BOOL, 0 },
	{ "discounts", COL_JSON, 0 },
	{ "default_tax_rates", COL_JSON, 0 },
	{ "status_transitions", COL_JSON, 0 },
	{ "customer_email", COL_TEXT, 0 },
	{ "customer_name", COL_TEXT, 0 },
	{ "customer_address", COL_JSON, 0 },
	{ "customer_phone", COL_TEXT, 0 },
	{ "customer_shipping", COL_JSON, 0 },
	{ "customer_tax_exempt", COL_TEXT, 0 },
	{ "test_clock", COL_TEXT, 0 },
	{ "metadata", COL_JSON, 0 },
	/* bookkeeping, removed when rendered */
	{ "days_until_due", COL_INT, 0 },
	{ "dedupe_key", COL_TEXT, 0 },
	{ "paid_out_of_band", COL_BOOL, 0 },
	/* Stripe's next_payment_attempt, and collection's bookkeeping (collection.h) */
	{ "next_payment_attempt", COL_INT, 0 },
	{ "collection_due_at", COL_INT, 0 },
	{ "dunning_first_failure", COL_INT, 0 },
	{ "dunning_attempts", COL_INT, 0 },
	{ "reminders_sent", COL_INT, 0 }, /* send_invoice reminders sent (migration 008) */
	{ "payment_reference", COL_TEXT, 0 }, /* KID for bank transfers (bank.h, migration 009) */
	{ "opening_balance", COL_BOOL, 0 }, /* brought over by an import (migration 022) */
	/* Stripe's running sums of the invoice's credit notes (credit_note.h, migration 010) */
	{ "pre_payment_credit_notes_amount", COL_INT, 0 },
	{ "post_payment_credit_notes_amount", COL_INT, 0 },
	/* dunning charges on the invoice (collection.c, migration 012) */
	{ "reminder_fees", COL_INT, 0 },
	{ "late_interest", COL_INT, 0 },
	{ "late_interest_until", COL_INT, 0 },
};

/* Deleted drafts stay as rows: their dedupe_key keeps a renewal from coming back. */
const struct store_table svc_invoices_table = {
	.table = "invoices", .object = "invoice", .noun = "invoice",
	.cols = invoice_cols, .ncols = sizeof(invoice_cols) / sizeof(invoice_cols[0]),
	.soft_delete = true,
};

static const struct store_col line_cols[] = {
	{ "invoice", COL_TEXT, 0 },
	{ "amount", COL_INT, 0 },
	{ "currency", COL_TEXT, 0 },
	{ "description", COL_TEXT, 0 },
	{ "discountable", COL_BOOL, 0 },
	{ "discount_amounts", COL_JSON, 0 },
	{ "discounts", COL_JSON, 0 },
	{ "period", COL_JSON, 0 },
	{ "quantity", COL_INT, 0 },
	{ "subscription", COL_TEXT, 0 },
	{ "parent", COL_JSON, 0 },
	{ "pricing", COL_JSON, 0 },
	{ "taxes", COL_JSON, 0 },
	{ "metadata", COL_JSON, 0 },
	/* bookkeeping, removed when rendered */
	{ "tax_rates", COL_JSON, 0 },
	{ "invoice_item", COL_TEXT, 0 },
};

const struct store_table svc_invoice_lines_table = {
	.table = "invoice_lines", .object = "line_item", .noun = "line_item",
	.cols = line_cols, .ncols = sizeof(line_cols) / sizeof(line_cols[0]),
};

#define NUMBER_PREFIX "RCR"
#define SECONDS_PER_DAY 86400


/* ---- small helpers ---------------------------------------------------- */

int svc_invoice_state_error(struct recur_err *e, const json_t *inv, const char *what)
{
	return err_set(e, RECUR_EINVAL, 400, "invalid_request_error", "invoice_unexpected_state",
		       NULL, "%s (invoice %s is %s)", what, inv_str(inv, "id"),
		       inv_str(inv, "status"));
}

void svc_invoice_ctx_free(struct inv_ctx *c)
{
	json_decref(c->inv);
	json_decref(c->lines);
	json_decref(c->rates);
	memset(c, 0, sizeof(*c));
}

/* Lines in display order; store lists are newest seq first, and lines are
 * inserted last-displayed first, so the store's order is the display order. */
int svc_invoice_load_lines(json_t **out, struct svc *s, const char *invoice, bool all,
		      struct recur_err *e)
{
	struct store_filter f = { .col = "invoice", .op = "=", .val = SV_TEXT(invoice) };
	struct store_page page = { .limit = all ? INV_ITEMS_PAGE : INV_EMBEDDED_LINES + 1 };
	json_t *lines = json_array(), *chunk = NULL;
	bool more = false;
	int rc;

	*out = NULL;
	for (;;) {
		rc = store_obj_list(&chunk, &more, s->db, &svc_invoice_lines_table, &s->scope, &f, 1,
				    &page, e);
		if (rc < 0)
			goto done;
		json_array_extend(lines, chunk);
		json_decref(chunk);
		chunk = NULL;
		if (!all || !more)
			break;
		page.starting_after = inv_str(json_array_get(lines, json_array_size(lines) - 1), "id");
	}
	*out = lines;
	lines = NULL;
done:
	json_decref(lines);
	return rc;
}

int svc_invoice_ctx_load(struct inv_ctx *c, struct svc *s, const char *id, bool all_lines,
			 struct recur_err *e)
{
	int rc;

	memset(c, 0, sizeof(*c));
	if ((rc = store_obj_get(&c->inv, s->db, &svc_invoices_table, &s->scope, id, e)) < 0)
		return rc;
	c->all_lines = all_lines;
	if ((rc = svc_invoice_load_lines(&c->lines, s, id, all_lines, e)) < 0)
		svc_invoice_ctx_free(c);
	return rc;
}

int svc_invoice_rate(const json_t **out, struct inv_ctx *c, struct svc *s, const char *id,
		     struct recur_err *e)
{
	json_t *t;
	int rc;

	if (!c->rates)
		c->rates = json_object();
	t = json_object_get(c->rates, id);
	if (!t) {
		if ((rc = svc_tax_rate_retrieve(&t, s, id, e)) < 0)
			return rc;
		json_object_set_new(c->rates, id, t);
	}
	*out = t;
	return 0;
}

int svc_invoice_check_rates(struct svc *s, const json_t *ids, const char *param,
			    struct recur_err *e)
{
	char name[64];
	size_t i, j;
	json_t *v;

	if (json_array_size(ids) > BILLING_TAX_RATES_PER_LINE)
		return err_invalid(e, param, "At most %d tax rates may apply",
				   BILLING_TAX_RATES_PER_LINE);
	json_array_foreach(ids, i, v) {
		const char *id = json_string_value(v);
		json_t *t = NULL;
		int rc;
		snprintf(name, sizeof(name), "%s[%zu]", param, i);
		for (j = 0; j < i; j++)
			if (strcmp(json_string_value(json_array_get(ids, j)), id) == 0)
				return err_invalid(e, name, "Tax rate %s is listed twice", id);
		rc = store_obj_get(&t, s->db, &svc_tax_rates_table, &s->scope, id, e);
		if (rc == RECUR_ENOTFOUND)
			return err_set(e, RECUR_EINVAL, 400, "invalid_request_error",
				       "resource_missing", name, "No such tax rate: '%s'", id);
		if (rc < 0)
			return rc;
		/* Stripe: archived rates stay on what they taxed but take nothing new. */
		rc = json_is_true(json_object_get(t, "active"))
			     ? 0
			     : err_invalid(e, name, "Tax rate %s is archived (active=false) and "
					   "cannot be applied", id);
		json_decref(t);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/*
 * A unit amount as Stripe's unit_amount_decimal: amount / quantity to twelve
 * decimal places, half up (display only; the line amount is what is billed).
 */
json_t *svc_invoice_unit_decimal(int64_t amount, int64_t quantity)
{
	struct billing_decimal d;
	char buf[BILLING_DECIMAL_SIZE];

	if (quantity <= 0)
		return json_null();
	d.units = amount / quantity;
	if (money_mul_ratio(&d.pico, amount % quantity, BILLING_DECIMAL_SCALE, quantity,
			    MONEY_ROUND_HALF_UP) < 0)
		return json_null();
	if (d.pico >= BILLING_DECIMAL_SCALE || d.pico <= -BILLING_DECIMAL_SCALE) {
		d.units += d.pico > 0 ? 1 : -1;
		d.pico = 0;
	}
	if (billing_decimal_format(buf, sizeof(buf), &d) < 0)
		return json_null();
	return json_string(buf);
}

/* ---- assembly ------------------------------------------------------- */

struct assembly {
	struct billing_invoice bi;
	struct billing_invoice_line *in_lines;       /* n_lines, malloc'd */
	struct billing_invoice_line_result *results; /* n_lines, malloc'd */
	size_t n_lines;
	const char *rate_ids[BILLING_TAX_RATES_MAX]; /* borrowed from the context's cache */
	struct billing_tax_rate rates[BILLING_TAX_RATES_MAX];
	size_t n_rates;
	struct svc_coupon coupons[BILLING_DISCOUNTS_MAX];
	struct billing_discount discounts[BILLING_DISCOUNTS_MAX];
	json_t *discount_rows; /* the rows of the discounts passed in, in order (owned) */
	size_t n_discounts;
};

static void assembly_free(struct assembly *a)
{
	free(a->in_lines);
	free(a->results);
	json_decref(a->discount_rows);
	a->in_lines = NULL;
	a->results = NULL;
	a->discount_rows = NULL;
}

static int rate_index(size_t *out, struct assembly *a, struct inv_ctx *c, struct svc *s,
		      const char *id, struct recur_err *e)
{
	const json_t *t = NULL;
	struct recur_err ignored;
	int64_t pct = 0;
	int rc;

	for (size_t i = 0; i < a->n_rates; i++)
		if (strcmp(a->rate_ids[i], id) == 0) {
			*out = i;
			return 0;
		}
	if (a->n_rates >= BILLING_TAX_RATES_MAX)
		return err_invalid(e, "tax_rates", "An invoice can use at most %d distinct tax rates",
				   BILLING_TAX_RATES_MAX);
	if ((rc = svc_invoice_rate(&t, c, s, id, e)) < 0)
		return rc;
	if (params_fixed(&pct, t, "percentage", 4, 0, BILLING_TAX_SCALE, &ignored) < 0)
		return err_internal(e, "tax rate %s has a bad percentage", id);
	a->rate_ids[a->n_rates] = inv_str(t, "id");
	a->rates[a->n_rates].percentage = pct;
	a->rates[a->n_rates].inclusive = json_is_true(json_object_get(t, "inclusive"));
	*out = a->n_rates++;
	return 0;
}

static int rate_list(size_t *idx, size_t *n, struct assembly *a, struct inv_ctx *c,
		     struct svc *s, const json_t *ids, struct recur_err *e)
{
	size_t i;
	json_t *v;
	int rc;

	*n = 0;
	json_array_foreach(ids, i, v) {
		if (i >= BILLING_TAX_RATES_PER_LINE)
			return err_invalid(e, "tax_rates", "At most %d tax rates apply to a line",
					   BILLING_TAX_RATES_PER_LINE);
		if ((rc = rate_index(&idx[i], a, c, s, json_string_value(v), e)) < 0)
			return rc;
		(*n)++;
	}
	return 0;
}

static bool line_proration(const json_t *line)
{
	const json_t *parent = json_object_get(line, "parent");
	const json_t *d = json_object_get(parent, "subscription_item_details");
	if (!json_is_object(d))
		d = json_object_get(parent, "invoice_item_details");
	return json_is_true(json_object_get(d, "proration"));
}

/*
 * Runs the billing core over the context's invoice and lines, with the
 * customer's balance. Discounts whose rows have ended (a "once" discount used
 * by an earlier invoice) are left out: Stripe removes them when they are used.
 */
static int assemble(struct assembly *a, struct svc *s, struct inv_ctx *c, int64_t balance,
		    struct recur_err *e)
{
	struct billing_invoice_input in;
	const char *currency = inv_str(c->inv, "currency");
	size_t i;
	json_t *v;
	int rc = 0;

	memset(a, 0, sizeof(*a));
	memset(&in, 0, sizeof(in));
	a->n_lines = json_array_size(c->lines);
	a->in_lines = calloc(a->n_lines ? a->n_lines : 1, sizeof(*a->in_lines));
	a->results = calloc(a->n_lines ? a->n_lines : 1, sizeof(*a->results));
	a->discount_rows = json_array();
	if (!a->in_lines || !a->results) {
		rc = err_internal(e, "out of memory assembling an invoice");
		goto done;
	}
	if ((rc = rate_list(in.default_tax_rates, &in.n_default_tax_rates, a, c, s,
			    json_object_get(c->inv, "default_tax_rates"), e)) < 0)
		goto done;
	json_array_foreach(c->lines, i, v) {
		struct billing_invoice_line *l = &a->in_lines[i];
		const json_t *period = json_object_get(v, "period");
		l->amount = inv_num(v, "amount");
		l->quantity = inv_num(v, "quantity");
		l->discountable = json_is_true(json_object_get(v, "discountable"));
		l->proration = line_proration(v);
		l->period_start = inv_num(period, "start");
		l->period_end = inv_num(period, "end");
		if ((rc = rate_list(l->tax_rates, &l->n_tax_rates, a, c, s,
				    json_object_get(v, "tax_rates"), e)) < 0)
			goto done;
	}
	json_array_foreach(json_object_get(c->inv, "discounts"), i, v) {
		json_t *row = NULL;
		bool deleted = false;
		size_t d = a->n_discounts;
		rc = store_obj_get_any(&row, &deleted, s->db, &svc_discounts_table, &s->scope,
				       json_string_value(v), e);
		if (rc < 0)
			goto done;
		if (deleted) {
			json_decref(row);
			continue;
		}
		if (d >= BILLING_DISCOUNTS_MAX) {
			json_decref(row);
			rc = err_invalid(e, "discounts", "An invoice takes at most %d discounts",
					 BILLING_DISCOUNTS_MAX);
			goto done;
		}
		json_array_append_new(a->discount_rows, row);
		if ((rc = svc_coupon_to_billing(&a->coupons[d], json_object_get(row, "coupon"),
						e)) < 0)
			goto done;
		a->discounts[d].coupon = &a->coupons[d].c;
		a->discounts[d].start = inv_num(row, "start");
		/* A "once" discount that reduced an invoice before is used up. */
		a->discounts[d].times_applied = inv_num(row, "times_applied");
		a->n_discounts++;
	}
	snprintf(in.currency, sizeof(in.currency), "%s", currency ? currency : "");
	in.period_start = inv_num(c->inv, "period_start");
	in.lines = a->in_lines;
	in.n_lines = a->n_lines;
	in.discounts = a->discounts;
	in.n_discounts = a->n_discounts;
	in.tax_rates = a->rates;
	in.n_tax_rates = a->n_rates;
	in.starting_balance = balance;
	rc = billing_invoice_assemble(&a->bi, a->results, &in, e);
done:
	if (rc < 0)
		assembly_free(a);
	return rc;
}

static json_t *tax_entry(const struct assembly *a, const struct billing_tax_amount *t)
{
	return json_pack("{s:I, s:s, s:{s:s}, s:s, s:I, s:s}", "amount", (json_int_t)t->amount,
			 "tax_behavior", t->inclusive ? "inclusive" : "exclusive",
			 "tax_rate_details", "tax_rate", a->rate_ids[t->rate],
			 /* Stripe's reason for a tax rate applied as is; 0 % is zero rated. */
			 "taxability_reason",
			 a->rates[t->rate].percentage ? "standard_rated" : "zero_rated",
			 "taxable_amount", (json_int_t)t->taxable_amount, "type", "tax_rate_details");
}

/* Writes the assembly's amounts into the context's invoice and lines. */
static void apply(struct inv_ctx *c, const struct assembly *a)
{
	json_t *inv = c->inv, *v, *list;
	size_t i, d, j;

	json_array_foreach(c->lines, i, v) {
		const struct billing_invoice_line_result *r = &a->results[i];
		list = json_array();
		for (d = 0; d < a->n_discounts && a->in_lines[i].discountable; d++)
			if (a->bi.discounts[d].applied)
				json_array_append_new(list, json_pack("{s:I, s:O}", "amount",
					(json_int_t)r->discount_amounts[d], "discount",
					json_object_get(json_array_get(a->discount_rows, d), "id")));
		json_object_set_new(v, "discount_amounts", list);
		list = json_array();
		for (j = 0; j < r->tax.n_rates; j++)
			json_array_append_new(list, tax_entry(a, &r->tax.amounts[j]));
		json_object_set_new(v, "taxes", list);
	}
	json_object_set_new(inv, "subtotal", json_integer(a->bi.subtotal));
	json_object_set_new(inv, "subtotal_excluding_tax",
			    json_integer(a->bi.subtotal_excluding_tax));
	json_object_set_new(inv, "total", json_integer(a->bi.total));
	json_object_set_new(inv, "total_excluding_tax", json_integer(a->bi.total_excluding_tax));
	list = json_array();
	for (d = 0; d < a->n_discounts; d++)
		if (a->bi.discounts[d].applied)
			json_array_append_new(list, json_pack("{s:I, s:O}", "amount",
				(json_int_t)a->bi.discounts[d].amount, "discount",
				json_object_get(json_array_get(a->discount_rows, d), "id")));
	json_object_set_new(inv, "total_discount_amounts", list);
	list = json_array();
	for (j = 0; j < a->bi.tax.n; j++)
		json_array_append_new(list, tax_entry(a, &a->bi.tax.amounts[j]));
	json_object_set_new(inv, "total_taxes", list);
	json_object_set_new(inv, "starting_balance", json_integer(a->bi.starting_balance));
	json_object_set_new(inv, "amount_due", json_integer(a->bi.amount_due));
	/* Only drafts are assembled, and nothing has been paid on a draft. */
	json_object_set_new(inv, "amount_remaining", json_integer(a->bi.amount_due));
}

/*
 * The balance an invoice may use: the customer's, when it is kept in the
 * invoice's currency (Stripe keeps one balance per customer, in its currency).
 */
static int64_t usable_balance(const json_t *customer, const char *currency)
{
	const char *have = inv_str(customer, "currency");
	if (!have || !currency || strcmp(have, currency) != 0)
		return 0;
	return inv_num(customer, "balance");
}

/* Writes the lines that differ from before (same order, same ids). */
static int write_lines(struct svc *s, const json_t *before, const json_t *after,
		       struct recur_err *e)
{
	size_t i;
	json_t *v;
	int rc;

	json_array_foreach(after, i, v) {
		const json_t *old = json_array_get(before, i);
		if (old && json_equal(old, v))
			continue;
		if ((rc = store_obj_update(s->db, &svc_invoice_lines_table, &s->scope, v, e)) < 0)
			return rc;
	}
	return 0;
}

/* Reassembles a draft with the customer's current balance and writes it. */
int svc_invoice_recompute(struct inv_ctx *c, struct svc *s, struct recur_err *e)
{
	struct assembly a;
	json_t *customer = NULL, *before = json_deep_copy(c->lines);
	int rc;

	if ((rc = store_obj_get(&customer, s->db, &svc_customers_table, &s->scope,
				inv_str(c->inv, "customer"), e)) < 0)
		goto done;
	if ((rc = assemble(&a, s, c, usable_balance(customer, inv_str(c->inv, "currency")), e)) < 0)
		goto done;
	apply(c, &a);
	assembly_free(&a);
	if ((rc = write_lines(s, before, c->lines, e)) < 0)
		goto done;
	rc = store_obj_update(s->db, &svc_invoices_table, &s->scope, c->inv, e);
done:
	json_decref(customer);
	json_decref(before);
	return rc;
}

/* ---- building an invoice -------------------------------------------- */

static json_t *empty_transitions(void)
{
	return json_pack("{s:n, s:n, s:n, s:n}", "finalized_at", "marked_uncollectible_at",
			 "paid_at", "voided_at");
}

/* The customer fields an invoice copies (Stripe: "until the invoice is
 * finalized, this field will equal customer.<field>"). */
static void snapshot_customer(json_t *inv, const json_t *customer)
{
	static const char *const fields[][2] = {
		{ "customer_email", "email" }, { "customer_name", "name" },
		{ "customer_address", "address" }, { "customer_phone", "phone" },
		{ "customer_shipping", "shipping" }, { "customer_tax_exempt", "tax_exempt" },
	};
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		json_t *v = json_object_get(customer, fields[i][1]);
		json_object_set_new(inv, fields[i][0], v ? json_deep_copy(v) : json_null());
	}
}

/*
 * A line row from an invoice item row (Stripe's parent.invoice_item_details).
 * line_id keeps an existing line's id; NULL makes a new one (prefix il, or
 * il_tmp for a preview).
 */
static json_t *line_from_item(const json_t *item, const char *invoice, const char *line_id,
			      bool preview)
{
	char id[IDS_MAX];
	const json_t *rates = json_object_get(item, "tax_rates");

	if (line_id)
		snprintf(id, sizeof(id), "%s", line_id);
	else
		ids_new(id, sizeof(id), preview ? "il_tmp" : "il");
	return json_pack("{s:s, s:O, s:s, s:O, s:O, s:O, s:O, s:[], s:[], s:O, s:O, s:O, "
			 "s:{s:s, s:{s:O, s:O, s:{s:n}, s:O}, s:n}, s:O, s:[], s:O, s:O, s:O}",
			 "id", id, "created", json_object_get(item, "date"), "invoice", invoice,
			 "amount", json_object_get(item, "amount"),
			 "currency", json_object_get(item, "currency"),
			 "description", json_object_get(item, "description"),
			 "discountable", json_object_get(item, "discountable"),
			 "discount_amounts", "discounts",
			 "period", json_object_get(item, "period"),
			 "quantity", json_object_get(item, "quantity"),
			 "subscription", json_object_get(item, "subscription"),
			 "parent", "type", "invoice_item_details", "invoice_item_details",
			 "invoice_item", json_object_get(item, "id"),
			 "proration", json_object_get(item, "proration"),
			 "proration_details", "credited_items",
			 "subscription", json_object_get(item, "subscription"),
			 "subscription_item_details",
			 "pricing", json_object_get(item, "pricing"), "taxes",
			 "metadata", json_object_get(item, "metadata"),
			 "tax_rates", json_array_size(rates) ? rates : json_null(),
			 "invoice_item", json_object_get(item, "id"));
}

/* The product of a price, through a per-call cache of loaded prices. */
static int price_of(const json_t **out, json_t *cache, struct svc *s, const char *id,
		    struct recur_err *e)
{
	json_t *p = json_object_get(cache, id);
	int rc;

	if (!p) {
		if ((rc = svc_get_cached(&p, s, &svc_prices_table, id, e)) < 0)
			return rc;
		json_object_set_new(cache, id, p);
	}
	*out = p;
	return 0;
}

/* A line row from a caller's line (a subscription item for a period, a proration). */
static int line_from_spec(json_t **out, struct svc *s, const struct svc_invoice_spec *spec,
			  const struct svc_invoice_line *l, const char *invoice, bool preview,
			  json_t *prices, struct recur_err *e)
{
	char id[IDS_MAX];
	json_t *pricing, *parent = json_null();
	int rc;

	*out = NULL;
	ids_new(id, sizeof(id), preview ? "il_tmp" : "il");
	if (l->price) {
		const json_t *price = NULL;
		if ((rc = price_of(&price, prices, s, l->price, e)) < 0)
			return rc;
		/* A prorated amount is not the price's unit amount: show what was billed. */
		pricing = json_pack("{s:s, s:{s:s, s:O}, s:o}", "type", "price_details",
				    "price_details", "price", l->price,
				    "product", json_object_get(price, "product"),
				    "unit_amount_decimal",
				    l->proration || !json_is_string(json_object_get(price,
								   "unit_amount_decimal"))
					    ? svc_invoice_unit_decimal(l->amount, l->quantity)
					    : json_deep_copy(json_object_get(price,
								"unit_amount_decimal")));
	} else {
		pricing = json_pack("{s:s, s:o}", "type", "price_details", "unit_amount_decimal",
				    svc_invoice_unit_decimal(l->amount, l->quantity));
	}
	if (spec->subscription || l->subscription_item)
		parent = json_pack("{s:s, s:n, s:{s:n, s:b, s:{s:n}, s:s?, s:s?}}",
				   "type", "subscription_item_details", "invoice_item_details",
				   "subscription_item_details", "invoice_item",
				   "proration", l->proration, "proration_details", "credited_items",
				   "subscription", spec->subscription,
				   "subscription_item", l->subscription_item);
	*out = json_pack("{s:s, s:I, s:s, s:I, s:s, s:s?, s:b, s:[], s:[], s:{s:I, s:I}, s:I, "
			 "s:s?, s:o, s:o, s:[], s:{}, s:O, s:n}",
			 "id", id, "created", (json_int_t)spec->now, "invoice", invoice,
			 "amount", (json_int_t)l->amount, "currency", spec->currency,
			 "description", l->description, "discountable", l->discountable,
			 "discount_amounts", "discounts", "period", "start",
			 (json_int_t)l->period_start, "end", (json_int_t)l->period_end,
			 "quantity", (json_int_t)l->quantity, "subscription", spec->subscription,
			 "parent", parent, "pricing", pricing, "taxes", "metadata",
			 "tax_rates", json_array_size(l->tax_rates) ? l->tax_rates : json_null(),
			 "invoice_item");
	if (!*out)
		return err_internal(e, "cannot build an invoice line");
	return 0;
}

/*
 * The customer's pending invoice items that go on an invoice in currency:
 * those of the subscription billed, and those of no subscription (Stripe puts
 * a subscription's items on that subscription's next invoice). *out is a new
 * array, newest first.
 */
int svc_invoice_pending_items(json_t **out, struct svc *s, const char *customer,
			 const char *subscription, const char *currency, struct recur_err *e)
{
	/* currency NULL: items in any currency (to choose an invoice's currency). */
	struct store_filter f[] = {
		{ .col = "customer", .op = "=", .val = SV_TEXT(customer) },
		{ .col = "invoice", .op = "=", .val = SV_NULL },
		{ .col = "subscription", .op = "=", .val = SV_NULL },
		{ .col = "currency", .op = "=", .val = SV_TEXT(currency) },
	};
	json_t *items = json_array(), *chunk = NULL;
	int rc = 0;

	*out = NULL;
	for (int pass = 0; pass < (subscription ? 2 : 1); pass++) {
		struct store_page page = { .limit = INV_ITEMS_PAGE };
		bool more = true;
		f[2].val = pass ? SV_TEXT(subscription) : SV_NULL;
		while (more) {
			rc = store_obj_list(&chunk, &more, s->db, &svc_invoiceitems_table, &s->scope,
					    f, currency ? 4 : 3, &page, e);
			if (rc < 0)
				goto done;
			json_array_extend(items, chunk);
			if (json_array_size(chunk))
				page.starting_after = inv_str(json_array_get(items,
								 json_array_size(items) - 1), "id");
			json_decref(chunk);
			chunk = NULL;
		}
	}
	*out = items;
	items = NULL;
done:
	json_decref(items);
	return rc;
}

int svc_invoice_has_pending(bool *out, struct svc *s, const char *customer,
			    const char *subscription, const char *currency, struct recur_err *e)
{
	json_t *items = NULL;
	int rc = svc_invoice_pending_items(&items, s, customer, subscription, currency, e);
	*out = rc == 0 && json_array_size(items) > 0;
	json_decref(items);
	return rc;
}

/*
 * Builds (writes nothing) the invoice spec describes into c: the row, the
 * lines (the spec's, then the pending items'), assembled with the customer's
 * balance. *items_out (if not NULL) gets the pending items taken.
 */
int svc_invoice_build(struct inv_ctx *c, json_t **items_out, struct svc *s,
		 const struct svc_invoice_spec *spec, const char *id, const json_t *customer,
		 bool preview, struct recur_err *e)
{
	struct assembly a;
	json_t *items = NULL, *prices = json_object(), *line = NULL, *v;
	bool send = spec->collection_method && strcmp(spec->collection_method, "send_invoice") == 0;
	size_t i;
	int rc = 0;

	memset(c, 0, sizeof(*c));
	if (items_out)
		*items_out = NULL;
	if (!spec->customer || !spec->currency || !money_currency_find(spec->currency) ||
	    !spec->billing_reason) {
		rc = err_internal(e, "invoice spec without customer, currency or billing_reason");
		goto done;
	}
	c->all_lines = true;
	c->inv = json_pack("{s:s, s:I, s:s, s:s?, s:s, s:n, s:s, s:s, s:s, s:s?, s:n, s:b, "
			   "s:I, s:I, s:n, s:n, s:I, s:I, s:I, s:I, s:I, s:I}",
			   "id", id, "created", (json_int_t)spec->now, "customer", spec->customer,
			   "subscription", spec->subscription, "status", "draft", "number",
			   "billing_reason", spec->billing_reason,
			   "collection_method", send ? "send_invoice" : "charge_automatically",
			   "currency", spec->currency, "description", spec->description, "footer",
			   /* Stripe: subscription invoices advance on their own, manual ones not. */
			   "auto_advance", strcmp(spec->billing_reason, "manual") != 0 && !spec->hold,
			   "period_start", (json_int_t)spec->period_start,
			   "period_end", (json_int_t)spec->period_end, "due_date", "effective_at",
			   "subtotal", (json_int_t)0, "subtotal_excluding_tax", (json_int_t)0,
			   "total", (json_int_t)0, "total_excluding_tax", (json_int_t)0,
			   "amount_due", (json_int_t)0, "amount_paid", (json_int_t)0);
	if (!c->inv) {
		rc = err_internal(e, "cannot build invoice");
		goto done;
	}
	json_object_set_new(c->inv, "amount_remaining", json_integer(0));
	json_object_set_new(c->inv, "starting_balance", json_integer(0));
	json_object_set_new(c->inv, "ending_balance", json_null());
	json_object_set_new(c->inv, "attempt_count", json_integer(0));
	json_object_set_new(c->inv, "attempted", json_false());
	json_object_set_new(c->inv, "discounts", spec->discounts ? json_deep_copy(spec->discounts)
								 : json_array());
	json_object_set_new(c->inv, "default_tax_rates", spec->default_tax_rates
				    ? json_deep_copy(spec->default_tax_rates) : json_array());
	json_object_set_new(c->inv, "status_transitions", empty_transitions());
	snapshot_customer(c->inv, customer);
	json_object_set(c->inv, "test_clock", json_object_get(customer, "test_clock"));
	json_object_set_new(c->inv, "metadata", json_object());
	json_object_set_new(c->inv, "days_until_due", send ? json_integer(spec->days_until_due)
							   : json_null());
	json_object_set_new(c->inv, "dedupe_key", spec->dedupe_key ? json_string(spec->dedupe_key)
								   : json_null());
	json_object_set_new(c->inv, "total_discount_amounts", json_array());
	json_object_set_new(c->inv, "total_taxes", json_array());

	c->lines = json_array();
	for (i = 0; i < spec->n_lines; i++) {
		if ((rc = line_from_spec(&line, s, spec, &spec->lines[i], id, preview, prices, e)) < 0)
			goto done;
		json_array_append_new(c->lines, line);
	}
	if (spec->include_pending_items) {
		if ((rc = svc_invoice_pending_items(&items, s, spec->customer, spec->subscription,
						    spec->currency, e)) < 0)
			goto done;
		json_array_foreach(items, i, v) {
			line = line_from_item(v, id, NULL, preview);
			if (!line) {
				rc = err_internal(e, "cannot build an invoice line");
				goto done;
			}
			json_array_append_new(c->lines, line);
		}
	}
	if ((rc = assemble(&a, s, c, usable_balance(customer, spec->currency), e)) < 0)
		goto done;
	apply(c, &a);
	assembly_free(&a);
	if (items_out) {
		*items_out = items;
		items = NULL;
	}
done:
	if (rc < 0)
		svc_invoice_ctx_free(c);
	json_decref(items);
	json_decref(prices);
	return rc;
}

/* Writes a built invoice: the row, its lines (last displayed first, so that
 * the store's newest-first order is the display order), and its items. */
int svc_invoice_insert(struct inv_ctx *c, const json_t *items, struct svc *s, struct recur_err *e)
{
	size_t i, n = json_array_size(c->lines);
	json_t *v;
	int rc;

	if ((rc = store_obj_insert(s->db, &svc_invoices_table, &s->scope, c->inv, e)) < 0)
		return rc;
	for (i = n; i-- > 0;)
		if ((rc = store_obj_insert(s->db, &svc_invoice_lines_table, &s->scope,
					   json_array_get(c->lines, i), e)) < 0)
			return rc;
	json_array_foreach(items, i, v) {
		struct store_val p[] = { SV_TEXT(s->scope.tenant), SV_INT(s->scope.livemode),
					 SV_TEXT(inv_str(v, "id")), SV_TEXT(inv_str(c->inv, "id")) };
		if ((rc = store_exec(s->db, "UPDATE invoiceitems SET invoice = $4 WHERE tenant_id = $1"
				     " AND livemode = $2 AND id = $3", p, 4, e)) < 0)
			return rc;
	}
	return 0;
}

int svc_invoice_event(struct svc *s, struct inv_ctx *c, const char *type, const json_t *prev,
		 struct recur_err *e)
{
	json_t *r = svc_invoice_render(s, c);
	int rc = svc_event(s, type, r, prev, e);
	json_decref(r);
	return rc;
}

/* ---- the lifecycle -------------------------------------------------- */

/*
 * The next number of the tenant's series, in the finalizing transaction: the
 * counter row is created at 2 (1 is taken) or advanced by one, so a number is
 * used exactly when a committed finalization takes it, and a rolled-back one
 * gives it back. SQL both SQLite (3.35+) and PostgreSQL accept.
 */
static int next_number(char *out, size_t cap, struct svc *s, struct recur_err *e)
{
	struct store_val p[] = { SV_TEXT(s->scope.tenant), SV_INT(s->scope.livemode),
				 SV_TEXT(NUMBER_PREFIX) };
	int64_t n = 0;
	bool found = false;
	int rc = store_query_int(&n, &found, s->db,
				 "INSERT INTO invoice_number_sequences (tenant_id, livemode, prefix,"
				 " next_number) VALUES ($1, $2, $3, 2) ON CONFLICT (tenant_id,"
				 " livemode, prefix) DO UPDATE SET next_number ="
				 " invoice_number_sequences.next_number + 1 RETURNING next_number - 1",
				 p, 3, e);
	if (rc < 0)
		return rc;
	if (!found)
		return err_internal(e, "the invoice number sequence returned nothing");
	snprintf(out, cap, "%s-%04lld", NUMBER_PREFIX, (long long)n);
	return 0;
}

/* The invoice's "now": its customer's test clock time, or the caller's. */
int svc_invoice_now(int64_t *out, struct svc *s, const json_t *inv, struct recur_err *e)
{
	return svc_test_clock_now(out, s, inv_str(inv, "test_clock"), e);
}

void svc_invoice_transition(json_t *inv, const char *key, int64_t at)
{
	json_t *t = json_object_get(inv, "status_transitions");
	if (!json_is_object(t)) {
		json_object_set_new(inv, "status_transitions", empty_transitions());
		t = json_object_get(inv, "status_transitions");
	}
	json_object_set_new(t, key, json_integer(at));
}

/* open (or uncollectible) -> paid, with its events; amount_due is now paid. */
int svc_invoice_mark_paid(struct inv_ctx *c, struct svc *s, int64_t now, struct recur_err *e)
{
	const char *sub = inv_str(c->inv, "subscription");
	int rc;

	json_object_set_new(c->inv, "status", json_string("paid"));
	json_object_set_new(c->inv, "amount_paid", json_integer(inv_num(c->inv, "amount_due")));
	json_object_set_new(c->inv, "amount_remaining", json_integer(0));
	svc_invoice_transition(c->inv, "paid_at", now);
	if ((rc = store_obj_update(s->db, &svc_invoices_table, &s->scope, c->inv, e)) < 0)
		return rc;
	/* Both events show the invoice in the same state: one rendering for the two. */
	json_t *shown = svc_invoice_render(s, c);
	if (!shown)
		return err_internal(e, "cannot render invoice");
	if ((rc = svc_event(s, "invoice.paid", shown, NULL, e)) >= 0)
		rc = svc_event(s, "invoice.payment_succeeded", shown, NULL, e);
	json_decref(shown);
	if (rc < 0)
		return rc;
	if (sub)
		rc = svc_subscription_invoice_paid(s, sub, inv_str(c->inv, "id"), e);
	return rc;
}

/*
 * Counts the invoice on every discount it applied (svc_discount_applied): a
 * "once" discount has then been used, as Stripe's duration=once means "applies
 * to the first invoice" and the billing core skips it from then on.
 */
static int count_discounts(struct svc *s, const struct assembly *a, struct recur_err *e)
{
	for (size_t d = 0; d < a->n_discounts; d++) {
		int rc;
		if (!a->bi.discounts[d].applied)
			continue;
		rc = svc_discount_applied(s, inv_str(json_array_get(a->discount_rows, d), "id"), e);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/*
 * draft -> open: reassembles with the customer's balance as it is now, takes
 * the next number, posts the balance it used, and, with nothing left to pay,
 * goes on to paid (Stripe: "invoices with an amount_due of 0 are marked paid
 * when finalized").
 */
static int finalize_with(struct inv_ctx *c, struct svc *s, int64_t now, const json_t *customer,
			 bool written, const json_t *items, struct recur_err *e);

int svc_invoice_finalize_ctx(struct inv_ctx *c, struct svc *s, int64_t now, struct recur_err *e)
{
	json_t *customer = NULL;
	int rc = store_obj_get(&customer, s->db, &svc_customers_table, &s->scope,
			       inv_str(c->inv, "customer"), e);
	if (rc == 0)
		rc = finalize_with(c, s, now, customer, true, NULL, e);
	json_decref(customer);
	return rc;
}

/*
 * Finalizes with the customer as it is now (borrowed). written: the draft is
 * in the store and is updated; otherwise (an invoice created finalized) it is
 * inserted here as it ends up, with its pending items.
 */
static int finalize_with(struct inv_ctx *c, struct svc *s, int64_t now, const json_t *customer,
			 bool written, const json_t *items, struct recur_err *e)
{
	struct assembly a;
	json_t *before = NULL;
	const char *cus = inv_str(c->inv, "customer"), *currency = inv_str(c->inv, "currency");
	char number[32];
	bool assembled = false;
	int64_t due;
	int rc;

	if (!c->all_lines) {
		json_decref(c->lines);
		c->lines = NULL;
		if ((rc = svc_invoice_load_lines(&c->lines, s, inv_str(c->inv, "id"), true, e)) < 0)
			goto done;
		c->all_lines = true;
	}
	if (written)
		before = json_deep_copy(c->lines);
	/*
	 * An opening invoice (invoice_opening.c) is the old system's claim, whole:
	 * the customer pays it with the old KID for the old amount, so the
	 * balance is left for recur's own next invoice, whatever the file's order.
	 */
	if ((rc = assemble(&a, s, c,
			   json_is_true(json_object_get(c->inv, "opening_balance"))
				   ? 0 : usable_balance(customer, currency), e)) < 0)
		goto done;
	assembled = true;
	apply(c, &a);
	if ((rc = next_number(number, sizeof(number), s, e)) < 0)
		goto done;
	json_object_set_new(c->inv, "number", json_string(number));
	json_object_set_new(c->inv, "status", json_string("open"));
	json_object_set_new(c->inv, "ending_balance", json_integer(a.bi.ending_balance));
	svc_invoice_transition(c->inv, "finalized_at", now);
	if (json_is_null(json_object_get(c->inv, "effective_at")))
		json_object_set_new(c->inv, "effective_at", json_integer(now));
	/* Stripe: send_invoice invoices are due days_until_due after finalization,
	 * unless a due_date was given; charged invoices have none. */
	if (strcmp(inv_str(c->inv, "collection_method"), "send_invoice") == 0) {
		if (json_is_null(json_object_get(c->inv, "due_date"))) {
			if (money_mul(&due, inv_num(c->inv, "days_until_due"), SECONDS_PER_DAY) < 0 ||
			    money_add(&due, due, now) < 0) {
				rc = err_invalid(e, "days_until_due", "days_until_due is out of range");
				goto done;
			}
			json_object_set_new(c->inv, "due_date", json_integer(due));
		}
	} else {
		json_object_set_new(c->inv, "due_date", json_null());
	}
	snapshot_customer(c->inv, customer);
	if ((rc = svc_bank_payment_reference(s, c->inv, e)) < 0 ||
	    (rc = svc_collection_schedule(s, c->inv, now, customer, e)) < 0 ||
	    (rc = count_discounts(s, &a, e)) < 0)
		goto done;
	if (written ? (rc = write_lines(s, before, c->lines, e)) < 0 ||
		      (rc = store_obj_update(s->db, &svc_invoices_table, &s->scope, c->inv, e)) < 0
		    : (rc = svc_invoice_insert(c, items, s, e)) < 0)
		goto done;
	if (a.bi.applied_balance != 0 &&
	    (rc = svc_balance_post(NULL, s, cus, a.bi.applied_balance, currency,
				   "applied_to_invoice", inv_str(c->inv, "id"), NULL, e)) < 0) {
		/* Only a negative total reaches here in another currency. */
		if (rc == RECUR_EINVAL && strcmp(e->param, "currency") == 0)
			rc = err_invalid(e, NULL, "The invoice's credit of %lld %s cannot go to the "
					 "customer's balance, which is kept in %s",
					 (long long)-a.bi.applied_balance, currency,
					 inv_str(customer, "currency"));
		goto done;
	}
	if ((rc = svc_ledger_invoice_finalized(s, c, now, e)) < 0)
		goto done;
	if ((rc = svc_invoice_event(s, c, "invoice.finalized", NULL, e)) < 0)
		goto done;
	if (a.bi.amount_due == 0)
		rc = svc_invoice_mark_paid(c, s, now, e);
done:
	if (assembled)
		assembly_free(&a);
	json_decref(before);
	return rc;
}

static int render_out(json_t **out, struct svc *s, struct inv_ctx *c, struct recur_err *e)
{
	*out = svc_invoice_render(s, c);
	return *out ? 0 : err_internal(e, "cannot render invoice");
}

/* Finds an invoice by dedupe key; *id is empty when there is none. */
static int find_dedupe(char *id, size_t cap, bool *deleted, struct svc *s, const char *key,
		       struct recur_err *e);

/*
 * Creates the invoice spec describes; its id goes to id (cap bytes). *out, when
 * out is not NULL, gets it rendered: a renewal only needs the id, and
 * rendering an invoice costs about as much as writing it.
 */
static int create(json_t **out, char *id, size_t cap, struct svc *s,
		  const struct svc_invoice_spec *spec, struct recur_err *e)
{
	struct inv_ctx c = { 0 };
	json_t *customer = NULL, *items = NULL;
	bool deleted = false;
	int rc;

	if (out)
		*out = NULL;
	id[0] = '\0';
	if (spec->dedupe_key) {
		if ((rc = find_dedupe(id, cap, &deleted, s, spec->dedupe_key, e)) < 0)
			goto done;
		if (id[0] && deleted) {
			/* A deleted draft stays deleted: the period was billed, then withdrawn. */
			if (out)
				*out = json_pack("{s:s, s:s, s:b}", "id", id, "object", "invoice",
						 "deleted", 1);
			goto done;
		}
		if (id[0]) {
			if (!out)
				goto done;
			if ((rc = svc_invoice_ctx_load(&c, s, id, false, e)) < 0)
				goto done;
			rc = render_out(out, s, &c, e);
			goto done;
		}
	}
	rc = store_obj_get(&customer, s->db, &svc_customers_table, &s->scope, spec->customer, e);
	if (rc == RECUR_ENOTFOUND)
		snprintf(e->param, sizeof(e->param), "customer");
	if (rc < 0)
		goto done;
	ids_new(id, cap, "in");
	if ((rc = svc_invoice_build(&c, &items, s, spec, id, customer, false, e)) < 0)
		goto done;
	if (!spec->finalize) {
		if ((rc = svc_invoice_insert(&c, items, s, e)) < 0 ||
		    (rc = svc_invoice_event(s, &c, "invoice.created", NULL, e)) < 0)
			goto done;
	} else {
		/*
		 * An invoice finalized on creation is written once, as it ends up:
		 * its draft would only exist inside this transaction, where nothing
		 * reads it, so writing it and rewriting it at finalization cost a
		 * second write of the invoice and its lines for nothing. The
		 * invoice.created event still shows the draft. Nothing between the
		 * build and the finalization changes the customer: no second read.
		 */
		if ((rc = svc_invoice_event(s, &c, "invoice.created", NULL, e)) < 0 ||
		    (rc = finalize_with(&c, s, spec->now, customer, false, items, e)) < 0)
			goto done;
	}
	if (out)
		rc = render_out(out, s, &c, e);
done:
	if (rc < 0 && out) {
		json_decref(*out);
		*out = NULL;
	}
	svc_invoice_ctx_free(&c);
	json_decref(customer);
	json_decref(items);
	return rc;
}

int svc_invoice_create_internal(json_t **out, struct svc *s, const struct svc_invoice_spec *spec,
				struct recur_err *e)
{
	char id[IDS_MAX];
	return create(out, id, sizeof(id), s, spec, e);
}

int svc_invoice_create_id(char *id, size_t cap, struct svc *s,
			  const struct svc_invoice_spec *spec, struct recur_err *e)
{
	return create(NULL, id, cap, s, spec, e);
}

struct dedupe_row {
	char *id;
	size_t cap;
	bool *deleted;
};

static int dedupe_row(void *ctx, const struct store_row *row)
{
	struct dedupe_row *d = ctx;
	snprintf(d->id, d->cap, "%s", store_row_text(row, 0, NULL));
	*d->deleted = store_row_int(row, 1) != 0;
	return 1;
}

static int find_dedupe(char *id, size_t cap, bool *deleted, struct svc *s, const char *key,
		       struct recur_err *e)
{
	struct store_val p[] = { SV_TEXT(s->scope.tenant), SV_INT(s->scope.livemode),
				 SV_TEXT(key) };
	struct dedupe_row d = { .id = id, .cap = cap, .deleted = deleted };
	int rc;

	id[0] = '\0';
	rc = store_query(s->db, "SELECT id, deleted FROM invoices WHERE tenant_id = $1 AND"
			 " livemode = $2 AND dedupe_key = $3", p, 3, dedupe_row, &d, e);
	return rc < 0 ? rc : 0;
}

/*
 * Stripe's create_preview has an id prefixed upcoming_in and lines prefixed
 * il_tmp: the preview is a real-looking invoice that no endpoint knows.
 */
int svc_invoice_preview_internal(json_t **out, struct svc *s, const struct svc_invoice_spec *spec,
				 struct recur_err *e)
{
	struct inv_ctx c = { 0 };
	json_t *customer = NULL;
	char id[IDS_MAX];
	int rc;

	*out = NULL;
	rc = store_obj_get(&customer, s->db, &svc_customers_table, &s->scope, spec->customer, e);
	if (rc == RECUR_ENOTFOUND)
		snprintf(e->param, sizeof(e->param), "customer");
	if (rc < 0)
		goto done;
	ids_new(id, sizeof(id), "upcoming_in");
	if ((rc = svc_invoice_build(&c, NULL, s, spec, id, customer, true, e)) < 0)
		goto done;
	rc = render_out(out, s, &c, e);
done:
	svc_invoice_ctx_free(&c);
	json_decref(customer);
	return rc;
}

/* ---- invoice items on drafts ------------------------------------------ */

int svc_invoice_sync_item(struct svc *s, const char *invoice, const json_t *item, bool removed,
			  const char *param_name, struct recur_err *e)
{
	struct inv_ctx c = { 0 };
	json_t *before = NULL, *after = NULL, *prev = NULL, *line = NULL, *v;
	const char *item_id = inv_str(item, "id");
	size_t i, at = (size_t)-1;
	int rc;

	rc = svc_invoice_ctx_load(&c, s, invoice, true, e);
	if (rc == RECUR_ENOTFOUND && param_name)
		rc = err_set(e, RECUR_EINVAL, 400, "invalid_request_error", "resource_missing",
			     param_name, "No such invoice: '%s'", invoice);
	if (rc < 0)
		goto done;
	if (!inv_status_is(c.inv, "draft")) {
		rc = err_set(e, RECUR_EINVAL, 400, "invalid_request_error",
			     "invoice_unexpected_state", param_name,
			     "Invoice %s is %s: only a draft invoice's items can change", invoice,
			     inv_str(c.inv, "status"));
		goto done;
	}
	before = svc_invoice_render(s, &c);
	json_array_foreach(c.lines, i, v)
		if (inv_str(v, "invoice_item") && strcmp(inv_str(v, "invoice_item"), item_id) == 0)
			at = i;
	if (removed) {
		if (at != (size_t)-1) {
			struct store_val p[] = { SV_TEXT(s->scope.tenant), SV_INT(s->scope.livemode),
						 SV_TEXT(inv_str(json_array_get(c.lines, at), "id")) };
			if ((rc = store_exec(s->db, "DELETE FROM invoice_lines WHERE tenant_id = $1"
					     " AND livemode = $2 AND id = $3", p, 3, e)) < 0)
				goto done;
			json_array_remove(c.lines, at);
		}
	} else if (at != (size_t)-1) {
		line = line_from_item(item, invoice, inv_str(json_array_get(c.lines, at), "id"),
				      false);
		json_array_set(c.lines, at, line);
		if ((rc = store_obj_update(s->db, &svc_invoice_lines_table, &s->scope, line, e)) < 0)
			goto done;
	} else {
		/* A new line is displayed first: it is the newest row. */
		line = line_from_item(item, invoice, NULL, false);
		if ((rc = store_obj_insert(s->db, &svc_invoice_lines_table, &s->scope, line, e)) < 0)
			goto done;
		json_array_insert(c.lines, 0, line);
	}
	if ((rc = svc_invoice_recompute(&c, s, e)) < 0)
		goto done;
	after = svc_invoice_render(s, &c);
	prev = svc_previous_attributes(before, after);
	if (prev) {
		json_object_del(prev, "lines");
		if (json_object_size(prev))
			rc = svc_event(s, "invoice.updated", after, prev, e);
	}
done:
	svc_invoice_ctx_free(&c);
	json_decref(before);
	json_decref(after);
	json_decref(prev);
	json_decref(line);
	return rc;
}
