/* toml.c - the TOML 1.0.0 parser: keys, values, arrays, inline tables, headers and the entry points. */
#include <stdlib.h>
#include <string.h>

#include "toml_priv.h"
#include "banned.h"

struct lc_toml_doc {
	struct tp_arena ar; /* nodes */
	struct tp_arena br; /* bytes of strings and keys */
	struct tp_tnode *root;
};

/* ---- messages ----------------------------------------------------------- */

static const char *a_type(enum lc_toml_type t)
{
	switch (t) {
	case LC_TOML_STRING: return "a string";
	case LC_TOML_INTEGER: return "an integer";
	case LC_TOML_FLOAT: return "a float";
	case LC_TOML_BOOL: return "a boolean";
	case LC_TOML_DATETIME: return "an offset date-time";
	case LC_TOML_DATETIME_LOCAL: return "a local date-time";
	case LC_TOML_DATE_LOCAL: return "a local date";
	case LC_TOML_TIME_LOCAL: return "a local time";
	case LC_TOML_ARRAY: return "an array";
	case LC_TOML_TABLE: return "a table";
	}
	return "a value";
}

static const char *a_kind(const struct lc_toml_value *v)
{
	if (v->type == LC_TOML_ARRAY && lc_tp_varr(v)->aot)
		return "an array of tables";
	return a_type(v->type);
}

/* The dotted key parts[0..upto] for a message, control bytes as '?'. */
static const char *keypath(const struct tp_parser *tp, size_t upto, char *buf,
			   size_t size)
{
	size_t w = 0, room = size - 4; /* keep space for "..." */

	for (size_t i = 0; i <= upto && i < tp->nparts; i++) {
		const struct tp_kpart *k = &tp->parts[i];

		if (i && w < room)
			buf[w++] = '.';
		for (size_t j = 0; j < k->len && w < room; j++) {
			unsigned char c = (unsigned char)k->s[j];

			buf[w++] = c < 0x20 || c == 0x7F ? '?' : (char)c;
		}
	}
	if (w >= room) {
		/* cut on a character boundary */
		while (w > 0 && ((unsigned char)buf[w - 1] & 0xC0) == 0x80)
			w--;
		if (w > 0 && (unsigned char)buf[w - 1] >= 0xC0)
			w--;
		memcpy(buf + w, "...", 3);
		w += 3;
	}
	buf[w] = '\0';
	return buf;
}

/* ---- parsing ------------------------------------------------------------ */

static const unsigned char bare_ok[256] = {
	['-'] = 1, ['_'] = 1,
	['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1,
	['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
	['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1,
	['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1,
	['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1,
	['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
	['Y'] = 1, ['Z'] = 1,
	['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
	['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1,
	['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1,
	['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
	['y'] = 1, ['z'] = 1,
};

static void skip_ws(struct tp_parser *tp)
{
	while (tp->p < tp->end && (*tp->p == ' ' || *tp->p == '\t'))
		tp->p++;
}

/* Whitespace, newlines and comments (between statements, inside arrays). */
static int skip_ws_nl(struct tp_parser *tp)
{
	for (;;) {
		skip_ws(tp);
		if (tp->p >= tp->end)
			return 0;
		if (*tp->p == '\n') {
			lc_tp_newline(tp, ++tp->p);
		} else if (*tp->p == '\r' && tp->p + 1 < tp->end && tp->p[1] == '\n') {
			tp->p += 2;
			lc_tp_newline(tp, tp->p);
		} else if (*tp->p == '#') {
			if (lc_tp_comment(tp) < 0)
				return -1;
		} else {
			return 0;
		}
	}
}

static int expected(struct tp_parser *tp, const char *what)
{
	char d[48];

	lc_tp_desc(tp, tp->p, d, sizeof(d));
	return lc_tp_err(tp, tp->p, "expected %s, found %s", what, d);
}

/* key = simple-key *( '.' simple-key ), into tp->parts. */
static int parse_key(struct tp_parser *tp)
{
	struct tp_kpart *k;
	const char *s;

	tp->nparts = 0;
	for (;;) {
		skip_ws(tp);
		if (tp->nparts > LC_TOML_MAX_DEPTH)
			return lc_tp_too_deep(tp, tp->p);
		k = &tp->parts[tp->nparts];
		k->at = s = tp->p;
		k->line = tp->line;
		if (s < tp->end && (*s == '"' || *s == '\'')) {
			k->col = lc_tp_col(tp, s);
			if (lc_tp_string(tp, (char **)&k->s, &k->len, 1) < 0)
				return -1;
			k->quoted = 1;
		} else {
			while (tp->p < tp->end && bare_ok[(unsigned char)*tp->p])
				tp->p++;
			if (tp->p == s)
				return expected(tp, "a key");
			k->col = lc_tp_col(tp, s);
			k->s = s;
			k->len = (size_t)(tp->p - s);
			k->quoted = 0;
		}
		tp->nparts++;
		skip_ws(tp);
		if (tp->p < tp->end && *tp->p == '.') {
			tp->p++;
			continue;
		}
		return 0;
	}
}

/* Walk (or create) the table parts[i] below t for a dotted key. */
static struct tp_tnode *dotted(struct tp_parser *tp, struct tp_tnode *t, size_t i)
{
	const struct tp_kpart *k = &tp->parts[i];
	struct lc_toml_kv *kv = lc_tp_tab_find(&t->t, k->s, k->len);
	struct tp_tnode *c;
	char path[256];

	if (!kv) {
		c = lc_tp_new_table(tp, t->pv.depth + 1u, k->line, k->col, k->at);
		if (!c || lc_tp_tab_add(tp, t, k, lc_tp_tval(c)) < 0)
			return NULL;
		c->pv.dotted = tp->section;
		if (tp->ntrim < TP_TRIM_MAX)
			tp->trim[tp->ntrim++] = c;
		return c;
	}
	if (kv->val->type != LC_TOML_TABLE) {
		lc_tp_err(tp, k->at, "cannot add keys to '%s': it is %s",
			  keypath(tp, i, path, sizeof(path)), a_kind(kv->val));
		return NULL;
	}
	c = lc_tp_vtab(kv->val);
	if (c->t.is_inline) {
		lc_tp_err(tp, k->at, "cannot add keys to inline table '%s'",
			  keypath(tp, i, path, sizeof(path)));
		return NULL;
	}
	if (c->pv.explicit_) {
		lc_tp_err(tp, k->at,
			  "cannot add keys to table '%s' with dotted keys: it has a [header]",
			  keypath(tp, i, path, sizeof(path)));
		return NULL;
	}
	if (c->pv.dotted && c->pv.dotted != tp->section) {
		lc_tp_err(tp, k->at,
			  "cannot add keys to table '%s': it was defined by dotted keys in another section",
			  keypath(tp, i, path, sizeof(path)));
		return NULL;
	}
	c->pv.dotted = tp->section;
	return c;
}

static struct lc_toml_value *parse_value(struct tp_parser *tp, unsigned depth);

/* key = value into table tn (the current section's table, or an inline one). */
static int parse_kv(struct tp_parser *tp, struct tp_tnode *tn)
{
	struct tp_kpart last;
	struct lc_toml_value *v;
	char path[256];

	if (parse_key(tp) < 0)
		return -1;
	if (tp->p >= tp->end || *tp->p != '=')
		return expected(tp, "'=' after a key");
	tp->p++;
	skip_ws(tp);
	for (size_t i = 0; i + 1 < tp->nparts; i++)
		if (!(tn = dotted(tp, tn, i)))
			return -1;
	last = tp->parts[tp->nparts - 1];
	if (lc_tp_tab_find(&tn->t, last.s, last.len))
		return lc_tp_err(tp, last.at, "duplicate key '%s'",
				 keypath(tp, tp->nparts - 1, path, sizeof(path)));
	v = parse_value(tp, tn->pv.depth + 1u);
	if (!v)
		return -1;
	return lc_tp_tab_add(tp, tn, &last, v);
}

static struct lc_toml_value *parse_array(struct tp_parser *tp, unsigned depth,
					 unsigned line, unsigned col)
{
	struct tp_anode *an = lc_tp_new_array(tp, depth, line, col, tp->p);
	struct lc_toml_value *v, **items = NULL;
	size_t base = tp->nstk, n;

	if (!an)
		return NULL;
	tp->p++;
	for (;;) {
		if (skip_ws_nl(tp) < 0)
			return NULL;
		if (tp->p >= tp->end) {
			lc_tp_err(tp, tp->p, "unterminated array (opened at line %u, col %u)",
				  line, col);
			return NULL;
		}
		if (*tp->p == ']')
			break;
		if (!(v = parse_value(tp, depth + 1)))
			return NULL;
		if (tp->nstk == tp->capstk) {
			size_t ncap = tp->capstk ? tp->capstk * 2 : 64;
			struct lc_toml_value **ns = realloc(tp->stk, ncap * sizeof(*ns));

			if (!ns) {
				lc_tp_oom(tp);
				return NULL;
			}
			tp->stk = ns;
			tp->capstk = ncap;
		}
		tp->stk[tp->nstk++] = v;
		if (skip_ws_nl(tp) < 0)
			return NULL;
		if (tp->p < tp->end && *tp->p == ',') {
			tp->p++;
			continue;
		}
		if (tp->p < tp->end && *tp->p == ']')
			break;
		expected(tp, "',' or ']' in array");
		return NULL;
	}
	tp->p++;
	n = tp->nstk - base;
	if (n) {
		items = lc_tp_alloc(tp->ar, n * sizeof(*items));
		if (!items) {
			lc_tp_oom(tp);
			return NULL;
		}
		memcpy(items, tp->stk + base, n * sizeof(*items));
	}
	tp->nstk = base;
	lc_tp_aval(an)->u.arr.items = items;
	lc_tp_aval(an)->u.arr.len = n;
	an->cap = (uint32_t)n;
	return lc_tp_aval(an);
}

static struct lc_toml_value *parse_inline(struct tp_parser *tp, unsigned depth,
					  unsigned line, unsigned col)
{
	struct tp_tnode *tn = lc_tp_new_table(tp, depth, line, col, tp->p);

	if (!tn)
		return NULL;
	tn->t.is_inline = 1;
	tp->p++;
	skip_ws(tp);
	if (tp->p < tp->end && *tp->p == '}') {
		tp->p++;
		return lc_tp_tval(tn);
	}
	for (;;) {
		if (parse_kv(tp, tn) < 0)
			return NULL;
		skip_ws(tp);
		if (tp->p < tp->end && *tp->p == ',') {
			tp->p++;
			skip_ws(tp);
			if (tp->p < tp->end && *tp->p == '}') {
				lc_tp_err(tp, tp->p, "trailing comma in inline table");
				return NULL;
			}
			continue;
		}
		if (tp->p < tp->end && *tp->p == '}') {
			tp->p++;
			lc_tp_trim(tp, tn);
			return lc_tp_tval(tn);
		}
		expected(tp, "',' or '}' in inline table");
		return NULL;
	}
}

static struct lc_toml_value *parse_value(struct tp_parser *tp, unsigned depth)
{
	const char *s = tp->p;
	unsigned line = tp->line, col;
	struct lc_toml_value *v;

	if (s >= tp->end || *s == '\n' || *s == '\r' || *s == '#') {
		expected(tp, "a value");
		return NULL;
	}
	if (depth > LC_TOML_MAX_DEPTH) {
		lc_tp_too_deep(tp, s);
		return NULL;
	}
	col = lc_tp_col(tp, s);
	if (*s == '[')
		return parse_array(tp, depth, line, col);
	if (*s == '{')
		return parse_inline(tp, depth, line, col);
	v = lc_tp_alloc(tp->ar, sizeof(*v));
	if (!v) {
		lc_tp_oom(tp);
		return NULL;
	}
	v->line = line;
	v->col = col;
	if (*s == '"' || *s == '\'') {
		v->type = LC_TOML_STRING;
		if (lc_tp_string(tp, &v->u.str.ptr, &v->u.str.len, 0) < 0)
			return NULL;
	} else if (lc_tp_scalar(tp, v) < 0) {
		return NULL;
	}
	/* strings went to the byte arena: v is still the last node */
	lc_tp_shrink(tp->ar, v, (sizeof(*v) + 7) & ~(size_t)7, lc_tp_vsize(v->type));
	return v;
}

/* [a.b.c] or [[a.b.c]]: find or make the table and make it current. */
static int parse_header(struct tp_parser *tp)
{
	const char *h = tp->p;
	unsigned line = tp->line, col = lc_tp_col(tp, h);
	int aot = h + 1 < tp->end && h[1] == '[';
	struct tp_tnode *t = tp->root, *c;
	struct tp_anode *an;
	struct lc_toml_value *v;
	struct lc_toml_kv *kv = NULL;
	const struct tp_kpart *k = NULL;
	char path[256];

#define PATH keypath(tp, tp->nparts - 1, path, sizeof(path))
	lc_tp_trim_section(tp);
	tp->p += aot ? 2 : 1;
	if (parse_key(tp) < 0)
		return -1;
	if (tp->p >= tp->end || *tp->p != ']' ||
	    (aot && (tp->p + 1 >= tp->end || tp->p[1] != ']')))
		return expected(tp, aot ? "']]' to close the header" :
				    "']' to close the header");
	tp->p += aot ? 2 : 1;
	for (size_t i = 0; i < tp->nparts; i++) {
		k = &tp->parts[i];
		kv = lc_tp_tab_find(&t->t, k->s, k->len);
		if (i + 1 == tp->nparts)
			break;
		if (!kv) {
			c = lc_tp_new_table(tp, t->pv.depth + 1u, k->line, k->col, k->at);
			if (!c || lc_tp_tab_add(tp, t, k, lc_tp_tval(c)) < 0)
				return -1;
			t = c;
			continue;
		}
		v = kv->val;
		if (v->type == LC_TOML_TABLE && !v->u.tab->is_inline) {
			t = lc_tp_vtab(v);
		} else if (v->type == LC_TOML_ARRAY && lc_tp_varr(v)->aot) {
			t = lc_tp_vtab(v->u.arr.items[v->u.arr.len - 1]);
		} else if (v->type == LC_TOML_TABLE) {
			return lc_tp_err(tp, k->at, "cannot add to inline table '%s'",
					 keypath(tp, i, path, sizeof(path)));
		} else {
			return lc_tp_err(tp, k->at, "cannot add to '%s': it is %s",
					 keypath(tp, i, path, sizeof(path)), a_kind(v));
		}
	}
	tp->section++;
	if (!aot) {
		if (!kv) {
			c = lc_tp_new_table(tp, t->pv.depth + 1u, line, col, h);
			if (!c || lc_tp_tab_add(tp, t, k, lc_tp_tval(c)) < 0)
				return -1;
		} else if (kv->val->type == LC_TOML_TABLE) {
			c = lc_tp_vtab(kv->val);
			if (c->t.is_inline)
				return lc_tp_err(tp, h, "cannot reopen inline table '%s'", PATH);
			if (c->pv.explicit_)
				return lc_tp_err(tp, h, "table '%s' defined twice", PATH);
			if (c->pv.dotted)
				return lc_tp_err(tp, h,
						 "table '%s' already defined by dotted keys", PATH);
			kv->val->line = c->t.line = line;
			kv->val->col = c->t.col = col;
		} else if (kv->val->type == LC_TOML_ARRAY && lc_tp_varr(kv->val)->aot) {
			return lc_tp_err(tp, h, "table '%s' already defined as an array of tables",
					 PATH);
		} else {
			return lc_tp_err(tp, h, "cannot define table '%s': it is %s",
					 PATH, a_type(kv->val->type));
		}
	} else {
		if (!kv) {
			an = lc_tp_new_array(tp, t->pv.depth + 1u, line, col, h);
			if (!an || lc_tp_tab_add(tp, t, k, lc_tp_aval(an)) < 0)
				return -1;
			an->aot = 1;
		} else if (kv->val->type == LC_TOML_ARRAY) {
			an = lc_tp_varr(kv->val);
			if (!an->aot)
				return lc_tp_err(tp, h, "cannot append to static array '%s'",
						 PATH);
		} else {
			return lc_tp_err(tp, h, "cannot define array of tables '%s': it is %s",
					 PATH, a_type(kv->val->type));
		}
		c = lc_tp_new_table(tp, an->depth + 1u, line, col, h);
		if (!c || lc_tp_aot_push(tp, an, lc_tp_tval(c), h) < 0)
			return -1;
	}
#undef PATH
	c->pv.explicit_ = 1;
	tp->cur = c;
	return lc_tp_adopt(tp, c);
}

static int parse_doc(struct tp_parser *tp)
{
	int rc, hdr;

	for (;;) {
		if (skip_ws_nl(tp) < 0)
			return -1;
		if (tp->p >= tp->end)
			return 0;
		hdr = *tp->p == '[';
		if (hdr)
			rc = parse_header(tp);
		else
			rc = parse_kv(tp, tp->cur);
		if (rc < 0)
			return -1;
		skip_ws(tp);
		if (tp->p < tp->end && *tp->p == '#' && lc_tp_comment(tp) < 0)
			return -1;
		if (tp->p < tp->end && *tp->p != '\n' &&
		    !(*tp->p == '\r' && tp->p + 1 < tp->end && tp->p[1] == '\n'))
			return expected(tp, hdr ? "end of line after the header" :
					    "end of line after the value");
	}
}

int lc_toml_parse(struct lc_toml_doc **out, const char *buf, size_t len,
		  struct lc_err *err)
{
	struct tp_parser tp;
	struct lc_toml_doc *doc;
	struct lc_err ignored;
	int rc = -1;

	*out = NULL;
	if (!err)
		err = &ignored;
	if (!buf) {
		if (len)
			return lc_err_set(err, "toml: no input buffer");
		buf = "";
	}
	doc = calloc(1, sizeof(*doc));
	if (!doc)
		return lc_err_setc(err, LC_ERR_NOMEM, "out of memory parsing toml");
	memset(&tp, 0, sizeof(tp));
	tp.p = buf;
	tp.end = buf + len;
	if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
		tp.p += 3;
	tp.base = tp.ls = tp.cptr = tp.p;
	tp.line = tp.ccol = 1;
	tp.ar = &doc->ar;
	tp.br = &doc->br;
	tp.err = err;
	tp.section = 1;
	doc->root = tp.root = tp.cur = lc_tp_new_table(&tp, 0, 1, 1, tp.p);
	if (!doc->root || lc_tp_adopt(&tp, tp.root) < 0)
		goto out;
	if (parse_doc(&tp) < 0 || lc_tp_settle(&tp) < 0)
		goto out;
	*out = doc;
	rc = 0;
out:
	free(tp.stk);
	free(tp.keys);
	free(tp.skv);
	if (rc < 0)
		lc_toml_free(doc);
	return rc;
}

void lc_toml_free(struct lc_toml_doc *doc)
{
	if (!doc)
		return;
	lc_tp_arena_free(&doc->ar);
	lc_tp_arena_free(&doc->br);
	free(doc);
}

const struct lc_toml_table *lc_toml_root(const struct lc_toml_doc *doc)
{
	return &doc->root->t;
}
