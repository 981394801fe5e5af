/*
 * fuzz_path: path_clean (and path_exposes) from match.h on arbitrary bytes.
 *
 * Invariants:
 *  - with len + 2 bytes of room it succeeds, as documented; the result is
 *    NUL-terminated at the returned length;
 *  - it equals goclean.h's reference of Go's filepath.Clean, byte for byte;
 *  - idempotence: clean(clean(x)) == clean(x);
 *  - the result has no "//", no "." element (unless it is "."), no ".."
 *    element in a rooted path and none after a name in a relative one, no
 *    trailing '/' (unless it is "/"); absolute in <=> absolute out;
 *  - too little room gives (size_t)-1, never a truncated or other path,
 *    and nothing is written past out_len (exact-size buffers);
 *  - path_exposes(clean, "/var/run/docker.sock") and the reverse agree
 *    with a reference (equal, or an ancestor directory).
 */
#include "fuzz.h"

#include "goclean.h"
#include "match.h"

static size_t clean_exact(const char *in, size_t len, size_t room, char **out)
{
	char *copy = fuzz_dup(in, len);
	*out = malloc(room ? room : 1);
	size_t n = path_clean(copy, len, *out, room);
	free(copy);
	return n;
}

static void check_shape(const char *p, size_t n, int rooted)
{
	FUZZ_CHECK(n >= 1, "empty result");
	FUZZ_CHECK((p[0] == '/') == rooted, "rooted %d in, result starts with %02x", rooted,
		   (unsigned char)p[0]);
	if (n == 1 && (p[0] == '/' || p[0] == '.'))
		return;
	FUZZ_CHECK(p[n - 1] != '/', "trailing '/'");
	int names = 0;
	for (size_t i = rooted; i < n;) {
		size_t j = i;
		while (j < n && p[j] != '/')
			j++;
		size_t el = j - i;
		FUZZ_CHECK(el > 0, "empty element at %zu", i);
		FUZZ_CHECK(!(el == 1 && p[i] == '.'), "\".\" element at %zu", i);
		if (el == 2 && p[i] == '.' && p[i + 1] == '.')
			FUZZ_CHECK(!rooted && !names, "\"..\" element at %zu after a name or at the root",
				   i);
		else
			names = 1;
		i = j + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	char *out, *ref = malloc(size + 2);

	fuzz_begin(data, size);
	size_t n = clean_exact(in, size, size + 2, &out);
	FUZZ_CHECK(n != (size_t)-1, "path_clean fails with len + 2 bytes of room");
	FUZZ_CHECK(n <= size + 1 && out[n] == '\0', "result of %zu bytes not NUL-terminated", n);

	size_t rn = ref_clean(in, size, ref);
	if (rn != n || memcmp(ref, out, n) != 0) {
		fuzz_dump("path_clean", out, n);
		fuzz_dump("Go's Clean", ref, rn);
		fuzz_fail("path_clean differs from Go's filepath.Clean");
	}
	check_shape(out, n, size > 0 && in[0] == '/');

	/* idempotent */
	char *again;
	size_t n2 = clean_exact(out, n, n + 2, &again);
	FUZZ_CHECK(n2 == n && memcmp(again, out, n) == 0, "clean(clean(x)) != clean(x)");
	free(again);

	/* too little room: -1, never a truncated path */
	char *small;
	FUZZ_CHECK(clean_exact(in, size, n, &small) == (size_t)-1,
		   "path_clean succeeds with room for %zu bytes and no NUL", n);
	free(small);
	size_t m = clean_exact(in, size, n + 1, &small);
	FUZZ_CHECK(m == (size_t)-1 || (m == n && memcmp(small, out, n) == 0 && small[n] == '\0'),
		   "path_clean with exactly enough room gives another path");
	free(small);
	FUZZ_CHECK(clean_exact(in, size, 0, &small) == (size_t)-1, "path_clean into 0 bytes");
	free(small);

	/* containment, both ways, for absolute results */
	if (out[0] == '/') {
		static const char sock[] = "/var/run/docker.sock";
		size_t sl = sizeof(sock) - 1;
		FUZZ_CHECK(path_exposes(out, n, sock, sl) == (ref_exposes(out, n, sock, sl) != 0),
			   "path_exposes(clean, socket) disagrees with the reference");
		FUZZ_CHECK(path_exposes(sock, sl, out, n) == (ref_exposes(sock, sl, out, n) != 0),
			   "path_exposes(socket, clean) disagrees with the reference");
		FUZZ_CHECK(path_exposes(out, n, out, n), "a path does not expose itself");
	}
	free(out);
	free(ref);
	return 0;
}
