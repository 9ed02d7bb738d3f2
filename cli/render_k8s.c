/* render_k8s.c - the lattice as Kubernetes objects: per member a StatefulSet, its Secret and env ConfigMap; per committee a headless Service and a PodDisruptionBudget that keeps a majority up. */
#include <stdio.h>
#include <string.h>

#include "render.h"
#include "banned.h"

/* The object's apiVersion, kind, metadata.name and labels; NULL when out
 * of memory.  *labels is its labels object, to add to. */
static cJSON *object(cJSON *list, const char *api, const char *kind, const char *name,
		     const struct lc_render *r, cJSON **labels)
{
	cJSON *o = cJSON_CreateObject(), *md;

	if (!o || !cJSON_AddItemToArray(list, o))
		return cJSON_Delete(o), NULL;
	cJSON_AddStringToObject(o, "apiVersion", api);
	cJSON_AddStringToObject(o, "kind", kind);
	md = cJSON_AddObjectToObject(o, "metadata");
	cJSON_AddStringToObject(md, "name", name);
	*labels = cJSON_AddObjectToObject(md, "labels");
	cJSON_AddStringToObject(*labels, "app.kubernetes.io/managed-by", "latticectl");
	cJSON_AddStringToObject(*labels, "lattice", r->base);
	md = cJSON_AddObjectToObject(md, "annotations");
	cJSON_AddStringToObject(md, "latticectl/lattice", r->m->name);
	return o;
}

/* The labels that pick a committee (lattice, role) or, with member, one member. */
static cJSON *selector(const struct lc_render *r, int role, const char *member)
{
	cJSON *s = cJSON_CreateObject();

	cJSON_AddStringToObject(s, "lattice", r->base);
	cJSON_AddStringToObject(s, "role", lc_roles[role].name);
	if (member)
		cJSON_AddStringToObject(s, "member", member);
	return s;
}

static void role_labels(cJSON *labels, int role, const char *member)
{
	cJSON_AddStringToObject(labels, "organism", lc_org_names[lc_roles[role].org]);
	cJSON_AddStringToObject(labels, "role", lc_roles[role].name);
	if (member)
		cJSON_AddStringToObject(labels, "member", member);
}

/* A headless Service (the StatefulSets' serviceName) and a disruption
 * budget for the committee of role: at most lc_role_max_down of its
 * members evicted at once. */
static void committee(cJSON *list, const struct lc_render *r, int role)
{
	unsigned n = lc_committee_size(r->m, role);
	char full[200], name[LC_RENDER_NAME_MAX + 1], size[16];
	cJSON *o, *labels, *spec;

	snprintf(full, sizeof(full), "%s-%s", r->base, lc_roles[role].name);
	lc_render_dns(name, full);
	snprintf(size, sizeof(size), "%u", n);
	if ((o = object(list, "v1", "Service", name, r, &labels))) {
		role_labels(labels, role, NULL);
		spec = cJSON_AddObjectToObject(o, "spec");
		cJSON_AddStringToObject(spec, "clusterIP", "None");
		cJSON_AddItemToObject(spec, "selector", selector(r, role, NULL));
	}
	if ((o = object(list, "policy/v1", "PodDisruptionBudget", name, r, &labels))) {
		role_labels(labels, role, NULL);
		cJSON_AddStringToObject(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "metadata"),
							    "annotations"),
					"latticectl/committee-size", size);
		spec = cJSON_AddObjectToObject(o, "spec");
		cJSON_AddNumberToObject(spec, "maxUnavailable", lc_role_max_down(r->m, role));
		cJSON_AddObjectToObject(spec, "selector");
		cJSON_AddItemToObject(cJSON_GetObjectItem(spec, "selector"), "matchLabels",
				      selector(r, role, NULL));
	}
}

static void container(cJSON *pod, const struct lc_render *r, const struct lc_render_member *mb,
		      const char *envname)
{
	char common[LC_RENDER_NAME_MAX + 8], mount[512], q[32];
	cJSON *c = cJSON_CreateObject(), *a, *e, *res;

	cJSON_AddItemToArray(cJSON_AddArrayToObject(pod, "containers"), c);
	cJSON_AddStringToObject(c, "name", lc_roles[mb->role].name);
	cJSON_AddStringToObject(c, "image", r->o->image[mb->role]);
	/* The env files as up writes them: common, then the role's. */
	snprintf(common, sizeof(common), "%s-common", r->base);
	a = cJSON_AddArrayToObject(c, "envFrom");
	cJSON_AddItemToArray(a, e = cJSON_CreateObject());
	cJSON_AddStringToObject(cJSON_AddObjectToObject(e, "configMapRef"), "name", common);
	cJSON_AddItemToArray(a, e = cJSON_CreateObject());
	cJSON_AddStringToObject(cJSON_AddObjectToObject(e, "configMapRef"), "name", envname);
	/* The secret files where the env file says they are. */
	snprintf(mount, sizeof(mount), "/var/lib/lattice/%s/secrets", r->m->name);
	a = cJSON_AddArrayToObject(c, "volumeMounts");
	cJSON_AddItemToArray(a, e = cJSON_CreateObject());
	cJSON_AddStringToObject(e, "name", "secrets");
	cJSON_AddStringToObject(e, "mountPath", mount);
	cJSON_AddBoolToObject(e, "readOnly", 1);
	res = cJSON_AddObjectToObject(c, "resources");
	e = cJSON_AddObjectToObject(res, "requests");
	snprintf(q, sizeof(q), "%um", r->o->cpu_milli);
	cJSON_AddStringToObject(e, "cpu", q);
	snprintf(q, sizeof(q), "%uMi", r->o->memory_mib);
	cJSON_AddStringToObject(e, "memory", q);
	cJSON_AddStringToObject(cJSON_AddObjectToObject(res, "limits"), "memory", q);
}

/* One member: its Secret (the secret files), its env ConfigMap and its
 * StatefulSet of one replica, restarted only when its pod is deleted. */
static void member(cJSON *list, cJSON *secrets, const struct lc_render *r,
		   const struct lc_render_member *mb)
{
	unsigned n = lc_committee_size(r->m, mb->role);
	char envname[LC_RENDER_NAME_MAX + 8], svc[200], note[300], full[200];
	cJSON *o, *labels, *spec, *t, *pod, *x;
	size_t k;

	if ((o = object(secrets, "v1", "Secret", mb->name, r, &labels))) {
		role_labels(labels, mb->role, mb->member);
		cJSON_AddStringToObject(o, "type", "Opaque");
		x = cJSON_AddObjectToObject(o, "data");
		for (k = 0; k < mb->re.nsecrets; k++)
			cJSON_AddStringToObject(x, mb->re.secrets[k].name, mb->b64[k]);
	}
	snprintf(envname, sizeof(envname), "%s-env", mb->name);
	if ((o = object(list, "v1", "ConfigMap", envname, r, &labels))) {
		role_labels(labels, mb->role, mb->member);
		lc_render_env_object(cJSON_AddObjectToObject(o, "data"), mb->re.env.ptr);
	}
	if (!(o = object(list, "apps/v1", "StatefulSet", mb->name, r, &labels)))
		return;
	role_labels(labels, mb->role, mb->member);
	snprintf(note, sizeof(note), "OnDelete: delete one pod of this committee at a time "
		 "and wait until it is Ready again; at most %u of its %u members may be down "
		 "at once", lc_role_max_down(r->m, mb->role), n);
	cJSON_AddStringToObject(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "metadata"),
						    "annotations"),
				"latticectl/rollout", note);
	cJSON_AddStringToObject(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "metadata"),
						    "annotations"),
				"latticectl/host", r->m->hosts[mb->host].ssh);
	snprintf(full, sizeof(full), "%s-%s", r->base, lc_roles[mb->role].name);
	lc_render_dns(svc, full);
	spec = cJSON_AddObjectToObject(o, "spec");
	cJSON_AddNumberToObject(spec, "replicas", 1);
	cJSON_AddStringToObject(spec, "serviceName", svc);
	cJSON_AddItemToObject(cJSON_AddObjectToObject(spec, "selector"), "matchLabels",
			      selector(r, mb->role, mb->member));
	cJSON_AddStringToObject(cJSON_AddObjectToObject(spec, "updateStrategy"), "type",
				"OnDelete");
	t = cJSON_AddObjectToObject(spec, "template");
	x = cJSON_AddObjectToObject(t, "metadata");
	labels = cJSON_AddObjectToObject(x, "labels");
	cJSON_AddStringToObject(labels, "lattice", r->base);
	role_labels(labels, mb->role, mb->member);
	if (lc_roles[mb->role].tdx != LC_TDX_NO)
		cJSON_AddStringToObject(cJSON_AddObjectToObject(x, "annotations"),
					"latticectl/tdx", "simulate");
	pod = cJSON_AddObjectToObject(t, "spec");
	cJSON_AddBoolToObject(pod, "automountServiceAccountToken", 0);
	cJSON_AddBoolToObject(pod, "enableServiceLinks", 0);
	/* As the agent stops a role: SIGTERM, then SIGKILL after 5 s. */
	cJSON_AddNumberToObject(pod, "terminationGracePeriodSeconds", 5);
	/* Members of one committee on different nodes where the cluster can. */
	x = cJSON_AddObjectToObject(cJSON_AddObjectToObject(pod, "affinity"), "podAntiAffinity");
	x = cJSON_AddArrayToObject(x, "preferredDuringSchedulingIgnoredDuringExecution");
	cJSON_AddItemToArray(x, t = cJSON_CreateObject());
	cJSON_AddNumberToObject(t, "weight", 100);
	t = cJSON_AddObjectToObject(t, "podAffinityTerm");
	cJSON_AddItemToObject(cJSON_AddObjectToObject(t, "labelSelector"), "matchLabels",
			      selector(r, mb->role, NULL));
	cJSON_AddStringToObject(t, "topologyKey", "kubernetes.io/hostname");
	container(pod, r, mb, envname);
	x = cJSON_AddArrayToObject(pod, "volumes");
	cJSON_AddItemToArray(x, t = cJSON_CreateObject());
	cJSON_AddStringToObject(t, "name", "secrets");
	t = cJSON_AddObjectToObject(t, "secret");
	cJSON_AddStringToObject(t, "secretName", mb->name);
	cJSON_AddNumberToObject(t, "defaultMode", 0400);
}

static cJSON *new_list(void)
{
	cJSON *l = cJSON_CreateObject();

	cJSON_AddStringToObject(l, "apiVersion", "v1");
	cJSON_AddStringToObject(l, "kind", "List");
	cJSON_AddArrayToObject(l, "items");
	return l;
}

cJSON *lc_render_k8s(const struct lc_render *r, cJSON **secrets)
{
	cJSON *l = new_list(), *items, *sitems, *o, *labels;
	char name[LC_RENDER_NAME_MAX + 8];
	size_t i;
	int role;

	if (secrets && !(*secrets = new_list())) {
		cJSON_Delete(l);
		return NULL;
	}
	items = cJSON_GetObjectItem(l, "items");
	sitems = secrets ? cJSON_GetObjectItem(*secrets, "items") : items;
	snprintf(name, sizeof(name), "%s-common", r->base);
	if ((o = object(items, "v1", "ConfigMap", name, r, &labels)))
		lc_render_env_object(cJSON_AddObjectToObject(o, "data"), r->common.ptr);
	for (role = 0; role < LC_ROLE_COUNT; role++)
		if (lc_committee_size(r->m, role))
			committee(items, r, role);
	for (i = 0; i < r->nmembers; i++)
		member(items, sitems, r, &r->members[i]);
	return l;
}
