/* test_chain.c - the chain-id check against the test HTTP server: right, wrong, unreachable, broken, slow; URLs in messages. */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "chain.h"
#include "http.h"
#include "unit.h"
#include "banned.h"

#define KEY "SeCrEtKeY0123456789"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void redact(void)
{
	static const struct {
		const char *url;
		int keep;
		const char *want;
	} t[] = {
		{ "https://eth-mainnet.g.alchemy.com/v2/" KEY, 0,
		  "https://eth-mainnet.g.alchemy.com/\xe2\x80\xa6" },
		{ "http://127.0.0.1:8545/", 0, "http://127.0.0.1:8545/\xe2\x80\xa6" },
		{ "http://127.0.0.1:8545", 0, "http://127.0.0.1:8545/\xe2\x80\xa6" },
		{ "http://alice:p@ss@127.0.0.1:8545/x?k=1", 0,
		  "http://127.0.0.1:8545/\xe2\x80\xa6" },
		{ "http://[::1]:8545?key=" KEY, 0, "http://[::1]:8545/\xe2\x80\xa6" },
		{ "https://u:p@dl.example/rel/v1/bin?X-Amz-Signature=" KEY "#f", 1,
		  "https://dl.example/rel/v1/bin?\xe2\x80\xa6" },
		{ "https://dl.example/rel/v1/bin#frag", 1, "https://dl.example/rel/v1/bin" },
		{ "https://dl.example", 1, "https://dl.example" },
		{ "nonsense", 0, "(not a URL)" },
		{ "://x", 0, "(not a URL)" },
	};
	char out[300];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		lc_url_redact(out, sizeof(out), t[i].url, t[i].keep);
		CHECKF(!strcmp(out, t[i].want), "%s -> %s, want %s", t[i].url, out,
		       t[i].want);
	}
	/* Truncation keeps a NUL. */
	lc_url_redact(out, 8, "https://a-long-host.example/x", 0);
	CHECK(strlen(out) == 7);
}

/* A port on 127.0.0.1 that nothing listens on (bound, then closed). */
static unsigned closed_port(void)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	unsigned port = 1;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(0x7f000001);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
		port = ntohs(sa.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

/* A manifest with just what the check reads. */
static void manifest(struct lc_manifest *m, uint64_t id, const char *a, const char *t)
{
	memset(m, 0, sizeof(*m));
	m->chain_id = id;
	m->atelier.chain_rpc = a;
	m->tally.chain_rpc = t;
}

/* Every message names the shown URL and never the key. */
static void no_secret(const struct lc_err *err, const struct lc_buf *out,
		      const char *shown)
{
	CHECKF(strstr(err->msg, shown), "%s: does not name %s", err->msg, shown);
	CHECKF(!strstr(err->msg, KEY) && !strstr(err->hint, KEY), "%s", err->msg);
	CHECKF(!strstr(err->msg, "alice") && !strstr(err->msg, "hunter2"), "%s", err->msg);
	CHECK(!out || !strstr(out->ptr, KEY));
}

static void right_and_wrong(void)
{
	const char *args[] = { "--chain-id", "31337", NULL };
	char url[200], url2[200], keyed[200], shown[200], want[512];
	struct unit_stub s;
	struct lc_manifest m;
	struct lc_buf out;
	struct lc_err err;
	uint64_t id = 0;
	int rc;

	if (unit_stub_start(&s, args))
		return;
	lc_buf_init(&out, 65536);
	lc_err_clear(&err);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/", s.port);
	snprintf(keyed, sizeof(keyed), "http://alice:hunter2@127.0.0.1:%u/v2/" KEY, s.port);
	snprintf(url2, sizeof(url2), "http://localhost:%u/v2/other", s.port);
	snprintf(shown, sizeof(shown), "http://127.0.0.1:%u/\xe2\x80\xa6", s.port);

	CHECKF(lc_chain_id(url, 2000, &id, &err) == 0 && id == 31337, "%s", err.msg);

	/* One endpoint for both organisms: checked once, one line. */
	manifest(&m, 31337, url, url);
	CHECKF(lc_chain_check(&m, 2000, &out, &err) == 0, "%s", err.msg);
	snprintf(want, sizeof(want), "chain_rpc %s: chain id 31337, as the manifest says\n",
		 shown);
	CHECKF(!strcmp(out.ptr, want), "got %s", out.ptr);

	/* The key in the path and the userinfo never show. */
	lc_buf_reset(&out);
	manifest(&m, 31337, keyed, keyed);
	CHECKF(lc_chain_check(&m, 2000, &out, &err) == 0, "%s", err.msg);
	CHECKF(!strcmp(out.ptr, want), "got %s", out.ptr);

	/* Two endpoints: two lines; same shown form, so each says whose. */
	lc_buf_reset(&out);
	manifest(&m, 31337, keyed, url);
	CHECKF(lc_chain_check(&m, 2000, &out, &err) == 0, "%s", err.msg);
	CHECKF(strstr(out.ptr, "atelier's chain_rpc http://127.0.0.1") &&
	       strstr(out.ptr, "tally's chain_rpc http://127.0.0.1") &&
	       !strstr(out.ptr, KEY), "got %s", out.ptr);
	lc_buf_reset(&out);
	manifest(&m, 31337, url, url2);
	CHECKF(lc_chain_check(&m, 2000, &out, &err) == 0, "%s", err.msg);
	CHECKF(strstr(out.ptr, "\nchain_rpc http://localhost:") &&
	       !strstr(out.ptr, "other"), "got %s", out.ptr);

	/* A wrong id: both ids, the URL, the hint; fails closed. */
	lc_buf_reset(&out);
	manifest(&m, 1, keyed, keyed);
	CHECK(lc_chain_check(&m, 2000, &out, &err) == -1);
	snprintf(want, sizeof(want), "chain_rpc %s answers chain id 31337, but the "
		 "manifest says 1", shown);
	CHECKF(!strcmp(err.msg, want), "got %s", err.msg);
	CHECKF(!strcmp(err.hint, "point chain_rpc at a node of chain 1 (Ethereum "
		       "mainnet), not 31337 (an Anvil or Hardhat devnet); chain_id is "
		       "part of the lattice's identity"), "%s", err.hint);
	CHECK(out.len == 0);
	no_secret(&err, &out, shown);
	/* The second endpoint is wrong: the first one's line is there. */
	lc_buf_reset(&out);
	manifest(&m, 31337, url, "http://127.0.0.1:1/v2/" KEY);
	CHECK(lc_chain_check(&m, 2000, &out, &err) != 0);
	CHECK(strstr(out.ptr, "chain id 31337, as the manifest says") != NULL);
	no_secret(&err, &out, "http://127.0.0.1:1/\xe2\x80\xa6");

	lc_buf_release(&out);
	unit_stub_stop(&s);

	/* Once stopped, the same endpoint is unreachable. */
	id = 0;
	rc = lc_chain_id(url, 2000, &id, &err);
	CHECKF(rc == LC_ERR_CONNECT && id == 0, "rc %d: %s", rc, err.msg);
}

static void unreachable(void)
{
	char url[200], shown[200];
	struct lc_manifest m;
	struct lc_buf out;
	struct lc_err err;
	unsigned port = closed_port();
	double t0;
	int rc;

	lc_buf_init(&out, 65536);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/v2/" KEY, port);
	snprintf(shown, sizeof(shown), "http://127.0.0.1:%u/\xe2\x80\xa6", port);
	manifest(&m, 31337, url, url);
	t0 = now();
	rc = lc_chain_check(&m, 5000, &out, &err);
	CHECKF(rc == LC_ERR_CONNECT, "rc %d: %s", rc, err.msg);
	CHECKF(now() - t0 < 1.0, "%.2f s to fail", now() - t0);
	CHECKF(strstr(err.msg, "cannot get the chain id from chain_rpc"), "%s", err.msg);
	CHECKF(strstr(err.hint, "run with --offline to skip this check (not for "
		      "production)"), "%s", err.hint);
	no_secret(&err, &out, shown);

	/* Not an acceptable URL (plain http off loopback, another scheme). */
	CHECK(lc_chain_check((manifest(&m, 1, "http://rpc.example/v2/" KEY, NULL), &m),
			     1000, &out, &err) == -1);
	CHECKF(strstr(err.msg, "not an acceptable URL"), "%s", err.msg);
	no_secret(&err, &out, "http://rpc.example/\xe2\x80\xa6");
	CHECK(lc_chain_check((manifest(&m, 1, NULL, "file:///etc/passwd"), &m),
			     1000, &out, &err) == -1);
	CHECK(lc_chain_check((manifest(&m, 1, NULL, NULL), &m), 1000, &out, &err) == -1);
	CHECK(out.len == 0);
	lc_buf_release(&out);
}

/* The stub in a fault mode: the check fails with want in the message. */
static void fault(const char *const *args, long timeout_ms, int want_rc,
		  const char *want, double max_s)
{
	char url[200], shown[200];
	struct unit_stub s;
	struct lc_manifest m;
	struct lc_buf out;
	struct lc_err err;
	double t0;
	int rc;

	if (unit_stub_start(&s, args))
		return;
	lc_buf_init(&out, 65536);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/v2/" KEY, s.port);
	snprintf(shown, sizeof(shown), "http://127.0.0.1:%u/\xe2\x80\xa6", s.port);
	manifest(&m, 31337, url, url);
	t0 = now();
	rc = lc_chain_check(&m, timeout_ms, &out, &err);
	CHECKF(rc == want_rc, "%s %s: rc %d, %s", args[0], args[1], rc, err.msg);
	CHECKF(strstr(rc ? err.msg : out.ptr, want), "%s %s: %s", args[0], args[1],
	       rc ? err.msg : out.ptr);
	CHECKF(now() - t0 < max_s, "%s %s: %.2f s", args[0], args[1], now() - t0);
	if (rc) {
		CHECKF(strstr(err.hint, strstr(err.msg, " answers chain id ") ?
			      "point chain_rpc at a node of chain" : "--offline"),
		       "%s", err.hint);
		no_secret(&err, &out, shown);
	}
	lc_buf_release(&out);
	unit_stub_stop(&s);
}

static void faults(void)
{
#define ARGS(...) (const char *const[]){ __VA_ARGS__, NULL }
	fault(ARGS("--mode", "garbage", "--chain-id", "31337"), 2000, -1,
	      "the answer is not a JSON-RPC response", 2);
	fault(ARGS("--mode", "error", "--chain-id", "31337"), 2000, -1,
	      "JSON-RPC error -32603: internal error: the stub was told to fail", 2);
	fault(ARGS("--mode", "ok", "--chain-id", "31337"), 2000, 0,
	      "chain id 31337, as the manifest says", 2);
	fault(ARGS("--mode", "ok", "--delay", "0"), 2000, -1,
	      "JSON-RPC error -32601: the method does not exist", 2);
	fault(ARGS("--mode", "status500", "--chain-id", "31337"), 2000, -1,
	      "HTTP status 500 (expected 200)", 2);
	fault(ARGS("--mode", "hang", "--chain-id", "31337"), 300, LC_ERR_TIMEOUT,
	      "no answer within 300 ms", 2);
	fault(ARGS("--mode", "slow", "--delay", "1500", "--chain-id", "31337"), 300,
	      LC_ERR_TIMEOUT, "no answer within 300 ms", 1.4);
	fault(ARGS("--mode", "slow", "--delay", "200", "--chain-id", "31337"), 3000, 0,
	      "chain id 31337, as the manifest says", 3);
	fault(ARGS("--mode", "huge", "--chain-id", "31337"), 3000, -1,
	      "the answer is larger than 64 KiB", 3);
	/* Results: leading zeros accepted, 64 bits at most, hex only. */
	fault(ARGS("--result", "0x00007a69"), 2000, 0, "chain id 31337, as", 2);
	fault(ARGS("--result", "0X7A69"), 2000, 0, "chain id 31337, as", 2);
	fault(ARGS("--result", "0x"), 2000, -1, "the result \"0x\" is not a 0x hex quantity", 2);
	fault(ARGS("--result", "31337"), 2000, -1, "is not a 0x hex quantity", 2);
	fault(ARGS("--result", "0x7a69 "), 2000, -1, "is not a 0x hex quantity", 2);
	fault(ARGS("--result", "0x-1"), 2000, -1, "is not a 0x hex quantity", 2);
	fault(ARGS("--result", "0x10000000000000000"), 2000, -1,
	      "the chain id 0x10000000000000000 does not fit in 64 bits", 2);
	fault(ARGS("--result", "0x0000ffffffffffffffff"), 2000, -1,
	      "answers chain id 18446744073709551615, but the manifest says 31337", 2);
	fault(ARGS("--result", "\x1b[31mred"), 2000, -1, "the result \"?[31mred\"", 2);
#undef ARGS
}

void unit_main(int argc, char **argv)
{
	struct lc_err err;

	(void)argc;
	(void)argv;
	CHECK(lc_http_global_init(&err) == 0);
	redact();
	right_and_wrong();
	unreachable();
	faults();
}
