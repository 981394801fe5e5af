/*
 * envcheck: a clear word for every name in sockwall's environment.
 *
 * config.c hands over the names sockwall reads, gathered from the lists that
 * read them (the sections of route.h, the switches, the process settings),
 * and gets back, name by name:
 *  - a problem for a name that looks like a toggle but is none of them: an
 *    upper-case ALLOW_* or LIBPOD_* name, a near miss of a section or switch
 *    name set to a toggle value (CONTAINER=1), an unknown SOCKWALL_* or
 *    DKRPRX__* name; each with a "did you mean" hint when one is close;
 *  - a note for a name of the anchors (tecnativa/docker-socket-proxy,
 *    linuxserver/socket-proxy) that sockwall reads differently: true/yes/on
 *    for a toggle (their HAProxy reads those as off), DISABLE_IPV6's words,
 *    LOG_LEVEL, TZ.
 * SOCKWALL_IGNORE_VARS=NAME,PREFIX*,... names what another program reads.
 *
 * Pure: no I/O, no allocation; every text goes into a caller's buffer.
 */
#ifndef SOCKWALL_ENVCHECK_H
#define SOCKWALL_ENVCHECK_H

#include <stdbool.h>
#include <stddef.h>

/* Longest name compared by edit distance; longer ones are never near. */
#define ENVCHECK_NAME_MAX 64
#define ENVCHECK_NOTE_MAX 400

/* What sockwall reads (pointers into config.c's and route.c's tables). */
#define ENVCHECK_TEC 1u  /* tecnativa/docker-socket-proxy reads it */
#define ENVCHECK_LSIO 2u /* linuxserver/socket-proxy reads it */

struct envnames {
	const char *const *sections; /* CONTAINERS, ..., LIBPOD_* when built in */
	size_t n_sections;
	const char *const *switches; /* POST, DELETE, PUT, ALLOW_*, LIBPOD_ALLOW_* */
	size_t n_switches;
	const char *const *others;   /* SOCKWALL_*, DKRPRX__*, SOCKET_PATH, ... */
	size_t n_others;
	const unsigned char *switch_anchors; /* per switch: ENVCHECK_TEC/LSIO, 0 if none */
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

/* How far a name may be from a section or switch of this length and still
 * be taken for it: 1 up to 5 letters, 2 above. */
int envcheck_near(size_t known_len);

/* A toggle's word: 1 for 1/true/yes/on, 0 for 0/false/no/off (any case),
 * -1 for anything else. */
int envcheck_toggle_word(const char *v);

/* Whether sockwall reads this name. */
bool envcheck_known(const struct envnames *en, const char *name, size_t len);

/*
 * The name sockwall reads that name[0..len) most likely meant, or NULL:
 * ALLOW_EXEC -> EXEC, LIBPOD_ALLOW_LOGS -> ALLOW_LOGS, else the closest
 * within envcheck_near (sections and switches first; all names when
 * all is set).
 */
const char *envcheck_hint(const struct envnames *en, const char *name, size_t len, bool all);

/* Whether SOCKWALL_IGNORE_VARS (may be NULL) lists name: NAME, or PREFIX*. */
bool envcheck_ignored(const char *ignore, const char *name, size_t len);

/*
 * Checks SOCKWALL_IGNORE_VARS itself: every item a name or PREFIX*, none a
 * name sockwall reads or in sockwall's own namespaces.  Returns false with
 * the problem in msg.
 */
bool envcheck_ignore_list_ok(const struct envnames *en, const char *ignore, char *msg,
			     size_t cap);

/*
 * One environment entry "NAME=value": true when it is a problem (a
 * toggle-like name sockwall does not read), the message in msg, naming it.
 */
bool envcheck_entry(const struct envnames *en, const char *ignore, const char *entry,
		    char *msg, size_t cap);

/*
 * The notes for the anchors' names in envp that sockwall reads differently,
 * at most one per name; returns how many were written (at most cap).
 */
size_t envcheck_notes(const struct envnames *en, const char *ignore, char *const *envp,
		      struct envnote *out, size_t cap);

#endif
