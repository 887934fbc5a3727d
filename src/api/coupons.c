/* coupons.c - /v1/coupons. */
#include "api/api.h"
#include "service/coupon.h"

const struct api_route api_coupon_routes[] = {
	{ 0 },
};
