/*
 * locale.h - amounts and dates as a reader in Norway, Sweden, Denmark or an
 * English-speaking country writes them, for the e-mails recur sends
 * (docs/email.md "Formats").
 *
 * Four locales, no others: nb (Norwegian Bokmål), sv, da and en. The forms
 * follow CLDR's: nb "kr 1 250,00", sv "1 250,00 kr", da "1.250,00 kr.", en
 * "$1,250.00" / "NOK 1,250.00". The space that groups thousands and the one
 * between a symbol and its number is U+00A0 NO-BREAK SPACE (written
 * LOCALE_NBSP here), so a mail client never breaks an amount over two lines.
 * Dates are in UTC, as every time in recur: "15. mars 2026" (nb), "15 mars
 * 2026" (sv), "15. marts 2026" (da), "15 March 2026" (en).
 *
 * Pure: nothing here allocates, reads the clock or the process locale.
 */
#ifndef RECUR_CORE_LOCALE_H
#define RECUR_CORE_LOCALE_H

#include <stddef.h>
#include <stdint.h>

#define LOCALE_NBSP "\xc2\xa0"

enum locale_id { LOCALE_EN, LOCALE_NB, LOCALE_SV, LOCALE_DA };

/* Buffer sizes, NUL included, that always suffice for the formatters below. */
#define LOCALE_MONEY_SIZE 96
#define LOCALE_DATE_SIZE 32

/*
 * The locale for a BCP 47 tag such as a customer's preferred_locales[0]:
 * "nb", "no", "nn" and "nb-NO" are nb; "sv*" sv; "da*" da; anything else,
 * NULL included, en. Case-insensitive.
 */
enum locale_id locale_from_tag(const char *tag);

/* "en", "nb", "sv" or "da". */
const char *locale_name(enum locale_id l);

/*
 * Writes amount (minor units of currency, an ISO 4217 code in any case) into
 * buf (cap bytes, NUL-terminated) as locale l writes it. The currency's own
 * symbol is used where the locale has one ("kr" for NOK in nb, SEK in sv,
 * "kr." for DKK in da, "$" "€" "£" for USD, EUR, GBP in en), its upper-case
 * code otherwise. A negative amount starts with '-'. Returns the length
 * written, or RECUR_EINVAL for an unknown currency, RECUR_ETOOBIG if buf is
 * too small (buf then holds "" if cap > 0).
 */
int locale_format_money(char *buf, size_t cap, enum locale_id l, int64_t amount,
			const char *currency);

/*
 * Writes the UTC date of t into buf as locale l writes a date in running
 * text. Returns the length written, or RECUR_EINVAL for a time outside the
 * calendar's range, RECUR_ETOOBIG if buf is too small.
 */
int locale_format_date(char *buf, size_t cap, enum locale_id l, int64_t t);

#endif
