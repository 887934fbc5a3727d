/*
 * list.h - Stripe list parameters and list objects.
 *
 * limit (1-100, default 10), starting_after, ending_before and created
 * (an exact second or {gt, gte, lt, lte}) are common to every list; each
 * resource adds its own filters with svc_list_filter before calling svc_list.
 */
#ifndef RECUR_SERVICE_LIST_H
#define RECUR_SERVICE_LIST_H

#include "service/service.h"

#define SVC_LIST_MAX_FILTERS 16

struct svc_list {
	struct store_page page;
	struct store_filter filters[SVC_LIST_MAX_FILTERS];
	int nfilters;
	struct store_val in_vals[100]; /* backing for one IN filter */
};

/* The parameters every list accepts, for params_only lists. */
#define SVC_LIST_PARAMS "limit", "starting_after", "ending_before", "created"

/* Reads the common parameters out of p. */
int svc_list_params(struct svc_list *out, const json_t *p, struct recur_err *e);
/* Adds "col op val"; the value is borrowed from the parameter tree. */
void svc_list_filter(struct svc_list *l, const char *col, const char *op, struct store_val v);

/* Runs the list; *out is {"object":"list","url","has_more","data"} (new reference). */
int svc_list(json_t **out, struct svc *s, const struct store_table *t, struct svc_list *l,
	     const char *url, struct recur_err *e);

#endif
