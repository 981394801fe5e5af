#include "filter.h"
#include "filter_rules.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hostpath.h"
#include "query.h"

void filters_defaults(struct filters *f, const char *socket_path)
{
	static const char *const always[] = { "/var/run/docker.sock", "/run/docker.sock",
					      "/proc" };

	memset(f, 0, sizeof(*f));
	f->defaults = true;
	snprintf(f->proxy_container_name, sizeof(f->proxy_container_name), "docker-proxy");
	for (size_t i = 0; i < sizeof(always) / sizeof(*always); i++)
		snprintf(f->protected_paths[f->n_protected_paths++], sizeof(f->protected_paths[0]),
			 "%s", always[i]);
	/* The upstream socket may live elsewhere; it is the one that matters most. */
	filters_protect(f, socket_path);
}

void filters_protect(struct filters *f, const char *path)
{
	char clean[sizeof(f->protected_paths[0]) + 2];
	size_t n = path_clean(path, strlen(path), clean, sizeof(clean));

	if (n == (size_t)-1 || n >= sizeof(f->protected_paths[0]) || clean[0] != '/' ||
	    f->n_protected_paths == FILTER_MAX_PROTECTED)
		return;
	for (size_t i = 0; i < f->n_protected_paths; i++)
		if (strcmp(f->protected_paths[i], clean) == 0)
			return;
	memcpy(f->protected_paths[f->n_protected_paths++], clean, n + 1);
}

void filters_free(struct filters *f)
{
	struct pattern_list *lists[] = {
		&f->vol_allowed_names,  &f->vol_denied_names,   &f->vol_allowed_paths,
		&f->vol_denied_paths,   &f->vol_allowed_drivers, &f->ctr_allowed_images,
		&f->ctr_denied_images,  &f->ctr_allowed_names,  &f->ctr_denied_names,
		&f->img_allowed_repos,  &f->img_denied_repos,   &f->img_allowed_tags,
		&f->img_denied_tags,    &f->net_allowed_names,  &f->net_denied_names,
		&f->net_allowed_drivers,
	};
	for (size_t i = 0; i < sizeof(lists) / sizeof(*lists); i++)
		pattern_list_free(lists[i]);
}

enum decision refuse(struct verdict *v, const char *rule, const char *why)
{
	return verdict_deny(v, 400, rule, "sockwall: %s", why);
}

enum decision check_list(struct verdict *v, const struct pattern_list *allowed,
				const struct pattern_list *denied, const char *value,
				const char *what, const char *allowed_key, const char *denied_key)
{
	size_t len = strlen(value);

	/* A deny list cannot vouch for what it cannot look at. */
	if ((denied->n || allowed->n) && !pattern_input_ok(value, len))
		return refuse(v, denied_key, "value too long to check against the filters");
	if (pattern_list_match(denied, value, len))
		return deny(v, denied_key, "sockwall: %s '%.*s%s' is denied by %s", what,
			    FILTER_SHOWN(value, FILTER_IMAGE_SHOWN), denied_key);
	if (allowed->n && !pattern_list_match(allowed, value, len))
		return deny(v, allowed_key, "sockwall: %s '%.*s%s' is not allowed by %s", what,
			    FILTER_SHOWN(value, FILTER_IMAGE_SHOWN), allowed_key);
	return DECISION_ALLOW;
}

bool copy_str(char *out, size_t cap, const struct str *s)
{
	size_t n = s->p ? s->len : 0;

	if (n >= cap || (n && memchr(s->p, '\0', n)))
		return false;
	if (n)
		memcpy(out, s->p, n);
	out[n] = '\0';
	return true;
}

bool str_prefix(const struct str *s, const char *prefix)
{
	size_t n = strlen(prefix);
	return s->p && s->len >= n && memcmp(s->p, prefix, n) == 0;
}

int query_single(const struct route_match *m, const char *key, char *out, size_t cap,
			struct verdict *v)
{
	bool trunc;
	int n = query_get(m->query, m->query_len, key, out, cap, &trunc);

	if (n > 1) {
		verdict_deny(v, 400, "query",
			     "sockwall: ambiguous query: parameter '%s' given %d times", key, n);
		return -1;
	}
	/* Podman reads "NAME=" as "name=", dockerd does not: one of them
	 * would act on a value sockwall did not judge */
	if (query_count_fold(m->query, m->query_len, key) != n) {
		verdict_deny(v, 400, "query",
			     "sockwall: ambiguous query: parameter '%s' given in another letter case",
			     key);
		return -1;
	}
	if (trunc) {
		refuse(v, "query", "query parameter too long");
		return -1;
	}
	return n;
}

enum add_result add_ref(struct filter_refs *refs, enum ref_kind kind, const char *s,
			       size_t len)
{
	/* dockerd resolves "/name" as "name"; asking for "/name" gets a redirect. */
	if (kind != REF_NETWORK && kind != REF_VOLUME && kind != REF_NET_JOIN && len > 1 &&
	    s[0] == '/') {
		s++;
		len--;
	}
	if (len == 0)
		return ADD_OK;
	if (len >= sizeof(refs->refs[0].ref) || memchr(s, '\0', len))
		return ADD_LONG;
	if (refs->n == FILTER_MAX_REFS)
		return ADD_FULL;
	struct container_ref *r = &refs->refs[refs->n++];
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->parent = REF_NO_PARENT;
	memcpy(r->ref, s, len);
	r->ref[len] = '\0';
	return ADD_OK;
}

enum decision added(enum add_result res, struct verdict *v)
{
	if (res == ADD_LONG)
		return refuse(v, "lookup",
			      "container, network or volume reference too long to check "
			      "(127 bytes at most)");
	if (res == ADD_FULL)
		return refuse(v, "lookup", "the request names too many containers and volumes to check");
	return DECISION_ALLOW;
}

bool filter_names_proxy(const struct filters *f, const char *name)
{
	if (*name == '/')
		name++;
	return f->proxy_container_name[0] && strcmp(name, f->proxy_container_name) == 0;
}

/* The part of "<ref>[:<more>]" before the first ':'. */
static size_t before_colon(const struct str *s)
{
	const char *colon = memchr(s->p, ':', s->len);
	return colon ? (size_t)(colon - s->p) : s->len;
}

/*
 * The references a container body makes: "container:<ref>" modes and
 * VolumesFrom "<ref>[:ro|rw]" share a container (whose own powers are
 * judged, so they are asked about whenever a rule could refuse them);
 * Links name one; named volumes may be binds created elsewhere.
 */
static enum decision add_body_refs(const struct filters *f, const struct body_facts *b,
				   struct filter_refs *refs, struct verdict *v)
{
	const struct str *modes[] = { &b->network_mode, &b->pid_mode, &b->ipc_mode };
	bool shares = f->defaults || f->hardened || f->deny_privileged || f->deny_host_network;
	enum add_result res = ADD_OK;

	for (size_t i = 0; shares && i < sizeof(modes) / sizeof(*modes); i++)
		if (str_prefix(modes[i], "container:") && res == ADD_OK)
			res = add_ref(refs, REF_SHARE, modes[i]->p + 10, modes[i]->len - 10);
	for (size_t i = 0; shares && i < b->n_volumes_from && res == ADD_OK; i++)
		res = add_ref(refs, REF_SHARE, b->volumes_from[i].p, before_colon(&b->volumes_from[i]));
	for (size_t i = 0; f->defaults && i < b->n_links && res == ADD_OK; i++)
		res = add_ref(refs, REF_LINK, b->links[i].p, before_colon(&b->links[i]));
	if (f->defaults || f->vol_allowed_paths.n || f->vol_denied_paths.n)
		for (size_t i = 0; i < b->n_volumes && res == ADD_OK; i++)
			res = add_ref(refs, REF_VOLUME, b->volumes[i].p, b->volumes[i].len);
	return added(res, v);
}

static bool targets_container(enum route_action a)
{
	switch (a) {
	case ACT_CONTAINER_STOP:
	case ACT_CONTAINER_KILL:
	case ACT_CONTAINER_RESTART:
	case ACT_CONTAINER_PAUSE:
	case ACT_CONTAINER_UNPAUSE:
	case ACT_CONTAINER_DELETE:
	case ACT_CONTAINER_UPDATE:
	case ACT_CONTAINER_RENAME:
	case ACT_CONTAINER_EXEC:
	case ACT_CONTAINER_ATTACH:
	case ACT_CONTAINER_ATTACH_WS:
	case ACT_CONTAINER_ARCHIVE:
	case ACT_CONTAINER_EXPORT:
	case ACT_CONTAINER_RESIZE:
	case ACT_CONTAINER_CHECKPOINT:
		return true;
	default:
		return false;
	}
}

bool filter_applies(const struct filters *f, enum route_action a)
{
	switch (a) {
	case ACT_CONTAINER_CREATE:
	case ACT_CONTAINER_START:
	case ACT_CONTAINER_UPDATE:
	case ACT_CONTAINER_RENAME:
	case ACT_IMAGE_CREATE:
	case ACT_IMAGE_TAG:
	case ACT_COMMIT:
	case ACT_BUILD:
	case ACT_VOLUME_CREATE:
	case ACT_VOLUME_DELETE:
	case ACT_NETWORK_CREATE:
	case ACT_NETWORK_DELETE:
	case ACT_NETWORK_CONNECT:
	case ACT_NETWORK_DISCONNECT:
	case ACT_SERVICE_CREATE:
	case ACT_SERVICE_UPDATE:
	case ACT_CONTAINER_EXEC:
	case ACT_IMAGE_LOAD:
		return true;
	case ACT_IMAGE_DELETE:
		return f->defaults;
	default:
		return f->defaults && (targets_container(a) || route_stops_pod(a));
	}
}

static enum decision check_labels(const struct filters *f, const struct body_facts *b,
				  struct verdict *v)
{
	for (size_t i = 0; i < f->n_require_labels; i++) {
		const char *k = f->require_labels[i][0], *want = f->require_labels[i][1];
		bool ok = false;
		for (size_t j = 0; j < b->n_labels && !ok; j++) {
			const struct kv *l = &b->labels[j];
			ok = l->key.len == strlen(k) && memcmp(l->key.p, k, l->key.len) == 0 &&
			     (!*want || (l->value.p && l->value.len == strlen(want) &&
					 memcmp(l->value.p, want, l->value.len) == 0));
		}
		if (!ok)
			return deny(v, "DKRPRX__CONTAINERS__REQUIRE_LABELS",
				    "sockwall: label %s%s%s is required by "
				    "DKRPRX__CONTAINERS__REQUIRE_LABELS",
				    k, *want ? "=" : "", want);
	}
	return DECISION_ALLOW;
}

static enum decision judge_container_create(const struct filters *f, const struct route_match *m,
					    const struct body_facts *b, struct filter_refs *refs,
					    struct verdict *v)
{
	char name[FILTER_NAME_MAX * 2], image[IMAGEREF_MAX];

	int n = query_single(m, "name", name, sizeof(name), v);
	if (n < 0)
		return DECISION_DENY;
	if (n == 1 && *name) {
		const char *bare = name[0] == '/' ? name + 1 : name;
		if (f->defaults && filter_names_proxy(f, name))
			return deny(v, "default:proxy-container",
				    "sockwall: the name '%s' belongs to the proxy's own container "
				    "(PROXY_CONTAINER_NAME=%s)",
				    bare, f->proxy_container_name);
		if (check_list(v, &f->ctr_allowed_names, &f->ctr_denied_names, bare,
			       "container name", "DKRPRX__CONTAINERS__ALLOWED_NAMES",
			       "DKRPRX__CONTAINERS__DENIED_NAMES") == DECISION_DENY)
			return DECISION_DENY;
	} else if (f->ctr_allowed_names.n) {
		return deny(v, "DKRPRX__CONTAINERS__ALLOWED_NAMES",
			    "sockwall: an unnamed container cannot match "
			    "DKRPRX__CONTAINERS__ALLOWED_NAMES");
	}
	if (!copy_str(image, sizeof(image), &b->image))
		return refuse(v, "image", "image reference too long");
	if (filter_image_ref(f, image, NULL, true, v) == DECISION_DENY)
		return DECISION_DENY;
	if (check_labels(f, b, v) == DECISION_DENY)
		return DECISION_DENY;
	if (powers_judge_body(f, b, v) == DECISION_DENY)
		return DECISION_DENY;
	return add_body_refs(f, b, refs, v);
}

/* A name in the path, whole, for a name filter. */
static enum decision path_name(const struct route_match *m, char *buf, size_t cap,
			       struct verdict *v)
{
	buf[0] = '\0';
	if (!m->name)
		return DECISION_ALLOW;
	if (m->name_len >= cap)
		return refuse(v, "lookup", "name too long to check (127 bytes at most)");
	memcpy(buf, m->name, m->name_len);
	buf[m->name_len] = '\0';
	return DECISION_ALLOW;
}

static enum decision judge_service(const struct filters *f, const struct acl *acl,
				   const struct body_facts *b, struct filter_refs *refs,
				   struct verdict *v)
{
	char image[IMAGEREF_MAX];

	if (b->n_secrets && !acl->section[SEC_SECRETS])
		return deny(v, "SECRETS",
			    "sockwall: a service that uses secrets needs SECRETS=1 as well");
	if (b->n_configs && !acl->section[SEC_CONFIGS])
		return deny(v, "CONFIGS",
			    "sockwall: a service that uses configs needs CONFIGS=1 as well");
	if (!copy_str(image, sizeof(image), &b->image))
		return refuse(v, "image", "image reference too long");
	if (filter_image_ref(f, image, NULL, true, v) == DECISION_DENY ||
	    powers_judge_service(f, b, v) == DECISION_DENY)
		return DECISION_DENY;
	/* A network given by ID (or prefix) may be the host's: ask. */
	for (size_t i = 0; (f->deny_host_network || f->hardened) && i < b->n_networks; i++)
		if (added(add_ref(refs, REF_NET_JOIN, b->networks[i].p, b->networks[i].len), v) ==
		    DECISION_DENY)
			return DECISION_DENY;
	return add_body_refs(f, b, refs, v);
}

static enum decision judge_name_lists(const struct filters *f, const struct body_facts *b,
				      enum route_action a, struct verdict *v)
{
	char buf[FILTER_NAME_MAX * 2];
	bool volume = a == ACT_VOLUME_CREATE;
	const struct pattern_list *allowed = volume ? &f->vol_allowed_names : &f->net_allowed_names;
	const struct pattern_list *drivers = volume ? &f->vol_allowed_drivers
						    : &f->net_allowed_drivers;
	const char *kind = volume ? "volume" : "network";
	const char *allow_key = volume ? "DKRPRX__VOLUMES__ALLOWED_NAMES"
				       : "DKRPRX__NETWORKS__ALLOWED_NAMES";
	const char *deny_key = volume ? "DKRPRX__VOLUMES__DENIED_NAMES"
				      : "DKRPRX__NETWORKS__DENIED_NAMES";
	const char *drivers_key = volume ? "DKRPRX__VOLUMES__ALLOWED_DRIVERS"
					 : "DKRPRX__NETWORKS__ALLOWED_DRIVERS";
	char what[32];

	if (!copy_str(buf, sizeof(buf), &b->name))
		return refuse(v, "lookup", "name too long to check");
	snprintf(what, sizeof(what), "%s name", kind);
	/* a volume may be unnamed (dockerd makes one up); a network may not */
	if ((!volume || buf[0] || allowed->n) &&
	    check_list(v, allowed, volume ? &f->vol_denied_names : &f->net_denied_names, buf, what,
		       allow_key, deny_key) == DECISION_DENY)
		return DECISION_DENY;
	if (!copy_str(buf, sizeof(buf), &b->driver))
		return refuse(v, "lookup", "driver name too long to check");
	if (!buf[0])
		strcpy(buf, volume ? "local" : "bridge");
	if (drivers->n && !pattern_list_match(drivers, buf, strlen(buf)))
		return deny(v, drivers_key, "sockwall: %s driver '%s' is not allowed by %s", kind,
			    buf, drivers_key);
	return DECISION_ALLOW;
}

enum decision filter_judge(const struct filters *f, const struct acl *acl,
			   const struct route_match *m, const struct body_facts *b,
			   struct filter_refs *refs, struct verdict *v)
{
	char buf[FILTER_NAME_MAX * 2];
	enum route_action a = m->def ? m->def->action : ACT_OTHER;
	enum add_result res = ADD_OK;

	refs->n = 0;
	refs->n_dests = 0;
	refs->loads_any_name = false;
	v->decision = DECISION_ALLOW;
	v->status = 0;
	if (m->query && !query_valid(m->query, m->query_len))
		return refuse(v, "query", "malformed query string");

	if (f->defaults && b->host_fs_type.p)
		return deny(v, "default:host-filesystem",
			    "sockwall: a local volume of type %.*s mounts a host filesystem (which "
			    "holds the Docker socket); denied by the default protections",
			    (int)(b->host_fs_type.len < 32 ? b->host_fs_type.len : 32),
			    b->host_fs_type.p);
	if (hostpath_judge_body(f, b, v) == DECISION_DENY)
		return DECISION_DENY;

	switch (a) {
	case ACT_CONTAINER_CREATE:
		if (judge_container_create(f, m, b, refs, v) == DECISION_DENY)
			return DECISION_DENY;
		break;
	case ACT_CONTAINER_START:
		if (query_single(m, "checkpoint-dir", buf, sizeof(buf), v) < 0)
			return DECISION_DENY;
		if (*buf && f->defaults)
			return deny(v, "default:root-path",
				    "sockwall: restoring from a checkpoint directory on the host "
				    "(checkpoint-dir=) is refused by the default protections");
		/* Below API 1.24 a start body is a HostConfig. */
		if (powers_judge_body(f, b, v) == DECISION_DENY ||
		    add_body_refs(f, b, refs, v) == DECISION_DENY)
			return DECISION_DENY;
		break;
	case ACT_CONTAINER_UPDATE:
	case ACT_CONTAINER_EXEC: /* an exec's Privileged */
		if (powers_judge_body(f, b, v) == DECISION_DENY)
			return DECISION_DENY;
		break;
	case ACT_CONTAINER_CHECKPOINT:
		/* CRIU reads and writes (and DELETE removes) a host directory */
		if (query_single(m, "dir", buf, sizeof(buf), v) < 0)
			return DECISION_DENY;
		if (*buf && f->defaults)
			return deny(v, "default:root-path",
				    "sockwall: a checkpoint directory on the host (dir=) is a host path "
				    "sockwall cannot judge; it is refused by the default protections");
		break;
	case ACT_CONTAINER_RENAME:
		if (query_single(m, "name", buf, sizeof(buf), v) < 0)
			return DECISION_DENY;
		if (f->defaults && filter_names_proxy(f, buf))
			return deny(v, "default:proxy-container",
				    "sockwall: the name '%s' belongs to the proxy's own container "
				    "(PROXY_CONTAINER_NAME=%s)",
				    buf, f->proxy_container_name);
		break;
	case ACT_COMMIT:
		if (query_single(m, "container", buf, sizeof(buf), v) < 0)
			return DECISION_DENY;
		if (f->defaults)
			res = add_ref(refs, REF_TARGET, buf, strlen(buf));
		if (added(res, v) == DECISION_DENY)
			return DECISION_DENY;
		__attribute__((fallthrough)); /* to the image it writes */
	case ACT_IMAGE_CREATE:
	case ACT_IMAGE_TAG:
	case ACT_IMAGE_LOAD:
	case ACT_BUILD:
		if (filter_judge_images(f, acl, m, refs, v) == DECISION_DENY)
			return DECISION_DENY;
		refs->loads_any_name = a == ACT_IMAGE_LOAD && f->defaults && !acl->allow_image_load;
		if (refs->n_dests || refs->loads_any_name)
			res = add_ref(refs, REF_PROXY_IMAGE, f->proxy_container_name,
				      strlen(f->proxy_container_name));
		break;
	case ACT_VOLUME_CREATE:
	case ACT_NETWORK_CREATE:
		if (judge_name_lists(f, b, a, v) == DECISION_DENY)
			return DECISION_DENY;
		break;
	case ACT_VOLUME_DELETE:
	case ACT_NETWORK_DELETE: {
		bool volume = a == ACT_VOLUME_DELETE;
		const char *key = volume ? "DKRPRX__VOLUMES__DENIED_NAMES"
					 : "DKRPRX__NETWORKS__DENIED_NAMES";
		if (path_name(m, buf, FILTER_NAME_MAX, v) == DECISION_DENY)
			return DECISION_DENY;
		/* dockerd has no force= here; Podman's Docker route reads it and
		 * removes every container on the network, the proxy's too */
		if (!volume && f->defaults && query_flag_any(m->query, m->query_len, "force"))
			return deny(v, "default:proxy-container",
				    "sockwall: force on a network removal makes Podman remove every "
				    "container on the network, the proxy's own included; it is refused "
				    "by the default protections");
		if (pattern_list_match(volume ? &f->vol_denied_names : &f->net_denied_names, buf,
				       strlen(buf)))
			return deny(v, key, "sockwall: %s '%s' is denied by %s",
				    volume ? "volume" : "network", buf, key);
		if (!volume && f->defaults && f->proxy_network_name[0])
			res = add_ref(refs, REF_NETWORK, buf, strlen(buf));
		break;
	}
	case ACT_NETWORK_CONNECT:
	case ACT_NETWORK_DISCONNECT:
		if (f->defaults)
			res = add_ref(refs, REF_TARGET, b->container.p,
				      b->container.p ? b->container.len : 0);
		break;
	case ACT_IMAGE_DELETE:
		if (f->defaults && filter_judge_image_delete(f, m, refs, v) == DECISION_DENY)
			return DECISION_DENY;
		break;
	case ACT_CONTAINER_DELETE:
		/* libpod's depend= also removes every container that depends
		 * on this one (one that shares its namespaces, say): those are
		 * not looked up, so only the false spellings pass. */
		if (m->def->section != SEC_LIBPOD_CONTAINERS)
			break;
		if (f->defaults && query_flag_any(m->query, m->query_len, "depend"))
			return deny(v, "default:proxy-container",
				    "sockwall: depend removes the containers that depend on this one "
				    "too, which sockwall does not look up; remove them one by one");
		break;
	case ACT_SERVICE_CREATE:
	case ACT_SERVICE_UPDATE:
		if (judge_service(f, acl, b, refs, v) == DECISION_DENY)
			return DECISION_DENY;
		break;
	default:
		/* a pod's containers stop with it: is the proxy's among them? */
		if (f->defaults && route_stops_pod(a) && m->name) {
			res = add_ref(refs, REF_POD, m->name, m->name_len);
			if (res == ADD_OK)
				res = add_ref(refs, REF_PROXY_POD, f->proxy_container_name,
					      strlen(f->proxy_container_name));
		}
		break;
	}
	if (added(res, v) == DECISION_DENY)
		return DECISION_DENY;
	if (f->defaults && targets_container(a) && m->name) {
		size_t first = refs->n;
		if (added(add_ref(refs, REF_TARGET, m->name, m->name_len), v) == DECISION_DENY)
			return DECISION_DENY;
		/* A file planted in a container, or a line typed into its
		 * stdin, runs there: writing is exec there. */
		bool writes = (a == ACT_CONTAINER_ARCHIVE && m->def->method[1] == 'U') ||
			      a == ACT_CONTAINER_ATTACH_WS;
		if (a == ACT_CONTAINER_ATTACH) /* in any case, any of its values */
			writes = query_flag_any(m->query, m->query_len, "stdin");
		if (refs->n > first)
			refs->refs[first].writes = writes;
	}
	return DECISION_ALLOW;
}
