/*
 * conn: one client connection and its upstream connection to dockerd.
 *
 * Each connection is two half state machines over two bounded buffers:
 *   in  : client -> upstream.  Request heads are parsed here, in place, and
 *         judged; only bytes of an allowed request are cleared for sending.
 *   out : upstream -> client.  Response heads are parsed here to find where
 *         each response ends (length, chunked, close) or that it became a
 *         tunnel (attach, exec start).  Local error responses go here too.
 * Requests on one connection are handled one at a time, in order: the next
 * head is parsed only once the previous response has been relayed, so every
 * pipelined request is judged on its own and responses never reorder.
 * Backpressure: a side is not read while its buffer is full.
 */
#ifndef SOCKWALL_CONN_H
#define SOCKWALL_CONN_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "loop.h"
#include "buf.h"

struct conn;

struct server;

struct listener {
	struct server *srv;
	int fd;
	const struct listen_spec *spec;
	bool paused; /* out of descriptors: accept again after a pause */
	bool health_only; /* the TLS-only health channel: GET/HEAD /_ping only */
};

struct server {
	const struct config *cfg;
	struct loop *loop;
	struct listener listeners[CONFIG_MAX_LISTENERS + 1]; /* + the health channel */
	size_t n_listeners;
	struct conn *conns; /* doubly linked, for draining */
	int nconns;
	int max_conns;
	bool draining; /* stopping: connections close after their response */
	char self_id[65]; /* the proxy's own container, when it runs in one */
	struct tls_server *tls; /* loaded when a tls:// listener is configured */
	struct buf_pools bufs; /* released buffers kept for reuse */
	struct pool conn_pool; /* closed connections' structs, the same way */
};

/* A client accepted on l becomes a connection; -1 when there is no room
 * for one (the caller answers 503 and closes cfd). */
int conn_open(struct server *srv, const struct listener *l, int cfd,
	      const struct sockaddr_in6 *peer);

/* Closes the connections with nothing in flight (the stop; see draining). */
void conn_close_idle(struct server *srv);

/* Frees every connection and the buffers kept (at exit). */
void conn_close_all(struct server *srv);

/* Docker's error shape, so `docker` prints "Error response from daemon: <message>". */
size_t conn_format_error(char *out, size_t cap, int status, const char *message, bool close,
			 bool head_only);

#endif
