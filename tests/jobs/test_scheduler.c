/* The scheduler's maintenance work, on a real SQLite file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "jobs/scheduler.h"
#include "store/idempotency.h"
#include "../support/testdb.h"

static void test_purges_only_expired_keys(void **state)
{
	(void)state;
	struct testdb t;
	struct recur_err e;
	const int64_t now = 1800000000;
	struct store *db = testdb_open(&t, "sched");
	/* 2500 expired keys (more than one batch), one just inside its 24 hours */
	for (int i = 0; i < 2501; i++) {
		char key[32];
		snprintf(key, sizeof(key), "k%d", i);
		int64_t created = i < 2500 ? now - STORE_IDEM_TTL - 1 - i : now - STORE_IDEM_TTL + 1;
		struct store_val p[] = { SV_TEXT(key), SV_INT(created) };
		assert_int_equal(store_exec(db, "INSERT INTO idempotency_keys (tenant_id, livemode,"
					    " ikey, request_hash, state, created) VALUES ('acct_x', 0,"
					    " $1, 'h', 'done', $2)", p, 2, &e), 1);
	}
	assert_int_equal(scheduler_purge_idempotency(db, now, &e), 2500);
	assert_int_equal(testdb_count(db, "idempotency_keys"), 1);
	assert_int_equal(scheduler_purge_idempotency(db, now, &e), 0);
	testdb_close(&t, db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_purges_only_expired_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
