/* cmd_dkg.c - `latticectl dkg run|verify [unseal|offer]`: the DKG ceremony on the member hosts, and its transcript checked. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "ceremony.h"
#include "connect.h"
#include "fanout.h"
#include "hex.h"
#include "lc.h"
#include "state.h"
#include "banned.h"

static int new_identity, check_hosts;
static const struct lc_opt dkg_opts[] = {
	{ LC_OPT_FLAG, 0, "new-identity", NULL,
	  "run: retire the recorded ceremony and run a new one (a fingerprint change)",
	  &new_identity },
	{ LC_OPT_FLAG, 0, "hosts", NULL,
	  "verify: also ask every member host for its active share", &check_hosts },
	LC_OPT_END_MARK,
};

/* The organisms named (or both): their LC_DKG_* in v, how many. */
static int pick(int *v, int argc, char **argv)
{
	if (argc < 2) {
		v[0] = LC_DKG_UNSEAL;
		v[1] = LC_DKG_OFFER;
		return 2;
	}
	if (!strcmp(argv[1], "unseal"))
		v[0] = LC_DKG_UNSEAL;
	else if (!strcmp(argv[1], "offer"))
		v[0] = LC_DKG_OFFER;
	else
		return -1;
	return 1;
}

/* Print what a step said: lines to stdout, warnings to stderr. */
static void print_out(const struct lc_ctx *ctx, const struct lc_buf *out)
{
	const char *s = out->ptr ? out->ptr : "";

	while (*s) {
		size_t n = strcspn(s, "\n");
		int warn = !strncmp(s, "warning: ", 9);

		if (warn || !ctx->quiet)
			fprintf(warn ? stderr : stdout, "%.*s\n", (int)n, s);
		s += n + (s[n] == '\n');
	}
}

/* One organism's outcome for --json. */
static void json_result(cJSON *a, int which, int rc, const struct lc_buf *out,
			const struct lc_err *err)
{
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return;
	cJSON_AddItemToArray(a, o);
	cJSON_AddStringToObject(o, "organism", lc_ceremony_org(which));
	cJSON_AddBoolToObject(o, "ok", rc == 0);
	cJSON_AddStringToObject(o, "output", out->ptr ? out->ptr : "");
	if (rc) {
		cJSON_AddStringToObject(o, "error", err->msg);
		if (err->hint[0])
			cJSON_AddStringToObject(o, "hint", err->hint);
	}
}

/* One organism's failure: under --json its result says it (json_result). */
static int fail_one(const struct lc_ctx *ctx, const struct lc_err *err)
{
	if (ctx->json)
		return LC_EXIT_FAIL;
	return lc_fail(err);
}

/* The fan-out over the manifest's hosts, in manifest order. */
static int open_fanout(struct lc_fanout *f, const char ***names, struct lc_ssh_opts *o,
		       char *known, size_t kn, struct lc_bundle *b, struct lc_ctx *ctx,
		       struct lc_err *err)
{
	const struct lc_manifest *m = ctx->manifest;
	size_t i;

	if (!(*names = calloc(m->nhosts ? m->nhosts : 1, sizeof(**names))))
		return lc_err_set(err, "out of memory");
	for (i = 0; i < m->nhosts; i++)
		(*names)[i] = m->hosts[i].ssh;
	if (lc_fanout_open(f, o, known, kn, b, ctx, *names, m->nhosts, 0, err))
		return -1;
	f->tty = 0;
	return 0;
}

static int dkg_run(int *which, int k, struct lc_ctx *ctx, const char *statedir,
		   cJSON *results)
{
	const struct lc_manifest *m = ctx->manifest;
	struct lc_ssh_opts o;
	struct lc_bundle b;
	struct lc_fanout f;
	struct lc_err err;
	struct lc_buf out;
	const char **names = NULL;
	char known[4200];
	int i, rc = LC_EXIT_OK, fan = 0, rec, changed = 0;

	lc_buf_init(&out, 1 << 20);
	lc_err_clear(&err);
	if (open_fanout(&f, &names, &o, known, sizeof(known), &b, ctx, &err)) {
		rc = lc_fail(&err); /* no organism's: said under --json too */
		goto out;
	}
	fan = 1;
	for (i = 0; i < k; i++) {
		int r;

		lc_buf_reset(&out);
		lc_err_clear(&err);
		r = rec = lc_ceremony_recorded(statedir, which[i], &err);
		if (rec > 0 && !new_identity) {
			/* Recorded: never run again on its own; finish what a cut-off run left. */
			lc_buf_printf(&out, "%s: a ceremony is recorded already; checking the "
				      "member hosts (pass --new-identity to run a new one: a "
				      "fingerprint change)\n", lc_ceremony_org(which[i]));
			r = lc_ceremony_check_hosts(&f, m, which[i], statedir, 1, &out, &err);
		} else if (rec >= 0) {
			r = 0;
			if (rec > 0)
				r = lc_ceremony_retire(statedir, which[i], &out, &err);
			if (r == 0)
				r = lc_ceremony_run(&f, m, which[i], statedir, &out, &err);
			if (r == 0 && rec > 0)
				changed = 1;
		}
		if (ctx->json)
			json_result(results, which[i], r, &out, &err);
		else
			print_out(ctx, &out);
		if (r) {
			rc = fail_one(ctx, &err);
			break;
		}
	}
	if (changed && !ctx->json)
		fprintf(stderr, "note: the new DKG key changes the lattice's fingerprint: record "
			"it with 'latticectl gen-config --new-identity' and follow the "
			"lattice-retirement procedure\n");
out:
	if (fan)
		lc_fanout_release(&f);
	free(names);
	lc_buf_release(&out);
	return rc;
}

static int dkg_verify(int *which, int k, struct lc_ctx *ctx, const char *statedir,
		      cJSON *results)
{
	const struct lc_manifest *m = ctx->manifest;
	struct lc_transcript tr;
	struct lc_ssh_opts o;
	struct lc_bundle b;
	struct lc_fanout f;
	struct lc_err err;
	struct lc_buf out;
	const char **names = NULL;
	char known[4200], path[4200], gpk[65], cid[17], why[256];
	int i, r, rc = LC_EXIT_OK, fan = 0, found = 0;

	lc_buf_init(&out, 1 << 20);
	for (i = 0; i < k; i++) {
		lc_buf_reset(&out);
		lc_err_clear(&err);
		lc_ceremony_path(path, sizeof(path), statedir, which[i]);
		r = lc_ceremony_load(&tr, statedir, which[i], &err);
		if (r == LC_ERR_NOTFOUND && k > 1)
			continue; /* both asked for: check what there is */
		if (r == LC_ERR_NOTFOUND) {
			lc_err_set(&err, "no %s ceremony is recorded in '%s'",
				   lc_ceremony_org(which[i]), path);
			lc_err_hint(&err, "run 'latticectl dkg run %s' first",
				    lc_ceremony_org(which[i]));
		}
		found++;
		if (r == 0) {
			lc_hex_encode(gpk, tr.group_pk, 32);
			lc_hex_encode(cid, tr.cid, 8);
			lc_buf_printf(&out, "%s: %s verifies: ceremony %s, %u-of-%u, %u qualified, "
				      "%u signatures checked\n", tr.organism, path, cid, tr.t, tr.n,
				      tr.nqual, tr.n * (tr.n + 3));
			lc_buf_printf(&out, "%s: group public key %s\n", tr.organism, gpk);
			if (lc_ceremony_matches(&tr, m, which[i], why, sizeof(why))) {
				lc_err_set(&err, "%s", why);
				lc_err_hint(&err, "a new committee needs a new ceremony (a "
					    "fingerprint change): 'latticectl dkg run %s "
					    "--new-identity'", tr.organism);
				r = -1;
			}
			lc_tr_release(&tr);
		}
		if (r == 0 && check_hosts) {
			if (!fan && open_fanout(&f, &names, &o, known, sizeof(known), &b, ctx,
						&err) == 0)
				fan = 1;
			r = fan ? lc_ceremony_check_hosts(&f, m, which[i], statedir, 0, &out, &err)
				: -1;
		}
		if (ctx->json)
			json_result(results, which[i], r, &out, &err);
		else
			print_out(ctx, &out);
		if (r)
			rc = fail_one(ctx, &err);
	}
	if (!found) {
		lc_err_set(&err, "no DKG ceremony is recorded in '%s/dkg'", statedir);
		lc_err_hint(&err, "run 'latticectl dkg run' first");
		rc = lc_fail(&err); /* no organism's: said under --json too */
	}
	if (fan)
		lc_fanout_release(&f);
	free(names);
	lc_buf_release(&out);
	return rc;
}

static int cmd_dkg(int argc, char **argv, struct lc_ctx *ctx)
{
	const struct lc_manifest *m = ctx->manifest;
	char statedir[4096];
	cJSON *top = NULL, *results = NULL;
	struct lc_err err;
	int which[2], k, rc;

	if (strcmp(argv[0], "run") && strcmp(argv[0], "verify"))
		return lc_usage_error(&lc_cmd_dkg, "dkg '%s': run or verify?", argv[0]);
	if ((k = pick(which, argc, argv)) < 0)
		return lc_usage_error(&lc_cmd_dkg, "dkg %s '%s': unseal or offer?", argv[0],
				      argv[1]);
	lc_err_clear(&err);
	if (m->dkg == LC_DKG_MODE_DEALER) {
		lc_err_set(&err, "lattice '%s' uses dkg = \"dealer\": gen-config deals its key "
			   "shares, no ceremony runs", m->name);
		lc_err_hint(&err, "set dkg = \"ceremony\" in [lattice] of %s to run the ceremony "
			    "on the member hosts", m->path);
		return lc_fail(&err);
	}
	if (lc_state_dir(statedir, sizeof(statedir), ctx->state_dir, m->name, &err))
		return lc_fail(&err);
	if (ctx->json && (!(top = cJSON_CreateObject()) ||
			  !cJSON_AddStringToObject(top, "lattice", m->name) ||
			  !(results = cJSON_AddArrayToObject(top, "organisms")))) {
		cJSON_Delete(top);
		fprintf(stderr, "latticectl: out of memory\n");
		return LC_EXIT_FAIL;
	}
	if (!strcmp(argv[0], "run"))
		rc = dkg_run(which, k, ctx, statedir, results);
	else
		rc = dkg_verify(which, k, ctx, statedir, results);
	if (top) {
		char *text;

		cJSON_AddBoolToObject(top, "ok", rc == LC_EXIT_OK);
		text = cJSON_PrintUnformatted(top);
		printf("%s\n", text ? text : "{}");
		free(text);
		cJSON_Delete(top);
	}
	return rc;
}

const struct lc_cmd lc_cmd_dkg = {
	"dkg", cmd_dkg, LC_NEED_MANIFEST, dkg_opts, "run|verify [unseal|offer]", 1, 2,
	"run the DKG ceremony on the member hosts, or verify its transcript",
	"without an organism, both unseal and offer; run takes --new-identity, "
	"verify --hosts",
};
