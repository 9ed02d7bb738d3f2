/* keystore.h - an atelier member's BLS key kept as an EIP-2335 keystore and its password file in the secrets store. */
#ifndef LC_KEYSTORE_H
#define LC_KEYSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "bls.h"
#include "err.h"
#include "secrets.h"

/* Their names in the store, from the member's host file name. */
#define LC_KEYSTORE_REL "bls/%s.keystore.json"
#define LC_KEYSTORE_PASSWORD_REL "bls/%s.password"
/* A public record: the sha256 of the keystore and password that last
 * opened to the key, so that an unchanged pair is not decrypted again. */
#define LC_KEYSTORE_OPENED_REL "bls/%s.keystore.opened"

/*
 * The keystores use PBKDF2-HMAC-SHA256 with EIP-2335's c = 262144, not
 * scrypt: the password is 32 random bytes, so a memory-hard KDF adds no
 * strength, while scrypt's n = 262144 costs 256 MiB and about a second
 * each time a keystore is made or opened (pbkdf2: about 60 ms).
 */
#define LC_KEYSTORE_KDF LC_KDF_PBKDF2

/*
 * Make sure bls/<hostid>.keystore.json holds sk (whose public key is pk,
 * derived along path) encrypted under the password in bls/<hostid>.password.
 *
 * With create, what is missing is made, once: the password first (32
 * random bytes as 64 lowercase hex digits and a newline, a store secret
 * like any other; that text without its newline is the password, and
 * EIP-2335's normalisation drops the newline anyway), then the keystore
 * (mode 0400, never replaced); then the keystore is opened with the
 * password and must give sk back.  That check is recorded (the pair's
 * sha256 in bls/<hostid>.keystore.opened, written once) and not made
 * again while both files stay as they were: the KDF costs about 60 ms a
 * keystore here, and far more under a sanitizer.  A keystore whose password file is
 * missing is an error (nothing is made).
 *
 * Without create nothing is written and nothing decrypted: an existing
 * keystore must name pk and path, and 1 is returned when either file is
 * missing (a store made before latticectl kept keystores; 'latticectl
 * up' makes them).
 *
 * *created and *reused are incremented per file made or found.  Returns
 * 0, 1 (missing, without create) or -1 with err set.
 */
int lc_keystore_ensure(struct lc_secrets *s, const char *hostid,
		       const uint8_t sk[LC_BLS_SK_LEN],
		       const uint8_t pk[LC_BLS_PK_LEN], const char *path,
		       int create, unsigned *created, unsigned *reused,
		       struct lc_err *err);

#endif
