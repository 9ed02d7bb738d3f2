/* dkg_record.c - a DKG ceremony's record on this machine: its transcript's path, whether one is recorded, loading and checking it against the manifest, retiring it. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dkg_record.h"
#include "fileio.h"
#include "hex.h"
#include "roles.h"
#include "banned.h"

const char *lc_ceremony_org(int which)
{
	return which == LC_DKG_OFFER ? "offer" : "unseal";
}

int lc_ceremony_role(int which)
{
	return which == LC_DKG_OFFER ? LC_ROLE_OFFER_MEMBER : LC_ROLE_UNSEAL_MEMBER;
}

void lc_ceremony_path(char *out, size_t n, const char *statedir, int which)
{
	snprintf(out, n, "%s/dkg/%s.json", statedir, lc_ceremony_org(which));
}

int lc_ceremony_recorded(const char *statedir, int which, struct lc_err *err)
{
	char path[PATH_MAX];
	FILE *fp;

	lc_ceremony_path(path, sizeof(path), statedir, which);
	if ((fp = fopen(path, "r"))) {
		fclose(fp);
		return 1;
	}
	if (errno == ENOENT)
		return 0;
	return lc_err_set(err, "cannot read '%s': %s", path, strerror(errno));
}

/* The committee in the dealer's order: by host file name (identity.c). */
int lc_ceremony_load(struct lc_transcript *tr, const char *statedir, int which,
		     struct lc_err *err)
{
	char path[PATH_MAX];
	struct lc_buf b;
	int rc;

	memset(tr, 0, sizeof(*tr));
	lc_ceremony_path(path, sizeof(path), statedir, which);
	lc_buf_init(&b, LC_BUF_NOMAX);
	if ((rc = lc_read_file(&b, path, 64 << 20, err)))
		goto out;
	if (lc_tr_parse(tr, b.ptr, b.len, err) || lc_tr_verify(tr, err)) {
		lc_err_prefix(err, "'%s' does not verify", path);
		lc_err_hint(err, "restore it from backup; a transcript that does not verify "
			    "cannot be trusted for the lattice's %s key", lc_ceremony_org(which));
		lc_tr_release(tr);
		rc = -1;
		goto out;
	}
	if (strcmp(tr->organism, lc_ceremony_org(which))) {
		lc_err_set(err, "'%s' is the transcript of a %s ceremony", path, tr->organism);
		lc_tr_release(tr);
		rc = -1;
	}
out:
	lc_buf_release(&b);
	return rc;
}

int lc_ceremony_matches(const struct lc_transcript *tr, const struct lc_manifest *m,
			int which, char *why, size_t whylen)
{
	const struct lc_threshold *th = which == LC_DKG_OFFER ? &m->offer.threshold
							      : &m->unseal.threshold;
	int role = lc_ceremony_role(which);
	unsigned n = 0, i;
	size_t k;

	for (k = 0; k < m->nhosts; k++)
		n += !!(m->hosts[k].roles & (1u << role));
	if (strcmp(tr->lattice, m->name)) {
		snprintf(why, whylen, "the %s ceremony on record was for lattice '%s'",
			 tr->organism, tr->lattice);
		return 1;
	}
	if (tr->t != th->t || tr->n != n) {
		snprintf(why, whylen, "the %s key on record is %u-of-%u; the manifest's "
			 "committee is %u-of-%u", tr->organism, tr->t, tr->n, th->t, n);
		return 1;
	}
	for (i = 0; i < tr->n; i++) {
		for (k = 0; k < m->nhosts; k++)
			if ((m->hosts[k].roles & (1u << role)) && !strcmp(m->hosts[k].ssh,
									 tr->m[i].host))
				break;
		if (k == m->nhosts) {
			snprintf(why, whylen, "the %s key on record was made with %s, which "
				 "the manifest no longer gives %s", tr->organism, tr->m[i].host,
				 lc_roles[role].name);
			return 1;
		}
	}
	return 0;
}

int lc_ceremony_retire(const char *statedir, int which, struct lc_buf *out,
		       struct lc_err *err)
{
	struct lc_transcript tr;
	char path[PATH_MAX], to[PATH_MAX + 64], hex[17];
	struct lc_buf b;
	int rc;

	lc_ceremony_path(path, sizeof(path), statedir, which);
	lc_buf_init(&b, LC_BUF_NOMAX);
	/* Named by its ceremony id when it parses, else by the time. */
	if (lc_read_file(&b, path, 64 << 20, err) == 0 && lc_tr_parse(&tr, b.ptr, b.len, err) == 0) {
		lc_hex_encode(hex, tr.cid, 8);
		lc_tr_release(&tr);
	} else {
		snprintf(hex, sizeof(hex), "%lld", (long long)time(NULL));
	}
	lc_buf_release(&b);
	snprintf(to, sizeof(to), "%s/dkg/%s.%s.retired.json", statedir, lc_ceremony_org(which),
		 hex);
	rc = rename(path, to);
	if (rc < 0)
		return lc_err_set(err, "cannot retire '%s': %s", path, strerror(errno));
	lc_buf_printf(out, "%s: the recorded ceremony is retired as '%s'\n",
		      lc_ceremony_org(which), to);
	return 0;
}
