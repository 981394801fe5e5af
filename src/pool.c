#include "pool.h"

#include <stdlib.h>

/* One process, one loop: the pools it has, for the trim. */
static struct pool *pools;

static void pool_trim(struct loop *loop, void *ctx);

static void arm(struct pool *p)
{
	if (p->loop && !p->loop->timer_ms && p->n)
		loop_set_timer(p->loop, loop_now(p->loop) + POOL_TRIM_MS, pool_trim, NULL);
}

/* Frees what nobody needed for a whole period: the low-water mark. */
static void pool_trim(struct loop *loop, void *ctx)
{
	(void)loop;
	(void)ctx;
	for (struct pool *p = pools; p; p = p->next) {
		for (int i = 0; i < p->low && p->n; i++)
			free(p->free[--p->n]);
		p->low = p->n;
	}
	for (struct pool *p = pools; p; p = p->next)
		arm(p);
}

int pool_init(struct pool *p, struct loop *loop, size_t size, int cap)
{
	p->size = size;
	p->n = p->low = 0;
	p->cap = cap;
	p->loop = loop;
	p->free = calloc((size_t)cap, sizeof(*p->free));
	if (!p->free)
		return -1;
	p->next = pools;
	pools = p;
	return 0;
}

char *pool_get(struct pool *p)
{
	if (!p->n)
		return malloc(p->size);
	char *b = p->free[--p->n];
	if (p->n < p->low)
		p->low = p->n;
	return b;
}

void pool_put(struct pool *p, char *buf)
{
	if (p->n == p->cap) {
		free(buf);
		return;
	}
	p->free[p->n++] = buf;
	arm(p);
}

void pool_free(struct pool *p)
{
	while (p->n)
		free(p->free[--p->n]);
	free(p->free);
	p->free = NULL;
	p->cap = 0;
	for (struct pool **at = &pools; *at; at = &(*at)->next) {
		if (*at == p) {
			*at = p->next;
			break;
		}
	}
}
