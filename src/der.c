#include "der.h"

#include <stdint.h>
#include <string.h>

bool der_next(struct der *in, struct der_elem *e)
{
	const unsigned char *p = in->p;
	size_t left = in->len, len;

	if (left < 2 || (p[0] & 0x1f) == 0x1f) /* high tag numbers: not in certificates */
		return false;
	e->tag = p[0];
	len = p[1];
	p += 2;
	left -= 2;
	if (len & 0x80) {
		size_t k = len & 0x7f;

		if (k == 0 || k > 4 || k > left) /* indefinite, or beyond 4 GiB */
			return false;
		/* Shortest form: no leading zero byte, no long form below 0x80. */
		if (p[0] == 0 || (k == 1 && p[0] < 0x80))
			return false;
		len = 0;
		for (size_t i = 0; i < k; i++)
			len = (len << 8) | p[i];
		p += k;
		left -= k;
	}
	if (len > left)
		return false;
	e->body = (struct der){ p, len };
	e->whole = (struct der){ in->p, (size_t)(p - in->p) + len };
	in->p = p + len;
	in->len = left - len;
	return true;
}

bool der_oid_valid(struct der oid)
{
	uint32_t arc = 0;
	bool arc_start = true;

	if (oid.len == 0)
		return false;
	for (size_t i = 0; i < oid.len; i++) {
		unsigned char b = oid.p[i];

		if ((arc_start && b == 0x80) || arc >= (1u << 24))
			return false;
		arc = (arc << 7) | (b & 0x7f);
		arc_start = !(b & 0x80);
		if (arc_start)
			arc = 0;
	}
	return arc_start;
}

bool der_equals(struct der d, const unsigned char *bytes, size_t len)
{
	return d.len == len && memcmp(d.p, bytes, len) == 0;
}
