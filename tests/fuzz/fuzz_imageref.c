/*
 * fuzz_imageref: imageref_parse on arbitrary bytes.
 *
 * Invariants:
 *  - returns 0 (why NULL) or -1 (why set); 64 lowercase hex digits alone
 *    are "image ID";
 *  - on 0: every field is NUL-terminated inside its array; full is
 *    domain + "/" + path (path alone when domain is ""), at most 255 bytes;
 *    path is lowercase components; the domain is never index.docker.io;
 *    familiar is derivable: path without "library/" (one level) on
 *    docker.io, path when there is no domain, full otherwise; the tag is
 *    [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}, the digest sha256/384/512 with
 *    64/96/128 lowercase hex digits;
 *  - idempotent normalisation: full with ":tag" and "@digest" appended
 *    parses again to the very same result; so does familiar, but for a
 *    docker.io path whose first component reads as a registry.
 */
#include "fuzz.h"

#include "imageref.h"

static void check_terminated(const char *field, size_t cap, const char *what)
{
	FUZZ_CHECK(memchr(field, '\0', cap) != NULL, "%s is not NUL-terminated", what);
}

static int valid_tag(const char *t)
{
	size_t n = strlen(t);

	if (n == 0 || n > 128)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = t[i];
		int word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			   c == '_';
		if (!word && (i == 0 || (c != '.' && c != '-')))
			return 0;
	}
	return 1;
}

static int valid_digest(const char *d)
{
	static const struct {
		const char *alg;
		size_t hex;
	} algs[] = { { "sha256:", 64 }, { "sha384:", 96 }, { "sha512:", 128 } };

	for (size_t a = 0; a < 3; a++) {
		size_t al = strlen(algs[a].alg);
		if (strncmp(d, algs[a].alg, al) != 0)
			continue;
		if (strlen(d + al) != algs[a].hex)
			return 0;
		return strspn(d + al, "0123456789abcdef") == algs[a].hex;
	}
	return 0;
}

static void check_ref(const struct imageref *r)
{
	check_terminated(r->domain, sizeof(r->domain), "domain");
	check_terminated(r->path, sizeof(r->path), "path");
	check_terminated(r->full, sizeof(r->full), "full");
	check_terminated(r->familiar, sizeof(r->familiar), "familiar");
	check_terminated(r->tag, sizeof(r->tag), "tag");
	check_terminated(r->digest, sizeof(r->digest), "digest");

	size_t dl = strlen(r->domain), pl = strlen(r->path);
	char want[2 * IMAGEREF_MAX];

	FUZZ_CHECK(pl > 0, "empty path");
	snprintf(want, sizeof(want), "%s%s%s", r->domain, dl ? "/" : "", r->path);
	FUZZ_CHECK(strcmp(r->full, want) == 0, "full \"%s\" is not domain/path \"%s\"", r->full,
		   want);
	FUZZ_CHECK(strlen(r->full) <= 255, "full name of %zu bytes", strlen(r->full));
	FUZZ_CHECK(strcmp(r->domain, "index.docker.io") != 0, "index.docker.io not normalised");
	FUZZ_CHECK(strspn(r->path, "abcdefghijklmnopqrstuvwxyz0123456789._-/") == pl,
		   "path \"%s\" has a byte outside the component grammar", r->path);
	FUZZ_CHECK(r->path[0] != '/' && r->path[pl - 1] != '/' && !strstr(r->path, "//"),
		   "path \"%s\" has an empty component", r->path);

	if (strcmp(r->domain, "docker.io") == 0) {
		const char *p = r->path;
		if (strncmp(p, "library/", 8) == 0 && !strchr(p + 8, '/'))
			p += 8;
		FUZZ_CHECK(strcmp(r->familiar, p) == 0, "familiar \"%s\" for docker.io/%s", r->familiar,
			   r->path);
		FUZZ_CHECK(strchr(r->path, '/') != NULL, "docker.io path \"%s\" without a namespace",
			   r->path);
	} else if (dl == 0) {
		FUZZ_CHECK(strcmp(r->familiar, r->path) == 0, "familiar \"%s\" without a domain",
			   r->familiar);
	} else {
		FUZZ_CHECK(strcmp(r->familiar, r->full) == 0, "familiar \"%s\", full \"%s\"",
			   r->familiar, r->full);
	}
	FUZZ_CHECK(!r->tag[0] || valid_tag(r->tag), "tag \"%s\"", r->tag);
	FUZZ_CHECK(!r->digest[0] || valid_digest(r->digest), "digest \"%s\"", r->digest);
}

static void reparse(const struct imageref *r, const char *name, const char *what)
{
	char s[2 * IMAGEREF_MAX + 300];
	int n = snprintf(s, sizeof(s), "%s%s%s%s%s", name, r->tag[0] ? ":" : "", r->tag,
			 r->digest[0] ? "@" : "", r->digest);
	static struct imageref again;
	const char *why = NULL;

	/* a familiar name may be 64 hex digits, which alone mean an image ID */
	if (n == 64 && strspn(s, "0123456789abcdef") == 64)
		return;
	char *copy = fuzz_dup(s, (size_t)n);
	int rc = imageref_parse(copy, (size_t)n, &again, &why);
	free(copy);
	FUZZ_CHECK(rc == 0, "%s \"%s\" does not parse again: %s", what, s, why ? why : "?");
	FUZZ_CHECK(strcmp(r->domain, again.domain) == 0 && strcmp(r->path, again.path) == 0 &&
			   strcmp(r->full, again.full) == 0 &&
			   strcmp(r->familiar, again.familiar) == 0 &&
			   strcmp(r->tag, again.tag) == 0 && strcmp(r->digest, again.digest) == 0,
		   "%s \"%s\" parses to %s|%s|%s|%s|%s|%s, first %s|%s|%s|%s|%s|%s", what, s,
		   again.domain, again.path, again.full, again.familiar, again.tag, again.digest,
		   r->domain, r->path, r->full, r->familiar, r->tag, r->digest);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct imageref ref;
	const char *why = NULL;

	fuzz_begin(data, size);
	int rc = imageref_parse((const char *)data, size, &ref, &why);

	FUZZ_CHECK(rc == 0 || rc == -1, "imageref_parse returned %d", rc);
	int is_id = size == 64;
	for (size_t i = 0; i < size && is_id; i++)
		is_id = (data[i] >= '0' && data[i] <= '9') || (data[i] >= 'a' && data[i] <= 'f');
	if (is_id)
		FUZZ_CHECK(rc == -1 && why && strcmp(why, "image ID") == 0,
			   "64 lowercase hex digits are not an image ID");
	if (rc < 0) {
		FUZZ_CHECK(why && *why, "refused without a reason");
		return 0;
	}
	FUZZ_CHECK(why == NULL, "accepted with a reason");
	FUZZ_CHECK(!memchr(data, '\0', size), "accepted a NUL byte");
	check_ref(&ref);
	reparse(&ref, ref.full, "full");
	/*
	 * The familiar name too, unless it is a docker.io path whose first
	 * component reads as a registry: "docker.io/a.b/c" is familiar
	 * "a.b/c", which is registry a.b (reference's FamiliarName does the
	 * same; Docker Hub namespaces have no '.' or ':').
	 */
	const char *slash = strchr(ref.familiar, '/');
	size_t first = slash ? (size_t)(slash - ref.familiar) : 0;
	int looks_like_domain = slash && (memchr(ref.familiar, '.', first) ||
					  memchr(ref.familiar, ':', first) ||
					  (first == 9 && memcmp(ref.familiar, "localhost", 9) == 0));
	if (!(strcmp(ref.domain, "docker.io") == 0 && looks_like_domain))
		reparse(&ref, ref.familiar, "familiar");
	return 0;
}
