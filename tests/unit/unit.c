/* unit.c - the unit harness: counting checks and finding the shared vectors. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "fileio.h"
#include "unit.h"
#include "banned.h"

int unit_passed, unit_failed;
const char *unit_argv0 = "";

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

int unit_stub_start(struct unit_stub *s, const char *const *args)
{
	const char *env = getenv("LC_HTTP_STUB"), *argv[32];
	char stub[4096], portfile[96], log[96], *slash;
	struct timespec nap = { 0, 20 * 1000 * 1000 };
	struct lc_buf b;
	struct lc_err err;
	size_t n = 0;
	int i;
	pid_t pid;

	memset(s, 0, sizeof(*s));
	s->pid = -1;
	if (env && *env) {
		snprintf(stub, sizeof(stub), "%s", env);
	} else {
		/* build/tests/unit/test_x -> build/tests/tools/http-stub */
		snprintf(stub, sizeof(stub), "%s", unit_argv0);
		slash = strrchr(stub, '/');
		snprintf(slash ? slash + 1 : stub, sizeof(stub) - (size_t)(slash ? slash + 1 - stub : 0),
			 "../tools/http-stub");
	}
	snprintf(s->dir, sizeof(s->dir), "/tmp/lc-stub-XXXXXX");
	if (!mkdtemp(s->dir))
		return unit_check(0, "mkdtemp", __FILE__, __LINE__), -1;
	snprintf(portfile, sizeof(portfile), "%s/port", s->dir);
	snprintf(log, sizeof(log), "%s/log", s->dir);
	argv[n++] = stub;
	argv[n++] = "--port-file";
	argv[n++] = portfile;
	for (i = 0; args && args[i] && n < 28; i++)
		argv[n++] = args[i];
	argv[n++] = "127.0.0.1";
	argv[n++] = "0";
	argv[n] = NULL;
	if ((pid = fork()) < 0)
		return unit_check(0, "fork", __FILE__, __LINE__), -1;
	if (pid == 0) {
		int out = open("/dev/null", O_WRONLY), lf = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);

		if (out < 0 || lf < 0 || dup2(out, 1) < 0 || dup2(lf, 2) < 0)
			_exit(127);
		execv(stub, (char *const *)argv);
		fprintf(stderr, "cannot run %s: %s\n", stub, strerror(errno));
		_exit(127);
	}
	s->pid = pid;
	lc_buf_init(&b, LC_BUF_NOMAX);
	for (i = 0; i < 250; i++) {
		if (lc_read_file(&b, portfile, 64, &err) == 0 && b.len > 1) {
			s->port = (unsigned)strtoul(b.ptr, NULL, 10);
			break;
		}
		if (waitpid(pid, NULL, WNOHANG) == pid) {
			s->pid = -1;
			break;
		}
		nanosleep(&nap, NULL);
	}
	lc_buf_release(&b);
	if (!s->port) {
		unit_check(0, "the http-stub started and wrote its port", stub, 0);
		unit_stub_stop(s);
		return -1;
	}
	return 0;
}

void unit_stub_stop(struct unit_stub *s)
{
	char path[96];

	if (s->pid > 0) {
		kill((pid_t)s->pid, SIGTERM);
		waitpid((pid_t)s->pid, NULL, 0);
		s->pid = -1;
	}
	if (s->dir[0]) {
		snprintf(path, sizeof(path), "%s/port", s->dir);
		unlink(path);
		snprintf(path, sizeof(path), "%s/log", s->dir);
		unlink(path);
		rmdir(s->dir);
		s->dir[0] = '\0';
	}
}

int main(int argc, char **argv)
{
	unit_argv0 = argv[0];
	unit_main(argc, argv);
	printf("%d passed, %d failed\n", unit_passed, unit_failed);
	return unit_failed ? 1 : 0;
}
