#include "core/locale.h"
#include "core/calendar.h"
#include "core/err.h"
#include "core/money.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

enum locale_id locale_from_tag(const char *tag)
{
	if (!tag)
		return LOCALE_EN;
	/* The language subtag alone decides: "nb-NO" and "nb" read alike. */
	size_t n = strcspn(tag, "-_");
	if (n == 2 && (strncasecmp(tag, "nb", 2) == 0 || strncasecmp(tag, "no", 2) == 0 ||
		       strncasecmp(tag, "nn", 2) == 0))
		return LOCALE_NB;
	if (n == 2 && strncasecmp(tag, "sv", 2) == 0)
		return LOCALE_SV;
	if (n == 2 && strncasecmp(tag, "da", 2) == 0)
		return LOCALE_DA;
	return LOCALE_EN;
}

const char *locale_name(enum locale_id l)
{
	switch (l) {
	case LOCALE_NB: return "nb";
	case LOCALE_SV: return "sv";
	case LOCALE_DA: return "da";
	default: return "en";
	}
}

/* The symbol locale l writes for currency code, or NULL: write the code. */
static const char *symbol(enum locale_id l, const char *code)
{
	switch (l) {
	case LOCALE_NB: return strcmp(code, "NOK") == 0 ? "kr" : NULL;
	case LOCALE_SV: return strcmp(code, "SEK") == 0 ? "kr" : NULL;
	case LOCALE_DA: return strcmp(code, "DKK") == 0 ? "kr." : NULL;
	default:
		if (strcmp(code, "USD") == 0)
			return "$";
		if (strcmp(code, "EUR") == 0)
			return "\xe2\x82\xac";
		if (strcmp(code, "GBP") == 0)
			return "\xc2\xa3";
		return NULL;
	}
}

/*
 * The unsigned amount as digits grouped by group every three from the right,
 * then dec and the minor digits (none at exponent 0).
 */
static int number(char *buf, size_t cap, uint64_t mag, int exponent, const char *group,
		  const char *dec)
{
	char digits[32];
	int nd = snprintf(digits, sizeof(digits), "%0*llu", exponent + 1,
			  (unsigned long long)mag);
	if (nd < 0 || (size_t)nd >= sizeof(digits))
		return RECUR_EINVAL;
	int nint = nd - exponent;
	size_t len = 0;
	for (int i = 0; i < nint; i++) {
		if (i > 0 && (nint - i) % 3 == 0) {
			size_t gl = strlen(group);
			if (len + gl >= cap)
				return RECUR_ETOOBIG;
			memcpy(buf + len, group, gl);
			len += gl;
		}
		if (len + 1 >= cap)
			return RECUR_ETOOBIG;
		buf[len++] = digits[i];
	}
	if (exponent > 0) {
		size_t dl = strlen(dec);
		if (len + dl + (size_t)exponent >= cap)
			return RECUR_ETOOBIG;
		memcpy(buf + len, dec, dl);
		len += dl;
		memcpy(buf + len, digits + nint, (size_t)exponent);
		len += (size_t)exponent;
	}
	buf[len] = '\0';
	return (int)len;
}

int locale_format_money(char *buf, size_t cap, enum locale_id l, int64_t amount,
			const char *currency)
{
	const struct currency *cur = money_currency_find(currency);
	char num[64];
	int rc;
	if (buf && cap > 0)
		buf[0] = '\0';
	if (!cur)
		return RECUR_EINVAL;
	/* The magnitude in unsigned arithmetic: -INT64_MIN does not fit int64. */
	uint64_t mag = amount < 0 ? (uint64_t)0 - (uint64_t)amount : (uint64_t)amount;
	const char *sign = amount < 0 ? "-" : "";
	bool nordic = l != LOCALE_EN;
	const char *group = l == LOCALE_DA ? "." : nordic ? LOCALE_NBSP : ",";
	if ((rc = number(num, sizeof(num), mag, cur->exponent, group, nordic ? "," : ".")) < 0)
		return rc;
	const char *sym = symbol(l, cur->code);
	const char *code = sym ? sym : cur->code;
	int n;
	if (l == LOCALE_EN)
		/* "$1,250.00", "NOK 1,250.00": a code is set off by a space. */
		n = snprintf(buf, cap, "%s%s%s%s", sign, code, sym ? "" : LOCALE_NBSP, num);
	else if (l == LOCALE_NB)
		/* CLDR nb: the symbol first, "kr 1 250,00", "-kr 1 250,00". */
		n = snprintf(buf, cap, "%s%s" LOCALE_NBSP "%s", sign, code, num);
	else
		/* sv and da: the symbol after, "1 250,00 kr", "1.250,00 kr.". */
		n = snprintf(buf, cap, "%s%s" LOCALE_NBSP "%s", sign, num, code);
	if (n < 0 || (size_t)n >= cap) {
		if (buf && cap > 0)
			buf[0] = '\0';
		return RECUR_ETOOBIG;
	}
	return n;
}

static const char *const months[4][12] = {
	[LOCALE_EN] = { "January", "February", "March", "April", "May", "June", "July",
			"August", "September", "October", "November", "December" },
	[LOCALE_NB] = { "januar", "februar", "mars", "april", "mai", "juni", "juli",
			"august", "september", "oktober", "november", "desember" },
	[LOCALE_SV] = { "januari", "februari", "mars", "april", "maj", "juni", "juli",
			"augusti", "september", "oktober", "november", "december" },
	[LOCALE_DA] = { "januar", "februar", "marts", "april", "maj", "juni", "juli",
			"august", "september", "oktober", "november", "december" },
};

int locale_format_date(char *buf, size_t cap, enum locale_id l, int64_t t)
{
	struct civil c;
	if (buf && cap > 0)
		buf[0] = '\0';
	if (!calendar_in_range(t) || (unsigned)l > LOCALE_DA)
		return RECUR_EINVAL;
	calendar_to_civil(&c, t);
	/* nb and da write the day as an ordinal ("15."), sv and en do not. */
	const char *dot = l == LOCALE_NB || l == LOCALE_DA ? "." : "";
	int n = snprintf(buf, cap, "%d%s %s %d", c.day, dot, months[l][c.month - 1], c.year);
	if (n < 0 || (size_t)n >= cap) {
		if (buf && cap > 0)
			buf[0] = '\0';
		return RECUR_ETOOBIG;
	}
	return n;
}
