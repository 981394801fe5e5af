/*
 * match: path cleaning and containment, and the DKRPRX__ pattern lists.
 * See match.h for the contract.
 */
#include "match.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Go's filepath.Clean (Unix), byte for byte.  '/' is the only separator;
 * every other byte, NUL included, belongs to a name, so "x\0" is a name
 * and "x\0/.." removes it.  `dotdot` is where a ".." may no longer
 * backtrack: just after the leading '/', or after a leading run of ".."
 * elements in a relative path.
 */
size_t path_clean(const char *in, size_t len, char *out, size_t out_len)
{
	size_t r = 0, w = 0, dotdot = 0;
	bool rooted;

	if (out_len == 0)
		return (size_t)-1;
	/* Room for w bytes plus the final NUL. */
#define PUT(c)                                  \
	do {                                    \
		if (w + 1 >= out_len)           \
			return (size_t)-1;      \
		out[w++] = (c);                 \
	} while (0)

	rooted = len > 0 && in[0] == '/';
	if (rooted) {
		PUT('/');
		r = dotdot = 1;
	}
	while (r < len) {
		if (in[r] == '/') {
			r++; /* empty element */
		} else if (in[r] == '.' && (r + 1 == len || in[r + 1] == '/')) {
			r++; /* "." element */
		} else if (in[r] == '.' && in[r + 1] == '.' &&
			   (r + 2 == len || in[r + 2] == '/')) {
			r += 2; /* ".." element */
			if (w > dotdot) {
				/* back up to the previous separator */
				w--;
				while (w > dotdot && out[w] != '/')
					w--;
			} else if (!rooted) {
				/* nothing left to remove: keep the ".." */
				if (w > 0)
					PUT('/');
				PUT('.');
				PUT('.');
				dotdot = w;
			}
			/* rooted: ".." at the root stays at the root */
		} else {
			if ((rooted && w != 1) || (!rooted && w != 0))
				PUT('/');
			for (; r < len && in[r] != '/'; r++)
				PUT(in[r]);
		}
	}
	if (w == 0)
		PUT('.');
#undef PUT
	out[w] = '\0';
	return w;
}

bool path_exposes(const char *mounted, size_t mlen, const char *protected_, size_t plen)
{
	if (mlen == 0 || plen == 0)
		return false;
	if (mlen == plen && memcmp(mounted, protected_, mlen) == 0)
		return true;
	if (mlen == 1 && mounted[0] == '/')
		return protected_[0] == '/';
	return plen > mlen && memcmp(mounted, protected_, mlen) == 0 &&
	       protected_[mlen] == '/';
}

bool pattern_input_ok(const char *s, size_t len)
{
	return len <= PATTERN_INPUT_MAX && memchr(s, '\0', len) == NULL;
}

/*
 * Length of the next list item in spec[0..len): up to the first comma that
 * is outside a bracket expression and outside an interval "{m,n}".
 * Outside brackets a backslash escapes the next byte ("\," stays in the
 * item).  Inside brackets POSIX makes a backslash literal, a ']' right
 * after "[" or "[^" literal, and "[:alpha:]", "[.x.]", "[=x=]" nest.
 */
size_t pattern_item_len(const char *spec, size_t len)
{
	size_t i = 0, braces = 0;

	while (i < len) {
		char c = spec[i];

		if (c == '\\') {
			i += (i + 1 < len) ? 2 : 1;
		} else if (c == '[') {
			i++;
			if (i < len && spec[i] == '^')
				i++;
			if (i < len && spec[i] == ']')
				i++;
			while (i < len && spec[i] != ']') {
				if (spec[i] == '[' && i + 1 < len &&
				    (spec[i + 1] == ':' || spec[i + 1] == '.' ||
				     spec[i + 1] == '=')) {
					char d = spec[i + 1];

					/* skip to the matching "d]" */
					i += 2;
					while (i + 1 < len && !(spec[i] == d && spec[i + 1] == ']'))
						i++;
					i = (i + 1 < len) ? i + 2 : len;
				} else {
					i++;
				}
			}
			if (i < len)
				i++; /* the closing ']' */
		} else if (c == '{') {
			braces++;
			i++;
		} else if (c == '}') {
			if (braces > 0)
				braces--;
			i++;
		} else if (c == ',' && braces == 0) {
			break;
		} else {
			i++;
		}
	}
	return i;
}

#define PATTERN_DEPTH_MAX 32
#define PATTERN_BOUND_MAX 255

/*
 * regcomp copies what an interval repeats, once per repetition: nested
 * intervals multiply ("((x{9}){9}){9}" is 729 copies), and stacked
 * repetition operators ("x++++...") make glibc's copies grow without bound;
 * a typo in a filter must not take the proxy's memory at start-up.  POSIX
 * leaves adjacent repetition operators undefined anyway.  Returns why the
 * pattern is refused, or NULL.
 */
static const char *pattern_too_costly(const char *re)
{
	bool group_has_interval[PATTERN_DEPTH_MAX + 1] = { false };
	int depth = 0;
	enum { NOTHING, ATOM, GROUP_WITH_INTERVAL, REPEAT } prev = NOTHING;

	for (size_t i = 0; re[i]; i++) {
		char c = re[i];
		if (c == '\\') {
			if (re[i + 1])
				i++;
			prev = ATOM;
		} else if (c == '[') {
			size_t j = i + 1;
			if (re[j] == '^')
				j++;
			if (re[j] == ']')
				j++;
			for (; re[j] && re[j] != ']'; j++)
				if (re[j] == '[' && (re[j + 1] == ':' || re[j + 1] == '=' || re[j + 1] == '.')) {
					const char *end = strchr(re + j + 2, re[j + 1]);
					if (!end || end[1] != ']')
						return NULL; /* regcomp will say what is wrong */
					j = (size_t)(end + 1 - re);
				}
			if (!re[j])
				return NULL;
			i = j;
			prev = ATOM;
		} else if (c == '(') {
			if (depth == PATTERN_DEPTH_MAX)
				return "groups nested too deeply";
			group_has_interval[++depth] = false;
			prev = NOTHING;
		} else if (c == ')' && depth > 0) {
			bool inner = group_has_interval[depth--];
			group_has_interval[depth] |= inner;
			prev = inner ? GROUP_WITH_INTERVAL : ATOM;
		} else if (c == '*' || c == '+' || c == '?') {
			if (prev == REPEAT)
				return "repetition operators next to each other";
			prev = REPEAT;
		} else if (c == '{' && (re[i + 1] >= '0' && re[i + 1] <= '9')) {
			char *end;
			unsigned long lo = strtoul(re + i + 1, &end, 10), hi = lo;
			if (*end == ',' && end[1] >= '0' && end[1] <= '9')
				hi = strtoul(end + 1, &end, 10);
			else if (*end == ',')
				end++; /* {n,}: n copies and a star */
			if (*end != '}')
				return NULL;
			if (prev == REPEAT)
				return "repetition operators next to each other";
			if (lo > PATTERN_BOUND_MAX || hi > PATTERN_BOUND_MAX)
				return "a repetition count above 255";
			if (prev == GROUP_WITH_INTERVAL)
				return "a counted repetition of a group that holds one";
			group_has_interval[depth] = true;
			i = (size_t)(end - re);
			prev = REPEAT;
		} else if (c == '|') {
			prev = NOTHING;
		} else {
			prev = ATOM;
		}
	}
	return NULL;
}

int pattern_list_compile(struct pattern_list *pl, const char *spec, char *err, size_t err_len)
{
	size_t len = strlen(spec), pos = 0;
	char buf[PATTERN_ITEM_MAX + 1];

	pl->n = 0;
	while (pos <= len) {
		size_t n = pattern_item_len(spec + pos, len - pos);
		const char *item = spec + pos;
		int rc;

		pos += n + 1; /* past the comma (or past the end) */
		while (n > 0 && (item[0] == ' ' || item[0] == '\t')) {
			item++;
			n--;
		}
		while (n > 0 && (item[n - 1] == ' ' || item[n - 1] == '\t'))
			n--;
		if (n == 0)
			continue;
		if (pl->n == PATTERN_MAX) {
			snprintf(err, err_len, "more than %d patterns", PATTERN_MAX);
			goto fail;
		}
		if (n > PATTERN_ITEM_MAX) {
			snprintf(err, err_len, "pattern \"%.32s...\" is longer than %d bytes",
				 item, PATTERN_ITEM_MAX);
			goto fail;
		}
		memcpy(buf, item, n);
		buf[n] = '\0';
		const char *costly = pattern_too_costly(buf);
		if (costly) {
			snprintf(err, err_len, "pattern \"%.64s%s\" is refused: %s", buf,
				 n > 64 ? "..." : "", costly);
			goto fail;
		}
		rc = regcomp(&pl->re[pl->n], buf, REG_EXTENDED | REG_NOSUB);
		if (rc != 0) {
			char why[128];

			regerror(rc, &pl->re[pl->n], why, sizeof(why));
			snprintf(err, err_len, "invalid pattern \"%s\": %s", buf, why);
			goto fail;
		}
		pl->n++;
	}
	return 0;
fail:
	pattern_list_free(pl);
	return -1;
}

void pattern_list_free(struct pattern_list *pl)
{
	for (size_t i = 0; i < pl->n; i++)
		regfree(&pl->re[i]);
	pl->n = 0;
}

bool pattern_list_match(const struct pattern_list *pl, const char *s, size_t len)
{
	char buf[PATTERN_INPUT_MAX + 1];
	const char *nul;

	if (pl->n == 0 || len > PATTERN_INPUT_MAX)
		return false;
	/* regexec reads a C string: it sees what comes before a NUL. */
	nul = memchr(s, '\0', len);
	if (nul != NULL)
		len = (size_t)(nul - s);
	memcpy(buf, s, len);
	buf[len] = '\0';
	for (size_t i = 0; i < pl->n; i++)
		if (regexec(&pl->re[i], buf, 0, NULL, 0) == 0)
			return true;
	return false;
}
