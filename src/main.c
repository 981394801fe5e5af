/*
 * main: flags, start-up, signals.  Everything is validated before the first
 * socket opens; after that the loop runs until SIGTERM/SIGINT, then stops
 * accepting, lets in-flight requests finish for SOCKWALL_SHUTDOWN_TIMEOUT,
 * and exits 0.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "config.h"
#include "daemon.h"
#include "filter.h"
#include "inspect.h"
#include "judge.h"
#include "log.h"
#include "loop.h"
#include "net.h"
#include "policy.h"
#include "route.h"
#include "routeshow.h"
#include "server.h"
#include "settings.h"
#include "sockhint.h"
#include "tls.h"

#ifndef SOCKWALL_VERSION
#define SOCKWALL_VERSION "dev"
#endif

extern char **environ;

static const char usage[] =
	"usage: sockwall [--check-config | --healthcheck | --version | --help |\n"
	"                 --explain [--listener NAME] [--cn CN] METHOD PATH [BODY-FILE]]\n"
	"\n"
	"  --check-config  validate the settings, print the effective table, exit 0 (or 2)\n"
	"  --healthcheck   exit 0 if the running proxy answers GET /_ping with 200\n"
	"  --explain       print the verdict for a request, offline (exit 0 allow, 1 deny);\n"
	"                  --listener NAME (URL or unix path) and --cn CN pick the policy\n"
	"\n"
	"A firewall for the Docker Engine API socket.  Configured from the environment\n"
	"(docs/configuration.md has the same table):\n"
	"\n";

static const char usage_notes[] =
	"A policy file (?policy=/path): NAME=value lines of the section toggles, POST,\n"
	"  DELETE, PUT, ALLOW_*, DKRPRX__*, FILTERS_CONFIG, SOCKWALL_POLICY (a preset\n"
	"  beneath the file) and SOCKWALL_MODE; it starts from the defaults, not from\n"
	"  this environment, and keeps the default protections unless it turns them off.\n"
	"Names: an unknown ALLOW_* or LIBPOD_* name, or a near miss of a toggle set to a\n"
	"  toggle word (CONTAINER=1), stops the start-up with a \"did you mean\" hint; the\n"
	"  anchors' names read differently here (true/yes/on, DISABLE_IPV6, LOG_LEVEL, TZ)\n"
	"  get one start-up line each (--check-config prints them too)\n";

/* The flags, the settings table, the notes: to out (stdout or stderr). */
static void print_usage(FILE *out)
{
	static char table[12288];
	struct textbuf b = { table, sizeof(table), 0 };

	table[0] = '\0';
	settings_help(&b);
	fprintf(out, "%s%s%s", usage, table, usage_notes);
}

/* What the running proxy will ask dockerd about a reference, and why:
 * "ask dockerd what <noun> '<ref>' <verb> (refused if <why>)". */
static void print_question(const struct container_ref *r)
{
	static const struct {
		const char *noun, *verb, *why; /* NULL: "container", "is", the default's */
	} q[] = {
		[REF_SHARE] = { NULL, "holds", "it is the proxy's, holds the socket or a root-equivalent "
			"mount, or has powers this policy denies; followed along what it shares in turn" },
		[REF_NETWORK] = { "network", NULL, "it is the proxy's own network" },
		[REF_NET_JOIN] = { "network", NULL, "it is the host's network" },
		[REF_VOLUME] = { "volume", NULL, "it binds a protected path" },
		[REF_PROXY_IMAGE] = { NULL, "runs", "this request writes the name of that image" },
		[REF_IMAGE] = { "image", NULL, "it is the image the proxy's own container runs" },
		[REF_POD] = { "pod", NULL, "it holds the proxy's own container" },
		[REF_PROXY_POD] = { NULL, "is in", "a pod this request stops or removes" },
	};
	const char *noun = NULL, *verb = NULL, *why = NULL;

	if ((size_t)r->kind < sizeof(q) / sizeof(q[0])) {
		noun = q[r->kind].noun;
		verb = q[r->kind].verb;
		why = q[r->kind].why;
	}
	if (!why)
		why = r->writes ? "it is the proxy's, or, without EXEC=1, if it holds power"
				: "it is the proxy's own container";
	printf("then: ask dockerd what %s '%s' %s (refused if %s)\n", noun ? noun : "container",
	       r->ref, verb ? verb : "is", why);
}

/*
 * --explain METHOD PATH [BODY-FILE]: the verdict the proxy would give,
 * offline, from the judge the proxy calls (judge.h); what only dockerd can
 * tell (which container a reference means) is listed, not asked.  Host
 * paths are resolved as the proxy resolves them: when not in a container.
 */
static int explain(const struct config *cfg, const struct policy_set *pol, const char *method,
		   const char *target, const char *body_file)
{
	struct http_request req = { .method = method, .method_len = strlen(method),
				    .target = target, .target_len = strlen(target),
				    .body = body_file ? HTTP_BODY_LENGTH : HTTP_BODY_NONE };
	struct route_match m;
	struct head_judgement h;
	struct body_judgement j;
	const char *why;
	char *body = NULL, *scratch = NULL, self_id[65];
	size_t len = 0;
	int rc = 1;

	if (judge_head(&pol->acl, &pol->filters, false, &req, &m, &h, &why) < 0) {
		printf("refuse 400: %s\n", why);
		return 1;
	}
	char shown[ROUTE_SHOW_MAX] = "unknown";
	if (m.def)
		route_show(m.def->pattern, shown, sizeof(shown));
	printf("route: %s %s (%s)\n", method, shown,
	       m.def ? section_name(m.def->section) : "no section");
	printf("policy: %s\n", pol->name);
	if (h.toggles.decision == DECISION_DENY) {
		printf("deny %d by %s\n%s\n", h.toggles.status, h.toggles.rule, h.toggles.message);
		return 1;
	}
	printf("toggles: allow by %s\n", h.toggles.rule);
	if (h.redact)
		printf("answer: held, its Env values hidden (DKRPRX__CONTAINERS__REDACT_ENV)\n");
	if (!h.filtered) {
		printf("allow\n");
		return 0;
	}
	if (h.wants_body) {
		FILE *f = fopen(body_file, "re");
		if (!f) {
			fprintf(stderr, "sockwall: --explain: %s: %s\n", body_file, strerror(errno));
			return 2;
		}
		body = malloc(cfg->max_body + 1);
		len = body ? fread(body, 1, cfg->max_body + 1, f) : 0;
		fclose(f);
		if (!body || len > cfg->max_body) {
			printf("refuse 413: body larger than SOCKWALL_MAX_BODY\n");
			goto out;
		}
		scratch = malloc(len + 1);
		if (!scratch)
			goto out;
	}
	daemon_self_id(self_id);
	if (judge_body(&pol->acl, &pol->filters, &m, body, len, scratch, len + 1, !self_id[0],
		       &j) == DECISION_DENY) {
		if (j.malformed)
			printf("refuse 400: %s\n", j.reason);
		else
			printf("deny %d by %s\n%s\n", j.v.status, j.v.rule, j.v.message);
		goto out;
	}
	for (size_t i = 0; i < j.refs.n; i++)
		print_question(&j.refs.refs[i]);
	printf("allow\n");
	rc = 0;
out:
	free(body);
	free(scratch);
	return rc;
}

static void print_table(const struct policy_set *pol, const char *indent)
{
	char table[2048];

	config_describe_acl(pol, table, sizeof(table));
	for (char *line = strtok(table, "\n"); line; line = strtok(NULL, "\n"))
		printf("%s%s\n", indent, line);
}

/* Each listener with the table of the policy that judges its clients. */
static int check_config(const struct config *cfg)
{
	for (size_t i = 0; i < cfg->n_notes; i++)
		fprintf(stderr, "sockwall: %s: %s\n",
			cfg->notes[i].level == ENVNOTE_WARNING ? "warning" : "notice",
			cfg->notes[i].text);
	printf("upstream: unix://%s\nlisteners:\n", cfg->socket_path);
	for (size_t i = 0; i < cfg->n_listeners; i++) {
		const struct listen_spec *l = &cfg->listeners[i];
		printf("  %s\n    policy: %s\n", l->url, config_policy(cfg, l->policy)->name);
		print_table(config_policy(cfg, l->policy), "      ");
		if (l->kind != LISTEN_TLS)
			continue;
		for (size_t k = 0; k < cfg->n_cn_policies; k++) {
			const struct policy_set *pol = config_policy(cfg, cfg->cn_policies[k].policy);
			printf("    client CN %s: policy %s\n", cfg->cn_policies[k].cn, pol->name);
			print_table(pol, "      ");
		}
	}
	return 0;
}

/*
 * --listener NAME: the listener's URL as written, without its options,
 * or a unix listener's path.  NULL when no listener is called that.
 */
static const struct listen_spec *find_listener(const struct config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_listeners; i++) {
		const struct listen_spec *l = &cfg->listeners[i];
		size_t base = strcspn(l->url, "?");
		if (strcmp(l->url, name) == 0 ||
		    (strlen(name) == base && strncmp(l->url, name, base) == 0) ||
		    (l->kind == LISTEN_UNIX && strcmp(l->path, name) == 0))
			return l;
	}
	return NULL;
}

static bool only_tls(const struct config *cfg)
{
	for (size_t i = 0; i < cfg->n_listeners; i++)
		if (cfg->listeners[i].kind != LISTEN_TLS)
			return false;
	return true;
}

/*
 * Connects to the first plain listener (or, in a TLS-only configuration,
 * to the health channel) and asks for /_ping, as a HEALTHCHECK.
 */
static int healthcheck(const struct config *cfg)
{
	const struct listen_spec *l = &cfg->listeners[0];
	struct timeval tv = { .tv_sec = 5 };
	char buf[512];
	size_t got = 0;
	int fd;

	for (size_t i = 0; i < cfg->n_listeners && l->kind == LISTEN_TLS; i++)
		l = &cfg->listeners[i];
	if (only_tls(cfg)) {
		char name[64];
		net_health_name(cfg->listeners, cfg->n_listeners, name, sizeof(name));
		fd = net_connect_abstract(name);
		if (fd < 0) {
			fprintf(stderr, "sockwall: healthcheck: health channel @%s of %s: %s\n", name,
				l->url, strerror(errno));
			return 1;
		}
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	} else if ((fd = net_connect_listener(l, (int)tv.tv_sec)) < 0) {
		goto fail;
	}
	static const char req[] = "GET /_ping HTTP/1.1\r\nHost: sockwall\r\nConnection: close\r\n\r\n";
	if (send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL) != (ssize_t)sizeof(req) - 1)
		goto fail;
	while (got < sizeof(buf) - 1) {
		ssize_t n = read(fd, buf + got, sizeof(buf) - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	close(fd);
	if (strncmp(buf, "HTTP/1.1 200 ", 13) == 0 || strncmp(buf, "HTTP/1.0 200 ", 13) == 0)
		return 0;
	fprintf(stderr, "sockwall: healthcheck: %s answered: %.*s\n", l->url,
		(int)strcspn(buf, "\r\n"), got ? buf : "(nothing)");
	return 1;
fail:
	fprintf(stderr, "sockwall: healthcheck: %s: %s\n", l->url, strerror(errno));
	if (fd >= 0)
		close(fd);
	return 1;
}

/* Two descriptors per connection; keep a few for listeners and logs. */
static int descriptor_budget(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		if (rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
			getrlimit(RLIMIT_NOFILE, &rl);
		}
		if (rl.rlim_cur > (1 << 20) || rl.rlim_cur == RLIM_INFINITY)
			return 1 << 20;
		return (int)rl.rlim_cur;
	}
	return 1024;
}

int main(int argc, char **argv)
{
	static struct config cfg;
	char problems[4096];
	int mode_check = 0, mode_health = 0;
	const char *explain_args[3] = { NULL, NULL, NULL };
	const char *explain_listener = NULL, *explain_cn = NULL;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--explain") == 0) {
			int k = i + 1;
			for (; k + 1 < argc && argv[k][0] == '-'; k += 2) {
				if (strcmp(argv[k], "--listener") == 0) {
					explain_listener = argv[k + 1];
				} else if (strcmp(argv[k], "--cn") == 0) {
					explain_cn = argv[k + 1];
				} else {
					k = argc;
					break;
				}
			}
			if (argc - k < 2 || argc - k > 3) {
				fprintf(stderr, "usage: sockwall --explain [--listener NAME] [--cn CN] "
						"METHOD PATH [BODY-FILE]\n");
				return 2;
			}
			explain_args[0] = argv[k];
			explain_args[1] = argv[k + 1];
			explain_args[2] = argc - k == 3 ? argv[k + 2] : NULL;
			break;
		}
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			print_usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("sockwall %s\n", SOCKWALL_VERSION);
			return 0;
		} else if (strcmp(argv[i], "--check-config") == 0) {
			mode_check = 1;
		} else if (strcmp(argv[i], "--healthcheck") == 0) {
			mode_health = 1;
		} else {
			fprintf(stderr, "sockwall: unknown argument '%s'\n", argv[i]);
			print_usage(stderr);
			return 2;
		}
	}

	int n_problems = config_load(&cfg, environ, problems, sizeof(problems));
	if (n_problems) {
		fprintf(stderr, "sockwall: %d configuration problem%s:\n%s", n_problems,
			n_problems == 1 ? "" : "s", problems);
		return 2;
	}
	if (mode_check)
		return check_config(&cfg);
	if (explain_args[0]) {
		int policy = 0;
		if (explain_listener) {
			const struct listen_spec *l = find_listener(&cfg, explain_listener);
			if (!l) {
				fprintf(stderr, "sockwall: --explain: no listener %s in SOCKWALL_LISTEN\n",
					explain_listener);
				return 2;
			}
			policy = l->policy;
		}
		if (explain_cn)
			policy = config_policy_for_cn(&cfg, explain_cn, policy);
		return explain(&cfg, config_policy(&cfg, policy), explain_args[0], explain_args[1],
			       explain_args[2]);
	}
	if (mode_health)
		return healthcheck(&cfg);

	log_init(cfg.log_level, cfg.log_format);
	for (size_t i = 0; i < cfg.n_notes; i++)
		log_msg(cfg.notes[i].level == ENVNOTE_WARNING ? LOGL_WARNING : LOGL_NOTICE, "%s",
			cfg.notes[i].text);
	signal(SIGPIPE, SIG_IGN);

	static struct loop loop;
	static struct server srv;
	int max_fds = descriptor_budget();
	if (loop_init(&loop, max_fds) < 0) {
		fprintf(stderr, "sockwall: out of memory\n");
		return 1;
	}
	daemon_self_id(srv.self_id);
	char hint[512];
	if (sockhint_probe(hint, sizeof(hint), cfg.socket_path))
		log_msg(LOGL_WARNING, "%s", hint);
	if (srv.self_id[0])
		log_msg(LOGL_NOTICE, "running in container %s (the ID in its own "
			"/proc/self/mountinfo): it is protected like the one named "
			"PROXY_CONTAINER_NAME=%s", srv.self_id, cfg.policy.filters.proxy_container_name);
	server_init(&srv, &cfg, &loop, max_fds);
#if SOCKWALL_TLS
	for (size_t i = 0; i < cfg.n_listeners && !srv.tls; i++) {
		if (cfg.listeners[i].kind != LISTEN_TLS)
			continue;
		char err[512];
		struct tls_settings ts = { cfg.tls_cert, cfg.tls_key, cfg.tls_ca, cfg.tls_allow_cn,
					   cfg.tls_allow_pins };
		srv.tls = tls_server_load(&ts, err, sizeof(err));
		if (!srv.tls) {
			fprintf(stderr, "sockwall: %s\n", err);
			return 2;
		}
		if (!cfg.tls_ca)
			log_msg(LOGL_WARNING, "%s: no SOCKWALL_TLS_CA: any client that reaches the port "
				"controls what this policy allows", cfg.listeners[i].url);
	}
#endif
	/* TLS-only: --healthcheck has no plain listener to ask, give it one. */
	if (server_listen(&srv, only_tls(&cfg)) < 0)
		return 1;
	if (server_catch_signals(&srv) < 0)
		return 1;

	log_msg(LOGL_NOTICE, "sockwall %s upstream=unix://%s", SOCKWALL_VERSION, cfg.socket_path);
	for (size_t i = 0; i <= cfg.n_policies; i++) {
		const struct policy_set *pol = config_policy(&cfg, (int)i);
		char table[2048], *p;
		config_describe_acl(pol, table, sizeof(table));
		for (p = table; (p = strchr(p, '\n')); p++)
			*p = p[1] ? ' ' : '\0';
		log_msg(LOGL_NOTICE, "policy %s: %s", pol->name, table);
	}

	int rc = loop_run(&loop);
	server_close(&srv);
	log_msg(LOGL_NOTICE, "stopped");
	loop_free(&loop);
#if SOCKWALL_TLS
	tls_server_free(srv.tls);
#endif
	config_free(&cfg);
	return rc == 0 ? 0 : 1;
}
