#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_read.h"
#include "route.h"
#include "settings.h"
#include "text.h"

void problem(struct problems *p, const char *fmt, ...)
{
	va_list ap;

	p->count++;
	if (!p->buf || p->used + 1 >= p->len)
		return;
	/* room for the text and its NUL; the '\n' then takes the NUL's place */
	size_t room = p->len - p->used - 1;
	va_start(ap, fmt);
	int n = vsnprintf(p->buf + p->used, room, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	/* One line per problem: values quoted in it may hold anything. */
	text_scrub(p->buf + p->used);
	p->used += (size_t)n < room ? (size_t)n : room - 1;
	p->buf[p->used++] = '\n';
	p->buf[p->used] = '\0';
}

const char *env_get(char *const *envp, const char *name)
{
	size_t n = strcspn(name, "=");

	for (; envp && *envp; envp++)
		if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=')
			return *envp + n + 1;
	return NULL;
}

bool read_bool(char *const *envp, const char *name, bool def, struct problems *p)
{
	const char *v = env_get(envp, name);
	int b;

	if (!v)
		return def;
	b = envcheck_toggle_word(v);
	if (b < 0) {
		problem(p, "%s=%s: expected 1/0, true/false, yes/no or on/off", name, v);
		return def;
	}
	return b;
}

bool read_switch(char *const *envp, const char *name, struct problems *p)
{
	return read_bool(envp, name, envcheck_toggle_word(settings_find(name)->def) == 1, p);
}

enum toggle_state read_tristate(char *const *envp, const char *name, struct problems *p)
{
	if (!env_get(envp, name))
		return TOGGLE_UNSET;
	return read_bool(envp, name, false, p) ? TOGGLE_ON : TOGGLE_OFF;
}

bool read_choice(char *const *envp, const char *name, const char *alt, struct problems *p)
{
	const char *v = env_get(envp, name), *def = settings_find(name)->def;

	if (v && strcmp(v, def) != 0 && strcmp(v, alt) != 0)
		problem(p, "%s=%s: expected %s or %s", name, v, def, alt);
	return v && strcmp(v, alt) == 0;
}

/* name's value, or the table's default when unset (envp NULL: always). */
static const char *env_or_default(char *const *envp, const char *name)
{
	const char *v = env_get(envp, name);

	return v ? v : settings_find(name)->def;
}

/* "10", "10s", "500ms", "2m" -> milliseconds; unset or bad, the table's default. */
static int read_duration(char *const *envp, const char *name, bool allow_zero,
			 struct problems *p)
{
	const char *v = env_or_default(envp, name);
	char *end;
	unsigned long n;
	long mult = 1000;

	if (!isdigit((unsigned char)v[0]))
		goto bad;
	n = strtoul(v, &end, 10);
	if (strcmp(end, "ms") == 0)
		mult = 1;
	else if (strcmp(end, "m") == 0)
		mult = 60000;
	else if (*end != '\0' && strcmp(end, "s") != 0)
		goto bad;
	if (n > 86400UL * 1000 / (unsigned long)mult || (n == 0 && !allow_zero))
		goto bad;
	return (int)(n * (unsigned long)mult);
bad:
	problem(p, "%s=%s: expected a duration such as 30, 30s, 500ms or 2m%s", name, v,
		allow_zero ? " (0 disables)" : ", above zero");
	return read_duration(NULL, name, allow_zero, p);
}

/* Unset or bad, the table's default. */
static long read_number(char *const *envp, const char *name, long min, long max,
			struct problems *p)
{
	const char *v = env_or_default(envp, name);
	char *end = "";
	long n = isdigit((unsigned char)v[0]) ? strtol(v, &end, 10) : -1;
	if (n < min || n > max || *end != '\0') {
		problem(p, "%s=%s: expected a number from %ld to %ld", name, v, min, max);
		return read_number(NULL, name, min, max, p);
	}
	return n;
}

static bool parse_mode(const char *v, mode_t *mode)
{
	char *end;
	unsigned long m = strtoul(v, &end, 8);

	if (!*v || *end || m > 0777)
		return false;
	*mode = (mode_t)m;
	return true;
}

static bool parse_group(const char *v, gid_t *gid)
{
	char *end;
	unsigned long g;

	if (!*v)
		return false;
	g = strtoul(v, &end, 10);
	if (*end == '\0') {
		*gid = (gid_t)g;
		return true;
	}
	struct group *gr = getgrnam(v);
	if (!gr)
		return false;
	*gid = gr->gr_gid;
	return true;
}

/* unix:///path (options after '?' are parse_listener_options') */
static void parse_unix_listener(const char *url, size_t len, struct listen_spec *l,
				struct problems *p)
{
	const char *path = url + strlen("unix://");
	size_t plen = len - strlen("unix://");

	l->kind = LISTEN_UNIX;
	if (path[0] != '/' || plen >= sizeof(l->path)) {
		problem(p, "SOCKWALL_LISTEN: %s: a unix listener needs an absolute path of at most %zu bytes",
			url, sizeof(l->path) - 1);
		return;
	}
	memcpy(l->path, path, plen);
	l->path[plen] = '\0';
}

/*
 * ?mode=0660&group=docker (unix only) and ?policy=NAME-OR-FILE (any
 * listener); the policy reference is copied out, resolved later.
 */
static void parse_listener_options(const char *url, const char *q, struct listen_spec *l,
				   char *policy, size_t policy_cap, struct problems *p)
{
	while (q && *q) {
		char key[16], val[256];
		const char *item = q + 1, *amp = strchr(item, '&'), *eq = strchr(item, '=');
		size_t ilen = amp ? (size_t)(amp - item) : strlen(item);

		if (!eq || eq > item + ilen || (size_t)(eq - item) >= sizeof(key) ||
		    ilen - (size_t)(eq - item) > sizeof(val)) {
			problem(p, "SOCKWALL_LISTEN: %s: expected ?policy=NAME%s", url,
				l->kind == LISTEN_UNIX ? "&mode=OCTAL&group=GID" : "");
			return;
		}
		memcpy(key, item, (size_t)(eq - item));
		key[eq - item] = '\0';
		memcpy(val, eq + 1, ilen - (size_t)(eq - item) - 1);
		val[ilen - (size_t)(eq - item) - 1] = '\0';
		if (strcmp(key, "mode") == 0 && l->kind == LISTEN_UNIX) {
			if (!parse_mode(val, &l->mode))
				problem(p, "SOCKWALL_LISTEN: %s: mode=%s is not an octal mode", url, val);
		} else if (strcmp(key, "group") == 0 && l->kind == LISTEN_UNIX) {
			if (!parse_group(val, &l->gid))
				problem(p, "SOCKWALL_LISTEN: %s: group=%s is not a gid or known group",
					url, val);
			l->has_gid = true;
		} else if (strcmp(key, "policy") == 0 && !*policy) {
			if (!*val || strlen(val) >= policy_cap)
				problem(p, "SOCKWALL_LISTEN: %s: policy= needs a preset name or a file path",
					url);
			else
				strcpy(policy, val);
		} else {
			problem(p, "SOCKWALL_LISTEN: %s: unknown or repeated option '%s' (%s)", url, key,
				l->kind == LISTEN_UNIX ? "policy, mode, group" : "policy");
		}
		q = amp;
	}
}

/* tcp://HOST:PORT or tls://HOST:PORT, HOST an IPv4 address, [IPv6], or localhost */
static void parse_tcp_listener(const char *url, size_t len, struct listen_spec *l,
			       struct problems *p)
{
	char hp[128];
	const char *colon, *host = hp;
	size_t hlen;

	if (len - strlen("tcp://") >= sizeof(hp))
		goto bad;
	memcpy(hp, url + strlen("tcp://"), len - strlen("tcp://"));
	hp[len - strlen("tcp://")] = '\0';
	l->kind = strncmp(url, "tls://", 6) == 0 ? LISTEN_TLS : LISTEN_TCP;
	if (hp[0] == '[') {
		const char *close = strchr(hp, ']');
		if (!close || close[1] != ':')
			goto bad;
		host = hp + 1;
		hlen = (size_t)(close - host);
		colon = close + 1;
	} else {
		colon = strrchr(hp, ':');
		if (!colon)
			goto bad;
		hlen = (size_t)(colon - hp);
	}
	if (hlen == 0 || hlen >= sizeof(l->host))
		goto bad;
	memcpy(l->host, host, hlen);
	l->host[hlen] = '\0';
	if (strcmp(l->host, "localhost") == 0)
		strcpy(l->host, "127.0.0.1");
	char *end = "";
	long port = isdigit((unsigned char)colon[1]) ? strtol(colon + 1, &end, 10) : -1;
	if (port < 1 || port > 65535 || *end)
		goto bad;
	l->port = (unsigned short)port;
	return;
bad:
	problem(p, "SOCKWALL_LISTEN: %s: expected tcp://ADDRESS:PORT or tls://ADDRESS:PORT "
		   "(e.g. tcp://0.0.0.0:2375, tls://[::]:2376)",
		url);
}

static void parse_listeners(struct config *cfg, char *const *envp, struct problems *p,
			    char policy_refs[][256])
{
	bool disable_ipv6 = read_switch(envp, "DISABLE_IPV6", p);
	const char *list = env_get(envp, "SOCKWALL_LISTEN"), *v;
	bool is_default = list == NULL, has_gid = false;
	mode_t mode = 0660;
	gid_t gid = 0;
	char buf[2048];

	if ((v = env_get(envp, "SOCKWALL_UNIX_MODE")) && !parse_mode(v, &mode))
		problem(p, "SOCKWALL_UNIX_MODE=%s: expected an octal mode such as 0660", v);
	if ((v = env_get(envp, "SOCKWALL_UNIX_GROUP"))) {
		has_gid = true;
		if (!parse_group(v, &gid))
			problem(p, "SOCKWALL_UNIX_GROUP=%s: not a gid or known group", v);
	}
	if (!list)
		list = disable_ipv6 ? "tcp://0.0.0.0:2375" : env_or_default(NULL, "SOCKWALL_LISTEN");
	if (strlen(list) >= sizeof(buf)) {
		problem(p, "SOCKWALL_LISTEN: too long");
		return;
	}
	strcpy(buf, list);
	cfg->n_listeners = 0;
	for (char *save = NULL, *item = strtok_r(buf, ",", &save); item;
	     item = strtok_r(NULL, ",", &save)) {
		while (*item == ' ')
			item++;
		if (!*item)
			continue;
		if (cfg->n_listeners == CONFIG_MAX_LISTENERS) {
			problem(p, "SOCKWALL_LISTEN: more than %d listeners", CONFIG_MAX_LISTENERS);
			return;
		}
		struct listen_spec *l = &cfg->listeners[cfg->n_listeners];
		char *policy = policy_refs[cfg->n_listeners++];
		const char *q = strchr(item, '?');
		size_t base_len = q ? (size_t)(q - item) : strlen(item);
		memset(l, 0, sizeof(*l));
		snprintf(l->url, sizeof(l->url), "%s", item);
		l->mode = mode;
		l->gid = gid;
		l->has_gid = has_gid;
		l->is_default = is_default;
		policy[0] = '\0';
		if (strncmp(item, "tcp://", 6) == 0 || strncmp(item, "tls://", 6) == 0) {
			parse_tcp_listener(item, base_len, l, p);
		} else if (strncmp(item, "unix://", 7) == 0) {
			parse_unix_listener(item, base_len, l, p);
		} else {
			problem(p, "SOCKWALL_LISTEN: %s: expected tcp://HOST:PORT, tls://HOST:PORT or "
				   "unix:///PATH", item);
			continue;
		}
		parse_listener_options(item, q, l, policy, 256, p);
		if (disable_ipv6 && strchr(l->host, ':')) /* a unix listener has no host */
			problem(p, "SOCKWALL_LISTEN: %s is IPv6 but DISABLE_IPV6 is set", item);
	}
	if (cfg->n_listeners == 0)
		problem(p, "SOCKWALL_LISTEN: no listener given");
}

/* The files are read (and every problem named) by tls_server_load at start. */
static void load_tls(struct config *cfg, char *const *envp, bool tls_listener,
		     struct problems *p)
{
	cfg->tls_cert = env_get(envp, "SOCKWALL_TLS_CERT");
	cfg->tls_key = env_get(envp, "SOCKWALL_TLS_KEY");
	cfg->tls_ca = env_get(envp, "SOCKWALL_TLS_CA");
	cfg->tls_allow_cn = env_get(envp, "SOCKWALL_TLS_ALLOW_CN");
	cfg->tls_allow_pins = env_get(envp, "SOCKWALL_TLS_ALLOW_PINS");
	cfg->tls_handshake_timeout_ms =
		read_duration(envp, "SOCKWALL_TLS_HANDSHAKE_TIMEOUT", false, p);
#if !SOCKWALL_TLS
	if (tls_listener)
		problem(p, "SOCKWALL_LISTEN: tls:// listeners need a build with TLS (make TLS=1)");
	return;
#endif
	if (tls_listener && (!cfg->tls_cert || !cfg->tls_key))
		problem(p, "SOCKWALL_LISTEN: a tls:// listener needs SOCKWALL_TLS_CERT and "
			   "SOCKWALL_TLS_KEY");
	if (!tls_listener && (cfg->tls_cert || cfg->tls_key || cfg->tls_ca))
		problem(p, "SOCKWALL_TLS_*: set, but SOCKWALL_LISTEN has no tls:// listener");
	if ((cfg->tls_allow_cn || cfg->tls_allow_pins) && !cfg->tls_ca)
		problem(p, "SOCKWALL_TLS_ALLOW_CN/PINS: need SOCKWALL_TLS_CA (client certificates)");
}

void config_free(struct config *cfg)
{
	filters_free(&cfg->policy.filters);
	for (size_t i = 0; i < cfg->n_policies; i++) {
		filters_free(&cfg->policies[i]->filters);
		free(cfg->policies[i]);
		cfg->policies[i] = NULL;
	}
	cfg->n_policies = 0;
}

const struct policy_set *config_policy(const struct config *cfg, int i)
{
	if (i <= 0 || (size_t)i > cfg->n_policies)
		return &cfg->policy;
	return cfg->policies[i - 1];
}

int config_policy_for_cn(const struct config *cfg, const char *cn, int listener_policy)
{
	for (size_t i = 0; cn && *cn && i < cfg->n_cn_policies; i++)
		if (strcmp(cfg->cn_policies[i].cn, cn) == 0)
			return cfg->cn_policies[i].policy;
	return listener_policy;
}

/* SOCKWALL_TLS_POLICY_BY_CN=ci-runner:portainer,backup:/etc/sockwall/backup.env */
static void parse_cn_policies(struct config *cfg, char *const *envp, bool tls_listener,
			      struct problems *p)
{
	const char *v = env_get(envp, "SOCKWALL_TLS_POLICY_BY_CN");
	char buf[2048];

	if (!v)
		return;
	if (!tls_listener || !cfg->tls_ca) {
		problem(p, "SOCKWALL_TLS_POLICY_BY_CN: needs a tls:// listener and SOCKWALL_TLS_CA "
			   "(the CN is read from a verified client certificate)");
		return;
	}
	if (strlen(v) >= sizeof(buf)) {
		problem(p, "SOCKWALL_TLS_POLICY_BY_CN: too long");
		return;
	}
	strcpy(buf, v);
	for (char *save = NULL, *item = strtok_r(buf, ",", &save); item;
	     item = strtok_r(NULL, ",", &save)) {
		while (*item == ' ')
			item++;
		char *colon = strchr(item, ':');
		if (!colon || colon == item || !colon[1] ||
		    (size_t)(colon - item) >= sizeof(cfg->cn_policies[0].cn)) {
			problem(p, "SOCKWALL_TLS_POLICY_BY_CN=%s: expected CN:POLICY,... (e.g. "
				   "ci-runner:portainer,backup:readonly)", v);
			return;
		}
		*colon = '\0';
		for (size_t i = 0; i < cfg->n_cn_policies; i++)
			if (strcmp(cfg->cn_policies[i].cn, item) == 0)
				problem(p, "SOCKWALL_TLS_POLICY_BY_CN: CN %s is named twice", item);
		if (cfg->n_cn_policies == CONFIG_MAX_CN_POLICIES) {
			problem(p, "SOCKWALL_TLS_POLICY_BY_CN: more than %d CNs", CONFIG_MAX_CN_POLICIES);
			return;
		}
		struct cn_policy *cp = &cfg->cn_policies[cfg->n_cn_policies++];
		strcpy(cp->cn, item);
		cp->policy = policy_index(cfg, colon + 1, "SOCKWALL_TLS_POLICY_BY_CN", p);
	}
}

int config_load(struct config *cfg, char *const *envp_in, char *err, size_t err_len)
{
	struct problems p = { err, err_len, 0, 0 };
	const char *v;

	if (err && err_len)
		err[0] = '\0';
	memset(cfg, 0, sizeof(*cfg));
	char **merged = apply_preset(envp_in, &p);
	char *const *envp = merged ? merged : envp_in;
	const char *ignore = env_get(envp, "SOCKWALL_IGNORE_VARS");
	struct setting_names names;
	char msg[512];
	settings_names(&names);
	if (ignore && !envcheck_ignore_list_ok(&names.en, ignore, msg, sizeof(msg)))
		problem(&p, "%s", msg);
	for (char *const *e = envp; e && *e; e++)
		if (envcheck_entry(&names.en, ignore, *e, msg, sizeof(msg)))
			problem(&p, "%s", msg);
	/* the operator's own environment: presets hold sockwall's words only */
	cfg->n_notes = envcheck_notes(&names.en, ignore, envp_in, cfg->notes, CONFIG_MAX_NOTES);

	char policy_refs[CONFIG_MAX_LISTENERS][256];
	parse_listeners(cfg, envp, &p, policy_refs);
	bool tls_listener = false;
	for (size_t i = 0; i < cfg->n_listeners; i++)
		tls_listener |= cfg->listeners[i].kind == LISTEN_TLS;
	v = env_or_default(envp, "SOCKET_PATH");
	if (v[0] != '/' || strlen(v) >= sizeof(cfg->socket_path))
		problem(&p, "SOCKET_PATH=%s: expected an absolute path of at most %zu bytes", v,
			sizeof(cfg->socket_path) - 1);
	else
		strcpy(cfg->socket_path, v);
	cfg->head_timeout_ms = read_duration(envp, "SOCKWALL_HEAD_TIMEOUT", false, &p);
	cfg->idle_timeout_ms = read_duration(envp, "SOCKWALL_IDLE_TIMEOUT", true, &p);
	cfg->shutdown_timeout_ms = read_duration(envp, "SOCKWALL_SHUTDOWN_TIMEOUT", true, &p);
	cfg->max_conns = (int)read_number(envp, "SOCKWALL_MAX_CONNS", 1, 1000000, &p);
	cfg->max_head = (size_t)read_number(envp, "SOCKWALL_MAX_HEAD", 1024, 65536, &p);
	cfg->max_body = (size_t)read_number(envp, "SOCKWALL_MAX_BODY", 1024, 64L << 20, &p);
	cfg->max_answer = (size_t)read_number(envp, "SOCKWALL_MAX_ANSWER", 65536, 256L << 20, &p);
	load_tls(cfg, envp, tls_listener, &p);
	snprintf(cfg->policy.name, sizeof(cfg->policy.name), "env");
	load_policy(&cfg->policy, cfg->socket_path, envp, &p);
	for (size_t i = 0; i < cfg->n_listeners; i++) {
		char where[360];
		if (!policy_refs[i][0])
			continue;
		snprintf(where, sizeof(where), "SOCKWALL_LISTEN: %s", cfg->listeners[i].url);
		cfg->listeners[i].policy = policy_index(cfg, policy_refs[i], where, &p);
	}
	parse_cn_policies(cfg, envp, tls_listener, &p);
	/* A client of a narrow listener must not mount a wider one into a container. */
	for (size_t i = 0; i < cfg->n_listeners; i++) {
		if (cfg->listeners[i].kind != LISTEN_UNIX)
			continue;
		filters_protect(&cfg->policy.filters, cfg->listeners[i].path);
		for (size_t k = 0; k < cfg->n_policies; k++)
			filters_protect(&cfg->policies[k]->filters, cfg->listeners[i].path);
	}
	read_choice(envp, "SOCKWALL_LOOP", "poll", &p); /* read by loop_init; checked here */

	cfg->log_level = LOGL_INFO;
	if ((v = env_get(envp, "LOG_LEVEL")) && !log_level_named(v, &cfg->log_level))
		problem(&p, "LOG_LEVEL=%s: expected debug, info, notice, warning, err, crit, alert or emerg",
			v);
	cfg->log_format = read_choice(envp, "SOCKWALL_LOG_FORMAT", "text", &p) ? LOG_TEXT : LOG_JSON;
	/* Strings stay where they were (env or the preset tables): only the array goes. */
	free(merged);
	return p.count;
}
