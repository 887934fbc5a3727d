#include "core/ids.h"
#include "core/err.h"

#include <sodium.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

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

/*
 * The first IDS_TIME_LEN characters are the microseconds since the Unix epoch
 * in fixed-width base62 (62^9 > 1.3e16 us: good until the year 2398), the
 * rest random. The alphabet is in ASCII order, so ids made later sort later:
 * a new row's id lands at the right edge of every index on an id (or on a
 * key that starts with one, such as a ledger source "invoice:in_..."), the
 * same few pages per batch instead of a random page per row. The random part
 * (15 characters, about 89 bits) keeps ids unguessable; only the time of
 * creation, which the object shows anyway, can be read from an id.
 */
static void time_base62(char *out, uint64_t us)
{
	for (int i = IDS_TIME_LEN - 1; i >= 0; i--) {
		out[i] = alphabet[us % 62];
		us /= 62;
	}
}

int ids_new(char *out, size_t cap, const char *prefix)
{
	size_t plen = strlen(prefix);
	struct timespec ts;
	if (cap < plen + 1 + IDS_RANDOM_LEN + 1)
		return RECUR_EINVAL;
	memcpy(out, prefix, plen);
	out[plen] = '_';
	clock_gettime(CLOCK_REALTIME, &ts);
	time_base62(out + plen + 1, (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u);
	ids_random_base62(out + plen + 1 + IDS_TIME_LEN, IDS_RANDOM_LEN - IDS_TIME_LEN);
	return 0;
}
