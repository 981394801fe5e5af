#include "conn_state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "debuglog.h"
#include "filter.h"
#include "http.h"
#include "judge.h"
#include "policy.h"
#include "route.h"

static enum step_act forward(struct step *st, const struct forward_plan *plan)
{
	st->plan = *plan;
	return STEP_FORWARD;
}

void request_forward(struct conn *c, const struct forward_plan *plan)
{
	c->req.rule = plan->rule;
	c->rq_keep_alive = plan->keep_alive;
	c->rq_hijackable = plan->hijackable;
	c->redact = plan->redact;
	relay_start(&c->rq_body, plan->body, plan->remaining);
	c->in.fwd = plan->clear;
	c->rq = plan->body == HTTP_BODY_NONE ? RQ_SENT : RQ_BODY;
	c->rs = RS_HEAD;
	c->head_started_ms = 0;
}

/* SOCKWALL_MODE=audit: remember what enforce mode would refuse, and go on. */
static bool audited(struct conn *c, const char *rule)
{
	if (!c->pol->audit)
		return false;
	if (!c->req.would_deny)
		c->req.would_deny = rule;
	return true;
}

/* A refusal after the filters: the connection goes on only if the body was read whole. */
static enum step_act refuse_held(struct conn *c, const struct forward_plan *plan,
				 const struct verdict *v, const char *decision, struct step *st)
{
	bool whole = plan->body == HTTP_BODY_NONE;

	if (audited(c, v->rule))
		return forward(st, plan);
	if (whole)
		c->in.start += plan->clear;
	c->in.fwd = 0;
	c->req.bytes_in = plan->clear;
	c->head_started_ms = 0;
	c->rq = RQ_HEAD;
	return step_answer(st, v->status ? v->status : 403, !whole || !plan->keep_alive, decision,
			   v->rule, "%s", v->message);
}

void pending_free(struct conn *c)
{
	if (!c->pending)
		return;
	if (c->pending->q.fd >= 0)
		loop_del(c->srv->loop, c->pending->q.fd);
	lookup_free(&c->pending->q);
	free(c->pending);
	c->pending = NULL;
}

/* After a question was asked or all were answered: watch, fail, or judge. */
static enum step_act lookup_went(struct conn *c, enum lookup_state state, const char *why,
				 struct step *st)
{
	struct pending *pd = c->pending;

	if (state == LOOKUP_WANT_WRITE) {
		st->fd = pd->q.fd;
		return STEP_WATCH;
	}
	if (state != LOOKUP_FAILED && state != LOOKUP_DONE)
		return STEP_MOVED;
	struct verdict v = { .decision = DECISION_DENY, .status = 502, .rule = "lookup" };
	struct forward_plan plan = pd->plan;
	enum decision d = DECISION_DENY;
	if (state == LOOKUP_FAILED) /* fail closed: a request we could not verify does not pass */
		snprintf(v.message, sizeof(v.message),
			 "sockwall: cannot check which container this request names: %s", why);
	else
		d = filter_judge_refs(&c->pol->filters, &c->pol->acl, c->srv->self_id, &pd->q.refs,
				      pd->q.answers, &v);
	pending_free(c);
	if (d == DECISION_DENY)
		return refuse_held(c, &plan, &v, state == LOOKUP_FAILED ? "error" : "deny", st);
	return forward(st, &plan);
}

enum step_act lookup_unwatched(struct conn *c, struct step *st)
{
	lookup_close(&c->pending->q);
	return lookup_went(c, LOOKUP_FAILED, "the Docker daemon is unreachable", st);
}

/*
 * Holds an inspected request whole in `in`: head and body, Content-Length
 * or chunked, up to SOCKWALL_MAX_BODY.  Sets *total (head and body bytes)
 * once all of it is here; else says what to do meanwhile (STEP_IDLE: wait).
 */
static enum step_act hold_body(struct conn *c, const struct http_request *req,
			       size_t head_len, size_t *total, struct step *st)
{
	struct buf *in = &c->in;
	size_t have = buf_used(in) - head_len, limit = c->srv->cfg->max_body;
	size_t framed = limit + limit / 8 + 4096; /* chunks' framing beyond the limit */
	size_t need;

	if (req->body == HTTP_BODY_LENGTH) {
		if (req->content_length > limit)
			goto too_large;
		need = head_len + (size_t)req->content_length;
		if (have >= req->content_length) {
			*total = need;
			return STEP_MOVED;
		}
	} else {
		struct http_chunked ch = { 0 };
		ssize_t used = http_chunked_scan(&ch, in->data + in->start + head_len, have);
		if (used < 0)
			return step_answer(st, 400, true, "error", "malformed chunked body",
					   "sockwall: malformed chunked body");
		if (ch.done) {
			/* The limit is on the data, not on its framing. */
			size_t data_len = http_chunked_decode(in->data + in->start + head_len,
							      (size_t)used, NULL);
			if (data_len > limit)
				goto too_large;
			*total = head_len + (size_t)used;
			return STEP_MOVED;
		}
		if (have >= framed)
			goto too_large;
		need = in->cap < head_len + 2 * have + 4096 ? head_len + 2 * have + 4096 : in->cap;
		if (need > head_len + framed)
			need = head_len + framed;
	}
	/* The client has shut its side: the rest of the body will not come
	 * (as for a head, answer now rather than at the head timeout). */
	if (c->client.eof)
		return step_answer(st, 400, true, "error", "incomplete request body",
				   "sockwall: incomplete request body");
	if (!buf_grow(&c->srv->bufs, in, need))
		return step_abort(st, "out of memory");
	/* The client waits for this before it sends what we must read. */
	if (req->expect_continue && !c->sent_continue && buf_ensure(&c->srv->bufs, &c->out)) {
		static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
		buf_room(&c->out);
		memcpy(c->out.data + c->out.end, cont, sizeof(cont) - 1);
		c->out.end += sizeof(cont) - 1;
		c->out.fwd += sizeof(cont) - 1;
		c->sent_continue = true;
		return STEP_MOVED;
	}
	return STEP_IDLE;
too_large:
	return step_answer(st, 413, true, "error", "body too large",
			   "sockwall: request body too large (SOCKWALL_MAX_BODY)");
}

/*
 * Routes the filters read: hold an inspected body whole (up to
 * SOCKWALL_MAX_BODY), have it judged, and either answer, forward, or ask
 * dockerd which containers the request names.
 */
static enum step_act request_filter(struct conn *c, const struct http_request *req,
				    size_t head_len, const struct route_match *m,
				    const struct head_judgement *h, struct forward_plan *plan,
				    struct step *st)
{
	struct buf *in = &c->in;
	struct body_judgement j;
	const char *body = NULL;
	size_t body_len = 0, scratch_size = 0, strings_at = 0;
	char *scratch = NULL;
	bool pooled = false;

	if (h->wants_body) {
		size_t total = 0;
		enum step_act act = hold_body(c, req, head_len, &total, st);
		if (!total)
			return act;
		/* Strings the inspector decodes go after the body in scratch. */
		body_len = total - head_len;
		scratch = buf_scratch_get(&c->srv->bufs, 2 * body_len + 2, &scratch_size, &pooled);
		if (!scratch)
			return step_abort(st, "out of memory");
		body = in->data + in->start + head_len;
		if (req->body == HTTP_BODY_CHUNKED) {
			body_len = http_chunked_decode(body, body_len, scratch);
			body = scratch;
		}
		strings_at = total - head_len + 1;
		scratch_size -= strings_at;
		plan->clear = total;
		plan->body = HTTP_BODY_NONE;
		plan->remaining = 0;
	}
	/* Running on the host, sockwall sees the paths dockerd will mount. */
	judge_body(&c->pol->acl, &c->pol->filters, m, body, body_len,
		   scratch ? scratch + strings_at : NULL, scratch_size, !c->srv->self_id[0], &j);
	if (scratch)
		buf_scratch_put(&c->srv->bufs, scratch, pooled);
	if (j.malformed) {
		if (audited(c, j.v.rule))
			return forward(st, plan);
		snprintf(st->why, sizeof(st->why), "%s", j.reason); /* j.reason may point into j */
		return step_answer(st, 400, true, "error", st->why, "%s", j.v.message);
	}
	if (j.v.decision == DECISION_DENY)
		return refuse_held(c, plan, &j.v, j.v.status == 400 ? "error" : "deny", st);
	if (j.refs.n == 0)
		return forward(st, plan);
	c->pending = calloc(1, sizeof(*c->pending));
	if (!c->pending)
		return step_abort(st, "out of memory");
	const char *why = NULL;
	c->pending->plan = *plan;
	c->rq = RQ_LOOKUP;
	return lookup_went(c, lookup_start(&c->pending->q, &j.refs, c->srv->cfg->socket_path,
					   c->srv->self_id, &why), why, st);
}

static enum step_act lookup_io(struct conn *c, struct step *st)
{
	struct pending *pd = c->pending;
	const char *why = NULL;

	if (!pd || pd->q.fd < 0)
		return STEP_IDLE;
	enum lookup_state state = lookup_step(&pd->q, &why);
	if (state == LOOKUP_WANT_READ || state == LOOKUP_WANT_WRITE)
		return STEP_IDLE;
	loop_del(c->srv->loop, pd->q.fd);
	lookup_close(&pd->q);
	if (state == LOOKUP_ANSWERED)
		state = lookup_next(&pd->q, &why);
	return lookup_went(c, state, why, st);
}

/*
 * On an mTLS listener the client's certificate may choose the policy
 * (SOCKWALL_TLS_POLICY_BY_CN).  The handshake is done before any request
 * arrives, so the first request is where the verified CN is known.
 */
static void choose_policy(struct conn *c)
{
	if (stream_is_tls(&c->client) && !c->cn_policy_chosen) {
		const struct config *cfg = c->srv->cfg;
		c->cn_policy_chosen = true;
		c->pol = config_policy(cfg, config_policy_for_cn(cfg, stream_peer_cn(&c->client),
								 c->listener->spec->policy));
	}
}

static enum step_act request_head(struct conn *c, struct step *st)
{
	const struct config *cfg = c->srv->cfg;
	struct buf *in = &c->in;
	struct http_request req;
	const char *why;

	/* One request at a time: the previous answer must be out first. */
	if (c->rs != RS_NONE || c->in.fwd || buf_used(&c->out) || c->close_after || c->dead)
		return STEP_IDLE;
	size_t avail = buf_used(in);
	if (avail == 0) {
		if (c->client.eof) {
			c->close_after = true;
			return STEP_MOVED;
		}
		return STEP_IDLE;
	}
	req.method = NULL;
	c->rq_is_head = false;
	int n = http_parse_request(in->data + in->start, avail, &req);
	if (n == HTTP_INCOMPLETE ? avail >= cfg->max_head : n > 0 && (size_t)n > cfg->max_head)
		return step_answer(st, 431, true, "error", "head too large",
				   "sockwall: request head too large (SOCKWALL_MAX_HEAD)");
	if (n == HTTP_INCOMPLETE) {
		if (c->client.eof)
			return step_answer(st, 400, true, "error", "incomplete request",
					   "sockwall: incomplete request");
		return STEP_IDLE;
	}
	if (n == HTTP_MALFORMED) {
		if (req.method)
			record_begin(c, req.method, req.method_len, req.target ? req.target : "",
				     req.target ? req.target_len : 0);
		return step_answer(st, req.error_status, true, "error", req.error,
				   "sockwall: malformed request: %s", req.error);
	}
	record_begin(c, req.method, req.method_len, req.target, req.target_len);
	c->rq_is_head = http_token_eq(req.method, req.method_len, "HEAD");
	choose_policy(c);
	/* A route match holds the decoded path: scratch for this call only. */
	struct route_match m;
	struct head_judgement h;
	if (judge_head(&c->pol->acl, &c->pol->filters, c->listener->health_only, &req, &m, &h,
		       &why) < 0)
		return step_answer(st, 400, true, "error", why, "sockwall: refused request target: %s",
				   why);
	const struct verdict *v = &h.toggles;
	c->req.rule = v->rule;
	debuglog_route(c->pol->name, req.method, req.method_len, &m, v);
	if (v->decision == DECISION_DENY && !audited(c, v->rule)) {
		bool close = req.body != HTTP_BODY_NONE || req.expect_continue || !req.keep_alive;
		in->start += (size_t)n;
		c->head_started_ms = 0;
		c->req.bytes_in = (uint64_t)n;
		return step_answer(st, v->status ? v->status : 403, close, "deny", v->rule, "%s",
				   v->message);
	}
	if (h.refusal)
		return step_answer(st, 400, true, "error", "form body", "%s", h.refusal);
	struct forward_plan plan = {
		.clear = (size_t)n,
		.body = req.body,
		.remaining = req.content_length,
		.keep_alive = req.keep_alive,
		.hijackable = h.hijackable,
		.redact = h.redact,
		.rule = v->rule,
	};
	if (h.filtered)
		return request_filter(c, &req, (size_t)n, &m, &h, &plan, st);
	return forward(st, &plan);
}

static enum step_act request_body(struct conn *c, struct step *st)
{
	struct buf *in = &c->in;
	size_t avail = buf_unexamined(in);

	if (avail == 0) {
		if (c->client.eof)
			return step_abort(st, "client closed during the request body");
		return STEP_IDLE;
	}
	size_t took;
	enum relay_result r = relay_body(&c->rq_body, in, &took);
	if (r == RELAY_MALFORMED)
		return step_abort(st, "malformed chunked request body");
	if (r == RELAY_DONE)
		c->rq = RQ_SENT;
	return took > 0 || r == RELAY_DONE ? STEP_MOVED : STEP_IDLE;
}

enum step_act request_step(struct conn *c, struct step *st)
{
	switch (c->rq) {
	case RQ_HEAD:
		return request_head(c, st);
	case RQ_BODY:
		return request_body(c, st);
	case RQ_LOOKUP:
		return lookup_io(c, st);
	case RQ_TUNNEL:
		if (c->upstream.shut && buf_used(&c->in)) {
			buf_drop(&c->srv->bufs, &c->in); /* nowhere left to send it */
			return STEP_MOVED;
		}
		c->in.fwd = buf_used(&c->in);
		/* fall through */
	case RQ_SENT:
		/*
		 * The client shut its write side: pass that on, as dockerd would
		 * have seen it (a tunnel's half-close; a streaming request ends).
		 * Pipelined requests still buffered come first.
		 */
		if (c->client.eof && !buf_used(&c->in) && !c->upstream.shut && c->upstream.fd >= 0) {
			shutdown(c->upstream.fd, SHUT_WR);
			c->upstream.shut = true;
			return STEP_MOVED;
		}
		return STEP_IDLE;
	}
	return STEP_IDLE;
}
