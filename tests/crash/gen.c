/*
 * gen.c - the crash test's database: N subscriptions due for renewal on the
 * wall clock and M on one test clock, written in seconds.
 *
 *   crash_gen -o PATH -n N [-c M]
 *
 * A handful of templates are made through the real services, as a client
 * would make them: a customer with pm_card_visa attached as its default,
 * subscribed and charged for its first period. The mix, by slot i % 20: a
 * yearly price (slots 3, 11), a 10 % coupon (1, 6, 11, 16), 25 % exclusive
 * tax (0, 5, 10, 13) and a card that attaches but declines every charge
 * (slot 7: pm_card_chargeCustomerFail replaces the good card after the first
 * invoice is paid). Every template's rows are cloned with fresh ids
 * (bench/clone.h), so the database reads as if N + M customers had each
 * subscribed once through the API; only their creation events are missing
 * (events are not cloned), which the crash test does not count.
 *
 * The wall-clock subscriptions were created a period ago, so that their first
 * period ends a few minutes before generation (renew_at): the scheduler of a
 * `recur serve` started on the database renews each exactly once, and no
 * retry of a declined renewal (3 days later) falls due during the test. The
 * test clock's subscriptions start at clock_start (2026-01-15) and renew at
 * clock_renew (2026-02-15) when the clock is advanced to clock_target.
 *
 * Prints one JSON object: tenant, secret_key, renew_at, wall, wall_failing,
 * clock, clock_subs, clock_failing, clock_renew, clock_target, next_number.
 */
#include "../../bench/clone.h"
#include "core/calendar.h"
#include "service/coupon.h"
#include "service/customer.h"
#include "service/price.h"
#include "service/product.h"
#include "service/subscription.h"
#include "service/tax_rate.h"
#include "service/tenant.h"
#include "service/test_clock.h"
#include "store/store.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CLOCK_START 1768435200LL /* 2026-01-15T00:00:00Z */
#define CLOCK_RENEW 1771113600LL /* 2026-02-15T00:00:00Z */
#define GEN_TX 20000

enum { K_YEARLY = 1, K_COUPON = 2, K_TAX = 4, K_FAIL = 8, MAX_KINDS = 16, SLOTS = 20 };

static int slot_kind(long i)
{
	int s = (int)(i % SLOTS), k = 0;
	if (s == 3 || s == 11)
		k |= K_YEARLY;
	if (s % 5 == 1)
		k |= K_COUPON;
	if (s == 0 || s == 5 || s == 10 || s == 13)
		k |= K_TAX;
	if (s == 7)
		k |= K_FAIL;
	return k;
}

static long failing(long n)
{
	long f = 0;
	for (long i = 0; i < n; i++)
		f += (slot_kind(i) & K_FAIL) != 0;
	return f;
}

struct run {
	struct svc s;
	char product[IDS_MAX], monthly[IDS_MAX], yearly[IDS_MAX], coupon[IDS_MAX], tax[IDS_MAX];
};

/* The templates of one group (wall or clock): of_kind maps a kind to its set. */
struct group {
	char customers[MAX_KINDS][IDS_MAX];
	char subs[MAX_KINDS][IDS_MAX];
	int of_kind[MAX_KINDS];
	int nt;
	struct clone_set sets[MAX_KINDS];
};

/* The instant a period of unit must start at to end at end (whole calendar periods). */
static int64_t start_for(int64_t end, enum calendar_unit unit)
{
	int64_t start = end - (unit == CAL_YEAR ? 365 : 30) * 86400LL, got = 0;
	for (int i = 0; i < 8; i++) {
		if (calendar_add_interval(&got, start, unit, 1) < 0)
			clone_die("calendar");
		if (got == end)
			return start;
		start -= got - end;
	}
	clone_die("no period start ends at %lld", (long long)end);
}

/* One template per kind used by the first n slots; clock: on that test clock. */
static void make_templates(struct group *g, struct run *r, long n, const char *clock,
			   int64_t renew)
{
	for (int k = 0; k < MAX_KINDS; k++)
		g->of_kind[k] = -1;
	for (long i = 0; i < n && i < SLOTS; i++) {
		int k = slot_kind(i);
		if (g->of_kind[k] >= 0 || (clock && (k & K_YEARLY)))
			continue;
		int j = g->of_kind[k] = g->nt++;
		r->s.now = clock ? CLOCK_START : start_for(renew, k & K_YEARLY ? CAL_YEAR : CAL_MONTH);
		json_t *cp = json_pack("{s:s, s:s}", "email", "crash@example.com", "name",
				       "Crash Customer");
		if (clock)
			json_object_set_new(cp, "test_clock", json_string(clock));
		clone_copy_id(g->customers[j], clone_call(svc_customer_create, &r->s, cp, "customer"));
		clone_give_card(&r->s, g->customers[j], "pm_card_visa");
		json_t *p = json_pack("{s:s, s:[{s:s}]}", "customer", g->customers[j], "items",
				      "price", k & K_YEARLY ? r->yearly : r->monthly);
		if (k & K_COUPON)
			json_object_set_new(p, "coupon", json_string(r->coupon));
		if (k & K_TAX)
			json_object_set_new(p, "default_tax_rates", json_pack("[s]", r->tax));
		json_t *sub = clone_call(svc_subscription_create, &r->s, p, "subscription");
		json_t *item = json_array_get(json_object_get(json_object_get(sub, "items"), "data"), 0);
		if (strcmp(json_string_value(json_object_get(sub, "status")), "active") != 0 ||
		    json_integer_value(json_object_get(item, "current_period_end")) != renew)
			clone_die("template of kind %d: not active or not renewing at %lld", k,
				  (long long)renew);
		clone_copy_id(g->subs[j], sub);
		if (k & K_FAIL)
			clone_give_card(&r->s, g->customers[j], "pm_card_chargeCustomerFail");
	}
}

/* Clone i of a group: from the template of its slot (clock groups map yearly slots to monthly). */
static int of_wall(long i, void *ctx)
{
	return ((struct group *)ctx)->of_kind[slot_kind(i)];
}

static int of_clock(long i, void *ctx)
{
	return ((struct group *)ctx)->of_kind[slot_kind(i) & ~K_YEARLY];
}

int main(int argc, char **argv)
{
	const char *path = NULL;
	long n = 0, m = 0;
	int c;
	while ((c = getopt(argc, argv, "o:n:c:")) != -1) {
		switch (c) {
		case 'o': path = optarg; break;
		case 'n': n = strtol(optarg, NULL, 10); break;
		case 'c': m = strtol(optarg, NULL, 10); break;
		default: path = NULL; break;
		}
	}
	if (!path || n < 1 || m < 0) {
		fputs("usage: crash_gen -o PATH -n N [-c M]\n", stderr);
		return 2;
	}
	/* A few minutes ago, so the scheduler finds every renewal due at once. */
	int64_t renew = (int64_t)time(NULL) - 300;
	char url[4096];
	snprintf(url, sizeof(url), "sqlite:%s", path);
	struct store *db = NULL;
	struct recur_err e;
	json_t *t = NULL;
	err_clear(&e);
	if (store_open(&db, url, &e) < 0 || store_migrate(db, &e) < 0)
		clone_die("cannot create %s: %s", path, e.message);
	int64_t y0 = start_for(renew, CAL_YEAR);
	if (svc_tenant_create(&t, db, "Crash test", y0, &e) < 0)
		clone_die("tenant: %s", e.message);
	static struct run r;
	static struct group wall, clock;
	char tenant[IDS_MAX], key[128], clock_id[IDS_MAX] = "";
	snprintf(key, sizeof(key), "%s", json_string_value(json_object_get(t, "secret_key")));
	clone_copy_id(tenant, t);
	r.s = (struct svc){ .db = db, .scope = { .tenant = tenant, .livemode = 0 }, .now = y0 };
	clone_copy_id(r.product, clone_call(svc_product_create, &r.s, json_pack("{s:s}", "name", "Crash plan"),
				"product"));
	clone_copy_id(r.monthly, clone_call(svc_price_create, &r.s,
				json_pack("{s:s, s:s, s:i, s:{s:s}}", "product", r.product,
					  "currency", "usd", "unit_amount", 2000, "recurring",
					  "interval", "month"), "monthly price"));
	clone_copy_id(r.yearly, clone_call(svc_price_create, &r.s,
			       json_pack("{s:s, s:s, s:i, s:{s:s}}", "product", r.product,
					 "currency", "usd", "unit_amount", 20000, "recurring",
					 "interval", "year"), "yearly price"));
	clone_copy_id(r.coupon, clone_call(svc_coupon_create, &r.s,
			       json_pack("{s:s, s:s}", "percent_off", "10", "duration", "forever"),
			       "coupon"));
	clone_copy_id(r.tax, clone_call(svc_tax_rate_create, &r.s,
			    json_pack("{s:s, s:s, s:s}", "display_name", "VAT", "percentage", "25",
				      "inclusive", "false"), "tax rate"));
	make_templates(&wall, &r, n, NULL, renew);
	if (m > 0) {
		r.s.now = CLOCK_START;
		clone_copy_id(clock_id, clone_call(svc_test_clock_create, &r.s,
				       json_pack("{s:I, s:s}", "frozen_time", (json_int_t)CLOCK_START,
						 "name", "crash"), "test clock"));
		make_templates(&clock, &r, m, clock_id, CLOCK_RENEW);
	}
	store_close(db);

	/* Bulk loading only: durability is the server's business, not the generator's. */
	sqlite3 *raw = clone_open(path, "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;"
				  " PRAGMA cache_size=-524288;");
	long number = wall.nt + clock.nt; /* the templates' first invoices took RCR-0001 ... */
	clone_load_templates(wall.sets, wall.nt, raw, (const char (*)[IDS_MAX])wall.customers,
			     (const char (*)[IDS_MAX])wall.subs);
	if (m > 0)
		clone_load_templates(clock.sets, clock.nt, raw,
				     (const char (*)[IDS_MAX])clock.customers,
				     (const char (*)[IDS_MAX])clock.subs);
	clone_write_all(wall.sets, wall.nt, raw, n, of_wall, &wall, &number, GEN_TX);
	if (m > 0)
		clone_write_all(clock.sets, clock.nt, raw, m, of_clock, &clock, &number, GEN_TX);
	for (int j = 0; j < wall.nt; j++)
		clone_set_free(&wall.sets[j]);
	for (int j = 0; j < clock.nt; j++)
		clone_set_free(&clock.sets[j]);
	clone_exec(raw, "PRAGMA wal_checkpoint(TRUNCATE)");
	sqlite3_close(raw);

	printf("{\"tenant\":\"%s\",\"secret_key\":\"%s\",\"renew_at\":%lld,\"wall\":%ld,"
	       "\"wall_failing\":%ld,\"clock\":\"%s\",\"clock_subs\":%ld,\"clock_failing\":%ld,"
	       "\"clock_renew\":%lld,\"clock_target\":%lld,\"next_number\":%ld}\n",
	       tenant, key, (long long)renew, n, failing(n), clock_id, m, failing(m),
	       (long long)CLOCK_RENEW, (long long)(CLOCK_RENEW + 3600), number + 1);
	return 0;
}
