#include "core/buf.h"
#include "core/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUF_DEFAULT_CAP (16u * 1024 * 1024)

void buf_init(struct buf *b, size_t cap)
{
	memset(b, 0, sizeof(*b));
	b->cap = cap ? cap : BUF_DEFAULT_CAP;
}

static int grow(struct buf *b, size_t need)
{
	if (need > b->cap)
		return RECUR_ETOOBIG;
	if (need + 1 <= b->alloc)
		return 0;
	size_t n = b->alloc ? b->alloc : 256;
	while (n < need + 1)
		n *= 2;
	char *p = realloc(b->data, n);
	if (!p)
		return RECUR_EINTERNAL;
	b->data = p;
	b->alloc = n;
	return 0;
}

int buf_append(struct buf *b, const void *data, size_t len)
{
	if (b->cap == 0)
		b->cap = BUF_DEFAULT_CAP;
	if (len > b->cap - b->len)
		return RECUR_ETOOBIG;
	int rc = grow(b, b->len + len);
	if (rc)
		return rc;
	memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

int buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return RECUR_EINTERNAL;
	if (b->cap == 0)
		b->cap = BUF_DEFAULT_CAP;
	if ((size_t)n > b->cap - b->len)
		return RECUR_ETOOBIG;
	int rc = grow(b, b->len + (size_t)n);
	if (rc)
		return rc;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void buf_free(struct buf *b)
{
	if (!b)
		return;
	free(b->data);
	b->data = NULL;
	b->len = b->alloc = 0;
}
