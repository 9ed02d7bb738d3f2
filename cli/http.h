/* http.h - what the CLI's HTTP clients share (libcurl): one global init, safe handles, URLs fit for messages. */
#ifndef LC_HTTP_H
#define LC_HTTP_H

#include <stddef.h>

#include <curl/curl.h>

#include "err.h"

/*
 * curl_global_init, once.  Call it from main() before any thread starts
 * (libcurl's global init is not safe to race); later calls do nothing.
 */
int lc_http_global_init(struct lc_err *err);

/*
 * A URL as it may appear in a message: the userinfo dropped, and after
 * scheme://host[:port] either "/…" (keep_path 0: a chain_rpc path often
 * holds the provider's API key) or the path without its query and
 * fragment ("?…" marks a dropped query).  Never fails; a URL without a
 * scheme prints as "(not a URL)".
 */
void lc_url_redact(char *out, size_t size, const char *url, int keep_path);

/* Options every transfer of ours gets. */
struct lc_http_opts {
	long connect_ms;      /* connection set-up (TCP and TLS) */
	long total_ms;        /* the whole transfer; 0: no limit */
	int follow;           /* follow up to 5 redirects, https only */
};

/*
 * An easy handle for url: http or https only (the URL must pass
 * lc_check_url: plain http only to a loopback host), no proxy for a
 * loopback host, no signals, our User-Agent, errbuf (CURL_ERROR_SIZE
 * bytes, owned by the caller) as the error buffer.  Free with
 * curl_easy_cleanup.  The message of a refused URL names shown.
 */
CURL *lc_http_handle(const char *url, const char *shown,
		     const struct lc_http_opts *o, char *errbuf,
		     struct lc_err *err);

/*
 * Describe a failed transfer in err: "<what> <shown>: <reason>", the
 * reason from errbuf (unless it could quote a secret part of url) or
 * curl's text for rc.  A timeout is LC_ERR_TIMEOUT, a refused or
 * unresolvable connection LC_ERR_CONNECT.  Returns the code.
 */
int lc_http_fail(struct lc_err *err, CURLcode rc, const char *errbuf,
		 const char *url, const char *what, const char *shown);

#endif
