/*
 * templates.h - the texts of the e-mails recur sends, per kind and locale
 * (docs/email.md). Compiled in: plain UTF-8 text, a subject and a body.
 *
 * A template names its values {like_this}; the caller supplies them as
 * name/value pairs, already formatted for the locale (core/locale.h). A body
 * line that starts with "{?name}" is kept only when name has a non-empty
 * value (the payment reference of a send_invoice invoice, a reminder fee),
 * and that marker is dropped. Pure: no I/O, no clock.
 */
#ifndef RECUR_NOTIFY_TEMPLATES_H
#define RECUR_NOTIFY_TEMPLATES_H

#include <stddef.h>

#include "core/buf.h"
#include "core/locale.h"

enum notify_kind {
	NOTIFY_INVOICE_FINALIZED,
	NOTIFY_PAYMENT_RECEIPT,
	NOTIFY_PAYMENT_FAILED,
	NOTIFY_REMINDER,
	NOTIFY_TRIAL_ENDING,
	NOTIFY_RENEWAL_UPCOMING,
	NOTIFY_SUBSCRIPTION_CANCELED,
	NOTIFY_KIND_COUNT
};

struct notify_var {
	const char *name;
	const char *value; /* NULL reads as "" */
};

/*
 * A price's interval ("day", "week", "month", "year") as locale l names one
 * of it ("måned"), or NULL for anything else.
 */
const char *notify_interval_word(enum locale_id l, const char *interval);

/* "invoice_finalized", "payment_receipt", ... as stored and rendered. */
const char *notify_kind_name(enum notify_kind k);

/*
 * Fills the subject and body of kind k in locale l into subject and body
 * (initialised by the caller, appended to; the caller frees them). A
 * placeholder without a value is a programmer error: RECUR_EINTERNAL, as is
 * RECUR_ETOOBIG from a buffer.
 */
int notify_render(struct buf *subject, struct buf *body, enum notify_kind k, enum locale_id l,
		  const struct notify_var *vars, size_t nvars);

#endif
