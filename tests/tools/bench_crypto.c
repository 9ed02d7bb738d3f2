/* bench_crypto.c - rough timings: BLAKE3 throughput and dealer DKG latency; prints figures, asserts nothing. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "blake3.h"
#include "dkg.h"
#include "err.h"
#include "banned.h"

#define HASH_BYTES (16u << 20)
#define HASH_RUNS 5
#define DKG_RUNS 20

static double now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int bench_blake3(void)
{
	uint8_t *data = malloc(HASH_BYTES), out[32];
	double best = 0, t0, dt;
	size_t i;
	int r;

	if (!data) {
		fprintf(stderr, "bench_crypto: out of memory\n");
		return -1;
	}
	for (i = 0; i < HASH_BYTES; i++)
		data[i] = (uint8_t)(i % 251);
	for (r = 0; r < HASH_RUNS; r++) {
		t0 = now_sec();
		lc_blake3_hash(out, sizeof(out), data, HASH_BYTES);
		dt = now_sec() - t0;
		if (r == 0 || dt < best)
			best = dt;
	}
	printf("blake3 hash 16 MiB: %.1f MB/s (best of %d, portable C, out %02x%02x..)\n",
	       HASH_BYTES / best / 1e6, HASH_RUNS, out[0], out[1]);
	free(data);
	return 0;
}

static int bench_dkg(unsigned t, unsigned n)
{
	struct lc_dkg_public *pub = malloc(sizeof(*pub));
	uint8_t (*shares)[LC_SCALAR_LEN] = sodium_malloc((size_t)n * LC_SCALAR_LEN);
	double ms[DKG_RUNS], t0;
	struct lc_err e;
	int r, rc = -1;

	if (!pub || !shares) {
		fprintf(stderr, "bench_crypto: out of memory\n");
		goto out;
	}
	for (r = 0; r < DKG_RUNS; r++) {
		lc_err_clear(&e);
		t0 = now_sec();
		if (lc_dkg_deal(pub, shares, t, n, &e) != 0) {
			fprintf(stderr, "bench_crypto: deal: %s\n", e.msg);
			goto out;
		}
		ms[r] = (now_sec() - t0) * 1e3;
	}
	qsort(ms, DKG_RUNS, sizeof(ms[0]), cmp_double);
	printf("dkg deal %u-of-%u: median %.2f ms (min %.2f, max %.2f, %d runs; "
	       "includes verifying every share)\n",
	       t, n, (ms[DKG_RUNS / 2 - 1] + ms[DKG_RUNS / 2]) / 2, ms[0],
	       ms[DKG_RUNS - 1], DKG_RUNS);
	rc = 0;
out:
	sodium_free(shares);
	free(pub);
	return rc;
}

int main(void)
{
	if (sodium_init() < 0) {
		fprintf(stderr, "bench_crypto: cannot initialise libsodium\n");
		return 1;
	}
	if (bench_blake3() || bench_dkg(4, 7) || bench_dkg(17, 33))
		return 1;
	return 0;
}
