#include "service/promotion_code.h"
#include "billing/discount.h"
#include "core/ids.h"
#include "core/money.h"
#include "service/coupon.h"
#include "service/customer.h"
#include "service/list.h"
#include "service/params.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static const struct store_col cols[] = {
	{ "code", COL_TEXT, 0 },
	{ "coupon", COL_TEXT, 0 },
	{ "active", COL_BOOL, 0 },
	{ "customer", COL_TEXT, 0 },
	{ "expires_at", COL_INT, 0 },
	{ "max_redemptions", COL_INT, 0 },
	{ "times_redeemed", COL_INT, 0 },
	{ "restrictions", COL_JSON, 0 },
	{ "metadata", COL_JSON, 0 },
};

/* The most currency_options a code's restrictions can hold. */
#define SVC_PROMO_CURRENCIES 32

const struct store_table svc_promotion_codes_table = {
	.table = "promotion_codes", .object = "promotion_code", .noun = "promotion_code",
	.cols = cols, .ncols = sizeof(cols) / sizeof(cols[0]),
};

/*
 * The row keeps the coupon in a column; the current API nests it as
 * promotion: {type: "coupon", coupon}. Completes a stored row in place.
 */
static void present(json_t *obj, int64_t now)
{
	(void)now;
	if (!obj || json_object_get(obj, "promotion"))
		return;
	json_t *coupon = json_object_get(obj, "coupon");
	json_object_set_new(obj, "promotion", json_pack("{s:s, s:O}", "type", "coupon", "coupon",
							coupon ? coupon : json_null()));
	json_object_del(obj, "coupon");
	json_object_set_new(obj, "customer_account", json_null());
}

/* Stripe: codes are case-insensitive, letters, digits and "-", up to 500 characters. */
static int code_param(char *out, size_t cap, const json_t *p, struct recur_err *e)
{
	const char *code = NULL;
	int rc = params_string(&code, p, "code", 500, e);
	if (rc <= 0)
		return rc;
	size_t n = strlen(code);
	if (n == 0 || n >= cap)
		return err_invalid(e, "code", "A promotion code is 1 to 500 characters");
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)code[i];
		if (!isalnum(ch) && ch != '-' && ch != '_')
			return err_invalid(e, "code", "A promotion code may hold only letters, digits,"
					   " '-' and '_'");
		out[i] = (char)toupper(ch);
	}
	out[n] = '\0';
	return 1;
}

/*
 * restrictions of create: first_time_transaction, minimum_amount with its
 * minimum_amount_currency, and currency_options[<currency>][minimum_amount].
 * *out is the object to store (new reference), with Stripe's defaults.
 */
static int restrictions_param(json_t **out, const json_t *p, struct recur_err *e)
{
	static const char *const keys[] = { "first_time_transaction", "minimum_amount",
					    "minimum_amount_currency", "currency_options", NULL };
	static const char *const option_keys[] = { "minimum_amount", NULL };
	const json_t *r = NULL, *options = NULL;
	const char *currency = NULL, *code;
	bool first = false;
	int64_t minimum = 0;
	int rc, has_minimum = 0;
	json_t *opt, *stored = NULL;
	*out = NULL;
	if ((rc = params_object(&r, p, "restrictions", e)) < 0)
		return rc;
	if (r && ((rc = params_only(r, keys, e)) < 0 ||
		  (rc = params_bool(&first, r, "first_time_transaction", e)) < 0 ||
		  (rc = has_minimum = params_int(&minimum, r, "minimum_amount", 0, MONEY_MAX_ABS,
						 e)) < 0 ||
		  (rc = params_currency(&currency, r, "minimum_amount_currency", e)) < 0 ||
		  (rc = params_object(&options, r, "currency_options", e)) < 0))
		return params_nest(e, rc, "restrictions");
	if (has_minimum && !currency)
		return err_set(e, RECUR_EINVAL, 400, "invalid_request_error", "parameter_missing",
			       "restrictions[minimum_amount_currency]", "minimum_amount_currency is"
			       " required with minimum_amount");
	if (currency && !has_minimum)
		return err_invalid(e, "restrictions[minimum_amount]", "minimum_amount_currency"
				   " needs a minimum_amount");
	stored = json_pack("{s:b, s:o, s:o}", "first_time_transaction", first, "minimum_amount",
			   has_minimum ? json_integer(minimum) : json_null(),
			   "minimum_amount_currency", currency ? json_string(currency) : json_null());
	json_object_foreach((json_t *)(uintptr_t)options, code, opt) {
		const struct currency *c = money_currency_find(code);
		char param[64], lower[4] = "";
		int64_t m = 0;
		snprintf(param, sizeof(param), "restrictions[currency_options][%s]", code);
		if (!c)
			rc = err_invalid(e, "", "Invalid currency: %s", code);
		else if (!json_is_object(opt))
			rc = err_invalid(e, "", "Each currency option is a hash");
		else if ((rc = params_only(opt, option_keys, e)) >= 0 &&
			 (rc = params_require(opt, "minimum_amount", e)) >= 0)
			rc = params_int(&m, opt, "minimum_amount", 0, MONEY_MAX_ABS, e);
		if (rc < 0) {
			json_decref(stored);
			return params_nest(e, rc, param);
		}
		for (size_t i = 0; i < 3 && code[i]; i++)
			lower[i] = (char)tolower((unsigned char)code[i]);
		json_t *all = json_object_get(stored, "currency_options");
		if (!all) {
			all = json_object();
			json_object_set_new(stored, "currency_options", all);
		}
		json_object_set_new(all, lower, json_pack("{s:I}", "minimum_amount", (json_int_t)m));
	}
	*out = stored;
	return 0;
}

int svc_promotion_code_check(struct svc *s, const json_t *promo, const char *customer,
			     const char *currency, int64_t amount, const char *param,
			     struct recur_err *e)
{
	const json_t *r = json_object_get(promo, "restrictions");
	const char *id = json_string_value(json_object_get(promo, "id"));
	const char *mc = json_string_value(json_object_get(r, "minimum_amount_currency"));
	struct billing_coupon_currency options[SVC_PROMO_CURRENCIES];
	struct billing_promo_restrictions br = {
		.first_time_transaction = json_is_true(json_object_get(r, "first_time_transaction")),
		.minimum_amount = json_integer_value(json_object_get(r, "minimum_amount")),
		.currency_options = options,
	};
	const char *code;
	json_t *opt;
	bool has_transactions = false;
	snprintf(br.minimum_amount_currency, sizeof(br.minimum_amount_currency), "%s",
		 mc ? mc : "");
	json_object_foreach((json_t *)(uintptr_t)json_object_get(r, "currency_options"), code, opt) {
		if (br.n_currency_options >= SVC_PROMO_CURRENCIES)
			break;
		struct billing_coupon_currency *o = &options[br.n_currency_options++];
		snprintf(o->currency, sizeof(o->currency), "%s", code);
		o->amount_off = json_integer_value(json_object_get(opt, "minimum_amount"));
	}
	if (br.first_time_transaction && customer) {
		/* Stripe: only "Customers without any successful payments or invoices". */
		struct store_val p[] = { SV_TEXT(s->scope.tenant), SV_INT(s->scope.livemode),
					 SV_TEXT(customer) };
		int64_t one = 0;
		int rc = store_query_int(&one, &has_transactions, s->db,
					 "SELECT 1 FROM invoices WHERE tenant_id = $1 AND livemode = $2"
					 " AND customer = $3 AND status = 'paid' AND total > 0 LIMIT 1",
					 p, 3, e);
		if (rc < 0)
			return rc;
	}
	switch (billing_promo_check(&br, has_transactions, currency, amount)) {
	case BILLING_PROMO_OK:
		return 0;
	case BILLING_PROMO_NOT_FIRST_TIME:
		return err_invalid(e, param, "The promotion code %s is only for a customer's first"
				   " transaction", id);
	case BILLING_PROMO_BELOW_MINIMUM:
		return err_invalid(e, param, "The promotion code %s needs an amount of at least its"
				   " minimum_amount", id);
	case BILLING_PROMO_CURRENCY:
	default:
		return err_invalid(e, param, "The promotion code %s has no minimum_amount for %s",
				   id, currency ? currency : "this currency");
	}
}

static const char *const create_params[] = { "coupon", "code", "active", "customer",
					     "expires_at", "max_redemptions", "restrictions",
					     "metadata", "promotion", NULL };

int svc_promotion_code_create(json_t **out, struct svc *s, const json_t *p, struct recur_err *e)
{
	char id[IDS_MAX], code[512];
	const char *coupon = NULL, *customer = NULL;
	const json_t *promotion = NULL;
	json_t *row = NULL, *md = NULL, *obj = NULL, *restrictions = NULL;
	bool active = true;
	int64_t expires = 0, max = 0;
	int rc, has_code;
	*out = NULL;
	if ((rc = params_only(p, create_params, e)) < 0 ||
	    (rc = params_object(&promotion, p, "promotion", e)) < 0)
		return rc;
	/* The current API nests the coupon as promotion[coupon]; older ones send coupon. */
	const json_t *src = promotion ? promotion : p;
	if ((rc = params_require(src, "coupon", e)) < 0 ||
	    (rc = params_string(&coupon, src, "coupon", 255, e)) < 0)
		return promotion ? params_nest(e, rc, "promotion") : rc;
	if ((rc = has_code = code_param(code, sizeof(code), p, e)) < 0 ||
	    (rc = params_bool(&active, p, "active", e)) < 0 ||
	    (rc = params_string(&customer, p, "customer", 255, e)) < 0 ||
	    (rc = params_int(&expires, p, "expires_at", s->now + 1, INT64_MAX, e)) < 0 ||
	    (rc = params_int(&max, p, "max_redemptions", 1, 1000000000, e)) < 0 ||
	    (rc = restrictions_param(&restrictions, p, e)) < 0 ||
	    (rc = params_metadata(&md, NULL, p, e)) < 0)
		return rc;
	if (!has_code) {
		ids_random_base62(code, 8);
		for (char *c = code; *c; c++)
			*c = (char)toupper((unsigned char)*c);
	}
	if ((rc = svc_begin(s, e)) < 0)
		goto done;
	if ((rc = store_obj_get(&obj, s->db, &svc_coupons_table, &s->scope, coupon, e)) < 0) {
		e->status = 400;
		snprintf(e->param, sizeof(e->param), promotion ? "promotion[coupon]" : "coupon");
		goto fail;
	}
	json_decref(obj);
	obj = NULL;
	if (customer &&
	    (rc = store_obj_get(&obj, s->db, &svc_customers_table, &s->scope, customer, e)) < 0) {
		e->status = 400;
		snprintf(e->param, sizeof(e->param), "customer");
		goto fail;
	}
	ids_new(id, sizeof(id), "promo");
	/*
	 * o, not O, for the values made here: the pack takes their only reference
	 * (with O they leaked; LSan found it).
	 */
	row = json_pack("{s:s, s:I, s:s, s:s, s:b, s:s?, s:o, s:o, s:I, s:o, s:O}", "id", id,
			"created", (json_int_t)s->now, "code", code, "coupon", coupon, "active", active,
			"customer", customer, "expires_at", expires ? json_integer(expires) : json_null(),
			"max_redemptions", max ? json_integer(max) : json_null(), "times_redeemed",
			(json_int_t)0, "restrictions", json_incref(restrictions), "metadata", md);
	if ((rc = store_obj_insert(s->db, &svc_promotion_codes_table, &s->scope, row, e)) < 0) {
		if (rc == RECUR_ECONFLICT)
			rc = err_invalid(e, "code", "An active promotion code with the code %s already"
					 " exists", code);
		goto fail;
	}
	if ((rc = store_obj_get(out, s->db, &svc_promotion_codes_table, &s->scope, id, e)) < 0)
		goto fail;
	present(*out, s->now);
	rc = svc_event(s, "promotion_code.created", *out, NULL, e);
fail:
	rc = svc_finish(s, rc, e);
done:
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	}
	json_decref(row);
	json_decref(md);
	json_decref(obj);
	json_decref(restrictions);
	return rc;
}

int svc_promotion_code_retrieve(json_t **out, struct svc *s, const char *id, struct recur_err *e)
{
	int rc = store_obj_get(out, s->db, &svc_promotion_codes_table, &s->scope, id, e);
	if (rc == 0)
		present(*out, s->now);
	return rc;
}

static const char *const update_params[] = { "active", "metadata", NULL };

int svc_promotion_code_update(json_t **out, struct svc *s, const char *id, const json_t *p,
			      struct recur_err *e)
{
	json_t *before = NULL, *row = NULL, *md = NULL, *shown = NULL;
	bool active = true;
	int rc, has_active;
	*out = NULL;
	if ((rc = params_only(p, update_params, e)) < 0 ||
	    (rc = has_active = params_bool(&active, p, "active", e)) < 0)
		return rc;
	if ((rc = svc_begin(s, e)) < 0)
		return rc;
	if ((rc = store_obj_get(&before, s->db, &svc_promotion_codes_table, &s->scope, id, e)) < 0)
		goto done;
	if ((rc = params_metadata(&md, json_object_get(before, "metadata"), p, e)) < 0)
		goto done;
	row = json_deep_copy(before);
	json_object_set(row, "metadata", md);
	if (has_active)
		json_object_set_new(row, "active", json_boolean(active));
	/* previous_attributes compares what clients saw before with what they see now. */
	shown = json_deep_copy(before);
	present(shown, s->now);
	rc = svc_update_object(out, s, &svc_promotion_codes_table, shown, row, present, e);
done:
	rc = svc_finish(s, rc, e);
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	}
	json_decref(before);
	json_decref(row);
	json_decref(md);
	json_decref(shown);
	return rc;
}

static const char *const list_params[] = { SVC_LIST_PARAMS, "active", "code", "coupon",
					   "customer", NULL };

int svc_promotion_code_list(json_t **out, struct svc *s, const json_t *p, struct recur_err *e)
{
	struct svc_list l;
	const char *coupon = NULL, *customer = NULL;
	char code[512];
	bool active = false;
	int rc, has_active, has_code;
	if ((rc = params_only(p, list_params, e)) < 0 || (rc = svc_list_params(&l, p, e)) < 0 ||
	    (rc = has_active = params_bool(&active, p, "active", e)) < 0 ||
	    (rc = has_code = code_param(code, sizeof(code), p, e)) < 0 ||
	    (rc = params_string(&coupon, p, "coupon", 255, e)) < 0 ||
	    (rc = params_string(&customer, p, "customer", 255, e)) < 0)
		return rc;
	if (has_active)
		svc_list_filter(&l, "active", "=", SV_INT(active));
	if (has_code)
		svc_list_filter(&l, "code", "=", SV_TEXT(code));
	if (coupon)
		svc_list_filter(&l, "coupon", "=", SV_TEXT(coupon));
	if (customer)
		svc_list_filter(&l, "customer", "=", SV_TEXT(customer));
	if ((rc = svc_list(out, s, &svc_promotion_codes_table, &l, "/v1/promotion_codes", e)) < 0)
		return rc;
	size_t i;
	json_t *row;
	json_array_foreach(json_object_get(*out, "data"), i, row)
		present(row, s->now);
	return 0;
}
