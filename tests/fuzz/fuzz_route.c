/*
 * fuzz_route: route_resolve on an arbitrary method and target, and the query
 * functions on the query it finds.
 *
 * Input: "METHOD SP target" (no SP: the method is GET and all is target).
 *
 * Invariants when the target is accepted:
 *  - the target is visible ASCII without '#'; the decoded path holds no
 *    byte < 0x20 or 0x7f, no "//", "/./", "/../", no trailing '/', no
 *    final "/." or "/.."; it is shorter than ROUTE_PATH_MAX;
 *  - an independent percent-decoding of the target's path is exactly
 *    "/v" + version + path (version "" or <digits>.<digits>[.<digits>...]); when no
 *    version was cut, the first segment is nothing dockerd's
 *    "/v{version:[0-9.]+}" would take;
 *  - the route is the first one of route_table() whose method is the
 *    method and whose pattern, turned into a POSIX regex the way
 *    gorilla/mux turns it into a Go regexp, matches the path; m->name is
 *    the first variable's capture and lies inside m->path;
 *  - the query is what follows the first '?', inside the target;
 *  - agreement after one decoding: the decoded path re-encoded (every
 *    byte but unreserved ones and '/' percent-encoded; then '/' too) and
 *    resolved again gives the same route, path, version, name and query;
 *  - query_valid agrees with a reference of Go's url.ParseQuery, and
 *    query_get / query_get_nth give its count and decoded values.
 * When refused: why is set and the match is cleared.
 */
#include "fuzz.h"
#include "hexdigit.h"

#include <regex.h>

#include "query.h"
#include "route.h"

static regex_t *res;
static const struct route_def *table;
static size_t n_routes;

/* gorilla/mux: "{name}" is [^/]+, "{name:re}" is re; literals are quoted. */
static void compile_patterns(void)
{
	table = route_table(&n_routes);
	res = calloc(n_routes, sizeof(*res));
	for (size_t r = 0; r < n_routes; r++) {
		char re[512];
		size_t o = 0;
		int vars = 0;
		re[o++] = '^';
		for (const char *p = table[r].pattern; *p; p++) {
			if (*p == '{') {
				const char *close = strchr(p, '}');
				const char *colon = memchr(p, ':', (size_t)(close - p));
				size_t rl = colon ? (size_t)(close - colon - 1) : 0;
				const char *body = colon ? colon + 1 : "[^/]+";
				if (!colon)
					rl = 5;
				re[o++] = '(';
				memcpy(re + o, body, rl);
				o += rl;
				re[o++] = ')';
				vars++;
				p = close;
			} else {
				if (strchr(".[]()*+?{}|^$\\", *p))
					re[o++] = '\\';
				re[o++] = *p;
			}
		}
		re[o++] = '$';
		re[o] = '\0';
		if (regcomp(&res[r], re, REG_EXTENDED) != 0) {
			fprintf(stderr, "cannot compile %s from %s\n", re, table[r].pattern);
			abort();
		}
	}
}

/* Go's unescape: '%' and two hex digits; '+' is a space when plus is set.
 * Returns the decoded length, or -1. */
static long unescape(const char *s, size_t len, char *out, int plus)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '%') {
			if (i + 2 >= len)
				return -1;
			int h = hex_digit_value((unsigned char)s[i + 1]);
			int l = hex_digit_value((unsigned char)s[i + 2]);
			if (h < 0 || l < 0)
				return -1;
			c = (unsigned char)(h << 4 | l);
			i += 2;
		} else if (c == '+' && plus) {
			c = ' ';
		}
		out[o++] = (char)c;
	}
	return (long)o;
}

/* ---- Go's url.ParseQuery (1.17+) ---- */

#define MAX_PAIRS 256

struct pair {
	char key[64];
	long klen; /* -1: longer than 63 bytes, never one of ours */
	char *value;
	long vlen;
};

struct query {
	int valid;
	struct pair pairs[MAX_PAIRS];
	size_t n;
	int overflow;
};

static void parse_query(const char *q, size_t len, struct query *out, char *arena)
{
	size_t i = 0;

	out->valid = 1;
	out->n = 0;
	out->overflow = 0;
	while (i <= len) {
		size_t start = i;
		while (i < len && q[i] != '&')
			i++;
		size_t end = i++;
		if (memchr(q + start, ';', end - start)) {
			out->valid = 0;
			continue;
		}
		if (end == start)
			continue;
		const char *eq = memchr(q + start, '=', end - start);
		size_t kend = eq ? (size_t)(eq - q) : end;
		size_t vstart = eq ? kend + 1 : end;
		char *kbuf = arena + start; /* decoded text is never longer */
		long kl = unescape(q + start, kend - start, kbuf, 1);
		if (kl < 0) {
			out->valid = 0;
			continue;
		}
		char *vbuf = arena + vstart;
		long vl = unescape(q + vstart, end - vstart, vbuf, 1);
		if (vl < 0) {
			out->valid = 0;
			continue;
		}
		if (out->n == MAX_PAIRS) {
			out->overflow = 1;
			continue;
		}
		struct pair *p = &out->pairs[out->n++];
		p->klen = kl < 64 ? kl : -1;
		if (kl < 64)
			memcpy(p->key, kbuf, (size_t)kl);
		p->value = vbuf;
		p->vlen = vl;
	}
}

static void check_query(const char *q, size_t len)
{
	static struct query ref;
	static const char *const keys[] = { "name", "fromImage", "tag", "t", "force", "all",
					    "filters", "stream", "v", "" };
	char *arena = malloc(len + 1);

	parse_query(q, len, &ref, arena);
	FUZZ_CHECK(query_valid(q, len) == (ref.valid != 0), "query_valid says %d, Go says %d",
		   query_valid(q, len), ref.valid);
	if (!ref.valid || ref.overflow) {
		free(arena);
		return;
	}
	for (size_t k = 0; k < sizeof(keys) / sizeof(*keys); k++) {
		size_t kl = strlen(keys[k]);
		int count = 0;
		for (size_t i = 0; i < ref.n; i++) {
			const struct pair *p = &ref.pairs[i];
			if (p->klen != (long)kl || memcmp(p->key, keys[k], kl) != 0)
				continue;
			char out[96];
			bool trunc = true;
			bool found = query_get_nth(q, len, keys[k], count, out, sizeof(out), &trunc);
			FUZZ_CHECK(found, "query_get_nth misses occurrence %d of \"%s\"", count, keys[k]);
			FUZZ_CHECK(trunc == (p->vlen > (long)sizeof(out) - 1),
				   "query_get_nth: truncated %d for a value of %ld bytes", trunc, p->vlen);
			size_t cmp = p->vlen < (long)sizeof(out) - 1 ? (size_t)p->vlen : sizeof(out) - 1;
			FUZZ_CHECK(memcmp(out, p->value, cmp) == 0 && out[cmp] == '\0',
				   "query_get_nth(\"%s\", %d) decodes differently from Go", keys[k],
				   count);
			if (count == 0) {
				char first[96];
				int n = query_get(q, len, keys[k], first, sizeof(first), &trunc);
				FUZZ_CHECK(n >= 1 && memcmp(first, out, cmp + 1) == 0,
					   "query_get(\"%s\") gives another first value", keys[k]);
			}
			count++;
		}
		char out[8];
		FUZZ_CHECK(query_get(q, len, keys[k], out, sizeof(out), NULL) == count,
			   "query_get counts %d \"%s\", Go %d",
			   query_get(q, len, keys[k], out, sizeof(out), NULL), keys[k], count);
		FUZZ_CHECK(!query_get_nth(q, len, keys[k], count, out, sizeof(out), NULL),
			   "query_get_nth finds a \"%s\" past the last", keys[k]);
	}
	free(arena);
}

/* ---- the target ---- */

static int is_unreserved(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

/* "/v<version>" + path, percent-encoded, + "?query" */
static char *reencode(const struct route_match *m, int slash_too, size_t *len)
{
	static const char hex[] = "0123456789ABCDEF";
	char *out = malloc(32 + 3 * m->path_len + m->query_len + 2), *w = out;

	if (m->version[0])
		w += sprintf(w, "/v%s", m->version);
	for (size_t i = 0; i < m->path_len; i++) {
		unsigned char c = (unsigned char)m->path[i];
		int literal = is_unreserved(c) || (c == '/' && (!slash_too || w == out));
		if (literal) {
			*w++ = (char)c;
		} else {
			*w++ = '%';
			*w++ = hex[c >> 4];
			*w++ = hex[c & 15];
		}
	}
	if (m->query) {
		*w++ = '?';
		memcpy(w, m->query, m->query_len);
		w += m->query_len;
	}
	*len = (size_t)(w - out);
	return out;
}

static void check_cleared(const struct route_match *m)
{
	FUZZ_CHECK(m->def == NULL && m->path_len == 0 && m->path[0] == '\0' &&
			   m->version[0] == '\0' && m->name == NULL && m->query == NULL,
		   "a refused target leaves a half-filled match");
}

static void check_match(const char *method, size_t mlen, const char *target, size_t tlen,
			const struct route_match *m)
{
	for (size_t i = 0; i < tlen; i++) {
		unsigned char c = (unsigned char)target[i];
		FUZZ_CHECK(c > 0x20 && c < 0x7f && c != '#', "accepted a target with byte %02x", c);
	}
	FUZZ_CHECK(m->path_len < ROUTE_PATH_MAX && strlen(m->path) == m->path_len,
		   "path_len %zu, strlen %zu", m->path_len, strlen(m->path));
	for (size_t i = 0; i < m->path_len; i++) {
		unsigned char c = (unsigned char)m->path[i];
		FUZZ_CHECK(c >= 0x20 && c != 0x7f, "byte %02x in the decoded path", c);
	}
	FUZZ_CHECK(m->path_len == 0 || m->path[0] == '/', "decoded path does not start with '/'");
	FUZZ_CHECK(!strstr(m->path, "//") && !strstr(m->path, "/./") && !strstr(m->path, "/../"),
		   "empty or dot segment in \"%s\"", m->path);
	FUZZ_CHECK(m->path_len == 0 || m->path[m->path_len - 1] != '/', "trailing '/' in \"%s\"",
		   m->path);
	FUZZ_CHECK(!(m->path_len >= 2 && strcmp(m->path + m->path_len - 2, "/.") == 0) &&
			   !(m->path_len >= 3 && strcmp(m->path + m->path_len - 3, "/..") == 0),
		   "final dot segment in \"%s\"", m->path);

	/* version: "" or <digits>.<digits>[.<digits>...] */
	const char *v = m->version;
	if (*v) {
		size_t parts = 0;
		for (const char *p = v;; p++) {
			size_t a = strspn(p, "0123456789");
			FUZZ_CHECK(a > 0, "version \"%s\": empty part", v);
			parts++;
			p += a;
			if (*p != '.') {
				FUZZ_CHECK(*p == '\0', "version \"%s\"", v);
				break;
			}
		}
		FUZZ_CHECK(parts >= 2, "version \"%s\": one part", v);
	}

	/* the target's path, decoded here, is "/v" version + path */
	const char *qmark = memchr(target, '?', tlen);
	size_t plen = qmark ? (size_t)(qmark - target) : tlen;
	char *dec = malloc(plen + 1);
	long dl = unescape(target, plen, dec, 0);
	char *want = malloc(m->path_len + 32);
	int wl = sprintf(want, "%s%s", *v ? "/v" : "", v);
	memcpy(want + wl, m->path, m->path_len);
	wl += (int)m->path_len;
	FUZZ_CHECK(dl == wl && memcmp(dec, want, (size_t)wl) == 0,
		   "decoded target path is not \"/v<version>\" + path \"%s\"", m->path);
	if (!*v && dl >= 2 && dec[1] == 'v') {
		/* "/v{version:[0-9.]+}": a first segment dockerd would cut */
		size_t i = 2;
		while (i < (size_t)dl && ((dec[i] >= '0' && dec[i] <= '9') || dec[i] == '.'))
			i++;
		FUZZ_CHECK(i == 2 || (i < (size_t)dl && dec[i] != '/'),
			   "first segment of \"%s\" is a version to dockerd, not cut", m->path);
	}
	free(dec);
	free(want);

	/* query: after the first '?' */
	if (qmark)
		FUZZ_CHECK(m->query == qmark + 1 && m->query_len == tlen - plen - 1,
			   "query is not what follows the first '?'");
	else
		FUZZ_CHECK(m->query == NULL && m->query_len == 0, "query without a '?'");

	/* the route: first regex match among the method's routes */
	const struct route_def *want_def = NULL;
	regmatch_t pm[2];
	for (size_t r = 0; r < n_routes && !want_def; r++) {
		if (strlen(table[r].method) != mlen || memcmp(table[r].method, method, mlen) != 0)
			continue;
		if (regexec(&res[r], m->path, 2, pm, 0) == 0)
			want_def = &table[r];
	}
	FUZZ_CHECK(m->def == want_def, "route \"%s %s\" for \"%s\", the mux regexes say \"%s\"",
		   m->def ? m->def->method : "-", m->def ? m->def->pattern : "(none)", m->path,
		   want_def ? want_def->pattern : "(none)");
	if (want_def && strchr(want_def->pattern, '{')) {
		FUZZ_CHECK(m->name && m->name == m->path + pm[1].rm_so &&
				   m->name_len == (size_t)(pm[1].rm_eo - pm[1].rm_so),
			   "name is not the first variable of %s in \"%s\"", want_def->pattern,
			   m->path);
		FUZZ_CHECK(fuzz_inside(m->name, m->name_len, m->path, m->path_len) && m->name_len > 0,
			   "name outside the path, or empty");
	} else {
		FUZZ_CHECK(m->name == NULL && m->name_len == 0, "a name without a variable");
	}
}

static void check_same(const struct route_match *a, const struct route_match *b,
		       const char *what)
{
	FUZZ_CHECK(a->def == b->def, "%s: route differs", what);
	FUZZ_CHECK(a->path_len == b->path_len && memcmp(a->path, b->path, a->path_len) == 0,
		   "%s: path differs", what);
	FUZZ_CHECK(strcmp(a->version, b->version) == 0, "%s: version differs", what);
	FUZZ_CHECK((a->name == NULL) == (b->name == NULL) && a->name_len == b->name_len &&
			   (!a->name || a->name - a->path == b->name - b->path),
		   "%s: name differs", what);
	FUZZ_CHECK(a->query_len == b->query_len && (a->query == NULL) == (b->query == NULL) &&
			   (!a->query || memcmp(a->query, b->query, a->query_len) == 0),
		   "%s: query differs", what);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct route_match m, again;
	const char *in = (const char *)data, *method = "GET", *target = in;
	size_t mlen = 3, tlen = size;
	const char *sp = memchr(in, ' ', size);

	fuzz_begin(data, size);
	if (!res)
		compile_patterns();
	if (sp) {
		method = in;
		mlen = (size_t)(sp - in);
		target = sp + 1;
		tlen = size - mlen - 1;
	}
	char *t = fuzz_dup(target, tlen), *mt = fuzz_dup(method, mlen);
	const char *why = NULL;
	int rc = route_resolve(mt, mlen, t, tlen, &m, &why);

	FUZZ_CHECK(rc == 0 || rc == -1, "route_resolve returned %d", rc);
	if (rc < 0) {
		FUZZ_CHECK(why && *why, "refused without a reason");
		check_cleared(&m);
		free(t);
		free(mt);
		return 0;
	}
	FUZZ_CHECK(why == NULL, "accepted with a reason");
	check_match(mt, mlen, t, tlen, &m);

	for (int slash_too = 0; slash_too < 2; slash_too++) {
		size_t len;
		char *re = reencode(&m, slash_too, &len);
		const char *why2 = NULL;
		int rc2 = route_resolve(mt, mlen, re, len, &again, &why2);
		FUZZ_CHECK(rc2 == 0, "re-encoded \"%.*s\" refused: %s", (int)len, re, why2);
		check_same(&m, &again, slash_too ? "re-encoded with %2F" : "re-encoded");
		free(re);
	}
	if (m.query)
		check_query(m.query, m.query_len);
	free(t);
	free(mt);
	return 0;
}
