/*
 * log.h - one-line log records on stderr.
 *
 * Lines are written with a single write(2) so records from worker threads never
 * interleave. Levels below the configured one are dropped.
 */
#ifndef RECUR_CORE_LOG_H
#define RECUR_CORE_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

void log_set_level(enum log_level lvl);
void log_msg(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
