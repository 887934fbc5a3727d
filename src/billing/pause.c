/*
 * pause.c - pause_collection's rules (pause.h).
 */
#include "billing/pause.h"

#include <stddef.h>
#include <string.h>

static const char *const names[] = {
	[BILLING_PAUSE_KEEP_AS_DRAFT] = "keep_as_draft",
	[BILLING_PAUSE_MARK_UNCOLLECTIBLE] = "mark_uncollectible",
	[BILLING_PAUSE_VOID] = "void",
};

int billing_pause_behavior_parse(enum billing_pause_behavior *out, const char *name)
{
	if (!name)
		return -1;
	for (size_t i = BILLING_PAUSE_KEEP_AS_DRAFT; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i]) == 0) {
			*out = (enum billing_pause_behavior)i;
			return 0;
		}
	return -1;
}

const char *billing_pause_behavior_name(enum billing_pause_behavior b)
{
	if (b <= BILLING_PAUSE_NONE || (size_t)b >= sizeof(names) / sizeof(names[0]))
		return NULL;
	return names[b];
}

enum billing_pause_fault billing_pause_check(const struct billing_pause *p, int64_t now)
{
	if (!billing_pause_behavior_name(p->behavior))
		return BILLING_PAUSE_BAD_BEHAVIOR;
	if (p->resumes_at && p->resumes_at <= now)
		return BILLING_PAUSE_RESUMES_PAST;
	return BILLING_PAUSE_OK;
}

bool billing_pause_ends_by(const struct billing_pause *p, int64_t t)
{
	return p->behavior != BILLING_PAUSE_NONE && p->resumes_at && p->resumes_at <= t;
}

enum billing_pause_behavior billing_pause_at(const struct billing_pause *p, int64_t t)
{
	/* Stripe holds back "invoices created before the resumes_at date". */
	if (billing_pause_ends_by(p, t))
		return BILLING_PAUSE_NONE;
	return p->behavior;
}

int64_t billing_pause_due(const struct billing_pause *p, int64_t due)
{
	if (p->behavior == BILLING_PAUSE_NONE || !p->resumes_at)
		return due;
	return !due || p->resumes_at < due ? p->resumes_at : due;
}
