/*
 * credit_note_build.c - a credit note from its request: the parameters, the
 * invoice's lines and what earlier credit notes took of them, and the
 * amounts (billing/credit_note.h), writing nothing. Create and preview both
 * start here, so a preview shows exactly what create would issue.
 */
#include "billing/credit_note.h"
#include "core/money.h"
#include "service/credit_note.h"
#include "service/credit_note_internal.h"
#include "service/params.h"
#include "service/payments.h"
#include "service/tax_rate.h"

#include <stdio.h>
#include <string.h>

static const char *const create_params[] = {
	"invoice", "amount", "lines", "reason", "memo", "metadata", "credit_amount",
	"refund_amount", "out_of_band_amount", "effective_at", "email_type", "refunds",
	"refund", NULL
};
static const char *const reasons[] = { "duplicate", "fraudulent", "order_change",
				       "product_unsatisfactory", NULL };
static const char *const line_params[] = {
	"type", "invoice_line_item", "amount", "quantity", "description", "unit_amount",
	"unit_amount_decimal", "metadata", "tax_rates", "tax_amounts", NULL
};
static const char *const line_types[] = { "invoice_line_item", "custom_line_item", NULL };
static const char *const email_types[] = { "credit_note", "none", NULL };

#define MEMO_MAX 5000 /* Stripe's limit on free text */

void cn_plan_free(struct cn_plan *p)
{
	svc_invoice_ctx_free(&p->inv);
	json_decref(p->row);
	memset(p, 0, sizeof(*p));
}

/* What the invoice's earlier credit notes took. */
struct credited {
	int64_t count;       /* every credit note, void ones too: numbers are never reused */
	int64_t total;       /* issued ones' totals */
	int64_t amount_only; /* issued ones made from amount alone (their proportional base) */
	json_t *lines;       /* invoice line id -> amount credited by issued ones (owned) */
};

static int load_credited(struct credited *out, struct svc *s, const char *invoice,
			 struct recur_err *e)
{
	struct store_filter f = { .col = "invoice", .op = "=", .val = SV_TEXT(invoice) };
	struct store_page page = { .limit = 100 };
	char last[IDS_MAX];
	json_t *chunk = NULL, *cn, *li;
	bool more = true;
	size_t i, j;
	int rc;

	memset(out, 0, sizeof(*out));
	out->lines = json_object();
	while (more) {
		if ((rc = store_obj_list(&chunk, &more, s->db, &svc_credit_notes_table, &s->scope,
					 &f, 1, &page, e)) < 0)
			return rc;
		json_array_foreach(chunk, i, cn) {
			out->count++;
			if (!inv_status_is(cn, "issued"))
				continue;
			out->total += inv_num(cn, "total");
			if (inv_num(cn, "amount_only"))
				out->amount_only += inv_num(cn, "total");
			json_array_foreach(json_object_get(cn, "line_items"), j, li) {
				const char *il = inv_str(li, "invoice_line_item");
				if (il)
					json_object_set_new(out->lines, il, json_integer(
						inv_num(out->lines, il) + inv_num(li, "amount")));
			}
		}
		/* The next page starts after this one's last row. */
		if (json_array_size(chunk)) {
			snprintf(last, sizeof(last), "%s",
				 inv_str(json_array_get(chunk, json_array_size(chunk) - 1), "id"));
			page.starting_after = last;
		} else {
			more = false;
		}
		json_decref(chunk);
		chunk = NULL;
	}
	return 0;
}

/* Refunds of the invoice's charges made outside credit notes: Stripe counts them as credited. */
static int standalone_refunds(int64_t *out, struct svc *s, const char *invoice,
			      struct recur_err *e)
{
	struct store_val p[] = { SV_TEXT(s->scope.tenant), SV_INT(s->scope.livemode),
				 SV_TEXT(invoice) };
	return store_query_int(out, NULL, s->db,
			       "SELECT COALESCE(SUM(r.amount), 0) FROM refunds r JOIN charges c"
			       " ON c.tenant_id = r.tenant_id AND c.livemode = r.livemode"
			       " AND c.id = r.charge WHERE r.tenant_id = $1 AND r.livemode = $2"
			       " AND c.invoice = $3 AND r.credit_note IS NULL"
			       " AND r.status = 'succeeded'", p, 3, e);
}

static int first_text(void *ctx, const struct store_row *row)
{
	struct { char *buf; size_t cap; } *t = ctx;
	snprintf(t->buf, t->cap, "%s", store_row_text(row, 0, NULL));
	return 1;
}

/* The invoice's charge that succeeded (the newest), or "". */
static int invoice_charge(char *out, size_t cap, struct svc *s, const char *invoice,
			  int64_t *left, struct recur_err *e)
{
	struct store_val p[] = { SV_TEXT(s->scope.tenant), SV_INT(s->scope.livemode),
				 SV_TEXT(invoice) };
	struct { char *buf; size_t cap; } t = { out, cap };
	json_t *ch = NULL;
	int rc;

	out[0] = '\0';
	*left = 0;
	rc = store_query(s->db, "SELECT id FROM charges WHERE tenant_id = $1 AND livemode = $2"
			 " AND invoice = $3 AND status = 'succeeded' ORDER BY seq DESC LIMIT 1",
			 p, 3, first_text, &t, e);
	if (rc < 0 || !out[0])
		return rc < 0 ? rc : 0;
	if ((rc = store_obj_get(&ch, s->db, &svc_charges_table, &s->scope, out, e)) < 0)
		return rc;
	*left = inv_num(ch, "amount") - inv_num(ch, "amount_refunded");
	json_decref(ch);
	return 0;
}

/* The index of a tax rate id in the plan's table (ids), added when new. */
static size_t rate_index(json_t *ids, const char *id)
{
	size_t i;
	json_t *v;

	json_array_foreach(ids, i, v)
		if (strcmp(json_string_value(v), id) == 0)
			return i;
	json_array_append_new(ids, json_string(id));
	return json_array_size(ids) - 1;
}

/* A basis from Stripe's taxes list (a line's taxes or an invoice's total_taxes). */
static int basis_taxes(struct billing_cn_basis *b, json_t *ids, const json_t *taxes,
		       struct recur_err *e)
{
	size_t i;
	json_t *t;

	b->n_taxes = 0;
	json_array_foreach(taxes, i, t) {
		const char *id = inv_str(json_object_get(t, "tax_rate_details"), "tax_rate");
		if (!id || b->n_taxes == BILLING_TAX_RATES_MAX)
			return err_internal(e, "an invoice tax without its rate");
		b->taxes[b->n_taxes++] = (struct billing_cn_tax){
			.rate = rate_index(ids, id),
			.inclusive = strcmp(inv_str(t, "tax_behavior"), "inclusive") == 0,
			.taxable_amount = inv_num(t, "taxable_amount"),
			.amount = inv_num(t, "amount"),
		};
	}
	return 0;
}

static int64_t sum_amounts(const json_t *list)
{
	int64_t sum = 0;
	size_t i;
	json_t *v;

	json_array_foreach(list, i, v)
		sum += inv_num(v, "amount");
	return sum;
}

/* Stripe's taxes list for a share or totals, with each rate's percentage from the cache. */
static int taxes_json(json_t **out, struct svc *s, struct cn_plan *pl, const json_t *ids,
		      const struct billing_cn_tax *taxes, size_t n, struct recur_err *e)
{
	json_t *list = json_array();
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		const char *id = json_string_value(json_array_get(ids, taxes[i].rate));
		const json_t *rate = NULL;
		if ((rc = svc_invoice_rate(&rate, &pl->inv, s, id, e)) < 0)
			break;
		json_array_append_new(list, json_pack(
			"{s:I, s:s, s:{s:s}, s:s, s:I, s:s}", "amount", (json_int_t)taxes[i].amount,
			"tax_behavior", taxes[i].inclusive ? "inclusive" : "exclusive",
			"tax_rate_details", "tax_rate", id, "taxability_reason",
			json_real_value(json_object_get(rate, "percentage")) != 0.0 ||
			json_integer_value(json_object_get(rate, "percentage")) != 0
				? "standard_rated" : "zero_rated",
			"taxable_amount", (json_int_t)taxes[i].taxable_amount,
			"type", "tax_rate_details"));
	}
	if (rc < 0) {
		json_decref(list);
		return rc;
	}
	*out = list;
	return 0;
}

/* The rendered tax rates of a line (Stripe's credit_note_line_item.tax_rates). */
static int rate_objects(json_t **out, struct svc *s, struct cn_plan *pl, const json_t *ids,
			const struct billing_cn_share *sh, struct recur_err *e)
{
	json_t *list = json_array();
	int rc = 0;

	for (size_t i = 0; i < sh->n_taxes; i++) {
		const json_t *rate = NULL;
		if ((rc = svc_invoice_rate(&rate, &pl->inv, s,
					   json_string_value(json_array_get(ids, sh->taxes[i].rate)),
					   e)) < 0)
			break;
		json_array_append_new(list, json_deep_copy(rate));
	}
	if (rc < 0) {
		json_decref(list);
		return rc;
	}
	*out = list;
	return 0;
}

/* One credited invoice line: its request (l, at index i) against the invoice line. */
static int invoice_line(json_t **out, struct billing_cn_totals *t, struct svc *s,
			struct cn_plan *pl, json_t *ids, const struct credited *cr, const json_t *l,
			size_t i, const char *prefix, struct recur_err *e)
{
	char param[64];
	const char *il_id = NULL;
	const json_t *line = NULL, *v;
	struct billing_cn_basis b = { 0 };
	struct billing_cn_share sh;
	json_t *taxes = NULL, *rates = NULL;
	int64_t amount = 0, quantity = 0;
	int has_amount, has_quantity, rc;
	size_t k;

	*out = NULL;
	if ((rc = params_string(&il_id, l, "invoice_line_item", 255, e)) < 0 ||
	    (rc = has_amount = params_int(&amount, l, "amount", 1, PARAMS_MAX_AMOUNT, e)) < 0 ||
	    (rc = has_quantity = params_int(&quantity, l, "quantity", 1, PARAMS_MAX_AMOUNT, e)) < 0)
		return params_nest_index(e, rc, "lines", i);
	if (json_object_get(l, "unit_amount") || json_object_get(l, "unit_amount_decimal") ||
	    json_object_get(l, "description") || json_object_get(l, "tax_rates"))
		return params_nest_index(e, err_invalid(e, json_object_get(l, "unit_amount")
				? "unit_amount" : json_object_get(l, "unit_amount_decimal")
				? "unit_amount_decimal" : json_object_get(l, "description")
				? "description" : "tax_rates",
				"Only valid when type is custom_line_item"), "lines", i);
	if (!il_id || !*il_id)
		return params_nest_index(e, err_set(e, RECUR_EINVAL, 400, "invalid_request_error",
			"parameter_missing", "invoice_line_item", "Missing required param: "
			"invoice_line_item."), "lines", i);
	json_array_foreach(pl->inv.lines, k, v)
		if (strcmp(inv_str(v, "id"), il_id) == 0)
			line = v;
	if (!line)
		return params_nest_index(e, err_invalid(e, "invoice_line_item", "The invoice line "
				"item %s is not on invoice %s", il_id, inv_str(pl->inv.inv, "id")),
				"lines", i);
	if (has_amount == has_quantity)
		return params_nest_index(e, err_invalid(e, "amount", "Give exactly one of amount and "
				"quantity for an invoice_line_item"), "lines", i);
	b.base = inv_num(line, "amount");
	b.discount = sum_amounts(json_object_get(line, "discount_amounts"));
	if (b.base <= 0)
		return params_nest_index(e, err_invalid(e, "invoice_line_item", "The invoice line "
				"item %s has no positive amount to credit", il_id), "lines", i);
	if ((rc = basis_taxes(&b, ids, json_object_get(line, "taxes"), e)) < 0)
		return rc;
	if (has_quantity &&
	    (rc = billing_cn_quantity_amount(&amount, b.base, inv_num(line, "quantity"), quantity,
					     e)) < 0)
		return params_nest_index(e, rc, "lines", i);
	int64_t before = inv_num(cr->lines, il_id) + inv_num(pl->row, prefix); /* earlier lines here */
	if (before + amount > b.base) {
		snprintf(param, sizeof(param), "lines[%zu][%s]", i, has_amount ? "amount" : "quantity");
		return err_set(e, RECUR_EINVAL, 400, "invalid_request_error", NULL, param,
			       "The amount to credit (%lld) is greater than what is left of invoice "
			       "line item %s (%lld of %lld)", (long long)amount, il_id,
			       (long long)(b.base - before), (long long)b.base);
	}
	if ((rc = billing_cn_share(&sh, &b, before, amount, e)) < 0 ||
	    (rc = billing_cn_totals_add(t, amount, &sh, e)) < 0 ||
	    (rc = taxes_json(&taxes, s, pl, ids, sh.taxes, sh.n_taxes, e)) < 0 ||
	    (rc = rate_objects(&rates, s, pl, ids, &sh, e)) < 0) {
		json_decref(taxes);
		return params_nest_index(e, rc, "lines", i);
	}
	/* A line credited twice in one credit note counts what the first took. */
	json_object_set_new(pl->row, prefix, json_integer(inv_num(pl->row, prefix) + amount));
	const json_t *first_discount = json_array_get(json_object_get(line, "discount_amounts"), 0);
	json_t *discounts = sh.discount > 0 && first_discount
		? json_pack("[{s:I, s:O}]", "amount", (json_int_t)sh.discount, "discount",
			    json_object_get(first_discount, "discount"))
		: json_array();
	*out = json_pack("{s:s, s:I, s:O, s:I, s:o, s:s, s:I, s:o, s:o, s:s, s:n, s:n}",
			 "type", "invoice_line_item", "amount", (json_int_t)amount,
			 "description", json_object_get(line, "description"),
			 "discount_amount", (json_int_t)sh.discount, "discount_amounts", discounts,
			 "invoice_line_item", il_id,
			 "quantity", (json_int_t)(has_quantity ? quantity : 1),
			 "tax_rates", rates, "taxes", taxes,
			 "object", "credit_note_line_item", "unit_amount", "unit_amount_decimal");
	return *out ? 0 : err_internal(e, "cannot build a credit note line");
}

/* A custom line: unit_amount x quantity, no tax (recur takes no tax_rates on it yet). */
static int custom_line(json_t **out, struct billing_cn_totals *t, const json_t *l, size_t i,
		       struct recur_err *e)
{
	const char *description = NULL;
	struct billing_cn_share none = { 0 };
	int64_t unit = 0, quantity = 1, amount;
	char unit_text[32];
	int rc, has_quantity = 0;

	*out = NULL;
	if ((rc = params_require(l, "unit_amount", e)) < 0 ||
	    (rc = params_require(l, "description", e)) < 0 ||
	    (rc = params_int(&unit, l, "unit_amount", 0, PARAMS_MAX_AMOUNT, e)) < 0 ||
	    (rc = has_quantity = params_int(&quantity, l, "quantity", 1, PARAMS_MAX_AMOUNT, e)) < 0 ||
	    (rc = params_string(&description, l, "description", MEMO_MAX, e)) < 0)
		return params_nest_index(e, rc, "lines", i);
	if (!has_quantity)
		quantity = 1; /* Stripe's default */
	if (json_object_get(l, "tax_rates") || json_object_get(l, "tax_amounts") ||
	    json_object_get(l, "invoice_line_item") || json_object_get(l, "amount") ||
	    json_object_get(l, "unit_amount_decimal"))
		return params_nest_index(e, err_invalid(e, json_object_get(l, "tax_rates") ? "tax_rates"
				: json_object_get(l, "tax_amounts") ? "tax_amounts"
				: json_object_get(l, "invoice_line_item") ? "invoice_line_item"
				: json_object_get(l, "amount") ? "amount" : "unit_amount_decimal",
				"Not supported on a custom_line_item by recur (tax_rates, tax_amounts, "
				"unit_amount_decimal) or only valid for an invoice_line_item"),
				"lines", i);
	if (money_mul(&amount, unit, quantity) < 0 || !money_in_range(amount))
		return params_nest_index(e, err_invalid(e, "quantity", "unit_amount x quantity is out "
				"of range"), "lines", i);
	if ((rc = billing_cn_totals_add(t, amount, &none, e)) < 0)
		return params_nest_index(e, rc, "lines", i);
	snprintf(unit_text, sizeof(unit_text), "%lld", (long long)unit);
	*out = json_pack("{s:s, s:I, s:s, s:i, s:[], s:I, s:[], s:[], s:s, s:I, s:s}",
			 "type", "custom_line_item", "amount", (json_int_t)amount,
			 "description", description, "discount_amount", 0, "discount_amounts",
			 "quantity", (json_int_t)quantity, "tax_rates", "taxes",
			 "object", "credit_note_line_item", "unit_amount", (json_int_t)unit,
			 "unit_amount_decimal", unit_text);
	return *out ? 0 : err_internal(e, "cannot build a credit note line");
}

/* Every requested line into the plan's row (line_items) and t. */
static int read_lines(struct billing_cn_totals *t, struct svc *s, struct cn_plan *pl,
		      json_t *ids, const struct credited *cr, const json_t *lines,
		      struct recur_err *e)
{
	json_t *items = json_array(), *li = NULL, *md = NULL;
	const json_t *l;
	const char *type = NULL;
	char id[IDS_MAX];
	size_t i;
	int rc = 0;

	if (json_array_size(lines) > CN_LINES_MAX) {
		rc = err_invalid(e, "lines", "A credit note takes at most %d lines", CN_LINES_MAX);
		goto done;
	}
	json_array_foreach(lines, i, l) {
		char taken[IDS_MAX + 16];
		if (!json_is_object(l)) {
			rc = err_invalid(e, "lines", "lines[%zu] must be an object", i);
			goto done;
		}
		if ((rc = params_only(l, line_params, e)) < 0 ||
		    (rc = params_require(l, "type", e)) < 0 ||
		    (rc = params_enum(&type, l, "type", line_types, e)) < 0 ||
		    (rc = params_metadata(&md, NULL, l, e)) < 0) {
			rc = params_nest_index(e, rc, "lines", i);
			goto done;
		}
		/* What this credit note's earlier lines took of the same invoice line. */
		snprintf(taken, sizeof(taken), "taken:%s", inv_str(l, "invoice_line_item")
			 ? inv_str(l, "invoice_line_item") : "");
		rc = strcmp(type, "custom_line_item") == 0
			? custom_line(&li, t, l, i, e)
			: invoice_line(&li, t, s, pl, ids, cr, l, i, taken, e);
		if (rc < 0)
			goto done;
		ids_new(id, sizeof(id), "cnli");
		json_object_set_new(li, "id", json_string(id));
		json_object_set_new(li, "metadata", md);
		md = NULL;
		json_array_append_new(items, li);
		li = NULL;
	}
	json_object_set_new(pl->row, "line_items", items);
	items = NULL;
done:
	/* The per-line running sums were scratch. */
	{
		const char *k;
		void *tmp;
		json_t *v;
		json_object_foreach_safe(pl->row, tmp, k, v)
			if (strncmp(k, "taken:", 6) == 0)
				json_object_del(pl->row, k);
	}
	json_decref(items);
	json_decref(md);
	return rc;
}

/* Stripe's refund reason for a credit note's (its reasons are not the refund's). */
static const char *refund_reason(const char *reason)
{
	if (reason && (strcmp(reason, "duplicate") == 0 || strcmp(reason, "fraudulent") == 0))
		return reason;
	return "requested_by_customer";
}

int cn_plan_build(struct cn_plan *pl, struct svc *s, const json_t *p, struct recur_err *e)
{
	const char *invoice = NULL, *reason = NULL, *memo = NULL, *email = NULL;
	const json_t *lines = NULL;
	struct credited cr = { 0 };
	struct billing_cn_totals t;
	struct billing_cn_split split;
	json_t *md = NULL, *ids = json_array(), *taxes = NULL;
	int64_t amount = 0, credit = 0, refund = 0, oob = 0, effective = 0, now, refunds = 0;
	int64_t charge_left = 0;
	int has_amount, has_lines, has_effective, rc;
	char number[64], cn_id[IDS_MAX];

	memset(pl, 0, sizeof(*pl));
	billing_cn_totals_init(&t);
	if ((rc = params_only(p, create_params, e)) < 0 ||
	    (rc = params_require(p, "invoice", e)) < 0 ||
	    (rc = params_string(&invoice, p, "invoice", 255, e)) < 0 ||
	    (rc = has_amount = params_int(&amount, p, "amount", 1, PARAMS_MAX_AMOUNT, e)) < 0 ||
	    (rc = has_lines = params_array(&lines, p, "lines", e)) < 0 ||
	    (rc = params_enum(&reason, p, "reason", reasons, e)) < 0 ||
	    (rc = params_string(&memo, p, "memo", MEMO_MAX, e)) < 0 ||
	    (rc = params_metadata(&md, NULL, p, e)) < 0 ||
	    (rc = params_int(&credit, p, "credit_amount", 0, PARAMS_MAX_AMOUNT, e)) < 0 ||
	    (rc = params_int(&refund, p, "refund_amount", 0, PARAMS_MAX_AMOUNT, e)) < 0 ||
	    (rc = params_int(&oob, p, "out_of_band_amount", 0, PARAMS_MAX_AMOUNT, e)) < 0 ||
	    (rc = has_effective = params_int(&effective, p, "effective_at", 0, INT64_C(4102444800),
					     e)) < 0 ||
	    (rc = params_enum(&email, p, "email_type", email_types, e)) < 0)
		goto done;
	if (json_object_get(p, "refunds") || json_object_get(p, "refund")) {
		rc = err_invalid(e, json_object_get(p, "refunds") ? "refunds" : "refund",
				 "Linking an existing refund to a credit note is not supported by "
				 "recur yet: give refund_amount and recur makes the refund");
		goto done;
	}
	if (!has_amount && !(has_lines > 0 && json_array_size(lines))) {
		rc = err_set(e, RECUR_EINVAL, 400, "invalid_request_error", "parameter_missing",
			     "amount", "One of amount or lines must be provided.");
		goto done;
	}
	rc = svc_invoice_ctx_load(&pl->inv, s, invoice, true, e);
	if (rc == RECUR_ENOTFOUND)
		rc = err_set(e, RECUR_EINVAL, 400, "invalid_request_error", "resource_missing",
			     "invoice", "No such invoice: '%s'", invoice);
	if (rc < 0)
		goto done;
	/*
	 * Stripe credits finalized invoices that are open or paid. recur also
	 * refuses uncollectible ones: their claim is written off already, and a
	 * credit would take it off the books a second time.
	 */
	if (!inv_status_is(pl->inv.inv, "open") && !inv_status_is(pl->inv.inv, "paid")) {
		svc_invoice_state_error(e, pl->inv.inv, "Credit notes can only be issued for open "
					"or paid invoices");
		snprintf(e->param, sizeof(e->param), "invoice");
		rc = RECUR_EINVAL;
		goto done;
	}
	/*
	 * An opening balance was posted against adjustments, not revenue: a
	 * credit note would take revenue back that recur never booked. It is
	 * corrected by voiding it or by a balance transaction (docs/import.md).
	 */
	if (json_is_true(json_object_get(pl->inv.inv, "opening_balance"))) {
		rc = err_invalid(e, "invoice", "The invoice %s is an opening balance from another"
				 " system: void it, or adjust the customer's balance, instead",
				 inv_str(pl->inv.inv, "id"));
		goto done;
	}
		if ((rc = svc_invoice_now(&now, s, pl->inv.inv, e)) < 0 ||
	    (rc = load_credited(&cr, s, invoice, e)) < 0 ||
	    (rc = standalone_refunds(&refunds, s, invoice, e)) < 0)
		goto done;
	ids_new(cn_id, sizeof(cn_id), "cn");
	pl->row = json_pack("{s:s, s:I}", "id", cn_id, "created", (json_int_t)now);
	/* The invoice's sale: reminder fees and interest (collection.c) are not credited here. */
	int64_t sale = inv_num(pl->inv.inv, "total") - inv_num(pl->inv.inv, "reminder_fees") -
		       inv_num(pl->inv.inv, "late_interest");
	bool amount_only = !(has_lines > 0 && json_array_size(lines));
	if (amount_only) {
		struct billing_cn_basis b = { .base = sale };
		if ((rc = billing_cn_limit(sale, cr.total + refunds, amount, e)) < 0)
			goto done;
		b.discount = sum_amounts(json_object_get(pl->inv.inv, "total_discount_amounts"));
		if ((rc = basis_taxes(&b, ids, json_object_get(pl->inv.inv, "total_taxes"), e)) < 0 ||
		    (rc = billing_cn_totals_of_amount(&t, &b, cr.amount_only, amount, e)) < 0)
			goto done;
		json_object_set_new(pl->row, "line_items", json_array());
	} else {
		if ((rc = read_lines(&t, s, pl, ids, &cr, lines, e)) < 0)
			goto done;
		if (has_amount && amount != t.total) {
			rc = err_invalid(e, "amount", "amount (%lld) must equal the total of the lines "
					 "(%lld)", (long long)amount, (long long)t.total);
			goto done;
		}
		if ((rc = billing_cn_limit(sale, cr.total + refunds, t.total, e)) < 0) {
			/* A lines credit note names the lines: they made the total. */
			snprintf(e->param, sizeof(e->param), "lines");
			goto done;
		}
	}
	if ((rc = billing_cn_split(&split, t.total, inv_status_is(pl->inv.inv, "open")
				   ? inv_num(pl->inv.inv, "amount_remaining") : 0,
				   refund, credit, oob, e)) < 0)
		goto done;
	if (refund > 0) {
		if ((rc = invoice_charge(pl->charge, sizeof(pl->charge), s, invoice, &charge_left,
					 e)) < 0)
			goto done;
		if (!pl->charge[0] || refund > charge_left) {
			rc = !pl->charge[0]
				? err_invalid(e, "refund_amount", "Invoice %s has no card payment to "
					      "refund; use credit_amount or out_of_band_amount", invoice)
				: err_invalid(e, "refund_amount", "refund_amount (%lld) is greater than "
					      "what is left to refund of the invoice's charge %s (%lld)",
					      (long long)refund, pl->charge, (long long)charge_left);
			goto done;
		}
		pl->refund_reason = refund_reason(reason);
	}
	snprintf(number, sizeof(number), "%s-CN-%02lld",
		 inv_str(pl->inv.inv, "number") ? inv_str(pl->inv.inv, "number") : invoice,
		 (long long)(cr.count + 1));
	if ((rc = taxes_json(&taxes, s, pl, ids, t.taxes, t.n_taxes, e)) < 0)
		goto done;
	json_t *discounts = t.discount > 0 && json_array_size(json_object_get(
					pl->inv.inv, "total_discount_amounts"))
		? json_pack("[{s:I, s:O}]", "amount", (json_int_t)t.discount, "discount",
			    json_object_get(json_array_get(json_object_get(pl->inv.inv,
						"total_discount_amounts"), 0), "discount"))
		: json_array();
	json_t *amounts = json_pack(
		"{s:O, s:s, s:O, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:I, s:I}",
		"customer", json_object_get(pl->inv.inv, "customer"), "invoice", invoice,
		"currency", json_object_get(pl->inv.inv, "currency"), "number", number,
		"status", "issued", "type", billing_cn_type(&split),
		"amount", (json_int_t)t.total, "subtotal", (json_int_t)t.subtotal,
		"subtotal_excluding_tax", (json_int_t)t.subtotal_excluding_tax,
		"total", (json_int_t)t.total, "total_excluding_tax", (json_int_t)t.total_excluding_tax,
		"discount_amount", (json_int_t)t.discount, "discount_amounts", discounts,
		"total_taxes", taxes, "pre_payment_amount", (json_int_t)split.pre_payment,
		"post_payment_amount", (json_int_t)split.post_payment);
	taxes = NULL;
	if (!amounts) {
		rc = err_internal(e, "cannot build a credit note");
		goto done;
	}
	json_object_update(pl->row, amounts);
	json_decref(amounts);
	json_object_set_new(pl->row, "out_of_band_amount",
			    oob > 0 ? json_integer(oob) : json_null());
	json_object_set_new(pl->row, "customer_balance_transaction", json_null());
	json_object_set_new(pl->row, "refunds", json_array());
	json_object_set_new(pl->row, "reason", reason ? json_string(reason) : json_null());
	json_object_set_new(pl->row, "memo", memo && *memo ? json_string(memo) : json_null());
	json_object_set_new(pl->row, "metadata", md);
	md = NULL;
	json_object_set_new(pl->row, "effective_at", json_integer(has_effective > 0 ? effective
											   : now));
	json_object_set_new(pl->row, "voided_at", json_null());
	json_object_set_new(pl->row, "credit_amount", json_integer(credit));
	json_object_set_new(pl->row, "refund_amount", json_integer(refund));
	json_object_set_new(pl->row, "amount_only", json_integer(amount_only));
	rc = 0;
done:
	if (rc < 0)
		cn_plan_free(pl);
	json_decref(cr.lines);
	json_decref(md);
	json_decref(ids);
	json_decref(taxes);
	return rc;
}
