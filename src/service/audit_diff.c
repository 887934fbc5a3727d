/*
 * audit_diff.c - the before/after difference of a change, from its events.
 *
 * Events are the one place every use case already says what it changed
 * (svc_event: the object as it ended and, for updates, previous_attributes),
 * so the audit log reads them instead of asking each use case again.
 */
#include "service/audit.h"

#include <string.h>

/*
 * Adds prev's fields to before where before has none yet: across several
 * updates of one object the first previous value is the value before the
 * change. Nested objects (metadata) merge field by field, as
 * svc_previous_attributes diffs them one level down.
 */
static void merge_first(json_t *before, const json_t *prev)
{
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)(uintptr_t)prev, k, v) {
		json_t *had = json_object_get(before, k);
		if (!had)
			json_object_set_new(before, k, json_deep_copy(v));
		else if (json_is_object(had) && json_is_object(v))
			merge_first(had, v);
	}
}

/* obj's values of the fields shape names, nested where both are objects; missing is null. */
static json_t *project(const json_t *obj, const json_t *shape)
{
	json_t *out = json_object();
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)(uintptr_t)shape, k, v) {
		json_t *now = json_object_get(obj, k);
		if (json_is_object(v) && json_is_object(now))
			json_object_set_new(out, k, project(now, v));
		else
			json_object_set_new(out, k, now ? json_deep_copy(now) : json_null());
	}
	return out;
}

static int has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Folds one event into its object's entry of acc ({id: working entry}). */
static void fold(json_t *acc, const char *type, const json_t *data)
{
	const json_t *obj = json_object_get(data, "object");
	const json_t *prev = json_object_get(data, "previous_attributes");
	const char *id = json_string_value(json_object_get(obj, "id"));
	if (!id)
		return;
	json_t *w = json_object_get(acc, id);
	if (!w) {
		w = json_pack("{s:O?, s:[], s:b, s:b}", "object", json_object_get(obj, "object"),
			      "events", "created", 0, "deleted", 0);
		json_object_set_new(acc, id, w);
	}
	json_array_append_new(json_object_get(w, "events"), json_string(type));
	if (has_suffix(type, ".created"))
		json_object_set_new(w, "created", json_true());
	if (has_suffix(type, ".deleted"))
		json_object_set_new(w, "deleted", json_true());
	if (json_is_object(prev)) {
		json_t *before = json_object_get(w, "before");
		if (!before)
			json_object_set_new(w, "before", before = json_object());
		merge_first(before, prev);
	}
	json_object_set(w, "last", (json_t *)(uintptr_t)obj);
}

/* The entry a working entry ends as (new reference). */
static json_t *finish(const json_t *w, int full)
{
	json_t *out = json_pack("{s:O, s:O}", "object", json_object_get(w, "object"),
				"events", json_object_get(w, "events"));
	const json_t *last = json_object_get(w, "last");
	json_t *before = json_object_get(w, "before");
	if (!out || !full)
		return out;
	if (json_is_true(json_object_get(w, "created"))) {
		json_object_set_new(out, "before", json_null());
		json_object_set(out, "after", (json_t *)(uintptr_t)last);
	} else if (json_is_true(json_object_get(w, "deleted"))) {
		json_object_set_new(out, "deleted", json_true());
		json_object_set_new(out, "before", before ? json_incref(before) : json_object());
		json_object_set_new(out, "after", json_null());
	} else if (before) {
		json_object_set(out, "before", before);
		json_object_set_new(out, "after", project(last, before));
	} else {
		json_object_set(out, "after", (json_t *)(uintptr_t)last);
	}
	return out;
}

void svc_audit_diff_against(json_t *diff, const char *id, const json_t *before)
{
	json_t *entry = json_object_get(diff, id);
	const json_t *after = json_object_get(entry, "after");
	if (!entry || !before)
		return;
	if (json_is_true(json_object_get(entry, "deleted"))) {
		json_object_set_new(entry, "before", json_deep_copy(before));
		return;
	}
	if (json_object_get(entry, "before") || !json_is_object(after))
		return;
	json_t *prev = svc_previous_attributes(before, after);
	if (!prev)
		prev = json_object();
	json_t *now = project(after, prev);
	json_object_del(entry, "after"); /* before, then after, as in every entry */
	json_object_set_new(entry, "before", prev);
	json_object_set_new(entry, "after", now);
}

json_t *svc_audit_diff(const json_t *events)
{
	json_t *acc = json_object(), *out = json_object();
	size_t i, n = 0;
	const json_t *ev;
	const char *id;
	json_t *w;
	if (!acc || !out)
		goto fail;
	json_array_foreach((json_t *)(uintptr_t)events, i, ev) {
		const char *type = json_string_value(json_object_get(ev, "type"));
		fold(acc, type ? type : "", json_object_get(ev, "data"));
	}
	/* jansson keeps insertion order: objects appear as the change first touched them. */
	json_object_foreach(acc, id, w) {
		json_t *entry = finish(w, n++ < SVC_AUDIT_FULL_OBJECTS);
		if (!entry)
			goto fail;
		json_object_set_new(out, id, entry);
	}
	json_decref(acc);
	return out;
fail:
	json_decref(acc);
	json_decref(out);
	return NULL;
}
