#include "service/customer.h"
#include "service/payment_method.h"
#include "core/ids.h"
#include "core/money.h"
#include "service/balance.h"
#include "service/list.h"
#include "service/params.h"
#include "service/subscription.h"
#include "service/test_clock.h"

#include <stdio.h>
#include <string.h>

static const struct store_col cols[] = {
	{ "name", COL_TEXT, 0 },
	{ "email", COL_TEXT, 0 },
	{ "phone", COL_TEXT, 0 },
	{ "description", COL_TEXT, 0 },
	{ "address", COL_JSON, 0 },
	{ "shipping", COL_JSON, 0 },
	{ "preferred_locales", COL_JSON, 0 },
	{ "tax_ids", COL_JSON, 0 },
	{ "tax_exempt", COL_TEXT, 0 },
	{ "invoice_settings", COL_JSON, 0 },
	{ "invoice_prefix", COL_TEXT, 0 },
	{ "next_invoice_sequence", COL_INT, 0 },
	{ "currency", COL_TEXT, 0 },
	{ "balance", COL_INT, 0 },
	{ "delinquent", COL_BOOL, 0 },
	{ "discount", COL_JSON, 0 },
	{ "default_source", COL_TEXT, 0 },
	{ "test_clock", COL_TEXT, 0 },
	{ "metadata", COL_JSON, 0 },
	{ "external_id", COL_TEXT, 0 }, /* the old system's key (imports, docs/import.md) */
};

const struct store_table svc_customers_table = {
	.table = "customers", .object = "customer", .noun = "customer",
	.cols = cols, .ncols = sizeof(cols) / sizeof(cols[0]), .soft_delete = true,
};

static const char *const tax_exempt_values[] = { "none", "exempt", "reverse", NULL };

/* Stripe's tax id types, the ones a Nordic or European business meets. */
static const char *const tax_id_types[] = {
	"eu_vat", "no_vat", "no_voec", "gb_vat", "ch_vat", "is_vat", "us_ein", "au_abn",
	"ca_bn", "de_stn", "li_uid", "nz_gst", "za_vat", "in_gst", "jp_cn", "sg_uen", NULL
};

/* Validates address-shaped hashes: only the six Stripe keys, each a short string. */
static int address(json_t **out, const json_t *v, struct recur_err *e)
{
	static const char *const keys[] = { "city", "country", "line1", "line2",
					    "postal_code", "state", NULL };
	int rc = params_only(v, keys, e);
	if (rc < 0)
		return rc;
	json_t *a = json_object();
	for (int i = 0; keys[i]; i++) {
		const char *s = NULL;
		rc = params_string(&s, v, keys[i], 200, e);
		if (rc < 0) {
			json_decref(a);
			return rc;
		}
		json_object_set_new(a, keys[i], s && *s ? json_string(s) : json_null());
	}
	*out = a;
	return 0;
}

static int shipping(json_t **out, const json_t *v, struct recur_err *e)
{
	static const char *const keys[] = { "address", "name", "phone", NULL };
	const json_t *addr = NULL;
	const char *name = NULL, *phone = NULL;
	json_t *a = NULL;
	int rc = params_only(v, keys, e);
	if (rc < 0)
		return rc;
	if ((rc = params_require(v, "address", e)) < 0 || (rc = params_require(v, "name", e)) < 0)
		return rc;
	if ((rc = params_object(&addr, v, "address", e)) < 0 ||
	    (rc = params_string(&name, v, "name", 200, e)) < 0 ||
	    (rc = params_string(&phone, v, "phone", 50, e)) < 0)
		return rc;
	if (!addr)
		return err_invalid(e, "address", "Missing required param: address.");
	if ((rc = params_nest(e, address(&a, addr, e), "address")) < 0)
		return rc;
	*out = json_pack("{s:o, s:s, s:s?}", "address", a, "name", name, "phone", phone);
	return 0;
}

static int invoice_settings(json_t **out, const json_t *existing, const json_t *v,
			    struct recur_err *e)
{
	static const char *const keys[] = { "custom_fields", "default_payment_method", "footer",
					    "rendering_options", NULL };
	int rc = params_only(v, keys, e);
	if (rc < 0)
		return rc;
	json_t *s = existing ? json_deep_copy(existing) : json_pack("{s:n, s:n, s:n, s:n}",
		"custom_fields", "default_payment_method", "footer", "rendering_options");
	const json_t *fields = NULL;
	const char *str = NULL;
	rc = params_array(&fields, v, "custom_fields", e);
	if (rc < 0)
		goto done;
	if (rc > 0) {
		json_t *list = json_array();
		size_t i;
		json_t *f;
		json_array_foreach(fields, i, f) {
			static const char *const fkeys[] = { "name", "value", NULL };
			const char *n = NULL, *val = NULL;
			if (!json_is_object(f)) {
				rc = params_nest_index(e, err_invalid(e, "", "Invalid custom field"),
						       "custom_fields", i);
			} else if ((rc = params_only(f, fkeys, e)) >= 0 &&
				   (rc = params_require(f, "name", e)) >= 0 &&
				   (rc = params_require(f, "value", e)) >= 0 &&
				   (rc = params_string(&n, f, "name", 40, e)) >= 0) {
				rc = params_string(&val, f, "value", 140, e);
			}
			if (rc < 0) {
				json_decref(list);
				rc = params_nest_index(e, rc, "custom_fields", i);
				goto done;
			}
			json_array_append_new(list, json_pack("{s:s, s:s}", "name", n, "value", val));
		}
		if (json_array_size(list) > 4) {
			json_decref(list);
			rc = err_invalid(e, "custom_fields", "At most 4 custom fields are allowed");
			goto done;
		}
		json_object_set_new(s, "custom_fields", json_array_size(list) ? list : json_null());
		if (!json_array_size(list))
			json_decref(list);
	}
	for (int k = 1; k <= 2; k++) { /* default_payment_method, footer */
		str = NULL;
		rc = params_string(&str, v, keys[k], 5000, e);
		if (rc < 0)
			goto done;
		if (rc > 0)
			json_object_set_new(s, keys[k], *str ? json_string(str) : json_null());
	}
	rc = 0;
done:
	if (rc < 0) {
		json_decref(s);
		return rc;
	}
	*out = s;
	return 0;
}

static int tax_id_list(json_t **out, const char *customer, const json_t *arr, struct svc *s,
		       struct recur_err *e)
{
	static const char *const keys[] = { "type", "value", NULL };
	json_t *data = json_array();
	size_t i;
	json_t *t;
	int rc = 0;
	json_array_foreach(arr, i, t) {
		const char *type = NULL, *value = NULL;
		char id[IDS_MAX], url[128];
		if (!json_is_object(t))
			rc = err_invalid(e, "", "Invalid tax id");
		else if ((rc = params_only(t, keys, e)) >= 0 &&
			 (rc = params_require(t, "type", e)) >= 0 &&
			 (rc = params_require(t, "value", e)) >= 0 &&
			 (rc = params_enum(&type, t, "type", tax_id_types, e)) >= 0)
			rc = params_string(&value, t, "value", 100, e);
		if (rc < 0) {
			rc = params_nest_index(e, rc, "tax_id_data", i);
			goto done;
		}
		ids_new(id, sizeof(id), "txi");
		(void)url;
		/* The country is the type's prefix (no_vat -> NO), except EU VAT. */
		char country[3] = { 0 };
		if (strcmp(type, "eu_vat") == 0 && strlen(value) >= 2) {
			country[0] = value[0];
			country[1] = value[1];
		} else {
			country[0] = (char)(type[0] - 'a' + 'A');
			country[1] = (char)(type[1] - 'a' + 'A');
		}
		json_array_append_new(data, json_pack(
			"{s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:b, s:{s:s, s:n}}",
			"id", id, "object", "tax_id", "type", type, "value", value,
			"country", country, "created", (json_int_t)s->now, "customer", customer,
			"livemode", s->scope.livemode, "verification", "status", "unavailable",
			"verified_name"));
	}
	if (json_array_size(data) > 25) {
		rc = err_invalid(e, "tax_id_data", "A customer can have at most 25 tax ids");
		goto done;
	}
	char url[128];
	snprintf(url, sizeof(url), "/v1/customers/%s/tax_ids", customer);
	*out = json_pack("{s:s, s:O, s:b, s:i, s:s}", "object", "list", "data", data,
			 "has_more", 0, "total_count", (int)json_array_size(data), "url", url);
done:
	json_decref(data);
	return rc < 0 ? rc : 0;
}

static const char *const text_fields[] = { "name", "email", "phone", "description",
					   "invoice_prefix", "external_id", NULL };
static const size_t text_limits[] = { 256, 512, 20, 350, 12, 255 };

/* An external_id belongs to one customer of the tenant and mode (migration 020). */
static int external_id_check(struct svc *s, const json_t *c, struct recur_err *e)
{
	const char *ext = json_string_value(json_object_get(c, "external_id"));
	const char *self = json_string_value(json_object_get(c, "id"));
	char other[IDS_MAX];
	int rc;
	if (!ext)
		return 0;
	if ((rc = svc_customer_by_external_id(other, sizeof(other), s, ext, e)) < 0)
		return rc;
	if (rc > 0 && strcmp(other, self) != 0)
		return err_invalid(e, "external_id", "The customer %s already has the external_id"
				   " '%s'", other, ext);
	return 0;
}

int svc_customer_by_external_id(char *id, size_t cap, struct svc *s, const char *ext,
				struct recur_err *e)
{
	return svc_find_id(id, cap, s, &svc_customers_table, "external_id", ext, e);
}

/*
 * Applies the parameters shared by create and update onto c. Fields absent from
 * p are left alone; "" unsets a field, as Stripe documents.
 */
static int apply(json_t *c, const json_t *p, struct svc *s, struct recur_err *e)
{
	int rc;
	for (int i = 0; text_fields[i]; i++) {
		const char *v = NULL;
		if ((rc = params_string(&v, p, text_fields[i], text_limits[i], e)) < 0)
			return rc;
		if (rc > 0)
			json_object_set_new(c, text_fields[i], *v ? json_string(v) : json_null());
	}
	const char *email = json_string_value(json_object_get(c, "email"));
	if (email && (!strchr(email, '@') || strchr(email, ' ')))
		return err_invalid(e, "email", "Invalid email address: %s", email);
	if ((rc = external_id_check(s, c, e)) < 0)
		return rc;
	const char *prefix = json_string_value(json_object_get(c, "invoice_prefix"));
	if (prefix) {
		if (strlen(prefix) < 3)
			return err_invalid(e, "invoice_prefix", "Invoice prefix must be 3 to 12 characters");
		for (const char *ch = prefix; *ch; ch++)
			if (!((*ch >= 'A' && *ch <= 'Z') || (*ch >= '0' && *ch <= '9')))
				return err_invalid(e, "invoice_prefix",
						   "Invoice prefix may hold only upper-case letters and digits");
	}
	const json_t *obj = NULL;
	if ((rc = params_object(&obj, p, "address", e)) < 0)
		return rc;
	if (rc > 0) {
		json_t *a = NULL;
		if (obj && (rc = params_nest(e, address(&a, obj, e), "address")) < 0)
			return rc;
		json_object_set_new(c, "address", a ? a : json_null());
	}
	if ((rc = params_object(&obj, p, "shipping", e)) < 0)
		return rc;
	if (rc > 0) {
		json_t *sh = NULL;
		if (obj && (rc = params_nest(e, shipping(&sh, obj, e), "shipping")) < 0)
			return rc;
		json_object_set_new(c, "shipping", sh ? sh : json_null());
	}
	const json_t *arr = NULL;
	if ((rc = params_string_array(&arr, p, "preferred_locales", 16, e)) < 0)
		return rc;
	if (rc > 0)
		json_object_set_new(c, "preferred_locales", arr ? json_deep_copy(arr) : json_array());
	const char *exempt = NULL;
	if ((rc = params_enum(&exempt, p, "tax_exempt", tax_exempt_values, e)) < 0)
		return rc;
	if (rc > 0)
		json_object_set_new(c, "tax_exempt", json_string(exempt));
	if ((rc = params_object(&obj, p, "invoice_settings", e)) < 0)
		return rc;
	if (rc > 0 && obj) {
		json_t *is = NULL;
		rc = params_nest(e, invoice_settings(&is, json_object_get(c, "invoice_settings"),
						     obj, e), "invoice_settings");
		if (rc < 0)
			return rc;
		json_object_set_new(c, "invoice_settings", is);
	}
	int64_t n;
	if ((rc = params_int(&n, p, "balance", -PARAMS_MAX_AMOUNT, PARAMS_MAX_AMOUNT, e)) < 0)
		return rc;
	if (rc > 0)
		json_object_set_new(c, "balance", json_integer(n));
	if ((rc = params_int(&n, p, "next_invoice_sequence", 1, 1000000000, e)) < 0)
		return rc;
	if (rc > 0)
		json_object_set_new(c, "next_invoice_sequence", json_integer(n));
	const char *cur = NULL;
	if ((rc = params_currency(&cur, p, "currency", e)) < 0)
		return rc;
	if (rc > 0)
		json_object_set_new(c, "currency", json_string(cur));
	json_t *md = NULL;
	if ((rc = params_metadata(&md, json_object_get(c, "metadata"), p, e)) < 0)
		return rc;
	json_object_set_new(c, "metadata", md);
	(void)s;
	return 0;
}

/*
 * The change a create or update makes to the balance (after's less before's;
 * before NULL on create), checked: a balance is money on the books, so it
 * moves by a balance transaction and a ledger posting (at the caller's
 * svc_balance_record_adjustment), and both need the currency it is kept in,
 * the customer's or the one given with it. A customer holding a balance
 * keeps its currency, or the books would hold it in one and the customer in
 * another.
 */
static int balance_change(int64_t *delta, const json_t *before, const json_t *after,
			  struct recur_err *e)
{
	int64_t was = json_integer_value(json_object_get(before, "balance"));
	int64_t now = json_integer_value(json_object_get(after, "balance"));
	const char *had = json_string_value(json_object_get(before, "currency"));
	const char *cur = json_string_value(json_object_get(after, "currency"));

	if (money_sub(delta, now, was) < 0 || !money_in_range(*delta))
		return err_invalid(e, "balance", "The balance may change by at most 10^15 minor "
				   "units at once");
	if (*delta != 0 && !cur)
		return err_invalid(e, "balance", "A balance is kept in the customer's currency, "
				   "and this customer has none yet: give currency with the balance");
	if (had && cur && strcmp(had, cur) != 0 && (was != 0 || now != 0))
		return err_invalid(e, "currency", "The customer's balance is kept in %s: a "
				   "customer with a balance cannot change its currency", had);
	return 0;
}

/*
 * A new invoice_settings.default_payment_method must be one of the customer's
 * methods (Stripe checks it when it is set; one set earlier stays valid). A
 * customer being created has none yet, so on create any is refused.
 */
static int default_method_check(struct svc *s, const char *id, const json_t *before,
				const json_t *after, struct recur_err *e)
{
	const char *was = json_string_value(json_object_get(json_object_get(before,
		"invoice_settings"), "default_payment_method"));
	const char *pm = json_string_value(json_object_get(json_object_get(after,
		"invoice_settings"), "default_payment_method"));

	if (!pm || (was && strcmp(was, pm) == 0))
		return 0;
	return svc_payment_method_check(s, id, pm, "invoice_settings[default_payment_method]", e);
}

static const char *const create_params[] = {
	"address", "balance", "currency", "description", "email", "external_id", "invoice_prefix",
	"invoice_settings", "metadata", "name", "next_invoice_sequence", "phone",
	"preferred_locales", "shipping", "tax_exempt", "tax_id_data", "test_clock", NULL
};

int svc_customer_create(json_t **out, struct svc *s, const json_t *p, struct recur_err *e)
{
	char id[IDS_MAX];
	json_t *c = NULL;
	const json_t *tax_ids = NULL;
	const char *clock = NULL;
	int64_t delta = 0;
	int rc;
	*out = NULL;
	if ((rc = params_only(p, create_params, e)) < 0)
		return rc;
	ids_new(id, sizeof(id), "cus");
	c = json_pack("{s:s, s:I, s:I, s:b, s:o, s:n, s:n, s:n, s:{s:n, s:n, s:n, s:n}, s:n}",
		      "id", id, "created", (json_int_t)s->now, "balance", (json_int_t)0,
		      "delinquent", 0, "preferred_locales", json_array(), "tax_exempt",
		      "currency", "address", "invoice_settings", "custom_fields",
		      "default_payment_method", "footer", "rendering_options", "test_clock");
	json_object_set_new(c, "tax_exempt", json_string("none"));
	if ((rc = apply(c, p, s, e)) < 0 ||
	    (rc = default_method_check(s, json_string_value(json_object_get(c, "id")), NULL, c,
				       e)) < 0)
		goto done;
	if (!json_string_value(json_object_get(c, "invoice_prefix"))) {
		/* Stripe gives every customer a unique prefix for its invoice numbers. */
		char prefix[9];
		ids_random_base62(prefix, 8);
		for (char *ch = prefix; *ch; ch++)
			if (*ch >= 'a' && *ch <= 'z')
				*ch = (char)(*ch - 'a' + 'A');
		json_object_set_new(c, "invoice_prefix", json_string(prefix));
	}
	if (!json_object_get(c, "next_invoice_sequence"))
		json_object_set_new(c, "next_invoice_sequence", json_integer(1));
	if ((rc = params_string(&clock, p, "test_clock", 64, e)) < 0)
		goto done;
	if (rc > 0) {
		json_t *tc = NULL;
		if ((rc = store_obj_get(&tc, s->db, &svc_test_clocks_table, &s->scope, clock, e)) < 0) {
			snprintf(e->param, sizeof(e->param), "test_clock");
			e->status = 400;
			goto done;
		}
		json_decref(tc);
	}
	json_object_set_new(c, "test_clock", clock ? json_string(clock) : json_null());
	if ((rc = params_array(&tax_ids, p, "tax_id_data", e)) < 0)
		goto done;
	json_t *list = NULL, *none = json_array();
	rc = tax_id_list(&list, id, tax_ids ? tax_ids : none, s, e);
	json_decref(none);
	if (rc < 0)
		goto done;
	json_object_set_new(c, "tax_ids", list);
	if ((rc = balance_change(&delta, NULL, c, e)) < 0)
		goto done;
	if ((rc = svc_begin(s, e)) < 0)
		goto done;
	rc = store_obj_insert(s->db, &svc_customers_table, &s->scope, c, e);
	if (rc >= 0 && delta != 0)
		rc = svc_balance_record_adjustment(s, c, delta, e);
	if (rc >= 0)
		rc = store_obj_get(out, s->db, &svc_customers_table, &s->scope, id, e);
	if (rc >= 0)
		rc = svc_event(s, "customer.created", *out, NULL, e);
	rc = svc_finish(s, rc, e);
done:
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	}
	json_decref(c);
	return rc;
}

int svc_customer_retrieve(json_t **out, struct svc *s, const char *id, struct recur_err *e)
{
	bool deleted = false;
	int rc = store_obj_get_any(out, &deleted, s->db, &svc_customers_table, &s->scope, id, e);
	if (rc == 0 && deleted) {
		/* Stripe answers a deleted customer with a stub, not a 404. */
		json_decref(*out);
		*out = json_pack("{s:s, s:s, s:b}", "id", id, "object", "customer", "deleted", 1);
	}
	return rc;
}

static const char *const update_params[] = {
	"address", "balance", "currency", "description", "email", "external_id", "invoice_prefix",
	"invoice_settings", "metadata", "name", "next_invoice_sequence", "phone",
	"preferred_locales", "shipping", "tax_exempt", NULL
};

int svc_customer_update(json_t **out, struct svc *s, const char *id, const json_t *p,
			struct recur_err *e)
{
	json_t *before = NULL, *c = NULL;
	int64_t delta = 0;
	int rc;
	*out = NULL;
	if ((rc = params_only(p, update_params, e)) < 0)
		return rc;
	if ((rc = svc_begin(s, e)) < 0)
		return rc;
	if ((rc = store_obj_get(&before, s->db, &svc_customers_table, &s->scope, id, e)) < 0)
		goto done;
	c = json_deep_copy(before);
	if ((rc = apply(c, p, s, e)) < 0 || (rc = balance_change(&delta, before, c, e)) < 0 ||
	    (rc = default_method_check(s, id, before, c, e)) < 0)
		goto done;
	rc = svc_update_object(out, s, &svc_customers_table, before, c, NULL, e);
	if (rc >= 0 && delta != 0)
		rc = svc_balance_record_adjustment(s, c, delta, e);
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

int svc_customer_delete(json_t **out, struct svc *s, const char *id, struct recur_err *e)
{
	json_t *c = NULL;
	int rc;
	*out = NULL;
	if ((rc = svc_begin(s, e)) < 0)
		return rc;
	if ((rc = store_obj_get(&c, s->db, &svc_customers_table, &s->scope, id, e)) < 0)
		goto done;
	int64_t now = 0;
	if ((rc = svc_test_clock_now(&now, s, json_string_value(json_object_get(c, "test_clock")),
				     e)) < 0 ||
	    (rc = svc_subscription_cancel_customer(s, id, now, e)) < 0)
		goto done;
	if ((rc = store_obj_delete(s->db, &svc_customers_table, &s->scope, id, e)) < 0)
		goto done;
	rc = svc_event(s, "customer.deleted", c, NULL, e);
done:
	rc = svc_finish(s, rc, e);
	json_decref(c);
	if (rc == 0)
		*out = json_pack("{s:s, s:s, s:b}", "id", id, "object", "customer", "deleted", 1);
	return rc;
}

static const char *const list_params[] = { SVC_LIST_PARAMS, "email", "external_id", "test_clock",
					   NULL };

int svc_customer_list(json_t **out, struct svc *s, const json_t *p, struct recur_err *e)
{
	struct svc_list l;
	const char *email = NULL, *clock = NULL, *ext = NULL;
	int rc;
	if ((rc = params_only(p, list_params, e)) < 0 || (rc = svc_list_params(&l, p, e)) < 0)
		return rc;
	if ((rc = params_string(&ext, p, "external_id", 255, e)) < 0 ||
	    (rc = params_string(&email, p, "email", 512, e)) < 0 ||
	    (rc = params_string(&clock, p, "test_clock", 64, e)) < 0)
		return rc;
	/* An empty filter value means "no filter", as elsewhere in the API. */
	if (email && *email)
		svc_list_filter(&l, "email", "=", SV_TEXT(email));
	if (clock && *clock)
		svc_list_filter(&l, "test_clock", "=", SV_TEXT(clock));
	if (ext && *ext)
		svc_list_filter(&l, "external_id", "=", SV_TEXT(ext));
	return svc_list(out, s, &svc_customers_table, &l, "/v1/customers", e);
}

/*
 * Parses "field:'value' AND field:'value'" for the searchable fields. Values are
 * quoted with single or double quotes; a backslash escapes the quote.
 */
static int parse_query(struct svc_list *l, char *q, struct recur_err *e)
{
	static const char *const fields[] = { "email", "name", "phone", NULL };
	char *cur = q;
	for (;;) {
		while (*cur == ' ')
			cur++;
		const char *field = NULL;
		for (int i = 0; fields[i]; i++) {
			size_t n = strlen(fields[i]);
			if (strncmp(cur, fields[i], n) == 0 && cur[n] == ':') {
				field = fields[i];
				cur += n + 1;
				break;
			}
		}
		if (!field || (*cur != '\'' && *cur != '"'))
			return err_invalid(e, "query",
					   "Invalid search query: expected email:'...', name:'...' or phone:'...' terms joined by AND");
		char quote = *cur++;
		char *value = cur, *w = cur;
		while (*cur && *cur != quote) {
			if (*cur == '\\' && cur[1])
				cur++;
			*w++ = *cur++;
		}
		if (*cur != quote)
			return err_invalid(e, "query", "Invalid search query: unterminated string");
		cur++;
		*w = '\0';
		svc_list_filter(l, field, "=", SV_TEXT(value));
		while (*cur == ' ')
			cur++;
		if (!*cur)
			return 0;
		if (strncmp(cur, "AND ", 4) != 0)
			return err_invalid(e, "query", "Invalid search query: terms are joined by AND");
		cur += 4;
	}
}

static const char *const search_params[] = { "query", "limit", "page", NULL };

int svc_customer_search(json_t **out, struct svc *s, const json_t *p, struct recur_err *e)
{
	struct svc_list l;
	const char *query = NULL, *page = NULL;
	char buf[1024];
	json_t *list = NULL;
	int64_t limit = 10;
	int rc;
	*out = NULL;
	memset(&l, 0, sizeof(l));
	if ((rc = params_only(p, search_params, e)) < 0 || (rc = params_require(p, "query", e)) < 0 ||
	    (rc = params_string(&query, p, "query", sizeof(buf) - 1, e)) < 0 ||
	    (rc = params_string(&page, p, "page", 255, e)) < 0 ||
	    (rc = params_int(&limit, p, "limit", 1, 100, e)) < 0)
		return rc;
	snprintf(buf, sizeof(buf), "%s", query);
	if ((rc = parse_query(&l, buf, e)) < 0)
		return rc;
	l.page.limit = (int)limit;
	/* The page token is the last id of the previous page. */
	l.page.starting_after = page && *page ? page : NULL;
	if (l.page.starting_after && (rc = svc_list(&list, s, &svc_customers_table, &l, "", e)) < 0)
		return params_nest(e, rc, "page") < 0 ? err_invalid(e, "page", "Invalid page token") : rc;
	if (!list && (rc = svc_list(&list, s, &svc_customers_table, &l, "", e)) < 0)
		return rc;
	json_t *data = json_object_get(list, "data");
	int more = json_is_true(json_object_get(list, "has_more"));
	const char *last = more ? json_string_value(json_object_get(
					  json_array_get(data, json_array_size(data) - 1), "id"))
				: NULL;
	*out = json_pack("{s:s, s:s, s:b, s:s?, s:O}", "object", "search_result", "url",
			 "/v1/customers/search", "has_more", more, "next_page", last, "data", data);
	json_decref(list);
	return 0;
}
