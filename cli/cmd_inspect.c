/* cmd_inspect.c - `latticectl inspect HEX|FILE`: decode a published LatticeConfig. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fileio.h"
#include "lc.h"
#include "lconfig.h"
#include "banned.h"

static int cmd_inspect(int argc, char **argv, struct lc_ctx *ctx)
{
	struct lc_buf in, bytes;
	struct lc_lconfig cfg;
	struct lc_err err;
	uint8_t id[LC_LATTICE_ID_LEN];
	struct stat st;
	int rc = LC_EXIT_FAIL, dec;

	(void)argc;
	lc_err_clear(&err);
	lc_buf_init(&in, LC_BUF_NOMAX);
	lc_buf_init(&bytes, LC_BUF_NOMAX);
	/* An argument naming a file is read; anything else is the hex itself. */
	if (stat(argv[0], &st) == 0) {
		if (lc_read_file(&in, argv[0], 1 << 20, &err)) {
			rc = lc_fail(&err);
			goto out;
		}
	} else if (lc_buf_puts(&in, argv[0])) {
		goto out;
	}
	if (in.len >= 4 && !memcmp(in.ptr, "LTCF", 4))
		dec = lc_lconfig_decode(&cfg, (const uint8_t *)in.ptr, in.len, &err) ||
		      lc_buf_add(&bytes, in.ptr, in.len);
	else
		dec = lc_lconfig_decode_hex(&cfg, &bytes, in.ptr, in.len, &err);
	if (dec) {
		rc = lc_fail(&err);
		goto out;
	}
	lc_lattice_id(id, (const uint8_t *)bytes.ptr, bytes.len);
	if (ctx->json) {
		char *j = lc_lconfig_json(&cfg, id, NULL);

		printf("%s\n", j ? j : "null");
		free(j);
	} else {
		lc_lconfig_print(stdout, &cfg, id);
	}
	lc_lconfig_release(&cfg);
	rc = LC_EXIT_OK;
out:
	lc_buf_release(&in);
	lc_buf_release(&bytes);
	return rc;
}

const struct lc_cmd lc_cmd_inspect = {
	"inspect", cmd_inspect, 0, lc_no_opts, "HEX|FILE", 1, 1,
	"decode a LatticeConfig and print every field",
	"one LatticeConfig, as hex or a file: latticectl inspect 4c544346...   or   "
	"latticectl inspect kit.hex",
};
