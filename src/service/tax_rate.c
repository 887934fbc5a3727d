#include "service/tax_rate.h"

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
