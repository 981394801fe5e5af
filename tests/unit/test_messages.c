/*
 * What a refused user reads: routes in the API reference's form, whole
 * names and 64-digit IDs (never cut), and for the proxy's own container
 * how sockwall knew it was its own.  Longest inputs first: every message
 * must still end with its last words (nothing cut off by the buffer).
 */
#include "../../src/config.h"
#include "../../src/filter.h"
#include "../../src/routeshow.h"
#include "test.h"

#define ID64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void test_route_show(void)
{
	static const char *const rows[][2] = {
		{ "/containers/{name:.*}/logs", "/containers/{id}/logs" },
		{ "/containers/{name:.*}", "/containers/{id}" },
		{ "/containers/{name}/checkpoints/{checkpoint}",
		  "/containers/{id}/checkpoints/{checkpoint}" },
		{ "/exec/{id:.*}/json", "/exec/{id}/json" },
		{ "/exec/{name:.*}/start", "/exec/{id}/start" },
		{ "/images/{name:.*}/json", "/images/{name}/json" },
		{ "/networks/{id:.+}", "/networks/{id}" },
		{ "/volumes/{name:.*}", "/volumes/{name}" },
		{ "/plugins/{name:.*}/set", "/plugins/{name}/set" },
		{ "/secrets/{id}/update", "/secrets/{id}/update" },
		{ "/libpod/containers/{name:.*}/start", "/libpod/containers/{id}/start" },
		{ "/_ping", "/_ping" },
		{ "", "" },
	};
	char out[ROUTE_SHOW_MAX];

	for (size_t i = 0; i < sizeof(rows) / sizeof(*rows); i++) {
		size_t n = route_show(rows[i][0], out, sizeof(out));
		CHECK(strcmp(out, rows[i][1]) == 0 && n == strlen(out), "%s -> %s", rows[i][0],
		      out);
	}
	/* every route of the table fits, with no router syntax left */
	size_t count;
	const struct route_def *t = route_table(&count);
	for (size_t i = 0; i < count; i++) {
		size_t n = route_show(t[i].pattern, out, sizeof(out));
		bool ctr = strncmp(out, "/containers/{", 13) == 0;
		CHECK(n + 1 < sizeof(out) && !strchr(out, ':') &&
			      (!ctr || strncmp(out, "/containers/{id}", 16) == 0),
		      "%s -> %s", t[i].pattern, out);
	}
	/* a buffer too small cuts visibly */
	route_show("/containers/{name:.*}/logs", out, 12);
	CHECK(strcmp(out, "/contain...") == 0, "cut: %s", out);
}

static void load(struct config *cfg, char **env)
{
	char err[1024];
	CHECK(config_load(cfg, env, err, sizeof(err)) == 0, "config: %s", err);
}

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);
	return n >= t && strcmp(s + n - t, tail) == 0;
}

static enum decision stop(const struct config *cfg, const char *ref, const char *self_id,
			  const struct ref_answer *answer, struct verdict *v)
{
	struct filter_refs refs = { .n = 1 };
	struct ref_answer answers[FILTER_MAX_REFS] = { 0 };

	refs.refs[0].kind = REF_TARGET;
	refs.refs[0].parent = REF_NO_PARENT;
	snprintf(refs.refs[0].ref, sizeof(refs.refs[0].ref), "%s", ref);
	answers[0] = *answer;
	return filter_judge_refs(&cfg->policy.filters, &cfg->policy.acl, self_id, &refs, answers,
				 v);
}

static void test_proxy_container(void)
{
	struct config cfg;
	char *env[] = { NULL };
	char longname[FILTER_NAME_MAX];
	struct ref_answer a = { .found = true, .id = ID64 };
	struct verdict v;

	load(&cfg, env);
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';

	/* by name */
	snprintf(a.name, sizeof(a.name), "docker-proxy");
	CHECK(stop(&cfg, "docker-proxy", "", &a, &v) == DECISION_DENY &&
		      strstr(v.message, "its name is PROXY_CONTAINER_NAME=docker-proxy") &&
		      !strstr(v.message, "mountinfo"),
	      "by name: %s", v.message);

	/* by the ID from mountinfo: another name, the whole ID, no PROXY_CONTAINER_NAME */
	snprintf(a.name, sizeof(a.name), "edge");
	CHECK(stop(&cfg, ID64, ID64, &a, &v) == DECISION_DENY &&
		      strstr(v.message, "ID " ID64 ", which sockwall found in its own "
					"/proc/self/mountinfo") &&
		      !strstr(v.message, "PROXY_CONTAINER_NAME"),
	      "by ID: %s", v.message);
	/* an ID prefix as given, whole; a 127-byte name, whole; the end still there */
	CHECK(stop(&cfg, "0123", ID64, &a, &v) == DECISION_DENY &&
		      strstr(v.message, "'0123' is the proxy's own container (ID " ID64),
	      "prefix: %s", v.message);
	CHECK(stop(&cfg, longname, ID64, &a, &v) == DECISION_DENY &&
		      strstr(v.message, longname) && strstr(v.message, ID64) &&
		      ends_with(v.message, "(DKRPRX__DISABLE_DEFAULTS=true lifts this)"),
	      "long name by ID: %s", v.message);
	snprintf(a.name, sizeof(a.name), "%s", longname);
	CHECK(stop(&cfg, longname, "", &a, &v) == DECISION_ALLOW, "another long name");

	/* a container that is not the proxy: none of this */
	snprintf(a.name, sizeof(a.name), "web");
	CHECK(stop(&cfg, "web", "fedcba", &a, &v) == DECISION_ALLOW, "web");
	config_free(&cfg);

	/* PROXY_CONTAINER_NAME of the operator's, long: named whole */
	char setting[16 + FILTER_NAME_MAX + 8];
	snprintf(setting, sizeof(setting), "PROXY_CONTAINER_NAME=%s", longname);
	char *env2[] = { setting, NULL };
	load(&cfg, env2);
	snprintf(a.name, sizeof(a.name), "%s", longname);
	CHECK(stop(&cfg, longname, "", &a, &v) == DECISION_DENY && strstr(v.message, setting) &&
		      ends_with(v.message, "lifts this)"),
	      "long PROXY_CONTAINER_NAME: %s", v.message);
	config_free(&cfg);
}

/* The other references a request makes, at their longest. */
static void test_long_refs_whole(void)
{
	struct config cfg;
	char *env[] = { "DKRPRX__CONTAINERS__HARDENED=true", NULL };
	char longname[FILTER_NAME_MAX], longimage[IMAGEREF_MAX];
	struct filter_refs refs = { .n = 1 };
	struct ref_answer answers[FILTER_MAX_REFS] = { 0 };
	struct verdict v;

	load(&cfg, env);
	memset(longname, 'r', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	memset(longimage, 'i', sizeof(longimage) - 1);
	longimage[sizeof(longimage) - 1] = '\0';

	/* sharing a container that holds the socket */
	refs.refs[0] = (struct container_ref){ .kind = REF_SHARE, .parent = REF_NO_PARENT };
	snprintf(refs.refs[0].ref, sizeof(refs.refs[0].ref), "%s", longname);
	answers[0] = (struct ref_answer){ .found = true, .id = ID64, .name = "other",
					  .binds = "/var/run/docker.sock", .n_binds = 1 };
	CHECK(filter_judge_refs(&cfg.policy.filters, &cfg.policy.acl, "", &refs, answers, &v) ==
			      DECISION_DENY &&
		      strstr(v.message, longname) && ends_with(v.message, "lifts this)"),
	      "share: %s", v.message);
	/* sharing a privileged one, under HARDENED */
	answers[0].n_binds = 0;
	answers[0].powers.privileged = true;
	CHECK(filter_judge_refs(&cfg.policy.filters, &cfg.policy.acl, "", &refs, answers, &v) ==
			      DECISION_DENY &&
		      strstr(v.message, longname) &&
		      ends_with(v.message, "DKRPRX__CONTAINERS__HARDENED"),
	      "share privileged: %s", v.message);
	answers[0].powers.privileged = false;
	answers[0].powers.host_pid = true;
	CHECK(filter_judge_refs(&cfg.policy.filters, &cfg.policy.acl, "", &refs, answers, &v) ==
			      DECISION_DENY &&
		      strstr(v.message, longname) &&
		      ends_with(v.message, "DKRPRX__CONTAINERS__HARDENED"),
	      "share host pid: %s", v.message);

	/* writing into a container that holds power */
	refs.refs[0].kind = REF_TARGET;
	refs.refs[0].writes = true;
	CHECK(filter_judge_refs(&cfg.policy.filters, &cfg.policy.acl, "", &refs, answers, &v) ==
			      DECISION_DENY &&
		      strstr(v.message, longname) && ends_with(v.message, "EXEC=1 to allow it"),
	      "write: %s", v.message);

	/* the proxy's image, written over by a load; image names are cut visibly */
	refs.refs[0] = (struct container_ref){ .kind = REF_PROXY_IMAGE, .parent = REF_NO_PARENT };
	refs.loads_any_name = true;
	answers[0] = (struct ref_answer){ .found = true, .id = ID64 };
	snprintf(answers[0].name, sizeof(answers[0].name), "%s", longname);
	snprintf(answers[0].image, sizeof(answers[0].image), "%s", longimage);
	CHECK(filter_judge_refs(&cfg.policy.filters, &cfg.policy.acl, "", &refs, answers, &v) ==
			      DECISION_DENY &&
		      strstr(v.message, longname) && strstr(v.message, "iii...'") &&
		      ends_with(v.message, "ALLOW_IMAGE_LOAD=1 to allow loads"),
	      "image load: %s", v.message);
	config_free(&cfg);
}

int main(void)
{
	test_route_show();
	test_proxy_container();
	test_long_refs_whole();
	TEST_DONE();
}
