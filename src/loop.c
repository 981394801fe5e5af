#include "loop.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

static int64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int loop_init(struct loop *loop, int max_fds)
{
	loop->pfds = calloc((size_t)max_fds, sizeof(*loop->pfds));
	loop->watch = calloc((size_t)max_fds, sizeof(*loop->watch));
	loop->slot_fd = calloc((size_t)max_fds, sizeof(*loop->slot_fd));
	if (!loop->pfds || !loop->watch || !loop->slot_fd) {
		loop_free(loop);
		return -1;
	}
	for (int i = 0; i < max_fds; i++)
		loop->watch[i].slot = -1;
	loop->npfds = 0;
	loop->max_fds = max_fds;
	loop->now_ms = monotonic_ms();
	loop->stop = 0;
	return 0;
}

void loop_free(struct loop *loop)
{
	free(loop->pfds);
	free(loop->watch);
	free(loop->slot_fd);
	loop->pfds = NULL;
	loop->watch = NULL;
	loop->slot_fd = NULL;
}

int loop_add(struct loop *loop, int fd, short events, loop_handler *handler, void *ctx)
{
	if (fd < 0 || fd >= loop->max_fds || loop->watch[fd].slot >= 0) {
		errno = fd < 0 || fd >= loop->max_fds ? EMFILE : EEXIST;
		return -1;
	}
	int slot = loop->npfds++;
	loop->pfds[slot] = (struct pollfd){ .fd = events ? fd : -fd - 1, .events = events };
	loop->slot_fd[slot] = fd;
	loop->watch[fd] = (struct loop_watch){ handler, ctx, 0, slot };
	return 0;
}

/*
 * events == 0 parks the descriptor: poll ignores negative fds, which is the
 * only way to keep it from reporting POLLHUP/POLLERR over and over while the
 * caller is busy with the other side of the connection.
 */
void loop_set_events(struct loop *loop, int fd, short events)
{
	int slot = loop->watch[fd].slot;

	if (slot < 0)
		return;
	loop->pfds[slot].events = events;
	loop->pfds[slot].fd = events ? fd : -fd - 1;
}

void loop_set_deadline(struct loop *loop, int fd, int64_t deadline_ms)
{
	if (loop->watch[fd].slot >= 0)
		loop->watch[fd].deadline_ms = deadline_ms;
}

void loop_del(struct loop *loop, int fd)
{
	int slot = loop->watch[fd].slot;

	if (slot < 0)
		return;
	/* Keep pfds dense: move the last entry into the hole. */
	int last = --loop->npfds;
	if (slot != last) {
		loop->pfds[slot] = loop->pfds[last];
		loop->slot_fd[slot] = loop->slot_fd[last];
		loop->watch[loop->slot_fd[slot]].slot = slot;
	}
	loop->watch[fd].slot = -1;
	loop->watch[fd].handler = NULL;
}

int64_t loop_now(const struct loop *loop)
{
	return loop->now_ms;
}

/* Deadlines are scanned linearly: poll is O(n) per call already. */
static int next_timeout(const struct loop *loop)
{
	int64_t soonest = 0;

	for (int i = 0; i < loop->npfds; i++) {
		int64_t d = loop->watch[loop->slot_fd[i]].deadline_ms;
		if (d && (!soonest || d < soonest))
			soonest = d;
	}
	if (!soonest)
		return -1;
	int64_t wait = soonest - loop->now_ms;
	if (wait < 0)
		wait = 0;
	return wait > 60000 ? 60000 : (int)wait;
}

int loop_run(struct loop *loop)
{
	while (!loop->stop) {
		int n = poll(loop->pfds, (nfds_t)loop->npfds, next_timeout(loop));
		if (n < 0 && errno != EINTR)
			return -1;
		loop->now_ms = monotonic_ms();
		/*
		 * Handlers may delete descriptors, which moves the last pfds
		 * entry into the hole.  Walking downwards means the entry that
		 * moves has always been visited already (its revents cleared),
		 * and entries added during the walk land above it.
		 */
		for (int i = loop->npfds - 1; i >= 0; i--) {
			if (i >= loop->npfds)
				continue;
			struct pollfd p = loop->pfds[i];
			int fd = loop->slot_fd[i];
			struct loop_watch *w = &loop->watch[fd];
			int revents = p.revents;

			loop->pfds[i].revents = 0;
			if (w->deadline_ms && w->deadline_ms <= loop->now_ms) {
				revents |= LOOP_TIMEOUT;
				w->deadline_ms = 0;
			}
			if (revents && w->handler)
				w->handler(loop, fd, revents, w->ctx);
		}
	}
	return 0;
}
