#include "core/ids.h"
#include "core/err.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

static const char alphabet[] =
	"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/*
 * One CSPRNG call per id, not per character (each call is a getrandom(2)
 * syscall). A byte below 248 = 4 * 62 maps to a character without modulo bias;
 * the few bytes at or above it are skipped, and the pool refilled if needed.
 */
void ids_random_base62(char *out, size_t n)
{
	unsigned char pool[64];
	size_t used = sizeof(pool);
	for (size_t i = 0; i < n;) {
		if (used == sizeof(pool)) {
			randombytes_buf(pool, sizeof(pool));
			used = 0;
		}
		unsigned char b = pool[used++];
		if (b < 248)
			out[i++] = alphabet[b % 62];
	}
	out[n] = '\0';
}

int ids_new(char *out, size_t cap, const char *prefix)
{
	size_t plen = strlen(prefix);
	if (cap < plen + 1 + IDS_RANDOM_LEN + 1)
		return RECUR_EINVAL;
	memcpy(out, prefix, plen);
	out[plen] = '_';
	ids_random_base62(out + plen + 1, IDS_RANDOM_LEN);
	return 0;
}
