/* keccak.h - Keccak-256 as Ethereum uses it (original padding, not FIPS-202 SHA3-256). */
#ifndef LC_KECCAK_H
#define LC_KECCAK_H

#include <stddef.h>
#include <stdint.h>

struct lc_keccak {
	uint64_t st[25];
	size_t pos; /* bytes absorbed into the current block */
};

void lc_keccak256_init(struct lc_keccak *k);
void lc_keccak256_update(struct lc_keccak *k, const void *data, size_t len);
void lc_keccak256_final(struct lc_keccak *k, uint8_t out[32]);
void lc_keccak256(uint8_t out[32], const void *data, size_t len);

#endif
