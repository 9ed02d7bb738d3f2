/* state.c - the state directory, the identity record and its guard, and the manifest's git facts. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <git2.h>

#include "fileio.h"
#include "hex.h"
#include "retire.h"
#include "state.h"
#include "banned.h"

/*
 * A changed identity, refused: which field, why that is a new lattice,
 * and the exact command that stands the change up as the successor.
 */
static int refuse_change(struct lc_err *err, const char *name, const char *what,
			 const char *manifest)
{
	char next[256];
	struct lc_err ignored;

	lc_err_clear(&ignored);
	if (lc_successor_name(next, sizeof(next), name, &ignored))
		snprintf(next, sizeof(next), "%s.v2", name);
	if (strstr(what, "MR_TD"))
		lc_err_set(err, "refusing to change the identity of lattice '%s': %s changed; "
			   "the accepted MR_TDs are LatticeConfig fields, so a new or a second "
			   "MR_TD is a new lattice_id, and integrators bound to '%s' would "
			   "reject quotes of the new image (no MR_TD window keeps the "
			   "fingerprint: latticectl(1), RETIREMENT, MR_TD window)", name, what, name);
	else
		lc_err_set(err, "refusing to change the identity of lattice '%s': %s changed; "
			   "every LatticeConfig field is part of the fingerprint, so this is a "
			   "new lattice_id that integrators bound to '%s' would not accept",
			   name, what, name);
	lc_err_hint(err, "follow the lattice-retirement procedure: 'latticectl -m %s "
		    "successor' makes the manifest '%s', to run beside '%s' (latticectl(1), "
		    "RETIREMENT)", manifest, next, name);
	return -1;
}

int lc_git_manifest_info(struct lc_gitinfo *gi, const char *path,
			 struct lc_err *err)
{
	git_repository *repo = NULL;
	git_status_list *st = NULL;
	git_status_options so;
	git_oid oid;
	char real[PATH_MAX];
	int rc = 0;

	memset(gi, 0, sizeof(*gi));
	if (!realpath(path, real))
		return 0;
	git_libgit2_init();
	if (git_repository_open_ext(&repo, real, 0, NULL) < 0 ||
	    git_repository_is_bare(repo))
		goto out;
	gi->found = 1;
	if (git_reference_name_to_id(&oid, repo, "HEAD") == 0)
		git_oid_tostr(gi->commit, sizeof(gi->commit), &oid);
	git_status_options_init(&so, GIT_STATUS_OPTIONS_VERSION);
	so.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
	so.flags = GIT_STATUS_OPT_EXCLUDE_SUBMODULES;
	if (git_status_list_new(&st, repo, &so) < 0) {
		const git_error *ge = git_error_last();

		rc = lc_err_set(err, "cannot read the git status around '%s': %s",
				path, ge ? ge->message : "unknown error");
		goto out;
	}
	gi->dirty = git_status_list_entrycount(st) > 0;
out:
	git_status_list_free(st);
	git_repository_free(repo);
	git_libgit2_shutdown();
	return rc;
}

static int mkdir_private(const char *path, struct lc_err *err)
{
	struct stat st;

	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return lc_err_set(err, "cannot create '%s': %s", path, strerror(errno));
	if (lstat(path, &st) < 0)
		return lc_err_set(err, "cannot stat '%s': %s", path, strerror(errno));
	if (!S_ISDIR(st.st_mode)) {
		lc_err_set(err, "state path '%s' is not a directory", path);
		lc_err_hint(err, "move it away or choose another --state-dir");
		return -1;
	}
	return 0;
}

void lc_state_path(char *out, size_t size, const char *root, const char *lattice)
{
	snprintf(out, size, "%s/%s", root, lattice);
}

int lc_state_dir(char *out, size_t size, const char *root, const char *lattice,
		 struct lc_err *err)
{
	if (mkdir_private(root, err))
		return -1;
	lc_state_path(out, size, root, lattice);
	return mkdir_private(out, err);
}

/* The recorded LatticeConfig, decoded; 1 when there is no record. */
static int read_record(struct lc_lconfig *cfg, uint8_t id[32],
		       const char *statedir, struct lc_err *err)
{
	char path[PATH_MAX];
	struct lc_buf b, bytes;
	cJSON *o = NULL;
	const char *hex;
	int rc = -1;

	snprintf(path, sizeof(path), "%s/identity.json", statedir);
	lc_buf_init(&b, LC_BUF_NOMAX);
	lc_buf_init(&bytes, LC_BUF_NOMAX);
	if (lc_read_file(&b, path, 1 << 20, err)) {
		rc = err->code == LC_ERR_NOTFOUND ? 1 : -1;
		goto out;
	}
	if (!(o = cJSON_Parse(b.ptr)) ||
	    !(hex = cJSON_GetStringValue(cJSON_GetObjectItem(o, "lattice_config")))) {
		lc_err_set(err, "'%s' is corrupt", path);
		lc_err_hint(err, "restore it from backup or version control; it "
			    "records the lattice's published identity");
		goto out;
	}
	if (lc_lconfig_decode_hex(cfg, &bytes, hex, strlen(hex), err)) {
		lc_err_prefix(err, "'%s'", path);
		goto out;
	}
	lc_lattice_id(id, (const uint8_t *)bytes.ptr, bytes.len);
	rc = 0;
out:
	cJSON_Delete(o);
	lc_buf_release(&b);
	lc_buf_release(&bytes);
	return rc;
}

int lc_guard_precheck(const char *statedir, const struct lc_lconfig *cfg,
		      int new_identity, const char *manifest, struct lc_err *err)
{
	struct lc_lconfig old;
	uint8_t id[32];
	char what[256];
	int rc = read_record(&old, id, statedir, err);

	if (rc)
		return rc > 0 ? 0 : -1;
	if (lc_lconfig_diff(what, sizeof(what), &old, cfg, 0) && !new_identity)
		rc = refuse_change(err, old.name, what, manifest);
	lc_lconfig_release(&old);
	return rc;
}

int lc_guard_record(enum lc_guard *what, const char *statedir,
		    const struct lc_identity *id, const struct lc_gitinfo *gi,
		    int new_identity, const char *manifest, struct lc_err *err)
{
	struct lc_lconfig old;
	uint8_t oldid[32];
	char path[PATH_MAX], hex[65], oldhex[65], diff[256], arch[PATH_MAX + 80];
	cJSON *o = NULL;
	char *text = NULL;
	int rc = read_record(&old, oldid, statedir, err);

	if (rc < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/identity.json", statedir);
	*what = LC_GUARD_NEW;
	if (rc == 0) {
		int same = !memcmp(oldid, id->lattice_id, 32);

		if (!same && !lc_lconfig_diff(diff, sizeof(diff), &old, &id->cfg, 1))
			snprintf(diff, sizeof(diff), "the LatticeConfig bytes");
		lc_lconfig_release(&old);
		if (same) {
			*what = LC_GUARD_SAME;
			return 0;
		}
		if (!new_identity)
			return refuse_change(err, id->cfg.name, diff, manifest);
		/* Keep the old record beside the new one. */
		lc_hex_encode(oldhex, oldid, 32);
		snprintf(arch, sizeof(arch), "%s/identity.%.16s.json", statedir, oldhex);
		if (rename(path, arch) < 0)
			return lc_err_set(err, "cannot keep the old identity as '%s': %s",
					  arch, strerror(errno));
		*what = LC_GUARD_REPLACED;
	}
	rc = -1;
	if (!(o = cJSON_CreateObject()))
		goto nomem;
	lc_hex_encode(hex, id->lattice_id, 32);
	cJSON_AddStringToObject(o, "lattice", id->cfg.name);
	cJSON_AddStringToObject(o, "lattice_id", hex);
	cJSON_AddStringToObject(o, "lattice_config", id->hex);
	cJSON_AddNumberToObject(o, "recorded_at", (double)time(NULL));
	if (gi->found) {
		cJSON *g = cJSON_AddObjectToObject(o, "manifest_git");

		cJSON_AddStringToObject(g, "commit", gi->commit);
		cJSON_AddBoolToObject(g, "dirty", gi->dirty);
	}
	if (!(text = cJSON_Print(o)))
		goto nomem;
	rc = lc_write_file_atomic(path, text, strlen(text), 0600, err);
	goto out;
nomem:
	lc_err_set(err, "out of memory");
out:
	free(text);
	cJSON_Delete(o);
	return rc;
}
