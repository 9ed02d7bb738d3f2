/* retire.h - a lattice's successor and its retirement: the successor's name, the records in both state directories, the kept manifest and the renamed [lattice] name. */
#ifndef LC_RETIRE_H
#define LC_RETIRE_H

#include <stddef.h>

#include "buf.h"
#include "err.h"
#include "manifest.h"

/* The transition a successor gets when no --deadline is given: four
 * weeks (seed 000, "Lattice retirement"). */
#define LC_RETIRE_DEFAULT_S (28LL * 86400)

/* The manifest a run of up last applied, kept in the lattice's state
 * directory so that a lattice whose manifest was edited into its
 * successor stays operable: -m <state>/<lattice>/lattice.toml. */
#define LC_KEPT_MANIFEST "lattice.toml"

/*
 * The successor's name: "<name>.v<N+1>" for "<name>.v<N>", else
 * "<name>.v2" (seed 000: "<current>.v<next>").  A name that would not be
 * a valid lattice name is an error with a hint.
 */
int lc_successor_name(char *out, size_t size, const char *name, struct lc_err *err);

/*
 * <statedir>/retirement.json: lattice is being retired for successor,
 * announced then, stopped and wiped no earlier than deadline (unless
 * forced); retired is when that was done (0: still running).
 */
struct lc_retirement {
	int found;
	char lattice[256], successor[256];
	long long announced, deadline, retired;
};

/* Read the record; rt->found 0 when there is none (not an error). */
int lc_retirement_read(struct lc_retirement *rt, const char *statedir,
		       struct lc_err *err);
int lc_retirement_write(const struct lc_retirement *rt, const char *statedir,
			struct lc_err *err);

/* <statedir>/predecessor: the lattice this one succeeds ("" when none). */
int lc_predecessor_read(char *out, size_t size, const char *statedir,
			struct lc_err *err);
int lc_predecessor_write(const char *statedir, const char *name, struct lc_err *err);

/* --deadline: a date, YYYY-MM-DD (00:00 UTC), or a duration from now,
 * N followed by d (days) or w (weeks); in the future. */
int lc_deadline_parse(long long *out, const char *arg, long long now,
		      struct lc_err *err);
/* A deadline for messages: "YYYY-MM-DD HH:MM UTC". */
void lc_deadline_fmt(char *out, size_t size, long long t);

/* Keep a copy of the manifest at path as <statedir>/lattice.toml (0600),
 * unless it is that file. */
int lc_manifest_keep(const char *statedir, const char *path, struct lc_err *err);

/* Copy <from>/known_hosts to <to>/known_hosts (0600) unless the latter
 * exists or the former does not: a successor on the same hosts trusts
 * the host keys its predecessor recorded. */
int lc_known_hosts_inherit(const char *to, const char *from, struct lc_err *err);

/*
 * m's file with [lattice] name = "newname": only the quoted value
 * replaced (every other byte, comment and key stays), into out (reset
 * first).  Refused, with a hint, when the name is not one quoted string
 * on one line as read.  lc_manifest_write puts it in place atomically,
 * keeping the file's mode.
 */
int lc_manifest_renamed(struct lc_buf *out, const struct lc_manifest *m,
			const char *newname, struct lc_err *err);
int lc_manifest_write(const struct lc_manifest *m, const struct lc_buf *text,
		      struct lc_err *err);

#endif
