/* test_sha256.c - lc_sha256 against the FIPS 180-2 examples, split updates, and lc_sha256_file. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent_client.h"
#include "hex.h"
#include "sha256.h"
#include "unit.h"
#include "banned.h"

/* FIPS 180-2, appendix B, and the empty message. */
static const struct {
	const char *msg;
	size_t repeat; /* the message is msg repeated this many times */
	const char *digest;
} vec[] = {
	{ "", 1, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
	{ "abc", 1, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
	{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1,
	  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	{ "a", 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0" },
};

static void check_vectors(void)
{
	struct lc_sha256 h;
	uint8_t out[32];
	char hex[65];
	size_t i, k;

	for (i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
		lc_sha256_init(&h);
		for (k = 0; k < vec[i].repeat; k++)
			lc_sha256_update(&h, vec[i].msg, strlen(vec[i].msg));
		lc_sha256_final(&h, out);
		lc_hex_encode(hex, out, 32);
		CHECKF(!strcmp(hex, vec[i].digest), "vector %zu: %s", i, hex);
	}
	lc_sha256(out, "abc", 3);
	lc_hex_encode(hex, out, 32);
	CHECK(!strcmp(hex, vec[1].digest));
}

/* Any split of the input gives the one-shot digest. */
static void check_splits(void)
{
	static uint8_t data[200003];
	static const size_t steps[] = { 1, 3, 63, 64, 65, 4096, 65536, sizeof(data) };
	uint8_t one[32], got[32];
	struct lc_sha256 h;
	size_t i, off, n;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + i / 251);
	lc_sha256(one, data, sizeof(data));
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		lc_sha256_init(&h);
		for (off = 0; off < sizeof(data); off += n) {
			n = sizeof(data) - off < steps[i] ? sizeof(data) - off : steps[i];
			lc_sha256_update(&h, data + off, n);
		}
		lc_sha256_final(&h, got);
		CHECKF(!memcmp(one, got, 32), "step %zu", steps[i]);
	}
}

/* lc_sha256_file: the digest and size of a file, streamed. */
static void check_file(void)
{
	char path[] = "/tmp/lc-test-sha256.XXXXXX", hex[65], a[1000];
	long long size = -1;
	struct lc_err err;
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	memset(a, 'a', sizeof(a));
	CHECK(write(fd, a, sizeof(a)) == (ssize_t)sizeof(a));
	close(fd);
	lc_err_clear(&err);
	CHECK(lc_sha256_file(hex, &size, path, &err) == 0);
	CHECK(size == 1000);
	/* sha256 of 1000 'a's (python3 -c 'print("a"*1000, end="")' | sha256sum). */
	CHECKF(!strcmp(hex, "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3"),
	       "%s", hex);
	unlink(path);
	CHECK(lc_sha256_file(hex, &size, path, &err) < 0);
	CHECK(strstr(err.msg, "cannot open") != NULL);
}

void unit_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	check_vectors();
	check_splits();
	check_file();
}
