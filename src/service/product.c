#include "service/product.h"
#include "core/ids.h"
#include "service/list.h"
#include "service/params.h"
#include "service/price.h"

#include <stdio.h>
#include <string.h>

static const struct store_col cols[] = {
	{ "updated", COL_INT, 0 },
	{ "name", COL_TEXT, 0 },
	{ "active", COL_BOOL, 0 },
	{ "description", COL_TEXT, 0 },
	{ "images", COL_JSON, 0 },
	{ "marketing_features", COL_JSON, 0 },
	{ "default_price", COL_TEXT, 0 },
	{ "statement_descriptor", COL_TEXT, 0 },
	{ "tax_code", COL_TEXT, 0 },
	{ "unit_label", COL_TEXT, 0 },
	{ "url", COL_TEXT, 0 },
	{ "shippable", COL_BOOL, 0 },
	{ "package_dimensions", COL_JSON, 0 },
	{ "type", COL_TEXT, 0 },
	{ "metadata", COL_JSON, 0 },
};

const struct store_table svc_products_table = {
	.table = "products", .object = "product", .noun = "product",
	.cols = cols, .ncols = sizeof(cols) / sizeof(cols[0]), .soft_delete = true,
};

static const char *const product_types[] = { "service", "good", NULL };

/* Stripe's documented limits: 8 images, 15 marketing features of 80 characters. */
#define MAX_IMAGES 8
#define MAX_IMAGE_URL 2048
#define MAX_FEATURES 15
#define MAX_FEATURE_NAME 80
#define MAX_LIST_IDS 100

static bool http_url(const char *s)
{
	return strncmp(s, "https://", 8) == 0 || strncmp(s, "http://", 7) == 0;
}

/*
 * Stripe: a statement descriptor is at most 22 characters, contains at least
 * one letter and none of < > \ ' " (card networks reject them).
 */
static int statement_descriptor(const char *s, struct recur_err *e)
{
	bool letter = false;
	for (const char *c = s; *c; c++) {
		if (strchr("<>\\'\"", *c))
			return err_invalid(e, "statement_descriptor",
					   "The statement descriptor cannot contain any of < > \\ ' \"");
		if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z'))
			letter = true;
	}
	if (!letter)
		return err_invalid(e, "statement_descriptor",
				   "The statement descriptor must contain at least one letter");
	return 0;
}

/* Stripe's product tax codes are "txcd_" and eight digits (txcd_10000000). */
static int tax_code(const char *s, struct recur_err *e)
{
	size_t n = strlen(s);
	bool ok = n == 13 && strncmp(s, "txcd_", 5) == 0;
	for (size_t i = 5; ok && i < n; i++)
		ok = s[i] >= '0' && s[i] <= '9';
	if (!ok)
		return err_invalid(e, "tax_code", "No such tax code: '%s'", s);
	return 0;
}

/* A caller-chosen id travels in URLs: letters, digits, '_' and '-' only. */
static int check_id(const char *s, struct recur_err *e)
{
	if (!*s)
		return err_invalid(e, "id", "Invalid id: it cannot be empty");
	for (const char *c = s; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '_' || *c == '-'))
			return err_invalid(e, "id",
					   "Invalid id: use only letters, digits, '_' and '-'");
	return 0;
}

/*
 * package_dimensions: inches and ounces, which Stripe keeps to two decimals.
 * Read exactly as hundredths; they are measures, not money, so they render as
 * JSON numbers.
 */
static int dimensions(json_t **out, const json_t *v, struct recur_err *e)
{
	static const char *const keys[] = { "height", "length", "weight", "width", NULL };
	json_t *d = NULL;
	int rc = params_only(v, keys, e);
	if (rc < 0)
		return rc;
	d = json_object();
	for (int i = 0; keys[i]; i++) {
		int64_t n = 0;
		if ((rc = params_require(v, keys[i], e)) < 0 ||
		    (rc = params_fixed(&n, v, keys[i], 2, 1, 100000000, e)) < 0)
			goto done;
		json_object_set_new(d, keys[i], json_real((double)n / 100.0));
	}
	rc = 0;
done:
	if (rc < 0) {
		json_decref(d);
		return rc;
	}
	*out = d;
	return 0;
}

static int marketing_features(json_t **out, const json_t *arr, struct recur_err *e)
{
	static const char *const keys[] = { "name", NULL };
	json_t *list = json_array();
	size_t i;
	json_t *f;
	int rc = 0;
	if (json_array_size(arr) > MAX_FEATURES) {
		rc = err_invalid(e, "marketing_features", "A product can have at most %d marketing features",
				 MAX_FEATURES);
		goto done;
	}
	json_array_foreach(arr, i, f) {
		const char *name = NULL;
		if (!json_is_object(f))
			rc = err_invalid(e, NULL, "Invalid marketing feature: must be a hash with a name");
		else if ((rc = params_only(f, keys, e)) >= 0 && (rc = params_require(f, "name", e)) >= 0)
			rc = params_string(&name, f, "name", MAX_FEATURE_NAME, e);
		if (rc < 0) {
			rc = params_nest_index(e, rc, "marketing_features", i);
			goto done;
		}
		json_array_append_new(list, json_pack("{s:s}", "name", name));
	}
	rc = 0;
done:
	if (rc < 0) {
		json_decref(list);
		return rc;
	}
	*out = list;
	return 0;
}

static int images(json_t **out, const json_t *p, struct recur_err *e)
{
	const json_t *arr = NULL;
	int rc = params_string_array(&arr, p, "images", MAX_IMAGE_URL, e);
	if (rc <= 0)
		return rc;
	if (json_array_size(arr) > MAX_IMAGES)
		return err_invalid(e, "images", "A product can have at most %d images", MAX_IMAGES);
	for (size_t i = 0; i < json_array_size(arr); i++)
		if (!http_url(json_string_value(json_array_get(arr, i))))
			return params_nest_index(e, err_invalid(e, NULL, "Invalid URL: images must be http(s) URLs"),
						 "images", i);
	*out = arr ? json_deep_copy(arr) : json_array();
	return 1;
}

/* Texts where "" unsets the field, as Stripe's Emptyable parameters do. */
static const struct {
	const char *key;
	size_t max;
} texts[] = {
	{ "description", PARAMS_MAX_STRING },
	{ "statement_descriptor", 22 },
	{ "tax_code", 64 },
	{ "unit_label", 12 },
	{ "url", PARAMS_MAX_STRING },
};

/*
 * Applies the parameters shared by create, update and product_data onto c.
 * Fields absent from p are left alone.
 */
static int apply(json_t *c, const json_t *p, struct recur_err *e)
{
	const char *v = NULL;
	const json_t *obj = NULL;
	json_t *built = NULL;
	bool b;
	int rc;
	if ((rc = params_string(&v, p, "name", PARAMS_MAX_STRING, e)) < 0)
		return rc;
	if (rc > 0 && !*v)
		return err_invalid(e, "name", "A product's name cannot be empty");
	if (rc > 0)
		json_object_set_new(c, "name", json_string(v));
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		v = NULL;
		if ((rc = params_string(&v, p, texts[i].key, texts[i].max, e)) < 0)
			return rc;
		if (rc == 0 || !*v) {
			if (rc > 0)
				json_object_set_new(c, texts[i].key, json_null());
			continue;
		}
		if (strcmp(texts[i].key, "statement_descriptor") == 0)
			rc = statement_descriptor(v, e);
		else if (strcmp(texts[i].key, "tax_code") == 0)
			rc = tax_code(v, e);
		else if (strcmp(texts[i].key, "url") == 0 && !http_url(v))
			rc = err_invalid(e, "url", "Invalid URL: %s must be an http(s) URL", texts[i].key);
		if (rc < 0)
			return rc;
		json_object_set_new(c, texts[i].key, json_string(v));
	}
	if ((rc = params_bool(&b, p, "active", e)) < 0)
		return rc;
	if (rc > 0)
		json_object_set_new(c, "active", json_boolean(b));
	if ((rc = params_bool(&b, p, "shippable", e)) < 0)
		return rc;
	if (rc > 0)
		json_object_set_new(c, "shippable", json_boolean(b));
	if ((rc = images(&built, p, e)) < 0)
		return rc;
	if (rc > 0)
		json_object_set_new(c, "images", built);
	built = NULL;
	if ((rc = params_array(&obj, p, "marketing_features", e)) < 0)
		return rc;
	if (rc > 0) {
		if (!obj)
			built = json_array();
		else if ((rc = marketing_features(&built, obj, e)) < 0)
			return rc;
		json_object_set_new(c, "marketing_features", built);
	}
	built = NULL;
	if ((rc = params_object(&obj, p, "package_dimensions", e)) < 0)
		return rc;
	if (rc > 0) {
		if (obj && (rc = params_nest(e, dimensions(&built, obj, e), "package_dimensions")) < 0)
			return rc;
		json_object_set_new(c, "package_dimensions", built ? built : json_null());
	}
	json_t *md = NULL;
	if ((rc = params_metadata(&md, json_object_get(c, "metadata"), p, e)) < 0)
		return rc;
	json_object_set_new(c, "metadata", md);
	return 0;
}

static const char *const inline_params[] = {
	"active", "id", "metadata", "name", "statement_descriptor", "tax_code", "unit_label", NULL
};

int svc_product_build(json_t **out, struct svc *s, const json_t *p, bool inline_data,
		      struct recur_err *e)
{
	char id[IDS_MAX];
	const char *want = NULL, *type = "service";
	json_t *c = NULL;
	int rc;
	*out = NULL;
	if (inline_data && (rc = params_only(p, inline_params, e)) < 0)
		return rc;
	if ((rc = params_require(p, "name", e)) < 0)
		return rc;
	/* Stripe lets the caller choose a product's id. */
	if ((rc = params_string(&want, p, "id", IDS_MAX - 1, e)) < 0)
		return rc;
	if (rc > 0 && (rc = check_id(want, e)) < 0)
		return rc;
	if (!inline_data && (rc = params_enum(&type, p, "type", product_types, e)) < 0)
		return rc;
	if (want)
		snprintf(id, sizeof(id), "%s", want);
	else
		ids_new(id, sizeof(id), "prod");
	c = json_pack("{s:s, s:I, s:I, s:b, s:n, s:[], s:[], s:n, s:n, s:n, s:n, s:n, s:n, s:n,"
		      " s:s, s:{}}",
		      "id", id, "created", (json_int_t)s->now, "updated", (json_int_t)s->now,
		      "active", 1, "description", "images", "marketing_features", "default_price",
		      "statement_descriptor", "tax_code", "unit_label", "url", "shippable",
		      "package_dimensions", "type", type, "metadata");
	if (!c)
		return err_internal(e, "cannot build product");
	if ((rc = apply(c, p, e)) < 0) {
		json_decref(c);
		return rc;
	}
	*out = c;
	return 0;
}

static int already_exists(struct recur_err *e, const char *id)
{
	return err_set(e, RECUR_EINVAL, 400, "invalid_request_error", "resource_already_exists",
		       "id", "Product already exists: '%s'", id);
}

int svc_product_insert(json_t **out, struct svc *s, const json_t *product,
		       struct recur_err *e)
{
	const char *id = json_string_value(json_object_get(product, "id"));
	json_t *old = NULL;
	bool deleted = false;
	int rc;
	*out = NULL;
	/* A deleted product keeps its row, so its id stays taken, as in Stripe. */
	rc = store_obj_get_any(&old, &deleted, s->db, &svc_products_table, &s->scope, id, e);
	json_decref(old);
	if (rc == 0)
		return already_exists(e, id);
	if (rc != RECUR_ENOTFOUND)
		return rc;
	rc = store_obj_insert(s->db, &svc_products_table, &s->scope, product, e);
	if (rc == RECUR_ECONFLICT) /* the id is taken in another tenant or mode */
		return already_exists(e, id);
	if (rc >= 0)
		rc = store_obj_get(out, s->db, &svc_products_table, &s->scope, id, e);
	if (rc >= 0)
		rc = svc_event(s, "product.created", *out, NULL, e);
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

/* default_price_data takes a subset of a price's parameters (Stripe's DefaultPriceData). */
static int default_price(json_t **out, struct svc *s, const json_t *d, const char *product,
			 struct recur_err *e)
{
	static const char *const keys[] = { "currency", "custom_unit_amount", "metadata",
					    "recurring", "tax_behavior", "unit_amount",
					    "unit_amount_decimal", NULL };
	static const char *const recurring_keys[] = { "interval", "interval_count", NULL };
	const json_t *r = NULL;
	int rc;
	if ((rc = params_only(d, keys, e)) < 0 || (rc = params_object(&r, d, "recurring", e)) < 0)
		return rc;
	if (r && (rc = params_nest(e, params_only(r, recurring_keys, e), "recurring")) < 0)
		return rc;
	return svc_price_build(out, s, d, product, e);
}

static const char *const create_params[] = {
	"active", "default_price_data", "description", "id", "images", "marketing_features",
	"metadata", "name", "package_dimensions", "shippable", "statement_descriptor",
	"tax_code", "type", "unit_label", "url", NULL
};

int svc_product_create(json_t **out, struct svc *s, const json_t *p, struct recur_err *e)
{
	json_t *product = NULL, *price = NULL, *stored_price = NULL;
	const json_t *dpd = NULL;
	int rc;
	*out = NULL;
	if ((rc = params_only(p, create_params, e)) < 0)
		return rc;
	if ((rc = svc_product_build(&product, s, p, false, e)) < 0)
		goto done;
	if ((rc = params_object(&dpd, p, "default_price_data", e)) < 0)
		goto done;
	if (dpd) {
		const char *id = json_string_value(json_object_get(product, "id"));
		rc = params_nest(e, default_price(&price, s, dpd, id, e), "default_price_data");
		if (rc < 0)
			goto done;
		json_object_set(product, "default_price", json_object_get(price, "id"));
	}
	if ((rc = svc_begin(s, e)) < 0)
		goto done;
	rc = svc_product_insert(out, s, product, e);
	if (rc >= 0 && price)
		rc = svc_price_insert(&stored_price, s, price, false, e);
	rc = svc_finish(s, rc, e);
done:
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	}
	json_decref(product);
	json_decref(price);
	json_decref(stored_price);
	return rc;
}

int svc_product_retrieve(json_t **out, struct svc *s, const char *id, struct recur_err *e)
{
	return store_obj_get(out, s->db, &svc_products_table, &s->scope, id, e);
}

/* Stripe: the default price must be an active price of this very product. */
static int check_default_price(struct svc *s, const char *product, const char *price_id,
			       struct recur_err *e)
{
	json_t *price = NULL;
	int rc = store_obj_get(&price, s->db, &svc_prices_table, &s->scope, price_id, e);
	if (rc == RECUR_ENOTFOUND)
		return err_set(e, RECUR_EINVAL, 400, "invalid_request_error", "resource_missing",
			       "default_price", "No such price: '%s'", price_id);
	if (rc < 0)
		return rc;
	const char *owner = json_string_value(json_object_get(price, "product"));
	if (!owner || strcmp(owner, product) != 0)
		rc = err_invalid(e, "default_price", "The price '%s' belongs to another product",
				 price_id);
	else if (!json_is_true(json_object_get(price, "active")))
		rc = err_invalid(e, "default_price",
				 "The price '%s' is archived; only an active price can be the default price",
				 price_id);
	json_decref(price);
	return rc;
}

static const char *const update_params[] = {
	"active", "default_price", "description", "images", "marketing_features", "metadata",
	"name", "package_dimensions", "shippable", "statement_descriptor", "tax_code",
	"unit_label", "url", NULL
};

int svc_product_update(json_t **out, struct svc *s, const char *id, const json_t *p,
		       struct recur_err *e)
{
	json_t *before = NULL, *c = NULL;
	const char *dp = NULL;
	int rc;
	*out = NULL;
	if ((rc = params_only(p, update_params, e)) < 0 ||
	    (rc = params_string(&dp, p, "default_price", 255, e)) < 0)
		return rc;
	if ((rc = svc_begin(s, e)) < 0)
		return rc;
	if ((rc = store_obj_get(&before, s->db, &svc_products_table, &s->scope, id, e)) < 0)
		goto done;
	c = json_deep_copy(before);
	if ((rc = apply(c, p, e)) < 0)
		goto done;
	if (dp) {
		if (*dp && (rc = check_default_price(s, id, dp, e)) < 0)
			goto done;
		json_object_set_new(c, "default_price", *dp ? json_string(dp) : json_null());
	}
	/* "updated" moves only when something did, so a no-op update raises no event. */
	if (!json_equal(before, c))
		json_object_set_new(c, "updated", json_integer(s->now));
	rc = svc_update_object(out, s, &svc_products_table, before, c, NULL, e);
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

int svc_product_delete(json_t **out, struct svc *s, const char *id, struct recur_err *e)
{
	json_t *c = NULL;
	int64_t prices = 0;
	struct store_filter f = { .col = "product", .op = "=", .val = SV_TEXT(id) };
	int rc;
	*out = NULL;
	if ((rc = svc_begin(s, e)) < 0)
		return rc;
	if ((rc = store_obj_get(&c, s->db, &svc_products_table, &s->scope, id, e)) < 0)
		goto done;
	/*
	 * Stripe never deletes a product that has prices: subscriptions and
	 * invoices keep pointing at them. Archiving (active=false) is the way out.
	 */
	if ((rc = store_obj_count(&prices, s->db, &svc_prices_table, &s->scope, &f, 1, e)) < 0)
		goto done;
	if (prices > 0) {
		rc = err_invalid(e, NULL,
				 "This product cannot be deleted because it has one or more prices;"
				 " archive it with active=false instead.");
		goto done;
	}
	if ((rc = store_obj_delete(s->db, &svc_products_table, &s->scope, id, e)) < 0)
		goto done;
	rc = svc_event(s, "product.deleted", c, NULL, e);
done:
	rc = svc_finish(s, rc, e);
	json_decref(c);
	if (rc == 0)
		*out = json_pack("{s:s, s:s, s:b}", "id", id, "object", "product", "deleted", 1);
	return rc;
}

static const char *const list_params[] = {
	SVC_LIST_PARAMS, "active", "ids", "shippable", "type", "url", NULL
};

int svc_product_list(json_t **out, struct svc *s, const json_t *p, struct recur_err *e)
{
	struct svc_list l;
	const char *type = NULL, *url = NULL;
	const json_t *ids = NULL;
	bool active = false, shippable = false;
	int rc, has_active, has_shippable;
	*out = NULL;
	if ((rc = params_only(p, list_params, e)) < 0 || (rc = svc_list_params(&l, p, e)) < 0)
		return rc;
	if ((has_active = params_bool(&active, p, "active", e)) < 0)
		return has_active;
	if ((has_shippable = params_bool(&shippable, p, "shippable", e)) < 0)
		return has_shippable;
	if ((rc = params_enum(&type, p, "type", product_types, e)) < 0 ||
	    (rc = params_string(&url, p, "url", PARAMS_MAX_STRING, e)) < 0 ||
	    (rc = params_string_array(&ids, p, "ids", 255, e)) < 0)
		return rc;
	if (has_active)
		svc_list_filter(&l, "active", "=", SV_INT(active ? 1 : 0));
	if (has_shippable)
		svc_list_filter(&l, "shippable", "=", SV_INT(shippable ? 1 : 0));
	if (type)
		svc_list_filter(&l, "type", "=", SV_TEXT(type));
	if (url)
		svc_list_filter(&l, "url", "=", SV_TEXT(url));
	if (ids) {
		size_t n = json_array_size(ids);
		if (n > MAX_LIST_IDS)
			return err_invalid(e, "ids", "At most %d ids", MAX_LIST_IDS);
		for (size_t i = 0; i < n; i++)
			l.in_vals[i] = SV_TEXT(json_string_value(json_array_get(ids, i)));
		if (l.nfilters < SVC_LIST_MAX_FILTERS)
			l.filters[l.nfilters++] = (struct store_filter){
				.col = "id", .op = "IN", .in = l.in_vals, .nin = (int)n };
	}
	return svc_list(out, s, &svc_products_table, &l, "/v1/products", e);
}
