/*
 * redact: a dockerd answer with the values of its environment variables
 * taken out, so that a client allowed to read containers cannot read the
 * secrets other containers were started with.
 *
 * Each string "KEY=value" of an Env list becomes "KEY=" REDACT_MARKER;
 * KEY is kept as dockerd wrote it (its raw JSON bytes up to the first '=',
 * which may be written "\u003d").  An element without '=' stays.  Every
 * other byte of the answer, whitespace included, is what dockerd sent.
 *
 * The Env lists, per kind, in the answer's object or in each object of a
 * list answer (a top-level array):
 *   container  Config.Env, and Podman's Config.CreateCommand (the command
 *              line of `podman run -e KEY=value`: its KEY=value words)
 *   service    Spec.TaskTemplate.ContainerSpec.Env and the same under PreviousSpec
 *   task       Spec.ContainerSpec.Env
 *   plugin     Settings.Env
 * Keys match as Go's encoding/json matches struct fields (case folded,
 * escapes decoded), and every occurrence counts: a client decoding a
 * repeated or differently spelt key sees no value either.
 *
 * Pure: no I/O, no allocation (the text is validated by json.c and walked
 * as it stands, with no tokens), no global state.
 */
#ifndef SOCKWALL_REDACT_H
#define SOCKWALL_REDACT_H

#include <stddef.h>

#define REDACT_MARKER "<redacted by sockwall>"

enum redact_kind {
	REDACT_CONTAINER,
	REDACT_SERVICE,
	REDACT_TASK,
	REDACT_PLUGIN,
};

/*
 * Writes the answer in[0..len) of that kind, redacted, to out[0..cap), no
 * NUL added; *need is its length (out may be NULL with cap 0 to learn it).
 * Returns NULL, or why the answer is refused: invalid JSON, an Env that is
 * neither null nor a list of strings (never pass on a value we cannot
 * read), or a result over cap (then *need is the room it takes; for the
 * others, 0).  What a refused answer left in out is not to be sent.
 */
const char *redact_env(enum redact_kind kind, const char *in, size_t len, char *out, size_t cap,
		       size_t *need);

#endif
