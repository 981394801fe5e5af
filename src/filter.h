/*
 * filter: the default protections and the DKRPRX__ filters, judged on what
 * the inspector read from a body and the query.  Pure, like policy: no I/O.
 *
 * Filters only narrow what the section toggles allow; they never open a
 * route a toggle closed.  In each list the deny patterns are tried first,
 * then the allow patterns (an allow list that is set must match).  The
 * default protections (on unless DKRPRX__DISABLE_DEFAULTS=true) are never
 * dropped because another filter of the same section was set.
 *
 * Protections that need to know which container a name or ID prefix means
 * (the proxy's own container, containers holding the socket) are not
 * decided here: filter_judge lists the references to resolve, and
 * filter_judge_refs decides once the daemon has answered.
 */
#ifndef SOCKWALL_FILTER_H
#define SOCKWALL_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "imageref.h"
#include "inspect.h"
#include "match.h"
#include "policy.h"
#include "powers.h"
#include "route.h"

#define FILTER_MAX_LABELS 16
#define FILTER_MAX_PROTECTED (8 + 8) /* the defaults, the upstream, the unix listeners */
#define FILTER_NAME_MAX 128

struct filters {
	bool defaults; /* !DKRPRX__DISABLE_DEFAULTS */
	struct pattern_list vol_allowed_names, vol_denied_names, vol_allowed_paths,
		vol_denied_paths, vol_allowed_drivers;
	struct pattern_list ctr_allowed_images, ctr_denied_images, ctr_allowed_names,
		ctr_denied_names;
	char require_labels[FILTER_MAX_LABELS][2][FILTER_NAME_MAX]; /* key, value */
	size_t n_require_labels;
	bool deny_privileged, deny_host_network, hardened;
	bool redact_env; /* DKRPRX__CONTAINERS__REDACT_ENV, its default resolved */
	/* the host runs cgroup v2, where dockerd's default CgroupnsMode is
	 * private (on v1 it is host, and inspect shows "host") */
	bool cgroup_v2;
	struct pattern_list img_allowed_repos, img_denied_repos, img_allowed_tags,
		img_denied_tags;
	struct pattern_list net_allowed_names, net_denied_names, net_allowed_drivers;
	char proxy_container_name[FILTER_NAME_MAX];
	char proxy_network_name[FILTER_NAME_MAX]; /* "" when unset */
	/* cleaned absolute paths no bind source may expose */
	char protected_paths[FILTER_MAX_PROTECTED][108];
	size_t n_protected_paths;
};

/* What a request needs resolved through the daemon before a verdict. */
#define FILTER_MAX_REFS 32
#define REF_NO_PARENT ((size_t)-1)

#define FILTER_MAX_IMAGE_DESTS 8

enum ref_kind {
	REF_TARGET,       /* the container the path names: must not be the proxy */
	REF_LINK,         /* a container linked to: must not be the proxy */
	REF_SHARE,        /* VolumesFrom, container:<ref> modes: not the proxy, no socket,
			     no powers the policy denies (followed along its own shares) */
	REF_NETWORK,      /* a network the request removes or disconnects from */
	REF_VOLUME,       /* a local volume of a container asked about: a bind in disguise? */
	REF_NET_JOIN,     /* a network a service joins: not the host's (DENY_HOST_NETWORK) */
	REF_PROXY_IMAGE,  /* the proxy's own container: is its image a destination here? */
	REF_POD,          /* a libpod pod whose containers the request stops or removes */
	REF_IMAGE,        /* an image removed with force: not the proxy container's */
	REF_PROXY_POD     /* the proxy's own container, asked of libpod: its pod */
};

struct container_ref {
	enum ref_kind kind;
	char ref[FILTER_NAME_MAX];
	size_t parent; /* REF_VOLUME, chained REF_SHARE: the ref it belongs to, or REF_NO_PARENT */
	bool writes;   /* REF_TARGET: files are written into it (archive PUT) */
};

struct filter_refs {
	struct container_ref refs[FILTER_MAX_REFS];
	size_t n;
	/* the image names a tag, commit, import or build writes, normalised
	 * ("docker.io/library/bb:latest"), for REF_PROXY_IMAGE */
	char image_dests[FILTER_MAX_IMAGE_DESTS][IMAGEREF_MAX];
	size_t n_dests;
	/* an image load: its tarball may name any image, the proxy's included */
	bool loads_any_name;
};

/* What the daemon said about one reference. */
struct ref_answer {
	bool found;
	int status;          /* dockerd's answer when it refused the lookup (4xx), else 0 */
	char error[160];     /* and its message */
	char id[65];         /* full ID */
	char name[FILTER_NAME_MAX]; /* without the leading '/' */
	/* containers: the Source of each bind in Mounts as dockerd gives it,
	 * one after another in binds, each NUL-terminated; bit i of
	 * binds_read_only for the i-th; mounts_unknown when one could not be
	 * kept (the filter assumes the worst) */
	char binds[4096];
	size_t n_binds;
	uint32_t binds_read_only;
	bool mounts_unknown;
	/* containers: their local volumes, which may be binds (asked next) */
	char volumes[4][FILTER_NAME_MAX];
	size_t n_volumes;
	/* volumes: the host path a local bind volume mounts ("" if none), and
	 * whether it mounts a filesystem of the host's (or cannot be read) */
	char device[1024];
	bool host_fs;
	/* containers: what they hold, and whose namespaces or volumes they share */
	struct ctr_powers powers;
	char shares[4][FILTER_NAME_MAX];
	size_t n_shares;
	char image[IMAGEREF_MAX]; /* Config.Image */
	bool host_network;        /* networks: the host's (driver or name "host") */
	char pod[65];             /* REF_PROXY_POD: the pod's ID ("" when in none) */
	char image_id[65];        /* REF_PROXY_IMAGE: its image's ID, without "sha256:" */
};

/*
 * Judges the request.  On allow, refs lists what must still be resolved
 * (possibly nothing).  query may be NULL.  acl is the same policy's
 * toggles: some bodies need one (a service's secrets need SECRETS=1, a URL
 * to fetch ALLOW_URL_FETCH=1).  Fills v; returns v->decision.
 */
enum decision filter_judge(const struct filters *f, const struct acl *acl,
			   const struct route_match *m, const struct body_facts *facts,
			   struct filter_refs *refs, struct verdict *v);

/*
 * Judges the answers for refs (answers[i] belongs to refs->refs[i]).
 * self_id: the proxy's own container ID when it runs in one, else "".
 */
enum decision filter_judge_refs(const struct filters *f, const struct acl *acl, const char *self_id,
				const struct filter_refs *refs, const struct ref_answer *answers,
				struct verdict *v);

/*
 * Whether what dockerd said of a container (its bind sources) or of a
 * local volume (its bind device, a host filesystem) exposes the socket or
 * a root-equivalent path.
 */
bool filter_answer_holds_socket(const struct filters *f, const struct ref_answer *a);

/*
 * A value that may be too long for a message, cut visibly: an argument
 * triple for "%.*s%s".  Names and IDs (FILTER_NAME_MAX) are printed
 * whole; only image references and body strings go through this.
 */
#define FILTER_SHOWN(s, max) \
	(int)(strlen(s) > (max) ? (max) : strlen(s)), (s), strlen(s) > (max) ? "..." : ""
#define FILTER_IMAGE_SHOWN 160

/* Whether filter_judge has anything to check for this action. */
bool filter_applies(const struct filters *f, enum route_action action);

/* Whether a name (with or without its leading '/') is PROXY_CONTAINER_NAME. */
bool filter_names_proxy(const struct filters *f, const char *name);

/* Adds a path no bind may expose (a unix listener of this process). */
void filters_protect(struct filters *f, const char *path);

/* Sets the defaults: protections on, the socket paths protected. */
void filters_defaults(struct filters *f, const char *socket_path);
void filters_free(struct filters *f);

#endif
