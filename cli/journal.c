/* journal.c - the state journal: append-only checksummed records, replayed on open, a torn tail cut off. */
/*
 * The file <statedir>/journal (mode 0600) is only ever appended to.  One
 * record per line:
 *
 *	J1 <len> <sum> <json>\n
 *
 * <json>  a compact JSON object (cJSON, no whitespace) with the members
 *         seq, time, run, host, role, step, inputs, outcome, detail, in
 *         that order.  seq is 1 for the first record and one more for each
 *         next; time is Unix seconds; run is 16 lowercase hex digits, drawn
 *         at random by each lc_journal_open; the rest are strings of
 *         printable ASCII (0x20-0x7e) of at most 127, 31, 23, 64, 15 and
 *         255 bytes (struct lc_jrec).  Other bytes are written as '?' and
 *         longer strings cut, before the record is made.  A reader ignores
 *         members it does not know.
 * <len>   the byte length of <json>, in decimal without leading zeros.
 * <sum>   16 lowercase hex digits: the first 8 bytes of BLAKE3
 *         derive_key(JOURNAL_CONTEXT, <json>).
 *
 * A line is at most 64 KiB and the file at most 256 MiB; a longer line or
 * a larger file is refused with an error, never cut.
 *
 * Commit: the whole line in one write() (O_APPEND), then fdatasync(); the
 * directory is fsynced once, when the file is created.  Appends hold a
 * mutex across write and sync, so at most one record is in flight and a
 * killed run can leave only its last line incomplete.
 *
 * Replay checks every line: prefix, length, checksum, JSON, member types,
 * and seq one more than the previous record's.  A bad LAST line (no
 * newline, short, zeros, a bad checksum...) is a torn tail: the file is
 * cut back to the end of the last good record (ftruncate + fsync) with a
 * warning.  A bad line with any line after it is damage: an error naming
 * the line and byte offset, and the remedy (move the journal aside; the
 * next run re-verifies every host against its hashes).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "blake3.h"
#include "hex.h"
#include "journal.h"
#include "banned.h"

#define JOURNAL_CONTEXT "latticectl 2026-11-23 state journal record v1"
#define LINE_MAX_BYTES (64u * 1024)
#define FILE_MAX_BYTES (256u * 1024 * 1024)
#define SUM_BYTES 8
#define KILL_ENV "LATTICECTL_TEST_KILL_AT_COMMIT"

/* Records live in fixed chunks, so a pointer handed out stays valid while
 * later appends grow the journal. */
#define CHUNK_SHIFT 10
#define CHUNK_RECS ((size_t)1 << CHUNK_SHIFT)

/* An open-addressing map from a key of a record to the index of the newest
 * record with that key; slot values are index + 1, 0 is empty. */
struct jidx {
	size_t *slot;
	size_t cap; /* a power of two, or 0 */
	size_t used;
	int any_step; /* the key is (host, role); else (host, role, step) */
};

struct lc_journal {
	pthread_mutex_t mu;
	int fd;
	int broken;        /* a failed write or sync: no more appends */
	int readonly;      /* lc_journal_open_ro */
	char path[PATH_MAX];
	char run[17];
	unsigned long kill_at; /* LATTICECTL_TEST_KILL_AT_COMMIT */
	unsigned long commits; /* appends made through this handle */
	uint64_t size;     /* bytes of good records in the file */
	struct lc_jrec **chunk;
	size_t nchunk, chunk_cap;
	size_t n;
	struct jidx by_step, by_role;
};

void lc_ascii_copy(char *dst, size_t size, const char *src)
{
	size_t i = 0;

	if (!size)
		return;
	for (; src && src[i] && i + 1 < size; i++) {
		unsigned char c = (unsigned char)src[i];

		dst[i] = c >= 0x20 && c <= 0x7e ? (char)c : '?';
	}
	dst[i] = '\0';
}

static struct lc_jrec *rec_at(const struct lc_journal *j, size_t i)
{
	return &j->chunk[i >> CHUNK_SHIFT][i & (CHUNK_RECS - 1)];
}

/* Room for record n (not yet counted), or NULL when out of memory. */
static struct lc_jrec *rec_reserve(struct lc_journal *j)
{
	size_t c = j->n >> CHUNK_SHIFT;

	if (c == j->nchunk) {
		if (j->nchunk == j->chunk_cap) {
			size_t ncap = j->chunk_cap ? 2 * j->chunk_cap : 16;
			struct lc_jrec **p = realloc(j->chunk, ncap * sizeof(*p));

			if (!p)
				return NULL;
			j->chunk = p;
			j->chunk_cap = ncap;
		}
		if (!(j->chunk[c] = malloc(CHUNK_RECS * sizeof(struct lc_jrec))))
			return NULL;
		j->nchunk++;
	}
	return rec_at(j, j->n);
}

/* FNV-1a over host, role and (unless any_step) step, NUL-separated. */
static uint64_t key_hash(const char *host, const char *role, const char *step)
{
	const char *parts[3] = { host, role, step };
	uint64_t h = 14695981039346656037ull;
	int k;

	for (k = 0; k < 3 && parts[k]; k++) {
		const unsigned char *s = (const unsigned char *)parts[k];

		do {
			h ^= *s;
			h *= 1099511628211ull;
		} while (*s++);
	}
	return h;
}

static int key_eq(const struct lc_jrec *r, const char *host, const char *role,
		  const char *step)
{
	return !strcmp(r->host, host) && !strcmp(r->role, role) &&
	       (!step || !strcmp(r->step, step));
}

/* The slot holding the key, or the empty slot where it would go. */
static size_t *idx_find(const struct lc_journal *j, const struct jidx *x,
			const char *host, const char *role, const char *step)
{
	size_t mask = x->cap - 1;
	size_t i = (size_t)key_hash(host, role, x->any_step ? NULL : step) & mask;

	for (;; i = (i + 1) & mask) {
		size_t v = x->slot[i];

		if (!v || key_eq(rec_at(j, v - 1), host, role,
				 x->any_step ? NULL : step))
			return &x->slot[i];
	}
}

static int idx_grow(const struct lc_journal *j, struct jidx *x)
{
	struct jidx nx = { NULL, x->cap ? 2 * x->cap : 1024, 0, x->any_step };
	size_t i;

	if (!(nx.slot = calloc(nx.cap, sizeof(*nx.slot))))
		return -1;
	for (i = 0; i < x->cap; i++) {
		const struct lc_jrec *r;

		if (!x->slot[i])
			continue;
		r = rec_at(j, x->slot[i] - 1);
		*idx_find(j, &nx, r->host, r->role, r->step) = x->slot[i];
		nx.used++;
	}
	free(x->slot);
	*x = nx;
	return 0;
}

/* Make record i the newest of its key. */
static int idx_put(const struct lc_journal *j, struct jidx *x, size_t i)
{
	const struct lc_jrec *r = rec_at(j, i);
	size_t *s;

	if (2 * (x->used + 1) > x->cap && idx_grow(j, x))
		return -1;
	s = idx_find(j, x, r->host, r->role, r->step);
	if (!*s)
		x->used++;
	*s = i + 1;
	return 0;
}

/* Count record n (already written at rec_at(j, n)) and index it. */
static int rec_commit(struct lc_journal *j)
{
	if (idx_put(j, &j->by_step, j->n) || idx_put(j, &j->by_role, j->n))
		return -1;
	j->n++;
	return 0;
}

static void checksum(char out[2 * SUM_BYTES + 1], const char *json, size_t len)
{
	uint8_t d[SUM_BYTES];

	lc_blake3_derive_key(d, sizeof(d), JOURNAL_CONTEXT, json, len);
	lc_hex_encode(out, d, sizeof(d));
}

/* A JSON string member of at most size - 1 printable bytes into dst. */
static int get_str(char *dst, size_t size, const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	size_t i;

	if (!cJSON_IsString(v) || !v->valuestring)
		return -1;
	for (i = 0; v->valuestring[i]; i++) {
		unsigned char c = (unsigned char)v->valuestring[i];

		if (i + 1 >= size || c < 0x20 || c > 0x7e)
			return -1;
		dst[i] = (char)c;
	}
	dst[i] = '\0';
	return 0;
}

/* A JSON number member that is an integer in [min, 2^53]. */
static int get_int(double *out, const cJSON *o, const char *name, double min)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	if (!cJSON_IsNumber(v) || !(v->valuedouble >= min) ||
	    v->valuedouble > 9007199254740992.0 ||
	    v->valuedouble != (double)(int64_t)v->valuedouble)
		return -1;
	*out = v->valuedouble;
	return 0;
}

/*
 * Check one line (without its newline) and fill r; NULL when it is a good
 * record, else why not.
 */
static const char *parse_line(struct lc_jrec *r, const char *line, size_t n)
{
	char want[2 * SUM_BYTES + 1];
	const char *json, *end = NULL, *why = NULL;
	size_t p = 3, len = 0, jlen;
	double seq = 0, t = 0;
	cJSON *o;

	if (n < 3 || memcmp(line, "J1 ", 3))
		return "it does not start with 'J1 '";
	while (p < n && line[p] >= '0' && line[p] <= '9' && p < 9)
		len = len * 10 + (size_t)(line[p++] - '0');
	if (p == 3 || p == 9 || (p > 4 && line[3] == '0') || p >= n || line[p] != ' ')
		return "its length field is bad";
	p++;
	if (n - p < 2 * SUM_BYTES + 1 || line[p + 2 * SUM_BYTES] != ' ')
		return "its checksum field is bad";
	json = line + p + 2 * SUM_BYTES + 1;
	jlen = n - p - 2 * SUM_BYTES - 1;
	if (jlen != len)
		return "it is shorter or longer than its length field says";
	checksum(want, json, jlen);
	if (memcmp(want, line + p, 2 * SUM_BYTES))
		return "its checksum does not match";
	o = cJSON_ParseWithLengthOpts(json, jlen, &end, 0);
	if (!cJSON_IsObject(o) || end != json + jlen) {
		cJSON_Delete(o);
		return "it is not one JSON object";
	}
	memset(r, 0, sizeof(*r));
	if (get_int(&seq, o, "seq", 1) || get_int(&t, o, "time", -9007199254740992.0) ||
	    get_str(r->run, sizeof(r->run), o, "run") || strlen(r->run) != 16 ||
	    strspn(r->run, "0123456789abcdef") != 16 ||
	    get_str(r->host, sizeof(r->host), o, "host") ||
	    get_str(r->role, sizeof(r->role), o, "role") ||
	    get_str(r->step, sizeof(r->step), o, "step") ||
	    get_str(r->inputs, sizeof(r->inputs), o, "inputs") ||
	    get_str(r->outcome, sizeof(r->outcome), o, "outcome") ||
	    get_str(r->detail, sizeof(r->detail), o, "detail"))
		why = "a member is missing, of the wrong type or too long";
	r->seq = (uint64_t)seq;
	r->time = (int64_t)t;
	cJSON_Delete(o);
	return why;
}

static void damage_hint(struct lc_journal *j, struct lc_err *err)
{
	lc_err_hint(err, "move the journal aside (mv %s %s.damaged); the next run "
		    "re-verifies every host against its hashes and nothing on the "
		    "hosts is lost", j->path, j->path);
}

/* Read the whole file (at most FILE_MAX_BYTES) into *out. */
static int read_all(struct lc_journal *j, char **out, size_t *len,
		    struct lc_err *err)
{
	struct stat st;
	size_t got = 0;
	char *b;

	if (fstat(j->fd, &st) < 0)
		return lc_err_set(err, "cannot stat '%s': %s", j->path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return lc_err_set(err, "'%s' is not a regular file", j->path);
	if ((uint64_t)st.st_size > FILE_MAX_BYTES) {
		lc_err_setc(err, LC_ERR_TOOBIG, "'%s' is larger than 256 MiB (%lld bytes)",
			    j->path, (long long)st.st_size);
		damage_hint(j, err);
		return LC_ERR_TOOBIG;
	}
	if (!(b = malloc((size_t)st.st_size + 1)))
		return lc_err_setc(err, LC_ERR_NOMEM, "out of memory reading '%s'", j->path);
	while (got < (size_t)st.st_size) {
		ssize_t r = pread(j->fd, b + got, (size_t)st.st_size - got, (off_t)got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(b);
			return lc_err_set(err, "cannot read '%s': %s", j->path, strerror(errno));
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	*out = b;
	*len = got;
	return 0;
}

/* Cut the file to its good records and say so in warn. */
static int cut_tail(struct lc_journal *j, size_t size, struct lc_buf *warn,
		    struct lc_err *err)
{
	size_t torn = size - (size_t)j->size;

	if (ftruncate(j->fd, (off_t)j->size) < 0 || fsync(j->fd) < 0)
		return lc_err_set(err, "cannot cut the torn last record off '%s': %s",
				  j->path, strerror(errno));
	if (warn)
		lc_buf_printf(warn, "warning: %s: cut off a torn last record (%zu bytes) "
			      "left by an interrupted run\n", j->path, torn);
	return 0;
}

static int replay(struct lc_journal *j, struct lc_buf *warn, struct lc_err *err)
{
	char *b = NULL;
	size_t size = 0, pos = 0;
	unsigned long lineno = 0;
	int rc;

	if ((rc = read_all(j, &b, &size, err)))
		return rc;
	rc = 0;
	while (pos < size) {
		size_t rest = size - pos, n;
		const char *nl = memchr(b + pos, '\n', rest < LINE_MAX_BYTES ? rest : LINE_MAX_BYTES);
		const char *why;
		struct lc_jrec *r;

		lineno++;
		if (!nl && rest >= LINE_MAX_BYTES) {
			rc = lc_err_set(err, "'%s': line %lu (byte offset %zu) is longer than 64 KiB",
					j->path, lineno, pos);
			damage_hint(j, err);
			goto out;
		}
		n = nl ? (size_t)(nl - (b + pos)) : rest;
		if (!(r = rec_reserve(j))) {
			rc = lc_err_setc(err, LC_ERR_NOMEM, "out of memory replaying '%s'", j->path);
			goto out;
		}
		why = nl ? parse_line(r, b + pos, n) : "it has no newline at its end";
		if (!why && r->seq != j->n + 1)
			why = "its seq does not follow the previous record's";
		if (why && pos + n + (nl ? 1 : 0) == size) {
			rc = j->readonly ? 0 : cut_tail(j, size, warn, err);
			goto out;
		}
		if (why) {
			rc = lc_err_set(err, "'%s' is damaged at line %lu (byte offset %zu): %s",
					j->path, lineno, pos, why);
			damage_hint(j, err);
			goto out;
		}
		if (rec_commit(j)) {
			rc = lc_err_setc(err, LC_ERR_NOMEM, "out of memory replaying '%s'", j->path);
			goto out;
		}
		pos += n + 1;
		j->size = pos;
	}
out:
	free(b);
	return rc;
}

/* Open the journal, creating it (and syncing its directory) when absent. */
static int open_file(struct lc_journal *j, const char *statedir, struct lc_err *err)
{
	const int flags = O_RDWR | O_APPEND | O_CLOEXEC | O_NOFOLLOW;
	int dfd, tries;

	for (tries = 0; tries < 2; tries++) {
		if ((j->fd = open(j->path, flags)) >= 0)
			return 0;
		if (errno != ENOENT)
			break;
		if ((j->fd = open(j->path, flags | O_CREAT | O_EXCL, 0600)) >= 0) {
			dfd = open(statedir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (dfd < 0 || fsync(dfd) < 0) {
				lc_err_set(err, "cannot sync directory '%s': %s", statedir,
					   strerror(errno));
				if (dfd >= 0)
					close(dfd);
				return -1;
			}
			close(dfd);
			return 0;
		}
		if (errno != EEXIST)
			break;
	}
	return lc_err_set(err, "cannot open '%s': %s", j->path, strerror(errno));
}

static int journal_open(struct lc_journal **out, const char *statedir, int readonly,
			struct lc_buf *warn, struct lc_err *err)
{
	struct lc_journal *j;
	uint8_t id[8];
	const char *env;
	int rc;

	*out = NULL;
	if (!(j = calloc(1, sizeof(*j))))
		return lc_err_setc(err, LC_ERR_NOMEM, "out of memory");
	j->fd = -1;
	j->by_role.any_step = 1;
	if (pthread_mutex_init(&j->mu, NULL)) {
		free(j);
		return lc_err_setc(err, LC_ERR_NOMEM, "cannot make a mutex");
	}
	if ((size_t)snprintf(j->path, sizeof(j->path), "%s/journal", statedir) >=
	    sizeof(j->path)) {
		rc = lc_err_set(err, "path too long: '%s/journal'", statedir);
		goto fail;
	}
	if (sodium_init() < 0) {
		rc = lc_err_set(err, "cannot initialise libsodium");
		goto fail;
	}
	randombytes_buf(id, sizeof(id));
	lc_hex_encode(j->run, id, sizeof(id));
#ifdef LC_TEST_HOOKS
	if ((env = getenv(KILL_ENV)) && *env)
		j->kill_at = strtoul(env, NULL, 10);
#else
	(void)env;
#endif
	if (readonly) {
		j->readonly = 1;
		if ((j->fd = open(j->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
			rc = errno == ENOENT ? 0 : lc_err_set(err, "cannot open '%s': %s",
							      j->path, strerror(errno));
			goto fail;
		}
	} else if ((rc = open_file(j, statedir, err))) {
		goto fail;
	}
	if ((rc = replay(j, warn, err)))
		goto fail;
	*out = j;
	return 0;
fail:
	lc_journal_close(j);
	return rc;
}

int lc_journal_open(struct lc_journal **out, const char *statedir,
		    struct lc_buf *warn, struct lc_err *err)
{
	return journal_open(out, statedir, 0, warn, err);
}

int lc_journal_open_ro(struct lc_journal **out, const char *statedir,
		       struct lc_err *err)
{
	return journal_open(out, statedir, 1, NULL, err);
}

void lc_journal_close(struct lc_journal *j)
{
	size_t c;

	if (!j)
		return;
	if (j->fd >= 0)
		close(j->fd);
	for (c = 0; c < j->nchunk; c++)
		free(j->chunk[c]);
	free(j->chunk);
	free(j->by_step.slot);
	free(j->by_role.slot);
	pthread_mutex_destroy(&j->mu);
	free(j);
}

/* The readers lock too: an append may be growing the tables. */
static void lock_ro(const struct lc_journal *j)
{
	pthread_mutex_lock((pthread_mutex_t *)&j->mu);
}

static void unlock_ro(const struct lc_journal *j)
{
	pthread_mutex_unlock((pthread_mutex_t *)&j->mu);
}

size_t lc_journal_count(const struct lc_journal *j)
{
	size_t n;

	lock_ro(j);
	n = j->n;
	unlock_ro(j);
	return n;
}

const struct lc_jrec *lc_journal_rec(const struct lc_journal *j, size_t i)
{
	const struct lc_jrec *r = NULL;

	lock_ro(j);
	if (i < j->n)
		r = rec_at(j, i);
	unlock_ro(j);
	return r;
}

const struct lc_jrec *lc_journal_last(const struct lc_journal *j,
				      const char *host, const char *role,
				      const char *step)
{
	struct lc_jrec k;
	const struct jidx *x = step ? &j->by_step : &j->by_role;
	const struct lc_jrec *r = NULL;
	size_t *s;

	/* Look for the key as append would have stored it. */
	lc_ascii_copy(k.host, sizeof(k.host), host);
	lc_ascii_copy(k.role, sizeof(k.role), role);
	lc_ascii_copy(k.step, sizeof(k.step), step);
	lock_ro(j);
	if (x->cap) {
		s = idx_find(j, x, k.host, k.role, k.step);
		if (*s)
			r = rec_at(j, *s - 1);
	}
	unlock_ro(j);
	return r;
}

/* The line for r: "J1 <len> <sum> <json>\n"; free() it. */
static char *format_line(const struct lc_jrec *r, size_t *len)
{
	char sum[2 * SUM_BYTES + 1], *json = NULL, *line = NULL;
	size_t jlen, cap;
	cJSON *o = cJSON_CreateObject();
	int n;

	if (!o || !cJSON_AddNumberToObject(o, "seq", (double)r->seq) ||
	    !cJSON_AddNumberToObject(o, "time", (double)r->time) ||
	    !cJSON_AddStringToObject(o, "run", r->run) ||
	    !cJSON_AddStringToObject(o, "host", r->host) ||
	    !cJSON_AddStringToObject(o, "role", r->role) ||
	    !cJSON_AddStringToObject(o, "step", r->step) ||
	    !cJSON_AddStringToObject(o, "inputs", r->inputs) ||
	    !cJSON_AddStringToObject(o, "outcome", r->outcome) ||
	    !cJSON_AddStringToObject(o, "detail", r->detail) ||
	    !(json = cJSON_PrintUnformatted(o)))
		goto out;
	jlen = strlen(json);
	checksum(sum, json, jlen);
	cap = jlen + 64;
	if (!(line = malloc(cap)))
		goto out;
	n = snprintf(line, cap, "J1 %zu %s %s\n", jlen, sum, json);
	*len = (size_t)n;
out:
	cJSON_free(json);
	cJSON_Delete(o);
	return line;
}

static void clean_rec(struct lc_jrec *r)
{
	lc_ascii_copy(r->host, sizeof(r->host), r->host);
	lc_ascii_copy(r->role, sizeof(r->role), r->role);
	lc_ascii_copy(r->step, sizeof(r->step), r->step);
	lc_ascii_copy(r->inputs, sizeof(r->inputs), r->inputs);
	lc_ascii_copy(r->outcome, sizeof(r->outcome), r->outcome);
	lc_ascii_copy(r->detail, sizeof(r->detail), r->detail);
}

/* Write the line in one write() and sync it; undo a partial write. */
static int commit_line(struct lc_journal *j, const char *line, size_t len,
		       struct lc_err *err)
{
	ssize_t w;
	int e;

	do
		w = write(j->fd, line, len);
	while (w < 0 && errno == EINTR);
	if (w != (ssize_t)len) {
		e = w < 0 ? errno : ENOSPC;
		/* Take a partial record back off, or the next would follow it. */
		if (w > 0 && (ftruncate(j->fd, (off_t)j->size) < 0 || fsync(j->fd) < 0))
			j->broken = 1;
		return lc_err_set(err, "cannot append to '%s': %s", j->path, strerror(e));
	}
	if (fdatasync(j->fd) < 0) {
		/* After a failed sync the kernel may have dropped the data:
		 * nothing more may be built on this file in this run. */
		j->broken = 1;
		return lc_err_set(err, "cannot sync '%s': %s", j->path, strerror(errno));
	}
	return 0;
}

int lc_journal_append(struct lc_journal *j, struct lc_jrec *r,
		      struct lc_err *err)
{
	struct lc_jrec *slot;
	char *line = NULL;
	size_t len = 0;
	int rc = -1;

	pthread_mutex_lock(&j->mu);
	if (j->readonly) {
		lc_err_set(err, "'%s' is open read-only", j->path);
		goto out;
	}
	if (j->broken) {
		lc_err_set(err, "cannot append to '%s': an earlier write or sync failed",
			   j->path);
		lc_err_hint(err, "check the disk holding it, then run again");
		goto out;
	}
	clean_rec(r);
	if (!r->step[0] || !r->outcome[0]) {
		lc_err_set(err, "journal record without a step or an outcome");
		goto out;
	}
	r->seq = (uint64_t)j->n + 1;
	if (!r->time)
		r->time = (int64_t)time(NULL);
	memcpy(r->run, j->run, sizeof(r->run));
	if (!(slot = rec_reserve(j)) || !(line = format_line(r, &len))) {
		rc = lc_err_setc(err, LC_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (len > LINE_MAX_BYTES) {
		rc = lc_err_setc(err, LC_ERR_TOOBIG, "journal record of %zu bytes is over 64 KiB", len);
		goto out;
	}
	if (j->size + len > FILE_MAX_BYTES) {
		rc = lc_err_setc(err, LC_ERR_TOOBIG, "'%s' is full (256 MiB)", j->path);
		lc_err_hint(err, "move it aside (mv %s %s.old); the next run re-verifies "
			    "every host against its hashes and nothing on the hosts is lost",
			    j->path, j->path);
		goto out;
	}
	if (commit_line(j, line, len, err))
		goto out;
	j->size += len;
	*slot = *r;
	if (rec_commit(j)) {
		/* Durable, but not indexed: stop rather than answer wrongly. */
		j->broken = 1;
		rc = lc_err_setc(err, LC_ERR_NOMEM, "out of memory");
		goto out;
	}
	rc = 0;
	if (++j->commits == j->kill_at)
		kill(getpid(), SIGKILL);
out:
	pthread_mutex_unlock(&j->mu);
	free(line);
	return rc;
}

int lc_journal_note(struct lc_journal *j, const char *host, const char *role,
		    const char *step, const char *inputs, const char *outcome,
		    struct lc_err *err, const char *detail_fmt, ...)
{
	struct lc_jrec r;
	va_list ap;

	memset(&r, 0, sizeof(r));
	lc_ascii_copy(r.host, sizeof(r.host), host);
	lc_ascii_copy(r.role, sizeof(r.role), role);
	lc_ascii_copy(r.step, sizeof(r.step), step);
	lc_ascii_copy(r.inputs, sizeof(r.inputs), inputs);
	lc_ascii_copy(r.outcome, sizeof(r.outcome), outcome);
	va_start(ap, detail_fmt);
	vsnprintf(r.detail, sizeof(r.detail), detail_fmt, ap);
	va_end(ap);
	return lc_journal_append(j, &r, err);
}
