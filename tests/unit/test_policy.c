/*
 * policy: what an operator's settings let through.  Each table is one
 * setting (or a combination the docs show): the settings as they would
 * stand in the environment, a request as a client sends it, and the verdict
 * with the rule the operator would have to change.
 */
#include <stdbool.h>
#include <stdlib.h>

#include "policy.h"
#include "route.h"
#include "routeshow.h"
#include "test.h"

enum { A = DECISION_ALLOW, D = DECISION_DENY };

struct row {
	const char *env;    /* "CONTAINERS=1 POST=1", on top of the defaults */
	const char *method;
	const char *target;
	int decision;
	const char *rule;
	const char *says;   /* substring of the message, or NULL */
};

/* The settings the test tables use, on top of acl_defaults(). */
static bool apply(struct acl *acl, const char *name, size_t len, bool on)
{
	struct {
		const char *name;
		bool *flag;
	} flags[] = {
		{ "POST", &acl->post },
		{ "ALLOW_START", &acl->allow_start },
		{ "ALLOW_STOP", &acl->allow_stop },
		{ "ALLOW_RESTARTS", &acl->allow_restarts },
		{ "ALLOW_PAUSE", &acl->allow_pause },
		{ "ALLOW_UNPAUSE", &acl->allow_unpause },
		{ "ALLOW_ARCHIVE", &acl->allow_archive },
		{ "ALLOW_EXPORT", &acl->allow_export },
		{ "ALLOW_LOGS", &acl->allow_logs },
		{ "ALLOW_TOP", &acl->allow_top },
		{ "ALLOW_CHANGES", &acl->allow_changes },
		{ "ALLOW_PLUGIN_PRIVILEGES", &acl->allow_plugin_privileges },
		{ "ALLOW_URL_FETCH", &acl->allow_url_fetch },
		{ "ALLOW_SWARM_UNLOCKKEY", &acl->allow_swarm_unlockkey },
		{ "ALLOW_IMAGE_LOAD", &acl->allow_image_load },
		{ "LIBPOD_ALLOW_START", &acl->libpod_allow_start },
		{ "LIBPOD_ALLOW_STOP", &acl->libpod_allow_stop },
		{ "LIBPOD_ALLOW_RESTARTS", &acl->libpod_allow_restarts },
		{ "LIBPOD_ALLOW_PAUSE", &acl->libpod_allow_pause },
		{ "LIBPOD_ALLOW_UNPAUSE", &acl->libpod_allow_unpause },
		{ "LIBPOD_ALLOW_POD_START", &acl->libpod_allow_pod_start },
		{ "LIBPOD_ALLOW_POD_STOP", &acl->libpod_allow_pod_stop },
		{ "LIBPOD_ALLOW_POD_RESTARTS", &acl->libpod_allow_pod_restarts },
		{ "LIBPOD_ALLOW_POD_PAUSE", &acl->libpod_allow_pod_pause },
		{ "LIBPOD_ALLOW_POD_UNPAUSE", &acl->libpod_allow_pod_unpause },
	};
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (strlen(flags[i].name) == len && !memcmp(flags[i].name, name, len)) {
			*flags[i].flag = on;
			return true;
		}
	if (len == 6 && !memcmp(name, "DELETE", 6)) {
		acl->delete_ = on ? TOGGLE_ON : TOGGLE_OFF;
		return true;
	}
	if (len == 3 && !memcmp(name, "PUT", 3)) {
		acl->put = on ? TOGGLE_ON : TOGGLE_OFF;
		return true;
	}
	for (int s = 1; s < SEC_COUNT; s++) {
		const char *sn = section_name((enum section)s);
		if (strlen(sn) == len && !memcmp(sn, name, len)) {
			acl->section[s] = on;
			return true;
		}
	}
	return false;
}

static void acl_from(const char *env, struct acl *acl)
{
	acl_defaults(acl);
	for (const char *p = env; *p;) {
		while (*p == ' ')
			p++;
		const char *eq = strchr(p, '=');
		if (!eq)
			break;
		bool ok = apply(acl, p, (size_t)(eq - p), eq[1] == '1');
		CHECK(ok, "test setting '%.*s' unknown", (int)(eq - p), p);
		p = eq + 2;
	}
}

static bool printable_text(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

/* What every verdict must look like, whatever it says. */
static void check_shape(const char *what, const struct verdict *v,
			const struct route_match *m, const char *method)
{
	size_t len = strnlen(v->message, sizeof(v->message));

	/* An allow carries no message: nobody reads it, and it is the hot path. */
	if (v->decision == DECISION_ALLOW) {
		CHECK(len == 0, "%s: allow with a message: %s", what, v->message);
		CHECK(v->status == 0, "%s: allow with status %d", what, v->status);
		CHECK(v->rule && *v->rule, "%s: no rule", what);
		return;
	}
	CHECK(len < sizeof(v->message), "%s: message not terminated", what);
	if (len >= sizeof(v->message))
		return;
	CHECK(len < sizeof(v->message) - 1, "%s: message truncated: %s", what,
	      v->message);
	CHECK(strncmp(v->message, "sockwall: ", 10) == 0,
	      "%s: message '%s'", what, v->message);
	CHECK(printable_text(v->message), "%s: message not printable", what);
	CHECK(v->rule && *v->rule, "%s: no rule", what);
	if (v->decision == DECISION_ALLOW) {
		CHECK(v->status == 0, "%s: allow with status %d", what, v->status);
	} else {
		CHECK(v->status == 403, "%s: deny with status %d", what, v->status);
	}
	if (printable_text(method) && strlen(method) <= 16)
		CHECK(strstr(v->message, method) != NULL,
		      "%s: message does not name the method: %s", what, v->message);
	if (m && m->def) {
		/* in the user's form: "/containers/{id}/json", no router syntax */
		char shown[ROUTE_SHOW_MAX];
		route_show(m->def->pattern, shown, sizeof(shown));
		CHECK(strstr(v->message, shown) != NULL,
		      "%s: message does not name the route: %s", what, v->message);
		CHECK(strstr(v->message, ":.*}") == NULL && strstr(v->message, ":.+}") == NULL,
		      "%s: router syntax in the message: %s", what, v->message);
	}
	/* a libpod route sockwall does not read: nothing to set, but the
	 * Docker route it judges instead is named */
	if (v->decision == DECISION_DENY && v->rule && strcmp(v->rule, "not-inspected") == 0)
		CHECK(strstr(v->message, "sockwall does not inspect the libpod ") &&
			      (strstr(v->message, " through POST /") ||
			       strstr(v->message, " through PUT /") ||
			       strstr(v->message, " through DELETE /")),
		      "%s: refusal names no Docker route: %s", what, v->message);
	else if (v->decision == DECISION_DENY && v->rule &&
	    strcmp(v->rule, "unknown-route") != 0 && strcmp(v->rule, "method") != 0) {
		char setting[40];
		snprintf(setting, sizeof(setting), "set %s=1", v->rule);
		CHECK(strstr(v->message, setting) != NULL,
		      "%s: message does not name %s: %s", what, setting, v->message);
	}
}

static void check_row(const struct row *r)
{
	struct acl acl;
	struct route_match m;
	struct verdict v;
	const char *why;
	char what[200];

	snprintf(what, sizeof(what), "[%s] %s %s", r->env, r->method, r->target);
	acl_from(r->env, &acl);
	int rc = route_resolve(r->method, strlen(r->method), r->target,
			       strlen(r->target), &m, &why);
	CHECK(rc == 0, "%s: refused by route (%s)", what, why);
	if (rc != 0)
		return;
	memset(&v, 0x5a, sizeof(v));
	policy_judge(&acl, r->method, strlen(r->method), &m, &v);
	CHECK((int)v.decision == r->decision, "%s: %s by %s, want %s by %s (%s)",
	      what, v.decision == DECISION_ALLOW ? "allowed" : "denied",
	      v.rule, r->decision == A ? "allow" : "deny", r->rule, v.message);
	CHECK(v.rule && strcmp(v.rule, r->rule) == 0, "%s: rule %s, want %s (%s)",
	      what, v.rule, r->rule, v.message);
	if (r->says && r->decision != A)
		CHECK(strstr(v.message, r->says) != NULL,
		      "%s: message '%s' lacks '%s'", what, v.message, r->says);
	check_shape(what, &v, &m, r->method);
}

static const struct row defaults[] = {
	{ "", "GET", "/_ping", A, "PING", "is allowed by PING=1" },
	{ "", "HEAD", "/_ping", A, "PING", NULL },
	{ "", "GET", "/v1.41/_ping", A, "PING", NULL },
	{ "", "HEAD", "/v1.24/_ping", A, "PING", NULL },
	{ "", "GET", "/version", A, "VERSION", NULL },
	{ "", "GET", "/v1.43/version", A, "VERSION", NULL },
	{ "", "GET", "/events", A, "EVENTS", NULL },
	{ "", "GET", "/v1.41/events?since=0&filters=%7B%7D", A, "EVENTS", NULL },
	{ "", "GET", "/containers/json", D, "CONTAINERS",
	  "sockwall: GET /containers/json is denied: set CONTAINERS=1 to allow /containers endpoints" },
	{ "", "GET", "/v1.41/containers/x/json", D, "CONTAINERS", NULL },
	{ "", "GET", "/containers/x/logs", D, "CONTAINERS", NULL },
	{ "", "POST", "/containers/create", D, "CONTAINERS", "(POST=1 is also needed)" },
	{ "", "POST", "/containers/x/start", D, "CONTAINERS", "or set ALLOW_START=1" },
	{ "", "DELETE", "/containers/x", D, "CONTAINERS", "(POST=1 is also needed)" },
	{ "", "POST", "/containers/x/exec", D, "EXEC",
	  "sockwall: POST /containers/{id}/exec is denied: set EXEC=1 to allow exec (CONTAINERS=1 POST=1 are also needed)" },
	{ "", "GET", "/containers/x/archive", D, "ALLOW_ARCHIVE", "(CONTAINERS=1 is also needed)" },
	{ "", "GET", "/containers/x/export", D, "ALLOW_EXPORT", "(CONTAINERS=1 is also needed)" },
	{ "", "GET", "/containers/x/attach/ws", D, "POST", "(CONTAINERS=1 is also needed)" },
	{ "", "GET", "/info", D, "INFO", "set INFO=1" },
	{ "", "GET", "/images/json", D, "IMAGES", NULL },
	{ "", "GET", "/system/df", D, "SYSTEM", "to allow /system endpoints" },
	{ "", "POST", "/v1.41/auth", D, "AUTH", NULL },
	{ "", "POST", "/build", D, "BUILD", NULL },
	{ "", "POST", "/commit", D, "COMMIT", NULL },
	{ "", "GET", "/networks", D, "NETWORKS", NULL },
	{ "", "GET", "/volumes", D, "VOLUMES", NULL },
	{ "", "GET", "/swarm", D, "POST", "(SWARM=1 is also needed)" },
	{ "SWARM=1", "GET", "/swarm", D, "POST", "join tokens" },
	{ "SWARM=1 POST=1", "GET", "/v1.41/swarm", A, "SWARM", NULL },
	{ "SWARM=1 POST=1", "GET", "/swarm/unlockkey", D, "ALLOW_SWARM_UNLOCKKEY", "unlock key" },
	{ "SWARM=1 ALLOW_SWARM_UNLOCKKEY=1", "GET", "/swarm/unlockkey", A, "ALLOW_SWARM_UNLOCKKEY", NULL },
	{ "PLUGINS=1 POST=1", "POST", "/plugins/pull", D, "ALLOW_PLUGIN_PRIVILEGES", "root-equivalent" },
	{ "PLUGINS=1 POST=1", "POST", "/plugins/create", D, "ALLOW_PLUGIN_PRIVILEGES", NULL },
	{ "PLUGINS=1 POST=1", "POST", "/plugins/x/enable", D, "ALLOW_PLUGIN_PRIVILEGES", NULL },
	{ "PLUGINS=1 POST=1", "POST", "/plugins/x/upgrade", D, "ALLOW_PLUGIN_PRIVILEGES", NULL },
	{ "PLUGINS=1 POST=1", "POST", "/plugins/x/set", D, "ALLOW_PLUGIN_PRIVILEGES", NULL },
	{ "PLUGINS=1 POST=1", "POST", "/plugins/x/disable", A, "PLUGINS", NULL },
	{ "PLUGINS=1 POST=1", "DELETE", "/plugins/x", A, "PLUGINS", NULL },
	{ "PLUGINS=1 POST=1", "GET", "/plugins/privileges", A, "PLUGINS", NULL },
	{ "PLUGINS=1 POST=1 ALLOW_PLUGIN_PRIVILEGES=1", "POST", "/plugins/pull", A, "ALLOW_PLUGIN_PRIVILEGES", NULL },
	{ "PLUGINS=1 ALLOW_PLUGIN_PRIVILEGES=1", "POST", "/plugins/pull", D, "POST", NULL },
	{ "", "GET", "/services", D, "SERVICES", NULL },
	{ "", "GET", "/nodes", D, "NODES", NULL },
	{ "", "GET", "/tasks", D, "TASKS", NULL },
	{ "", "GET", "/secrets", D, "SECRETS", NULL },
	{ "", "GET", "/configs", D, "CONFIGS", NULL },
	{ "", "GET", "/plugins", D, "PLUGINS", NULL },
	{ "", "POST", "/session", D, "SESSION", NULL },
	{ "", "GET", "/distribution/alpine/json", D, "DISTRIBUTION", NULL },
	{ "", "POST", "/grpc", D, "GRPC", NULL },
	{ "", "GET", "/exec/e1/json", D, "EXEC", NULL },
	/* sections open reads only; /_ping has no POST route at all */
	{ "", "POST", "/_ping", D, "unknown-route", NULL },
	{ "", "HEAD", "/version", D, "unknown-route", NULL },
};

static const struct row containers[] = {
	{ "CONTAINERS=1", "GET", "/containers/json", A, "CONTAINERS", "is allowed by CONTAINERS=1" },
	{ "CONTAINERS=1", "GET", "/v1.41/containers/json?all=1", A, "CONTAINERS", NULL },
	{ "CONTAINERS=1", "GET", "/containers/x/json", A, "CONTAINERS", NULL },
	{ "CONTAINERS=1", "GET", "/v1.41/containers/linker/alias/json", A, "CONTAINERS", NULL },
	{ "CONTAINERS=1", "GET", "/containers/x/logs?follow=1", A, "CONTAINERS", NULL },
	{ "CONTAINERS=1", "GET", "/containers/x/top", A, "CONTAINERS", NULL },
	{ "CONTAINERS=1", "GET", "/containers/x/stats", A, "CONTAINERS", NULL },
	{ "CONTAINERS=1", "GET", "/containers/x/changes", A, "CONTAINERS", NULL },
	{ "CONTAINERS=1", "GET", "/containers/x/checkpoints", A, "CONTAINERS", NULL },
	{ "CONTAINERS=1 POST=1", "POST", "/containers/x/checkpoints", D, "EXEC", "dump a container's memory" },
	{ "CONTAINERS=1 POST=1 EXEC=1", "POST", "/containers/x/checkpoints", A, "EXEC", NULL },
	{ "CONTAINERS=1 POST=1", "DELETE", "/containers/x/checkpoints/c", A, "CONTAINERS", NULL },
	{ "CONTAINERS=1", "HEAD", "/_ping", A, "PING", NULL },
	{ "CONTAINERS=1", "POST", "/containers/create", D, "POST",
	  "sockwall: POST /containers/create is denied: set POST=1 to allow write requests" },
	{ "CONTAINERS=1", "POST", "/v1.41/containers/create", D, "POST", NULL },
	{ "CONTAINERS=1", "POST", "/containers/x/start", D, "POST", "or set ALLOW_START=1" },
	{ "CONTAINERS=1", "POST", "/containers/x/stop", D, "POST", "ALLOW_STOP=1 or ALLOW_RESTARTS=1" },
	{ "CONTAINERS=1", "POST", "/containers/x/kill", D, "POST", "ALLOW_RESTARTS=1" },
	{ "CONTAINERS=1", "POST", "/containers/x/wait", D, "POST", NULL },
	{ "CONTAINERS=1", "POST", "/containers/x/attach", D, "POST", NULL },
	{ "CONTAINERS=1", "POST", "/containers/prune", D, "POST", NULL },
	{ "CONTAINERS=1", "DELETE", "/containers/x", D, "POST", NULL },
	{ "CONTAINERS=1", "GET", "/containers/x/attach/ws", D, "POST", "stdin" },
	{ "CONTAINERS=1", "POST", "/containers/x/exec", D, "EXEC", "(POST=1 is also needed)" },
	{ "CONTAINERS=1", "GET", "/containers/x/archive", D, "ALLOW_ARCHIVE", NULL },
	{ "CONTAINERS=1", "HEAD", "/containers/x/archive", D, "ALLOW_ARCHIVE", NULL },
	{ "CONTAINERS=1", "GET", "/containers/x/export", D, "ALLOW_EXPORT", NULL },
	{ "CONTAINERS=1", "GET", "/images/json", D, "IMAGES", NULL },
	{ "CONTAINERS=1", "GET", "/exec/e1/json", D, "EXEC", NULL },
	{ "CONTAINERS=1", "POST", "/exec/e1/start", D, "EXEC", "(POST=1 is also needed)" },
};

static const struct row post[] = {
	{ "CONTAINERS=1 POST=1", "POST", "/containers/create", A, "CONTAINERS", NULL },
	{ "CONTAINERS=1 POST=1", "POST", "/v1.41/containers/create?name=web", A, "CONTAINERS", NULL },
	{ "CONTAINERS=1 POST=1", "POST", "/containers/x/start", A, "CONTAINERS", NULL },
	{ "CONTAINERS=1 POST=1", "POST", "/containers/x/stop", A, "CONTAINERS", NULL },
	{ "CONTAINERS=1 POST=1", "POST", "/containers/x/restart", A, "CONTAINERS", NULL },
	{ "CONTAINERS=1 POST=1", "POST", "/containers/x/kill", A, "CONTAINERS", NULL },
	{ "CONTAINERS=1 POST=1", "POST", "/containers/x/wait", A, "CONTAINERS", NULL },
	{ "CONTAINERS=1 POST=1", "POST", "/containers/x/attach", A, "CONTAINERS", NULL },
	{ "CONTAINERS=1 POST=1", "POST", "/containers/x/resize", A, "CONTAINERS", NULL },
	{ "CONTAINERS=1 POST=1", "POST", "/containers/x/rename", A, "CONTAINERS", NULL },
	{ "CONTAINERS=1 POST=1", "POST", "/containers/x/update", A, "CONTAINERS", NULL },
	{ "CONTAINERS=1 POST=1", "POST", "/containers/prune", A, "CONTAINERS", NULL },
	{ "CONTAINERS=1 POST=1", "DELETE", "/containers/x?force=1", A, "CONTAINERS", NULL },
	{ "CONTAINERS=1 POST=1", "DELETE", "/v1.41/containers/x", A, "CONTAINERS", NULL },
	{ "CONTAINERS=1 POST=1", "GET", "/containers/x/attach/ws", A, "CONTAINERS", NULL },
	{ "CONTAINERS=1 POST=1", "POST", "/containers/x/exec", D, "EXEC",
	  "sockwall: POST /containers/{id}/exec is denied: set EXEC=1 to allow exec" },
	{ "CONTAINERS=1 POST=1", "POST", "/containers/linker/alias/exec", D, "EXEC", NULL },
	{ "CONTAINERS=1 POST=1", "POST", "/exec/e1/start", D, "EXEC", NULL },
	{ "CONTAINERS=1 POST=1", "PUT", "/containers/x/archive?path=/", D, "ALLOW_ARCHIVE", NULL },
	{ "CONTAINERS=1 POST=1", "POST", "/containers/x/copy", D, "ALLOW_ARCHIVE", NULL },
	{ "CONTAINERS=1 POST=1", "POST", "/images/create", D, "IMAGES", NULL },
	{ "CONTAINERS=1 POST=1", "POST", "/networks/create", D, "NETWORKS", NULL },
	{ "CONTAINERS=1 POST=1", "POST", "/volumes/create", D, "VOLUMES", NULL },
	/* POST=1 alone opens nothing: every section stays closed */
	{ "POST=1", "POST", "/containers/create", D, "CONTAINERS", NULL },
	{ "POST=1", "GET", "/containers/json", D, "CONTAINERS", NULL },
	{ "POST=1", "GET", "/_ping", A, "PING", NULL },
	{ "IMAGES=1", "GET", "/images/json", A, "IMAGES", NULL },
	{ "IMAGES=1", "POST", "/images/create", D, "POST", NULL },
	{ "IMAGES=1 POST=1", "POST", "/v1.41/images/create?fromImage=alpine", A, "IMAGES", NULL },
	{ "IMAGES=1 POST=1", "DELETE", "/images/docker.io/library/alpine:3", A, "IMAGES", NULL },
	{ "NETWORKS=1 POST=1", "POST", "/networks/n1/connect", A, "NETWORKS", NULL },
	{ "BUILD=1 POST=1", "POST", "/build", A, "BUILD", NULL },
	{ "INFO=1", "GET", "/info", A, "INFO", NULL },
	{ "SYSTEM=1", "GET", "/system/df", A, "SYSTEM", NULL },
	{ "AUTH=1 POST=1", "POST", "/auth", A, "AUTH", NULL },
	{ "SERVICES=1 POST=1", "DELETE", "/services/s1", A, "SERVICES", NULL },
	{ "EVENTS=0", "GET", "/events", D, "EVENTS", NULL },
	{ "PING=0", "HEAD", "/_ping", D, "PING", NULL },
};

static const struct row exec_rows[] = {
	{ "CONTAINERS=1 EXEC=1 POST=1", "POST", "/containers/x/exec", A, "EXEC", "is allowed by EXEC=1" },
	{ "CONTAINERS=1 EXEC=1 POST=1", "POST", "/v1.41/containers/linker/alias/exec", A, "EXEC", NULL },
	{ "CONTAINERS=1 EXEC=1 POST=1", "POST", "/exec/e1/start", A, "EXEC", NULL },
	{ "CONTAINERS=1 EXEC=1 POST=1", "POST", "/exec/e1/resize", A, "EXEC", NULL },
	{ "CONTAINERS=1 EXEC=1 POST=1", "GET", "/exec/e1/json", A, "EXEC", NULL },
	{ "CONTAINERS=1 EXEC=1", "POST", "/containers/x/exec", D, "POST", NULL },
	{ "CONTAINERS=1 EXEC=1", "GET", "/exec/e1/json", A, "EXEC", NULL },
	{ "CONTAINERS=1 EXEC=1", "POST", "/exec/e1/start", D, "POST", NULL },
	{ "EXEC=1 POST=1", "POST", "/containers/x/exec", D, "CONTAINERS", NULL },
	{ "EXEC=1 POST=1", "POST", "/exec/e1/start", A, "EXEC", NULL },
	{ "EXEC=1", "POST", "/containers/x/exec", D, "CONTAINERS", "(POST=1 is also needed)" },
};

static const struct row narrowing[] = {
	{ "CONTAINERS=1 POST=1 DELETE=0", "DELETE", "/containers/x", D, "DELETE", "set DELETE=1 to allow DELETE requests" },
	{ "CONTAINERS=1 POST=1 DELETE=0", "DELETE", "/v1.41/containers/x?force=1", D, "DELETE", NULL },
	{ "CONTAINERS=1 POST=1 DELETE=0", "POST", "/containers/create", A, "CONTAINERS", NULL },
	{ "CONTAINERS=1 POST=1 DELETE=0", "GET", "/containers/json", A, "CONTAINERS", NULL },
	{ "CONTAINERS=1 DELETE=0", "DELETE", "/containers/x", D, "POST", "(DELETE=1 is also needed)" },
	{ "CONTAINERS=1 DELETE=1", "DELETE", "/containers/x", D, "POST", NULL },
	{ "CONTAINERS=1 POST=1 DELETE=1", "DELETE", "/containers/x", A, "CONTAINERS", NULL },
	{ "IMAGES=1 POST=1 DELETE=0", "DELETE", "/images/alpine", D, "DELETE", NULL },
	{ "VOLUMES=1 POST=1 PUT=0", "PUT", "/volumes/v1", D, "PUT", "set PUT=1 to allow PUT requests" },
	{ "VOLUMES=1 POST=1 PUT=0", "DELETE", "/volumes/v1", A, "VOLUMES", NULL },
	{ "VOLUMES=1 POST=1 PUT=0", "POST", "/volumes/create", A, "VOLUMES", NULL },
	{ "VOLUMES=1 POST=1 PUT=1", "PUT", "/volumes/v1", A, "VOLUMES", NULL },
	{ "VOLUMES=1 POST=1", "PUT", "/volumes/v1", A, "VOLUMES", NULL },
	{ "VOLUMES=1 PUT=1", "PUT", "/volumes/v1", D, "POST", NULL },
	{ "CONTAINERS=1 POST=1 ALLOW_ARCHIVE=1 PUT=0", "PUT", "/containers/x/archive?path=/", D, "PUT", NULL },
	{ "CONTAINERS=1 POST=1 ALLOW_ARCHIVE=1 PUT=0", "GET", "/containers/x/archive?path=/", A, "ALLOW_ARCHIVE", NULL },
	{ "CONTAINERS=1 POST=1 ALLOW_ARCHIVE=1 PUT=0 DELETE=0", "POST", "/containers/x/copy", A, "ALLOW_ARCHIVE", NULL },
};

static const struct row actions[] = {
	{ "ALLOW_START=1", "POST", "/containers/x/start", A, "ALLOW_START", "is allowed by ALLOW_START=1" },
	{ "ALLOW_START=1", "POST", "/v1.41/containers/x/start", A, "ALLOW_START", NULL },
	{ "ALLOW_START=1", "POST", "/containers/a%2Fb/start", A, "ALLOW_START", NULL },
	{ "ALLOW_START=1", "POST", "/containers/create/start", A, "ALLOW_START", NULL },
	{ "ALLOW_START=1", "POST", "/containers/x/stop", D, "CONTAINERS", "ALLOW_STOP=1 or ALLOW_RESTARTS=1" },
	{ "ALLOW_START=1", "POST", "/containers/x/restart", D, "CONTAINERS", NULL },
	{ "ALLOW_START=1", "POST", "/containers/create", D, "CONTAINERS", NULL },
	{ "ALLOW_START=1", "GET", "/containers/json", D, "CONTAINERS", NULL },
	{ "ALLOW_START=1", "GET", "/containers/x/json", D, "CONTAINERS", NULL },
	{ "ALLOW_START=1", "POST", "/containers/x/exec", D, "EXEC", NULL },
	{ "ALLOW_START=1", "GET", "/containers/x/start", D, "unknown-route", NULL },
	{ "ALLOW_STOP=1", "POST", "/containers/x/stop", A, "ALLOW_STOP", NULL },
	{ "ALLOW_STOP=1", "POST", "/containers/x/restart", D, "CONTAINERS", "or set ALLOW_RESTARTS=1" },
	{ "ALLOW_STOP=1", "POST", "/containers/x/kill", D, "CONTAINERS", NULL },
	{ "ALLOW_STOP=1", "POST", "/containers/x/start", D, "CONTAINERS", NULL },
	{ "ALLOW_RESTARTS=1", "POST", "/containers/x/restart", A, "ALLOW_RESTARTS", NULL },
	{ "ALLOW_RESTARTS=1", "POST", "/containers/x/stop", A, "ALLOW_RESTARTS", NULL },
	{ "ALLOW_RESTARTS=1", "POST", "/v1.41/containers/x/kill?signal=HUP", A, "ALLOW_RESTARTS", NULL },
	{ "ALLOW_RESTARTS=1", "POST", "/containers/x/start", D, "CONTAINERS", NULL },
	{ "ALLOW_RESTARTS=1", "POST", "/containers/x/pause", D, "CONTAINERS", NULL },
	{ "ALLOW_STOP=1 ALLOW_RESTARTS=1", "POST", "/containers/x/stop", A, "ALLOW_STOP", NULL },
	{ "ALLOW_PAUSE=1", "POST", "/containers/x/pause", A, "ALLOW_PAUSE", NULL },
	{ "ALLOW_PAUSE=1", "POST", "/containers/x/unpause", D, "CONTAINERS", "or set ALLOW_UNPAUSE=1" },
	{ "ALLOW_UNPAUSE=1", "POST", "/containers/x/unpause", A, "ALLOW_UNPAUSE", NULL },
	{ "ALLOW_UNPAUSE=1", "POST", "/containers/x/pause", D, "CONTAINERS", NULL },
	/* the toggles ignore POST=0 and CONTAINERS=0, and DELETE=0 too */
	{ "ALLOW_START=1 CONTAINERS=0 POST=0 DELETE=0", "POST", "/containers/x/start", A, "ALLOW_START", NULL },
	{ "CONTAINERS=1 POST=1 ALLOW_START=1", "POST", "/containers/x/start", A, "ALLOW_START", NULL },
};

static const struct row switches[] = {
	{ "CONTAINERS=1 ALLOW_ARCHIVE=1", "GET", "/containers/x/archive?path=/etc", A, "ALLOW_ARCHIVE", NULL },
	{ "CONTAINERS=1 ALLOW_ARCHIVE=1", "HEAD", "/containers/x/archive?path=/etc", A, "ALLOW_ARCHIVE", NULL },
	{ "CONTAINERS=1 ALLOW_ARCHIVE=1", "PUT", "/containers/x/archive?path=/", D, "POST", NULL },
	{ "CONTAINERS=1 ALLOW_ARCHIVE=1", "POST", "/containers/x/copy", D, "POST", NULL },
	{ "CONTAINERS=1 POST=1 ALLOW_ARCHIVE=1", "PUT", "/v1.41/containers/x/archive?path=/", A, "ALLOW_ARCHIVE", NULL },
	{ "CONTAINERS=1 POST=1 ALLOW_ARCHIVE=1", "POST", "/containers/x/copy", A, "ALLOW_ARCHIVE", NULL },
	{ "ALLOW_ARCHIVE=1", "GET", "/containers/x/archive", D, "CONTAINERS", NULL },
	{ "CONTAINERS=1", "PUT", "/containers/x/archive", D, "ALLOW_ARCHIVE", "(POST=1 is also needed)" },
	{ "CONTAINERS=1 ALLOW_EXPORT=1", "GET", "/containers/x/export", A, "ALLOW_EXPORT", NULL },
	{ "CONTAINERS=1 ALLOW_EXPORT=1", "GET", "/v1.41/containers/x/export", A, "ALLOW_EXPORT", NULL },
	{ "ALLOW_EXPORT=1", "GET", "/containers/x/export", D, "CONTAINERS", NULL },
	{ "CONTAINERS=1 ALLOW_EXPORT=1", "GET", "/containers/x/archive", D, "ALLOW_ARCHIVE", NULL },
	{ "CONTAINERS=1 ALLOW_ARCHIVE=1", "GET", "/containers/x/export", D, "ALLOW_EXPORT", NULL },
	/* attach over a websocket writes stdin: POST=1 even though it is a GET */
	{ "CONTAINERS=1", "GET", "/containers/x/attach/ws?stdin=1", D, "POST", "stdin" },
	{ "CONTAINERS=1 POST=1", "GET", "/v1.41/containers/x/attach/ws?stdin=1", A, "CONTAINERS", NULL },
	{ "POST=1", "GET", "/containers/x/attach/ws", D, "CONTAINERS", NULL },
	/* ALLOW_LOGS=0 / ALLOW_TOP=0 close those container reads only */
	{ "CONTAINERS=1 ALLOW_LOGS=0", "GET", "/containers/x/logs", D, "ALLOW_LOGS", "set ALLOW_LOGS=1 to allow container logs" },
	{ "CONTAINERS=1 ALLOW_LOGS=0", "GET", "/v1.41/containers/x/logs?follow=1", D, "ALLOW_LOGS", NULL },
	{ "CONTAINERS=1 ALLOW_LOGS=0", "GET", "/containers/x/json", A, "CONTAINERS", NULL },
	{ "CONTAINERS=1 ALLOW_LOGS=0", "GET", "/containers/x/top", A, "CONTAINERS", NULL },
	{ "ALLOW_LOGS=0", "GET", "/containers/x/logs", D, "ALLOW_LOGS", "(CONTAINERS=1 is also needed)" },
	{ "SERVICES=1 ALLOW_LOGS=0", "GET", "/services/s1/logs", A, "SERVICES", NULL },
	{ "TASKS=1 ALLOW_LOGS=0", "GET", "/tasks/t1/logs", A, "TASKS", NULL },
	{ "CONTAINERS=1 ALLOW_TOP=0", "GET", "/containers/x/top", D, "ALLOW_TOP", NULL },
	{ "CONTAINERS=1 ALLOW_TOP=0", "GET", "/containers/x/logs", A, "CONTAINERS", NULL },
};

static const struct row odd[] = {
	/* routes dockerd does not have: denied whatever is open */
	{ "", "GET", "/nope", D, "unknown-route", "sockwall: GET /nope is denied" },
	{ "", "GET", "/v1.41/nope", D, "unknown-route", "GET /v1.41/nope is denied" },
	{ "", "GET", "/v1.41", D, "unknown-route", "GET /v1.41 is denied" },
	{ "CONTAINERS=1 POST=1", "GET", "/debug/vars", D, "unknown-route", NULL },
	{ "CONTAINERS=1 POST=1", "POST", "/containers/x/attach/ws", D, "unknown-route", NULL },
	{ "CONTAINERS=1 POST=1", "GET", "/CONTAINERS/json", D, "unknown-route", NULL },
	{ "CONTAINERS=1 POST=1", "PATCH", "/containers/x/update", D, "unknown-route", "PATCH /containers/x/update" },
	{ "CONTAINERS=1 POST=1", "OPTIONS", "/containers/json", D, "unknown-route", NULL },
	{ "CONTAINERS=1 POST=1", "OPTIONS", "/_ping", D, "unknown-route", NULL },
	{ "CONTAINERS=1 POST=1", "get", "/containers/json", D, "unknown-route", NULL },
	{ "CONTAINERS=1 POST=1", "HEAD", "/containers/json", D, "unknown-route", NULL },
	{ "CONTAINERS=1 POST=1", "TRACE", "/_ping", D, "unknown-route", NULL },
	{ "CONTAINERS=1 POST=1", "GET", "/containers/%C3%A9x/nope", D, "unknown-route", NULL },
};


/* Podman's libpod API: linuxserver's LIBPOD_* sections and actions, the
 * Docker-side ALLOW_* on libpod paths, and the routes sockwall refuses
 * because it does not read them, whatever is set. */
#define LP_ALL "LIBPOD_CONTAINERS=1 LIBPOD_IMAGES=1 LIBPOD_PODS=1 LIBPOD_PLAY=1 " \
	       "LIBPOD_VOLUMES=1 LIBPOD_NETWORKS=1 LIBPOD_EXEC=1 LIBPOD_SECRETS=1 " \
	       "LIBPOD_MANIFESTS=1 POST=1 EXEC=1 CONTAINERS=1 IMAGES=1 ALLOW_ARCHIVE=1"
static const struct row libpod[] = {
	/* linuxserver's defaults: ping and version open, the rest closed */
	{ "", "GET", "/libpod/_ping", A, "LIBPOD_PING", NULL },
	{ "", "HEAD", "/v4.3.1/libpod/_ping", A, "LIBPOD_PING", NULL },
	{ "", "GET", "/v4.3.1/libpod/version", A, "LIBPOD_VERSION", NULL },
	{ "LIBPOD_PING=0", "GET", "/v4.3.1/libpod/_ping", D, "LIBPOD_PING", NULL },
	{ "", "GET", "/v4.3.1/libpod/containers/json", D, "LIBPOD_CONTAINERS",
	  "set LIBPOD_CONTAINERS=1 to allow /libpod/containers endpoints" },
	{ "", "GET", "/v4.3.1/libpod/info", D, "LIBPOD_INFO", "to allow /libpod/info endpoints" },
	{ "", "GET", "/v4.3.1/libpod/events", D, "LIBPOD_EVENTS", NULL },
	{ "", "GET", "/v4.3.1/libpod/images/json", D, "LIBPOD_IMAGES", NULL },
	{ "", "GET", "/v4.3.1/libpod/pods/json", D, "LIBPOD_PODS", NULL },
	{ "", "GET", "/v4.3.1/libpod/system/df", D, "LIBPOD_SYSTEM", NULL },
	{ "", "GET", "/v4.3.1/libpod/generate/kube?names=x", D, "LIBPOD_GENERATE", NULL },
	/* the Docker sections do not open libpod routes, nor the reverse */
	{ "CONTAINERS=1", "GET", "/v4.3.1/libpod/containers/json", D, "LIBPOD_CONTAINERS", NULL },
	{ "LIBPOD_CONTAINERS=1", "GET", "/v1.41/containers/json", D, "CONTAINERS", NULL },
	/* reads follow their section, and ALLOW_LOGS/TOP/ARCHIVE/EXPORT */
	{ "LIBPOD_CONTAINERS=1", "GET", "/v4.3.1/libpod/containers/json?all=true", A, "LIBPOD_CONTAINERS", NULL },
	{ "LIBPOD_CONTAINERS=1", "GET", "/v4.3.1/libpod/containers/x/json", A, "LIBPOD_CONTAINERS", NULL },
	{ "LIBPOD_CONTAINERS=1", "GET", "/v4.3.1/libpod/containers/x/logs?follow=true", A, "LIBPOD_CONTAINERS", NULL },
	{ "LIBPOD_CONTAINERS=1 ALLOW_LOGS=0", "GET", "/v4.3.1/libpod/containers/x/logs", D, "ALLOW_LOGS", NULL },
	{ "LIBPOD_CONTAINERS=1 ALLOW_TOP=0", "GET", "/v4.3.1/libpod/containers/x/top", D, "ALLOW_TOP", NULL },
	{ "LIBPOD_PODS=1 ALLOW_TOP=0", "GET", "/v4.3.1/libpod/pods/p/top", D, "ALLOW_TOP", NULL },
	{ "LIBPOD_PODS=1", "GET", "/v4.3.1/libpod/pods/p/top", A, "LIBPOD_PODS", NULL },
	{ "LIBPOD_CONTAINERS=1", "GET", "/v4.3.1/libpod/containers/x/archive?path=/", D, "ALLOW_ARCHIVE", NULL },
	{ "LIBPOD_CONTAINERS=1 ALLOW_ARCHIVE=1", "HEAD", "/v4.3.1/libpod/containers/x/archive?path=/", A, "ALLOW_ARCHIVE", NULL },
	{ "LIBPOD_CONTAINERS=1", "GET", "/v4.3.1/libpod/containers/x/export", D, "ALLOW_EXPORT", NULL },
	{ "LIBPOD_CONTAINERS=1", "GET", "/v4.3.1/libpod/containers/a/b/healthcheck", A, "LIBPOD_CONTAINERS", NULL },
	{ "LIBPOD_CONTAINERS=1", "GET", "/v4.3.1/libpod/containers/x/exists", A, "LIBPOD_CONTAINERS", NULL },
	{ "LIBPOD_INFO=1", "GET", "/v4.3.1/libpod/info", A, "LIBPOD_INFO", NULL },
	{ "LIBPOD_IMAGES=1", "GET", "/v4.3.1/libpod/images/json", A, "LIBPOD_IMAGES", NULL },
	{ "LIBPOD_EXEC=1", "GET", "/v4.3.1/libpod/exec/e1/json", A, "LIBPOD_EXEC", NULL },
	/* writes: POST=1, as for Docker sections */
	{ "LIBPOD_CONTAINERS=1", "POST", "/v4.3.1/libpod/containers/x/start", D, "POST",
	  "or set LIBPOD_ALLOW_START=1 or ALLOW_START=1 to allow only this action" },
	{ "LIBPOD_CONTAINERS=1 POST=1", "POST", "/v4.3.1/libpod/containers/x/start", A, "LIBPOD_CONTAINERS", NULL },
	{ "LIBPOD_CONTAINERS=1 POST=1", "POST", "/v4.3.1/libpod/containers/x/stop?timeout=1", A, "LIBPOD_CONTAINERS", NULL },
	{ "LIBPOD_CONTAINERS=1 POST=1", "DELETE", "/v4.3.1/libpod/containers/x?force=true", A, "LIBPOD_CONTAINERS", NULL },
	{ "LIBPOD_CONTAINERS=1 POST=1 DELETE=0", "DELETE", "/v4.3.1/libpod/containers/x", D, "DELETE", NULL },
	{ "LIBPOD_CONTAINERS=1 POST=1", "POST", "/v4.3.1/libpod/containers/x/attach?stdin=true", A, "LIBPOD_CONTAINERS", NULL },
	{ "LIBPOD_IMAGES=1 POST=1", "POST", "/v4.3.1/libpod/images/x/tag?repo=y&tag=z", A, "LIBPOD_IMAGES", NULL },
	{ "LIBPOD_PODS=1 POST=1", "POST", "/v4.3.1/libpod/pods/p/stop", A, "LIBPOD_PODS", NULL },
	/* linuxserver's libpod actions, without POST=1 or a section */
	{ "LIBPOD_ALLOW_START=1", "POST", "/v4.3.1/libpod/containers/x/start", A, "LIBPOD_ALLOW_START", NULL },
	{ "LIBPOD_ALLOW_START=1", "POST", "/v1.41/containers/x/start", D, "CONTAINERS", "or set ALLOW_START=1" },
	{ "LIBPOD_ALLOW_START=1", "POST", "/v4.3.1/libpod/pods/p/start", D, "LIBPOD_PODS",
	  "or set LIBPOD_ALLOW_POD_START=1 or ALLOW_START=1" },
	{ "LIBPOD_ALLOW_START=1", "POST", "/v4.3.1/libpod/containers/x/stop", D, "LIBPOD_CONTAINERS", NULL },
	{ "LIBPOD_ALLOW_STOP=1", "POST", "/v4.3.1/libpod/containers/x/stop", A, "LIBPOD_ALLOW_STOP", NULL },
	{ "LIBPOD_ALLOW_STOP=1", "POST", "/v4.3.1/libpod/containers/x/kill", D, "LIBPOD_CONTAINERS", NULL },
	{ "LIBPOD_ALLOW_RESTARTS=1", "POST", "/v4.3.1/libpod/containers/x/stop", A, "LIBPOD_ALLOW_RESTARTS", NULL },
	{ "LIBPOD_ALLOW_RESTARTS=1", "POST", "/v4.3.1/libpod/containers/x/restart", A, "LIBPOD_ALLOW_RESTARTS", NULL },
	{ "LIBPOD_ALLOW_RESTARTS=1", "POST", "/v4.3.1/libpod/containers/x/kill", A, "LIBPOD_ALLOW_RESTARTS", NULL },
	{ "LIBPOD_ALLOW_RESTARTS=1", "POST", "/v4.3.1/libpod/pods/p/restart", D, "LIBPOD_PODS", NULL },
	{ "LIBPOD_ALLOW_PAUSE=1", "POST", "/v4.3.1/libpod/containers/x/pause", A, "LIBPOD_ALLOW_PAUSE", NULL },
	{ "LIBPOD_ALLOW_UNPAUSE=1", "POST", "/v4.3.1/libpod/containers/x/unpause", A, "LIBPOD_ALLOW_UNPAUSE", NULL },
	{ "LIBPOD_ALLOW_UNPAUSE=1", "POST", "/v4.3.1/libpod/containers/x/pause", D, "LIBPOD_CONTAINERS", NULL },
	{ "LIBPOD_ALLOW_POD_START=1", "POST", "/v4.3.1/libpod/pods/p/start", A, "LIBPOD_ALLOW_POD_START", NULL },
	{ "LIBPOD_ALLOW_POD_START=1", "POST", "/v4.3.1/libpod/containers/x/start", D, "LIBPOD_CONTAINERS", NULL },
	{ "LIBPOD_ALLOW_POD_STOP=1", "POST", "/v4.3.1/libpod/pods/p/stop", A, "LIBPOD_ALLOW_POD_STOP", NULL },
	{ "LIBPOD_ALLOW_POD_RESTARTS=1", "POST", "/v4.3.1/libpod/pods/p/stop", A, "LIBPOD_ALLOW_POD_RESTARTS", NULL },
	{ "LIBPOD_ALLOW_POD_RESTARTS=1", "POST", "/v4.3.1/libpod/pods/p/kill", A, "LIBPOD_ALLOW_POD_RESTARTS", NULL },
	{ "LIBPOD_ALLOW_POD_PAUSE=1", "POST", "/v4.3.1/libpod/pods/p/pause", A, "LIBPOD_ALLOW_POD_PAUSE", NULL },
	{ "LIBPOD_ALLOW_POD_UNPAUSE=1", "POST", "/v4.3.1/libpod/pods/p/unpause", A, "LIBPOD_ALLOW_POD_UNPAUSE", NULL },
	{ "LIBPOD_ALLOW_POD_STOP=1", "DELETE", "/v4.3.1/libpod/pods/p", D, "LIBPOD_PODS", NULL },
	/* linuxserver's Docker-side ALLOW_* match (/libpod)?/(containers|pods) */
	{ "ALLOW_START=1", "POST", "/v4.3.1/libpod/containers/x/start", A, "ALLOW_START", NULL },
	{ "ALLOW_START=1", "POST", "/v4.3.1/libpod/pods/p/start", A, "ALLOW_START", NULL },
	{ "ALLOW_STOP=1", "POST", "/v4.3.1/libpod/pods/p/stop", A, "ALLOW_STOP", NULL },
	{ "ALLOW_RESTARTS=1", "POST", "/v4.3.1/libpod/containers/x/kill", A, "ALLOW_RESTARTS", NULL },
	{ "ALLOW_RESTARTS=1", "POST", "/v4.3.1/libpod/pods/p/restart", A, "ALLOW_RESTARTS", NULL },
	{ "ALLOW_PAUSE=1", "POST", "/v4.3.1/libpod/pods/p/pause", A, "ALLOW_PAUSE", NULL },
	{ "ALLOW_UNPAUSE=1", "POST", "/v4.3.1/libpod/containers/x/unpause", A, "ALLOW_UNPAUSE", NULL },
	/* refused whatever is set, naming the Docker route judged instead */
	{ LP_ALL, "POST", "/v4.3.1/libpod/containers/create", D, "not-inspected",
	  "sockwall: POST /libpod/containers/create is refused: sockwall does not inspect the "
	  "libpod create route (a SpecGenerator body); create containers through POST "
	  "/containers/create, which sockwall judges" },
	{ "", "POST", "/v4.3.1/libpod/containers/create", D, "not-inspected", "POST /containers/create" },
	{ LP_ALL, "POST", "/v4.3.1/libpod/play/kube", D, "not-inspected", "through POST /containers/create" },
	{ LP_ALL, "POST", "/v4.3.1/libpod/kube/play", D, "not-inspected", "through POST /containers/create" },
	{ LP_ALL, "DELETE", "/v4.3.1/libpod/play/kube", D, "not-inspected", "DELETE /containers/{id}" },
	{ LP_ALL, "POST", "/v4.3.1/libpod/pods/create", D, "not-inspected", "POST /containers/create" },
	{ LP_ALL, "POST", "/v4.3.1/libpod/volumes/create", D, "not-inspected", "POST /volumes/create" },
	{ LP_ALL, "DELETE", "/v4.3.1/libpod/volumes/v?force=true", D, "not-inspected", "DELETE /volumes/{name}" },
	{ LP_ALL, "POST", "/v4.3.1/libpod/networks/create", D, "not-inspected", "POST /networks/create" },
	{ LP_ALL, "POST", "/v4.3.1/libpod/networks/n/connect", D, "not-inspected", "POST /networks/{id}/connect" },
	{ LP_ALL, "DELETE", "/v4.3.1/libpod/networks/n", D, "not-inspected", "DELETE /networks/{id}" },
	{ LP_ALL, "POST", "/v4.3.1/libpod/containers/x/exec", D, "not-inspected", "POST /containers/{id}/exec" },
	{ LP_ALL, "POST", "/v4.3.1/libpod/exec/e1/start", D, "not-inspected", "POST /exec/{id}/start" },
	{ LP_ALL, "POST", "/v4.3.1/libpod/build?t=x", D, "not-inspected", "POST /build" },
	{ LP_ALL, "POST", "/v4.3.1/libpod/images/pull?reference=alpine", D, "not-inspected", "POST /images/create" },
	{ LP_ALL, "POST", "/v4.3.1/libpod/images/load", D, "not-inspected", "POST /images/load" },
	{ LP_ALL, "POST", "/v4.3.1/libpod/images/import?url=http://x/", D, "not-inspected", "fromSrc" },
	{ LP_ALL, "POST", "/v4.3.1/libpod/images/scp/x", D, "not-inspected", "POST /images/{name}/push" },
	{ LP_ALL, "POST", "/v4.3.1/libpod/containers/x/checkpoint", D, "not-inspected", "POST /containers/{id}/checkpoints" },
	{ LP_ALL, "POST", "/v4.3.1/libpod/containers/x/restore", D, "not-inspected", "POST /containers/create" },
	{ LP_ALL, "POST", "/v4.3.1/libpod/containers/x/update", D, "not-inspected", "POST /containers/{id}/update" },
	{ LP_ALL, "PUT", "/v4.3.1/libpod/containers/x/archive?path=/", D, "not-inspected", "PUT /containers/{id}/archive" },
	{ LP_ALL, "POST", "/v4.3.1/libpod/commit?container=x", D, "not-inspected", "POST /commit" },
	{ LP_ALL, "POST", "/v4.3.1/libpod/secrets/create?name=s&driver=shell", D, "not-inspected", "POST /secrets/create" },
	{ LP_ALL, "POST", "/v4.3.1/libpod/manifests/create", D, "not-inspected", "POST /images/{name}/tag" },
	{ LP_ALL, "POST", "/v4.3.1/libpod/manifests/m/push", D, "not-inspected", NULL },
	{ LP_ALL, "PUT", "/v4.3.1/libpod/manifests/m", D, "not-inspected", NULL },
	{ LP_ALL, "GET", "/v4.3.1/libpod/manifests/m/json", A, "LIBPOD_MANIFESTS", NULL },
	/* unknown libpod routes stay unknown */
	{ LP_ALL, "GET", "/v4.3.1/libpod/swagger", D, "unknown-route", NULL },
	{ LP_ALL, "GET", "/v4.3.1/libpod/quadlets/json", D, "unknown-route", NULL },
	{ LP_ALL, "POST", "/v4.3.1/libpod/containers/a/b/start", D, "unknown-route", NULL },
	{ LP_ALL, "GET", "/v4.3.1/libpod/nope", D, "unknown-route", NULL },
};

#define RUN(table)                                                          \
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)        \
		check_row(&table[i])

static void set_all(struct acl *acl, bool on)
{
	memset(acl, 0, sizeof(*acl));
	for (int s = 0; s < SEC_COUNT; s++)
		acl->section[s] = on;
	acl->post = acl->allow_start = acl->allow_stop = on;
	acl->allow_restarts = acl->allow_pause = acl->allow_unpause = on;
	acl->allow_archive = acl->allow_export = on;
	acl->allow_logs = acl->allow_top = acl->allow_changes = on;
	acl->allow_plugin_privileges = acl->allow_url_fetch = acl->allow_swarm_unlockkey = on;
	acl->allow_image_load = on;
	acl->libpod_allow_start = acl->libpod_allow_stop = acl->libpod_allow_restarts = on;
	acl->libpod_allow_pause = acl->libpod_allow_unpause = on;
	acl->libpod_allow_pod_start = acl->libpod_allow_pod_stop = on;
	acl->libpod_allow_pod_restarts = acl->libpod_allow_pod_pause = on;
	acl->libpod_allow_pod_unpause = on;
	acl->delete_ = acl->put = on ? TOGGLE_ON : TOGGLE_OFF;
}

/* Build a concrete target for a table pattern: each variable becomes "x". */
static void concrete(const char *pattern, char *out, size_t cap)
{
	size_t n = 0;
	for (const char *s = pattern; *s && n + 2 < cap;) {
		if (*s == '{') {
			out[n++] = 'x';
			s = strchr(s, '}') + 1;
		} else {
			out[n++] = *s++;
		}
	}
	out[n] = '\0';
}

/* Every route in the table: all closed denies it and says what to set,
 * all open allows it, and one open section allows its own routes only. */
static void check_every_route(void)
{
	size_t count;
	const struct route_def *t = route_table(&count);
	struct acl closed, open, one;

	set_all(&closed, false);
	set_all(&open, true);
	for (size_t i = 0; i < count; i++) {
		const struct route_def *d = &t[i];
		char target[128], what[200];
		struct route_match m;
		struct verdict v;
		const char *why;

		concrete(d->pattern, target, sizeof(target));
		if (route_resolve(d->method, strlen(d->method), target,
				  strlen(target), &m, &why) != 0 || m.def != d)
			continue; /* unreachable (GET /networks/): test_route's */

		snprintf(what, sizeof(what), "[closed] %s %s", d->method, target);
		policy_judge(&closed, d->method, strlen(d->method), &m, &v);
		CHECK(v.decision == DECISION_DENY, "%s: allowed by %s", what, v.rule);
		check_shape(what, &v, &m, d->method);

		snprintf(what, sizeof(what), "[open] %s %s", d->method, target);
		policy_judge(&open, d->method, strlen(d->method), &m, &v);
		check_shape(what, &v, &m, d->method);
		if (d->klass == ROUTE_REFUSED) {
			/* nothing opens a route sockwall does not read */
			CHECK(v.decision == DECISION_DENY && strcmp(v.rule, "not-inspected") == 0,
			      "%s: %s by %s", what, v.decision == DECISION_ALLOW ? "allowed" : "denied",
			      v.rule);
			continue;
		}
		CHECK(v.decision == DECISION_ALLOW, "%s: denied: %s", what, v.message);

		for (int s = 1; s < SEC_COUNT; s++) {
			set_all(&one, true);
			memset(one.section, 0, sizeof(one.section));
			one.section[s] = true;
			policy_judge(&one, d->method, strlen(d->method), &m, &v);
			bool want = d->section == (enum section)s &&
				    d->action != ACT_CONTAINER_EXEC &&
				    !(d->action == ACT_CONTAINER_CHECKPOINT &&
				      strcmp(d->method, "POST") == 0);
			/* linuxserver toggles are on in `one` and need no section */
			if (d->action == ACT_CONTAINER_START ||
			    d->action == ACT_CONTAINER_STOP ||
			    d->action == ACT_CONTAINER_RESTART ||
			    d->action == ACT_CONTAINER_KILL ||
			    d->action == ACT_CONTAINER_PAUSE ||
			    d->action == ACT_CONTAINER_UNPAUSE ||
			    d->action == ACT_POD_START || d->action == ACT_POD_STOP ||
			    d->action == ACT_POD_RESTART || d->action == ACT_POD_KILL ||
			    d->action == ACT_POD_PAUSE || d->action == ACT_POD_UNPAUSE)
				want = true;
			CHECK((v.decision == DECISION_ALLOW) == want,
			      "[%s=1 only] %s %s: %s", section_name((enum section)s),
			      d->method, target, v.message);
			if (!want)
				CHECK(strcmp(v.rule, section_name(d->section)) == 0 ||
					      strcmp(v.rule, "EXEC") == 0,
				      "[%s=1 only] %s %s: rule %s",
				      section_name((enum section)s), d->method,
				      target, v.rule);
		}
	}
}

static void check_edges(void)
{
	struct acl acl;
	struct route_match m;
	struct verdict v;
	const char *why;
	static char target[ROUTE_PATH_MAX + 16];

	/* defaults, spelled out */
	acl_defaults(&acl);
	for (int s = 0; s < SEC_COUNT; s++)
		CHECK(acl.section[s] == (s == SEC_EVENTS || s == SEC_PING ||
					 s == SEC_VERSION || s == SEC_LIBPOD_PING ||
					 s == SEC_LIBPOD_VERSION),
		      "default for %s", section_name((enum section)s));
	CHECK(!acl.post && acl.delete_ == TOGGLE_UNSET && acl.put == TOGGLE_UNSET,
	      "default methods");
	CHECK(!acl.allow_start && !acl.allow_stop && !acl.allow_restarts &&
		      !acl.allow_pause && !acl.allow_unpause && !acl.allow_archive &&
		      !acl.allow_export && acl.allow_logs && acl.allow_top,
	      "default switches");

	/* an unknown path as long as the router takes: the message is cut,
	 * says so, and still fits */
	size_t n = 0;
	target[n++] = '/';
	while (n < ROUTE_PATH_MAX - 1)
		target[n++] = 'a';
	CHECK(route_resolve("GET", 3, target, n, &m, &why) == 0 && !m.def,
	      "long unknown path");
	memset(&v, 0x5a, sizeof(v));
	policy_judge(&acl, "GET", 3, &m, &v);
	CHECK(v.decision == DECISION_DENY && strcmp(v.rule, "unknown-route") == 0,
	      "long unknown path: %s", v.rule);
	CHECK(strstr(v.message, "...") != NULL, "long path not marked as cut: %s",
	      v.message);
	check_shape("long unknown path", &v, &m, "GET");

	/* a versioned long path, too */
	memcpy(target, "/v1234567890.1234/", 18);
	CHECK(route_resolve("GET", 3, target, ROUTE_PATH_MAX - 1, &m, &why) == 0 &&
		      !m.def && m.version[0],
	      "long versioned unknown path (%s)", why);
	policy_judge(&acl, "GET", 3, &m, &v);
	check_shape("long versioned unknown path", &v, &m, "GET");

	/* a method with bytes a message must not carry */
	CHECK(route_resolve("G\x01\xff", 3, "/x", 2, &m, &why) == 0, "odd method");
	policy_judge(&acl, "G\x01\xff", 3, &m, &v);
	CHECK(v.decision == DECISION_DENY, "odd method allowed");
	check_shape("odd method", &v, &m, "G\x01\xff");

	/* a method far too long to show whole */
	char longm[300];
	memset(longm, 'M', sizeof(longm) - 1);
	longm[sizeof(longm) - 1] = '\0';
	CHECK(route_resolve(longm, strlen(longm), "/_ping", 6, &m, &why) == 0,
	      "long method");
	policy_judge(&acl, longm, strlen(longm), &m, &v);
	CHECK(v.decision == DECISION_DENY, "long method allowed");
	check_shape("long method", &v, &m, longm);

	/* the method judged is not the one resolved: refuse to mix them */
	set_all(&acl, true);
	CHECK(route_resolve("GET", 3, "/containers/json", 16, &m, &why) == 0 && m.def,
	      "resolve");
	policy_judge(&acl, "POST", 4, &m, &v);
	CHECK(v.decision == DECISION_DENY && strcmp(v.rule, "method") == 0,
	      "method mismatch: %s", v.rule);
	check_shape("method mismatch", &v, &m, "POST");

	/* a route with a method we never open */
	static const struct route_def patch = { "PATCH", "/containers/{name:.*}/update",
						SEC_CONTAINERS, ACT_CONTAINER_UPDATE, ROUTE_JUDGED,
						NULL };
	m.def = &patch;
	policy_judge(&acl, "PATCH", 5, &m, &v);
	CHECK(v.decision == DECISION_DENY && strcmp(v.rule, "method") == 0,
	      "PATCH route: %s", v.rule);
	CHECK(strstr(v.message, "PATCH") != NULL, "PATCH route: %s", v.message);
	check_shape("PATCH route", &v, &m, "PATCH");

	/* the worst case for a known route: every requirement missing and a
	 * toggle hint, still whole */
	set_all(&acl, false);
	acl.delete_ = TOGGLE_OFF;
	CHECK(route_resolve("DELETE", 6, "/containers/x/checkpoints/c", 27, &m,
			    &why) == 0 && m.def,
	      "checkpoint delete");
	policy_judge(&acl, "DELETE", 6, &m, &v);
	CHECK(strcmp(v.rule, "CONTAINERS") == 0 &&
		      strstr(v.message, "(POST=1 DELETE=1 are also needed)"),
	      "checkpoint delete: %s", v.message);
	check_shape("checkpoint delete", &v, &m, "DELETE");
	CHECK(route_resolve("POST", 4, "/containers/x/stop", 18, &m, &why) == 0,
	      "stop");
	policy_judge(&acl, "POST", 4, &m, &v);
	check_shape("stop, all closed", &v, &m, "POST");
}

int main(void)
{
	RUN(defaults);
	RUN(containers);
	RUN(post);
	RUN(exec_rows);
	RUN(narrowing);
	RUN(actions);
	RUN(switches);
	RUN(odd);
	RUN(libpod);
	check_every_route();
	check_edges();
	TEST_DONE();
}
