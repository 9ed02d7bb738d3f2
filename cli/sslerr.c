/* sslerr.c - an OpenSSL failure as an lc_err, with OpenSSL's own reason. */
#include <stdarg.h>
#include <stdio.h>

#include <openssl/err.h>

#include "sslerr.h"
#include "banned.h"

int lc_err_ssl(struct lc_err *err, const char *fmt, ...)
{
	char msg[LC_ERR_MSG_MAX], why[256];
	unsigned long e = ERR_get_error();
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!e)
		return lc_err_set(err, "%s", msg);
	ERR_error_string_n(e, why, sizeof(why));
	ERR_clear_error();
	return lc_err_set(err, "%s: openssl: %s", msg, why);
}
