/*
 * credit_note_internal.h - what credit_note_build.c (reading the request
 * and computing the credit note, writing nothing) and credit_note.c (the
 * lifecycle, rendering) share.
 */
#ifndef RECUR_SERVICE_CREDIT_NOTE_INTERNAL_H
#define RECUR_SERVICE_CREDIT_NOTE_INTERNAL_H

#include "core/ids.h"
#include "service/credit_note.h"
#include "service/invoice_internal.h"

/* Lines a credit note takes (recur's cap; the lines live on the row). */
#define CN_LINES_MAX 100
/* Lines embedded in a rendered credit note; the rest is behind /lines. */
#define CN_EMBEDDED_LINES 10

/* A credit note computed from a request, before anything is written. */
struct cn_plan {
	struct inv_ctx inv; /* its invoice with every line; inv.rates caches tax rates (owned) */
	json_t *row;        /* the credit note's row, bookkeeping included (owned) */
	char charge[IDS_MAX]; /* the charge refund_amount goes back to ("" when none) */
	const char *refund_reason; /* Stripe's refund reason for it (static, may be NULL) */
};

/*
 * Reads the create (or preview) parameters p and computes the credit note
 * against its invoice as it is now, inside the caller's transaction, writing
 * nothing. Every refusal is a 400 naming its parameter.
 */
int cn_plan_build(struct cn_plan *out, struct svc *s, const json_t *p, struct recur_err *e);
void cn_plan_free(struct cn_plan *p);

/* Stripe's credit_note object from a row (new reference). */
json_t *cn_render(const json_t *row, int livemode);

#endif
