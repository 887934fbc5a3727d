/*
 * ledger.c - see ledger.h. Integer arithmetic only (scripts/lint.sh); every
 * sum is checked.
 */
#include "billing/ledger.h"

#include "billing/tax.h"
#include "core/err.h"
#include "core/money.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

__attribute__((format(printf, 3, 4)))
static int fail(struct recur_err *e, int rc, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (!e)
		return rc;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return err_set(e, rc, rc == RECUR_ECONFLICT ? 409 : 400, "invalid_request_error",
		       rc == RECUR_ECONFLICT ? "ledger_unbalanced" : "parameter_invalid", NULL,
		       "%s", msg);
}

/* ---- the chart ---------------------------------------------------------- */

static const struct {
	const char *name;
	bool per_customer;
	int ns4102;
	int bas;
} chart[BILLING_LEDGER_ACCOUNT_COUNT] = {
	[BILLING_LEDGER_RECEIVABLES] = { "receivables", true, 1500, 1510 },
	[BILLING_LEDGER_CUSTOMER_CREDIT] = { "customer_credit", true, 2900, 2420 },
	[BILLING_LEDGER_REFUNDS_PAYABLE] = { "refunds_payable", true, 2900, 2420 },
	[BILLING_LEDGER_UNAPPLIED_CASH] = { "unapplied_cash", false, 2900, 2420 },
	[BILLING_LEDGER_REVENUE] = { "revenue", false, 3000, 3001 },
	[BILLING_LEDGER_TAX_PAYABLE] = { "tax_payable", false, 2700, 2611 },
	[BILLING_LEDGER_BANK] = { "bank", false, 1920, 1930 },
	[BILLING_LEDGER_PAYMENT_CLEARING] = { "payment_clearing", false, 1579, 1580 },
	[BILLING_LEDGER_OUT_OF_BAND] = { "out_of_band", false, 1790, 2999 },
	[BILLING_LEDGER_FEES] = { "fees", false, 3970, 3590 },
	[BILLING_LEDGER_INTEREST] = { "interest", false, 8050, 8313 },
	[BILLING_LEDGER_WRITE_OFFS] = { "write_offs", false, 7830, 6351 },
	[BILLING_LEDGER_ADJUSTMENTS] = { "adjustments", false, 3180, 3790 },
};

static bool account_known(enum billing_ledger_account a)
{
	return (int)a >= 0 && a < BILLING_LEDGER_ACCOUNT_COUNT;
}

const char *billing_ledger_account_name(enum billing_ledger_account a)
{
	return account_known(a) ? chart[a].name : "";
}

int billing_ledger_account_parse(enum billing_ledger_account *out, const char *name)
{
	int a;

	if (!name)
		return RECUR_EINVAL;
	for (a = 0; a < BILLING_LEDGER_ACCOUNT_COUNT; a++) {
		if (strcmp(chart[a].name, name) == 0) {
			*out = (enum billing_ledger_account)a;
			return 0;
		}
	}
	return RECUR_EINVAL;
}

bool billing_ledger_account_per_customer(enum billing_ledger_account a)
{
	return account_known(a) && chart[a].per_customer;
}

/* BAS splits Swedish sales and output VAT by rate: 25, 12 and 6 %, and exempt sales. */
static int bas_by_rate(enum billing_ledger_account a, int64_t rate)
{
	static const struct {
		int64_t rate;
		int revenue, tax;
	} bas[] = {
		{ 250000, 3001, 2611 },
		{ 120000, 3002, 2621 },
		{ 60000, 3003, 2631 },
		{ 0, 3004, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(bas) / sizeof(bas[0]); i++) {
		if (bas[i].rate != rate)
			continue;
		if (a == BILLING_LEDGER_REVENUE)
			return bas[i].revenue;
		if (bas[i].tax)
			return bas[i].tax;
	}
	return chart[a].bas;
}

int billing_ledger_account_number(enum billing_ledger_account a,
				  enum billing_ledger_chart c, int64_t rate)
{
	if (!account_known(a))
		return 0;
	switch (c) {
	case BILLING_LEDGER_NS4102:
		return chart[a].ns4102;
	case BILLING_LEDGER_BAS:
		if (a == BILLING_LEDGER_REVENUE || a == BILLING_LEDGER_TAX_PAYABLE)
			return bas_by_rate(a, rate);
		return chart[a].bas;
	}
	return 0;
}

/* ---- input checks -------------------------------------------------------- */

/*
 * Ids are recur's (prefix_ + base62) or a bank's reference; ':' would make a
 * source key ambiguous, so only letters, digits, '_' and '-' are taken.
 */
static bool id_ok(const char *id)
{
	size_t i;

	if (!id || !id[0])
		return false;
	for (i = 0; id[i]; i++) {
		char c = id[i];
		if (i >= BILLING_LEDGER_ID_MAX)
			return false;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return false;
	}
	return true;
}

static bool positive(int64_t v)
{
	return v > 0 && money_in_range(v);
}

static bool non_negative(int64_t v)
{
	return v >= 0 && money_in_range(v);
}

static bool method_ok(enum billing_ledger_method m)
{
	return m == BILLING_LEDGER_METHOD_BANK || m == BILLING_LEDGER_METHOD_CARD ||
	       m == BILLING_LEDGER_METHOD_OUT_OF_BAND;
}

static enum billing_ledger_account method_account(enum billing_ledger_method m)
{
	switch (m) {
	case BILLING_LEDGER_METHOD_CARD:
		return BILLING_LEDGER_PAYMENT_CLEARING;
	case BILLING_LEDGER_METHOD_OUT_OF_BAND:
		return BILLING_LEDGER_OUT_OF_BAND;
	case BILLING_LEDGER_METHOD_BANK:
		break;
	}
	return BILLING_LEDGER_BANK;
}

/*
 * Sums splits into *sum after checking them: at most
 * BILLING_LEDGER_SPLITS_MAX, amounts in range, rates 0..100 % (or none,
 * where allowed).
 */
static int sum_splits(int64_t *sum, const struct billing_ledger_split *s, size_t n,
		      bool rate_optional, const char *what, struct recur_err *e)
{
	size_t i;
	int rc = 0;

	*sum = 0;
	if (n > BILLING_LEDGER_SPLITS_MAX || (n > 0 && !s)) {
		rc = fail(e, RECUR_EINVAL, "%s: at most %d entries, and they must be given", what,
			  BILLING_LEDGER_SPLITS_MAX);
		goto done;
	}
	for (i = 0; i < n; i++) {
		bool rate_ok = (s[i].rate >= 0 && s[i].rate <= BILLING_TAX_SCALE) ||
			       (rate_optional && s[i].rate == BILLING_LEDGER_NO_RATE);
		if (!rate_ok || !money_in_range(s[i].amount)) {
			rc = fail(e, RECUR_EINVAL, "%s %zu: a rate of 0 to 100 %% and an amount "
				  "in range are required", what, i);
			goto done;
		}
		/* At most 32 amounts within MONEY_MAX_ABS (10^15): no overflow. */
		*sum += s[i].amount;
	}
done:
	return rc;
}

/* ---- building a posting ------------------------------------------------- */

struct posting {
	struct billing_ledger_entry *out;
	size_t cap;
	size_t n;
	const char *currency; /* lower case */
	int rc;
};

/*
 * Appends amount to account, on the debit side if debit is true; a negative
 * amount goes to the other side and zero is not posted (ledger.h, SIGNS).
 * Every amount reaching here is within money_in_range, so negating it is
 * safe. Running out of room sticks in p->rc, so a template is a straight
 * list of put() calls checked once at the end.
 */
static void put(struct posting *p, enum billing_ledger_account a, const char *customer,
		bool debit, int64_t amount, int64_t rate)
{
	struct billing_ledger_entry *x;

	if (p->rc < 0 || amount == 0)
		return;
	if (p->n >= p->cap) {
		p->rc = RECUR_ETOOBIG;
		return;
	}
	if (amount < 0) {
		amount = -amount;
		debit = !debit;
	}
	x = &p->out[p->n++];
	x->account = a;
	x->customer = chart[a].per_customer ? customer : NULL;
	memcpy(x->currency, p->currency, 4);
	x->debit = debit ? amount : 0;
	x->credit = debit ? 0 : amount;
	x->rate = (a == BILLING_LEDGER_REVENUE || a == BILLING_LEDGER_TAX_PAYABLE) ?
			  rate : BILLING_LEDGER_NO_RATE;
}

static void put_splits(struct posting *p, enum billing_ledger_account a, bool debit,
		       const struct billing_ledger_split *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		put(p, a, NULL, debit, s[i].amount, s[i].rate);
}

/*
 * Revenue, net of tax: per split when the caller gave them (which must add
 * up to total - tax), else one entry without a rate.
 */
static int put_revenue(struct posting *p, bool debit, int64_t net,
		       const struct billing_ledger_split *rev, size_t n_rev, struct recur_err *e)
{
	int64_t sum;
	int rc;

	if (n_rev == 0) {
		put(p, BILLING_LEDGER_REVENUE, NULL, debit, net, BILLING_LEDGER_NO_RATE);
		return 0;
	}
	if ((rc = sum_splits(&sum, rev, n_rev, true, "revenue", e)) < 0)
		return rc;
	if (sum != net)
		return fail(e, RECUR_EINVAL,
			    "The revenue splits add up to %lld, but total less tax is %lld",
			    (long long)sum, (long long)net);
	put_splits(p, BILLING_LEDGER_REVENUE, debit, rev, n_rev);
	return 0;
}

static bool need_customer(const struct billing_ledger_event *ev)
{
	switch (ev->type) {
	case BILLING_LEDGER_UNMATCHED_PAYMENT:
		return false;
	case BILLING_LEDGER_REFUND:
		return ev->refund.from != BILLING_LEDGER_FROM_UNAPPLIED_CASH;
	default:
		return true;
	}
}

/*
 * INVOICE_FINALIZED (debit true) and INVOICE_VOIDED (its mirror).
 * total = amount_due + applied_balance is Stripe's identity (invoice.h), and
 * it is what makes the template balance: receivables and the balance take
 * the total, revenue and VAT give it.
 */
static int post_invoice(struct posting *p, const struct billing_ledger_event *ev, bool debit,
			struct recur_err *e)
{
	const struct billing_ledger_invoice *in = &ev->invoice;
	int64_t tax, net, sum;
	int rc;

	if (!money_in_range(in->total) || !non_negative(in->amount_due) ||
	    !money_in_range(in->applied_balance))
		return fail(e, RECUR_EINVAL, "An invoice's total, amount_due (>= 0) and "
			    "applied_balance must be amounts in range");
	if ((rc = money_add(&sum, in->amount_due, in->applied_balance)) < 0 || sum != in->total)
		return fail(e, RECUR_EINVAL, "amount_due + applied_balance must equal the total");
	if ((rc = sum_splits(&tax, in->tax, in->n_tax, false, "tax", e)) < 0)
		return rc;
	if (money_sub(&net, in->total, tax) < 0 || !money_in_range(net))
		return fail(e, RECUR_EINVAL, "total less tax is out of range");
	put(p, BILLING_LEDGER_RECEIVABLES, ev->customer, debit, in->amount_due,
	    BILLING_LEDGER_NO_RATE);
	put(p, BILLING_LEDGER_CUSTOMER_CREDIT, ev->customer, debit, in->applied_balance,
	    BILLING_LEDGER_NO_RATE);
	if (in->opening) {
		if (in->n_tax || in->n_revenue)
			return fail(e, RECUR_EINVAL, "An opening balance has no tax or revenue splits");
		put(p, BILLING_LEDGER_ADJUSTMENTS, NULL, !debit, net, BILLING_LEDGER_NO_RATE);
		return 0;
	}
	if ((rc = put_revenue(p, !debit, net, in->revenue, in->n_revenue, e)) < 0)
		return rc;
	put_splits(p, BILLING_LEDGER_TAX_PAYABLE, !debit, in->tax, in->n_tax);
	return 0;
}

/* PAYMENT, UNMATCHED_PAYMENT, UNMATCHED_ASSIGNED. */
static int post_payment(struct posting *p, const struct billing_ledger_event *ev,
			struct recur_err *e)
{
	const struct billing_ledger_payment *pay = &ev->payment;
	enum billing_ledger_account from;

	if (!positive(pay->amount) || pay->applied < 0 || pay->applied > pay->amount)
		return fail(e, RECUR_EINVAL, "A payment needs an amount > 0 in range and an "
			    "applied part between 0 and the amount");
	if (ev->type == BILLING_LEDGER_UNMATCHED_ASSIGNED) {
		from = BILLING_LEDGER_UNAPPLIED_CASH;
	} else if (!method_ok(pay->method)) {
		return fail(e, RECUR_EINVAL, "Unknown payment method %d", (int)pay->method);
	} else {
		from = method_account(pay->method);
	}
	put(p, from, NULL, true, pay->amount, BILLING_LEDGER_NO_RATE);
	if (ev->type == BILLING_LEDGER_UNMATCHED_PAYMENT) {
		/* Nobody to credit yet: the money waits for an assignment. */
		put(p, BILLING_LEDGER_UNAPPLIED_CASH, NULL, false, pay->amount,
		    BILLING_LEDGER_NO_RATE);
		return 0;
	}
	put(p, BILLING_LEDGER_RECEIVABLES, ev->customer, false, pay->applied,
	    BILLING_LEDGER_NO_RATE);
	put(p, BILLING_LEDGER_CUSTOMER_CREDIT, ev->customer, false, pay->amount - pay->applied,
	    BILLING_LEDGER_NO_RATE);
	return 0;
}

static int post_refund(struct posting *p, const struct billing_ledger_event *ev,
		       struct recur_err *e)
{
	const struct billing_ledger_refund *r = &ev->refund;
	enum billing_ledger_account from;

	if (!positive(r->amount))
		return fail(e, RECUR_EINVAL, "A refund needs an amount > 0 in range");
	if (!method_ok(r->method))
		return fail(e, RECUR_EINVAL, "Unknown refund method %d", (int)r->method);
	switch (r->from) {
	case BILLING_LEDGER_FROM_REFUNDS_PAYABLE:
		from = BILLING_LEDGER_REFUNDS_PAYABLE;
		break;
	case BILLING_LEDGER_FROM_CUSTOMER_CREDIT:
		from = BILLING_LEDGER_CUSTOMER_CREDIT;
		break;
	case BILLING_LEDGER_FROM_UNAPPLIED_CASH:
		from = BILLING_LEDGER_UNAPPLIED_CASH;
		break;
	default:
		return fail(e, RECUR_EINVAL, "Unknown refund source %d", (int)r->from);
	}
	put(p, from, ev->customer, true, r->amount, BILLING_LEDGER_NO_RATE);
	put(p, method_account(r->method), NULL, false, r->amount, BILLING_LEDGER_NO_RATE);
	return 0;
}

/* CREDIT_NOTE (debit true: revenue and VAT are debited) and CREDIT_NOTE_VOIDED. */
static int post_credit_note(struct posting *p, const struct billing_ledger_event *ev,
			    bool debit, struct recur_err *e)
{
	const struct billing_ledger_credit_note *cn = &ev->credit_note;
	int64_t parts = 0, tax, net;
	int rc;

	if (!positive(cn->total) || !non_negative(cn->pre_payment) || !non_negative(cn->refund) ||
	    !non_negative(cn->credit) || !non_negative(cn->out_of_band))
		return fail(e, RECUR_EINVAL, "A credit note needs a total > 0 and parts >= 0, "
			    "all in range");
	/* Four amounts within MONEY_MAX_ABS cannot overflow. */
	parts = cn->pre_payment + cn->refund + cn->credit + cn->out_of_band;
	if (parts != cn->total)
		return fail(e, RECUR_EINVAL, "pre_payment + refund + credit + out_of_band is "
			    "%lld, not the total %lld", (long long)parts, (long long)cn->total);
	if ((rc = sum_splits(&tax, cn->tax, cn->n_tax, false, "tax", e)) < 0)
		return rc;
	if (money_sub(&net, cn->total, tax) < 0 || !money_in_range(net))
		return fail(e, RECUR_EINVAL, "total less tax is out of range");
	if ((rc = put_revenue(p, debit, net, cn->revenue, cn->n_revenue, e)) < 0)
		return rc;
	put_splits(p, BILLING_LEDGER_TAX_PAYABLE, debit, cn->tax, cn->n_tax);
	put(p, BILLING_LEDGER_RECEIVABLES, ev->customer, !debit, cn->pre_payment,
	    BILLING_LEDGER_NO_RATE);
	put(p, BILLING_LEDGER_REFUNDS_PAYABLE, ev->customer, !debit, cn->refund,
	    BILLING_LEDGER_NO_RATE);
	put(p, BILLING_LEDGER_CUSTOMER_CREDIT, ev->customer, !debit, cn->credit,
	    BILLING_LEDGER_NO_RATE);
	put(p, BILLING_LEDGER_OUT_OF_BAND, NULL, !debit, cn->out_of_band,
	    BILLING_LEDGER_NO_RATE);
	return 0;
}

/* WRITE_OFF (debit true) and WRITE_OFF_RECOVERED (its mirror). */
static int post_write_off(struct posting *p, const struct billing_ledger_event *ev,
			  bool debit, struct recur_err *e)
{
	const struct billing_ledger_write_off *w = &ev->write_off;
	int64_t tax;
	size_t i;
	int rc;

	if (!positive(w->amount))
		return fail(e, RECUR_EINVAL, "A write-off needs an amount > 0 in range");
	if ((rc = sum_splits(&tax, w->tax, w->n_tax, false, "tax", e)) < 0)
		return rc;
	for (i = 0; i < w->n_tax; i++)
		if (w->tax[i].amount < 0)
			break;
	if (i < w->n_tax || tax > w->amount)
		return fail(e, RECUR_EINVAL, "The VAT taken back must be >= 0 per rate and at "
			    "most the amount written off");
	put(p, BILLING_LEDGER_WRITE_OFFS, NULL, debit, w->amount - tax, BILLING_LEDGER_NO_RATE);
	put_splits(p, BILLING_LEDGER_TAX_PAYABLE, debit, w->tax, w->n_tax);
	put(p, BILLING_LEDGER_RECEIVABLES, ev->customer, !debit, w->amount,
	    BILLING_LEDGER_NO_RATE);
	return 0;
}

/* The one check every template passes through: the posting balances. */
static int balanced(const struct posting *p)
{
	int64_t debit = 0, credit = 0;
	size_t i;

	/* At most 5 + 64 entries of at most 2 * MONEY_MAX_ABS: no overflow. */
	for (i = 0; i < p->n; i++) {
		debit += p->out[i].debit;
		credit += p->out[i].credit;
	}
	return debit == credit;
}

static bool charge_ok(const struct billing_ledger_event *ev)
{
	return positive(ev->charge.amount) && ev->charge.seq >= 1;
}

int billing_ledger_post(struct billing_ledger_entry *out, size_t cap, size_t *n_out,
			const struct billing_ledger_event *ev, struct recur_err *e)
{
	const struct currency *cur = money_currency_find(ev->currency);
	struct posting p = { .out = out, .cap = out ? cap : 0 };
	char lower[4];
	size_t i;
	int rc = 0;

	*n_out = 0;
	if (!cur) {
		rc = fail(e, RECUR_EINVAL, "Unsupported ledger currency");
		goto done;
	}
	for (i = 0; i < 4; i++)
		lower[i] = (char)(cur->code[i] ? cur->code[i] - 'A' + 'a' : 0);
	p.currency = lower;
	if (!id_ok(ev->id)) {
		rc = fail(e, RECUR_EINVAL, "A ledger event needs the id of its source object "
			  "(letters, digits, '_' and '-', at most %d)", BILLING_LEDGER_ID_MAX);
		goto done;
	}
	if (need_customer(ev) ? !id_ok(ev->customer) : ev->customer != NULL) {
		rc = fail(e, RECUR_EINVAL, "%s", need_customer(ev) ?
			  "This ledger event needs a customer" :
			  "This ledger event takes no customer: the money is not anyone's yet");
		goto done;
	}

	switch (ev->type) {
	case BILLING_LEDGER_INVOICE_FINALIZED:
		rc = post_invoice(&p, ev, true, e);
		break;
	case BILLING_LEDGER_INVOICE_VOIDED:
		rc = post_invoice(&p, ev, false, e);
		break;
	case BILLING_LEDGER_PAYMENT:
	case BILLING_LEDGER_UNMATCHED_PAYMENT:
	case BILLING_LEDGER_UNMATCHED_ASSIGNED:
		rc = post_payment(&p, ev, e);
		break;
	case BILLING_LEDGER_REFUND:
		rc = post_refund(&p, ev, e);
		break;
	case BILLING_LEDGER_CREDIT_NOTE:
		rc = post_credit_note(&p, ev, true, e);
		break;
	case BILLING_LEDGER_CREDIT_NOTE_VOIDED:
		rc = post_credit_note(&p, ev, false, e);
		break;
	case BILLING_LEDGER_REMINDER_FEE:
	case BILLING_LEDGER_LATE_INTEREST:
	case BILLING_LEDGER_REMINDER_FEES_VOIDED:
	case BILLING_LEDGER_LATE_INTEREST_VOIDED: {
		bool charged = ev->type == BILLING_LEDGER_REMINDER_FEE ||
			       ev->type == BILLING_LEDGER_LATE_INTEREST;
		bool fee = ev->type == BILLING_LEDGER_REMINDER_FEE ||
			   ev->type == BILLING_LEDGER_REMINDER_FEES_VOIDED;
		if (!charge_ok(ev)) {
			rc = fail(e, RECUR_EINVAL, "A fee or interest needs an amount > 0 in "
				  "range and a seq >= 1");
			break;
		}
		/* Charged: Dr receivables / Cr fees or interest; voided: the mirror. */
		put(&p, BILLING_LEDGER_RECEIVABLES, ev->customer, charged, ev->charge.amount,
		    BILLING_LEDGER_NO_RATE);
		put(&p, fee ? BILLING_LEDGER_FEES : BILLING_LEDGER_INTEREST, NULL, !charged,
		    ev->charge.amount, BILLING_LEDGER_NO_RATE);
		break;
	}
	case BILLING_LEDGER_WRITE_OFF:
		rc = post_write_off(&p, ev, true, e);
		break;
	case BILLING_LEDGER_WRITE_OFF_RECOVERED:
		rc = post_write_off(&p, ev, false, e);
		break;
	case BILLING_LEDGER_BALANCE_ADJUSTMENT:
		if (ev->adjustment.amount == 0 || !money_in_range(ev->adjustment.amount)) {
			rc = fail(e, RECUR_EINVAL, "A balance adjustment needs a non-zero "
				  "amount in range");
			break;
		}
		put(&p, BILLING_LEDGER_CUSTOMER_CREDIT, ev->customer, true, ev->adjustment.amount,
		    BILLING_LEDGER_NO_RATE);
		put(&p, BILLING_LEDGER_ADJUSTMENTS, NULL, false, ev->adjustment.amount,
		    BILLING_LEDGER_NO_RATE);
		break;
	default:
		rc = fail(e, RECUR_EINVAL, "Unknown ledger event type %d", (int)ev->type);
		break;
	}
	if (rc < 0)
		goto done;
	if ((rc = p.rc) < 0) {
		rc = fail(e, rc, "The entry storage holds %zu entries; this event needs more",
			  cap);
		goto done;
	}
	if (!balanced(&p)) {
		/* Unreachable with the templates above; kept so a new one cannot slip by. */
		rc = e ? err_internal(e, "ledger template %d does not balance", (int)ev->type) :
			 RECUR_EINTERNAL;
		goto done;
	}
	*n_out = p.n;
done:
	return rc;
}

/* ---- source keys ---------------------------------------------------------- */

int billing_ledger_source(char *buf, size_t cap, const struct billing_ledger_event *ev,
			  struct recur_err *e)
{
	const char *id = ev->id;
	int n;

	if (buf && cap > 0)
		buf[0] = '\0';
	if (!id_ok(id))
		return fail(e, RECUR_EINVAL, "A ledger event needs the id of its source object");
	if ((ev->type == BILLING_LEDGER_REMINDER_FEE || ev->type == BILLING_LEDGER_LATE_INTEREST ||
	     ev->type == BILLING_LEDGER_REMINDER_FEES_VOIDED ||
	     ev->type == BILLING_LEDGER_LATE_INTEREST_VOIDED) &&
	    ev->charge.seq < 1)
		return fail(e, RECUR_EINVAL, "A fee or interest needs a seq >= 1");
	if (!buf || cap == 0)
		return fail(e, RECUR_ETOOBIG, "No room for the source key");

	switch (ev->type) {
	case BILLING_LEDGER_INVOICE_FINALIZED:
		n = snprintf(buf, cap, "invoice:%s:finalized", id);
		break;
	case BILLING_LEDGER_INVOICE_VOIDED:
		n = snprintf(buf, cap, "invoice:%s:voided", id);
		break;
	case BILLING_LEDGER_WRITE_OFF:
		n = snprintf(buf, cap, "invoice:%s:uncollectible", id);
		break;
	case BILLING_LEDGER_REMINDER_FEE:
		n = snprintf(buf, cap, "invoice:%s:reminder:%lld", id, (long long)ev->charge.seq);
		break;
	case BILLING_LEDGER_LATE_INTEREST:
		n = snprintf(buf, cap, "invoice:%s:interest:%lld", id, (long long)ev->charge.seq);
		break;
	case BILLING_LEDGER_REMINDER_FEES_VOIDED:
		n = snprintf(buf, cap, "invoice:%s:reminder:voided:%lld", id,
			     (long long)ev->charge.seq);
		break;
	case BILLING_LEDGER_LATE_INTEREST_VOIDED:
		n = snprintf(buf, cap, "invoice:%s:interest:voided:%lld", id,
			     (long long)ev->charge.seq);
		break;
	case BILLING_LEDGER_PAYMENT:
		n = snprintf(buf, cap, "payment:%s", id);
		break;
	case BILLING_LEDGER_WRITE_OFF_RECOVERED:
		n = snprintf(buf, cap, "payment:%s:recovery", id);
		break;
	case BILLING_LEDGER_UNMATCHED_PAYMENT:
		n = snprintf(buf, cap, "unmatched_payment:%s:received", id);
		break;
	case BILLING_LEDGER_UNMATCHED_ASSIGNED:
		n = snprintf(buf, cap, "unmatched_payment:%s:assigned", id);
		break;
	case BILLING_LEDGER_REFUND:
		n = snprintf(buf, cap, "refund:%s", id);
		break;
	case BILLING_LEDGER_CREDIT_NOTE:
		n = snprintf(buf, cap, "credit_note:%s:issued", id);
		break;
	case BILLING_LEDGER_CREDIT_NOTE_VOIDED:
		n = snprintf(buf, cap, "credit_note:%s:voided", id);
		break;
	case BILLING_LEDGER_BALANCE_ADJUSTMENT:
		n = snprintf(buf, cap, "balance_transaction:%s", id);
		break;
	default:
		return fail(e, RECUR_EINVAL, "Unknown ledger event type %d", (int)ev->type);
	}
	if (n < 0 || (size_t)n >= cap) {
		buf[0] = '\0';
		return fail(e, RECUR_ETOOBIG, "The source key needs %d bytes", n + 1);
	}
	return n;
}

/* ---- checking a set of entries -------------------------------------------- */

void billing_ledger_totals_init(struct billing_ledger_totals *t)
{
	memset(t, 0, sizeof(*t));
}

/* Lower-case code of a supported currency into out; false if unsupported. */
static bool currency_lower(char out[4], const char *code)
{
	const struct currency *c = money_currency_find(code);
	size_t i;

	if (!c)
		return false;
	for (i = 0; i < 3; i++)
		out[i] = (char)(c->code[i] - 'A' + 'a');
	out[3] = '\0';
	return true;
}

static bool entry_ok(const struct billing_ledger_entry *x)
{
	bool one_side = (x->debit > 0 && x->credit == 0) || (x->credit > 0 && x->debit == 0);

	if (!account_known(x->account) || !one_side || !money_in_range(x->debit) ||
	    !money_in_range(x->credit))
		return false;
	return chart[x->account].per_customer ? id_ok(x->customer) : x->customer == NULL;
}

int billing_ledger_totals_add(struct billing_ledger_totals *t,
			      const struct billing_ledger_entry *entries, size_t n,
			      struct recur_err *e)
{
	size_t i, c;
	int rc = 0;

	if (n > 0 && !entries) {
		rc = fail(e, RECUR_EINVAL, "Ledger entries are missing");
		goto done;
	}
	for (i = 0; i < n; i++) {
		const struct billing_ledger_entry *x = &entries[i];
		char code[4];

		if (!currency_lower(code, x->currency) || !entry_ok(x)) {
			rc = fail(e, RECUR_EINVAL, "Ledger entry %zu is malformed: it needs a known "
				  "account, a supported currency, exactly one positive side in "
				  "range and a customer exactly on per-customer accounts", i);
			goto done;
		}
		for (c = 0; c < t->n; c++)
			if (memcmp(t->per[c].currency, code, 4) == 0)
				break;
		if (c == t->n) {
			if (t->n == BILLING_LEDGER_CURRENCIES_MAX) {
				rc = fail(e, RECUR_ETOOBIG, "More than %d currencies in one ledger "
					  "check", BILLING_LEDGER_CURRENCIES_MAX);
				goto done;
			}
			memset(&t->per[c], 0, sizeof(t->per[c]));
			memcpy(t->per[c].currency, code, 4);
			t->n++;
		}
		if ((rc = money_add(&t->per[c].debit, t->per[c].debit, x->debit)) < 0 ||
		    (rc = money_add(&t->per[c].credit, t->per[c].credit, x->credit)) < 0 ||
		    (rc = money_add(&t->debit, t->debit, x->debit)) < 0 ||
		    (rc = money_add(&t->credit, t->credit, x->credit)) < 0) {
			rc = fail(e, rc, "Ledger sums leave int64");
			goto done;
		}
		t->n_entries++;
	}
done:
	return rc;
}

int billing_ledger_totals_check(const struct billing_ledger_totals *t, struct recur_err *e)
{
	size_t c;

	if (t->debit != t->credit)
		return fail(e, RECUR_ECONFLICT, "The ledger does not balance: debits %lld, "
			    "credits %lld (minor units, all currencies, %zu entries)",
			    (long long)t->debit, (long long)t->credit, t->n_entries);
	for (c = 0; c < t->n; c++)
		if (t->per[c].debit != t->per[c].credit)
			return fail(e, RECUR_ECONFLICT, "The ledger does not balance in %s: "
				    "debits %lld, credits %lld (minor units)", t->per[c].currency,
				    (long long)t->per[c].debit, (long long)t->per[c].credit);
	return 0;
}

int billing_ledger_check(const struct billing_ledger_entry *entries, size_t n,
			 struct recur_err *e)
{
	struct billing_ledger_totals t;
	int rc;

	billing_ledger_totals_init(&t);
	if ((rc = billing_ledger_totals_add(&t, entries, n, e)) < 0)
		return rc;
	return billing_ledger_totals_check(&t, e);
}

/* ---- a customer's balances ------------------------------------------------ */

int billing_ledger_customer_balance(struct billing_ledger_customer_balance *out,
				    const struct billing_ledger_entry *entries, size_t n,
				    const char *customer, const char *currency,
				    struct recur_err *e)
{
	char code[4], ec[4];
	size_t i;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (!id_ok(customer) || !currency_lower(code, currency) || (n > 0 && !entries)) {
		rc = fail(e, RECUR_EINVAL, "A customer id, a supported currency and the entries "
			  "are required");
		goto done;
	}
	for (i = 0; i < n; i++) {
		const struct billing_ledger_entry *x = &entries[i];
		int64_t *acc;
		int64_t delta;

		if (!billing_ledger_account_per_customer(x->account) || !x->customer ||
		    strcmp(x->customer, customer) != 0 || !currency_lower(ec, x->currency) ||
		    memcmp(ec, code, 4) != 0)
			continue;
		switch (x->account) {
		case BILLING_LEDGER_RECEIVABLES:
			acc = &out->receivable;
			rc = money_sub(&delta, x->debit, x->credit);
			break;
		case BILLING_LEDGER_CUSTOMER_CREDIT:
			acc = &out->balance;
			rc = money_sub(&delta, x->debit, x->credit);
			break;
		default: /* BILLING_LEDGER_REFUNDS_PAYABLE, a liability */
			acc = &out->refunds_payable;
			rc = money_sub(&delta, x->credit, x->debit);
			break;
		}
		if (rc < 0 || (rc = money_add(acc, *acc, delta)) < 0) {
			rc = fail(e, rc, "Customer balance sums leave int64");
			goto done;
		}
		out->n_entries++;
	}
done:
	return rc;
}

int billing_ledger_customer_verify(const struct billing_ledger_entry *entries, size_t n,
				   const char *customer, const char *currency,
				   int64_t expected_balance, int64_t expected_receivable,
				   struct recur_err *e)
{
	struct billing_ledger_customer_balance b;
	int rc;

	if ((rc = billing_ledger_customer_balance(&b, entries, n, customer, currency, e)) < 0)
		return rc;
	if (b.balance != expected_balance || b.receivable != expected_receivable)
		return fail(e, RECUR_ECONFLICT, "Customer %s (%s): balance %lld and receivable "
			    "%lld from %zu ledger entries, but the customer's balance is %lld and "
			    "open invoices owe %lld (minor units)", customer, currency,
			    (long long)b.balance, (long long)b.receivable, b.n_entries,
			    (long long)expected_balance, (long long)expected_receivable);
	return 0;
}
