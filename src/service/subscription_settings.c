/*
 * subscription_settings.c - see subscription_settings.h.
 */
#include "service/subscription_settings.h"
#include "service/params.h"
#include "service/settings_row.h"

struct subscription_settings {
	int64_t upcoming_days;
};

static void kind_init(void *v)
{
	((struct subscription_settings *)v)->upcoming_days = SVC_UPCOMING_DAYS_DEFAULT;
}

static int kind_apply(void *value, const json_t *p, struct recur_err *e)
{
	static const char *const allowed[] = { "invoice_upcoming_days", "object", "livemode", NULL };
	struct subscription_settings *v = value;
	const json_t *days = json_object_get(p, "invoice_upcoming_days");
	int rc;

	if ((rc = params_only(p, allowed, e)) < 0)
		return rc;
	/* Stripe's way to unset a field is an empty string; null is how "off" is stored. */
	if (json_is_null(days) || (json_is_string(days) && json_string_length(days) == 0)) {
		v->upcoming_days = 0;
		return 0;
	}
	return params_int(&v->upcoming_days, p, "invoice_upcoming_days", 0, SVC_UPCOMING_DAYS_MAX,
			  e) < 0 ? -1 : 0;
}

static json_t *kind_render(const void *value, int livemode)
{
	const struct subscription_settings *v = value;
	return json_pack("{s:s, s:b, s:I}", "object", "subscription_settings", "livemode", livemode,
			 "invoice_upcoming_days", (json_int_t)v->upcoming_days);
}

static const struct svc_settings_kind kind = {
	.table = "subscription_settings", .column = "settings", .what = "subscription settings",
	.init = kind_init, .apply = kind_apply, .render = kind_render,
};

int svc_upcoming_days_load(int64_t *out, struct svc *s, struct recur_err *e)
{
	struct subscription_settings v;
	int rc = svc_settings_load(&v, s, &kind, e);
	*out = rc < 0 ? 0 : v.upcoming_days;
	return rc;
}

int svc_subscription_settings_get(json_t **out, struct svc *s, struct recur_err *e)
{
	struct subscription_settings v;
	return svc_settings_get(out, s, &kind, &v, e);
}

int svc_subscription_settings_update(json_t **out, struct svc *s, const json_t *p,
				     struct recur_err *e)
{
	struct subscription_settings v;
	return svc_settings_update(out, s, &kind, &v, p, e);
}
