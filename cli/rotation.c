/* rotation.c - the journal's record of committee-admission secret rotations: which one is under way. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "roles.h"
#include "rotation.h"
#include "banned.h"

int lc_rotation_role(int org)
{
	int role;

	for (role = 0; role < LC_ROLE_COUNT; role++)
		if ((int)lc_roles[role].org == org && role != LC_ROLE_ZIPNET_AGGREGATOR)
			return role;
	return -1;
}

const struct lc_jrec *lc_rotation_pending(const struct lc_journal *j, int org)
{
	const struct lc_jrec *last, *rec;
	const char *role;
	size_t i;

	if (!j || lc_rotation_role(org) < 0)
		return NULL;
	role = lc_roles[lc_rotation_role(org)].name;
	last = lc_journal_last(j, "", role, LC_ROTATION_STEP);
	if (!last || !strcmp(last->outcome, "done"))
		return NULL;
	/* The begin of it: the newest one before the newest record. */
	for (i = (size_t)last->seq; i-- > 0;) {
		rec = lc_journal_rec(j, i);
		if (rec && !rec->host[0] && !strcmp(rec->role, role) &&
		    !strcmp(rec->step, LC_ROTATION_STEP) && !strcmp(rec->outcome, "begin"))
			return rec;
	}
	return last;
}

void lc_rotation_retired(char *out, size_t size, int org, const struct lc_jrec *rec)
{
	snprintf(out, size, "retired/%s.secret.%lld", lc_org_names[org], (long long)rec->time);
}

int lc_rotation_refuse(const struct lc_journal *j, const char *command, struct lc_err *err)
{
	const struct lc_jrec *rec;
	char when[32];
	time_t t;
	struct tm tm;
	int org;

	for (org = 0; org < LC_ORG_COUNT; org++) {
		if (!(rec = lc_rotation_pending(j, org)))
			continue;
		t = (time_t)rec->time;
		if (!gmtime_r(&t, &tm) || !strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%SZ", &tm))
			snprintf(when, sizeof(when), "earlier");
		lc_err_set(err, "the rotation of the %s admission secret begun %s has not "
			   "finished: %s now would restart members one at a time, and members "
			   "holding different secrets cannot admit each other", lc_org_names[org],
			   when, command);
		lc_err_hint(err, "finish it first: latticectl rotate-secret %s", lc_org_names[org]);
		return -1;
	}
	return 0;
}
