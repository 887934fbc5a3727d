/*
 * render.h - JSON response text from a jansson tree.
 *
 * The same bytes as json_dumps(v, JSON_COMPACT | JSON_REAL_PRECISION(15)) for
 * every tree a handler builds (keys in insertion order, "," and ":" without
 * spaces, '\\', '"' and control characters escaped, everything else as UTF-8),
 * without jansson's cost per container: json_dumps checks every object and
 * array for cycles by formatting its address into a hash table, then copies
 * the finished text once more. Responses (a list of 100 invoices is ~300 KB)
 * go through here, so that cost was a third of GET /v1/invoices.
 */
#ifndef RECUR_API_RENDER_H
#define RECUR_API_RENDER_H

#include <jansson.h>

/* Deepest nesting rendered; deeper (or a cycle) fails like json_dumps does. */
#define API_RENDER_MAX_DEPTH 64

/*
 * The JSON text of v (an object or an array), NUL-terminated, malloc'd: the
 * caller frees it. NULL when v is not an object or array, nests deeper than
 * API_RENDER_MAX_DEPTH, holds a real json_dumps cannot write, or on no memory.
 */
char *api_render_json(const json_t *v);

#endif
