/*
 * goclean.h: a reference for Go's path/filepath.Clean on Unix, written
 * differently from src/match.c on purpose (a stack of elements, not an
 * in-place scan): the lexical rules of Clean, from its documentation:
 *   1. replace multiple separators with a single one;
 *   2. eliminate each "." path name element;
 *   3. eliminate each inner ".." and the non-".." element that precedes it;
 *   4. eliminate ".." elements that begin a rooted path;
 * and "" (or nothing left) is "." ("/" when rooted).  Every byte but '/'
 * belongs to a name, NUL included.
 */
#ifndef SOCKWALL_FUZZ_GOCLEAN_H
#define SOCKWALL_FUZZ_GOCLEAN_H

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* out needs len + 2 bytes; returns the cleaned length (out is not
 * NUL-terminated for the caller's sake: use the length). */
static inline size_t ref_clean(const char *in, size_t len, char *out)
{
	struct elem {
		const char *p;
		size_t n;
	};
	struct elem *stack = malloc((len / 2 + 2) * sizeof(*stack));
	size_t depth = 0, o = 0;
	int rooted = len > 0 && in[0] == '/';

	if (!stack)
		abort();
	for (size_t i = 0; i < len;) {
		size_t j = i;
		while (j < len && in[j] != '/')
			j++;
		const char *e = in + i;
		size_t n = j - i;
		i = j + 1;
		if (n == 0 || (n == 1 && e[0] == '.'))
			continue;
		if (n == 2 && e[0] == '.' && e[1] == '.') {
			if (depth > 0 && !(stack[depth - 1].n == 2 && stack[depth - 1].p[0] == '.' &&
					   stack[depth - 1].p[1] == '.')) {
				depth--;
				continue;
			}
			if (rooted)
				continue; /* ".." at the root is the root */
		}
		stack[depth].p = e;
		stack[depth].n = n;
		depth++;
	}
	if (rooted)
		out[o++] = '/';
	for (size_t k = 0; k < depth; k++) {
		if (k > 0)
			out[o++] = '/';
		memcpy(out + o, stack[k].p, stack[k].n);
		o += stack[k].n;
	}
	if (o == 0)
		out[o++] = '.';
	free(stack);
	return o;
}

/* Both cleaned and absolute: mounting `m` exposes `p` (equal, or m is an
 * ancestor directory of p). */
static inline int ref_exposes(const char *m, size_t mn, const char *p, size_t pn)
{
	if (mn == 1 && m[0] == '/')
		return pn > 0 && p[0] == '/';
	if (mn > pn || memcmp(m, p, mn) != 0)
		return 0;
	return mn == pn || p[mn] == '/';
}

#endif
