/* chain.c - before touching a host: every chain_rpc answers eth_chainId with the manifest's chain id (libcurl). */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "chain.h"
#include "http.h"
#include "banned.h"

/* An eth_chainId answer is a few dozen bytes; anything past this is not one. */
#define ANSWER_MAX (64 * 1024)

static const char request[] =
	"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_chainId\",\"params\":[]}";

struct answer {
	struct lc_buf body;
	int toobig;
};

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
	struct answer *a = arg;

	if (lc_buf_add(&a->body, p, size * n)) {
		a->toobig = 1;
		return 0; /* libcurl stops with CURLE_WRITE_ERROR */
	}
	return size * n;
}

/*
 * A JSON-RPC QUANTITY: "0x" and hex digits, which the spec writes without
 * leading zeros ("0x0" for zero); leading zeros are accepted all the same.
 * It must fit in 64 bits.
 */
static int parse_quantity(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	size_t i, sig = 0;

	if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X') || !s[2])
		return -1;
	for (i = 2; s[i]; i++) {
		int c = tolower((unsigned char)s[i]);
		unsigned d;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else
			return -1;
		if (sig || d)
			sig++;
		if (sig > 16)
			return -2;
		v = v << 4 | d;
	}
	*out = v;
	return 0;
}

/* Copy a peer's text into a message: printable ASCII only, at most max bytes. */
static void clean(char *out, size_t size, const char *s, size_t max)
{
	size_t i, n = 0;

	for (i = 0; s[i] && n + 1 < size && i < max; i++)
		out[n++] = (s[i] >= ' ' && s[i] < 0x7f) ? s[i] : '?';
	out[n] = '\0';
	if (s[i] && i == max && n + 4 < size)
		snprintf(out + n, size - n, "...");
}

/* What is asked of whom, for messages: "cannot get the chain id from
 * [label ]<shown URL>". */
struct ask {
	char what[80];
	char shown[300];
};

static int fail(struct lc_err *err, int code, const struct ask *q,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int fail(struct lc_err *err, int code, const struct ask *q,
		const char *fmt, ...)
{
	char reason[LC_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	return lc_err_setc(err, code, "%s %s: %s", q->what, q->shown, reason);
}

/* The chain id in a JSON-RPC response, or the error it carries. */
static int read_answer(const struct answer *a, const struct ask *q,
		       uint64_t *chain_id, struct lc_err *err)
{
	const cJSON *res, *e, *msg, *code;
	char text[160];
	cJSON *j;
	int rc = -1;

	if (!(j = cJSON_ParseWithLength(a->body.ptr, a->body.len)) || !cJSON_IsObject(j)) {
		fail(err, -1, q, "the answer is not a JSON-RPC response (%zu bytes, "
		     "not a JSON object)", a->body.len);
		goto out;
	}
	if ((e = cJSON_GetObjectItemCaseSensitive(j, "error")) && !cJSON_IsNull(e)) {
		msg = cJSON_GetObjectItemCaseSensitive(e, "message");
		code = cJSON_GetObjectItemCaseSensitive(e, "code");
		clean(text, sizeof(text), cJSON_IsString(msg) ? msg->valuestring :
		      "(no message)", 120);
		if (cJSON_IsNumber(code))
			fail(err, -1, q, "JSON-RPC error %.0f: %s", code->valuedouble, text);
		else
			fail(err, -1, q, "JSON-RPC error: %s", text);
		goto out;
	}
	res = cJSON_GetObjectItemCaseSensitive(j, "result");
	if (!cJSON_IsString(res)) {
		fail(err, -1, q, "the answer has no result string");
		goto out;
	}
	clean(text, sizeof(text), res->valuestring, 40);
	switch (parse_quantity(res->valuestring, chain_id)) {
	case 0:
		rc = 0;
		break;
	case -2:
		fail(err, -1, q, "the chain id %s does not fit in 64 bits", text);
		break;
	default:
		fail(err, -1, q, "the result \"%s\" is not a 0x hex quantity", text);
		break;
	}
out:
	cJSON_Delete(j);
	return rc;
}

/* lc_chain_id, with label ("chain_rpc") before the URL in messages. */
static int ask_chain_id(const char *url, const char *label, long timeout_ms,
			uint64_t *chain_id, struct lc_err *err)
{
	struct lc_http_opts o = { 0, 0, 0 };
	struct curl_slist *hdr, *h;
	char errbuf[CURL_ERROR_SIZE], subject[400];
	struct answer a;
	struct ask q;
	long status = 0;
	CURLcode rc;
	CURL *c = NULL;
	int ret = -1;

	if (timeout_ms <= 0)
		timeout_ms = 10000; /* never wait forever */
	o.connect_ms = o.total_ms = timeout_ms;
	snprintf(q.what, sizeof(q.what), "cannot get the chain id from%s%s",
		 label ? " " : "", label ? label : "");
	lc_url_redact(q.shown, sizeof(q.shown), url, 0);
	lc_buf_init(&a.body, ANSWER_MAX);
	a.toobig = 0;
	hdr = curl_slist_append(NULL, "Content-Type: application/json");
	if (!hdr || !(h = curl_slist_append(hdr, "Accept: application/json"))) {
		lc_err_setc(err, LC_ERR_NOMEM, "out of memory");
		goto out;
	}
	snprintf(subject, sizeof(subject), "%s%s%s", label ? label : "",
		 label ? " " : "", q.shown);
	if (!(c = lc_http_handle(url, subject, &o, errbuf, err)))
		goto out;
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, request);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)(sizeof(request) - 1));
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &a);
	rc = curl_easy_perform(c);
	if (a.toobig) {
		fail(err, -1, &q, "the answer is larger than %d KiB", ANSWER_MAX / 1024);
		goto out;
	}
	if (rc == CURLE_OPERATION_TIMEDOUT) {
		fail(err, LC_ERR_TIMEOUT, &q, "no answer within %ld ms", timeout_ms);
		goto out;
	}
	if (rc != CURLE_OK) {
		lc_http_fail(err, rc, errbuf, url, q.what, q.shown);
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200) {
		fail(err, -1, &q, "HTTP status %ld (expected 200)", status);
		goto out;
	}
	ret = read_answer(&a, &q, chain_id, err);
out:
	curl_slist_free_all(hdr);
	if (c)
		curl_easy_cleanup(c);
	lc_buf_release(&a.body);
	return ret ? err->code : 0;
}

int lc_chain_id(const char *url, long timeout_ms, uint64_t *chain_id,
		struct lc_err *err)
{
	return ask_chain_id(url, NULL, timeout_ms, chain_id, err);
}

/* A few well-known chains, for the mismatch hint. */
static const char *chain_name(uint64_t id)
{
	switch (id) {
	case 1: return " (Ethereum mainnet)";
	case 17000: return " (Holesky)";
	case 560048: return " (Hoodi)";
	case 11155111: return " (Sepolia)";
	case 1337: return " (a geth dev chain)";
	case 31337: return " (an Anvil or Hardhat devnet)";
	default: return "";
	}
}

static int check_one(const struct lc_manifest *m, const char *url,
		     const char *label, long timeout_ms, struct lc_buf *out,
		     struct lc_err *err)
{
	char shown[300];
	uint64_t id = 0;

	lc_url_redact(shown, sizeof(shown), url, 0);
	if (ask_chain_id(url, label, timeout_ms, &id, err)) {
		if (!err->hint[0])
			lc_err_hint(err, "check the endpoint, or run with --offline "
				    "to skip this check (not for production)");
		return err->code;
	}
	if (id != m->chain_id) {
		lc_err_set(err, "%s %s answers chain id %llu, but the manifest says %llu",
			   label, shown, (unsigned long long)id,
			   (unsigned long long)m->chain_id);
		lc_err_hint(err, "point %s at a node of chain %llu%s, not %llu%s; "
			    "chain_id is part of the lattice's identity", label,
			    (unsigned long long)m->chain_id, chain_name(m->chain_id),
			    (unsigned long long)id, chain_name(id));
		return -1;
	}
	if (lc_buf_printf(out, "%s %s: chain id %llu, as the manifest says\n",
			  label, shown, (unsigned long long)id))
		return lc_err_set(err, "out of memory");
	return 0;
}

int lc_chain_check(const struct lc_manifest *m, long timeout_ms,
		   struct lc_buf *out, struct lc_err *err)
{
	const char *a = m->atelier.chain_rpc, *t = m->tally.chain_rpc;
	char sa[300], st[300];
	int same;

	if (!a && !t) {
		lc_err_set(err, "the manifest has no chain_rpc to check");
		lc_err_hint(err, "set chain_rpc in [organisms.atelier] and "
			    "[organisms.tally]");
		return -1;
	}
	if (!a || !t || !strcmp(a, t))
		return check_one(m, a ? a : t, "chain_rpc", timeout_ms, out, err);
	/* Two endpoints: say whose, as their shown forms may look the same. */
	lc_url_redact(sa, sizeof(sa), a, 0);
	lc_url_redact(st, sizeof(st), t, 0);
	same = !strcmp(sa, st);
	if (check_one(m, a, same ? "atelier's chain_rpc" : "chain_rpc",
		      timeout_ms, out, err))
		return err->code;
	return check_one(m, t, same ? "tally's chain_rpc" : "chain_rpc",
			 timeout_ms, out, err);
}
