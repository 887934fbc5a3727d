/*
 * billing_run.c - the billing run: N active monthly subscriptions renewed by the
 * real renewal path, measured against the storage floor in the same run.
 *
 *   bench_billing_run [-n N] [-d DIR] [-k] [-F | -O]
 *
 *   -n N    subscriptions (default 1000000)
 *   -d DIR  where the temporary databases go (default $TMPDIR or /tmp)
 *   -k      keep the databases
 *   -F      skip the storage floor
 *   -O      the floor only (one batch is renewed, for its rows): for experiments
 *
 * 1. Setup (not measured). One tenant, product, monthly price, customer and
 *    subscription are made through the real services; that subscription is the
 *    template. Its rows (customer, subscription, item, first invoice, its line)
 *    are cloned N - 1 times with fresh ids by plain prepared INSERTs in a child
 *    process, so the database looks as if N customers had each subscribed once,
 *    and generation neither takes long nor counts towards the peak RSS.
 * 2. The billing run (measured): svc_subscription_run_due_wall, as the
 *    scheduler calls it, with now = one month later, until nothing is due.
 *    Then the result is checked: N cycle invoices with the right totals, every
 *    subscription one period on, gapless numbers.
 * 3. The storage floor (measured, in a child process): a copy of the database
 *    as it was before the run receives the same rows the run wrote, counted
 *    from the run's own row deltas and copied from its first renewal (the
 *    invoice, its lines, its events, the subscription's new period, the number
 *    counter), through raw sqlite3 prepared statements in transactions of
 *    SVC_RENEWAL_BATCH renewals, with the store's pragmas. The ratio run/floor
 *    says how much of the cost is recur rather than SQLite.
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
#include "core/ids.h"
#include "service/customer.h"
#include "service/price.h"
#include "service/product.h"
#include "service/subscription.h"
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
#define MAX_COLS 64
#define MAX_SUBST 64
#define MAX_TEMPLATE 64      /* rows in a template: setup's, or one renewal's */
#define MAX_OLD 80           /* ids substituted in them */

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

static sqlite3 *raw_open(const char *path, const char *pragmas)
{
	sqlite3 *db = NULL;
	char *msg = NULL;
	if (sqlite3_open(path, &db) != SQLITE_OK)
		die("open %s: %s", path, sqlite3_errmsg(db));
	sqlite3_busy_timeout(db, 10000);
	if (sqlite3_exec(db, pragmas, NULL, NULL, &msg) != SQLITE_OK)
		die("pragmas on %s: %s", path, msg);
	return db;
}

static void raw_exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		die("%s: %s", sql, msg);
}

static sqlite3_stmt *raw_prepare(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		die("prepare %s: %s", sql, sqlite3_errmsg(db));
	return st;
}

static void raw_step_done(sqlite3 *db, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		die("step: %s", sqlite3_errmsg(db));
	sqlite3_reset(st);
}

static int64_t raw_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = raw_prepare(db, sql);
	int64_t v = 0;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* ---- a row as a template: its columns, with ids to substitute ---------- */

struct subst {
	int which;     /* index into the clone's id table */
	size_t offset; /* where the old id starts in the text */
};

struct tcol {
	char name[64];
	sqlite3_value *value; /* the template's value (owned) */
	int override;         /* -1: template value (with substs), else an id index */
	struct subst subst[MAX_SUBST];
	int nsubst;
};

struct trow {
	char table[64];
	int64_t rowid; /* where it was loaded from, when that matters */
	struct tcol cols[MAX_COLS];
	int ncols;
	sqlite3_stmt *insert;
	char *scratch; /* one text column at a time, ids replaced */
	size_t scratch_cap;
};

/* Loads the one row of table matched by where (bound to arg), seq excluded. */
static void trow_load(struct trow *t, sqlite3 *db, const char *table, const char *where,
		      const char *arg)
{
	char sql[512];
	memset(t, 0, sizeof(*t));
	snprintf(t->table, sizeof(t->table), "%s", table);
	snprintf(sql, sizeof(sql), "SELECT * FROM %s WHERE %s", table, where);
	sqlite3_stmt *st = raw_prepare(db, sql);
	sqlite3_bind_text(st, 1, arg, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_ROW)
		die("no template row in %s", table);
	for (int i = 0; i < sqlite3_column_count(st); i++) {
		if (strcmp(sqlite3_column_name(st, i), "seq") == 0)
			continue;
		if (t->ncols >= MAX_COLS)
			die("%s has too many columns", table);
		struct tcol *c = &t->cols[t->ncols++];
		snprintf(c->name, sizeof(c->name), "%s", sqlite3_column_name(st, i));
		c->value = sqlite3_value_dup(sqlite3_column_value(st, i));
		c->override = -1;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		die("the template has more than one row in %s", table);
	sqlite3_finalize(st);
}

static struct tcol *trow_col(struct trow *t, const char *name)
{
	for (int i = 0; i < t->ncols; i++)
		if (strcmp(t->cols[i].name, name) == 0)
			return &t->cols[i];
	die("%s has no column %s", t->table, name);
}

static const char *trow_text(struct trow *t, const char *name)
{
	return (const char *)sqlite3_value_text(trow_col(t, name)->value);
}

/*
 * Finds where each of the template's ids occurs in each text column, so a
 * clone only copies the text and writes its own ids (of the same length) over.
 */
static void trow_find_ids(struct trow *t, const char *const *old, int nold)
{
	for (int i = 0; i < t->ncols; i++) {
		struct tcol *c = &t->cols[i];
		if (sqlite3_value_type(c->value) != SQLITE_TEXT)
			continue;
		const char *text = (const char *)sqlite3_value_text(c->value);
		size_t len = (size_t)sqlite3_value_bytes(c->value);
		if (len + 1 > t->scratch_cap)
			t->scratch_cap = len + 1;
		for (int w = 0; w < nold; w++) {
			size_t idlen = strlen(old[w]);
			for (const char *p = strstr(text, old[w]); p; p = strstr(p + idlen, old[w])) {
				if (c->nsubst >= MAX_SUBST)
					die("%s.%s names ids too often", t->table, c->name);
				c->subst[c->nsubst++] = (struct subst){ w, (size_t)(p - text) };
			}
		}
	}
	t->scratch = malloc(t->scratch_cap ? t->scratch_cap : 1);
}

static void trow_prepare_insert(struct trow *t, sqlite3 *db)
{
	char sql[8192];
	size_t n = (size_t)snprintf(sql, sizeof(sql), "INSERT INTO %s (", t->table);
	for (int i = 0; i < t->ncols; i++)
		n += (size_t)snprintf(sql + n, sizeof(sql) - n, "%s\"%s\"", i ? ", " : "",
				      t->cols[i].name);
	n += (size_t)snprintf(sql + n, sizeof(sql) - n, ") VALUES (");
	for (int i = 0; i < t->ncols; i++)
		n += (size_t)snprintf(sql + n, sizeof(sql) - n, "%s?", i ? ", " : "");
	snprintf(sql + n, sizeof(sql) - n, ")");
	t->insert = raw_prepare(db, sql);
}

/* Inserts the template with ids[] in place of the template's ids. */
static void trow_insert(struct trow *t, sqlite3 *db, const char *const *ids)
{
	for (int i = 0; i < t->ncols; i++) {
		struct tcol *c = &t->cols[i];
		if (c->override >= 0) {
			sqlite3_bind_text(t->insert, i + 1, ids[c->override], -1, SQLITE_TRANSIENT);
		} else if (c->nsubst) {
			size_t len = (size_t)sqlite3_value_bytes(c->value);
			memcpy(t->scratch, sqlite3_value_text(c->value), len);
			for (int k = 0; k < c->nsubst; k++)
				memcpy(t->scratch + c->subst[k].offset, ids[c->subst[k].which],
				       strlen(ids[c->subst[k].which]));
			sqlite3_bind_text(t->insert, i + 1, t->scratch, (int)len, SQLITE_TRANSIENT);
		} else {
			sqlite3_bind_value(t->insert, i + 1, c->value);
		}
	}
	raw_step_done(db, t->insert);
}

static void trow_free(struct trow *t)
{
	for (int i = 0; i < t->ncols; i++)
		sqlite3_value_free(t->cols[i].value);
	sqlite3_finalize(t->insert);
	free(t->scratch);
}

/* ---- 1. setup ------------------------------------------------------------ */

struct setup {
	char tenant[IDS_MAX];
	char price[IDS_MAX];
	char customer[IDS_MAX];
	char subscription[IDS_MAX];
};

static json_t *call(int (*fn)(json_t **, struct svc *, const json_t *, struct recur_err *),
		    struct svc *s, json_t *params, const char *what)
{
	json_t *out = NULL;
	struct recur_err e;
	err_clear(&e);
	if (fn(&out, s, params, &e) < 0)
		die("%s: %s", what, e.message);
	json_decref(params);
	return out;
}

static void copy_id(char *dst, json_t *obj)
{
	snprintf(dst, IDS_MAX, "%s", json_string_value(json_object_get(obj, "id")));
	json_decref(obj);
}

/* The template subscription, made as a client would make it. */
static void setup_template(struct setup *out, const char *url)
{
	struct store *db = NULL;
	struct recur_err e;
	json_t *t = NULL;
	err_clear(&e);
	if (store_open(&db, url, &e) < 0 || store_migrate(db, &e) < 0)
		die("cannot create the database: %s", e.message);
	if (svc_tenant_create(&t, db, "Billing run", T0, &e) < 0)
		die("tenant: %s", e.message);
	copy_id(out->tenant, t);
	struct svc s = { .db = db, .scope = { .tenant = out->tenant, .livemode = 0 }, .now = T0 };
	char product[IDS_MAX];
	copy_id(product, call(svc_product_create, &s, json_pack("{s:s}", "name", "Bench plan"),
			      "product"));
	copy_id(out->price, call(svc_price_create, &s,
				 json_pack("{s:s, s:s, s:i, s:{s:s}}", "product", product,
					   "currency", "usd", "unit_amount", UNIT_AMOUNT,
					   "recurring", "interval", "month"), "price"));
	copy_id(out->customer, call(svc_customer_create, &s,
				    json_pack("{s:s, s:s}", "email", "bench@example.com",
					      "name", "Bench Customer"), "customer"));
	json_t *sub = call(svc_subscription_create, &s,
			   json_pack("{s:s, s:[{s:s}]}", "customer", out->customer, "items",
				     "price", out->price), "subscription");
	if (strcmp(json_string_value(json_object_get(sub, "status")), "active") != 0)
		die("the template subscription is %s, not active",
		    json_string_value(json_object_get(sub, "status")));
	copy_id(out->subscription, sub);
	store_close(db);
}

/* ---- the clones ---------------------------------------------------------- */

/*
 * A set of template rows and the ids they carry: old[i] is replaced by ids[i]
 * in every text column of every row, ids[nold] is the invoice number (bound
 * whole to invoices.number: its length varies), and each row is inserted
 * with its table's statement.
 */
struct tset {
	struct trow rows[MAX_TEMPLATE];
	int n;
	char old[MAX_OLD][IDS_MAX];
	char prefix[MAX_OLD][IDS_MAX]; /* of old[i]: a new id gets the same */
	int nold;
};

static int tset_old(struct tset *t, const char *id)
{
	for (int i = 0; i < t->nold; i++)
		if (strcmp(t->old[i], id) == 0)
			return i;
	if (t->nold >= MAX_OLD)
		die("too many ids in a template");
	snprintf(t->old[t->nold], IDS_MAX, "%s", id);
	const char *us = strrchr(id, '_');
	snprintf(t->prefix[t->nold], IDS_MAX, "%.*s", us ? (int)(us - id) : 0, id);
	return t->nold++;
}

/* Adds row rowid of table; its "id" becomes one of the set's ids. */
static void tset_add(struct tset *t, sqlite3 *db, const char *table, int64_t rowid)
{
	char arg[32];
	if (t->n >= MAX_TEMPLATE)
		die("too many rows in a template");
	snprintf(arg, sizeof(arg), "%lld", (long long)rowid);
	trow_load(&t->rows[t->n], db, table, "rowid = CAST(? AS INTEGER)", arg);
	for (int i = 0; i < t->rows[t->n].ncols; i++)
		if (strcmp(t->rows[t->n].cols[i].name, "id") == 0 &&
		    sqlite3_value_type(t->rows[t->n].cols[i].value) == SQLITE_TEXT)
			tset_old(t, (const char *)sqlite3_value_text(t->rows[t->n].cols[i].value));
	t->n++;
}

/* Finds the ids in the rows and prepares their inserts on db. */
static void tset_prepare(struct tset *t, sqlite3 *db)
{
	const char *old[MAX_OLD];
	for (int i = 0; i < t->nold; i++)
		old[i] = t->old[i];
	for (int r = 0; r < t->n; r++) {
		if (strcmp(t->rows[r].table, "invoices") == 0)
			trow_col(&t->rows[r], "number")->override = t->nold;
		trow_find_ids(&t->rows[r], old, t->nold);
		trow_prepare_insert(&t->rows[r], db);
	}
}

/* Fresh ids, of the same kinds, for the set's ids (buf: nold + 1 buffers). */
static void tset_fresh(struct tset *t, char (*buf)[IDS_MAX + 32])
{
	for (int i = 0; i < t->nold; i++)
		ids_new(buf[i], IDS_MAX, t->prefix[i]);
}

/* Inserts every row with ids[i] in place of old[i] (ids[nold]: the number). */
static void tset_write(struct tset *t, sqlite3 *db, const char *const *ids)
{
	for (int r = 0; r < t->n; r++)
		trow_insert(&t->rows[r], db, ids);
}

static void tset_free(struct tset *t)
{
	for (int r = 0; r < t->n; r++)
		trow_free(&t->rows[r]);
}

/* The tables whose rows are objects (they have a seq), but events. */
static int object_tables(char (*names)[64], int max, sqlite3 *db)
{
	sqlite3_stmt *st = raw_prepare(db, "SELECT m.name FROM sqlite_master m WHERE m.type ="
				       " 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name !="
				       " 'events' AND EXISTS (SELECT 1 FROM pragma_table_info(m.name)"
				       " WHERE name = 'seq') ORDER BY m.rowid");
	int n = 0;
	while (sqlite3_step(st) == SQLITE_ROW && n < max)
		snprintf(names[n++], 64, "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return n;
}

/*
 * The template: every object row that names the template customer or
 * subscription, or names a row that does (its item, first invoice, line,
 * ledger entries, ...), found to a fixed point. Events are not cloned: they
 * only append, and N copies of the setup's events would double the setup.
 */
static void template_rows(struct tset *t, sqlite3 *db, const struct setup *st)
{
	char tables[64][64];
	int nt = object_tables(tables, 64, db);
	tset_old(t, st->customer);
	tset_old(t, st->subscription);
	for (bool grew = true; grew;) {
		grew = false;
		for (int i = 0; i < nt; i++) {
			char sql[160];
			snprintf(sql, sizeof(sql), "SELECT rowid, * FROM \"%s\"", tables[i]);
			sqlite3_stmt *q = raw_prepare(db, sql);
			while (sqlite3_step(q) == SQLITE_ROW) {
				int64_t rowid = sqlite3_column_int64(q, 0);
				bool taken = false, names = false;
				for (int r = 0; r < t->n && !taken; r++)
					taken = strcmp(t->rows[r].table, tables[i]) == 0 &&
						t->rows[r].rowid == rowid;
				for (int c = 1; c < sqlite3_column_count(q) && !taken && !names; c++) {
					const char *text = (const char *)sqlite3_column_text(q, c);
					for (int k = 0; text && k < t->nold && !names; k++)
						names = strstr(text, t->old[k]) != NULL;
				}
				if (!taken && names) {
					tset_add(t, db, tables[i], rowid);
					t->rows[t->n - 1].rowid = rowid;
					grew = true;
				}
			}
			sqlite3_finalize(q);
		}
	}
}

static void generate(const char *path, const struct setup *st, long n)
{
	/* Not measured, and in a child: no durability, and a cache that holds the indexes. */
	sqlite3 *db = raw_open(path, "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;"
				     " PRAGMA cache_size=-1048576;");
	static struct tset t;
	template_rows(&t, db, st);
	tset_prepare(&t, db);
	static char buf[MAX_OLD + 1][IDS_MAX + 32];
	const char *ids[MAX_OLD + 1];
	for (int i = 0; i <= MAX_OLD; i++)
		ids[i] = buf[i];
	raw_exec(db, "BEGIN");
	for (long k = 1; k < n; k++) {
		/* The template's first invoice took RCR-0001. */
		snprintf(buf[t.nold], sizeof(buf[t.nold]), "RCR-%04ld", k + 1);
		tset_fresh(&t, buf);
		tset_write(&t, db, ids);
		if (k % GEN_TX == 0) {
			raw_exec(db, "COMMIT");
			raw_exec(db, "BEGIN");
		}
	}
	char sql[256];
	snprintf(sql, sizeof(sql), "UPDATE invoice_number_sequences SET next_number = %ld", n + 1);
	raw_exec(db, sql);
	raw_exec(db, "COMMIT");
	tset_free(&t);
	raw_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
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

#define MAX_TABLES 32

struct counts {
	int n;
	char table[MAX_TABLES][48];
	int64_t rows[MAX_TABLES];
	int64_t max_rowid[MAX_TABLES];
};

static void count_rows(struct counts *c, const char *path)
{
	sqlite3 *db = raw_open(path, "PRAGMA query_only=1;");
	sqlite3_stmt *st = raw_prepare(db, "SELECT name FROM sqlite_master WHERE type = 'table'"
					   " AND name NOT LIKE 'sqlite_%' ORDER BY name");
	memset(c, 0, sizeof(*c));
	while (sqlite3_step(st) == SQLITE_ROW && c->n < MAX_TABLES) {
		char sql[160];
		snprintf(c->table[c->n], sizeof(c->table[c->n]), "%s", sqlite3_column_text(st, 0));
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM \"%s\"", c->table[c->n]);
		c->rows[c->n] = raw_int(db, sql);
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
	const char *tenant;
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

static void floor_run(void *vctx, void *vres)
{
	const struct floor_ctx *f = vctx;
	struct floor_result *r = vres;
	static struct tset t;
	memset(r, 0, sizeof(*r));
	/*
	 * The rows to write: those the run's first renewal inserted, as it wrote
	 * them: in every object table that grew by k rows per renewal, the first
	 * k after the run began.
	 */
	sqlite3 *src = raw_open(f->run_path, "PRAGMA query_only=1;");
	char tables[64][64];
	int nt = object_tables(tables, 64, src);
	for (int i = 0; i < nt; i++) {
		int64_t d = 0, rowid0 = 0;
		for (int a = 0; a < f->after->n; a++)
			if (strcmp(f->after->table[a], tables[i]) == 0)
				d = f->after->rows[a];
		for (int b = 0; b < f->before->n; b++)
			if (strcmp(f->before->table[b], tables[i]) == 0) {
				d -= f->before->rows[b];
				rowid0 = f->before->max_rowid[b];
			}
		if (d <= 0)
			continue;
		char sql[200];
		snprintf(sql, sizeof(sql), "SELECT rowid FROM \"%s\" WHERE rowid > %lld ORDER BY rowid"
			 " LIMIT %lld", tables[i], (long long)rowid0, (long long)(d / f->n));
		sqlite3_stmt *q = raw_prepare(src, sql);
		while (sqlite3_step(q) == SQLITE_ROW)
			tset_add(&t, src, tables[i], sqlite3_column_int64(q, 0));
		sqlite3_finalize(q);
	}
	/* the events too: renewals append them like any other row */
	for (int b = 0; b < f->before->n; b++) {
		if (strcmp(f->before->table[b], "events") != 0)
			continue;
		for (int a = 0; a < f->after->n; a++) {
			if (strcmp(f->after->table[a], "events") != 0)
				continue;
			int64_t d = f->after->rows[a] - f->before->rows[b];
			char sql[200];
			snprintf(sql, sizeof(sql), "SELECT rowid FROM events WHERE rowid > %lld ORDER BY"
				 " rowid LIMIT %lld", (long long)f->before->max_rowid[b],
				 (long long)(d / f->n));
			sqlite3_stmt *q = raw_prepare(src, sql);
			while (sqlite3_step(q) == SQLITE_ROW)
				tset_add(&t, src, "events", sqlite3_column_int64(q, 0));
			sqlite3_finalize(q);
		}
	}
	/* the subscription and customer the first renewal billed: named by its invoice */
	char sub0[IDS_MAX] = "", cus0[IDS_MAX] = "", inv0[IDS_MAX] = "";
	for (int i = 0; i < t.n; i++)
		if (strcmp(t.rows[i].table, "invoices") == 0) {
			snprintf(sub0, sizeof(sub0), "%s", trow_text(&t.rows[i], "subscription"));
			snprintf(cus0, sizeof(cus0), "%s", trow_text(&t.rows[i], "customer"));
			snprintf(inv0, sizeof(inv0), "%s", trow_text(&t.rows[i], "id"));
		}
	if (!sub0[0])
		die("the floor found no invoice in the first renewal's rows");
	int sub_at = tset_old(&t, sub0), cus_at = tset_old(&t, cus0), inv_at = tset_old(&t, inv0);
	sqlite3_close(src);

	const char *pragmas = getenv("BENCH_FLOOR_PRAGMAS");
	sqlite3 *db = raw_open(f->floor_path, pragmas && *pragmas ? pragmas : STORE_PRAGMAS);
	tset_prepare(&t, db);
	char sql[512];
	snprintf(sql, sizeof(sql), "SELECT id, customer FROM subscriptions WHERE test_clock IS NULL"
		 " AND due_at IS NOT NULL AND due_at <= ?1 ORDER BY due_at LIMIT %d",
		 SVC_RENEWAL_BATCH);
	sqlite3_stmt *due = raw_prepare(db, sql);
	sqlite3_stmt *upd = raw_prepare(db, "UPDATE subscriptions SET latest_invoice = ?4,"
					" current_period_start = ?5, current_period_end = ?6,"
					" periods_billed = periods_billed + 1, due_at = ?6"
					" WHERE tenant_id = ?1 AND livemode = ?2 AND id = ?3");
	sqlite3_stmt *num = raw_prepare(db, "INSERT INTO invoice_number_sequences (tenant_id,"
					" livemode, prefix, next_number) VALUES (?1, 0, 'RCR', 2)"
					" ON CONFLICT (tenant_id, livemode, prefix) DO UPDATE SET"
					" next_number = invoice_number_sequences.next_number + 1"
					" RETURNING next_number - 1");
	sqlite3_stmt *begin = raw_prepare(db, "BEGIN IMMEDIATE");
	sqlite3_stmt *commit = raw_prepare(db, "COMMIT");
	static char buf[MAX_OLD + 1][IDS_MAX + 32];
	const char *ids[MAX_OLD + 1];
	for (int i = 0; i <= MAX_OLD; i++)
		ids[i] = buf[i];
	struct { char sub[IDS_MAX], cus[IDS_MAX]; } *batch = malloc(sizeof(*batch) * SVC_RENEWAL_BATCH);

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
		raw_step_done(db, begin);
		for (int k = 0; k < nb; k++) {
			sqlite3_bind_text(num, 1, f->tenant, -1, SQLITE_STATIC);
			if (sqlite3_step(num) != SQLITE_ROW)
				die("number: %s", sqlite3_errmsg(db));
			snprintf(buf[t.nold], sizeof(buf[t.nold]), "RCR-%04lld",
				 (long long)sqlite3_column_int64(num, 0));
			sqlite3_reset(num);
			/* fresh ids for the new rows, this renewal's subscription and customer */
			tset_fresh(&t, buf);
			snprintf(buf[sub_at], sizeof(buf[sub_at]), "%s", batch[k].sub);
			snprintf(buf[cus_at], sizeof(buf[cus_at]), "%s", batch[k].cus);
			tset_write(&t, db, ids);
			r->rows += t.n;
			sqlite3_bind_text(upd, 1, f->tenant, -1, SQLITE_STATIC);
			sqlite3_bind_int(upd, 2, 0);
			sqlite3_bind_text(upd, 3, batch[k].sub, -1, SQLITE_STATIC);
			sqlite3_bind_text(upd, 4, buf[inv_at], -1, SQLITE_STATIC);
			sqlite3_bind_int64(upd, 5, T1);
			sqlite3_bind_int64(upd, 6, T2);
			raw_step_done(db, upd);
			if (sqlite3_changes(db) != 1)
				die("floor: subscription %s not updated", batch[k].sub);
			r->rows += 2; /* the subscription and the number counter */
			r->renewals++;
		}
		raw_step_done(db, commit);
	}
	r->wall = now_s() - w0;
	r->cpu = cpu_s() - c0;
	r->written = written_bytes() - b0;
	r->maxrss = maxrss_kib();
	free(batch);
	tset_free(&t);
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
	sqlite3_stmt *st = raw_prepare(db, sql);
	sqlite3_bind_text(st, 1, tenant, -1, SQLITE_STATIC);
	int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_finalize(st);
	return v;
}

/* The run did what a billing run must: every subscription billed once, exactly. */
static void verify(const char *path, const char *tenant, long n)
{
	sqlite3 *db = raw_open(path, "PRAGMA query_only=1;");
	int64_t v;
	v = q_int(db, "SELECT count(*) FROM invoices WHERE tenant_id = ?1 AND"
		  " billing_reason = 'subscription_cycle'", tenant);
	check(v == n, "cycle invoices", v, n);
	v = q_int(db, "SELECT count(*) FROM invoices WHERE tenant_id = ?1 AND"
		  " billing_reason = 'subscription_cycle' AND status = 'open' AND total = 1500"
		  " AND amount_due = 1500 AND period_start = 1771113600"
		  " AND period_end = 1773532800 AND number IS NOT NULL", tenant);
	check(v == n, "open cycle invoices of 15.00 for [Feb 15, Mar 15)", v, n);
	v = q_int(db, "SELECT sum(total) FROM invoices WHERE tenant_id = ?1 AND"
		  " billing_reason = 'subscription_cycle'", tenant);
	check(v == (int64_t)n * UNIT_AMOUNT, "sum of cycle totals", v, (int64_t)n * UNIT_AMOUNT);
	v = q_int(db, "SELECT count(*) FROM invoice_lines l JOIN invoices i ON i.id = l.invoice"
		  " WHERE i.tenant_id = ?1 AND i.billing_reason = 'subscription_cycle'"
		  " AND l.amount = 1500", tenant);
	check(v == n, "cycle lines of 15.00", v, n);
	v = q_int(db, "SELECT count(*) FROM subscriptions s JOIN invoices i ON"
		  " i.id = s.latest_invoice WHERE s.tenant_id = ?1 AND s.status = 'active'"
		  " AND s.periods_billed = 2 AND s.current_period_start = 1771113600 AND"
		  " s.current_period_end = 1773532800 AND s.due_at = 1773532800 AND"
		  " i.billing_reason = 'subscription_cycle'", tenant);
	check(v == n, "subscriptions one period on", v, n);
	v = q_int(db, "SELECT count(DISTINCT number) FROM invoices WHERE tenant_id = ?1", tenant);
	check(v == 2 * n, "distinct invoice numbers", v, 2 * n);
	v = q_int(db, "SELECT max(CAST(substr(number, 5) AS INTEGER)) FROM invoices"
		  " WHERE tenant_id = ?1", tenant);
	check(v == 2 * n, "highest invoice number (gapless)", v, 2 * n);
	sqlite3_close(db);
	(void)T2;
}

static void usage(void)
{
	fputs("usage: bench_billing_run [-n N] [-d DIR] [-k] [-F | -O]\n", stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	long n = 1000000;
	const char *base = getenv("TMPDIR");
	bool keep = false, with_floor = true;
	int opt;
	bool floor_only = false;
	while ((opt = getopt(argc, argv, "n:d:kFO")) != -1) {
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
		case 'O': floor_only = true; break;
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
	struct setup st;
	double t = now_s();
	setup_template(&st, url);
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
	} while (done == SVC_RENEWAL_BATCH && !floor_only);
	double run_wall = now_s() - w0, run_cpu = cpu_s() - c0;
	int64_t run_written = written_bytes() - run_b0;
	perf_ctl("disable\n");
	long run_rss = maxrss_kib();
	store_close(db);
	if (floor_only) {
		/* one batch renewed, for the floor's rows; the floor alone is measured */
		n = total;
	} else {
		if (total != n)
			die("renewed %ld subscriptions, expected %ld", total, n);
		verify(path, st.tenant, n);
	}
	count_rows(&after, path);

	/* What one renewal wrote, table by table: the floor writes the same. */
	char mix[512] = "";
	size_t ml = 0;
	for (int i = 0; i < after.n; i++) {
		int64_t d = after.rows[i] - (i < before.n ? before.rows[i] : 0);
		if (d == 0)
			continue;
		if (d % n)
			die("renewals wrote uneven rows: %lld in %s", (long long)d, after.table[i]);
		ml += (size_t)snprintf(mix + ml, ml < sizeof(mix) ? sizeof(mix) - ml : 0,
				       "%s%s +%lld", ml ? ", " : "", after.table[i], (long long)(d / n));
	}

	/* 3. the storage floor */
	struct floor_result fr = { 0 };
	if (with_floor) {
		struct floor_ctx fc = { .run_path = path, .floor_path = floor_path,
					.tenant = st.tenant, .before = &before, .after = &after,
					.n = n };
		in_child(floor_run, &fc, &fr, sizeof(fr));
		if (floor_only)
			n = (long)fr.renewals;
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
