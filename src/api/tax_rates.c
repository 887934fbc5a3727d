/* tax_rates.c - /v1/tax_rates. */
#include "api/api.h"
#include "service/tax_rate.h"

const struct api_route api_tax_rate_routes[] = {
	{ 0 },
};
