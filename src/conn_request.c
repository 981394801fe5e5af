#include "conn_state.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "debuglog.h"
#include "filter.h"
#include "http.h"
#include "judge.h"
#include "net.h"
#include "policy.h"
#include "route.h"
#include "sockhint.h"

static bool upstream_connect(struct conn *c)
{
	int fd = net_connect_unix(c->srv->cfg->socket_path);

	/* Watched from update_poll on, if the answer is not read first (see
	 * upstream_write). */
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
	c->ufd = fd; /* its flags were cleared when the last one closed */
	return true;
}

static void start_forward(struct conn *c, const struct forward_plan *plan)
{
	if (c->ufd < 0 && !upstream_connect(c))
		return;
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
static void refuse_held(struct conn *c, const struct forward_plan *plan, const struct verdict *v,
			const char *decision)
{
	bool whole = plan->body == HTTP_BODY_NONE;

	if (audited(c, v->rule)) {
		start_forward(c, plan);
		return;
	}
	if (whole)
		c->in.start += plan->clear;
	c->in.fwd = 0;
	c->req.bytes_in = plan->clear;
	c->head_started_ms = 0;
	c->rq = RQ_HEAD;
	local_response(c, v->status ? v->status : 403, v->message, !whole || !plan->keep_alive,
		       decision, v->rule);
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
static void lookup_went(struct conn *c, enum lookup_state st, const char *why)
{
	struct pending *pd = c->pending;

	if (st == LOOKUP_WANT_WRITE && loop_add(c->srv->loop, pd->q.fd, POLLOUT, conn_event, c) < 0) {
		lookup_close(&pd->q);
		st = LOOKUP_FAILED;
		why = "the Docker daemon is unreachable";
	}
	if (st != LOOKUP_FAILED && st != LOOKUP_DONE)
		return;
	struct verdict v = { .decision = DECISION_DENY, .status = 502, .rule = "lookup" };
	struct forward_plan plan = pd->plan;
	enum decision d = DECISION_DENY;
	if (st == LOOKUP_FAILED) /* fail closed: a request we could not verify does not pass */
		snprintf(v.message, sizeof(v.message),
			 "sockwall: cannot check which container this request names: %s", why);
	else
		d = filter_judge_refs(&c->pol->filters, &c->pol->acl, c->srv->self_id, &pd->q.refs,
				      pd->q.answers, &v);
	pending_free(c);
	if (d == DECISION_DENY)
		refuse_held(c, &plan, &v, st == LOOKUP_FAILED ? "error" : "deny");
	else
		start_forward(c, &plan);
}

/*
 * Holds an inspected request whole in `in`: head and body, Content-Length
 * or chunked, up to SOCKWALL_MAX_BODY.  Returns 1 with *total (head and
 * body bytes) once all of it is here, 0 to wait for more, -1 when it wrote
 * to the client itself (an error, or the 100 Continue the client waits for).
 */
static int hold_body(struct conn *c, const struct http_request *req, size_t head_len,
		     size_t *total)
{
	const struct config *cfg = c->srv->cfg;
	struct buf *in = &c->in;
	size_t have = buf_used(in) - head_len, limit = cfg->max_body;
	size_t need;

	if (req->body == HTTP_BODY_LENGTH) {
		if (req->content_length > limit)
			goto too_large;
		need = head_len + (size_t)req->content_length;
		if (have >= req->content_length) {
			*total = need;
			return 1;
		}
	} else {
		/* Framing costs a few bytes per chunk: allow for it beyond the limit. */
		struct http_chunked ch = { 0 };
		ssize_t used = http_chunked_scan(&ch, in->data + in->start + head_len, have);
		if (used < 0) {
			local_response(c, 400, "sockwall: malformed chunked body", true, "error",
				       "malformed chunked body");
			return -1;
		}
		if (ch.done) {
			/* The limit is on the data, not on its framing. */
			size_t data_len = http_chunked_decode(in->data + in->start + head_len,
							      (size_t)used, NULL);
			if (data_len > limit)
				goto too_large;
			*total = head_len + (size_t)used;
			return 1;
		}
		if (have >= limit + limit / 8 + 4096)
			goto too_large;
		need = in->cap < head_len + 2 * have + 4096 ? head_len + 2 * have + 4096 : in->cap;
		if (need > head_len + limit + limit / 8 + 4096)
			need = head_len + limit + limit / 8 + 4096;
	}
	/* The client has shut its side: the rest of the body will not come
	 * (as for a head, answer now rather than at the head timeout). */
	if (c->client.eof) {
		local_response(c, 400, "sockwall: incomplete request body", true, "error",
			       "incomplete request body");
		return -1;
	}
	if (!buf_grow(&c->srv->bufs, in, need)) {
		abort_conn(c, "out of memory");
		return -1;
	}
	/* The client waits for this before it sends what we must read. */
	if (req->expect_continue && !c->sent_continue && buf_ensure(&c->srv->bufs, &c->out)) {
		static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
		buf_room(&c->out);
		memcpy(c->out.data + c->out.end, cont, sizeof(cont) - 1);
		c->out.end += sizeof(cont) - 1;
		c->out.fwd += sizeof(cont) - 1;
		c->sent_continue = true;
		return -1;
	}
	return 0;
too_large:
	local_response(c, 413, "sockwall: request body too large (SOCKWALL_MAX_BODY)", true, "error",
		       "body too large");
	return -1;
}

/*
 * Routes the filters read: hold an inspected body whole (up to
 * SOCKWALL_MAX_BODY), have it judged, and either answer, forward, or ask
 * dockerd which containers the request names.
 */
static bool request_filter(struct conn *c, const struct http_request *req, size_t head_len,
			   const struct route_match *m, const struct head_judgement *h,
			   struct forward_plan *plan)
{
	struct buf *in = &c->in;
	struct body_judgement j;
	const char *body = NULL;
	size_t body_len = 0, scratch_size = 0, strings_at = 0;
	char *scratch = NULL;
	bool pooled = false;

	if (h->wants_body) {
		size_t total;
		int held = hold_body(c, req, head_len, &total);
		if (held <= 0)
			return held < 0;
		/* Strings the inspector decodes go after the body in scratch. */
		body_len = total - head_len;
		scratch = buf_scratch_get(&c->srv->bufs, 2 * body_len + 2, &scratch_size, &pooled);
		if (!scratch) {
			abort_conn(c, "out of memory");
			return true;
		}
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
		if (audited(c, j.v.rule)) {
			start_forward(c, plan);
			return true;
		}
		local_response(c, 400, j.v.message, true, "error", j.reason);
		return true;
	}
	if (j.v.decision == DECISION_DENY) {
		refuse_held(c, plan, &j.v, j.v.status == 400 ? "error" : "deny");
		return true;
	}
	if (j.refs.n == 0) {
		start_forward(c, plan);
		return true;
	}
	c->pending = calloc(1, sizeof(*c->pending));
	if (!c->pending) {
		abort_conn(c, "out of memory");
		return true;
	}
	const char *why = NULL;
	c->pending->plan = *plan;
	c->rq = RQ_LOOKUP;
	lookup_went(c, lookup_start(&c->pending->q, &j.refs, c->srv->cfg->socket_path,
				    c->srv->self_id, &why), why);
	return true;
}

static bool lookup_io(struct conn *c)
{
	struct pending *pd = c->pending;
	const char *why = NULL;

	if (!pd || pd->q.fd < 0)
		return false;
	enum lookup_state st = lookup_step(&pd->q, &why);
	if (st == LOOKUP_WANT_READ || st == LOOKUP_WANT_WRITE)
		return false;
	loop_del(c->srv->loop, pd->q.fd);
	lookup_close(&pd->q);
	if (st == LOOKUP_ANSWERED)
		st = lookup_next(&pd->q, &why);
	lookup_went(c, st, why);
	return true;
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

static bool request_head(struct conn *c)
{
	const struct config *cfg = c->srv->cfg;
	struct buf *in = &c->in;
	struct http_request req;
	const char *why;

	/* One request at a time: the previous answer must be out first. */
	if (c->rs != RS_NONE || c->in.fwd || buf_used(&c->out) || c->close_after || c->dead)
		return false;
	size_t avail = buf_used(in);
	if (avail == 0) {
		if (c->client.eof) {
			c->close_after = true;
			return true;
		}
		return false;
	}
	req.method = NULL;
	c->rq_is_head = false;
	int n = http_parse_request(in->data + in->start, avail, &req);
	if (n == HTTP_INCOMPLETE ? avail >= cfg->max_head : n > 0 && (size_t)n > cfg->max_head) {
		local_response(c, 431, "sockwall: request head too large (SOCKWALL_MAX_HEAD)", true,
			       "error", "head too large");
		return true;
	}
	if (n == HTTP_INCOMPLETE) {
		if (c->client.eof) {
			local_response(c, 400, "sockwall: incomplete request", true, "error",
				       "incomplete request");
			return true;
		}
		return false;
	}
	if (n == HTTP_MALFORMED) {
		char msg[VERDICT_MESSAGE_MAX];
		if (req.method)
			record_begin(c, req.method, req.method_len, req.target ? req.target : "",
				     req.target ? req.target_len : 0);
		snprintf(msg, sizeof(msg), "sockwall: malformed request: %s", req.error);
		local_response(c, req.error_status, msg, true, "error", req.error);
		return true;
	}
	record_begin(c, req.method, req.method_len, req.target, req.target_len);
	c->rq_is_head = http_token_eq(req.method, req.method_len, "HEAD");
	choose_policy(c);
	/* A route match holds the decoded path: scratch for this call only. */
	struct route_match m;
	struct head_judgement h;
	if (judge_head(&c->pol->acl, &c->pol->filters, c->listener->health_only, &req, &m, &h,
		       &why) < 0) {
		char msg[VERDICT_MESSAGE_MAX];
		snprintf(msg, sizeof(msg), "sockwall: refused request target: %s", why);
		local_response(c, 400, msg, true, "error", why);
		return true;
	}
	const struct verdict *v = &h.toggles;
	c->req.rule = v->rule;
	debuglog_route(c->pol->name, req.method, req.method_len, &m, v);
	if (v->decision == DECISION_DENY && !audited(c, v->rule)) {
		bool close = req.body != HTTP_BODY_NONE || req.expect_continue || !req.keep_alive;
		in->start += (size_t)n;
		c->head_started_ms = 0;
		c->req.bytes_in = (uint64_t)n;
		local_response(c, v->status ? v->status : 403, v->message, close, "deny", v->rule);
		return true;
	}
	if (h.refusal) {
		local_response(c, 400, h.refusal, true, "error", "form body");
		return true;
	}
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
		return request_filter(c, &req, (size_t)n, &m, &h, &plan);
	start_forward(c, &plan);
	return true;
}

static bool request_body(struct conn *c)
{
	struct buf *in = &c->in;
	size_t avail = buf_unexamined(in);

	if (avail == 0) {
		if (c->client.eof) {
			abort_conn(c, "client closed during the request body");
			return true;
		}
		return false;
	}
	size_t took;
	enum relay_result r = relay_body(&c->rq_body, in, &took);
	if (r == RELAY_MALFORMED) {
		abort_conn(c, "malformed chunked request body");
		return true;
	}
	if (r == RELAY_DONE)
		c->rq = RQ_SENT;
	return took > 0 || r == RELAY_DONE;
}

bool request_step(struct conn *c)
{
	switch (c->rq) {
	case RQ_HEAD:
		return request_head(c);
	case RQ_BODY:
		return request_body(c);
	case RQ_LOOKUP:
		return lookup_io(c);
	case RQ_TUNNEL:
		if (c->upstream_shut && buf_used(&c->in)) {
			buf_drop(&c->srv->bufs, &c->in); /* nowhere left to send it */
			return true;
		}
		c->in.fwd = buf_used(&c->in);
		/* fall through */
	case RQ_SENT:
		/*
		 * The client shut its write side: pass that on, as dockerd would
		 * have seen it (a tunnel's half-close; a streaming request ends).
		 * Pipelined requests still buffered come first.
		 */
		if (c->client.eof && !buf_used(&c->in) && !c->upstream_shut && c->ufd >= 0) {
			shutdown(c->ufd, SHUT_WR);
			c->upstream_shut = true;
			return true;
		}
		return false;
	}
	return false;
}
