#include "jobs/mailer.h"
#include "jobs/worker.h"
#include "core/buf.h"
#include "core/calendar.h"
#include "core/log.h"
#include "service/email.h"
#include "store/store.h"

#include <curl/curl.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct mail {
	char *tenant, *id, *to, *subject, *body, *locale;
	int livemode;
	int64_t attempts;
};

struct mailer {
	struct jobs_worker w;
	struct mailer_opts o;
	struct mail mails[MAILER_BATCH];
	int n;
};

int64_t mailer_backoff_ms(int64_t attempts, int64_t base_ms)
{
	int64_t factor = 1;
	for (int64_t i = 1; i < attempts && factor < MAILER_BACKOFF_CAP_FACTOR; i++)
		factor *= 2;
	return base_ms * factor;
}

static void mails_free(struct mailer *m)
{
	for (int i = 0; i < m->n; i++) {
		struct mail *x = &m->mails[i];
		free(x->tenant);
		free(x->id);
		free(x->to);
		free(x->subject);
		free(x->body);
		free(x->locale);
	}
	m->n = 0;
}

static char *dup_col(const struct store_row *r, int col)
{
	const char *t = store_row_text(r, col, NULL);
	return strdup(t ? t : "");
}

static int take_row(void *ctx, const struct store_row *r)
{
	struct mailer *m = ctx;
	struct mail *x = &m->mails[m->n++];
	x->tenant = dup_col(r, 0);
	x->livemode = (int)store_row_int(r, 1);
	x->id = dup_col(r, 2);
	x->to = dup_col(r, 3);
	x->subject = dup_col(r, 4);
	x->body = dup_col(r, 5);
	x->locale = dup_col(r, 6);
	x->attempts = store_row_int(r, 7);
	return m->n == MAILER_BATCH;
}

/* Takes the due mails into m->mails and leases them, in one short transaction. */
static int claim(struct mailer *m, int64_t now, struct recur_err *e)
{
	struct store_val p[] = { SV_INT(now), SV_INT(MAILER_BATCH) };
	int rc = store_begin(m->w.db, e);
	if (rc < 0)
		return rc;
	rc = store_query(m->w.db,
			 "SELECT tenant_id, livemode, id, recipient, subject, body, locale, attempts "
			 "FROM email_messages WHERE status = 'pending' AND next_attempt_at <= $1 "
			 "ORDER BY next_attempt_at, seq LIMIT $2",
			 p, 2, take_row, m, e);
	for (int i = 0; rc >= 0 && i < m->n; i++) {
		struct store_val u[] = { SV_INT(now + MAILER_LEASE), SV_TEXT(m->mails[i].id) };
		rc = store_exec(m->w.db, "UPDATE email_messages SET next_attempt_at = $1 WHERE id = $2",
				u, 2, e);
	}
	if (rc < 0) {
		store_rollback(m->w.db);
		return rc;
	}
	return store_commit(m->w.db, e);
}

/* RFC 5322 §3.3 date of t in UTC: "Sun, 22 Nov 2026 04:29:23 +0000". */
static void rfc5322_date(char *out, size_t cap, int64_t t)
{
	static const char *const days[] = { "Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct civil c;
	calendar_to_civil(&c, t);
	int64_t d = t / 86400 - (t % 86400 < 0); /* floor: days since 1970-01-01, a Thursday */
	snprintf(out, cap, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[((d % 7) + 7) % 7],
		 c.day, months[c.month - 1], c.year, c.hour, c.min, c.sec);
}

static int put_base64(struct buf *b, const unsigned char *p, size_t n)
{
	char enc[128];
	sodium_bin2base64(enc, sizeof(enc), p, n, sodium_base64_VARIANT_ORIGINAL);
	return buf_puts(b, enc);
}

/*
 * The Subject: header. RFC 2047: non-ASCII text goes in encoded words of at
 * most 75 characters, each whole UTF-8 characters (45 bytes encode to 60).
 */
static int put_subject(struct buf *b, const char *s)
{
	bool ascii = true;
	for (const char *p = s; *p; p++)
		ascii = ascii && (unsigned char)*p < 0x80 && *p != '\r' && *p != '\n';
	if (ascii)
		return buf_printf(b, "Subject: %s\r\n", s);
	int rc = buf_puts(b, "Subject:");
	size_t len = strlen(s);
	for (size_t at = 0; rc >= 0 && at < len;) {
		size_t n = len - at > 45 ? 45 : len - at;
		/* back off to a character's first byte */
		while (at + n < len && ((unsigned char)s[at + n] & 0xC0) == 0x80)
			n--;
		if ((rc = buf_puts(b, " =?UTF-8?B?")) < 0 ||
		    (rc = put_base64(b, (const unsigned char *)s + at, n)) < 0 ||
		    (rc = buf_puts(b, "?=\r\n")) < 0)
			break;
		at += n;
	}
	return rc;
}

/*
 * The whole message: headers, then the body in base64 (RFC 2045 §6.8, lines
 * of 76), which any server relays without asking for 8BITMIME.
 */
static int compose(struct buf *b, const struct mailer_opts *o, const struct mail *x, int64_t now)
{
	char date[64];
	rfc5322_date(date, sizeof(date), now);
	int rc = buf_printf(b,
			    "Date: %s\r\nFrom: %s\r\nTo: %s\r\nMessage-ID: <%s@recur>\r\n"
			    "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
			    "Content-Transfer-Encoding: base64\r\nContent-Language: %s\r\n",
			    date, o->from, x->to, x->id, x->locale);
	if (rc >= 0)
		rc = put_subject(b, x->subject);
	if (rc >= 0)
		rc = buf_puts(b, "\r\n");
	/* The body's lines end in CRLF on the wire (RFC 5322 §2.3). */
	struct buf crlf;
	buf_init(&crlf, 0);
	for (const char *p = x->body; rc >= 0 && *p; p++)
		rc = *p == '\n' ? buf_puts(&crlf, "\r\n") : buf_append(&crlf, p, 1);
	for (size_t at = 0; rc >= 0 && at < crlf.len; at += 57) {
		size_t n = crlf.len - at > 57 ? 57 : crlf.len - at;
		if ((rc = put_base64(b, (const unsigned char *)crlf.data + at, n)) >= 0)
			rc = buf_puts(b, "\r\n");
	}
	buf_free(&crlf);
	return rc < 0 ? rc : 0;
}

struct reader {
	const struct buf *b;
	size_t at;
};

static size_t read_msg(char *out, size_t size, size_t n, void *ctx)
{
	struct reader *r = ctx;
	size_t left = r->b->len - r->at, want = size * n;
	if (want > left)
		want = left;
	memcpy(out, r->b->data + r->at, want);
	r->at += want;
	return want;
}

/* One SMTP conversation; 0 when the server took the mail, else err has why. */
static int send_one(const struct mailer_opts *o, const struct mail *x, int64_t now, char *err,
		    size_t cap)
{
	struct buf msg;
	struct curl_slist *rcpt = NULL;
	char from[512], to[512];
	CURL *h = NULL;
	int rc = -1;

	buf_init(&msg, 0);
	if (compose(&msg, o, x, now) < 0) {
		snprintf(err, cap, "cannot compose the message");
		goto done;
	}
	snprintf(from, sizeof(from), "<%s>", o->from);
	snprintf(to, sizeof(to), "<%s>", x->to);
	struct reader r = { &msg, 0 };
	if (!(h = curl_easy_init()) || !(rcpt = curl_slist_append(NULL, to))) {
		snprintf(err, cap, "out of memory");
		goto done;
	}
	char curl_err[CURL_ERROR_SIZE] = "";
	curl_easy_setopt(h, CURLOPT_URL, o->smtp_url);
	curl_easy_setopt(h, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, read_msg);
	curl_easy_setopt(h, CURLOPT_READDATA, &r);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)MAILER_TIMEOUT);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, curl_err);
	if (o->starttls)
		curl_easy_setopt(h, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	CURLcode c = curl_easy_perform(h);
	if (c != CURLE_OK) {
		long code = 0;
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
		snprintf(err, cap, "%s (SMTP %ld)", curl_err[0] ? curl_err : curl_easy_strerror(c),
			 code);
		goto done;
	}
	rc = 0;
done:
	curl_slist_free_all(rcpt);
	if (h)
		curl_easy_cleanup(h);
	buf_free(&msg);
	return rc;
}

/* Writes the outcome of one attempt at now. */
static int record(struct mailer *m, const struct mail *x, bool ok, const char *err, int64_t now,
		  struct recur_err *e)
{
	int64_t attempts = x->attempts + 1;
	const char *status = ok ? "sent" : attempts >= MAILER_MAX_ATTEMPTS ? "failed" : "pending";
	int64_t base = m->o.backoff_base_ms > 0 ? m->o.backoff_base_ms : MAILER_BACKOFF_BASE_MS;
	/* Rounded up to a whole second: a retry never comes before its backoff. */
	int64_t next = now + (mailer_backoff_ms(attempts, base) + 999) / 1000;
	struct store_val p[] = { SV_TEXT(status), SV_INT(attempts), SV_INT(next),
				 SV_TEXT(ok ? NULL : err), ok ? SV_INT(now) : SV_NULL,
				 SV_TEXT(x->id) };
	return store_exec(m->w.db,
			  "UPDATE email_messages SET status = $1, attempts = $2, next_attempt_at = $3, "
			  "last_error = $4, sent_at = $5 WHERE id = $6",
			  p, 6, e);
}

/* One pass: claims the due mails and sends them; returns how many it took. */
static int pass(struct mailer *m, struct recur_err *e)
{
	int64_t now = (int64_t)time(NULL);
	int taken;
	if (claim(m, now, e) < 0) {
		mails_free(m);
		return -1;
	}
	taken = m->n;
	for (int i = 0; i < m->n; i++) {
		char err[512] = "";
		struct mail *x = &m->mails[i];
		bool ok = send_one(&m->o, x, now, err, sizeof(err)) == 0;
		if (!ok)
			log_warn("mailer: %s to %s: %s", x->id, x->to, err);
		if (record(m, x, ok, err, (int64_t)time(NULL), e) < 0)
			log_warn("mailer: cannot record %s: %s", x->id, e->message);
	}
	mails_free(m);
	return taken;
}

static void *run(void *arg)
{
	struct mailer *m = arg;
	while (!jobs_worker_stopping(&m->w)) {
		struct recur_err e;
		err_clear(&e);
		int n = pass(m, &e);
		if (n < 0)
			log_warn("mailer: claiming mails failed: %s", e.message);
		if (n != MAILER_BATCH) /* else more are due: no sleep */
			jobs_worker_idle(&m->w, MAILER_IDLE_MS);
	}
	return NULL;
}

int mailer_start(struct mailer **out, const struct mailer_opts *o, struct recur_err *e)
{
	struct mailer *m = calloc(1, sizeof(*m));
	int rc;
	*out = NULL;
	if (!m)
		return err_internal(e, "out of memory");
	m->o = *o;
	/* Before the thread: curl_global_init is not safe to race. */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || sodium_init() < 0)
		rc = err_internal(e, "cannot initialise libcurl");
	else if ((rc = jobs_worker_open(&m->w, o->db_url, e)) == 0)
		rc = jobs_worker_run(&m->w, run, m, "mailer", e);
	if (rc < 0) {
		jobs_worker_close(&m->w);
		free(m);
		return rc;
	}
	*out = m;
	return 0;
}

void mailer_stop(struct mailer *m)
{
	if (!m)
		return;
	jobs_worker_close(&m->w);
	free(m);
}

static const char *env_or(const char *v, const char *name)
{
	const char *env = getenv(name);
	return v && *v ? v : env && *env ? env : NULL;
}

int mailer_start_configured(struct mailer **out, const char *db_url, const char *smtp_url,
			    const char *from, struct recur_err *e)
{
	const char *tls = getenv("RECUR_SMTP_STARTTLS");
	const char *backoff = getenv("RECUR_MAIL_BACKOFF_MS");
	struct mailer_opts o = {
		.db_url = db_url,
		.smtp_url = env_or(smtp_url, "RECUR_SMTP_URL"),
		.from = env_or(from, "RECUR_MAIL_FROM"),
		.starttls = tls && strcmp(tls, "1") == 0,
		.backoff_base_ms = backoff ? strtoll(backoff, NULL, 10) : 0,
	};
	*out = NULL;
	if (!o.smtp_url)
		return 0;
	if (!o.from || strpbrk(o.from, "<>\r\n "))
		return err_invalid(e, "mail-from",
				   "--smtp needs --mail-from (or $RECUR_MAIL_FROM): a bare address");
	int rc = mailer_start(out, &o, e);
	if (rc == 0)
		svc_email_configure(true);
	return rc;
}
