#include "api/api.h"

#include <stdio.h>
#include <string.h>

static const struct api_route *const tables[] = {
	api_customer_routes, api_product_routes, api_price_routes,
	api_coupon_routes, api_tax_rate_routes, api_event_routes,
	api_test_clock_routes, api_subscription_routes, api_subscription_schedule_routes, api_promotion_code_routes,
	api_invoice_preview_routes, api_invoice_routes, api_invoiceitem_routes, api_customer_balance_routes,
	api_ledger_routes, api_bank_routes, api_settings_routes, api_email_routes,
	api_payment_method_routes, api_payment_intent_routes, api_charge_routes, api_refund_routes,
	api_credit_note_routes, api_plan_family_routes, api_audit_log_routes, api_webhook_routes,
	api_import_routes,
};

/* Matches pattern against path segment by segment; ":x" takes one non-empty segment. */
static int match(const char *pattern, const char *path, char *id, size_t id_cap, char *id2,
		 size_t id2_cap)
{
	int captured = 0;
	while (*pattern && *path) {
		if (*pattern == ':') {
			const char *end = strchr(path, '/');
			size_t n = end ? (size_t)(end - path) : strlen(path);
			char *dst = captured == 0 ? id : id2;
			size_t cap = captured == 0 ? id_cap : id2_cap;
			if (n == 0 || n >= cap)
				return 0;
			memcpy(dst, path, n);
			dst[n] = '\0';
			captured++;
			path += n;
			while (*pattern && *pattern != '/')
				pattern++;
			continue;
		}
		if (*pattern != *path)
			return 0;
		pattern++;
		path++;
	}
	return *pattern == '\0' && *path == '\0';
}

const struct api_route *api_route_find(const char *method, const char *path, char *id,
				       size_t id_cap, char *id2, size_t id2_cap,
				       int *path_known)
{
	*path_known = 0;
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
		for (const struct api_route *r = tables[t]; r->method; r++) {
			if (!match(r->pattern, path, id, id_cap, id2, id2_cap))
				continue;
			if (strcmp(r->method, method) == 0)
				return r;
			*path_known = 1;
		}
	}
	return NULL;
}
