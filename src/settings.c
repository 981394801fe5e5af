#include "settings.h"

#include <string.h>

#include "filter.h"
#include "policy.h"

#define TEC ENVCHECK_TEC
#define LSIO ENVCHECK_LSIO
#define ACL(name, field, def, anchors, help) \
	{ name, SCOPE_POLICY, KIND_SWITCH, GROUP_ACTIONS, offsetof(struct acl, field), anchors, def, \
	  help }
#define PAT(name, field, help) \
	{ name, SCOPE_POLICY, KIND_PATTERNS, GROUP_FILTERS, offsetof(struct filters, field), 0, "", help }
#define PROC(name, kind, group, def, help) { name, SCOPE_PROCESS, kind, group, 0, 0, def, help }
#define POL(name, kind, group, def, help) { name, SCOPE_POLICY, kind, group, 0, 0, def, help }

/* The switches first, in --check-config's order; then the rest. */
const struct setting settings[] = {
	{ "POST", SCOPE_POLICY, KIND_SWITCH, GROUP_METHODS, offsetof(struct acl, post), TEC | LSIO, "0",
	  "1 opens POST/PUT/DELETE on enabled sections" },
	{ "DELETE", SCOPE_POLICY, KIND_TRISTATE, GROUP_METHODS, offsetof(struct acl, delete_), 0, "",
	  "unset: follows POST; 0 closes DELETE" },
	{ "PUT", SCOPE_POLICY, KIND_TRISTATE, GROUP_METHODS, offsetof(struct acl, put), 0, "",
	  "unset: follows POST; 0 closes PUT" },
	ACL("ALLOW_START", allow_start, "0", TEC | LSIO, "POST /containers/{id}/start, without POST=1"),
	ACL("ALLOW_STOP", allow_stop, "0", TEC | LSIO, "POST /containers/{id}/stop, without POST=1"),
	ACL("ALLOW_RESTARTS", allow_restarts, "0", TEC | LSIO, "restart, stop and kill, without POST=1"),
	ACL("ALLOW_PAUSE", allow_pause, "0", LSIO, "POST /containers/{id}/pause, without POST=1"),
	ACL("ALLOW_UNPAUSE", allow_unpause, "0", LSIO, "POST /containers/{id}/unpause, without POST=1"),
	ACL("ALLOW_ARCHIVE", allow_archive, "0", LSIO, "container file reads and writes (archive, copy)"),
	ACL("ALLOW_EXPORT", allow_export, "0", LSIO, "GET /containers/{id}/export (a whole filesystem)"),
	ACL("ALLOW_LOGS", allow_logs, "1", LSIO, "container logs, with CONTAINERS=1"),
	ACL("ALLOW_TOP", allow_top, "1", LSIO, "container processes, with CONTAINERS=1"),
	ACL("ALLOW_CHANGES", allow_changes, "1", LSIO,
	    "GET /containers/{id}/changes (linuxserver's default is 0)"),
	ACL("ALLOW_PLUGIN_PRIVILEGES", allow_plugin_privileges, "0", 0,
	    "plugin installs and settings (root-equivalent)"),
	ACL("ALLOW_URL_FETCH", allow_url_fetch, "0", 0, "builds and imports from a remote URL"),
	ACL("ALLOW_SWARM_UNLOCKKEY", allow_swarm_unlockkey, "0", 0, "GET /swarm/unlockkey (a secret)"),
	ACL("ALLOW_IMAGE_LOAD", allow_image_load, "0", 0, "POST /images/load"),
	ACL("LIBPOD_ALLOW_START", libpod_allow_start, "0", LSIO, "/libpod/containers/{id}/start"),
	ACL("LIBPOD_ALLOW_STOP", libpod_allow_stop, "0", LSIO, "/libpod/containers/{id}/stop"),
	ACL("LIBPOD_ALLOW_RESTARTS", libpod_allow_restarts, "0", LSIO,
	    "/libpod/containers/{id}/restart and kill"),
	ACL("LIBPOD_ALLOW_PAUSE", libpod_allow_pause, "0", LSIO, "/libpod/containers/{id}/pause"),
	ACL("LIBPOD_ALLOW_UNPAUSE", libpod_allow_unpause, "0", LSIO, "/libpod/containers/{id}/unpause"),
	ACL("LIBPOD_ALLOW_POD_START", libpod_allow_pod_start, "0", LSIO, "/libpod/pods/{id}/start"),
	ACL("LIBPOD_ALLOW_POD_STOP", libpod_allow_pod_stop, "0", LSIO, "/libpod/pods/{id}/stop"),
	ACL("LIBPOD_ALLOW_POD_RESTARTS", libpod_allow_pod_restarts, "0", LSIO,
	    "/libpod/pods/{id}/restart and kill"),
	ACL("LIBPOD_ALLOW_POD_PAUSE", libpod_allow_pod_pause, "0", LSIO, "/libpod/pods/{id}/pause"),
	ACL("LIBPOD_ALLOW_POD_UNPAUSE", libpod_allow_pod_unpause, "0", LSIO, "/libpod/pods/{id}/unpause"),

	PROC("SOCKWALL_LISTEN", KIND_TEXT, GROUP_NETWORK, "tcp://[::]:2375",
	     "tcp://HOST:PORT, tls://HOST:PORT, unix:///PATH?mode=0660&group=GID, "
	     "comma-separated; any may add ?policy=PRESET or ?policy=/path/to/file.env"),
	PROC("SOCKWALL_HEAD_TIMEOUT", KIND_DURATION, GROUP_LIMITS, "10s",
	     "a request head must arrive within this"),
	PROC("SOCKWALL_IDLE_TIMEOUT", KIND_DURATION, GROUP_LIMITS, "120s",
	     "idle keep-alive connections close (0: never)"),
	PROC("SOCKWALL_SHUTDOWN_TIMEOUT", KIND_DURATION, GROUP_LIMITS, "10s",
	     "on SIGTERM, in-flight requests get this long (0: none)"),
	PROC("SOCKWALL_MAX_CONNS", KIND_NUMBER, GROUP_LIMITS, "1024",
	     "client connections at once, 1 to 1000000 (503 beyond)"),
	PROC("SOCKWALL_MAX_HEAD", KIND_NUMBER, GROUP_LIMITS, "32768",
	     "bytes in a request head, 1024 to 65536 (431 beyond)"),
	PROC("SOCKWALL_LOG_FORMAT", KIND_CHOICE, GROUP_LOGS, "json", "json or text"),
	PROC("SOCKWALL_UNIX_MODE", KIND_TEXT, GROUP_NETWORK, "0660",
	     "default mode (octal) of unix listener sockets"),
	PROC("SOCKWALL_UNIX_GROUP", KIND_TEXT, GROUP_NETWORK, "",
	     "default group (name or gid) of unix listener sockets"),
	PROC("SOCKWALL_MAX_BODY", KIND_NUMBER, GROUP_LIMITS, "1048576",
	     "bytes of an inspected request body, 1024 to 64 MiB (413 beyond)"),
	PROC("SOCKWALL_MAX_ANSWER", KIND_NUMBER, GROUP_LIMITS, "8388608",
	     "bytes of a dockerd answer held to hide Env values, 64 KiB to 256 MiB (502 beyond)"),
	PROC("SOCKWALL_TLS_CERT", KIND_TEXT, GROUP_TLS, "", "server certificate chain (PEM file)"),
	PROC("SOCKWALL_TLS_KEY", KIND_TEXT, GROUP_TLS, "", "server private key (PEM file)"),
	PROC("SOCKWALL_TLS_CA", KIND_TEXT, GROUP_TLS, "",
	     "client CA (PEM file): client certificates required"),
	PROC("SOCKWALL_TLS_ALLOW_CN", KIND_TEXT, GROUP_TLS, "",
	     "comma-separated client CNs accepted (needs SOCKWALL_TLS_CA)"),
	PROC("SOCKWALL_TLS_ALLOW_PINS", KIND_TEXT, GROUP_TLS, "",
	     "comma-separated client key pins accepted (needs SOCKWALL_TLS_CA)"),
	PROC("SOCKWALL_TLS_HANDSHAKE_TIMEOUT", KIND_DURATION, GROUP_TLS, "10s",
	     "a TLS handshake must finish within this"),
	POL("SOCKWALL_POLICY", KIND_TEXT, GROUP_POLICY, "",
	    "a preset from policies/ beneath the environment (explicit settings win)"),
	POL("SOCKWALL_MODE", KIND_CHOICE, GROUP_POLICY, "enforce",
	    "audit: forward everything, log what would be denied"),
	PROC("SOCKWALL_TLS_POLICY_BY_CN", KIND_TEXT, GROUP_TLS, "",
	     "CN:POLICY,...: a verified client's CN chooses its policy"),
	PROC("SOCKWALL_LOOP", KIND_CHOICE, GROUP_NETWORK, "epoll",
	     "the event loop's backend: epoll or poll"),
	PROC("SOCKWALL_IGNORE_VARS", KIND_TEXT, GROUP_POLICY, "",
	     "NAME,PREFIX*,...: names another program in this environment reads"),

	PAT("DKRPRX__VOLUMES__ALLOWED_NAMES", vol_allowed_names, "volume names that may be created"),
	PAT("DKRPRX__VOLUMES__DENIED_NAMES", vol_denied_names, "volume names that may not"),
	PAT("DKRPRX__VOLUMES__ALLOWED_PATHS", vol_allowed_paths, "host paths that may be bound"),
	PAT("DKRPRX__VOLUMES__DENIED_PATHS", vol_denied_paths, "host paths that may not"),
	PAT("DKRPRX__VOLUMES__ALLOWED_DRIVERS", vol_allowed_drivers, "volume drivers allowed"),
	PAT("DKRPRX__CONTAINERS__ALLOWED_IMAGES", ctr_allowed_images, "images a container may run"),
	PAT("DKRPRX__CONTAINERS__DENIED_IMAGES", ctr_denied_images, "images it may not"),
	PAT("DKRPRX__CONTAINERS__ALLOWED_NAMES", ctr_allowed_names, "container names allowed"),
	PAT("DKRPRX__CONTAINERS__DENIED_NAMES", ctr_denied_names, "container names denied"),
	PAT("DKRPRX__IMAGES__ALLOWED_REPOS", img_allowed_repos, "repositories that may be pulled"),
	PAT("DKRPRX__IMAGES__DENIED_REPOS", img_denied_repos, "repositories that may not"),
	PAT("DKRPRX__IMAGES__ALLOWED_TAGS", img_allowed_tags, "tags that may be pulled"),
	PAT("DKRPRX__IMAGES__DENIED_TAGS", img_denied_tags, "tags that may not"),
	PAT("DKRPRX__NETWORKS__ALLOWED_NAMES", net_allowed_names, "network names allowed"),
	PAT("DKRPRX__NETWORKS__DENIED_NAMES", net_denied_names, "network names denied"),
	PAT("DKRPRX__NETWORKS__ALLOWED_DRIVERS", net_allowed_drivers, "network drivers allowed"),
	POL("DKRPRX__DISABLE_DEFAULTS", KIND_SWITCH, GROUP_FILTERS, "false",
	    "true: no socket/proxy-container/network protection"),
	POL("DKRPRX__CONTAINERS__DENY_PRIVILEGED", KIND_SWITCH, GROUP_FILTERS, "false",
	    "refuse privileged containers"),
	POL("DKRPRX__CONTAINERS__DENY_HOST_NETWORK", KIND_SWITCH, GROUP_FILTERS, "false",
	    "refuse containers on the host's network"),
	POL("DKRPRX__CONTAINERS__HARDENED", KIND_SWITCH, GROUP_FILTERS, "false",
	    "refuse containers with powers over the host"),
	POL("DKRPRX__CONTAINERS__REDACT_ENV", KIND_SWITCH, GROUP_FILTERS, "",
	    "hide Env values in inspect answers (unset: true unless the policy can create containers)"),
	POL("DKRPRX__CONTAINERS__REQUIRE_LABELS", KIND_TEXT, GROUP_FILTERS, "",
	    "key=value,key,...: labels a new container must carry"),

	PROC("SOCKET_PATH", KIND_TEXT, GROUP_NETWORK, "/var/run/docker.sock",
	     "the Docker daemon's socket"),
	PROC("LOG_LEVEL", KIND_CHOICE, GROUP_LOGS, "info",
	     "debug, info, notice, warning, err, crit, alert or emerg"),
	PROC("DISABLE_IPV6", KIND_SWITCH, GROUP_NETWORK, "0",
	     "1: the default listener is 0.0.0.0:2375"),
	PROC("PROXY_CONTAINER_NAME", KIND_TEXT, GROUP_FILTERS, "docker-proxy",
	     "the proxy's own container, protected"),
	PROC("PROXY_NETWORK_NAME", KIND_TEXT, GROUP_FILTERS, "", "the proxy's own network, protected"),
	POL("FILTERS_CONFIG", KIND_TEXT, GROUP_FILTERS, "",
	    "JSON file with the DKRPRX__ settings (the environment wins)"),
};

const size_t settings_count = sizeof(settings) / sizeof(*settings);

const char *const setting_group_title[GROUP_COUNT] = {
	[GROUP_METHODS] = "Methods on enabled sections",
	[GROUP_ACTIONS] = "Per-route switches (actions without POST=1; reads that need their own)",
	[GROUP_NETWORK] = "Network and daemon",
	[GROUP_LIMITS] = "Limits and timeouts (durations: 30, 30s, 500ms, 2m)",
	[GROUP_FILTERS] = "Body filters and protections",
	[GROUP_LOGS] = "Logs (stderr, one line per request)",
	[GROUP_TLS] = "mTLS (tls:// listeners)",
	[GROUP_POLICY] = "Presets, modes and names",
};

const struct setting *settings_find(const char *name)
{
	for (size_t i = 0; i < settings_count; i++)
		if (strcmp(settings[i].name, name) == 0)
			return &settings[i];
	return NULL;
}

bool settings_policy_key(const char *name)
{
	const struct setting *s = settings_find(name);

	for (int sec = SEC_NONE + 1; sec < SEC_COUNT && !s; sec++)
		if (strcmp(name, section_name((enum section)sec)) == 0)
			return true;
	return s && s->scope == SCOPE_POLICY;
}

void settings_names(struct setting_names *t)
{
	size_t n = 0;

	for (int s = SEC_NONE + 1; s < SEC_COUNT; s++) {
		const char *name = section_name((enum section)s);
		unsigned char anchors = strncmp(name, "LIBPOD_", 7) == 0 ? LSIO : TEC | LSIO;
		t->names[n++] = (struct envname){ name, true, anchors };
	}
	for (size_t i = 0; i < settings_count && n < sizeof(t->names) / sizeof(*t->names); i++) {
		bool is_switch = settings[i].group == GROUP_METHODS || settings[i].group == GROUP_ACTIONS;
		t->names[n++] = (struct envname){ settings[i].name, is_switch, settings[i].anchors };
	}
	t->en = (struct envnames){ t->names, n };
}

void settings_help(struct textbuf *out)
{
	struct acl defaults;

	acl_defaults(&defaults);
	text_printf(out, "Sections (1/0, true/false, yes/no, on/off), as tecnativa/docker-socket-proxy;\n"
			 "GET/HEAD on the section when on.  On by default:");
	for (int on = 1, n = 0; on >= 0; on--, n = 0) {
		for (int s = SEC_NONE + 1; s < SEC_COUNT; s++)
			if (defaults.section[s] == on)
				text_printf(out, "%s%s", n++ % 6 ? " " : "\n  ", section_name((enum section)s));
		text_printf(out, "%s", on ? "\nOff by default:" : "\n");
	}
	for (int g = 0; g < GROUP_COUNT; g++) {
		text_printf(out, "%s:\n", setting_group_title[g]);
		for (size_t i = 0; i < settings_count; i++) {
			const struct setting *s = &settings[i];
			if (s->group != (enum setting_group)g)
				continue;
			/* the help in a column, or on a line of its own past it */
			int len = (int)(strlen(s->name) + 1 + strlen(s->def));
			if (len < 34)
				text_printf(out, "  %s=%s%*s%s\n", s->name, s->def, 35 - len, "", s->help);
			else
				text_printf(out, "  %s=%s\n%37s%s\n", s->name, s->def, "", s->help);
		}
	}
}
