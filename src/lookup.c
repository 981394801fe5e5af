#include "lookup.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon.h"
#include "debuglog.h"
#include "net.h"

#define LOOKUP_MAX_ANSWER (1 << 20)

/* Connects and queues the question about the next reference. */
static enum lookup_state ask(struct lookup *l, const char **why)
{
	if (l->next == l->refs.n)
		return LOOKUP_DONE;
	const struct container_ref *r = &l->refs.refs[l->next];
	/* The proxy's own container is best asked for by the ID it runs as. */
	bool proxy = r->kind == REF_PROXY_IMAGE || r->kind == REF_PROXY_POD;
	const char *ref = proxy && l->self_id[0] ? l->self_id : r->ref;

	l->req_len = daemon_lookup_request(l->req, sizeof(l->req), r->kind, ref);
	l->req_sent = 0;
	l->resp_len = 0;
	if (l->req_len == 0) {
		*why = "reference too long";
		return LOOKUP_FAILED;
	}
	l->fd = net_connect_unix(l->socket_path);
	if (l->fd < 0) {
		*why = "the Docker daemon is unreachable";
		return LOOKUP_FAILED;
	}
	return LOOKUP_WANT_WRITE;
}

enum lookup_state lookup_start(struct lookup *l, const struct filter_refs *refs,
			       const char *socket_path, const char *self_id, const char **why)
{
	l->refs = *refs;
	l->next = 0;
	l->socket_path = socket_path;
	l->self_id = self_id;
	l->fd = -1;
	return ask(l, why);
}

static bool again(void)
{
	return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
}

enum lookup_state lookup_step(struct lookup *l, const char **why)
{
	while (l->req_sent < l->req_len) {
		ssize_t n = send(l->fd, l->req + l->req_sent, l->req_len - l->req_sent,
				 MSG_NOSIGNAL);
		if (n < 0 && again())
			return LOOKUP_WANT_WRITE;
		if (n <= 0) {
			*why = "write to the Docker daemon failed";
			return LOOKUP_FAILED;
		}
		l->req_sent += (size_t)n;
	}
	ssize_t n;
	do {
		if (l->resp_len == l->resp_cap) {
			size_t cap = l->resp_cap ? l->resp_cap * 2 : 16384;
			char *bigger = cap <= LOOKUP_MAX_ANSWER ? realloc(l->resp, cap) : NULL;
			if (!bigger) {
				*why = "answer too large";
				return LOOKUP_FAILED;
			}
			l->resp = bigger;
			l->resp_cap = cap;
		}
		n = recv(l->fd, l->resp + l->resp_len, l->resp_cap - l->resp_len, 0);
		if (n < 0 && again())
			return LOOKUP_WANT_READ;
		if (n > 0)
			l->resp_len += (size_t)n;
	} while (n > 0);
	/* HTTP/1.0: the answer ends when dockerd closes. */
	const struct container_ref *r = &l->refs.refs[l->next];
	struct ref_answer *a = &l->answers[l->next];
	int parsed = n < 0 ? -1 : daemon_parse_answer(r->kind, l->resp, l->resp_len, a);
	debuglog_lookup(r, l->req, l->req_len, l->resp, l->resp_len, parsed, a);
	if (parsed < 0) {
		*why = "unexpected answer from the Docker daemon";
		return LOOKUP_FAILED;
	}
	return LOOKUP_ANSWERED;
}

/*
 * What an answer leads to: a shared container's (or a written one's) local
 * volumes may be binds of the socket, and the containers it shares
 * namespaces or volumes with hold what it holds.  Each is asked once.
 */
static int follow_refs(struct lookup *l, const struct container_ref *r,
		       const struct ref_answer *a)
{
	if (r->kind != REF_SHARE && !r->writes)
		return 0;
	for (size_t i = 0; i < a->n_volumes + a->n_shares; i++) {
		bool volume = i < a->n_volumes;
		const char *name = volume ? a->volumes[i] : a->shares[i - a->n_volumes];
		bool known = false;
		for (size_t k = 0; k < l->refs.n && !known; k++)
			known = l->refs.refs[k].kind == (volume ? REF_VOLUME : REF_SHARE) &&
				strcmp(l->refs.refs[k].ref, name) == 0;
		if (known)
			continue;
		if (l->refs.n == FILTER_MAX_REFS)
			return -1;
		struct container_ref *n = &l->refs.refs[l->refs.n++];
		memset(n, 0, sizeof(*n));
		n->kind = volume ? REF_VOLUME : REF_SHARE;
		n->parent = volume ? l->next : REF_NO_PARENT;
		snprintf(n->ref, sizeof(n->ref), "%s", name);
	}
	return 0;
}

enum lookup_state lookup_next(struct lookup *l, const char **why)
{
	const struct container_ref *r = &l->refs.refs[l->next];
	const struct ref_answer *a = &l->answers[l->next];

	if (follow_refs(l, r, a) < 0) {
		*why = "too many references to check";
		return LOOKUP_FAILED;
	}
	l->next++;
	return ask(l, why);
}

void lookup_close(struct lookup *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
}

void lookup_free(struct lookup *l)
{
	lookup_close(l);
	free(l->resp);
	l->resp = NULL;
	l->resp_len = l->resp_cap = 0;
}
