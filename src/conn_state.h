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
#include "judge.h"
#include "lookup.h"
#include "policy.h"
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

/*
 * What a step of either half asks conn.c to do: the halves never answer,
 * abort or watch a descriptor themselves (interfaces go one way).
 */
enum step_act {
	STEP_IDLE,    /* nothing moved */
	STEP_MOVED,   /* progress, nothing to act on */
	STEP_ANSWER,  /* answer the request ourselves (local_response's arguments) */
	STEP_ABORT,   /* the connection is lost: reason says why */
	STEP_FORWARD, /* allowed: connect to dockerd if need be, then request_forward(plan) */
	STEP_WATCH,   /* watch fd (a lookup's question) for POLLOUT; lookup_unwatched if not */
};

struct step {
	int status;
	bool close;
	const char *decision, *reason;
	char message[VERDICT_MESSAGE_MAX];
	char why[INSPECT_WHY_MAX]; /* what reason points to when its source is gone */
	struct forward_plan plan;
	int fd;
};

static inline enum step_act step_abort(struct step *st, const char *why)
{
	st->reason = why;
	return STEP_ABORT;
}

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
	struct stream client, upstream; /* upstream: plain, fd -1 when not connected */
	struct buf in, out;
	struct pending *pending;
	bool cn_policy_chosen; /* TLS: SOCKWALL_TLS_POLICY_BY_CN was consulted */
	bool sent_continue;
	enum rq_state rq;
	enum rs_state rs;

	bool close_after; /* close once everything cleared is flushed */
	bool lingering, dead;

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
/* Fills st for STEP_ANSWER, the message from fmt. */
enum step_act step_answer(struct step *st, int status, bool close, const char *decision,
			  const char *reason, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/* conn_request.c */
enum step_act request_step(struct conn *c, struct step *st);
/* Sends the allowed request on (the upstream is connected). */
void request_forward(struct conn *c, const struct forward_plan *plan);
/* The lookup's descriptor could not be watched: the request is refused. */
enum step_act lookup_unwatched(struct conn *c, struct step *st);
void pending_free(struct conn *c);

/* conn_response.c */
void close_upstream(struct conn *c);
enum step_act upstream_write(struct conn *c, struct step *st);
enum step_act upstream_read(struct conn *c, struct step *st);
enum step_act response_step(struct conn *c, struct step *st);
/* Whether the connection ends with the response in flight. */
bool response_closes(const struct conn *c);

/* conn_hold.c: a 200 answer whose head (head_len bytes at out's start)
 * was just parsed, to be held whole and sent on with its Env values
 * hidden; false when this request's answers are relayed as they come. */
bool hold_begins(struct conn *c, size_t head_len);
/* RS_HOLD: gathers the answer, then rewrites it, or refuses it with 502. */
enum step_act hold_step(struct conn *c, struct step *st);


#endif
