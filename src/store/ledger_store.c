/*
 * ledger_store.c - see ledger_store.h.
 *
 * Postings are written on the hot path of a billing run (every renewal
 * finalizes an invoice, and a charged one is paid), so a posting is one
 * multi-row INSERT whose text depends only on its number of rows: the text is
 * built once per row count for the life of the process, and the driver's
 * statement cache prepares it once per connection.
 */
#include "store/ledger_store.h"
#include "core/buf.h"

#include <jansson.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parameters $1..$4 are the posting's; each row adds ROW_PARAMS more. */
#define POSTING_PARAMS 4
#define ROW_PARAMS 9
/* Rows whose parameters live on the stack; longer postings allocate. */
#define STACK_ROWS 16

static _Atomic(char *) insert_sql[STORE_LEDGER_POSTING_MAX + 1];

/* The INSERT for n rows, built on first use and shared by every thread. */
static const char *insert_text(size_t n)
{
	char *sql = atomic_load(&insert_sql[n]), *expected = NULL;
	struct buf b;

	if (sql)
		return sql;
	buf_init(&b, 0);
	buf_puts(&b, "INSERT INTO ledger_entries (tenant_id, livemode, created, source, id, line,"
		 " account, customer, currency, debit, credit, vat_rate, description) VALUES ");
	for (size_t i = 0; i < n; i++) {
		int p = POSTING_PARAMS + (int)i * ROW_PARAMS;
		if (buf_printf(&b, "%s($1, $2, $3, $4, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d)",
			       i ? ", " : "", p + 1, p + 2, p + 3, p + 4, p + 5, p + 6, p + 7,
			       p + 8, p + 9) < 0) {
			buf_free(&b);
			return NULL;
		}
	}
	/* No conflict target: (tenant, mode, source, line) is the only key a row can
	 * repeat (ids are random), and both back ends accept the bare form. */
	if (buf_puts(&b, " ON CONFLICT DO NOTHING") < 0) {
		buf_free(&b);
		return NULL;
	}
	/* Another thread may have built it meanwhile: keep the first, free ours. */
	if (!atomic_compare_exchange_strong(&insert_sql[n], &expected, b.data)) {
		buf_free(&b);
		return expected;
	}
	return b.data;
}

int store_ledger_insert(struct store *db, const struct store_scope *sc, const char *source,
			int64_t created, const struct store_ledger_row *rows, size_t n,
			struct recur_err *e)
{
	struct store_val stack[POSTING_PARAMS + STACK_ROWS * ROW_PARAMS], *p = stack;
	const char *sql;
	int rc;

	if (n == 0)
		return 1;
	if (n > STORE_LEDGER_POSTING_MAX)
		return err_invalid(e, NULL, "A posting of %zu entries exceeds the store's %d",
				   n, STORE_LEDGER_POSTING_MAX);
	if (!(sql = insert_text(n)))
		return err_internal(e, "out of memory");
	if (n > STACK_ROWS && !(p = calloc(POSTING_PARAMS + n * ROW_PARAMS, sizeof(*p))))
		return err_internal(e, "out of memory");
	p[0] = SV_TEXT(sc->tenant);
	p[1] = SV_INT(sc->livemode);
	p[2] = SV_INT(created);
	p[3] = SV_TEXT(source);
	for (size_t i = 0; i < n; i++) {
		const struct store_ledger_row *r = &rows[i];
		struct store_val *v = &p[POSTING_PARAMS + i * ROW_PARAMS];
		v[0] = SV_TEXT(r->id);
		v[1] = SV_INT((int64_t)i);
		v[2] = SV_TEXT(r->account);
		v[3] = SV_TEXT(r->customer);
		v[4] = SV_TEXT(r->currency);
		v[5] = SV_INT(r->debit);
		v[6] = SV_INT(r->credit);
		v[7] = r->vat_rate < 0 ? SV_NULL : SV_INT(r->vat_rate);
		v[8] = SV_TEXT(r->description);
	}
	rc = store_exec(db, sql, p, POSTING_PARAMS + (int)n * ROW_PARAMS, e);
	if (rc < 0)
		goto done;
	if ((size_t)rc == n)
		rc = 1;
	else if (rc == 0)
		rc = 0;
	else
		rc = err_set(e, RECUR_ECONFLICT, 409, "api_error", "ledger_posting_partial", NULL,
			     "The posting %s exists in part (%d of %zu entries): the ledger "
			     "needs repair", source, rc, n);
done:
	if (p != stack)
		free(p);
	return rc;
}

/* ---- reading entries -------------------------------------------------------- */

#define ENTRY_COLS "seq, id, created, source, line, account, customer, currency, debit," \
		   " credit, vat_rate, description"

/* Appends v to the parameters; returns its number ($n). */
static int param(struct store_val *p, int *np, struct store_val v)
{
	p[*np] = v;
	return ++*np;
}

/* Adds " AND <what> $n" with v as parameter n. */
static int where(struct buf *sql, struct store_val *p, int *np, const char *what,
		 struct store_val v)
{
	return buf_printf(sql, " AND %s $%d", what, param(p, np, v));
}

/* The WHERE clause of q after the scope's; p gets its parameters from $3 on (7 at most). */
static int query_where(struct buf *sql, struct store_val *p, int *np,
		       const struct store_ledger_query *q)
{
	int rc = 0;

	if (q->source)
		rc |= where(sql, p, np, "source =", SV_TEXT(q->source));
	if (q->customer)
		rc |= where(sql, p, np, "customer =", SV_TEXT(q->customer));
	if (q->currency)
		rc |= where(sql, p, np, "currency =", SV_TEXT(q->currency));
	if (q->seq_gt > 0)
		rc |= where(sql, p, np, "seq >", SV_INT(q->seq_gt));
	if (q->seq_lt > 0)
		rc |= where(sql, p, np, "seq <", SV_INT(q->seq_lt));
	if (q->has_created_gte)
		rc |= where(sql, p, np, "created >=", SV_INT(q->created_gte));
	if (q->has_created_lt)
		rc |= where(sql, p, np, "created <", SV_INT(q->created_lt));
	return rc < 0 ? -1 : 0;
}

struct stream_ctx {
	store_ledger_row_fn fn;
	void *ctx;
};

static const char *text_or_null(const struct store_row *row, int col)
{
	return store_row_is_null(row, col) ? NULL : store_row_text(row, col, NULL);
}

static int read_entry(void *ctx, const struct store_row *row)
{
	struct stream_ctx *s = ctx;
	struct store_ledger_row r = {
		.seq = store_row_int(row, 0),
		.id = store_row_text(row, 1, NULL),
		.created = store_row_int(row, 2),
		.source = store_row_text(row, 3, NULL),
		.line = store_row_int(row, 4),
		.account = store_row_text(row, 5, NULL),
		.customer = text_or_null(row, 6),
		.currency = store_row_text(row, 7, NULL),
		.debit = store_row_int(row, 8),
		.credit = store_row_int(row, 9),
		.vat_rate = store_row_is_null(row, 10) ? -1 : store_row_int(row, 10),
		.description = text_or_null(row, 11),
	};
	return s->fn(s->ctx, &r);
}

int store_ledger_stream(struct store *db, const struct store_scope *sc,
			const struct store_ledger_query *q, store_ledger_row_fn fn, void *ctx,
			struct recur_err *e)
{
	static const char *const order[] = {
		[STORE_LEDGER_SEQ_ASC] = " ORDER BY seq ASC",
		[STORE_LEDGER_SEQ_DESC] = " ORDER BY seq DESC",
		[STORE_LEDGER_BY_SOURCE] = " ORDER BY source, line",
	};
	struct store_val p[12] = { SV_TEXT(sc->tenant), SV_INT(sc->livemode) };
	struct stream_ctx s = { fn, ctx };
	struct buf sql;
	int np = 2, rc;

	if ((unsigned)q->order >= sizeof(order) / sizeof(order[0]))
		return err_internal(e, "unknown ledger order %d", (int)q->order);
	buf_init(&sql, 0);
	if (buf_puts(&sql, "SELECT " ENTRY_COLS " FROM ledger_entries"
			   " WHERE tenant_id = $1 AND livemode = $2") < 0 ||
	    query_where(&sql, p, &np, q) < 0 || buf_puts(&sql, order[q->order]) < 0 ||
	    (q->limit > 0 && buf_printf(&sql, " LIMIT $%d", param(p, &np, SV_INT(q->limit))) < 0)) {
		rc = err_internal(e, "out of memory");
		goto done;
	}
	rc = store_query(db, sql.data, p, np, read_entry, &s, e);
done:
	buf_free(&sql);
	return rc;
}

struct sum_ctx {
	store_ledger_sum_fn fn;
	void *ctx;
};

static int read_sum(void *ctx, const struct store_row *row)
{
	struct sum_ctx *s = ctx;
	struct store_ledger_sum sum = {
		.account = store_row_text(row, 0, NULL),
		.currency = store_row_text(row, 1, NULL),
		.debit = store_row_int(row, 2),
		.credit = store_row_int(row, 3),
		.n = store_row_int(row, 4),
	};
	return s->fn(s->ctx, &sum);
}

int store_ledger_aggregate(struct store *db, const struct store_scope *sc,
			   const struct store_ledger_query *q, store_ledger_sum_fn fn, void *ctx,
			   struct recur_err *e)
{
	struct store_val p[12] = { SV_TEXT(sc->tenant), SV_INT(sc->livemode) };
	struct sum_ctx s = { fn, ctx };
	struct buf sql;
	int np = 2, rc;

	buf_init(&sql, 0);
	if (buf_puts(&sql, "SELECT account, currency, SUM(debit), SUM(credit), count(*)"
			   " FROM ledger_entries WHERE tenant_id = $1 AND livemode = $2") < 0 ||
	    query_where(&sql, p, &np, q) < 0 ||
	    buf_puts(&sql, " GROUP BY currency, account ORDER BY currency, account") < 0) {
		rc = err_internal(e, "out of memory");
		goto done;
	}
	rc = store_query(db, sql.data, p, np, read_sum, &s, e);
done:
	buf_free(&sql);
	return rc;
}

int store_ledger_entry_seq(int64_t *out, struct store *db, const struct store_scope *sc,
			   const char *id, const char *customer, struct recur_err *e)
{
	struct store_val p[] = { SV_TEXT(sc->tenant), SV_INT(sc->livemode), SV_TEXT(customer),
				 SV_TEXT(id) };
	bool found = false;
	int rc = store_query_int(out, &found, db, "SELECT seq FROM ledger_entries WHERE"
				 " tenant_id = $1 AND livemode = $2 AND customer = $3 AND id = $4",
				 p, 4, e);
	return rc < 0 ? rc : found;
}

/* ---- what the ledger checks against ---------------------------------------- */

struct open_ctx {
	store_open_invoice_fn fn;
	void *ctx;
};

/* status_transitions.finalized_at, or 0: the column is JSON text the store wrote. */
static int64_t finalized_at(const char *transitions)
{
	json_t *t, *v;
	int64_t at = 0;

	if (!transitions || !(t = json_loads(transitions, JSON_DECODE_ANY, NULL)))
		return 0;
	v = json_object_get(t, "finalized_at");
	if (json_is_integer(v))
		at = json_integer_value(v);
	json_decref(t);
	return at;
}

static int read_open(void *ctx, const struct store_row *row)
{
	struct open_ctx *o = ctx;
	struct store_open_invoice inv = {
		.id = store_row_text(row, 0, NULL),
		.customer = store_row_text(row, 1, NULL),
		.currency = store_row_text(row, 2, NULL),
		.amount_remaining = store_row_int(row, 3),
		.has_due_date = !store_row_is_null(row, 4),
		.due_date = store_row_int(row, 4),
	};
	/* Parsed only when it is needed: most invoices the report reads have a due date. */
	if (!inv.has_due_date)
		inv.finalized_at = finalized_at(text_or_null(row, 5));
	return o->fn(o->ctx, &inv);
}

int store_open_invoices(struct store *db, const struct store_scope *sc, const char *customer,
			const char *after, store_open_invoice_fn fn, void *ctx,
			struct recur_err *e)
{
	struct store_val p[4] = { SV_TEXT(sc->tenant), SV_INT(sc->livemode) };
	struct open_ctx o = { fn, ctx };
	struct buf sql;
	int np = 2, rc;

	buf_init(&sql, 0);
	/* Drafts can be deleted; an open invoice never is, but say so anyway. */
	if (buf_puts(&sql, "SELECT id, customer, currency, amount_remaining, due_date,"
			   " status_transitions FROM invoices WHERE tenant_id = $1"
			   " AND livemode = $2 AND status = 'open' AND amount_remaining > 0"
			   " AND deleted = 0") < 0 ||
	    (customer && where(&sql, p, &np, "customer =", SV_TEXT(customer)) < 0) ||
	    (after && where(&sql, p, &np, "customer >", SV_TEXT(after)) < 0) ||
	    buf_puts(&sql, " ORDER BY customer, currency, id") < 0) {
		rc = err_internal(e, "out of memory");
		goto done;
	}
	rc = store_query(db, sql.data, p, np, read_open, &o, e);
done:
	buf_free(&sql);
	return rc;
}

struct customers_ctx {
	struct store_ledger_customer *out;
	size_t cap, n;
};

static int read_customer(void *ctx, const struct store_row *row)
{
	struct customers_ctx *c = ctx;
	struct store_ledger_customer *x;

	if (c->n == c->cap)
		return 1;
	x = &c->out[c->n++];
	x->seq = store_row_int(row, 0);
	snprintf(x->id, sizeof(x->id), "%s", store_row_text(row, 1, NULL));
	snprintf(x->currency, sizeof(x->currency), "%s",
		 store_row_is_null(row, 2) ? "" : store_row_text(row, 2, NULL));
	x->balance = store_row_int(row, 3);
	return 0;
}

int store_ledger_customers_page(struct store_ledger_customer *out, size_t cap, size_t *n,
				struct store *db, const struct store_scope *sc, int64_t after_seq,
				struct recur_err *e)
{
	struct customers_ctx c = { out, cap, 0 };
	struct store_val p[] = { SV_TEXT(sc->tenant), SV_INT(sc->livemode), SV_INT(after_seq),
				 SV_INT((int64_t)cap) };
	int rc = store_query(db, "SELECT seq, id, currency, balance FROM customers"
			     " WHERE tenant_id = $1 AND livemode = $2 AND seq > $3"
			     " ORDER BY seq LIMIT $4", p, 4, read_customer, &c, e);
	*n = c.n;
	return rc < 0 ? rc : 0;
}

struct owed_ctx {
	store_owed_fn fn;
	void *ctx;
};

static int read_owed(void *ctx, const struct store_row *row)
{
	struct owed_ctx *o = ctx;
	return o->fn(o->ctx, store_row_text(row, 0, NULL), store_row_int(row, 1));
}

int store_ledger_customer_owed(struct store *db, const struct store_scope *sc,
			       const char *customer, store_owed_fn fn, void *ctx,
			       struct recur_err *e)
{
	struct store_val p[] = { SV_TEXT(sc->tenant), SV_INT(sc->livemode), SV_TEXT(customer) };
	struct owed_ctx o = { fn, ctx };
	return store_query(db, "SELECT currency, SUM(amount_remaining) FROM invoices"
			   " WHERE tenant_id = $1 AND livemode = $2 AND customer = $3"
			   " AND status = 'open' AND deleted = 0 GROUP BY currency ORDER BY currency",
			   p, 3, read_owed, &o, e);
}

struct id_ctx {
	store_id_fn fn;
	void *ctx;
};

static int read_id(void *ctx, const struct store_row *row)
{
	struct id_ctx *c = ctx;
	return c->fn(c->ctx, store_row_text(row, 0, NULL));
}

int store_ledger_unknown_customers(struct store *db, const struct store_scope *sc,
				   store_id_fn fn, void *ctx, struct recur_err *e)
{
	struct store_val p[] = { SV_TEXT(sc->tenant), SV_INT(sc->livemode) };
	struct id_ctx c = { fn, ctx };
	return store_query(db, "SELECT DISTINCT le.customer FROM ledger_entries le"
			   " WHERE le.tenant_id = $1 AND le.livemode = $2 AND le.customer IS NOT NULL"
			   " AND NOT EXISTS (SELECT 1 FROM customers c WHERE c.tenant_id = $1"
			   " AND c.livemode = $2 AND c.id = le.customer) ORDER BY le.customer",
			   p, 2, read_id, &c, e);
}

int store_ledger_credit_note_mismatches(struct store *db, const struct store_scope *sc,
					store_id_fn fn, void *ctx, struct recur_err *e)
{
	struct store_val p[] = { SV_TEXT(sc->tenant), SV_INT(sc->livemode) };
	struct id_ctx c = { fn, ctx };
	int rc = store_query(db, "SELECT i.id FROM invoices i WHERE i.tenant_id = $1"
			     " AND i.livemode = $2 AND (i.id IN (SELECT invoice FROM credit_notes"
			     " WHERE tenant_id = $1 AND livemode = $2)"
			     " OR COALESCE(i.pre_payment_credit_notes_amount, 0) <> 0"
			     " OR COALESCE(i.post_payment_credit_notes_amount, 0) <> 0)"
			     " AND (COALESCE(i.pre_payment_credit_notes_amount, 0) <>"
			     " (SELECT COALESCE(SUM(cn.pre_payment_amount), 0) FROM credit_notes cn"
			     " WHERE cn.tenant_id = $1 AND cn.livemode = $2 AND cn.invoice = i.id"
			     " AND cn.status = 'issued')"
			     " OR COALESCE(i.post_payment_credit_notes_amount, 0) <>"
			     " (SELECT COALESCE(SUM(cn.post_payment_amount), 0) FROM credit_notes cn"
			     " WHERE cn.tenant_id = $1 AND cn.livemode = $2 AND cn.invoice = i.id"
			     " AND cn.status = 'issued')) ORDER BY i.id", p, 2, read_id, &c, e);
	if (rc < 0)
		return rc;
	return store_query(db, "SELECT cn.id FROM credit_notes cn WHERE cn.tenant_id = $1"
			   " AND cn.livemode = $2 AND (NOT EXISTS (SELECT 1 FROM ledger_entries le"
			   " WHERE le.tenant_id = $1 AND le.livemode = $2"
			   " AND le.source = 'credit_note:' || cn.id || ':issued')"
			   " OR (cn.status = 'void' AND NOT EXISTS (SELECT 1 FROM ledger_entries le"
			   " WHERE le.tenant_id = $1 AND le.livemode = $2"
			   " AND le.source = 'credit_note:' || cn.id || ':voided')))"
			   " ORDER BY cn.id", p, 2, read_id, &c, e);
}

int store_ledger_tenants(struct store *db, const char *tenant, store_id_fn fn, void *ctx,
			 struct recur_err *e)
{
	struct store_val p[] = { SV_TEXT(tenant) };
	struct id_ctx c = { fn, ctx };
	if (tenant)
		return store_query(db, "SELECT id FROM tenants WHERE id = $1", p, 1, read_id, &c, e);
	return store_query(db, "SELECT id FROM tenants ORDER BY id", NULL, 0, read_id, &c, e);
}

/* Identifiers written in code, checked anyway: they go into SQL text. */
static bool identifier(const char *s)
{
	if (!s || !*s || strlen(s) > 63)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || *s == '_' || (*s >= '0' && *s <= '9')))
			return false;
	return true;
}

int store_ledger_has(struct store *db, const char *table, const char *column,
		     struct recur_err *e)
{
	char sql[192];
	int rc;

	if (!identifier(table) || (column && !identifier(column)))
		return err_internal(e, "bad identifier for store_ledger_has");
	snprintf(sql, sizeof(sql), "SELECT %s FROM %s WHERE 1 = 0", column ? column : "1", table);
	rc = store_query(db, sql, NULL, 0, NULL, NULL, e);
	/* A missing table or column fails to prepare (an internal error); a busy
	 * database or anything else is a real error and goes back up. */
	if (rc == RECUR_EINTERNAL)
		return 0;
	return rc < 0 ? rc : 1;
}

int store_ledger_paid_without_payment(struct store *db, const struct store_scope *sc,
				      bool with_out_of_band, bool with_bank, store_id_fn fn,
				      void *ctx, struct recur_err *e)
{
	struct store_val p[] = { SV_TEXT(sc->tenant), SV_INT(sc->livemode) };
	struct id_ctx c = { fn, ctx };
	const char *sql = with_bank ?
		"SELECT i.id FROM invoices i WHERE i.tenant_id = $1 AND i.livemode = $2"
		" AND i.status = 'paid' AND i.amount_paid > 0 AND COALESCE(i.paid_out_of_band, 0) = 0"
		" AND NOT EXISTS (SELECT 1 FROM payment_intents pi WHERE pi.tenant_id = $1"
		" AND pi.livemode = $2 AND pi.invoice = i.id AND pi.status = 'succeeded')"
		" AND NOT EXISTS (SELECT 1 FROM bank_transactions b WHERE b.tenant_id = $1"
		" AND b.livemode = $2 AND b.invoice = i.id AND b.applied > 0)"
		" ORDER BY i.id" : with_out_of_band ?
		"SELECT i.id FROM invoices i WHERE i.tenant_id = $1 AND i.livemode = $2"
		" AND i.status = 'paid' AND i.amount_paid > 0 AND COALESCE(i.paid_out_of_band, 0) = 0"
		" AND NOT EXISTS (SELECT 1 FROM payment_intents pi WHERE pi.tenant_id = $1"
		" AND pi.livemode = $2 AND pi.invoice = i.id AND pi.status = 'succeeded')"
		" ORDER BY i.id" :
		"SELECT i.id FROM invoices i WHERE i.tenant_id = $1 AND i.livemode = $2"
		" AND i.status = 'paid' AND i.amount_paid > 0"
		" AND NOT EXISTS (SELECT 1 FROM payment_intents pi WHERE pi.tenant_id = $1"
		" AND pi.livemode = $2 AND pi.invoice = i.id AND pi.status = 'succeeded')"
		" ORDER BY i.id";
	return store_query(db, sql, p, 2, read_id, &c, e);
}

struct double_ctx {
	store_double_charge_fn fn;
	void *ctx;
};

static int read_double(void *ctx, const struct store_row *row)
{
	struct double_ctx *d = ctx;
	return d->fn(d->ctx, store_row_text(row, 0, NULL),
		     store_row_is_null(row, 1) ? 0 : store_row_int(row, 1), store_row_int(row, 2));
}

int store_ledger_double_charges(struct store *db, const struct store_scope *sc,
				store_double_charge_fn fn, void *ctx, struct recur_err *e)
{
	struct store_val p[] = { SV_TEXT(sc->tenant), SV_INT(sc->livemode) };
	struct double_ctx d = { fn, ctx };
	return store_query(db, "SELECT pi.invoice, pi.attempt, count(*) FROM charges c"
			   " JOIN payment_intents pi ON pi.tenant_id = c.tenant_id"
			   " AND pi.livemode = c.livemode AND pi.id = c.payment_intent"
			   " WHERE c.tenant_id = $1 AND c.livemode = $2 AND c.status = 'succeeded'"
			   " AND pi.invoice IS NOT NULL GROUP BY pi.invoice, pi.attempt"
			   " HAVING count(*) > 1 ORDER BY pi.invoice, pi.attempt",
			   p, 2, read_double, &d, e);
}

int store_ledger_count_paid_invoices(int64_t *out, struct store *db,
				     const struct store_scope *sc, struct recur_err *e)
{
	struct store_val p[] = { SV_TEXT(sc->tenant), SV_INT(sc->livemode) };
	return store_query_int(out, NULL, db, "SELECT count(*) FROM invoices WHERE tenant_id = $1"
			       " AND livemode = $2 AND status = 'paid' AND amount_paid > 0", p, 2, e);
}
