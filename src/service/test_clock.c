#include "service/test_clock.h"
#include "core/ids.h"
#include "service/customer.h"
#include "service/list.h"
#include "service/params.h"
#include "service/subscription.h"

#include <string.h>

#include "core/calendar.h"

static const struct store_col cols[] = {
	{ "name", COL_TEXT, 0 },
	{ "frozen_time", COL_INT, 0 },
	{ "status", COL_TEXT, 0 },
	{ "status_details", COL_JSON, 0 },
	{ "deletes_after", COL_INT, 0 },
};

const struct store_table svc_test_clocks_table = {
	.table = "test_clocks", .object = "test_helpers.test_clock", .noun = "test_clock",
	.cols = cols, .ncols = sizeof(cols) / sizeof(cols[0]), .soft_delete = true,
};

/* Stripe bounds frozen_time to a sane range; so do we (years 2000 to 2099). */
#define CLOCK_MIN 946684800LL
#define CLOCK_MAX 4102444799LL

static int live_mode_refused(struct svc *s, struct recur_err *e)
{
	if (!s->scope.livemode)
		return 0;
	return err_invalid(e, NULL, "Test clocks are only available in test mode; use a sk_test_ key");
}

static const char *const create_params[] = { "frozen_time", "name", NULL };

int svc_test_clock_create(json_t **out, struct svc *s, const json_t *p, struct recur_err *e)
{
	char id[IDS_MAX];
	int64_t frozen = 0;
	const char *name = NULL;
	json_t *c = NULL;
	int rc;
	*out = NULL;
	if ((rc = live_mode_refused(s, e)) < 0 || (rc = params_only(p, create_params, e)) < 0 ||
	    (rc = params_require(p, "frozen_time", e)) < 0 ||
	    (rc = params_int(&frozen, p, "frozen_time", CLOCK_MIN, CLOCK_MAX, e)) < 0 ||
	    (rc = params_string(&name, p, "name", 300, e)) < 0)
		return rc;
	ids_new(id, sizeof(id), "clock");
	c = json_pack("{s:s, s:I, s:s?, s:I, s:s, s:{}, s:I}", "id", id, "created",
		      (json_int_t)s->now, "name", name && *name ? name : NULL, "frozen_time",
		      (json_int_t)frozen, "status", "ready", "status_details", "deletes_after",
		      (json_int_t)(s->now + TEST_CLOCK_LIFETIME));
	if ((rc = svc_begin(s, e)) < 0)
		goto done;
	rc = store_obj_insert(s->db, &svc_test_clocks_table, &s->scope, c, e);
	if (rc >= 0)
		rc = store_obj_get(out, s->db, &svc_test_clocks_table, &s->scope, id, e);
	if (rc >= 0)
		rc = svc_event(s, "test_helpers.test_clock.created", *out, NULL, e);
	rc = svc_finish(s, rc, e);
done:
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	}
	json_decref(c);
	return rc;
}

int svc_test_clock_retrieve(json_t **out, struct svc *s, const char *id, struct recur_err *e)
{
	return store_obj_get(out, s->db, &svc_test_clocks_table, &s->scope, id, e);
}

static const char *const list_params[] = { SVC_LIST_PARAMS, NULL };

int svc_test_clock_list(json_t **out, struct svc *s, const json_t *p, struct recur_err *e)
{
	struct svc_list l;
	int rc;
	if ((rc = params_only(p, list_params, e)) < 0 || (rc = svc_list_params(&l, p, e)) < 0)
		return rc;
	return svc_list(out, s, &svc_test_clocks_table, &l, "/v1/test_helpers/test_clocks", e);
}

int svc_test_clock_delete(json_t **out, struct svc *s, const char *id, struct recur_err *e)
{
	json_t *clock = NULL, *customers = NULL;
	int rc;
	*out = NULL;
	if ((rc = svc_begin(s, e)) < 0)
		return rc;
	if ((rc = store_obj_get(&clock, s->db, &svc_test_clocks_table, &s->scope, id, e)) < 0)
		goto done;
	/* The clock's customers go with it; page through them all, oldest pages first. */
	for (;;) {
		struct store_filter f = { .col = "test_clock", .op = "=", .val = SV_TEXT(id) };
		struct store_page page = { .limit = 100 };
		bool more = false;
		if ((rc = store_obj_list(&customers, &more, s->db, &svc_customers_table, &s->scope,
					 &f, 1, &page, e)) < 0)
			goto done;
		size_t i;
		json_t *c;
		json_array_foreach(customers, i, c) {
			const char *cid = json_string_value(json_object_get(c, "id"));
			if ((rc = store_obj_delete(s->db, &svc_customers_table, &s->scope, cid, e)) < 0 ||
			    (rc = svc_event(s, "customer.deleted", c, NULL, e)) < 0)
				goto done;
		}
		json_decref(customers);
		customers = NULL;
		if (!more)
			break;
	}
	if ((rc = store_obj_delete(s->db, &svc_test_clocks_table, &s->scope, id, e)) < 0)
		goto done;
	rc = svc_event(s, "test_helpers.test_clock.deleted", clock, NULL, e);
done:
	rc = svc_finish(s, rc, e);
	json_decref(clock);
	json_decref(customers);
	if (rc == 0)
		*out = json_pack("{s:s, s:s, s:b}", "id", id, "object", "test_helpers.test_clock",
				 "deleted", 1);
	return rc;
}

struct limit_ctx {
	int64_t frozen;
	int64_t limit;
};

static int read_interval(void *ctx, const struct store_row *row)
{
	struct limit_ctx *l = ctx;
	enum calendar_unit unit;
	int64_t until = 0;
	if (calendar_unit_parse(&unit, store_row_text(row, 0, NULL)) < 0)
		return 0;
	if (calendar_add_interval(&until, l->frozen, unit, 2 * store_row_int(row, 1)) < 0)
		return 0;
	if (!l->limit || until < l->limit)
		l->limit = until;
	return 0;
}

/*
 * Stripe lets a clock move at most two intervals of the shortest subscription
 * on it per advance, so no period is skipped over unnoticed; 0 when it has none.
 */
static int advance_limit(int64_t *out, struct svc *s, const char *clock, int64_t frozen,
			 struct recur_err *e)
{
	struct limit_ctx l = { .frozen = frozen };
	struct store_val p[] = { SV_TEXT(s->scope.tenant), SV_INT(s->scope.livemode), SV_TEXT(clock) };
	int rc = store_query(s->db, "SELECT DISTINCT plan_interval, plan_interval_count FROM"
			     " subscriptions WHERE tenant_id = $1 AND livemode = $2 AND test_clock = $3"
			     " AND due_at IS NOT NULL", p, 3, read_interval, &l, e);
	*out = l.limit;
	return rc < 0 ? rc : 0;
}

static const char *const advance_params[] = { "frozen_time", NULL };

int svc_test_clock_advance(json_t **out, struct svc *s, const char *id, const json_t *p,
			   struct recur_err *e)
{
	json_t *before = NULL, *clock = NULL;
	int64_t target = 0;
	int rc;
	*out = NULL;
	if ((rc = params_only(p, advance_params, e)) < 0 ||
	    (rc = params_require(p, "frozen_time", e)) < 0 ||
	    (rc = params_int(&target, p, "frozen_time", CLOCK_MIN, CLOCK_MAX, e)) < 0)
		return rc;
	if ((rc = svc_begin(s, e)) < 0)
		return rc;
	if ((rc = store_obj_get(&before, s->db, &svc_test_clocks_table, &s->scope, id, e)) < 0)
		goto done;
	int64_t frozen = json_integer_value(json_object_get(before, "frozen_time"));
	if (target <= frozen) {
		rc = err_invalid(e, "frozen_time",
				 "The test clock can only move forward: frozen_time must be after %lld",
				 (long long)frozen);
		goto done;
	}
	int64_t limit = 0;
	if ((rc = advance_limit(&limit, s, id, frozen, e)) < 0)
		goto done;
	if (limit && target > limit) {
		rc = err_invalid(e, "frozen_time", "A test clock can advance at most two intervals of"
				 " its shortest subscription at a time: frozen_time may be at most %lld",
				 (long long)limit);
		goto done;
	}
	/*
	 * The due work of the clock's customers runs here, in time order, before the
	 * clock shows the new time (renewals, trial ends, cancellations).
	 */
	if ((rc = svc_subscription_run_due_clock(s, id, target, e)) < 0)
		goto done;
	clock = json_deep_copy(before);
	json_object_set_new(clock, "frozen_time", json_integer(target));
	json_object_set_new(clock, "status", json_string("ready"));
	if ((rc = store_obj_update(s->db, &svc_test_clocks_table, &s->scope, clock, e)) < 0)
		goto done;
	if ((rc = store_obj_get(out, s->db, &svc_test_clocks_table, &s->scope, id, e)) < 0)
		goto done;
	rc = svc_event(s, "test_helpers.test_clock.ready", *out, NULL, e);
done:
	rc = svc_finish(s, rc, e);
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	}
	json_decref(before);
	json_decref(clock);
	return rc;
}

int svc_test_clock_now(int64_t *out, struct svc *s, const char *clock, struct recur_err *e)
{
	json_t *c = NULL;
	*out = s->now;
	if (!clock)
		return 0;
	int rc = store_obj_get(&c, s->db, &svc_test_clocks_table, &s->scope, clock, e);
	if (rc < 0)
		return rc;
	*out = json_integer_value(json_object_get(c, "frozen_time"));
	json_decref(c);
	return 0;
}
