/*
 * ledger.c (service) - posting to the receivables ledger, and the customer's
 * ledger, statement and the aging report (see ledger.h). recur verify is in
 * ledger_verify.c.
 */
#include "service/ledger.h"
#include "billing/tax.h"
#include "core/ids.h"
#include "core/money.h"
#include "service/customer.h"
#include "service/list.h"
#include "service/params.h"
#include "store/ledger_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SECONDS_PER_DAY INT64_C(86400)

/* ---- posting ------------------------------------------------------------------- */

static const char *default_description(enum billing_ledger_event_type t)
{
	switch (t) {
	case BILLING_LEDGER_INVOICE_FINALIZED: return "Invoice finalized";
	case BILLING_LEDGER_INVOICE_VOIDED: return "Invoice voided";
	case BILLING_LEDGER_PAYMENT: return "Payment received";
	case BILLING_LEDGER_UNMATCHED_PAYMENT: return "Unmatched payment received";
	case BILLING_LEDGER_UNMATCHED_ASSIGNED: return "Unmatched payment assigned";
	case BILLING_LEDGER_REFUND: return "Refund paid";
	case BILLING_LEDGER_CREDIT_NOTE: return "Credit note issued";
	case BILLING_LEDGER_CREDIT_NOTE_VOIDED: return "Credit note voided";
	case BILLING_LEDGER_REMINDER_FEE: return "Reminder fee";
	case BILLING_LEDGER_LATE_INTEREST: return "Late-payment interest";
	case BILLING_LEDGER_REMINDER_FEES_VOIDED: return "Reminder fees voided";
	case BILLING_LEDGER_LATE_INTEREST_VOIDED: return "Late-payment interest voided";
	case BILLING_LEDGER_WRITE_OFF: return "Invoice written off";
	case BILLING_LEDGER_WRITE_OFF_RECOVERED: return "Written-off invoice recovered";
	case BILLING_LEDGER_BALANCE_ADJUSTMENT: return "Balance adjustment";
	}
	return NULL;
}

static bool text_eq(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* A stored posting against the one about to be written. */
struct same_ctx {
	const struct store_ledger_row *want;
	size_t n, seen;
	bool differs;
};

static int compare_stored(void *ctx, const struct store_ledger_row *r)
{
	struct same_ctx *c = ctx;
	const struct store_ledger_row *w;

	if (c->seen >= c->n || r->line != (int64_t)c->seen) {
		c->differs = true;
		return 1;
	}
	w = &c->want[c->seen++];
	/* Ids, dates and descriptions differ between two runs; the facts may not. */
	if (strcmp(r->account, w->account) != 0 || !text_eq(r->customer, w->customer) ||
	    strcmp(r->currency, w->currency) != 0 || r->debit != w->debit ||
	    r->credit != w->credit || r->vat_rate != w->vat_rate) {
		c->differs = true;
		return 1;
	}
	return 0;
}

int svc_ledger_post_at(struct svc *s, const struct billing_ledger_event *ev, int64_t at,
		       const char *description, struct recur_err *e)
{
	struct billing_ledger_entry entries[BILLING_LEDGER_ENTRIES_MAX];
	struct store_ledger_row rows[BILLING_LEDGER_ENTRIES_MAX];
	char ids[BILLING_LEDGER_ENTRIES_MAX][IDS_MAX];
	char random[BILLING_LEDGER_ENTRIES_MAX * IDS_RANDOM_LEN + 1];
	char source[BILLING_LEDGER_SOURCE_SIZE];
	struct store_ledger_query q = { .order = STORE_LEDGER_BY_SOURCE };
	struct same_ctx same = { 0 };
	size_t n = 0, i;
	int rc;

	/*
	 * billing_ledger_post promises a balanced posting; the check costs little
	 * and keeps that promise from being the only thing between a bug in a
	 * template and unbalanced books.
	 */
	if ((rc = billing_ledger_source(source, sizeof(source), ev, e)) < 0 ||
	    (rc = billing_ledger_post(entries, BILLING_LEDGER_ENTRIES_MAX, &n, ev, e)) < 0 ||
	    (rc = billing_ledger_check(entries, n, e)) < 0)
		goto done;
	if (!description)
		description = default_description(ev->type);
	/* One draw for the posting's ids: each CSPRNG call is a getrandom(2) syscall. */
	ids_random_base62(random, n * IDS_RANDOM_LEN);
	for (i = 0; i < n; i++) {
		memcpy(ids[i], "le_", 3);
		memcpy(ids[i] + 3, random + i * IDS_RANDOM_LEN, IDS_RANDOM_LEN);
		ids[i][3 + IDS_RANDOM_LEN] = '\0';
		rows[i] = (struct store_ledger_row){
			.id = ids[i],
			.line = (int64_t)i,
			.account = billing_ledger_account_name(entries[i].account),
			.customer = entries[i].customer,
			.currency = entries[i].currency,
			.debit = entries[i].debit,
			.credit = entries[i].credit,
			.vat_rate = entries[i].rate == BILLING_LEDGER_NO_RATE ? -1 : entries[i].rate,
			.description = description,
		};
	}
	if ((rc = store_ledger_insert(s->db, &s->scope, source, at, rows, n, e)) < 0)
		goto done;
	if (rc == 1) {
		rc = (int)n;
		goto done;
	}
	/*
	 * Posted before: a retried job, which is fine when it recorded the same
	 * facts. Different entries under one source mean the event was computed
	 * two ways; keeping either silently would let the books drift from the
	 * objects, so the caller's change fails instead.
	 */
	same.want = rows;
	same.n = n;
	q.source = source;
	if ((rc = store_ledger_stream(s->db, &s->scope, &q, compare_stored, &same, e)) < 0)
		goto done;
	if (same.differs || same.seen != n) {
		rc = err_set(e, RECUR_ECONFLICT, 409, "invalid_request_error",
			     "ledger_source_conflict", NULL, "The ledger already holds a different "
			     "posting for %s: a business event is posted once, with the same "
			     "entries", source);
		goto done;
	}
	rc = 0;
done:
	return rc;
}

int svc_ledger_post(struct svc *s, const struct billing_ledger_event *ev, struct recur_err *e)
{
	return svc_ledger_post_at(s, ev, s->now, NULL, e);
}

/* ---- rendering ------------------------------------------------------------------ */

/*
 * A VAT rate in BILLING_TAX_SCALE units as a percentage string ("25",
 * "12.5"): exact, where a JSON number would invite floating point.
 */
static void rate_text(char *buf, size_t cap, int64_t rate)
{
	int64_t per_percent = BILLING_TAX_SCALE / 100;
	long long whole = (long long)(rate / per_percent), frac = (long long)(rate % per_percent);
	size_t len;

	if (frac == 0) {
		snprintf(buf, cap, "%lld", whole);
		return;
	}
	snprintf(buf, cap, "%lld.%04lld", whole, frac);
	len = strlen(buf);
	while (len > 0 && buf[len - 1] == '0')
		buf[--len] = '\0';
}

static json_t *render_entry(const struct store_ledger_row *r, int livemode)
{
	char rate[32];

	if (r->vat_rate >= 0)
		rate_text(rate, sizeof(rate), r->vat_rate);
	return json_pack("{s:s, s:s, s:I, s:b, s:s, s:I, s:s, s:s?, s:s, s:I, s:I, s:s?, s:s?}",
			 "id", r->id, "object", "ledger_entry", "created", (json_int_t)r->created,
			 "livemode", livemode, "source", r->source, "line", (json_int_t)r->line,
			 "account", r->account, "customer", r->customer, "currency", r->currency,
			 "debit", (json_int_t)r->debit, "credit", (json_int_t)r->credit,
			 "vat_rate", r->vat_rate >= 0 ? rate : NULL, "description", r->description);
}

/* Entries a list page fetches: the page and one more. */
#define PAGE_FETCH_MAX 101

struct collect_ctx {
	json_t *data;
	int livemode;
	int64_t seqs[PAGE_FETCH_MAX]; /* of the first entries, in the order fetched */
	size_t nseq;
	struct recur_err *e;
};

static int collect(void *ctx, const struct store_ledger_row *r)
{
	struct collect_ctx *c = ctx;
	json_t *x = render_entry(r, c->livemode);

	if (!x || json_array_append_new(c->data, x) < 0)
		return err_internal(c->e, "out of memory");
	if (c->nseq < PAGE_FETCH_MAX)
		c->seqs[c->nseq++] = r->seq;
	return 0;
}

/* ---- a customer's balances ------------------------------------------------------ */

struct sums {
	int64_t receivable;      /* receivables debit - credit */
	int64_t credit_balance;  /* customer_credit debit - credit: customer.balance */
	int64_t refunds_payable; /* refunds_payable credit - debit */
	int64_t balance;         /* all of them, debit - credit */
};

struct sums_ctx {
	struct sums *out;
	const char *customer;
	const char *currency;
	struct recur_err *e;
};

static int add_sum(void *ctx, const struct store_ledger_sum *sum)
{
	struct sums_ctx *c = ctx;
	struct billing_ledger_entry x = { .customer = c->customer, .debit = sum->debit,
					  .credit = sum->credit, .rate = BILLING_LEDGER_NO_RATE };
	struct billing_ledger_customer_balance b;
	int64_t delta;
	int rc;

	/* An account the chart does not know is recur verify's to report. */
	if (billing_ledger_account_parse(&x.account, sum->account) < 0)
		return 0;
	snprintf(x.currency, sizeof(x.currency), "%s", sum->currency);
	/* One entry carrying both sums: the balance rules only subtract the sides. */
	if ((rc = billing_ledger_customer_balance(&b, &x, 1, c->customer, c->currency, c->e)) < 0)
		return rc;
	if (money_add(&c->out->receivable, c->out->receivable, b.receivable) < 0 ||
	    money_add(&c->out->credit_balance, c->out->credit_balance, b.balance) < 0 ||
	    money_add(&c->out->refunds_payable, c->out->refunds_payable, b.refunds_payable) < 0 ||
	    money_sub(&delta, sum->debit, sum->credit) < 0 ||
	    money_add(&c->out->balance, c->out->balance, delta) < 0)
		return err_internal(c->e, "the customer's ledger sums leave int64");
	return 0;
}

/* The balances over the entries q selects; q must name the customer and currency. */
static int customer_sums(struct sums *out, struct svc *s, const struct store_ledger_query *q,
			 struct recur_err *e)
{
	struct sums_ctx c = { out, q->customer, q->currency, e };

	memset(out, 0, sizeof(*out));
	return store_ledger_aggregate(s->db, &s->scope, q, add_sum, &c, e);
}

/* Sets running_balance on every entry of data, from opening, oldest entry first. */
static int running(json_t *data, int64_t opening, bool newest_first, struct recur_err *e)
{
	size_t n = json_array_size(data);
	int64_t bal = opening, delta;

	for (size_t k = 0; k < n; k++) {
		json_t *x = json_array_get(data, newest_first ? n - 1 - k : k);
		if (money_sub(&delta, json_integer_value(json_object_get(x, "debit")),
			      json_integer_value(json_object_get(x, "credit"))) < 0 ||
		    money_add(&bal, bal, delta) < 0)
			return err_internal(e, "the running balance leaves int64");
		json_object_set_new(x, "running_balance", json_integer(bal));
	}
	return 0;
}

/* Copies the currency of the customer's first entry into cur (""), for a customer without one. */
static int first_currency(void *ctx, const struct store_ledger_row *r)
{
	snprintf(ctx, 4, "%s", r->currency);
	return 1;
}

/*
 * The customer of a path (deleted ones too: their books stay) and the
 * currency the view is in: param, else the customer's, else its first
 * entry's; "" when there is none at all.
 */
static int view_of(json_t **customer, char cur[4], struct svc *s, const char *id,
		   const json_t *p, struct recur_err *e)
{
	struct store_ledger_query q = { .customer = id, .limit = 1 };
	const char *param = NULL, *have;
	bool deleted = false;
	int rc;

	cur[0] = '\0';
	if ((rc = params_currency(&param, p, "currency", e)) < 0)
		return rc;
	if ((rc = store_obj_get_any(customer, &deleted, s->db, &svc_customers_table, &s->scope,
				    id, e)) < 0)
		return rc;
	have = json_string_value(json_object_get(*customer, "currency"));
	if (param || have) {
		snprintf(cur, 4, "%s", param ? param : have);
		return 0;
	}
	rc = store_ledger_stream(s->db, &s->scope, &q, first_currency, cur, e);
	return rc < 0 ? rc : 0;
}

/* ---- GET /v1/customers/:id/ledger ---------------------------------------------- */

static const char *const ledger_params[] = { "limit", "starting_after", "ending_before",
					     "currency", NULL };

static int cursor(int64_t *seq, struct svc *s, const char *customer, const char *id,
		  const char *param, struct recur_err *e)
{
	int rc = store_ledger_entry_seq(seq, s->db, &s->scope, id, customer, e);
	if (rc == 0)
		return err_set(e, RECUR_EINVAL, 400, "invalid_request_error", "resource_missing",
			       param, "No such ledger_entry: '%s'", id);
	return rc < 0 ? rc : 0;
}

int svc_ledger_customer(json_t **out, struct svc *s, const char *customer, const json_t *p,
			struct recur_err *e)
{
	struct svc_list l;
	struct store_ledger_query q = { .customer = customer, .order = STORE_LEDGER_SEQ_DESC };
	struct collect_ctx c = { .livemode = s->scope.livemode, .e = e };
	struct sums total, before;
	json_t *cus = NULL, *list = NULL;
	char cur[4], url[160];
	bool more = false;
	int64_t at = 0, min_seq = 0;
	int rc;

	*out = NULL;
	if ((rc = params_only(p, ledger_params, e)) < 0 || (rc = svc_list_params(&l, p, e)) < 0 ||
	    (rc = view_of(&cus, cur, s, customer, p, e)) < 0)
		goto done;
	if (!(c.data = json_array())) {
		rc = err_internal(e, "out of memory");
		goto done;
	}
	memset(&total, 0, sizeof(total));
	if (cur[0]) {
		q.currency = cur;
		if (l.page.starting_after &&
		    (rc = cursor(&at, s, customer, l.page.starting_after, "starting_after", e)) < 0)
			goto done;
		if (l.page.ending_before &&
		    (rc = cursor(&at, s, customer, l.page.ending_before, "ending_before", e)) < 0)
			goto done;
		/* Newest first; ending_before walks back toward newer entries, oldest first. */
		if (l.page.starting_after)
			q.seq_lt = at;
		if (l.page.ending_before) {
			q.seq_gt = at;
			q.order = STORE_LEDGER_SEQ_ASC;
		}
		q.limit = l.page.limit + 1; /* one more tells has_more */
		if ((rc = store_ledger_stream(s->db, &s->scope, &q, collect, &c, e)) < 0)
			goto done;
		if (json_array_size(c.data) > (size_t)l.page.limit) {
			more = true;
			json_array_remove(c.data, (size_t)l.page.limit);
		}
		/* The oldest entry kept bounds what came before the page. */
		for (size_t i = 0; i < c.nseq && i < (size_t)l.page.limit; i++)
			if (min_seq == 0 || c.seqs[i] < min_seq)
				min_seq = c.seqs[i];
		if (l.page.ending_before) {
			size_t n = json_array_size(c.data);
			for (size_t i = 0; i < n / 2; i++) {
				json_t *a = json_incref(json_array_get(c.data, i));
				json_array_set(c.data, i, json_array_get(c.data, n - 1 - i));
				json_array_set_new(c.data, n - 1 - i, a);
			}
		}
		q = (struct store_ledger_query){ .customer = customer, .currency = cur };
		if ((rc = customer_sums(&total, s, &q, e)) < 0)
			goto done;
		memset(&before, 0, sizeof(before));
		q.seq_lt = min_seq;
		if (min_seq > 0 && (rc = customer_sums(&before, s, &q, e)) < 0)
			goto done;
		if ((rc = running(c.data, before.balance, true, e)) < 0)
			goto done;
	}
	snprintf(url, sizeof(url), "/v1/customers/%s/ledger", customer);
	list = json_pack("{s:s, s:s, s:b, s:O, s:s?, s:I, s:I, s:I, s:I}", "object", "list",
			 "url", url, "has_more", more, "data", c.data,
			 "currency", cur[0] ? cur : NULL, "receivable", (json_int_t)total.receivable,
			 "credit_balance", (json_int_t)total.credit_balance,
			 "refunds_payable", (json_int_t)total.refunds_payable,
			 "balance", (json_int_t)total.balance);
	if (!list) {
		rc = err_internal(e, "out of memory");
		goto done;
	}
	*out = list;
	rc = 0;
done:
	json_decref(cus);
	json_decref(c.data);
	return rc;
}

/* ---- GET /v1/customers/:id/statement ------------------------------------------- */

static const char *const statement_params[] = { "from", "to", "currency", NULL };

int svc_ledger_statement(json_t **out, struct svc *s, const char *customer, const json_t *p,
			 struct recur_err *e)
{
	struct store_ledger_query q = { .customer = customer, .order = STORE_LEDGER_SEQ_ASC };
	struct collect_ctx c = { .livemode = s->scope.livemode, .e = e };
	struct sums opening, period;
	json_t *cus = NULL, *st;
	char cur[4];
	int64_t from = 0, to = 0, closing, debit = 0, credit = 0;
	int has_from = 0, has_to = 0, rc;

	*out = NULL;
	if ((rc = params_only(p, statement_params, e)) < 0 ||
	    (rc = has_from = params_int(&from, p, "from", 0, INT64_MAX / 2, e)) < 0 ||
	    (rc = has_to = params_int(&to, p, "to", 0, INT64_MAX / 2, e)) < 0)
		goto done;
	if (has_from && has_to && to < from) {
		rc = err_invalid(e, "to", "to (%lld) must not be before from (%lld)",
				 (long long)to, (long long)from);
		goto done;
	}
	if ((rc = view_of(&cus, cur, s, customer, p, e)) < 0)
		goto done;
	if (!(c.data = json_array())) {
		rc = err_internal(e, "out of memory");
		goto done;
	}
	memset(&opening, 0, sizeof(opening));
	memset(&period, 0, sizeof(period));
	if (cur[0]) {
		q.currency = cur;
		if (has_from) {
			q.has_created_lt = true;
			q.created_lt = from;
			if ((rc = customer_sums(&opening, s, &q, e)) < 0)
				goto done;
		}
		q.has_created_lt = has_to;
		q.created_lt = to;
		q.has_created_gte = has_from;
		q.created_gte = from;
		if ((rc = customer_sums(&period, s, &q, e)) < 0)
			goto done;
		/* Counted before fetched: a statement is whole or refused, never cut. */
		q.limit = SVC_LEDGER_STATEMENT_MAX + 1;
		if ((rc = store_ledger_stream(s->db, &s->scope, &q, collect, &c, e)) < 0)
			goto done;
		if (json_array_size(c.data) > SVC_LEDGER_STATEMENT_MAX) {
			rc = err_invalid(e, "to", "The period holds more than %d ledger entries; "
					 "ask for a shorter one (from, to)", SVC_LEDGER_STATEMENT_MAX);
			goto done;
		}
		if ((rc = running(c.data, opening.balance, false, e)) < 0)
			goto done;
		for (size_t i = 0; i < json_array_size(c.data); i++) {
			json_t *x = json_array_get(c.data, i);
			if (money_add(&debit, debit, json_integer_value(json_object_get(x, "debit"))) < 0 ||
			    money_add(&credit, credit,
				      json_integer_value(json_object_get(x, "credit"))) < 0) {
				rc = err_internal(e, "the statement's sums leave int64");
				goto done;
			}
		}
	}
	if (money_add(&closing, opening.balance, period.balance) < 0) {
		rc = err_internal(e, "the closing balance leaves int64");
		goto done;
	}
	st = json_pack("{s:s, s:b, s:s, s:s?, s:o, s:o, s:I, s:I, s:I, s:I, s:O}",
		       "object", "customer_statement", "livemode", s->scope.livemode,
		       "customer", customer, "currency", cur[0] ? cur : NULL,
		       "from", has_from ? json_integer(from) : json_null(),
		       "to", has_to ? json_integer(to) : json_null(),
		       "opening_balance", (json_int_t)opening.balance,
		       "total_debit", (json_int_t)debit, "total_credit", (json_int_t)credit,
		       "closing_balance", (json_int_t)closing, "entries", c.data);
	if (!st) {
		rc = err_internal(e, "out of memory");
		goto done;
	}
	*out = st;
	rc = 0;
done:
	json_decref(cus);
	json_decref(c.data);
	return rc;
}

/* ---- GET /v1/reports/aging ----------------------------------------------------- */

enum { CURRENT, D1_30, D31_60, D61_90, OVER_90, BUCKETS };

static const char *const bucket_names[BUCKETS] = { "current", "1_30", "31_60", "61_90", "over_90" };

/*
 * Days past due at as_of, rounded up: an invoice a second late is a day late,
 * one 30 days late still in 1_30. Not yet due (or due exactly now): current.
 */
static int bucket_of(int64_t due, int64_t as_of)
{
	int64_t late, days;

	if (money_sub(&late, as_of, due) < 0) /* only a corrupt date gets here */
		return as_of > due ? OVER_90 : CURRENT;
	if (late <= 0)
		return CURRENT;
	days = late / SECONDS_PER_DAY + (late % SECONDS_PER_DAY != 0);
	return days <= 30 ? D1_30 : days <= 60 ? D31_60 : days <= 90 ? D61_90 : OVER_90;
}

struct aging_row {
	char customer[IDS_MAX];
	char currency[4];
	int64_t amount[BUCKETS];
	int64_t total;
	int64_t invoices;
};

/* At most this many currencies in the report's totals (the ledger's own limit). */
#define AGING_CURRENCIES BILLING_LEDGER_CURRENCIES_MAX

struct aging_ctx {
	int64_t as_of;
	struct aging_row row;        /* the (customer, currency) being summed */
	bool open;                   /* row holds something */
	/* totals pass */
	struct aging_row totals[AGING_CURRENCIES];
	size_t ntotals;
	/* page pass */
	json_t *data;                /* NULL in the totals pass */
	int limit;
	int customers;               /* customers on the page */
	bool more;
	char last_customer[IDS_MAX];
	struct recur_err *e;
};

static json_t *render_row(const struct aging_row *r, bool with_customer)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	if (with_customer)
		json_object_set_new(o, "customer", json_string(r->customer));
	json_object_set_new(o, "currency", json_string(r->currency));
	for (int b = 0; b < BUCKETS; b++)
		json_object_set_new(o, bucket_names[b], json_integer(r->amount[b]));
	json_object_set_new(o, "total", json_integer(r->total));
	json_object_set_new(o, "invoices", json_integer(r->invoices));
	return o;
}

static int add_row(struct aging_row *to, const struct aging_row *r)
{
	for (int b = 0; b < BUCKETS; b++)
		if (money_add(&to->amount[b], to->amount[b], r->amount[b]) < 0)
			return RECUR_EOVERFLOW;
	if (money_add(&to->total, to->total, r->total) < 0 ||
	    money_add(&to->invoices, to->invoices, r->invoices) < 0)
		return RECUR_EOVERFLOW;
	return 0;
}

/* The finished (customer, currency) row goes to the totals or onto the page. */
static int flush_row(struct aging_ctx *c)
{
	size_t t;

	if (!c->open)
		return 0;
	c->open = false;
	if (c->data) {
		json_t *o = render_row(&c->row, true);
		if (!o || json_array_append_new(c->data, o) < 0)
			return err_internal(c->e, "out of memory");
		return 0;
	}
	for (t = 0; t < c->ntotals; t++)
		if (strcmp(c->totals[t].currency, c->row.currency) == 0)
			break;
	if (t == c->ntotals) {
		if (t == AGING_CURRENCIES)
			return err_internal(c->e, "more than %d currencies in the aging report",
					    AGING_CURRENCIES);
		memset(&c->totals[t], 0, sizeof(c->totals[t]));
		snprintf(c->totals[t].currency, sizeof(c->totals[t].currency), "%s", c->row.currency);
		c->ntotals++;
	}
	if (add_row(&c->totals[t], &c->row) < 0)
		return err_internal(c->e, "the aging report's sums leave int64");
	return 0;
}

static int age_invoice(void *ctx, const struct store_open_invoice *inv)
{
	struct aging_ctx *c = ctx;
	/* Charged invoices have no due date: they were due when finalized. */
	int64_t due = inv->has_due_date ? inv->due_date : inv->finalized_at;
	int b, rc;

	if (!c->open || strcmp(c->row.customer, inv->customer) != 0 ||
	    strcmp(c->row.currency, inv->currency) != 0) {
		if ((rc = flush_row(c)) < 0)
			return rc;
		if (c->data && strcmp(c->last_customer, inv->customer) != 0) {
			/* A new customer: one past the page's last says there is more. */
			if (c->customers == c->limit) {
				c->more = true;
				return 1;
			}
			c->customers++;
			snprintf(c->last_customer, sizeof(c->last_customer), "%s", inv->customer);
		}
		memset(&c->row, 0, sizeof(c->row));
		snprintf(c->row.customer, sizeof(c->row.customer), "%s", inv->customer);
		snprintf(c->row.currency, sizeof(c->row.currency), "%s", inv->currency);
		c->open = true;
	}
	b = bucket_of(due, c->as_of);
	if (money_add(&c->row.amount[b], c->row.amount[b], inv->amount_remaining) < 0 ||
	    money_add(&c->row.total, c->row.total, inv->amount_remaining) < 0)
		return err_internal(c->e, "the aging report's sums leave int64");
	c->row.invoices++;
	return 0;
}

static const char *const aging_params[] = { "as_of", "customer", "limit", "starting_after",
					    NULL };

int svc_ledger_aging(json_t **out, struct svc *s, const json_t *p, struct recur_err *e)
{
	struct aging_ctx *c = NULL;
	const char *customer = NULL, *after = NULL;
	json_t *totals = NULL, *buckets = NULL, *r = NULL;
	int64_t as_of = s->now, limit = 100;
	int rc;

	*out = NULL;
	if ((rc = params_only(p, aging_params, e)) < 0 ||
	    (rc = params_int(&as_of, p, "as_of", 0, INT64_MAX / 2, e)) < 0 ||
	    (rc = params_string(&customer, p, "customer", 255, e)) < 0 ||
	    (rc = params_int(&limit, p, "limit", 1, 100, e)) < 0 ||
	    (rc = params_string(&after, p, "starting_after", 255, e)) < 0)
		goto done;
	if (customer && !*customer)
		customer = NULL;
	if (after && !*after)
		after = NULL;
	if (customer) {
		json_t *cus = NULL;
		bool deleted = false;
		if ((rc = store_obj_get_any(&cus, &deleted, s->db, &svc_customers_table, &s->scope,
					    customer, e)) < 0) {
			/* A filter naming nobody is bad input, not a missing page. */
			if (rc == RECUR_ENOTFOUND)
				rc = err_set(e, RECUR_EINVAL, 400, "invalid_request_error",
					     "resource_missing", "customer",
					     "No such customer: '%s'", customer);
			goto done;
		}
		json_decref(cus);
	}
	if (!(c = calloc(1, sizeof(*c)))) {
		rc = err_internal(e, "out of memory");
		goto done;
	}
	c->as_of = as_of;
	c->e = e;
	/* Two passes: totals over every customer, then the page after the cursor. */
	if ((rc = store_open_invoices(s->db, &s->scope, customer, NULL, age_invoice, c, e)) < 0 ||
	    (rc = flush_row(c)) < 0)
		goto done;
	if (!(totals = json_array()) || !(buckets = json_array()) || !(c->data = json_array())) {
		rc = err_internal(e, "out of memory");
		goto done;
	}
	for (size_t t = 0; t < c->ntotals; t++)
		json_array_append_new(totals, render_row(&c->totals[t], false));
	for (int b = 0; b < BUCKETS; b++)
		json_array_append_new(buckets, json_string(bucket_names[b]));
	c->limit = (int)limit;
	if ((rc = store_open_invoices(s->db, &s->scope, customer, after, age_invoice, c, e)) < 0 ||
	    (rc = flush_row(c)) < 0)
		goto done;
	r = json_pack("{s:s, s:s, s:b, s:I, s:O, s:O, s:b, s:O}", "object", "aging_report",
		      "url", "/v1/reports/aging", "livemode", s->scope.livemode,
		      "as_of", (json_int_t)as_of, "buckets", buckets, "data", c->data,
		      "has_more", c->more, "totals", totals);
	if (!r) {
		rc = err_internal(e, "out of memory");
		goto done;
	}
	*out = r;
	rc = 0;
done:
	if (c)
		json_decref(c->data);
	free(c);
	json_decref(totals);
	json_decref(buckets);
	return rc;
}
