/*
 * route: what dockerd's router would make of a request line, and what we
 * refuse to guess about.  Each row is a method and a request target as a
 * client sends them, then the endpoint dockerd would run (pattern, section,
 * action, the {name} it would act on) or the 400 we answer instead.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "route.h"
#include "test.h"

#define REFUSE (-1)
#define UNKNOWN NULL

struct row {
	const char *method;
	const char *target;
	int rc;              /* 0, or REFUSE */
	const char *pattern; /* UNKNOWN: no route (rc 0) */
	enum section section;
	enum route_action action;
	const char *name;    /* NULL: no variable */
	const char *version; /* "" when unversioned */
	const char *query;   /* NULL: no '?' */
};

static const struct row rows[] = {
	/* plain reads, versioned and not, with and without a query */
	{ "GET", "/containers/json", 0, "/containers/json", SEC_CONTAINERS, ACT_CONTAINER_LIST, NULL, "", NULL },
	{ "GET", "/v1.41/containers/json", 0, "/containers/json", SEC_CONTAINERS, ACT_CONTAINER_LIST, NULL, "1.41", NULL },
	{ "GET", "/v1.24/containers/json?all=1&filters=%7B%22status%22%3A%5B%22running%22%5D%7D", 0, "/containers/json", SEC_CONTAINERS, ACT_CONTAINER_LIST, NULL, "1.24", "all=1&filters=%7B%22status%22%3A%5B%22running%22%5D%7D" },
	{ "GET", "/containers/json?", 0, "/containers/json", SEC_CONTAINERS, ACT_CONTAINER_LIST, NULL, "", "" },
	{ "GET", "/containers/json?a=1?b=2", 0, "/containers/json", SEC_CONTAINERS, ACT_CONTAINER_LIST, NULL, "", "a=1?b=2" },
	{ "GET", "/v1.43/containers/abc123/json?size=1", 0, "/containers/{name:.*}/json", SEC_CONTAINERS, ACT_CONTAINER_INSPECT, "abc123", "1.43", "size=1" },
	{ "GET", "/v01.041/version", 0, "/version", SEC_VERSION, ACT_OTHER, NULL, "01.041", NULL },
	/* the version prefix is found after decoding, like dockerd does */
	{ "GET", "/%761.41/containers/json", 0, "/containers/json", SEC_CONTAINERS, ACT_CONTAINER_LIST, NULL, "1.41", NULL },

	/* {name:.*} takes '/': the action is what ends the path */
	{ "GET", "/containers/x/json", 0, "/containers/{name:.*}/json", SEC_CONTAINERS, ACT_CONTAINER_INSPECT, "x", "", NULL },
	{ "GET", "/containers/json/json", 0, "/containers/{name:.*}/json", SEC_CONTAINERS, ACT_CONTAINER_INSPECT, "json", "", NULL },
	{ "GET", "/containers/x/export/json", 0, "/containers/{name:.*}/json", SEC_CONTAINERS, ACT_CONTAINER_INSPECT, "x/export", "", NULL },
	{ "POST", "/containers/create", 0, "/containers/create", SEC_CONTAINERS, ACT_CONTAINER_CREATE, NULL, "", NULL },
	{ "POST", "/v1.41/containers/create?name=web", 0, "/containers/create", SEC_CONTAINERS, ACT_CONTAINER_CREATE, NULL, "1.41", "name=web" },
	{ "POST", "/containers/create/start", 0, "/containers/{name:.*}/start", SEC_CONTAINERS, ACT_CONTAINER_START, "create", "", NULL },
	{ "POST", "/containers/a%2Fb/start", 0, "/containers/{name:.*}/start", SEC_CONTAINERS, ACT_CONTAINER_START, "a/b", "", NULL },
	{ "POST", "/containers/a%2fb/stop", 0, "/containers/{name:.*}/stop", SEC_CONTAINERS, ACT_CONTAINER_STOP, "a/b", "", NULL },
	{ "POST", "/containers/x/stop/start", 0, "/containers/{name:.*}/start", SEC_CONTAINERS, ACT_CONTAINER_START, "x/stop", "", NULL },
	{ "POST", "/containers/linker/alias/exec", 0, "/containers/{name:.*}/exec", SEC_CONTAINERS, ACT_CONTAINER_EXEC, "linker/alias", "", NULL },
	{ "POST", "/v1.41/containers/linker/alias/exec", 0, "/containers/{name:.*}/exec", SEC_CONTAINERS, ACT_CONTAINER_EXEC, "linker/alias", "1.41", NULL },
	{ "POST", "/containers/a%3Fb/kill", 0, "/containers/{name:.*}/kill", SEC_CONTAINERS, ACT_CONTAINER_KILL, "a?b", "", NULL },
	{ "POST", "/containers/a%20b/restart", 0, "/containers/{name:.*}/restart", SEC_CONTAINERS, ACT_CONTAINER_RESTART, "a b", "", NULL },
	{ "POST", "/containers/.hidden/pause", 0, "/containers/{name:.*}/pause", SEC_CONTAINERS, ACT_CONTAINER_PAUSE, ".hidden", "", NULL },
	{ "POST", "/containers/.../unpause", 0, "/containers/{name:.*}/unpause", SEC_CONTAINERS, ACT_CONTAINER_UNPAUSE, "...", "", NULL },
	{ "POST", "/containers/x/wait?condition=removed", 0, "/containers/{name:.*}/wait", SEC_CONTAINERS, ACT_CONTAINER_WAIT, "x", "", "condition=removed" },
	{ "POST", "/containers/x/resize?h=10&w=20", 0, "/containers/{name:.*}/resize", SEC_CONTAINERS, ACT_CONTAINER_RESIZE, "x", "", "h=10&w=20" },
	{ "POST", "/containers/x/attach?stream=1", 0, "/containers/{name:.*}/attach", SEC_CONTAINERS, ACT_CONTAINER_ATTACH, "x", "", "stream=1" },
	{ "GET", "/containers/x/attach/ws", 0, "/containers/{name:.*}/attach/ws", SEC_CONTAINERS, ACT_CONTAINER_ATTACH_WS, "x", "", NULL },
	{ "POST", "/containers/x/attach/ws", 0, UNKNOWN, 0, 0, NULL, "", NULL },
	{ "GET", "/containers/x/logs?follow=1", 0, "/containers/{name:.*}/logs", SEC_CONTAINERS, ACT_CONTAINER_LOGS, "x", "", "follow=1" },
	{ "GET", "/containers/x/top", 0, "/containers/{name:.*}/top", SEC_CONTAINERS, ACT_CONTAINER_TOP, "x", "", NULL },
	{ "GET", "/containers/x/stats", 0, "/containers/{name:.*}/stats", SEC_CONTAINERS, ACT_CONTAINER_STATS, "x", "", NULL },
	{ "GET", "/containers/x/changes", 0, "/containers/{name:.*}/changes", SEC_CONTAINERS, ACT_CONTAINER_CHANGES, "x", "", NULL },
	{ "GET", "/containers/x/export", 0, "/containers/{name:.*}/export", SEC_CONTAINERS, ACT_CONTAINER_EXPORT, "x", "", NULL },
	{ "GET", "/containers/x/archive?path=/etc", 0, "/containers/{name:.*}/archive", SEC_CONTAINERS, ACT_CONTAINER_ARCHIVE, "x", "", "path=/etc" },
	{ "PUT", "/containers/x/archive?path=/", 0, "/containers/{name:.*}/archive", SEC_CONTAINERS, ACT_CONTAINER_ARCHIVE, "x", "", "path=/" },
	{ "POST", "/containers/x/copy", 0, "/containers/{name:.*}/copy", SEC_CONTAINERS, ACT_CONTAINER_ARCHIVE, "x", "", NULL },
	{ "POST", "/containers/x/rename?name=y", 0, "/containers/{name:.*}/rename", SEC_CONTAINERS, ACT_CONTAINER_RENAME, "x", "", "name=y" },
	{ "POST", "/containers/x/update", 0, "/containers/{name:.*}/update", SEC_CONTAINERS, ACT_CONTAINER_UPDATE, "x", "", NULL },
	{ "POST", "/containers/prune", 0, "/containers/prune", SEC_CONTAINERS, ACT_CONTAINER_PRUNE, NULL, "", NULL },
	{ "DELETE", "/containers/x", 0, "/containers/{name:.*}", SEC_CONTAINERS, ACT_CONTAINER_DELETE, "x", "", NULL },
	{ "DELETE", "/v1.41/containers/x?force=1", 0, "/containers/{name:.*}", SEC_CONTAINERS, ACT_CONTAINER_DELETE, "x", "1.41", "force=1" },
	{ "DELETE", "/containers/x/json", 0, "/containers/{name:.*}", SEC_CONTAINERS, ACT_CONTAINER_DELETE, "x/json", "", NULL },
	/* the checkpoint router is registered first: its DELETE wins when
	 * {name} is one segment, DELETE /containers/{name:.*} otherwise */
	{ "DELETE", "/containers/x/checkpoints/c1", 0, "/containers/{name}/checkpoints/{checkpoint}", SEC_CONTAINERS, ACT_CONTAINER_CHECKPOINT, "x", "", NULL },
	{ "DELETE", "/containers/a/b/checkpoints/c1", 0, "/containers/{name:.*}", SEC_CONTAINERS, ACT_CONTAINER_DELETE, "a/b/checkpoints/c1", "", NULL },
	{ "GET", "/containers/x/checkpoints", 0, "/containers/{name:.*}/checkpoints", SEC_CONTAINERS, ACT_CONTAINER_CHECKPOINT, "x", "", NULL },
	{ "POST", "/containers/x/checkpoints", 0, "/containers/{name:.*}/checkpoints", SEC_CONTAINERS, ACT_CONTAINER_CHECKPOINT, "x", "", NULL },
	/* exec */
	{ "GET", "/exec/e1/json", 0, "/exec/{id:.*}/json", SEC_EXEC, ACT_EXEC_INSPECT, "e1", "", NULL },
	{ "POST", "/v1.41/exec/e1/start", 0, "/exec/{name:.*}/start", SEC_EXEC, ACT_EXEC_START, "e1", "1.41", NULL },
	{ "POST", "/exec/e1/resize?h=1&w=1", 0, "/exec/{name:.*}/resize", SEC_EXEC, ACT_EXEC_RESIZE, "e1", "", "h=1&w=1" },

	/* HEAD is a route only where moby registers it */
	{ "HEAD", "/_ping", 0, "/_ping", SEC_PING, ACT_OTHER, NULL, "", NULL },
	{ "HEAD", "/v1.41/_ping", 0, "/_ping", SEC_PING, ACT_OTHER, NULL, "1.41", NULL },
	{ "HEAD", "/containers/x/archive?path=/", 0, "/containers/{name:.*}/archive", SEC_CONTAINERS, ACT_CONTAINER_ARCHIVE, "x", "", "path=/" },
	{ "HEAD", "/containers/json", 0, UNKNOWN, 0, 0, NULL, "", NULL },
	{ "HEAD", "/version", 0, UNKNOWN, 0, 0, NULL, "", NULL },
	{ "HEAD", "/containers/x/json", 0, UNKNOWN, 0, 0, NULL, "", NULL },

	/* methods and literals are case-sensitive */
	{ "get", "/_ping", 0, UNKNOWN, 0, 0, NULL, "", NULL },
	{ "Get", "/containers/json", 0, UNKNOWN, 0, 0, NULL, "", NULL },
	{ "GET", "/CONTAINERS/json", 0, UNKNOWN, 0, 0, NULL, "", NULL },
	{ "GET", "/Containers/x/json", 0, UNKNOWN, 0, 0, NULL, "", NULL },
	{ "POST", "/containers/x/START", 0, UNKNOWN, 0, 0, NULL, "", NULL },
	{ "GET", "/V1.41/containers/json", 0, UNKNOWN, 0, 0, NULL, "", NULL },

	/* unknown methods and paths: no route, not a refusal */
	{ "PATCH", "/containers/x/update", 0, UNKNOWN, 0, 0, NULL, "", NULL },
	{ "OPTIONS", "/containers/json", 0, UNKNOWN, 0, 0, NULL, "", NULL },
	{ "", "/_ping", 0, UNKNOWN, 0, 0, NULL, "", NULL },
	{ "GET", "/nope", 0, UNKNOWN, 0, 0, NULL, "", NULL },
	{ "GET", "/debug/vars", 0, UNKNOWN, 0, 0, NULL, "", NULL },
	{ "POST", "/containers/json", 0, UNKNOWN, 0, 0, NULL, "", NULL },
	{ "POST", "/containers/start", 0, UNKNOWN, 0, 0, NULL, "", NULL },
	{ "GET", "/v1.41", 0, UNKNOWN, 0, 0, NULL, "1.41", NULL },
	{ "GET", "/v1.41/v1.41/containers/json", 0, UNKNOWN, 0, 0, NULL, "1.41", NULL },
	{ "GET", "/vx/containers/json", 0, UNKNOWN, 0, 0, NULL, "", NULL },
	{ "GET", "/v/containers/json", 0, UNKNOWN, 0, 0, NULL, "", NULL },
	{ "GET", "/v1x/containers/json", 0, UNKNOWN, 0, 0, NULL, "", NULL },
	{ "GET", "/services/a/b", 0, UNKNOWN, 0, 0, NULL, "", NULL },
	{ "POST", "/volumes/x", 0, UNKNOWN, 0, 0, NULL, "", NULL },

	/* one row per section */
	{ "POST", "/auth", 0, "/auth", SEC_AUTH, ACT_OTHER, NULL, "", NULL },
	{ "POST", "/v1.41/build?t=x", 0, "/build", SEC_BUILD, ACT_BUILD, NULL, "1.41", "t=x" },
	{ "POST", "/build/prune", 0, "/build/prune", SEC_BUILD, ACT_OTHER, NULL, "", NULL },
	{ "POST", "/commit?container=x", 0, "/commit", SEC_COMMIT, ACT_COMMIT, NULL, "", "container=x" },
	{ "GET", "/configs/c1", 0, "/configs/{id}", SEC_CONFIGS, ACT_OTHER, "c1", "", NULL },
	{ "GET", "/containers/json", 0, "/containers/json", SEC_CONTAINERS, ACT_CONTAINER_LIST, NULL, "", NULL },
	{ "GET", "/distribution/docker.io/library/alpine:3/json", 0, "/distribution/{name:.*}/json", SEC_DISTRIBUTION, ACT_OTHER, "docker.io/library/alpine:3", "", NULL },
	{ "GET", "/events?since=1", 0, "/events", SEC_EVENTS, ACT_OTHER, NULL, "", "since=1" },
	{ "POST", "/exec/abc/start", 0, "/exec/{name:.*}/start", SEC_EXEC, ACT_EXEC_START, "abc", "", NULL },
	{ "POST", "/grpc", 0, "/grpc", SEC_GRPC, ACT_OTHER, NULL, "", NULL },
	{ "GET", "/images/json", 0, "/images/json", SEC_IMAGES, ACT_OTHER, NULL, "", NULL },
	{ "GET", "/images/get", 0, "/images/get", SEC_IMAGES, ACT_OTHER, NULL, "", NULL },
	{ "GET", "/images/library/alpine/get", 0, "/images/{name:.*}/get", SEC_IMAGES, ACT_OTHER, "library/alpine", "", NULL },
	{ "DELETE", "/images/docker.io/library/alpine:3", 0, "/images/{name:.*}", SEC_IMAGES, ACT_IMAGE_DELETE, "docker.io/library/alpine:3", "", NULL },
	{ "GET", "/info", 0, "/info", SEC_INFO, ACT_OTHER, NULL, "", NULL },
	{ "GET", "/networks", 0, "/networks", SEC_NETWORKS, ACT_OTHER, NULL, "", NULL },
	{ "GET", "/networks/a/b", 0, "/networks/{id:.+}", SEC_NETWORKS, ACT_OTHER, "a/b", "", NULL },
	{ "POST", "/networks/n1/connect", 0, "/networks/{id:.*}/connect", SEC_NETWORKS, ACT_NETWORK_CONNECT, "n1", "", NULL },
	{ "GET", "/nodes/n1", 0, "/nodes/{id}", SEC_NODES, ACT_OTHER, "n1", "", NULL },
	{ "GET", "/_ping", 0, "/_ping", SEC_PING, ACT_OTHER, NULL, "", NULL },
	{ "POST", "/plugins/vieux/sshfs:latest/enable", 0, "/plugins/{name:.*}/enable", SEC_PLUGINS, ACT_PLUGIN_PRIVILEGED, "vieux/sshfs:latest", "", NULL },
	{ "GET", "/plugins/privileges?remote=x", 0, "/plugins/privileges", SEC_PLUGINS, ACT_OTHER, NULL, "", "remote=x" },
	{ "DELETE", "/secrets/s1", 0, "/secrets/{id}", SEC_SECRETS, ACT_OTHER, "s1", "", NULL },
	{ "POST", "/services/s1/update?version=3", 0, "/services/{id}/update", SEC_SERVICES, ACT_SERVICE_UPDATE, "s1", "", "version=3" },
	{ "GET", "/services/create", 0, "/services/{id}", SEC_SERVICES, ACT_OTHER, "create", "", NULL },
	{ "POST", "/session", 0, "/session", SEC_SESSION, ACT_OTHER, NULL, "", NULL },
	{ "POST", "/swarm/init", 0, "/swarm/init", SEC_SWARM, ACT_OTHER, NULL, "", NULL },
	{ "GET", "/system/df", 0, "/system/df", SEC_SYSTEM, ACT_OTHER, NULL, "", NULL },
	{ "GET", "/tasks/t1/logs", 0, "/tasks/{id}/logs", SEC_TASKS, ACT_OTHER, "t1", "", NULL },
	{ "GET", "/version", 0, "/version", SEC_VERSION, ACT_OTHER, NULL, "", NULL },
	{ "GET", "/volumes", 0, "/volumes", SEC_VOLUMES, ACT_OTHER, NULL, "", NULL },
	{ "GET", "/volumes/create", 0, "/volumes/{name:.*}", SEC_VOLUMES, ACT_OTHER, "create", "", NULL },
	{ "PUT", "/volumes/v1?version=2", 0, "/volumes/{name:.*}", SEC_VOLUMES, ACT_OTHER, "v1", "", "version=2" },
	{ "GET", "/v1.41/volumes", 0, "/volumes", SEC_VOLUMES, ACT_OTHER, NULL, "1.41", NULL },

	/* refused: not origin-form */
	{ "GET", "", REFUSE, NULL, 0, 0, NULL, "", NULL },
	{ "GET", "*", REFUSE, NULL, 0, 0, NULL, "", NULL },
	{ "GET", "containers/json", REFUSE, NULL, 0, 0, NULL, "", NULL },
	{ "GET", "http://docker/containers/json", REFUSE, NULL, 0, 0, NULL, "", NULL },
	{ "GET", "?x=1", REFUSE, NULL, 0, 0, NULL, "", NULL },
	{ "GET", "%2Fcontainers/json", REFUSE, NULL, 0, 0, NULL, "", NULL },
	/* refused: fragment anywhere */
	{ "GET", "/containers/json#x", REFUSE, NULL, 0, 0, NULL, "", NULL },
	{ "GET", "/containers/json?all=1#x", REFUSE, NULL, 0, 0, NULL, "", NULL },
	{ "GET", "#", REFUSE, NULL, 0, 0, NULL, "", NULL },
	/* refused: raw bytes a request target cannot hold */
	{ "GET", "/containers/a b/json", REFUSE, NULL, 0, 0, NULL, "", NULL },
	{ "GET", "/containers/json?a=b c", REFUSE, NULL, 0, 0, NULL, "", NULL },
	{ "GET", "/containers/a\tb/json", REFUSE, NULL, 0, 0, NULL, "", NULL },
	{ "GET", "/containers/a\rb/json", REFUSE, NULL, 0, 0, NULL, "", NULL },
	{ "GET", "/containers/json?\n", REFUSE, NULL, 0, 0, NULL, "", NULL },
	{ "GET", "/containers/a\x7f/json", REFUSE, NULL, 0, 0, NULL, "", NULL },
	{ "GET", "/containers/\xc3\xa9/json", REFUSE, NULL, 0, 0, NULL, "", NULL },
	{ "GET", "/containers/json?q=\xff", REFUSE, NULL, 0, 0, NULL, "", NULL },
	/* refused: bad escapes */
	{ "GET", "/containers/%zz/json", REFUSE, NULL, 0, 0, NULL, "", NULL },
	{ "GET", "/containers/%4/json", REFUSE, NULL, 0, 0, NULL, "", NULL },
	{ "GET", "/containers/json%4", REFUSE, NULL, 0, 0, NULL, "", NULL },
	{ "GET", "/containers/json%", REFUSE, NULL, 0, 0, NULL, "", NULL },
	{ "GET", "/containers/%%41/json", REFUSE, NULL, 0, 0, NULL, "", NULL },
	{ "GET", "/containers/%g1/json", REFUSE, NULL, 0, 0, NULL, "", NULL },
	{ "GET", "/containers/json%?a=1", REFUSE, NULL, 0, 0, NULL, "", NULL },
	/* refused: control bytes after decoding (decoding happens once:
	 * %2541 is "%41", a name, not "A") */
	{ "GET", "/containers/%00/json", REFUSE, NULL, 0, 0, NULL, "", NULL },
	{ "GET", "/containers/a%0Ab/json", REFUSE, NULL, 0, 0, NULL, "", NULL },
	{ "GET", "/containers/a%0db/json", REFUSE, NULL, 0, 0, NULL, "", NULL },
	{ "GET", "/containers/a%1fb/json", REFUSE, NULL, 0, 0, NULL, "", NULL },
	{ "GET", "/containers/a%7Fb/json", REFUSE, NULL, 0, 0, NULL, "", NULL },
	{ "GET", "/containers/%2541/json", 0, "/containers/{name:.*}/json", SEC_CONTAINERS, ACT_CONTAINER_INSPECT, "%41", "", NULL },
	{ "GET", "/containers/%C3%A9/json", 0, "/containers/{name:.*}/json", SEC_CONTAINERS, ACT_CONTAINER_INSPECT, "\xc3\xa9", "", NULL },
	/* refused: dot segments, raw or encoded */
	{ "GET", "/containers/x/../json", REFUSE, NULL, 0, 0, NULL, "", NULL },
	{ "GET", "/containers/./json", REFUSE, NULL, 0, 0, NULL, "", NULL },
	{ "GET", "/./containers/json", REFUSE, NULL, 0, 0, NULL, "", NULL },
	{ "GET", "/containers/json/..", REFUSE, NULL, 0, 0, NULL, "", NULL },
	{ "GET", "/containers/json/.", REFUSE, NULL, 0, 0, NULL, "", NULL },
	{ "GET", "/..", REFUSE, NULL, 0, 0, NULL, "", NULL },
	{ "GET", "/containers/%2e%2e/json", REFUSE, NULL, 0, 0, NULL, "", NULL },
	{ "GET", "/containers/%2E/json", REFUSE, NULL, 0, 0, NULL, "", NULL },
	{ "POST", "/containers/x%2F..%2Fy/start", REFUSE, NULL, 0, 0, NULL, "", NULL },
	{ "GET", "/v1.41/../containers/json", REFUSE, NULL, 0, 0, NULL, "", NULL },
	/* refused: empty segments */
	{ "GET", "/", REFUSE, NULL, 0, 0, NULL, "", NULL },
	{ "GET", "/?a=1", REFUSE, NULL, 0, 0, NULL, "", NULL },
	{ "GET", "//containers/json", REFUSE, NULL, 0, 0, NULL, "", NULL },
	{ "GET", "/containers//json", REFUSE, NULL, 0, 0, NULL, "", NULL },
	{ "GET", "/containers/json/", REFUSE, NULL, 0, 0, NULL, "", NULL },
	{ "GET", "/containers/json/?all=1", REFUSE, NULL, 0, 0, NULL, "", NULL },
	{ "GET", "/networks/", REFUSE, NULL, 0, 0, NULL, "", NULL },
	{ "POST", "/containers/a%2F/start", REFUSE, NULL, 0, 0, NULL, "", NULL },
	{ "POST", "/containers/a%2F%2Fb/start", REFUSE, NULL, 0, 0, NULL, "", NULL },
	{ "GET", "/v1.41/", REFUSE, NULL, 0, 0, NULL, "", NULL },
	{ "GET", "/v1.41//containers/json", REFUSE, NULL, 0, 0, NULL, "", NULL },
	/* refused: version prefixes dockerd would strip but we will not guess */
	{ "GET", "/v1/containers/json", REFUSE, NULL, 0, 0, NULL, "", NULL },
	{ "GET", "/v1./containers/json", REFUSE, NULL, 0, 0, NULL, "", NULL },
	{ "GET", "/v.1/containers/json", REFUSE, NULL, 0, 0, NULL, "", NULL },
	{ "GET", "/v./containers/json", REFUSE, NULL, 0, 0, NULL, "", NULL },
	{ "GET", "/v1..2/containers/json", REFUSE, NULL, 0, 0, NULL, "", NULL },
	{ "GET", "/v1.41v/containers/json", REFUSE, NULL, 0, 0, NULL, "", NULL },
	{ "GET", "/v1v41/containers/json", REFUSE, NULL, 0, 0, NULL, "", NULL },
	{ "GET", "/v1", REFUSE, NULL, 0, 0, NULL, "", NULL },
	{ "GET", "/%76.1/containers/json", REFUSE, NULL, 0, 0, NULL, "", NULL },
	{ "GET", "/v1234567890.12345/containers/json", REFUSE, NULL, 0, 0, NULL, "", NULL },
	{ "GET", "/v1234567890.1234/containers/json", 0, "/containers/json", SEC_CONTAINERS, ACT_CONTAINER_LIST, NULL, "1234567890.1234", NULL },
	/* three or more parts: dockerd compares part by part (1.41.0 is
	 * 1.41), and Podman's clients send their own version */
	{ "GET", "/v1.41.0/containers/json", 0, "/containers/json", SEC_CONTAINERS, ACT_CONTAINER_LIST, NULL, "1.41.0", NULL },
	{ "GET", "/v1.41.0.0/_ping", 0, "/_ping", SEC_PING, ACT_OTHER, NULL, "1.41.0.0", NULL },
	{ "GET", "/v4.3.1/libpod/_ping", 0, "/libpod/_ping", SEC_LIBPOD_PING, ACT_OTHER, NULL, "4.3.1", NULL },
	{ "GET", "/v1.41.0/containers/x/json", 0, "/containers/{name:.*}/json", SEC_CONTAINERS, ACT_CONTAINER_INSPECT, "x", "1.41.0", NULL },
	{ "GET", "/v1.2.3.4.5.6.7/version", 0, "/version", SEC_VERSION, ACT_OTHER, NULL, "1.2.3.4.5.6.7", NULL },
	{ "GET", "/v1.41..0/containers/json", REFUSE, NULL, 0, 0, NULL, "", NULL },
	{ "GET", "/v1.41.0./containers/json", REFUSE, NULL, 0, 0, NULL, "", NULL },
	{ "GET", "/v.1.41/containers/json", REFUSE, NULL, 0, 0, NULL, "", NULL },
	{ "GET", "/v1.41.0v/containers/json", REFUSE, NULL, 0, 0, NULL, "", NULL },
	{ "GET", "/v1.2.3.4.5.6.7.89/version", REFUSE, NULL, 0, 0, NULL, "", NULL }, /* 16 bytes */
	/* Podman's "-dev" versions are not versions to dockerd: unknown */
	{ "GET", "/v4.0.0-dev/libpod/_ping", 0, UNKNOWN, 0, 0, NULL, "", NULL },

	/* libpod (Podman), after the version prefix */
	{ "GET", "/libpod/_ping", 0, "/libpod/_ping", SEC_LIBPOD_PING, ACT_OTHER, NULL, "", NULL },
	{ "HEAD", "/v4.3.1/libpod/_ping", 0, "/libpod/_ping", SEC_LIBPOD_PING, ACT_OTHER, NULL, "4.3.1", NULL },
	{ "GET", "/v4.3.1/libpod/version", 0, "/libpod/version", SEC_LIBPOD_VERSION, ACT_OTHER, NULL, "4.3.1", NULL },
	{ "GET", "/v4.3.1/libpod/info", 0, "/libpod/info", SEC_LIBPOD_INFO, ACT_OTHER, NULL, "4.3.1", NULL },
	{ "GET", "/v4.3.1/libpod/containers/json?all=true", 0, "/libpod/containers/json", SEC_LIBPOD_CONTAINERS, ACT_CONTAINER_LIST, NULL, "4.3.1", "all=true" },
	{ "GET", "/v4.3.1/libpod/containers/web/json", 0, "/libpod/containers/{name}/json", SEC_LIBPOD_CONTAINERS, ACT_CONTAINER_INSPECT, "web", "4.3.1", NULL },
	{ "POST", "/v4.3.1/libpod/containers/web/start", 0, "/libpod/containers/{name}/start", SEC_LIBPOD_CONTAINERS, ACT_CONTAINER_START, "web", "4.3.1", NULL },
	{ "POST", "/v4.3.1/libpod/containers/web/stop?timeout=1", 0, "/libpod/containers/{name}/stop", SEC_LIBPOD_CONTAINERS, ACT_CONTAINER_STOP, "web", "4.3.1", "timeout=1" },
	{ "POST", "/v4.3.1/libpod/containers/web/kill", 0, "/libpod/containers/{name}/kill", SEC_LIBPOD_CONTAINERS, ACT_CONTAINER_KILL, "web", "4.3.1", NULL },
	{ "POST", "/v4.3.1/libpod/containers/web/pause", 0, "/libpod/containers/{name}/pause", SEC_LIBPOD_CONTAINERS, ACT_CONTAINER_PAUSE, "web", "4.3.1", NULL },
	{ "POST", "/v4.3.1/libpod/containers/web/attach?stdin=true", 0, "/libpod/containers/{name}/attach", SEC_LIBPOD_CONTAINERS, ACT_CONTAINER_ATTACH, "web", "4.3.1", "stdin=true" },
	{ "GET", "/v4.3.1/libpod/containers/web/logs?follow=true", 0, "/libpod/containers/{name}/logs", SEC_LIBPOD_CONTAINERS, ACT_CONTAINER_LOGS, "web", "4.3.1", "follow=true" },
	{ "DELETE", "/v4.3.1/libpod/containers/web", 0, "/libpod/containers/{name}", SEC_LIBPOD_CONTAINERS, ACT_CONTAINER_DELETE, "web", "4.3.1", NULL },
	{ "GET", "/v4.3.1/libpod/containers/stats", 0, "/libpod/containers/stats", SEC_LIBPOD_CONTAINERS, ACT_OTHER, NULL, "4.3.1", NULL },
	{ "GET", "/v4.3.1/libpod/containers/web/stats", 0, "/libpod/containers/{name}/stats", SEC_LIBPOD_CONTAINERS, ACT_CONTAINER_STATS, "web", "4.3.1", NULL },
	/* {name} is one segment in Podman's libpod router: a '/' (or an
	 * encoded one: Podman matches the encoded path) is no container */
	{ "POST", "/v4.3.1/libpod/containers/a/b/start", 0, UNKNOWN, 0, 0, NULL, "4.3.1", NULL },
	{ "POST", "/v4.3.1/libpod/containers/a%2Fb/stop", 0, UNKNOWN, 0, 0, NULL, "4.3.1", NULL },
	{ "GET", "/v4.3.1/libpod/containers/a/b/healthcheck", 0, "/libpod/containers/{name:.*}/healthcheck", SEC_LIBPOD_CONTAINERS, ACT_OTHER, "a/b", "4.3.1", NULL },
	{ "POST", "/v4.3.1/libpod/containers/create", 0, "/libpod/containers/create", SEC_LIBPOD_CONTAINERS, ACT_OTHER, NULL, "4.3.1", NULL },
	{ "POST", "/v4.3.1/libpod/containers/web/exec", 0, "/libpod/containers/{name}/exec", SEC_LIBPOD_CONTAINERS, ACT_OTHER, "web", "4.3.1", NULL },
	{ "POST", "/v4.3.1/libpod/exec/e1/start", 0, "/libpod/exec/{id}/start", SEC_LIBPOD_EXEC, ACT_OTHER, "e1", "4.3.1", NULL },
	{ "GET", "/v4.3.1/libpod/images/docker.io/library/busybox:latest/json", 0, "/libpod/images/{name:.*}/json", SEC_LIBPOD_IMAGES, ACT_OTHER, "docker.io/library/busybox:latest", "4.3.1", NULL },
	{ "POST", "/v4.3.1/libpod/images/bb/tag?repo=x&tag=y", 0, "/libpod/images/{name:.*}/tag", SEC_LIBPOD_IMAGES, ACT_IMAGE_TAG, "bb", "4.3.1", "repo=x&tag=y" },
	{ "POST", "/v4.3.1/libpod/images/scp/bb/push", 0, "/libpod/images/{name:.*}/push", SEC_LIBPOD_IMAGES, ACT_OTHER, "scp/bb", "4.3.1", NULL },
	{ "POST", "/v4.3.1/libpod/images/scp/bb", 0, "/libpod/images/scp/{name:.*}", SEC_LIBPOD_IMAGES, ACT_OTHER, "bb", "4.3.1", NULL },
	{ "DELETE", "/v4.3.1/libpod/images/remove?images=a", 0, "/libpod/images/remove", SEC_LIBPOD_IMAGES, ACT_IMAGE_DELETE, NULL, "4.3.1", "images=a" },
	{ "DELETE", "/v4.3.1/libpod/images/a/b", 0, "/libpod/images/{name:.*}", SEC_LIBPOD_IMAGES, ACT_IMAGE_DELETE, "a/b", "4.3.1", NULL },
	{ "POST", "/v4.3.1/libpod/build", 0, "/libpod/build", SEC_LIBPOD_IMAGES, ACT_OTHER, NULL, "4.3.1", NULL },
	{ "POST", "/v4.3.1/libpod/commit?container=x", 0, "/libpod/commit", SEC_LIBPOD_IMAGES, ACT_OTHER, NULL, "4.3.1", "container=x" },
	{ "POST", "/v4.3.1/libpod/play/kube", 0, "/libpod/play/kube", SEC_LIBPOD_PLAY, ACT_OTHER, NULL, "4.3.1", NULL },
	{ "POST", "/v4.3.1/libpod/kube/play", 0, "/libpod/kube/play", SEC_LIBPOD_PLAY, ACT_OTHER, NULL, "4.3.1", NULL },
	{ "GET", "/v4.3.1/libpod/kube/generate?names=x", 0, "/libpod/kube/generate", SEC_LIBPOD_GENERATE, ACT_OTHER, NULL, "4.3.1", "names=x" },
	{ "GET", "/v4.3.1/libpod/generate/a/b/systemd", 0, "/libpod/generate/{name:.*}/systemd", SEC_LIBPOD_GENERATE, ACT_OTHER, "a/b", "4.3.1", NULL },
	{ "POST", "/v4.3.1/libpod/manifests/create", 0, "/libpod/manifests/{name:.*}", SEC_LIBPOD_MANIFESTS, ACT_OTHER, "create", "4.3.1", NULL },
	{ "POST", "/v4.3.1/libpod/manifests/m/registry/r", 0, "/libpod/manifests/{name:.*}", SEC_LIBPOD_MANIFESTS, ACT_OTHER, "m/registry/r", "4.3.1", NULL },
	{ "GET", "/v4.3.1/libpod/manifests/m/json", 0, "/libpod/manifests/{name:.*}/json", SEC_LIBPOD_MANIFESTS, ACT_OTHER, "m", "4.3.1", NULL },
	{ "GET", "/v4.3.1/libpod/networks/n", 0, "/libpod/networks/{name}", SEC_LIBPOD_NETWORKS, ACT_OTHER, "n", "4.3.1", NULL },
	{ "GET", "/v4.3.1/libpod/networks/json", 0, "/libpod/networks/json", SEC_LIBPOD_NETWORKS, ACT_OTHER, NULL, "4.3.1", NULL },
	{ "POST", "/v4.3.1/libpod/networks/n/disconnect", 0, "/libpod/networks/{name}/disconnect", SEC_LIBPOD_NETWORKS, ACT_NETWORK_DISCONNECT, "n", "4.3.1", NULL },
	{ "POST", "/v4.3.1/libpod/pods/p/stop", 0, "/libpod/pods/{name}/stop", SEC_LIBPOD_PODS, ACT_POD_STOP, "p", "4.3.1", NULL },
	{ "POST", "/v4.3.1/libpod/pods/p/start", 0, "/libpod/pods/{name}/start", SEC_LIBPOD_PODS, ACT_POD_START, "p", "4.3.1", NULL },
	{ "DELETE", "/v4.3.1/libpod/pods/p?force=true", 0, "/libpod/pods/{name}", SEC_LIBPOD_PODS, ACT_POD_DELETE, "p", "4.3.1", "force=true" },
	{ "GET", "/v4.3.1/libpod/pods/p/top", 0, "/libpod/pods/{name}/top", SEC_LIBPOD_PODS, ACT_CONTAINER_TOP, "p", "4.3.1", NULL },
	{ "GET", "/v4.3.1/libpod/pods/stats", 0, "/libpod/pods/stats", SEC_LIBPOD_PODS, ACT_OTHER, NULL, "4.3.1", NULL },
	{ "POST", "/v4.3.1/libpod/secrets/create?name=s", 0, "/libpod/secrets/create", SEC_LIBPOD_SECRETS, ACT_OTHER, NULL, "4.3.1", "name=s" },
	{ "POST", "/v4.3.1/libpod/system/prune", 0, "/libpod/system/prune", SEC_LIBPOD_SYSTEM, ACT_OTHER, NULL, "4.3.1", NULL },
	{ "GET", "/v4.3.1/libpod/volumes/v/json", 0, "/libpod/volumes/{name}/json", SEC_LIBPOD_VOLUMES, ACT_OTHER, "v", "4.3.1", NULL },
	{ "GET", "/v4.3.1/libpod/events?stream=true", 0, "/libpod/events", SEC_LIBPOD_EVENTS, ACT_OTHER, NULL, "4.3.1", "stream=true" },
	/* unknown: not in Podman 4.3.1's table, or the wrong method */
	{ "GET", "/v4.3.1/libpod/swagger", 0, UNKNOWN, 0, 0, NULL, "4.3.1", NULL },
	{ "GET", "/v4.3.1/libpod/quadlets/json", 0, UNKNOWN, 0, 0, NULL, "4.3.1", NULL },
	{ "GET", "/v4.3.1/libpod/containers/create", 0, UNKNOWN, 0, 0, NULL, "4.3.1", NULL },
	{ "HEAD", "/v4.3.1/libpod/version", 0, UNKNOWN, 0, 0, NULL, "4.3.1", NULL },
	{ "GET", "/v4.3.1/libpod", 0, UNKNOWN, 0, 0, NULL, "4.3.1", NULL },
	{ "GET", "/v4.3.1/LIBPOD/_ping", 0, UNKNOWN, 0, 0, NULL, "4.3.1", NULL },
};

static bool eq_or_null(const char *want, const char *got, size_t got_len)
{
	if (!want)
		return got == NULL;
	return got && strlen(want) == got_len && memcmp(want, got, got_len) == 0;
}

static void check_row(const struct row *r)
{
	struct route_match m;
	const char *why = "unset";
	int rc = route_resolve(r->method, strlen(r->method), r->target,
			       strlen(r->target), &m, &why);

	CHECK(rc == r->rc, "%s %s: rc %d, want %d (why: %s)", r->method,
	      r->target, rc, r->rc, why ? why : "-");
	if (rc != r->rc)
		return;
	if (rc < 0) {
		CHECK(why && *why, "%s %s: refused without a reason",
		      r->method, r->target);
		CHECK(m.def == NULL && m.path_len == 0 && m.path[0] == '\0' &&
			      m.query == NULL && m.name == NULL,
		      "%s %s: refused but match left filled", r->method,
		      r->target);
		return;
	}
	CHECK(why == NULL, "%s %s: why set on success", r->method, r->target);
	CHECK(strcmp(m.version, r->version) == 0, "%s %s: version '%s', want '%s'",
	      r->method, r->target, m.version, r->version);
	CHECK(eq_or_null(r->query, m.query, m.query_len),
	      "%s %s: query '%.*s'", r->method, r->target,
	      m.query ? (int)m.query_len : 6, m.query ? m.query : "(null)");
	CHECK(m.path_len == strlen(m.path), "%s %s: path_len", r->method,
	      r->target);
	if (!r->pattern) {
		CHECK(m.def == NULL, "%s %s: matched %s %s, want unknown",
		      r->method, r->target, m.def->method, m.def->pattern);
		return;
	}
	CHECK(m.def != NULL, "%s %s: unknown, want %s", r->method, r->target,
	      r->pattern);
	if (!m.def)
		return;
	CHECK(strcmp(m.def->pattern, r->pattern) == 0 &&
		      strcmp(m.def->method, r->method) == 0,
	      "%s %s: matched %s %s, want %s", r->method, r->target,
	      m.def->method, m.def->pattern, r->pattern);
	CHECK(m.def->section == r->section, "%s %s: section %s, want %s",
	      r->method, r->target, section_name(m.def->section),
	      section_name(r->section));
	CHECK(m.def->action == r->action, "%s %s: action %d, want %d",
	      r->method, r->target, (int)m.def->action, (int)r->action);
	CHECK(eq_or_null(r->name, m.name, m.name_len), "%s %s: name '%.*s', want '%s'",
	      r->method, r->target, m.name ? (int)m.name_len : 6,
	      m.name ? m.name : "(null)", r->name ? r->name : "(null)");
	if (m.name)
		CHECK(m.name >= m.path && m.name + m.name_len <= m.path + m.path_len,
		      "%s %s: name outside path", r->method, r->target);
}

/* Target lengths around ROUTE_PATH_MAX: the limit is on the decoded path. */
static void check_lengths(void)
{
	static char target[3 * ROUTE_PATH_MAX + 64];
	struct route_match m;
	const char *why;
	size_t n;

	/* "/containers/" + name + "/json", decoded length ROUTE_PATH_MAX - 1 */
	n = (size_t)snprintf(target, sizeof(target), "/containers/");
	size_t name_len = ROUTE_PATH_MAX - 1 - strlen("/containers/") - strlen("/json");
	memset(target + n, 'a', name_len);
	n += name_len;
	memcpy(target + n, "/json", 6);
	n += 5;
	CHECK(route_resolve("GET", 3, target, n, &m, &why) == 0 && m.def &&
		      m.def->action == ACT_CONTAINER_INSPECT &&
		      m.name_len == name_len && m.path_len == ROUTE_PATH_MAX - 1,
	      "longest path: rc/def/name_len %zu", m.name_len);

	/* one byte more is refused */
	memmove(target + n - 4, target + n - 5, 6);
	target[n - 5] = 'a';
	n++;
	CHECK(route_resolve("GET", 3, target, n, &m, &why) == -1,
	      "path of ROUTE_PATH_MAX bytes accepted");

	/* long raw target, short decoded path: accepted */
	n = (size_t)snprintf(target, sizeof(target), "/containers/");
	for (size_t i = 0; i < 1000; i++)
		n += (size_t)snprintf(target + n, sizeof(target) - n, "%%61");
	n += (size_t)snprintf(target + n, sizeof(target) - n, "/json");
	CHECK(route_resolve("GET", 3, target, n, &m, &why) == 0 && m.def &&
		      m.name_len == 1000 && m.name[0] == 'a',
	      "3000-byte raw, 1000-byte decoded name");

	/* a long query does not count against the path */
	n = (size_t)snprintf(target, sizeof(target), "/_ping?");
	memset(target + n, 'q', 2 * ROUTE_PATH_MAX);
	n += 2 * ROUTE_PATH_MAX;
	CHECK(route_resolve("GET", 3, target, n, &m, &why) == 0 && m.def &&
		      m.query_len == 2 * ROUTE_PATH_MAX,
	      "long query");

	/* the target is not NUL-terminated: only target_len counts */
	const char *t = "/_pingXXXX";
	CHECK(route_resolve("GET", 3, t, 6, &m, &why) == 0 && m.def &&
		      strcmp(m.def->pattern, "/_ping") == 0,
	      "target_len bounds the target");
	/* nor is the method */
	CHECK(route_resolve("GETX", 3, "/_ping", 6, &m, &why) == 0 && m.def,
	      "method_len bounds the method");
	/* a raw NUL inside target_len is a control byte */
	CHECK(route_resolve("GET", 3, "/_ping\0x", 8, &m, &why) == -1,
	      "raw NUL accepted");
}

/* Every route in the table: its section is its first path segment, its
 * variables are shapes we implement, and a concrete path built from it
 * resolves back to it, versioned and not. */
static void check_table(void)
{
	size_t count;
	const struct route_def *t = route_table(&count);

	CHECK(count > 100, "route table has %zu routes", count);
	for (size_t i = 0; i < count; i++) {
		const struct route_def *d = &t[i];
		const char *p = d->pattern;
		char seg[32];
		size_t k = 0;

		/* libpod: LIBPOD_ and the segment after "/libpod/", as
		 * linuxserver's prefixes read it */
		const char *from = p + 1;
		if (strncmp(p, "/libpod/", 8) == 0) {
			memcpy(seg, "LIBPOD_", 7);
			k = 7;
			from = p + 8;
		}
		for (const char *s = *from == '_' ? from + 1 : from;
		     *s && *s != '/' && k < sizeof(seg) - 1; s++)
			seg[k++] = (char)(*s >= 'a' && *s <= 'z' ? *s - 32 : *s);
		seg[k] = '\0';
		/* Podman's routes in no linuxserver section: the section of the
		 * register_*.go file that holds them */
		static const struct {
			const char *pattern, *section;
		} libpod_homes[] = {
			{ "/libpod/commit", "LIBPOD_IMAGES" },
			{ "/libpod/build", "LIBPOD_IMAGES" },
			{ "/libpod/kube/play", "LIBPOD_PLAY" },
			{ "/libpod/kube/generate", "LIBPOD_GENERATE" },
		};
		for (size_t h = 0; h < sizeof(libpod_homes) / sizeof(libpod_homes[0]); h++)
			if (strcmp(p, libpod_homes[h].pattern) == 0)
				snprintf(seg, sizeof(seg), "%s", libpod_homes[h].section);
		/* exec create lives under /containers and so in CONTAINERS */
		CHECK(strcmp(seg, section_name(d->section)) == 0,
		      "%s %s: section %s", d->method, p, section_name(d->section));
		/* a refused route says what to use instead; no other row does */
		CHECK((d->klass == ROUTE_REFUSED) == (d->instead != NULL),
		      "%s %s: class %s with%s an 'instead'", d->method, p,
		      route_class_name(d->klass), d->instead ? "" : "out");
		CHECK(d->klass != ROUTE_REFUSED || strncmp(p, "/libpod/", 8) == 0,
		      "%s %s: only libpod routes are refused unread", d->method, p);
		/* the default protections refuse what acts on a whole pod
		 * (but start): stop, kill, restart, pause, unpause, remove */
		bool stops_pod = strncmp(p, "/libpod/pods/{name}", 19) == 0 &&
				 (strcmp(d->method, "DELETE") == 0 ||
				  (strcmp(d->method, "POST") == 0 && strcmp(p + 19, "/start") != 0));
		CHECK(route_stops_pod(d->action) == stops_pod, "%s %s: route_stops_pod %d",
		      d->method, p, (int)route_stops_pod(d->action));

		char path[256];
		size_t n = 0;
		bool vars_ok = true;
		for (const char *s = p; *s && n < sizeof(path) - 8;) {
			if (*s == '{') {
				const char *close = strchr(s, '}');
				size_t vl = (size_t)(close - s + 1);
				if (!(vl > 2 && (memchr(s, ':', vl) == NULL ||
						 strncmp(close - 3, ":.*}", 4) == 0 ||
						 strncmp(close - 3, ":.+}", 4) == 0)))
					vars_ok = false;
				path[n++] = 'x';
				s = close + 1;
			} else {
				path[n++] = *s++;
			}
		}
		path[n] = '\0';
		CHECK(vars_ok, "%s %s: variable shape", d->method, p);
		if (strcmp(p, "/networks/") == 0)
			continue; /* trailing '/', refused by design */

		struct route_match m;
		const char *why;
		char vpath[300];
		snprintf(vpath, sizeof(vpath), "/v1.41%s", path);
		CHECK(route_resolve(d->method, strlen(d->method), path,
				    strlen(path), &m, &why) == 0 && m.def == d,
		      "%s %s: not reached by %s (got %s)", d->method, p, path,
		      m.def ? m.def->pattern : "none");
		CHECK(route_resolve(d->method, strlen(d->method), vpath,
				    strlen(vpath), &m, &why) == 0 && m.def == d &&
			      strcmp(m.version, "1.41") == 0,
		      "%s %s: not reached by %s", d->method, p, vpath);
		for (size_t j = 0; j < i; j++)
			CHECK(strcmp(t[j].method, d->method) != 0 ||
				      strcmp(t[j].pattern, p) != 0,
			      "%s %s: registered twice", d->method, p);
	}
	for (int s = 0; s < SEC_COUNT; s++)
		CHECK(section_name((enum section)s) != NULL &&
			      *section_name((enum section)s),
		      "section %d has no name", s);
	CHECK(strcmp(section_name(SEC_NONE), "NONE") == 0, "SEC_NONE");
	CHECK(strcmp(section_name(SEC_COUNT), "NONE") == 0, "out of range");
	CHECK(strcmp(section_name(SEC_CONTAINERS), "CONTAINERS") == 0, "name");
}

/*
 * The catalogue: every route has a class (a row added without one is
 * ROUTE_UNCLASSIFIED and fails here), and docs/routes.md publishes the same
 * class for the same method and pattern, one row each, in the section that
 * starts at CATALOGUE_HEADING.  Its rows look like
 *     | `GET /containers/json` | ... | ... | harmless |
 * The test runs from the repository root, as make unit runs it.
 */
#define ROUTES_MD "docs/routes.md"
#define CATALOGUE_HEADING "## Route catalogue"
#define DOC_ROWS_MAX 512

struct doc_row {
	char method[8];
	char pattern[96];
	char klass[16];
	int line;
	bool seen;
};

static char *trim(char *s, char *end)
{
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' ||
			   end[-1] == '\r'))
		end--;
	*end = '\0';
	return s;
}

/* "| `METHOD PATTERN` | ... | class |": 0, or -1 when the row is malformed. */
static int parse_doc_row(char *line, struct doc_row *r)
{
	char *open = strchr(line, '`');
	char *close = open ? strchr(open + 1, '`') : NULL;
	char *space = close ? memchr(open + 1, ' ', (size_t)(close - open - 1)) : NULL;
	char *end = line + strlen(line);

	if (!space)
		return -1;
	while (end > line && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' '))
		end--;
	if (end == line || end[-1] != '|')
		return -1;
	char *last = end - 1, *prev = last;
	while (prev > close && *--prev != '|')
		;
	if (prev <= close)
		return -1;
	char *k = trim(prev + 1, last);
	size_t ml = (size_t)(space - open - 1), pl = (size_t)(close - space - 1);
	if (ml >= sizeof(r->method) || pl >= sizeof(r->pattern) ||
	    strlen(k) >= sizeof(r->klass))
		return -1;
	memcpy(r->method, open + 1, ml);
	r->method[ml] = '\0';
	memcpy(r->pattern, space + 1, pl);
	r->pattern[pl] = '\0';
	strcpy(r->klass, k);
	return 0;
}

static size_t read_catalogue(struct doc_row *rows_out, size_t max)
{
	FILE *f = fopen(ROUTES_MD, "r");
	char line[4096];
	size_t n = 0;
	int lineno = 0;
	bool in = false, found = false;

	CHECK(f != NULL, "%s: cannot open (run from the repository root)", ROUTES_MD);
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		CHECK(strchr(line, '\n') || feof(f), "%s:%d: line too long", ROUTES_MD, lineno);
		if (strncmp(line, "## ", 3) == 0) {
			in = strncmp(line, CATALOGUE_HEADING, strlen(CATALOGUE_HEADING)) == 0;
			found |= in;
			continue;
		}
		if (!in || strncmp(line, "| `", 3) != 0)
			continue;
		CHECK(n < max, "%s:%d: more than %zu rows", ROUTES_MD, lineno, max);
		if (n == max)
			break;
		struct doc_row *r = &rows_out[n];
		memset(r, 0, sizeof(*r));
		r->line = lineno;
		if (parse_doc_row(line, r) < 0) {
			CHECK(false, "%s:%d: not a \"| `METHOD PATTERN` | ... | class |\" row",
			      ROUTES_MD, lineno);
			continue;
		}
		n++;
	}
	fclose(f);
	CHECK(found, "%s: no \"%s\" section", ROUTES_MD, CATALOGUE_HEADING);
	return n;
}

static void check_catalogue(void)
{
	static struct doc_row doc[DOC_ROWS_MAX];
	size_t count, n = read_catalogue(doc, DOC_ROWS_MAX);
	const struct route_def *t = route_table(&count);

	for (size_t i = 0; i < count; i++) {
		const struct route_def *d = &t[i];
		const char *want = route_class_name(d->klass);
		size_t hits = 0;

		CHECK(d->klass > ROUTE_UNCLASSIFIED && d->klass < ROUTE_CLASS_COUNT,
		      "%s %s: no class (give it HARMLESS, JUDGED, CLOSED or REFUSED in src/route.c "
		      "and a row in %s)",
		      d->method, d->pattern, ROUTES_MD);
		for (size_t j = 0; j < n; j++) {
			if (strcmp(doc[j].method, d->method) != 0 ||
			    strcmp(doc[j].pattern, d->pattern) != 0)
				continue;
			hits++;
			doc[j].seen = true;
			CHECK(strcmp(doc[j].klass, want) == 0, "%s:%d: %s %s is '%s' there, '%s' in "
			      "src/route.c", ROUTES_MD, doc[j].line, d->method, d->pattern,
			      doc[j].klass, want);
		}
		CHECK(hits == 1, "%s %s: %zu rows in %s, want 1", d->method, d->pattern, hits,
		      ROUTES_MD);
	}
	for (size_t j = 0; j < n; j++)
		CHECK(doc[j].seen, "%s:%d: %s %s is not a route of src/route.c", ROUTES_MD,
		      doc[j].line, doc[j].method, doc[j].pattern);

	CHECK(strcmp(route_class_name(ROUTE_UNCLASSIFIED), "unclassified") == 0, "class name");
	CHECK(strcmp(route_class_name(ROUTE_CLOSED), "closed") == 0, "class name");
	CHECK(strcmp(route_class_name(ROUTE_CLASS_COUNT), "unclassified") == 0, "out of range");
}

int main(void)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		check_row(&rows[i]);
	check_lengths();
	check_table();
	check_catalogue();
	TEST_DONE();
}
