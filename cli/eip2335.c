/* eip2335.c - EIP-2335 (version 4) keystores for BLS12-381 secret keys: scrypt or PBKDF2, SHA-256 checksum, AES-128-CTR. */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "bls.h"
#include "bls_internal.h"
#include "hex.h"
#include "ossl.h"
#include "banned.h"

#define DK_LEN 32
#define SALT_LEN 32
#define SALT_MAX 256
#define IV_LEN 16
#define SCRYPT_R 8
#define SCRYPT_P 1
#define SCRYPT_N_STD 262144u
#define SCRYPT_N_FAST 16384u
#define PBKDF2_C_STD 262144u
#define PBKDF2_C_FAST 16384u
/* Limits on what a keystore file may ask of us. */
#define SCRYPT_MEM_MAX ((uint64_t)2 << 30)
#define PBKDF2_C_MAX (1u << 24)

struct kdf_params {
	enum lc_kdf fn;
	uint64_t n, r, p; /* scrypt */
	uint64_t c;       /* pbkdf2 */
	uint8_t salt[SALT_MAX];
	size_t salt_len;
};

/* Decode hex (optional 0x) of min..max bytes; 0 or -1. */
static int hex_decode(uint8_t *out, size_t *len, const char *s, size_t min,
		      size_t max)
{
	size_t n;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	n = strlen(s);
	if (n % 2 || n / 2 < min || n / 2 > max)
		return -1;
	if (lc_hex_decode(out, n / 2, s))
		return -1;
	*len = n / 2;
	return 0;
}

static int derive_key(uint8_t dk[DK_LEN], const uint8_t *pw, size_t pw_len,
		      const struct kdf_params *kp, struct lc_err *err)
{
	if (kp->fn == LC_KDF_SCRYPT) {
		/* OpenSSL needs 128 * r * (n + 2 + p) bytes of working memory. */
		uint64_t mem = 128 * kp->r * (kp->n + 2 + kp->p);

		if (EVP_PBE_scrypt((const char *)pw, pw_len, kp->salt,
				   kp->salt_len, kp->n, kp->r, kp->p, mem + 4096,
				   dk, DK_LEN) != 1)
			return lc_err_ssl(err, "scrypt key derivation failed");
		return 0;
	}
	if (PKCS5_PBKDF2_HMAC((const char *)pw, (int)pw_len, kp->salt,
			      (int)kp->salt_len, (int)kp->c, EVP_sha256(),
			      DK_LEN, dk) != 1)
		return lc_err_ssl(err, "pbkdf2 key derivation failed");
	return 0;
}

/* checksum = SHA-256(dk[16:32] || ciphertext) */
static void checksum(uint8_t out[32], const uint8_t dk[DK_LEN],
		     const uint8_t ct[LC_BLS_SK_LEN])
{
	uint8_t buf[16 + LC_BLS_SK_LEN];

	memcpy(buf, dk + 16, 16);
	memcpy(buf + 16, ct, LC_BLS_SK_LEN);
	SHA256(buf, sizeof(buf), out);
	OPENSSL_cleanse(buf, sizeof(buf));
}

/* AES-128-CTR with key dk[0:16]; encryption and decryption alike. */
static int aes_ctr(uint8_t out[LC_BLS_SK_LEN], const uint8_t in[LC_BLS_SK_LEN],
		   const uint8_t dk[DK_LEN], const uint8_t iv[IV_LEN],
		   struct lc_err *err)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n = 0, fin = 0, ret = -1;

	if (c && EVP_EncryptInit_ex(c, EVP_aes_128_ctr(), NULL, dk, iv) &&
	    EVP_EncryptUpdate(c, out, &n, in, LC_BLS_SK_LEN) &&
	    EVP_EncryptFinal_ex(c, out + n, &fin) &&
	    n + fin == LC_BLS_SK_LEN)
		ret = 0;
	else
		lc_err_ssl(err, "aes-128-ctr failed");
	EVP_CIPHER_CTX_free(c);
	return ret;
}

static void uuid_v4(char out[37], const uint8_t b[16])
{
	char h[33];

	lc_hex_encode(h, b, 16);
	snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12,
		 h + 16, h + 20);
}

/* Build the keystore document; NULL when out of memory. */
static cJSON *keystore_json(const struct kdf_params *kp,
			    const uint8_t sum[32], const uint8_t iv[IV_LEN],
			    const uint8_t ct[LC_BLS_SK_LEN],
			    const uint8_t pk[LC_BLS_PK_LEN], const char *path,
			    const uint8_t uuid_bytes[16])
{
	char hex[2 * SALT_MAX + 1], uuid[37];
	cJSON *root = cJSON_CreateObject(), *crypto, *kdf, *params, *sumo;
	cJSON *cipher, *cparams;
	int ok = 1;

	crypto = cJSON_AddObjectToObject(root, "crypto");
	kdf = cJSON_AddObjectToObject(crypto, "kdf");
	ok &= !!cJSON_AddStringToObject(kdf, "function",
					kp->fn == LC_KDF_SCRYPT ? "scrypt"
								: "pbkdf2");
	params = cJSON_AddObjectToObject(kdf, "params");
	ok &= !!cJSON_AddNumberToObject(params, "dklen", DK_LEN);
	if (kp->fn == LC_KDF_SCRYPT) {
		ok &= !!cJSON_AddNumberToObject(params, "n", (double)kp->n);
		ok &= !!cJSON_AddNumberToObject(params, "r", (double)kp->r);
		ok &= !!cJSON_AddNumberToObject(params, "p", (double)kp->p);
	} else {
		ok &= !!cJSON_AddNumberToObject(params, "c", (double)kp->c);
		ok &= !!cJSON_AddStringToObject(params, "prf", "hmac-sha256");
	}
	lc_hex_encode(hex, kp->salt, kp->salt_len);
	ok &= !!cJSON_AddStringToObject(params, "salt", hex);
	ok &= !!cJSON_AddStringToObject(kdf, "message", "");

	sumo = cJSON_AddObjectToObject(crypto, "checksum");
	ok &= !!cJSON_AddStringToObject(sumo, "function", "sha256");
	ok &= !!cJSON_AddObjectToObject(sumo, "params");
	lc_hex_encode(hex, sum, 32);
	ok &= !!cJSON_AddStringToObject(sumo, "message", hex);

	cipher = cJSON_AddObjectToObject(crypto, "cipher");
	ok &= !!cJSON_AddStringToObject(cipher, "function", "aes-128-ctr");
	cparams = cJSON_AddObjectToObject(cipher, "params");
	lc_hex_encode(hex, iv, IV_LEN);
	ok &= !!cJSON_AddStringToObject(cparams, "iv", hex);
	lc_hex_encode(hex, ct, LC_BLS_SK_LEN);
	ok &= !!cJSON_AddStringToObject(cipher, "message", hex);

	ok &= !!cJSON_AddStringToObject(root, "description", "");
	lc_hex_encode(hex, pk, LC_BLS_PK_LEN);
	ok &= !!cJSON_AddStringToObject(root, "pubkey", hex);
	ok &= !!cJSON_AddStringToObject(root, "path", path ? path : "");
	uuid_v4(uuid, uuid_bytes);
	ok &= !!cJSON_AddStringToObject(root, "uuid", uuid);
	ok &= !!cJSON_AddNumberToObject(root, "version", 4);
	if (!ok) {
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}

int lc_eip2335_encrypt(char **json, const uint8_t sk[LC_BLS_SK_LEN],
		       const char *path, const char *password, enum lc_kdf kdf,
		       int fast, struct lc_err *err)
{
	struct kdf_params kp;
	uint8_t dk[DK_LEN], iv[IV_LEN], ct[LC_BLS_SK_LEN], sum[32];
	uint8_t pk[LC_BLS_PK_LEN], uuid[16], *pw = NULL;
	size_t pw_len = 0;
	cJSON *doc = NULL;
	int ret = -1;

	*json = NULL;
	memset(&kp, 0, sizeof(kp));
	kp.fn = kdf;
	kp.n = fast ? SCRYPT_N_FAST : SCRYPT_N_STD;
	kp.r = SCRYPT_R;
	kp.p = SCRYPT_P;
	kp.c = fast ? PBKDF2_C_FAST : PBKDF2_C_STD;
	kp.salt_len = SALT_LEN;
	if (kdf != LC_KDF_SCRYPT && kdf != LC_KDF_PBKDF2) {
		lc_err_set(err, "unknown keystore kdf %d", (int)kdf);
		goto out;
	}
	if (lc_bls_sk_to_pk(pk, sk, err) ||
	    lc_eip2335_password(&pw, &pw_len, password, err))
		goto out;
	/* uuid 4: random bits with the version and variant fields set */
	if (RAND_bytes(kp.salt, SALT_LEN) != 1 || RAND_bytes(iv, IV_LEN) != 1 ||
	    RAND_bytes(uuid, sizeof(uuid)) != 1) {
		lc_err_ssl(err, "cannot get random bytes for the keystore");
		goto out;
	}
	uuid[6] = (uint8_t)((uuid[6] & 0x0f) | 0x40);
	uuid[8] = (uint8_t)((uuid[8] & 0x3f) | 0x80);
	if (derive_key(dk, pw, pw_len, &kp, err) ||
	    aes_ctr(ct, sk, dk, iv, err))
		goto out;
	checksum(sum, dk, ct);
	if (!(doc = keystore_json(&kp, sum, iv, ct, pk, path, uuid)) ||
	    !(*json = cJSON_Print(doc))) {
		lc_err_setc(err, LC_ERR_NOMEM, "out of memory");
		goto out;
	}
	ret = 0;
out:
	cJSON_Delete(doc);
	OPENSSL_cleanse(dk, sizeof(dk));
	if (pw) {
		OPENSSL_cleanse(pw, pw_len);
		free(pw);
	}
	return ret;
}

/* Field access for decrypt: each failure names the field. */
static const cJSON *get_obj(const cJSON *o, const char *key, const char *name,
			    struct lc_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!cJSON_IsObject(v)) {
		lc_err_set(err, "keystore: '%s' is missing or not an object",
			   name);
		return NULL;
	}
	return v;
}

static const char *get_str(const cJSON *o, const char *key, const char *name,
			   struct lc_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!cJSON_IsString(v) || !v->valuestring) {
		lc_err_set(err, "keystore: '%s' is missing or not a string",
			   name);
		return NULL;
	}
	return v->valuestring;
}

static int get_uint(uint64_t *out, const cJSON *o, const char *key,
		    uint64_t min, uint64_t max, const char *name,
		    struct lc_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	double d;

	if (!cJSON_IsNumber(v))
		return lc_err_set(err, "keystore: '%s' is missing or not a "
				  "number", name);
	d = v->valuedouble;
	/* The range test is written to be false for NaN as well. */
	if (!(d >= (double)min && d <= (double)max) ||
	    (double)(uint64_t)d != d) {
		if (min == max)
			return lc_err_set(err, "keystore: '%s' must be %llu",
					  name, (unsigned long long)min);
		return lc_err_set(err, "keystore: '%s' must be an integer "
				  "from %llu to %llu", name,
				  (unsigned long long)min,
				  (unsigned long long)max);
	}
	*out = (uint64_t)d;
	return 0;
}

static int get_hex(uint8_t *out, size_t *len, const cJSON *o, const char *key,
		   size_t min, size_t max, const char *name, struct lc_err *err)
{
	const char *s = get_str(o, key, name, err);

	if (!s)
		return -1;
	if (hex_decode(out, len, s, min, max)) {
		if (min == max)
			return lc_err_set(err, "keystore: '%s' must be %zu "
					  "bytes of hex", name, min);
		return lc_err_set(err, "keystore: '%s' must be %zu to %zu "
				  "bytes of hex", name, min, max);
	}
	return 0;
}

static int parse_kdf(struct kdf_params *kp, const cJSON *crypto,
		     struct lc_err *err)
{
	const cJSON *kdf, *params;
	const char *fn, *prf;
	uint64_t dklen;

	if (!(kdf = get_obj(crypto, "kdf", "crypto.kdf", err)) ||
	    !(fn = get_str(kdf, "function", "crypto.kdf.function", err)) ||
	    !(params = get_obj(kdf, "params", "crypto.kdf.params", err)) ||
	    get_uint(&dklen, params, "dklen", DK_LEN, DK_LEN,
		     "crypto.kdf.params.dklen", err) ||
	    get_hex(kp->salt, &kp->salt_len, params, "salt", 1, SALT_MAX,
		    "crypto.kdf.params.salt", err))
		return -1;
	if (!strcmp(fn, "scrypt")) {
		kp->fn = LC_KDF_SCRYPT;
		if (get_uint(&kp->n, params, "n", 2, (uint64_t)1 << 32,
			     "crypto.kdf.params.n", err) ||
		    get_uint(&kp->r, params, "r", 1, 1024,
			     "crypto.kdf.params.r", err) ||
		    get_uint(&kp->p, params, "p", 1, 1024,
			     "crypto.kdf.params.p", err))
			return -1;
		if (kp->n & (kp->n - 1))
			return lc_err_set(err, "keystore: scrypt n must be a "
					  "power of two");
		if (128 * kp->r * (kp->n + 2 + kp->p) > SCRYPT_MEM_MAX)
			return lc_err_set(err, "keystore: scrypt parameters "
					  "need more than 2 GiB of memory");
		return 0;
	}
	if (!strcmp(fn, "pbkdf2")) {
		kp->fn = LC_KDF_PBKDF2;
		if (!(prf = get_str(params, "prf", "crypto.kdf.params.prf",
				    err)))
			return -1;
		if (strcmp(prf, "hmac-sha256"))
			return lc_err_set(err, "keystore: unsupported pbkdf2 "
					  "prf '%.40s'", prf);
		return get_uint(&kp->c, params, "c", 1, PBKDF2_C_MAX,
				"crypto.kdf.params.c", err);
	}
	return lc_err_set(err, "keystore: unsupported kdf '%.40s'", fn);
}

/* Check a function name field equals want. */
static int want_fn(const cJSON *o, const char *want, const char *name,
		   struct lc_err *err)
{
	const char *fn = get_str(o, "function", name, err);

	if (!fn)
		return -1;
	if (strcmp(fn, want))
		return lc_err_set(err, "keystore: unsupported %s '%.40s'",
				  name, fn);
	return 0;
}

int lc_eip2335_decrypt(uint8_t sk[LC_BLS_SK_LEN], const char *json,
		       const char *password, struct lc_err *err)
{
	struct kdf_params kp;
	const cJSON *crypto, *sumo, *cipher, *cparams, *pubkey;
	cJSON *doc = NULL;
	uint8_t dk[DK_LEN], iv[IV_LEN], ct[LC_BLS_SK_LEN], want[32], got[32];
	uint8_t plain[LC_BLS_SK_LEN], pk[LC_BLS_PK_LEN], pk_want[LC_BLS_PK_LEN];
	uint8_t *pw = NULL;
	size_t pw_len = 0, n;
	uint64_t version;
	int ret = -1, have_pk = 0;

	memset(&kp, 0, sizeof(kp));
	if (!(doc = cJSON_ParseWithOpts(json, NULL, 1))) {
		lc_err_set(err, "keystore is not valid json");
		goto out;
	}
	if (get_uint(&version, doc, "version", 0, UINT32_MAX, "version", err))
		goto out;
	if (version != 4) {
		lc_err_set(err, "keystore: version %llu is not supported",
			   (unsigned long long)version);
		lc_err_hint(err, "only EIP-2335 version 4 keystores can be read");
		goto out;
	}
	if (!(crypto = get_obj(doc, "crypto", "crypto", err)) ||
	    parse_kdf(&kp, crypto, err) ||
	    !(sumo = get_obj(crypto, "checksum", "crypto.checksum", err)) ||
	    want_fn(sumo, "sha256", "crypto.checksum.function", err) ||
	    get_hex(want, &n, sumo, "message", 32, 32,
		    "crypto.checksum.message", err) ||
	    !(cipher = get_obj(crypto, "cipher", "crypto.cipher", err)) ||
	    want_fn(cipher, "aes-128-ctr", "crypto.cipher.function", err) ||
	    !(cparams = get_obj(cipher, "params", "crypto.cipher.params",
				err)) ||
	    get_hex(iv, &n, cparams, "iv", IV_LEN, IV_LEN,
		    "crypto.cipher.params.iv", err) ||
	    get_hex(ct, &n, cipher, "message", LC_BLS_SK_LEN, LC_BLS_SK_LEN,
		    "crypto.cipher.message", err))
		goto out;
	/* pubkey is optional: absent, null or "" means not given */
	pubkey = cJSON_GetObjectItemCaseSensitive(doc, "pubkey");
	have_pk = pubkey && !cJSON_IsNull(pubkey) &&
		  !(cJSON_IsString(pubkey) && !*pubkey->valuestring);
	if (have_pk && get_hex(pk_want, &n, doc, "pubkey", LC_BLS_PK_LEN,
			       LC_BLS_PK_LEN, "pubkey", err))
		goto out;

	if (lc_eip2335_password(&pw, &pw_len, password, err) ||
	    derive_key(dk, pw, pw_len, &kp, err))
		goto out;
	checksum(got, dk, ct);
	if (CRYPTO_memcmp(got, want, sizeof(got))) {
		lc_err_set(err, "wrong password: the keystore checksum does "
			   "not match");
		lc_err_hint(err, "check the password; if it is right, the "
			    "keystore file is corrupt");
		goto out;
	}
	if (aes_ctr(plain, ct, dk, iv, err))
		goto out;
	if (lc_bls_sk_to_pk(pk, plain, err)) {
		lc_err_prefix(err, "keystore");
		goto out;
	}
	if (have_pk && memcmp(pk, pk_want, sizeof(pk))) {
		lc_err_set(err, "keystore: the decrypted key does not match "
			   "its pubkey");
		goto out;
	}
	memcpy(sk, plain, LC_BLS_SK_LEN);
	ret = 0;
out:
	cJSON_Delete(doc);
	OPENSSL_cleanse(dk, sizeof(dk));
	OPENSSL_cleanse(plain, sizeof(plain));
	if (pw) {
		OPENSSL_cleanse(pw, pw_len);
		free(pw);
	}
	return ret;
}
