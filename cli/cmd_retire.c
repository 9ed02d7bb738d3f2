/* cmd_retire.c - `latticectl retire LATTICE`: after its deadline, stop and wipe a lattice that has a successor, on every host of its kept manifest. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "diag.h"
#include "lc.h"
#include "manifest.h"
#include "retire.h"
#include "state.h"
#include "banned.h"

static int now_flag, yes;
static const struct lc_opt retire_opts[] = {
	{ LC_OPT_FLAG, 0, "now", NULL, "retire before the deadline (integrators lose it early)",
	  &now_flag },
	{ LC_OPT_FLAG, 0, "yes", NULL, "do not ask for confirmation", &yes },
	LC_OPT_END_MARK,
};

/* The kept manifest, loaded as the dispatcher loads -m's. */
static int load_kept(struct lc_ctx *ctx, const char *path)
{
	struct lc_diags d;
	int rc;

	lc_diags_init(&d, path);
	rc = lc_manifest_load(&ctx->manifest, path, &d);
	lc_diags_print(stderr, &d, ctx->color);
	if (rc)
		fprintf(stderr, "%s: %zu error%s in the kept manifest of the lattice\n", d.file,
			d.nerrors, d.nerrors == 1 ? "" : "s");
	lc_diags_release(&d);
	return rc;
}

/* --now destroys a lattice integrators were promised until its deadline. */
static int confirm(const char *name, const char *when)
{
	char line[300];

	if (yes)
		return 0;
	if (!isatty(STDIN_FILENO)) {
		fprintf(stderr, "latticectl: retire --now stops and wipes lattice '%s' before "
			"its deadline (%s), and nothing asks first without a terminal\n"
			"hint: add --yes to confirm\n", name, when);
		return -1;
	}
	fprintf(stderr, "retire --now stops lattice '%s' before its deadline (%s) and wipes "
		"its secrets from every host.\nType the lattice name to confirm: ", name, when);
	if (!fgets(line, sizeof(line), stdin))
		return -1;
	line[strcspn(line, "\r\n")] = '\0';
	if (strcmp(line, name)) {
		fprintf(stderr, "latticectl: not confirmed; nothing was changed\n");
		return -1;
	}
	return 0;
}

static int cmd_retire(int argc, char **argv, struct lc_ctx *ctx)
{
	static char kept[PATH_MAX + 32];
	char statedir[PATH_MAX], why[160], hint[200], when[64];
	const char *name = argv[0];
	struct lc_retirement rt;
	struct lc_err err;
	long long now = (long long)time(NULL);
	int rc;

	(void)argc;
	lc_err_clear(&err);
	if (lc_check_lattice_name(name, why, sizeof(why), hint, sizeof(hint)))
		return lc_usage_error(&lc_cmd_retire, "'%s' is not a lattice name: %s", name, why);
	lc_state_path(statedir, sizeof(statedir), ctx->state_dir, name);
	if (lc_retirement_read(&rt, statedir, &err))
		return lc_fail(&err);
	if (!rt.found) {
		lc_err_set(&err, "lattice '%s' has no successor: nothing in '%s' says it retires",
			   name, statedir);
		lc_err_hint(&err, "edit its manifest, run 'latticectl -m MANIFEST successor', "
			    "stand the successor up, and retire '%s' after the deadline; "
			    "'latticectl down --wipe' decommissions a lattice outright", name);
		return lc_fail(&err);
	}
	lc_deadline_fmt(when, sizeof(when), rt.deadline);
	if (rt.retired) {
		char done[64];

		lc_deadline_fmt(done, sizeof(done), rt.retired);
		if (!ctx->quiet)
			fprintf(stderr, "retire: lattice '%s' was retired on %s; nothing to do "
				"(its successor is '%s')\n", name, done, rt.successor);
		return LC_EXIT_OK;
	}
	if (now < rt.deadline && !now_flag) {
		lc_err_set(&err, "lattice '%s' runs until its deadline, %s (%lld days from "
			   "now): integrators were given until then to move to '%s'", name, when,
			   (rt.deadline - now + 86399) / 86400, rt.successor);
		lc_err_hint(&err, "run this again after the deadline; 'latticectl retire %s "
			    "--now --yes' ends it early", name);
		return lc_fail(&err);
	}
	if (now < rt.deadline && confirm(name, when))
		return LC_EXIT_FAIL;
	snprintf(kept, sizeof(kept), "%s/%s", statedir, LC_KEPT_MANIFEST);
	if (load_kept(ctx, kept))
		return LC_EXIT_MANIFEST;
	if (strcmp(ctx->manifest->name, name)) {
		lc_err_set(&err, "the kept manifest '%s' is of lattice '%s', not '%s'", kept,
			   ctx->manifest->name, name);
		lc_err_hint(&err, "put the manifest '%s' last ran with there", name);
		return lc_fail(&err);
	}
	/* Stop and wipe everywhere; a run that fails or is killed is resumed
	 * by running retire again (both steps are idempotent). */
	rc = lc_down_run(ctx, &lc_cmd_retire, 1, 0);
	if (rc != LC_EXIT_OK)
		return rc;
	rt.retired = (long long)time(NULL);
	if (lc_retirement_write(&rt, statedir, &err))
		return lc_fail(&err);
	if (!ctx->quiet && !ctx->json)
		fprintf(stderr, "retire: lattice '%s' is retired; '%s' runs on, and publish "
			"prints only its kit now\n", name, rt.successor);
	return LC_EXIT_OK;
}

const struct lc_cmd lc_cmd_retire = {
	"retire", cmd_retire, LC_NEED_LOCK, retire_opts, "LATTICE [--now [--yes]]", 1, 1,
	"after its deadline, stop and wipe a lattice that has a successor", NULL,
};
