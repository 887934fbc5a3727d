/*
 * event_types.c - see event_types.h. One type a line, sorted: the coverage
 * test reads this list from this file.
 */
#include "service/event_types.h"

#include <stdlib.h>
#include <string.h>

const char *const svc_event_types[] = {
	"charge.failed",
	"charge.refunded",
	"charge.succeeded",
	"coupon.created",
	"coupon.deleted",
	"coupon.updated",
	"credit_note.created",
	"credit_note.updated",
	"credit_note.voided",
	"customer.created",
	"customer.deleted",
	"customer.subscription.created",
	"customer.subscription.deleted",
	"customer.subscription.paused",
	"customer.subscription.resumed",
	"customer.subscription.trial_will_end",
	"customer.subscription.updated",
	"customer.updated",
	"invoice.created",
	"invoice.deleted",
	"invoice.finalized",
	"invoice.marked_uncollectible",
	"invoice.paid",
	"invoice.payment_failed",
	"invoice.payment_succeeded",
	"invoice.reminder",
	"invoice.sent",
	"invoice.upcoming",
	"invoice.updated",
	"invoice.voided",
	"invoiceitem.created",
	"invoiceitem.deleted",
	"invoiceitem.updated",
	"payment_intent.created",
	"payment_intent.payment_failed",
	"payment_intent.succeeded",
	"payment_method.attached",
	"payment_method.detached",
	"payment_method.updated",
	"plan_family.created",
	"plan_family.updated",
	"price.created",
	"price.updated",
	"product.created",
	"product.deleted",
	"product.updated",
	"promotion_code.created",
	"promotion_code.updated",
	"refund.created",
	"refund.updated",
	"subscription_schedule.canceled",
	"subscription_schedule.completed",
	"subscription_schedule.created",
	"subscription_schedule.released",
	"subscription_schedule.updated",
	"tax_rate.created",
	"tax_rate.updated",
	"test_helpers.test_clock.created",
	"test_helpers.test_clock.deleted",
	"test_helpers.test_clock.ready",
	"webhook_endpoint.disabled",
	NULL,
};

static int compare(const void *key, const void *item)
{
	return strcmp(key, *(const char *const *)item);
}

bool svc_event_type_known(const char *type)
{
	size_t n = sizeof(svc_event_types) / sizeof(svc_event_types[0]) - 1;
	/* Sorted (the unit test checks), so a binary search. */
	return type && bsearch(type, svc_event_types, n, sizeof(svc_event_types[0]), compare);
}
