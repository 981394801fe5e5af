/*
 * pool: blocks of one size (the connections' 64 KiB buffers, the
 * connections themselves), kept for reuse while load lasts and given back
 * once it has passed.
 *
 * Buffers are taken while a connection has work and put back when it goes
 * idle, so under keep-alive load the same buffers come and go thousands of
 * times a second; under connection-per-request load the same holds for the
 * connections.  Handing each back to malloc would unmap and map it again
 * (a TLB flush each time, which on a VM costs more than the request).  A
 * pool keeps what is put back; every POOL_TRIM_MS it frees the blocks that
 * sat unused through the whole period (the low-water mark of the free
 * list), so memory follows the load down within two periods.  The pools
 * share the loop's free-standing timer (see loop_set_timer): nothing else
 * may use it.
 */
#ifndef SOCKWALL_POOL_H
#define SOCKWALL_POOL_H

#include <stddef.h>

#include "loop.h"

#define POOL_TRIM_MS 250

struct pool {
	size_t size; /* of every buffer */
	char **free; /* kept buffers */
	int n, cap;
	int low; /* fewest kept since the last trim */
	struct loop *loop;
	struct pool *next; /* every pool, trimmed together */
};

/* cap: the most buffers kept at once. */
int pool_init(struct pool *p, struct loop *loop, size_t size, int cap);
char *pool_get(struct pool *p);
/* Only blocks of p->size bytes come back here; their contents are whatever
 * they were. */
void pool_put(struct pool *p, char *buf);
void pool_free(struct pool *p);

#endif
