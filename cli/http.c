/* http.c - what the CLI's HTTP clients share (libcurl): one global init, safe handles, URLs fit for messages. */
#include <string.h>

#include "check.h"
#include "http.h"
#include "banned.h"

int lc_http_global_init(struct lc_err *err)
{
	static int done;
	CURLcode rc;

	if (done)
		return 0;
	if ((rc = curl_global_init(CURL_GLOBAL_DEFAULT)) != CURLE_OK)
		return lc_err_set(err, "cannot initialise libcurl: %s",
				  curl_easy_strerror(rc));
	done = 1;
	return 0;
}

/* The parts of url: where the authority starts and ends, and where the
 * host (after any userinfo) starts. */
struct url_parts {
	const char *auth, *host, *end;
};

static int split(const char *url, struct url_parts *p)
{
	const char *s = strstr(url, "://"), *at;

	if (!s || s == url)
		return -1;
	p->auth = s + 3;
	p->end = p->auth + strcspn(p->auth, "/?#");
	p->host = p->auth;
	/* The last '@' ends the userinfo (a password may hold one too). */
	for (at = p->auth; at < p->end; at++)
		if (*at == '@')
			p->host = at + 1;
	return 0;
}

void lc_url_redact(char *out, size_t size, const char *url, int keep_path)
{
	struct url_parts p;
	size_t plen;

	if (!size)
		return;
	if (split(url, &p)) {
		snprintf(out, size, "(not a URL)");
		return;
	}
	if (!keep_path) {
		snprintf(out, size, "%.*s%.*s/\xe2\x80\xa6", (int)(p.auth - url), url,
			 (int)(p.end - p.host), p.host);
		return;
	}
	plen = strcspn(p.end, "?#");
	snprintf(out, size, "%.*s%.*s%.*s%s", (int)(p.auth - url), url,
		 (int)(p.end - p.host), p.host, (int)plen, p.end,
		 p.end[plen] == '?' ? "?\xe2\x80\xa6" : "");
}

CURL *lc_http_handle(const char *url, const char *shown,
		     const struct lc_http_opts *o, char *errbuf,
		     struct lc_err *err)
{
	char why[200], hint[160];
	struct lc_url u;
	CURL *c;

	if (lc_check_url(url, &u, why, sizeof(why), hint, sizeof(hint))) {
		lc_err_set(err, "%s is not an acceptable URL: %s", shown, why);
		if (hint[0])
			lc_err_hint(err, "%s", hint);
		return NULL;
	}
	if (!(c = curl_easy_init())) {
		lc_err_set(err, "cannot create an HTTP handle for %s", shown);
		return NULL;
	}
	errbuf[0] = '\0';
	if (curl_easy_setopt(c, CURLOPT_URL, url) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf) != CURLE_OK) {
		lc_err_set(err, "libcurl refuses the URL %s", shown);
		curl_easy_cleanup(c);
		return NULL;
	}
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "latticectl/" LC_VERSION);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, o->connect_ms);
	if (o->total_ms > 0)
		curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, o->total_ms);
	if (o->follow) {
		curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
		curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
		curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "https");
	} else {
		curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	}
	/* A loopback endpoint is never reached through a proxy. */
	if (u.loopback)
		curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	return c;
}

/* Whether text quotes the userinfo of url, or a piece (4 bytes or more
 * between '/', '?', '&', '=' and '#') of its path and query. */
static int quotes_secret(const char *text, const char *url)
{
	struct url_parts p;
	char part[1024];
	const char *s;
	size_t n;

	if (split(url, &p))
		return strstr(text, url) != NULL;
	if (p.host > p.auth) {
		snprintf(part, sizeof(part), "%.*s", (int)(p.host - 1 - p.auth), p.auth);
		if (part[0] && strstr(text, part))
			return 1;
	}
	for (s = p.end; *s; s += n) {
		s += strspn(s, "/?&=#");
		n = strcspn(s, "/?&=#");
		if (n < 4)
			continue;
		snprintf(part, sizeof(part), "%.*s", (int)n, s);
		if (strstr(text, part))
			return 1;
	}
	return 0;
}

int lc_http_fail(struct lc_err *err, CURLcode rc, const char *errbuf,
		 const char *url, const char *what, const char *shown)
{
	const char *reason = errbuf && errbuf[0] && !quotes_secret(errbuf, url) ?
			     errbuf : curl_easy_strerror(rc);
	int code = LC_ERR_FAIL;

	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		code = LC_ERR_TIMEOUT;
		break;
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		code = LC_ERR_CONNECT;
		break;
	default:
		break;
	}
	return lc_err_setc(err, code, "%s %s: %s", what, shown, reason);
}
