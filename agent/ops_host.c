/* ops_host.c - facts: the host's OS, kernel, init system, TDX presence, free disk and clock. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "agent.h"
#include "buf.h"
#include "fileio.h"
#include "banned.h"

#define AG_FACT_MAX 64

/* The value of KEY=VALUE in an os-release text, unquoted, into out. */
static void os_release_value(const char *text, const char *key, char *out, size_t n)
{
	size_t klen = strlen(key), i = 0;
	const char *p = text, *v;

	out[0] = '\0';
	for (; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, key, klen) || p[klen] != '=')
			continue;
		v = p + klen + 1;
		for (; *v && *v != '\n' && i + 1 < n; v++) {
			if (*v == '"' || *v == '\'' || *v == '\\')
				continue;
			out[i++] = *v;
		}
		out[i] = '\0';
		return;
	}
}

static void host_os(char *out, size_t n)
{
	char id[AG_FACT_MAX], ver[AG_FACT_MAX];
	struct lc_buf b;
	struct lc_err err;

	lc_buf_init(&b, LC_BUF_NOMAX);
	if (lc_read_file(&b, "/etc/os-release", 65536, &err) &&
	    lc_read_file(&b, "/usr/lib/os-release", 65536, &err))
		lc_buf_reset(&b);
	os_release_value(b.ptr, "ID", id, sizeof(id));
	os_release_value(b.ptr, "VERSION_ID", ver, sizeof(ver));
	lc_buf_release(&b);
	/* os-release(5): a missing ID means "linux". */
	snprintf(out, n, "%s%s%s", *id ? id : "linux", *ver ? " " : "", ver);
}

/* PID 1's command name, or "unknown". */
static void host_init(char *out, size_t n)
{
	struct lc_buf b;
	struct lc_err err;

	lc_buf_init(&b, LC_BUF_NOMAX);
	if (lc_read_file(&b, "/proc/1/comm", 4096, &err) || !b.len)
		snprintf(out, n, "unknown");
	else
		snprintf(out, n, "%.*s", (int)strcspn(b.ptr, "\n"), b.ptr);
	lc_buf_release(&b);
}

/* Whether the first "flags" line of /proc/cpuinfo has the word tdx_guest. */
static int cpu_has_tdx(void)
{
	const char *p, *end, *w;
	struct lc_buf b;
	struct lc_err err;
	int found = 0;

	lc_buf_init(&b, LC_BUF_NOMAX);
	if (lc_read_file(&b, "/proc/cpuinfo", 16 << 20, &err))
		goto out;
	for (p = b.ptr; p && strncmp(p, "flags", 5); p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		;
	if (!p)
		goto out;
	end = strchr(p, '\n');
	for (w = strstr(p, "tdx_guest"); w && (!end || w < end); w = strstr(w + 1, "tdx_guest"))
		if ((w[-1] == ' ' || w[-1] == '\t') && (w[9] == ' ' || w[9] == '\n' || !w[9])) {
			found = 1;
			break;
		}
out:
	lc_buf_release(&b);
	return found;
}

static int exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* Bytes available at path, or at its nearest existing ancestor. */
static int disk_free(const char *path, double *out, struct lc_err *err)
{
	char p[PATH_MAX];
	struct statvfs vfs;
	char *slash;

	snprintf(p, sizeof(p), "%s", path);
	while (statvfs(p, &vfs) < 0) {
		if ((errno != ENOENT && errno != ENOTDIR) || !strcmp(p, "/"))
			return lc_err_set(err, "cannot statvfs '%s': %s", p, strerror(errno));
		slash = strrchr(p, '/');
		if (slash == p)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
	*out = (double)vfs.f_bavail * (double)vfs.f_frsize;
	return 0;
}

int ag_systemd_pid1(void)
{
	char init[AG_FACT_MAX];

	host_init(init, sizeof(init));
	return !strcmp(init, "systemd") && exists("/run/systemd/system");
}

int ag_op_facts(struct ag_req *r, struct lc_err *err)
{
	char os[2 * AG_FACT_MAX + 1], init[AG_FACT_MAX], base[PATH_MAX];
	struct utsname u;
	cJSON *disk;
	double free_bytes = 0;
	int tdx, rc;

	if (uname(&u) < 0)
		return lc_err_set(err, "cannot uname: %s", strerror(errno));
	host_os(os, sizeof(os));
	host_init(init, sizeof(init));
	tdx = exists("/dev/tdx_guest") || exists("/sys/firmware/tdx") || cpu_has_tdx();
	if (ag_area_base(base, sizeof(base), AG_AREA_SECRET))
		return lc_err_set(err, "path too long: '%s'", ag_root());
	if ((rc = disk_free(base, &free_bytes, err)))
		return rc;
	if (ag_set_str(r->reply, "os", os) || ag_set_str(r->reply, "arch", u.machine) ||
	    ag_set_str(r->reply, "kernel", u.release) || ag_set_str(r->reply, "init", init) ||
	    ag_set_bool(r->reply, "systemd_pid1",
			!strcmp(init, "systemd") && exists("/run/systemd/system")) ||
	    ag_set_bool(r->reply, "tdx", tdx) ||
	    !(disk = cJSON_AddObjectToObject(r->reply, "disk_free")) ||
	    ag_set_num(disk, "/var/lib/lattice", free_bytes) ||
	    ag_set_num(r->reply, "time", (double)time(NULL)) ||
	    ag_set_str(r->reply, "agent", "lattice-agent " LC_VERSION))
		return lc_err_set(err, "out of memory");
	return 0;
}
