/*
 * httpcheck.h: what fuzz_request and fuzz_response both check of an
 * accepted HTTP head, and the comparisons they make it with.
 */
#ifndef SOCKWALL_FUZZ_HTTPCHECK_H
#define SOCKWALL_FUZZ_HTTPCHECK_H

#include "fuzz.h"

static inline int is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return 1;
	return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* s[0..n) equals lit, ASCII case aside. */
static inline int ieq(const char *s, size_t n, const char *lit)
{
	if (strlen(lit) != n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char a = (unsigned char)s[i], b = (unsigned char)lit[i];
		if (a >= 'A' && a <= 'Z')
			a += 32;
		if (b >= 'A' && b <= 'Z')
			b += 32;
		if (a != b)
			return 0;
	}
	return 1;
}

static inline int same(const char *a, size_t an, const char *b, size_t bn)
{
	return an == bn && (an == 0 || memcmp(a, b, an) == 0);
}

/* An accepted head of `head` bytes: at least a minimal start line, only
 * CRLF line ends, and it ends at the first empty line. */
static inline void check_head_lines(const char *buf, size_t head)
{
	FUZZ_CHECK(head >= 16, "head of %zu bytes is too short", head);
	FUZZ_CHECK(memcmp(buf + head - 4, "\r\n\r\n", 4) == 0, "head does not end with CRLFCRLF");
	for (size_t i = 0; i < head; i++) {
		if (buf[i] == '\n')
			FUZZ_CHECK(i > 0 && buf[i - 1] == '\r', "bare LF at %zu in an accepted head", i);
		if (buf[i] == '\r')
			FUZZ_CHECK(i + 1 < head && buf[i + 1] == '\n', "bare CR at %zu in an accepted head",
				   i);
	}
	for (size_t i = 0; i + 4 <= head - 4; i++)
		FUZZ_CHECK(memcmp(buf + i, "\r\n\r\n", 4) != 0, "head goes on past an empty line at %zu",
			   i);
}

#endif
