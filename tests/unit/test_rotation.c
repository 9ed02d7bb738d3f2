/* test_rotation.c - an admission secret's rotation: the store's rotate-as (one new secret, the old one kept under the name given, a cut-short run taken up) and the journal's word on a rotation under way. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "journal.h"
#include "roles.h"
#include "rotation.h"
#include "secrets.h"
#include "unit.h"
#include "banned.h"

/* The contents of dir/rel (at most 127 bytes), "" when unreadable. */
static void slurp(char out[128], const char *dir, const char *rel)
{
	char path[512];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	out[0] = '\0';
	if ((fd = open(path, O_RDONLY)) < 0)
		return;
	n = read(fd, out, 127);
	out[n > 0 ? n : 0] = '\0';
	close(fd);
}

static void test_rotate_as(const char *root)
{
	struct lc_secrets s;
	struct lc_err err;
	char lat[512], old[128], now[128], kept[128], again[128];
	uint8_t buf[32];
	struct stat st;
	int created;

	lc_err_clear(&err);
	snprintf(lat, sizeof(lat), "%s/lat", root);
	CHECK(lc_secrets_open(&s, root, "lat", 1, &err) == 0);
	CHECK(lc_secrets_subdir(&s, "admission", &err) == 0);
	CHECK(lc_secret_get(&s, "admission/relay.secret", buf, 32, lc_secret_gen_random, NULL,
			    &created, &err) == 0 && created);
	slurp(old, lat, "admission/relay.secret");
	CHECK(strlen(old) == 65);

	/* One rotation: a new secret in place (0400), the old one kept. */
	CHECKF(lc_secret_rotate_as(&s, "admission/relay.secret", 32, "retired/relay.secret.7",
				   &err) == 0, "%s", err.msg);
	slurp(now, lat, "admission/relay.secret");
	slurp(kept, lat, "retired/relay.secret.7");
	CHECK(strlen(now) == 65 && strcmp(now, old) && !strcmp(kept, old));
	CHECK(fstatat(s.dirfd, "admission/relay.secret", &st, 0) == 0 &&
	      (st.st_mode & 0777) == 0400);
	CHECK(fstatat(s.dirfd, "admission/relay.secret.next", &st, 0) < 0);

	/* A run cut short after the link (the retired name there, the new
	 * secret made as .next) is taken up: that same new secret. */
	CHECK(lc_secret_get(&s, "admission/unseal.secret", buf, 32, lc_secret_gen_random, NULL,
			    &created, &err) == 0);
	slurp(old, lat, "admission/unseal.secret");
	CHECK(lc_secret_get(&s, "admission/unseal.secret.next", buf, 32, lc_secret_gen_random,
			    NULL, &created, &err) == 0 && created);
	slurp(again, lat, "admission/unseal.secret.next");
	CHECK(linkat(s.dirfd, "admission/unseal.secret", s.dirfd, "retired/unseal.secret.9", 0) == 0);
	CHECKF(lc_secret_rotate_as(&s, "admission/unseal.secret", 32, "retired/unseal.secret.9",
				   &err) == 0, "%s", err.msg);
	slurp(now, lat, "admission/unseal.secret");
	slurp(kept, lat, "retired/unseal.secret.9");
	CHECK(!strcmp(now, again) && !strcmp(kept, old));

	/* The retired name holding another file is refused; nothing moves. */
	lc_err_clear(&err);
	slurp(old, lat, "admission/relay.secret");
	CHECK(lc_secret_rotate_as(&s, "admission/relay.secret", 32, "retired/unseal.secret.9",
				  &err) < 0);
	CHECK(strstr(err.msg, "holds another file") != NULL && err.hint[0]);
	slurp(now, lat, "admission/relay.secret");
	slurp(again, lat, "retired/unseal.secret.9");
	CHECK(!strcmp(now, old) && !strcmp(again, kept));

	/* Removing a retired secret; a missing one is no error. */
	lc_err_clear(&err);
	CHECK(lc_secret_remove(&s, "retired/relay.secret.7", &err) == 0);
	CHECK(fstatat(s.dirfd, "retired/relay.secret.7", &st, 0) < 0);
	CHECK(lc_secret_remove(&s, "retired/relay.secret.7", &err) == 0);
	lc_secrets_close(&s);
}

static void test_pending(const char *root)
{
	struct lc_journal *j = NULL;
	const struct lc_jrec *b;
	struct lc_err err;
	char name[96];
	const char *committee = lc_roles[lc_rotation_role(LC_ORG_ZIPNET)].name;

	lc_err_clear(&err);
	CHECK(!strcmp(committee, "zipnet-server"));
	CHECK(lc_rotation_role(LC_ORG_TALLY) == LC_ROLE_TALLY_MEMBER);
	CHECK(lc_journal_open(&j, root, NULL, &err) == 0);
	CHECK(lc_rotation_pending(j, LC_ORG_ZIPNET) == NULL);
	CHECK(lc_rotation_refuse(j, "up", &err) == 0);
	CHECK(lc_journal_note(j, "", committee, LC_ROTATION_STEP, "aa", "begin", &err, "x") == 0);
	CHECK(lc_journal_note(j, "h1", committee, "stop", "", "done", &err, "x") == 0);
	CHECK(lc_journal_note(j, "", committee, LC_ROTATION_STEP, "aa", "failed", &err, "x") == 0);
	/* Under way (failed is not done): the begin record, its retired name. */
	b = lc_rotation_pending(j, LC_ORG_ZIPNET);
	CHECK(b && b->seq == 1 && !strcmp(b->outcome, "begin") && !strcmp(b->inputs, "aa"));
	CHECK(lc_rotation_pending(j, LC_ORG_UNSEAL) == NULL);
	if (b) {
		lc_rotation_retired(name, sizeof(name), LC_ORG_ZIPNET, b);
		CHECK(!strncmp(name, "retired/zipnet.secret.", 22) && strlen(name) > 22);
	}
	CHECK(lc_rotation_refuse(j, "up", &err) < 0);
	CHECK(strstr(err.msg, "zipnet admission secret") && strstr(err.msg, "up now would"));
	CHECK(strstr(err.hint, "latticectl rotate-secret zipnet") != NULL);
	CHECK(lc_journal_note(j, "", committee, LC_ROTATION_STEP, "aa", "done", &err, "x") == 0);
	CHECK(lc_rotation_pending(j, LC_ORG_ZIPNET) == NULL);
	CHECK(lc_rotation_pending(NULL, LC_ORG_ZIPNET) == NULL);
	lc_journal_close(j);
}

void unit_main(int argc, char **argv)
{
	char root[64], cmd[128];

	(void)argc;
	(void)argv;
	snprintf(root, sizeof(root), "/tmp/lc-rotation-XXXXXX");
	if (!mkdtemp(root)) {
		perror("mkdtemp");
		exit(1);
	}
	chmod(root, 0700);
	test_rotate_as(root);
	test_pending(root);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	CHECK(system(cmd) == 0);
}
