#include "core/err.h"

#include <stdio.h>
#include <string.h>

void err_clear(struct recur_err *e)
{
	memset(e, 0, sizeof(*e));
}

static void put(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src ? src : "");
}

__attribute__((format(printf, 7, 0)))
static int vset(struct recur_err *e, int rc, int status, const char *type,
		const char *code, const char *param, const char *fmt, va_list ap)
{
	e->status = status;
	put(e->type, sizeof(e->type), type);
	put(e->code, sizeof(e->code), code);
	put(e->param, sizeof(e->param), param);
	e->decline_code[0] = '\0';
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	return rc;
}

int err_set(struct recur_err *e, int rc, int status, const char *type,
	    const char *code, const char *param, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vset(e, rc, status, type, code, param, fmt, ap);
	va_end(ap);
	return rc;
}

int err_invalid(struct recur_err *e, const char *param, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vset(e, RECUR_EINVAL, 400, "invalid_request_error", "parameter_invalid",
	     param, fmt, ap);
	va_end(ap);
	return RECUR_EINVAL;
}

int err_missing(struct recur_err *e, const char *param, const char *kind,
		const char *id)
{
	return err_set(e, RECUR_ENOTFOUND, 404, "invalid_request_error",
		       "resource_missing", param, "No such %s: '%s'", kind, id);
}

int err_internal(struct recur_err *e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vset(e, RECUR_EINTERNAL, 500, "api_error", NULL, NULL, fmt, ap);
	va_end(ap);
	return RECUR_EINTERNAL;
}
