/*
 * imageref: Docker image references parsed and normalised the way the
 * daemon does (distribution/reference ParseNormalizedNamed), so that a
 * filter on repositories and tags sees the image dockerd will use:
 * "busybox" is docker.io/library/busybox:latest, "localhost:5000/a/b@sha256:..."
 * has a registry with a port and a digest.  No allocation: results point
 * into the caller's struct.
 */
#ifndef SOCKWALL_IMAGEREF_H
#define SOCKWALL_IMAGEREF_H

#include <stdbool.h>
#include <stddef.h>

#define IMAGEREF_MAX 512

struct imageref {
	char domain[256];     /* "docker.io", "registry.example.com:5000", "localhost",
				 "[::1]:5000"; "" in the one case reference has a
				 name without a domain: a first component with '.'
				 that is no valid host ("a_b.c/d" is all path) */
	char path[IMAGEREF_MAX]; /* "library/busybox", "team/app" */
	char full[IMAGEREF_MAX]; /* domain + "/" + path: "docker.io/library/busybox"
				    (just path when domain is ""); at most 255 bytes */
	char familiar[IMAGEREF_MAX]; /* as the CLI prints it: "busybox", "team/app",
				    "registry.example.com:5000/team/app" */
	char tag[129];        /* "" when none was given (the daemon means "latest") */
	char digest[160];     /* "sha256:..." or "" */
};

/*
 * Parses "name[:tag][@digest]".  Returns 0 (*why NULL), or -1 with *why set
 * to a static message when the reference is invalid (uppercase in the
 * repository, bad tag or digest, a name over 255 bytes, empty, a NUL or any
 * byte outside the grammar).  A 64-hex-digit string alone is an image ID,
 * not a name: -1 with *why "image ID" (callers decide what an ID means).
 * Digests are checked as go-digest does: sha256, sha384 or sha512 with
 * exactly 64, 96 or 128 lowercase hex digits.
 *
 * Like ParseNormalizedNamed, this does not add "latest" and does not read
 * the query's separate `tag` parameter (which dockerd may take as a digest
 * on pull): the caller combines those.  Note that dockerd also resolves an
 * Image that is no reference it knows as an image ID prefix ("3f5" may be
 * busybox): a reference that parses here is not proof of which image runs.
 */
int imageref_parse(const char *s, size_t len, struct imageref *ref, const char **why);

#endif
