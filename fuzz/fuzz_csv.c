/*
 * fuzz_csv - the streaming CSV reader and the writer (formats/csv.c,
 * csv_write.c): any bytes a user may upload as an import file.
 *
 * Input: byte 0 picks the delimiter mode (low two bits: AUTO, comma,
 * semicolon, tab) and where the rest is split in two feeds (high six bits, a
 * fraction of its length); the rest is the file.
 *
 * Properties: reading in one feed and in two gives the same records, the
 * same result and the same message; a failure is RECUR_EINVAL with status
 * 400 and a message naming row and column; rows only grow; every field is a
 * C string of exactly its length, NUL-free and valid UTF-8 (checked here by
 * a decoder of its own, not the reader's); writing the records with
 * csv_write_row and reading that back gives the same fields.
 */
#include "fuzz.h"

#include "core/buf.h"
#include "core/err.h"
#include "formats/csv.h"

#include <stdbool.h>

struct seen {
	struct buf rows;    /* row numbers and fields, to compare two readings */
	struct buf fields;  /* fields only: what the rewritten file must give again */
	struct buf rewrite; /* the records again, as csv_write_row writes them */
	char delim;         /* the delimiter to rewrite with; 0 until known */
	int64_t last_row;
};

/* Decodes one code point; false for anything RFC 3629 does not allow. */
static bool utf8_next(const unsigned char **p, const unsigned char *end)
{
	unsigned c = *(*p)++;
	unsigned cp, need, min;
	if (c < 0x80)
		return c != 0;
	if ((c & 0xE0) == 0xC0)
		need = 1, min = 0x80, cp = c & 0x1F;
	else if ((c & 0xF0) == 0xE0)
		need = 2, min = 0x800, cp = c & 0x0F;
	else if ((c & 0xF8) == 0xF0)
		need = 3, min = 0x10000, cp = c & 0x07;
	else
		return false;
	if ((size_t)(end - *p) < need)
		return false;
	while (need--) {
		unsigned k = *(*p)++;
		if ((k & 0xC0) != 0x80)
			return false;
		cp = (cp << 6) | (k & 0x3F);
	}
	return cp >= min && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
}

static void put_field(struct buf *b, const char *s, size_t len)
{
	uint64_t n = len;
	FUZZ_CHECK(buf_append(b, &n, sizeof(n)) == 0);
	FUZZ_CHECK(buf_append(b, s, len) == 0);
}

static int on_record(void *ctx, const struct csv_record *r, struct recur_err *e)
{
	struct seen *s = ctx;
	(void)e;
	FUZZ_CHECK(r->row > s->last_row);
	FUZZ_CHECK(r->nfields >= 1 && r->nfields <= CSV_MAX_FIELDS);
	s->last_row = r->row;
	FUZZ_CHECK(buf_append(&s->rows, &r->row, sizeof(r->row)) == 0);
	FUZZ_CHECK(buf_append(&s->fields, &r->nfields, sizeof(r->nfields)) == 0);
	for (int i = 0; i < r->nfields; i++) {
		const unsigned char *p = (const unsigned char *)r->fields[i];
		const unsigned char *end = p + r->lens[i];
		FUZZ_CHECK(r->lens[i] <= CSV_MAX_FIELD);
		FUZZ_CHECK(strlen(r->fields[i]) == r->lens[i]);
		while (p < end)
			FUZZ_CHECK(utf8_next(&p, end));
		put_field(&s->rows, r->fields[i], r->lens[i]);
		put_field(&s->fields, r->fields[i], r->lens[i]);
	}
	if (s->delim)
		FUZZ_CHECK(csv_write_row(&s->rewrite, r->fields, r->nfields, s->delim) == 0);
	return 0;
}

static void seen_init(struct seen *s, char delim)
{
	memset(s, 0, sizeof(*s));
	buf_init(&s->rows, 0);
	buf_init(&s->fields, 0);
	buf_init(&s->rewrite, 0);
	s->delim = delim;
}

static void seen_free(struct seen *s)
{
	buf_free(&s->rows);
	buf_free(&s->fields);
	buf_free(&s->rewrite);
}

static bool same(const struct buf *a, const struct buf *b)
{
	return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

/*
 * Reads data in feeds split at cut (cut == len: one feed). Returns the
 * result; e holds its error, *delim the delimiter the reader used.
 */
static int read_all(struct seen *s, const uint8_t *data, size_t len, size_t cut,
		    enum csv_delim d, struct recur_err *e, char *delim)
{
	struct csv_reader *r = csv_reader_new(d);
	int rc;
	FUZZ_CHECK(r != NULL);
	if (!data)
		data = (const uint8_t *)""; /* an empty rewrite: no pointer arithmetic on NULL */
	err_clear(e);
	rc = csv_reader_feed(r, data, cut, on_record, s, e);
	if (rc == 0)
		rc = csv_reader_feed(r, data + cut, len - cut, on_record, s, e);
	if (rc == 0)
		rc = csv_reader_finish(r, on_record, s, e);
	*delim = csv_reader_delimiter(r);
	FUZZ_CHECK(csv_reader_row(r) >= s->last_row);
	csv_reader_free(r);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum csv_delim modes[] = { CSV_DELIM_AUTO, CSV_DELIM_COMMA,
						CSV_DELIM_SEMICOLON, CSV_DELIM_TAB };
	static const char chars[] = { 0, ',', ';', '\t' };
	if (size < 1)
		return 0;
	enum csv_delim mode = modes[data[0] & 3];
	size_t len = size - 1;
	size_t cut = len * (size_t)(data[0] >> 2) / 63;
	const uint8_t *file = data + 1;
	struct seen one, two, again;
	struct recur_err e1, e2, e3;
	char d1, d2, d3;

	/*
	 * The first reading rewrites as it goes, so it must know the delimiter
	 * up front; under AUTO a first pass finds it (only the header decides).
	 */
	seen_init(&one, chars[data[0] & 3]);
	if (!one.delim) {
		struct seen probe;
		seen_init(&probe, 0);
		(void)read_all(&probe, file, len, len, mode, &e1, &one.delim);
		seen_free(&probe);
	}
	int rc1 = read_all(&one, file, len, len, mode, &e1, &d1);
	FUZZ_CHECK(d1 == one.delim);
	if (rc1 != 0) {
		FUZZ_CHECK(rc1 == RECUR_EINVAL && e1.status == 400);
		FUZZ_CHECK(strncmp(e1.message, "row ", 4) == 0 && strstr(e1.message, ", column "));
	}

	/* any split gives the same */
	seen_init(&two, 0);
	int rc2 = read_all(&two, file, len, cut, mode, &e2, &d2);
	FUZZ_CHECK(rc2 == rc1 && d2 == d1);
	FUZZ_CHECK(strcmp(e1.message, e2.message) == 0);
	FUZZ_CHECK(same(&one.rows, &two.rows));

	/* what was read, written again, reads back the same */
	static const enum csv_delim explicit_mode[256] = { [','] = CSV_DELIM_COMMA,
							   [';'] = CSV_DELIM_SEMICOLON,
							   ['\t'] = CSV_DELIM_TAB };
	seen_init(&again, 0);
	int rc3 = read_all(&again, (const uint8_t *)one.rewrite.data, one.rewrite.len,
			   one.rewrite.len, explicit_mode[(unsigned char)d1], &e3, &d3);
	if (rc3 != 0)
		fprintf(stderr, "fuzz_csv: rewritten file failed: %s\n", e3.message);
	FUZZ_CHECK(rc3 == 0);
	FUZZ_CHECK(same(&one.fields, &again.fields));

	seen_free(&one);
	seen_free(&two);
	seen_free(&again);
	return 0;
}
