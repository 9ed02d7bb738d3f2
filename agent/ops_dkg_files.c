/* ops_dkg_files.c - a DKG share on the host: pending until the transcript is recorded, then activated; status and abort. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "agent.h"
#include "buf.h"
#include "hex.h"
#include "vss.h"
#include "banned.h"

#define PENDING ".dkg.pending-"

int ag_dkg_pending_name(char *out, size_t n, const char *role, const uint8_t cid[32])
{
	char hex[17];

	lc_hex_encode(hex, cid, 8);
	return (size_t)snprintf(out, n, "%s" PENDING "%s", role, hex) < n ? 0 : -1;
}

/* The active share's name, "<role>.dkg" (cli/deploy.h). */
static void active_name(char *out, size_t n, const char *role)
{
	snprintf(out, n, "%s.dkg", role);
}

/* Whether name is one of role's pending shares, or a temporary file of one. */
static int is_pending(const char *role, const char *name)
{
	size_t n = strlen(role);

	if (name[0] == '.')
		name++;
	return !strncmp(name, role, n) && !strncmp(name + n, PENDING, strlen(PENDING));
}

struct pending_arg {
	const char *role, *keep;
};

static int drop_this(const char *name, const void *arg)
{
	const struct pending_arg *pa = arg;

	return is_pending(pa->role, name) && !(pa->keep && !strcmp(name, pa->keep));
}

int ag_dkg_drop_pending(const char *lattice, const char *role, const char *keep,
			unsigned *count, struct lc_err *err)
{
	struct pending_arg pa = { role, keep };

	return ag_remove_where(AG_AREA_SECRET, lattice, drop_this, &pa, count, err);
}

/*
 * The public key of the share in name: 0, AG_E_NOTFOUND, or AG_E_MISMATCH
 * when the file is not one share (64 hex digits and a newline).  The
 * share itself is wiped before this returns.
 */
static int share_pk(const struct ag_dir *d, const char *name, uint8_t pk[LC_POINT_LEN],
		    struct lc_err *err)
{
	uint8_t *s = sodium_malloc(LC_SCALAR_LEN);
	struct lc_buf b;
	int rc;

	lc_buf_init(&b, 256);
	if (!s) {
		lc_buf_release(&b);
		return lc_err_set(err, "out of memory");
	}
	rc = ag_read_at(d, name, &b, 256, err);
	if (rc == 0 && (b.len != 2 * LC_SCALAR_LEN + 1 || b.ptr[2 * LC_SCALAR_LEN] != '\n' ||
			lc_hex_decode_n(s, LC_SCALAR_LEN, b.ptr) || !lc_vss_scalar_ok(s) ||
			lc_vss_base_mul(pk, s)))
		rc = lc_err_setc(err, AG_E_MISMATCH, "'%s/%s' is not a key share", d->path, name);
	if (b.ptr)
		sodium_memzero(b.ptr, b.cap);
	lc_buf_release(&b);
	sodium_free(s);
	return rc;
}

static int add_hex(cJSON *o, const char *key, const uint8_t *p, size_t n)
{
	char hex[65];

	lc_hex_encode(hex, p, n);
	return ag_set_str(o, key, hex);
}

/* The request's lattice and role, a role being a role name. */
static int lattice_role(const struct ag_req *r, const char **lattice, const char **role,
			struct lc_err *err)
{
	if (!(*lattice = ag_req_lattice(r, err)) || !(*role = ag_req_str(r, "role", err)))
		return err->code;
	if (!ag_role_ok(*role) || !strcmp(*role, "supervisor"))
		return lc_err_setc(err, AG_E_BAD, "'%.64s' is not a role name", *role);
	return 0;
}

int ag_op_dkg_activate(struct ag_req *r, struct lc_err *err)
{
	const char *lattice, *role, *hex;
	uint8_t cid[32], want[LC_POINT_LEN], got[LC_POINT_LEN];
	char pending[AG_NAME_MAX + 1], active[AG_NAME_MAX + 1];
	struct ag_dir d = { .fd = -1 };
	unsigned dropped = 0;
	int rc, changed = 1;

	if ((rc = lattice_role(r, &lattice, &role, err)))
		return rc;
	if (!(hex = ag_req_str(r, "ceremony", err)) || strlen(hex) != 64 ||
	    lc_hex_decode(cid, sizeof(cid), hex))
		return lc_err_setc(err, AG_E_BAD, "'ceremony' must be 64 hex digits");
	if (!(hex = ag_req_str(r, "public_key", err)) || strlen(hex) != 64 ||
	    lc_hex_decode(want, sizeof(want), hex))
		return lc_err_setc(err, AG_E_BAD, "'public_key' must be 64 hex digits");
	ag_dkg_pending_name(pending, sizeof(pending), role, cid);
	active_name(active, sizeof(active), role);
	if ((rc = ag_dir_open(&d, AG_AREA_SECRET, lattice, 0, err)))
		goto out;
	rc = share_pk(&d, pending, got, err);
	if (rc == AG_E_NOTFOUND) {
		/* Activated already (a re-run after a lost reply)? */
		changed = 0;
		rc = share_pk(&d, active, got, err);
		if (rc == 0 && sodium_memcmp(got, want, sizeof(got)))
			rc = AG_E_NOTFOUND;
		if (rc == AG_E_NOTFOUND)
			rc = lc_err_setc(err, AG_E_NOTFOUND, "no pending share of ceremony %.16s "
					 "for %s", hex, role);
		goto out;
	}
	if (rc)
		goto out;
	if (sodium_memcmp(got, want, sizeof(got))) {
		rc = lc_err_setc(err, AG_E_MISMATCH, "the pending share '%s/%s' does not have "
				 "the recorded public key", d.path, pending);
		goto out;
	}
	if (renameat(d.fd, pending, d.fd, active) < 0 || fsync(d.fd) < 0) {
		rc = lc_err_setc(err, ag_errno_code(errno), "cannot activate '%s/%s': %s",
				 d.path, pending, strerror(errno));
		goto out;
	}
	rc = ag_dkg_drop_pending(lattice, role, NULL, &dropped, err);
out:
	ag_dir_close(&d);
	if (rc == 0 && (ag_set_bool(r->reply, "changed", changed) ||
			ag_set_str(r->reply, "active", active)))
		rc = lc_err_set(err, "out of memory");
	return rc;
}

int ag_op_dkg_abort(struct ag_req *r, struct lc_err *err)
{
	const char *lattice, *role;
	unsigned removed = 0;
	int rc;

	if ((rc = lattice_role(r, &lattice, &role, err)))
		return rc;
	/* Forget the session's ceremony (its secrets are wiped) ... */
	ag_dkg_free(*r->dkg);
	*r->dkg = NULL;
	/* ... and every share it may have left pending. */
	if ((rc = ag_dkg_drop_pending(lattice, role, NULL, &removed, err)))
		return rc;
	return ag_set_num(r->reply, "removed", removed) ? lc_err_set(err, "out of memory") : 0;
}

int ag_op_dkg_status(struct ag_req *r, struct lc_err *err)
{
	const char *lattice, *role;
	char active[AG_NAME_MAX + 1];
	uint8_t pk[LC_POINT_LEN];
	struct ag_dir d = { .fd = -1 };
	struct dirent *de;
	DIR *dir = NULL;
	cJSON *a, *o;
	int rc;

	if ((rc = lattice_role(r, &lattice, &role, err)))
		return rc;
	active_name(active, sizeof(active), role);
	if (!(a = cJSON_AddArrayToObject(r->reply, "pending")))
		return lc_err_set(err, "out of memory");
	rc = ag_dir_list(&d, &dir, AG_AREA_SECRET, lattice, err);
	if (rc == AG_E_NOTFOUND)
		return cJSON_AddNullToObject(r->reply, "active") ? 0 : lc_err_set(err, "out of memory");
	if (rc)
		return rc;
	rc = share_pk(&d, active, pk, err);
	if (rc == AG_E_NOTFOUND) {
		rc = cJSON_AddNullToObject(r->reply, "active") ? 0 : -1;
	} else if (rc == AG_E_MISMATCH) {
		rc = (o = cJSON_AddObjectToObject(r->reply, "active")) &&
		     !ag_set_bool(o, "corrupt", 1) ? 0 : -1;
	} else if (rc == 0) {
		rc = (o = cJSON_AddObjectToObject(r->reply, "active")) &&
		     !add_hex(o, "public_key", pk, sizeof(pk)) ? 0 : -1;
	} else {
		goto out;
	}
	if (rc) {
		rc = lc_err_set(err, "out of memory");
		goto out;
	}
	while ((errno = 0, de = readdir(dir))) {
		if (de->d_name[0] == '.' || !is_pending(role, de->d_name))
			continue;
		if (!(o = cJSON_CreateObject()) || !cJSON_AddItemToArray(a, o) ||
		    ag_set_str(o, "name", de->d_name)) {
			rc = lc_err_set(err, "out of memory");
			goto out;
		}
		if (share_pk(&d, de->d_name, pk, err) == 0 && add_hex(o, "public_key", pk, sizeof(pk))) {
			rc = lc_err_set(err, "out of memory");
			goto out;
		}
		lc_err_clear(err);
	}
out:
	if (dir)
		closedir(dir);
	ag_dir_close(&d);
	return rc;
}
