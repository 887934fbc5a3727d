/*
 * dunning_settings.c - see dunning_settings.h.
 */
#include "service/dunning_settings.h"
#include "service/collection.h"
#include "service/customer.h"
#include "service/invoice.h"
#include "service/params.h"
#include "service/settings_row.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const final_actions[] = { "cancel", "unpaid", "leave_past_due", NULL };

/* ---- policy <-> settings object ----------------------------------------- */

static json_t *render(const struct billing_dunning_policy *p, int livemode)
{
	json_t *days = json_array(), *fee = json_object();
	for (size_t i = 0; i < p->n_retries; i++)
		json_array_append_new(days, json_integer(p->retry_days[i]));
	for (size_t i = 0; i < p->n_fees; i++) {
		char cur[4];
		for (size_t k = 0; k < sizeof(cur); k++)
			cur[k] = (char)(p->fees[i].currency[k] >= 'A' && p->fees[i].currency[k] <= 'Z'
						? p->fees[i].currency[k] - 'A' + 'a'
						: p->fees[i].currency[k]);
		json_object_set_new(fee, cur, json_integer(p->fees[i].amount));
	}
	return json_pack("{s:s, s:b, s:{s:o, s:s}, s:{s:i, s:i, s:i, s:o}, s:{s:I}}",
			 "object", "dunning_settings", "livemode", livemode,
			 "retries", "days", days, "final_action", final_actions[p->final_action],
			 "reminders", "count", p->reminders_count, "first_days",
			 p->reminders_first_days, "interval_days", p->reminders_interval_days,
			 "fee", fee,
			 "late_interest", "annual_rate_bps", (json_int_t)p->interest_rate_bps);
}

static int apply_retries(struct billing_dunning_policy *out, const json_t *r, struct recur_err *e)
{
	static const char *const allowed[] = { "days", "final_action", NULL };
	const json_t *days = NULL;
	const char *action = NULL;
	int rc;

	if ((rc = params_only(r, allowed, e)) < 0)
		return rc;
	if ((rc = params_array(&days, r, "days", e)) < 0)
		return rc;
	if (rc > 0) {
		size_t n = days ? json_array_size(days) : 0;
		if (n > BILLING_DUNNING_RETRIES_MAX)
			return err_invalid(e, "days", "At most %d retries", BILLING_DUNNING_RETRIES_MAX);
		for (size_t i = 0; i < n; i++) {
			json_t *one = json_pack("{s:O}", "d", json_array_get(days, i));
			int64_t d = 0;
			rc = params_int(&d, one, "d", 1, BILLING_DUNNING_RETRY_DAYS_MAX, e);
			json_decref(one);
			if (rc < 0) {
				snprintf(e->param, sizeof(e->param), "days[%zu]", i);
				return rc;
			}
			out->retry_days[i] = (int)d;
		}
		out->n_retries = n;
	}
	if ((rc = params_enum(&action, r, "final_action", final_actions, e)) < 0)
		return rc;
	if (rc > 0)
		for (int i = 0; final_actions[i]; i++)
			if (strcmp(final_actions[i], action) == 0)
				out->final_action = (enum billing_dunning_final_action)i;
	return 0;
}

static int apply_fees(struct billing_dunning_policy *out, json_t *fee, struct recur_err *e)
{
	const char *key;
	json_t *v;
	int rc;

	json_object_foreach(fee, key, v) {
		char cur[4];
		size_t at = out->n_fees;
		int64_t amount = 0;
		if (strlen(key) != 3)
			return err_invalid(e, key, "Invalid currency: %s", key);
		for (int k = 0; k < 3; k++)
			cur[k] = (char)(key[k] >= 'a' && key[k] <= 'z' ? key[k] - 'a' + 'A' : key[k]);
		cur[3] = '\0';
		for (size_t i = 0; i < out->n_fees; i++)
			if (strcmp(out->fees[i].currency, cur) == 0)
				at = i;
		if (json_is_string(v) && json_string_length(v) == 0) {
			if (at < out->n_fees) {
				out->fees[at] = out->fees[out->n_fees - 1];
				out->n_fees--;
			}
			continue;
		}
		if ((rc = params_int(&amount, fee, key, 0, PARAMS_MAX_AMOUNT, e)) < 0)
			return rc;
		if (at == out->n_fees) {
			if (out->n_fees >= BILLING_DUNNING_FEES_MAX)
				return err_invalid(e, key, "At most %d fee currencies",
						   BILLING_DUNNING_FEES_MAX);
			out->n_fees++;
		}
		memcpy(out->fees[at].currency, cur, sizeof(cur));
		out->fees[at].amount = amount;
	}
	return 0;
}

static int apply_reminders(struct billing_dunning_policy *out, const json_t *r,
			   struct recur_err *e)
{
	static const char *const allowed[] = { "count", "first_days", "interval_days", "fee", NULL };
	const json_t *fee = NULL;
	int64_t n = 0;
	int rc;

	if ((rc = params_only(r, allowed, e)) < 0)
		return rc;
	if ((rc = params_int(&n, r, "count", 0, BILLING_DUNNING_REMINDERS_MAX, e)) < 0)
		return rc;
	if (rc > 0)
		out->reminders_count = (int)n;
	if ((rc = params_int(&n, r, "first_days", 1, BILLING_DUNNING_REMINDER_DAYS_MAX, e)) < 0)
		return rc;
	if (rc > 0)
		out->reminders_first_days = (int)n;
	if ((rc = params_int(&n, r, "interval_days", 1, BILLING_DUNNING_REMINDER_DAYS_MAX, e)) < 0)
		return rc;
	if (rc > 0)
		out->reminders_interval_days = (int)n;
	if ((rc = params_object(&fee, r, "fee", e)) < 0)
		return rc;
	if (rc > 0 && !fee)
		out->n_fees = 0;
	else if (rc > 0) {
		json_t *copy = json_deep_copy(fee);
		rc = params_nest(e, apply_fees(out, copy, e), "fee");
		json_decref(copy);
		return rc;
	}
	return 0;
}

/* Applies the settings object p (a POST, or the stored text) over *out. */
static int apply(struct billing_dunning_policy *out, const json_t *p, struct recur_err *e)
{
	static const char *const allowed[] = { "retries", "reminders", "late_interest", "object",
					       "livemode", NULL };
	static const char *const interest_allowed[] = { "annual_rate_bps", NULL };
	const json_t *o = NULL;
	int64_t bps = 0;
	int rc;

	if ((rc = params_only(p, allowed, e)) < 0)
		return rc;
	if ((rc = params_object(&o, p, "retries", e)) < 0)
		return rc;
	if (rc > 0 && o && (rc = params_nest(e, apply_retries(out, o, e), "retries")) < 0)
		return rc;
	if ((rc = params_object(&o, p, "reminders", e)) < 0)
		return rc;
	if (rc > 0 && o && (rc = params_nest(e, apply_reminders(out, o, e), "reminders")) < 0)
		return rc;
	if ((rc = params_object(&o, p, "late_interest", e)) < 0)
		return rc;
	if (rc > 0 && o) {
		if ((rc = params_nest(e, params_only(o, interest_allowed, e), "late_interest")) < 0)
			return rc;
		rc = params_int(&bps, o, "annual_rate_bps", 0, BILLING_DUNNING_RATE_BPS_MAX, e);
		if (params_nest(e, rc, "late_interest") < 0)
			return rc;
		if (rc > 0)
			out->interest_rate_bps = bps;
	}
	return 0;
}

/* ---- the stored row ------------------------------------------------------- */

static void kind_init(void *v)
{
	billing_dunning_policy_default(v);
}

static int kind_apply(void *v, const json_t *p, struct recur_err *e)
{
	return apply(v, p, e);
}

/* The Nordic limits apply to what a POST makes; a stored policy was checked when posted. */
static int kind_check(const void *v, struct recur_err *e)
{
	size_t n_limits = 0;
	const struct billing_dunning_limit *limits = billing_dunning_limits_nordic(&n_limits);
	return billing_dunning_policy_check(v, limits, n_limits, e);
}

static json_t *kind_render(const void *v, int livemode)
{
	return render(v, livemode);
}

static const struct svc_settings_kind kind = {
	.table = "dunning_settings", .column = "policy", .what = "dunning settings",
	.init = kind_init, .apply = kind_apply, .check = kind_check, .render = kind_render,
};

int svc_dunning_policy_load(struct billing_dunning_policy *out, struct svc *s,
			    struct recur_err *e)
{
	return svc_settings_load(out, s, &kind, e);
}

int svc_dunning_settings_get(json_t **out, struct svc *s, struct recur_err *e)
{
	struct billing_dunning_policy policy;
	return svc_settings_get(out, s, &kind, &policy, e);
}

int svc_dunning_settings_update(json_t **out, struct svc *s, const json_t *p,
				struct recur_err *e)
{
	struct billing_dunning_policy policy;
	return svc_settings_update(out, s, &kind, &policy, p, e);
}

/* ---- payment stops -------------------------------------------------------- */

int svc_payment_stopped(bool *out, struct svc *s, const char *invoice, const char *customer,
			struct recur_err *e)
{
	struct store_val p[] = { SV_TEXT(s->scope.tenant), SV_INT(s->scope.livemode),
				 SV_TEXT(invoice ? invoice : ""), SV_TEXT(customer ? customer : "") };
	int64_t n = 0;
	int rc = store_query_int(&n, NULL, s->db, "SELECT count(*) FROM payment_stops"
				 " WHERE tenant_id = $1 AND livemode = $2"
				 " AND (object_id = $3 OR object_id = $4)", p, 4, e);
	*out = n > 0;
	return rc < 0 ? rc : 0;
}

struct ids {
	json_t *list;
};

static int read_id(void *ctx, const struct store_row *row)
{
	struct ids *x = ctx;
	json_array_append_new(x->list, json_string(store_row_text(row, 0, NULL)));
	return 0;
}

/* The open invoices a lifted stop concerns, each rescheduled. */
static int resume(struct svc *s, const char *id, bool customer, struct recur_err *e)
{
	struct ids x = { .list = json_array() };
	size_t i;
	json_t *v;
	int rc = 0;

	if (customer) {
		struct store_val p[] = { SV_TEXT(s->scope.tenant), SV_INT(s->scope.livemode),
					 SV_TEXT(id) };
		rc = store_query(s->db, "SELECT id FROM invoices WHERE tenant_id = $1"
				 " AND livemode = $2 AND customer = $3 AND status = 'open'",
				 p, 3, read_id, &x, e);
	} else {
		json_array_append_new(x.list, json_string(id));
	}
	json_array_foreach(x.list, i, v) {
		if (rc < 0)
			break;
		rc = svc_collection_resume(s, json_string_value(v), e);
	}
	json_decref(x.list);
	return rc;
}

int svc_payment_stop_set(json_t **out, struct svc *s, const char *id, bool customer,
			 const json_t *p, struct recur_err *e)
{
	static const char *const allowed[] = { "enabled", NULL };
	json_t *obj = NULL;
	bool enabled = false;
	int rc;

	*out = NULL;
	if ((rc = params_only(p, allowed, e)) < 0 || (rc = params_require(p, "enabled", e)) < 0 ||
	    (rc = params_bool(&enabled, p, "enabled", e)) < 0)
		return rc;
	if ((rc = svc_begin(s, e)) < 0)
		return rc;
	rc = svc_get(&obj, s, customer ? &svc_customers_table : &svc_invoices_table, id, e);
	json_decref(obj);
	if (rc < 0)
		goto done;
	struct store_val v[] = { SV_TEXT(s->scope.tenant), SV_INT(s->scope.livemode), SV_TEXT(id),
				 SV_INT(s->now) };
	if (enabled) {
		rc = store_exec(s->db, "INSERT INTO payment_stops (tenant_id, livemode, object_id,"
				" created) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING", v, 4, e);
	} else {
		rc = store_exec(s->db, "DELETE FROM payment_stops WHERE tenant_id = $1"
				" AND livemode = $2 AND object_id = $3", v, 3, e);
		if (rc >= 0)
			rc = resume(s, id, customer, e);
	}
	if (rc >= 0)
		rc = 0;
done:
	rc = svc_finish(s, rc, e);
	if (rc < 0)
		return rc;
	*out = json_pack("{s:s, s:s, s:b}", "object", "payment_stop", "id", id, "enabled", enabled);
	return 0;
}
