/* mrtd.c - resolving MR_TDs: pinned, mrtd_file, mrtd_build (with $MRTD_OUT), or simulated. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fileio.h"
#include "hex.h"
#include "mrtd.h"
#include "banned.h"

/* The directory part of path ("." when there is none). */
static void dir_of(char *out, size_t size, const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		snprintf(out, size, ".");
	else if (slash == path)
		snprintf(out, size, "/");
	else
		snprintf(out, size, "%.*s", (int)(slash - path), path);
}

/* Parse an mrtd.hex: 96 hex digits, surrounding whitespace allowed. */
static int parse_mrtd_file(uint8_t out[LC_MRTD_LEN], const char *path,
			   const char *org, struct lc_err *err)
{
	struct lc_buf b;
	const char *s;
	size_t n;
	int rc = -1;

	lc_buf_init(&b, LC_BUF_NOMAX);
	if (lc_read_file(&b, path, 4096, err)) {
		lc_err_prefix(err, "MR_TD of %s", org);
		goto out;
	}
	s = b.ptr;
	n = b.len;
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	while (n && isspace((unsigned char)*s))
		s++, n--;
	if (n != 2 * LC_MRTD_LEN || lc_hex_decode_n(out, LC_MRTD_LEN, s)) {
		lc_err_set(err, "malformed MR_TD in '%s': expected 96 hex digits "
			   "(a 48-byte measurement), found %zu characters", path, n);
		lc_err_hint(err, "the file must hold only the image build's mrtd.hex");
		goto out;
	}
	rc = 0;
out:
	lc_buf_release(&b);
	return rc;
}

static int run_build(uint8_t out[LC_MRTD_LEN], const char *cmd,
		     const char *dir, const char *org, struct lc_err *err)
{
	char tmpdir[] = "/tmp/lc-mrtd-XXXXXX", outp[PATH_MAX];
	int status, rc = -1;
	pid_t pid;

	if (!mkdtemp(tmpdir))
		return lc_err_set(err, "cannot make a temporary directory: %s",
				  strerror(errno));
	snprintf(outp, sizeof(outp), "%s/mrtd.hex", tmpdir);
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		lc_err_set(err, "cannot run the MR_TD build of %s: %s", org, strerror(errno));
		goto out;
	}
	if (pid == 0) {
		/* The build's output is for the operator: keep stdout for ours. */
		if (dup2(STDERR_FILENO, STDOUT_FILENO) < 0 || chdir(dir) < 0 ||
		    setenv("MRTD_OUT", outp, 1) < 0)
			_exit(127);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			lc_err_set(err, "cannot wait for the MR_TD build: %s", strerror(errno));
			goto out;
		}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		lc_err_set(err, "the MR_TD build of %s failed (%s %d): %s", org,
			   WIFEXITED(status) ? "exit status" : "signal",
			   WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), cmd);
		lc_err_hint(err, "run the build by hand in '%s' and fix it; it must "
			    "write the MR_TD to $MRTD_OUT", dir);
		goto out;
	}
	if (access(outp, F_OK) < 0) {
		lc_err_set(err, "the MR_TD build of %s succeeded but wrote nothing to "
			   "$MRTD_OUT", org);
		lc_err_hint(err, "make the command write mrtd.hex to \"$MRTD_OUT\"");
		goto out;
	}
	rc = parse_mrtd_file(out, outp, org, err);
out:
	unlink(outp);
	rmdir(tmpdir);
	return rc;
}

int lc_mrtd_resolve(uint8_t out[LC_MRTD_LEN], uint8_t *kind,
		    const struct lc_manifest *m, enum lc_org org,
		    struct lc_err *err)
{
	const struct lc_mrtd *src = org == LC_ORG_UNSEAL ? &m->unseal.mrtd
							 : &m->atelier.mrtd;
	const char *name = lc_org_names[org];
	char dir[PATH_MAX], path[PATH_MAX * 2];

	*kind = LC_MRTD_PINNED;
	dir_of(dir, sizeof(dir), m->path);
	if (src->pinned) {
		memcpy(out, src->hash, LC_MRTD_LEN);
		return 0;
	}
	if (src->file) {
		if (src->file[0] == '/')
			snprintf(path, sizeof(path), "%s", src->file);
		else
			snprintf(path, sizeof(path), "%s/%s", dir, src->file);
		return parse_mrtd_file(out, path, name, err);
	}
	if (src->build)
		return run_build(out, src->build, dir, name, err);
	if (m->tdx == LC_TDX_MODE_SIMULATE) {
		lc_simulated_mrtd(out, m->name, org);
		*kind = LC_MRTD_SYNTHETIC;
		return 0;
	}
	lc_err_set(err, "no MR_TD for %s: a production lattice pins the measurement "
		   "of every TDX organism", name);
	lc_err_hint(err, "set mrtd, mrtd_file or mrtd_build in [organisms.%s] "
		    "(or tdx = \"simulate\" in [lattice] for development)", name);
	return -1;
}
