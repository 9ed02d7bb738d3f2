/* toml.h - a TOML 1.0.0 parser: text in, a tree of typed values with positions out. */
#ifndef LC_TOML_H
#define LC_TOML_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/*
 * lc_toml_parse() decodes a whole TOML 1.0.0 document.  The result is a
 * tree owned by one struct lc_toml_doc (all nodes live in its arena);
 * lc_toml_free() releases everything at once.  Nothing in the tree
 * points into the input buffer, which the caller may free after parsing.
 *
 * Positions: every value, key and table carries the 1-based line and
 * column where it starts.  Columns count Unicode code points, so they
 * match what an editor shows.  A table's position is that of its
 * [header] or [[header]]; a table created implicitly by a dotted key or
 * a deeper header takes the position of the first key that made it.
 *
 * On failure, lc_toml_parse returns -1 and fills err with the line and
 * column of the offending character and a one-line lowercase message
 * ("invalid escape '\\q' in string"); *out is left NULL.  Parsing stops at
 * the first syntax error.  Nesting of arrays and inline tables deeper than
 * LC_TOML_MAX_DEPTH is an error, not a stack overflow.
 */

#define LC_TOML_MAX_DEPTH 128

enum lc_toml_type {
	LC_TOML_STRING,
	LC_TOML_INTEGER,
	LC_TOML_FLOAT,
	LC_TOML_BOOL,
	LC_TOML_DATETIME,       /* offset date-time: 1979-05-27T07:32:00Z */
	LC_TOML_DATETIME_LOCAL, /* 1979-05-27T07:32:00 */
	LC_TOML_DATE_LOCAL,     /* 1979-05-27 */
	LC_TOML_TIME_LOCAL,     /* 07:32:00 */
	LC_TOML_ARRAY,
	LC_TOML_TABLE,
};

struct lc_toml_datetime {
	int year, month, day;   /* 0 for a local time */
	int hour, minute, second;
	uint32_t nanosecond;    /* fraction, truncated to nanoseconds */
	int frac_digits;        /* digits written in the source, 0 if none */
	int offset_minutes;     /* east of UTC; meaningful for LC_TOML_DATETIME */
	int offset_z;           /* 1 if written as Z/z */
};

struct lc_toml_value;
struct lc_toml_table;

struct lc_toml_array {
	struct lc_toml_value **items;
	size_t len;
};

struct lc_toml_value {
	enum lc_toml_type type;
	unsigned line, col;
	union {
		struct {
			char *ptr;  /* NUL-terminated; may also hold \0 from \u0000 */
			size_t len; /* bytes, excluding the terminator */
		} str;
		int64_t i;
		double f;
		int b;
		struct lc_toml_datetime dt;
		struct lc_toml_array arr;
		struct lc_toml_table *tab;
	} u;
};

struct lc_toml_kv {
	const char *key;  /* NUL-terminated, decoded (quotes and escapes resolved) */
	size_t keylen;    /* bytes; a quoted key may contain \0 */
	unsigned line, col; /* where the key (its last dotted part) is written */
	struct lc_toml_value *val;
};

/* Entries keep document order. */
struct lc_toml_table {
	struct lc_toml_kv *kv;
	size_t len;
	unsigned line, col;
	int is_inline; /* written as { ... } */
	void *priv;    /* parser bookkeeping; do not touch */
};

struct lc_toml_doc;

int lc_toml_parse(struct lc_toml_doc **out, const char *buf, size_t len,
		  struct lc_err *err);
void lc_toml_free(struct lc_toml_doc *doc);

/* The root table; its value node has line 1, col 1. */
const struct lc_toml_table *lc_toml_root(const struct lc_toml_doc *doc);

/* Lookup by key in one table; NULL when absent.  O(1) average. */
const struct lc_toml_kv *lc_toml_get(const struct lc_toml_table *t,
				     const char *key);

/* "string", "integer", "float", "bool", "datetime", "datetime-local",
 * "date-local", "time-local", "array", "table" (the toml-test names). */
const char *lc_toml_type_name(enum lc_toml_type type);

/* Render a date/time value the way toml-test expects it
 * ("1979-05-27T07:32:00.999-07:00", "07:32:00", ...).  Returns the
 * length written (snprintf semantics). */
int lc_toml_datetime_fmt(char *buf, size_t size, enum lc_toml_type type,
			 const struct lc_toml_datetime *dt);

#endif
