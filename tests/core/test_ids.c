/* ids, buffers and arenas: the small core pieces every request uses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/ids.h"

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_ids_shape_and_uniqueness(void **state)
{
	(void)state;
	enum { N = 20000 };
	char **ids = calloc(N, sizeof(*ids));
	size_t counts[128] = { 0 };
	for (int i = 0; i < N; i++) {
		char id[IDS_MAX];
		assert_int_equal(ids_new(id, sizeof(id), "cus"), 0);
		assert_int_equal(strlen(id), 4 + IDS_RANDOM_LEN);
		assert_memory_equal(id, "cus_", 4);
		for (const char *c = id + 4; *c; c++) {
			assert_true((*c >= '0' && *c <= '9') || (*c >= 'A' && *c <= 'Z') ||
				    (*c >= 'a' && *c <= 'z'));
			if (c >= id + 4 + IDS_TIME_LEN)
				counts[(unsigned char)*c]++;
		}
		ids[i] = strdup(id);
		/* made later, sorts later: the time prefix never goes back */
		if (i > 0)
			assert_true(memcmp(ids[i - 1] + 4, id + 4, IDS_TIME_LEN) <= 0);
	}
	qsort(ids, N, sizeof(*ids), cmp);
	for (int i = 1; i < N; i++)
		assert_string_not_equal(ids[i - 1], ids[i]);
	/*
	 * The random parts: 300,000 characters over 62 symbols, about 4839 each.
	 * A biased mapping (b % 62 over all 256 byte values) would give the first
	 * 8 symbols about 25 % more; allow 10 % either way, far outside chance
	 * (sigma is about 69).
	 */
	const char *alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	for (const char *c = alphabet; *c; c++) {
		assert_true(counts[(unsigned char)*c] > 4355);
		assert_true(counts[(unsigned char)*c] < 5323);
	}
	for (int i = 0; i < N; i++)
		free(ids[i]);
	free(ids);
	/* the time prefix is the creation time in microseconds, base62 */
	char id[IDS_MAX];
	/*
	 * The bounds from the clock ids_new reads: time() may be a coarse clock
	 * a tick behind CLOCK_REALTIME, which made this check fail under load.
	 */
	struct timespec t0, t1;
	clock_gettime(CLOCK_REALTIME, &t0);
	assert_int_equal(ids_new(id, sizeof(id), "in"), 0);
	clock_gettime(CLOCK_REALTIME, &t1);
	uint64_t us = 0;
	for (int i = 0; i < IDS_TIME_LEN; i++)
		us = us * 62 + (uint64_t)(strchr(alphabet, id[3 + i]) - alphabet);
	assert_true(us >= (uint64_t)t0.tv_sec * 1000000u + (uint64_t)t0.tv_nsec / 1000u);
	assert_true(us <= (uint64_t)t1.tv_sec * 1000000u + (uint64_t)t1.tv_nsec / 1000u);
	char small[8];
	assert_int_equal(ids_new(small, sizeof(small), "cus"), RECUR_EINVAL);
}

static void test_buf_cap_leaves_buffer_intact(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 10);
	assert_int_equal(buf_puts(&b, "12345"), 0);
	assert_int_equal(buf_printf(&b, "%d", 678), 0);
	assert_string_equal(b.data, "12345678");
	assert_int_equal(buf_puts(&b, "abc"), RECUR_ETOOBIG);
	assert_int_equal(buf_printf(&b, "%s", "abc"), RECUR_ETOOBIG);
	assert_string_equal(b.data, "12345678");
	assert_int_equal(buf_puts(&b, "90"), 0);
	assert_int_equal(b.len, 10);
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	buf_free(&b);
	buf_free(&b); /* twice is fine */
	buf_free(NULL);
}

static void test_arena(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a);
	char *s = arena_strdup(&a, "hello");
	char *f = arena_printf(&a, "%s-%d", s, 42);
	assert_string_equal(f, "hello-42");
	unsigned char *big = arena_alloc(&a, 100000); /* larger than a chunk */
	for (int i = 0; i < 100000; i++)
		assert_int_equal(big[i], 0);
	assert_int_equal((uintptr_t)big % 16, 0);
	assert_string_equal(s, "hello");
	assert_true(a.used >= 100000);
	arena_free(&a);
	assert_int_equal(a.used, 0);
}

static void test_err(void **state)
{
	(void)state;
	struct recur_err e;
	err_clear(&e);
	assert_int_equal(err_invalid(&e, "items[0][price]", "No such price: '%s'", "price_x"),
			 RECUR_EINVAL);
	assert_int_equal(e.status, 400);
	assert_string_equal(e.type, "invalid_request_error");
	assert_string_equal(e.param, "items[0][price]");
	assert_string_equal(e.message, "No such price: 'price_x'");
	assert_int_equal(err_missing(&e, "id", "customer", "cus_1"), RECUR_ENOTFOUND);
	assert_int_equal(e.status, 404);
	assert_string_equal(e.code, "resource_missing");
	assert_int_equal(err_internal(&e, "boom %d", 1), RECUR_EINTERNAL);
	assert_string_equal(e.type, "api_error");
	assert_int_equal(e.status, 500);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ids_shape_and_uniqueness),
		cmocka_unit_test(test_buf_cap_leaves_buffer_intact),
		cmocka_unit_test(test_arena),
		cmocka_unit_test(test_err),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
