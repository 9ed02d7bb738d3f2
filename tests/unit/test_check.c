/* test_check.c - Keccak-256, EIP-55 and the manifest value checkers, against published vectors. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "check.h"
#include "hex.h"
#include "keccak.h"
#include "unit.h"
#include "banned.h"

/* Hex pairs from s into out, up to max bytes, stopping at the end of s or
 * at a pair that is not hex; the number of bytes decoded. */
static size_t unhex(const char *s, unsigned char *out, size_t max)
{
	size_t n = 0;

	while (s[0] && s[1] && n < max && lc_hex_decode_n(out + n, 1, s) == 0) {
		n++;
		s += 2;
	}
	return n;
}

static int keccak_hex_eq(const void *msg, size_t len, const char *want)
{
	unsigned char d[32];
	char got[65], lw[65];
	size_t i;

	lc_keccak256(d, msg, len);
	lc_hex_encode(got, d, 32);
	for (i = 0; i < 64 && want[i]; i++)
		lw[i] = (char)tolower((unsigned char)want[i]);
	lw[i] = '\0';
	return !strcmp(got, lw);
}

static void keccak_facts(void)
{
	struct lc_keccak k;
	unsigned char d1[32], d2[32];
	char msg[300];

	CHECK(keccak_hex_eq("", 0, "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"));
	CHECK(keccak_hex_eq("abc", 3, "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45"));
	CHECK(keccak_hex_eq("\xcc", 1, "eead6dbfc7340a56caedc044696a168870549a6a7f6f56961e84a54bd9970b8a"));
	/* Streaming in odd pieces equals one shot, across block boundaries. */
	memset(msg, 'x', sizeof(msg));
	lc_keccak256(d1, msg, sizeof(msg));
	lc_keccak256_init(&k);
	lc_keccak256_update(&k, msg, 135);
	lc_keccak256_update(&k, msg, 2);
	lc_keccak256_update(&k, msg, sizeof(msg) - 137);
	lc_keccak256_final(&k, d2);
	CHECK(!memcmp(d1, d2, 32));
}

/* The Keccak team's KAT files: "Len = bits", "Msg = HEX", "MD = HEX". */
static void keccak_kat(const char *dir, const char *file)
{
	char path[4096], line[80000];
	static unsigned char msg[40000];
	long bits = -1;
	size_t n = 0;
	int cases = 0, ok = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/ethereum/keccak256_kat/%s", dir, file);
	if (!(f = fopen(path, "r"))) {
		CHECKF(0, "cannot open %s", path);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (!strncmp(line, "Len = ", 6)) {
			bits = atol(line + 6);
		} else if (!strncmp(line, "Msg = ", 6)) {
			n = unhex(line + 6, msg, sizeof(msg));
		} else if (!strncmp(line, "MD = ", 5) && bits >= 0) {
			size_t len = (size_t)bits / 8; /* Len = 0 prints Msg = 00 */
			int good = len <= n && keccak_hex_eq(msg, len, line + 5);

			cases++;
			ok += good;
			CHECKF(good, "%s Len = %ld", file, bits);
			bits = -1;
		}
	}
	fclose(f);
	printf("keccak: %s %d/%d\n", file, ok, cases);
	CHECK(cases > 0);
}

static void keccak_strings(const char *dir)
{
	cJSON *j = unit_load_json(dir, "ethereum/keccak256_strings.json"), *c;

	if (!CHECK(j != NULL))
		return;
	cJSON_ArrayForEach(c, cJSON_GetObjectItem(j, "cases")) {
		const char *m = cJSON_GetObjectItem(c, "message_ascii")->valuestring;
		const char *want = cJSON_GetObjectItem(c, "digest")->valuestring;
		cJSON *rep = cJSON_GetObjectItem(c, "repeat");
		struct lc_keccak k;
		unsigned char d[32];
		char got[65];
		long i, r = rep ? (long)rep->valuedouble : 1;

		lc_keccak256_init(&k);
		for (i = 0; i < r; i++)
			lc_keccak256_update(&k, m, strlen(m));
		lc_keccak256_final(&k, d);
		lc_hex_encode(got, d, 32);
		CHECKF(!strcmp(got, want), "keccak256(\"%.20s\" x %ld)", m, r);
	}
	cJSON_Delete(j);
}

static void eip55_one(const char *addr)
{
	unsigned char raw[20] = { 0 };
	char canon[43], why[200], hint[200], bad[43];
	size_t i;

	unhex(addr + 2, raw, 20);
	lc_eip55(raw, canon);
	CHECKF(!strcmp(canon, addr), "eip55(%s) gave %s", addr, canon);
	CHECKF(lc_check_eth_address(addr, canon, why, sizeof(why), hint, sizeof(hint)) == 0,
	       "%s rejected: %s", addr, why);
	/* Flip the case of one letter: a mixed-case address must then fail. */
	memcpy(bad, addr, 43);
	for (i = 2; i < 42; i++)
		if (isalpha((unsigned char)bad[i])) {
			bad[i] ^= 0x20;
			break;
		}
	if (i < 42) {
		int mixed = 0, up = 0, lo = 0;

		for (size_t k = 2; k < 42; k++)
			up |= isupper((unsigned char)bad[k]), lo |= islower((unsigned char)bad[k]);
		mixed = up && lo;
		CHECKF((lc_check_eth_address(bad, canon, why, sizeof(why), hint,
					     sizeof(hint)) != 0) == mixed,
		       "case-flipped %s", bad);
	}
}

static void eip55_vectors(const char *dir)
{
	cJSON *j = unit_load_json(dir, "ethereum/eip55_checksum.json"), *c;
	int n = 0;

	if (!CHECK(j != NULL))
		return;
	cJSON_ArrayForEach(c, cJSON_GetObjectItem(j, "cases")) {
		eip55_one(cJSON_GetObjectItem(c, "checksummed")->valuestring);
		n++;
	}
	CHECK(n == 8);
	cJSON_Delete(j);
}

static void eip55_facts(void)
{
	char canon[43], why[200], hint[200];

	eip55_one("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed");
	eip55_one("0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359");
	eip55_one("0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB");
	eip55_one("0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb");
	eip55_one("0x52908400098527886E0F7030069857D2E4169EE7");
	CHECK(lc_check_eth_address("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", canon,
				   why, sizeof(why), hint, sizeof(hint)) == 0);
	CHECK(!strcmp(canon, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"));
	CHECK(lc_check_eth_address("0x1234", canon, why, sizeof(why), hint, sizeof(hint)));
	CHECK(lc_check_eth_address("5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", canon,
				   why, sizeof(why), hint, sizeof(hint)));
	CHECK(lc_check_eth_address("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaedff", canon,
				   why, sizeof(why), hint, sizeof(hint)));
	CHECK(lc_check_eth_address("0x0000000000000000000000000000000000000000", canon,
				   why, sizeof(why), hint, sizeof(hint)));
	CHECK(strstr(why, "zero address") != NULL);
}

static int name_ok(const char *s)
{
	char why[200], hint[200];

	return lc_check_lattice_name(s, why, sizeof(why), hint, sizeof(hint)) == 0;
}

static int url_ok(const char *s, int *loop)
{
	char why[200], hint[200];
	struct lc_url u;
	int rc = lc_check_url(s, &u, why, sizeof(why), hint, sizeof(hint));

	if (loop)
		*loop = u.loopback;
	return rc == 0;
}

static int ssh_ok(const char *s, struct lc_ssh_target *t)
{
	char why[200];

	return lc_check_ssh_target(s, t, why, sizeof(why)) == 0;
}

static void value_facts(void)
{
	static const char *const keys[] = { "name", "chain_id", "tdx", NULL };
	static const char *const roles[] = { "unseal-member", "offer-member", NULL };
	struct lc_ssh_target t;
	char long_label[80];
	int loop = 0;

	CHECK(name_ok("acme.ethereum.mainnet"));
	CHECK(name_ok("a.b"));
	CHECK(name_ok("acme-1.eth-2.x0"));
	CHECK(!name_ok("mainnet"));
	CHECK(!name_ok(""));
	CHECK(!name_ok("Acme.mainnet"));
	CHECK(!name_ok("acme..mainnet"));
	CHECK(!name_ok("acme.mainnet."));
	CHECK(!name_ok("-acme.mainnet"));
	CHECK(!name_ok("acme.main_net"));
	memset(long_label, 'a', 64);
	memcpy(long_label + 64, ".x", 3);
	CHECK(!name_ok(long_label));

	CHECK(url_ok("https://rpc.example.com/v2/key", &loop) && !loop);
	CHECK(url_ok("https://user:pw@rpc.example.com:8443/path?q=1", NULL));
	CHECK(url_ok("http://127.0.0.1:8545/", &loop) && loop);
	CHECK(url_ok("http://localhost:8545", &loop) && loop);
	CHECK(url_ok("http://[::1]:8545/", &loop) && loop);
	CHECK(url_ok("HTTPS://RPC.example.com", NULL));
	CHECK(!url_ok("http://rpc.example.com/", NULL));
	CHECK(!url_ok("http://128.0.0.1/", NULL));
	CHECK(!url_ok("ftp://rpc.example.com/", NULL));
	CHECK(!url_ok("rpc.example.com", NULL));
	CHECK(!url_ok("https://", NULL));
	CHECK(!url_ok("https://rpc example.com", NULL));
	CHECK(!url_ok("https://rpc.example.com:0/", NULL));
	CHECK(!url_ok("https://rpc.example.com:65536/", NULL));
	CHECK(!url_ok("https://[zz::1]/", NULL));

	CHECK(ssh_ok("ubuntu@tdx-01.acme.com", &t) && !strcmp(t.user, "ubuntu") &&
	      !strcmp(t.host, "tdx-01.acme.com") && t.port == 0 && !t.alias);
	CHECK(ssh_ok("root@10.0.0.1:2222", &t) && t.port == 2222);
	CHECK(ssh_ok("h1", &t) && t.alias);
	CHECK(ssh_ok("deploy@[2001:db8::1]:22", &t) && !strcmp(t.host, "2001:db8::1"));
	CHECK(!ssh_ok("ubuntu@", &t));
	CHECK(!ssh_ok("@host", &t));
	CHECK(!ssh_ok("-oProxyCommand=x", &t));
	CHECK(!ssh_ok("u@h:0", &t));
	CHECK(!ssh_ok("u@h:99999", &t));
	CHECK(!ssh_ok("u s@h", &t));

	CHECK(lc_suggest("chain-id", keys) && !strcmp(lc_suggest("chain-id", keys), "chain_id"));
	CHECK(lc_suggest("nmae", keys) && !strcmp(lc_suggest("nmae", keys), "name"));
	CHECK(lc_suggest("colour", keys) == NULL);
	CHECK(lc_suggest("unseal-membr", roles) &&
	      !strcmp(lc_suggest("unseal-membr", roles), "unseal-member"));
	CHECK(lc_is_hex("00ff", 4) && !lc_is_hex("00fg", 4) && !lc_is_hex("00ff0", 4));
}

void unit_main(int argc, char **argv)
{
	const char *dir = unit_vectors_dir();

	(void)argc;
	(void)argv;
	keccak_facts();
	eip55_facts();
	value_facts();
	if (!dir) {
		unit_skip("keccak/eip-55 vectors: ../shared/vectors not found "
			  "(typed-in facts above still ran)");
		return;
	}
	keccak_kat(dir, "ShortMsgKAT_256.txt");
	keccak_kat(dir, "LongMsgKAT_256.txt");
	keccak_strings(dir);
	eip55_vectors(dir);
}
