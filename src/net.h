/*
 * net: sockets.  Listeners (TCP dual-stack with IPv4 fall-back, unix with
 * mode and group), the upstream unix connection, and peer names for logs.
 * Every descriptor returned is close-on-exec; all but --healthcheck's are non-blocking.
 */
#ifndef SOCKWALL_NET_H
#define SOCKWALL_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define NET_PATH_MAX 108 /* sun_path */

enum listen_kind { LISTEN_TCP, LISTEN_UNIX, LISTEN_TLS };

struct listen_spec {
	enum listen_kind kind;
	char host[64];             /* tcp, tls: numeric address, no brackets */
	unsigned short port;       /* tcp, tls */
	char path[NET_PATH_MAX];   /* unix */
	mode_t mode;               /* unix: permission bits of the socket file */
	gid_t gid;                 /* unix: group of the socket file, when has_gid */
	bool has_gid;
	bool is_default;           /* the built-in [::]:2375, may fall back to IPv4 */
	int policy;                /* ?policy=: config_policy's index, 0 = the environment's */
	char url[320];             /* as written, for logs */
};

/* Returns a listening fd, or -1 with a message naming the listener in err. */
int net_listen(const struct listen_spec *l, char *err, size_t err_len);

/*
 * The health channel of a TLS-only configuration: an abstract unix socket
 * (no file; reachable only from the proxy's own network namespace, which
 * is where `sockwall --healthcheck` runs) named after the listeners.
 * Only GET/HEAD /_ping is served on it.
 */
void net_health_name(const struct listen_spec *listeners, size_t n, char *out, size_t out_len);
int net_listen_abstract(const char *name);
int net_connect_abstract(const char *name);

/* Connects to a unix socket; -1 with errno set when it cannot. */
int net_connect_unix(const char *path);

/*
 * Connects to listener l as its clients would (a wildcard address on the
 * loopback), blocking, each step bounded by timeout_s: --healthcheck.
 */
int net_connect_listener(const struct listen_spec *l, int timeout_s);

/*
 * The peer of an accepted socket, from the address accept(2) gave:
 * "203.0.113.7:51234", "[::1]:40000", or "unix:uid=0,pid=42".
 */
struct sockaddr;
void net_peer_format(int fd, const struct sockaddr *sa, char *out, size_t out_len);

/* Removes a unix listener's socket file at exit. */
void net_unlink_listener(const struct listen_spec *l);

#endif
