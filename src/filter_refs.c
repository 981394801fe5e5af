/*
 * filter_refs: the second half of the filter, once dockerd has said what
 * the containers, networks and volumes a request names are (see
 * filter_judge_refs in filter.h).
 */
#include "filter.h"

#include <stdio.h>
#include <string.h>

#include "hostpath.h"
#include "imageref.h"

bool filter_answer_holds_socket(const struct filters *f, const struct ref_answer *a)
{
	char raw[sizeof(a->device) + 1], clean[sizeof(a->binds) + 4];
	const char *bind = a->binds;

	if (a->mounts_unknown || a->host_fs)
		return true;
	for (size_t i = 0; i < a->n_binds; bind += strlen(bind) + 1, i++) {
		size_t n = path_clean(bind, strlen(bind), clean, sizeof(clean));
		if (n != (size_t)-1 &&
		    filter_path_is_protected(f, clean, n, (a->binds_read_only >> i & 1) != 0))
			return true;
	}
	if (!a->device[0])
		return false;
	/* a relative device is relative to dockerd's working directory, "/" */
	snprintf(raw, sizeof(raw), "%s%s", a->device[0] == '/' ? "" : "/", a->device);
	size_t n = path_clean(raw, strlen(raw), clean, sizeof(clean));
	return n == (size_t)-1 || filter_path_is_protected(f, clean, n, false);
}

/* Container answers[i] holds the socket, itself or through a local volume
 * of its (asked after it). */
static bool holds_socket(const struct filters *f, const struct filter_refs *refs,
			 const struct ref_answer *answers, size_t i)
{
	if (filter_answer_holds_socket(f, &answers[i]))
		return true;
	for (size_t j = i + 1; j < refs->n; j++)
		if (refs->refs[j].kind == REF_VOLUME && refs->refs[j].parent == i &&
		    filter_answer_holds_socket(f, &answers[j]))
			return true;
	return false;
}

/* "docker.io/library/bb:latest" for "bb"; "" for an ID or a digest alone. */
static void image_key(const char *image, char *out, size_t cap)
{
	struct imageref ref;
	const char *why;

	out[0] = '\0';
	if (imageref_parse(image, strlen(image), &ref, &why) < 0 || (ref.digest[0] && !ref.tag[0]))
		return;
	snprintf(out, cap, "%s:%s", ref.full, ref.tag[0] ? ref.tag : "latest");
}

static enum decision judge_proxy_image(const struct filter_refs *refs, const struct ref_answer *a,
				       struct verdict *v)
{
	char key[IMAGEREF_MAX + 140];

	if (refs->loads_any_name)
		return verdict_deny(v, 403, "ALLOW_IMAGE_LOAD",
				    "sockwall: POST /images/load could put any image under the name "
				    "of the proxy's own image ('%.*s%s', of its container %s): the "
				    "names inside a tarball cannot be checked; set ALLOW_IMAGE_LOAD=1 "
				    "to allow loads",
				    FILTER_SHOWN(a->image, FILTER_IMAGE_SHOWN), a->name);
	image_key(a->image, key, sizeof(key));
	for (size_t i = 0; key[0] && i < refs->n_dests; i++)
		if (strcmp(refs->image_dests[i], key) == 0)
			return verdict_deny(v, 403, "default:proxy-container",
				    "sockwall: '%.*s%s' is the proxy's own image (the image of its "
				    "container %s): writing another image under its name is denied "
				    "(DKRPRX__DISABLE_DEFAULTS=true lifts this)",
				    FILTER_SHOWN(a->image, FILTER_IMAGE_SHOWN), a->name);
	return DECISION_ALLOW;
}

/* A container a request writes files into: if it holds power, that is exec. */
static enum decision judge_write_target(const struct acl *acl, const struct container_ref *r,
					const struct ref_answer *a, bool holds, struct verdict *v)
{
	if (acl->section[SEC_EXEC] || (!holds && !powers_any(&a->powers)))
		return DECISION_ALLOW;
	return verdict_deny(v, 403, "EXEC",
		    "sockwall: writing into container '%s' (files, or its stdin) is denied: it "
		    "%s, and what is planted there runs with that power like exec; set EXEC=1 "
		    "to allow it",
		    r->ref,
		    holds ? "holds the Docker socket or a root-equivalent mount"
				    : "is privileged, in a host namespace, or has added "
				      "capabilities or devices");
}

/*
 * The proxy's own container, by its name (PROXY_CONTAINER_NAME) or by the
 * ID sockwall read from its own mountinfo: the message says which, so an
 * operator who never named the container knows why it is protected.
 */
static enum decision judge_proxy_container(const struct filters *f, const char *self_id,
					   const struct container_ref *r,
					   const struct ref_answer *a, struct verdict *v)
{
	static const char tail[] = "it cannot be changed through the proxy "
				   "(DKRPRX__DISABLE_DEFAULTS=true lifts this)";

	if (filter_names_proxy(f, a->name))
		return verdict_deny(v, 403, "default:proxy-container",
			    "sockwall: '%s' is the proxy's own container (its name is "
			    "PROXY_CONTAINER_NAME=%s): %s",
			    r->ref, f->proxy_container_name, tail);
	if (self_id && *self_id && strcmp(a->id, self_id) == 0)
		return verdict_deny(v, 403, "default:proxy-container",
			    "sockwall: '%s' is the proxy's own container (ID %s, which sockwall "
			    "found in its own /proc/self/mountinfo): %s",
			    r->ref, a->id, tail);
	return DECISION_ALLOW;
}

/* The answer about the proxy's own container (a ref of kind REF_PROXY_POD
 * or REF_PROXY_IMAGE) whose pod or image is answers[i], or NULL. */
static const struct ref_answer *proxy_in(const struct filter_refs *refs,
					 const struct ref_answer *answers, size_t i,
					 enum ref_kind kind)
{
	for (size_t j = 0; j < refs->n; j++) {
		const struct ref_answer *p = &answers[j];
		const char *holder = kind == REF_PROXY_POD ? p->pod : p->image_id;
		if (refs->refs[j].kind == kind && p->found && holder[0] &&
		    strcmp(holder, answers[i].id) == 0)
			return p;
	}
	return NULL;
}

enum decision filter_judge_refs(const struct filters *f, const struct acl *acl,
				const char *self_id, const struct filter_refs *refs,
				const struct ref_answer *answers, struct verdict *v)
{
	v->decision = DECISION_ALLOW;
	v->status = 0;
	for (size_t i = 0; i < refs->n; i++) {
		const struct container_ref *r = &refs->refs[i];
		const struct ref_answer *a = &answers[i], *p;

		if (a->status)
			return verdict_deny(v, a->status, "lookup", "sockwall: dockerd: %s", a->error);
		if (!a->found)
			continue; /* dockerd will answer "no such ..." itself */
		switch (r->kind) {
		case REF_VOLUME:
			/* A named volume that is a local bind is judged like a bind. */
			if (r->parent == REF_NO_PARENT && a->device[0]) {
				struct host_path hp = { .path = { a->device, strlen(a->device) },
							.origin = PATH_FROM_VOLUME_CREATE };
				if (hostpath_judge(f, &hp, v) == DECISION_DENY)
					return DECISION_DENY;
			} else if (r->parent == REF_NO_PARENT && a->host_fs && f->defaults) {
				return verdict_deny(v, 403, "default:host-filesystem",
					    "sockwall: volume '%s' mounts a host filesystem (which "
					    "holds the Docker socket); denied by the default protections",
					    r->ref);
			}
			continue; /* under a container, it counted for that one */
		case REF_NETWORK:
			if (f->proxy_network_name[0] && strcmp(a->name, f->proxy_network_name) == 0)
				return verdict_deny(v, 403, "default:proxy-network",
					    "sockwall: network '%s' is the proxy's own network "
					    "(PROXY_NETWORK_NAME)",
					    r->ref);
			continue;
		case REF_NET_JOIN:
			if (a->host_network && (f->deny_host_network || f->hardened))
				return verdict_deny(v, 403, "DKRPRX__CONTAINERS__DENY_HOST_NETWORK",
					    "sockwall: network '%s' is the host network; it is "
					    "denied by %s",
					    r->ref,
					    f->deny_host_network
						    ? "DKRPRX__CONTAINERS__DENY_HOST_NETWORK"
						    : "DKRPRX__CONTAINERS__HARDENED (as "
						      "DKRPRX__CONTAINERS__DENY_HOST_NETWORK)");
			continue;
		case REF_PROXY_IMAGE:
			if (judge_proxy_image(refs, a, v) == DECISION_DENY)
				return DECISION_DENY;
			continue;
		case REF_POD:
			/* the pod that holds the proxy's own container */
			p = f->defaults ? proxy_in(refs, answers, i, REF_PROXY_POD) : NULL;
			if (p)
				return verdict_deny(v, 403, "default:proxy-pod",
					    "sockwall: pod '%s' holds the proxy's own container (%s): "
					    "stopping, pausing, killing, restarting or removing it is "
					    "denied (DKRPRX__DISABLE_DEFAULTS=true lifts this)",
					    r->ref, p->name[0] ? p->name : p->id);
			continue;
		case REF_PROXY_POD:
			continue; /* read for REF_POD */
		case REF_IMAGE:
			/* removed with force: Podman would remove the proxy's own
			 * container with it when that container runs it */
			p = proxy_in(refs, answers, i, REF_PROXY_IMAGE);
			if (p)
				return verdict_deny(v, 403, "default:proxy-container",
					    "sockwall: image '%s' is the image of the proxy's own "
					    "container (%s): removing it with force=true is denied, "
					    "because Podman removes the containers that use it "
					    "(DKRPRX__DISABLE_DEFAULTS=true lifts this)",
					    r->ref, p->name[0] ? p->name : p->id);
			continue;
		default:
			break;
		}
		if (f->defaults && judge_proxy_container(f, self_id, r, a, v) == DECISION_DENY)
			return DECISION_DENY;
		bool holds = (r->kind == REF_SHARE || r->writes) && holds_socket(f, refs, answers, i);
		if (r->kind == REF_SHARE && holds && f->defaults)
			return verdict_deny(v, 403, "default:docker-socket",
				    "sockwall: container '%s' holds the Docker socket or a "
				    "root-equivalent mount; sharing its namespaces or volumes is "
				    "denied (DKRPRX__DISABLE_DEFAULTS=true lifts this)",
				    r->ref);
		if (r->kind == REF_SHARE && powers_judge_shared(f, r->ref, &a->powers, v) ==
						    DECISION_DENY)
			return DECISION_DENY;
		if (r->writes && judge_write_target(acl, r, a, holds, v) == DECISION_DENY)
			return DECISION_DENY;
	}
	return DECISION_ALLOW;
}
