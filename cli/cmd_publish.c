/* cmd_publish.c - `latticectl publish`: print the handshake kit, or commit it with --git. */
#include <stdio.h>
#include <stdlib.h>

#include "identity.h"
#include "kit.h"
#include "lc.h"
#include "state.h"
#include "banned.h"

static const char *git_dir;
static const struct lc_opt publish_opts[] = {
	{ LC_OPT_STRING, 0, "git", "DIR", "commit the kit into the git repository DIR", &git_dir },
	LC_OPT_END_MARK,
};

static int cmd_publish(int argc, char **argv, struct lc_ctx *ctx)
{
	const struct lc_manifest *m = ctx->manifest;
	struct lc_identity id;
	struct lc_gitinfo gi;
	struct lc_err err;
	struct lc_buf text;
	char *json = NULL, commit[41];
	int rc = LC_EXIT_FAIL, committed;

	(void)argc;
	(void)argv;
	lc_err_clear(&err);
	lc_buf_init(&text, LC_BUF_NOMAX);
	/* Publishing reads the lattice's identity; it never creates one. */
	if (lc_identity_read(&id, m, ctx->secrets_dir, ctx->state_dir, &err))
		return lc_fail(&err);
	if (lc_git_manifest_info(&gi, m->path, &err)) {
		rc = lc_fail(&err);
		goto out;
	}
	if (lc_kit_text(&text, &id, m, &gi) || !(json = lc_kit_json(&id, m, &gi))) {
		fprintf(stderr, "latticectl: out of memory\n");
		goto out;
	}
	if (git_dir) {
		if (lc_kit_git(git_dir, &id, text.ptr, json, &committed, commit, &err)) {
			rc = lc_fail(&err);
			goto out;
		}
		if (committed)
			fprintf(stderr, "publish: committed the kit to %s as %.12s\n",
				git_dir, commit);
		else
			fprintf(stderr, "publish: the kit in %s is unchanged; nothing "
				"committed\n", git_dir);
	}
	fputs(ctx->json ? json : text.ptr, stdout);
	if (ctx->json)
		fputc('\n', stdout);
	rc = LC_EXIT_OK;
out:
	free(json);
	lc_buf_release(&text);
	lc_identity_release(&id);
	return rc;
}

const struct lc_cmd lc_cmd_publish = {
	"publish", cmd_publish, LC_NEED_MANIFEST, publish_opts, "", 0, 0,
	"print the handshake kit integrators bind to", NULL,
};
