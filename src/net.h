/*
 * net: sockets.  Listeners (TCP dual-stack with IPv4 fall-back, unix with
 * mode and group), the upstream unix connection, and peer names for logs.
 * Every descriptor returned is non-blocking and close-on-exec.
 */
#ifndef SOCKWALL_NET_H
#define SOCKWALL_NET_H

#include <stddef.h>

#include "config.h"

/* Returns a listening fd, or -1 with a message naming the listener in err. */
int net_listen(const struct listen_spec *l, char *err, size_t err_len);

/*
 * The health channel of a TLS-only configuration: an abstract unix socket
 * (no file; reachable only from the proxy's own network namespace, which
 * is where `sockwall --healthcheck` runs) named after the listeners.
 * Only GET/HEAD /_ping is served on it.
 */
void net_health_name(const struct config *cfg, char *out, size_t out_len);
int net_listen_abstract(const char *name);
int net_connect_abstract(const char *name);

/* Connects to a unix socket; -1 with errno set when it cannot. */
int net_connect_unix(const char *path);

/* "203.0.113.7:51234", "[::1]:40000", or "unix:uid=0,pid=42". */
void net_peer_name(int fd, char *out, size_t out_len);
/* The same from the address accept(2) gave (no getpeername). */
struct sockaddr;
void net_peer_format(int fd, const struct sockaddr *sa, char *out, size_t out_len);

/* Removes a unix listener's socket file at exit. */
void net_unlink_listener(const struct listen_spec *l);

#endif
