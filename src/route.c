/*
 * route: request target -> Docker API endpoint.  See route.h for the
 * contract.  The order of the work is the order dockerd does it in:
 * Go's net/http splits the target at the first '?' and percent-decodes the
 * path once (url.ParseRequestURI); gorilla/mux then matches the decoded
 * path against every route twice, "/v{version:[0-9.]+}" + pattern and the
 * bare pattern, in registration order.  We refuse whatever dockerd would
 * answer with a redirect, an error or a guess we cannot reproduce.
 */
#include "route.h"

#include <stdbool.h>
#include <string.h>

#include "hexdigit.h"

#define C(m, p, a) { m, p, SEC_CONTAINERS, a }
#define X(m, p, a) { m, p, SEC_EXEC, a }

/*
 * moby's routers in the order dockerd registers them (cmd/dockerd:
 * checkpoint, container, image, system, volume, build, session, swarm,
 * plugin, distribution, grpc, network) and, inside each router, in its own
 * order.  First match wins, so the order is part of the meaning: the
 * checkpoint DELETE must come before DELETE /containers/{name:.*}.
 *
 * Left out on purpose: OPTIONS /{anyroute:.*} (CORS preflight, no section)
 * and the /debug/ routes (pprof, only with --debug): both are unknown here,
 * hence denied.  POST .../copy is gone from recent dockerd but kept: it is
 * a file read and must stay behind ALLOW_ARCHIVE wherever it still exists.
 */
static const struct route_def routes[] = {
	/* checkpoint (experimental, but registered all the same) */
	C("GET", "/containers/{name:.*}/checkpoints", ACT_CONTAINER_CHECKPOINT),
	C("POST", "/containers/{name:.*}/checkpoints", ACT_CONTAINER_CHECKPOINT),
	C("DELETE", "/containers/{name}/checkpoints/{checkpoint}", ACT_CONTAINER_CHECKPOINT),

	/* container */
	C("HEAD", "/containers/{name:.*}/archive", ACT_CONTAINER_ARCHIVE),
	C("GET", "/containers/json", ACT_CONTAINER_LIST),
	C("GET", "/containers/{name:.*}/export", ACT_CONTAINER_EXPORT),
	C("GET", "/containers/{name:.*}/changes", ACT_CONTAINER_CHANGES),
	C("GET", "/containers/{name:.*}/json", ACT_CONTAINER_INSPECT),
	C("GET", "/containers/{name:.*}/top", ACT_CONTAINER_TOP),
	C("GET", "/containers/{name:.*}/logs", ACT_CONTAINER_LOGS),
	C("GET", "/containers/{name:.*}/stats", ACT_CONTAINER_STATS),
	C("GET", "/containers/{name:.*}/attach/ws", ACT_CONTAINER_ATTACH_WS),
	X("GET", "/exec/{id:.*}/json", ACT_EXEC_INSPECT),
	C("GET", "/containers/{name:.*}/archive", ACT_CONTAINER_ARCHIVE),
	C("POST", "/containers/create", ACT_CONTAINER_CREATE),
	C("POST", "/containers/{name:.*}/kill", ACT_CONTAINER_KILL),
	C("POST", "/containers/{name:.*}/pause", ACT_CONTAINER_PAUSE),
	C("POST", "/containers/{name:.*}/unpause", ACT_CONTAINER_UNPAUSE),
	C("POST", "/containers/{name:.*}/restart", ACT_CONTAINER_RESTART),
	C("POST", "/containers/{name:.*}/start", ACT_CONTAINER_START),
	C("POST", "/containers/{name:.*}/stop", ACT_CONTAINER_STOP),
	C("POST", "/containers/{name:.*}/wait", ACT_CONTAINER_WAIT),
	C("POST", "/containers/{name:.*}/resize", ACT_CONTAINER_RESIZE),
	C("POST", "/containers/{name:.*}/attach", ACT_CONTAINER_ATTACH),
	C("POST", "/containers/{name:.*}/copy", ACT_CONTAINER_ARCHIVE),
	C("POST", "/containers/{name:.*}/exec", ACT_CONTAINER_EXEC),
	X("POST", "/exec/{name:.*}/start", ACT_EXEC_START),
	X("POST", "/exec/{name:.*}/resize", ACT_EXEC_RESIZE),
	C("POST", "/containers/{name:.*}/rename", ACT_CONTAINER_RENAME),
	C("POST", "/containers/{name:.*}/update", ACT_CONTAINER_UPDATE),
	C("POST", "/containers/prune", ACT_CONTAINER_PRUNE),
	{ "POST", "/commit", SEC_COMMIT, ACT_COMMIT },
	C("PUT", "/containers/{name:.*}/archive", ACT_CONTAINER_ARCHIVE),
	C("DELETE", "/containers/{name:.*}", ACT_CONTAINER_DELETE),

	/* image */
	{ "GET", "/images/json", SEC_IMAGES, ACT_OTHER },
	{ "GET", "/images/search", SEC_IMAGES, ACT_OTHER },
	{ "GET", "/images/get", SEC_IMAGES, ACT_OTHER },
	{ "GET", "/images/{name:.*}/get", SEC_IMAGES, ACT_OTHER },
	{ "GET", "/images/{name:.*}/history", SEC_IMAGES, ACT_OTHER },
	{ "GET", "/images/{name:.*}/json", SEC_IMAGES, ACT_OTHER },
	{ "POST", "/images/load", SEC_IMAGES, ACT_IMAGE_LOAD },
	{ "POST", "/images/create", SEC_IMAGES, ACT_IMAGE_CREATE },
	{ "POST", "/images/{name:.*}/push", SEC_IMAGES, ACT_OTHER },
	{ "POST", "/images/{name:.*}/tag", SEC_IMAGES, ACT_IMAGE_TAG },
	{ "POST", "/images/prune", SEC_IMAGES, ACT_OTHER },
	{ "DELETE", "/images/{name:.*}", SEC_IMAGES, ACT_OTHER },

	/* system */
	{ "GET", "/_ping", SEC_PING, ACT_OTHER },
	{ "HEAD", "/_ping", SEC_PING, ACT_OTHER },
	{ "GET", "/events", SEC_EVENTS, ACT_OTHER },
	{ "GET", "/info", SEC_INFO, ACT_OTHER },
	{ "GET", "/version", SEC_VERSION, ACT_OTHER },
	{ "GET", "/system/df", SEC_SYSTEM, ACT_OTHER },
	{ "POST", "/auth", SEC_AUTH, ACT_OTHER },

	/* volume */
	{ "GET", "/volumes", SEC_VOLUMES, ACT_OTHER },
	{ "GET", "/volumes/{name:.*}", SEC_VOLUMES, ACT_OTHER },
	{ "POST", "/volumes/create", SEC_VOLUMES, ACT_VOLUME_CREATE },
	{ "POST", "/volumes/prune", SEC_VOLUMES, ACT_OTHER },
	{ "PUT", "/volumes/{name:.*}", SEC_VOLUMES, ACT_OTHER },
	{ "DELETE", "/volumes/{name:.*}", SEC_VOLUMES, ACT_VOLUME_DELETE },

	/* build */
	{ "POST", "/build", SEC_BUILD, ACT_BUILD },
	{ "POST", "/build/prune", SEC_BUILD, ACT_OTHER },
	{ "POST", "/build/cancel", SEC_BUILD, ACT_OTHER },

	/* session */
	{ "POST", "/session", SEC_SESSION, ACT_OTHER },

	/* swarm: "{id}" is one segment, without '/' */
	{ "POST", "/swarm/init", SEC_SWARM, ACT_OTHER },
	{ "POST", "/swarm/join", SEC_SWARM, ACT_OTHER },
	{ "POST", "/swarm/leave", SEC_SWARM, ACT_OTHER },
	{ "GET", "/swarm", SEC_SWARM, ACT_SWARM_INSPECT },
	{ "GET", "/swarm/unlockkey", SEC_SWARM, ACT_SWARM_UNLOCKKEY },
	{ "POST", "/swarm/update", SEC_SWARM, ACT_OTHER },
	{ "POST", "/swarm/unlock", SEC_SWARM, ACT_OTHER },
	{ "GET", "/services", SEC_SERVICES, ACT_OTHER },
	{ "GET", "/services/{id}", SEC_SERVICES, ACT_OTHER },
	{ "POST", "/services/create", SEC_SERVICES, ACT_SERVICE_CREATE },
	{ "POST", "/services/{id}/update", SEC_SERVICES, ACT_SERVICE_UPDATE },
	{ "DELETE", "/services/{id}", SEC_SERVICES, ACT_OTHER },
	{ "GET", "/services/{id}/logs", SEC_SERVICES, ACT_OTHER },
	{ "GET", "/nodes", SEC_NODES, ACT_OTHER },
	{ "GET", "/nodes/{id}", SEC_NODES, ACT_OTHER },
	{ "DELETE", "/nodes/{id}", SEC_NODES, ACT_OTHER },
	{ "POST", "/nodes/{id}/update", SEC_NODES, ACT_OTHER },
	{ "GET", "/tasks", SEC_TASKS, ACT_OTHER },
	{ "GET", "/tasks/{id}", SEC_TASKS, ACT_OTHER },
	{ "GET", "/tasks/{id}/logs", SEC_TASKS, ACT_OTHER },
	{ "GET", "/secrets", SEC_SECRETS, ACT_OTHER },
	{ "POST", "/secrets/create", SEC_SECRETS, ACT_OTHER },
	{ "DELETE", "/secrets/{id}", SEC_SECRETS, ACT_OTHER },
	{ "GET", "/secrets/{id}", SEC_SECRETS, ACT_OTHER },
	{ "POST", "/secrets/{id}/update", SEC_SECRETS, ACT_OTHER },
	{ "GET", "/configs", SEC_CONFIGS, ACT_OTHER },
	{ "POST", "/configs/create", SEC_CONFIGS, ACT_OTHER },
	{ "DELETE", "/configs/{id}", SEC_CONFIGS, ACT_OTHER },
	{ "GET", "/configs/{id}", SEC_CONFIGS, ACT_OTHER },
	{ "POST", "/configs/{id}/update", SEC_CONFIGS, ACT_OTHER },

	/* plugin */
	{ "GET", "/plugins", SEC_PLUGINS, ACT_OTHER },
	{ "GET", "/plugins/{name:.*}/json", SEC_PLUGINS, ACT_OTHER },
	{ "GET", "/plugins/privileges", SEC_PLUGINS, ACT_OTHER },
	{ "DELETE", "/plugins/{name:.*}", SEC_PLUGINS, ACT_OTHER },
	{ "POST", "/plugins/{name:.*}/enable", SEC_PLUGINS, ACT_PLUGIN_PRIVILEGED },
	{ "POST", "/plugins/{name:.*}/disable", SEC_PLUGINS, ACT_OTHER },
	{ "POST", "/plugins/pull", SEC_PLUGINS, ACT_PLUGIN_PRIVILEGED },
	{ "POST", "/plugins/{name:.*}/push", SEC_PLUGINS, ACT_OTHER },
	{ "POST", "/plugins/{name:.*}/upgrade", SEC_PLUGINS, ACT_PLUGIN_PRIVILEGED },
	{ "POST", "/plugins/{name:.*}/set", SEC_PLUGINS, ACT_PLUGIN_PRIVILEGED },
	{ "POST", "/plugins/create", SEC_PLUGINS, ACT_PLUGIN_PRIVILEGED },

	/* distribution */
	{ "GET", "/distribution/{name:.*}/json", SEC_DISTRIBUTION, ACT_OTHER },

	/* grpc (BuildKit) */
	{ "POST", "/grpc", SEC_GRPC, ACT_OTHER },

	/* network; "/networks/" is unreachable here (trailing '/' is refused)
	 * but it is in dockerd's table, so it is in ours. */
	{ "GET", "/networks", SEC_NETWORKS, ACT_OTHER },
	{ "GET", "/networks/", SEC_NETWORKS, ACT_OTHER },
	{ "GET", "/networks/{id:.+}", SEC_NETWORKS, ACT_OTHER },
	{ "POST", "/networks/create", SEC_NETWORKS, ACT_NETWORK_CREATE },
	{ "POST", "/networks/{id:.*}/connect", SEC_NETWORKS, ACT_NETWORK_CONNECT },
	{ "POST", "/networks/{id:.*}/disconnect", SEC_NETWORKS, ACT_NETWORK_DISCONNECT },
	{ "POST", "/networks/prune", SEC_NETWORKS, ACT_OTHER },
	{ "DELETE", "/networks/{id:.*}", SEC_NETWORKS, ACT_NETWORK_DELETE },
};

#undef C
#undef X

static const char *const section_names[SEC_COUNT] = {
	[SEC_NONE] = "NONE",
	[SEC_AUTH] = "AUTH",
	[SEC_BUILD] = "BUILD",
	[SEC_COMMIT] = "COMMIT",
	[SEC_CONFIGS] = "CONFIGS",
	[SEC_CONTAINERS] = "CONTAINERS",
	[SEC_DISTRIBUTION] = "DISTRIBUTION",
	[SEC_EVENTS] = "EVENTS",
	[SEC_EXEC] = "EXEC",
	[SEC_GRPC] = "GRPC",
	[SEC_IMAGES] = "IMAGES",
	[SEC_INFO] = "INFO",
	[SEC_NETWORKS] = "NETWORKS",
	[SEC_NODES] = "NODES",
	[SEC_PING] = "PING",
	[SEC_PLUGINS] = "PLUGINS",
	[SEC_SECRETS] = "SECRETS",
	[SEC_SERVICES] = "SERVICES",
	[SEC_SESSION] = "SESSION",
	[SEC_SWARM] = "SWARM",
	[SEC_SYSTEM] = "SYSTEM",
	[SEC_TASKS] = "TASKS",
	[SEC_VERSION] = "VERSION",
	[SEC_VOLUMES] = "VOLUMES",
};

const char *section_name(enum section s)
{
	if ((unsigned)s >= SEC_COUNT)
		return section_names[SEC_NONE];
	return section_names[s];
}

const struct route_def *route_table(size_t *count)
{
	if (count)
		*count = sizeof(routes) / sizeof(routes[0]);
	return routes;
}

/* ---- pattern matching, gorilla/mux style ---- */

/* The three variable shapes moby uses; anything else never matches. */
enum var_class { VAR_SEGMENT, VAR_ANY, VAR_ANY_NONEMPTY, VAR_BAD };

static enum var_class var_class(const char *open, const char *close)
{
	const char *colon = memchr(open, ':', (size_t)(close - open));

	if (!colon)
		return VAR_SEGMENT; /* gorilla's default: [^/]+ */
	if (close - colon == 3 && colon[1] == '.' && colon[2] == '*')
		return VAR_ANY;
	if (close - colon == 3 && colon[1] == '.' && colon[2] == '+')
		return VAR_ANY_NONEMPTY;
	return VAR_BAD;
}

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

	size_t min = 0, max = n;
	switch (var_class(p, close)) {
	case VAR_SEGMENT: {
		const char *slash = memchr(s, '/', n);
		if (slash)
			max = (size_t)(slash - s);
		min = 1;
		break;
	}
	case VAR_ANY:
		break;
	case VAR_ANY_NONEMPTY:
		min = 1;
		break;
	case VAR_BAD:
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

/* Refuse with a reason. */
static int refuse(const char **why, const char *reason)
{
	if (why)
		*why = reason;
	return -1;
}

/*
 * The first segment of the decoded path, if dockerd's versionMatcher
 * "/v{version:[0-9.]+}" could take it for a version (we look a little
 * wider: any mix of 'v', digits and dots after a leading "v<digit>" or
 * "v."), must be exactly v<digits>.<digits>; it is then cut off.
 * Returns 0, or -1 with *why set.
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

	size_t i = 1, major = 0, minor = 0;
	while (i < len && is_digit(seg[i]))
		i++, major++;
	if (i < len && seg[i] == '.')
		i++;
	else
		return refuse(why, "unsupported API version prefix");
	while (i < len && is_digit(seg[i]))
		i++, minor++;
	if (i != len || major == 0 || minor == 0)
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
