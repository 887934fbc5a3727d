/*
 * fuzz.h - what every libFuzzer target in fuzz/ shares.
 *
 * A target is one LLVMFuzzerTestOneInput over a library entry point. It must
 * not crash, leak or hit undefined behaviour on any input (the sanitizers
 * catch those), and where the code promises a property (a round trip, valid
 * JSON out, no 500 for bad input) the target checks it with FUZZ_CHECK, which
 * aborts so that libFuzzer keeps the input as a crash.
 *
 * The same files also build without libFuzzer, linked with fuzz/regress.c,
 * as ctest programs that replay the committed corpus (fuzz/corpus/<target>/):
 * every seed and every crash ever found stays a regression test.
 */
#ifndef RECUR_FUZZ_H
#define RECUR_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_CHECK(cond)                                                              \
	do {                                                                          \
		if (!(cond)) {                                                        \
			fprintf(stderr, "fuzz: property failed: %s (%s:%d)\n", #cond, \
				__FILE__, __LINE__);                                  \
			abort();                                                      \
		}                                                                     \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A NUL-terminated copy of the input (the parsers under test take C strings); free it. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		abort();
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#endif
