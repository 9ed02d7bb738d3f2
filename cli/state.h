/* state.h - ./state/<lattice>/: the recorded identity (the guard against silent fingerprint changes). */
#ifndef LC_STATE_H
#define LC_STATE_H

#include "err.h"
#include "identity.h"

/* Where the manifest stands in git, when it lives in a repository. */
struct lc_gitinfo {
	int found;        /* the manifest is inside a git work tree */
	char commit[41];  /* HEAD, hex; "" for a repository with no commit */
	int dirty;        /* tracked files differ from HEAD */
};

/* Fill gi for the manifest at path; not being in git is not an error. */
int lc_git_manifest_info(struct lc_gitinfo *gi, const char *path,
			 struct lc_err *err);

/* The path <root>/<lattice>, made by nobody: for a command that writes
 * nothing. */
void lc_state_path(char *out, size_t size, const char *root, const char *lattice);

/* Make <root>/<lattice> (0700) if missing; out receives its path. */
int lc_state_dir(char *out, size_t size, const char *root, const char *lattice,
		 struct lc_err *err);

enum lc_guard {
	LC_GUARD_NEW,       /* nothing recorded: recorded now */
	LC_GUARD_SAME,      /* the recorded identity is this one */
	LC_GUARD_REPLACED,  /* changed, and --new-identity allowed it */
};

/*
 * Compare cfg's identity fields (without DKG keys) with the recorded
 * identity before anything is generated: a change is refused (naming the
 * field, why, and the successor command for the manifest at path
 * manifest) unless new_identity.
 */
int lc_guard_precheck(const char *statedir, const struct lc_lconfig *cfg,
		      int new_identity, const char *manifest, struct lc_err *err);

/* Record id (LatticeConfig, lattice_id, manifest commit) after a build;
 * the full fingerprint must match the record unless new_identity. */
int lc_guard_record(enum lc_guard *what, const char *statedir,
		    const struct lc_identity *id, const struct lc_gitinfo *gi,
		    int new_identity, const char *manifest, struct lc_err *err);

#endif
