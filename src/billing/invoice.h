/*
 * invoice.h - invoice assembly: from lines, discounts, tax rates and the
 * customer's balance to every amount a Stripe invoice shows.
 *
 * Pure: no I/O, no clock (the invoice's period start is an argument), no
 * allocation. The caller owns every input and provides the per-line output
 * storage; the invoice totals are fixed-size arrays in struct billing_invoice.
 * Same input, same output.
 *
 * The order, as Stripe applies it:
 *   1. subtotal = sum of the line amounts (before discounts; lines with
 *      inclusive tax count with their tax, as Stripe's subtotal does).
 *   2. Discounts, in the order given, each on what the previous ones left of
 *      the discountable lines (discount.h), spread over those lines by
 *      largest remainder: lines[i].discount_amounts.
 *   3. Tax on the discounted lines, per rate on sums (tax.h, EN 16931
 *      BR-CO-17), spread back over the lines: lines[i].tax.
 *   4. total = subtotal - discounts + exclusive tax.
 *   5. The customer's balance (amount_due below).
 */
#ifndef RECUR_BILLING_INVOICE_H
#define RECUR_BILLING_INVOICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "billing/discount.h"
#include "billing/tax.h"

struct recur_err;

struct billing_invoice_line {
	/*
	 * The line's amount in minor units: unit price times quantity as
	 * billing/price_eval computes it, or a proration. Negative for a credit
	 * (unused time). Contains the line's inclusive taxes, if any.
	 */
	int64_t amount;
	int64_t quantity;     /* carried for the caller, >= 0; not multiplied again */
	bool discountable;    /* invoice-level discounts apply to this line */
	bool proration;       /* carried for the caller */
	int64_t period_start; /* carried; start <= end */
	int64_t period_end;
	/* The line's own tax rates (indices into the input's table); none: the defaults. */
	size_t n_tax_rates;
	size_t tax_rates[BILLING_TAX_RATES_PER_LINE];
};

struct billing_invoice_input {
	char currency[4]; /* ISO 4217, any letter case */
	/*
	 * The start of the period the invoice bills: decides whether a
	 * repeating discount still applies (billing_discount_active).
	 */
	int64_t period_start;
	const struct billing_invoice_line *lines;
	size_t n_lines;
	/* The customer's and subscription's discounts, in the order to apply them. */
	const struct billing_discount *discounts;
	size_t n_discounts; /* <= BILLING_DISCOUNTS_MAX */
	/* The rate table every index refers to. */
	const struct billing_tax_rate *tax_rates;
	size_t n_tax_rates; /* <= BILLING_TAX_RATES_MAX */
	/* For lines without rates of their own (Stripe's default_tax_rates). */
	size_t n_default_tax_rates;
	size_t default_tax_rates[BILLING_TAX_RATES_PER_LINE];
	/*
	 * The customer's balance before this invoice, Stripe's convention:
	 * negative is credit the customer has, positive is an amount they owe.
	 */
	int64_t starting_balance;
};

/* Per line, in the order of the input lines. */
struct billing_invoice_line_result {
	/* [d]: what input discount d took off this line; 0 where it did not apply. */
	int64_t discount_amounts[BILLING_DISCOUNTS_MAX];
	/*
	 * Stripe's amount_excluding_tax, "excluding all tax and discounts": the
	 * amount less the inclusive tax it would carry undiscounted. Equal to
	 * amount when the line has no inclusive rate.
	 */
	int64_t amount_excluding_tax;
	/*
	 * tax.amount is the line's amount after discounts, tax.rates the rates
	 * that applied (its own or the defaults), tax.net the discounted amount
	 * without inclusive tax and tax.amounts[j] rate j's share (tax.h).
	 */
	struct billing_tax_line tax;
};

/* One input discount's total, Stripe's total_discount_amounts. */
struct billing_invoice_discount {
	bool applied;   /* active, and applicable in the invoice currency */
	int64_t amount; /* 0 when not applied */
};

struct billing_invoice {
	int64_t subtotal;               /* sum of line amounts */
	int64_t subtotal_excluding_tax; /* sum of line amount_excluding_tax */
	int64_t total_discount;         /* sum of the discounts */
	size_t n_discounts;             /* = input n_discounts; [d] matches input d */
	struct billing_invoice_discount discounts[BILLING_DISCOUNTS_MAX];
	struct billing_tax_result tax;  /* total_tax_amounts and the two tax sums */
	int64_t total;                  /* subtotal - total_discount + tax.exclusive */
	int64_t total_excluding_tax;    /* total - all tax */

	int64_t starting_balance;
	/*
	 * The change this invoice makes to the customer's balance,
	 * ending_balance - starting_balance: positive when credit is used up,
	 * negative when a debt is collected or a negative total is credited. It
	 * is the customer balance transaction finalization posts.
	 */
	int64_t applied_balance;
	int64_t ending_balance;
	int64_t amount_due; /* total - applied_balance, never negative */
};

/*
 * Assembles an invoice. lines_out has in->n_lines entries (caller storage,
 * may be NULL when there are none); out and lines_out are overwritten.
 *
 * Discounts: each input discount applies if billing_discount_active at
 * in->period_start and billing_coupon_applies in in->currency; one that does
 * not (an expired repeating discount, a used "once", an amount_off coupon in
 * another currency) is skipped with applied = false rather than failing the
 * invoice: a renewal must not stop because a coupon from another currency was
 * attached; the service rejects that when it is attached. A "once" discount
 * is used when applied is true; counting it (times_applied) is the caller's.
 *
 * The balance, as Stripe applies it at finalization: with b the starting
 * balance and c = total + b,
 *   c > 0   amount_due = c, ending_balance = 0 (credit used up to the total,
 *           a debt added to what is due);
 *   c <= 0  amount_due = 0, ending_balance = c (the credit left, or a negative
 *           total credited to the customer).
 * Credit -150.00 on a 100.00 invoice: due 0, ending -50.00; the next 100.00
 * invoice: due 50.00, ending 0.
 *
 * Returns 0; RECUR_EINVAL for bad input (unknown currency, too many discounts
 * or rates, a malformed coupon or rate, a bad rate index, a negative quantity,
 * a period that ends before it starts, a repeating discount whose end is
 * outside the calendar range), with a message in e if e is not NULL
 * (e->param left empty); RECUR_EOVERFLOW if any amount leaves int64. On error
 * *out and lines_out are unspecified.
 */
int billing_invoice_assemble(struct billing_invoice *out,
			     struct billing_invoice_line_result *lines_out,
			     const struct billing_invoice_input *in,
			     struct recur_err *e);

/* The most amounts billing_invoice_net_amounts takes. */
#define BILLING_NET_AMOUNTS_MAX 40

/*
 * net[i] = amounts[i] less its share of every discount an invoice of those
 * amounts alone (all discountable, no tax) at period_start in currency would
 * take, shared out as billing_invoice_assemble shares them (largest
 * remainder). Stripe prorates these discounted amounts: a proration's line
 * carries the discount already. n <= BILLING_NET_AMOUNTS_MAX. Errors as
 * billing_invoice_assemble.
 */
int billing_invoice_net_amounts(int64_t *net, const int64_t *amounts, size_t n,
				const char *currency, int64_t period_start,
				const struct billing_discount *discounts, size_t n_discounts,
				struct recur_err *e);

#endif
