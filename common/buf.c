/* buf.c - the capped growable buffer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "banned.h"

static char lc_buf_empty[1];

void lc_buf_init(struct lc_buf *b, size_t max)
{
	b->ptr = lc_buf_empty;
	b->len = b->cap = 0;
	b->max = max;
}

void lc_buf_release(struct lc_buf *b)
{
	if (b->cap)
		free(b->ptr);
	lc_buf_init(b, b->max);
}

void lc_buf_reset(struct lc_buf *b)
{
	b->len = 0;
	if (b->cap)
		b->ptr[0] = '\0';
}

int lc_buf_grow(struct lc_buf *b, size_t extra)
{
	size_t want, ncap;
	char *p;

	if (extra > b->max || b->len > b->max - extra)
		return LC_ERR_TOOBIG;
	want = b->len + extra + 1;
	if (want <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : 64;
	while (ncap < want)
		ncap = ncap > ((size_t)-1) / 2 ? want : ncap * 2;
	p = b->cap ? realloc(b->ptr, ncap) : malloc(ncap);
	if (!p)
		return LC_ERR_NOMEM;
	if (!b->cap)
		p[0] = '\0';
	b->ptr = p;
	b->cap = ncap;
	return 0;
}

int lc_buf_add(struct lc_buf *b, const void *data, size_t len)
{
	int rc = lc_buf_grow(b, len);

	if (rc)
		return rc;
	if (len)
		memcpy(b->ptr + b->len, data, len);
	b->len += len;
	b->ptr[b->len] = '\0';
	return 0;
}

int lc_buf_puts(struct lc_buf *b, const char *s)
{
	return lc_buf_add(b, s, strlen(s));
}

int lc_buf_addch(struct lc_buf *b, char c)
{
	return lc_buf_add(b, &c, 1);
}

int lc_buf_vprintf(struct lc_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n, rc;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return LC_ERR_FAIL;
	if ((rc = lc_buf_grow(b, (size_t)n)))
		return rc;
	vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int lc_buf_printf(struct lc_buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = lc_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

char *lc_buf_detach(struct lc_buf *b, size_t *len)
{
	char *p;

	if (!b->cap && lc_buf_grow(b, 0))
		return NULL;
	p = b->ptr;
	if (len)
		*len = b->len;
	b->cap = 0;
	lc_buf_init(b, b->max);
	return p;
}
