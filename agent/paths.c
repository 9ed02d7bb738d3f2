/* paths.c - names a request may carry, and the directories the agent builds from them. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"
#include "banned.h"

/*
 * Where each area lives: <root><sys>/lattice/<lattice>[/<sub>].  From
 * "lattice" down every component is ours, so none may be a symlink.
 */
static const struct {
	const char *name; /* as a request names it; NULL: not requestable */
	const char *sys;
	const char *sub;
	unsigned dir_mode, file_mode;
} areas[AG_AREA_COUNT] = {
	[AG_AREA_BIN] = { "bin", "/usr/local/lib", "bin", 0755, 0755 },
	[AG_AREA_ENV] = { "env", "/etc", NULL, 0700, 0600 },
	[AG_AREA_SECRET] = { "secret", "/var/lib", "secrets", 0700, 0400 },
	[AG_AREA_RUN] = { NULL, "/run", NULL, 0700, 0644 },
	[AG_AREA_UNITS] = { NULL, "/etc", "units", 0700, 0600 },
};

static char root[PATH_MAX / 2];

int ag_paths_init(struct lc_err *err)
{
	const char *r = getenv("LATTICE_AGENT_ROOT");
	size_t n;

	root[0] = '\0';
	if (!r || !*r)
		return 0;
	n = strlen(r);
	while (n > 1 && r[n - 1] == '/')
		n--;
	if (r[0] != '/')
		return lc_err_set(err, "LATTICE_AGENT_ROOT '%s' is not an absolute path", r);
	if (n >= sizeof(root))
		return lc_err_set(err, "LATTICE_AGENT_ROOT is too long");
	if (n == 1)
		return 0; /* "/" is the real root */
	memcpy(root, r, n);
	root[n] = '\0';
	return 0;
}

const char *ag_root(void)
{
	return root;
}

static int is_lower_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* A DNS-like label: [a-z0-9-]{1,63}, not starting or ending with '-'. */
static size_t label_len(const char *s)
{
	size_t n = 0;

	while (s[n] && (is_lower_alnum((unsigned char)s[n]) || s[n] == '-'))
		n++;
	if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return 0;
	return n;
}

int ag_lattice_ok(const char *s)
{
	size_t n, labels = 0;
	const char *p = s;

	if (strlen(s) > 253)
		return 0;
	for (;;) {
		if (!(n = label_len(p)))
			return 0;
		labels++;
		p += n;
		if (!*p)
			break;
		if (*p++ != '.')
			return 0;
	}
	return labels >= 2;
}

int ag_role_ok(const char *s)
{
	size_t n = label_len(s);

	return n && !s[n];
}

int ag_name_ok(const char *s)
{
	size_t i;

	if (!*s || *s == '.')
		return 0;
	for (i = 0; s[i]; i++) {
		unsigned char c = (unsigned char)s[i];

		if (i >= AG_NAME_MAX)
			return 0;
		if (!is_lower_alnum(c) && !(c >= 'A' && c <= 'Z') && c != '.' &&
		    c != '_' && c != '-')
			return 0;
	}
	return 1;
}

int ag_holder_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (i >= AG_HOLDER_MAX || (unsigned char)s[i] < 0x20 ||
		    (unsigned char)s[i] > 0x7e)
			return 0;
	return i > 0;
}

int ag_area_parse(const char *s)
{
	int i;

	for (i = 0; i < AG_AREA_COUNT; i++)
		if (areas[i].name && !strcmp(areas[i].name, s))
			return i;
	return -1;
}

unsigned ag_area_file_mode(int area)
{
	return areas[area].file_mode;
}

int ag_area_base(char *out, size_t n, int area)
{
	size_t len = (size_t)snprintf(out, n, "%s%s/lattice", root, areas[area].sys);

	return len < n ? 0 : -1;
}

/* mkdir -p for the system part (/etc, /var/lib, ...) of a base path. */
static int mkdir_parents(char *path, struct lc_err *err)
{
	char *p, c;

	for (p = path + 1;; p++) {
		if (*p != '/' && *p)
			continue;
		c = *p;
		*p = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST) {
			int e = errno;

			lc_err_setc(err, ag_errno_code(e), "cannot create '%s': %s",
				    path, strerror(e));
			*p = c;
			return err->code;
		}
		*p = c;
		if (!c)
			return 0;
	}
}

/* Open (creating if asked) the directory comp below fd, refusing a symlink. */
static int open_component(struct ag_dir *d, const char *comp, unsigned mode,
			  int create, struct lc_err *err)
{
	struct stat st;
	size_t len = strlen(d->path);
	int fd, e, made = 0;

	if ((size_t)snprintf(d->path + len, sizeof(d->path) - len, "/%s", comp) >=
	    sizeof(d->path) - len)
		return lc_err_setc(err, AG_E_BAD, "path too long below '%s'", d->path);
again:
	fd = openat(d->fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && create && !made) {
		if (mkdirat(d->fd, comp, mode) < 0 && errno != EEXIST) {
			e = errno;
			return lc_err_setc(err, ag_errno_code(e), "cannot create '%s': %s",
					   d->path, strerror(e));
		}
		made = 1;
		goto again;
	}
	if (fd < 0) {
		e = errno;
		if (e == ENOENT)
			return lc_err_setc(err, AG_E_NOTFOUND, "'%s' does not exist", d->path);
		if (!fstatat(d->fd, comp, &st, AT_SYMLINK_NOFOLLOW) && S_ISLNK(st.st_mode))
			return lc_err_setc(err, AG_E_BAD, "refusing '%s': it is a symlink",
					   d->path);
		if (e == ENOTDIR)
			return lc_err_setc(err, AG_E_IO, "'%s' is not a directory", d->path);
		return lc_err_setc(err, ag_errno_code(e), "cannot open '%s': %s", d->path,
				   strerror(e));
	}
	/* A new directory gets its exact mode, whatever the umask was. */
	if (made && fchmod(fd, mode) < 0) {
		e = errno;
		close(fd);
		return lc_err_setc(err, ag_errno_code(e), "cannot chmod '%s': %s", d->path,
				   strerror(e));
	}
	close(d->fd);
	d->fd = fd;
	return 0;
}

int ag_dir_open(struct ag_dir *d, int area, const char *lattice, int flags,
		struct lc_err *err)
{
	const char *comps[3];
	int create = flags & AG_DIR_CREATE;
	size_t i, n = 0;
	int e, rc;

	d->fd = -1;
	comps[n++] = "lattice";
	if (!(flags & AG_DIR_BASE)) {
		comps[n++] = lattice;
		if (!(flags & AG_DIR_TOP) && areas[area].sub)
			comps[n++] = areas[area].sub;
	}
	if ((size_t)snprintf(d->path, sizeof(d->path), "%s%s", root, areas[area].sys) >=
	    sizeof(d->path))
		return lc_err_set(err, "path too long: '%s'", root);
	if (create && (rc = mkdir_parents(d->path, err)))
		return rc;
	d->fd = open(d->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->fd < 0) {
		e = errno;
		if (e == ENOENT)
			return lc_err_setc(err, AG_E_NOTFOUND, "'%s' does not exist", d->path);
		return lc_err_setc(err, ag_errno_code(e), "cannot open '%s': %s", d->path,
				   strerror(e));
	}
	for (i = 0; i < n; i++) {
		rc = open_component(d, comps[i], areas[area].dir_mode, create, err);
		if (rc) {
			ag_dir_close(d);
			return rc;
		}
	}
	return 0;
}

int ag_dir_list(struct ag_dir *d, DIR **dir, int area, const char *lattice,
		struct lc_err *err)
{
	int fd, rc;

	*dir = NULL;
	if ((rc = ag_dir_open(d, area, lattice, 0, err)))
		return rc;
	/* A second descriptor to list with; d->fd stays for the *at calls. */
	if ((fd = openat(d->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    !(*dir = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		rc = lc_err_set(err, "cannot read '%s': %s", d->path, strerror(errno));
		ag_dir_close(d);
		return rc;
	}
	return 0;
}

void ag_dir_close(struct ag_dir *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}
