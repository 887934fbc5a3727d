/*
 * proration.c - see proration.h.
 *
 * Stripe prorates to the second: the share of a period still to come is
 * (end - at) / (end - start) in seconds, with no rounding to days, and each
 * proration line is rounded on its own. money_mul_ratio forms the product in
 * 128 bits, so the fraction is exact until that one rounding.
 */
#include "billing/proration.h"

#include "core/calendar.h"
#include "core/err.h"

#include <stdio.h>
#include <string.h>

int billing_prorate_line(struct billing_proration_line *out,
			 enum billing_proration_kind kind, int64_t full_amount,
			 int64_t start, int64_t end, int64_t at,
			 enum money_rounding r)
{
	struct billing_proration_line line;
	int64_t share;
	int rc;

	if (start >= end || at < start || at > end)
		return RECUR_EINVAL;
	if (kind != BILLING_PRORATION_UNUSED_TIME &&
	    kind != BILLING_PRORATION_REMAINING_TIME)
		return RECUR_EINVAL;
	/* end - start cannot overflow for start < end unless they span > 2^63 s. */
	if (__builtin_sub_overflow(end, start, &share))
		return RECUR_EOVERFLOW;
	/*
	 * The credit is rounded as a magnitude and then negated: every rounding
	 * money.h offers is symmetric, so this equals rounding the negative
	 * product and keeps credit and charge for one amount exact opposites.
	 */
	rc = money_mul_ratio(&line.amount, full_amount, end - at, share, r);
	if (rc != 0)
		return rc;
	if (kind == BILLING_PRORATION_UNUSED_TIME) {
		rc = money_sub(&line.amount, 0, line.amount);
		if (rc != 0)
			return rc;
	}
	line.kind = kind;
	line.period_start = at;
	line.period_end = end;
	*out = line;
	return 0;
}

int billing_prorate(struct billing_proration *out, int64_t old_amount,
		    int64_t new_amount, int64_t start, int64_t end, int64_t at,
		    enum money_rounding r)
{
	struct billing_proration p = {0};
	int rc;

	rc = billing_prorate_line(&p.lines[0], BILLING_PRORATION_UNUSED_TIME,
				  old_amount, start, end, at, r);
	if (rc == 0)
		rc = billing_prorate_line(&p.lines[1],
					  BILLING_PRORATION_REMAINING_TIME,
					  new_amount, start, end, at, r);
	if (rc != 0)
		return rc;
	/* A change at the very end of the period leaves no time to prorate. */
	p.n = at == end ? 0 : 2;
	*out = p;
	return 0;
}

int billing_prorate_cancel(struct billing_proration *out, int64_t amount,
			   int64_t start, int64_t end, int64_t at,
			   enum money_rounding r)
{
	struct billing_proration p = {0};
	int rc;

	/* Stripe's cancel with prorate credits the unused time and charges nothing. */
	rc = billing_prorate_line(&p.lines[0], BILLING_PRORATION_UNUSED_TIME,
				  amount, start, end, at, r);
	if (rc != 0)
		return rc;
	p.n = at == end ? 0 : 1;
	*out = p;
	return 0;
}

static const char *const behavior_names[] = {
	[BILLING_PRORATION_BEHAVIOR_CREATE_PRORATIONS] = "create_prorations",
	[BILLING_PRORATION_BEHAVIOR_NONE] = "none",
	[BILLING_PRORATION_BEHAVIOR_ALWAYS_INVOICE] = "always_invoice",
};

#define NBEHAVIORS (sizeof(behavior_names) / sizeof(behavior_names[0]))

int billing_proration_behavior_parse(enum billing_proration_behavior *out,
				     const char *s)
{
	size_t i;

	if (!s)
		return RECUR_EINVAL;
	for (i = 0; i < NBEHAVIORS; i++) {
		if (strcmp(s, behavior_names[i]) == 0) {
			*out = (enum billing_proration_behavior)i;
			return 0;
		}
	}
	return RECUR_EINVAL;
}

const char *billing_proration_behavior_name(enum billing_proration_behavior b)
{
	if ((unsigned)b >= NBEHAVIORS)
		return "";
	return behavior_names[b];
}

enum billing_proration_outcome
billing_proration_decide(enum billing_proration_behavior b, bool cycle_resets)
{
	switch (b) {
	case BILLING_PRORATION_BEHAVIOR_NONE:
		return BILLING_PRORATION_DISCARD;
	case BILLING_PRORATION_BEHAVIOR_ALWAYS_INVOICE:
		return BILLING_PRORATION_INVOICE_NOW;
	case BILLING_PRORATION_BEHAVIOR_CREATE_PRORATIONS:
	default:
		/*
		 * Stripe invoices at once when a change resets the billing cycle
		 * (billing_cycle_anchor=now, a new interval); otherwise the lines
		 * wait as pending invoice items for the next invoice.
		 */
		return cycle_resets ? BILLING_PRORATION_INVOICE_NOW
				    : BILLING_PRORATION_PENDING;
	}
}

int billing_proration_describe(char *buf, size_t cap,
			       const struct billing_proration_line *line,
			       int64_t quantity, const char *name)
{
	static const char *const months[12] = {"Jan", "Feb", "Mar", "Apr",
					       "May", "Jun", "Jul", "Aug",
					       "Sep", "Oct", "Nov", "Dec"};
	char qty[32] = "";
	const char *what;
	struct civil c;
	int n;

	if (line->kind == BILLING_PRORATION_UNUSED_TIME)
		what = "Unused";
	else if (line->kind == BILLING_PRORATION_REMAINING_TIME)
		what = "Remaining";
	else
		return RECUR_EINVAL;
	if (!calendar_in_range(line->period_start))
		return RECUR_EINVAL;
	if (!buf)
		return RECUR_ETOOBIG;
	calendar_to_civil(&c, line->period_start);
	/* Stripe writes the quantity with a multiplication sign, U+00D7. */
	if (quantity != 1)
		(void)snprintf(qty, sizeof(qty), "%lld \xc3\x97 ", (long long)quantity);
	n = snprintf(buf, cap, "%s time on %s%s after %d %s %04d", what, qty,
		     name ? name : "", c.day, months[c.month - 1], c.year);
	if (n < 0 || (size_t)n >= cap) {
		if (cap > 0)
			buf[0] = '\0';
		return RECUR_ETOOBIG;
	}
	return n;
}
