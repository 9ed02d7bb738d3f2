/* test_plan.c - what the plan decides for one role from what its host said and the journal, and the committee rules of a rolling restart: majority, threshold, batch size. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plan.h"
#include "buf.h"
#include "deploy.h"
#include "journal.h"
#include "roles.h"
#include "rollout.h"
#include "unit.h"
#include "banned.h"

static struct lc_want_host wh;

/* A host "h1" with one role, unseal-member, of two files (a program and
 * an env file), installed, running ("up") and matching the layout. */
static struct lc_want_role *fresh(void)
{
	struct lc_want_role *wr = &wh.roles[0];

	memset(&wh, 0, sizeof(wh));
	wh.name = "h1";
	wh.hostid = "h1";
	wh.nfiles = 2;
	wh.files[0].area = LC_AREA_BIN;
	snprintf(wh.files[0].name, sizeof(wh.files[0].name), "unseal-member");
	wh.files[1].area = LC_AREA_ENV;
	snprintf(wh.files[1].name, sizeof(wh.files[1].name), "unseal-member.env");
	wh.nroles = 1;
	wr->role = LC_ROLE_UNSEAL_MEMBER;
	wr->nfiles = 2;
	wr->file[0] = 0;
	wr->file[1] = 1;
	snprintf(wr->inputs, sizeof(wr->inputs), "%064d", 1);
	wr->installed = 1;
	snprintf(wr->state, sizeof(wr->state), "up");
	return wr;
}

static void differs(size_t f, const char *have)
{
	wh.files[f].differs = 1;
	snprintf(wh.files[f].have, sizeof(wh.files[f].have), "%s", have);
}

static int decided(struct lc_want_role *wr, const struct lc_journal *j,
		   enum lc_action want, const char *why)
{
	lc_plan_decide(&wh, wr, j);
	if (wr->action != want || strcmp(wr->why, why)) {
		fprintf(stderr, "    got %s '%s', want %s '%s'\n", lc_action_names[wr->action],
			wr->why, lc_action_names[want], why);
		return 0;
	}
	return 1;
}

static void note(struct lc_journal *j, const char *step, const char *inputs,
		 const char *outcome)
{
	struct lc_err err;

	lc_err_clear(&err);
	CHECKF(lc_journal_note(j, "h1", "unseal-member", step, inputs, outcome, &err,
			       "test") == 0, "%s", err.msg);
}

static void decisions(void)
{
	char dir[] = "/tmp/lc-test-plan.XXXXXX", other[65];
	struct lc_want_role *wr;
	struct lc_journal *j = NULL;
	struct lc_buf warn;
	struct lc_err err;

	/* Without a journal: what the host says decides. */
	wr = fresh();
	CHECK(decided(wr, NULL, LC_ACT_NOTHING, ""));
	wr = fresh();
	wr->installed = 0;
	wr->state[0] = '\0';
	differs(0, "");
	CHECK(decided(wr, NULL, LC_ACT_INSTALL, ""));
	wr = fresh();
	differs(1, "ab");
	CHECK(decided(wr, NULL, LC_ACT_UPDATE, "env/unseal-member.env"));
	wr = fresh();
	differs(0, "");
	differs(1, "ab");
	CHECK(decided(wr, NULL, LC_ACT_UPDATE, "bin/unseal-member (missing), env/unseal-member.env"));
	wr = fresh();
	snprintf(wr->state, sizeof(wr->state), "failed");
	CHECK(decided(wr, NULL, LC_ACT_START, "state failed"));
	wr = fresh();
	snprintf(wr->state, sizeof(wr->state), "down");
	CHECK(decided(wr, NULL, LC_ACT_START, "state down"));
	wr = fresh();
	snprintf(wr->state, sizeof(wr->state), "starting");
	CHECK(decided(wr, NULL, LC_ACT_NOTHING, ""));

	/* With a journal. */
	CHECK(mkdtemp(dir) != NULL);
	lc_buf_init(&warn, 1 << 16);
	lc_err_clear(&err);
	CHECKF(lc_journal_open(&j, dir, &warn, &err) == 0, "%s", err.msg);
	if (!j)
		goto out;
	snprintf(other, sizeof(other), "%064d", 2);

	/* An empty journal: what runs counts as current. */
	wr = fresh();
	CHECK(decided(wr, j, LC_ACT_NOTHING, ""));
	/* Files written on these inputs, and now they differ: changed by
	 * hand on the host (drift), a repair. */
	note(j, "files", wr->inputs, "done");
	differs(1, "ab");
	CHECK(decided(wr, j, LC_ACT_REPAIR, "env/unseal-member.env"));
	/* Written on other inputs: the manifest changed, an update. */
	wr = fresh();
	differs(1, "ab");
	snprintf(wr->inputs, sizeof(wr->inputs), "%s", other);
	CHECK(decided(wr, j, LC_ACT_UPDATE, "env/unseal-member.env"));
	/* A files record that did not finish is no proof of drift. */
	wr = fresh();
	note(j, "files", wr->inputs, "failed");
	differs(1, "ab");
	CHECK(decided(wr, j, LC_ACT_UPDATE, "env/unseal-member.env"));

	/* Files current, but the process was started on other inputs (a
	 * rollout cut short): an update. */
	wr = fresh();
	note(j, "start", other, "done");
	CHECK(decided(wr, j, LC_ACT_UPDATE, "running with earlier files"));
	/* A later restart on these inputs: nothing. */
	note(j, "restart", wr->inputs, "done");
	CHECK(decided(wr, j, LC_ACT_NOTHING, ""));
	/* A restart on these inputs that failed: not current. */
	note(j, "restart", wr->inputs, "failed");
	CHECK(decided(wr, j, LC_ACT_UPDATE, "running with earlier files"));
	/* The newest of start and restart counts. */
	note(j, "start", wr->inputs, "done");
	CHECK(decided(wr, j, LC_ACT_NOTHING, ""));
	/* Current and stopped: a start. */
	snprintf(wr->state, sizeof(wr->state), "down");
	CHECK(decided(wr, j, LC_ACT_START, "state down"));
out:
	lc_journal_close(j);
	lc_buf_release(&warn);
	if (fork() == 0)
		execlp("rm", "rm", "-rf", dir, (char *)NULL), _exit(127);
}

static void majority(void)
{
	/* n members, down already: may one more go? */
	static const struct { unsigned n, down; int ok; } cases[] = {
		{ 1, 0, 1 }, { 1, 1, 1 }, /* the aggregator: a committee of one */
		{ 3, 0, 1 }, { 3, 1, 0 }, { 3, 2, 0 },
		{ 4, 0, 1 }, { 4, 1, 0 },
		{ 5, 0, 1 }, { 5, 1, 1 }, { 5, 2, 0 },
		{ 7, 2, 1 }, { 7, 3, 0 },
		{ 33, 15, 1 }, { 33, 16, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECKF(lc_restart_keeps_quorum(cases[i].n, 0, cases[i].down, 1) == cases[i].ok,
		       "n %u, down %u: want %d", cases[i].n, cases[i].down, cases[i].ok);
}

/* The batch size of n = 1..33 with every threshold a manifest allows
 * (none, and a majority up to n): a quorum stays up, and one more would
 * break it; at least one where n allows it. */
static void batches(void)
{
	static const struct { unsigned n, t, b; } cases[] = {
		{ 1, 0, 1 },   /* the aggregator: down while it restarts */
		{ 2, 0, 0 },   /* two: no member may go while both are up */
		{ 3, 0, 1 }, { 3, 2, 1 }, { 3, 3, 1 },
		{ 4, 0, 1 }, { 4, 3, 1 }, { 4, 4, 1 },
		{ 5, 0, 2 }, { 5, 3, 2 }, { 5, 4, 1 }, { 5, 5, 1 },
		{ 6, 0, 2 }, { 6, 4, 2 }, { 6, 5, 1 },
		{ 7, 0, 3 }, { 7, 4, 3 }, { 7, 5, 2 }, { 7, 6, 1 }, { 7, 7, 1 },
		{ 33, 0, 16 }, { 33, 17, 16 }, { 33, 20, 13 }, { 33, 32, 1 }, { 33, 33, 1 },
	};
	unsigned n, t, b, keep, down, more;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECKF(lc_committee_batch(cases[i].n, cases[i].t) == cases[i].b,
		       "n %u, t %u: batch %u, want %u", cases[i].n, cases[i].t,
		       lc_committee_batch(cases[i].n, cases[i].t), cases[i].b);
	for (n = 1; n <= 33; n++)
		for (t = 0; t <= n; t = t ? t + 1 : n / 2 + 1) {
			b = lc_committee_batch(n, t);
			keep = t > n / 2 + 1 ? t : n / 2 + 1;
			/* Without a threshold: a majority stays up, (n - 1) / 2
			 * down; the aggregator, a committee of one, restarts. */
			if (!t)
				CHECKF(b == (n <= 1 ? n : (n - 1) / 2), "n %u: batch %u", n, b);
			if (n == 2) {
				CHECKF(b == 0, "n 2, t %u: batch %u", t, b);
				continue;
			}
			CHECKF(b >= 1, "n %u, t %u: no batch", n, t);
			if (n == 1 || t == n) {
				/* No quorum can be kept: one at a time. */
				CHECKF(b == 1, "n %u, t %u: batch %u", n, t, b);
			} else {
				CHECKF(n - b >= keep, "n %u, t %u: batch %u leaves %u up", n, t, b, n - b);
				CHECKF(n - b - 1 < keep, "n %u, t %u: batch %u is not the most", n, t, b);
			}
			/* The rollout's check agrees with the batch. */
			for (down = 0; down <= n; down++)
				for (more = 1; more + down <= n; more++)
					CHECKF(lc_restart_keeps_quorum(n, t, down, more) ==
					       (n == 1 || down + more <= b),
					       "n %u, t %u: %u down, %u more", n, t, down, more);
		}
}

void unit_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	decisions();
	majority();
	batches();
}
