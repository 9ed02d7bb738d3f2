/* retire.c - a lattice's successor and its retirement: names, the records in both state directories, the kept manifest and the renamed [lattice] name. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "check.h"
#include "fileio.h"
#include "retire.h"
#include "toml.h"
#include "banned.h"

int lc_successor_name(char *out, size_t size, const char *name, struct lc_err *err)
{
	const char *dot = strrchr(name, '.');
	char why[160], hint[200];
	unsigned long n = 1;
	size_t base = strlen(name);
	int w;

	if (dot && dot[1] == 'v' && dot[2] >= '1' && dot[2] <= '9' &&
	    strspn(dot + 2, "0123456789") == strlen(dot + 2) && strlen(dot + 2) < 9) {
		n = strtoul(dot + 2, NULL, 10);
		base = (size_t)(dot - name);
	}
	w = snprintf(out, size, "%.*s.v%lu", (int)base, name, n + 1);
	if (w < 0 || (size_t)w >= size ||
	    lc_check_lattice_name(out, why, sizeof(why), hint, sizeof(hint))) {
		lc_err_set(err, "lattice '%s' has no valid successor name: '%.*s.v%lu' is too "
			   "long or not a lattice name", name, (int)base, name, n + 1);
		lc_err_hint(err, "shorten the name in [lattice], then run 'latticectl up' "
			    "under the new name (a new lattice)");
		return -1;
	}
	return 0;
}

static void path_in(char *out, size_t size, const char *statedir, const char *file)
{
	snprintf(out, size, "%s/%s", statedir, file);
}

static void copy_str(char *out, size_t size, const cJSON *v)
{
	const char *s = cJSON_GetStringValue(v);

	snprintf(out, size, "%s", s ? s : "");
}

static long long num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItem(o, key);

	return cJSON_IsNumber(v) ? (long long)v->valuedouble : 0;
}

int lc_retirement_read(struct lc_retirement *rt, const char *statedir,
		       struct lc_err *err)
{
	char path[PATH_MAX];
	struct lc_buf b;
	cJSON *o = NULL;
	int rc = -1;

	memset(rt, 0, sizeof(*rt));
	path_in(path, sizeof(path), statedir, "retirement.json");
	lc_buf_init(&b, LC_BUF_NOMAX);
	if (lc_read_file(&b, path, 1 << 16, err)) {
		if (err->code == LC_ERR_NOTFOUND) {
			lc_err_clear(err);
			rc = 0;
		}
		goto out;
	}
	if (!(o = cJSON_Parse(b.ptr)) || !cJSON_IsObject(o) ||
	    !cJSON_GetStringValue(cJSON_GetObjectItem(o, "successor"))) {
		lc_err_set(err, "'%s' is corrupt", path);
		lc_err_hint(err, "restore it from backup, or remove it and run 'latticectl "
			    "successor' again");
		goto out;
	}
	rt->found = 1;
	copy_str(rt->lattice, sizeof(rt->lattice), cJSON_GetObjectItem(o, "lattice"));
	copy_str(rt->successor, sizeof(rt->successor), cJSON_GetObjectItem(o, "successor"));
	rt->announced = num(o, "announced");
	rt->deadline = num(o, "deadline");
	rt->retired = num(o, "retired");
	rc = 0;
out:
	cJSON_Delete(o);
	lc_buf_release(&b);
	return rc;
}

int lc_retirement_write(const struct lc_retirement *rt, const char *statedir,
			struct lc_err *err)
{
	char path[PATH_MAX], *text = NULL;
	cJSON *o = cJSON_CreateObject();
	int rc = -1;

	if (!o || !cJSON_AddStringToObject(o, "lattice", rt->lattice) ||
	    !cJSON_AddStringToObject(o, "successor", rt->successor) ||
	    !cJSON_AddNumberToObject(o, "announced", (double)rt->announced) ||
	    !cJSON_AddNumberToObject(o, "deadline", (double)rt->deadline) ||
	    !cJSON_AddNumberToObject(o, "retired", (double)rt->retired) ||
	    !(text = cJSON_Print(o))) {
		lc_err_set(err, "out of memory");
		goto out;
	}
	path_in(path, sizeof(path), statedir, "retirement.json");
	rc = lc_write_file_atomic(path, text, strlen(text), 0600, err);
out:
	free(text);
	cJSON_Delete(o);
	return rc;
}

int lc_predecessor_read(char *out, size_t size, const char *statedir,
			struct lc_err *err)
{
	char path[PATH_MAX];
	struct lc_buf b;
	int rc = 0;

	out[0] = '\0';
	path_in(path, sizeof(path), statedir, "predecessor");
	lc_buf_init(&b, LC_BUF_NOMAX);
	if (lc_read_file(&b, path, 4096, err)) {
		if (err->code == LC_ERR_NOTFOUND)
			lc_err_clear(err);
		else
			rc = -1;
	} else {
		snprintf(out, size, "%.*s", (int)strcspn(b.ptr, "\n"), b.ptr);
	}
	lc_buf_release(&b);
	return rc;
}

int lc_predecessor_write(const char *statedir, const char *name, struct lc_err *err)
{
	char path[PATH_MAX], line[300];

	path_in(path, sizeof(path), statedir, "predecessor");
	snprintf(line, sizeof(line), "%s\n", name);
	return lc_write_file_atomic(path, line, strlen(line), 0600, err);
}

int lc_deadline_parse(long long *out, const char *arg, long long now,
		      struct lc_err *err)
{
	struct tm tm;
	char *end;
	long v;
	int y, mo, d;
	char extra;

	if (sscanf(arg, "%4d-%2d-%2d%c", &y, &mo, &d, &extra) == 3 && strlen(arg) == 10) {
		memset(&tm, 0, sizeof(tm));
		tm.tm_year = y - 1900;
		tm.tm_mon = mo - 1;
		tm.tm_mday = d;
		*out = (long long)timegm(&tm);
		if (mo < 1 || mo > 12 || d < 1 || d > 31 || tm.tm_mday != d) {
			lc_err_set(err, "--deadline '%s' is not a date", arg);
			lc_err_hint(err, "give YYYY-MM-DD (UTC), or a duration such as 4w or 14d");
			return -1;
		}
	} else {
		errno = 0;
		v = strtol(arg, &end, 10);
		if (end == arg || v <= 0 || v > 3660 || errno ||
		    (strcmp(end, "d") && strcmp(end, "w"))) {
			lc_err_set(err, "--deadline '%s' is neither a date nor a duration", arg);
			lc_err_hint(err, "give YYYY-MM-DD (UTC), or a duration such as 4w or 14d "
				    "(default 4w)");
			return -1;
		}
		*out = now + v * 86400LL * (*end == 'w' ? 7 : 1);
	}
	if (*out <= now) {
		lc_err_set(err, "--deadline '%s' is not in the future", arg);
		lc_err_hint(err, "announce a transition integrators can follow (four weeks is "
			    "generous, two is tight); 'latticectl retire --now' ends one early");
		return -1;
	}
	return 0;
}

void lc_deadline_fmt(char *out, size_t size, long long t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(out, size, "%Y-%m-%d %H:%M UTC", &tm))
		snprintf(out, size, "@%lld", t);
}

int lc_manifest_keep(const char *statedir, const char *path, struct lc_err *err)
{
	char dst[PATH_MAX], a[PATH_MAX], b[PATH_MAX];
	struct lc_buf text;
	int rc;

	path_in(dst, sizeof(dst), statedir, LC_KEPT_MANIFEST);
	if (realpath(dst, a) && realpath(path, b) && !strcmp(a, b))
		return 0;
	lc_buf_init(&text, LC_BUF_NOMAX);
	rc = lc_read_file(&text, path, LC_MANIFEST_MAX, err) ||
	     lc_write_file_atomic(dst, text.ptr, text.len, 0600, err) ? -1 : 0;
	lc_buf_release(&text);
	return rc;
}

int lc_known_hosts_inherit(const char *to, const char *from, struct lc_err *err)
{
	char src[PATH_MAX], dst[PATH_MAX];
	struct lc_buf text;
	int rc = 0;

	path_in(src, sizeof(src), from, "known_hosts");
	path_in(dst, sizeof(dst), to, "known_hosts");
	if (!access(dst, F_OK))
		return 0;
	lc_buf_init(&text, LC_BUF_NOMAX);
	if (lc_read_file(&text, src, 1 << 24, err)) {
		if (err->code == LC_ERR_NOTFOUND)
			lc_err_clear(err);
		else
			rc = -1;
	} else {
		rc = lc_write_file_atomic(dst, text.ptr, text.len, 0600, err);
	}
	lc_buf_release(&text);
	return rc;
}

/* The byte offset of (line, col) in text, columns counted in code points
 * as the TOML parser counts them; -1 when there is no such place. */
static long offset_of(const char *text, size_t len, unsigned line, unsigned col)
{
	size_t i = 0;
	unsigned l = 1, c = 1;

	while (i < len && l < line)
		if (text[i++] == '\n')
			l++;
	while (i < len && c < col && text[i] != '\n') {
		i++;
		while (i < len && ((unsigned char)text[i] & 0xC0) == 0x80)
			i++;
		c++;
	}
	return l == line && c == col && i < len ? (long)i : -1;
}

int lc_manifest_renamed(struct lc_buf *out, const struct lc_manifest *m,
			const char *newname, struct lc_err *err)
{
	const struct lc_toml_kv *t, *kv;
	struct lc_buf text;
	size_t oldlen = strlen(m->name);
	long at;
	char q;
	int rc = -1;

	lc_buf_init(&text, LC_BUF_NOMAX);
	lc_buf_reset(out);
	if (!(t = lc_toml_get(lc_toml_root(m->doc), "lattice")) ||
	    t->val->type != LC_TOML_TABLE || !(kv = lc_toml_get(t->val->u.tab, "name"))) {
		lc_err_set(err, "cannot find [lattice] name in '%s'", m->path);
		goto out;
	}
	if (lc_read_file(&text, m->path, LC_MANIFEST_MAX, err))
		goto out;
	at = offset_of(text.ptr, text.len, kv->val->line, kv->val->col);
	/* One quoted string on one line, holding exactly the old name
	 * (lattice names need no escapes). */
	if (at < 0 || ((q = text.ptr[at]) != '"' && q != '\'') ||
	    (size_t)at + oldlen + 2 > text.len ||
	    memcmp(text.ptr + at + 1, m->name, oldlen) || text.ptr[at + 1 + oldlen] != q) {
		lc_err_set(err, "cannot rewrite the name in '%s': line %u is not name = "
			   "\"%s\" as read", m->path, kv->val->line, m->name);
		lc_err_hint(err, "write it as name = \"%s\" (one plain quoted string), then "
			    "run 'latticectl successor' again; nothing was recorded", m->name);
		goto out;
	}
	if (lc_buf_add(out, text.ptr, (size_t)at + 1) || lc_buf_puts(out, newname) ||
	    lc_buf_add(out, text.ptr + at + 1 + oldlen, text.len - (size_t)at - 1 - oldlen)) {
		lc_err_set(err, "out of memory");
		goto out;
	}
	rc = 0;
out:
	lc_buf_release(&text);
	return rc;
}

int lc_manifest_write(const struct lc_manifest *m, const struct lc_buf *text,
		      struct lc_err *err)
{
	struct stat st;

	return lc_write_file_atomic(m->path, text->ptr, text->len,
				    stat(m->path, &st) == 0 ? (unsigned)(st.st_mode & 07777)
							    : 0644,
				    err);
}
