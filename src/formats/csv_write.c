/*
 * csv_write.c - the CSV writer (csv.h): RFC 4180 fields and rows that the
 * reader in csv.c reads back to the same fields.
 */
#include "formats/csv.h"

#include <string.h>

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * RFC 4180 §2.6 quotes a field holding the delimiter, a quote or a line break.
 * Blanks at either end are quoted too, because the reader (libcsv) trims them
 * from unquoted fields, and so is a leading BOM, which the reader drops at the
 * start of a file.
 */
static bool needs_quotes(const char *s, size_t len, char delim)
{
	if (len == 0)
		return false;
	if (is_blank(s[0]) || is_blank(s[len - 1]) || (len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0))
		return true;
	for (size_t i = 0; i < len; i++)
		if (s[i] == delim || s[i] == '"' || s[i] == '\r' || s[i] == '\n')
			return true;
	return false;
}

int csv_write_field(struct buf *b, const char *s, char delim)
{
	size_t len = s ? strlen(s) : 0;
	size_t start = b->len;
	int rc = 0;
	if (!needs_quotes(s, len, delim))
		return len ? buf_append(b, s, len) : 0;
	if ((rc = buf_append(b, "\"", 1)) < 0)
		goto done;
	/* Each quote is written twice (RFC 4180 §2.7); runs between quotes in one go. */
	for (const char *p = s, *q; *p; p = q + 1) {
		q = strchr(p, '"');
		if (!q) {
			rc = buf_puts(b, p);
			break;
		}
		if ((rc = buf_append(b, p, (size_t)(q - p) + 1)) < 0 || (rc = buf_append(b, "\"", 1)) < 0)
			break;
	}
	if (rc == 0)
		rc = buf_append(b, "\"", 1);
done:
	if (rc < 0) {
		/* leave b as it was */
		b->len = start;
		if (b->data)
			b->data[start] = '\0';
	}
	return rc;
}

int csv_write_row(struct buf *b, const char *const *fields, int n, char delim)
{
	int rc = 0;
	/* One empty field alone would be an empty line, which the reader skips. */
	if (n == 1 && (!fields[0] || !fields[0][0]))
		return buf_puts(b, "\"\"\r\n");
	for (int i = 0; i < n && rc == 0; i++) {
		if (i > 0)
			rc = buf_append(b, &delim, 1);
		if (rc == 0)
			rc = csv_write_field(b, fields[i], delim);
	}
	if (rc == 0)
		rc = buf_append(b, "\r\n", 2);
	return rc;
}
