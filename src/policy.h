/*
 * policy: one parsed request -> one verdict.  Pure: no I/O, no clock, no
 * allocation, so tests, fuzzers and --explain can call it without a socket.
 *
 * Access control follows tecnativa/linuxserver docker-socket-proxy:
 *  - a section toggle (CONTAINERS=1, ...) opens GET/HEAD on its routes;
 *  - POST=1 opens the other methods on enabled sections; DELETE=0 / PUT=0,
 *    when set, close those methods again;
 *  - linuxserver's ALLOW_START/STOP/RESTARTS/PAUSE/UNPAUSE open exactly
 *    POST /containers/{name}/<action>, without POST=1 or CONTAINERS=1, and
 *    (as linuxserver's do) the same action on /libpod/containers and
 *    /libpod/pods; LIBPOD_ALLOW_* open the /libpod/containers actions
 *    only, LIBPOD_ALLOW_POD_* the /libpod/pods ones;
 *  - libpod routes sockwall does not read (ROUTE_REFUSED) are refused
 *    whatever is set, naming the Docker route it judges instead;
 *  - routes that read a whole filesystem or write into a container need
 *    their own switch on top (ALLOW_ARCHIVE, ALLOW_EXPORT, attach/ws needs
 *    POST=1, exec create needs EXEC=1), and ALLOW_LOGS=0 / ALLOW_TOP=0 /
 *    ALLOW_CHANGES=0 close those reads (linuxserver's switches; on by default,
 *    as tecnativa leaves them open with CONTAINERS=1);
 *  - plugin installs and settings need ALLOW_PLUGIN_PRIVILEGES, the swarm's
 *    unlock key ALLOW_SWARM_UNLOCKKEY, GET /swarm (the join tokens) POST=1,
 *    checkpoints EXEC=1;
 *  - routes unknown to dockerd's table are denied.
 */
#ifndef SOCKWALL_POLICY_H
#define SOCKWALL_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "route.h"

enum toggle_state { TOGGLE_UNSET = 0, TOGGLE_OFF, TOGGLE_ON };

struct acl {
	bool section[SEC_COUNT];   /* indexed by enum section */
	bool post;
	enum toggle_state delete_; /* unset: follows POST */
	enum toggle_state put;     /* unset: follows POST */
	bool allow_start, allow_stop, allow_restarts, allow_pause, allow_unpause;
	bool allow_changes; /* linuxserver's ALLOW_CHANGES, on by default like ALLOW_LOGS */
	bool allow_archive, allow_export, allow_logs, allow_top;
	/* linuxserver's libpod actions: /libpod/containers/{name}/<action>,
	 * then /libpod/pods/{name}/<action> */
	bool libpod_allow_start, libpod_allow_stop, libpod_allow_restarts, libpod_allow_pause,
	     libpod_allow_unpause;
	bool libpod_allow_pod_start, libpod_allow_pod_stop, libpod_allow_pod_restarts,
	     libpod_allow_pod_pause, libpod_allow_pod_unpause;
	/* sockwall's own switches for routes that are root-equivalent or
	 * leak a secret; off unless set (see docs/routes.md) */
	bool allow_plugin_privileges, allow_url_fetch, allow_swarm_unlockkey, allow_image_load;
};

/* tecnativa's defaults: EVENTS, PING, VERSION on; ALLOW_LOGS, ALLOW_TOP on;
 * linuxserver's for Podman: LIBPOD_PING, LIBPOD_VERSION on. */
void acl_defaults(struct acl *acl);

enum decision { DECISION_ALLOW, DECISION_DENY };

#define VERDICT_MESSAGE_MAX 512 /* a 127-byte name and a 64-digit ID, whole */

struct verdict {
	enum decision decision;
	int status;          /* 403 on deny, 0 on allow */
	const char *rule;    /* what decided: "CONTAINERS", "POST", "ALLOW_START", "unknown-route",
				"not-inspected" (a ROUTE_REFUSED libpod route) */
	char message[VERDICT_MESSAGE_MAX]; /* client-facing, names the toggle to set */
};

/* Fills v as a refusal (status 403 or 400) with a formatted message;
 * returns DECISION_DENY so that judges can `return verdict_deny(...)`. */
__attribute__((format(printf, 4, 5)))
enum decision verdict_deny(struct verdict *v, int status, const char *rule, const char *fmt, ...);

void policy_judge(const struct acl *acl, const char *method, size_t method_len,
		  const struct route_match *m, struct verdict *v);

#endif
