/*
 * sockhint: what the log says when the proxy may not open the Docker socket.
 * Each row is a deployment an operator gets wrong, and the line that must
 * appear in the hint for it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sockhint.h"
#include "test.h"

struct row {
	const char *what;
	int err;
	struct sockhint_facts f;
	const char *want[3]; /* substrings the hint must hold */
	const char *never;   /* and one it must not */
};

static const struct row rows[] = {
	{ "non-root in a scratch image, socket root:docker 0660", EACCES,
	  { .uid = 65534, .gid = 65534, .owner = 0, .group = 998, .mode = 0660 },
	  { "sockwall runs as uid 65534 gid 65534",
	    "owned by uid 0 gid 998 mode 0660",
	    "`user: \"65534:998\"` (or `group_add: [\"998\"]`)" },
	  "security module" },
	{ "docker run --user", EACCES,
	  { .uid = 1000, .gid = 1000, .owner = 0, .group = 121, .mode = 0660 },
	  { "--user 1000:121", "Permission denied", "/var/run/docker.sock" },
	  NULL },
	{ "in the group already: the bits allow it, something else refuses", EACCES,
	  { .uid = 65534, .gid = 998, .in_group = true, .owner = 0, .group = 998, .mode = 0660 },
	  { "let this user in", "SELinux", NULL },
	  "user:" },
	{ "socket mode 0600: only its owner", EACCES,
	  { .uid = 65534, .gid = 65534, .owner = 0, .group = 0, .mode = 0600 },
	  { "only its owner", "`user: \"0:0\"`", NULL },
	  "group_add" },
	{ "group without write permission", EACCES,
	  { .uid = 65534, .gid = 65534, .owner = 0, .group = 998, .mode = 0640 },
	  { "only its owner", "mode 0640", NULL },
	  "group_add" },
	{ "mode 0000", EPERM,
	  { .uid = 65534, .gid = 65534, .owner = 0, .group = 998, .mode = 0 },
	  { "Operation not permitted", "group-writable", NULL },
	  "user:" },
	{ "userns-remap: the owner shows as the overflow ids", EACCES,
	  { .uid = 0, .gid = 0, .owner = 65534, .group = 65534, .mode = 0660 },
	  { "not mapped into this user namespace", "userns_mode: host", NULL },
	  "user:" },
	{ "a closed directory on the path", EACCES,
	  { .uid = 65534, .gid = 65534, .stat_err = EACCES },
	  { "cannot be examined (Permission denied)", "mount the socket itself", NULL },
	  "owned by" },
};

static void test_rows(void)
{
	char out[512];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		size_t n = sockhint_format(out, sizeof(out), "/var/run/docker.sock", r->err, &r->f);
		CHECK(n == strlen(out) && n > 0, "%s: length %zu", r->what, n);
		CHECK(!strchr(out, '\n'), "%s: one line: %s", r->what, out);
		for (int k = 0; k < 3; k++)
			if (r->want[k])
				CHECK(strstr(out, r->want[k]), "%s: '%s' missing in: %s", r->what,
				      r->want[k], out);
		if (r->never)
			CHECK(!strstr(out, r->never), "%s: '%s' should not be in: %s", r->what,
			      r->never, out);
	}
}

/* A small buffer truncates; it never overflows and stays terminated. */
static void test_truncation(void)
{
	char out[40];
	memset(out, 'x', sizeof(out));
	size_t n = sockhint_format(out, 24, "/var/run/docker.sock", EACCES, &rows[0].f);
	CHECK(n == 23 && strlen(out) == 23, "truncated to %zu: %s", n, out);
	CHECK(out[24] == 'x', "wrote past the buffer");
	CHECK(sockhint_format(out, 0, "/s", EACCES, &rows[0].f) == 0, "empty buffer");
}

/* Only permission errors get a hint: a missing socket is dockerd being away. */
static void test_explain_only_for_permissions(void)
{
	char out[512] = "junk";
	CHECK(sockhint_explain(out, sizeof(out), "/nonexistent/docker.sock", ENOENT) == 0 &&
		      out[0] == '\0', "ENOENT gave: %s", out);
	CHECK(sockhint_explain(out, sizeof(out), "/nonexistent/docker.sock", ECONNREFUSED) == 0,
	      "ECONNREFUSED gave: %s", out);
	CHECK(sockhint_explain(out, sizeof(out), "/nonexistent/docker.sock", EACCES) > 0 &&
		      strstr(out, "cannot be examined (No such file or directory)"),
	      "EACCES on a vanished path: %s", out);
	CHECK(sockhint_probe(out, sizeof(out), "/nonexistent/docker.sock") == 0, "probe: %s", out);
}

int main(void)
{
	test_rows();
	test_truncation();
	test_explain_only_for_permissions();
	TEST_DONE();
}
