#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "net.h"

#define ACCEPT_PAUSE_MS 200
#define ACCEPT_BATCH 64

void server_init(struct server *srv, const struct config *cfg, struct loop *loop, int max_fds)
{
	srv->cfg = cfg;
	srv->loop = loop;
	srv->max_conns = cfg->max_conns;
	if (srv->max_conns > (max_fds - 16) / 2) {
		srv->max_conns = (max_fds - 16) / 2;
		log_msg(LOGL_WARNING,
			"SOCKWALL_MAX_CONNS=%d exceeds the descriptor limit (%d); using %d",
			cfg->max_conns, max_fds, srv->max_conns);
	}
	srv->bufs = (struct buf_pools){ .loop = loop, .max_conns = srv->max_conns,
					.big_size = buf_big_size(cfg->max_head, cfg->max_body) };
}

static void reject_busy(const struct listener *l, int fd, const struct sockaddr_in6 *peer)
{
	char resp[512], client[64];
	size_t n = conn_format_error(resp, sizeof(resp), 503,
				     "sockwall: too many connections (SOCKWALL_MAX_CONNS)", true,
				     false);
	ssize_t w = send(fd, resp, n, MSG_NOSIGNAL | MSG_DONTWAIT);
	(void)w;
	net_peer_format(fd, (const struct sockaddr *)peer, client, sizeof(client));
	struct request_log line = { .listener = l->spec->url,
				    .policy = config_policy(l->srv->cfg, l->spec->policy)->name,
				    .client = client, .method = "-",
				    .method_len = 1, .target = "-", .target_len = 1,
				    .decision = "error", .reason = "connection limit",
				    .status = 503 };
	log_request(&line);
	shutdown(fd, SHUT_WR);
	close(fd);
}

/* Loop handler for a listening socket; ctx is the struct listener. */
static void on_accept(struct loop *loop, int fd, int revents, void *ctx)
{
	struct listener *l = ctx;

	if ((revents & LOOP_TIMEOUT) && l->paused) {
		l->paused = false;
		loop_set_events(loop, fd, POLLIN);
		return;
	}
	if (!(revents & POLLIN))
		return;
	for (int i = 0; i < ACCEPT_BATCH; i++) {
		struct sockaddr_in6 peer;
		socklen_t peer_len = sizeof(peer);
		int cfd = accept4(fd, (struct sockaddr *)&peer, &peer_len,
				  SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd < 0) {
			if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO)
				continue;
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM) {
				/* Level-triggered poll would spin: pause this listener. */
				log_msg(LOGL_WARNING, "%s: accept: %s; pausing accepts for %d ms",
					l->spec->url, strerror(errno), ACCEPT_PAUSE_MS);
				l->paused = true;
				loop_set_events(loop, fd, 0);
				loop_set_deadline(loop, fd, loop_now(loop) + ACCEPT_PAUSE_MS);
			} else if (errno != EAGAIN && errno != EWOULDBLOCK) {
				log_msg(LOGL_ERR, "%s: accept: %s", l->spec->url, strerror(errno));
			}
			return;
		}
		/* TCP_NODELAY comes from the listener (see net.c). */
		if (conn_open(l->srv, l, cfd, &peer) < 0)
			reject_busy(l, cfd, &peer);
	}
}

static void close_listeners(struct server *srv)
{
	for (size_t i = 0; i < srv->n_listeners; i++) {
		struct listener *l = &srv->listeners[i];
		if (l->fd < 0)
			continue;
		loop_del(srv->loop, l->fd);
		close(l->fd);
		l->fd = -1;
		net_unlink_listener(l->spec);
	}
}

static bool is_loopback(const struct listen_spec *l)
{
	return l->kind == LISTEN_UNIX || strncmp(l->host, "127.", 4) == 0 ||
	       strcmp(l->host, "::1") == 0;
}

static void add_listener(struct server *srv, int fd, const struct listen_spec *spec,
			 bool health_only)
{
	struct listener *l = &srv->listeners[srv->n_listeners++];

	l->srv = srv;
	l->fd = fd;
	l->spec = spec;
	l->health_only = health_only;
	loop_add(srv->loop, fd, POLLIN, on_accept, l);
}

int server_listen(struct server *srv, bool health_channel)
{
	const struct config *cfg = srv->cfg;
	/* Before the listeners open: a healthcheck may come as soon as they do. */
	static const struct listen_spec health_spec = { .kind = LISTEN_UNIX, .url = "health" };

	if (health_channel) {
		char name[64];
		net_health_name(cfg->listeners, cfg->n_listeners, name, sizeof(name));
		int fd = net_listen_abstract(name);
		if (fd < 0)
			log_msg(LOGL_WARNING, "health channel @%s: %s (--healthcheck will fail)", name,
				strerror(errno));
		else
			add_listener(srv, fd, &health_spec, true);
	}
	for (size_t i = 0; i < cfg->n_listeners; i++) {
		char err[256];
		int fd = net_listen(&cfg->listeners[i], err, sizeof(err));
		if (fd < 0) {
			fprintf(stderr, "sockwall: cannot listen on %s\n", err);
			close_listeners(srv);
			return -1;
		}
		const struct listen_spec *spec = &cfg->listeners[i];
		add_listener(srv, fd, spec, false);
		log_msg(LOGL_NOTICE, "listening on %s (policy %s)", spec->url,
			config_policy(cfg, spec->policy)->name);
		if (spec->kind == LISTEN_TCP && !is_loopback(spec))
			log_msg(LOGL_WARNING,
				"%s is plain TCP on a non-loopback address: whoever reaches it "
				"controls what this policy allows",
				spec->url);
	}
	return 0;
}

/* The self-pipe turns a signal into a poll event. */
struct signals {
	struct server *srv;
	int64_t stop_at_ms;
};

static int signal_pipe_wr = -1;

static void on_signal(int sig)
{
	unsigned char b = (unsigned char)sig;
	int saved = errno;
	ssize_t w = write(signal_pipe_wr, &b, 1);

	(void)w;
	errno = saved;
}

static void on_signal_pipe(struct loop *loop, int fd, int revents, void *ctx)
{
	struct signals *s = ctx;
	unsigned char b[16];

	if (revents & POLLIN) {
		while (read(fd, b, sizeof(b)) > 0)
			;
		if (!s->srv->draining) {
			log_msg(LOGL_NOTICE, "stopping: no new connections; %d in flight",
				s->srv->nconns);
			close_listeners(s->srv);
			/* Idle connections close now, the others after their response. */
			s->srv->draining = true;
			conn_close_idle(s->srv);
			s->stop_at_ms = loop_now(loop) + s->srv->cfg->shutdown_timeout_ms;
		}
	}
	if (!s->srv->draining)
		return;
	if (s->srv->nconns == 0 || loop_now(loop) >= s->stop_at_ms) {
		loop->stop = 1;
		return;
	}
	/* Check again shortly whether the last connection has gone. */
	loop_set_deadline(loop, fd, loop_now(loop) + 50);
}

int server_catch_signals(struct server *srv)
{
	static struct signals sig;
	int sp[2];

	if (pipe2(sp, O_NONBLOCK | O_CLOEXEC) < 0) {
		fprintf(stderr, "sockwall: pipe: %s\n", strerror(errno));
		return -1;
	}
	sig.srv = srv;
	signal_pipe_wr = sp[1];
	loop_add(srv->loop, sp[0], POLLIN, on_signal_pipe, &sig);
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	return 0;
}

void server_close(struct server *srv)
{
	close_listeners(srv);
	conn_close_all(srv);
}
