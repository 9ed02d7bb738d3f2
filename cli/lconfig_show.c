/* lconfig_show.c - showing a LatticeConfig: text, JSON, and which identity field changed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "check.h"
#include "hex.h"
#include "lconfig.h"
#include "banned.h"

static const char *window_name(const struct lc_lconfig *c, char *buf, size_t size)
{
	if (c->window_kind == 0)
		return "interactive";
	if (c->window_kind == 1)
		return "archival";
	snprintf(buf, size, "[%u, %u]", c->round_ms, c->retain_rounds);
	return buf;
}

static void mrtd_text(char out[2 * LC_MRTD_LEN + 16], const uint8_t *m, int kind)
{
	lc_hex_encode(out, m, LC_MRTD_LEN);
	if (kind == LC_MRTD_SYNTHETIC)
		memcpy(out + 2 * LC_MRTD_LEN, " (SIMULATED)", 13);
}

void lc_lconfig_print(FILE *f, const struct lc_lconfig *c,
		      const uint8_t lattice_id[LC_LATTICE_ID_LEN])
{
	char hex[2 * LC_MRTD_LEN + 16], w[64], addr[43];
	uint8_t oid[32];
	size_t i;
	int o;

	lc_hex_encode(hex, lattice_id, LC_LATTICE_ID_LEN);
	fprintf(f, "LatticeConfig version %d\n", LC_LCONFIG_VERSION);
	fprintf(f, "lattice_id:                 %s\n", hex);
	fprintf(f, "lattice:                    %s\n", c->name);
	fprintf(f, "chain_id:                   %llu\n", (unsigned long long)c->chain_id);
	fprintf(f, "tdx:                        %s\n", c->tdx ?
		"SIMULATED (development only, never a production lattice)" : "required");
	fprintf(f, "zipnet.window:              %s\n", window_name(c, w, sizeof(w)));
	fprintf(f, "unseal.threshold:           %u-of-%u\n", c->unseal_t, c->unseal_n);
	mrtd_text(hex, c->unseal_mrtd, c->unseal_mrtd_kind);
	fprintf(f, "unseal.mrtd:                %s\n", hex);
	lc_hex_encode(hex, c->unseal_pk, 32);
	fprintf(f, "unseal.public_key:          %s\n", hex);
	fprintf(f, "offer.auction_window_ms:    %u\n", c->auction_window_ms);
	fprintf(f, "offer.threshold:            %u-of-%u\n", c->offer_t, c->offer_n);
	lc_hex_encode(hex, c->offer_pk, 32);
	fprintf(f, "offer.public_key:           %s\n", hex);
	fprintf(f, "atelier.block_schema:       %s\n", c->block_schema);
	mrtd_text(hex, c->atelier_mrtd, c->atelier_mrtd_kind);
	fprintf(f, "atelier.mrtd:               %s\n", hex);
	fprintf(f, "relay.policy:               %s\n", c->policy);
	for (i = 0; i < c->n_endpoints; i++)
		fprintf(f, "relay.proposer_endpoint:    %s\n", c->endpoints[i]);
	lc_eip55(c->settlement, addr);
	fprintf(f, "tally.settlement_addr:      %s\n", addr);
	for (o = 0; o < LC_ORG_COUNT; o++) {
		lc_organism_id(oid, lattice_id, (enum lc_org)o);
		lc_hex_encode(hex, oid, 32);
		fprintf(f, "%s.id:%*s%s\n", lc_org_names[o],
			(int)(24 - strlen(lc_org_names[o])), "", hex);
	}
}

static cJSON *add_hex(cJSON *o, const char *k, const uint8_t *b, size_t n)
{
	char hex[2 * 64 + 1];

	lc_hex_encode(hex, b, n);
	return cJSON_AddStringToObject(o, k, hex);
}

char *lc_lconfig_json(const struct lc_lconfig *c,
		      const uint8_t lattice_id[LC_LATTICE_ID_LEN],
		      const char *hex)
{
	char num[24];
	cJSON *root = cJSON_CreateObject(), *o, *orgs[LC_ORG_COUNT], *a;
	char w[64], addr[43];
	uint8_t oid[32];
	char *out = NULL;
	size_t i;
	int k;

	if (!root)
		return NULL;
	cJSON_AddNumberToObject(root, "version", LC_LCONFIG_VERSION);
	add_hex(root, "lattice_id", lattice_id, LC_LATTICE_ID_LEN);
	if (hex)
		cJSON_AddStringToObject(root, "lattice_config", hex);
	cJSON_AddStringToObject(root, "lattice", c->name);
	/* Exact for any uint64 (a double is not past 2^53). */
	snprintf(num, sizeof(num), "%llu", (unsigned long long)c->chain_id);
	cJSON_AddRawToObject(root, "chain_id", num);
	cJSON_AddStringToObject(root, "tdx", c->tdx ? "simulate" : "required");
	o = cJSON_AddObjectToObject(root, "organisms");
	for (k = 0; k < LC_ORG_COUNT; k++) {
		orgs[k] = cJSON_AddObjectToObject(o, lc_org_names[k]);
		lc_organism_id(oid, lattice_id, (enum lc_org)k);
		add_hex(orgs[k], "id", oid, 32);
	}
	if (c->window_kind == 2) {
		a = cJSON_AddArrayToObject(orgs[LC_ORG_ZIPNET], "window");
		cJSON_AddItemToArray(a, cJSON_CreateNumber(c->round_ms));
		cJSON_AddItemToArray(a, cJSON_CreateNumber(c->retain_rounds));
	} else {
		cJSON_AddStringToObject(orgs[LC_ORG_ZIPNET], "window", window_name(c, w, sizeof(w)));
	}
	snprintf(w, sizeof(w), "%u-of-%u", c->unseal_t, c->unseal_n);
	cJSON_AddStringToObject(orgs[LC_ORG_UNSEAL], "threshold", w);
	add_hex(orgs[LC_ORG_UNSEAL], "mrtd", c->unseal_mrtd, LC_MRTD_LEN);
	cJSON_AddBoolToObject(orgs[LC_ORG_UNSEAL], "mrtd_simulated", c->unseal_mrtd_kind);
	add_hex(orgs[LC_ORG_UNSEAL], "public_key", c->unseal_pk, 32);
	cJSON_AddNumberToObject(orgs[LC_ORG_OFFER], "auction_window_ms", c->auction_window_ms);
	snprintf(w, sizeof(w), "%u-of-%u", c->offer_t, c->offer_n);
	cJSON_AddStringToObject(orgs[LC_ORG_OFFER], "threshold", w);
	add_hex(orgs[LC_ORG_OFFER], "public_key", c->offer_pk, 32);
	cJSON_AddStringToObject(orgs[LC_ORG_ATELIER], "block_schema", c->block_schema);
	add_hex(orgs[LC_ORG_ATELIER], "mrtd", c->atelier_mrtd, LC_MRTD_LEN);
	cJSON_AddBoolToObject(orgs[LC_ORG_ATELIER], "mrtd_simulated", c->atelier_mrtd_kind);
	cJSON_AddStringToObject(orgs[LC_ORG_RELAY], "policy", c->policy);
	a = cJSON_AddArrayToObject(orgs[LC_ORG_RELAY], "proposer_endpoints");
	for (i = 0; i < c->n_endpoints; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(c->endpoints[i]));
	lc_eip55(c->settlement, addr);
	cJSON_AddStringToObject(orgs[LC_ORG_TALLY], "settlement_addr", addr);
	out = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	return out;
}

/* An MR_TD for a message: its first 8 bytes, and whether it is simulated. */
static const char *mrtd_short(char out[64], uint8_t kind, const uint8_t *mrtd)
{
	lc_hex_encode(out, mrtd, 8);
	snprintf(out + 16, 48, "...%s", kind == LC_MRTD_SYNTHETIC ? " (simulated)" : "");
	return out;
}

int lc_lconfig_diff(char *buf, size_t size, const struct lc_lconfig *a,
		    const struct lc_lconfig *b, int with_dkg)
{
	char x[64], y[64];
	size_t i;

#define DIFF(cond, ...) do { if (cond) { snprintf(buf, size, __VA_ARGS__); return 1; } } while (0)
	DIFF(strcmp(a->name, b->name), "lattice name '%s' -> '%s'", a->name, b->name);
	DIFF(a->chain_id != b->chain_id, "chain_id %llu -> %llu",
	     (unsigned long long)a->chain_id, (unsigned long long)b->chain_id);
	DIFF(a->tdx != b->tdx, "tdx %s -> %s", a->tdx ? "simulate" : "required",
	     b->tdx ? "simulate" : "required");
	DIFF(a->window_kind != b->window_kind || a->round_ms != b->round_ms ||
	     a->retain_rounds != b->retain_rounds, "zipnet window %s -> %s",
	     window_name(a, x, sizeof(x)), window_name(b, y, sizeof(y)));
	DIFF(a->unseal_t != b->unseal_t || a->unseal_n != b->unseal_n,
	     "unseal threshold %u-of-%u -> %u-of-%u", a->unseal_t, a->unseal_n,
	     b->unseal_t, b->unseal_n);
	DIFF(a->unseal_mrtd_kind != b->unseal_mrtd_kind ||
	     memcmp(a->unseal_mrtd, b->unseal_mrtd, LC_MRTD_LEN), "unseal MR_TD %s -> %s",
	     mrtd_short(x, a->unseal_mrtd_kind, a->unseal_mrtd),
	     mrtd_short(y, b->unseal_mrtd_kind, b->unseal_mrtd));
	DIFF(a->auction_window_ms != b->auction_window_ms,
	     "offer auction_window_ms %u -> %u", a->auction_window_ms, b->auction_window_ms);
	DIFF(a->offer_t != b->offer_t || a->offer_n != b->offer_n,
	     "offer threshold %u-of-%u -> %u-of-%u", a->offer_t, a->offer_n,
	     b->offer_t, b->offer_n);
	DIFF(strcmp(a->block_schema, b->block_schema), "atelier block_schema '%s' -> '%s'",
	     a->block_schema, b->block_schema);
	DIFF(a->atelier_mrtd_kind != b->atelier_mrtd_kind ||
	     memcmp(a->atelier_mrtd, b->atelier_mrtd, LC_MRTD_LEN), "atelier MR_TD %s -> %s",
	     mrtd_short(x, a->atelier_mrtd_kind, a->atelier_mrtd),
	     mrtd_short(y, b->atelier_mrtd_kind, b->atelier_mrtd));
	DIFF(strcmp(a->policy, b->policy), "relay policy '%s' -> '%s'", a->policy, b->policy);
	DIFF(a->n_endpoints != b->n_endpoints, "relay proposer_endpoints");
	for (i = 0; i < a->n_endpoints; i++)
		DIFF(strcmp(a->endpoints[i], b->endpoints[i]), "relay proposer_endpoints");
	DIFF(memcmp(a->settlement, b->settlement, 20), "tally settlement_addr");
	if (with_dkg) {
		DIFF(memcmp(a->unseal_pk, b->unseal_pk, 32), "unseal DKG public key");
		DIFF(memcmp(a->offer_pk, b->offer_pk, 32), "offer DKG public key");
	}
#undef DIFF
	return 0;
}
