/* check.h - validators for the values a manifest holds: names, URLs, addresses, SSH targets. */
#ifndef LC_CHECK_H
#define LC_CHECK_H

#include <stddef.h>

/*
 * Each checker returns 0 when the value is acceptable, or -1 and writes a
 * short lowercase reason (no subject, e.g. "label 'Acme' has upper-case
 * letters") into why, and where useful a hint into hint.
 */

/* A namespaced lattice name: dot-separated DNS labels, at least two. */
int lc_check_lattice_name(const char *s, char *why, size_t whylen,
			  char *hint, size_t hintlen);

/* An identifier-like value such as a block schema or relay policy. */
int lc_check_ident(const char *s, char *why, size_t whylen);

struct lc_url {
	char scheme[8];   /* "http" or "https" */
	char host[256];   /* without brackets for IPv6 */
	unsigned port;    /* 0 when not written */
	int loopback;     /* host is localhost, 127.0.0.0/8 or ::1 */
};

/* An RPC/endpoint URL: https, or http only to a loopback host. */
int lc_check_url(const char *s, struct lc_url *u, char *why, size_t whylen,
		 char *hint, size_t hintlen);

/* An Ethereum address: 0x + 40 hex digits; a mixed-case one must carry a
 * valid EIP-55 checksum.  canon (43 bytes) receives the checksummed form. */
int lc_check_eth_address(const char *s, char canon[43], char *why,
			 size_t whylen, char *hint, size_t hintlen);
/* Write the EIP-55 form of 20 address bytes into out (43 bytes). */
void lc_eip55(const unsigned char addr[20], char out[43]);

struct lc_ssh_target {
	char user[64];
	char host[256];
	unsigned port; /* 0 when not written */
	int alias;     /* a bare name: may be an ssh_config alias */
};

/* user@host[:port], host[:port], [v6]:port, or an ssh_config alias. */
int lc_check_ssh_target(const char *s, struct lc_ssh_target *t, char *why,
			size_t whylen);

/* n hexadecimal digits exactly (either case). */
int lc_is_hex(const char *s, size_t n);

/* The candidate nearest to word by edit distance, if close enough to be
 * a likely typo; NULL otherwise.  cands ends with NULL. */
const char *lc_suggest(const char *word, const char *const *cands);

#endif
