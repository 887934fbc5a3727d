/*
 * api.h - what an endpoint handler sees, and the route tables.
 *
 * One file per resource (customers.c, prices.c, ...) exports a route table;
 * router.c lists the tables. A handler receives the call (its service context
 * with tenant and mode already chosen, the decoded parameters and the path's
 * ids), sets *out to the object to render, and returns 0 or fills e.
 */
#ifndef RECUR_API_API_H
#define RECUR_API_API_H

#include <jansson.h>

#include "core/err.h"
#include "service/audit.h"
#include "service/service.h"

#define API_VERSION "2026-10-28.endive" /* the version the pinned stripe package sends */

struct api_call {
	struct svc svc;
	const char *method;
	const char *path;
	const json_t *params; /* decoded query or body, "expand" removed */
	const json_t *expand; /* array of strings, or NULL */
	const char *id;       /* first ":id" of the route pattern */
	const char *id2;      /* second one, for nested resources */
	int status;           /* HTTP status of a success; 200 unless the handler says */
	/*
	 * A GET that answers a file instead of JSON (a CSV export) sets raw
	 * (malloc'd text, taken over by the server), its Content-Type and the
	 * file name it is downloaded as.
	 */
	char *raw;
	const char *raw_type;
	char raw_filename[128];
};

typedef int (*api_handler)(json_t **out, struct api_call *c, struct recur_err *e);

enum { API_NO_PARAMS = 1 }; /* the endpoint takes no parameters besides expand */

struct api_route {
	const char *method;  /* GET, POST, DELETE */
	const char *pattern; /* "/v1/customers/:id"; ":x" matches one path segment */
	api_handler fn;
	unsigned flags;
};

/* Route tables, each ended by an entry whose method is NULL. */
extern const struct api_route api_customer_routes[];
extern const struct api_route api_product_routes[];
extern const struct api_route api_price_routes[];
extern const struct api_route api_coupon_routes[];
extern const struct api_route api_tax_rate_routes[];
extern const struct api_route api_event_routes[];
extern const struct api_route api_test_clock_routes[];
extern const struct api_route api_subscription_routes[];
extern const struct api_route api_promotion_code_routes[];
extern const struct api_route api_invoice_preview_routes[];
extern const struct api_route api_invoice_routes[];
extern const struct api_route api_invoiceitem_routes[];
extern const struct api_route api_customer_balance_routes[];
extern const struct api_route api_ledger_routes[];
extern const struct api_route api_settings_routes[];
extern const struct api_route api_email_routes[];
extern const struct api_route api_bank_routes[];
extern const struct api_route api_payment_method_routes[], api_payment_intent_routes[],
	api_charge_routes[], api_refund_routes[];
extern const struct api_route api_credit_note_routes[];
extern const struct api_route api_subscription_schedule_routes[];
extern const struct api_route api_plan_family_routes[];
extern const struct api_route api_webhook_routes[];
extern const struct api_route api_import_routes[];
extern const struct api_route api_audit_log_routes[];

/*
 * The audit entry of a changing request (audit_log.c, service/audit.h).
 * api_audit_begin, when its transaction begins, takes the mark and reads the
 * object the path names (the GET of the path up to its first id) as it is
 * before the change; api_audit_record writes the entry before the commit,
 * with the route's pattern for the action, the key's id, the status answered
 * and the object answered (may be NULL: the path's id then). It returns 1
 * when the request changed nothing and has no entry: a preview, a request
 * that wrote no row, a 402 that kept no attempt. api_audit_free releases
 * what begin took (a zeroed struct is fine).
 */
struct api_audit {
	struct svc_audit_mark mark;
	json_t *before;
};

int api_audit_begin(struct api_audit *a, struct api_call *c, const char *pattern,
		    struct recur_err *e);
int api_audit_record(const struct api_audit *a, struct api_call *c, const char *pattern,
		     const char *key_id, int status, const json_t *out, struct recur_err *e);
void api_audit_free(struct api_audit *a);

/*
 * Decodes a multipart/form-data body (RFC 7578) with libmicrohttpd's post
 * processor into a new parameter tree: every part a string parameter, the
 * part named "file" with its filename as "filename" unless one is given.
 * Every part must be valid UTF-8 text.
 */
struct MHD_Connection;
int api_multipart_decode(json_t **out, struct MHD_Connection *mc, const char *body, size_t len,
			 struct recur_err *e);

/*
 * Finds the route for method and path. Returns it and fills ids, or NULL with
 * *path_known set when the path exists under another method.
 */
const struct api_route *api_route_find(const char *method, const char *path, char *id,
				       size_t id_cap, char *id2, size_t id2_cap,
				       int *path_known);

/*
 * Replaces expandable id fields of obj with the objects they name, for each
 * path in expand ("customer", "data.product", "latest_invoice.payment_intent").
 */
int api_expand(json_t *obj, struct api_call *c, struct recur_err *e);

/*
 * Refuses expand paths that cannot succeed on any object (a field that is not
 * expandable, more than four levels), before the handler changes anything.
 */
int api_expand_check(const json_t *expand, struct recur_err *e);

#endif
