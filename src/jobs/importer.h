/*
 * importer.h - the import worker: a thread of `recur serve` that runs the
 * imports too large to run inside their request (service/import.h,
 * docs/import.md), oldest first, one at a time.
 *
 * An import runs in one transaction that also records its result, so a
 * worker killed half-way leaves it pending or processing with nothing of it
 * applied, and the next start runs it again from the beginning. An import
 * that fails for a reason other than its file (the store refused a write) is
 * marked failed with the reason rather than retried for ever.
 */
#ifndef RECUR_JOBS_IMPORTER_H
#define RECUR_JOBS_IMPORTER_H

#include "core/err.h"

#define IMPORTER_IDLE_MS 500 /* how often an idle worker looks again */

struct importer;

/* Starts the worker on its own connection to db_url. Free with importer_stop. */
int importer_start(struct importer **out, const char *db_url, struct recur_err *e);
/* Stops it after the import it is running (if any) and frees it; accepts NULL. */
void importer_stop(struct importer *w);

#endif
