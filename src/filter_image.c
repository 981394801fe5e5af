/*
 * The image rules of filter_judge: repository, tag and container image
 * filters on a reference, the names an image is written to (tag, commit,
 * import, build -t), URL fetches, build parameters, and a forced removal.
 */
#include <stdio.h>
#include <string.h>

#include "filter.h"
#include "filter_rules.h"
#include "imageref.h"
#include "query.h"

static bool image_filters(const struct filters *f)
{
	return f->img_allowed_repos.n || f->img_denied_repos.n || f->img_allowed_tags.n ||
	       f->img_denied_tags.n || f->ctr_allowed_images.n || f->ctr_denied_images.n;
}

/* Whether a pattern in l matches either spelling of the name, alone or,
 * when ref is given, with its tag and digest. */
static bool image_listed(const struct pattern_list *l, const char *const names[2],
			 const struct imageref *ref)
{
	char with_tag[IMAGEREF_MAX + 140];

	for (int i = 0; i < 2; i++) {
		if (pattern_list_match(l, names[i], strlen(names[i])))
			return true;
		if (!ref)
			continue;
		snprintf(with_tag, sizeof(with_tag), "%s%s%s%s%s", names[i], ref->tag[0] ? ":" : "",
			 ref->tag, ref->digest[0] ? "@" : "", ref->digest);
		if (pattern_list_match(l, with_tag, strlen(with_tag)))
			return true;
	}
	return false;
}

/*
 * Repository and tag filters on one image reference.  An image given by ID
 * has no repository to check: allow lists cannot be satisfied by it.
 */
enum decision filter_image_ref(const struct filters *f, const char *image,
				     const char *extra_tag, bool container_filters,
				     struct verdict *v)
{
	struct imageref ref;
	const char *why;
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
	const char *const names[2] = { ref.familiar, ref.full };
	if (image_listed(&f->img_denied_repos, names, NULL))
		return deny(v, "DKRPRX__IMAGES__DENIED_REPOS",
			    "sockwall: image repository '%.*s%s' is denied by "
			    "DKRPRX__IMAGES__DENIED_REPOS",
			    FILTER_SHOWN(ref.familiar, FILTER_IMAGE_SHOWN));
	if (f->img_allowed_repos.n && !image_listed(&f->img_allowed_repos, names, NULL))
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
	if (image_listed(&f->ctr_denied_images, names, &ref))
		return deny(v, "DKRPRX__CONTAINERS__DENIED_IMAGES",
			    "sockwall: image '%.*s%s' is denied by DKRPRX__CONTAINERS__DENIED_IMAGES",
			    FILTER_SHOWN(image, FILTER_IMAGE_SHOWN));
	if (f->ctr_allowed_images.n && !image_listed(&f->ctr_allowed_images, names, &ref))
		return deny(v, "DKRPRX__CONTAINERS__ALLOWED_IMAGES",
			    "sockwall: image '%.*s%s' is not allowed by "
			    "DKRPRX__CONTAINERS__ALLOWED_IMAGES",
			    FILTER_SHOWN(image, FILTER_IMAGE_SHOWN));
	return DECISION_ALLOW;
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
	if (filter_image_ref(f, image, tag, true, v) == DECISION_DENY)
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

enum decision filter_judge_images(const struct filters *f, const struct acl *acl,
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
			return filter_image_ref(f, image, tag, false, v);
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
			if (filter_image_ref(f, src, NULL, true, v) == DECISION_DENY)
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

/*
 * Podman, on its Docker route as on libpod's, removes every container that
 * uses an image removed with force=true, running ones included; dockerd
 * refuses to.  So the image must not be the proxy's own container's: both
 * are looked up and their IDs compared (filter_refs.c).
 */
enum decision filter_judge_image_delete(const struct filters *f, const struct route_match *m,
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
