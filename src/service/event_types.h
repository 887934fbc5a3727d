/*
 * event_types.h - the event types recur claims to emit: the one list that
 * webhook endpoints' enabled_events are checked against, that docs/webhooks.md
 * shows, and that tests/api/event_coverage.test.js reads and proves (every
 * type is emitted by some scenario, and nothing emitted is missing here).
 * A use case that emits a new type adds it to event_types.c.
 */
#ifndef RECUR_SERVICE_EVENT_TYPES_H
#define RECUR_SERVICE_EVENT_TYPES_H

#include <stdbool.h>

/* The claimed types, sorted, NULL-terminated. */
extern const char *const svc_event_types[];

/* Whether type is one of svc_event_types. */
bool svc_event_type_known(const char *type);

#endif
