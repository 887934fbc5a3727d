/*
 * credit_note.h - the arithmetic of a credit note (Stripe's /v1/credit_notes):
 * what crediting part of an invoice line, or of a whole invoice, takes back
 * in discount and tax, the credit note's totals, how its total splits into
 * the part that lowers what the invoice still owes and the part paid back,
 * and the limit of what an invoice can be credited.
 *
 * Pure: no I/O, no clock, no allocation; all storage is the caller's.
 * Arithmetic is checked (RECUR_EOVERFLOW).
 *
 * ROUNDING. A share of a discount or a tax is taken cumulatively: crediting
 * x of a base of which `before` was credited already takes
 *
 *     round(v * (before + x) / base) - round(v * before / base)
 *
 * of every amount v (discount, each rate's tax and taxable amount), each
 * round MONEY_ROUND_HALF_UP. Credit notes that together credit the whole
 * base therefore take back exactly v, however they round one by one (the
 * refund posting uses the same rule, service/ledger_hooks.c).
 *
 * SIGNS. Every amount here is a positive credit: a credit note of 125.00
 * has total 125; the invoice's amounts go down by it.
 */
#ifndef RECUR_BILLING_CREDIT_NOTE_H
#define RECUR_BILLING_CREDIT_NOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "billing/tax.h"

struct recur_err;

/* One rate's tax on a basis or a share. */
struct billing_cn_tax {
	size_t rate;            /* the caller's index (its table of tax rate ids) */
	bool inclusive;
	int64_t taxable_amount; /* >= 0 */
	int64_t amount;         /* >= 0 */
};

/*
 * What shares are taken from: an invoice line (base = the line's amount,
 * Stripe's gross amount without exclusive tax and before discounts), or a
 * whole invoice (base = its total, with tax, after discounts).
 */
struct billing_cn_basis {
	int64_t base;     /* > 0 */
	int64_t discount; /* >= 0: the discount on the base */
	size_t n_taxes;
	struct billing_cn_tax taxes[BILLING_TAX_RATES_MAX];
};

/* What crediting x of a basis takes back. */
struct billing_cn_share {
	int64_t discount;
	size_t n_taxes; /* as the basis, same order */
	struct billing_cn_tax taxes[BILLING_TAX_RATES_MAX];
	int64_t inclusive_tax; /* sums of taxes[] by kind */
	int64_t exclusive_tax;
};

/*
 * The share of x out of b, of which before was credited already (ROUNDING
 * above). RECUR_EINVAL unless 0 < x, 0 <= before, before + x <= b->base and
 * b is well formed (base > 0, discount >= 0, non-negative taxes, n_taxes <=
 * BILLING_TAX_RATES_MAX); RECUR_EOVERFLOW.
 */
int billing_cn_share(struct billing_cn_share *out, const struct billing_cn_basis *b,
		     int64_t before, int64_t x, struct recur_err *e);

/*
 * The amount credited for quantity units of a line of line_quantity units
 * costing line_amount: line_amount * quantity / line_quantity,
 * MONEY_ROUND_HALF_UP (Stripe: "the quantity times the unit price"; the unit
 * price of a prorated line need not be whole). RECUR_EINVAL unless
 * line_quantity > 0, line_amount > 0 and 1 <= quantity <= line_quantity.
 */
int billing_cn_quantity_amount(int64_t *out, int64_t line_amount, int64_t line_quantity,
			       int64_t quantity, struct recur_err *e);

/* A credit note's amounts, in Stripe's terms. */
struct billing_cn_totals {
	int64_t subtotal;               /* sum of the line amounts (without exclusive tax, before discounts) */
	int64_t subtotal_excluding_tax; /* subtotal - inclusive tax */
	int64_t discount;               /* discount_amount: the discount credited back */
	int64_t total;                  /* subtotal - discount + exclusive tax: Stripe's amount and total */
	int64_t total_excluding_tax;    /* total - every tax */
	int64_t inclusive_tax;
	int64_t exclusive_tax;
	size_t n_taxes;                 /* per rate index, in order of first appearance */
	struct billing_cn_tax taxes[BILLING_TAX_RATES_MAX];
};

void billing_cn_totals_init(struct billing_cn_totals *t);

/*
 * Adds one line: amount (its subtotal part, >= 0) and the share it takes
 * back. Taxes of the same rate index merge. RECUR_EINVAL past
 * BILLING_TAX_RATES_MAX rates, RECUR_EOVERFLOW; t is then unspecified.
 */
int billing_cn_totals_add(struct billing_cn_totals *t, int64_t amount,
			  const struct billing_cn_share *s, struct recur_err *e);

/*
 * A credit note of a whole invoice by its total alone (Stripe's `amount`
 * without `lines`): x of the invoice basis inv (base = the invoice's total)
 * of which before was credited that way already. The discount and taxes are
 * the invoice's in proportion (billing_cn_share); the subtotal is what makes
 * total = x. Fills t (initialised here).
 */
int billing_cn_totals_of_amount(struct billing_cn_totals *t, const struct billing_cn_basis *inv,
				int64_t before, int64_t x, struct recur_err *e);

/* How a credit note's total is settled (Stripe's pre/post payment split). */
struct billing_cn_split {
	int64_t pre_payment;  /* lowers the invoice's amount_remaining and amount_due */
	int64_t post_payment; /* = refund + credit + out_of_band */
	int64_t refund;
	int64_t credit;
	int64_t out_of_band;
};

/*
 * Stripe's rule: the credit note first lowers what the invoice still owes
 * (remaining, its amount_remaining; 0 for a paid invoice), not below zero;
 * the rest must be given exactly as refund + credit + out_of_band. A sum
 * short of it is a RECUR_EINVAL on "out_of_band_amount" (Stripe requires it
 * since 2019-12-03 instead of filling the difference in); a sum over it names
 * the last of refund_amount, credit_amount, out_of_band_amount given. e->param
 * is set. Amounts must be >= 0 and total > 0.
 */
int billing_cn_split(struct billing_cn_split *out, int64_t total, int64_t remaining,
		     int64_t refund, int64_t credit, int64_t out_of_band, struct recur_err *e);

/* "pre_payment", "post_payment" or "mixed" for a split. Static. */
const char *billing_cn_type(const struct billing_cn_split *s);

/*
 * What an invoice of invoice_total can still be credited, credited being
 * what its issued credit notes and its refunds made outside them took
 * already: 0 if total fits (0 < total <= invoice_total - credited), else
 * RECUR_EINVAL on "amount" with the numbers in the message.
 */
int billing_cn_limit(int64_t invoice_total, int64_t credited, int64_t total,
		     struct recur_err *e);

#endif
