/* manifest.c - reading lattice.toml into struct lc_manifest, one diagnostic per problem. */
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "hex.h"
#include "blake3.h"
#include "manifest.h"
#include "toml.h"
#include "banned.h"

#define MAX_HOSTS 1000

/* The loader's working state: the model being filled and where problems go. */
struct ld {
	struct lc_manifest *m;
	struct lc_diags *d;
};

static const char *article(enum lc_toml_type t)
{
	switch (t) {
	case LC_TOML_STRING: return "a string";
	case LC_TOML_INTEGER: return "an integer";
	case LC_TOML_FLOAT: return "a float";
	case LC_TOML_BOOL: return "a boolean";
	case LC_TOML_DATETIME: return "a date-time";
	case LC_TOML_DATETIME_LOCAL: return "a local date-time";
	case LC_TOML_DATE_LOCAL: return "a date";
	case LC_TOML_TIME_LOCAL: return "a time";
	case LC_TOML_ARRAY: return "an array";
	case LC_TOML_TABLE: return "a table";
	}
	return "a value";
}

/* Report every key of t not in known, with the likeliest intended one. */
static void unknown_keys(struct ld *l, const struct lc_toml_table *t,
			 const char *tname, const char *const *known)
{
	size_t i, k;

	for (i = 0; i < t->len; i++) {
		const struct lc_toml_kv *kv = &t->kv[i];
		const char *sug;
		char list[256];
		size_t n = 0;

		for (k = 0; known[k]; k++)
			if (!strcmp(kv->key, known[k]))
				break;
		if (known[k])
			continue;
		lc_diag_add(l->d, LC_SEV_ERROR, kv->line, kv->col,
			    "unknown key '%s' in %s", kv->key, tname);
		if ((sug = lc_suggest(kv->key, known))) {
			lc_diag_hint(l->d, "did you mean '%s'?", sug);
			continue;
		}
		list[0] = '\0';
		for (k = 0; known[k] && n < sizeof(list); k++)
			n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s",
					      k ? ", " : "", known[k]);
		lc_diag_hint(l->d, "the keys %s takes are: %s", tname, list);
	}
}

/* Whether t holds an unknown key that is a likely typo of key: that key's
 * "did you mean" diagnostic then stands for the missing one. */
static int typo_of(const struct lc_toml_table *t, const char *key)
{
	const char *const cand[] = { key, NULL };
	size_t i;

	for (i = 0; i < t->len; i++)
		if (strcmp(t->kv[i].key, key) && lc_suggest(t->kv[i].key, cand))
			return 1;
	return 0;
}

/*
 * The value of key in t if it has the wanted type.  A missing required
 * key or a wrong type is reported (at the table or at the value) with an
 * example of the right form; NULL is returned then.
 */
static const struct lc_toml_value *field(struct ld *l,
					 const struct lc_toml_table *t,
					 const char *tname, const char *key,
					 enum lc_toml_type type, int required,
					 const char *example)
{
	const struct lc_toml_kv *kv = t ? lc_toml_get(t, key) : NULL;

	if (!kv) {
		if (required && t && !typo_of(t, key)) {
			lc_diag_add(l->d, LC_SEV_ERROR, t->line, t->col,
				    "missing required key '%s' in %s", key, tname);
			lc_diag_hint(l->d, "add %s", example);
		}
		return NULL;
	}
	if (kv->val->type != type) {
		lc_diag_add(l->d, LC_SEV_ERROR, kv->val->line, kv->val->col,
			    "'%s' in %s must be %s, not %s", key, tname,
			    article(type), article(kv->val->type));
		lc_diag_hint(l->d, "write it as %s", example);
		return NULL;
	}
	return kv->val;
}

/*
 * An integer field from lo to hi, or NULL: missing (reported when
 * required), of another type, or out of range ("<key> N in <table> is out
 * of range", with hint).
 */
static const struct lc_toml_value *int_field(struct ld *l, const struct lc_toml_table *t,
					     const char *tname, const char *key, int required,
					     const char *example, long long lo, long long hi,
					     const char *hint)
{
	const struct lc_toml_value *v = field(l, t, tname, key, LC_TOML_INTEGER, required,
					      example);

	if (v && (v->u.i < lo || v->u.i > hi)) {
		lc_diag_add(l->d, LC_SEV_ERROR, v->line, v->col, "%s %lld in %s is out of range",
			    key, (long long)v->u.i, tname);
		lc_diag_hint(l->d, "%s", hint);
		return NULL;
	}
	return v;
}

/* A string value without NUL bytes, or NULL (reported). */
static const char *str_value(struct ld *l, const struct lc_toml_value *v,
			     const char *key, const char *tname)
{
	if (!v)
		return NULL;
	if (strlen(v->u.str.ptr) != v->u.str.len) {
		lc_diag_add(l->d, LC_SEV_ERROR, v->line, v->col,
			    "'%s' in %s contains a NUL character", key, tname);
		lc_diag_hint(l->d, "remove the \\u0000 escape");
		return NULL;
	}
	return v->u.str.ptr;
}

static const char *str_field(struct ld *l, const struct lc_toml_table *t,
			     const char *tname, const char *key, int required,
			     const char *example)
{
	return str_value(l, field(l, t, tname, key, LC_TOML_STRING, required,
				  example), key, tname);
}

/* A sub-table; a missing required one is reported at pos. */
static const struct lc_toml_table *table_field(struct ld *l,
					       const struct lc_toml_table *t,
					       const char *tname,
					       const char *key,
					       const char *fullname,
					       int required)
{
	const struct lc_toml_kv *kv = t ? lc_toml_get(t, key) : NULL;
	unsigned line = t && t->line ? t->line : 1, col = t && t->col ? t->col : 1;

	if (!kv) {
		if (required) {
			lc_diag_add(l->d, LC_SEV_ERROR, line, col,
				    "missing required table %s", fullname);
			lc_diag_hint(l->d, "add a %s section; lattice.toml(5) "
				     "lists its keys", fullname);
		}
		return NULL;
	}
	if (kv->val->type != LC_TOML_TABLE) {
		lc_diag_add(l->d, LC_SEV_ERROR, kv->val->line, kv->val->col,
			    "'%s' in %s must be a table, not %s", key, tname,
			    article(kv->val->type));
		lc_diag_hint(l->d, "write it as a %s section", fullname);
		return NULL;
	}
	return kv->val->u.tab;
}

static void load_lattice(struct ld *l, const struct lc_toml_table *root)
{
	static const char *const known[] = { "name", "chain_id", "tdx", "dkg", NULL };
	const char *T = "[lattice]";
	const struct lc_toml_table *t;
	const struct lc_toml_value *v;
	const char *s;
	char why[160], hint[200];

	t = table_field(l, root, "the top level", "lattice", T, 1);
	if (!t)
		return;
	unknown_keys(l, t, T, known);
	s = str_field(l, t, T, "name", 1, "name = \"acme.ethereum.mainnet\"");
	if (s && lc_check_lattice_name(s, why, sizeof(why), hint, sizeof(hint))) {
		v = lc_toml_get(t, "name")->val;
		lc_diag_add(l->d, LC_SEV_ERROR, v->line, v->col,
			    "lattice name '%s' is not valid: %s", s, why);
		lc_diag_hint(l->d, "%s", hint);
	} else if (s) {
		l->m->name = s;
	}
	v = field(l, t, T, "chain_id", LC_TOML_INTEGER, 1, "chain_id = 1");
	if (v && v->u.i <= 0) {
		lc_diag_add(l->d, LC_SEV_ERROR, v->line, v->col,
			    "chain_id must be a positive integer, not %lld",
			    (long long)v->u.i);
		lc_diag_hint(l->d, "use the chain's EIP-155 id, e.g. 1 for "
			     "Ethereum mainnet");
	} else if (v) {
		l->m->chain_id = (uint64_t)v->u.i;
	}
	v = field(l, t, T, "tdx", LC_TOML_STRING, 0, "tdx = \"required\"");
	s = str_value(l, v, "tdx", T);
	if (s && !strcmp(s, "simulate")) {
		l->m->tdx = LC_TDX_MODE_SIMULATE;
	} else if (s && strcmp(s, "required")) {
		lc_diag_add(l->d, LC_SEV_ERROR, v->line, v->col,
			    "tdx in [lattice] must be \"required\" or \"simulate\", not \"%s\"",
			    s);
		lc_diag_hint(l->d, "leave it out for production (\"required\"); "
			     "\"simulate\" is for development and CI only");
	}
	v = field(l, t, T, "dkg", LC_TOML_STRING, 0, "dkg = \"ceremony\"");
	s = str_value(l, v, "dkg", T);
	/* The default follows tdx; the rules check a dealer against it. */
	l->m->dkg = l->m->tdx == LC_TDX_MODE_SIMULATE ? LC_DKG_MODE_DEALER
						       : LC_DKG_MODE_CEREMONY;
	if (s && (!strcmp(s, "ceremony") || !strcmp(s, "dealer"))) {
		l->m->dkg = !strcmp(s, "dealer") ? LC_DKG_MODE_DEALER : LC_DKG_MODE_CEREMONY;
		l->m->dkg_set = 1;
		l->m->dkg_pos.line = v->line;
		l->m->dkg_pos.col = v->col;
	} else if (s) {
		lc_diag_add(l->d, LC_SEV_ERROR, v->line, v->col,
			    "dkg in [lattice] must be \"ceremony\" or \"dealer\", not \"%s\"",
			    s);
		lc_diag_hint(l->d, "leave it out: production lattices run the ceremony on "
			     "the member hosts; \"dealer\" is for tdx = \"simulate\" only");
	}
}

/* "t-of-n" with 1 <= t, n <= 1000. */
static int parse_threshold(const char *s, unsigned *t, unsigned *n)
{
	char *end;
	unsigned long a, b;

	if (*s < '1' || *s > '9')
		return -1;
	a = strtoul(s, &end, 10);
	if (strncmp(end, "-of-", 4) || end[4] < '1' || end[4] > '9')
		return -1;
	b = strtoul(end + 4, &end, 10);
	if (*end || a > 1000 || b > 1000)
		return -1;
	*t = (unsigned)a;
	*n = (unsigned)b;
	return 0;
}

static void load_threshold(struct ld *l, const struct lc_toml_table *t,
			   const char *tname, int required,
			   struct lc_threshold *th)
{
	const struct lc_toml_value *v;
	const char *s;

	v = field(l, t, tname, "threshold", LC_TOML_STRING, required,
		  "threshold = \"2-of-3\"");
	if (!(s = str_value(l, v, "threshold", tname)))
		return;
	if (parse_threshold(s, &th->t, &th->n)) {
		lc_diag_add(l->d, LC_SEV_ERROR, v->line, v->col,
			    "threshold \"%s\" in %s is not of the form \"t-of-n\"",
			    s, tname);
		lc_diag_hint(l->d, "write the threshold as \"t-of-n\", e.g. \"5-of-7\"");
		return;
	}
	th->set = 1;
	th->pos.line = v->line;
	th->pos.col = v->col;
}

static void load_mrtd(struct ld *l, const struct lc_toml_table *t,
		      const char *tname, struct lc_mrtd *mr)
{
	const struct lc_toml_value *v;
	const char *s;
	int n = 0;

	v = field(l, t, tname, "mrtd", LC_TOML_STRING, 0, "mrtd = \"<96 hex digits>\"");
	if ((s = str_value(l, v, "mrtd", tname))) {
		n++;
		if (!lc_is_hex(s, 96) || lc_hex_decode(mr->hash, 48, s)) {
			lc_diag_add(l->d, LC_SEV_ERROR, v->line, v->col,
				    "mrtd in %s is not 96 hex digits (a 48-byte MR_TD)",
				    tname);
			lc_diag_hint(l->d, "paste the contents of the image build's mrtd.hex");
		} else {
			mr->pinned = mr->set = 1;
		}
	}
	if ((mr->file = str_field(l, t, tname, "mrtd_file", 0,
				  "mrtd_file = \"images/unseal/mrtd.hex\"")))
		n++, mr->set = 1;
	if ((mr->build = str_field(l, t, tname, "mrtd_build", 0,
				   "mrtd_build = \"make -C images unseal\"")))
		n++, mr->set = 1;
	if (n > 1) {
		lc_diag_add(l->d, LC_SEV_ERROR, t->line, t->col,
			    "%s sets more than one of mrtd, mrtd_file and mrtd_build",
			    tname);
		lc_diag_hint(l->d, "keep exactly one source for the MR_TD");
	}
}

/* A URL-valued string; reported with the key and table it came from. */
static const char *url_value(struct ld *l, const struct lc_toml_value *v,
			     const char *key, const char *tname)
{
	const char *s = str_value(l, v, key, tname);
	char why[200], hint[160];
	struct lc_url u;

	if (!s)
		return NULL;
	if (lc_check_url(s, &u, why, sizeof(why), hint, sizeof(hint))) {
		lc_diag_add(l->d, LC_SEV_ERROR, v->line, v->col,
			    "%s in %s is not an acceptable URL: %s", key, tname,
			    why);
		lc_diag_hint(l->d, "%s", hint[0] ? hint :
			     "write a full URL such as \"https://rpc.example.com/\"");
		return NULL;
	}
	return s;
}

static const char *ident_field(struct ld *l, const struct lc_toml_table *t,
			       const char *tname, const char *key,
			       const char *example)
{
	const struct lc_toml_value *v = field(l, t, tname, key, LC_TOML_STRING, 1, example);
	const char *s = str_value(l, v, key, tname);
	char why[160];

	if (s && lc_check_ident(s, why, sizeof(why))) {
		lc_diag_add(l->d, LC_SEV_ERROR, v->line, v->col,
			    "%s \"%s\" in %s is not valid: %s", key, s, tname, why);
		lc_diag_hint(l->d, "write it as %s", example);
		return NULL;
	}
	return s;
}

static void load_zipnet(struct ld *l, const struct lc_toml_table *t)
{
	static const char *const known[] = { "window", NULL };
	const char *T = "[organisms.zipnet]";
	const struct lc_toml_kv *kv;
	const struct lc_toml_value *v;

	unknown_keys(l, t, T, known);
	if (!(kv = lc_toml_get(t, "window"))) {
		field(l, t, T, "window", LC_TOML_STRING, 1, "window = \"interactive\"");
		return;
	}
	v = kv->val;
	if (v->type == LC_TOML_STRING) {
		const char *s = str_value(l, v, "window", T);

		if (s && !strcmp(s, "interactive"))
			l->m->zipnet.kind = LC_WINDOW_INTERACTIVE;
		else if (s && !strcmp(s, "archival"))
			l->m->zipnet.kind = LC_WINDOW_ARCHIVAL;
		else if (s) {
			lc_diag_add(l->d, LC_SEV_ERROR, v->line, v->col,
				    "window \"%s\" in %s is not \"interactive\", \"archival\" or a tuple",
				    s, T);
			lc_diag_hint(l->d, "use \"interactive\", \"archival\", or "
				     "[round_ms, retain_rounds] such as [500, 86400]");
		}
		return;
	}
	if (v->type == LC_TOML_ARRAY && v->u.arr.len == 2 &&
	    v->u.arr.items[0]->type == LC_TOML_INTEGER &&
	    v->u.arr.items[1]->type == LC_TOML_INTEGER) {
		int64_t ms = v->u.arr.items[0]->u.i, keep = v->u.arr.items[1]->u.i;

		if (ms >= 1 && ms <= 60000 && keep >= 1 && keep <= 100000000) {
			l->m->zipnet.kind = LC_WINDOW_TUPLE;
			l->m->zipnet.round_ms = (uint64_t)ms;
			l->m->zipnet.retain_rounds = (uint64_t)keep;
			return;
		}
		lc_diag_add(l->d, LC_SEV_ERROR, v->line, v->col,
			    "window [%lld, %lld] in %s is out of range",
			    (long long)ms, (long long)keep, T);
		lc_diag_hint(l->d, "round_ms must be 1 to 60000 and retain_rounds "
			     "1 to 100000000");
		return;
	}
	lc_diag_add(l->d, LC_SEV_ERROR, v->line, v->col,
		    "'window' in %s must be a string or a [round_ms, retain_rounds] "
		    "pair of integers, not %s", T, article(v->type));
	lc_diag_hint(l->d, "write it as window = \"interactive\" or window = [500, 86400]");
}

static void load_organisms(struct ld *l, const struct lc_toml_table *root)
{
	static const char *const known[] = { "zipnet", "unseal", "offer", "atelier",
					     "relay", "tally", NULL };
	static const char *const k_unseal[] = { "threshold", "mrtd", "mrtd_file",
						"mrtd_build", NULL };
	static const char *const k_offer[] = { "auction_window_ms", "threshold", NULL };
	static const char *const k_atelier[] = { "block_schema", "chain_rpc", "mrtd",
						 "mrtd_file", "mrtd_build", NULL };
	static const char *const k_relay[] = { "policy", "proposer_endpoints", NULL };
	static const char *const k_tally[] = { "settlement_addr", "chain_rpc", NULL };
	const struct lc_toml_table *orgs, *t;
	const struct lc_toml_value *v;
	struct lc_manifest *m = l->m;
	const char *T, *s;
	char why[160], hint[200];

	orgs = table_field(l, root, "the top level", "organisms", "[organisms]", 1);
	if (!orgs)
		return;
	unknown_keys(l, orgs, "[organisms]", known);

	if ((t = table_field(l, orgs, "[organisms]", "zipnet", "[organisms.zipnet]", 1)))
		load_zipnet(l, t);

	T = "[organisms.unseal]";
	if ((t = table_field(l, orgs, "[organisms]", "unseal", T, 1))) {
		unknown_keys(l, t, T, k_unseal);
		load_threshold(l, t, T, 1, &m->unseal.threshold);
		load_mrtd(l, t, T, &m->unseal.mrtd);
	}

	T = "[organisms.offer]";
	if ((t = table_field(l, orgs, "[organisms]", "offer", T, 1))) {
		unknown_keys(l, t, T, k_offer);
		if ((v = int_field(l, t, T, "auction_window_ms", 1, "auction_window_ms = 800",
				   1, 12000, "an auction window is 1 to 12000 ms (it must fit "
				   "in one 12 s slot)")))
			m->offer.auction_window_ms = (uint64_t)v->u.i;
		load_threshold(l, t, T, 0, &m->offer.threshold);
	}

	T = "[organisms.atelier]";
	if ((t = table_field(l, orgs, "[organisms]", "atelier", T, 1))) {
		unknown_keys(l, t, T, k_atelier);
		m->atelier.block_schema = ident_field(l, t, T, "block_schema",
						      "block_schema = \"l1-post-4844\"");
		m->atelier.chain_rpc = url_value(l, field(l, t, T, "chain_rpc",
			LC_TOML_STRING, 1, "chain_rpc = \"https://rpc.example.com/\""),
			"chain_rpc", T);
		load_mrtd(l, t, T, &m->atelier.mrtd);
	}

	T = "[organisms.relay]";
	if ((t = table_field(l, orgs, "[organisms]", "relay", T, 1))) {
		unknown_keys(l, t, T, k_relay);
		m->relay.policy = ident_field(l, t, T, "policy",
					      "policy = \"l1-mev-boost\"");
		v = field(l, t, T, "proposer_endpoints", LC_TOML_ARRAY, 1,
			  "proposer_endpoints = [\"https://relay.example.com\"]");
		if (v && v->u.arr.len == 0) {
			lc_diag_add(l->d, LC_SEV_ERROR, v->line, v->col,
				    "proposer_endpoints in %s is empty", T);
			lc_diag_hint(l->d, "list at least one proposer endpoint URL");
		} else if (v) {
			size_t i, j;

			m->relay.proposer_endpoints = calloc(v->u.arr.len, sizeof(char *));
			for (i = 0; i < v->u.arr.len && m->relay.proposer_endpoints; i++) {
				const struct lc_toml_value *e = v->u.arr.items[i];

				if (e->type != LC_TOML_STRING) {
					lc_diag_add(l->d, LC_SEV_ERROR, e->line, e->col,
						    "proposer_endpoints in %s must hold strings, not %s",
						    T, article(e->type));
					lc_diag_hint(l->d, "quote each URL");
					continue;
				}
				if (!(s = url_value(l, e, "proposer endpoint", T)))
					continue;
				for (j = 0; j < m->relay.n_endpoints; j++)
					if (!strcmp(m->relay.proposer_endpoints[j], s))
						break;
				if (j < m->relay.n_endpoints) {
					lc_diag_add(l->d, LC_SEV_ERROR, e->line, e->col,
						    "proposer endpoint \"%s\" is listed twice", s);
					lc_diag_hint(l->d, "remove the duplicate");
					continue;
				}
				m->relay.proposer_endpoints[m->relay.n_endpoints++] = s;
			}
		}
	}

	T = "[organisms.tally]";
	if ((t = table_field(l, orgs, "[organisms]", "tally", T, 1))) {
		unknown_keys(l, t, T, k_tally);
		v = field(l, t, T, "settlement_addr", LC_TOML_STRING, 1,
			  "settlement_addr = \"0x<40 hex digits>\"");
		s = str_value(l, v, "settlement_addr", T);
		if (s && lc_check_eth_address(s, m->tally.settlement_addr, why,
					      sizeof(why), hint, sizeof(hint))) {
			lc_diag_add(l->d, LC_SEV_ERROR, v->line, v->col,
				    "settlement_addr \"%s\" is not a valid address: %s",
				    s, why);
			lc_diag_hint(l->d, "%s", hint);
			m->tally.settlement_addr[0] = '\0';
		}
		m->tally.chain_rpc = url_value(l, field(l, t, T, "chain_rpc",
			LC_TOML_STRING, 1, "chain_rpc = \"https://rpc.example.com/\""),
			"chain_rpc", T);
	}
}

static void load_binary(struct ld *l, const struct lc_toml_kv *kv, int role)
{
	static const char *const known[] = { "url", "sha256", NULL };
	struct lc_binary *b = &l->m->binaries[role];
	const struct lc_toml_value *v = kv->val;
	char tname[64];
	const char *s;

	b->pos.line = kv->line;
	b->pos.col = kv->col;
	if (v->type == LC_TOML_STRING) {
		if (!(s = str_value(l, v, kv->key, "[binaries]")))
			return;
		if (!*s) {
			lc_diag_add(l->d, LC_SEV_ERROR, v->line, v->col,
				    "binary path for '%s' is empty", kv->key);
			lc_diag_hint(l->d, "give the path of the %s executable", kv->key);
			return;
		}
		b->path = s;
		b->set = 1;
		return;
	}
	if (v->type != LC_TOML_TABLE) {
		lc_diag_add(l->d, LC_SEV_ERROR, v->line, v->col,
			    "'%s' in [binaries] must be a path string or a "
			    "{ url, sha256 } table, not %s", kv->key, article(v->type));
		lc_diag_hint(l->d, "write %s = \"./bin/%s\" or "
			     "%s = { url = \"https://...\", sha256 = \"<64 hex>\" }",
			     kv->key, kv->key, kv->key);
		return;
	}
	snprintf(tname, sizeof(tname), "[binaries.%s]", kv->key);
	unknown_keys(l, v->u.tab, tname, known);
	b->url = url_value(l, field(l, v->u.tab, tname, "url", LC_TOML_STRING, 1,
				    "url = \"https://downloads.example.com/role\""),
			   "url", tname);
	v = field(l, v->u.tab, tname, "sha256", LC_TOML_STRING, 1,
		  "sha256 = \"<64 hex digits>\"");
	if ((s = str_value(l, v, "sha256", tname))) {
		if (!lc_is_hex(s, 64) || lc_hex_decode(b->sha256, 32, s)) {
			lc_diag_add(l->d, LC_SEV_ERROR, v->line, v->col,
				    "sha256 in %s is not 64 hex digits", tname);
			lc_diag_hint(l->d, "use the output of sha256sum on the release file");
			return;
		}
		b->set = b->url != NULL;
	}
}

static const char *const role_names[LC_ROLE_COUNT + 1] = {
	"zipnet-server", "zipnet-aggregator", "unseal-member", "offer-member",
	"atelier-member", "relay-member", "tally-member", NULL,
};

static void load_binaries(struct ld *l, const struct lc_toml_table *root)
{
	const struct lc_toml_table *t;
	size_t i;

	t = table_field(l, root, "the top level", "binaries", "[binaries]", 1);
	if (!t)
		return;
	unknown_keys(l, t, "[binaries]", role_names);
	for (i = 0; i < t->len; i++) {
		int role = lc_role_lookup(t->kv[i].key);

		if (role >= 0)
			load_binary(l, &t->kv[i], role);
	}
}

/* A Prometheus metric name: [a-zA-Z_:][a-zA-Z0-9_:]*, at most 200 bytes. */
static int metric_name_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++) {
		int c = (unsigned char)s[i];

		if (!(c == '_' || c == ':' || (c >= 'a' && c <= 'z') ||
		      (c >= 'A' && c <= 'Z') || (i && c >= '0' && c <= '9')))
			return 0;
	}
	return i > 0 && i <= 200;
}

/* [health]: optional; how up decides the lattice is live.  Not identity. */
static void load_health(struct ld *l, const struct lc_toml_table *root)
{
	static const char *const known[] = { "deadline", "metrics_port",
					     "pipeline_metric", "pipeline_command",
					     NULL };
	const char *T = "[health]";
	const struct lc_toml_table *t;
	const struct lc_toml_value *v, *mv;
	struct lc_manifest *m = l->m;
	const char *s;

	if (!(t = table_field(l, root, "the top level", "health", T, 0)))
		return;
	m->health.pos.line = t->line;
	m->health.pos.col = t->col;
	unknown_keys(l, t, T, known);
	if ((v = int_field(l, t, T, "deadline", 0, "deadline = 300", 1, 86400,
			   "the deadline is 1 to 86400 seconds (the default is 300)")))
		m->health.deadline_s = (unsigned)v->u.i;
	if ((v = int_field(l, t, T, "metrics_port", 0, "metrics_port = 9400", 1024, 65528,
			   "use 1024 to 65528 (role r serves on metrics_port + r), or leave "
			   "it out to derive one from the lattice name"))) {
		m->health.metrics_port = (unsigned)v->u.i;
		m->health.metrics_port_set = 1;
	}
	mv = field(l, t, T, "pipeline_metric", LC_TOML_STRING, 0,
		   "pipeline_metric = \"tally_round\"");
	if ((s = str_value(l, mv, "pipeline_metric", T)) && !metric_name_ok(s)) {
		lc_diag_add(l->d, LC_SEV_ERROR, mv->line, mv->col,
			    "pipeline_metric \"%s\" in %s is not a Prometheus metric name",
			    s, T);
		lc_diag_hint(l->d, "letters, digits, '_' and ':', not starting with "
			     "a digit, such as \"tally_round\"");
	} else if (s) {
		m->health.pipeline_metric = s;
	}
	v = field(l, t, T, "pipeline_command", LC_TOML_STRING, 0,
		  "pipeline_command = \"./scripts/e2e-slot.sh\"");
	if ((s = str_value(l, v, "pipeline_command", T)) && !*s) {
		lc_diag_add(l->d, LC_SEV_ERROR, v->line, v->col,
			    "pipeline_command in %s is empty", T);
		lc_diag_hint(l->d, "give a shell command, or leave it out to watch "
			     "pipeline_metric");
	} else if (s) {
		m->health.pipeline_command = s;
	}
	if (mv && v) {
		lc_diag_add(l->d, LC_SEV_ERROR, t->line, t->col,
			    "%s sets both pipeline_metric and pipeline_command", T);
		lc_diag_hint(l->d, "keep one: the metric up watches, or the command "
			     "it runs instead");
	}
}

static void load_host(struct ld *l, const struct lc_toml_value *hv,
		      struct lc_host *h)
{
	static const char *const known[] = { "ssh", "tdx", "roles", NULL };
	const char *T = "[[hosts]]";
	const struct lc_toml_table *t = hv->u.tab;
	const struct lc_toml_value *v;
	char why[200];
	size_t i;

	h->pos.line = t->line ? t->line : hv->line;
	h->pos.col = t->col ? t->col : hv->col;
	unknown_keys(l, t, T, known);
	v = field(l, t, T, "ssh", LC_TOML_STRING, 1, "ssh = \"ubuntu@host.example.com\"");
	if ((h->ssh = str_value(l, v, "ssh", T)) &&
	    lc_check_ssh_target(h->ssh, &h->target, why, sizeof(why))) {
		lc_diag_add(l->d, LC_SEV_ERROR, v->line, v->col,
			    "ssh target \"%s\" is not valid: %s", h->ssh, why);
		lc_diag_hint(l->d, "write user@host, user@host:port, or an alias "
			     "from your ssh_config");
		h->ssh = NULL;
	}
	if ((v = field(l, t, T, "tdx", LC_TOML_BOOL, 0, "tdx = true")))
		h->tdx = v->u.b;
	else if (lc_toml_get(t, "tdx"))
		h->tdx_unknown = 1; /* reported; do not guess in the TDX rule */
	v = field(l, t, T, "roles", LC_TOML_ARRAY, 1,
		  "roles = [\"offer-member\", \"relay-member\"]");
	if (!v)
		return;
	if (v->u.arr.len == 0) {
		lc_diag_add(l->d, LC_SEV_ERROR, v->line, v->col,
			    "host %s has no roles", h->ssh ? h->ssh : "entry");
		lc_diag_hint(l->d, "give it at least one role, or remove the entry");
	}
	for (i = 0; i < v->u.arr.len; i++) {
		const struct lc_toml_value *e = v->u.arr.items[i];
		const char *sug;
		int role;

		if (e->type != LC_TOML_STRING) {
			lc_diag_add(l->d, LC_SEV_ERROR, e->line, e->col,
				    "roles in [[hosts]] must hold strings, not %s",
				    article(e->type));
			lc_diag_hint(l->d, "quote each role name, e.g. \"offer-member\"");
			continue;
		}
		role = lc_role_lookup(e->u.str.ptr);
		if (role < 0) {
			lc_diag_add(l->d, LC_SEV_ERROR, e->line, e->col,
				    "unknown role '%s'", e->u.str.ptr);
			if ((sug = lc_suggest(e->u.str.ptr, role_names))) {
				lc_diag_hint(l->d, "did you mean '%s'?", sug);
				l->m->role_typos[lc_role_lookup(sug)]++;
			}
			else
				lc_diag_hint(l->d, "roles are zipnet-server, zipnet-aggregator, "
					     "unseal-member, offer-member, atelier-member, "
					     "relay-member, tally-member");
			continue;
		}
		if (h->roles & (1u << role)) {
			lc_diag_add(l->d, LC_SEV_ERROR, e->line, e->col,
				    "role '%s' appears twice on host %s",
				    e->u.str.ptr, h->ssh ? h->ssh : "entry");
			lc_diag_hint(l->d, "a host runs one process per role; remove the "
				     "second '%s'", e->u.str.ptr);
			continue;
		}
		h->roles |= 1u << role;
		h->role_pos[role].line = e->line;
		h->role_pos[role].col = e->col;
	}
}

static void load_hosts(struct ld *l, const struct lc_toml_table *root)
{
	const struct lc_toml_kv *kv = lc_toml_get(root, "hosts");
	const struct lc_toml_value *v;
	size_t i, n;

	if (!kv) {
		lc_diag_add(l->d, LC_SEV_ERROR, 1, 1, "no [[hosts]] entries");
		lc_diag_hint(l->d, "add one [[hosts]] entry per machine, with its "
			     "ssh target and roles");
		return;
	}
	v = kv->val;
	if (v->type != LC_TOML_ARRAY) {
		lc_diag_add(l->d, LC_SEV_ERROR, v->line, v->col,
			    "'hosts' must be an array of tables, not %s",
			    article(v->type));
		lc_diag_hint(l->d, "write each host as a [[hosts]] section (two brackets)");
		return;
	}
	n = v->u.arr.len;
	if (n > MAX_HOSTS) {
		lc_diag_add(l->d, LC_SEV_ERROR, v->line, v->col,
			    "%zu hosts is more than latticectl manages in one "
			    "lattice (%d)", n, MAX_HOSTS);
		lc_diag_hint(l->d, "split the fleet into several lattices");
		return;
	}
	l->m->hosts = calloc(n ? n : 1, sizeof(*l->m->hosts));
	if (!l->m->hosts) {
		lc_diag_add(l->d, LC_SEV_ERROR, v->line, v->col, "out of memory");
		return;
	}
	for (i = 0; i < n; i++) {
		const struct lc_toml_value *e = v->u.arr.items[i];

		if (e->type != LC_TOML_TABLE) {
			lc_diag_add(l->d, LC_SEV_ERROR, e->line, e->col,
				    "'hosts' must hold tables, not %s", article(e->type));
			lc_diag_hint(l->d, "write each host as a [[hosts]] section");
			continue;
		}
		load_host(l, e, &l->m->hosts[l->m->nhosts++]);
	}
}

int lc_manifest_load(struct lc_manifest **out, const char *path,
		     struct lc_diags *d)
{
	static const char *const known[] = { "lattice", "organisms", "binaries",
					     "health", "hosts", NULL };
	struct lc_manifest *m = NULL;
	struct lc_err err;
	struct lc_buf buf;
	struct ld l;
	const struct lc_toml_table *root;

	*out = NULL;
	lc_buf_init(&buf, LC_BUF_NOMAX);
	lc_err_clear(&err);
	if (lc_read_file(&buf, path, LC_MANIFEST_MAX, &err)) {
		lc_diag_add(d, LC_SEV_ERROR, 0, 0, "%s", err.msg);
		if (err.code == LC_ERR_NOTFOUND)
			lc_diag_hint(d, "give the manifest with -m PATH (the default "
				     "is ./lattice.toml)");
		else if (err.code == LC_ERR_TOOBIG)
			lc_diag_hint(d, "a lattice.toml is a few KiB: check that -m "
				     "names the right file");
		else
			lc_diag_hint(d, "give the manifest file with -m PATH");
		goto out;
	}
	if (!(m = calloc(1, sizeof(*m)))) {
		lc_diag_add(d, LC_SEV_ERROR, 0, 0, "out of memory");
		goto out;
	}
	m->path = path;
	if (lc_toml_parse(&m->doc, buf.ptr, buf.len, &err)) {
		lc_diag_add(d, LC_SEV_ERROR, err.line, err.col, "%s", err.msg);
		lc_diag_hint(d, "this is not valid TOML 1.0: fix the syntax here "
			     "(lattice.toml(5) has a complete example)");
		lc_manifest_free(m);
		m = NULL;
		goto out;
	}
	l.m = m;
	l.d = d;
	root = lc_toml_root(m->doc);
	unknown_keys(&l, root, "the top level", known);
	load_lattice(&l, root);
	load_organisms(&l, root);
	load_binaries(&l, root);
	load_health(&l, root);
	load_hosts(&l, root);
	lc_manifest_health_defaults(m);
	lc_manifest_check_rules(m, d);
	*out = m;
out:
	lc_buf_release(&buf);
	lc_diags_sort(d);
	return d->nerrors ? -1 : 0;
}

void lc_manifest_free(struct lc_manifest *m)
{
	if (!m)
		return;
	lc_toml_free(m->doc);
	free(m->relay.proposer_endpoints);
	free(m->hosts);
	free(m);
}

void lc_manifest_health_defaults(struct lc_manifest *m)
{
	struct lc_blake3 h;
	uint8_t d[2];

	if (!m->health.deadline_s)
		m->health.deadline_s = 300;
	if (!m->health.pipeline_metric && !m->health.pipeline_command)
		m->health.pipeline_metric = "tally_round";
	if (!m->health.metrics_port_set && m->name) {
		/* 20000 + 8k, k in 0..1499: eight ports a lattice, role r at +r, all
		 * below 32768, where Linux hands out ephemeral ports. */
		lc_blake3_init_derive_key(&h, "latticectl 2026 metrics port");
		lc_blake3_update(&h, m->name, strlen(m->name));
		lc_blake3_finalize(&h, d, sizeof(d));
		m->health.metrics_port = 20000u + 8u * ((((unsigned)d[0] << 8) | d[1]) % 1500u);
	}
}

long lc_manifest_host(const struct lc_manifest *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->nhosts; i++)
		if (m->hosts[i].ssh && !strcmp(m->hosts[i].ssh, name))
			return (long)i;
	return -1;
}

const char *lc_host_name(const struct lc_host *h)
{
	return h->ssh ? h->ssh : "(no ssh target)";
}

void lc_hostid(char out[LC_HOSTID_MAX], const struct lc_host *h)
{
	const char *s = h->ssh ? h->ssh : "host";
	size_t i;

	for (i = 0; s[i] && i < LC_HOSTID_MAX - 1; i++) {
		char c = s[i];

		out[i] = ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '.' || c == '-') ? c : '_';
	}
	out[i] = '\0';
}
