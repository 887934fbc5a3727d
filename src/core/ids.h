/*
 * ids.h - object ids: a prefix and 24 base62 characters from libsodium's CSPRNG.
 *
 * 24 base62 characters carry about 143 bits, so ids never collide in practice and
 * cannot be guessed, which matters because an id is the handle to a customer's data.
 */
#ifndef RECUR_CORE_IDS_H
#define RECUR_CORE_IDS_H

#include <stddef.h>

#define IDS_RANDOM_LEN 24
#define IDS_MAX 64

/* Writes prefix + "_" + 24 random base62 characters into out (cap >= IDS_MAX). */
int ids_new(char *out, size_t cap, const char *prefix);
/* Fills out with n random base62 characters and a NUL (out holds n + 1). */
void ids_random_base62(char *out, size_t n);

#endif
