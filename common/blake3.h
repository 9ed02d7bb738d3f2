/* blake3.h - BLAKE3: hash, keyed hash and derive_key, with output of any length. */
#ifndef LC_BLAKE3_H
#define LC_BLAKE3_H

#include <stddef.h>
#include <stdint.h>

#define LC_BLAKE3_KEY_LEN 32
#define LC_BLAKE3_OUT_LEN 32
#define LC_BLAKE3_BLOCK_LEN 64
#define LC_BLAKE3_CHUNK_LEN 1024
#define LC_BLAKE3_MAX_DEPTH 54

/*
 * An incremental hasher.  Init in one of three modes, update any number of
 * times, then finalize to any output length (finalize does not change the
 * state, so it can be called again for more output at an offset via
 * lc_blake3_finalize_seek).  The struct holds key material in keyed and
 * derive_key modes: wipe it (lc_blake3_wipe) when done.
 */
struct lc_blake3 {
	uint32_t key[8];
	uint32_t cv[8];        /* current chunk's chaining value */
	uint64_t chunk_counter;
	uint8_t buf[LC_BLAKE3_BLOCK_LEN];
	uint8_t buf_len;
	uint8_t blocks_compressed;
	uint8_t flags;
	uint8_t cv_stack_len;
	uint8_t cv_stack[(LC_BLAKE3_MAX_DEPTH + 1) * LC_BLAKE3_OUT_LEN];
};

void lc_blake3_init(struct lc_blake3 *h);
void lc_blake3_init_keyed(struct lc_blake3 *h, const uint8_t key[LC_BLAKE3_KEY_LEN]);
/* context: a hard-coded, globally unique, application-specific string. */
void lc_blake3_init_derive_key(struct lc_blake3 *h, const char *context);
void lc_blake3_update(struct lc_blake3 *h, const void *data, size_t len);
void lc_blake3_finalize(const struct lc_blake3 *h, uint8_t *out, size_t out_len);
void lc_blake3_finalize_seek(const struct lc_blake3 *h, uint64_t seek,
			     uint8_t *out, size_t out_len);
void lc_blake3_wipe(struct lc_blake3 *h);

/* One-shot helpers. */
void lc_blake3_hash(uint8_t *out, size_t out_len, const void *in, size_t len);
void lc_blake3_keyed(uint8_t *out, size_t out_len,
		     const uint8_t key[LC_BLAKE3_KEY_LEN], const void *in,
		     size_t len);
void lc_blake3_derive_key(uint8_t *out, size_t out_len, const char *context,
			  const void *material, size_t len);

#endif
