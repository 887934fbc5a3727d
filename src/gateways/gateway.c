#include "gateways/gateway.h"
#include "gateways/sandbox.h"

#include <stdio.h>
#include <string.h>

static const struct gateway *const gateways[] = { &sandbox_gateway };

const struct gateway *gateway_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < sizeof(gateways) / sizeof(gateways[0]); i++)
		if (strcmp(gateways[i]->name, name) == 0)
			return gateways[i];
	return NULL;
}

const struct gateway *gateway_for_mode(int livemode)
{
	return livemode ? NULL : &sandbox_gateway;
}

const char *gateway_status_name(enum gateway_status s)
{
	switch (s) {
	case GATEWAY_SUCCEEDED: return "succeeded";
	case GATEWAY_DECLINED: return "declined";
	case GATEWAY_FAILED: return "failed";
	}
	return "failed";
}

static void put(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src ? src : "");
}

void gateway_result_succeeded(struct gateway_result *out, const char *reference)
{
	memset(out, 0, sizeof(*out));
	out->status = GATEWAY_SUCCEEDED;
	put(out->reference, sizeof(out->reference), reference);
}

void gateway_result_declined(struct gateway_result *out, const char *reference, const char *code,
			     const char *decline_code, const char *message)
{
	memset(out, 0, sizeof(*out));
	out->status = GATEWAY_DECLINED;
	put(out->reference, sizeof(out->reference), reference);
	put(out->code, sizeof(out->code), code);
	put(out->decline_code, sizeof(out->decline_code), decline_code);
	put(out->message, sizeof(out->message), message);
}

void gateway_result_failed(struct gateway_result *out, const char *reference, const char *code,
			   const char *message, bool retryable)
{
	memset(out, 0, sizeof(*out));
	out->status = GATEWAY_FAILED;
	put(out->reference, sizeof(out->reference), reference);
	put(out->code, sizeof(out->code), code);
	put(out->message, sizeof(out->message), message);
	out->retryable = retryable;
}
