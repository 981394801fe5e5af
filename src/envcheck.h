/*
 * envcheck: a clear word for every name in sockwall's environment.
 *
 * Given the names sockwall reads (settings_names), name by name:
 *  - a problem for a name that looks like a toggle but is none: an
 *    upper-case ALLOW_* or LIBPOD_* name, a near miss of a toggle set to a
 *    toggle value (CONTAINER=1), an unknown SOCKWALL_* or DKRPRX__* name;
 *    each with a "did you mean" hint when one is close;
 *  - a note for a name the anchors (tecnativa/docker-socket-proxy,
 *    linuxserver/socket-proxy) read differently: true/yes/on for a toggle,
 *    DISABLE_IPV6's words, LOG_LEVEL, TZ.
 * SOCKWALL_IGNORE_VARS=NAME,PREFIX*,... names what another program reads.
 * Pure: no I/O, no allocation; every text goes into a caller's buffer.
 */
#ifndef SOCKWALL_ENVCHECK_H
#define SOCKWALL_ENVCHECK_H

#include <stdbool.h>
#include <stddef.h>

/* Longest name compared by edit distance; longer ones are never near. */
#define ENVCHECK_NAME_MAX 64
#define ENVCHECK_NOTE_MAX 400

#define ENVCHECK_TEC 1u  /* tecnativa/docker-socket-proxy reads it */
#define ENVCHECK_LSIO 2u /* linuxserver/socket-proxy reads it */

struct envname {
	const char *name;
	bool toggle;           /* a section or a switch: what a near miss is taken for */
	unsigned char anchors; /* toggles: ENVCHECK_TEC/LSIO, which anchors read it too */
};

/* Every name sockwall reads, the toggles first (they win a tie for a hint). */
struct envnames {
	const struct envname *names;
	size_t n;
};

enum envnote_level { ENVNOTE_NOTICE, ENVNOTE_WARNING };

struct envnote {
	enum envnote_level level;
	char text[ENVCHECK_NOTE_MAX];
};

/*
 * Optimal-string-alignment distance (insert, delete, substitute, swap two
 * neighbours) between a[0..alen) and b[0..blen); any value above cap is
 * returned as cap + 1, as is any name longer than ENVCHECK_NAME_MAX.
 */
int envcheck_distance(const char *a, size_t alen, const char *b, size_t blen, int cap);

/* How far a name may be from a known one of this length and still be
 * taken for it: 1 up to 5 letters, 2 above. */
int envcheck_near(size_t known_len);

/* 1 for 1/true/yes/on, 0 for 0/false/no/off (any case), -1 otherwise. */
int envcheck_toggle_word(const char *v);

/*
 * The name sockwall reads that name[0..len) most likely meant, or NULL:
 * ALLOW_EXEC -> EXEC, LIBPOD_ALLOW_LOGS -> ALLOW_LOGS, else the closest
 * within envcheck_near (toggles only, unless all is set).
 */
const char *envcheck_hint(const struct envnames *en, const char *name, size_t len, bool all);

/*
 * Checks SOCKWALL_IGNORE_VARS itself: every item a name or PREFIX*, none a
 * name sockwall reads or in its own namespaces.  False with the problem in msg.
 */
bool envcheck_ignore_list_ok(const struct envnames *en, const char *ignore, char *msg,
			     size_t cap);

/* One entry "NAME=value": true, with the message in msg, when it is a problem. */
bool envcheck_entry(const struct envnames *en, const char *ignore, const char *entry,
		    char *msg, size_t cap);

/* The notes for envp's names, at most one per name; returns how many (<= cap). */
size_t envcheck_notes(const struct envnames *en, const char *ignore, char *const *envp,
		      struct envnote *out, size_t cap);

#endif
