#include "conn_state.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http.h"
#include "policy.h"

void close_upstream(struct conn *c)
{
	if (c->ufd < 0)
		return;
	loop_del(c->srv->loop, c->ufd);
	close(c->ufd);
	c->ufd = -1;
	c->u_readable = c->u_wblocked = false;
	c->upstream_eof = c->upstream_shut = false;
}

/* The upstream failed before a byte of the response reached the client. */
static void upstream_failed(struct conn *c, const char *why)
{
	close_upstream(c);
	if (c->rs == RS_HEAD && c->out.fwd == 0 && c->out.start == c->out.end) {
		char msg[VERDICT_MESSAGE_MAX];
		snprintf(msg, sizeof(msg), "sockwall: the Docker daemon failed: %s", why);
		c->rs = RS_NONE;
		c->rq = RQ_HEAD;
		c->in.fwd = 0;
		buf_drop(&c->srv->bufs, &c->in);
		local_response(c, 502, msg, true, "error", why);
	} else {
		abort_conn(c, why);
	}
}

/*
 * A request sent whole on an upstream connection not watched yet (a fresh
 * one).  If the send took long, the likeliest reason is that the upstream,
 * woken by it on our core, preempted us and answered meanwhile: the answer
 * is read at once, and the connection is never added to the epoll set.
 * After a quick send (the upstream runs on another core, or has not run
 * yet) it is watched as usual; no read that would find nothing is tried.
 */
#define ANSWER_GUESS_US 10

bool upstream_write(struct conn *c)
{
	struct buf *in = &c->in;

	if (c->ufd < 0 || in->fwd == 0 || c->u_wblocked || c->upstream_shut)
		return false;
	bool fresh = !loop_events(c->srv->loop, c->ufd);
	int64_t sent_us = fresh ? now_us() : 0;
	ssize_t n = send(c->ufd, in->data + in->start, in->fwd, MSG_NOSIGNAL);
	if (n > 0) {
		in->start += (size_t)n;
		in->fwd -= (size_t)n;
		c->req.bytes_in += (uint64_t)n;
		if (fresh && in->fwd == 0 && c->rq == RQ_SENT &&
		    now_us() - sent_us >= ANSWER_GUESS_US)
			c->u_readable = true;
		return true;
	}
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
		c->u_wblocked = true;
		return false;
	}
	if (n < 0 && errno == EINTR)
		return true;
	if (c->rq == RQ_TUNNEL) {
		/* dockerd stopped reading stdin; its output may still come. */
		c->upstream_shut = true;
		buf_drop(&c->srv->bufs, in);
		return true;
	}
	upstream_failed(c, "write to the Docker daemon failed");
	return true;
}

/* ---- response side ---- */

bool upstream_read(struct conn *c)
{
	struct buf *out = &c->out;

	if (c->ufd < 0 || !c->u_readable || c->upstream_eof)
		return false;
	if (!buf_ensure(&c->srv->bufs, out)) {
		abort_conn(c, "out of memory");
		return true;
	}
	if (c->out_filled && out->cap == BUF_SIZE && !buf_used(out))
		buf_enlarge(&c->srv->bufs, out);
	size_t room = buf_room(out);
	if (room == 0)
		return false;
	ssize_t n = recv(c->ufd, out->data + out->end, room, 0);
	if (n > 0) {
		out->end += (size_t)n;
		if (c->rs == RS_BODY && buf_used(out) == out->cap)
			c->out_filled = true;
		if ((size_t)n < room)
			c->u_readable = false; /* drained: see client_read */
		return true;
	}
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
		c->u_readable = false;
		return false;
	}
	if (n < 0 && errno == EINTR)
		return true;
	c->upstream_eof = true; /* EOF, or a reset: either way nothing more comes */
	return true;
}

static bool response_head(struct conn *c)
{
	struct buf *out = &c->out;
	size_t avail = buf_unexamined(out);
	struct http_response resp;

	if (avail == 0) {
		if (c->upstream_eof) {
			upstream_failed(c, "closed without a response");
			return true;
		}
		return false;
	}
	int n = http_parse_response(out->data + out->start + out->fwd, avail, c->rq_is_head, &resp);
	if (n == HTTP_INCOMPLETE) {
		if (c->upstream_eof || avail == out->cap) {
			upstream_failed(c, "incomplete response head");
			return true;
		}
		return false;
	}
	if (n == HTTP_MALFORMED) {
		upstream_failed(c, resp.error);
		return true;
	}
	out->fwd += (size_t)n;
	c->req.status = resp.status;
	const char *ct = resp.content_type;
	size_t ct_len = resp.content_type_len;
	bool switching = resp.status == 101 ||
			 (resp.status == 200 && ct &&
			  (http_token_eq(ct, ct_len, "application/vnd.docker.raw-stream") ||
			   http_token_eq(ct, ct_len, "application/vnd.docker.multiplexed-stream")));
	if (switching && c->rq_hijackable) {
		c->rs = RS_TUNNEL;
		c->rq = RQ_TUNNEL;
		return true;
	}
	if (resp.status == 101) {
		abort_conn(c, "protocol switch on a route that does not hijack");
		return true;
	}
	if (resp.status < 200) {
		/* Interim: the real head follows.  A 100 Continue we already sent
		 * ourselves (to read an inspected body) is not sent twice. */
		if (resp.status == 100 && c->sent_continue) {
			char *at = out->data + out->start + out->fwd - (size_t)n;
			memmove(at, at + n, out->end - (out->start + out->fwd));
			out->fwd -= (size_t)n;
			out->end -= (size_t)n;
		}
		return true;
	}
	relay_start(&c->rs_body, resp.body, resp.content_length);
	c->rs_keep_alive = resp.keep_alive;
	c->rs = resp.body == HTTP_BODY_NONE ? RS_DONE : RS_BODY;
	if (resp.status == 200 && !c->rq_is_head && hold_begins(c, (size_t)n))
		c->rs = RS_HOLD;
	return true;
}

static bool response_body(struct conn *c)
{
	struct buf *out = &c->out;
	size_t took;
	enum relay_result r = relay_body(&c->rs_body, out, &took);

	if (r == RELAY_MALFORMED) {
		/* Relay what was sound, then end: the client sees a cut body. */
		c->rs_keep_alive = false;
		c->rs = RS_DONE;
		out->end = out->start + out->fwd;
		return true;
	}
	if (r == RELAY_DONE)
		c->rs = RS_DONE;
	if (c->rs == RS_BODY && c->upstream_eof && buf_unexamined(out) == 0) {
		/* Close-delimited bodies end here; others were cut short. */
		c->rs_keep_alive = false;
		c->rs = RS_DONE;
		return true;
	}
	return took > 0 || c->rs == RS_DONE;
}

bool response_closes(const struct conn *c)
{
	return !c->rq_keep_alive || !c->rs_keep_alive || c->srv->draining;
}

static void finish_request(struct conn *c)
{
	c->out_filled = false;
	log_done(c);
	if (!c->rs_keep_alive || c->upstream_shut)
		close_upstream(c);
	if (response_closes(c))
		c->close_after = true;
	c->client_closes = !c->rq_keep_alive;
	c->rq = RQ_HEAD;
	c->rs = RS_NONE;
	c->sent_continue = false;
	c->served_one = true;
	c->idle_since_ms = loop_now(c->srv->loop);
}

bool response_step(struct conn *c)
{
	struct buf *out = &c->out;

	switch (c->rs) {
	case RS_NONE:
		/* Nothing asked: bytes or EOF from dockerd end this upstream. */
		if (c->ufd >= 0 && (buf_unexamined(out) || c->upstream_eof)) {
			out->end = out->start + out->fwd;
			close_upstream(c);
			return true;
		}
		return false;
	case RS_HEAD:
		return response_head(c);
	case RS_BODY:
		return response_body(c);
	case RS_HOLD:
		return hold_step(c);
	case RS_DONE:
		/* Logged once the client has it all: the line counts the bytes
		 * sent, also when the client reads slower than dockerd wrote. */
		if (c->rq != RQ_SENT || out->fwd)
			return false;
		finish_request(c);
		return true;
	case RS_TUNNEL:
		if (buf_unexamined(out)) {
			out->fwd = buf_used(out);
			return true;
		}
		if (c->upstream_eof && !buf_used(out) && !c->close_after) {
			/* dockerd ended the stream: flush done, close towards the client. */
			log_done(c);
			c->close_after = true;
			return true;
		}
		return false;
	}
	return false;
}

