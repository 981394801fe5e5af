#include "stream.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>

#include "tls.h"

int stream_open(struct stream *s, int fd, const struct tls_server *server)
{
	memset(s, 0, sizeof(*s));
	s->fd = fd;
#if SOCKWALL_TLS
	if (server && !(s->tls = tls_conn_new(server)))
		return -1;
#else
	(void)server;
#endif
	return 0;
}

void stream_free(struct stream *s)
{
#if SOCKWALL_TLS
	if (s->tls)
		tls_conn_free(s->tls);
	s->tls = NULL;
#else
	(void)s;
#endif
}

static enum stream_result plain_read(struct stream *s, struct buf_pools *bp, struct buf *in,
				     size_t *got)
{
	if (!s->readable || s->eof)
		return STREAM_IDLE;
	if (!buf_ensure(bp, in)) {
		s->why = "out of memory";
		return STREAM_FAILED;
	}
	if (s->enlarge && in->cap == BUF_SIZE && !buf_used(in))
		buf_enlarge(bp, in);
	size_t room = buf_room(in);
	if (room == 0)
		return STREAM_IDLE;
	ssize_t n = recv(s->fd, in->data + in->end, room, 0);
	if (n > 0) {
		in->end += (size_t)n;
		*got = (size_t)n;
		/* A short read drained the socket: poll says when there is more,
		 * which saves the read that would only return EAGAIN. */
		if ((size_t)n < room)
			s->readable = false;
		return STREAM_MOVED;
	}
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
		s->readable = false;
		return STREAM_IDLE;
	}
	if (n < 0 && errno == EINTR)
		return STREAM_MOVED;
	if (n == 0 || s->error_is_eof) {
		s->eof = true;
		return STREAM_MOVED;
	}
	s->why = "client connection reset";
	return STREAM_FAILED;
}

static enum stream_result plain_write(struct stream *s, struct buf *out, bool more,
				      size_t *sent)
{
	if (out->fwd == 0 || s->wblocked)
		return STREAM_IDLE;
	ssize_t n = send(s->fd, out->data + out->start, out->fwd,
			 MSG_NOSIGNAL | (more ? MSG_MORE : 0));
	if (n > 0) {
		out->start += (size_t)n;
		out->fwd -= (size_t)n;
		*sent = (size_t)n;
		return STREAM_MOVED;
	}
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
		s->wblocked = true;
		return STREAM_IDLE;
	}
	if (n < 0 && errno == EINTR)
		return STREAM_MOVED;
	s->why = "client went away";
	return STREAM_FAILED;
}

#if SOCKWALL_TLS
/* Records between the socket and the engine. */
static enum stream_result tls_records(struct stream *s)
{
	struct tls_conn *tc = s->tls;
	enum stream_result r = STREAM_IDLE;
	unsigned char *p;
	size_t len;

	if (s->readable && !s->raw_eof && (p = tls_recvrec_buf(tc, &len))) {
		ssize_t n = recv(s->fd, p, len, 0);
		if (n > 0) {
			tls_recvrec_ack(tc, (size_t)n);
			if ((size_t)n < len)
				s->readable = false; /* drained: see plain_read */
			r = STREAM_MOVED;
		} else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
			s->raw_eof = true;
			r = STREAM_MOVED;
		} else if (errno != EINTR) {
			s->readable = false;
		}
	}
	if (!s->wblocked && (p = tls_sendrec_buf(tc, &len))) {
		ssize_t n = send(s->fd, p, len, MSG_NOSIGNAL);
		if (n > 0) {
			tls_sendrec_ack(tc, (size_t)n);
			r = STREAM_MOVED;
		} else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			s->wblocked = true;
		} else if (n < 0 && errno != EINTR) {
			s->why = "client went away";
			return STREAM_FAILED;
		}
	}
	return r;
}

static enum stream_result tls_read(struct stream *s, struct buf_pools *bp, struct buf *in,
				   size_t *got)
{
	struct tls_conn *tc = s->tls;
	enum stream_result r = tls_records(s);
	unsigned char *p;
	size_t len;
	int err = 0;

	if (r == STREAM_FAILED || s->eof)
		return r;
	if ((p = tls_recvapp_buf(tc, &len))) {
		if (!buf_ensure(bp, in)) {
			s->why = "out of memory";
			return STREAM_FAILED;
		}
		size_t room = buf_room(in);
		if (room == 0)
			return r;
		size_t take = len < room ? len : room;
		memcpy(in->data + in->end, p, take);
		in->end += take;
		tls_recvapp_ack(tc, take);
		*got = take;
		return STREAM_MOVED;
	}
	if (tls_closed(tc, &err)) {
		if (err || !tls_handshake_done(tc)) {
			s->tls_error = err;
			return STREAM_REFUSED;
		}
		s->eof = true; /* a full close after close_notify */
		return STREAM_MOVED;
	}
	if (tls_peer_closed(tc) || s->raw_eof) {
		s->eof = true; /* close_notify alone is a half-close */
		return STREAM_MOVED;
	}
	return r;
}

static enum stream_result tls_write(struct stream *s, struct buf *out, size_t *sent)
{
	struct tls_conn *tc = s->tls;
	bool moved = false;
	unsigned char *p;
	size_t len;

	if (out->fwd && !s->closing && (p = tls_sendapp_buf(tc, &len))) {
		size_t take = len < out->fwd ? len : out->fwd;
		memcpy(p, out->data + out->start, take);
		tls_sendapp_ack(tc, take);
		tls_flush(tc);
		out->start += take;
		out->fwd -= take;
		*sent = take;
		moved = true;
	}
	enum stream_result r = tls_records(s);
	return r == STREAM_IDLE && moved ? STREAM_MOVED : r;
}
#endif

enum stream_result stream_read(struct stream *s, struct buf_pools *bp, struct buf *in,
			       size_t *got)
{
	*got = 0;
#if SOCKWALL_TLS
	if (s->tls)
		return tls_read(s, bp, in, got);
#endif
	return plain_read(s, bp, in, got);
}

enum stream_result stream_write(struct stream *s, struct buf *out, bool more, size_t *sent)
{
	*sent = 0;
#if SOCKWALL_TLS
	if (s->tls)
		return tls_write(s, out, sent);
#endif
	return plain_write(s, out, more, sent);
}

int stream_close_notify(struct stream *s)
{
#if SOCKWALL_TLS
	size_t pending_records;

	if (s->tls && !s->closing && tls_handshake_done(s->tls)) {
		tls_close(s->tls);
		s->closing = true;
		return 1;
	}
	if (s->tls && !s->raw_eof && tls_sendrec_buf(s->tls, &pending_records))
		return -1;
#else
	(void)s;
#endif
	return 0;
}

void stream_woken(struct stream *s, int revents)
{
	if (revents & (POLLIN | POLLHUP | POLLERR | POLLRDHUP))
		s->readable = true;
	if (revents & (POLLOUT | POLLHUP | POLLERR))
		s->wblocked = false;
}

short stream_events(const struct stream *s, bool app_room, bool app_pending)
{
	short ev = 0;

#if SOCKWALL_TLS
	if (s->tls) {
		size_t len;
		if (!s->raw_eof && tls_recvrec_buf(s->tls, &len))
			ev |= POLLIN;
		if (s->wblocked && tls_sendrec_buf(s->tls, &len))
			ev |= POLLOUT;
		return ev;
	}
#endif
	if (!s->eof && app_room)
		ev |= POLLIN;
	if (app_pending && s->wblocked)
		ev |= POLLOUT;
	return ev;
}

bool stream_handshaking(const struct stream *s)
{
#if SOCKWALL_TLS
	return s->tls && !tls_handshake_done(s->tls);
#else
	(void)s;
	return false;
#endif
}

const char *stream_peer_cn(const struct stream *s)
{
#if SOCKWALL_TLS
	return s->tls ? tls_peer_cn(s->tls) : NULL;
#else
	(void)s;
	return NULL;
#endif
}

const char *stream_error_name(const struct stream *s)
{
#if SOCKWALL_TLS
	return tls_error_name(s->tls_error);
#else
	(void)s;
	return "";
#endif
}

/*
 * Then the connection lingers like any closing one: what the client still
 * sends (the rest of its flight) is read and dropped until it closes, so
 * that the kernel does not answer unread bytes with a reset that could
 * discard the word.
 */
bool stream_tell_refusal(struct stream *s)
{
#if SOCKWALL_TLS
	unsigned char word[256];
	size_t n = tls_refusal(s->tls, s->tls_error, word, sizeof(word));

	return n > 0 && send(s->fd, word, n, MSG_NOSIGNAL | MSG_DONTWAIT) == (ssize_t)n;
#else
	(void)s;
	return false;
#endif
}
