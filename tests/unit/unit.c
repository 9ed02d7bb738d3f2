/* unit.c - the unit harness: counting checks and finding the shared vectors. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "fileio.h"
#include "unit.h"
#include "banned.h"

int unit_passed, unit_failed;

int unit_check(int ok, const char *expr, const char *file, int line)
{
	if (ok) {
		unit_passed++;
		return 1;
	}
	unit_failed++;
	fprintf(stderr, "FAIL %s:%d: %s\n", file, line, expr);
	return 0;
}

const char *unit_vectors_dir(void)
{
	static char buf[4096];
	const char *env = getenv("LC_VECTORS");
	struct stat st;

	if (env && *env)
		return stat(env, &st) == 0 && S_ISDIR(st.st_mode) ? env : NULL;
	/* Tests run from the repository root; shared/ sits beside it. */
	snprintf(buf, sizeof(buf), "../shared/vectors");
	if (stat(buf, &st) == 0 && S_ISDIR(st.st_mode))
		return buf;
	return NULL;
}

void unit_skip(const char *what)
{
	printf("skip: %s\n", what);
}

cJSON *unit_load_json_max(const char *dir, const char *rel, size_t max)
{
	struct lc_buf b;
	struct lc_err err;
	char path[4096];
	cJSON *j = NULL;

	lc_buf_init(&b, LC_BUF_NOMAX);
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	if (lc_read_file(&b, path, max, &err))
		unit_check(0, err.msg, __FILE__, __LINE__);
	else if (!(j = cJSON_Parse(b.ptr)))
		unit_check(0, "not JSON", path, 0);
	lc_buf_release(&b);
	return j;
}

cJSON *unit_load_json(const char *dir, const char *rel)
{
	return unit_load_json_max(dir, rel, 64u << 20);
}

const char *unit_jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItem(o, k);

	return cJSON_IsString(v) ? v->valuestring : "";
}

int main(int argc, char **argv)
{
	unit_main(argc, argv);
	printf("%d passed, %d failed\n", unit_passed, unit_failed);
	return unit_failed ? 1 : 0;
}
