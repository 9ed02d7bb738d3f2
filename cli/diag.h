/* diag.h - positioned diagnostics about a file, collected so one run reports them all. */
#ifndef LC_DIAG_H
#define LC_DIAG_H

#include <stddef.h>
#include <stdio.h>

enum lc_sev { LC_SEV_ERROR, LC_SEV_WARNING };

struct lc_diag {
	enum lc_sev sev;
	unsigned line, col; /* 1-based; 0 when the file as a whole is meant */
	char *msg;          /* one lowercase line */
	char *hint;         /* what to do; may be NULL */
};

struct lc_diags {
	const char *file; /* as the user named it; not owned */
	struct lc_diag *v;
	size_t len, cap;
	size_t nerrors;
};

void lc_diags_init(struct lc_diags *d, const char *file);
void lc_diags_release(struct lc_diags *d);

/* Add a diagnostic; an allocation failure is reported in place of msg. */
void lc_diag_add(struct lc_diags *d, enum lc_sev sev, unsigned line,
		 unsigned col, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Set the hint of the diagnostic added last. */
void lc_diag_hint(struct lc_diags *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Order by position (stable), so output follows the file. */
void lc_diags_sort(struct lc_diags *d);

/* "FILE:LINE:COL: error: msg" and "hint: ..." lines. */
void lc_diags_print(FILE *f, const struct lc_diags *d, int color);

/* A JSON array of {file,line,column,severity,message,hint}; a malloc'ed string. */
char *lc_diags_json(const struct lc_diags *d);

#endif
