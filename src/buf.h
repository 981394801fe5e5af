/*
 * buf: a connection's bounded byte buffers, and the pools they come from.
 *
 * [start, start+fwd) is cleared to be sent on; [start+fwd, end) is not yet
 * examined.  cap is BUF_SIZE; or STREAM_BUF_SIZE for a large response
 * body; or more while an inspected request is held whole (see buf_grow).
 * A buffer is taken while its connection has work and given back (to its
 * pool, see pool.h) when it is empty.
 */
#ifndef SOCKWALL_BUF_H
#define SOCKWALL_BUF_H

#include <stdbool.h>
#include <stddef.h>

#include "loop.h"
#include "pool.h"

#define BUF_SIZE 65536
/*
 * A response body that fills the buffer in one read (docker save, export,
 * cp) goes on in reads and sends four times larger: a quarter of the
 * syscalls, and of the wake-ups of the client and of dockerd, for the same
 * bytes.  For that response only: streams of small writes (events, logs)
 * never fill 64 KiB and keep the small buffer.
 */
#define STREAM_BUF_SIZE (256 * 1024)

struct buf {
	char *data;
	size_t start, end, fwd, cap;
};

struct buf_pools {
	struct loop *loop;
	int max_conns;   /* two buffers each at most are out of the pool */
	size_t big_size; /* a held request: head, body and its chunked framing */
	struct pool small, stream;
	struct pool big, scratch; /* for inspected bodies held whole */
};

/* big_size for the limits SOCKWALL_MAX_HEAD and SOCKWALL_MAX_BODY. */
size_t buf_big_size(size_t max_head, size_t max_body);

/* Takes a BUF_SIZE buffer if b has none; false when out of memory. */
bool buf_ensure(struct buf_pools *bp, struct buf *b);
/* Gives an empty buffer back. */
void buf_release(struct buf_pools *bp, struct buf *b);
/* Discards what b holds and gives it back. */
void buf_drop(struct buf_pools *bp, struct buf *b);
/* An empty BUF_SIZE buffer swapped for a STREAM_BUF_SIZE one, when there is one. */
void buf_enlarge(struct buf_pools *bp, struct buf *b);
/* Free space at the end, compacting when the data has drifted to the back. */
size_t buf_room(struct buf *b);
/* Room for `need` bytes from start: an inspected request is held whole. */
bool buf_grow(struct buf_pools *bp, struct buf *b, size_t need);

/* Scratch for an inspected body's decoded strings; NULL when out of memory.
 * *pooled says which buf_scratch_put to expect. */
char *buf_scratch_get(struct buf_pools *bp, size_t size, size_t *cap, bool *pooled);
void buf_scratch_put(struct buf_pools *bp, char *scratch, bool pooled);

void buf_pools_free(struct buf_pools *bp);

static inline size_t buf_used(const struct buf *b)
{
	return b->end - b->start;
}

static inline size_t buf_unexamined(const struct buf *b)
{
	return b->end - b->start - b->fwd;
}

#endif
