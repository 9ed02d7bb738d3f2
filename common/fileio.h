/* fileio.h - bounded whole-file reads with clear errors. */
#ifndef LC_FILEIO_H
#define LC_FILEIO_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

/*
 * Read the regular file at path into out (reset first), refusing
 * directories, devices and FIFOs, and anything larger than max bytes
 * (LC_ERR_TOOBIG).  A missing file is LC_ERR_NOTFOUND.  The message
 * names the path.
 */
int lc_read_file(struct lc_buf *out, const char *path, size_t max,
		 struct lc_err *err);

/* Write all of data to fd, resuming after EINTR and short writes.
 * Returns 0, or -1 with errno set (EIO when write() makes no progress). */
int lc_write_all(int fd, const void *data, size_t len);

/*
 * Replace path with data atomically: write a temp file beside it (O_EXCL,
 * given mode), fsync, rename over path, fsync the directory.  Readers see
 * the old contents or the new, never a mix; nothing is left behind on
 * failure.
 */
int lc_write_file_atomic(const char *path, const void *data, size_t len,
			 unsigned mode, struct lc_err *err);
#endif
