/*
 * test_clock.h - test clocks: simulated time for the customers attached to them.
 *
 * A customer created with test_clock lives at that clock's frozen_time. Advancing
 * the clock runs everything that falls due for its customers, in time order, up
 * to the new time (svc_test_clock_advance); the clock is "advancing" meanwhile
 * and "ready" after. Test clocks exist only in test mode.
 */
#ifndef RECUR_SERVICE_TEST_CLOCK_H
#define RECUR_SERVICE_TEST_CLOCK_H

#include "service/service.h"

#define TEST_CLOCK_LIFETIME (30 * 86400) /* Stripe deletes a clock 30 days after creation */

extern const struct store_table svc_test_clocks_table;

int svc_test_clock_create(json_t **out, struct svc *s, const json_t *p, struct recur_err *e);
int svc_test_clock_retrieve(json_t **out, struct svc *s, const char *id, struct recur_err *e);
int svc_test_clock_list(json_t **out, struct svc *s, const json_t *p, struct recur_err *e);
/* Deletes the clock and the customers attached to it, as Stripe does. */
int svc_test_clock_delete(json_t **out, struct svc *s, const char *id, struct recur_err *e);
int svc_test_clock_advance(json_t **out, struct svc *s, const char *id, const json_t *p,
			   struct recur_err *e);

/*
 * The "now" of a customer: its clock's frozen_time when it has one, else s->now.
 * clock may be NULL (the customer's test_clock field).
 */
int svc_test_clock_now(int64_t *out, struct svc *s, const char *clock, struct recur_err *e);

#endif
