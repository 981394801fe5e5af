#include "routeshow.h"

#include <string.h>

/* The API reference names these objects by {id}; moby's router says {name}. */
static int by_id(const char *seg, size_t len)
{
	return (len == 10 && memcmp(seg, "containers", 10) == 0) ||
	       (len == 4 && memcmp(seg, "exec", 4) == 0);
}

size_t route_show(const char *pattern, char *out, size_t cap)
{
	const char *p = pattern, *prev = "", *cur = "";
	size_t o = 0, prev_len = 0, cur_len = 0;

	if (cap == 0)
		return 0;
	while (*p) {
		char piece[64];
		size_t n = 1;

		if (*p == '/') {
			/* the segment a variable follows: "containers" of
			 * "/containers/{name:.*}" */
			prev = cur;
			prev_len = cur_len;
			cur = p + 1;
			cur_len = strcspn(cur, "/{");
			piece[0] = *p++;
		} else if (*p == '{') {
			/* "{var}" or "{var:regex}": moby's regexes hold no
			 * braces, but nesting is counted all the same. */
			const char *var = p + 1;
			size_t var_len = strcspn(var, ":}");
			int depth = 0;
			for (; *p; p++) {
				depth += *p == '{' ? 1 : *p == '}' ? -1 : 0;
				if (depth == 0)
					break;
			}
			if (*p)
				p++;
			if (cur_len == 0 && by_id(prev, prev_len)) {
				var = "id";
				var_len = 2;
			}
			if (var_len > sizeof(piece) - 2)
				var_len = sizeof(piece) - 2;
			piece[0] = '{';
			memcpy(piece + 1, var, var_len);
			piece[var_len + 1] = '}';
			n = var_len + 2;
		} else {
			piece[0] = *p++;
		}
		if (o + n >= cap) {
			if (cap < 4)
				break;
			if (o > cap - 4)
				o = cap - 4;
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		memcpy(out + o, piece, n);
		o += n;
	}
	out[o] = '\0';
	return o;
}
