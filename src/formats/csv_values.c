/*
 * csv_values.c - the cell formats of CSV imports (csv.h): amounts, dates and
 * yes/no, as spreadsheets in Norway, Sweden and Denmark write them as well as
 * in ISO form. Parsing only; nothing here rounds or reads the clock.
 */
#include "formats/csv.h"

#include "core/calendar.h"
#include "core/money.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Longer cells cannot be a valid amount, date or yes/no. */
#define CELL_MAX 64

/*
 * Copies s without the spaces and tabs around it into buf (CELL_MAX bytes).
 * false if it does not fit. Quoted cells keep their blanks in the reader, and
 * " 12,50" is still plainly 12,50.
 */
static bool trimmed(char *buf, const char *s)
{
	size_t len;
	if (!s)
		return false;
	while (*s == ' ' || *s == '\t')
		s++;
	len = strlen(s);
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (len >= CELL_MAX)
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return true;
}

/* Whether s holds a space used to group digits: ASCII space, U+00A0, U+202F. */
static bool has_space_group(const char *s)
{
	return strchr(s, ' ') || strstr(s, "\xC2\xA0") || strstr(s, "\xE2\x80\xAF");
}

int csv_parse_amount(int64_t *out, const char *s, int exponent, bool decimal_comma,
		     struct recur_err *e)
{
	char v[CELL_MAX];
	int64_t amount;
	int rc;
	if (!trimmed(v, s))
		return err_invalid(e, NULL, "Invalid amount: too long");
	if (decimal_comma) {
		rc = money_parse(&amount, v, exponent, MONEY_LOCALE_NORDIC, e);
	} else if (!has_space_group(v) || strchr(v, ',')) {
		rc = money_parse(&amount, v, exponent, MONEY_LOCALE_C, e);
	} else {
		/*
		 * "1 250.00": money_parse groups digits only in its Nordic form,
		 * so the decimal point becomes a comma for it. There is no comma to
		 * mistake (checked above), and the message keeps what the cell says.
		 */
		char nordic[CELL_MAX];
		memcpy(nordic, v, sizeof(v));
		for (char *p = nordic; *p; p++)
			if (*p == '.')
				*p = ',';
		rc = money_parse(&amount, nordic, exponent, MONEY_LOCALE_NORDIC, e);
		if (rc < 0) {
			const char *why = strstr(e->message, "': ");
			char reason[128];
			snprintf(reason, sizeof(reason), "%s", why ? why + 3 : "malformed.");
			err_set(e, rc, 400, "invalid_request_error", "parameter_invalid", NULL,
				"Invalid amount '%s': %s", v, reason);
		}
	}
	if (rc < 0)
		return rc;
	if (!money_in_range(amount))
		return err_invalid(e, NULL, "Invalid amount '%s': beyond what recur can bill.", v);
	*out = amount;
	return 0;
}

/* Reads 1 to max digits at *p into *n, advancing *p. false if there are none. */
static bool digits(const char **p, int max, int *n)
{
	int k = 0;
	*n = 0;
	while (k < max && **p >= '0' && **p <= '9') {
		*n = *n * 10 + (**p - '0');
		(*p)++;
		k++;
	}
	return k > 0;
}

/* "31.01.2026" or "31/01/2026" (one separator throughout), validated. */
static bool parse_dmy(int64_t *out, const char *s)
{
	struct civil c = { 0 };
	const char *p = s;
	char sep;
	if (!digits(&p, 2, &c.day) || (*p != '.' && *p != '/'))
		return false;
	sep = *p++;
	if (!digits(&p, 2, &c.month) || *p++ != sep)
		return false;
	const char *year = p;
	if (!digits(&p, 4, &c.year) || p - year != 4 || *p != '\0')
		return false;
	if (!calendar_civil_valid(&c))
		return false;
	*out = calendar_from_civil(&c);
	return true;
}

int csv_parse_date(int64_t *out, const char *s, bool dmy, struct recur_err *e)
{
	char v[CELL_MAX];
	size_t lead;
	if (!trimmed(v, s))
		return err_invalid(e, NULL, "Invalid date: too long");
	/* One or two digits and a separator is a day first; ISO starts with a year. */
	lead = strspn(v, "0123456789");
	if (dmy && lead >= 1 && lead <= 2 && (v[lead] == '.' || v[lead] == '/')) {
		if (!parse_dmy(out, v))
			return err_invalid(e, NULL,
					   "Invalid date '%s': expected DD.MM.YYYY, a real day", v);
		return 0;
	}
	return calendar_parse_iso8601(out, v, e);
}

int csv_parse_bool(bool *out, const char *s, struct recur_err *e)
{
	static const char *const yes[] = { "true", "yes", "1", "ja" };
	static const char *const no[] = { "false", "no", "0", "nei", "nej" };
	char v[CELL_MAX];
	if (!trimmed(v, s))
		return err_invalid(e, NULL, "Invalid yes/no value: too long");
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (strcasecmp(v, yes[i]) == 0) {
			*out = true;
			return 0;
		}
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (strcasecmp(v, no[i]) == 0) {
			*out = false;
			return 0;
		}
	return err_invalid(e, NULL, "Invalid yes/no value '%s': use true or false", v);
}
