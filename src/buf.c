#include "buf.h"

#include <stdlib.h>
#include <string.h>

#define STREAM_BUF_KEEP 16
#define BIG_KEEP 4

/*
 * An inspected body is held whole in a buffer of the largest size one can
 * need (head, body, chunked framing), and its decoded strings go to a
 * scratch block three times that: both from pools of their own, since
 * taking them from malloc mapped, faulted in and unmapped a megabyte or
 * more per request.  Untouched pages of a block cost no memory.
 */
size_t buf_big_size(size_t max_head, size_t max_body)
{
	return max_head + max_body + max_body / 8 + 4096;
}

/* Pools are set up on first use. */
static char *pool_take(struct buf_pools *bp, struct pool *p, size_t size, int keep)
{
	if (!p->free && pool_init(p, bp->loop, size, keep) < 0)
		return NULL;
	return pool_get(p);
}

bool buf_ensure(struct buf_pools *bp, struct buf *b)
{
	if (b->data)
		return true;
	b->data = pool_take(bp, &bp->small, BUF_SIZE, 2 * bp->max_conns);
	b->start = b->end = b->fwd = 0;
	b->cap = BUF_SIZE;
	return b->data != NULL;
}

void buf_release(struct buf_pools *bp, struct buf *b)
{
	if (!b->data || b->start != b->end)
		return;
	if (b->cap == BUF_SIZE)
		pool_put(&bp->small, b->data);
	else if (bp->big.free && b->cap == bp->big.size)
		pool_put(&bp->big, b->data);
	else if (b->cap == STREAM_BUF_SIZE)
		pool_put(&bp->stream, b->data);
	else
		free(b->data);
	b->data = NULL;
	b->start = b->end = b->fwd = 0;
}

void buf_enlarge(struct buf_pools *bp, struct buf *b)
{
	char *bigger = pool_take(bp, &bp->stream, STREAM_BUF_SIZE, STREAM_BUF_KEEP);

	if (!bigger)
		return;
	pool_put(&bp->small, b->data);
	b->data = bigger;
	b->cap = STREAM_BUF_SIZE;
	b->start = b->end = b->fwd = 0;
}

void buf_drop(struct buf_pools *bp, struct buf *b)
{
	b->start = b->end;
	b->fwd = 0;
	buf_release(bp, b);
}

size_t buf_room(struct buf *b)
{
	if (b->start == b->end) {
		b->start = b->end = 0;
	} else if (b->end == b->cap && b->start > 0) {
		memmove(b->data, b->data + b->start, b->end - b->start);
		b->end -= b->start;
		b->start = 0;
	}
	return b->cap - b->end;
}

bool buf_grow(struct buf_pools *bp, struct buf *b, size_t need)
{
	if (b->start > 0) {
		memmove(b->data, b->data + b->start, b->end - b->start);
		b->end -= b->start;
		b->start = 0;
	}
	if (need <= b->cap)
		return true;
	if (b->cap == BUF_SIZE && need <= bp->big_size) {
		char *bigger = pool_take(bp, &bp->big, bp->big_size, BIG_KEEP);
		if (!bigger)
			return false;
		memcpy(bigger, b->data, b->end);
		pool_put(&bp->small, b->data);
		b->data = bigger;
		b->cap = bp->big_size;
		return true;
	}
	char *bigger = realloc(b->data, need);
	if (!bigger)
		return false;
	b->data = bigger;
	b->cap = need;
	return true;
}

/* The chunked body decoded, its strings, jsmn's tokens. */
char *buf_scratch_get(struct buf_pools *bp, size_t size, size_t *cap, bool *pooled)
{
	*cap = 3 * bp->big_size;
	*pooled = size <= *cap;
	if (*pooled)
		return pool_take(bp, &bp->scratch, *cap, BIG_KEEP);
	*cap = size;
	return malloc(size);
}

void buf_scratch_put(struct buf_pools *bp, char *scratch, bool pooled)
{
	if (pooled)
		pool_put(&bp->scratch, scratch);
	else
		free(scratch);
}

void buf_pools_free(struct buf_pools *bp)
{
	pool_free(&bp->small);
	pool_free(&bp->stream);
	pool_free(&bp->big);
	pool_free(&bp->scratch);
}
