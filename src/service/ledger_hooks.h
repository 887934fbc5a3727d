/*
 * ledger_hooks.h - the receivables ledger's postings, one function per place
 * money moves: each builds its business event (billing/ledger.h) from the
 * objects the service already holds and posts it with svc_ledger_post_at,
 * inside the caller's open transaction, so the change and its entries commit
 * or roll back together. Each is one call at its site:
 *
 *   invoice.c          finalize_with           svc_ledger_invoice_finalized
 *   invoice_endpoints  step_void               svc_ledger_invoice_voided
 *                      step_uncollectible      svc_ledger_invoice_uncollectible
 *                      step_pay (out of band)  svc_ledger_invoice_paid_out_of_band
 *   payment_intent.c   svc_payment_attempt     svc_ledger_card_payment
 *   refund.c           svc_refund_create       svc_ledger_refund
 *   balance.c          every transaction       svc_ledger_balance_transaction
 *
 * Amounts are read from the stored objects (the invoice row's total,
 * amount_due, starting and ending balance, total_taxes), so a voided
 * invoice's reversal is computed exactly as its finalization was. Every
 * posting is dated at, the customer's now (its test clock's time when it
 * has one). A repeated call for the same fact writes nothing (source keys,
 * service/ledger.h). All return 0 or a negative error with e filled; the
 * caller then rolls its transaction back.
 */
#ifndef RECUR_SERVICE_LEDGER_HOOKS_H
#define RECUR_SERVICE_LEDGER_HOOKS_H

#include <stdint.h>

#include "service/invoice_internal.h"

/*
 * INVOICE_FINALIZED from c->inv as finalization leaves it (status open,
 * ending_balance set): receivables amount_due, customer credit the balance
 * it used, revenue and VAT per rate. Tax rates come through c's cache.
 */
int svc_ledger_invoice_finalized(struct svc *s, struct inv_ctx *c, int64_t at,
				 struct recur_err *e);

/*
 * INVOICE_VOIDED, the finalization's mirror. An invoice written off first
 * (marked_uncollectible_at set) has its write-off reversed before, as
 * WRITE_OFF_RECOVERED under the invoice's id ("payment:<in_id>:recovery"):
 * a void says the claim never was, so it is neither owed nor lost.
 */
int svc_ledger_invoice_voided(struct svc *s, struct inv_ctx *c, int64_t at,
			      struct recur_err *e);

/* WRITE_OFF of what the invoice still owes (amount_remaining), without VAT relief. */
int svc_ledger_invoice_uncollectible(struct svc *s, struct inv_ctx *c, int64_t at,
				     struct recur_err *e);

/*
 * An invoice paid outside recur, before svc_invoice_mark_paid: PAYMENT of
 * amount_remaining to the out_of_band account under the invoice's id (after
 * WRITE_OFF_RECOVERED when it had been written off), and marks c->inv
 * paid_out_of_band, which mark_paid then writes: recur verify counts such
 * an invoice as paid without a payment intent.
 */
int svc_ledger_invoice_paid_out_of_band(struct svc *s, struct inv_ctx *c, int64_t at,
					struct recur_err *e);

/*
 * A card charge that succeeded: PAYMENT under the payment intent's id to
 * payment_clearing. applied is what the invoice still owed (amount_remaining
 * of an open or uncollectible invoice, at most amount); a written-off
 * invoice is recovered first. Anything over goes to the customer's credit,
 * recorded as a balance transaction of type invoice_overpaid so that
 * customers.balance and the ledger move together. Call it before the
 * invoice is marked paid. inv is the invoice's row as the store holds it
 * (borrowed), or NULL: it is read.
 */
int svc_ledger_card_payment(struct svc *s, const char *payment_intent, const char *customer,
			    const char *invoice, const json_t *inv, int64_t amount,
			    const char *currency, struct recur_err *e);

/*
 * A refund of amount on charge (its row before the refund: amount_refunded
 * is what earlier refunds took). ledger.h has no refund-of-a-sale template
 * on purpose: the sale is taken back by a credit note "to refund", then the
 * refund pays it out. With no credit note object in recur yet, both post
 * under the refund's id: CREDIT_NOTE ("credit_note:<re_id>:issued") with
 * revenue and VAT in the invoice's proportions, then REFUND
 * ("refund:<re_id>") from refunds_payable to payment_clearing.
 */
int svc_ledger_refund(struct svc *s, const json_t *charge, const char *refund, int64_t amount,
		      int64_t at, struct recur_err *e);

/*
 * A customer balance transaction (its row). Only type adjustment posts
 * (BALANCE_ADJUSTMENT): the other types are the balance side of a posting
 * made elsewhere (applied_to_invoice and unapplied_from_invoice by the
 * invoice's finalization and void, invoice_overpaid by the payment).
 */
int svc_ledger_balance_transaction(struct svc *s, const json_t *txn, int64_t at,
				   struct recur_err *e);

/*
 * A bank transfer matched to inv (its row) by its payment reference: PAYMENT
 * under id (the bank transaction's id, "payment:<btx_id>") to bank, applied
 * up to what inv still owes (a written-off invoice is recovered first); the
 * excess goes to the customer's credit as a balance transaction of type
 * invoice_overpaid. *applied_out (may be NULL) gets the applied part. Call it
 * before the invoice's amounts change.
 */
int svc_ledger_bank_payment(struct svc *s, const char *id, const json_t *inv, int64_t amount,
			    const char *currency, int64_t at, int64_t *applied_out,
			    struct recur_err *e);

/* UNMATCHED_PAYMENT under the unmatched payment's id: Dr bank / Cr unapplied_cash. */
int svc_ledger_unmatched_payment(struct svc *s, const char *id, int64_t amount,
				 const char *currency, int64_t at, struct recur_err *e);

/*
 * UNMATCHED_ASSIGNED: the unmatched payment id (amount, in inv's currency)
 * given to inv, applied as svc_ledger_bank_payment applies, the excess to the
 * customer's credit (invoice_overpaid).
 */
int svc_ledger_unmatched_assigned(struct svc *s, const char *id, const json_t *inv,
				  int64_t amount, int64_t at, int64_t *applied_out,
				  struct recur_err *e);

#endif
