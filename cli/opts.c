/* opts.c - parsing options from their declaration tables. */
#include <string.h>

#include "opts.h"
#include "banned.h"

static const struct lc_opt *find_long(const struct lc_opt *const *tables,
				      const char *name, size_t len)
{
	const struct lc_opt *o;

	for (; *tables; tables++)
		for (o = *tables; o->kind != LC_OPT_END; o++)
			if (o->long_name && strlen(o->long_name) == len &&
			    !strncmp(o->long_name, name, len))
				return o;
	return NULL;
}

static const struct lc_opt *find_short(const struct lc_opt *const *tables,
				       char c)
{
	const struct lc_opt *o;

	for (; *tables; tables++)
		for (o = *tables; o->kind != LC_OPT_END; o++)
			if (o->short_name == c)
				return o;
	return NULL;
}

static int apply(const struct lc_opt *o, const char *arg, struct lc_err *err)
{
	struct lc_opt_list *l;

	switch (o->kind) {
	case LC_OPT_FLAG:
		*(int *)o->target = 1;
		break;
	case LC_OPT_COUNT:
		(*(int *)o->target)++;
		break;
	case LC_OPT_STRING:
		*(const char **)o->target = arg;
		break;
	case LC_OPT_LIST:
		l = o->target;
		if (l->n == LC_OPT_LIST_MAX)
			return lc_err_set(err, "option '--%s' given more than %d times",
					  o->long_name, LC_OPT_LIST_MAX);
		l->v[l->n++] = arg;
		break;
	case LC_OPT_END:
		break;
	}
	return 0;
}

/* Options that take an argument. */
static int takes_arg(const struct lc_opt *o)
{
	return o->kind == LC_OPT_STRING || o->kind == LC_OPT_LIST;
}

int lc_opts_parse(const struct lc_opt *const *tables, int argc, char **argv,
		  int *next, int stop_at_arg, struct lc_err *err)
{
	int i = *next, nops = 0, j;
	char *operands[256];

	while (i < argc) {
		char *a = argv[i];
		const struct lc_opt *o;

		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		if (a[0] != '-' || a[1] == '\0') {
			if (stop_at_arg)
				break;
			if (nops == (int)(sizeof(operands) / sizeof(*operands)))
				return lc_err_set(err, "too many arguments");
			operands[nops++] = a;
			i++;
			continue;
		}
		if (a[1] == '-') {
			const char *name = a + 2, *eq = strchr(name, '=');
			size_t len = eq ? (size_t)(eq - name) : strlen(name);

			o = find_long(tables, name, len);
			if (!o)
				return lc_err_set(err, "unknown option '--%.*s'",
						  (int)len, name);
			if (takes_arg(o)) {
				const char *arg = eq ? eq + 1 : NULL;

				if (!arg && i + 1 < argc)
					arg = argv[++i];
				if (!arg)
					return lc_err_set(err, "option '--%s' needs a %s",
							  o->long_name, o->argname);
				if (apply(o, arg, err))
					return -1;
			} else if (eq) {
				return lc_err_set(err, "option '--%s' takes no value",
						  o->long_name);
			} else {
				apply(o, NULL, err);
			}
			i++;
			continue;
		}
		/* A cluster of short options: -qv, -mPATH, -m PATH. */
		for (j = 1; a[j]; j++) {
			o = find_short(tables, a[j]);
			if (!o)
				return lc_err_set(err, "unknown option '-%c'", a[j]);
			if (!takes_arg(o)) {
				apply(o, NULL, err);
				continue;
			}
			if (a[j + 1]) {
				if (apply(o, a + j + 1, err))
					return -1;
			} else if (i + 1 < argc) {
				if (apply(o, argv[++i], err))
					return -1;
			} else {
				return lc_err_set(err, "option '-%c' needs a %s",
						  a[j], o->argname);
			}
			break;
		}
		i++;
	}
	/* Put the operands we stepped over just before argv[i]. */
	for (j = 0; j < nops; j++)
		argv[i - nops + j] = operands[j];
	*next = i - nops;
	return 0;
}

void lc_opts_help(FILE *f, const struct lc_opt *opts)
{
	const struct lc_opt *o;
	char lhs[64];

	for (o = opts; o->kind != LC_OPT_END; o++) {
		int n = 0;

		if (o->short_name)
			n = snprintf(lhs, sizeof(lhs), "-%c%s", o->short_name,
				     o->long_name ? ", " : "");
		else
			n = snprintf(lhs, sizeof(lhs), "    ");
		if (o->long_name)
			n += snprintf(lhs + n, sizeof(lhs) - (size_t)n, "--%s",
				      o->long_name);
		if (o->argname)
			snprintf(lhs + n, sizeof(lhs) - (size_t)n, " %s",
				 o->argname);
		fprintf(f, "  %-24s %s\n", lhs, o->help);
	}
}
