/*
 * sockhint: the operator's next step when the proxy may not open the Docker
 * socket (EACCES/EPERM).  In a scratch image there is no shell to look
 * around with, so the proxy says it: the uid/gid it runs as, who owns the
 * socket (uid, gid, mode), and the compose `user:` line (or `group_add`)
 * that lets it in.
 *
 * sockhint_format builds the text from facts alone (the unit tests feed it
 * every case); sockhint_explain gathers the facts of this process and path.
 */
#ifndef SOCKWALL_SOCKHINT_H
#define SOCKWALL_SOCKHINT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct sockhint_facts {
	uid_t uid;     /* effective ids of the proxy */
	gid_t gid;
	bool in_group; /* the socket's group is ours (primary or supplementary) */
	int stat_err;  /* 0, or why the socket could not be stat'ed */
	uid_t owner;   /* the socket's, when stat_err is 0 */
	gid_t group;
	unsigned mode; /* permission bits */
};

/* One line, no newline, truncated to fit; returns its length (< out_len). */
size_t sockhint_format(char *out, size_t out_len, const char *path, int err,
		       const struct sockhint_facts *f);

/* When err (from connecting to path) is EACCES or EPERM: the facts of this
 * process and path, formatted; otherwise writes nothing and returns 0. */
size_t sockhint_explain(char *out, size_t out_len, const char *path, int err);

/* Whether this process may open path (write access, not a connection): the
 * hint when not, else 0.  At start-up, so the log leads with the fix rather
 * than with a 502 at the first request. */
size_t sockhint_probe(char *out, size_t out_len, const char *path);

#endif
