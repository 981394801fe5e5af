/*
 * match: a bind source as a client spells it, the path dockerd will mount
 * (Go's filepath.Clean), and whether that mount reaches the Docker socket;
 * then the DKRPRX__ pattern lists as a user writes them in the environment.
 */
#include <stdbool.h>
#include <string.h>

#include "match.h"
#include "test.h"

/* Strings with an embedded NUL need an explicit length: L(s) is s and its size. */
#define L(s) s, sizeof(s) - 1

struct clean_row {
	const char *in;
	size_t in_len;
	const char *out;
	size_t out_len;
};

static const struct clean_row clean_rows[] = {
	/* Go's own table (path/filepath TestClean, Unix rows) */
	{ L(""), L(".") },
	{ L("abc"), L("abc") },
	{ L("abc/def"), L("abc/def") },
	{ L("a/b/c"), L("a/b/c") },
	{ L("."), L(".") },
	{ L(".."), L("..") },
	{ L("../.."), L("../..") },
	{ L("../../abc"), L("../../abc") },
	{ L("/abc"), L("/abc") },
	{ L("/"), L("/") },
	{ L("abc/"), L("abc") },
	{ L("abc/def/"), L("abc/def") },
	{ L("a/b/c/"), L("a/b/c") },
	{ L("./"), L(".") },
	{ L("../"), L("..") },
	{ L("../../"), L("../..") },
	{ L("/abc/"), L("/abc") },
	{ L("abc//def//ghi"), L("abc/def/ghi") },
	{ L("//abc"), L("/abc") },
	{ L("///abc"), L("/abc") },
	{ L("//abc//"), L("/abc") },
	{ L("abc//"), L("abc") },
	{ L("abc/./def"), L("abc/def") },
	{ L("/./abc/def"), L("/abc/def") },
	{ L("abc/."), L("abc") },
	{ L("abc/def/ghi/../jkl"), L("abc/def/jkl") },
	{ L("abc/def/../ghi/../jkl"), L("abc/jkl") },
	{ L("abc/def/.."), L("abc") },
	{ L("abc/def/../.."), L(".") },
	{ L("/abc/def/../.."), L("/") },
	{ L("abc/def/../../.."), L("..") },
	{ L("/abc/def/../../.."), L("/") },
	{ L("abc/def/../../../ghi/jkl/../../../mno"), L("../../mno") },
	{ L("/../abc"), L("/abc") },
	{ L("abc/./../def"), L("def") },
	{ L("abc//./../def"), L("def") },
	{ L("abc/../../././../def"), L("../../def") },

	/* the spellings of the socket a client may try */
	{ L("//var//run/"), L("/var/run") },
	{ L("/var/./run/../run/docker.sock"), L("/var/run/docker.sock") },
	{ L("/var/run/docker.sock/"), L("/var/run/docker.sock") },
	{ L("/var/run/./docker.sock"), L("/var/run/docker.sock") },
	{ L("/../.."), L("/") },
	{ L("/.."), L("/") },
	{ L("a/../../b"), L("../b") },
	{ L("./x"), L("x") },
	/* a NUL is a name byte: dockerd mounts the socket, not "/tmp/x" */
	{ L("/tmp/x\0/../../var/run/docker.sock"), L("/var/run/docker.sock") },
	{ L("/tmp/x\0"), L("/tmp/x\0") },
	{ L("/\0/.."), L("/") },
	/* names that only look like dots stay names */
	{ L("/var/.../run"), L("/var/.../run") },
	{ L("/var/..run"), L("/var/..run") },
	{ L("/var/run."), L("/var/run.") },
	{ L("/.hidden/./x"), L("/.hidden/x") },
	{ L("/a/b/../../../../c/.."), L("/") },
};

struct expose_row {
	const char *mounted;
	const char *protected_;
	bool exposes;
};

static const struct expose_row expose_rows[] = {
	{ "/var/run/docker.sock", "/var/run/docker.sock", true },
	{ "/var/run", "/var/run/docker.sock", true },
	{ "/var", "/var/run/docker.sock", true },
	{ "/", "/var/run/docker.sock", true },
	{ "/run", "/run/docker.sock", true },
	{ "/", "/", true },
	/* benign look-alikes */
	{ "/var/runner", "/var/run/docker.sock", false },
	{ "/run-foo", "/run/docker.sock", false },
	{ "/var/run/docker.sock.bak", "/var/run/docker.sock", false },
	{ "/var/run/docker", "/var/run/docker.sock", false },
	{ "/var/lib/data", "/var/run/docker.sock", false },
	{ "/var/run/docker.sock/x", "/var/run/docker.sock", false },
	{ "/va", "/var/run/docker.sock", false },
	{ "/run", "/var/run/docker.sock", false },
};

static void test_clean(void)
{
	char out[256];

	for (size_t i = 0; i < sizeof(clean_rows) / sizeof(clean_rows[0]); i++) {
		const struct clean_row *r = &clean_rows[i];
		size_t n = path_clean(r->in, r->in_len, out, sizeof(out));

		CHECK(n == r->out_len && memcmp(out, r->out, n) == 0 && out[n] == '\0',
		      "row %zu: clean(\"%s\") = \"%.*s\" (%zu), want \"%s\"", i, r->in,
		      n == (size_t)-1 ? 0 : (int)n, out, n, r->out);
		/* len + 2 is always room enough */
		n = path_clean(r->in, r->in_len, out, r->in_len + 2);
		CHECK(n == r->out_len, "row %zu: out_len %zu not enough", i, r->in_len + 2);
	}

	/* too small a buffer is an error, never a truncated path */
	CHECK(path_clean(L("/var/run"), out, 8) == (size_t)-1, "8 bytes for 8+NUL");
	CHECK(path_clean(L("/var/run"), out, 9) == 8, "9 bytes are enough");
	CHECK(path_clean(L(""), out, 1) == (size_t)-1, "\".\" needs 2 bytes");
	CHECK(path_clean(L(""), out, 0) == (size_t)-1, "no room at all");
	/* the buffer holds the work too: "/a/../../b/c/.." passes through "/b/c" */
	CHECK(path_clean(L("/a/../../b/c/.."), out, 3) == (size_t)-1, "room for /b/c");
	CHECK(path_clean(L("/a/../../b/c/.."), out, 6) == 2 && memcmp(out, "/b", 3) == 0,
	      "got \"%s\"", out);
	/* whatever the room, the answer is right or -1, never a truncated path */
	for (size_t room = 0; room < 40; room++) {
		static const char in[] = "//var/./run/../run/docker.sock/";
		size_t n = path_clean(in, sizeof(in) - 1, out, room);

		CHECK(n == (size_t)-1 || (n == 20 && memcmp(out, "/var/run/docker.sock", 21) == 0),
		      "room %zu: %zu", room, n);
	}
}

static void test_exposes(void)
{
	for (size_t i = 0; i < sizeof(expose_rows) / sizeof(expose_rows[0]); i++) {
		const struct expose_row *r = &expose_rows[i];

		CHECK(path_exposes(r->mounted, strlen(r->mounted), r->protected_,
				   strlen(r->protected_)) == r->exposes,
		      "mounting %s exposes %s: want %d", r->mounted, r->protected_, r->exposes);
	}
	CHECK(!path_exposes("", 0, "/var/run/docker.sock", 20), "empty mounted");

	/* what the filter does: clean the client's spelling, then compare */
	static const struct {
		const char *in;
		size_t len;
		bool exposes;
	} spelled[] = {
		{ L("//var//run/"), true },
		{ L("/var/run/../run/./docker.sock"), true },
		{ L("/tmp/x\0/../../var/run/docker.sock"), true },
		{ L("/var/lib/../"), true },
		{ L("/tmp/../"), true },
		{ L("/var/runner/"), false },
		{ L("/var/run/docker.sock.d/.."), true },
		{ L("/var/run/docker.sock\0"), false },
	};
	for (size_t i = 0; i < sizeof(spelled) / sizeof(spelled[0]); i++) {
		char out[128];
		size_t n = path_clean(spelled[i].in, spelled[i].len, out, sizeof(out));

		CHECK(path_exposes(out, n, "/var/run/docker.sock", 20) == spelled[i].exposes,
		      "spelled row %zu (\"%s\" -> \"%s\"): want %d", i, spelled[i].in, out,
		      spelled[i].exposes);
	}
}

struct pattern_row {
	const char *spec;
	int rc;           /* 0 or -1 */
	size_t n;         /* patterns compiled */
	const char *yes;  /* "|"-separated inputs that must match, NULL for none */
	const char *no;   /* inputs that must not match */
	const char *err;  /* substring of the error message */
};

static const struct pattern_row pattern_rows[] = {
	{ "^/etc/.*,^/root/.*", 0, 2, "/etc/passwd|/root/.ssh", "/home/etc/x|/var|etc/x", NULL },
	{ "", 0, 0, NULL, "anything|", NULL },
	{ " , ,,", 0, 0, NULL, "x", NULL },
	{ "  ^a$  ,\t^b$\t", 0, 2, "a|b", " a|a |ab", NULL },
	/* commas inside an interval or a bracket expression are the regex's */
	{ "^a{1,3}$", 0, 1, "a|aaa", "aaaa|", NULL },
	{ "^x{2,}$,^y$", 0, 2, "xx|xxxxx|y", "x", NULL },
	{ "^[,;]$", 0, 1, ",|;", "a", NULL },
	{ "^[^,]+$,^z$", 0, 2, "abc|z", "a,b", NULL },
	{ "^[]a,]$", 0, 1, "]|a|,", "b", NULL },
	{ "^[[:digit:],]+$,^q$", 0, 2, "1,2|q", "a", NULL },
	{ "^a\\,b$", 0, 1, "a,b", "a", NULL },
	{ "^(a|b),^c", 0, 2, "a|b|cat", "d", NULL },
	{ "^library/(busybox|alpine)$", 0, 1, "library/busybox", "library/busybox2", NULL },
	/* a backslash inside brackets is literal (POSIX): the comma after it splits */
	{ "^[\\],x", 0, 2, "\\|x", "a", NULL },
	/* unanchored patterns match anywhere */
	{ "docker\\.sock", 0, 1, "/var/run/docker.sock|docker.socket", "dockerXsock", NULL },
	/* bad patterns name themselves */
	{ "^ok$,(", -1, 0, NULL, NULL, "\"(\"" },
	{ "*a", -1, 0, NULL, NULL, "\"*a\"" },
	{ "a{", -1, 0, NULL, NULL, "\"a{" },
	{ "[abc", -1, 0, NULL, NULL, "\"[abc\"" },
	{ "abc\\", -1, 0, NULL, NULL, "\"abc\\\"" },
	/* what would make regcomp's copies explode is refused before it runs */
	{ "xx++++++++++++++++++++++++++++++++x", -1, 0, NULL, NULL, "next to each other" },
	{ "^a*?$", -1, 0, NULL, NULL, "next to each other" },
	{ "^a{2}{3}$", -1, 0, NULL, NULL, "next to each other" },
	{ "^a{1,256}$", -1, 0, NULL, NULL, "above 255" },
	{ "^a{300,}$", -1, 0, NULL, NULL, "above 255" },
	{ "^((x{9}){9})$", -1, 0, NULL, NULL, "a group that holds one" },
	{ "^((ab{2})c){3}$", -1, 0, NULL, NULL, "a group that holds one" },
	{ "((((((((((((((((((((((((((((((((((x))))))))))))))))))))))))))))))))))", -1, 0,
	  NULL, NULL, "nested too deeply" },
	/* ... and what only looks alike is not */
	{ "^a{1,255}$,^(ab){2,3}$,^(a+)?b$", 0, 3, "a|abab|aab|b|ab", "c|abc|abababab", NULL },
	{ "^[+*?{]+$,^a\\++$", 0, 2, "+*|a++|{", "a", NULL },
	{ "^(x{3})y(z){2}$", 0, 1, "xxxyzz", "xxyzz", NULL },
	{ "^[[:digit:]]{2}[a-f]{1,3}$", 0, 1, "12ab", "1ab", NULL },
};

static bool each_input(const char *list, const struct pattern_list *pl, bool want,
		       size_t row)
{
	bool ok = true;
	const char *p = list;

	if (list == NULL)
		return true;
	for (;;) {
		const char *bar = strchr(p, '|');
		size_t n = bar ? (size_t)(bar - p) : strlen(p);
		bool got = pattern_list_match(pl, p, n);

		CHECK(got == want, "row %zu: match(\"%.*s\") = %d, want %d", row, (int)n, p,
		      got, want);
		ok = ok && got == want;
		if (!bar)
			break;
		p = bar + 1;
	}
	return ok;
}

static void test_patterns(void)
{
	for (size_t i = 0; i < sizeof(pattern_rows) / sizeof(pattern_rows[0]); i++) {
		const struct pattern_row *r = &pattern_rows[i];
		struct pattern_list pl;
		char err[256] = "";
		int rc = pattern_list_compile(&pl, r->spec, err, sizeof(err));

		CHECK(rc == r->rc, "row %zu: compile(\"%s\") = %d, want %d (%s)", i, r->spec,
		      rc, r->rc, err);
		CHECK(pl.n == r->n, "row %zu: %zu patterns, want %zu", i, pl.n, r->n);
		if (r->err)
			CHECK(strstr(err, r->err) != NULL, "row %zu: error \"%s\" lacks %s", i,
			      err, r->err);
		if (rc == 0) {
			each_input(r->yes, &pl, true, i);
			each_input(r->no, &pl, false, i);
		}
		pattern_list_free(&pl);
		CHECK(pl.n == 0, "row %zu: free empties the list", i);
		pattern_list_free(&pl);
	}
}

static void test_pattern_limits(void)
{
	struct pattern_list pl;
	char err[256];
	char spec[PATTERN_MAX * 4 + 8];
	char big[PATTERN_INPUT_MAX + 2];
	size_t n = 0;

	/* exactly PATTERN_MAX patterns compile; one more is refused */
	for (int i = 0; i < PATTERN_MAX; i++)
		n += (size_t)snprintf(spec + n, sizeof(spec) - n, "^%c,", 'A' + i % 26);
	CHECK(pattern_list_compile(&pl, spec, err, sizeof(err)) == 0 && pl.n == PATTERN_MAX,
	      "%d patterns: %s", PATTERN_MAX, err);
	pattern_list_free(&pl);
	snprintf(spec + n, sizeof(spec) - n, "^z");
	CHECK(pattern_list_compile(&pl, spec, err, sizeof(err)) == -1 && pl.n == 0,
	      "%d patterns must be refused", PATTERN_MAX + 1);
	CHECK(strstr(err, "more than") != NULL, "error: %s", err);

	/* a pattern longer than PATTERN_ITEM_MAX is refused, not truncated */
	memset(big, 'a', PATTERN_ITEM_MAX + 1);
	big[PATTERN_ITEM_MAX + 1] = '\0';
	CHECK(pattern_list_compile(&pl, big, err, sizeof(err)) == -1, "long pattern");
	big[PATTERN_ITEM_MAX] = '\0';
	CHECK(pattern_list_compile(&pl, big, err, sizeof(err)) == 0 && pl.n == 1,
	      "pattern of PATTERN_ITEM_MAX bytes: %s", err);
	pattern_list_free(&pl);

	/* inputs: not NUL-terminated, up to PATTERN_INPUT_MAX, NUL inside */
	CHECK(pattern_list_compile(&pl, "^/etc$,^/data/", err, sizeof(err)) == 0, "%s", err);
	CHECK(pattern_list_match(&pl, "/etc/passwd", 4), "length bounds the input");
	CHECK(!pattern_list_match(&pl, "/etcetera", 5), "\"/etce\" vs ^/etc$");
	CHECK(pattern_list_match(&pl, "/etcX", 4), "prefix of a longer buffer");
	memset(big, 'x', sizeof(big));
	memcpy(big, "/data/", 6);
	CHECK(pattern_list_match(&pl, big, PATTERN_INPUT_MAX), "4096 bytes are looked at");
	CHECK(!pattern_list_match(&pl, big, PATTERN_INPUT_MAX + 1),
	      "longer: no match, callers refuse");
	CHECK(pattern_input_ok(big, PATTERN_INPUT_MAX), "4096 ok");
	CHECK(!pattern_input_ok(big, PATTERN_INPUT_MAX + 1), "4097 refused");
	CHECK(pattern_list_match(&pl, L("/data/x\0/../../etc")), "matched before the NUL");
	CHECK(!pattern_input_ok(L("/data/x\0/../../etc")), "NUL refused");
	CHECK(pattern_list_match(&pl, L("/etc\0")), "\"/etc\\0\" seen as /etc");
	CHECK(pattern_input_ok(L("/etc")), "plain ok");
	CHECK(pattern_input_ok("", 0), "empty ok");
	pattern_list_free(&pl);

	/* an empty list matches nothing, the empty string included */
	CHECK(pattern_list_compile(&pl, "", err, sizeof(err)) == 0, "empty");
	CHECK(!pattern_list_match(&pl, "", 0), "empty list, empty input");
	pattern_list_free(&pl);
	/* but a pattern that matches the empty string does */
	CHECK(pattern_list_compile(&pl, "^$", err, sizeof(err)) == 0, "^$");
	CHECK(pattern_list_match(&pl, "", 0), "^$ matches \"\"");
	pattern_list_free(&pl);
}

int main(void)
{
	test_clean();
	test_exposes();
	test_patterns();
	test_pattern_limits();
	TEST_DONE();
}
