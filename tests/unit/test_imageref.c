/*
 * imageref: an image reference as a user types it (docker pull, docker run,
 * an Image in a create body), and the repository, tag and digest dockerd
 * will use (distribution/reference ParseNormalizedNamed), or why dockerd
 * refuses it.  The filters compare `full` and `tag`.
 */
#include <stdbool.h>
#include <string.h>

#include "imageref.h"
#include "test.h"

#define D64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define D96 D64 "0123456789abcdef0123456789abcdef"
#define D128 D64 D64

#define BAD(in, msg) { in, -1, NULL, NULL, NULL, NULL, NULL, NULL, msg }
#define E_FORMAT "invalid reference format"
#define E_LOWER "must be lowercase"
#define E_LONG "not be more than 255"
#define E_DIGEST "invalid checksum digest format"
#define E_ALG "unsupported digest algorithm"

struct row {
	const char *in;
	int rc;
	const char *domain, *path, *full, *familiar, *tag, *digest;
	const char *why; /* substring of *why when rc is -1 */
};

static const struct row rows[] = {
	/* Docker Hub official images, every spelling */
	{ "busybox", 0, "docker.io", "library/busybox", "docker.io/library/busybox", "busybox", "", "", NULL },
	{ "library/busybox", 0, "docker.io", "library/busybox", "docker.io/library/busybox", "busybox", "", "", NULL },
	{ "docker.io/busybox", 0, "docker.io", "library/busybox", "docker.io/library/busybox", "busybox", "", "", NULL },
	{ "docker.io/library/busybox", 0, "docker.io", "library/busybox", "docker.io/library/busybox", "busybox", "", "", NULL },
	{ "index.docker.io/library/busybox:1.36", 0, "docker.io", "library/busybox", "docker.io/library/busybox", "busybox", "1.36", "", NULL },
	{ "index.docker.io/busybox", 0, "docker.io", "library/busybox", "docker.io/library/busybox", "busybox", "", "", NULL },
	{ "busybox:latest", 0, "docker.io", "library/busybox", "docker.io/library/busybox", "busybox", "latest", "", NULL },
	{ "busybox@sha256:" D64, 0, "docker.io", "library/busybox", "docker.io/library/busybox", "busybox", "", "sha256:" D64, NULL },
	{ "busybox:1.36@sha256:" D64, 0, "docker.io", "library/busybox", "docker.io/library/busybox", "busybox", "1.36", "sha256:" D64, NULL },
	/* Docker Hub user repositories */
	{ "team/app", 0, "docker.io", "team/app", "docker.io/team/app", "team/app", "", "", NULL },
	{ "docker.io/team/app:v1", 0, "docker.io", "team/app", "docker.io/team/app", "team/app", "v1", "", NULL },
	{ "library/a/b", 0, "docker.io", "library/a/b", "docker.io/library/a/b", "library/a/b", "", "", NULL },
	/* registry.example.com is a domain only where it comes first */
	{ "team/registry.example.com", 0, "docker.io", "team/registry.example.com", "docker.io/team/registry.example.com", "team/registry.example.com", "", "", NULL },
	/* "localhost" alone is an image name on the Hub; "localhost/" a registry */
	{ "localhost", 0, "docker.io", "library/localhost", "docker.io/library/localhost", "localhost", "", "", NULL },
	{ "localhost:5000", 0, "docker.io", "library/localhost", "docker.io/library/localhost", "localhost", "5000", "", NULL },
	{ "localhost/app", 0, "localhost", "app", "localhost/app", "localhost/app", "", "", NULL },
	{ "localhost:5000/team/app:v1@sha256:" D64, 0, "localhost:5000", "team/app", "localhost:5000/team/app", "localhost:5000/team/app", "v1", "sha256:" D64, NULL },
	{ "registry.example.com/a/b/c:tag", 0, "registry.example.com", "a/b/c", "registry.example.com/a/b/c", "registry.example.com/a/b/c", "tag", "", NULL },
	{ "registry.example.com:443/app", 0, "registry.example.com:443", "app", "registry.example.com:443/app", "registry.example.com:443/app", "", "", NULL },
	{ "Registry.Example.COM/app", 0, "Registry.Example.COM", "app", "Registry.Example.COM/app", "Registry.Example.COM/app", "", "", NULL },
	{ "127.0.0.1:5000/app:1", 0, "127.0.0.1:5000", "app", "127.0.0.1:5000/app", "127.0.0.1:5000/app", "1", "", NULL },
	{ "my-registry:5000/app", 0, "my-registry:5000", "app", "my-registry:5000/app", "my-registry:5000/app", "", "", NULL },
	/* an uppercase first component is taken for a host (reference v0.6) */
	{ "Foo/bar", 0, "Foo", "bar", "Foo/bar", "Foo/bar", "", "", NULL },
	/* IPv6 hosts in brackets */
	{ "[::1]:5000/app", 0, "[::1]:5000", "app", "[::1]:5000/app", "[::1]:5000/app", "", "", NULL },
	{ "[2001:db8::1]/team/app:v2", 0, "[2001:db8::1]", "team/app", "[2001:db8::1]/team/app", "[2001:db8::1]/team/app", "v2", "", NULL },
	BAD("[fe80::1%25eth0]/app", E_FORMAT),
	BAD("[]/app", E_FORMAT),
	BAD("[::1/app", E_FORMAT),
	/* a first component with '.' that is no host: the whole name is a path */
	{ "a_b.c/d", 0, "", "a_b.c/d", "a_b.c/d", "a_b.c/d", "", "", NULL },
	/* name components: separators between alnum runs */
	{ "team/a.b_c__d-e---f", 0, "docker.io", "team/a.b_c__d-e---f", "docker.io/team/a.b_c__d-e---f", "team/a.b_c__d-e---f", "", "", NULL },
	{ "a_b__c-d---e/f", 0, "docker.io", "a_b__c-d---e/f", "docker.io/a_b__c-d---e/f", "a_b__c-d---e/f", "", "", NULL },
	/* with a '.' the first component is taken for a host, is none, and is path */
	{ "a.b_c/g", 0, "", "a.b_c/g", "a.b_c/g", "a.b_c/g", "", "", NULL },
	{ "0/1", 0, "docker.io", "0/1", "docker.io/0/1", "0/1", "", "", NULL },
	BAD("a..b", E_FORMAT),
	BAD("a___b", E_FORMAT),
	BAD("a._b", E_FORMAT),
	BAD("-a", E_FORMAT),
	BAD("a-", E_FORMAT),
	BAD("_a", E_FORMAT),
	BAD("a.", E_FORMAT),
	/* tags */
	{ "app:V1.0_rc-2", 0, "docker.io", "library/app", "docker.io/library/app", "app", "V1.0_rc-2", "", NULL },
	{ "app:_x", 0, "docker.io", "library/app", "docker.io/library/app", "app", "_x", "", NULL },
	{ "app:" "0123456789012345678901234567890123456789012345678901234567890123"
	  "0123456789012345678901234567890123456789012345678901234567890123", 0, "docker.io",
	  "library/app", "docker.io/library/app", "app",
	  "0123456789012345678901234567890123456789012345678901234567890123"
	  "0123456789012345678901234567890123456789012345678901234567890123", "", NULL },
	BAD("app:" "0123456789012345678901234567890123456789012345678901234567890123"
	    "01234567890123456789012345678901234567890123456789012345678901234", E_FORMAT),
	BAD("a:", E_FORMAT),
	BAD("a:-tag", E_FORMAT),
	BAD("a:.tag", E_FORMAT),
	BAD("a:b:c", E_FORMAT),
	BAD("a:b/c", E_FORMAT),
	BAD("a:t@g", E_FORMAT),
	BAD(":tag", E_FORMAT),
	/* digests: the grammar, then go-digest */
	{ "app@sha384:" D96, 0, "docker.io", "library/app", "docker.io/library/app", "app", "", "sha384:" D96, NULL },
	{ "app@sha512:" D128, 0, "docker.io", "library/app", "docker.io/library/app", "app", "", "sha512:" D128, NULL },
	BAD("@sha256:" D64, E_FORMAT),
	BAD("app@sha256:short", E_FORMAT),
	BAD("app@sha256:0123456789abcdef0123456789abcdef", E_DIGEST),
	BAD("app@sha256:" D64 "0", E_DIGEST),
	BAD("app@sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef", E_DIGEST),
	BAD("app@md5:0123456789abcdef0123456789abcdef", E_ALG),
	BAD("app@sha256+b64:" D64, E_ALG),
	BAD("app@sha256:" D64 "@sha256:" D64, E_FORMAT),
	BAD("app@", E_FORMAT),
	BAD("app@sha256:" D64 ":x", E_FORMAT),
	BAD("app@SHA256:" D64, E_LOWER),
	/* uppercase in the repository */
	BAD("Busybox", E_LOWER),
	BAD("team/App", E_LOWER),
	BAD("localhost:5000/team/App:v1", E_LOWER),
	BAD("docker.io/Busybox", E_LOWER),
	BAD("Foo_x/bar", E_LOWER),
	/* structure */
	BAD("", E_FORMAT),
	BAD("a//b", E_FORMAT),
	BAD("/a", E_FORMAT),
	BAD("busybox/", E_FORMAT),
	BAD("registry.example.com/", E_FORMAT),
	BAD("localhost/", E_FORMAT),
	BAD("registry.example.com:/app", E_FORMAT),
	BAD("registry.example.com:port/app", E_FORMAT),
	BAD("-registry.example.com/app", E_FORMAT),
	BAD("registry-.example.com/app", E_FORMAT),
	BAD("registry..example.com/app", E_FORMAT),
	BAD("a b", E_FORMAT),
	BAD("caf\xc3\xa9", E_FORMAT),
	BAD("http://registry.example.com/app", E_FORMAT),
	/* exactly 64 lowercase hex digits alone are an image ID, not a name;
	 * 63 or 65 of them, or with a tag or a namespace, are names */
	BAD(D64, "image ID"),
	{ D64 "0", 0, "docker.io", "library/" D64 "0", "docker.io/library/" D64 "0", D64 "0", "", "", NULL },
	BAD("0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef", E_LOWER),
	{ "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde", 0, "docker.io",
	  "library/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde",
	  "docker.io/library/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde",
	  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde", "", "", NULL },
	{ "team/" D64, 0, "docker.io", "team/" D64, "docker.io/team/" D64, "team/" D64, "", "", NULL },
	{ D64 ":tag", 0, "docker.io", "library/" D64, "docker.io/library/" D64, D64, "tag", "", NULL },
};

static void check_row(size_t i, const struct row *r)
{
	struct imageref ref;
	const char *why = NULL;
	int rc = imageref_parse(r->in, strlen(r->in), &ref, &why);

	CHECK(rc == r->rc, "row %zu \"%s\": rc %d, want %d (%s)", i, r->in, rc, r->rc,
	      why ? why : "");
	if (rc != r->rc)
		return;
	if (rc != 0) {
		CHECK(why != NULL && strstr(why, r->why) != NULL,
		      "row %zu \"%s\": why \"%s\", want \"%s\"", i, r->in, why ? why : "(null)",
		      r->why);
		return;
	}
	CHECK(why == NULL, "row %zu: why set on success", i);
	CHECK(strcmp(ref.domain, r->domain) == 0, "row %zu \"%s\": domain \"%s\", want \"%s\"",
	      i, r->in, ref.domain, r->domain);
	CHECK(strcmp(ref.path, r->path) == 0, "row %zu \"%s\": path \"%s\", want \"%s\"", i,
	      r->in, ref.path, r->path);
	CHECK(strcmp(ref.full, r->full) == 0, "row %zu \"%s\": full \"%s\", want \"%s\"", i,
	      r->in, ref.full, r->full);
	CHECK(strcmp(ref.familiar, r->familiar) == 0,
	      "row %zu \"%s\": familiar \"%s\", want \"%s\"", i, r->in, ref.familiar,
	      r->familiar);
	CHECK(strcmp(ref.tag, r->tag) == 0, "row %zu \"%s\": tag \"%s\", want \"%s\"", i, r->in,
	      ref.tag, r->tag);
	CHECK(strcmp(ref.digest, r->digest) == 0, "row %zu \"%s\": digest \"%s\", want \"%s\"",
	      i, r->in, ref.digest, r->digest);
}

/* A name of n bytes in total ("docker.io/" counted), made of 'a' components. */
static void long_name(char *buf, size_t total, const char *prefix)
{
	size_t w = strlen(prefix);

	memcpy(buf, prefix, w);
	while (w < total) {
		/* a '/' every 50 bytes keeps components short and valid */
		buf[w] = (w % 50 == 0 && buf[w - 1] != '/' && w + 1 < total) ? '/' : 'a';
		w++;
	}
	buf[w] = '\0';
}

static void test_lengths(void)
{
	char buf[1200];
	struct imageref ref;
	const char *why;

	/* 255 bytes of name, domain included, is the limit */
	long_name(buf, 255, "registry.example.com/");
	CHECK(imageref_parse(buf, strlen(buf), &ref, &why) == 0 && strlen(ref.full) == 255,
	      "255-byte name: %s", why ? why : "");
	long_name(buf, 256, "registry.example.com/");
	CHECK(imageref_parse(buf, strlen(buf), &ref, &why) == -1 && strstr(why, E_LONG),
	      "256-byte name: %s", why ? why : "(ok)");
	/* on the Hub, "docker.io/" counts: a 245-byte user path is the most */
	long_name(buf, 245, "team/");
	CHECK(imageref_parse(buf, strlen(buf), &ref, &why) == 0 && strlen(ref.full) == 255,
	      "245-byte hub path: %s", why ? why : "");
	long_name(buf, 246, "team/");
	CHECK(imageref_parse(buf, strlen(buf), &ref, &why) == -1, "246-byte hub path");
	/* a long tag and digest do not count towards the name */
	long_name(buf, 255, "registry.example.com/");
	strcat(buf, ":" "0123456789012345678901234567890123456789012345678901234567890123"
		    "0123456789012345678901234567890123456789012345678901234567890123"
		    "@sha512:" D128);
	CHECK(imageref_parse(buf, strlen(buf), &ref, &why) == 0 && strlen(ref.tag) == 128 &&
		      strlen(ref.digest) == 135,
	      "name, tag and digest at their limits: %s", why ? why : "");
	/* a very long input is refused, not overrun */
	memset(buf, 'a', 1100);
	buf[1100] = '\0';
	CHECK(imageref_parse(buf, 1100, &ref, &why) == -1, "1100 bytes");
}

static void test_bytes(void)
{
	struct imageref ref;
	const char *why;

	/* the length is what counts: not NUL-terminated input */
	CHECK(imageref_parse("busybox:1.36XXXX", 12, &ref, &why) == 0 &&
		      strcmp(ref.tag, "1.36") == 0,
	      "bounded by len: %s", why ? why : "");
	/* a NUL inside is no name byte */
	CHECK(imageref_parse("busybox\0:evil", 13, &ref, &why) == -1, "NUL inside");
	CHECK(imageref_parse("busybox", 0, &ref, &why) == -1, "empty by length");
}

int main(void)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		check_row(i, &rows[i]);
	test_lengths();
	test_bytes();
	TEST_DONE();
}
