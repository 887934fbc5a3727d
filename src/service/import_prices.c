/*
 * import_prices.c - the prices import type: one recurring price per row with
 * its product, which the row creates when it does not exist yet. A price is
 * found by id or lookup_key; its amount, currency and interval cannot change
 * (Stripe's prices are immutable there), so a row that changes them is an
 * error that says to give the new price a new lookup_key (docs/import.md).
 */
#include "service/import_internal.h"

#include "core/ids.h"
#include "service/price.h"
#include "service/product.h"

#include <stdio.h>
#include <string.h>

static const char *const cols[] = {
	"price", "lookup_key", "product", "product_name", "nickname", "currency", "unit_amount",
	"interval", "interval_count", "tax_behavior", "active", NULL
};
static const char *const required[] = { "product", "currency", "unit_amount", "interval", NULL };
static const char *const example1[] = {
	"", "basic_monthly_nok", "prod_basic", "Basic", "Basic, monthly", "nok", "249.00",
	"month", "1", "inclusive", "true"
};
static const char *const example2[] = {
	"", "pro_yearly_sek", "prod_pro", "Pro", "Pro, yearly", "sek", "5490.00", "year", "1",
	"inclusive", "true"
};

static const char *const param_map[] = {
	"product", "product", "name", "product_name", "currency", "currency",
	"unit_amount", "unit_amount", "recurring[interval_count]", "interval_count",
	"recurring[interval]", "interval", "recurring", "interval", "lookup_key", "lookup_key",
	"nickname", "nickname", "tax_behavior", "tax_behavior", "active", "active", NULL
};

static const char *const intervals[] = { "day", "week", "month", "year", NULL };

/* The price the row names: by id (which must exist) or lookup_key (may not). */
static int find(json_t **out, struct imp_run *r, const struct imp_row *row, struct recur_err *e)
{
	struct svc *s = imp_svc(r);
	const char *id = NULL, *key = NULL;
	int rc;
	*out = NULL;
	if (imp_text(&id, r, row, "price", IDS_MAX - 1) < 0 ||
	    imp_text(&key, r, row, "lookup_key", 200) < 0)
		return IMP_ROW_FAILED;
	if (id) {
		rc = store_obj_get(out, s->db, &svc_prices_table, &s->scope, id, e);
		return rc == RECUR_ENOTFOUND ? imp_error(r, row, "price", "No such price: %s", id) : rc;
	}
	if (!key)
		return 0;
	struct store_filter f = { .col = "lookup_key", .op = "=", .val = SV_TEXT(key) };
	struct store_page page = { .limit = 1 };
	json_t *found = NULL;
	bool more = false;
	if ((rc = store_obj_list(&found, &more, s->db, &svc_prices_table, &s->scope, &f, 1, &page,
				 e)) < 0)
		return rc;
	if (json_array_size(found))
		*out = json_incref(json_array_get(found, 0));
	json_decref(found);
	return 0;
}

/* Creates the product, or renames it when product_name says another name. */
static int product(bool *changed, struct imp_run *r, const struct imp_row *row,
		   const char *id, struct recur_err *e)
{
	struct svc *s = imp_svc(r);
	const char *name = NULL;
	json_t *prod = NULL, *p = NULL, *out = NULL;
	int rc;
	if (imp_text(&name, r, row, "product_name", 250) < 0)
		return IMP_ROW_FAILED;
	rc = store_obj_get(&prod, s->db, &svc_products_table, &s->scope, id, e);
	if (rc == RECUR_ENOTFOUND) {
		if (!name)
			return imp_error(r, row, "product_name", "The product %s does not exist: give"
					 " its name to create it", id);
		p = json_pack("{s:s, s:s}", "id", id, "name", name);
		rc = svc_product_create(&out, s, p, e);
		*changed = true;
	} else if (rc == 0 && name && strcmp(name, json_string_value(json_object_get(prod, "name")))) {
		p = json_pack("{s:s}", "name", name);
		rc = svc_product_update(&out, s, id, p, e);
		*changed = true;
	}
	if (rc < 0)
		rc = imp_fail(r, row, param_map, rc, e);
	json_decref(prod);
	json_decref(p);
	json_decref(out);
	return rc;
}

/* An existing price must keep its amount, currency and interval. */
static int same_terms(struct imp_run *r, const struct imp_row *row, const json_t *price,
		      const char *currency, int64_t amount, const char *interval, int64_t count)
{
	const json_t *rec = json_object_get(price, "recurring");
	const char *had_interval = json_string_value(json_object_get(rec, "interval"));
	int bad = 0;
	/*
	 * A row naming a one-time price (by id or lookup_key) has no interval to
	 * compare: without this the strcmp below read NULL and crashed the server.
	 */
	if (!had_interval)
		return imp_error(r, row, imp_has(row, &imp_prices, "price") &&
				 *row->vals[imp_col(&imp_prices, "price")] ? "price" : "lookup_key",
				 "A one-time price cannot be imported: the prices of an import are"
				 " recurring");
	if (strcmp(currency, json_string_value(json_object_get(price, "currency"))) != 0)
		bad = imp_error(r, row, "currency", "A price's currency cannot change; give the new"
				" price a new lookup_key");
	if (json_integer_value(json_object_get(price, "unit_amount")) != amount)
		bad = imp_error(r, row, "unit_amount", "A price's amount cannot change; give the new"
				" price a new lookup_key (and move subscriptions with a plan migration)");
	if (strcmp(interval, had_interval) != 0)
		bad = imp_error(r, row, "interval", "A price's interval cannot change");
	if (json_integer_value(json_object_get(rec, "interval_count")) != count)
		bad = imp_error(r, row, "interval_count", "A price's interval_count cannot change");
	if (strcmp(json_string_value(json_object_get(price, "product")),
		   row->vals[imp_col(&imp_prices, "product")]) != 0)
		bad = imp_error(r, row, "product", "A price cannot move to another product");
	return bad;
}

static void put_text(json_t *p, struct imp_run *r, const struct imp_row *row, const char *col)
{
	if (imp_has(row, &imp_prices, col))
		json_object_set_new(p, col, json_string(row->vals[imp_col(&imp_prices, col)]));
	(void)r;
}

static int apply(struct imp_run *r, const struct imp_row *row, enum svc_outcome *oc,
		 struct recur_err *e)
{
	struct svc *s = imp_svc(r);
	const char *prod = NULL, *cur = NULL, *interval = NULL;
	char currency[8] = "";
	int64_t amount = 0, count = 1;
	bool active = true, changed = false;
	json_t *price = NULL, *p = NULL, *out = NULL;
	int rc = 0, bad = 0;

	/*
	 * A cell too long is reported by imp_text (< 0) and leaves the value NULL:
	 * the row is bad then too, else it would go on without its currency or
	 * interval. An interval is read up to 32 characters so that a wrong word
	 * ("fortnight") is told it is not an interval rather than too long.
	 */
	if ((rc = imp_text(&prod, r, row, "product", IDS_MAX - 1)) <= 0)
		bad = rc < 0 ? rc : imp_error(r, row, "product", "A product id is required");
	if ((rc = imp_text(&cur, r, row, "currency", 3)) <= 0)
		bad = rc < 0 ? rc : imp_error(r, row, "currency", "A currency is required (ISO 4217:"
					      " nok, sek)");
	for (int i = 0; cur && cur[i] && i < 3; i++)
		currency[i] = (char)(cur[i] >= 'A' && cur[i] <= 'Z' ? cur[i] - 'A' + 'a' : cur[i]);
	if ((rc = imp_text(&interval, r, row, "interval", 32)) <= 0)
		bad = rc < 0 ? rc : imp_error(r, row, "interval", "An interval is required (day, week,"
					      " month, year)");
	else {
		int k = 0;
		while (intervals[k] && strcmp(intervals[k], interval) != 0)
			k++;
		if (!intervals[k])
			bad = imp_error(r, row, "interval", "Not an interval: day, week, month or year");
	}
	rc = 0;
	if (cur && (rc = imp_amount(&amount, r, row, "unit_amount", currency)) == 0)
		bad = imp_error(r, row, "unit_amount", "An amount is required");
	else if (rc < 0 || amount < 0)
		bad = rc < 0 ? rc : imp_error(r, row, "unit_amount", "The amount cannot be negative");
	if (imp_int(&count, r, row, "interval_count", 1, 365) < 0 ||
	    imp_bool(&active, r, row, "active") < 0)
		bad = IMP_ROW_FAILED;
	if ((rc = find(&price, r, row, e)) < 0)
		bad = rc;
	if (bad)
		goto done;
	if ((rc = product(&changed, r, row, prod, e)) < 0)
		goto done;
	p = json_object();
	put_text(p, r, row, "nickname");
	put_text(p, r, row, "lookup_key");
	if (imp_has(row, &imp_prices, "active"))
		json_object_set_new(p, "active", json_boolean(active));
	imp_put_metadata(p, row);
	if (!price) {
		/* An empty cell leaves the price's default (unspecified): "" is no tax_behavior. */
		const char *tb = NULL;
		if (imp_text(&tb, r, row, "tax_behavior", 32) > 0)
			json_object_set_new(p, "tax_behavior", json_string(tb));
		json_object_set_new(p, "product", json_string(prod));
		json_object_set_new(p, "currency", json_string(currency));
		json_object_set_new(p, "unit_amount", json_integer(amount));
		json_object_set_new(p, "recurring", json_pack("{s:s, s:I}", "interval", interval,
							      "interval_count", (json_int_t)count));
		rc = svc_price_create(&out, s, p, e);
		*oc = SVC_CREATED;
	} else {
		const char *id = json_string_value(json_object_get(price, "id"));
		if ((rc = same_terms(r, row, price, currency, amount, interval, count)) < 0)
			goto done;
		/* tax_behavior can be set once; a row repeating it is no change */
		const char *tb = json_string_value(json_object_get(price, "tax_behavior"));
		const char *want = imp_has(row, &imp_prices, "tax_behavior")
				   ? row->vals[imp_col(&imp_prices, "tax_behavior")] : NULL;
		if (want && *want && (!tb || strcmp(tb, want) != 0))
			json_object_set_new(p, "tax_behavior", json_string(want));
		rc = svc_price_update(&out, s, id, p, e);
		*oc = rc == 0 && !changed && json_equal(price, out) ? SVC_UNCHANGED : SVC_UPDATED;
	}
	if (rc < 0)
		rc = imp_fail(r, row, param_map, rc, e);
done:
	json_decref(price);
	json_decref(p);
	json_decref(out);
	return bad ? bad : rc;
}

struct export_ctx {
	struct imp_export *x;
	struct svc *s;
};

static int export_one(void *ctx, const json_t *price, struct recur_err *e)
{
	struct export_ctx *c = ctx;
	const json_t *rec = json_object_get(price, "recurring");
	json_t *prod = NULL;
	char amount[48], count[24];
	int rc;
	if (!rec || json_is_null(rec))
		return 0; /* one-time prices are not subscription plans */
	const char *pid = json_string_value(json_object_get(price, "product"));
	if ((rc = store_obj_get(&prod, c->s->db, &svc_products_table, &c->s->scope, pid, e)) < 0)
		return rc;
	const char *cur = json_string_value(json_object_get(price, "currency"));
	imp_format_amount(amount, sizeof(amount), json_integer_value(json_object_get(price,
			  "unit_amount")), cur, c->x->decimal_comma);
	snprintf(count, sizeof(count), "%lld",
		 (long long)json_integer_value(json_object_get(rec, "interval_count")));
	const char *f[] = {
		json_string_value(json_object_get(price, "id")),
		json_string_value(json_object_get(price, "lookup_key")), pid,
		json_string_value(json_object_get(prod, "name")),
		json_string_value(json_object_get(price, "nickname")), cur, amount,
		json_string_value(json_object_get(rec, "interval")), count,
		json_string_value(json_object_get(price, "tax_behavior")),
		json_is_true(json_object_get(price, "active")) ? "true" : "false",
	};
	rc = imp_export_row(c->x, f, json_object_get(price, "metadata"), e);
	json_decref(prod);
	return rc;
}

static int export(struct imp_export *x, struct svc *s, struct recur_err *e)
{
	struct export_ctx c = { x, s };
	int rc = imp_export_header(x, &imp_prices, s, "prices", e);
	return rc < 0 ? rc : imp_export_each(s, &svc_prices_table, NULL, 0, export_one, &c, e);
}

const struct imp_type imp_prices = {
	.name = "prices", .cols = cols, .required = required,
	.examples = { example1, example2 }, .metadata = true, .apply = apply, .export = export,
};
