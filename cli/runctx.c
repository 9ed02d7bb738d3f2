/* runctx.c - the state of one command's run that its steps share: the interrupt flag and the journal's notes. */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>

#include "runctx.h"
#include "banned.h"

volatile sig_atomic_t lc_interrupted;

void lc_run_note(struct lc_run *r, const char *host, const char *role,
		 const char *step, const char *inputs, const char *outcome,
		 const char *fmt, ...)
{
	struct lc_err err;
	char detail[256];
	va_list ap;

	if (!r->j || (r->flags & LC_RUN_READONLY))
		return;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	lc_err_clear(&err);
	if (lc_journal_note(r->j, host, role, step, inputs, outcome, &err, "%s", detail) &&
	    !r->err.msg[0]) {
		r->err = err;
		fprintf(stderr, "latticectl: %s\n", err.msg);
	}
}
