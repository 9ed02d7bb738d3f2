/* test_journal.c - the state journal (format, replay, torn tails, damage, threads, the kill hook) and the local lock. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "blake3.h"
#include "buf.h"
#include "fileio.h"
#include "hex.h"
#include "journal.h"
#include "unit.h"
#include "banned.h"

/* The documented checksum context (journal.c, latticectl(1) STATE). */
#define CONTEXT "latticectl 2026-11-23 state journal record v1"

static char *mkdir_tmp(void)
{
	char *d = malloc(64);

	snprintf(d, 64, "/tmp/lc-journal-XXXXXX");
	if (!mkdtemp(d)) {
		perror("mkdtemp");
		exit(1);
	}
	return d;
}

/* Remove dir and the plain files in it. */
static void rm_tmp(char *dir)
{
	char path[512];
	struct dirent *e;
	DIR *d = opendir(dir);

	while (d && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	CHECK(rmdir(dir) == 0);
	free(dir);
}

static void jpath(char out[512], const char *dir)
{
	snprintf(out, 512, "%s/journal", dir);
}

/* The journal's bytes (reset first). */
static void slurp(struct lc_buf *b, const char *dir)
{
	char p[512];
	struct lc_err err;

	jpath(p, dir);
	lc_buf_reset(b);
	if (lc_read_file(b, p, 512u << 20, &err))
		fprintf(stderr, "    %s\n", err.msg);
}

static void spit(const char *dir, const void *data, size_t len)
{
	char p[512];
	int fd;

	jpath(p, dir);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0 && lc_write_all(fd, data, len) == 0);
	close(fd);
}

static off_t fsize(const char *dir, const char *name)
{
	char p[512];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return stat(p, &st) == 0 ? st.st_size : -1;
}

/* Offsets of the starts of each line of b, and of its end: n + 1 entries. */
static size_t line_starts(const struct lc_buf *b, size_t *starts, size_t max)
{
	size_t n = 0, i;

	starts[n++] = 0;
	for (i = 0; i < b->len && n < max; i++)
		if (b->ptr[i] == '\n')
			starts[n++] = i + 1;
	return n - 1;
}

/*
 * Our own writer of the documented format, independent of journal.c:
 * append to b the line for one record.
 */
static void doc_line(struct lc_buf *b, unsigned long long seq, const char *host,
		     const char *role, const char *step, const char *outcome,
		     const char *detail)
{
	char json[1024], sum[17];
	uint8_t d[8];
	int n;

	n = snprintf(json, sizeof(json),
		     "{\"seq\":%llu,\"time\":1795000000,\"run\":\"00112233445566ff\","
		     "\"host\":\"%s\",\"role\":\"%s\",\"step\":\"%s\",\"inputs\":"
		     "\"0b1ecc5b8c6ee0b5b3de2c5e0dbe9cb0b24d9f1ba5e7ab2d2b1f3bfdb1bd2f11\","
		     "\"outcome\":\"%s\",\"detail\":\"%s\"}",
		     seq, host, role, step, outcome, detail);
	lc_blake3_derive_key(d, sizeof(d), CONTEXT, json, (size_t)n);
	lc_hex_encode(sum, d, sizeof(d));
	lc_buf_printf(b, "J1 %d %s %s\n", n, sum, json);
}

static struct lc_journal *open_ok(const char *dir, struct lc_buf *warn)
{
	struct lc_journal *j = NULL;
	struct lc_err err;

	lc_err_clear(&err);
	if (warn)
		lc_buf_reset(warn);
	CHECKF(lc_journal_open(&j, dir, warn, &err) == 0, "%s", err.msg);
	return j;
}

static int note(struct lc_journal *j, const char *host, const char *role,
		const char *step, const char *outcome, const char *detail)
{
	struct lc_err err;
	int rc = lc_journal_note(j, host, role, step, "", outcome, &err, "%s", detail);

	CHECKF(rc == 0, "%s", err.msg);
	return rc;
}

static void round_trip(void)
{
	char *dir = mkdir_tmp(), longhost[300], run1[17];
	struct lc_buf b, warn;
	struct lc_journal *j;
	struct lc_jrec r;
	struct lc_err err;
	const struct lc_jrec *g;
	size_t st[8], nl, i;
	struct stat sb;
	time_t t_before;
	char p[512];

	lc_buf_init(&b, LC_BUF_NOMAX);
	lc_buf_init(&warn, LC_BUF_NOMAX);
	j = open_ok(dir, &warn);
	if (!j)
		goto out;
	CHECK(lc_journal_count(j) == 0 && warn.len == 0);
	jpath(p, dir);
	CHECK(stat(p, &sb) == 0 && (sb.st_mode & 0777) == 0600);
	memset(longhost, 'h', sizeof(longhost) - 1);
	longhost[sizeof(longhost) - 1] = '\0';
	note(j, "", "", "config", "done", "lattice acme, id 1f2e");
	t_before = time(NULL);
	note(j, "h1.example", "zipnet-server", "connect", "begin", "ssh root@h1 \"quoted\" \\ back");
	memset(&r, 0, sizeof(r));
	memcpy(r.host, longhost, sizeof(r.host)); /* no NUL: append cuts it */
	snprintf(r.role, sizeof(r.role), "tally-member");
	snprintf(r.step, sizeof(r.step), "files");
	snprintf(r.inputs, sizeof(r.inputs), "%064d", 7);
	snprintf(r.outcome, sizeof(r.outcome), "failed");
	snprintf(r.detail, sizeof(r.detail), "caf\xc3\xa9\x01\ttab");
	r.time = 1234567;
	CHECKF(lc_journal_append(j, &r, &err) == 0, "%s", err.msg);
	CHECK(r.seq == 3 && r.time == 1234567 && strlen(r.run) == 16);
	CHECK(strlen(r.host) == sizeof(r.host) - 1);
	CHECK(!strcmp(r.detail, "caf????tab"));
	memcpy(run1, r.run, sizeof(run1));
	/* An empty step is refused and writes nothing. */
	CHECK(lc_journal_note(j, "h", "r", "", "", "done", &err, "x") == -1);
	CHECK(lc_journal_count(j) == 3);
	lc_journal_close(j);

	/* The file is the documented format: prefix, length, checksum. */
	slurp(&b, dir);
	nl = line_starts(&b, st, 8);
	CHECK(nl == 3);
	for (i = 0; i < nl && i < 3; i++) {
		const char *line = b.ptr + st[i], *json;
		unsigned len = 0;
		char sum[17], want[17];
		uint8_t d[8];

		CHECK(sscanf(line, "J1 %u %16s ", &len, sum) == 2);
		json = strchr(strchr(line + 3, ' ') + 1, ' ') + 1;
		CHECK(json + len + 1 == b.ptr + st[i + 1] && json[len] == '\n');
		lc_blake3_derive_key(d, sizeof(d), CONTEXT, json, len);
		lc_hex_encode(want, d, sizeof(d));
		CHECK(!strcmp(sum, want));
		CHECK(!strncmp(json, "{\"seq\":", 7));
	}

	j = open_ok(dir, &warn);
	if (!j)
		goto out;
	CHECK(lc_journal_count(j) == 3 && warn.len == 0);
	for (i = 0; i < 3; i++)
		CHECK((g = lc_journal_rec(j, i)) && g->seq == i + 1 && !strcmp(g->run, run1));
	CHECK(lc_journal_rec(j, 3) == NULL);
	g = lc_journal_rec(j, 1);
	CHECK(!strcmp(g->host, "h1.example") && !strcmp(g->role, "zipnet-server") &&
	      !strcmp(g->step, "connect") && !strcmp(g->outcome, "begin") &&
	      !strcmp(g->detail, "ssh root@h1 \"quoted\" \\ back") && g->inputs[0] == '\0');
	CHECK(g->time >= (int64_t)t_before && g->time <= (int64_t)time(NULL));
	g = lc_journal_rec(j, 2);
	CHECK(!strcmp(g->host, r.host) && !strcmp(g->inputs, r.inputs) &&
	      g->time == 1234567 && !strcmp(g->detail, "caf????tab"));
	/* A new open is a new run; seq goes on. */
	note(j, "h1.example", "zipnet-server", "connect", "done", "");
	g = lc_journal_rec(j, 3);
	CHECK(g && g->seq == 4 && strcmp(g->run, run1) && strlen(g->run) == 16);
	lc_journal_close(j);

	/* Our own writer's lines are read too (the format is the document). */
	lc_buf_reset(&b);
	doc_line(&b, 1, "h9", "relay-member", "start", "done", "written by the test");
	spit(dir, b.ptr, b.len);
	j = open_ok(dir, &warn);
	CHECK(j && lc_journal_count(j) == 1 && !strcmp(lc_journal_rec(j, 0)->detail, "written by the test"));
	lc_journal_close(j);
out:
	lc_buf_release(&b);
	lc_buf_release(&warn);
	rm_tmp(dir);
}

/* The newest record for the key, by scanning every record backwards. */
static const struct lc_jrec *scan_last(struct lc_journal *j, const char *host,
				       const char *role, const char *step)
{
	size_t i = lc_journal_count(j);

	while (i--) {
		const struct lc_jrec *r = lc_journal_rec(j, i);

		if (!strcmp(r->host, host) && !strcmp(r->role, role) &&
		    (!step || !strcmp(r->step, step)))
			return r;
	}
	return NULL;
}

static void last_semantics(void)
{
	static const char *steps[] = { "connect", "files", "unit", "start" };
	char *dir = mkdir_tmp(), h[16], ro[16];
	struct lc_journal *j = open_ok(dir, NULL);
	const struct lc_jrec *r;
	unsigned seed = 7, i, mism = 0, pass;

	if (!j)
		goto out;
	CHECK(lc_journal_last(j, "h1", "zipnet-server", "connect") == NULL);
	CHECK(lc_journal_last(j, "h1", "zipnet-server", NULL) == NULL);
	note(j, "h1", "zipnet-server", "connect", "begin", "a");
	note(j, "h1", "zipnet-server", "connect", "done", "b");
	note(j, "h1", "zipnet-server", "start", "failed", "c");
	note(j, "h2", "", "connect", "done", "d");
	note(j, "", "", "config", "done", "e");
	for (pass = 0; pass < 2; pass++) {
		r = lc_journal_last(j, "h1", "zipnet-server", "connect");
		CHECK(r && r->seq == 2 && !strcmp(r->outcome, "done"));
		r = lc_journal_last(j, "h1", "zipnet-server", NULL);
		CHECK(r && r->seq == 3 && !strcmp(r->step, "start"));
		CHECK(lc_journal_last(j, "h1", "", "connect") == NULL);
		CHECK(lc_journal_last(j, "h1", "zipnet", "connect") == NULL);
		r = lc_journal_last(j, "h2", "", NULL);
		CHECK(r && r->seq == 4);
		r = lc_journal_last(j, "", "", "config");
		CHECK(r && r->seq == 5);
		CHECK(lc_journal_last(j, "h3", "zipnet-server", NULL) == NULL);
		/* The index is rebuilt by replay. */
		lc_journal_close(j);
		if (!(j = open_ok(dir, NULL)))
			goto out;
	}
	/* Many keys (the index grows and rehashes): it agrees with a scan. */
	for (i = 0; i < 3000; i++) {
		seed = seed * 1103515245u + 12345u;
		snprintf(h, sizeof(h), "h%u", (seed >> 8) % 40);
		snprintf(ro, sizeof(ro), "r%u", (seed >> 16) % 7);
		note(j, h, ro, steps[(seed >> 4) % 4], "done", "");
	}
	for (i = 0; i < 41 * 8 * 5; i++) {
		const char *step = i % 5 == 4 ? NULL : steps[i % 5];

		snprintf(h, sizeof(h), "h%u", i / 40);
		snprintf(ro, sizeof(ro), "r%u", (i / 5) % 8);
		if (lc_journal_last(j, h, ro, step) != scan_last(j, h, ro, step))
			mism++;
	}
	CHECKF(mism == 0, "%u lookups disagree with a scan", mism);
	lc_journal_close(j);
out:
	rm_tmp(dir);
}

/* Cut at every byte inside the last record: cut back, warned; an append works. */
static void torn_tail(void)
{
	char *dir = mkdir_tmp(), want[160];
	struct lc_journal *j = open_ok(dir, NULL);
	struct lc_buf full, b, warn;
	size_t st[8], cut, bad = 0, last;

	lc_buf_init(&full, LC_BUF_NOMAX);
	lc_buf_init(&b, LC_BUF_NOMAX);
	lc_buf_init(&warn, LC_BUF_NOMAX);
	if (!j)
		goto out;
	note(j, "h1", "offer-member", "files", "begin", "one");
	note(j, "h1", "offer-member", "files", "done", "two");
	note(j, "h1", "offer-member", "unit", "begin", "three");
	lc_journal_close(j);
	slurp(&full, dir);
	CHECK(line_starts(&full, st, 8) == 3);
	last = st[2];
	for (cut = last; cut < full.len; cut++) {
		int ok;

		spit(dir, full.ptr, cut);
		if (!(j = open_ok(dir, &warn))) {
			bad++;
			continue;
		}
		snprintf(want, sizeof(want), "warning: %s/journal: cut off a torn last "
			 "record (%zu bytes) left by an interrupted run\n", dir, cut - last);
		ok = lc_journal_count(j) == 2 && fsize(dir, "journal") == (off_t)last &&
		     (cut == last ? warn.len == 0 : !strcmp(warn.ptr, want));
		ok = ok && note(j, "h1", "offer-member", "unit", "done", "again") == 0;
		lc_journal_close(j);
		j = open_ok(dir, &warn);
		ok = ok && j && lc_journal_count(j) == 3 && warn.len == 0 &&
		     lc_journal_rec(j, 2)->seq == 3 &&
		     !strcmp(lc_journal_rec(j, 2)->detail, "again");
		lc_journal_close(j);
		if (!ok) {
			bad++;
			fprintf(stderr, "    cut at %zu: %s", cut, warn.ptr);
		}
	}
	CHECKF(bad == 0, "%zu of %zu cuts went wrong", bad, full.len - last);
	CHECK(full.len - last > 100);

	/* Zeros after the last good record (a crash before the data). */
	lc_buf_reset(&b);
	lc_buf_add(&b, full.ptr, full.len);
	lc_buf_add(&b, (char[4096]){ 0 }, 4096);
	spit(dir, b.ptr, b.len);
	j = open_ok(dir, &warn);
	CHECK(j && lc_journal_count(j) == 3 && strstr(warn.ptr, "(4096 bytes)"));
	CHECK(fsize(dir, "journal") == (off_t)full.len);
	lc_journal_close(j);
out:
	lc_buf_release(&full);
	lc_buf_release(&b);
	lc_buf_release(&warn);
	rm_tmp(dir);
}

/* A journal of five records, written by the test's own writer. */
static void five(struct lc_buf *b, int gap_at)
{
	unsigned long long seq;
	int i;

	lc_buf_reset(b);
	for (i = 1, seq = 1; i <= 5; i++, seq++) {
		if (i == gap_at)
			seq++;
		doc_line(b, seq, "h4", "unseal-member", "env", "done", "record");
	}
}

static void damage(void)
{
	char *dir = mkdir_tmp(), want[64];
	struct lc_buf b, warn;
	struct lc_journal *j = NULL;
	struct lc_err err;
	size_t st[8];
	int rc;

	lc_buf_init(&b, LC_BUF_NOMAX);
	lc_buf_init(&warn, LC_BUF_NOMAX);

	/* A flipped byte in the middle: an error naming line and offset. */
	five(&b, 0);
	CHECK(line_starts(&b, st, 8) == 5);
	b.ptr[st[2] + 60] ^= 0x01;
	spit(dir, b.ptr, b.len);
	rc = lc_journal_open(&j, dir, &warn, &err);
	CHECK(rc == -1 && j == NULL);
	snprintf(want, sizeof(want), "at line 3 (byte offset %zu)", st[2]);
	CHECKF(strstr(err.msg, want) && strstr(err.msg, dir), "%s", err.msg);
	CHECKF(strstr(err.hint, "journal.damaged") && strstr(err.hint, "mv "), "%s", err.hint);
	CHECK(fsize(dir, "journal") == (off_t)b.len); /* untouched */

	/* ... in a header, or an empty line: the same. */
	five(&b, 0);
	b.ptr[st[1] + 3] = b.ptr[st[1] + 3] == '9' ? '8' : '9';
	spit(dir, b.ptr, b.len);
	CHECK(lc_journal_open(&j, dir, &warn, &err) == -1 && strstr(err.msg, "at line 2 "));
	five(&b, 0);
	lc_buf_add(&b, "\n", 1);
	doc_line(&b, 6, "h4", "unseal-member", "env", "done", "after a blank");
	spit(dir, b.ptr, b.len);
	CHECK(lc_journal_open(&j, dir, &warn, &err) == -1 && strstr(err.msg, "at line 6 "));

	/* A flipped byte in the last record: a torn tail. */
	five(&b, 0);
	b.ptr[st[4] + 70] ^= 0x20;
	spit(dir, b.ptr, b.len);
	j = open_ok(dir, &warn);
	CHECK(j && lc_journal_count(j) == 4 && strstr(warn.ptr, "cut off a torn last record"));
	CHECK(fsize(dir, "journal") == (off_t)st[4]);
	lc_journal_close(j);

	/* A seq gap in the middle: an error; at the end: cut off. */
	five(&b, 3);
	spit(dir, b.ptr, b.len);
	CHECK(lc_journal_open(&j, dir, &warn, &err) == -1);
	CHECKF(strstr(err.msg, "at line 3 ") && strstr(err.msg, "seq"), "%s", err.msg);
	five(&b, 5);
	spit(dir, b.ptr, b.len);
	j = open_ok(dir, &warn);
	CHECK(j && lc_journal_count(j) == 4 && warn.len > 0);
	lc_journal_close(j);

	/* A first record whose seq is not 1. */
	lc_buf_reset(&b);
	doc_line(&b, 2, "h", "r", "s", "done", "");
	doc_line(&b, 3, "h", "r", "s", "done", "");
	spit(dir, b.ptr, b.len);
	CHECK(lc_journal_open(&j, dir, &warn, &err) == -1 && strstr(err.msg, "at line 1 "));

	/* Limits: a line over 64 KiB, a file over 256 MiB. */
	five(&b, 0);
	{
		char big[70000];

		memset(big, 'x', sizeof(big));
		lc_buf_add(&b, big, sizeof(big));
	}
	spit(dir, b.ptr, b.len);
	CHECK(lc_journal_open(&j, dir, &warn, &err) == -1);
	CHECKF(strstr(err.msg, "line 6") && strstr(err.msg, "64 KiB"), "%s", err.msg);
	spit(dir, "", 0);
	{
		char p[512];

		jpath(p, dir);
		CHECK(truncate(p, (off_t)256 * 1024 * 1024 + 1) == 0);
	}
	CHECK(lc_journal_open(&j, dir, &warn, &err) == LC_ERR_TOOBIG);
	CHECKF(strstr(err.msg, "256 MiB") && strstr(err.hint, "mv "), "%s", err.msg);

	/* A journal that is a symlink or a directory is refused. */
	{
		char p[512];

		jpath(p, dir);
		unlink(p);
		CHECK(symlink("/etc/passwd", p) == 0);
		CHECK(lc_journal_open(&j, dir, &warn, &err) == -1);
		unlink(p);
	}
	lc_buf_release(&b);
	lc_buf_release(&warn);
	rm_tmp(dir);
}

struct thr {
	struct lc_journal *j;
	int id;
	int failed;
};

static void *appender(void *arg)
{
	struct thr *t = arg;
	struct lc_err err;
	char host[16];
	int i;

	snprintf(host, sizeof(host), "t%d", t->id);
	for (i = 0; i < 500; i++)
		if (lc_journal_note(t->j, host, "relay-member", "start", "", "done",
				    &err, "%d", i))
			t->failed++;
	return NULL;
}

static void threads(void)
{
	char *dir = mkdir_tmp(), host[16];
	struct lc_journal *j = open_ok(dir, NULL);
	struct thr t[4];
	pthread_t th[4];
	int i, next[4] = { 0 }, order_ok = 1, failed = 0;
	size_t k;

	if (!j)
		goto out;
	for (i = 0; i < 4; i++) {
		t[i] = (struct thr){ j, i, 0 };
		CHECK(pthread_create(&th[i], NULL, appender, &t[i]) == 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		failed += t[i].failed;
	}
	CHECK(failed == 0 && lc_journal_count(j) == 2000);
	lc_journal_close(j);
	if (!(j = open_ok(dir, NULL)))
		goto out;
	CHECK(lc_journal_count(j) == 2000);
	for (k = 0; k < lc_journal_count(j); k++) {
		const struct lc_jrec *r = lc_journal_rec(j, k);
		int id = r->host[1] - '0';

		if (r->seq != k + 1 || id < 0 || id > 3 || atoi(r->detail) != next[id]++)
			order_ok = 0;
	}
	CHECK(order_ok);
	for (i = 0; i < 4; i++) {
		const struct lc_jrec *r;

		snprintf(host, sizeof(host), "t%d", i);
		r = lc_journal_last(j, host, "relay-member", "start");
		CHECK(r && !strcmp(r->detail, "499") && next[i] == 500);
	}
	lc_journal_close(j);
out:
	rm_tmp(dir);
}

/* LATTICECTL_TEST_KILL_AT_COMMIT=3: the child dies after the 3rd commit. */
static void kill_hook(void)
{
	char *dir = mkdir_tmp();
	struct lc_journal *j;
	int status = 0;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		struct lc_err err;
		int i;

		setenv("LATTICECTL_TEST_KILL_AT_COMMIT", "3", 1);
		if (lc_journal_open(&j, dir, NULL, &err))
			_exit(2);
		for (i = 1; i <= 5; i++)
			lc_journal_note(j, "h1", "tally-member", "start", "", "done", &err, "%d", i);
		_exit(0);
	}
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
	CHECKF(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "status %#x", status);
	j = open_ok(dir, NULL);
	CHECK(j && lc_journal_count(j) == 3 && !strcmp(lc_journal_rec(j, 2)->detail, "3"));
	lc_journal_close(j);
	rm_tmp(dir);
}

/* Replay of a 100 000-record journal, and 7000 lookups, timed. */
static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void big(void)
{
	static const char *roles[] = { "zipnet-server", "zipnet-aggregator", "unseal-member",
		"offer-member", "atelier-member", "relay-member", "tally-member" };
	static const char *steps[] = { "connect", "agent", "facts", "binaries", "env",
		"secrets", "unit", "start", "health", "verify" };
	char *dir = mkdir_tmp(), host[16];
	struct lc_buf b;
	struct lc_journal *j;
	unsigned long long seq = 0;
	double t0, t_open, t_last;
	size_t found = 0;
	int h, r, s;

	lc_buf_init(&b, LC_BUF_NOMAX);
	while (seq < 100000) {
		for (h = 0; h < 100 && seq < 100000; h++)
			for (r = 0; r < 7 && seq < 100000; r++)
				for (s = 0; s < 10 && seq < 100000; s++) {
					snprintf(host, sizeof(host), "host%03d", h);
					seq++;
					doc_line(&b, seq, host, roles[r], steps[s],
						 seq & 1 ? "begin" : "done",
						 "installed build 5d41402abc4b2a76 (3 files)");
				}
	}
	spit(dir, b.ptr, b.len);
	t0 = now_s();
	j = open_ok(dir, NULL);
	t_open = now_s() - t0;
	CHECK(j && lc_journal_count(j) == 100000);
	t0 = now_s();
	for (h = 0; j && h < 100; h++)
		for (r = 0; r < 7; r++)
			for (s = 0; s < 10; s++) {
				snprintf(host, sizeof(host), "host%03d", h);
				found += lc_journal_last(j, host, roles[r], steps[s]) != NULL;
			}
	t_last = now_s() - t0;
	CHECK(found == 7000);
	printf("replay of 100000 records (%.1f MB): %.0f ms; 7000 lookups: %.2f ms\n",
	       b.len / 1e6, t_open * 1e3, t_last * 1e3);
	/* Generous: under a second in a normal build, a few under ASan. */
	CHECK(t_open < 10.0);
	lc_journal_close(j);
	lc_buf_release(&b);
	rm_tmp(dir);
}

/* The lock file's contents. */
static void lock_contents(struct lc_buf *b, const char *dir)
{
	char p[512];
	struct lc_err err;

	snprintf(p, sizeof(p), "%s/lock", dir);
	lc_buf_reset(b);
	lc_read_file(b, p, 1 << 20, &err);
}

static void lock_basic(void)
{
	char *dir = mkdir_tmp(), who[256], want[400], p[512];
	struct lc_lock *l = NULL, *l2 = NULL;
	struct lc_buf prev, c;
	struct lc_err err;
	struct stat st;

	lc_buf_init(&prev, LC_BUF_NOMAX);
	lc_buf_init(&c, LC_BUF_NOMAX);
	lc_lock_holder(who);
	CHECK(strchr(who, '@') && strlen(who) < 256);
	CHECKF(lc_lock_take(&l, dir, "up", &prev, &err) == 0, "%s", err.msg);
	CHECK(l && prev.len == 0);
	snprintf(p, sizeof(p), "%s/lock", dir);
	CHECK(stat(p, &st) == 0 && (st.st_mode & 0777) == 0600);
	lock_contents(&c, dir);
	snprintf(want, sizeof(want), "\"pid\":%ld,", (long)getpid());
	CHECKF(strstr(c.ptr, want) && strstr(c.ptr, "\"command\":\"up\"") &&
	       strstr(c.ptr, who) && c.ptr[c.len - 1] == '\n', "%s", c.ptr);

	/* A second open file description in this process is refused. */
	CHECK(lc_lock_take(&l2, dir, "down", &prev, &err) == LC_ERR_LOCKED && !l2);
	snprintf(want, sizeof(want), "is locked by pid %ld (%s, 'latticectl up', since ",
		 (long)getpid(), who);
	CHECKF(strstr(err.msg, want) && strstr(err.msg, dir), "%s", err.msg);
	snprintf(want, sizeof(want), "kill %ld", (long)getpid());
	CHECKF(strstr(err.hint, want), "%s", err.hint);

	/* Release empties the file; the next take finds nothing to report. */
	lc_lock_release(l);
	CHECK(fsize(dir, "lock") == 0);
	CHECK(lc_lock_take(&l, dir, "up", &prev, &err) == 0 && prev.len == 0);
	lc_lock_release(l);
	lc_lock_release(NULL);

	/* A lock file that is a symlink is refused. */
	unlink(p);
	CHECK(symlink("/etc/passwd", p) == 0);
	CHECK(lc_lock_take(&l, dir, "up", &prev, &err) == -1);
	unlink(p);
	lc_buf_release(&prev);
	lc_buf_release(&c);
	rm_tmp(dir);
}

/*
 * A child takes the lock and tells us on a pipe; then either waits for
 * the pipe to close and releases (hold = 0), or sleeps to be killed.
 */
static pid_t child_holding(const char *dir, int hold_forever, int *wfd)
{
	int up[2], down[2];
	char ch = 0;
	pid_t pid;

	CHECK(pipe(up) == 0 && pipe(down) == 0);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		struct lc_lock *l;
		struct lc_err err;

		close(up[0]);
		close(down[1]);
		if (lc_lock_take(&l, dir, "up", NULL, &err))
			_exit(2);
		if (write(up[1], "k", 1) != 1)
			_exit(3);
		if (hold_forever)
			for (;;)
				pause();
		while (read(down[0], &ch, 1) > 0)
			;
		lc_lock_release(l);
		_exit(0);
	}
	close(up[1]);
	close(down[0]);
	CHECK(read(up[0], &ch, 1) == 1 && ch == 'k');
	close(up[0]);
	*wfd = down[1];
	return pid;
}

static void lock_processes(void)
{
	char *dir = mkdir_tmp(), want[64];
	struct lc_lock *l = NULL;
	struct lc_buf prev, c;
	struct lc_err err;
	int status, wfd;
	pid_t pid;

	lc_buf_init(&prev, LC_BUF_NOMAX);
	lc_buf_init(&c, LC_BUF_NOMAX);

	/* A live child holds it: we are refused, named its pid. */
	pid = child_holding(dir, 0, &wfd);
	CHECK(lc_lock_take(&l, dir, "up", &prev, &err) == LC_ERR_LOCKED);
	snprintf(want, sizeof(want), "locked by pid %ld (", (long)pid);
	CHECKF(strstr(err.msg, want), "%s", err.msg);
	close(wfd);
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(lc_lock_take(&l, dir, "up", &prev, &err) == 0 && prev.len == 0);
	lc_lock_release(l);

	/* A child killed while holding it: the lock is free, its record stays. */
	pid = child_holding(dir, 1, &wfd);
	CHECK(kill(pid, SIGKILL) == 0);
	CHECK(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status));
	close(wfd);
	CHECK(fsize(dir, "lock") > 0);
	CHECKF(lc_lock_take(&l, dir, "up", &prev, &err) == 0, "%s", err.msg);
	snprintf(want, sizeof(want), "the previous run (up, pid %ld, ", (long)pid);
	CHECKF(strstr(prev.ptr, want) && strstr(prev.ptr, " UTC) did not finish; resuming "
					       "from the state journal\n"), "%s", prev.ptr);
	lock_contents(&c, dir);
	snprintf(want, sizeof(want), "\"pid\":%ld,", (long)getpid());
	CHECK(strstr(c.ptr, want) != NULL);
	lc_lock_release(l);
	CHECK(fsize(dir, "lock") == 0);

	/* Contents that are not a record still mean an unfinished run. */
	{
		char p[512];
		int fd;

		snprintf(p, sizeof(p), "%s/lock", dir);
		fd = open(p, O_WRONLY | O_TRUNC);
		CHECK(fd >= 0 && write(fd, "{\"pid\":", 7) == 7);
		close(fd);
		lc_buf_reset(&prev);
		CHECK(lc_lock_take(&l, dir, "up", &prev, &err) == 0 &&
		      strstr(prev.ptr, "did not finish"));
		lc_lock_release(l);
	}
	lc_buf_release(&prev);
	lc_buf_release(&c);
	rm_tmp(dir);
}

/* Read-only: no file is no journal; a torn tail is skipped and left in
 * place; appends fail; nothing about the file changes. */
static void read_only(void)
{
	char *dir = mkdir_tmp();
	struct lc_journal *j = NULL, *w;
	struct lc_lock *l = NULL;
	struct lc_buf full;
	struct lc_err err;
	struct stat a, b;
	size_t st[8];

	lc_buf_init(&full, LC_BUF_NOMAX);
	lc_err_clear(&err);
	CHECK(lc_journal_open_ro(&j, dir, &err) == 0 && !j && fsize(dir, "journal") < 0);
	CHECK(lc_lock_busy(dir, &err) == 0 && fsize(dir, "lock") < 0);
	if (!(w = open_ok(dir, NULL)))
		goto out;
	note(w, "h1", "relay-member", "files", "done", "one");
	note(w, "h1", "relay-member", "start", "done", "two");
	lc_journal_close(w);
	slurp(&full, dir);
	CHECK(line_starts(&full, st, 8) == 2);
	spit(dir, full.ptr, full.len - 5); /* a torn last record */
	{
		char p[512];

		snprintf(p, sizeof(p), "%s/journal", dir);
		CHECK(stat(p, &a) == 0);
		CHECK(lc_journal_open_ro(&j, dir, &err) == 0 && j && lc_journal_count(j) == 1);
		CHECK(j && lc_journal_note(j, "h1", "relay-member", "stop", "", "done", &err,
					   "x") != 0 && strstr(err.msg, "read-only"));
		lc_journal_close(j);
		CHECK(stat(p, &b) == 0 && a.st_size == b.st_size &&
		      a.st_mtim.tv_nsec == b.st_mtim.tv_nsec && a.st_mtim.tv_sec == b.st_mtim.tv_sec);
	}
	/* The lock probe: busy while a run holds it, naming it; holds nothing. */
	CHECK(lc_lock_take(&l, dir, "up", NULL, &err) == 0);
	lc_err_clear(&err);
	CHECKF(lc_lock_busy(dir, &err) == 1 && strstr(err.msg, "'latticectl up'"), "%s", err.msg);
	lc_lock_release(l);
	CHECK(lc_lock_busy(dir, &err) == 0);
	CHECK(lc_lock_take(&l, dir, "up", NULL, &err) == 0);
	lc_lock_release(l);
out:
	lc_buf_release(&full);
	rm_tmp(dir);
}

void unit_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	round_trip();
	last_semantics();
	torn_tail();
	read_only();
	damage();
	threads();
	kill_hook();
	big();
	lock_basic();
	lock_processes();
}
