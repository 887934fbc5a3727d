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

static void test_purges_only_expired_keys(void **state)
{
	(void)state;
	char path[] = "/tmp/recur-test-sched-XXXXXX", url[64], side[64];
	struct store *db = NULL;
	struct recur_err e;
	const int64_t now = 1800000000;
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	snprintf(url, sizeof(url), "sqlite:%s", path);
	assert_int_equal(store_open(&db, url, &e), 0);
	assert_int_equal(store_migrate(db, &e), 0);
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
	int64_t left = 0;
	assert_int_equal(store_query_int(&left, NULL, db, "SELECT count(*) FROM idempotency_keys",
					 NULL, 0, &e), 0);
	assert_int_equal(left, 1);
	assert_int_equal(scheduler_purge_idempotency(db, now, &e), 0);
	store_close(db);
	unlink(path);
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_purges_only_expired_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
