/*
 * mrr.h - MRR movements (recur's own /v1/mrr_movements): each change of a
 * subscription's monthly recurring revenue, written in the transaction that
 * causes it, for the reports to build on.
 *
 * A subscription's MRR (svc_mrr_of): 0 unless it is active or past_due (a
 * trial, a pause, an end bring no revenue); otherwise the sum of its items'
 * amounts per period (quantity applied, net of the subscription's discounts
 * as they apply to its current period, sub_items_net) normalised to a month
 * by billing_mrr_monthly with MONEY_ROUND_HALF_UP over the sum, so a yearly
 * 299000 is 24917 a month.
 */
#ifndef RECUR_SERVICE_MRR_H
#define RECUR_SERVICE_MRR_H

#include "service/service.h"

extern const struct store_table svc_mrr_movements_table;

/* The MRR of subscription row (as sub_get reads it) now, in its currency. */
int svc_mrr_of(int64_t *out, struct svc *s, const json_t *row, struct recur_err *e);

/*
 * Records the movement of row's subscription from before to after at `at`
 * (nothing when they are equal), with source (a migration id or
 * "subscription_update"). Inside the caller's transaction.
 */
int svc_mrr_record(struct svc *s, const json_t *row, int64_t before, int64_t after, int64_t at,
		   const char *source, struct recur_err *e);

/* GET /v1/mrr_movements: subscription, customer, created filters. */
int svc_mrr_movement_list(json_t **out, struct svc *s, const json_t *p, struct recur_err *e);

#endif
