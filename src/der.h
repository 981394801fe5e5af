/*
 * der: one reader of DER (the encoding of X.509 certificates) over bytes
 * already whole in memory.  Results are views into the caller's bytes: no
 * copy, no allocation.  Only what certificates use, strictly: low tag
 * numbers, definite lengths of at most 4 bytes in their shortest form, each
 * element inside its parent.  Anything else is malformed.
 *
 * A leaf: it includes nothing of sockwall's, and needs no TLS library.
 */
#ifndef SOCKWALL_DER_H
#define SOCKWALL_DER_H

#include <stdbool.h>
#include <stddef.h>

struct der {
	const unsigned char *p; /* NULL when absent */
	size_t len;
};

struct der_elem {
	unsigned tag;     /* the identifier byte: 0x30 SEQUENCE, 0x06 OID, 0xa3 [3], ... */
	struct der body;  /* the contents */
	struct der whole; /* header and contents */
};

/*
 * Takes the element at the front of *in into *e and moves *in past it;
 * false when *in is empty or does not start with a well-formed element.
 */
bool der_next(struct der *in, struct der_elem *e);

/*
 * An OBJECT IDENTIFIER's contents, valid as Go reads them: not empty, no
 * subidentifier starting with a 0x80 byte or wider than 31 bits, none cut.
 */
bool der_oid_valid(struct der oid);

/* Whether the contents are exactly these bytes. */
bool der_equals(struct der d, const unsigned char *bytes, size_t len);

#endif
