/*
 * invoice_endpoints.c - the invoice endpoints: manual invoices (create,
 * update, delete), reads (retrieve, list, lines) and the lifecycle steps
 * (finalize, pay, void, mark_uncollectible, send), each in one transaction
 * over the model in invoice.c.
 */
#include "core/ids.h"
#include "core/money.h"
#include "service/balance.h"
#include "service/collection.h"
#include "service/customer.h"
#include "service/discount.h"
#include "service/invoice.h"
#include "service/invoice_internal.h"
#include "service/ledger_hooks.h"
#include "service/list.h"
#include "service/params.h"

#include <stdio.h>
#include <string.h>

#define DAYS_UNTIL_DUE_MAX 3650
/* Stripe's manual invoices fall back to the account's default terms, net 30. */
#define DAYS_UNTIL_DUE_DEFAULT 30
#define DESCRIPTION_MAX 1500 /* Stripe: invoice description "maximum 1500 characters" */
#define FOOTER_MAX 5000

static const char *const collection_methods[] = { "charge_automatically", "send_invoice", NULL };
static const char *const item_behaviors[] = { "exclude", "include", NULL };
static const char *const statuses[] = { "draft", "open", "paid", "uncollectible", "void", NULL };

static int render_out(json_t **out, struct svc *s, struct inv_ctx *c, struct recur_err *e)
{
	*out = svc_invoice_render(s, c);
	return *out ? 0 : err_internal(e, "cannot render invoice");
}

/* ---- discounts ---------------------------------------------------- */

/*
 * discounts[] of invoice create and update: {coupon}, {discount} or
 * {promotion_code}. Shape only; resolve_discounts checks what they name.
 */
static int discounts_shape(const json_t *arr, struct recur_err *e)
{
	static const char *const keys[] = { "coupon", "discount", "promotion_code", NULL };
	size_t i;
	json_t *d;

	if (json_array_size(arr) > BILLING_DISCOUNTS_MAX)
		return err_invalid(e, "discounts", "An invoice takes at most %d discounts",
				   BILLING_DISCOUNTS_MAX);
	json_array_foreach(arr, i, d) {
		int n = 0, rc = 0;
		const char *v = NULL;
		if (!json_is_object(d))
			rc = err_invalid(e, "", "Invalid discount: each discount must be a hash");
		else if ((rc = params_only(d, keys, e)) >= 0)
			for (int k = 0; keys[k] && rc >= 0; k++)
				if ((rc = params_string(&v, d, keys[k], 255, e)) > 0 && *v)
					n++;
		if (rc >= 0 && n != 1)
			rc = err_invalid(e, "", "Each discount takes exactly one of coupon, discount "
					 "and promotion_code");
		if (rc < 0)
			return params_nest_index(e, rc, "discounts", i);
	}
	return 0;
}

/*
 * Turns discounts[] into discount ids, inside the transaction: a coupon or a
 * promotion code is redeemed into a new discount of this invoice alone
 * (svc_discount_create counts the redemption, as Stripe does); a discount is
 * one the customer already has. *out is a new array of di_ ids.
 */
static int resolve_discounts(json_t **out, struct svc *s, const json_t *arr, const char *invoice,
			     const char *customer, const char *currency, int64_t amount,
			     int64_t now, struct recur_err *e)
{
	json_t *ids = json_array(), *d, *row = NULL;
	char param[64];
	size_t i;
	int rc = 0;

	*out = NULL;
	json_array_foreach(arr, i, d) {
		const char *cid = json_string_value(json_object_get(d, "coupon"));
		const char *did = json_string_value(json_object_get(d, "discount"));
		const char *pid = json_string_value(json_object_get(d, "promotion_code"));
		bool deleted = false;

		if (did && *did) {
			rc = store_obj_get_any(&row, &deleted, s->db, &svc_discounts_table, &s->scope,
					       did, e);
			const char *owner = rc == 0 ? inv_str(row, "customer") : NULL;
			if (rc == RECUR_ENOTFOUND ||
			    (rc == 0 && (deleted || !owner || strcmp(owner, customer) != 0))) {
				snprintf(param, sizeof(param), "discounts[%zu][discount]", i);
				rc = err_set(e, RECUR_EINVAL, 400, "invalid_request_error",
					     "resource_missing", param,
					     "No such discount for this customer: '%s'", did);
			}
			json_decref(row);
			row = NULL;
			if (rc < 0)
				goto done;
			json_array_append_new(ids, json_string(did));
			continue;
		}
		snprintf(param, sizeof(param), "discounts[%zu][%s]", i,
			 cid && *cid ? "coupon" : "promotion_code");
		if ((rc = svc_discount_create(&row, s, cid && *cid ? cid : NULL,
					      pid && *pid ? pid : NULL, customer, NULL, currency, amount,
					      now, param, e)) < 0)
			goto done;
		/* The discount belongs to this invoice, not to the customer's next ones. */
		{
			struct store_val p[] = { SV_TEXT(s->scope.tenant), SV_INT(s->scope.livemode),
						 SV_TEXT(inv_str(row, "id")), SV_TEXT(invoice) };
			if ((rc = store_exec(s->db, "UPDATE discounts SET invoice = $4 WHERE"
					     " tenant_id = $1 AND livemode = $2 AND id = $3", p, 4,
					     e)) < 0)
				goto done;
		}
		json_array_append(ids, json_object_get(row, "id"));
		json_decref(row);
		row = NULL;
	}
	*out = ids;
	ids = NULL;
	rc = 0;
done:
	json_decref(ids);
	json_decref(row);
	return rc;
}

/*
 * The customer's own discounts (not a subscription's), which Stripe's manual
 * invoices inherit when discounts is not given; those that have run out (a
 * used "once", a "repeating" past its end) are not inherited.
 */
static int customer_discounts(json_t **out, struct svc *s, const char *customer, int64_t now,
			      struct recur_err *e)
{
	struct store_filter f[] = {
		{ .col = "customer", .op = "=", .val = SV_TEXT(customer) },
		{ .col = "subscription", .op = "=", .val = SV_NULL },
		{ .col = "invoice", .op = "=", .val = SV_NULL },
	};
	struct store_page page = { .limit = BILLING_DISCOUNTS_MAX };
	json_t *rows = NULL, *d;
	bool more;
	size_t i;
	int rc = store_obj_list(&rows, &more, s->db, &svc_discounts_table, &s->scope, f, 3, &page, e);

	*out = NULL;
	if (rc < 0)
		return rc;
	*out = json_array();
	/* Listed newest first; applied in the order they were granted. */
	for (i = json_array_size(rows); i-- > 0;) {
		const char *duration;
		d = json_array_get(rows, i);
		duration = inv_str(json_object_get(d, "coupon"), "duration");
		if ((duration && strcmp(duration, "once") == 0 && inv_num(d, "times_applied") > 0) ||
		    (json_is_integer(json_object_get(d, "end")) && inv_num(d, "end") <= now))
			continue;
		json_array_append(*out, json_object_get(d, "id"));
	}
	json_decref(rows);
	return 0;
}

/* ---- the endpoints -------------------------------------------------- */

/* A customer named by a parameter: missing is a 400 on that parameter. */
static int param_customer(json_t **out, struct svc *s, const char *id, struct recur_err *e)
{
	int rc = store_obj_get(out, s->db, &svc_customers_table, &s->scope, id, e);
	if (rc == RECUR_ENOTFOUND)
		return err_set(e, RECUR_EINVAL, 400, "invalid_request_error", "resource_missing",
			       "customer", "No such customer: '%s'", id);
	return rc;
}

/* The currency of the customer's oldest pending item, for an invoice that takes them. */
static int pending_currency(char *out, size_t cap, struct svc *s, const char *customer,
			    struct recur_err *e)
{
	json_t *items = NULL;
	int rc;

	out[0] = '\0';
	if ((rc = svc_invoice_pending_items(&items, s, customer, NULL, NULL, e)) < 0)
		return rc;
	if (json_array_size(items))
		snprintf(out, cap, "%s",
			 inv_str(json_array_get(items, json_array_size(items) - 1), "currency"));
	json_decref(items);
	return 0;
}

static const char *const create_params[] = {
	"auto_advance", "collection_method", "currency", "customer", "days_until_due",
	"default_tax_rates", "description", "discounts", "due_date", "footer", "metadata",
	"pending_invoice_items_behavior", NULL
};

/* The fields create and update share, read before anything is written. */
struct fields {
	int has_auto_advance, has_collection, has_days, has_due, has_description, has_footer;
	int has_rates, has_discounts;
	bool auto_advance;
	const char *collection_method, *description, *footer;
	int64_t days_until_due, due_date;
	const json_t *rates, *discounts;
};

static int read_fields(struct fields *f, const json_t *p, struct recur_err *e)
{
	int rc;

	memset(f, 0, sizeof(*f));
	if ((rc = f->has_auto_advance = params_bool(&f->auto_advance, p, "auto_advance", e)) < 0 ||
	    (rc = f->has_collection = params_enum(&f->collection_method, p, "collection_method",
						  collection_methods, e)) < 0 ||
	    (rc = f->has_days = params_int(&f->days_until_due, p, "days_until_due", 0,
					   DAYS_UNTIL_DUE_MAX, e)) < 0 ||
	    (rc = f->has_due = params_int(&f->due_date, p, "due_date", 1, INT64_MAX / 2, e)) < 0 ||
	    (rc = f->has_description = params_string(&f->description, p, "description",
						     DESCRIPTION_MAX, e)) < 0 ||
	    (rc = f->has_footer = params_string(&f->footer, p, "footer", FOOTER_MAX, e)) < 0 ||
	    (rc = f->has_rates = params_string_array(&f->rates, p, "default_tax_rates", 255, e)) < 0)
		return rc;
	/* discounts="" (the form way to send an empty list) means none. */
	if (json_is_string(json_object_get(p, "discounts")) &&
	    json_string_length(json_object_get(p, "discounts")) == 0) {
		f->has_discounts = 1;
		f->discounts = NULL;
	} else if ((rc = f->has_discounts = params_array(&f->discounts, p, "discounts", e)) < 0 ||
		   (f->discounts && (rc = discounts_shape(f->discounts, e)) < 0)) {
		return rc;
	}
	if (f->has_days && f->has_due)
		return err_invalid(e, "due_date", "You may only specify one of these parameters: "
				   "days_until_due, due_date.");
	return 0;
}

/* Stripe: days_until_due and due_date are "only valid for invoices where
 * collection_method=send_invoice". */
static int check_terms(const struct fields *f, const char *method, struct recur_err *e)
{
	if (strcmp(method, "send_invoice") == 0)
		return 0;
	if (f->has_days)
		return err_invalid(e, "days_until_due", "days_until_due is only valid for invoices "
				   "with collection_method=send_invoice");
	if (f->has_due)
		return err_invalid(e, "due_date", "due_date is only valid for invoices with "
				   "collection_method=send_invoice");
	return 0;
}

/* The sum of the customer's pending items (of no subscription) in currency. */
static int pending_total(int64_t *out, struct svc *s, const char *customer, const char *currency,
			 struct recur_err *e)
{
	json_t *items = NULL, *it;
	size_t i;
	int rc = svc_invoice_pending_items(&items, s, customer, NULL, currency, e);
	*out = 0;
	json_array_foreach(items, i, it)
		if (rc == 0 && money_add(out, *out, json_integer_value(json_object_get(it,
							"amount"))) < 0)
			rc = err_invalid(e, "pending_invoice_items_behavior", "The pending items add"
					 " up beyond what recur can bill");
	json_decref(items);
	return rc;
}

int svc_invoice_create(json_t **out, struct svc *s, const json_t *p, struct recur_err *e)
{
	struct svc_invoice_spec spec;
	struct fields f;
	struct inv_ctx c = { 0 };
	const char *customer_id = NULL, *currency = NULL, *behavior = "exclude";
	json_t *customer = NULL, *md = NULL, *discount_ids = NULL, *items = NULL;
	char id[IDS_MAX], pending_cur[8] = "";
	int64_t now;
	int rc;

	*out = NULL;
	if ((rc = params_only(p, create_params, e)) < 0 ||
	    (rc = params_require(p, "customer", e)) < 0 ||
	    (rc = params_string(&customer_id, p, "customer", 255, e)) < 0 ||
	    (rc = params_currency(&currency, p, "currency", e)) < 0 ||
	    (rc = params_enum(&behavior, p, "pending_invoice_items_behavior", item_behaviors,
			      e)) < 0 ||
	    (rc = read_fields(&f, p, e)) < 0 ||
	    (rc = params_metadata(&md, NULL, p, e)) < 0)
		goto out;
	if (!f.collection_method)
		f.collection_method = "charge_automatically";
	if ((rc = check_terms(&f, f.collection_method, e)) < 0)
		goto out;
	if ((rc = svc_begin(s, e)) < 0)
		goto out;
	if ((rc = param_customer(&customer, s, customer_id, e)) < 0 ||
	    (rc = svc_invoice_now(&now, s, customer, e)) < 0)
		goto done;
	/* Stripe's invoice currency: the one given, else the customer's. */
	if (!currency)
		currency = inv_str(customer, "currency");
	if (!currency && strcmp(behavior, "include") == 0) {
		if ((rc = pending_currency(pending_cur, sizeof(pending_cur), s, customer_id, e)) < 0)
			goto done;
		currency = pending_cur[0] ? pending_cur : NULL;
	}
	if (!currency) {
		rc = err_set(e, RECUR_EINVAL, 400, "invalid_request_error", "parameter_missing",
			     "currency", "Missing required param: currency (the customer has no "
			     "currency yet).");
		goto done;
	}
	if (f.has_rates && f.rates &&
	    (rc = svc_invoice_check_rates(s, f.rates, "default_tax_rates", e)) < 0)
		goto done;
	ids_new(id, sizeof(id), "in");
	if (f.has_discounts) {
		/* A promotion code's minimum_amount: against the pending items the draft takes. */
		int64_t amount = 0;
		if (strcmp(behavior, "include") == 0 &&
		    (rc = pending_total(&amount, s, customer_id, currency, e)) < 0)
			goto done;
		rc = resolve_discounts(&discount_ids, s, f.discounts, id, customer_id, currency,
				       amount, now, e);
	} else {
		rc = customer_discounts(&discount_ids, s, customer_id, now, e);
	}
	if (rc < 0)
		goto done;
	memset(&spec, 0, sizeof(spec));
	spec.customer = customer_id;
	spec.billing_reason = "manual";
	spec.currency = currency;
	spec.collection_method = f.collection_method;
	spec.days_until_due = f.has_days ? f.days_until_due : DAYS_UNTIL_DUE_DEFAULT;
	spec.period_start = spec.period_end = spec.now = now;
	spec.default_tax_rates = f.rates;
	spec.discounts = discount_ids;
	spec.include_pending_items = strcmp(behavior, "include") == 0;
	spec.description = f.description && *f.description ? f.description : NULL;
	if ((rc = svc_invoice_build(&c, &items, s, &spec, id, customer, false, e)) < 0)
		goto done;
	json_object_set_new(c.inv, "auto_advance", json_boolean(f.has_auto_advance &&
								 f.auto_advance));
	svc_collection_plan_draft(c.inv, now);
	json_object_set_new(c.inv, "footer", f.footer && *f.footer ? json_string(f.footer)
								   : json_null());
	json_object_set(c.inv, "metadata", md);
	if (f.has_due)
		json_object_set_new(c.inv, "due_date", json_integer(f.due_date));
	if ((rc = svc_invoice_insert(&c, items, s, e)) < 0 ||
	    (rc = svc_invoice_event(s, &c, "invoice.created", NULL, e)) < 0)
		goto done;
	rc = render_out(out, s, &c, e);
done:
	rc = svc_finish(s, rc, e);
out:
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	}
	svc_invoice_ctx_free(&c);
	json_decref(customer);
	json_decref(md);
	json_decref(discount_ids);
	json_decref(items);
	return rc;
}

int svc_invoice_retrieve(json_t **out, struct svc *s, const char *id, struct recur_err *e)
{
	struct inv_ctx c;
	int rc;

	*out = NULL;
	if ((rc = svc_invoice_ctx_load(&c, s, id, false, e)) < 0)
		return rc;
	rc = render_out(out, s, &c, e);
	svc_invoice_ctx_free(&c);
	return rc;
}

/*
 * Runs one lifecycle step in a transaction: loads the invoice (every line when
 * all_lines), calls step, renders the result. Nothing is written when step
 * fails.
 */
typedef int (*step_fn)(struct inv_ctx *c, struct svc *s, int64_t now, const json_t *p,
		       struct recur_err *e);

static int run_step(json_t **out, struct svc *s, const char *id, const json_t *p,
		    const char *const allowed[], bool all_lines, step_fn step,
		    struct recur_err *e)
{
	struct inv_ctx c = { 0 };
	int64_t now;
	int rc;

	*out = NULL;
	if ((rc = params_only(p, allowed, e)) < 0)
		return rc;
	if ((rc = svc_begin(s, e)) < 0)
		return rc;
	if ((rc = svc_invoice_ctx_load(&c, s, id, all_lines, e)) < 0 ||
	    (rc = svc_invoice_now(&now, s, c.inv, e)) < 0 ||
	    (rc = step(&c, s, now, p, e)) < 0)
		goto done;
	rc = render_out(out, s, &c, e);
done:
	rc = svc_finish(s, rc, e);
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	}
	svc_invoice_ctx_free(&c);
	return rc;
}

static int step_finalize(struct inv_ctx *c, struct svc *s, int64_t now, const json_t *p,
			 struct recur_err *e)
{
	bool advance;
	int rc;

	if (!inv_status_is(c->inv, "draft"))
		return svc_invoice_state_error(e, c->inv, "Only a draft invoice can be finalized");
	if ((rc = params_bool(&advance, p, "auto_advance", e)) < 0)
		return rc;
	if (rc > 0)
		json_object_set_new(c->inv, "auto_advance", json_boolean(advance));
	return svc_invoice_finalize_ctx(c, s, now, e);
}

static const char *const finalize_params[] = { "auto_advance", NULL };

int svc_invoice_finalize(json_t **out, struct svc *s, const char *id, const json_t *p,
			 struct recur_err *e)
{
	return run_step(out, s, id, p, finalize_params, true, step_finalize, e);
}

/*
 * Records a payment made elsewhere (paid_out_of_band=true); a payment that
 * charges a method is svc_collection_pay's. Stripe pays a draft by
 * finalizing it first; so does recur.
 */
static int step_pay(struct inv_ctx *c, struct svc *s, int64_t now, const json_t *p,
		    struct recur_err *e)
{
	bool oob = false;
	int rc;

	if ((rc = params_bool(&oob, p, "paid_out_of_band", e)) < 0)
		return rc;
	if (!oob)
		return err_internal(e, "a payment that is not out of band goes to collection.c");
	if (inv_status_is(c->inv, "paid"))
		return svc_invoice_state_error(e, c->inv, "Invoice is already paid");
	if (inv_status_is(c->inv, "void"))
		return svc_invoice_state_error(e, c->inv, "A void invoice cannot be paid");
	if (inv_status_is(c->inv, "draft")) {
		if ((rc = svc_invoice_finalize_ctx(c, s, now, e)) < 0)
			return rc;
		if (inv_status_is(c->inv, "paid"))
			return 0;
	}
	if ((rc = svc_ledger_invoice_paid_out_of_band(s, c, now, e)) < 0)
		return rc;
	return svc_invoice_mark_paid(c, s, now, e);
}

static const char *const pay_params[] = { "paid_out_of_band", NULL };

int svc_invoice_pay(json_t **out, struct svc *s, const char *id, const json_t *p,
		    struct recur_err *e)
{
	/* Unless it records a payment made elsewhere, pay charges a payment method. */
	if (!svc_collection_out_of_band(p))
		return svc_collection_pay(out, s, id, p, e);
	return run_step(out, s, id, p, pay_params, false, step_pay, e);
}

/*
 * open | uncollectible -> void. Stripe gives back the customer credit a voided
 * invoice used: the balance change finalization posted is reversed.
 */
static int step_void(struct inv_ctx *c, struct svc *s, int64_t now, const json_t *p,
		     struct recur_err *e)
{
	int64_t applied = 0;
	int rc;

	(void)p;
	if (!inv_status_is(c->inv, "open") && !inv_status_is(c->inv, "uncollectible"))
		return svc_invoice_state_error(e, c->inv, inv_status_is(c->inv, "draft")
				? "A draft invoice cannot be voided; delete it instead"
				: "Only open or uncollectible invoices can be voided");
	/*
	 * An invoice that issued credit notes is settled in part by them: void
	 * them first (recur's rule; the void below reverses the finalization
	 * whole and would take their part off the books twice).
	 */
	if (inv_num(c->inv, "pre_payment_credit_notes_amount") > 0 ||
	    inv_num(c->inv, "post_payment_credit_notes_amount") > 0)
		return svc_invoice_state_error(e, c->inv, "An invoice with issued credit notes "
					       "cannot be voided; void the credit notes first");
	json_object_set_new(c->inv, "status", json_string("void"));
	svc_invoice_transition(c->inv, "voided_at", now);
	if ((rc = store_obj_update(s->db, &svc_invoices_table, &s->scope, c->inv, e)) < 0)
		return rc;
	if (json_is_integer(json_object_get(c->inv, "ending_balance")) &&
	    money_sub(&applied, inv_num(c->inv, "ending_balance"),
		      inv_num(c->inv, "starting_balance")) < 0)
		return err_internal(e, "invoice balance out of range");
	if (applied != 0 &&
	    (rc = svc_balance_post(NULL, s, inv_str(c->inv, "customer"), -applied,
				   inv_str(c->inv, "currency"), "unapplied_from_invoice",
				   inv_str(c->inv, "id"), NULL, e)) < 0)
		return rc;
	if ((rc = svc_ledger_invoice_voided(s, c, now, e)) < 0)
		return rc;
	return svc_invoice_event(s, c, "invoice.voided", NULL, e);
}

static const char *const no_params[] = { NULL };

int svc_invoice_void(json_t **out, struct svc *s, const char *id, const json_t *p,
		     struct recur_err *e)
{
	return run_step(out, s, id, p, no_params, false, step_void, e);
}

static int step_uncollectible(struct inv_ctx *c, struct svc *s, int64_t now, const json_t *p,
			      struct recur_err *e)
{
	int rc;

	(void)p;
	if (!inv_status_is(c->inv, "open"))
		return svc_invoice_state_error(e, c->inv,
					"Only an open invoice can be marked uncollectible");
	json_object_set_new(c->inv, "status", json_string("uncollectible"));
	svc_invoice_transition(c->inv, "marked_uncollectible_at", now);
	if ((rc = store_obj_update(s->db, &svc_invoices_table, &s->scope, c->inv, e)) < 0 ||
	    (rc = svc_ledger_invoice_uncollectible(s, c, now, e)) < 0)
		return rc;
	return svc_invoice_event(s, c, "invoice.marked_uncollectible", NULL, e);
}

int svc_invoice_mark_uncollectible(json_t **out, struct svc *s, const char *id,
				   const json_t *p, struct recur_err *e)
{
	return run_step(out, s, id, p, no_params, false, step_uncollectible, e);
}

/* One step at a given time inside the caller's transaction: no render, no params. */
static int step_at(struct svc *s, const char *id, int64_t at, step_fn step, struct recur_err *e)
{
	struct inv_ctx c = { 0 };
	int rc = svc_invoice_ctx_load(&c, s, id, false, e);
	if (rc == 0)
		rc = step(&c, s, at, NULL, e);
	svc_invoice_ctx_free(&c);
	return rc;
}

int svc_invoice_void_at(struct svc *s, const char *id, int64_t at, struct recur_err *e)
{
	return step_at(s, id, at, step_void, e);
}

int svc_invoice_mark_uncollectible_at(struct svc *s, const char *id, int64_t at,
				      struct recur_err *e)
{
	return step_at(s, id, at, step_uncollectible, e);
}

/* Sending is e-mail (a later issue); the event says it happened. */
static int step_send(struct inv_ctx *c, struct svc *s, int64_t now, const json_t *p,
		     struct recur_err *e)
{
	(void)now;
	(void)p;
	if (strcmp(inv_str(c->inv, "collection_method"), "send_invoice") != 0)
		return svc_invoice_state_error(e, c->inv, "Only invoices with collection_method="
					"send_invoice can be sent");
	if (!inv_status_is(c->inv, "open"))
		return svc_invoice_state_error(e, c->inv, "Only an open invoice can be sent");
	return svc_invoice_event(s, c, "invoice.sent", NULL, e);
}

int svc_invoice_send(json_t **out, struct svc *s, const char *id, const json_t *p,
		     struct recur_err *e)
{
	return run_step(out, s, id, p, no_params, false, step_send, e);
}

/* Ends the discounts made for this invoice alone that it no longer lists. */
static int drop_invoice_discounts(struct svc *s, const char *invoice, const json_t *keep,
				  struct recur_err *e)
{
	struct store_filter f = { .col = "invoice", .op = "=", .val = SV_TEXT(invoice) };
	struct store_page page = { .limit = 100 };
	json_t *rows = NULL, *d, *k;
	bool more;
	size_t i, j;
	int rc = store_obj_list(&rows, &more, s->db, &svc_discounts_table, &s->scope, &f, 1, &page, e);

	if (rc < 0)
		return rc;
	json_array_foreach(rows, i, d) {
		bool kept = false;
		json_array_foreach(keep, j, k)
			if (strcmp(json_string_value(k), inv_str(d, "id")) == 0)
				kept = true;
		if (!kept && (rc = store_obj_delete(s->db, &svc_discounts_table, &s->scope,
						    inv_str(d, "id"), e)) < 0)
			break;
	}
	json_decref(rows);
	return rc < 0 ? rc : 0;
}

static const char *const update_params[] = {
	"auto_advance", "collection_method", "days_until_due", "default_tax_rates",
	"description", "discounts", "due_date", "footer", "metadata", NULL
};

/*
 * Stripe: "Draft invoices are fully editable. Once an invoice is finalized,
 * monetary values, as well as collection_method, become uneditable."
 * description, footer and metadata stay editable; auto_advance while open.
 */
int svc_invoice_update(json_t **out, struct svc *s, const char *id, const json_t *p,
		       struct recur_err *e)
{
	struct inv_ctx c = { 0 };
	struct fields f;
	json_t *before = NULL, *after = NULL, *md = NULL, *prev = NULL, *ids = NULL;
	const char *method;
	bool draft, money = false;
	int64_t now;
	int rc;

	*out = NULL;
	if ((rc = params_only(p, update_params, e)) < 0 || (rc = read_fields(&f, p, e)) < 0)
		return rc;
	if ((rc = svc_begin(s, e)) < 0)
		return rc;
	if ((rc = svc_invoice_ctx_load(&c, s, id, true, e)) < 0 ||
	    (rc = svc_invoice_now(&now, s, c.inv, e)) < 0)
		goto done;
	before = svc_invoice_render(s, &c);
	draft = inv_status_is(c.inv, "draft");
	if (!draft) {
		const char *field = f.has_collection ? "collection_method"
				  : f.has_days ? "days_until_due"
				  : f.has_due ? "due_date"
				  : f.has_rates ? "default_tax_rates"
				  : f.has_discounts ? "discounts" : NULL;
		if (field) {
			rc = err_set(e, RECUR_EINVAL, 400, "invalid_request_error",
				     "invoice_unexpected_state", field, "%s can only be changed on a "
				     "draft invoice (invoice %s is %s)", field, id,
				     inv_str(c.inv, "status"));
			goto done;
		}
		if (f.has_auto_advance && !inv_status_is(c.inv, "open")) {
			rc = svc_invoice_state_error(e, c.inv, "auto_advance can only be changed on "
						     "a draft or open invoice");
			goto done;
		}
	}
	method = f.has_collection ? f.collection_method : inv_str(c.inv, "collection_method");
	if ((rc = check_terms(&f, method, e)) < 0)
		goto done;
	if (f.has_description)
		json_object_set_new(c.inv, "description", *f.description
				    ? json_string(f.description) : json_null());
	if (f.has_footer)
		json_object_set_new(c.inv, "footer", *f.footer ? json_string(f.footer) : json_null());
	if (f.has_auto_advance) {
		json_object_set_new(c.inv, "auto_advance", json_boolean(f.auto_advance));
		svc_collection_plan_draft(c.inv, now);
	}
	if ((rc = params_metadata(&md, json_object_get(c.inv, "metadata"), p, e)) < 0)
		goto done;
	json_object_set(c.inv, "metadata", md);
	if (f.has_collection) {
		json_object_set_new(c.inv, "collection_method", json_string(f.collection_method));
		if (strcmp(f.collection_method, "send_invoice") != 0) {
			json_object_set_new(c.inv, "days_until_due", json_null());
			json_object_set_new(c.inv, "due_date", json_null());
		} else if (json_is_null(json_object_get(c.inv, "days_until_due"))) {
			json_object_set_new(c.inv, "days_until_due",
					    json_integer(DAYS_UNTIL_DUE_DEFAULT));
		}
	}
	if (f.has_days) {
		json_object_set_new(c.inv, "days_until_due", json_integer(f.days_until_due));
		json_object_set_new(c.inv, "due_date", json_null());
	}
	if (f.has_due)
		json_object_set_new(c.inv, "due_date", json_integer(f.due_date));
	if (f.has_rates) {
		if (f.rates && (rc = svc_invoice_check_rates(s, f.rates, "default_tax_rates", e)) < 0)
			goto done;
		json_object_set_new(c.inv, "default_tax_rates", f.rates ? json_deep_copy(f.rates)
									: json_array());
		money = true;
	}
	if (f.has_discounts) {
		/* A promotion code's minimum_amount is checked against the draft's subtotal. */
		if ((rc = resolve_discounts(&ids, s, f.discounts, id, inv_str(c.inv, "customer"),
					    inv_str(c.inv, "currency"),
					    json_integer_value(json_object_get(c.inv, "subtotal")), now,
					    e)) < 0 ||
		    (rc = drop_invoice_discounts(s, id, ids, e)) < 0)
			goto done;
		json_object_set(c.inv, "discounts", ids);
		money = true;
	}
	if (money)
		rc = svc_invoice_recompute(&c, s, e);
	else
		rc = store_obj_update(s->db, &svc_invoices_table, &s->scope, c.inv, e);
	if (rc < 0)
		goto done;
	after = svc_invoice_render(s, &c);
	prev = svc_previous_attributes(before, after);
	if (prev) {
		json_object_del(prev, "lines");
		if (json_object_size(prev) &&
		    (rc = svc_event(s, "invoice.updated", after, prev, e)) < 0)
			goto done;
	}
	*out = after;
	after = NULL;
done:
	rc = svc_finish(s, rc, e);
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	}
	svc_invoice_ctx_free(&c);
	json_decref(before);
	json_decref(after);
	json_decref(md);
	json_decref(prev);
	json_decref(ids);
	return rc;
}

/*
 * Stripe deletes drafts only; their invoice items go back to pending, and the
 * discounts redeemed for the draft alone end with it.
 */
int svc_invoice_delete(json_t **out, struct svc *s, const char *id, struct recur_err *e)
{
	struct inv_ctx c = { 0 };
	struct store_val p[] = { SV_TEXT(s->scope.tenant), SV_INT(s->scope.livemode), SV_TEXT(id) };
	int rc;

	*out = NULL;
	if ((rc = svc_begin(s, e)) < 0)
		return rc;
	if ((rc = svc_invoice_ctx_load(&c, s, id, false, e)) < 0)
		goto done;
	if (!inv_status_is(c.inv, "draft")) {
		rc = svc_invoice_state_error(e, c.inv, "Only a draft invoice can be deleted; void a "
				      "finalized one instead");
		goto done;
	}
	if ((rc = svc_invoice_event(s, &c, "invoice.deleted", NULL, e)) < 0 ||
	    (rc = store_exec(s->db, "UPDATE invoiceitems SET invoice = NULL WHERE tenant_id = $1"
			     " AND livemode = $2 AND invoice = $3", p, 3, e)) < 0 ||
	    (rc = store_exec(s->db, "DELETE FROM invoice_lines WHERE tenant_id = $1 AND"
			     " livemode = $2 AND invoice = $3", p, 3, e)) < 0 ||
	    (rc = drop_invoice_discounts(s, id, NULL, e)) < 0 ||
	    (rc = store_obj_delete(s->db, &svc_invoices_table, &s->scope, id, e)) < 0)
		goto done;
	*out = json_pack("{s:s, s:s, s:b}", "id", id, "object", "invoice", "deleted", 1);
done:
	rc = svc_finish(s, rc, e);
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	}
	svc_invoice_ctx_free(&c);
	return rc < 0 ? rc : 0;
}

static const char *const list_params[] = { SVC_LIST_PARAMS, "collection_method", "customer",
					   "due_date", "status", "subscription", NULL };

/* Lists render each invoice with its first lines, as Stripe embeds them. */
static int render_list(json_t *list, struct svc *s, struct recur_err *e)
{
	json_t *data = json_object_get(list, "data"), *v;
	size_t i;
	int rc;

	json_array_foreach(data, i, v) {
		struct inv_ctx c = { .inv = json_incref(v) };
		if ((rc = svc_invoice_load_lines(&c.lines, s, inv_str(v, "id"), false, e)) < 0) {
			svc_invoice_ctx_free(&c);
			return rc;
		}
		json_array_set_new(data, i, svc_invoice_render(s, &c));
		svc_invoice_ctx_free(&c);
	}
	return 0;
}

int svc_invoice_list(json_t **out, struct svc *s, const json_t *p, struct recur_err *e)
{
	struct svc_list l;
	const char *customer = NULL, *sub = NULL, *status = NULL, *method = NULL;
	int64_t due;
	int rc;

	*out = NULL;
	if ((rc = params_only(p, list_params, e)) < 0 || (rc = svc_list_params(&l, p, e)) < 0 ||
	    (rc = params_string(&customer, p, "customer", 255, e)) < 0 ||
	    (rc = params_string(&sub, p, "subscription", 255, e)) < 0 ||
	    (rc = params_enum(&status, p, "status", statuses, e)) < 0 ||
	    (rc = params_enum(&method, p, "collection_method", collection_methods, e)) < 0)
		return rc;
	/* An empty filter value means "no filter", as elsewhere in the API. */
	if (customer && *customer)
		svc_list_filter(&l, "customer", "=", SV_TEXT(customer));
	if (sub && *sub)
		svc_list_filter(&l, "subscription", "=", SV_TEXT(sub));
	if (status)
		svc_list_filter(&l, "status", "=", SV_TEXT(status));
	if (method)
		svc_list_filter(&l, "collection_method", "=", SV_TEXT(method));
	if ((rc = params_int(&due, p, "due_date", 0, INT64_MAX, e)) < 0)
		return rc;
	if (rc > 0)
		svc_list_filter(&l, "due_date", "=", SV_INT(due));
	if ((rc = svc_list(out, s, &svc_invoices_table, &l, "/v1/invoices", e)) < 0)
		return rc;
	if ((rc = render_list(*out, s, e)) < 0) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

static const char *const lines_params[] = { "limit", "starting_after", "ending_before", NULL };

int svc_invoice_lines(json_t **out, struct svc *s, const char *id, const json_t *p,
		      struct recur_err *e)
{
	struct svc_list l;
	json_t *inv = NULL, *data, *v;
	char url[160];
	size_t i;
	int rc;

	*out = NULL;
	if ((rc = params_only(p, lines_params, e)) < 0 || (rc = svc_list_params(&l, p, e)) < 0)
		return rc;
	if ((rc = store_obj_get(&inv, s->db, &svc_invoices_table, &s->scope, id, e)) < 0)
		return rc;
	json_decref(inv);
	svc_list_filter(&l, "invoice", "=", SV_TEXT(id));
	snprintf(url, sizeof(url), "/v1/invoices/%s/lines", id);
	if ((rc = svc_list(out, s, &svc_invoice_lines_table, &l, url, e)) < 0)
		return rc;
	data = json_object_get(*out, "data");
	json_array_foreach(data, i, v)
		json_array_set_new(data, i, svc_invoice_line_render(v, s->scope.livemode));
	return 0;
}
