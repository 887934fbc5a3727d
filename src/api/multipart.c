/*
 * multipart.c - multipart/form-data bodies (RFC 7578), the way a file is
 * uploaded to POST /v1/imports, decoded by libmicrohttpd's post processor
 * into the same parameter tree a form body gives (api.h).
 */
#include "api/api.h"
#include "api/form.h"
#include "core/buf.h"

#include <microhttpd.h>
#include <stdio.h>
#include <string.h>

#define PART_MAX (64 * 1024 * 1024) /* as API_MAX_IMPORT_BODY: one part may be the whole body */

struct parts {
	json_t *tree;
	char key[128];  /* the part being read */
	struct buf value;
	char filename[256];
	int bad;        /* a key too long, a part too large or out of memory */
};

/* Ends the current part: its text becomes the parameter of its name. */
static int flush(struct parts *p, struct recur_err *e)
{
	if (!p->key[0])
		return 0;
	const char *data = p->value.data ? p->value.data : "";
	if (form_utf8_prefix(data, p->value.len) != p->value.len || strlen(data) != p->value.len)
		return err_invalid(e, p->key, "The part %s is not UTF-8 text", p->key);
	json_object_set_new(p->tree, p->key, json_stringn(data, p->value.len));
	if (strcmp(p->key, "file") == 0 && p->filename[0] && !json_object_get(p->tree, "filename"))
		json_object_set_new(p->tree, "filename", json_string(p->filename));
	p->key[0] = '\0';
	p->value.len = 0;
	return 0;
}

static enum MHD_Result on_part(void *cls, enum MHD_ValueKind kind, const char *key,
			       const char *filename, const char *content_type,
			       const char *transfer_encoding, const char *data, uint64_t off,
			       size_t size)
{
	struct parts *p = cls;
	struct recur_err ignored;
	(void)kind;
	(void)content_type;
	(void)transfer_encoding;
	if (off == 0 || strcmp(key, p->key) != 0) {
		if (flush(p, &ignored) < 0 || strlen(key) >= sizeof(p->key)) {
			p->bad = 1;
			return MHD_NO;
		}
		snprintf(p->key, sizeof(p->key), "%s", key);
		snprintf(p->filename, sizeof(p->filename), "%s", filename ? filename : "");
	}
	if (size && buf_append(&p->value, data, size) < 0) {
		p->bad = 1;
		return MHD_NO;
	}
	return MHD_YES;
}

int api_multipart_decode(json_t **out, struct MHD_Connection *mc, const char *body, size_t len,
			 struct recur_err *e)
{
	struct parts p = { .tree = json_object() };
	struct MHD_PostProcessor *pp = NULL;
	int rc = 0;
	*out = NULL;
	buf_init(&p.value, PART_MAX);
	if (!(pp = MHD_create_post_processor(mc, 65536, on_part, &p))) {
		rc = err_invalid(e, NULL, "The multipart/form-data body has no boundary");
		goto done;
	}
	if (MHD_post_process(pp, body, len) != MHD_YES || p.bad) {
		rc = err_invalid(e, NULL, "The multipart/form-data body cannot be read: a part is"
				 " malformed, not text, or too large");
		goto done;
	}
	rc = flush(&p, e);
done:
	if (pp)
		MHD_destroy_post_processor(pp);
	buf_free(&p.value);
	if (rc < 0)
		json_decref(p.tree);
	else
		*out = p.tree;
	return rc;
}
