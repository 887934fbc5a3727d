/* prices.c - /v1/prices. */
#include "api/api.h"
#include "service/price.h"

const struct api_route api_price_routes[] = {
	{ 0 },
};
