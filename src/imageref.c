/*
 * imageref: distribution/reference's ParseNormalizedNamed without regexes.
 * See imageref.h for the contract.
 *
 * Read from github.com/distribution/reference (normalize.go, reference.go,
 * regexp.go; the version moby vendors since v25) and go-digest:
 *
 *   reference   := name [ ":" tag ] [ "@" digest ]
 *   name        := [ domain "/" ] component ( "/" component )*
 *   domain      := host [ ":" [0-9]+ ]
 *   host        := label ( "." label )* | "[" [a-fA-F0-9:]+ "]"
 *   label       := [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
 *   component   := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*
 *   tag         := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
 *   digest      := alg-part ( [-_+.] alg-part )* ":" [0-9a-fA-F]{32,}
 *   alg-part    := [A-Za-z][A-Za-z0-9]*
 *
 * and then go-digest accepts only sha256, sha384 and sha512 with exactly
 * 64, 96 or 128 lowercase hex digits.
 *
 * ParseNormalizedNamed first decides the domain on the text alone
 * (splitDockerDomain): the part before the first '/' is a domain if it is
 * "localhost", contains '.' or ':', or has an uppercase letter; otherwise
 * the domain is docker.io.  "index.docker.io" becomes docker.io, and a
 * docker.io path without '/' gets "library/".  Then it parses
 * domain + "/" + rest with the grammar above, where the first component is
 * the domain only if it is a valid domain: "a_b.c/d" is a name with no
 * domain at all (Go's regexp falls back to reading it as a path).
 *
 * The length limit: reference v0.6 checks only the path (255), older
 * versions the whole name including the domain.  We apply the older,
 * stricter one: a name dockerd might still take is refused, never the
 * other way round.
 */
#include "imageref.h"

#include <string.h>

#define NAME_TOTAL_MAX 255
#define DEFAULT_DOMAIN "docker.io"
#define LEGACY_DOMAIN "index.docker.io"
#define OFFICIAL_PREFIX "library/"

static const char E_FORMAT[] = "invalid reference format";
static const char E_LOWER[] = "repository name must be lowercase";
static const char E_LONG[] = "repository name must not be more than 255 characters";
static const char E_DIGEST[] = "invalid checksum digest format";
static const char E_DIGEST_ALG[] = "unsupported digest algorithm";

struct slice {
	const char *p;
	size_t n;
};

static bool is_lower_alnum(char c, bool fold)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (fold && c >= 'A' && c <= 'Z');
}

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_lower_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static bool is_word(char c)
{
	return is_alnum(c) || c == '_';
}

static bool eq(struct slice s, const char *lit)
{
	return s.n == strlen(lit) && memcmp(s.p, lit, s.n) == 0;
}

static const char *find2(const char *p, size_t n, char a, char b)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] == a || p[i] == b)
			return p + i;
	return NULL;
}

/* component: alnum runs joined by ".", "_", "__" or a run of "-". */
static bool valid_component(const char *p, size_t n, bool fold)
{
	size_t i = 0;

	for (;;) {
		size_t start = i;

		while (i < n && is_lower_alnum(p[i], fold))
			i++;
		if (i == start)
			return false; /* empty, or a separator not between alnum runs */
		if (i == n)
			return true;
		if (p[i] == '.') {
			i++;
		} else if (p[i] == '_') {
			i++;
			if (i < n && p[i] == '_')
				i++;
		} else if (p[i] == '-') {
			while (i < n && p[i] == '-')
				i++;
		} else {
			return false;
		}
	}
}

/* path: one or more components separated by single slashes. */
static bool valid_path(const char *p, size_t n, bool fold)
{
	size_t start = 0;

	for (size_t i = 0; i <= n; i++) {
		if (i == n || p[i] == '/') {
			if (!valid_component(p + start, i - start, fold))
				return false;
			start = i + 1;
		}
	}
	return true;
}

/* domain: DNS-ish labels or a bracketed IPv6 address, then ":port". */
static bool valid_domain(const char *p, size_t n)
{
	size_t i = 0;

	if (n > 0 && p[0] == '[') {
		i = 1;
		while (i < n && (is_hex(p[i]) || p[i] == ':'))
			i++;
		if (i == 1 || i == n || p[i] != ']')
			return false;
		i++;
	} else {
		for (;;) {
			size_t start = i;

			while (i < n && (is_alnum(p[i]) || p[i] == '-'))
				i++;
			if (i == start || p[start] == '-' || p[i - 1] == '-')
				return false;
			if (i < n && p[i] == '.') {
				i++;
				continue;
			}
			break;
		}
	}
	if (i == n)
		return true;
	if (p[i] != ':' || i + 1 == n)
		return false;
	for (i++; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return false;
	return true;
}

static bool valid_tag(const char *p, size_t n)
{
	if (n == 0 || n > 128 || !is_word(p[0]))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!is_word(p[i]) && p[i] != '.' && p[i] != '-')
			return false;
	return true;
}

/* The reference grammar's digest: algorithm ":" at least 32 hex digits. */
static bool valid_digest_syntax(const char *p, size_t n)
{
	size_t i = 0, hex;

	for (;;) {
		if (i == n || !((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z')))
			return false;
		while (i < n && is_alnum(p[i]))
			i++;
		if (i < n && (p[i] == '-' || p[i] == '_' || p[i] == '+' || p[i] == '.')) {
			i++;
			continue;
		}
		break;
	}
	if (i == n || p[i] != ':')
		return false;
	i++;
	for (hex = 0; i < n; i++, hex++)
		if (!is_hex(p[i]))
			return false;
	return hex >= 32;
}

/* go-digest's Validate for the algorithms dockerd registers. */
static const char *check_digest(const char *p, size_t n)
{
	static const struct {
		const char *alg;
		size_t hex;
	} algs[] = { { "sha256", 64 }, { "sha384", 96 }, { "sha512", 128 } };
	const char *colon = memchr(p, ':', n);
	size_t alen = (size_t)(colon - p), hlen = n - alen - 1;

	/* syntax already checked: colon is there */
	for (size_t a = 0; a < sizeof(algs) / sizeof(algs[0]); a++) {
		if (alen != strlen(algs[a].alg) || memcmp(p, algs[a].alg, alen) != 0)
			continue;
		if (hlen != algs[a].hex)
			return E_DIGEST;
		for (size_t i = 0; i < hlen; i++)
			if (!is_lower_hex(colon[1 + i]))
				return E_DIGEST;
		return NULL;
	}
	return E_DIGEST_ALG;
}

/* The pieces of "domain/rest" as reference.Parse sees them. */
struct parsed {
	struct slice domain; /* n == 0: no domain */
	bool official;       /* path is "library/" + name */
	struct slice name;   /* the path (after "library/" when official) */
	struct slice tag, digest;
	bool has_tag, has_digest;
};

/*
 * reference.Parse on dom + "/" + (official ? "library/" : "") + rest.
 * `whole` is the same text as one slice when dom and rest are adjacent in
 * the input (the path may then start at dom, when dom is not a domain).
 * fold: check as if ASCII letters were lowercase (Parse's second try, which
 * only decides the error message).
 */
static bool parse_plain(struct slice dom, bool official, struct slice rest, bool fold,
			struct parsed *out)
{
	const char *sep = find2(rest.p, rest.n, ':', '@');
	size_t name_n = sep ? (size_t)(sep - rest.p) : rest.n;

	memset(out, 0, sizeof(*out));
	out->official = official;
	if (sep && *sep == ':') {
		const char *tag = sep + 1;
		const char *at = memchr(tag, '@', rest.n - (size_t)(tag - rest.p));
		size_t tn = at ? (size_t)(at - tag) : rest.n - (size_t)(tag - rest.p);

		out->has_tag = true;
		out->tag = (struct slice){ tag, tn };
		sep = at;
	}
	if (sep) { /* '@' */
		out->has_digest = true;
		out->digest = (struct slice){ sep + 1, rest.n - (size_t)(sep + 1 - rest.p) };
	}
	if (out->has_tag && !valid_tag(out->tag.p, out->tag.n))
		return false;
	if (out->has_digest && !valid_digest_syntax(out->digest.p, out->digest.n))
		return false;

	/* official: the domain and "library/" are valid as they are */
	if ((official || valid_domain(dom.p, dom.n)) && valid_path(rest.p, name_n, fold)) {
		out->domain = dom;
		out->name = (struct slice){ rest.p, name_n };
		return true;
	}
	if (official)
		return false;
	/*
	 * Not a domain: Go's regexp reads the whole name as a path.  Only
	 * possible when dom is the user's text, right before "/" + rest.
	 */
	if (dom.p + dom.n + 1 == rest.p &&
	    valid_path(dom.p, dom.n + 1 + name_n, fold)) {
		out->domain = (struct slice){ NULL, 0 };
		out->name = (struct slice){ dom.p, dom.n + 1 + name_n };
		return true;
	}
	return false;
}

static bool all_lower_hex(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!is_lower_hex(s[i]))
			return false;
	return true;
}

static bool has_upper(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] >= 'A' && p[i] <= 'Z')
			return true;
	return false;
}

/* Appends p[0..n) at buf + *w and a NUL; the caller has checked the room. */
static void put(char *buf, size_t *w, const char *p, size_t n)
{
	memcpy(buf + *w, p, n);
	*w += n;
	buf[*w] = '\0';
}

int imageref_parse(const char *s, size_t len, struct imageref *ref, const char **why)
{
	static const char def[] = DEFAULT_DOMAIN;
	struct slice dom, rest, remote;
	bool official = false;
	const char *slash, *colon;
	struct parsed pr;
	size_t path_n, name_n, w;

	memset(ref, 0, sizeof(*ref));
	*why = E_FORMAT;

	/* an image ID is not a name (anchoredIdentifierRegexp) */
	if (len == 64 && all_lower_hex(s, len)) {
		*why = "image ID";
		return -1;
	}
	if (len == 0 || memchr(s, '\0', len))
		return -1;

	/* splitDockerDomain */
	slash = memchr(s, '/', len);
	if (slash == NULL) {
		dom = (struct slice){ def, sizeof(def) - 1 };
		rest = (struct slice){ s, len };
		official = true;
	} else {
		struct slice first = { s, (size_t)(slash - s) };
		struct slice after = { slash + 1, len - first.n - 1 };

		if (eq(first, LEGACY_DOMAIN)) {
			dom = (struct slice){ def, sizeof(def) - 1 };
			rest = after;
		} else if (eq(first, "localhost") || memchr(first.p, '.', first.n) ||
			   memchr(first.p, ':', first.n) || has_upper(first.p, first.n)) {
			dom = first;
			rest = after;
		} else {
			dom = (struct slice){ def, sizeof(def) - 1 };
			rest = (struct slice){ s, len };
		}
		if (eq(dom, DEFAULT_DOMAIN) && !memchr(rest.p, '/', rest.n))
			official = true;
	}

	/* ParseNormalizedNamed: the remote (up to the first ':') must be lowercase */
	colon = memchr(rest.p, ':', rest.n);
	remote = (struct slice){ rest.p, colon ? (size_t)(colon - rest.p) : rest.n };
	if (has_upper(remote.p, remote.n)) {
		*why = E_LOWER;
		return -1;
	}

	/* reference.Parse */
	if (!parse_plain(dom, official, rest, false, &pr)) {
		if (has_upper(s, len) && parse_plain(dom, official, rest, true, &pr))
			*why = E_LOWER;
		else
			*why = E_FORMAT;
		return -1;
	}
	path_n = (pr.official ? sizeof(OFFICIAL_PREFIX) - 1 : 0) + pr.name.n;
	name_n = (pr.domain.n ? pr.domain.n + 1 : 0) + path_n;
	if (name_n > NAME_TOTAL_MAX) {
		*why = E_LONG;
		return -1;
	}
	if (pr.has_digest) {
		const char *e = check_digest(pr.digest.p, pr.digest.n);

		if (e) {
			*why = e;
			return -1;
		}
	}

	/* fill: every length below is bounded by NAME_TOTAL_MAX, the tag
	 * grammar (128) and the digest algorithms (7 + 128) */
	w = 0;
	put(ref->domain, &w, pr.domain.p ? pr.domain.p : "", pr.domain.n);
	w = 0;
	if (pr.official)
		put(ref->path, &w, OFFICIAL_PREFIX, sizeof(OFFICIAL_PREFIX) - 1);
	put(ref->path, &w, pr.name.p, pr.name.n);
	w = 0;
	if (pr.domain.n) {
		put(ref->full, &w, pr.domain.p, pr.domain.n);
		put(ref->full, &w, "/", 1);
	}
	put(ref->full, &w, ref->path, path_n);
	w = 0;
	if (pr.domain.n == 0) {
		put(ref->familiar, &w, ref->path, path_n);
	} else if (eq(pr.domain, DEFAULT_DOMAIN)) {
		/* familiarizeName: drop docker.io, and library/ when one level */
		const char *p = ref->path;
		size_t n = path_n;
		size_t pl = sizeof(OFFICIAL_PREFIX) - 1;

		if (n > pl && memcmp(p, OFFICIAL_PREFIX, pl) == 0 &&
		    !memchr(p + pl, '/', n - pl)) {
			p += pl;
			n -= pl;
		}
		put(ref->familiar, &w, p, n);
	} else {
		put(ref->familiar, &w, ref->full, name_n);
	}
	if (pr.has_tag) /* into zero-filled room: NUL-terminated */
		memcpy(ref->tag, pr.tag.p, pr.tag.n);
	if (pr.has_digest)
		memcpy(ref->digest, pr.digest.p, pr.digest.n);
	*why = NULL;
	return 0;
}
