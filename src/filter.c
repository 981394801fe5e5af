#include "filter.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "imageref.h"
#include "query.h"

#define PATH_BUF 4096

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
	char clean[sizeof(f->protected_paths[0]) + 2];
	size_t n = path_clean(socket_path, strlen(socket_path), clean, sizeof(clean));
	if (n != (size_t)-1 && n < sizeof(f->protected_paths[0]) && clean[0] == '/') {
		bool known = false;
		for (size_t i = 0; i < f->n_protected_paths; i++)
			known |= strcmp(f->protected_paths[i], clean) == 0;
		if (!known)
			memcpy(f->protected_paths[f->n_protected_paths++], clean, n + 1);
	}
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

__attribute__((format(printf, 3, 4)))
static enum decision deny(struct verdict *v, const char *rule, const char *fmt, ...)
{
	va_list ap;

	v->decision = DECISION_DENY;
	v->status = 403;
	v->rule = rule;
	va_start(ap, fmt);
	vsnprintf(v->message, sizeof(v->message), fmt, ap);
	va_end(ap);
	return DECISION_DENY;
}

static enum decision refuse(struct verdict *v, const char *rule, const char *why)
{
	v->decision = DECISION_DENY;
	v->status = 400;
	v->rule = rule;
	snprintf(v->message, sizeof(v->message), "sockwall: %s", why);
	return DECISION_DENY;
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
		return deny(v, denied_key, "sockwall: %s '%.80s' is denied by %s", what, value,
			    denied_key);
	if (allowed->n && !pattern_list_match(allowed, value, len))
		return deny(v, allowed_key, "sockwall: %s '%.80s' is not allowed by %s", what,
			    value, allowed_key);
	return DECISION_ALLOW;
}

static void copy_str(char *out, size_t cap, const struct str *s)
{
	size_t n = s->p ? (s->len < cap - 1 ? s->len : cap - 1) : 0;

	if (n)
		memcpy(out, s->p, n);
	out[n] = '\0';
}

bool filter_path_is_protected(const struct filters *f, const char *path, size_t len)
{
	for (size_t i = 0; i < f->n_protected_paths; i++)
		if (path_exposes(path, len, f->protected_paths[i], strlen(f->protected_paths[i])))
			return true;
	/* Anything under /proc: /proc/<pid>/root and cwd lead to the host's "/". */
	return path_exposes("/proc", 5, path, len);
}

static enum decision check_path(const struct filters *f, const struct host_path *hp,
				struct verdict *v);

/* A path as a regex that matches it alone, for "set X=^...$" hints. */
static void regex_quote(const char *s, char *out, size_t cap)
{
	size_t o = 0;

	for (; *s && o + 3 < cap; s++) {
		if (strchr(".[]()*+?{}|^$\\", *s))
			out[o++] = '\\';
		out[o++] = *s;
	}
	out[o] = '\0';
}

/*
 * A host path as the kernel will see it: relative local-volume devices are
 * relative to dockerd's working directory, "/" under systemd.
 */
/*
 * vouched: for a path reached through symlinks, the operator explicitly
 * allowed its spelling, and that spelling is itself a protected path
 * ("^/var/run/docker\.sock$" while /var/run links to /run): what it
 * resolves to is the operator's choice, not a planted link.
 */
static enum decision check_path_as(const struct filters *f, const struct host_path *hp,
				   bool vouched, bool *allowed_out, bool *protected_out,
				   struct verdict *v)
{
	char raw[PATH_BUF], clean[PATH_BUF + 2];
	size_t n = hp->path.len;

	if (n + 2 > sizeof(raw))
		return refuse(v, "inspect", "host path too long");
	size_t off = 0;
	if (hp->path.p[0] != '/')
		raw[off++] = '/';
	memcpy(raw + off, hp->path.p, n);
	n += off;
	size_t cn = path_clean(raw, n, clean, sizeof(clean));
	if (cn == (size_t)-1)
		return refuse(v, "inspect", "host path too long");
	if (memchr(clean, '\0', cn))
		return refuse(v, "inspect", "NUL byte in a host path");
	if (!pattern_input_ok(clean, cn))
		return refuse(v, "inspect", "host path too long");

	const char *denied_key = "DKRPRX__VOLUMES__DENIED_PATHS";
	const char *allowed_key = "DKRPRX__VOLUMES__ALLOWED_PATHS";
	if (pattern_list_match(&f->vol_denied_paths, clean, cn))
		return deny(v, denied_key, "sockwall: host path %.100s is denied by %s", clean,
			    denied_key);
	bool allowed = pattern_list_match(&f->vol_allowed_paths, clean, cn);
	bool protected_ = filter_path_is_protected(f, clean, cn);
	if (allowed_out)
		*allowed_out = allowed;
	if (protected_out)
		*protected_out = protected_;
	allowed |= vouched;
	if (f->vol_allowed_paths.n && !allowed)
		return deny(v, allowed_key, "sockwall: host path %.100s is not allowed by %s",
			    clean, allowed_key);
	if (f->defaults && !allowed && protected_) {
		char quoted[128];
		regex_quote(clean, quoted, sizeof(quoted));
		return deny(v, "default:docker-socket",
			    "sockwall: host path %.100s exposes the Docker socket or /proc; to "
			    "allow it set %s=^%s$",
			    clean, allowed_key, quoted);
	}
	return DECISION_ALLOW;
}

static enum decision check_path(const struct filters *f, const struct host_path *hp,
				struct verdict *v)
{
	return check_path_as(f, hp, false, NULL, NULL, v);
}

/* Spellings first, then the real paths they resolve to (see check_path_as). */
static enum decision check_paths(const struct filters *f, const struct body_facts *b,
				 struct verdict *v)
{
	bool vouched[INSPECT_MAX_ITEMS] = { false };

	for (size_t i = 0; i < b->n_paths; i++) {
		const struct host_path *hp = &b->paths[i];
		bool allowed = false, protected_ = false;
		if (hp->resolved) {
			bool by = hp->from < INSPECT_MAX_ITEMS && vouched[hp->from];
			if (check_path_as(f, hp, by, NULL, NULL, v) == DECISION_DENY)
				return DECISION_DENY;
			continue;
		}
		if (check_path_as(f, hp, false, &allowed, &protected_, v) == DECISION_DENY)
			return DECISION_DENY;
		vouched[i] = allowed && protected_;
	}
	return DECISION_ALLOW;
}

static bool is_host_mode(const struct str *s)
{
	return s->p && s->len == 4 && memcmp(s->p, "host", 4) == 0;
}

static bool str_prefix(const struct str *s, const char *prefix)
{
	size_t n = strlen(prefix);
	return s->p && s->len >= n && memcmp(s->p, prefix, n) == 0;
}

static bool unconfined_security_opt(const struct str *s)
{
	static const char *const bad[] = { "seccomp=unconfined", "seccomp:unconfined",
					   "apparmor=unconfined", "apparmor:unconfined",
					   "label=disable", "label:disable",
					   "systempaths=unconfined", "label=disabled" };
	char buf[64];

	copy_str(buf, sizeof(buf), s);
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		if (strcasecmp(buf, bad[i]) == 0)
			return true;
	/* Go's docker CLI also accepts spaces around '='; be as lenient as it. */
	return strcasestr(buf, "unconfined") != NULL || strcasestr(buf, "disable") != NULL;
}

static enum decision check_hardening(const struct filters *f, const struct body_facts *b,
				     struct verdict *v)
{
	const char *key = "DKRPRX__CONTAINERS__HARDENED";

	if (b->privileged && (f->deny_privileged || f->hardened))
		return deny(v, f->deny_privileged ? "DKRPRX__CONTAINERS__DENY_PRIVILEGED" : key,
			    "sockwall: privileged containers are denied by %s",
			    f->deny_privileged ? "DKRPRX__CONTAINERS__DENY_PRIVILEGED" : key);
	if (is_host_mode(&b->network_mode) && (f->deny_host_network || f->hardened))
		return deny(v, "DKRPRX__CONTAINERS__DENY_HOST_NETWORK",
			    "sockwall: host network is denied by %s",
			    f->deny_host_network ? "DKRPRX__CONTAINERS__DENY_HOST_NETWORK" : key);
	if (!f->hardened)
		return DECISION_ALLOW;
	const struct {
		const struct str *mode;
		const char *name;
	} modes[] = { { &b->pid_mode, "PidMode" },   { &b->ipc_mode, "IpcMode" },
		      { &b->uts_mode, "UTSMode" },   { &b->userns_mode, "UsernsMode" },
		      { &b->cgroupns_mode, "CgroupnsMode" } };
	for (size_t i = 0; i < sizeof(modes) / sizeof(*modes); i++)
		if (is_host_mode(modes[i].mode))
			return deny(v, key, "sockwall: %s=host is denied by %s", modes[i].name, key);
	if (b->n_cap_add)
		return deny(v, key, "sockwall: CapAdd is denied by %s", key);
	if (b->n_devices || b->n_device_requests || b->n_device_cgroup_rules)
		return deny(v, key, "sockwall: host devices are denied by %s", key);
	for (size_t i = 0; i < b->n_security_opt; i++)
		if (unconfined_security_opt(&b->security_opt[i]))
			return deny(v, key, "sockwall: unconfined SecurityOpt is denied by %s", key);
	if (b->n_sysctls)
		return deny(v, key, "sockwall: Sysctls are denied by %s", key);
	if (b->n_volumes_from)
		return deny(v, key, "sockwall: VolumesFrom is denied by %s", key);
	if (b->n_masked_paths_set || b->n_readonly_paths_set)
		return deny(v, key,
			    "sockwall: MaskedPaths/ReadonlyPaths (SecurityOpt systempaths=unconfined) are denied "
			    "by %s",
			    key);
	return DECISION_ALLOW;
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
	if (any_allow && strspn(image, "0123456789abcdef") == strlen(image))
		return deny(v, "DKRPRX__IMAGES__ALLOWED_REPOS",
			    "sockwall: image '%.80s' could be an image ID prefix; with an allow "
			    "list set, give the full name (e.g. docker.io/library/%.40s:tag)",
			    image, image);
	if (imageref_parse(image, strlen(image), &ref, &why) < 0) {
		if (any_allow)
			return deny(v, "DKRPRX__IMAGES__ALLOWED_REPOS",
				    "sockwall: image '%.80s' cannot be checked against the allow "
				    "lists (%s)",
				    image, why);
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
				    "sockwall: image repository '%.80s' is denied by "
				    "DKRPRX__IMAGES__DENIED_REPOS",
				    ref.familiar);
	}
	if (f->img_allowed_repos.n &&
	    !pattern_list_match(&f->img_allowed_repos, ref.familiar, strlen(ref.familiar)) &&
	    !pattern_list_match(&f->img_allowed_repos, ref.full, strlen(ref.full)))
		return deny(v, "DKRPRX__IMAGES__ALLOWED_REPOS",
			    "sockwall: image repository '%.80s' is not allowed by "
			    "DKRPRX__IMAGES__ALLOWED_REPOS",
			    ref.familiar);
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
				    "sockwall: image '%.80s' is denied by "
				    "DKRPRX__CONTAINERS__DENIED_IMAGES",
				    image);
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
				    "sockwall: image '%.80s' is not allowed by "
				    "DKRPRX__CONTAINERS__ALLOWED_IMAGES",
				    image);
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
	if (trunc) {
		refuse(v, "query", "query parameter too long");
		return -1;
	}
	return n;
}

/* Returns false when there is no room: the caller refuses rather than skip a check. */
static bool add_ref(struct filter_refs *refs, enum ref_kind kind, const char *s, size_t len)
{
	/* dockerd resolves "/name" as "name"; asking for "/name" gets a redirect. */
	if (kind != REF_NETWORK && kind != REF_VOLUME && len > 1 && s[0] == '/') {
		s++;
		len--;
	}
	if (len == 0)
		return true;
	if (refs->n == FILTER_MAX_REFS)
		return false;
	struct container_ref *r = &refs->refs[refs->n++];
	r->kind = kind;
	r->parent = REF_NO_PARENT;
	if (len >= sizeof(r->ref))
		len = sizeof(r->ref) - 1;
	memcpy(r->ref, s, len);
	r->ref[len] = '\0';
	return true;
}

static bool names_proxy(const struct filters *f, const char *name)
{
	if (*name == '/')
		name++;
	return f->proxy_container_name[0] && strcmp(name, f->proxy_container_name) == 0;
}

/*
 * The references a container body makes: "container:<ref>" modes and
 * VolumesFrom "<ref>[:ro|rw]" share a container; Links name one; named
 * volumes may be binds created elsewhere.
 */
static enum decision add_body_refs(const struct filters *f, const struct body_facts *b,
				   struct filter_refs *refs, struct verdict *v)
{
	const struct str *modes[] = { &b->network_mode, &b->pid_mode, &b->ipc_mode };
	bool ok = true;

	if (f->defaults) {
		for (size_t i = 0; i < sizeof(modes) / sizeof(*modes); i++)
			if (str_prefix(modes[i], "container:"))
				ok &= add_ref(refs, REF_SHARE, modes[i]->p + 10, modes[i]->len - 10);
		for (size_t i = 0; i < b->n_volumes_from; i++) {
			const struct str *s = &b->volumes_from[i];
			const char *colon = memchr(s->p, ':', s->len);
			ok &= add_ref(refs, REF_SHARE, s->p, colon ? (size_t)(colon - s->p) : s->len);
		}
		for (size_t i = 0; i < b->n_links; i++) {
			const struct str *s = &b->links[i];
			const char *colon = memchr(s->p, ':', s->len);
			ok &= add_ref(refs, REF_LINK, s->p, colon ? (size_t)(colon - s->p) : s->len);
		}
	}
	if (f->defaults || f->vol_allowed_paths.n || f->vol_denied_paths.n)
		for (size_t i = 0; i < b->n_volumes; i++)
			ok &= add_ref(refs, REF_VOLUME, b->volumes[i].p, b->volumes[i].len);
	if (!ok)
		return refuse(v, "lookup", "the body names too many containers and volumes to check");
	return DECISION_ALLOW;
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
	case ACT_NETWORK_DISCONNECT:
	case ACT_SERVICE_CREATE:
	case ACT_SERVICE_UPDATE:
		return true;
	default:
		return f->defaults && targets_container(a);
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
				    "sockwall: label %.60s%s%.60s is required by "
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
		if (f->defaults && names_proxy(f, name))
			return deny(v, "default:proxy-container",
				    "sockwall: the name '%.60s' belongs to the proxy's own container "
				    "(PROXY_CONTAINER_NAME)",
				    bare);
		if (check_list(v, &f->ctr_allowed_names, &f->ctr_denied_names, bare,
			       "container name", "DKRPRX__CONTAINERS__ALLOWED_NAMES",
			       "DKRPRX__CONTAINERS__DENIED_NAMES") == DECISION_DENY)
			return DECISION_DENY;
	} else if (f->ctr_allowed_names.n) {
		return deny(v, "DKRPRX__CONTAINERS__ALLOWED_NAMES",
			    "sockwall: an unnamed container cannot match "
			    "DKRPRX__CONTAINERS__ALLOWED_NAMES");
	}
	copy_str(image, sizeof(image), &b->image);
	if (check_image_ref(f, image, NULL, true, v) == DECISION_DENY)
		return DECISION_DENY;
	if (check_labels(f, b, v) == DECISION_DENY)
		return DECISION_DENY;
	if (check_hardening(f, b, v) == DECISION_DENY)
		return DECISION_DENY;
	return add_body_refs(f, b, refs, v);
}

static enum decision judge_images(const struct filters *f, const struct route_match *m,
				  struct verdict *v)
{
	char image[IMAGEREF_MAX], tag[160];
	enum route_action a = m->def->action;

	if (a == ACT_IMAGE_CREATE) {
		if (query_single(m, "fromImage", image, sizeof(image), v) < 0 ||
		    query_single(m, "tag", tag, sizeof(tag), v) < 0)
			return DECISION_DENY;
		/* An import (fromSrc) names its repository in repo. */
		if (!image[0] && query_single(m, "repo", image, sizeof(image), v) < 0)
			return DECISION_DENY;
		return check_image_ref(f, image, tag, false, v);
	}
	if (a == ACT_IMAGE_TAG || a == ACT_COMMIT) {
		if (query_single(m, "repo", image, sizeof(image), v) < 0 ||
		    query_single(m, "tag", tag, sizeof(tag), v) < 0)
			return DECISION_DENY;
		return check_image_ref(f, image, tag, false, v);
	}
	if (a == ACT_BUILD) {
		/* docker build -t a -t b repeats t: every one is checked. */
		bool trunc;
		for (int i = 0; query_get_nth(m->query, m->query_len, "t", i, image, sizeof(image),
					      &trunc);
		     i++) {
			if (trunc)
				return refuse(v, "query", "query parameter too long");
			if (check_image_ref(f, image, NULL, false, v) == DECISION_DENY)
				return DECISION_DENY;
		}
	}
	return DECISION_ALLOW;
}

enum decision filter_judge(const struct filters *f, const struct route_match *m,
			   const struct body_facts *b, struct filter_refs *refs, struct verdict *v)
{
	char buf[FILTER_NAME_MAX * 2];
	enum route_action a = m->def ? m->def->action : ACT_OTHER;

	refs->n = 0;
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
	if (check_paths(f, b, v) == DECISION_DENY)
		return DECISION_DENY;

	switch (a) {
	case ACT_CONTAINER_CREATE:
		if (judge_container_create(f, m, b, refs, v) == DECISION_DENY)
			return DECISION_DENY;
		break;
	case ACT_CONTAINER_START:
		/* Below API 1.24 a start body is a HostConfig. */
		if (check_hardening(f, b, v) == DECISION_DENY ||
		    add_body_refs(f, b, refs, v) == DECISION_DENY)
			return DECISION_DENY;
		break;
	case ACT_CONTAINER_UPDATE:
		if (check_hardening(f, b, v) == DECISION_DENY)
			return DECISION_DENY;
		break;
	case ACT_CONTAINER_RENAME:
		if (query_single(m, "name", buf, sizeof(buf), v) < 0)
			return DECISION_DENY;
		if (f->defaults && names_proxy(f, buf))
			return deny(v, "default:proxy-container",
				    "sockwall: the name '%.60s' belongs to the proxy's own container "
				    "(PROXY_CONTAINER_NAME)",
				    buf);
		break;
	case ACT_IMAGE_CREATE:
	case ACT_IMAGE_TAG:
	case ACT_COMMIT:
	case ACT_BUILD:
		if (judge_images(f, m, v) == DECISION_DENY)
			return DECISION_DENY;
		break;
	case ACT_VOLUME_CREATE:
		copy_str(buf, sizeof(buf), &b->name);
		if ((buf[0] || f->vol_allowed_names.n) &&
		    check_list(v, &f->vol_allowed_names, &f->vol_denied_names, buf, "volume name",
			       "DKRPRX__VOLUMES__ALLOWED_NAMES",
			       "DKRPRX__VOLUMES__DENIED_NAMES") == DECISION_DENY)
			return DECISION_DENY;
		copy_str(buf, sizeof(buf), &b->driver);
		if (!buf[0])
			strcpy(buf, "local");
		if (f->vol_allowed_drivers.n &&
		    !pattern_list_match(&f->vol_allowed_drivers, buf, strlen(buf)))
			return deny(v, "DKRPRX__VOLUMES__ALLOWED_DRIVERS",
				    "sockwall: volume driver '%.60s' is not allowed by "
				    "DKRPRX__VOLUMES__ALLOWED_DRIVERS",
				    buf);
		break;
	case ACT_VOLUME_DELETE:
		if (m->name && m->name_len < sizeof(buf)) {
			memcpy(buf, m->name, m->name_len);
			buf[m->name_len] = '\0';
			if (pattern_list_match(&f->vol_denied_names, buf, m->name_len))
				return deny(v, "DKRPRX__VOLUMES__DENIED_NAMES",
					    "sockwall: volume '%.80s' is denied by "
					    "DKRPRX__VOLUMES__DENIED_NAMES",
					    buf);
		}
		break;
	case ACT_NETWORK_CREATE:
		copy_str(buf, sizeof(buf), &b->name);
		if (check_list(v, &f->net_allowed_names, &f->net_denied_names, buf, "network name",
			       "DKRPRX__NETWORKS__ALLOWED_NAMES",
			       "DKRPRX__NETWORKS__DENIED_NAMES") == DECISION_DENY)
			return DECISION_DENY;
		copy_str(buf, sizeof(buf), &b->driver);
		if (!buf[0])
			strcpy(buf, "bridge");
		if (f->net_allowed_drivers.n &&
		    !pattern_list_match(&f->net_allowed_drivers, buf, strlen(buf)))
			return deny(v, "DKRPRX__NETWORKS__ALLOWED_DRIVERS",
				    "sockwall: network driver '%.60s' is not allowed by "
				    "DKRPRX__NETWORKS__ALLOWED_DRIVERS",
				    buf);
		break;
	case ACT_NETWORK_DELETE:
		if (m->name && m->name_len < sizeof(buf)) {
			memcpy(buf, m->name, m->name_len);
			buf[m->name_len] = '\0';
			if (pattern_list_match(&f->net_denied_names, buf, m->name_len))
				return deny(v, "DKRPRX__NETWORKS__DENIED_NAMES",
					    "sockwall: network '%.80s' is denied by "
					    "DKRPRX__NETWORKS__DENIED_NAMES",
					    buf);
			if (f->defaults && f->proxy_network_name[0])
				add_ref(refs, REF_NETWORK, m->name, m->name_len);
		}
		break;
	case ACT_NETWORK_DISCONNECT:
		if (f->defaults)
			add_ref(refs, REF_TARGET, b->container.p, b->container.p ? b->container.len : 0);
		break;
	case ACT_SERVICE_CREATE:
	case ACT_SERVICE_UPDATE:
		copy_str(buf, sizeof(buf), &b->image);
		if (check_image_ref(f, buf, NULL, true, v) == DECISION_DENY ||
		    add_body_refs(f, b, refs, v) == DECISION_DENY)
			return DECISION_DENY;
		break;
	default:
		break;
	}
	if (f->defaults && targets_container(a) && m->name)
		add_ref(refs, REF_TARGET, m->name, m->name_len);
	return DECISION_ALLOW;
}

enum decision filter_judge_refs(const struct filters *f, const char *self_id,
				const struct filter_refs *refs, const struct ref_answer *answers,
				struct verdict *v)
{
	v->decision = DECISION_ALLOW;
	v->status = 0;
	for (size_t i = 0; i < refs->n; i++) {
		const struct container_ref *r = &refs->refs[i];
		const struct ref_answer *a = &answers[i];

		if (!a->found)
			continue; /* dockerd will answer "no such ..." itself */
		if (r->kind == REF_VOLUME) {
			/* A named volume that is a local bind is judged like a bind. */
			if (r->parent == REF_NO_PARENT && a->device[0]) {
				struct host_path hp = { .path = { a->device, strlen(a->device) },
							.origin = PATH_FROM_VOLUME_CREATE };
				if (check_path(f, &hp, v) == DECISION_DENY)
					return DECISION_DENY;
			} else if (r->parent == REF_NO_PARENT && a->holds_socket && f->defaults) {
				return deny(v, "default:host-filesystem",
					    "sockwall: volume '%.60s' mounts a host filesystem (which "
					    "holds the Docker socket); denied by the default protections",
					    r->ref);
			}
			continue; /* under a shared container, it counted for that one */
		}
		if (r->kind == REF_NETWORK) {
			if (f->proxy_network_name[0] && strcmp(a->name, f->proxy_network_name) == 0)
				return deny(v, "default:proxy-network",
					    "sockwall: network '%.60s' is the proxy's own network "
					    "(PROXY_NETWORK_NAME)",
					    r->ref);
			continue;
		}
		bool is_proxy = names_proxy(f, a->name) || (self_id && *self_id &&
							     strcmp(a->id, self_id) == 0);
		if (is_proxy)
			return deny(v, "default:proxy-container",
				    "sockwall: '%.60s' is the proxy's own container "
				    "(PROXY_CONTAINER_NAME=%.60s): it cannot be changed through "
				    "the proxy (DKRPRX__DISABLE_DEFAULTS=true lifts this)",
				    r->ref, f->proxy_container_name);
		if (r->kind == REF_SHARE && a->holds_socket)
			return deny(v, "default:docker-socket",
				    "sockwall: container '%.60s' holds the Docker socket; sharing "
				    "its namespaces or volumes is denied (DKRPRX__DISABLE_DEFAULTS=true "
				    "lifts this)",
				    r->ref);
	}
	return DECISION_ALLOW;
}
