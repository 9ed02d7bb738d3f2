/* ceremony_sim.c - a whole DKG ceremony in one process: the members' state machines driven as the coordinator drives the agents. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ceremony_sim.h"
#include "dkgmember.h"
#include "banned.h"

int sim_ceremony(struct lc_transcript *tr, uint8_t (*shares)[32], const char *lattice,
		 const char *organism, const char *role, const char *const *hosts,
		 unsigned t, unsigned n, const struct sim_faults *fx, struct lc_err *err)
{
	static const struct sim_faults none;
	struct lc_dkgm **mem = NULL;
	struct lc_dkgw_member *mv = NULL;
	struct lc_dkgw_def d;
	uint8_t hash[32], box[LC_DKGW_BOX_LEN], gpk[32];
	unsigned *acc = NULL, k, i, j;
	char why[128];
	int rc = -1, got;

	if (!fx)
		fx = &none;
	if (lc_tr_init(tr, t, n, err))
		return -1;
	mem = calloc(n, sizeof(*mem));
	mv = calloc(n, sizeof(*mv));
	acc = calloc(n, sizeof(*acc));
	if (!mem || !mv || !acc) {
		lc_err_set(err, "out of memory");
		goto out;
	}
	snprintf(tr->lattice, sizeof(tr->lattice), "%s", lattice);
	snprintf(tr->organism, sizeof(tr->organism), "%s", organism);
	snprintf(tr->role, sizeof(tr->role), "%s", role);
	randombytes_buf(tr->cid, sizeof(tr->cid));
	/* Round 0 */
	for (i = 1; i <= n; i++) {
		snprintf(tr->m[i - 1].host, sizeof(tr->m[i - 1].host), "%s", hosts[i - 1]);
		if (lc_dkgm_new(&mem[i - 1], tr->cid, t, n, i, err))
			goto out;
		lc_dkgm_keys(mem[i - 1], tr->m[i - 1].transport_pk, tr->m[i - 1].ceremony_pk);
		if (fx->cheat == i)
			lc_dkgm_cheat(mem[i - 1], fx->lie ? LC_DKGM_CHEAT_LIE : LC_DKGM_CHEAT_SHARE,
				      fx->victim);
	}
	lc_tr_def(tr, &d, mv);
	if (lc_dkgw_def_hash(tr->defhash, &d, err))
		goto out;
	for (i = 1; i <= n; i++) {
		if (lc_dkgm_define(mem[i - 1], &d, hash, tr->m[i - 1].def_sig, err))
			goto out;
		if (memcmp(hash, tr->defhash, 32) || lc_tr_check_definition(tr, i, err)) {
			if (!err->msg[0])
				lc_err_set(err, "member %u signed another definition", i);
			goto out;
		}
	}
	/* Round 1 */
	for (i = 1; i <= n; i++)
		if (lc_dkgm_deal(mem[i - 1], tr->m[i - 1].commit, tr->m[i - 1].commit_sig,
				 tr->m[i - 1].box, tr->m[i - 1].box_sig, err) ||
		    lc_tr_check_deal(tr, i, err))
			goto out;
	/* Round 2 */
	for (j = 1; j <= n; j++) {
		for (i = 1; i <= n; i++) {
			if (i == j)
				continue;
			memcpy(box, tr->m[i - 1].box[j - 1], sizeof(box));
			if (fx->forge_from == i && fx->forge_to == j)
				box[3] ^= 0x80;
			got = lc_dkgm_receive(mem[j - 1], i,
					      (const uint8_t (*)[LC_POINT_LEN])tr->m[i - 1].commit,
					      tr->m[i - 1].commit_sig, box, tr->m[i - 1].box_sig[j - 1],
					      why, sizeof(why), err);
			if (got < 0)
				goto out;
			if (got == LC_DKGM_FORGED) {
				lc_err_set(err, "member %u rejected the message of member %u: %s", j,
					   i, why);
				goto out;
			}
		}
		if (lc_dkgm_verdict(mem[j - 1], acc, &k, tr->m[j - 1].verdict_sig, err))
			goto out;
		for (i = 0; i < k; i++) {
			tr->m[j - 1].accuses[acc[i] - 1] = 1;
			snprintf(tr->m[j - 1].why[acc[i] - 1], LC_TR_WHY_LEN, "%s",
				 lc_dkgm_why(mem[j - 1], acc[i]));
		}
		if (lc_tr_check_verdict(tr, j, err))
			goto out;
	}
	/* Complaints: the accused reveal. */
	for (i = 1; i <= n; i++)
		for (j = 1; j <= n; j++)
			if (tr->m[j - 1].accuses[i - 1]) {
				if (lc_dkgm_reveal(mem[i - 1], j, tr->m[i - 1].reveal[j - 1],
						   tr->m[i - 1].reveal_sig[j - 1], err))
					goto out;
				tr->m[i - 1].revealed[j - 1] = 1;
			}
	if (lc_tr_qualify(tr, err))
		goto out;
	for (j = 1; j <= n; j++)
		for (i = 1; i <= n; i++)
			if (tr->m[j - 1].accuses[i - 1] && !tr->m[i - 1].disqualified &&
			    lc_dkgm_resolve(mem[j - 1], i, NULL, NULL, tr->m[i - 1].reveal[j - 1],
					    tr->m[i - 1].reveal_sig[j - 1], err))
				goto out;
	/* Finish */
	for (j = 1; j <= n; j++) {
		if (lc_dkgm_finish(mem[j - 1], tr->qual, tr->nqual, shares[j - 1], gpk,
				   tr->m[j - 1].vk, tr->m[j - 1].final_sig, err))
			goto out;
		if (memcmp(gpk, tr->group_pk, 32)) {
			lc_err_set(err, "member %u computed another group key", j);
			goto out;
		}
		if (lc_tr_check_final(tr, j, err))
			goto out;
	}
	rc = 0;
out:
	for (i = 0; mem && i < n; i++)
		lc_dkgm_free(mem[i]);
	free(mem);
	free(mv);
	free(acc);
	return rc;
}
