#include "query.h"

#include <string.h>
#include <strings.h>

#include "hexdigit.h"

/* Decodes s[0..len) into out; returns the decoded length, or -1 if malformed.
 * out may be NULL (validation only); at most out_len-1 bytes are stored. */
static long decode(const char *s, size_t len, char *out, size_t out_len, bool *truncated)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		int c = (unsigned char)s[i];
		if (c == '%') {
			if (len - i < 3)
				return -1;
			int h = hex_digit_value((unsigned char)s[i + 1]);
			int l = hex_digit_value((unsigned char)s[i + 2]);
			if (h < 0 || l < 0)
				return -1;
			c = h * 16 + l;
			i += 2;
		} else if (c == '+') {
			c = ' ';
		}
		if (out) {
			if (o + 1 < out_len)
				out[o] = (char)c;
			else if (truncated)
				*truncated = true;
		}
		o++;
	}
	if (out && out_len)
		out[o < out_len ? o : out_len - 1] = '\0';
	return (long)o;
}

bool query_valid(const char *q, size_t len)
{
	if (!q)
		return true;
	if (memchr(q, ';', len))
		return false;
	return decode(q, len, NULL, 0, NULL) >= 0;
}

/* The next non-empty pair from *pos: key [ks,ke), value [vs,ve). */
static bool next_pair(const char *q, size_t len, size_t *pos, size_t *ks, size_t *ke,
		      size_t *vs, size_t *ve)
{
	while (*pos <= len) {
		size_t start = *pos, end = start;
		while (end < len && q[end] != '&')
			end++;
		*pos = end + 1;
		if (end == start)
			continue; /* Go skips empty pairs */
		const char *eq = memchr(q + start, '=', end - start);
		*ks = start;
		*ke = eq ? (size_t)(eq - q) : end;
		*vs = eq ? *ke + 1 : end;
		*ve = end;
		return true;
	}
	return false;
}

/* Whether the key [ks,ke), decoded, is key: exactly, or in any letter case. */
static bool key_is(const char *q, size_t ks, size_t ke, const char *key, bool fold)
{
	char buf[64];
	bool trunc = false;
	long n = decode(q + ks, ke - ks, buf, sizeof(buf), &trunc);

	if (n < 0 || trunc || (size_t)n != strlen(key))
		return false;
	return fold ? strcasecmp(buf, key) == 0 : memcmp(buf, key, (size_t)n) == 0;
}

static int count_keys(const char *q, size_t len, const char *key, bool fold)
{
	size_t pos = 0, ks, ke, vs, ve;
	int count = 0;

	while (q && next_pair(q, len, &pos, &ks, &ke, &vs, &ve))
		count += key_is(q, ks, ke, key, fold);
	return count;
}

bool query_get_nth(const char *q, size_t len, const char *key, int n, char *out,
		   size_t out_len, bool *truncated)
{
	size_t pos = 0, ks, ke, vs, ve;
	int seen = 0;

	if (truncated)
		*truncated = false;
	while (q && next_pair(q, len, &pos, &ks, &ke, &vs, &ve)) {
		if (key_is(q, ks, ke, key, false) && seen++ == n)
			return decode(q + vs, ve - vs, out, out_len, truncated) >= 0;
	}
	return false;
}

int query_get(const char *q, size_t len, const char *key, char *out, size_t out_len,
	      bool *truncated)
{
	if (out_len)
		out[0] = '\0';
	query_get_nth(q, len, key, 0, out, out_len, truncated);
	return count_keys(q, len, key, false);
}

/* httputils.BoolValue: lower-cased and space-trimmed first. */
bool query_bool_value(const char *v)
{
	static const char *const falses[] = { "", "0", "no", "false", "none" };
	size_t len;

	while (*v == ' ' || *v == '\t' || *v == '\n' || *v == '\r' || *v == '\v' || *v == '\f')
		v++;
	len = strlen(v);
	while (len && strchr(" \t\n\r\v\f", v[len - 1]))
		len--;
	for (size_t i = 0; i < sizeof(falses) / sizeof(*falses); i++)
		if (strlen(falses[i]) == len && strncasecmp(v, falses[i], len) == 0)
			return false;
	return true;
}

bool query_flag_any(const char *q, size_t len, const char *key)
{
	size_t pos = 0, ks, ke, vs, ve;

	while (q && next_pair(q, len, &pos, &ks, &ke, &vs, &ve)) {
		char value[16];
		bool trunc = false;
		if (!key_is(q, ks, ke, key, true))
			continue;
		if (decode(q + vs, ve - vs, value, sizeof(value), &trunc) < 0 || trunc ||
		    query_bool_value(value))
			return true;
	}
	return false;
}

int query_count_fold(const char *q, size_t len, const char *key)
{
	return count_keys(q, len, key, true);
}

bool query_unknown_key(const char *q, size_t len, const char *const *known, size_t n,
		       char *out, size_t cap)
{
	size_t pos = 0, ks, ke, vs, ve;

	while (q && next_pair(q, len, &pos, &ks, &ke, &vs, &ve)) {
		bool found = false;
		for (size_t i = 0; i < n && !found; i++)
			found = key_is(q, ks, ke, known[i], true);
		if (!found) {
			decode(q + ks, ke - ks, out, cap, NULL);
			return true;
		}
	}
	return false;
}
