/*
 * conn_state: one connection's state, shared by the files that drive it:
 * conn.c (life cycle, poll interest, timeouts, close), conn_request.c
 * (the request half), conn_response.c (the upstream and the response half)
 * and conn_answer.c (local answers and the log record).  Private to those files.
 */
#ifndef SOCKWALL_CONN_STATE_H
#define SOCKWALL_CONN_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "conn.h"
#include "lookup.h"
#include "relay.h"
#include "stream.h"

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
	RS_HOLD, /* a 200 answer held whole, to hide its Env values (conn_hold.c) */
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
	int redact; /* see head_judgement */
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
	bool lingering, dead;

	bool out_filled; /* a body read filled the buffer: see STREAM_BUF_SIZE */
	struct relay_body rq_body, rs_body; /* where each half's body ends */
	int redact;                 /* the request's head_judgement.redact */
	size_t held_head, held_raw; /* RS_HOLD: the answer's head, its body as framed */
	bool rq_is_head, rq_keep_alive, rs_keep_alive, rq_hijackable;

	int64_t head_started_ms; /* first byte of a pending head; 0 if none */
	int64_t idle_since_ms, linger_deadline_ms;
	bool served_one;
	bool client_closes; /* the client's own request said close (HTTP/1.0, Connection: close) */

	struct request_record req;
	struct sockaddr_in6 peer; /* from accept(2); room for IPv4 and the family of a unix peer */
	char peer_name[64];       /* peer, formatted the first time a line names it */
};

/* conn_answer.c */
int64_t now_us(void);
void record_begin(struct conn *c, const char *method, size_t mlen, const char *target,
		  size_t tlen);
void record_log(struct conn *c, const char *decision, const char *reason);
/* The line of a request that went through: allowed, or audited. */
void log_done(struct conn *c);
void abort_conn(struct conn *c, const char *why);
/* Answers the current request ourselves: only with no response in flight
 * and out empty, so the bytes land in order. */
void local_response(struct conn *c, int status, const char *message, bool close,
		    const char *decision, const char *reason);

/* conn_request.c: each step returns whether it made progress. */
bool request_step(struct conn *c);
void pending_free(struct conn *c);

/* conn_response.c */
void close_upstream(struct conn *c);
bool upstream_write(struct conn *c);
bool upstream_read(struct conn *c);
bool response_step(struct conn *c);
/* Whether the connection ends with the response in flight. */
bool response_closes(const struct conn *c);

/* conn_hold.c: a 200 answer whose head (head_len bytes at out's start)
 * was just parsed, to be held whole and sent on with its Env values
 * hidden; false when this request's answers are relayed as they come. */
bool hold_begins(struct conn *c, size_t head_len);
/* RS_HOLD: gathers the answer, then rewrites it, or refuses it with 502. */
bool hold_step(struct conn *c);

/* conn.c: the loop handler the upstream and lookup sockets are added with. */
void conn_event(struct loop *loop, int fd, int revents, void *ctx);

#endif
