/* cmd_publish.c - `latticectl publish`: print the handshake kit, or commit it with --git. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "diag.h"
#include "identity.h"
#include "kit.h"
#include "lc.h"
#include "retire.h"
#include "state.h"
#include "banned.h"

static const char *git_dir;
static const struct lc_opt publish_opts[] = {
	{ LC_OPT_STRING, 0, "git", "DIR", "commit the kit into the git repository DIR", &git_dir },
	LC_OPT_END_MARK,
};

/*
 * While lattice name retires for a successor (or name is that
 * successor and its predecessor still runs), the retirement: *rt filled,
 * and 1.  0 when there is none.
 */
static int retiring(struct lc_retirement *rt, char *old, size_t size,
		    const struct lc_ctx *ctx, const char *name)
{
	char dir[PATH_MAX];
	struct lc_err err;

	lc_err_clear(&err);
	snprintf(old, size, "%s", name);
	lc_state_path(dir, sizeof(dir), ctx->state_dir, name);
	if (lc_retirement_read(rt, dir, &err) == 0 && rt->found)
		return rt->retired ? 0 : 1;
	if (lc_predecessor_read(old, size, dir, &err) || !old[0])
		return 0;
	lc_state_path(dir, sizeof(dir), ctx->state_dir, old);
	return lc_retirement_read(rt, dir, &err) == 0 && rt->found && !rt->retired &&
	       !strcmp(rt->successor, name);
}

/* The kit of the retiring lattice old, from its kept manifest: appended
 * to text, and as *json; a warning (and -1) when it cannot be read. */
static int old_kit(struct lc_buf *text, char **json, const struct lc_ctx *ctx,
		   const char *old)
{
	char path[PATH_MAX + 32];
	struct lc_manifest *om = NULL;
	struct lc_identity id;
	struct lc_diags d;
	struct lc_err err;
	int rc = -1, have_id = 0;

	lc_err_clear(&err);
	snprintf(path, sizeof(path), "%s/%s/%s", ctx->state_dir, old, LC_KEPT_MANIFEST);
	lc_diags_init(&d, path);
	if (lc_manifest_load(&om, path, &d)) {
		lc_err_set(&err, "its kept manifest '%s' does not load (%zu error%s)", path,
			   d.nerrors, d.nerrors == 1 ? "" : "s");
		goto out;
	}
	if (lc_identity_read(&id, om, ctx->secrets_dir, ctx->state_dir, &err))
		goto out;
	have_id = 1;
	if (lc_kit_text(text, &id, om, NULL) || !(*json = lc_kit_json(&id, om, NULL))) {
		lc_err_set(&err, "out of memory");
		goto out;
	}
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "warning: cannot print the kit of the retiring lattice '%s': "
			"%s\nhint: 'latticectl -m %s publish' prints it once its manifest and "
			"secrets are there\n", old, err.msg, path);
	if (have_id)
		lc_identity_release(&id);
	lc_diags_release(&d);
	lc_manifest_free(om);
	return rc;
}

/* Add the retirement to the kit: text before and after it, JSON as
 * "retiring" (and the old kit in it, when m is the successor). */
static int add_retirement(struct lc_buf *text, char **json, const struct lc_ctx *ctx,
			  const struct lc_manifest *m)
{
	struct lc_retirement rt;
	struct lc_buf head, oldtext;
	char old[256], when[64], *oldjson = NULL, *out = NULL;
	cJSON *o = NULL, *r, *ok;
	int rc = -1;

	if (!retiring(&rt, old, sizeof(old), ctx, m->name))
		return 0;
	lc_deadline_fmt(when, sizeof(when), rt.deadline);
	lc_buf_init(&head, LC_BUF_NOMAX);
	lc_buf_init(&oldtext, LC_BUF_NOMAX);
	if (!(o = cJSON_Parse(*json)) || !(r = cJSON_AddObjectToObject(o, "retiring")) ||
	    !cJSON_AddStringToObject(r, "lattice", rt.lattice) ||
	    !cJSON_AddStringToObject(r, "successor", rt.successor) ||
	    !cJSON_AddNumberToObject(r, "deadline", (double)rt.deadline))
		goto out;
	if (!strcmp(rt.lattice, m->name)) {
		/* The old lattice's own kit: it says it ends. */
		if (lc_buf_add(&head, text->ptr, text->len) ||
		    lc_buf_printf(&head, "RETIRING: lattice %s ends after %s; its successor is "
				  "%s (publish it from the successor's manifest)\n", m->name,
				  when, rt.successor))
			goto out;
	} else {
		if (lc_buf_add(&head, text->ptr, text->len))
			goto out;
		if (old_kit(&oldtext, &oldjson, ctx, old) == 0) {
			if (lc_buf_printf(&head, "\nRETIRING, beside it until %s: lattice %s; "
					  "integrators move to %s by then\n", when, old,
					  rt.successor) ||
			    lc_buf_add(&head, oldtext.ptr, oldtext.len) ||
			    !(ok = cJSON_Parse(oldjson)))
				goto out;
			cJSON_AddItemToObject(r, "kit", ok);
		}
	}
	if (!(out = cJSON_Print(o)))
		goto out;
	free(*json);
	*json = out;
	lc_buf_reset(text);
	rc = lc_buf_add(text, head.ptr, head.len);
out:
	if (rc)
		fprintf(stderr, "latticectl: out of memory\n");
	free(oldjson);
	cJSON_Delete(o);
	lc_buf_release(&head);
	lc_buf_release(&oldtext);
	return rc;
}

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
	if (add_retirement(&text, &json, ctx, m))
		goto out;
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
