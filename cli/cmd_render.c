/* cmd_render.c - `latticectl render k8s|nomad`: the lattice for Kubernetes or Nomad instead of SSH hosts; touches no host. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "check.h"
#include "fileio.h"
#include "identity.h"
#include "lc.h"
#include "render.h"
#include "secrets.h"
#include "banned.h"

static const char *out_dir, *cpu_arg, *memory_arg;
static struct lc_opt_list images;
static const struct lc_opt render_opts[] = {
	{ LC_OPT_LIST, 0, "image", "[ROLE=]REF",
	  "container image of ROLE, or of every role without ROLE= (repeatable)", &images },
	{ LC_OPT_STRING, 'o', "output", "DIR",
	  "write files into DIR (secrets 0600) instead of one document to stdout", &out_dir },
	{ LC_OPT_STRING, 0, "cpu", "MILLICORES", "CPU per member (default 500)", &cpu_arg },
	{ LC_OPT_STRING, 0, "memory", "MIB", "memory per member in MiB (default 512)", &memory_arg },
	LC_OPT_END_MARK,
};

const struct lc_cmd lc_cmd_render;

static const char *const formats[] = { "k8s", "nomad", NULL };

static int parse_num(const char *arg, const char *opt, unsigned lo, unsigned hi,
		     unsigned *out)
{
	char *end;
	unsigned long v;

	if (!arg)
		return 0;
	errno = 0;
	v = strtoul(arg, &end, 10);
	if (*arg < '0' || *arg > '9' || *end || errno || v < lo || v > hi)
		return lc_usage_error(&lc_cmd_render, "%s wants a number from %u to %u, "
				      "not '%s'", opt, lo, hi, arg);
	*out = (unsigned)v;
	return 0;
}

/* --image [ROLE=]REF: a role's image, or every role's. */
static int parse_images(struct lc_render_opts *o, const struct lc_manifest *m)
{
	const char *names[LC_ROLE_COUNT + 1], *eq, *sug;
	char role[64], missing[400] = "";
	size_t i, len = 0;
	int r;

	for (r = 0; r < LC_ROLE_COUNT; r++)
		names[r] = lc_roles[r].name;
	names[LC_ROLE_COUNT] = NULL;
	for (i = 0; i < images.n; i++) {
		if (!(eq = strchr(images.v[i], '='))) {
			for (r = 0; r < LC_ROLE_COUNT; r++)
				if (!o->image[r])
					o->image[r] = images.v[i];
			continue;
		}
		snprintf(role, sizeof(role), "%.*s", (int)(eq - images.v[i]), images.v[i]);
		if ((r = lc_role_lookup(role)) < 0) {
			sug = lc_suggest(role, names);
			return lc_usage_error(&lc_cmd_render, "--image: unknown role '%s'%s%s%s",
					      role, sug ? " (did you mean '" : "",
					      sug ? sug : "", sug ? "'?)" : "");
		}
		if (!eq[1])
			return lc_usage_error(&lc_cmd_render, "--image %s names no image", role);
		o->image[r] = eq + 1;
	}
	for (r = 0; r < LC_ROLE_COUNT; r++)
		if (m->role_count[r] && !o->image[r] && len < sizeof(missing))
			len += (size_t)snprintf(missing + len, sizeof(missing) - len, "%s%s",
						len ? ", " : "", lc_roles[r].name);
	if (len)
		return lc_usage_error(&lc_cmd_render, "no container image for %s", missing);
	return 0;
}

/* Print j to stdout, or write it to dir/name with mode; wipes the text. */
static int emit(cJSON *j, const char *dir, const char *name, unsigned mode,
		struct lc_err *err)
{
	char path[PATH_MAX + 256], *text = cJSON_Print(j);
	int rc = 0;

	if (!text)
		return lc_err_set(err, "out of memory");
	if (!dir) {
		fputs(text, stdout);
		fputc('\n', stdout);
	} else {
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		rc = lc_write_file_atomic(path, text, strlen(text), mode, err);
	}
	sodium_memzero(text, strlen(text));
	free(text);
	return rc;
}

/* The output directory, 0700, made when missing; refused inside a git
 * work tree that does not ignore it (it gets the secrets). */
static int make_dir(const char *dir, struct lc_err *err)
{
	char abs[PATH_MAX];
	struct stat st;

	if (mkdir(dir, 0700) && errno != EEXIST)
		return lc_err_set(err, "cannot create '%s': %s", dir, strerror(errno));
	if (stat(dir, &st) || !S_ISDIR(st.st_mode))
		return lc_err_set(err, "'%s' is not a directory", dir);
	if (!realpath(dir, abs))
		return lc_err_set(err, "cannot resolve '%s': %s", dir, strerror(errno));
	return lc_secrets_check_git(abs, "-o DIR", err);
}

static int write_k8s(const struct lc_render *r, struct lc_err *err)
{
	cJSON *l, *s = NULL;
	char name[LC_RENDER_NAME_MAX + 32];
	int rc;

	if (!(l = lc_render_k8s(r, out_dir ? &s : NULL)))
		return lc_err_set(err, "out of memory");
	snprintf(name, sizeof(name), "%s.json", r->base);
	rc = emit(l, out_dir, name, 0644, err);
	snprintf(name, sizeof(name), "%s.secrets.json", r->base);
	if (!rc && s)
		rc = emit(s, out_dir, name, 0600, err);
	lc_render_wipe(l);
	lc_render_wipe(s);
	cJSON_Delete(l);
	cJSON_Delete(s);
	return rc;
}

static int write_nomad(const struct lc_render *r, struct lc_err *err)
{
	cJSON *jobs = NULL, *vars = NULL, *all = NULL;
	char dir[PATH_MAX + 32], name[LC_RENDER_NAME_MAX + 32];
	size_t i;
	int rc = -1;

	if (lc_render_nomad(r, &jobs, &vars)) {
		lc_err_set(err, "out of memory");
		goto out;
	}
	if (!out_dir) {
		all = cJSON_CreateObject();
		cJSON_AddItemToObject(all, "Jobs", jobs);
		cJSON_AddItemToObject(all, "Variables", vars);
		jobs = vars = NULL;
		rc = emit(all, NULL, NULL, 0, err);
		goto out;
	}
	/* jobs/NN-<member>.json in rollout order; variables/<member>.json. */
	snprintf(dir, sizeof(dir), "%s/jobs", out_dir);
	if (make_dir(dir, err))
		goto out;
	snprintf(dir, sizeof(dir), "%s/variables", out_dir);
	if (make_dir(dir, err))
		goto out;
	for (i = 0; i < r->nmembers; i++) {
		snprintf(dir, sizeof(dir), "%s/jobs", out_dir);
		snprintf(name, sizeof(name), "%02zu-%s.json", i + 1, r->members[i].name);
		if (emit(cJSON_GetArrayItem(jobs, (int)i), dir, name, 0644, err))
			goto out;
		snprintf(dir, sizeof(dir), "%s/variables", out_dir);
		snprintf(name, sizeof(name), "%s.json", r->members[i].name);
		if (emit(cJSON_GetArrayItem(vars, (int)i), dir, name, 0600, err))
			goto out;
	}
	rc = 0;
out:
	lc_render_wipe(vars);
	lc_render_wipe(all);
	cJSON_Delete(jobs);
	cJSON_Delete(vars);
	cJSON_Delete(all);
	return rc;
}

static int cmd_render(int argc, char **argv, struct lc_ctx *ctx)
{
	const struct lc_manifest *m = ctx->manifest;
	struct lc_render_opts o = { .cpu_milli = 500, .memory_mib = 512 };
	struct lc_render r = { 0 };
	struct lc_identity id;
	struct lc_err err;
	const char *sug;
	int rc, k8s;

	(void)argc;
	lc_err_clear(&err);
	if (strcmp(argv[0], "k8s") && strcmp(argv[0], "nomad")) {
		sug = lc_suggest(argv[0], formats);
		return lc_usage_error(&lc_cmd_render, "unknown format '%s'%s%s%s", argv[0],
				      sug ? " (did you mean '" : "", sug ? sug : "",
				      sug ? "'?)" : "");
	}
	k8s = !strcmp(argv[0], "k8s");
	if ((rc = parse_num(cpu_arg, "--cpu", 1, 1000000, &o.cpu_milli)) ||
	    (rc = parse_num(memory_arg, "--memory", 16, 4194304, &o.memory_mib)) ||
	    (rc = parse_images(&o, m)))
		return rc;
	/* The shares of a ceremony never leave their member hosts. */
	if (m->dkg == LC_DKG_MODE_CEREMONY) {
		lc_err_set(&err, "cannot render lattice '%s': its unseal and offer key shares "
			   "are made by the DKG ceremony on its member hosts and never leave "
			   "them, so no Secret or Variable can carry them", m->name);
		lc_err_hint(&err, "render serves lattices whose shares are dealt locally "
			    "(tdx = \"simulate\", dkg = \"dealer\"); run a TDX lattice on its "
			    "hosts with 'latticectl up'");
		return lc_fail(&err);
	}
	/* Read only: the secrets must exist already. */
	if (lc_identity_read(&id, m, ctx->secrets_dir, ctx->state_dir, &err))
		return lc_fail(&err);
	rc = LC_EXIT_FAIL;
	if (lc_render_load(&r, m, &id, &o, &err) || (out_dir && make_dir(out_dir, &err)) ||
	    (k8s ? write_k8s(&r, &err) : write_nomad(&r, &err))) {
		lc_fail(&err);
		goto out;
	}
	if (out_dir && !ctx->quiet)
		fprintf(stderr, "render: %zu members of lattice %s for %s in %s\n", r.nmembers,
			m->name, k8s ? "Kubernetes" : "Nomad", out_dir);
	rc = LC_EXIT_OK;
out:
	lc_render_release(&r);
	lc_identity_release(&id);
	return rc;
}

const struct lc_cmd lc_cmd_render = {
	"render", cmd_render, LC_NEED_MANIFEST, render_opts, "k8s|nomad", 1, 1,
	"the lattice as Kubernetes objects or Nomad jobs; touches no host",
	"one format: latticectl render k8s --image registry/lattice-roles:1   or   "
	"latticectl render nomad -o out --image REF",
};
