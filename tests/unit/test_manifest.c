/* test_manifest.c - the manifest model: values, defaults and positions as loaded from TOML. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "manifest.h"
#include "unit.h"
#include "banned.h"

static char path[] = "/tmp/lc-manifest-XXXXXX";

/* Load text as a manifest; returns the diagnostics count through d. */
static struct lc_manifest *load(const char *text, struct lc_diags *d)
{
	struct lc_manifest *m = NULL;
	FILE *f = fopen(path, "w");

	if (!f)
		return NULL;
	fputs(text, f);
	fclose(f);
	lc_diags_init(d, path);
	lc_manifest_load(&m, path, d);
	return m;
}

static const char *base =
	"[lattice]\nname = \"acme.ethereum.testnet\"\nchain_id = 17000\n"
	"[organisms.zipnet]\nwindow = [250, 1000]\n"
	"[organisms.unseal]\nthreshold = \"2-of-3\"\n"
	"[organisms.offer]\nauction_window_ms = 800\n"
	"[organisms.atelier]\nblock_schema = \"l1-post-4844\"\nchain_rpc = \"https://rpc.a.example/\"\n"
	"[organisms.relay]\npolicy = \"l1-mev-boost\"\n"
	"proposer_endpoints = [\"https://r1.example\", \"https://r2.example\"]\n"
	"[organisms.tally]\nsettlement_addr = \"0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed\"\n"
	"chain_rpc = \"https://rpc.a.example/\"\n"
	"[binaries]\nzipnet-server = \"bin/z\"\nzipnet-aggregator = \"bin/a\"\n"
	"unseal-member = { url = \"https://dl.example/u\", sha256 = \"00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff\" }\n"
	"offer-member = \"bin/o\"\natelier-member = \"bin/at\"\nrelay-member = \"bin/r\"\n"
	"tally-member = \"bin/t\"\n"
	"[[hosts]]\nssh = \"u@t1.example\"\ntdx = true\nroles = [\"unseal-member\", \"atelier-member\"]\n"
	"[[hosts]]\nssh = \"u@t2.example\"\ntdx = true\nroles = [\"unseal-member\", \"atelier-member\"]\n"
	"[[hosts]]\nssh = \"u@t3.example:2200\"\ntdx = true\nroles = [\"unseal-member\", \"atelier-member\"]\n"
	"[[hosts]]\nssh = \"c1\"\nroles = [\"zipnet-server\", \"offer-member\", \"relay-member\", \"tally-member\"]\n"
	"[[hosts]]\nssh = \"c2\"\nroles = [\"zipnet-server\", \"offer-member\", \"relay-member\", \"tally-member\"]\n"
	"[[hosts]]\nssh = \"c3\"\nroles = [\"zipnet-server\", \"offer-member\", \"relay-member\", \"tally-member\"]\n"
	"[[hosts]]\nssh = \"agg\"\nroles = [\"zipnet-aggregator\"]\n";

static void model(void)
{
	struct lc_diags d;
	struct lc_manifest *m = load(base, &d);

	CHECKF(m && d.nerrors == 0, "%zu errors, first: %s", d.nerrors,
	       d.len ? d.v[0].msg : "");
	if (!m)
		goto out;
	CHECK(!strcmp(m->name, "acme.ethereum.testnet"));
	CHECK(m->chain_id == 17000);
	CHECK(m->tdx == LC_TDX_MODE_REQUIRED);
	CHECK(m->zipnet.kind == LC_WINDOW_TUPLE && m->zipnet.round_ms == 250 &&
	      m->zipnet.retain_rounds == 1000);
	CHECK(m->unseal.threshold.t == 2 && m->unseal.threshold.n == 3);
	/* offer's threshold defaults to a majority of its members. */
	CHECK(!m->offer.threshold.set && m->offer.threshold.t == 2 &&
	      m->offer.threshold.n == 3);
	CHECK(m->offer.auction_window_ms == 800);
	CHECK(m->relay.n_endpoints == 2 &&
	      !strcmp(m->relay.proposer_endpoints[1], "https://r2.example"));
	/* The address is kept in its checksummed form. */
	CHECK(!strcmp(m->tally.settlement_addr, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"));
	CHECK(m->binaries[LC_ROLE_UNSEAL_MEMBER].url != NULL &&
	      m->binaries[LC_ROLE_UNSEAL_MEMBER].sha256[0] == 0x00 &&
	      m->binaries[LC_ROLE_UNSEAL_MEMBER].sha256[1] == 0xff);
	CHECK(!strcmp(m->binaries[LC_ROLE_TALLY_MEMBER].path, "bin/t"));
	CHECK(m->nhosts == 7);
	CHECK(m->hosts[2].target.port == 2200 && !strcmp(m->hosts[2].target.user, "u"));
	CHECK(m->hosts[3].target.alias && !m->hosts[3].tdx);
	CHECK(m->role_count[LC_ROLE_ZIPNET_AGGREGATOR] == 1 &&
	      m->role_count[LC_ROLE_TALLY_MEMBER] == 3);
	/* Positions: the first [[hosts]] header and a role string. */
	CHECK(m->hosts[0].pos.line == 27 && m->hosts[0].pos.col == 1);
	CHECK(m->hosts[0].role_pos[LC_ROLE_ATELIER_MEMBER].line == 30 &&
	      m->hosts[0].role_pos[LC_ROLE_ATELIER_MEMBER].col == 27);
out:
	lc_manifest_free(m);
	lc_diags_release(&d);
}

/* Replace the first occurrence of from in base and load the result. */
static size_t errors_with(const char *from, const char *to, const char *want)
{
	char text[8192];
	const char *p = strstr(base, from);
	struct lc_diags d;
	struct lc_manifest *m;
	size_t n, i;
	int found = 0;

	if (!p)
		return (size_t)-1;
	snprintf(text, sizeof(text), "%.*s%s%s", (int)(p - base), base, to,
		 p + strlen(from));
	m = load(text, &d);
	n = d.nerrors;
	for (i = 0; i < d.len; i++)
		if (want && d.v[i].msg && strstr(d.v[i].msg, want))
			found = 1;
	CHECKF(!want || found, "no diagnostic containing \"%s\"", want);
	lc_manifest_free(m);
	lc_diags_release(&d);
	return n;
}

static void rules(void)
{
	CHECK(errors_with("window = [250, 1000]", "window = [250]", "must be a string or") == 1);
	CHECK(errors_with("window = [250, 1000]", "window = [0, 1000]", "out of range") == 1);
	CHECK(errors_with("window = [250, 1000]", "window = \"archival\"", NULL) == 0);
	CHECK(errors_with("chain_id = 17000", "chain_id = 17000.0", "must be an integer, not a float") == 1);
	CHECK(errors_with("auction_window_ms = 800", "auction_window_ms = 800\nthreshold = \"2-of-3\"", NULL) == 0);
	CHECK(errors_with("auction_window_ms = 800", "auction_window_ms = 800\nthreshold = \"1-of-3\"", "not a majority") == 1);
	CHECK(errors_with("threshold = \"2-of-3\"", "threshold = \"3-of-3\"", NULL) == 0);
	CHECK(errors_with("threshold = \"2-of-3\"", "threshold = \"02-of-3\"", "not of the form") == 1);
	CHECK(errors_with("threshold = \"2-of-3\"", "threshold = \"2-of-3 \"", "not of the form") == 1);
	CHECK(errors_with("ssh = \"c1\"", "ssh = \"u@c1:22\"", NULL) == 0);
	CHECK(errors_with("ssh = \"c2\"", "ssh = \"C1\"", "listed twice") == 1);
	CHECK(errors_with("ssh = \"agg\"", "ssh = \"u@t3.example:2200\"", "listed twice") == 1);
	/* The same host name on another port is another machine. */
	CHECK(errors_with("ssh = \"agg\"", "ssh = \"u@t3.example:2201\"", NULL) == 0);
	CHECK(errors_with("[lattice]\n", "[lattice]\ntdx = \"simulate\"\n", NULL) == 0);
	CHECK(errors_with("tdx = true\nroles = [\"unseal-member\", \"atelier-member\"]",
			  "roles = [\"unseal-member\", \"atelier-member\"]", "requires TDX") == 2);
	CHECK(errors_with("roles = [\"zipnet-aggregator\"]", "roles = [\"zipnet-aggregator\", 7]",
			  "must hold strings") == 1);
	CHECK(errors_with("proposer_endpoints = [", "proposer_endpoints = [3, ", "must hold strings") == 1);
	CHECK(errors_with("[[hosts]]\nssh = \"agg\"\nroles = [\"zipnet-aggregator\"]\n",
			  "hosts = [{ ssh = \"agg\", roles = [\"zipnet-aggregator\"] }]\n",
			  "unknown key 'hosts' in [[hosts]]") != 0);
	CHECK(errors_with("zipnet-server = \"bin/z\"", "zipnet-server = \"\"", "is empty") == 1);
	CHECK(errors_with("zipnet-server = \"bin/z\"", "zipnet-server = 5", "path string or") == 1);
	CHECK(errors_with("zipnet-server = \"bin/z\"", "zipnet-server = { url = \"https://x.example/z\", sha256 = \"00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff\", size = 1 }",
			  "unknown key 'size' in [binaries.zipnet-server]") == 1);
}

/* [health]: defaults (the port derived from the name), values, ranges. */
static void health(void)
{
	static const char *tail = "tally-member = \"bin/t\"\n";
	char text[8192];
	const char *p = strstr(base, tail);
	struct lc_manifest *m, *m2;
	struct lc_diags d, d2;
	unsigned port;

	m = load(base, &d);
	CHECK(m && d.nerrors == 0);
	if (m) {
		port = m->health.metrics_port;
		CHECK(m->health.deadline_s == 300);
		CHECK(!strcmp(m->health.pipeline_metric, "tally_round"));
		CHECK(!m->health.pipeline_command && !m->health.metrics_port_set);
		/* 20000 + 8k, k < 5000: eight ports, role r at + r. */
		CHECKF(port >= 20000 && port <= 59992 && port % 8 == 0, "port %u", port);
		/* Another name, another port (for these two names). */
		snprintf(text, sizeof(text), "%s", base);
		memcpy(strstr(text, "testnet"), "testnex", 7);
		m2 = load(text, &d2);
		CHECK(m2 && m2->health.metrics_port != port &&
		      m2->health.metrics_port % 8 == 0);
		lc_manifest_free(m2);
		lc_diags_release(&d2);
	}
	lc_manifest_free(m);
	lc_diags_release(&d);

	snprintf(text, sizeof(text), "%.*s%s[health]\ndeadline = 86400\n"
		 "metrics_port = 65528\npipeline_command = \"./e2e.sh --slot\"\n%s",
		 (int)(p - base), base, tail, p + strlen(tail));
	m = load(text, &d);
	CHECKF(m && d.nerrors == 0, "%zu errors, first: %s", d.nerrors,
	       d.len ? d.v[0].msg : "");
	if (m) {
		CHECK(m->health.deadline_s == 86400 && m->health.metrics_port == 65528 &&
		      m->health.metrics_port_set);
		CHECK(!strcmp(m->health.pipeline_command, "./e2e.sh --slot") &&
		      !m->health.pipeline_metric);
		CHECK(m->health.pos.line == 27 && m->health.pos.col == 1);
	}
	lc_manifest_free(m);
	lc_diags_release(&d);

#define H(text) "tally-member = \"bin/t\"\n[health]\n" text "\n"
	CHECK(errors_with(tail, H("deadline = 1\nmetrics_port = 1024"), NULL) == 0);
	CHECK(errors_with(tail, H("deadline = 0"), "out of range") == 1);
	CHECK(errors_with(tail, H("deadline = 86401"), "out of range") == 1);
	CHECK(errors_with(tail, H("deadline = 1.5"), "must be an integer, not a float") == 1);
	CHECK(errors_with(tail, H("metrics_port = 1023"), "out of range") == 1);
	CHECK(errors_with(tail, H("metrics_port = 65529"), "out of range") == 1);
	CHECK(errors_with(tail, H("pipeline_metric = \"_x:y_9\""), NULL) == 0);
	CHECK(errors_with(tail, H("pipeline_metric = \"9x\""), "not a Prometheus") == 1);
	CHECK(errors_with(tail, H("pipeline_metric = \"\""), "not a Prometheus") == 1);
	CHECK(errors_with(tail, H("pipeline_command = \"\""), "is empty") == 1);
	CHECK(errors_with(tail, H("pipeline_command = 7"), "must be a string") == 1);
	CHECK(errors_with(tail, H("deadlin = 5"), "unknown key 'deadlin' in [health]") == 1);
	CHECK(errors_with("[lattice]\n", "health = 5\n[lattice]\n",
			  "'health' in the top level must be a table") == 1);
	CHECK(errors_with(tail, H("[heath]"), "unknown key 'heath' in the top level") == 1);
#undef H
}

void unit_main(int argc, char **argv)
{
	int fd;

	(void)argc;
	(void)argv;
	if ((fd = mkstemp(path)) < 0) {
		CHECKF(0, "mkstemp failed");
		return;
	}
	close(fd);
	model();
	rules();
	health();
	unlink(path);
}
