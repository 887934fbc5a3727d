/*
 * webhook_endpoint.c - Stripe's WebhookEndpoint: where events are sent.
 *
 * The signing secret is kept in a column the object does not list
 * (svc_webhook_endpoints_table), so no read, list or update ever renders it:
 * Stripe shows it once, in the answer to create. Endpoints emit no events of
 * their own, as in Stripe.
 */
#include "service/webhook.h"
#include "core/ids.h"
#include "core/netaddr.h"
#include "service/event_types.h"
#include "service/list.h"
#include "service/params.h"

#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

static const struct store_col cols[] = {
	{ "url", COL_TEXT, 0 },
	{ "enabled_events", COL_JSON, 0 },
	{ "description", COL_TEXT, 0 },
	{ "metadata", COL_JSON, 0 },
	{ "api_version", COL_TEXT, 0 },
	{ "application", COL_TEXT, 0 },
	{ "status", COL_TEXT, 0 },
};

const struct store_table svc_webhook_endpoints_table = {
	.table = "webhook_endpoints", .object = "webhook_endpoint", .noun = "webhook_endpoint",
	.cols = cols, .ncols = sizeof(cols) / sizeof(cols[0]),
};

#define URL_MAX 2048           /* Stripe: url "maximum 5000"; browsers stop near 2 KB */
#define EVENT_TYPE_MAX 100
#define ENABLED_EVENTS_MAX 256
#define SECRET_RANDOM 32       /* base62 characters after "whsec_" (~190 bits) */

static atomic_bool allow_private;

void svc_webhook_set_allow_private(bool allow)
{
	atomic_store(&allow_private, allow);
}

bool svc_webhook_allow_private(void)
{
	return atomic_load(&allow_private);
}

/*
 * Only http(s), and not at this machine or its private network unless the
 * server allows it (netaddr.h). A name that does not resolve now is taken:
 * DNS may be down for a moment, and the worker checks every address it
 * connects to anyway.
 */
static int check_url(const char *url, struct recur_err *e)
{
	char host[NETADDR_HOST_MAX];
	bool private = false;
	if (netaddr_url_host(host, sizeof(host), url) < 0)
		return err_invalid(e, "url", "Invalid URL: %s: must be an http or https URL "
				   "with a host", url);
	if (svc_webhook_allow_private())
		return 0;
	if (netaddr_host_private(&private, host) == 0 && private)
		return err_invalid(e, "url", "Invalid URL: %s resolves to a loopback, private or "
				   "link-local address, which webhooks may not reach", host);
	return 0;
}

/* "*", or event types recur emits (event_types.h), as Stripe refuses types it does not know. */
static int enabled_events(json_t **out, const json_t *p, struct recur_err *e)
{
	const json_t *arr = NULL, *v;
	size_t i;
	int rc = params_string_array(&arr, p, "enabled_events", EVENT_TYPE_MAX, e);
	*out = NULL;
	if (rc <= 0)
		return rc;
	if (!arr || json_array_size(arr) == 0 || json_array_size(arr) > ENABLED_EVENTS_MAX)
		return err_invalid(e, "enabled_events", "enabled_events must list 1 to %d event "
				   "types, or \"*\"", ENABLED_EVENTS_MAX);
	json_array_foreach(arr, i, v) {
		const char *t = json_string_value(v);
		if (strcmp(t, "*") != 0 && !svc_event_type_known(t))
			return err_invalid(e, "enabled_events", "Invalid event type: '%s' is not an "
					   "event recur emits (docs/webhooks.md)", t);
	}
	*out = json_deep_copy(arr);
	return *out ? 1 : err_internal(e, "out of memory");
}

/*
 * The fields create and update share, applied onto c; absent ones are left
 * alone. check_urls is false when the caller checked url already: update
 * does it before its transaction, so a slow DNS answer never holds the
 * write lock.
 */
static int apply(json_t *c, const json_t *p, bool check_urls, struct recur_err *e)
{
	const char *url = NULL, *desc = NULL;
	json_t *events = NULL, *md = NULL;
	bool disabled;
	int rc;
	if ((rc = params_string(&url, p, "url", URL_MAX, e)) < 0)
		return rc;
	if (rc > 0) {
		if (check_urls && (rc = check_url(url, e)) < 0)
			return rc;
		json_object_set_new(c, "url", json_string(url));
	}
	if ((rc = enabled_events(&events, p, e)) < 0)
		return rc;
	if (rc > 0)
		json_object_set_new(c, "enabled_events", events);
	if ((rc = params_string(&desc, p, "description", PARAMS_MAX_STRING, e)) < 0)
		return rc;
	if (rc > 0)
		json_object_set_new(c, "description", *desc ? json_string(desc) : json_null());
	if ((rc = params_bool(&disabled, p, "disabled", e)) < 0)
		return rc;
	if (rc > 0)
		json_object_set_new(c, "status", json_string(disabled ? "disabled" : "enabled"));
	if ((rc = params_metadata(&md, json_object_get(c, "metadata"), p, e)) < 0)
		return rc;
	json_object_set_new(c, "metadata", md);
	return 0;
}

static void new_secret(char *out, size_t cap)
{
	static const char b62[] =
		"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	char rnd[SECRET_RANDOM + 1];
	for (int i = 0; i < SECRET_RANDOM; i++)
		rnd[i] = b62[randombytes_uniform(62)];
	rnd[SECRET_RANDOM] = '\0';
	snprintf(out, cap, "whsec_%s", rnd);
}

static const char *const create_params[] = {
	"api_version", "connect", "description", "disabled", "enabled_events", "metadata",
	"url", NULL
};

int svc_webhook_endpoint_create(json_t **out, struct svc *s, const json_t *p,
				struct recur_err *e)
{
	char id[IDS_MAX], secret[64];
	const char *api_version = NULL;
	bool connect = false;
	json_t *w = NULL;
	int rc;
	*out = NULL;
	if ((rc = params_only(p, create_params, e)) < 0 ||
	    (rc = params_require(p, "url", e)) < 0 ||
	    (rc = params_require(p, "enabled_events", e)) < 0 ||
	    (rc = params_string(&api_version, p, "api_version", 64, e)) < 0 ||
	    (rc = params_bool(&connect, p, "connect", e)) < 0)
		return rc;
	if (connect)
		return err_invalid(e, "connect", "Connect endpoints are not supported");
	ids_new(id, sizeof(id), "we");
	w = json_pack("{s:s, s:I, s:s?, s:n, s:n, s:s}", "id", id, "created",
		      (json_int_t)s->now, "api_version", api_version, "application",
		      "description", "status", "enabled");
	if (!w) {
		rc = err_internal(e, "cannot build webhook endpoint");
		goto done;
	}
	if ((rc = apply(w, p, true, e)) < 0 || (rc = svc_begin(s, e)) < 0)
		goto done;
	new_secret(secret, sizeof(secret));
	struct store_val sv[] = { SV_TEXT(secret), SV_TEXT(id) };
	if ((rc = store_obj_insert(s->db, &svc_webhook_endpoints_table, &s->scope, w, e)) >= 0)
		rc = store_exec(s->db, "UPDATE webhook_endpoints SET secret = $1 WHERE id = $2",
				sv, 2, e);
	if (rc >= 0)
		rc = store_obj_get(out, s->db, &svc_webhook_endpoints_table, &s->scope, id, e);
	rc = svc_finish(s, rc, e);
	if (rc >= 0)
		json_object_set_new(*out, "secret", json_string(secret));
done:
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	}
	json_decref(w);
	return rc < 0 ? rc : 0;
}

int svc_webhook_endpoint_retrieve(json_t **out, struct svc *s, const char *id,
				  struct recur_err *e)
{
	return store_obj_get(out, s->db, &svc_webhook_endpoints_table, &s->scope, id, e);
}

static const char *const update_params[] = {
	"description", "disabled", "enabled_events", "metadata", "url", NULL
};

int svc_webhook_endpoint_update(json_t **out, struct svc *s, const char *id, const json_t *p,
				struct recur_err *e)
{
	json_t *w = NULL;
	const char *url = NULL;
	int rc;
	*out = NULL;
	if ((rc = params_only(p, update_params, e)) < 0 ||
	    (rc = params_string(&url, p, "url", URL_MAX, e)) < 0 ||
	    (url && (rc = check_url(url, e)) < 0) || (rc = svc_begin(s, e)) < 0)
		return rc;
	if ((rc = store_obj_get(&w, s->db, &svc_webhook_endpoints_table, &s->scope, id, e)) < 0 ||
	    (rc = apply(w, p, false, e)) < 0 ||
	    (rc = store_obj_update(s->db, &svc_webhook_endpoints_table, &s->scope, w, e)) < 0)
		goto done;
	rc = store_obj_get(out, s->db, &svc_webhook_endpoints_table, &s->scope, id, e);
done:
	rc = svc_finish(s, rc, e);
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	}
	json_decref(w);
	return rc < 0 ? rc : 0;
}

int svc_webhook_endpoint_delete(json_t **out, struct svc *s, const char *id,
				struct recur_err *e)
{
	struct store_val v[] = { SV_TEXT(id), SV_INT(s->now) };
	int rc;
	*out = NULL;
	if ((rc = svc_begin(s, e)) < 0)
		return rc;
	if ((rc = store_obj_delete(s->db, &svc_webhook_endpoints_table, &s->scope, id, e)) >= 0)
		rc = store_exec(s->db, "UPDATE webhook_deliveries SET status = 'failed', "
				"last_error = 'endpoint deleted', updated = $2 "
				"WHERE endpoint = $1 AND status = 'pending'", v, 2, e);
	if ((rc = svc_finish(s, rc, e)) < 0)
		return rc;
	*out = json_pack("{s:s, s:s, s:b}", "id", id, "object", "webhook_endpoint", "deleted", 1);
	return *out ? 0 : err_internal(e, "out of memory");
}

static const char *const list_params[] = { SVC_LIST_PARAMS, NULL };

int svc_webhook_endpoint_list(json_t **out, struct svc *s, const json_t *p,
			      struct recur_err *e)
{
	struct svc_list l;
	int rc;
	*out = NULL;
	if ((rc = params_only(p, list_params, e)) < 0 || (rc = svc_list_params(&l, p, e)) < 0)
		return rc;
	return svc_list(out, s, &svc_webhook_endpoints_table, &l, "/v1/webhook_endpoints", e);
}

int svc_webhook_enqueue(int64_t *n, struct svc *s, const char *event_id, const char *type,
			struct recur_err *e)
{
	char like[EVENT_TYPE_MAX * 2 + 8];
	size_t k = 0;
	*n = 0;
	/* '%"type"%' on the JSON text; '_' (in "trial_will_end") is LIKE's wildcard */
	like[k++] = '%';
	like[k++] = '"';
	for (const char *c = type; *c && k < sizeof(like) - 4; c++) {
		if (*c == '_' || *c == '%' || *c == '\\')
			like[k++] = '\\';
		like[k++] = *c;
	}
	like[k++] = '"';
	like[k++] = '%';
	like[k] = '\0';
	struct store_val v[] = { SV_TEXT(s->scope.tenant), SV_INT(s->scope.livemode),
				 SV_TEXT(event_id), SV_INT(s->now), SV_TEXT(like) };
	int rc = store_exec(s->db,
		"INSERT INTO webhook_deliveries (tenant_id, livemode, endpoint, event, status, "
		"attempts, next_attempt_at, created, updated) "
		"SELECT $1, $2, id, $3, 'pending', 0, 0, $4, $4 FROM webhook_endpoints "
		"WHERE tenant_id = $1 AND livemode = $2 AND status = 'enabled' "
		"AND (enabled_events LIKE '%\"*\"%' OR enabled_events LIKE $5 ESCAPE '\\')",
		v, 5, e);
	if (rc < 0)
		return rc;
	*n = rc;
	return 0;
}
