/*
 * payment_reference_settings.h - the tenant's payment reference format
 * (GET/POST /v1/settings/payment_references, recur's own endpoint): which
 * reference its send_invoice invoices get at finalization for the payer to
 * type into the online bank (billing/payment_reference.h).
 *
 * The settings object, as rendered and as accepted (every field optional on
 * POST; a POST changes what it names and keeps the rest):
 *
 *   kind           kid_mod10 (default) | kid_mod11 | ocr
 *   length         total digits, check (and length) digit included; 0 (the
 *                  default) lets the reference grow with the invoice count
 *   length_digit   OCR only: Bankgirot's length digit
 *   mod11_no_dash  KID MOD11 only: skip numbers whose check digit is '-'
 *
 * The whole format is checked with billing_payref_format_check (errors name
 * the parameter). A change applies to invoices finalized afterwards;
 * references already issued stay valid and keep matching bank payments.
 */
#ifndef RECUR_SERVICE_PAYMENT_REFERENCE_SETTINGS_H
#define RECUR_SERVICE_PAYMENT_REFERENCE_SETTINGS_H

#include "billing/payment_reference.h"
#include "service/service.h"

/* The tenant's format (s->scope), or the default (zero) when it has none. */
int svc_payref_format_load(struct billing_payref_format *out, struct svc *s,
			   struct recur_err *e);

int svc_payref_settings_get(json_t **out, struct svc *s, struct recur_err *e);
int svc_payref_settings_update(json_t **out, struct svc *s, const json_t *p,
			       struct recur_err *e);

#endif
