/* unit.h - a tiny unit test harness: CHECK() records, main() reports "N passed, N failed". */
#ifndef LC_UNIT_H
#define LC_UNIT_H

#include <stddef.h>
#include <stdio.h>

extern int unit_passed, unit_failed;

/* Record one check; print the failing expression with its location. */
#define CHECK(cond) unit_check(!!(cond), #cond, __FILE__, __LINE__)
#define CHECKF(cond, ...)                                                  \
	do {                                                                   \
		if (!unit_check(!!(cond), #cond, __FILE__, __LINE__))          \
			fprintf(stderr, "    " __VA_ARGS__), fputc('\n', stderr);  \
	} while (0)

int unit_check(int ok, const char *expr, const char *file, int line);

/* Where ../shared/vectors lives (LC_VECTORS env, else ../shared/vectors
 * relative to the repository), or NULL when absent: suites then skip. */
const char *unit_vectors_dir(void);
/* Print "skip: <why>" once for a suite that cannot run here. */
void unit_skip(const char *what);

/* Parse the JSON file dir/rel (a failed CHECK and NULL when it cannot be
 * read or parsed); free with cJSON_Delete. */
struct cJSON;
struct cJSON *unit_load_json(const char *dir, const char *rel);
/* As unit_load_json, refusing a file of more than max bytes. */
struct cJSON *unit_load_json_max(const char *dir, const char *rel, size_t max);
/* o[k] when it is a string, else "". */
const char *unit_jstr(const struct cJSON *o, const char *k);

/*
 * The test HTTP server, build/tests/tools/http-stub (found from this
 * program's path, or $LC_HTTP_STUB), on 127.0.0.1 and a free port, with
 * the extra arguments args (NULL-terminated).  Its request log goes to
 * <dir>/log.  unit_stub_stop() stops it (SIGTERM, by pid) and removes dir.
 */
struct unit_stub {
	long pid;
	unsigned port;
	char dir[64];
};
int unit_stub_start(struct unit_stub *s, const char *const *args);
void unit_stub_stop(struct unit_stub *s);

/* argv[0] of the test program. */
extern const char *unit_argv0;

/* Each test program defines this; unit.c's main() calls it. */
void unit_main(int argc, char **argv);

#endif
