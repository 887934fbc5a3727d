#include "service/pricing.h"

#include <stdio.h>
#include <string.h>

/*
 * A decimal field of a price: the *_decimal string when present (it carries
 * sub-minor-unit precision), else the integer amount, else zero.
 */
static int decimal_field(struct billing_decimal *out, const json_t *obj, const char *name,
			 struct recur_err *e)
{
	char key[64];
	snprintf(key, sizeof(key), "%s_decimal", name);
	const char *dec = json_string_value(json_object_get(obj, key));
	json_t *whole = json_object_get(obj, name);
	*out = BILLING_DECIMAL_MINOR(0);
	if (dec) {
		if (billing_decimal_parse(out, dec) < 0)
			return err_internal(e, "stored price has a malformed %s '%s'", key, dec);
		return 0;
	}
	if (json_is_integer(whole))
		*out = BILLING_DECIMAL_MINOR(json_integer_value(whole));
	return 0;
}

int svc_pricing_load(struct svc_pricing *out, const json_t *price, struct recur_err *e)
{
	int rc;
	memset(out, 0, sizeof(*out));
	const char *scheme = json_string_value(json_object_get(price, "billing_scheme"));
	/* divide_by 0: no transform_quantity (the core refuses one on tiered prices) */
	out->price.divide_by = 0;
	out->price.transform_round = BILLING_TRANSFORM_ROUND_UP;
	if (scheme && strcmp(scheme, "tiered") == 0) {
		const char *mode = json_string_value(json_object_get(price, "tiers_mode"));
		json_t *tiers = json_object_get(price, "tiers");
		size_t i;
		json_t *t;
		out->price.scheme = BILLING_SCHEME_TIERED;
		out->price.tiers_mode = mode && strcmp(mode, "volume") == 0 ? BILLING_TIERS_VOLUME
									     : BILLING_TIERS_GRADUATED;
		if (json_array_size(tiers) > SVC_PRICING_MAX_TIERS)
			return err_internal(e, "price has more than %d tiers", SVC_PRICING_MAX_TIERS);
		json_array_foreach(tiers, i, t) {
			struct billing_tier *bt = &out->tiers[i];
			json_t *up_to = json_object_get(t, "up_to");
			bt->inf = !json_is_integer(up_to);
			bt->up_to = bt->inf ? 0 : json_integer_value(up_to);
			if ((rc = decimal_field(&bt->unit_amount, t, "unit_amount", e)) < 0 ||
			    (rc = decimal_field(&bt->flat_amount, t, "flat_amount", e)) < 0)
				return rc;
		}
		out->price.tiers = out->tiers;
		out->price.ntiers = json_array_size(tiers);
		return 0;
	}
	out->price.scheme = BILLING_SCHEME_PER_UNIT;
	if (!json_is_string(json_object_get(price, "unit_amount_decimal")) &&
	    !json_is_integer(json_object_get(price, "unit_amount")))
		return err_invalid(e, "price", "The price %s has no fixed unit amount"
				   " (custom_unit_amount) and cannot price a quantity",
				   json_string_value(json_object_get(price, "id")));
	if ((rc = decimal_field(&out->price.unit_amount, price, "unit_amount", e)) < 0)
		return rc;
	json_t *tq = json_object_get(price, "transform_quantity");
	if (json_is_object(tq)) {
		const char *round = json_string_value(json_object_get(tq, "round"));
		out->price.divide_by = json_integer_value(json_object_get(tq, "divide_by"));
		out->price.transform_round = round && strcmp(round, "down") == 0
						     ? BILLING_TRANSFORM_ROUND_DOWN
						     : BILLING_TRANSFORM_ROUND_UP;
	}
	return 0;
}

int svc_pricing_amount(int64_t *out, const json_t *price, int64_t quantity, struct recur_err *e)
{
	struct svc_pricing p;
	int rc = svc_pricing_load(&p, price, e);
	if (rc < 0)
		return rc;
	rc = billing_price_amount(out, &p.price, quantity, MONEY_ROUND_HALF_UP);
	if (rc == RECUR_EOVERFLOW)
		return err_invalid(e, "quantity", "The amount for this quantity is too large");
	if (rc < 0)
		return err_invalid(e, "price", "The price %s cannot price a quantity",
				   json_string_value(json_object_get(price, "id")));
	return 0;
}

int svc_pricing_interval(struct billing_interval *out, const json_t *price, struct recur_err *e)
{
	json_t *rec = json_object_get(price, "recurring");
	const char *id = json_string_value(json_object_get(price, "id"));
	if (!json_is_object(rec))
		return err_invalid(e, "price", "The price %s is not recurring; a subscription needs"
				   " recurring prices", id ? id : "");
	if (calendar_unit_parse(&out->unit, json_string_value(json_object_get(rec, "interval"))) < 0)
		return err_internal(e, "price %s has an unknown interval", id ? id : "");
	out->count = json_integer_value(json_object_get(rec, "interval_count"));
	if (out->count < 1)
		out->count = 1;
	return 0;
}
