/*
 * fuzz_date - calendar_parse_iso8601 (core/calendar.c), which reads every
 * date and time recur takes as text (camt.054 Dt/DtTm, CLI flags).
 *
 * Properties: a parsed time is in the supported range; it formats as
 * "YYYY-MM-DDThh:mm:ssZ" and that parses back to the same second; a bare
 * date formats back to exactly the input. A failure is RECUR_EINVAL with a
 * message.
 */
#include "fuzz.h"

#include "core/calendar.h"
#include "core/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	struct recur_err e;
	err_clear(&e);
	int64_t t = 0, back = 0;
	int rc = calendar_parse_iso8601(&t, s, &e);
	if (rc == 0) {
		char iso[CALENDAR_ISO8601_SIZE], date[CALENDAR_DATE_SIZE];
		FUZZ_CHECK(calendar_in_range(t));
		FUZZ_CHECK(calendar_format_iso8601(iso, sizeof(iso), t) == CALENDAR_ISO8601_SIZE - 1);
		FUZZ_CHECK(calendar_parse_iso8601(&back, iso, NULL) == 0 && back == t);
		if (strlen(s) == CALENDAR_DATE_SIZE - 1) {
			FUZZ_CHECK(calendar_format_date(date, sizeof(date), t) == CALENDAR_DATE_SIZE - 1);
			FUZZ_CHECK(strcmp(date, s) == 0);
		}
	} else {
		FUZZ_CHECK(rc == RECUR_EINVAL);
		FUZZ_CHECK(e.message[0] != '\0');
	}
	free(s);
	return 0;
}
