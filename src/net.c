#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* Closes fd, keeping the errno of the failure that came before; -1. */
static int close_failed(int fd)
{
	int saved = errno;

	close(fd);
	errno = saved;
	return -1;
}

/* A numeric host's address, IPv6 when it has a ':'; -1 (EINVAL) when it is none. */
static int tcp_addr(const char *host, unsigned short port, struct sockaddr_storage *ss,
		    socklen_t *sl)
{
	int ok;

	memset(ss, 0, sizeof(*ss));
	if (strchr(host, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		ok = inet_pton(AF_INET6, host, &s6->sin6_addr);
		*sl = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		ok = inet_pton(AF_INET, host, &s4->sin_addr);
		*sl = sizeof(*s4);
	}
	if (ok != 1) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

static int tcp_listen_at(const char *host, unsigned short port)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int one = 1, zero = 0;

	if (tcp_addr(host, port, &ss, &sl) < 0)
		return -1;
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* Responses leave in as few writes as we can make them; Nagle would
	 * hold the tail of one behind a delayed ACK.  Linux copies the option
	 * to every accepted socket: one setsockopt here, none per client. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	/* A client is accepted once its first bytes are in, or after a second
	 * of silence (HTTP and TLS clients speak first): conn_accept reads the
	 * request at once instead of watching for it, and a client that says
	 * nothing costs nothing for that second. */
	setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &one, sizeof(one));
	/* "[::]" serves IPv4 clients too, as docker-socket-proxy's does. */
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, 511) < 0)
		return close_failed(fd);
	return fd;
}

/*
 * The socket's directory may not exist yet, e.g. a per-client directory of
 * a shared volume: make it (and its parents), 0755, like `mkdir -p`.
 */
static int make_parent_dirs(const char *path)
{
	char dir[NET_PATH_MAX];

	snprintf(dir, sizeof(dir), "%s", path);
	for (char *slash = strchr(dir + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return -1;
		*slash = '/';
	}
	return 0;
}

static int unix_listen_at(const struct listen_spec *l, char *err, size_t err_len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd = -1;

	strcpy(sa.sun_path, l->path);
	if (make_parent_dirs(l->path) < 0)
		goto fail;
	/* A socket file left by an earlier run would make bind fail. */
	if (lstat(l->path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, err_len, "%s: %s exists and is not a socket", l->url, l->path);
			return -1;
		}
		unlink(l->path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		goto fail;
	if (chmod(l->path, l->mode) < 0)
		goto fail;
	if (l->has_gid && chown(l->path, (uid_t)-1, l->gid) < 0)
		goto fail;
	if (listen(fd, 511) < 0)
		goto fail;
	return fd;
fail:
	snprintf(err, err_len, "%s: %s", l->url, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

int net_listen(const struct listen_spec *l, char *err, size_t err_len)
{
	if (l->kind == LISTEN_UNIX)
		return unix_listen_at(l, err, err_len);

	int fd = tcp_listen_at(l->host, l->port);

	/* The built-in default asks for dual-stack; a host without IPv6 gets IPv4. */
	if (fd < 0 && l->is_default && strchr(l->host, ':') &&
	    (errno == EAFNOSUPPORT || errno == EADDRNOTAVAIL || errno == EPROTONOSUPPORT))
		fd = tcp_listen_at("0.0.0.0", l->port);
	if (fd < 0)
		snprintf(err, err_len, "%s: %s", l->url, strerror(errno));
	return fd;
}

/*
 * A client socket connected to sa; type adds SOCK_NONBLOCK or not.  A
 * timeout_s > 0 bounds the connect and then each read and write.
 */
static int connect_to(const void *sa, socklen_t sl, int type, int timeout_s)
{
	struct timeval tv = { .tv_sec = timeout_s };
	int fd = socket(((const struct sockaddr *)sa)->sa_family, type | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (timeout_s > 0) {
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
	if (connect(fd, sa, sl) < 0)
		return close_failed(fd);
	return fd;
}

static int unix_addr(const char *path, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sa->sun_path, path);
	return 0;
}

int net_connect_unix(const char *path)
{
	struct sockaddr_un sa;

	if (unix_addr(path, &sa) < 0)
		return -1;
	/* AF_UNIX connects complete at once or fail (EAGAIN: backlog full). */
	return connect_to(&sa, sizeof(sa), SOCK_STREAM | SOCK_NONBLOCK, 0);
}

int net_connect_listener(const struct listen_spec *l, int timeout_s)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(struct sockaddr_un);
	/* A wildcard listener (dual-stack or not) answers on 127.0.0.1. */
	bool wildcard = strcmp(l->host, "::") == 0 || strcmp(l->host, "0.0.0.0") == 0;

	if (l->kind == LISTEN_UNIX ? unix_addr(l->path, (struct sockaddr_un *)&ss)
				   : tcp_addr(wildcard ? "127.0.0.1" : l->host, l->port, &ss, &sl))
		return -1;
	return connect_to(&ss, sl, SOCK_STREAM, timeout_s);
}

void net_peer_format(int fd, const struct sockaddr *sa, char *out, size_t out_len)
{
	char host[INET6_ADDRSTRLEN];

	snprintf(out, out_len, "unknown");
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		snprintf(out, out_len, "%s:%u", host, ntohs(s4->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		snprintf(out, out_len, "[%s]:%u", host, ntohs(s6->sin6_port));
	} else if (sa->sa_family == AF_UNIX) {
		/* The credentials are those of connect(2) time: still there
		 * after the peer has gone. */
		struct ucred cred;
		socklen_t cl = sizeof(cred);
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) == 0)
			snprintf(out, out_len, "unix:uid=%u,pid=%d", (unsigned)cred.uid,
				 (int)cred.pid);
		else
			snprintf(out, out_len, "unix");
	}
}

void net_unlink_listener(const struct listen_spec *l)
{
	struct stat st;

	if (l->kind == LISTEN_UNIX && lstat(l->path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(l->path);
}

void net_health_name(const struct listen_spec *listeners, size_t n, char *out, size_t out_len)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a over the listener URLs */

	for (size_t i = 0; i < n; i++)
		for (const char *p = listeners[i].url; *p; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	snprintf(out, out_len, "sockwall/health/%016llx", (unsigned long long)h);
}

static socklen_t abstract_addr(const char *name, struct sockaddr_un *sa)
{
	size_t n = strlen(name);

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (n + 1 > sizeof(sa->sun_path))
		n = sizeof(sa->sun_path) - 1;
	memcpy(sa->sun_path + 1, name, n); /* sun_path[0] = 0: abstract */
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
}

int net_listen_abstract(const char *name)
{
	struct sockaddr_un sa;
	socklen_t sl = abstract_addr(name, &sa);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sl) < 0 || listen(fd, 16) < 0)
		return close_failed(fd);
	return fd;
}

int net_connect_abstract(const char *name)
{
	struct sockaddr_un sa;
	socklen_t sl = abstract_addr(name, &sa);

	return connect_to(&sa, sl, SOCK_STREAM, 0);
}
