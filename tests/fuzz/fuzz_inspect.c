/*
 * fuzz_inspect: inspect_body, for every action, on arbitrary bodies, judged
 * against a reference reader with Go encoding/json semantics.
 *
 * Input: one byte naming the action, then the body:
 *   'c' POST /containers/create      's' POST /containers/{id}/start
 *   'u' POST /containers/{id}/update 'v' POST /volumes/create
 *   'n' POST /networks/create        'k' POST /networks/{id}/connect
 *   'd' POST /networks/{id}/disconnect
 *   'S' POST /services/create        'U' POST /services/{id}/update
 *   'o' an action without a body to read; any other byte: its value mod 10.
 *
 * Invariants:
 *  - inspect_body returns 0 or -1; on -1 a reason is given and every fact
 *    before `why` is cleared; an action that reads no body yields no facts;
 *  - on 0 every string in the facts lies in the scratch buffer (exactly as
 *    large as the body) or in the body, is valid UTF-8, and every count is
 *    within INSPECT_MAX_ITEMS;
 *  - the important one: a small, slow, independent reader written here
 *    parses the body as Go's encoding/json would (RFC 8259 syntax, string
 *    unquoting with U+FFFD for invalid UTF-8 and lone surrogates, keys
 *    matched to struct fields by Go's foldName: ASCII case plus U+017F ſ
 *    and U+212A K) and collects every host path dockerd would bind-mount:
 *    HostConfig.Binds sources (before the first ':', absolute), Mounts[]
 *    of Type bind (any case) with a Source, Mounts[] local-driver volume
 *    options with o=bind/rbind and a device, at the top level and in
 *    HostConfig for a create and a start, in
 *    TaskTemplate.ContainerSpec.Mounts for services, and a local volume's
 *    DriverOpts for /volumes/create.  When inspect_body accepts the body,
 *    each of those paths must be in facts->paths, byte for byte; and when
 *    one of them, cleaned, exposes the Docker socket or /proc, the default
 *    protections (filter_judge) must deny the request.
 */
#include "fuzz.h"

#include "filter.h"
#include "goclean.h"
#include "inspect.h"
#include "jsonref.h"
#include "route.h"

/* ---- Go's field matching ---- */

/* foldName on one rune: ASCII upper case; ſ and K fold onto S and K; no
 * other rune's fold set holds an ASCII letter. */
static int str_ieq(const struct jv *v, const char *lit)
{
	if (!v || v->t != J_STR || v->n != strlen(lit))
		return 0;
	for (size_t i = 0; i < v->n; i++) {
		unsigned char a = (unsigned char)v->s[i], b = (unsigned char)lit[i];
		if ((a >= 'A' && a <= 'Z' ? a + 32 : a) != b)
			return 0;
	}
	return 1;
}

/* ---- the host paths dockerd would bind ---- */

#define REF_MAX 512

struct ref_paths {
	const char *p[REF_MAX];
	size_t n[REF_MAX];
	const char *why[REF_MAX];
	size_t count;
	int overflow;
};

static void add(struct ref_paths *rp, const char *p, size_t n, const char *why)
{
	if (rp->count == REF_MAX) {
		rp->overflow = 1;
		return;
	}
	rp->p[rp->count] = p;
	rp->n[rp->count] = n;
	rp->why[rp->count] = why;
	rp->count++;
}

static void binds(struct ref_paths *rp, const struct jv *v)
{
	if (v->t != J_ARR)
		return;
	for (size_t i = 0; i < v->count; i++) {
		const struct jv *e = v->kids[i];
		if (e->t != J_STR)
			continue;
		const char *colon = memchr(e->s, ':', e->n);
		if (colon && colon > e->s && e->s[0] == '/')
			add(rp, e->s, (size_t)(colon - e->s), "Binds");
	}
}

/* "o" of the local driver: comma-separated, "bind" or "rbind" exactly. */
static int o_binds(const struct jv *o)
{
	size_t i = 0;

	if (!o || o->t != J_STR)
		return 0;
	while (i <= o->n) {
		size_t j = i;
		while (j < o->n && o->s[j] != ',')
			j++;
		if ((j - i == 4 && memcmp(o->s + i, "bind", 4) == 0) ||
		    (j - i == 5 && memcmp(o->s + i, "rbind", 5) == 0))
			return 1;
		i = j + 1;
	}
	return 0;
}

/* The local driver's options (a Go map: exact keys, the last one wins). */
static void local_opts(struct ref_paths *rp, const struct jv *driver, const struct jv *opts,
		       const char *why)
{
	const struct jv *o = NULL, *device = NULL;

	if (driver && driver->t == J_STR && !str_eq(driver, "") && !str_eq(driver, "local"))
		return;
	if (!opts || opts->t != J_OBJ)
		return;
	for (size_t i = 0; i + 1 < opts->count; i += 2) {
		if (str_eq(opts->kids[i], "o"))
			o = opts->kids[i + 1];
		else if (str_eq(opts->kids[i], "device"))
			device = opts->kids[i + 1];
	}
	if (o_binds(o) && device && device->t == J_STR && device->n > 0)
		add(rp, device->s, device->n, why);
}

static const struct jv *field(const struct jv *obj, const char *name)
{
	const struct jv *last = NULL;

	if (!obj || obj->t != J_OBJ)
		return NULL;
	for (size_t i = 0; i + 1 < obj->count; i += 2)
		if (key_is(obj->kids[i], name))
			last = obj->kids[i + 1];
	return last;
}

static void mounts(struct ref_paths *rp, const struct jv *v)
{
	if (v->t != J_ARR)
		return;
	for (size_t i = 0; i < v->count; i++) {
		const struct jv *m = v->kids[i];
		if (m->t != J_OBJ)
			continue;
		/* every occurrence counts: a repeated key is the inspector's to refuse */
		int bind = 0;
		for (size_t k = 0; k + 1 < m->count; k += 2)
			if (key_is(m->kids[k], "Type") && str_ieq(m->kids[k + 1], "bind"))
				bind = 1;
		for (size_t k = 0; bind && k + 1 < m->count; k += 2) {
			const struct jv *s = m->kids[k + 1];
			if (key_is(m->kids[k], "Source") && s->t == J_STR && s->n > 0)
				add(rp, s->s, s->n, "Mounts[].Source");
		}
		for (size_t k = 0; k + 1 < m->count; k += 2) {
			if (!key_is(m->kids[k], "VolumeOptions"))
				continue;
			const struct jv *dc = field(m->kids[k + 1], "DriverConfig");
			local_opts(rp, field(dc, "Name"), field(dc, "Options"),
				   "Mounts[].VolumeOptions");
		}
	}
}

/* Binds and Mounts of a HostConfig-shaped object, every occurrence. */
static void hostconfig(struct ref_paths *rp, const struct jv *obj)
{
	if (!obj || obj->t != J_OBJ)
		return;
	for (size_t i = 0; i + 1 < obj->count; i += 2) {
		if (key_is(obj->kids[i], "Binds"))
			binds(rp, obj->kids[i + 1]);
		else if (key_is(obj->kids[i], "Mounts"))
			mounts(rp, obj->kids[i + 1]);
	}
}

static void reference(enum route_action a, const struct jv *top, struct ref_paths *rp)
{
	if (top->t != J_OBJ)
		return;
	switch (a) {
	case ACT_CONTAINER_CREATE:
	case ACT_CONTAINER_START: /* below 1.24, runconfig decodes the same wrapper */
		hostconfig(rp, top); /* the deprecated top-level shape */
		for (size_t i = 0; i + 1 < top->count; i += 2)
			if (key_is(top->kids[i], "HostConfig"))
				hostconfig(rp, top->kids[i + 1]);
		break;
	case ACT_SERVICE_CREATE:
	case ACT_SERVICE_UPDATE:
		for (size_t i = 0; i + 1 < top->count; i += 2) {
			if (!key_is(top->kids[i], "TaskTemplate"))
				continue;
			const struct jv *tt = top->kids[i + 1];
			for (size_t j = 0; tt->t == J_OBJ && j + 1 < tt->count; j += 2) {
				if (!key_is(tt->kids[j], "ContainerSpec"))
					continue;
				const struct jv *cs = tt->kids[j + 1];
				for (size_t k = 0; cs->t == J_OBJ && k + 1 < cs->count; k += 2)
					if (key_is(cs->kids[k], "Mounts"))
						mounts(rp, cs->kids[k + 1]);
			}
		}
		break;
	case ACT_VOLUME_CREATE:
		local_opts(rp, field(top, "Driver"), field(top, "DriverOpts"), "DriverOpts");
		break;
	default:
		break;
	}
}

/* ---- checks on the facts ---- */

static const char *body_base, *scratch_base;
static size_t body_size;

static int valid_utf8(const char *p, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t k = utf8_len((const unsigned char *)p + i, n - i);
		if (k == 0)
			return 0;
		i += k;
	}
	return 1;
}

static void check_str(struct str s, const char *what)
{
	if (s.p == NULL) {
		FUZZ_CHECK(s.len == 0, "%s: NULL with length %zu", what, s.len);
		return;
	}
	if (s.len == 0)
		return; /* "" may be a constant */
	FUZZ_CHECK(fuzz_inside(s.p, s.len, scratch_base, body_size) ||
			   fuzz_inside(s.p, s.len, body_base, body_size),
		   "%s: outside the scratch buffer and the body", what);
	FUZZ_CHECK(valid_utf8(s.p, s.len), "%s: invalid UTF-8 in a decoded string", what);
}

static void check_list(const struct str *l, size_t n, const char *what)
{
	FUZZ_CHECK(n <= INSPECT_MAX_ITEMS, "%s: %zu entries", what, n);
	for (size_t i = 0; i < n; i++)
		check_str(l[i], what);
}

static void check_facts(const struct body_facts *f)
{
	FUZZ_CHECK(f->n_paths <= INSPECT_MAX_ITEMS, "%zu paths", f->n_paths);
	for (size_t i = 0; i < f->n_paths; i++) {
		check_str(f->paths[i].path, "paths[].path");
		FUZZ_CHECK(f->paths[i].path.p && f->paths[i].path.len > 0, "an empty host path");
		FUZZ_CHECK(f->paths[i].origin <= PATH_FROM_SERVICE_MOUNT && !f->paths[i].resolved,
			   "paths[%zu]: origin %d, resolved %d", i, (int)f->paths[i].origin,
			   f->paths[i].resolved);
	}
	check_str(f->image, "image");
	check_str(f->network_mode, "network_mode");
	check_str(f->pid_mode, "pid_mode");
	check_str(f->ipc_mode, "ipc_mode");
	check_str(f->uts_mode, "uts_mode");
	check_str(f->userns_mode, "userns_mode");
	check_str(f->cgroupns_mode, "cgroupns_mode");
	check_list(f->cap_add, f->n_cap_add, "cap_add");
	check_list(f->security_opt, f->n_security_opt, "security_opt");
	check_list(f->volumes_from, f->n_volumes_from, "volumes_from");
	check_list(f->links, f->n_links, "links");
	check_list(f->volumes, f->n_volumes, "volumes");
	FUZZ_CHECK(f->n_labels <= INSPECT_MAX_LABELS, "%zu labels", f->n_labels);
	for (size_t i = 0; i < f->n_labels; i++) {
		check_str(f->labels[i].key, "labels[].key");
		check_str(f->labels[i].value, "labels[].value");
	}
	check_str(f->name, "name");
	check_str(f->driver, "driver");
	check_str(f->container, "container");
}

static int all_zero(const void *p, size_t n)
{
	const unsigned char *u = p;
	for (size_t i = 0; i < n; i++)
		if (u[i])
			return 0;
	return 1;
}

/* The cleaned path exposes the socket or /proc (what the defaults protect). */
static int dangerous(const char *p, size_t n)
{
	char *raw = malloc(n + 2), *clean = malloc(n + 4);
	size_t rn = 0;

	if (n == 0 || p[0] != '/')
		raw[rn++] = '/'; /* relative devices: dockerd's working directory, "/" */
	memcpy(raw + rn, p, n);
	rn += n;
	size_t cn = ref_clean(raw, rn, clean);
	int d = ref_exposes(clean, cn, "/var/run/docker.sock", 20) ||
		ref_exposes(clean, cn, "/run/docker.sock", 16) || ref_exposes(clean, cn, "/proc", 5) ||
		ref_exposes("/proc", 5, clean, cn);
	free(raw);
	free(clean);
	return d;
}

/* ---- the target ---- */

static const struct {
	char key;
	enum route_action action;
	const char *method, *target;
} actions[] = {
	{ 'c', ACT_CONTAINER_CREATE, "POST", "/v1.43/containers/create?name=x" },
	{ 's', ACT_CONTAINER_START, "POST", "/v1.23/containers/x/start" },
	{ 'u', ACT_CONTAINER_UPDATE, "POST", "/containers/x/update" },
	{ 'v', ACT_VOLUME_CREATE, "POST", "/volumes/create" },
	{ 'n', ACT_NETWORK_CREATE, "POST", "/networks/create" },
	{ 'k', ACT_NETWORK_CONNECT, "POST", "/networks/n/connect" },
	{ 'd', ACT_NETWORK_DISCONNECT, "POST", "/networks/n/disconnect" },
	{ 'S', ACT_SERVICE_CREATE, "POST", "/services/create" },
	{ 'U', ACT_SERVICE_UPDATE, "POST", "/services/s/update?version=1" },
	{ 'o', ACT_CONTAINER_KILL, "POST", "/containers/x/kill" },
};
#define N_ACTIONS (sizeof(actions) / sizeof(*actions))

static struct route_match matches[N_ACTIONS];
static struct filters defaults;
static struct acl acl;
static int ready;

static void setup(void)
{
	for (size_t i = 0; i < N_ACTIONS; i++) {
		const char *why;
		if (route_resolve(actions[i].method, strlen(actions[i].method), actions[i].target,
				  strlen(actions[i].target), &matches[i], &why) != 0 ||
		    !matches[i].def || matches[i].def->action != actions[i].action) {
			fprintf(stderr, "fuzz_inspect: %s does not route to action %d\n",
				actions[i].target, (int)actions[i].action);
			abort();
		}
	}
	filters_defaults(&defaults, "/var/run/docker.sock");
	acl_defaults(&acl);
	ready = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct body_facts facts;
	size_t a;

	fuzz_begin(data, size);
	if (!ready)
		setup();
	if (size == 0)
		return 0;
	for (a = 0; a < N_ACTIONS && actions[a].key != (char)data[0]; a++)
		;
	if (a == N_ACTIONS)
		a = data[0] % N_ACTIONS;
	enum route_action action = actions[a].action;

	size_t len = size - 1;
	char *body = fuzz_dup(data + 1, len);
	char *scratch = malloc(len ? len : 1);
	const char *why = NULL;
	body_base = body;
	scratch_base = scratch;
	body_size = len;

	int rc = inspect_body(action, body, len, scratch, len, &facts, &why);
	FUZZ_CHECK(rc == 0 || rc == -1, "inspect_body returned %d", rc);
	if (rc < 0) {
		FUZZ_CHECK(why && *why, "refused without a reason");
		FUZZ_CHECK(all_zero(&facts, offsetof(struct body_facts, why)),
			   "a refused body leaves facts behind");
		goto out;
	}
	if (!inspect_wants_body(action)) {
		FUZZ_CHECK(all_zero(&facts, sizeof(facts)), "facts for an action without a body");
		goto out;
	}
	check_facts(&facts);

	struct jv *top = json_read(body, len, NULL);
	if (!top)
		goto out; /* not JSON to Go: dockerd refuses the body */
	/* Go's Decoder reads one value; what follows is dockerd's business */
	static struct ref_paths rp;
	rp.count = 0;
	rp.overflow = 0;
	reference(action, top, &rp);
	for (size_t i = 0; i < rp.count; i++) {
		size_t k;
		for (k = 0; k < facts.n_paths; k++)
			if (facts.paths[k].path.len == rp.n[i] &&
			    memcmp(facts.paths[k].path.p, rp.p[i], rp.n[i]) == 0)
				break;
		if (k == facts.n_paths) {
			fuzz_dump("host path", rp.p[i], rp.n[i]);
			fuzz_fail("body accepted, but the %s host path Go reads is not in the facts "
				  "(%zu paths reported)",
				  rp.why[i], facts.n_paths);
		}
		if (dangerous(rp.p[i], rp.n[i])) {
			struct filter_refs refs;
			struct verdict v;
			if (filter_judge(&defaults, &acl, &matches[a], &facts, &refs, &v) !=
			    DECISION_DENY) {
				fuzz_dump("host path", rp.p[i], rp.n[i]);
				fuzz_fail("a %s host path exposing the socket or /proc is allowed by "
					  "the default protections",
					  rp.why[i]);
			}
		}
	}
	jv_free(top);
out:
	free(body);
	free(scratch);
	return 0;
}
