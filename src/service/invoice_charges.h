/*
 * invoice_charges.h - reminder fees and late-payment interest as lines of the
 * open invoice they chase (collection.c charges them at each reminder).
 *
 * recur adds a dunning charge to the invoice itself rather than to an
 * invoice of its own, so the customer keeps paying one amount under one
 * payment reference. The charge becomes a line (no parent, no tax: a
 * reminder fee and interest are compensation, outside VAT in Norway, Sweden
 * and Denmark) and raises subtotal, total, amount_due and amount_remaining;
 * the invoice keeps the running sums in reminder_fees and late_interest, so
 * the ledger can tell the sale from the charges when the invoice is voided
 * (ledger_hooks.c) and the totals stay the sum of the lines.
 */
#ifndef RECUR_SERVICE_INVOICE_CHARGES_H
#define RECUR_SERVICE_INVOICE_CHARGES_H

#include "service/invoice_internal.h"

enum svc_invoice_charge_kind {
	SVC_CHARGE_REMINDER_FEE,
	SVC_CHARGE_LATE_INTEREST
};

struct svc_invoice_charge {
	enum svc_invoice_charge_kind kind;
	int64_t amount;       /* > 0, minor units */
	int64_t seq;          /* >= 1: the reminder's number (the ledger source key's) */
	int64_t period_start; /* what the charge covers: the line's period */
	int64_t period_end;
	const char *description;
};

/*
 * Posts the charge to the ledger at `at` (REMINDER_FEE or LATE_INTEREST:
 * Dr receivables / Cr fees or interest), writes its line and updates c->inv
 * in memory (the caller saves the invoice in the same transaction). The
 * line is the newest, so it is listed first.
 */
int svc_invoice_charge_add(struct svc *s, struct inv_ctx *c, const struct svc_invoice_charge *ch,
			   int64_t at, struct recur_err *e);

#endif
