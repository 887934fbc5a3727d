/*
 * driver.h - what the back ends (sqlite.c, postgres.c) share beyond store.h.
 */
#ifndef RECUR_STORE_DRIVER_H
#define RECUR_STORE_DRIVER_H

#include <stdint.h>

/* Slots of a connection's prepared-statement cache (a power of two). */
#define STORE_CACHE_SLOTS 512
/* Slots probed from a statement's hash before it goes uncached. */
#define STORE_CACHE_PROBES 8

/* The hash that places a statement in the cache: FNV-1a of its SQL text. */
uint32_t store_sql_hash(const char *sql);

#endif
