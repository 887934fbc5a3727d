/*
 * credit_note.c - see credit_note.h. Integer arithmetic only.
 */
#include "billing/credit_note.h"

#include "core/err.h"
#include "core/money.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

__attribute__((format(printf, 4, 5)))
static int fail(struct recur_err *e, int rc, const char *param, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (!e)
		return rc;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return err_set(e, rc, 400, "invalid_request_error", NULL, param, "%s", msg);
}

static int overflow(struct recur_err *e)
{
	return fail(e, RECUR_EOVERFLOW, NULL, "A credit note amount is out of range");
}

/* round(v * upto / base), half up: the part of v that `upto` of base carries. */
static int part(int64_t *out, int64_t v, int64_t upto, int64_t base)
{
	return money_mul_ratio(out, v, upto, base, MONEY_ROUND_HALF_UP);
}

/* The cumulative share of v (credit_note.h, ROUNDING). */
static int cumulative(int64_t *out, int64_t v, int64_t before, int64_t x, int64_t base)
{
	int64_t lo, hi;

	if (part(&lo, v, before, base) < 0 || part(&hi, v, before + x, base) < 0)
		return RECUR_EOVERFLOW;
	*out = hi - lo;
	return 0;
}

int billing_cn_share(struct billing_cn_share *out, const struct billing_cn_basis *b,
		     int64_t before, int64_t x, struct recur_err *e)
{
	int64_t upto;

	memset(out, 0, sizeof(*out));
	if (!b || b->base <= 0 || b->discount < 0 || b->n_taxes > BILLING_TAX_RATES_MAX)
		return fail(e, RECUR_EINVAL, NULL, "Nothing can be credited of this amount");
	if (x <= 0 || before < 0 || money_add(&upto, before, x) < 0 || upto > b->base)
		return fail(e, RECUR_EINVAL, "amount", "Cannot credit %lld of %lld when %lld was "
			    "credited already", (long long)x, (long long)b->base,
			    (long long)before);
	if (cumulative(&out->discount, b->discount, before, x, b->base) < 0)
		return overflow(e);
	out->n_taxes = b->n_taxes;
	for (size_t i = 0; i < b->n_taxes; i++) {
		const struct billing_cn_tax *t = &b->taxes[i];
		struct billing_cn_tax *o = &out->taxes[i];

		if (t->amount < 0 || t->taxable_amount < 0)
			return fail(e, RECUR_EINVAL, NULL, "A tax to credit is negative");
		o->rate = t->rate;
		o->inclusive = t->inclusive;
		if (cumulative(&o->amount, t->amount, before, x, b->base) < 0 ||
		    cumulative(&o->taxable_amount, t->taxable_amount, before, x, b->base) < 0 ||
		    money_add(o->inclusive ? &out->inclusive_tax : &out->exclusive_tax,
			      o->inclusive ? out->inclusive_tax : out->exclusive_tax, o->amount) < 0)
			return overflow(e);
	}
	return 0;
}

int billing_cn_quantity_amount(int64_t *out, int64_t line_amount, int64_t line_quantity,
			       int64_t quantity, struct recur_err *e)
{
	*out = 0;
	if (line_quantity <= 0 || line_amount <= 0)
		return fail(e, RECUR_EINVAL, "quantity", "This line cannot be credited by quantity");
	if (quantity < 1 || quantity > line_quantity)
		return fail(e, RECUR_EINVAL, "quantity", "The quantity to credit (%lld) must be "
			    "between 1 and the line's quantity (%lld)", (long long)quantity,
			    (long long)line_quantity);
	if (part(out, line_amount, quantity, line_quantity) < 0)
		return overflow(e);
	return 0;
}

void billing_cn_totals_init(struct billing_cn_totals *t)
{
	memset(t, 0, sizeof(*t));
}

/* Every derived total from the sums, checked. */
static int finish(struct billing_cn_totals *t, struct recur_err *e)
{
	if (money_sub(&t->subtotal_excluding_tax, t->subtotal, t->inclusive_tax) < 0 ||
	    money_sub(&t->total, t->subtotal, t->discount) < 0 ||
	    money_add(&t->total, t->total, t->exclusive_tax) < 0 ||
	    money_sub(&t->total_excluding_tax, t->total, t->inclusive_tax) < 0 ||
	    money_sub(&t->total_excluding_tax, t->total_excluding_tax, t->exclusive_tax) < 0)
		return overflow(e);
	return 0;
}

int billing_cn_totals_add(struct billing_cn_totals *t, int64_t amount,
			  const struct billing_cn_share *s, struct recur_err *e)
{
	if (amount < 0)
		return fail(e, RECUR_EINVAL, "amount", "A line's credit must not be negative");
	if (money_add(&t->subtotal, t->subtotal, amount) < 0 ||
	    money_add(&t->discount, t->discount, s->discount) < 0 ||
	    money_add(&t->inclusive_tax, t->inclusive_tax, s->inclusive_tax) < 0 ||
	    money_add(&t->exclusive_tax, t->exclusive_tax, s->exclusive_tax) < 0)
		return overflow(e);
	for (size_t i = 0; i < s->n_taxes; i++) {
		const struct billing_cn_tax *x = &s->taxes[i];
		size_t k;

		for (k = 0; k < t->n_taxes && t->taxes[k].rate != x->rate; k++)
			;
		if (k == t->n_taxes) {
			if (t->n_taxes == BILLING_TAX_RATES_MAX)
				return fail(e, RECUR_EINVAL, "lines", "A credit note can carry at most "
					    "%d tax rates", BILLING_TAX_RATES_MAX);
			t->taxes[k] = (struct billing_cn_tax){ .rate = x->rate,
							       .inclusive = x->inclusive };
			t->n_taxes++;
		}
		if (money_add(&t->taxes[k].amount, t->taxes[k].amount, x->amount) < 0 ||
		    money_add(&t->taxes[k].taxable_amount, t->taxes[k].taxable_amount,
			      x->taxable_amount) < 0)
			return overflow(e);
	}
	return finish(t, e);
}

int billing_cn_totals_of_amount(struct billing_cn_totals *t, const struct billing_cn_basis *inv,
				int64_t before, int64_t x, struct recur_err *e)
{
	struct billing_cn_share s;
	int64_t subtotal;
	int rc;

	billing_cn_totals_init(t);
	if ((rc = billing_cn_share(&s, inv, before, x, e)) < 0)
		return rc;
	/* total = subtotal - discount + exclusive tax = x, so subtotal is what is left. */
	if (money_add(&subtotal, x, s.discount) < 0 ||
	    money_sub(&subtotal, subtotal, s.exclusive_tax) < 0)
		return overflow(e);
	return billing_cn_totals_add(t, subtotal, &s, e);
}

int billing_cn_split(struct billing_cn_split *out, int64_t total, int64_t remaining,
		     int64_t refund, int64_t credit, int64_t out_of_band, struct recur_err *e)
{
	int64_t sum;

	memset(out, 0, sizeof(*out));
	if (total <= 0 || refund < 0 || credit < 0 || out_of_band < 0)
		return fail(e, RECUR_EINVAL, "amount", "A credit note's amounts must be positive");
	out->pre_payment = remaining <= 0 ? 0 : remaining < total ? remaining : total;
	out->post_payment = total - out->pre_payment;
	out->refund = refund;
	out->credit = credit;
	out->out_of_band = out_of_band;
	if (money_add(&sum, refund, credit) < 0 || money_add(&sum, sum, out_of_band) < 0)
		return overflow(e);
	if (sum < out->post_payment)
		return fail(e, RECUR_EINVAL, "out_of_band_amount", "The sum of refund_amount, "
			    "credit_amount and out_of_band_amount (%lld) must equal the credit note's "
			    "post-payment amount (%lld): the part of its total (%lld) beyond what the "
			    "invoice still owes (%lld)", (long long)sum,
			    (long long)out->post_payment, (long long)total,
			    (long long)out->pre_payment);
	if (sum > out->post_payment)
		return fail(e, RECUR_EINVAL, out_of_band ? "out_of_band_amount" : credit
			    ? "credit_amount" : "refund_amount", "The sum of refund_amount, "
			    "credit_amount and out_of_band_amount (%lld) exceeds the credit note's "
			    "post-payment amount (%lld): %lld of its total (%lld) lowers what the "
			    "invoice still owes", (long long)sum, (long long)out->post_payment,
			    (long long)out->pre_payment, (long long)total);
	return 0;
}

const char *billing_cn_type(const struct billing_cn_split *s)
{
	if (s->post_payment == 0)
		return "pre_payment";
	return s->pre_payment == 0 ? "post_payment" : "mixed";
}

int billing_cn_limit(int64_t invoice_total, int64_t credited, int64_t total,
		     struct recur_err *e)
{
	int64_t left;

	if (total <= 0)
		return fail(e, RECUR_EINVAL, "amount", "A credit note's amount must be positive");
	if (money_sub(&left, invoice_total, credited) < 0)
		return overflow(e);
	if (total > left)
		return fail(e, RECUR_EINVAL, "amount", "The credit note's total (%lld) is greater "
			    "than what the invoice can still be credited (%lld of its total %lld)",
			    (long long)total, (long long)(left > 0 ? left : 0),
			    (long long)invoice_total);
	return 0;
}
