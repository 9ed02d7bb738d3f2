/* toml_scan.c - TOML lexing: comments, strings, numbers, booleans, dates and errors. */
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "toml_priv.h"
#include "banned.h"

int lc_tp_err(struct tp_parser *tp, const char *at, const char *fmt, ...)
{
	char msg[LC_ERR_MSG_MAX];
	const unsigned char *s = (const unsigned char *)tp->base;
	unsigned line = 1, col = 1;
	va_list ap;

	/* Errors are rare: recount the position from the start. */
	if (at > tp->end)
		at = tp->end;
	for (; s < (const unsigned char *)at; s++) {
		if (*s == '\n') {
			line++;
			col = 1;
		} else if ((*s & 0xC0) != 0x80) {
			col++;
		}
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return lc_err_at(tp->err, line, col, "%s", msg);
}

int lc_tp_oom(struct tp_parser *tp)
{
	return lc_err_setc(tp->err, LC_ERR_NOMEM, "out of memory parsing toml");
}

unsigned lc_tp_utf8_len(const unsigned char *s, const unsigned char *e)
{
	unsigned c = s[0];

	if (c < 0x80)
		return 1;
	if (c < 0xC2)
		return 0; /* continuation byte or overlong 2-byte lead */
	if (c < 0xE0)
		return e - s >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 0;
	if (c < 0xF0) {
		if (e - s < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
			return 0;
		if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] >= 0xA0))
			return 0; /* overlong, or a surrogate */
		return 3;
	}
	if (c < 0xF5) {
		if (e - s < 4 || (s[1] & 0xC0) != 0x80 ||
		    (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
			return 0;
		if ((c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] >= 0x90))
			return 0; /* overlong, or above U+10FFFF */
		return 4;
	}
	return 0;
}

void lc_tp_desc(const struct tp_parser *tp, const char *at, char *buf,
		size_t size)
{
	const unsigned char *s = (const unsigned char *)at;
	const unsigned char *e = (const unsigned char *)tp->end;
	unsigned n, cp;

	if (s >= e) {
		snprintf(buf, size, "end of input");
		return;
	}
	if (*s >= 0x20 && *s < 0x7F) {
		snprintf(buf, size, "'%c'", *s);
		return;
	}
	if (*s == '\n' || (*s == '\r' && s + 1 < e && s[1] == '\n')) {
		snprintf(buf, size, "end of line");
		return;
	}
	if (*s == '\r') {
		snprintf(buf, size, "carriage return without line feed");
		return;
	}
	n = lc_tp_utf8_len(s, e);
	if (n == 0) {
		snprintf(buf, size, "invalid utf-8 byte 0x%02x", *s);
		return;
	}
	cp = n == 1 ? s[0] : n == 2 ? (s[0] & 0x1Fu) : n == 3 ? (s[0] & 0x0Fu) : (s[0] & 0x07u);
	for (unsigned i = 1; i < n; i++)
		cp = cp << 6 | (s[i] & 0x3Fu);
	snprintf(buf, size, "U+%04X", cp);
}

/* A byte no string or comment may hold raw: a control other than tab. */
static int bad_ctl(struct tp_parser *tp, const char *at, const char *where)
{
	char d[48];

	if (*at == '\r')
		return lc_tp_err(tp, at, "carriage return without line feed in %s",
				 where);
	if (*at == '\n')
		return lc_tp_err(tp, at, "newline in %s", where);
	lc_tp_desc(tp, at, d, sizeof(d));
	if ((unsigned char)*at >= 0x80)
		return lc_tp_err(tp, at, "%s in %s", d, where);
	return lc_tp_err(tp, at, "control character %s in %s", d, where);
}

int lc_tp_comment(struct tp_parser *tp)
{
	const unsigned char *s = (const unsigned char *)tp->p + 1;
	const unsigned char *e = (const unsigned char *)tp->end;
	unsigned n;

	while (s < e) {
		if ((*s >= 0x20 && *s < 0x7F) || *s == '\t') {
			s++;
			continue;
		}
		if (*s == '\n' || (*s == '\r' && s + 1 < e && s[1] == '\n'))
			break;
		if (*s < 0x80 || !(n = lc_tp_utf8_len(s, e))) {
			tp->p = (const char *)s;
			return bad_ctl(tp, (const char *)s, "comment");
		}
		s += n;
	}
	tp->p = (const char *)s;
	return 0;
}

static char *put_utf8(char *w, uint32_t cp)
{
	if (cp < 0x80) {
		*w++ = (char)cp;
	} else if (cp < 0x800) {
		*w++ = (char)(0xC0 | cp >> 6);
		*w++ = (char)(0x80 | (cp & 0x3F));
	} else if (cp < 0x10000) {
		*w++ = (char)(0xE0 | cp >> 12);
		*w++ = (char)(0x80 | ((cp >> 6) & 0x3F));
		*w++ = (char)(0x80 | (cp & 0x3F));
	} else {
		*w++ = (char)(0xF0 | cp >> 18);
		*w++ = (char)(0x80 | ((cp >> 12) & 0x3F));
		*w++ = (char)(0x80 | ((cp >> 6) & 0x3F));
		*w++ = (char)(0x80 | (cp & 0x3F));
	}
	return w;
}

/* Decode one escape at r ('\\') of a basic string ending at stop. */
static int escape(struct tp_parser *tp, const char **rp, const char *stop,
		  char **wp, int ml)
{
	const char *r = *rp;
	char d[48];
	uint32_t cp = 0;
	int n, i, h;

	if (r + 1 >= stop)
		return lc_tp_err(tp, r, "incomplete escape in string");
	switch (r[1]) {
	case 'b': *(*wp)++ = '\b'; break;
	case 't': *(*wp)++ = '\t'; break;
	case 'n': *(*wp)++ = '\n'; break;
	case 'f': *(*wp)++ = '\f'; break;
	case 'r': *(*wp)++ = '\r'; break;
	case '"': *(*wp)++ = '"'; break;
	case '\\': *(*wp)++ = '\\'; break;
	case 'u':
	case 'U':
		n = r[1] == 'u' ? 4 : 8;
		if (stop - (r + 2) < n)
			return lc_tp_err(tp, r, "incomplete unicode escape in string");
		for (i = 0; i < n; i++) {
			if ((h = lc_hexval((unsigned char)r[2 + i])) < 0)
				return lc_tp_err(tp, r, "invalid unicode escape in string");
			cp = cp << 4 | (uint32_t)h;
		}
		if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
			return lc_tp_err(tp, r,
					 "unicode escape U+%04X is not a scalar value", cp);
		*wp = put_utf8(*wp, cp);
		*rp = r + 2 + n;
		return 0;
	default:
		if (ml) {
			/* line-ending backslash: trim whitespace and newlines */
			const char *q = r + 1;

			while (q < stop && (*q == ' ' || *q == '\t'))
				q++;
			if (q < stop && (*q == '\n' ||
					 (*q == '\r' && q + 1 < stop && q[1] == '\n'))) {
				while (q < stop) {
					if (*q == ' ' || *q == '\t') {
						q++;
					} else if (*q == '\n') {
						lc_tp_newline(tp, ++q);
					} else if (*q == '\r' && q + 1 < stop && q[1] == '\n') {
						q += 2;
						lc_tp_newline(tp, q);
					} else {
						break;
					}
				}
				*rp = q;
				return 0;
			}
		}
		if ((unsigned char)r[1] > 0x20 && (unsigned char)r[1] < 0x7F)
			return lc_tp_err(tp, r, "invalid escape '\\%c' in string", r[1]);
		lc_tp_desc(tp, r + 1, d, sizeof(d));
		return lc_tp_err(tp, r, "invalid escape: backslash before %s in string", d);
	}
	*rp = r + 2;
	return 0;
}

/* Find where a string body ends: the closing delimiter, or NULL. */
static const char *find_close(const char *s, const char *e, char q, int ml)
{
	if (!ml) {
		for (; s < e && *s != q && *s != '\n'; s++)
			if (*s == '\\' && q == '"' && s + 1 < e && s[1] != '\n')
				s++;
		return s < e && *s == q ? s : NULL;
	}
	for (; e - s >= 3; s++) {
		if (*s == '\\' && q == '"')
			s++;
		else if (*s == q && s[1] == q && s[2] == q)
			return s;
	}
	return NULL;
}

int lc_tp_string(struct tp_parser *tp, char **out, size_t *outlen, int key)
{
	const char *s = tp->p, *e = tp->end, *r, *stop;
	char q = *s, *dst, *w;
	int ml = !key && e - s >= 3 && s[1] == q && s[2] == q;
	int basic = q == '"';
	size_t extra = 0, cap;
	unsigned n;

	r = s + (ml ? 3 : 1);
	if (ml) {
		if (r < e && *r == '\n')
			lc_tp_newline(tp, ++r);
		else if (e - r >= 2 && r[0] == '\r' && r[1] == '\n')
			lc_tp_newline(tp, r += 2);
	}
	stop = find_close(r, e, q, ml);
	if (!stop)
		return lc_tp_err(tp, s, "unterminated string");
	if (ml) /* up to two quotes right before the closing three are content */
		while (extra < 2 && stop + 3 + extra < e && stop[3 + extra] == q)
			extra++;
	cap = (size_t)(stop - r) + extra + 1; /* decoding never grows */
	dst = w = lc_tp_balloc(tp->br, cap);
	if (!dst)
		return lc_tp_oom(tp);
	while (r < stop) {
		unsigned char c = (unsigned char)*r;

		if (c >= 0x20 && c < 0x7F && (c != '\\' || !basic)) {
			*w++ = (char)c;
			r++;
		} else if (c == '\\') {
			if (escape(tp, &r, stop, &w, ml) < 0)
				return -1;
		} else if (c == '\t') {
			*w++ = '\t';
			r++;
		} else if (c == '\n' && ml) {
			*w++ = '\n';
			lc_tp_newline(tp, ++r);
		} else if (c == '\r' && ml && r + 1 < stop && r[1] == '\n') {
			*w++ = '\n';
			r += 2;
			lc_tp_newline(tp, r);
		} else if (c >= 0x80 && (n = lc_tp_utf8_len((const unsigned char *)r,
							  (const unsigned char *)stop))) {
			memcpy(w, r, n);
			w += n;
			r += n;
		} else {
			return bad_ctl(tp, r, "string");
		}
	}
	for (size_t i = 0; i < extra; i++)
		*w++ = q;
	*w = '\0';
	lc_tp_shrink(tp->br, dst, cap, (size_t)(w - dst) + 1);
	*out = dst;
	*outlen = (size_t)(w - dst);
	tp->p = stop + extra + (ml ? 3 : 1);
	return 0;
}

static int isdig(const char *s, const char *e)
{
	return s < e && *s >= '0' && *s <= '9';
}

static int digval(int c, int base)
{
	int v = lc_hexval(c);

	return v >= 0 && v < base && (base == 16 || (c >= '0' && c <= '9')) ? v : -1;
}

/* One run of digits of a base, '_' only between two digits. */
static int digits(struct tp_parser *tp, const char **sp, int base)
{
	const char *s = *sp, *e = tp->end;

	if (s >= e || digval((unsigned char)*s, base) < 0)
		return lc_tp_err(tp, s, "expected a digit");
	for (;;) {
		s++;
		if (s < e && *s == '_') {
			s++;
			if (s >= e || digval((unsigned char)*s, base) < 0)
				return lc_tp_err(tp, s - 1,
						 "'_' must be between digits");
			continue;
		}
		if (s >= e || digval((unsigned char)*s, base) < 0)
			break;
	}
	*sp = s;
	return 0;
}

static const double pow10tab[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/* Decimal text (digits, '.', 'e', sign) to double, correctly rounded. */
static double to_double(char *txt, size_t len, int neg)
{
	uint64_t m = 0;
	long exp10 = 0, ex = 0;
	size_t i = 0;
	int nd = 0, eneg = 0, in_frac = 0, fast = 1;
	const char *dp;
	char *end;
	double d;

	for (; i < len && txt[i] != 'e' && txt[i] != 'E'; i++) {
		if (txt[i] == '.') {
			in_frac = 1;
			continue;
		}
		if (m == 0 && txt[i] == '0') {
			if (in_frac)
				exp10--;
			continue;
		}
		if (++nd > 19) {
			fast = 0;
			break;
		}
		m = m * 10 + (uint64_t)(txt[i] - '0');
		if (in_frac)
			exp10--;
	}
	if (fast && i < len) {
		i++;
		if (txt[i] == '+' || txt[i] == '-')
			eneg = txt[i++] == '-';
		for (; i < len && ex < 100000; i++)
			ex = ex * 10 + (txt[i] - '0');
		exp10 += eneg ? -ex : ex;
	}
	/* Clinger's fast path: both operands exact, one rounding. */
	if (fast && m <= (1ull << 53) && exp10 >= -22 && exp10 <= 22) {
		d = (double)m;
		d = exp10 < 0 ? d / pow10tab[-exp10] : d * pow10tab[exp10];
		return neg ? -d : d;
	}
	/* strtod honours LC_NUMERIC: give it the locale's radix character */
	dp = localeconv()->decimal_point;
	if (dp && dp[0] && dp[0] != '.' && !dp[1])
		for (i = 0; i < len; i++)
			if (txt[i] == '.')
				txt[i] = dp[0];
	txt[len] = '\0';
	d = strtod(txt, &end);
	return neg ? -d : d;
}

/* A float's text without underscores, then its value. */
static int float_value(struct tp_parser *tp, const char *s, const char *e,
		       int neg, double *out)
{
	char small[128], *buf = small;
	size_t n = 0;

	if ((size_t)(e - s) >= sizeof(small) && !(buf = malloc((size_t)(e - s) + 1)))
		return lc_tp_oom(tp);
	for (; s < e; s++)
		if (*s != '_')
			buf[n++] = *s;
	*out = to_double(buf, n, neg);
	if (buf != small)
		free(buf);
	return 0;
}

static int number(struct tp_parser *tp, struct lc_toml_value *v)
{
	const char *s = tp->p, *e = tp->end, *start;
	int neg = 0, sign = 0, isfloat = 0, base = 10;
	uint64_t acc = 0, lim;

	if (s < e && (*s == '+' || *s == '-')) {
		neg = *s == '-';
		sign = 1;
		s++;
	}
	if (e - s >= 3 && (memcmp(s, "inf", 3) == 0 || memcmp(s, "nan", 3) == 0)) {
		v->type = LC_TOML_FLOAT;
		v->u.f = s[0] == 'i' ? INFINITY : NAN;
		if (neg)
			v->u.f = -v->u.f;
		tp->p = s + 3;
		return 0;
	}
	if (!isdig(s, e)) {
		char d[48];

		lc_tp_desc(tp, tp->p, d, sizeof(d));
		return lc_tp_err(tp, tp->p, "expected a value, found %s", d);
	}
	if (s[0] == '0' && e - s >= 2 && (s[1] == 'x' || s[1] == 'o' || s[1] == 'b')) {
		base = s[1] == 'x' ? 16 : s[1] == 'o' ? 8 : 2;
		if (sign)
			return lc_tp_err(tp, tp->p, "a sign is not allowed on a %s integer",
					 base == 16 ? "hexadecimal" : base == 8 ? "octal" : "binary");
		s += 2;
	} else if (s[0] == '0' && e - s >= 2 && (isdig(s + 1, e) || s[1] == '_')) {
		return lc_tp_err(tp, s, "leading zero in a number");
	}
	start = s;
	if (digits(tp, &s, base) < 0)
		return -1;
	if (base == 10 && s < e && *s == '.') {
		isfloat = 1;
		if (!isdig(++s, e))
			return lc_tp_err(tp, s, "expected a digit after '.'");
		if (digits(tp, &s, 10) < 0)
			return -1;
	}
	if (base == 10 && s < e && (*s == 'e' || *s == 'E')) {
		isfloat = 1;
		if (++s < e && (*s == '+' || *s == '-'))
			s++;
		if (!isdig(s, e))
			return lc_tp_err(tp, s, "expected a digit in the exponent");
		if (digits(tp, &s, 10) < 0)
			return -1;
	}
	tp->p = s;
	if (isfloat) {
		v->type = LC_TOML_FLOAT;
		return float_value(tp, start, s, neg, &v->u.f);
	}
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (const char *q = start; q < s; q++) {
		uint64_t d;

		if (*q == '_')
			continue;
		d = (uint64_t)digval((unsigned char)*q, base);
		if (acc > (lim - d) / (uint64_t)base)
			return lc_tp_err(tp, start, "integer out of 64-bit range");
		acc = acc * (uint64_t)base + d;
	}
	v->type = LC_TOML_INTEGER;
	v->u.i = neg ? (int64_t)(0 - acc) : (int64_t)acc;
	return 0;
}

/* n digits exactly as an int, or -1. */
static int fixnum(const char *s, const char *e, int n)
{
	int v = 0;

	if (e - s < n)
		return -1;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static int mdays(int y, int m)
{
	static const int d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		return 29;
	return d[m - 1];
}

static int time_part(struct tp_parser *tp, const char **sp, struct lc_toml_datetime *dt)
{
	const char *s = *sp, *e = tp->end;

	dt->hour = fixnum(s, e, 2);
	if (dt->hour < 0 || s + 2 >= e || s[2] != ':' ||
	    (dt->minute = fixnum(s + 3, e, 2)) < 0)
		return lc_tp_err(tp, s, "invalid time: expected HH:MM:SS");
	if (s + 5 >= e || s[5] != ':' || (dt->second = fixnum(s + 6, e, 2)) < 0)
		return lc_tp_err(tp, s, "invalid time: seconds are required (HH:MM:SS)");
	if (dt->hour > 23 || dt->minute > 59 || dt->second > 60)
		return lc_tp_err(tp, s, "invalid time: %.8s out of range", s);
	s += 8;
	if (s < e && *s == '.') {
		uint32_t ns = 0;
		int nd = 0;

		s++;
		if (!isdig(s, e))
			return lc_tp_err(tp, s, "expected a digit after '.' in time");
		for (; isdig(s, e); s++, nd++)
			if (nd < 9)
				ns = ns * 10 + (uint32_t)(*s - '0');
		dt->frac_digits = nd;
		for (int i = nd; i < 9; i++)
			ns *= 10;
		dt->nanosecond = ns;
	}
	*sp = s;
	return 0;
}

static int datetime(struct tp_parser *tp, struct lc_toml_value *v)
{
	const char *s = tp->p, *e = tp->end;
	struct lc_toml_datetime *dt = &v->u.dt;

	memset(dt, 0, sizeof(*dt));
	if (s + 2 < e && s[2] == ':') {
		v->type = LC_TOML_TIME_LOCAL;
		if (time_part(tp, &s, dt) < 0)
			return -1;
		tp->p = s;
		return 0;
	}
	dt->year = fixnum(s, e, 4);
	if (s + 4 >= e || s[4] != '-' || (dt->month = fixnum(s + 5, e, 2)) < 0 ||
	    s + 7 >= e || s[7] != '-' || (dt->day = fixnum(s + 8, e, 2)) < 0)
		return lc_tp_err(tp, s, "invalid date: expected YYYY-MM-DD");
	if (dt->month < 1 || dt->month > 12 || dt->day < 1 ||
	    dt->day > mdays(dt->year, dt->month))
		return lc_tp_err(tp, s, "invalid date %.10s", s);
	s += 10;
	v->type = LC_TOML_DATE_LOCAL;
	if (s < e && (*s == 'T' || *s == 't' || (*s == ' ' && isdig(s + 1, e)))) {
		s++;
		if (time_part(tp, &s, dt) < 0)
			return -1;
		v->type = LC_TOML_DATETIME_LOCAL;
		if (s < e && (*s == 'Z' || *s == 'z')) {
			v->type = LC_TOML_DATETIME;
			dt->offset_z = 1;
			s++;
		} else if (s < e && (*s == '+' || *s == '-')) {
			int oh = fixnum(s + 1, e, 2), om = -1;

			if (oh >= 0 && s + 3 < e && s[3] == ':')
				om = fixnum(s + 4, e, 2);
			if (om < 0)
				return lc_tp_err(tp, s, "invalid time offset: expected +HH:MM");
			if (oh > 23 || om > 59)
				return lc_tp_err(tp, s, "invalid time offset %.6s", s);
			dt->offset_minutes = (oh * 60 + om) * (*s == '-' ? -1 : 1);
			v->type = LC_TOML_DATETIME;
			s += 6;
		}
	}
	tp->p = s;
	return 0;
}

int lc_tp_scalar(struct tp_parser *tp, struct lc_toml_value *v)
{
	const char *s = tp->p, *e = tp->end;

	if (*s == 't' || *s == 'f') {
		if (e - s >= 4 && memcmp(s, "true", 4) == 0) {
			v->type = LC_TOML_BOOL;
			v->u.b = 1;
			tp->p = s + 4;
			return 0;
		}
		if (e - s >= 5 && memcmp(s, "false", 5) == 0) {
			v->type = LC_TOML_BOOL;
			v->u.b = 0;
			tp->p = s + 5;
			return 0;
		}
		return lc_tp_err(tp, s, "invalid value (booleans are true and false)");
	}
	if (isdig(s, e) && isdig(s + 1, e) &&
	    ((s + 2 < e && s[2] == ':') ||
	     (isdig(s + 2, e) && isdig(s + 3, e) && s + 4 < e && s[4] == '-')))
		return datetime(tp, v);
	return number(tp, v);
}

const char *lc_toml_type_name(enum lc_toml_type type)
{
	switch (type) {
	case LC_TOML_STRING: return "string";
	case LC_TOML_INTEGER: return "integer";
	case LC_TOML_FLOAT: return "float";
	case LC_TOML_BOOL: return "bool";
	case LC_TOML_DATETIME: return "datetime";
	case LC_TOML_DATETIME_LOCAL: return "datetime-local";
	case LC_TOML_DATE_LOCAL: return "date-local";
	case LC_TOML_TIME_LOCAL: return "time-local";
	case LC_TOML_ARRAY: return "array";
	case LC_TOML_TABLE: return "table";
	}
	return "unknown";
}

static char *put2(char *w, int v)
{
	v = v < 0 ? 0 : v % 100;
	*w++ = (char)('0' + v / 10);
	*w++ = (char)('0' + v % 10);
	return w;
}

int lc_toml_datetime_fmt(char *buf, size_t size, enum lc_toml_type type,
			 const struct lc_toml_datetime *dt)
{
	char tmp[64], *w = tmp;

	if (type != LC_TOML_TIME_LOCAL) {
		w = put2(w, dt->year / 100);
		w = put2(w, dt->year % 100);
		*w++ = '-';
		w = put2(w, dt->month);
		*w++ = '-';
		w = put2(w, dt->day);
		if (type == LC_TOML_DATE_LOCAL)
			goto out;
		*w++ = 'T';
	}
	w = put2(w, dt->hour);
	*w++ = ':';
	w = put2(w, dt->minute);
	*w++ = ':';
	w = put2(w, dt->second);
	if (dt->frac_digits > 0) {
		int nd = dt->frac_digits > 9 ? 9 : dt->frac_digits;
		uint32_t ns = dt->nanosecond;

		*w++ = '.';
		for (int i = 0; i < nd; i++) {
			*w++ = (char)('0' + ns / 100000000u);
			ns = ns % 100000000u * 10;
		}
	}
	if (type == LC_TOML_DATETIME) {
		int off = dt->offset_minutes;

		if (dt->offset_z) {
			*w++ = 'Z';
		} else {
			*w++ = off < 0 ? '-' : '+';
			off = off < 0 ? -off : off;
			w = put2(w, off / 60);
			*w++ = ':';
			w = put2(w, off % 60);
		}
	}
out:
	*w = '\0';
	return snprintf(buf, size, "%s", tmp);
}
