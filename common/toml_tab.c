/* toml_tab.c - TOML parser storage: arenas, tables with hash indexes, shared keys, nodes. */
#include <stdlib.h>
#include <string.h>

#include "toml_priv.h"
#include "banned.h"

#define INTERN_MAX 65536u /* slots; later new keys are copied, not shared */
#define INTERN_KEYLEN 64u

/* ---- arena ---------------------------------------------------------- */

#define CHUNK_HDR ((sizeof(struct tp_chunk) + 15) & ~(size_t)15)

void *lc_tp_alloc_slow(struct tp_arena *a, size_t n)
{
	size_t sz = a->next_size ? a->next_size : TP_ARENA_FIRST;
	struct tp_chunk *c;

	if (n > ((size_t)-1) / 2)
		return NULL;
	if (n > sz / 4) {
		/* big: a chunk of its own; keep filling the current one */
		c = malloc(CHUNK_HDR + n + TP_SLACK);
		if (!c)
			return NULL;
		c->next = a->chunks;
		a->chunks = c;
		return (char *)c + CHUNK_HDR;
	}
	c = malloc(sz + TP_SLACK);
	if (!c)
		return NULL;
	c->next = a->chunks;
	a->chunks = c;
	a->cur = (char *)c + CHUNK_HDR + n;
	a->end = (char *)c + sz;
	if (sz < TP_ARENA_MAX)
		a->next_size = sz * 2;
	else
		a->next_size = sz;
	return (char *)c + CHUNK_HDR;
}

void lc_tp_arena_free(struct tp_arena *a)
{
	struct tp_chunk *c = a->chunks, *next;

	for (; c; c = next) {
		next = c->next;
		free(c);
	}
	a->chunks = NULL;
}

/*
 * Arrays that grow (kv arrays, hash indexes, arrays of tables) come from
 * free lists of power-of-two blocks when possible; what they let go is
 * cut into such blocks and handed back.
 */
static unsigned lg2ceil(size_t n)
{
	unsigned l = 4;

	while (((size_t)1 << l) < n)
		l++;
	return l;
}

/* Hand a region nobody uses any more to the free lists, cut into
 * power-of-two blocks (p is 8-aligned, n a multiple of 16). */
static void carve(struct tp_arena *a, void *p, size_t n)
{
	char *c = p;

	while (n >= 16) {
		unsigned lg = 4;

		while (lg + 1 < TP_NCLASS && ((size_t)1 << (lg + 1)) <= n)
			lg++;
		*(void **)(void *)c = a->freel[lg];
		a->freel[lg] = c;
		c += (size_t)1 << lg;
		n -= (size_t)1 << lg;
	}
}

/* n bytes (a multiple of 16) for an array that may be let go later: a
 * free block when one fits (its tail goes back), else fresh memory. */
static void *region_alloc(struct tp_arena *a, size_t n)
{
	unsigned lg = lg2ceil(n);

	for (unsigned l = lg; l < lg + 2 && l < TP_NCLASS; l++) {
		void **f = a->freel[l];

		if (f) {
			a->freel[l] = *f;
			carve(a, (char *)f + n, ((size_t)1 << l) - n);
			return f;
		}
	}
	return lc_tp_alloc(a, n);
}

/* ---- tables ----------------------------------------------------------- */

static uint32_t khash(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	while (n--) {
		h ^= (unsigned char)*s++;
		h *= 0x100000001b3ull;
	}
	return (uint32_t)(h ^ h >> 32);
}

/* Index slots are as narrow as the table allows (load <= 1/2, so a slot
 * never holds more than icap / 2). */
static size_t idx_width(uint32_t icap)
{
	return icap <= 256 ? 1 : icap <= 65536 ? 2 : 4;
}

static size_t idx_bytes(uint32_t icap)
{
	return (size_t)icap * idx_width(icap);
}

static uint32_t idx_get(const struct tp_tpriv *pv, uint32_t i)
{
	switch (idx_width(pv->icap)) {
	case 1: return ((const uint8_t *)pv->idx)[i];
	case 2: return ((const uint16_t *)pv->idx)[i];
	default: return ((const uint32_t *)pv->idx)[i];
	}
}

struct lc_toml_kv *lc_tp_tab_find(const struct lc_toml_table *t, const char *k,
				  size_t n)
{
	const struct tp_tpriv *pv = t->priv;
	struct lc_toml_kv *kv;

	if (pv && pv->idx) {
		uint32_t mask = pv->icap - 1, i = khash(k, n) & mask, e;

		while ((e = idx_get(pv, i)) != 0) {
			kv = &t->kv[e - 1];
			if (kv->keylen == n && memcmp(kv->key, k, n) == 0)
				return kv;
			i = (i + 1) & mask;
		}
		return NULL;
	}
	for (size_t j = 0; j < t->len; j++) {
		kv = &t->kv[j];
		if (kv->keylen == n && memcmp(kv->key, k, n) == 0)
			return kv;
	}
	return NULL;
}

static void idx_put(struct tp_tpriv *pv, const struct lc_toml_kv *kv, uint32_t pos)
{
	uint32_t mask = pv->icap - 1, i = khash(kv->key, kv->keylen) & mask;

	while (idx_get(pv, i))
		i = (i + 1) & mask;
	switch (idx_width(pv->icap)) {
	case 1: ((uint8_t *)pv->idx)[i] = (uint8_t)(pos + 1); break;
	case 2: ((uint16_t *)pv->idx)[i] = (uint16_t)(pos + 1); break;
	default: ((uint32_t *)pv->idx)[i] = pos + 1; break;
	}
}

static int idx_build(struct tp_arena *a, struct tp_tnode *tn, uint32_t icap)
{
	struct tp_tpriv *pv = &tn->pv;
	void *idx = region_alloc(a, idx_bytes(icap));

	if (!idx)
		return -1;
	memset(idx, 0, idx_bytes(icap));
	if (pv->idx)
		carve(a, pv->idx, idx_bytes(pv->icap));
	pv->idx = idx;
	pv->icap = icap;
	for (uint32_t j = 0; j < tn->t.len; j++)
		idx_put(pv, &tn->t.kv[j], j);
	return 0;
}

/* A shared copy of key k: config files repeat the same few keys. */
static const char *intern(struct tp_parser *tp, const struct tp_kpart *k)
{
	uint32_t mask, i;
	char *copy;

	if (k->len <= INTERN_KEYLEN && !memchr(k->s, 0, k->len)) {
		if (tp->nkeys * 2 >= tp->capkeys && tp->capkeys < INTERN_MAX) {
			size_t ncap = tp->capkeys ? tp->capkeys * 2 : 1024;
			const char **nk = calloc(ncap, sizeof(*nk));

			if (!nk)
				return NULL;
			for (size_t j = 0; j < tp->capkeys; j++) {
				const char *o = tp->keys[j];

				if (!o)
					continue;
				i = khash(o, strlen(o)) & (uint32_t)(ncap - 1);
				while (nk[i])
					i = (i + 1) & (uint32_t)(ncap - 1);
				nk[i] = o;
			}
			free(tp->keys);
			tp->keys = nk;
			tp->capkeys = ncap;
		}
		mask = (uint32_t)tp->capkeys - 1;
		for (i = khash(k->s, k->len) & mask; tp->keys[i]; i = (i + 1) & mask)
			if (strncmp(tp->keys[i], k->s, k->len) == 0 &&
			    tp->keys[i][k->len] == '\0')
				return tp->keys[i];
	} else {
		mask = 0;
		i = 0;
	}
	if (k->quoted) {
		copy = (char *)k->s; /* already decoded into the arena */
	} else {
		copy = lc_tp_balloc(tp->br, k->len + 1);
		if (!copy)
			return NULL;
		memcpy(copy, k->s, k->len);
		copy[k->len] = '\0';
	}
	if (mask && tp->nkeys * 2 < tp->capkeys) {
		tp->keys[i] = copy;
		tp->nkeys++;
	}
	return copy;
}

static int scratch_grow(struct tp_parser *tp, size_t need)
{
	size_t ncap = tp->capskv ? tp->capskv : 64;
	struct lc_toml_kv *n;

	while (ncap < need)
		ncap *= 2;
	if (ncap >= UINT32_MAX / 4)
		return -1;
	n = realloc(tp->skv, ncap * sizeof(*n));
	if (!n)
		return -1;
	tp->skv = n;
	tp->capskv = ncap;
	if (tp->sown) {
		tp->sown->t.kv = n;
		tp->sown->pv.cap = (uint32_t)ncap;
	}
	return 0;
}

/* Append key k = val to table tn (the caller checked k is new). */
int lc_tp_tab_add(struct tp_parser *tp, struct tp_tnode *tn,
		  const struct tp_kpart *k, struct lc_toml_value *val)
{
	struct lc_toml_table *t = &tn->t;
	struct tp_tpriv *pv = &tn->pv;
	struct lc_toml_kv *kv;
	const char *key;

	if (t->len == pv->cap && tn == tp->sown) {
		if (scratch_grow(tp, t->len + 1) < 0)
			return lc_tp_oom(tp);
	} else if (t->len == pv->cap) {
		/* double while filling; a trimmed table grows by a little */
		uint32_t ncap = pv->exact ? pv->cap + 2 + pv->cap / 8 :
			pv->cap ? pv->cap * 2 : 2;

		if (pv->cap >= UINT32_MAX / 4)
			return lc_tp_err(tp, k->at, "too many keys in one table");
		kv = region_alloc(tp->ar, ncap * sizeof(*kv));
		if (!kv)
			return lc_tp_oom(tp);
		if (t->len) {
			memcpy(kv, t->kv, t->len * sizeof(*kv));
			carve(tp->ar, t->kv, pv->cap * sizeof(*kv));
		}
		t->kv = kv;
		pv->cap = ncap;
		pv->exact = 0;
	}
	if (!(key = intern(tp, k)))
		return lc_tp_oom(tp);
	kv = &t->kv[t->len];
	kv->key = key;
	kv->keylen = k->len;
	kv->line = k->line;
	kv->col = k->col;
	kv->val = val;
	t->len++;
	if (pv->idx) {
		if (t->len * 2 > pv->icap)
			return idx_build(tp->ar, tn, pv->icap * 2) ? lc_tp_oom(tp) : 0;
		idx_put(pv, kv, (uint32_t)(t->len - 1));
	} else if (t->len > 8) {
		return idx_build(tp->ar, tn, 32) ? lc_tp_oom(tp) : 0;
	}
	return 0;
}

/* A table that is probably complete keeps only the kv slots it uses; the
 * rest of its block goes to the free lists for the next tables. */
void lc_tp_trim(struct tp_parser *tp, struct tp_tnode *tn)
{
	struct tp_tpriv *pv = &tn->pv;

	if (pv->cap == tn->t.len)
		return;
	carve(tp->ar, tn->t.kv + tn->t.len, (pv->cap - tn->t.len) * sizeof(*tn->t.kv));
	pv->cap = (uint32_t)tn->t.len;
	pv->exact = 1;
}

/* End of a section: trim the tables its dotted keys made. */
void lc_tp_trim_section(struct tp_parser *tp)
{
	for (size_t i = 0; i < tp->ntrim; i++)
		lc_tp_trim(tp, tp->trim[i]);
	tp->ntrim = 0;
}

/*
 * The current section's table collects its entries in a scratch array the
 * parser reuses, and gets an exact-size copy in the arena once the next
 * header is done with it (that header may still add a sub-table key).
 */
int lc_tp_settle(struct tp_parser *tp)
{
	struct tp_tnode *tn = tp->sown;
	struct lc_toml_kv *kv = NULL;

	if (!tn)
		return 0;
	if (tn->t.len) {
		kv = region_alloc(tp->ar, tn->t.len * sizeof(*kv));
		if (!kv)
			return lc_tp_oom(tp);
		memcpy(kv, tn->t.kv, tn->t.len * sizeof(*kv));
	}
	tn->t.kv = kv;
	tn->pv.cap = (uint32_t)tn->t.len;
	tn->pv.exact = 1;
	tp->sown = NULL;
	return 0;
}

int lc_tp_adopt(struct tp_parser *tp, struct tp_tnode *tn)
{
	struct tp_tpriv *pv = &tn->pv;

	if (tn == tp->sown)
		return 0;
	if (lc_tp_settle(tp) < 0)
		return -1;
	if (tn->t.len + 1 > tp->capskv && scratch_grow(tp, tn->t.len + 1) < 0)
		return lc_tp_oom(tp);
	if (tn->t.len) {
		memcpy(tp->skv, tn->t.kv, tn->t.len * sizeof(*tn->t.kv));
		carve(tp->ar, tn->t.kv, pv->cap * sizeof(*tn->t.kv));
	}
	tn->t.kv = tp->skv;
	pv->cap = (uint32_t)tp->capskv;
	pv->exact = 0;
	tp->sown = tn;
	return 0;
}

int lc_tp_too_deep(struct tp_parser *tp, const char *at)
{
	return lc_tp_err(tp, at, "nesting deeper than %d levels", LC_TOML_MAX_DEPTH);
}

struct tp_tnode *lc_tp_new_table(struct tp_parser *tp, unsigned depth,
				 unsigned line, unsigned col, const char *at)
{
	struct tp_tnode *tn;
	struct lc_toml_value *v;
	size_t sz = sizeof(*tn) + ((TP_VHEAD + sizeof(v->u.tab) + 7) & ~(size_t)7);

	if (depth > LC_TOML_MAX_DEPTH) {
		lc_tp_too_deep(tp, at);
		return NULL;
	}
	tn = lc_tp_alloc(tp->ar, sz);
	if (!tn) {
		lc_tp_oom(tp);
		return NULL;
	}
	memset(tn, 0, sz);
	v = lc_tp_tval(tn);
	v->type = LC_TOML_TABLE;
	v->line = tn->t.line = line;
	v->col = tn->t.col = col;
	v->u.tab = &tn->t;
	tn->t.priv = &tn->pv;
	tn->pv.depth = (uint16_t)depth;
	return tn;
}

struct tp_anode *lc_tp_new_array(struct tp_parser *tp, unsigned depth,
				 unsigned line, unsigned col, const char *at)
{
	struct tp_anode *an;
	struct lc_toml_value *v;
	size_t sz = sizeof(*an) + ((TP_VHEAD + sizeof(v->u.arr) + 7) & ~(size_t)7);

	if (depth > LC_TOML_MAX_DEPTH) {
		lc_tp_too_deep(tp, at);
		return NULL;
	}
	an = lc_tp_alloc(tp->ar, sz);
	if (!an) {
		lc_tp_oom(tp);
		return NULL;
	}
	memset(an, 0, sz);
	v = lc_tp_aval(an);
	v->type = LC_TOML_ARRAY;
	v->line = line;
	v->col = col;
	an->depth = (uint16_t)depth;
	return an;
}

/* Bytes a value node of this type needs: the head and its union member. */
size_t lc_tp_vsize(enum lc_toml_type t)
{
	const struct lc_toml_value *v = NULL;
	size_t n;

	switch (t) {
	case LC_TOML_STRING: n = sizeof(v->u.str); break;
	case LC_TOML_INTEGER: n = sizeof(v->u.i); break;
	case LC_TOML_FLOAT: n = sizeof(v->u.f); break;
	case LC_TOML_BOOL: n = sizeof(v->u.b); break;
	default: n = sizeof(v->u); break;
	}
	return (TP_VHEAD + n + 7) & ~(size_t)7;
}

int lc_tp_aot_push(struct tp_parser *tp, struct tp_anode *an,
		   struct lc_toml_value *v, const char *at)
{
	struct lc_toml_array *arr = &lc_tp_aval(an)->u.arr;

	if (arr->len == an->cap) {
		uint32_t ncap = an->cap ? an->cap * 2 : 4;
		struct lc_toml_value **items;

		if (an->cap >= UINT32_MAX / 4)
			return lc_tp_err(tp, at, "too many array elements");
		items = region_alloc(tp->ar, ncap * sizeof(*items));
		if (!items)
			return lc_tp_oom(tp);
		if (arr->len)
			memcpy(items, arr->items, arr->len * sizeof(*items));
		if (an->cap)
			carve(tp->ar, arr->items, an->cap * sizeof(*items));
		arr->items = items;
		an->cap = ncap;
	}
	arr->items[arr->len++] = v;
	return 0;
}

const struct lc_toml_kv *lc_toml_get(const struct lc_toml_table *t,
				     const char *key)
{
	if (!t || !key)
		return NULL;
	return lc_tp_tab_find(t, key, strlen(key));
}
