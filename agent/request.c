/* request.c - reading a request's members, building a reply's, and the reply codes. */
#include <stdint.h>

#include <cjson/cJSON.h>

#include "agent.h"
#include "banned.h"

const char *ag_code_name(int code)
{
	switch (code) {
	case AG_E_BAD: return "bad_request";
	case AG_E_UNKNOWN_OP: return "unknown_op";
	case AG_E_VERSION: return "version";
	case AG_E_NOTFOUND: return "not_found";
	case AG_E_MISMATCH: case AG_E_EOF: return "mismatch";
	case AG_E_ENOSPC: return "enospc";
	case AG_E_LOCKED: return "locked";
	case AG_E_FETCH: return "cannot_fetch";
	default: return "io";
	}
}

static const cJSON *member(const struct ag_req *r, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(r->json, key);
}

int ag_req_has(const struct ag_req *r, const char *key)
{
	return member(r, key) != NULL;
}

const char *ag_req_str(const struct ag_req *r, const char *key, struct lc_err *err)
{
	const cJSON *v = member(r, key);

	if (!cJSON_IsString(v)) {
		lc_err_setc(err, AG_E_BAD, "'%s' must be a string", key);
		return NULL;
	}
	return v->valuestring;
}

int ag_json_uint(const cJSON *v, uint64_t *out)
{
	if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0) || v->valuedouble > AG_MAX_INT ||
	    (double)(uint64_t)v->valuedouble != v->valuedouble)
		return -1;
	*out = (uint64_t)v->valuedouble;
	return 0;
}

int ag_req_uint(const struct ag_req *r, const char *key, uint64_t *out,
		struct lc_err *err)
{
	if (ag_json_uint(member(r, key), out))
		return lc_err_setc(err, AG_E_BAD, "'%s' must be a non-negative integer", key);
	return 0;
}

int ag_req_bool(const struct ag_req *r, const char *key, int def, int *out,
		struct lc_err *err)
{
	const cJSON *v = member(r, key);

	if (!v) {
		*out = def;
		return 0;
	}
	if (!cJSON_IsBool(v))
		return lc_err_setc(err, AG_E_BAD, "'%s' must be true or false", key);
	*out = cJSON_IsTrue(v);
	return 0;
}

int ag_set_str(cJSON *o, const char *key, const char *val)
{
	return cJSON_AddStringToObject(o, key, val) ? 0 : -1;
}

int ag_set_num(cJSON *o, const char *key, double val)
{
	return cJSON_AddNumberToObject(o, key, val) ? 0 : -1;
}

int ag_set_bool(cJSON *o, const char *key, int val)
{
	return cJSON_AddBoolToObject(o, key, val) ? 0 : -1;
}

const char *ag_req_lattice(const struct ag_req *r, struct lc_err *err)
{
	const char *s = ag_req_str(r, "lattice", err);

	if (s && !ag_lattice_ok(s)) {
		lc_err_setc(err, AG_E_BAD, "'%.260s' is not a lattice name", s);
		return NULL;
	}
	return s;
}

int ag_req_area(const struct ag_req *r, struct lc_err *err)
{
	const char *s = ag_req_str(r, "area", err);
	int area;

	if (!s)
		return -1;
	if ((area = ag_area_parse(s)) < 0)
		lc_err_setc(err, AG_E_BAD, "unknown area '%.32s' (bin, env or secret)", s);
	return area;
}

const struct cJSON *ag_req_names(const struct ag_req *r, struct lc_err *err)
{
	const cJSON *names = cJSON_GetObjectItemCaseSensitive(r->json, "names"), *n;

	if (!cJSON_IsArray(names)) {
		lc_err_setc(err, AG_E_BAD, "'names' must be an array of file names");
		return NULL;
	}
	cJSON_ArrayForEach(n, names)
		if (!cJSON_IsString(n) || !ag_name_ok(n->valuestring)) {
			lc_err_setc(err, AG_E_BAD, "'names' holds a name that is not allowed");
			return NULL;
		}
	return names;
}
