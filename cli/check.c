/* check.c - value validators for the manifest: names, URLs, addresses, SSH targets. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "hex.h"
#include "keccak.h"
#include "banned.h"

#define WHY(...) snprintf(why, whylen, __VA_ARGS__)
#define HINT(...) snprintf(hint, hintlen, __VA_ARGS__)

static int is_lower_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

int lc_check_lattice_name(const char *s, char *why, size_t whylen,
			  char *hint, size_t hintlen)
{
	size_t len = strlen(s), labels = 0, i = 0;

	hint[0] = '\0';
	HINT("use dot-separated lower-case labels of a-z, 0-9 and '-', "
	     "namespaced by your organisation, e.g. \"acme.ethereum.mainnet\"");
	if (len == 0)
		return WHY("it is empty"), -1;
	if (len > 253)
		return WHY("it is %zu characters long, more than 253", len), -1;
	while (i <= len) {
		size_t start = i, n;

		while (i < len && s[i] != '.')
			i++;
		n = i - start;
		labels++;
		if (n == 0)
			return WHY("it has an empty label"), -1;
		if (n > 63)
			return WHY("label '%.*s...' is longer than 63 characters",
				   10, s + start), -1;
		for (size_t k = start; k < i; k++) {
			unsigned char c = (unsigned char)s[k];

			if (c >= 'A' && c <= 'Z')
				return WHY("label '%.*s' has upper-case letters",
					   (int)n, s + start), -1;
			if (!is_lower_alnum(c) && c != '-')
				return WHY("label '%.*s' has a character other than a-z, 0-9 and '-'",
					   (int)n, s + start), -1;
		}
		if (s[start] == '-' || s[i - 1] == '-')
			return WHY("label '%.*s' starts or ends with '-'",
				   (int)n, s + start), -1;
		i++;
	}
	if (labels < 2) {
		HINT("prefix it with your organisation, e.g. \"acme.%s\"", s);
		return WHY("it is not namespaced (it has a single label)"), -1;
	}
	hint[0] = '\0';
	return 0;
}

int lc_check_ident(const char *s, char *why, size_t whylen)
{
	size_t i, len = strlen(s);

	if (len == 0)
		return WHY("it is empty"), -1;
	if (len > 64)
		return WHY("it is longer than 64 characters"), -1;
	if (!is_lower_alnum((unsigned char)s[0]))
		return WHY("it must start with a lower-case letter or digit"), -1;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!is_lower_alnum(c) && c != '-' && c != '.' && c != '_')
			return WHY("it has a character other than a-z, 0-9, '-', '_' and '.'"), -1;
	}
	return 0;
}

static int parse_port(const char *s, size_t n, unsigned *port)
{
	unsigned long v = 0;
	size_t i;

	if (n == 0 || n > 5)
		return -1;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return -1;
	*port = (unsigned)v;
	return 0;
}

static int is_ipv4(const char *h, unsigned char out[4])
{
	unsigned v[4];
	int n = 0;
	char tail;

	if (sscanf(h, "%3u.%3u.%3u.%3u%n%c", &v[0], &v[1], &v[2], &v[3], &n,
		   &tail) != 4 || h[n] != '\0')
		return 0;
	for (int i = 0; i < 4; i++) {
		if (v[i] > 255)
			return 0;
		out[i] = (unsigned char)v[i];
	}
	return 1;
}

/* A DNS host name: labels of letters, digits and '-', dots between. */
static int is_dns_name(const char *h)
{
	size_t i, lab = 0, len = strlen(h);

	if (len == 0 || len > 253 || h[0] == '.' || h[len - 1] == '.')
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)h[i];

		if (c == '.') {
			if (lab == 0 || h[i - 1] == '-')
				return 0;
			lab = 0;
			continue;
		}
		if (!isalnum(c) && c != '-' && c != '_')
			return 0;
		if (c == '-' && lab == 0)
			return 0;
		if (++lab > 63)
			return 0;
	}
	return h[len - 1] != '-';
}

static int is_ipv6(const char *h)
{
	size_t i, len = strlen(h);

	if (len < 2 || len > 45)
		return 0;
	for (i = 0; i < len; i++)
		if (!isxdigit((unsigned char)h[i]) && h[i] != ':' && h[i] != '.')
			return 0;
	return strchr(h, ':') != NULL;
}

/* Parse host[:port] or [v6][:port] from s (n bytes); host gets no brackets. */
static int parse_hostport(const char *s, size_t n, char *host, size_t hostlen,
			  unsigned *port, char *why, size_t whylen)
{
	const char *colon;
	size_t hn;

	*port = 0;
	if (n && s[0] == '[') {
		const char *close = memchr(s, ']', n);

		if (!close)
			return WHY("'[' without a closing ']'"), -1;
		hn = (size_t)(close - s - 1);
		if (hn >= hostlen)
			return WHY("host is too long"), -1;
		memcpy(host, s + 1, hn);
		host[hn] = '\0';
		if (!is_ipv6(host))
			return WHY("'[%s]' is not an IPv6 address", host), -1;
		s = close + 1;
		n -= hn + 2;
		if (n == 0)
			return 0;
		if (s[0] != ':' || parse_port(s + 1, n - 1, port))
			return WHY("the port must be a number from 1 to 65535"), -1;
		return 0;
	}
	colon = memchr(s, ':', n);
	hn = colon ? (size_t)(colon - s) : n;
	if (hn == 0)
		return WHY("the host is missing"), -1;
	if (hn >= hostlen)
		return WHY("host is too long"), -1;
	memcpy(host, s, hn);
	host[hn] = '\0';
	if (!is_dns_name(host))
		return WHY("'%s' is not a valid host name", host), -1;
	if (colon && parse_port(colon + 1, n - hn - 1, port))
		return WHY("the port must be a number from 1 to 65535"), -1;
	return 0;
}

static int is_loopback(const char *host)
{
	unsigned char ip[4];

	if (!strcasecmp(host, "localhost"))
		return 1;
	if (is_ipv4(host, ip))
		return ip[0] == 127;
	return !strcmp(host, "::1") || !strcmp(host, "0:0:0:0:0:0:0:1");
}

int lc_check_url(const char *s, struct lc_url *u, char *why, size_t whylen,
		 char *hint, size_t hintlen)
{
	const char *p = strstr(s, "://"), *auth, *end, *at;
	size_t i, slen;

	memset(u, 0, sizeof(*u));
	hint[0] = '\0';
	for (i = 0; s[i]; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f)
			return WHY("it contains a space or control character"), -1;
	if (!p)
		return WHY("it has no scheme (expected https://...)"), -1;
	slen = (size_t)(p - s);
	if (slen == 0 || slen >= sizeof(u->scheme))
		return WHY("its scheme is not http or https"), -1;
	for (i = 0; i < slen; i++)
		u->scheme[i] = (char)tolower((unsigned char)s[i]);
	if (strcmp(u->scheme, "https") && strcmp(u->scheme, "http")) {
		HINT("use an https:// URL");
		return WHY("scheme '%.*s' is not http or https", (int)slen, s), -1;
	}
	auth = p + 3;
	end = auth + strcspn(auth, "/?#");
	/* Credentials in a URL are allowed (providers put keys there); skip them. */
	at = memchr(auth, '@', (size_t)(end - auth));
	if (at)
		auth = at + 1;
	if (parse_hostport(auth, (size_t)(end - auth), u->host, sizeof(u->host),
			   &u->port, why, whylen))
		return -1;
	u->loopback = is_loopback(u->host);
	if (!strcmp(u->scheme, "http") && !u->loopback) {
		HINT("use https, or plain http only to a loopback host "
		     "(localhost, 127.0.0.1, [::1])");
		return WHY("it uses plain http to '%s', which is not a loopback host",
			   u->host), -1;
	}
	return 0;
}

int lc_is_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return s[n] == '\0';
}

void lc_eip55(const unsigned char addr[20], char out[43])
{
	unsigned char h[32];
	char lower[41];
	int i;

	lc_hex_encode(lower, addr, 20);
	lc_keccak256(h, lower, 40);
	out[0] = '0';
	out[1] = 'x';
	for (i = 0; i < 40; i++) {
		unsigned nib = (h[i / 2] >> (i % 2 ? 0 : 4)) & 15;
		char c = lower[i];

		out[2 + i] = (c >= 'a' && nib >= 8) ? (char)(c - 'a' + 'A') : c;
	}
	out[42] = '\0';
}

int lc_check_eth_address(const char *s, char canon[43], char *why,
			 size_t whylen, char *hint, size_t hintlen)
{
	unsigned char addr[20];
	int upper = 0, lower = 0, zero = 1, i;

	hint[0] = '\0';
	if (strncmp(s, "0x", 2) || !lc_is_hex(s + 2, 40) ||
	    lc_hex_decode(addr, 20, s + 2)) {
		HINT("write the address as 0x followed by 40 hex digits");
		return WHY("it is not 0x followed by 40 hex digits"), -1;
	}
	for (i = 0; i < 20; i++)
		if (addr[i])
			zero = 0;
	for (i = 2; i < 42; i++) {
		upper += s[i] >= 'A' && s[i] <= 'F';
		lower += s[i] >= 'a' && s[i] <= 'f';
	}
	lc_eip55(addr, canon);
	if (zero) {
		HINT("set the settlement contract's address");
		return WHY("it is the zero address"), -1;
	}
	if (upper && lower && strcmp(s, canon)) {
		HINT("a mixed-case address must carry a valid EIP-55 checksum: "
		     "check it was copied exactly");
		return WHY("its EIP-55 checksum is wrong"), -1;
	}
	return 0;
}

int lc_check_ssh_target(const char *s, struct lc_ssh_target *t, char *why,
			size_t whylen)
{
	const char *at = strrchr(s, '@'), *hp = s;
	size_t i, len = strlen(s);

	memset(t, 0, sizeof(*t));
	if (len == 0)
		return WHY("it is empty"), -1;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f)
			return WHY("it contains a space or control character"), -1;
	if (s[0] == '-')
		return WHY("it starts with '-'"), -1;
	if (at) {
		size_t ulen = (size_t)(at - s);

		if (ulen == 0)
			return WHY("the user before '@' is missing"), -1;
		if (ulen >= sizeof(t->user))
			return WHY("the user name is too long"), -1;
		for (i = 0; i < ulen; i++)
			if (!isalnum((unsigned char)s[i]) && !strchr("._-", s[i]))
				return WHY("user '%.*s' has a character other than letters, digits, '.', '_' and '-'",
					   (int)ulen, s), -1;
		memcpy(t->user, s, ulen);
		t->user[ulen] = '\0';
		hp = at + 1;
	}
	if (parse_hostport(hp, strlen(hp), t->host, sizeof(t->host), &t->port,
			   why, whylen))
		return -1;
	t->alias = !at && !t->port && !strchr(t->host, '.') &&
		   !strchr(t->host, ':');
	return 0;
}

/* Optimal string alignment distance, case-insensitive, capped at 8. */
static unsigned distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	unsigned d[33][33];

	if (la > 32 || lb > 32)
		return 8;
	for (i = 0; i <= la; i++)
		d[i][0] = (unsigned)i;
	for (j = 0; j <= lb; j++)
		d[0][j] = (unsigned)j;
	for (i = 1; i <= la; i++) {
		for (j = 1; j <= lb; j++) {
			int ca = tolower((unsigned char)a[i - 1]);
			int cb = tolower((unsigned char)b[j - 1]);
			unsigned cost = ca != cb;
			/* '-' for '_' is the commonest slip: count it as half a change. */
			unsigned v = d[i - 1][j - 1] + cost;

			if (cost && ((ca == '-' && cb == '_') || (ca == '_' && cb == '-')))
				v = d[i - 1][j - 1];
			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
			    tolower((unsigned char)a[i - 2]) == cb &&
			    d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[la][lb] > 8 ? 8 : d[la][lb];
}

const char *lc_suggest(const char *word, const char *const *cands)
{
	const char *best = NULL;
	unsigned bestd = 99, limit;
	size_t len = strlen(word);

	limit = len <= 3 ? 1 : len <= 6 ? 2 : 3;
	for (; *cands; cands++) {
		unsigned d = distance(word, *cands);

		if (d < bestd) {
			bestd = d;
			best = *cands;
		}
	}
	return bestd <= limit ? best : NULL;
}
