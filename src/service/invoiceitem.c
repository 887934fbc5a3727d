/*
 * invoiceitem.c - invoice items (see invoiceitem.h).
 *
 * An item's amount is fixed when it is created or changed: a given amount, a
 * price times a quantity (billing/price_eval.h, one rounding, half up), or a
 * decimal unit amount times a quantity. An item that sits on a draft invoice
 * is that invoice's line too; changing or deleting the item changes the line
 * and the draft's totals in the same transaction.
 */
#include "service/invoiceitem.h"
#include "service/pricing.h"
#include "billing/price_eval.h"
#include "core/ids.h"
#include "core/money.h"
#include "service/customer.h"
#include "service/invoice.h"
#include "service/invoice_internal.h"
#include "service/list.h"
#include "service/params.h"
#include "service/price.h"
#include "service/tax_rate.h"
#include "service/test_clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct store_col cols[] = {
	{ "customer", COL_TEXT, 0 },
	{ "invoice", COL_TEXT, 0 },
	{ "subscription", COL_TEXT, 0 },
	{ "subscription_item", COL_TEXT, 0 },
	{ "amount", COL_INT, 0 },
	{ "currency", COL_TEXT, 0 },
	{ "description", COL_TEXT, 0 },
	{ "date", COL_INT, 0 },
	{ "discountable", COL_BOOL, 0 },
	{ "discounts", COL_JSON, 0 },
	{ "period", COL_JSON, 0 },
	{ "pricing", COL_JSON, 0 },
	{ "quantity", COL_INT, 0 },
	{ "proration", COL_BOOL, 0 },
	{ "tax_rates", COL_JSON, 0 },
	{ "test_clock", COL_TEXT, 0 },
	{ "metadata", COL_JSON, 0 },
};

const struct store_table svc_invoiceitems_table = {
	.table = "invoiceitems", .object = "invoiceitem", .noun = "invoiceitem",
	.cols = cols, .ncols = sizeof(cols) / sizeof(cols[0]), .soft_delete = true,
};

#define DESCRIPTION_MAX PARAMS_MAX_STRING
#define QUANTITY_MAX 1000000000

static const char *str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static int64_t num(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

static json_t *pricing_of_price(const json_t *price)
{
	const json_t *dec = json_object_get(price, "unit_amount_decimal");
	return json_pack("{s:s, s:{s:O, s:O}, s:O}", "type", "price_details", "price_details",
			 "price", json_object_get(price, "id"), "product",
			 json_object_get(price, "product"), "unit_amount_decimal",
			 dec ? dec : json_null());
}

static json_t *pricing_of_amount(int64_t amount, int64_t quantity)
{
	return json_pack("{s:s, s:o}", "type", "price_details", "unit_amount_decimal",
			 svc_invoice_unit_decimal(amount, quantity));
}

static json_t *pricing_of_decimal(const struct billing_decimal *d)
{
	char buf[BILLING_DECIMAL_SIZE];
	if (billing_decimal_format(buf, sizeof(buf), d) < 0)
		buf[0] = '\0';
	return json_pack("{s:s, s:s}", "type", "price_details", "unit_amount_decimal", buf);
}

/* ---- rendering -------------------------------------------------------- */

json_t *svc_invoiceitem_render(struct svc *s, const json_t *item)
{
	json_t *r = json_deep_copy(item), *rates = json_array(), *v;
	const char *sub = str(item, "subscription"), *si = str(item, "subscription_item");
	char q[32];
	size_t i;

	if (!r) {
		json_decref(rates);
		return NULL;
	}
	/* Stripe renders an item's tax_rates as the rate objects. */
	json_array_foreach(json_object_get(item, "tax_rates"), i, v) {
		json_t *t = NULL;
		struct recur_err ignored;
		if (svc_tax_rate_retrieve(&t, s, json_string_value(v), &ignored) == 0)
			json_array_append_new(rates, t);
		else
			json_array_append(rates, v);
	}
	json_object_set_new(r, "tax_rates", rates);
	json_object_del(r, "created"); /* Stripe's item has date, not created */
	json_object_del(r, "subscription_item");
	json_object_set_new(r, "object", json_string("invoiceitem"));
	json_object_set_new(r, "livemode", json_boolean(s->scope.livemode));
	json_object_set_new(r, "customer_account", json_null());
	snprintf(q, sizeof(q), "%lld", (long long)num(item, "quantity"));
	json_object_set_new(r, "quantity_decimal", json_string(q));
	json_object_set_new(r, "parent", sub ? json_pack("{s:s, s:{s:s, s:s?}}", "type",
							 "subscription_details",
							 "subscription_details", "subscription", sub,
							 "subscription_item", si)
					     : json_null());
	return r;
}

static int item_event(struct svc *s, const char *type, const json_t *item, const json_t *prev,
		      struct recur_err *e)
{
	json_t *r = svc_invoiceitem_render(s, item);
	int rc = svc_event(s, type, r, prev, e);
	json_decref(r);
	return rc;
}

/* ---- internal creation (prorations) --------------------------------- */

int svc_invoiceitem_create_internal(json_t **out, struct svc *s, const char *customer,
				    const char *subscription, const char *currency,
				    const struct svc_invoice_line *line, struct recur_err *e)
{
	char id[IDS_MAX];
	json_t *cus = NULL, *price = NULL, *pricing = NULL, *item = NULL;
	int64_t now;
	int rc;

	*out = NULL;
	if ((rc = store_obj_get(&cus, s->db, &svc_customers_table, &s->scope, customer, e)) < 0 ||
	    (rc = svc_test_clock_now(&now, s, str(cus, "test_clock"), e)) < 0)
		goto done;
	if (line->price) {
		if ((rc = store_obj_get(&price, s->db, &svc_prices_table, &s->scope, line->price,
					e)) < 0)
			goto done;
		pricing = pricing_of_price(price);
		/* A proration bills part of the price: show what it came to per unit. */
		if (line->proration)
			json_object_set_new(pricing, "unit_amount_decimal",
					    svc_invoice_unit_decimal(line->amount, line->quantity));
	} else {
		pricing = pricing_of_amount(line->amount, line->quantity);
	}
	ids_new(id, sizeof(id), "ii");
	item = json_pack("{s:s, s:I, s:s, s:n, s:s?, s:s?, s:I, s:s, s:s?, s:I, s:b, s:[], "
			 "s:{s:I, s:I}, s:O, s:I, s:b, s:o, s:O, s:{}}",
			 "id", id, "created", (json_int_t)now, "customer", customer, "invoice",
			 "subscription", subscription, "subscription_item", line->subscription_item,
			 "amount", (json_int_t)line->amount, "currency", currency,
			 "description", line->description, "date", (json_int_t)now,
			 "discountable", line->discountable, "discounts",
			 "period", "start", (json_int_t)line->period_start, "end",
			 (json_int_t)line->period_end, "pricing", pricing,
			 "quantity", (json_int_t)line->quantity, "proration", line->proration,
			 "tax_rates", line->tax_rates ? json_deep_copy(line->tax_rates) : json_array(),
			 "test_clock", json_object_get(cus, "test_clock"), "metadata");
	if (!item) {
		rc = err_internal(e, "cannot build invoice item");
		goto done;
	}
	if ((rc = store_obj_insert(s->db, &svc_invoiceitems_table, &s->scope, item, e)) < 0 ||
	    (rc = item_event(s, "invoiceitem.created", item, NULL, e)) < 0)
		goto done;
	*out = svc_invoiceitem_render(s, item);
done:
	json_decref(cus);
	json_decref(price);
	json_decref(pricing);
	json_decref(item);
	return rc;
}

/* ---- the endpoints -------------------------------------------------- */

/*
 * How an item is priced, read from create or update parameters: amount, or
 * price / pricing[price] (with quantity), or unit_amount_decimal (with
 * quantity). Stripe takes exactly one of them.
 */
struct pricing_params {
	int has_amount, has_decimal, has_quantity, has_price;
	int64_t amount, quantity;
	const char *price;
	const char *price_param; /* "price" or "pricing[price]" */
	struct billing_decimal decimal;
};

static int read_pricing(struct pricing_params *pp, const json_t *p, struct recur_err *e)
{
	static const char *const pricing_keys[] = { "price", NULL };
	const json_t *pricing = NULL;
	const char *dec = NULL, *inner = NULL;
	int rc;

	memset(pp, 0, sizeof(*pp));
	pp->quantity = 1;
	if ((rc = pp->has_amount = params_int(&pp->amount, p, "amount", -PARAMS_MAX_AMOUNT,
					      PARAMS_MAX_AMOUNT, e)) < 0 ||
	    (rc = pp->has_quantity = params_int(&pp->quantity, p, "quantity", 0, QUANTITY_MAX,
						e)) < 0 ||
	    (rc = params_string(&pp->price, p, "price", 255, e)) < 0 ||
	    (rc = params_object(&pricing, p, "pricing", e)) < 0 ||
	    (rc = params_string(&dec, p, "unit_amount_decimal", 64, e)) < 0)
		return rc;
	pp->price_param = "price";
	if (pricing) {
		if ((rc = params_nest(e, params_only(pricing, pricing_keys, e), "pricing")) < 0 ||
		    (rc = params_nest(e, params_string(&inner, pricing, "price", 255, e),
				      "pricing")) < 0)
			return rc;
		if (inner && pp->price)
			return err_invalid(e, "pricing[price]", "You may only specify one of these "
					   "parameters: price, pricing[price].");
		if (inner) {
			pp->price = inner;
			pp->price_param = "pricing[price]";
		}
	}
	if (pp->price && !*pp->price)
		pp->price = NULL;
	pp->has_price = pp->price != NULL;
	if (dec) {
		if (billing_decimal_parse(&pp->decimal, dec) < 0)
			return err_invalid(e, "unit_amount_decimal", "Invalid decimal: "
					   "unit_amount_decimal takes at most 12 decimal places");
		if (pp->decimal.units < -PARAMS_MAX_AMOUNT || pp->decimal.units > PARAMS_MAX_AMOUNT)
			return err_invalid(e, "unit_amount_decimal", "Invalid unit_amount_decimal: "
					   "out of range");
		pp->has_decimal = 1;
	}
	if (pp->has_amount + pp->has_price + pp->has_decimal > 1)
		return err_invalid(e, pp->has_amount ? "amount" : "unit_amount_decimal",
				   "You may only specify one of these parameters: amount, "
				   "pricing[price], unit_amount_decimal.");
	return 0;
}

/* Loads the price an item names: it must exist, be active, and be one-time. */
static int item_price(json_t **out, struct svc *s, const struct pricing_params *pp,
		      struct recur_err *e)
{
	int rc = store_obj_get(out, s->db, &svc_prices_table, &s->scope, pp->price, e);
	if (rc == RECUR_ENOTFOUND)
		return err_set(e, RECUR_EINVAL, 400, "invalid_request_error", "resource_missing",
			       pp->price_param, "No such price: '%s'", pp->price);
	if (rc < 0)
		return rc;
	if (!json_is_true(json_object_get(*out, "active")))
		return err_invalid(e, pp->price_param, "The price %s is not active", pp->price);
	/* Stripe: invoice items take prices with type=one_time only. */
	if (strcmp(str(*out, "type"), "one_time") != 0)
		return err_invalid(e, pp->price_param, "The price %s is set to type=recurring but "
				   "this field only accepts prices with type=one_time", pp->price);
	return 0;
}

/* amount = unit decimal x quantity, one rounding, half up. */
static int decimal_amount(int64_t *out, const struct billing_decimal *d, int64_t quantity,
			  struct recur_err *e)
{
	struct billing_price bp = { .scheme = BILLING_SCHEME_PER_UNIT, .unit_amount = *d };
	struct billing_decimal abs = *d;
	int64_t amount;
	int rc;

	/* The billing core prices non-negative amounts; a credit mirrors a charge. */
	if (d->units < 0 || d->pico < 0) {
		abs.units = -d->units;
		abs.pico = -d->pico;
		bp.unit_amount = abs;
	}
	if ((rc = billing_price_amount(&amount, &bp, quantity, MONEY_ROUND_HALF_UP)) < 0)
		return err_invalid(e, "unit_amount_decimal", "unit_amount_decimal x quantity is "
				   "out of range");
	*out = (d->units < 0 || d->pico < 0) ? -amount : amount;
	return 0;
}

static int check_amount(int64_t amount, const char *param, struct recur_err *e)
{
	if (amount < -PARAMS_MAX_AMOUNT || amount > PARAMS_MAX_AMOUNT)
		return err_invalid(e, param, "The item's amount is out of range (+/-10^15 minor "
				   "units)");
	return 0;
}

/* period {start, end}: both required, end not before start. */
static int read_period(json_t **out, const json_t *p, struct recur_err *e)
{
	static const char *const keys[] = { "end", "start", NULL };
	const json_t *v = NULL;
	int64_t start = 0, end = 0;
	int rc = params_object(&v, p, "period", e);

	*out = NULL;
	if (rc <= 0 || !v)
		return rc < 0 ? rc : 0;
	if ((rc = params_only(v, keys, e)) < 0 || (rc = params_require(v, "start", e)) < 0 ||
	    (rc = params_require(v, "end", e)) < 0 ||
	    (rc = params_int(&start, v, "start", 0, INT64_MAX / 2, e)) < 0 ||
	    (rc = params_int(&end, v, "end", 0, INT64_MAX / 2, e)) < 0)
		return params_nest(e, rc, "period");
	if (end < start)
		return err_invalid(e, "period[end]", "The period must not end before it starts");
	*out = json_pack("{s:I, s:I}", "end", (json_int_t)end, "start", (json_int_t)start);
	return 1;
}

static int read_rates(const json_t **out, int *has, const json_t *p, struct recur_err *e)
{
	int rc = params_string_array(out, p, "tax_rates", 255, e);
	*has = rc > 0;
	return rc < 0 ? rc : 0;
}

static int subscription_of(struct svc *s, const char *sub, const char *customer,
			   struct recur_err *e)
{
	struct store_val p[] = { SV_TEXT(s->scope.tenant), SV_INT(s->scope.livemode), SV_TEXT(sub),
				 SV_TEXT(customer) };
	int64_t n = 0;
	int rc = store_query_int(&n, NULL, s->db, "SELECT count(*) FROM subscriptions WHERE"
				 " tenant_id = $1 AND livemode = $2 AND id = $3 AND customer = $4",
				 p, 4, e);
	if (rc < 0)
		return rc;
	if (!n)
		return err_set(e, RECUR_EINVAL, 400, "invalid_request_error", "resource_missing",
			       "subscription", "No such subscription for this customer: '%s'", sub);
	return 0;
}

static const char *const create_params[] = {
	"amount", "currency", "customer", "description", "discountable", "invoice", "metadata",
	"period", "price", "pricing", "quantity", "subscription", "tax_rates",
	"unit_amount_decimal", NULL
};

int svc_invoiceitem_create(json_t **out, struct svc *s, const json_t *p, struct recur_err *e)
{
	struct pricing_params pp;
	const char *customer = NULL, *currency = NULL, *description = NULL, *invoice = NULL;
	const char *sub = NULL;
	const json_t *rates = NULL;
	json_t *cus = NULL, *price = NULL, *period = NULL, *md = NULL, *item = NULL;
	json_t *pricing = NULL, *inv = NULL;
	char id[IDS_MAX];
	bool discountable = true;
	int has_discountable, has_rates;
	int64_t now, amount = 0;
	int rc;

	*out = NULL;
	if ((rc = params_only(p, create_params, e)) < 0 ||
	    (rc = params_require(p, "customer", e)) < 0 ||
	    (rc = params_string(&customer, p, "customer", 255, e)) < 0 ||
	    (rc = read_pricing(&pp, p, e)) < 0 ||
	    (rc = params_currency(&currency, p, "currency", e)) < 0 ||
	    (rc = params_string(&description, p, "description", DESCRIPTION_MAX, e)) < 0 ||
	    (rc = has_discountable = params_bool(&discountable, p, "discountable", e)) < 0 ||
	    (rc = params_string(&invoice, p, "invoice", 255, e)) < 0 ||
	    (rc = params_string(&sub, p, "subscription", 255, e)) < 0 ||
	    (rc = read_rates(&rates, &has_rates, p, e)) < 0 ||
	    (rc = read_period(&period, p, e)) < 0 ||
	    (rc = params_metadata(&md, NULL, p, e)) < 0)
		goto out;
	if (!pp.has_amount && !pp.has_price && !pp.has_decimal) {
		rc = err_set(e, RECUR_EINVAL, 400, "invalid_request_error", "parameter_missing",
			     "amount", "Missing required param: amount (or pricing[price], or "
			     "unit_amount_decimal).");
		goto out;
	}
	/* Stripe: currency is required unless a price gives it. */
	if (!pp.has_price && !currency) {
		rc = err_set(e, RECUR_EINVAL, 400, "invalid_request_error", "parameter_missing",
			     "currency", "Missing required param: currency.");
		goto out;
	}
	if (invoice && !*invoice)
		invoice = NULL;
	if (sub && !*sub)
		sub = NULL;
	if ((rc = svc_begin(s, e)) < 0)
		goto out;
	rc = store_obj_get(&cus, s->db, &svc_customers_table, &s->scope, customer, e);
	if (rc == RECUR_ENOTFOUND)
		rc = err_set(e, RECUR_EINVAL, 400, "invalid_request_error", "resource_missing",
			     "customer", "No such customer: '%s'", customer);
	if (rc < 0 || (rc = svc_test_clock_now(&now, s, str(cus, "test_clock"), e)) < 0)
		goto done;
	if (pp.has_price) {
		if ((rc = item_price(&price, s, &pp, e)) < 0)
			goto done;
		if (currency && strcmp(currency, str(price, "currency")) != 0) {
			rc = err_invalid(e, "currency", "The currency (%s) must be the price's (%s)",
					 currency, str(price, "currency"));
			goto done;
		}
		currency = str(price, "currency");
		if ((rc = svc_pricing_amount(&amount, price, pp.quantity, e)) < 0)
			goto done;
		pricing = pricing_of_price(price);
	} else if (pp.has_decimal) {
		if ((rc = decimal_amount(&amount, &pp.decimal, pp.quantity, e)) < 0)
			goto done;
		pricing = pricing_of_decimal(&pp.decimal);
	} else {
		amount = pp.amount;
		pricing = pricing_of_amount(amount, pp.quantity);
	}
	if ((rc = check_amount(amount, "amount", e)) < 0)
		goto done;
	if (has_rates && rates && (rc = svc_invoice_check_rates(s, rates, "tax_rates", e)) < 0)
		goto done;
	if (sub && (rc = subscription_of(s, sub, customer, e)) < 0)
		goto done;
	if (invoice) {
		rc = store_obj_get(&inv, s->db, &svc_invoices_table, &s->scope, invoice, e);
		if (rc == RECUR_ENOTFOUND)
			rc = err_set(e, RECUR_EINVAL, 400, "invalid_request_error", "resource_missing",
				     "invoice", "No such invoice: '%s'", invoice);
		if (rc < 0)
			goto done;
		if (strcmp(str(inv, "customer"), customer) != 0 ||
		    strcmp(str(inv, "currency"), currency) != 0) {
			rc = err_invalid(e, "invoice", "Invoice %s is for another customer or in "
					 "another currency than this item", invoice);
			goto done;
		}
	}
	/* Stripe: discountable "defaults to false for prorations or negative
	 * invoice items, and true for all other invoice items". */
	if (!has_discountable)
		discountable = amount >= 0;
	if (!period)
		period = json_pack("{s:I, s:I}", "end", (json_int_t)now, "start", (json_int_t)now);
	ids_new(id, sizeof(id), "ii");
	item = json_pack("{s:s, s:I, s:s, s:s?, s:s?, s:n, s:I, s:s, s:s?, s:I, s:b, s:[], s:O, "
			 "s:O, s:I, s:b, s:o, s:O, s:O}",
			 "id", id, "created", (json_int_t)now, "customer", customer,
			 "invoice", invoice, "subscription", sub, "subscription_item",
			 "amount", (json_int_t)amount, "currency", currency,
			 "description", description && *description ? description : NULL,
			 "date", (json_int_t)now, "discountable", discountable, "discounts",
			 "period", period, "pricing", pricing, "quantity", (json_int_t)pp.quantity,
			 "proration", 0, "tax_rates", rates ? json_deep_copy(rates) : json_array(),
			 "test_clock", json_object_get(cus, "test_clock"), "metadata", md);
	if (!item) {
		rc = err_internal(e, "cannot build invoice item");
		goto done;
	}
	if ((rc = store_obj_insert(s->db, &svc_invoiceitems_table, &s->scope, item, e)) < 0 ||
	    (rc = item_event(s, "invoiceitem.created", item, NULL, e)) < 0)
		goto done;
	if (invoice && (rc = svc_invoice_sync_item(s, invoice, item, false, "invoice", e)) < 0)
		goto done;
	*out = svc_invoiceitem_render(s, item);
done:
	rc = svc_finish(s, rc, e);
out:
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	}
	json_decref(cus);
	json_decref(price);
	json_decref(period);
	json_decref(md);
	json_decref(item);
	json_decref(pricing);
	json_decref(inv);
	return rc;
}

int svc_invoiceitem_retrieve(json_t **out, struct svc *s, const char *id, struct recur_err *e)
{
	json_t *item = NULL;
	int rc;

	*out = NULL;
	if ((rc = store_obj_get(&item, s->db, &svc_invoiceitems_table, &s->scope, id, e)) < 0)
		return rc;
	*out = svc_invoiceitem_render(s, item);
	json_decref(item);
	return 0;
}

/*
 * An item can change while it is pending or on a draft; on a finalized
 * invoice it is part of what the customer was billed.
 */
static int changeable(struct svc *s, const json_t *item, struct recur_err *e)
{
	const char *invoice = str(item, "invoice");
	json_t *inv = NULL;
	int rc;

	if (!invoice)
		return 0;
	if ((rc = store_obj_get(&inv, s->db, &svc_invoices_table, &s->scope, invoice, e)) < 0)
		return rc;
	if (strcmp(str(inv, "status"), "draft") != 0)
		rc = err_set(e, RECUR_EINVAL, 400, "invalid_request_error",
			     "invoice_unexpected_state", NULL, "Invoice item %s is on invoice %s, "
			     "which is %s: only pending items and items on drafts can change",
			     str(item, "id"), invoice, str(inv, "status"));
	json_decref(inv);
	return rc;
}

static const char *const update_params[] = {
	"amount", "description", "discountable", "metadata", "period", "price", "pricing",
	"quantity", "tax_rates", "unit_amount_decimal", NULL
};

int svc_invoiceitem_update(json_t **out, struct svc *s, const char *id, const json_t *p,
			   struct recur_err *e)
{
	struct pricing_params pp;
	const char *description = NULL;
	const json_t *rates = NULL, *pr;
	json_t *before = NULL, *item = NULL, *price = NULL, *period = NULL, *md = NULL;
	json_t *prev = NULL, *rb = NULL, *ra = NULL;
	bool discountable;
	int has_discountable, has_rates, has_period;
	int64_t amount, quantity;
	int rc;

	*out = NULL;
	if ((rc = params_only(p, update_params, e)) < 0 || (rc = read_pricing(&pp, p, e)) < 0 ||
	    (rc = params_string(&description, p, "description", DESCRIPTION_MAX, e)) < 0 ||
	    (rc = has_discountable = params_bool(&discountable, p, "discountable", e)) < 0 ||
	    (rc = read_rates(&rates, &has_rates, p, e)) < 0 ||
	    (rc = has_period = read_period(&period, p, e)) < 0)
		goto out;
	if ((rc = svc_begin(s, e)) < 0)
		goto out;
	if ((rc = store_obj_get(&before, s->db, &svc_invoiceitems_table, &s->scope, id, e)) < 0 ||
	    (rc = changeable(s, before, e)) < 0)
		goto done;
	item = json_deep_copy(before);
	quantity = pp.has_quantity ? pp.quantity : num(before, "quantity");
	pr = json_object_get(json_object_get(before, "pricing"), "price_details");
	if (pp.has_price) {
		if ((rc = item_price(&price, s, &pp, e)) < 0)
			goto done;
		if (strcmp(str(price, "currency"), str(before, "currency")) != 0) {
			rc = err_invalid(e, pp.price_param, "The price's currency (%s) is not the "
					 "item's (%s)", str(price, "currency"), str(before, "currency"));
			goto done;
		}
	} else if (!pp.has_amount && !pp.has_decimal && str(pr, "price") &&
		   (pp.has_quantity)) {
		/* A new quantity of the same price is priced again. */
		rc = store_obj_get(&price, s->db, &svc_prices_table, &s->scope, str(pr, "price"), e);
		if (rc < 0)
			goto done;
	}
	if (price) {
		if ((rc = svc_pricing_amount(&amount, price, quantity, e)) < 0)
			goto done;
		json_object_set_new(item, "pricing", pricing_of_price(price));
	} else if (pp.has_decimal) {
		if ((rc = decimal_amount(&amount, &pp.decimal, quantity, e)) < 0)
			goto done;
		json_object_set_new(item, "pricing", pricing_of_decimal(&pp.decimal));
	} else if (pp.has_amount) {
		amount = pp.amount;
		json_object_set_new(item, "pricing", pricing_of_amount(amount, quantity));
	} else if (pp.has_quantity) {
		/* An amount or decimal item: the unit amount stays, the quantity scales it. */
		struct billing_decimal d;
		const char *text = str(json_object_get(before, "pricing"), "unit_amount_decimal");
		if (!text || billing_decimal_parse(&d, text) < 0) {
			rc = err_invalid(e, "quantity", "This item has no unit amount to multiply; "
					 "give its amount instead");
			goto done;
		}
		if ((rc = decimal_amount(&amount, &d, quantity, e)) < 0)
			goto done;
	} else {
		amount = num(before, "amount");
	}
	if ((rc = check_amount(amount, pp.has_amount ? "amount" : "quantity", e)) < 0)
		goto done;
	json_object_set_new(item, "amount", json_integer(amount));
	json_object_set_new(item, "quantity", json_integer(quantity));
	if (description)
		json_object_set_new(item, "description", *description ? json_string(description)
								      : json_null());
	if (has_discountable)
		json_object_set_new(item, "discountable", json_boolean(discountable));
	if (has_period)
		json_object_set(item, "period", period);
	if (has_rates) {
		if (rates && (rc = svc_invoice_check_rates(s, rates, "tax_rates", e)) < 0)
			goto done;
		json_object_set_new(item, "tax_rates", rates ? json_deep_copy(rates) : json_array());
	}
	if ((rc = params_metadata(&md, json_object_get(item, "metadata"), p, e)) < 0)
		goto done;
	json_object_set(item, "metadata", md);
	if ((rc = store_obj_update(s->db, &svc_invoiceitems_table, &s->scope, item, e)) < 0)
		goto done;
	if (str(item, "invoice") &&
	    (rc = svc_invoice_sync_item(s, str(item, "invoice"), item, false, NULL, e)) < 0)
		goto done;
	rb = svc_invoiceitem_render(s, before);
	ra = svc_invoiceitem_render(s, item);
	prev = svc_previous_attributes(rb, ra);
	if (prev && (rc = svc_event(s, "invoiceitem.updated", ra, prev, e)) < 0)
		goto done;
	*out = ra;
	ra = NULL;
done:
	rc = svc_finish(s, rc, e);
out:
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	}
	json_decref(before);
	json_decref(item);
	json_decref(price);
	json_decref(period);
	json_decref(md);
	json_decref(prev);
	json_decref(rb);
	json_decref(ra);
	return rc;
}

int svc_invoiceitem_delete(json_t **out, struct svc *s, const char *id, struct recur_err *e)
{
	json_t *item = NULL;
	int rc;

	*out = NULL;
	if ((rc = svc_begin(s, e)) < 0)
		return rc;
	if ((rc = store_obj_get(&item, s->db, &svc_invoiceitems_table, &s->scope, id, e)) < 0 ||
	    (rc = changeable(s, item, e)) < 0 ||
	    (rc = store_obj_delete(s->db, &svc_invoiceitems_table, &s->scope, id, e)) < 0)
		goto done;
	if (str(item, "invoice") &&
	    (rc = svc_invoice_sync_item(s, str(item, "invoice"), item, true, NULL, e)) < 0)
		goto done;
	if ((rc = item_event(s, "invoiceitem.deleted", item, NULL, e)) < 0)
		goto done;
	*out = json_pack("{s:s, s:s, s:b}", "id", id, "object", "invoiceitem", "deleted", 1);
done:
	rc = svc_finish(s, rc, e);
	json_decref(item);
	return rc < 0 ? rc : 0;
}

static const char *const list_params[] = { SVC_LIST_PARAMS, "customer", "invoice", "pending",
					   NULL };

int svc_invoiceitem_list(json_t **out, struct svc *s, const json_t *p, struct recur_err *e)
{
	struct svc_list l;
	const char *customer = NULL, *invoice = NULL;
	json_t *data, *v;
	bool pending = false;
	size_t i;
	int rc;

	*out = NULL;
	if ((rc = params_only(p, list_params, e)) < 0 || (rc = svc_list_params(&l, p, e)) < 0 ||
	    (rc = params_string(&customer, p, "customer", 255, e)) < 0 ||
	    (rc = params_string(&invoice, p, "invoice", 255, e)) < 0)
		return rc;
	if (customer && *customer)
		svc_list_filter(&l, "customer", "=", SV_TEXT(customer));
	if (invoice && *invoice)
		svc_list_filter(&l, "invoice", "=", SV_TEXT(invoice));
	if ((rc = params_bool(&pending, p, "pending", e)) < 0)
		return rc;
	/* Stripe: pending=true lists items not yet on an invoice, false those that are
	 * (a text column compares greater than '' exactly when it is not null). */
	if (rc > 0)
		svc_list_filter(&l, "invoice", pending ? "=" : ">", pending ? SV_NULL : SV_TEXT(""));
	if ((rc = svc_list(out, s, &svc_invoiceitems_table, &l, "/v1/invoiceitems", e)) < 0)
		return rc;
	data = json_object_get(*out, "data");
	json_array_foreach(data, i, v)
		json_array_set_new(data, i, svc_invoiceitem_render(s, v));
	return 0;
}
