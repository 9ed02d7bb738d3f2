/* test_opts.c - option tables: flags, strings, repeatable lists, operands among options, errors. */
#include <stdio.h>
#include <string.h>

#include "opts.h"
#include "unit.h"
#include "banned.h"

static int flag;
static const char *str;
static struct lc_opt_list hosts;

static const struct lc_opt table[] = {
	{ LC_OPT_FLAG, 'f', "flag", NULL, "a flag", &flag },
	{ LC_OPT_STRING, 's', "str", "S", "a string", &str },
	{ LC_OPT_LIST, 'H', "host", "HOST", "a host (repeatable)", &hosts },
	LC_OPT_END_MARK,
};

static int parse(int argc, char **argv, int *next, struct lc_err *err)
{
	const struct lc_opt *tables[] = { table, NULL };

	flag = 0;
	str = NULL;
	memset(&hosts, 0, sizeof(hosts));
	*next = 0;
	lc_err_clear(err);
	return lc_opts_parse(tables, argc, argv, next, 0, err);
}

static void test_list(void)
{
	char a0[] = "--host", a1[] = "h1", a2[] = "op", a3[] = "--host=h2", a4[] = "-Hh3",
	     a5[] = "-f", a6[] = "-H", a7[] = "h4";
	char *argv[] = { a0, a1, a2, a3, a4, a5, a6, a7 };
	struct lc_err err;
	int next;

	CHECK(parse(8, argv, &next, &err) == 0);
	CHECK(hosts.n == 4);
	CHECK(hosts.n == 4 && !strcmp(hosts.v[0], "h1") && !strcmp(hosts.v[1], "h2") &&
	      !strcmp(hosts.v[2], "h3") && !strcmp(hosts.v[3], "h4"));
	CHECK(flag == 1 && str == NULL);
	/* The operand is moved after the options. */
	CHECK(next == 7 && !strcmp(argv[7], "op"));
}

static void test_list_errors(void)
{
	char *argv[LC_OPT_LIST_MAX + 2];
	char a0[] = "--host", many[] = "--host=x";
	struct lc_err err;
	int next, i;

	argv[0] = a0;
	CHECK(parse(1, argv, &next, &err) == -1);
	CHECK(strstr(err.msg, "'--host' needs a HOST") != NULL);
	for (i = 0; i < LC_OPT_LIST_MAX; i++)
		argv[i] = many;
	CHECK(parse(LC_OPT_LIST_MAX, argv, &next, &err) == 0 && hosts.n == LC_OPT_LIST_MAX);
	argv[LC_OPT_LIST_MAX] = many;
	CHECK(parse(LC_OPT_LIST_MAX + 1, argv, &next, &err) == -1);
	CHECKF(strstr(err.msg, "'--host' given more than 64 times") != NULL, "%s", err.msg);
}

static void test_string_and_flag(void)
{
	char a0[] = "-fsvalue", a1[] = "--str", a2[] = "last", a3[] = "--flag=1";
	char *argv[] = { a0, a1, a2, a3 };
	struct lc_err err;
	int next;

	CHECK(parse(3, argv, &next, &err) == 0 && flag == 1 && !strcmp(str, "last"));
	CHECK(parse(4, argv, &next, &err) == -1 && strstr(err.msg, "takes no value"));
}

void unit_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	test_list();
	test_list_errors();
	test_string_and_flag();
}
