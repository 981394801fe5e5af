/*
 * json: JSON text read the way Go's encoding/json reads it, written once
 * for request bodies (inspect), policy files (config) and dockerd's
 * answers (daemon).
 *
 * A document is one JSON value (RFC 8259) and nothing after it but
 * whitespace: Go's json.Decoder would stop after the value, and a second
 * reading of the rest is one we refuse to have.  Strings are valid UTF-8
 * (shortest form, no surrogates) without raw control bytes; escapes are
 * JSON's, and \u surrogates come as high-low pairs (Go turns a lone one
 * into U+FFFD: a string we would read differently).  At most
 * JSON_MAX_DEPTH containers deep.
 *
 * Tokens are jsmn's (strict, with parent links): one per value and one
 * per object key, in document order; a container's size counts its keys
 * or elements, a key's is 1 (its value); strings span their contents,
 * without the quotes; a value's parent is its key, or its array.
 *
 * Keys compare as code points decoded from the raw text, exactly (Go
 * maps) or with Go's simple case folding (struct fields: "BINDS",
 * "\u0042inds" and "Bind\u017f" all meet Binds).
 *
 * Nothing here allocates but json_parse when the caller's room is too
 * small; no global state, no I/O.
 */
#ifndef SOCKWALL_JSON_H
#define SOCKWALL_JSON_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#define JSMN_HEADER
#define JSMN_PARENT_LINKS
#include <jsmn.h>

#define JSON_MAX_DEPTH 64
/* jsmn keeps offsets in int; sorting keys indexes 2 * i + 2. */
#define JSON_MAX_TEXT ((size_t)INT_MAX / 4)
/* What json_parse needs of the caller's room a token (plenty at 24 + 4). */
#define JSON_TOKEN_ROOM (sizeof(jsmntok_t) + sizeof(int))

/* A validated document and its tokens. */
struct json_doc {
	const char *js;
	jsmntok_t *tok;
	int n;
	int *keys;      /* room for n token indices (json_repeated_key) */
	bool allocated; /* tok is ours to free (json_free) */
};

/*
 * Validates js[0..len) as one document and puts its tokens in d: in the
 * caller's room (room_len bytes at room, which may be NULL) when
 * JSON_TOKEN_ROOM each fit, else in one allocation.  Returns NULL, or why
 * the text is refused ("invalid JSON", "invalid JSON: lone UTF-16
 * surrogate in string", "JSON nested too deeply", ...); d is then empty.
 */
const char *json_parse(struct json_doc *d, const char *js, size_t len, void *room,
		       size_t room_len);

/* Validates js[0..len) as json_parse does, without tokens or allocation. */
const char *json_validate(const char *js, size_t len);

/* Frees what json_parse allocated (nothing when it used the room). */
void json_free(struct json_doc *d);

/* The index after token t and everything inside it. */
int json_skip(const struct json_doc *d, int t);

/* The value of the first key word (exact) of object obj; -1 when there is
 * none or obj is no object.  The readers below take -1 as "absent". */
int json_get(const struct json_doc *d, int obj, const char *word);

/* Whether token t is the literal null, true or false (strings never are). */
bool json_is_null(const struct json_doc *d, int t);
bool json_is_true(const struct json_doc *d, int t);
bool json_is_false(const struct json_doc *d, int t);

/* String (or key) token t equals the ASCII word: exactly, or folded as Go
 * matches struct fields.  False for any other token. */
bool json_eq(const struct json_doc *d, int t, const char *word, bool folded);

/*
 * The key token of object obj that is given twice (exactly, or folded as
 * struct fields are matched), or -1.  O(n log n) whatever the keys.
 */
int json_repeated_key(const struct json_doc *d, int obj, bool folded);

/*
 * String token t decoded (escapes resolved, UTF-8) into out, no NUL added;
 * *len its length.  Never longer than the raw text (tok.end - tok.start).
 * False when t is no string or the result does not fit in cap.
 */
bool json_decode(const struct json_doc *d, int t, char *out, size_t cap, size_t *len);

/* Same, NUL-terminated; false also when it holds a NUL ("\u0000"). */
bool json_cstr(const struct json_doc *d, int t, char *out, size_t cap);

/*
 * A string token a client chose, made one printable line for a message:
 * at most 40 characters, each non-printable one (or '"', '\\') as '?',
 * "..." when cut.  buf of at least 44 bytes.
 */
void json_describe(const struct json_doc *d, int t, char *buf, size_t size);

#endif
