#include "jobs/webhooks.h"
#include "jobs/worker.h"
#include "core/log.h"
#include "core/netaddr.h"
#include "jobs/webhook_policy.h"
#include "service/webhook.h"
#include "store/store.h"

#include <curl/curl.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

struct webhooks {
	struct jobs_worker w;
	struct webhooks_opts o;
	CURLM *multi;
	struct svc_webhook_job jobs[WEBHOOKS_BATCH];
	struct svc_webhook_result res[WEBHOOKS_BATCH];
};

/* One request in flight. */
struct slot {
	CURL *h;
	struct curl_slist *headers;
	int job;
	bool refused; /* the address was private and not allowed */
	bool allow_private;
};

static size_t discard(char *p, size_t size, size_t n, void *ctx)
{
	(void)p;
	(void)ctx;
	return size * n; /* the answer's body means nothing to us */
}

/*
 * Every address curl is about to connect to, after its own resolution: the
 * check at create time cannot see what a name resolves to later.
 */
static curl_socket_t open_socket(void *ctx, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct slot *s = ctx;
	(void)purpose;
	if (!s->allow_private && netaddr_is_private(&a->addr)) {
		s->refused = true;
		return CURL_SOCKET_BAD;
	}
	return socket(a->family, a->socktype, a->protocol);
}

static int start_one(struct webhooks *w, struct slot *s, int j, struct recur_err *e)
{
	struct svc_webhook_job *job = &w->jobs[j];
	char sig[WEBHOOK_SIGNATURE_MAX + 32];
	memcpy(sig, "Stripe-Signature: ", 18);
	if (webhook_signature(sig + 18, sizeof(sig) - 18, job->secret, (int64_t)time(NULL),
			      job->body, strlen(job->body)) < 0)
		return err_internal(e, "cannot sign delivery %lld", (long long)job->seq);
	s->job = j;
	s->refused = false;
	s->allow_private = w->o.allow_private;
	curl_slist_free_all(s->headers);
	s->headers = curl_slist_append(NULL, "Content-Type: application/json; charset=utf-8");
	s->headers = curl_slist_append(s->headers, "User-Agent: recur/" RECUR_VERSION
				       " (webhooks)");
	s->headers = curl_slist_append(s->headers, "Expect:"); /* no 100-continue round trip */
	s->headers = curl_slist_append(s->headers, sig);
	if (!s->headers)
		return err_internal(e, "out of memory");
	curl_easy_reset(s->h);
	curl_easy_setopt(s->h, CURLOPT_URL, job->url);
	curl_easy_setopt(s->h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(s->h, CURLOPT_HTTPHEADER, s->headers);
	curl_easy_setopt(s->h, CURLOPT_POSTFIELDS, job->body);
	curl_easy_setopt(s->h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(job->body));
	curl_easy_setopt(s->h, CURLOPT_TIMEOUT_MS, (long)WEBHOOKS_TIMEOUT_MS);
	curl_easy_setopt(s->h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(s->h, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(s->h, CURLOPT_OPENSOCKETFUNCTION, open_socket);
	curl_easy_setopt(s->h, CURLOPT_OPENSOCKETDATA, s);
	curl_easy_setopt(s->h, CURLOPT_PRIVATE, s);
	if (curl_multi_add_handle(w->multi, s->h) != CURLM_OK)
		return err_internal(e, "cannot queue delivery %lld", (long long)job->seq);
	return 0;
}

static void finish_one(struct webhooks *w, struct slot *s, CURLcode code, int64_t now)
{
	struct svc_webhook_job *job = &w->jobs[s->job];
	struct svc_webhook_result *r = &w->res[s->job];
	long status = 0;
	curl_off_t us = 0;
	curl_easy_getinfo(s->h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(s->h, CURLINFO_TOTAL_TIME_T, &us);
	r->sent = true;
	r->status_code = code == CURLE_OK ? (int)status : 0;
	r->duration_ms = (int64_t)(us / 1000);
	if (s->refused)
		snprintf(r->error, sizeof(r->error), "address not allowed: loopback, private or "
			 "link-local");
	else if (code != CURLE_OK)
		snprintf(r->error, sizeof(r->error), "%s", curl_easy_strerror(code));
	r->outcome = webhook_outcome(&r->next_attempt_at, r->status_code, job->attempts + 1,
				     job->first_attempt_at, now, w->o.retry_window,
				     w->o.backoff_base_ms, randombytes_random());
	curl_multi_remove_handle(w->multi, s->h);
}

/* Sends jobs [0, n) with up to WEBHOOKS_IN_FLIGHT at once; fills w->res. */
static int send_batch(struct webhooks *w, struct slot *slots, int n, struct recur_err *e)
{
	int next = 0, running = 0, active = 0;
	struct slot *idle[WEBHOOKS_IN_FLIGHT];
	int nidle = WEBHOOKS_IN_FLIGHT;
	for (int i = 0; i < WEBHOOKS_IN_FLIGHT; i++)
		idle[i] = &slots[i];
	for (;;) {
		while (nidle > 0 && next < n) {
			int j = next++;
			memset(&w->res[j], 0, sizeof(w->res[j]));
			/* loaded here, between sends, so the receivers work meanwhile */
			if (svc_webhook_load(w->w.db, &w->jobs[j], j > 0 ? &w->jobs[j - 1] : NULL,
					     e) < 0) {
				w->res[j].outcome = SVC_WEBHOOK_RETRY;
				w->res[j].next_attempt_at = (int64_t)time(NULL) + WEBHOOKS_LEASE;
				snprintf(w->res[j].error, sizeof(w->res[j].error), "%s", e->message);
				continue;
			}
			if (w->jobs[j].skip) {
				/* nothing to send to: the delivery fails without an attempt */
				w->res[j].outcome = SVC_WEBHOOK_FAILED;
				continue;
			}
			if (start_one(w, idle[nidle - 1], j, e) < 0) {
				/* not sent: due again after the lease, like a crash */
				w->res[j].outcome = SVC_WEBHOOK_RETRY;
				w->res[j].next_attempt_at = (int64_t)time(NULL) + WEBHOOKS_LEASE;
				snprintf(w->res[j].error, sizeof(w->res[j].error), "%s", e->message);
				continue;
			}
			nidle--;
			active++;
		}
		if (active == 0)
			return 0;
		curl_multi_perform(w->multi, &running);
		CURLMsg *m;
		int left;
		int64_t now = (int64_t)time(NULL);
		while ((m = curl_multi_info_read(w->multi, &left))) {
			if (m->msg != CURLMSG_DONE)
				continue;
			struct slot *s = NULL;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&s);
			finish_one(w, s, m->data.result, now);
			idle[nidle++] = s;
			active--;
		}
		if (active > 0 && (nidle == 0 || next >= n))
			curl_multi_poll(w->multi, NULL, 0, 100, NULL);
	}
}

/* One claim-send-record round; returns the number claimed, or < 0. */
static int round_once(struct webhooks *w, struct slot *slots, struct recur_err *e)
{
	int n = 0, disabled = 0, rc;
	int64_t now = (int64_t)time(NULL);
	if ((rc = svc_webhook_claim(w->jobs, &n, WEBHOOKS_BATCH, w->w.db, now, WEBHOOKS_LEASE,
				    e)) < 0)
		return rc;
	if (n == 0)
		return 0;
	if ((rc = send_batch(w, slots, n, e)) >= 0)
		rc = svc_webhook_record(&disabled, w->w.db, w->jobs, w->res, n, (int64_t)time(NULL),
					w->o.retry_window, e);
	if (disabled)
		log_warn("webhooks: disabled %d endpoints that failed for %lld s", disabled,
			 (long long)w->o.retry_window);
	svc_webhook_jobs_free(w->jobs, n);
	return rc < 0 ? rc : n;
}

static void *run(void *arg)
{
	struct webhooks *w = arg;
	struct slot slots[WEBHOOKS_IN_FLIGHT];
	memset(slots, 0, sizeof(slots));
	for (int i = 0; i < WEBHOOKS_IN_FLIGHT; i++)
		slots[i].h = curl_easy_init();
	while (!jobs_worker_stopping(&w->w)) {
		struct recur_err e;
		err_clear(&e);
		int n = round_once(w, slots, &e);
		if (n < 0)
			log_warn("webhooks: delivery round failed: %s", e.message);
		if (n != WEBHOOKS_BATCH) /* else more are due: no pause */
			jobs_worker_idle(&w->w, WEBHOOKS_IDLE_MS);
	}
	for (int i = 0; i < WEBHOOKS_IN_FLIGHT; i++) {
		curl_easy_cleanup(slots[i].h);
		curl_slist_free_all(slots[i].headers);
	}
	return NULL;
}

int webhooks_start(struct webhooks **out, const struct webhooks_opts *o, struct recur_err *e)
{
	struct webhooks *w = calloc(1, sizeof(*w));
	int rc = 0;
	*out = NULL;
	if (!w)
		return err_internal(e, "out of memory");
	w->o = *o;
	if (!w->o.backoff_base_ms)
		w->o.backoff_base_ms = WEBHOOK_BACKOFF_BASE_MS;
	if (!w->o.retry_window)
		w->o.retry_window = WEBHOOK_RETRY_WINDOW;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || sodium_init() < 0 ||
	    !(w->multi = curl_multi_init())) {
		rc = err_internal(e, "cannot initialise libcurl");
		goto done;
	}
	int released = 0;
	if ((rc = jobs_worker_open(&w->w, o->db_url, e)) < 0 ||
	    (rc = svc_webhook_release_claims(&released, w->w.db, e)) < 0)
		goto done;
	if (released)
		log_info("webhooks: %d deliveries claimed before a restart are due again", released);
	if ((rc = jobs_worker_run(&w->w, run, w, "webhook", e)) < 0)
		goto done;
	*out = w;
done:
	if (rc < 0) {
		jobs_worker_close(&w->w);
		if (w->multi)
			curl_multi_cleanup(w->multi);
		free(w);
	}
	return rc;
}

void webhooks_stop(struct webhooks *w)
{
	if (!w)
		return;
	jobs_worker_close(&w->w); /* the thread is done with the handles after this */
	curl_multi_cleanup(w->multi);
	free(w);
}
