#include "core/ids.h"
#include "core/err.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

static const char alphabet[] =
	"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

void ids_random_base62(char *out, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = alphabet[randombytes_uniform(62)]; /* uniform: no modulo bias */
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
