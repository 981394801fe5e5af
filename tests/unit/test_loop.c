/*
 * loop: both backends see the same things.  A pipe that becomes readable
 * wakes its handler; a parked descriptor does not, even when its peer hangs
 * up or it was added parked and is readable; deadlines fire once each,
 * soonest first, whatever order they were set, changed or cleared in; the
 * free-standing timer fires once.
 *
 * Nothing here depends on how fast the machine is: a descriptor whose
 * deadline has passed when its own event is dispatched gets both at once
 * (before the deadlines expire() fires alone), so the order is checked
 * only among the deadlines that fired alone.
 */
#include <stdlib.h>
#include <unistd.h>

#include "loop.h"
#include "test.h"

#define NPIPES 40

struct seen {
	int events, timeouts;
	int64_t order; /* when, among timeouts that came alone; -1: with an event */
};

static struct seen seen[1024];
static int64_t fired;
static int timer_calls;

static void on_event(struct loop *loop, int fd, int revents, void *ctx)
{
	(void)ctx;
	if (revents & LOOP_TIMEOUT) {
		seen[fd].timeouts++;
		seen[fd].order = revents == LOOP_TIMEOUT ? ++fired : -1;
	}
	if (revents & (POLLIN | POLLHUP)) {
		char b[16];
		seen[fd].events++;
		if (read(fd, b, sizeof(b)) <= 0)
			loop_set_events(loop, fd, 0); /* peer gone: park it */
	}
}

static void on_timer(struct loop *loop, void *ctx)
{
	(void)ctx;
	timer_calls++;
	loop->stop = 1;
}

static void run_backend(const char *name)
{
	struct loop loop;
	int p[NPIPES][2];

	setenv("SOCKWALL_LOOP", name, 1);
	memset(seen, 0, sizeof(seen));
	fired = 0;
	timer_calls = 0;
	CHECK(loop_init(&loop, 1024) == 0, "%s: init", name);
	CHECK(loop.backend == (name[0] == 'p' ? LOOP_POLL : LOOP_EPOLL), "%s: backend", name);
	for (int i = 0; i < NPIPES; i++) {
		CHECK(pipe(p[i]) == 0, "pipe");
		CHECK(loop_add(&loop, p[i][0], POLLIN, on_event, NULL) == 0, "%s: add", name);
	}
	CHECK(loop_add(&loop, p[0][0], POLLIN, on_event, NULL) < 0, "%s: added twice", name);

	/* Deadlines set in a scrambled order, some moved, some cleared. */
	int64_t base = loop_now(&loop);
	for (int i = 0; i < NPIPES; i++)
		loop_set_deadline(&loop, p[(i * 7) % NPIPES][0], base + 1 + (i * 7) % NPIPES);
	for (int i = 0; i < NPIPES; i += 5)
		loop_set_deadline(&loop, p[i][0], 0);
	loop_set_deadline(&loop, p[3][0], base + 100); /* moved last */
	loop_set_deadline(&loop, p[4][0], base + 1);   /* moved first */

	/* Added parked, as conn_accept adds a client: readable, yet only its
	 * deadline wakes it. */
	int q[2];
	CHECK(pipe(q) == 0, "pipe");
	CHECK(loop_add(&loop, q[0], 0, on_event, NULL) == 0, "%s: add parked", name);
	CHECK(loop_events(&loop, q[0]) == 0, "%s: parked has events", name);
	CHECK(write(q[1], "x", 1) == 1, "write");
	loop_set_deadline(&loop, q[0], base + 50);

	/* Readable now: 1; hung up (then parked by the handler): 2. */
	CHECK(write(p[1][1], "x", 1) == 1, "write");
	close(p[2][1]);
	p[2][1] = -1;
	loop_set_timer(&loop, base + 150, on_timer, NULL);
	CHECK(loop_run(&loop) == 0, "%s: run", name);

	CHECK(timer_calls == 1, "%s: timer fired %d times", name, timer_calls);
	CHECK(seen[p[1][0]].events == 1, "%s: readable pipe seen %d times", name,
	      seen[p[1][0]].events);
	CHECK(seen[p[2][0]].events == 1, "%s: parked pipe woke %d times", name,
	      seen[p[2][0]].events);
	CHECK(seen[q[0]].events == 0 && seen[q[0]].timeouts == 1,
	      "%s: parked readable pipe: %d events, %d timeouts", name, seen[q[0]].events,
	      seen[q[0]].timeouts);
	loop_set_events(&loop, q[0], POLLIN);
	CHECK(loop_events(&loop, q[0]) == POLLIN, "%s: events once set", name);
	loop_del(&loop, q[0]);
	CHECK(loop_events(&loop, q[0]) == 0, "%s: events after del", name);
	close(q[0]);
	close(q[1]);
	int64_t last = 0;
	for (int i = 0; i < NPIPES; i++) {
		int fd = p[i][0];
		int want = (i % 5 == 0) ? 0 : 1;
		CHECK(seen[fd].timeouts == want, "%s: pipe %d: %d timeouts, want %d", name, i,
		      seen[fd].timeouts, want);
	}
	/* Firing order follows the deadlines: pipe 4 first, pipe 3 last.
	 * Pipes 1 and 2 had events, which may carry their timeouts. */
	CHECK(seen[p[4][0]].order == 1, "%s: pipe 4 fired %lld-th", name,
	      (long long)seen[p[4][0]].order);
	CHECK(seen[p[3][0]].order == fired, "%s: pipe 3 fired %lld-th of %lld", name,
	      (long long)seen[p[3][0]].order, (long long)fired);
	for (int d = 1; d <= NPIPES; d++) {
		for (int i = 0; i < NPIPES; i++) {
			if (i % 5 == 0 || i <= 4 || i != d - 1)
				continue;
			/* pipe i had deadline base+1+i: those fire in index order */
			CHECK(seen[p[i][0]].order > last, "%s: pipe %d out of order", name, i);
			last = seen[p[i][0]].order;
		}
	}
	for (int i = 0; i < NPIPES; i++) {
		loop_del(&loop, p[i][0]);
		close(p[i][0]);
		if (p[i][1] >= 0)
			close(p[i][1]);
	}
	CHECK(loop.nheap == 0, "%s: heap not empty after del: %d", name, loop.nheap);
	loop_free(&loop);
}

int main(void)
{
	run_backend("poll");
	run_backend("epoll");
	TEST_DONE();
}
