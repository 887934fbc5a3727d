/*
 * payment_reference_settings.c - see payment_reference_settings.h.
 */
#include "service/payment_reference_settings.h"
#include "service/params.h"
#include "service/settings_row.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kinds[] = { "kid_mod10", "kid_mod11", "ocr", NULL };

static json_t *render(const struct billing_payref_format *f, int livemode)
{
	return json_pack("{s:s, s:b, s:s, s:i, s:b, s:b}", "object",
			 "payment_reference_settings", "livemode", livemode, "kind",
			 billing_payref_kind_name(f->kind), "length", (int)f->length,
			 "length_digit", f->length_digit, "mod11_no_dash", f->mod11_no_dash);
}

/* Applies the settings object p (a POST, or the stored text) over *out, then checks the whole. */
static int apply(struct billing_payref_format *out, const json_t *p, struct recur_err *e)
{
	static const char *const allowed[] = { "kind", "length", "length_digit", "mod11_no_dash",
					       "object", "livemode", NULL };
	const char *kind = NULL;
	int64_t length = 0;
	bool flag = false;
	int rc;

	if ((rc = params_only(p, allowed, e)) < 0 ||
	    (rc = params_enum(&kind, p, "kind", kinds, e)) < 0)
		return rc;
	if (rc > 0 && billing_payref_kind_parse(&out->kind, kind) < 0)
		return err_invalid(e, "kind", "Invalid kind: %s", kind);
	if ((rc = params_int(&length, p, "length", 0, BILLING_PAYREF_MAX_LEN, e)) < 0)
		return rc;
	if (rc > 0)
		out->length = (unsigned)length;
	if ((rc = params_bool(&flag, p, "length_digit", e)) < 0)
		return rc;
	if (rc > 0)
		out->length_digit = flag;
	if ((rc = params_bool(&flag, p, "mod11_no_dash", e)) < 0)
		return rc;
	if (rc > 0)
		out->mod11_no_dash = flag;
	if ((rc = billing_payref_format_check(out, e)) < 0 && !e->param[0]) {
		/* The check says what is wrong; the parameter is the one that makes it so. */
		snprintf(e->param, sizeof(e->param), "%s",
			 out->length_digit && out->kind != BILLING_PAYREF_OCR ? "length_digit"
			 : out->mod11_no_dash && out->kind != BILLING_PAYREF_KID_MOD11
				 ? "mod11_no_dash"
				 : "length");
	}
	return rc;
}

static void kind_init(void *v)
{
	memset(v, 0, sizeof(struct billing_payref_format));
}

static int kind_apply(void *v, const json_t *p, struct recur_err *e)
{
	return apply(v, p, e);
}

static json_t *kind_render(const void *v, int livemode)
{
	return render(v, livemode);
}

/* apply checks the whole format itself: a stored one is checked as a POST is. */
static const struct svc_settings_kind kind = {
	.table = "payment_reference_settings", .column = "format",
	.what = "payment reference settings",
	.init = kind_init, .apply = kind_apply, .render = kind_render,
};

int svc_payref_format_load(struct billing_payref_format *out, struct svc *s,
			   struct recur_err *e)
{
	return svc_settings_load(out, s, &kind, e);
}

int svc_payref_settings_get(json_t **out, struct svc *s, struct recur_err *e)
{
	struct billing_payref_format f;
	return svc_settings_get(out, s, &kind, &f, e);
}

int svc_payref_settings_update(json_t **out, struct svc *s, const json_t *p,
			       struct recur_err *e)
{
	struct billing_payref_format f;
	return svc_settings_update(out, s, &kind, &f, p, e);
}
