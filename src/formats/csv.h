/*
 * csv.h - reads and writes the CSV files of imports and exports (RFC 4180,
 * as spreadsheets write it), streaming and with bounded memory.
 *
 * Reading. libcsv does the tokenising (strict mode); this module adds what an
 * import needs on top: the delimiter (given, or detected from the header),
 * a UTF-8 BOM at the very start dropped, every field checked to be valid UTF-8
 * without NUL bytes, limits on fields per record and bytes per field, record
 * numbers for error messages, and one callback per complete record. Input may
 * be fed in any chunking: a record, a quoted field, a UTF-8 sequence or the
 * BOM may be split across calls, and the records come out the same.
 *
 * What a field is. libcsv's rules: a field may be quoted with '"', a quote
 * inside it is doubled, and a quoted field may hold the delimiter, CR and LF.
 * Spaces and tabs around an unquoted field are trimmed ("  a b " is "a b"), as
 * are spaces between a closing quote and the delimiter; inside quotes they are
 * kept. Records end at LF, CRLF or a lone CR; the last one needs no newline.
 *
 * Row numbers. csv_record.row counts records as a spreadsheet numbers its
 * rows: the first record (the header) is 1, the next 2, and so on. A quoted
 * field with newlines stays one row. A fully empty line (nothing, or only
 * spaces and tabs, between two newlines) takes its row number, as Excel counts
 * it, but is skipped: the callback is never called for it. So a header after
 * two blank lines is row 3.
 *
 * Errors. Malformed input stops the reader with RECUR_EINVAL (status 400) and
 * a message that names the record and the 1-based field: "row 17, column 3:
 * invalid UTF-8". What is malformed: a quoted field still open at the end, a
 * quote inside an unquoted field or text after a closing quote, invalid UTF-8
 * or a NUL byte, more than CSV_MAX_FIELDS fields in a record, a field of more
 * than CSV_MAX_FIELD bytes. After an error (or a callback's negative return)
 * the reader is spent: feed and finish return the same code and error again.
 *
 * Memory. Bounded whatever the file size: at most one record's fields
 * (CSV_MAX_FIELDS x CSV_MAX_FIELD), libcsv's buffer for the field being read
 * (a field whose raw text, with blanks after it, passes 2 x CSV_MAX_FIELD
 * bytes is reported too long right there), and, while an AUTO delimiter is
 * not yet known, the header record's raw bytes (CSV_DETECT_MAX at most).
 *
 * Values. csv_parse_amount, csv_parse_date and csv_parse_bool read the cell
 * formats imports accept (Nordic spreadsheets included); see each function.
 */
#ifndef RECUR_FORMATS_CSV_H
#define RECUR_FORMATS_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

enum csv_delim { CSV_DELIM_AUTO, CSV_DELIM_COMMA, CSV_DELIM_SEMICOLON, CSV_DELIM_TAB };

#define CSV_MAX_FIELDS 64  /* a record with more fields is an error */
#define CSV_MAX_FIELD 4096 /* bytes per field; longer is an error */

/*
 * AUTO detection reads at most this many bytes of the header record; a header
 * longer than that (it cannot be valid: 64 fields of 4096 bytes, every byte a
 * doubled quote) is decided on what was read, and the reader then reports it.
 */
#define CSV_DETECT_MAX (CSV_MAX_FIELDS * (2 * CSV_MAX_FIELD + 3))

struct csv_record {
	int64_t row; /* 1 = the header record, 2 = the first data record (records, as a spreadsheet numbers its rows; a quoted field with newlines does not add rows) */
	int nfields;
	const char *const *fields; /* NUL-terminated, valid UTF-8, BOM removed; valid until the callback returns */
	const size_t *lens;
};

/* Called once per record, header included. A negative return stops the reader with that code (e already set by the callback). */
typedef int (*csv_record_fn)(void *ctx, const struct csv_record *r, struct recur_err *e);

struct csv_reader;

/* A reader for one file; free it with csv_reader_free. NULL when out of memory. */
struct csv_reader *csv_reader_new(enum csv_delim d);

/*
 * Feeds len bytes (any chunking: a record, a quoted field, a UTF-8 sequence or
 * the BOM may be split across calls). Calls fn for each complete record.
 * Returns 0, RECUR_EINVAL for malformed input (e names row and column),
 * RECUR_EINTERNAL when out of memory, or the callback's negative return.
 */
int csv_reader_feed(struct csv_reader *r, const void *data, size_t len, csv_record_fn fn,
		    void *ctx, struct recur_err *e);

/* End of input: flushes the last record (with or without a final newline). Returns as csv_reader_feed. */
int csv_reader_finish(struct csv_reader *r, csv_record_fn fn, void *ctx, struct recur_err *e);

/*
 * The delimiter in use (after AUTO detected it from the header line: the more
 * frequent of ';' ',' and '\t' outside quotes in the first record; ',' on a
 * tie or none, ';' before '\t'), 0 before it is known.
 */
char csv_reader_delimiter(const struct csv_reader *r);

/*
 * The row number of the record being read (the one an error is about, or the
 * next one to come): 1 before anything was read.
 */
int64_t csv_reader_row(const struct csv_reader *r);

void csv_reader_free(struct csv_reader *r); /* accepts NULL */

/*
 * Appends one field to b, quoted per RFC 4180 only when it contains delim,
 * '"', CR or LF, starts or ends with a space or tab (the reader would trim
 * it), or starts with a UTF-8 BOM (the reader would drop it at the start of a
 * file); quotes doubled. s may be NULL (written empty). Returns 0, or
 * buf_append's error (RECUR_ETOOBIG past the buffer's cap, b unchanged).
 */
int csv_write_field(struct buf *b, const char *s, char delim);

/*
 * Appends n fields joined by delim and terminated by CRLF (RFC 4180). NULL
 * fields are written empty. A row of one empty field is written as "" so that
 * it does not read back as a skipped blank line. Returns 0, or RECUR_ETOOBIG
 * (b then holds part of the row: reset it or discard it).
 */
int csv_write_row(struct buf *b, const char *const *fields, int n, char delim);

/*
 * A money cell in minor units of a currency with the given exponent, without
 * floating point and without rounding (more decimals than exponent is an
 * error). Blanks around the value are ignored. decimal_comma false: "1250.00",
 * "1250", "-3.5", and grouping by spaces "1 250.00". decimal_comma true:
 * "1 250,00", "1250,5", grouping by ASCII space, U+00A0, U+202F or '.'
 * (money_parse's MONEY_LOCALE_NORDIC). A magnitude beyond MONEY_MAX_ABS is an
 * error. RECUR_EINVAL or RECUR_EOVERFLOW with a message in e (param empty);
 * *out untouched on error.
 */
int csv_parse_amount(int64_t *out, const char *s, int exponent, bool decimal_comma,
		     struct recur_err *e);

/*
 * A date cell to Unix seconds UTC: an ISO 8601 date "2026-01-31" (00:00:00
 * UTC) or a time calendar_parse_iso8601 accepts ("2026-01-31T12:00:00Z").
 * With dmy, also "31.01.2026" and "31/01/2026" (day and month of one or two
 * digits, four-digit year), validated: 31.02.2026 is an error. Blanks around
 * the value are ignored. RECUR_EINVAL with a message in e; *out untouched.
 */
int csv_parse_date(int64_t *out, const char *s, bool dmy, struct recur_err *e);

/*
 * A yes/no cell: true, yes, 1, ja / false, no, 0, nei, nej (case-insensitive,
 * blanks around ignored). RECUR_EINVAL with a message in e; *out untouched.
 */
int csv_parse_bool(bool *out, const char *s, struct recur_err *e);

#endif
