/* test_toml.c - unit tests of the TOML parser and the toml-test 1.0.0 conformance driver. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "toml.h"
#include "unit.h"
#include "banned.h"

/* ---- helpers for the typed-in cases --------------------------------- */

static struct lc_err last_err;

/* Parse exactly len bytes from a heap copy of that size (no terminator). */
static struct lc_toml_doc *parse_n(const char *s, size_t len)
{
	struct lc_toml_doc *doc = NULL;
	char *copy = malloc(len ? len : 1);

	if (!copy)
		return NULL;
	memcpy(copy, s, len);
	lc_err_clear(&last_err);
	if (lc_toml_parse(&doc, copy, len, &last_err) < 0)
		doc = NULL;
	free(copy);
	return doc;
}

static struct lc_toml_doc *parse(const char *s)
{
	return parse_n(s, strlen(s));
}

static int fails(const char *s)
{
	struct lc_toml_doc *doc = parse(s);

	lc_toml_free(doc);
	return doc == NULL;
}

/* Fails at line:col with msg containing 'want' (NULL: any message). */
static int fails_at(const char *s, size_t len, unsigned line, unsigned col,
		    const char *want)
{
	struct lc_toml_doc *doc = parse_n(s, len);

	if (doc) {
		lc_toml_free(doc);
		fprintf(stderr, "    accepted: %.60s\n", s);
		return 0;
	}
	if (last_err.line != line || last_err.col != col ||
	    (want && !strstr(last_err.msg, want))) {
		fprintf(stderr, "    got %u:%u: %s\n", last_err.line, last_err.col,
			last_err.msg);
		return 0;
	}
	return 1;
}

/* The value at a dotted path of bare keys ("a.b.c"), or NULL. */
static const struct lc_toml_value *get(const struct lc_toml_doc *doc,
				       const char *path)
{
	const struct lc_toml_table *t = lc_toml_root(doc);
	const struct lc_toml_kv *kv = NULL;
	char buf[256], *p = buf, *dot;

	snprintf(buf, sizeof(buf), "%s", path);
	for (;;) {
		dot = strchr(p, '.');
		if (dot)
			*dot = '\0';
		if (!t || !(kv = lc_toml_get(t, p)))
			return NULL;
		if (!dot)
			return kv->val;
		t = kv->val->type == LC_TOML_TABLE ? kv->val->u.tab : NULL;
		p = dot + 1;
	}
}

static int is_str(const struct lc_toml_value *v, const char *s, size_t n)
{
	return v && v->type == LC_TOML_STRING && v->u.str.len == n &&
	       memcmp(v->u.str.ptr, s, n) == 0 && v->u.str.ptr[n] == '\0';
}

static int is_int(const struct lc_toml_value *v, int64_t i)
{
	return v && v->type == LC_TOML_INTEGER && v->u.i == i;
}

static int is_flt(const struct lc_toml_value *v, double f)
{
	return v && v->type == LC_TOML_FLOAT && v->u.f == f;
}

static int at(const struct lc_toml_value *v, unsigned line, unsigned col)
{
	if (v && v->line == line && v->col == col)
		return 1;
	if (v)
		fprintf(stderr, "    value is at %u:%u\n", v->line, v->col);
	return 0;
}

static int fmt_is(const struct lc_toml_value *v, const char *want)
{
	char buf[64];

	if (!v || v->type < LC_TOML_DATETIME || v->type > LC_TOML_TIME_LOCAL)
		return 0;
	lc_toml_datetime_fmt(buf, sizeof(buf), v->type, &v->u.dt);
	if (strcmp(buf, want) != 0) {
		fprintf(stderr, "    formatted %s\n", buf);
		return 0;
	}
	return 1;
}

/* pre, then open n times, mid, close n times. */
static char *nest(const char *pre, const char *open, size_t n, const char *mid,
		  const char *close)
{
	size_t lp = strlen(pre), lo = strlen(open), lm = strlen(mid), lc = strlen(close);
	char *b = malloc(lp + n * (lo + lc) + lm + 1), *w = b;

	if (!b)
		return NULL;
	memcpy(w, pre, lp);
	w += lp;
	for (size_t i = 0; i < n; i++, w += lo)
		memcpy(w, open, lo);
	memcpy(w, mid, lm);
	w += lm;
	for (size_t i = 0; i < n; i++, w += lc)
		memcpy(w, close, lc);
	*w = '\0';
	return b;
}

static void strings(void)
{
	struct lc_toml_doc *d;

	d = parse("s = \"a\\tb\\n\\\"q\\\"\\\\ \\u00e9 \\U0001F600 \\b\\f\\r\"\n"
		  "l = 'C:\\path\\'\n"
		  "z = \"a\\u0000b\"\n"
		  "h = \"x # not a comment\" # but this is\n");
	CHECK(d && is_str(get(d, "s"), "a\tb\n\"q\"\\ \xc3\xa9 \xf0\x9f\x98\x80 \b\f\r", 20));
	CHECK(d && is_str(get(d, "l"), "C:\\path\\", 8));
	CHECK(d && is_str(get(d, "z"), "a\0b", 3));
	CHECK(d && is_str(get(d, "h"), "x # not a comment", 17));
	lc_toml_free(d);

	d = parse("a = \"\"\"\nfoo \\\n   \n   bar\"\"\"\n"
		  "b = '''\r\nraw\\n\r\nline'''\n"
		  "c = \"\"\"q\"\"\"\"\"\n"
		  "e = ''''x'''''\n");
	CHECK(d && is_str(get(d, "a"), "foo bar", 7));
	CHECK(d && is_str(get(d, "b"), "raw\\n\nline", 10));
	CHECK(d && is_str(get(d, "c"), "q\"\"", 3));
	CHECK(d && is_str(get(d, "e"), "'x''", 4));
	lc_toml_free(d);

	CHECK(fails_at("s = \"\\q\"", 8, 1, 6, "invalid escape '\\q' in string"));
	CHECK(fails("s = \"\\uD800\"") && fails("s = \"\\U00110000\"") && fails("s = \"\\u12\""));
	CHECK(fails("s = \"\"\"a \\ b\"\"\""));    /* backslash-space is no escape */
	CHECK(fails("s = 'a\nb'") && fails("s = \"a\x7f\"")); /* newline, DEL */
	CHECK(fails("s = \"\"\"a\rb\"\"\"") && fails("s = \"\"\"a\"\"\"\"\"\"")); /* CR, 6 quotes */
	CHECK(fails_at("a = 1\nb = \"abc", 13, 2, 5, "unterminated string"));
}

static void numbers(void)
{
	struct lc_toml_doc *d;
	const struct lc_toml_value *v;
	char *s;

	d = parse("a = 1_000\nb = +17\nc = -0\nd = 0xDEAD_beef\ne = 0o755\nf = 0b1101\n"
		  "max = 9223372036854775807\nmin = -9223372036854775808\n"
		  "hmax = 0x7FFFFFFFFFFFFFFF\n");
	CHECK(d && is_int(get(d, "a"), 1000) && is_int(get(d, "b"), 17) && is_int(get(d, "c"), 0));
	CHECK(d && is_int(get(d, "d"), 0xDEADBEEF) && is_int(get(d, "e"), 0755) &&
	      is_int(get(d, "f"), 13));
	CHECK(d && is_int(get(d, "max"), INT64_MAX) && is_int(get(d, "min"), INT64_MIN) &&
	      is_int(get(d, "hmax"), INT64_MAX));
	lc_toml_free(d);
	CHECK(fails_at("a = 9223372036854775808", 23, 1, 5, "range"));
	CHECK(fails("a = -9223372036854775809") && fails("a = 0x8000000000000000"));
	CHECK(fails("a = 01") && fails("a = +01") && fails("a = 0_1"));
	CHECK(fails("a = 1__2") && fails("a = _1") && fails("a = 1_") && fails("a = 0x_1"));
	CHECK(fails("a = +0x1") && fails("a = -0b1") && fails("a = 0X1") && fails("a = 0b2"));

	d = parse("a = 1.5\nb = -0.0\nc = 1e10\nd = 6.626e-34\ne = inf\nf = -inf\n"
		  "g = nan\nh = +nan\ni = 1_0.2_5e+0_1\nj = 1.7976931348623157e308\n"
		  "k = 0.1\nl = 3E2\nm = 9_007_199_254_740_993.0\n");
	CHECK(d && is_flt(get(d, "a"), 1.5));
	CHECK(d && (v = get(d, "b")) && v->u.f == 0.0 && signbit(v->u.f));
	CHECK(d && is_flt(get(d, "c"), 1e10) && is_flt(get(d, "d"), 6.626e-34));
	CHECK(d && is_flt(get(d, "e"), INFINITY) && is_flt(get(d, "f"), -INFINITY));
	CHECK(d && (v = get(d, "g")) && v->type == LC_TOML_FLOAT && isnan(v->u.f));
	CHECK(d && (v = get(d, "h")) && v->type == LC_TOML_FLOAT && isnan(v->u.f));
	CHECK(d && is_flt(get(d, "i"), 102.5) && is_flt(get(d, "j"), 1.7976931348623157e308));
	CHECK(d && is_flt(get(d, "k"), 0.1) && is_flt(get(d, "l"), 300.0));
	CHECK(d && is_flt(get(d, "m"), 9007199254740992.0));
	lc_toml_free(d);
	s = nest("a = 0.", "0", 299, "5", "");  /* long floats: the slow path */
	d = s ? parse(s) : NULL;
	CHECK(d && is_flt(get(d, "a"), 5e-300));
	lc_toml_free(d);
	free(s);
	s = nest("b = 1", "0", 300, ".5e-300", "");
	d = s ? parse(s) : NULL;
	CHECK(d && is_flt(get(d, "b"), 1.0));
	lc_toml_free(d);
	free(s);
	CHECK(fails("a = 1.") && fails("a = .5") && fails("a = 1e") && fails("a = 01.5"));
	CHECK(fails("a = 1_.5") && fails("a = 1._5") && fails("a = 1e_5") && fails("a = 1.5e"));
	CHECK(fails("a = Inf") && fails("a = NaN") && fails("a = in") && fails("a = 1.2.3"));

	d = parse("t = true\nf = false\n");
	CHECK(d && get(d, "t")->type == LC_TOML_BOOL && get(d, "t")->u.b == 1 &&
	      get(d, "f")->u.b == 0);
	lc_toml_free(d);
	CHECK(fails("a = True") && fails("a = truex") && fails("a = f"));
}

static void datetimes(void)
{
	struct lc_toml_doc *d;
	const struct lc_toml_value *v;

	d = parse("a = 1987-07-05T17:45:00Z\nb = 1979-05-27 07:32:00.999-07:00\n"
		  "c = 1979-05-27T00:32:00.999\ne = 1979-05-27\nf = 07:32:00\n"
		  "g = 00:32:00.999999\nh = 1979-05-27t07:32:00z\n"
		  "i = 00:00:00.123456789999\n"
		  "j = 2000-02-29\nk = 2024-02-29T23:59:60+05:30\n");
	CHECK(d && (v = get(d, "a")) && v->type == LC_TOML_DATETIME && v->u.dt.offset_z &&
	      v->u.dt.year == 1987 && v->u.dt.second == 0);
	CHECK(d && fmt_is(get(d, "a"), "1987-07-05T17:45:00Z"));
	CHECK(d && (v = get(d, "b")) && v->u.dt.offset_minutes == -420 &&
	      v->u.dt.nanosecond == 999000000 && v->u.dt.frac_digits == 3);
	CHECK(d && fmt_is(get(d, "b"), "1979-05-27T07:32:00.999-07:00"));
	CHECK(d && get(d, "c")->type == LC_TOML_DATETIME_LOCAL &&
	      fmt_is(get(d, "c"), "1979-05-27T00:32:00.999"));
	CHECK(d && get(d, "e")->type == LC_TOML_DATE_LOCAL && fmt_is(get(d, "e"), "1979-05-27"));
	CHECK(d && get(d, "f")->type == LC_TOML_TIME_LOCAL && fmt_is(get(d, "f"), "07:32:00"));
	CHECK(d && fmt_is(get(d, "g"), "00:32:00.999999"));
	CHECK(d && fmt_is(get(d, "h"), "1979-05-27T07:32:00Z"));
	CHECK(d && (v = get(d, "i")) && v->u.dt.nanosecond == 123456789 &&
	      fmt_is(v, "00:00:00.123456789"));
	CHECK(d && fmt_is(get(d, "j"), "2000-02-29") &&
	      fmt_is(get(d, "k"), "2024-02-29T23:59:60+05:30"));
	lc_toml_free(d);
	CHECK(fails("a = 1900-02-29") && fails("a = 2023-02-29") && fails("a = 2023-04-31"));
	CHECK(fails("a = 2023-13-01") && fails("a = 2023-00-01") && fails("a = 2023-01-00"));
	CHECK(fails("a = 07:32") && fails("a = 24:00:00") && fails("a = 12:60:00"));
	CHECK(fails("a = 12:00:61") && fails("a = 1979-05-27T07:32:00+24:00"));
	CHECK(fails("a = 1979-05-27T") && fails("a = 1979-05-27T07:32:00.") &&
	      fails("a = 07:32:00Z") && fails("a = 1979-5-27"));
}

static void structure(void)
{
	struct lc_toml_doc *d;
	const struct lc_toml_value *v;
	const struct lc_toml_table *t;

	d = parse("a = [1, 'two', 3.0, [4], {five = 5},]\n"
		  "b = [ # comment\n  1,\n\n  2 # two\n  ,\n]\n"
		  "c = []\n");
	CHECK(d && (v = get(d, "a")) && v->type == LC_TOML_ARRAY && v->u.arr.len == 5 &&
	      v->u.arr.items[1]->type == LC_TOML_STRING &&
	      v->u.arr.items[3]->type == LC_TOML_ARRAY &&
	      v->u.arr.items[4]->u.tab->is_inline);
	CHECK(d && (v = get(d, "b")) && v->u.arr.len == 2 && is_int(v->u.arr.items[1], 2));
	CHECK(d && (v = get(d, "c")) && v->u.arr.len == 0);
	lc_toml_free(d);
	CHECK(fails("a = [1,,2]") && fails("a = [,]") && fails("a = [1 2]") && fails("a = [1"));

	d = parse("p = { x = 1, y.z = 2, \"q.k\" = 3 }\ne = {}\n");
	CHECK(d && is_int(get(d, "p.x"), 1) && is_int(get(d, "p.y.z"), 2));
	CHECK(d && (t = get(d, "p")->u.tab) && t->is_inline && lc_toml_get(t, "q.k") &&
	      !lc_toml_get(t, "q"));
	CHECK(d && get(d, "e")->u.tab->len == 0);
	lc_toml_free(d);
	CHECK(fails_at("a = {b = 1,}", 12, 1, 12, "trailing comma"));
	CHECK(fails("a = {b = 1,\n c = 2}") && fails("a = {b = 1, b = 2}"));
	CHECK(fails("a = {b = 1}\n[a]") && fails("a = {b = 1}\na.c = 2") &&
	      fails("a = {b = {}}\n[a.b.c]"));

	d = parse("top = 1\n[srv.alpha]\nip = '10.0.0.1'\n[srv.beta]\nip = '10.0.0.2'\n"
		  "[[prod]]\nn = 1\n[[prod]]\nn = 2\n[prod.sub]\nk = 3\n"
		  "[x]\ny.z = 1\ny.w = 2\n'quoted key'.\"dot.ted\" = 4\n [ a . b ]\n");
	CHECK(d && is_str(get(d, "srv.beta.ip"), "10.0.0.2", 8));
	CHECK(d && (v = get(d, "prod")) && v->u.arr.len == 2 &&
	      is_int(lc_toml_get(v->u.arr.items[1]->u.tab, "n")->val, 2) &&
	      lc_toml_get(v->u.arr.items[1]->u.tab, "sub"));
	CHECK(d && is_int(get(d, "x.y.w"), 2) && get(d, "a.b"));
	CHECK(d && (t = get(d, "x")->u.tab) && t->len == 2 &&
	      is_int(lc_toml_get(lc_toml_get(t, "quoted key")->val->u.tab, "dot.ted")->val, 4));
	CHECK(d && lc_toml_root(d)->kv[0].val == get(d, "top") && !lc_toml_get(lc_toml_root(d), "nope"));
	lc_toml_free(d);
}

static void redefinitions(void)
{
	CHECK(fails_at("a = 1\na = 2", 11, 2, 1, "duplicate key 'a'"));
	CHECK(fails_at("[a.b]\nx = 1\n[a.b]", 17, 3, 1, "table 'a.b' defined twice"));
	CHECK(fails("[a]\nb.c = 1\n[a.b]"));          /* dotted-key table reopened */
	CHECK(!fails("[a]\nb.c = 1\n[a.b.d]"));       /* ...but a sub-table is fine */
	CHECK(!fails("[a.b]\n[a]") && fails("[a.b]\n[a]\n[a]"));
	CHECK(fails("a = []\n[[a]]") && fails("[[a]]\n[a]") && fails("[a]\n[[a]]"));
	CHECK(fails("a.b = 1\n[a]") && fails("a = 1\n[a]") && fails("a = 1\na.b = 2"));
	CHECK(fails("[a.b.c]\nz = 9\n[a]\nb.c.t = 1"));
	CHECK(fails("[[a.b]]\n[a]\nb.x = 1"));
	CHECK(!fails("[a.b.c]\n[a]\nb.x = 1") && fails("[a.b.c]\n[a]\nb.x = 1\n[a.b]"));
	CHECK(fails("[x]\na.b = 1\n[y]\n[x.a]"));
	CHECK(fails("[[albums.songs]]\n[[albums]]"));
}

static void positions(void)
{
	struct lc_toml_doc *d;
	const struct lc_toml_table *r;
	const struct lc_toml_kv *kv;
	const struct lc_toml_value *v;

	d = parse("# c\n\nx = 42\n  key = \"v\"\n\"\xc3\xa9\" = '\xc3\xbc'\n"
		  "[tbl]\nn = 1\n[p.q.r]\nm.o = 2\n[[arr]]\n[[arr]]\n");
	CHECK(d && at(get(d, "x"), 3, 5));
	CHECK(d && (kv = lc_toml_get(lc_toml_root(d), "key")) && kv->line == 4 && kv->col == 3);
	CHECK(d && (kv = lc_toml_get(lc_toml_root(d), "\xc3\xa9")) && at(kv->val, 5, 7));
	CHECK(d && (v = get(d, "tbl")) && at(v, 6, 1) && v->u.tab->line == 6 && v->u.tab->col == 1);
	CHECK(d && (kv = lc_toml_get(lc_toml_root(d), "p")) && kv->line == 8 && kv->col == 2 &&
	      at(kv->val, 8, 2));                      /* implicit: where 'p' is written */
	CHECK(d && at(get(d, "p.q.r"), 8, 1) && at(get(d, "p.q.r.m"), 9, 1));
	CHECK(d && (v = get(d, "arr")) && at(v, 10, 1) && at(v->u.arr.items[1], 11, 1));
	CHECK(d && (r = lc_toml_root(d)) && r->line == 1 && r->col == 1);
	lc_toml_free(d);
	d = parse("[a.b]\n[a]\n");
	CHECK(d && at(get(d, "a"), 2, 1));            /* defined later: its header */
	lc_toml_free(d);
	CHECK(fails_at("a = 1\nb = @", 11, 2, 5, "expected a value"));
	CHECK(fails_at("a = 1 2", 7, 1, 7, "end of line"));
	CHECK(fails_at("[t]\nk = {a = 1\n", 15, 2, 11, "inline table"));
	CHECK(fails_at("x = '\xc3\xa9' 1", 10, 1, 9, NULL));
}

static void robustness(void)
{
	char *s;
	struct lc_toml_doc *d;

	/* 10 000 levels: an error at level 129, not a stack overflow */
	s = nest("a = ", "[", 10000, "1", "]");
	CHECK(s && fails_at(s, strlen(s), 1, 4 + 129, "nesting deeper than 128"));
	free(s);
	s = nest("a = ", "{a=", 10000, "1", "}");
	CHECK(s && fails(s) && strstr(last_err.msg, "nesting deeper than 128"));
	free(s);
	s = nest("a = ", "[", 127, "1", "]"); /* 128 levels: the kv's value is level 1 */
	CHECK(s && !fails(s));
	free(s);
	s = nest("", "k.", 127, "k = 1", ""); /* a 128-part dotted key is fine... */
	CHECK(s && !fails(s));
	free(s);
	s = nest("", "k.", 128, "k = 1", ""); /* ...129 parts are not */
	CHECK(s && fails(s));
	free(s);
	CHECK(fails_at("a = 1\n\0", 7, 2, 1, "U+0000"));
	CHECK(fails_at("s = \"a\0b\"", 9, 1, 7, "U+0000"));
	CHECK(fails_at("# \xff\n", 4, 1, 3, "utf-8"));
	CHECK(fails("s = \"\xc0\xaf\"") && fails("s = \"\xe0\x80\xaf\"") &&
	      fails("s = \"\xed\xa0\x80\"") && fails("s = \"\xf4\x90\x80\x80\""));
	CHECK(fails("s = \"\xe2\x82\""));          /* truncated sequence */
	CHECK(!fails("s = \"\xf0\x9f\x98\x80\""));
	d = parse("\xef\xbb\xbf" "a = 1");
	CHECK(d && is_int(get(d, "a"), 1) && at(get(d, "a"), 1, 5));
	lc_toml_free(d);
	CHECK(fails("a = 1\n\xef\xbb\xbf"));
	CHECK(fails("a = 1\r b = 2") && fails("# x\ry\n") && fails("# \x01\n") && fails("# \x7f"));
	d = parse_n("a = 12", 5);                   /* only "a = 1" */
	CHECK(d && is_int(get(d, "a"), 1));
	lc_toml_free(d);
	d = parse_n("s = \"x\"", 6);                /* unterminated within len */
	CHECK(!d);
	d = parse_n("", 0);
	CHECK(d && lc_toml_root(d)->len == 0);
	lc_toml_free(d);
	d = parse(" \t\n\r\n# only a comment");
	CHECK(d && lc_toml_root(d)->len == 0);
	lc_toml_free(d);
	d = parse("\"\\u0000\" = 1\n'' = 2\n");
	CHECK(d && lc_toml_root(d)->kv[0].keylen == 1 && lc_toml_root(d)->kv[0].key[0] == '\0' &&
	      lc_toml_get(lc_toml_root(d), "") == &lc_toml_root(d)->kv[1]);
	lc_toml_free(d);
}

/* The storage paths: tables filled in steps, shared keys, growing arrays. */
static void storage(void)
{
	size_t cap = 1 << 16, len = 0, ok = 0;
	char *s = malloc(cap), key[32];
	struct lc_toml_doc *d;
	const struct lc_toml_table *t;
	const struct lc_toml_value *v;

	d = parse("[a.b]\nx = 1\n[a]\ny = 2\n[a.c]\nz = 3\n[a.d]\n");
	CHECK(d && (t = get(d, "a")->u.tab) && t->len == 4 && !strcmp(t->kv[0].key, "b") &&
	      !strcmp(t->kv[1].key, "y") && !strcmp(t->kv[2].key, "c") &&
	      !strcmp(t->kv[3].key, "d") && is_int(get(d, "a.c.z"), 3));
	lc_toml_free(d);

	/* a finished table that keeps gaining sub-tables */
	len = (size_t)snprintf(s, cap, "[p]\nk = 1\n");
	for (int i = 0; i < 300; i++)
		len += (size_t)snprintf(s + len, cap - len, "[p.s%d]\nv = %d\n", i, i);
	d = parse_n(s, len);
	CHECK(d && get(d, "p")->u.tab->len == 301 && is_int(get(d, "p.s150.v"), 150) &&
	      is_int(get(d, "p.k"), 1) && is_int(get(d, "p.s299.v"), 299));
	lc_toml_free(d);

	/* arrays of tables with sub-tables, many elements */
	len = 0;
	for (int i = 0; i < 1000; i++)
		len += (size_t)snprintf(s + len, cap - len, "[[e]]\nn = %d\n[e.sub]\nm = %d\n",
					i, i * 2);
	d = parse_n(s, len);
	CHECK(d && (v = get(d, "e")) && v->u.arr.len == 1000 &&
	      is_int(lc_toml_get(lc_toml_get(v->u.arr.items[999]->u.tab, "sub")->val->u.tab,
				 "m")->val, 1998));
	lc_toml_free(d);

	/* a big inline table and a dotted-key subtree in one section */
	len = (size_t)snprintf(s, cap, "x = {");
	for (int i = 0; i < 50; i++)
		len += (size_t)snprintf(s + len, cap - len, "%sk%d = %d", i ? ", " : "", i, i);
	len += (size_t)snprintf(s + len, cap - len, "}\n");
	for (int i = 0; i < 50; i++)
		len += (size_t)snprintf(s + len, cap - len, "y.t%d.v%d = 1\ny.t%d.w%d = 2\n",
					i % 7, i, i % 7 + 7, i);
	d = parse_n(s, len);
	for (int i = 0; d && i < 50; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		ok += is_int(lc_toml_get(get(d, "x")->u.tab, key)->val, i);
	}
	CHECK(d && ok == 50 && get(d, "y")->u.tab->len == 14);
	lc_toml_free(d);
	CHECK(fails("y.t.v = 1\ny.t.v = 2"));

	/* the same key text in many tables, bare and quoted */
	d = parse("\"name\" = 1\n[t]\nname = 2\n[u]\n'name' = 3\n[v]\n\"na\\u006de\" = 4\n");
	CHECK(d && is_int(get(d, "name"), 1) && is_int(get(d, "t.name"), 2) &&
	      is_int(get(d, "u.name"), 3) && is_int(get(d, "v.name"), 4));
	lc_toml_free(d);
	free(s);
}

static void big_table(void)
{
	size_t n = 100000, cap = n * 24, len = 0;
	char *s = malloc(cap), key[32];
	struct lc_toml_doc *d;
	const struct lc_toml_table *t;
	size_t ok = 0;

	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(s + len, cap - len, "k%zu = %zu\n", i, i * 3);
	d = parse_n(s, len);
	CHECK(d && lc_toml_root(d)->len == n);
	t = d ? lc_toml_root(d) : NULL;
	for (size_t i = 0; t && i < n; i++) {
		const struct lc_toml_kv *kv;

		snprintf(key, sizeof(key), "k%zu", i);
		kv = lc_toml_get(t, key);
		ok += kv && kv->val->u.i == (int64_t)(i * 3) && kv == &t->kv[i];
	}
	CHECKF(ok == n, "lc_toml_get found %zu of %zu keys", ok, n);
	CHECK(t && !lc_toml_get(t, "k100000") && !lc_toml_get(t, "k"));
	lc_toml_free(d);
	/* a duplicate among many keys is still caught */
	len += (size_t)snprintf(s + len, cap - len, "k77777 = 1\n");
	CHECK(fails_at(s, len, (unsigned)n + 1, 1, "duplicate key 'k77777'"));
	free(s);
}

/* ---- toml-test conformance ------------------------------------------ */

/* The file's bytes; exact size (overreads show up under ASan) unless a
 * terminator is asked for. */
static char *read_file(const char *path, size_t *len, int nul)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1))) {
		if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		} else if (nul) {
			buf[n] = '\0';
		} else if (n) {
			char *exact = realloc(buf, (size_t)n);

			buf = exact ? exact : buf;
		}
		*len = (size_t)n;
	}
	fclose(f);
	return buf;
}

/* cJSON cannot hold NUL: map the JSON escape \u0000 to U+FDD0 (unused in
 * the suite), and NUL bytes of our strings to its UTF-8 form. */
static void json_unnul(char *s, size_t len)
{
	for (size_t i = 0; i + 6 <= len; i++) {
		if (s[i] != '\\')
			continue;
		if (s[i + 1] == 'u' && memcmp(s + i + 2, "0000", 4) == 0)
			memcpy(s + i + 2, "FDD0", 4);
		i++;
	}
}

static char *unnul(const char *p, size_t n)
{
	char *s = malloc(n * 3 + 1), *w = s;

	for (size_t i = 0; s && i < n; i++) {
		if (p[i]) {
			*w++ = p[i];
		} else {
			memcpy(w, "\xef\xb7\x90", 3);
			w += 3;
		}
	}
	if (s)
		*w = '\0';
	return s;
}

/* RFC 3339 text to "YYYY-MM-DDTHH:MM:SS.nnnnnnnnn+HH:MM" (parts present). */
static void norm_dt(const char *s, char *out, size_t size)
{
	char date[16] = "", tim[16] = "", frac[10] = "000000000", off[8] = "";
	size_t i = 0, n = strlen(s);

	if (n >= 10 && s[4] == '-') {
		snprintf(date, sizeof(date), "%.10s", s);
		i = 10;
		if (i < n && (s[i] == 'T' || s[i] == 't' || s[i] == ' '))
			i++;
	}
	if (i + 8 <= n && s[i + 2] == ':') {
		snprintf(tim, sizeof(tim), "%.8s", s + i);
		i += 8;
		if (i < n && s[i] == '.') {
			for (int k = 0; ++i < n && s[i] >= '0' && s[i] <= '9'; k++)
				if (k < 9)
					frac[k] = s[i];
		}
	}
	if (i < n && (s[i] == 'Z' || s[i] == 'z'))
		snprintf(off, sizeof(off), "+00:00");
	else if (i < n)
		snprintf(off, sizeof(off), "%.6s", s + i);
	if (!strcmp(off, "-00:00"))
		snprintf(off, sizeof(off), "+00:00");
	snprintf(out, size, "%s|%s|%s|%s", date, tim, frac, off);
}

static int scalar_json(const cJSON *j, const char **type, const char **val)
{
	const cJSON *t, *v;

	if (!cJSON_IsObject(j) || cJSON_GetArraySize(j) != 2)
		return 0;
	t = cJSON_GetObjectItemCaseSensitive(j, "type");
	v = cJSON_GetObjectItemCaseSensitive(j, "value");
	if (!cJSON_IsString(t) || !cJSON_IsString(v))
		return 0;
	*type = t->valuestring;
	*val = v->valuestring;
	return 1;
}

static int same_value(const struct lc_toml_value *v, const cJSON *j, char *why,
		      size_t wsz);

static int same_table(const struct lc_toml_table *t, const cJSON *j, char *why,
		      size_t wsz)
{
	const char *ty, *va;

	if (!cJSON_IsObject(j) || scalar_json(j, &ty, &va)) {
		snprintf(why, wsz, "table where json has something else");
		return 0;
	}
	if ((size_t)cJSON_GetArraySize(j) != t->len) {
		snprintf(why, wsz, "table has %zu keys, json %d", t->len,
			 cJSON_GetArraySize(j));
		return 0;
	}
	for (size_t i = 0; i < t->len; i++) {
		char *k = unnul(t->kv[i].key, t->kv[i].keylen);
		const cJSON *c = k ? cJSON_GetObjectItemCaseSensitive(j, k) : NULL;
		int ok = c && same_value(t->kv[i].val, c, why, wsz);

		if (!c)
			snprintf(why, wsz, "key '%s' not expected", k ? k : "?");
		else if (!ok && strlen(why) + strlen(k) + 8 < wsz) {
			char tmp[512];

			snprintf(tmp, sizeof(tmp), "%s: %s", k, why);
			snprintf(why, wsz, "%s", tmp);
		}
		free(k);
		if (!ok)
			return 0;
	}
	return 1;
}

static int same_value(const struct lc_toml_value *v, const cJSON *j, char *why,
		      size_t wsz)
{
	const char *ty, *va;
	char got[64], a[96], b[96], *s;
	double f;
	int ok;

	if (v->type == LC_TOML_TABLE)
		return same_table(v->u.tab, j, why, wsz);
	if (v->type == LC_TOML_ARRAY) {
		if (!cJSON_IsArray(j) || (size_t)cJSON_GetArraySize(j) != v->u.arr.len) {
			snprintf(why, wsz, "array of %zu differs", v->u.arr.len);
			return 0;
		}
		for (size_t i = 0; i < v->u.arr.len; i++)
			if (!same_value(v->u.arr.items[i], cJSON_GetArrayItem(j, (int)i), why, wsz))
				return 0;
		return 1;
	}
	if (!scalar_json(j, &ty, &va) || strcmp(ty, lc_toml_type_name(v->type)) != 0) {
		snprintf(why, wsz, "%s where json has another type", lc_toml_type_name(v->type));
		return 0;
	}
	switch (v->type) {
	case LC_TOML_STRING:
		s = unnul(v->u.str.ptr, v->u.str.len);
		ok = s && strcmp(s, va) == 0;
		free(s);
		break;
	case LC_TOML_INTEGER:
		errno = 0;
		ok = strtoll(va, NULL, 10) == v->u.i && errno == 0;
		break;
	case LC_TOML_FLOAT:
		if (strstr(va, "nan"))
			ok = isnan(v->u.f);
		else if (strstr(va, "inf"))
			ok = isinf(v->u.f) && (va[0] == '-') == (v->u.f < 0);
		else
			ok = (f = strtod(va, NULL)) == v->u.f && signbit(f) == signbit(v->u.f);
		break;
	case LC_TOML_BOOL:
		ok = !strcmp(va, v->u.b ? "true" : "false");
		break;
	default:
		lc_toml_datetime_fmt(got, sizeof(got), v->type, &v->u.dt);
		norm_dt(got, a, sizeof(a));
		norm_dt(va, b, sizeof(b));
		ok = !strcmp(a, b);
		snprintf(why, wsz, "%s != %s", got, va);
		return ok;
	}
	if (!ok)
		snprintf(why, wsz, "%s value differs from '%s'", ty, va);
	return ok;
}

/* One toml-test case: a valid one must decode to its .json sibling, an
 * invalid one must be rejected with a position. */
static int run_case(const char *dir, const char *name, int valid, char *why,
		    size_t wsz)
{
	char path[4096], *buf, *jtxt = NULL;
	size_t len, jlen;
	struct lc_toml_doc *doc = NULL;
	struct lc_err err;
	cJSON *j = NULL;
	int ok = 0, rc;

	snprintf(path, sizeof(path), "%s/toml-test/%s", dir, name);
	if (!(buf = read_file(path, &len, 0))) {
		snprintf(why, wsz, "cannot read %s", path);
		return 0;
	}
	if (valid) {
		snprintf(path + strlen(path) - 4, 6, "json");
		if ((jtxt = read_file(path, &jlen, 1)))
			json_unnul(jtxt, jlen);
		if (!(j = jtxt ? cJSON_Parse(jtxt) : NULL)) {
			snprintf(why, wsz, "cannot read or parse %s", path);
			goto out;
		}
	}
	lc_err_clear(&err);
	rc = lc_toml_parse(&doc, buf, len, &err);
	if (valid && rc < 0)
		snprintf(why, wsz, "rejected: %u:%u: %s", err.line, err.col, err.msg);
	else if (valid)
		ok = same_table(lc_toml_root(doc), j, why, wsz);
	else if (rc == 0)
		snprintf(why, wsz, "accepted");
	else if (!err.msg[0] || err.line == 0)
		snprintf(why, wsz, "rejected without a position: %s", err.msg);
	else
		ok = 1;
out:
	lc_toml_free(doc);
	cJSON_Delete(j);
	free(jtxt);
	free(buf);
	return ok;
}

static void toml_conformance(const char *dir)
{
	char path[4096], line[1024], why[8192];
	int nv = 0, okv = 0, ni = 0, oki = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/toml-test/files-toml-1.0.0", dir);
	f = fopen(path, "r");
	CHECKF(f != NULL, "cannot open %s", path);
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		size_t n = strcspn(line, "\r\n");
		int ok;

		line[n] = '\0';
		if (n < 5 || strcmp(line + n - 5, ".toml") != 0)
			continue;
		why[0] = '\0';
		if (!strncmp(line, "valid/", 6)) {
			ok = run_case(dir, line, 1, why, sizeof(why));
			nv++;
			okv += ok;
		} else if (!strncmp(line, "invalid/", 8)) {
			ok = run_case(dir, line, 0, why, sizeof(why));
			ni++;
			oki += ok;
		} else {
			continue;
		}
		CHECKF(ok, "toml-test %s: %s", line, why);
	}
	fclose(f);
	printf("toml-test 1.0.0: valid %d/%d, invalid %d/%d\n", okv, nv, oki, ni);
}

void unit_main(int argc, char **argv)
{
	const char *vec;

	(void)argc;
	(void)argv;
	strings();
	numbers();
	datetimes();
	structure();
	redefinitions();
	positions();
	robustness();
	storage();
	big_table();
	if (!(vec = unit_vectors_dir()))
		unit_skip("toml-test: ../shared/vectors not found (set LC_VECTORS)");
	else
		toml_conformance(vec);
}
