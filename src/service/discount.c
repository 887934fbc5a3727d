#include "service/discount.h"
#include "core/ids.h"
#include "core/money.h"
#include "service/coupon.h"
#include "service/params.h"
#include "service/promotion_code.h"

#include <stdio.h>
#include <string.h>

static const struct store_col cols[] = {
	{ "coupon", COL_JSON, 0 },
	{ "customer", COL_TEXT, 0 },
	{ "subscription", COL_TEXT, 0 },
	{ "invoice", COL_TEXT, 0 },
	{ "promotion_code", COL_TEXT, 0 },
	{ "start", COL_INT, 0 },
	{ "end", COL_INT, 0 },
	{ "times_applied", COL_INT, 0 },
};

const struct store_table svc_discounts_table = {
	.table = "discounts", .object = "discount", .noun = "discount",
	.cols = cols, .ncols = sizeof(cols) / sizeof(cols[0]), .soft_delete = true,
};

/* The stored coupon renders percent_off as a decimal; the core wants hundredths. */
static int percent_hundredths(int64_t *out, const json_t *v)
{
	char text[64];
	*out = 0;
	if (!v || json_is_null(v))
		return 0;
	if (json_is_integer(v)) {
		*out = json_integer_value(v) * 100;
		return 0;
	}
	snprintf(text, sizeof(text), "%.2f", json_number_value(v));
	return money_parse(out, text, 2, MONEY_LOCALE_C, NULL);
}

int svc_coupon_to_billing(struct svc_coupon *sc, const json_t *coupon, struct recur_err *e)
{
	const char *duration = json_string_value(json_object_get(coupon, "duration"));
	const char *currency = json_string_value(json_object_get(coupon, "currency"));
	struct billing_coupon *out = &sc->c;
	memset(sc, 0, sizeof(*sc));
	const char *code;
	json_t *opt;
	json_object_foreach(json_object_get(coupon, "currency_options"), code, opt) {
		if (out->n_currency_options >= SVC_COUPON_CURRENCIES)
			break;
		struct billing_coupon_currency *cc = &sc->options[out->n_currency_options++];
		snprintf(cc->currency, sizeof(cc->currency), "%s", code);
		cc->amount_off = json_integer_value(json_object_get(opt, "amount_off"));
	}
	out->currency_options = sc->options;
	if (percent_hundredths(&out->percent_off, json_object_get(coupon, "percent_off")) < 0)
		return err_internal(e, "coupon has a malformed percent_off");
	out->amount_off = json_integer_value(json_object_get(coupon, "amount_off"));
	snprintf(out->currency, sizeof(out->currency), "%s", currency ? currency : "");
	out->duration = !duration || strcmp(duration, "once") == 0 ? BILLING_COUPON_ONCE
			: strcmp(duration, "repeating") == 0	  ? BILLING_COUPON_REPEATING
								  : BILLING_COUPON_FOREVER;
	out->duration_in_months = json_integer_value(json_object_get(coupon, "duration_in_months"));
	out->max_redemptions = json_integer_value(json_object_get(coupon, "max_redemptions"));
	out->times_redeemed = json_integer_value(json_object_get(coupon, "times_redeemed"));
	out->redeem_by = json_integer_value(json_object_get(coupon, "redeem_by"));
	return 0;
}

/* Raw coupon row fields, read for the redemption check (valid is recomputed on read). */
static int load_coupon(json_t **out, struct svc *s, const char *id, const char *param,
		       struct recur_err *e)
{
	int rc = store_obj_get(out, s->db, &svc_coupons_table, &s->scope, id, e);
	if (rc < 0) {
		e->status = 400;
		snprintf(e->param, sizeof(e->param), "%s", param);
		return RECUR_EINVAL;
	}
	return 0;
}

int svc_discount_create(json_t **out, struct svc *s, const char *coupon_id,
			const char *promotion_code_id, const char *customer,
			const char *subscription, const char *currency, int64_t amount,
			int64_t now, const char *param, struct recur_err *e)
{
	json_t *coupon = NULL, *promo = NULL, *d = NULL;
	struct svc_coupon sc;
	struct billing_coupon *bcp = &sc.c;
	char id[IDS_MAX];
	int rc;
	*out = NULL;
	if (promotion_code_id) {
		struct store_val p[] = { SV_TEXT(s->scope.tenant), SV_INT(s->scope.livemode),
					 SV_TEXT(promotion_code_id) };
		char coupon_buf[256] = "";
		int64_t active = 0;
		bool found = false;
		/* A promotion code is a customer-facing name for a coupon. */
		rc = store_query_int(&active, &found, s->db, "SELECT active FROM promotion_codes"
				     " WHERE tenant_id = $1 AND livemode = $2 AND id = $3", p, 3, e);
		if (rc < 0)
			return rc;
		if (!found || !active)
			return err_invalid(e, param, "No such active promotion code: '%s'",
					   promotion_code_id);
		if ((rc = store_obj_get(&promo, s->db, &svc_promotion_codes_table, &s->scope,
					promotion_code_id, e)) < 0)
			return rc;
		/* Stripe: a code's own expiry, redemption limit and customer apply too. */
		json_t *expires = json_object_get(promo, "expires_at");
		json_t *max = json_object_get(promo, "max_redemptions");
		const char *only = json_string_value(json_object_get(promo, "customer"));
		if (json_is_integer(expires) && now >= json_integer_value(expires))
			rc = err_invalid(e, param, "The promotion code %s has expired",
					 promotion_code_id);
		else if (json_is_integer(max) &&
			 json_integer_value(json_object_get(promo, "times_redeemed")) >=
				 json_integer_value(max))
			rc = err_invalid(e, param, "The promotion code %s has reached its"
					 " max_redemptions", promotion_code_id);
		else if (only && (!customer || strcmp(only, customer) != 0))
			rc = err_invalid(e, param, "The promotion code %s is for another customer",
					 promotion_code_id);
		else
			rc = svc_promotion_code_check(s, promo, customer, currency, amount, param, e);
		if (rc < 0)
			goto done;
		snprintf(coupon_buf, sizeof(coupon_buf), "%s",
			 json_string_value(json_object_get(promo, "coupon")));
		coupon_id = NULL;
		rc = load_coupon(&coupon, s, coupon_buf, param, e);
	} else {
		rc = load_coupon(&coupon, s, coupon_id, param, e);
	}
	if (rc < 0)
		goto done;
	if ((rc = svc_coupon_to_billing(&sc, coupon, e)) < 0)
		goto done;
	if (!billing_coupon_valid(bcp, now)) {
		rc = err_invalid(e, param, "The coupon %s can no longer be redeemed",
				 json_string_value(json_object_get(coupon, "id")));
		goto done;
	}
	if (currency && !billing_coupon_applies(bcp, currency, NULL)) {
		rc = err_invalid(e, param, "The coupon %s is for %s, not %s",
				 json_string_value(json_object_get(coupon, "id")), bcp->currency, currency);
		goto done;
	}
	/* One more redemption, counted in the same transaction as the discount. */
	struct store_val up[] = { SV_TEXT(s->scope.tenant), SV_INT(s->scope.livemode),
				  SV_TEXT(json_string_value(json_object_get(coupon, "id"))) };
	if ((rc = store_exec(s->db, "UPDATE coupons SET times_redeemed = times_redeemed + 1"
			     " WHERE tenant_id = $1 AND livemode = $2 AND id = $3", up, 3, e)) < 0)
		goto done;
	if (promotion_code_id &&
	    (rc = store_exec(s->db, "UPDATE promotion_codes SET times_redeemed = times_redeemed + 1"
			     " WHERE tenant_id = $1 AND livemode = $2 AND id = $3",
			     (struct store_val[]){ SV_TEXT(s->scope.tenant), SV_INT(s->scope.livemode),
						   SV_TEXT(promotion_code_id) }, 3, e)) < 0)
		goto done;
	json_object_set_new(coupon, "times_redeemed", json_integer(bcp->times_redeemed + 1));
	struct billing_discount bd = { .coupon = bcp, .start = now };
	int64_t end = 0;
	if ((rc = billing_discount_end(&end, &bd)) < 0) {
		rc = err_internal(e, "cannot compute the discount's end");
		goto done;
	}
	ids_new(id, sizeof(id), "di");
	/* "end" is o, not O: the pack takes the new integer's only reference (LSan found the leak). */
	d = json_pack("{s:s, s:I, s:O, s:s?, s:s?, s:n, s:s?, s:I, s:o, s:I}", "id", id, "created",
		      (json_int_t)now, "coupon", coupon, "customer", customer, "subscription",
		      subscription, "invoice", "promotion_code", promotion_code_id, "start",
		      (json_int_t)now, "end", end ? json_integer(end) : json_null(), "times_applied",
		      (json_int_t)0);
	if ((rc = store_obj_insert(s->db, &svc_discounts_table, &s->scope, d, e)) < 0)
		goto done;
	rc = store_obj_get(out, s->db, &svc_discounts_table, &s->scope, id, e);
done:
	json_decref(coupon);
	json_decref(promo);
	json_decref(d);
	return rc;
}

int svc_discounts_load(struct svc_coupon *coupons, struct billing_discount *discounts,
		       size_t *n, struct svc *s, const json_t *ids, struct recur_err *e)
{
	size_t i;
	json_t *id;
	*n = 0;
	json_array_foreach(ids, i, id) {
		json_t *d = NULL;
		bool deleted = false;
		if (*n >= BILLING_DISCOUNTS_MAX)
			break;
		int rc = store_obj_get_any(&d, &deleted, s->db, &svc_discounts_table, &s->scope,
					   json_string_value(id), e);
		if (rc < 0)
			return rc;
		if (!deleted) {
			rc = svc_coupon_to_billing(&coupons[*n], json_object_get(d, "coupon"), e);
			discounts[*n] = (struct billing_discount){
				.coupon = &coupons[*n].c,
				.start = json_integer_value(json_object_get(d, "start")),
				.times_applied = json_integer_value(json_object_get(d, "times_applied")),
			};
			(*n)++;
		}
		json_decref(d);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int svc_discount_applied(struct svc *s, const char *id, struct recur_err *e)
{
	struct store_val p[] = { SV_TEXT(s->scope.tenant), SV_INT(s->scope.livemode), SV_TEXT(id) };
	int rc = store_exec(s->db, "UPDATE discounts SET times_applied = times_applied + 1"
			    " WHERE tenant_id = $1 AND livemode = $2 AND id = $3", p, 3, e);
	return rc < 0 ? rc : 0;
}
