/* keccak.c - Keccak-f[1600] and the Keccak-256 sponge (rate 136, pad 0x01..0x80). */
#include <string.h>

#include "keccak.h"
#include "banned.h"

#define RATE 136

static const uint64_t rc[24] = {
	0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL,
	0x8000000080008000ULL, 0x000000000000808bULL, 0x0000000080000001ULL,
	0x8000000080008081ULL, 0x8000000000008009ULL, 0x000000000000008aULL,
	0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
	0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL,
	0x8000000000008003ULL, 0x8000000000008002ULL, 0x8000000000000080ULL,
	0x000000000000800aULL, 0x800000008000000aULL, 0x8000000080008081ULL,
	0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL,
};
static const unsigned rotc[24] = { 1,  3,  6,  10, 15, 21, 28, 36,
				   45, 55, 2,  14, 27, 41, 56, 8,
				   25, 43, 62, 18, 39, 61, 20, 44 };
static const unsigned piln[24] = { 10, 7,  11, 17, 18, 3,  5,  16,
				   8,  21, 24, 4,  15, 23, 19, 13,
				   12, 2,  20, 14, 22, 9,  6,  1 };

static uint64_t rol(uint64_t x, unsigned n)
{
	return (x << n) | (x >> (64 - n));
}

static void keccakf(uint64_t st[25])
{
	uint64_t bc[5], t;
	int i, j, r;

	for (r = 0; r < 24; r++) {
		for (i = 0; i < 5; i++)
			bc[i] = st[i] ^ st[i + 5] ^ st[i + 10] ^ st[i + 15] ^
				st[i + 20];
		for (i = 0; i < 5; i++) {
			t = bc[(i + 4) % 5] ^ rol(bc[(i + 1) % 5], 1);
			for (j = 0; j < 25; j += 5)
				st[j + i] ^= t;
		}
		t = st[1];
		for (i = 0; i < 24; i++) {
			j = piln[i];
			bc[0] = st[j];
			st[j] = rol(t, rotc[i]);
			t = bc[0];
		}
		for (j = 0; j < 25; j += 5) {
			for (i = 0; i < 5; i++)
				bc[i] = st[j + i];
			for (i = 0; i < 5; i++)
				st[j + i] ^= (~bc[(i + 1) % 5]) & bc[(i + 2) % 5];
		}
		st[0] ^= rc[r];
	}
}

/* Lanes are little-endian: byte i of the block goes to lane i/8, bits 8*(i%8). */
static void xor_byte(uint64_t st[25], size_t i, uint8_t v)
{
	st[i / 8] ^= (uint64_t)v << (8 * (i % 8));
}

void lc_keccak256_init(struct lc_keccak *k)
{
	memset(k, 0, sizeof(*k));
}

void lc_keccak256_update(struct lc_keccak *k, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len--) {
		xor_byte(k->st, k->pos++, *p++);
		if (k->pos == RATE) {
			keccakf(k->st);
			k->pos = 0;
		}
	}
}

void lc_keccak256_final(struct lc_keccak *k, uint8_t out[32])
{
	size_t i;

	xor_byte(k->st, k->pos, 0x01);
	xor_byte(k->st, RATE - 1, 0x80);
	keccakf(k->st);
	for (i = 0; i < 32; i++)
		out[i] = (uint8_t)(k->st[i / 8] >> (8 * (i % 8)));
	memset(k, 0, sizeof(*k));
}

void lc_keccak256(uint8_t out[32], const void *data, size_t len)
{
	struct lc_keccak k;

	lc_keccak256_init(&k);
	lc_keccak256_update(&k, data, len);
	lc_keccak256_final(&k, out);
}
