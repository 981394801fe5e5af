/*
 * fuzz_daemon: the questions sockwall asks dockerd (daemon.h), on
 * arbitrary answers, mountinfo texts and references.
 *
 * Input: a mode byte, then
 *   'a' KIND answer  daemon_parse_answer on a whole HTTP answer
 *   'm' text         daemon_self_id_from on a mountinfo text
 *   'l' KIND ref     daemon_lookup_request for a reference (up to a NUL)
 * KIND: 't' target, 'l' link, 's' share, 'n' network, 'v' volume (any
 * other byte: its value mod 5); any other mode byte: its value mod 3.
 *
 * Invariants:
 *  - daemon_parse_answer returns 0 or -1: -1 for a head that does not
 *    parse and for any status but 200, 404, 3xx, 4xx and a 5xx that carries
 *    dockerd's message; 0 with found false for a 404; for a 3xx, 4xx or 5xx
 *    taken, found false and a status to pass on (400 for a redirect, else
 *    dockerd's) with a non-empty message; with found, a non-empty id; every
 *    string NUL-terminated in its array, at most 4 volumes and 4 shares;
 *  - a 200 container answer (canonical JSON as Go's encoder writes it:
 *    valid UTF-8, no escapes, no repeated keys) whose top-level Mounts
 *    hold a Type "bind" whose absolute Source, cleaned, exposes the socket
 *    or /proc is judged by the filter to hold the socket
 *    (filter_answer_holds_socket; or the answer is refused); for a
 *    volume, Options with a local bind (type none/bind/rbind or
 *    o=bind/rbind) of such a device are too, and a bind's device is
 *    reported unless host_fs already says "cannot tell";
 *  - daemon_self_id_from finds exactly the first "containers/<64 lowercase
 *    hex>/" after a '/' or a '-' (dockerd's containers/, Podman's
 *    vfs-containers/ and overlay-containers/) inside the 4th field (the
 *    mount's root) of a line whose 5th
 *    field (the mount point) is /etc/hostname, /etc/hosts or
 *    /etc/resolv.conf, or "" when there is none;
 *  - daemon_lookup_request writes one complete HTTP/1.0 head; when the
 *    router accepts its target, the route is the lookup's (container
 *    inspect, network, volume) and its name is the reference, byte for
 *    byte: dockerd is asked about exactly what we mean.
 */
#include "fuzz.h"

#include "daemon.h"
#include "filter.h"
#include "goclean.h"
#include "http.h"
#include "jsonref.h"
#include "route.h"

static struct filters defaults;
static int ready;

static enum ref_kind kind_of(uint8_t b)
{
	switch (b) {
	case 't':
		return REF_TARGET;
	case 'l':
		return REF_LINK;
	case 's':
		return REF_SHARE;
	case 'n':
		return REF_NETWORK;
	case 'v':
		return REF_VOLUME;
	case 'p':
		return REF_POD;
	case 'q':
		return REF_PROXY_POD;
	case 'i':
		return REF_IMAGE;
	default:
		return (enum ref_kind)(b % 10);
	}
}

static void terminated(const char *s, size_t cap, const char *what)
{
	FUZZ_CHECK(memchr(s, '\0', cap) != NULL, "%s not NUL-terminated", what);
}

static int dangerous(const char *p, size_t n)
{
	char *raw = malloc(n + 2), *clean = malloc(n + 4);
	size_t rn = 0;

	if (n == 0 || p[0] != '/')
		raw[rn++] = '/';
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

static int unique_keys(const struct jv *o)
{
	for (size_t i = 0; i + 1 < o->count; i += 2)
		for (size_t j = i + 2; j + 1 < o->count; j += 2)
			if (o->kids[i]->n == o->kids[j]->n &&
			    memcmp(o->kids[i]->s, o->kids[j]->s, o->kids[i]->n) == 0)
				return 0;
	return 1;
}

static const struct jv *get(const struct jv *o, const char *key)
{
	for (size_t i = 0; o && o->t == J_OBJ && i + 1 < o->count; i += 2)
		if (str_eq(o->kids[i], key))
			return o->kids[i + 1];
	return NULL;
}

/* What a canonical answer says: the reference for holds_socket. */
static int ref_holds_socket(enum ref_kind kind, const struct jv *top, const struct jv **device)
{
	*device = NULL;
	if (kind == REF_VOLUME) {
		const struct jv *opts = get(top, "Options");
		if (!opts || opts->t != J_OBJ || !unique_keys(opts))
			return 0;
		const struct jv *type = get(opts, "type"), *o = get(opts, "o"),
				*dev = get(opts, "device");
		int bind = str_eq(type, "none") || str_eq(type, "bind") || str_eq(type, "rbind");
		for (size_t i = 0; o && o->t == J_STR && i <= o->n && !bind;) {
			size_t j = i;
			while (j < o->n && o->s[j] != ',')
				j++;
			bind = (j - i == 4 && memcmp(o->s + i, "bind", 4) == 0) ||
			       (j - i == 5 && memcmp(o->s + i, "rbind", 5) == 0);
			i = j + 1;
		}
		if (!bind || !dev || dev->t != J_STR || dev->n == 0 || memchr(dev->s, '\0', dev->n))
			return 0;
		*device = dev;
		return dangerous(dev->s, dev->n);
	}
	if (kind != REF_TARGET && kind != REF_LINK && kind != REF_SHARE)
		return 0;
	const struct jv *mounts = get(top, "Mounts");
	if (!mounts || mounts->t != J_ARR)
		return 0;
	for (size_t i = 0; i < mounts->count; i++) {
		const struct jv *m = mounts->kids[i];
		if (m->t != J_OBJ || !unique_keys(m))
			continue;
		const struct jv *src = get(m, "Source");
		/* dockerd reports bind sources absolute */
		if (str_eq(get(m, "Type"), "bind") && src && src->t == J_STR && src->n > 0 &&
		    src->s[0] == '/' && !memchr(src->s, '\0', src->n) && dangerous(src->s, src->n))
			return 1;
	}
	return 0;
}

static void answer(enum ref_kind kind, const char *resp, size_t len)
{
	static struct ref_answer a;
	static struct http_response r;
	int rc = daemon_parse_answer(kind, resp, len, &a);

	FUZZ_CHECK(rc == 0 || rc == -1, "daemon_parse_answer returned %d", rc);
	int head = http_parse_response(resp, len, 0, &r);
	bool refusal = head > 0 && r.status >= 300 && r.status < 600 && r.status != 404;
	if (head <= 0 || (r.status != 200 && r.status != 404 && !refusal) ||
	    (head > 0 && r.status < 300 && r.status != 200))
		FUZZ_CHECK(rc == -1, "an answer with head %d, status %d is taken", head,
			   head > 0 ? r.status : 0);
	if (head > 0 && r.status >= 300 && r.status < 500 && r.status != 404)
		FUZZ_CHECK(rc == 0, "a %d refusal is not passed on", r.status);
	if (head > 0 && r.status == 404)
		FUZZ_CHECK(rc == 0 && !a.found && a.status == 0, "a 404 is not \"not found\"");
	if (rc < 0)
		return;
	if (refusal) {
		terminated(a.error, sizeof(a.error), "error");
		FUZZ_CHECK(!a.found && a.error[0] &&
				   a.status == (r.status < 400 ? 400 : r.status),
			   "a %d answer passed on as %d", r.status, a.status);
		return;
	}
	FUZZ_CHECK(a.n_shares <= sizeof(a.shares) / sizeof(*a.shares), "%zu shares", a.n_shares);
	for (size_t i = 0; i < a.n_shares; i++)
		terminated(a.shares[i], sizeof(a.shares[i]), "share");
	terminated(a.image, sizeof(a.image), "image");
	if (a.found) {
		terminated(a.id, sizeof(a.id), "id");
		FUZZ_CHECK(a.id[0] != '\0', "found without an id");
	}
	terminated(a.name, sizeof(a.name), "name");
	terminated(a.device, sizeof(a.device), "device");
	terminated(a.pod, sizeof(a.pod), "pod");
	terminated(a.image_id, sizeof(a.image_id), "image ID");
	FUZZ_CHECK(a.n_binds <= 32, "%zu binds", a.n_binds);
	for (size_t i = 0, at = 0; i < a.n_binds; i++, at += strlen(a.binds + at) + 1)
		terminated(a.binds + at, sizeof(a.binds) - at, "bind");
	FUZZ_CHECK(a.n_volumes <= sizeof(a.volumes) / sizeof(*a.volumes), "%zu volumes",
		   a.n_volumes);
	for (size_t i = 0; i < a.n_volumes; i++)
		terminated(a.volumes[i], sizeof(a.volumes[i]), "volume");
	if (r.status != 200)
		return;

	/* the reference, on canonical answers: no escapes, no repeated keys */
	const char *js = resp + head;
	size_t jlen = len - (size_t)head, used;
	if (memchr(js, '\\', jlen))
		return;
	for (size_t i = 0; i < jlen;) { /* Go's encoder writes valid UTF-8 */
		size_t k = utf8_len((const unsigned char *)js + i, jlen - i);
		if (k == 0)
			return;
		i += k;
	}
	struct jv *top = json_read(js, jlen, &used);
	if (!top)
		return;
	while (used < jlen && strchr(" \t\r\n", js[used]) && js[used])
		used++;
	if (used == jlen && top->t == J_OBJ && unique_keys(top)) {
		const struct jv *device;
		if (ref_holds_socket(kind, top, &device))
			FUZZ_CHECK(filter_answer_holds_socket(&defaults, &a),
				   "a %s exposing the socket or /proc is not noticed",
				   kind == REF_VOLUME ? "volume device" : "bind mount");
		/* (host_fs also stands for "cannot tell": then no device) */
		if (device && device->n < sizeof(a.device) && !a.host_fs)
			FUZZ_CHECK(strlen(a.device) == device->n &&
					   memcmp(a.device, device->s, device->n) == 0,
				   "the volume's device is not reported");
		/* the pod the proxy's container is in, word for word */
		const struct jv *pod = kind == REF_PROXY_POD ? get(top, "Pod") : NULL;
		if (a.found && pod && pod->t == J_STR && pod->n < sizeof(a.pod) &&
		    !memchr(pod->s, '\0', pod->n))
			FUZZ_CHECK(strlen(a.pod) == pod->n && memcmp(a.pod, pod->s, pod->n) == 0,
				   "the proxy's pod is not reported");
	}
	jv_free(top);
}

static int hex64(const char *s)
{
	for (int i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

static void mountinfo(const char *text, size_t len)
{
	char out[65], want[65] = "";

	memset(out, 'x', sizeof(out));
	daemon_self_id_from(text, len, out);
	/* line by line, field by field: the root (4th) of a mount at one of
	 * the three files dockerd provides (5th) */
	for (size_t ls = 0; ls < len && !want[0];) {
		size_t le = ls;
		while (le < len && text[le] != '\n')
			le++;
		size_t fs[6], fe[6], nf = 0;
		for (size_t i = ls; i <= le && nf < 6;) {
			size_t j = i;
			while (j < le && text[j] != ' ')
				j++;
			fs[nf] = i;
			fe[nf++] = j;
			if (j >= le)
				break;
			i = j + 1;
		}
		static const char *const points[] = { "/etc/hostname", "/etc/hosts",
						       "/etc/resolv.conf" };
		bool ours = false;
		for (size_t p = 0; nf >= 5 && p < 3; p++)
			ours |= fe[4] - fs[4] == strlen(points[p]) &&
				memcmp(text + fs[4], points[p], fe[4] - fs[4]) == 0;
		for (size_t i = fs[3]; ours && i + 12 <= fe[3]; i++) {
			if (memcmp(text + i + 1, "containers/", 11) != 0 ||
			    (text[i] != '/' && text[i] != '-'))
				continue;
			const char *id = text + i + 12;
			if ((size_t)(text + fe[3] - id) >= 65 && hex64(id) && id[64] == '/') {
				memcpy(want, id, 64);
				want[64] = '\0';
				break;
			}
		}
		ls = le + 1;
	}
	FUZZ_CHECK(memchr(out, '\0', sizeof(out)) && strcmp(out, want) == 0,
		   "self id \"%.65s\", the first of ours is \"%s\"", out, want);
}

static void lookup(enum ref_kind kind, const char *in, size_t len)
{
	static struct http_request req;
	static struct route_match m;
	char ref[FILTER_NAME_MAX];
	size_t rl = strnlen(in, len);

	if (rl >= sizeof(ref))
		rl = sizeof(ref) - 1;
	memcpy(ref, in, rl);
	ref[rl] = '\0';

	char out[1024];
	size_t n = daemon_lookup_request(out, sizeof(out), kind, ref);
	FUZZ_CHECK(n > 0 && n < sizeof(out), "the lookup for a %zu-byte reference does not fit", rl);
	char *copy = fuzz_dup(out, n);
	int rc = http_parse_request(copy, n, &req);
	FUZZ_CHECK(rc == (int)n, "the lookup request parses to %d (%s), not %zu", rc,
		   rc == HTTP_MALFORMED ? req.error : "-", n);
	FUZZ_CHECK(req.minor_version == 0 && req.body == HTTP_BODY_NONE &&
			   req.method_len == 3 && memcmp(req.method, "GET", 3) == 0,
		   "the lookup is not a bodiless HTTP/1.0 GET");
	const char *why;
	if (route_resolve(req.method, req.method_len, req.target, req.target_len, &m, &why) == 0) {
		bool network = kind == REF_NETWORK || kind == REF_NET_JOIN;
		const char *want = network                 ? "/networks/"
				   : kind == REF_VOLUME    ? "/volumes/"
				   : kind == REF_IMAGE     ? "/images/"
				   : kind == REF_POD       ? "/libpod/pods/"
				   : kind == REF_PROXY_POD ? "/libpod/containers/"
							   : "/containers/";
		/* libpod's {name} is one segment: no pod or container name
		 * holds a '/', so such a lookup is never made */
		bool libpod = kind == REF_POD || kind == REF_PROXY_POD;
		if (libpod && strchr(ref, '/')) {
			free(copy);
			return;
		}
		FUZZ_CHECK(m.def && strncmp(m.def->pattern, want, strlen(want)) == 0 &&
				   (network || kind == REF_VOLUME ||
				    ((kind == REF_IMAGE || kind == REF_POD)
					     ? strcmp(m.def->pattern + strlen(m.def->pattern) - 5,
						      "/json") == 0
					     : m.def->action == ACT_CONTAINER_INSPECT)),
			   "the lookup of \"%s\" routes to %s", ref,
			   m.def ? m.def->pattern : "nothing");
		FUZZ_CHECK(m.name && m.name_len == rl && memcmp(m.name, ref, rl) == 0,
			   "the lookup of \"%s\" asks dockerd about \"%.*s\"", ref, (int)m.name_len,
			   m.name ? m.name : "");
	}
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_begin(data, size);
	if (!ready) {
		filters_defaults(&defaults, "/var/run/docker.sock");
		ready = 1;
	}
	if (size == 0)
		return 0;
	int mode = data[0] == 'a' ? 0 : data[0] == 'm' ? 1 : data[0] == 'l' ? 2 : data[0] % 3;
	if (mode == 1) {
		char *t = fuzz_dup(data + 1, size - 1);
		mountinfo(t, size - 1);
		free(t);
		return 0;
	}
	if (size < 2)
		return 0;
	enum ref_kind kind = kind_of(data[1]);
	char *rest = fuzz_dup(data + 2, size - 2);
	if (mode == 0)
		answer(kind, rest, size - 2);
	else
		lookup(kind, rest, size - 2);
	free(rest);
	return 0;
}
