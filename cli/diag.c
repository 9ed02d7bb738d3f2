/* diag.c - collecting, ordering and printing diagnostics. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "diag.h"
#include "err.h"
#include "lc.h"
#include "banned.h"

void lc_diags_init(struct lc_diags *d, const char *file)
{
	memset(d, 0, sizeof(*d));
	d->file = file;
}

void lc_diags_release(struct lc_diags *d)
{
	size_t i;

	for (i = 0; i < d->len; i++) {
		free(d->v[i].msg);
		free(d->v[i].hint);
	}
	free(d->v);
	lc_diags_init(d, d->file);
}

static char *vformat(const char *fmt, va_list ap)
{
	struct lc_buf b;

	lc_buf_init(&b, 4096);
	if (lc_buf_vprintf(&b, fmt, ap)) {
		lc_buf_release(&b);
		return NULL;
	}
	return lc_buf_detach(&b, NULL);
}

void lc_diag_add(struct lc_diags *d, enum lc_sev sev, unsigned line,
		 unsigned col, const char *fmt, ...)
{
	struct lc_diag *x;
	va_list ap;

	if (d->len == d->cap) {
		size_t ncap = d->cap ? d->cap * 2 : 16;
		struct lc_diag *nv = realloc(d->v, ncap * sizeof(*nv));

		if (!nv) {
			/* Keep the count honest even when we cannot keep the text. */
			if (sev == LC_SEV_ERROR)
				d->nerrors++;
			return;
		}
		d->v = nv;
		d->cap = ncap;
	}
	x = &d->v[d->len++];
	x->sev = sev;
	x->line = line;
	x->col = col;
	x->hint = NULL;
	va_start(ap, fmt);
	x->msg = vformat(fmt, ap);
	va_end(ap);
	if (sev == LC_SEV_ERROR)
		d->nerrors++;
}

void lc_diag_hint(struct lc_diags *d, const char *fmt, ...)
{
	struct lc_diag *x;
	va_list ap;

	if (!d->len)
		return;
	x = &d->v[d->len - 1];
	free(x->hint);
	va_start(ap, fmt);
	x->hint = vformat(fmt, ap);
	va_end(ap);
}

static int cmp_pos(const struct lc_diag *a, const struct lc_diag *b)
{
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if (a->col != b->col)
		return a->col < b->col ? -1 : 1;
	return 0;
}

void lc_diags_sort(struct lc_diags *d)
{
	size_t i, j;

	/* Insertion sort: stable, and a manifest has few diagnostics. */
	for (i = 1; i < d->len; i++) {
		struct lc_diag x = d->v[i];

		for (j = i; j > 0 && cmp_pos(&d->v[j - 1], &x) > 0; j--)
			d->v[j] = d->v[j - 1];
		d->v[j] = x;
	}
}

void lc_diags_print(FILE *f, const struct lc_diags *d, int color)
{
	size_t i;

	for (i = 0; i < d->len; i++) {
		const struct lc_diag *x = &d->v[i];
		const char *what = x->sev == LC_SEV_ERROR ? "error" : "warning";
		const char *on = "", *off = "";

		if (color) {
			on = x->sev == LC_SEV_ERROR ? "\033[1;31m" : "\033[1;33m";
			off = "\033[0m";
		}
		if (x->line)
			fprintf(f, "%s:%u:%u: %s%s:%s %s\n", d->file, x->line,
				x->col, on, what, off,
				x->msg ? x->msg : "(out of memory)");
		else
			fprintf(f, "%s: %s%s:%s %s\n", d->file, on, what, off,
				x->msg ? x->msg : "(out of memory)");
		if (x->hint)
			fprintf(f, "hint: %s\n", x->hint);
	}
}

char *lc_diags_json(const struct lc_diags *d)
{
	cJSON *arr = cJSON_CreateArray(), *o;
	char *out = NULL;
	size_t i;

	if (!arr)
		return NULL;
	for (i = 0; i < d->len; i++) {
		const struct lc_diag *x = &d->v[i];

		if (!(o = cJSON_CreateObject()))
			goto out;
		cJSON_AddItemToArray(arr, o);
		if (!cJSON_AddStringToObject(o, "file", d->file) ||
		    !cJSON_AddNumberToObject(o, "line", x->line) ||
		    !cJSON_AddNumberToObject(o, "column", x->col) ||
		    !cJSON_AddStringToObject(o, "severity",
					     x->sev == LC_SEV_ERROR ? "error" : "warning") ||
		    !cJSON_AddStringToObject(o, "message", x->msg ? x->msg : "") ||
		    !(x->hint ? cJSON_AddStringToObject(o, "hint", x->hint)
			      : cJSON_AddNullToObject(o, "hint")))
			goto out;
	}
	out = cJSON_PrintUnformatted(arr);
out:
	cJSON_Delete(arr);
	return out;
}

int lc_fail(const struct lc_err *err)
{
	fprintf(stderr, "latticectl: %s\n", err->msg);
	if (err->hint[0])
		fprintf(stderr, "hint: %s\n", err->hint);
	return LC_EXIT_FAIL;
}

const struct lc_opt lc_no_opts[] = { LC_OPT_END_MARK };

int lc_usage_error(const struct lc_cmd *c, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "latticectl: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: latticectl %s%s%s\n", c->name, c->args[0] ? " " : "", c->args);
	if (c->hint)
		fprintf(stderr, "hint: %s\n", c->hint);
	else
		fprintf(stderr, "hint: see 'latticectl help %s'\n", c->name);
	return LC_EXIT_USAGE;
}
