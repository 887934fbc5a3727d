#include "service/charge.h"
#include "service/list.h"
#include "service/params.h"

static const struct store_col cols[] = {
	{ "amount", COL_INT, 0 },
	{ "amount_captured", COL_INT, 0 },
	{ "amount_refunded", COL_INT, 0 },
	{ "captured", COL_BOOL, 0 },
	{ "currency", COL_TEXT, 0 },
	{ "customer", COL_TEXT, 0 },
	{ "description", COL_TEXT, 0 },
	{ "invoice", COL_TEXT, 0 },
	{ "payment_intent", COL_TEXT, 0 },
	{ "payment_method", COL_TEXT, 0 },
	{ "payment_method_details", COL_JSON, 0 },
	{ "billing_details", COL_JSON, 0 },
	{ "paid", COL_BOOL, 0 },
	{ "refunded", COL_BOOL, 0 },
	{ "status", COL_TEXT, 0 },
	{ "failure_code", COL_TEXT, 0 },
	{ "failure_message", COL_TEXT, 0 },
	{ "outcome", COL_JSON, 0 },
	{ "balance_transaction", COL_TEXT, 0 },
	{ "metadata", COL_JSON, 0 },
	/* bookkeeping, dropped by present */
	{ "gateway", COL_TEXT, 0 },
	{ "gateway_reference", COL_TEXT, 0 },
};

const struct store_table svc_charges_table = {
	.table = "charges", .object = "charge", .noun = "charge",
	.cols = cols, .ncols = sizeof(cols) / sizeof(cols[0]),
};

/*
 * The fields every recur charge has the same value in (no Connect, no Radar,
 * no disputes, no receipts yet) are added when it is read rather than stored.
 */
void svc_charge_present(json_t *ch, int64_t now)
{
	static const char *const nulls[] = {
		"application", "application_fee", "application_fee_amount",
		"calculated_statement_descriptor", "failure_balance_transaction", "on_behalf_of",
		"receipt_email", "receipt_number", "receipt_url", "review", "shipping",
		"source_transfer", "statement_descriptor", "statement_descriptor_suffix",
		"transfer_data", "transfer_group", NULL
	};
	(void)now;
	if (!ch)
		return;
	json_object_del(ch, "gateway");
	json_object_del(ch, "gateway_reference");
	for (int i = 0; nulls[i]; i++)
		json_object_set_new(ch, nulls[i], json_null());
	json_object_set_new(ch, "disputed", json_false());
	json_object_set_new(ch, "fraud_details", json_object());
}

int svc_charge_retrieve(json_t **out, struct svc *s, const char *id, struct recur_err *e)
{
	int rc = store_obj_get(out, s->db, &svc_charges_table, &s->scope, id, e);
	if (rc == 0)
		svc_charge_present(*out, s->now);
	return rc;
}

static const char *const list_params[] = { SVC_LIST_PARAMS, "customer", "payment_intent", NULL };

int svc_charge_list(json_t **out, struct svc *s, const json_t *p, struct recur_err *e)
{
	struct svc_list l;
	const char *customer = NULL, *pi = NULL;
	int rc;
	*out = NULL;
	if ((rc = params_only(p, list_params, e)) < 0 || (rc = svc_list_params(&l, p, e)) < 0 ||
	    (rc = params_string(&customer, p, "customer", 255, e)) < 0 ||
	    (rc = params_string(&pi, p, "payment_intent", 255, e)) < 0)
		return rc;
	if (customer && *customer)
		svc_list_filter(&l, "customer", "=", SV_TEXT(customer));
	if (pi && *pi)
		svc_list_filter(&l, "payment_intent", "=", SV_TEXT(pi));
	if ((rc = svc_list(out, s, &svc_charges_table, &l, "/v1/charges", e)) < 0)
		return rc;
	size_t i;
	json_t *ch;
	json_array_foreach(json_object_get(*out, "data"), i, ch)
		svc_charge_present(ch, s->now);
	return 0;
}
