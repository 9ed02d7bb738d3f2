/* test_retire.c - a lattice's successor name, the --deadline forms, the retirement record and the manifest renamed in place. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "manifest.h"
#include "retire.h"
#include "unit.h"
#include "banned.h"

static int next_is(const char *name, const char *want)
{
	char out[300];
	struct lc_err err;

	lc_err_clear(&err);
	if (lc_successor_name(out, sizeof(out), name, &err)) {
		fprintf(stderr, "    %s: %s\n", name, err.msg);
		return 0;
	}
	if (strcmp(out, want))
		fprintf(stderr, "    %s -> '%s', want '%s'\n", name, out, want);
	return !strcmp(out, want);
}

static void test_names(void)
{
	char out[300], longname[254];
	struct lc_err err;

	CHECK(next_is("acme", "acme.v2"));
	CHECK(next_is("acme.ethereum.mainnet", "acme.ethereum.mainnet.v2"));
	CHECK(next_is("acme.ethereum.mainnet.v2", "acme.ethereum.mainnet.v3"));
	CHECK(next_is("acme.v9", "acme.v10"));
	/* Not a version: v0, a leading zero, letters after the digits. */
	CHECK(next_is("acme.v0", "acme.v0.v2"));
	CHECK(next_is("acme.v02", "acme.v02.v2"));
	CHECK(next_is("acme.v2b", "acme.v2b.v2"));
	CHECK(next_is("acme.v", "acme.v.v2"));
	/* 253 bytes: the successor would not be a lattice name. */
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	for (size_t i = 60; i < sizeof(longname) - 1; i += 61)
		longname[i] = '.';
	lc_err_clear(&err);
	CHECK(lc_successor_name(out, sizeof(out), longname, &err) == -1 &&
	      strstr(err.msg, "no valid successor name") && err.hint[0]);
}

static void test_deadlines(void)
{
	const long long now = 1800000000; /* 2027-01-15 08:00 UTC */
	struct lc_err err;
	long long t = 0;
	char s[64];

	lc_err_clear(&err);
	CHECK(lc_deadline_parse(&t, "4w", now, &err) == 0 && t == now + 28 * 86400);
	CHECK(lc_deadline_parse(&t, "14d", now, &err) == 0 && t == now + 14 * 86400);
	CHECK(lc_deadline_parse(&t, "2027-02-01", now, &err) == 0 && t == 1801440000);
	lc_deadline_fmt(s, sizeof(s), t);
	CHECKF(!strcmp(s, "2027-02-01 00:00 UTC"), "got '%s'", s);
	CHECK(lc_deadline_parse(&t, "2027-01-15", now, &err) == -1 &&
	      strstr(err.msg, "not in the future"));
	CHECK(lc_deadline_parse(&t, "2027-02-30", now, &err) == -1 &&
	      strstr(err.msg, "is not a date"));
	CHECK(lc_deadline_parse(&t, "2027-13-01", now, &err) == -1);
	CHECK(lc_deadline_parse(&t, "4", now, &err) == -1 && strstr(err.hint, "4w"));
	CHECK(lc_deadline_parse(&t, "0d", now, &err) == -1);
	CHECK(lc_deadline_parse(&t, "-3w", now, &err) == -1);
	CHECK(lc_deadline_parse(&t, "soon", now, &err) == -1 &&
	      strstr(err.msg, "neither a date nor a duration"));
}

static const char manifest[] =
	"# the lattice  \n"
	"[lattice]\n"
	"name   =  'acme.ethereum.holesky' # the name, quoted the literal way\n"
	"chain_id = 17000\n";

static void test_records_and_rename(void)
{
	char dir[] = "/tmp/lc-retire.XXXXXX", path[128], want[256];
	struct lc_retirement rt, back;
	struct lc_manifest *m = NULL;
	struct lc_diags d;
	struct lc_err err;
	struct lc_buf b;
	struct stat st;

	lc_err_clear(&err);
	lc_buf_init(&b, LC_BUF_NOMAX);
	if (!CHECK(mkdtemp(dir) != NULL))
		return;
	/* No record is no retirement. */
	CHECK(lc_retirement_read(&back, dir, &err) == 0 && !back.found);
	memset(&rt, 0, sizeof(rt));
	snprintf(rt.lattice, sizeof(rt.lattice), "acme");
	snprintf(rt.successor, sizeof(rt.successor), "acme.v2");
	rt.announced = 1800000000;
	rt.deadline = 1801440000;
	CHECK(lc_retirement_write(&rt, dir, &err) == 0);
	CHECK(lc_retirement_read(&back, dir, &err) == 0 && back.found &&
	      !strcmp(back.successor, "acme.v2") && back.deadline == rt.deadline &&
	      back.retired == 0);
	CHECK(lc_predecessor_write(dir, "acme", &err) == 0);
	CHECK(lc_predecessor_read(want, sizeof(want), dir, &err) == 0 && !strcmp(want, "acme"));

	/* Only the quoted name changes; the mode stays. */
	snprintf(path, sizeof(path), "%s/lattice.toml", dir);
	CHECK(lc_write_file_atomic(path, manifest, strlen(manifest), 0640, &err) == 0);
	lc_diags_init(&d, path);
	lc_manifest_load(&m, path, &d); /* incomplete: only its name is used */
	lc_diags_release(&d);
	if (CHECK(m && m->name && !strcmp(m->name, "acme.ethereum.holesky"))) {
		struct lc_buf nb;

		lc_buf_init(&nb, LC_BUF_NOMAX);
		CHECK(lc_manifest_renamed(&nb, m, "acme.ethereum.holesky.v2", &err) == 0 &&
		      lc_manifest_write(m, &nb, &err) == 0);
		lc_buf_release(&nb);
		CHECK(lc_read_file(&b, path, 4096, &err) == 0);
		CHECK(!strcmp(b.ptr, "# the lattice  \n[lattice]\nname   =  "
			      "'acme.ethereum.holesky.v2' # the name, quoted the literal way\n"
			      "chain_id = 17000\n"));
		CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0640);
		/* Keeping the kept manifest itself leaves it as it is. */
		CHECK(lc_manifest_keep(dir, path, &err) == 0 &&
		      lc_read_file(&b, path, 4096, &err) == 0 && strstr(b.ptr, "holesky.v2'"));
	}
	lc_manifest_free(m);
	m = NULL;
	/* A name written another way is refused, and nothing changes. */
	CHECK(lc_write_file_atomic(path, "[lattice]\nname = \"ac\\u006de.test\"\n", 34, 0600,
				   &err) == 0);
	lc_diags_init(&d, path);
	lc_manifest_load(&m, path, &d);
	lc_diags_release(&d);
	if (CHECK(m && m->name && !strcmp(m->name, "acme.test"))) {
		lc_buf_reset(&b);
		CHECK(lc_manifest_renamed(&b, m, "acme.test.v2", &err) == -1 &&
		      strstr(err.msg, "cannot rewrite the name") && strstr(err.hint, "nothing"));
	}
	lc_manifest_free(m);
	lc_buf_release(&b);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	CHECK(system(path) == 0);
}

void unit_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	test_names();
	test_deadlines();
	test_records_and_rename();
}
