#include "service/price.h"

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
