/* render.c - the members of a lattice as an orchestrator sees them: names, env files and secret files, from the layout. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "fileio.h"
#include "hex.h"
#include "render.h"
#include "sha256.h"
#include "banned.h"

void lc_render_dns(char out[LC_RENDER_NAME_MAX + 1], const char *name)
{
	char full[512], hex[65];
	uint8_t h[32];
	size_t i, n = 0;

	for (i = 0; name[i] && n < sizeof(full) - 1; i++) {
		char c = name[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
			c = '-';
		if (c == '-' && (n == 0 || full[n - 1] == '-'))
			continue; /* no leading or doubled dashes */
		full[n++] = c;
	}
	while (n && full[n - 1] == '-')
		n--;
	full[n] = '\0';
	if (n == 0) {
		full[n++] = 'x';
		full[n] = '\0';
	} else if (full[0] >= '0' && full[0] <= '9' && n + 2 < sizeof(full)) {
		/* A Service's name (RFC 1035) starts with a letter. */
		memmove(full + 2, full, n + 1);
		memcpy(full, "x-", 2);
		n += 2;
	}
	if (n <= LC_RENDER_NAME_MAX) {
		memcpy(out, full, n + 1);
		return;
	}
	/* Cut, and end in a hash of the whole name. */
	lc_sha256(h, name, strlen(name));
	lc_hex_encode(hex, h, 4);
	n = LC_RENDER_NAME_MAX - 9;
	while (n && full[n - 1] == '-')
		n--;
	memcpy(out, full, n);
	out[n] = '-';
	memcpy(out + n + 1, hex, 9);
}

int lc_render_env_object(cJSON *o, const char *text)
{
	const char *p = text, *nl, *eq;
	char key[128], *v;
	int ok;

	for (; *p; p = *nl ? nl + 1 : nl) {
		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p);
		if (*p == '#' || p == nl)
			continue;
		eq = memchr(p, '=', (size_t)(nl - p));
		if (!eq || (size_t)(eq - p) >= sizeof(key))
			continue;
		memcpy(key, p, (size_t)(eq - p));
		key[eq - p] = '\0';
		if (!(v = strndup(eq + 1, (size_t)(nl - eq - 1))))
			return -1;
		ok = cJSON_AddStringToObject(o, key, v) != NULL;
		free(v);
		if (!ok)
			return -1;
	}
	return 0;
}

void lc_render_wipe(cJSON *j)
{
	cJSON *c;

	if (!j)
		return;
	if (cJSON_IsString(j) && j->valuestring && !(j->type & cJSON_IsReference))
		sodium_memzero(j->valuestring, strlen(j->valuestring));
	for (c = j->child; c; c = c->next)
		lc_render_wipe(c);
}

/* The base64 of one secret file, wiped and freed by the caller. */
static char *secret_b64(const char *path, struct lc_err *err)
{
	struct lc_buf b;
	char *out = NULL;
	size_t n;

	lc_buf_init(&b, LC_BUF_NOMAX);
	if (lc_read_file(&b, path, 4096, err))
		goto out;
	n = sodium_base64_encoded_len(b.len, sodium_base64_VARIANT_ORIGINAL);
	if (!(out = malloc(n))) {
		lc_err_set(err, "out of memory");
		goto out;
	}
	sodium_bin2base64(out, n, (const unsigned char *)b.ptr, b.len,
			  sodium_base64_VARIANT_ORIGINAL);
out:
	if (b.ptr)
		sodium_memzero(b.ptr, b.len);
	lc_buf_release(&b);
	return out;
}

static int load_member(struct lc_render *r, struct lc_render_member *mb, size_t host,
		       int role, struct lc_err *err)
{
	char full[LC_HOSTID_MAX + 128];
	size_t k;

	mb->host = host;
	mb->role = role;
	lc_render_dns(mb->member, r->id->hostid[host]);
	snprintf(full, sizeof(full), "%s-%s-%s", r->base, lc_roles[role].name, mb->member);
	lc_render_dns(mb->name, full);
	if (lc_role_env_build(&mb->re, r->m, r->id, host, role, err))
		return -1;
	for (k = 0; k < mb->re.nsecrets; k++)
		if (!(mb->b64[k] = secret_b64(mb->re.secrets[k].path, err)))
			return -1;
	return 0;
}

int lc_render_load(struct lc_render *r, const struct lc_manifest *m,
		   const struct lc_identity *id, const struct lc_render_opts *o,
		   struct lc_err *err)
{
	size_t i, n = 0;
	int role;

	memset(r, 0, sizeof(*r));
	r->m = m;
	r->id = id;
	r->o = o;
	lc_buf_init(&r->common, 1 << 20);
	lc_render_dns(r->base, m->name);
	for (i = 0; i < m->nhosts; i++)
		for (role = 0; role < LC_ROLE_COUNT; role++)
			n += (m->hosts[i].roles >> role) & 1u;
	if (!(r->members = calloc(n ? n : 1, sizeof(*r->members))) ||
	    lc_common_env(&r->common, m, id))
		return lc_err_set(err, "out of memory");
	for (role = 0; role < LC_ROLE_COUNT; role++)
		for (i = 0; i < m->nhosts; i++) {
			if (!(m->hosts[i].roles & (1u << role)))
				continue;
			if (load_member(r, &r->members[r->nmembers++], i, role, err)) {
				lc_err_prefix(err, "%s on '%s'", lc_roles[role].name,
					      m->hosts[i].ssh);
				return -1;
			}
		}
	return 0;
}

void lc_render_release(struct lc_render *r)
{
	size_t i, k;

	for (i = 0; r->members && i < r->nmembers; i++) {
		struct lc_render_member *mb = &r->members[i];

		for (k = 0; k < LC_ROLE_SECRETS; k++)
			if (mb->b64[k]) {
				sodium_memzero(mb->b64[k], strlen(mb->b64[k]));
				free(mb->b64[k]);
			}
		lc_role_env_release(&mb->re);
	}
	free(r->members);
	r->members = NULL;
	lc_buf_release(&r->common);
}
