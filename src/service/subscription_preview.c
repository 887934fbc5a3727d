/*
 * subscription_preview.c - POST /v1/invoices/create_preview.
 *
 * The preview must be exactly what would happen, so it does not re-implement
 * anything: it opens a transaction, performs the proposed change with the same
 * use cases a real request runs (each nested in a savepoint), assembles the
 * invoice that follows, renders it, and rolls everything back. Nothing the
 * preview did survives it: no row, no event, no number taken.
 */
#include "service/customer.h"
#include "service/params.h"
#include "service/subscription_internal.h"
#include "service/test_clock.h"

#include <stdio.h>
#include <string.h>

/* The next renewal of row, with the customer's pending items (what "upcoming" means). */
int sub_next_renewal(json_t **out, struct svc *s, const json_t *row, struct recur_err *e)
{
	struct billing_interval iv;
	json_t *items = NULL;
	int64_t start = json_integer_value(json_object_get(row, "current_period_end"));
	int64_t ps = 0, end = 0;
	const char *id = json_string_value(json_object_get(row, "id"));
	int rc = sub_interval(&iv, row, e);
	if (rc < 0)
		return rc;
	if (billing_period_containing_day(&ps, &end,
					  json_integer_value(json_object_get(row, "billing_cycle_anchor")),
					  sub_anchor_day(row), iv.unit, iv.count, start) < 0)
		return err_internal(e, "cannot compute the next period of %s", id);
	if ((rc = sub_load_items(&items, s, id, e)) < 0)
		return rc;
	struct sub_lines lines;
	/* The lines borrow each item's tax_rates: items lives until the invoice is built. */
	if ((rc = sub_period_lines(&lines, s, items, start, end, false, e)) < 0) {
		json_decref(items);
		return rc;
	}
	struct svc_invoice_line flat[SUB_MAX_ITEMS];
	for (size_t i = 0; i < lines.n; i++)
		flat[i] = lines.lines[i].line;
	json_t *days = json_object_get(row, "days_until_due");
	struct svc_invoice_spec spec = {
		.customer = json_string_value(json_object_get(row, "customer")),
		.subscription = id,
		.billing_reason = "subscription_cycle",
		.currency = json_string_value(json_object_get(row, "currency")),
		.collection_method = json_string_value(json_object_get(row, "collection_method")),
		.days_until_due = json_is_integer(days) ? json_integer_value(days) : 0,
		.period_start = start, .period_end = end, .now = start,
		.default_tax_rates = json_object_get(row, "default_tax_rates"),
		.discounts = json_object_get(row, "discounts"),
		.include_pending_items = true,
		.lines = flat, .n_lines = lines.n,
	};
	rc = svc_invoice_preview_internal(out, s, &spec, e);
	json_decref(items);
	return rc;
}

/* Stripe answers a preview of nothing upcoming with invoice_upcoming_none. */
static int upcoming_none(struct recur_err *e, const char *customer)
{
	return err_set(e, RECUR_ENOTFOUND, 404, "invalid_request_error", "invoice_upcoming_none",
		       NULL, "No upcoming invoices for customer: %s", customer ? customer : "");
}

/*
 * Whether row renews at its period end: an ended or paused subscription, or one
 * that cancels by then, has no next invoice.
 */
static bool renews(const json_t *row)
{
	const char *status = json_string_value(json_object_get(row, "status"));
	json_t *cancel_at = json_object_get(row, "cancel_at");
	if (strcmp(status, "canceled") == 0 || strcmp(status, "incomplete_expired") == 0 ||
	    strcmp(status, "paused") == 0 || json_is_true(json_object_get(row, "cancel_at_period_end")))
		return false;
	return !json_is_integer(cancel_at) ||
	       json_integer_value(cancel_at) > json_integer_value(json_object_get(row,
										 "current_period_end"));
}

/* Reads one currency code (the customer's oldest pending item's). */
static int read_currency(void *ctx, const struct store_row *row)
{
	snprintf(ctx, 4, "%s", store_row_text(row, 0, NULL));
	return 1;
}

/*
 * Renames a rolled-back invoice so no client mistakes it for a real one, and
 * shows it as the draft it is before finalization (Stripe's previews are
 * drafts with il_tmp_ lines): a change that invoices at once finalized it
 * inside the transaction, and none of that survived.
 */
void sub_mark_upcoming(json_t *inv)
{
	char id[96], buf[96];
	const char *real = json_string_value(json_object_get(inv, "id"));
	if (!real || strncmp(real, "upcoming_", 9) == 0)
		return;
	snprintf(id, sizeof(id), "upcoming_%s", real);
	json_object_set_new(inv, "id", json_string(id));
	json_object_set_new(inv, "number", json_null());
	json_object_set_new(inv, "status", json_string("draft"));
	json_object_set_new(inv, "next_payment_attempt", json_null());
	json_object_set_new(inv, "amount_paid", json_integer(0));
	json_object_set(inv, "amount_remaining", json_object_get(inv, "amount_due"));
	json_object_set_new(inv, "effective_at", json_null());
	json_object_set_new(inv, "ending_balance", json_null());
	json_object_set_new(inv, "due_date", json_null());
	json_t *st = json_object_get(inv, "status_transitions");
	const char *k;
	json_t *v;
	json_object_foreach(st, k, v)
		json_object_set_new(st, k, json_null());
	json_t *lines = json_object_get(inv, "lines");
	snprintf(buf, sizeof(buf), "/v1/invoices/%s/lines", id);
	if (json_is_object(lines))
		json_object_set_new(lines, "url", json_string(buf));
	size_t i;
	json_t *line;
	json_array_foreach(json_object_get(lines, "data"), i, line) {
		const char *lid = json_string_value(json_object_get(line, "id"));
		if (lid && strncmp(lid, "il_", 3) == 0 && strncmp(lid, "il_tmp_", 7) != 0) {
			snprintf(buf, sizeof(buf), "il_tmp_%s", lid + 3);
			json_object_set_new(line, "id", json_string(buf));
		}
		json_object_set_new(line, "invoice", json_string(id));
	}
}

static const char *const params_allowed[] = { "customer", "subscription", "subscription_details",
					      "discounts", "currency", "preview_mode", NULL };

int svc_subscription_preview(json_t **out, struct svc *s, const json_t *p, struct recur_err *e)
{
	const char *customer = NULL, *subscription = NULL;
	const json_t *details = NULL;
	json_t *changed = NULL, *row = NULL, *inv = NULL, *sub_params = NULL;
	int rc;
	*out = NULL;
	if ((rc = params_only(p, params_allowed, e)) < 0 ||
	    (rc = params_string(&customer, p, "customer", 255, e)) < 0 ||
	    (rc = params_string(&subscription, p, "subscription", 255, e)) < 0 ||
	    (rc = params_object(&details, p, "subscription_details", e)) < 0)
		return rc;
	if (!customer && !subscription)
		return err_set(e, RECUR_EINVAL, 400, "invalid_request_error", "parameter_missing",
			       "customer", "Missing required param: customer or subscription.");
	if ((rc = svc_begin(s, e)) < 0)
		return rc;
	/* A preview never commits: every write below is undone at the end, and no card is charged. */
	s->commit_hook = NULL;
	s->dry_run = true;
	if (subscription) {
		if ((rc = sub_get(&row, s, subscription, e)) < 0) {
			e->status = 400;
			snprintf(e->param, sizeof(e->param), "subscription");
			goto done;
		}
		const char *before_invoice = json_string_value(json_object_get(row, "latest_invoice"));
		const char *status = json_string_value(json_object_get(row, "status"));
		char before_id[96];
		snprintf(before_id, sizeof(before_id), "%s", before_invoice ? before_invoice : "");
		if (strcmp(status, "canceled") == 0 || strcmp(status, "incomplete_expired") == 0) {
			rc = upcoming_none(e, json_string_value(json_object_get(row, "customer")));
			goto done;
		}
		if (details) {
			rc = svc_subscription_update(&changed, s, subscription, details, e);
			if (rc < 0) {
				params_nest(e, rc, "subscription_details");
				goto done;
			}
			json_decref(row);
			row = NULL;
			if ((rc = sub_get(&row, s, subscription, e)) < 0)
				goto done;
		}
		const char *latest = json_string_value(json_object_get(row, "latest_invoice"));
		if (details && latest && strcmp(latest, before_id) != 0) {
			/* The change invoices at once (always_invoice, a new cycle): that is the preview. */
			rc = svc_invoice_retrieve(&inv, s, latest, e);
		} else if (!renews(row)) {
			rc = upcoming_none(e, json_string_value(json_object_get(row, "customer")));
		} else {
			rc = sub_next_renewal(&inv, s, row, e);
		}
	} else if (details) {
		/* A new subscription: its first invoice. */
		sub_params = json_deep_copy(details);
		json_object_set_new(sub_params, "customer", json_string(customer));
		rc = svc_subscription_create(&changed, s, sub_params, e);
		if (rc < 0) {
			params_nest(e, rc, "subscription_details");
			goto done;
		}
		rc = svc_invoice_retrieve(&inv, s, json_string_value(json_object_get(changed,
										"latest_invoice")), e);
	} else {
		/* The customer's pending invoice items, as the next invoice would bill them. */
		json_t *cust = NULL;
		int64_t now = 0;
		if ((rc = store_obj_get(&cust, s->db, &svc_customers_table, &s->scope, customer, e)) < 0) {
			e->status = 400;
			snprintf(e->param, sizeof(e->param), "customer");
			goto done;
		}
		rc = svc_test_clock_now(&now, s, json_string_value(json_object_get(cust, "test_clock")), e);
		/*
		 * Only pending items make a customer's next invoice (Stripe answers
		 * invoice_upcoming_none without): in the currency asked for, else in
		 * that of the oldest, as an invoice created now would be.
		 */
		const char *currency = NULL;
		char pending[4] = "";
		struct store_val q[] = { SV_TEXT(s->scope.tenant), SV_INT(s->scope.livemode),
					 SV_TEXT(customer) };
		if (rc >= 0)
			rc = store_query(s->db, "SELECT currency FROM invoiceitems WHERE tenant_id = $1"
					 " AND livemode = $2 AND customer = $3 AND invoice IS NULL AND"
					 " subscription IS NULL AND deleted = 0 ORDER BY seq LIMIT 1", q, 3,
					 read_currency, pending, e);
		if (rc >= 0 && (rc = params_currency(&currency, p, "currency", e)) >= 0 && !currency)
			currency = pending;
		if (rc >= 0 && !pending[0])
			rc = upcoming_none(e, customer);
		struct svc_invoice_spec spec = {
			.customer = customer, .billing_reason = "manual",
			.currency = currency,
			.collection_method = "charge_automatically", .period_start = now,
			.period_end = now, .now = now, .include_pending_items = true,
		};
		if (rc >= 0)
			rc = svc_invoice_preview_internal(&inv, s, &spec, e);
		json_decref(cust);
	}
	if (rc >= 0) {
		sub_mark_upcoming(inv);
		*out = inv;
		inv = NULL;
	}
done:
	store_rollback(s->db);
	json_decref(changed);
	json_decref(row);
	json_decref(inv);
	json_decref(sub_params);
	return rc < 0 ? rc : 0;
}
