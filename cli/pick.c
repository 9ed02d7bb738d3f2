/* pick.c - --host and --role: the manifest's hosts and roles a command is narrowed to. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "lc.h"
#include "manifest.h"
#include "opts.h"
#include "roles.h"
#include "banned.h"

/* --role R (repeatable, or R1,R2): the roles asked for; all when none. */
int lc_pick_roles(unsigned *out, const struct lc_opt_list *l)
{
	static const char *names[LC_ROLE_COUNT + 1];
	char buf[256], *save = NULL, *tok;
	size_t i;
	int r;

	*out = l->n ? 0 : (1u << LC_ROLE_COUNT) - 1;
	for (r = 0; r < LC_ROLE_COUNT; r++)
		names[r] = lc_roles[r].name;
	for (i = 0; i < l->n; i++) {
		snprintf(buf, sizeof(buf), "%s", l->v[i]);
		for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			const char *sug;

			if ((r = lc_role_lookup(tok)) >= 0) {
				*out |= 1u << r;
				continue;
			}
			sug = lc_suggest(tok, names);
			/* An organism's name for its one role: unseal -> unseal-member. */
			for (r = 0; r < LC_ROLE_COUNT && !sug; r++) {
				size_t len = strlen(tok);

				if (!strncmp(lc_roles[r].name, tok, len) && lc_roles[r].name[len] == '-' &&
				    lc_roles[r].org != LC_ORG_ZIPNET)
					sug = lc_roles[r].name;
			}
			fprintf(stderr, "latticectl: '%s' is not a role\n", tok);
			if (sug)
				fprintf(stderr, "hint: did you mean '%s'?\n", sug);
			else
				fprintf(stderr, "hint: the roles are zipnet-server, zipnet-aggregator, "
					"unseal-member, offer-member, atelier-member, relay-member, "
					"tally-member\n");
			return -1;
		}
	}
	return 0;
}

/* --host H (repeatable, or H1,H2, or all): the manifest's hosts asked
 * for; all when none.  want[j] is set for m->hosts[j]. */
int lc_pick_hosts(char *want, const struct lc_manifest *m, const struct lc_opt_list *l)
{
	char buf[1024], *save = NULL, *tok;
	size_t i;

	memset(want, !l->n, m->nhosts);
	for (i = 0; i < l->n; i++) {
		snprintf(buf, sizeof(buf), "%s", l->v[i]);
		for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			long j = lc_manifest_host(m, tok);

			if (!strcmp(tok, "all") && j < 0) {
				memset(want, 1, m->nhosts);
				continue;
			}
			if (j < 0) {
				fprintf(stderr, "latticectl: '%s' is not a host of lattice '%s'\n"
					"hint: give hosts' ssh targets as written in %s, or 'all'\n",
					tok, m->name, m->path);
				return -1;
			}
			want[j] = 1;
		}
	}
	return 0;
}
