/*
 * billing_run.c - the billing run: N active monthly subscriptions renewed by the
 * real renewal path, measured against the storage floor in the same run.
 *
 *   bench_billing_run [-n N] [-d DIR] [-k] [-F]
 *
 *   -n N    subscriptions (default 1000000)
 *   -d DIR  where the temporary databases go (default $TMPDIR or /tmp)
 *   -k      keep the databases
 *   -F      skip the storage floor
 *
 * 1. Setup (not measured). One tenant, a product, a monthly and a yearly
 *    price, a coupon (10 % off, forever) and a tax rate (25 %, exclusive) are
 *    made through the real services, then one template subscription per
 *    combination of traits in the mix (slot_kind: 25 % yearly, 20 % with the
 *    coupon, 30 % with the tax rate, 5 % with a card that fails): a customer
 *    with pm_card_visa attached as its default (pm_card_chargeCustomerFail
 *    replaces it on the failing ones after they subscribed), subscribed and
 *    charged for its first period. Each template's rows (customer, payment
 *    methods, subscription, item, discount, first invoice, its line, payment
 *    intent, charge, the gateway's record, ledger entries) are cloned with
 *    fresh ids by plain prepared INSERTs in a child process, subscription i
 *    from the template of slot i % 100, so the database looks as if N
 *    customers had each subscribed once, and generation neither takes long
 *    nor counts towards the peak RSS.
 * 2. The billing run (measured): svc_subscription_run_due_wall, as the
 *    scheduler calls it, with now = T1, until nothing is due: every renewal
 *    is invoiced, finalized and charged through the sandbox gateway, with its
 *    ledger postings. Then the result is checked (verify): N cycle invoices
 *    with the mix's totals, the good cards' invoices paid and charged once,
 *    the failing ones open with a retry on day 3 and their subscriptions
 *    past_due, every subscription one period on, gapless numbers, and the
 *    books clean by svc_ledger_verify (what recur verify runs).
 * 3. The storage floor (measured, in a child process): a copy of the database
 *    as it was before the run receives the same rows the run wrote: each
 *    template's own renewal rows (the invoice, its line, payment intent,
 *    charge, gateway record, ledger entries, events), as the run left them,
 *    written for the i-th renewal from the template of slot i % 100, plus the
 *    subscription's new period and the number counter, through raw sqlite3
 *    prepared statements in transactions of SVC_RENEWAL_BATCH renewals, with
 *    the store's pragmas. The rows are checked to add up to the run's own row
 *    deltas, table by table. The floor writes each row once in its final
 *    state (the run inserts an invoice and a payment intent, then updates
 *    them). The ratio run/floor says how much of the cost is recur rather
 *    than SQLite.
 *
 * Peak RSS is getrusage(RUSAGE_SELF).ru_maxrss of the process that ran the
 * renewals (generation and floor run in children, which it does not count).
 *
 * BENCH_FLOOR_PRAGMAS="PRAGMA ..." replaces the floor's pragmas (experiments).
 *
 * Profiling only the billing run: BENCH_PERF_CTL=FIFO makes the run write
 * "enable" before and "disable" after it to perf's control fifo, e.g.
 *   mkfifo ctl; perf record -D -1 --control fifo:ctl -g ... bench_billing_run
 */
#include "clone.h"
#include "core/ids.h"
#include "service/coupon.h"
#include "service/customer.h"
#include "service/ledger.h"
#include "service/payment_method.h"
#include "service/price.h"
#include "service/product.h"
#include "service/subscription.h"
#include "service/tax_rate.h"
#include "service/subscription_settings.h"
#include "service/tenant.h"
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define T0 1768435200LL          /* 2026-01-15T00:00:00Z: no month-end clamping */
#define T1 (T0 + 31 * 86400LL)   /* 2026-02-15: the first period's end */
#define T2 (T1 + 28 * 86400LL)   /* 2026-03-15: the renewed period's end */
#define UNIT_AMOUNT 1500
#define GEN_TX 20000             /* clones per generation transaction */

/*
 * The floor's pragmas: those src/store/sqlite.c sets on every connection, and
 * the page cache it gives a connection doing bulk work (BULK_CACHE_KIB), which
 * the billing run's connection has after its first batch.
 */
#define STORE_PRAGMAS "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;" \
		      " PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;" \
		      " PRAGMA cache_size=-65536;"

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("bench_billing_run: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double cpu_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static long maxrss_kib(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* Tells a perf started with --control fifo:FIFO -D -1 to start or stop sampling. */
static void perf_ctl(const char *cmd)
{
	const char *fifo = getenv("BENCH_PERF_CTL");
	if (!fifo || !*fifo)
		return;
	int fd = open(fifo, O_WRONLY);
	if (fd < 0)
		die("BENCH_PERF_CTL %s: %s", fifo, strerror(errno));
	if (write(fd, cmd, strlen(cmd)) < 0)
		die("BENCH_PERF_CTL %s: %s", fifo, strerror(errno));
	close(fd);
}

/*
 * Bytes this process has passed to write(2)/pwrite(2) so far (wchar in
 * /proc/self/io; 0 where there is none): SQLite's WAL frames and checkpoints.
 */
static int64_t written_bytes(void)
{
	FILE *f = fopen("/proc/self/io", "r");
	char line[128];
	long long v = 0;
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "wchar: %lld", &v) == 1)
			break;
	fclose(f);
	return v;
}

/* ---- 1. setup ------------------------------------------------------------ */

/*
 * The mix (issue 4): of every 100 subscriptions, 25 are yearly, 20 have a
 * coupon, 30 a tax rate and 5 a card that fails at renewal; the others are
 * monthly, without coupon or tax, with a card that pays. slot_kind spreads
 * the traits over the slots 0..99 so that they combine (a yearly one with a
 * coupon, a failing one with tax, ...); subscription i of the run has the
 * traits of slot i % 100, and each distinct combination is one template
 * made through the real services.
 */
enum { K_YEARLY = 1, K_COUPON = 2, K_TAX = 4, K_FAIL = 8, MAX_KINDS = 16, SLOTS = 100 };

static int slot_kind(long i)
{
	int s = (int)(i % SLOTS), k = 0;
	if (s % 4 == 3)
		k |= K_YEARLY; /* 25 slots */
	if ((s / 4) % 5 == 1)
		k |= K_COUPON; /* 20: 4-7, 24-27, 44-47, 64-67, 84-87 */
	if (s % 10 == 0 || s % 10 == 3 || s % 10 == 7)
		k |= K_TAX;    /* 30 */
	if (s % 21 == 6)
		k |= K_FAIL;   /* 5: 6, 27, 48, 69, 90 */
	return k;
}

/*
 * What a subscription of kind k is billed per period (minor units): 20.00 a
 * month or 200.00 a year, 10 % off with the coupon, 25 % VAT on top of the
 * discounted amount with the tax rate. The amounts are chosen so that no
 * step rounds (2000 * 0.9 * 1.25 = 2250 exactly).
 */
#define MONTHLY_AMOUNT 2000
#define YEARLY_AMOUNT 20000

static int64_t kind_total(int k)
{
	int64_t amount = k & K_YEARLY ? YEARLY_AMOUNT : MONTHLY_AMOUNT;
	if (k & K_COUPON)
		amount = amount * 9 / 10; /* exact: amounts are multiples of 10 */
	if (k & K_TAX)
		amount = amount * 5 / 4;  /* exact: amounts are multiples of 4 */
	return amount;
}

struct tmpl {
	int kind;
	char customer[IDS_MAX];
	char subscription[IDS_MAX];
};

struct setup {
	char tenant[IDS_MAX];
	struct tmpl t[MAX_KINDS];
	int nt;
	int of_kind[MAX_KINDS]; /* kind -> template index, -1: none */
};

/*
 * The templates, made as a client would make them: a customer with a card,
 * subscribed (and charged for the first period) on the day that makes its
 * first period end at T1: monthly ones on T0, yearly ones a year before T1.
 * A failing template's customer then replaces the card with one that
 * attaches but declines every charge, as a card that stops working does.
 */
static void setup_templates(struct setup *out, const char *url, long n)
{
	struct store *db = NULL;
	struct recur_err e;
	json_t *t = NULL;
	const int64_t y0 = T1 - 365 * 86400LL; /* 2025-02-15: no leap day in between */
	err_clear(&e);
	if (store_open(&db, url, &e) < 0 || store_migrate(db, &e) < 0)
		die("cannot create the database: %s", e.message);
	if (svc_tenant_create(&t, db, "Billing run", y0, &e) < 0)
		die("tenant: %s", e.message);
	clone_copy_id(out->tenant, t);
	struct svc s = { .db = db, .scope = { .tenant = out->tenant, .livemode = 0 }, .now = y0 };
	/*
	 * BENCH_UPCOMING_DAYS: the tenant's invoice_upcoming_days (0 turns
	 * invoice.upcoming off; unset keeps the default, 7), so the notice's cost
	 * can be measured: with it on, each subscription's run is two steps.
	 */
	const char *upcoming = getenv("BENCH_UPCOMING_DAYS");
	if (upcoming && *upcoming)
		json_decref(clone_call(svc_subscription_settings_update, &s,
				       json_pack("{s:s}", "invoice_upcoming_days", upcoming),
				       "subscription settings"));
	char product[IDS_MAX], monthly[IDS_MAX], yearly[IDS_MAX], coupon[IDS_MAX], tax[IDS_MAX];
	clone_copy_id(product, clone_call(svc_product_create, &s, json_pack("{s:s}", "name", "Bench plan"),
			      "product"));
	clone_copy_id(monthly, clone_call(svc_price_create, &s,
			      json_pack("{s:s, s:s, s:i, s:{s:s}}", "product", product, "currency",
					"usd", "unit_amount", MONTHLY_AMOUNT, "recurring", "interval",
					"month"), "monthly price"));
	clone_copy_id(yearly, clone_call(svc_price_create, &s,
			     json_pack("{s:s, s:s, s:i, s:{s:s}}", "product", product, "currency",
				       "usd", "unit_amount", YEARLY_AMOUNT, "recurring", "interval",
				       "year"), "yearly price"));
	clone_copy_id(coupon, clone_call(svc_coupon_create, &s,
			     json_pack("{s:s, s:s}", "percent_off", "10", "duration", "forever"),
			     "coupon"));
	clone_copy_id(tax, clone_call(svc_tax_rate_create, &s,
			  json_pack("{s:s, s:s, s:s}", "display_name", "VAT", "percentage", "25",
				    "inclusive", "false"), "tax rate"));
	for (int k = 0; k < MAX_KINDS; k++)
		out->of_kind[k] = -1;
	for (long i = 0; i < n && i < SLOTS; i++) {
		int k = slot_kind(i);
		if (out->of_kind[k] >= 0)
			continue;
		struct tmpl *tp = &out->t[out->nt];
		out->of_kind[k] = out->nt++;
		tp->kind = k;
		s.now = k & K_YEARLY ? y0 : T0;
		clone_copy_id(tp->customer, clone_call(svc_customer_create, &s,
					   json_pack("{s:s, s:s}", "email", "bench@example.com",
						     "name", "Bench Customer"), "customer"));
		clone_give_card(&s, tp->customer, "pm_card_visa");
		json_t *p = json_pack("{s:s, s:[{s:s}]}", "customer", tp->customer, "items",
				      "price", k & K_YEARLY ? yearly : monthly);
		if (k & K_COUPON)
			json_object_set_new(p, "coupon", json_string(coupon));
		if (k & K_TAX)
			json_object_set_new(p, "default_tax_rates", json_pack("[s]", tax));
		json_t *sub = clone_call(svc_subscription_create, &s, p, "subscription");
		if (strcmp(json_string_value(json_object_get(sub, "status")), "active") != 0)
			die("the template subscription is %s, not active",
			    json_string_value(json_object_get(sub, "status")));
		/* the period lives on the items (API 2025-03-31) */
		json_t *item = json_array_get(json_object_get(json_object_get(sub, "items"), "data"), 0);
		if (json_integer_value(json_object_get(item, "current_period_end")) != T1)
			die("the template's first period does not end on T1 (kind %d)", k);
		clone_copy_id(tp->subscription, sub);
		if (k & K_FAIL)
			clone_give_card(&s, tp->customer, "pm_card_chargeCustomerFail");
	}
	store_close(db);
}

/* ---- the clones (bench/clone.h: the row cloner the crash test shares) ---- */

/* Which template subscription i of the run is made from. */
static int tmpl_of(const struct setup *st, long i)
{
	return st->of_kind[slot_kind(i)];
}

static void generate(const char *path, const struct setup *st, long n)
{
	/* Not measured, and in a child: no durability, and a cache that holds the indexes. */
	sqlite3 *db = clone_open(path, "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;"
				     " PRAGMA cache_size=-1048576;");
	static struct clone_set t[MAX_KINDS];
	static char tables[64][64];
	int ntab = 0;
	int64_t from[64], to[64];
	/* Events are not cloned: they only append, and N copies would double the setup. */
	char all[64][64];
	int nall = clone_data_tables(all, 64, db);
	for (int i = 0; i < nall; i++)
		if (strcmp(all[i], "events") != 0) {
			snprintf(tables[ntab], 64, "%s", all[i]);
			from[ntab] = 0;
			to[ntab++] = INT64_MAX;
		}
	bool first[MAX_KINDS] = { false };
	for (int j = 0; j < st->nt; j++) {
		clone_owned_rows(&t[j], db, st->t[j].customer, st->t[j].subscription, tables, ntab, from,
			   to);
		clone_set_prepare(&t[j], db);
	}
	static char buf[CLONE_MAX_IDS + 1][IDS_MAX + 32];
	const char *ids[CLONE_MAX_IDS + 1];
	for (int i = 0; i <= CLONE_MAX_IDS; i++)
		ids[i] = buf[i];
	clone_exec(db, "BEGIN");
	long number = st->nt; /* the templates' first invoices took RCR-0001 ... */
	for (long i = 0; i < n; i++) {
		int j = tmpl_of(st, i);
		if (!first[j]) {
			first[j] = true; /* the template itself */
			continue;
		}
		struct clone_set *tj = &t[j];
		snprintf(buf[tj->nold], sizeof(buf[tj->nold]), "RCR-%04ld", ++number);
		clone_set_fresh(tj, buf);
		clone_set_write(tj, db, ids);
		if (i % GEN_TX == 0) {
			clone_exec(db, "COMMIT");
			clone_exec(db, "BEGIN");
		}
	}
	char sql[256];
	snprintf(sql, sizeof(sql), "UPDATE invoice_number_sequences SET next_number = %ld",
		 number + 1);
	clone_exec(db, sql);
	clone_exec(db, "COMMIT");
	for (int j = 0; j < st->nt; j++)
		clone_set_free(&t[j]);
	clone_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
	sqlite3_close(db);
}

/* ---- helpers for children and files -------------------------------------- */

/* Runs fn in a child process; its result comes back through a pipe. */
static void in_child(void (*fn)(void *ctx, void *result), void *ctx, void *result, size_t size)
{
	int fds[2];
	if (pipe(fds) < 0)
		die("pipe: %s", strerror(errno));
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		close(fds[0]);
		fn(ctx, result);
		const char *p = result;
		size_t left = size;
		while (left) {
			ssize_t w = write(fds[1], p, left);
			if (w <= 0)
				_exit(1);
			p += w;
			left -= (size_t)w;
		}
		_exit(0);
	}
	close(fds[1]);
	char *p = result;
	size_t left = size;
	while (left) {
		ssize_t r = read(fds[0], p, left);
		if (r <= 0)
			break;
		p += r;
		left -= (size_t)r;
	}
	close(fds[0]);
	int status = 0;
	waitpid(pid, &status, 0);
	if (left || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		die("a child process failed");
}

static void copy_file(const char *from, const char *to)
{
	int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	static char block[1 << 20];
	if (in < 0 || out < 0)
		die("copy %s -> %s: %s", from, to, strerror(errno));
	for (;;) {
		ssize_t r = read(in, block, sizeof(block));
		if (r < 0)
			die("read %s: %s", from, strerror(errno));
		if (r == 0)
			break;
		if (write(out, block, (size_t)r) != r)
			die("write %s: %s", to, strerror(errno));
	}
	fsync(out);
	close(in);
	close(out);
}

static void remove_db(const char *path)
{
	char side[1100];
	unlink(path);
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
}

/* ---- counting rows ------------------------------------------------------- */

#define MAX_TABLES 64

struct counts {
	int n;
	char table[MAX_TABLES][48];
	int64_t rows[MAX_TABLES];
	int64_t max_rowid[MAX_TABLES];
};

static void count_rows(struct counts *c, const char *path)
{
	sqlite3 *db = clone_open(path, "PRAGMA query_only=1;");
	sqlite3_stmt *st = clone_prepare(db, "SELECT name FROM sqlite_master WHERE type = 'table'"
					   " AND name NOT LIKE 'sqlite_%' ORDER BY name");
	memset(c, 0, sizeof(*c));
	while (sqlite3_step(st) == SQLITE_ROW && c->n < MAX_TABLES) {
		char sql[160];
		snprintf(c->table[c->n], sizeof(c->table[c->n]), "%s", sqlite3_column_text(st, 0));
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM \"%s\"", c->table[c->n]);
		c->rows[c->n] = clone_int(db, sql);
		/* tables without a rowid have no max; the floor copies only object tables */
		snprintf(sql, sizeof(sql), "SELECT coalesce(max(rowid), 0) FROM \"%s\"",
			 c->table[c->n]);
		sqlite3_stmt *q = NULL;
		if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK &&
		    sqlite3_step(q) == SQLITE_ROW)
			c->max_rowid[c->n] = sqlite3_column_int64(q, 0);
		sqlite3_finalize(q);
		c->n++;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
}

/* ---- 3. the storage floor -------------------------------------------------- */

struct floor_ctx {
	const char *run_path;   /* the renewed database: where the rows are copied from */
	const char *floor_path; /* the copy of the database before the run */
	const struct setup *setup;
	const struct counts *before, *after;
	long n;
};

struct floor_result {
	double wall, cpu;
	int64_t renewals;
	int64_t rows;
	int64_t written;
	long maxrss;
};

static int64_t counts_of(const struct counts *c, const char *table, bool max_rowid)
{
	for (int i = 0; i < c->n; i++)
		if (strcmp(c->table[i], table) == 0)
			return max_rowid ? c->max_rowid[i] : c->rows[i];
	return 0;
}

/* One template's renewal as the floor writes it. */
struct floor_tmpl {
	struct clone_set t;
	int sub_at, cus_at, inv_at;   /* where they are among t.old */
	int64_t period_start, period_end;
	char status[32];
};

/*
 * The rows each template's own renewal wrote: the templates are the oldest
 * rows due at T1, so the run renewed them first, and their rows are among
 * the first after the run began. Checked: the rows of all templates, each
 * counted as often as the run has subscriptions of its kind, must add up to
 * the run's row delta in every table.
 */
static void floor_templates(struct floor_tmpl *ft, const struct floor_ctx *f, sqlite3 *src)
{
	const struct setup *st = f->setup;
	char tables[64][64];
	int nt = clone_data_tables(tables, 64, src);
	int64_t from[64], to[64];
	for (int i = 0; i < nt; i++) {
		from[i] = counts_of(f->before, tables[i], true);
		to[i] = from[i] + 64 * st->nt;
	}
	long per[MAX_KINDS] = { 0 };
	for (long i = 0; i < f->n; i++)
		per[tmpl_of(st, i)]++;
	for (int j = 0; j < st->nt; j++) {
		struct floor_tmpl *x = &ft[j];
		clone_owned_rows(&x->t, src, st->t[j].customer, st->t[j].subscription, tables, nt, from,
			   to);
		const char *inv = NULL;
		for (int r = 0; r < x->t.n; r++)
			if (strcmp(x->t.rows[r].table, "invoices") == 0)
				inv = clone_row_text(&x->t.rows[r], "id");
		if (!inv)
			die("the floor found no renewal invoice of template %d", j);
		x->cus_at = clone_set_old(&x->t, st->t[j].customer);
		x->sub_at = clone_set_old(&x->t, st->t[j].subscription);
		x->inv_at = clone_set_old(&x->t, inv);
		sqlite3_stmt *q = clone_prepare(src, "SELECT current_period_start, current_period_end,"
					      " status FROM subscriptions WHERE id = ?1");
		sqlite3_bind_text(q, 1, st->t[j].subscription, -1, SQLITE_STATIC);
		if (sqlite3_step(q) != SQLITE_ROW)
			die("no template subscription %s", st->t[j].subscription);
		x->period_start = sqlite3_column_int64(q, 0);
		x->period_end = sqlite3_column_int64(q, 1);
		snprintf(x->status, sizeof(x->status), "%s", sqlite3_column_text(q, 2));
		sqlite3_finalize(q);
	}
	for (int i = 0; i < nt; i++) {
		int64_t want = counts_of(f->after, tables[i], false) -
			       counts_of(f->before, tables[i], false), got = 0;
		for (int j = 0; j < st->nt; j++)
			for (int r = 0; r < ft[j].t.n; r++)
				if (strcmp(ft[j].t.rows[r].table, tables[i]) == 0)
					got += per[j];
		if (got != want)
			die("the floor's rows for %s add up to %lld, the run wrote %lld", tables[i],
			    (long long)got, (long long)want);
	}
}

static void floor_run(void *vctx, void *vres)
{
	const struct floor_ctx *f = vctx;
	struct floor_result *r = vres;
	const struct setup *st = f->setup;
	static struct floor_tmpl ft[MAX_KINDS];
	memset(r, 0, sizeof(*r));
	sqlite3 *src = clone_open(f->run_path, "PRAGMA query_only=1;");
	floor_templates(ft, f, src);
	sqlite3_close(src);

	const char *pragmas = getenv("BENCH_FLOOR_PRAGMAS");
	sqlite3 *db = clone_open(f->floor_path, pragmas && *pragmas ? pragmas : STORE_PRAGMAS);
	for (int j = 0; j < st->nt; j++)
		clone_set_prepare(&ft[j].t, db);
	char sql[512];
	snprintf(sql, sizeof(sql), "SELECT id, customer FROM subscriptions WHERE test_clock IS NULL"
		 " AND due_at IS NOT NULL AND due_at <= ?1 ORDER BY due_at LIMIT %d",
		 SVC_RENEWAL_BATCH);
	sqlite3_stmt *due = clone_prepare(db, sql);
	sqlite3_stmt *upd = clone_prepare(db, "UPDATE subscriptions SET latest_invoice = ?4,"
					" current_period_start = ?5, current_period_end = ?6,"
					" periods_billed = periods_billed + 1, due_at = ?6,"
					" status = ?7 WHERE tenant_id = ?1 AND livemode = ?2"
					" AND id = ?3");
	sqlite3_stmt *num = clone_prepare(db, "INSERT INTO invoice_number_sequences (tenant_id,"
					" livemode, prefix, next_number) VALUES (?1, 0, 'RCR', 2)"
					" ON CONFLICT (tenant_id, livemode, prefix) DO UPDATE SET"
					" next_number = invoice_number_sequences.next_number + 1"
					" RETURNING next_number - 1");
	sqlite3_stmt *begin = clone_prepare(db, "BEGIN IMMEDIATE");
	sqlite3_stmt *commit = clone_prepare(db, "COMMIT");
	static char buf[CLONE_MAX_IDS + 1][IDS_MAX + 32];
	const char *ids[CLONE_MAX_IDS + 1];
	for (int i = 0; i <= CLONE_MAX_IDS; i++)
		ids[i] = buf[i];
	struct { char sub[IDS_MAX], cus[IDS_MAX]; } *batch = malloc(sizeof(*batch) * SVC_RENEWAL_BATCH);

	/*
	 * The i-th renewal writes the rows of template tmpl_of(i): the same rows,
	 * table by table, as the run wrote for its N subscriptions in all.
	 */
	double w0 = now_s(), c0 = cpu_s();
	int64_t b0 = written_bytes();
	for (;;) {
		int nb = 0;
		sqlite3_bind_int64(due, 1, T1);
		while (sqlite3_step(due) == SQLITE_ROW) {
			snprintf(batch[nb].sub, IDS_MAX, "%s", sqlite3_column_text(due, 0));
			snprintf(batch[nb].cus, IDS_MAX, "%s", sqlite3_column_text(due, 1));
			nb++;
		}
		sqlite3_reset(due);
		if (nb == 0)
			break;
		clone_step_done(db, begin);
		for (int k = 0; k < nb; k++) {
			struct floor_tmpl *x = &ft[tmpl_of(st, r->renewals)];
			struct clone_set *t = &x->t;
			sqlite3_bind_text(num, 1, st->tenant, -1, SQLITE_STATIC);
			if (sqlite3_step(num) != SQLITE_ROW)
				die("number: %s", sqlite3_errmsg(db));
			snprintf(buf[t->nold], sizeof(buf[t->nold]), "RCR-%04lld",
				 (long long)sqlite3_column_int64(num, 0));
			sqlite3_reset(num);
			/* fresh ids for the new rows, this renewal's subscription and customer */
			clone_set_fresh(t, buf);
			snprintf(buf[x->sub_at], sizeof(buf[x->sub_at]), "%s", batch[k].sub);
			snprintf(buf[x->cus_at], sizeof(buf[x->cus_at]), "%s", batch[k].cus);
			clone_set_write(t, db, ids);
			r->rows += t->n;
			sqlite3_bind_text(upd, 1, st->tenant, -1, SQLITE_STATIC);
			sqlite3_bind_int(upd, 2, 0);
			sqlite3_bind_text(upd, 3, batch[k].sub, -1, SQLITE_STATIC);
			sqlite3_bind_text(upd, 4, buf[x->inv_at], -1, SQLITE_STATIC);
			sqlite3_bind_int64(upd, 5, x->period_start);
			sqlite3_bind_int64(upd, 6, x->period_end);
			sqlite3_bind_text(upd, 7, x->status, -1, SQLITE_STATIC);
			clone_step_done(db, upd);
			if (sqlite3_changes(db) != 1)
				die("floor: subscription %s not updated", batch[k].sub);
			r->rows += 2; /* the subscription and the number counter */
			r->renewals++;
		}
		clone_step_done(db, commit);
	}
	r->wall = now_s() - w0;
	r->cpu = cpu_s() - c0;
	r->written = written_bytes() - b0;
	r->maxrss = maxrss_kib();
	free(batch);
	for (int j = 0; j < st->nt; j++)
		clone_set_free(&ft[j].t);
	sqlite3_finalize(due);
	sqlite3_finalize(upd);
	sqlite3_finalize(num);
	sqlite3_finalize(begin);
	sqlite3_finalize(commit);
	sqlite3_close(db);
}

/* ---- main ---------------------------------------------------------------- */

struct gen_ctx {
	const char *path;
	const struct setup *setup;
	long n;
};

static void gen_child(void *vctx, void *vres)
{
	const struct gen_ctx *g = vctx;
	double *secs = vres;
	double t = now_s();
	generate(g->path, g->setup, g->n);
	*secs = now_s() - t;
}

static void check(bool ok, const char *what, int64_t got, int64_t want)
{
	if (!ok)
		die("verification failed: %s: %lld, expected %lld", what, (long long)got,
		    (long long)want);
}

static int64_t q_int(sqlite3 *db, const char *sql, const char *tenant)
{
	sqlite3_stmt *st = clone_prepare(db, sql);
	sqlite3_bind_text(st, 1, tenant, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, T1);
	int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_finalize(st);
	return v;
}

/* What the run must have done, counted from the mix. */
struct expect {
	long n, failing, yearly;
	int64_t total; /* the cycle invoices' totals */
};

static struct expect expected(long n)
{
	struct expect x = { .n = n };
	for (long i = 0; i < n; i++) {
		int k = slot_kind(i);
		x.failing += (k & K_FAIL) != 0;
		x.yearly += (k & K_YEARLY) != 0;
		x.total += kind_total(k);
	}
	return x;
}

static void print_check(void *ctx, const struct svc_ledger_check *c)
{
	(void)ctx;
	if (c->verdict == SVC_LEDGER_FAIL)
		fprintf(stderr, "ledger: FAIL %s: %s\n", c->name, c->detail);
}

/*
 * The run did what a billing run must: every subscription billed once,
 * exactly; every good card charged once, every failing one declined once
 * with its retry planned (day 3) and its subscription past_due; the books
 * balanced (svc_ledger_verify, as recur verify runs it).
 */
static void verify(const char *path, const char *url, const char *tenant, long n)
{
	struct expect x = expected(n);
	long paid = n - x.failing;
	sqlite3 *db = clone_open(path, "PRAGMA query_only=1;");
	int64_t v;
	v = q_int(db, "SELECT count(*) FROM invoices WHERE tenant_id = ?1 AND ?2 > 0 AND"
		  " billing_reason = 'subscription_cycle'", tenant);
	check(v == n, "cycle invoices", v, n);
	v = q_int(db, "SELECT sum(total) FROM invoices WHERE tenant_id = ?1 AND ?2 > 0 AND"
		  " billing_reason = 'subscription_cycle' AND number IS NOT NULL"
		  " AND period_start = ?2", tenant);
	check(v == x.total, "sum of cycle totals", v, x.total);
	v = q_int(db, "SELECT count(*) FROM invoices WHERE tenant_id = ?1 AND"
		  " billing_reason = 'subscription_cycle' AND status = 'paid'"
		  " AND amount_paid = total AND amount_remaining = 0 AND attempt_count = 1"
		  " AND json_extract(status_transitions, '$.paid_at') = ?2", tenant);
	check(v == paid, "paid cycle invoices", v, paid);
	v = q_int(db, "SELECT count(*) FROM invoices WHERE tenant_id = ?1 AND"
		  " billing_reason = 'subscription_cycle' AND status = 'open'"
		  " AND amount_remaining = total AND attempt_count = 1"
		  " AND next_payment_attempt = ?2 + 3 * 86400", tenant);
	check(v == x.failing, "open cycle invoices with a retry on day 3", v, x.failing);
	v = q_int(db, "SELECT count(*) FROM charges WHERE tenant_id = ?1 AND created = ?2"
		  " AND status = 'succeeded' AND paid = 1", tenant);
	check(v == paid, "succeeded charges", v, paid);
	v = q_int(db, "SELECT count(*) FROM charges WHERE tenant_id = ?1 AND created = ?2"
		  " AND status = 'failed'", tenant);
	check(v == x.failing, "failed charges", v, x.failing);
	v = q_int(db, "SELECT count(*) FROM payment_intents WHERE tenant_id = ?1 AND created = ?2",
		  tenant);
	check(v == n, "payment intents", v, n);
	v = q_int(db, "SELECT count(*) FROM invoice_lines l JOIN invoices i ON i.id = l.invoice"
		  " WHERE i.tenant_id = ?1 AND i.billing_reason = 'subscription_cycle'"
		  " AND json_extract(l.period, '$.start') = ?2", tenant);
	check(v == n, "cycle lines", v, n);
	v = q_int(db, "SELECT count(*) FROM subscriptions s JOIN invoices i ON"
		  " i.id = s.latest_invoice WHERE s.tenant_id = ?1 AND s.periods_billed = 2"
		  " AND s.current_period_start = ?2 AND s.due_at = s.current_period_end"
		  " - 86400 * coalesce((SELECT json_extract(settings, '$.invoice_upcoming_days')"
		  " FROM subscription_settings WHERE tenant_id = ?1), 7)"
		  " AND s.current_period_end = ?2 + CASE WHEN i.period_end - i.period_start"
		  " > 40 * 86400 THEN 365 ELSE 28 END * 86400 AND i.period_start = ?2"
		  " AND i.billing_reason = 'subscription_cycle'", tenant);
	check(v == n, "subscriptions one period on", v, n);
	v = q_int(db, "SELECT count(*) FROM subscriptions WHERE tenant_id = ?1 AND ?2 > 0"
		  " AND status = 'past_due'", tenant);
	check(v == x.failing, "past_due subscriptions", v, x.failing);
	v = q_int(db, "SELECT count(*) FROM subscriptions WHERE tenant_id = ?1 AND ?2 > 0 AND"
		  " current_period_end - current_period_start = 365 * 86400", tenant);
	check(v == x.yearly, "yearly subscriptions", v, x.yearly);
	v = q_int(db, "SELECT count(DISTINCT number) FROM invoices WHERE tenant_id = ?1"
		  " AND ?2 > 0", tenant);
	check(v == 2 * n, "distinct invoice numbers", v, 2 * n);
	v = q_int(db, "SELECT max(CAST(substr(number, 5) AS INTEGER)) FROM invoices"
		  " WHERE tenant_id = ?1 AND ?2 > 0", tenant);
	check(v == 2 * n, "highest invoice number (gapless)", v, 2 * n);
	sqlite3_close(db);

	struct store *st = NULL;
	struct recur_err e;
	struct svc_ledger_verify_result res;
	err_clear(&e);
	if (store_open(&st, url, &e) < 0 ||
	    svc_ledger_verify(&res, st, tenant, print_check, NULL, &e) < 0)
		die("ledger verify: %s", e.message);
	store_close(st);
	check(res.failed == 0, "ledger checks failed (svc_ledger_verify)", res.failed, 0);
	printf("verified: %ld cycle invoices (%ld paid, %ld open with a retry planned),"
	       " %ld charges, %d ledger checks clean\n", n, paid, x.failing, n, res.checks);
}

static void usage(void)
{
	fputs("usage: bench_billing_run [-n N] [-d DIR] [-k] [-F]\n", stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	long n = 1000000;
	const char *base = getenv("TMPDIR");
	bool keep = false, with_floor = true;
	int opt;
	while ((opt = getopt(argc, argv, "n:d:kF")) != -1) {
		char *end = NULL;
		switch (opt) {
		case 'n':
			errno = 0;
			n = strtol(optarg, &end, 10);
			if (errno || !end || *end || n < 1)
				usage();
			break;
		case 'd': base = optarg; break;
		case 'k': keep = true; break;
		case 'F': with_floor = false; break;
		default: usage();
		}
	}
	if (!base || !*base)
		base = "/tmp";
	char dir[1024], path[1100], floor_path[1100], url[1200];
	snprintf(dir, sizeof(dir), "%s/recur-billing.XXXXXX", base);
	if (!mkdtemp(dir))
		die("mkdtemp %s: %s", dir, strerror(errno));
	snprintf(path, sizeof(path), "%s/run.db", dir);
	snprintf(floor_path, sizeof(floor_path), "%s/floor.db", dir);
	snprintf(url, sizeof(url), "sqlite:%s", path);

	/* 1. setup */
	static struct setup st;
	double t = now_s();
	setup_templates(&st, url, n);
	double gen_secs = 0;
	struct gen_ctx g = { .path = path, .setup = &st, .n = n };
	in_child(gen_child, &g, &gen_secs, sizeof(gen_secs));
	if (with_floor)
		copy_file(path, floor_path);
	struct counts before, after;
	count_rows(&before, path);
	struct stat sb;
	stat(path, &sb);
	printf("setup: %ld subscriptions generated in %.1f s (%.1f s in all), database %.0f MiB\n",
	       n, gen_secs, now_s() - t, (double)sb.st_size / 1048576.0);
	fflush(stdout);

	/* 2. the billing run */
	struct store *db = NULL;
	struct recur_err e;
	err_clear(&e);
	if (store_open(&db, url, &e) < 0)
		die("open: %s", e.message);
	long rss_before = maxrss_kib();
	long total = 0, next_report = n / 10 > 0 ? n / 10 : 1;
	perf_ctl("enable\n");
	int64_t run_b0 = written_bytes();
	double w0 = now_s(), c0 = cpu_s(), wl = w0;
	long last = 0;
	int done = 0;
	do {
		if (svc_subscription_run_due_wall(&done, db, T1, &e) < 0)
			die("renewal failed after %ld: %s", total, e.message);
		total += done;
		if (total >= next_report && n >= 100000) {
			double tn = now_s();
			printf("  %8ld renewed  %9.0f renewals/s in the last %ld, rss %ld MiB\n", total,
			       (double)(total - last) / (tn - wl), total - last, maxrss_kib() / 1024);
			fflush(stdout);
			wl = tn;
			last = total;
			next_report += n / 10;
		}
	} while (done == SVC_RENEWAL_BATCH);
	double run_wall = now_s() - w0, run_cpu = cpu_s() - c0;
	int64_t run_written = written_bytes() - run_b0;
	perf_ctl("disable\n");
	long run_rss = maxrss_kib();
	store_close(db);
	if (total != n)
		die("renewed %ld subscriptions, expected %ld", total, n);
	verify(path, url, st.tenant, n);
	count_rows(&after, path);

	/* What one renewal wrote, table by table: the floor writes the same. */
	char mix[512] = "";
	size_t ml = 0;
	for (int i = 0; i < after.n; i++) {
		int64_t d = after.rows[i] - (i < before.n ? before.rows[i] : 0);
		if (d == 0)
			continue;
		ml += (size_t)snprintf(mix + ml, ml < sizeof(mix) ? sizeof(mix) - ml : 0,
				       "%s%s +%.2f", ml ? ", " : "", after.table[i],
				       (double)d / (double)n);
	}

	/* 3. the storage floor */
	struct floor_result fr = { 0 };
	if (with_floor) {
		struct floor_ctx fc = { .run_path = path, .floor_path = floor_path,
					.setup = &st, .before = &before, .after = &after,
					.n = n };
		in_child(floor_run, &fc, &fr, sizeof(fr));
		if (fr.renewals != n)
			die("the floor wrote %lld renewals, expected %ld", (long long)fr.renewals, n);
	}

	double rate = (double)n / run_wall;
	printf("\nbilling run, N = %ld (rows per renewal: %s; + subscription update, number)\n",
	       n, mix);
	printf("%-34s %12s %10s %10s %10s\n", "", "renewals/s", "wall s", "cpu s", "rss MiB");
	printf("%-34s %12.0f %10.2f %10.2f %10.1f\n", "renewal (svc_subscription_run_due_wall)",
	       rate, run_wall, run_cpu, (double)run_rss / 1024.0);
	if (with_floor) {
		double frate = (double)fr.renewals / fr.wall;
		printf("%-34s %12.0f %10.2f %10.2f %10.1f\n", "storage floor (raw sqlite3)", frate,
		       fr.wall, fr.cpu, (double)fr.maxrss / 1024.0);
		printf("%-34s %12.0f rows/s (%lld rows, %.1f per renewal)\n", "  floor rows",
		       (double)fr.rows / fr.wall, (long long)fr.rows,
		       (double)fr.rows / (double)fr.renewals);
		printf("%-34s %12.3f\n", "ratio renewal / floor", rate / frate);
	}
	printf("%-34s %12.1f MiB (%.1f MiB before the run)\n", "peak RSS (ru_maxrss)",
	       (double)run_rss / 1024.0, (double)rss_before / 1024.0);
	printf("%-34s %12.1f us cpu, %.1f us wall\n", "per renewal", run_cpu * 1e6 / (double)n,
	       run_wall * 1e6 / (double)n);
	printf("%-34s %12.1f KiB by the run", "written to the database per renewal",
	       (double)run_written / 1024.0 / (double)n);
	if (with_floor)
		printf(", %.1f KiB by the floor", (double)fr.written / 1024.0 / (double)fr.renewals);
	printf(" (WAL and checkpoints, /proc/self/io wchar)\n");
	printf("RESULT n=%ld renewals_per_s=%.0f floor_per_s=%.0f ratio=%.3f rss_mib=%.1f"
	       " wall_s=%.2f\n", n, rate, with_floor ? (double)fr.renewals / fr.wall : 0.0,
	       with_floor ? rate / ((double)fr.renewals / fr.wall) : 0.0,
	       (double)run_rss / 1024.0, run_wall);

	if (keep) {
		printf("kept %s\n", dir);
	} else {
		remove_db(path);
		remove_db(floor_path);
		rmdir(dir);
	}
	return 0;
}
