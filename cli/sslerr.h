/* sslerr.h - an OpenSSL failure as an lc_err, with OpenSSL's own reason. */
#ifndef LC_SSLERR_H
#define LC_SSLERR_H

#include "err.h"

/*
 * Set err to the message (printf-style) followed by the reason OpenSSL
 * queued for the failure (its earliest error, which names the cause, and
 * the library and function it came from), and empty OpenSSL's error
 * queue; with nothing queued, the message alone.  Returns -1.
 */
int lc_err_ssl(struct lc_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
