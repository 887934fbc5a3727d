/*
 * buf.h - a growable byte buffer with a hard cap.
 *
 * Buffers that grow from outside input (request bodies, CSV rows) must not grow
 * without bound, so every buffer carries a cap; appending past it fails with
 * RECUR_ETOOBIG and leaves the buffer as it was. The buffer owns its memory:
 * free it with buf_free (which accepts a zeroed or already-freed buffer).
 */
#ifndef RECUR_CORE_BUF_H
#define RECUR_CORE_BUF_H

#include <stddef.h>

struct buf {
	char *data; /* always NUL-terminated when len > 0 */
	size_t len;
	size_t alloc;
	size_t cap; /* hard limit on len; 0 means the default of 16 MiB */
};

void buf_init(struct buf *b, size_t cap);
int buf_append(struct buf *b, const void *data, size_t len);
int buf_puts(struct buf *b, const char *s);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_reset(struct buf *b);
void buf_free(struct buf *b);

#endif
