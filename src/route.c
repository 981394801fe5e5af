/*
 * route: request target -> Docker API endpoint.  See route.h for the
 * contract.  The order of the work is the order dockerd does it in:
 * Go's net/http splits the target at the first '?' and percent-decodes the
 * path once (url.ParseRequestURI); gorilla/mux then matches the decoded
 * path against every route twice, "/v{version:[0-9.]+}" + pattern and the
 * bare pattern, in registration order.  We refuse whatever dockerd would
 * answer with a redirect, an error or a guess we cannot reproduce.
 *
 * Podman serves the same Docker-compatible table and, beside it, its own
 * libpod API under "/libpod/" (pkg/api/server/register_*.go), which
 * linuxserver's proxy opens with its LIBPOD_* sections.  Those rows follow
 * the Docker ones; none of their patterns overlaps a Docker pattern.
 */
#include "route.h"

#include <stdbool.h>
#include <string.h>

#include "hexdigit.h"

/* A row: method, pattern, section, action, class (route.h).  Every CLOSED
 * row says which switch opens it; docs/routes.md says why for every row. */
#define R(m, p, s, a, k) { m, p, SEC_##s, a, ROUTE_##k, NULL }
#define C(m, p, a, k) R(m, p, CONTAINERS, a, k)
#define X(m, p, a, k) R(m, p, EXEC, a, k)
/* libpod: L is a row of a LIBPOD_* section; U is a libpod row sockwall
 * refuses because it does not read what the route carries, with the
 * refusal's words: NOT_READ(what) "; <the Docker route judged instead>" */
#define L(m, p, s, a, k) { m, p, SEC_LIBPOD_##s, a, ROUTE_##k, NULL }
#define U(m, p, s, why) { m, p, SEC_LIBPOD_##s, ACT_OTHER, ROUTE_REFUSED, why }
#define NOT_READ(what) "sockwall does not inspect the libpod " what

/*
 * moby's routers in the order dockerd registers them (cmd/dockerd:
 * checkpoint, container, image, system, volume, build, session, swarm,
 * plugin, distribution, grpc, network) and, inside each router, in its own
 * order.  First match wins, so the order is part of the meaning: the
 * checkpoint DELETE must come before DELETE /containers/{name:.*}.
 *
 * Left out on purpose: OPTIONS /{anyroute:.*} (CORS preflight, no section)
 * and the /debug/ routes (pprof and expvar: 20.10 serves them to every
 * method, unversioned; newer dockerd to GET): both are unknown here, hence
 * denied.  POST .../copy is gone from dockerd since moby 26 (API 1.45) but
 * kept: it is a file read and must stay behind ALLOW_ARCHIVE wherever it
 * still exists.  PUT /volumes/{name} (cluster volumes) came with API 1.42.
 */
static const struct route_def routes[] = {
	/* checkpoint (experimental, but registered all the same): a dump of a
	 * process's memory needs EXEC; listing and removing check the container
	 * only ("dir", a host directory, is not judged: docs/routes.md) */
	C("GET", "/containers/{name:.*}/checkpoints", ACT_CONTAINER_CHECKPOINT, JUDGED),
	C("POST", "/containers/{name:.*}/checkpoints", ACT_CONTAINER_CHECKPOINT, CLOSED),
	C("DELETE", "/containers/{name}/checkpoints/{checkpoint}", ACT_CONTAINER_CHECKPOINT, JUDGED),

	/* container */
	C("HEAD", "/containers/{name:.*}/archive", ACT_CONTAINER_ARCHIVE, CLOSED), /* ALLOW_ARCHIVE */
	C("GET", "/containers/json", ACT_CONTAINER_LIST, HARMLESS),
	C("GET", "/containers/{name:.*}/export", ACT_CONTAINER_EXPORT, CLOSED), /* ALLOW_EXPORT */
	C("GET", "/containers/{name:.*}/changes", ACT_CONTAINER_CHANGES, HARMLESS),
	C("GET", "/containers/{name:.*}/json", ACT_CONTAINER_INSPECT, HARMLESS),
	C("GET", "/containers/{name:.*}/top", ACT_CONTAINER_TOP, HARMLESS),
	C("GET", "/containers/{name:.*}/logs", ACT_CONTAINER_LOGS, HARMLESS),
	C("GET", "/containers/{name:.*}/stats", ACT_CONTAINER_STATS, HARMLESS),
	C("GET", "/containers/{name:.*}/attach/ws", ACT_CONTAINER_ATTACH_WS, JUDGED),
	X("GET", "/exec/{id:.*}/json", ACT_EXEC_INSPECT, HARMLESS),
	C("GET", "/containers/{name:.*}/archive", ACT_CONTAINER_ARCHIVE, CLOSED), /* ALLOW_ARCHIVE */
	C("POST", "/containers/create", ACT_CONTAINER_CREATE, JUDGED),
	C("POST", "/containers/{name:.*}/kill", ACT_CONTAINER_KILL, JUDGED),
	C("POST", "/containers/{name:.*}/pause", ACT_CONTAINER_PAUSE, JUDGED),
	C("POST", "/containers/{name:.*}/unpause", ACT_CONTAINER_UNPAUSE, JUDGED),
	C("POST", "/containers/{name:.*}/restart", ACT_CONTAINER_RESTART, JUDGED),
	C("POST", "/containers/{name:.*}/start", ACT_CONTAINER_START, JUDGED),
	C("POST", "/containers/{name:.*}/stop", ACT_CONTAINER_STOP, JUDGED),
	C("POST", "/containers/{name:.*}/wait", ACT_CONTAINER_WAIT, HARMLESS),
	C("POST", "/containers/{name:.*}/resize", ACT_CONTAINER_RESIZE, JUDGED),
	C("POST", "/containers/{name:.*}/attach", ACT_CONTAINER_ATTACH, JUDGED),
	C("POST", "/containers/{name:.*}/copy", ACT_CONTAINER_ARCHIVE, CLOSED), /* ALLOW_ARCHIVE */
	C("POST", "/containers/{name:.*}/exec", ACT_CONTAINER_EXEC, CLOSED), /* EXEC */
	X("POST", "/exec/{name:.*}/start", ACT_EXEC_START, CLOSED), /* EXEC */
	X("POST", "/exec/{name:.*}/resize", ACT_EXEC_RESIZE, HARMLESS),
	C("POST", "/containers/{name:.*}/rename", ACT_CONTAINER_RENAME, JUDGED),
	C("POST", "/containers/{name:.*}/update", ACT_CONTAINER_UPDATE, JUDGED),
	C("POST", "/containers/prune", ACT_CONTAINER_PRUNE, HARMLESS),
	R("POST", "/commit", COMMIT, ACT_COMMIT, JUDGED),
	/* ALLOW_ARCHIVE; into a powerful container, EXEC as well */
	C("PUT", "/containers/{name:.*}/archive", ACT_CONTAINER_ARCHIVE, CLOSED),
	C("DELETE", "/containers/{name:.*}", ACT_CONTAINER_DELETE, JUDGED),

	/* image */
	R("GET", "/images/json", IMAGES, ACT_OTHER, HARMLESS),
	R("GET", "/images/search", IMAGES, ACT_OTHER, HARMLESS),
	R("GET", "/images/get", IMAGES, ACT_OTHER, HARMLESS),
	R("GET", "/images/{name:.*}/get", IMAGES, ACT_OTHER, HARMLESS),
	R("GET", "/images/{name:.*}/history", IMAGES, ACT_OTHER, HARMLESS),
	R("GET", "/images/{name:.*}/json", IMAGES, ACT_OTHER, HARMLESS),
	R("POST", "/images/load", IMAGES, ACT_IMAGE_LOAD, JUDGED),
	R("POST", "/images/create", IMAGES, ACT_IMAGE_CREATE, JUDGED),
	R("POST", "/images/{name:.*}/push", IMAGES, ACT_OTHER, HARMLESS),
	R("POST", "/images/{name:.*}/tag", IMAGES, ACT_IMAGE_TAG, JUDGED),
	R("POST", "/images/prune", IMAGES, ACT_OTHER, HARMLESS),
	R("DELETE", "/images/{name:.*}", IMAGES, ACT_IMAGE_DELETE, JUDGED),

	/* system */
	R("GET", "/_ping", PING, ACT_OTHER, HARMLESS),
	R("HEAD", "/_ping", PING, ACT_OTHER, HARMLESS),
	R("GET", "/events", EVENTS, ACT_OTHER, HARMLESS),
	R("GET", "/info", INFO, ACT_OTHER, HARMLESS),
	R("GET", "/version", VERSION, ACT_OTHER, HARMLESS),
	R("GET", "/system/df", SYSTEM, ACT_OTHER, HARMLESS),
	R("POST", "/auth", AUTH, ACT_OTHER, HARMLESS),

	/* volume */
	R("GET", "/volumes", VOLUMES, ACT_OTHER, HARMLESS),
	R("GET", "/volumes/{name:.*}", VOLUMES, ACT_OTHER, HARMLESS),
	R("POST", "/volumes/create", VOLUMES, ACT_VOLUME_CREATE, JUDGED),
	R("POST", "/volumes/prune", VOLUMES, ACT_OTHER, HARMLESS),
	R("PUT", "/volumes/{name:.*}", VOLUMES, ACT_OTHER, HARMLESS),
	R("DELETE", "/volumes/{name:.*}", VOLUMES, ACT_VOLUME_DELETE, JUDGED),

	/* build */
	R("POST", "/build", BUILD, ACT_BUILD, JUDGED),
	R("POST", "/build/prune", BUILD, ACT_OTHER, HARMLESS),
	R("POST", "/build/cancel", BUILD, ACT_OTHER, HARMLESS),

	/* session */
	R("POST", "/session", SESSION, ACT_OTHER, HARMLESS),

	/* swarm: "{id}" is one segment, without '/'.  Making this node a
	 * manager, joining another swarm or replacing the cluster's CA hands
	 * the host to whoever runs that swarm: SWARM=1 with POST=1 opens them. */
	R("POST", "/swarm/init", SWARM, ACT_OTHER, CLOSED),
	R("POST", "/swarm/join", SWARM, ACT_OTHER, CLOSED),
	R("POST", "/swarm/leave", SWARM, ACT_OTHER, HARMLESS),
	R("GET", "/swarm", SWARM, ACT_SWARM_INSPECT, CLOSED), /* POST: join tokens */
	R("GET", "/swarm/unlockkey", SWARM, ACT_SWARM_UNLOCKKEY, CLOSED), /* ALLOW_SWARM_UNLOCKKEY */
	R("POST", "/swarm/update", SWARM, ACT_OTHER, CLOSED),
	R("POST", "/swarm/unlock", SWARM, ACT_OTHER, HARMLESS),
	R("GET", "/services", SERVICES, ACT_OTHER, HARMLESS),
	R("GET", "/services/{id}", SERVICES, ACT_OTHER, HARMLESS),
	R("POST", "/services/create", SERVICES, ACT_SERVICE_CREATE, JUDGED),
	R("POST", "/services/{id}/update", SERVICES, ACT_SERVICE_UPDATE, JUDGED),
	R("DELETE", "/services/{id}", SERVICES, ACT_OTHER, HARMLESS),
	R("GET", "/services/{id}/logs", SERVICES, ACT_OTHER, HARMLESS),
	R("GET", "/nodes", NODES, ACT_OTHER, HARMLESS),
	R("GET", "/nodes/{id}", NODES, ACT_OTHER, HARMLESS),
	R("DELETE", "/nodes/{id}", NODES, ACT_OTHER, HARMLESS),
	R("POST", "/nodes/{id}/update", NODES, ACT_OTHER, HARMLESS),
	R("GET", "/tasks", TASKS, ACT_OTHER, HARMLESS),
	R("GET", "/tasks/{id}", TASKS, ACT_OTHER, HARMLESS),
	R("GET", "/tasks/{id}/logs", TASKS, ACT_OTHER, HARMLESS),
	R("GET", "/secrets", SECRETS, ACT_OTHER, HARMLESS),
	R("POST", "/secrets/create", SECRETS, ACT_OTHER, HARMLESS),
	R("DELETE", "/secrets/{id}", SECRETS, ACT_OTHER, HARMLESS),
	R("GET", "/secrets/{id}", SECRETS, ACT_OTHER, HARMLESS),
	R("POST", "/secrets/{id}/update", SECRETS, ACT_OTHER, HARMLESS),
	R("GET", "/configs", CONFIGS, ACT_OTHER, HARMLESS),
	R("POST", "/configs/create", CONFIGS, ACT_OTHER, HARMLESS),
	R("DELETE", "/configs/{id}", CONFIGS, ACT_OTHER, HARMLESS),
	R("GET", "/configs/{id}", CONFIGS, ACT_OTHER, HARMLESS),
	R("POST", "/configs/{id}/update", CONFIGS, ACT_OTHER, HARMLESS),

	/* plugin: a plugin runs as a container with the host mounts, devices,
	 * capabilities and namespaces its manifest asks for, and settings can
	 * change their sources: ALLOW_PLUGIN_PRIVILEGES opens those rows. */
	R("GET", "/plugins", PLUGINS, ACT_OTHER, HARMLESS),
	R("GET", "/plugins/{name:.*}/json", PLUGINS, ACT_OTHER, HARMLESS),
	R("GET", "/plugins/privileges", PLUGINS, ACT_OTHER, HARMLESS),
	R("DELETE", "/plugins/{name:.*}", PLUGINS, ACT_OTHER, HARMLESS),
	R("POST", "/plugins/{name:.*}/enable", PLUGINS, ACT_PLUGIN_PRIVILEGED, CLOSED),
	R("POST", "/plugins/{name:.*}/disable", PLUGINS, ACT_OTHER, HARMLESS),
	R("POST", "/plugins/pull", PLUGINS, ACT_PLUGIN_PRIVILEGED, CLOSED),
	R("POST", "/plugins/{name:.*}/push", PLUGINS, ACT_OTHER, HARMLESS),
	R("POST", "/plugins/{name:.*}/upgrade", PLUGINS, ACT_PLUGIN_PRIVILEGED, CLOSED),
	R("POST", "/plugins/{name:.*}/set", PLUGINS, ACT_PLUGIN_PRIVILEGED, CLOSED),
	R("POST", "/plugins/create", PLUGINS, ACT_PLUGIN_PRIVILEGED, CLOSED),

	/* distribution */
	R("GET", "/distribution/{name:.*}/json", DISTRIBUTION, ACT_OTHER, HARMLESS),

	/* grpc: BuildKit's own API, an HTTP/2 stream sockwall cannot read:
	 * host-network builds, URL fetches and tags go unjudged.  GRPC=1. */
	R("POST", "/grpc", GRPC, ACT_OTHER, CLOSED),

	/* network; "/networks/" is unreachable here (trailing '/' is refused)
	 * but it is in dockerd's table, so it is in ours. */
	R("GET", "/networks", NETWORKS, ACT_OTHER, HARMLESS),
	R("GET", "/networks/", NETWORKS, ACT_OTHER, HARMLESS),
	R("GET", "/networks/{id:.+}", NETWORKS, ACT_OTHER, HARMLESS),
	R("POST", "/networks/create", NETWORKS, ACT_NETWORK_CREATE, JUDGED),
	R("POST", "/networks/{id:.*}/connect", NETWORKS, ACT_NETWORK_CONNECT, JUDGED),
	R("POST", "/networks/{id:.*}/disconnect", NETWORKS, ACT_NETWORK_DISCONNECT, JUDGED),
	R("POST", "/networks/prune", NETWORKS, ACT_OTHER, HARMLESS),
	R("DELETE", "/networks/{id:.*}", NETWORKS, ACT_NETWORK_DELETE, JUDGED),

	/*
	 * libpod, Podman v4.3.1 (Debian bookworm's), in the order of its
	 * server.go and, inside each register_*.go, of its own.  "{name}" is
	 * one segment there too.  Podman registers these only behind
	 * "/v{version}" (but /libpod/_ping); unversioned, Podman answers 404.
	 * Routes newer than 4.3.1 (quadlets, artifacts, ...) are unknown
	 * here, hence denied.  A route sharing Docker's handler (compat.*) and
	 * its body and query takes Docker's action, so it is judged exactly as
	 * the Docker route is.  Every route whose body or query could widen
	 * what a container reaches, or make one, is REFUSED: sockwall does not
	 * read libpod's bodies (a SpecGenerator, a kube YAML, ...).
	 */
	/* archive: compat.Archive */
	L("HEAD", "/libpod/containers/{name}/archive", CONTAINERS, ACT_CONTAINER_ARCHIVE, CLOSED), /* ALLOW_ARCHIVE */
	L("GET", "/libpod/containers/{name}/archive", CONTAINERS, ACT_CONTAINER_ARCHIVE, CLOSED), /* ALLOW_ARCHIVE */
	U("PUT", "/libpod/containers/{name}/archive", CONTAINERS, NOT_READ("archive upload") "; copy files into containers through PUT /containers/{id}/archive, which sockwall judges"),

	/* containers */
	U("POST", "/libpod/containers/create", CONTAINERS, NOT_READ("create route (a SpecGenerator body)") "; create containers through POST /containers/create, which sockwall judges"),
	L("GET", "/libpod/containers/json", CONTAINERS, ACT_CONTAINER_LIST, HARMLESS),
	L("POST", "/libpod/containers/prune", CONTAINERS, ACT_CONTAINER_PRUNE, HARMLESS),
	L("GET", "/libpod/containers/showmounted", CONTAINERS, ACT_OTHER, HARMLESS),
	L("DELETE", "/libpod/containers/{name}", CONTAINERS, ACT_CONTAINER_DELETE, JUDGED),
	L("GET", "/libpod/containers/{name}/json", CONTAINERS, ACT_CONTAINER_INSPECT, HARMLESS),
	L("POST", "/libpod/containers/{name}/kill", CONTAINERS, ACT_CONTAINER_KILL, JUDGED),
	L("POST", "/libpod/containers/{name}/mount", CONTAINERS, ACT_OTHER, HARMLESS),
	L("POST", "/libpod/containers/{name}/unmount", CONTAINERS, ACT_OTHER, HARMLESS),
	L("GET", "/libpod/containers/{name}/logs", CONTAINERS, ACT_CONTAINER_LOGS, HARMLESS),
	L("POST", "/libpod/containers/{name}/pause", CONTAINERS, ACT_CONTAINER_PAUSE, JUDGED),
	L("POST", "/libpod/containers/{name}/restart", CONTAINERS, ACT_CONTAINER_RESTART, JUDGED),
	L("POST", "/libpod/containers/{name}/start", CONTAINERS, ACT_CONTAINER_START, JUDGED),
	L("GET", "/libpod/containers/{name}/stats", CONTAINERS, ACT_CONTAINER_STATS, HARMLESS),
	L("GET", "/libpod/containers/stats", CONTAINERS, ACT_OTHER, HARMLESS),
	L("GET", "/libpod/containers/{name}/top", CONTAINERS, ACT_CONTAINER_TOP, HARMLESS),
	L("POST", "/libpod/containers/{name}/unpause", CONTAINERS, ACT_CONTAINER_UNPAUSE, JUDGED),
	L("POST", "/libpod/containers/{name}/wait", CONTAINERS, ACT_CONTAINER_WAIT, HARMLESS),
	L("GET", "/libpod/containers/{name}/exists", CONTAINERS, ACT_OTHER, HARMLESS),
	L("POST", "/libpod/containers/{name}/stop", CONTAINERS, ACT_CONTAINER_STOP, JUDGED),
	L("POST", "/libpod/containers/{name}/attach", CONTAINERS, ACT_CONTAINER_ATTACH, JUDGED),
	L("POST", "/libpod/containers/{name}/resize", CONTAINERS, ACT_CONTAINER_RESIZE, JUDGED),
	L("GET", "/libpod/containers/{name}/export", CONTAINERS, ACT_CONTAINER_EXPORT, CLOSED), /* ALLOW_EXPORT */
	U("POST", "/libpod/containers/{name}/checkpoint", CONTAINERS, NOT_READ("checkpoint route (it dumps a container's memory, and export= writes a host file)") "; checkpoints go through POST /containers/{id}/checkpoints, which needs EXEC=1"),
	U("POST", "/libpod/containers/{name}/restore", CONTAINERS, NOT_READ("restore route (it makes a container from a checkpoint archive)") "; create containers through POST /containers/create, which sockwall judges"),
	L("GET", "/libpod/containers/{name}/changes", CONTAINERS, ACT_CONTAINER_CHANGES, HARMLESS),
	L("POST", "/libpod/containers/{name}/init", CONTAINERS, ACT_OTHER, HARMLESS),
	L("POST", "/libpod/containers/{name}/rename", CONTAINERS, ACT_CONTAINER_RENAME, JUDGED),
	U("POST", "/libpod/containers/{name}/update", CONTAINERS, NOT_READ("update route (its resources carry device rules)") "; update containers through POST /containers/{id}/update, which sockwall judges"),

	/* events */
	L("GET", "/libpod/events", EVENTS, ACT_OTHER, HARMLESS),

	/* exec: the create lives under /libpod/containers, as Docker's does */
	U("POST", "/libpod/containers/{name}/exec", CONTAINERS, NOT_READ("exec route") "; exec through POST /containers/{id}/exec, which sockwall judges (EXEC=1)"),
	U("POST", "/libpod/exec/{id}/start", EXEC, NOT_READ("exec route") "; start execs through POST /exec/{id}/start (EXEC=1)"),
	L("POST", "/libpod/exec/{id}/resize", EXEC, ACT_EXEC_RESIZE, HARMLESS),
	L("GET", "/libpod/exec/{id}/json", EXEC, ACT_EXEC_INSPECT, HARMLESS),

	/* generate: text built from a container's or pod's configuration */
	L("GET", "/libpod/generate/{name:.*}/systemd", GENERATE, ACT_OTHER, HARMLESS),
	L("GET", "/libpod/generate/kube", GENERATE, ACT_OTHER, HARMLESS),

	/* healthcheck: runs the check its creator gave the container */
	L("GET", "/libpod/containers/{name:.*}/healthcheck", CONTAINERS, ACT_OTHER, HARMLESS),

	/* images; the push handler accepts a registry destination only */
	L("POST", "/libpod/images/{name:.*}/push", IMAGES, ACT_OTHER, HARMLESS),
	L("GET", "/libpod/images/{name:.*}/exists", IMAGES, ACT_OTHER, HARMLESS),
	L("GET", "/libpod/images/{name:.*}/tree", IMAGES, ACT_OTHER, HARMLESS),
	L("GET", "/libpod/images/{name:.*}/history", IMAGES, ACT_OTHER, HARMLESS),
	L("GET", "/libpod/images/json", IMAGES, ACT_OTHER, HARMLESS),
	U("POST", "/libpod/images/load", IMAGES, NOT_READ("image load route") "; load images through POST /images/load, which sockwall judges"),
	U("POST", "/libpod/images/import", IMAGES, NOT_READ("image import route (url= makes Podman fetch any URL)") "; import through POST /images/create?fromSrc=, which sockwall judges"),
	L("DELETE", "/libpod/images/remove", IMAGES, ACT_IMAGE_DELETE, JUDGED),
	L("DELETE", "/libpod/images/{name:.*}", IMAGES, ACT_IMAGE_DELETE, JUDGED),
	U("POST", "/libpod/images/pull", IMAGES, NOT_READ("image pull route") "; pull through POST /images/create?fromImage=, which sockwall judges"),
	L("POST", "/libpod/images/prune", IMAGES, ACT_OTHER, HARMLESS),
	L("GET", "/libpod/images/search", IMAGES, ACT_OTHER, HARMLESS),
	L("GET", "/libpod/images/{name:.*}/get", IMAGES, ACT_OTHER, HARMLESS),
	L("GET", "/libpod/images/export", IMAGES, ACT_OTHER, HARMLESS),
	L("GET", "/libpod/images/{name:.*}/json", IMAGES, ACT_OTHER, HARMLESS),
	L("POST", "/libpod/images/{name:.*}/tag", IMAGES, ACT_IMAGE_TAG, JUDGED),
	U("POST", "/libpod/commit", IMAGES, NOT_READ("commit route") "; commit through POST /commit, which sockwall judges"),
	L("POST", "/libpod/images/{name:.*}/untag", IMAGES, ACT_OTHER, HARMLESS),
	L("GET", "/libpod/images/{name}/changes", IMAGES, ACT_OTHER, HARMLESS),
	U("POST", "/libpod/build", IMAGES, NOT_READ("build route") "; build through POST /build, which sockwall judges"),
	U("POST", "/libpod/images/scp/{name:.*}", IMAGES, NOT_READ("image scp route (Podman copies the image over SSH with the host's keys)") "; push images through POST /images/{name}/push"),

	/* info */
	L("GET", "/libpod/info", INFO, ACT_OTHER, HARMLESS),

	/* manifests: Podman routes "/v3.x" and "/v4.x" here differently (a
	 * v4 POST of any path is a create); every write is refused, so the
	 * version does not change a verdict. */
	U("POST", "/libpod/manifests/{name:.*}", MANIFESTS, NOT_READ("manifest list route (a list takes an image name)") "; name images through POST /images/{name}/tag, which sockwall judges"),
	L("GET", "/libpod/manifests/{name:.*}/exists", MANIFESTS, ACT_OTHER, HARMLESS),
	L("GET", "/libpod/manifests/{name:.*}/json", MANIFESTS, ACT_OTHER, HARMLESS),
	U("PUT", "/libpod/manifests/{name:.*}", MANIFESTS, NOT_READ("manifest list route (a list takes an image name)") "; name images through POST /images/{name}/tag, which sockwall judges"),
	L("DELETE", "/libpod/manifests/{name:.*}", MANIFESTS, ACT_OTHER, HARMLESS),

	/* networks */
	U("DELETE", "/libpod/networks/{name}", NETWORKS, NOT_READ("network removal route (force= removes the containers on the network)") "; remove networks through DELETE /networks/{id}, which sockwall judges"),
	L("GET", "/libpod/networks/{name}/exists", NETWORKS, ACT_OTHER, HARMLESS),
	L("GET", "/libpod/networks/json", NETWORKS, ACT_OTHER, HARMLESS),
	L("GET", "/libpod/networks/{name}/json", NETWORKS, ACT_OTHER, HARMLESS),
	L("GET", "/libpod/networks/{name}", NETWORKS, ACT_OTHER, HARMLESS),
	U("POST", "/libpod/networks/create", NETWORKS, NOT_READ("network create route") "; create networks through POST /networks/create, which sockwall judges"),
	U("POST", "/libpod/networks/{name}/connect", NETWORKS, NOT_READ("network connect route") "; connect containers through POST /networks/{id}/connect, which sockwall judges"),
	L("POST", "/libpod/networks/{name}/disconnect", NETWORKS, ACT_NETWORK_DISCONNECT, JUDGED),
	L("POST", "/libpod/networks/prune", NETWORKS, ACT_OTHER, HARMLESS),

	/* ping: the one libpod route Podman also serves unversioned */
	L("GET", "/libpod/_ping", PING, ACT_OTHER, HARMLESS),
	L("HEAD", "/libpod/_ping", PING, ACT_OTHER, HARMLESS),

	/* kube: a YAML of pods and containers, made or torn down;
	 * GET /libpod/generate/kube is registered again here (same row) */
	U("POST", "/libpod/play/kube", PLAY, NOT_READ("play/kube route (a kube YAML makes pods and containers)") "; create containers through POST /containers/create, which sockwall judges"),
	U("POST", "/libpod/kube/play", PLAY, NOT_READ("kube/play route (a kube YAML makes pods and containers)") "; create containers through POST /containers/create, which sockwall judges"),
	U("DELETE", "/libpod/play/kube", PLAY, NOT_READ("play/kube teardown (it removes what the YAML names)") "; remove containers through DELETE /containers/{id}, which sockwall judges"),
	U("DELETE", "/libpod/kube/play", PLAY, NOT_READ("kube/play teardown (it removes what the YAML names)") "; remove containers through DELETE /containers/{id}, which sockwall judges"),
	L("GET", "/libpod/kube/generate", GENERATE, ACT_OTHER, HARMLESS),

	/* pods: the lifecycle routes act on every container of the pod */
	L("GET", "/libpod/pods/json", PODS, ACT_OTHER, HARMLESS),
	U("POST", "/libpod/pods/create", PODS, NOT_READ("pod create route (a PodSpecGenerator body)") "; create containers through POST /containers/create, which sockwall judges"),
	L("POST", "/libpod/pods/prune", PODS, ACT_OTHER, HARMLESS),
	L("DELETE", "/libpod/pods/{name}", PODS, ACT_POD_DELETE, JUDGED),
	L("GET", "/libpod/pods/{name}/json", PODS, ACT_OTHER, HARMLESS),
	L("GET", "/libpod/pods/{name}/exists", PODS, ACT_OTHER, HARMLESS),
	L("POST", "/libpod/pods/{name}/kill", PODS, ACT_POD_KILL, JUDGED),
	L("POST", "/libpod/pods/{name}/pause", PODS, ACT_POD_PAUSE, JUDGED),
	L("POST", "/libpod/pods/{name}/restart", PODS, ACT_POD_RESTART, JUDGED),
	L("POST", "/libpod/pods/{name}/start", PODS, ACT_POD_START, HARMLESS),
	L("POST", "/libpod/pods/{name}/stop", PODS, ACT_POD_STOP, JUDGED),
	L("POST", "/libpod/pods/{name}/unpause", PODS, ACT_POD_UNPAUSE, JUDGED),
	L("GET", "/libpod/pods/{name}/top", PODS, ACT_CONTAINER_TOP, HARMLESS), /* ALLOW_TOP */
	L("GET", "/libpod/pods/stats", PODS, ACT_OTHER, HARMLESS),

	/* secrets: a libpod create takes a driver and its options (the
	 * "shell" driver runs commands on the host) */
	U("POST", "/libpod/secrets/create", SECRETS, NOT_READ("secret create route (driver options run host commands)") "; store secrets through POST /secrets/create"),
	L("GET", "/libpod/secrets/json", SECRETS, ACT_OTHER, HARMLESS),
	L("GET", "/libpod/secrets/{name}/json", SECRETS, ACT_OTHER, HARMLESS),
	L("DELETE", "/libpod/secrets/{name}", SECRETS, ACT_OTHER, HARMLESS),

	/* GET /libpod/swagger: in no linuxserver section, left out */
	/* system */
	L("POST", "/libpod/system/prune", SYSTEM, ACT_OTHER, HARMLESS),
	L("GET", "/libpod/system/df", SYSTEM, ACT_OTHER, HARMLESS),

	/* version */
	L("GET", "/libpod/version", VERSION, ACT_OTHER, HARMLESS),

	/* volumes */
	U("POST", "/libpod/volumes/create", VOLUMES, NOT_READ("volume create route") "; create volumes through POST /volumes/create, which sockwall judges"),
	L("GET", "/libpod/volumes/{name}/exists", VOLUMES, ACT_OTHER, HARMLESS),
	L("GET", "/libpod/volumes/json", VOLUMES, ACT_OTHER, HARMLESS),
	L("POST", "/libpod/volumes/prune", VOLUMES, ACT_OTHER, HARMLESS),
	L("GET", "/libpod/volumes/{name}/json", VOLUMES, ACT_OTHER, HARMLESS),
	U("DELETE", "/libpod/volumes/{name}", VOLUMES, NOT_READ("volume removal route (force= removes the containers that use it)") "; remove volumes through DELETE /volumes/{name}, which sockwall judges"),
};

#undef R
#undef C
#undef X
#undef L
#undef U
#undef NOT_READ

static const char *const section_names[SEC_COUNT] = {
#define SECTION_WORD(name) #name,
	SECTIONS(SECTION_WORD)
#undef SECTION_WORD
};

const char *section_name(enum section s)
{
	if ((unsigned)s >= SEC_COUNT)
		return section_names[SEC_NONE];
	return section_names[s];
}

const char *route_class_name(enum route_class k)
{
	static const char *const names[ROUTE_CLASS_COUNT] = {
		[ROUTE_UNCLASSIFIED] = "unclassified",
		[ROUTE_HARMLESS] = "harmless",
		[ROUTE_JUDGED] = "judged",
		[ROUTE_CLOSED] = "closed",
		[ROUTE_REFUSED] = "refused",
	};

	if ((unsigned)k >= ROUTE_CLASS_COUNT)
		return names[ROUTE_UNCLASSIFIED];
	return names[k];
}

bool route_stops_pod(enum route_action a)
{
	return a == ACT_POD_STOP || a == ACT_POD_RESTART || a == ACT_POD_KILL ||
	       a == ACT_POD_PAUSE || a == ACT_POD_UNPAUSE || a == ACT_POD_DELETE;
}

const struct route_def *route_table(size_t *count)
{
	*count = sizeof(routes) / sizeof(routes[0]);
	return routes;
}

/* ---- pattern matching, gorilla/mux style ---- */

/*
 * Does s[0..n) match the pattern p exactly (anchored at both ends)?
 * Variables are tried longest first, as Go's greedy regexp would capture
 * them; with moby's patterns (a literal after each variable, or the end)
 * there is only ever one way to match, so the order only matters for
 * speed.  The first variable of the pattern is reported through *name.
 */
static bool pattern_match(const char *p, const char *s, size_t n, bool first,
			  const char **name, size_t *name_len)
{
	while (*p && *p != '{') {
		if (n == 0 || *s != *p)
			return false;
		p++, s++, n--;
	}
	if (*p == '\0')
		return n == 0;

	const char *close = strchr(p, '}');
	if (!close)
		return false;

	/* The three variable shapes moby uses: "{v}" (gorilla's default,
	 * [^/]+), "{v:.*}" and "{v:.+}"; anything else never matches. */
	const char *colon = memchr(p, ':', (size_t)(close - p));
	size_t min = 1, max = n;
	if (!colon) {
		const char *slash = memchr(s, '/', n);
		if (slash)
			max = (size_t)(slash - s);
	} else if (close - colon == 3 && colon[1] == '.' && (colon[2] == '*' || colon[2] == '+')) {
		min = colon[2] == '+';
	} else {
		return false;
	}

	/* The usual shape, "prefix{var}suffix": the suffix fixes the length. */
	if (!strchr(close + 1, '{')) {
		size_t tail = strlen(close + 1);
		if (n < tail || n - tail < min || n - tail > max ||
		    memcmp(s + n - tail, close + 1, tail) != 0)
			return false;
		if (first) {
			*name = s;
			*name_len = n - tail;
		}
		return true;
	}
	for (size_t len = max + 1; len-- > min;) {
		if (pattern_match(close + 1, s + len, n - len, false, name,
				  name_len)) {
			if (first) {
				*name = s;
				*name_len = len;
			}
			return true;
		}
	}
	return false;
}

/* ---- target parsing ---- */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int refuse(const char **why, const char *reason)
{
	if (why)
		*why = reason;
	return -1;
}

/*
 * dockerd's versionMatcher "/v{version:[0-9.]+}" could take a first
 * segment of 'v', digits and dots for a version (we look a little wider:
 * any such mix after "v<digit>" or "v."): it must then have the form
 * route.h gives, and is cut off.  dockerd compares versions part by part,
 * a missing part counting as 0, so "1.41.0" is 1.41 to it.
 */
static int strip_version(struct route_match *m, const char **why)
{
	if (m->path_len < 3) /* "/v1" is the shortest candidate */
		return 0;

	const char *seg = m->path + 1;
	const char *end = memchr(seg, '/', m->path_len - 1);
	size_t len = end ? (size_t)(end - seg) : m->path_len - 1;

	if (len < 2 || seg[0] != 'v' || !(is_digit(seg[1]) || seg[1] == '.'))
		return 0;
	for (size_t i = 1; i < len; i++)
		if (!(is_digit(seg[i]) || seg[i] == '.' || seg[i] == 'v'))
			return 0; /* "/v1x": not a version to dockerd either */

	size_t parts = 0;
	for (size_t i = 1; i <= len; i++) {
		size_t digits = 0;
		while (i < len && is_digit(seg[i]))
			i++, digits++;
		if (digits == 0 || (i < len && seg[i] != '.'))
			return refuse(why, "unsupported API version prefix");
		parts++; /* i is now at a '.' or at the end */
	}
	if (parts < 2)
		return refuse(why, "unsupported API version prefix");
	if (len - 1 >= sizeof(m->version))
		return refuse(why, "API version prefix too long");

	memcpy(m->version, seg + 1, len - 1);
	m->version[len - 1] = '\0';

	size_t cut = 1 + len; /* "/v1.41" */
	memmove(m->path, m->path + cut, m->path_len - cut + 1);
	m->path_len -= cut;
	return 0;
}

static void clear_match(struct route_match *m)
{
	m->def = NULL;
	m->path[0] = '\0';
	m->path_len = 0;
	m->version[0] = '\0';
	m->name = NULL;
	m->name_len = 0;
	m->query = NULL;
	m->query_len = 0;
}

static int resolve(const char *method, size_t method_len,
		   const char *target, size_t target_len,
		   struct route_match *m, const char **why)
{
	clear_match(m);
	if (why)
		*why = NULL;

	/* origin-form only: no "*", no absolute-form, no authority-form */
	if (target_len == 0 || target[0] != '/')
		return refuse(why, "request target is not an absolute path");

	/* Raw bytes: a request target is visible ASCII; '#' never belongs in
	 * one, and Go would keep it as part of the path. */
	size_t path_end = target_len;
	for (size_t i = 0; i < target_len; i++) {
		unsigned char c = (unsigned char)target[i];
		if (c <= 0x20 || c >= 0x7f)
			return refuse(why, "invalid byte in request target");
		if (c == '#')
			return refuse(why, "fragment in request target");
		if (c == '?' && path_end == target_len)
			path_end = i;
	}
	if (path_end < target_len) {
		m->query = target + path_end + 1;
		m->query_len = target_len - path_end - 1;
	}

	/* Percent-decode the path exactly once. */
	size_t out = 0;
	for (size_t i = 0; i < path_end; i++) {
		unsigned char c = (unsigned char)target[i];
		if (c == '%') {
			int hi = i + 2 < path_end ? hex_digit_value((unsigned char)target[i + 1]) : -1;
			int lo = hi >= 0 ? hex_digit_value((unsigned char)target[i + 2]) : -1;
			if (lo < 0)
				return refuse(why, "invalid percent-encoding in path");
			c = (unsigned char)(hi << 4 | lo);
			i += 2;
		}
		if (c < 0x20 || c == 0x7f)
			return refuse(why, "control character in path");
		if (out >= ROUTE_PATH_MAX - 1)
			return refuse(why, "path too long");
		m->path[out++] = (char)c;
	}
	m->path[out] = '\0';
	m->path_len = out;

	/* Segments: no empty ones (no "//", no trailing '/', not "/"), no
	 * "." or "..": dockerd's mux would clean those and redirect. */
	for (size_t i = 0; i < out;) {
		size_t j = i + 1;
		while (j < out && m->path[j] != '/')
			j++;
		size_t len = j - i - 1;
		const char *seg = m->path + i + 1;
		if (len == 0)
			return refuse(why, "empty segment in path");
		if ((len == 1 && seg[0] == '.') ||
		    (len == 2 && seg[0] == '.' && seg[1] == '.'))
			return refuse(why, "dot segment in path");
		i = j;
	}

	if (strip_version(m, why) < 0)
		return -1;

	size_t count;
	const struct route_def *table = route_table(&count);
	char first = m->path_len ? m->path[1] : '\0'; /* "" matches no pattern */
	for (size_t r = 0; r < count; r++) {
		const struct route_def *d = &table[r];
		/* Every pattern starts with '/' and a literal: its first
		 * letter turns away most of the table before any call.  (The
		 * method may hold any byte, NUL too: compared by length.) */
		if (d->pattern[1] != first && d->pattern[1] != '{')
			continue;
		if (strlen(d->method) != method_len || memcmp(d->method, method, method_len) != 0)
			continue;
		const char *name = NULL;
		size_t name_len = 0;
		if (pattern_match(d->pattern, m->path, m->path_len, true,
				  &name, &name_len)) {
			m->def = d;
			m->name = name;
			m->name_len = name_len;
			break;
		}
	}
	return 0;
}

int route_resolve(const char *method, size_t method_len,
		  const char *target, size_t target_len,
		  struct route_match *m, const char **why)
{
	int rc = resolve(method, method_len, target, target_len, m, why);

	if (rc < 0)
		clear_match(m); /* nothing half-done leaks out of a refusal */
	return rc;
}
