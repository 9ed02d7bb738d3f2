/* sd_unit.c - the systemd backend's unit file: a hardened service per (lattice, role), and `unit-text`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "buf.h"
#include "unit.h"
#include "banned.h"

#define UNIT_NAME_MAX 255 /* systemd's limit */

int ag_use_systemd(void)
{
	/* With LATTICE_AGENT_ROOT the files are not the host's: never systemd. */
	return !*ag_root() && ag_systemd_pid1();
}

int ag_sd_unit_name(char *out, size_t n, const char *lattice, const char *role,
		    struct lc_err *err)
{
	size_t len = (size_t)snprintf(out, n, "lattice-%s-%s.service", lattice, role);

	if (len >= n || len > UNIT_NAME_MAX)
		return lc_err_setc(err, AG_E_BAD, "the unit name for role '%s' of '%s' is longer "
				   "than %d bytes", role, lattice, UNIT_NAME_MAX);
	return 0;
}

/* One ExecStart= word: in double quotes, with \, " escaped and the
 * specifier and variable characters % and $ doubled. */
static int add_word(struct lc_buf *b, const char *s)
{
	int rc = lc_buf_addch(b, ' ') || lc_buf_addch(b, '"');

	for (; *s && !rc; s++) {
		if (*s == '\\' || *s == '"')
			rc = lc_buf_addch(b, '\\');
		else if (*s == '%' || *s == '$')
			rc = lc_buf_addch(b, *s);
		rc = rc || lc_buf_addch(b, *s);
	}
	return rc || lc_buf_addch(b, '"');
}

/*
 * The variables whose value names a file in this lattice's secrets
 * directory.  With DynamicUser= the service cannot read those root-owned
 * 0400 files; systemd hands it a copy (LoadCredential=) and ExecStart
 * points the variable at that copy (%d, the credentials directory).
 */
static int add_credentials(struct lc_buf *load, struct lc_buf *exec, const char *lattice,
			   const struct ag_unit *u, struct lc_err *err)
{
	struct ag_env env = { 0 };
	char prefix[PATH_MAX];
	size_t plen, i;
	int rc;

	plen = (size_t)snprintf(prefix, sizeof(prefix), "/var/lib/lattice/%s/secrets/", lattice);
	if ((rc = ag_env_load(&env, lattice, u, err)))
		goto out;
	for (i = 0; i < env.n; i++) {
		const char *kv = env.kv[i], *eq = strchr(kv, '='), *file;

		if (strncmp(eq + 1, prefix, plen) || !ag_name_ok(file = eq + 1 + plen))
			continue;
		if (lc_buf_printf(load, "LoadCredential=%s:%s%s\n", file, prefix, file) ||
		    lc_buf_printf(exec, " %.*s=%%d/%s", (int)(eq - kv), kv, file)) {
			rc = lc_err_set(err, "out of memory");
			goto out;
		}
	}
out:
	ag_env_release(&env);
	return rc;
}

int ag_sd_unit_text(struct lc_buf *out, const char *lattice, const char *role,
		    const struct ag_unit *u, struct lc_err *err)
{
	char name[UNIT_NAME_MAX + 2], state[UNIT_NAME_MAX];
	struct lc_buf load, exec;
	size_t i;
	int rc;

	lc_buf_init(&load, LC_BUF_NOMAX);
	lc_buf_init(&exec, LC_BUF_NOMAX);
	if ((rc = ag_sd_unit_name(name, sizeof(name), lattice, role, err)) ||
	    (rc = add_credentials(&load, &exec, lattice, u, err)))
		goto out;
	snprintf(state, sizeof(state), "lattice-%s-%s", lattice, role);
	rc = lc_buf_printf(out,
		"# %s - role %s of lattice %s.\n"
		"# Written by lattice-agent (unit install); it is rewritten, do not edit.\n"
		"[Unit]\n"
		"Description=lattice %s role %s\n"
		"After=network-online.target\n"
		"Wants=network-online.target\n"
		"StartLimitIntervalSec=60\n"
		"StartLimitBurst=5\n"
		"\n"
		"[Service]\n"
		"Type=simple\n",
		name, role, lattice, lattice, role);
	for (i = 0; i < u->nenv && !rc; i++)
		rc = lc_buf_printf(out, "EnvironmentFile=/etc/lattice/%s/%s\n", lattice, u->env[i]);
	rc = rc || lc_buf_printf(out, "%s", load.ptr ? load.ptr : "") ||
	     lc_buf_printf(out, "ExecStart=/usr/bin/env LATTICE_ROLE=%s%s", role,
			   exec.ptr ? exec.ptr : "");
	lc_buf_reset(&exec);
	rc = rc || lc_buf_printf(&exec, "/usr/local/lib/lattice/%s/bin/%s", lattice, u->exec) ||
	     add_word(out, exec.ptr);
	for (i = 0; i < u->nargs && !rc; i++)
		rc = add_word(out, u->args[i]);
	rc = rc || lc_buf_printf(out,
		"\n"
		"Restart=on-failure\n"
		"RestartSec=5s\n"
		"KillSignal=SIGTERM\n"
		"TimeoutStopSec=5s\n"
		"DynamicUser=yes\n"
		"StateDirectory=%s\n"
		"WorkingDirectory=%%S/%s\n"
		"ReadWritePaths=%%S/%s\n"
		"UMask=0077\n"
		"NoNewPrivileges=yes\n"
		"ProtectSystem=strict\n"
		"ProtectHome=yes\n"
		"PrivateTmp=yes\n"
		"ProtectKernelTunables=yes\n"
		"ProtectKernelModules=yes\n"
		"ProtectKernelLogs=yes\n"
		"ProtectControlGroups=yes\n"
		"ProtectClock=yes\n"
		"ProtectHostname=yes\n"
		"RestrictSUIDSGID=yes\n"
		"RestrictRealtime=yes\n"
		"RestrictNamespaces=yes\n"
		"LockPersonality=yes\n"
		"SystemCallArchitectures=native\n"
		"CapabilityBoundingSet=\n"
		"AmbientCapabilities=\n"
		"RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX AF_NETLINK\n"
		"\n"
		"[Install]\n"
		"WantedBy=multi-user.target\n",
		state, state, state);
	if (rc && !err->msg[0])
		rc = lc_err_set(err, "out of memory");
out:
	lc_buf_release(&load);
	lc_buf_release(&exec);
	return rc;
}

static int usage(void)
{
	fprintf(stderr, "usage: lattice-agent unit-text --lattice L --role R --exec NAME "
		"[--env NAME]... [--arg ARG]...\n");
	return AG_EXIT_PROTO;
}

/* `lattice-agent unit-text ...`: print the unit `unit install` would write. */
int ag_unit_text_main(int argc, char **argv)
{
	const char *lattice = NULL, *role = NULL;
	struct ag_unit u;
	struct lc_err err;
	struct lc_buf text;
	int i, rc = AG_EXIT_FAIL;

	memset(&u, 0, sizeof(u));
	lc_err_clear(&err);
	lc_buf_init(&text, LC_BUF_NOMAX);
	for (i = 2; i + 1 < argc; i += 2) {
		const char *opt = argv[i], *v = argv[i + 1];

		if (!strcmp(opt, "--lattice"))
			lattice = v;
		else if (!strcmp(opt, "--role"))
			role = v;
		else if (!strcmp(opt, "--exec") && ag_name_ok(v))
			snprintf(u.exec, sizeof(u.exec), "%s", v);
		else if (!strcmp(opt, "--env") && ag_name_ok(v) && u.nenv < AG_UNIT_ENVS)
			snprintf(u.env[u.nenv++], sizeof(u.env[0]), "%s", v);
		else if (!strcmp(opt, "--arg") && u.nargs < AG_UNIT_ARGS && ag_unit_arg_ok(v))
			u.args[u.nargs++] = argv[i + 1];
		else
			return usage();
	}
	if (i != argc || !lattice || !role || !u.exec[0])
		return usage();
	if (ag_paths_init(&err) || (!ag_lattice_ok(lattice) &&
				     lc_err_set(&err, "'%s' is not a lattice name", lattice)) ||
	    ag_role_usable(role, &err) || ag_sd_unit_text(&text, lattice, role, &u, &err)) {
		fprintf(stderr, "lattice-agent: %s\n", err.msg);
		goto out;
	}
	fputs(text.ptr, stdout);
	rc = fflush(stdout) ? AG_EXIT_FAIL : AG_EXIT_OK;
out:
	lc_buf_release(&text);
	return rc;
}
