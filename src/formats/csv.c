/*
 * csv.c - the streaming CSV reader (csv.h) on top of libcsv.
 *
 * Input goes through three stages, each keeping its own state across feeds so
 * that any chunking gives the same records:
 *   1. the BOM filter: up to three bytes held back until they are known to be
 *      (dropped) or not to be (passed on) EF BB BF at the start of the file;
 *   2. delimiter detection (AUTO only): bytes are held until the header record
 *      ends (or CSV_DETECT_MAX bytes were scanned), then the delimiter is set
 *      and the held bytes go on;
 *   3. libcsv, whose field and record callbacks assemble one record of
 *      NUL-terminated fields, check them and hand the record to the caller.
 *
 * libcsv cannot be stopped from inside a callback, so a callback that fails
 * records the error and ignores everything after it; the input is given to
 * libcsv in slices so that a failure stops the work within one slice.
 */
#include "formats/csv.h"

#include <csv.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* libcsv's buffer holds the field being read plus blanks after it. */
#define RAW_FIELD_MAX (2 * CSV_MAX_FIELD)
/* Bytes given to libcsv per call, so that an error stops the work soon. */
#define SLICE 4096

struct csv_reader {
	struct csv_parser p;
	char delim;         /* 0 until known */
	int bom;            /* BOM bytes matched and held: 0-3; -1 once decided */
	int64_t row;        /* the record being read */
	int last_term;      /* the character that ended the previous record (CR/LF), or 0 */
	/* delimiter detection (AUTO) */
	struct buf held;
	size_t scanned;
	bool in_quote, seen_content;
	int64_t n_comma, n_semi, n_tab;
	/* the record being assembled: fields back to back, each NUL-terminated */
	struct buf rec;
	int nfields;
	size_t off[CSV_MAX_FIELDS];
	size_t lens[CSV_MAX_FIELDS];
	const char *ptrs[CSV_MAX_FIELDS];
	/* for the libcsv callbacks during one feed */
	csv_record_fn fn;
	void *ctx;
	struct recur_err *cb_e;
	/* the first failure; the reader is spent once rc < 0 */
	int rc;
	struct recur_err err;
};

static const unsigned char BOM[3] = { 0xEF, 0xBB, 0xBF };

/*
 * libcsv grows its field buffer through this; refusing past RAW_FIELD_MAX
 * turns an endless field (an unterminated quote in a huge file) into an
 * error at a bounded size instead of unbounded memory.
 */
static void *bounded_realloc(void *p, size_t n)
{
	return n > RAW_FIELD_MAX ? NULL : realloc(p, n);
}

/* Records the reader's failure; the message names the row and 1-based column. */
__attribute__((format(printf, 2, 3)))
static void fail(struct csv_reader *r, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	if (r->rc < 0)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	r->rc = err_invalid(&r->err, NULL, "row %lld, column %d: %s", (long long)r->row,
			    r->nfields + 1, msg);
}

static void fail_oom(struct csv_reader *r)
{
	if (r->rc < 0)
		return;
	r->rc = err_internal(&r->err, "out of memory reading CSV");
}

/*
 * Length of the valid UTF-8 sequence at s (n bytes left), or 0 if it is not
 * one: RFC 3629 well-formed only, so no overlong forms, no surrogates, nothing
 * past U+10FFFF. NUL is refused too (fields are C strings).
 */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len;
	unsigned lo = 0x80, hi = 0xBF; /* the allowed range of the second byte */
	if (c == 0)
		return 0;
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		if (c == 0xE0)
			lo = 0xA0; /* overlong */
		else if (c == 0xED)
			hi = 0x9F; /* surrogates */
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		if (c == 0xF0)
			lo = 0x90; /* overlong */
		else if (c == 0xF4)
			hi = 0x8F; /* past U+10FFFF */
	} else {
		return 0;
	}
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	return len;
}

static bool utf8_valid(const unsigned char *s, size_t n, bool *nul)
{
	*nul = false;
	for (size_t i = 0; i < n;) {
		size_t k = utf8_seq(s + i, n - i);
		if (k == 0) {
			*nul = s[i] == 0;
			return false;
		}
		i += k;
	}
	return true;
}

/* libcsv: one complete field of the current record. */
static void on_field(void *data, size_t len, void *rd)
{
	struct csv_reader *r = rd;
	bool nul;
	if (r->rc < 0)
		return;
	if (r->nfields == CSV_MAX_FIELDS) {
		fail(r, "more than %d fields in a record", CSV_MAX_FIELDS);
		return;
	}
	if (len > CSV_MAX_FIELD) {
		fail(r, "field longer than %d bytes", CSV_MAX_FIELD);
		return;
	}
	if (len && !utf8_valid(data, len, &nul)) {
		fail(r, "%s", nul ? "NUL byte in a field" : "invalid UTF-8");
		return;
	}
	/* buf_append NUL-terminates; the second append keeps that NUL. */
	r->off[r->nfields] = r->rec.len;
	if (buf_append(&r->rec, data ? data : "", len) < 0 || buf_append(&r->rec, "", 1) < 0) {
		fail_oom(r);
		return;
	}
	r->lens[r->nfields++] = len;
}

/* libcsv: the end of a record (c is CR or LF, or -1 at the end of input). */
static void on_record_end(int c, void *rd)
{
	struct csv_reader *r = rd;
	int prev = r->last_term;
	if (r->rc < 0)
		return;
	r->last_term = c;
	if (r->nfields == 0) {
		/*
		 * libcsv (CSV_REPALL_NL) reports every newline outside a record:
		 * the LF of a CRLF, which ends nothing, and blank lines, which
		 * take a row number but are not records. libcsv skips blanks
		 * before it reports a newline, so a CR, blanks and an LF count
		 * as one line end (only a CR-only file with a line of blanks
		 * would number its rows one short from there).
		 */
		if (!(c == '\n' && prev == '\r'))
			r->row++;
		return;
	}
	for (int i = 0; i < r->nfields; i++)
		r->ptrs[i] = r->rec.data + r->off[i];
	struct csv_record rec = { .row = r->row, .nfields = r->nfields,
				  .fields = r->ptrs, .lens = r->lens };
	int rc = r->fn ? r->fn(r->ctx, &rec, r->cb_e) : 0;
	if (rc < 0) {
		r->rc = rc;
		r->err = *r->cb_e;
		return;
	}
	r->row++;
	r->nfields = 0;
	buf_reset(&r->rec);
}

/* After libcsv stopped with an error: say which, at the record and field being read. */
static void parse_failed(struct csv_reader *r)
{
	int st = csv_error(&r->p);
	if (r->rc < 0)
		return;
	if (st == CSV_EPARSE)
		fail(r, "a quote must open and close a quoted field and be doubled inside it");
	else if (st == CSV_ENOMEM && csv_get_buffer_size(&r->p) >= RAW_FIELD_MAX)
		fail(r, "field longer than %d bytes", CSV_MAX_FIELD);
	else
		fail_oom(r);
}

/* Stage 3: libcsv, a slice at a time. */
static void parse(struct csv_reader *r, const unsigned char *s, size_t len)
{
	while (len && r->rc == 0) {
		size_t n = len < SLICE ? len : SLICE;
		if (csv_parse(&r->p, s, n, on_field, on_record_end, r) != n)
			parse_failed(r);
		s += n;
		len -= n;
	}
}

static void set_delim(struct csv_reader *r, char d)
{
	r->delim = d;
	csv_set_delim(&r->p, (unsigned char)d);
}

/*
 * Stage 2: counts ; , and tab outside quotes until the header record ends.
 * A quote toggles "inside quotes"; a doubled quote toggles twice, which is
 * what it means. Leading newlines (blank lines before the header) are skipped.
 * Returns true once the delimiter is decided.
 */
static bool detect_scan(struct csv_reader *r, const unsigned char *s, size_t len)
{
	for (size_t i = 0; i < len; i++, r->scanned++) {
		unsigned char c = s[i];
		if (r->scanned >= CSV_DETECT_MAX)
			return true;
		if (c == '"')
			r->in_quote = !r->in_quote;
		else if (r->in_quote)
			continue;
		else if (c == '\r' || c == '\n') {
			if (r->seen_content)
				return true;
			continue;
		} else if (c == ',')
			r->n_comma++;
		else if (c == ';')
			r->n_semi++;
		else if (c == '\t')
			r->n_tab++;
		r->seen_content = true;
	}
	return false;
}

static void detect_decide(struct csv_reader *r)
{
	char d = ',';
	if (r->n_semi > r->n_comma && r->n_semi >= r->n_tab)
		d = ';';
	else if (r->n_tab > r->n_comma && r->n_tab > r->n_semi)
		d = '\t';
	set_delim(r, d);
}

/* Stage 2: hold bytes until the delimiter is known, then pass everything on. */
static void detect(struct csv_reader *r, const unsigned char *s, size_t len, bool end)
{
	if (r->delim) {
		parse(r, s, len);
		return;
	}
	bool done = detect_scan(r, s, len) || end;
	if (!done) {
		if (buf_append(&r->held, s, len) < 0)
			fail_oom(r);
		return;
	}
	detect_decide(r);
	parse(r, (const unsigned char *)r->held.data, r->held.len);
	buf_free(&r->held);
	parse(r, s, len);
}

/* Stage 1: drops EF BB BF at the very start, even when split over feeds. */
static void unbom(struct csv_reader *r, const unsigned char *s, size_t len, bool end)
{
	while (r->bom >= 0 && len && *s == BOM[r->bom]) {
		s++;
		len--;
		if (++r->bom == 3)
			r->bom = -1; /* a whole BOM: dropped */
	}
	if (r->bom >= 0 && (len || end)) {
		/* not a BOM after all: what was held is data */
		size_t held = (size_t)r->bom;
		r->bom = -1;
		detect(r, BOM, held, false);
	}
	detect(r, s, len, end);
}

struct csv_reader *csv_reader_new(enum csv_delim d)
{
	struct csv_reader *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	/* Strict quoting; an empty unquoted field is "", not a NULL. */
	if (csv_init(&r->p, CSV_STRICT | CSV_STRICT_FINI | CSV_REPALL_NL) != 0) {
		free(r);
		return NULL;
	}
	csv_set_realloc_func(&r->p, bounded_realloc);
	r->row = 1;
	buf_init(&r->held, CSV_DETECT_MAX + SLICE);
	buf_init(&r->rec, (size_t)CSV_MAX_FIELDS * (CSV_MAX_FIELD + 1));
	if (d == CSV_DELIM_COMMA)
		set_delim(r, ',');
	else if (d == CSV_DELIM_SEMICOLON)
		set_delim(r, ';');
	else if (d == CSV_DELIM_TAB)
		set_delim(r, '\t');
	return r;
}

/* Runs one step with the caller's callback and reports the reader's state. */
static int step(struct csv_reader *r, const void *data, size_t len, bool end,
		csv_record_fn fn, void *ctx, struct recur_err *e)
{
	if (r->rc == 0) {
		r->fn = fn;
		r->ctx = ctx;
		r->cb_e = e;
		unbom(r, data, len, end);
		if (end && r->rc == 0 && csv_fini(&r->p, on_field, on_record_end, r) != 0) {
			if (csv_error(&r->p) == CSV_EPARSE) /* CSV_STRICT_FINI */
				fail(r, "a quoted field is not closed at the end of the file");
			else
				parse_failed(r);
		}
		r->fn = NULL;
		r->ctx = NULL;
		r->cb_e = NULL;
	}
	if (r->rc < 0)
		*e = r->err;
	return r->rc;
}

int csv_reader_feed(struct csv_reader *r, const void *data, size_t len, csv_record_fn fn,
		    void *ctx, struct recur_err *e)
{
	return step(r, data, len, false, fn, ctx, e);
}

int csv_reader_finish(struct csv_reader *r, csv_record_fn fn, void *ctx, struct recur_err *e)
{
	return step(r, NULL, 0, true, fn, ctx, e);
}

char csv_reader_delimiter(const struct csv_reader *r)
{
	return r->delim;
}

int64_t csv_reader_row(const struct csv_reader *r)
{
	return r->row;
}

void csv_reader_free(struct csv_reader *r)
{
	if (!r)
		return;
	csv_free(&r->p);
	buf_free(&r->held);
	buf_free(&r->rec);
	free(r);
}
