/* lconfig.c - encoding, decoding and fingerprinting LatticeConfig (layout in lattice-config(5)). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "blake3.h"
#include "check.h"
#include "hex.h"
#include "lconfig.h"
#include "banned.h"

static const uint8_t magic[4] = { 'L', 'T', 'C', 'F' };
#define CHECKSUM_LEN 8

void lc_lconfig_release(struct lc_lconfig *c)
{
	size_t i;

	for (i = 0; i < c->n_endpoints; i++)
		free(c->endpoints[i]);
	c->n_endpoints = 0;
}

int lc_lconfig_add_endpoint(struct lc_lconfig *c, const char *url,
			    struct lc_err *err)
{
	size_t i, j, len = strlen(url);

	if (len == 0 || len > 2048)
		return lc_err_set(err, "proposer endpoint of %zu bytes", len);
	for (i = 0; i < c->n_endpoints; i++) {
		int cmp = strcmp(c->endpoints[i], url);

		if (cmp == 0)
			return 0;
		if (cmp > 0)
			break;
	}
	if (c->n_endpoints == LC_LCONFIG_MAX_ENDPOINTS)
		return lc_err_set(err, "more than %d proposer endpoints",
				  LC_LCONFIG_MAX_ENDPOINTS);
	for (j = c->n_endpoints; j > i; j--)
		c->endpoints[j] = c->endpoints[j - 1];
	if (!(c->endpoints[i] = strdup(url))) {
		for (j = i; j < c->n_endpoints; j++)
			c->endpoints[j] = c->endpoints[j + 1];
		return lc_err_set(err, "out of memory");
	}
	c->n_endpoints++;
	return 0;
}

static int put(struct lc_buf *b, const void *p, size_t n)
{
	return lc_buf_add(b, p, n);
}

static int put_u8(struct lc_buf *b, unsigned v)
{
	uint8_t x = (uint8_t)v;

	return put(b, &x, 1);
}

static int put_be(struct lc_buf *b, uint64_t v, unsigned bytes)
{
	uint8_t x[8];
	unsigned i;

	for (i = 0; i < bytes; i++)
		x[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
	return put(b, x, bytes);
}

/* A short string: one length byte, then the bytes. */
static int put_str8(struct lc_buf *b, const char *s)
{
	size_t n = strlen(s);

	return n > 255 ? -1 : (put_u8(b, (unsigned)n) || put(b, s, n));
}

int lc_lconfig_encode(struct lc_buf *out, const struct lc_lconfig *c,
		      struct lc_err *err)
{
	size_t start = out->len, i;
	uint8_t sum[32];
	int bad = 0;

	bad |= put(out, magic, 4);
	bad |= put_u8(out, LC_LCONFIG_VERSION);
	bad |= put_str8(out, c->name);
	bad |= put_be(out, c->chain_id, 8);
	bad |= put_u8(out, c->tdx);
	bad |= put_u8(out, c->window_kind);
	bad |= put_be(out, c->round_ms, 4);
	bad |= put_be(out, c->retain_rounds, 4);
	bad |= put_be(out, c->unseal_t, 2);
	bad |= put_be(out, c->unseal_n, 2);
	bad |= put_u8(out, c->unseal_mrtd_kind);
	bad |= put(out, c->unseal_mrtd, LC_MRTD_LEN);
	bad |= put(out, c->unseal_pk, 32);
	bad |= put_be(out, c->auction_window_ms, 4);
	bad |= put_be(out, c->offer_t, 2);
	bad |= put_be(out, c->offer_n, 2);
	bad |= put(out, c->offer_pk, 32);
	bad |= put_str8(out, c->block_schema);
	bad |= put_u8(out, c->atelier_mrtd_kind);
	bad |= put(out, c->atelier_mrtd, LC_MRTD_LEN);
	bad |= put_str8(out, c->policy);
	bad |= put_be(out, c->n_endpoints, 2);
	for (i = 0; i < c->n_endpoints; i++) {
		size_t n = strlen(c->endpoints[i]);

		bad |= put_be(out, n, 2);
		bad |= put(out, c->endpoints[i], n);
	}
	bad |= put(out, c->settlement, 20);
	if (bad)
		return lc_err_set(err, "cannot encode the LatticeConfig: out of memory");
	lc_blake3_hash(sum, CHECKSUM_LEN, out->ptr + start, out->len - start);
	if (put(out, sum, CHECKSUM_LEN))
		return lc_err_set(err, "cannot encode the LatticeConfig: out of memory");
	return 0;
}

/* A reader over the input that remembers how far it got. */
struct rd {
	const uint8_t *p;
	size_t len, off;
	const char *field; /* what is being read, for "truncated in ..." */
};

static int take(struct rd *r, void *out, size_t n, const char *field)
{
	r->field = field;
	if (r->len - r->off < n)
		return -1;
	memcpy(out, r->p + r->off, n);
	r->off += n;
	return 0;
}

static int take_be(struct rd *r, uint64_t *v, unsigned bytes, const char *field)
{
	uint8_t x[8];
	unsigned i;

	if (take(r, x, bytes, field))
		return -1;
	*v = 0;
	for (i = 0; i < bytes; i++)
		*v = *v << 8 | x[i];
	return 0;
}

static int take_str8(struct rd *r, char *out, size_t size, const char *field)
{
	uint8_t n;

	if (take(r, &n, 1, field) || (size_t)n + 1 > size || take(r, out, n, field))
		return -1;
	out[n] = '\0';
	return memchr(out, '\0', n) ? -1 : 0;
}

/* A synthetic MR_TD exists only in a simulated lattice, and is the derived one. */
static int mrtd_ok(const struct lc_lconfig *c, uint8_t kind,
		   const uint8_t m[LC_MRTD_LEN], enum lc_org org)
{
	uint8_t want[LC_MRTD_LEN];

	if (kind != LC_MRTD_SYNTHETIC)
		return kind == LC_MRTD_PINNED;
	lc_simulated_mrtd(want, c->name, org);
	return c->tdx == 1 && !memcmp(want, m, LC_MRTD_LEN);
}

static int is_zero(const uint8_t *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i])
			return 0;
	return 1;
}

int lc_lconfig_decode(struct lc_lconfig *c, const uint8_t *p, size_t len,
		      struct lc_err *err)
{
	struct rd r = { p, len, 0, "magic" };
	uint8_t m[4], ver = 0, sum[32];
	uint64_t v, n, i;
	char why[200], hint[200];
	int rc = -1;

	memset(c, 0, sizeof(*c));
	if (take(&r, m, 4, "magic") || memcmp(m, magic, 4)) {
		lc_err_set(err, "not a LatticeConfig: it does not start with the "
			   "magic bytes \"LTCF\" (hex 4c544346)");
		lc_err_hint(err, "check that you pasted the LatticeConfig hex, not "
			    "the lattice_id or another value");
		return -1;
	}
	if (take(&r, &ver, 1, "version"))
		goto trunc;
	if (ver != LC_LCONFIG_VERSION) {
		lc_err_set(err, "unsupported LatticeConfig version %u (this latticectl "
			   "reads version %d)", ver, LC_LCONFIG_VERSION);
		lc_err_hint(err, "use a latticectl release that knows version %u", ver);
		return -1;
	}
#define TAKE_BE(dst, bytes, field) \
	do { if (take_be(&r, &v, bytes, field)) goto trunc; (dst) = v; } while (0)
	if (take_str8(&r, c->name, sizeof(c->name), "name"))
		goto trunc;
	TAKE_BE(c->chain_id, 8, "chain_id");
	TAKE_BE(c->tdx, 1, "tdx");
	TAKE_BE(c->window_kind, 1, "zipnet window");
	TAKE_BE(c->round_ms, 4, "zipnet round_ms");
	TAKE_BE(c->retain_rounds, 4, "zipnet retain_rounds");
	TAKE_BE(c->unseal_t, 2, "unseal threshold");
	TAKE_BE(c->unseal_n, 2, "unseal threshold");
	TAKE_BE(c->unseal_mrtd_kind, 1, "unseal MR_TD");
	if (take(&r, c->unseal_mrtd, LC_MRTD_LEN, "unseal MR_TD") ||
	    take(&r, c->unseal_pk, 32, "unseal public key"))
		goto trunc;
	TAKE_BE(c->auction_window_ms, 4, "offer auction window");
	TAKE_BE(c->offer_t, 2, "offer threshold");
	TAKE_BE(c->offer_n, 2, "offer threshold");
	if (take(&r, c->offer_pk, 32, "offer public key") ||
	    take_str8(&r, c->block_schema, sizeof(c->block_schema), "atelier block schema"))
		goto trunc;
	TAKE_BE(c->atelier_mrtd_kind, 1, "atelier MR_TD");
	if (take(&r, c->atelier_mrtd, LC_MRTD_LEN, "atelier MR_TD") ||
	    take_str8(&r, c->policy, sizeof(c->policy), "relay policy"))
		goto trunc;
	TAKE_BE(n, 2, "relay endpoints");
	if (n > LC_LCONFIG_MAX_ENDPOINTS) {
		lc_err_set(err, "invalid LatticeConfig: %llu proposer endpoints "
			   "(at most %d)", (unsigned long long)n, LC_LCONFIG_MAX_ENDPOINTS);
		goto out;
	}
	for (i = 0; i < n; i++) {
		char url[2049];

		TAKE_BE(v, 2, "relay endpoints");
		if (v == 0 || v > 2048 || take(&r, url, v, "relay endpoints"))
			goto trunc;
		url[v] = '\0';
		/* Canonical form: sorted, unique, no NUL. */
		if (strlen(url) != v ||
		    (c->n_endpoints && strcmp(c->endpoints[c->n_endpoints - 1], url) >= 0)) {
			lc_err_set(err, "invalid LatticeConfig: proposer endpoints are "
				   "not in canonical (sorted, unique) order");
			goto out;
		}
		if (!(c->endpoints[c->n_endpoints] = strdup(url))) {
			lc_err_set(err, "out of memory");
			goto out;
		}
		c->n_endpoints++;
	}
	if (take(&r, c->settlement, 20, "tally settlement address"))
		goto trunc;
#undef TAKE_BE
	if (len - r.off < CHECKSUM_LEN) {
		r.field = "checksum";
		goto trunc;
	}
	if (len - r.off > CHECKSUM_LEN) {
		lc_err_set(err, "invalid LatticeConfig: %zu unexpected bytes after the "
			   "end", len - r.off - CHECKSUM_LEN);
		lc_err_hint(err, "the input has trailing data: check the copy");
		goto out;
	}
	lc_blake3_hash(sum, CHECKSUM_LEN, p, r.off);
	if (memcmp(sum, p + r.off, CHECKSUM_LEN)) {
		lc_err_set(err, "invalid LatticeConfig: the checksum does not match "
			   "(the bytes were altered or mis-copied)");
		lc_err_hint(err, "get the LatticeConfig again from its publisher");
		goto out;
	}
	/* Every value must be one an encoder could have written. */
	if (c->tdx > 1 || c->window_kind > 2 ||
	    !mrtd_ok(c, c->unseal_mrtd_kind, c->unseal_mrtd, LC_ORG_UNSEAL) ||
	    !mrtd_ok(c, c->atelier_mrtd_kind, c->atelier_mrtd, LC_ORG_ATELIER) ||
	    (c->window_kind != 2 && (c->round_ms || c->retain_rounds)) ||
	    (c->window_kind == 2 && (!c->round_ms || !c->retain_rounds)) ||
	    c->n_endpoints == 0 || is_zero(c->settlement, 20) ||
	    c->unseal_t == 0 || c->unseal_t > c->unseal_n || c->offer_t == 0 ||
	    c->offer_t > c->offer_n || c->chain_id == 0 ||
	    lc_check_lattice_name(c->name, why, sizeof(why), hint, sizeof(hint)) ||
	    lc_check_ident(c->block_schema, why, sizeof(why)) ||
	    lc_check_ident(c->policy, why, sizeof(why))) {
		lc_err_set(err, "invalid LatticeConfig: a field holds a value no "
			   "encoder writes");
		goto out;
	}
	rc = 0;
	goto out;
trunc:
	lc_err_set(err, "invalid LatticeConfig: truncated in %s (%zu bytes)",
		   r.field, len);
	lc_err_hint(err, "the input ends early: check that the whole hex was copied");
out:
	if (rc)
		lc_lconfig_release(c);
	return rc;
}

int lc_lconfig_decode_hex(struct lc_lconfig *c, struct lc_buf *bytes,
			  const char *hex, size_t len, struct lc_err *err)
{
	size_t i, n;

	memset(c, 0, sizeof(*c)); /* empty on every failure, as from decode */
	while (len && isspace((unsigned char)hex[len - 1]))
		len--;
	while (len && isspace((unsigned char)*hex))
		hex++, len--;
	if (len >= 2 && hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X'))
		hex += 2, len -= 2;
	if (len % 2)
		return lc_err_set(err, "invalid LatticeConfig hex: odd number of "
				  "digits (%zu)", len);
	for (i = 0; i < len; i++)
		if (lc_hexval((unsigned char)hex[i]) < 0)
			return lc_err_set(err, "invalid LatticeConfig hex: '%c' at "
					  "offset %zu is not a hex digit",
					  isprint((unsigned char)hex[i]) ? hex[i] : '?', i);
	n = len / 2;
	lc_buf_reset(bytes);
	if (lc_buf_grow(bytes, n))
		return lc_err_set(err, "LatticeConfig of %zu bytes is too large", n);
	lc_hex_decode_n((uint8_t *)bytes->ptr, n, hex);
	bytes->len = n;
	return lc_lconfig_decode(c, (const uint8_t *)bytes->ptr, n, err);
}

void lc_lattice_id(uint8_t id[LC_LATTICE_ID_LEN], const uint8_t *enc, size_t len)
{
	lc_blake3_hash(id, LC_LATTICE_ID_LEN, enc, len);
}

void lc_organism_id(uint8_t out[32], const uint8_t lattice_id[LC_LATTICE_ID_LEN],
		    enum lc_org org)
{
	struct lc_blake3 h;

	lc_blake3_init_derive_key(&h, LC_ORG_ID_CONTEXT);
	lc_blake3_update(&h, lattice_id, LC_LATTICE_ID_LEN);
	lc_blake3_update(&h, lc_org_names[org], strlen(lc_org_names[org]));
	lc_blake3_finalize(&h, out, 32);
}

void lc_simulated_mrtd(uint8_t out[LC_MRTD_LEN], const char *lattice,
		       enum lc_org org)
{
	struct lc_blake3 h;

	lc_blake3_init_derive_key(&h, LC_SIM_MRTD_CONTEXT);
	lc_blake3_update(&h, lattice, strlen(lattice) + 1); /* with the NUL */
	lc_blake3_update(&h, lc_org_names[org], strlen(lc_org_names[org]));
	lc_blake3_finalize(&h, out, LC_MRTD_LEN);
}
