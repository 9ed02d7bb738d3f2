/* manifest.h - the lattice.toml model: what the manifest says, checked against the role table. */
#ifndef LC_MANIFEST_H
#define LC_MANIFEST_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "check.h"
#include "diag.h"
#include "roles.h"

/* The largest manifest we read: a real one is a few KiB. */
#define LC_MANIFEST_MAX (1024 * 1024)

struct lc_pos {
	unsigned line, col;
};

enum lc_tdx_mode { LC_TDX_MODE_REQUIRED, LC_TDX_MODE_SIMULATE };

/* How unseal's and offer's threshold keys are made: the ceremony on the
 * member hosts (cli/ceremony.h), or dealt by gen-config (tdx = "simulate"
 * lattices only). */
enum lc_dkg_mode { LC_DKG_MODE_CEREMONY, LC_DKG_MODE_DEALER };

enum lc_window_kind { LC_WINDOW_INTERACTIVE, LC_WINDOW_ARCHIVAL, LC_WINDOW_TUPLE };

struct lc_threshold {
	int set;        /* written in the manifest (else defaulted) */
	unsigned t, n;
	struct lc_pos pos;
};

/* An MR_TD source for a TDX organism (unseal, atelier). */
struct lc_mrtd {
	int set;
	unsigned char hash[48]; /* when pinned as mrtd = "<96 hex>" */
	int pinned;
	const char *file;       /* mrtd_file */
	const char *build;      /* mrtd_build: a command writing mrtd.hex */
};

struct lc_binary {
	int set;
	const char *path;       /* a local path, relative to the manifest */
	const char *url;        /* or a URL with its sha256 */
	unsigned char sha256[32];
	struct lc_pos pos;
};

struct lc_host {
	const char *ssh;        /* as written */
	struct lc_ssh_target target;
	int tdx;
	int tdx_unknown;        /* tdx was written with the wrong type */
	unsigned roles;         /* bit (1u << enum lc_role) */
	struct lc_pos pos;      /* the [[hosts]] header */
	struct lc_pos role_pos[LC_ROLE_COUNT];
};

/*
 * Strings point into the parsed document, which the manifest owns;
 * everything is freed by lc_manifest_free().
 */
struct lc_manifest {
	const char *path;
	struct lc_toml_doc *doc;

	const char *name;
	uint64_t chain_id;
	enum lc_tdx_mode tdx;
	enum lc_dkg_mode dkg;   /* default: ceremony, dealer with tdx = "simulate" */
	int dkg_set;            /* written in the manifest */
	struct lc_pos dkg_pos;

	struct {
		enum lc_window_kind kind;
		uint64_t round_ms, retain_rounds; /* for LC_WINDOW_TUPLE */
	} zipnet;
	struct {
		struct lc_threshold threshold;
		struct lc_mrtd mrtd;
	} unseal;
	struct {
		uint64_t auction_window_ms;
		struct lc_threshold threshold;
	} offer;
	struct {
		const char *block_schema;
		const char *chain_rpc;
		struct lc_mrtd mrtd;
	} atelier;
	struct {
		const char *policy;
		const char **proposer_endpoints;
		size_t n_endpoints;
	} relay;
	struct {
		char settlement_addr[43]; /* EIP-55 form */
		const char *chain_rpc;
	} tally;

	struct lc_binary binaries[LC_ROLE_COUNT];

	/* [health]: how up decides the lattice is live (not identity). */
	struct {
		unsigned deadline_s;          /* default 300 */
		unsigned metrics_port;        /* role r serves on metrics_port + r */
		int metrics_port_set;         /* written (else derived from the name) */
		const char *pipeline_metric;  /* default "tally_round" */
		const char *pipeline_command; /* run locally instead; NULL: none */
		struct lc_pos pos;
	} health;

	struct lc_host *hosts;
	size_t nhosts;

	unsigned role_count[LC_ROLE_COUNT];
	/* Unknown role names that look like this role: already reported with
	 * "did you mean", so the count check does not report them again. */
	unsigned role_typos[LC_ROLE_COUNT];
};

/*
 * Read, parse and validate the manifest at path.  Every problem found is
 * added to d (so one run reports them all); returns 0 when there is no
 * error (warnings allowed) and -1 otherwise.  *out is set in both cases
 * when the file parsed as TOML, so callers can still describe it; free
 * it with lc_manifest_free().
 */
int lc_manifest_load(struct lc_manifest **out, const char *path,
		     struct lc_diags *d);
void lc_manifest_free(struct lc_manifest *m);

/* The defaults of [health] (the metrics port derived from the lattice
 * name, so that two lattices on one host do not collide). */
void lc_manifest_health_defaults(struct lc_manifest *m);

/* Cross-field rules (role counts, TDX, thresholds); used by load. */
void lc_manifest_check_rules(struct lc_manifest *m, struct lc_diags *d);

/* Human description: lattice, committees, hosts. */
void lc_manifest_describe(FILE *f, const struct lc_manifest *m);

/* The index of the host whose ssh target is name (as written), or -1. */
long lc_manifest_host(const struct lc_manifest *m, const char *name);

/* A display name for a host: its ssh target as written. */
const char *lc_host_name(const struct lc_host *h);

/* A host's name in file names (state, secrets, journal): its ssh target,
 * every character but [A-Za-z0-9.-] as '_'. */
#define LC_HOSTID_MAX 128
void lc_hostid(char out[LC_HOSTID_MAX], const struct lc_host *h);

#endif
