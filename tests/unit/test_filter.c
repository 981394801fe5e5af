/*
 * Default protections and DKRPRX__ filters on hand-made facts, the query
 * reader, and the reading of dockerd's answers to lookups.
 */
#include "../../src/config.h"
#include "../../src/daemon.h"
#include "../../src/filter.h"
#include "../../src/inspect.h"
#include "../../src/query.h"
#include "test.h"

#define S(lit) ((struct str){ lit, sizeof(lit) - 1 })

/* A route_match points into itself: fill the caller's, never copy one. */
static void resolve(const char *method, const char *target, struct route_match *m)
{
	const char *why;

	if (route_resolve(method, strlen(method), target, strlen(target), m, &why) < 0)
		fprintf(stderr, "resolve %s: %s\n", target, why);
}

static void load(struct config *cfg, char **env)
{
	char err[1024];
	int n = config_load(cfg, env, err, sizeof(err));
	CHECK(n == 0, "config: %s", err);
}

static void add_path(struct body_facts *b, struct str p, enum path_origin o)
{
	b->paths[b->n_paths].path = p;
	b->paths[b->n_paths++].origin = o;
}

static enum decision judge(const struct config *cfg, const char *method, const char *target,
			   const struct body_facts *b, struct filter_refs *refs, struct verdict *v)
{
	struct route_match m;
	resolve(method, target, &m);
	return filter_judge(&cfg->policy.filters, &cfg->policy.acl, &m, b, refs, v);
}

static void test_socket_paths(void)
{
	static const struct {
		struct str path;
		enum path_origin origin;
		int denied;
	} cases[] = {
		{ S("/var/run/docker.sock"), PATH_FROM_BINDS, 1 },
		{ S("/run/docker.sock"), PATH_FROM_MOUNT, 1 },
		{ S("/"), PATH_FROM_BINDS, 1 },
		{ S("/var"), PATH_FROM_BINDS, 1 },
		{ S("/var/run"), PATH_FROM_BINDS, 1 },
		{ S("/run"), PATH_FROM_BINDS, 1 },
		{ S("/var/run/"), PATH_FROM_BINDS, 1 },
		{ S("//var//run//docker.sock"), PATH_FROM_BINDS, 1 },
		{ S("/var/lib/../run/./docker.sock"), PATH_FROM_BINDS, 1 },
		{ S("/tmp/x/../../var/run/docker.sock"), PATH_FROM_BINDS, 1 },
		{ S("/proc"), PATH_FROM_BINDS, 1 },
		{ S("/proc/1/root"), PATH_FROM_BINDS, 1 },
		{ S("/proc/self/root"), PATH_FROM_MOUNT, 1 },
		{ S("/srv/docker.sock"), PATH_FROM_BINDS, 1 }, /* the upstream SOCKET_PATH */
		{ S("var/run"), PATH_FROM_VOLUME_CREATE, 1 }, /* relative device: under "/" */
		{ S("."), PATH_FROM_VOLUME_OPTS, 1 },
		{ S("/var/lib/data"), PATH_FROM_BINDS, 0 },
		{ S("/var/runner"), PATH_FROM_BINDS, 0 },
		{ S("/run-foo"), PATH_FROM_BINDS, 0 },
		{ S("/var/run/docker.sock.d"), PATH_FROM_BINDS, 0 },
		{ S("/home/u/proc"), PATH_FROM_BINDS, 0 },
	};
	struct config cfg;
	char *env[] = { "SOCKET_PATH=/srv/docker.sock", NULL };
	load(&cfg, env);

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct body_facts b = { 0 };
		struct filter_refs refs;
		struct verdict v;
		add_path(&b, cases[i].path, cases[i].origin);
		enum decision d = judge(&cfg, "POST", "/v1.41/containers/create", &b, &refs, &v);
		CHECK((d == DECISION_DENY) == cases[i].denied, "path %.*s: %s",
		      (int)cases[i].path.len, cases[i].path.p, v.message);
		if (cases[i].denied && d == DECISION_DENY)
			CHECK(strstr(v.message, "DKRPRX__VOLUMES__ALLOWED_PATHS") != NULL,
			      "message names the setting: %s", v.message);
	}

	/* A NUL byte: dockerd cleans it as a name byte, we refuse what remains. */
	struct body_facts b = { 0 };
	struct filter_refs refs;
	struct verdict v;
	add_path(&b, (struct str){ "/tmp/x\0/../../var/run/docker.sock", 33 }, PATH_FROM_BINDS);
	CHECK(judge(&cfg, "POST", "/containers/create", &b, &refs, &v) == DECISION_DENY,
	      "NUL spelling of the socket");
	add_path(&b, (struct str){ "/data\0x", 7 }, PATH_FROM_BINDS);
	b.paths[0] = b.paths[1];
	b.n_paths = 1;
	CHECK(judge(&cfg, "POST", "/containers/create", &b, &refs, &v) == DECISION_DENY &&
		      v.status == 400,
	      "NUL left in a path is refused");
	config_free(&cfg);

	/* ALLOWED_PATHS lifts the socket protection for what it matches only. */
	char *env2[] = { "DKRPRX__VOLUMES__ALLOWED_PATHS=^/var/run/docker\\.sock$", NULL };
	load(&cfg, env2);
	struct body_facts ok = { 0 }, other = { 0 };
	add_path(&ok, S("/var/run/docker.sock"), PATH_FROM_BINDS);
	add_path(&other, S("/var/run"), PATH_FROM_BINDS);
	CHECK(judge(&cfg, "POST", "/containers/create", &ok, &refs, &v) == DECISION_ALLOW,
	      "allowed socket: %s", v.message);
	CHECK(judge(&cfg, "POST", "/containers/create", &other, &refs, &v) == DECISION_DENY,
	      "parent still denied");
	config_free(&cfg);

	/* Real paths (symlinks resolved) are judged too: an explicitly allowed
	 * protected spelling vouches for its real path, nothing else does. */
	load(&cfg, env2);
	struct body_facts link = { 0 };
	add_path(&link, S("/var/run/docker.sock"), PATH_FROM_BINDS);
	link.paths[1] = (struct host_path){ .path = S("/run/docker.sock"),
					    .origin = PATH_FROM_BINDS, .resolved = true, .from = 0 };
	link.n_paths = 2;
	CHECK(judge(&cfg, "POST", "/containers/create", &link, &refs, &v) == DECISION_ALLOW,
	      "allowed socket through /var/run -> /run: %s", v.message);
	config_free(&cfg);
	char *env_data[] = { "DKRPRX__VOLUMES__ALLOWED_PATHS=^/data(/.*)?$", NULL };
	load(&cfg, env_data);
	struct body_facts planted = { 0 };
	add_path(&planted, S("/data/l"), PATH_FROM_BINDS);
	planted.paths[1] = (struct host_path){ .path = S("/var/run/docker.sock"),
					       .origin = PATH_FROM_BINDS, .resolved = true,
					       .from = 0 };
	planted.n_paths = 2;
	CHECK(judge(&cfg, "POST", "/containers/create", &planted, &refs, &v) == DECISION_DENY,
	      "a link planted in an allowed directory");
	planted.paths[1].path = S("/etc");
	CHECK(judge(&cfg, "POST", "/containers/create", &planted, &refs, &v) == DECISION_DENY &&
		      strcmp(v.rule, "DKRPRX__VOLUMES__ALLOWED_PATHS") == 0,
	      "a link out of the allowed directory");
	planted.paths[1].path = S("/data/real");
	CHECK(judge(&cfg, "POST", "/containers/create", &planted, &refs, &v) == DECISION_ALLOW,
	      "a link inside it");
	config_free(&cfg);

	/* Defaults off: the socket may be mounted; a deny list still holds. */
	char *env3[] = { "DKRPRX__DISABLE_DEFAULTS=true", "DKRPRX__VOLUMES__DENIED_PATHS=^/etc(/.*)?$",
			 NULL };
	load(&cfg, env3);
	struct body_facts etc = { 0 };
	add_path(&etc, S("/etc//passwd"), PATH_FROM_BINDS);
	CHECK(judge(&cfg, "POST", "/containers/create", &ok, &refs, &v) == DECISION_ALLOW,
	      "defaults off");
	CHECK(judge(&cfg, "POST", "/containers/create", &etc, &refs, &v) == DECISION_DENY &&
		      strcmp(v.rule, "DKRPRX__VOLUMES__DENIED_PATHS") == 0,
	      "denied path after cleaning: %s", v.message);
	config_free(&cfg);

	/* A filter set in the same section never drops the defaults. */
	char *env4[] = { "DKRPRX__VOLUMES__DENIED_PATHS=^/etc", NULL };
	load(&cfg, env4);
	CHECK(judge(&cfg, "POST", "/containers/create", &ok, &refs, &v) == DECISION_DENY,
	      "defaults kept beside another filter");
	config_free(&cfg);
}

static void test_container_filters(void)
{
	struct config cfg;
	struct filter_refs refs;
	struct verdict v;
	char *env[] = { "DKRPRX__CONTAINERS__DENY_PRIVILEGED=true",
			"DKRPRX__CONTAINERS__DENY_HOST_NETWORK=1",
			"DKRPRX__CONTAINERS__ALLOWED_IMAGES=^(docker.io/library/)?bb(:.*)?$,^registry.private.com/",
			"DKRPRX__CONTAINERS__DENIED_NAMES=^evil",
			"DKRPRX__CONTAINERS__REQUIRE_LABELS=owner=bot,managed",
			NULL };
	load(&cfg, env);

	struct body_facts good = { 0 };
	good.image = S("docker.io/library/bb:1");
	good.labels[0] = (struct kv){ S("owner"), S("bot") };
	good.labels[1] = (struct kv){ S("managed"), S("") };
	good.n_labels = 2;
	CHECK(judge(&cfg, "POST", "/containers/create?name=web", &good, &refs, &v) == DECISION_ALLOW,
	      "good create: %s", v.message);

	struct body_facts b = good;
	b.privileged = true;
	CHECK(judge(&cfg, "POST", "/containers/create", &b, &refs, &v) == DECISION_DENY &&
		      strcmp(v.rule, "DKRPRX__CONTAINERS__DENY_PRIVILEGED") == 0,
	      "privileged");
	b = good;
	b.network_mode = S("host");
	CHECK(judge(&cfg, "POST", "/containers/create", &b, &refs, &v) == DECISION_DENY,
	      "host network");
	b = good;
	b.image = S("alpine");
	CHECK(judge(&cfg, "POST", "/containers/create", &b, &refs, &v) == DECISION_DENY &&
		      strcmp(v.rule, "DKRPRX__CONTAINERS__ALLOWED_IMAGES") == 0,
	      "image not allowed: %s", v.message);
	b.image = S("bb");
	CHECK(judge(&cfg, "POST", "/containers/create", &b, &refs, &v) == DECISION_DENY &&
		      strstr(v.message, "ID prefix") != NULL,
	      "a bare hex name could be an image ID prefix: %s", v.message);
	b.image = S("registry.private.com/team/app:1");
	CHECK(judge(&cfg, "POST", "/containers/create", &b, &refs, &v) == DECISION_ALLOW,
	      "private registry image: %s", v.message);
	CHECK(judge(&cfg, "POST", "/containers/create?name=evil-1", &good, &refs, &v) ==
		      DECISION_DENY,
	      "denied name");
	CHECK(judge(&cfg, "POST", "/containers/create?name=a&name=evil", &good, &refs, &v) ==
			      DECISION_DENY &&
		      v.status == 400,
	      "name given twice is ambiguous");
	CHECK(judge(&cfg, "POST", "/containers/create?name=%65vil", &good, &refs, &v) ==
		      DECISION_DENY,
	      "escaped denied name");
	CHECK(judge(&cfg, "POST", "/containers/create?name=a;b", &good, &refs, &v) ==
			      DECISION_DENY &&
		      v.status == 400,
	      "semicolon query");
	b = good;
	b.n_labels = 1;
	CHECK(judge(&cfg, "POST", "/containers/create", &b, &refs, &v) == DECISION_DENY &&
		      strcmp(v.rule, "DKRPRX__CONTAINERS__REQUIRE_LABELS") == 0,
	      "missing label");
	config_free(&cfg);
}

static void test_hardened(void)
{
	struct config cfg;
	struct filter_refs refs;
	struct verdict v;
	char *env[] = { "DKRPRX__CONTAINERS__HARDENED=true", NULL };
	load(&cfg, env);

	struct body_facts base = { 0 };
	CHECK(judge(&cfg, "POST", "/containers/create", &base, &refs, &v) == DECISION_ALLOW,
	      "plain create");
	struct body_facts b;
	b = base; b.pid_mode = S("host");
	CHECK(judge(&cfg, "POST", "/containers/create", &b, &refs, &v) == DECISION_DENY, "pid host");
	b = base; b.userns_mode = S("host");
	CHECK(judge(&cfg, "POST", "/containers/create", &b, &refs, &v) == DECISION_DENY, "userns host");
	b = base; b.cap_add[0] = S("SYS_ADMIN"); b.n_cap_add = 1;
	CHECK(judge(&cfg, "POST", "/containers/create", &b, &refs, &v) == DECISION_DENY, "CapAdd");
	b = base; b.n_devices = 1;
	CHECK(judge(&cfg, "POST", "/containers/create", &b, &refs, &v) == DECISION_DENY, "Devices");
	CHECK(judge(&cfg, "POST", "/containers/x/update", &b, &refs, &v) == DECISION_DENY,
	      "update with Devices");
	b = base; b.security_opt[0] = S("seccomp=unconfined"); b.n_security_opt = 1;
	CHECK(judge(&cfg, "POST", "/containers/create", &b, &refs, &v) == DECISION_DENY, "seccomp");
	b = base; b.security_opt[0] = S("no-new-privileges"); b.n_security_opt = 1;
	CHECK(judge(&cfg, "POST", "/containers/create", &b, &refs, &v) == DECISION_ALLOW,
	      "no-new-privileges is fine");
	b = base; b.n_sysctls = 1;
	CHECK(judge(&cfg, "POST", "/containers/create", &b, &refs, &v) == DECISION_DENY, "Sysctls");
	b = base; b.privileged = true;
	CHECK(judge(&cfg, "POST", "/containers/x/start", &b, &refs, &v) == DECISION_DENY,
	      "privileged start body");
	config_free(&cfg);
}

static void test_images(void)
{
	struct config cfg;
	struct filter_refs refs;
	struct verdict v;
	struct body_facts none = { 0 };
	char *env[] = { "DKRPRX__IMAGES__DENIED_TAGS=^latest$",
			"DKRPRX__IMAGES__ALLOWED_REPOS=^docker.io/library/,^localhost:5000/", NULL };
	load(&cfg, env);

	static const struct {
		const char *target;
		int denied;
	} cases[] = {
		{ "/images/create?fromImage=busybox&tag=1.36", 0 },
		{ "/images/create?fromImage=busybox", 1 },          /* latest implied */
		{ "/images/create?fromImage=busybox&tag=latest", 1 },
		{ "/images/create?fromImage=busybox:latest", 1 },
		{ "/images/create?fromImage=library%2Fbusybox&tag=1", 0 },
		{ "/images/create?fromImage=evil.io/busybox&tag=1", 1 },
		{ "/images/create?fromImage=localhost:5000/app&tag=v2", 0 },
		{ "/images/create?fromImage=busybox&tag=1&tag=latest", 1 },
		{ "/build?t=busybox:1&t=evil.io/x:1", 1 },
		{ "/build?t=busybox:1&t=alpine:3", 0 },
		{ "/images/busybox/tag?repo=evil.io/x&tag=1", 1 },
		{ "/commit?container=x&repo=busybox&tag=2", 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		enum decision d = judge(&cfg, "POST", cases[i].target, &none, &refs, &v);
		CHECK((d == DECISION_DENY) == cases[i].denied, "%s: %s", cases[i].target, v.message);
	}
	struct body_facts b = { 0 };
	b.image = S("busybox:latest");
	CHECK(judge(&cfg, "POST", "/containers/create", &b, &refs, &v) == DECISION_DENY,
	      "create with a denied tag");
	config_free(&cfg);
}

static void test_refs(void)
{
	struct config cfg;
	struct filter_refs refs;
	struct verdict v;
	struct body_facts none = { 0 };
	char *env[] = { "PROXY_NETWORK_NAME=proxy-net", NULL };
	load(&cfg, env);

	/* Every mutating call on a container names a reference to resolve. */
	static const char *const targets[] = {
		"/containers/abc/stop", "/containers/abc/kill", "/containers/abc/restart",
		"/containers/abc/pause", "/containers/abc/update", "/containers/abc/rename?name=x",
		"/containers/abc/exec", "/containers/abc/attach", "/containers/link/alias/stop",
	};
	for (size_t i = 0; i < sizeof(targets) / sizeof(*targets); i++) {
		CHECK(judge(&cfg, "POST", targets[i], &none, &refs, &v) == DECISION_ALLOW &&
			      refs.n == 1 && refs.refs[0].kind == REF_TARGET,
		      "%s: %zu refs", targets[i], refs.n);
	}
	CHECK(judge(&cfg, "DELETE", "/containers/abc", &none, &refs, &v) == DECISION_ALLOW &&
		      refs.n == 1,
	      "delete");
	CHECK(judge(&cfg, "POST", "/containers/link/alias/stop", &none, &refs, &v) ==
			      DECISION_ALLOW &&
		      strcmp(refs.refs[0].ref, "link/alias") == 0,
	      "link alias is resolved whole");
	CHECK(judge(&cfg, "POST", "/containers/create?name=docker-proxy", &none, &refs, &v) ==
		      DECISION_DENY,
	      "creating a second docker-proxy");
	CHECK(judge(&cfg, "POST", "/containers/create?name=/docker-proxy", &none, &refs, &v) ==
		      DECISION_DENY,
	      "creating /docker-proxy");
	CHECK(judge(&cfg, "POST", "/containers/x/rename?name=docker-proxy", &none, &refs, &v) ==
		      DECISION_DENY,
	      "renaming to docker-proxy");

	struct body_facts share = { 0 };
	share.network_mode = S("container:abc");
	share.volumes_from[0] = S("def:ro");
	share.n_volumes_from = 1;
	share.links[0] = S("ghi:alias");
	share.n_links = 1;
	CHECK(judge(&cfg, "POST", "/containers/create", &share, &refs, &v) == DECISION_ALLOW &&
		      refs.n == 3,
	      "share refs: %zu", refs.n);

	/* Answers decide. */
	struct ref_answer answers[FILTER_MAX_REFS] = { 0 };
	CHECK(judge(&cfg, "POST", "/containers/abc/stop", &none, &refs, &v) == DECISION_ALLOW, "-");
	answers[0] = (struct ref_answer){ .found = true, .id = "1234", .name = "docker-proxy" };
	CHECK(filter_judge_refs(&cfg.policy.filters, &cfg.policy.acl, "", &refs, answers, &v) == DECISION_DENY,
	      "stop of the proxy by another spelling");
	answers[0] = (struct ref_answer){ .found = true, .id = "1234", .name = "web" };
	CHECK(filter_judge_refs(&cfg.policy.filters, &cfg.policy.acl, "", &refs, answers, &v) == DECISION_ALLOW, "stop web");
	CHECK(filter_judge_refs(&cfg.policy.filters, &cfg.policy.acl, "1234", &refs, answers, &v) == DECISION_DENY,
	      "stop of the proxy by its own ID");
	answers[0] = (struct ref_answer){ .found = false };
	CHECK(filter_judge_refs(&cfg.policy.filters, &cfg.policy.acl, "", &refs, answers, &v) == DECISION_ALLOW,
	      "not found: dockerd answers");

	/* A pod's stop: refused only for the pod the proxy's container is in. */
	CHECK(judge(&cfg, "POST", "/v4.3.1/libpod/pods/p1/stop", &none, &refs, &v) ==
			      DECISION_ALLOW &&
		      refs.n == 2 && refs.refs[0].kind == REF_POD &&
		      refs.refs[1].kind == REF_PROXY_POD,
	      "pod stop refs: %zu", refs.n);
	answers[0] = (struct ref_answer){ .found = true, .id = "9f00", .name = "p1" };
	answers[1] = (struct ref_answer){ .found = true, .id = "c1", .name = "docker-proxy",
					  .pod = "9f00" };
	CHECK(filter_judge_refs(&cfg.policy.filters, &cfg.policy.acl, "", &refs, answers, &v) ==
			      DECISION_DENY &&
		      strcmp(v.rule, "default:proxy-pod") == 0,
	      "the proxy's pod");
	strcpy(answers[1].pod, "aa00");
	CHECK(filter_judge_refs(&cfg.policy.filters, &cfg.policy.acl, "", &refs, answers, &v) ==
		      DECISION_ALLOW,
	      "another pod");
	answers[1] = (struct ref_answer){ .found = false };
	CHECK(filter_judge_refs(&cfg.policy.filters, &cfg.policy.acl, "", &refs, answers, &v) ==
		      DECISION_ALLOW,
	      "no proxy container: any pod");

	/* An image removed with force: not the one the proxy's container runs. */
	CHECK(judge(&cfg, "DELETE", "/images/bb?force=1", &none, &refs, &v) == DECISION_ALLOW &&
		      refs.n == 2 && refs.refs[0].kind == REF_IMAGE &&
		      refs.refs[1].kind == REF_PROXY_IMAGE,
	      "forced removal refs: %zu", refs.n);
	answers[0] = (struct ref_answer){ .found = true, .id = "ab12" };
	answers[1] = (struct ref_answer){ .found = true, .id = "c1", .name = "docker-proxy",
					  .image_id = "ab12" };
	CHECK(filter_judge_refs(&cfg.policy.filters, &cfg.policy.acl, "", &refs, answers, &v) ==
		      DECISION_DENY,
	      "the proxy's image, forced");
	strcpy(answers[1].image_id, "cd34");
	CHECK(filter_judge_refs(&cfg.policy.filters, &cfg.policy.acl, "", &refs, answers, &v) ==
		      DECISION_ALLOW,
	      "another image, forced");
	CHECK(judge(&cfg, "DELETE", "/images/bb?force=0&FORCE=false", &none, &refs, &v) ==
			      DECISION_ALLOW &&
		      refs.n == 0,
	      "no force, no lookup");
	CHECK(judge(&cfg, "DELETE", "/v4.3.1/libpod/images/remove?images=a&Force=yes", &none, &refs,
		    &v) == DECISION_DENY,
	      "many images forced");
	CHECK(judge(&cfg, "DELETE", "/networks/n1?Force=1", &none, &refs, &v) == DECISION_DENY,
	      "network removal with force");
	/* Podman's /build reads parameters dockerd does not: refused */
	static const char *const podman_build[] = {
		"/build?devices=%5B%22%2Fdev%2Fsda%22%5D", "/build?t=a&addcaps=x",
		"/build?nsoptions=x", "/build?volume=%2F%3A%2Fh", "/build?rusagelogfile=%2Fetc%2Fx",
		"/build?securityopt=seccomp%3Dunconfined", "/build?isolation=chroot",
		"/build?Devices=x",
	};
	for (size_t i = 0; i < sizeof(podman_build) / sizeof(*podman_build); i++)
		CHECK(judge(&cfg, "POST", podman_build[i], &none, &refs, &v) == DECISION_DENY &&
			      strcmp(v.rule, "default:build-parameter") == 0,
		      "%s", podman_build[i]);
	CHECK(judge(&cfg, "POST",
		    "/build?t=a&t=b&rm=1&q=0&nocache=1&networkmode=default&buildargs=%7B%7D"
		    "&labels=%7B%7D&cachefrom=%5B%5D&dockerfile=Dockerfile&version=1&pull=1"
		    "&cpusetcpus=&cpusetmems=&cpushares=0&cpuquota=0&cpuperiod=0&memory=0"
		    "&memswap=0&shmsize=0&cgroupparent=&ulimits=null&target=&platform="
		    "&session=s&buildid=b&outputs=&extrahosts=h%3A1.2.3.4&squash=1&forcerm=1",
		    &none, &refs, &v) == DECISION_ALLOW,
	      "what the docker CLI sends: %s", v.message);
	CHECK(judge(&cfg, "POST", "/containers/x/rename?NAME=docker-proxy", &none, &refs, &v) ==
			      DECISION_DENY &&
		      v.status == 400,
	      "a judged key in another case");

	judge(&cfg, "POST", "/containers/create", &share, &refs, &v);
	memset(answers, 0, sizeof(answers));
	for (size_t i = 0; i < refs.n; i++)
		answers[i] = (struct ref_answer){ .found = true, .id = "9", .name = "other" };
	answers[1] = (struct ref_answer){ .found = true, .id = "9", .name = "other",
					  .binds = "/var/run/docker.sock", .n_binds = 1 };
	CHECK(filter_judge_refs(&cfg.policy.filters, &cfg.policy.acl, "", &refs, answers, &v) == DECISION_DENY,
	      "sharing a container that holds the socket");

	CHECK(judge(&cfg, "DELETE", "/networks/abc", &none, &refs, &v) == DECISION_ALLOW &&
		      refs.n == 1 && refs.refs[0].kind == REF_NETWORK,
	      "network delete resolves");
	answers[0] = (struct ref_answer){ .found = true, .id = "n1", .name = "proxy-net" };
	CHECK(filter_judge_refs(&cfg.policy.filters, &cfg.policy.acl, "", &refs, answers, &v) == DECISION_DENY,
	      "proxy network");
	config_free(&cfg);
}

static void test_query(void)
{
	char out[64];
	bool trunc;

	CHECK(query_valid("a=1&b=%41+c", 11), "valid");
	CHECK(!query_valid("a=%4", 4), "short escape");
	CHECK(!query_valid("a=%zz", 5), "bad escape");
	CHECK(!query_valid("a=1;b=2", 7), "semicolon");
	CHECK(query_get("a=1&b=%41+c", 11, "b", out, sizeof(out), &trunc) == 1 &&
		      strcmp(out, "A c") == 0,
	      "decoded: %s", out);
	CHECK(query_get("n%61me=x&name=y", 15, "name", out, sizeof(out), &trunc) == 2,
	      "escaped key counts");
	CHECK(query_get("a&&a=", 5, "a", out, sizeof(out), &trunc) == 2 && out[0] == '\0',
	      "empty values");
	/* Podman matches keys in any case and keeps any repeated value */
	CHECK(!query_flag_any(NULL, 0, "force"), "no query");
	CHECK(!query_flag_any("force=0&Force=false&FORCE=no", 28, "force"), "all off");
	CHECK(query_flag_any("force=0&FORCE=1", 15, "force"), "upper-case key on");
	CHECK(query_flag_any("%66orce=t", 9, "force"), "escaped key");
	CHECK(query_flag_any("force=f", 7, "force"), "dockerd reads f as on");
	CHECK(query_flag_any("force=0000000000000000000000", 28, "force"), "too long to be off");
	CHECK(!query_flag_any("forced=1&xforce=1", 17, "force"), "other keys");
	CHECK(query_count_fold("name=a&NAME=b&n%41me=c&names=d", 30, "name") == 3, "folded count");
	CHECK(query_count_fold(NULL, 0, "name") == 0, "no query, no key");
	CHECK(!query_bool_value("") && !query_bool_value("0") && !query_bool_value("No") &&
		      !query_bool_value("FALSE") && !query_bool_value("none") &&
		      !query_bool_value(" 0 "),
	      "false values");
	CHECK(query_bool_value("1") && query_bool_value("yes") && query_bool_value("off") &&
		      query_bool_value("nope"),
	      "true values (dockerd: anything else)");
}

static void test_daemon_answers(void)
{
	struct config cfg;
	char *env[] = { NULL };
	struct ref_answer a;
	load(&cfg, env);

	const char ok[] = "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n"
			  "{\"Id\":\"0123abcd\",\"Name\":\"/docker-proxy\",\"Mounts\":["
			  "{\"Type\":\"bind\",\"Source\":\"/var/run/docker.sock\",\"Destination\":\"/s\"}]}";
	CHECK(daemon_parse_answer(REF_SHARE, ok, sizeof(ok) - 1, &a) == 0 &&
		      a.found && strcmp(a.id, "0123abcd") == 0 &&
		      strcmp(a.name, "docker-proxy") == 0 && filter_answer_holds_socket(&cfg.policy.filters, &a),
	      "inspect answer");
	const char vol[] = "HTTP/1.0 200 OK\r\n\r\n{\"Id\":\"9\",\"Name\":\"/web\",\"Mounts\":["
			   "{\"Type\":\"volume\",\"Source\":\"/var/lib/docker/volumes/x/_data\"}]}";
	CHECK(daemon_parse_answer(REF_SHARE, vol, sizeof(vol) - 1, &a) == 0 &&
		      !filter_answer_holds_socket(&cfg.policy.filters, &a),
	      "volume mount does not hold the socket");
	const char missing[] = "HTTP/1.0 404 Not Found\r\n\r\n{\"message\":\"No such container\"}";
	CHECK(daemon_parse_answer(REF_TARGET, missing, sizeof(missing) - 1, &a) == 0 &&
		      !a.found,
	      "404");
	const char err[] = "HTTP/1.0 500 Internal Server Error\r\n\r\n{}";
	CHECK(daemon_parse_answer(REF_TARGET, err, sizeof(err) - 1, &a) < 0, "500");
	const char ambiguous[] = "HTTP/1.0 200 OK\r\n\r\n{\"Name\":\"x\"}";
	CHECK(daemon_parse_answer(REF_TARGET, ambiguous, sizeof(ambiguous) - 1, &a) < 0,
	      "no Id");

	const char withvol[] = "HTTP/1.0 200 OK\r\n\r\n{\"Id\":\"9\",\"Name\":\"/h\",\"Mounts\":["
			       "{\"Type\":\"volume\",\"Name\":\"sockvol\",\"Driver\":\"local\","
			       "\"Source\":\"/var/lib/docker/volumes/sockvol/_data\"}]}";
	CHECK(daemon_parse_answer(REF_SHARE, withvol, sizeof(withvol) - 1, &a) == 0 &&
		      !filter_answer_holds_socket(&cfg.policy.filters, &a) && a.n_volumes == 1 && strcmp(a.volumes[0], "sockvol") == 0,
	      "local volumes are listed for a second question");
	const char bindvol[] = "HTTP/1.0 200 OK\r\n\r\n{\"Name\":\"sockvol\",\"Driver\":\"local\","
			       "\"Options\":{\"device\":\"/var/run\",\"o\":\"bind\",\"type\":\"none\"}}";
	CHECK(daemon_parse_answer(REF_VOLUME, bindvol, sizeof(bindvol) - 1, &a) == 0 &&
		      a.found && filter_answer_holds_socket(&cfg.policy.filters, &a),
	      "a local volume binding /var/run holds the socket");
	const char plainvol[] = "HTTP/1.0 200 OK\r\n\r\n{\"Name\":\"data\",\"Driver\":\"local\","
				"\"Options\":null}";
	CHECK(daemon_parse_answer(REF_VOLUME, plainvol, sizeof(plainvol) - 1, &a) == 0 &&
		      a.found && !filter_answer_holds_socket(&cfg.policy.filters, &a),
	      "a plain volume does not");

	/* What a shared or written container holds, and whom it shares with. */
	const char powers[] =
		"HTTP/1.0 200 OK\r\n\r\n{\"Id\":\"7\",\"Name\":\"/p\",\"HostConfig\":{"
		"\"Privileged\":false,\"NetworkMode\":\"container:net1\",\"PidMode\":\"host\","
		"\"IpcMode\":\"container:ipc1\",\"CapAdd\":[\"SYS_ADMIN\"],\"Devices\":[],"
		"\"DeviceRequests\":null,\"VolumesFrom\":[\"vf1:ro\",\"vf2\"]},"
		"\"Config\":{\"Image\":\"bb:latest\"},\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/sys\","
		"\"RW\":false}]}";
	CHECK(daemon_parse_answer(REF_SHARE, powers, sizeof(powers) - 1, &a) == 0 &&
		      a.found && !a.powers.privileged && a.powers.host_pid && !a.powers.host_net &&
		      a.powers.cap_add && !a.powers.devices && a.n_shares == 4 &&
		      strcmp(a.shares[0], "net1") == 0 && strcmp(a.shares[1], "ipc1") == 0 &&
		      strcmp(a.shares[2], "vf1") == 0 && strcmp(a.shares[3], "vf2") == 0 &&
		      !filter_answer_holds_socket(&cfg.policy.filters, &a),
	      "powers and shares: %zu shares", a.n_shares);
	const char rwsys[] = "HTTP/1.0 200 OK\r\n\r\n{\"Id\":\"7\",\"Name\":\"/p\",\"Mounts\":["
			     "{\"Type\":\"bind\",\"Source\":\"/sys\",\"RW\":true}],"
			     "\"HostConfig\":{\"Privileged\":true,\"Devices\":[{}]}}";
	CHECK(daemon_parse_answer(REF_TARGET, rwsys, sizeof(rwsys) - 1, &a) == 0 &&
		      filter_answer_holds_socket(&cfg.policy.filters, &a) && a.powers.privileged && a.powers.devices,
	      "a writable /sys is root-equivalent");
	CHECK(daemon_parse_answer(REF_PROXY_IMAGE, powers, sizeof(powers) - 1, &a) == 0 &&
		      strcmp(a.image, "bb:latest") == 0,
	      "the proxy's image: %s", a.image);
	const char hostnet[] = "HTTP/1.0 200 OK\r\n\r\n{\"Name\":\"host\",\"Id\":\"3f5\","
			       "\"Driver\":\"host\"}";
	CHECK(daemon_parse_answer(REF_NET_JOIN, hostnet, sizeof(hostnet) - 1, &a) == 0 &&
		      a.found && a.host_network,
	      "the host network");
	const char bridge[] = "HTTP/1.0 200 OK\r\n\r\n{\"Name\":\"web\",\"Id\":\"3f6\","
			      "\"Driver\":\"overlay\"}";
	CHECK(daemon_parse_answer(REF_NET_JOIN, bridge, sizeof(bridge) - 1, &a) == 0 &&
		      a.found && !a.host_network,
	      "another network");
	const char bad[] = "HTTP/1.0 400 Bad Request\r\n\r\n{\"message\":\"invalid volume name \\\"x\\\"\"}";
	CHECK(daemon_parse_answer(REF_VOLUME, bad, sizeof(bad) - 1, &a) == 0 &&
		      !a.found && a.status == 400 && strstr(a.error, "invalid volume name"),
	      "dockerd's 4xx is passed on: %d %s", a.status, a.error);
	const char err500[] = "HTTP/1.0 500 Internal Server Error\r\n\r\n"
			      "{\"message\":\"multiple IDs found with provided prefix: 3\"}";
	CHECK(daemon_parse_answer(REF_TARGET, err500, sizeof(err500) - 1, &a) == 0 &&
		      a.status == 500 && strstr(a.error, "multiple IDs"),
	      "dockerd's own 500 (an ambiguous prefix) is passed on");
	const char moved[] = "HTTP/1.0 301 Moved Permanently\r\nLocation: /volumes/var/run\r\n\r\n";
	CHECK(daemon_parse_answer(REF_VOLUME, moved, sizeof(moved) - 1, &a) == 0 &&
		      a.status == 400,
	      "a redirected name is no name: 400");

	char req[512];
	size_t n = daemon_lookup_request(req, sizeof(req), REF_TARGET, "link/alias");
	CHECK(n > 0 && strncmp(req, "GET /containers/link%2Falias/json HTTP/1.0\r\n", 44) == 0,
	      "escaped lookup: %s", req);
	n = daemon_lookup_request(req, sizeof(req), REF_NETWORK, "net 1");
	CHECK(n > 0 && strncmp(req, "GET /networks/net%201 HTTP/1.0\r\n", 32) == 0, "network: %s",
	      req);
	n = daemon_lookup_request(req, sizeof(req), REF_POD, "p1");
	CHECK(n > 0 && strstr(req, "GET /v4.0.0/libpod/pods/p1/json HTTP/1.0\r\n") == req,
	      "pod: %s", req);
	n = daemon_lookup_request(req, sizeof(req), REF_PROXY_POD, "docker-proxy");
	CHECK(n > 0 && strstr(req, "GET /v4.0.0/libpod/containers/docker-proxy/json ") == req,
	      "proxy's pod: %s", req);
	n = daemon_lookup_request(req, sizeof(req), REF_IMAGE, "localhost/a:1");
	CHECK(n > 0 && strstr(req, "GET /images/localhost%2Fa%3A1/json ") == req, "image: %s", req);

	/* libpod's container inspect names the pod; an image's ID loses "sha256:" */
	const char inpod[] = "HTTP/1.0 200 OK\r\n\r\n{\"Id\":\"c1\",\"Name\":\"docker-proxy\","
			     "\"Image\":\"sha256:ab12\",\"Pod\":\"9f00\"}";
	CHECK(daemon_parse_answer(REF_PROXY_POD, inpod, sizeof(inpod) - 1, &a) == 0 &&
		      strcmp(a.pod, "9f00") == 0,
	      "pod of the proxy: '%s'", a.pod);
	CHECK(daemon_parse_answer(REF_PROXY_IMAGE, inpod, sizeof(inpod) - 1, &a) == 0 &&
		      strcmp(a.image_id, "ab12") == 0,
	      "image of the proxy: '%s'", a.image_id);
	const char img[] = "HTTP/1.0 200 OK\r\n\r\n{\"Id\":\"sha256:ab12\",\"RepoTags\":[]}";
	CHECK(daemon_parse_answer(REF_IMAGE, img, sizeof(img) - 1, &a) == 0 &&
		      strcmp(a.id, "ab12") == 0,
	      "image ID: '%s'", a.id);

	const char mountinfo[] =
		"612 590 0:52 / / rw master:1 - overlay overlay rw\n"
		"620 612 254:1 /var/lib/docker/containers/"
		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef/hostname "
		"/etc/hostname rw - ext4 /dev/vda rw\n";
	char id[65];
	daemon_self_id_from(mountinfo, sizeof(mountinfo) - 1, id);
	CHECK(strcmp(id, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef") == 0,
	      "self id: %s", id);
	daemon_self_id_from("1 2 3 / / rw - ext4 /dev/vda rw\n", 30, id);
	CHECK(id[0] == '\0', "not in a container");
	/* Real lines: dockerd 20.10 (vfs) and Podman 4.3 (vfs and overlay), as
	 * each container sees its own /proc/self/mountinfo. */
	static const struct {
		const char *line, *id;
	} real[] = {
		{ "88 70 254:0 /tmp/dk/data/containers/5ae8f4b6ca5e8e76e45a826f2b7d3e1c0f10ad319ec05fc3eec11e2a5ce67862"
		  "/hostname /etc/hostname rw,relatime - ext4 /dev/vda rw,discard,resv_strict,resuid=65534,resgid=65534\n",
		  "5ae8f4b6ca5e8e76e45a826f2b7d3e1c0f10ad319ec05fc3eec11e2a5ce67862" },
		{ "87 70 254:0 /tmp/dk/data/containers/5ae8f4b6ca5e8e76e45a826f2b7d3e1c0f10ad319ec05fc3eec11e2a5ce67862"
		  "/resolv.conf /etc/resolv.conf rw,relatime - ext4 /dev/vda rw\n",
		  "5ae8f4b6ca5e8e76e45a826f2b7d3e1c0f10ad319ec05fc3eec11e2a5ce67862" },
		{ "79 72 254:0 /tmp/pm/run-vfs/vfs-containers/9d58f0ea28b2938b9865229d55ec4dcacb3fc7e0d4ad121409ff47b4877cae57"
		  "/userdata/hostname /etc/hostname rw,relatime - ext4 /dev/vda rw,discard,resv_strict,resuid=65534,resgid=65534\n",
		  "9d58f0ea28b2938b9865229d55ec4dcacb3fc7e0d4ad121409ff47b4877cae57" },
		{ "82 76 254:0 /tmp/pm/run-overlay/overlay-containers/08fee3bcd872c8c23467db97bbe0281796111685f8c4be56cc5209a93250f079"
		  "/userdata/hosts /etc/hosts rw,relatime - ext4 /dev/vda rw,discard,resv_strict,resuid=65534,resgid=65534\n",
		  "08fee3bcd872c8c23467db97bbe0281796111685f8c4be56cc5209a93250f079" },
		/* .containerenv is Podman's too, but not one of the three: not used */
		{ "84 76 254:0 /tmp/pm/run-overlay/overlay-containers/08fee3bcd872c8c23467db97bbe0281796111685f8c4be56cc5209a93250f079"
		  "/userdata/.containerenv /run/.containerenv rw,relatime - ext4 /dev/vda rw\n",
		  "" },
		/* a look-alike directory name is no storage path */
		{ "85 76 254:0 /srv/mycontainers/08fee3bcd872c8c23467db97bbe0281796111685f8c4be56cc5209a93250f079"
		  "/hostname /etc/hostname rw - ext4 /dev/vda rw\n",
		  "" },
	};
	for (size_t i = 0; i < sizeof(real) / sizeof(*real); i++) {
		daemon_self_id_from(real[i].line, strlen(real[i].line), id);
		CHECK(strcmp(id, real[i].id) == 0, "mountinfo row %zu: \"%s\", want \"%s\"", i, id,
		      real[i].id);
	}

	/* Whole mountinfo excerpts with the cgroup mounts, in a container's own
	 * order.  Real, from this machine (cgroup v1, cgroupfs driver, 2026-12):
	 * dockerd 20.10 vfs, Podman 4.3 vfs and overlay (cgroupns host), Podman
	 * vfs with --cgroupns private.  The cgroup v2 rows are the shapes runc
	 * mounts on a v2 host (one cgroup2 mount at /sys/fs/cgroup, root "/" in a
	 * private cgroupns, the container's cgroup path with the host's): this
	 * machine has no v2 to take them from.  A cgroup path names the ID too
	 * (/docker/<id>, libpod-<id>) but is the cgroup parent's choice, not the
	 * runtime's storage: the self-ID never comes from it. */
	static const struct {
		const char *what, *text, *id;
	} whole[] = {
		{ "dockerd 20.10 vfs, cgroup v1, cgroupns host",
		  "77 76 0:45 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime - tmpfs tmpfs rw,mode=755\n"
		  "78 77 0:29 /docker/857f7fc3ac2b83ef5b2605f94859655c6a863559ad108486961add37fe0ab1f9 /sys/fs/cgroup/cpu ro,nosuid,nodev,noexec,relatime - cgroup cgroup rw,cpu\n"
		  "81 77 0:32 /docker/857f7fc3ac2b83ef5b2605f94859655c6a863559ad108486961add37fe0ab1f9 /sys/fs/cgroup/memory ro,nosuid,nodev,noexec,relatime - cgroup cgroup rw,memory\n"
		  "86 77 0:37 /docker/857f7fc3ac2b83ef5b2605f94859655c6a863559ad108486961add37fe0ab1f9 /sys/fs/cgroup/systemd ro,nosuid,nodev,noexec,relatime - cgroup cgroup rw,name=systemd\n"
		  "89 72 254:0 /tmp/swdk.aqb91t_v/data/containers/857f7fc3ac2b83ef5b2605f94859655c6a863559ad108486961add37fe0ab1f9/resolv.conf /etc/resolv.conf rw,relatime - ext4 /dev/vda rw\n"
		  "90 72 254:0 /tmp/swdk.aqb91t_v/data/containers/857f7fc3ac2b83ef5b2605f94859655c6a863559ad108486961add37fe0ab1f9/hostname /etc/hostname rw,relatime - ext4 /dev/vda rw,discard,resv_strict,resuid=65534,resgid=65534\n"
		  "91 72 254:0 /tmp/swdk.aqb91t_v/data/containers/857f7fc3ac2b83ef5b2605f94859655c6a863559ad108486961add37fe0ab1f9/hosts /etc/hosts rw,relatime - ext4 /dev/vda rw\n",
		  "857f7fc3ac2b83ef5b2605f94859655c6a863559ad108486961add37fe0ab1f9" },
		{ "Podman 4.3 vfs, cgroup v1, cgroupns host",
		  "78 72 254:0 /tmp/swpm.8n02w_2h/run/vfs-containers/3c63b99ae606ba4d2fdd84426d0c55413dc14c471fc21cf42aab189a5670af61/userdata/hosts /etc/hosts rw,relatime - ext4 /dev/vda rw\n"
		  "81 72 254:0 /tmp/swpm.8n02w_2h/run/vfs-containers/3c63b99ae606ba4d2fdd84426d0c55413dc14c471fc21cf42aab189a5670af61/userdata/hostname /etc/hostname rw,relatime - ext4 /dev/vda rw,discard,resv_strict,resuid=65534,resgid=65534\n"
		  "82 75 0:46 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime - tmpfs tmpfs rw,mode=755\n"
		  "86 82 0:32 /libpod_parent/libpod-3c63b99ae606ba4d2fdd84426d0c55413dc14c471fc21cf42aab189a5670af61 /sys/fs/cgroup/memory ro,nosuid,nodev,noexec,relatime - cgroup cgroup rw,memory\n"
		  "91 82 0:37 /libpod_parent/libpod-3c63b99ae606ba4d2fdd84426d0c55413dc14c471fc21cf42aab189a5670af61 /sys/fs/cgroup/systemd ro,nosuid,nodev,noexec,relatime - cgroup cgroup rw,name=systemd\n",
		  "3c63b99ae606ba4d2fdd84426d0c55413dc14c471fc21cf42aab189a5670af61" },
		{ "Podman 4.3 overlay, cgroup v1: the root's upperdir names a layer, not the container",
		  "78 52 0:41 / / rw,relatime - overlay overlay rw,lowerdir=/tmp/pmx.dzMj/ov/root/overlay/l/OLEV75ROUFDLY3CM6HWHK7JSKT,"
		  "upperdir=/tmp/pmx.dzMj/ov/root/overlay/ba48a6399b9f5978b8fe6fdcdb073f1939945cf8069736261e9f870e291371fc/diff,"
		  "workdir=/tmp/pmx.dzMj/ov/root/overlay/ba48a6399b9f5978b8fe6fdcdb073f1939945cf8069736261e9f870e291371fc/work,uuid=on,fsync=volatile\n"
		  "85 78 254:0 /tmp/pmx.dzMj/ov/run/overlay-containers/a9d613599c91898aac1c7a94b9733b2c1dcc92753f19eb314a5a971a6d8e58cd/userdata/hostname /etc/hostname rw,relatime - ext4 /dev/vda rw,discard,resv_strict,resuid=65534,resgid=65534\n"
		  "86 78 254:0 /tmp/pmx.dzMj/ov/run/overlay-containers/a9d613599c91898aac1c7a94b9733b2c1dcc92753f19eb314a5a971a6d8e58cd/userdata/hosts /etc/hosts rw,relatime - ext4 /dev/vda rw\n"
		  "88 81 0:48 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime - tmpfs tmpfs rw,mode=755\n"
		  "92 88 0:32 /libpod_parent/libpod-a9d613599c91898aac1c7a94b9733b2c1dcc92753f19eb314a5a971a6d8e58cd /sys/fs/cgroup/memory ro,nosuid,nodev,noexec,relatime - cgroup cgroup rw,memory\n",
		  "a9d613599c91898aac1c7a94b9733b2c1dcc92753f19eb314a5a971a6d8e58cd" },
		{ "Podman 4.3 vfs, cgroup v1, --cgroupns private: cgroup roots are \"/\"",
		  "81 72 254:0 /tmp/swpm.8n02w_2h/run/vfs-containers/5a0f44e1792f00862b645f5a51501a2db09b90c631a811f9cf2dcc4ca82cadf5/userdata/hostname /etc/hostname rw,relatime - ext4 /dev/vda rw\n"
		  "82 75 0:46 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime - tmpfs tmpfs rw,mode=755\n"
		  "86 82 0:32 / /sys/fs/cgroup/memory ro,nosuid,nodev,noexec,relatime - cgroup cgroup rw,memory\n"
		  "91 82 0:37 / /sys/fs/cgroup/systemd ro,nosuid,nodev,noexec,relatime - cgroup systemd rw,name=systemd\n",
		  "5a0f44e1792f00862b645f5a51501a2db09b90c631a811f9cf2dcc4ca82cadf5" },
		{ "dockerd, cgroup v2, private cgroupns (the v2 default): one cgroup2 mount, root \"/\"",
		  "690 680 0:27 / /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime - cgroup2 cgroup rw,nsdelegate,memory_recursiveprot\n"
		  "712 680 254:1 /var/lib/docker/containers/857f7fc3ac2b83ef5b2605f94859655c6a863559ad108486961add37fe0ab1f9/hostname /etc/hostname rw,relatime - ext4 /dev/vda1 rw\n",
		  "857f7fc3ac2b83ef5b2605f94859655c6a863559ad108486961add37fe0ab1f9" },
		{ "dockerd, cgroup v2, cgroupns host, systemd driver",
		  "690 680 0:27 /system.slice/docker-857f7fc3ac2b83ef5b2605f94859655c6a863559ad108486961add37fe0ab1f9.scope /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime - cgroup2 cgroup rw\n"
		  "712 680 254:1 /var/lib/docker/containers/857f7fc3ac2b83ef5b2605f94859655c6a863559ad108486961add37fe0ab1f9/hostname /etc/hostname rw,relatime - ext4 /dev/vda1 rw\n",
		  "857f7fc3ac2b83ef5b2605f94859655c6a863559ad108486961add37fe0ab1f9" },
		{ "Podman, cgroup v2, cgroupns host, systemd and cgroupfs managers",
		  "690 680 0:27 /machine.slice/libpod-a9d613599c91898aac1c7a94b9733b2c1dcc92753f19eb314a5a971a6d8e58cd.scope /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime - cgroup2 cgroup rw\n"
		  "691 680 0:27 /libpod_parent/libpod-a9d613599c91898aac1c7a94b9733b2c1dcc92753f19eb314a5a971a6d8e58cd /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime - cgroup2 cgroup rw\n"
		  "712 680 254:1 /run/containers/storage/overlay-containers/a9d613599c91898aac1c7a94b9733b2c1dcc92753f19eb314a5a971a6d8e58cd/userdata/hostname /etc/hostname rw,relatime - ext4 /dev/vda1 rw\n",
		  "a9d613599c91898aac1c7a94b9733b2c1dcc92753f19eb314a5a971a6d8e58cd" },
		{ "cgroup mounts alone, v1 and v2: no ID from a cgroup path",
		  "78 77 0:29 /docker/857f7fc3ac2b83ef5b2605f94859655c6a863559ad108486961add37fe0ab1f9 /sys/fs/cgroup/cpu ro,nosuid,nodev,noexec,relatime - cgroup cgroup rw,cpu\n"
		  "83 82 0:29 /libpod_parent/libpod-3c63b99ae606ba4d2fdd84426d0c55413dc14c471fc21cf42aab189a5670af61 /sys/fs/cgroup/cpu ro,nosuid,nodev,noexec,relatime - cgroup cgroup rw,cpu\n"
		  "690 680 0:27 /system.slice/docker-857f7fc3ac2b83ef5b2605f94859655c6a863559ad108486961add37fe0ab1f9.scope /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime - cgroup2 cgroup rw\n"
		  "691 680 0:27 / /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime - cgroup2 cgroup rw,nsdelegate\n",
		  "" },
		{ "a cgroup parent shaped like storage (--cgroup-parent /containers/<other>/) comes first: "
		  "the hostname mount still decides",
		  "86 82 0:32 /containers/f00dfeedf00dfeedf00dfeedf00dfeedf00dfeedf00dfeedf00dfeedf00dfeed/libpod-3c63b99ae606ba4d2fdd84426d0c55413dc14c471fc21cf42aab189a5670af61 /sys/fs/cgroup/memory ro,nosuid,nodev,noexec,relatime - cgroup cgroup rw,memory\n"
		  "690 680 0:27 /var/lib/docker/containers/f00dfeedf00dfeedf00dfeedf00dfeedf00dfeedf00dfeedf00dfeedf00dfeed/x /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime - cgroup2 cgroup rw\n"
		  "81 72 254:0 /tmp/swpm.8n02w_2h/run/vfs-containers/3c63b99ae606ba4d2fdd84426d0c55413dc14c471fc21cf42aab189a5670af61/userdata/hostname /etc/hostname rw,relatime - ext4 /dev/vda rw\n",
		  "3c63b99ae606ba4d2fdd84426d0c55413dc14c471fc21cf42aab189a5670af61" },
	};
	for (size_t i = 0; i < sizeof(whole) / sizeof(*whole); i++) {
		daemon_self_id_from(whole[i].text, strlen(whole[i].text), id);
		CHECK(strcmp(id, whole[i].id) == 0, "mountinfo (%s): \"%s\", want \"%s\"", whole[i].what,
		      id, whole[i].id);
	}

	/* On the host, another container's shareable IPC mount names its ID. */
	const char host[] =
		"30 1 0:5 / /dev rw - devtmpfs udev rw\n"
		"700 30 0:60 / /var/lib/docker/containers/"
		"fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210/mounts/shm "
		"rw,nosuid - tmpfs shm rw\n";
	daemon_self_id_from(host, sizeof(host) - 1, id);
	CHECK(id[0] == '\0', "another container's shm mount is not ours: %s", id);
	config_free(&cfg);
}

/* Local volumes of a disk or overlay type mount the host's files. */
static void test_host_filesystem_volumes(void)
{
	static const struct {
		const char *target, *body;
		int denied;
	} cases[] = {
		{ "/volumes/create", "{\"Name\":\"v\",\"DriverOpts\":{\"type\":\"ext4\",\"device\":\"/dev/sda1\"}}", 1 },
		{ "/volumes/create", "{\"Name\":\"v\",\"Driver\":\"local\",\"DriverOpts\":{\"type\":\"overlay\","
				     "\"o\":\"lowerdir=/var/run,upperdir=/tmp/u,workdir=/tmp/w\",\"device\":\"overlay\"}}", 1 },
		{ "/volumes/create", "{\"name\":\"v\",\"driveropts\":{\"type\":\"xfs\",\"device\":\"/dev/vda\"}}", 1 },
		{ "/volumes/create", "{\"Name\":\"v\",\"DriverOpts\":{\"type\":\"TMPFS\",\"device\":\"tmpfs\"}}", 1 },
		{ "/volumes/create", "{\"Name\":\"v\",\"DriverOpts\":{\"type\":\"tmpfs\",\"device\":\"tmpfs\",\"o\":\"size=1m\"}}", 0 },
		{ "/volumes/create", "{\"Name\":\"v\",\"DriverOpts\":{\"type\":\"nfs\",\"o\":\"addr=10.0.0.1\",\"device\":\":/export\"}}", 0 },
		{ "/volumes/create", "{\"Name\":\"v\",\"DriverOpts\":{\"Type\":\"ext4\",\"device\":\"/dev/sda1\"}}", 0 },
		{ "/volumes/create", "{\"Name\":\"v\",\"Driver\":\"other\",\"DriverOpts\":{\"type\":\"ext4\"}}", 0 },
		{ "/volumes/create", "{\"Name\":\"v\"}", 0 },
		{ "/containers/create", "{\"Image\":\"bb\",\"HostConfig\":{\"Mounts\":[{\"Type\":\"volume\",\"Target\":\"/x\","
					"\"VolumeOptions\":{\"DriverConfig\":{\"Name\":\"local\",\"Options\":{\"type\":\"btrfs\","
					"\"device\":\"/dev/sdb\"}}}}]}}", 1 },
		{ "/containers/create", "{\"Image\":\"bb\",\"HostConfig\":{\"Mounts\":[{\"Type\":\"volume\",\"Target\":\"/x\","
					"\"VolumeOptions\":{\"DriverConfig\":{\"Options\":{\"type\":\"tmpfs\","
					"\"device\":\"tmpfs\"}}}}]}}", 0 },
	};
	static struct config on, off;
	char *env_on[] = { NULL };
	char *env_off[] = { "DKRPRX__DISABLE_DEFAULTS=true", NULL };
	load(&on, env_on);
	load(&off, env_off);
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct route_match m;
		struct body_facts facts;
		struct filter_refs refs;
		struct verdict v;
		const char *why = NULL;
		char scratch[1024];
		size_t len = strlen(cases[i].body);
		resolve("POST", cases[i].target, &m);
		memset(&facts, 0, sizeof(facts));
		int rc = inspect_body(m.def->action, cases[i].body, len, scratch, sizeof(scratch),
				      &facts, &why);
		CHECK(rc == 0, "%s: inspected: %s", cases[i].body, why);
		enum decision d = filter_judge(&on.policy.filters, &on.policy.acl, &m, &facts, &refs, &v);
		CHECK((d == DECISION_DENY) == cases[i].denied, "%s: %s %s", cases[i].body,
		      d == DECISION_DENY ? "denied" : "allowed", v.message);
		if (cases[i].denied)
			CHECK(strcmp(v.rule, "default:host-filesystem") == 0 &&
				      strstr(v.message, "mounts a host filesystem"),
			      "%s: rule %s", cases[i].body, v.rule);
		CHECK(filter_judge(&off.policy.filters, &off.policy.acl, &m, &facts, &refs, &v) == DECISION_ALLOW,
		      "%s: DKRPRX__DISABLE_DEFAULTS lifts it", cases[i].body);
	}

	/* A volume made elsewhere, named in a create: dockerd's answer decides. */
	struct ref_answer a;
	const char ext4[] = "HTTP/1.0 200 OK\r\n\r\n{\"Name\":\"disk\",\"Driver\":\"local\","
			    "\"Options\":{\"device\":\"/dev/sda1\",\"type\":\"ext4\"}}";
	CHECK(daemon_parse_answer(REF_VOLUME, ext4, sizeof(ext4) - 1, &a) == 0 &&
		      a.found && filter_answer_holds_socket(&on.policy.filters, &a) && !a.device[0],
	      "an ext4 volume holds the host's files");
	const char tmpfs[] = "HTTP/1.0 200 OK\r\n\r\n{\"Name\":\"mem\",\"Driver\":\"local\","
			     "\"Options\":{\"device\":\"tmpfs\",\"type\":\"tmpfs\"}}";
	CHECK(daemon_parse_answer(REF_VOLUME, tmpfs, sizeof(tmpfs) - 1, &a) == 0 &&
		      a.found && !filter_answer_holds_socket(&on.policy.filters, &a),
	      "a tmpfs volume does not");
	struct filter_refs refs = { .n = 1 };
	struct verdict v;
	refs.refs[0].kind = REF_VOLUME;
	refs.refs[0].parent = REF_NO_PARENT;
	strcpy(refs.refs[0].ref, "disk");
	CHECK(daemon_parse_answer(REF_VOLUME, ext4, sizeof(ext4) - 1, &a) == 0 &&
		      filter_judge_refs(&on.policy.filters, &on.policy.acl, "", &refs, &a, &v) == DECISION_DENY &&
		      strcmp(v.rule, "default:host-filesystem") == 0,
	      "naming it in a create is denied: %s", v.message);
	CHECK(filter_judge_refs(&off.policy.filters, &off.policy.acl, "", &refs, &a, &v) == DECISION_ALLOW,
	      "unless the defaults are off");
	config_free(&on);
	config_free(&off);
}

/* Root-equivalent paths beyond the socket; /sys only when writable. */
static void test_root_paths(void)
{
	static const struct {
		struct str path;
		bool read_only;
		int denied;
	} cases[] = {
		{ S("/run/containerd"), false, 1 },
		{ S("/run/containerd"), true, 1 }, /* a socket connects through :ro */
		{ S("/var/run/containerd/containerd.sock"), true, 1 },
		{ S("/var/run/docker"), false, 1 },
		{ S("/run/docker/plugins"), false, 1 },
		{ S("/var/lib/docker"), true, 1 },
		{ S("/var/lib/docker/volumes/x/_data"), false, 1 },
		{ S("/var/lib"), false, 1 },
		{ S("/var/lib/containerd"), false, 1 },
		{ S("/sys"), false, 1 },
		{ S("/sys/fs/cgroup"), false, 1 },
		{ S("/sys"), true, 0 },
		{ S("/sys/kernel"), true, 0 },
		{ S("/srv/sw.sock"), true, 1 },  /* a unix listener of ours */
		{ S("/srv"), false, 1 },
		{ S("/var/lib/dockerx"), false, 0 },
		{ S("/system"), false, 0 },
		{ S("/var/lib/postgres"), false, 0 },
		/* Podman: rootful socket and state, rootless sockets of any uid */
		{ S("/run/podman"), true, 1 },
		{ S("/var/run/podman/podman.sock"), true, 1 },
		{ S("/var/lib/containers/storage"), false, 1 },
		{ S("/run/containers"), false, 1 },
		{ S("/run/user"), true, 1 },
		{ S("/run/user/1000"), true, 1 },
		{ S("/run/user/1000/podman"), true, 1 },
		{ S("/run/user/0/podman/podman.sock"), false, 1 },
		{ S("/var/run/user/1000/podman/podman.sock"), true, 1 },
		{ S("/run/user/1000/pulse"), false, 0 },
		{ S("/run/user/1000/podmanx"), false, 0 },
		{ S("/run/user/abc/podman"), false, 0 },
		{ S("/run/username"), false, 0 },
	};
	struct config cfg;
	char *env[] = { "SOCKWALL_LISTEN=unix:///srv/sw.sock", NULL };
	load(&cfg, env);
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct body_facts b = { 0 };
		struct filter_refs refs;
		struct verdict v;
		add_path(&b, cases[i].path, PATH_FROM_BINDS);
		b.paths[0].read_only = cases[i].read_only;
		enum decision d = judge(&cfg, "POST", "/containers/create", &b, &refs, &v);
		CHECK((d == DECISION_DENY) == cases[i].denied, "path %s%s: %s", cases[i].path.p,
		      cases[i].read_only ? ":ro" : "", v.message);
		if (d == DECISION_DENY)
			CHECK(strstr(v.message, "DKRPRX__VOLUMES__ALLOWED_PATHS=^") != NULL,
			      "message names the setting: %s", v.message);
	}
	/* the operator's allow list lifts it for what it names */
	config_free(&cfg);
	char *env2[] = { "DKRPRX__VOLUMES__ALLOWED_PATHS=^/sys$", NULL };
	load(&cfg, env2);
	struct body_facts b = { 0 };
	struct filter_refs refs;
	struct verdict v;
	add_path(&b, S("/sys"), PATH_FROM_MOUNT);
	CHECK(judge(&cfg, "POST", "/containers/create", &b, &refs, &v) == DECISION_ALLOW,
	      "allowed /sys: %s", v.message);
	config_free(&cfg);
}

/* HARDENED: whole SecurityOpt values, dockerd's default system paths. */
static void test_hardened_options(void)
{
	static const struct {
		const char *opt;
		int denied;
	} cases[] = {
		{ "no-new-privileges", 0 },
		{ "no-new-privileges=true", 0 },
		{ "no-new-privileges:1", 0 },
		{ "no-new-privileges=false", 0 },
		{ "no-new-privileges=yes", 1 },
		{ "no-new-privileges-x", 1 },
		{ "seccomp=unconfined", 1 },
		{ "seccomp=/etc/profile.json", 1 },
		{ "apparmor=docker-default", 1 },
		{ "label=type:spc_t", 1 },
		{ "label=disable", 1 },
		{ "systempaths=unconfined", 1 },
		{ "", 1 },
	};
	struct config cfg;
	char *env[] = { "DKRPRX__CONTAINERS__HARDENED=1", NULL };
	load(&cfg, env);
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct body_facts b = { 0 };
		struct filter_refs refs;
		struct verdict v;
		b.security_opt[0] = (struct str){ cases[i].opt, strlen(cases[i].opt) };
		b.n_security_opt = 1;
		enum decision d = judge(&cfg, "POST", "/containers/create", &b, &refs, &v);
		CHECK((d == DECISION_DENY) == cases[i].denied, "SecurityOpt %s: %s", cases[i].opt,
		      v.message);
	}
	/* an inline seccomp profile of any length (the CLI reads the file) */
	static char profile[8192];
	memset(profile, ' ', sizeof(profile) - 1);
	memcpy(profile, "seccomp={\"defaultAction\":\"SCMP_ACT_ALLOW\"}", 42);
	struct body_facts b = { 0 };
	struct filter_refs refs;
	struct verdict v;
	b.security_opt[0] = (struct str){ profile, sizeof(profile) - 1 };
	b.n_security_opt = 1;
	CHECK(judge(&cfg, "POST", "/containers/create", &b, &refs, &v) == DECISION_DENY &&
		      strstr(v.message, "SecurityOpt") != NULL,
	      "long inline seccomp profile: %s", v.message);
	memset(&b, 0, sizeof(b));
	b.cgroupns_mode = S("host");
	b.ipc_mode = S("shareable");
	b.network_mode = S("default");
	CHECK(judge(&cfg, "POST", "/containers/create", &b, &refs, &v) == DECISION_ALLOW,
	      "dockerd's defaults as inspect shows them: %s", v.message);
	b.n_masked_paths_set = 1;
	CHECK(judge(&cfg, "POST", "/containers/create", &b, &refs, &v) == DECISION_DENY,
	      "MaskedPaths without a default");
	config_free(&cfg);
}

/* A container shared by container:<ref> or VolumesFrom holds what it holds. */
static void test_shared_powers(void)
{
	static const struct {
		const char *env;
		struct ctr_powers p;
		const char *rule; /* NULL: allowed */
	} cases[] = {
		{ "DKRPRX__CONTAINERS__HARDENED=1", { .host_pid = true }, "DKRPRX__CONTAINERS__HARDENED" },
		{ "DKRPRX__CONTAINERS__HARDENED=1", { .cap_add = true }, "DKRPRX__CONTAINERS__HARDENED" },
		{ "DKRPRX__CONTAINERS__HARDENED=1", { .devices = true }, "DKRPRX__CONTAINERS__HARDENED" },
		{ "DKRPRX__CONTAINERS__HARDENED=1", { .privileged = true }, "DKRPRX__CONTAINERS__HARDENED" },
		{ "DKRPRX__CONTAINERS__HARDENED=1", { .host_net = true }, "DKRPRX__CONTAINERS__DENY_HOST_NETWORK" },
		{ "DKRPRX__CONTAINERS__HARDENED=1", { 0 }, NULL },
		{ "DKRPRX__CONTAINERS__DENY_PRIVILEGED=1", { .privileged = true }, "DKRPRX__CONTAINERS__DENY_PRIVILEGED" },
		{ "DKRPRX__CONTAINERS__DENY_PRIVILEGED=1", { .host_pid = true }, NULL },
		{ "DKRPRX__CONTAINERS__DENY_HOST_NETWORK=1", { .host_net = true }, "DKRPRX__CONTAINERS__DENY_HOST_NETWORK" },
		{ "LOG_LEVEL=info", { .privileged = true, .host_pid = true }, NULL },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct config cfg;
		char *env[] = { (char *)cases[i].env, "DKRPRX__DISABLE_DEFAULTS=true", NULL };
		struct body_facts b = { 0 };
		struct filter_refs refs;
		struct verdict v;
		struct ref_answer answers[FILTER_MAX_REFS] = { 0 };
		load(&cfg, env);
		b.pid_mode = S("container:other");
		CHECK(judge(&cfg, "POST", "/containers/create", &b, &refs, &v) == DECISION_ALLOW,
		      "[%s] create", cases[i].env);
		bool asked = refs.n == 1 && refs.refs[0].kind == REF_SHARE;
		CHECK(asked == (strcmp(cases[i].env, "LOG_LEVEL=info") != 0),
		      "[%s] the shared container is asked about: %zu refs", cases[i].env, refs.n);
		answers[0] = (struct ref_answer){ .found = true, .id = "9", .name = "other",
						  .powers = cases[i].p };
		enum decision d = filter_judge_refs(&cfg.policy.filters, &cfg.policy.acl, "", &refs,
						    answers, &v);
		CHECK((d == DECISION_DENY) == (cases[i].rule != NULL) &&
			      (!cases[i].rule || strstr(v.message, cases[i].rule) != NULL),
		      "[%s] case %zu: %s", cases[i].env, i, v.message);
		config_free(&cfg);
	}
}

/* References are asked about as given or refused: never shortened. */
static void test_long_refs(void)
{
	struct config cfg;
	char *env[] = { NULL };
	char target[400], mode[300];
	struct body_facts b = { 0 };
	struct filter_refs refs;
	struct verdict v;
	load(&cfg, env);
	memset(mode, 0, sizeof(mode));
	memcpy(mode, "container:", 10);
	memset(mode + 10, 'a', 200);
	b.network_mode = (struct str){ mode, strlen(mode) };
	CHECK(judge(&cfg, "POST", "/containers/create", &b, &refs, &v) == DECISION_DENY &&
		      v.status == 400 && strstr(v.message, "too long"),
	      "long container:<ref>: %s", v.message);
	memset(&b, 0, sizeof(b));
	b.volumes_from[0] = (struct str){ mode + 10, 127 };
	b.n_volumes_from = 1;
	CHECK(judge(&cfg, "POST", "/containers/create", &b, &refs, &v) == DECISION_ALLOW &&
		      refs.n == 1 && strlen(refs.refs[0].ref) == 127,
	      "127 bytes fit whole");
	b.volumes_from[0].len = 128;
	CHECK(judge(&cfg, "POST", "/containers/create", &b, &refs, &v) == DECISION_DENY &&
		      v.status == 400,
	      "128 bytes do not");
	snprintf(target, sizeof(target), "/containers/%.200s/stop", mode + 10);
	memset(&b, 0, sizeof(b));
	CHECK(judge(&cfg, "POST", target, &b, &refs, &v) == DECISION_DENY && v.status == 400,
	      "long name in the path");
	b.container = (struct str){ mode + 10, 200 };
	CHECK(judge(&cfg, "POST", "/networks/n/connect", &b, &refs, &v) == DECISION_DENY &&
		      v.status == 400,
	      "long container to connect");
	snprintf(target, sizeof(target), "/volumes/%.200s", mode + 10);
	CHECK(judge(&cfg, "DELETE", target, &b, &refs, &v) == DECISION_DENY && v.status == 400,
	      "long volume name to delete");
	config_free(&cfg);
}

/* The proxy's container on every route that names one, and its image. */
static void test_proxy_routes(void)
{
	struct config cfg;
	char *env[] = { NULL };
	struct body_facts b = { 0 };
	struct filter_refs refs;
	struct verdict v;
	struct ref_answer answers[FILTER_MAX_REFS] = { 0 };
	static const char *const targets[] = {
		"/commit?container=docker-proxy", "/containers/docker-proxy/resize?h=1&w=1",
		"/containers/docker-proxy/checkpoints",
	};
	load(&cfg, env);
	for (size_t i = 0; i < sizeof(targets) / sizeof(*targets); i++) {
		CHECK(judge(&cfg, "POST", targets[i], &b, &refs, &v) == DECISION_ALLOW &&
			      refs.n >= 1 && refs.refs[0].kind == REF_TARGET &&
			      strcmp(refs.refs[0].ref, "docker-proxy") == 0,
		      "%s names its container", targets[i]);
		answers[0] = (struct ref_answer){ .found = true, .id = "1", .name = "docker-proxy" };
		CHECK(filter_judge_refs(&cfg.policy.filters, &cfg.policy.acl, "", &refs, answers,
					&v) == DECISION_DENY,
		      "%s refused", targets[i]);
	}
	b.container = S("/docker-proxy");
	CHECK(judge(&cfg, "POST", "/networks/n/connect", &b, &refs, &v) == DECISION_ALLOW &&
		      refs.n == 1 && strcmp(refs.refs[0].ref, "docker-proxy") == 0,
	      "network connect names the container");

	/* Tagging onto the image the proxy's container runs. */
	memset(&b, 0, sizeof(b));
	CHECK(judge(&cfg, "POST", "/images/evil/tag?repo=bb&tag=latest", &b, &refs, &v) ==
			      DECISION_ALLOW &&
		      refs.n == 1 && refs.refs[0].kind == REF_PROXY_IMAGE && refs.n_dests == 1 &&
		      strcmp(refs.image_dests[0], "docker.io/library/bb:latest") == 0,
	      "tag asks for the proxy's image: %zu %s", refs.n_dests, refs.image_dests[0]);
	answers[0] = (struct ref_answer){ .found = true, .id = "1", .name = "docker-proxy",
					  .image = "bb" };
	CHECK(filter_judge_refs(&cfg.policy.filters, &cfg.policy.acl, "", &refs, answers, &v) ==
			      DECISION_DENY &&
		      strstr(v.message, "proxy's own image"),
	      "tag onto the proxy's image: %s", v.message);
	snprintf(answers[0].image, sizeof(answers[0].image), "bb:1.0");
	CHECK(filter_judge_refs(&cfg.policy.filters, &cfg.policy.acl, "", &refs, answers, &v) ==
		      DECISION_ALLOW,
	      "another tag of the same repository");
	CHECK(judge(&cfg, "POST", "/build?t=a:1&t=docker.io/library/bb", &b, &refs, &v) ==
			      DECISION_ALLOW &&
		      refs.n_dests == 2,
	      "build tags");
	snprintf(answers[0].image, sizeof(answers[0].image), "bb:latest");
	CHECK(filter_judge_refs(&cfg.policy.filters, &cfg.policy.acl, "", &refs, answers, &v) ==
		      DECISION_DENY,
	      "build -t onto the proxy's image");
	CHECK(judge(&cfg, "POST", "/images/create?fromImage=bb&tag=latest", &b, &refs, &v) ==
			      DECISION_ALLOW &&
		      refs.n == 0,
	      "pulling the proxy's image is an update, not a forgery");
	/* A load may name any image: refused while the proxy's container exists. */
	CHECK(judge(&cfg, "POST", "/images/load?quiet=1", &b, &refs, &v) == DECISION_ALLOW &&
		      refs.n == 1 && refs.refs[0].kind == REF_PROXY_IMAGE && refs.loads_any_name,
	      "load asks for the proxy's container");
	CHECK(filter_judge_refs(&cfg.policy.filters, &cfg.policy.acl, "", &refs, answers, &v) ==
			      DECISION_DENY &&
		      strcmp(v.rule, "ALLOW_IMAGE_LOAD") == 0,
	      "load while the proxy runs: %s", v.message);
	answers[0].found = false;
	CHECK(filter_judge_refs(&cfg.policy.filters, &cfg.policy.acl, "", &refs, answers, &v) ==
		      DECISION_ALLOW,
	      "load with no proxy container");
	cfg.policy.acl.allow_image_load = true;
	CHECK(judge(&cfg, "POST", "/images/load", &b, &refs, &v) == DECISION_ALLOW && refs.n == 0,
	      "ALLOW_IMAGE_LOAD=1");
	config_free(&cfg);
}

/* Writes into a powerful container are exec; fetches need their switch. */
static void test_archive_and_fetch(void)
{
	struct config cfg;
	char *env[] = { "CONTAINERS=1", "POST=1", "ALLOW_ARCHIVE=1", NULL };
	struct body_facts b = { 0 };
	struct filter_refs refs;
	struct verdict v;
	struct ref_answer answers[FILTER_MAX_REFS] = { 0 };
	load(&cfg, env);
	CHECK(judge(&cfg, "PUT", "/containers/c/archive?path=/", &b, &refs, &v) ==
			      DECISION_ALLOW &&
		      refs.n == 1 && refs.refs[0].writes,
	      "archive PUT writes");
	CHECK(judge(&cfg, "GET", "/containers/c/archive?path=/", &b, &refs, &v) ==
			      DECISION_ALLOW &&
		      refs.n == 1 && !refs.refs[0].writes,
	      "archive GET reads");
	judge(&cfg, "PUT", "/containers/c/archive?path=/", &b, &refs, &v);
	answers[0] = (struct ref_answer){ .found = true, .id = "1", .name = "c" };
	CHECK(filter_judge_refs(&cfg.policy.filters, &cfg.policy.acl, "", &refs, answers, &v) ==
		      DECISION_ALLOW,
	      "plain container");
	answers[0].powers.privileged = true;
	CHECK(filter_judge_refs(&cfg.policy.filters, &cfg.policy.acl, "", &refs, answers, &v) ==
			      DECISION_DENY &&
		      strcmp(v.rule, "EXEC") == 0,
	      "privileged container");
	answers[0].powers.privileged = false;
	snprintf(answers[0].binds, sizeof(answers[0].binds), "/var/run/docker.sock");
	answers[0].n_binds = 1;
	CHECK(filter_judge_refs(&cfg.policy.filters, &cfg.policy.acl, "", &refs, answers, &v) ==
		      DECISION_DENY,
	      "socket holder");
	cfg.policy.acl.section[SEC_EXEC] = true;
	CHECK(filter_judge_refs(&cfg.policy.filters, &cfg.policy.acl, "", &refs, answers, &v) ==
		      DECISION_ALLOW,
	      "EXEC=1 too");

	CHECK(judge(&cfg, "POST", "/build?remote=http://127.0.0.1/x.tar", &b, &refs, &v) ==
			      DECISION_DENY &&
		      strcmp(v.rule, "ALLOW_URL_FETCH") == 0,
	      "build remote");
	CHECK(judge(&cfg, "POST", "/images/create?fromSrc=http://10.0.0.1/x&repo=a", &b, &refs,
		    &v) == DECISION_DENY,
	      "import from a URL");
	CHECK(judge(&cfg, "POST", "/images/create?fromSrc=-&repo=a", &b, &refs, &v) ==
		      DECISION_ALLOW,
	      "import from the body");
	cfg.policy.acl.allow_url_fetch = true;
	CHECK(judge(&cfg, "POST", "/build?remote=http://127.0.0.1/x.tar", &b, &refs, &v) ==
		      DECISION_ALLOW,
	      "ALLOW_URL_FETCH=1");
	config_free(&cfg);

	char *env2[] = { "DKRPRX__CONTAINERS__DENY_HOST_NETWORK=1", NULL };
	load(&cfg, env2);
	CHECK(judge(&cfg, "POST", "/build?networkmode=host", &b, &refs, &v) == DECISION_DENY,
	      "build networkmode=host");
	CHECK(judge(&cfg, "POST", "/build?networkmode=container:docker-proxy", &b, &refs, &v) ==
			      DECISION_ALLOW &&
		      refs.n == 1 && refs.refs[0].kind == REF_SHARE,
	      "build networkmode=container: is looked up");
	CHECK(judge(&cfg, "POST", "/build?networkmode=bridge", &b, &refs, &v) == DECISION_ALLOW,
	      "build networkmode=bridge");
	config_free(&cfg);
}

/* Service specs: networks, privileges, secrets and configs. */
static void test_services(void)
{
	struct config cfg;
	char *env[] = { "SERVICES=1", "POST=1", "DKRPRX__CONTAINERS__HARDENED=1", NULL };
	struct body_facts b = { 0 };
	struct filter_refs refs;
	struct verdict v;
	load(&cfg, env);
	CHECK(judge(&cfg, "POST", "/services/create", &b, &refs, &v) == DECISION_ALLOW, "plain");
	b.networks[0] = S("host");
	b.n_networks = 1;
	CHECK(judge(&cfg, "POST", "/services/create", &b, &refs, &v) == DECISION_DENY &&
		      strstr(v.message, "DENY_HOST_NETWORK"),
	      "host network: %s", v.message);
	b.networks[0] = S("3f5a");
	CHECK(judge(&cfg, "POST", "/services/x/update", &b, &refs, &v) == DECISION_ALLOW &&
		      refs.n == 1 && refs.refs[0].kind == REF_NET_JOIN,
	      "a network by ID is asked about");
	struct ref_answer answers[FILTER_MAX_REFS] = { 0 };
	answers[0] = (struct ref_answer){ .found = true, .id = "3f5a", .name = "host",
					  .host_network = true };
	CHECK(filter_judge_refs(&cfg.policy.filters, &cfg.policy.acl, "", &refs, answers, &v) ==
		      DECISION_DENY,
	      "it is the host's");
	memset(&b, 0, sizeof(b));
	b.privileges.seccomp_mode = S("unconfined");
	CHECK(judge(&cfg, "POST", "/services/create", &b, &refs, &v) == DECISION_DENY, "seccomp");
	b.privileges.seccomp_mode = S("default");
	CHECK(judge(&cfg, "POST", "/services/create", &b, &refs, &v) == DECISION_ALLOW,
	      "seccomp default");
	b.privileges.selinux_type = S("spc_t");
	CHECK(judge(&cfg, "POST", "/services/create", &b, &refs, &v) == DECISION_DENY, "selinux");
	memset(&b, 0, sizeof(b));
	b.n_secrets = 1;
	CHECK(judge(&cfg, "POST", "/services/create", &b, &refs, &v) == DECISION_DENY &&
		      strcmp(v.rule, "SECRETS") == 0,
	      "secrets without SECRETS=1");
	cfg.policy.acl.section[SEC_SECRETS] = true;
	CHECK(judge(&cfg, "POST", "/services/create", &b, &refs, &v) == DECISION_ALLOW,
	      "secrets with SECRETS=1");
	b.n_configs = 1;
	CHECK(judge(&cfg, "POST", "/services/create", &b, &refs, &v) == DECISION_DENY &&
		      strcmp(v.rule, "CONFIGS") == 0,
	      "configs without CONFIGS=1");
	config_free(&cfg);
}

int main(void)
{
	test_host_filesystem_volumes();
	test_socket_paths();
	test_container_filters();
	test_hardened();
	test_root_paths();
	test_hardened_options();
	test_shared_powers();
	test_long_refs();
	test_proxy_routes();
	test_archive_and_fetch();
	test_services();
	test_images();
	test_refs();
	test_query();
	test_daemon_answers();
	TEST_DONE();
}
