#include "service/coupon.h"

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
