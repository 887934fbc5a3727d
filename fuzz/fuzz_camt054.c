/*
 * fuzz_camt054 - camt054_parse (formats/camt054.c): a bank notification file
 * as uploaded to /v1/bank_statements or given to `recur bank import`.
 *
 * Properties: a failure is a 400 (RECUR_EINVAL) or 413 (RECUR_ETOOBIG) with
 * a message, never a 500; a parsed document keeps camt054.h's promises:
 * counts within the limits, every transaction points at a notification, has
 * a currency and an amount in 0..MONEY_MAX_ABS, and its strings are readable
 * until camt054_free.
 */
#include "fuzz.h"

#include "core/err.h"
#include "core/money.h"
#include "formats/camt054.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	camt054_global_init();
	return 0;
}

/* Keeps the string walks below from being optimised away. */
static volatile size_t fuzz_sink;

/* Touches every byte of an optional string, so ASan sees a dangling one. */
static size_t len_of(const char *s)
{
	return s ? strlen(s) : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct recur_err e;
	err_clear(&e);
	struct camt054 *d = NULL;
	int rc = camt054_parse(&d, data, size, &e);
	if (rc < 0) {
		FUZZ_CHECK(rc == RECUR_EINVAL || rc == RECUR_ETOOBIG);
		FUZZ_CHECK(d == NULL && e.message[0] != '\0');
		return 0;
	}
	FUZZ_CHECK(d != NULL);
	FUZZ_CHECK(d->version == CAMT054_V02 || d->version == CAMT054_V08);
	FUZZ_CHECK(d->n_notifications <= CAMT054_MAX_NOTIFICATIONS);
	FUZZ_CHECK(d->n_entries <= CAMT054_MAX_ENTRIES);
	size_t total = len_of(d->msg_id), credits = 0;
	for (size_t i = 0; i < d->n_notifications; i++) {
		const struct camt054_notification *n = &d->notifications[i];
		total += len_of(n->id) + len_of(n->iban) + len_of(n->account_other_id) +
			 len_of(n->account_currency);
		credits += n->n_credits;
	}
	FUZZ_CHECK(credits == d->n_tx);
	for (size_t i = 0; i < d->n_tx; i++) {
		const struct camt054_tx *t = &d->tx[i];
		FUZZ_CHECK(t->notification < d->n_notifications);
		FUZZ_CHECK(t->entry < d->notifications[t->notification].n_entries);
		FUZZ_CHECK(t->currency != NULL);
		FUZZ_CHECK(t->amount >= 0 && t->amount <= MONEY_MAX_ABS);
		FUZZ_CHECK(t->n_refs <= CAMT054_MAX_REFS);
		FUZZ_CHECK(!t->entry_tx_count || t->tx_index < t->entry_tx_count);
		total += len_of(t->status) + len_of(t->creditor_ref) + len_of(t->unstructured) +
			 len_of(t->end_to_end_id) + len_of(t->acct_svcr_ref) +
			 len_of(t->entry_acct_svcr_ref) + len_of(t->uetr) + len_of(t->debtor_name);
		for (size_t r = 0; r < t->n_refs; r++)
			total += len_of(t->refs[r].ref) + len_of(t->refs[r].type);
	}
	fuzz_sink = total;
	camt054_free(d);
	return 0;
}
