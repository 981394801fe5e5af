/*
 * route: request target -> Docker API endpoint, the way dockerd's router sees it.
 *
 * dockerd (gorilla/mux behind Go's net/http) percent-decodes the path once,
 * strips an optional "/v<version>" prefix and matches the rest against a table
 * in which most object names are "{name:.*}": a name may contain '/', so the
 * action is what stands at the END of the path.  We decode once, refuse every
 * spelling whose meaning could differ between us and dockerd (dot segments,
 * empty segments, control bytes, malformed escapes, odd version prefixes) and
 * classify the decoded path by the same table.
 *
 * Nothing here allocates or does I/O.  The decoded path lives in the caller's
 * struct route_match; every pointer in it points into that struct or into the
 * target the caller passed in.
 */
#ifndef SOCKWALL_ROUTE_H
#define SOCKWALL_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

#define ROUTE_PATH_MAX 2048 /* decoded path, without the query */

/*
 * tecnativa/docker-socket-proxy section names, in the order
 * docs/access-control.md lists them: one list makes the enum (SEC_<name>)
 * and section_name's words.
 */
#define SECTIONS(S) \
	S(NONE) /* route unknown to us */ \
	S(AUTH) \
	S(BUILD) \
	S(COMMIT) \
	S(CONFIGS) \
	S(CONTAINERS) \
	S(DISTRIBUTION) \
	S(EVENTS) \
	S(EXEC) \
	S(GRPC) \
	S(IMAGES) \
	S(INFO) \
	S(NETWORKS) \
	S(NODES) \
	S(PING) \
	S(PLUGINS) \
	S(SECRETS) \
	S(SERVICES) \
	S(SESSION) \
	S(SWARM) \
	S(SYSTEM) \
	S(TASKS) \
	S(VERSION) \
	S(VOLUMES) \
	/* linuxserver's Podman sections: the libpod API, "/libpod/<name>" */ \
	S(LIBPOD_CONTAINERS) \
	S(LIBPOD_EVENTS) \
	S(LIBPOD_EXEC) \
	S(LIBPOD_GENERATE) \
	S(LIBPOD_IMAGES) \
	S(LIBPOD_INFO) \
	S(LIBPOD_MANIFESTS) \
	S(LIBPOD_NETWORKS) \
	S(LIBPOD_PING) \
	S(LIBPOD_PLAY) \
	S(LIBPOD_PODS) \
	S(LIBPOD_SECRETS) \
	S(LIBPOD_SYSTEM) \
	S(LIBPOD_VERSION) \
	S(LIBPOD_VOLUMES)

enum section {
#define SECTION_ENUM(name) SEC_##name,
	SECTIONS(SECTION_ENUM)
#undef SECTION_ENUM
	SEC_COUNT
};

/* Endpoints that some rule singles out; everything else is ACT_OTHER
 * and is judged by its section and method alone. */
enum route_action {
	ACT_OTHER = 0,
	ACT_CONTAINER_LIST,
	ACT_CONTAINER_CREATE,
	ACT_CONTAINER_INSPECT,
	ACT_CONTAINER_START,
	ACT_CONTAINER_STOP,
	ACT_CONTAINER_RESTART,
	ACT_CONTAINER_KILL,
	ACT_CONTAINER_PAUSE,
	ACT_CONTAINER_UNPAUSE,
	ACT_CONTAINER_LOGS,
	ACT_CONTAINER_TOP,
	ACT_CONTAINER_STATS,
	ACT_CONTAINER_CHANGES,
	ACT_CONTAINER_ATTACH,    /* POST .../attach: hijacked */
	ACT_CONTAINER_ATTACH_WS, /* GET .../attach/ws: websocket, writes stdin */
	ACT_CONTAINER_ARCHIVE,   /* GET/HEAD/PUT .../archive, POST .../copy */
	ACT_CONTAINER_EXPORT,
	ACT_CONTAINER_EXEC,      /* exec create */
	ACT_CONTAINER_WAIT,
	ACT_CONTAINER_RESIZE,
	ACT_CONTAINER_RENAME,
	ACT_CONTAINER_UPDATE,
	ACT_CONTAINER_DELETE,
	ACT_CONTAINER_PRUNE,
	ACT_EXEC_START,          /* hijacked */
	ACT_EXEC_RESIZE,
	ACT_EXEC_INSPECT,
	/* routes whose body or query the inspector and the filters read */
	ACT_IMAGE_CREATE,    /* pull or import: fromImage, tag */
	ACT_IMAGE_TAG,
	ACT_BUILD,           /* t */
	ACT_COMMIT,
	ACT_VOLUME_CREATE,
	ACT_VOLUME_DELETE,
	ACT_NETWORK_CREATE,
	ACT_NETWORK_CONNECT,
	ACT_NETWORK_DISCONNECT,
	ACT_NETWORK_DELETE,
	ACT_SERVICE_CREATE,
	ACT_SERVICE_UPDATE,
	/* routes closed or narrowed beyond their section */
	ACT_CONTAINER_CHECKPOINT, /* CRIU: dumps a container's memory */
	ACT_IMAGE_LOAD,           /* names inside a tarball */
	ACT_IMAGE_DELETE,         /* with force, Podman removes the containers using it */
	ACT_PLUGIN_PRIVILEGED,    /* pull, create, enable, upgrade, set: host privileges */
	ACT_SWARM_INSPECT,        /* GET /swarm: carries the join tokens */
	ACT_SWARM_UNLOCKKEY,
	/* libpod pod lifecycle: a pod may hold the proxy's own container */
	ACT_POD_START,
	ACT_POD_STOP,
	ACT_POD_RESTART,
	ACT_POD_KILL,
	ACT_POD_PAUSE,
	ACT_POD_UNPAUSE,
	ACT_POD_DELETE,
	ACT_COUNT
};

/*
 * What a route can do once the switches in front of it are open, decided
 * row by row from moby's router and backends (docs/routes.md gives each
 * row's reason; tests/unit/test_route.c keeps the two in step).  The zero
 * value is no class at all, so a row added without one fails that test.
 */
enum route_class {
	ROUTE_UNCLASSIFIED = 0,
	ROUTE_HARMLESS, /* reads that leak no secret; writes that cannot widen
			   what a container reaches */
	ROUTE_JUDGED,   /* body and query go through the rules create goes
			   through, or the container it names is looked up */
	ROUTE_CLOSED,   /* refused unless a switch that grants this power on
			   purpose is set (named beside the row): what it does
			   once open is the operator's decision, not sockwall's */
	ROUTE_REFUSED,  /* never forwarded: sockwall does not read what it
			   carries (libpod's own create, play, build, ...);
			   route_def.instead names the route it does judge */
	ROUTE_CLASS_COUNT
};

struct route_def {
	const char *method;     /* "GET", "HEAD", "POST", "PUT", "DELETE" */
	const char *pattern;    /* as in moby, e.g. "/containers/{name:.*}/start" */
	enum section section;
	enum route_action action;
	enum route_class klass;
	/* ROUTE_REFUSED rows only: why, and the Docker-compatible route that
	 * sockwall judges instead, as the client-facing refusal says it */
	const char *instead;
};

struct route_match {
	const struct route_def *def; /* NULL: no route in dockerd's table */
	char path[ROUTE_PATH_MAX];   /* decoded, version prefix removed, NUL-terminated */
	size_t path_len;
	char version[16];            /* "1.41", "4.3.1", or "" when unversioned */
	const char *name;            /* the {name}/{id} variable, into path; NULL if none */
	size_t name_len;
	const char *query;           /* raw query after the first '?', into the target;
	                                NULL if no '?', "" (len 0) for a bare '?' */
	size_t query_len;
};

/*
 * Parse an origin-form request target and look the endpoint up.
 * Returns 0 on success (m->def may still be NULL: unknown route) and -1 when
 * the target must be refused with 400; *why then names the problem in a few
 * words suitable for a client-facing message (why may be NULL).  Refused:
 * anything but "/path[?query]", raw bytes outside 0x21..0x7e, '#', bad or
 * control-producing %-escapes, empty or dot segments (also "/" and a
 * trailing '/'), a decoded path of ROUTE_PATH_MAX bytes or more, and a
 * first segment dockerd could read as a version other than v<N>.<N>[.<N>...]
 * (two or more dot-separated digit parts, as dockerd's version comparison
 * reads them and as Podman's clients send them: "/v4.3.1/libpod/...").
 * The method is compared exactly (case-sensitive); HEAD is only a route
 * where dockerd registers it.  m->name is the first variable of the
 * pattern (for the checkpoint DELETE, the container).
 */
int route_resolve(const char *method, size_t method_len,
		  const char *target, size_t target_len,
		  struct route_match *m, const char **why);

/* A libpod pod route that stops, pauses, kills, restarts or removes every
 * container of a pod: the filter looks the pod up, since it may hold the
 * proxy's own container. */
bool route_stops_pod(enum route_action a);

/* "CONTAINERS", "EVENTS", ...: the environment variable of a section;
 * "NONE" for SEC_NONE and for values out of range. */
const char *section_name(enum section s);

/* "harmless", "judged", "closed", "refused" (the words docs/routes.md uses);
 * "unclassified" for ROUTE_UNCLASSIFIED and for values out of range. */
const char *route_class_name(enum route_class k);

/* Every route dockerd knows, for --check-config and tests; *count of them. */
const struct route_def *route_table(size_t *count);

#endif
