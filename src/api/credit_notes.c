/*
 * credit_notes.c - /v1/credit_notes: issue, preview (GET, nothing saved),
 * retrieve, update memo and metadata, void, list, and the lines of one or of
 * a preview. The preview paths come first: "preview" is not an id.
 */
#include "api/api.h"
#include "service/credit_note.h"

static int create(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_credit_note_create(out, &c->svc, c->params, e);
}

static int preview(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_credit_note_preview(out, &c->svc, c->params, e);
}

static int preview_lines(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_credit_note_preview_lines(out, &c->svc, c->params, e);
}

static int retrieve(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_credit_note_retrieve(out, &c->svc, c->id, e);
}

static int update(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_credit_note_update(out, &c->svc, c->id, c->params, e);
}

static int void_note(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_credit_note_void(out, &c->svc, c->id, c->params, e);
}

static int list(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_credit_note_list(out, &c->svc, c->params, e);
}

static int lines(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_credit_note_lines(out, &c->svc, c->id, c->params, e);
}

const struct api_route api_credit_note_routes[] = {
	{ "GET", "/v1/credit_notes/preview", preview },
	{ "GET", "/v1/credit_notes/preview/lines", preview_lines },
	{ "POST", "/v1/credit_notes", create },
	{ "GET", "/v1/credit_notes", list },
	{ "GET", "/v1/credit_notes/:id", retrieve, API_NO_PARAMS },
	{ "POST", "/v1/credit_notes/:id", update },
	{ "POST", "/v1/credit_notes/:id/void", void_note },
	{ "GET", "/v1/credit_notes/:id/lines", lines },
	{ 0 },
};
