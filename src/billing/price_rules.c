#include "billing/price_rules.h"
#include "core/err.h"

#include <string.h>

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int price_rules_decimal(struct price_decimal *out, const char *in, int64_t max,
			struct recur_err *e)
{
	const char *p = in, *int_start, *int_end, *frac_start = NULL, *frac_end = NULL;
	int64_t units = 0;
	if (!in)
		return err_invalid(e, NULL, "Invalid decimal: must be a number such as 12.5");
	if (*p == '-')
		return err_invalid(e, NULL, "Invalid decimal: must not be negative");
	int_start = p;
	while (is_digit(*p))
		p++;
	int_end = p;
	if (int_end == int_start)
		return err_invalid(e, NULL, "Invalid decimal: '%.40s' must be a number such as 12.5",
				   in);
	if (*p == '.') {
		frac_start = ++p;
		while (is_digit(*p))
			p++;
		frac_end = p;
		if (frac_end == frac_start)
			return err_invalid(e, NULL, "Invalid decimal: '%.40s' needs a digit after the '.'",
					   in);
	}
	if (*p)
		return err_invalid(e, NULL, "Invalid decimal: '%.40s' must be a number such as 12.5",
				   in);
	if (frac_start && frac_end - frac_start > PRICE_DECIMAL_PLACES)
		return err_invalid(e, NULL, "Invalid decimal: at most %d decimal places are allowed",
				   PRICE_DECIMAL_PLACES);
	while (int_end - int_start > 1 && *int_start == '0')
		int_start++;
	while (frac_start && frac_end > frac_start && frac_end[-1] == '0')
		frac_end--;
	for (const char *c = int_start; c < int_end; c++) {
		int d = *c - '0';
		if (units > (max - d) / 10)
			return err_invalid(e, NULL, "Invalid decimal: must be at most %lld",
					   (long long)max);
		units = units * 10 + d;
	}
	bool whole = !frac_start || frac_end == frac_start;
	if (units == max && !whole)
		return err_invalid(e, NULL, "Invalid decimal: must be at most %lld", (long long)max);
	/* units <= max <= INT64_MAX has at most 19 digits; the caller's max is 10^15. */
	size_t ni = (size_t)(int_end - int_start);
	size_t nf = whole ? 0 : (size_t)(frac_end - frac_start);
	if (ni + (nf ? nf + 1 : 0) + 1 > sizeof(out->text))
		return err_invalid(e, NULL, "Invalid decimal: too many digits");
	memcpy(out->text, int_start, ni);
	if (nf) {
		out->text[ni] = '.';
		memcpy(out->text + ni + 1, frac_start, nf);
		out->text[ni + 1 + nf] = '\0';
	} else {
		out->text[ni] = '\0';
	}
	out->whole = whole;
	out->units = units;
	return 0;
}

int price_rules_tiers(size_t *bad, const struct price_tier_bound *tiers, size_t n,
		      struct recur_err *e)
{
	*bad = 0;
	if (n == 0)
		return err_invalid(e, NULL, "A tiered price needs at least one tier");
	for (size_t i = 0; i < n; i++) {
		*bad = i;
		if (tiers[i].inf) {
			if (i != n - 1)
				return err_invalid(e, NULL,
						   "Only the last tier may have up_to=inf; tier %zu is not the last",
						   i);
			continue;
		}
		if (tiers[i].up_to < 1)
			return err_invalid(e, NULL, "up_to must be a positive integer or 'inf'");
		if (i > 0 && tiers[i].up_to <= tiers[i - 1].up_to)
			return err_invalid(e, NULL,
					   "Tiers must be in ascending order: up_to %lld is not greater than the previous tier's %lld",
					   (long long)tiers[i].up_to, (long long)tiers[i - 1].up_to);
		if (i == n - 1)
			return err_invalid(e, NULL, "The last tier must have up_to=inf");
	}
	return 0;
}
