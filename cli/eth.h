/* eth.h - secp256k1 keys and their Ethereum addresses. */
#ifndef LC_ETH_H
#define LC_ETH_H

#include <stdint.h>

#include "err.h"

#define LC_SECP_SK_LEN 32
#define LC_SECP_PUB_LEN 64 /* X || Y, without the 0x04 prefix */

/* A uniformly random valid secret key (1 <= sk < n). */
int lc_secp256k1_keygen(uint8_t sk[LC_SECP_SK_LEN], struct lc_err *err);
/* The uncompressed public key; fails on an invalid secret key. */
int lc_secp256k1_pub(uint8_t pub[LC_SECP_PUB_LEN],
		     const uint8_t sk[LC_SECP_SK_LEN], struct lc_err *err);
/* keccak256(pub)[12:32] in EIP-55 form: "0x" + 40 hex digits + NUL. */
int lc_eth_address(char out[43], const uint8_t sk[LC_SECP_SK_LEN],
		   struct lc_err *err);

#endif
