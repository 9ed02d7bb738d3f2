/* cmd_validate.c - `latticectl validate`: check a manifest, report every problem, describe the lattice. */
#include <stdio.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "diag.h"
#include "lc.h"
#include "manifest.h"
#include "banned.h"

static int print_json(const struct lc_diags *d)
{
	char *list = lc_diags_json(d);
	size_t nwarn = d->len - d->nerrors;

	if (!list) {
		fprintf(stderr, "latticectl: out of memory\n");
		return -1;
	}
	/* The diagnostics list is already JSON; wrap it without re-parsing. */
	printf("{\"manifest\":");
	{
		cJSON *s = cJSON_CreateString(d->file);
		char *p = s ? cJSON_PrintUnformatted(s) : NULL;

		printf("%s", p ? p : "null");
		free(p);
		cJSON_Delete(s);
	}
	printf(",\"valid\":%s,\"errors\":%zu,\"warnings\":%zu,\"diagnostics\":%s}\n",
	       d->nerrors ? "false" : "true", d->nerrors, nwarn, list);
	free(list);
	return 0;
}

static int cmd_validate(int argc, char **argv, struct lc_ctx *ctx)
{
	struct lc_manifest *m = NULL;
	struct lc_diags d;
	int rc;

	if (argc == 1)
		ctx->manifest_path = argv[0];
	lc_diags_init(&d, ctx->manifest_path);
	rc = lc_manifest_load(&m, ctx->manifest_path, &d);
	if (ctx->json) {
		if (print_json(&d))
			rc = -2;
	} else {
		lc_diags_print(stderr, &d, ctx->color);
		if (rc)
			fprintf(stderr, "%s: %zu error%s\n", d.file, d.nerrors,
				d.nerrors == 1 ? "" : "s");
		else if (!ctx->quiet) {
			printf("%s: valid\n\n", d.file);
			lc_manifest_describe(stdout, m);
		}
	}
	lc_manifest_free(m);
	lc_diags_release(&d);
	if (rc == -2)
		return LC_EXIT_FAIL;
	return rc ? LC_EXIT_MANIFEST : LC_EXIT_OK;
}

const struct lc_cmd lc_cmd_validate = {
	"validate", cmd_validate, 0, lc_no_opts, "[PATH]", 0, 1,
	"check the manifest against the role table and print the lattice",
	"the manifest is -m PATH, or PATH, or ./lattice.toml",
};
