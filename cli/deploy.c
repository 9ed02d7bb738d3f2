/* deploy.c - the lattice's layout on its hosts: which files each host gets, env files rendered, names and ports. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "deploy.h"
#include "fileio.h"
#include "hex.h"
#include "keystore.h"
#include "roles.h"
#include "sha256.h"
#include "banned.h"

const char *const lc_area_names[LC_AREA_COUNT] = { "bin", "env", "secret" };
const char *const lc_action_names[LC_ACT_COUNT] = {
	"nothing", "install", "update", "repair", "start",
};

const char *const *lc_retired_secrets(int role)
{
	static const char *const none[] = { NULL };
	static const char *const atelier[] = { "atelier-member.bls", NULL };

	return role == LC_ROLE_ATELIER_MEMBER ? atelier : none;
}

unsigned lc_metrics_port(const struct lc_manifest *m, int role)
{
	return m->health.metrics_port + (unsigned)role;
}

void lc_metric_name(char *out, size_t size, int role, const char *suffix)
{
	snprintf(out, size, "%s_%s", lc_org_names[lc_roles[role].org], suffix);
}

unsigned lc_committee_size(const struct lc_manifest *m, int role)
{
	return m->role_count[role];
}

unsigned lc_committee_threshold(const struct lc_manifest *m, int role)
{
	if (role == LC_ROLE_UNSEAL_MEMBER)
		return m->unseal.threshold.t;
	if (role == LC_ROLE_OFFER_MEMBER)
		return m->offer.threshold.t;
	return 0;
}

unsigned lc_committee_batch(unsigned n, unsigned t)
{
	unsigned keep = n / 2 + 1;

	if (n <= 1)
		return n;
	if (keep >= n)
		return 0;
	if (t >= n)
		return 1;
	return n - (t > keep ? t : keep);
}

unsigned lc_role_max_down(const struct lc_manifest *m, int role)
{
	return lc_committee_batch(lc_committee_size(m, role), lc_committee_threshold(m, role));
}

static void sha256_hex(char out[65], const void *data, size_t len)
{
	unsigned char h[32];

	lc_sha256(h, data, len);
	lc_hex_encode(out, h, sizeof(h));
}

/* The host's entry for (area, name), added when new; NULL when full. */
static struct lc_want_file *host_file(struct lc_want_host *wh, int area,
				      const char *name, size_t *index)
{
	size_t i;

	for (i = 0; i < wh->nfiles; i++)
		if (wh->files[i].area == area && !strcmp(wh->files[i].name, name))
			break;
	if (i == sizeof(wh->files) / sizeof(wh->files[0]))
		return NULL;
	if (i == wh->nfiles) {
		wh->nfiles++;
		wh->files[i].area = area;
		snprintf(wh->files[i].name, sizeof(wh->files[i].name), "%s", name);
	}
	*index = i;
	return &wh->files[i];
}

/* A local file that is not made yet: its "hash" matches no host's. */
static const struct lc_binfile unmade_file = { "", "(not made yet)", 0, 0, "", NULL, "", 0 };

/* Add a file to role wr of host wh: a local file (hashed) or rendered
 * contents (hashed; role_text writes them). */
static int role_file(struct lc_want_host *wh, struct lc_want_role *wr, int area,
		     const char *name, const char *path, const struct lc_buf *text,
		     const struct lc_binfile *known, struct lc_err *err)
{
	struct lc_want_file *wf;
	size_t idx;

	if (!(wf = host_file(wh, area, name, &idx)) || wr->nfiles == LC_ROLE_FILES)
		return lc_err_set(err, "too many files for host '%s'", wh->name);
	wr->file[wr->nfiles++] = idx;
	if (wf->path)
		return 0; /* shared with another role of the host (common.env) */
	if (!(wf->path = strdup(path)))
		return lc_err_set(err, "out of memory");
	wf->url_role = -1;
	if (text) {
		sha256_hex(wf->sha256, text->ptr, text->len);
		wf->size = (long long)text->len;
		return 0;
	}
	if (known) { /* hashed once for every host */
		memcpy(wf->sha256, known->sha256, sizeof(wf->sha256));
		wf->size = known->size;
		if (area == LC_AREA_BIN && known->url)
			wf->url_role = wr->role;
		return 0;
	}
	return lc_sha256_file(wf->sha256, &wf->size, path, err);
}

/* Rendered contents: written to path when they changed (unless the
 * layout is read-only), then added as role_file does. */
static int role_text(const struct lc_layout *l, struct lc_want_host *wh,
		     struct lc_want_role *wr, const char *name, const char *path,
		     const struct lc_buf *text, struct lc_err *err)
{
	if (!l->readonly) {
		struct lc_buf old;
		int same;

		lc_buf_init(&old, 1 << 20);
		same = lc_read_file(&old, path, 1 << 20, err) == 0 && old.len == text->len &&
		       !memcmp(old.ptr, text->ptr, text->len);
		lc_buf_release(&old);
		lc_err_clear(err);
		if (!same && lc_write_file_atomic(path, text->ptr, text->len, 0600, err))
			return -1;
	}
	return role_file(wh, wr, LC_AREA_ENV, name, path, text, NULL, err);
}

static const struct lc_member *member_of(const struct lc_identity *id, size_t host,
					 int role)
{
	size_t k;

	for (k = 0; k < id->nmembers; k++)
		if (id->members[k].host == host && id->members[k].role == role)
			return &id->members[k];
	return NULL;
}

static int mkdir0700(const char *path, struct lc_err *err)
{
	if (mkdir(path, 0700) && errno != EEXIST)
		return lc_err_set(err, "cannot create '%s': %s", path, strerror(errno));
	return 0;
}

/* The organism's name in upper case, for env variable names. */
static void org_upper(char out[16], int role)
{
	const char *s = lc_org_names[lc_roles[role].org];
	size_t i;

	for (i = 0; s[i] && i < 15; i++)
		out[i] = (char)(s[i] >= 'a' && s[i] <= 'z' ? s[i] - 'a' + 'A' : s[i]);
	out[i] = '\0';
}

/* One secret of a role: the store's file (rel), sent as <role>.<kind>,
 * and the env line naming where it lands on the host.  An unmade one (an
 * atelier keystore a read-only run found missing) is planned as a file
 * every host lacks. */
static int role_secret(struct lc_role_env *re, const struct lc_identity *id,
		       const struct lc_manifest *m, int role, const char *var,
		       const char *kind, const char *rel, int unmade, struct lc_err *err)
{
	struct lc_role_secret *s = &re->secrets[re->nsecrets++];

	s->kind = kind;
	s->unmade = unmade;
	snprintf(s->name, sizeof(s->name), "%s.%s", lc_roles[role].name, kind);
	snprintf(s->path, sizeof(s->path), "%s/%s", id->secrets_path, rel);
	if (lc_buf_printf(&re->env, "%s=/var/lib/lattice/%s/secrets/%s\n", var, m->name,
			  s->name))
		return lc_err_set(err, "out of memory");
	return 0;
}

int lc_common_env(struct lc_buf *b, const struct lc_manifest *m,
		  const struct lc_identity *id)
{
	char idhex[65];

	lc_hex_encode(idhex, id->lattice_id, 32);
	lc_buf_printf(b, "# lattice %s: written by latticectl up, which undoes "
		      "changes made here.\n", m->name);
	lc_buf_printf(b, "LATTICE_INSTANCE=%s\n", m->name);
	lc_buf_printf(b, "LATTICE_CHAIN_ID=%llu\n", (unsigned long long)m->chain_id);
	lc_buf_printf(b, "LATTICE_ID=%s\n", idhex);
	lc_buf_printf(b, "LATTICE_CONFIG_HEX=%s\n", id->hex);
	return b->ptr ? 0 : -1;
}

int lc_role_env_build(struct lc_role_env *re, const struct lc_manifest *m,
		      const struct lc_identity *id, size_t host, int role,
		      struct lc_err *err)
{
	const struct lc_member *mb = member_of(id, host, role);
	const char *rname = lc_roles[role].name, *hostid = id->hostid[host];
	const char *org = lc_org_names[lc_roles[role].org];
	char org_up[16], var[64], rel[LC_HOSTID_MAX + 64], hex[65];

	memset(re, 0, sizeof(*re));
	lc_buf_init(&re->env, 1 << 16);
	org_upper(org_up, role);
	if (!mb)
		return lc_err_set(err, "no identity for %s on '%s'", rname, m->hosts[host].ssh);
	lc_hex_encode(hex, mb->peer_id, 32);
	lc_buf_printf(&re->env, "# %s of lattice %s on %s: written by latticectl up,\n"
		      "# which undoes changes made here.\n", rname, m->name, m->hosts[host].ssh);
	lc_buf_printf(&re->env, "LATTICE_METRICS_PORT=%u\n", lc_metrics_port(m, role));
	lc_buf_printf(&re->env, "LATTICE_COMMITTEE_SIZE=%u\n", lc_committee_size(m, role));
	lc_buf_printf(&re->env, "LATTICE_PEER_ID=%s\n", hex);
	snprintf(var, sizeof(var), "%s_SECRET_FILE", org_up);
	snprintf(rel, sizeof(rel), "peers/%s.%s.seed", hostid, rname);
	if (role_secret(re, id, m, role, var, "peer", rel, 0, err))
		return -1;
	/* The aggregator never receives the zipnet committee secret. */
	if (role != LC_ROLE_ZIPNET_AGGREGATOR) {
		snprintf(var, sizeof(var), "%s_COMMITTEE_SECRET_FILE", org_up);
		snprintf(rel, sizeof(rel), "admission/%s.secret", org);
		if (role_secret(re, id, m, role, var, "committee", rel, 0, err))
			return -1;
	}
	if (role == LC_ROLE_ATELIER_MEMBER) {
		/* The key as an EIP-2335 keystore and, apart, its password;
		 * never the raw key. */
		lc_buf_printf(&re->env, "ATELIER_BLS_PATH=%s\n", mb->bls_path);
		snprintf(rel, sizeof(rel), LC_KEYSTORE_REL, hostid);
		if (role_secret(re, id, m, role, "ATELIER_BLS_KEYSTORE_FILE", "keystore.json", rel,
				mb->keystore_missing, err))
			return -1;
		snprintf(rel, sizeof(rel), LC_KEYSTORE_PASSWORD_REL, hostid);
		if (role_secret(re, id, m, role, "ATELIER_BLS_PASSWORD_FILE", "password", rel,
				mb->keystore_missing, err))
			return -1;
	}
	if (role == LC_ROLE_TALLY_MEMBER) {
		lc_buf_printf(&re->env, "TALLY_ADDRESS=%s\n", mb->eth_addr);
		snprintf(rel, sizeof(rel), "tally/%s.secp256k1", hostid);
		if (role_secret(re, id, m, role, "TALLY_ECDSA_KEY_FILE", "ecdsa", rel, 0, err))
			return -1;
	}
	if (role == LC_ROLE_UNSEAL_MEMBER || role == LC_ROLE_OFFER_MEMBER) {
		lc_buf_printf(&re->env, "%s_DKG_INDEX=%u\n", org_up, mb->dkg_index);
		snprintf(var, sizeof(var), "%s_DKG_SHARE_FILE", org_up);
		snprintf(rel, sizeof(rel), "dkg/%s/%s.share", org, hostid);
		/* A ceremony's share was made on the host and never leaves it:
		 * only the dealer's is sent. */
		if (m->dkg == LC_DKG_MODE_CEREMONY)
			lc_buf_printf(&re->env, "%s=/var/lib/lattice/%s/secrets/%s.dkg\n", var,
				      m->name, rname);
		else if (role_secret(re, id, m, role, var, "dkg", rel, 0, err))
			return -1;
	}
	if (re->env.ptr == NULL || re->env.len == 0)
		return lc_err_set(err, "out of memory");
	return 0;
}

void lc_role_env_release(struct lc_role_env *re)
{
	lc_buf_release(&re->env);
}

static int build_role(struct lc_layout *l, struct lc_want_host *wh, int role,
		      const struct lc_identity *id, const char *hostdir,
		      struct lc_err *err)
{
	struct lc_want_role *wr = &wh->roles[wh->nroles++];
	const char *rname = lc_roles[role].name;
	char name[64], path[4400];
	struct lc_role_env re;
	struct lc_buf unit;
	size_t i;
	int rc = -1;

	wr->role = role;
	lc_buf_init(&unit, 1 << 16);
	if (lc_role_env_build(&re, l->m, id, wh->host, role, err))
		goto out;
	/* The program, the common env file, the secrets, then the role's env
	 * file (the order the unit's inputs hash them in). */
	if (role_file(wh, wr, LC_AREA_BIN, rname, l->bins[role].path, NULL, &l->bins[role], err))
		goto out;
	snprintf(path, sizeof(path), "%s/common.env", hostdir);
	if (role_file(wh, wr, LC_AREA_ENV, "common.env", path, NULL, NULL, err))
		goto out;
	for (i = 0; i < re.nsecrets; i++) {
		if (role_file(wh, wr, LC_AREA_SECRET, re.secrets[i].name, re.secrets[i].path,
			      NULL, re.secrets[i].unmade ? &unmade_file : NULL, err))
			goto out;
		wh->files[wr->file[wr->nfiles - 1]].unmade = re.secrets[i].unmade;
	}
	snprintf(path, sizeof(path), "%s/%s.env", hostdir, rname);
	snprintf(name, sizeof(name), "%s.env", rname);
	if (role_text(l, wh, wr, name, path, &re.env, err))
		goto out;

	/* The inputs: the unit as the agent is asked to install it, and the
	 * hash of every file it uses. */
	lc_buf_printf(&unit, "latticectl unit 1\nexec %s\nenv common.env %s.env\n", rname, rname);
	for (i = 0; i < wr->nfiles; i++) {
		const struct lc_want_file *wf = &wh->files[wr->file[i]];

		lc_buf_printf(&unit, "%s %s %s\n", lc_area_names[wf->area], wf->name, wf->sha256);
	}
	if (!unit.ptr) {
		lc_err_set(err, "out of memory");
		goto out;
	}
	sha256_hex(wr->inputs, unit.ptr, unit.len);
	rc = 0;
out:
	lc_role_env_release(&re);
	lc_buf_release(&unit);
	return rc;
}

int lc_layout_build(struct lc_layout *l, const struct lc_manifest *m,
		    const struct lc_identity *id, const char *statedir, int readonly,
		    struct lc_err *err)
{
	char dir[4200], cache[4200], path[4300];
	struct lc_buf common;
	size_t i;
	int r;

	memset(l, 0, sizeof(*l));
	l->m = m;
	l->nhosts = m->nhosts;
	l->readonly = readonly;
	if (!(l->hosts = calloc(m->nhosts ? m->nhosts : 1, sizeof(*l->hosts))))
		return lc_err_set(err, "out of memory");
	snprintf(cache, sizeof(cache), "%s/cache", statedir);
	snprintf(l->cache, sizeof(l->cache), "%s", cache);
	if (pthread_mutex_init(&l->mu, NULL))
		return lc_err_set(err, "cannot make a lock: out of resources");
	l->have_mu = 1;
	for (r = 0; r < LC_ROLE_COUNT; r++)
		if (m->role_count[r] &&
		    lc_binary_resolve(&l->bins[r], m, r, readonly ? NULL : cache, LC_BIN_LAZY,
				      err))
			return -1;

	lc_buf_init(&common, 1 << 20);
	if (lc_common_env(&common, m, id)) {
		lc_buf_release(&common);
		return lc_err_set(err, "out of memory");
	}
	snprintf(dir, sizeof(dir), "%s/hosts", statedir);
	if (!readonly && mkdir0700(dir, err))
		goto fail;
	for (i = 0; i < m->nhosts; i++) {
		struct lc_want_host *wh = &l->hosts[i];
		struct lc_want_role tmp;

		wh->host = i;
		wh->name = m->hosts[i].ssh;
		wh->hostid = id->hostid[i];
		snprintf(dir, sizeof(dir), "%s/hosts/%s", statedir, wh->hostid);
		if (!readonly && mkdir0700(dir, err))
			goto fail;
		/* common.env first: every role of the host shares it. */
		snprintf(path, sizeof(path), "%s/common.env", dir);
		memset(&tmp, 0, sizeof(tmp));
		if (role_text(l, wh, &tmp, "common.env", path, &common, err))
			goto fail;
		for (r = 0; r < LC_ROLE_COUNT; r++)
			if ((m->hosts[i].roles & (1u << r)) && build_role(l, wh, r, id, dir, err)) {
				lc_err_prefix(err, "%s", wh->name);
				goto fail;
			}
	}
	lc_buf_release(&common);
	return 0;
fail:
	lc_buf_release(&common);
	return -1;
}

void lc_layout_release(struct lc_layout *l)
{
	size_t i, k;

	for (i = 0; l->hosts && i < l->nhosts; i++)
		for (k = 0; k < l->hosts[i].nfiles; k++)
			free(l->hosts[i].files[k].path);
	free(l->hosts);
	l->hosts = NULL;
	if (l->have_mu)
		pthread_mutex_destroy(&l->mu);
	l->have_mu = 0;
}

int lc_layout_program(struct lc_layout *l, int role, struct lc_binfile *out,
		      struct lc_err *err)
{
	struct lc_binfile b;
	int rc = 0;

	if (l->readonly)
		return lc_err_set(err, "a read-only run sends no program");
	pthread_mutex_lock(&l->mu);
	if (l->bin_err[role].msg[0]) {
		*err = l->bin_err[role];
		rc = -1;
	} else if (!l->bins[role].present) {
		if (lc_binary_resolve(&b, l->m, role, l->cache, 0, err) == 0) {
			l->bins[role] = b;
		} else {
			l->bin_err[role] = *err;
			rc = -1;
		}
	}
	if (rc == 0)
		*out = l->bins[role];
	pthread_mutex_unlock(&l->mu);
	return rc;
}
