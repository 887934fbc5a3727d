/*
 * email.c - see email.h.
 */
#include "service/email.h"
#include "core/ids.h"
#include "core/locale.h"
#include "core/money.h"
#include "notify/templates.h"
#include "service/customer.h"
#include "service/list.h"
#include "service/params.h"
#include "service/settings_row.h"

#include <stdio.h>
#include <string.h>

static bool enabled;

void svc_email_configure(bool on)
{
	enabled = on;
}

bool svc_email_enabled(void)
{
	return enabled;
}

static const struct store_col message_cols[] = {
	{ "event", COL_TEXT, 0 },      { "customer", COL_TEXT, 0 },
	{ "recipient", COL_TEXT, 0 },  { "locale", COL_TEXT, 0 },
	{ "kind", COL_TEXT, 0 },       { "subject", COL_TEXT, 0 },
	{ "body", COL_TEXT, 0 },       { "status", COL_TEXT, 0 },
	{ "attempts", COL_INT, 0 },    { "next_attempt_at", COL_INT, 0 },
	{ "last_error", COL_TEXT, 0 }, { "sent_at", COL_INT, 0 },
};

const struct store_table svc_email_messages_table = {
	.table = "email_messages", .object = "email_message", .noun = "email_message",
	.cols = message_cols, .ncols = sizeof(message_cols) / sizeof(message_cols[0]),
};

/* ---- settings ------------------------------------------------------------- */

/* The tenant's e-mail settings; "" is unset. */
struct email_settings {
	char bank_account[65];
	char update_url[2001]; /* payment_method_update_url */
};

static const char *setting(const char *v)
{
	return *v ? v : NULL;
}

static void kind_init(void *v)
{
	memset(v, 0, sizeof(struct email_settings));
}

/* One string setting: absent keeps it, null or "" clears it (a stored row has nulls). */
static int apply_string(char *out, size_t cap, const json_t *p, const char *key,
			struct recur_err *e)
{
	const char *v = NULL;
	int rc;

	if (json_is_null(json_object_get(p, key))) {
		*out = '\0';
		return 0;
	}
	if ((rc = params_string(&v, p, key, cap - 1, e)) <= 0)
		return rc;
	snprintf(out, cap, "%s", v);
	return 0;
}

static int kind_apply(void *value, const json_t *p, struct recur_err *e)
{
	static const char *const allowed[] = { "bank_account", "payment_method_update_url",
					       "object", "livemode", NULL };
	struct email_settings *v = value;
	int rc;

	if ((rc = params_only(p, allowed, e)) < 0 ||
	    (rc = apply_string(v->bank_account, sizeof(v->bank_account), p, "bank_account",
			       e)) < 0 ||
	    (rc = apply_string(v->update_url, sizeof(v->update_url), p,
			       "payment_method_update_url", e)) < 0)
		return rc;
	if (*v->update_url && strncmp(v->update_url, "https://", 8) != 0 &&
	    strncmp(v->update_url, "http://", 7) != 0)
		return err_invalid(e, "payment_method_update_url",
				   "payment_method_update_url must be an http or https URL");
	return 0;
}

static json_t *kind_render(const void *value, int livemode)
{
	const struct email_settings *v = value;
	return json_pack("{s:s, s:b, s:s?, s:s?}", "object", "email_settings", "livemode", livemode,
			 "bank_account", setting(v->bank_account), "payment_method_update_url",
			 setting(v->update_url));
}

static const struct svc_settings_kind kind = {
	.table = "email_settings", .column = "settings", .what = "e-mail settings",
	.init = kind_init, .apply = kind_apply, .render = kind_render,
};

int svc_email_settings_get(json_t **out, struct svc *s, struct recur_err *e)
{
	struct email_settings v;
	return svc_settings_get(out, s, &kind, &v, e);
}

int svc_email_settings_update(json_t **out, struct svc *s, const json_t *p, struct recur_err *e)
{
	struct email_settings v;
	return svc_settings_update(out, s, &kind, &v, p, e);
}

/* ---- queueing --------------------------------------------------------------- */

struct mail_vars {
	struct notify_var v[16];
	size_t n;
	char money[4][LOCALE_MONEY_SIZE];
	char dates[2][LOCALE_DATE_SIZE];
	char link[2200];
	char number[24];
};

static void var(struct mail_vars *m, const char *name, const char *value)
{
	if (m->n < sizeof(m->v) / sizeof(m->v[0]))
		m->v[m->n++] = (struct notify_var){ name, value };
}

/* The amount named field of obj in slot i, or "" when it is 0 and skip_zero says so. */
static void money_var(struct mail_vars *m, int i, const char *name, int64_t amount,
		      const char *currency, enum locale_id l, bool skip_zero)
{
	m->money[i][0] = '\0';
	if (!(skip_zero && amount == 0))
		locale_format_money(m->money[i], sizeof(m->money[i]), l, amount, currency);
	var(m, name, m->money[i]);
}

static void date_var(struct mail_vars *m, int i, const char *name, int64_t t, enum locale_id l)
{
	locale_format_date(m->dates[i], sizeof(m->dates[i]), l, t);
	var(m, name, m->dates[i]);
}

static int64_t num(const json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static const char *str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* Which mail an event type sends, or -1. */
static int kind_of(const char *type, const json_t *obj)
{
	if (strcmp(type, "invoice.finalized") == 0) {
		const char *cm = str(obj, "collection_method");
		/* Nothing to pay (a trial's first invoice), nothing to say. */
		return cm && strcmp(cm, "send_invoice") == 0 && num(obj, "amount_due") > 0
			       ? NOTIFY_INVOICE_FINALIZED
			       : -1;
	}
	if (strcmp(type, "invoice.payment_succeeded") == 0)
		return num(obj, "amount_paid") > 0 ? NOTIFY_PAYMENT_RECEIPT : -1;
	if (strcmp(type, "invoice.payment_failed") == 0)
		return NOTIFY_PAYMENT_FAILED;
	if (strcmp(type, "invoice.reminder") == 0)
		return NOTIFY_REMINDER;
	if (strcmp(type, "customer.subscription.trial_will_end") == 0)
		return NOTIFY_TRIAL_ENDING;
	if (strcmp(type, "invoice.upcoming") == 0)
		return NOTIFY_RENEWAL_UPCOMING;
	if (strcmp(type, "customer.subscription.deleted") == 0)
		return NOTIFY_SUBSCRIPTION_CANCELED;
	return -1;
}

/*
 * What a subscription's items cost a period at list price (before discounts
 * and tax) into *amount, with the currency and interval; false when that
 * cannot be said simply: a price without unit_amount (tiers), mixed
 * currencies, or an interval_count other than 1.
 */
static bool list_price(int64_t *amount, const char **currency, const char **interval,
		       const json_t *sub)
{
	size_t i;
	json_t *item;
	*amount = 0;
	*currency = *interval = NULL;
	json_array_foreach(json_object_get(json_object_get(sub, "items"), "data"), i, item) {
		const json_t *price = json_object_get(item, "price");
		const json_t *rec = json_object_get(price, "recurring");
		int64_t line;
		if (!json_is_integer(json_object_get(price, "unit_amount")) || !str(price, "currency") ||
		    num(rec, "interval_count") != 1 ||
		    (*currency && strcmp(*currency, str(price, "currency")) != 0) ||
		    money_mul(&line, num(price, "unit_amount"), num(item, "quantity")) < 0 ||
		    money_add(amount, *amount, line) < 0)
			return false;
		*currency = str(price, "currency");
		*interval = str(rec, "interval");
	}
	return *currency && *interval;
}

/* The values kind k's templates use, from obj (the event's object). */
static void fill_vars(struct mail_vars *m, enum notify_kind k, enum locale_id l, struct svc *s,
		      const json_t *obj, const json_t *customer,
		      const struct email_settings *settings)
{
	const char *cur = str(obj, "currency");
	const char *name = str(customer, "name");
	var(m, "name", name && *name ? name : str(customer, "email"));
	var(m, "number", str(obj, "number") ? str(obj, "number") : str(obj, "id"));
	var(m, "account", setting(settings->bank_account));
	var(m, "reference", str(obj, "payment_reference"));
	int64_t due = json_is_integer(json_object_get(obj, "due_date")) ? num(obj, "due_date")
									 : s->now;
	date_var(m, 0, "due_date", due, l);
	switch (k) {
	case NOTIFY_PAYMENT_RECEIPT: {
		int64_t paid_at = num(json_object_get(obj, "status_transitions"), "paid_at");
		money_var(m, 0, "amount", num(obj, "amount_paid"), cur, l, false);
		date_var(m, 1, "date", paid_at ? paid_at : s->now, l);
		break;
	}
	case NOTIFY_PAYMENT_FAILED: {
		const char *base = setting(settings->update_url);
		m->link[0] = '\0';
		if (base)
			snprintf(m->link, sizeof(m->link), "%s%scustomer=%s", base,
				 strchr(base, '?') ? "&" : "?", str(customer, "id"));
		var(m, "link", m->link);
		money_var(m, 0, "amount", num(obj, "amount_remaining"), cur, l, false);
		break;
	}
	case NOTIFY_REMINDER: {
		const json_t *r = json_object_get(obj, "reminder");
		money_var(m, 0, "amount", num(obj, "amount_remaining"), cur, l, false);
		money_var(m, 1, "fee", num(r, "fee"), cur, l, true);
		money_var(m, 2, "interest", num(r, "interest"), cur, l, true);
		break;
	}
	case NOTIFY_TRIAL_ENDING: {
		int64_t amount;
		const char *currency, *interval;
		bool known = list_price(&amount, &currency, &interval, obj) &&
			     notify_interval_word(l, interval);
		money_var(m, 0, "amount", known ? amount : 0, known ? currency : "usd", l, false);
		if (!known)
			m->money[0][0] = '\0'; /* the line with the price is left out */
		var(m, "interval", notify_interval_word(l, interval));
		date_var(m, 1, "date", num(obj, "trial_end"), l);
		break;
	}
	case NOTIFY_RENEWAL_UPCOMING:
		/* Not emitted yet (docs/email.md "Not yet"): the upcoming invoice's amount. */
		money_var(m, 0, "amount", num(obj, "amount_due"), cur ? cur : "usd", l, false);
		date_var(m, 1, "date", num(obj, "next_payment_attempt"), l);
		break;
	case NOTIFY_SUBSCRIPTION_CANCELED: {
		int64_t at = num(obj, "ended_at") ? num(obj, "ended_at") : num(obj, "canceled_at");
		date_var(m, 1, "date", at ? at : s->now, l);
		break;
	}
	default:
		money_var(m, 0, "amount", num(obj, "amount_due"), cur, l, false);
		break;
	}
}

int svc_email_on_event(struct svc *s, const char *event, const char *type, const json_t *obj,
		       struct recur_err *e)
{
	struct email_settings settings;
	json_t *customer = NULL, *row = NULL;
	struct buf subject, body;
	struct mail_vars m = { .n = 0 };
	char id[IDS_MAX];
	int rc = 0;

	buf_init(&subject, 4096);
	buf_init(&body, 64 * 1024);
	int k = enabled ? kind_of(type, obj) : -1;
	const char *cus = str(obj, "customer");
	if (k < 0 || !cus)
		goto done;
	if ((rc = store_obj_get(&customer, s->db, &svc_customers_table, &s->scope, cus, e)) < 0) {
		/* A deleted customer gets no mail; that is not the event's failure. */
		rc = rc == RECUR_ENOTFOUND ? (err_clear(e), 0) : rc;
		goto done;
	}
	const char *to = str(customer, "email");
	if (!to || !*to)
		goto done;
	if ((rc = svc_settings_load(&settings, s, &kind, e)) < 0)
		goto done;
	enum locale_id l = locale_from_tag(
		json_string_value(json_array_get(json_object_get(customer, "preferred_locales"), 0)));
	fill_vars(&m, (enum notify_kind)k, l, s, obj, customer, &settings);
	if ((rc = notify_render(&subject, &body, (enum notify_kind)k, l, m.v, m.n)) < 0) {
		rc = err_internal(e, "cannot render the %s mail", notify_kind_name((enum notify_kind)k));
		goto done;
	}
	ids_new(id, sizeof(id), "em");
	row = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:i}", "id", id,
			"created", (json_int_t)s->now, "event", event, "customer", cus,
			"recipient", to, "locale", locale_name(l), "kind",
			notify_kind_name((enum notify_kind)k), "subject", subject.len ? subject.data : "",
			"body", body.len ? body.data : "", "status", "pending", "attempts", 0,
			"next_attempt_at", 0);
	if (!row) {
		rc = err_internal(e, "cannot build the %s mail", type);
		goto done;
	}
	rc = store_obj_insert(s->db, &svc_email_messages_table, &s->scope, row, e);
done:
	buf_free(&subject);
	buf_free(&body);
	json_decref(customer);
	json_decref(row);
	return rc;
}

/* ---- list ------------------------------------------------------------------ */

int svc_email_message_list(json_t **out, struct svc *s, const json_t *p, struct recur_err *e)
{
	static const char *const allowed[] = { SVC_LIST_PARAMS, "customer", "status", "kind", NULL };
	static const char *const statuses[] = { "pending", "sent", "failed", NULL };
	struct svc_list l;
	const char *v = NULL;
	int rc;

	*out = NULL;
	if ((rc = params_only(p, allowed, e)) < 0 || (rc = svc_list_params(&l, p, e)) < 0)
		return rc;
	if ((rc = params_string(&v, p, "customer", 255, e)) < 0)
		return rc;
	if (rc > 0)
		svc_list_filter(&l, "customer", "=", SV_TEXT(v));
	if ((rc = params_enum(&v, p, "status", statuses, e)) < 0)
		return rc;
	if (rc > 0)
		svc_list_filter(&l, "status", "=", SV_TEXT(v));
	if ((rc = params_string(&v, p, "kind", 64, e)) < 0)
		return rc;
	if (rc > 0)
		svc_list_filter(&l, "kind", "=", SV_TEXT(v));
	return svc_list(out, s, &svc_email_messages_table, &l, "/v1/email_messages", e);
}
