/*
 * fuzz_redact: redact_env on arbitrary dockerd answers, judged against the
 * reference reader (jsonref.h, Go encoding/json semantics).
 *
 * Input: one byte naming the kind ('c' container, 's' service, 't' task,
 * 'p' plugin; any other byte: its value mod 4), then the answer.
 *
 * Invariants:
 *  - measuring (no buffer) and redacting into exactly the room it asked
 *    for agree; one byte less is refused with the same room asked;
 *  - an accepted answer's output is valid JSON to json.c and to the
 *    reference, and, read by the reference, is the input but for the Env
 *    lists on the kind's paths (keys folded as Go matches struct fields,
 *    every occurrence, in the answer's object or each object of a
 *    top-level list): there each string with a '=' is its part up to the
 *    first '=' followed by the marker, and nothing else changed.  So no
 *    value is left;
 *  - redacting the output again changes nothing;
 *  - a refusal has a reason: the input is invalid to json.c, or an Env on
 *    a path is neither null nor a list of strings.
 */
#include "fuzz.h"

#include "json.h"
#include "jsonref.h"
#include "redact.h"

static const char *const env_paths[4][2][5] = {
	{ { "Config", "Env" }, { "Config", "CreateCommand" } },
	{ { "Spec", "TaskTemplate", "ContainerSpec", "Env" },
	  { "PreviousSpec", "TaskTemplate", "ContainerSpec", "Env" } },
	{ { "Spec", "ContainerSpec", "Env" } },
	{ { "Settings", "Env" } },
};
static const char *const (*paths)[5];

/* The paths in mask that key k follows at word depth: *env when it ends one. */
static unsigned follow(const struct jv *k, unsigned mask, int depth, int *env)
{
	unsigned sub = 0;

	*env = 0;
	for (int p = 0; p < 2; p++) {
		if (!(mask & 1u << p) || !key_is(k, paths[p][depth]))
			continue;
		if (paths[p][depth + 1] == NULL)
			*env = 1;
		else
			sub |= 1u << p;
	}
	return sub;
}

static int env_readable(const struct jv *v)
{
	if (v->t == J_NULL)
		return 1;
	if (v->t != J_ARR)
		return 0;
	for (size_t i = 0; i < v->count; i++)
		if (v->kids[i]->t != J_STR)
			return 0;
	return 1;
}

/* Whether an Env on a path under v (word depth, paths in mask) is unreadable. */
static int bad_env(const struct jv *v, unsigned mask, int depth)
{
	if (v->t != J_OBJ || mask == 0)
		return 0;
	for (size_t i = 0; i + 1 < v->count; i += 2) {
		int env;
		unsigned sub = follow(v->kids[i], mask, depth, &env);
		if ((env && !env_readable(v->kids[i + 1])) || bad_env(v->kids[i + 1], sub, depth + 1))
			return 1;
	}
	return 0;
}

static void same_string(const struct jv *a, const struct jv *b)
{
	FUZZ_CHECK(b->t == J_STR && a->n == b->n && memcmp(a->s, b->s, a->n) == 0,
		   "a string changed");
}

static void same_env(const struct jv *a, const struct jv *b)
{
	size_t mlen = strlen(REDACT_MARKER);

	FUZZ_CHECK(env_readable(a) && env_readable(b) && a->t == b->t && a->count == b->count,
		   "an Env taken that is not a list of strings");
	for (size_t i = 0; i < a->count; i++) {
		const struct jv *x = a->kids[i], *y = b->kids[i];
		const char *eq = memchr(x->s, '=', x->n);
		if (eq == NULL) {
			same_string(x, y);
			continue;
		}
		size_t key = (size_t)(eq - x->s) + 1;
		FUZZ_CHECK(y->n == key + mlen && memcmp(y->s, x->s, key) == 0 &&
				   memcmp(y->s + key, REDACT_MARKER, mlen) == 0,
			   "Env element %zu not redacted as KEY=marker", i);
	}
}

/* b is a but for the Env lists under it (word depth, paths in mask). */
static void same(const struct jv *a, const struct jv *b, unsigned mask, int depth)
{
	FUZZ_CHECK(a->t == b->t && a->count == b->count, "the answer's shape changed");
	if (a->t == J_STR)
		same_string(a, b);
	for (size_t i = 0; a->t == J_ARR && i < a->count; i++)
		same(a->kids[i], b->kids[i], 0, 0);
	for (size_t i = 0; a->t == J_OBJ && i + 1 < a->count; i += 2) {
		int env;
		unsigned sub = follow(a->kids[i], mask, depth, &env);
		same_string(a->kids[i], b->kids[i]);
		if (env)
			same_env(a->kids[i + 1], b->kids[i + 1]);
		else
			same(a->kids[i + 1], b->kids[i + 1], sub, depth + 1);
	}
}

static unsigned all_paths(void)
{
	return paths[1][0] ? 3u : 1u;
}

/* The answer's object, or each object of a top-level list. */
static void same_answer(const struct jv *a, const struct jv *b)
{
	if (a->t != J_ARR) {
		same(a, b, all_paths(), 0);
		return;
	}
	FUZZ_CHECK(b->t == J_ARR && a->count == b->count, "the list's shape changed");
	for (size_t i = 0; i < a->count; i++)
		same(a->kids[i], b->kids[i], a->kids[i]->t == J_OBJ ? all_paths() : 0, 0);
}

static int bad_answer(const struct jv *a)
{
	if (a->t != J_ARR)
		return bad_env(a, all_paths(), 0);
	for (size_t i = 0; i < a->count; i++)
		if (bad_env(a->kids[i], all_paths(), 0))
			return 1;
	return 0;
}

static enum redact_kind kind_of(uint8_t b)
{
	switch (b) {
	case 'c':
		return REDACT_CONTAINER;
	case 's':
		return REDACT_SERVICE;
	case 't':
		return REDACT_TASK;
	case 'p':
		return REDACT_PLUGIN;
	default:
		return (enum redact_kind)(b % 4);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	fuzz_begin(data, size);
	enum redact_kind kind = kind_of(data[0]);
	char *in = fuzz_dup(data + 1, size - 1);
	size_t len = size - 1, need = 0, again = 0;
	paths = env_paths[kind];

	const char *e = redact_env(kind, in, len, NULL, 0, &need);
	FUZZ_CHECK(e != NULL, "accepted into no room");
	struct jv *a = json_read(in, len, NULL);
	if (need == 0) {
		char *out = malloc(8 * len + 64);
		FUZZ_CHECK(out != NULL, "out of memory");
		FUZZ_CHECK(redact_env(kind, in, len, out, 8 * len + 64, &again) != NULL && again == 0,
			   "refused for want of room, then for no reason");
		FUZZ_CHECK(json_validate(in, len) != NULL || (a != NULL && bad_answer(a)),
			   "refused (%s) a valid answer whose Env lists are readable", e);
		free(out);
		jv_free(a);
		free(in);
		return 0;
	}
	char *out = malloc(need);
	FUZZ_CHECK(out != NULL, "out of memory");
	FUZZ_CHECK(redact_env(kind, in, len, out, need - 1, &again) != NULL && again == need,
		   "one byte short: %zu, want %zu", again, need);
	e = redact_env(kind, in, len, out, need, &again);
	FUZZ_CHECK(e == NULL && again == need, "refused (%s) in the room it asked for", e);
	FUZZ_CHECK(json_validate(out, need) == NULL, "the output is not valid JSON");
	size_t used = 0;
	struct jv *b = json_read(out, need, &used);
	FUZZ_CHECK(a != NULL && b != NULL, "the reference cannot read input or output");
	same_answer(a, b);
	char *twice = malloc(need);
	FUZZ_CHECK(twice != NULL, "out of memory");
	FUZZ_CHECK(redact_env(kind, out, need, twice, need, &again) == NULL && again == need &&
			   memcmp(out, twice, need) == 0,
		   "redacting twice changed the output");
	free(twice);
	jv_free(b);
	jv_free(a);
	free(out);
	free(in);
	return 0;
}
