/*
 * loop: a single-threaded event loop with one deadline per watched
 * descriptor and one free-standing timer.  It knows nothing about HTTP:
 * handlers get (fd, revents, ctx) and decide.
 *
 * Two backends behind this one interface, chosen when the loop starts:
 * epoll(7) (the default: the cost of a wait follows the descriptors that
 * are ready, not all that are watched) and poll(2) (SOCKWALL_LOOP=poll, the
 * portable fallback).  Event bits are poll's (POLLIN, POLLOUT, POLLHUP,
 * POLLERR, POLLRDHUP), which have the same values in epoll.
 *
 * Deadlines live in a binary min-heap: setting or clearing one is
 * O(log n), finding the next is O(1), so no wait scans every connection.
 */
#ifndef SOCKWALL_LOOP_H
#define SOCKWALL_LOOP_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

/* Passed in revents when a descriptor's deadline has passed. */
#define LOOP_TIMEOUT 0x4000

struct loop;
typedef void loop_handler(struct loop *loop, int fd, int revents, void *ctx);
typedef void loop_timer_fn(struct loop *loop, void *ctx);

struct loop_watch {
	loop_handler *handler;
	void *ctx;
	int64_t deadline_ms; /* 0: none */
	/* Both are 1 + an index, so that 0 (calloc's) means none: the table is
	 * sized for every possible descriptor and its pages stay untouched,
	 * costing no memory, until a descriptor that high is watched. */
	int heap;            /* 1 + index in the deadline heap; 0 when none */
	int slot;            /* poll: 1 + index in pfds; epoll: 1; 0 when not watched */
	short events;        /* as last asked for */
	short armed;         /* epoll: in the kernel's set */
	uint32_t gen;        /* epoll: tells a stale event from the descriptor's next life */
};

struct epoll_event;

struct loop {
	int backend;              /* LOOP_EPOLL or LOOP_POLL */
	struct loop_watch *watch; /* indexed by fd */
	int *heap;                /* fds by deadline, soonest first */
	int nheap;
	int max_fds;
	int64_t now_ms;
	int stop;
	/* poll */
	struct pollfd *pfds; /* dense: [0, npfds) */
	int *slot_fd;        /* pfds index -> fd */
	int npfds;
	/* epoll */
	int epfd;
	struct epoll_event *evs;
	int nevs;
	/* the free-standing timer */
	int64_t timer_ms; /* 0: not armed */
	loop_timer_fn *timer_fn;
	void *timer_ctx;
};

enum { LOOP_EPOLL, LOOP_POLL };

/* The backend: SOCKWALL_LOOP=poll or epoll (default epoll). */
int loop_init(struct loop *loop, int max_fds);
void loop_free(struct loop *loop);
int loop_add(struct loop *loop, int fd, short events, loop_handler *handler, void *ctx);
/* events == 0 parks the descriptor: not even POLLHUP/POLLERR wake it. */
void loop_set_events(struct loop *loop, int fd, short events);
/* The events last asked for fd: 0 when it is parked or not watched. */
short loop_events(const struct loop *loop, int fd);
void loop_set_deadline(struct loop *loop, int fd, int64_t deadline_ms);
/* Stops watching fd.  The caller closes it right after: with epoll, the
 * close is what takes it out of the kernel's set (a syscall saved). */
void loop_del(struct loop *loop, int fd);
/* One timer not tied to a descriptor (housekeeping); 0 disarms it.  It
 * fires once; the handler may arm it again. */
void loop_set_timer(struct loop *loop, int64_t when_ms, loop_timer_fn *fn, void *ctx);
/* Milliseconds on the monotonic clock, as of the last wake-up. */
int64_t loop_now(const struct loop *loop);
/* Runs until loop->stop is set; returns 0, or -1 if the wait itself failed. */
int loop_run(struct loop *loop);

#endif
