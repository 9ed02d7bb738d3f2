/* cmd_gen_config.c - `latticectl gen-config`: every secret and the LatticeConfig, no host touched. */
#include <stdio.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "hex.h"
#include "identity.h"
#include "lc.h"
#include "state.h"
#include "banned.h"

static const char *const guard_words[] = {
	[LC_GUARD_NEW] = "recorded",
	[LC_GUARD_SAME] = "unchanged",
	[LC_GUARD_REPLACED] = "replaced",
};

static int new_identity;
static const struct lc_opt gen_config_opts[] = {
	{ LC_OPT_FLAG, 0, "new-identity", NULL,
	  "accept a changed identity (a fingerprint change)", &new_identity },
	LC_OPT_END_MARK,
};

static int cmd_gen_config(int argc, char **argv, struct lc_ctx *ctx)
{
	const struct lc_manifest *m = ctx->manifest;
	struct lc_identity id;
	struct lc_lconfig cfg;
	struct lc_gitinfo gi;
	struct lc_err err;
	enum lc_guard what;
	char statedir[4096], idhex[65];
	unsigned flags = LC_ID_CREATE;
	int rc = LC_EXIT_FAIL;

	(void)argc;
	(void)argv;
	lc_err_clear(&err);
	if (new_identity)
		flags |= LC_ID_NEW_IDENTITY;
	if (lc_state_dir(statedir, sizeof(statedir), ctx->state_dir, m->name, &err) ||
	    lc_identity_config(&cfg, m, &err))
		return lc_fail(&err);
	/* Refuse an identity change before generating anything. */
	if (lc_guard_precheck(statedir, &cfg, new_identity, m->path, &err)) {
		lc_lconfig_release(&cfg);
		return lc_fail(&err);
	}
	if (lc_identity_load(&id, &cfg, m, ctx->secrets_dir, statedir, flags, &err)) {
		lc_lconfig_release(&cfg);
		return lc_fail(&err);
	}
	if (lc_git_manifest_info(&gi, m->path, &err) ||
	    lc_guard_record(&what, statedir, &id, &gi, new_identity, m->path, &err)) {
		rc = lc_fail(&err);
		goto out;
	}
	lc_hex_encode(idhex, id.lattice_id, 32);
	if (m->dkg == LC_DKG_MODE_DEALER && !ctx->quiet)
		fprintf(stderr, "warning: the unseal and offer key shares were dealt on this "
			"machine (dkg = \"dealer\": for tdx = \"simulate\" lattices only; "
			"production lattices run 'latticectl dkg run')\n");
	if (ctx->json) {
		cJSON *o = cJSON_CreateObject(), *s;
		char *text;

		cJSON_AddStringToObject(o, "lattice", m->name);
		cJSON_AddStringToObject(o, "lattice_id", idhex);
		cJSON_AddStringToObject(o, "lattice_config", id.hex);
		cJSON_AddStringToObject(o, "identity", guard_words[what]);
		s = cJSON_AddObjectToObject(o, "secrets");
		cJSON_AddStringToObject(s, "dir", id.secrets_path);
		cJSON_AddNumberToObject(s, "created", id.created);
		cJSON_AddNumberToObject(s, "reused", id.reused);
		text = cJSON_PrintUnformatted(o);
		printf("%s\n", text ? text : "null");
		free(text);
		cJSON_Delete(o);
	} else {
		if (!ctx->quiet) {
			printf("secrets:       %s (%u created, %u reused)\n", id.secrets_path,
			       id.created, id.reused);
			printf("identity:      %s in %s/identity.json\n", guard_words[what],
			       statedir);
			printf("lattice:       %s%s\n", m->name,
			       m->tdx == LC_TDX_MODE_SIMULATE ? " (SIMULATED TDX)" : "");
		}
		printf("lattice_id:    %s\n", idhex);
		printf("LatticeConfig: %s\n", id.hex);
	}
	rc = LC_EXIT_OK;
out:
	lc_identity_release(&id);
	return rc;
}

const struct lc_cmd lc_cmd_gen_config = {
	"gen-config", cmd_gen_config, LC_NEED_MANIFEST, gen_config_opts, "", 0, 0,
	"generate every secret and the LatticeConfig; touches no host", NULL,
};
