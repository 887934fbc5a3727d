/*
 * price_eval.c - see price_eval.h.
 *
 * Amounts are carried as exact integers of 10^-12 minor units in 128 bits
 * (GCC and Clang's __int128, as core/money.c uses): a 12-place decimal of at
 * most 2^63 units is below 2^103, and every product and sum is checked with
 * the overflow builtins, so nothing rounds or wraps before the one rounding
 * at the end of the line.
 */
#include "billing/price_eval.h"

#include "core/err.h"

__extension__ typedef __int128 i128;

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

bool billing_decimal_valid(const struct billing_decimal *d)
{
	if (d->pico <= -BILLING_DECIMAL_SCALE || d->pico >= BILLING_DECIMAL_SCALE)
		return false;
	return !((d->units > 0 && d->pico < 0) || (d->units < 0 && d->pico > 0));
}

int billing_decimal_parse(struct billing_decimal *out, const char *s)
{
	struct billing_decimal d = {0, 0};
	bool neg = false;
	int places = 0;

	if (!s)
		return RECUR_EINVAL;
	if (*s == '-') {
		neg = true;
		s++;
	}
	if (!is_digit(*s))
		return RECUR_EINVAL;
	/* Accumulate negatively when negative, so INT64_MIN's digits fit too. */
	for (; is_digit(*s); s++) {
		int digit = *s - '0';
		if (__builtin_mul_overflow(d.units, 10, &d.units) ||
		    __builtin_add_overflow(d.units, neg ? -digit : digit, &d.units))
			return RECUR_EOVERFLOW;
	}
	if (*s == '.') {
		s++;
		if (!is_digit(*s))
			return RECUR_EINVAL;
		/* Stripe: "at most 12 decimal places", trailing zeros included. */
		for (; is_digit(*s); s++) {
			if (++places > BILLING_DECIMAL_PLACES)
				return RECUR_EINVAL;
			d.pico = d.pico * 10 + (*s - '0');
		}
		for (; places < BILLING_DECIMAL_PLACES; places++)
			d.pico *= 10;
		if (neg)
			d.pico = -d.pico;
	}
	if (*s != '\0')
		return RECUR_EINVAL;
	*out = d;
	return 0;
}

int billing_decimal_format(char *buf, size_t cap, const struct billing_decimal *d)
{
	char tmp[BILLING_DECIMAL_SIZE];
	char digits[24];
	size_t len = 0, nd = 0, i;
	uint64_t u;
	int64_t pico;
	int places;

	if (!billing_decimal_valid(d))
		return RECUR_EINVAL;
	if (!buf)
		return RECUR_ETOOBIG;
	if (d->units < 0 || d->pico < 0)
		tmp[len++] = '-';
	/* The magnitude of INT64_MIN only fits unsigned. */
	u = d->units < 0 ? (uint64_t)0 - (uint64_t)d->units : (uint64_t)d->units;
	do {
		digits[nd++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	while (nd)
		tmp[len++] = digits[--nd];
	pico = d->pico < 0 ? -d->pico : d->pico;
	if (pico) {
		places = BILLING_DECIMAL_PLACES;
		while (pico % 10 == 0) {
			pico /= 10;
			places--;
		}
		tmp[len++] = '.';
		for (i = (size_t)places; i > 0; i--) {
			tmp[len + i - 1] = (char)('0' + pico % 10);
			pico /= 10;
		}
		len += (size_t)places;
	}
	if (len >= cap) {
		if (cap > 0)
			buf[0] = '\0';
		return RECUR_ETOOBIG;
	}
	for (i = 0; i < len; i++)
		buf[i] = tmp[i];
	buf[len] = '\0';
	return (int)len;
}

/* d in 10^-12 minor units; exact, |result| < 2^103. */
static i128 scaled(const struct billing_decimal *d)
{
	return (i128)d->units * BILLING_DECIMAL_SCALE + d->pico;
}

/* *acc += qty * unit + flat, all exact; false on overflow. */
static bool accumulate(i128 *acc, int64_t qty, const struct billing_decimal *unit,
		       const struct billing_decimal *flat)
{
	i128 term;

	if (__builtin_mul_overflow((i128)qty, scaled(unit), &term) ||
	    __builtin_add_overflow(term, scaled(flat), &term) ||
	    __builtin_add_overflow(*acc, term, acc))
		return false;
	return true;
}

/*
 * Rounds acc / 10^12 to whole minor units with r. money_mul_ratio owns the
 * rounding rules; it takes int64 operands, so the quotient is split off here
 * and only the fraction goes through it, carrying the quotient's parity so
 * that MONEY_ROUND_HALF_EVEN still sees the right neighbour:
 * round(acc) = (q - q%2) + round(q%2 + rem/10^12), where q%2 and rem share
 * acc's sign and the second operand is below 2 * 10^12 in magnitude.
 */
static int round_scaled(int64_t *out, i128 acc, enum money_rounding r)
{
	i128 q = acc / BILLING_DECIMAL_SCALE;
	int64_t rem = (int64_t)(acc % BILLING_DECIMAL_SCALE);
	int64_t parity, adj;
	int rc;

	if (q > INT64_MAX || q < INT64_MIN)
		return RECUR_EOVERFLOW;
	parity = (int64_t)(q % 2);
	rc = money_mul_ratio(&adj, parity * BILLING_DECIMAL_SCALE + rem, 1,
			     BILLING_DECIMAL_SCALE, r);
	if (rc == 0)
		rc = money_add(out, (int64_t)q - parity, adj);
	return rc;
}

/* Structural checks a stored price should already pass (price_rules). */
static int check_price(const struct billing_price *p, int64_t quantity,
		       enum money_rounding r)
{
	size_t i;

	if (quantity < 0 || (unsigned)r > MONEY_ROUND_UP)
		return RECUR_EINVAL;
	switch (p->scheme) {
	case BILLING_SCHEME_PER_UNIT:
		if (p->divide_by < 0 || !billing_decimal_valid(&p->unit_amount) ||
		    (p->divide_by > 0 &&
		     p->transform_round != BILLING_TRANSFORM_ROUND_UP &&
		     p->transform_round != BILLING_TRANSFORM_ROUND_DOWN))
			return RECUR_EINVAL;
		return 0;
	case BILLING_SCHEME_TIERED:
		if (p->divide_by != 0 || !p->tiers || p->ntiers == 0 ||
		    (p->tiers_mode != BILLING_TIERS_GRADUATED &&
		     p->tiers_mode != BILLING_TIERS_VOLUME))
			return RECUR_EINVAL;
		for (i = 0; i < p->ntiers; i++) {
			const struct billing_tier *t = &p->tiers[i];
			if (t->inf != (i == p->ntiers - 1) ||
			    !billing_decimal_valid(&t->unit_amount) ||
			    !billing_decimal_valid(&t->flat_amount))
				return RECUR_EINVAL;
			if (!t->inf && (t->up_to < 1 ||
					(i > 0 && t->up_to <= p->tiers[i - 1].up_to)))
				return RECUR_EINVAL;
		}
		return 0;
	}
	return RECUR_EINVAL;
}

/*
 * Walks the tiers `quantity` touches, calling fn(ctx, tier, units) for each.
 * Graduated: a tier's units are the quantity above the previous tier's up_to,
 * capped at its own up_to, and every tier up to the one holding the last unit
 * is touched. Volume: only the first tier whose up_to the quantity does not
 * exceed, with the whole quantity. Quantity 0 touches nothing (price_eval.h).
 * Stops at, and returns, fn's first error.
 */
typedef int (*tier_fn)(void *ctx, const struct billing_price *p, size_t tier,
		       int64_t units);

static int tier_walk(const struct billing_price *p, int64_t quantity,
		     tier_fn fn, void *ctx)
{
	int64_t below = 0;
	size_t i;
	int rc = 0;

	for (i = 0; i < p->ntiers && quantity > 0; i++) {
		const struct billing_tier *t = &p->tiers[i];
		bool last = t->inf || quantity <= t->up_to;

		if (p->tiers_mode == BILLING_TIERS_VOLUME) {
			if (!last)
				continue;
			rc = fn(ctx, p, i, quantity);
			break;
		}
		rc = fn(ctx, p, i, (last ? quantity : t->up_to) - below);
		if (rc != 0 || last)
			break;
		below = t->up_to;
	}
	return rc;
}

static int sum_tier(void *ctx, const struct billing_price *p, size_t tier,
		    int64_t units)
{
	const struct billing_tier *t = &p->tiers[tier];

	return accumulate(ctx, units, &t->unit_amount, &t->flat_amount)
		       ? 0
		       : RECUR_EOVERFLOW;
}

int billing_price_amount(int64_t *out, const struct billing_price *p,
			 int64_t quantity, enum money_rounding r)
{
	const struct billing_decimal zero = {0, 0};
	int64_t packages;
	i128 acc = 0;
	int rc;

	rc = check_price(p, quantity, r);
	if (rc != 0)
		goto done;
	if (p->scheme == BILLING_SCHEME_PER_UNIT) {
		packages = quantity;
		if (p->divide_by > 0) {
			/* Stripe: transform_quantity divides, then rounds up or down. */
			packages = quantity / p->divide_by;
			if (p->transform_round == BILLING_TRANSFORM_ROUND_UP &&
			    quantity % p->divide_by != 0)
				packages++;
		}
		rc = accumulate(&acc, packages, &p->unit_amount, &zero)
			     ? 0
			     : RECUR_EOVERFLOW;
	} else {
		/* Every tier's share is summed exactly; the line rounds once. */
		rc = tier_walk(p, quantity, sum_tier, &acc);
	}
	if (rc == 0)
		rc = round_scaled(out, acc, r);
done:
	return rc;
}

struct parts_ctx {
	struct billing_tier_part *parts;
	size_t cap;
	size_t n;
	enum money_rounding r;
};

static int part_tier(void *ctx, const struct billing_price *p, size_t tier,
		     int64_t units)
{
	struct parts_ctx *c = ctx;
	struct billing_tier_part part = {tier, units, 0};
	i128 acc = 0;
	int rc;

	if (c->n == c->cap)
		return RECUR_ETOOBIG;
	rc = sum_tier(&acc, p, tier, units);
	if (rc == 0)
		rc = round_scaled(&part.amount, acc, c->r);
	if (rc == 0)
		c->parts[c->n++] = part;
	return rc;
}

int billing_price_tier_parts(struct billing_tier_part *parts, size_t cap,
			     size_t *n, const struct billing_price *p,
			     int64_t quantity, enum money_rounding r)
{
	struct parts_ctx c = {parts, cap, 0, r};
	int rc;

	rc = check_price(p, quantity, r);
	if (rc == 0 && p->scheme == BILLING_SCHEME_TIERED)
		rc = tier_walk(p, quantity, part_tier, &c);
	if (rc == 0)
		*n = c.n;
	return rc;
}
