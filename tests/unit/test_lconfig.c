/* test_lconfig.c - LatticeConfig v1: round trips, canonical endpoints, every rejection, identifiers, diff, JSON. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "blake3.h"
#include "buf.h"
#include "check.h"
#include "hex.h"
#include "lconfig.h"
#include "unit.h"
#include "banned.h"

#define SUM_LEN 8 /* the checksum trailer */

static void set_str(char *dst, size_t size, const char *s)
{
	snprintf(dst, size, "%s", s);
}

static void pattern(uint8_t *p, size_t n, unsigned seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + 7 * i);
}

/* A config using every feature: tuple window, pinned MR_TDs, three endpoints
 * of equal length (so the bytes of two can be swapped in place). */
static void sample(struct lc_lconfig *c)
{
	struct lc_err err;

	memset(c, 0, sizeof(*c));
	set_str(c->name, sizeof(c->name), "acme.ethereum.mainnet");
	c->chain_id = 17000;
	c->tdx = 0;
	c->window_kind = 2;
	c->round_ms = 500;
	c->retain_rounds = 86400;
	c->unseal_t = 5;
	c->unseal_n = 7;
	c->unseal_mrtd_kind = LC_MRTD_PINNED;
	pattern(c->unseal_mrtd, LC_MRTD_LEN, 0x10);
	pattern(c->unseal_pk, 32, 0x20);
	c->auction_window_ms = 800;
	c->offer_t = 3;
	c->offer_n = 5;
	pattern(c->offer_pk, 32, 0x30);
	set_str(c->block_schema, sizeof(c->block_schema), "l1-post-4844");
	c->atelier_mrtd_kind = LC_MRTD_PINNED;
	pattern(c->atelier_mrtd, LC_MRTD_LEN, 0x40);
	set_str(c->policy, sizeof(c->policy), "l1-mev-boost");
	CHECK(lc_lconfig_add_endpoint(c, "https://b.relay.example", &err) == 0);
	CHECK(lc_lconfig_add_endpoint(c, "https://c.relay.example", &err) == 0);
	CHECK(lc_lconfig_add_endpoint(c, "https://a.relay.example", &err) == 0);
	pattern(c->settlement, 20, 0x50);
}

/* A deep copy (endpoints duplicated). */
static void clone(struct lc_lconfig *dst, const struct lc_lconfig *src)
{
	size_t i;

	memcpy(dst, src, sizeof(*dst));
	for (i = 0; i < src->n_endpoints; i++)
		if (!(dst->endpoints[i] = strdup(src->endpoints[i])))
			abort();
}

static int encode(struct lc_buf *b, const struct lc_lconfig *c)
{
	struct lc_err err;

	lc_buf_reset(b);
	if (lc_lconfig_encode(b, c, &err)) {
		fprintf(stderr, "    encode: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static void id_of(uint8_t id[LC_LATTICE_ID_LEN], const struct lc_lconfig *c)
{
	struct lc_buf b;

	lc_buf_init(&b, LC_BUF_NOMAX);
	CHECK(encode(&b, c) == 0);
	lc_lattice_id(id, (const uint8_t *)b.ptr, b.len);
	lc_buf_release(&b);
}

/* Recompute the checksum trailer after editing the bytes. */
static void reseal(uint8_t *p, size_t len)
{
	lc_blake3_hash(p + len - SUM_LEN, SUM_LEN, p, len - SUM_LEN);
}

/* Decoding p must fail, with msg in the error when msg is set. */
static int rejected(const uint8_t *p, size_t len, const char *msg)
{
	struct lc_lconfig c;
	struct lc_err err;
	int rc;

	memset(&err, 0, sizeof(err));
	rc = lc_lconfig_decode(&c, p, len, &err);
	if (rc == 0) {
		lc_lconfig_release(&c);
		return 0;
	}
	if (c.n_endpoints != 0)
		return 0; /* a failed decode leaves nothing behind */
	if (msg && !strstr(err.msg, msg)) {
		fprintf(stderr, "    error '%s' lacks '%s'\n", err.msg, msg);
		return 0;
	}
	return 1;
}

static int same(const struct lc_lconfig *a, const struct lc_lconfig *b)
{
	size_t i;

	if (a->n_endpoints != b->n_endpoints)
		return 0;
	for (i = 0; i < a->n_endpoints; i++)
		if (strcmp(a->endpoints[i], b->endpoints[i]))
			return 0;
	return !strcmp(a->name, b->name) && a->chain_id == b->chain_id &&
	       a->tdx == b->tdx && a->window_kind == b->window_kind &&
	       a->round_ms == b->round_ms && a->retain_rounds == b->retain_rounds &&
	       a->unseal_t == b->unseal_t && a->unseal_n == b->unseal_n &&
	       a->unseal_mrtd_kind == b->unseal_mrtd_kind &&
	       !memcmp(a->unseal_mrtd, b->unseal_mrtd, LC_MRTD_LEN) &&
	       !memcmp(a->unseal_pk, b->unseal_pk, 32) &&
	       a->auction_window_ms == b->auction_window_ms &&
	       a->offer_t == b->offer_t && a->offer_n == b->offer_n &&
	       !memcmp(a->offer_pk, b->offer_pk, 32) &&
	       !strcmp(a->block_schema, b->block_schema) &&
	       a->atelier_mrtd_kind == b->atelier_mrtd_kind &&
	       !memcmp(a->atelier_mrtd, b->atelier_mrtd, LC_MRTD_LEN) &&
	       !strcmp(a->policy, b->policy) &&
	       !memcmp(a->settlement, b->settlement, 20);
}

static void round_trip(void)
{
	struct lc_lconfig a, d;
	struct lc_buf b, b2;
	struct lc_err err;
	size_t i;

	lc_buf_init(&b, LC_BUF_NOMAX);
	lc_buf_init(&b2, LC_BUF_NOMAX);
	sample(&a);
	CHECK(encode(&b, &a) == 0);
	CHECK(b.len == 228 + strlen(a.name) + strlen(a.block_schema) +
		       strlen(a.policy) + 2 + 3 * (2 + 23));
	CHECK(!memcmp(b.ptr, "LTCF\x01", 5));
	CHECKF(lc_lconfig_decode(&d, (uint8_t *)b.ptr, b.len, &err) == 0, "%s", err.msg);
	CHECK(!strcmp(d.name, a.name));
	CHECK(d.chain_id == a.chain_id);
	CHECK(d.tdx == a.tdx);
	CHECK(d.window_kind == a.window_kind);
	CHECK(d.round_ms == a.round_ms);
	CHECK(d.retain_rounds == a.retain_rounds);
	CHECK(d.unseal_t == a.unseal_t);
	CHECK(d.unseal_n == a.unseal_n);
	CHECK(d.unseal_mrtd_kind == a.unseal_mrtd_kind);
	CHECK(!memcmp(d.unseal_mrtd, a.unseal_mrtd, LC_MRTD_LEN));
	CHECK(!memcmp(d.unseal_pk, a.unseal_pk, 32));
	CHECK(d.auction_window_ms == a.auction_window_ms);
	CHECK(d.offer_t == a.offer_t);
	CHECK(d.offer_n == a.offer_n);
	CHECK(!memcmp(d.offer_pk, a.offer_pk, 32));
	CHECK(!strcmp(d.block_schema, a.block_schema));
	CHECK(d.atelier_mrtd_kind == a.atelier_mrtd_kind);
	CHECK(!memcmp(d.atelier_mrtd, a.atelier_mrtd, LC_MRTD_LEN));
	CHECK(!strcmp(d.policy, a.policy));
	CHECK(d.n_endpoints == 3);
	for (i = 0; i < d.n_endpoints && i < a.n_endpoints; i++)
		CHECK(!strcmp(d.endpoints[i], a.endpoints[i]));
	CHECK(!memcmp(d.settlement, a.settlement, 20));
	CHECK(same(&a, &d));
	CHECK(encode(&b2, &d) == 0);
	CHECK(b2.len == b.len && !memcmp(b2.ptr, b.ptr, b.len));
	lc_lconfig_release(&d);

	/* The other window kinds and synthetic MR_TDs round-trip too. */
	a.window_kind = 1;
	a.round_ms = a.retain_rounds = 0;
	a.tdx = 1;
	a.unseal_mrtd_kind = a.atelier_mrtd_kind = LC_MRTD_SYNTHETIC;
	lc_simulated_mrtd(a.unseal_mrtd, a.name, LC_ORG_UNSEAL);
	lc_simulated_mrtd(a.atelier_mrtd, a.name, LC_ORG_ATELIER);
	CHECK(encode(&b, &a) == 0);
	CHECK(lc_lconfig_decode(&d, (uint8_t *)b.ptr, b.len, &err) == 0 && same(&a, &d));
	CHECK(encode(&b2, &d) == 0 && b2.len == b.len && !memcmp(b2.ptr, b.ptr, b.len));
	lc_lconfig_release(&d);
	lc_lconfig_release(&a);
	lc_buf_release(&b);
	lc_buf_release(&b2);
}

static void endpoint_order(void)
{
	static const char *const urls[4] = {
		"https://z.example", "https://a.example",
		"https://\xc3\xa9.example", /* bytewise after 'z' */
		"https://a.example/x",
	};
	static const char *const sorted[4] = {
		"https://a.example", "https://a.example/x", "https://z.example",
		"https://\xc3\xa9.example",
	};
	struct lc_lconfig ref, c;
	struct lc_buf want, got;
	struct lc_err err;
	char longurl[2050];
	int perm[4], k, i, n_ok = 0;
	size_t j;

	lc_buf_init(&want, LC_BUF_NOMAX);
	lc_buf_init(&got, LC_BUF_NOMAX);
	sample(&ref);
	lc_lconfig_release(&ref);
	for (i = 0; i < 4; i++)
		CHECK(lc_lconfig_add_endpoint(&ref, sorted[i], &err) == 0);
	CHECK(ref.n_endpoints == 4);
	for (j = 0; j < ref.n_endpoints; j++)
		CHECK(!strcmp(ref.endpoints[j], sorted[j]));
	CHECK(encode(&want, &ref) == 0);

	/* All 24 insertion orders, each url added twice: one encoding. */
	for (k = 0; k < 24; k++) {
		int pool[4] = { 0, 1, 2, 3 }, left = 4, r = k, ok;

		for (i = 0; i < 4; i++) {
			int pick = r % left;

			r /= left;
			perm[i] = pool[pick];
			pool[pick] = pool[--left];
		}
		c = ref;
		c.n_endpoints = 0;
		for (i = 0; i < 8; i++)
			CHECK(lc_lconfig_add_endpoint(&c, urls[perm[i % 4]], &err) == 0);
		ok = c.n_endpoints == 4 && encode(&got, &c) == 0 &&
		     got.len == want.len && !memcmp(got.ptr, want.ptr, want.len);
		CHECKF(ok, "permutation %d %d %d %d", perm[0], perm[1], perm[2], perm[3]);
		n_ok += ok;
		lc_lconfig_release(&c);
	}
	CHECK(n_ok == 24);

	/* Empty, over-long and the 65th endpoint are refused. */
	CHECK(lc_lconfig_add_endpoint(&ref, "", &err) == -1);
	memset(longurl, 'x', 2049);
	longurl[2049] = '\0';
	CHECK(lc_lconfig_add_endpoint(&ref, longurl, &err) == -1);
	longurl[2048] = '\0';
	CHECK(lc_lconfig_add_endpoint(&ref, longurl, &err) == 0);
	lc_lconfig_release(&ref);
	for (i = 0; i < LC_LCONFIG_MAX_ENDPOINTS; i++) {
		char u[64];

		snprintf(u, sizeof(u), "https://r%02d.example", i);
		CHECK(lc_lconfig_add_endpoint(&ref, u, &err) == 0);
	}
	CHECK(lc_lconfig_add_endpoint(&ref, "https://r00.example", &err) == 0);
	CHECK(lc_lconfig_add_endpoint(&ref, "https://s.example", &err) == -1);
	CHECK(ref.n_endpoints == LC_LCONFIG_MAX_ENDPOINTS);
	CHECK(encode(&got, &ref) == 0);
	{
		struct lc_lconfig d;

		CHECK(lc_lconfig_decode(&d, (uint8_t *)got.ptr, got.len, &err) == 0 &&
		      d.n_endpoints == LC_LCONFIG_MAX_ENDPOINTS);
		lc_lconfig_release(&d);
	}
	lc_lconfig_release(&ref);
	lc_buf_release(&want);
	lc_buf_release(&got);
}

/* Every malformed input the decoder must refuse. */
static void rejections(void)
{
	struct lc_lconfig a, bad;
	struct lc_buf b;
	uint8_t *p;
	size_t len, i, cnt, u1, u2, n_ok;
	unsigned bit;

	lc_buf_init(&b, LC_BUF_NOMAX);
	sample(&a);
	CHECK(encode(&b, &a) == 0);
	len = b.len;
	p = malloc(len + 100);
	CHECK(p != NULL);
	if (!p)
		goto out;

	/* Magic and version. */
	memcpy(p, b.ptr, len);
	p[3] = 'G';
	reseal(p, len);
	CHECK(rejected(p, len, "magic"));
	memcpy(p, "\0\0\0\0", 4);
	CHECK(rejected(p, len, "magic"));
	memcpy(p, b.ptr, len);
	p[4] = 0;
	reseal(p, len);
	CHECK(rejected(p, len, "version 0"));
	p[4] = 2;
	reseal(p, len);
	CHECK(rejected(p, len, "version 2"));

	/* Every truncation. */
	n_ok = 0;
	for (i = 0; i < len; i++) {
		int ok = rejected((uint8_t *)b.ptr, i, i < 4 ? "magic" : "truncated");

		CHECKF(ok, "truncated to %zu bytes of %zu", i, len);
		n_ok += ok;
	}
	CHECK(n_ok == len);

	/* Trailing bytes: one, and many (checksum fixed up or not). */
	memcpy(p, b.ptr, len);
	p[len] = 0;
	CHECK(rejected(p, len + 1, "1 unexpected bytes"));
	memset(p + len, 0xab, 100);
	CHECK(rejected(p, len + 100, "100 unexpected bytes"));
	reseal(p, len + 100);
	CHECK(rejected(p, len + 100, NULL));

	/* Every single-bit flip, at every bit of every byte. */
	n_ok = 0;
	for (i = 0; i < len; i++) {
		for (bit = 0; bit < 8; bit++) {
			int ok;

			memcpy(p, b.ptr, len);
			p[i] ^= (uint8_t)(1u << bit);
			ok = rejected(p, len, NULL);
			CHECKF(ok, "flip of bit %u of byte %zu accepted", bit, i);
			n_ok += ok;
		}
	}
	CHECK(n_ok == 8 * len);
	/* A flip in the body is caught by the checksum, and named so. */
	memcpy(p, b.ptr, len);
	p[len - SUM_LEN - 1] ^= 1;
	CHECK(rejected(p, len, "checksum"));

	/* Unsorted and duplicate endpoints, the checksum made valid. */
	cnt = len - SUM_LEN - 20 - (2 + 3 * (2 + 23)); /* the endpoint count */
	CHECK(((uint8_t *)b.ptr)[cnt] == 0 && ((uint8_t *)b.ptr)[cnt + 1] == 3);
	u1 = cnt + 2 + 2;
	u2 = u1 + 23 + 2;
	CHECK(!memcmp(b.ptr + u1, "https://a.relay.example", 23));
	CHECK(!memcmp(b.ptr + u2, "https://b.relay.example", 23));
	memcpy(p, b.ptr, len);
	memcpy(p + u1, b.ptr + u2, 23);
	memcpy(p + u2, b.ptr + u1, 23);
	reseal(p, len);
	CHECK(rejected(p, len, "canonical"));
	memcpy(p, b.ptr, len);
	memcpy(p + u2, b.ptr + u1, 23);
	reseal(p, len);
	CHECK(rejected(p, len, "canonical"));
	memcpy(p, b.ptr, len);
	p[u1 + 10] = '\0'; /* a NUL inside an endpoint */
	reseal(p, len);
	CHECK(rejected(p, len, "canonical"));
	memcpy(p, b.ptr, len);
	p[cnt + 1] = LC_LCONFIG_MAX_ENDPOINTS + 1;
	reseal(p, len);
	CHECK(rejected(p, len, "65 proposer endpoints"));
	memcpy(p, b.ptr, len);
	p[6 + 4] = '\0'; /* a NUL inside the name */
	reseal(p, len);
	CHECK(rejected(p, len, NULL));

	/* Values no encoder writes, with a valid checksum. */
#define BAD_VALUE(stmt)                                                     \
	do {                                                                \
		clone(&bad, &a);                                            \
		stmt;                                                       \
		CHECK(encode(&b, &bad) == 0);                               \
		CHECKF(rejected((uint8_t *)b.ptr, b.len, "no encoder writes"), \
		       "%s", #stmt);                                        \
		lc_lconfig_release(&bad);                                   \
	} while (0)
	BAD_VALUE(bad.tdx = 2);
	BAD_VALUE(bad.tdx = 255);
	BAD_VALUE(bad.window_kind = 3);
	BAD_VALUE(bad.window_kind = 255);
	BAD_VALUE((bad.window_kind = 0, bad.retain_rounds = 0));
	BAD_VALUE((bad.window_kind = 1, bad.round_ms = 0));
	BAD_VALUE(bad.unseal_mrtd_kind = 2);
	BAD_VALUE(bad.unseal_mrtd_kind = 255);
	BAD_VALUE(bad.atelier_mrtd_kind = 2);
	BAD_VALUE(bad.atelier_mrtd_kind = 255);
	/* A synthetic MR_TD only in a simulated lattice, and only the
	 * derived value. */
	BAD_VALUE((bad.unseal_mrtd_kind = LC_MRTD_SYNTHETIC,
		   lc_simulated_mrtd(bad.unseal_mrtd, bad.name, LC_ORG_UNSEAL)));
	BAD_VALUE((bad.atelier_mrtd_kind = LC_MRTD_SYNTHETIC,
		   lc_simulated_mrtd(bad.atelier_mrtd, bad.name, LC_ORG_ATELIER)));
	BAD_VALUE((bad.tdx = 1, bad.unseal_mrtd_kind = LC_MRTD_SYNTHETIC));
	BAD_VALUE((bad.tdx = 1, bad.atelier_mrtd_kind = LC_MRTD_SYNTHETIC,
		   lc_simulated_mrtd(bad.atelier_mrtd, bad.name, LC_ORG_UNSEAL)));
	BAD_VALUE((bad.tdx = 1, bad.unseal_mrtd_kind = LC_MRTD_SYNTHETIC,
		   lc_simulated_mrtd(bad.unseal_mrtd, "acme.ethereum.holesky",
				     LC_ORG_UNSEAL)));
	BAD_VALUE(bad.chain_id = 0);
	BAD_VALUE(bad.unseal_t = 0);
	BAD_VALUE(bad.unseal_t = 8);
	BAD_VALUE(bad.offer_t = 0);
	BAD_VALUE(bad.offer_t = 6);
	BAD_VALUE(set_str(bad.name, sizeof(bad.name), "acme"));
	BAD_VALUE(set_str(bad.name, sizeof(bad.name), "Acme.dev"));
	BAD_VALUE(set_str(bad.name, sizeof(bad.name), ""));
	BAD_VALUE(set_str(bad.block_schema, sizeof(bad.block_schema), ""));
	BAD_VALUE(set_str(bad.block_schema, sizeof(bad.block_schema), "L1"));
	BAD_VALUE(set_str(bad.policy, sizeof(bad.policy), "-x"));
#undef BAD_VALUE
out:
	free(p);
	lc_lconfig_release(&a);
	lc_buf_release(&b);
}

/* Decode hex s (its whole length) and compare with want. */
static int hex_decodes(const char *s, const struct lc_buf *want)
{
	struct lc_lconfig c;
	struct lc_buf bytes, re;
	struct lc_err err;
	int ok;

	memset(&c, 0, sizeof(c));
	lc_buf_init(&bytes, LC_BUF_NOMAX);
	lc_buf_init(&re, LC_BUF_NOMAX);
	ok = lc_lconfig_decode_hex(&c, &bytes, s, strlen(s), &err) == 0 &&
	     bytes.len == want->len && !memcmp(bytes.ptr, want->ptr, want->len) &&
	     encode(&re, &c) == 0 && re.len == want->len &&
	     !memcmp(re.ptr, want->ptr, want->len);
	lc_lconfig_release(&c);
	lc_buf_release(&bytes);
	lc_buf_release(&re);
	return ok;
}

static int hex_rejected(const char *s, const char *msg)
{
	struct lc_lconfig c;
	struct lc_buf bytes;
	struct lc_err err;
	int rc;

	memset(&c, 0, sizeof(c));
	memset(&err, 0, sizeof(err));
	lc_buf_init(&bytes, LC_BUF_NOMAX);
	rc = lc_lconfig_decode_hex(&c, &bytes, s, strlen(s), &err);
	lc_lconfig_release(&c);
	lc_buf_release(&bytes);
	if (rc == 0)
		return 0;
	if (msg && !strstr(err.msg, msg)) {
		fprintf(stderr, "    error '%s' lacks '%s'\n", err.msg, msg);
		return 0;
	}
	return 1;
}

static void hex_forms(void)
{
	struct lc_lconfig a;
	struct lc_buf b;
	char *lo, *up, *t;
	size_t n, i;

	lc_buf_init(&b, LC_BUF_NOMAX);
	sample(&a);
	CHECK(encode(&b, &a) == 0);
	n = 2 * b.len;
	lo = malloc(n + 1);
	up = malloc(n + 1);
	t = malloc(n + 32);
	if (!lo || !up || !t) {
		CHECK(!"out of memory");
		goto out;
	}
	lc_hex_encode(lo, (uint8_t *)b.ptr, b.len);
	for (i = 0; i <= n; i++)
		up[i] = (char)toupper((unsigned char)lo[i]);
	CHECK(strcmp(lo, up) != 0);
	CHECK(hex_decodes(lo, &b));
	CHECK(hex_decodes(up, &b));
	snprintf(t, n + 32, "0x%s", lo);
	CHECK(hex_decodes(t, &b));
	snprintf(t, n + 32, "0X%s", up);
	CHECK(hex_decodes(t, &b));
	snprintf(t, n + 32, " \t\n0x%s\r\n \n", lo);
	CHECK(hex_decodes(t, &b));
	snprintf(t, n + 32, "\n%s\n", up);
	CHECK(hex_decodes(t, &b));
	/* Mixed case within the text. */
	snprintf(t, n + 32, "%.*s%s", 10, up, lo + 10);
	CHECK(hex_decodes(t, &b));

	snprintf(t, n + 32, "%.*s", (int)(n - 1), lo);
	CHECK(hex_rejected(t, "odd number"));
	snprintf(t, n + 32, "0x%sa", lo);
	CHECK(hex_rejected(t, "odd number"));
	snprintf(t, n + 32, "%s", lo);
	t[20] = 'g';
	CHECK(hex_rejected(t, "not a hex digit"));
	t[20] = ' ';
	CHECK(hex_rejected(t, "not a hex digit"));
	snprintf(t, n + 32, "0x %s", lo + 1);
	CHECK(hex_rejected(t, "not a hex digit"));
	snprintf(t, n + 32, "0x0x%s", lo + 4);
	CHECK(hex_rejected(t, "not a hex digit"));
	/* A failure before decoding still leaves the config empty, so the
	 * caller can release it without having initialised it. */
	{
		struct lc_lconfig c;
		struct lc_buf bytes;
		struct lc_err err;

		memset(&c, 0xa5, sizeof(c));
		lc_buf_init(&bytes, LC_BUF_NOMAX);
		CHECK(lc_lconfig_decode_hex(&c, &bytes, "abc", 3, &err) == -1);
		CHECK(c.n_endpoints == 0);
		lc_lconfig_release(&c);
		lc_buf_release(&bytes);
	}
	CHECK(hex_rejected("", NULL));
	CHECK(hex_rejected("0x", NULL));
	CHECK(hex_rejected("  \n", NULL));
	CHECK(hex_rejected("4c544346", "truncated"));
	/* Valid hex of altered bytes fails in the decoder. */
	snprintf(t, n + 32, "%s", lo);
	t[n - 1] = t[n - 1] == '0' ? '1' : '0';
	CHECK(hex_rejected(t, "checksum"));
out:
	free(lo);
	free(up);
	free(t);
	lc_lconfig_release(&a);
	lc_buf_release(&b);
}

/* One change to each identity field; diff names it as .diff says. */
static const struct {
	const char *field, *diff;
	int dkg;     /* only diff with with_dkg set reports it */
	int invalid; /* the change alone makes a config no encoder writes */
} fields[] = {
	{ "name", "lattice name", 0, 0 },
	{ "chain_id", "chain_id", 0, 0 },
	{ "tdx", "tdx", 0, 0 },
	{ "window_kind", "zipnet window", 0, 0 },
	{ "round_ms", "zipnet window", 0, 0 },
	{ "retain_rounds", "zipnet window", 0, 0 },
	{ "unseal_t", "unseal threshold", 0, 0 },
	{ "unseal_n", "unseal threshold", 0, 0 },
	{ "unseal_mrtd_kind", "unseal MR_TD", 0, 1 },
	{ "unseal_mrtd", "unseal MR_TD", 0, 0 },
	{ "unseal_pk", "unseal DKG public key", 1, 0 },
	{ "auction_window_ms", "offer auction_window_ms", 0, 0 },
	{ "offer_t", "offer threshold", 0, 0 },
	{ "offer_n", "offer threshold", 0, 0 },
	{ "offer_pk", "offer DKG public key", 1, 0 },
	{ "block_schema", "atelier block_schema", 0, 0 },
	{ "atelier_mrtd_kind", "atelier MR_TD", 0, 1 },
	{ "atelier_mrtd", "atelier MR_TD", 0, 0 },
	{ "policy", "relay policy", 0, 0 },
	{ "endpoint added", "relay proposer_endpoints", 0, 0 },
	{ "endpoint changed", "relay proposer_endpoints", 0, 0 },
	{ "settlement", "tally settlement_addr", 0, 0 },
};
#define N_FIELDS (sizeof(fields) / sizeof(fields[0]))

/* Change field k of c, keeping c valid. */
static void mutate(struct lc_lconfig *c, size_t k)
{
	struct lc_err err;

	switch (k) {
	case 0: set_str(c->name, sizeof(c->name), "acme.ethereum.holesky"); break;
	case 1: c->chain_id++; break;
	case 2: c->tdx ^= 1; break;
	case 3: c->window_kind = 1; c->round_ms = c->retain_rounds = 0; break;
	case 4: c->round_ms++; break;
	case 5: c->retain_rounds++; break;
	case 6: c->unseal_t--; break;
	case 7: c->unseal_n++; break;
	case 8: c->unseal_mrtd_kind ^= 1; break;
	case 9: c->unseal_mrtd[LC_MRTD_LEN - 1] ^= 0x80; break;
	case 10: c->unseal_pk[0] ^= 1; break;
	case 11: c->auction_window_ms++; break;
	case 12: c->offer_t++; break;
	case 13: c->offer_n++; break;
	case 14: c->offer_pk[31] ^= 1; break;
	case 15: set_str(c->block_schema, sizeof(c->block_schema), "l1-post-4845"); break;
	case 16: c->atelier_mrtd_kind ^= 1; break;
	case 17: c->atelier_mrtd[0] ^= 1; break;
	case 18: set_str(c->policy, sizeof(c->policy), "l1-relay-only"); break;
	case 19: CHECK(lc_lconfig_add_endpoint(c, "https://d.relay.example", &err) == 0); break;
	case 20: c->endpoints[2][8] = 'e'; break; /* c.relay -> e.relay: still sorted */
	case 21: c->settlement[19] ^= 1; break;
	}
}

static void identifiers(void)
{
	struct lc_lconfig a, m, d;
	struct lc_buf b;
	struct lc_err err;
	uint8_t id[LC_LATTICE_ID_LEN], id2[LC_LATTICE_ID_LEN], mid[LC_LATTICE_ID_LEN];
	uint8_t org[LC_ORG_COUNT][32], morg[32], want[32], mat[LC_LATTICE_ID_LEN + 16];
	uint8_t sim[LC_ORG_COUNT][LC_MRTD_LEN], msim[LC_MRTD_LEN];
	char buf[256];
	size_t k;
	int i, j;

	lc_buf_init(&b, LC_BUF_NOMAX);
	sample(&a);
	id_of(id, &a);
	id_of(id2, &a);
	CHECK(!memcmp(id, id2, sizeof(id)));
	clone(&m, &a);
	id_of(id2, &m);
	CHECK(!memcmp(id, id2, sizeof(id)));
	CHECK(lc_lconfig_diff(buf, sizeof(buf), &a, &m, 1) == 0);
	lc_lconfig_release(&m);
	/* lattice_id is BLAKE3-256 of all the bytes, checksum included. */
	CHECK(encode(&b, &a) == 0);
	lc_blake3_hash(id2, sizeof(id2), b.ptr, b.len);
	CHECK(!memcmp(id, id2, sizeof(id)));
	CHECK(lc_lconfig_decode(&d, (uint8_t *)b.ptr, b.len, &err) == 0);
	id_of(id2, &d);
	CHECK(!memcmp(id, id2, sizeof(id)));
	lc_lconfig_release(&d);

	for (k = 0; k < N_FIELDS; k++) {
		int dec;

		clone(&m, &a);
		mutate(&m, k);
		id_of(mid, &m);
		CHECKF(memcmp(id, mid, sizeof(id)) != 0, "lattice_id ignores %s", fields[k].field);
		CHECK(encode(&b, &m) == 0);
		dec = lc_lconfig_decode(&d, (uint8_t *)b.ptr, b.len, &err);
		if (fields[k].invalid)
			CHECKF(dec == -1, "%s decoded", fields[k].field);
		else
			CHECKF(dec == 0 && same(&d, &m), "%s: %s", fields[k].field, err.msg);
		if (dec == 0)
			lc_lconfig_release(&d);
		buf[0] = '\0';
		CHECKF(lc_lconfig_diff(buf, sizeof(buf), &a, &m, 1) == 1 &&
		       strstr(buf, fields[k].diff), "diff of %s said '%s'",
		       fields[k].field, buf);
		CHECKF(lc_lconfig_diff(buf, sizeof(buf), &m, &a, 1) == 1 &&
		       strstr(buf, fields[k].diff), "reverse diff of %s", fields[k].field);
		CHECKF(lc_lconfig_diff(buf, sizeof(buf), &a, &m, 0) == !fields[k].dkg,
		       "diff without DKG keys of %s", fields[k].field);
		/* Organism ids follow the lattice. */
		for (i = 0; i < LC_ORG_COUNT; i++) {
			lc_organism_id(want, id, (enum lc_org)i);
			lc_organism_id(morg, mid, (enum lc_org)i);
			CHECKF(memcmp(want, morg, 32) != 0, "%s id ignores %s",
			       lc_org_names[i], fields[k].field);
		}
		lc_lconfig_release(&m);
	}

	/* Organism ids: distinct per organism, derive_key over id || name. */
	for (i = 0; i < LC_ORG_COUNT; i++) {
		size_t n = strlen(lc_org_names[i]);

		lc_organism_id(org[i], id, (enum lc_org)i);
		memcpy(mat, id, LC_LATTICE_ID_LEN);
		memcpy(mat + LC_LATTICE_ID_LEN, lc_org_names[i], n);
		lc_blake3_derive_key(want, 32, "latticectl 2026-11-23 organism id v1",
				     mat, LC_LATTICE_ID_LEN + n);
		CHECK(!memcmp(org[i], want, 32));
		for (j = 0; j < i; j++)
			CHECK(memcmp(org[i], org[j], 32) != 0);
		CHECK(memcmp(org[i], id, 32) != 0);
	}

	/* Synthetic MR_TDs: distinct per organism and per lattice name,
	 * derive_key over name || NUL || organism. */
	for (i = 0; i < LC_ORG_COUNT; i++) {
		uint8_t w[LC_MRTD_LEN];
		char in[300];
		int n = snprintf(in, sizeof(in), "%s%c%s", a.name, 0, lc_org_names[i]);

		lc_simulated_mrtd(sim[i], a.name, (enum lc_org)i);
		lc_blake3_derive_key(w, LC_MRTD_LEN,
				     "latticectl 2026-11-23 simulated MR_TD v1", in, (size_t)n);
		CHECK(!memcmp(sim[i], w, LC_MRTD_LEN));
		for (j = 0; j < i; j++)
			CHECK(memcmp(sim[i], sim[j], LC_MRTD_LEN) != 0);
		lc_simulated_mrtd(msim, "acme.ethereum.holesky", (enum lc_org)i);
		CHECK(memcmp(sim[i], msim, LC_MRTD_LEN) != 0);
	}
	/* The NUL keeps "a.b" + "c..." apart from "a.bc" + "...". */
	lc_simulated_mrtd(sim[0], "acme.de", LC_ORG_TALLY);
	lc_simulated_mrtd(sim[1], "acme.dev", LC_ORG_TALLY);
	CHECK(memcmp(sim[0], sim[1], LC_MRTD_LEN) != 0);

	lc_lconfig_release(&a);
	lc_buf_release(&b);
}

static const cJSON *at(const cJSON *o, const char *a, const char *b)
{
	o = cJSON_GetObjectItemCaseSensitive(o, a);
	return b ? cJSON_GetObjectItemCaseSensitive(o, b) : o;
}

static int jstr_is(const cJSON *v, const char *want)
{
	return cJSON_IsString(v) && !strcmp(v->valuestring, want);
}

static int jhex_is(const cJSON *v, const uint8_t *b, size_t n)
{
	char hex[2 * 64 + 1];

	lc_hex_encode(hex, b, n);
	return jstr_is(v, hex);
}

static void json(void)
{
	struct lc_lconfig a;
	struct lc_buf b;
	uint8_t id[LC_LATTICE_ID_LEN], oid[32];
	char *hex, *s, addr[43];
	const cJSON *v, *e;
	cJSON *j;
	int i;
	size_t k;

	lc_buf_init(&b, LC_BUF_NOMAX);
	sample(&a);
	a.tdx = 1;
	a.unseal_mrtd_kind = LC_MRTD_SYNTHETIC;
	lc_simulated_mrtd(a.unseal_mrtd, a.name, LC_ORG_UNSEAL);
	CHECK(encode(&b, &a) == 0);
	lc_lattice_id(id, (uint8_t *)b.ptr, b.len);
	hex = malloc(2 * b.len + 1);
	if (!hex)
		abort();
	lc_hex_encode(hex, (uint8_t *)b.ptr, b.len);
	s = lc_lconfig_json(&a, id, hex);
	CHECK(s != NULL);
	j = s ? cJSON_Parse(s) : NULL;
	CHECK(j != NULL);
	if (!j)
		goto out;
	v = at(j, "version", NULL);
	CHECK(cJSON_IsNumber(v) && v->valuedouble == LC_LCONFIG_VERSION);
	CHECK(jhex_is(at(j, "lattice_id", NULL), id, LC_LATTICE_ID_LEN));
	CHECK(jstr_is(at(j, "lattice_config", NULL), hex));
	CHECK(jstr_is(at(j, "lattice", NULL), a.name));
	v = at(j, "chain_id", NULL);
	CHECK(cJSON_IsNumber(v) && v->valuedouble == (double)a.chain_id);
	CHECK(jstr_is(at(j, "tdx", NULL), "simulate"));
	v = at(j, "organisms", NULL);
	for (i = 0; i < LC_ORG_COUNT; i++) {
		lc_organism_id(oid, id, (enum lc_org)i);
		CHECK(jhex_is(at(v, lc_org_names[i], "id"), oid, 32));
	}
	e = at(at(v, "zipnet", NULL), "window", NULL);
	CHECK(cJSON_IsArray(e) && cJSON_GetArraySize(e) == 2 &&
	      cJSON_GetArrayItem(e, 0)->valuedouble == a.round_ms &&
	      cJSON_GetArrayItem(e, 1)->valuedouble == a.retain_rounds);
	CHECK(jstr_is(at(v, "unseal", "threshold"), "5-of-7"));
	CHECK(jhex_is(at(v, "unseal", "mrtd"), a.unseal_mrtd, LC_MRTD_LEN));
	CHECK(cJSON_IsTrue(at(v, "unseal", "mrtd_simulated")));
	CHECK(jhex_is(at(v, "unseal", "public_key"), a.unseal_pk, 32));
	e = at(v, "offer", "auction_window_ms");
	CHECK(cJSON_IsNumber(e) && e->valuedouble == a.auction_window_ms);
	CHECK(jstr_is(at(v, "offer", "threshold"), "3-of-5"));
	CHECK(jhex_is(at(v, "offer", "public_key"), a.offer_pk, 32));
	CHECK(jstr_is(at(v, "atelier", "block_schema"), a.block_schema));
	CHECK(jhex_is(at(v, "atelier", "mrtd"), a.atelier_mrtd, LC_MRTD_LEN));
	CHECK(cJSON_IsFalse(at(v, "atelier", "mrtd_simulated")));
	CHECK(jstr_is(at(v, "relay", "policy"), a.policy));
	e = at(v, "relay", "proposer_endpoints");
	CHECK(cJSON_IsArray(e) && (size_t)cJSON_GetArraySize(e) == a.n_endpoints);
	for (k = 0; k < a.n_endpoints; k++)
		CHECK(jstr_is(cJSON_GetArrayItem(e, (int)k), a.endpoints[k]));
	lc_eip55(a.settlement, addr);
	CHECK(jstr_is(at(v, "tally", "settlement_addr"), addr));
	cJSON_Delete(j);
	free(s);

	/* A named window and a production lattice; no hex given. */
	a.window_kind = 0;
	a.round_ms = a.retain_rounds = 0;
	a.tdx = 0;
	s = lc_lconfig_json(&a, id, NULL);
	j = s ? cJSON_Parse(s) : NULL;
	CHECK(j != NULL);
	if (j) {
		CHECK(at(j, "lattice_config", NULL) == NULL);
		CHECK(jstr_is(at(j, "tdx", NULL), "required"));
		CHECK(jstr_is(at(at(j, "organisms", "zipnet"), "window", NULL), "interactive"));
		cJSON_Delete(j);
	}
	free(s);
out:
	free(hex);
	lc_lconfig_release(&a);
	lc_buf_release(&b);
}

static void print_text(void)
{
	struct lc_lconfig a;
	uint8_t id[LC_LATTICE_ID_LEN];
	char idhex[2 * LC_LATTICE_ID_LEN + 1], *s = NULL;
	size_t n = 0, k;
	FILE *f;

	sample(&a);
	id_of(id, &a);
	lc_hex_encode(idhex, id, sizeof(id));
	f = open_memstream(&s, &n);
	CHECK(f != NULL);
	if (f) {
		lc_lconfig_print(f, &a, id);
		fclose(f);
		CHECK(strstr(s, idhex) != NULL);
		CHECK(strstr(s, "[500, 86400]") != NULL);
		for (k = 0; k < a.n_endpoints; k++)
			CHECK(strstr(s, a.endpoints[k]) != NULL);
		CHECK(strstr(s, "tally.id:") != NULL);
	}
	free(s);
	lc_lconfig_release(&a);
}

/*
 * Known answer.  This pins LatticeConfig v1 byte for byte (the worked
 * example of lattice-config(5), checked against the reference b3sum):
 * if it changes, the format changed, and that is a new version number,
 * never an edit of this vector.
 */
static const char kat_hex[] =
	"4c544346"                      /* magic "LTCF" */
	"01"                            /* version 1 */
	"08" "61636d652e646576"         /* name "acme.dev" */
	"0000000000000001"              /* chain_id 1 */
	"01"                            /* tdx: simulate */
	"00" "00000000" "00000000"      /* window interactive, 0, 0 */
	"0002" "0003"                   /* unseal 2-of-3 */
	"01"                            /* unseal MR_TD synthetic */
	"3d8186250083887dca5ff0b0c2df7e942cafc758ac7ed31a"
	"56484294ca55e7a37914f591e41acdfe831e51aea3cb017a"
	"0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20"
	"00000320"                      /* auction_window_ms 800 */
	"0002" "0003"                   /* offer 2-of-3 */
	"2122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f40"
	"0c" "6c312d706f73742d34383434" /* block_schema "l1-post-4844" */
	"01"                            /* atelier MR_TD synthetic */
	"976d4e8ee745878139f75b200f230348eafd3068b7ca7710"
	"4a4b7052dd3a0fe2f3099aa88c85c1935e7a4e57d34fde37"
	"0c" "6c312d6d65762d626f6f7374" /* policy "l1-mev-boost" */
	"0001"                          /* one endpoint */
	"0011" "68747470733a2f2f722e6578616d706c65" /* "https://r.example" */
	"5aaeb6053f3e94c9b9a09f33669435e7ef1beaed" /* settlement */
	"8a82b26c4030e520";             /* checksum */
static const char kat_id[] =
	"261484938e88f151d1fa16b7f1de88359958fd37428b01ffa455547f7ba95fe5";
static const char *const kat_org_ids[LC_ORG_COUNT] = {
	"9f1ebb98ad60f232e413266d65d46e3583b031fb48c5a3b39bf4c30bb7152857",
	"3e2459d3916064878ad1022853f666338296cda4df79a7aa91d45a00db78e344",
	"7fde9708accecb4ef8f64b98870f40de63ad52c285724483ecea476a4f01cca8",
	"993c4097d3bc0eb42e984454899bd45d74235af44649dec411ac7e19a142cd84",
	"615e6acd3b106e19ccd4358f75605254d31370d66fb838d9b7a4df2042f7b15c",
	"ccdab67a0451a555bbb257194fe1da579818b76130871e2c0b7fda79555195db",
};

static void known_answer(void)
{
	struct lc_lconfig c, d;
	struct lc_buf b, bytes;
	struct lc_err err;
	uint8_t id[LC_LATTICE_ID_LEN], oid[32], m[LC_MRTD_LEN];
	char hex[2 * 512 + 1];
	int i;

	lc_buf_init(&b, LC_BUF_NOMAX);
	lc_buf_init(&bytes, LC_BUF_NOMAX);
	memset(&c, 0, sizeof(c));
	set_str(c.name, sizeof(c.name), "acme.dev");
	c.chain_id = 1;
	c.tdx = 1;
	c.window_kind = 0;
	c.unseal_t = 2;
	c.unseal_n = 3;
	c.unseal_mrtd_kind = LC_MRTD_SYNTHETIC;
	CHECK(lc_hex_decode(c.unseal_mrtd, LC_MRTD_LEN,
			    "3d8186250083887dca5ff0b0c2df7e942cafc758ac7ed31a"
			    "56484294ca55e7a37914f591e41acdfe831e51aea3cb017a") == 0);
	for (i = 0; i < 32; i++)
		c.unseal_pk[i] = (uint8_t)(0x01 + i);
	c.auction_window_ms = 800;
	c.offer_t = 2;
	c.offer_n = 3;
	for (i = 0; i < 32; i++)
		c.offer_pk[i] = (uint8_t)(0x21 + i);
	set_str(c.block_schema, sizeof(c.block_schema), "l1-post-4844");
	c.atelier_mrtd_kind = LC_MRTD_SYNTHETIC;
	CHECK(lc_hex_decode(c.atelier_mrtd, LC_MRTD_LEN,
			    "976d4e8ee745878139f75b200f230348eafd3068b7ca7710"
			    "4a4b7052dd3a0fe2f3099aa88c85c1935e7a4e57d34fde37") == 0);
	set_str(c.policy, sizeof(c.policy), "l1-mev-boost");
	CHECK(lc_lconfig_add_endpoint(&c, "https://r.example", &err) == 0);
	CHECK(lc_hex_decode(c.settlement, 20,
			    "5aaeb6053f3e94c9b9a09f33669435e7ef1beaed") == 0);

	/* The synthetic MR_TDs are the derivation's, for this name. */
	lc_simulated_mrtd(m, c.name, LC_ORG_UNSEAL);
	CHECK(!memcmp(m, c.unseal_mrtd, LC_MRTD_LEN));
	lc_simulated_mrtd(m, c.name, LC_ORG_ATELIER);
	CHECK(!memcmp(m, c.atelier_mrtd, LC_MRTD_LEN));

	CHECK(encode(&b, &c) == 0);
	CHECK(b.len == 281 && 2 * b.len == strlen(kat_hex));
	if (2 * b.len < sizeof(hex)) {
		lc_hex_encode(hex, (uint8_t *)b.ptr, b.len);
		CHECKF(!strcmp(hex, kat_hex), "got %s", hex);
	}
	lc_lattice_id(id, (uint8_t *)b.ptr, b.len);
	lc_hex_encode(hex, id, sizeof(id));
	CHECKF(!strcmp(hex, kat_id), "got %s", hex);
	for (i = 0; i < LC_ORG_COUNT; i++) {
		lc_organism_id(oid, id, (enum lc_org)i);
		lc_hex_encode(hex, oid, 32);
		CHECKF(!strcmp(hex, kat_org_ids[i]), "%s id %s", lc_org_names[i], hex);
	}
	memset(&d, 0, sizeof(d));
	CHECKF(lc_lconfig_decode_hex(&d, &bytes, kat_hex, strlen(kat_hex), &err) == 0,
	       "%s", err.msg);
	CHECK(same(&c, &d));
	lc_lconfig_release(&d);
	lc_lconfig_release(&c);
	lc_buf_release(&b);
	lc_buf_release(&bytes);
}

void unit_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	round_trip();
	endpoint_order();
	rejections();
	hex_forms();
	identifiers();
	json();
	print_text();
	known_answer();
}
