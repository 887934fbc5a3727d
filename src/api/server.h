/*
 * server.h - recur serve: the HTTP server on libmicrohttpd.
 *
 * A pool of worker threads, each with its own database connection, serves the
 * API. Runs until SIGINT or SIGTERM.
 */
#ifndef RECUR_API_SERVER_H
#define RECUR_API_SERVER_H

#include "core/err.h"

#define API_MAX_BODY (1024 * 1024) /* 1 MiB, api.md: larger bodies get 413 */
/* POST /v1/imports takes a file: 64 MiB (docs/import.md; the CLI streams any size) */
#define API_MAX_IMPORT_BODY (64 * 1024 * 1024)
/* An uploaded import of at most this many bytes runs inside its request. */
#define API_IMPORT_INLINE_MAX (1024 * 1024)

struct api_server_opts {
	const char *db_url;
	const char *host;
	int port;
	int threads;
};

int api_server_run(const struct api_server_opts *o, struct recur_err *e);

#endif
