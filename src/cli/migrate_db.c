/*
 * migrate_db.c - recur migrate-db: copies a whole database from one back end
 * to the other (SQLite to PostgreSQL when a business outgrows one machine;
 * back again works the same way), then proves the copy: equal row counts per
 * table and the same `recur verify` report on both sides (docs/scaling.md).
 *
 * Tables and columns come from the store's catalog (store_tables,
 * store_columns), so a new migration needs nothing here. Values travel as
 * text and each back end reads them by the column's type (PostgreSQL infers
 * a parameter's type from the column it is inserted into; SQLite's column
 * affinity turns "42" back into an integer), so the copy is exact.
 */
#include "cli/cli.h"
#include "service/ledger.h"
#include "store/store.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"usage: recur migrate-db --from URL --to URL\n"
	"\n"
	"Copies every table of the database at --from into the database at --to,\n"
	"which must be on the other back end (sqlite:PATH to postgres://..., or\n"
	"back). Both are first brought to this binary's schema (recur migrate);\n"
	"the target must then hold no rows. Every column is copied as it is, seq\n"
	"included, so ids, list order and invoice numbers stay; PostgreSQL's\n"
	"identity sequences are set past the largest seq afterwards.\n"
	"\n"
	"The copy is one transaction on the target (a failed or interrupted copy\n"
	"leaves it empty; run it again) while the source's writers wait (its write\n"
	"lock is held), so stop the servers first. Then prints the rows per table\n"
	"on both sides and runs the checks of `recur verify` on both.\n"
	"\n"
	"Exit status: 0 when every count is equal and both verify reports are the\n"
	"same and clean, 1 when not, 2 on a usage error, a target that is not empty\n"
	"or a copy that failed (nothing is written then).\n";

/* Values sent in one INSERT: within PostgreSQL's driver's 256 parameters. */
#define VALUES_PER_INSERT 240

struct names {
	char **v;
	int n;
};

static void names_free(struct names *n)
{
	for (int i = 0; i < n->n; i++)
		free(n->v[i]);
	free(n->v);
	n->v = NULL;
	n->n = 0;
}

static int add_name(void *ctx, const struct store_row *row)
{
	struct names *n = ctx;
	const char *name = store_row_text(row, 0, NULL);
	char **v = realloc(n->v, (size_t)(n->n + 1) * sizeof(*v));
	if (!v)
		return -1;
	n->v = v;
	if (!(v[n->n] = strdup(name ? name : "")))
		return -1;
	n->n++;
	return 0;
}

static bool names_equal(const struct names *a, const struct names *b)
{
	if (a->n != b->n)
		return false;
	for (int i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]) != 0)
			return false;
	return true;
}

static bool names_have(const struct names *n, const char *name)
{
	for (int i = 0; i < n->n; i++)
		if (strcmp(n->v[i], name) == 0)
			return true;
	return false;
}

/* A growing SQL text; ok turns false when memory runs out. */
struct text {
	char *p;
	size_t len, cap;
	bool ok;
};

static void put(struct text *t, const char *s)
{
	size_t n = strlen(s);
	if (t->ok && t->len + n + 1 > t->cap) {
		size_t cap = (t->len + n + 1) * 2;
		char *p = realloc(t->p, cap);
		t->ok = p != NULL;
		if (p) {
			t->p = p;
			t->cap = cap;
		}
	}
	if (t->ok) {
		memcpy(t->p + t->len, s, n + 1);
		t->len += n;
	}
}

/* An identifier from the catalog, double-quoted (the same in both dialects). */
static void put_ident(struct text *t, const char *name)
{
	put(t, "\"");
	put(t, name); /* names from the catalog are checked quote-free (copy_table) */
	put(t, "\"");
}

static void put_columns(struct text *t, const struct names *cols)
{
	for (int i = 0; i < cols->n; i++) {
		put(t, i ? ", " : "");
		put_ident(t, cols->v[i]);
	}
}

/* One table's copy: rows are buffered until an INSERT's worth is ready. */
struct copy {
	struct store *dst;
	const char *table;
	const struct names *cols;
	int per_insert; /* rows per INSERT */
	struct store_val *vals; /* per_insert * ncols, text owned here */
	int rows; /* rows buffered */
	int64_t copied;
	int rc;
	struct recur_err *e;
};

static void drop_buffered(struct copy *c)
{
	for (int i = 0; i < c->rows * c->cols->n; i++)
		free((char *)(uintptr_t)c->vals[i].s);
	c->rows = 0;
}

/* INSERT INTO "t" ("a", "b") VALUES ($1, $2), ($3, $4), ... for the rows buffered. */
static int flush(struct copy *c)
{
	struct text sql = { .ok = true };
	char num[24];
	int rc = 0, n = c->cols->n;
	if (c->rows == 0)
		return 0;
	put(&sql, "INSERT INTO ");
	put_ident(&sql, c->table);
	put(&sql, " (");
	put_columns(&sql, c->cols);
	put(&sql, ") VALUES ");
	for (int r = 0; r < c->rows; r++) {
		put(&sql, r ? ", (" : "(");
		for (int i = 0; i < n; i++) {
			snprintf(num, sizeof(num), "%s$%d", i ? ", " : "", r * n + i + 1);
			put(&sql, num);
		}
		put(&sql, ")");
	}
	if (!sql.ok) {
		rc = err_internal(c->e, "out of memory");
		goto done;
	}
	rc = store_exec(c->dst, sql.p, c->vals, c->rows * n, c->e);
	if (rc >= 0) {
		c->copied += c->rows;
		rc = 0;
	}
done:
	drop_buffered(c);
	free(sql.p);
	return rc;
}

static int copy_row(void *ctx, const struct store_row *row)
{
	struct copy *c = ctx;
	struct store_val *v = &c->vals[c->rows * c->cols->n];
	for (int i = 0; i < c->cols->n; i++) {
		const char *t = store_row_is_null(row, i) ? NULL : store_row_text(row, i, NULL);
		v[i] = SV_TEXT(t ? strdup(t) : NULL);
		if (t && !v[i].s) {
			c->rows++; /* so drop_buffered frees this row's values too */
			c->rc = err_internal(c->e, "out of memory");
			return 1;
		}
	}
	if (++c->rows == c->per_insert && (c->rc = flush(c)) < 0)
		return 1;
	return 0;
}

/*
 * Copies table from src into dst (inside the caller's transactions), with
 * every column the source has; the target must have the same columns in the
 * same order (both are at this binary's schema).
 */
static int copy_table(int64_t *copied, struct store *src, struct store *dst, const char *table,
		      struct recur_err *e)
{
	struct names cols = { 0 }, dcols = { 0 };
	struct text sql = { .ok = true };
	struct copy c = { .dst = dst, .table = table, .cols = &cols, .e = e };
	int rc;
	*copied = 0;
	if ((rc = store_columns(src, table, add_name, &cols, e)) < 0 ||
	    (rc = store_columns(dst, table, add_name, &dcols, e)) < 0)
		goto done;
	if (cols.n == 0 || !names_equal(&cols, &dcols)) {
		rc = err_internal(e, "table %s has other columns on the target", table);
		goto done;
	}
	for (int i = 0; i < cols.n; i++) {
		if (strchr(cols.v[i], '"') || strchr(table, '"')) {
			rc = err_internal(e, "table %s: a name with a double quote", table);
			goto done;
		}
	}
	c.per_insert = cols.n >= VALUES_PER_INSERT ? 1 : VALUES_PER_INSERT / cols.n;
	if (!(c.vals = calloc((size_t)(c.per_insert * cols.n), sizeof(*c.vals)))) {
		rc = err_internal(e, "out of memory");
		goto done;
	}
	put(&sql, "SELECT ");
	put_columns(&sql, &cols);
	put(&sql, " FROM ");
	put_ident(&sql, table);
	if (!sql.ok) {
		rc = err_internal(e, "out of memory");
		goto done;
	}
	rc = store_query(src, sql.p, NULL, 0, copy_row, &c, e);
	if (rc == 0)
		rc = flush(&c);
	else if (c.rc < 0)
		rc = c.rc;
	else if (rc > 0)
		rc = err_internal(e, "out of memory");
	if (rc == 0)
		rc = store_reseed(dst, table, e);
	*copied = c.copied;
done:
	drop_buffered(&c);
	free(c.vals);
	free(sql.p);
	names_free(&cols);
	names_free(&dcols);
	return rc;
}

static int count_rows(int64_t *n, struct store *s, const char *table, struct recur_err *e)
{
	struct text sql = { .ok = true };
	put(&sql, "SELECT count(*) FROM ");
	put_ident(&sql, table);
	int rc = sql.ok ? store_query_int(n, NULL, s, sql.p, NULL, 0, e) :
			  err_internal(e, "out of memory");
	free(sql.p);
	return rc;
}

/* schema_migrations is written by recur migrate on each side, not copied. */
static bool copied_table(const char *table)
{
	return strcmp(table, "schema_migrations") != 0;
}

/* Refuses a target that holds any row outside schema_migrations. */
static int check_empty(struct store *dst, const struct names *tables, struct recur_err *e)
{
	for (int i = 0; i < tables->n; i++) {
		int64_t n = 0;
		if (!copied_table(tables->v[i]))
			continue;
		int rc = count_rows(&n, dst, tables->v[i], e);
		if (rc < 0)
			return rc;
		if (n > 0)
			return err_invalid(e, "to", "The target is not empty: %s has %" PRId64
					   " rows (migrate-db copies into a new database only)",
					   tables->v[i], n);
	}
	return 0;
}

/* Copies every table in creation order, in one transaction on the target. */
static int copy_all(int64_t *rows, struct store *src, struct store *dst,
		    const struct names *tables, struct recur_err *e)
{
	int rc;
	bool src_tx = false, dst_tx = false;
	*rows = 0;
	/* the source's writers wait, so the copy is one snapshot of it */
	if ((rc = store_begin(src, e)) < 0)
		goto done;
	src_tx = true;
	if ((rc = store_begin(dst, e)) < 0)
		goto done;
	dst_tx = true;
	for (int i = 0; i < tables->n; i++) {
		int64_t n = 0;
		if (!copied_table(tables->v[i]))
			continue;
		if ((rc = copy_table(&n, src, dst, tables->v[i], e)) < 0)
			goto done;
		*rows += n;
	}
	rc = store_commit(dst, e);
	dst_tx = false;
done:
	if (dst_tx)
		store_rollback(dst);
	if (src_tx)
		store_rollback(src); /* it only read */
	return rc;
}

/* Prints the rows per table on both sides; the number of tables that differ. */
static int compare_counts(int *differ, struct store *src, struct store *dst,
			  const struct names *tables, struct recur_err *e)
{
	*differ = 0;
	printf("%-32s %12s %12s\n", "table", "source", "target");
	for (int i = 0; i < tables->n; i++) {
		int64_t a = 0, b = 0;
		int rc = count_rows(&a, src, tables->v[i], e);
		if (rc < 0 || (rc = count_rows(&b, dst, tables->v[i], e)) < 0)
			return rc;
		printf("%-32s %12" PRId64 " %12" PRId64 "%s\n", tables->v[i], a, b,
		       a == b ? "" : "  DIFFERENT");
		*differ += a != b;
	}
	return 0;
}

/* One side's verify report as recur verify prints it; *report is the caller's to free. */
static int verify_report(char **report, struct svc_ledger_verify_result *res, struct store *db,
			 struct recur_err *e)
{
	size_t len = 0;
	FILE *f = open_memstream(report, &len);
	if (!f)
		return err_internal(e, "out of memory");
	int rc = svc_ledger_verify(res, db, NULL, cli_verify_line, f, e);
	fclose(f);
	return rc;
}

static void print_verify(const char *side, const struct svc_ledger_verify_result *r)
{
	printf("verify %s: %s: %d checks, %d failed, %d skipped\n", side,
	       r->failed ? "FAIL" : "ok", r->checks, r->failed, r->skipped);
}

/* Runs verify on both sides; 0 when both reports are clean and the same. */
static int verify_both(bool *same, struct store *src, struct store *dst, struct recur_err *e)
{
	struct svc_ledger_verify_result a, b;
	char *ra = NULL, *rb = NULL;
	int rc;
	*same = false;
	if ((rc = verify_report(&ra, &a, src, e)) < 0 || (rc = verify_report(&rb, &b, dst, e)) < 0)
		goto done;
	print_verify("source", &a);
	print_verify("target", &b);
	*same = strcmp(ra, rb) == 0 && a.failed == 0 && b.failed == 0;
	if (!*same)
		printf("\nsource report:\n%s\ntarget report:\n%s", ra, rb);
done:
	free(ra);
	free(rb);
	return rc;
}

int cli_migrate_db(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *from = NULL, *to = NULL;
	struct store *src = NULL, *dst = NULL;
	struct names tables = { 0 }, dtables = { 0 };
	struct recur_err e;
	int c, status = 2, differ = 0;
	int64_t rows = 0;
	bool same = false;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'f': from = optarg; break;
		case 't': to = optarg; break;
		case 'h': fputs(usage, stdout); return 0;
		default: fputs(usage, stderr); return 2;
		}
	}
	if (optind < argc || !from || !to) {
		fputs(usage, stderr);
		return 2;
	}
	err_clear(&e);
	if (!(src = cli_open_db(from)) || !(dst = cli_open_db(to)))
		goto done;
	/*
	 * One process holds both write locks while it copies; a back end's writer
	 * lock is per process, so both ends on one back end would wait on
	 * themselves (and a copy within one back end is its own tool's job).
	 */
	if (strcmp(store_dialect(src), store_dialect(dst)) == 0) {
		err_invalid(&e, "to", "Both databases are %s: copy within one back end with its"
			    " own tools (sqlite3 .backup, pg_dump)", store_dialect(src));
		goto fail;
	}
	if (store_tables(src, add_name, &tables, &e) < 0 ||
	    store_tables(dst, add_name, &dtables, &e) < 0)
		goto fail;
	for (int i = 0; i < tables.n; i++) {
		if (!names_have(&dtables, tables.v[i])) {
			err_internal(&e, "the target has no table %s", tables.v[i]);
			goto fail;
		}
	}
	if (check_empty(dst, &dtables, &e) < 0 || copy_all(&rows, src, dst, &tables, &e) < 0)
		goto fail;
	printf("recur migrate-db: %" PRId64 " rows in %d tables copied from %s to %s\n", rows,
	       tables.n - 1, store_dialect(src), store_dialect(dst));
	if (compare_counts(&differ, src, dst, &tables, &e) < 0 ||
	    verify_both(&same, src, dst, &e) < 0)
		goto fail;
	status = differ == 0 && same ? 0 : 1;
	printf("%s\n", status == 0 ? "ok: every count and check is the same" :
				     "FAIL: the copy differs from its source");
	goto done;
fail:
	fflush(stdout);
	fprintf(stderr, "recur: %s\n", e.message);
done:
	names_free(&tables);
	names_free(&dtables);
	store_close(src);
	store_close(dst);
	return status;
}
