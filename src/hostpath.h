/*
 * hostpath: the host paths a request would bind into a container, judged
 * by the default protections and the DKRPRX__VOLUMES__*_PATHS filters.
 * Paths are cleaned first (dot segments, "//", a trailing '/'): a
 * directory that contains a protected path exposes it as surely as the
 * path itself.  Pure: the real paths behind symlinks are added to the
 * facts by the judge (judge_body, when the proxy runs on the host).
 */
#ifndef SOCKWALL_HOSTPATH_H
#define SOCKWALL_HOSTPATH_H

#include <stdbool.h>
#include <stddef.h>

#include "filter.h"

/* Every host path of a body, spellings first, then their real paths. */
enum decision hostpath_judge_body(const struct filters *f, const struct body_facts *b,
				  struct verdict *v);

/* One host path (a volume's device named by dockerd, say). */
enum decision hostpath_judge(const struct filters *f, const struct host_path *hp,
			     struct verdict *v);

/* Whether a cleaned bind source exposes a protected path (the socket,
 * /proc, a listener) or a root-equivalent one (powers_root_path). */
bool filter_path_is_protected(const struct filters *f, const char *path, size_t len,
			      bool read_only);

#endif
