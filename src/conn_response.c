#include "conn_state.h"

#include <string.h>
#include <unistd.h>

#include "http.h"

void close_upstream(struct conn *c)
{
	if (c->upstream.fd >= 0) {
		loop_del(c->srv->loop, c->upstream.fd);
		close(c->upstream.fd);
	}
	c->upstream = (struct stream){ .fd = -1, .error_is_eof = true };
}

/* The upstream failed: a 502 if no byte of the response reached the client yet. */
static enum step_act upstream_failed(struct conn *c, const char *why, struct step *st)
{
	close_upstream(c);
	if (c->rs != RS_HEAD || c->out.fwd || c->out.start != c->out.end)
		return step_abort(st, why);
	c->rs = RS_NONE;
	c->rq = RQ_HEAD;
	c->in.fwd = 0;
	buf_drop(&c->srv->bufs, &c->in);
	return step_answer(st, 502, true, "error", why, "sockwall: the Docker daemon failed: %s",
			   why);
}

/*
 * A request sent whole on a fresh (unwatched) upstream: a slow send most
 * likely means dockerd, woken on our core, preempted us and has answered,
 * so the answer is read at once and the socket never enters the epoll set.
 * After a quick send it is watched as usual: no read that finds nothing.
 */
#define ANSWER_GUESS_US 10

enum step_act upstream_write(struct conn *c, struct step *st)
{
	struct stream *u = &c->upstream;
	size_t sent;

	if (u->fd < 0 || u->shut || c->in.fwd == 0 || u->wblocked)
		return STEP_IDLE;
	bool fresh = !loop_events(c->srv->loop, u->fd);
	int64_t sent_us = fresh ? now_us() : 0;
	enum stream_result r = stream_write(u, &c->in, false, &sent);
	c->req.bytes_in += sent;
	if (sent && fresh && c->in.fwd == 0 && c->rq == RQ_SENT &&
	    now_us() - sent_us >= ANSWER_GUESS_US)
		u->readable = true;
	if (r != STREAM_FAILED)
		return r == STREAM_MOVED ? STEP_MOVED : STEP_IDLE;
	if (c->rq != RQ_TUNNEL)
		return upstream_failed(c, "write to the Docker daemon failed", st);
	/* dockerd stopped reading stdin; its output may still come. */
	u->shut = true;
	buf_drop(&c->srv->bufs, &c->in);
	return STEP_MOVED;
}

enum step_act upstream_read(struct conn *c, struct step *st)
{
	size_t got;

	if (c->upstream.fd < 0)
		return STEP_IDLE;
	enum stream_result r = stream_read(&c->upstream, &c->srv->bufs, &c->out, &got);
	if (got && c->rs == RS_BODY && buf_used(&c->out) == c->out.cap)
		c->upstream.enlarge = true;
	st->reason = c->upstream.why;
	return r == STREAM_FAILED ? STEP_ABORT : r == STREAM_MOVED ? STEP_MOVED : STEP_IDLE;
}

static enum step_act response_head(struct conn *c, struct step *st)
{
	struct buf *out = &c->out;
	size_t avail = buf_unexamined(out);
	struct http_response resp;

	if (avail == 0) {
		if (c->upstream.eof)
			return upstream_failed(c, "closed without a response", st);
		return STEP_IDLE;
	}
	int n = http_parse_response(out->data + out->start + out->fwd, avail, c->rq_is_head, &resp);
	if (n == HTTP_INCOMPLETE) {
		if (c->upstream.eof || avail == out->cap)
			return upstream_failed(c, "incomplete response head", st);
		return STEP_IDLE;
	}
	if (n == HTTP_MALFORMED)
		return upstream_failed(c, resp.error, st);
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
		return STEP_MOVED;
	}
	if (resp.status == 101)
		return step_abort(st, "protocol switch on a route that does not hijack");
	if (resp.status < 200) {
		/* Interim: the real head follows.  A 100 Continue we already sent
		 * ourselves (to read an inspected body) is not sent twice. */
		if (resp.status == 100 && c->sent_continue) {
			char *at = out->data + out->start + out->fwd - (size_t)n;
			memmove(at, at + n, out->end - (out->start + out->fwd));
			out->fwd -= (size_t)n;
			out->end -= (size_t)n;
		}
		return STEP_MOVED;
	}
	relay_start(&c->rs_body, resp.body, resp.content_length);
	c->rs_keep_alive = resp.keep_alive;
	c->rs = resp.body == HTTP_BODY_NONE ? RS_DONE : RS_BODY;
	if (resp.status == 200 && !c->rq_is_head && hold_begins(c, (size_t)n))
		c->rs = RS_HOLD;
	return STEP_MOVED;
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
	if (c->rs == RS_BODY && c->upstream.eof && buf_unexamined(out) == 0) {
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
	c->upstream.enlarge = false;
	log_done(c);
	if (!c->rs_keep_alive || c->upstream.shut)
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

enum step_act response_step(struct conn *c, struct step *st)
{
	struct buf *out = &c->out;

	switch (c->rs) {
	case RS_NONE:
		/* Nothing asked: bytes or EOF from dockerd end this upstream. */
		if (c->upstream.fd >= 0 && (buf_unexamined(out) || c->upstream.eof)) {
			out->end = out->start + out->fwd;
			close_upstream(c);
			return STEP_MOVED;
		}
		return STEP_IDLE;
	case RS_HEAD:
		return response_head(c, st);
	case RS_BODY:
		return response_body(c) ? STEP_MOVED : STEP_IDLE;
	case RS_HOLD:
		return hold_step(c, st);
	case RS_DONE:
		/* Logged once the client has it all: the line counts the bytes
		 * sent, also when the client reads slower than dockerd wrote. */
		if (c->rq != RQ_SENT || out->fwd)
			return STEP_IDLE;
		finish_request(c);
		return STEP_MOVED;
	case RS_TUNNEL:
		if (buf_unexamined(out)) {
			out->fwd = buf_used(out);
			return STEP_MOVED;
		}
		if (c->upstream.eof && !buf_used(out) && !c->close_after) {
			/* dockerd ended the stream: flush done, close towards the client. */
			log_done(c);
			c->close_after = true;
			return STEP_MOVED;
		}
		return STEP_IDLE;
	}
	return STEP_IDLE;
}

