/* unit_rec.c - unit records (/etc/lattice/<lattice>/units/<role>.json) and the env files they name. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "agent.h"
#include "buf.h"
#include "unit.h"
#include "banned.h"

int ag_role_usable(const char *role, struct lc_err *err)
{
	if (!ag_role_ok(role))
		return lc_err_setc(err, AG_E_BAD, "'%.70s' is not a role name", role);
	/* Its files would be the supervisor's own (supervisor.log). */
	if (!strcmp(role, "supervisor"))
		return lc_err_setc(err, AG_E_BAD, "the role name 'supervisor' is reserved");
	return 0;
}

/* An argument systemd and execve both take as it is: no control bytes. */
int ag_unit_arg_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (i >= AG_UNIT_ARG_MAX || (unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

int ag_unit_from_json(struct ag_unit *u, const cJSON *o, struct lc_err *err)
{
	const cJSON *exec = cJSON_GetObjectItemCaseSensitive(o, "exec");
	const cJSON *env = cJSON_GetObjectItemCaseSensitive(o, "env");
	const cJSON *args = cJSON_GetObjectItemCaseSensitive(o, "args");
	const cJSON *v;

	memset(u, 0, sizeof(*u));
	if (!cJSON_IsString(exec) || !ag_name_ok(exec->valuestring))
		return lc_err_setc(err, AG_E_BAD, "'exec' must be a file name in area bin");
	snprintf(u->exec, sizeof(u->exec), "%s", exec->valuestring);
	if (!cJSON_IsArray(env) || cJSON_GetArraySize(env) > AG_UNIT_ENVS)
		return lc_err_setc(err, AG_E_BAD, "'env' must be an array of at most %d file names",
				   AG_UNIT_ENVS);
	cJSON_ArrayForEach(v, env) {
		if (!cJSON_IsString(v) || !ag_name_ok(v->valuestring))
			return lc_err_setc(err, AG_E_BAD, "'env' holds a name that is not allowed");
		snprintf(u->env[u->nenv++], sizeof(u->env[0]), "%s", v->valuestring);
	}
	if (!args)
		return 0;
	if (!cJSON_IsArray(args) || cJSON_GetArraySize(args) > AG_UNIT_ARGS)
		return lc_err_setc(err, AG_E_BAD, "'args' must be an array of at most %d strings",
				   AG_UNIT_ARGS);
	cJSON_ArrayForEach(v, args) {
		if (!cJSON_IsString(v) || !ag_unit_arg_ok(v->valuestring)) {
			ag_unit_release(u);
			return lc_err_setc(err, AG_E_BAD, "'args' must hold strings of at most %d "
					   "bytes without control characters", AG_UNIT_ARG_MAX);
		}
		if (!(u->args[u->nargs++] = strdup(v->valuestring))) {
			ag_unit_release(u);
			return lc_err_set(err, "out of memory");
		}
	}
	return 0;
}

void ag_unit_release(struct ag_unit *u)
{
	size_t i;

	for (i = 0; i < u->nargs; i++)
		free(u->args[i]);
	u->nargs = 0;
}

static char *unit_text(const struct ag_unit *u)
{
	cJSON *o, *env, *args;
	char *text = NULL;
	size_t i;

	if (!(o = cJSON_CreateObject()) || !cJSON_AddStringToObject(o, "exec", u->exec) ||
	    !(env = cJSON_AddArrayToObject(o, "env")) ||
	    !(args = cJSON_AddArrayToObject(o, "args")))
		goto out;
	for (i = 0; i < u->nenv; i++)
		if (!cJSON_AddItemToArray(env, cJSON_CreateString(u->env[i])))
			goto out;
	for (i = 0; i < u->nargs; i++)
		if (!cJSON_AddItemToArray(args, cJSON_CreateString(u->args[i])))
			goto out;
	text = cJSON_PrintUnformatted(o);
out:
	cJSON_Delete(o);
	return text;
}

int ag_unit_read(struct ag_unit *u, const char *lattice, const char *role,
		 struct lc_err *err)
{
	struct ag_dir d = { .fd = -1 };
	char file[80];
	struct lc_buf b;
	cJSON *o = NULL;
	int rc;

	memset(u, 0, sizeof(*u));
	lc_buf_init(&b, LC_BUF_NOMAX);
	snprintf(file, sizeof(file), "%s.json", role);
	if (!(rc = ag_dir_open(&d, AG_AREA_UNITS, lattice, 0, err)))
		rc = ag_read_at(&d, file, &b, AG_UNIT_REC_MAX, err);
	if (rc == AG_E_NOTFOUND) {
		lc_err_setc(err, AG_E_NOTFOUND, "role '%s' is not installed", role);
		goto out;
	}
	if (rc)
		goto out;
	if (!(o = cJSON_ParseWithLength(b.ptr, b.len)) || ag_unit_from_json(u, o, err))
		rc = lc_err_set(err, "the unit record '%s/%s' is corrupt", d.path, file);
out:
	cJSON_Delete(o);
	lc_buf_release(&b);
	ag_dir_close(&d);
	return rc;
}

int ag_unit_write(const struct ag_unit *u, const char *lattice, const char *role,
		  int *changed, struct lc_err *err)
{
	struct ag_dir d = { .fd = -1 };
	char file[80], *text;
	struct lc_buf old;
	int rc;

	lc_buf_init(&old, LC_BUF_NOMAX);
	snprintf(file, sizeof(file), "%s.json", role);
	if (!(text = unit_text(u)))
		return lc_err_set(err, "out of memory");
	if ((rc = ag_dir_open(&d, AG_AREA_UNITS, lattice, AG_DIR_CREATE, err)))
		goto out;
	*changed = ag_read_at(&d, file, &old, AG_UNIT_REC_MAX, err) || strcmp(old.ptr, text);
	lc_err_clear(err);
	if (*changed)
		rc = ag_write_at(&d, file, text, strlen(text), 0600, err);
out:
	cJSON_free(text);
	lc_buf_release(&old);
	ag_dir_close(&d);
	return rc;
}

int ag_unit_delete(const char *lattice, const char *role, struct lc_err *err)
{
	struct ag_dir d = { .fd = -1 };
	char file[80];
	int rc;

	snprintf(file, sizeof(file), "%s.json", role);
	rc = ag_dir_open(&d, AG_AREA_UNITS, lattice, 0, err);
	if (rc == AG_E_NOTFOUND)
		return 0;
	if (rc)
		return rc;
	if (unlinkat(d.fd, file, 0) < 0 && errno != ENOENT)
		rc = lc_err_set(err, "cannot remove '%s/%s': %s", d.path, file, strerror(errno));
	else if (fsync(d.fd) < 0)
		rc = lc_err_set(err, "cannot sync '%s': %s", d.path, strerror(errno));
	ag_dir_close(&d);
	return rc;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void ag_units_free(char **names, size_t n)
{
	size_t i;

	for (i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
}

int ag_units_list(const char *lattice, char ***names, size_t *n, struct lc_err *err)
{
	struct ag_dir d = { .fd = -1 };
	struct dirent *de;
	DIR *dir = NULL;
	char **v = NULL, **nv, *dot;
	size_t cap = 0;
	int rc;

	*names = NULL;
	*n = 0;
	rc = ag_dir_list(&d, &dir, AG_AREA_UNITS, lattice, err);
	if (rc == AG_E_NOTFOUND)
		return 0;
	if (rc)
		return rc;
	while ((errno = 0, de = readdir(dir))) {
		if (!(dot = strrchr(de->d_name, '.')) || strcmp(dot, ".json"))
			continue;
		*dot = '\0';
		if (!ag_role_ok(de->d_name))
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 8;
			if (!(nv = realloc(v, cap * sizeof(*v)))) {
				rc = lc_err_set(err, "out of memory");
				goto out;
			}
			v = nv;
		}
		if (!(v[*n] = strdup(de->d_name))) {
			rc = lc_err_set(err, "out of memory");
			goto out;
		}
		(*n)++;
	}
	if (errno)
		rc = lc_err_set(err, "cannot read '%s': %s", d.path, strerror(errno));
out:
	if (dir)
		closedir(dir);
	ag_dir_close(&d);
	if (rc) {
		ag_units_free(v, *n);
		*n = 0;
		return rc;
	}
	if (v)
		qsort(v, *n, sizeof(*v), cmp_names);
	*names = v;
	return 0;
}
