/*
 * mailer.h - the e-mail sender: a thread of `recur serve` that sends the
 * queued notification mails (service/email.h) through an SMTP server with
 * libcurl, and retries the ones the server refuses (docs/email.md).
 *
 * Each pass claims up to MAILER_BATCH pending rows whose next_attempt_at has
 * come, pushing next_attempt_at forward by MAILER_LEASE in the same short
 * transaction, so a sender killed mid-send sends the row again after the
 * lease instead of losing it (a mail may then arrive twice; never not at
 * all). Each mail is sent alone; its outcome is written at once: sent, or
 * retried after base, 2 base, 4 base ... (capped at MAILER_BACKOFF_CAP_FACTOR
 * bases), or failed after MAILER_MAX_ATTEMPTS attempts. It reads the wall
 * clock; nothing it calls does.
 */
#ifndef RECUR_JOBS_MAILER_H
#define RECUR_JOBS_MAILER_H

#include <stdint.h>

#include "core/err.h"

#define MAILER_BATCH 50
#define MAILER_LEASE 120               /* seconds a claim holds a mail */
#define MAILER_TIMEOUT 30              /* seconds one SMTP conversation may take */
#define MAILER_MAX_ATTEMPTS 10
#define MAILER_BACKOFF_BASE_MS 60000   /* 1 minute after the first failure */
#define MAILER_BACKOFF_CAP_FACTOR 64   /* at most 64 bases apart: about an hour */
#define MAILER_IDLE_MS 500             /* how often an idle sender looks again */

struct mailer_opts {
	const char *db_url;
	const char *smtp_url;   /* smtp://host:port, smtps://..., credentials in the URL */
	const char *from;       /* the envelope sender and From: header */
	int starttls;           /* 1: require STARTTLS on smtp:// */
	int64_t backoff_base_ms; /* 0: MAILER_BACKOFF_BASE_MS */
};

struct mailer;

/* Milliseconds to wait after the attempts-th failed attempt (1 = the first). */
int64_t mailer_backoff_ms(int64_t attempts, int64_t base_ms);

/* Starts the sender on its own connection. Free with mailer_stop. */
int mailer_start(struct mailer **out, const struct mailer_opts *o, struct recur_err *e);
/* Stops it (the mail being sent is finished and recorded) and frees it; accepts NULL. */
void mailer_stop(struct mailer *m);

/*
 * recur serve's set-up: smtp_url and from (the --smtp and --mail-from
 * options; NULL falls back to $RECUR_SMTP_URL and $RECUR_MAIL_FROM). With a
 * server, turns queueing on (svc_email_configure) and starts the sender;
 * without one *out stays NULL and no mail is ever queued. From
 * the environment too: $RECUR_SMTP_STARTTLS=1 requires STARTTLS, and, for
 * tests, $RECUR_MAIL_BACKOFF_MS sets the first retry delay. A server without
 * a sender address is a configuration error (RECUR_EINVAL).
 */
int mailer_start_configured(struct mailer **out, const char *db_url, const char *smtp_url,
			    const char *from, struct recur_err *e);

#endif
