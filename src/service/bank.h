/*
 * bank.h - bank reconciliation: payment references on send_invoice invoices,
 * camt.054 imports (POST /v1/bank_statements) and the payments no reference
 * matched (/v1/unmatched_payments).
 *
 * Payment references. Every send_invoice invoice gets one when it is
 * finalized: the next number of the tenant's (and mode's) counter as a
 * Norwegian KID MOD10 in its natural width (billing/payment_reference.h), kept
 * in invoices.payment_reference and rendered on the invoice. A per-tenant
 * format (MOD11, OCR, fixed length) is not configurable yet: the counter is
 * kept per format ("kid_mod10") so that one can be added without reuse.
 *
 * Import. Each credit transaction of the file (formats/camt054.h) is keyed by
 * the bank's reference: TxDtls AcctSvcrRef, else the entry's AcctSvcrRef and
 * the transaction's index, else the UETR, else the message, notification,
 * entry and index. A key already imported is a duplicate and changes nothing.
 * Entries not booked (Sts PDNG or INFO) are ignored and not recorded, so the
 * booked notification can come later. The reference matched is the
 * structured one (creditor_ref, then every CdtrRefInf), else any run of 2-25
 * digits in the unstructured text, against the payment_reference of an open
 * (or uncollectible) invoice in the payment's currency:
 *   exact     -> PAYMENT (bank), invoice paid              result "matched"
 *   under     -> PAYMENT, amount_paid/remaining updated,   result "partial"
 *                invoice stays open
 *   over      -> PAYMENT, invoice paid, the excess to the  result "overpaid"
 *                customer's balance (invoice_overpaid)
 *   otherwise -> UNMATCHED_PAYMENT, an unmatched payment   result "unmatched"
 * A reversal credit is never matched. The whole file is one transaction.
 */
#ifndef RECUR_SERVICE_BANK_H
#define RECUR_SERVICE_BANK_H

#include "service/service.h"

extern const struct store_table svc_bank_transactions_table;
extern const struct store_table svc_unmatched_payments_table;

/*
 * At finalization, inside the caller's transaction: gives a send_invoice
 * invoice (its row, changed in place, not written) its payment_reference if
 * it has none. Any other invoice is left alone.
 */
int svc_bank_payment_reference(struct svc *s, json_t *inv, struct recur_err *e);

/* POST /v1/bank_statements: p holds "file", the camt.054 XML text. */
int svc_bank_statement_import(json_t **out, struct svc *s, const json_t *p,
			      struct recur_err *e);

/* GET /v1/unmatched_payments (filter status), GET and assign one. */
int svc_unmatched_payment_list(json_t **out, struct svc *s, const json_t *p,
			       struct recur_err *e);
int svc_unmatched_payment_retrieve(json_t **out, struct svc *s, const char *id,
				   struct recur_err *e);
int svc_unmatched_payment_assign(json_t **out, struct svc *s, const char *id, const json_t *p,
				 struct recur_err *e);

#endif
