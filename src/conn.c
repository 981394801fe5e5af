#include "conn.h"

#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "debuglog.h"
#include "filter.h"
#include "http.h"
#include "inspect.h"
#include "judge.h"
#include "lookup.h"
#include "relay.h"
#include "log.h"
#include "net.h"
#include "policy.h"
#include "route.h"
#include "sockhint.h"
#include "stream.h"

#define LINGER_MS 2000
#define QUIET_MS 50

enum rq_state {
	RQ_HEAD, /* waiting for (or judging) the next request head */
	RQ_BODY, /* relaying an allowed request's body */
	RQ_SENT, /* request relayed whole; its response is still coming */
	RQ_LOOKUP, /* held while dockerd tells us which container a reference means */
	RQ_TUNNEL
};

enum rs_state {
	RS_NONE, /* no request in flight */
	RS_HEAD, /* waiting for the response head */
	RS_BODY,
	RS_DONE, /* response relayed whole; the request body may still be going */
	RS_TUNNEL
};

struct request_record {
	bool active;
	char method[16];
	size_t method_len;
	char target[256];
	size_t target_len;
	const char *rule;
	const char *would_deny; /* audit mode: the rule enforce mode would have applied */
	int status;
	uint64_t bytes_in, bytes_out;
	int64_t start_us;
};

/* How an allowed request goes on: what is cleared at once, what follows. */
struct forward_plan {
	size_t clear;        /* the head, or the head and the whole (inspected) body */
	enum http_body body; /* what follows and is not cleared yet */
	uint64_t remaining;
	bool keep_alive, hijackable;
	const char *rule;
};

/* A request held for answers from dockerd (see lookup.h). */
struct pending {
	struct forward_plan plan;
	struct lookup q;
};

struct conn {
	struct conn *prev, *next;
	struct server *srv;
	const struct listener *listener;
	const struct policy_set *pol; /* what judges its requests (see choose_policy) */
	struct stream client;
	int ufd; /* upstream */
	struct buf in, out;
	struct pending *pending;
	bool cn_policy_chosen; /* TLS: SOCKWALL_TLS_POLICY_BY_CN was consulted */
	bool sent_continue;
	enum rq_state rq;
	enum rs_state rs;

	bool u_readable;   /* poll said so; cleared on EAGAIN */
	bool u_wblocked;   /* a write hit EAGAIN; cleared on POLLOUT */
	bool upstream_eof; /* read returned 0 */
	bool upstream_shut;            /* we shut upstream's write side */
	bool close_after;              /* close once everything cleared is flushed */
	bool lingering;
	bool dead;

	bool out_filled; /* a body read filled the buffer: see STREAM_BUF_SIZE */
	struct relay_body rq_body, rs_body; /* where each half's body ends */
	bool rq_is_head, rq_keep_alive, rs_keep_alive, rq_hijackable;

	int64_t head_started_ms; /* first byte of a pending head; 0 if none */
	int64_t idle_since_ms;
	int64_t linger_deadline_ms;
	bool served_one;
	bool client_closes; /* the client's own request said close (HTTP/1.0, Connection: close) */

	struct request_record req;
	struct sockaddr_in6 peer; /* from accept(2); room for IPv4 and the family of a unix peer */
	char peer_name[64];       /* peer, formatted the first time a line names it */
};

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* A zeroed connection, from the pool when one is there. */
static struct conn *conn_new(struct server *srv)
{
	if (!srv->conn_pool.free &&
	    pool_init(&srv->conn_pool, srv->loop, sizeof(struct conn), srv->max_conns) < 0)
		return NULL;
	struct conn *c = (struct conn *)pool_get(&srv->conn_pool);
	if (c)
		memset(c, 0, sizeof(*c));
	return c;
}

static void conn_release(struct server *srv, struct conn *c)
{
	if (c)
		pool_put(&srv->conn_pool, (char *)c);
}

/* ---- request records and logs ---- */

static void record_begin(struct conn *c, const char *method, size_t mlen, const char *target,
			 size_t tlen)
{
	struct request_record *r = &c->req;

	memset(r, 0, sizeof(*r));
	r->active = true;
	r->start_us = now_us();
	r->method_len = mlen < sizeof(r->method) ? mlen : sizeof(r->method);
	memcpy(r->method, method, r->method_len);
	r->target_len = tlen < sizeof(r->target) ? tlen : sizeof(r->target);
	memcpy(r->target, target, r->target_len);
	r->rule = "";
}

static const char *client_name(struct conn *c)
{
	if (!c->peer_name[0])
		net_peer_format(c->client.fd, (const struct sockaddr *)&c->peer, c->peer_name,
				sizeof(c->peer_name));
	return c->peer_name;
}

static void record_log(struct conn *c, const char *decision, const char *reason)
{
	struct request_record *r = &c->req;

	if (!r->active)
		return;
	if (!log_request_wanted(decision)) {
		r->active = false; /* nothing to write: no name to format, no clock to read */
		return;
	}
	struct request_log line = {
		.listener = c->listener->spec->url,
		.policy = c->pol->name,
		.client = client_name(c),
		.method = r->method_len ? r->method : "-",
		.method_len = r->method_len ? r->method_len : 1,
		.target = r->target_len ? r->target : "-",
		.target_len = r->target_len ? r->target_len : 1,
		.decision = decision,
		.reason = reason,
		.status = r->status,
		.bytes_in = r->bytes_in,
		.bytes_out = r->bytes_out,
		.duration_us = now_us() - r->start_us,
	};
	log_request(&line);
	r->active = false;
}

/* ---- connection teardown ---- */

static void close_upstream(struct conn *c)
{
	if (c->ufd < 0)
		return;
	loop_del(c->srv->loop, c->ufd);
	close(c->ufd);
	c->ufd = -1;
	c->u_readable = c->u_wblocked = false;
	c->upstream_eof = c->upstream_shut = false;
}

static void pending_free(struct conn *c);

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
	conn_release(srv, c);
}

/* The line of a request that went through: allowed, or audited. */
static void log_done(struct conn *c)
{
	if (c->req.would_deny)
		record_log(c, "audit", c->req.would_deny);
	else
		record_log(c, "allow", c->req.rule);
}

static void abort_conn(struct conn *c, const char *why)
{
	if (c->req.active)
		record_log(c, "error", why);
	c->dead = true;
}

/* ---- local responses ---- */

static const char *reason_phrase(int status)
{
	switch (status) {
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 408: return "Request Timeout";
	case 413: return "Payload Too Large";
	case 411: return "Length Required";
	case 417: return "Expectation Failed";
	case 431: return "Request Header Fields Too Large";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "Error";
	}
}

size_t conn_format_error(char *out, size_t cap, int status, const char *message, bool close,
			 bool head_only)
{
	char body[VERDICT_MESSAGE_MAX * 6 + 32], esc[VERDICT_MESSAGE_MAX * 6];
	int blen, n;

	json_escape(esc, sizeof(esc), message, strlen(message));
	blen = snprintf(body, sizeof(body), "{\"message\":\"%s\"}\n", esc);
	n = snprintf(out, cap,
		     "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
		     "Content-Length: %d\r\n%s\r\n%s",
		     status, reason_phrase(status), blen, close ? "Connection: close\r\n" : "",
		     head_only ? "" : body);
	return n < 0 ? 0 : ((size_t)n < cap ? (size_t)n : cap - 1);
}

/*
 * Answers the current request ourselves.  Only called with no response in
 * flight and out empty, so the bytes land in order.
 */
static void local_response(struct conn *c, int status, const char *message, bool close,
			   const char *decision, const char *reason)
{
	struct buf *o = &c->out;

	if (!buf_ensure(&c->srv->bufs, o)) {
		abort_conn(c, "out of memory");
		return;
	}
	buf_room(o);
	debuglog_refusal(status, message);
	size_t n = conn_format_error(o->data + o->end, o->cap - o->end, status, message, close,
				c->rq_is_head);
	o->end += n;
	o->fwd += n;
	if (!c->req.active)
		record_begin(c, "", 0, "", 0);
	c->req.status = status;
	c->req.bytes_out += n;
	record_log(c, decision, reason);
	if (close)
		c->close_after = true;
}

/* ---- the upstream side ---- */

static void conn_event(struct loop *loop, int fd, int revents, void *ctx);

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
	c->ufd = fd;
	c->u_readable = c->u_wblocked = false;
	c->upstream_eof = c->upstream_shut = false;
	return true;
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

/* ---- request side ---- */

static void start_forward(struct conn *c, const struct forward_plan *plan)
{
	if (c->ufd < 0 && !upstream_connect(c))
		return;
	c->req.rule = plan->rule;
	c->rq_keep_alive = plan->keep_alive;
	c->rq_hijackable = plan->hijackable;
	relay_start(&c->rq_body, plan->body, plan->remaining);
	c->in.fwd = plan->clear;
	c->rq = plan->body == HTTP_BODY_NONE ? RQ_SENT : RQ_BODY;
	c->rs = RS_HEAD;
	c->head_started_ms = 0;
}

/* A refusal after the filters: the connection goes on only if the body was read whole. */
static void start_forward(struct conn *c, const struct forward_plan *plan);

/* SOCKWALL_MODE=audit: remember what enforce mode would refuse, and go on. */
static bool audited(struct conn *c, const char *rule)
{
	if (!c->pol->audit)
		return false;
	if (!c->req.would_deny)
		c->req.would_deny = rule;
	return true;
}

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

static void lookup_went(struct conn *c, enum lookup_state st, const char *why);

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
		if (req->content_length > limit) {
			local_response(c, 413, "sockwall: request body too large (SOCKWALL_MAX_BODY)",
				       true, "error", "body too large");
			return -1;
		}
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
			if (data_len > limit) {
				local_response(c, 413,
					       "sockwall: request body too large (SOCKWALL_MAX_BODY)", true,
					       "error", "body too large");
				return -1;
			}
			*total = head_len + (size_t)used;
			return 1;
		}
		if (have >= limit + limit / 8 + 4096) {
			local_response(c, 413, "sockwall: request body too large (SOCKWALL_MAX_BODY)",
				       true, "error", "body too large");
			return -1;
		}
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

static void pending_free(struct conn *c)
{
	if (!c->pending)
		return;
	if (c->pending->q.fd >= 0)
		loop_del(c->srv->loop, c->pending->q.fd);
	lookup_free(&c->pending->q);
	free(c->pending);
	c->pending = NULL;
}

/* Fail closed: a request we could not verify does not pass. */
static void lookup_failed(struct conn *c, const char *why)
{
	struct verdict v = { .decision = DECISION_DENY, .status = 502, .rule = "lookup" };
	struct forward_plan plan = c->pending->plan;

	snprintf(v.message, sizeof(v.message),
		 "sockwall: cannot check which container this request names: %s", why);
	pending_free(c);
	refuse_held(c, &plan, &v, "error");
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
	if (st == LOOKUP_FAILED) {
		lookup_failed(c, why);
	} else if (st == LOOKUP_DONE) {
		struct verdict v;
		struct forward_plan plan = pd->plan;
		enum decision d = filter_judge_refs(&c->pol->filters, &c->pol->acl, c->srv->self_id,
						    &pd->q.refs, pd->q.answers, &v);
		pending_free(c);
		if (d == DECISION_DENY)
			refuse_held(c, &plan, &v, "deny");
		else
			start_forward(c, &plan);
	}
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
	if (n == HTTP_INCOMPLETE) {
		if (avail >= cfg->max_head) {
			local_response(c, 431,
				       "sockwall: request head too large (SOCKWALL_MAX_HEAD)", true,
				       "error", "head too large");
			return true;
		}
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
	if ((size_t)n > cfg->max_head) {
		local_response(c, 431, "sockwall: request head too large (SOCKWALL_MAX_HEAD)",
			       true, "error", "head too large");
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

static bool request_step(struct conn *c)
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

/*
 * A request sent whole on an upstream connection not watched yet (a fresh
 * one).  If the send took long, the likeliest reason is that the upstream,
 * woken by it on our core, preempted us and answered meanwhile: the answer
 * is read at once, and the connection is never added to the epoll set.
 * After a quick send (the upstream runs on another core, or has not run
 * yet) it is watched as usual; no read that would find nothing is tried.
 */
#define ANSWER_GUESS_US 10

static bool upstream_write(struct conn *c)
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

static bool upstream_read(struct conn *c)
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

static bool is_raw_stream(const char *ct, size_t len)
{
	return ct && (http_token_eq(ct, len, "application/vnd.docker.raw-stream") ||
		      http_token_eq(ct, len, "application/vnd.docker.multiplexed-stream"));
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
	bool switching = resp.status == 101 ||
			 (resp.status == 200 && is_raw_stream(resp.content_type, resp.content_type_len));
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

/* Whether the connection ends with the response in flight. */
static bool response_closes(const struct conn *c)
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

static bool response_step(struct conn *c)
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

/*
 * Our side is done: shut our write side and read (and drop) what the client
 * still sends until it closes or LINGER_MS pass, so that the kernel does not
 * answer unread bytes with a reset that could destroy what we sent last.
 */
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

/*
 * What is sent now ends the connection: a local answer that closes it, or a
 * response relayed whole that finish_request will close it after.  The FIN
 * then follows in the same turn (close_step), so the bytes are sent with
 * MSG_MORE and the FIN rides on their segment: one packet and one wake-up of
 * the client instead of two.
 */
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

/*
 * Closing after a response: shut our write side and read what the client
 * still sends until it closes (or a short deadline), so that the kernel does
 * not answer unread bytes with a reset that could destroy the response.
 */
static bool close_step(struct conn *c)
{
	if (!c->close_after || c->lingering || c->out.fwd)
		return false;
	if (c->rs != RS_NONE && c->rs != RS_TUNNEL)
		return false;
	/* TLS says goodbye first (close_notify), then the socket does. */
	int notify = stream_close_notify(&c->client);
	if (notify)
		return notify > 0;
	log_done(c);
	close_upstream(c);
	/*
	 * The client said this was its last request, we read all of it and
	 * the socket had nothing more (a short read): nothing unread can turn
	 * the close into a reset, so close now, as servers do for HTTP/1.0,
	 * instead of waiting for the client's FIN (three syscalls and a
	 * wake-up less per connection).
	 */
	if (c->client_closes && !buf_used(&c->in) && !c->client.readable &&
	    !stream_is_tls(&c->client)) {
		c->dead = true;
		return true;
	}
	if (c->client.eof) {
		c->dead = true; /* the client has closed: close() alone says goodbye */
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
		if (n > 0)
			continue;
		if (n < 0 && errno == EINTR)
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
 * A request read whole and sent on: until its answer comes, the client has
 * nothing to say but a close (or pipelined bytes that wait their turn).  A
 * client not watched yet, i.e. one that sent its request as it connected
 * (see conn_open), is left unwatched while the answer takes less than
 * QUIET_MS from the connect: most take far less, and the connection is then
 * never added to the epoll set (an epoll_ctl less).  A slower answer, or a
 * keep-alive client after its first answer, is watched as before.
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
	short ce, ue = 0;
	int64_t deadline = 0;

	if (c->lingering) {
		loop_set_events(loop, c->client.fd, POLLIN);
		loop_set_deadline(loop, c->client.fd, c->linger_deadline_ms);
		return;
	}
	ce = stream_events(&c->client, !c->in.data || buf_used(&c->in) < c->in.cap, c->out.fwd);
	/* A client not watched yet, whose request is out, need not be until its
	 * answer comes or QUIET_MS pass (see client_quiet). */
	if (ce == POLLIN && client_quiet(c)) {
		ce = 0;
		deadline = c->idle_since_ms + QUIET_MS;
	}
	if (c->ufd >= 0) {
		if (!c->upstream_eof && (!c->out.data || buf_used(&c->out) < c->out.cap))
			ue |= POLLIN;
		if (c->in.fwd && c->u_wblocked)
			ue |= POLLOUT;
		loop_set_events(loop, c->ufd, ue);
	}
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

static void conn_pump(struct conn *c)
{
	bool progress;

	do {
		if (c->lingering) {
			if (c->client.readable)
				linger_read(c);
			break;
		}
		progress = client_read(c);
		/*
		 * Each step is run until it has nothing left to clear before
		 * the write that follows it: a head and the body behind it in
		 * the same read then leave in one send, not two (a send less,
		 * and a peer woken once).
		 */
		while (!c->dead && request_step(c))
			progress = true;
		progress |= !c->dead && upstream_write(c);
		progress |= !c->dead && upstream_read(c);
		/* A response done is logged on the next turn, after the
		 * send, so that its line counts the bytes sent. */
		while (!c->dead && response_step(c)) {
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
	if (fd == c->client.fd) {
		if (revents & (POLLIN | POLLHUP | POLLERR | POLLRDHUP))
			c->client.readable = true;
		if (revents & (POLLOUT | POLLHUP | POLLERR))
			c->client.wblocked = false;
	} else if (fd == c->ufd) {
		if (revents & (POLLIN | POLLHUP | POLLERR | POLLRDHUP))
			c->u_readable = true;
		if (revents & (POLLOUT | POLLHUP | POLLERR))
			c->u_wblocked = false;
	}
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
	struct conn *c = NULL;

	/* Each client costs two descriptors: itself and its upstream. */
	if (srv->nconns >= srv->max_conns || cfd + 1 >= loop->max_fds ||
	    !(c = conn_new(srv)) || loop_add(loop, cfd, 0, conn_event, c) < 0) {
		conn_release(srv, c);
		return -1;
	}
	if (stream_open(&c->client, cfd, l->spec->kind == LISTEN_TLS ? srv->tls : NULL) < 0) {
		loop_del(loop, cfd);
		conn_release(srv, c);
		return -1;
	}
	c->srv = srv;
	c->listener = l;
	c->pol = config_policy(srv->cfg, l->spec->policy);
	c->ufd = -1;
	c->idle_since_ms = loop_now(loop);
	c->peer = *peer;
	c->next = srv->conns;
	if (srv->conns)
		srv->conns->prev = c;
	srv->conns = c;
	srv->nconns++;
	/*
	 * A TCP client is accepted once its first bytes are in (see
	 * TCP_DEFER_ACCEPT in net.c): read them now rather than watch for
	 * them.  A client that sent its request at once and gets its answer
	 * soon is then never watched at all (see update_poll).  A unix
	 * client is accepted at connect(2), usually before it has written.
	 */
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
