/*
 * loop: a single-threaded poll(2) event loop with one deadline per watched
 * descriptor.  It knows nothing about HTTP: handlers get (fd, revents, ctx)
 * and decide.  The multiplexing call sits behind this interface so that
 * poll could become epoll without touching a caller.
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

struct loop_watch {
	loop_handler *handler;
	void *ctx;
	int64_t deadline_ms; /* 0: none */
	int slot;            /* index in pfds, -1 when not watched */
};

struct loop {
	struct pollfd *pfds;      /* dense: [0, npfds) */
	struct loop_watch *watch; /* indexed by fd */
	int *slot_fd;             /* pfds index -> fd */
	int npfds;
	int max_fds;
	int64_t now_ms;
	int stop;
};

int loop_init(struct loop *loop, int max_fds);
void loop_free(struct loop *loop);
int loop_add(struct loop *loop, int fd, short events, loop_handler *handler, void *ctx);
void loop_set_events(struct loop *loop, int fd, short events);
void loop_set_deadline(struct loop *loop, int fd, int64_t deadline_ms);
void loop_del(struct loop *loop, int fd);
/* Milliseconds on the monotonic clock, as of the last wake-up. */
int64_t loop_now(const struct loop *loop);
/* Runs until loop->stop is set; returns 0, or -1 if poll itself failed. */
int loop_run(struct loop *loop);

#endif
