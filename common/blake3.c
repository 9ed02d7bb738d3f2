/* blake3.c - portable BLAKE3: chunk chaining, the Merkle tree of chunks, and seekable extendable output. */
#include <string.h>

#include "blake3.h"
#include "banned.h"

/* Domain flags carried in the last state word of every compression. */
enum {
	F_CHUNK_START = 1 << 0,
	F_CHUNK_END = 1 << 1,
	F_PARENT = 1 << 2,
	F_ROOT = 1 << 3,
	F_KEYED_HASH = 1 << 4,
	F_DERIVE_KEY_CONTEXT = 1 << 5,
	F_DERIVE_KEY_MATERIAL = 1 << 6,
};

static const uint32_t blake3_iv[8] = {
	0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
	0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

/* Word order applied to the message between rounds. */
static const uint8_t msg_perm[16] = { 2, 6,  3,  10, 7, 0,  4,  13,
				      1, 11, 12, 5,  9, 14, 15, 8 };

/* A wipe the compiler may not drop: memset called through a volatile pointer. */
static void *(*const volatile wipe_fn)(void *, int, size_t) = memset;

static void wipe(void *p, size_t n)
{
	wipe_fn(p, 0, n);
}

static uint32_t load32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void store32(uint8_t *p, uint32_t w)
{
	p[0] = (uint8_t)w;
	p[1] = (uint8_t)(w >> 8);
	p[2] = (uint8_t)(w >> 16);
	p[3] = (uint8_t)(w >> 24);
}

static void words_from_bytes(uint32_t w[8], const uint8_t b[32])
{
	int i;

	for (i = 0; i < 8; i++)
		w[i] = load32(b + 4 * i);
}

static void bytes_from_words(uint8_t b[32], const uint32_t w[8])
{
	int i;

	for (i = 0; i < 8; i++)
		store32(b + 4 * i, w[i]);
}

static uint32_t rotr(uint32_t x, unsigned n)
{
	return (x >> n) | (x << (32 - n));
}

/* The quarter-round mixing two message words into one column or diagonal. */
static void mix(uint32_t s[16], int a, int b, int c, int d, uint32_t x,
		uint32_t y)
{
	s[a] = s[a] + s[b] + x;
	s[d] = rotr(s[d] ^ s[a], 16);
	s[c] = s[c] + s[d];
	s[b] = rotr(s[b] ^ s[c], 12);
	s[a] = s[a] + s[b] + y;
	s[d] = rotr(s[d] ^ s[a], 8);
	s[c] = s[c] + s[d];
	s[b] = rotr(s[b] ^ s[c], 7);
}

/*
 * The compression function: 7 rounds over a 16-word state seeded with cv,
 * the first half of the IV, the 64-bit counter, the block length and the
 * flags.  out[0..7] is the next chaining value; out[8..15] the extra half
 * used only for extendable root output.
 */
static void compress(const uint32_t cv[8], const uint8_t block[64],
		     uint32_t block_len, uint64_t counter, uint32_t flags,
		     uint32_t out[16])
{
	uint32_t m[16], pm[16], s[16];
	int i, r;

	for (i = 0; i < 16; i++)
		m[i] = load32(block + 4 * i);
	for (i = 0; i < 8; i++)
		s[i] = cv[i];
	for (i = 0; i < 4; i++)
		s[8 + i] = blake3_iv[i];
	s[12] = (uint32_t)counter;
	s[13] = (uint32_t)(counter >> 32);
	s[14] = block_len;
	s[15] = flags;
	for (r = 0; r < 7; r++) {
		mix(s, 0, 4, 8, 12, m[0], m[1]);
		mix(s, 1, 5, 9, 13, m[2], m[3]);
		mix(s, 2, 6, 10, 14, m[4], m[5]);
		mix(s, 3, 7, 11, 15, m[6], m[7]);
		mix(s, 0, 5, 10, 15, m[8], m[9]);
		mix(s, 1, 6, 11, 12, m[10], m[11]);
		mix(s, 2, 7, 8, 13, m[12], m[13]);
		mix(s, 3, 4, 9, 14, m[14], m[15]);
		if (r == 6)
			break;
		for (i = 0; i < 16; i++)
			pm[i] = m[msg_perm[i]];
		memcpy(m, pm, sizeof(m));
	}
	for (i = 0; i < 8; i++) {
		out[i] = s[i] ^ s[i + 8];
		out[i + 8] = s[i + 8] ^ cv[i];
	}
}

/*
 * Everything needed to produce a node's chaining value, or, at the root,
 * any number of output bytes: the last compression's inputs, not yet run.
 */
struct node {
	uint32_t cv[8];
	uint8_t block[LC_BLAKE3_BLOCK_LEN];
	uint32_t block_len;
	uint64_t counter;
	uint32_t flags;
};

static void node_cv(const struct node *nd, uint8_t cv[32])
{
	uint32_t w[16];

	compress(nd->cv, nd->block, nd->block_len, nd->counter, nd->flags, w);
	bytes_from_words(cv, w);
	wipe(w, sizeof(w));
}

static void parent_node(struct node *nd, const uint8_t left[32],
			const uint8_t right[32], const uint32_t key[8],
			uint32_t flags)
{
	memcpy(nd->cv, key, sizeof(nd->cv));
	memcpy(nd->block, left, 32);
	memcpy(nd->block + 32, right, 32);
	nd->block_len = LC_BLAKE3_BLOCK_LEN;
	nd->counter = 0;
	nd->flags = flags | F_PARENT;
}

/* The current chunk's final block as a node (zero-padded). */
static void chunk_node(const struct lc_blake3 *h, struct node *nd)
{
	memcpy(nd->cv, h->cv, sizeof(nd->cv));
	memset(nd->block, 0, sizeof(nd->block));
	memcpy(nd->block, h->buf, h->buf_len);
	nd->block_len = h->buf_len;
	nd->counter = h->chunk_counter;
	nd->flags = h->flags | F_CHUNK_END |
		    (h->blocks_compressed == 0 ? F_CHUNK_START : 0);
}

static size_t chunk_len(const struct lc_blake3 *h)
{
	return (size_t)h->blocks_compressed * LC_BLAKE3_BLOCK_LEN + h->buf_len;
}

static void compress_chunk_block(struct lc_blake3 *h, const uint8_t *block)
{
	uint32_t w[16];
	uint32_t flags = h->flags;

	if (h->blocks_compressed == 0)
		flags |= F_CHUNK_START;
	compress(h->cv, block, LC_BLAKE3_BLOCK_LEN, h->chunk_counter, flags, w);
	memcpy(h->cv, w, sizeof(h->cv));
	h->blocks_compressed++;
}

/*
 * Feed bytes into the current chunk, at most up to its end; returns how
 * many were taken.  A block is compressed only once a later byte of the
 * same chunk is known, so the chunk's last block stays buffered for the
 * CHUNK_END (and perhaps ROOT) flag.
 */
static size_t chunk_update(struct lc_blake3 *h, const uint8_t *p, size_t len)
{
	size_t room = LC_BLAKE3_CHUNK_LEN - chunk_len(h);
	size_t n = len < room ? len : room, left = n, take;

	while (left > 0) {
		if (h->buf_len == LC_BLAKE3_BLOCK_LEN) {
			compress_chunk_block(h, h->buf);
			h->buf_len = 0;
		}
		if (h->buf_len == 0 && left > LC_BLAKE3_BLOCK_LEN) {
			/* Whole block with more of this chunk after it. */
			compress_chunk_block(h, p);
			p += LC_BLAKE3_BLOCK_LEN;
			left -= LC_BLAKE3_BLOCK_LEN;
			continue;
		}
		take = LC_BLAKE3_BLOCK_LEN - h->buf_len;
		if (take > left)
			take = left;
		memcpy(h->buf + h->buf_len, p, take);
		h->buf_len = (uint8_t)(h->buf_len + take);
		p += take;
		left -= take;
	}
	return n;
}

/*
 * Push a finished chunk's chaining value.  total is the number of chunks
 * finished so far: each trailing zero bit of it means a left subtree is
 * complete, so merge it with the stack top into a parent first.
 */
static void push_chunk_cv(struct lc_blake3 *h, uint8_t cv[32], uint64_t total)
{
	struct node nd;

	while ((total & 1) == 0 && h->cv_stack_len > 0) {
		h->cv_stack_len--;
		parent_node(&nd, h->cv_stack + (size_t)h->cv_stack_len * 32, cv,
			    h->key, h->flags);
		node_cv(&nd, cv);
		total >>= 1;
	}
	memcpy(h->cv_stack + (size_t)h->cv_stack_len * 32, cv, 32);
	h->cv_stack_len++;
	wipe(&nd, sizeof(nd));
}

static void init_with(struct lc_blake3 *h, const uint32_t key[8],
		      uint8_t flags)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->key, key, sizeof(h->key));
	memcpy(h->cv, key, sizeof(h->cv));
	h->flags = flags;
}

void lc_blake3_init(struct lc_blake3 *h)
{
	init_with(h, blake3_iv, 0);
}

void lc_blake3_init_keyed(struct lc_blake3 *h,
			  const uint8_t key[LC_BLAKE3_KEY_LEN])
{
	uint32_t k[8];

	words_from_bytes(k, key);
	init_with(h, k, F_KEYED_HASH);
	wipe(k, sizeof(k));
}

void lc_blake3_init_derive_key(struct lc_blake3 *h, const char *context)
{
	struct lc_blake3 ctx;
	uint8_t ckey[LC_BLAKE3_KEY_LEN];
	uint32_t k[8];

	init_with(&ctx, blake3_iv, F_DERIVE_KEY_CONTEXT);
	lc_blake3_update(&ctx, context, strlen(context));
	lc_blake3_finalize(&ctx, ckey, sizeof(ckey));
	words_from_bytes(k, ckey);
	init_with(h, k, F_DERIVE_KEY_MATERIAL);
	wipe(&ctx, sizeof(ctx));
	wipe(ckey, sizeof(ckey));
	wipe(k, sizeof(k));
}

void lc_blake3_update(struct lc_blake3 *h, const void *data, size_t len)
{
	const uint8_t *p = data;
	struct node nd;
	uint8_t cv[32];
	size_t n;

	if (len == 0)
		return;
	while (len > 0) {
		if (chunk_len(h) == LC_BLAKE3_CHUNK_LEN) {
			/* More input follows, so this chunk is not the root. */
			chunk_node(h, &nd);
			node_cv(&nd, cv);
			push_chunk_cv(h, cv, h->chunk_counter + 1);
			memcpy(h->cv, h->key, sizeof(h->cv));
			h->chunk_counter++;
			h->buf_len = 0;
			h->blocks_compressed = 0;
		}
		n = chunk_update(h, p, len);
		p += n;
		len -= n;
	}
	wipe(&nd, sizeof(nd));
	wipe(cv, sizeof(cv));
}

void lc_blake3_finalize_seek(const struct lc_blake3 *h, uint64_t seek,
			     uint8_t *out, size_t out_len)
{
	struct node nd;
	uint8_t right[32], block[LC_BLAKE3_BLOCK_LEN];
	uint32_t w[16];
	uint64_t counter = seek / LC_BLAKE3_BLOCK_LEN;
	size_t skip = (size_t)(seek % LC_BLAKE3_BLOCK_LEN), take;
	unsigned i = h->cv_stack_len;

	/* Fold the stack from the top: the tree's right edge up to the root. */
	chunk_node(h, &nd);
	while (i > 0) {
		i--;
		node_cv(&nd, right);
		parent_node(&nd, h->cv_stack + (size_t)i * 32, right, h->key,
			    h->flags);
	}
	/* Root output block k is the root compression with counter k. */
	while (out_len > 0) {
		compress(nd.cv, nd.block, nd.block_len, counter,
			 nd.flags | F_ROOT, w);
		for (i = 0; i < 16; i++)
			store32(block + 4 * i, w[i]);
		take = sizeof(block) - skip;
		if (take > out_len)
			take = out_len;
		memcpy(out, block + skip, take);
		out += take;
		out_len -= take;
		skip = 0;
		counter++;
	}
	wipe(&nd, sizeof(nd));
	wipe(right, sizeof(right));
	wipe(block, sizeof(block));
	wipe(w, sizeof(w));
}

void lc_blake3_finalize(const struct lc_blake3 *h, uint8_t *out,
			size_t out_len)
{
	lc_blake3_finalize_seek(h, 0, out, out_len);
}

void lc_blake3_wipe(struct lc_blake3 *h)
{
	wipe(h, sizeof(*h));
}

void lc_blake3_hash(uint8_t *out, size_t out_len, const void *in, size_t len)
{
	struct lc_blake3 h;

	lc_blake3_init(&h);
	lc_blake3_update(&h, in, len);
	lc_blake3_finalize(&h, out, out_len);
	lc_blake3_wipe(&h);
}

void lc_blake3_keyed(uint8_t *out, size_t out_len,
		     const uint8_t key[LC_BLAKE3_KEY_LEN], const void *in,
		     size_t len)
{
	struct lc_blake3 h;

	lc_blake3_init_keyed(&h, key);
	lc_blake3_update(&h, in, len);
	lc_blake3_finalize(&h, out, out_len);
	lc_blake3_wipe(&h);
}

void lc_blake3_derive_key(uint8_t *out, size_t out_len, const char *context,
			  const void *material, size_t len)
{
	struct lc_blake3 h;

	lc_blake3_init_derive_key(&h, context);
	lc_blake3_update(&h, material, len);
	lc_blake3_finalize(&h, out, out_len);
	lc_blake3_wipe(&h);
}
