/*
 * The claimed event types (service/event_types.h): sorted and unique (the
 * lookup is a binary search), each one known, and what is not claimed
 * unknown, neighbours and prefixes included.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "service/event_types.h"

static void sorted_unique_and_known(void **state)
{
	(void)state;
	size_t n = 0;
	for (; svc_event_types[n]; n++) {
		if (n > 0)
			assert_true(strcmp(svc_event_types[n - 1], svc_event_types[n]) < 0);
		assert_true(svc_event_type_known(svc_event_types[n]));
	}
	assert_int_equal(n, 61);
}

static void unknown(void **state)
{
	(void)state;
	static const char *const no[] = { "", "*", "invoice", "invoice.", "invoice.upcomin",
					  "invoice.upcoming.x", "aaa.created", "zzz.created",
					  "customer.*", "Customer.created" };
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		assert_false(svc_event_type_known(no[i]));
	assert_false(svc_event_type_known(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sorted_unique_and_known),
		cmocka_unit_test(unknown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
