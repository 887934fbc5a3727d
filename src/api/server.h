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

struct api_server_opts {
	const char *db_url;
	const char *host;
	int port;
	int threads;
};

int api_server_run(const struct api_server_opts *o, struct recur_err *e);

#endif
