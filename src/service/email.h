/*
 * email.h - e-mail notifications: which events mail the customer, the queue
 * they wait in, and the tenant's e-mail settings (docs/email.md).
 *
 * When the process has a mail server (svc_email_configure, from `recur serve
 * --smtp`), svc_event calls svc_email_on_event for every event: the kinds
 * below queue one row in email_messages, in the event's own transaction, for
 * a customer with an e-mail address, in the customer's preferred_locales[0]
 * (core/locale.h). Without a mail server nothing is queued. The mailer
 * (jobs/mailer.h) sends the rows.
 *
 *   invoice.finalized (send_invoice, due > 0) invoice_finalized
 *   invoice.payment_succeeded (paid > 0)     payment_receipt
 *   invoice.payment_failed                   payment_failed
 *   invoice.reminder                         reminder
 *   customer.subscription.trial_will_end     trial_ending
 *   invoice.upcoming                         renewal_upcoming
 *   customer.subscription.deleted            subscription_canceled
 *
 * The settings object (GET/POST /v1/settings/email, recur's own; every field
 * optional on POST, "" clears it):
 *   bank_account               the account a send_invoice invoice is paid to,
 *                              printed beside its payment reference
 *   payment_method_update_url  where a customer updates its payment method;
 *                              the failed-payment mail links to it with
 *                              "customer=<cus_...>" added as a query parameter
 */
#ifndef RECUR_SERVICE_EMAIL_H
#define RECUR_SERVICE_EMAIL_H

#include <stdbool.h>

#include "service/service.h"

/* Set once at start-up, before any thread runs: whether mails are queued. */
void svc_email_configure(bool enabled);
bool svc_email_enabled(void);

/*
 * Queues the mail event (evt_ id, of type, about obj) causes, if any, inside
 * the caller's transaction. 0 also when nothing is queued.
 */
int svc_email_on_event(struct svc *s, const char *event, const char *type, const json_t *obj,
		       struct recur_err *e);

int svc_email_settings_get(json_t **out, struct svc *s, struct recur_err *e);
int svc_email_settings_update(json_t **out, struct svc *s, const json_t *p, struct recur_err *e);

/* GET /v1/email_messages: newest first; filters customer, status, kind. */
int svc_email_message_list(json_t **out, struct svc *s, const json_t *p, struct recur_err *e);

extern const struct store_table svc_email_messages_table;

#endif
