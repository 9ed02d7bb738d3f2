/* buf.h - a growable byte buffer with a hard size cap (git strbuf, curl dynbuf). */
#ifndef LC_BUF_H
#define LC_BUF_H

#include <stdarg.h>
#include <stddef.h>

/*
 * A buffer always holds a NUL after its last byte, so ptr can be used as a
 * C string.  Growing past max fails with LC_ERR_TOOBIG and leaves the
 * contents unchanged; set max to bound anything read from outside.
 * The owner calls lc_buf_release(); a zeroed struct plus lc_buf_init() is
 * an empty buffer.
 */
struct lc_buf {
	char *ptr;
	size_t len, cap, max;
};

#define LC_BUF_NOMAX ((size_t)-1)

void lc_buf_init(struct lc_buf *b, size_t max);
void lc_buf_release(struct lc_buf *b);
void lc_buf_reset(struct lc_buf *b);
int lc_buf_grow(struct lc_buf *b, size_t extra);
int lc_buf_add(struct lc_buf *b, const void *data, size_t len);
int lc_buf_puts(struct lc_buf *b, const char *s);
int lc_buf_addch(struct lc_buf *b, char c);
int lc_buf_printf(struct lc_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int lc_buf_vprintf(struct lc_buf *b, const char *fmt, va_list ap);
/* Give the memory to the caller (free() it); the buffer becomes empty. */
char *lc_buf_detach(struct lc_buf *b, size_t *len);

#endif
