/* Environment -> config: defaults, toggles, listeners, and every kind of bad value. */
#include "../../src/config.h"
#include "test.h"

#include <stdlib.h>
#include <unistd.h>

static int load(struct config *cfg, char *err, size_t len, char **env)
{
	return config_load(cfg, env, err, len);
}

static void test_defaults(void)
{
	struct config cfg;
	char err[1024];
	char *env[] = { "PATH=/bin", "HOME=/root", NULL };

	CHECK(load(&cfg, err, sizeof(err), env) == 0, "defaults load: %s", err);
	CHECK(cfg.n_listeners == 1, "one default listener");
	CHECK(cfg.listeners[0].kind == LISTEN_TCP && cfg.listeners[0].port == 2375 &&
		      strcmp(cfg.listeners[0].host, "::") == 0 && cfg.listeners[0].is_default,
	      "default listener is [::]:2375");
	CHECK(strcmp(cfg.socket_path, "/var/run/docker.sock") == 0, "default socket");
	CHECK(cfg.policy.acl.section[SEC_EVENTS] && cfg.policy.acl.section[SEC_PING] &&
		      cfg.policy.acl.section[SEC_VERSION],
	      "EVENTS PING VERSION on");
	CHECK(!cfg.policy.acl.section[SEC_CONTAINERS] && !cfg.policy.acl.section[SEC_EXEC] &&
		      !cfg.policy.acl.section[SEC_IMAGES] && !cfg.policy.acl.section[SEC_BUILD] && !cfg.policy.acl.post,
	      "the rest off");
	CHECK(cfg.policy.acl.delete_ == TOGGLE_UNSET && cfg.policy.acl.put == TOGGLE_UNSET, "DELETE/PUT unset");
	CHECK(cfg.policy.acl.allow_logs && cfg.policy.acl.allow_top && cfg.policy.acl.allow_changes &&
		      !cfg.policy.acl.allow_archive, "switches");
	CHECK(cfg.max_conns == 1024 && cfg.max_head == 32768, "limits");
	CHECK(cfg.head_timeout_ms == 10000 && cfg.idle_timeout_ms == 120000, "timeouts");
	CHECK(cfg.log_level == LOGL_INFO && cfg.log_format == LOG_JSON, "logs");
}

static void test_toggles(void)
{
	struct config cfg;
	char err[1024];
	char *env[] = { "CONTAINERS=1", "IMAGES=true",   "POST=Yes",       "EVENTS=off",
			"DELETE=0",     "EXEC=TRUE",     "ALLOW_START=on", "ALLOW_LOGS=no",
			"DISABLE_IPV6=1", NULL };

	CHECK(load(&cfg, err, sizeof(err), env) == 0, "toggles load: %s", err);
	CHECK(cfg.policy.acl.section[SEC_CONTAINERS] && cfg.policy.acl.section[SEC_IMAGES] &&
		      cfg.policy.acl.section[SEC_EXEC],
	      "sections on");
	CHECK(!cfg.policy.acl.section[SEC_EVENTS], "EVENTS=off");
	CHECK(cfg.policy.acl.post && cfg.policy.acl.delete_ == TOGGLE_OFF, "POST, DELETE");
	CHECK(cfg.policy.acl.allow_start && !cfg.policy.acl.allow_logs, "ALLOW_*");
	CHECK(strcmp(cfg.listeners[0].host, "0.0.0.0") == 0, "DISABLE_IPV6 default listener");
}

static void test_listeners(void)
{
	struct config cfg;
	char err[1024];
	char *env[] = { "SOCKWALL_LISTEN=tcp://127.0.0.1:2375, unix:///run/sw.sock?mode=0600&group=123,"
			"tcp://[::1]:23750,tcp://localhost:1",
			NULL };

	CHECK(load(&cfg, err, sizeof(err), env) == 0, "listeners load: %s", err);
	CHECK(cfg.n_listeners == 4, "four listeners, got %zu", cfg.n_listeners);
	CHECK(cfg.listeners[0].kind == LISTEN_TCP && cfg.listeners[0].port == 2375 &&
		      strcmp(cfg.listeners[0].host, "127.0.0.1") == 0,
	      "tcp v4");
	CHECK(cfg.listeners[1].kind == LISTEN_UNIX && strcmp(cfg.listeners[1].path, "/run/sw.sock") == 0 &&
		      cfg.listeners[1].mode == 0600 && cfg.listeners[1].has_gid &&
		      cfg.listeners[1].gid == 123,
	      "unix with mode and group");
	CHECK(strcmp(cfg.listeners[2].host, "::1") == 0 && cfg.listeners[2].port == 23750, "tcp v6");
	CHECK(strcmp(cfg.listeners[3].host, "127.0.0.1") == 0, "localhost");
}

struct bad_case {
	const char *setting;
	const char *must_name; /* the error names this */
};

static void test_bad_values(void)
{
	static const struct bad_case cases[] = {
		{ "CONTAINERS=2", "CONTAINERS" },
		{ "POST=enabled", "POST" },
		{ "EXEC=", "EXEC" },
		{ "DELETE=maybe", "DELETE" },
		{ "ALLOW_RESTARTS=y", "ALLOW_RESTARTS" },
		{ "SOCKWALL_LISTEN=http://0.0.0.0:2375", "SOCKWALL_LISTEN" },
		{ "SOCKWALL_LISTEN=tcp://0.0.0.0", "SOCKWALL_LISTEN" },
		{ "SOCKWALL_LISTEN=tcp://0.0.0.0:99999", "SOCKWALL_LISTEN" },
		{ "SOCKWALL_LISTEN=unix://relative.sock", "SOCKWALL_LISTEN" },
		{ "SOCKWALL_LISTEN=unix:///a.sock?mode=999", "SOCKWALL_LISTEN" },
		{ "SOCKWALL_LISTEN=unix:///a.sock?owner=1", "SOCKWALL_LISTEN" },
		{ "SOCKWALL_HEAD_TIMEOUT=0", "SOCKWALL_HEAD_TIMEOUT" },
		{ "SOCKWALL_IDLE_TIMEOUT=10h", "SOCKWALL_IDLE_TIMEOUT" },
		{ "SOCKWALL_MAX_CONNS=0", "SOCKWALL_MAX_CONNS" },
		{ "SOCKWALL_MAX_HEAD=100", "SOCKWALL_MAX_HEAD" },
		{ "SOCKWALL_MAX_HEAD=1000000", "SOCKWALL_MAX_HEAD" },
		{ "SOCKWALL_LOG_FORMAT=xml", "SOCKWALL_LOG_FORMAT" },
		{ "SOCKWALL_LISTN=tcp://0.0.0.0:1", "SOCKWALL_LISTN" },
		{ "SOCKET_PATH=docker.sock", "SOCKET_PATH" },
		{ "LOG_LEVEL=loud", "LOG_LEVEL" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct config cfg;
		char err[1024];
		char *env[] = { (char *)cases[i].setting, NULL };
		int n = load(&cfg, err, sizeof(err), env);

		CHECK(n == 1, "%s: %d problems: %s", cases[i].setting, n, err);
		CHECK(strstr(err, cases[i].must_name) != NULL, "%s: error does not name it: %s",
		      cases[i].setting, err);
	}

	/* Every problem is reported, not only the first. */
	struct config cfg;
	char err[1024];
	char *env[] = { "CONTAINERS=2", "POST=x", "SOCKWALL_NOPE=1", NULL };
	CHECK(load(&cfg, err, sizeof(err), env) == 3, "three problems: %s", err);
}

static void test_durations(void)
{
	struct config cfg;
	char err[1024];
	char *env[] = { "SOCKWALL_HEAD_TIMEOUT=500ms", "SOCKWALL_IDLE_TIMEOUT=2m",
			"SOCKWALL_SHUTDOWN_TIMEOUT=0", NULL };

	CHECK(load(&cfg, err, sizeof(err), env) == 0, "durations: %s", err);
	CHECK(cfg.head_timeout_ms == 500, "500ms");
	CHECK(cfg.idle_timeout_ms == 120000, "2m");
	CHECK(cfg.shutdown_timeout_ms == 0, "0");
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

static void test_filters_file(void)
{
	char path[] = "/tmp/sockwall-filters-XXXXXX";
	int fd = mkstemp(path);
	close(fd);
	char setting[64];
	snprintf(setting, sizeof(setting), "FILTERS_CONFIG=%s", path);

	write_file(path, "{\"volumes\": {\"allowed_paths\": [\"^/var/run/docker\\\\.sock$\", \"^/data(/.*)?$\"],"
			 " \"denied_names\": \"^tmp\"},"
			 " \"containers\": {\"deny_privileged\": true, \"require_labels\": {\"owner\": \"bot\"},"
			 " \"allowed_images\": [\"^a{1,3}$\"], \"denied_names\": [\"^[,;]x$\", \"^b{2,}$\"]},"
			 " \"images\": {\"denied_tags\": [\"^latest$\"]}}");
	struct config cfg;
	char err[1024];
	char *env[] = { setting, "DKRPRX__IMAGES__DENIED_TAGS=^dev$", NULL };
	CHECK(config_load(&cfg, env, err, sizeof(err)) == 0, "file loads: %s", err);
	const struct filters *f = &cfg.policy.filters;
	CHECK(f->vol_allowed_paths.n == 2, "two allowed paths: %zu", f->vol_allowed_paths.n);
	CHECK(pattern_list_match(&f->vol_allowed_paths, "/var/run/docker.sock", 20) &&
		      !pattern_list_match(&f->vol_allowed_paths, "/var/run/dockerXsock", 20),
	      "JSON escapes decoded into the regex");
	CHECK(f->vol_denied_names.n == 1, "string value");
	CHECK(f->deny_privileged, "bool value");
	CHECK(f->n_require_labels == 1 && strcmp(f->require_labels[0][0], "owner") == 0 &&
		      strcmp(f->require_labels[0][1], "bot") == 0,
	      "object value");
	CHECK(f->ctr_allowed_images.n == 1 && pattern_list_match(&f->ctr_allowed_images, "aa", 2),
	      "comma inside braces stays in the regex");
	/* A list item's commas are escaped for the splitter only where it would
	 * split: "[\\,;]" would also match a backslash, musl refuses "{2\\,}". */
	CHECK(f->ctr_denied_names.n == 2 && pattern_list_match(&f->ctr_denied_names, ";x", 2) &&
		      pattern_list_match(&f->ctr_denied_names, ",x", 2) &&
		      !pattern_list_match(&f->ctr_denied_names, "\\x", 2) &&
		      pattern_list_match(&f->ctr_denied_names, "bbb", 3),
	      "commas inside brackets and braces stay bare");
	CHECK(pattern_list_match(&f->img_denied_tags, "dev", 3) &&
		      !pattern_list_match(&f->img_denied_tags, "latest", 6),
	      "the environment wins, key by key");
	config_free(&cfg);

	write_file(path, "{\"volumes\": {\"allowed_pathz\": []}, \"bogus\": {}}");
	CHECK(config_load(&cfg, env, err, sizeof(err)) == 2 && strstr(err, "allowed_pathz") &&
		      strstr(err, "bogus") && strstr(err, path),
	      "unknown keys named with the file: %s", err);
	config_free(&cfg);
	write_file(path, "{\"volumes\": ");
	CHECK(config_load(&cfg, env, err, sizeof(err)) == 1 && strstr(err, "FILTERS_CONFIG"),
	      "bad JSON: %s", err);
	config_free(&cfg);
	write_file(path, "{\"volumes\": {\"denied_paths\": [\"(\"]}}");
	CHECK(config_load(&cfg, env, err, sizeof(err)) == 1 &&
		      strstr(err, "DKRPRX__VOLUMES__DENIED_PATHS"),
	      "bad regex from the file names the key: %s", err);
	config_free(&cfg);
	unlink(path);
	char *missing[] = { "FILTERS_CONFIG=/nonexistent/filters.json", NULL };
	CHECK(config_load(&cfg, missing, err, sizeof(err)) == 1 && strstr(err, "FILTERS_CONFIG"),
	      "unreadable file: %s", err);
	config_free(&cfg);

	char *bad[] = { "DKRPRX__VOLUMES__ALLOWED_PATH=^/x", "DKRPRX__CONTAINERS__DENIED_NAMES=(", NULL };
	CHECK(config_load(&cfg, bad, err, sizeof(err)) == 2 &&
		      strstr(err, "DKRPRX__VOLUMES__ALLOWED_PATH:") &&
		      strstr(err, "DKRPRX__CONTAINERS__DENIED_NAMES"),
	      "unknown DKRPRX key and bad regex: %s", err);
	config_free(&cfg);
}

/* ?policy= on listeners, policy files, SOCKWALL_TLS_POLICY_BY_CN */
static void test_listener_policies(void)
{
	char path[] = "/tmp/sockwall-policy-XXXXXX";
	int fd = mkstemp(path);
	close(fd);
	char listen[512];
	snprintf(listen, sizeof(listen),
		 "SOCKWALL_LISTEN=unix:///run/a.sock?policy=traefik,"
		 "unix:///run/b.sock?mode=0600&policy=%s&group=7,tcp://127.0.0.1:2375,"
		 "unix:///run/c.sock?policy=traefik",
		 path);
	static struct config cfg;
	char err[2048];
	char *env[] = { listen, "CONTAINERS=0", "IMAGES=1", "PROXY_CONTAINER_NAME=guard", NULL };

	write_file(path, "# a client of ours\n"
			 "\n"
			 "  SOCKWALL_POLICY=dozzle\n"
			 "INFO=\"1\"\r\n"
			 "ALLOW_LOGS='0'\n"
			 "DKRPRX__CONTAINERS__DENY_PRIVILEGED=true\n"
			 "SOCKWALL_MODE=audit\n");
	CHECK(config_load(&cfg, env, err, sizeof(err)) == 0, "policies load: %s", err);
	CHECK(cfg.n_policies == 2, "traefik once, the file once: %zu", cfg.n_policies);
	const struct policy_set *a = config_policy(&cfg, cfg.listeners[0].policy);
	const struct policy_set *b = config_policy(&cfg, cfg.listeners[1].policy);
	const struct policy_set *t = config_policy(&cfg, cfg.listeners[2].policy);
	CHECK(cfg.listeners[0].policy == cfg.listeners[3].policy, "same preset, same policy");
	CHECK(strcmp(a->name, "traefik") == 0 && strcmp(b->name, path) == 0 &&
		      strcmp(t->name, "env") == 0 && t == &cfg.policy,
	      "names: %s %s %s", a->name, b->name, t->name);
	CHECK(a->acl.section[SEC_CONTAINERS] && !a->acl.section[SEC_IMAGES],
	      "a preset starts from the defaults, not the environment");
	CHECK(!t->acl.section[SEC_CONTAINERS] && t->acl.section[SEC_IMAGES], "env listener");
	CHECK(b->acl.section[SEC_CONTAINERS] && b->acl.section[SEC_INFO] && !b->acl.allow_logs,
	      "the file over its base preset, quotes and CRLF taken");
	CHECK(b->audit && !a->audit && !t->audit, "mode per policy");
	CHECK(b->filters.deny_privileged && b->filters.defaults && a->filters.defaults,
	      "filters per policy, protections kept");
	CHECK(strcmp(a->filters.proxy_container_name, "guard") == 0 &&
		      strcmp(b->filters.proxy_container_name, "guard") == 0 &&
		      b->filters.n_protected_paths == cfg.policy.filters.n_protected_paths,
	      "the proxy's identity and protected paths are the process's");
	CHECK(strcmp(cfg.listeners[1].path, "/run/b.sock") == 0 && cfg.listeners[1].mode == 0600 &&
		      cfg.listeners[1].has_gid && cfg.listeners[1].gid == 7,
	      "unix options beside policy");
	CHECK(config_policy_for_cn(&cfg, "anyone", 3) == 3, "no CN map: the listener's");
	config_free(&cfg);

	write_file(path, "DKRPRX__DISABLE_DEFAULTS=true\nCONTAINERS=1\n");
	CHECK(config_load(&cfg, env, err, sizeof(err)) == 0, "reload: %s", err);
	CHECK(!config_policy(&cfg, cfg.listeners[1].policy)->filters.defaults &&
		      cfg.policy.filters.defaults,
	      "a file turns protections off for its listener alone");
	config_free(&cfg);

	write_file(path, "CONTAINERS=1\n"
			 "CONTAINERZ=1\n"
			 "POST=maybe\n"
			 "SOCKET_PATH=/x\n"
			 "CONTAINERS=0\n"
			 "DKRPRX__IMAGES__DENIED_REPOS=(\n"
			 "just words\n"
			 "SOCKWALL_POLICY=nope\n");
	int n = config_load(&cfg, env, err, sizeof(err));
	char want[6][160];
	snprintf(want[0], sizeof(want[0]),
		 "policy %s:2: CONTAINERZ: unknown setting (see sockwall --help); did you mean "
		 "CONTAINERS?", path);
	snprintf(want[1], sizeof(want[1]), "policy %s:3: POST=maybe", path);
	snprintf(want[2], sizeof(want[2]), "policy %s:4: SOCKET_PATH applies to the whole", path);
	snprintf(want[3], sizeof(want[3]), "policy %s:5: CONTAINERS is set twice", path);
	snprintf(want[4], sizeof(want[4]), "policy %s:6: DKRPRX__IMAGES__DENIED_REPOS", path);
	snprintf(want[5], sizeof(want[5]), "policy %s:7: expected NAME=value", path);
	CHECK(n == 7, "seven problems: %d\n%s", n, err);
	for (int i = 0; i < 6; i++)
		CHECK(strstr(err, want[i]), "names file and line: %s\n%s", want[i], err);
	CHECK(strstr(err, ":8: SOCKWALL_POLICY=nope: no such preset"), "bad base preset: %s", err);
	config_free(&cfg);

	char *missing[] = { "SOCKWALL_LISTEN=unix:///run/a.sock?policy=/nonexistent/p.env,"
			    "tcp://127.0.0.1:1?policy=nope,tcp://127.0.0.1:2?mode=0600",
			    NULL };
	n = config_load(&cfg, missing, err, sizeof(err));
	CHECK(n == 3 && strstr(err, "policy /nonexistent/p.env: cannot read it") &&
		      strstr(err, "no such preset") && strstr(err, "unknown or repeated option 'mode'"),
	      "unreadable file, unknown preset, unix option on tcp: %d %s", n, err);
	config_free(&cfg);

	char *cn_no_tls[] = { "SOCKWALL_TLS_POLICY_BY_CN=ci:portainer", NULL };
	CHECK(config_load(&cfg, cn_no_tls, err, sizeof(err)) == 1 &&
		      strstr(err, "SOCKWALL_TLS_POLICY_BY_CN: needs a tls:// listener"),
	      "CN policies need mTLS: %s", err);
	config_free(&cfg);
#if SOCKWALL_TLS
	char *cn[] = { "SOCKWALL_LISTEN=tls://127.0.0.1:2376?policy=readonly",
		       "SOCKWALL_TLS_CERT=/c", "SOCKWALL_TLS_KEY=/k", "SOCKWALL_TLS_CA=/ca",
		       "SOCKWALL_TLS_POLICY_BY_CN=ci-runner:portainer,backup:readonly", NULL };
	CHECK(config_load(&cfg, cn, err, sizeof(err)) == 0, "CN policies load: %s", err);
	int lp = cfg.listeners[0].policy;
	CHECK(cfg.n_policies == 2 && cfg.n_cn_policies == 2, "readonly shared: %zu", cfg.n_policies);
	CHECK(strcmp(config_policy(&cfg, config_policy_for_cn(&cfg, "ci-runner", lp))->name,
		     "portainer") == 0 &&
		      config_policy_for_cn(&cfg, "backup", lp) == lp &&
		      config_policy_for_cn(&cfg, "other", lp) == lp &&
		      config_policy_for_cn(&cfg, "", lp) == lp,
	      "CN -> policy, others keep the listener's");
	config_free(&cfg);
	char *cn_bad[] = { "SOCKWALL_LISTEN=tls://127.0.0.1:2376", "SOCKWALL_TLS_CERT=/c",
			   "SOCKWALL_TLS_KEY=/k", "SOCKWALL_TLS_CA=/ca",
			   "SOCKWALL_TLS_POLICY_BY_CN=ci-runner", NULL };
	CHECK(config_load(&cfg, cn_bad, err, sizeof(err)) == 1 && strstr(err, "expected CN:POLICY"),
	      "CN without policy: %s", err);
	config_free(&cfg);
#endif
	unlink(path);
}

/* ---- every setting gets a clear word (envcheck through config_load) ---- */

static struct envnames test_names(void)
{
	static const struct envname names[] = {
		{ "CONTAINERS", true, ENVCHECK_TEC | ENVCHECK_LSIO },
		{ "POST_X", true, ENVCHECK_TEC | ENVCHECK_LSIO },
		{ "INFO", true, ENVCHECK_TEC | ENVCHECK_LSIO },
		{ "EXEC", true, ENVCHECK_TEC | ENVCHECK_LSIO },
		{ "POST", true, ENVCHECK_TEC | ENVCHECK_LSIO },
		{ "ALLOW_LOGS", true, ENVCHECK_LSIO },
		{ "ALLOW_CHANGES", true, ENVCHECK_LSIO },
		{ "SOCKWALL_LISTEN", false, 0 },
		{ "LOG_LEVEL", false, 0 },
	};

	return (struct envnames){ names, sizeof(names) / sizeof(*names) };
}

static void test_edit_distance(void)
{
	static const struct {
		const char *a, *b;
		int cap, want;
	} rows[] = {
		{ "CONTAINER", "CONTAINERS", 2, 1 },  /* a letter left out */
		{ "CONTIANERS", "CONTAINERS", 2, 1 }, /* two letters swapped */
		{ "CONTAINRES", "CONTAINERS", 2, 1 },
		{ "IMAGE", "IMAGES", 2, 1 },
		{ "PATH", "POST", 5, 3 },
		{ "POST", "POST", 1, 0 },
		{ "", "ABC", 5, 3 },
		{ "ABC", "", 5, 3 },
		{ "SHLVL", "SWARM", 1, 2 },          /* above the cap: cap + 1 */
		{ "HOSTNAME", "POST", 2, 3 },        /* lengths alone exceed the cap */
		{ "ALLOW_CHANGE", "ALLOW_CHANGES", 2, 1 },
	};
	char longname[ENVCHECK_NAME_MAX + 2];

	for (size_t i = 0; i < sizeof(rows) / sizeof(*rows); i++) {
		int d = envcheck_distance(rows[i].a, strlen(rows[i].a), rows[i].b, strlen(rows[i].b),
					  rows[i].cap);
		CHECK(d == rows[i].want, "distance(%s, %s, cap %d) = %d, want %d", rows[i].a,
		      rows[i].b, rows[i].cap, d, rows[i].want);
	}
	memset(longname, 'A', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	CHECK(envcheck_distance(longname, strlen(longname), longname, strlen(longname), 2) == 3,
	      "names longer than ENVCHECK_NAME_MAX are never near");
	CHECK(envcheck_near(4) == 1 && envcheck_near(5) == 1 && envcheck_near(6) == 2,
	      "1 up to 5 letters, 2 above");

	struct envnames en = test_names();
	const char *h = envcheck_hint(&en, "CONTAINER", 9, false);
	CHECK(h && strcmp(h, "CONTAINERS") == 0, "CONTAINER -> %s", h ? h : "(none)");
	h = envcheck_hint(&en, "ALLOW_EXEC", 10, false);
	CHECK(h && strcmp(h, "EXEC") == 0, "ALLOW_EXEC -> %s", h ? h : "(none)");
	h = envcheck_hint(&en, "LIBPOD_ALLOW_LOGS", 17, false);
	CHECK(h && strcmp(h, "ALLOW_LOGS") == 0, "LIBPOD_ALLOW_LOGS -> %s", h ? h : "(none)");
	h = envcheck_hint(&en, "POTS", 4, false);
	CHECK(h && strcmp(h, "POST") == 0, "POTS -> %s", h ? h : "(none)");
	CHECK(envcheck_hint(&en, "SOCKWALL_LISTN", 14, false) == NULL, "others only when asked");
	h = envcheck_hint(&en, "SOCKWALL_LISTN", 14, true);
	CHECK(h && strcmp(h, "SOCKWALL_LISTEN") == 0, "SOCKWALL_LISTN -> %s", h ? h : "(none)");
	CHECK(envcheck_hint(&en, "INFRA", 5, false) == NULL, "INFRA is 2 from INFO: no hint");
}

static void test_unknown_names(void)
{
	static const struct {
		const char *setting;
		const char *want; /* in the one problem */
	} rows[] = {
		{ "CONTAINER=1", "CONTAINER: unknown setting; did you mean CONTAINERS?" },
		{ "CONTIANERS=true", "did you mean CONTAINERS?" },
		{ "IMAGE=yes", "did you mean IMAGES?" },
		{ "POTS=0", "did you mean POST?" },
		{ "VOLUME=off", "did you mean VOLUMES?" },
		{ "ALLOW_CHANGE=0", "did you mean ALLOW_CHANGES?" },
		{ "ALLOW_LOG=0", "did you mean ALLOW_LOGS?" },
		{ "ALLOW_EXEC=1", "ALLOW_EXEC: unknown setting; did you mean EXEC?" },
		{ "ALLOW_EVERYTHING=1", "ALLOW_EVERYTHING: unknown setting (see sockwall --help; "
					"if another program reads it, list it in SOCKWALL_IGNORE_VARS)" },
		{ "ALLOW_EMPTY_PASSWORD=yes", "ALLOW_EMPTY_PASSWORD: unknown setting" },
		{ "LIBPOD_NOTHING=1", "LIBPOD_NOTHING: unknown setting" },
		{ "LIBPOD_ALLOW_LOGS=0", "did you mean ALLOW_LOGS?" },
		{ "SOCKWALL_LISTN=tcp://0.0.0.0:1", "SOCKWALL_LISTN: unknown setting (see sockwall "
						    "--help); did you mean SOCKWALL_LISTEN?" },
		{ "DKRPRX__CONTAINERS__DENY_PRIVILEGE=true", "did you mean "
							  "DKRPRX__CONTAINERS__DENY_PRIVILEGED?" },
		{ "SOCKWALL_IGNORE_VARS=CONTAINERS", "CONTAINERS is a setting sockwall reads" },
		{ "SOCKWALL_IGNORE_VARS=SOCKWALL_X", "sockwall's own names" },
		{ "SOCKWALL_IGNORE_VARS=*", "'*' is not a NAME or a PREFIX*" },
		{ "SOCKWALL_IGNORE_VARS=A-B", "'A-B' is not a NAME" },
		{ "SOCKWALL_listen=tcp://0.0.0.0:1", "SOCKWALL_listen: unknown setting" },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(*rows); i++) {
		struct config cfg;
		char err[1024];
		char *env[] = { (char *)rows[i].setting, NULL };
		int n = config_load(&cfg, env, err, sizeof(err));

		CHECK(n == 1 && strstr(err, rows[i].want), "%s: %d problems, want \"%s\": %s",
		      rows[i].setting, n, rows[i].want, err);
		config_free(&cfg);
	}

	/* Near misses only when set to a toggle's word: another program's value is not */
	static const char *const not_toggles[] = {
		"CONTAINER=nginx", "IMAGE=busybox:latest", "VOLUME=/data", "NODE=", "SECRET=s3cr3t",
		"CONFIG=/etc/app.yml", "EVENT=deploy", "SYSTEMD=/usr/lib/systemd", "TASK=build",
		"containers=1", "Containers=1", "ALLOW_=", "POST_COUNT=10",
	};
	for (size_t i = 0; i < sizeof(not_toggles) / sizeof(*not_toggles); i++) {
		struct config cfg;
		char err[1024];
		char *env[] = { (char *)not_toggles[i], NULL };
		int n = config_load(&cfg, env, err, sizeof(err));
		CHECK(n == (strcmp(not_toggles[i], "ALLOW_=") == 0), "%s: %d problems: %s",
		      not_toggles[i], n, err);
		config_free(&cfg);
	}

	/* SOCKWALL_IGNORE_VARS: names and prefixes another program reads */
	struct config cfg;
	char err[1024];
	char *ignored[] = { "SOCKWALL_IGNORE_VARS=CONTAINER, MYAPP_*,,ALLOW_EMPTY_PASSWORD,",
			    "CONTAINER=1", "ALLOW_EMPTY_PASSWORD=yes", "MYAPP_ALLOW_X=1",
			    "CONTAINERS=1", NULL };
	CHECK(config_load(&cfg, ignored, err, sizeof(err)) == 0, "ignored names: %s", err);
	CHECK(cfg.policy.acl.section[SEC_CONTAINERS], "a known name is still read");
	config_free(&cfg);
	char *not_ours[] = { "SOCKWALL_IGNORE_VARS=SOCK*,DKR*", "SOCKWALL_LISTN=x", NULL };
	CHECK(config_load(&cfg, not_ours, err, sizeof(err)) == 1 && strstr(err, "SOCKWALL_LISTN"),
	      "a typo in sockwall's namespace is never ignored: %s", err);
	config_free(&cfg);

	/* Every name sockwall prints in its table is one it reads. */
	char *none[] = { NULL };
	char table[4096];
	CHECK(config_load(&cfg, none, err, sizeof(err)) == 0, "empty env: %s", err);
	config_describe_acl(&cfg.policy, table, sizeof(table));
	config_free(&cfg);
	int names = 0;
	for (char *line = strtok(table, "\n"); line; line = strtok(NULL, "\n")) {
		char setting[128];
		size_t klen = strcspn(line, "=");
		if (klen >= 100 || strcmp(line + klen, "=on") == 0 || strncmp(line, "protections", 11) == 0 ||
		    strncmp(line, "SOCKWALL_MODE", 13) == 0)
			continue;
		snprintf(setting, sizeof(setting), "%.*s=1", (int)klen, line);
		char *one[] = { setting, NULL };
		int n = config_load(&cfg, one, err, sizeof(err));
		CHECK(n == 0, "%s is read: %s", setting, err);
		config_free(&cfg);
		names++;
	}
	CHECK(names > 30, "the table lists the sections and switches: %d", names);
	for (int s = SEC_NONE + 1; s < SEC_COUNT; s++) {
		char setting[128];
		snprintf(setting, sizeof(setting), "%s=0", section_name((enum section)s));
		char *one[] = { setting, NULL };
		CHECK(config_load(&cfg, one, err, sizeof(err)) == 0, "%s: %s", setting, err);
		config_free(&cfg);
	}
}

/* The environment of shells, images and orchestrators: never a problem. */
static void test_ordinary_env(void)
{
	static const char *const env_names[] = {
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root",
		"HOSTNAME=3f2a1b9c8d7e", "TERM=xterm", "LANG=C.UTF-8", "LANGUAGE=en_US:en",
		"LC_ALL=C.UTF-8", "USER=root", "LOGNAME=root", "PWD=/", "OLDPWD=/root", "SHLVL=1",
		"SHELL=/bin/sh", "TZ=UTC", "MAIL=/var/mail/root", "EDITOR=vi", "PAGER=less",
		"TMPDIR=/tmp", "container=podman", "DEBIAN_FRONTEND=noninteractive",
		"DOCKER_HOST=tcp://socket-proxy:2375", "DOCKER_TLS_VERIFY=1", "DOCKER_CERT_PATH=/c",
		"DOCKER_API_VERSION=1.41", "CONTAINER_HOST=tcp://socket-proxy:2375",
		"GOLANG_VERSION=1.22.5", "GOPATH=/go", "NODE_VERSION=20.15.0", "YARN_VERSION=1.22.22",
		"NODE_ENV=production", "PYTHON_VERSION=3.12.4", "PYTHONUNBUFFERED=1",
		"PYTHONDONTWRITEBYTECODE=1", "PIP_NO_CACHE_DIR=1", "GPG_KEY=7169605F62C751356D05",
		"JAVA_HOME=/opt/java/openjdk", "JAVA_VERSION=jdk-21.0.3+9", "NGINX_VERSION=1.27.0",
		"NJS_VERSION=0.8.4", "PKG_RELEASE=1", "HAPROXY_VERSION=3.2.4", "REDIS_VERSION=7.2.5",
		"PGDATA=/var/lib/postgresql/data", "POSTGRES_PASSWORD=x", "MYSQL_ROOT_PASSWORD=x",
		"KUBERNETES_SERVICE_HOST=10.96.0.1", "KUBERNETES_PORT=tcp://10.96.0.1:443",
		"SOCKET_PROXY_PORT=tcp://10.0.0.7:2375", "PUID=1000", "PGID=1000", "UMASK=022",
		"S6_VERBOSITY=1", "XDG_RUNTIME_DIR=/run/user/1000", "HTTP_PROXY=http://proxy:3128",
		"HTTPS_PROXY=http://proxy:3128", "NO_PROXY=localhost,127.0.0.1", "http_proxy=",
		"SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt", "VIRTUAL_ENV=/venv",
		"DEBUG=1", "VERBOSE=true", "CI=true", "INIT=1", "TINI_SUBREAPER=1", "ENV=production",
		"LOGLEVEL=info", "BUILDKIT_PROGRESS=plain", "DOCKER_BUILDKIT=1",
		"COMPOSE_PROJECT_NAME=stack", "TRAEFIK_PROVIDERS_DOCKER=true", "WATCHTOWER_CLEANUP=true",
	};
	/* The common names again, set to a toggle's word: still never a problem. */
	static const char *const one[] = { "PATH", "HOME", "HOSTNAME", "TERM", "LANG", "USER",
					   "PWD", "SHLVL", "TZ", "SHELL", "MAIL", "DEBUG", "CI",
					   "NODE_ENV", "PUID", "PGID", "UMASK", "LOGNAME", "EDITOR" };
	size_t n = sizeof(env_names) / sizeof(*env_names), m = sizeof(one) / sizeof(*one);
	char *env[sizeof(env_names) / sizeof(*env_names) + 1];
	char ones[sizeof(one) / sizeof(*one)][32];
	char *env1[sizeof(one) / sizeof(*one) + 1];
	struct config cfg;
	char err[2048];

	for (size_t i = 0; i < n; i++)
		env[i] = (char *)env_names[i];
	env[n] = NULL;
	CHECK(config_load(&cfg, env, err, sizeof(err)) == 0, "ordinary environment: %s", err);
	CHECK(cfg.n_notes == 0, "no notes: %zu, %s", cfg.n_notes,
	      cfg.n_notes ? cfg.notes[0].text : "");
	config_free(&cfg);
	for (size_t i = 0; i < m; i++) {
		snprintf(ones[i], sizeof(ones[i]), "%s=1", one[i]);
		env1[i] = ones[i];
	}
	env1[m] = NULL;
	CHECK(config_load(&cfg, env1, err, sizeof(err)) == 0, "ordinary names set to 1: %s", err);
	config_free(&cfg);
}

/* The anchors' names that sockwall reads differently: one note each. */
static void test_notes(void)
{
	static const struct {
		const char *setting;
		const char *want; /* NULL: no note */
		enum envnote_level level;
	} rows[] = {
		{ "CONTAINERS=yes", "CONTAINERS=yes: sockwall reads it as on; tecnativa and "
				    "linuxserver read it as off", ENVNOTE_WARNING },
		{ "POST=TRUE", "\"TRUE\" is 0): write POST=1", ENVNOTE_WARNING },
		{ "ALLOW_START=on", "tecnativa and linuxserver read it as off", ENVNOTE_WARNING },
		{ "ALLOW_LOGS=true", "ALLOW_LOGS=true: sockwall reads it as on; linuxserver reads it",
		  ENVNOTE_WARNING },
		{ "ALLOW_CHANGES=yes", "linuxserver reads it as off", ENVNOTE_WARNING },
		{ "ALLOW_PLUGIN_PRIVILEGES=yes", NULL, 0 }, /* sockwall's own */
		{ "DELETE=yes", NULL, 0 },
		{ "CONTAINERS=1", NULL, 0 },
		{ "CONTAINERS=off", NULL, 0 },
		{ "CONTAINERS=false", NULL, 0 },
		{ "DISABLE_IPV6=yes", "as tecnativa does (1, true or yes); linuxserver tests for "
				      "exactly 1", ENVNOTE_NOTICE },
		{ "DISABLE_IPV6=on", "tecnativa (1, true or yes) and linuxserver (exactly 1) would "
				     "listen on [::]:2375", ENVNOTE_NOTICE },
		{ "DISABLE_IPV6=1", NULL, 0 },
		{ "LOG_LEVEL=warning", "LOG_LEVEL=warning: sockwall still logs refused requests",
		  ENVNOTE_WARNING },
		{ "LOG_LEVEL=notice", "so at notice they log none", ENVNOTE_WARNING },
		{ "LOG_LEVEL=info", NULL, 0 },
		{ "LOG_LEVEL=err", NULL, 0 },
		{ "LOG_LEVEL=debug", NULL, 0 },
		{ "LOG_LEVEL=error", "LOG_LEVEL=error: sockwall reads it as err; tecnativa's and "
				     "linuxserver's HAProxy does not start with it", ENVNOTE_WARNING },
		{ "LOG_LEVEL=WARN", "sockwall reads it as warning", ENVNOTE_WARNING },
		{ "TZ=Europe/Paris", "TZ=Europe/Paris: sockwall writes every log time in UTC",
		  ENVNOTE_NOTICE },
		{ "TZ=Etc/UTC", NULL, 0 },
		{ "TZ=:UTC", NULL, 0 },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(*rows); i++) {
		struct config cfg;
		char err[1024];
		char *env[] = { (char *)rows[i].setting, NULL };

		CHECK(config_load(&cfg, env, err, sizeof(err)) == 0, "%s: %s", rows[i].setting, err);
		if (rows[i].want)
			CHECK(cfg.n_notes == 1 && strstr(cfg.notes[0].text, rows[i].want) &&
				      cfg.notes[0].level == rows[i].level,
			      "%s: %zu notes, want \"%s\": %s", rows[i].setting, cfg.n_notes,
			      rows[i].want, cfg.n_notes ? cfg.notes[0].text : "");
		else
			CHECK(cfg.n_notes == 0, "%s: no note, got %s", rows[i].setting,
			      cfg.n_notes ? cfg.notes[0].text : "");
		config_free(&cfg);
	}

	/* once per variable; SOCKWALL_IGNORE_VARS silences TZ; a preset adds none */
	struct config cfg;
	char err[1024];
	char *twice[] = { "CONTAINERS=yes", "TZ=Asia/Tokyo", "CONTAINERS=yes", "IMAGES=on",
			  "SOCKWALL_POLICY=readonly", NULL };
	CHECK(config_load(&cfg, twice, err, sizeof(err)) == 0, "twice: %s", err);
	CHECK(cfg.n_notes == 3, "one note per name: %zu", cfg.n_notes);
	CHECK(cfg.policy.acl.section[SEC_CONTAINERS] && cfg.policy.acl.section[SEC_IMAGES],
	      "true/yes/on still read as on");
	config_free(&cfg);
	char *tz[] = { "TZ=Asia/Tokyo", "SOCKWALL_IGNORE_VARS=TZ", NULL };
	CHECK(config_load(&cfg, tz, err, sizeof(err)) == 0 && cfg.n_notes == 0,
	      "TZ ignored: %s %zu", err, cfg.n_notes);
	config_free(&cfg);
	char *ctl[] = { "TZ=A\x1b[2Jb", NULL };
	CHECK(config_load(&cfg, ctl, err, sizeof(err)) == 0 && cfg.n_notes == 1 &&
		      strstr(cfg.notes[0].text, "TZ=A?[2Jb"),
	      "a value's control bytes are not printed: %s", cfg.n_notes ? cfg.notes[0].text : "");
	config_free(&cfg);
}

/* ALLOW_CHANGES (linuxserver's): on by default, 0 closes GET .../changes alone. */
static void test_allow_changes(void)
{
	static const struct {
		const char *env2, *method, *target;
		enum decision want;
		const char *rule;
	} rows[] = {
		{ NULL, "GET", "/v1.41/containers/abc/changes", DECISION_ALLOW, "CONTAINERS" },
		{ "ALLOW_CHANGES=0", "GET", "/v1.41/containers/abc/changes", DECISION_DENY,
		  "ALLOW_CHANGES" },
		{ "ALLOW_CHANGES=0", "GET", "/containers/abc/json", DECISION_ALLOW, "CONTAINERS" },
		{ "ALLOW_CHANGES=0", "GET", "/containers/abc/logs", DECISION_ALLOW, "CONTAINERS" },
		{ "ALLOW_CHANGES=1", "GET", "/containers/abc/changes", DECISION_ALLOW, "CONTAINERS" },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(*rows); i++) {
		struct config cfg;
		char err[1024];
		char *env[] = { "CONTAINERS=1", (char *)rows[i].env2, NULL };
		struct route_match m;
		struct verdict v;
		const char *why;

		CHECK(config_load(&cfg, env, err, sizeof(err)) == 0, "load: %s", err);
		CHECK(route_resolve(rows[i].method, strlen(rows[i].method), rows[i].target,
				    strlen(rows[i].target), &m, &why) == 0, "%s resolves", rows[i].target);
		policy_judge(&cfg.policy.acl, rows[i].method, strlen(rows[i].method), &m, &v);
		CHECK(v.decision == rows[i].want && strcmp(v.rule, rows[i].rule) == 0,
		      "%s %s %s: %s by %s (%s)", rows[i].env2 ? rows[i].env2 : "default",
		      rows[i].method, rows[i].target, v.decision == DECISION_ALLOW ? "allow" : "deny",
		      v.rule, v.message);
		if (rows[i].want == DECISION_DENY)
			CHECK(strstr(v.message, "set ALLOW_CHANGES=1 to allow listing the files a "
						"container changed"), "message: %s", v.message);
		config_free(&cfg);
	}
	struct config cfg;
	char err[1024], table[4096];
	char *env[] = { "ALLOW_CHANGES=no", NULL };
	CHECK(config_load(&cfg, env, err, sizeof(err)) == 0, "load: %s", err);
	CHECK(!cfg.policy.acl.allow_changes, "ALLOW_CHANGES=no");
	config_describe_acl(&cfg.policy, table, sizeof(table));
	CHECK(strstr(table, "\nALLOW_CHANGES=0\n"), "the table shows it: %s", table);
	config_free(&cfg);
}

int main(void)
{
	test_listener_policies();
	test_filters_file();
	test_defaults();
	test_toggles();
	test_listeners();
	test_bad_values();
	test_durations();
	test_edit_distance();
	test_unknown_names();
	test_ordinary_env();
	test_notes();
	test_allow_changes();
	TEST_DONE();
}
