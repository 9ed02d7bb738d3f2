/* test_blake3.c - BLAKE3 in all three modes against the official vectors, split updates and XOF seeks. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "blake3.h"
#include "hex.h"
#include "unit.h"
#include "banned.h"

#define MAX_INPUT 102400
#define XOF_LEN 131 /* the vectors' extended output length */
#define JSON_MAX (16u << 20) /* the most a vectors file may hold */

static const char vec_key[] = "whats the Elvish word for friend";
static const char vec_context[] =
	"BLAKE3 2019-12-27 16:29:52 test vectors context";

enum mode { M_HASH, M_KEYED, M_DERIVE };
static const char *const mode_name[] = { "hash", "keyed_hash", "derive_key" };

static uint8_t input[MAX_INPUT];

static void fill_input(void)
{
	size_t i;

	for (i = 0; i < sizeof(input); i++)
		input[i] = (uint8_t)(i % 251);
}

static void init_mode(struct lc_blake3 *h, enum mode m)
{
	if (m == M_HASH)
		lc_blake3_init(h);
	else if (m == M_KEYED)
		lc_blake3_init_keyed(h, (const uint8_t *)vec_key);
	else
		lc_blake3_init_derive_key(h, vec_context);
}

/* Hash input[0..len) feeding it in pieces of step bytes (0: one shot). */
static void hash_split(struct lc_blake3 *h, enum mode m, size_t len,
		       size_t step)
{
	size_t off = 0, n;

	init_mode(h, m);
	if (step == 0)
		step = len ? len : 1;
	while (off < len) {
		n = len - off < step ? len - off : step;
		lc_blake3_update(h, input + off, n);
		off += n;
	}
}

/* Does the default 32-byte output of mode m over len input bytes start with want? */
static int out32_is(enum mode m, size_t len, const char *want_hex)
{
	struct lc_blake3 h;
	uint8_t got[32], want[32];

	if (lc_hex_decode(want, sizeof(want), want_hex) < 0)
		return 0;
	hash_split(&h, m, len, 0);
	lc_blake3_finalize(&h, got, sizeof(got));
	lc_blake3_wipe(&h);
	return !memcmp(got, want, sizeof(got));
}

/* Typed-in vector outputs (first 32 bytes), so something runs without ../shared. */
static void typed_facts(void)
{
	uint8_t d[32], want[32];

	lc_blake3_hash(d, sizeof(d), "", 0);
	CHECK(lc_hex_decode(want, 32, "af1349b9f5f9a1a6a0404dea36dcc949"
				      "9bcb25c9adc112b7cc9a93cae41f3262") == 0);
	CHECK(!memcmp(d, want, 32));
	CHECK(out32_is(M_KEYED, 0, "92b2b75604ed3c761f9d6f62392c8a92"
				   "27ad0ea3f09573e783f1498a4ed60d26"));
	CHECK(out32_is(M_DERIVE, 0, "2cc39783c223154fea8dfb7c1b1660f2"
				    "ac2dcbd1c1de8277b0b0dd39b7e50d7d"));
	CHECK(out32_is(M_HASH, 1, "2d3adedff11b61f14c886e35afa03673"
				  "6dcd87a74d27b5c1510225d0f592e213"));
	CHECK(out32_is(M_KEYED, 1, "6d7878dfff2f485635d39013278ae14f"
				   "1454b8c0a3a2d34bc1ab38228a80c95b"));
	CHECK(out32_is(M_DERIVE, 1, "b3e2e340a117a499c6cf2398a19ee0d2"
				    "9cca2bb7404c73063382693bf66cb06c"));
	CHECK(out32_is(M_HASH, 8, "2351207d04fc16ade43ccab08600939c"
				  "7c1fa70a5c0aaca76063d04c3228eaeb"));
	CHECK(out32_is(M_KEYED, 8, "be2f5495c61cba1bb348a34948c00404"
				   "5e3bd4dae8f0fe82bf44d0da245a0600"));
	CHECK(out32_is(M_DERIVE, 8, "2b166978cef14d9d438046c720519d8b"
				    "1cad707e199746f1562d0c87fbd32940"));
	CHECK(out32_is(M_HASH, 64, "4eed7141ea4a5cd4b788606bd23f46e2"
				   "12af9cacebacdc7d1f4c6dc7f2511b98"));
	/* Two chunks: the first parent node. */
	CHECK(out32_is(M_HASH, 1025, "d00278ae47eb27b34faecf67b4fe263f"
				     "82d5412916c1ffd97c8cb7fb814b8444"));
}

/* Properties that need no vectors: one-shot helpers, repeat finalize, long XOF seeks. */
static void self_consistency(void)
{
	static uint8_t big[4096];
	uint8_t a[64], b[64], part[200];
	struct lc_blake3 h;
	size_t seeks[] = { 0, 1, 63, 64, 65, 1000, 4000 };
	size_t i;
	int ok;

	lc_blake3_init(&h);
	lc_blake3_update(&h, input, 3000);
	lc_blake3_finalize(&h, a, sizeof(a));
	lc_blake3_finalize(&h, b, sizeof(b));
	CHECK(!memcmp(a, b, sizeof(a))); /* finalize leaves the state alone */
	lc_blake3_update(&h, input + 3000, 2000);
	lc_blake3_finalize(&h, a, sizeof(a));
	lc_blake3_hash(b, sizeof(b), input, 5000);
	CHECK(!memcmp(a, b, sizeof(a))); /* and updating after it continues */

	lc_blake3_keyed(a, 32, (const uint8_t *)vec_key, input, 777);
	init_mode(&h, M_KEYED);
	lc_blake3_update(&h, input, 777);
	lc_blake3_finalize(&h, b, 32);
	CHECK(!memcmp(a, b, 32));
	lc_blake3_derive_key(a, 32, vec_context, input, 777);
	init_mode(&h, M_DERIVE);
	lc_blake3_update(&h, input, 777);
	lc_blake3_finalize(&h, b, 32);
	CHECK(!memcmp(a, b, 32));

	/* A 4 KiB XOF read at any offset equals the matching slice. */
	lc_blake3_finalize(&h, big, sizeof(big));
	for (i = 0; i < sizeof(seeks) / sizeof(seeks[0]); i++) {
		size_t n = sizeof(big) - seeks[i] < sizeof(part) ?
				   sizeof(big) - seeks[i] :
				   sizeof(part);

		lc_blake3_finalize_seek(&h, seeks[i], part, n);
		CHECKF(!memcmp(part, big + seeks[i], n), "seek %zu", seeks[i]);
	}
	/* Shorter outputs are prefixes of longer ones. */
	lc_blake3_finalize(&h, a, 7);
	CHECK(!memcmp(a, big, 7));
	lc_blake3_wipe(&h);
	ok = 1;
	for (i = 0; i < sizeof(h); i++)
		ok &= ((const uint8_t *)&h)[i] == 0;
	CHECK(ok); /* wipe clears key material */
}

/* One vector case in one mode: full XOF, 32-byte prefix, splits, seeks. */
static int check_case(size_t len, enum mode m, const uint8_t want[XOF_LEN])
{
	static const size_t steps[] = { 0, 1, 7, 64, 65, 1000, 1024, 4096 };
	static const size_t seeks[] = { 1, 31, 32, 63, 64, 65, 100, 130 };
	struct lc_blake3 h;
	uint8_t got[XOF_LEN];
	size_t i;
	int ok = 1, good;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		hash_split(&h, m, len, steps[i]);
		lc_blake3_finalize(&h, got, XOF_LEN);
		good = !memcmp(got, want, XOF_LEN);
		CHECKF(good, "%s len %zu step %zu: extended output", mode_name[m],
		       len, steps[i]);
		ok &= good;
		if (steps[i] != 0)
			continue;
		lc_blake3_finalize(&h, got, 32);
		good = !memcmp(got, want, 32);
		CHECKF(good, "%s len %zu: default 32-byte output", mode_name[m],
		       len);
		ok &= good;
		for (size_t s = 0; s < sizeof(seeks) / sizeof(seeks[0]); s++) {
			memset(got, 0, sizeof(got));
			lc_blake3_finalize_seek(&h, seeks[s], got,
						XOF_LEN - seeks[s]);
			good = !memcmp(got, want + seeks[s], XOF_LEN - seeks[s]);
			CHECKF(good, "%s len %zu: seek %zu", mode_name[m], len,
			       seeks[s]);
			ok &= good;
		}
	}
	lc_blake3_wipe(&h);
	return ok;
}

static void vectors(const char *dir)
{
	static const char *const field[] = { "hash", "keyed_hash", "derive_key" };
	cJSON *root = unit_load_json_max(dir, "blake3/test_vectors.json",
					 JSON_MAX);
	cJSON *cases, *c, *key, *ctx;
	int n = 0, ok = 0, m;

	if (!CHECK(root != NULL))
		return;
	key = cJSON_GetObjectItemCaseSensitive(root, "key");
	ctx = cJSON_GetObjectItemCaseSensitive(root, "context_string");
	CHECK(cJSON_IsString(key) && !strcmp(key->valuestring, vec_key));
	CHECK(cJSON_IsString(ctx) && !strcmp(ctx->valuestring, vec_context));
	cases = cJSON_GetObjectItemCaseSensitive(root, "cases");
	cJSON_ArrayForEach(c, cases)
	{
		cJSON *jl = cJSON_GetObjectItemCaseSensitive(c, "input_len");
		size_t len;

		if (!CHECK(cJSON_IsNumber(jl) && jl->valuedouble >= 0 &&
			   jl->valuedouble <= MAX_INPUT))
			continue;
		len = (size_t)jl->valuedouble;
		for (m = M_HASH; m <= M_DERIVE; m++) {
			cJSON *jo = cJSON_GetObjectItemCaseSensitive(c, field[m]);
			uint8_t want[XOF_LEN];

			int parsed = cJSON_IsString(jo) &&
				     lc_hex_decode(want, XOF_LEN, jo->valuestring) == 0;

			n++;
			CHECKF(parsed, "case %zu %s: bad hex", len, field[m]);
			if (!parsed)
				continue;
			ok += check_case(len, (enum mode)m, want);
		}
	}
	printf("blake3: %d/%d vector outputs (35 lengths x 3 modes)\n", ok, n);
	CHECK(n == 105);
	cJSON_Delete(root);
}

void unit_main(int argc, char **argv)
{
	const char *dir = unit_vectors_dir();

	(void)argc;
	(void)argv;
	fill_input();
	typed_facts();
	self_consistency();
	if (!dir) {
		unit_skip("blake3: ../shared/vectors not found, official vectors "
			  "not run (typed-in facts above still ran)");
		return;
	}
	vectors(dir);
}
