#include "api/server.h"
#include "api/api.h"
#include "api/form.h"
#include "api/idempotency.h"
#include "api/render.h"
#include "core/buf.h"
#include "core/ids.h"
#include "core/log.h"
#include "service/tenant.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *db_url;

/*
 * One connection per worker thread: SQLite connections are not shared. The key's
 * destructor closes a thread's connection when libmicrohttpd ends the thread.
 */
static pthread_key_t store_key;
static pthread_once_t store_key_once = PTHREAD_ONCE_INIT;

static void close_store(void *db)
{
	store_close(db);
}

static void make_store_key(void)
{
	pthread_key_create(&store_key, close_store);
}

static struct store *worker_store(struct recur_err *e)
{
	pthread_once(&store_key_once, make_store_key);
	struct store *db = pthread_getspecific(store_key);
	if (!db) {
		if (store_open(&db, db_url, e) < 0)
			return NULL;
		pthread_setspecific(store_key, db);
	}
	return db;
}

/* State of one request across libmicrohttpd's calls. */
struct conn {
	struct buf body;
	size_t limit;  /* the largest body this path takes */
	int too_big;
	int started;   /* the first access-handler call has been seen */
	char *query;   /* raw query string (still percent-encoded), malloc'd, or NULL */
	struct timespec start;
};

struct response {
	int status;
	char *body; /* malloc'd JSON, or the raw text of a file */
	const char *ctype; /* NULL: application/json */
	char filename[128]; /* a file's download name, or "" */
	int replayed;
	int unaudited; /* a POST or DELETE that changed nothing: no audit entry */
};

static int64_t elapsed_us(const struct timespec *start)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)(now.tv_sec - start->tv_sec) * 1000000 +
	       (now.tv_nsec - start->tv_nsec) / 1000;
}

static char *render(const json_t *v)
{
	return api_render_json(v);
}

/*
 * A JSON string of s, with every byte that is not part of well-formed UTF-8
 * replaced by '?'. Messages and params quote what the client sent (an id from
 * the path, a key cut short to fit), and jansson refuses invalid UTF-8, which
 * would otherwise leave the error without a body.
 */
static json_t *clean_string(const char *s)
{
	char out[sizeof(((struct recur_err *)0)->message)];
	size_t len = strnlen(s, sizeof(out) - 1), o = 0, i = 0;
	while (i < len) { /* each bad byte becomes one '?', so o never passes i */
		size_t n = form_utf8_prefix(s + i, len - i);
		memcpy(out + o, s + i, n);
		o += n;
		i += n;
		if (i < len) {
			out[o++] = '?';
			i++;
		}
	}
	out[o] = '\0';
	return json_string(out);
}

static void error_response(struct response *r, const struct recur_err *e)
{
	json_t *err = json_pack("{s:s, s:o}", "type", e->type[0] ? e->type : "api_error",
				"message", clean_string(e->message));
	if (e->code[0])
		json_object_set_new(err, "code", json_string(e->code));
	if (e->param[0])
		json_object_set_new(err, "param", clean_string(e->param));
	if (e->decline_code[0])
		json_object_set_new(err, "decline_code", clean_string(e->decline_code));
	json_t *doc = json_pack("{s:o}", "error", err);
	r->status = e->status ? e->status : 500;
	r->body = render(doc);
	json_decref(doc);
}

/* The secret key from "Bearer sk_..." or "Basic base64(sk_...:)". */
static const char *request_key(struct MHD_Connection *mc, char *buf, size_t cap)
{
	const char *h = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "Authorization");
	if (!h)
		return NULL;
	if (strncasecmp(h, "Bearer ", 7) == 0) {
		snprintf(buf, cap, "%s", h + 7);
		return buf;
	}
	if (strncasecmp(h, "Basic ", 6) == 0) {
		size_t len = 0;
		if (sodium_base642bin((unsigned char *)buf, cap - 1, h + 6, strlen(h + 6), NULL,
				      &len, NULL, sodium_base64_VARIANT_ORIGINAL) != 0)
			return NULL;
		buf[len] = '\0';
		char *colon = strchr(buf, ':');
		if (colon)
			*colon = '\0';
		return buf;
	}
	return NULL;
}

/* Hash of what makes two requests "the same" for an idempotency key. */
static void request_hash(char hex[65], const char *method, const char *path, const json_t *tree)
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_state st;
	char *canon = json_dumps(tree, JSON_COMPACT | JSON_SORT_KEYS);
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const unsigned char *)method, strlen(method));
	crypto_hash_sha256_update(&st, (const unsigned char *)" ", 1);
	crypto_hash_sha256_update(&st, (const unsigned char *)path, strlen(path));
	crypto_hash_sha256_update(&st, (const unsigned char *)"\n", 1);
	if (canon)
		crypto_hash_sha256_update(&st, (const unsigned char *)canon, strlen(canon));
	crypto_hash_sha256_final(&st, h);
	sodium_bin2hex(hex, 65, h, sizeof(h));
	free(canon);
}

static int take_expand(const json_t **out, json_t *tree, struct recur_err *e)
{
	json_t *x = json_object_get(tree, "expand");
	*out = NULL;
	if (!x)
		return 0;
	if (!json_is_array(x)) {
		if (json_is_string(x) && json_string_length(x) == 0)
			goto drop;
		return err_invalid(e, "expand", "Invalid array: expand must be a list of field paths");
	}
	size_t i;
	json_t *v;
	json_array_foreach(x, i, v) {
		if (!json_is_string(v) || json_string_length(v) > 200) {
			char param[32];
			snprintf(param, sizeof(param), "expand[%zu]", i);
			return err_invalid(e, param, "Invalid expand path");
		}
	}
	*out = json_incref(x);
drop:
	json_object_del(tree, "expand");
	return 0;
}

static void handle(struct MHD_Connection *mc, const char *method, const char *url,
		   struct conn *c, struct response *r, const char *request_id)
{
	struct recur_err e;
	struct tenant_auth auth;
	json_t *tree = NULL, *out = NULL;
	const json_t *expand = NULL;
	char keybuf[256], id[256], id2[256];
	const char *ikey = NULL;
	int claimed = 0, rc;
	struct api_audit audit = { 0 };
	err_clear(&e);

	if (c->too_big) {
		err_set(&e, RECUR_ETOOBIG, 413, "invalid_request_error", "request_too_large", NULL,
			"The request body exceeds the limit of %zu bytes", c->limit);
		goto fail;
	}
	struct store *db = worker_store(&e);
	if (!db)
		goto fail;
	const char *key = request_key(mc, keybuf, sizeof(keybuf));
	if (!key) {
		err_set(&e, RECUR_EAUTH, 401, "invalid_request_error", NULL, NULL,
			"You did not provide an API key. Provide it in the Authorization header,"
			" as 'Bearer sk_...' (or as the user name of HTTP Basic auth).");
		goto fail;
	}
	if (svc_tenant_authenticate(&auth, db, key, &e) < 0)
		goto fail;

	/* Parameters: the query string, and for POST the body (form or JSON). */
	char path[1024];
	snprintf(path, sizeof(path), "%s", url);
	const char *ctype = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "Content-Type");
	if (c->body.len && ctype && strncasecmp(ctype, "application/json", 16) == 0) {
		if (form_decode_json(&tree, c->body.data, c->body.len, &e) < 0)
			goto fail;
	} else if (c->body.len && ctype && (strncasecmp(ctype, "application/xml", 15) == 0 ||
					    strncasecmp(ctype, "text/xml", 8) == 0)) {
		/* A document upload (camt.054): the whole body is the parameter "file". */
		if (form_utf8_prefix(c->body.data, c->body.len) != c->body.len) {
			err_invalid(&e, "file", "The XML body is not valid UTF-8");
			goto fail;
		}
		tree = json_pack("{s:s%}", "file", c->body.data, c->body.len);
		if (!tree) {
			err_internal(&e, "out of memory");
			goto fail;
		}
	} else if (c->body.len && ctype && strncasecmp(ctype, "text/csv", 8) == 0) {
		/* An import's file as the whole body; the other parameters in the query. */
		if (form_utf8_prefix(c->body.data, c->body.len) != c->body.len) {
			err_invalid(&e, "file", "The CSV body is not valid UTF-8");
			goto fail;
		}
		tree = json_pack("{s:s%}", "file", c->body.data, c->body.len);
		if (!tree) {
			err_internal(&e, "out of memory");
			goto fail;
		}
	} else if (c->body.len && ctype && strncasecmp(ctype, "multipart/form-data", 19) == 0) {
		if (api_multipart_decode(&tree, mc, c->body.data, c->body.len, &e) < 0)
			goto fail;
	} else {
		tree = json_object();
		if (c->body.len && form_decode(tree, c->body.data, c->body.len, &e) < 0)
			goto fail;
	}
	if (c->query && form_decode(tree, c->query, strlen(c->query), &e) < 0)
		goto fail;
	form_finish(tree);

	int known = 0;
	const struct api_route *route = api_route_find(method, path, id, sizeof(id), id2,
							sizeof(id2), &known);
	if (!route) {
		err_set(&e, RECUR_ENOTFOUND, 404, "invalid_request_error", NULL, NULL,
			"Unrecognized request URL (%s: %s).", method, path);
		goto fail;
	}
	struct api_call call = {
		.svc = { .db = db, .scope = { .tenant = auth.tenant, .livemode = auth.livemode },
			 .request_id = request_id, .api_version = API_VERSION },
		.method = method, .path = path, .id = id, .id2 = id2, .status = 200,
	};
	call.svc.now = (int64_t)time(NULL);

	ikey = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "Idempotency-Key");
	if (ikey && strcmp(method, "POST") == 0) {
		if (strlen(ikey) == 0 || strlen(ikey) > IDEM_MAX_KEY) {
			err_invalid(&e, NULL, "Idempotency-Key must be 1 to %d characters", IDEM_MAX_KEY);
			goto fail;
		}
		/* The key is recorded on events as a JSON string. */
		if (form_utf8_prefix(ikey, strlen(ikey)) != strlen(ikey)) {
			err_invalid(&e, NULL, "Idempotency-Key must be valid UTF-8");
			goto fail;
		}
		char hash[65];
		char *body = NULL;
		request_hash(hash, method, path, tree);
		rc = idem_claim(db, &call.svc.scope, ikey, hash, call.svc.now, &r->status, &body, &e);
		if (rc < 0)
			goto fail;
		if (rc == 1) {
			r->body = body;
			r->replayed = 1;
			goto done;
		}
		claimed = 1;
		call.svc.idempotency_key = ikey;
	}
	if (take_expand(&expand, tree, &e) < 0 || (expand && api_expand_check(expand, &e) < 0))
		goto fail;
	if ((route->flags & API_NO_PARAMS) && json_object_size(tree) > 0) {
		const char *unknown = json_object_iter_key(json_object_iter(tree));
		err_set(&e, RECUR_EINVAL, 400, "invalid_request_error", "parameter_unknown", unknown,
			"Received unknown parameter: %s", unknown);
		goto fail;
	}
	call.params = tree;
	call.expand = expand;
	/*
	 * A change is one transaction with everything that makes its answer:
	 * the expansion (a path that cannot be expanded on the object as it
	 * turned out is bad input that then changes nothing; api_expand_check
	 * knows only names), under an Idempotency-Key the stored response, so a
	 * crash can never leave a change whose key has no answer to replay, and
	 * its audit entry, so no change commits unrecorded (docs/audit.md). The
	 * handler's own transactions nest inside as savepoints.
	 */
	if (strcmp(method, "GET") != 0) {
		struct recur_err ae;
		err_clear(&ae);
		if (store_begin(db, &e) < 0)
			goto fail;
		if (api_audit_begin(&audit, &call, route->pattern, &e) < 0) {
			store_rollback(db);
			goto fail;
		}
		if (route->fn(&out, &call, &e) < 0 || (expand && api_expand(out, &call, &e) < 0)) {
			/*
			 * A 402 is an attempt that ran and is kept (the declined
			 * payment, its record and event): the handler committed it,
			 * and so does the request, with the 402 as the key's answer.
			 */
			if (e.status != 402) {
				store_rollback(db);
				goto fail;
			}
			error_response(r, &e);
			json_decref(out);
			out = NULL;
		} else {
			r->status = call.status;
			r->body = render(out);
		}
		if ((rc = api_audit_record(&audit, &call, route->pattern, auth.key_id, r->status,
					   out, &ae)) > 0)
			r->unaudited = 1;
		if (rc < 0) {
			store_rollback(db);
			free(r->body);
			r->body = NULL;
			e = ae;
			goto fail;
		}
		if (claimed)
			idem_complete(db, &call.svc.scope, ikey, r->status, r->body);
		if (store_commit(db, &e) < 0) {
			/* Nothing happened after all: the key is released at done. */
			store_rollback(db);
			free(r->body);
			r->body = NULL;
			goto fail;
		}
		claimed = 0;
		goto done;
	}
	if (route->fn(&out, &call, &e) < 0)
		goto fail;
	if (expand && api_expand(out, &call, &e) < 0)
		goto fail;
	r->status = call.status;
	if (call.raw) {
		r->body = call.raw;
		r->ctype = call.raw_type;
		snprintf(r->filename, sizeof(r->filename), "%s", call.raw_filename);
	} else {
		r->body = render(out);
	}
	goto done;
fail:
	error_response(r, &e);
done:
	if (claimed)
		idem_complete(db, &call.svc.scope, ikey, r->status, r->body);
	api_audit_free(&audit);
	json_decref((json_t *)(uintptr_t)expand);
	json_decref(out);
	json_decref(tree);
}

/*
 * Called with the request target exactly as the client sent it, before
 * libmicrohttpd unescapes it. The query string is kept raw so that it goes
 * through form_decode like a body: libmicrohttpd's own argument parser passes
 * "%ZZ" on as text and drops names that are not UTF-8 without a word.
 */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *mc)
{
	(void)cls;
	(void)mc;
	struct conn *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	clock_gettime(CLOCK_MONOTONIC, &c->start);
	c->limit = strncmp(uri, "/v1/imports", 11) == 0 ? API_MAX_IMPORT_BODY : API_MAX_BODY;
	buf_init(&c->body, c->limit);
	const char *q = strchr(uri, '?');
	if (q && q[1] && !(c->query = strdup(q + 1))) {
		free(c);
		return NULL;
	}
	return c;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *mc, const char *url,
				  const char *method, const char *version,
				  const char *upload, size_t *upload_size, void **con_cls)
{
	(void)cls;
	(void)version;
	struct conn *c = *con_cls;
	if (!c)
		return MHD_NO; /* on_uri could not allocate: drop the connection */
	if (!c->started) {
		const char *cl = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "Content-Length");
		if (cl && strtoull(cl, NULL, 10) > c->limit)
			c->too_big = 1;
		c->started = 1;
		return MHD_YES;
	}
	if (*upload_size) {
		if (!c->too_big && buf_append(&c->body, upload, *upload_size) < 0)
			c->too_big = 1;
		*upload_size = 0;
		return MHD_YES;
	}

	char request_id[24] = "req_";
	ids_random_base62(request_id + 4, 14);
	struct response r = { 0 };
	handle(mc, method, url, c, &r, request_id);

	struct MHD_Response *resp = MHD_create_response_from_buffer(
		r.body ? strlen(r.body) : 0, r.body, MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(resp, "Content-Type", r.ctype ? r.ctype : "application/json");
	if (r.filename[0]) {
		char disp[200];
		snprintf(disp, sizeof(disp), "attachment; filename=\"%s\"", r.filename);
		MHD_add_response_header(resp, "Content-Disposition", disp);
	}
	MHD_add_response_header(resp, "Request-Id", request_id);
	MHD_add_response_header(resp, "Stripe-Version", API_VERSION);
	const char *ikey = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "Idempotency-Key");
	if (ikey)
		MHD_add_response_header(resp, "Idempotency-Key", ikey);
	if (r.replayed)
		MHD_add_response_header(resp, "Idempotent-Replayed", "true");
	if (r.status == 409)
		MHD_add_response_header(resp, "Stripe-Should-Retry", "true");
	enum MHD_Result ret = MHD_queue_response(mc, (unsigned)r.status, resp);
	MHD_destroy_response(resp);
	/* The marks tell the harness's audit check an answer changed nothing. */
	log_info("%s %s %d %.3fms %s%s%s", method, url, r.status,
		 (double)elapsed_us(&c->start) / 1000.0, request_id, r.replayed ? " replayed" : "",
		 r.unaudited ? " unaudited" : "");
	return ret;
}

static void on_completed(void *cls, struct MHD_Connection *mc, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)mc;
	(void)toe;
	struct conn *c = *con_cls;
	if (c) {
		buf_free(&c->body);
		free(c->query);
		free(c);
		*con_cls = NULL;
	}
}

int api_server_run(const struct api_server_opts *o, struct recur_err *e)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((uint16_t)o->port) };
	sigset_t sigs;
	int sig = 0;
	db_url = o->db_url;
	if (inet_pton(AF_INET, o->host, &addr.sin_addr) != 1)
		return err_invalid(e, "listen", "Cannot listen on '%s': not an IPv4 address", o->host);
	/* Block the stop signals in every thread; the main thread waits for them. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	struct MHD_Daemon *d = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TURBO,
		0, NULL, NULL, on_request, NULL,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned)o->threads,
		MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)1000,
		MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1,
		MHD_OPTION_END);
	if (!d)
		return err_internal(e, "cannot listen on %s:%d (in use?)", o->host, o->port);
	log_info("recur %s listening on http://%s:%d (db %s, %d threads)", RECUR_VERSION, o->host,
		 o->port, o->db_url, o->threads);
	sigwait(&sigs, &sig);
	log_info("signal %d: stopping", sig);
	MHD_stop_daemon(d);
	return 0;
}
