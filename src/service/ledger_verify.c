/*
 * ledger_verify.c - recur verify: proves the books of every tenant and mode
 * (see svc_ledger_verify in ledger.h).
 *
 * It streams: the journal once in source order (every posting is then one
 * run of rows, checked as it ends), the customers in pages, each customer's
 * own entries, so memory stays bounded by one customer's history whatever the
 * size of the database. A check that fails keeps its first
 * SVC_LEDGER_VERIFY_EXAMPLES examples and reports them under its FAIL line.
 */
#include "service/ledger.h"
#include "core/money.h"
#include "store/ledger_store.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Customers read per page; each is then checked on its own. */
#define CUSTOMER_PAGE 500
/* The most entries of one customer held at once (about 48 MB). */
#define CUSTOMER_ENTRIES_MAX (1 << 20)
/* Currencies one customer is checked in (its balance's, its entries', its invoices'). */
#define CUSTOMER_CURRENCIES 16

struct examples {
	int n;
	char text[SVC_LEDGER_VERIFY_EXAMPLES][sizeof(((struct svc_ledger_check *)0)->detail)];
};

__attribute__((format(printf, 2, 3)))
static void example(struct examples *x, const char *fmt, ...)
{
	va_list ap;

	if (x->n >= SVC_LEDGER_VERIFY_EXAMPLES)
		return;
	va_start(ap, fmt);
	vsnprintf(x->text[x->n++], sizeof(x->text[0]), fmt, ap);
	va_end(ap);
}

struct verifier {
	const char *tenant;
	int livemode;
	svc_ledger_report_fn fn;
	void *ctx;
	struct svc_ledger_verify_result *res;
};

__attribute__((format(printf, 4, 5)))
static void report(struct verifier *v, enum svc_ledger_verdict verdict, const char *name,
		   const char *fmt, ...)
{
	struct svc_ledger_check c = { .tenant = v->tenant, .livemode = v->livemode,
				      .verdict = verdict, .name = name };
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c.detail, sizeof(c.detail), fmt, ap);
	va_end(ap);
	if (verdict == SVC_LEDGER_OK || verdict == SVC_LEDGER_FAIL || verdict == SVC_LEDGER_SKIP)
		v->res->checks++;
	if (verdict == SVC_LEDGER_FAIL)
		v->res->failed++;
	if (verdict == SVC_LEDGER_SKIP)
		v->res->skipped++;
	v->fn(v->ctx, &c);
}

static void report_examples(struct verifier *v, const char *name, const struct examples *x)
{
	for (int i = 0; i < x->n; i++)
		report(v, SVC_LEDGER_DETAIL, name, "%s", x->text[i]);
}

/* A stored row as the posting rules see it; false (and why) if it cannot be one. */
static bool to_entry(struct billing_ledger_entry *x, const struct store_ledger_row *r,
		     const char *customer, const char **why)
{
	memset(x, 0, sizeof(*x));
	if (billing_ledger_account_parse(&x->account, r->account) < 0) {
		*why = "an unknown account";
		return false;
	}
	if (strlen(r->currency) != 3) {
		*why = "a malformed currency";
		return false;
	}
	memcpy(x->currency, r->currency, 4);
	x->customer = customer;
	x->debit = r->debit;
	x->credit = r->credit;
	x->rate = r->vat_rate < 0 ? BILLING_LEDGER_NO_RATE : r->vat_rate;
	return true;
}

/* ---- the journal ---------------------------------------------------------------- */

struct journal {
	struct billing_ledger_totals all;
	struct billing_ledger_totals posting;
	char source[BILLING_LEDGER_SOURCE_SIZE];
	bool in_posting;
	int64_t entries, malformed, postings, unbalanced;
	int totals_rc;                /* the overall sums failed (overflow, currencies) */
	char totals_msg[512];
	struct examples bad_entries, bad_postings;
};

static void end_posting(struct journal *j)
{
	struct recur_err err;

	if (!j->in_posting)
		return;
	j->in_posting = false;
	j->postings++;
	if (billing_ledger_totals_check(&j->posting, &err) < 0) {
		j->unbalanced++;
		example(&j->bad_postings, "posting %s: debits %lld, credits %lld (minor units, "
			"%zu entries)", j->source, (long long)j->posting.debit,
			(long long)j->posting.credit, j->posting.n_entries);
	}
}

static int journal_row(void *ctx, const struct store_ledger_row *r)
{
	struct journal *j = ctx;
	struct billing_ledger_totals one;
	struct billing_ledger_entry x;
	struct recur_err err;
	const char *why = NULL;

	j->entries++;
	/* A source no event can produce is as wrong as a bad amount. */
	if (strlen(r->source) >= sizeof(j->source)) {
		j->malformed++;
		example(&j->bad_entries, "entry %s: a source key longer than %zu bytes", r->id,
			sizeof(j->source) - 1);
		return 0;
	}
	if (!j->in_posting || strcmp(j->source, r->source) != 0) {
		end_posting(j);
		snprintf(j->source, sizeof(j->source), "%s", r->source);
		billing_ledger_totals_init(&j->posting);
		j->in_posting = true;
	}
	billing_ledger_totals_init(&one);
	if (to_entry(&x, r, r->customer, &why) && billing_ledger_totals_add(&one, &x, 1, &err) < 0)
		why = err.message;
	if (why) {
		j->malformed++;
		example(&j->bad_entries, "entry %s (%s line %lld, %s %s): %s", r->id, r->source,
			(long long)r->line, r->account, r->currency, why);
		return 0;
	}
	/* A malformed row stays out of the sums: it is reported once, above. */
	if (billing_ledger_totals_add(&j->posting, &x, 1, &err) < 0) {
		j->unbalanced++;
		example(&j->bad_postings, "posting %s: %s", r->source, err.message);
	}
	if (j->totals_rc == 0 && (j->totals_rc = billing_ledger_totals_add(&j->all, &x, 1, &err)) < 0)
		snprintf(j->totals_msg, sizeof(j->totals_msg), "%s", err.message);
	return 0;
}

static int check_journal(struct verifier *v, struct store *db, const struct store_scope *sc,
			 struct recur_err *e)
{
	struct store_ledger_query q = { .order = STORE_LEDGER_BY_SOURCE };
	struct journal *j = calloc(1, sizeof(*j));
	int rc;

	if (!j)
		return err_internal(e, "out of memory");
	billing_ledger_totals_init(&j->all);
	if ((rc = store_ledger_stream(db, sc, &q, journal_row, j, e)) < 0)
		goto done;
	end_posting(j);

	if (j->malformed == 0) {
		report(v, SVC_LEDGER_OK, "entries are well formed", "%lld entries",
		       (long long)j->entries);
	} else {
		report(v, SVC_LEDGER_FAIL, "entries are well formed", "%lld of %lld entries are "
		       "malformed", (long long)j->malformed, (long long)j->entries);
		report_examples(v, "entries are well formed", &j->bad_entries);
	}
	if (j->unbalanced == 0) {
		report(v, SVC_LEDGER_OK, "every posting balances", "%lld postings",
		       (long long)j->postings);
	} else {
		report(v, SVC_LEDGER_FAIL, "every posting balances", "%lld of %lld postings do not "
		       "balance", (long long)j->unbalanced, (long long)j->postings);
		report_examples(v, "every posting balances", &j->bad_postings);
	}
	if (j->totals_rc < 0) {
		report(v, SVC_LEDGER_FAIL, "debits equal credits", "%s", j->totals_msg);
	} else if (j->all.debit != j->all.credit) {
		report(v, SVC_LEDGER_FAIL, "debits equal credits", "debits %lld, credits %lld "
		       "(minor units, all currencies, %zu entries)", (long long)j->all.debit,
		       (long long)j->all.credit, j->all.n_entries);
	} else {
		report(v, SVC_LEDGER_OK, "debits equal credits", "debits %lld = credits %lld "
		       "(minor units, all currencies, %zu entries)", (long long)j->all.debit,
		       (long long)j->all.credit, j->all.n_entries);
	}
	/* Equal overall can still hide 100 NOK debited against 100 EUR credited. */
	for (size_t c = 0; j->totals_rc == 0 && c < j->all.n; c++) {
		const struct billing_ledger_currency_total *t = &j->all.per[c];
		report(v, t->debit == t->credit ? SVC_LEDGER_OK : SVC_LEDGER_FAIL,
		       "debits equal credits per currency", "%s: debits %lld %s credits %lld",
		       t->currency, (long long)t->debit, t->debit == t->credit ? "=" : "!=",
		       (long long)t->credit);
	}
	rc = 0;
done:
	free(j);
	return rc;
}

/* ---- customers ------------------------------------------------------------------- */

struct owed {
	char currency[4];
	int64_t amount;
};

struct customer_check {
	struct recur_err *e;
	const char *customer;          /* the page's id: entries point at it */
	struct billing_ledger_entry *entries;
	size_t n, alloc;
	bool too_many;
	struct owed owed[CUSTOMER_CURRENCIES];
	size_t nowed;
	bool too_many_currencies;
};

static int customer_row(void *ctx, const struct store_ledger_row *r)
{
	struct customer_check *c = ctx;
	struct billing_ledger_entry x;
	const char *why;

	/* Malformed rows are the journal check's to report; here they would only mislead. */
	if (!to_entry(&x, r, c->customer, &why))
		return 0;
	if (c->n == c->alloc) {
		size_t want = c->alloc ? c->alloc * 2 : 64;
		struct billing_ledger_entry *grown;
		if (want > CUSTOMER_ENTRIES_MAX) {
			c->too_many = true;
			return 1;
		}
		if (!(grown = realloc(c->entries, want * sizeof(*grown))))
			return err_internal(c->e, "out of memory");
		c->entries = grown;
		c->alloc = want;
	}
	c->entries[c->n++] = x;
	return 0;
}

static int owed_row(void *ctx, const char *currency, int64_t amount)
{
	struct customer_check *c = ctx;

	if (c->nowed == CUSTOMER_CURRENCIES) {
		c->too_many_currencies = true;
		return 1;
	}
	snprintf(c->owed[c->nowed].currency, sizeof(c->owed[0].currency), "%s", currency);
	c->owed[c->nowed++].amount = amount;
	return 0;
}

/* Adds cur to the set unless it is there; false when the set is full. */
static bool add_currency(char (*set)[4], size_t *n, const char *cur)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp(set[i], cur) == 0)
			return true;
	if (*n == CUSTOMER_CURRENCIES)
		return false;
	snprintf(set[(*n)++], 4, "%s", cur);
	return true;
}

/*
 * One customer: in every currency its balance, its entries or its open
 * invoices are in, the entries must give its balance and what it owes.
 * Returns 1 when they do not (an example is kept), 0 when they do.
 */
static int check_customer(struct customer_check *c, const struct store_ledger_customer *cus,
			  struct store *db, const struct store_scope *sc, struct examples *x,
			  struct recur_err *e)
{
	struct store_ledger_query q = { .customer = cus->id, .order = STORE_LEDGER_SEQ_ASC };
	char currencies[CUSTOMER_CURRENCIES][4];
	size_t ncur = 0;
	struct recur_err err;
	bool off = false;
	int rc;

	c->customer = cus->id;
	c->n = 0;
	c->too_many = false;
	c->nowed = 0;
	c->too_many_currencies = false;
	if ((rc = store_ledger_stream(db, sc, &q, customer_row, c, e)) < 0)
		return rc;
	if (c->too_many) {
		example(x, "customer %s: more than %d ledger entries, too many to check at once",
			cus->id, CUSTOMER_ENTRIES_MAX);
		return 1;
	}
	if ((rc = store_ledger_customer_owed(db, sc, cus->id, owed_row, c, e)) < 0)
		return rc;
	if (cus->currency[0])
		add_currency(currencies, &ncur, cus->currency);
	else if (cus->balance != 0) {
		example(x, "customer %s: a balance of %lld without a currency", cus->id,
			(long long)cus->balance);
		return 1;
	}
	for (size_t i = 0; i < c->n; i++)
		c->too_many_currencies |= !add_currency(currencies, &ncur, c->entries[i].currency);
	for (size_t i = 0; i < c->nowed; i++)
		c->too_many_currencies |= !add_currency(currencies, &ncur, c->owed[i].currency);
	if (c->too_many_currencies) {
		example(x, "customer %s: more than %d currencies, too many to check", cus->id,
			CUSTOMER_CURRENCIES);
		return 1;
	}
	for (size_t k = 0; k < ncur; k++) {
		int64_t balance = strcmp(currencies[k], cus->currency) == 0 ? cus->balance : 0;
		int64_t owed = 0;
		for (size_t i = 0; i < c->nowed; i++)
			if (strcmp(c->owed[i].currency, currencies[k]) == 0)
				owed = c->owed[i].amount;
		rc = billing_ledger_customer_verify(c->entries, c->n, cus->id, currencies[k],
						    balance, owed, &err);
		if (rc == RECUR_ECONFLICT) {
			example(x, "%s", err.message);
			off = true;
		} else if (rc < 0) {
			example(x, "customer %s (%s): %s", cus->id, currencies[k], err.message);
			off = true;
		}
	}
	return off;
}

struct unknown_ctx {
	int64_t n;
	struct examples x;
};

static int unknown_customer(void *ctx, const char *id)
{
	struct unknown_ctx *u = ctx;

	u->n++;
	example(&u->x, "ledger entries name %s, which is no customer of this tenant and mode", id);
	return 0;
}

static int check_customers(struct verifier *v, struct store *db, const struct store_scope *sc,
			   struct recur_err *e)
{
	static const char name[] = "customer balances equal their entries";
	struct store_ledger_customer *page = calloc(CUSTOMER_PAGE, sizeof(*page));
	struct customer_check c = { .e = e };
	struct unknown_ctx *unknown = calloc(1, sizeof(*unknown));
	struct examples *x = calloc(1, sizeof(*x));
	int64_t after = 0, customers = 0, off = 0;
	size_t n;
	int rc;

	if (!page || !unknown || !x) {
		rc = err_internal(e, "out of memory");
		goto done;
	}
	do {
		if ((rc = store_ledger_customers_page(page, CUSTOMER_PAGE, &n, db, sc, after, e)) < 0)
			goto done;
		for (size_t i = 0; i < n; i++) {
			customers++;
			if ((rc = check_customer(&c, &page[i], db, sc, x, e)) < 0)
				goto done;
			off += rc;
		}
		if (n > 0)
			after = page[n - 1].seq;
	} while (n == CUSTOMER_PAGE);

	if (off == 0) {
		report(v, SVC_LEDGER_OK, name, "%lld customers", (long long)customers);
	} else {
		report(v, SVC_LEDGER_FAIL, name, "%lld of %lld customers differ from their ledger "
		       "entries", (long long)off, (long long)customers);
		report_examples(v, name, x);
	}
	if ((rc = store_ledger_unknown_customers(db, sc, unknown_customer, unknown, e)) < 0)
		goto done;
	if (unknown->n == 0) {
		report(v, SVC_LEDGER_OK, "entries name existing customers", "none unknown");
	} else {
		report(v, SVC_LEDGER_FAIL, "entries name existing customers", "%lld unknown "
		       "customers", (long long)unknown->n);
		report_examples(v, "entries name existing customers", &unknown->x);
	}
	rc = 0;
done:
	free(c.entries);
	free(page);
	free(unknown);
	free(x);
	return rc;
}

/* ---- payments ------------------------------------------------------------------- */

/* What this database can say about payments (migration 004 and later). */
struct payment_tables {
	bool intents;        /* payment_intents */
	bool charges;        /* charges */
	bool out_of_band;    /* invoices.paid_out_of_band */
	bool bank;           /* bank_transactions (migration 009): bank transfers */
};

static int unpaid_invoice(void *ctx, const char *id)
{
	struct unknown_ctx *u = ctx;

	u->n++;
	example(&u->x, "invoice %s is paid, but no payment intent for it succeeded", id);
	return 0;
}

struct double_ctx {
	int64_t n;
	struct examples x;
};

static int double_charge(void *ctx, const char *invoice, int64_t attempt, int64_t charges)
{
	struct double_ctx *d = ctx;

	d->n++;
	example(&d->x, "invoice %s, attempt %lld: %lld succeeded charges", invoice,
		(long long)attempt, (long long)charges);
	return 0;
}

static int check_payments(struct verifier *v, struct store *db, const struct store_scope *sc,
			  const struct payment_tables *t, struct recur_err *e)
{
	static const char paid[] = "paid invoices have a payment";
	static const char twice[] = "no invoice attempt charged twice";
	struct unknown_ctx *u = calloc(1, sizeof(*u));
	struct double_ctx *d = calloc(1, sizeof(*d));
	int64_t n_paid = 0;
	int rc;

	if (!u || !d) {
		rc = err_internal(e, "out of memory");
		goto done;
	}
	if ((rc = store_ledger_count_paid_invoices(&n_paid, db, sc, e)) < 0)
		goto done;
	if (!t->intents) {
		report(v, SVC_LEDGER_SKIP, paid, "%lld paid invoices not checked: this database has "
		       "no payment_intents table yet", (long long)n_paid);
	} else {
		if ((rc = store_ledger_paid_without_payment(db, sc, t->out_of_band,
							    t->out_of_band && t->bank, unpaid_invoice,
							    u, e)) < 0)
			goto done;
		if (u->n == 0) {
			report(v, SVC_LEDGER_OK, paid, "%lld paid invoices", (long long)n_paid);
		} else {
			report(v, SVC_LEDGER_FAIL, paid, "%lld of %lld paid invoices have no succeeded "
			       "payment%s", (long long)u->n, (long long)n_paid, t->out_of_band ? "" :
			       " (invoices carry no paid_out_of_band mark yet, so one paid out of "
			       "band counts as unpaid)");
			report_examples(v, paid, &u->x);
		}
	}
	if (!t->intents || !t->charges) {
		report(v, SVC_LEDGER_SKIP, twice, "not checked: this database has no %s table yet",
		       t->intents ? "charges" : "payment_intents");
	} else {
		if ((rc = store_ledger_double_charges(db, sc, double_charge, d, e)) < 0)
			goto done;
		if (d->n == 0) {
			report(v, SVC_LEDGER_OK, twice, "none");
		} else {
			report(v, SVC_LEDGER_FAIL, twice, "%lld invoice attempts have more than one "
			       "succeeded charge", (long long)d->n);
			report_examples(v, twice, &d->x);
		}
	}
	rc = 0;
done:
	free(u);
	free(d);
	return rc;
}

/* ---- credit notes ------------------------------------------------------------------ */

static int credit_note_mismatch(void *ctx, const char *id)
{
	struct unknown_ctx *u = ctx;

	u->n++;
	example(&u->x, strncmp(id, "cn_", 3) == 0 ? "credit note %s has no posting for what it "
		"did" : "invoice %s: its credit note sums are not those of its issued credit notes",
		id);
	return 0;
}

/*
 * Credit notes (migration 010) agree with their invoices and the ledger:
 * an invoice's pre- and post-payment credit note sums are those of its
 * issued credit notes, and every credit note has its posting (a void one
 * its reversal too).
 */
static int check_credit_notes(struct verifier *v, struct store *db, const struct store_scope *sc,
			      bool have, struct recur_err *e)
{
	static const char what[] = "credit notes agree with invoices and ledger";
	struct unknown_ctx *u;
	int rc;

	if (!have) {
		report(v, SVC_LEDGER_SKIP, what, "not checked: this database has no credit_notes "
		       "table yet");
		return 0;
	}
	if (!(u = calloc(1, sizeof(*u))))
		return err_internal(e, "out of memory");
	if ((rc = store_ledger_credit_note_mismatches(db, sc, credit_note_mismatch, u, e)) == 0) {
		if (u->n == 0) {
			report(v, SVC_LEDGER_OK, what, "%s", "every one");
		} else {
			report(v, SVC_LEDGER_FAIL, what, "%lld invoices or credit notes disagree",
			       (long long)u->n);
			report_examples(v, what, &u->x);
		}
	}
	free(u);
	return rc;
}

/* ---- the whole run --------------------------------------------------------------- */

struct tenants_ctx {
	json_t *ids;
	struct recur_err *e;
};

static int collect_tenant(void *ctx, const char *id)
{
	struct tenants_ctx *t = ctx;
	if (json_array_append_new(t->ids, json_string(id)) < 0)
		return err_internal(t->e, "out of memory");
	return 0;
}

/* A missing table or column is a check that cannot run yet, not a failure. */
static int probe(bool *out, struct store *db, const char *table, const char *column,
		 struct recur_err *e)
{
	int rc = store_ledger_has(db, table, column, e);
	if (rc < 0)
		return rc;
	*out = rc == 1;
	return 0;
}

int svc_ledger_verify(struct svc_ledger_verify_result *out, struct store *db,
		      const char *tenant, svc_ledger_report_fn fn, void *ctx,
		      struct recur_err *e)
{
	struct verifier v = { .fn = fn, .ctx = ctx, .res = out };
	struct payment_tables pt = { 0 };
	bool credit_notes = false;
	json_t *tenants = json_array();
	struct tenants_ctx tc = { tenants, e };
	size_t i;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!tenants)
		return err_internal(e, "out of memory");
	/* Probed outside any transaction: a failed statement would abort one on PostgreSQL. */
	if ((rc = probe(&pt.intents, db, "payment_intents", NULL, e)) < 0 ||
	    (rc = probe(&pt.charges, db, "charges", NULL, e)) < 0 ||
	    (rc = probe(&pt.out_of_band, db, "invoices", "paid_out_of_band", e)) < 0 ||
	    (rc = probe(&pt.bank, db, "bank_transactions", NULL, e)) < 0 ||
	    (rc = probe(&credit_notes, db, "credit_notes", NULL, e)) < 0)
		goto done;
	if ((rc = store_ledger_tenants(db, tenant, collect_tenant, &tc, e)) < 0)
		goto done;
	if (tenant && json_array_size(tenants) == 0) {
		rc = err_missing(e, "tenant", "tenant", tenant);
		goto done;
	}
	for (i = 0; i < json_array_size(tenants); i++) {
		for (int mode = 0; mode <= 1; mode++) {
			struct store_scope sc = { json_string_value(json_array_get(tenants, i)), mode };
			v.tenant = sc.tenant;
			v.livemode = mode;
			out->scopes++;
			report(&v, SVC_LEDGER_SCOPE, "tenant", "%s", "");
			/*
			 * One snapshot per scope, so a change committed meanwhile cannot
			 * look like books that disagree; rolled back, as nothing is written.
			 */
			if ((rc = store_begin(db, e)) < 0)
				goto done;
			if ((rc = check_journal(&v, db, &sc, e)) < 0 ||
			    (rc = check_customers(&v, db, &sc, e)) < 0 ||
			    (rc = check_payments(&v, db, &sc, &pt, e)) < 0 ||
			    (rc = check_credit_notes(&v, db, &sc, credit_notes, e)) < 0) {
				store_rollback(db);
				goto done;
			}
			store_rollback(db);
		}
	}
	rc = 0;
done:
	json_decref(tenants);
	return rc;
}
