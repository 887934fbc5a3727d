/*
 * ledger_hooks.c - the postings the services make (see ledger_hooks.h).
 *
 * Every function here reads objects and posts; none changes an object except
 * svc_ledger_invoice_paid_out_of_band's mark and the over-payment credit of a
 * card payment, both in the caller's transaction.
 */
#include "service/ledger_hooks.h"
#include "billing/tax.h"
#include "core/money.h"
#include "service/balance.h"
#include "service/ledger.h"
#include "service/params.h"

#include <stdio.h>
#include <string.h>

/* VAT per rate, one split per distinct rate (inclusive and exclusive alike). */
struct splits {
	struct billing_ledger_split v[BILLING_LEDGER_SPLITS_MAX];
	size_t n;
};

/*
 * The invoice's total_taxes by rate. An invoice names tax rates by id; two
 * rates of the same percentage are one VAT rate to the books, so they merge.
 */
static int tax_splits(struct splits *out, struct svc *s, struct inv_ctx *c,
		      struct recur_err *e)
{
	const json_t *taxes = json_object_get(c->inv, "total_taxes");
	struct recur_err ignored;
	size_t i, k;
	json_t *t;
	int rc;

	out->n = 0;
	json_array_foreach(taxes, i, t) {
		const char *id = inv_str(json_object_get(t, "tax_rate_details"), "tax_rate");
		const json_t *rate = NULL;
		int64_t pct = 0;

		if (!id)
			return err_internal(e, "invoice %s has a tax without its rate",
					    inv_str(c->inv, "id"));
		if ((rc = svc_invoice_rate(&rate, c, s, id, e)) < 0)
			return rc;
		if (params_fixed(&pct, rate, "percentage", 4, 0, BILLING_TAX_SCALE, &ignored) < 0)
			return err_internal(e, "tax rate %s has a bad percentage", id);
		for (k = 0; k < out->n && out->v[k].rate != pct; k++)
			;
		if (k == out->n) {
			if (out->n == BILLING_LEDGER_SPLITS_MAX)
				return err_internal(e, "invoice %s has more than %d VAT rates",
						    inv_str(c->inv, "id"), BILLING_LEDGER_SPLITS_MAX);
			out->v[out->n++] = (struct billing_ledger_split){ .rate = pct, .amount = 0 };
		}
		if (money_add(&out->v[k].amount, out->v[k].amount, inv_num(t, "amount")) < 0)
			return err_internal(e, "invoice %s: tax out of range", inv_str(c->inv, "id"));
	}
	return 0;
}

/* The invoice event both finalization and void post: the same amounts, read the same way. */
static int invoice_event(struct billing_ledger_event *ev, struct splits *tax, struct svc *s,
			 struct inv_ctx *c, enum billing_ledger_event_type type,
			 struct recur_err *e)
{
	int64_t applied = 0;
	int rc;

	/* Stripe's applied balance; an invoice that never reached finalization has none. */
	if (json_is_integer(json_object_get(c->inv, "ending_balance")) &&
	    money_sub(&applied, inv_num(c->inv, "ending_balance"),
		      inv_num(c->inv, "starting_balance")) < 0)
		return err_internal(e, "invoice %s: balance out of range", inv_str(c->inv, "id"));
	if ((rc = tax_splits(tax, s, c, e)) < 0)
		return rc;
	/*
	 * Reminder fees and interest are part of total and amount_due once
	 * charged (collection.c) but not of the sale: they were posted to fees
	 * and interest, so the sale is what is left without them.
	 */
	int64_t charges = inv_num(c->inv, "reminder_fees") + inv_num(c->inv, "late_interest");
	*ev = (struct billing_ledger_event){
		.type = type,
		.id = inv_str(c->inv, "id"),
		.customer = inv_str(c->inv, "customer"),
		.invoice = {
			.total = inv_num(c->inv, "total") - charges,
			.amount_due = inv_num(c->inv, "amount_due") - charges,
			.applied_balance = applied,
			.tax = tax->v,
			.n_tax = tax->n,
			.opening = json_is_true(json_object_get(c->inv, "opening_balance")),
		},
	};
	snprintf(ev->currency, sizeof(ev->currency), "%s", inv_str(c->inv, "currency"));
	return 0;
}

int svc_ledger_invoice_finalized(struct svc *s, struct inv_ctx *c, int64_t at,
				 struct recur_err *e)
{
	struct billing_ledger_event ev;
	struct splits tax;
	int rc = invoice_event(&ev, &tax, s, c, BILLING_LEDGER_INVOICE_FINALIZED, e);

	if (rc == 0)
		rc = svc_ledger_post_at(s, &ev, at, NULL, e);
	return rc < 0 ? rc : 0;
}

/* A written-off claim back on the books (WRITE_OFF_RECOVERED under id). */
static int recover(struct svc *s, const json_t *inv, const char *id, int64_t amount, int64_t at,
		   const char *description, struct recur_err *e)
{
	struct billing_ledger_event ev = {
		.type = BILLING_LEDGER_WRITE_OFF_RECOVERED,
		.id = id,
		.customer = inv_str(inv, "customer"),
		.write_off = { .amount = amount },
	};
	int rc;

	snprintf(ev.currency, sizeof(ev.currency), "%s", inv_str(inv, "currency"));
	rc = svc_ledger_post_at(s, &ev, at, description, e);
	return rc < 0 ? rc : 0;
}

/* Whether mark_uncollectible wrote the invoice off (the transition stays when it moves on). */
static bool written_off(const json_t *inv)
{
	return json_is_integer(json_object_get(json_object_get(inv, "status_transitions"),
					       "marked_uncollectible_at"));
}

/* The reminder fees or interest (column) a voided invoice had charged, taken back. */
static int charges_voided(struct svc *s, struct inv_ctx *c, enum billing_ledger_event_type type,
			  const char *column, int64_t at, struct recur_err *e)
{
	struct billing_ledger_event ev = {
		.type = type,
		.id = inv_str(c->inv, "id"),
		.customer = inv_str(c->inv, "customer"),
		.charge = { .amount = inv_num(c->inv, column), .seq = 1 },
	};
	int rc;

	if (ev.charge.amount <= 0)
		return 0;
	snprintf(ev.currency, sizeof(ev.currency), "%s", inv_str(c->inv, "currency"));
	rc = svc_ledger_post_at(s, &ev, at, NULL, e);
	return rc < 0 ? rc : 0;
}

int svc_ledger_invoice_voided(struct svc *s, struct inv_ctx *c, int64_t at,
			      struct recur_err *e)
{
	struct billing_ledger_event ev;
	struct splits tax;
	int64_t remaining = inv_num(c->inv, "amount_remaining");
	int rc;

	/*
	 * The write-off took amount_remaining off receivables; the void takes
	 * amount_due off. Reversing the write-off first leaves the claim as
	 * finalization made it, which the void then undoes whole.
	 */
	if (written_off(c->inv) && remaining > 0 &&
	    (rc = recover(s, c->inv, inv_str(c->inv, "id"), remaining, at,
			  "Write-off reversed: invoice voided", e)) < 0)
		return rc;
	if ((rc = charges_voided(s, c, BILLING_LEDGER_REMINDER_FEES_VOIDED, "reminder_fees", at,
				 e)) < 0 ||
	    (rc = charges_voided(s, c, BILLING_LEDGER_LATE_INTEREST_VOIDED, "late_interest", at,
				 e)) < 0)
		return rc;
	if ((rc = invoice_event(&ev, &tax, s, c, BILLING_LEDGER_INVOICE_VOIDED, e)) < 0)
		return rc;
	rc = svc_ledger_post_at(s, &ev, at, NULL, e);
	return rc < 0 ? rc : 0;
}

int svc_ledger_invoice_uncollectible(struct svc *s, struct inv_ctx *c, int64_t at,
				     struct recur_err *e)
{
	struct billing_ledger_event ev = {
		.type = BILLING_LEDGER_WRITE_OFF,
		.id = inv_str(c->inv, "id"),
		.customer = inv_str(c->inv, "customer"),
		.write_off = { .amount = inv_num(c->inv, "amount_remaining") },
	};
	int rc;

	/* Nothing owed, nothing lost: the template takes only a positive amount. */
	if (ev.write_off.amount <= 0)
		return 0;
	snprintf(ev.currency, sizeof(ev.currency), "%s", inv_str(c->inv, "currency"));
	rc = svc_ledger_post_at(s, &ev, at, NULL, e);
	return rc < 0 ? rc : 0;
}

/*
 * PAYMENT of amount on inv under id, applied up to what inv still owes,
 * recovering it first if it had been written off. *applied_out (may be
 * NULL) gets the part that settled the invoice.
 */
static int pay(struct svc *s, const json_t *inv, const char *id, const char *customer,
	       int64_t amount, const char *currency, enum billing_ledger_method method,
	       int64_t at, int64_t *applied_out, struct recur_err *e)
{
	struct billing_ledger_event ev = {
		.type = BILLING_LEDGER_PAYMENT,
		.id = id,
		.customer = customer,
		.payment = { .amount = amount, .method = method },
	};
	int64_t owed = 0;
	int rc;

	/* Only a claim on the books can be settled: an open or a written-off invoice. */
	if (inv && (inv_status_is(inv, "open") || inv_status_is(inv, "uncollectible")) &&
	    strcmp(inv_str(inv, "currency"), currency) == 0)
		owed = inv_num(inv, "amount_remaining");
	ev.payment.applied = owed < amount ? (owed > 0 ? owed : 0) : amount;
	if (applied_out)
		*applied_out = ev.payment.applied;
	if (ev.payment.amount <= 0)
		return 0;
	if (inv && inv_status_is(inv, "uncollectible") && ev.payment.applied > 0 &&
	    (rc = recover(s, inv, id, ev.payment.applied, at, NULL, e)) < 0)
		return rc;
	snprintf(ev.currency, sizeof(ev.currency), "%s", currency);
	rc = svc_ledger_post_at(s, &ev, at, NULL, e);
	return rc < 0 ? rc : 0;
}

int svc_ledger_invoice_paid_out_of_band(struct svc *s, struct inv_ctx *c, int64_t at,
					struct recur_err *e)
{
	const char *id = inv_str(c->inv, "id");
	int rc = pay(s, c->inv, id, inv_str(c->inv, "customer"),
		     inv_num(c->inv, "amount_remaining"), inv_str(c->inv, "currency"),
		     BILLING_LEDGER_METHOD_OUT_OF_BAND, at, NULL, e);

	if (rc == 0)
		json_object_set_new(c->inv, "paid_out_of_band", json_true());
	return rc;
}

int svc_ledger_card_payment(struct svc *s, const char *payment_intent, const char *customer,
			    const char *invoice, const json_t *held, int64_t amount,
			    const char *currency, struct recur_err *e)
{
	json_t *read = NULL;
	const json_t *inv = held;
	int64_t at = s->now, applied = 0;
	int rc = 0;

	if (!inv && (rc = store_obj_get(&read, s->db, &svc_invoices_table, &s->scope, invoice,
					e)) == 0)
		inv = read;
	if (rc < 0 || (rc = svc_invoice_now(&at, s, inv, e)) < 0 ||
	    (rc = pay(s, inv, payment_intent, customer, amount, currency,
		      BILLING_LEDGER_METHOD_CARD, at, &applied, e)) < 0)
		goto done;
	/*
	 * PAYMENT credits the customer what the invoice did not take; the
	 * customer object must say the same, or recur verify would find the two
	 * apart. Stripe records this as a transaction of type invoice_overpaid.
	 */
	if (amount > applied)
		rc = svc_balance_post(NULL, s, customer, -(amount - applied), currency,
				      "invoice_overpaid", invoice, NULL, e);
done:
	json_decref(read);
	return rc;
}

/*
 * The VAT part of x out of an invoice's total, per rate: x's share of each
 * rate's tax, half up. x is capped at the total: what was charged beyond it
 * (a debt carried on the customer's balance) bore no VAT on this invoice.
 */
static int tax_share(struct splits *out, const struct splits *tax, int64_t x, int64_t total,
		     struct recur_err *e)
{
	out->n = tax->n;
	for (size_t i = 0; i < tax->n; i++) {
		out->v[i].rate = tax->v[i].rate;
		out->v[i].amount = 0;
		if (total > 0 &&
		    money_mul_ratio(&out->v[i].amount, tax->v[i].amount, x < total ? x : total,
				    total, MONEY_ROUND_HALF_UP) < 0)
			return err_internal(e, "refund tax out of range");
	}
	return 0;
}

int svc_ledger_refund(struct svc *s, const json_t *charge, const char *refund, int64_t amount,
		      int64_t at, struct recur_err *e)
{
	struct inv_ctx c = { 0 };
	struct splits tax = { .n = 0 }, before, after, part;
	const char *invoice = json_string_value(json_object_get(charge, "invoice"));
	const char *customer = json_string_value(json_object_get(charge, "customer"));
	int64_t refunded = json_integer_value(json_object_get(charge, "amount_refunded"));
	int64_t total = 0, sum;
	struct billing_ledger_event cn = {
		.type = BILLING_LEDGER_CREDIT_NOTE,
		.id = refund,
		.customer = customer,
		.credit_note = { .total = amount, .refund = amount },
	};
	struct billing_ledger_event re = {
		.type = BILLING_LEDGER_REFUND,
		.id = refund,
		.customer = customer,
		.refund = { .amount = amount, .method = BILLING_LEDGER_METHOD_CARD,
			    .from = BILLING_LEDGER_FROM_REFUNDS_PAYABLE },
	};
	int rc = 0;

	if (invoice) {
		if ((rc = store_obj_get(&c.inv, s->db, &svc_invoices_table, &s->scope, invoice,
					e)) < 0 ||
		    (rc = tax_splits(&tax, s, &c, e)) < 0)
			goto done;
		total = inv_num(c.inv, "total");
	}
	/*
	 * Each refund takes the VAT between what was refunded before it and after
	 * it, so partial refunds add up to exactly the invoice's VAT however they
	 * round one by one.
	 */
	if (money_add(&sum, refunded, amount) < 0) {
		rc = err_internal(e, "charge %s: refunds out of range",
				  json_string_value(json_object_get(charge, "id")));
		goto done;
	}
	if ((rc = tax_share(&before, &tax, refunded, total, e)) < 0 ||
	    (rc = tax_share(&after, &tax, sum, total, e)) < 0)
		goto done;
	part.n = tax.n;
	for (size_t i = 0; i < tax.n; i++) {
		part.v[i].rate = tax.v[i].rate;
		part.v[i].amount = after.v[i].amount - before.v[i].amount;
	}
	cn.credit_note.tax = part.v;
	cn.credit_note.n_tax = part.n;
	snprintf(cn.currency, sizeof(cn.currency), "%s",
		 json_string_value(json_object_get(charge, "currency")));
	memcpy(re.currency, cn.currency, sizeof(re.currency));
	if ((rc = svc_ledger_post_at(s, &cn, at, "Refund: sale taken back", e)) < 0 ||
	    (rc = svc_ledger_post_at(s, &re, at, NULL, e)) < 0)
		goto done;
	rc = 0;
done:
	svc_invoice_ctx_free(&c);
	return rc;
}

int svc_ledger_balance_transaction(struct svc *s, const json_t *txn, int64_t at,
				   struct recur_err *e)
{
	const char *type = json_string_value(json_object_get(txn, "type"));
	struct billing_ledger_event ev = {
		.type = BILLING_LEDGER_BALANCE_ADJUSTMENT,
		.id = json_string_value(json_object_get(txn, "id")),
		.customer = json_string_value(json_object_get(txn, "customer")),
		.adjustment = { .amount = json_integer_value(json_object_get(txn, "amount")) },
	};
	int rc;

	if (!type || strcmp(type, "adjustment") != 0)
		return 0;
	snprintf(ev.currency, sizeof(ev.currency), "%s",
		 json_string_value(json_object_get(txn, "currency")));
	rc = svc_ledger_post_at(s, &ev, at, NULL, e);
	return rc < 0 ? rc : 0;
}

/* The part of amount that settles inv: what it still owes, if it is a claim in currency. */
static int64_t applicable(const json_t *inv, int64_t amount, const char *currency)
{
	int64_t owed = 0;

	if (inv && (inv_status_is(inv, "open") || inv_status_is(inv, "uncollectible")) &&
	    strcmp(inv_str(inv, "currency"), currency) == 0)
		owed = inv_num(inv, "amount_remaining");
	return owed < amount ? (owed > 0 ? owed : 0) : amount;
}

int svc_ledger_bank_payment(struct svc *s, const char *id, const json_t *inv, int64_t amount,
			    const char *currency, int64_t at, int64_t *applied_out,
			    struct recur_err *e)
{
	const char *customer = inv_str(inv, "customer");
	int64_t applied = 0;
	int rc = pay(s, inv, id, customer, amount, currency, BILLING_LEDGER_METHOD_BANK, at,
		     &applied, e);

	if (rc == 0 && amount > applied)
		rc = svc_balance_post(NULL, s, customer, -(amount - applied), currency,
				      "invoice_overpaid", inv_str(inv, "id"), NULL, e);
	if (applied_out)
		*applied_out = applied;
	return rc;
}

int svc_ledger_unmatched_payment(struct svc *s, const char *id, int64_t amount,
				 const char *currency, int64_t at, struct recur_err *e)
{
	struct billing_ledger_event ev = {
		.type = BILLING_LEDGER_UNMATCHED_PAYMENT,
		.id = id,
		.payment = { .amount = amount, .applied = 0, .method = BILLING_LEDGER_METHOD_BANK },
	};
	int rc;

	if (amount <= 0)
		return 0;
	snprintf(ev.currency, sizeof(ev.currency), "%s", currency);
	rc = svc_ledger_post_at(s, &ev, at, NULL, e);
	return rc < 0 ? rc : 0;
}

int svc_ledger_unmatched_assigned(struct svc *s, const char *id, const json_t *inv,
				  int64_t amount, int64_t at, int64_t *applied_out,
				  struct recur_err *e)
{
	const char *customer = inv_str(inv, "customer"), *currency = inv_str(inv, "currency");
	struct billing_ledger_event ev = {
		.type = BILLING_LEDGER_UNMATCHED_ASSIGNED,
		.id = id,
		.customer = customer,
		.payment = { .amount = amount, .method = BILLING_LEDGER_METHOD_BANK },
	};
	int rc = 0;

	ev.payment.applied = applicable(inv, amount, currency);
	if (applied_out)
		*applied_out = ev.payment.applied;
	if (amount <= 0)
		return 0;
	if (inv_status_is(inv, "uncollectible") && ev.payment.applied > 0 &&
	    (rc = recover(s, inv, id, ev.payment.applied, at, NULL, e)) < 0)
		return rc;
	snprintf(ev.currency, sizeof(ev.currency), "%s", currency);
	if ((rc = svc_ledger_post_at(s, &ev, at, NULL, e)) < 0)
		return rc;
	rc = 0;
	if (amount > ev.payment.applied)
		rc = svc_balance_post(NULL, s, customer, -(amount - ev.payment.applied), currency,
				      "invoice_overpaid", inv_str(inv, "id"), NULL, e);
	return rc;
}
