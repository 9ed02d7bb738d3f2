/* ceremony.c - the coordinator's machinery: members on the fan-out, parallel steps, agent calls, the recorded transcript, host checks. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "ceremony_priv.h"
#include "fileio.h"
#include "hex.h"
#include "banned.h"

static int by_hostid(const void *a, const void *b, void *ctx)
{
	const struct lc_manifest *m = ctx;
	char x[LC_HOSTID_MAX], y[LC_HOSTID_MAX];

	lc_hostid(x, &m->hosts[*(const size_t *)a]);
	lc_hostid(y, &m->hosts[*(const size_t *)b]);
	return strcmp(x, y);
}

static void sort_hosts(size_t *v, size_t n, const struct lc_manifest *m)
{
	size_t i, j;

	for (i = 1; i < n; i++) {
		size_t x = v[i];

		for (j = i; j > 0 && by_hostid(&v[j - 1], &x, (void *)m) > 0; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

int cer_setup(struct cer *c, struct lc_fanout *f, const struct lc_manifest *m,
	      int which, struct lc_err *err)
{
#ifdef LC_TEST_HOOKS
	const char *log = getenv("LATTICECTL_TEST_RELAY_LOG");
#else
	const char *log = NULL;
#endif
	unsigned n = 0, t;
	size_t k;

	memset(c, 0, sizeof(*c));
	pthread_mutex_init(&c->mu, NULL);
	c->f = f;
	c->m = m;
	c->which = which;
	c->role = lc_ceremony_role(which);
	c->org = lc_ceremony_org(which);
	t = which == LC_DKG_OFFER ? m->offer.threshold.t : m->unseal.threshold.t;
	if (f && (f->n != m->nhosts))
		return lc_err_set(err, "the connections do not match the manifest's hosts");
	for (k = 0; k < m->nhosts; k++) {
		if (f && strcmp(f->hosts[k].name, m->hosts[k].ssh))
			return lc_err_set(err, "connection %zu is to '%s', not to the manifest's "
					  "'%s'", k + 1, f->hosts[k].name, m->hosts[k].ssh);
		n += !!(m->hosts[k].roles & (1u << c->role));
	}
	if (n < 1 || n > LC_DKGW_MAX_N)
		return lc_err_set(err, "the %s committee has %u members; a ceremony takes 1 to %d",
				  c->org, n, LC_DKGW_MAX_N);
	if (lc_tr_init(&c->tr, t, n, err))
		return -1;
	c->host = calloc(n, sizeof(*c->host));
	c->dead = calloc(n, sizeof(*c->dead));
	c->merr = calloc(n, sizeof(*c->merr));
	c->cpu_ms = calloc(n, sizeof(*c->cpu_ms));
	if (!c->host || !c->dead || !c->merr || !c->cpu_ms)
		return lc_err_set(err, "out of memory");
	for (k = 0, n = 0; k < m->nhosts; k++)
		if (m->hosts[k].roles & (1u << c->role))
			c->host[n++] = k;
	sort_hosts(c->host, n, m);
	for (k = 0; k < n; k++)
		snprintf(c->tr.m[k].host, sizeof(c->tr.m[k].host), "%s", m->hosts[c->host[k]].ssh);
	snprintf(c->tr.lattice, sizeof(c->tr.lattice), "%s", m->name);
	snprintf(c->tr.organism, sizeof(c->tr.organism), "%s", c->org);
	snprintf(c->tr.role, sizeof(c->tr.role), "%s", lc_roles[c->role].name);
	if (log && *log && !(c->relay = fopen(log, "a")))
		return lc_err_set(err, "cannot open LATTICECTL_TEST_RELAY_LOG '%s': %s", log,
				  strerror(errno));
	return 0;
}

void cer_release(struct cer *c)
{
	lc_tr_release(&c->tr);
	free(c->host);
	free(c->dead);
	free(c->merr);
	free(c->cpu_ms);
	if (c->relay)
		fclose(c->relay);
	pthread_mutex_destroy(&c->mu);
	memset(c, 0, sizeof(*c));
}

unsigned cer_all(const struct cer *c, unsigned *v)
{
	unsigned i;

	for (i = 0; i < c->tr.n; i++)
		v[i] = i + 1;
	return c->tr.n;
}

int cer_fail(struct cer *c, unsigned i, const char *fmt, ...)
{
	char who[LC_DKGW_HOST_MAX + 32], msg[LC_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return lc_err_set(&c->merr[i - 1], "%s: %s", lc_tr_who(&c->tr, i, who, sizeof(who)),
			  msg);
}

int cer_hex(struct cer *c, unsigned i, const cJSON *o, const char *key, uint8_t *out,
	    size_t n)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));

	if (!s || strlen(s) != 2 * n || lc_hex_decode(out, n, s))
		return cer_fail(c, i, "its answer has no valid '%s'", key);
	return 0;
}

static void relay_log(struct cer *c, unsigned i, const char *dir, const cJSON *msg)
{
	char *text;

	if (!c->relay || !(text = cJSON_PrintUnformatted(msg)))
		return;
	pthread_mutex_lock(&c->mu);
	fprintf(c->relay, "{\"organism\":\"%s\",\"member\":%u,\"host\":\"%s\",\"%s\":%s}\n",
		c->org, i, c->tr.m[i - 1].host, dir, text);
	fflush(c->relay);
	pthread_mutex_unlock(&c->mu);
	free(text);
}

int cer_call(struct cer *c, unsigned i, cJSON *req, cJSON **reply)
{
	struct lc_fanout_host *h = &c->f->hosts[c->host[i - 1]];
	const cJSON *e;
	struct lc_agent *a;
	const char *msg;
	char op[32];

	*reply = NULL;
	snprintf(op, sizeof(op), "%s", cJSON_GetStringValue(cJSON_GetObjectItem(req, "op")));
	if (c->dead[i - 1])
		return cer_fail(c, i, "its session failed earlier");
	if (lc_fanout_agent(h, &a)) {
		c->dead[i - 1] = 1;
		return cer_fail(c, i, "%s", h->err.msg);
	}
	if (!cJSON_GetObjectItem(req, "lattice"))
		cJSON_AddStringToObject(req, "lattice", c->m->name);
	if (!cJSON_GetObjectItem(req, "role"))
		cJSON_AddStringToObject(req, "role", lc_roles[c->role].name);
	relay_log(c, i, "to", req);
	if (lc_agent_call(a, req, reply, &c->merr[i - 1])) {
		c->dead[i - 1] = 1;
		if (c->merr[i - 1].code == LC_ERR_TIMEOUT)
			return cer_fail(c, i, "no answer to %s within %d s (silent)", op,
					c->f->ssh_opts ? c->f->ssh_opts->io_timeout_ms / 1000 : 0);
		return cer_fail(c, i, "%s: %s", op, c->merr[i - 1].msg);
	}
	relay_log(c, i, "from", *reply);
	if (!cJSON_IsTrue(cJSON_GetObjectItem(*reply, "ok"))) {
		e = cJSON_GetObjectItem(*reply, "error");
		msg = cJSON_GetStringValue(cJSON_GetObjectItem(e, "message"));
		cer_fail(c, i, "the agent refused %s: %s", op, msg ? msg : "no reason given");
		c->merr[i - 1].code = LC_ERR_FAIL;
		cJSON_Delete(*reply);
		*reply = NULL;
		return -1;
	}
	return 0;
}

static void *worker(void *arg)
{
	struct cer *c = arg;

	for (;;) {
		unsigned i;

		pthread_mutex_lock(&c->mu);
		if (c->next >= c->ntodo) {
			pthread_mutex_unlock(&c->mu);
			return NULL;
		}
		i = c->todo[c->next++];
		pthread_mutex_unlock(&c->mu);
		lc_err_clear(&c->merr[i - 1]);
		if (c->fn(c, i) && !c->merr[i - 1].msg[0])
			cer_fail(c, i, "failed");
		else if (!c->merr[i - 1].msg[0])
			c->merr[i - 1].code = 0;
	}
}

int cer_each(struct cer *c, const char *step, const unsigned *todo, unsigned k, cer_fn fn,
	     void *arg, struct lc_err *err)
{
	pthread_t th[64];
	unsigned i, nth, failed = 0;
	const char *hint = NULL;
	struct lc_buf msg;

	c->step = step;
	c->fn = fn;
	c->todo = todo;
	c->ntodo = k;
	c->next = 0;
	c->arg = arg;
	for (i = 0; i < k; i++)
		lc_err_clear(&c->merr[todo[i] - 1]);
	nth = (unsigned)(c->f && c->f->jobs > 0 ? c->f->jobs : 16);
	if (nth > k)
		nth = k;
	if (nth > sizeof(th) / sizeof(th[0]))
		nth = sizeof(th) / sizeof(th[0]);
	for (i = 0; i < nth; i++)
		if (pthread_create(&th[i], NULL, worker, c)) {
			nth = i;
			break;
		}
	if (nth == 0)
		worker(c);
	for (i = 0; i < nth; i++)
		pthread_join(th[i], NULL);
	/* Notes from connecting (a bundle installed, a host key recorded). */
	for (i = 0; c->f && i < k; i++) {
		struct lc_fanout_host *h = &c->f->hosts[c->host[todo[i] - 1]];

		if (h->note.len && !c->f->quiet && !c->f->json)
			fprintf(stderr, "%s: %s%s", h->name, h->note.ptr,
				h->note.ptr[h->note.len - 1] == '\n' ? "" : "\n");
		lc_buf_reset(&h->note);
	}
	lc_err_clear(err);
	lc_buf_init(&msg, LC_ERR_MSG_MAX);
	for (i = 0; i < k; i++) {
		const struct lc_err *e = &c->merr[todo[i] - 1];

		if (!e->msg[0])
			continue;
		if (!failed++) {
			lc_buf_printf(&msg, "%s ceremony, %s: %s", c->org, step, e->msg);
			hint = e->hint;
		} else {
			lc_buf_printf(&msg, "; %s", e->msg);
		}
	}
	if (failed) {
		lc_err_set(err, "%s", msg.len ? msg.ptr : "a member failed");
		if (hint && hint[0])
			lc_err_hint(err, "%s", hint);
	}
	lc_buf_release(&msg);
	return failed ? -1 : 0;
}

/* check_hosts: member i's share against the transcript; c->arg: activate. */
static int check_one(struct cer *c, unsigned i)
{
	const struct lc_tr_member *mb = &c->tr.m[i - 1];
	cJSON *req = cJSON_CreateObject(), *reply = NULL;
	const cJSON *act, *p;
	char vk[65], cid[65], pending[128];
	const char *have;
	int rc = -1, activate = *(int *)c->arg;

	if (!req)
		return cer_fail(c, i, "out of memory");
	lc_hex_encode(vk, mb->vk, 32);
	lc_hex_encode(cid, c->tr.cid, 32);
	cJSON_AddStringToObject(req, "op", "dkg_status");
	if (cer_call(c, i, req, &reply))
		goto out;
	act = cJSON_GetObjectItem(reply, "active");
	have = cJSON_GetStringValue(cJSON_GetObjectItem(act, "public_key"));
	if (have && !strcmp(have, vk)) {
		rc = 0;
		goto out;
	}
	/* A pending share of this ceremony: the run stopped before activating. */
	snprintf(pending, sizeof(pending), "%s.dkg.pending-%.16s", lc_roles[c->role].name, cid);
	cJSON_ArrayForEach(p, cJSON_GetObjectItem(reply, "pending"))
		if (!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(p, "name")) ?: "", pending) &&
		    !strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(p, "public_key")) ?: "", vk))
			break;
	if (p && activate) {
		cJSON_Delete(req);
		cJSON_Delete(reply);
		reply = NULL;
		if (!(req = cJSON_CreateObject()))
			return cer_fail(c, i, "out of memory");
		cJSON_AddStringToObject(req, "op", "dkg_activate");
		cJSON_AddStringToObject(req, "ceremony", cid);
		cJSON_AddStringToObject(req, "public_key", vk);
		rc = cer_call(c, i, req, &reply);
		goto out;
	}
	if (p)
		cer_fail(c, i, "its key share of this ceremony is still pending, not active");
	else if (!act || cJSON_IsNull(act))
		cer_fail(c, i, "it has no active %s key share (lost?)", c->org);
	else if (cJSON_IsTrue(cJSON_GetObjectItem(act, "corrupt")))
		cer_fail(c, i, "its active %s key share is corrupt", c->org);
	else
		cer_fail(c, i, "its active %s key share is not the one this ceremony gave it "
			 "(public key %.16s..., recorded %.16s...)", c->org, have, vk);
out:
	cJSON_Delete(req);
	cJSON_Delete(reply);
	return rc;
}

int lc_ceremony_check_hosts(struct lc_fanout *f, const struct lc_manifest *m, int which,
			    const char *statedir, int activate, struct lc_buf *out,
			    struct lc_err *err)
{
	struct cer c;
	unsigned *all = NULL, n, i, bad = 0;
	char why[256], who[LC_DKGW_HOST_MAX + 32];
	int rc = -1;

	if (cer_setup(&c, f, m, which, err))
		goto out;
	lc_tr_release(&c.tr);
	if (lc_ceremony_load(&c.tr, statedir, which, err))
		goto out;
	if (lc_ceremony_matches(&c.tr, m, which, why, sizeof(why))) {
		lc_err_set(err, "%s", why);
		lc_err_hint(err, "a new committee needs a new ceremony (a fingerprint change): "
			    "'latticectl dkg run %s --new-identity'", c.org);
		goto out;
	}
	/* The members in the transcript's order, on their hosts. */
	for (i = 0; i < c.tr.n; i++) {
		size_t k;

		for (k = 0; k < m->nhosts && strcmp(m->hosts[k].ssh, c.tr.m[i].host); k++)
			;
		c.host[i] = k;
	}
	if (!(all = calloc(c.tr.n, sizeof(*all)))) {
		lc_err_set(err, "out of memory");
		goto out;
	}
	n = cer_all(&c, all);
	if (cer_each(&c, "share check", all, n, check_one, &activate, err)) {
		for (i = 0; i < n; i++)
			bad += c.merr[i].msg[0] != 0;
		lc_err_hint(err, "%u of %u members hold their share; the key works while %u do. "
			    "A lost share cannot be remade: restore it from that host's backup, "
			    "or run 'latticectl dkg run %s --new-identity' (a fingerprint change)",
			    n - bad, n, c.tr.t, c.org);
		goto out;
	}
	for (i = 0; i < n; i++)
		if (c.tr.m[i].disqualified)
			lc_buf_printf(out, "warning: %s: %s was disqualified in the ceremony: %s\n",
				      c.org, lc_tr_who(&c.tr, i + 1, who, sizeof(who)),
				      c.tr.m[i].dq_why);
	lc_buf_printf(out, "%s: all %u members hold their key share (%u-of-%u, group key "
		      "%02x%02x%02x%02x...)\n", c.org, n, c.tr.t, c.tr.n, c.tr.group_pk[0],
		      c.tr.group_pk[1], c.tr.group_pk[2], c.tr.group_pk[3]);
	rc = 0;
out:
	free(all);
	cer_release(&c);
	return rc;
}
