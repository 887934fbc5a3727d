/*
 * invoice.c - see invoice.h. Integer arithmetic only (scripts/lint.sh); every
 * sum is checked.
 */
#include "billing/invoice.h"

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
	return err_set(e, rc, 400, "invalid_request_error", "parameter_invalid", NULL,
		       "%s", msg);
}

static int check_input(const struct billing_invoice_input *in,
		       const struct billing_invoice_line_result *lines_out,
		       struct recur_err *e)
{
	size_t i;
	int rc = 0;

	if (!money_currency_find(in->currency)) {
		rc = fail(e, RECUR_EINVAL, "Unsupported invoice currency");
		goto done;
	}
	if (in->n_lines > 0 && (!in->lines || !lines_out)) {
		rc = fail(e, RECUR_EINVAL, "Invoice lines or their output storage are missing");
		goto done;
	}
	if (in->n_discounts > BILLING_DISCOUNTS_MAX) {
		rc = fail(e, RECUR_EINVAL, "An invoice takes at most %d discounts",
			  BILLING_DISCOUNTS_MAX);
		goto done;
	}
	if (in->n_discounts > 0 && !in->discounts) {
		rc = fail(e, RECUR_EINVAL, "Invoice discounts are missing");
		goto done;
	}
	for (i = 0; i < in->n_discounts; i++) {
		if (!in->discounts[i].coupon) {
			rc = fail(e, RECUR_EINVAL, "Discount %zu has no coupon", i);
			goto done;
		}
		if ((rc = billing_coupon_check(in->discounts[i].coupon, e)) < 0)
			goto done;
	}
	if (in->n_tax_rates > 0 && !in->tax_rates) {
		rc = fail(e, RECUR_EINVAL, "The invoice's tax rate table is missing");
		goto done;
	}
	if (in->n_default_tax_rates > BILLING_TAX_RATES_PER_LINE) {
		rc = fail(e, RECUR_EINVAL, "default_tax_rates takes at most %d rates",
			  BILLING_TAX_RATES_PER_LINE);
		goto done;
	}
	for (i = 0; i < in->n_lines; i++) {
		const struct billing_invoice_line *l = &in->lines[i];
		if (l->quantity < 0 || l->period_end < l->period_start ||
		    l->n_tax_rates > BILLING_TAX_RATES_PER_LINE) {
			rc = fail(e, RECUR_EINVAL,
				  "Line %zu: quantity must not be negative, the period must not "
				  "end before it starts, and at most %d tax rates apply", i,
				  BILLING_TAX_RATES_PER_LINE);
			goto done;
		}
	}
done:
	return rc;
}

/* A discount's allocation slots: its column of the discountable lines. */
struct column {
	const struct billing_invoice_line *lines;
	struct billing_invoice_line_result *out;
	size_t d;
};

static int64_t *column_slot(void *ctx, size_t i)
{
	struct column *c = ctx;

	return c->lines[i].discountable ? &c->out[i].discount_amounts[c->d] : NULL;
}

/*
 * Stripe applies several discounts one after another, each to what the
 * previous ones left, and shows each line's share of each discount. The share
 * is by largest remainder over what is left of each line (tax.amount holds it
 * while discounts are applied), so the lines add up to the discount exactly.
 */
static int apply_discount(struct billing_invoice_discount *out,
			  struct billing_invoice_line_result *lines_out,
			  const struct billing_invoice_input *in, size_t d,
			  struct recur_err *e)
{
	const struct billing_discount *disc = &in->discounts[d];
	struct column col = { .lines = in->lines, .out = lines_out, .d = d };
	int64_t base = 0, amount;
	size_t i;
	bool active;
	int rc;

	if ((rc = billing_discount_active(&active, disc, in->period_start)) < 0) {
		/* Only a repeating discount whose end is outside the calendar gets here. */
		rc = fail(e, RECUR_EINVAL, "Discount %zu ends outside the supported calendar", d);
		goto done;
	}
	if (!active || !billing_coupon_applies(disc->coupon, in->currency, NULL))
		goto done;
	for (i = 0; i < in->n_lines; i++) {
		if (!in->lines[i].discountable)
			continue;
		lines_out[i].discount_amounts[d] = lines_out[i].tax.amount;
		if ((rc = money_add(&base, base, lines_out[i].tax.amount)) < 0)
			goto done;
	}
	/*
	 * With percent_off <= 100 % and amount_off clamped to the base, the
	 * discount is a fraction in [0, 1] of the base, so no share outgrows what
	 * is left of its line and none of these can overflow; they are checked
	 * all the same.
	 */
	if ((rc = billing_discount_amount(&amount, disc->coupon, in->currency, base)) < 0 ||
	    (rc = billing_allocate_slots(amount, in->n_lines, column_slot, &col)) < 0)
		goto done;
	for (i = 0; i < in->n_lines && rc == 0; i++)
		rc = money_sub(&lines_out[i].tax.amount, lines_out[i].tax.amount,
			       lines_out[i].discount_amounts[d]);
	if (rc < 0)
		goto done;
	out->applied = true;
	out->amount = amount;
done:
	return rc;
}

/*
 * EN 16931 BR-CO-17 through tax.h; the lines are the tax members of the line
 * results, stride apart.
 */
static int compute_tax(struct billing_tax_result *out,
		       struct billing_invoice_line_result *lines_out,
		       const struct billing_invoice_input *in, struct recur_err *e)
{
	return billing_tax_compute(out, in->n_lines ? &lines_out[0].tax : NULL, in->n_lines,
				   sizeof(*lines_out), in->tax_rates, in->n_tax_rates, e);
}

/*
 * Stripe's customer balance at finalization: credit (negative) is used up to
 * the total, a debt (positive) is added to amount_due, and a negative total
 * goes to the balance as credit. All three are one rule on total + balance.
 */
static int apply_balance(struct billing_invoice *out)
{
	int64_t c;
	int rc;

	if ((rc = money_add(&c, out->total, out->starting_balance)) < 0)
		goto done;
	out->amount_due = c > 0 ? c : 0;
	out->ending_balance = c > 0 ? 0 : c;
	rc = money_sub(&out->applied_balance, out->ending_balance, out->starting_balance);
done:
	return rc;
}

int billing_invoice_assemble(struct billing_invoice *out,
			     struct billing_invoice_line_result *lines_out,
			     const struct billing_invoice_input *in,
			     struct recur_err *e)
{
	bool inclusive = false;
	size_t i, j, d;
	int rc;

	if ((rc = check_input(in, lines_out, e)) < 0)
		goto done;
	memset(out, 0, sizeof(*out));
	out->n_discounts = in->n_discounts;
	out->starting_balance = in->starting_balance;

	for (i = 0; i < in->n_lines; i++) {
		const struct billing_invoice_line *l = &in->lines[i];
		struct billing_invoice_line_result *r = &lines_out[i];
		memset(r, 0, sizeof(*r));
		r->tax.amount = l->amount;
		r->amount_excluding_tax = l->amount;
		/* Stripe: a line's own tax_rates replace the defaults, never add to them. */
		if (l->n_tax_rates > 0) {
			r->tax.n_rates = l->n_tax_rates;
			memcpy(r->tax.rates, l->tax_rates, sizeof(r->tax.rates));
		} else {
			r->tax.n_rates = in->n_default_tax_rates;
			memcpy(r->tax.rates, in->default_tax_rates, sizeof(r->tax.rates));
		}
		for (j = 0; j < r->tax.n_rates; j++)
			if (r->tax.rates[j] < in->n_tax_rates && in->tax_rates[r->tax.rates[j]].inclusive)
				inclusive = true;
		if ((rc = money_add(&out->subtotal, out->subtotal, l->amount)) < 0)
			goto done;
	}

	/*
	 * Stripe's amount_excluding_tax and subtotal_excluding_tax are before
	 * discounts, so an inclusive tax has to be taken out of the undiscounted
	 * amounts too: the same per-rate computation, once more, on them.
	 */
	if (inclusive) {
		if ((rc = compute_tax(&out->tax, lines_out, in, e)) < 0)
			goto done;
		for (i = 0; i < in->n_lines; i++)
			lines_out[i].amount_excluding_tax = lines_out[i].tax.net;
	}
	for (i = 0; i < in->n_lines; i++)
		if ((rc = money_add(&out->subtotal_excluding_tax, out->subtotal_excluding_tax,
				    lines_out[i].amount_excluding_tax)) < 0)
			goto done;

	for (d = 0; d < in->n_discounts; d++) {
		if ((rc = apply_discount(&out->discounts[d], lines_out, in, d, e)) < 0 ||
		    (rc = money_add(&out->total_discount, out->total_discount,
				    out->discounts[d].amount)) < 0)
			goto done;
	}

	/* Discounts come before tax: the tax is on what the customer pays. */
	if ((rc = compute_tax(&out->tax, lines_out, in, e)) < 0)
		goto done;

	if ((rc = money_sub(&out->total, out->subtotal, out->total_discount)) < 0 ||
	    (rc = money_add(&out->total, out->total, out->tax.exclusive)) < 0 ||
	    (rc = money_sub(&out->total_excluding_tax, out->total, out->tax.exclusive)) < 0 ||
	    (rc = money_sub(&out->total_excluding_tax, out->total_excluding_tax,
			    out->tax.inclusive)) < 0)
		goto done;
	rc = apply_balance(out);
done:
	if (rc == RECUR_EOVERFLOW)
		fail(e, rc, "Invoice amounts are too large");
	return rc;
}

int billing_invoice_net_amounts(int64_t *net, const int64_t *amounts, size_t n,
				const char *currency, int64_t period_start,
				const struct billing_discount *discounts, size_t n_discounts,
				struct recur_err *e)
{
	struct billing_invoice_line lines[BILLING_NET_AMOUNTS_MAX];
	struct billing_invoice_line_result results[BILLING_NET_AMOUNTS_MAX];
	struct billing_invoice inv;
	struct billing_invoice_input in = {
		.period_start = period_start, .lines = lines, .n_lines = n,
		.discounts = discounts, .n_discounts = n_discounts,
	};
	size_t i, d;
	int rc;

	if (n > BILLING_NET_AMOUNTS_MAX)
		return e ? err_set(e, RECUR_EINVAL, 400, "invalid_request_error",
				   "parameter_invalid", NULL, "At most %d amounts",
				   BILLING_NET_AMOUNTS_MAX) : RECUR_EINVAL;
	snprintf(in.currency, sizeof(in.currency), "%s", currency ? currency : "");
	for (i = 0; i < n; i++)
		lines[i] = (struct billing_invoice_line){ .amount = amounts[i], .discountable = true,
							  .period_start = period_start,
							  .period_end = period_start };
	if ((rc = billing_invoice_assemble(&inv, n ? results : NULL, &in, e)) < 0)
		return rc;
	for (i = 0; i < n; i++) {
		net[i] = amounts[i];
		for (d = 0; d < n_discounts; d++)
			net[i] -= results[i].discount_amounts[d];
	}
	return 0;
}
