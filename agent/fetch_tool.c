/* fetch_tool.c - a download with the host's own curl (else wget): streamed into a temporary file, hashed, capped, timed. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent.h"
#include "sha256.h"
#include "banned.h"

/* A download that moves no byte for this long is stuck. */
#define STALL_S 60
#define CONNECT_S "30"
#define REASON_MAX 200

/* The first of names found executable on $PATH (the default path when
 * unset) into out: its index, or -1. */
static int find_tool(const char *const *names, char *out, size_t n)
{
	const char *path = getenv("PATH"), *p, *e;
	int i;

	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (i = 0; names[i]; i++)
		for (p = path; *p; p = *e ? e + 1 : e) {
			e = strchrnul(p, ':');
			if (e == p || *p != '/')
				continue; /* only absolute directories */
			if ((size_t)snprintf(out, n, "%.*s/%s", (int)(e - p), p, names[i]) < n &&
			    access(out, X_OK) == 0)
				return i;
		}
	return -1;
}

/* The tool's first line of standard error (kept in fd), printable. */
static void first_line(int fd, char *out, size_t n)
{
	ssize_t got;
	size_t i;

	out[0] = '\0';
	if (lseek(fd, 0, SEEK_SET) < 0 || (got = read(fd, out, n - 1)) <= 0)
		return;
	out[got] = '\0';
	out[strcspn(out, "\r\n")] = '\0';
	for (i = 0; out[i]; i++)
		if ((unsigned char)out[i] < 0x20 || (unsigned char)out[i] > 0x7e)
			out[i] = '?';
}

/* What wget's exit status means (wget -q says nothing itself). */
static const char *wget_reason(int status)
{
	switch (status) {
	case 3: return "wget: cannot write the file";
	case 4: return "wget: network failure (no route, refused or timed out)";
	case 5: return "wget: TLS verification failed";
	case 6: return "wget: authentication failed";
	case 8: return "wget: the server answered an error status";
	default: return "wget: failed";
	}
}

int ag_fetch_url(struct ag_tmp *t, const char *url, uint64_t max, unsigned timeout_s,
		 unsigned char sha[32], uint64_t *size, const char **tool,
		 struct lc_err *err)
{
	static const char *const names[] = { "curl", "wget", NULL };
	char exe[4096], maxs[32], tos[32], reason[REASON_MAX], why[REASON_MAX];
	unsigned char *buf = NULL;
	struct lc_sha256 h;
	long long start = lc_now_ms(), last = start;
	int which, pfd[2] = { -1, -1 }, efd = -1, status = 0, rc = -1, killed = 0;
	pid_t pid = -1;
	ssize_t n;

	*size = 0;
	why[0] = '\0';
	if ((which = find_tool(names, exe, sizeof(exe))) < 0)
		return lc_err_setc(err, AG_E_FETCH, "neither curl nor wget is on the host's PATH");
	*tool = names[which];
	snprintf(maxs, sizeof(maxs), "%llu", (unsigned long long)max);
	snprintf(tos, sizeof(tos), "%u", timeout_s);
	if (!(buf = malloc(AG_CHUNK)) || pipe2(pfd, O_CLOEXEC) < 0 ||
	    (efd = memfd_create("fetch-stderr", MFD_CLOEXEC)) < 0) {
		rc = lc_err_set(err, "cannot start %s: %s", *tool, strerror(errno));
		goto out;
	}
	if ((pid = fork()) < 0) {
		rc = lc_err_set(err, "cannot start %s: %s", *tool, strerror(errno));
		goto out;
	}
	if (pid == 0) {
		int nul = open("/dev/null", O_RDONLY);

		if (nul < 0 || dup2(nul, 0) < 0 || dup2(pfd[1], 1) < 0 || dup2(efd, 2) < 0)
			_exit(127);
		signal(SIGPIPE, SIG_DFL);
		if (which == 0)
			execl(exe, "curl", "-q", "--fail", "--silent", "--show-error", "--location",
			      "--globoff", "--proto", "=https,http", "--proto-redir", "=https",
			      "--max-redirs", "5", "--connect-timeout", CONNECT_S, "--max-time", tos,
			      "--speed-limit", "1", "--speed-time", "60", "--max-filesize", maxs,
			      "--output", "-", url, (char *)NULL);
		else
			execl(exe, "wget", "--no-config", "-q", "--tries=1", "--timeout=" CONNECT_S,
			      "--max-redirect=5", "-O", "-", url, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	pfd[1] = -1;
	lc_sha256_init(&h);
	/* Stream: hash and write every byte, within the cap and the clock. */
	for (;;) {
		struct pollfd p = { pfd[0], POLLIN, 0 };
		long long now = lc_now_ms();
		int pr;

		if (now - start > (long long)timeout_s * 1000 || now - last > STALL_S * 1000LL) {
			snprintf(why, sizeof(why), "%s: no download within %u s", *tool,
				 now - start > (long long)timeout_s * 1000 ? timeout_s : STALL_S);
			break;
		}
		if ((pr = poll(&p, 1, 1000)) < 0 && errno != EINTR) {
			rc = lc_err_set(err, "cannot wait for %s: %s", *tool, strerror(errno));
			goto out;
		}
		if (pr <= 0)
			continue;
		n = read(pfd[0], buf, AG_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = lc_err_set(err, "cannot read from %s: %s", *tool, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		last = lc_now_ms();
		if (*size + (uint64_t)n > max) {
			snprintf(why, sizeof(why), "the download is larger than %llu bytes",
				 (unsigned long long)max);
			break;
		}
		lc_sha256_update(&h, buf, (size_t)n);
		*size += (uint64_t)n;
		if ((rc = ag_tmp_write(t, buf, (size_t)n, err)))
			goto out;
	}
	if (why[0]) {
		kill(pid, SIGKILL);
		killed = 1;
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	pid = -1;
	if (why[0]) {
		rc = lc_err_setc(err, AG_E_FETCH, "%s", why);
		goto out;
	}
	if (!killed && (!WIFEXITED(status) || WEXITSTATUS(status) != 0)) {
		int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);

		first_line(efd, reason, sizeof(reason));
		if (which == 1 && !reason[0])
			snprintf(reason, sizeof(reason), "%s", wget_reason(code));
		if (code == 127 && !reason[0])
			snprintf(reason, sizeof(reason), "cannot run %s", *tool);
		rc = lc_err_setc(err, AG_E_FETCH, "%s (exit status %d)",
				 reason[0] ? reason : *tool, code);
		goto out;
	}
	lc_sha256_final(&h, sha);
	rc = 0;
out:
	if (pid > 0) {
		kill(pid, SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (pfd[0] >= 0)
		close(pfd[0]);
	if (pfd[1] >= 0)
		close(pfd[1]);
	if (efd >= 0)
		close(efd);
	free(buf);
	return rc;
}
