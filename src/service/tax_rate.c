/*
 * tax_rate.c - tax rates: a percentage, inclusive or exclusive, with the labels
 * that go on invoices (Stripe's TaxRate object).
 *
 * percentage is kept in ten-thousandths of a percent (25% is 250000) so no
 * float ever touches it; objects.c renders it as a JSON number.
 */
#include "service/tax_rate.h"
#include "core/ids.h"
#include "service/list.h"
#include "service/params.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static const struct store_col cols[] = {
	{ "active", COL_BOOL, 0 },
	{ "display_name", COL_TEXT, 0 },
	{ "description", COL_TEXT, 0 },
	{ "percentage", COL_FIXED, 4 }, /* ten-thousandths of a percent */
	{ "effective_percentage", COL_FIXED, 4 },
	{ "inclusive", COL_BOOL, 0 },
	{ "country", COL_TEXT, 0 },
	{ "state", COL_TEXT, 0 },
	{ "jurisdiction", COL_TEXT, 0 },
	{ "jurisdiction_level", COL_TEXT, 0 },
	{ "tax_type", COL_TEXT, 0 },
	{ "metadata", COL_JSON, 0 },
};

/* Tax rates are never deleted, only archived: invoices keep citing them. */
const struct store_table svc_tax_rates_table = {
	.table = "tax_rates", .object = "tax_rate", .noun = "tax_rate",
	.cols = cols, .ncols = sizeof(cols) / sizeof(cols[0]),
};

#define PERCENT_SCALE 4
#define PERCENT_MAX 1000000      /* 100% */
#define DISPLAY_NAME_MAX 50      /* Stripe: display_name "maximum 50 characters" */
#define JURISDICTION_MAX 50
#define STATE_MAX 50
#define DESCRIPTION_MAX PARAMS_MAX_STRING

/* TaxRate.TaxType of the pinned stripe package (cjs/resources/TaxRates.d.ts). */
static const char *const tax_types[] = {
	"admissions_tax", "amusement_tax", "attendance_tax", "communications_tax",
	"digital_excise_tax", "entertainment_tax", "get_fund", "gross_receipts_tax", "gst",
	"hospitality_tax", "hst", "igst", "jct", "lease_tax", "luxury_tax",
	"mass_transit_parking_tax", "nhil", "parking_tax", "pst", "qst", "resort_tax",
	"retail_delivery_fee", "rst", "sales_tax", "service_tax", "tourism_tax",
	"utility_users_tax", "vat", NULL
};

/* A text field where "" unsets, as Stripe documents for optional strings. */
static int text_field(json_t *c, const json_t *p, const char *key, size_t max,
		      struct recur_err *e)
{
	const char *v = NULL;
	int rc = params_string(&v, p, key, max, e);
	if (rc > 0)
		json_object_set_new(c, key, *v ? json_string(v) : json_null());
	return rc < 0 ? rc : 0;
}

/* Stripe: country is "two-letter country code (ISO 3166-1 alpha-2)", kept upper-case. */
static int country_field(json_t *c, const json_t *p, struct recur_err *e)
{
	const char *v = NULL;
	char code[3];
	int rc = params_string(&v, p, "country", 2, e);
	if (rc <= 0)
		return rc;
	if (!*v) {
		json_object_set_new(c, "country", json_null());
		return 0;
	}
	for (int i = 0; i < 2; i++) {
		char ch = v[i];
		if (ch >= 'a' && ch <= 'z')
			ch = (char)(ch - 'a' + 'A');
		if (ch < 'A' || ch > 'Z')
			return err_invalid(e, "country", "Invalid country: %s is not a "
					   "two-letter ISO 3166-1 code", v);
		code[i] = ch;
	}
	code[2] = '\0';
	json_object_set_new(c, "country", json_string(code));
	return 0;
}

/*
 * Applies the parameters create and update share onto c. Fields absent from p
 * are left alone. percentage and inclusive are not among them: Stripe fixes
 * both at creation, because invoices already taxed at the rate must keep
 * meaning what they said.
 */
static int apply(json_t *c, const json_t *p, struct recur_err *e)
{
	const char *name = NULL, *type = NULL;
	json_t *md = NULL;
	bool active;
	int rc;
	if ((rc = params_string(&name, p, "display_name", DISPLAY_NAME_MAX, e)) < 0)
		return rc;
	if (rc > 0) {
		if (!*name)
			return err_invalid(e, "display_name", "display_name cannot be empty");
		json_object_set_new(c, "display_name", json_string(name));
	}
	if ((rc = text_field(c, p, "description", DESCRIPTION_MAX, e)) < 0 ||
	    (rc = text_field(c, p, "jurisdiction", JURISDICTION_MAX, e)) < 0 ||
	    (rc = text_field(c, p, "state", STATE_MAX, e)) < 0 ||
	    (rc = country_field(c, p, e)) < 0)
		return rc;
	if ((rc = params_bool(&active, p, "active", e)) < 0)
		return rc;
	if (rc > 0)
		json_object_set_new(c, "active", json_boolean(active));
	const json_t *tt = json_object_get(p, "tax_type");
	if (json_is_string(tt) && json_string_length(tt) == 0) {
		json_object_set_new(c, "tax_type", json_null());
	} else {
		if ((rc = params_enum(&type, p, "tax_type", tax_types, e)) < 0)
			return rc;
		if (rc > 0)
			json_object_set_new(c, "tax_type", json_string(type));
	}
	if ((rc = params_metadata(&md, json_object_get(c, "metadata"), p, e)) < 0)
		return rc;
	json_object_set_new(c, "metadata", md);
	return 0;
}

/*
 * Adds the fields Stripe sends that recur does not store: flat_amount and
 * rate_type are only set on rates Stripe Tax creates, never on manual ones.
 */
static void present(json_t *t, int64_t now)
{
	(void)now; /* nothing here depends on the time */
	json_object_set_new(t, "flat_amount", json_null());
	json_object_set_new(t, "rate_type", json_null());
}

static const char *const create_params[] = {
	"active", "country", "description", "display_name", "inclusive", "jurisdiction",
	"metadata", "percentage", "state", "tax_type", NULL
};

int svc_tax_rate_create(json_t **out, struct svc *s, const json_t *p, struct recur_err *e)
{
	char id[IDS_MAX];
	json_t *t = NULL;
	int64_t pct = 0;
	bool inclusive = false;
	int rc;
	*out = NULL;
	if ((rc = params_only(p, create_params, e)) < 0 ||
	    (rc = params_require(p, "display_name", e)) < 0 ||
	    (rc = params_require(p, "percentage", e)) < 0 ||
	    (rc = params_require(p, "inclusive", e)) < 0 ||
	    (rc = params_fixed(&pct, p, "percentage", PERCENT_SCALE, 0, PERCENT_MAX, e)) < 0 ||
	    (rc = params_bool(&inclusive, p, "inclusive", e)) < 0)
		return rc;
	ids_new(id, sizeof(id), "txr");
	/*
	 * Stripe's effective_percentage is the rate actually applied; for a rate
	 * defined by hand (no Stripe Tax jurisdiction logic) that is the percentage.
	 * jurisdiction_level is null for manually defined rates.
	 */
	t = json_pack("{s:s, s:I, s:b, s:I, s:I, s:b, s:n, s:n, s:n, s:n, s:n, s:n}",
		      "id", id, "created", (json_int_t)s->now, "active", 1,
		      "percentage", (json_int_t)pct, "effective_percentage", (json_int_t)pct,
		      "inclusive", inclusive, "description", "country", "state", "jurisdiction",
		      "jurisdiction_level", "tax_type");
	if (!t) {
		rc = err_internal(e, "cannot build tax rate");
		goto done;
	}
	if ((rc = apply(t, p, e)) < 0 || (rc = svc_begin(s, e)) < 0)
		goto done;
	rc = store_obj_insert(s->db, &svc_tax_rates_table, &s->scope, t, e);
	if (rc >= 0)
		rc = store_obj_get(out, s->db, &svc_tax_rates_table, &s->scope, id, e);
	if (rc >= 0) {
		present(*out, 0);
		rc = svc_event(s, "tax_rate.created", *out, NULL, e);
	}
	rc = svc_finish(s, rc, e);
done:
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	}
	json_decref(t);
	return rc < 0 ? rc : 0;
}

int svc_tax_rate_retrieve(json_t **out, struct svc *s, const char *id, struct recur_err *e)
{
	json_t *row = NULL;
	/*
	 * Through the billing run's cache (service.h): every invoice of a rate
	 * renders it. The cached row is shared, so the caller gets a copy.
	 */
	int rc = svc_get_cached(&row, s, &svc_tax_rates_table, id, e);
	*out = NULL;
	if (rc < 0)
		return rc;
	*out = s->cache ? json_deep_copy(row) : json_incref(row);
	json_decref(row);
	if (!*out)
		return err_internal(e, "out of memory");
	present(*out, 0);
	return 0;
}

/*
 * Stripe has no DELETE for tax rates: a rate is archived with active=false and
 * stays readable, since invoices and subscriptions keep citing it. percentage
 * and inclusive are absent here, so changing them is "Received unknown
 * parameter" exactly as Stripe answers.
 */
static const char *const update_params[] = {
	"active", "country", "description", "display_name", "jurisdiction", "metadata",
	"state", "tax_type", NULL
};

int svc_tax_rate_update(json_t **out, struct svc *s, const char *id, const json_t *p,
			struct recur_err *e)
{
	json_t *before = NULL, *t = NULL;
	int rc;
	*out = NULL;
	if ((rc = params_only(p, update_params, e)) < 0)
		return rc;
	if ((rc = svc_begin(s, e)) < 0)
		return rc;
	if ((rc = store_obj_get(&before, s->db, &svc_tax_rates_table, &s->scope, id, e)) < 0)
		goto done;
	present(before, 0);
	t = json_deep_copy(before);
	if ((rc = apply(t, p, e)) < 0)
		goto done;
	rc = svc_update_object(out, s, &svc_tax_rates_table, before, t, present, e);
done:
	rc = svc_finish(s, rc, e);
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	}
	json_decref(before);
	json_decref(t);
	return rc;
}

static const char *const list_params[] = { SVC_LIST_PARAMS, "active", "inclusive", NULL };

int svc_tax_rate_list(json_t **out, struct svc *s, const json_t *p, struct recur_err *e)
{
	struct svc_list l;
	bool active = false, inclusive = false;
	size_t i;
	json_t *t;
	int rc;
	*out = NULL;
	if ((rc = params_only(p, list_params, e)) < 0 || (rc = svc_list_params(&l, p, e)) < 0)
		return rc;
	if ((rc = params_bool(&active, p, "active", e)) < 0)
		return rc;
	if (rc > 0)
		svc_list_filter(&l, "active", "=", SV_INT(active ? 1 : 0));
	if ((rc = params_bool(&inclusive, p, "inclusive", e)) < 0)
		return rc;
	if (rc > 0)
		svc_list_filter(&l, "inclusive", "=", SV_INT(inclusive ? 1 : 0));
	if ((rc = svc_list(out, s, &svc_tax_rates_table, &l, "/v1/tax_rates", e)) < 0)
		return rc;
	json_array_foreach(json_object_get(*out, "data"), i, t)
		present(t, 0);
	return 0;
}
