/*
 * httpcheck.h: what fuzz_request and fuzz_response both check of an
 * accepted HTTP head, and the comparisons they make it with.
 */
#ifndef SOCKWALL_FUZZ_HTTPCHECK_H
#define SOCKWALL_FUZZ_HTTPCHECK_H

#include "fuzz.h"

#include "http.h"

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

/* The header lines from offset p of an accepted head: one line per parsed
 * header, in order, each `name ":" OWS value OWS CRLF` with the views in
 * place and the value free of controls and of surrounding blanks; then the
 * empty line and nothing else. */
static inline void check_header_lines(const char *buf, size_t head, size_t p,
				      const struct http_header *headers, size_t num_headers)
{
	FUZZ_CHECK(num_headers <= HTTP_MAX_HEADERS, "%zu headers", num_headers);
	for (size_t h = 0; h < num_headers; h++) {
		const struct http_header *f = &headers[h];
		const char *eol = memchr(buf + p, '\r', head - p);

		FUZZ_CHECK(eol && eol > buf + p, "header %zu: no line for it", h);
		FUZZ_CHECK(f->name == buf + p && f->name_len > 0, "header %zu: name not at line start",
			   h);
		for (size_t i = 0; i < f->name_len; i++)
			FUZZ_CHECK(is_tchar((unsigned char)f->name[i]), "header %zu: byte in name", h);
		FUZZ_CHECK(f->name + f->name_len < eol && f->name[f->name_len] == ':',
			   "header %zu: name not followed by ':'", h);
		FUZZ_CHECK(fuzz_inside(f->value, f->value_len, f->name + f->name_len + 1,
				       (size_t)(eol - (f->name + f->name_len + 1))),
			   "header %zu: value outside its line", h);
		for (const char *c = f->name + f->name_len + 1; c < f->value; c++)
			FUZZ_CHECK(*c == ' ' || *c == '\t', "header %zu: junk before the value", h);
		for (const char *c = f->value + f->value_len; c < eol; c++)
			FUZZ_CHECK(*c == ' ' || *c == '\t', "header %zu: junk after the value", h);
		for (size_t i = 0; i < f->value_len; i++) {
			unsigned char c = (unsigned char)f->value[i];
			FUZZ_CHECK(c != 0x7f && (c >= 0x20 || c == '\t'), "header %zu: byte %02x in value",
				   h, c);
		}
		if (f->value_len)
			FUZZ_CHECK(f->value[0] != ' ' && f->value[0] != '\t' &&
					   f->value[f->value_len - 1] != ' ' &&
					   f->value[f->value_len - 1] != '\t',
				   "header %zu: value not trimmed", h);
		p = (size_t)(eol - buf) + 2;
	}
	FUZZ_CHECK(p == head - 2, "header lines not all parsed (%zu of %zu bytes)", p, head);
}

#endif
