/* render_nomad.c - the lattice as Nomad jobs (the /v1/jobs JSON format), one per member, its secrets in a Nomad Variable only that member's task can read. */
#include <stdio.h>
#include <string.h>

#include "render.h"
#include "banned.h"

#define SECOND 1000000000.0 /* Nomad's JSON durations are nanoseconds */

/* The Variable path a task reads without any ACL policy of its own. */
/* A secret's item name in its Variable: the kind as a template identifier
 * ("keystore.json" -> "keystore_json"), which {{ .NAME.Value }} can reach. */
static void item_key(char *out, size_t size, const char *kind)
{
	size_t i;

	for (i = 0; kind[i] && i + 1 < size; i++)
		out[i] = (kind[i] >= 'a' && kind[i] <= 'z') ? kind[i] : '_';
	out[i] = '\0';
}

static void var_path(char *out, size_t size, const struct lc_render_member *mb)
{
	const char *role = lc_roles[mb->role].name;

	snprintf(out, size, "nomad/jobs/%s/%s/%s", mb->name, role, role);
}

static void meta(cJSON *o, const struct lc_render *r, const struct lc_render_member *mb)
{
	unsigned n = lc_committee_size(r->m, mb->role);
	char v[16];

	cJSON_AddStringToObject(o, "lattice", r->m->name);
	cJSON_AddStringToObject(o, "organism", lc_org_names[lc_roles[mb->role].org]);
	cJSON_AddStringToObject(o, "role", lc_roles[mb->role].name);
	cJSON_AddStringToObject(o, "member", r->id->hostid[mb->host]);
	cJSON_AddStringToObject(o, "host", r->m->hosts[mb->host].ssh);
	snprintf(v, sizeof(v), "%u", n);
	cJSON_AddStringToObject(o, "committee_size", v);
	snprintf(v, sizeof(v), "%u", lc_role_max_down(r->m, mb->role));
	cJSON_AddStringToObject(o, "committee_max_down", v);
	if (lc_roles[mb->role].tdx != LC_TDX_NO)
		cJSON_AddStringToObject(o, "tdx", "simulate");
}

/* Replace the member's one allocation only once the new one is healthy
 * elsewhere or it has stopped; no canaries; a failed update reverts. */
static void update(cJSON *u)
{
	cJSON_AddNumberToObject(u, "MaxParallel", 1);
	cJSON_AddNumberToObject(u, "Canary", 0);
	cJSON_AddBoolToObject(u, "AutoRevert", 1);
	cJSON_AddBoolToObject(u, "AutoPromote", 0);
	cJSON_AddStringToObject(u, "HealthCheck", "task_states");
	cJSON_AddNumberToObject(u, "MinHealthyTime", 10 * SECOND);
	cJSON_AddNumberToObject(u, "HealthyDeadline", 300 * SECOND);
	cJSON_AddNumberToObject(u, "ProgressDeadline", 600 * SECOND);
}

/* The task: the member's env files as its environment, each secret file
 * a template rendered from its Variable into the task's secrets dir,
 * which the container sees where the env file says. */
static void task(cJSON *g, const struct lc_render *r, const struct lc_render_member *mb)
{
	const char *role = lc_roles[mb->role].name;
	char path[300], tmpl[600], dest[200], vol[600];
	cJSON *t = cJSON_CreateObject(), *c, *a, *x;
	size_t k;

	cJSON_AddItemToArray(cJSON_AddArrayToObject(g, "Tasks"), t);
	cJSON_AddStringToObject(t, "Name", role);
	cJSON_AddStringToObject(t, "Driver", "docker");
	c = cJSON_AddObjectToObject(t, "Config");
	cJSON_AddStringToObject(c, "image", r->o->image[mb->role]);
	snprintf(vol, sizeof(vol), "secrets:/var/lib/lattice/%s/secrets:ro", r->m->name);
	cJSON_AddItemToArray(cJSON_AddArrayToObject(c, "volumes"), cJSON_CreateString(vol));
	x = cJSON_AddObjectToObject(t, "Env");
	lc_render_env_object(x, r->common.ptr);
	lc_render_env_object(x, mb->re.env.ptr);
	var_path(path, sizeof(path), mb);
	a = cJSON_AddArrayToObject(t, "Templates");
	for (k = 0; k < mb->re.nsecrets; k++) {
		const struct lc_role_secret *s = &mb->re.secrets[k];

		char key[32];

		item_key(key, sizeof(key), s->kind);
		cJSON_AddItemToArray(a, x = cJSON_CreateObject());
		snprintf(tmpl, sizeof(tmpl), "{{ with nomadVar \"%s\" }}{{ .%s.Value | "
			 "base64Decode }}{{ end }}", path, key);
		snprintf(dest, sizeof(dest), "secrets/%s", s->name);
		cJSON_AddStringToObject(x, "EmbeddedTmpl", tmpl);
		cJSON_AddStringToObject(x, "DestPath", dest);
		cJSON_AddStringToObject(x, "Perms", "0400");
		cJSON_AddStringToObject(x, "ChangeMode", "restart");
		cJSON_AddBoolToObject(x, "Envvars", 0);
	}
	x = cJSON_AddObjectToObject(t, "Resources");
	cJSON_AddNumberToObject(x, "CPU", r->o->cpu_milli);
	cJSON_AddNumberToObject(x, "MemoryMB", r->o->memory_mib);
	/* As the agent stops a role: SIGTERM, then SIGKILL after 5 s. */
	cJSON_AddNumberToObject(t, "KillTimeout", 5 * SECOND);
}

static cJSON *job(const struct lc_render *r, const struct lc_render_member *mb)
{
	const char *role = lc_roles[mb->role].name;
	cJSON *w = cJSON_CreateObject(), *j, *g, *x;

	j = cJSON_AddObjectToObject(w, "Job");
	cJSON_AddStringToObject(j, "ID", mb->name);
	cJSON_AddStringToObject(j, "Name", mb->name);
	cJSON_AddStringToObject(j, "Type", "service");
	cJSON_AddItemToArray(cJSON_AddArrayToObject(j, "Datacenters"), cJSON_CreateString("*"));
	meta(cJSON_AddObjectToObject(j, "Meta"), r, mb);
	update(cJSON_AddObjectToObject(j, "Update"));
	g = cJSON_CreateObject();
	cJSON_AddItemToArray(cJSON_AddArrayToObject(j, "TaskGroups"), g);
	cJSON_AddStringToObject(g, "Name", role);
	cJSON_AddNumberToObject(g, "Count", 1);
	update(cJSON_AddObjectToObject(g, "Update"));
	/* A drain moves the member only once its replacement is healthy. */
	x = cJSON_AddObjectToObject(g, "Migrate");
	cJSON_AddNumberToObject(x, "MaxParallel", 1);
	cJSON_AddStringToObject(x, "HealthCheck", "task_states");
	cJSON_AddNumberToObject(x, "MinHealthyTime", 10 * SECOND);
	cJSON_AddNumberToObject(x, "HealthyDeadline", 300 * SECOND);
	x = cJSON_AddObjectToObject(g, "RestartPolicy");
	cJSON_AddNumberToObject(x, "Attempts", 10);
	cJSON_AddNumberToObject(x, "Interval", 600 * SECOND);
	cJSON_AddNumberToObject(x, "Delay", 1 * SECOND);
	cJSON_AddStringToObject(x, "Mode", "delay");
	meta(cJSON_AddObjectToObject(g, "Meta"), r, mb);
	task(g, r, mb);
	return w;
}

int lc_render_nomad(const struct lc_render *r, cJSON **jobs, cJSON **vars)
{
	char path[300];
	cJSON *v, *items;
	size_t i, k;

	*jobs = cJSON_CreateArray();
	*vars = cJSON_CreateArray();
	if (!*jobs || !*vars)
		return -1;
	for (i = 0; i < r->nmembers; i++) {
		const struct lc_render_member *mb = &r->members[i];

		if (!cJSON_AddItemToArray(*jobs, job(r, mb)) ||
		    !cJSON_AddItemToArray(*vars, v = cJSON_CreateObject()))
			return -1;
		var_path(path, sizeof(path), mb);
		cJSON_AddStringToObject(v, "Path", path);
		items = cJSON_AddObjectToObject(v, "Items");
		for (k = 0; k < mb->re.nsecrets; k++) {
			char key[32];

			item_key(key, sizeof(key), mb->re.secrets[k].kind);
			cJSON_AddStringToObject(items, key, mb->b64[k]);
		}
	}
	return 0;
}
