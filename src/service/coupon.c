/*
 * coupon.c - coupons: a percentage or a fixed amount off, applied once, for a
 * number of months, or forever (Stripe's Coupon object).
 *
 * Amounts are int64 minor units and percent_off is kept in hundredths of a
 * percent (25.5% is 2550); the only double is the one objects.c renders.
 */
#include "service/coupon.h"
#include "core/calendar.h"
#include "core/ids.h"
#include "core/money.h"
#include "service/list.h"
#include "service/params.h"
#include "service/product.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <ctype.h>
#include <string.h>

static const struct store_col cols[] = {
	{ "name", COL_TEXT, 0 },
	{ "percent_off", COL_FIXED, 2 }, /* hundredths of a percent */
	{ "amount_off", COL_INT, 0 },
	{ "currency", COL_TEXT, 0 },
	{ "duration", COL_TEXT, 0 },
	{ "duration_in_months", COL_INT, 0 },
	{ "max_redemptions", COL_INT, 0 },
	{ "redeem_by", COL_INT, 0 },
	{ "times_redeemed", COL_INT, 0 },
	{ "valid", COL_BOOL, 0 },
	{ "applies_to", COL_JSON, 0 },
	{ "currency_options", COL_JSON, 0 },
	{ "metadata", COL_JSON, 0 },
};

/* Deleted coupons stay (discounts already granted keep pointing at them). */
const struct store_table svc_coupons_table = {
	.table = "coupons", .object = "coupon", .noun = "coupon",
	.cols = cols, .ncols = sizeof(cols) / sizeof(cols[0]), .soft_delete = true,
};

#define ID_MAX_LEN 200        /* caller-chosen ids */
#define GENERATED_ID_LEN 8    /* Stripe generates 8 random characters, no prefix */
#define NAME_MAX_LEN 40       /* Stripe: "name ... maximum 40 characters" */
#define PERCENT_SCALE 2
#define PERCENT_MIN 1         /* 0.01%: Stripe wants "a positive float larger than 0" */
#define PERCENT_MAX 10000     /* 100% */
#define MONTHS_MAX 1200       /* a hundred years of repeating discount is plenty */
#define REDEMPTIONS_MAX 1000000000
#define PRODUCTS_MAX 100
/* Stripe: redeem_by "cannot be set to more than 5 years in the future". */
#define REDEEM_BY_YEARS 5

static const char *const durations[] = { "forever", "once", "repeating", NULL };

/* Stripe's rule for coupon ids chosen by the caller: letters, digits, '_' and '-'. */
static bool id_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '_' || ch == '-';
}

static int id_param(const char **out, const json_t *p, struct recur_err *e)
{
	const char *id = NULL;
	int rc = params_string(&id, p, "id", ID_MAX_LEN, e);
	if (rc <= 0)
		return rc;
	if (!*id)
		return err_invalid(e, "id", "Invalid id: a coupon id must be 1 to %d characters",
				   ID_MAX_LEN);
	for (const char *ch = id; *ch; ch++)
		if (!id_char(*ch))
			return err_invalid(e, "id", "Invalid id: a coupon id may hold only "
					   "letters, digits, '_' and '-'");
	*out = id;
	return 1;
}

static int already_exists(struct recur_err *e)
{
	return err_set(e, RECUR_EINVAL, 400, "invalid_request_error", "resource_already_exists",
		       "id", "Coupon already exists.");
}

/*
 * applies_to: {"products": ["prod_..."]}. Only the shape is checked here; that
 * the products exist is checked inside the transaction (products_exist).
 * *out is a new reference, or stays NULL when the coupon applies to everything.
 */
static int applies_to_param(json_t **out, const json_t *p, struct recur_err *e)
{
	static const char *const keys[] = { "products", NULL };
	const json_t *v = NULL, *products = NULL;
	size_t i;
	json_t *id;
	int rc = params_object(&v, p, "applies_to", e);
	if (rc <= 0 || !v)
		return rc < 0 ? rc : 0;
	if ((rc = params_nest(e, params_only(v, keys, e), "applies_to")) < 0)
		return rc;
	rc = params_nest(e, params_string_array(&products, v, "products", 255, e), "applies_to");
	if (rc < 0)
		return rc;
	if (!products || json_array_size(products) == 0)
		return 0;
	if (json_array_size(products) > PRODUCTS_MAX)
		return err_invalid(e, "applies_to[products]",
				   "A coupon can apply to at most %d products", PRODUCTS_MAX);
	json_array_foreach(products, i, id) {
		if (json_string_length(id) == 0) {
			rc = err_invalid(e, "", "Invalid product id: must not be empty");
			return params_nest(e, params_nest_index(e, rc, "products", i), "applies_to");
		}
	}
	*out = json_pack("{s:O}", "products", products);
	return 1;
}

/* Stripe refuses a coupon for a product it does not know, naming the array slot. */
static int products_exist(struct svc *s, const json_t *applies, struct recur_err *e)
{
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(applies, "products"), i, v) {
		const char *pid = json_string_value(v);
		json_t *product = NULL;
		int rc = store_obj_get(&product, s->db, &svc_products_table, &s->scope, pid, e);
		json_decref(product);
		if (rc == RECUR_ENOTFOUND) {
			char param[64];
			snprintf(param, sizeof(param), "applies_to[products][%zu]", i);
			return err_set(e, RECUR_EINVAL, 400, "invalid_request_error",
				       "resource_missing", param, "No such product: '%s'", pid);
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

/*
 * currency_options: {"eur": {"amount_off": 900}, ...}, only for amount_off
 * coupons (Stripe: "only supported if amount_off is passed"). Entries merge
 * into existing (may be NULL), so an update adds or changes currencies. The
 * coupon's own currency is not repeated here: its amount is amount_off.
 * Returns 1 with *out a new reference, 0 when absent.
 */
static int currency_options_param(json_t **out, const json_t *existing, const json_t *p,
				  const char *currency, struct recur_err *e)
{
	static const char *const keys[] = { "amount_off", NULL };
	const json_t *v = NULL;
	json_t *opts = NULL, *entry;
	const char *key;
	int rc = params_object(&v, p, "currency_options", e);
	if (rc <= 0)
		return rc;
	if (!v)
		return err_invalid(e, "currency_options",
				   "Invalid object: currency_options must be a hash of currencies");
	if (!currency)
		return err_invalid(e, "currency_options",
				   "currency_options is only supported on coupons with amount_off");
	opts = json_is_object(existing) ? json_deep_copy(existing) : json_object();
	json_object_foreach((json_t *)(uintptr_t)v, key, entry) {
		char param[64], code[4];
		int64_t amount = 0;
		const struct currency *cur = money_currency_find(key);
		snprintf(param, sizeof(param), "currency_options[%.20s]", key);
		if (!cur) {
			rc = err_invalid(e, param, "Invalid currency: %.20s", key);
			goto done;
		}
		snprintf(code, sizeof(code), "%s", key);
		for (char *ch = code; *ch; ch++)
			*ch = (char)tolower((unsigned char)*ch);
		if (strcmp(code, currency) == 0) {
			rc = err_invalid(e, param, "currency_options must not repeat the coupon's "
					 "currency (%s); its amount is amount_off", currency);
			goto done;
		}
		if (!json_is_object(entry)) {
			rc = err_invalid(e, param, "Invalid object: %s must be a hash", param);
			goto done;
		}
		if ((rc = params_only(entry, keys, e)) < 0 ||
		    (rc = params_require(entry, "amount_off", e)) < 0 ||
		    (rc = params_int(&amount, entry, "amount_off", 1, PARAMS_MAX_AMOUNT, e)) < 0) {
			rc = params_nest(e, rc, param);
			goto done;
		}
		json_object_set_new(opts, code,
				    json_pack("{s:I}", "amount_off", (json_int_t)amount));
	}
	rc = 1;
done:
	if (rc < 0) {
		json_decref(opts);
		return rc;
	}
	*out = opts;
	return 1;
}

/*
 * Prepares a stored coupon for the caller. Stripe's valid means "taking account
 * of the above properties, whether this coupon can still be applied", so it is
 * derived here against now: false after redeem_by (the last second it can be
 * redeemed) or once times_redeemed reaches max_redemptions. Deriving it at read
 * time keeps it right when redeem_by passes without any write. applies_to and
 * currency_options are fields Stripe leaves out of a coupon that has none.
 */
static void present(json_t *c, int64_t now)
{
	json_t *redeem_by = json_object_get(c, "redeem_by");
	json_t *max = json_object_get(c, "max_redemptions");
	json_t *used = json_object_get(c, "times_redeemed");
	bool valid = true;
	if (json_is_integer(redeem_by) && now > json_integer_value(redeem_by))
		valid = false;
	if (json_is_integer(max) && json_integer_value(used) >= json_integer_value(max))
		valid = false;
	json_object_set_new(c, "valid", json_boolean(valid));
	if (json_is_null(json_object_get(c, "applies_to")))
		json_object_del(c, "applies_to");
	if (json_is_null(json_object_get(c, "currency_options")))
		json_object_del(c, "currency_options");
}

/* Reads every create parameter except id into a new coupon (*out, no id yet). */
static int build(json_t **out, struct svc *s, const json_t *p, struct recur_err *e)
{
	const char *name = NULL, *currency = NULL, *duration = "once";
	int64_t percent = 0, amount = 0, months = 0, max = 0, redeem_by = 0, limit = 0;
	int has_percent, has_amount, has_months, has_max, has_redeem;
	char cur[4] = "";
	bool repeating;
	json_t *applies = NULL, *options = NULL, *md = NULL, *c = NULL;
	int rc;

	*out = NULL;
	if ((rc = params_string(&name, p, "name", NAME_MAX_LEN, e)) < 0 ||
	    (rc = has_percent = params_fixed(&percent, p, "percent_off", PERCENT_SCALE,
					     PERCENT_MIN, PERCENT_MAX, e)) < 0 ||
	    (rc = has_amount = params_int(&amount, p, "amount_off", 1, PARAMS_MAX_AMOUNT, e)) < 0 ||
	    (rc = params_currency(&currency, p, "currency", e)) < 0 ||
	    (rc = params_enum(&duration, p, "duration", durations, e)) < 0 ||
	    (rc = has_months = params_int(&months, p, "duration_in_months", 1, MONTHS_MAX,
					  e)) < 0 ||
	    (rc = has_max = params_int(&max, p, "max_redemptions", 1, REDEMPTIONS_MAX, e)) < 0 ||
	    (rc = has_redeem = params_int(&redeem_by, p, "redeem_by", 1, INT64_MAX, e)) < 0)
		goto done;
	if (currency)
		snprintf(cur, sizeof(cur), "%s", currency);

	/* Stripe: a coupon has either a percent_off or an amount_off and currency. */
	if (has_percent && has_amount) {
		rc = err_invalid(e, "amount_off", "You may only specify one of these parameters: "
				 "amount_off, percent_off.");
		goto done;
	}
	if (!has_percent && !has_amount) {
		rc = err_set(e, RECUR_EINVAL, 400, "invalid_request_error", "parameter_missing",
			     "percent_off", "Missing required param: percent_off or amount_off.");
		goto done;
	}
	if (has_amount && !currency) {
		rc = err_set(e, RECUR_EINVAL, 400, "invalid_request_error", "parameter_missing",
			     "currency",
			     "Missing required param: currency (required with amount_off).");
		goto done;
	}
	if (!has_amount && currency) {
		rc = err_invalid(e, "currency", "currency is only used with amount_off");
		goto done;
	}
	/* Stripe: duration_in_months is "required only if duration is repeating". */
	repeating = strcmp(duration, "repeating") == 0;
	if (repeating && !has_months) {
		rc = err_set(e, RECUR_EINVAL, 400, "invalid_request_error", "parameter_missing",
			     "duration_in_months",
			     "Missing required param: duration_in_months (duration is repeating).");
		goto done;
	}
	if (!repeating && has_months) {
		rc = err_invalid(e, "duration_in_months",
				 "duration_in_months can only be set when duration is repeating");
		goto done;
	}
	if (has_redeem) {
		if (redeem_by <= s->now) {
			rc = err_invalid(e, "redeem_by", "redeem_by must be in the future");
			goto done;
		}
		if (calendar_add_interval(&limit, s->now, CAL_YEAR, REDEEM_BY_YEARS) < 0 ||
		    redeem_by > limit) {
			rc = err_invalid(e, "redeem_by",
					 "redeem_by cannot be more than %d years in the future",
					 REDEEM_BY_YEARS);
			goto done;
		}
	}
	if ((rc = applies_to_param(&applies, p, e)) < 0 ||
	    (rc = currency_options_param(&options, NULL, p, has_amount ? cur : NULL, e)) < 0 ||
	    (rc = params_metadata(&md, NULL, p, e)) < 0)
		goto done;

	c = json_pack("{s:s?, s:s, s:o, s:o, s:o}", "name", name && *name ? name : NULL,
		      "duration", duration, "applies_to", applies ? applies : json_null(),
		      "currency_options", options ? options : json_null(), "metadata", md);
	applies = options = md = NULL; /* now owned by c */
	if (!c) {
		rc = err_internal(e, "cannot build coupon");
		goto done;
	}
	/* percent_off goes to the store as the scaled integer (COL_FIXED). */
	json_object_set_new(c, "percent_off", has_percent ? json_integer(percent) : json_null());
	json_object_set_new(c, "amount_off", has_amount ? json_integer(amount) : json_null());
	json_object_set_new(c, "currency", has_amount ? json_string(cur) : json_null());
	json_object_set_new(c, "duration_in_months",
			    repeating ? json_integer(months) : json_null());
	json_object_set_new(c, "max_redemptions", has_max ? json_integer(max) : json_null());
	json_object_set_new(c, "redeem_by", has_redeem ? json_integer(redeem_by) : json_null());
	json_object_set_new(c, "times_redeemed", json_integer(0));
	json_object_set_new(c, "valid", json_true());
	json_object_set_new(c, "created", json_integer(s->now));
	*out = c;
	rc = 0;
done:
	json_decref(applies);
	json_decref(options);
	json_decref(md);
	return rc;
}

/*
 * Chooses the new coupon's id inside the transaction. The coupons index is
 * unique on (tenant, livemode, id) and counts deleted rows, so a deleted
 * coupon's id cannot be taken again ("Coupon already exists."). Stripe frees
 * it; recur keeps it reserved because discounts granted before the delete
 * still point at the old row and must not start meaning a different coupon.
 * out holds ID_MAX_LEN + 1 bytes.
 */
static int pick_id(char *out, size_t cap, const char *chosen, struct svc *s,
		   struct recur_err *e)
{
	for (int attempt = 0; attempt < 8; attempt++) {
		json_t *old = NULL;
		bool deleted = false;
		if (chosen)
			snprintf(out, cap, "%s", chosen);
		else
			ids_random_base62(out, GENERATED_ID_LEN);
		int rc = store_obj_get_any(&old, &deleted, s->db, &svc_coupons_table, &s->scope,
					   out, e);
		json_decref(old);
		if (rc == RECUR_ENOTFOUND) {
			err_clear(e);
			return 0;
		}
		if (rc < 0)
			return rc;
		if (chosen)
			return already_exists(e);
	}
	return err_internal(e, "cannot find a free coupon id");
}

static const char *const create_params[] = {
	"amount_off", "applies_to", "currency", "currency_options", "duration",
	"duration_in_months", "id", "max_redemptions", "metadata", "name", "percent_off",
	"redeem_by", NULL
};

int svc_coupon_create(json_t **out, struct svc *s, const json_t *p, struct recur_err *e)
{
	char id[ID_MAX_LEN + 1];
	const char *chosen = NULL;
	json_t *c = NULL;
	int rc;
	*out = NULL;
	if ((rc = params_only(p, create_params, e)) < 0 || (rc = id_param(&chosen, p, e)) < 0 ||
	    (rc = build(&c, s, p, e)) < 0)
		goto done;
	if ((rc = svc_begin(s, e)) < 0)
		goto done;
	rc = products_exist(s, json_object_get(c, "applies_to"), e);
	if (rc >= 0)
		rc = pick_id(id, sizeof(id), chosen, s, e);
	if (rc >= 0) {
		json_object_set_new(c, "id", json_string(id));
		rc = store_obj_insert(s->db, &svc_coupons_table, &s->scope, c, e);
		if (rc == RECUR_ECONFLICT) /* a concurrent create took the id first */
			rc = already_exists(e);
	}
	if (rc >= 0)
		rc = store_obj_get(out, s->db, &svc_coupons_table, &s->scope, id, e);
	if (rc >= 0) {
		present(*out, s->now);
		rc = svc_event(s, "coupon.created", *out, NULL, e);
	}
	rc = svc_finish(s, rc, e);
done:
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	}
	json_decref(c);
	return rc < 0 ? rc : 0;
}

int svc_coupon_retrieve(json_t **out, struct svc *s, const char *id, struct recur_err *e)
{
	int rc = store_obj_get(out, s->db, &svc_coupons_table, &s->scope, id, e);
	if (rc == 0)
		present(*out, s->now);
	return rc;
}

/* Stripe: everything but name, metadata and currency_options is immutable. */
static const char *const update_params[] = { "currency_options", "metadata", "name", NULL };

int svc_coupon_update(json_t **out, struct svc *s, const char *id, const json_t *p,
		       struct recur_err *e)
{
	json_t *before = NULL, *c = NULL, *md = NULL, *opts = NULL;
	const char *name = NULL;
	int rc;
	*out = NULL;
	if ((rc = params_only(p, update_params, e)) < 0 ||
	    (rc = params_string(&name, p, "name", NAME_MAX_LEN, e)) < 0)
		return rc;
	if ((rc = svc_begin(s, e)) < 0)
		return rc;
	if ((rc = store_obj_get(&before, s->db, &svc_coupons_table, &s->scope, id, e)) < 0)
		goto done;
	present(before, s->now);
	c = json_deep_copy(before);
	if (name)
		json_object_set_new(c, "name", *name ? json_string(name) : json_null());
	if ((rc = params_metadata(&md, json_object_get(c, "metadata"), p, e)) < 0)
		goto done;
	json_object_set(c, "metadata", md);
	rc = currency_options_param(&opts, json_object_get(c, "currency_options"), p,
				    json_is_integer(json_object_get(c, "amount_off"))
					    ? json_string_value(json_object_get(c, "currency"))
					    : NULL, e);
	if (rc < 0)
		goto done;
	if (rc > 0)
		json_object_set(c, "currency_options", opts);
	rc = svc_update_object(out, s, &svc_coupons_table, before, c, present, e);
done:
	rc = svc_finish(s, rc, e);
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	}
	json_decref(before);
	json_decref(c);
	json_decref(md);
	json_decref(opts);
	return rc;
}

int svc_coupon_delete(json_t **out, struct svc *s, const char *id, struct recur_err *e)
{
	json_t *c = NULL;
	int rc;
	*out = NULL;
	if ((rc = svc_begin(s, e)) < 0)
		return rc;
	if ((rc = store_obj_get(&c, s->db, &svc_coupons_table, &s->scope, id, e)) < 0)
		goto done;
	present(c, s->now);
	if ((rc = store_obj_delete(s->db, &svc_coupons_table, &s->scope, id, e)) < 0)
		goto done;
	rc = svc_event(s, "coupon.deleted", c, NULL, e);
done:
	rc = svc_finish(s, rc, e);
	json_decref(c);
	if (rc == 0)
		*out = json_pack("{s:s, s:s, s:b}", "id", id, "object", "coupon", "deleted", 1);
	return rc;
}

static const char *const list_params[] = { SVC_LIST_PARAMS, NULL };

int svc_coupon_list(json_t **out, struct svc *s, const json_t *p, struct recur_err *e)
{
	struct svc_list l;
	size_t i;
	json_t *c;
	int rc;
	*out = NULL;
	if ((rc = params_only(p, list_params, e)) < 0 || (rc = svc_list_params(&l, p, e)) < 0)
		return rc;
	if ((rc = svc_list(out, s, &svc_coupons_table, &l, "/v1/coupons", e)) < 0)
		return rc;
	json_array_foreach(json_object_get(*out, "data"), i, c)
		present(c, s->now);
	return 0;
}
