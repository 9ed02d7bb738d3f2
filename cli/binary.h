/* binary.h - a role's program as a local file to push: a path from the manifest, or a URL fetched and checked. */
#ifndef LC_BINARY_H
#define LC_BINARY_H

#include "err.h"
#include "manifest.h"

struct lc_binfile {
	char path[4096];   /* the local file to push */
	char sha256[65];   /* its sha256, hex */
	long long size;
	int fetched;       /* downloaded by this call (else local or cached) */
	char note[320];    /* "" or a remark for the operator: a damaged
			    * cache entry was replaced */
	const char *url;   /* a { url, sha256 } entry's URL (the manifest's) */
	char shown[1024];  /* that URL for messages, credentials hidden */
	int present;       /* path holds the program (see LC_BIN_LAZY) */
};

/* lc_binary_resolve: a URL not in the cache yet is left for later (the
 * hosts may fetch it themselves): out->path names where the cache would
 * keep it, out->present is 0 and out->size unknown (0). */
#define LC_BIN_LAZY 1

/*
 * Resolve role's [binaries] entry of m: a local path (relative to the
 * manifest's directory; it must be a regular, executable file), or a URL
 * downloaded (libcurl, https or http to loopback only for tests) into
 * <cachedir>/<sha256> through a temporary file, checked against the
 * manifest's sha256, and reused from there on later runs.  A role with no
 * entry is an error naming the manifest key to add.  cachedir NULL: write
 * nothing (a local file is hashed afresh; a URL is not fetched, its
 * manifest sha256 is taken and out->path is ""); flags LC_BIN_LAZY.
 */
int lc_binary_resolve(struct lc_binfile *out, const struct lc_manifest *m,
		      int role, const char *cachedir, unsigned flags, struct lc_err *err);

#endif
