#include "conn_state.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "debuglog.h"
#include "log.h"
#include "net.h"
#include "policy.h"

int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void record_begin(struct conn *c, const char *method, size_t mlen, const char *target,
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

void record_log(struct conn *c, const char *decision, const char *reason)
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

void log_done(struct conn *c)
{
	if (c->req.would_deny)
		record_log(c, "audit", c->req.would_deny);
	else
		record_log(c, "allow", c->req.rule);
}

void abort_conn(struct conn *c, const char *why)
{
	if (c->req.active)
		record_log(c, "error", why);
	c->dead = true;
}

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

void local_response(struct conn *c, int status, const char *message, bool close,
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


enum step_act step_answer(struct step *st, int status, bool close, const char *decision,
			  const char *reason, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(st->message, sizeof(st->message), fmt, ap);
	va_end(ap);
	st->status = status;
	st->close = close;
	st->decision = decision;
	st->reason = reason;
	return STEP_ANSWER;
}
