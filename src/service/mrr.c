/* mrr.c - MRR movements (mrr.h). */
#include "service/mrr.h"
#include "billing/plan_family.h"
#include "core/ids.h"
#include "service/list.h"
#include "service/params.h"
#include "service/subscription_internal.h"

#include <string.h>

static const struct store_col cols[] = {
	{ "subscription", COL_TEXT, 0 },
	{ "customer", COL_TEXT, 0 },
	{ "kind", COL_TEXT, 0 },
	{ "mrr_before", COL_INT, 0 },
	{ "mrr_after", COL_INT, 0 },
	{ "delta", COL_INT, 0 },
	{ "currency", COL_TEXT, 0 },
	{ "source", COL_TEXT, 0 },
};

const struct store_table svc_mrr_movements_table = {
	.table = "mrr_movements", .object = "mrr_movement", .noun = "mrr_movement",
	.cols = cols, .ncols = sizeof(cols) / sizeof(cols[0]),
};

int svc_mrr_of(int64_t *out, struct svc *s, const json_t *row, struct recur_err *e)
{
	const char *status = json_string_value(json_object_get(row, "status"));
	json_t *items = NULL;
	struct billing_interval iv;
	int64_t net = 0;
	int rc;
	*out = 0;
	if (strcmp(status, "active") != 0 && strcmp(status, "past_due") != 0)
		return 0;
	if ((rc = sub_interval(&iv, row, e)) < 0 ||
	    (rc = sub_load_items(&items, s, json_string_value(json_object_get(row, "id")), e)) < 0 ||
	    (rc = sub_items_net(&net, s, row, items, e)) < 0)
		goto done;
	/* One rounding, half up, over the whole subscription (mrr.h). */
	if (billing_mrr_monthly(out, net, &iv, MONEY_ROUND_HALF_UP) < 0)
		rc = err_internal(e, "cannot normalise the MRR");
done:
	json_decref(items);
	return rc;
}

int svc_mrr_record(struct svc *s, const json_t *row, int64_t before, int64_t after, int64_t at,
		   const char *source, struct recur_err *e)
{
	char id[IDS_MAX];
	/* A subscription ever billed that comes back from 0 reactivates rather than starts. */
	bool returning = json_is_integer(json_object_get(row, "canceled_at"));
	enum billing_mrr_kind kind = billing_mrr_kind_of(before, after, returning);
	if (kind == BILLING_MRR_NONE)
		return 0;
	ids_new(id, sizeof(id), "mrrm");
	json_t *m = json_pack("{s:s, s:I, s:O, s:O, s:s, s:I, s:I, s:I, s:O, s:s}", "id", id,
			      "created", (json_int_t)at, "subscription", json_object_get(row, "id"),
			      "customer", json_object_get(row, "customer"), "kind",
			      billing_mrr_kind_name(kind), "mrr_before", (json_int_t)before,
			      "mrr_after", (json_int_t)after, "delta", (json_int_t)(after - before),
			      "currency", json_object_get(row, "currency"), "source", source);
	if (!m)
		return err_internal(e, "cannot build the MRR movement");
	int rc = store_obj_insert(s->db, &svc_mrr_movements_table, &s->scope, m, e);
	json_decref(m);
	return rc;
}

static const char *const list_params[] = { SVC_LIST_PARAMS, "subscription", "customer", NULL };

int svc_mrr_movement_list(json_t **out, struct svc *s, const json_t *p, struct recur_err *e)
{
	struct svc_list l;
	const char *sub = NULL, *cus = NULL;
	int rc;
	*out = NULL;
	if ((rc = params_only(p, list_params, e)) < 0 || (rc = svc_list_params(&l, p, e)) < 0 ||
	    (rc = params_string(&sub, p, "subscription", 255, e)) < 0 ||
	    (rc = params_string(&cus, p, "customer", 255, e)) < 0)
		return rc;
	if (sub)
		svc_list_filter(&l, "subscription", "=", SV_TEXT(sub));
	if (cus)
		svc_list_filter(&l, "customer", "=", SV_TEXT(cus));
	return svc_list(out, s, &svc_mrr_movements_table, &l, "/v1/mrr_movements", e);
}
