/*
 * presets: policies/<name>.env compiled into the binary (build/gen/presets.c,
 * scripts/gen-presets.sh) and chosen with SOCKWALL_POLICY=<name>.
 *
 * For every preset, the client's real calls (from its source: see the
 * comments in policies/<name>.env) must pass and calls outside the preset
 * must be refused, each judged the way the proxy judges it (route_resolve,
 * then policy_judge) on the ACL config_load builds, unversioned, as
 * /v1.41/... and with the API version the client pins, if any.
 *
 * The ACL comes from config_load twice: on the preset's raw settings
 * (preset_find) and on SOCKWALL_POLICY=<name>; both must agree.  Explicit
 * settings win over the preset's, setting by setting.
 */
#include <dirent.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "policy.h"
#include "presets.h"
#include "route.h"
#include "test.h"

#define OK DECISION_ALLOW
#define NO DECISION_DENY

struct call {
	const char *method;
	const char *target; /* unversioned; the harness adds /v1.41 and /v<pinned> */
};

#define END { NULL, NULL }

/* ---- judging ---- */

static const char *const versions[] = { "1.41" };

/* One spelling of one call.  A target that does not even resolve to a
 * dockerd route fails: a typo in a table must not pass as a denial. */
static void judge_one(const char *preset, const char *how, const struct acl *acl,
		      const char *method, const char *target, enum decision want)
{
	struct route_match m;
	struct verdict v;
	const char *why = NULL;

	int rc = route_resolve(method, strlen(method), target, strlen(target), &m, &why);
	CHECK(rc == 0 && m.def, "%s (%s): %s %s: not a dockerd route (%s)", preset, how,
	      method, target, why ? why : "unknown route");
	if (rc != 0 || !m.def)
		return;
	policy_judge(acl, method, strlen(method), &m, &v);
	CHECK(v.decision == want, "%s (%s): %s %s: %s, want %s (rule %s: %s)", preset, how,
	      method, target, v.decision == OK ? "allowed" : "denied",
	      want == OK ? "allowed" : "denied", v.rule ? v.rule : "-", v.message);
}

/* Unversioned, /v1.41/..., and /v<pinned>/... when the client pins one. */
static void judge(const char *preset, const char *how, const struct acl *acl,
		  const char *pinned, const struct call *c, enum decision want)
{
	char t[512];

	judge_one(preset, how, acl, c->method, c->target, want);
	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		snprintf(t, sizeof(t), "/v%s%s", versions[i], c->target);
		judge_one(preset, how, acl, c->method, t, want);
	}
	if (pinned) {
		snprintf(t, sizeof(t), "/v%s%s", pinned, c->target);
		judge_one(preset, how, acl, c->method, t, want);
	}
}

static void judge_all(const char *preset, const char *how, const struct acl *acl,
		      const char *pinned, const struct call *calls, enum decision want)
{
	for (const struct call *c = calls; c && c->method; c++)
		judge(preset, how, acl, pinned, c, want);
}

/* "/containers/{name:.*}/json" -> "/containers/x1/json" */
static bool instantiate(const char *pattern, char *out, size_t cap)
{
	size_t o = 0;

	for (const char *p = pattern; *p; p++) {
		if (*p == '{') {
			p = strchr(p, '}');
			if (!p || o + 2 >= cap)
				return false;
			out[o++] = 'x';
			out[o++] = '1';
			continue;
		}
		if (o + 1 >= cap)
			return false;
		out[o++] = *p;
	}
	out[o] = '\0';
	return true;
}

/* Every route of dockerd's table that writes (POST, PUT, DELETE, and the
 * stdin-writing GET .../attach/ws) must be refused, except the ones listed. */
static void writes_denied(const char *preset, const char *how, const struct acl *acl,
			  const enum route_action *except)
{
	size_t n;
	const struct route_def *t = route_table(&n);
	char target[256];

	for (size_t i = 0; i < n; i++) {
		bool write = strcmp(t[i].method, "GET") != 0 && strcmp(t[i].method, "HEAD") != 0;
		if (!write && t[i].action != ACT_CONTAINER_ATTACH_WS)
			continue;
		bool skip = false;
		for (const enum route_action *e = except; e && *e != ACT_OTHER; e++)
			skip |= t[i].action == *e;
		if (skip || !instantiate(t[i].pattern, target, sizeof(target)))
			continue;
		struct route_match m;
		if (route_resolve(t[i].method, strlen(t[i].method), target, strlen(target), &m,
				  NULL) != 0 || m.def != &t[i])
			continue; /* unreachable spelling ("/networks/") or shadowed */
		struct call c = { t[i].method, target };
		judge(preset, how, acl, NULL, &c, NO);
	}
}

/* ---- tables shared by several presets ---- */

/* No preset but portainer opens these: shells, image forging, cluster keys,
 * whole filesystems, registry logins, BuildKit. */
static const struct call nobody[] = {
	{ "POST", "/containers/3f5e1a2b/exec" },
	{ "POST", "/exec/9c2d/start" },
	{ "POST", "/exec/9c2d/resize?h=40&w=100" },
	{ "POST", "/build?t=evil:latest" },
	{ "POST", "/commit?container=3f5e1a2b&repo=evil" },
	{ "GET", "/containers/3f5e1a2b/archive?path=/etc" },
	{ "HEAD", "/containers/3f5e1a2b/archive?path=/etc" },
	{ "PUT", "/containers/3f5e1a2b/archive?path=/" },
	{ "POST", "/containers/3f5e1a2b/copy" },
	{ "GET", "/containers/3f5e1a2b/export" },
	{ "GET", "/swarm" },
	{ "GET", "/swarm/unlockkey" },
	{ "POST", "/swarm/init" },
	{ "GET", "/secrets" },
	{ "POST", "/secrets/create" },
	{ "GET", "/configs/abc" },
	{ "POST", "/auth" },
	{ "POST", "/session" },
	{ "POST", "/grpc" },
	{ "POST", "/plugins/pull?remote=evil/plugin" },
	{ "POST", "/volumes/create" },
	END
};

/* The container actions linuxserver's ALLOW_* switches open one by one. */
static const struct call actions[] = {
	{ "POST", "/containers/3f5e1a2b/start" },
	{ "POST", "/containers/3f5e1a2b/stop?t=10" },
	{ "POST", "/containers/3f5e1a2b/restart?t=10" },
	{ "POST", "/containers/3f5e1a2b/kill?signal=SIGKILL" },
	{ "POST", "/containers/3f5e1a2b/pause" },
	{ "POST", "/containers/3f5e1a2b/unpause" },
	END
};

/* ---- the presets ---- */

struct preset_case {
	const char *name;
	const char *pinned;            /* API version the client pins, or NULL */
	const struct call *allow;      /* the client's calls */
	const struct call *deny;       /* outside the preset */
	bool read_only;                /* every write route refused ... */
	const enum route_action *except; /* ... but these */
	bool no_actions;               /* the actions[] table refused */
	bool not_nobody;               /* the nobody[] table does not apply */
};

static const struct call traefik_allow[] = {
	{ "HEAD", "/_ping" }, /* 2.11.31+ / 3.6.1+: negotiation */
	{ "GET", "/_ping" },
	{ "GET", "/version" },
	{ "GET", "/containers/json?all=1" },
	{ "GET", "/containers/3f5e1a2b9c0d/json" },
	{ "GET", "/containers/traefik-whoami-1/json" },
	{ "GET", "/events?filters=%7B%22type%22%3A%7B%22container%22%3Atrue%7D%7D" },
	END
};
static const struct call traefik_deny[] = {
	{ "POST", "/containers/create" },
	{ "POST", "/containers/create?name=x" },
	{ "DELETE", "/containers/3f5e1a2b?force=1" },
	{ "GET", "/containers/3f5e1a2b/logs?follow=1&stdout=1" },
	{ "GET", "/containers/3f5e1a2b/top" },
	{ "GET", "/containers/3f5e1a2b/attach/ws?stream=1&stdin=1" },
	{ "POST", "/containers/3f5e1a2b/attach?stream=1&stdin=1" },
	{ "GET", "/images/json" },
	{ "POST", "/images/create?fromImage=alpine&tag=latest" },
	{ "GET", "/info" },
	{ "GET", "/services" },
	{ "GET", "/tasks" },
	{ "GET", "/networks" },
	{ "GET", "/volumes" },
	{ "GET", "/system/df" },
	END
};

static const struct call traefik_swarm_allow[] = {
	{ "HEAD", "/_ping" },
	{ "GET", "/_ping" },
	{ "GET", "/version" },
	{ "GET", "/services" },
	{ "GET", "/networks?filters=%7B%22scope%22%3A%7B%22swarm%22%3Atrue%7D%7D" },
	{ "GET", "/networks?filters=%7B%22driver%22%3A%7B%22overlay%22%3Atrue%7D%7D" },
	{ "GET", "/tasks?filters=%7B%22desired-state%22%3A%7B%22running%22%3Atrue%7D%2C"
		 "%22service%22%3A%7B%22k2x9%22%3Atrue%7D%7D" },
	{ "GET", "/nodes/n7a0pd8yh3fw" },
	END
};
static const struct call traefik_swarm_deny[] = {
	{ "GET", "/containers/json" },
	{ "GET", "/events" },
	{ "POST", "/services/create" },
	{ "POST", "/services/k2x9/update?version=12" },
	{ "DELETE", "/services/k2x9" },
	{ "POST", "/nodes/n7a0pd8yh3fw/update?version=3" },
	{ "DELETE", "/nodes/n7a0pd8yh3fw" },
	{ "POST", "/networks/create" },
	{ "POST", "/networks/ingress/connect" },
	{ "DELETE", "/networks/ingress" },
	{ "GET", "/info" },
	END
};

static const struct call homepage_allow[] = {
	{ "GET", "/containers/json?all=true" },
	{ "GET", "/containers/jellyfin/json" },
	{ "GET", "/containers/jellyfin/stats?stream=false" },
	{ "GET", "/containers/5b2c9d1e7a44/stats?stream=false" },
	END
};
static const struct call homepage_deny[] = {
	{ "GET", "/containers/jellyfin/logs?follow=1&stdout=1&stderr=1&tail=100" },
	{ "GET", "/containers/jellyfin/top" },
	{ "GET", "/events" },
	{ "GET", "/services" },
	{ "GET", "/tasks" },
	{ "GET", "/images/json" },
	{ "GET", "/info" },
	END
};

static const struct call dozzle_allow[] = {
	{ "HEAD", "/_ping" },
	{ "GET", "/_ping" },
	{ "GET", "/info" },
	{ "GET", "/containers/json?all=1&filters=%7B%7D" },
	{ "GET", "/containers/3f5e1a2b9c0d/json" },
	{ "GET", "/containers/3f5e1a2b9c0d/logs?follow=1&since=2024-05-01T10%3A00%3A00.95Z&"
		 "stderr=1&stdout=1&tail=100&timestamps=1" },
	{ "GET", "/containers/3f5e1a2b9c0d/logs?since=2024-05-01T10%3A00%3A00Z&stderr=1&"
		 "stdout=1&timestamps=1&until=2024-05-01T11%3A00%3A00Z" },
	{ "GET", "/containers/3f5e1a2b9c0d/stats?stream=1" },
	{ "GET", "/events" },
	END
};
static const struct call dozzle_deny[] = {
	{ "GET", "/containers/3f5e1a2b9c0d/top" },
	{ "POST", "/containers/3f5e1a2b9c0d/attach?stderr=1&stdin=1&stdout=1&stream=1" },
	{ "GET", "/images/json" },
	{ "GET", "/services" },
	END
};

static const struct call uptime_kuma_allow[] = {
	{ "GET", "/containers/json?all=true" },
	{ "GET", "/containers/vaultwarden/json" },
	END
};
static const struct call uptime_kuma_deny[] = {
	{ "GET", "/events" },
	{ "GET", "/containers/vaultwarden/logs?stdout=1" },
	{ "GET", "/containers/vaultwarden/top" },
	{ "GET", "/info" },
	{ "GET", "/images/json" },
	END
};

static const struct call glances_allow[] = {
	{ "GET", "/version" },
	{ "GET", "/containers/json?limit=-1&all=0&size=0&trunc_cmd=0" },
	{ "GET", "/containers/json?limit=-1&all=1&size=0&trunc_cmd=0" },
	{ "GET", "/containers/3f5e1a2b9c0d/json" },
	{ "GET", "/images/sha256:7c9b2a1f0e3d4c5b6a79881726354453627180a9b8c7d6e5f4a3b2c1d0e9f8a7/json" },
	{ "GET", "/containers/3f5e1a2b9c0d/stats?stream=1" },
	END
};
static const struct call glances_deny[] = {
	{ "GET", "/events" },
	{ "GET", "/containers/3f5e1a2b9c0d/logs?stdout=1" },
	{ "GET", "/containers/3f5e1a2b9c0d/top" },
	{ "GET", "/info" },
	{ "POST", "/images/create?fromImage=alpine" },
	{ "DELETE", "/images/sha256:7c9b2a1f" },
	END
};

static const struct call netdata_allow[] = {
	{ "HEAD", "/_ping" },
	{ "GET", "/_ping" },
	{ "GET", "/info" },
	{ "GET", "/images/json" },
	{ "GET", "/containers/json?all=1&filters=%7B%22health%22%3A%7B%22unhealthy%22%3Atrue%7D%7D"
		 "&size=0" },
	{ "GET", "/containers/json?all=1&filters=%7B%22health%22%3A%7B%22none%22%3Atrue%7D%7D"
		 "&size=1" },
	{ "GET", "/containers/3f5e1a2b9c0d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f/json" },
	END
};
static const struct call netdata_deny[] = {
	{ "GET", "/events" },
	{ "GET", "/containers/3f5e1a2b9c0d/logs?stdout=1" },
	{ "GET", "/containers/3f5e1a2b9c0d/top" },
	{ "DELETE", "/images/nginx:latest" },
	{ "GET", "/networks" },
	{ "GET", "/system/df" },
	END
};

static const struct call diun_allow[] = {
	{ "HEAD", "/_ping" },
	{ "GET", "/_ping" },
	{ "GET", "/version" },
	{ "GET", "/containers/json?filters=%7B%22status%22%3A%7B%22running%22%3Atrue%7D%7D" },
	{ "GET", "/containers/json?filters=%7B%22status%22%3A%7B%22created%22%3Atrue%2C"
		 "%22exited%22%3Atrue%2C%22running%22%3Atrue%7D%7D" },
	{ "GET", "/images/crazymax/diun:latest/json" },
	{ "GET", "/images/ghcr.io/gethomepage/homepage:v1.2.0/json" },
	{ "GET", "/images/traefik@sha256:7c9b2a1f0e3d4c5b6a79881726354453627180a9b8c7d6e5f4a3b2c1d0e9f8a7/json" },
	END
};
static const struct call diun_deny[] = {
	{ "GET", "/distribution/traefik:latest/json" },
	{ "POST", "/images/create?fromImage=traefik&tag=latest" },
	{ "DELETE", "/images/traefik:latest" },
	{ "GET", "/events" },
	{ "GET", "/containers/3f5e1a2b/logs?stdout=1" },
	{ "GET", "/containers/3f5e1a2b/top" },
	{ "GET", "/services" },
	END
};

static const struct call crowdsec_allow[] = {
	{ "HEAD", "/_ping" },
	{ "GET", "/_ping" },
	{ "GET", "/info" },
	{ "GET", "/containers/json" },
	{ "GET", "/containers/3f5e1a2b9c0d/json" },
	{ "GET", "/containers/3f5e1a2b9c0d/logs?follow=1&since=2024-05-01T10%3A00%3A00Z&stderr=1"
		 "&stdout=1" },
	{ "GET", "/events?filters=%7B%22type%22%3A%7B%22container%22%3Atrue%7D%7D" },
	END
};
static const struct call crowdsec_deny[] = {
	{ "GET", "/containers/3f5e1a2b9c0d/top" },
	{ "GET", "/services" },
	{ "GET", "/services/k2x9/logs?follow=1" },
	{ "GET", "/images/json" },
	END
};

static const struct call prometheus_allow[] = {
	{ "HEAD", "/_ping" },
	{ "GET", "/_ping" },
	{ "GET", "/containers/json" },
	{ "GET", "/containers/json?filters=%7B%22label%22%3A%7B%22prometheus.scrape%3Dtrue%22"
		 "%3Atrue%7D%7D" },
	{ "GET", "/networks" },
	END
};
static const struct call prometheus_deny[] = {
	{ "GET", "/events" },
	{ "GET", "/containers/3f5e1a2b/logs?stdout=1" },
	{ "GET", "/containers/3f5e1a2b/top" },
	{ "GET", "/services" },
	{ "GET", "/tasks" },
	{ "GET", "/nodes" },
	{ "POST", "/networks/backend/connect" },
	{ "POST", "/networks/backend/disconnect" },
	{ "DELETE", "/networks/backend" },
	{ "GET", "/info" },
	END
};

static const struct call autoheal_allow[] = {
	/* as curl sends it: the JSON filter unencoded */
	{ "GET", "/containers/json?filters={\"health\":[\"unhealthy\"],\"label\":[\"autoheal=true\"]}" },
	{ "GET", "/containers/json?filters={\"health\":[\"unhealthy\"]}" },
	{ "POST", "/containers/3f5e1a2b9c0d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f/restart?t=10" },
	END
};
static const struct call autoheal_deny[] = {
	{ "POST", "/containers/3f5e1a2b/start" },
	{ "POST", "/containers/3f5e1a2b/pause" },
	{ "POST", "/containers/3f5e1a2b/unpause" },
	{ "GET", "/events" },
	{ "GET", "/containers/3f5e1a2b/logs?stdout=1" },
	{ "GET", "/containers/3f5e1a2b/top" },
	END
};
/* ALLOW_RESTARTS: restart, and (linuxserver) stop and kill, of containers
 * and (linuxserver matches "(/libpod)?/(containers|pods)") of libpod pods */
static const enum route_action autoheal_writes[] = {
	ACT_CONTAINER_RESTART, ACT_CONTAINER_STOP, ACT_CONTAINER_KILL,
	ACT_POD_RESTART, ACT_POD_STOP, ACT_POD_KILL, ACT_OTHER
};

static const struct call watchtower_allow[] = {
	{ "GET", "/containers/json?filters=%7B%22status%22%3A%7B%22running%22%3Atrue%7D%7D" },
	{ "GET", "/containers/3f5e1a2b9c0d/json" },
	{ "GET", "/images/sha256:7c9b2a1f0e3d4c5b6a79881726354453627180a9b8c7d6e5f4a3b2c1d0e9f8a7/json" },
	{ "GET", "/images/nginx:latest/json" },
	{ "POST", "/images/create?fromImage=nginx&tag=latest" },
	{ "POST", "/images/create?fromImage=ghcr.io%2Fgethomepage%2Fhomepage&tag=latest" },
	{ "POST", "/containers/3f5e1a2b9c0d/kill?signal=SIGTERM" },
	{ "DELETE", "/containers/3f5e1a2b9c0d?force=1&v=0" },
	{ "DELETE", "/containers/3f5e1a2b9c0d?force=1&v=1" },
	{ "POST", "/containers/create?name=nginx" },
	{ "POST", "/networks/proxy/disconnect" },
	{ "POST", "/networks/proxy/connect" },
	{ "POST", "/containers/9a8b7c6d5e4f/start" },
	{ "DELETE", "/images/sha256:7c9b2a1f0e3d?force=1" },
	{ "POST", "/containers/3f5e1a2b9c0d/rename?name=watchtower-old" },
	END
};
static const struct call watchtower_deny[] = {
	{ "GET", "/events" },
	{ "GET", "/containers/3f5e1a2b/logs?stdout=1" },
	{ "GET", "/containers/3f5e1a2b/top" },
	{ "GET", "/info" },
	{ "GET", "/volumes" },
	{ "PUT", "/volumes/data?version=1" },
	END
};

static const struct call n8n_allow[] = {
	{ "GET", "/containers/json?all=true" },
	{ "GET", "/containers/nextcloud/json" },
	{ "GET", "/containers/nextcloud/logs?stdout=1&stderr=1&tail=50&timestamps=1" },
	{ "POST", "/containers/nextcloud/start" },
	{ "POST", "/containers/nextcloud/stop" },
	{ "POST", "/containers/nextcloud/restart" },
	{ "GET", "/images/json" },
	{ "GET", "/images/nextcloud:29/json" },
	{ "POST", "/images/create?fromImage=nextcloud&tag=29" },
	{ "DELETE", "/containers/nextcloud" },
	{ "DELETE", "/containers/3f5e1a2b9c0d?force=true" },
	{ "POST", "/containers/create?name=nextcloud" },
	{ "POST", "/containers/9a8b7c6d5e4f/start" },
	END
};
static const struct call n8n_deny[] = {
	{ "POST", "/containers/nextcloud/exec" },
	{ "POST", "/exec/9c2d/start" },
	{ "GET", "/exec/9c2d/json" },
	{ "POST", "/build" },
	{ "POST", "/commit?container=nextcloud&repo=x" },
	{ "GET", "/events" },
	{ "GET", "/containers/nextcloud/top" },
	{ "GET", "/networks" },
	{ "POST", "/networks/proxy/connect" },
	{ "GET", "/volumes" },
	{ "GET", "/info" },
	END
};

/* docker-compose v1 and `docker compose` v2: up, ps, logs, exec, down
 * (tests/integration/test_compose.py runs v1 and replays v2's calls). */
static const struct call compose_allow[] = {
	{ "HEAD", "/_ping" },
	{ "GET", "/version" },
	{ "GET", "/info" },
	{ "GET", "/containers/json?all=1&filters=%7B%22label%22%3A%5B%22com.docker.compose.project%3Dp%22%5D%7D" },
	{ "GET", "/containers/3f5e1a2b/json" },
	{ "POST", "/containers/create?name=p-web-1" },
	{ "POST", "/containers/3f5e1a2b/start" },
	{ "POST", "/containers/3f5e1a2b/stop?t=10" },
	{ "DELETE", "/containers/3f5e1a2b?force=1&v=1" },
	{ "GET", "/containers/3f5e1a2b/logs?stderr=1&stdout=1&tail=all" },
	{ "POST", "/containers/3f5e1a2b/exec" },
	{ "POST", "/exec/9c2d/start" },
	{ "POST", "/exec/9c2d/resize?h=40&w=100" },
	{ "GET", "/exec/9c2d/json" },
	{ "GET", "/images/bb:latest/json" },
	{ "POST", "/images/create?fromImage=busybox&tag=latest" },
	{ "GET", "/networks?filters=%7B%22name%22%3A%5B%22p_default%22%5D%7D" },
	{ "GET", "/networks/p_default" },
	{ "POST", "/networks/create" },
	{ "POST", "/networks/p_default/connect" },
	{ "POST", "/networks/p_default/disconnect" },
	{ "DELETE", "/networks/p_default" },
	{ "GET", "/volumes?filters=%7B%22label%22%3A%5B%22com.docker.compose.project%3Dp%22%5D%7D" },
	{ "GET", "/volumes/p_data" },
	{ "POST", "/volumes/create" },
	{ "DELETE", "/volumes/p_data" },
	{ "GET", "/events?filters=%7B%22label%22%3A%5B%22com.docker.compose.project%3Dp%22%5D%7D" },
	END
};
static const struct call compose_deny[] = {
	{ "POST", "/build?t=p-web" },
	{ "POST", "/session" },
	{ "POST", "/commit?container=3f5e1a2b&repo=evil" },
	{ "GET", "/containers/3f5e1a2b/archive?path=/etc" },
	{ "PUT", "/containers/3f5e1a2b/archive?path=/" },
	{ "GET", "/containers/3f5e1a2b/export" },
	{ "GET", "/swarm" },
	{ "GET", "/services" },
	{ "GET", "/secrets" },
	{ "GET", "/configs" },
	{ "POST", "/plugins/pull?remote=evil/plugin" },
	{ "GET", "/system/df" },
	{ "POST", "/auth" },
	END
};

static const struct call portainer_allow[] = {
	{ "HEAD", "/_ping" },
	{ "GET", "/_ping" },
	{ "GET", "/version" },
	{ "GET", "/info" },
	{ "GET", "/system/df" },
	{ "GET", "/events?since=1714557600" },
	{ "GET", "/containers/json?all=1" },
	{ "GET", "/containers/3f5e1a2b/json" },
	{ "GET", "/containers/3f5e1a2b/logs?stdout=1&stderr=1&tail=100" },
	{ "GET", "/containers/3f5e1a2b/stats?stream=0" },
	{ "GET", "/containers/3f5e1a2b/top" },
	{ "POST", "/containers/create?name=web" },
	{ "POST", "/containers/3f5e1a2b/start" },
	{ "POST", "/containers/3f5e1a2b/stop" },
	{ "POST", "/containers/3f5e1a2b/restart" },
	{ "POST", "/containers/3f5e1a2b/kill" },
	{ "POST", "/containers/3f5e1a2b/pause" },
	{ "POST", "/containers/3f5e1a2b/unpause" },
	{ "POST", "/containers/3f5e1a2b/rename?name=web2" },
	{ "POST", "/containers/3f5e1a2b/update" },
	{ "POST", "/containers/3f5e1a2b/attach?stream=1&stdin=1&stdout=1&stderr=1" },
	{ "POST", "/containers/prune" },
	{ "DELETE", "/containers/3f5e1a2b?v=1&force=1" },
	{ "POST", "/containers/3f5e1a2b/exec" },
	{ "POST", "/exec/9c2d/start" },
	{ "POST", "/exec/9c2d/resize?h=40&w=120" },
	{ "GET", "/exec/9c2d/json" },
	{ "POST", "/commit?container=3f5e1a2b&repo=web&tag=snap" },
	{ "GET", "/images/json" },
	{ "GET", "/images/nginx:latest/json" },
	{ "GET", "/images/nginx:latest/history" },
	{ "GET", "/images/get?names=nginx%3Alatest" },
	{ "POST", "/images/load" },
	{ "POST", "/images/create?fromImage=nginx&tag=latest" },
	{ "POST", "/images/nginx:latest/tag?repo=registry.lan%2Fnginx&tag=latest" },
	{ "POST", "/images/registry.lan/nginx:latest/push" },
	{ "POST", "/images/prune" },
	{ "DELETE", "/images/nginx:latest" },
	{ "POST", "/build?t=app%3Adev" },
	{ "GET", "/distribution/nginx:latest/json" },
	{ "POST", "/auth" },
	{ "GET", "/networks" },
	{ "POST", "/networks/create" },
	{ "POST", "/networks/backend/connect" },
	{ "DELETE", "/networks/backend" },
	{ "GET", "/volumes" },
	{ "POST", "/volumes/create" },
	{ "DELETE", "/volumes/data" },
	{ "GET", "/plugins" },
	{ "GET", "/swarm" },
	{ "GET", "/nodes" },
	{ "GET", "/services" },
	{ "POST", "/services/create" },
	{ "POST", "/services/k2x9/update?version=3" },
	{ "DELETE", "/services/k2x9" },
	{ "GET", "/tasks" },
	{ "GET", "/secrets" },
	{ "POST", "/secrets/create" },
	{ "GET", "/configs" },
	{ "POST", "/configs/create" },
	END
};
static const struct call portainer_deny[] = {
	{ "POST", "/grpc" },
	{ "POST", "/session" },
	{ "GET", "/containers/3f5e1a2b/archive?path=/etc" },
	{ "HEAD", "/containers/3f5e1a2b/archive?path=/etc" },
	{ "PUT", "/containers/3f5e1a2b/archive?path=/" },
	{ "POST", "/containers/3f5e1a2b/copy" },
	{ "GET", "/containers/3f5e1a2b/export" },
	END
};

static const struct call readonly_allow[] = {
	{ "HEAD", "/_ping" },
	{ "GET", "/_ping" },
	{ "GET", "/version" },
	{ "GET", "/info" },
	{ "GET", "/system/df" },
	{ "GET", "/events" },
	{ "GET", "/containers/json?all=1&size=1" },
	{ "GET", "/containers/3f5e1a2b/json" },
	{ "GET", "/containers/3f5e1a2b/logs?stdout=1&stderr=1&tail=100" },
	{ "GET", "/containers/3f5e1a2b/top?ps_args=aux" },
	{ "GET", "/containers/3f5e1a2b/stats?stream=0" },
	{ "GET", "/containers/3f5e1a2b/changes" },
	{ "GET", "/images/json" },
	{ "GET", "/images/nginx:latest/json" },
	{ "GET", "/images/nginx:latest/history" },
	{ "GET", "/images/search?term=nginx" },
	{ "GET", "/networks" },
	{ "GET", "/networks/backend" },
	{ "GET", "/volumes" },
	{ "GET", "/volumes/data" },
	{ "GET", "/services" },
	{ "GET", "/services/k2x9" },
	{ "GET", "/services/k2x9/logs?stdout=1" },
	{ "GET", "/tasks" },
	{ "GET", "/tasks/t0p9" },
	{ "GET", "/nodes" },
	{ "GET", "/nodes/n7a0pd8yh3fw" },
	{ "GET", "/plugins" },
	{ "GET", "/plugins/vieux/sshfs:latest/json" },
	END
};
static const struct call readonly_deny[] = {
	{ "GET", "/containers/3f5e1a2b/attach/ws?stream=1&stdin=1" },
	{ "GET", "/exec/9c2d/json" },
	{ "GET", "/distribution/nginx:latest/json" },
	{ "GET", "/secrets/s3cr3t" },
	{ "GET", "/configs" },
	END
};

static const enum route_action no_write[] = { ACT_OTHER };

static const struct preset_case cases[] = {
	{ "traefik", "1.24", traefik_allow, traefik_deny, true, no_write, true, false },
	{ "traefik-swarm", NULL, traefik_swarm_allow, traefik_swarm_deny, true, no_write, true,
	  false },
	{ "homepage", NULL, homepage_allow, homepage_deny, true, no_write, true, false },
	{ "dozzle", NULL, dozzle_allow, dozzle_deny, true, no_write, true, false },
	{ "uptime-kuma", NULL, uptime_kuma_allow, uptime_kuma_deny, true, no_write, true, false },
	{ "glances", NULL, glances_allow, glances_deny, true, no_write, true, false },
	{ "netdata", NULL, netdata_allow, netdata_deny, true, no_write, true, false },
	{ "diun", NULL, diun_allow, diun_deny, true, no_write, true, false },
	{ "crowdsec", NULL, crowdsec_allow, crowdsec_deny, true, no_write, true, false },
	{ "prometheus", NULL, prometheus_allow, prometheus_deny, true, no_write, true, false },
	{ "autoheal", NULL, autoheal_allow, autoheal_deny, true, autoheal_writes, false, false },
	{ "watchtower", "1.25", watchtower_allow, watchtower_deny, false, NULL, false, false },
	{ "n8n-telegram-bot", "1.47", n8n_allow, n8n_deny, false, NULL, false, false },
	{ "portainer", NULL, portainer_allow, portainer_deny, false, NULL, false, true },
	{ "compose", NULL, compose_allow, compose_deny, false, NULL, false, true },
	{ "readonly", NULL, readonly_allow, readonly_deny, true, no_write, true, false },
};

/* ---- loading ---- */

/* config_load on the preset's own settings, plus extra ones in front (the
 * first occurrence of a name is the one config_load reads). */
static int load_raw(struct config *cfg, const char *name, const char *const *extra, char *err,
		    size_t len)
{
	const char *const *p = preset_find(name);
	const char *env[128];
	size_t n = 0;

	for (; extra && *extra && n < 64; extra++)
		env[n++] = *extra;
	for (; p && *p && n < 127; p++)
		env[n++] = *p;
	env[n] = NULL;
	return config_load(cfg, (char *const *)env, err, len);
}

/* config_load as the product runs it: SOCKWALL_POLICY=<name>, plus extras. */
static int load_policy(struct config *cfg, const char *name, const char *const *extra,
		       char *err, size_t len)
{
	char policy[128];
	const char *env[64];
	size_t n = 0;

	snprintf(policy, sizeof(policy), "SOCKWALL_POLICY=%s", name);
	env[n++] = policy;
	for (; extra && *extra && n < 63; extra++)
		env[n++] = *extra;
	env[n] = NULL;
	return config_load(cfg, (char *const *)env, err, len);
}

static bool same_filters(const struct filters *a, const struct filters *b)
{
	return a->defaults == b->defaults && a->deny_privileged == b->deny_privileged &&
	       a->deny_host_network == b->deny_host_network && a->hardened == b->hardened &&
	       a->n_require_labels == b->n_require_labels &&
	       strcmp(a->proxy_container_name, b->proxy_container_name) == 0 &&
	       strcmp(a->proxy_network_name, b->proxy_network_name) == 0;
}

/* Every setting a preset may hold: access toggles and the DKRPRX__/PROXY_
 * filters (config_load checks those names itself).  Listeners, sockets,
 * timeouts and logging are the operator's, not a client profile's. */
static bool preset_setting(const char *kv)
{
	static const char *const names[] = {
		"POST", "DELETE", "PUT", "ALLOW_START", "ALLOW_STOP", "ALLOW_RESTARTS",
		"ALLOW_PAUSE", "ALLOW_UNPAUSE", "ALLOW_ARCHIVE", "ALLOW_EXPORT", "ALLOW_LOGS",
		"ALLOW_TOP", "PROXY_CONTAINER_NAME", "PROXY_NETWORK_NAME",
	};
	size_t n = strcspn(kv, "=");

	if (strncmp(kv, "DKRPRX__", 8) == 0)
		return true;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == n && strncmp(kv, names[i], n) == 0)
			return true;
	for (int s = SEC_NONE + 1; s < SEC_COUNT; s++) {
		const char *sn = section_name((enum section)s);
		if (strlen(sn) == n && strncmp(kv, sn, n) == 0)
			return true;
	}
	return false;
}

/* ---- tests ---- */

static void test_names(void)
{
	static const char *const required[] = {
		"traefik", "homepage",  "dozzle",     "uptime-kuma", "glances",
		"netdata", "diun",      "crowdsec",   "prometheus",  "autoheal",
		"watchtower", "portainer", "n8n-telegram-bot", "readonly",
	};
	const char *const *names = preset_names();
	size_t n = 0;

	CHECK(names != NULL, "preset_names() is not NULL");
	if (!names)
		return;
	for (; names[n]; n++) {
		CHECK(preset_find(names[n]) != NULL, "preset_find(\"%s\")", names[n]);
		if (n)
			CHECK(strcmp(names[n - 1], names[n]) < 0, "preset_names() sorted: %s, %s",
			      names[n - 1], names[n]);
	}
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		bool found = false;
		for (size_t k = 0; k < n; k++)
			found |= strcmp(names[k], required[i]) == 0;
		CHECK(found, "preset %s exists", required[i]);
	}

	/* every policies/<name>.env, and nothing else (run from the project root) */
	DIR *d = opendir("policies");
	CHECK(d != NULL, "opendir(policies): run the test from the project root");
	size_t files = 0;
	for (struct dirent *e; d && (e = readdir(d));) {
		size_t len = strlen(e->d_name);
		if (len <= 4 || strcmp(e->d_name + len - 4, ".env") != 0)
			continue;
		char stem[256];
		snprintf(stem, sizeof(stem), "%.*s", (int)(len - 4), e->d_name);
		bool found = false;
		for (size_t k = 0; k < n; k++)
			found |= strcmp(names[k], stem) == 0;
		CHECK(found, "policies/%s is in preset_names() (regenerate build/gen/presets.c)",
		      e->d_name);
		files++;
	}
	if (d)
		closedir(d);
	CHECK(!d || files == n, "%zu policies/*.env, %zu presets compiled in", files, n);

	CHECK(preset_find("") == NULL, "no preset \"\"");
	CHECK(preset_find("nope") == NULL, "no preset nope");
	CHECK(preset_find("traefik.env") == NULL, "no preset traefik.env");
	CHECK(preset_find("TRAEFIK") == NULL, "names are case-sensitive");
	CHECK(preset_find("traefi") == NULL && preset_find("traefikx") == NULL, "exact names");
}

/* Every preset: only preset settings, loads cleanly, same ACL both ways. */
static void test_load_all(void)
{
	const char *const *names = preset_names();

	for (size_t i = 0; names && names[i]; i++) {
		struct config raw, pol;
		char err[2048], err2[2048];
		char acl_raw[2048], acl_pol[2048];

		for (const char *const *p = preset_find(names[i]); p && *p; p++)
			CHECK(preset_setting(*p), "%s: %s is not an access or filter setting",
			      names[i], *p);

		int rc = load_raw(&raw, names[i], NULL, err, sizeof(err));
		CHECK(rc == 0, "%s: preset settings load: %s", names[i], err);
		int rc2 = load_policy(&pol, names[i], NULL, err2, sizeof(err2));
		CHECK(rc2 == 0, "SOCKWALL_POLICY=%s loads: %s", names[i], err2);
		if (rc == 0 && rc2 == 0) {
			config_describe_acl(&raw.policy, acl_raw, sizeof(acl_raw));
			config_describe_acl(&pol.policy, acl_pol, sizeof(acl_pol));
			CHECK(strcmp(acl_raw, acl_pol) == 0,
			      "SOCKWALL_POLICY=%s gives the preset's table:\n%s\nvs\n%s", names[i],
			      acl_pol, acl_raw);
			CHECK(same_filters(&raw.policy.filters, &pol.policy.filters),
			      "SOCKWALL_POLICY=%s gives the preset's filters", names[i]);
		}
		config_free(&raw);
		config_free(&pol);
	}
}

static void run_case(const struct preset_case *pc, const char *how, const struct acl *acl)
{
	judge_all(pc->name, how, acl, pc->pinned, pc->allow, OK);
	judge_all(pc->name, how, acl, pc->pinned, pc->deny, NO);
	if (!pc->not_nobody)
		judge_all(pc->name, how, acl, pc->pinned, nobody, NO);
	if (pc->no_actions)
		judge_all(pc->name, how, acl, pc->pinned, actions, NO);
	if (pc->read_only)
		writes_denied(pc->name, how, acl, pc->except);
}

static void test_cases(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct preset_case *pc = &cases[i];
		struct config cfg;
		char err[2048];

		CHECK(preset_find(pc->name) != NULL, "preset %s", pc->name);
		if (!preset_find(pc->name))
			continue;
		if (load_raw(&cfg, pc->name, NULL, err, sizeof(err)) == 0)
			run_case(pc, "preset", &cfg.policy.acl);
		config_free(&cfg);
		/* the product's path; reported by test_load_all when it fails */
		if (load_policy(&cfg, pc->name, NULL, err, sizeof(err)) == 0)
			run_case(pc, "SOCKWALL_POLICY", &cfg.policy.acl);
		config_free(&cfg);
	}

	/* every preset with a test table, every test table with a preset */
	const char *const *names = preset_names();
	for (size_t k = 0; names && names[k]; k++) {
		bool found = false;
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
			found |= strcmp(cases[i].name, names[k]) == 0;
		CHECK(found, "preset %s has a table in test_presets.c", names[k]);
	}
}

/* readonly: every GET/HEAD route of the opened sections passes, except the
 * ones that write (attach/ws) or read whole filesystems (archive, export). */
static void test_readonly_reads(void)
{
	static const enum section open[] = {
		SEC_CONTAINERS, SEC_IMAGES, SEC_NETWORKS, SEC_VOLUMES, SEC_INFO, SEC_SYSTEM,
		SEC_SERVICES,   SEC_TASKS,  SEC_NODES,    SEC_PLUGINS, SEC_EVENTS, SEC_PING,
		SEC_VERSION, SEC_LIBPOD_PING, SEC_LIBPOD_VERSION, /* defaults */
	};
	struct config cfg;
	char err[2048], target[256];
	size_t n;
	const struct route_def *t = route_table(&n);

	if (load_raw(&cfg, "readonly", NULL, err, sizeof(err)) != 0) {
		config_free(&cfg);
		return; /* reported by test_load_all */
	}
	for (size_t i = 0; i < n; i++) {
		if (strcmp(t[i].method, "GET") != 0 && strcmp(t[i].method, "HEAD") != 0)
			continue;
		if (!instantiate(t[i].pattern, target, sizeof(target)))
			continue;
		struct route_match m;
		if (route_resolve(t[i].method, strlen(t[i].method), target, strlen(target), &m,
				  NULL) != 0 || m.def != &t[i])
			continue;
		bool want = false;
		for (size_t s = 0; s < sizeof(open) / sizeof(open[0]); s++)
			want |= t[i].section == open[s];
		if (t[i].action == ACT_CONTAINER_ATTACH_WS || t[i].action == ACT_CONTAINER_ARCHIVE ||
		    t[i].action == ACT_CONTAINER_EXPORT)
			want = false;
		struct call c = { t[i].method, target };
		judge("readonly", "every read route", &cfg.policy.acl, NULL, &c, want ? OK : NO);
	}
	config_free(&cfg);
}

/* A few client-specific facts beyond the toggles. */
static void test_filters(void)
{
	static const struct {
		const char *name;
		bool deny_privileged;
	} rows[] = {
		{ "watchtower", true },
		{ "n8n-telegram-bot", true },
		{ "portainer", false },
		{ "traefik", false },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct config cfg;
		char err[2048];
		if (load_raw(&cfg, rows[i].name, NULL, err, sizeof(err)) == 0) {
			CHECK(cfg.policy.filters.deny_privileged == rows[i].deny_privileged,
			      "%s: DENY_PRIVILEGED %d", rows[i].name, rows[i].deny_privileged);
			CHECK(cfg.policy.filters.defaults, "%s: default protections stay on", rows[i].name);
		}
		config_free(&cfg);
	}
}

/* Explicit settings win over the preset, setting by setting, in either order. */
static void test_overrides(void)
{
	static const struct {
		const char *policy;
		const char *extra[4];
		struct call call;
		enum decision want;
	} rows[] = {
		/* closing what the preset opens */
		{ "readonly", { "CONTAINERS=0" }, { "GET", "/containers/json" }, NO },
		{ "readonly", { "CONTAINERS=0" }, { "GET", "/images/json" }, OK },
		{ "readonly", { "CONTAINERS=0" }, { "GET", "/volumes" }, OK },
		{ "autoheal", { "ALLOW_RESTARTS=false" }, { "POST", "/containers/x1/restart" }, NO },
		{ "autoheal", { "ALLOW_RESTARTS=false" }, { "GET", "/containers/json" }, OK },
		{ "watchtower", { "DELETE=0" }, { "DELETE", "/containers/x1?force=1" }, NO },
		{ "watchtower", { "DELETE=0" }, { "POST", "/containers/create" }, OK },
		{ "n8n-telegram-bot", { "POST=0" }, { "POST", "/containers/x1/restart" }, NO },
		{ "n8n-telegram-bot", { "POST=0" }, { "GET", "/containers/x1/logs" }, OK },
		/* opening what the preset closes */
		{ "traefik", { "ALLOW_LOGS=1" }, { "GET", "/containers/x1/logs" }, OK },
		{ "traefik", { "ALLOW_LOGS=1" }, { "GET", "/containers/x1/top" }, NO },
		{ "homepage", { "EVENTS=1" }, { "GET", "/events" }, OK },
		{ "homepage", { "SERVICES=1", "TASKS=1" }, { "GET", "/tasks" }, OK },
		{ "n8n-telegram-bot", { "EXEC=1" }, { "POST", "/containers/x1/exec" }, OK },
		{ "dozzle", { "ALLOW_START=1" }, { "POST", "/containers/x1/start" }, OK },
		{ "dozzle", { "ALLOW_START=1" }, { "POST", "/containers/x1/stop" }, NO },
		/* a setting the preset does not mention keeps its default */
		{ "readonly", { "AUTH=1" }, { "POST", "/auth" }, NO }, /* POST=0 from the preset */
		{ "readonly", { "SECRETS=1" }, { "GET", "/secrets" }, OK },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct config cfg;
		char err[2048];
		size_t n = 0;
		const char *rev[8];

		/* SOCKWALL_POLICY first, then the explicit settings */
		if (load_policy(&cfg, rows[i].policy, rows[i].extra, err, sizeof(err)) == 0)
			judge(rows[i].policy, "override", &cfg.policy.acl, NULL, &rows[i].call, rows[i].want);
		else
			CHECK(0, "SOCKWALL_POLICY=%s %s... loads: %s", rows[i].policy,
			      rows[i].extra[0], err);
		config_free(&cfg);

		/* the explicit settings first, SOCKWALL_POLICY last */
		for (; n < 4 && rows[i].extra[n]; n++)
			rev[n] = rows[i].extra[n];
		char policy[64];
		snprintf(policy, sizeof(policy), "SOCKWALL_POLICY=%s", rows[i].policy);
		rev[n++] = policy;
		rev[n] = NULL;
		if (config_load(&cfg, (char *const *)rev, err, sizeof(err)) == 0)
			judge(rows[i].policy, "override, policy last", &cfg.policy.acl, NULL, &rows[i].call,
			      rows[i].want);
		else
			CHECK(0, "%s... SOCKWALL_POLICY=%s loads: %s", rows[i].extra[0],
			      rows[i].policy, err);
		config_free(&cfg);

		/* what the product must do, shown on the raw preset: explicit first */
		if (load_raw(&cfg, rows[i].policy, rows[i].extra, err, sizeof(err)) == 0)
			judge(rows[i].policy, "override, raw", &cfg.policy.acl, NULL, &rows[i].call,
			      rows[i].want);
		config_free(&cfg);
	}

	/* an explicit filter setting beats the preset's */
	struct config cfg;
	char err[2048];
	const char *extra[] = { "DKRPRX__CONTAINERS__DENY_PRIVILEGED=false", NULL };
	if (load_policy(&cfg, "watchtower", extra, err, sizeof(err)) == 0)
		CHECK(!cfg.policy.filters.deny_privileged, "watchtower with DENY_PRIVILEGED=false");
	else
		CHECK(0, "SOCKWALL_POLICY=watchtower DKRPRX__...=false loads: %s", err);
	config_free(&cfg);

	/* a preset name that does not exist is a start-up error, naming it */
	const char *bad[] = { "SOCKWALL_POLICY=traefic", NULL };
	int rc = config_load(&cfg, (char *const *)bad, err, sizeof(err));
	CHECK(rc != 0 && strstr(err, "SOCKWALL_POLICY"), "unknown preset refused: %d %s", rc, err);
	config_free(&cfg);
}

int main(void)
{
	test_names();
	test_load_all();
	test_cases();
	test_readonly_reads();
	test_filters();
	test_overrides();
	TEST_DONE();
}
