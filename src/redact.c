/*
 * redact: see redact.h for the contract.
 *
 * An answer may be 8 MiB: jsmn tokens for it could take fourteen times
 * that (a token per two bytes of "[0,0,..."), so json.c only validates it
 * and the walk below reads the valid text as it stands.  It descends only
 * into objects on an Env path (at most four deep) and skips the rest; it
 * never judges syntax, which json_validate has done.
 */
#include "redact.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "json.h"

#define ERR_ENV "dockerd answer has an Env that is not a list of strings"
#define MAX_PATHS 2
#define MAX_WORDS 4

/* The key paths of the Env lists of each kind, from the answer's object. */
static const char *const env_paths[][MAX_PATHS][MAX_WORDS + 1] = {
	[REDACT_CONTAINER] = { { "Config", "Env" }, { "Config", "CreateCommand" } },
	[REDACT_SERVICE] = { { "Spec", "TaskTemplate", "ContainerSpec", "Env" },
			     { "PreviousSpec", "TaskTemplate", "ContainerSpec", "Env" } },
	[REDACT_TASK] = { { "Spec", "ContainerSpec", "Env" } },
	[REDACT_PLUGIN] = { { "Settings", "Env" } },
};

struct walk {
	const char *s;
	size_t len;
	const char *const (*paths)[MAX_WORDS + 1];
	char *out;
	size_t cap, used; /* used goes on counting past cap: the room needed */
	size_t copied;    /* s[0..copied) is accounted for in out */
};

static void put(struct walk *w, const char *p, size_t n)
{
	if (n > 0 && w->used <= w->cap && n <= w->cap - w->used)
		memcpy(w->out + w->used, p, n);
	w->used = n > SIZE_MAX - w->used ? SIZE_MAX : w->used + n;
}

/* Copies what dockerd sent up to s[upto]. */
static void copy_to(struct walk *w, size_t upto)
{
	put(w, w->s + w->copied, upto - w->copied);
	w->copied = upto;
}

static size_t skip_ws(const char *s, size_t len, size_t i)
{
	while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
		i++;
	return i;
}

/* The string whose opening quote is s[i]: the index of its closing one. */
static size_t string_end(const char *s, size_t len, size_t i)
{
	for (i++; i < len && s[i] != '"'; i++)
		if (s[i] == '\\')
			i++;
	return i;
}

static bool scalar_byte(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == 'E' || c == '-' ||
	       c == '+' || c == '.';
}

/* The value at s[i]: the index after it. */
static size_t skip_value(const char *s, size_t len, size_t i)
{
	int depth = 0;

	do {
		if (s[i] == '"') {
			i = string_end(s, len, i) + 1;
		} else if (s[i] == '{' || s[i] == '[') {
			depth++;
			i++;
		} else if (s[i] == '}' || s[i] == ']') {
			depth--;
			i++;
		} else if (depth == 0) {
			while (i < len && scalar_byte(s[i]))
				i++;
		} else {
			i++;
		}
	} while (depth > 0 && i < len);
	return i;
}

/* After a member or element: past its ',' (and the whitespace around). */
static size_t next_item(const char *s, size_t len, size_t i)
{
	i = skip_ws(s, len, i);
	if (i < len && s[i] == ',')
		i = skip_ws(s, len, i + 1);
	return i;
}

/* The key s[start..end) names the field word, as Go matches struct fields. */
static bool key_is(const char *s, size_t start, size_t end, const char *word)
{
	jsmntok_t t = { .type = JSMN_STRING, .start = (int)start, .end = (int)end, .parent = -1 };
	struct json_doc one = { .js = s, .tok = &t, .n = 1 };

	return json_eq(&one, 0, word, true);
}

/*
 * Whether the string body s[start..end) holds a '=' once decoded; *after
 * is the index after the first ("=" or "\u003d").  No other escape and no
 * byte of a UTF-8 sequence decodes to '='.
 */
static bool find_equals(const char *s, size_t start, size_t end, size_t *after)
{
	for (size_t i = start; i < end; i++) {
		if (s[i] == '=') {
			*after = i + 1;
			return true;
		}
		if (s[i] != '\\')
			continue;
		if (s[i + 1] == 'u' && strncasecmp(s + i + 2, "003d", 4) == 0) {
			*after = i + 6;
			return true;
		}
		i += s[i + 1] == 'u' ? 5 : 1;
	}
	return false;
}

/* The Env value at s[*pos]: null, or a list of strings whose values go. */
static const char *redact_list(struct walk *w, size_t *pos)
{
	const char *s = w->s;
	size_t i = *pos;

	if (s[i] == 'n') {
		*pos = i + 4;
		return NULL;
	}
	if (s[i] != '[')
		return ERR_ENV;
	i = skip_ws(s, w->len, i + 1);
	while (i < w->len && s[i] != ']') {
		if (s[i] != '"')
			return ERR_ENV;
		size_t end = string_end(s, w->len, i), value;
		if (find_equals(s, i + 1, end, &value)) {
			copy_to(w, value);
			put(w, REDACT_MARKER, strlen(REDACT_MARKER));
			w->copied = end;
		}
		i = next_item(s, w->len, end + 1);
	}
	*pos = i + 1;
	return NULL;
}

/*
 * The object at s[*pos], whose keys are word `depth` of the paths in mask:
 * it descends into the members on a path and redacts the Env lists.
 */
static const char *walk_object(struct walk *w, size_t *pos, unsigned mask, int depth)
{
	const char *s = w->s;
	size_t i = skip_ws(s, w->len, *pos + 1);

	while (i < w->len && s[i] != '}') {
		size_t key = i + 1, key_end = string_end(s, w->len, i);
		unsigned sub = 0;
		bool env = false;
		i = skip_ws(s, w->len, skip_ws(s, w->len, key_end + 1) + 1);
		for (int p = 0; p < MAX_PATHS; p++) {
			const char *word = w->paths[p][depth];
			if (!(mask & 1u << p) || !key_is(s, key, key_end, word))
				continue;
			if (w->paths[p][depth + 1] == NULL)
				env = true;
			else
				sub |= 1u << p;
		}
		const char *e = NULL;
		if (env)
			e = redact_list(w, &i);
		else if (sub != 0 && s[i] == '{')
			e = walk_object(w, &i, sub, depth + 1);
		else
			i = skip_value(s, w->len, i);
		if (e != NULL)
			return e;
		i = next_item(s, w->len, i);
	}
	*pos = i + 1;
	return NULL;
}

/* The answer's value: an object, or a list whose objects are each one answer. */
static const char *walk_answer(struct walk *w, unsigned mask)
{
	const char *s = w->s;
	size_t i = skip_ws(s, w->len, 0);

	if (s[i] == '{')
		return walk_object(w, &i, mask, 0);
	if (s[i] != '[')
		return NULL;
	i = skip_ws(s, w->len, i + 1);
	while (i < w->len && s[i] != ']') {
		const char *e = NULL;
		if (s[i] == '{')
			e = walk_object(w, &i, mask, 0);
		else
			i = skip_value(s, w->len, i);
		if (e != NULL)
			return e;
		i = next_item(s, w->len, i);
	}
	return NULL;
}

const char *redact_env(enum redact_kind kind, const char *in, size_t len, char *out, size_t cap,
		       size_t *need)
{
	struct walk w = { .s = in, .len = len, .paths = env_paths[kind], .out = out, .cap = cap };
	unsigned mask = 0;

	*need = 0;
	const char *e = json_validate(in, len);
	if (e != NULL)
		return e;
	for (int p = 0; p < MAX_PATHS; p++)
		if (w.paths[p][0] != NULL)
			mask |= 1u << p;
	e = walk_answer(&w, mask);
	if (e != NULL)
		return e;
	copy_to(&w, len);
	*need = w.used;
	return w.used > cap ? "dockerd answer too large once its Env values are redacted" : NULL;
}
