/* products.c - /v1/products. */
#include "api/api.h"
#include "service/product.h"

const struct api_route api_product_routes[] = {
	{ 0 },
};
