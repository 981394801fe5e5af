#include "filter.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hostpath.h"
#include "imageref.h"
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

#define deny(v, rule, ...) verdict_deny(v, 403, rule, __VA_ARGS__)

static enum decision refuse(struct verdict *v, const char *rule, const char *why)
{
	return verdict_deny(v, 400, rule, "sockwall: %s", why);
}

/* Deny patterns first, then the allow list when one is set. */
static enum decision check_list(struct verdict *v, const struct pattern_list *allowed,
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

/* A body string as a C string: what does not fit is not judged shortened. */
static bool copy_str(char *out, size_t cap, const struct str *s)
{
	size_t n = s->p ? s->len : 0;

	if (n >= cap || (n && memchr(s->p, '\0', n)))
		return false;
	if (n)
		memcpy(out, s->p, n);
	out[n] = '\0';
	return true;
}

static bool str_prefix(const struct str *s, const char *prefix)
{
	size_t n = strlen(prefix);
	return s->p && s->len >= n && memcmp(s->p, prefix, n) == 0;
}

/*
 * Repository and tag filters on one image reference.  An image given by ID
 * has no repository to check: allow lists cannot be satisfied by it.
 */
static enum decision check_image_ref(const struct filters *f, const char *image,
				     const char *extra_tag, bool container_filters,
				     struct verdict *v)
{
	struct imageref ref;
	const char *why;
	char with_tag[IMAGEREF_MAX + 140];

	bool any_allow = f->img_allowed_repos.n || f->img_allowed_tags.n ||
			 (container_filters && f->ctr_allowed_images.n);

	if (!*image)
		return DECISION_ALLOW;
	if (!pattern_input_ok(image, strlen(image)))
		return refuse(v, "image", "image reference too long");
	/*
	 * dockerd falls back to an image ID prefix when no image has the name:
	 * "3f5" may run any local image.  An allow list cannot vouch for that.
	 */
	const char *allow_key = container_filters && f->ctr_allowed_images.n
					? "DKRPRX__CONTAINERS__ALLOWED_IMAGES"
				: f->img_allowed_repos.n ? "DKRPRX__IMAGES__ALLOWED_REPOS"
							 : "DKRPRX__IMAGES__ALLOWED_TAGS";
	if (any_allow && strspn(image, "0123456789abcdef") == strlen(image))
		return deny(v, allow_key,
			    "sockwall: image '%.*s%s' could be an image ID prefix, which %s cannot "
			    "vouch for; give the full name (e.g. docker.io/library/<name>:tag)",
			    FILTER_SHOWN(image, FILTER_IMAGE_SHOWN), allow_key);
	if (imageref_parse(image, strlen(image), &ref, &why) < 0) {
		if (any_allow)
			return deny(v, "DKRPRX__IMAGES__ALLOWED_REPOS",
				    "sockwall: image '%.*s%s' cannot be checked against the allow "
				    "lists (%s)",
				    FILTER_SHOWN(image, FILTER_IMAGE_SHOWN), why);
		return DECISION_ALLOW;
	}
	if (extra_tag && *extra_tag) {
		if (strncmp(extra_tag, "sha256:", 7) == 0)
			snprintf(ref.digest, sizeof(ref.digest), "%s", extra_tag);
		else
			snprintf(ref.tag, sizeof(ref.tag), "%s", extra_tag);
	}
	const char *tag = ref.tag[0] || ref.digest[0] ? ref.tag : "latest";
	/* A pattern may be written for the short or the full name: try both. */
	const char *names[2] = { ref.familiar, ref.full };
	for (int i = 0; i < 2; i++) {
		if (pattern_list_match(&f->img_denied_repos, names[i], strlen(names[i])))
			return deny(v, "DKRPRX__IMAGES__DENIED_REPOS",
				    "sockwall: image repository '%.*s%s' is denied by "
				    "DKRPRX__IMAGES__DENIED_REPOS",
				    FILTER_SHOWN(ref.familiar, FILTER_IMAGE_SHOWN));
	}
	if (f->img_allowed_repos.n &&
	    !pattern_list_match(&f->img_allowed_repos, ref.familiar, strlen(ref.familiar)) &&
	    !pattern_list_match(&f->img_allowed_repos, ref.full, strlen(ref.full)))
		return deny(v, "DKRPRX__IMAGES__ALLOWED_REPOS",
			    "sockwall: image repository '%.*s%s' is not allowed by "
			    "DKRPRX__IMAGES__ALLOWED_REPOS",
			    FILTER_SHOWN(ref.familiar, FILTER_IMAGE_SHOWN));
	if (*tag && check_list(v, &f->img_allowed_tags, &f->img_denied_tags, tag, "image tag",
			       "DKRPRX__IMAGES__ALLOWED_TAGS",
			       "DKRPRX__IMAGES__DENIED_TAGS") == DECISION_DENY)
		return DECISION_DENY;
	if (!container_filters)
		return DECISION_ALLOW;
	for (int i = 0; i < 2; i++) {
		snprintf(with_tag, sizeof(with_tag), "%s%s%s%s%s", names[i], ref.tag[0] ? ":" : "",
			 ref.tag, ref.digest[0] ? "@" : "", ref.digest);
		if (pattern_list_match(&f->ctr_denied_images, with_tag, strlen(with_tag)) ||
		    pattern_list_match(&f->ctr_denied_images, names[i], strlen(names[i])))
			return deny(v, "DKRPRX__CONTAINERS__DENIED_IMAGES",
				    "sockwall: image '%.*s%s' is denied by "
				    "DKRPRX__CONTAINERS__DENIED_IMAGES",
				    FILTER_SHOWN(image, FILTER_IMAGE_SHOWN));
	}
	if (f->ctr_allowed_images.n) {
		bool ok = false;
		for (int i = 0; i < 2 && !ok; i++) {
			snprintf(with_tag, sizeof(with_tag), "%s%s%s%s%s", names[i],
				 ref.tag[0] ? ":" : "", ref.tag, ref.digest[0] ? "@" : "",
				 ref.digest);
			ok = pattern_list_match(&f->ctr_allowed_images, with_tag, strlen(with_tag)) ||
			     pattern_list_match(&f->ctr_allowed_images, names[i], strlen(names[i]));
		}
		if (!ok)
			return deny(v, "DKRPRX__CONTAINERS__ALLOWED_IMAGES",
				    "sockwall: image '%.*s%s' is not allowed by "
				    "DKRPRX__CONTAINERS__ALLOWED_IMAGES",
				    FILTER_SHOWN(image, FILTER_IMAGE_SHOWN));
	}
	return DECISION_ALLOW;
}

/* Reads a query parameter the policy depends on: given once, or refused. */
static int query_single(const struct route_match *m, const char *key, char *out, size_t cap,
			struct verdict *v)
{
	bool trunc;
	int n = query_get(m->query, m->query_len, key, out, cap, &trunc);

	if (n > 1) {
		char why[96];
		snprintf(why, sizeof(why), "ambiguous query: parameter '%s' given %d times", key, n);
		refuse(v, "query", why);
		return -1;
	}
	/* Podman reads "NAME=" as "name=", dockerd does not: one of them
	 * would act on a value sockwall did not judge */
	if (query_count_fold(m->query, m->query_len, key) != n) {
		char why[112];
		snprintf(why, sizeof(why),
			 "ambiguous query: parameter '%s' given in another letter case", key);
		refuse(v, "query", why);
		return -1;
	}
	if (trunc) {
		refuse(v, "query", "query parameter too long");
		return -1;
	}
	return n;
}

/*
 * A reference is asked about exactly as given, or not at all: one that
 * does not fit our buffers is refused (ADD_LONG), never shortened into
 * another name or ID prefix.
 */
enum add_result { ADD_OK, ADD_FULL, ADD_LONG };

static enum add_result add_ref(struct filter_refs *refs, enum ref_kind kind, const char *s,
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

static enum decision added(enum add_result res, struct verdict *v)
{
	if (res == ADD_LONG)
		return refuse(v, "lookup",
			      "container, network or volume reference too long to check "
			      "(127 bytes at most)");
	if (res == ADD_FULL)
		return refuse(v, "lookup", "the request names too many containers and volumes to check");
	return DECISION_ALLOW;
}

/*
 * Podman, on its Docker route as on libpod's, removes every container that
 * uses an image removed with force=true, running ones included; dockerd
 * refuses to.  So the image must not be the proxy's own container's: both
 * are looked up and their IDs compared (filter_refs.c).
 */
static enum decision judge_image_delete(const struct filters *f, const struct route_match *m,
					struct filter_refs *refs, struct verdict *v)
{
	if (!query_flag_any(m->query, m->query_len, "force"))
		return DECISION_ALLOW;
	if (!m->name) /* libpod's images=...&images=...: many names at once */
		return deny(v, "default:proxy-container",
			    "sockwall: removing several images with force=true is refused by the "
			    "default protections (Podman removes the containers using them, the "
			    "proxy's own included); remove them one by one through "
			    "DELETE /images/{name}");
	enum add_result res = add_ref(refs, REF_IMAGE, m->name, m->name_len);
	if (res == ADD_OK)
		res = add_ref(refs, REF_PROXY_IMAGE, f->proxy_container_name,
			      strlen(f->proxy_container_name));
	return added(res, v);
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

static bool image_filters(const struct filters *f)
{
	return f->img_allowed_repos.n || f->img_denied_repos.n || f->img_allowed_tags.n ||
	       f->img_denied_tags.n || f->ctr_allowed_images.n || f->ctr_denied_images.n;
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
		return true;
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
	if (check_image_ref(f, image, NULL, true, v) == DECISION_DENY)
		return DECISION_DENY;
	if (check_labels(f, b, v) == DECISION_DENY)
		return DECISION_DENY;
	if (powers_judge_body(f, b, v) == DECISION_DENY)
		return DECISION_DENY;
	return add_body_refs(f, b, refs, v);
}

/*
 * A name an image is written to (tag, commit, import, build -t): judged
 * like a pull, with the container image filters too (else any image could
 * be retagged as an approved one), and kept, normalised, to compare with
 * the image of the proxy's own container.
 */
static enum decision judge_image_dest(const struct filters *f, const char *image,
				      const char *tag, struct filter_refs *refs, struct verdict *v)
{
	struct imageref ref;
	const char *why;

	if (!*image)
		return DECISION_ALLOW;
	if (check_image_ref(f, image, tag, true, v) == DECISION_DENY)
		return DECISION_DENY;
	if (!f->defaults || imageref_parse(image, strlen(image), &ref, &why) < 0)
		return DECISION_ALLOW; /* dockerd refuses what is no reference */
	if (refs->n_dests == FILTER_MAX_IMAGE_DESTS)
		return refuse(v, "query", "too many image names to check");
	const char *t = tag && *tag ? tag : ref.tag[0] ? ref.tag : "latest";
	int n = snprintf(refs->image_dests[refs->n_dests], IMAGEREF_MAX, "%s:%s", ref.full, t);
	if (n < 0 || n >= IMAGEREF_MAX)
		return refuse(v, "image", "image reference too long");
	refs->n_dests++;
	return DECISION_ALLOW;
}

/*
 * fromSrc and remote name a URL that dockerd fetches from the host's
 * network.  "-" (an import from the body) and BuildKit's markers for a
 * context the client sends itself are no fetch.
 */
static enum decision judge_fetch(const struct acl *acl, const char *url, bool is_import,
				 struct verdict *v)
{
	bool local = is_import ? strcmp(url, "-") == 0
			       : strcmp(url, "client-session") == 0 ||
					 strcmp(url, "upload-request") == 0;
	if (!*url || local || acl->allow_url_fetch)
		return DECISION_ALLOW;
	return deny(v, "ALLOW_URL_FETCH",
		    "sockwall: %s makes dockerd fetch a URL from the host's network (host-local "
		    "services included); set ALLOW_URL_FETCH=1 to allow it",
		    is_import ? "an import from fromSrc" : "a build from remote");
}

/*
 * The build parameters dockerd reads (docs/routes.md), but securityopt and
 * isolation, which dockerd refuses on Linux.  Podman's Docker route reads
 * many more (devices, addcaps, nsoptions, securityopt, volume, rusagelogfile,
 * ...): host devices, namespaces, binds and files for the RUN steps.
 */
static const char *const dockerd_build_params[] = {
	"t", "remote", "networkmode", "cgroupparent", "outputs", "extrahosts", "shmsize",
	"ulimits", "memory", "memswap", "cpushares", "cpusetcpus", "cpusetmems", "cpuperiod",
	"cpuquota", "buildargs", "cachefrom", "dockerfile", "target", "platform", "labels", "q",
	"nocache", "rm", "forcerm", "pull", "squash", "session", "buildid", "version",
};

static enum decision judge_build(const struct filters *f, const struct acl *acl,
				 const struct route_match *m, struct filter_refs *refs,
				 struct verdict *v)
{
	char buf[IMAGEREF_MAX];
	bool trunc;

	if (f->defaults &&
	    query_unknown_key(m->query, m->query_len, dockerd_build_params,
			      sizeof(dockerd_build_params) / sizeof(*dockerd_build_params), buf, 64))
		return deny(v, "default:build-parameter",
			    "sockwall: build parameter '%s' is not one dockerd reads on Linux; "
			    "Podman reads such parameters (host devices, namespaces, binds, files "
			    "for the build) and sockwall does not judge them: refused by the "
			    "default protections",
			    buf);

	if (query_single(m, "remote", buf, sizeof(buf), v) < 0 ||
	    judge_fetch(acl, buf, false, v) == DECISION_DENY)
		return DECISION_DENY;
	/* The classic builder runs each RUN step with this NetworkMode. */
	if (query_single(m, "networkmode", buf, sizeof(buf), v) < 0)
		return DECISION_DENY;
	struct str mode = { buf, strlen(buf) };
	if (strcmp(buf, "host") == 0 && (f->deny_host_network || f->hardened))
		return deny(v, "DKRPRX__CONTAINERS__DENY_HOST_NETWORK",
			    "sockwall: host network for a build is denied by %s",
			    f->deny_host_network ? "DKRPRX__CONTAINERS__DENY_HOST_NETWORK"
						 : "DKRPRX__CONTAINERS__HARDENED (as "
						   "DKRPRX__CONTAINERS__DENY_HOST_NETWORK)");
	if (str_prefix(&mode, "container:") &&
	    added(add_ref(refs, REF_SHARE, buf + 10, mode.len - 10), v) == DECISION_DENY)
		return DECISION_DENY;
	if (query_single(m, "cgroupparent", buf, sizeof(buf), v) < 0)
		return DECISION_DENY;
	if (*buf && f->hardened)
		return deny(v, "DKRPRX__CONTAINERS__HARDENED",
			    "sockwall: a build's cgroupparent is denied by DKRPRX__CONTAINERS__HARDENED");
	/* docker build -t a -t b repeats t: every one is checked. */
	if (query_count_fold(m->query, m->query_len, "t") !=
	    query_get(m->query, m->query_len, "t", buf, sizeof(buf), &trunc))
		return refuse(v, "query", "ambiguous query: parameter 't' given in another letter case");
	for (int i = 0; query_get_nth(m->query, m->query_len, "t", i, buf, sizeof(buf), &trunc);
	     i++) {
		if (trunc)
			return refuse(v, "query", "query parameter too long");
		if (judge_image_dest(f, buf, NULL, refs, v) == DECISION_DENY)
			return DECISION_DENY;
	}
	return DECISION_ALLOW;
}

static enum decision judge_images(const struct filters *f, const struct acl *acl,
				  const struct route_match *m, struct filter_refs *refs,
				  struct verdict *v)
{
	char image[IMAGEREF_MAX], tag[160], src[IMAGEREF_MAX];
	enum route_action a = m->def->action;

	if (a == ACT_IMAGE_CREATE) {
		if (query_single(m, "fromImage", image, sizeof(image), v) < 0 ||
		    query_single(m, "tag", tag, sizeof(tag), v) < 0 ||
		    query_single(m, "fromSrc", src, sizeof(src), v) < 0)
			return DECISION_DENY;
		if (image[0] || !src[0]) /* a pull: the registry's image under its own name */
			return check_image_ref(f, image, tag, false, v);
		/* An import (fromSrc) writes its content under repo. */
		if (judge_fetch(acl, src, true, v) == DECISION_DENY ||
		    query_single(m, "repo", image, sizeof(image), v) < 0)
			return DECISION_DENY;
		return judge_image_dest(f, image, tag, refs, v);
	}
	if (a == ACT_IMAGE_TAG || a == ACT_COMMIT) {
		if (query_single(m, "repo", image, sizeof(image), v) < 0 ||
		    query_single(m, "tag", tag, sizeof(tag), v) < 0)
			return DECISION_DENY;
		/* A tag's source must pass too: an approved name on any image is no approval. */
		if (a == ACT_IMAGE_TAG && image_filters(f) && m->name) {
			if (m->name_len >= sizeof(src))
				return refuse(v, "image", "image reference too long");
			memcpy(src, m->name, m->name_len);
			src[m->name_len] = '\0';
			if (check_image_ref(f, src, NULL, true, v) == DECISION_DENY)
				return DECISION_DENY;
		}
		return judge_image_dest(f, image, tag, refs, v);
	}
	if (a == ACT_IMAGE_LOAD && image_filters(f))
		return deny(v, "DKRPRX__IMAGES__ALLOWED_REPOS",
			    "sockwall: POST /images/load is denied while image filters are set "
			    "(DKRPRX__IMAGES__* or DKRPRX__CONTAINERS__*_IMAGES): the names inside "
			    "a tarball cannot be checked");
	if (a == ACT_BUILD)
		return judge_build(f, acl, m, refs, v);
	return DECISION_ALLOW;
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
	if (check_image_ref(f, image, NULL, true, v) == DECISION_DENY ||
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
		if (judge_images(f, acl, m, refs, v) == DECISION_DENY)
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
		if (f->defaults && judge_image_delete(f, m, refs, v) == DECISION_DENY)
			return DECISION_DENY;
		break;
	case ACT_CONTAINER_DELETE:
		/* libpod's depend= also removes every container that depends
		 * on this one (one that shares its namespaces, say): those are
		 * not looked up, so only the false spellings pass. */
		if (strncmp(m->def->pattern, "/libpod/", 8) != 0)
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
