/* fuzz_toml.c - libFuzzer target: parse any bytes as TOML, then walk and check the whole tree. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "toml.h"
#include "banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile unsigned sink;

#define MUST(c)                                                        \
	do {                                                           \
		if (!(c)) {                                            \
			fprintf(stderr, "fuzz_toml: broken: %s\n", #c); \
			abort();                                       \
		}                                                      \
	} while (0)

static void touch(const char *p, size_t n)
{
	unsigned h = 0;

	for (size_t i = 0; i < n; i++)
		h = h * 31 + (unsigned char)p[i];
	sink += h;
}

static void walk_value(const struct lc_toml_value *v, unsigned depth);

static void walk_table(const struct lc_toml_table *t, unsigned depth)
{
	MUST(t->line >= 1 && t->col >= 1);
	MUST(t->len == 0 || t->kv != NULL);
	for (size_t i = 0; i < t->len; i++) {
		const struct lc_toml_kv *kv = &t->kv[i];

		MUST(kv->key && kv->key[kv->keylen] == '\0' && kv->val);
		MUST(kv->line >= 1 && kv->col >= 1);
		touch(kv->key, kv->keylen);
		/* keys are unique: a lookup finds this very entry */
		if (strlen(kv->key) == kv->keylen)
			MUST(lc_toml_get(t, kv->key) == kv);
		walk_value(kv->val, depth + 1);
	}
	MUST(lc_toml_get(t, "\x01no such key") == NULL);
}

static void walk_value(const struct lc_toml_value *v, unsigned depth)
{
	char buf[64];
	int n;

	MUST(depth <= LC_TOML_MAX_DEPTH + 1);
	MUST(v->line >= 1 && v->col >= 1);
	sink += (unsigned)v->type;
	switch (v->type) {
	case LC_TOML_STRING:
		MUST(v->u.str.ptr && v->u.str.ptr[v->u.str.len] == '\0');
		touch(v->u.str.ptr, v->u.str.len);
		break;
	case LC_TOML_INTEGER:
		sink += (unsigned)v->u.i;
		break;
	case LC_TOML_FLOAT:
		sink += v->u.f == v->u.f;
		break;
	case LC_TOML_BOOL:
		MUST(v->u.b == 0 || v->u.b == 1);
		break;
	case LC_TOML_DATETIME:
	case LC_TOML_DATETIME_LOCAL:
	case LC_TOML_DATE_LOCAL:
	case LC_TOML_TIME_LOCAL:
		n = lc_toml_datetime_fmt(buf, sizeof(buf), v->type, &v->u.dt);
		MUST(n > 0 && (size_t)n < sizeof(buf) && strlen(buf) == (size_t)n);
		MUST(v->u.dt.nanosecond < 1000000000u && v->u.dt.second <= 60);
		break;
	case LC_TOML_ARRAY:
		MUST(v->u.arr.len == 0 || v->u.arr.items != NULL);
		for (size_t i = 0; i < v->u.arr.len; i++)
			walk_value(v->u.arr.items[i], depth + 1);
		break;
	case LC_TOML_TABLE:
		walk_table(v->u.tab, depth);
		break;
	default:
		MUST(!"unknown type");
	}
	sink += (unsigned)strlen(lc_toml_type_name(v->type));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lc_toml_doc *doc = NULL;
	struct lc_err err;

	memset(&err, 0, sizeof(err));
	if (lc_toml_parse(&doc, (const char *)data, size, &err) == 0) {
		const struct lc_toml_table *root = lc_toml_root(doc);

		MUST(root->line == 1 && root->col == 1);
		walk_table(root, 0);
		lc_toml_free(doc);
	} else {
		MUST(doc == NULL);
		MUST(err.msg[0] != '\0' && strchr(err.msg, '\n') == NULL);
		MUST(err.code == LC_ERR_NOMEM || (err.line >= 1 && err.col >= 1));
	}
	return 0;
}
