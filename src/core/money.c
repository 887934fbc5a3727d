/*
 * money.c - see money.h. Integer arithmetic only: scripts/lint.sh fails the
 * build if a fractional type so much as appears in this file.
 */
#include "core/money.h"

#include "core/err.h"

#include <string.h>

/*
 * GCC and Clang provide a 128-bit integer on every 64-bit target recur builds
 * for. __extension__ keeps -std=c11 -pedantic quiet about it.
 */
__extension__ typedef __int128 i128;

/*
 * ISO 4217 minor-unit exponents (the "E" column of the ISO list). Where payment
 * providers disagree with ISO (Stripe treats HUF and TWD as zero-decimal for
 * payouts, for example) recur still stores the ISO exponent; a gateway adapter
 * converts at its own boundary.
 */
static const struct currency currencies[] = {
	{"AED", 2}, {"ARS", 2}, {"AUD", 2}, {"BGN", 2}, {"BHD", 3}, {"BIF", 0},
	{"BRL", 2}, {"CAD", 2}, {"CHF", 2}, {"CLF", 4}, {"CLP", 0}, {"CNY", 2},
	{"COP", 2}, {"CZK", 2}, {"DJF", 0}, {"DKK", 2}, {"EGP", 2}, {"EUR", 2},
	{"GBP", 2}, {"GNF", 0}, {"HKD", 2}, {"HUF", 2}, {"IDR", 2}, {"ILS", 2},
	{"INR", 2}, {"IQD", 3}, {"ISK", 0}, {"JOD", 3}, {"JPY", 0}, {"KES", 2},
	{"KMF", 0}, {"KRW", 0}, {"KWD", 3}, {"LYD", 3}, {"MAD", 2}, {"MXN", 2},
	{"MYR", 2}, {"NGN", 2}, {"NOK", 2}, {"NZD", 2}, {"OMR", 3}, {"PEN", 2},
	{"PHP", 2}, {"PKR", 2}, {"PLN", 2}, {"PYG", 0}, {"QAR", 2}, {"RON", 2},
	{"RSD", 2}, {"RWF", 0}, {"SAR", 2}, {"SEK", 2}, {"SGD", 2}, {"THB", 2},
	{"TND", 3}, {"TRY", 2}, {"TWD", 2}, {"UAH", 2}, {"UGX", 0}, {"USD", 2},
	{"UYU", 2}, {"VND", 0}, {"VUV", 0}, {"XAF", 0}, {"XOF", 0}, {"XPF", 0},
	{"ZAR", 2},
};

#define NCURRENCIES (sizeof(currencies) / sizeof(currencies[0]))

const struct currency *money_currency_find(const char *code)
{
	char up[4];
	size_t i;

	if (!code)
		return NULL;
	/* ASCII folding by hand: toupper() depends on the process locale. */
	for (i = 0; i < 3; i++) {
		char c = code[i];
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (c < 'A' || c > 'Z')
			return NULL; /* also stops at the NUL of a short code */
		up[i] = c;
	}
	if (code[3] != '\0')
		return NULL;
	up[3] = '\0';
	for (i = 0; i < NCURRENCIES; i++)
		if (memcmp(currencies[i].code, up, 4) == 0)
			return &currencies[i];
	return NULL;
}

size_t money_currency_count(void)
{
	return NCURRENCIES;
}

const struct currency *money_currency_at(size_t i)
{
	return i < NCURRENCIES ? &currencies[i] : NULL;
}

int money_add(int64_t *out, int64_t a, int64_t b)
{
	int64_t r;
	if (__builtin_add_overflow(a, b, &r))
		return RECUR_EOVERFLOW;
	*out = r;
	return 0;
}

int money_sub(int64_t *out, int64_t a, int64_t b)
{
	int64_t r;
	if (__builtin_sub_overflow(a, b, &r))
		return RECUR_EOVERFLOW;
	*out = r;
	return 0;
}

int money_mul(int64_t *out, int64_t a, int64_t b)
{
	int64_t r;
	if (__builtin_mul_overflow(a, b, &r))
		return RECUR_EOVERFLOW;
	*out = r;
	return 0;
}

int money_mul_ratio(int64_t *out, int64_t amount, int64_t num, int64_t den,
		    enum money_rounding r)
{
	/* |amount * num| <= 2^126, so the product is exact in 128 bits. */
	i128 p = (i128)amount * num;
	i128 q, rem, twice;
	int away;

	if (den <= 0)
		return RECUR_EINVAL;
	q = p / den;   /* C truncates toward zero ... */
	rem = p % den; /* ... and the remainder takes the sign of p */
	twice = (rem < 0 ? -rem : rem) * 2; /* < 2^64: no overflow */

	switch (r) {
	case MONEY_ROUND_DOWN:
		away = 0;
		break;
	case MONEY_ROUND_UP:
		away = rem != 0;
		break;
	case MONEY_ROUND_HALF_UP:
		away = twice >= den;
		break;
	case MONEY_ROUND_HALF_EVEN:
		away = twice > den || (twice == den && q % 2 != 0);
		break;
	default:
		return RECUR_EINVAL;
	}
	if (away)
		q += p < 0 ? -1 : 1;
	if (q > INT64_MAX || q < INT64_MIN)
		return RECUR_EOVERFLOW;
	*out = (int64_t)q;
	return 0;
}

bool money_in_range(int64_t amount)
{
	return amount >= -MONEY_MAX_ABS && amount <= MONEY_MAX_ABS;
}

/*
 * Error messages end up in JSON responses and logs, so the echoed input is
 * reduced to printable ASCII (a cut multi-byte sequence would make the message
 * invalid UTF-8) and capped.
 */
static void echo(char *dst, size_t cap, const char *s)
{
	size_t i = 0;
	for (; s && *s && i + 4 < cap && i < 32; s++)
		dst[i++] = (*s >= 0x20 && *s <= 0x7e) ? *s : '?';
	if (s && *s && i + 4 <= cap) {
		memcpy(dst + i, "...", 3);
		i += 3;
	}
	dst[i] = '\0';
}

static int fail(struct recur_err *e, int rc, const char *s, const char *why)
{
	char shown[40];
	if (!e)
		return rc;
	echo(shown, sizeof(shown), s);
	return err_set(e, rc, 400, "invalid_request_error", "parameter_invalid",
		       NULL, "Invalid amount '%s': %s.", shown, why);
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * If p starts with a nordic thousands separator, returns its length in bytes
 * and sets *kind so that mixing kinds can be caught; 0 otherwise. UTF-8:
 * U+00A0 is C2 A0, U+202F is E2 80 AF.
 */
static size_t group_sep(const char *p, int *kind)
{
	const unsigned char *u = (const unsigned char *)p;
	if (u[0] == ' ') {
		*kind = 1;
		return 1;
	}
	if (u[0] == '.') {
		*kind = 2;
		return 1;
	}
	if (u[0] == 0xC2 && u[1] == 0xA0) {
		*kind = 3;
		return 2;
	}
	if (u[0] == 0xE2 && u[1] == 0x80 && u[2] == 0xAF) {
		*kind = 4;
		return 3;
	}
	return 0;
}

/* v = v * 10 +/- digit, growing away from zero in the sign of the amount. */
static bool push_digit(int64_t *v, char c, bool neg)
{
	int64_t d = c - '0';
	return !__builtin_mul_overflow(*v, 10, v) &&
	       !__builtin_add_overflow(*v, neg ? -d : d, v);
}

int money_parse(int64_t *out, const char *s, int exponent,
		enum money_locale loc, struct recur_err *e)
{
	const char *p = s;
	const char dec = loc == MONEY_LOCALE_NORDIC ? ',' : '.';
	int64_t v = 0;
	bool neg = false, grouped = false;
	int run = 0, kind = 0, first_kind = 0, frac = 0;
	size_t n;

	if (!s)
		return fail(e, RECUR_EINVAL, s, "no amount given");
	if (exponent < 0 || exponent > MONEY_MAX_EXPONENT)
		return fail(e, RECUR_EINVAL, s, "unsupported currency exponent");
	if (loc != MONEY_LOCALE_C && loc != MONEY_LOCALE_NORDIC)
		return fail(e, RECUR_EINVAL, s, "unknown locale");

	/*
	 * Accumulating in the amount's own sign (rather than the magnitude, then
	 * negating) lets the most negative int64 parse like any other value.
	 */
	if (*p == '-') {
		neg = true;
		p++;
	}

	/* Integer part; `run` counts the digits since the start or last separator. */
	for (;;) {
		if (is_digit(*p)) {
			if (!push_digit(&v, *p, neg))
				return fail(e, RECUR_EOVERFLOW, s, "amount is too large");
			run++;
			p++;
			continue;
		}
		if (loc == MONEY_LOCALE_NORDIC && (n = group_sep(p, &kind)) > 0) {
			if (run == 0)
				return fail(e, RECUR_EINVAL, s,
					    "a group separator must follow a digit");
			if (!grouped) {
				if (run > 3)
					return fail(e, RECUR_EINVAL, s,
						    "digit groups must have three digits");
				grouped = true;
				first_kind = kind;
			} else if (kind != first_kind) {
				return fail(e, RECUR_EINVAL, s,
					    "mixed group separators");
			} else if (run != 3) {
				return fail(e, RECUR_EINVAL, s,
					    "digit groups must have three digits");
			}
			run = 0;
			p += n;
			continue;
		}
		break;
	}
	if (run == 0)
		return fail(e, RECUR_EINVAL, s, "expected a digit");
	if (grouped && run != 3)
		return fail(e, RECUR_EINVAL, s, "digit groups must have three digits");

	if (*p == dec) {
		p++;
		while (is_digit(*p)) {
			if (++frac > exponent)
				return fail(e, RECUR_EINVAL, s,
					    "too many decimals for the currency");
			if (!push_digit(&v, *p, neg))
				return fail(e, RECUR_EOVERFLOW, s, "amount is too large");
			p++;
		}
		if (frac == 0)
			return fail(e, RECUR_EINVAL, s,
				    "expected digits after the decimal separator");
	}
	if (*p != '\0')
		return fail(e, RECUR_EINVAL, s, "unexpected character");

	/* "12.5" at exponent 2 has one decimal: scale by the missing ones. */
	for (; frac < exponent; frac++)
		if (__builtin_mul_overflow(v, 10, &v))
			return fail(e, RECUR_EOVERFLOW, s, "amount is too large");
	*out = v;
	return 0;
}

int money_format(char *buf, size_t cap, int64_t amount, int exponent,
		 enum money_locale loc)
{
	char tmp[48];
	char *w = tmp + sizeof(tmp);
	const bool nordic = loc == MONEY_LOCALE_NORDIC;
	/* Unsigned magnitude: -INT64_MIN does not exist in int64. */
	uint64_t mag = amount < 0 ? (uint64_t)0 - (uint64_t)amount
				  : (uint64_t)amount;
	int i, digits = 0;
	size_t len;

	if (exponent < 0 || exponent > MONEY_MAX_EXPONENT)
		return RECUR_EINVAL;
	if (loc != MONEY_LOCALE_C && !nordic)
		return RECUR_EINVAL;

	/* Built right to left; the worst case (nordic, INT64_MIN) is 26 bytes. */
	for (i = 0; i < exponent; i++) {
		*--w = (char)('0' + mag % 10);
		mag /= 10;
	}
	if (exponent > 0)
		*--w = nordic ? ',' : '.';
	do {
		if (nordic && digits > 0 && digits % 3 == 0)
			*--w = ' ';
		*--w = (char)('0' + mag % 10);
		mag /= 10;
		digits++;
	} while (mag != 0);
	if (amount < 0)
		*--w = '-';

	len = (size_t)(tmp + sizeof(tmp) - w);
	if (!buf || len >= cap) {
		if (buf && cap > 0)
			buf[0] = '\0';
		return RECUR_ETOOBIG;
	}
	memcpy(buf, w, len);
	buf[len] = '\0';
	return (int)len;
}
