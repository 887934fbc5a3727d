/*
 * invoiceitem.h - invoice items: one-off charges and credits for a customer
 * (Stripe's InvoiceItem). A pending item (invoice null) waits for the
 * customer's next invoice; an item created with invoice lands on that draft.
 * Prorations of subscriptions are invoice items too
 * (svc_invoiceitem_create_internal, declared in invoice.h).
 *
 * The endpoint functions set *out to a new reference (json_decref) on success;
 * on failure *out is NULL, e says why, and nothing was written.
 */
#ifndef RECUR_SERVICE_INVOICEITEM_H
#define RECUR_SERVICE_INVOICEITEM_H

#include "service/service.h"

extern const struct store_table svc_invoiceitems_table;

int svc_invoiceitem_create(json_t **out, struct svc *s, const json_t *p, struct recur_err *e);
int svc_invoiceitem_retrieve(json_t **out, struct svc *s, const char *id, struct recur_err *e);
/* Items that are pending or on a draft invoice; others are part of a finalized invoice. */
int svc_invoiceitem_update(json_t **out, struct svc *s, const char *id, const json_t *p,
			   struct recur_err *e);
int svc_invoiceitem_delete(json_t **out, struct svc *s, const char *id, struct recur_err *e);
/* Filters customer, invoice, pending (true: invoice is null), created. */
int svc_invoiceitem_list(json_t **out, struct svc *s, const json_t *p, struct recur_err *e);

/* Stripe's invoiceitem object from an item row (new reference; reads tax rates). */
json_t *svc_invoiceitem_render(struct svc *s, const json_t *item);

#endif
