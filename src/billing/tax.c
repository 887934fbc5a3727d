/*
 * tax.c - see tax.h. Integer arithmetic only (scripts/lint.sh).
 */
#include "billing/tax.h"

#include "billing/discount.h"
#include "core/err.h"
#include "core/money.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

__attribute__((format(printf, 3, 4)))
static int fail(struct recur_err *e, int rc, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (!e)
		return rc;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return err_set(e, rc, 400, "invalid_request_error", "parameter_invalid", NULL,
		       "%s", msg);
}

int billing_tax_rate_check(const struct billing_tax_rate *r, struct recur_err *e)
{
	/* Stripe: percentage is "the tax rate percent out of 100", 0 to 100. */
	if (r->percentage < 0 || r->percentage > BILLING_TAX_SCALE)
		return fail(e, RECUR_EINVAL, "A tax rate's percentage must be between 0 and 100");
	return 0;
}

/* EN 16931 BR-CO-17: taxable amount x rate, rounded to the minor unit. */
int billing_tax_exclusive(int64_t *out, int64_t taxable, int64_t percentage)
{
	return money_mul_ratio(out, taxable, percentage, BILLING_TAX_SCALE,
			       MONEY_ROUND_HALF_UP);
}

/*
 * A gross that contains rates p1..pk is net * (1 + p1 + ... + pk): the taxes
 * are all on the net, none on another tax (Stripe's inclusive rates, and VAT
 * generally). So tax_i = gross * p_i / (1 + sum p), rounded once.
 */
int billing_tax_inclusive(int64_t *out, int64_t gross, int64_t percentage,
			  int64_t inclusive_total)
{
	int64_t den;

	if (money_add(&den, BILLING_TAX_SCALE, inclusive_total) < 0 || den <= 0)
		return RECUR_EINVAL;
	return money_mul_ratio(out, gross, percentage, den, MONEY_ROUND_HALF_UP);
}

static struct billing_tax_line *line_at(struct billing_tax_line *lines, size_t stride,
					size_t i)
{
	return (struct billing_tax_line *)(void *)((char *)lines + i * stride);
}

/* The position of rate r in the line's list, or -1. */
static int position(const struct billing_tax_line *l, size_t r)
{
	size_t j;

	for (j = 0; j < l->n_rates; j++)
		if (l->rates[j] == r)
			return (int)j;
	return -1;
}

/* The sum of the inclusive percentages a line's amount contains (<= 5 x 100 %). */
static int64_t inclusive_total(const struct billing_tax_line *l,
			       const struct billing_tax_rate *rates)
{
	int64_t p = 0;
	size_t j;

	for (j = 0; j < l->n_rates; j++)
		if (rates[l->rates[j]].inclusive)
			p += rates[l->rates[j]].percentage;
	return p;
}

/*
 * Which lines share one rounding of a rate: those carrying the rate and, for
 * an inclusive rate, containing the same inclusive total (group).
 */
struct share {
	struct billing_tax_line *lines;
	size_t stride;
	const struct billing_tax_rate *rates;
	size_t rate;
	int64_t group; /* -1 for an exclusive rate */
};

static int64_t *share_slot(void *ctx, size_t i)
{
	struct share *s = ctx;
	struct billing_tax_line *l = line_at(s->lines, s->stride, i);
	int j = position(l, s->rate);

	if (j < 0)
		return NULL;
	if (s->group >= 0 && inclusive_total(l, s->rates) != s->group)
		return NULL;
	return &l->amounts[j].amount;
}

/*
 * Sums the weights (the lines' amounts or nets) of one share, computes its tax
 * once on that sum and allocates it back over the lines by largest remainder.
 */
static int tax_share(int64_t *tax, struct share *s, size_t n_lines)
{
	int64_t sum = 0, t;
	size_t i;
	int rc;

	for (i = 0; i < n_lines; i++) {
		struct billing_tax_line *l = line_at(s->lines, s->stride, i);
		int64_t *slot = share_slot(s, i);
		if (!slot)
			continue;
		*slot = s->group >= 0 ? l->amount : l->net;
		if ((rc = money_add(&sum, sum, *slot)) < 0)
			goto done;
	}
	if (s->group >= 0)
		rc = billing_tax_inclusive(&t, sum, s->rates[s->rate].percentage, s->group);
	else
		rc = billing_tax_exclusive(&t, sum, s->rates[s->rate].percentage);
	/* Neither fails for rates of at most 100 %: |tax| <= |sum|, so every share fits. */
	if (rc < 0 || (rc = billing_allocate_slots(t, n_lines, share_slot, s)) < 0)
		goto done;
	*tax = t;
done:
	return rc;
}

static int check_lines(struct billing_tax_line *lines, size_t n_lines, size_t stride,
		       const struct billing_tax_rate *rates, size_t n_rates,
		       struct recur_err *e)
{
	size_t i, j, k;
	int rc = 0;

	for (i = 0; i < n_lines; i++) {
		struct billing_tax_line *l = line_at(lines, stride, i);
		if (l->n_rates > BILLING_TAX_RATES_PER_LINE) {
			rc = fail(e, RECUR_EINVAL, "Line %zu has more than %d tax rates", i,
				  BILLING_TAX_RATES_PER_LINE);
			goto done;
		}
		for (j = 0; j < l->n_rates; j++) {
			if (l->rates[j] >= n_rates) {
				rc = fail(e, RECUR_EINVAL, "Line %zu names tax rate %zu of %zu", i,
					  l->rates[j], n_rates);
				goto done;
			}
			for (k = 0; k < j; k++) {
				if (l->rates[k] == l->rates[j]) {
					rc = fail(e, RECUR_EINVAL,
						  "Line %zu has tax rate %zu twice", i, l->rates[j]);
					goto done;
				}
			}
			l->amounts[j] = (struct billing_tax_amount){
				.rate = l->rates[j],
				.inclusive = rates[l->rates[j]].inclusive,
			};
		}
	}
done:
	return rc;
}

int billing_tax_compute(struct billing_tax_result *out, struct billing_tax_line *lines,
			size_t n_lines, size_t stride, const struct billing_tax_rate *rates,
			size_t n_rates, struct recur_err *e)
{
	int64_t tax[BILLING_TAX_RATES_MAX] = { 0 }, taxable, t;
	bool used[BILLING_TAX_RATES_MAX] = { false };
	struct share s = { .lines = lines, .stride = stride, .rates = rates };
	size_t r, i, j;
	int rc = 0;

	if (n_rates > BILLING_TAX_RATES_MAX) {
		rc = fail(e, RECUR_EINVAL, "An invoice can use at most %d tax rates",
			  BILLING_TAX_RATES_MAX);
		goto done;
	}
	for (r = 0; r < n_rates; r++)
		if ((rc = billing_tax_rate_check(&rates[r], e)) < 0)
			goto done;
	if ((rc = check_lines(lines, n_lines, stride, rates, n_rates, e)) < 0)
		goto done;
	memset(out, 0, sizeof(*out));

	/*
	 * Inclusive rates, one rounding per rate and group of lines with the same
	 * inclusive total; a group is handled at its first line.
	 */
	for (r = 0; r < n_rates; r++) {
		if (!rates[r].inclusive)
			continue;
		s.rate = r;
		for (i = 0; i < n_lines; i++) {
			struct billing_tax_line *l = line_at(lines, stride, i);
			bool first = true;
			if (position(l, r) < 0)
				continue;
			used[r] = true;
			s.group = inclusive_total(l, rates);
			for (j = 0; j < i && first; j++)
				first = share_slot(&s, j) == NULL;
			if (!first)
				continue;
			if ((rc = tax_share(&t, &s, n_lines)) < 0 ||
			    (rc = money_add(&tax[r], tax[r], t)) < 0)
				goto done;
		}
	}

	/* Nets: what the exclusive rates are on, and every rate's taxable amount. */
	for (i = 0; i < n_lines; i++) {
		struct billing_tax_line *l = line_at(lines, stride, i);
		l->net = l->amount;
		for (j = 0; j < l->n_rates; j++)
			if (l->amounts[j].inclusive &&
			    (rc = money_sub(&l->net, l->net, l->amounts[j].amount)) < 0)
				goto done;
	}

	/* Exclusive rates: one rounding per rate, on the sum of the nets. */
	s.group = -1;
	for (r = 0; r < n_rates; r++) {
		if (rates[r].inclusive)
			continue;
		for (i = 0; i < n_lines && !used[r]; i++)
			used[r] = position(line_at(lines, stride, i), r) >= 0;
		if (!used[r])
			continue;
		s.rate = r;
		if ((rc = tax_share(&tax[r], &s, n_lines)) < 0)
			goto done;
	}

	for (r = 0; r < n_rates; r++) {
		struct billing_tax_amount *a;
		if (!used[r])
			continue;
		taxable = 0;
		for (i = 0; i < n_lines; i++) {
			struct billing_tax_line *l = line_at(lines, stride, i);
			int p = position(l, r);
			if (p < 0)
				continue;
			l->amounts[p].taxable_amount = l->net;
			if ((rc = money_add(&taxable, taxable, l->net)) < 0)
				goto done;
		}
		a = &out->amounts[out->n++];
		*a = (struct billing_tax_amount){ .rate = r, .inclusive = rates[r].inclusive,
						  .taxable_amount = taxable, .amount = tax[r] };
		if ((rc = money_add(a->inclusive ? &out->inclusive : &out->exclusive,
				    a->inclusive ? out->inclusive : out->exclusive, tax[r])) < 0)
			goto done;
	}
done:
	/* Validation fails with EINVAL above; EOVERFLOW only comes from the sums. */
	if (rc == RECUR_EOVERFLOW)
		fail(e, rc, "Tax amounts are too large");
	return rc;
}
