/*
 * credit_note.h - credit notes (Stripe's /v1/credit_notes): part of a
 * finalized invoice taken back, by amount or by lines.
 *
 * On an open invoice a credit note first lowers what is still owed
 * (pre_payment_amount: amount_due and amount_remaining go down; an invoice
 * left owing nothing is paid); the rest (post_payment_amount) must be given
 * as refund_amount (recur refunds the invoice's charge), credit_amount (a
 * customer balance transaction of type credit_note, used by the next
 * invoice) and out_of_band_amount. Every credit note posts CREDIT_NOTE
 * (billing/ledger.h) under "credit_note:<cn>:issued" in the same
 * transaction, and a refund it makes posts only its payout. Voiding reverses
 * all of it. The arithmetic is billing/credit_note.h.
 *
 * The endpoint functions set *out to a new reference on success; on failure
 * *out is NULL, e names the parameter, and nothing was written.
 */
#ifndef RECUR_SERVICE_CREDIT_NOTE_H
#define RECUR_SERVICE_CREDIT_NOTE_H

#include "service/service.h"

extern const struct store_table svc_credit_notes_table;

/* POST /v1/credit_notes. */
int svc_credit_note_create(json_t **out, struct svc *s, const json_t *p, struct recur_err *e);
/* GET /v1/credit_notes/preview: the same parameters; nothing is written. */
int svc_credit_note_preview(json_t **out, struct svc *s, const json_t *p, struct recur_err *e);
/* GET /v1/credit_notes/preview/lines: the preview's lines, paged. */
int svc_credit_note_preview_lines(json_t **out, struct svc *s, const json_t *p,
				  struct recur_err *e);
int svc_credit_note_retrieve(json_t **out, struct svc *s, const char *id, struct recur_err *e);
/* memo and metadata only, as on Stripe. */
int svc_credit_note_update(json_t **out, struct svc *s, const char *id, const json_t *p,
			   struct recur_err *e);
/* issued -> void, reversing what it did. */
int svc_credit_note_void(json_t **out, struct svc *s, const char *id, const json_t *p,
			 struct recur_err *e);
/* GET /v1/credit_notes: customer, invoice. */
int svc_credit_note_list(json_t **out, struct svc *s, const json_t *p, struct recur_err *e);
/* GET /v1/credit_notes/:id/lines. */
int svc_credit_note_lines(json_t **out, struct svc *s, const char *id, const json_t *p,
			  struct recur_err *e);

#endif
