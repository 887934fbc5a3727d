/*
 * bank.c - payment references, camt.054 imports and unmatched payments
 * (see bank.h).
 */
#include "service/bank.h"
#include "billing/payment_reference.h"
#include "service/payment_reference_settings.h"
#include "core/ids.h"
#include "core/money.h"
#include "formats/camt054.h"
#include "service/invoice_internal.h"
#include "service/ledger_hooks.h"
#include "service/list.h"
#include "service/params.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static const struct store_col bank_tx_cols[] = {
	{ "bank_statement", COL_TEXT, 0 },
	{ "bank_ref", COL_TEXT, 0 },
	{ "amount", COL_INT, 0 },
	{ "currency", COL_TEXT, 0 },
	{ "creditor_reference", COL_TEXT, 0 },
	{ "end_to_end_id", COL_TEXT, 0 },
	{ "debtor_name", COL_TEXT, 0 },
	{ "booking_date", COL_INT, 0 },
	{ "result", COL_TEXT, 0 },
	{ "invoice", COL_TEXT, 0 },
	{ "applied", COL_INT, 0 },
	{ "unmatched_payment", COL_TEXT, 0 },
};

const struct store_table svc_bank_transactions_table = {
	.table = "bank_transactions", .object = "bank_transaction", .noun = "bank_transaction",
	.cols = bank_tx_cols, .ncols = sizeof(bank_tx_cols) / sizeof(bank_tx_cols[0]),
};

static const struct store_col unmatched_cols[] = {
	{ "status", COL_TEXT, 0 },
	{ "amount", COL_INT, 0 },
	{ "currency", COL_TEXT, 0 },
	{ "bank_transaction", COL_TEXT, 0 },
	{ "bank_statement", COL_TEXT, 0 },
	{ "creditor_reference", COL_TEXT, 0 },
	{ "unstructured", COL_TEXT, 0 },
	{ "debtor_name", COL_TEXT, 0 },
	{ "booking_date", COL_INT, 0 },
	{ "invoice", COL_TEXT, 0 },
	{ "customer", COL_TEXT, 0 },
	{ "assigned_at", COL_INT, 0 },
};

const struct store_table svc_unmatched_payments_table = {
	.table = "unmatched_payments", .object = "unmatched_payment", .noun = "unmatched_payment",
	.cols = unmatched_cols, .ncols = sizeof(unmatched_cols) / sizeof(unmatched_cols[0]),
};

/*
 * The next number of the tenant's reference sequence, into *n. One sequence
 * serves every format (migration 012): a later number in any format is a
 * different string from every earlier one, so changing the format cannot
 * issue a reference twice.
 */
static int next_number(int64_t *n, struct svc *s, struct recur_err *e)
{
	struct store_val p[] = { SV_TEXT(s->scope.tenant), SV_INT(s->scope.livemode),
				 SV_TEXT("all") };
	bool found = false;
	int rc = store_query_int(n, &found, s->db,
				 "INSERT INTO payment_reference_sequences (tenant_id, livemode, kind,"
				 " next_number) VALUES ($1, $2, $3, 2) ON CONFLICT (tenant_id,"
				 " livemode, kind) DO UPDATE SET next_number ="
				 " payment_reference_sequences.next_number + 1 RETURNING next_number - 1",
				 p, 3, e);
	if (rc < 0)
		return rc;
	if (!found || *n < 1)
		return err_internal(e, "the payment reference sequence returned nothing");
	return 0;
}

/* A MOD11 KID without '-' skips about one number in eleven; this many in a row cannot happen. */
#define PAYREF_SKIPS_MAX 16

int svc_bank_payment_reference(struct svc *s, json_t *inv, struct recur_err *e)
{
	struct billing_payref_format f;
	const char *method = inv_str(inv, "collection_method");
	char ref[BILLING_PAYREF_SIZE];
	int64_t n = 0;
	int rc;

	if (!method || strcmp(method, "send_invoice") != 0 ||
	    json_is_string(json_object_get(inv, "payment_reference")))
		return 0;
	if ((rc = svc_payref_format_load(&f, s, e)) < 0)
		return rc;
	for (int tries = 0;; tries++) {
		char other[IDS_MAX];
		if ((rc = next_number(&n, s, e)) < 0)
			return rc;
		rc = billing_payref_from_number(ref, sizeof(ref), &f, (uint64_t)n, e);
		if (rc == RECUR_ECONFLICT && tries < PAYREF_SKIPS_MAX)
			continue;
		if (rc < 0)
			break;
		/*
		 * An opening invoice keeps the old system's KID
		 * (invoice_opening.c), which can be one this counter reaches
		 * later: skip a number whose reference an invoice holds, rather
		 * than fail on the unique index and stop every bank-transfer
		 * invoice of the tenant. Not counted as a try: each number
		 * skipped is an invoice that exists, so the loop ends.
		 */
		if ((rc = svc_find_id(other, sizeof(other), s, &svc_invoices_table,
				      "payment_reference", ref, e)) <= 0)
			break;
		tries--;
	}
	if (rc == RECUR_EINVAL)
		/* The counter outgrew a fixed length: the tenant must lengthen it. */
		return err_invalid(e, "collection_method", "The payment reference format "
				   "(settings/payment_references) has no room for reference number "
				   "%lld: lengthen it", (long long)n);
	if (rc < 0)
		return rc;
	json_object_set_new(inv, "payment_reference", json_string(ref));
	return 0;
}

/* ---- import ---------------------------------------------------------------------- */

struct counts {
	int64_t matched, partial, overpaid, unmatched, duplicates, ignored;
};

/* The bank's key for a transaction (bank.h). */
static void bank_ref(char *out, size_t cap, const struct camt054 *doc, const struct camt054_tx *tx)
{
	const struct camt054_notification *n = &doc->notifications[tx->notification];

	if (tx->acct_svcr_ref)
		snprintf(out, cap, "tx:%s", tx->acct_svcr_ref);
	else if (tx->entry_acct_svcr_ref)
		snprintf(out, cap, "entry:%s:%zu", tx->entry_acct_svcr_ref, tx->tx_index);
	else if (tx->uetr)
		snprintf(out, cap, "uetr:%s", tx->uetr);
	else
		snprintf(out, cap, "doc:%s:%s:%zu:%zu", doc->msg_id ? doc->msg_id : "",
			 n->id ? n->id : "", tx->entry, tx->tx_index);
}

static int seen(bool *out, struct svc *s, const char *ref, struct recur_err *e)
{
	struct store_val p[] = { SV_TEXT(s->scope.tenant), SV_INT(s->scope.livemode), SV_TEXT(ref) };
	int64_t n = 0;
	bool found = false;
	int rc = store_query_int(&n, &found, s->db,
				 "SELECT count(*) FROM bank_transactions WHERE tenant_id = $1"
				 " AND livemode = $2 AND bank_ref = $3", p, 3, e);

	*out = found && n > 0;
	return rc < 0 ? rc : 0;
}

/* The invoice whose payment_reference is ref, into id (cap bytes); *found says if one is. */
static int find_ref(bool *found, char *id, size_t cap, struct svc *s, const char *ref,
		    struct recur_err *e)
{
	struct store_filter f[] = {
		{ .col = "payment_reference", .op = "=", .val = SV_TEXT(ref) },
	};
	struct store_page page = { .limit = 1 };
	json_t *rows = NULL;
	bool more = false;
	int rc = store_obj_list(&rows, &more, s->db, &svc_invoices_table, &s->scope, f, 1, &page, e);

	*found = false;
	if (rc == 0 && json_array_size(rows) > 0) {
		snprintf(id, cap, "%s", inv_str(json_array_get(rows, 0), "id"));
		*found = true;
	}
	json_decref(rows);
	return rc < 0 ? rc : 0;
}

/* ref without spaces into out; false if it cannot be a reference (empty, too long). */
static bool squeeze(char *out, size_t cap, const char *ref)
{
	size_t n = 0;

	for (; ref && *ref; ref++) {
		if (*ref == ' ')
			continue;
		if (n + 1 >= cap)
			return false;
		out[n++] = *ref;
	}
	out[n] = '\0';
	return n >= BILLING_PAYREF_MIN_LEN;
}

/* The invoice a transaction's references name, if any (bank.h's order). */
static int match(bool *found, char *id, size_t cap, struct svc *s, const struct camt054_tx *tx,
		 struct recur_err *e)
{
	char cand[BILLING_PAYREF_SIZE];
	int rc;

	*found = false;
	if (squeeze(cand, sizeof(cand), tx->creditor_ref) &&
	    ((rc = find_ref(found, id, cap, s, cand, e)) < 0 || *found))
		return rc < 0 ? rc : 0;
	for (size_t i = 0; i < tx->n_refs; i++)
		if (squeeze(cand, sizeof(cand), tx->refs[i].ref) &&
		    ((rc = find_ref(found, id, cap, s, cand, e)) < 0 || *found))
			return rc < 0 ? rc : 0;
	for (const char *u = tx->unstructured; u && *u;) {
		size_t n = 0;

		while (u[n] && isdigit((unsigned char)u[n]))
			n++;
		if (n >= BILLING_PAYREF_MIN_LEN && n <= BILLING_PAYREF_MAX_LEN) {
			memcpy(cand, u, n);
			cand[n] = '\0';
			if ((rc = find_ref(found, id, cap, s, cand, e)) < 0 || *found)
				return rc < 0 ? rc : 0;
		}
		u += n ? n : 1;
	}
	return 0;
}

/*
 * Applies applied (> 0, at most amount_remaining) to the invoice of c: paid
 * when nothing remains, else amount_paid and amount_remaining move and the
 * invoice stays open (invoice.updated).
 */
static int settle(struct inv_ctx *c, struct svc *s, int64_t applied, int64_t at,
		  struct recur_err *e)
{
	int64_t remaining = inv_num(c->inv, "amount_remaining") - applied;
	json_t *prev = NULL;
	int rc;

	if (applied <= 0)
		return 0;
	if (remaining <= 0)
		return svc_invoice_mark_paid(c, s, at, e);
	prev = json_pack("{s:I, s:I}", "amount_paid", (json_int_t)inv_num(c->inv, "amount_paid"),
			 "amount_remaining", (json_int_t)inv_num(c->inv, "amount_remaining"));
	json_object_set_new(c->inv, "amount_paid",
			    json_integer(inv_num(c->inv, "amount_paid") + applied));
	json_object_set_new(c->inv, "amount_remaining", json_integer(remaining));
	if ((rc = store_obj_update(s->db, &svc_invoices_table, &s->scope, c->inv, e)) == 0)
		rc = svc_invoice_event(s, c, "invoice.updated", prev, e);
	json_decref(prev);
	return rc;
}

static bool claim_in(const json_t *inv, const char *currency)
{
	return (inv_status_is(inv, "open") || inv_status_is(inv, "uncollectible")) &&
	       strcmp(inv_str(inv, "currency"), currency) == 0;
}

/* One credit transaction: matched, partly, over, or unmatched; appended to txs. */
static int import_tx(struct svc *s, const char *statement, const struct camt054 *doc,
		     const struct camt054_tx *tx, struct counts *k, json_t *txs,
		     struct recur_err *e)
{
	struct inv_ctx c = { 0 };
	char ref[2048], cur[4], btx[IDS_MAX], ump[IDS_MAX], inv_id[IDS_MAX];
	const char *result = "unmatched";
	json_t *row = NULL, *um = NULL;
	int64_t applied = 0, owed = 0, at = s->now;
	bool dup = false, found = false;
	int rc;

	bank_ref(ref, sizeof(ref), doc, tx);
	for (size_t i = 0; i < 4; i++)
		cur[i] = (char)tolower((unsigned char)tx->currency->code[i]);
	if (tx->status && strcmp(tx->status, "BOOK") != 0) {
		k->ignored++;
		json_array_append_new(txs, json_pack("{s:s, s:I, s:s, s:s}", "bank_reference", ref,
						     "amount", (json_int_t)tx->amount, "currency",
						     cur, "result", "ignored"));
		return 0;
	}
	if ((rc = seen(&dup, s, ref, e)) < 0)
		goto done;
	if (dup) {
		k->duplicates++;
		json_array_append_new(txs, json_pack("{s:s, s:I, s:s, s:s}", "bank_reference", ref,
						     "amount", (json_int_t)tx->amount, "currency",
						     cur, "result", "duplicate"));
		goto done;
	}
	ids_new(btx, sizeof(btx), "btx");
	ump[0] = '\0';
	if (!tx->reversal && (rc = match(&found, inv_id, sizeof(inv_id), s, tx, e)) < 0)
		goto done;
	if (found && (rc = svc_invoice_ctx_load(&c, s, inv_id, false, e)) < 0)
		goto done;
	if (found && claim_in(c.inv, cur)) {
		owed = inv_num(c.inv, "amount_remaining");
		if ((rc = svc_invoice_now(&at, s, c.inv, e)) < 0 ||
		    (rc = svc_ledger_bank_payment(s, btx, c.inv, tx->amount, cur, at, &applied,
						  e)) < 0 ||
		    (rc = settle(&c, s, applied, at, e)) < 0)
			goto done;
		result = tx->amount == owed ? "matched" : tx->amount < owed ? "partial" : "overpaid";
		if (tx->amount == owed)
			k->matched++;
		else if (tx->amount < owed)
			k->partial++;
		else
			k->overpaid++;
	} else {
		found = false;
		k->unmatched++;
		ids_new(ump, sizeof(ump), "ump");
		um = json_pack("{s:s, s:I, s:s, s:I, s:s, s:s, s:s, s:s?, s:s?, s:s?}", "id", ump,
			       "created", (json_int_t)s->now, "status", "unassigned", "amount",
			       (json_int_t)tx->amount, "currency", cur, "bank_transaction", btx,
			       "bank_statement", statement, "creditor_reference", tx->creditor_ref,
			       "unstructured", tx->unstructured, "debtor_name", tx->debtor_name);
		if (tx->has_booking_date)
			json_object_set_new(um, "booking_date", json_integer(tx->booking_date));
		if ((rc = svc_ledger_unmatched_payment(s, ump, tx->amount, cur, s->now, e)) < 0 ||
		    (rc = store_obj_insert(s->db, &svc_unmatched_payments_table, &s->scope, um,
					   e)) < 0)
			goto done;
	}
	row = json_pack("{s:s, s:I, s:s, s:s, s:I, s:s, s:s?, s:s?, s:s?, s:s, s:s?, s:I, s:s?}",
			"id", btx, "created", (json_int_t)s->now, "bank_statement", statement,
			"bank_ref", ref, "amount", (json_int_t)tx->amount, "currency", cur,
			"creditor_reference", tx->creditor_ref, "end_to_end_id", tx->end_to_end_id,
			"debtor_name", tx->debtor_name, "result", result,
			"invoice", found ? inv_id : NULL, "applied", (json_int_t)applied,
			"unmatched_payment", ump[0] ? ump : NULL);
	if (tx->has_booking_date)
		json_object_set_new(row, "booking_date", json_integer(tx->booking_date));
	if ((rc = store_obj_insert(s->db, &svc_bank_transactions_table, &s->scope, row, e)) < 0)
		goto done;
	json_object_del(row, "bank_ref");
	json_object_set_new(row, "object", json_string("bank_transaction"));
	json_object_set_new(row, "bank_reference", json_string(ref));
	json_array_append(txs, row);
done:
	svc_invoice_ctx_free(&c);
	json_decref(row);
	json_decref(um);
	return rc;
}

static const char *const import_params[] = { "file", NULL };

int svc_bank_statement_import(json_t **out, struct svc *s, const json_t *p,
			      struct recur_err *e)
{
	struct camt054 *doc = NULL;
	struct counts k = { 0 };
	char id[IDS_MAX];
	const json_t *file = json_object_get(p, "file");
	json_t *txs = NULL;
	int rc;

	*out = NULL;
	if ((rc = params_only(p, import_params, e)) < 0 || (rc = params_require(p, "file", e)) < 0)
		return rc;
	if (!json_is_string(file))
		return err_invalid(e, "file", "file must be the camt.054 XML document as text");
	if ((rc = camt054_parse(&doc, json_string_value(file), json_string_length(file), e)) < 0)
		return rc;
	ids_new(id, sizeof(id), "bstmt");
	txs = json_array();
	if ((rc = svc_begin(s, e)) < 0)
		goto done;
	for (size_t i = 0; i < doc->n_tx && rc == 0; i++)
		rc = import_tx(s, id, doc, &doc->tx[i], &k, txs, e);
	rc = svc_finish(s, rc, e);
	if (rc == 0)
		*out = json_pack("{s:s, s:s, s:b, s:s?, s:I, s:I, s:I, s:I, s:I, s:I, s:O}", "object",
				 "bank_statement", "id", id, "livemode", s->scope.livemode,
				 "message_id", doc->msg_id, "matched", (json_int_t)k.matched,
				 "partial", (json_int_t)k.partial, "overpaid",
				 (json_int_t)k.overpaid, "unmatched", (json_int_t)k.unmatched,
				 "duplicates", (json_int_t)k.duplicates, "ignored",
				 (json_int_t)k.ignored, "transactions", txs);
done:
	camt054_free(doc);
	json_decref(txs);
	return rc;
}

/* ---- unmatched payments ------------------------------------------------------------ */

static const char *const list_params[] = { SVC_LIST_PARAMS, "status", NULL };

int svc_unmatched_payment_list(json_t **out, struct svc *s, const json_t *p,
			       struct recur_err *e)
{
	struct svc_list l;
	const char *status = NULL;
	int rc;

	if ((rc = params_only(p, list_params, e)) < 0 || (rc = svc_list_params(&l, p, e)) < 0 ||
	    (rc = params_string(&status, p, "status", 32, e)) < 0)
		return rc;
	if (status)
		svc_list_filter(&l, "status", "=", SV_TEXT(status));
	return svc_list(out, s, &svc_unmatched_payments_table, &l, "/v1/unmatched_payments", e);
}

int svc_unmatched_payment_retrieve(json_t **out, struct svc *s, const char *id,
				   struct recur_err *e)
{
	return svc_get(out, s, &svc_unmatched_payments_table, id, e);
}

static const char *const assign_params[] = { "invoice", NULL };

int svc_unmatched_payment_assign(json_t **out, struct svc *s, const char *id, const json_t *p,
				 struct recur_err *e)
{
	struct inv_ctx c = { 0 };
	const char *invoice = NULL;
	json_t *um = NULL;
	int64_t applied = 0, at = s->now;
	int rc;

	*out = NULL;
	if ((rc = params_only(p, assign_params, e)) < 0 ||
	    (rc = params_require(p, "invoice", e)) < 0 ||
	    (rc = params_string(&invoice, p, "invoice", 255, e)) < 0)
		return rc;
	if ((rc = svc_begin(s, e)) < 0)
		return rc;
	if ((rc = store_obj_get(&um, s->db, &svc_unmatched_payments_table, &s->scope, id, e)) < 0)
		goto done;
	if (strcmp(inv_str(um, "status"), "unassigned") != 0) {
		rc = err_invalid(e, NULL, "Unmatched payment %s was already assigned to invoice %s",
				 id, inv_str(um, "invoice"));
		goto done;
	}
	if ((rc = svc_invoice_ctx_load(&c, s, invoice, false, e)) < 0) {
		e->status = 400;
		snprintf(e->param, sizeof(e->param), "invoice");
		goto done;
	}
	if (!claim_in(c.inv, inv_str(um, "currency"))) {
		rc = err_invalid(e, "invoice", "Invoice %s is not an open invoice in %s", invoice,
				 inv_str(um, "currency"));
		goto done;
	}
	struct store_val up[] = { SV_TEXT(s->scope.tenant), SV_INT(s->scope.livemode),
				  SV_TEXT(inv_str(um, "bank_transaction")), SV_TEXT(invoice),
				  SV_INT(0) };
	if ((rc = svc_invoice_now(&at, s, c.inv, e)) < 0 ||
	    (rc = svc_ledger_unmatched_assigned(s, id, c.inv, inv_num(um, "amount"), at, &applied,
						e)) < 0 ||
	    (rc = settle(&c, s, applied, at, e)) < 0)
		goto done;
	up[4] = SV_INT(applied);
	if ((rc = store_exec(s->db, "UPDATE bank_transactions SET invoice = $4, applied = $5"
			     " WHERE tenant_id = $1 AND livemode = $2 AND id = $3", up, 5, e)) < 0)
		goto done;
	json_object_set_new(um, "status", json_string("assigned"));
	json_object_set_new(um, "invoice", json_string(invoice));
	json_object_set_new(um, "customer", json_string(inv_str(c.inv, "customer")));
	json_object_set_new(um, "assigned_at", json_integer(at));
	if ((rc = store_obj_update(s->db, &svc_unmatched_payments_table, &s->scope, um, e)) < 0)
		goto done;
	rc = store_obj_get(out, s->db, &svc_unmatched_payments_table, &s->scope, id, e);
done:
	rc = svc_finish(s, rc, e);
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	}
	svc_invoice_ctx_free(&c);
	json_decref(um);
	return rc;
}
