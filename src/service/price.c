#include "service/price.h"
#include "billing/period.h"
#include "billing/price_rules.h"
#include "core/ids.h"
#include "service/list.h"
#include "service/params.h"
#include "service/product.h"

#include <stdio.h>
#include <string.h>

static const struct store_col cols[] = {
	{ "active", COL_BOOL, 0 },
	{ "product", COL_TEXT, 0 },
	{ "currency", COL_TEXT, 0 },
	{ "unit_amount", COL_INT, 0 },
	{ "unit_amount_decimal", COL_TEXT, 0 },
	{ "billing_scheme", COL_TEXT, 0 },
	{ "tiers", COL_JSON, 0 },
	{ "tiers_mode", COL_TEXT, 0 },
	{ "transform_quantity", COL_JSON, 0 },
	{ "recurring", COL_JSON, 0 },
	{ "type", COL_TEXT, 0 },
	{ "tax_behavior", COL_TEXT, 0 },
	{ "lookup_key", COL_TEXT, 0 },
	{ "nickname", COL_TEXT, 0 },
	{ "custom_unit_amount", COL_JSON, 0 },
	{ "metadata", COL_JSON, 0 },
};

/* Prices are never deleted in Stripe, only archived (active=false). */
const struct store_table svc_prices_table = {
	.table = "prices", .object = "price", .noun = "price",
	.cols = cols, .ncols = sizeof(cols) / sizeof(cols[0]),
};

static const char *const billing_schemes[] = { "per_unit", "tiered", NULL };
static const char *const tiers_modes[] = { "graduated", "volume", NULL };
static const char *const tax_behaviors[] = { "exclusive", "inclusive", "unspecified", NULL };
static const char *const intervals[] = { "day", "week", "month", "year", NULL };
static const enum calendar_unit interval_units[] = { CAL_DAY, CAL_WEEK, CAL_MONTH, CAL_YEAR };
static const char *const usage_types[] = { "licensed", "metered", NULL };
static const char *const rounds[] = { "down", "up", NULL };
static const char *const price_types[] = { "one_time", "recurring", NULL };

#define MAX_TIERS 250               /* recur's cap on a tier table */
#define MAX_DIVIDE_BY 1000000000    /* recur's cap on transform_quantity[divide_by] */
#define MAX_TRIAL_DAYS 730          /* Stripe: trial_period_days at most 730 */
#define MAX_LOOKUP_KEY 200          /* Stripe: lookup keys up to 200 characters */
#define MAX_LOOKUP_KEYS 10          /* Stripe: lookup_keys filter takes up to 10 */
#define MAX_METER 100

/* Stripe renders currencies lower-case; the currency table holds ISO upper case. */
static void lower_code(char out[4], const char *code)
{
	for (int i = 0; i < 3; i++)
		out[i] = (char)(code[i] >= 'A' && code[i] <= 'Z' ? code[i] - 'A' + 'a' : code[i]);
	out[3] = '\0';
}

/*
 * A *_decimal amount: a string, or a JSON integer. JSON reals are refused: a
 * double cannot carry twelve decimal places exactly, and money never passes
 * through one.
 */
static int decimal_param(struct price_decimal *out, const json_t *p, const char *key,
			 struct recur_err *e)
{
	json_t *v = json_object_get(p, key);
	char text[32];
	const char *s;
	if (!v || json_is_null(v))
		return 0;
	if (json_is_integer(v)) {
		snprintf(text, sizeof(text), "%lld", (long long)json_integer_value(v));
		s = text;
	} else if (json_is_string(v)) {
		s = json_string_value(v);
	} else {
		return err_invalid(e, key, "Invalid decimal: %s must be a string such as \"12.5\"", key);
	}
	if (params_nest(e, price_rules_decimal(out, s, PARAMS_MAX_AMOUNT, e), key) < 0)
		return RECUR_EINVAL;
	return 1;
}

/*
 * unit_amount or unit_amount_decimal (flat_amount or flat_amount_decimal):
 * one of the two, rendered both ways as Stripe does: an integer amount also
 * shows as its decimal text, and a whole decimal also as the integer. Sets both
 * fields of dst (null when absent); returns 1 if either was given.
 */
static int amount_pair(json_t *dst, const json_t *p, const char *int_key, const char *dec_key,
		       struct recur_err *e)
{
	struct price_decimal d;
	int64_t n = 0;
	char text[32];
	int has_int = params_int(&n, p, int_key, 0, PARAMS_MAX_AMOUNT, e);
	if (has_int < 0)
		return has_int;
	int has_dec = decimal_param(&d, p, dec_key, e);
	if (has_dec < 0)
		return has_dec;
	if (has_int && has_dec)
		return err_invalid(e, dec_key, "You may only specify one of these parameters: %s, %s.",
				   int_key, dec_key);
	if (has_int) {
		snprintf(text, sizeof(text), "%lld", (long long)n);
		json_object_set_new(dst, int_key, json_integer(n));
		json_object_set_new(dst, dec_key, json_string(text));
	} else if (has_dec) {
		json_object_set_new(dst, int_key, d.whole ? json_integer(d.units) : json_null());
		json_object_set_new(dst, dec_key, json_string(d.text));
	} else {
		json_object_set_new(dst, int_key, json_null());
		json_object_set_new(dst, dec_key, json_null());
	}
	return has_int || has_dec;
}

/* One tier, in Stripe's rendering: {flat_amount, flat_amount_decimal, unit_amount, unit_amount_decimal, up_to}. */
static int tier_one(json_t **out, struct price_tier_bound *b, const json_t *t, struct recur_err *e)
{
	static const char *const keys[] = { "flat_amount", "flat_amount_decimal", "unit_amount",
					    "unit_amount_decimal", "up_to", NULL };
	json_t *tier = NULL, *up = NULL;
	int rc, flat, unit;
	if (!json_is_object(t))
		return err_invalid(e, NULL, "Invalid tier: each tier must be a hash");
	if ((rc = params_only(t, keys, e)) < 0 || (rc = params_require(t, "up_to", e)) < 0)
		return rc;
	up = json_object_get(t, "up_to");
	b->inf = json_is_string(up) && strcmp(json_string_value(up), "inf") == 0;
	b->up_to = 0;
	if (!b->inf && params_int(&b->up_to, t, "up_to", 1, PARAMS_MAX_AMOUNT, e) < 0)
		return err_set(e, RECUR_EINVAL, 400, "invalid_request_error",
			       "parameter_invalid_integer", "up_to",
			       "Invalid up_to: must be a positive integer or 'inf'");
	tier = json_object();
	if ((flat = amount_pair(tier, t, "flat_amount", "flat_amount_decimal", e)) < 0 ||
	    (unit = amount_pair(tier, t, "unit_amount", "unit_amount_decimal", e)) < 0) {
		json_decref(tier);
		return RECUR_EINVAL;
	}
	if (!flat && !unit) {
		json_decref(tier);
		return err_invalid(e, NULL, "Each tier needs unit_amount, unit_amount_decimal,"
				   " flat_amount or flat_amount_decimal");
	}
	json_object_set_new(tier, "up_to", b->inf ? json_null() : json_integer(b->up_to));
	*out = tier;
	return 0;
}

static int tiers(json_t **out, const json_t *arr, struct recur_err *e)
{
	struct price_tier_bound bounds[MAX_TIERS];
	size_t n = json_array_size(arr), bad = 0;
	json_t *list = NULL;
	int rc = 0;
	if (n > MAX_TIERS)
		return err_invalid(e, "tiers", "A price can have at most %d tiers", MAX_TIERS);
	list = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *tier = NULL;
		rc = tier_one(&tier, &bounds[i], json_array_get(arr, i), e);
		if (rc < 0) {
			rc = params_nest_index(e, rc, "tiers", i);
			goto done;
		}
		json_array_append_new(list, tier);
	}
	/* Stripe: up_to strictly increasing, and only the last tier open-ended ("inf"). */
	if ((rc = price_rules_tiers(&bad, bounds, n, e)) < 0) {
		rc = params_nest_index(e, params_nest(e, rc, "up_to"), "tiers", bad);
		goto done;
	}
done:
	if (rc < 0) {
		json_decref(list);
		return rc;
	}
	*out = list;
	return 0;
}

static int recurring(json_t **out, const json_t *r, struct recur_err *e)
{
	static const char *const keys[] = { "interval", "interval_count", "meter",
					    "trial_period_days", "usage_type", NULL };
	const char *interval = NULL, *usage = "licensed", *meter = NULL;
	int64_t count = 1, trial = 0;
	int rc, has_trial;
	size_t unit = 0;
	if ((rc = params_only(r, keys, e)) < 0 || (rc = params_require(r, "interval", e)) < 0 ||
	    (rc = params_enum(&interval, r, "interval", intervals, e)) < 0 ||
	    (rc = params_int(&count, r, "interval_count", 1, INT64_MAX, e)) < 0)
		return rc;
	while (strcmp(intervals[unit], interval) != 0)
		unit++;
	int64_t max = billing_interval_count_max(interval_units[unit]);
	if (count > max)
		return err_invalid(e, "interval_count",
				   "The maximum billing interval is three years: interval_count can be at"
				   " most %lld when interval=%s", (long long)max, interval);
	if ((rc = params_enum(&usage, r, "usage_type", usage_types, e)) < 0 ||
	    (rc = params_string(&meter, r, "meter", MAX_METER, e)) < 0)
		return rc;
	if (meter && !*meter)
		meter = NULL;
	if (meter && strcmp(usage, "metered") != 0)
		return err_invalid(e, "meter", "A meter can only be set when usage_type=metered");
	if ((has_trial = params_int(&trial, r, "trial_period_days", 0, MAX_TRIAL_DAYS, e)) < 0)
		return has_trial;
	*out = json_pack("{s:s, s:I, s:s?, s:o, s:s}", "interval", interval, "interval_count",
			 (json_int_t)count, "meter", meter, "trial_period_days",
			 has_trial ? json_integer(trial) : json_null(), "usage_type", usage);
	return 0;
}

static int transform_quantity(json_t **out, const json_t *t, struct recur_err *e)
{
	static const char *const keys[] = { "divide_by", "round", NULL };
	const char *round = NULL;
	int64_t by = 0;
	int rc;
	if ((rc = params_only(t, keys, e)) < 0 || (rc = params_require(t, "divide_by", e)) < 0 ||
	    (rc = params_require(t, "round", e)) < 0 ||
	    (rc = params_int(&by, t, "divide_by", 1, MAX_DIVIDE_BY, e)) < 0 ||
	    (rc = params_enum(&round, t, "round", rounds, e)) < 0)
		return rc;
	*out = json_pack("{s:I, s:s}", "divide_by", (json_int_t)by, "round", round);
	return 0;
}

/* Pay-what-you-want prices: Stripe's custom_unit_amount {enabled, minimum, maximum, preset}. */
static int custom_unit_amount(json_t **out, const json_t *c, struct recur_err *e)
{
	static const char *const keys[] = { "enabled", "maximum", "minimum", "preset", NULL };
	static const char *const names[] = { "maximum", "minimum", "preset" };
	int64_t v[3] = { 0, 0, 0 };
	int has[3];
	bool enabled = false;
	int rc;
	if ((rc = params_only(c, keys, e)) < 0 || (rc = params_require(c, "enabled", e)) < 0 ||
	    (rc = params_bool(&enabled, c, "enabled", e)) < 0)
		return rc;
	if (!enabled)
		return err_invalid(e, "enabled",
				   "Pass enabled=true to use custom_unit_amount, or leave it out");
	for (int i = 0; i < 3; i++)
		if ((has[i] = params_int(&v[i], c, names[i], 0, PARAMS_MAX_AMOUNT, e)) < 0)
			return has[i];
	if (has[0] && has[1] && v[1] > v[0])
		return err_invalid(e, "minimum", "minimum cannot be greater than maximum");
	if (has[2] && ((has[1] && v[2] < v[1]) || (has[0] && v[2] > v[0])))
		return err_invalid(e, "preset", "preset must lie between minimum and maximum");
	*out = json_object();
	for (int i = 0; i < 3; i++)
		json_object_set_new(*out, names[i], has[i] ? json_integer(v[i]) : json_null());
	return 0;
}

/* Text fields where "" means "none". */
static int optional_text(json_t *c, const json_t *p, const char *key, size_t max,
			 struct recur_err *e)
{
	const char *v = NULL;
	int rc = params_string(&v, p, key, max, e);
	if (rc > 0)
		json_object_set_new(c, key, *v ? json_string(v) : json_null());
	return rc;
}

/* The name of whichever of unit_amount / unit_amount_decimal p carries. */
static const char *amount_key(const json_t *p)
{
	return json_object_get(p, "unit_amount") ? "unit_amount" : "unit_amount_decimal";
}

int svc_price_build(json_t **out, struct svc *s, const json_t *p, const char *product,
		    struct recur_err *e)
{
	char id[IDS_MAX], currency[4];
	const char *cur = NULL, *scheme = "per_unit", *mode = NULL, *tax = "unspecified";
	const json_t *rec = NULL, *custom = NULL, *transform = NULL, *tier_list = NULL;
	json_t *c = NULL, *built = NULL, *md = NULL;
	bool active = true;
	int rc, has_amount;
	*out = NULL;
	if ((rc = params_require(p, "currency", e)) < 0 ||
	    (rc = params_currency(&cur, p, "currency", e)) < 0)
		return rc;
	lower_code(currency, cur);
	ids_new(id, sizeof(id), "price");
	c = json_pack("{s:s, s:I, s:b, s:s, s:s, s:n, s:n, s:s, s:n, s:n, s:n, s:n, s:s, s:s,"
		      " s:n, s:n, s:n}",
		      "id", id, "created", (json_int_t)s->now, "active", 1, "product", product,
		      "currency", currency, "unit_amount", "unit_amount_decimal",
		      "billing_scheme", "per_unit", "tiers", "tiers_mode", "transform_quantity",
		      "recurring", "type", "one_time", "tax_behavior", "unspecified", "lookup_key",
		      "nickname", "custom_unit_amount");
	if (!c)
		return err_internal(e, "cannot build price");
	if ((rc = params_bool(&active, p, "active", e)) < 0 ||
	    (rc = params_enum(&scheme, p, "billing_scheme", billing_schemes, e)) < 0 ||
	    (rc = params_enum(&mode, p, "tiers_mode", tiers_modes, e)) < 0 ||
	    (rc = params_enum(&tax, p, "tax_behavior", tax_behaviors, e)) < 0 ||
	    (rc = params_object(&rec, p, "recurring", e)) < 0 ||
	    (rc = params_object(&custom, p, "custom_unit_amount", e)) < 0 ||
	    (rc = params_object(&transform, p, "transform_quantity", e)) < 0 ||
	    (rc = params_array(&tier_list, p, "tiers", e)) < 0)
		goto done;
	json_object_set_new(c, "active", json_boolean(active));
	json_object_set_new(c, "billing_scheme", json_string(scheme));
	json_object_set_new(c, "tax_behavior", json_string(tax));
	if (rec) {
		if ((rc = params_nest(e, recurring(&built, rec, e), "recurring")) < 0)
			goto done;
		json_object_set_new(c, "recurring", built);
		json_object_set_new(c, "type", json_string("recurring"));
		built = NULL;
	}
	if ((rc = has_amount = amount_pair(c, p, "unit_amount", "unit_amount_decimal", e)) < 0)
		goto done;
	if (custom) {
		if ((rc = params_nest(e, custom_unit_amount(&built, custom, e), "custom_unit_amount")) < 0)
			goto done;
		json_object_set_new(c, "custom_unit_amount", built);
		built = NULL;
	}
	if (transform) {
		if ((rc = params_nest(e, transform_quantity(&built, transform, e),
				      "transform_quantity")) < 0)
			goto done;
		json_object_set_new(c, "transform_quantity", built);
		built = NULL;
	}
	if (strcmp(scheme, "tiered") == 0) {
		/* Stripe: a tiered price takes its amounts from the tiers alone. */
		if (has_amount) {
			rc = err_invalid(e, amount_key(p),
					 "%s cannot be set when billing_scheme=tiered; set the amounts in tiers",
					 amount_key(p));
		} else if (custom) {
			rc = err_invalid(e, "custom_unit_amount",
					 "custom_unit_amount cannot be used with billing_scheme=tiered");
		} else if (transform) {
			rc = err_invalid(e, "transform_quantity",
					 "transform_quantity cannot be used with billing_scheme=tiered");
		} else if (!tier_list || json_array_size(tier_list) == 0) {
			rc = err_set(e, RECUR_EINVAL, 400, "invalid_request_error", "parameter_missing",
				     "tiers", "Missing required param: tiers (billing_scheme=tiered).");
		} else if (!mode) {
			rc = err_set(e, RECUR_EINVAL, 400, "invalid_request_error", "parameter_missing",
				     "tiers_mode",
				     "Missing required param: tiers_mode (billing_scheme=tiered).");
		} else if ((rc = tiers(&built, tier_list, e)) >= 0) {
			json_object_set_new(c, "tiers", built);
			json_object_set_new(c, "tiers_mode", json_string(mode));
			built = NULL;
		}
		if (rc < 0)
			goto done;
	} else {
		if (tier_list) {
			rc = err_invalid(e, "tiers", "tiers can only be set when billing_scheme=tiered");
		} else if (mode) {
			rc = err_invalid(e, "tiers_mode",
					 "tiers_mode can only be set when billing_scheme=tiered");
		} else if (custom && has_amount) {
			rc = err_invalid(e, "custom_unit_amount",
					 "You may only specify one of these parameters: %s, custom_unit_amount.",
					 amount_key(p));
		} else if (custom && rec) {
			rc = err_invalid(e, "custom_unit_amount",
					 "custom_unit_amount is only supported on one-time prices");
		} else if (!custom && !has_amount) {
			rc = err_set(e, RECUR_EINVAL, 400, "invalid_request_error", "parameter_missing",
				     "unit_amount",
				     "Missing required param: unit_amount (or unit_amount_decimal, or custom_unit_amount).");
		}
		if (rc < 0)
			goto done;
	}
	if ((rc = optional_text(c, p, "lookup_key", MAX_LOOKUP_KEY, e)) < 0 ||
	    (rc = optional_text(c, p, "nickname", PARAMS_MAX_STRING, e)) < 0 ||
	    (rc = params_metadata(&md, NULL, p, e)) < 0)
		goto done;
	json_object_set_new(c, "metadata", md);
	rc = 0;
done:
	json_decref(built);
	if (rc < 0) {
		json_decref(c);
		return rc;
	}
	*out = c;
	return 0;
}

/* The tenant's price (in this mode) that holds lookup key, other than self; NULL if none. */
static int lookup_holder(json_t **out, struct svc *s, const char *key, const char *self,
			 struct recur_err *e)
{
	struct store_filter f = { .col = "lookup_key", .op = "=", .val = SV_TEXT(key) };
	struct store_page page = { .limit = 1 };
	json_t *found = NULL;
	bool more = false;
	*out = NULL;
	int rc = store_obj_list(&found, &more, s->db, &svc_prices_table, &s->scope, &f, 1, &page, e);
	if (rc < 0)
		return rc;
	json_t *holder = json_array_get(found, 0);
	const char *id = json_string_value(json_object_get(holder, "id"));
	if (holder && id && strcmp(id, self) != 0)
		*out = json_incref(holder);
	json_decref(found);
	return 0;
}

/*
 * Lookup keys are unique among a tenant's prices. A taken key is refused,
 * unless transfer: Stripe's transfer_lookup_key moves it from the price that
 * holds it, which is told by a price.updated in the same transaction.
 */
static int claim_lookup_key(struct svc *s, const char *key, const char *self, bool transfer,
			    struct recur_err *e)
{
	json_t *holder = NULL, *moved = NULL, *after = NULL, *prev = NULL;
	int rc;
	if (!key)
		return 0;
	if ((rc = lookup_holder(&holder, s, key, self, e)) < 0 || !holder)
		return rc;
	const char *other = json_string_value(json_object_get(holder, "id"));
	if (!transfer) {
		rc = err_invalid(e, "lookup_key",
				 "A price (%s) already uses the lookup key '%s'; pass transfer_lookup_key=true to move it to this price",
				 other, key);
		goto done;
	}
	moved = json_deep_copy(holder);
	json_object_set_new(moved, "lookup_key", json_null());
	if ((rc = store_obj_update(s->db, &svc_prices_table, &s->scope, moved, e)) < 0 ||
	    (rc = store_obj_get(&after, s->db, &svc_prices_table, &s->scope, other, e)) < 0)
		goto done;
	prev = svc_previous_attributes(holder, after);
	rc = svc_event(s, "price.updated", after, prev, e);
done:
	json_decref(holder);
	json_decref(moved);
	json_decref(after);
	json_decref(prev);
	return rc;
}

int svc_price_insert(json_t **out, struct svc *s, const json_t *price, bool transfer,
		     struct recur_err *e)
{
	const char *id = json_string_value(json_object_get(price, "id"));
	const char *key = json_string_value(json_object_get(price, "lookup_key"));
	int rc;
	*out = NULL;
	if ((rc = claim_lookup_key(s, key, id, transfer, e)) < 0)
		return rc;
	rc = store_obj_insert(s->db, &svc_prices_table, &s->scope, price, e);
	if (rc >= 0)
		rc = store_obj_get(out, s->db, &svc_prices_table, &s->scope, id, e);
	if (rc >= 0)
		rc = svc_event(s, "price.created", *out, NULL, e);
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

/* Inside the transaction, so the product cannot be deleted under the new price. */
static int product_exists(struct svc *s, const char *id, struct recur_err *e)
{
	json_t *product = NULL;
	int rc = store_obj_get(&product, s->db, &svc_products_table, &s->scope, id, e);
	json_decref(product);
	if (rc == RECUR_ENOTFOUND)
		return err_set(e, RECUR_EINVAL, 400, "invalid_request_error", "resource_missing",
			       "product", "No such product: '%s'", id);
	return rc;
}

static const char *const create_params[] = {
	"active", "billing_scheme", "currency", "custom_unit_amount", "lookup_key", "metadata",
	"nickname", "product", "product_data", "recurring", "tax_behavior", "tiers", "tiers_mode",
	"transfer_lookup_key", "transform_quantity", "unit_amount", "unit_amount_decimal", NULL
};

int svc_price_create(json_t **out, struct svc *s, const json_t *p, struct recur_err *e)
{
	json_t *product = NULL, *stored_product = NULL, *price = NULL;
	const json_t *pd = NULL;
	const char *product_id = NULL;
	bool transfer = false;
	int rc;
	*out = NULL;
	if ((rc = params_only(p, create_params, e)) < 0 ||
	    (rc = params_string(&product_id, p, "product", 255, e)) < 0 ||
	    (rc = params_object(&pd, p, "product_data", e)) < 0 ||
	    (rc = params_bool(&transfer, p, "transfer_lookup_key", e)) < 0)
		return rc;
	if (product_id && !*product_id)
		product_id = NULL;
	if (product_id && pd)
		return err_invalid(e, "product_data",
				   "You may only specify one of these parameters: product, product_data.");
	if (!product_id && !pd)
		return err_set(e, RECUR_EINVAL, 400, "invalid_request_error", "parameter_missing",
			       "product", "Missing required param: product (or product_data).");
	if (pd) {
		rc = params_nest(e, svc_product_build(&product, s, pd, true, e), "product_data");
		if (rc < 0)
			goto done;
		product_id = json_string_value(json_object_get(product, "id"));
	}
	if ((rc = svc_price_build(&price, s, p, product_id, e)) < 0)
		goto done;
	if ((rc = svc_begin(s, e)) < 0)
		goto done;
	if (product) {
		rc = svc_product_insert(&stored_product, s, product, e);
		if (rc == RECUR_EINVAL)
			params_nest(e, rc, "product_data");
	} else {
		rc = product_exists(s, product_id, e);
	}
	if (rc >= 0)
		rc = svc_price_insert(out, s, price, transfer, e);
	rc = svc_finish(s, rc, e);
done:
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	}
	json_decref(product);
	json_decref(stored_product);
	json_decref(price);
	return rc;
}

int svc_price_retrieve(json_t **out, struct svc *s, const char *id, struct recur_err *e)
{
	return store_obj_get(out, s->db, &svc_prices_table, &s->scope, id, e);
}

/* Stripe refuses to archive the price that is its product's default_price. */
static int check_not_default(struct svc *s, const json_t *price, struct recur_err *e)
{
	const char *id = json_string_value(json_object_get(price, "id"));
	const char *pid = json_string_value(json_object_get(price, "product"));
	json_t *product = NULL;
	int rc = store_obj_get(&product, s->db, &svc_products_table, &s->scope, pid, e);
	if (rc == RECUR_ENOTFOUND)
		return 0;
	if (rc < 0)
		return rc;
	const char *dp = json_string_value(json_object_get(product, "default_price"));
	if (dp && strcmp(dp, id) == 0)
		rc = err_invalid(e, "active",
				 "This price cannot be archived because it is the default price of its"
				 " product (%s); set another default_price on the product first", pid);
	json_decref(product);
	return rc;
}

static const char *const update_params[] = {
	"active", "lookup_key", "metadata", "nickname", "tax_behavior", "transfer_lookup_key", NULL
};

int svc_price_update(json_t **out, struct svc *s, const char *id, const json_t *p,
		     struct recur_err *e)
{
	json_t *before = NULL, *c = NULL, *md = NULL;
	const char *tax = NULL, *key = NULL;
	bool active = true, transfer = false;
	int rc, has_active;
	*out = NULL;
	/* Amounts, currency, recurrence and tiers are immutable: any of them is an unknown parameter. */
	if ((rc = params_only(p, update_params, e)) < 0)
		return rc;
	if ((has_active = params_bool(&active, p, "active", e)) < 0)
		return has_active;
	if ((rc = params_enum(&tax, p, "tax_behavior", tax_behaviors, e)) < 0 ||
	    (rc = params_bool(&transfer, p, "transfer_lookup_key", e)) < 0)
		return rc;
	if ((rc = svc_begin(s, e)) < 0)
		return rc;
	if ((rc = store_obj_get(&before, s->db, &svc_prices_table, &s->scope, id, e)) < 0)
		goto done;
	c = json_deep_copy(before);
	if (has_active) {
		if (!active && json_is_true(json_object_get(before, "active")) &&
		    (rc = check_not_default(s, before, e)) < 0)
			goto done;
		json_object_set_new(c, "active", json_boolean(active));
	}
	if (tax) {
		/* Stripe: once inclusive or exclusive, a price's tax behavior is fixed. */
		const char *now = json_string_value(json_object_get(before, "tax_behavior"));
		if (now && strcmp(now, "unspecified") != 0 && strcmp(now, tax) != 0) {
			rc = err_invalid(e, "tax_behavior",
					 "The tax_behavior of a price cannot be changed once it is inclusive or exclusive");
			goto done;
		}
		json_object_set_new(c, "tax_behavior", json_string(tax));
	}
	if ((rc = optional_text(c, p, "lookup_key", MAX_LOOKUP_KEY, e)) < 0 ||
	    (rc = optional_text(c, p, "nickname", PARAMS_MAX_STRING, e)) < 0 ||
	    (rc = params_metadata(&md, json_object_get(c, "metadata"), p, e)) < 0)
		goto done;
	json_object_set_new(c, "metadata", md);
	key = json_string_value(json_object_get(c, "lookup_key"));
	if ((rc = claim_lookup_key(s, key, id, transfer, e)) < 0)
		goto done;
	rc = svc_update_object(out, s, &svc_prices_table, before, c, NULL, e);
done:
	rc = svc_finish(s, rc, e);
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	}
	json_decref(before);
	json_decref(c);
	return rc;
}

/*
 * recurring[...] filters match inside the stored JSON text with LIKE, which
 * both back ends run the same way; the values are enum words or meter ids, so
 * they hold no LIKE wildcard but '_' (which matches itself too).
 */
static int recurring_filters(struct svc_list *l, char like[][128], const json_t *r,
			     struct recur_err *e)
{
	static const char *const keys[] = { "interval", "meter", "usage_type", NULL };
	const char *v[3] = { NULL, NULL, NULL };
	int rc;
	if ((rc = params_only(r, keys, e)) < 0 ||
	    (rc = params_enum(&v[0], r, "interval", intervals, e)) < 0 ||
	    (rc = params_string(&v[1], r, "meter", MAX_METER, e)) < 0 ||
	    (rc = params_enum(&v[2], r, "usage_type", usage_types, e)) < 0)
		return rc;
	for (const char *c = v[1]; c && *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '_'))
			return err_invalid(e, "meter", "No such meter: '%s'", v[1]);
	for (int i = 0; i < 3; i++) {
		if (!v[i] || !*v[i])
			continue;
		snprintf(like[i], 128, "%%\"%s\":\"%s\"%%", keys[i], v[i]);
		svc_list_filter(l, "recurring", "LIKE", SV_TEXT(like[i]));
	}
	return 0;
}

static const char *const list_params[] = {
	SVC_LIST_PARAMS, "active", "currency", "lookup_keys", "product", "recurring", "type", NULL
};

int svc_price_list(json_t **out, struct svc *s, const json_t *p, struct recur_err *e)
{
	struct svc_list l;
	char currency[4], like[3][128];
	const char *cur = NULL, *product = NULL, *type = NULL;
	const json_t *keys = NULL, *rec = NULL;
	bool active = false;
	int rc, has_active;
	*out = NULL;
	if ((rc = params_only(p, list_params, e)) < 0 || (rc = svc_list_params(&l, p, e)) < 0)
		return rc;
	if ((has_active = params_bool(&active, p, "active", e)) < 0)
		return has_active;
	if ((rc = params_currency(&cur, p, "currency", e)) < 0 ||
	    (rc = params_string(&product, p, "product", 255, e)) < 0 ||
	    (rc = params_enum(&type, p, "type", price_types, e)) < 0 ||
	    (rc = params_string_array(&keys, p, "lookup_keys", MAX_LOOKUP_KEY, e)) < 0 ||
	    (rc = params_object(&rec, p, "recurring", e)) < 0)
		return rc;
	if (has_active)
		svc_list_filter(&l, "active", "=", SV_INT(active ? 1 : 0));
	if (cur) {
		lower_code(currency, cur);
		svc_list_filter(&l, "currency", "=", SV_TEXT(currency));
	}
	if (product && *product)
		svc_list_filter(&l, "product", "=", SV_TEXT(product));
	if (type)
		svc_list_filter(&l, "type", "=", SV_TEXT(type));
	if (rec && (rc = params_nest(e, recurring_filters(&l, like, rec, e), "recurring")) < 0)
		return rc;
	if (keys) {
		size_t n = json_array_size(keys);
		if (n > MAX_LOOKUP_KEYS)
			return err_invalid(e, "lookup_keys", "At most %d lookup_keys", MAX_LOOKUP_KEYS);
		for (size_t i = 0; i < n; i++)
			l.in_vals[i] = SV_TEXT(json_string_value(json_array_get(keys, i)));
		if (l.nfilters < SVC_LIST_MAX_FILTERS)
			l.filters[l.nfilters++] = (struct store_filter){
				.col = "lookup_key", .op = "IN", .in = l.in_vals, .nin = (int)n };
	}
	return svc_list(out, s, &svc_prices_table, &l, "/v1/prices", e);
}
