/* envfile.c - a role's env files (KEY=VALUE lines in area env), loaded in order into one environment. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "agent.h"
#include "buf.h"
#include "unit.h"
#include "banned.h"

static int key_ok(const char *k, size_t n)
{
	size_t i;

	if (!n || (k[0] >= '0' && k[0] <= '9'))
		return 0;
	for (i = 0; i < n; i++) {
		char c = k[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '_'))
			return 0;
	}
	return 1;
}

static void wipe_free(char *s)
{
	if (!s)
		return;
	sodium_memzero(s, strlen(s));
	free(s);
}

int ag_env_set(struct ag_env *e, const char *key, const char *val, struct lc_err *err)
{
	size_t klen = strlen(key), vlen = strlen(val), i;
	char *kv;

	if (!(kv = malloc(klen + vlen + 2)))
		return lc_err_set(err, "out of memory");
	memcpy(kv, key, klen);
	kv[klen] = '=';
	memcpy(kv + klen + 1, val, vlen + 1);
	/* A later setting replaces an earlier one, as systemd does. */
	for (i = 0; i < e->n; i++)
		if (!strncmp(e->kv[i], key, klen) && e->kv[i][klen] == '=') {
			wipe_free(e->kv[i]);
			e->kv[i] = kv;
			return 0;
		}
	if (e->n >= AG_ENV_VARS) {
		wipe_free(kv);
		return lc_err_setc(err, AG_E_BAD, "more than %d environment variables",
				   AG_ENV_VARS);
	}
	e->kv[e->n++] = kv;
	e->kv[e->n] = NULL;
	return 0;
}

void ag_env_release(struct ag_env *e)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		wipe_free(e->kv[i]);
	e->n = 0;
	e->kv[0] = NULL;
}

/*
 * One file's lines: KEY=VALUE, blank lines and lines starting with '#'
 * or ';' ignored, a value in matching single or double quotes unquoted.
 * Values are never put into a message: they might be sensitive.
 */
static int parse(struct ag_env *e, char *text, const char *dir, const char *name,
		 struct lc_err *err)
{
	char *line = text, *next, *eq, *v;
	unsigned lineno = 0;
	size_t vlen;
	int rc;

	for (; line && *line; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')))
			*next++ = '\0';
		if ((vlen = strlen(line)) && line[vlen - 1] == '\r')
			line[--vlen] = '\0';
		line += strspn(line, " \t");
		if (!*line || *line == '#' || *line == ';')
			continue;
		if (!(eq = strchr(line, '=')) || !key_ok(line, (size_t)(eq - line)))
			return lc_err_setc(err, AG_E_BAD, "'%s/%s:%u': not a KEY=VALUE line",
					   dir, name, lineno);
		*eq = '\0';
		v = eq + 1;
		vlen = strlen(v);
		if (vlen >= 2 && (v[0] == '"' || v[0] == '\'') && v[vlen - 1] == v[0]) {
			v[vlen - 1] = '\0';
			v++;
		}
		if ((rc = ag_env_set(e, line, v, err)))
			return rc;
	}
	return 0;
}

int ag_env_load(struct ag_env *e, const char *lattice, const struct ag_unit *u,
		struct lc_err *err)
{
	struct ag_dir d = { .fd = -1 };
	struct lc_buf b;
	size_t i;
	int rc = 0;

	lc_buf_init(&b, LC_BUF_NOMAX);
	if (u->nenv && (rc = ag_dir_open(&d, AG_AREA_ENV, lattice, 0, err)))
		goto out;
	for (i = 0; i < u->nenv; i++) {
		if ((rc = ag_read_at(&d, u->env[i], &b, AG_ENV_FILE_MAX, err)) ||
		    (rc = parse(e, b.ptr, d.path, u->env[i], err)))
			goto out;
		sodium_memzero(b.ptr, b.len);
	}
out:
	if (b.ptr)
		sodium_memzero(b.ptr, b.len);
	lc_buf_release(&b);
	ag_dir_close(&d);
	return rc;
}
