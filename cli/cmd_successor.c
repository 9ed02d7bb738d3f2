/* cmd_successor.c - `latticectl successor`: make the edited manifest the lattice's successor, <name>.v<N+1>, and announce the old one's retirement. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "manifest.h"
#include "retire.h"
#include "state.h"
#include "up.h"
#include "banned.h"

static const char *deadline_arg;
static const struct lc_opt successor_opts[] = {
	{ LC_OPT_STRING, 0, "deadline", "DATE|DURATION",
	  "when the old lattice may be retired: YYYY-MM-DD (UTC) or e.g. 14d, 4w (default 4w)",
	  &deadline_arg },
	LC_OPT_END_MARK,
};

/* What blocks a successor of lattice old, if anything (err set). */
static int check_old(const struct lc_ctx *ctx, const char *olddir, const char *kept,
		     struct lc_err *err)
{
	const struct lc_manifest *m = ctx->manifest;
	char path[PATH_MAX + 32], a[PATH_MAX], b[PATH_MAX];
	struct lc_retirement rt;

	snprintf(path, sizeof(path), "%s/identity.json", olddir);
	if (access(path, F_OK)) {
		lc_err_set(err, "lattice '%s' has no recorded identity in '%s': there is no "
			   "running lattice to succeed", m->name, olddir);
		lc_err_hint(err, "stand it up as it is with 'latticectl -m %s up' (or pass "
			    "--state-dir if its state lives elsewhere)", m->path);
		return -1;
	}
	if (realpath(kept, a) && realpath(m->path, b) && !strcmp(a, b)) {
		lc_err_set(err, "'%s' is the kept manifest of the running lattice '%s'",
			   m->path, m->name);
		lc_err_hint(err, "edit your own manifest (the one 'up' ran with) and run "
			    "'latticectl -m THAT successor'");
		return -1;
	}
	if (lc_retirement_read(&rt, olddir, err))
		return -1;
	if (rt.found) {
		lc_err_set(err, "lattice '%s' %s already, for its successor '%s'", m->name,
			   rt.retired ? "was retired" : "is being retired", rt.successor);
		lc_err_hint(err, "a lattice has one successor: run that one's manifest "
			    "(name = \"%s\"), and 'latticectl successor' on it for the next "
			    "change", rt.successor);
		return -1;
	}
	if (access(kept, F_OK)) {
		lc_err_set(err, "no copy of the manifest lattice '%s' runs with at '%s' (up "
			   "keeps one from this version on)", m->name, kept);
		lc_err_hint(err, "put the manifest it was last stood up with there (e.g. 'git "
			    "show HEAD:%s > %s'), then run 'latticectl successor' again",
			    m->path, kept);
		return -1;
	}
	return 0;
}

static int cmd_successor(int argc, char **argv, struct lc_ctx *ctx)
{
	const struct lc_manifest *m = ctx->manifest;
	char olddir[PATH_MAX], newdir[PATH_MAX], kept[PATH_MAX + 32], next[256], when[64];
	struct lc_retirement rt;
	struct lc_err err;
	struct lc_buf text;
	long long now = (long long)time(NULL);
	cJSON *o;

	(void)argc;
	(void)argv;
	lc_err_clear(&err);
	memset(&rt, 0, sizeof(rt));
	lc_state_path(olddir, sizeof(olddir), ctx->state_dir, m->name);
	snprintf(kept, sizeof(kept), "%s/%s", olddir, LC_KEPT_MANIFEST);
	rt.deadline = now + LC_RETIRE_DEFAULT_S;
	if ((deadline_arg && lc_deadline_parse(&rt.deadline, deadline_arg, now, &err)) ||
	    check_old(ctx, olddir, kept, &err) ||
	    lc_successor_name(next, sizeof(next), m->name, &err))
		return lc_fail(&err);
	if (lc_state_dir(newdir, sizeof(newdir), ctx->state_dir, next, &err))
		return lc_fail(&err);
	snprintf(kept, sizeof(kept), "%s/identity.json", newdir);
	if (!access(kept, F_OK)) {
		lc_err_set(&err, "lattice '%s' exists already (its identity is in '%s')", next,
			   newdir);
		lc_err_hint(&err, "a successor's name is new: move that state away if it is "
			    "left over from a test, or name the lattice yourself");
		return lc_fail(&err);
	}
	snprintf(kept, sizeof(kept), "%s/%s", olddir, LC_KEPT_MANIFEST);
	snprintf(rt.lattice, sizeof(rt.lattice), "%s", m->name);
	snprintf(rt.successor, sizeof(rt.successor), "%s", next);
	rt.announced = now;
	/* The new text first (nothing is recorded when the name cannot be
	 * rewritten), then the records, then the manifest. */
	lc_buf_init(&text, LC_BUF_NOMAX);
	if (lc_manifest_renamed(&text, m, next, &err) ||
	    lc_retirement_write(&rt, olddir, &err) ||
	    lc_predecessor_write(newdir, m->name, &err) ||
	    lc_known_hosts_inherit(newdir, olddir, &err)) {
		lc_buf_release(&text);
		return lc_fail(&err);
	}
	if (lc_manifest_write(m, &text, &err)) {
		lc_buf_release(&text);
		lc_err_hint(&err, "the retirement is recorded: write name = \"%s\" in [lattice] "
			    "of '%s' yourself, then run 'latticectl up'", next, m->path);
		return lc_fail(&err);
	}
	lc_buf_release(&text);
	lc_deadline_fmt(when, sizeof(when), rt.deadline);
	if (ctx->json) {
		if (!(o = cJSON_CreateObject()))
			return LC_EXIT_FAIL;
		cJSON_AddStringToObject(o, "lattice", m->name);
		cJSON_AddStringToObject(o, "successor", next);
		cJSON_AddNumberToObject(o, "deadline", (double)rt.deadline);
		cJSON_AddStringToObject(o, "manifest", m->path);
		cJSON_AddStringToObject(o, "kept_manifest", kept);
		lc_print_json(o);
	} else {
		printf("successor: lattice '%s' retires; its successor is '%s' (deadline %s)\n"
		       "  %s now says name = \"%s\" (nothing else in it changed)\n"
		       "  '%s' keeps running from %s\n"
		       "next:\n"
		       "  latticectl -m %s up           # stand up %s beside %s\n"
		       "  latticectl -m %s publish      # both kits, for integrators\n"
		       "  latticectl -m %s status       # the old lattice, until\n"
		       "  latticectl retire %s               # after the deadline\n",
		       m->name, next, when, m->path, next, m->name, kept, m->path, next, m->name,
		       m->path, kept, m->name);
	}
	if (m->health.metrics_port_set)
		fprintf(stderr, "warning: metrics_port = %u is set in [health]: '%s' would serve "
			"on the ports '%s' does, on the hosts both run on (up refuses that)\n"
			"hint: set metrics_port = %u for '%s', or remove it (a port is then derived "
			"from the new name)\n", m->health.metrics_port, next, m->name,
			m->health.metrics_port + 8 <= 65528 ? m->health.metrics_port + 8
							    : m->health.metrics_port - 8,
			next);
	return LC_EXIT_OK;
}

const struct lc_cmd lc_cmd_successor = {
	"successor", cmd_successor, LC_NEED_MANIFEST, successor_opts,
	"[--deadline DATE|DURATION]", 0, 0,
	"make the edited manifest the lattice's successor, NAME.vN, to run beside it", NULL,
};
