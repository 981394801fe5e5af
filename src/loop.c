#include "loop.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

static int64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int loop_init(struct loop *loop, int max_fds)
{
	const char *want = getenv("SOCKWALL_LOOP");

	memset(loop, 0, sizeof(*loop));
	loop->epfd = -1;
	loop->backend = want && strcmp(want, "poll") == 0 ? LOOP_POLL : LOOP_EPOLL;
	loop->watch = calloc((size_t)max_fds, sizeof(*loop->watch));
	loop->heap = calloc((size_t)max_fds, sizeof(*loop->heap));
	if (!loop->watch || !loop->heap)
		goto fail;
	if (loop->backend == LOOP_POLL) {
		loop->pfds = calloc((size_t)max_fds, sizeof(*loop->pfds));
		loop->slot_fd = calloc((size_t)max_fds, sizeof(*loop->slot_fd));
		if (!loop->pfds || !loop->slot_fd)
			goto fail;
	} else {
		/* A wait returns at most this many; the rest wait for the next. */
		loop->nevs = max_fds < 512 ? max_fds : 512;
		loop->evs = calloc((size_t)loop->nevs, sizeof(*loop->evs));
		loop->epfd = epoll_create1(EPOLL_CLOEXEC);
		if (!loop->evs || loop->epfd < 0)
			goto fail;
	}
	loop->max_fds = max_fds;
	loop->now_ms = monotonic_ms();
	return 0;
fail:
	loop_free(loop);
	return -1;
}

void loop_free(struct loop *loop)
{
	free(loop->pfds);
	free(loop->slot_fd);
	free(loop->watch);
	free(loop->heap);
	free(loop->evs);
	if (loop->epfd >= 0)
		close(loop->epfd);
	memset(loop, 0, sizeof(*loop));
	loop->epfd = -1;
}

/* ---- the deadline heap ---- */

static int64_t heap_key(const struct loop *loop, int i)
{
	return loop->watch[loop->heap[i]].deadline_ms;
}

static void heap_place(struct loop *loop, int i, int fd)
{
	loop->heap[i] = fd;
	loop->watch[fd].heap = i + 1;
}

static void heap_up(struct loop *loop, int i)
{
	int fd = loop->heap[i];
	int64_t key = loop->watch[fd].deadline_ms;

	while (i > 0) {
		int parent = (i - 1) / 2;
		if (heap_key(loop, parent) <= key)
			break;
		heap_place(loop, i, loop->heap[parent]);
		i = parent;
	}
	heap_place(loop, i, fd);
}

static void heap_down(struct loop *loop, int i)
{
	int fd = loop->heap[i];
	int64_t key = loop->watch[fd].deadline_ms;

	for (;;) {
		int child = 2 * i + 1;
		if (child >= loop->nheap)
			break;
		if (child + 1 < loop->nheap && heap_key(loop, child + 1) < heap_key(loop, child))
			child++;
		if (key <= heap_key(loop, child))
			break;
		heap_place(loop, i, loop->heap[child]);
		i = child;
	}
	heap_place(loop, i, fd);
}

/* 0 takes fd out of the heap. */
static void heap_set(struct loop *loop, int fd, int64_t deadline_ms)
{
	struct loop_watch *w = &loop->watch[fd];
	int i = w->heap - 1;

	if (w->deadline_ms == deadline_ms)
		return;
	w->deadline_ms = deadline_ms;
	if (i < 0) {
		if (!deadline_ms)
			return;
		i = loop->nheap++;
		heap_place(loop, i, fd);
		heap_up(loop, i);
		return;
	}
	if (!deadline_ms) {
		w->heap = 0;
		int last = loop->heap[--loop->nheap];
		if (i == loop->nheap)
			return;
		heap_place(loop, i, last);
		heap_up(loop, i);
		heap_down(loop, loop->watch[last].heap - 1);
		return;
	}
	heap_up(loop, i);
	heap_down(loop, loop->watch[fd].heap - 1);
}

/* ---- descriptors ---- */

static int epoll_apply(struct loop *loop, int fd, short events)
{
	struct loop_watch *w = &loop->watch[fd];
	struct epoll_event ev = { .events = (uint32_t)(unsigned short)events,
				  .data.u64 = (uint32_t)fd | (uint64_t)w->gen << 32 };

	if (!events) {
		/* epoll reports EPOLLHUP/EPOLLERR whatever the mask: parking
		 * means leaving the set. */
		if (w->armed && epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL) == 0)
			w->armed = 0;
		return 0;
	}
	if (epoll_ctl(loop->epfd, w->armed ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev) < 0)
		return -1;
	w->armed = 1;
	return 0;
}

int loop_add(struct loop *loop, int fd, short events, loop_handler *handler, void *ctx)
{
	if (fd < 0 || fd >= loop->max_fds || loop->watch[fd].slot) {
		errno = fd < 0 || fd >= loop->max_fds ? EMFILE : EEXIST;
		return -1;
	}
	struct loop_watch *w = &loop->watch[fd];
	uint32_t gen = w->gen + 1;

	*w = (struct loop_watch){ .handler = handler, .ctx = ctx, .heap = 0, .slot = 1,
				  .events = events, .gen = gen };
	if (loop->backend == LOOP_EPOLL) {
		if (epoll_apply(loop, fd, events) < 0) {
			w->slot = 0;
			w->handler = NULL;
			return -1;
		}
		return 0;
	}
	int slot = loop->npfds++;
	loop->pfds[slot] = (struct pollfd){ .fd = events ? fd : -fd - 1, .events = events };
	loop->slot_fd[slot] = fd;
	w->slot = slot + 1;
	return 0;
}

void loop_set_events(struct loop *loop, int fd, short events)
{
	struct loop_watch *w = &loop->watch[fd];

	if (!w->slot || w->events == events)
		return;
	w->events = events;
	if (loop->backend == LOOP_EPOLL) {
		/* Only fails for a descriptor epoll cannot watch, which
		 * loop_add refused already. */
		epoll_apply(loop, fd, events);
		return;
	}
	/* poll ignores negative fds, which is the only way to keep it from
	 * reporting POLLHUP/POLLERR over and over while the caller is busy
	 * with the other side of the connection. */
	loop->pfds[w->slot - 1].events = events;
	loop->pfds[w->slot - 1].fd = events ? fd : -fd - 1;
}

short loop_events(const struct loop *loop, int fd)
{
	return loop->watch[fd].slot ? loop->watch[fd].events : 0;
}

void loop_set_deadline(struct loop *loop, int fd, int64_t deadline_ms)
{
	if (loop->watch[fd].slot)
		heap_set(loop, fd, deadline_ms);
}

void loop_del(struct loop *loop, int fd)
{
	struct loop_watch *w = &loop->watch[fd];
	int slot = w->slot - 1;

	if (slot < 0)
		return;
	heap_set(loop, fd, 0);
	w->slot = 0;
	w->handler = NULL;
	w->armed = 0; /* the caller's close() removes it from the epoll set */
	if (loop->backend == LOOP_EPOLL)
		return;
	/* Keep pfds dense: move the last entry into the hole. */
	int last = --loop->npfds;
	if (slot != last) {
		loop->pfds[slot] = loop->pfds[last];
		loop->slot_fd[slot] = loop->slot_fd[last];
		loop->watch[loop->slot_fd[slot]].slot = slot + 1;
	}
}

void loop_set_timer(struct loop *loop, int64_t when_ms, loop_timer_fn *fn, void *ctx)
{
	loop->timer_ms = when_ms;
	loop->timer_fn = fn;
	loop->timer_ctx = ctx;
}

int64_t loop_now(const struct loop *loop)
{
	return loop->now_ms;
}

/* ---- running ---- */

static int next_timeout(const struct loop *loop)
{
	int64_t soonest = loop->nheap ? heap_key(loop, 0) : 0;

	if (loop->timer_ms && (!soonest || loop->timer_ms < soonest))
		soonest = loop->timer_ms;
	if (!soonest)
		return -1;
	int64_t wait = soonest - loop->now_ms;
	if (wait < 0)
		wait = 0;
	return wait > 60000 ? 60000 : (int)wait;
}

/* A descriptor's events, with its deadline if that has passed too. */
static void dispatch(struct loop *loop, int fd, int revents)
{
	struct loop_watch *w = &loop->watch[fd];

	if (w->deadline_ms && w->deadline_ms <= loop->now_ms) {
		revents |= LOOP_TIMEOUT;
		heap_set(loop, fd, 0);
	}
	if (w->handler)
		w->handler(loop, fd, revents, w->ctx);
}

/*
 * Deadlines that passed without an event.  Bounded by the heap's size at
 * the start, so that a handler setting a deadline already past is seen on
 * the next turn, not in an endless pass.
 */
static void expire(struct loop *loop)
{
	for (int budget = loop->nheap; budget > 0 && loop->nheap; budget--) {
		int fd = loop->heap[0];
		if (loop->watch[fd].deadline_ms > loop->now_ms)
			break;
		dispatch(loop, fd, 0);
	}
	if (loop->timer_ms && loop->timer_ms <= loop->now_ms) {
		loop->timer_ms = 0;
		loop->timer_fn(loop, loop->timer_ctx);
	}
}

static int run_epoll(struct loop *loop)
{
	int n = epoll_wait(loop->epfd, loop->evs, loop->nevs, next_timeout(loop));

	if (n < 0 && errno != EINTR)
		return -1;
	loop->now_ms = monotonic_ms();
	for (int i = 0; i < n; i++) {
		uint64_t data = loop->evs[i].data.u64;
		int fd = (int)(uint32_t)data;
		struct loop_watch *w = &loop->watch[fd];

		/* An earlier handler of this batch may have closed fd, and the
		 * number may already belong to a new connection. */
		if (!w->slot || w->gen != (uint32_t)(data >> 32) || !w->events)
			continue;
		dispatch(loop, fd, (int)(loop->evs[i].events & 0xffff));
	}
	return 0;
}

static int run_poll(struct loop *loop)
{
	int n = poll(loop->pfds, (nfds_t)loop->npfds, next_timeout(loop));

	if (n < 0 && errno != EINTR)
		return -1;
	loop->now_ms = monotonic_ms();
	/*
	 * Handlers may delete descriptors, which moves the last pfds entry
	 * into the hole.  Walking downwards means the entry that moves has
	 * always been visited already (its revents cleared), and entries
	 * added during the walk land above.  The walk ends once the n ready
	 * entries have been seen.
	 */
	for (int i = loop->npfds - 1; i >= 0 && n > 0; i--) {
		if (i >= loop->npfds)
			continue;
		int revents = loop->pfds[i].revents;
		if (!revents)
			continue;
		n--;
		loop->pfds[i].revents = 0;
		dispatch(loop, loop->slot_fd[i], revents);
	}
	return 0;
}

int loop_run(struct loop *loop)
{
	while (!loop->stop) {
		if ((loop->backend == LOOP_EPOLL ? run_epoll(loop) : run_poll(loop)) < 0)
			return -1;
		expire(loop);
	}
	return 0;
}
