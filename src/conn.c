#include "conn.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conn_state.h"
#include "net.h"
#include "sockhint.h"

#define LINGER_MS 2000
#define QUIET_MS 50

static loop_handler conn_event;

static void conn_free(struct conn *c)
{
	struct server *srv = c->srv;

	record_log(c, "allow", "connection closed");
	pending_free(c);
	close_upstream(c);
	stream_free(&c->client);
	loop_del(srv->loop, c->client.fd);
	close(c->client.fd);
	buf_drop(&srv->bufs, &c->in);
	buf_drop(&srv->bufs, &c->out);
	if (c->prev)
		c->prev->next = c->next;
	else
		srv->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	srv->nconns--;
	pool_put(&srv->conn_pool, (char *)c);
}

/* Our side is done: drop what the client still sends until it closes or
 * LINGER_MS pass, lest the kernel answer unread bytes with a reset that
 * destroys what we sent last. */
static void start_linger(struct conn *c)
{
	shutdown(c->client.fd, SHUT_WR);
	buf_drop(&c->srv->bufs, &c->in);
	buf_drop(&c->srv->bufs, &c->out);
	c->lingering = true;
	c->linger_deadline_ms = loop_now(c->srv->loop) + LINGER_MS;
}

/* A handshake that failed leaves no request to log: say why on its own line. */
static void tls_failed(struct conn *c)
{
	char reason[96];

	snprintf(reason, sizeof(reason), "tls: %s", stream_error_name(&c->client));
	if (!c->req.active)
		record_begin(c, "", 0, "", 0);
	record_log(c, "error", reason);
	if (!stream_tell_refusal(&c->client)) {
		c->dead = true;
		return;
	}
	c->close_after = true;
	start_linger(c);
}

static bool client_read(struct conn *c)
{
	bool empty = !buf_used(&c->in);
	size_t got;
	enum stream_result r = stream_read(&c->client, &c->srv->bufs, &c->in, &got);

	if (got && empty && c->rq == RQ_HEAD && !c->head_started_ms)
		c->head_started_ms = loop_now(c->srv->loop);
	if (r == STREAM_FAILED)
		abort_conn(c, c->client.why);
	else if (r == STREAM_REFUSED)
		tls_failed(c);
	return r != STREAM_IDLE;
}

/* What is sent now ends the connection, and the FIN follows in the same turn
 * (close_step): MSG_MORE lets it ride on the data's segment, one packet and
 * one wake-up of the client instead of two. */
static bool sends_last(const struct conn *c)
{
	if (c->rs == RS_NONE)
		return c->close_after;
	return c->rs == RS_DONE && c->rq == RQ_SENT && response_closes(c);
}

static bool client_write(struct conn *c)
{
	size_t sent;
	enum stream_result r = stream_write(&c->client, &c->out, sends_last(c), &sent);

	if (c->req.active)
		c->req.bytes_out += sent;
	if (r == STREAM_FAILED)
		abort_conn(c, c->client.why);
	return r != STREAM_IDLE;
}

/* Closing after a response: goodbye, then linger (see start_linger). */
static bool close_step(struct conn *c)
{
	if (!c->close_after || c->lingering || c->out.fwd)
		return false;
	if (c->rs != RS_NONE && c->rs != RS_TUNNEL)
		return false;
	int notify = stream_close_notify(&c->client);
	if (notify)
		return notify > 0;
	log_done(c);
	close_upstream(c);
	/*
	 * A client that has closed needs no lingering; nor one whose last
	 * request (it said so) we read whole from a drained socket: nothing
	 * unread can turn the close into a reset, and waiting for its FIN
	 * costs three syscalls and a wake-up.
	 */
	if (c->client.eof || (c->client_closes && !buf_used(&c->in) && !c->client.readable &&
			      !stream_is_tls(&c->client))) {
		c->dead = true;
		return true;
	}
	start_linger(c);
	return true;
}

static void linger_read(struct conn *c)
{
	char scratch[4096];

	for (;;) {
		ssize_t n = recv(c->client.fd, scratch, sizeof(scratch), 0);
		if (n > 0 || (n < 0 && errno == EINTR))
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			c->client.readable = false;
			return;
		}
		c->dead = true;
		return;
	}
}

/*
 * Until its answer comes, a client whose request is out has nothing to say
 * but a close.  One not watched yet (it sent its request as it connected,
 * see conn_open) stays unwatched for QUIET_MS: most answers come sooner,
 * and the connection never enters the epoll set (an epoll_ctl less).
 */
static bool client_quiet(const struct conn *c)
{
	struct loop *loop = c->srv->loop;

	return c->rq == RQ_SENT && c->rs == RS_HEAD && !loop_events(loop, c->client.fd) &&
	       loop_now(loop) < c->idle_since_ms + QUIET_MS;
}

static void update_poll(struct conn *c)
{
	const struct config *cfg = c->srv->cfg;
	struct loop *loop = c->srv->loop;
	short ce;
	int64_t deadline = 0;

	if (c->lingering) {
		loop_set_events(loop, c->client.fd, POLLIN);
		loop_set_deadline(loop, c->client.fd, c->linger_deadline_ms);
		return;
	}
	ce = stream_events(&c->client, !c->in.data || buf_used(&c->in) < c->in.cap, c->out.fwd);
	if (ce == POLLIN && client_quiet(c)) {
		ce = 0;
		deadline = c->idle_since_ms + QUIET_MS;
	}
	if (c->upstream.fd >= 0)
		loop_set_events(loop, c->upstream.fd,
				stream_events(&c->upstream,
					      !c->out.data || buf_used(&c->out) < c->out.cap,
					      c->in.fwd));
	loop_set_events(loop, c->client.fd, ce);
	if (c->pending && c->pending->q.fd >= 0)
		loop_set_events(loop, c->pending->q.fd,
				c->pending->q.req_sent < c->pending->q.req_len ? POLLOUT : POLLIN);

	if (c->rs == RS_NONE) {
		/* Between requests: release buffers, and time the wait. */
		if (!buf_used(&c->in))
			buf_release(&c->srv->bufs, &c->in);
		if (!buf_used(&c->out))
			buf_release(&c->srv->bufs, &c->out);
		if (c->head_started_ms && !buf_used(&c->out))
			deadline = c->head_started_ms + cfg->head_timeout_ms;
		else if (!c->served_one)
			deadline = c->idle_since_ms + cfg->head_timeout_ms;
		else if (cfg->idle_timeout_ms)
			deadline = c->idle_since_ms + cfg->idle_timeout_ms;
	}
	if (stream_handshaking(&c->client))
		deadline = c->idle_since_ms + cfg->tls_handshake_timeout_ms;
	/* Streams and tunnels never time out: they end when either side ends them. */
	loop_set_deadline(loop, c->client.fd, deadline);
}

static void conn_timeout(struct conn *c)
{
	if (!c->lingering && c->rs == RS_HEAD && !loop_events(c->srv->loop, c->client.fd))
		return; /* QUIET_MS passed (see client_quiet): update_poll watches it now */
	if (c->lingering || c->rs != RS_NONE) {
		c->dead = true;
		return;
	}
	if (stream_handshaking(&c->client)) {
		if (!c->req.active)
			record_begin(c, "", 0, "", 0);
		record_log(c, "error", "tls: handshake timeout (SOCKWALL_TLS_HANDSHAKE_TIMEOUT)");
		c->dead = true;
		return;
	}
	if (c->head_started_ms && buf_used(&c->in) && !buf_used(&c->out)) {
		local_response(c, 408,
			       "sockwall: request head not received in time (SOCKWALL_HEAD_TIMEOUT)",
			       true, "error", "head timeout");
		return;
	}
	c->dead = true; /* idle keep-alive: a silent close is what HTTP expects */
}

static bool upstream_connect(struct conn *c)
{
	int fd = net_connect_unix(c->srv->cfg->socket_path);

	/* Parked: update_poll watches it unless the answer is read first
	 * (see upstream_write). */
	if (fd < 0 || loop_add(c->srv->loop, fd, 0, conn_event, c) < 0) {
		int err = errno;
		char msg[VERDICT_MESSAGE_MAX], hint[512];
		/* Permission denied: the log line says which user: line fixes it;
		 * the client (maybe remote) is only told to look there. */
		bool hinted = sockhint_explain(hint, sizeof(hint), c->srv->cfg->socket_path, err);
		snprintf(msg, sizeof(msg), "sockwall: cannot reach the Docker daemon at %s: %s%s",
			 c->srv->cfg->socket_path, strerror(err),
			 hinted ? " (the proxy's log says how to fix it)" : "");
		if (fd >= 0)
			close(fd);
		local_response(c, 502, msg, true, "error", hinted ? hint : "upstream unreachable");
		return false;
	}
	c->upstream.fd = fd; /* its flags were cleared when the last one closed */
	return true;
}

/* Does what a step of a half asked for; whether anything moved. */
static bool act(struct conn *c, enum step_act a, struct step *st)
{
	switch (a) {
	case STEP_IDLE:
		return false;
	case STEP_MOVED:
		break;
	case STEP_ANSWER:
		local_response(c, st->status, st->message, st->close, st->decision, st->reason);
		break;
	case STEP_ABORT:
		abort_conn(c, st->reason);
		break;
	case STEP_FORWARD:
		if (c->upstream.fd >= 0 || upstream_connect(c))
			request_forward(c, &st->plan);
		break;
	case STEP_WATCH:
		if (loop_add(c->srv->loop, st->fd, POLLOUT, conn_event, c) < 0)
			return act(c, lookup_unwatched(c, st), st);
		break;
	}
	return true;
}

static void conn_pump(struct conn *c)
{
	struct step st;
	bool progress;

	do {
		if (c->lingering) {
			if (c->client.readable)
				linger_read(c);
			break;
		}
		progress = client_read(c);
		/* Each step runs until it has nothing left to clear, so that a
		 * head and the body behind it leave in one send, not two. */
		while (!c->dead && act(c, request_step(c, &st), &st))
			progress = true;
		progress |= !c->dead && act(c, upstream_write(c, &st), &st);
		progress |= !c->dead && act(c, upstream_read(c, &st), &st);
		/* A response done is logged on the next turn, after the
		 * send, so that its line counts the bytes sent. */
		while (!c->dead && act(c, response_step(c, &st), &st)) {
			progress = true;
			if (c->rs == RS_DONE)
				break;
		}
		progress |= !c->dead && client_write(c);
		progress |= !c->dead && close_step(c);
	} while (progress && !c->dead);
	if (c->dead)
		conn_free(c);
	else
		update_poll(c);
}

static void conn_event(struct loop *loop, int fd, int revents, void *ctx)
{
	struct conn *c = ctx;

	(void)loop;
	if (revents & LOOP_TIMEOUT)
		conn_timeout(c);
	if (fd == c->client.fd)
		stream_woken(&c->client, revents);
	else if (fd == c->upstream.fd)
		stream_woken(&c->upstream, revents);
	/* The lookup connection is simply retried on every wake-up. */
	if (c->dead) {
		conn_free(c);
		return;
	}
	conn_pump(c);
}

/* ---- opening and closing ---- */

int conn_open(struct server *srv, const struct listener *l, int cfd,
	      const struct sockaddr_in6 *peer)
{
	struct loop *loop = srv->loop;
	struct conn *c;

	/* Each client costs two descriptors: itself and its upstream. */
	if (srv->nconns >= srv->max_conns || cfd + 1 >= loop->max_fds ||
	    (!srv->conn_pool.free &&
	     pool_init(&srv->conn_pool, loop, sizeof(struct conn), srv->max_conns) < 0) ||
	    !(c = (struct conn *)pool_get(&srv->conn_pool)))
		return -1;
	memset(c, 0, sizeof(*c));
	if (loop_add(loop, cfd, 0, conn_event, c) < 0) {
		pool_put(&srv->conn_pool, (char *)c);
		return -1;
	}
	if (stream_open(&c->client, cfd, l->spec->kind == LISTEN_TLS ? srv->tls : NULL) < 0) {
		loop_del(loop, cfd);
		pool_put(&srv->conn_pool, (char *)c);
		return -1;
	}
	c->srv = srv;
	c->listener = l;
	c->pol = config_policy(srv->cfg, l->spec->policy);
	c->upstream = (struct stream){ .fd = -1, .error_is_eof = true };
	c->idle_since_ms = loop_now(loop);
	c->peer = *peer;
	c->next = srv->conns;
	if (srv->conns)
		srv->conns->prev = c;
	srv->conns = c;
	srv->nconns++;
	/* A TCP client is accepted once its first bytes are in (TCP_DEFER_ACCEPT,
	 * see net.c): read them now rather than watch for them (see client_quiet).
	 * A unix client is accepted at connect(2), usually before it writes. */
	if (l->spec->kind == LISTEN_UNIX) {
		update_poll(c);
		return 0;
	}
	c->client.readable = true;
	conn_pump(c);
	return 0;
}

void conn_close_idle(struct server *srv)
{
	struct conn *c = srv->conns, *next;

	for (; c; c = next) {
		next = c->next;
		if (c->rs == RS_NONE && !buf_used(&c->in) && !buf_used(&c->out)) {
			c->dead = true;
			conn_free(c);
		}
	}
}

void conn_close_all(struct server *srv)
{
	while (srv->conns)
		conn_free(srv->conns);
	buf_pools_free(&srv->bufs);
	pool_free(&srv->conn_pool);
}
