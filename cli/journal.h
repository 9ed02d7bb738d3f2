/* journal.h - state/<lattice>/journal: append-only, checksummed records of every step, per (lattice, host, role). */
#ifndef LC_JOURNAL_H
#define LC_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

/*
 * One record.  Strings are printable ASCII, no secret ever: detail is a
 * line for the operator.  host is the host's file name (lc_hostid), ""
 * for a lattice-level step; role is a role name, "" for a host- or
 * lattice-level step.
 */
struct lc_jrec {
	uint64_t seq;       /* 1-based position in the journal (set by append) */
	int64_t time;       /* Unix seconds (set by append when 0) */
	char run[17];       /* the run that wrote it: 16 hex digits (set by append) */
	char host[128];
	char role[32];
	char step[24];      /* "config", "connect", "files", "unit", "start", ... */
	char inputs[65];    /* sha256 hex of the step's inputs; "" when none */
	char outcome[16];   /* "begin", "done", "failed", "drift", "skipped" */
	char detail[256];
};

struct lc_journal;

/*
 * Open (creating, 0600) <statedir>/journal and replay it; statedir must
 * exist.  A torn last record (a killed run) is cut off, with a warning
 * line ("warning: ...\n") added to warn (NULL: not reported); a damaged
 * record followed by others is an error naming the line, its byte offset
 * and the remedy, as is a line over 64 KiB or a file over 256 MiB
 * (LC_ERR_TOOBIG).  Nothing is written but that truncation.  The format
 * is described at the top of journal.c and in latticectl(1), STATE.
 */
int lc_journal_open(struct lc_journal **out, const char *statedir,
		    struct lc_buf *warn, struct lc_err *err);

/* The same, read-only, for a command that writes nothing: no journal is
 * *out = NULL and no error; a torn last record is left in place (the next
 * run cuts it) and skipped; every append fails. */
int lc_journal_open_ro(struct lc_journal **out, const char *statedir,
		       struct lc_err *err);
/* Close and free; NULL is fine.  Every record pointer dies with it. */
void lc_journal_close(struct lc_journal *j);

/*
 * Readers.  A record pointer stays valid until lc_journal_close, while
 * other threads append; records are never changed once appended.
 */
size_t lc_journal_count(const struct lc_journal *j);
/* Record i (0-based, seq i + 1), or NULL past the end. */
const struct lc_jrec *lc_journal_rec(const struct lc_journal *j, size_t i);

/* The newest record for (host, role, step) with any outcome (NULL: none);
 * NULL step matches any step.  host and role match exactly ("" is the
 * lattice or host level).  Constant time: the journal keeps an index. */
const struct lc_jrec *lc_journal_last(const struct lc_journal *j,
				      const char *host, const char *role,
				      const char *step);

/*
 * Append r (seq, run and time are filled in, and its strings made
 * printable ASCII, as stored) and make it durable (write + fdatasync)
 * before returning: a commit point.  step and outcome must not be empty.
 * Safe from several threads.  After a failed write or sync every later
 * append fails.  In the test build (-DLC_TEST_HOOKS) only,
 * LATTICECTL_TEST_KILL_AT_COMMIT=N kills the process with SIGKILL right
 * after the N-th commit of this run (of this lc_journal_open, not of the
 * process).
 */
int lc_journal_append(struct lc_journal *j, struct lc_jrec *r,
		      struct lc_err *err);

/* Convenience: build and append a record in one call (NULL strings are
 * ""; long ones are cut to their field). */
int lc_journal_note(struct lc_journal *j, const char *host, const char *role,
		    const char *step, const char *inputs, const char *outcome,
		    struct lc_err *err, const char *detail_fmt, ...)
	__attribute__((format(printf, 8, 9)));

/*
 * The local lock: an exclusive flock on <statedir>/lock (0600), whose
 * contents name the holder while it is held: one JSON object, {"holder":
 * "user@host", "pid":N, "command":"up", "time":T, "host":"hostname"}, and
 * a newline.  Held by another process (or another open in this one):
 * LC_ERR_LOCKED, an error naming that holder, with a hint.  A lock file
 * that still has contents although nobody holds the flock was left by a
 * run that did not finish (the kernel dropped a killed run's flock): it is
 * taken over, and prev (may be NULL) receives one line, ending in a
 * newline, saying whose run that was.  command is the verb ("up").
 * lc_lock_release empties the file, then unlocks and frees; NULL is fine.
 */
struct lc_lock;
int lc_lock_take(struct lc_lock **out, const char *statedir,
		 const char *command, struct lc_buf *prev, struct lc_err *err);
void lc_lock_release(struct lc_lock *l);

/* Whether a run holds the lock of statedir now (1, err naming it), for a
 * command that writes nothing; creates and holds nothing. */
int lc_lock_busy(const char *statedir, struct lc_err *err);

/* "user@hostname" (at most 255 bytes, printable ASCII) for lock records,
 * here and on hosts: user is $USER, else the password entry's name. */
void lc_lock_holder(char out[256]);

/* Copy src (NULL: "") into dst[size] as printable ASCII, other bytes as
 * '?', cut to size - 1 bytes: how journal and lock strings are stored. */
void lc_ascii_copy(char *dst, size_t size, const char *src);

#endif
