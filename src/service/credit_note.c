/*
 * credit_note.c - credit notes: issue, void, update, read (see credit_note.h).
 *
 * Issuing one is one transaction: the refund it asks for (through the refund
 * service, against the invoice's charge), the customer balance transaction
 * of its credit, the invoice's new amounts (and paid, when nothing is left
 * to pay), the credit note, its ledger posting and every event. Voiding is
 * the mirror image, in one transaction too.
 */
#include "billing/ledger.h"
#include "billing/tax.h"
#include "service/balance.h"
#include "service/credit_note.h"
#include "service/credit_note_internal.h"
#include "service/ledger.h"
#include "service/list.h"
#include "service/params.h"
#include "service/payments.h"

#include <stdio.h>
#include <string.h>

static const struct store_col cols[] = {
	{ "customer", COL_TEXT, 0 },
	{ "invoice", COL_TEXT, 0 },
	{ "currency", COL_TEXT, 0 },
	{ "number", COL_TEXT, 0 },
	{ "status", COL_TEXT, 0 },
	{ "type", COL_TEXT, 0 },
	{ "amount", COL_INT, 0 },
	{ "subtotal", COL_INT, 0 },
	{ "subtotal_excluding_tax", COL_INT, 0 },
	{ "total", COL_INT, 0 },
	{ "total_excluding_tax", COL_INT, 0 },
	{ "discount_amount", COL_INT, 0 },
	{ "discount_amounts", COL_JSON, 0 },
	{ "total_taxes", COL_JSON, 0 },
	{ "pre_payment_amount", COL_INT, 0 },
	{ "post_payment_amount", COL_INT, 0 },
	{ "out_of_band_amount", COL_INT, 0 },
	{ "customer_balance_transaction", COL_TEXT, 0 },
	{ "refunds", COL_JSON, 0 },
	{ "reason", COL_TEXT, 0 },
	{ "memo", COL_TEXT, 0 },
	{ "metadata", COL_JSON, 0 },
	{ "effective_at", COL_INT, 0 },
	{ "voided_at", COL_INT, 0 },
	/* bookkeeping, removed when rendered */
	{ "line_items", COL_JSON, 0 },
	{ "credit_amount", COL_INT, 0 },
	{ "refund_amount", COL_INT, 0 },
	{ "amount_only", COL_INT, 0 },
};

const struct store_table svc_credit_notes_table = {
	.table = "credit_notes", .object = "credit_note", .noun = "credit_note",
	.cols = cols, .ncols = sizeof(cols) / sizeof(cols[0]),
};

/* ---- rendering ---------------------------------------------------------- */

/* Stripe's pretax_credit_amounts: the discounts credited back, among credits before tax. */
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

static json_t *line_render(const json_t *li, int livemode)
{
	json_t *r = json_deep_copy(li);

	json_object_set_new(r, "livemode", json_boolean(livemode));
	json_object_set_new(r, "pretax_credit_amounts",
			    pretax_credits(json_object_get(li, "discount_amounts")));
	return r;
}

static json_t *lines_page(const json_t *items, int livemode, size_t from, size_t limit,
			  const char *url)
{
	json_t *data = json_array();
	size_t n = json_array_size(items), i;

	for (i = from; i < n && i < from + limit; i++)
		json_array_append_new(data, line_render(json_array_get(items, i), livemode));
	return json_pack("{s:s, s:o, s:b, s:s}", "object", "list", "data", data, "has_more",
			 i < n, "url", url);
}

json_t *cn_render(const json_t *row, int livemode)
{
	json_t *r = json_deep_copy(row);
	char url[160];

	if (!r)
		return NULL;
	snprintf(url, sizeof(url), "/v1/credit_notes/%s/lines", inv_str(row, "id"));
	json_object_set_new(r, "lines", lines_page(json_object_get(row, "line_items"), livemode, 0,
						   CN_EMBEDDED_LINES, url));
	json_object_del(r, "line_items");
	json_object_del(r, "credit_amount");
	json_object_del(r, "refund_amount");
	json_object_del(r, "amount_only");
	json_object_set_new(r, "object", json_string("credit_note"));
	json_object_set_new(r, "livemode", json_boolean(livemode));
	json_object_set_new(r, "pretax_credit_amounts",
			    pretax_credits(json_object_get(row, "discount_amounts")));
	/* What recur has no source for, as Stripe shows it unused (no PDF is made yet). */
	json_object_set_new(r, "amount_shipping", json_integer(0));
	json_object_set_new(r, "shipping_cost", json_null());
	json_object_set_new(r, "customer_account", json_null());
	json_object_set_new(r, "pdf", json_null());
	return r;
}

/* ---- the ledger ----------------------------------------------------------- */

/*
 * CREDIT_NOTE (or its mirror) from the row, VAT per percentage (two rates of
 * one percentage are one VAT rate to the books); then, for a credit note
 * that made a refund, the refund's payout (REFUND from refunds_payable under
 * the refund's id), which the refund service leaves to it.
 */
static int post(struct svc *s, struct inv_ctx *c, const json_t *cn, bool voided,
		const char *refund, int64_t at, struct recur_err *e)
{
	struct billing_ledger_split tax[BILLING_LEDGER_SPLITS_MAX];
	struct recur_err ignored;
	size_t n = 0, i, k;
	json_t *t;
	int rc;

	json_array_foreach(json_object_get(cn, "total_taxes"), i, t) {
		const char *id = inv_str(json_object_get(t, "tax_rate_details"), "tax_rate");
		const json_t *rate = NULL;
		int64_t pct = 0;

		if ((rc = svc_invoice_rate(&rate, c, s, id, e)) < 0)
			return rc;
		if (params_fixed(&pct, rate, "percentage", 4, 0, BILLING_TAX_SCALE, &ignored) < 0)
			return err_internal(e, "tax rate %s has a bad percentage", id);
		for (k = 0; k < n && tax[k].rate != pct; k++)
			;
		if (k == n) {
			if (n == BILLING_LEDGER_SPLITS_MAX)
				return err_internal(e, "too many VAT rates on a credit note");
			tax[n++] = (struct billing_ledger_split){ .rate = pct, .amount = 0 };
		}
		tax[k].amount += inv_num(t, "amount");
	}
	struct billing_ledger_event ev = {
		.type = voided ? BILLING_LEDGER_CREDIT_NOTE_VOIDED : BILLING_LEDGER_CREDIT_NOTE,
		.id = inv_str(cn, "id"),
		.customer = inv_str(cn, "customer"),
		.credit_note = {
			.total = inv_num(cn, "total"),
			.pre_payment = inv_num(cn, "pre_payment_amount"),
			.refund = inv_num(cn, "refund_amount"),
			.credit = inv_num(cn, "credit_amount"),
			.out_of_band = inv_num(cn, "out_of_band_amount"),
			.tax = tax,
			.n_tax = n,
		},
	};
	snprintf(ev.currency, sizeof(ev.currency), "%s", inv_str(cn, "currency"));
	if ((rc = svc_ledger_post_at(s, &ev, at, NULL, e)) < 0)
		return rc;
	if (refund) {
		struct billing_ledger_event re = {
			.type = BILLING_LEDGER_REFUND,
			.id = refund,
			.customer = inv_str(cn, "customer"),
			.refund = { .amount = inv_num(cn, "refund_amount"),
				    .method = BILLING_LEDGER_METHOD_CARD,
				    .from = BILLING_LEDGER_FROM_REFUNDS_PAYABLE },
		};
		memcpy(re.currency, ev.currency, sizeof(re.currency));
		if ((rc = svc_ledger_post_at(s, &re, at, NULL, e)) < 0)
			return rc;
	}
	return 0;
}

/* ---- the invoice's side --------------------------------------------------- */

/*
 * Moves the invoice by a credit note: sign -1 when one is issued, +1 when
 * one is voided. The pre-payment part changes what it asks for (amount_due,
 * amount_remaining); both parts change Stripe's running sums. An open
 * invoice left owing nothing is paid (Stripe marks it paid). Appends
 * invoice.updated with what changed.
 */
static int move_invoice(struct svc *s, struct inv_ctx *c, const json_t *cn, int sign,
			int64_t now, struct recur_err *e)
{
	int64_t pre = inv_num(cn, "pre_payment_amount"), post = inv_num(cn, "post_payment_amount");
	json_t *before = svc_invoice_render(s, c), *after = NULL, *prev = NULL;
	json_t *inv = c->inv;
	int rc = 0;

	json_object_set_new(inv, "amount_due", json_integer(inv_num(inv, "amount_due") + sign * pre));
	json_object_set_new(inv, "amount_remaining",
			    json_integer(inv_num(inv, "amount_remaining") + sign * pre));
	json_object_set_new(inv, "pre_payment_credit_notes_amount",
			    json_integer(inv_num(inv, "pre_payment_credit_notes_amount") - sign * pre));
	json_object_set_new(inv, "post_payment_credit_notes_amount",
			    json_integer(inv_num(inv, "post_payment_credit_notes_amount") -
					 sign * post));
	if ((rc = store_obj_update(s->db, &svc_invoices_table, &s->scope, inv, e)) < 0)
		goto done;
	after = svc_invoice_render(s, c);
	prev = svc_previous_attributes(before, after);
	if (prev) {
		json_object_del(prev, "lines");
		if (json_object_size(prev) && (rc = svc_event(s, "invoice.updated", after, prev, e)) < 0)
			goto done;
	}
	if (sign < 0 && pre > 0 && inv_status_is(inv, "open") && inv_num(inv, "amount_remaining") == 0)
		rc = svc_invoice_mark_paid(c, s, now, e);
done:
	json_decref(before);
	json_decref(after);
	json_decref(prev);
	return rc;
}

/* A balance transaction's failure on currency names credit_amount, the parameter that asked. */
static int credit_balance(json_t **txn, struct svc *s, const json_t *cn, int64_t amount,
			  struct recur_err *e)
{
	int rc = svc_balance_post_credit_note(txn, s, inv_str(cn, "customer"), amount,
					      inv_str(cn, "currency"), inv_str(cn, "invoice"),
					      inv_str(cn, "id"), e);
	if (rc == RECUR_EINVAL && strcmp(e->param, "currency") == 0)
		snprintf(e->param, sizeof(e->param), "credit_amount");
	return rc;
}

/* ---- the endpoints ---------------------------------------------------------- */

static int issue(json_t **out, struct svc *s, struct cn_plan *pl, struct recur_err *e)
{
	json_t *cn = pl->row, *re = NULL, *txn = NULL;
	const char *refund_id = NULL;
	int64_t now = inv_num(cn, "created");
	int rc;

	if (inv_num(cn, "refund_amount") > 0) {
		if ((rc = svc_refund_for_credit_note(&re, s, pl->charge, inv_num(cn, "refund_amount"),
						     pl->refund_reason, inv_str(cn, "id"), e)) < 0) {
			if (strcmp(e->param, "amount") == 0)
				snprintf(e->param, sizeof(e->param), "refund_amount");
			goto done;
		}
		refund_id = inv_str(re, "id");
		json_object_set_new(cn, "refunds", json_pack("[{s:I, s:s, s:n, s:s}]",
			"amount_refunded", (json_int_t)inv_num(cn, "refund_amount"), "refund",
			refund_id, "payment_record_refund", "type", "refund"));
	}
	if (inv_num(cn, "credit_amount") > 0) {
		if ((rc = credit_balance(&txn, s, cn, -inv_num(cn, "credit_amount"), e)) < 0)
			goto done;
		json_object_set(cn, "customer_balance_transaction", json_object_get(txn, "id"));
	}
	if ((rc = store_obj_insert(s->db, &svc_credit_notes_table, &s->scope, cn, e)) < 0 ||
	    (rc = post(s, &pl->inv, cn, false, refund_id, now, e)) < 0 ||
	    (rc = move_invoice(s, &pl->inv, cn, -1, now, e)) < 0)
		goto done;
	*out = cn_render(cn, s->scope.livemode);
	rc = svc_event(s, "credit_note.created", *out, NULL, e);
done:
	json_decref(re);
	json_decref(txn);
	return rc;
}

int svc_credit_note_create(json_t **out, struct svc *s, const json_t *p, struct recur_err *e)
{
	struct cn_plan pl = { 0 };
	int rc;

	*out = NULL;
	if ((rc = svc_begin(s, e)) < 0)
		return rc;
	if ((rc = cn_plan_build(&pl, s, p, e)) == 0)
		rc = issue(out, s, &pl, e);
	rc = svc_finish(s, rc, e);
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	}
	cn_plan_free(&pl);
	return rc;
}

/* The plan in a transaction that is rolled back: a preview reads what create would. */
static int plan_only(struct cn_plan *pl, struct svc *s, const json_t *p, struct recur_err *e)
{
	struct recur_err ignored;
	int rc = svc_begin(s, e);

	if (rc < 0)
		return rc;
	rc = cn_plan_build(pl, s, p, e);
	svc_finish(s, RECUR_EINVAL, &ignored); /* always rolled back: a preview writes nothing */
	return rc;
}

int svc_credit_note_preview(json_t **out, struct svc *s, const json_t *p, struct recur_err *e)
{
	struct cn_plan pl = { 0 };
	int rc;

	*out = NULL;
	if ((rc = plan_only(&pl, s, p, e)) < 0)
		return rc;
	*out = cn_render(pl.row, s->scope.livemode);
	cn_plan_free(&pl);
	return *out ? 0 : err_internal(e, "cannot render a credit note");
}

/* Pages a credit note's lines (they live on its row) as Stripe's list. */
static int page_lines(json_t **out, const json_t *row, const json_t *p, int livemode,
		      const char *url, struct recur_err *e)
{
	static const char *const allowed[] = { "limit", "starting_after", "ending_before", NULL };
	const json_t *items = json_object_get(row, "line_items");
	const char *after = NULL, *before = NULL;
	int64_t limit = 10;
	size_t from = 0, n = json_array_size(items), i;
	int rc, has_limit;

	if ((rc = params_only(p, allowed, e)) < 0 ||
	    (rc = has_limit = params_int(&limit, p, "limit", 1, 100, e)) < 0 ||
	    (rc = params_string(&after, p, "starting_after", 255, e)) < 0 ||
	    (rc = params_string(&before, p, "ending_before", 255, e)) < 0)
		return rc;
	if (!has_limit)
		limit = 10; /* Stripe's default page */
	for (i = 0; after && *after && i < n; i++)
		if (strcmp(inv_str(json_array_get(items, i), "id"), after) == 0)
			from = i + 1;
	for (i = 0; before && *before && i < n; i++)
		if (strcmp(inv_str(json_array_get(items, i), "id"), before) == 0)
			from = i > (size_t)limit ? i - (size_t)limit : 0;
	*out = lines_page(items, livemode, from, (size_t)limit, url);
	return 0;
}

static const char *const preview_lines_extra[] = { "limit", "starting_after", "ending_before",
						   NULL };

int svc_credit_note_preview_lines(json_t **out, struct svc *s, const json_t *p,
				  struct recur_err *e)
{
	struct cn_plan pl = { 0 };
	json_t *create = json_deep_copy(p), *paging = json_object();
	int rc;

	*out = NULL;
	for (size_t i = 0; preview_lines_extra[i]; i++) {
		json_t *v = json_object_get(create, preview_lines_extra[i]);
		if (v) {
			json_object_set(paging, preview_lines_extra[i], v);
			json_object_del(create, preview_lines_extra[i]);
		}
	}
	if ((rc = plan_only(&pl, s, create, e)) == 0)
		rc = page_lines(out, pl.row, paging, s->scope.livemode,
				"/v1/credit_notes/preview/lines", e);
	cn_plan_free(&pl);
	json_decref(create);
	json_decref(paging);
	return rc;
}

int svc_credit_note_retrieve(json_t **out, struct svc *s, const char *id, struct recur_err *e)
{
	json_t *row = NULL;
	int rc = store_obj_get(&row, s->db, &svc_credit_notes_table, &s->scope, id, e);

	*out = NULL;
	if (rc < 0)
		return rc;
	*out = cn_render(row, s->scope.livemode);
	json_decref(row);
	return *out ? 0 : err_internal(e, "cannot render a credit note");
}

static void present(json_t *row, int64_t now)
{
	(void)now;
	json_t *r = cn_render(row, json_is_true(json_object_get(row, "livemode")));
	json_object_clear(row);
	json_object_update(row, r);
	json_decref(r);
}

static const char *const update_params[] = { "memo", "metadata", NULL };

int svc_credit_note_update(json_t **out, struct svc *s, const char *id, const json_t *p,
			   struct recur_err *e)
{
	json_t *row = NULL, *before = NULL, *md = NULL;
	const char *memo = NULL;
	int rc;

	*out = NULL;
	if ((rc = params_only(p, update_params, e)) < 0 ||
	    (rc = params_string(&memo, p, "memo", 5000, e)) < 0)
		return rc;
	if ((rc = svc_begin(s, e)) < 0)
		return rc;
	if ((rc = store_obj_get(&row, s->db, &svc_credit_notes_table, &s->scope, id, e)) < 0 ||
	    (rc = params_metadata(&md, json_object_get(row, "metadata"), p, e)) < 0)
		goto done;
	before = cn_render(row, s->scope.livemode);
	if (memo)
		json_object_set_new(row, "memo", *memo ? json_string(memo) : json_null());
	json_object_set(row, "metadata", md);
	json_object_set_new(row, "livemode", json_boolean(s->scope.livemode));
	rc = svc_update_object(out, s, &svc_credit_notes_table, before, row, present, e);
done:
	rc = svc_finish(s, rc, e);
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	}
	json_decref(row);
	json_decref(before);
	json_decref(md);
	return rc;
}

static const char *const no_params[] = { NULL };

int svc_credit_note_void(json_t **out, struct svc *s, const char *id, const json_t *p,
			 struct recur_err *e)
{
	struct inv_ctx c = { 0 };
	json_t *row = NULL, *txn = NULL;
	int64_t now;
	int rc;

	*out = NULL;
	if ((rc = params_only(p, no_params, e)) < 0)
		return rc;
	if ((rc = svc_begin(s, e)) < 0)
		return rc;
	if ((rc = store_obj_get(&row, s->db, &svc_credit_notes_table, &s->scope, id, e)) < 0 ||
	    (rc = svc_invoice_ctx_load(&c, s, inv_str(row, "invoice"), false, e)) < 0 ||
	    (rc = svc_invoice_now(&now, s, c.inv, e)) < 0)
		goto done;
	if (!inv_status_is(row, "issued")) {
		rc = err_set(e, RECUR_EINVAL, 400, "invalid_request_error", NULL, NULL,
			     "Credit note %s is already void", id);
		goto done;
	}
	/* Money that went back to the card cannot be taken back by a void (Stripe's rule). */
	if (inv_num(row, "refund_amount") > 0) {
		rc = err_set(e, RECUR_EINVAL, 400, "invalid_request_error", NULL, NULL,
			     "Credit note %s has a refund and cannot be voided", id);
		goto done;
	}
	/*
	 * Giving the pre-payment part back means the invoice asks for it again:
	 * only an open invoice can. One paid meanwhile (or by this very credit
	 * note) keeps it.
	 */
	if (inv_num(row, "pre_payment_amount") > 0 && !inv_status_is(c.inv, "open")) {
		rc = svc_invoice_state_error(e, c.inv, "A credit note that lowered what an invoice "
					     "owed can only be voided while the invoice is open");
		goto done;
	}
	if (inv_num(row, "credit_amount") > 0 &&
	    (rc = credit_balance(&txn, s, row, inv_num(row, "credit_amount"), e)) < 0)
		goto done;
	json_object_set_new(row, "status", json_string("void"));
	json_object_set_new(row, "voided_at", json_integer(now));
	if ((rc = store_obj_update(s->db, &svc_credit_notes_table, &s->scope, row, e)) < 0 ||
	    (rc = post(s, &c, row, true, NULL, now, e)) < 0 ||
	    (rc = move_invoice(s, &c, row, +1, now, e)) < 0)
		goto done;
	*out = cn_render(row, s->scope.livemode);
	rc = svc_event(s, "credit_note.voided", *out, NULL, e);
done:
	rc = svc_finish(s, rc, e);
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	}
	svc_invoice_ctx_free(&c);
	json_decref(row);
	json_decref(txn);
	return rc;
}

static const char *const list_params[] = { SVC_LIST_PARAMS, "customer", "invoice", NULL };

int svc_credit_note_list(json_t **out, struct svc *s, const json_t *p, struct recur_err *e)
{
	struct svc_list l;
	const char *customer = NULL, *invoice = NULL;
	json_t *row;
	size_t i;
	int rc;

	*out = NULL;
	if ((rc = params_only(p, list_params, e)) < 0 || (rc = svc_list_params(&l, p, e)) < 0 ||
	    (rc = params_string(&customer, p, "customer", 255, e)) < 0 ||
	    (rc = params_string(&invoice, p, "invoice", 255, e)) < 0)
		return rc;
	if (customer && *customer)
		svc_list_filter(&l, "customer", "=", SV_TEXT(customer));
	if (invoice && *invoice)
		svc_list_filter(&l, "invoice", "=", SV_TEXT(invoice));
	if ((rc = svc_list(out, s, &svc_credit_notes_table, &l, "/v1/credit_notes", e)) < 0)
		return rc;
	json_array_foreach(json_object_get(*out, "data"), i, row) {
		json_t *r = cn_render(row, s->scope.livemode);
		json_array_set_new(json_object_get(*out, "data"), i, r);
	}
	return 0;
}

int svc_credit_note_lines(json_t **out, struct svc *s, const char *id, const json_t *p,
			  struct recur_err *e)
{
	json_t *row = NULL;
	char url[160];
	int rc;

	*out = NULL;
	if ((rc = params_only(p, preview_lines_extra, e)) < 0 ||
	    (rc = store_obj_get(&row, s->db, &svc_credit_notes_table, &s->scope, id, e)) < 0)
		return rc;
	snprintf(url, sizeof(url), "/v1/credit_notes/%s/lines", id);
	rc = page_lines(out, row, p, s->scope.livemode, url, e);
	json_decref(row);
	return rc;
}
