/*
 * stream: one side of a connection, the client (plain or TLS) or dockerd
 * (plain).  The HTTP machine reads into and writes from its buffers through
 * these calls and never sees TLS: for a TLS client, records move between
 * the socket and BearSSL's engine here (the engine does no I/O, see tls.h),
 * and application bytes between the engine and the buffers.
 *
 * Each call does what it can without blocking and says whether anything
 * moved; readable/wblocked are the poll state the caller keeps up to date.
 */
#ifndef SOCKWALL_STREAM_H
#define SOCKWALL_STREAM_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

struct tls_conn;
struct tls_server;

struct stream {
	int fd;
	struct tls_conn *tls; /* NULL: plain */
	bool readable;        /* poll said so; cleared on EAGAIN */
	bool wblocked;        /* a write hit EAGAIN; cleared on POLLOUT */
	bool eof;             /* the peer's side ended (read 0, or close_notify) */
	bool shut;            /* we shut our write side */
	bool error_is_eof;    /* dockerd: a reset ends its output like an EOF */
	bool enlarge;         /* a body read filled the buffer: see STREAM_BUF_SIZE */
	bool raw_eof;         /* TLS: the socket itself ended */
	bool closing;         /* TLS: our close_notify is on its way */
	const char *why;      /* STREAM_FAILED: what to log */
	int tls_error;        /* STREAM_REFUSED: BearSSL's (or sockwall's) error */
};

enum stream_result {
	STREAM_IDLE,    /* nothing moved */
	STREAM_MOVED,   /* bytes (or an EOF) moved */
	STREAM_FAILED,  /* the connection is lost: see why */
	STREAM_REFUSED, /* the TLS handshake failed: see tls_error */
};

/* A stream on fd; TLS when server is not NULL.  -1 when out of memory. */
int stream_open(struct stream *s, int fd, const struct tls_server *server);
/* Frees the TLS state (the caller closes fd). */
void stream_free(struct stream *s);

/* Appends what the peer sent to in (taking a buffer if it has none);
 * *got says how many bytes. */
enum stream_result stream_read(struct stream *s, struct buf_pools *bp, struct buf *in,
			       size_t *got);
/* Sends what out has cleared; *sent says how many bytes.  more: the FIN
 * follows at once (MSG_MORE: it rides on the same segment). */
enum stream_result stream_write(struct stream *s, struct buf *out, bool more, size_t *sent);

/* Before closing: TLS says goodbye (close_notify).  1: it was queued now;
 * -1: it is still being sent, wait; 0: nothing (more) to say. */
int stream_close_notify(struct stream *s);

/* What poll said about the stream's fd. */
void stream_woken(struct stream *s, int revents);

/* The poll events the stream waits for; app_room: the read buffer has
 * room, app_pending: out has bytes to send. */
short stream_events(const struct stream *s, bool app_room, bool app_pending);

static inline bool stream_is_tls(const struct stream *s)
{
	return s->tls != NULL;
}

bool stream_handshaking(const struct stream *s);
/* The verified client certificate's CN, or NULL. */
const char *stream_peer_cn(const struct stream *s);
/* A short name for tls_error. */
const char *stream_error_name(const struct stream *s);
/* After STREAM_REFUSED: a word to the client (see tls_refusal), sent once,
 * best effort; false when none could be sent. */
bool stream_tell_refusal(struct stream *s);

#endif
