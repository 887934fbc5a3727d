/*
 * Tests for formats/csv: the streaming reader (quoting, line endings, BOM,
 * blank lines, delimiter detection, every chunking of the input giving the
 * same records, errors naming row and column, the limits), the writer and
 * its round trip through the reader, and the cell parsers (amounts, dates,
 * yes/no), valid and invalid.
 *
 * Records are compared as a dump, one line per record: "row:f1|f2|...".
 *
 * Unix times were computed independently (Python's calendar.timegm):
 *   2026-01-31           1769817600
 *   2026-02-01           1769904000
 *   2024-02-29           1709164800
 *   2026-01-31T12:00:00Z 1769860800
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/money.h"
#include "formats/csv.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define T_2026_01_31 INT64_C(1769817600)
#define T_2026_02_01 INT64_C(1769904000)
#define T_2024_02_29 INT64_C(1709164800)

/* ---- reading helpers --------------------------------------------------- */

struct got {
	struct buf dump;
	int records;
	int stop_at_row; /* the callback fails on this row (0: never) */
};

static int collect(void *ctx, const struct csv_record *r, struct recur_err *e)
{
	struct got *g = ctx;
	if (g->stop_at_row && r->row == g->stop_at_row)
		return err_set(e, RECUR_EBUSY, 429, "api_error", NULL, NULL, "stop here");
	g->records++;
	assert_int_equal(buf_printf(&g->dump, "%lld:", (long long)r->row), 0);
	for (int i = 0; i < r->nfields; i++) {
		/* every field is a C string of exactly its length */
		assert_int_equal(strlen(r->fields[i]), r->lens[i]);
		if (i)
			assert_int_equal(buf_puts(&g->dump, "|"), 0);
		assert_int_equal(buf_append(&g->dump, r->fields[i], r->lens[i]), 0);
	}
	assert_int_equal(buf_puts(&g->dump, "\n"), 0);
	return 0;
}

/*
 * Reads len bytes in chunks of `chunk` bytes (0: all at once) into g; returns
 * the reader's code and leaves the detected delimiter in *delim if not NULL.
 */
static int read_chunked(struct got *g, const char *data, size_t len, enum csv_delim d,
			size_t chunk, struct recur_err *e, char *delim)
{
	struct csv_reader *r = csv_reader_new(d);
	int rc = 0;
	assert_non_null(r);
	buf_init(&g->dump, 0);
	g->records = 0;
	if (!chunk)
		chunk = len ? len : 1;
	for (size_t off = 0; off < len && rc == 0; off += chunk) {
		size_t n = len - off < chunk ? len - off : chunk;
		rc = csv_reader_feed(r, data + off, n, collect, g, e);
	}
	if (rc == 0)
		rc = csv_reader_finish(r, collect, g, e);
	if (delim)
		*delim = csv_reader_delimiter(r);
	csv_reader_free(r);
	return rc;
}

/* Reads s (a C string) in one go and asserts the dump. */
static void expect_dump(const char *s, enum csv_delim d, const char *want)
{
	struct got g = { 0 };
	struct recur_err e;
	err_clear(&e);
	int rc = read_chunked(&g, s, strlen(s), d, 0, &e, NULL);
	if (rc != 0)
		fail_msg("unexpected error: %s", e.message);
	assert_string_equal(g.dump.data ? g.dump.data : "", want);
	buf_free(&g.dump);
}

/* Reads len bytes in one go and asserts the error code and message. */
static void expect_error_n(const char *s, size_t len, enum csv_delim d, const char *msg)
{
	struct got g = { 0 };
	struct recur_err e;
	err_clear(&e);
	int rc = read_chunked(&g, s, len, d, 0, &e, NULL);
	assert_int_equal(rc, RECUR_EINVAL);
	assert_int_equal(e.status, 400);
	assert_string_equal(e.message, msg);
	buf_free(&g.dump);
}

/* Reads len bytes with commas in chunks of `chunk` and asserts how many records came. */
static void expect_records_n(const char *s, size_t len, size_t chunk, int records)
{
	struct got g = { 0 };
	struct recur_err e;
	err_clear(&e);
	assert_int_equal(read_chunked(&g, s, len, CSV_DELIM_COMMA, chunk, &e, NULL), 0);
	assert_int_equal(g.records, records);
	buf_free(&g.dump);
}

static void expect_error(const char *s, enum csv_delim d, const char *msg)
{
	expect_error_n(s, strlen(s), d, msg);
}

/* ---- reading ----------------------------------------------------------- */

static void test_quoting(void **state)
{
	(void)state;
	expect_dump("name,desc\r\n\"Acme, Inc.\",\"say \"\"hi\"\"\"\r\n", CSV_DELIM_COMMA,
		    "1:name|desc\n2:Acme, Inc.|say \"hi\"\n");
	/* empty fields, quoted and not; a trailing delimiter is one more empty field */
	expect_dump("a,,\"\",b,\n", CSV_DELIM_COMMA, "1:a|||b|\n");
	/* a line holding only "" is a record of one empty field, not a blank line */
	expect_dump("h\n\"\"\nx\n", CSV_DELIM_COMMA, "1:h\n2:\n3:x\n");
	/* blanks around unquoted fields are trimmed, inside quotes kept */
	expect_dump("  a b  ,\t c\t, \" d \" ,\"\"\"\"\n", CSV_DELIM_COMMA, "1:a b|c| d |\"\n");
	/* UTF-8 passes through */
	expect_dump("navn;beløp\nÆrlig Øl;1 250,00\n", CSV_DELIM_SEMICOLON,
		    "1:navn|beløp\n2:Ærlig Øl|1 250,00\n");
}

static void test_embedded_newlines_keep_record_numbers(void **state)
{
	(void)state;
	/* rows are records: the quoted newlines (LF, CRLF, CR) add none */
	expect_dump("a,b\n\"line1\nline2\",x\ny,\"p\r\nq\rr\"\nz,w\n", CSV_DELIM_COMMA,
		    "1:a|b\n2:line1\nline2|x\n3:y|p\r\nq\rr\n4:z|w\n");
	/* the delimiter inside quotes is data */
	expect_dump("\"a,b;c\tz\",d\n", CSV_DELIM_COMMA, "1:a,b;c\tz|d\n");
}

static void test_line_endings(void **state)
{
	(void)state;
	const char *want = "1:a|b\n2:c|d\n";
	expect_dump("a,b\nc,d\n", CSV_DELIM_COMMA, want);
	expect_dump("a,b\r\nc,d\r\n", CSV_DELIM_COMMA, want);
	expect_dump("a,b\rc,d\r", CSV_DELIM_COMMA, want);
	/* no newline after the last record */
	expect_dump("a,b\nc,d", CSV_DELIM_COMMA, want);
	expect_dump("a,b\r\nc,d", CSV_DELIM_COMMA, want);
	/* ... including an empty last field and a quoted last field */
	expect_dump("a,b\nc,", CSV_DELIM_COMMA, "1:a|b\n2:c|\n");
	expect_dump("a,b\nc,\"d\"", CSV_DELIM_COMMA, want);
	/* nothing at all, and only newlines, are no records */
	expect_dump("", CSV_DELIM_COMMA, "");
	expect_dump("\r\n\n\r\n", CSV_DELIM_COMMA, "");
}

static void test_blank_lines_take_row_numbers(void **state)
{
	(void)state;
	/* As Excel numbers them: a blank line is a row, but not a record. */
	expect_dump("a\n\nb\r\n\r\nc\n", CSV_DELIM_COMMA, "1:a\n3:b\n5:c\n");
	expect_dump("a\r\rb", CSV_DELIM_COMMA, "1:a\n3:b\n");
	/* a line of blanks is blank too */
	expect_dump("a\n   \t\nb\n", CSV_DELIM_COMMA, "1:a\n3:b\n");
	/* blank lines before the header count as rows */
	expect_dump("\n\nh1,h2\nv1,v2\n", CSV_DELIM_AUTO, "3:h1|h2\n4:v1|v2\n");
}

static void test_bom(void **state)
{
	(void)state;
	static const char file[] = "\xEF\xBB\xBF"
				   "a;b\n1;2\n";
	expect_dump(file, CSV_DELIM_AUTO, "1:a|b\n2:1|2\n");
	/* split after every byte of the BOM, and fed byte by byte */
	for (size_t cut = 1; cut <= 4; cut++) {
		struct csv_reader *r = csv_reader_new(CSV_DELIM_AUTO);
		struct got g = { 0 };
		struct recur_err e;
		err_clear(&e);
		buf_init(&g.dump, 0);
		assert_int_equal(csv_reader_feed(r, file, cut, collect, &g, &e), 0);
		assert_int_equal(csv_reader_feed(r, file + cut, strlen(file) - cut, collect, &g, &e), 0);
		assert_int_equal(csv_reader_finish(r, collect, &g, &e), 0);
		assert_string_equal(g.dump.data, "1:a|b\n2:1|2\n");
		assert_int_equal(csv_reader_delimiter(r), ';');
		buf_free(&g.dump);
		csv_reader_free(r);
	}
	/* only at the very start: elsewhere U+FEFF is data */
	expect_dump("a\n\xEF\xBB\xBF"
		    "b\n",
		    CSV_DELIM_COMMA, "1:a\n2:\xEF\xBB\xBF"
				     "b\n");
	/* two BOMs: the second is the start of the first field */
	expect_dump("\xEF\xBB\xBF\xEF\xBB\xBF"
		    "a\n",
		    CSV_DELIM_COMMA, "1:\xEF\xBB\xBF"
				     "a\n");
	/* the start of a BOM that is not one is data (here invalid UTF-8) */
	expect_error("\xEF\xBB"
		     "a\n",
		     CSV_DELIM_COMMA, "row 1, column 1: invalid UTF-8");
	expect_error("\xEF", CSV_DELIM_COMMA, "row 1, column 1: invalid UTF-8");
	/* a file that is just a BOM is empty */
	expect_dump("\xEF\xBB\xBF", CSV_DELIM_AUTO, "");
}

/* A small file with a bit of everything: BOM, quotes, CRLF, UTF-8, blank lines. */
static const char MIXED[] = "\xEF\xBB\xBF"
			    "kunde;navn;beløp;merknad\r\n"
			    "cus_1;\"Berg; Sønn AS\";1 250,00;\"sa \"\"hei\"\"\"\r\n"
			    "\r\n"
			    "cus_2;Ærø Ost;-3,5;\"to\r\nlinjer\"\r\n"
			    "cus_3;  trimmes  ;0;\"\"\n"
			    "cus_4;€;12;siste";
static const char MIXED_DUMP[] = "1:kunde|navn|beløp|merknad\n"
				 "2:cus_1|Berg; Sønn AS|1 250,00|sa \"hei\"\n"
				 "4:cus_2|Ærø Ost|-3,5|to\r\nlinjer\n"
				 "5:cus_3|trimmes|0|\n"
				 "6:cus_4|€|12|siste\n";

static void test_every_chunking_gives_the_same_records(void **state)
{
	(void)state;
	size_t len = strlen(MIXED);
	struct recur_err e;
	err_clear(&e);
	for (size_t chunk = 1; chunk <= len; chunk++) {
		struct got g = { 0 };
		char delim = 0;
		assert_int_equal(read_chunked(&g, MIXED, len, CSV_DELIM_AUTO, chunk, &e, &delim), 0);
		assert_string_equal(g.dump.data, MIXED_DUMP);
		assert_int_equal(delim, ';');
		buf_free(&g.dump);
	}
	/* and every split in two */
	for (size_t cut = 0; cut <= len; cut++) {
		struct csv_reader *r = csv_reader_new(CSV_DELIM_AUTO);
		struct got g = { 0 };
		buf_init(&g.dump, 0);
		assert_int_equal(csv_reader_feed(r, MIXED, cut, collect, &g, &e), 0);
		assert_int_equal(csv_reader_feed(r, MIXED + cut, len - cut, collect, &g, &e), 0);
		assert_int_equal(csv_reader_finish(r, collect, &g, &e), 0);
		assert_string_equal(g.dump.data, MIXED_DUMP);
		buf_free(&g.dump);
		csv_reader_free(r);
	}
}

static void test_delimiter_detection(void **state)
{
	(void)state;
	struct recur_err e;
	struct got g = { 0 };
	char d = 0;
	err_clear(&e);

	expect_dump("a;b;c\n1,5;2;3\n", CSV_DELIM_AUTO, "1:a|b|c\n2:1,5|2|3\n");
	expect_dump("a\tb\tc\n1\t2,5\t3\n", CSV_DELIM_AUTO, "1:a|b|c\n2:1|2,5|3\n");
	expect_dump("a,b;c\n", CSV_DELIM_AUTO, "1:a|b;c\n"); /* tie: comma */
	expect_dump("abc\n", CSV_DELIM_AUTO, "1:abc\n");      /* none: comma */
	/* only the header counts, and only outside quotes */
	expect_dump("\"x;y;z\",b\n1;2;3;4\n", CSV_DELIM_AUTO, "1:x;y;z|b\n2:1;2;3;4\n");
	/* a quoted newline in the header does not end it */
	expect_dump("\"a\n,,,\";b;c\n", CSV_DELIM_AUTO, "1:a\n,,,|b|c\n");
	/* a header without a newline is decided at the end */
	assert_int_equal(read_chunked(&g, "x;y", 3, CSV_DELIM_AUTO, 0, &e, &d), 0);
	assert_int_equal(d, ';');
	buf_free(&g.dump);
	/* an explicit delimiter is not second-guessed */
	expect_dump("a;b,c\n", CSV_DELIM_COMMA, "1:a;b|c\n");
	expect_dump("a;b,c\n", CSV_DELIM_SEMICOLON, "1:a|b,c\n");
	expect_dump("a\tb;c\n", CSV_DELIM_TAB, "1:a|b;c\n");

	/* 0 until known: the header is held until its end */
	struct csv_reader *r = csv_reader_new(CSV_DELIM_AUTO);
	buf_init(&g.dump, 0);
	g.records = 0;
	assert_int_equal(csv_reader_delimiter(r), 0);
	assert_int_equal(csv_reader_feed(r, "a;b", 3, collect, &g, &e), 0);
	assert_int_equal(csv_reader_delimiter(r), 0);
	assert_int_equal(g.records, 0);
	assert_int_equal(csv_reader_feed(r, "\n1;2\n", 5, collect, &g, &e), 0);
	assert_int_equal(csv_reader_delimiter(r), ';');
	assert_int_equal(g.records, 2);
	assert_int_equal(csv_reader_finish(r, collect, &g, &e), 0);
	assert_string_equal(g.dump.data, "1:a|b\n2:1|2\n");
	buf_free(&g.dump);
	csv_reader_free(r);
	r = csv_reader_new(CSV_DELIM_TAB);
	assert_int_equal(csv_reader_delimiter(r), '\t');
	csv_reader_free(r);
}

static void test_malformed_input(void **state)
{
	(void)state;
	/* an open quote at the end: the record where it opened */
	expect_error("a,b\n1,\"open\n2,3\n", CSV_DELIM_COMMA,
		     "row 2, column 2: a quoted field is not closed at the end of the file");
	/* a quote inside an unquoted field */
	expect_error("a,b\"c\n", CSV_DELIM_COMMA,
		     "row 1, column 2: a quote must open and close a quoted field"
		     " and be doubled inside it");
	/* text after the closing quote */
	expect_error("h\n\n\"a\"b\n", CSV_DELIM_COMMA,
		     "row 3, column 1: a quote must open and close a quoted field"
		     " and be doubled inside it");
	/* invalid UTF-8: a stray continuation byte, Latin-1, overlong, surrogate, past U+10FFFF, truncated */
	expect_error("a,b\nc,d\ne,\x80\n", CSV_DELIM_COMMA, "row 3, column 2: invalid UTF-8");
	expect_error("navn;bel\xF8p\n", CSV_DELIM_SEMICOLON, "row 1, column 2: invalid UTF-8");
	expect_error("\xC0\xAF\n", CSV_DELIM_COMMA, "row 1, column 1: invalid UTF-8");
	expect_error("x,\xE0\x80\xAF\n", CSV_DELIM_COMMA, "row 1, column 2: invalid UTF-8");
	expect_error("x,\xED\xA0\x80\n", CSV_DELIM_COMMA, "row 1, column 2: invalid UTF-8");
	expect_error("x,\xF4\x90\x80\x80\n", CSV_DELIM_COMMA, "row 1, column 2: invalid UTF-8");
	expect_error("x,y,\"\xE2\x82\"\n", CSV_DELIM_COMMA, "row 1, column 3: invalid UTF-8");
	expect_error_n("h\nx,a\0b\n", 8, CSV_DELIM_COMMA, "row 2, column 2: NUL byte in a field");
	/* the rows before the error were delivered */
	struct got g = { 0 };
	struct recur_err e;
	err_clear(&e);
	assert_int_equal(read_chunked(&g, "a\nb\n\xFF\nc\n", 9, CSV_DELIM_COMMA, 0, &e, NULL),
			 RECUR_EINVAL);
	assert_string_equal(g.dump.data, "1:a\n2:b\n");
	buf_free(&g.dump);
}

static void test_limits(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 0);

	/* 64 fields are fine, 65 are not */
	for (int i = 0; i < CSV_MAX_FIELDS; i++)
		assert_int_equal(buf_puts(&b, i ? ",x" : "x"), 0);
	assert_int_equal(buf_puts(&b, "\n"), 0);
	expect_records_n(b.data, b.len, 0, 1);
	b.len--; /* the newline */
	assert_int_equal(buf_puts(&b, ",x\n"), 0);
	expect_error_n(b.data, b.len, CSV_DELIM_COMMA,
		       "row 1, column 65: more than 64 fields in a record");

	/* a field of 4096 bytes is fine, 4097 is not, quoted or not */
	buf_reset(&b);
	assert_int_equal(buf_puts(&b, "h,i\nx,\""), 0);
	for (int i = 0; i < CSV_MAX_FIELD / 2; i++)
		assert_int_equal(buf_puts(&b, "\xC3\xA6"), 0); /* æ: 2 bytes */
	assert_int_equal(buf_puts(&b, "\"\n"), 0);
	expect_records_n(b.data, b.len, 7, 2);
	b.len -= 2;
	assert_int_equal(buf_puts(&b, "y\"\n"), 0);
	expect_error_n(b.data, b.len, CSV_DELIM_COMMA,
		       "row 2, column 2: field longer than 4096 bytes");
	buf_reset(&b);
	for (int i = 0; i < CSV_MAX_FIELD + 1; i++)
		assert_int_equal(buf_puts(&b, "z"), 0);
	expect_error_n(b.data, b.len, CSV_DELIM_COMMA,
		       "row 1, column 1: field longer than 4096 bytes");

	/*
	 * An endless quoted field (1 MiB, never closed) is stopped within the
	 * raw limit rather than buffered: the error comes from the feed, not
	 * from finish.
	 */
	buf_reset(&b);
	assert_int_equal(buf_puts(&b, "h\n\""), 0);
	for (int i = 0; i < 1024 * 1024 / 8; i++)
		assert_int_equal(buf_puts(&b, "abcdefgh"), 0);
	{
		struct csv_reader *r = csv_reader_new(CSV_DELIM_COMMA);
		struct got g = { 0 };
		struct recur_err e;
		err_clear(&e);
		buf_init(&g.dump, 0);
		assert_int_equal(csv_reader_feed(r, b.data, b.len, collect, &g, &e), RECUR_EINVAL);
		assert_string_equal(e.message, "row 2, column 1: field longer than 4096 bytes");
		assert_int_equal(csv_reader_row(r), 2);
		/* spent: it says the same again, and calls nobody */
		err_clear(&e);
		assert_int_equal(csv_reader_feed(r, "x\n", 2, collect, &g, &e), RECUR_EINVAL);
		assert_string_equal(e.message, "row 2, column 1: field longer than 4096 bytes");
		err_clear(&e);
		assert_int_equal(csv_reader_finish(r, collect, &g, &e), RECUR_EINVAL);
		assert_string_equal(e.message, "row 2, column 1: field longer than 4096 bytes");
		assert_int_equal(g.records, 1);
		buf_free(&g.dump);
		csv_reader_free(r);
	}
	buf_free(&b);
}

static void test_callback_stops_the_reader(void **state)
{
	(void)state;
	struct csv_reader *r = csv_reader_new(CSV_DELIM_COMMA);
	struct got g = { .stop_at_row = 3 };
	struct recur_err e;
	err_clear(&e);
	buf_init(&g.dump, 0);
	assert_int_equal(csv_reader_feed(r, "h\n\nb\nc\nd\n", 9, collect, &g, &e), RECUR_EBUSY);
	assert_string_equal(e.message, "stop here");
	assert_int_equal(csv_reader_row(r), 3);
	assert_int_equal(csv_reader_feed(r, "e\n", 2, collect, &g, &e), RECUR_EBUSY);
	assert_int_equal(csv_reader_finish(r, collect, &g, &e), RECUR_EBUSY);
	assert_string_equal(g.dump.data, "1:h\n");
	buf_free(&g.dump);
	csv_reader_free(r);
	csv_reader_free(NULL);
}

/* 10,000 records streamed in 4 KiB chunks: all there, in order, exact. */
struct big {
	int64_t next_row;
	char want[128];
};

/* Record i's three fields, each in a buffer of 64 bytes. */
static void big_fields(char f[3][64], int i)
{
	snprintf(f[0], 64, "cus_%05d", i);
	snprintf(f[1], 64, "Kunde %d, \"AS\"\nlinje 2", i);
	snprintf(f[2], 64, "%d,%02d", i * 3, i % 100);
}

static void big_record(char *out, size_t cap, int i)
{
	char f[3][64];
	big_fields(f, i);
	snprintf(out, cap, "%s|%s|%s", f[0], f[1], f[2]);
}

static int big_check(void *ctx, const struct csv_record *r, struct recur_err *e)
{
	struct big *b = ctx;
	char got[256];
	(void)e;
	assert_int_equal(r->row, b->next_row);
	assert_int_equal(r->nfields, 3);
	if (r->row == 1) {
		assert_string_equal(r->fields[0], "id");
	} else {
		big_record(b->want, sizeof(b->want), (int)r->row - 1);
		snprintf(got, sizeof(got), "%s|%s|%s", r->fields[0], r->fields[1], r->fields[2]);
		assert_string_equal(got, b->want);
	}
	b->next_row++;
	return 0;
}

static void test_ten_thousand_records_in_4k_chunks(void **state)
{
	(void)state;
	struct buf file;
	struct big b = { .next_row = 1 };
	struct recur_err e;
	struct csv_reader *r = csv_reader_new(CSV_DELIM_AUTO);
	buf_init(&file, 0);
	err_clear(&e);
	assert_int_equal(buf_puts(&file, "id;name;amount\r\n"), 0);
	for (int i = 1; i <= 10000; i++) {
		char f[3][64];
		big_fields(f, i);
		assert_int_equal(csv_write_row(&file, (const char *const[]){ f[0], f[1], f[2] }, 3, ';'),
				 0);
	}
	for (size_t off = 0; off < file.len; off += 4096) {
		size_t n = file.len - off < 4096 ? file.len - off : 4096;
		assert_int_equal(csv_reader_feed(r, file.data + off, n, big_check, &b, &e), 0);
	}
	assert_int_equal(csv_reader_finish(r, big_check, &b, &e), 0);
	assert_int_equal(b.next_row, 10002);
	assert_int_equal(csv_reader_row(r), 10002);
	csv_reader_free(r);
	buf_free(&file);
}

/* ---- writing ----------------------------------------------------------- */

static void expect_field(const char *s, char delim, const char *want)
{
	struct buf b;
	buf_init(&b, 0);
	assert_int_equal(csv_write_field(&b, s, delim), 0);
	assert_string_equal(b.data ? b.data : "", want);
	buf_free(&b);
}

static void test_write_field(void **state)
{
	(void)state;
	expect_field("plain", ',', "plain");
	expect_field("", ',', "");
	expect_field(NULL, ',', "");
	expect_field("a,b", ',', "\"a,b\"");
	expect_field("a;b", ',', "a;b");
	expect_field("a;b", ';', "\"a;b\"");
	expect_field("a\tb", '\t', "\"a\tb\"");
	expect_field("say \"hi\"", ',', "\"say \"\"hi\"\"\"");
	expect_field("\"", ',', "\"\"\"\"");
	expect_field("two\nlines", ',', "\"two\nlines\"");
	expect_field("cr\r", ',', "\"cr\r\"");
	expect_field(" lead", ',', "\" lead\"");
	expect_field("trail\t", ',', "\"trail\t\"");
	expect_field("in side", ',', "in side");
	expect_field("\xEF\xBB\xBFx", ',', "\"\xEF\xBB\xBFx\"");
	expect_field("Ærø", ';', "Ærø");

	/* past the buffer's cap: an error, and the buffer as it was */
	struct buf b;
	buf_init(&b, 8);
	assert_int_equal(buf_puts(&b, "ab,"), 0);
	assert_int_equal(csv_write_field(&b, "x,yyyy", ','), RECUR_ETOOBIG);
	assert_int_equal(b.len, 3);
	assert_string_equal(b.data, "ab,");
	buf_free(&b);
}

static void test_write_row(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 0);
	const char *row[] = { "a", NULL, "c,d", "" };
	assert_int_equal(csv_write_row(&b, row, 4, ','), 0);
	assert_string_equal(b.data, "a,,\"c,d\",\r\n");
	buf_reset(&b);
	const char *one_empty[] = { "" };
	assert_int_equal(csv_write_row(&b, one_empty, 1, ';'), 0);
	assert_string_equal(b.data, "\"\"\r\n");
	buf_free(&b);
}

static void test_write_read_round_trip(void **state)
{
	(void)state;
	static const char *const rows[][4] = {
		{ "id", "navn", "beløp", "merknad" },
		{ "1", "Berg; Sønn \"AS\"", "1 250,00", "to\nlinjer" },
		{ "2", " med mellomrom ", "", "cr\r\nlf" },
		{ "3", "\xEF\xBB\xBF", "\t", "\"" },
		{ "4", "a,b", "", "" },
	};
	static const char delims[] = { ',', ';', '\t' };
	for (size_t d = 0; d < N(delims); d++) {
		struct buf file, want;
		struct got g = { 0 };
		struct recur_err e;
		char detected = 0;
		buf_init(&file, 0);
		buf_init(&want, 0);
		err_clear(&e);
		for (size_t i = 0; i < N(rows); i++) {
			assert_int_equal(csv_write_row(&file, rows[i], 4, delims[d]), 0);
			assert_int_equal(buf_printf(&want, "%zu:%s|%s|%s|%s\n", i + 1, rows[i][0],
						    rows[i][1], rows[i][2], rows[i][3]),
					 0);
		}
		/* and a row of one empty field */
		assert_int_equal(csv_write_row(&file, (const char *const[]){ "" }, 1, delims[d]), 0);
		assert_int_equal(buf_puts(&want, "6:\n"), 0);
		for (size_t chunk = 0; chunk < 4; chunk++) {
			assert_int_equal(read_chunked(&g, file.data, file.len, CSV_DELIM_AUTO, chunk,
						      &e, &detected),
					 0);
			assert_int_equal(detected, delims[d]);
			assert_string_equal(g.dump.data, want.data);
			buf_free(&g.dump);
		}
		buf_free(&file);
		buf_free(&want);
	}
}

/* ---- values ------------------------------------------------------------ */

static void test_parse_amount(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		int exponent;
		bool comma;
		int64_t want;
	} ok[] = {
		{ "1250.00", 2, false, 125000 },
		{ "1250", 2, false, 125000 },
		{ "-3.5", 2, false, -350 },
		{ "0.01", 2, false, 1 },
		{ "1 250.00", 2, false, 125000 },
		{ " 12.50 ", 2, false, 1250 },
		{ "1 250,00", 2, true, 125000 },
		{ "1\xC2\xA0"
		  "250,00",
		  2, true, 125000 },
		{ "1\xE2\x80\xAF"
		  "250,50",
		  2, true, 125050 },
		{ "12\xE2\x80\xAF"
		  "345\xE2\x80\xAF"
		  "678,9",
		  2, true, 1234567890 },
		{ "1.250,00", 2, true, 125000 },
		{ "1250,5", 2, true, 125050 },
		{ "-0,05", 2, true, -5 },
		{ "1250", 0, true, 1250 },
		{ "1.234", 3, false, 1234 },
		{ "10000000000000.00", 2, false, INT64_C(1000000000000000) },
	};
	static const struct {
		const char *s;
		int exponent;
		bool comma;
		int rc;
	} bad[] = {
		{ "12.345", 2, false, RECUR_EINVAL },   /* more decimals than the currency */
		{ "12,345", 2, true, RECUR_EINVAL },
		{ "12.5", 0, false, RECUR_EINVAL },     /* JPY has none */
		{ "1,50", 2, false, RECUR_EINVAL },     /* a comma without decimal_comma */
		{ "1 250,00", 2, false, RECUR_EINVAL },
		{ "1,250.00", 2, false, RECUR_EINVAL }, /* comma grouping is ambiguous */
		{ "12.50", 2, true, RECUR_EINVAL },     /* a point is a group separator there */
		{ "12 50", 2, false, RECUR_EINVAL },    /* irregular groups */
		{ "", 2, false, RECUR_EINVAL },
		{ "   ", 2, true, RECUR_EINVAL },
		{ "abc", 2, false, RECUR_EINVAL },
		{ "1e3", 2, false, RECUR_EINVAL },
		{ "+5", 2, false, RECUR_EINVAL },
		{ "kr 100", 2, true, RECUR_EINVAL },
		{ "10000000000000.01", 2, false, RECUR_EINVAL }, /* beyond MONEY_MAX_ABS */
		{ "99999999999999999999", 0, false, RECUR_EOVERFLOW },
		{ "1111111111111111111111111111111111111111111111111111111111111111111", 2, false,
		  RECUR_EINVAL }, /* too long to be a cell */
	};
	for (size_t i = 0; i < N(ok); i++) {
		struct recur_err e;
		int64_t v = -1;
		err_clear(&e);
		if (csv_parse_amount(&v, ok[i].s, ok[i].exponent, ok[i].comma, &e) != 0)
			fail_msg("'%s': %s", ok[i].s, e.message);
		assert_int_equal(v, ok[i].want);
	}
	for (size_t i = 0; i < N(bad); i++) {
		struct recur_err e;
		int64_t v = 7;
		err_clear(&e);
		int rc = csv_parse_amount(&v, bad[i].s, bad[i].exponent, bad[i].comma, &e);
		if (rc != bad[i].rc)
			fail_msg("'%s': rc %d, want %d", bad[i].s, rc, bad[i].rc);
		assert_int_equal(v, 7);
		assert_int_equal(e.status, 400);
		assert_true(e.message[0] != '\0');
	}
	/* the message quotes the cell as written, not as rewritten */
	struct recur_err e;
	int64_t v;
	err_clear(&e);
	assert_int_equal(csv_parse_amount(&v, "1 250.005", 2, false, &e), RECUR_EINVAL);
	assert_string_equal(e.message, "Invalid amount '1 250.005': too many decimals for the currency.");
	err_clear(&e);
	assert_int_equal(csv_parse_amount(&v, "12.345", 2, false, &e), RECUR_EINVAL);
	assert_string_equal(e.message, "Invalid amount '12.345': too many decimals for the currency.");
}

static void test_parse_date(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		bool dmy;
		int64_t want;
	} ok[] = {
		{ "2026-01-31", false, T_2026_01_31 },
		{ "2026-01-31", true, T_2026_01_31 },
		{ " 2026-01-31 ", false, T_2026_01_31 },
		{ "2026-01-31T12:00:00Z", false, T_2026_01_31 + 43200 },
		{ "2026-01-31T12:00:00+01:00", true, T_2026_01_31 + 39600 },
		{ "2026-01-31T12:00:00.5Z", true, T_2026_01_31 + 43200 },
		{ "31.01.2026", true, T_2026_01_31 },
		{ "31/01/2026", true, T_2026_01_31 },
		{ "1.2.2026", true, T_2026_02_01 },
		{ "01.02.2026", true, T_2026_02_01 },
		{ "29.02.2024", true, T_2024_02_29 },
	};
	static const struct {
		const char *s;
		bool dmy;
	} bad[] = {
		{ "31.01.2026", false }, /* day first only when asked */
		{ "31.02.2026", true },  { "29.02.2026", true },  { "32.01.2026", true },
		{ "00.01.2026", true },  { "01.13.2026", true },  { "31.01/2026", true },
		{ "31.01.26", true },    { "31.01.20266", true }, { "311.01.2026", true },
		{ "31.01.2026x", true }, { "2026-02-30", false }, { "2026-01-31T12:00:00", false },
		{ "", false },           { "i går", true },       { "01/31/2026", true },
	};
	for (size_t i = 0; i < N(ok); i++) {
		struct recur_err e;
		int64_t v = -1;
		err_clear(&e);
		if (csv_parse_date(&v, ok[i].s, ok[i].dmy, &e) != 0)
			fail_msg("'%s': %s", ok[i].s, e.message);
		assert_int_equal(v, ok[i].want);
	}
	for (size_t i = 0; i < N(bad); i++) {
		struct recur_err e;
		int64_t v = 7;
		err_clear(&e);
		if (csv_parse_date(&v, bad[i].s, bad[i].dmy, &e) != RECUR_EINVAL)
			fail_msg("'%s' was accepted", bad[i].s);
		assert_int_equal(v, 7);
		assert_int_equal(e.status, 400);
	}
	struct recur_err e;
	int64_t v;
	err_clear(&e);
	assert_int_equal(csv_parse_date(&v, "31.02.2026", true, &e), RECUR_EINVAL);
	assert_string_equal(e.message, "Invalid date '31.02.2026': expected DD.MM.YYYY, a real day");
}

static void test_parse_bool(void **state)
{
	(void)state;
	static const char *const yes[] = { "true", "TRUE", "Yes", "1", "ja", " Ja " };
	static const char *const no[] = { "false", "False", "NO", "0", "nei", "Nej" };
	static const char *const bad[] = { "", "2", "y", "n", "sant", "truee", "on" };
	struct recur_err e;
	bool v;
	err_clear(&e);
	for (size_t i = 0; i < N(yes); i++) {
		v = false;
		assert_int_equal(csv_parse_bool(&v, yes[i], &e), 0);
		assert_true(v);
	}
	for (size_t i = 0; i < N(no); i++) {
		v = true;
		assert_int_equal(csv_parse_bool(&v, no[i], &e), 0);
		assert_false(v);
	}
	for (size_t i = 0; i < N(bad); i++) {
		v = true;
		assert_int_equal(csv_parse_bool(&v, bad[i], &e), RECUR_EINVAL);
		assert_true(v);
	}
	assert_string_equal(e.message, "Invalid yes/no value 'on': use true or false");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quoting),
		cmocka_unit_test(test_embedded_newlines_keep_record_numbers),
		cmocka_unit_test(test_line_endings),
		cmocka_unit_test(test_blank_lines_take_row_numbers),
		cmocka_unit_test(test_bom),
		cmocka_unit_test(test_every_chunking_gives_the_same_records),
		cmocka_unit_test(test_delimiter_detection),
		cmocka_unit_test(test_malformed_input),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_callback_stops_the_reader),
		cmocka_unit_test(test_ten_thousand_records_in_4k_chunks),
		cmocka_unit_test(test_write_field),
		cmocka_unit_test(test_write_row),
		cmocka_unit_test(test_write_read_round_trip),
		cmocka_unit_test(test_parse_amount),
		cmocka_unit_test(test_parse_date),
		cmocka_unit_test(test_parse_bool),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
