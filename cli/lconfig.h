/* lconfig.h - LatticeConfig: the canonical, versioned encoding of a lattice's identity, and its fingerprint. */
#ifndef LC_LCONFIG_H
#define LC_LCONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "buf.h"
#include "err.h"
#include "roles.h"

#define LC_LCONFIG_VERSION 1
#define LC_LCONFIG_MAX_ENDPOINTS 64
#define LC_MRTD_LEN 48
#define LC_LATTICE_ID_LEN 32

enum lc_mrtd_kind { LC_MRTD_PINNED = 0, LC_MRTD_SYNTHETIC = 1 };

/*
 * Every field that makes up a lattice's identity, and nothing else (no
 * hosts, peer identities, admission secrets or RPC URLs).  The byte layout
 * is documented field by field in lattice-config(5).
 */
struct lc_lconfig {
	char name[254];
	uint64_t chain_id;
	uint8_t tdx;              /* 0 required, 1 simulate */
	uint8_t window_kind;      /* 0 interactive, 1 archival, 2 tuple */
	uint32_t round_ms, retain_rounds;
	uint16_t unseal_t, unseal_n;
	uint8_t unseal_mrtd_kind;
	uint8_t unseal_mrtd[LC_MRTD_LEN];
	uint8_t unseal_pk[32];    /* DKG aggregate public key (ristretto255) */
	uint32_t auction_window_ms;
	uint16_t offer_t, offer_n;
	uint8_t offer_pk[32];
	char block_schema[65];
	uint8_t atelier_mrtd_kind;
	uint8_t atelier_mrtd[LC_MRTD_LEN];
	char policy[65];
	char *endpoints[LC_LCONFIG_MAX_ENDPOINTS]; /* owned, sorted, unique */
	size_t n_endpoints;
	uint8_t settlement[20];
};

void lc_lconfig_release(struct lc_lconfig *c);
/* Add an endpoint (copied), keeping the list sorted and unique. */
int lc_lconfig_add_endpoint(struct lc_lconfig *c, const char *url,
			    struct lc_err *err);

/* The canonical bytes (appended to out). */
int lc_lconfig_encode(struct lc_buf *out, const struct lc_lconfig *c,
		      struct lc_err *err);
/* Decode and validate; rejects a foreign magic, another version, a
 * truncated input, trailing bytes, a checksum mismatch, endpoints out of
 * canonical order and any value no encoder writes.  On failure c is left
 * empty (nothing to release). */
int lc_lconfig_decode(struct lc_lconfig *c, const uint8_t *p, size_t len,
		      struct lc_err *err);
/* Hex text (whitespace around it allowed) to bytes, then decode; c as for
 * lc_lconfig_decode. */
int lc_lconfig_decode_hex(struct lc_lconfig *c, struct lc_buf *bytes,
			  const char *hex, size_t len, struct lc_err *err);

/* lattice_id = BLAKE3-256 of the encoding. */
void lc_lattice_id(uint8_t id[LC_LATTICE_ID_LEN], const uint8_t *enc, size_t len);
/* An organism's id: BLAKE3 derive_key(LC_ORG_ID_CONTEXT, lattice_id || name). */
#define LC_ORG_ID_CONTEXT "latticectl 2026-11-23 organism id v1"
void lc_organism_id(uint8_t out[32], const uint8_t lattice_id[LC_LATTICE_ID_LEN],
		    enum lc_org org);
/* The synthetic MR_TD of a simulated TDX organism. */
#define LC_SIM_MRTD_CONTEXT "latticectl 2026-11-23 simulated MR_TD v1"
void lc_simulated_mrtd(uint8_t out[LC_MRTD_LEN], const char *lattice,
		       enum lc_org org);

/* Name the first identity field that differs, into buf; 0 when equal. */
int lc_lconfig_diff(char *buf, size_t size, const struct lc_lconfig *a,
		    const struct lc_lconfig *b, int with_dkg);

/* Print every field (text), or as one JSON object (malloc'd string). */
void lc_lconfig_print(FILE *f, const struct lc_lconfig *c,
		      const uint8_t lattice_id[LC_LATTICE_ID_LEN]);
char *lc_lconfig_json(const struct lc_lconfig *c,
		      const uint8_t lattice_id[LC_LATTICE_ID_LEN],
		      const char *hex);

#endif
