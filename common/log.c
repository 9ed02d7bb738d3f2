/* log.c - what latticectl says on stderr besides its results and errors: one level for the whole run, from -q and -v. */
#include <stdarg.h>
#include <stdio.h>

#include "log.h"
#include "banned.h"

static int level = LC_LOG_NORMAL;

void lc_log_setup(int quiet, int verbose)
{
	lc_log_set(quiet ? LC_LOG_QUIET : LC_LOG_NORMAL + verbose);
}

void lc_log_set(int l)
{
	level = l < LC_LOG_QUIET ? LC_LOG_QUIET : l > LC_LOG_TRACE ? LC_LOG_TRACE : l;
}

int lc_log_level(void)
{
	return level;
}

int lc_log_on(int l)
{
	return l <= level;
}

void lc_logf(int l, const char *fmt, ...)
{
	char line[2048];
	va_list ap;

	if (l > level)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One write per line, so lines from several hosts' threads never mix. */
	fprintf(stderr, "%s\n", line);
}
