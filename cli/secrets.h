/* secrets.h - the local secrets store: ./secrets/<lattice>/, 0700, files 0400, written once. */
#ifndef LC_SECRETS_H
#define LC_SECRETS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

/*
 * The store is a directory per lattice.  Every secret is a file holding
 * its bytes as lowercase hex and a newline (as `openssl rand -hex 32`
 * writes them), mode 0400, created with O_CREAT|O_EXCL through a temp
 * file that is fsynced and then linked into place, so a secret appears
 * whole or not at all and an existing one is never replaced.
 *
 * lc_secrets_open refuses: a store or lattice directory that is a
 * symlink, not a directory, not ours, or group/world-accessible; and a
 * path inside a git work tree that git does not ignore.
 */
struct lc_secrets {
	char *path;   /* "<root>/<lattice>", as given (for messages) */
	int dirfd;    /* the lattice directory, O_DIRECTORY|O_NOFOLLOW */
	unsigned created; /* secrets created by this run */
	unsigned reused;  /* secrets found and checked */
};

/* With create clear, a missing store is an error (nothing is made). */
int lc_secrets_open(struct lc_secrets *s, const char *root,
		    const char *lattice, int create, struct lc_err *err);
void lc_secrets_close(struct lc_secrets *s);

/* Refuse abs (an absolute path, which may not exist yet) when it is inside
 * a git work tree that does not ignore it: secrets in a repository end up
 * in someone's clone.  The hint names option, the way to choose another. */
int lc_secrets_check_git(const char *abs, const char *option, struct lc_err *err);

/* Make a subdirectory (one level, 0700) if it is missing; refuse a
 * symlink or loose permissions there too. */
int lc_secrets_subdir(struct lc_secrets *s, const char *name,
		      struct lc_err *err);

/* Fill out[0..len) with fresh secret bytes; out is sodium_malloc memory. */
typedef int (*lc_secret_gen_fn)(uint8_t *out, size_t len, void *arg,
				struct lc_err *err);

/*
 * Read the secret at rel (e.g. "admission/zipnet.secret") into out, or,
 * when it does not exist, generate it with gen and store it.  An existing
 * file must be a regular file (not a symlink), have no group/other
 * permission bits, and hold exactly len bytes as hex plus a newline;
 * anything else is an error naming the file and the remedy, and nothing
 * is changed.  *created says which happened.
 */
int lc_secret_get(struct lc_secrets *s, const char *rel, uint8_t *out,
		  size_t len, lc_secret_gen_fn gen, void *arg, int *created,
		  struct lc_err *err);

/* Whether rel exists (1), not (0), or cannot be checked (-1). */
int lc_secret_exists(struct lc_secrets *s, const char *rel, struct lc_err *err);

/*
 * Replace the secret rel with a fresh random one of len bytes (rotation:
 * the one exception to "never replaced").  The new secret is made first
 * as rel.next (reused if a cut-short rotation left one), the old one is
 * kept, hard-linked, as retired/<name>.<time>, and one rename puts the new
 * one in place, so rel always holds a whole secret.
 */
int lc_secret_rotate(struct lc_secrets *s, const char *rel, size_t len,
		     struct lc_err *err);

/*
 * The same with the old secret kept under a name the caller chose
 * (retired, e.g. "retired/zipnet.secret.<time>"), so that a rotation cut
 * short and run again keeps it under the same name: a link there to the
 * secret still in place is taken as made; one to another file is an
 * error.  Call it only while rel still holds the secret to retire (after
 * the rename, a second call would rotate again).
 */
int lc_secret_rotate_as(struct lc_secrets *s, const char *rel, size_t len,
			const char *retired, struct lc_err *err);

/* Remove rel (a retired secret whose rotation has completed); one that is
 * not there is no error. */
int lc_secret_remove(struct lc_secrets *s, const char *rel, struct lc_err *err);

/*
 * Create rel holding data (a secret made elsewhere, e.g. an EIP-2335
 * keystore), mode 0400, atomically and only if absent, as lc_secret_get
 * stores its own: 0 when written, 1 when rel already existed (nothing is
 * written; read it and use it instead), -1 on error.
 */
int lc_secret_put_new(struct lc_secrets *s, const char *rel, const void *data,
		      size_t len, struct lc_err *err);

/* Random bytes (libsodium); a ready lc_secret_gen_fn. */
int lc_secret_gen_random(uint8_t *out, size_t len, void *arg,
			 struct lc_err *err);

/* Write data (not secret: public records kept beside the secrets) once,
 * atomically, mode 0400; an existing identical file is fine, a different
 * one is an error. */
int lc_secrets_put_public(struct lc_secrets *s, const char *rel,
			  const void *data, size_t len, struct lc_err *err);
/* Read a public record written by lc_secrets_put_public into out. */
int lc_secrets_get_public(struct lc_secrets *s, const char *rel,
			  struct lc_buf *out, size_t max, struct lc_err *err);

#endif
