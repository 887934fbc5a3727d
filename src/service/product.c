#include "service/product.h"

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
