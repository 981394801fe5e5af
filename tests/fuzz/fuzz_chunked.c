/*
 * fuzz_chunked: http_chunked_scan and http_chunked_decode on arbitrary bytes
 * (the bytes after a request head announcing Transfer-Encoding: chunked).
 *
 * Invariants:
 *  - fed whole, fed one byte at a time, and fed in pieces of pseudo-random
 *    sizes (derived from the input), the scanner gives the same verdict:
 *    malformed, or the same count of body bytes and the same done flag;
 *    while not done it takes every byte it is given; once done it takes
 *    no more;
 *  - the verdict is the one of a strict reference reader of RFC 9112
 *    chunked coding written here: 1..15 hex digits, CRLF, data, CRLF; the
 *    last chunk (size 0), trailer fields "name: value" CRLF, CRLF; no chunk
 *    extensions, no bare CR or LF, no whitespace;
 *  - when done, http_chunked_decode of exactly the body bytes, into a
 *    buffer of that size, gives the data the reference reader decoded.
 */
#include "fuzz.h"
#include "hexdigit.h"

#include "http.h"

enum { REF_MALFORMED = -1, REF_MORE = 0, REF_DONE = 1 };

static int is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return 1;
	return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* CRLF at *i: REF_DONE when there, REF_MORE when cut short. */
static int crlf(const unsigned char *s, size_t len, size_t *i)
{
	if (*i == len)
		return REF_MORE;
	if (s[*i] != '\r')
		return REF_MALFORMED;
	if (*i + 1 == len)
		return REF_MORE;
	if (s[*i + 1] != '\n')
		return REF_MALFORMED;
	*i += 2;
	return REF_DONE;
}

/*
 * The reference reader.  REF_DONE with *used = the body's length and the
 * data in out (room for len bytes), REF_MORE when every byte so far fits
 * the grammar, or REF_MALFORMED.
 */
static int ref_read(const unsigned char *s, size_t len, size_t *used, char *out, size_t *out_len)
{
	size_t i = 0, o = 0;
	int r;

	for (;;) {
		uint64_t size = 0;
		size_t digits = 0;
		while (i < len && hex_digit_value(s[i]) >= 0) {
			if (++digits > 15)
				return REF_MALFORMED;
			size = size * 16 + (uint64_t)hex_digit_value(s[i]);
			i++;
		}
		if (i == len)
			return REF_MORE;
		if (digits == 0)
			return REF_MALFORMED;
		if ((r = crlf(s, len, &i)) != REF_DONE)
			return r;
		if (size == 0)
			break;
		if (len - i < size)
			return REF_MORE;
		memcpy(out + o, s + i, (size_t)size);
		o += (size_t)size;
		i += (size_t)size;
		if ((r = crlf(s, len, &i)) != REF_DONE)
			return r;
	}
	/* trailer section: field lines, then an empty line */
	for (;;) {
		if (i == len)
			return REF_MORE;
		if (s[i] == '\r') {
			if ((r = crlf(s, len, &i)) != REF_DONE)
				return r;
			*used = i;
			*out_len = o;
			return REF_DONE;
		}
		size_t name = i;
		while (i < len && is_tchar(s[i]))
			i++;
		if (i == len)
			return REF_MORE;
		if (i == name || s[i] != ':')
			return REF_MALFORMED;
		for (i++; i < len && s[i] != '\r'; i++)
			if (!(s[i] == '\t' || (s[i] >= 0x20 && s[i] != 0x7f)))
				return REF_MALFORMED;
		if ((r = crlf(s, len, &i)) != REF_DONE)
			return r;
	}
}

struct verdict {
	int malformed;
	size_t used;
	int done;
};

/* Feeds buf in pieces: step(i) gives the size of the next piece. */
static struct verdict feed(const char *buf, size_t len, uint32_t seed, int mode)
{
	struct http_chunked c;
	struct verdict v = { 0, 0, 0 };
	size_t pos = 0;

	memset(&c, 0, sizeof(c));
	for (;;) {
		size_t piece = len - pos;
		if (mode == 1 && piece > 1)
			piece = 1;
		if (mode == 2) {
			uint32_t r = fuzz_rand(&seed);
			size_t want = (r & 3) == 0 ? 0 : (r >> 2) % ((r & 0x100) ? 64 : 5);
			if (piece > want)
				piece = want;
		}
		ssize_t n = http_chunked_scan(&c, buf + pos, piece);
		if (n < 0) {
			v.malformed = 1;
			return v;
		}
		FUZZ_CHECK((size_t)n <= piece, "scan took %zd of %zu bytes", n, piece);
		pos += (size_t)n;
		if (c.done) {
			v.used = pos;
			v.done = 1;
			/* done takes nothing more */
			FUZZ_CHECK(http_chunked_scan(&c, buf + pos, len - pos) == 0 && c.done,
				   "scan goes on after done");
			return v;
		}
		FUZZ_CHECK((size_t)n == piece, "scan stopped at %zd of %zu bytes without done", n,
			   piece);
		if (pos == len) {
			v.used = pos;
			return v;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	uint32_t seed = 2166136261u;

	fuzz_begin(data, size);
	for (size_t i = 0; i < size && i < 8; i++)
		seed = (seed ^ data[i]) * 16777619u;
	seed |= 1;

	struct verdict whole = feed(buf, size, 0, 0);
	struct verdict bytes = feed(buf, size, 0, 1);
	struct verdict pieces = feed(buf, size, seed, 2);

	FUZZ_CHECK(whole.malformed == bytes.malformed && whole.used == bytes.used &&
			   whole.done == bytes.done,
		   "whole: malformed %d used %zu done %d; byte by byte: malformed %d used %zu done %d",
		   whole.malformed, whole.used, whole.done, bytes.malformed, bytes.used, bytes.done);
	FUZZ_CHECK(whole.malformed == pieces.malformed && whole.used == pieces.used &&
			   whole.done == pieces.done,
		   "whole: malformed %d used %zu done %d; in pieces: malformed %d used %zu done %d",
		   whole.malformed, whole.used, whole.done, pieces.malformed, pieces.used,
		   pieces.done);

	char *ref = malloc(size ? size : 1);
	size_t ref_used = 0, ref_len = 0;
	int r = ref_read(data, size, &ref_used, ref, &ref_len);

	if (r == REF_MALFORMED)
		FUZZ_CHECK(whole.malformed, "the reference refuses it, the scanner does not (used %zu, "
					    "done %d)",
			   whole.used, whole.done);
	else if (r == REF_MORE)
		FUZZ_CHECK(!whole.malformed && !whole.done,
			   "the reference wants more bytes, the scanner says malformed %d / done %d",
			   whole.malformed, whole.done);
	else
		FUZZ_CHECK(!whole.malformed && whole.done && whole.used == ref_used,
			   "the reference reads a body of %zu bytes, the scanner: malformed %d, used "
			   "%zu, done %d",
			   ref_used, whole.malformed, whole.used, whole.done);

	if (whole.done) {
		char *raw = fuzz_dup(buf, whole.used);
		char *out = malloc(whole.used ? whole.used : 1);
		size_t n = http_chunked_decode(raw, whole.used, out);
		FUZZ_CHECK(n == ref_len && (n == 0 || memcmp(out, ref, n) == 0),
			   "http_chunked_decode gives %zu bytes, the reference %zu (or other bytes)", n,
			   ref_len);
		free(out);
		free(raw);
	}
	free(ref);
	return 0;
}
