/* agent.h - lattice-agent's shared declarations: sessions, requests, paths, operations. */
#ifndef LC_AGENT_H
#define LC_AGENT_H

#include <limits.h>
#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "clock.h"
#include "err.h"

struct cJSON;
struct lc_buf;

#define AG_PROTOCOL 1
#define AG_MAX_LINE 65536 /* one request line, its newline included */
#define AG_NAME_MAX 128   /* a file name in an area */
#define AG_HOLDER_MAX 256 /* a lock holder */
#define AG_CHUNK 65536    /* how much of a file is in memory at once */
#define AG_MAX_INT 9007199254740992.0 /* 2^53: the integers a JSON number holds exactly */

/*
 * Failures an operation reports through struct lc_err's code; each maps to
 * one reply code of PROTOCOL.md (ag_code_name).  Any other negative code
 * is "io".
 */
enum {
	AG_E_IO = LC_ERR_FAIL,
	AG_E_NOTFOUND = LC_ERR_NOTFOUND,
	AG_E_BAD = -20,
	AG_E_UNKNOWN_OP = -21,
	AG_E_VERSION = -22,
	AG_E_MISMATCH = -23,
	AG_E_ENOSPC = -24,
	AG_E_LOCKED = -25,
	AG_E_EOF = -26, /* input ended inside a request's bytes: the session ends */
	AG_E_FETCH = -27, /* fetch: the host could not download a URL */
};

/* Exit statuses of `lattice-agent serve`. */
enum { AG_EXIT_OK = 0, AG_EXIT_FAIL = 1, AG_EXIT_PROTO = 2 };

/* Buffered standard input: request lines, then raw bytes after a header. */
struct ag_in {
	int fd;
	int eof;
	size_t off, len; /* unread bytes are buf[off..len) */
	unsigned char buf[AG_CHUNK];
};

/*
 * One request while it is handled.  reply is the success reply being
 * built (id and ok already in it); err_extra, when an operation sets it,
 * holds members added to the "error" object of a failure reply.  Both
 * belong to the session loop.
 */
struct ag_dkg;

struct ag_req {
	struct ag_in *in;
	struct ag_dkg **dkg; /* the session's DKG ceremony state (ops_dkg.c) */
	const struct cJSON *json;
	struct cJSON *reply;
	struct cJSON *err_extra;
	int has_size;
	uint64_t size, left; /* announced body bytes, and those not yet read */
};

/* proto.c */
int ag_serve(int in_fd, int out_fd);
/* Up to n body bytes into buf: the count, 0 once the body is read, or a
 * negative code (AG_E_EOF when input ends early) with err set. */
ssize_t ag_body_read(struct ag_req *r, void *buf, size_t n, struct lc_err *err);

/* request.c */
const char *ag_code_name(int code);
/* A JSON integer in [0, 2^53] into *out: 0, or -1 for anything else. */
int ag_json_uint(const struct cJSON *v, uint64_t *out);
/* Whether the request has member key. */
int ag_req_has(const struct ag_req *r, const char *key);
/* Request members: a bad_request failure when missing or mistyped. */
const char *ag_req_str(const struct ag_req *r, const char *key, struct lc_err *err);
int ag_req_uint(const struct ag_req *r, const char *key, uint64_t *out,
		struct lc_err *err);
/* An optional boolean: def when absent. */
int ag_req_bool(const struct ag_req *r, const char *key, int def, int *out,
		struct lc_err *err);
/* The request's "lattice" and "area" members, checked: NULL / -1 with
 * a bad_request failure. */
const char *ag_req_lattice(const struct ag_req *r, struct lc_err *err);
int ag_req_area(const struct ag_req *r, struct lc_err *err);
/* The request's "names": an array of allowed file names, or NULL with a
 * bad_request failure. */
const struct cJSON *ag_req_names(const struct ag_req *r, struct lc_err *err);
/* Add a member to a reply object; -1 when out of memory. */
int ag_set_str(struct cJSON *o, const char *key, const char *val);
int ag_set_num(struct cJSON *o, const char *key, double val);
int ag_set_bool(struct cJSON *o, const char *key, int val);

/* paths.c: names, areas and the directories behind them. */
enum { AG_AREA_BIN, AG_AREA_ENV, AG_AREA_SECRET, AG_AREA_RUN, AG_AREA_UNITS, AG_AREA_COUNT };
enum {
	AG_DIR_CREATE = 1, /* create what is missing (else AG_E_NOTFOUND) */
	AG_DIR_BASE = 2,   /* stop at .../lattice, above every lattice */
	AG_DIR_TOP = 4,    /* stop at .../lattice/<name>, above the area's subdirectory */
};
struct ag_dir {
	int fd;
	char path[PATH_MAX]; /* for messages */
};
int ag_paths_init(struct lc_err *err);
const char *ag_root(void);
int ag_lattice_ok(const char *s);
int ag_role_ok(const char *s);
int ag_name_ok(const char *s);
int ag_holder_ok(const char *s);
/* The area a request names (bin, env, secret), or -1. */
int ag_area_parse(const char *s);
unsigned ag_area_file_mode(int area);
/* Open an area's directory for lattice (NULL with AG_DIR_BASE), refusing
 * symlinks from .../lattice down.  Close with ag_dir_close. */
int ag_dir_open(struct ag_dir *d, int area, const char *lattice, int flags,
		struct lc_err *err);
void ag_dir_close(struct ag_dir *d);
/* ag_dir_open (no create) plus a stream to list it with: d stays usable
 * for *at calls.  AG_E_NOTFOUND when absent; on any error nothing is left
 * open.  Close the stream with closedir, then ag_dir_close(d). */
int ag_dir_list(struct ag_dir *d, DIR **dir, int area, const char *lattice,
		struct lc_err *err);
/* The real path of an area's base (root prefix + e.g. /var/lib/lattice). */
int ag_area_base(char *out, size_t n, int area);

/* fsutil.c: atomic writes, hashing, removal. */
struct ag_tmp {
	int fd;
	const struct ag_dir *dir;
	const char *target;
	char name[AG_NAME_MAX + 32];
};
int ag_errno_code(int e);
int ag_tmp_open(struct ag_tmp *t, const struct ag_dir *dir, const char *target,
		struct lc_err *err);
int ag_tmp_write(struct ag_tmp *t, const void *p, size_t n, struct lc_err *err);
/* Give it mode and owner, fsync, rename over target, fsync the directory;
 * on failure the temporary file is removed. */
int ag_tmp_commit(struct ag_tmp *t, unsigned mode, struct lc_err *err);
void ag_tmp_abort(struct ag_tmp *t);
int ag_write_at(const struct ag_dir *dir, const char *name, const void *data,
		size_t len, unsigned mode, struct lc_err *err);
/* name in dir, never through a symlink: 1 with *st when it exists, 0
 * when it does not, or a negative code (a symlink there is refused). */
struct stat;
int ag_stat_at(const struct ag_dir *dir, const char *name, struct stat *st,
	       struct lc_err *err);
/* sha256 and size of an open regular file. */
int ag_hash_fd(int fd, unsigned char out[32], uint64_t *size, struct lc_err *err);
/* Remove name in dir and, for a directory, all below it, never following
 * a symlink; *count grows by the non-directories removed. */
int ag_remove_tree(int dfd, const char *name, const char *path, unsigned *count,
		   struct lc_err *err);
/* Remove every entry of an area's directory for lattice whose name want
 * accepts (with all below it, never following a symlink), then sync the
 * directory; *count grows by the files removed.  A missing directory is
 * nothing to remove. */
typedef int (*ag_name_pred)(const char *name, const void *arg);
int ag_remove_where(int area, const char *lattice, ag_name_pred want, const void *arg,
		    unsigned *count, struct lc_err *err);
/* A small regular file in dir into out (reset first), never through a
 * symlink: AG_E_NOTFOUND when absent, LC_ERR_TOOBIG past max bytes. */
int ag_read_at(const struct ag_dir *dir, const char *name, struct lc_buf *out,
	       size_t max, struct lc_err *err);

/* hashcache.c: a file's sha256 remembered by its identity (device, inode,
 * size, mtime, ctime) under /run/lattice/<lattice>/hashes/. */
struct stat;
int ag_hash_lookup(const char *lattice, int area, const char *name,
		   const struct stat *st, unsigned char out[32]);
void ag_hash_remember(const char *lattice, int area, const char *name,
		      const struct stat *st, const unsigned char sha[32]);
/* ops_files.c: sha256 and size of the open file fd (st its fstat), from
 * the hash cache when it still describes this file, else hashed and
 * remembered. */
int ag_hash_known(const char *lattice, int area, const char *name, int fd,
		  const struct stat *st, unsigned char sha[32], uint64_t *size,
		  struct lc_err *err);

/* ops_host.c: whether systemd is PID 1 (the facts' systemd_pid1). */
int ag_systemd_pid1(void);

/* The operations: 0 with r->reply filled in, or a negative code. */
int ag_op_facts(struct ag_req *r, struct lc_err *err);
int ag_op_stat(struct ag_req *r, struct lc_err *err);
int ag_op_put(struct ag_req *r, struct lc_err *err);
int ag_op_fetch(struct ag_req *r, struct lc_err *err);
int ag_op_lock(struct ag_req *r, struct lc_err *err);
int ag_op_unlock(struct ag_req *r, struct lc_err *err);
int ag_op_wipe(struct ag_req *r, struct lc_err *err);
int ag_op_remove(struct ag_req *r, struct lc_err *err);
int ag_op_unit(struct ag_req *r, struct lc_err *err);
int ag_op_status(struct ag_req *r, struct lc_err *err);
int ag_op_metrics(struct ag_req *r, struct lc_err *err);
/* fetch_tool.c: download url with the host's curl (else wget) into
 * the open file t, hashing it into sha and counting *size; at most max
 * bytes, giving up after timeout_s seconds in all or 60 s without a byte.
 * tool gets "curl" or "wget".  AG_E_FETCH when the host cannot download
 * it (no tool, unreachable, an HTTP error, too large, too slow), the
 * tool's reason in err. */
int ag_fetch_url(struct ag_tmp *t, const char *url, uint64_t max, unsigned timeout_s,
		 unsigned char sha[32], uint64_t *size, const char **tool,
		 struct lc_err *err);
/* ops_lattices.c: every lattice here and its roles' metrics ports. */
int ag_op_lattices(struct ag_req *r, struct lc_err *err);
/* ops_dkg.c: one member's side of the DKG ceremony, kept for the session. */
int ag_op_dkg_begin(struct ag_req *r, struct lc_err *err);
int ag_op_dkg_define(struct ag_req *r, struct lc_err *err);
int ag_op_dkg_deal(struct ag_req *r, struct lc_err *err);
int ag_op_dkg_deliver(struct ag_req *r, struct lc_err *err);
int ag_op_dkg_verdict(struct ag_req *r, struct lc_err *err);
int ag_op_dkg_reveal(struct ag_req *r, struct lc_err *err);
int ag_op_dkg_resolve(struct ag_req *r, struct lc_err *err);
int ag_op_dkg_finish(struct ag_req *r, struct lc_err *err);
void ag_dkg_free(struct ag_dkg *d);
/* ops_dkg_files.c: the share files, pending and active. */
int ag_op_dkg_activate(struct ag_req *r, struct lc_err *err);
int ag_op_dkg_abort(struct ag_req *r, struct lc_err *err);
int ag_op_dkg_status(struct ag_req *r, struct lc_err *err);
/* Remove role's pending shares in lattice, all or all but keep (a name);
 * *count grows by those removed. */
int ag_dkg_drop_pending(const char *lattice, const char *role, const char *keep,
			unsigned *count, struct lc_err *err);
/* "<role>.dkg.pending-<16 hex of the ceremony id>" into out. */
int ag_dkg_pending_name(char *out, size_t n, const char *role, const uint8_t cid[32]);

/* Subcommands besides serve: exit statuses. */
int ag_supervise_main(int argc, char **argv);
int ag_unit_text_main(int argc, char **argv);

#endif
