/* toml_priv.h - internals shared by toml.c, toml_tab.c and toml_scan.c; not a public API. */
#ifndef LC_TOML_PRIV_H
#define LC_TOML_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "toml.h"

/*
 * Two arenas of big malloc'd chunks, freed at once: one for nodes (8-byte
 * aligned) and one for the bytes of strings and keys (unaligned).  Power-
 * of-two blocks that outgrew their use (a table's kv array after doubling,
 * an old hash index) go to free lists by size class and are handed out
 * again.
 *
 * Value nodes are allocated with only the union member their type uses
 * (a string node has no room for a datetime).  Every chunk keeps
 * TP_SLACK spare bytes past its end, so even a by-value copy of a whole
 * struct lc_toml_value stays inside the malloc'd block.
 */
#define TP_ARENA_FIRST (64u * 1024)
#define TP_ARENA_MAX (1024u * 1024)
#define TP_SLACK 64u
#define TP_NCLASS 48
#define TP_TRIM_MAX 32

struct tp_chunk {
	struct tp_chunk *next;
};

struct tp_arena {
	char *cur, *end;
	struct tp_chunk *chunks;
	size_t next_size;
	void *freel[TP_NCLASS];
};

void *lc_tp_alloc_slow(struct tp_arena *a, size_t n);

/* n bytes, 8-aligned if n is a multiple of 8 and all earlier ones were. */
static inline void *lc_tp_balloc(struct tp_arena *a, size_t n)
{
	void *r;

	if ((size_t)(a->end - a->cur) < n)
		return lc_tp_alloc_slow(a, n);
	r = a->cur;
	a->cur += n;
	return r;
}

static inline void *lc_tp_alloc(struct tp_arena *a, size_t n)
{
	return lc_tp_balloc(a, (n + 7) & ~(size_t)7);
}

/* Give back the tail of the most recent allocation: p had 'had' bytes and
 * keeps 'keep' (round both up to 8 in the node arena). */
static inline void lc_tp_shrink(struct tp_arena *a, void *p, size_t had,
				size_t keep)
{
	if ((char *)p + had == a->cur)
		a->cur = (char *)p + keep;
}

#define TP_VHEAD offsetof(struct lc_toml_value, u)

/* Per-table bookkeeping behind lc_toml_table.priv. */
struct tp_tpriv {
	void *idx;       /* open addressing: kv index + 1, 0 = empty; or NULL */
	uint32_t icap;   /* slots in idx (power of two) */
	uint32_t cap;    /* kv slots allocated */
	uint32_t dotted; /* section that created/extended it by dotted keys */
	uint16_t depth;  /* nesting level, root = 0 */
	uint8_t explicit_; /* defined by [header] or as a [[header]] element */
	uint8_t exact;   /* kv was trimmed to size at the end of a section */
};

/* A table: the table and its bookkeeping, then its value node (head and
 * u.tab only).  t is first, so a value's u.tab leads back here. */
struct tp_tnode {
	struct lc_toml_table t;
	struct tp_tpriv pv;
};

static inline struct lc_toml_value *lc_tp_tval(struct tp_tnode *tn)
{
	return (struct lc_toml_value *)(void *)(tn + 1);
}

static inline struct tp_tnode *lc_tp_vtab(const struct lc_toml_value *v)
{
	return (struct tp_tnode *)v->u.tab;
}

/* An array: this header, then its value node (head and u.arr only).
 * Arrays of tables grow; static arrays are exact. */
struct tp_anode {
	uint32_t cap;
	uint16_t depth;
	uint8_t aot; /* made by [[header]] */
	uint8_t pad_;
};

static inline struct lc_toml_value *lc_tp_aval(struct tp_anode *an)
{
	return (struct lc_toml_value *)(void *)(an + 1);
}

static inline struct tp_anode *lc_tp_varr(const struct lc_toml_value *v)
{
	return (struct tp_anode *)(void *)v - 1;
}

struct tp_kpart {
	const char *at; /* where it is written */
	const char *s;  /* bare: into the input; quoted: decoded, in the arena */
	size_t len;
	unsigned line, col;
	int quoted;
};

struct tp_parser {
	const char *p, *end;
	const char *base; /* start of the text after any BOM */
	const char *ls;   /* start of the current line */
	unsigned line;
	const char *cptr; /* column cache: cptr is at column ccol */
	unsigned ccol;
	struct tp_arena *ar; /* nodes */
	struct tp_arena *br; /* string and key bytes */
	struct lc_err *err;
	/* keys seen so far, shared between tables (bounded) */
	const char **keys;
	size_t nkeys, capkeys;

	struct tp_tnode *root, *cur;
	uint32_t section;
	/* array items being collected (nested arrays stack up) */
	struct lc_toml_value **stk;
	size_t nstk, capstk;
	struct tp_kpart parts[LC_TOML_MAX_DEPTH + 1];
	size_t nparts;
	/* the current section's table fills this array first */
	struct lc_toml_kv *skv;
	size_t capskv;
	struct tp_tnode *sown;
	/* tables made by dotted keys in this section, trimmed at its end */
	struct tp_tnode *trim[TP_TRIM_MAX];
	size_t ntrim;
};

/* The column of q, which lies on the current line; monotone calls are O(1)
 * amortised. */
static inline unsigned lc_tp_col(struct tp_parser *tp, const char *q)
{
	const unsigned char *s;
	unsigned c;

	if (q < tp->cptr) {
		tp->cptr = tp->ls;
		tp->ccol = 1;
	}
	c = tp->ccol;
	for (s = (const unsigned char *)tp->cptr; s < (const unsigned char *)q;
	     s++)
		c += (*s & 0xC0) != 0x80;
	tp->cptr = q;
	tp->ccol = c;
	return c;
}

/* A newline ends just before 'after'. */
static inline void lc_tp_newline(struct tp_parser *tp, const char *after)
{
	tp->line++;
	tp->ls = tp->cptr = after;
	tp->ccol = 1;
}

/* toml_tab.c */
void lc_tp_arena_free(struct tp_arena *a);
struct lc_toml_kv *lc_tp_tab_find(const struct lc_toml_table *t, const char *k,
				  size_t n);
/* Append k = val to tn; the caller checked that k is new. */
int lc_tp_tab_add(struct tp_parser *tp, struct tp_tnode *tn,
		  const struct tp_kpart *k, struct lc_toml_value *val);
void lc_tp_trim(struct tp_parser *tp, struct tp_tnode *tn);
void lc_tp_trim_section(struct tp_parser *tp);
int lc_tp_settle(struct tp_parser *tp);
int lc_tp_adopt(struct tp_parser *tp, struct tp_tnode *tn);
int lc_tp_too_deep(struct tp_parser *tp, const char *at);
struct tp_tnode *lc_tp_new_table(struct tp_parser *tp, unsigned depth,
				 unsigned line, unsigned col, const char *at);
struct tp_anode *lc_tp_new_array(struct tp_parser *tp, unsigned depth,
				 unsigned line, unsigned col, const char *at);
size_t lc_tp_vsize(enum lc_toml_type t);
int lc_tp_aot_push(struct tp_parser *tp, struct tp_anode *an,
		   struct lc_toml_value *v, const char *at);

/* toml_scan.c */
int lc_tp_err(struct tp_parser *tp, const char *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int lc_tp_oom(struct tp_parser *tp);
/* "'x'", "U+0000", "end of input", "invalid utf-8 byte 0xff" */
void lc_tp_desc(const struct tp_parser *tp, const char *at, char *buf,
		size_t size);
unsigned lc_tp_utf8_len(const unsigned char *s, const unsigned char *e);
int lc_tp_comment(struct tp_parser *tp);
int lc_tp_string(struct tp_parser *tp, char **out, size_t *outlen, int key);
int lc_tp_scalar(struct tp_parser *tp, struct lc_toml_value *v);

#endif
