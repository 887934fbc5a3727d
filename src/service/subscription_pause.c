/*
 * subscription_pause.c - pause_collection on a subscription: the parameter,
 * what it does to the invoices the subscription makes while it holds, and
 * its end at resumes_at as due work. The rules are billing/pause.h's.
 *
 * Stored on the row as Stripe renders it: null, or {behavior, resumes_at}.
 * Every invoice of a subscription goes through sub_invoice, which asks
 * sub_pause_spec how to make it and sub_pause_settle what to do with it once
 * made; resumes_at is one more candidate for the subscription's due_at
 * (sub_set_due), and the step at it (renewal.c) clears the pause with
 * customer.subscription.updated, as Stripe does (the subscription's status
 * never changes; customer.subscription.paused and .resumed belong to the
 * other pause, status paused).
 */
#include "service/collection.h"
#include "service/params.h"
#include "service/subscription_internal.h"

#include <string.h>

void sub_pause_read(struct billing_pause *out, const json_t *row)
{
	const json_t *pc = json_object_get(row, "pause_collection");
	const json_t *resumes_at = json_object_get(pc, "resumes_at");
	out->behavior = BILLING_PAUSE_NONE;
	out->resumes_at = json_is_integer(resumes_at) ? json_integer_value(resumes_at) : 0;
	if (billing_pause_behavior_parse(&out->behavior,
					 json_string_value(json_object_get(pc, "behavior"))) < 0)
		out->behavior = BILLING_PAUSE_NONE;
}

int sub_pause_param(json_t **out, const json_t *p, int64_t now, struct recur_err *e)
{
	static const char *const keys[] = { "behavior", "resumes_at", NULL };
	static const char *const behaviors[] = { "keep_as_draft", "mark_uncollectible", "void",
						 NULL };
	const json_t *pc = NULL;
	const char *name = NULL;
	struct billing_pause pause = { BILLING_PAUSE_NONE, 0 };
	int rc;

	*out = NULL;
	if ((rc = params_object(&pc, p, "pause_collection", e)) <= 0)
		return rc;
	if (!pc) {
		/* Stripe: pause_collection="" resumes collection at once. */
		*out = json_null();
		return 1;
	}
	if ((rc = params_nest(e, params_only(pc, keys, e), "pause_collection")) < 0 ||
	    (rc = params_nest(e, params_require(pc, "behavior", e), "pause_collection")) < 0 ||
	    (rc = params_nest(e, params_enum(&name, pc, "behavior", behaviors, e),
			      "pause_collection")) < 0 ||
	    (rc = params_nest(e, params_int(&pause.resumes_at, pc, "resumes_at", 1, INT64_MAX, e),
			      "pause_collection")) < 0)
		return rc;
	billing_pause_behavior_parse(&pause.behavior, name);
	switch (billing_pause_check(&pause, now)) {
	case BILLING_PAUSE_OK:
		break;
	case BILLING_PAUSE_BAD_BEHAVIOR:
		return err_invalid(e, "pause_collection[behavior]", "Invalid pause_collection[behavior]:"
				   " must be one of keep_as_draft, mark_uncollectible, void");
	case BILLING_PAUSE_RESUMES_PAST:
		/* now is the subscription's: its test clock's time when it has one. */
		return err_invalid(e, "pause_collection[resumes_at]", "pause_collection[resumes_at]"
				   " must be in the future (after %lld)", (long long)now);
	}
	*out = json_pack("{s:s, s:o}", "behavior", name, "resumes_at",
			 pause.resumes_at ? json_integer(pause.resumes_at) : json_null());
	return *out ? 1 : err_internal(e, "cannot build pause_collection");
}

enum billing_pause_behavior sub_pause_spec(struct svc_invoice_spec *spec, const json_t *row,
					   int64_t now)
{
	struct billing_pause pause;
	sub_pause_read(&pause, row);
	enum billing_pause_behavior b = billing_pause_at(&pause, now);
	if (b == BILLING_PAUSE_KEEP_AS_DRAFT) {
		/* Stripe: "remain in draft state and auto_advance is set to false". */
		spec->finalize = false;
		spec->hold = true;
	}
	return b;
}

int sub_pause_settle(struct svc *s, const char *invoice, enum billing_pause_behavior b,
		     int64_t now, struct recur_err *e)
{
	json_t *inv = NULL;
	int rc;

	if (b != BILLING_PAUSE_MARK_UNCOLLECTIBLE && b != BILLING_PAUSE_VOID)
		return 0;
	if ((rc = store_obj_get(&inv, s->db, &svc_invoices_table, &s->scope, invoice, e)) < 0)
		return rc;
	/*
	 * Only an open invoice is closed: one with nothing due was paid at its
	 * finalization (a zero total, or the customer's credit covered it), and
	 * one found again by its dedupe key may have been closed already.
	 */
	const char *status = json_string_value(json_object_get(inv, "status"));
	bool open = status && strcmp(status, "open") == 0;
	json_decref(inv);
	if (!open)
		return 0;
	/* Nothing is ever attempted: no automatic charge, no retry, no reminder. */
	if ((rc = svc_collection_unschedule(s, invoice, e)) < 0)
		return rc;
	return b == BILLING_PAUSE_VOID ? svc_invoice_void_at(s, invoice, now, e)
				       : svc_invoice_mark_uncollectible_at(s, invoice, now, e);
}

int64_t sub_pause_due(const json_t *row, int64_t due)
{
	struct billing_pause pause;
	if (json_is_null(json_object_get(row, "pause_collection")))
		return due; /* the renewal path's common case: no parse */
	sub_pause_read(&pause, row);
	return billing_pause_due(&pause, due);
}

bool sub_pause_ends_by(const json_t *row, int64_t t)
{
	struct billing_pause pause;
	if (json_is_null(json_object_get(row, "pause_collection")))
		return false;
	sub_pause_read(&pause, row);
	return billing_pause_ends_by(&pause, t);
}

int sub_pause_resume(struct svc *s, json_t *row, const json_t *before, struct recur_err *e)
{
	json_object_set_new(row, "pause_collection", json_null());
	return sub_save(s, row, before, "customer.subscription.updated", e);
}
