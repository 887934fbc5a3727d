/*
 * Tests for notify/templates: every kind renders in every locale with the
 * values the service supplies (no placeholder without a value, none left
 * unfilled), conditional lines come and go with their value, and exact text
 * for one template per locale.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/err.h"
#include "notify/templates.h"

static const struct notify_var all[] = {
	{ "name", "Kari" },    { "number", "RCR-0001" }, { "amount", "kr 10,00" },
	{ "due_date", "1. mai 2026" }, { "date", "2. mai 2026" }, { "reference", "18" },
	{ "account", "1234.56.78903" }, { "link", "https://x/?customer=cus_1" },
	{ "fee", "kr 35,00" }, { "interest", "kr 1,00" }, { "interval", "måned" },
};

static void test_every_template(void **state)
{
	(void)state;
	for (int k = 0; k < NOTIFY_KIND_COUNT; k++) {
		for (int l = LOCALE_EN; l <= LOCALE_DA; l++) {
			struct buf subject, body;
			buf_init(&subject, 0);
			buf_init(&body, 0);
			assert_int_equal(notify_render(&subject, &body, (enum notify_kind)k,
						       (enum locale_id)l, all,
						       sizeof(all) / sizeof(all[0])), 0);
			assert_true(subject.len > 0 && body.len > 0);
			assert_null(strchr(subject.data, '{'));
			assert_null(strchr(body.data, '{'));
			assert_null(strchr(subject.data, '\n'));
			buf_free(&subject);
			buf_free(&body);
		}
	}
}

static void test_conditional_lines(void **state)
{
	struct notify_var v[] = {
		{ "name", "Ed" }, { "number", "7" }, { "amount", "$1.00" },
		{ "due_date", "1 May 2026" }, { "reference", "" }, { "account", NULL },
	};
	struct buf subject, body;
	(void)state;
	buf_init(&subject, 0);
	buf_init(&body, 0);
	assert_int_equal(notify_render(&subject, &body, NOTIFY_INVOICE_FINALIZED, LOCALE_EN, v, 6), 0);
	assert_string_equal(subject.data, "Invoice 7: $1.00 due 1 May 2026");
	assert_string_equal(body.data, "Hello Ed,\n\nInvoice 7 of $1.00 is due on 1 May 2026.\n"
				       "\nThank you.\n");
	buf_reset(&subject);
	buf_reset(&body);
	v[4].value = "26";
	v[5].value = "1234.56.78903";
	assert_int_equal(notify_render(&subject, &body, NOTIFY_INVOICE_FINALIZED, LOCALE_DA, v, 6), 0);
	assert_string_equal(body.data, "Hej Ed,\n\nFaktura 7 på $1.00 forfalder 1 May 2026.\n"
				       "Betal til konto 1234.56.78903 med betalingsreference 26.\n"
				       "\nTak.\n");
	buf_free(&subject);
	buf_free(&body);
}

static void test_missing_value(void **state)
{
	struct notify_var v[] = { { "name", "Ed" } };
	struct buf subject, body;
	(void)state;
	buf_init(&subject, 0);
	buf_init(&body, 0);
	assert_int_equal(notify_render(&subject, &body, NOTIFY_PAYMENT_FAILED, LOCALE_SV, v, 1),
			 RECUR_EINTERNAL);
	buf_free(&subject);
	buf_free(&body);
	assert_string_equal(notify_interval_word(LOCALE_NB, "month"), "måned");
	assert_string_equal(notify_interval_word(LOCALE_DA, "week"), "uge");
	assert_null(notify_interval_word(LOCALE_EN, "fortnight"));
	assert_null(notify_interval_word(LOCALE_EN, NULL));
	assert_string_equal(notify_kind_name(NOTIFY_TRIAL_ENDING), "trial_ending");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_template),
		cmocka_unit_test(test_conditional_lines),
		cmocka_unit_test(test_missing_value),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
