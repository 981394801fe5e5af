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

/* linuxserver's per-action toggles: the one that opens this action, if
 * it is on (ALLOW_STOP before ALLOW_RESTARTS for a stop).  Its Docker-side
 * ALLOW_* match "(/libpod)?/(containers|pods)/{id}/<action>", so they open
 * the libpod routes too; the LIBPOD_ALLOW_* ones open only their own. */
static const char *action_toggle(const struct acl *acl, const struct route_def *d)
{
	bool lc = d->section == SEC_LIBPOD_CONTAINERS;

	switch (d->action) {
	case ACT_CONTAINER_START:
		if (acl->allow_start)
			return "ALLOW_START";
		return lc && acl->libpod_allow_start ? "LIBPOD_ALLOW_START" : NULL;
	case ACT_CONTAINER_STOP:
		if (acl->allow_stop)
			return "ALLOW_STOP";
		if (acl->allow_restarts)
			return "ALLOW_RESTARTS";
		if (lc && acl->libpod_allow_stop)
			return "LIBPOD_ALLOW_STOP";
		return lc && acl->libpod_allow_restarts ? "LIBPOD_ALLOW_RESTARTS" : NULL;
	case ACT_CONTAINER_RESTART:
	case ACT_CONTAINER_KILL:
		if (acl->allow_restarts)
			return "ALLOW_RESTARTS";
		return lc && acl->libpod_allow_restarts ? "LIBPOD_ALLOW_RESTARTS" : NULL;
	case ACT_CONTAINER_PAUSE:
		if (acl->allow_pause)
			return "ALLOW_PAUSE";
		return lc && acl->libpod_allow_pause ? "LIBPOD_ALLOW_PAUSE" : NULL;
	case ACT_CONTAINER_UNPAUSE:
		if (acl->allow_unpause)
			return "ALLOW_UNPAUSE";
		return lc && acl->libpod_allow_unpause ? "LIBPOD_ALLOW_UNPAUSE" : NULL;
	case ACT_POD_START:
		if (acl->allow_start)
			return "ALLOW_START";
		return acl->libpod_allow_pod_start ? "LIBPOD_ALLOW_POD_START" : NULL;
	case ACT_POD_STOP:
		if (acl->allow_stop)
			return "ALLOW_STOP";
		if (acl->allow_restarts)
			return "ALLOW_RESTARTS";
		if (acl->libpod_allow_pod_stop)
			return "LIBPOD_ALLOW_POD_STOP";
		return acl->libpod_allow_pod_restarts ? "LIBPOD_ALLOW_POD_RESTARTS" : NULL;
	case ACT_POD_RESTART:
	case ACT_POD_KILL:
		if (acl->allow_restarts)
			return "ALLOW_RESTARTS";
		return acl->libpod_allow_pod_restarts ? "LIBPOD_ALLOW_POD_RESTARTS" : NULL;
	case ACT_POD_PAUSE:
		if (acl->allow_pause)
			return "ALLOW_PAUSE";
		return acl->libpod_allow_pod_pause ? "LIBPOD_ALLOW_POD_PAUSE" : NULL;
	case ACT_POD_UNPAUSE:
		if (acl->allow_unpause)
			return "ALLOW_UNPAUSE";
		return acl->libpod_allow_pod_unpause ? "LIBPOD_ALLOW_POD_UNPAUSE" : NULL;
	default:
		return NULL;
	}
}

/* The toggles that could open this action alone, for the deny message. */
static const char *action_toggle_hint(const struct route_def *d)
{
	bool lc = d->section == SEC_LIBPOD_CONTAINERS;

	switch (d->action) {
	case ACT_CONTAINER_START:
		return lc ? "LIBPOD_ALLOW_START=1 or ALLOW_START=1" : "ALLOW_START=1";
	case ACT_CONTAINER_STOP:
		return lc ? "LIBPOD_ALLOW_STOP=1, LIBPOD_ALLOW_RESTARTS=1, ALLOW_STOP=1 or "
			    "ALLOW_RESTARTS=1"
			  : "ALLOW_STOP=1 or ALLOW_RESTARTS=1";
	case ACT_CONTAINER_RESTART:
	case ACT_CONTAINER_KILL:
		return lc ? "LIBPOD_ALLOW_RESTARTS=1 or ALLOW_RESTARTS=1" : "ALLOW_RESTARTS=1";
	case ACT_CONTAINER_PAUSE:
		return lc ? "LIBPOD_ALLOW_PAUSE=1 or ALLOW_PAUSE=1" : "ALLOW_PAUSE=1";
	case ACT_CONTAINER_UNPAUSE:
		return lc ? "LIBPOD_ALLOW_UNPAUSE=1 or ALLOW_UNPAUSE=1" : "ALLOW_UNPAUSE=1";
	case ACT_POD_START:
		return "LIBPOD_ALLOW_POD_START=1 or ALLOW_START=1";
	case ACT_POD_STOP:
		return "LIBPOD_ALLOW_POD_STOP=1, LIBPOD_ALLOW_POD_RESTARTS=1, ALLOW_STOP=1 or "
		       "ALLOW_RESTARTS=1";
	case ACT_POD_RESTART:
	case ACT_POD_KILL:
		return "LIBPOD_ALLOW_POD_RESTARTS=1 or ALLOW_RESTARTS=1";
	case ACT_POD_PAUSE:
		return "LIBPOD_ALLOW_POD_PAUSE=1 or ALLOW_PAUSE=1";
	case ACT_POD_UNPAUSE:
		return "LIBPOD_ALLOW_POD_UNPAUSE=1 or ALLOW_UNPAUSE=1";
	default:
		return NULL;
	}
}

static void list_needs(const struct acl *acl, const struct route_def *d,
		       enum method_kind mk, struct needs *ns)
{
	ns->n = 0;
	switch (d->action) {
	case ACT_CONTAINER_EXEC:
		need(ns, "EXEC", acl->section[SEC_EXEC], "to allow exec");
		break;
	case ACT_CONTAINER_ARCHIVE:
		need(ns, "ALLOW_ARCHIVE", acl->allow_archive,
		     "to allow copying files into or out of containers");
		break;
	case ACT_CONTAINER_EXPORT:
		need(ns, "ALLOW_EXPORT", acl->allow_export,
		     "to allow exporting container filesystems");
		break;
	case ACT_CONTAINER_ATTACH_WS:
		need(ns, "POST", acl->post,
		     "to allow writing to a container's stdin");
		break;
	case ACT_CONTAINER_LOGS:
		need(ns, "ALLOW_LOGS", acl->allow_logs,
		     "to allow container logs");
		break;
	case ACT_CONTAINER_TOP:
		need(ns, "ALLOW_TOP", acl->allow_top,
		     "to allow listing container processes");
		break;
	case ACT_CONTAINER_CHANGES:
		need(ns, "ALLOW_CHANGES", acl->allow_changes,
		     "to allow listing the files a container changed");
		break;
	case ACT_CONTAINER_CHECKPOINT:
		if (mk == M_POST) /* creating one; listing and removing are harmless */
			need(ns, "EXEC", acl->section[SEC_EXEC],
			     "to allow checkpoints (they dump a container's memory)");
		break;
	case ACT_PLUGIN_PRIVILEGED:
		need(ns, "ALLOW_PLUGIN_PRIVILEGES", acl->allow_plugin_privileges,
		     "to allow installing, enabling or setting plugins (root-equivalent: a "
		     "plugin may be granted host mounts, devices and capabilities)");
		break;
	case ACT_SWARM_INSPECT:
		need(ns, "POST", acl->post,
		     "to allow reading the swarm's join tokens, which GET /swarm returns");
		break;
	case ACT_SWARM_UNLOCKKEY:
		need(ns, "ALLOW_SWARM_UNLOCKKEY", acl->allow_swarm_unlockkey,
		     "to allow reading the swarm's unlock key");
		break;
	default:
		break;
	}
	need(ns, section_name(d->section), acl->section[d->section], NULL);
	if (mk != M_READ && d->action != ACT_SWARM_INSPECT)
		need(ns, "POST", acl->post, "to allow write requests");
	if (mk == M_DELETE)
		need(ns, "DELETE", acl->delete_ != TOGGLE_OFF,
		     "to allow DELETE requests");
	if (mk == M_PUT)
		need(ns, "PUT", acl->put != TOGGLE_OFF,
		     "to allow PUT requests");
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

	const char *toggle = action_toggle(acl, d);
	if (toggle) {
		v->decision = DECISION_ALLOW;
		v->status = 0;
		v->rule = toggle;
		return;
	}

	struct needs ns;
	list_needs(acl, d, mk, &ns);

	size_t first = ns.n, missing = 0;
	for (size_t i = 0; i < ns.n; i++) {
		if (!ns.v[i].met) {
			if (first == ns.n)
				first = i;
			missing++;
		}
	}

	if (first == ns.n) {
		const char *rule = section_name(d->section);
		if (d->action == ACT_CONTAINER_EXEC || d->action == ACT_CONTAINER_ARCHIVE ||
		    d->action == ACT_CONTAINER_EXPORT || d->action == ACT_PLUGIN_PRIVILEGED ||
		    d->action == ACT_SWARM_UNLOCKKEY ||
		    (d->action == ACT_CONTAINER_CHECKPOINT && mk == M_POST))
			rule = ns.v[0].rule;
		v->decision = DECISION_ALLOW;
		v->status = 0;
		v->rule = rule;
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
	const char *hint = action_toggle_hint(d);
	if (hint)
		text_printf(&b, "; or set %s to allow only this action", hint);
}
