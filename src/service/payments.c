#include "service/payments.h"

#include <stdio.h>

struct gateway_ctx svc_payments_gateway_ctx(const struct svc *s, int64_t now)
{
	return (struct gateway_ctx){ .db = s->db, .scope = s->scope, .now = now };
}

int svc_payments_card_error(struct recur_err *e, const char *code, const char *decline_code,
			    const char *message)
{
	int rc = err_set(e, RECUR_ECARD, 402, "card_error", code && *code ? code : "card_declined",
			 NULL, "%s", message && *message ? message : "Your card was declined.");
	snprintf(e->decline_code, sizeof(e->decline_code), "%s", decline_code ? decline_code : "");
	return rc;
}

bool svc_payments_owns(const struct store_table *t)
{
	return t == &svc_payment_methods_table || t == &svc_payment_intents_table ||
	       t == &svc_charges_table || t == &svc_refunds_table;
}

int svc_payments_retrieve(json_t **out, struct svc *s, const struct store_table *t,
			  const char *id, struct recur_err *e)
{
	if (t == &svc_payment_methods_table)
		return svc_payment_method_retrieve(out, s, id, e);
	if (t == &svc_payment_intents_table)
		return svc_payment_intent_retrieve(out, s, id, e);
	if (t == &svc_charges_table)
		return svc_charge_retrieve(out, s, id, e);
	if (t == &svc_refunds_table)
		return svc_refund_retrieve(out, s, id, e);
	*out = NULL;
	return err_internal(e, "not a payment table: %s", t ? t->table : "?");
}
