/*
 * invoice_internal.h - what invoice.c (the model), invoice_endpoints.c,
 * invoice_render.c and invoiceitem.c share and nobody else needs.
 *
 * An invoice in memory is a struct inv_ctx: its row and its line rows as the
 * store keeps them ("raw": recur's bookkeeping columns included, tax rates as
 * ids). Rendering turns them into Stripe's shapes without touching the raw
 * objects, so a raw object can always be written back with store_obj_update.
 */
#ifndef RECUR_SERVICE_INVOICE_INTERNAL_H
#define RECUR_SERVICE_INVOICE_INTERNAL_H

#include <stdbool.h>
#include <string.h>

#include "service/invoice.h"

/* Lines embedded in a rendered invoice; the rest is behind /lines. */
#define INV_EMBEDDED_LINES 10
/* Rows read per query when every line or pending item is needed. */
#define INV_ITEMS_PAGE 500

static inline const char *inv_str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static inline int64_t inv_num(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

static inline bool inv_status_is(const json_t *inv, const char *status)
{
	const char *st = inv_str(inv, "status");
	return st && strcmp(st, status) == 0;
}

struct inv_ctx {
	json_t *inv;   /* the invoice row (owned) */
	json_t *lines; /* its line rows in display order, newest seq first (owned) */
	bool all_lines;    /* lines holds every line, not just the first page */
	json_t *rates; /* tax rate id -> rendered tax rate, a cache (owned, may be NULL) */
};

void svc_invoice_ctx_free(struct inv_ctx *c);

/*
 * Loads an invoice that is not deleted, with every line (all_lines) or with
 * the first INV_EMBEDDED_LINES + 1 (enough to render it).
 */
int svc_invoice_ctx_load(struct inv_ctx *c, struct svc *s, const char *id, bool all_lines,
			 struct recur_err *e);

/* A tax rate, rendered, through the context's cache (borrowed from the cache). */
int svc_invoice_rate(const json_t **out, struct inv_ctx *c, struct svc *s, const char *id,
		     struct recur_err *e);

/* Stripe's invoice object (new reference); writes nothing, reads tax rates. */
json_t *svc_invoice_render(struct svc *s, struct inv_ctx *c);
/* Stripe's line_item object from a line row (new reference). */
json_t *svc_invoice_line_render(const json_t *line, int livemode);

/*
 * Puts an invoice item on its draft invoice, or takes it off (removed), and
 * recomputes the draft's totals, inside the caller's transaction, appending
 * invoice.updated. item is the item's row. A non-draft invoice is a 400 on
 * param_name.
 */
int svc_invoice_sync_item(struct svc *s, const char *invoice, const json_t *item, bool removed,
			  const char *param_name, struct recur_err *e);

/*
 * amount / quantity as Stripe's unit_amount_decimal string, to twelve places,
 * half up (display only: the amount is what is billed). null for quantity 0.
 */
json_t *svc_invoice_unit_decimal(int64_t amount, int64_t quantity);

/* A 400 invoice_unexpected_state: what, and the invoice's id and status. */
int svc_invoice_state_error(struct recur_err *e, const json_t *inv, const char *what);

/* An invoice's lines in display order: every one (all) or the first page. */
int svc_invoice_load_lines(json_t **out, struct svc *s, const char *invoice, bool all,
			   struct recur_err *e);

/*
 * The customer's pending items for an invoice in currency (NULL: any): those
 * without a subscription, and subscription's if not NULL. New array, newest first.
 */
int svc_invoice_pending_items(json_t **out, struct svc *s, const char *customer,
			      const char *subscription, const char *currency,
			      struct recur_err *e);

/*
 * Builds, writing nothing, the draft spec describes into c (the row and its
 * lines, assembled with the customer's balance); *items_out (may be NULL)
 * gets the pending items taken. preview: ids for create_preview.
 */
int svc_invoice_build(struct inv_ctx *c, json_t **items_out, struct svc *s,
		      const struct svc_invoice_spec *spec, const char *id, const json_t *customer,
		      bool preview, struct recur_err *e);
/* Writes a built draft, its lines, and marks its items as on it. */
int svc_invoice_insert(struct inv_ctx *c, const json_t *items, struct svc *s,
		       struct recur_err *e);
/* Appends an event carrying the rendered invoice. */
int svc_invoice_event(struct svc *s, struct inv_ctx *c, const char *type, const json_t *prev,
		      struct recur_err *e);
/* Reassembles a draft (every line loaded) with the customer's balance and writes it. */
int svc_invoice_recompute(struct inv_ctx *c, struct svc *s, struct recur_err *e);
/* draft -> open (-> paid when nothing is due), with number, balance and events. */
int svc_invoice_finalize_ctx(struct inv_ctx *c, struct svc *s, int64_t now,
			     struct recur_err *e);
/* open | uncollectible -> paid, with its events and the subscription's hook. */
int svc_invoice_mark_paid(struct inv_ctx *c, struct svc *s, int64_t now, struct recur_err *e);
/* The invoice's now: its customer's test clock time, or s->now. */
int svc_invoice_now(int64_t *out, struct svc *s, const json_t *inv, struct recur_err *e);
/* Sets status_transitions[key] = at. */
void svc_invoice_transition(json_t *inv, const char *key, int64_t at);

/* Checks a list of tax rate ids (at most 5, distinct, existing, active). */
int svc_invoice_check_rates(struct svc *s, const json_t *ids, const char *param,
			    struct recur_err *e);

#endif
