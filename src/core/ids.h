/*
 * ids.h - object ids: a prefix and 24 base62 characters, as Stripe's ids look
 * (cus_..., in_...; clients treat the part after the prefix as opaque).
 *
 * The first 9 characters are the creation time in microseconds, so ids sort in
 * creation order and inserts append to the id indexes; the other 15 come from
 * libsodium's CSPRNG (about 89 bits), so ids never collide in practice and
 * cannot be guessed, which matters because an id is the handle to a customer's
 * data.
 */
#ifndef RECUR_CORE_IDS_H
#define RECUR_CORE_IDS_H

#include <stddef.h>

#define IDS_RANDOM_LEN 24 /* characters after the prefix and "_" */
#define IDS_TIME_LEN 9    /* of them, the time prefix */
#define IDS_MAX 64

/* Writes prefix + "_" + 9 time and 15 random base62 characters into out (cap >= IDS_MAX). */
int ids_new(char *out, size_t cap, const char *prefix);
/* Fills out with n random base62 characters and a NUL (out holds n + 1). */
void ids_random_base62(char *out, size_t n);

#endif
