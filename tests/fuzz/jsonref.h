/*
 * jsonref.h: a small, slow JSON reader with Go encoding/json semantics, the
 * reference the fuzz targets judge sockwall's JSON readers against.
 *
 *  - syntax as Go's scanner: RFC 8259, one value (what follows it is the
 *    caller's business, as it is for json.Decoder), nesting up to 10000;
 *  - strings unquoted as Go's unquoteBytes: escapes decoded, a surrogate
 *    pair joined, a lone surrogate and each byte of invalid UTF-8 turned
 *    into U+FFFD;
 *  - the result is a tree (struct jv) the caller walks and frees.
 * Written for clarity, not speed, and independently of src/inspect.c.
 */
#ifndef SOCKWALL_FUZZ_JSONREF_H
#define SOCKWALL_FUZZ_JSONREF_H

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jv {
	enum jtype t;
	char *s; /* J_STR: unquoted, as Go would */
	size_t n;
	struct jv **kids; /* J_ARR: values; J_OBJ: key, value, key, value... */
	size_t count, cap;
};

struct reader {
	const unsigned char *s;
	size_t len, i;
	int depth;
};

static inline struct jv *jv_new(enum jtype t)
{
	struct jv *v = calloc(1, sizeof(*v));
	if (!v)
		abort();
	v->t = t;
	return v;
}

static inline void jv_free(struct jv *v)
{
	if (!v)
		return;
	for (size_t k = 0; k < v->count; k++)
		jv_free(v->kids[k]);
	free(v->kids);
	free(v->s);
	free(v);
}

static inline void jv_add(struct jv *v, struct jv *kid)
{
	if (v->count == v->cap) {
		v->cap = v->cap ? 2 * v->cap : 4;
		v->kids = realloc(v->kids, v->cap * sizeof(*v->kids));
		if (!v->kids)
			abort();
	}
	v->kids[v->count++] = kid;
}

static inline void ws(struct reader *r)
{
	while (r->i < r->len && (r->s[r->i] == ' ' || r->s[r->i] == '\t' || r->s[r->i] == '\n' ||
				 r->s[r->i] == '\r'))
		r->i++;
}

static inline int hex4(const unsigned char *s, size_t avail)
{
	int v = 0;

	if (avail < 4)
		return -1;
	for (int k = 0; k < 4; k++) {
		unsigned char c = s[k];
		int h = c >= '0' && c <= '9' ? c - '0'
			: c >= 'a' && c <= 'f' ? c - 'a' + 10
			: c >= 'A' && c <= 'F' ? c - 'A' + 10
					       : -1;
		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

static inline size_t put_rune(char *w, unsigned r)
{
	if (r < 0x80) {
		w[0] = (char)r;
		return 1;
	}
	if (r < 0x800) {
		w[0] = (char)(0xc0 | r >> 6);
		w[1] = (char)(0x80 | (r & 0x3f));
		return 2;
	}
	if (r < 0x10000) {
		w[0] = (char)(0xe0 | r >> 12);
		w[1] = (char)(0x80 | (r >> 6 & 0x3f));
		w[2] = (char)(0x80 | (r & 0x3f));
		return 3;
	}
	w[0] = (char)(0xf0 | r >> 18);
	w[1] = (char)(0x80 | (r >> 12 & 0x3f));
	w[2] = (char)(0x80 | (r >> 6 & 0x3f));
	w[3] = (char)(0x80 | (r & 0x3f));
	return 4;
}

/* Go's utf8.DecodeRune: the length of a valid sequence at s, or 0. */
static inline size_t utf8_len(const unsigned char *s, size_t avail)
{
	unsigned char b = s[0], lo = 0x80, hi = 0xbf;
	size_t n;

	if (b < 0x80)
		return 1;
	if (b >= 0xc2 && b <= 0xdf)
		n = 2;
	else if (b >= 0xe0 && b <= 0xef)
		n = 3;
	else if (b >= 0xf0 && b <= 0xf4)
		n = 4;
	else
		return 0;
	if (b == 0xe0)
		lo = 0xa0;
	else if (b == 0xed)
		hi = 0x9f;
	else if (b == 0xf0)
		lo = 0x90;
	else if (b == 0xf4)
		hi = 0x8f;
	if (avail < n || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t k = 2; k < n; k++)
		if (s[k] < 0x80 || s[k] > 0xbf)
			return 0;
	return n;
}

static inline unsigned rune_at(const unsigned char *s, size_t n)
{
	if (n == 1)
		return s[0];
	unsigned r = s[0] & (n == 2 ? 0x1f : n == 3 ? 0x0f : 0x07);
	for (size_t k = 1; k < n; k++)
		r = r << 6 | (s[k] & 0x3f);
	return r;
}

/* A string at the opening quote: scanned as Go's scanner does, unquoted as
 * Go's unquoteBytes does. */
/* Whether key k names field as Go matches struct fields: case folded,
 * with the two non-ASCII runes that fold to ASCII letters (U+017F, U+212A). */
static inline unsigned fold_rune(unsigned r)
{
	if (r >= 'a' && r <= 'z')
		return r - 32;
	if (r == 0x17f)
		return 'S';
	if (r == 0x212a)
		return 'K';
	return r;
}

static inline int key_is(const struct jv *k, const char *field)
{
	const unsigned char *s = (const unsigned char *)k->s;
	size_t i = 0;

	for (; *field; field++) {
		if (i >= k->n)
			return 0;
		size_t n = utf8_len(s + i, k->n - i); /* valid: unquoting made it so */
		if (n == 0)
			return 0;
		if (fold_rune(rune_at(s + i, n)) != fold_rune((unsigned char)*field))
			return 0;
		i += n;
	}
	return i == k->n;
}

static inline struct jv *read_string(struct reader *r)
{
	const unsigned char *s = r->s;
	size_t i = r->i + 1;

	/* scan */
	for (;;) {
		if (i >= r->len)
			return NULL;
		unsigned char c = s[i];
		if (c == '"')
			break;
		if (c < 0x20)
			return NULL;
		if (c == '\\') {
			if (i + 1 >= r->len)
				return NULL;
			unsigned char e = s[i + 1];
			if (e == 'u') {
				if (hex4(s + i + 2, r->len - i - 2) < 0)
					return NULL;
				i += 6;
			} else if (strchr("\"\\/bfnrt", e) && e) {
				i += 2;
			} else {
				return NULL;
			}
			continue;
		}
		i++;
	}
	size_t end = i;
	struct jv *v = jv_new(J_STR);
	v->s = malloc(3 * (end - r->i) + 4); /* U+FFFD for each bad byte */
	if (!v->s)
		abort();
	size_t o = 0;
	for (i = r->i + 1; i < end;) {
		unsigned char c = s[i];
		if (c == '\\') {
			unsigned char e = s[i + 1];
			if (e != 'u') {
				static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
				v->s[o++] = to[strchr(from, e) - from];
				i += 2;
				continue;
			}
			unsigned rr = (unsigned)hex4(s + i + 2, end - i - 2);
			i += 6;
			if (rr >= 0xd800 && rr <= 0xdfff) {
				int rr1 = (i + 1 < end && s[i] == '\\' && s[i + 1] == 'u')
						  ? hex4(s + i + 2, end - i - 2)
						  : -1;
				if (rr < 0xdc00 && rr1 >= 0xdc00 && rr1 <= 0xdfff) {
					rr = 0x10000 + ((rr - 0xd800) << 10) + ((unsigned)rr1 - 0xdc00);
					i += 6;
				} else {
					rr = 0xfffd;
				}
			}
			o += put_rune(v->s + o, rr);
			continue;
		}
		size_t n = utf8_len(s + i, end - i);
		if (n == 0) {
			o += put_rune(v->s + o, 0xfffd);
			i++;
		} else {
			memcpy(v->s + o, s + i, n);
			o += n;
			i += n;
		}
	}
	v->n = o;
	r->i = end + 1;
	return v;
}

static inline int digits(struct reader *r)
{
	size_t start = r->i;
	while (r->i < r->len && r->s[r->i] >= '0' && r->s[r->i] <= '9')
		r->i++;
	return r->i > start;
}

static inline struct jv *read_value(struct reader *r)
{
	ws(r);
	if (r->i >= r->len)
		return NULL;
	unsigned char c = r->s[r->i];

	if (c == '{' || c == '[') {
		if (++r->depth > 10000) /* Go's maxNestingDepth */
			return NULL;
		struct jv *v = jv_new(c == '{' ? J_OBJ : J_ARR);
		char close = c == '{' ? '}' : ']';
		r->i++;
		ws(r);
		if (r->i < r->len && r->s[r->i] == close) {
			r->i++;
			r->depth--;
			return v;
		}
		for (;;) {
			if (c == '{') {
				ws(r);
				if (r->i >= r->len || r->s[r->i] != '"')
					goto bad;
				struct jv *k = read_string(r);
				if (!k)
					goto bad;
				jv_add(v, k);
				ws(r);
				if (r->i >= r->len || r->s[r->i] != ':')
					goto bad;
				r->i++;
			}
			struct jv *kid = read_value(r);
			if (!kid)
				goto bad;
			jv_add(v, kid);
			ws(r);
			if (r->i >= r->len)
				goto bad;
			if (r->s[r->i] == ',') {
				r->i++;
				continue;
			}
			if (r->s[r->i] != close)
				goto bad;
			r->i++;
			r->depth--;
			return v;
		}
bad:
		jv_free(v);
		return NULL;
	}
	if (c == '"')
		return read_string(r);
	static const char *const lits[] = { "true", "false", "null" };
	for (int k = 0; k < 3; k++) {
		size_t n = strlen(lits[k]);
		if (r->len - r->i >= n && memcmp(r->s + r->i, lits[k], n) == 0) {
			r->i += n;
			return jv_new(k == 2 ? J_NULL : J_BOOL);
		}
	}
	if (c == '-' || (c >= '0' && c <= '9')) {
		if (c == '-')
			r->i++;
		if (r->i < r->len && r->s[r->i] == '0')
			r->i++;
		else if (!digits(r))
			return NULL;
		if (r->i < r->len && r->s[r->i] == '.') {
			r->i++;
			if (!digits(r))
				return NULL;
		}
		if (r->i < r->len && (r->s[r->i] == 'e' || r->s[r->i] == 'E')) {
			r->i++;
			if (r->i < r->len && (r->s[r->i] == '+' || r->s[r->i] == '-'))
				r->i++;
			if (!digits(r))
				return NULL;
		}
		return jv_new(J_NUM);
	}
	return NULL;
}


static inline int str_eq(const struct jv *v, const char *lit)
{
	return v && v->t == J_STR && v->n == strlen(lit) && memcmp(v->s, lit, v->n) == 0;
}

/* One JSON value from s[0..len); NULL when Go would refuse it.  *used
 * (may be NULL) is where the value ends. */
static inline struct jv *json_read(const char *s, size_t len, size_t *used)
{
	struct reader r = { (const unsigned char *)s, len, 0, 0 };
	struct jv *v = read_value(&r);

	if (used)
		*used = r.i;
	return v;
}

#endif
