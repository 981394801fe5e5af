/*
 * policy: access control on a resolved route.  See policy.h for the rules.
 *
 * A route's requirements are listed most specific first (EXEC for exec
 * create, ALLOW_ARCHIVE, ...), then its section, then the method switches
 * (POST, then DELETE or PUT).  A deny names the first unmet one as its rule
 * and lists the other unmet ones in the message, so one message tells the
 * operator everything to set.  An allow names the section, or the specific
 * switch for routes closed by default (EXEC, ALLOW_ARCHIVE, ALLOW_EXPORT),
 * or the linuxserver ALLOW_* toggle that opened it.
 */
#include "policy.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "routeshow.h"
#include "text.h"

void acl_defaults(struct acl *acl)
{
	memset(acl, 0, sizeof(*acl));
	acl->section[SEC_EVENTS] = true;
	acl->section[SEC_PING] = true;
	acl->section[SEC_VERSION] = true;
	acl->section[SEC_LIBPOD_PING] = true;
	acl->section[SEC_LIBPOD_VERSION] = true;
	acl->allow_logs = true;
	acl->allow_top = true;
	acl->allow_changes = true;
	acl->delete_ = TOGGLE_UNSET;
	acl->put = TOGGLE_UNSET;
}

#define METHOD_SHOW 16
#define PATH_SHOW 120

enum decision verdict_deny(struct verdict *v, int status, const char *rule, const char *fmt, ...)
{
	va_list ap;

	v->decision = DECISION_DENY;
	v->status = status;
	v->rule = rule;
	va_start(ap, fmt);
	vsnprintf(v->message, sizeof(v->message), fmt, ap);
	va_end(ap);
	return DECISION_DENY;
}

/* ---- requirements ---- */

struct need {
	const char *rule;    /* setting to change: "CONTAINERS", "POST", ... */
	const char *purpose; /* "to allow exec"; NULL: the section's endpoints */
	bool met;
};

struct needs {
	struct need v[5];
	size_t n;
};

static void need(struct needs *ns, const char *rule, bool met,
		 const char *purpose)
{
	if (ns->n < sizeof(ns->v) / sizeof(ns->v[0]))
		ns->v[ns->n++] = (struct need){ rule, purpose, met };
}

enum method_kind { M_READ, M_POST, M_PUT, M_DELETE, M_OTHER };

static bool method_is(const char *method, size_t len, const char *name)
{
	return strlen(name) == len && memcmp(method, name, len) == 0;
}

static enum method_kind method_kind(const char *method, size_t len)
{
	if (method_is(method, len, "GET") || method_is(method, len, "HEAD"))
		return M_READ;
	if (method_is(method, len, "POST"))
		return M_POST;
	if (method_is(method, len, "PUT"))
		return M_PUT;
	if (method_is(method, len, "DELETE"))
		return M_DELETE;
	return M_OTHER;
}

/* linuxserver's per-action toggles, Docker's tried first.  Its Docker-side
 * ALLOW_* match "(/libpod)?/(containers|pods)/{id}/<action>", so they
 * open the libpod routes too; the LIBPOD_ALLOW_* ones open only their own. */
struct toggle {
	const char *name;
	size_t off; /* of its bool in struct acl */
};

#define ACL(field) offsetof(struct acl, field)
#define T(field, name) { name, ACL(field) }

static const struct verb_toggles {
	enum route_action action[2]; /* on a container, on a pod */
	struct toggle docker[2], container[2], pod[2];
} verb_toggles[] = {
	{ { ACT_CONTAINER_START, ACT_POD_START }, { T(allow_start, "ALLOW_START") },
	  { T(libpod_allow_start, "LIBPOD_ALLOW_START") },
	  { T(libpod_allow_pod_start, "LIBPOD_ALLOW_POD_START") } },
	{ { ACT_CONTAINER_STOP, ACT_POD_STOP },
	  { T(allow_stop, "ALLOW_STOP"), T(allow_restarts, "ALLOW_RESTARTS") },
	  { T(libpod_allow_stop, "LIBPOD_ALLOW_STOP"),
	    T(libpod_allow_restarts, "LIBPOD_ALLOW_RESTARTS") },
	  { T(libpod_allow_pod_stop, "LIBPOD_ALLOW_POD_STOP"),
	    T(libpod_allow_pod_restarts, "LIBPOD_ALLOW_POD_RESTARTS") } },
	{ { ACT_CONTAINER_RESTART, ACT_POD_RESTART }, { T(allow_restarts, "ALLOW_RESTARTS") },
	  { T(libpod_allow_restarts, "LIBPOD_ALLOW_RESTARTS") },
	  { T(libpod_allow_pod_restarts, "LIBPOD_ALLOW_POD_RESTARTS") } },
	{ { ACT_CONTAINER_KILL, ACT_POD_KILL }, { T(allow_restarts, "ALLOW_RESTARTS") },
	  { T(libpod_allow_restarts, "LIBPOD_ALLOW_RESTARTS") },
	  { T(libpod_allow_pod_restarts, "LIBPOD_ALLOW_POD_RESTARTS") } },
	{ { ACT_CONTAINER_PAUSE, ACT_POD_PAUSE }, { T(allow_pause, "ALLOW_PAUSE") },
	  { T(libpod_allow_pause, "LIBPOD_ALLOW_PAUSE") },
	  { T(libpod_allow_pod_pause, "LIBPOD_ALLOW_POD_PAUSE") } },
	{ { ACT_CONTAINER_UNPAUSE, ACT_POD_UNPAUSE }, { T(allow_unpause, "ALLOW_UNPAUSE") },
	  { T(libpod_allow_unpause, "LIBPOD_ALLOW_UNPAUSE") },
	  { T(libpod_allow_pod_unpause, "LIBPOD_ALLOW_POD_UNPAUSE") } },
};

static bool acl_switch(const struct acl *acl, size_t off)
{
	return *(const bool *)(const void *)((const char *)acl + off);
}

/* The toggles that open this action alone, in the order they are tried;
 * *n_docker of them are Docker's (the first). */
static size_t action_toggles(const struct route_def *d, const struct toggle *out[4],
			     size_t *n_docker)
{
	size_t n = 0;

	*n_docker = 0;
	for (size_t i = 0; i < sizeof(verb_toggles) / sizeof(*verb_toggles); i++) {
		const struct verb_toggles *t = &verb_toggles[i];
		bool pod = t->action[1] == d->action;
		if (t->action[0] != d->action && !pod)
			continue;
		const struct toggle *libpod = pod ? t->pod
					      : d->section == SEC_LIBPOD_CONTAINERS ? t->container
					      : NULL;
		for (size_t k = 0; k < 2 && t->docker[k].name; k++)
			out[n++] = &t->docker[k];
		*n_docker = n;
		for (size_t k = 0; libpod && k < 2 && libpod[k].name; k++)
			out[n++] = &libpod[k];
		break;
	}
	return n;
}

/* A route's own switch on top of its section; names_allow: an allow
 * names it (the routes closed by default) rather than the section. */
static const struct action_need {
	enum route_action action;
	const char *rule;
	size_t off;
	bool names_allow;
	const char *purpose;
} action_needs[] = {
	{ ACT_CONTAINER_EXEC, "EXEC", ACL(section[SEC_EXEC]), true, "to allow exec" },
	{ ACT_CONTAINER_ARCHIVE, "ALLOW_ARCHIVE", ACL(allow_archive), true,
	  "to allow copying files into or out of containers" },
	{ ACT_CONTAINER_EXPORT, "ALLOW_EXPORT", ACL(allow_export), true,
	  "to allow exporting container filesystems" },
	{ ACT_CONTAINER_ATTACH_WS, "POST", ACL(post), false,
	  "to allow writing to a container's stdin" },
	{ ACT_CONTAINER_LOGS, "ALLOW_LOGS", ACL(allow_logs), false, "to allow container logs" },
	{ ACT_CONTAINER_TOP, "ALLOW_TOP", ACL(allow_top), false,
	  "to allow listing container processes" },
	{ ACT_CONTAINER_CHANGES, "ALLOW_CHANGES", ACL(allow_changes), false,
	  "to allow listing the files a container changed" },
	/* POST only: creating one; listing and removing are harmless */
	{ ACT_CONTAINER_CHECKPOINT, "EXEC", ACL(section[SEC_EXEC]), true,
	  "to allow checkpoints (they dump a container's memory)" },
	{ ACT_PLUGIN_PRIVILEGED, "ALLOW_PLUGIN_PRIVILEGES", ACL(allow_plugin_privileges), true,
	  "to allow installing, enabling or setting plugins (root-equivalent: a "
	  "plugin may be granted host mounts, devices and capabilities)" },
	{ ACT_SWARM_INSPECT, "POST", ACL(post), false,
	  "to allow reading the swarm's join tokens, which GET /swarm returns" },
	{ ACT_SWARM_UNLOCKKEY, "ALLOW_SWARM_UNLOCKKEY", ACL(allow_swarm_unlockkey), true,
	  "to allow reading the swarm's unlock key" },
};

/* Lists the needs; returns the route's own switch, if it has one. */
static const struct action_need *list_needs(const struct acl *acl, const struct route_def *d,
					    enum method_kind mk, struct needs *ns)
{
	const struct action_need *own = NULL;

	ns->n = 0;
	for (size_t i = 0; i < sizeof(action_needs) / sizeof(*action_needs); i++)
		if (action_needs[i].action == d->action &&
		    (d->action != ACT_CONTAINER_CHECKPOINT || mk == M_POST))
			own = &action_needs[i];
	if (own)
		need(ns, own->rule, acl_switch(acl, own->off), own->purpose);
	need(ns, section_name(d->section), acl->section[d->section], NULL);
	if (mk != M_READ && d->action != ACT_SWARM_INSPECT)
		need(ns, "POST", acl->post, "to allow write requests");
	if (mk == M_DELETE)
		need(ns, "DELETE", acl->delete_ != TOGGLE_OFF,
		     "to allow DELETE requests");
	if (mk == M_PUT)
		need(ns, "PUT", acl->put != TOGGLE_OFF,
		     "to allow PUT requests");
	return own;
}

/* "/containers" of "/containers/{id}/json", "/libpod/pods" of
 * "/libpod/pods/{name}/stop": what a section covers. */
static int section_prefix_len(const char *pattern)
{
	const char *from = strncmp(pattern, "/libpod/", 8) == 0 ? pattern + 8 : pattern + 1;
	const char *slash = strchr(from, '/');
	return slash ? (int)(slash - pattern) : (int)strlen(pattern);
}

static void deny(struct verdict *v, const char *rule)
{
	v->decision = DECISION_DENY;
	v->status = 403;
	v->rule = rule;
}

void policy_judge(const struct acl *acl, const char *method, size_t method_len,
		  const struct route_match *m, struct verdict *v)
{
	struct textbuf b = { v->message, sizeof(v->message), 0 };
	char meth[METHOD_SHOW + 4];

	v->message[0] = '\0';
	text_printable(meth, METHOD_SHOW, method ? method : "", method ? method_len : 0);

	if (!m || !m->def) {
		char path[PATH_SHOW + 4 + sizeof(m->version) + 2];
		char shown[PATH_SHOW + 4];
		size_t len = m ? m->path_len : 0;
		if (len > ROUTE_PATH_MAX - 1)
			len = ROUTE_PATH_MAX - 1;
		text_printable(shown, PATH_SHOW, m ? m->path : "", len);
		/* m->version is ours (digits and a dot) and NUL-terminated
		 * within its array; %.*s keeps us inside it regardless. */
		snprintf(path, sizeof(path), "%s%.*s%s",
			 m && m->version[0] ? "/v" : "",
			 m ? (int)sizeof(m->version) - 1 : 0,
			 m ? m->version : "", shown);
		deny(v, "unknown-route");
		text_printf(&b, "sockwall: %s %s is denied: not an endpoint of the "
			    "Docker API, no setting allows it", meth, path);
		return;
	}

	const struct route_def *d = m->def;
	char shown[ROUTE_SHOW_MAX];
	route_show(d->pattern, shown, sizeof(shown));
	enum method_kind mk = method_kind(method, method_len);
	if (mk == M_OTHER || !method_is(method, method_len, d->method)) {
		deny(v, "method");
		text_printf(&b, "sockwall: %s %s is denied: method %s is never "
			    "allowed on this endpoint", meth, shown, meth);
		return;
	}

	if (d->klass == ROUTE_REFUSED) {
		deny(v, "not-inspected");
		text_printf(&b, "sockwall: %s %s is refused: %s", meth, shown,
			d->instead ? d->instead : "sockwall does not inspect this route");
		return;
	}

	const struct toggle *toggles[4];
	size_t n_docker, n_toggles = action_toggles(d, toggles, &n_docker);
	for (size_t i = 0; i < n_toggles; i++) {
		if (acl_switch(acl, toggles[i]->off)) {
			v->decision = DECISION_ALLOW;
			v->status = 0;
			v->rule = toggles[i]->name;
			return;
		}
	}

	struct needs ns;
	const struct action_need *own = list_needs(acl, d, mk, &ns);

	size_t first = ns.n, missing = 0;
	for (size_t i = 0; i < ns.n; i++) {
		if (!ns.v[i].met) {
			if (first == ns.n)
				first = i;
			missing++;
		}
	}

	if (first == ns.n) {
		v->decision = DECISION_ALLOW;
		v->status = 0;
		v->rule = own && own->names_allow ? own->rule : section_name(d->section);
		return;
	}

	const struct need *n = &ns.v[first];
	deny(v, n->rule);
	text_printf(&b, "sockwall: %s %s is denied: set %s=1 ", meth, shown,
		n->rule);
	if (n->purpose)
		text_printf(&b, "%s", n->purpose);
	else
		text_printf(&b, "to allow %.*s endpoints",
			section_prefix_len(shown), shown);
	if (missing > 1) {
		text_printf(&b, " (");
		for (size_t i = first + 1, k = 0; i < ns.n; i++) {
			if (ns.v[i].met)
				continue;
			text_printf(&b, "%s%s=1", k++ ? " " : "", ns.v[i].rule);
		}
		text_printf(&b, " %s also needed)", missing > 2 ? "are" : "is");
	}
	/* the toggles that could open this action alone, LIBPOD_* first */
	for (size_t i = 0; i < n_toggles; i++)
		text_printf(&b, "%s%s=1", i == 0 ? "; or set " : i + 1 < n_toggles ? ", " : " or ",
			    toggles[(i + n_docker) % n_toggles]->name);
	if (n_toggles)
		text_printf(&b, " to allow only this action");
}
