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

#include <stdbool.h>

#include "config.h"
#include "loop.h"
#include "pool.h"

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
	bool draining;
	char self_id[65]; /* the proxy's own container, when it runs in one */
	struct tls_server *tls; /* loaded when a tls:// listener is configured */
	struct pool bufs;  /* released buffers kept for reuse (set up on first use) */
	struct pool conn_pool; /* closed connections' structs, the same way */
	struct pool big_bufs, big_scratch; /* for inspected bodies held whole */
	struct pool stream_bufs; /* large response bodies' larger buffers */
};

/* Loop handler for a listening socket; ctx is the struct listener. */
void conn_accept(struct loop *loop, int fd, int revents, void *ctx);

/* SIGTERM: close idle connections now, the others after their response. */
void server_drain(struct server *srv);

/* Frees every connection (at exit). */
void server_close_all(struct server *srv);

#endif
