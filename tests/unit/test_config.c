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
	CHECK(cfg.policy.acl.allow_logs && cfg.policy.acl.allow_top && !cfg.policy.acl.allow_archive, "switches");
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
	snprintf(want[0], sizeof(want[0]), "policy %s:2: CONTAINERZ: unknown setting", path);
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

int main(void)
{
	test_listener_policies();
	test_filters_file();
	test_defaults();
	test_toggles();
	test_listeners();
	test_bad_values();
	test_durations();
	TEST_DONE();
}
