/* err.c - filling in struct lc_err. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "banned.h"

void lc_err_clear(struct lc_err *e)
{
	memset(e, 0, sizeof(*e));
}

static void vset(struct lc_err *e, int code, const char *fmt, va_list ap)
{
	e->code = code;
	e->line = e->col = 0;
	e->hint[0] = '\0';
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
}

int lc_err_set(struct lc_err *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(e, LC_ERR_FAIL, fmt, ap);
	va_end(ap);
	return e->code;
}

int lc_err_setc(struct lc_err *e, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(e, code, fmt, ap);
	va_end(ap);
	return code;
}

int lc_err_at(struct lc_err *e, unsigned line, unsigned col, const char *fmt,
	      ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(e, LC_ERR_FAIL, fmt, ap);
	va_end(ap);
	e->line = line;
	e->col = col;
	return e->code;
}

void lc_err_hint(struct lc_err *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->hint, sizeof(e->hint), fmt, ap);
	va_end(ap);
}

void lc_err_prefix(struct lc_err *e, const char *fmt, ...)
{
	char old[LC_ERR_MSG_MAX];
	va_list ap;
	int n;

	memcpy(old, e->msg, sizeof(old));
	va_start(ap, fmt);
	n = vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(e->msg) - 2)
		return;
	e->msg[n++] = ':';
	e->msg[n++] = ' ';
	memcpy(e->msg + n, old, sizeof(e->msg) - (size_t)n - 1);
	e->msg[sizeof(e->msg) - 1] = '\0';
}
