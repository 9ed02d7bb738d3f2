/* chain.h - before touching a host: every chain_rpc answers eth_chainId with the manifest's chain id (libcurl). */
#ifndef LC_CHAIN_H
#define LC_CHAIN_H

#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "manifest.h"

/* Ask url for eth_chainId (JSON-RPC 2.0 over HTTP POST) within
 * timeout_ms (10 s when 0); *chain_id gets the answer.  A timeout is
 * LC_ERR_TIMEOUT, a refused or unresolvable connection LC_ERR_CONNECT.
 * Messages show the URL without its userinfo and path (lc_url_redact). */
int lc_chain_id(const char *url, long timeout_ms, uint64_t *chain_id,
		struct lc_err *err);

/*
 * Every distinct chain_rpc of m (atelier's and tally's) must answer with
 * m->chain_id.  A mismatch names the URL and both ids; an endpoint that
 * does not answer names the URL and the reason, with a hint (--offline).
 * One line per endpoint checked goes to out.
 */
int lc_chain_check(const struct lc_manifest *m, long timeout_ms,
		   struct lc_buf *out, struct lc_err *err);

#endif
