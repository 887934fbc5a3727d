/*
 * invoice.h - invoices: assembly, the lifecycle, and what other services need.
 *
 * An invoice is assembled from lines (a subscription's items for a period,
 * prorations) plus the customer's pending invoice items, priced by the billing
 * core (billing/invoice.h: discounts, tax per rate on sums, the customer's
 * balance). Its lifecycle is draft -> open -> paid | void | uncollectible.
 * Numbers are gapless per tenant series ("RCR-0001"), taken at finalization in
 * the finalizing transaction.
 */
#ifndef RECUR_SERVICE_INVOICE_H
#define RECUR_SERVICE_INVOICE_H

#include <stdbool.h>

#include "service/service.h"

extern const struct store_table svc_invoices_table;
extern const struct store_table svc_invoice_lines_table;

/* One line a caller (a subscription) puts on a new invoice. */
struct svc_invoice_line {
	int64_t amount;            /* minor units; negative for a credit (unused time) */
	int64_t quantity;
	const char *description;   /* "1 × Pro (at 299.00 / month)", "Unused time on ..." */
	const char *price;         /* price id, or NULL */
	const char *subscription_item; /* si_..., or NULL */
	int64_t period_start;
	int64_t period_end;
	bool proration;
	bool discountable;
	const json_t *tax_rates;   /* array of txr_ ids, or NULL for the invoice's defaults */
};

/* What to invoice. Borrowed pointers live for the call. */
struct svc_invoice_spec {
	const char *customer;
	const char *subscription;      /* or NULL */
	const char *billing_reason;    /* subscription_create | subscription_cycle |
					  subscription_update | subscription_cancel | manual */
	const char *currency;
	const char *collection_method; /* charge_automatically | send_invoice */
	int64_t days_until_due;        /* send_invoice: due_date = finalized + days */
	int64_t period_start;
	int64_t period_end;
	int64_t now;                   /* the customer's now (its test clock's time) */
	const json_t *default_tax_rates; /* array of txr_ ids, or NULL */
	const json_t *discounts;       /* array of di_ ids applying, in order, or NULL */
	const char *dedupe_key;        /* makes the invoice exactly-once, or NULL */
	bool include_pending_items;    /* take the customer's pending invoice items */
	bool finalize;                 /* finalize now (auto_advance) */
	bool hold;                     /* with !finalize: a draft with auto_advance false, which
					  nothing finalizes on its own (pause_collection) */
	const struct svc_invoice_line *lines;
	size_t n_lines;
	const char *description;
};

/*
 * Creates (and, with spec->finalize, finalizes) an invoice inside the caller's
 * open transaction, with its events. *out is the rendered invoice (new
 * reference). When spec->dedupe_key names an invoice that exists already, that
 * invoice is returned and nothing is written: a renewal run twice bills once.
 */
int svc_invoice_create_internal(json_t **out, struct svc *s, const struct svc_invoice_spec *spec,
				struct recur_err *e);
/* The same without rendering: id (cap >= IDS_MAX bytes) gets the invoice's id. */
int svc_invoice_create_id(char *id, size_t cap, struct svc *s,
			  const struct svc_invoice_spec *spec, struct recur_err *e);

/*
 * Whether the customer has pending invoice items in currency that an invoice
 * of subscription (NULL: of no subscription) would take.
 */
int svc_invoice_has_pending(bool *out, struct svc *s, const char *customer,
			    const char *subscription, const char *currency, struct recur_err *e);

/* Assembles the invoice spec would create, writing nothing (create_preview). */
int svc_invoice_preview_internal(json_t **out, struct svc *s, const struct svc_invoice_spec *spec,
				 struct recur_err *e);

/*
 * Adds a pending invoice item (e.g. a proration under create_prorations) inside
 * the caller's transaction; it lands on the customer's next invoice.
 */
int svc_invoiceitem_create_internal(json_t **out, struct svc *s, const char *customer,
				    const char *subscription, const char *currency,
				    const struct svc_invoice_line *line, struct recur_err *e);

/*
 * An open invoice brought over from another system (invoice_opening.c,
 * docs/import.md): p holds customer (id), reference (the old system's key:
 * once per customer and reference), amount (> 0, minor units), currency,
 * due_date, and optionally number (the old invoice number, shown on its
 * line), payment_reference (its KID/OCR, digits) and description. Finalized
 * at once, posted against adjustments, not revenue.
 */
int svc_invoice_opening(json_t **out, enum svc_outcome *outcome, struct svc *s,
			const json_t *p, struct recur_err *e);

/* The endpoints. */
int svc_invoice_create(json_t **out, struct svc *s, const json_t *p, struct recur_err *e);
int svc_invoice_retrieve(json_t **out, struct svc *s, const char *id, struct recur_err *e);
int svc_invoice_update(json_t **out, struct svc *s, const char *id, const json_t *p,
		       struct recur_err *e);
int svc_invoice_delete(json_t **out, struct svc *s, const char *id, struct recur_err *e);
int svc_invoice_list(json_t **out, struct svc *s, const json_t *p, struct recur_err *e);
int svc_invoice_lines(json_t **out, struct svc *s, const char *id, const json_t *p,
		      struct recur_err *e);
int svc_invoice_finalize(json_t **out, struct svc *s, const char *id, const json_t *p,
			 struct recur_err *e);
int svc_invoice_pay(json_t **out, struct svc *s, const char *id, const json_t *p,
		    struct recur_err *e);
int svc_invoice_void(json_t **out, struct svc *s, const char *id, const json_t *p,
		     struct recur_err *e);
int svc_invoice_mark_uncollectible(json_t **out, struct svc *s, const char *id,
				   const json_t *p, struct recur_err *e);
int svc_invoice_send(json_t **out, struct svc *s, const char *id, const json_t *p,
		     struct recur_err *e);

/*
 * Inside the caller's transaction, dated at: open -> void, with the rules of
 * svc_invoice_void (the credit it used given back, the finalization's
 * postings mirrored), or open -> uncollectible (written off). For services
 * that close an invoice as part of due work, where the invoice's test clock
 * does not show the step's time yet (pause_collection). A 400 like the
 * endpoints' when the invoice is not open.
 */
int svc_invoice_void_at(struct svc *s, const char *id, int64_t at, struct recur_err *e);
int svc_invoice_mark_uncollectible_at(struct svc *s, const char *id, int64_t at,
				      struct recur_err *e);

#endif
