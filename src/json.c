/*
 * json: see json.h for the contract.
 *
 * jsmn alone accepts "{"a" "b"}", bad numbers, trailing values, raw
 * control bytes and invalid UTF-8, and its own pass over the text was half
 * the cost of a 1 MiB body: the strict scan here writes jsmn-shaped tokens
 * itself, counting them first when the caller's room is too small.  One
 * character reader (next_char) serves validation, decoding and key
 * comparison, so all three read a string the same way.
 */
#include "json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hexdigit.h"

#define ERR_JSON "invalid JSON"

/* ---- characters of a JSON string ---- */

/* The 4 hex digits after "\u" at s[pos]. */
static bool read_u16(const char *s, size_t end, size_t pos, uint32_t *out)
{
	uint32_t v = 0;

	if (end - pos < 6 || s[pos] != '\\' || s[pos + 1] != 'u')
		return false;
	for (size_t i = pos + 2; i < pos + 6; i++) {
		int h = hex_digit_value((unsigned char)s[i]);
		if (h < 0)
			return false;
		v = v << 4 | (uint32_t)h;
	}
	*out = v;
	return true;
}

/*
 * A backslash escape at s[*pos].  Surrogates must come as a proper
 * high-low pair: Go turns a lone one into U+FFFD, and a name we decoded
 * differently from dockerd is a name we cannot judge.
 */
static const char *next_escape(const char *s, size_t end, size_t *pos, uint32_t *cp)
{
	static const char simple[] = "\"\\/bfnrt";
	static const char value[] = "\"\\/\b\f\n\r\t";

	if (end - *pos < 2)
		return ERR_JSON;
	const char *hit = strchr(simple, s[*pos + 1]);
	if (hit != NULL && *hit != '\0') {
		*cp = (unsigned char)value[hit - simple];
		*pos += 2;
		return NULL;
	}
	uint32_t hi, lo;
	if (s[*pos + 1] != 'u')
		return "invalid JSON: bad escape in string";
	if (!read_u16(s, end, *pos, &hi))
		return "invalid JSON: bad \\u escape in string";
	if (hi >= 0xdc00 && hi <= 0xdfff)
		return "invalid JSON: lone UTF-16 surrogate in string";
	if (hi < 0xd800 || hi > 0xdbff) {
		*cp = hi;
		*pos += 6;
		return NULL;
	}
	if (!read_u16(s, end, *pos + 6, &lo) || lo < 0xdc00 || lo > 0xdfff)
		return "invalid JSON: lone UTF-16 surrogate in string";
	*cp = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
	*pos += 12;
	return NULL;
}

/* A UTF-8 sequence at s[*pos]: shortest form, no surrogates, <= U+10FFFF. */
static const char *next_utf8(const char *s, size_t end, size_t *pos, uint32_t *cp)
{
	const unsigned char *u = (const unsigned char *)s + *pos;
	size_t avail = end - *pos, n;
	unsigned char lo = 0x80, hi = 0xbf;
	uint32_t v;

	if (u[0] >= 0xc2 && u[0] <= 0xdf) {
		n = 2;
		v = u[0] & 0x1fu;
	} else if (u[0] >= 0xe0 && u[0] <= 0xef) {
		n = 3;
		v = u[0] & 0x0fu;
		if (u[0] == 0xe0)
			lo = 0xa0; /* overlong */
		if (u[0] == 0xed)
			hi = 0x9f; /* surrogates */
	} else if (u[0] >= 0xf0 && u[0] <= 0xf4) {
		n = 4;
		v = u[0] & 0x07u;
		if (u[0] == 0xf0)
			lo = 0x90; /* overlong */
		if (u[0] == 0xf4)
			hi = 0x8f; /* above U+10FFFF */
	} else {
		return "invalid UTF-8 in string";
	}
	if (avail < n || u[1] < lo || u[1] > hi)
		return "invalid UTF-8 in string";
	for (size_t i = 1; i < n; i++) {
		if (i > 1 && (u[i] < 0x80 || u[i] > 0xbf))
			return "invalid UTF-8 in string";
		v = v << 6 | (u[i] & 0x3fu);
	}
	*cp = v;
	*pos += n;
	return NULL;
}

/*
 * One character of a string body at s[*pos] (never the closing quote):
 * its code point, and *pos moved past it.  Returns NULL, or why the
 * character is refused.  Shared by validation, decoding and key matching,
 * so all three read a string the same way.
 */
static const char *next_char(const char *s, size_t end, size_t *pos, uint32_t *cp)
{
	unsigned char ch = (unsigned char)s[*pos];

	if (ch < 0x20)
		return "invalid JSON: control character in string";
	if (ch == '\\')
		return next_escape(s, end, pos, cp);
	if (ch < 0x80) {
		*cp = ch;
		(*pos)++;
		return NULL;
	}
	return next_utf8(s, end, pos, cp);
}

static size_t put_utf8(char *w, uint32_t cp)
{
	size_t n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;

	for (size_t i = n - 1; i > 0; i--, cp >>= 6)
		w[i] = (char)(0x80 | (cp & 0x3f));
	/* the lead byte: n one bits, a zero, the top bits (ASCII: all of it) */
	w[0] = (char)(n == 1 ? cp : (0xf00u >> n & 0xffu) | cp);
	return n;
}

/*
 * Go matches keys to field names with simple case folding.  Field names
 * are ASCII, and the only other code points folding onto ASCII letters are
 * U+017F (long s) and U+212A (Kelvin sign).
 */
static uint32_t fold(uint32_t cp)
{
	if (cp >= 'A' && cp <= 'Z')
		return cp + ('a' - 'A');
	if (cp == 0x17f)
		return 's';
	if (cp == 0x212a)
		return 'k';
	return cp;
}

/* ---- stage 1: strict validation ---- */

static size_t skip_ws(const char *s, size_t len, size_t i)
{
	while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
		i++;
	return i;
}

/* Bytes that stand for themselves in a JSON string: 0x20-0x7f but '"' and '\\'. */
static const unsigned char plain_char[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	/* 0x80-0xff: UTF-8, read by next_char */
};

/*
 * Whether any of the 8 bytes at p is not plain (a control byte, non-ASCII,
 * '"' or '\\'), eight at a time.  has_zero() finds a zero byte exactly
 * when there is one (it may also flag bytes after it, which only sends
 * the caller to the byte loop a little early).
 */
#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull
static bool word_stops(const char *p)
{
	uint64_t x;

	memcpy(&x, p, sizeof(x));
#define has_zero(v) (((v) - ONES) & ~(v) & HIGHS)
	return ((x | has_zero(x ^ (ONES * '"')) | has_zero(x ^ (ONES * '\\')) |
		 ((x - ONES * 0x20) & ~x)) & HIGHS) != 0;
#undef has_zero
}

/* A string starting with the quote at s[*pos]; *pos ends past the closing one. */
static const char *scan_string(const char *s, size_t len, size_t *pos)
{
	size_t i = *pos + 1;

	for (;;) {
		/* Printable ASCII other than the quote and the backslash is
		 * what next_char would pass as it is: skip it here, without
		 * a call per byte (most of a 1 MiB body is such bytes). */
		while (i + 8 <= len && !word_stops(s + i))
			i += 8;
		while (i < len && plain_char[(unsigned char)s[i]])
			i++;
		if (i >= len)
			return ERR_JSON;
		if (s[i] == '"')
			break;
		uint32_t cp;
		const char *e = next_char(s, len, &i, &cp);
		if (e != NULL)
			return e;
	}
	*pos = i + 1;
	return NULL;
}

static bool is_digit(const char *s, size_t len, size_t i)
{
	return i < len && s[i] >= '0' && s[i] <= '9';
}

static size_t skip_digits(const char *s, size_t len, size_t i)
{
	while (is_digit(s, len, i))
		i++;
	return i;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static const char *scan_number(const char *s, size_t len, size_t *pos)
{
	size_t i = *pos;

	if (i < len && s[i] == '-')
		i++;
	if (!is_digit(s, len, i))
		return ERR_JSON;
	i = s[i] == '0' ? i + 1 : skip_digits(s, len, i);
	if (i < len && s[i] == '.') {
		if (!is_digit(s, len, ++i))
			return ERR_JSON;
		i = skip_digits(s, len, i);
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		if (!is_digit(s, len, i))
			return ERR_JSON;
		i = skip_digits(s, len, i);
	}
	*pos = i;
	return NULL;
}

static const char *scan_scalar(const char *s, size_t len, size_t *pos)
{
	static const char *const literals[] = { "true", "false", "null" };

	if (s[*pos] == '"')
		return scan_string(s, len, pos);
	if (s[*pos] == '-' || is_digit(s, len, *pos))
		return scan_number(s, len, pos);
	for (size_t k = 0; k < 3; k++) {
		size_t n = strlen(literals[k]);
		if (len - *pos >= n && memcmp(s + *pos, literals[k], n) == 0) {
			*pos += n;
			return NULL;
		}
	}
	return ERR_JSON;
}

struct nest {
	char open[JSON_MAX_DEPTH]; /* '{' or '[' per open container */
	int tok[JSON_MAX_DEPTH];   /* its token */
	int key[JSON_MAX_DEPTH];   /* objects: the token of the key being read */
	int depth;
};

/* Tokens as json.h describes them; past cap (all when tok is NULL) only counted. */
struct sink {
	jsmntok_t *tok;
	int n, cap;
};

static jsmntok_t *tok_at(struct sink *k, int i)
{
	return k->tok && i < k->cap ? &k->tok[i] : NULL;
}

static int emit(struct sink *k, const struct nest *n, jsmntype_t type, size_t start, size_t end,
		bool key)
{
	int idx = k->n++;

	if (!tok_at(k, idx))
		return idx; /* past cap: this run's tokens are not used (see tokenize) */
	int parent = -1;
	if (n->depth) {
		int d = n->depth - 1;
		parent = key || n->open[d] == '[' ? n->tok[d] : n->key[d];
		k->tok[parent].size++;
	}
	k->tok[idx] = (jsmntok_t){ .type = type, .start = (int)start, .end = (int)end, .size = 0,
				   .parent = parent };
	return idx;
}

/* An object key and its colon, at s[*pos] after optional whitespace. */
static const char *scan_key(const char *s, size_t len, size_t *pos, struct nest *n,
			    struct sink *k)
{
	size_t i = skip_ws(s, len, *pos), q = i;

	if (i >= len || s[i] != '"')
		return ERR_JSON;
	const char *e = scan_string(s, len, &i);
	if (e != NULL)
		return e;
	n->key[n->depth - 1] = emit(k, n, JSMN_STRING, q + 1, i - 1, true);
	i = skip_ws(s, len, i);
	if (i >= len || s[i] != ':')
		return ERR_JSON;
	*pos = i + 1;
	return NULL;
}

/*
 * After a complete value at *pos: close containers, then take a ',' (and
 * the next key in an object).  *more is false once the top-level value is
 * complete.
 */
static const char *after_value(const char *s, size_t len, size_t *pos, struct nest *n, bool *more,
			       struct sink *k)
{
	size_t i = *pos;

	for (;;) {
		i = skip_ws(s, len, i);
		if (n->depth == 0) {
			*pos = i;
			*more = false;
			return NULL;
		}
		if (i >= len)
			return ERR_JSON;
		char open = n->open[n->depth - 1];
		if (s[i] == (open == '{' ? '}' : ']')) {
			jsmntok_t *t = tok_at(k, n->tok[n->depth - 1]);
			if (t)
				t->end = (int)i + 1;
			n->depth--;
			i++;
			continue;
		}
		if (s[i] != ',')
			return ERR_JSON;
		i++;
		if (open == '{') {
			const char *e = scan_key(s, len, &i, n, k);
			if (e != NULL)
				return e;
		}
		*pos = i;
		*more = true;
		return NULL;
	}
}

/* A value at s[*pos]: scalars whole, containers opened (and closed if empty). */
static const char *scan_value(const char *s, size_t len, size_t *pos, struct nest *n,
			      struct sink *k)
{
	size_t i = skip_ws(s, len, *pos);

	if (i >= len)
		return ERR_JSON;
	if (s[i] != '{' && s[i] != '[') {
		*pos = i;
		const char *e = scan_scalar(s, len, pos);
		if (e == NULL && s[i] == '"')
			emit(k, n, JSMN_STRING, i + 1, *pos - 1, false);
		else if (e == NULL)
			emit(k, n, JSMN_PRIMITIVE, i, *pos, false);
		return e;
	}
	if (n->depth == JSON_MAX_DEPTH)
		return "JSON nested too deeply";
	char open = s[i];
	int t = emit(k, n, open == '{' ? JSMN_OBJECT : JSMN_ARRAY, i, 0, false);
	n->open[n->depth] = open;
	n->tok[n->depth++] = t;
	i = skip_ws(s, len, i + 1);
	if (i < len && s[i] == (open == '{' ? '}' : ']')) {
		if (tok_at(k, t))
			k->tok[t].end = (int)i + 1;
		n->depth--;
		*pos = i + 1;
		return NULL;
	}
	*pos = i;
	return open == '{' ? scan_key(s, len, pos, n, k) : NULL;
}

/*
 * Validates s[0..len) as one document and writes its tokens into tok as
 * far as cap (tok NULL: only counts them); *count says how many there are.
 */
static const char *json_scan(const char *s, size_t len, jsmntok_t *tok, int cap, int *count)
{
	struct sink k = { .tok = tok, .cap = cap };
	struct nest n = { .depth = 0 };
	size_t pos = 0;
	bool more = true;

	*count = 0;
	if (len > JSON_MAX_TEXT)
		return "JSON text too large";
	while (more) {
		int depth = n.depth;
		const char *e = scan_value(s, len, &pos, &n, &k);
		if (e != NULL)
			return e;
		if (n.depth > depth)
			continue; /* opened a container: its first value follows */
		e = after_value(s, len, &pos, &n, &more, &k);
		if (e != NULL)
			return e;
	}
	*count = k.n;
	return pos == len ? NULL : "invalid JSON: data after the JSON value";
}

/* ---- documents ---- */

const char *json_parse(struct json_doc *d, const char *js, size_t len, void *room,
		       size_t room_len)
{
	size_t align = _Alignof(jsmntok_t);
	size_t skew = room ? (align - (uintptr_t)room % align) % align : 0;
	size_t fit = room && room_len > skew ? (room_len - skew) / JSON_TOKEN_ROOM : 0;
	jsmntok_t *tok = fit ? (jsmntok_t *)(void *)((char *)room + skew) : NULL;
	int cap = fit > INT_MAX ? INT_MAX : (int)fit, count;

	memset(d, 0, sizeof(*d));
	const char *e = json_scan(js, len, tok, cap, &count);
	if (e != NULL)
		return e;
	if (count > cap) {
		/* counted, not written: once more into a buffer of that size */
		tok = malloc((size_t)count * JSON_TOKEN_ROOM);
		if (tok == NULL)
			return "out of memory reading JSON";
		int again;
		if (json_scan(js, len, tok, count, &again) != NULL || again != count) {
			free(tok);
			return ERR_JSON;
		}
		d->allocated = true;
	}
	d->js = js;
	d->tok = tok;
	d->n = count;
	d->keys = (int *)(void *)(tok + count);
	return NULL;
}

const char *json_validate(const char *js, size_t len)
{
	int count;

	return json_scan(js, len, NULL, 0, &count);
}

void json_free(struct json_doc *d)
{
	if (d->allocated)
		free(d->tok);
	memset(d, 0, sizeof(*d));
}

int json_skip(const struct json_doc *d, int t)
{
	int end = d->tok[t].end, j = t + 1;

	if (d->tok[t].type != JSMN_OBJECT && d->tok[t].type != JSMN_ARRAY)
		return j;
	while (j < d->n && d->tok[j].start < end)
		j++;
	return j;
}

int json_get(const struct json_doc *d, int obj, const char *word)
{
	if (obj < 0 || d->tok[obj].type != JSMN_OBJECT)
		return -1;
	for (int k = obj + 1, i = 0; i < d->tok[obj].size; k = json_skip(d, k + 1), i++)
		if (json_eq(d, k, word, false))
			return k + 1;
	return -1;
}

static bool is_literal(const struct json_doc *d, int t, char first)
{
	return t >= 0 && d->tok[t].type == JSMN_PRIMITIVE && d->js[d->tok[t].start] == first;
}

bool json_is_null(const struct json_doc *d, int t)
{
	return is_literal(d, t, 'n');
}

bool json_is_true(const struct json_doc *d, int t)
{
	return is_literal(d, t, 't');
}

bool json_is_false(const struct json_doc *d, int t)
{
	return is_literal(d, t, 'f');
}

/* ---- strings ---- */

/* Orders two string tokens by code point, exactly or folded. */
static int json_cmp(const struct json_doc *d, int a, int b, bool folded)
{
	size_t i = (size_t)d->tok[a].start, iend = (size_t)d->tok[a].end;
	size_t j = (size_t)d->tok[b].start, jend = (size_t)d->tok[b].end;

	while (i < iend && j < jend) {
		uint32_t x, y;
		/* cannot fail on validated text; never loop without progress */
		if (next_char(d->js, iend, &i, &x) != NULL || next_char(d->js, jend, &j, &y) != NULL)
			return 1;
		if (folded) {
			x = fold(x);
			y = fold(y);
		}
		if (x != y)
			return x < y ? -1 : 1;
	}
	return (i < iend) - (j < jend);
}

bool json_eq(const struct json_doc *d, int t, const char *word, bool folded)
{
	if (t < 0 || d->tok[t].type != JSMN_STRING)
		return false;
	size_t i = (size_t)d->tok[t].start, end = (size_t)d->tok[t].end;

	for (; *word != '\0'; word++) {
		uint32_t cp;
		if (i >= end || next_char(d->js, end, &i, &cp) != NULL)
			return false;
		uint32_t want = (unsigned char)*word;
		if (folded ? fold(cp) != fold(want) : cp != want)
			return false;
	}
	return i == end;
}

bool json_decode(const struct json_doc *d, int t, char *out, size_t cap, size_t *len)
{
	size_t i = (size_t)d->tok[t].start, end = (size_t)d->tok[t].end, n = 0;

	if (d->tok[t].type != JSMN_STRING)
		return false;
	while (i < end) {
		uint32_t cp;
		char w[4];
		if (next_char(d->js, end, &i, &cp) != NULL)
			return false;
		size_t k = put_utf8(w, cp);
		if (k > cap - n)
			return false;
		memcpy(out + n, w, k);
		n += k;
	}
	*len = n;
	return true;
}

bool json_cstr(const struct json_doc *d, int t, char *out, size_t cap)
{
	size_t n;

	if (cap == 0 || !json_decode(d, t, out, cap - 1, &n) || memchr(out, '\0', n))
		return false;
	out[n] = '\0';
	return true;
}

void json_describe(const struct json_doc *d, int t, char *buf, size_t size)
{
	size_t i = (size_t)d->tok[t].start, end = (size_t)d->tok[t].end, n = 0;

	while (i < end && n + 4 < size) {
		uint32_t cp;
		if (next_char(d->js, end, &i, &cp) != NULL)
			break;
		if (n == 40) {
			memcpy(buf + n, "...", 3);
			n += 3;
			break;
		}
		buf[n++] = (cp >= 0x20 && cp < 0x7f && cp != '"' && cp != '\\') ? (char)cp : '?';
	}
	buf[n] = '\0';
}

/* ---- repeated keys ---- */

static void sift_down(const struct json_doc *d, int *a, int root, int n, bool folded)
{
	for (;;) {
		int child = 2 * root + 1;
		if (child >= n)
			return;
		if (child + 1 < n && json_cmp(d, a[child], a[child + 1], folded) < 0)
			child++;
		if (json_cmp(d, a[root], a[child], folded) >= 0)
			return;
		int tmp = a[root];
		a[root] = a[child];
		a[child] = tmp;
		root = child;
	}
}

/* Heap sort: O(n log n) whatever the text, no allocation. */
static void sort_keys(const struct json_doc *d, int *a, int n, bool folded)
{
	for (int i = n / 2 - 1; i >= 0; i--)
		sift_down(d, a, i, n, folded);
	for (int end = n - 1; end > 0; end--) {
		int tmp = a[0];
		a[0] = a[end];
		a[end] = tmp;
		sift_down(d, a, 0, end, folded);
	}
}

int json_repeated_key(const struct json_doc *d, int obj, bool folded)
{
	int n = d->tok[obj].size, j = obj + 1;

	if (n < 2)
		return -1;
	for (int i = 0; i < n; i++) {
		d->keys[i] = j;
		j = json_skip(d, j + 1);
	}
	sort_keys(d, d->keys, n, folded);
	for (int i = 1; i < n; i++)
		if (json_cmp(d, d->keys[i - 1], d->keys[i], folded) == 0)
			return d->keys[i];
	return -1;
}
