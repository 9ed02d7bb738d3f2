/* opts.h - command-line options declared as data, with help generated from them. */
#ifndef LC_OPTS_H
#define LC_OPTS_H

#include <stddef.h>
#include <stdio.h>

#include "err.h"

enum lc_opt_kind {
	LC_OPT_END = 0,
	LC_OPT_FLAG,   /* int *: set to 1 */
	LC_OPT_COUNT,  /* int *: incremented */
	LC_OPT_STRING, /* const char **: the argument */
	LC_OPT_LIST,   /* struct lc_opt_list *: each use adds its argument */
};

/* A repeatable option's arguments, in order (pointers into argv). */
#define LC_OPT_LIST_MAX 64
struct lc_opt_list {
	const char *v[LC_OPT_LIST_MAX];
	size_t n;
};

struct lc_opt {
	enum lc_opt_kind kind;
	char short_name;       /* 0 when there is none */
	const char *long_name; /* without the leading "--" */
	const char *argname;   /* for LC_OPT_STRING */
	const char *help;
	void *target;
};

#define LC_OPT_END_MARK { LC_OPT_END, 0, NULL, NULL, NULL, NULL }

/*
 * Parse options from argv[*next] on, trying each table in turn (NULL
 * ends the list).  Stops at the first non-option, at "--" (consumed),
 * or, when stop_at_arg is set, before any operand.  Operands that are
 * not options are left for the caller: with stop_at_arg clear, they are
 * moved to the end of argv's option part so options may follow them,
 * and *next points at the first operand.  Returns -1 with err set on an
 * unknown option, a missing argument or a list option used too often.
 */
int lc_opts_parse(const struct lc_opt *const *tables, int argc, char **argv,
		  int *next, int stop_at_arg, struct lc_err *err);

/* Print "  -m, --manifest PATH   help" lines for a table. */
void lc_opts_help(FILE *f, const struct lc_opt *opts);

#endif
