/* main.c - lattice-agent's entry point: `serve` (the protocol on stdin/stdout), `supervise`, `unit-text`, `version`. */
#include <gnu/libc-version.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "agent.h"
#include "banned.h"

/* The bundle is built against one glibc; refuse to run on an older one. */
static int glibc_ok(void)
{
	const char *v = gnu_get_libc_version();
	unsigned long major, minor = 0;
	char *end;

	major = strtoul(v, &end, 10);
	if (*end == '.')
		minor = strtoul(end + 1, NULL, 10);
	if (major > __GLIBC__ || (major == __GLIBC__ && minor >= __GLIBC_MINOR__))
		return 1;
	fprintf(stderr, "lattice-agent: needs glibc %d.%d or later; this host has %s\n",
		__GLIBC__, __GLIBC_MINOR__, v);
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: lattice-agent serve | version\n"
		"       lattice-agent supervise --lattice LATTICE\n"
		"       lattice-agent unit-text --lattice L --role R --exec NAME "
		"[--env NAME]... [--arg ARG]...\n");
	return AG_EXIT_PROTO;
}

int main(int argc, char **argv)
{
	struct rlimit no_core = { 0, 0 };
	struct lc_err err;
	int serve;

	if (argc < 2)
		return usage();
	if (!glibc_ok())
		return AG_EXIT_FAIL;
	if (!strcmp(argv[1], "unit-text"))
		return ag_unit_text_main(argc, argv);
	if (!strcmp(argv[1], "version") && argc == 2) {
		printf("lattice-agent %s (protocol %d)\n", LC_VERSION, AG_PROTOCOL);
		return fflush(stdout) ? AG_EXIT_FAIL : AG_EXIT_OK;
	}
	serve = !strcmp(argv[1], "serve");
	if ((serve && argc != 2) || (!serve && strcmp(argv[1], "supervise")))
		return usage();
	if (sodium_init() < 0) {
		fprintf(stderr, "lattice-agent: cannot initialise libsodium\n");
		return AG_EXIT_FAIL;
	}
	/* Secret bytes pass through memory: no core files (the supervisor's
	 * roles inherit that); a closed pipe is an error from write, not a
	 * signal. */
	setrlimit(RLIMIT_CORE, &no_core);
	signal(SIGPIPE, SIG_IGN);
	umask(022);
	if (!serve)
		return ag_supervise_main(argc, argv);
	lc_err_clear(&err);
	if (ag_paths_init(&err)) {
		fprintf(stderr, "lattice-agent: %s\n", err.msg);
		return AG_EXIT_FAIL;
	}
	return ag_serve(STDIN_FILENO, STDOUT_FILENO);
}
