/*
 * routeshow: a route pattern as a user reads it.  The route table keeps
 * moby's router syntax ("/containers/{name:.*}/logs") because matching
 * depends on it; messages, logs and --explain print the Engine API
 * reference's form instead ("/containers/{id}/logs").
 */
#ifndef SOCKWALL_ROUTESHOW_H
#define SOCKWALL_ROUTESHOW_H

#include <stddef.h>

/* Enough for every pattern in the route table, shown. */
#define ROUTE_SHOW_MAX 128

/*
 * Writes pattern into out (cap bytes, NUL-terminated) with each variable's
 * regular expression dropped ("{name:.*}" -> "{name}"), and the variable
 * after "containers" or "exec" named "{id}" as the API reference does.
 * Returns the length written; a pattern that does not fit is cut and ends
 * in "..." (cap >= 4).
 */
size_t route_show(const char *pattern, char *out, size_t cap);

#endif
