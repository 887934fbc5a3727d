/*
 * arena.h - a bump allocator freed in one go.
 *
 * Each request and each job step owns one arena; everything allocated from it
 * lives until arena_free. Nothing allocated here is freed individually.
 */
#ifndef RECUR_CORE_ARENA_H
#define RECUR_CORE_ARENA_H

#include <stddef.h>

struct arena_chunk;
struct arena {
	struct arena_chunk *head;
	size_t used; /* bytes handed out, for the request log */
};

void arena_init(struct arena *a);
/* Returns zeroed, 16-byte aligned memory owned by the arena, or NULL on OOM. */
void *arena_alloc(struct arena *a, size_t n);
/* Copies s (or its first n bytes) into the arena. */
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void arena_free(struct arena *a);

#endif
