/*
 * fuzz_money - money_parse (core/money.c), the strict decimal parser bank
 * files and API amounts go through.
 *
 * Input: byte 0 picks the exponent (0..MONEY_MAX_EXPONENT) and the locale;
 * the rest is the text. Properties: a parsed amount formats (48 bytes always
 * suffice, money.h) and that text parses back to the same amount in the same
 * locale; a failure is RECUR_EINVAL or RECUR_EOVERFLOW, never anything else.
 */
#include "fuzz.h"

#include "core/err.h"
#include "core/money.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	int exponent = data[0] % (MONEY_MAX_EXPONENT + 1);
	enum money_locale loc = (data[0] & 0x80) ? MONEY_LOCALE_NORDIC : MONEY_LOCALE_C;
	char *s = fuzz_cstr(data + 1, size - 1);
	struct recur_err e;
	err_clear(&e);
	int64_t v = 0, back = 0;
	int rc = money_parse(&v, s, exponent, loc, &e);
	if (rc == 0) {
		char text[48];
		int n = money_format(text, sizeof(text), v, exponent, loc);
		FUZZ_CHECK(n > 0 && (size_t)n < sizeof(text));
		FUZZ_CHECK(money_parse(&back, text, exponent, loc, NULL) == 0);
		FUZZ_CHECK(back == v);
		/* The canonical text of a plain C-locale amount is the input itself when it had all decimals. */
		if (loc == MONEY_LOCALE_C && strlen(s) == (size_t)n && s[0] != '0' && s[0] != '-')
			FUZZ_CHECK(strcmp(s, text) == 0);
	} else {
		FUZZ_CHECK(rc == RECUR_EINVAL || rc == RECUR_EOVERFLOW);
		FUZZ_CHECK(e.message[0] != '\0');
	}
	free(s);
	return 0;
}
